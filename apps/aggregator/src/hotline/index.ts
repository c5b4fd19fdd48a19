export { HotlineKpiStages, openHotlineStores, type HotlineKpiOptions, type HotlineStores } from './hotline.js';
export {
  BY_TICKET_PARTITIONS,
  BY_TICKET_TOPIC,
  HOTLINE_RECORD_ERROR,
  hotlineRouterStage,
  hotlineTicketStage,
  type RouterStageOptions,
  type TicketStageOptions,
} from './stages.js';
