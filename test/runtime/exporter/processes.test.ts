import { LocalServices, startLocalServices } from '../../../local';
import { builtCli } from '../cli/spawn-cli';
import {
  countEventIds,
  createBucket,
  groupProgress,
  partitionsOf,
  produce,
  readObjects,
  waitUntilCaughtUp,
} from '../support/exporter-harness';
import { ExporterProcess, events, startProcess, terminate } from '../support/exporter-process';

const CANARY = 'CANARY-processes-5d1e0c9a';

describe('exporter processes (batch-exporter run)', () => {
  let services: LocalServices;
  const started: ExporterProcess[] = [];

  function env(topic: string, bucket: string, intervalSeconds: number): Record<string, string> {
    return {
      BATCH_EXPORTER_NAME: `proc-${topic}`,
      BATCH_EXPORTER_STREAM_NAME: 'demo',
      BATCH_EXPORTER_TOPIC: topic,
      BATCH_EXPORTER_KAFKA_BROKERS: services.kafka.brokers.join(','),
      BATCH_EXPORTER_KAFKA_GROUP_ID: `group-${topic}`,
      BATCH_EXPORTER_SINK_BUCKET: bucket,
      BATCH_EXPORTER_SINK_ENDPOINT: services.aws.endpoint,
      BATCH_EXPORTER_SINK_CREDENTIALS: JSON.stringify({
        AccessKey: {
          UserName: 'p',
          AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          Status: 'Active',
          // moto does not check signatures (unenforced), so the canary is a working secret here.
          SecretAccessKey: CANARY,
          CreateDate: '2021-04-08T08:19:33+00:00',
        },
      }),
      BATCH_EXPORTER_PATH_PREFIX: 'events',
      BATCH_EXPORTER_INTERVAL_SECONDS: String(intervalSeconds),
      BATCH_EXPORTER_INCLUDE_EXISTING_EVENTS: 'true',
      BATCH_EXPORTER_HTTP_PORT: '0',
    };
  }

  function launch(variables: Record<string, string>): ExporterProcess {
    const exporter = startProcess(variables);
    started.push(exporter);
    return exporter;
  }

  beforeAll(async () => {
    builtCli();
    services = await startLocalServices({
      kafka: {
        brokers: 1,
        topics: [
          { name: 'two', partitions: 6 },
          { name: 'sigterm', partitions: 5 },
        ],
      },
    });
  });
  afterAll(async () => {
    for (const exporter of started) exporter.child.kill('SIGKILL');
    await services?.stop();
  });

  test('two processes in one group split the partitions; their objects name disjoint partition sets', async () => {
    await createBucket(services, 'two-processes');
    await produce(services, 'two', events(0, 1500, 'two'), 6);
    // Both at once: Apache Kafka syncs two members joining at the same instant into one generation.
    const first = launch(env('two', 'two-processes', 1));
    const second = launch(env('two', 'two-processes', 1));
    await Promise.all([first.logged('assignment ready'), second.logged('assignment ready')]);
    await waitUntilCaughtUp(services, 'group-two', 'two');
    await produce(services, 'two', events(1500, 1500, 'two'), 6);
    await waitUntilCaughtUp(services, 'group-two', 'two');
    expect(await Promise.all([terminate(first), terminate(second)])).toEqual([0, 0]);

    const objects = (await readObjects(services.aws.s3(), 'two-processes', 'events/')).filter(
      (o) => !o.key.includes('.strm_test_'),
    );
    const counts = countEventIds(objects);
    expect(counts.size).toBe(3000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Objects holding only events produced after both joined come from the split assignment.
    const late = objects.filter((o) =>
      o.body
        .toString()
        .split('\n')
        .filter(Boolean)
        .every((line) => Number((JSON.parse(line) as { eventId: string }).eventId.split('-')[1]) >= 1500),
    );
    const sets = [...new Set(late.map((o) => partitionsOf(o.key).join('-')))].map((s) =>
      s.split('-').map(Number),
    );
    const covered = sets.flat();
    expect(new Set(covered).size).toBe(covered.length);
    expect(covered.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sets).toHaveLength(2);
    expect(first.stdout() + second.stdout()).not.toContain(CANARY);
  });

  test('SIGTERM mid-interval stores and commits what it holds, exits 0; a restart loses and duplicates nothing', async () => {
    await createBucket(services, 'sigterm');
    await produce(services, 'sigterm', events(0, 2000, 'sig'), 5);
    const first = launch(env('sigterm', 'sigterm', 30));
    await first.logged('assignment ready');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await terminate(first)).toBe(0);
    const afterStop = await groupProgress(services, 'group-sigterm', 'sigterm');
    for (const [partition, high] of afterStop.high)
      expect(afterStop.committed.get(partition)?.offset).toBe(high);

    await produce(services, 'sigterm', events(2000, 2000, 'sig'), 5);
    const second = launch(env('sigterm', 'sigterm', 1));
    await second.logged('assignment ready');
    await waitUntilCaughtUp(services, 'group-sigterm', 'sigterm');
    expect(await terminate(second)).toBe(0);

    const objects = (await readObjects(services.aws.s3(), 'sigterm', 'events/')).filter(
      (o) => !o.key.includes('.strm_test_'),
    );
    const counts = countEventIds(objects);
    expect(counts.size).toBe(4000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(first.stdout() + second.stdout()).not.toContain(CANARY);
  });
});
