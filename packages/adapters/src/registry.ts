import { gps } from './gps/index.js';
import { hotline } from './hotline/index.js';
import type { Adapter } from './types.js';
import { mqttAdapter } from './mqtt/index.js';
import { ngsi } from './ngsi/index.js';
import { open311 } from './open311/index.js';

/**
 * The built-in adapters, by name. One line each; `npm run new-adapter` adds its line here.
 * An app adds the ones its configuration enables to its AdapterHost.
 */
export const builtInAdapters: Record<string, Adapter<unknown>> = {
  hotline: hotline as Adapter<unknown>,
  ngsi: ngsi as Adapter<unknown>,
  open311: open311 as Adapter<unknown>,
  mqtt: mqttAdapter as Adapter<unknown>,
  gps: gps as Adapter<unknown>,
  // new adapters above this line
};
