import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Admin, Kafka, logLevel } from 'kafkajs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KNOWN_ENVIRONMENT } from '../../runtime/config/environment';
import { LocalAws, startMoto } from '../aws/moto';
import { LocalGcs, startFakeGcs } from '../gcs/fake-gcs';
import { MockKafka, startMockKafka } from '../kafka/mock-kafka';
import { TopicSpec } from '../kafka/topics';
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
  stop(): Promise<void>;
}

/**
 * Starts what every scenario shares: a 3-broker Kafka with every scenario's topic (the launcher creates
 * topics only at start), moto with IAM enforced and the bucket, and (`gcs`) fake-gcs-server with the same
 * bucket. Each scenario puts its own fault proxy in front of moto or fake-gcs-server.
 */
export async function startMatrixServices(
  topics: readonly TopicSpec[],
  options: { readonly gcs?: boolean } = {},
): Promise<RunningMatrix> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    const [kafka, aws] = await Promise.all([
      startMockKafka({ brokers: 3, topics }).then((k: MockKafka) => {
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
    const admin: Admin = new Kafka({
      clientId: 'faults-harness',
      brokers: kafka.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 500 },
    }).admin();
    await admin.connect();
    stops.push(() => admin.disconnect());
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-'));
    const timing = matrixTiming();
    return { kafka, aws, bucket, s3, gcs, logDir, admin, timing, missingKnobs: timing.missingKnobs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
