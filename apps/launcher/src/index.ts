export { runEmbedded } from './embedded.js';
export { runDistributed } from './distributed.js';
