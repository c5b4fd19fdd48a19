export { startLiveSimulator, type LiveSimulator, type LiveSimulatorOptions, type SimPlace } from './live.js';
export { createRng } from './prng.js';
export { placesOf } from './places.js';
