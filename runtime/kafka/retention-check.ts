import { DataLossError, OffsetRange, PartitionWatermarks } from './consumer';

/**
 * Throws {@link DataLossError} for the ranges that are not stored in Kafka any more (retention removed their
 * start, or the partition is shorter than their end), given the topic's watermarks. Shared by the clients'
 * range readers.
 */
export function checkStillStored(
  topic: string,
  ranges: readonly OffsetRange[],
  watermarks: readonly PartitionWatermarks[],
): void {
  const lost = ranges.filter((range) => {
    const mark = watermarks.find((w) => w.partition === range.partition);
    return (
      mark === undefined || BigInt(mark.low) > BigInt(range.from) || BigInt(mark.high) < BigInt(range.to)
    );
  });
  if (lost.length === 0) return;
  const described = lost
    .map((range) => {
      const mark = watermarks.find((w) => w.partition === range.partition);
      return `partition ${range.partition} [${range.from}, ${range.to}) (stored now: [${mark?.low ?? '?'}, ${mark?.high ?? '?'}))`;
    })
    .join('; ');
  throw new DataLossError(
    `DATA LOSS: records of topic '${topic}' that were about to be exported are no longer in ` +
      `Kafka (removed by retention): ${described}. They cannot be exported; raise the topic's retention ` +
      'above the time the exporter may be down.',
    lost,
  );
}
