import type { Batch, IHeaders, KafkaMessage } from 'kafkajs';
import type { ConsumedRecord, RecordBatch } from './port.js';

/** kafkajs's strings and Buffers turned into the port's numbers and strings */
export function toRecordBatch(batch: Batch, messages: KafkaMessage[] = batch.messages): RecordBatch {
  const records = messages.map((m) => toRecord(batch.topic, batch.partition, m));
  return {
    topic: batch.topic,
    partition: batch.partition,
    records,
    nextOffset: records[records.length - 1]!.offset + 1,
    highWatermark: Number(batch.highWatermark),
  };
}

function toRecord(topic: string, partition: number, m: KafkaMessage): ConsumedRecord {
  const record: ConsumedRecord = {
    topic,
    partition,
    offset: Number(m.offset),
    timestamp: Number(m.timestamp),
    key: m.key === null ? null : m.key.toString('utf8'),
    value: m.value === null ? '' : m.value.toString('utf8'),
  };
  if (m.headers && Object.keys(m.headers).length > 0) record.headers = toHeaders(m.headers);
  return record;
}

function toHeaders(headers: IHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    // a header repeated on the wire arrives as an array; the port keeps the last value
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = last.toString();
  }
  return out;
}
