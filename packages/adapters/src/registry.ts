import type { Adapter } from './types.js';

/**
 * The built-in adapters, by name. One line each; `npm run new-adapter` adds its line here.
 * An app adds the ones its configuration enables to its AdapterHost.
 */
export const builtInAdapters: Record<string, Adapter<unknown>> = {
  // new adapters above this line
};
