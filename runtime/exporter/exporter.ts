import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { ExporterConfig } from '../config/types';
import { explainKafkaAccessError } from '../kafka/acls';
import type { BatchContext, GroupConsumer, OffsetRange, RecordBatch } from '../kafka/consumer';
import { createConsumerFactory, isKafkaError } from '../kafka/factory';
import { ExporterMetrics } from '../observability/metrics';
import type { ObjectStore } from '../storage/object-store';
import { createObjectStore } from '../storage/create-store';
import { writeValidationObject } from '../storage/validation';
import { BatchSnapshot, Batcher } from './batcher';
import { systemClock } from './clock';
import { ObjectNamer, intervalStartOf } from './object-namer';
import { OffsetManager } from './offset-manager';
import { Progress } from './progress';
import type { Clock, ExporterDeps, RunningExporter } from './types';

/** When a resync was refused and no new assignment came, how long until it is tried again. */
const RESYNC_RETRY_MS = 2_000;
const MAX_RESYNC_RETRY_MS = 30_000;
/**
 * An idle partition's end is read only when it is at most this many offsets past where the partition rests:
 * the trailing markers and aborted records of a transaction, not a backlog the consumer has yet to deliver.
 */
const MAX_IDLE_READ_OFFSETS = 10_000n;
/** Wake up a little after an interval boundary, so the batch that ends there is certainly due. */
const BOUNDARY_MARGIN_MS = 5;

/** How long `stop()` waits for the last batch to be stored before leaving the group anyway. */
const STOP_FLUSH_TIMEOUT_MS = 30_000;
/** How long leaving the group may take; with the flush, a stop ends within 40 s (the CLI allows 60 s). */
const LEAVE_TIMEOUT_MS = 10_000;

/**
 * Starts exporting `config.stream.topic` to `config.sink`; see {@link RunningExporter} for its lifecycle.
 * Resolves as soon as start-up has begun: start-up failures reject `ready` and `stopped`.
 */
export async function startExporter(config: ExporterConfig, deps: ExporterDeps): Promise<RunningExporter> {
  const exporter = new Exporter(config, deps);
  exporter.start();
  return exporter.handle;
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
  settled: boolean;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const result: Deferred = {
    promise,
    settled: false,
    resolve: () => {
      result.settled = true;
      resolve();
    },
    reject: (error) => {
      result.settled = true;
      reject(error);
    },
  };
  // Callers may await only one of ready/stopped; neither must surface as an unhandled rejection.
  promise.catch(() => undefined);
  return result;
}

/**
 * One consumer of the exporter's group and its data path: batches per interval (Batcher), stores them
 * exactly once (OffsetManager, see its protocol) and keeps membership alive only while making progress.
 * Assignment, loss checks and the recording of intents run one step at a time on a serial chain, in the
 * order they were queued; uploads and their end commits go on beside it (in order, in OffsetManager).
 */
class Exporter {
  readonly handle: RunningExporter;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly metrics: ExporterMetrics;
  private readonly namer: ObjectNamer;
  private readonly batcher: Batcher;
  private readonly progress = new Progress();
  private readonly ready = deferred();
  private readonly stopped = deferred();
  private readonly timer = new AbortController();
  private consumer: GroupConsumer | undefined;
  private offsets: OffsetManager | undefined;
  /** Bumped by every (re)assignment and rewind: work queued under an older epoch is dropped. */
  private epoch = 0;
  private partitions: readonly number[] = [];
  private assignment: Promise<boolean> = Promise.resolve(false);
  private chain: Promise<unknown> = Promise.resolve();
  /** Bytes of the snapshots queued or being stored. */
  private queuedBytes = 0;
  /** Woken whenever a queued flush finished (its bytes are released). */
  private flushWaiters: Array<() => void> = [];
  /** Partitions whose skipped offsets are being checked (one check at a time each). */
  private readonly skipChecks = new Set<number>();
  /** `partition@offset` seeks made for stale batches since the last (re)assignment. */
  private readonly staleSeeks = new Set<string>();
  /** Partitions that delivered a batch since the last idle check. */
  private readonly delivered = new Set<number>();
  /** Idle partitions found at their end (nothing to commit past) since their last batch. */
  private readonly idleChecked = new Set<number>();
  private idleCheckQueued = false;
  /** Interval ticks since the last (re)assignment: a partition is quiet only after a whole interval. */
  private ticksSinceAssignment = 0;
  /** Set while a batch waits for room (held bytes): then quiet partitions are not idle, only held back. */
  private waitingForRoom = false;
  private resyncFailures = 0;
  private stopping = false;
  private stopPromise: Promise<void> | undefined;
  private fatal: unknown;

  constructor(
    private readonly config: ExporterConfig,
    private readonly deps: ExporterDeps,
  ) {
    // The service's logger already names the exporter in every line; pino would repeat a key bound twice.
    const named = deps.logger.bindings().exporter !== undefined;
    this.logger = deps.logger.child({
      component: 'exporter',
      ...(named ? {} : { exporter: config.exporterName }),
    });
    this.clock = deps.clock ?? systemClock;
    this.metrics = new ExporterMetrics(deps.registry ?? new Registry(), this.logger);
    this.namer = new ObjectNamer(config.stream.name, config.pathPrefix);
    this.batcher = new Batcher(config.stream.topic, config.maxObjectBytes, (ms) =>
      intervalStartOf(ms, config.intervalSeconds),
    );
    this.handle = {
      ready: this.ready.promise,
      stopped: this.stopped.promise,
      stop: () => this.stop(),
    };
  }

  start(): void {
    this.startUp().catch((error) => this.fail(error));
  }

  private async startUp(): Promise<void> {
    const { config, deps } = this;
    const store: ObjectStore =
      deps.store ??
      (await createObjectStore({
        sink: config.sink,
        pathPrefix: config.pathPrefix,
        logger: this.logger,
        requestTimeoutMs: config.sink.requestTimeoutMs,
        observer: {
          onRetry: (sinkType, operation, kind) => {
            this.metrics.onRetry(sinkType, operation, kind);
            this.progress.tick();
          },
          onError: (sinkType, operation, kind) => this.metrics.onError(sinkType, operation, kind),
        },
      }));
    const validationKey = await writeValidationObject(store, config.pathPrefix);
    this.metrics.objectWritten('validation', 'created', 0);
    this.logger.info({ bucket: store.bucket, key: validationKey }, 'validation object written');
    if (this.stopping) return;

    const factory =
      deps.consumerFactory ??
      createConsumerFactory(config.kafka.client, {
        kafka: config.kafka,
        topic: config.stream.topic,
        fromBeginning: config.includeExistingEvents,
        logger: this.logger,
        sessionTimeoutMs: config.kafka.sessionTimeoutMs,
        heartbeatIntervalMs: config.kafka.heartbeatIntervalMs,
      });
    const consumer = factory.createGroupConsumer();
    this.consumer = consumer;
    this.offsets = new OffsetManager({
      consumer,
      reader: factory.createRangeReader(),
      store,
      namer: this.namer,
      topic: config.stream.topic,
      includeExistingEvents: config.includeExistingEvents,
      logger: this.logger,
      metrics: this.metrics,
      onDataLoss: config.onDataLoss,
    });
    await consumer.start({
      onAssigned: (partitions, generation) => this.onAssigned(partitions, generation),
      onBatch: (batch, context) => this.onBatch(batch, context),
      onCrash: (error, restarting) => this.onCrash(error, restarting),
    });
    this.logger.info(
      { topic: config.stream.topic, groupId: config.kafka.groupId, intervalSeconds: config.intervalSeconds },
      'consuming',
    );
    void this.intervalLoop();
  }

  private onAssigned(partitions: readonly number[], join: number): void {
    this.logger.info({ partitions, join }, 'partitions assigned');
    this.partitions = partitions;
    this.resync();
  }

  /**
   * Forgets everything held in memory and restarts from the group's committed state: the consumer re-reads
   * from the committed offsets, and recorded intents are completed first.
   */
  private resync(): void {
    const epoch = ++this.epoch;
    this.batcher.assign(new Map());
    this.staleSeeks.clear();
    this.delivered.clear();
    this.idleChecked.clear();
    this.ticksSinceAssignment = 0;
    const partitions = this.partitions;
    this.assignment = this.serial(async () => {
      if (epoch !== this.epoch || this.stopping) return false;
      let positions: Map<number, string> | 'fenced';
      try {
        positions = await this.offsets!.assign(partitions, this.tick);
      } catch (error) {
        // Kafka being unreachable for a while is not fatal: nothing was written or committed, try again.
        // Everything else (data loss, damaged metadata, a refused upload) is.
        if (!isKafkaError(error)) throw error;
        this.logger.warn(
          { error: (error as Error).message },
          'reading the committed offsets failed; retrying',
        );
        positions = 'fenced';
      }
      if (positions === 'fenced') {
        // Usually a rebalance is under way and its join resyncs again; if none comes, retry (backing off), so
        // the member never sits idle with its partitions unread.
        const delay = Math.min(RESYNC_RETRY_MS * 2 ** this.resyncFailures, MAX_RESYNC_RETRY_MS);
        this.resyncFailures++;
        setTimeout(() => {
          if (epoch === this.epoch && !this.stopping) this.resync();
        }, delay).unref();
        return false;
      }
      this.resyncFailures = 0;
      if (epoch !== this.epoch) return false;
      this.batcher.assign(positions);
      for (const [partition, offset] of positions) this.consumer!.seek(partition, offset);
      this.logger.info({ positions: Object.fromEntries(positions) }, 'assignment ready');
      this.ready.resolve();
      return true;
    });
  }

  private readonly tick = async (): Promise<void> => {
    this.progress.tick();
  };

  private async onBatch(batch: RecordBatch, context: BatchContext): Promise<void> {
    if (this.stopping) return;
    const epoch = this.epoch;
    const assigned = await this.progress.waitFor(
      this.assignment.catch(() => false),
      context,
    );
    if (!assigned || epoch !== this.epoch || this.stopping) return;
    const started = process.hrtime.bigint();
    const result = this.batcher.append(batch, this.clock.now());
    if (result.rejected === 'stale') {
      this.logger.debug({ partition: batch.partition, resumeAt: result.resumeAt }, 'stale batch ignored');
      this.consumer!.seek(batch.partition, result.resumeAt!);
      // One stale batch per partition is normal after a join (fetched before the seek took effect). Another
      // for the same offset means the consumer jumps ahead after every seek: retention removed resumeAt.
      const key = `${batch.partition}@${result.resumeAt}`;
      // Or nothing is stored there: compaction removed those records, or they are transaction markers (a client
      // that reports a batch's first record, not the offset it fetched at, starts past them after every seek).
      if (this.staleSeeks.has(key)) {
        this.checkSkipped(
          { partition: batch.partition, from: result.resumeAt!, to: batch.fetchedOffset },
          { afterSeek: true },
        );
      }
      this.staleSeeks.add(key);
      return;
    }
    if (result.rejected !== undefined) return;
    this.delivered.add(batch.partition);
    this.idleChecked.delete(batch.partition);
    this.metrics.batchEncoded(Number(process.hrtime.bigint() - started) / 1e9);
    this.metrics.invalidReceived(result.invalidRecords);
    this.metrics.consumerLag(batch.partition, BigInt(batch.highWatermark) - BigInt(batch.nextOffset));
    // Queued before the flushes holding the skipped range: a loss is judged before anything past it is committed.
    if (result.skipped !== undefined) this.checkSkipped(result.skipped);
    for (const snapshot of result.full) this.enqueueFlush(snapshot, epoch);
    this.metrics.heldBytes(this.batcher.bytes, this.queuedBytes);
    // The open batch fills while earlier objects are stored (fetching never waits for a store that has room);
    // beyond two objects' worth held, wait (heartbeating on progress) until a queued flush finishes. Held
    // bytes stay below 2 x maxObjectBytes + one fetched batch.
    while (
      this.queuedBytes > 0 &&
      this.queuedBytes + this.batcher.bytes > 2 * this.config.maxObjectBytes &&
      this.fatal === undefined
    ) {
      this.waitingForRoom = true;
      try {
        await this.progress.waitFor(this.nextFlushDone(), context);
      } finally {
        this.waitingForRoom = false;
      }
    }
    await context.heartbeat();
  }

  /**
   * Finds out whether offsets the consumer skipped were removed by retention (see OffsetManager.findLoss).
   * On a loss, `fail` stops here. `skip` resyncs: the consumer may have jumped past records still stored (it
   * resets to the latest offset unless includeExistingEvents), so everything is re-read from the committed
   * offsets, and the assignment reports and skips exactly what retention removed after them.
   * `afterSeek`: the consumer was seeked to `from` and delivered from `to` on again. Without a loss, the
   * range is read: when it holds no record the consumer may go on past `from` (the next batch is accepted).
   */
  private checkSkipped(skipped: OffsetRange, { afterSeek = false } = {}): void {
    if (this.skipChecks.has(skipped.partition)) return;
    this.skipChecks.add(skipped.partition);
    const epoch = this.epoch;
    void this.serial(async () => {
      try {
        if (epoch !== this.epoch) return;
        let lost: OffsetRange | undefined;
        try {
          lost = await this.offsets!.findLoss(skipped.partition, skipped.from, skipped.to);
        } catch (error) {
          if (!isKafkaError(error)) throw error;
          // Unknown whether anything was lost: re-read from the committed offsets, which checks again.
          this.logger.warn({ error: (error as Error).message }, 'checking skipped offsets failed; resyncing');
          this.resync();
          return;
        }
        if (lost === undefined) {
          if (afterSeek) await this.acceptEmptyRange(skipped, epoch);
          return;
        }
        const description =
          `records of topic '${this.config.stream.topic}' were removed by retention while the exporter was ` +
          `behind, before they were exported: partition ${lost.partition} [${lost.from}, ${lost.to}).`;
        if (this.config.onDataLoss === 'skip') this.resync();
        else this.offsets!.dataLost(description, [lost]);
      } finally {
        this.skipChecks.delete(skipped.partition);
      }
    });
  }

  /** Lets the batcher accept a batch beyond `range.from` if `range` holds no record (read to be sure). */
  private async acceptEmptyRange(range: OffsetRange, epoch: number): Promise<void> {
    let empty: boolean;
    try {
      empty = await this.offsets!.holdsNoRecords(range);
    } catch (error) {
      // Undecided: the next stale batch for this offset asks again.
      this.logger.warn({ error: (error as Error).message, range }, 'reading a skipped range failed');
      return;
    }
    if (!empty || epoch !== this.epoch) return;
    this.logger.info({ range }, 'no records stored in the skipped range (compaction or transaction markers)');
    this.batcher.acceptGap(range.partition, range.from);
  }

  private enqueueFlush(snapshot: BatchSnapshot, epoch: number): void {
    this.queuedBytes += snapshot.bytes;
    let release = true;
    const released = () => {
      this.queuedBytes -= snapshot.bytes;
      this.metrics.heldBytes(this.batcher.bytes, this.queuedBytes);
      const waiters = this.flushWaiters;
      this.flushWaiters = [];
      for (const wake of waiters) wake();
    };
    const fenced = () => {
      if (epoch === this.epoch) {
        this.logger.warn('a commit was refused; re-reading from the committed offsets');
        this.resync();
      }
    };
    // The chain only records the intents and starts the uploads: the next batch's intents follow while these
    // objects are still being stored (OffsetManager keeps several in flight, ends committed in order).
    void this.serial(async () => {
      try {
        if (epoch !== this.epoch) return;
        const admitted = await this.offsets!.admit(snapshot, this.tick);
        if (admitted === 'fenced') {
          fenced();
          return;
        }
        release = false;
        admitted.stored.then(
          (outcome) => {
            released();
            if (outcome === 'fenced') fenced();
          },
          (error) => {
            released();
            this.fail(error);
          },
        );
      } finally {
        if (release) released();
      }
    });
  }

  /** Resolves when the next queued flush finishes. */
  private nextFlushDone(): Promise<void> {
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  /** Runs storage/commit work one at a time; a failure there is fatal (nothing after it is committed). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work);
    this.chain = run.then(
      () => undefined,
      (error) => this.fail(error),
    );
    return run;
  }

  private async intervalLoop(): Promise<void> {
    const lengthMs = this.config.intervalSeconds * 1000;
    while (!this.timer.signal.aborted) {
      const now = this.clock.now();
      await this.clock.sleep(
        intervalStartOf(now, this.config.intervalSeconds) + lengthMs - now + BOUNDARY_MARGIN_MS,
        this.timer.signal,
      );
      if (this.timer.signal.aborted) return;
      const snapshot = this.batcher.takeIfDue(this.clock.now());
      if (snapshot !== undefined) this.enqueueFlush(snapshot, this.epoch);
      this.checkIdle();
    }
  }

  /**
   * Partitions that delivered nothing for a whole interval while the exporter was not holding batches back
   * have nothing more to deliver. When such a partition's high watermark is beyond where it rests, and that
   * range holds no record (a client may never deliver the control records of transactions at the end of a
   * partition: librdkafka does not), it is committed past, so the group's lag reaches 0.
   */
  private checkIdle(): void {
    const quiet = this.partitions.filter((p) => !this.delivered.has(p) && !this.idleChecked.has(p));
    this.delivered.clear();
    if (this.ticksSinceAssignment++ === 0) return;
    if (quiet.length === 0 || this.idleCheckQueued || this.waitingForRoom || this.offsets === undefined)
      return;
    this.idleCheckQueued = true;
    const epoch = this.epoch;
    void this.serial(async () => {
      try {
        if (epoch !== this.epoch || this.stopping) return;
        const resting = quiet.filter(
          (p) =>
            this.batcher.idleAt(p) !== undefined && this.batcher.idleAt(p) === this.offsets!.restingAt(p),
        );
        if (resting.length === 0) return;
        let watermarks;
        try {
          watermarks = await this.consumer!.watermarks();
        } catch (error) {
          if (!isKafkaError(error)) throw error;
          return;
        }
        // One read for every idle partition whose high watermark is beyond where it rests; each partition is
        // read once per quiet spell (a batch ends it).
        const ranges: OffsetRange[] = [];
        for (const partition of resting) {
          const from = this.batcher.idleAt(partition);
          const high = watermarks.find((w) => w.partition === partition)?.high;
          if (from === undefined || from !== this.offsets!.restingAt(partition) || high === undefined)
            continue;
          this.idleChecked.add(partition);
          const gap = BigInt(high) - BigInt(from);
          if (gap > 0n && gap <= MAX_IDLE_READ_OFFSETS) ranges.push({ partition, from, to: high });
        }
        if (ranges.length === 0) return;
        let empty: OffsetRange[];
        try {
          empty = await this.offsets!.emptyRanges(ranges);
        } catch (error) {
          this.logger.warn({ error: (error as Error).message }, 'reading the end of idle partitions failed');
          for (const range of ranges) this.idleChecked.delete(range.partition);
          return;
        }
        for (const range of empty) {
          // Records not delivered yet are delivered by the consumer; a batch that arrived meanwhile wins.
          if (epoch !== this.epoch || this.stopping) return;
          if (this.batcher.idleAt(range.partition) !== range.from) continue;
          if (this.offsets!.restingAt(range.partition) !== range.from) continue;
          if ((await this.offsets!.commitPast(range)) === 'fenced') {
            if (epoch === this.epoch) this.resync();
            return;
          }
          this.batcher.advanceIdle(range.partition, range.from, range.to);
          this.logger.info({ range }, 'committed past the control records at the end of an idle partition');
        }
      } finally {
        this.idleCheckQueued = false;
      }
    });
  }

  private onCrash(error: Error, restarting: boolean): void {
    if (!restarting && this.stopPromise !== undefined && this.fatal === undefined) {
      // A requested stop is leaving the group: a consumer that crashes now (kafkajs mid-rejoin during the
      // disconnect) ends as asked. A batch not committed yet stays an intent or uncommitted data, which the
      // next owner completes or re-reads, so the stop is still clean.
      this.logger.warn({ error: error.message }, 'the Kafka consumer crashed while stopping; leaving anyway');
      return;
    }
    if (restarting) {
      this.logger.warn(
        { error: error.message },
        'the Kafka consumer crashed; it restarts and rejoins the group',
      );
      return;
    }
    this.fail(new Error(`the Kafka consumer crashed and cannot restart: ${error.message}`, { cause: error }));
  }

  private fail(failure: unknown): void {
    if (this.fatal !== undefined || this.stopped.settled) return;
    // A refused ACL or SASL login: say which ACL is missing and how to grant it.
    const error =
      explainKafkaAccessError(failure, {
        topic: this.config.stream.topic,
        groupId: this.config.kafka.groupId,
        username: this.config.kafka.sasl?.username,
      }) ?? failure;
    this.fatal = error;
    this.logger.error(
      { error: (error as Error)?.message ?? String(error) },
      'exporter stopped by a fatal error',
    );
    this.stopping = true;
    this.timer.abort();
    const consumer = this.consumer;
    void (async () => {
      if (consumer !== undefined) await withTimeout(consumer.stop(), LEAVE_TIMEOUT_MS).catch(() => undefined);
      this.ready.reject(error);
      this.stopped.reject(error);
    })();
  }

  private stop(): Promise<void> {
    this.stopPromise ??= this.stopCleanly();
    return this.stopPromise;
  }

  private async stopCleanly(): Promise<void> {
    if (this.fatal !== undefined) return this.stopped.promise;
    this.logger.info('stopping: storing the current batch');
    this.timer.abort();
    this.stopping = true;
    const epoch = this.epoch;
    const flushed = (async () => {
      await this.assignment.catch(() => false);
      const last = this.batcher.take();
      if (last !== undefined && epoch === this.epoch) this.enqueueFlush(last, epoch);
      await this.chain;
      await this.offsets?.idle();
    })();
    const inTime = await withTimeout(flushed, STOP_FLUSH_TIMEOUT_MS).then(
      () => true,
      () => false,
    );
    if (!inTime)
      this.logger.warn('the last batch was not stored in time; it is read again on the next start');
    if (this.consumer !== undefined)
      await withTimeout(this.consumer.stop(), LEAVE_TIMEOUT_MS).catch(() => undefined);
    if (this.fatal !== undefined) {
      this.stopped.reject(this.fatal);
      this.ready.reject(this.fatal);
      return this.stopped.promise;
    }
    this.ready.reject(new Error('the exporter was stopped before it was ready'));
    this.logger.info('stopped');
    this.stopped.resolve();
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
