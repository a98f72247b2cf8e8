/**
 * The maximum sustained rate: one exporter process on an empty topic while a producer writes at rising
 * fixed rates; a rate is sustained when the group's lag (events produced but not committed) stays below
 * two intervals' worth of production for the whole hold. Steps stop at the first rate not sustained.
 * Interval end -> stored is measured here too (the exporter keeps up, so objects close at interval ends
 * rather than at the size limit of a backlog). After each step production pauses until the group committed
 * everything produced; the bench then reads back what the step stored and deletes it (the S3 side holds at
 * most one step's objects), and the next step starts on an idle exporter. Every event produced must be
 * stored exactly once over the run (the run fails otherwise).
 */
import { CpuShares, cpuShares, cpuSnapshot } from './cpu-parties';
import { ExporterEnvironment, ExporterGroup, startExporterGroup } from './exporter-run';
import { FlushLatency, intervalLatenciesMs, summarizeLatencies } from './latency';
import { GroupProgress } from './offsets';
import { startRateProducer } from './producer';
import { perGigabyte } from './proc-status';
import { SequenceIds, readStoredObjects } from './stored-objects';
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
  /** The producer wrote less than 97% of the target rate (the machine could not produce it): not sustained. */
  readonly producerFellShort: boolean;
  readonly maxLagEvents: number;
  /** maxLagEvents in seconds of production at the target rate. */
  readonly maxLagSeconds: number;
  readonly sustained: boolean;
  /** Exporter CPU seconds (user + system) per GB produced during the hold. */
  readonly cpuSecondsPerGb: number;
  /** CPU of every party during the hold, with the CPU-bound ceiling (bench/cpu-parties.ts). */
  readonly cpuShares: CpuShares;
  readonly flushLatency: FlushLatency;
  /** Events read back (and then deleted) after the step, its paused tail included. */
  readonly storedEvents: number;
  /** Pause after the hold: until the group committed everything produced, then the read-back and delete. */
  readonly settleSeconds: number;
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
  /** Events the producer wrote over the run, and what the read-backs found of them (must be equal). */
  readonly producedEvents: number;
  readonly storedEvents: number;
  readonly distinctEvents: number;
}

const SAMPLE_MS = 250;
/** Share of the target rate the producer must reach for the hold to count. */
const PRODUCED_FRACTION_REQUIRED = 0.97;
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
  const runId = `s${options.client[0]}`;
  const producer = startRateProducer(bootstrap, options.topic, runId);
  const ids = new SequenceIds(`${runId}-`);
  let storedEvents = 0;
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
    const running = group;
    const exporterPids = running.processes.map((p) => p.child.pid!);
    /**
     * Production paused: waits until the group committed everything in the topic (and, once kcat exited,
     * until the topic holds every event written to it: a running kcat keeps the tail of its stdin buffered),
     * then reads back and deletes what is stored. Returns the events read back.
     */
    const settle = async (kcatExited: boolean): Promise<number> => {
      producer.setRate(0);
      const limitSeconds = 60 + 4 * plan.intervalSeconds;
      const deadline = Date.now() + limitSeconds * 1000;
      for (;;) {
        running.checkAlive(`sustained run ${options.label}, settling`);
        const { lag, produced } = await progress.lagAndProduced(running.groupId);
        const written = producer.produced().events;
        if (lag === 0n && (!kcatExited || produced >= BigInt(written))) break;
        if (Date.now() > deadline) {
          throw new Error(
            `sustained run ${options.label}: production paused, but after ${limitSeconds} s ` +
              `the topic holds ${produced} of the ${written} events written to kcat and the group's lag is ${lag}`,
          );
        }
        await sleep(SAMPLE_MS);
      }
      const stored = await readStoredObjects(env.s3, env.bucket, running.prefix, { ids, deleteAfter: true });
      storedEvents += stored.storedEvents;
      return stored.storedEvents;
    };
    const steps: SustainedStep[] = [];
    const sustainedWindows: Array<{ from: number; to: number }> = [];
    for (const fraction of plan.fractions) {
      const target = Math.round(options.basedOnEventsPerSecond * fraction);
      producer.setRate(target);
      const before = producer.produced();
      const cpuBefore = group.usage().cpuSeconds;
      const cpuFrom = cpuSnapshot(env.cpuPids, exporterPids, producer.pid);
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
      const cpuTo = cpuSnapshot(env.cpuPids, exporterPids, producer.pid);
      const after = producer.produced();
      const seconds = (to - from) / 1000;
      const bytes = after.valueBytes - before.valueBytes;
      const producedRate = (after.events - before.events) / seconds;
      // A rate the producer did not reach proves nothing about the exporter: not sustained.
      const producerFellShort = producedRate < PRODUCED_FRACTION_REQUIRED * target;
      if (producerFellShort) sustained = false;
      const puts = env.recorder
        .putsUnder(`${group.prefix}/`)
        .filter((p) => p.storedAt >= from + plan.intervalSeconds * 1000 && p.storedAt <= to);
      const hold = {
        targetEventsPerSecond: target,
        producedEventsPerSecond: Math.round(producedRate),
        producedMegabytesPerSecond: round(bytes / 1e6 / seconds, 2),
        heldSeconds: round(seconds, 1),
        producerFellShort,
        maxLagEvents: Number(maxLag),
        maxLagSeconds: round(Number(maxLag) / target, 2),
        sustained,
        cpuSecondsPerGb: perGigabyte(group.usage().cpuSeconds - cpuBefore, bytes),
        cpuShares: cpuShares(env.cpuPids, cpuFrom, cpuTo, {
          events: after.events - before.events,
          valueBytes: bytes,
          exporterEventsPerSecond: producedRate,
        }),
        flushLatency: summarizeLatencies(intervalLatenciesMs(puts, group.prefix, plan.intervalSeconds)),
      };
      const settling = Date.now();
      const step: SustainedStep = {
        ...hold,
        storedEvents: await settle(false),
        settleSeconds: round((Date.now() - settling) / 1000, 1),
      };
      steps.push(step);
      options.log(
        `sustained ${options.client} at ${target} events/s (produced ${step.producedEventsPerSecond}): ` +
          `max lag ${step.maxLagSeconds} s of ${lagLimitSeconds} s, ${step.sustained ? 'sustained' : 'NOT sustained'}` +
          `${step.producerFellShort ? ' (the producer fell short of the rate)' : ''} ` +
          `after ${step.heldSeconds} s, ${step.cpuSecondsPerGb} CPU s/GB, p99 ${step.flushLatency.p99Ms} ms; ` +
          `${step.cpuShares.exporterVsCpuCeiling ?? '-'} of the CPU ceiling (${step.cpuShares.cpuCeilingEventsPerSecond ?? '-'} events/s); ` +
          `${step.storedEvents} events read back and deleted in ${step.settleSeconds} s`,
      );
      if (!sustained) break;
      sustainedWindows.push({ from, to });
    }
    await producer.stop();
    const producedEvents = producer.produced().events;
    // kcat has exited: everything written is in the topic. Whatever the last settle had not seen yet.
    await settle(true);
    if (storedEvents !== producedEvents || ids.size !== producedEvents || ids.duplicates + ids.foreign > 0) {
      throw new Error(
        `sustained run ${options.label}: ${producedEvents} events produced, ${storedEvents} stored ` +
          `(${ids.size} distinct, ${ids.duplicates} seen again, ${ids.foreign} not of this run); each must be stored exactly once`,
      );
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
      producedEvents,
      storedEvents,
      distinctEvents: ids.size,
    };
  } finally {
    await producer.stop().catch(() => undefined);
    await group?.stop();
    await progress.close();
  }
}
