/**
 * A real peer for the bench: Apache Kafka Connect 4.4 (standalone worker, one sink task) with Apache Camel's
 * S3 component (camel-kafka-connector 0.11.0, camel-aws2-s3 3.11.1; bench/peer/kafka-connect/pom.xml)
 * consuming a topic into a bucket as JSONL: record values as strings, joined with newlines by Camel's
 * StringAggregator, `aggregationSize` records (or what `aggregationTimeoutMs` collected) per object.
 *
 * Timed like the exporter: from the sink task's partition assignment (its log line) until the group's
 * committed offsets reach every partition's high watermark and the bucket holds every record; also from
 * process start. CPU seconds (user + system) and peak RSS of the JVM from /proc.
 *
 * Its delivery guarantee is weaker than the exporter's: the worker commits the offsets of records handed to
 * the task, and Camel's aggregator may still hold them (a crash then loses them); stored objects have no
 * trailing newline. Camel 3's S3 component cannot use path-style requests, so the S3 server must serve
 * virtual-hosted-style ones for `<bucket>.localhost:<port>` and be the JVM's HTTP proxy (local/s3's
 * `startGofakes3({ virtualHosts: true })`).
 *
 *   node dist/bench/peer-kafka-connect.js [--partitions N] [--events-per-partition N] [--aggregation-size N]
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { javaBinary, kafkaVersion, mavenJars } from '../local/kafka/distribution';
import { startKafka } from '../local/kafka/apache-kafka';
import { own, stopProcess } from '../local/process';
import { projectRoot } from '../local/project-root';
import { startGofakes3 } from '../local/s3/gofakes3';
import { GroupProgress } from './offsets';
import { preloadTopic } from './preload';
import { cpuSeconds, peakRssMb, perGigabyte } from './proc-status';
import { readStoredObjects, StoredObjects } from './stored-objects';

export interface KafkaConnectPeerSpec {
  readonly brokers: readonly string[];
  readonly topic: string;
  /** What the topic holds (from the preload): the denominators of the rates. */
  readonly events: number;
  readonly valueBytes: number;
  readonly s3: {
    /** A virtual-hosted-style endpoint, `http://localhost:<port>`, whose server is also the HTTP proxy. */
    readonly virtualHostEndpoint: string;
    /** A path-style endpoint of the same server, to read the bucket back. */
    readonly endpoint: string;
    readonly bucket: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  /**
   * Key prefix of the peer's objects: a run counts only what is under it, so it must be new for each run.
   * @default - `kafka-connect/<connector name>`
   */
  readonly prefix?: string;
  /** Records per object (camel.aggregation.size). @default 1000 */
  readonly aggregationSize?: number;
  /** An object is written after this long even if smaller (camel.aggregation.timeout). @default 1000 */
  readonly aggregationTimeoutMs?: number;
  /** Where the worker's configuration and log go. @default - a fresh temporary folder */
  readonly workDir?: string;
  /** Give up after this long. @default 600000 */
  readonly timeoutMs?: number;
}

export interface KafkaConnectPeerMeasurement {
  readonly tool: 'kafka-connect';
  readonly version: string;
  readonly events: number;
  readonly valueBytes: number;
  /** From the sink task's assignment until every record was committed and stored. */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly mbPerSecond: number;
  /** From process start (JVM start, connector start and group join included). */
  readonly secondsFromStart: number;
  readonly cpuSeconds: number;
  readonly cpuSecondsPerGb: number;
  readonly peakRssMb: number;
  readonly stored: StoredObjects;
}

// Camel's StringAggregator appends by copying the whole aggregate (quadratic in records per object): 1000
// records (~465 KB) ran faster than 5000 (1,742 vs 3,180 events/s, 40,000 events, same machine).
const DEFAULT_AGGREGATION_SIZE = 1000;
const ASSIGNED = 'Adding newly assigned partitions';

function peerDir(): string {
  return path.join(projectRoot(), 'bench', 'peer', 'kafka-connect');
}

/** The worker's class path: the jars of bench/peer/kafka-connect/pom.xml, fetched once into .cache/. */
export function kafkaConnectClassPath(): { readonly version: string; readonly classPath: string } {
  const pomPath = path.join(peerDir(), 'pom.xml');
  const pom = fs.readFileSync(pomPath, 'utf8');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1].trim();
  if (version !== kafkaVersion()) {
    throw new Error(
      `bench/peer/kafka-connect/pom.xml names Kafka ${version ?? '(none)'} but local/kafka/pom.xml ${kafkaVersion()}: ` +
        'set the same <kafka.version> in both.',
    );
  }
  const hash = createHash('sha256').update(pom).digest('hex').slice(0, 12);
  const jars = mavenJars(pomPath, path.join(projectRoot(), '.cache', `kafka-connect-${version}-${hash}`), {
    what: 'the Kafka Connect peer of the bench',
  });
  return { version, classPath: jars.join(path.delimiter) };
}

/** `key=value` lines; values are written as they are (the properties format's escapes are not needed here). */
function properties(entries: Record<string, string | number>): string {
  return `${Object.entries(entries)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

function connectorUri(spec: KafkaConnectPeerSpec, prefix: string): string {
  const endpoint = new URL(spec.s3.virtualHostEndpoint);
  if (endpoint.hostname !== 'localhost') {
    throw new Error(
      `virtualHostEndpoint ${spec.s3.virtualHostEndpoint} is not http://localhost:<port>: start the S3 server ` +
        'with startGofakes3({ virtualHosts: true }) and pass its virtualHostEndpoint.',
    );
  }
  const query = [
    'region=us-east-1',
    `accessKey=RAW(${spec.s3.credentials.accessKeyId})`,
    `secretKey=RAW(${spec.s3.credentials.secretAccessKey})`,
    'overrideEndpoint=true',
    `uriEndpointOverride=${endpoint.origin}`,
    // The server answers for <bucket>.localhost:<port> only when reached as the proxy.
    'proxyProtocol=HTTP',
    'proxyHost=127.0.0.1',
    `proxyPort=${endpoint.port}`,
    `keyName=${prefix}/\${date:now:yyyyMMdd-HHmmssSSS}-\${exchangeId}.jsonl`,
  ];
  return `aws2-s3://${spec.s3.bucket}?${query.join('&')}`;
}

/** Runs the peer on the topic until everything is committed and stored; throws if it stored less. */
export async function runKafkaConnectPeer(spec: KafkaConnectPeerSpec): Promise<KafkaConnectPeerMeasurement> {
  // A new connector, so a new consumer group (Kafka Connect names it `connect-<connector name>`) for each run:
  // a group that already committed the topic's end would make the run look done at once.
  const connectorName = `bench-peer-s3-${randomUUID().slice(0, 8)}`;
  const groupId = `connect-${connectorName}`;
  const prefix = spec.prefix ?? `kafka-connect/${connectorName}`;
  const { version, classPath } = kafkaConnectClassPath();
  const workDir = spec.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'peer-kafka-connect-'));
  fs.mkdirSync(workDir, { recursive: true });
  const worker = path.join(workDir, 'worker.properties');
  const connector = path.join(workDir, 'connector.properties');
  fs.writeFileSync(
    worker,
    properties({
      'bootstrap.servers': spec.brokers.join(','),
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'offset.storage.file.filename': path.join(workDir, 'standalone.offsets'),
      'offset.flush.interval.ms': 1000,
      'consumer.auto.offset.reset': 'earliest',
      'plugin.discovery': 'only_scan',
      listeners: 'http://127.0.0.1:0',
    }),
  );
  fs.writeFileSync(
    connector,
    properties({
      name: connectorName,
      'connector.class': 'org.apache.camel.kafkaconnector.CamelSinkConnector',
      'tasks.max': 1,
      topics: spec.topic,
      'camel.sink.url': connectorUri(spec, prefix),
      'camel.beans.aggregate': '#class:org.apache.camel.kafkaconnector.aggregator.StringAggregator',
      'camel.aggregation.size': spec.aggregationSize ?? DEFAULT_AGGREGATION_SIZE,
      'camel.aggregation.timeout': spec.aggregationTimeoutMs ?? 1000,
    }),
  );
  const progress = await GroupProgress.open(spec.brokers, spec.topic);
  const s3 = new S3Client({
    endpoint: spec.s3.endpoint,
    region: 'us-east-1',
    credentials: spec.s3.credentials,
    forcePathStyle: true,
  });
  const logFile = path.join(workDir, 'connect.log');
  const log = fs.createWriteStream(logFile);
  const started = performance.now();
  let assignedAt: number | undefined;
  // The Connect scripts' heap (connect-standalone.sh: -Xms256M -Xmx2G).
  const child: ChildProcess = own(
    spawn(
      javaBinary(),
      [
        '-Xms256m',
        '-Xmx2g',
        `-Dlog4j2.configurationFile=${path.join(peerDir(), 'log4j2.properties')}`,
        '-cp',
        classPath,
        'org.apache.kafka.connect.cli.ConnectStandalone',
        worker,
        connector,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    ),
  );
  child.stderr!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    if (assignedAt === undefined && chunk.toString().includes(ASSIGNED)) assignedAt = performance.now();
  });
  const failure = (what: string) => {
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-3000) : '';
    return new Error(`Kafka Connect (pid ${child.pid}) ${what}; last log lines (${logFile}):\n${tail}`);
  };
  try {
    const deadline = Date.now() + (spec.timeoutMs ?? 600_000);
    const wantBytes = (objects: number) => spec.valueBytes + spec.events - objects;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw failure('exited before it was done');
      if (Date.now() > deadline) throw failure(`was not done within ${spec.timeoutMs ?? 600_000} ms`);
      // Objects are values joined by newlines: all stored when the sizes add up to that.
      if (assignedAt !== undefined && (await committedAll(progress, groupId))) {
        const listed = await listedBytes(s3, spec.s3.bucket, prefix);
        if (listed.bytes >= wantBytes(listed.objects)) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const finished = performance.now();
    const cpu = cpuSeconds(child.pid!) ?? Number.NaN;
    const rss = peakRssMb(child.pid!) ?? Number.NaN;
    if (assignedAt === undefined) throw failure(`never logged '${ASSIGNED}'`);
    const stored = await readStoredObjects(s3, spec.s3.bucket, prefix);
    if (stored.distinctEvents < spec.events) {
      throw failure(`stored ${stored.distinctEvents} of ${spec.events} distinct events`);
    }
    const seconds = (finished - assignedAt) / 1000;
    return {
      tool: 'kafka-connect',
      version,
      events: spec.events,
      valueBytes: spec.valueBytes,
      seconds: Math.round(seconds * 1000) / 1000,
      eventsPerSecond: Math.round(spec.events / seconds),
      mbPerSecond: Math.round((spec.valueBytes / 1e6 / seconds) * 10) / 10,
      secondsFromStart: Math.round(finished - started) / 1000,
      cpuSeconds: cpu,
      cpuSecondsPerGb: perGigabyte(cpu, spec.valueBytes),
      peakRssMb: Math.round(rss),
      stored,
    };
  } finally {
    await stopProcess(child, 10_000);
    log.end();
    s3.destroy();
    await progress.close();
  }
}

/** Whether the group committed every partition's end; false on a retriable error (e.g. the coordinator moved). */
async function committedAll(progress: GroupProgress, groupId: string): Promise<boolean> {
  try {
    return (await progress.partitionsDone(groupId)).done === progress.partitions;
  } catch (error) {
    if ((error as { retriable?: boolean }).retriable) return false;
    throw error;
  }
}

async function listedBytes(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ readonly objects: number; readonly bytes: number }> {
  let objects = 0;
  let bytes = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) {
      objects++;
      bytes += item.Size ?? 0;
    }
    token = page.NextContinuationToken;
  } while (token);
  return { objects, bytes };
}

function numberOption(argv: readonly string[], name: string, fallback: number): number {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(
      `${name} '${argv[at + 1]}' is not a positive whole number: pass e.g. ${name} ${fallback}`,
    );
  }
  return value;
}

const OPTIONS = ['--partitions', '--events-per-partition', '--aggregation-size'];

/** Standalone: a local broker, a preloaded topic and the fast S3 server, then one peer run. */
async function main(argv: readonly string[]): Promise<void> {
  for (const argument of argv) {
    if (argument.startsWith('--') && !OPTIONS.includes(argument)) {
      throw new Error(`unknown option '${argument}': use ${OPTIONS.map((o) => `${o} N`).join(', ')}`);
    }
  }
  const plan = {
    name: 'peer-kafka-connect',
    partitions: numberOption(argv, '--partitions', 8),
    eventsPerPartition: numberOption(argv, '--events-per-partition', 5000),
  };
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-kafka-connect-'));
  const [kafka, s3] = await Promise.all([
    startKafka({ topics: [{ name: plan.name, partitions: plan.partitions }] }),
    startGofakes3({ virtualHosts: true }),
  ]);
  try {
    await s3.createBucket('bench-peer');
    const topic = await preloadTopic(kafka.bootstrap, plan, workDir, 'peer');
    const measurement = await runKafkaConnectPeer({
      brokers: kafka.brokers,
      topic: plan.name,
      events: topic.events,
      valueBytes: topic.valueBytes,
      s3: {
        virtualHostEndpoint: s3.virtualHostEndpoint!,
        endpoint: s3.endpoint,
        bucket: 'bench-peer',
        credentials: s3.credentials,
      },
      aggregationSize: numberOption(argv, '--aggregation-size', DEFAULT_AGGREGATION_SIZE),
      workDir,
    });
    process.stdout.write(`${JSON.stringify(measurement, null, 2)}\n`);
  } finally {
    await Promise.allSettled([kafka.stop(), s3.stop()]);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`peer-kafka-connect: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
