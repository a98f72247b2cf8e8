import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Registry } from 'prom-client';
import { clickstreamEvent } from '../../../local/clickstream';
import { LocalServices, startLocalServices } from '../../../local';
import type { DataLossPolicy } from '../../../runtime/config/types';
import { startExporter } from '../../../runtime/exporter';
import { decodeCommitMetadata } from '../../../runtime/exporter/commit-metadata';
import { DataLossError } from '../../../runtime/kafka/consumer';
import { KafkaJsConsumerFactory } from '../../../runtime/kafka/kafkajs-consumer';
import { ObjectStore, StorePermanentError } from '../../../runtime/storage/object-store';
import { S3ObjectStore } from '../../../runtime/storage/s3-store';
import {
  DATA_KEY,
  countEventIds,
  createBucket,
  failingDataUploads,
  localConfig,
  memoryLogger,
  partitionsOf,
  produce,
  readObjects,
  testDeps,
  KAFKA_CLIENTS,
  groupProgress,
  waitUntilCaughtUp,
  FAST_RETENTION_BROKER_CONFIG,
  SHORT_RETENTION,
  shortenRetention,
  waitForRetention,
} from '../support/exporter-harness';
import { TaskAssignment, isSettled, latestAssignment } from '../../../local/demo/consumer-group';
import { eventually } from '../support/fakes';
import { metricValue } from '../support/metrics';

const CANARY = 'CANARY-secret-7f3a9c1e-never-log-me';

function events(count: number, runId: string): string[] {
  return Array.from({ length: count }, (_, i) => JSON.stringify(clickstreamEvent(i, runId)));
}

/** Waits until the exporters' latest assignments cover every partition once and stay so for 2 s. */
async function waitForSettled(
  logs: readonly string[][],
  partitions: number,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let since: number | undefined;
  let seen = '';
  for (;;) {
    const assignments = logs
      .map((lines, i) => latestAssignment(i + 1, 0, lines.join('\n')))
      .filter((a): a is TaskAssignment => a !== undefined);
    const key = JSON.stringify(assignments);
    if (isSettled(assignments, logs.length, partitions)) {
      if (key !== seen) [seen, since] = [key, Date.now()];
      else if (Date.now() - since! >= 2_000) return;
    } else {
      seen = '';
    }
    if (Date.now() > deadline) throw new Error(`the group did not settle within ${timeoutMs} ms: ${key}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits until the exporter reports no lag on partition 0 (it has read everything produced). */
async function waitForNoLag(registry: Registry, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await metricValue(registry, 'batch_exporter_consumer_lag', { partition: '0' })) === 0) return;
    if (Date.now() > deadline) throw new Error(`the exporter still lags after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function lostRecords(registry: Registry): Promise<number> {
  return (await metricValue(registry, 'batch_exporter_records_lost_total')) ?? 0;
}

function dataObjects<T extends { key: string }>(objects: readonly T[]): T[] {
  return objects.filter((o) => !o.key.includes('.strm_test_') && !o.key.includes('_invalid/'));
}

function expectExactlyOnce(counts: Map<string, number>, runId: string, count: number): void {
  expect(counts.size).toBe(count);
  const duplicated = [...counts].filter(([, n]) => n !== 1).map(([id]) => id);
  expect(duplicated).toEqual([]);
  for (let i = 0; i < count; i++) expect(counts.has(`${runId}-${i}`)).toBe(true);
}

describe('startExporter on the local Kafka and S3', () => {
  let services: LocalServices;

  beforeAll(async () => {
    services = await startLocalServices({
      kafka: {
        brokers: 1,
        topics: [
          ...KAFKA_CLIENTS.flatMap((client) => [
            { name: `clicks-${client}`, partitions: 5 },
            { name: `restart-${client}`, partitions: 5 },
            { name: `malformed-${client}`, partitions: 2 },
            { name: `recovery-${client}`, partitions: 3 },
          ]),
          { name: 'split', partitions: 6 },
          { name: 'sizes', partitions: 2 },
          { name: 'retention', partitions: 1, config: SHORT_RETENTION },
          { name: 'behind-fail', partitions: 1, config: SHORT_RETENTION },
          { name: 'behind-skip', partitions: 1, config: SHORT_RETENTION },
          // Retention shortened while running: 1 MiB segments from the start (an active segment is never deleted).
          {
            name: 'reader-race',
            partitions: 1,
            config: { 'segment.bytes': SHORT_RETENTION['segment.bytes'] },
          },
          {
            name: 'intent-retention',
            partitions: 1,
            config: { 'segment.bytes': SHORT_RETENTION['segment.bytes'] },
          },
          { name: 'latest', partitions: 2 },
        ],
        brokerConfig: FAST_RETENTION_BROKER_CONFIG,
      },
    });
  });
  afterAll(async () => services?.stop());

  test.each(KAFKA_CLIENTS)(
    'exports 10,000 events over 5 partitions exactly once and commits the high watermarks (%s)',
    async (client) => {
      const bucket = `exactly-once-${client}`;
      await createBucket(services, bucket);
      const events = Array.from({ length: 10_000 }, (_, i) => JSON.stringify(clickstreamEvent(i, 'bulk')));
      await produce(services, `clicks-${client}`, events, 5);
      const config = localConfig(services, {
        topic: `clicks-${client}`,
        groupId: `bulk-${client}`,
        bucket,
        pathPrefix: 'events/clicks',
        intervalSeconds: 2,
        client,
      });
      const exporter = await startExporter(config, testDeps(config));
      await exporter.ready;
      const progress = await waitUntilCaughtUp(services, `bulk-${client}`, `clicks-${client}`);
      await exporter.stop();
      await expect(exporter.stopped).resolves.toBeUndefined();

      const s3 = services.aws.s3();
      const objects = await readObjects(s3, bucket, 'events/clicks/');
      const validation = objects.filter((o) =>
        /^events\/clicks\/\.strm_test_[0-9a-f-]{36}\.jsonl$/.test(o.key),
      );
      const data = objects.filter((o) => !o.key.includes('.strm_test_'));
      expect(validation).toHaveLength(1);
      expect(validation[0].body.length).toBe(0);
      for (const object of data) {
        expect(object.key).toMatch(DATA_KEY);
        expect(object.body.length).toBeGreaterThan(0);
        expect(partitionsOf(object.key)).toEqual([...partitionsOf(object.key)].sort((a, b) => a - b));
      }
      const counts = countEventIds(data);
      expect(counts.size).toBe(10_000);
      expect([...counts.values()].every((count) => count === 1)).toBe(true);
      for (const [partition, high] of progress.high) {
        expect(progress.committed.get(partition)?.offset).toBe(high);
      }
    },
  );

  test('keeps the canary secret out of every log line, including the fatal error of a missing bucket', async () => {
    const { logger, lines } = memoryLogger('debug');
    const config = localConfig(services, {
      topic: 'clicks',
      groupId: 'canary',
      bucket: 'no-such-bucket-for-canary',
      credentials: { accessKeyId: 'local', secretAccessKey: CANARY },
    });
    const exporter = await startExporter(config, { logger });
    await expect(exporter.ready).rejects.toThrow(/Bucket 'no-such-bucket-for-canary' does not exist/);
    await expect(exporter.stopped).rejects.toBeInstanceOf(StorePermanentError);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(CANARY);
    expect(lines.join('\n')).not.toContain(Buffer.from(CANARY).toString('base64'));
  });

  test('two exporters in one group split the partitions and name only their own', async () => {
    await createBucket(services, 'split');
    const config = localConfig(services, {
      topic: 'split',
      groupId: 'split',
      bucket: 'split',
      intervalSeconds: 1,
    });
    const firstDeps = testDeps(config);
    const secondDeps = testDeps(config);
    const first = await startExporter(config, firstDeps);
    const second = await startExporter(config, secondDeps);
    // The events go in only once the group has settled on two shares: before that the first one owns every
    // partition (and the local broker may make a member crash and rejoin), and an object written then
    // legitimately names partitions of both shares.
    await Promise.all([first.ready, second.ready]);
    await waitForSettled([firstDeps.lines, secondDeps.lines], 6);
    await produce(services, 'split', events(3000, 'split'), 6);
    await waitUntilCaughtUp(services, 'split', 'split');
    await Promise.all([first.stop(), second.stop()]);

    const objects = dataObjects(await readObjects(services.aws.s3(), 'split'));
    expectExactlyOnce(countEventIds(objects), 'split', 3000);
    const owners = new Map<number, Set<string>>();
    for (const object of objects) {
      const ids = object.body.toString().split('\n').filter(Boolean);
      expect(ids.length).toBeGreaterThan(0);
      for (const partition of partitionsOf(object.key)) {
        owners.set(partition, new Set([...(owners.get(partition) ?? []), object.key.split('---')[1]]));
      }
    }
    const partitionSets = new Set(objects.map((o) => o.key.split('---')[1].replace(/(\.\d+)?\.jsonl$/, '')));
    // Each consumer owned a fixed set of partitions while the events flowed: two disjoint sets cover all six.
    const sets = [...partitionSets].map((set) => set.split('-').map(Number));
    const all = sets.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sets.length).toBeGreaterThanOrEqual(2);
  });

  test.each(KAFKA_CLIENTS)(
    'stopping mid-interval stores what it holds; a restart continues without loss or duplicates (%s)',
    async (client) => {
      const name = `restart-${client}`;
      await createBucket(services, name);
      const config = localConfig(services, {
        topic: name,
        groupId: name,
        bucket: name,
        client,
        pathPrefix: 'r',
        intervalSeconds: 30,
      });
      const all = events(4000, 'restart');
      await produce(services, name, all.slice(0, 2000), 5);
      const first = await startExporter(config, testDeps(config));
      await first.ready;
      // A 30 s interval: nothing is due yet, so stop() must store the open batch itself.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await first.stop();
      const afterStop = await groupProgress(services, name, name);
      for (const [partition, high] of afterStop.high)
        expect(afterStop.committed.get(partition)?.offset).toBe(high);

      await produce(services, name, all.slice(2000), 5);
      const second = await startExporter({ ...config, intervalSeconds: 1 }, testDeps(config));
      await second.ready;
      await waitUntilCaughtUp(services, name, name);
      await second.stop();
      const counts = countEventIds(dataObjects(await readObjects(services.aws.s3(), name, 'r/')));
      expect(counts.size).toBe(4000);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    },
  );

  test.each(KAFKA_CLIENTS)(
    'exports malformed records to _invalid/ with their payload, next to the valid ones (%s)',
    async (client) => {
      const name = `malformed-${client}`;
      await createBucket(services, name);
      const values: Array<string | Buffer | null> = [
        '{"eventId":"ok-0"}',
        Buffer.from([0xc3, 0x28]),
        'not json',
        '[1,2,3]',
        '{"eventId":"ok-1"}',
        '42',
      ];
      await produce(services, name, values, 2);
      const config = localConfig(services, {
        topic: name,
        groupId: name,
        bucket: name,
        client,
        pathPrefix: 'm',
      });
      const exporter = await startExporter(config, testDeps(config));
      await exporter.ready;
      await waitUntilCaughtUp(services, name, name);
      await exporter.stop();

      const objects = await readObjects(services.aws.s3(), name, 'm/');
      const invalid = objects.filter((o) => o.key.startsWith('m/_invalid/'));
      const data = dataObjects(objects);
      expect(countEventIds(data)).toEqual(
        new Map([
          ['ok-0', 1],
          ['ok-1', 1],
        ]),
      );
      for (const object of invalid) {
        expect(object.key.replace('m/_invalid/', 'm/')).toMatch(DATA_KEY);
      }
      const lines = invalid.flatMap((o) =>
        o.body
          .toString()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
      );
      expect(lines).toHaveLength(4);
      const payloads = lines.map((l) => Buffer.from(l.payload, 'base64'));
      expect(payloads.map((p) => p.toString('hex')).sort()).toEqual(
        [Buffer.from([0xc3, 0x28]), Buffer.from('not json'), Buffer.from('[1,2,3]'), Buffer.from('42')]
          .map((p) => p.toString('hex'))
          .sort(),
      );
      for (const line of lines) {
        expect(line).toMatchObject({
          topic: name,
          partition: expect.any(Number),
          offset: expect.stringMatching(/^\d+$/),
        });
        expect(line.timestamp).toMatch(/^\d+$/);
        expect(line.error).toMatch(/expected a/);
      }
    },
  );

  test.each([
    ['kafkajs', 'native'],
    ['native', 'kafkajs'],
  ] as const)(
    'completes the recorded object after a crash between intent and upload, under the same key (intent by %s, completed by %s)',
    async (writer, completer) => {
      const name = `recovery-${writer}`;
      await createBucket(services, name);
      await produce(services, name, events(900, 'recovery'), 3);
      const config = localConfig(services, { topic: name, groupId: name, bucket: name, client: writer });
      const next = { ...config, kafka: { ...config.kafka, client: completer } };
      const real = await S3ObjectStore.create({ sink: config.sink, logger: memoryLogger().logger });
      // The first exporter "crashes" at its first data upload: the intent is committed, nothing stored.
      const crashing = failingDataUploads(real);
      const first = await startExporter(config, { ...testDeps(config), store: crashing });
      await expect(first.stopped).rejects.toThrow('simulated crash before the upload');
      const recorded = await groupProgress(services, name, name);
      const intents = [...recorded.committed.values()].map(
        (c) => decodeCommitMetadata(c.metadata).intents?.[0],
      );
      const key = intents.find((i) => i !== undefined)?.key;
      expect(key).toMatch(DATA_KEY);

      const second = await startExporter(next, testDeps(next));
      await second.ready;
      await waitUntilCaughtUp(services, name, name);
      await second.stop();
      const objects = dataObjects(await readObjects(services.aws.s3(), name));
      expect(objects.map((o) => o.key)).toContain(key);
      expectExactlyOnce(countEventIds(objects), 'recovery', 900);
      const after = await groupProgress(services, name, name);
      for (const { metadata } of after.committed.values())
        expect(decodeCommitMetadata(metadata).intents).toBeUndefined();
    },
  );

  test('splits an interval at the maximum object size with numbered parts', async () => {
    await createBucket(services, 'sizes');
    await produce(services, 'sizes', events(400, 'sizes'), 2);
    const maxObjectBytes = 20_000;
    const config = localConfig(services, {
      topic: 'sizes',
      groupId: 'sizes',
      bucket: 'sizes',
      maxObjectBytes,
      intervalSeconds: 30,
    });
    const exporter = await startExporter(config, testDeps(config));
    await exporter.ready;
    await waitUntilCaughtUp(services, 'sizes', 'sizes');
    await exporter.stop();
    const objects = dataObjects(await readObjects(services.aws.s3(), 'sizes'));
    expect(objects.length).toBeGreaterThan(5);
    for (const object of objects) {
      expect(object.key).toMatch(DATA_KEY);
      expect(object.body.length).toBeLessThanOrEqual(maxObjectBytes);
    }
    expect(new Set(objects.map((o) => o.key)).size).toBe(objects.length);
    expect(objects.some((o) => /\.\d+\.jsonl$/.test(o.key))).toBe(true);
    expectExactlyOnce(countEventIds(objects), 'sizes', 400);
    const sample = await services.aws
      .s3()
      .send(new GetObjectCommand({ Bucket: 'sizes', Key: objects[0].key }));
    expect(sample.ContentType).toBe('application/x-ndjson');
  });

  test('stops with a data-loss error naming the ranges retention removed before they were exported', async () => {
    await createBucket(services, 'retention');
    const config = localConfig(services, { topic: 'retention', groupId: 'retention', bucket: 'retention' });
    // A first run on the empty topic pins the group at offset 0 ...
    const first = await startExporter(config, testDeps(config));
    await first.ready;
    await first.stop();
    // ... then, while no exporter runs, retention deletes the oldest segments.
    await produce(services, 'retention', events(6_000, 'retention'), 1);
    const low = String(await waitForRetention(services, 'retention'));

    const exporter = await startExporter(config, testDeps(config));
    await expect(exporter.stopped).rejects.toBeInstanceOf(DataLossError);
    await expect(exporter.stopped).rejects.toThrow(
      `DATA LOSS: records of topic 'retention' after the committed offsets were removed by retention before they were exported: partition 0 [0, ${low})`,
    );

    const { logger } = memoryLogger();
    const reader = new KafkaJsConsumerFactory({
      kafka: config.kafka,
      topic: 'retention',
      fromBeginning: true,
      logger,
    }).createRangeReader();
    const read = reader.read([{ partition: 0, from: '10', to: '20' }], () => undefined);
    await expect(read).rejects.toBeInstanceOf(DataLossError);
    await expect(read).rejects.toThrow(`partition 0 [10, 20) (stored now: [${low}, 6000))`);

    // The failed run left the committed offset as it was (kafkajs' own reset would have committed over it).
    const after = await groupProgress(services, 'retention', 'retention');
    expect(after.committed.get(0)?.offset).toBe('0');

    // Told to skip, it exports exactly the records still stored, and counts the ones lost.
    const registry = new Registry();
    const skipping = { ...config, onDataLoss: 'skip' as const };
    const resumed = await startExporter(skipping, { ...testDeps(skipping), registry });
    await resumed.ready;
    await waitUntilCaughtUp(services, 'retention', 'retention');
    await resumed.stop();
    const counts = countEventIds(dataObjects(await readObjects(services.aws.s3(), 'retention')));
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect([...counts.keys()].map((id) => Number(id.split('-').pop())).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 6_000 - Number(low) }, (_, i) => Number(low) + i),
    );
    expect(await lostRecords(registry)).toBe(Number(low));
  });

  test('completes a recorded object with what retention left of it (skip), or stops naming it (fail)', async () => {
    await createBucket(services, 'intent-retention');
    await produce(services, 'intent-retention', events(9_000, 'intent'), 1);
    // An hour-long interval: intervals are UTC-aligned, so a short first one could end before all is read.
    const config = localConfig(services, {
      topic: 'intent-retention',
      groupId: 'intent-retention',
      bucket: 'intent-retention',
      intervalSeconds: 3600,
    });
    const real = await S3ObjectStore.create({ sink: config.sink, logger: memoryLogger().logger });
    const crashing = failingDataUploads(real);
    const firstRegistry = new Registry();
    const first = await startExporter(config, {
      ...testDeps(config),
      store: crashing,
      registry: firstRegistry,
    });
    await first.ready;
    // Once all 9,000 are read, stopping flushes them as one object: its intent is committed, the put fails.
    await waitForNoLag(firstRegistry);
    await first.stop().catch(() => undefined);
    await expect(first.stopped).rejects.toThrow('simulated crash before the upload');
    const recorded = await groupProgress(services, 'intent-retention', 'intent-retention');
    const intent = decodeCommitMetadata(recorded.committed.get(0)!.metadata).intents![0];
    expect(intent.ranges).toEqual([{ partition: 0, from: '0', to: '9000' }]);
    const recordedEnd = BigInt(intent.ranges[0].to);
    // Retention shortened to 1 MiB deletes the oldest segments: part of the recorded range goes.
    await shortenRetention(services, 'intent-retention');
    const low = await waitForRetention(services, 'intent-retention');
    expect(low).toBeLessThan(recordedEnd);

    const resumeConfig = { ...config, intervalSeconds: 1 };
    const failing = await startExporter(resumeConfig, testDeps(resumeConfig));
    await expect(failing.stopped).rejects.toBeInstanceOf(DataLossError);
    await expect(failing.stopped).rejects.toThrow(
      `Object: ${intent.key}. To export what is still stored and go on without the lost records, set ` +
        'BATCH_EXPORTER_ON_DATA_LOSS=skip',
    );

    const registry = new Registry();
    const skipping = { ...resumeConfig, onDataLoss: 'skip' as const };
    const resumed = await startExporter(skipping, { ...testDeps(skipping), registry });
    await resumed.ready;
    await waitUntilCaughtUp(services, 'intent-retention', 'intent-retention');
    await resumed.stop();
    const objects = dataObjects(await readObjects(services.aws.s3(), 'intent-retention'));
    const completed = objects.find((o) => o.key === intent.key)!;
    expect(completed.body.toString().trim().split('\n')).toHaveLength(Number(recordedEnd - low));
    const counts = countEventIds(objects);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(await lostRecords(registry)).toBe(Number(low));
    expect(counts.size + Number(low)).toBe(9_000);
  });

  test('the range reader fails instead of returning a range retention shortened while it read', async () => {
    await produce(services, 'reader-race', events(9_000, 'race-a'), 1);
    const { logger } = memoryLogger();
    const reader = new KafkaJsConsumerFactory({
      kafka: localConfig(services, { topic: 'reader-race', groupId: 'reader-race', bucket: 'unused' }).kafka,
      topic: 'reader-race',
      fromBeginning: true,
      logger,
    }).createRangeReader();
    let produced: Promise<void> | undefined;
    // After the first fetched batch, retention shortened to 1 MiB and more events delete the rest.
    let handedOver = 0;
    const read = reader.read(
      [{ partition: 0, from: '0', to: '9000' }],
      (_, records) => (handedOver += records.length),
      async () => {
        produced ??= (async () => {
          await shortenRetention(services, 'reader-race');
          await produce(services, 'reader-race', events(6_000, 'race-b'), 1);
          await waitForRetention(services, 'reader-race', 9_000n);
        })();
        await produced;
      },
    );
    await expect(read).rejects.toBeInstanceOf(DataLossError);
    await expect(read).rejects.toThrow(/partition 0 \[\d+, 9000\) \(stored now: \[\d+, 15000\)\)/);
    // Some records were handed over before the loss was found: the caller must drop them (it does).
    expect(handedOver).toBeGreaterThan(0);
    expect(handedOver).toBeLessThan(9_000);
  });

  /**
   * Holds the exporter's data uploads while 6,000 more events make retention (1 MiB) delete records the
   * exporter has not stored yet, then lets the uploads go.
   */
  const BEHIND_EVENTS = 6_000;

  async function fallBehindRetention(topic: string, onDataLoss: DataLossPolicy) {
    await createBucket(services, topic);
    await produce(services, topic, events(300, `${topic}-a`), 1);
    const config = {
      ...localConfig(services, { topic, groupId: topic, bucket: topic, maxObjectBytes: 16_384 }),
      onDataLoss,
    };
    const real = await S3ObjectStore.create({ sink: config.sink, logger: memoryLogger().logger });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held = 0;
    const gated: ObjectStore = {
      bucket: topic,
      putIfAbsent: async (key, body) => {
        if (!key.includes('.strm_test_')) {
          held++;
          await released;
        }
        return real.putIfAbsent(key, body);
      },
    };
    const registry = new Registry();
    const exporter = await startExporter(config, { ...testDeps(config), store: gated, registry });
    await exporter.ready;
    await eventually(() => held > 0, 'a held upload');
    await produce(services, topic, events(BEHIND_EVENTS, `${topic}-b`), 1);
    await waitForRetention(services, topic, 301n);
    const before = await groupProgress(services, topic, topic);
    expect(BigInt(before.low.get(0)!)).toBeGreaterThan(BigInt(before.committed.get(0)?.offset ?? '0'));
    release();
    return { config, exporter, registry };
  }

  test('while behind retention, stops with the range removed before it was exported', async () => {
    const { exporter } = await fallBehindRetention('behind-fail', 'fail');
    await expect(exporter.stopped).rejects.toBeInstanceOf(DataLossError);
    await expect(exporter.stopped).rejects.toThrow(
      /^DATA LOSS: records of topic 'behind-fail' were removed by retention while the exporter was behind, before they were exported: partition 0 \[\d+, \d+\)\..*BATCH_EXPORTER_ON_DATA_LOSS=skip/,
    );
    // Nothing was committed past the loss, so a restart finds it again instead of starting over.
    const after = await groupProgress(services, 'behind-fail', 'behind-fail');
    expect(BigInt(after.committed.get(0)!.offset)).toBeLessThan(BigInt(after.low.get(0)!));
  });

  test('while behind retention with onDataLoss=skip, exports every record still stored exactly once', async () => {
    const { exporter, registry } = await fallBehindRetention('behind-skip', 'skip');
    const progress = await waitUntilCaughtUp(services, 'behind-skip', 'behind-skip');
    await exporter.stop();
    await expect(exporter.stopped).resolves.toBeUndefined();
    expect(progress.committed.get(0)?.offset).toBe(String(300 + BEHIND_EVENTS));
    const counts = countEventIds(dataObjects(await readObjects(services.aws.s3(), 'behind-skip')));
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Nothing vanished silently: every offset was either exported or counted as lost.
    const lost = await lostRecords(registry);
    expect(lost).toBeGreaterThan(0);
    expect(counts.size + lost).toBe(300 + BEHIND_EVENTS);
    expect(counts.has(`behind-skip-b-${BEHIND_EVENTS - 1}`)).toBe(true);
  });

  test('a new group with includeExistingEvents=false starts at the latest offset', async () => {
    await createBucket(services, 'latest');
    await produce(services, 'latest', events(200, 'old'), 2);
    const config = localConfig(services, {
      topic: 'latest',
      groupId: 'latest',
      bucket: 'latest',
      includeExistingEvents: false,
    });
    const exporter = await startExporter(config, testDeps(config));
    await exporter.ready;
    await produce(services, 'latest', events(300, 'new'), 2);
    await waitUntilCaughtUp(services, 'latest', 'latest');
    await exporter.stop();
    expectExactlyOnce(countEventIds(dataObjects(await readObjects(services.aws.s3(), 'latest'))), 'new', 300);
  });
});
