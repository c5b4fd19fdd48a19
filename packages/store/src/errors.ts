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
