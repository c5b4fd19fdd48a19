import { alertsApiSuite } from '../test/alerts-api-suite.js';

// the embedded bus and the memory store: the gateway calls the desk in the same process
alertsApiSuite('the embedded bus + memory store', async () => ({}));
