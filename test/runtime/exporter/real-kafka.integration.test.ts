import { ChildProcess, spawn } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { LocalAws, LocalKafka, LocalServices, startKafka, startMoto } from '../../../local';
import { clickstreamEvent } from '../../../local/clickstream';
import { projectRoot } from '../../../local/project-root';
import { ENTRYPOINT } from '../../../runtime/image';
import { builtCli } from '../cli/spawn-cli';
import {
  countEventIds,
  createBucket,
  produce,
  readObjects,
  waitUntilCaughtUp,
} from '../support/exporter-harness';

/** What only a real Apache Kafka broker can show, on the real `batch-exporter run` process. */
describe('exporter process on a real Apache Kafka broker', () => {
  let kafka: LocalKafka;
  let aws: LocalAws;
  let services: LocalServices;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    builtCli();
    [kafka, aws] = await Promise.all([
      startKafka({
        topics: [
          { name: 'txn', partitions: 3 },
          { name: 'kill', partitions: 4 },
          { name: 'meta', partitions: 1 },
        ],
      }),
      startMoto(),
    ]);
    // The harness helpers only read the brokers and the AWS endpoint.
    services = { kafka, aws } as unknown as LocalServices;
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.allSettled([kafka?.stop(), aws?.stop()]);
  });

  function run(topic: string, intervalSeconds: number): { child: ChildProcess; output: () => string } {
    const child = spawn(ENTRYPOINT[0], ENTRYPOINT.slice(1), {
      cwd: projectRoot(),
      env: {
        PATH: process.env.PATH ?? '',
        BATCH_EXPORTER_NAME: `real-${topic}`,
        BATCH_EXPORTER_STREAM_NAME: 'demo',
        BATCH_EXPORTER_TOPIC: topic,
        BATCH_EXPORTER_KAFKA_BROKERS: kafka.brokers.join(','),
        BATCH_EXPORTER_KAFKA_GROUP_ID: `group-${topic}`,
        BATCH_EXPORTER_SINK_BUCKET: topic,
        BATCH_EXPORTER_SINK_ENDPOINT: aws.endpoint,
        BATCH_EXPORTER_SINK_CREDENTIALS: JSON.stringify({
          AccessKey: {
            UserName: 'r',
            AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
            Status: 'Active',
            SecretAccessKey: 'real-kafka-secret',
            CreateDate: '2021-04-08T08:19:33+00:00',
          },
        }),
        BATCH_EXPORTER_PATH_PREFIX: 'events',
        BATCH_EXPORTER_INTERVAL_SECONDS: String(intervalSeconds),
        BATCH_EXPORTER_INCLUDE_EXISTING_EVENTS: 'true',
        BATCH_EXPORTER_HTTP_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return { child, output: () => output };
  }

  async function terminate(child: ChildProcess): Promise<number | null> {
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    child.kill('SIGTERM');
    return closed;
  }

  async function exported(bucket: string): Promise<Map<string, number>> {
    const objects = (await readObjects(aws.s3(), bucket, 'events/')).filter(
      (o) => !o.key.includes('.strm_test_'),
    );
    return countEventIds(objects);
  }

  function events(from: number, count: number, runId: string): string[] {
    return Array.from({ length: count }, (_, i) => JSON.stringify(clickstreamEvent(from + i, runId)));
  }

  function client(): Kafka {
    return new Kafka({ clientId: 'real-kafka-test', brokers: kafka.brokers, logLevel: logLevel.NOTHING });
  }

  test('aborted transactions are never exported; committed ones are, once; the committed offset passes the last commit marker', async () => {
    await createBucket(services, 'txn');
    const producer = client().producer({
      transactionalId: 'txn-producer',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const committed: string[] = [];
    const aborted: string[] = [];
    try {
      for (let round = 0; round < 6; round++) {
        const values = events(round * 300, 300, 'txn');
        const transaction = await producer.transaction();
        await transaction.send({
          topic: 'txn',
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
    const exporter = run('txn', 1);
    // The high watermark counts data and control records: caught up means committed == log end offset.
    const progress = await waitUntilCaughtUp(services, 'group-txn', 'txn');
    expect(await terminate(exporter.child)).toBe(0);
    // 6 transactions x 100 records + 6 markers per partition.
    for (const [, high] of progress.high) expect(high).toBe('606');
    const counts = await exported('txn');
    const id = (value: string): string => (JSON.parse(value) as { eventId: string }).eventId;
    expect(counts.size).toBe(committed.length);
    expect(committed.every((value) => counts.get(id(value)) === 1)).toBe(true);
    expect(aborted.some((value) => counts.has(id(value)))).toBe(false);
  });

  test('a broker killed with -9 mid-interval and restarted loses and duplicates nothing', async () => {
    await createBucket(services, 'kill');
    await produce(services, 'kill', events(0, 2000, 'kill'), 4);
    const exporter = run('kill', 2);
    await waitUntilCaughtUp(services, 'group-kill', 'kill', 60_000);
    await produce(services, 'kill', events(2000, 2000, 'kill'), 4);
    // Mid-interval: the exporter holds records it has not written yet.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await kafka.kill(0, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await kafka.restart(0);
    await produce(services, 'kill', events(4000, 2000, 'kill'), 4);
    await waitUntilCaughtUp(services, 'group-kill', 'kill', 90_000);
    expect(await terminate(exporter.child)).toBe(0);
    const counts = await exported('kill');
    expect(counts.size).toBe(6000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  test('the broker stores 4096 bytes of commit metadata and refuses 4097 (OFFSET_METADATA_TOO_LARGE)', async () => {
    await produce(services, 'meta', ['{}'], 1);
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
