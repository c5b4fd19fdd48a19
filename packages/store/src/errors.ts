import { CityopsError, ErrorCodes } from '@cityops/schema';
import type { StageBatch } from './port.js';
import { partitionKey } from './validate.js';

/** The partial-overlap error both stores throw (SPEC.md S3), with the numbers a caller needs. */
export function conflict(batch: StageBatch, storedNextOffset: number): CityopsError {
  return new CityopsError(
    ErrorCodes.STORE_OFFSET_CONFLICT,
    `batch [${batch.fromOffset}, ${batch.nextOffset}) of ${partitionKey(batch.topic, batch.partition)} overlaps what group ${batch.group} already applied (next offset ${storedNextOffset}); re-read progress and rebuild the batch`,
    {
      group: batch.group,
      topic: batch.topic,
      partition: batch.partition,
      fromOffset: batch.fromOffset,
      nextOffset: batch.nextOffset,
      storedNextOffset,
    },
  );
}

/** A batch that starts after the stored next offset (SPEC.md S5): records in between were never applied. */
export function gap(batch: StageBatch, storedNextOffset: number): CityopsError {
  return new CityopsError(
    ErrorCodes.STORE_OFFSET_GAP,
    `batch [${batch.fromOffset}, ${batch.nextOffset}) of ${partitionKey(batch.topic, batch.partition)} starts after what group ${batch.group} applied (next offset ${storedNextOffset}); records in between were never applied`,
    {
      group: batch.group,
      topic: batch.topic,
      partition: batch.partition,
      fromOffset: batch.fromOffset,
      storedNextOffset,
    },
  );
}

/** The store no longer holds the epoch the batch was built on (SPEC.md S16): its data was lost. */
export function stateLost(batch: StageBatch): CityopsError {
  return new CityopsError(
    ErrorCodes.STORE_STATE_LOST,
    `the store lost the state of group ${batch.group} (epoch ${batch.epoch} is gone); rebuild from the log`,
    { group: batch.group, epoch: batch.epoch },
  );
}
