/**
 * The bench's own view of a consumer group's progress, through kafkajs admin: the topic's high watermarks
 * and the group's committed offsets. Offsets stay decimal strings and are compared as bigints.
 */
import { Admin, Kafka, logLevel } from 'kafkajs';

export class GroupProgress {
  private constructor(
    private readonly admin: Admin,
    private readonly topic: string,
    private readonly highWatermarks: ReadonlyMap<number, bigint>,
  ) {}

  static async open(brokers: readonly string[], topic: string): Promise<GroupProgress> {
    const kafka = new Kafka({
      clientId: 'bench-progress',
      brokers: [...brokers],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      const highs = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
      return new GroupProgress(admin, topic, highs);
    } catch (error) {
      await admin.disconnect();
      throw error;
    }
  }

  /** How many partitions of the topic have a committed offset at their high watermark. */
  async partitionsDone(groupId: string): Promise<{ readonly done: number; readonly lag: bigint }> {
    const [committed] = await retried(() => this.admin.fetchOffsets({ groupId, topics: [this.topic] }));
    let done = 0;
    let lag = 0n;
    for (const { partition, offset } of committed?.partitions ?? []) {
      const high = this.highWatermarks.get(partition) ?? 0n;
      const position = offset === '-1' ? 0n : BigInt(offset);
      if (position >= high) done++;
      else lag += high - position;
    }
    return { done, lag };
  }

  /**
   * Events produced but not committed by the group now: the topic's current high watermarks (not the ones
   * read at open) minus the group's committed offsets, summed over partitions.
   */
  async currentLag(groupId: string): Promise<bigint> {
    return (await this.lagAndProduced(groupId)).lag;
  }

  /** The current lag (as `currentLag`) and the sum of the topic's current high watermarks. */
  async lagAndProduced(groupId: string): Promise<{ readonly lag: bigint; readonly produced: bigint }> {
    const [offsets, [committed]] = await Promise.all([
      retried(() => this.admin.fetchTopicOffsets(this.topic)),
      retried(() => this.admin.fetchOffsets({ groupId, topics: [this.topic] })),
    ]);
    const positions = new Map(
      (committed?.partitions ?? []).map((p) => [p.partition, p.offset === '-1' ? 0n : BigInt(p.offset)]),
    );
    let lag = 0n;
    let produced = 0n;
    for (const { partition, high } of offsets) {
      const position = positions.get(partition) ?? 0n;
      produced += BigInt(high);
      if (BigInt(high) > position) lag += BigInt(high) - position;
    }
    return { lag, produced };
  }

  get partitions(): number {
    return this.highWatermarks.size;
  }

  async close(): Promise<void> {
    await this.admin.disconnect();
  }
}

/**
 * Retries a request the broker refused with a retriable error: a group's coordinator moves or loads
 * (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS) while the bench polls, and kafkajs admin does not retry
 * offsetFetch on it. Anything else, or the fifth refusal, is thrown.
 */
async function retried<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      if ((error as { retriable?: boolean }).retriable !== true || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
