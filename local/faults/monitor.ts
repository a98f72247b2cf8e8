import type { Admin } from 'kafkajs';
import { decodeCommitMetadata } from '../../runtime/exporter/commit-metadata';
import type { ObjectCatalog } from './catalog';
import type { ProducedIndex } from './producer';
import { LostRange, ObservedIntent, StoredRange, contiguousEnds, objectRanges } from './verify';

export interface ProgressMonitorOptions {
  readonly admin: Admin;
  readonly groupId: string;
  readonly topic: string;
  readonly catalog: ObjectCatalog;
  readonly index: ProducedIndex;
  /** How many exporter processes are running (idleness only counts while one is). */
  readonly liveProcesses: () => number;
  /** No progress for this long while lag remains (outside a fault window) fails the scenario. */
  readonly idleBudgetMs: number;
  /** @default 250 */
  readonly sampleMs?: number;
}

/** One sample of a partition's committed position. */
export interface CommitSample {
  readonly at: number;
  readonly partition: number;
  readonly committed: bigint | undefined;
  readonly metadata: string;
  readonly stored: bigint;
}

/** A sample whose committed offset was beyond the data stored at that moment, judged at the end. */
interface BeyondStored {
  readonly partition: number;
  readonly committed: bigint;
  /** The partition's stored ranges at that moment. */
  readonly ranges: readonly StoredRange[];
}

/**
 * Samples the group's committed offsets during a scenario and checks them against what is stored at that
 * moment: a committed offset may never be beyond the contiguously stored data, and never move backwards.
 * It also fails a scenario whose processes sit idle while lag remains.
 */
export class ProgressMonitor {
  /** Violations found so far; {@link violationsGiven} adds the committed offsets beyond the stored data. */
  readonly violations: string[] = [];
  private readonly beyondStored: BeyondStored[] = [];
  readonly samples: CommitSample[] = [];
  /** Every intent seen in committed metadata, by object key (the protocol's step 1). */
  readonly intents = new Map<string, ObservedIntent>();
  sampleErrors = 0;
  private committed: (bigint | undefined)[];
  /** When each partition last progressed (its committed offset moved, or it had no lag). */
  private readonly progressAt: number[];
  private faultWindows = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private idle: string | undefined;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly options: ProgressMonitorOptions) {
    this.committed = Array.from({ length: options.index.partitions }, () => undefined);
    this.progressAt = Array.from({ length: options.index.partitions }, () => Date.now());
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.sample();
        } catch {
          // The broker may be down on purpose (a fault): a missed sample is not a violation.
          this.sampleErrors += 1;
        }
        this.waiters.splice(0).forEach((wake) => wake());
        await sleep(this.options.sampleMs ?? 250);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Idleness does not count while `fn` runs (a consumer is frozen or the broker is down on purpose). */
  async faultWindow<T>(fn: () => Promise<T>): Promise<T> {
    this.faultWindows += 1;
    try {
      return await fn();
    } finally {
      this.faultWindows -= 1;
      this.restartIdleClock();
    }
  }

  /** Idleness counts from now (the fault just ended). */
  restartIdleClock(): void {
    const now = Date.now();
    this.progressAt.forEach((at, partition) => (this.progressAt[partition] = Math.max(at, now)));
  }

  /** The last sampled committed offsets. */
  committedOffsets(): readonly (bigint | undefined)[] {
    return [...this.committed];
  }

  /**
   * Resolves once every produced event is committed (committed offset = end offset on every partition);
   * rejects when the processes sit idle while lag remains.
   */
  async waitUntilCommitted(ends: readonly bigint[] = this.options.index.endOffsets()): Promise<void> {
    for (;;) {
      if (this.idle) throw new Error(this.idle);
      if (ends.every((end, p) => (this.committed[p] ?? 0n) >= end)) return;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Resolves once some partition's committed offset is at least `offset` beyond its value now. */
  async waitForCommitAdvance(): Promise<void> {
    const before = [...this.committed];
    for (;;) {
      if (this.idle) throw new Error(this.idle);
      if (this.committed.some((c, p) => (c ?? -1n) > (before[p] ?? -1n) && (c ?? 0n) > 0n)) return;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /**
   * Every violation, with committed offsets beyond the stored data judged against the ranges the exporters
   * reported lost to retention (onDataLoss=skip commits past them). Judged at the end, since the sampler may
   * see the commit past a loss before the line reporting it reaches the log.
   */
  violationsGiven(lost: readonly LostRange[]): string[] {
    const beyond = this.beyondStored.flatMap(({ partition, committed, ranges }) => {
      const stored = contiguousEnds(ranges, partition + 1, lost)[partition];
      return committed > stored
        ? [
            `partition ${partition}: committed offset ${committed} is beyond the stored data (contiguous up to ${stored})`,
          ]
        : [];
    });
    return [...new Set([...this.violations, ...beyond])];
  }

  /** Partitions whose last sampled metadata still holds an intent. */
  openIntents(): string[] {
    const last = new Map<number, string>();
    for (const sample of this.samples) last.set(sample.partition, sample.metadata);
    return [...last]
      .filter(([, metadata]) => this.intentsIn(metadata) !== undefined)
      .map(
        ([partition, metadata]) =>
          `partition ${partition}: an intent is still committed at the end: ${metadata}`,
      );
  }

  private observeIntent(partition: number, metadata: string): void {
    const intents = this.intentsIn(metadata);
    for (const intent of intents ?? [])
      if (!this.intents.has(intent.key)) this.intents.set(intent.key, intent);
    if (intents === null) {
      this.violations.push(
        `partition ${partition}: committed metadata the exporter cannot read: ${metadata}`,
      );
    }
  }

  /** The intents in a metadata string (oldest first); undefined for none, null for unreadable metadata. */
  private intentsIn(metadata: string): readonly ObservedIntent[] | undefined | null {
    try {
      return decodeCommitMetadata(metadata).intents;
    } catch {
      return null;
    }
  }

  private async sample(): Promise<void> {
    const { admin, groupId, topic, catalog, index } = this.options;
    const [fetched] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const watermarks = await admin.fetchTopicOffsets(topic);
    await catalog.refresh();
    const ranges: StoredRange[] = [];
    const ignored: string[] = [];
    for (const object of catalog.all())
      ranges.push(...objectRanges(object, (id) => index.positionOf(id), ignored));
    const stored = contiguousEnds(ranges, index.partitions);
    const now = Date.now();
    for (const { partition, offset, metadata } of fetched.partitions) {
      const committed = BigInt(offset) < 0n ? undefined : BigInt(offset);
      const previous = this.committed[partition];
      this.samples.push({
        at: now,
        partition,
        committed,
        metadata: metadata ?? '',
        stored: stored[partition],
      });
      this.observeIntent(partition, metadata ?? '');
      if (previous !== undefined && (committed === undefined || committed < previous)) {
        this.violations.push(
          `partition ${partition}: committed offset moved backwards from ${previous} to ${committed}`,
        );
      }
      if (committed !== undefined && committed > stored[partition]) {
        this.beyondStored.push({
          partition,
          committed,
          ranges: ranges.filter((r) => r.partition === partition),
        });
      }
      if (committed !== previous) this.progressAt[partition] = now;
      this.committed[partition] = committed;
    }
    const lagging = watermarks
      .map((w) => ({
        partition: w.partition,
        high: BigInt(w.high),
        committed: this.committed[w.partition] ?? 0n,
      }))
      .filter((w) => w.high > w.committed);
    // Without lag there is nothing to do: a partition's idleness counts from when its lag appears.
    for (let partition = 0; partition < this.progressAt.length; partition++) {
      if (!lagging.some((w) => w.partition === partition)) this.progressAt[partition] = now;
    }
    // Per partition, so a member idle on its partitions is caught even while others make progress.
    const stuck = lagging.filter((w) => now - this.progressAt[w.partition] > this.options.idleBudgetMs);
    if (stuck.length > 0 && this.faultWindows === 0 && this.options.liveProcesses() > 0 && !this.idle) {
      const idleFor = Math.max(...stuck.map((w) => now - this.progressAt[w.partition]));
      this.idle =
        `${stuck.map((w) => `p${w.partition}`).join(', ')}: no progress for ${Math.round(idleFor / 1000)} s while lag remains ` +
        `(${lagging.map((w) => `p${w.partition} committed ${w.committed} of ${w.high}`).join(', ')}) ` +
        `with ${this.options.liveProcesses()} exporter process(es) running`;
      this.violations.push(this.idle);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
