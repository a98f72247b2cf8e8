import { Writable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import pino, { Logger } from 'pino';
import type { DataLossPolicy, ExporterConfig, KafkaClient } from '../../../runtime/config/types';
import type { ExporterDeps } from '../../../runtime/exporter';
import { createConsumerFactory } from '../../../runtime/kafka/factory';
import { StorePermanentError, type ObjectStore } from '../../../runtime/storage/object-store';
import type { AwsCredentials, LocalServices } from '../../../local';
import { FAST_RETENTION_BROKER_CONFIG, SHORT_RETENTION } from '../../../local';

/** A pino logger writing JSON lines into memory, so tests can read what the exporter logged. */
export function memoryLogger(level: pino.Level = 'info'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      // Set EXPORTER_TEST_LOGS=1 to watch the exporters of a failing test.
      if (process.env.EXPORTER_TEST_LOGS) process.stderr.write(chunk);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

export interface ConfigOverrides extends Partial<Omit<ExporterConfig, 'sink' | 'kafka' | 'stream'>> {
  readonly topic: string;
  readonly groupId: string;
  readonly bucket: string;
  readonly credentials?: AwsCredentials;
  readonly region?: string;
  readonly onDataLoss?: DataLossPolicy;
  /** @default 'kafkajs' */
  readonly client?: KafkaClient;
}

/** Both Kafka clients, for suites that run their core scenarios on each. */
export const KAFKA_CLIENTS: readonly KafkaClient[] = ['kafkajs', 'native'];

/** An exporter configuration pointing at the local services. */
export function localConfig(services: LocalServices, overrides: ConfigOverrides): ExporterConfig {
  const credentials = overrides.credentials ?? services.aws.adminCredentials;
  return {
    exporterName: 'test',
    stream: { name: 'clicks', topic: overrides.topic },
    kafka: {
      brokers: services.kafka.brokers,
      clientId: 'exporter-test',
      groupId: overrides.groupId,
      client: overrides.client ?? 'kafkajs',
      tls: false,
    },
    sink: {
      bucket: overrides.bucket,
      endpoint: services.aws.endpoint,
      ...(overrides.region === undefined ? {} : { region: overrides.region }),
      credentials: { kind: 'static', ...credentials },
    },
    pathPrefix: overrides.pathPrefix,
    intervalSeconds: overrides.intervalSeconds ?? 1,
    includeExistingEvents: overrides.includeExistingEvents ?? true,
    maxObjectBytes: overrides.maxObjectBytes ?? 64 * 1024 * 1024,
    httpPort: 0,
    logLevel: 'info',
    onDataLoss: overrides.onDataLoss ?? 'fail',
  };
}

/**
 * Exporter collaborators for tests: a short session timeout, so that a member that crashed without leaving
 * the group loses its partitions after 6 s (the broker's minimum), not kafkajs' default 30 s.
 */
export function testDeps(
  config: ExporterConfig,
  level: pino.Level = 'info',
): ExporterDeps & { lines: string[] } {
  const { logger, lines } = memoryLogger(level);
  const consumerFactory = createConsumerFactory(config.kafka.client, {
    kafka: config.kafka,
    topic: config.stream.topic,
    fromBeginning: config.includeExistingEvents,
    logger,
    sessionTimeoutMs: 6_000,
    heartbeatIntervalMs: 1_000,
  });
  return { logger, lines, consumerFactory };
}

/** The SASL login of the local broker's super user, when it was started with `sasl`. */
function adminSasl(services: { readonly kafka: object }) {
  const kafka = services.kafka as { adminSasl?: SASLOptions };
  return kafka.adminSasl ? { sasl: kafka.adminSasl } : {};
}

/** Writes the validation object, then fails every data upload: a crash after the intent, before the put. */
export function failingDataUploads(real: ObjectStore): ObjectStore {
  return {
    bucket: real.bucket,
    putIfAbsent: async (key, body) => {
      if (key.includes('.strm_test_')) return real.putIfAbsent(key, body);
      throw new StorePermanentError('simulated crash before the upload', 'rejected', real.bucket, key);
    },
  };
}

export async function createBucket(services: LocalServices, bucket: string): Promise<void> {
  await services.aws.s3().send(new CreateBucketCommand({ Bucket: bucket }));
}

/** Produces `values` round-robin over `partitions` partitions; returns the count per partition. */
export async function produce(
  services: { readonly kafka: { readonly brokers: readonly string[] } },
  topic: string,
  values: ReadonlyArray<string | Buffer | null>,
  partitions: number,
): Promise<void> {
  const kafka = new Kafka({
    clientId: 'test-producer',
    brokers: [...services.kafka.brokers],
    ...adminSasl(services),
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let start = 0; start < values.length; start += 1000) {
      await producer.send({
        topic,
        messages: values
          .slice(start, start + 1000)
          .map((value, i) => ({ value, partition: (start + i) % partitions })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface StoredObject {
  readonly key: string;
  readonly body: Buffer;
}

/** Every object under `prefix` (tests may List/Get; the runtime never does). */
export async function readObjects(s3: S3Client, bucket: string, prefix = ''): Promise<StoredObject[]> {
  const objects: StoredObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) {
      const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: item.Key! }));
      objects.push({ key: item.Key!, body: Buffer.from(await answer.Body!.transformToByteArray()) });
    }
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return objects;
}

export interface GroupProgress {
  readonly committed: Map<number, { offset: string; metadata: string }>;
  readonly high: Map<number, string>;
  readonly low: Map<number, string>;
}

export async function groupProgress(
  services: LocalServices,
  groupId: string,
  topic: string,
): Promise<GroupProgress> {
  const kafka = new Kafka({
    clientId: 'test-admin',
    brokers: services.kafka.brokers,
    ...adminSasl(services),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const watermarks = await admin.fetchTopicOffsets(topic);
    return {
      committed: new Map(
        offsets.partitions.map((p) => [p.partition, { offset: p.offset, metadata: p.metadata ?? '' }]),
      ),
      high: new Map(watermarks.map((w) => [w.partition, w.high])),
      low: new Map(watermarks.map((w) => [w.partition, w.low])),
    };
  } finally {
    await admin.disconnect();
  }
}

export { FAST_RETENTION_BROKER_CONFIG, SHORT_RETENTION };

/** Sets short retention on an existing topic (see SHORT_RETENTION). */
export async function shortenRetention(services: LocalServices, topic: string): Promise<void> {
  const admin = new Kafka({
    clientId: 'test-admin',
    brokers: services.kafka.brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: 2, // TOPIC
          name: topic,
          configEntries: Object.entries(SHORT_RETENTION).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}

/** Polls until retention moved partition 0's low watermark to at least `atLeast`; returns it. */
export async function waitForRetention(
  services: LocalServices,
  topic: string,
  atLeast = 1n,
  timeoutMs = 30_000,
): Promise<bigint> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const low = BigInt((await groupProgress(services, `${topic}-observer`, topic)).low.get(0)!);
    if (low >= atLeast) return low;
    if (Date.now() > deadline) {
      throw new Error(
        `retention did not remove offsets below ${atLeast} of ${topic} within ${timeoutMs} ms (low ${low})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Polls until every partition's committed offset reached its high watermark. */
export async function waitUntilCaughtUp(
  services: LocalServices,
  groupId: string,
  topic: string,
  timeoutMs = 45_000,
): Promise<GroupProgress> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let progress: GroupProgress;
    try {
      progress = await groupProgress(services, groupId, topic);
    } catch (error) {
      // A real broker answers NOT_COORDINATOR while it still creates or loads __consumer_offsets: ask again.
      if ((error as { retriable?: boolean }).retriable !== true || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    const caughtUp = [...progress.high].every(([p, high]) => progress.committed.get(p)?.offset === high);
    if (caughtUp) return progress;
    if (Date.now() > deadline) {
      throw new Error(
        `group ${groupId} did not catch up: committed ${JSON.stringify([...progress.committed])}, ` +
          `high ${JSON.stringify([...progress.high])}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The data-object key pattern of the seed (plus the part number of split intervals). */
export const DATA_KEY =
  /^(?:(.+)\/)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})-stream-([^/]+)---(\d+(?:-\d+)*)(?:\.(\d+))?\.jsonl$/;

/** Partitions named in a data key. */
export function partitionsOf(key: string): number[] {
  const match = DATA_KEY.exec(key);
  if (!match) throw new Error(`not a data key: ${key}`);
  return match[4].split('-').map(Number);
}

/** Event ids in JSONL bodies, with how often each appears. */
export function countEventIds(objects: readonly StoredObject[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const object of objects) {
    for (const line of object.body.toString('utf8').split('\n')) {
      if (line === '') continue;
      const id = (JSON.parse(line) as { eventId: string }).eventId;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}
