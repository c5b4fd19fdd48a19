export { createGateway, type Gateway, type GatewayDeps } from './gateway.js';
export { VitalsChannel, VITALS_CHANNEL } from './vitals-channel.js';
