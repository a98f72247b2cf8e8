/**
 * How much data and which growth points one bench run uses. `full` is what `npm run bench` runs and the
 * README reports; `quick` is for iterating on the runtime; `smoke` is what the test suite runs so the bench
 * cannot rot (seconds, a few hundred events).
 *
 * The main topic is the steady-state backlog: sized so that the exporter drains it for at least 30 s at
 * the rates measured on these machines (65k events/s on kafkajs, 100k on the native client, real Kafka into
 * moto, 2026-12-02), i.e. ~1.8 GB; results.json says whether the drain really lasted 30 s
 * (`steadyStateDrainSeconds`).
 */
import { DEFAULT_MAX_OBJECT_BYTES } from '../runtime/config/schema';
import { S3_CEILING_PLANS, S3CeilingPlan, S3ServerName } from './s3-ceiling';
import type { SustainedPlan } from './sustained';

export type ProfileName = 'full' | 'quick' | 'smoke';

/** A topic the bench creates and preloads. */
export interface TopicPlan {
  readonly name: string;
  readonly partitions: number;
  readonly eventsPerPartition: number;
}

export interface BenchProfile {
  readonly name: ProfileName;
  /** The steady-state comparison (kcat vs the bare clients vs the exporter on each client) runs on this topic. */
  readonly main: TopicPlan;
  /** Interval of the throughput runs (main, partitions, consumers): short, so the wait for the last interval end is small. */
  readonly throughputIntervalSeconds: number;
  /** One topic per partition count, with the same total events; the main topic's plan may be one of them. */
  readonly partitionGrowth: readonly TopicPlan[];
  /** The topic (64 partitions) of the consumer and interval sweeps: the main topic or a growth topic. */
  readonly sweep: TopicPlan;
  /** Exporter processes in one group, on the sweep topic. */
  readonly consumerCounts: readonly number[];
  /** Intervals run on the sweep topic, to see whether memory grows with the interval. */
  readonly intervalsSeconds: readonly number[];
  /** The maximum sustained rate: rates tried, hold, interval; run once per client listed. */
  readonly sustained: SustainedPlan;
  readonly sustainedClients: readonly ('kafkajs' | 'native')[];
  /**
   * The S3 side's own PUT ceiling (bench/s3-ceiling.ts): this plan on each server, started one at a time
   * beside the bench's (idle) S3 side. Kept to well under 90 s on the shared machine.
   */
  readonly s3Ceiling: { readonly plan: S3CeilingPlan; readonly servers: readonly S3ServerName[] };
  /**
   * The Kafka Connect peer's topic (bench/peer-kafka-connect.ts): the main topic's plan, or a smaller copy of
   * the same data sized so the peer (~9k events/s here, plus a ~25 s JVM start) is done within ~90 s. None:
   * the peer is not run (smoke: 60 MB of jars and a JVM start are too much for the test suite).
   */
  readonly peer?: TopicPlan;
  /** Stacks synthesized with this many batch exporters. */
  readonly synthExporterCounts: readonly number[];
  /**
   * Upper bound of one object (BATCH_EXPORTER_MAX_OBJECT_BYTES) in every exporter run: the runtime's default,
   * so memory is measured as users get it.
   */
  readonly maxObjectBytes: number;
}

function growthTopics(partitionCounts: readonly number[], total: number): TopicPlan[] {
  return partitionCounts.map((partitions) => ({
    name: `bench-p${partitions}`,
    partitions,
    eventsPerPartition: Math.max(1, Math.floor(total / partitions)),
  }));
}

const SMOKE_MAIN: TopicPlan = { name: 'bench-main', partitions: 4, eventsPerPartition: 100 };
const FULL_GROWTH = growthTopics([8, 64, 256], 480_000);
const QUICK_MAIN: TopicPlan = { name: 'bench-main', partitions: 64, eventsPerPartition: 6_000 };
const KIB = 1024;
const MIB = 1024 * KIB;

export const PROFILES: Record<ProfileName, BenchProfile> = {
  full: {
    name: 'full',
    // 3.84 M events, ~1.8 GB: 30 s at 128k events/s.
    main: { name: 'bench-main', partitions: 64, eventsPerPartition: 60_000 },
    throughputIntervalSeconds: 1,
    partitionGrowth: FULL_GROWTH,
    sweep: FULL_GROWTH[1],
    consumerCounts: [1, 2, 4],
    intervalsSeconds: [2, 10, 60],
    sustained: { fractions: [0.5, 0.7, 0.9, 1.1, 1.3], holdSeconds: 60, intervalSeconds: 5, partitions: 64 },
    sustainedClients: ['kafkajs', 'native'],
    // The full ceiling plan takes minutes on moto: its sizes, at two concurrencies and 128 MiB per cell.
    s3Ceiling: {
      plan: { ...S3_CEILING_PLANS.full, concurrencies: [1, 4], bytesPerCell: 128 * MIB, maxPuts: 200 },
      servers: ['moto', 'gofakes3'],
    },
    // 320 k events, ~150 MB, 64 partitions: ~35 s for the peer from its assignment.
    peer: { name: 'bench-peer', partitions: 64, eventsPerPartition: 5_000 },
    synthExporterCounts: [1, 10, 50],
    maxObjectBytes: DEFAULT_MAX_OBJECT_BYTES,
  },
  quick: {
    name: 'quick',
    // 384 k events, ~180 MB: a drain of seconds, not the 30 s of the full run.
    main: QUICK_MAIN,
    throughputIntervalSeconds: 1,
    partitionGrowth: growthTopics([8, 256], 96_000),
    sweep: QUICK_MAIN,
    consumerCounts: [1, 2],
    intervalsSeconds: [2, 10],
    sustained: { fractions: [0.5, 0.8, 1.1], holdSeconds: 15, intervalSeconds: 5, partitions: 64 },
    sustainedClients: ['kafkajs', 'native'],
    s3Ceiling: { plan: S3_CEILING_PLANS.quick, servers: ['moto', 'gofakes3'] },
    // The main backlog itself: 384 k events, ~40 s for the peer.
    peer: QUICK_MAIN,
    synthExporterCounts: [1, 10],
    maxObjectBytes: DEFAULT_MAX_OBJECT_BYTES,
  },
  smoke: {
    name: 'smoke',
    main: SMOKE_MAIN,
    throughputIntervalSeconds: 1,
    // The main topic doubles as the 4-partition point: one exporter run less.
    partitionGrowth: [...growthTopics([1], 200), SMOKE_MAIN],
    sweep: SMOKE_MAIN,
    consumerCounts: [1, 2],
    // Reuses the main run: each extra exporter run costs seconds of start-up, group join and shutdown.
    intervalsSeconds: [1],
    sustained: { fractions: [0.5], holdSeconds: 3, intervalSeconds: 1, partitions: 4 },
    sustainedClients: ['kafkajs'],
    // Cells of a few puts on the fast server: the step runs, in seconds.
    s3Ceiling: {
      plan: { objectBytes: [4 * KIB, 256 * KIB], concurrencies: [1, 2], bytesPerCell: 8 * KIB, maxPuts: 4 },
      servers: ['gofakes3'],
    },
    synthExporterCounts: [1, 2],
    maxObjectBytes: DEFAULT_MAX_OBJECT_BYTES,
  },
};

export function totalEvents(topic: TopicPlan): number {
  return topic.partitions * topic.eventsPerPartition;
}
