import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Admin, Kafka, logLevel } from 'kafkajs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KNOWN_ENVIRONMENT } from '../../runtime/config/environment';
import { LocalAws, startMoto } from '../aws/moto';
import { LocalGcs, startFakeGcs } from '../gcs/fake-gcs';
import { LocalKafka, startKafka } from '../kafka/apache-kafka';
import { MockKafka, startMockKafka } from '../kafka/mock-kafka';
import { FAST_RETENTION_BROKER_CONFIG, TopicSpec } from '../kafka/topics';
import type { MatrixServices, MatrixTiming } from './scenario';

/**
 * Timing knobs the matrix sets on the exporters when the runtime has them (kafkajs defaults otherwise: a
 * 30 s session timeout, which makes every kill -9 cost about a minute of recovery). `KAFKA_SESSION_TIMEOUT_MS`
 * decides how fast a dead or frozen member loses its partitions; `SINK_REQUEST_TIMEOUT_MS` how fast a hung
 * S3 request is abandoned and retried.
 */
export const TIMING_KNOBS = {
  sessionTimeoutMs: 'BATCH_EXPORTER_KAFKA_SESSION_TIMEOUT_MS',
  heartbeatIntervalMs: 'BATCH_EXPORTER_KAFKA_HEARTBEAT_INTERVAL_MS',
  s3RequestTimeoutMs: 'BATCH_EXPORTER_SINK_REQUEST_TIMEOUT_MS',
} as const;

const WANTED = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, s3RequestTimeoutMs: 3_000 };
const DEFAULTS = { sessionTimeoutMs: 30_000, s3RequestTimeoutMs: 30_000 };

/** The timings the matrix runs with: short where the runtime lets us set them, its defaults otherwise. */
export function matrixTiming(known: ReadonlySet<string> = KNOWN_ENVIRONMENT): MatrixTiming & {
  readonly missingKnobs: readonly string[];
} {
  const environment: Record<string, string> = {};
  const missingKnobs: string[] = [];
  for (const [knob, variable] of Object.entries(TIMING_KNOBS) as Array<[keyof typeof TIMING_KNOBS, string]>) {
    if (known.has(variable)) environment[variable] = String(WANTED[knob]);
    else missingKnobs.push(variable);
  }
  return {
    intervalSeconds: 1,
    sessionTimeoutMs: known.has(TIMING_KNOBS.sessionTimeoutMs)
      ? WANTED.sessionTimeoutMs
      : DEFAULTS.sessionTimeoutMs,
    s3RequestTimeoutMs: known.has(TIMING_KNOBS.s3RequestTimeoutMs)
      ? WANTED.s3RequestTimeoutMs
      : DEFAULTS.s3RequestTimeoutMs,
    environment,
    missingKnobs,
  };
}

export interface RunningMatrix extends MatrixServices {
  readonly missingKnobs: readonly string[];
  /** The same servers with the mock cluster as Kafka, for `broker: 'mock'` scenarios (if any were asked for). */
  readonly onMock?: MatrixServices;
  stop(): Promise<void>;
}

function harnessAdmin(brokers: readonly string[]): Admin {
  return new Kafka({
    clientId: 'faults-harness',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
  }).admin();
}

/**
 * Starts what every scenario shares: a 3-broker Apache Kafka with every scenario's topic (retention
 * checked every half second), moto with IAM enforced and the bucket, (`gcs`) fake-gcs-server with the same
 * bucket, and, only when `mockTopics` is not empty, a 3-broker mock cluster with those topics. Each
 * scenario puts its own fault proxy in front of moto or fake-gcs-server.
 */
export async function startMatrixServices(
  topics: readonly TopicSpec[],
  options: { readonly gcs?: boolean; readonly mockTopics?: readonly TopicSpec[] } = {},
): Promise<RunningMatrix> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    const [kafka, mock, aws] = await Promise.all([
      startKafka({ brokers: 3, topics, brokerConfig: FAST_RETENTION_BROKER_CONFIG }).then((k: LocalKafka) => {
        stops.push(() => k.stop());
        return k;
      }),
      (options.mockTopics ?? []).length === 0
        ? undefined
        : startMockKafka({ brokers: 3, topics: options.mockTopics! }).then((k: MockKafka) => {
            stops.push(() => k.stop());
            return k;
          }),
      startMoto({ enforceIam: true }).then((a: LocalAws) => {
        stops.push(() => a.stop());
        return a;
      }),
    ]);
    const bucket = 'faults';
    const s3: S3Client = aws.s3();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    let gcs: LocalGcs | undefined;
    if (options.gcs) {
      const started = await startFakeGcs();
      stops.push(() => started.stop());
      await started.createBucket(bucket);
      gcs = started;
    }
    const admin = harnessAdmin(kafka.brokers);
    await admin.connect();
    stops.push(() => admin.disconnect());
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-'));
    const timing = matrixTiming();
    const shared = { aws, bucket, s3, gcs, logDir, timing };
    let onMock: MatrixServices | undefined;
    if (mock) {
      const mockAdmin = harnessAdmin(mock.brokers);
      await mockAdmin.connect();
      stops.push(() => mockAdmin.disconnect());
      onMock = { ...shared, kafka: mock, admin: mockAdmin };
    }
    return { ...shared, kafka, admin, onMock, missingKnobs: timing.missingKnobs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
