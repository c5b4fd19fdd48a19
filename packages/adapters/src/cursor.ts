import { ErrorCodes, isCityopsError } from '@cityops/schema';
import type { Store } from '@cityops/store';
import type { AdapterIO } from './types.js';

const TOPIC = '_cursor';
const KEY = 'cursor';

/**
 * An adapter's cursor kept in the store as the keyed state of a group of its own
 * (`adapter-cursor.<name>`), written with `applyBatch` like a stage's state: in Redis it survives
 * restarts; in the embedded store it lives as long as the process.
 */
export function storeCursor(store: Store, adapterName: string): AdapterIO['cursor'] {
  const group = `adapter-cursor.${adapterName}`;
  let epoch: string | undefined;
  return {
    async get() {
      return (await store.readState(group, TOPIC, 0)).get(KEY);
    },
    async set(value: string) {
      for (let attempt = 0; ; attempt++) {
        epoch ??= (await store.openEpoch(group)).epoch;
        const next = (await store.readProgress(group))[`${TOPIC}:0`]?.nextOffset ?? 0;
        try {
          await store.applyBatch({
            group,
            topic: TOPIC,
            partition: 0,
            epoch,
            fromOffset: next,
            nextOffset: next + 1,
            increments: [],
            watermark: null,
            dropped: {},
            stateSet: [[KEY, value]],
          });
          return;
        } catch (err) {
          const again =
            isCityopsError(err, ErrorCodes.STORE_OFFSET_CONFLICT) || isCityopsError(err, ErrorCodes.STORE_STATE_LOST);
          if (!again || attempt >= 3) throw err;
          if (isCityopsError(err, ErrorCodes.STORE_STATE_LOST)) epoch = undefined;
        }
      }
    },
  };
}
