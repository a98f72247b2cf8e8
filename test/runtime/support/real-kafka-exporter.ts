import { Kafka, logLevel } from 'kafkajs';
import type { KafkaClient } from '../../../runtime/config/types';
import type { InvalidRecordLine } from '../../../runtime/format/jsonl';
import { KafkaOptions, LocalAws, LocalKafka, LocalServices, startKafka, startMoto } from '../../../local';
import { builtCli } from '../cli/spawn-cli';
import { countEventIds, readObjects } from './exporter-harness';
import { ExporterProcess, startProcess } from './exporter-process';

/** The broker(s) and moto of one real-Kafka suite, started once in its beforeAll, stopped in its afterAll. */
export interface RealKafkaSuite {
  readonly kafka: LocalKafka;
  readonly aws: LocalAws;
  /** For the harness helpers, which only read the brokers and the AWS endpoint. */
  readonly services: LocalServices;
  /** Starts `batch-exporter run` with `env`; killed at the end of the suite if still running. */
  start(env: Record<string, string>): ExporterProcess;
}

/** Registers the suite's beforeAll (Kafka with `options`, moto, the built CLI) and afterAll. */
export function realKafkaSuite(options: KafkaOptions): RealKafkaSuite {
  let kafka: LocalKafka | undefined;
  let aws: LocalAws | undefined;
  const running: ExporterProcess[] = [];
  beforeAll(async () => {
    builtCli();
    [kafka, aws] = await Promise.all([startKafka(options), startMoto()]);
  });
  afterAll(async () => {
    for (const exporter of running) exporter.child.kill('SIGKILL');
    await Promise.allSettled([kafka?.stop(), aws?.stop()]);
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the real-Kafka suite is used before its beforeAll ran');
    return value;
  };
  return {
    get kafka() {
      return started(kafka);
    },
    get aws() {
      return started(aws);
    },
    get services() {
      return { kafka: started(kafka), aws: started(aws) } as unknown as LocalServices;
    },
    start(env) {
      const exporter = startProcess(env);
      running.push(exporter);
      return exporter;
    },
  };
}

/** Where an exporter process of the real-Kafka suites reads and writes: its topic is also its bucket. */
export interface RealKafkaRun {
  readonly brokers: readonly string[];
  /** The S3 endpoint: moto's, or a fault proxy's in front of it. */
  readonly endpoint: string;
  readonly topic: string;
  readonly client: KafkaClient;
  readonly intervalSeconds: number;
  /** @default true */
  readonly includeExistingEvents?: boolean;
  /** Further BATCH_EXPORTER_* variables. @default - none */
  readonly extra?: Readonly<Record<string, string>>;
}

/** The group of a run's exporter. */
export function groupOf(topic: string): string {
  return `group-${topic}`;
}

/**
 * The environment of `batch-exporter run` for a real-Kafka test: group `group-<topic>`, bucket `<topic>`,
 * prefix `events`, 6 s sessions (a member cut off by a killed coordinator rejoins in seconds).
 */
export function realKafkaEnv(run: RealKafkaRun): Record<string, string> {
  return {
    BATCH_EXPORTER_NAME: `real-${run.topic}`,
    BATCH_EXPORTER_STREAM_NAME: 'demo',
    BATCH_EXPORTER_TOPIC: run.topic,
    BATCH_EXPORTER_KAFKA_BROKERS: run.brokers.join(','),
    BATCH_EXPORTER_KAFKA_GROUP_ID: groupOf(run.topic),
    BATCH_EXPORTER_KAFKA_CLIENT: run.client,
    BATCH_EXPORTER_KAFKA_SESSION_TIMEOUT_MS: '6000',
    BATCH_EXPORTER_KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
    BATCH_EXPORTER_SINK_BUCKET: run.topic,
    BATCH_EXPORTER_SINK_ENDPOINT: run.endpoint,
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
    BATCH_EXPORTER_INTERVAL_SECONDS: String(run.intervalSeconds),
    BATCH_EXPORTER_INCLUDE_EXISTING_EVENTS: String(run.includeExistingEvents ?? true),
    BATCH_EXPORTER_HTTP_PORT: '0',
    ...run.extra,
  };
}

/** What a run's bucket holds: event ids of the data objects (with counts) and the `_invalid/` lines. */
export interface Exported {
  readonly events: Map<string, number>;
  readonly invalid: InvalidRecordLine[];
}

export async function exportedTo(aws: LocalAws, bucket: string): Promise<Exported> {
  const objects = (await readObjects(aws.s3(), bucket, 'events/')).filter(
    (o) => !o.key.includes('.strm_test_'),
  );
  const invalid = objects
    .filter((o) => o.key.startsWith('events/_invalid/'))
    .flatMap((o) =>
      o.body
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as InvalidRecordLine),
    );
  return {
    events: countEventIds(objects.filter((o) => !o.key.startsWith('events/_invalid/'))),
    invalid,
  };
}

/** An event id seen more than once. */
export function duplicates(counts: Map<string, number>): string[] {
  return [...counts].filter(([, n]) => n > 1).map(([id]) => id);
}

/** A kafkajs client of the test itself (producers, admin, readers). */
export function testClient(brokers: readonly string[]): Kafka {
  return new Kafka({ clientId: 'real-kafka-test', brokers: [...brokers], logLevel: logLevel.NOTHING });
}

/** Each partition of `topic` with its leader's node id (-1 while it has none), as the metadata says now. */
export async function partitionLeaders(
  brokers: readonly string[],
  topic: string,
): Promise<Array<{ partition: number; leader: number }>> {
  const admin = testClient(brokers).admin();
  await admin.connect();
  try {
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    return metadata.partitions.map((p) => ({ partition: p.partitionId, leader: p.leader }));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Produces `values` round-robin over `partitions` partitions with an idempotent producer: its retries
 * around a broker kill or a leader change never write a record twice (the harness' `produce` may).
 */
export async function produceOnce(
  brokers: readonly string[],
  topic: string,
  values: readonly string[],
  partitions: number,
): Promise<void> {
  const producer = testClient(brokers).producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let start = 0; start < values.length; start += 1000) {
      await producer.send({
        topic,
        acks: -1,
        messages: values
          .slice(start, start + 1000)
          .map((value, i) => ({ value, partition: (start + i) % partitions })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}
