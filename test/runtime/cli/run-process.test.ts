import { ChildProcess, spawn } from 'node:child_process';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Kafka, logLevel } from 'kafkajs';
import { LocalServices, freePort, startLocalServices } from '../../../local';
import { clickstreamEvent } from '../../../local/clickstream';
import { projectRoot } from '../../../local/project-root';
import { ENTRYPOINT, NODE_LINE } from '../../../runtime/image';
import { builtCli } from './spawn-cli';
import { repeatedKeys } from '../support/json-keys';

const CANARY = 'CANARY-process-99887766aabb';
const BUCKET = 'run-process';

interface Running {
  readonly child: ChildProcess;
  readonly output: () => { stdout: string; stderr: string };
  readonly exited: Promise<number | null>;
}

/** Starts the image's entrypoint command as the image would, with only the given environment. */
function startEntrypoint(env: Record<string, string>): Running {
  const child = spawn(ENTRYPOINT[0], ENTRYPOINT.slice(1), {
    cwd: projectRoot(),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  exited: Promise<unknown>,
): Promise<T> {
  let done = false;
  void exited.then(() => (done = true));
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (done) throw new Error(`the exporter exited before ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('the image entrypoint (batch-exporter run) as a process', () => {
  let services: LocalServices;
  let base: Record<string, string>;

  beforeAll(async () => {
    builtCli();
    services = await startLocalServices({
      kafka: { brokers: 1, topics: [{ name: 'clicks', partitions: 2 }] },
    });
    await services.aws.s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
    base = {
      BATCH_EXPORTER_NAME: 'process-test',
      BATCH_EXPORTER_STREAM_NAME: 'demo',
      BATCH_EXPORTER_TOPIC: 'clicks',
      BATCH_EXPORTER_KAFKA_BROKERS: services.kafka.brokers.join(','),
      BATCH_EXPORTER_SINK_BUCKET: BUCKET,
      BATCH_EXPORTER_SINK_ENDPOINT: services.aws.endpoint,
      BATCH_EXPORTER_SINK_CREDENTIALS: JSON.stringify({
        AccessKey: {
          UserName: 'process-test',
          AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          Status: 'Active',
          // moto does not check signatures, so the canary is a working secret here.
          SecretAccessKey: CANARY,
          CreateDate: '2021-04-08T08:19:33+00:00',
        },
      }),
      BATCH_EXPORTER_PATH_PREFIX: 'events',
      BATCH_EXPORTER_INTERVAL_SECONDS: '1',
      BATCH_EXPORTER_INCLUDE_EXISTING_EVENTS: 'true',
    };
  });
  afterAll(async () => services?.stop());

  test('becomes healthy, exports, and exits 0 on SIGTERM without printing the secret', async () => {
    const port = await freePort();
    const exporter = startEntrypoint({ ...base, BATCH_EXPORTER_HTTP_PORT: String(port) });
    try {
      await until(
        '/healthz answered 200',
        async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200 ? true : undefined),
        exporter.exited,
      );
      const kafka = new Kafka({
        clientId: 'process-test',
        brokers: services.kafka.brokers,
        logLevel: logLevel.NOTHING,
      });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic: 'clicks',
        messages: Array.from({ length: 20 }, (_, i) => ({
          value: JSON.stringify(clickstreamEvent(i, 'process')),
        })),
      });
      await producer.disconnect();
      const keys = await until(
        'a data object was stored',
        async () => {
          const listing = await services.aws
            .s3()
            .send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'events/' }));
          const data = (listing.Contents ?? [])
            .map((o) => o.Key!)
            .filter((key) => !key.includes('.strm_test_'));
          return data.length > 0 ? data : undefined;
        },
        exporter.exited,
      );
      expect(keys[0]).toMatch(
        /^events\/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-stream-demo---\d+(-\d+)*(\.\d+)?\.jsonl$/,
      );
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('process_cpu_seconds_total');
    } finally {
      exporter.child.kill('SIGTERM');
    }
    expect(await exporter.exited).toBe(0);
    const { stdout, stderr } = exporter.output();
    const entries = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; node?: string });
    expect(entries.map((e) => e.msg)).toEqual(
      expect.arrayContaining(['starting batch exporter', 'stopped cleanly']),
    );
    // The entrypoint's `node` (from PATH, as in the image) is the image's Node line.
    const started = entries.find((e) => e.msg === 'starting batch exporter')!;
    expect(started.node).toMatch(new RegExp(`^v${NODE_LINE}\\.`));
    expect(started.node).toBe(process.version);
    // Every line is portable JSON: no key twice (pino repeats a key bound by a parent and a child logger).
    expect(
      stdout
        .trim()
        .split('\n')
        .filter((line) => repeatedKeys(line).length > 0),
    ).toEqual([]);
    expect(stdout + stderr).not.toContain(CANARY);
  });

  test('exits 1 naming the bucket when it does not exist, without printing the secret', async () => {
    const exporter = startEntrypoint({
      ...base,
      BATCH_EXPORTER_SINK_BUCKET: 'no-such-bucket-here',
      BATCH_EXPORTER_HTTP_PORT: '0',
    });
    expect(await exporter.exited).toBe(1);
    const { stdout, stderr } = exporter.output();
    expect(stderr).toMatch(/^batch-exporter run: the exporter stopped: .*no-such-bucket-here/);
    expect(stdout + stderr).not.toContain(CANARY);
  });
});
