import { FaultProxy, startFaultProxy } from '../../../local/aws/fault-proxy';
import { clickstreamEvent } from '../../../local/clickstream';
import { KAFKA_CLIENTS, createBucket, produce, waitUntilCaughtUp } from '../support/exporter-harness';
import { ExporterProcess, events, terminate } from '../support/exporter-process';
import {
  duplicates,
  exportedTo,
  groupOf,
  partitionLeaders,
  produceOnce,
  realKafkaEnv,
  realKafkaSuite,
  testClient,
} from '../support/real-kafka-exporter';

/**
 * What only a real broker shows, on the `batch-exporter run` process, on both Kafka clients: a broker
 * killed while an object's PUT is in flight, a compacted topic with tombstones, partitions added while the
 * exporter runs.
 */
jest.setTimeout(150_000);

describe('exporter process on a real Apache Kafka broker: puts, compaction, added partitions', () => {
  const suite = realKafkaSuite({
    topics: KAFKA_CLIENTS.flatMap((client) => [
      { name: `midput-${client}`, partitions: 4 },
      { name: `grow-${client}`, partitions: 2 },
      {
        name: `compact-${client}`,
        partitions: 2,
        // Every segment closed after 200 ms (on the next append) is cleaned: nothing dirty stays.
        config: {
          'cleanup.policy': 'compact',
          'segment.ms': '200',
          'min.cleanable.dirty.ratio': '0.01',
          'min.compaction.lag.ms': '0',
        },
      },
    ]),
    // The cleaner looks for dirty logs every 200 ms, not every 15 s.
    brokerConfig: { 'log.cleaner.backoff.ms': '200' },
  });
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(suite.aws.endpoint);
  });
  afterAll(async () => proxy?.stop());

  function run(
    topic: string,
    client: (typeof KAFKA_CLIENTS)[number],
    options: { includeExistingEvents?: boolean; extra?: Record<string, string> } = {},
  ): ExporterProcess {
    return suite.start(
      realKafkaEnv({
        brokers: suite.kafka.brokers,
        endpoint: proxy.endpoint,
        topic,
        client,
        intervalSeconds: 1,
        ...options,
      }),
    );
  }

  /** waitUntilCaughtUp, with the exporter's log in the error. */
  async function caughtUp(exporter: ExporterProcess, topic: string, timeoutMs: number) {
    try {
      return await waitUntilCaughtUp(suite.services, groupOf(topic), topic, timeoutMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${exporter.stdout().slice(-6000)}`);
    }
  }

  async function stopped(exporter: ExporterProcess): Promise<void> {
    const code = await terminate(exporter);
    if (code !== 0) throw new Error(`the exporter exited with ${code}:\n${exporter.stdout()}`);
  }

  test.each(KAFKA_CLIENTS)(
    '%s: a broker killed with -9 while a PUT is in flight, restarted, then the PUT released: every event stored once, committed = high watermark',
    async (client) => {
      const topic = `midput-${client}`;
      await createBucket(suite.services, topic);
      await produce(suite.services, topic, events(0, 2000, topic), 4);
      // The first data object's PUT (not the validation object's) is held until released.
      proxy.inject({
        fault: { kind: 'hold' },
        count: 1,
        method: 'PUT',
        path: new RegExp(`^/${topic}/events/(?![^?]*strm_test)`),
      });
      const exporter = run(topic, client);
      while (proxy.stats().held === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      // The intent is committed, the object is on its way: the broker dies under it.
      await suite.kafka.kill(0, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await suite.kafka.restart(0);
      proxy.release();
      // Idempotent: its retries against the restarted broker write nothing twice.
      await produceOnce(suite.kafka.brokers, topic, events(2000, 2000, topic), 4);
      const progress = await caughtUp(exporter, topic, 90_000);
      await stopped(exporter);
      // Every record is in the topic once: 2 x 2000 over 4 partitions.
      expect([...progress.high.values()]).toEqual(['1000', '1000', '1000', '1000']);
      const { events: stored } = await exportedTo(suite.aws, topic);
      expect(stored.size).toBe(4000);
      expect(duplicates(stored)).toEqual([]);
    },
  );

  /** Every record of `topic` as stored now (compaction leaves gaps): partition → offset → value or null. */
  async function readTopic(topic: string): Promise<Map<number, Map<string, string | null>>> {
    const client = testClient(suite.kafka.brokers);
    const admin = client.admin();
    await admin.connect();
    const high = new Map((await admin.fetchTopicOffsets(topic)).map((w) => [w.partition, BigInt(w.high)]));
    await admin.disconnect();
    const read = new Map([...high.keys()].map((p) => [p, new Map<string, string | null>()]));
    const pending = new Set([...high].filter(([, h]) => h > 0n).map(([p]) => p));
    const consumer = client.consumer({ groupId: `reader-${topic}-${Date.now()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        if (pending.size === 0) resolve();
        const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), 30_000);
        void consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              if (BigInt(m.offset) < high.get(batch.partition)!) {
                read.get(batch.partition)!.set(m.offset, m.value === null ? null : m.value.toString());
              }
            }
            if (BigInt(batch.lastOffset()) + 1n >= high.get(batch.partition)!)
              pending.delete(batch.partition);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return read;
  }

  /** Polls until the cleaner removed `gone` (partition → offsets) from `topic`; returns what is stored then. */
  async function compacted(
    topic: string,
    gone: ReadonlyMap<number, readonly string[]>,
  ): Promise<Map<number, Map<string, string | null>>> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const stored = await readTopic(topic);
      if ([...gone].every(([p, offsets]) => offsets.every((o) => !stored.get(p)!.has(o)))) return stored;
      if (Date.now() > deadline) throw new Error(`the log cleaner did not compact ${topic} within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /**
   * Per partition: `rounds` updates of keys k0..k49, tombstones for k0..k(tombstones-1), then one record that
   * closes the segment. Returns the offsets the cleaner will remove (all rounds but the last).
   */
  async function produceKeyed(
    topic: string,
    from: number,
    rounds: number,
    tombstones: number,
  ): Promise<Map<number, string[]>> {
    const producer = testClient(suite.kafka.brokers).producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const offsets = new Map<number, string[]>([
      [0, []],
      [1, []],
    ]);
    try {
      let id = from;
      for (let round = 0; round < rounds; round++) {
        for (const partition of [0, 1]) {
          const [result] = await producer.send({
            topic,
            messages: Array.from({ length: 50 }, (_, key) => ({
              key: `k${key}`,
              partition,
              value: JSON.stringify(clickstreamEvent(id++, topic)),
            })),
          });
          // Every round but the last is superseded by the next one: the cleaner removes it.
          if (round < rounds - 1) {
            const base = BigInt(result.baseOffset!);
            offsets.get(partition)!.push(...Array.from({ length: 50 }, (_, i) => String(base + BigInt(i))));
          }
        }
      }
      for (const partition of [0, 1]) {
        await producer.send({
          topic,
          messages: Array.from({ length: tombstones }, (_, key) => ({
            key: `k${key}`,
            partition,
            value: null,
          })),
        });
      }
      // A segment rolls on the first append after segment.ms: this record closes the one above for the cleaner.
      await new Promise((resolve) => setTimeout(resolve, 400));
      for (const partition of [0, 1]) {
        await producer.send({
          topic,
          messages: [{ key: 'roll', partition, value: JSON.stringify(clickstreamEvent(id++, topic)) }],
        });
      }
    } finally {
      await producer.disconnect();
    }
    return offsets;
  }

  /** The event ids and tombstone offsets of stored records at offsets ≥ `from` per partition. */
  function expectedFrom(
    stored: Map<number, Map<string, string | null>>,
    from: ReadonlyMap<number, bigint>,
  ): { ids: string[]; tombstones: string[] } {
    const ids: string[] = [];
    const tombstones: string[] = [];
    for (const [partition, records] of stored) {
      for (const [offset, value] of records) {
        if (BigInt(offset) < (from.get(partition) ?? 0n)) continue;
        if (value === null) tombstones.push(`${partition}@${offset}`);
        else ids.push((JSON.parse(value) as { eventId: string }).eventId);
      }
    }
    return { ids, tombstones };
  }

  test.each(KAFKA_CLIENTS)(
    '%s: a compacted topic with tombstones: every record read is exported once (tombstones as _invalid/ lines), none again after a restart across a compaction, offsets past the gaps committed',
    async (client) => {
      const topic = `compact-${client}`;
      await createBucket(suite.services, topic);
      // Round 1 of phase A is superseded by round 2 (same keys): the cleaner removes it before the export.
      const phaseA = await produceKeyed(topic, 0, 2, 10);
      const storedA = await compacted(topic, phaseA);
      const first = run(topic, client);
      const progressA = await caughtUp(first, topic, 45_000);
      await stopped(first);
      const committedA = new Map([...progressA.committed].map(([p, c]) => [p, BigInt(c.offset)]));
      // Phase B supersedes everything of phase A but the tombstones, and its own first round, which starts
      // exactly at the committed offsets: the restart resumes at an offset compaction removed.
      const phaseB = await produceKeyed(topic, 10_000, 2, 10);
      const storedB = await compacted(topic, phaseB);
      for (const [partition, offset] of committedA) {
        expect(phaseB.get(partition)![0]).toBe(String(offset));
        expect(storedB.get(partition)!.has(String(offset))).toBe(false);
      }
      const second = run(topic, client);
      const progressB = await caughtUp(second, topic, 45_000);
      await stopped(second);

      const a = expectedFrom(storedA, new Map());
      const b = expectedFrom(storedB, committedA);
      const { events: stored, invalid } = await exportedTo(suite.aws, topic);
      expect(duplicates(stored)).toEqual([]);
      expect([...stored.keys()].sort()).toEqual([...a.ids, ...b.ids].sort());
      expect(invalid.map((line) => `${line.partition}@${line.offset}`).sort()).toEqual(
        [...a.tombstones, ...b.tombstones].sort(),
      );
      expect(invalid.every((line) => line.payload === null && line.error.includes('tombstone'))).toBe(true);
      // Compaction really ran: of 2 x (2 rounds x 50 + 10 tombstones + 1) offsets per phase, fewer are stored.
      expect(storedA.get(0)!.size).toBeLessThan(111);
      expect(storedB.get(0)!.size).toBeLessThan(222);
      for (const [partition, high] of progressB.high) {
        expect(progressB.committed.get(partition)!.offset).toBe(high);
        expect(high).toBe('222');
      }
    },
  );

  /** Waits until the topic's metadata lists `count` partitions, each with a leader (so a producer finds them). */
  async function leadersOf(topic: string, count: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const partitions = await partitionLeaders(suite.kafka.brokers, topic);
      if (partitions.length === count && partitions.every((p) => p.leader >= 0)) return;
      if (Date.now() > deadline) throw new Error(`${topic} has no ${count} led partitions after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  test.each(KAFKA_CLIENTS)(
    '%s: partitions added while running are consumed after a metadata refresh, from their first record even with includeExistingEvents=false',
    async (client) => {
      const topic = `grow-${client}`;
      await createBucket(suite.services, topic);
      // Produced before the group exists: not exported (includeExistingEvents=false).
      await produce(suite.services, topic, events(0, 200, `${topic}-old`), 2);
      const exporter = run(topic, client, {
        includeExistingEvents: false,
        extra: { BATCH_EXPORTER_KAFKA_METADATA_MAX_AGE_MS: '2000' },
      });
      await exporter.logged('partitions assigned');
      await caughtUp(exporter, topic, 30_000);
      await produce(suite.services, topic, events(0, 400, topic), 2);
      const admin = testClient(suite.kafka.brokers).admin();
      await admin.connect();
      try {
        await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
      } finally {
        await admin.disconnect();
      }
      await leadersOf(topic, 4);
      // Produced to the new partitions right away, before the exporter's next assignment includes them.
      await produce(suite.services, topic, events(400, 400, topic), 4);
      const progress = await caughtUp(exporter, topic, 60_000);
      await stopped(exporter);
      // 100 old + 200 + 100 on the first two, 100 each on the added ones; caught up means committed = these.
      expect(Object.fromEntries(progress.high)).toEqual({ 0: '400', 1: '400', 2: '100', 3: '100' });
      const { events: stored } = await exportedTo(suite.aws, topic);
      expect(stored.size).toBe(800);
      expect(duplicates(stored)).toEqual([]);
      expect([...stored.keys()].some((id) => id.includes('-old'))).toBe(false);
    },
  );
});
