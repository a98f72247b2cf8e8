import { Kafka, logLevel } from 'kafkajs';
import type { KafkaClient } from '../../../runtime/config/types';
import type { InvalidRecordLine } from '../../../runtime/format/jsonl';
import type { LocalAws } from '../../../local';
import { countEventIds, readObjects } from './exporter-harness';

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
