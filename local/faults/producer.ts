import { Kafka, Partitioners, Producer, logLevel } from 'kafkajs';
import { ClickstreamEvent, clickstreamEvent } from '../clickstream';

/** Where one produced event landed. */
export interface EventPosition {
  readonly partition: number;
  readonly offset: bigint;
}

/**
 * Every event a scenario produced, by its unique `eventId`, with the offset the broker acknowledged. The
 * verifier maps each stored line back to its partition and offset through it.
 */
export class ProducedIndex {
  private readonly positions = new Map<string, EventPosition>();
  private readonly ends: bigint[];

  constructor(readonly partitions: number) {
    this.ends = Array.from({ length: partitions }, () => 0n);
  }

  record(eventId: string, position: EventPosition): void {
    if (this.positions.has(eventId)) throw new Error(`event ${eventId} was produced twice`);
    this.positions.set(eventId, position);
    const next = position.offset + 1n;
    if (next > this.ends[position.partition]) this.ends[position.partition] = next;
  }

  positionOf(eventId: string): EventPosition | undefined {
    return this.positions.get(eventId);
  }

  /** The offset after the last acknowledged event of each partition. */
  endOffsets(): readonly bigint[] {
    return [...this.ends];
  }

  get size(): number {
    return this.positions.size;
  }

  /**
   * Problems that void the checks: Kafka holding other records than the events acknowledged (a producer
   * retry that wrote twice), given each partition's high watermark.
   */
  mismatches(highWatermarks: ReadonlyMap<number, bigint>): string[] {
    const problems: string[] = [];
    this.ends.forEach((end, partition) => {
      const high = highWatermarks.get(partition);
      if (high !== end) {
        problems.push(
          `harness: partition ${partition} holds offsets up to ${high} but the producer's acknowledgements end at ${end}`,
        );
      }
    });
    const total = this.ends.reduce((a, b) => a + b, 0n);
    if (total !== BigInt(this.positions.size)) {
      problems.push(
        `harness: ${this.positions.size} events acknowledged at ${total} offsets (duplicate writes)`,
      );
    }
    return problems;
  }

  eventIds(): IterableIterator<string> {
    return this.positions.keys();
  }
}

/** About 450 KB of seed-shaped events: well below the broker's request size limit. */
const MAX_EVENTS_PER_REQUEST = 1000;

export interface EventProducerOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly partitions: number;
  /** Makes event ids unique across scenarios. */
  readonly runId: string;
  /**
   * Idempotent produce (Apache Kafka): a request whose answer was lost (a broker stopped mid-request, 09) is
   * retried with the same sequence numbers and written once. The mock cluster cannot (no InitProducerId).
   */
  readonly idempotent: boolean;
}

/**
 * Produces seed-shaped events with unique ids, round-robin over the partitions, and records the offset of
 * each from the broker's acknowledgement (offset = base offset of the partition's batch + position in it).
 */
export class EventProducer {
  readonly index: ProducedIndex;
  private readonly producer: Producer;
  private sequence = 0;

  private constructor(private readonly options: EventProducerOptions) {
    this.index = new ProducedIndex(options.partitions);
    const kafka = new Kafka({
      clientId: `faults-producer-${options.runId}`,
      brokers: [...options.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    this.producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: options.idempotent,
    });
  }

  static async connect(options: EventProducerOptions): Promise<EventProducer> {
    const producer = new EventProducer(options);
    await producer.producer.connect();
    return producer;
  }

  /**
   * Produces `count` events and waits for the acknowledgements. One request per partition: kafkajs retries
   * a whole `send` when any partition in it fails (e.g. NOT_LEADER during a leader change), which would
   * write the partitions that succeeded twice. A partition's events go in requests of at most
   * {@link MAX_EVENTS_PER_REQUEST}, one after another (the broker refuses oversized requests).
   */
  async produce(count: number): Promise<void> {
    const perPartition = new Map<number, ClickstreamEvent[]>();
    for (let i = 0; i < count; i++) {
      const sequence = this.sequence++;
      const partition = sequence % this.options.partitions;
      const events = perPartition.get(partition) ?? [];
      events.push(clickstreamEvent(sequence, this.options.runId));
      perPartition.set(partition, events);
    }
    await Promise.all(
      [...perPartition].map(async ([partition, events]) => {
        for (let start = 0; start < events.length; start += MAX_EVENTS_PER_REQUEST) {
          const chunk = events.slice(start, start + MAX_EVENTS_PER_REQUEST);
          const [ack] = await this.producer.send({
            topic: this.options.topic,
            messages: chunk.map((event) => ({ key: event.eventId, value: JSON.stringify(event), partition })),
          });
          if (ack?.baseOffset === undefined || ack.partition !== partition) {
            throw new Error(`no base offset acknowledged for partition ${partition}`);
          }
          const base = BigInt(ack.baseOffset);
          chunk.forEach((event, i) =>
            this.index.record(event.eventId, { partition, offset: base + BigInt(i) }),
          );
        }
      }),
    );
  }

  /** Produces `count` events in `batches` requests spread evenly over `durationMs` (load during a fault). */
  async produceOver(
    count: number,
    durationMs: number,
    batches = Math.max(1, Math.round(durationMs / 200)),
  ): Promise<void> {
    const started = Date.now();
    let sent = 0;
    for (let b = 0; b < batches; b++) {
      const target = Math.round(((b + 1) * count) / batches);
      if (target > sent) await this.produce(target - sent);
      sent = target;
      const wait = started + ((b + 1) * durationMs) / batches - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
