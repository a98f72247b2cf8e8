import type { Kafka } from 'kafkajs';
import type { KafkaClient } from '../../../runtime/config/types';
import { createBucket, produce, waitUntilCaughtUp } from '../support/exporter-harness';
import { ExporterProcess, events, terminate } from '../support/exporter-process';
import {
  exportedTo,
  produceOnce,
  realKafkaEnv,
  realKafkaSuite,
  testClient,
} from '../support/real-kafka-exporter';

// The kill test alone waits up to 60 s + 90 s for the group to catch up.
jest.setTimeout(180_000);

/** What only a real Apache Kafka broker can show, on the real `batch-exporter run` process. */
describe('exporter process on a real Apache Kafka broker', () => {
  const suite = realKafkaSuite({
    topics: [
      { name: 'txn', partitions: 3 },
      { name: 'txn-native', partitions: 3 },
      { name: 'kill', partitions: 4 },
      { name: 'meta', partitions: 1 },
    ],
  });

  function run(
    topic: string,
    intervalSeconds: number,
    kafkaClient: KafkaClient = 'kafkajs',
  ): ExporterProcess {
    return suite.start(
      realKafkaEnv({
        brokers: suite.kafka.brokers,
        endpoint: suite.aws.endpoint,
        topic,
        client: kafkaClient,
        intervalSeconds,
      }),
    );
  }

  async function exported(bucket: string): Promise<Map<string, number>> {
    return (await exportedTo(suite.aws, bucket)).events;
  }

  function client(): Kafka {
    return testClient(suite.kafka.brokers);
  }

  // The last transaction is aborted: librdkafka never delivers anything past the last committed record, so the
  // native exporter commits past the trailing control records and aborted records once the partition is idle.
  test.each([
    ['kafkajs', 'txn', 6],
    ['native', 'txn-native', 6],
  ] as Array<[KafkaClient, string, number]>)(
    '%s: aborted transactions are never exported; committed ones are, once; the committed offset passes the last commit marker',
    async (kafkaClient, topic, rounds) => {
      await createBucket(suite.services, topic);
      const producer = client().producer({
        transactionalId: `${topic}-producer`,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await producer.connect();
      const committed: string[] = [];
      const aborted: string[] = [];
      try {
        for (let round = 0; round < rounds; round++) {
          const values = events(round * 300, 300, topic);
          const transaction = await producer.transaction();
          await transaction.send({
            topic,
            messages: values.map((value, i) => ({ value, partition: i % 3 })),
          });
          if (round % 2 === 0) {
            await transaction.commit();
            committed.push(...values);
          } else {
            await transaction.abort();
            aborted.push(...values);
          }
        }
      } finally {
        await producer.disconnect();
      }
      const exporter = run(topic, 1, kafkaClient);
      // The high watermark counts data and control records: caught up means committed == log end offset.
      const progress = await waitUntilCaughtUp(suite.services, `group-${topic}`, topic);
      expect(await terminate(exporter)).toBe(0);
      // `rounds` transactions x 100 records + one marker each, per partition.
      for (const [, high] of progress.high) expect(high).toBe(String(rounds * 101));
      const counts = await exported(topic);
      const id = (value: string): string => (JSON.parse(value) as { eventId: string }).eventId;
      expect(counts.size).toBe(committed.length);
      expect(committed.every((value) => counts.get(id(value)) === 1)).toBe(true);
      expect(aborted.some((value) => counts.has(id(value)))).toBe(false);
    },
  );

  test('a broker killed with -9 mid-interval and restarted loses and duplicates nothing', async () => {
    await createBucket(suite.services, 'kill');
    await produce(suite.services, 'kill', events(0, 2000, 'kill'), 4);
    const exporter = run('kill', 2);
    await waitUntilCaughtUp(suite.services, 'group-kill', 'kill', 60_000);
    await produce(suite.services, 'kill', events(2000, 2000, 'kill'), 4);
    // Mid-interval: the exporter holds records it has not written yet.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await suite.kafka.kill(0, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await suite.kafka.restart(0);
    // Idempotent: a plain producer's retries against the restarted broker can write records twice.
    await produceOnce(suite.kafka.brokers, 'kill', events(4000, 2000, 'kill'), 4);
    await waitUntilCaughtUp(suite.services, 'group-kill', 'kill', 90_000);
    expect(await terminate(exporter)).toBe(0);
    const counts = await exported('kill');
    expect(counts.size).toBe(6000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  test('the broker stores 4096 bytes of commit metadata and refuses 4097 (OFFSET_METADATA_TOO_LARGE)', async () => {
    await produce(suite.services, 'meta', ['{}'], 1);
    const consumer = client().consumer({ groupId: 'group-meta', sessionTimeout: 10_000 });
    await consumer.connect();
    try {
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.subscribe({ topics: ['meta'], fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
      await joined;
      await consumer.commitOffsets([
        { topic: 'meta', partition: 0, offset: '1', metadata: 'm'.repeat(4096) },
      ]);
      const admin = client().admin();
      await admin.connect();
      const [stored] = await admin.fetchOffsets({ groupId: 'group-meta', topics: ['meta'] });
      await admin.disconnect();
      expect(stored.partitions[0].metadata).toHaveLength(4096);
      await expect(
        consumer.commitOffsets([{ topic: 'meta', partition: 0, offset: '1', metadata: 'm'.repeat(4097) }]),
      ).rejects.toThrow('The metadata field of the offset request was too large');
    } finally {
      await consumer.disconnect();
    }
  });
});
