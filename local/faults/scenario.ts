import type { S3Client } from '@aws-sdk/client-s3';
import type { Admin } from 'kafkajs';
import { DEFAULT_MAX_OBJECT_BYTES } from '../../runtime/config/schema';
import { FaultProxy, startFaultProxy } from '../aws/fault-proxy';
import type { AwsCredentials, LocalAws } from '../aws/moto';
import type { LocalGcs } from '../gcs/fake-gcs';
import { serviceAccountKeyFile } from '../gcs/service-account-key';
import type { KafkaClient } from '../../runtime/config/types';
import type { LocalKafka } from '../kafka/apache-kafka';
import type { MockKafka } from '../kafka/mock-kafka';
import { ObjectCatalog, gcsObjectSource, s3ObjectSource } from './catalog';
import { ExporterFleet, ExporterProcess, StartOptions } from './fleet';
import { reportedLosses } from './losses';
import { ProgressMonitor } from './monitor';
import { EventProducer } from './producer';
import { LostRange, checkExport, checkIntents, checkObjectLimits } from './verify';

/**
 * The servers every scenario shares; each scenario gets its own topic, prefix and group. Kafka is Apache
 * Kafka (3 brokers), or librdkafka's mock cluster for the scenarios whose fault only it can inject.
 */
export interface MatrixServices {
  readonly kafka: LocalKafka | MockKafka;
  readonly aws: LocalAws;
  readonly bucket: string;
  /** kafkajs admin client of the harness (committed offsets, watermarks). */
  readonly admin: Admin;
  /** S3 client with the administrator's credentials (lists and reads what exporters stored). */
  readonly s3: S3Client;
  /** fake-gcs-server with the same bucket, when a selected scenario writes to GCS. */
  readonly gcs?: LocalGcs;
  readonly logDir: string;
  readonly timing: MatrixTiming;
}

/** Timing of the exporters under test, and the extra environment that tunes them. */
export interface MatrixTiming {
  readonly intervalSeconds: number;
  /** How long a dead or frozen member keeps its partitions (the group's session timeout). */
  readonly sessionTimeoutMs: number;
  /** How long an S3 request may take before the exporter gives up on it and retries. */
  readonly s3RequestTimeoutMs: number;
  /** Extra BATCH_EXPORTER_* variables that set the timings above, where the runtime supports them. */
  readonly environment: Readonly<Record<string, string>>;
}

export interface ScenarioSpec {
  /** Two digits, e.g. `01`: names the topic, prefix and group. */
  readonly id: string;
  readonly title: string;
  /** @default 3 */
  readonly partitions?: number;
  /**
   * The fault touches every scenario (the whole broker, cluster-wide request errors): run it alone.
   * @default false
   */
  readonly exclusive?: boolean;
  /** The whole scenario, recovery included, must finish within this many seconds. */
  readonly budgetSeconds: (timing: MatrixTiming) => number;
  /**
   * Extra BATCH_EXPORTER_* variables for every exporter of this scenario (e.g. a small maxObjectBytes).
   * @default - none: the matrix's environment only
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * The scenario makes records fall out of retention before they are exported and runs the exporters with
   * onDataLoss=skip: the matrix expects `lost` > 0 (0 for every other scenario).
   * @default false
   */
  readonly expectsLoss?: boolean;
  /**
   * Where the exporters write: moto's S3, or fake-gcs-server's GCS with a service account key file as the
   * sink credentials (the storage scenarios run on both).
   * @default 's3'
   */
  readonly sink?: 's3' | 'gcs';
  /**
   * `mock`: the fault needs the mock broker's injection (request errors, latency on one API), which Apache
   * Kafka cannot make; the scenario runs on a 3-broker mock cluster instead (see test/faults/README.md).
   * @default 'apache'
   */
  readonly broker?: 'apache' | 'mock';
  /**
   * The exporters' Kafka client (`BATCH_EXPORTER_KAFKA_CLIENT`); {@link onKafkaClient} makes a scenario's
   * run on the other one.
   * @default 'kafkajs'
   */
  readonly kafkaClient?: KafkaClient;
  /** Configuration of the scenario's topic (Apache Kafka only). @default - the broker's defaults */
  readonly topicConfig?: Readonly<Record<string, string>>;
  /** The sink credentials the exporters use (S3). @default - the administrator's */
  readonly credentials?: (services: MatrixServices, spec: ScenarioNames) => Promise<AwsCredentials>;
  run(context: ScenarioContext): Promise<void>;
}

export interface ScenarioNames {
  readonly topic: string;
  readonly prefix: string;
  readonly groupId: string;
}

/** What a scenario body works with. */
export interface ScenarioContext extends ScenarioNames {
  readonly services: MatrixServices;
  /** This scenario's own S3 fault proxy in front of moto: its exporters talk to S3 through it. */
  readonly proxy: FaultProxy;
  readonly fleet: ExporterFleet;
  readonly producer: EventProducer;
  readonly monitor: ProgressMonitor;
  /** Every data object stored under this scenario's prefix (refresh it to see the latest). */
  readonly catalog: ObjectCatalog;
  /** Path pattern of this scenario's data-object uploads (not the validation object), for proxy rules. */
  readonly dataPath: RegExp;
  /** The method of those uploads: S3's PUT or GCS's POST (objects.insert). */
  readonly dataMethod: 'PUT' | 'POST';
  /** Names what the scenario is doing now, for the time-budget failure message. */
  step(name: string): void;
  sleep(ms: number): Promise<void>;
  /** Starts an exporter and waits until it reports ready (`environment`: extra variables for this one). */
  startReady(options?: Pick<StartOptions, 'environment'>): Promise<ExporterProcess>;
  /** The ranges the exporters reported lost to retention so far (onDataLoss=skip), from their logs. */
  lostRanges(): LostRange[];
  /** Resolves once the proxy has applied `count` more faults than `since` (a `proxy.stats().faulted`). */
  waitForProxyFaults(count: number, since: number): Promise<void>;
  /** The fault is over: recovery time counts from now. */
  faultLifted(): void;
  /** Waits until every produced event is committed; records the recovery time. */
  waitUntilExported(): Promise<void>;
  /** A check of the scenario's own (e.g. SIGTERM exits 0). */
  expect(condition: boolean, failure: string): void;
  /** Something the scenario observed that the report should show (e.g. how objects were split). */
  note(text: string): void;
}

export interface ScenarioResult {
  readonly id: string;
  readonly scenario: string;
  readonly passed: boolean;
  readonly events: number;
  readonly missing: number;
  /** Events inside ranges the exporters reported lost to retention (onDataLoss=skip), stored nowhere. */
  readonly lost: number;
  readonly duplicated: number;
  readonly objects: number;
  /** From the end of the fault until every event was stored and committed; null if it never was. */
  readonly secondsToRecover: number | null;
  readonly seconds: number;
  readonly processStarts: number;
  /** Intents the sampler saw committed (each checked to end up stored under its key with its ranges). */
  readonly intentsSeen: number;
  readonly unexpectedExits: readonly string[];
  /** The Node versions the exporter processes reported at start-up (each once). */
  readonly nodeVersions: readonly string[];
  /** The Kafka clients the exporter processes reported at start-up (each once). */
  readonly kafkaClients: readonly string[];
  readonly failures: readonly string[];
  /** What the scenario noted about its run (see {@link ScenarioContext.note}). */
  readonly notes: readonly string[];
}

export function scenarioNames(id: string): ScenarioNames {
  return { topic: `faults-${id}`, prefix: `faults/s${id}`, groupId: `batch-exporter-faults-${id}` };
}

/**
 * The scenario on another Kafka client: its own id (`16-native`), so its own topic, prefix, group and line in
 * the table. The kafkajs run keeps the plain id.
 */
export function onKafkaClient(spec: ScenarioSpec, kafkaClient: KafkaClient): ScenarioSpec {
  return kafkaClient === 'kafkajs' ? spec : { ...spec, id: `${spec.id}-${kafkaClient}`, kafkaClient };
}

/** The scenario's Apache Kafka cluster (kill, restart); fails on the mock. */
export function apacheKafka(services: MatrixServices): LocalKafka {
  if ('fault' in services.kafka) throw new Error('this scenario needs Apache Kafka, not the mock broker');
  return services.kafka;
}

/** The scenario's mock cluster (fault commands); fails on Apache Kafka. */
export function mockKafka(services: MatrixServices): MockKafka {
  if (!('fault' in services.kafka))
    throw new Error("this scenario needs the mock broker: set broker: 'mock'");
  return services.kafka;
}

/** Runs one scenario against the shared servers and verifies everything stored under its prefix. */
export async function runScenario(spec: ScenarioSpec, services: MatrixServices): Promise<ScenarioResult> {
  const started = Date.now();
  const names = scenarioNames(spec.id);
  const partitions = spec.partitions ?? 3;
  const failures: string[] = [];
  const notes: string[] = [];
  const budgetSeconds = spec.budgetSeconds(services.timing);
  const gcs = spec.sink === 'gcs' ? services.gcs : undefined;
  if (spec.sink === 'gcs' && gcs === undefined)
    throw new Error(`scenario ${spec.id} needs the matrix's GCS server`);
  const proxy = gcs
    ? await startFaultProxy(gcs.endpoint, { dialect: 'gcs' })
    : await startFaultProxy(services.aws.endpoint);
  const credentials = spec.credentials
    ? await spec.credentials(services, names)
    : services.aws.adminCredentials;
  const producer = await EventProducer.connect({
    brokers: services.kafka.brokers,
    topic: names.topic,
    partitions,
    runId: `s${spec.id}`,
    idempotent: spec.broker !== 'mock',
  });
  const catalog = new ObjectCatalog(
    gcs ? gcsObjectSource(gcs, services.bucket) : s3ObjectSource(services.s3, services.bucket),
    names.prefix,
  );
  const fleet = new ExporterFleet({
    name: `s${spec.id}`,
    logDir: services.logDir,
    environment: {
      ...exporterEnvironment(
        services,
        proxy,
        names,
        spec.id,
        gcs ? 'gcs' : credentials,
        spec.kafkaClient ?? 'kafkajs',
      ),
      ...spec.environment,
    },
  });
  const monitor = new ProgressMonitor({
    admin: services.admin,
    groupId: names.groupId,
    topic: names.topic,
    catalog,
    index: producer.index,
    liveProcesses: () => fleet.live().length,
    idleBudgetMs: idleBudgetMs(services.timing),
  });
  let step = 'starting';
  let liftedAt: number | undefined;
  let recoveredAt: number | undefined;
  let aborted = false;
  // A restarted member joins only once the dead one's session expired: wait for that too. A process that
  // exits on its own before it is ready is replaced (as ECS would); its replacement is waited for instead.
  const startReady = (options: Pick<StartOptions, 'environment'> = {}) =>
    fleet.startReady(20_000 + 3 * services.timing.sessionTimeoutMs, 3, options);
  const lostRanges = () => fleet.all().flatMap((p) => reportedLosses(p.log()).flatMap((l) => l.ranges));
  const context: ScenarioContext = {
    ...names,
    services,
    proxy,
    fleet,
    producer,
    monitor,
    catalog,
    dataPath: gcs
      ? new RegExp(
          `^/upload/storage/v1/b/${services.bucket}/o\\?.*name=${encodeURIComponent(`${names.prefix}/`)}\\d{4}-`,
        )
      : new RegExp(`^/${services.bucket}/${names.prefix}/\\d{4}-`),
    dataMethod: gcs ? 'POST' : 'PUT',
    step: (name) => {
      if (aborted) throw new Error(`aborted (time budget exceeded) before ${name}`);
      step = name;
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    startReady,
    lostRanges,
    waitForProxyFaults: async (count, since) => {
      while (proxy.stats().faulted - since < count) {
        if (aborted) throw new Error('aborted while waiting for the proxy');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    faultLifted: () => {
      liftedAt = Date.now();
      monitor.restartIdleClock();
    },
    waitUntilExported: async () => {
      await monitor.waitUntilCommitted();
      recoveredAt = Date.now();
    },
    expect: (condition, failure) => {
      if (!condition) failures.push(failure);
    },
    note: (text) => notes.push(text),
  };

  monitor.start();
  let budgetTimer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      spec.run(context),
      new Promise<never>((_, reject) => {
        budgetTimer = setTimeout(() => {
          aborted = true;
          reject(
            new Error(
              `exceeded its time budget of ${budgetSeconds} s while ${step}; committed ` +
                `[${monitor
                  .committedOffsets()
                  .map((c) => c ?? '-')
                  .join(',')}] of produced ` +
                `[${producer.index.endOffsets().join(',')}]`,
            ),
          );
        }, budgetSeconds * 1000);
      }),
    ]);
  } catch (error) {
    failures.push(`${step}: ${(error as Error).message}`);
  } finally {
    clearTimeout(budgetTimer);
    proxy.clear();
    await fleet.close();
    await proxy.stop();
    await monitor.stop();
    await producer.disconnect();
  }

  await catalog.refresh();
  const watermarks = await services.admin.fetchTopicOffsets(names.topic);
  failures.push(
    ...producer.index.mismatches(new Map(watermarks.map((w) => [w.partition, BigInt(w.high)] as const))),
  );
  let lost: LostRange[] = [];
  try {
    lost = lostRanges();
  } catch (error) {
    failures.push(`exporter logs: ${(error as Error).message}`);
  }
  const positionOf = (id: string) => producer.index.positionOf(id);
  const check = checkExport(
    producer.index.eventIds(),
    producer.index.endOffsets(),
    catalog.all(),
    positionOf,
    lost,
  );
  failures.push(...check.problems, ...monitor.violationsGiven(lost));
  failures.push(
    ...checkObjectLimits(catalog.all(), positionOf, {
      maxObjectBytes: Number(spec.environment?.BATCH_EXPORTER_MAX_OBJECT_BYTES ?? DEFAULT_MAX_OBJECT_BYTES),
    }),
  );
  failures.push(
    ...checkIntents(monitor.intents.values(), catalog.all(), (id) => producer.index.positionOf(id)),
  );
  failures.push(...monitor.openIntents());
  for (const key of catalog.unexpectedKeys()) failures.push(`${key}: not a data object name`);
  return {
    id: spec.id,
    scenario: spec.title,
    passed: failures.length === 0,
    events: check.events,
    missing: check.missing,
    lost: check.lost,
    duplicated: check.duplicated,
    objects: check.objects,
    secondsToRecover: recoveredAt === undefined ? null : round((recoveredAt - (liftedAt ?? started)) / 1000),
    seconds: round((Date.now() - started) / 1000),
    processStarts: fleet.starts,
    intentsSeen: monitor.intents.size,
    unexpectedExits: fleet.unexpectedExits().map((e) => `${e.label} exited with ${e.code ?? e.signal}`),
    nodeVersions: [...new Set(fleet.all().flatMap((p) => p.nodeVersion() ?? []))],
    kafkaClients: [...new Set(fleet.all().flatMap((p) => p.kafkaClient() ?? []))],
    failures,
    notes,
  };
}

/**
 * Idle means: no commit and no new object for longer than replacing a member can take. On the mock broker
 * a restarted member joins once the dead one's session expired and the rebalance delay (session timeout
 * minus 1 s) passed; completing an intent then joins a throw-away group (3 s initial delay) to re-read.
 */
export function idleBudgetMs(timing: MatrixTiming): number {
  return 3 * timing.sessionTimeoutMs + 4 * timing.intervalSeconds * 1000 + 10_000;
}

function exporterEnvironment(
  services: MatrixServices,
  proxy: FaultProxy,
  names: ScenarioNames,
  id: string,
  credentials: AwsCredentials | 'gcs',
  kafkaClient: KafkaClient,
): Record<string, string> {
  return {
    BATCH_EXPORTER_NAME: `faults-${id}`,
    BATCH_EXPORTER_STREAM_NAME: `faults${id}`,
    BATCH_EXPORTER_TOPIC: names.topic,
    BATCH_EXPORTER_KAFKA_BROKERS: services.kafka.bootstrap,
    BATCH_EXPORTER_KAFKA_CLIENT_ID: `faults-${id}`,
    BATCH_EXPORTER_KAFKA_GROUP_ID: names.groupId,
    BATCH_EXPORTER_SINK_BUCKET: services.bucket,
    BATCH_EXPORTER_SINK_ENDPOINT: proxy.endpoint,
    // A GCS sink: a service account key file instead of the access key, and no region (GCS takes none).
    ...(credentials === 'gcs'
      ? { BATCH_EXPORTER_SINK_CREDENTIALS: JSON.stringify(serviceAccountKeyFile()) }
      : {
          BATCH_EXPORTER_SINK_REGION: services.aws.region,
          BATCH_EXPORTER_SINK_CREDENTIALS: JSON.stringify({
            AccessKey: {
              UserName: `faults-${id}`,
              AccessKeyId: credentials.accessKeyId,
              Status: 'Active',
              SecretAccessKey: credentials.secretAccessKey,
              CreateDate: new Date().toISOString(),
            },
          }),
        }),
    BATCH_EXPORTER_PATH_PREFIX: names.prefix,
    BATCH_EXPORTER_INTERVAL_SECONDS: String(services.timing.intervalSeconds),
    BATCH_EXPORTER_INCLUDE_EXISTING_EVENTS: 'true',
    // FAULTS_LOG_LEVEL=debug when investigating a failure (logs: the directory the table names).
    BATCH_EXPORTER_LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? 'info',
    BATCH_EXPORTER_KAFKA_CLIENT: kafkaClient,
    ...services.timing.environment,
  };
}

function round(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}
