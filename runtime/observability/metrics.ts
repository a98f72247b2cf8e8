import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SinkType } from '../config/sink-credentials';
import type { StoreFailureKind, StoreObserver, StoreOperation } from '../storage/object-store';

/**
 * The exporter's Prometheus metrics. Every recording method is guarded: a failing observer is logged and
 * ignored, never allowed to break the data path.
 */
export class ExporterMetrics implements StoreObserver {
  private readonly events: Counter<'outcome'>;
  private readonly bytes: Counter<'kind'>;
  private readonly objects: Counter<'kind' | 'outcome'>;
  private readonly invalidRecords: Counter;
  private readonly storageErrors: Counter<'sink_type' | 'operation' | 'kind'>;
  private readonly storageRetries: Counter<'sink_type' | 'operation' | 'kind'>;
  private readonly flushDuration: Histogram;
  private readonly batchDuration: Histogram;
  private readonly lag: Gauge<'partition'>;
  private readonly held: Gauge<'state'>;
  private readonly heldPeak: Gauge;
  private peakHeldBytes = 0;
  private readonly recoveries: Counter;
  private readonly lostRecords: Counter<'partition'>;

  constructor(
    readonly registry: Registry,
    private readonly logger: Logger,
  ) {
    const registers = [registry];
    this.events = new Counter({
      name: 'batch_exporter_events_total',
      help: 'Records exported (outcome=valid: data objects, invalid: _invalid/ objects).',
      labelNames: ['outcome'],
      registers,
    });
    this.bytes = new Counter({
      name: 'batch_exporter_bytes_total',
      help: 'Bytes written to object storage.',
      labelNames: ['kind'],
      registers,
    });
    this.objects = new Counter({
      name: 'batch_exporter_objects_total',
      help: 'Objects written (kind=data|invalid|validation; outcome=created|already-present).',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.invalidRecords = new Counter({
      name: 'batch_exporter_invalid_records_total',
      help: 'Malformed records received (not UTF-8, not JSON, not an object), exported to _invalid/.',
      registers,
    });
    this.storageErrors = new Counter({
      name: 'batch_exporter_storage_errors_total',
      help: 'Failed storage requests by sink type (s3, gcs), operation and kind.',
      labelNames: ['sink_type', 'operation', 'kind'],
      registers,
    });
    this.storageRetries = new Counter({
      name: 'batch_exporter_storage_retries_total',
      help: 'Storage requests retried after a retryable failure, by sink type (s3, gcs), operation and kind.',
      labelNames: ['sink_type', 'operation', 'kind'],
      registers,
    });
    this.flushDuration = new Histogram({
      name: 'batch_exporter_flush_duration_seconds',
      help: 'Time to store one batch: intent commit, uploads and offset commit.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.batchDuration = new Histogram({
      name: 'batch_exporter_batch_duration_seconds',
      help: 'Time to encode one fetched Kafka batch into the open interval.',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.lag = new Gauge({
      name: 'batch_exporter_consumer_lag',
      help: 'Records of a partition not yet received by this consumer (high watermark - next offset).',
      labelNames: ['partition'],
      registers,
    });
    this.held = new Gauge({
      name: 'batch_exporter_held_bytes',
      help: 'Bytes of records held in memory: state=open the batch being filled, storing the objects queued or being stored.',
      labelNames: ['state'],
      registers,
    });
    this.heldPeak = new Gauge({
      name: 'batch_exporter_held_bytes_peak',
      help: 'The most bytes of records held in memory at once (open and storing) since the start.',
      registers,
    });
    this.recoveries = new Counter({
      name: 'batch_exporter_recovered_objects_total',
      help: 'Objects completed from a recorded intent after a crash or rebalance.',
      registers,
    });
    this.lostRecords = new Counter({
      name: 'batch_exporter_records_lost_total',
      help: 'Offsets removed by retention before they were exported, skipped because onDataLoss=skip.',
      labelNames: ['partition'],
      registers,
    });
  }

  eventsExported(valid: number, invalid: number): void {
    this.guard(() => {
      if (valid > 0) this.events.inc({ outcome: 'valid' }, valid);
      if (invalid > 0) this.events.inc({ outcome: 'invalid' }, invalid);
    });
  }

  objectWritten(kind: 'data' | 'invalid' | 'validation', outcome: string, bytes: number): void {
    this.guard(() => {
      this.objects.inc({ kind, outcome });
      if (bytes > 0) this.bytes.inc({ kind }, bytes);
    });
  }

  invalidReceived(count: number): void {
    this.guard(() => {
      if (count > 0) this.invalidRecords.inc(count);
    });
  }

  flushed(seconds: number): void {
    this.guard(() => this.flushDuration.observe(seconds));
  }

  batchEncoded(seconds: number): void {
    this.guard(() => this.batchDuration.observe(seconds));
  }

  consumerLag(partition: number, lag: bigint): void {
    this.guard(() => this.lag.set({ partition: String(partition) }, Number(lag < 0n ? 0n : lag)));
  }

  /** What the exporter holds: the open batch and the objects queued or being stored. */
  heldBytes(open: number, storing: number): void {
    this.guard(() => {
      this.held.set({ state: 'open' }, open);
      this.held.set({ state: 'storing' }, storing);
      if (open + storing > this.peakHeldBytes) {
        this.peakHeldBytes = open + storing;
        this.heldPeak.set(this.peakHeldBytes);
      }
    });
  }

  objectRecovered(): void {
    this.guard(() => this.recoveries.inc());
  }

  /** `offsets` may exceed the records lost: a range can include transaction markers. */
  recordsLost(partition: number, offsets: bigint): void {
    this.guard(() => this.lostRecords.inc({ partition: String(partition) }, Number(offsets)));
  }

  onRetry(sinkType: SinkType, operation: StoreOperation, kind: StoreFailureKind): void {
    this.guard(() => this.storageRetries.inc({ sink_type: sinkType, operation, kind }));
  }

  onError(sinkType: SinkType, operation: StoreOperation, kind: StoreFailureKind): void {
    this.guard(() => this.storageErrors.inc({ sink_type: sinkType, operation, kind }));
  }

  private guard(record: () => void): void {
    try {
      record();
    } catch (error) {
      try {
        this.logger.warn({ error: String(error) }, 'recording a metric failed; ignored');
      } catch {
        // A broken logger must not break the data path either.
      }
    }
  }
}
