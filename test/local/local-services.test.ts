import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Kafka, logLevel } from 'kafkajs';
import { clickstreamEvent } from '../../local/clickstream';
import { LocalServices, MockKafka, startLocalServices, startMockKafka } from '../../local';

describe('local services', () => {
  let services: LocalServices;

  beforeAll(async () => {
    services = await startLocalServices({
      kafka: { topics: [{ name: 'clicks', partitions: 5 }] },
      aws: { enforceIam: true },
    });
  });
  afterAll(async () => services?.stop());

  test('the broker speaks Kafka: 1,000 events produced, consumed in a group, committed with metadata', async () => {
    const kafka = new Kafka({
      clientId: 'local-test',
      brokers: services.kafka.brokers,
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    const events = Array.from({ length: 1000 }, (_, i) => clickstreamEvent(i, 'local'));
    await producer.send({
      topic: 'clicks',
      messages: events.map((e) => ({ key: e.eventId, value: JSON.stringify(e) })),
    });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'local-test-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'clicks', fromBeginning: true });
    const seen = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) seen.add(JSON.parse(message.value!.toString()).eventId);
            const next = (BigInt(batch.lastOffset()) + 1n).toString();
            await consumer.commitOffsets([
              {
                topic: 'clicks',
                partition: batch.partition,
                offset: next,
                metadata: `through-${batch.lastOffset()}`,
              },
            ]);
            if (seen.size === events.length) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();

    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: 'local-test-group', topics: ['clicks'] });
    const watermarks = await admin.fetchTopicOffsets('clicks');
    await admin.disconnect();

    expect(seen.size).toBe(1000);
    expect(committed.partitions).toHaveLength(5);
    for (const partition of committed.partitions) {
      const high = watermarks.find((w) => w.partition === partition.partition)!.high;
      expect(partition.offset).toBe(high);
      expect(partition.metadata).toBe(`through-${BigInt(high) - 1n}`);
    }
  });

  test('S3 refuses to overwrite with If-None-Match: * (412)', async () => {
    const s3 = services.aws.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'local-412' }));
    const put = () =>
      s3.send(
        new PutObjectCommand({ Bucket: 'local-412', Key: 'a/b.jsonl', Body: '{}\n', IfNoneMatch: '*' }),
      );
    await put();
    await expect(put()).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
  });

  test('IAM is enforced: a user allowed only PutObject gets 403 on GetObject', async () => {
    await services.aws.s3().send(new CreateBucketCommand({ Bucket: 'local-enforced' }));
    const writer = await services.aws.createUserWithPolicy('put-only', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::local-enforced/*' }],
    });
    const s3 = services.aws.s3(writer);
    await s3.send(
      new PutObjectCommand({ Bucket: 'local-enforced', Key: 'x/2021-03-26T09:56:30-a.jsonl', Body: '' }),
    );
    await expect(
      s3.send(new GetObjectCommand({ Bucket: 'local-enforced', Key: 'x/2021-03-26T09:56:30-a.jsonl' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });
});

describe('the mock broker (for the faults only it can inject)', () => {
  let mock: MockKafka;

  beforeAll(async () => {
    mock = await startMockKafka({ brokers: 3, topics: [{ name: 'clicks', partitions: 5 }] });
  });
  afterAll(async () => mock?.stop());

  test('a request error injected through the launcher is noticed by the client', async () => {
    const kafka = new Kafka({
      clientId: 'fault-test',
      brokers: mock.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const producer = kafka.producer();
    await producer.connect();
    // NOT_LEADER_OR_FOLLOWER (6) on the next produce requests.
    await mock.fault('request-errors 0 6 20');
    await expect(producer.send({ topic: 'clicks', messages: [{ value: '{}' }] })).rejects.toThrow(/leader/i);
    await producer.disconnect();
  });
});
