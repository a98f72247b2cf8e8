import { Kafka, logLevel } from 'kafkajs';
import {
  ApiKey,
  EXTERNAL_BOOTSTRAP_VARIABLE,
  LocalKafka,
  MockKafka,
  fetchApiVersions,
  startKafka,
  startMockKafka,
} from '../../local';

function client(kafka: LocalKafka): Kafka {
  return new Kafka({ clientId: 'apache-kafka-test', brokers: kafka.brokers, logLevel: logLevel.NOTHING });
}

async function produce(kafka: LocalKafka, topic: string, count: number): Promise<void> {
  const producer = client(kafka).producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: count }, (_, i) => ({ key: String(i), value: `event-${i}` })),
  });
  await producer.disconnect();
}

async function highWatermarks(kafka: LocalKafka, topic: string): Promise<number[]> {
  const admin = client(kafka).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.sort((a, b) => a.partition - b.partition).map((o) => Number(o.high));
  } finally {
    await admin.disconnect();
  }
}

describe('the local Apache Kafka broker', () => {
  let kafka: LocalKafka;
  const startedAt = Date.now();
  let startMs = 0;

  beforeAll(async () => {
    kafka = await startKafka({
      topics: [
        { name: 'events', partitions: 3 },
        { name: 'latest-by-key', partitions: 1, config: { 'cleanup.policy': 'compact' } },
      ],
    });
    startMs = Date.now() - startedAt;
  }, 120_000);
  afterAll(async () => kafka?.stop());

  test('is Apache Kafka 4.x in KRaft mode, not the mock', async () => {
    const versions = await fetchApiVersions(kafka.brokers[0]);
    // The version the broker logged at start-up; a broker of your own (KAFKA_BOOTSTRAP) does not say.
    expect(kafka.version).toMatch(kafka.managed ? /^4\.\d+\.\d+$/ : /external/);
    expect(kafka.kraft).toBe(true);
    // Only a KRaft cluster finalizes metadata.version; a ZooKeeper-mode broker or the mock does not.
    expect(versions.finalizedFeatures.get('metadata.version')).toBeGreaterThan(0);
    // Kafka 4.0 removed Fetch v0–v3 (KIP-896) and serves the KIP-848 consumer group protocol.
    expect(versions.apis.get(ApiKey.Fetch)?.minVersion).toBeGreaterThanOrEqual(4);
    expect(versions.apis.has(ApiKey.ConsumerGroupHeartbeat)).toBe(true);
    expect(versions.apis.has(ApiKey.DescribeQuorum)).toBe(true);
    console.log(
      `local Kafka ${kafka.version} (KRaft, metadata.version level ` +
        `${versions.finalizedFeatures.get('metadata.version')}) ready in ${startMs} ms`,
    );
  });

  test('kafkajs creates topics with their configuration (which the mock could not)', async () => {
    const admin = client(kafka).admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({
        resources: [{ type: 2, name: 'latest-by-key', configNames: ['cleanup.policy'] }],
        includeSynonyms: false,
      });
      expect(resources[0].configEntries).toEqual([
        expect.objectContaining({ configName: 'cleanup.policy', configValue: 'compact' }),
      ]);
      const metadata = await admin.fetchTopicMetadata({ topics: ['events'] });
      expect(metadata.topics[0].partitions).toHaveLength(3);
    } finally {
      await admin.disconnect();
    }
  });

  test('a broker killed with -9 restarts on the same port with its records', async () => {
    await produce(kafka, 'events', 30);
    const before = await highWatermarks(kafka, 'events');
    const address = kafka.brokers[0];
    await kafka.kill(0, 'SIGKILL');
    await expect(fetchApiVersions(address, 1_000)).rejects.toThrow(/cannot reach a Kafka broker/);
    await kafka.restart(0);
    expect(kafka.brokers[0]).toBe(address);
    expect(await highWatermarks(kafka, 'events')).toEqual(before);
    expect(before.reduce((a, b) => a + b, 0)).toBe(30);
  }, 90_000);

  test(`with ${EXTERNAL_BOOTSTRAP_VARIABLE} set, uses that broker and refuses to kill it`, async () => {
    const saved = process.env[EXTERNAL_BOOTSTRAP_VARIABLE];
    process.env[EXTERNAL_BOOTSTRAP_VARIABLE] = kafka.bootstrap;
    try {
      const external = await startKafka({ topics: [{ name: 'external-events', partitions: 2 }] });
      expect(external.managed).toBe(false);
      expect(external.kraft).toBe(true);
      expect(external.bootstrap).toBe(kafka.bootstrap);
      await expect(external.kill()).rejects.toThrow(
        `killing a broker needs the project's own broker, but ${EXTERNAL_BOOTSTRAP_VARIABLE}=${kafka.bootstrap} ` +
          `points to an external one. Unset ${EXTERNAL_BOOTSTRAP_VARIABLE} to run this test.`,
      );
      await expect(startKafka({ brokerConfig: { 'log.retention.ms': '1000' } })).rejects.toThrow(
        /sets broker configuration \(log\.retention\.ms\), which cannot be applied to the external broker/,
      );
      expect(await highWatermarks(kafka, 'external-events')).toEqual([0, 0]);
      await external.stop();
    } finally {
      if (saved === undefined) delete process.env[EXTERNAL_BOOTSTRAP_VARIABLE];
      else process.env[EXTERNAL_BOOTSTRAP_VARIABLE] = saved;
    }
  });

  test('fails with every bad option at once', async () => {
    await expect(
      startKafka({
        brokers: 0,
        topics: [
          { name: 'bad name', partitions: 0 },
          { name: 'twice', partitions: 1, replicationFactor: 2 },
          { name: 'twice', partitions: 1 },
        ],
      }),
    ).rejects.toThrow(
      [
        'invalid local Kafka options:',
        '- brokers must be a whole number from 1 to 9, got 0',
        "- topic name 'bad name' is not a Kafka topic name: use 1 to 249 of a-z A-Z 0-9 . _ -",
        "- topic 'bad name': partitions must be a whole number ≥ 1, got 0",
        "- topic 'twice': replicationFactor must be a whole number from 1 to the broker count (0), got 2",
        "- topic 'twice' is listed twice",
      ].join('\n'),
    );
  });

  test('fails listing every bad SASL user at once, never the password', async () => {
    const started = startKafka({
      sasl: {
        admin: { username: 'admin', password: 'short' },
        users: [
          { username: 'bad user', password: 'CANARY"quote"pw' },
          { username: 'admin', password: 'long-enough-1' },
        ],
      },
    });
    await expect(started).rejects.toThrow(
      [
        'invalid local Kafka options:',
        "- sasl password of 'admin' must be 8 to 128 of A-Z a-z 0-9 . _ - (no quotes)",
        "- sasl user name 'bad user' must be 1 to 64 of A-Z a-z 0-9 . _ -",
        "- sasl password of 'bad user' must be 8 to 128 of A-Z a-z 0-9 . _ - (no quotes)",
        '- sasl user names must be unique (admin included)',
      ].join('\n'),
    );
    await expect(started).rejects.not.toThrow('CANARY');
  });
});

describe('three local Apache Kafka brokers', () => {
  let kafka: LocalKafka;

  beforeAll(async () => {
    kafka = await startKafka({ brokers: 3, topics: [{ name: 'replicated', partitions: 1 }] });
  }, 120_000);
  afterAll(async () => kafka?.stop());

  test("killing a partition's leader moves leadership to another replica", async () => {
    await produce(kafka, 'replicated', 20);
    const admin = client(kafka).admin();
    await admin.connect();
    const leader = async () =>
      (await admin.fetchTopicMetadata({ topics: ['replicated'] })).topics[0].partitions[0];
    try {
      const before = await leader();
      expect(before.replicas).toHaveLength(3);
      await kafka.kill(before.leader - 1, 'SIGKILL');
      let after = await leader();
      for (const deadline = Date.now() + 30_000; after.leader === before.leader;) {
        if (Date.now() > deadline) throw new Error(`leader stayed ${before.leader} for 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 250));
        after = await leader();
      }
      expect(after.leader).not.toBe(before.leader);
      // A new leader answers ListOffsets only once its high watermark is known again.
      let high: number[] | undefined;
      for (const deadline = Date.now() + 30_000; high === undefined;) {
        high = await highWatermarks(kafka, 'replicated').catch((error: Error) => {
          if (Date.now() > deadline) throw error;
          return undefined;
        });
      }
      expect(high).toEqual([20]);
      await kafka.restart(before.leader - 1);
    } finally {
      await admin.disconnect();
    }
  }, 90_000);
});

describe('the mock broker, for contrast', () => {
  let mock: MockKafka;

  beforeAll(async () => {
    mock = await startMockKafka({ topics: [{ name: 'events', partitions: 1 }] });
  });
  afterAll(async () => mock?.stop());

  test('finalizes no metadata.version and still serves Fetch v0, so the test above tells them apart', async () => {
    const versions = await fetchApiVersions(mock.brokers[0]);
    expect(versions.finalizedFeatures.has('metadata.version')).toBe(false);
    expect(versions.apis.get(ApiKey.Fetch)?.minVersion).toBe(0);
    expect(versions.apis.has(ApiKey.ConsumerGroupHeartbeat)).toBe(false);
  });
});
