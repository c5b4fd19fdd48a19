export { isSecretSetting, loadConfig, loadConfigOrExit, type Config, type Mode } from './load-config.js';
export { EnvSchema, type Env } from './env-schema.js';
