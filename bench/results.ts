/**
 * The shape of bench/results.json: the headline numbers the issue asks for at the top, the targets they
 * are judged against, and every raw measurement they were computed from. Numbers of the bench before the
 * steady-state rework keep their meaning under names ending in `IncludingStartup` or `AllRuns`.
 */
import { BareKafkajsMeasurement } from './bare-kafkajs';
import { ExporterMeasurement } from './exporter-run';
import { KcatMeasurement } from './kcat-consume';
import { summarizeLatencies } from './latency';
import { MachineInfo } from './machine';
import { KafkaConnectPeerMeasurement } from './peer-kafka-connect';
import { PreloadedTopic } from './preload';
import { ProfileName } from './profiles';
import { S3CeilingCell } from './s3-ceiling';
import { SustainedMeasurement } from './sustained';
import { SynthMeasurement } from './synth';
import { round } from './throughput';

export interface PartitionGrowthPoint {
  readonly partitions: number;
  readonly kcat: KcatMeasurement;
  readonly kafkajs: BareKafkajsMeasurement;
  readonly exporter: ExporterMeasurement;
}

export interface BenchMeasurements {
  readonly topics: readonly PreloadedTopic[];
  /** The steady state: every consumer on the same backlog (the main topic), one after another. */
  readonly main: {
    readonly kcat: KcatMeasurement;
    readonly kafkajs: BareKafkajsMeasurement;
    /** The exporter on kafkajs (its default client). */
    readonly exporter: ExporterMeasurement;
    /** The bare native client (the runtime's addon, polled in bulk, records dropped). */
    readonly native: BareKafkajsMeasurement;
    /** The exporter with kafka.client=native. */
    readonly exporterNative: ExporterMeasurement;
  };
  /**
   * The Kafka Connect peer (Camel's S3 sink) on the profile's peer topic, into the same S3 server; null when
   * not run. Weaker guarantee than the exporter's: a crash can lose what its aggregator holds.
   */
  readonly peer: KafkaConnectPeerMeasurement | null;
  /** The S3 servers' own PUT ceiling (bench/s3-ceiling.ts), per server, object size and concurrency. */
  readonly s3Ceiling: readonly S3CeilingCell[];
  /** The maximum sustained rate, per client measured. */
  readonly sustained: readonly SustainedMeasurement[];
  readonly growth: {
    readonly partitions: readonly PartitionGrowthPoint[];
    readonly consumers: readonly ExporterMeasurement[];
    readonly intervals: readonly ExporterMeasurement[];
    readonly synth: readonly SynthMeasurement[];
  };
}

export interface Target {
  readonly name: string;
  readonly rule: string;
  readonly measured: number | null;
  readonly met: boolean | null;
}

type PerClient<T> = { readonly kafkajs: T; readonly native: T };

export interface BenchResults extends BenchMeasurements {
  /** Exporter (kafkajs) events/s from the first assignment to the last commit ÷ kcat's, on the backlog. Target >= 0.8. */
  readonly exporterVsKcat: number;
  /** The same with the exporter on the native client (`kafka.client: native`). Target >= 0.8. */
  readonly nativeExporterVsKcat: number;
  /**
   * The kafkajs exporter's steady-state events/s ÷ this machine's CPU-bound ceiling for the drain (its cores ÷
   * the summed CPU s/GB of the exporter, the broker and the S3 server in the same window; bench/cpu-parties.ts).
   * Null when a party's CPU could not be read (an external broker).
   */
  readonly exporterVsCpuCeiling: number | null;
  readonly nativeExporterVsCpuCeiling: number | null;
  /** That ceiling in events/s, per main exporter run. */
  readonly cpuCeilingEventsPerSecond: PerClient<number | null>;
  /** The exporter's events/s from spawn to the last commit ÷ kcat's (start-up and group join included). */
  readonly exporterVsKcatIncludingStartup: number;
  readonly nativeExporterVsKcatIncludingStartup: number;
  /** Each exporter's steady-state events/s ÷ the peer's events/s (from its assignment). Target >= 1.0; null without a peer run. */
  readonly exporterVsPeer: PerClient<number> | null;
  /** How long each exporter drained the backlog (assignment -> last commit), seconds. Should be >= 30. */
  readonly steadyStateDrainSeconds: PerClient<number>;
  /** Spawn -> started, group joined, first data object stored (main runs). Target: first stored <= 10 s. */
  readonly startup: PerClient<ExporterMeasurement['startup']>;
  /** The highest production rate each client's exporter kept up with (lag < two intervals for the hold). */
  readonly maxSustainedEventsPerSecond: Partial<PerClient<number>>;
  /** CPU seconds (user + system) per GB of record values on the backlog, start-up excluded, per consumer. */
  readonly cpuSecondsPerGb: {
    readonly kcat: number;
    readonly bareKafkajs: number;
    readonly bareNative: number;
    readonly exporter: number;
    readonly exporterNative: number;
  };
  /** The same with start-up included (kcat's is the same: it starts in milliseconds). */
  readonly cpuSecondsPerGbIncludingStartup: BenchResults['cpuSecondsPerGb'];
  /** The exporters' CPU seconds per GB ÷ kcat's. Target <= 3. */
  readonly exporterCpuVsKcat: number;
  readonly nativeExporterCpuVsKcat: number;
  /** Highest VmHWM of any exporter process on a 64-partition topic (backlog, sweeps, sustained), MiB. Target <= 256. */
  readonly peakRssMb: number;
  /** Interval end -> last object of the interval stored, p99 over the sustained steps. Target <= 2000. */
  readonly p99FlushLatencyMs: number | null;
  /** The same pooled over every backlog and sweep run (the definition before the sustained step). */
  readonly p99FlushLatencyMsAllRuns: number | null;
  /** Exporter events/s at 256 partitions divided by at 8. Target >= 0.8; null when not measured. */
  readonly growth256vs8: number | null;
  /** Synth of a stack with 50 batch exporters, in seconds. Target <= 10; null when not measured. */
  readonly synth50Seconds: number | null;
  /**
   * Peak RSS of the longest interval minus that of the shortest (MiB): memory must not grow with the
   * interval by more than the maximum object size. Null with fewer than two intervals.
   */
  readonly intervalRssGrowthMb: number | null;
  readonly targets: readonly Target[];
  readonly date: string;
  readonly command: string;
  /** The commit measured (`git describe --always --dirty`), so results can be matched to the runtime. */
  readonly revision: string;
  readonly profile: ProfileName;
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  /**
   * 1, 5 and 15 minute load averages when the run started and ended: the machine is shared, and a load
   * above its core count means the numbers are lower than the machine alone would give.
   */
  readonly loadAverage: { readonly atStart: readonly number[]; readonly atEnd: readonly number[] };
  readonly notes: readonly string[];
}

const STEADY_STATE_SECONDS = 30;
const RSS_TARGET_PARTITIONS = 64;

export function summarize(
  measurements: BenchMeasurements,
  context: Pick<
    BenchResults,
    'date' | 'command' | 'revision' | 'profile' | 'durationSeconds' | 'machine' | 'loadAverage' | 'notes'
  >,
): BenchResults {
  const { main, growth, sustained } = measurements;
  const vsKcat = (eventsPerSecond: number) => round(eventsPerSecond / main.kcat.eventsPerSecond, 3);
  const exporterVsKcat = vsKcat(main.exporter.eventsPerSecond);
  const nativeExporterVsKcat = vsKcat(main.exporterNative.eventsPerSecond);
  const cpuVsKcat = (run: ExporterMeasurement) => round(run.cpuSecondsPerGb / main.kcat.cpuSecondsPerGb, 3);
  const exporterCpuVsKcat = cpuVsKcat(main.exporter);
  const nativeExporterCpuVsKcat = cpuVsKcat(main.exporterNative);
  const cpuSecondsPerGb = {
    kcat: main.kcat.cpuSecondsPerGb,
    bareKafkajs: main.kafkajs.cpuSecondsPerGb,
    bareNative: main.native.cpuSecondsPerGb,
    exporter: main.exporter.cpuSecondsPerGb,
    exporterNative: main.exporterNative.cpuSecondsPerGb,
  };
  const cpuSecondsPerGbIncludingStartup = {
    kcat: main.kcat.cpuSecondsPerGb,
    bareKafkajs: main.kafkajs.cpuSecondsPerGbIncludingStartup,
    bareNative: main.native.cpuSecondsPerGbIncludingStartup,
    exporter: main.exporter.cpuSecondsPerGbIncludingStartup,
    exporterNative: main.exporterNative.cpuSecondsPerGbIncludingStartup,
  };
  const backlogRuns = [
    main.exporter,
    main.exporterNative,
    ...growth.consumers,
    ...growth.intervals,
    ...growth.partitions.map((p) => p.exporter),
  ];
  const rssAt64 = [
    ...backlogRuns.filter((run) => run.partitions === RSS_TARGET_PARTITIONS).map((run) => run.peakRssMb),
    ...sustained.filter((run) => run.partitions === RSS_TARGET_PARTITIONS).map((run) => run.peakRssMb),
  ];
  // The smoke profile has no 64-partition topic: then the largest of its runs.
  const peakRssMb = Math.max(
    ...(rssAt64.length > 0 ? rssAt64 : [...backlogRuns, ...sustained].map((run) => run.peakRssMb)),
  );
  const allRuns = summarizeLatencies(backlogRuns.flatMap((run) => run.flushLatencySamplesMs));
  const sustainedLatency = summarizeLatencies(sustained.flatMap((run) => run.flushLatencySamplesMs));
  const at = (partitions: number) => growth.partitions.find((p) => p.partitions === partitions)?.exporter;
  const at8 = at(8);
  const at256 = at(256);
  const growth256vs8 = at8 && at256 ? round(at256.eventsPerSecond / at8.eventsPerSecond, 3) : null;
  const synth50 = growth.synth.find((s) => s.exporters === 50);
  const synth50Seconds = synth50 ? synth50.seconds : null;
  const byInterval = [...growth.intervals].sort((a, b) => a.intervalSeconds - b.intervalSeconds);
  const intervalRssGrowthMb =
    byInterval.length >= 2
      ? round(byInterval[byInterval.length - 1].peakRssMb - byInterval[0].peakRssMb, 1)
      : null;
  const maxObjectMb = round(main.exporter.maxObjectBytes / 1024 ** 2, 1);
  const maxSustainedEventsPerSecond = Object.fromEntries(
    sustained.map((run) => [run.client, run.maxSustainedEventsPerSecond]),
  ) as Partial<PerClient<number>>;
  const steadyStateDrainSeconds = { kafkajs: main.exporter.seconds, native: main.exporterNative.seconds };
  const startup = { kafkajs: main.exporter.startup, native: main.exporterNative.startup };
  const { peer } = measurements;
  const vsPeer = (run: ExporterMeasurement) => round(run.eventsPerSecond / peer!.eventsPerSecond, 3);
  const exporterVsPeer = peer
    ? { kafkajs: vsPeer(main.exporter), native: vsPeer(main.exporterNative) }
    : null;
  const targets: Target[] = [
    target('exporterVsKcat', '>= 0.8', exporterVsKcat, (v) => v >= 0.8),
    target('nativeExporterVsKcat', '>= 0.8', nativeExporterVsKcat, (v) => v >= 0.8),
    target(
      'exporterVsPeer',
      '>= 1.0 (both clients, the slower one reported)',
      exporterVsPeer ? Math.min(exporterVsPeer.kafkajs, exporterVsPeer.native) : null,
      (v) => v >= 1,
    ),
    target(
      'steadyStateDrainSeconds',
      `>= ${STEADY_STATE_SECONDS} (both clients: the backlog is big enough)`,
      Math.min(steadyStateDrainSeconds.kafkajs, steadyStateDrainSeconds.native),
      (v) => v >= STEADY_STATE_SECONDS,
    ),
    target('exporterCpuVsKcat', '<= 3', exporterCpuVsKcat, (v) => v <= 3),
    target('nativeExporterCpuVsKcat', '<= 3', nativeExporterCpuVsKcat, (v) => v <= 3),
    target('peakRssMb', '<= 256 (64 partitions)', peakRssMb, (v) => v <= 256),
    target('startupToFirstStoredSeconds', '<= 10', startup.kafkajs.firstObjectStoredSeconds, (v) => v <= 10),
    target(
      'nativeStartupToFirstStoredSeconds',
      '<= 10',
      startup.native.firstObjectStoredSeconds,
      (v) => v <= 10,
    ),
    target('p99FlushLatencyMs', '<= 2000 (sustained steps)', sustainedLatency.p99Ms, (v) => v <= 2000),
    target('growth256vs8', '>= 0.8', growth256vs8, (v) => v >= 0.8),
    target('synth50Seconds', '<= 10', synth50Seconds, (v) => v <= 10),
    target(
      'intervalRssGrowthMb',
      `<= ${maxObjectMb} (maxObjectBytes)`,
      intervalRssGrowthMb,
      (v) => v <= maxObjectMb,
    ),
  ];
  return {
    exporterVsKcat,
    nativeExporterVsKcat,
    exporterVsCpuCeiling: main.exporter.cpuShares.exporterVsCpuCeiling,
    nativeExporterVsCpuCeiling: main.exporterNative.cpuShares.exporterVsCpuCeiling,
    cpuCeilingEventsPerSecond: {
      kafkajs: main.exporter.cpuShares.cpuCeilingEventsPerSecond,
      native: main.exporterNative.cpuShares.cpuCeilingEventsPerSecond,
    },
    exporterVsKcatIncludingStartup: vsKcat(main.exporter.eventsPerSecondIncludingStartup),
    nativeExporterVsKcatIncludingStartup: vsKcat(main.exporterNative.eventsPerSecondIncludingStartup),
    exporterVsPeer,
    steadyStateDrainSeconds,
    startup,
    maxSustainedEventsPerSecond,
    cpuSecondsPerGb,
    cpuSecondsPerGbIncludingStartup,
    exporterCpuVsKcat,
    nativeExporterCpuVsKcat,
    peakRssMb,
    p99FlushLatencyMs: sustainedLatency.p99Ms,
    p99FlushLatencyMsAllRuns: allRuns.p99Ms,
    growth256vs8,
    synth50Seconds,
    intervalRssGrowthMb,
    targets,
    ...context,
    ...measurements,
  };
}

function target(
  name: string,
  rule: string,
  measured: number | null,
  pass: (value: number) => boolean,
): Target {
  return { name, rule, measured, met: measured === null ? null : pass(measured) };
}
