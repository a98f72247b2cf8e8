/**
 * How much data and which growth points one bench run uses. `full` is what `npm run bench` runs and the
 * README reports; `quick` is for iterating on the runtime; `smoke` is what the test suite runs so the bench
 * cannot rot (seconds, a few hundred events).
 *
 * No partition gets more than ~8,000 events (~3.7 MB); where more data is needed, more partitions carry it.
 * (That cap came from the mock broker's 5 MB per partition; Apache Kafka keeps everything, and the sizes
 * stay so that results stay comparable with earlier runs.)
 */
import { DEFAULT_MAX_OBJECT_BYTES } from '../runtime/config/schema';

export type ProfileName = 'full' | 'quick' | 'smoke';

/** A topic the bench creates and preloads. */
export interface TopicPlan {
  readonly name: string;
  readonly partitions: number;
  readonly eventsPerPartition: number;
}

export interface BenchProfile {
  readonly name: ProfileName;
  /** The main comparison (kcat vs kafkajs vs exporter) runs on this topic. */
  readonly main: TopicPlan;
  /** Interval of the throughput runs (main, partitions, consumers): short, so the wait for the last interval end is small. */
  readonly throughputIntervalSeconds: number;
  /** One topic per partition count, with the same total where retention allows; the main topic's plan may be one of them. */
  readonly partitionGrowth: readonly TopicPlan[];
  /** Exporter processes in one group, on the main topic. */
  readonly consumerCounts: readonly number[];
  /** Intervals run on the main topic, to see whether memory grows with the interval. */
  readonly intervalsSeconds: readonly number[];
  /** Stacks synthesized with this many batch exporters. */
  readonly synthExporterCounts: readonly number[];
  /**
   * Upper bound of one object (BATCH_EXPORTER_MAX_OBJECT_BYTES) in every exporter run: the runtime's default,
   * so memory is measured as users get it.
   */
  readonly maxObjectBytes: number;
}

function growthTopics(
  partitionCounts: readonly number[],
  total: number,
  perPartitionCap: number,
): TopicPlan[] {
  return partitionCounts.map((partitions) => ({
    name: `bench-p${partitions}`,
    partitions,
    eventsPerPartition: Math.max(1, Math.min(perPartitionCap, Math.floor(total / partitions))),
  }));
}

const SMOKE_MAIN: TopicPlan = { name: 'bench-main', partitions: 4, eventsPerPartition: 100 };

export const PROFILES: Record<ProfileName, BenchProfile> = {
  full: {
    name: 'full',
    main: { name: 'bench-main', partitions: 64, eventsPerPartition: 5_000 },
    throughputIntervalSeconds: 1,
    partitionGrowth: growthTopics([1, 8, 64, 256], 64_000, 8_000),
    consumerCounts: [1, 2, 4],
    intervalsSeconds: [2, 10, 60],
    synthExporterCounts: [1, 10, 50],
    maxObjectBytes: DEFAULT_MAX_OBJECT_BYTES,
  },
  quick: {
    name: 'quick',
    main: { name: 'bench-main', partitions: 64, eventsPerPartition: 1_000 },
    throughputIntervalSeconds: 1,
    partitionGrowth: growthTopics([1, 8, 64, 256], 16_000, 8_000),
    consumerCounts: [1, 2],
    intervalsSeconds: [2, 10],
    synthExporterCounts: [1, 10],
    maxObjectBytes: DEFAULT_MAX_OBJECT_BYTES,
  },
  smoke: {
    name: 'smoke',
    main: SMOKE_MAIN,
    throughputIntervalSeconds: 1,
    // The main topic doubles as the 4-partition point: one exporter run less.
    partitionGrowth: [...growthTopics([1], 200, 8_000), SMOKE_MAIN],
    consumerCounts: [1, 2],
    // Reuses the main run: each extra exporter run costs ~10 s of start-up, group join and shutdown.
    intervalsSeconds: [1],
    synthExporterCounts: [1, 2],
    maxObjectBytes: DEFAULT_MAX_OBJECT_BYTES,
  },
};

export function totalEvents(topic: TopicPlan): number {
  return topic.partitions * topic.eventsPerPartition;
}
