import { clickstreamEvent } from '../../../local/clickstream';
import { LocalServices, startLocalServices } from '../../../local';
import { startExporter } from '../../../runtime/exporter';
import {
  DATA_KEY,
  countEventIds,
  createBucket,
  localConfig,
  memoryLogger,
  partitionsOf,
  produce,
  readObjects,
  waitUntilCaughtUp,
} from '../support/exporter-harness';

describe('startExporter on the local Kafka and S3', () => {
  let services: LocalServices;

  beforeAll(async () => {
    services = await startLocalServices({
      kafka: {
        brokers: 1,
        topics: [
          { name: 'clicks', partitions: 5 },
          { name: 'restart', partitions: 5 },
        ],
      },
    });
  });
  afterAll(async () => services?.stop());

  test('exports 10,000 events over 5 partitions exactly once and commits the high watermarks', async () => {
    await createBucket(services, 'exactly-once');
    const events = Array.from({ length: 10_000 }, (_, i) => JSON.stringify(clickstreamEvent(i, 'bulk')));
    await produce(services, 'clicks', events, 5);
    const { logger } = memoryLogger();
    const config = localConfig(services, {
      topic: 'clicks',
      groupId: 'bulk',
      bucket: 'exactly-once',
      pathPrefix: 'events/clicks',
      intervalSeconds: 2,
    });
    const exporter = await startExporter(config, { logger });
    await exporter.ready;
    const progress = await waitUntilCaughtUp(services, 'bulk', 'clicks');
    await exporter.stop();
    await expect(exporter.stopped).resolves.toBeUndefined();

    const s3 = services.aws.s3();
    const objects = await readObjects(s3, 'exactly-once', 'events/clicks/');
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
  });
});
