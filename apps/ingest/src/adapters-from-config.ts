import { builtInAdapters, type Adapter } from '@cityops/adapters';
import type { Config } from '@cityops/config';

export interface ConfiguredAdapter {
  adapter: Adapter<unknown>;
  options: unknown;
}

/**
 * The adapters this configuration runs, with their options: every built-in adapter whose
 * options need nothing from the environment (its HTTP routes are then served), and the MQTT
 * adapter when `MQTT_URL` is set (with `MQTT_TOPICS`, `MQTT_CLIENT_ID`, `MQTT_USERNAME`,
 * `MQTT_PASSWORD`). An adapter whose options do not parse from `{}` is left out and named in
 * `skipped`, so a half-configured source never starts silently wrong.
 */
export function configuredAdapters(
  config: Config,
  extra: Record<string, unknown> = {},
): { adapters: ConfiguredAdapter[]; skipped: string[] } {
  const adapters: ConfiguredAdapter[] = [];
  const skipped: string[] = [];
  for (const [name, adapter] of Object.entries(builtInAdapters)) {
    let options: unknown = extra[name] ?? {};
    if (name === 'mqtt') {
      if (!config.MQTT_URL || !config.MQTT_TOPICS) continue;
      options = {
        url: config.MQTT_URL,
        topics: config.MQTT_TOPICS,
        clientId: config.MQTT_CLIENT_ID,
        ...(config.MQTT_USERNAME ? { username: config.MQTT_USERNAME } : {}),
        ...(config.MQTT_PASSWORD ? { password: config.MQTT_PASSWORD } : {}),
        ...(typeof extra.mqtt === 'object' && extra.mqtt !== null ? extra.mqtt : {}),
      };
    }
    if (!adapter.options.safeParse(options).success) {
      skipped.push(name);
      continue;
    }
    adapters.push({ adapter, options });
  }
  return { adapters, skipped };
}
