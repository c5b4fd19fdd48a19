export { isSecretSetting, loadConfig, loadConfigOrExit, type Config, type Mode } from './load-config.js';
export { EnvSchema, type Env } from './env-schema.js';
export {
  MQTT_FORMATS,
  topicFilterProblem,
  type IngestKey,
  type MqttFormat,
  type MqttTopic,
} from './ingest-settings.js';
