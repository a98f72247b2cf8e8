/**
 * The shape of bench/results.json: the headline numbers the issue asks for at the top, the targets they
 * are judged against, and every raw measurement they were computed from.
 */
import { BareKafkajsMeasurement } from './bare-kafkajs';
import { ExporterMeasurement } from './exporter-run';
import { KcatMeasurement } from './kcat-consume';
import { summarizeLatencies } from './latency';
import { MachineInfo } from './machine';
import { PreloadedTopic } from './preload';
import { ProfileName } from './profiles';
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
  readonly main: {
    readonly kcat: KcatMeasurement;
    readonly kafkajs: BareKafkajsMeasurement;
    /** The exporter on kafkajs (its default client): the run earlier results measured. */
    readonly exporter: ExporterMeasurement;
    /** The bare native client (the runtime's addon, polled in bulk, records dropped). */
    readonly native: BareKafkajsMeasurement;
    /** The exporter with kafka.client=native. */
    readonly exporterNative: ExporterMeasurement;
  };
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

export interface BenchResults extends BenchMeasurements {
  /** Exporter events/s divided by kcat's on the main topic. Target >= 0.8. */
  readonly exporterVsKcat: number;
  /** The same with the exporter on the native client (`kafka.client: native`). */
  readonly nativeExporterVsKcat: number;
  /** CPU seconds (user + system) per GB of record values on the main topic, per consumer. */
  readonly cpuSecondsPerGb: {
    readonly kcat: number;
    readonly bareKafkajs: number;
    readonly bareNative: number;
    readonly exporter: number;
    readonly exporterNative: number;
  };
  /** The native exporter's CPU seconds per GB divided by kcat's. Target <= 3. */
  readonly nativeExporterCpuVsKcat: number;
  /** Highest VmHWM of any exporter process on the main (64-partition) topic, at any interval, in MiB. Target <= 256. */
  readonly peakRssMb: number;
  /** Interval end -> last object of the interval stored, p99 over every interval of every exporter run. Target <= 2000. */
  readonly p99FlushLatencyMs: number | null;
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

export function summarize(
  measurements: BenchMeasurements,
  context: Pick<
    BenchResults,
    'date' | 'command' | 'revision' | 'profile' | 'durationSeconds' | 'machine' | 'loadAverage' | 'notes'
  >,
): BenchResults {
  const { main, growth } = measurements;
  const exporterVsKcat = round(main.exporter.eventsPerSecond / main.kcat.eventsPerSecond, 3);
  const nativeExporterVsKcat = round(main.exporterNative.eventsPerSecond / main.kcat.eventsPerSecond, 3);
  const nativeExporterCpuVsKcat = round(main.exporterNative.cpuSecondsPerGb / main.kcat.cpuSecondsPerGb, 3);
  const cpuSecondsPerGb = {
    kcat: main.kcat.cpuSecondsPerGb,
    bareKafkajs: main.kafkajs.cpuSecondsPerGb,
    bareNative: main.native.cpuSecondsPerGb,
    exporter: main.exporter.cpuSecondsPerGb,
    exporterNative: main.exporterNative.cpuSecondsPerGb,
  };
  const onMainTopic = [main.exporter, main.exporterNative, ...growth.consumers, ...growth.intervals].filter(
    (run) => run.partitions === main.exporter.partitions,
  );
  const peakRssMb = Math.max(...onMainTopic.map((run) => run.peakRssMb));
  const allRuns = [
    main.exporter,
    main.exporterNative,
    ...growth.consumers,
    ...growth.intervals,
    ...growth.partitions.map((p) => p.exporter),
  ];
  const pooled = summarizeLatencies(allRuns.flatMap((run) => run.flushLatencySamplesMs));
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
  const targets: Target[] = [
    target('exporterVsKcat', '>= 0.8', exporterVsKcat, (v) => v >= 0.8),
    target('nativeExporterVsKcat', '>= 0.8', nativeExporterVsKcat, (v) => v >= 0.8),
    target('nativeExporterCpuVsKcat', '<= 3', nativeExporterCpuVsKcat, (v) => v <= 3),
    target('peakRssMb', '<= 256', peakRssMb, (v) => v <= 256),
    target('p99FlushLatencyMs', '<= 2000', pooled.p99Ms, (v) => v <= 2000),
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
    cpuSecondsPerGb,
    nativeExporterCpuVsKcat,
    peakRssMb,
    p99FlushLatencyMs: pooled.p99Ms,
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
