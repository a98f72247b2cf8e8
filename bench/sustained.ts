/**
 * The maximum sustained rate: one exporter process on an empty topic while a producer writes at rising
 * fixed rates; a rate is sustained when the group's lag (events produced but not committed) stays below
 * two intervals' worth of production for the whole hold. Steps stop at the first rate not sustained.
 * Interval end -> stored is measured here too (the exporter keeps up, so objects close at interval ends
 * rather than at the size limit of a backlog).
 */
import { ExporterEnvironment, ExporterGroup, startExporterGroup } from './exporter-run';
import { FlushLatency, intervalLatenciesMs, summarizeLatencies } from './latency';
import { GroupProgress } from './offsets';
import { startRateProducer } from './producer';
import { perGigabyte } from './proc-status';
import { round } from './throughput';

export interface SustainedPlan {
  /**
   * Rates tried, ascending, as fractions of the slowest measured client's steady-state rate on the backlog
   * (one ladder for every client, so their results compare).
   */
  readonly fractions: readonly number[];
  /** How long each rate must hold. */
  readonly holdSeconds: number;
  readonly intervalSeconds: number;
  readonly partitions: number;
}

export interface SustainedStep {
  readonly targetEventsPerSecond: number;
  /** What the producer really wrote over the hold (kcat may fall behind on a loaded machine). */
  readonly producedEventsPerSecond: number;
  readonly producedMegabytesPerSecond: number;
  readonly heldSeconds: number;
  readonly maxLagEvents: number;
  /** maxLagEvents in seconds of production at the target rate. */
  readonly maxLagSeconds: number;
  readonly sustained: boolean;
  /** Exporter CPU seconds (user + system) per GB produced during the hold. */
  readonly cpuSecondsPerGb: number;
  readonly flushLatency: FlushLatency;
}

export interface SustainedMeasurement {
  readonly client: 'kafkajs' | 'native';
  readonly topic: string;
  readonly partitions: number;
  readonly intervalSeconds: number;
  readonly holdSeconds: number;
  /** Lag limit: two intervals of production. */
  readonly lagLimitSeconds: number;
  /** The steady-state rate the fractions were taken of. */
  readonly basedOnEventsPerSecond: number;
  readonly steps: readonly SustainedStep[];
  /** The highest target rate sustained (0 when none was). */
  readonly maxSustainedEventsPerSecond: number;
  readonly maxSustainedMegabytesPerSecond: number;
  readonly peakRssMb: number;
  /** Interval end -> stored over every interval of the sustained steps. */
  readonly flushLatency: FlushLatency;
  readonly flushLatencySamplesMs: readonly number[];
}

const SAMPLE_MS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureSustained(
  env: ExporterEnvironment,
  bootstrap: string,
  options: {
    readonly label: string;
    readonly topic: string;
    readonly plan: SustainedPlan;
    readonly client: 'kafkajs' | 'native';
    readonly basedOnEventsPerSecond: number;
    readonly maxObjectBytes: number;
    readonly log: (line: string) => void;
  },
): Promise<SustainedMeasurement> {
  const { plan } = options;
  const lagLimitSeconds = 2 * plan.intervalSeconds;
  const progress = await GroupProgress.open(env.brokers, options.topic);
  const producer = startRateProducer(bootstrap, options.topic, `s${options.client[0]}`);
  let group: ExporterGroup | undefined;
  try {
    // The hold has no end condition to time out on: only the start-up is bounded.
    group = await startExporterGroup(
      { ...env, timeoutSeconds: 120 },
      {
        label: options.label,
        topic: { topic: options.topic, partitions: plan.partitions, events: 0, valueBytes: 0, seconds: 0 },
        consumers: 1,
        intervalSeconds: plan.intervalSeconds,
        maxObjectBytes: options.maxObjectBytes,
        client: options.client,
      },
    );
    const steps: SustainedStep[] = [];
    const sustainedWindows: Array<{ from: number; to: number }> = [];
    for (const fraction of plan.fractions) {
      const target = Math.round(options.basedOnEventsPerSecond * fraction);
      producer.setRate(target);
      const before = producer.produced();
      const cpuBefore = group.usage().cpuSeconds;
      const from = Date.now();
      let maxLag = 0n;
      let sustained = true;
      while (Date.now() - from < plan.holdSeconds * 1000) {
        await sleep(SAMPLE_MS);
        group.checkAlive(`sustained run ${options.label}`);
        const lag = await progress.currentLag(group.groupId);
        if (lag > maxLag) maxLag = lag;
        if (Number(lag) / target >= lagLimitSeconds) {
          sustained = false;
          break;
        }
      }
      const to = Date.now();
      const after = producer.produced();
      const seconds = (to - from) / 1000;
      const bytes = after.valueBytes - before.valueBytes;
      const producedRate = (after.events - before.events) / seconds;
      const puts = env.recorder
        .putsUnder(`${group.prefix}/`)
        .filter((p) => p.storedAt >= from + plan.intervalSeconds * 1000 && p.storedAt <= to);
      const step: SustainedStep = {
        targetEventsPerSecond: target,
        producedEventsPerSecond: Math.round(producedRate),
        producedMegabytesPerSecond: round(bytes / 1e6 / seconds, 2),
        heldSeconds: round(seconds, 1),
        maxLagEvents: Number(maxLag),
        maxLagSeconds: round(Number(maxLag) / target, 2),
        sustained,
        cpuSecondsPerGb: perGigabyte(group.usage().cpuSeconds - cpuBefore, bytes),
        flushLatency: summarizeLatencies(intervalLatenciesMs(puts, group.prefix, plan.intervalSeconds)),
      };
      steps.push(step);
      options.log(
        `sustained ${options.client} at ${target} events/s (produced ${step.producedEventsPerSecond}): ` +
          `max lag ${step.maxLagSeconds} s of ${lagLimitSeconds} s, ${step.sustained ? 'sustained' : 'NOT sustained'} ` +
          `after ${step.heldSeconds} s, ${step.cpuSecondsPerGb} CPU s/GB, p99 ${step.flushLatency.p99Ms} ms`,
      );
      if (!sustained) break;
      sustainedWindows.push({ from, to });
    }
    const best = steps.filter((s) => s.sustained).pop();
    const samples = intervalLatenciesMs(
      env.recorder
        .putsUnder(`${group.prefix}/`)
        .filter((p) =>
          sustainedWindows.some(
            (w) => p.storedAt >= w.from + plan.intervalSeconds * 1000 && p.storedAt <= w.to,
          ),
        ),
      group.prefix,
      plan.intervalSeconds,
    );
    return {
      client: options.client,
      topic: options.topic,
      partitions: plan.partitions,
      intervalSeconds: plan.intervalSeconds,
      holdSeconds: plan.holdSeconds,
      lagLimitSeconds,
      basedOnEventsPerSecond: options.basedOnEventsPerSecond,
      steps,
      maxSustainedEventsPerSecond: best?.targetEventsPerSecond ?? 0,
      maxSustainedMegabytesPerSecond: best?.producedMegabytesPerSecond ?? 0,
      peakRssMb: round(group.usage().peakRssMb, 1),
      flushLatency: summarizeLatencies(samples),
      flushLatencySamplesMs: samples,
    };
  } finally {
    await producer.stop().catch(() => undefined);
    await group?.stop();
    await progress.close();
  }
}
