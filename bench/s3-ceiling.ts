/**
 * The S3 side's own ceiling: how many PutObjects per second and MB/s a local S3 server takes when nothing
 * else runs, through the runtime's own S3 store (`S3ObjectStore.putIfAbsent`: `If-None-Match: *`, the body
 * as the exporter hands it over, in 256 KiB chunks of clickstream JSONL), at a few object sizes and
 * concurrencies. Measured against moto_server (the tests' S3) and the fast local server (local/s3,
 * gofakes3), so a bench number can be read as "the exporter's" or "the sink's". Per cell: puts/s, MB/s and
 * the CPU seconds per GB of the server process (user + system from /proc) and of this client process.
 *
 *   node dist/bench/s3-ceiling.js [--quick] [--server moto|gofakes3 ...] [--json FILE]
 */
import fs from 'node:fs';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import pino from 'pino';
import { clickstreamEvent } from '../local/clickstream';
import { startMoto } from '../local/aws/moto';
import { startGofakes3 } from '../local/s3/gofakes3';
import { createLogger } from '../runtime/observability/logger';
import { S3ObjectStore } from '../runtime/storage/s3-store';
import { cpuSeconds, perGigabyte } from './proc-status';

/** The S3 servers this bench can start. */
export const S3_SERVERS = ['moto', 'gofakes3'] as const;
export type S3ServerName = (typeof S3_SERVERS)[number];

/** A running S3 endpoint to measure, with the process whose CPU counts as the server's. */
export interface S3Target {
  readonly server: string;
  readonly endpoint: string;
  readonly pid: number;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** An existing bucket the cells write into and empty again. */
  readonly bucket: string;
}

export interface S3CeilingPlan {
  /** Object sizes in bytes. */
  readonly objectBytes: readonly number[];
  readonly concurrencies: readonly number[];
  /** Each cell puts about this many bytes, within `maxPuts` objects and at least two per concurrent writer. */
  readonly bytesPerCell: number;
  readonly maxPuts: number;
}

const KIB = 1024;
const MIB = 1024 * KIB;

export const S3_CEILING_PLANS: Record<'full' | 'quick', S3CeilingPlan> = {
  // 64 KiB: a short interval or many consumers; 16 MiB: a busy 1 s interval of the bench's exporter;
  // 64 MiB: maxObjectBytes, the runtime's default, where a backlog is drained.
  full: {
    objectBytes: [64 * KIB, MIB, 16 * MIB, 64 * MIB],
    concurrencies: [1, 4, 16],
    bytesPerCell: 512 * MIB,
    maxPuts: 1000,
  },
  quick: {
    objectBytes: [64 * KIB, MIB, 16 * MIB],
    concurrencies: [1, 8],
    bytesPerCell: 64 * MIB,
    maxPuts: 200,
  },
};

/** How many objects one cell puts. */
export function putsPerCell(plan: S3CeilingPlan, objectBytes: number, concurrency: number): number {
  return Math.max(2 * concurrency, Math.min(plan.maxPuts, Math.ceil(plan.bytesPerCell / objectBytes)));
}

export interface S3CeilingCell {
  readonly server: string;
  readonly objectBytes: number;
  readonly concurrency: number;
  readonly puts: number;
  readonly seconds: number;
  readonly putsPerSecond: number;
  readonly mbPerSecond: number;
  /** CPU seconds (user + system) of the server process per GB (10^9 bytes) stored. */
  readonly serverCpuSecondsPerGb: number;
  /** The same for this process (the SDK and the runtime's store): a client-bound cell shows here. */
  readonly clientCpuSecondsPerGb: number;
}

const CHUNK_BYTES = 256 * KIB;

/** `objectBytes` of clickstream JSONL (whole lines, the last one cut to fit) as 256 KiB chunks. */
export function jsonlBody(objectBytes: number): Buffer[] {
  const lines: Buffer[] = [];
  let size = 0;
  for (let sequence = 0; size < Math.min(objectBytes, CHUNK_BYTES * 4); sequence++) {
    const line = Buffer.from(`${JSON.stringify(clickstreamEvent(sequence, 's3-ceiling'))}\n`);
    lines.push(line);
    size += line.length;
  }
  const pattern = Buffer.concat(lines);
  const whole = Buffer.alloc(objectBytes);
  for (let at = 0; at < objectBytes; at += pattern.length) pattern.copy(whole, at);
  const chunks: Buffer[] = [];
  for (let at = 0; at < objectBytes; at += CHUNK_BYTES) chunks.push(whole.subarray(at, at + CHUNK_BYTES));
  return chunks;
}

/** Measures every cell of the plan against one running server, emptying the bucket after each cell. */
export async function measureS3Ceiling(target: S3Target, plan: S3CeilingPlan): Promise<S3CeilingCell[]> {
  const store = await S3ObjectStore.create({
    sink: {
      bucket: target.bucket,
      endpoint: target.endpoint,
      region: 'us-east-1',
      credentials: { kind: 'static', ...target.credentials },
    },
    pathPrefix: 'ceiling',
    // A retry would distort the cell: it is logged on stderr.
    logger: createLogger({ level: 'warn', destination: pino.destination({ dest: 2, sync: true }) }),
  });
  const admin = new S3Client({
    endpoint: target.endpoint,
    region: 'us-east-1',
    credentials: target.credentials,
    forcePathStyle: true,
  });
  const cells: S3CeilingCell[] = [];
  try {
    for (const objectBytes of plan.objectBytes) {
      const body = jsonlBody(objectBytes);
      for (const concurrency of plan.concurrencies) {
        const puts = putsPerCell(plan, objectBytes, concurrency);
        cells.push(await measureCell(target, store, body, objectBytes, puts, concurrency));
        await emptyBucket(admin, target.bucket);
      }
    }
  } finally {
    admin.destroy();
  }
  return cells;
}

async function measureCell(
  target: S3Target,
  store: S3ObjectStore,
  body: readonly Buffer[],
  objectBytes: number,
  puts: number,
  concurrency: number,
): Promise<S3CeilingCell> {
  const cell = `${objectBytes}-c${concurrency}`;
  let next = 0;
  const worker = async () => {
    while (next < puts) {
      const key = `ceiling/${cell}-${next++}.jsonl`;
      const outcome = await store.putIfAbsent(key, body);
      if (outcome !== 'created')
        throw new Error(`${target.server}: PutObject of new key ${key} was ${outcome}`);
    }
  };
  const serverBefore = serverCpu(target);
  const clientBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const client = process.cpuUsage(clientBefore);
  const bytes = puts * objectBytes;
  return {
    server: target.server,
    objectBytes,
    concurrency,
    puts,
    seconds: round(seconds, 3),
    putsPerSecond: round(puts / seconds, 1),
    mbPerSecond: round(bytes / 1e6 / seconds, 1),
    serverCpuSecondsPerGb: perGigabyte(serverCpu(target) - serverBefore, bytes),
    clientCpuSecondsPerGb: perGigabyte((client.user + client.system) / 1e6, bytes),
  };
}

function serverCpu(target: S3Target): number {
  const seconds = cpuSeconds(target.pid);
  if (seconds === undefined) throw new Error(`${target.server} (pid ${target.pid}) is gone: see its stderr`);
  return seconds;
}

async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
    const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key! }));
    if (keys.length === 0) return;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
  }
}

/** Starts each named server in turn (never both at once), measures it, stops it. */
export async function runS3Ceiling(
  plan: S3CeilingPlan = S3_CEILING_PLANS.full,
  servers: readonly S3ServerName[] = S3_SERVERS,
): Promise<S3CeilingCell[]> {
  const bucket = 's3-ceiling';
  const cells: S3CeilingCell[] = [];
  for (const server of servers) {
    const running = server === 'moto' ? await startMotoTarget(bucket) : await startGofakes3Target(bucket);
    try {
      cells.push(...(await measureS3Ceiling(running.target, plan)));
    } finally {
      await running.stop();
    }
  }
  return cells;
}

interface RunningTarget {
  readonly target: S3Target;
  stop(): Promise<void>;
}

async function startMotoTarget(bucket: string): Promise<RunningTarget> {
  const aws = await startMoto();
  const client = aws.s3();
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return {
    target: {
      server: 'moto',
      endpoint: aws.endpoint,
      pid: aws.pid,
      credentials: aws.adminCredentials,
      bucket,
    },
    stop: () => aws.stop(),
  };
}

async function startGofakes3Target(bucket: string): Promise<RunningTarget> {
  const s3 = await startGofakes3();
  await s3.createBucket(bucket);
  return {
    target: { server: 'gofakes3', endpoint: s3.endpoint, pid: s3.pid, credentials: s3.credentials, bucket },
    stop: () => s3.stop(),
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** One line per cell, aligned. */
export function formatS3Ceiling(cells: readonly S3CeilingCell[]): string {
  const header = ['server', 'object', 'conc', 'puts', 'puts/s', 'MB/s', 'server CPU s/GB', 'client CPU s/GB'];
  const rows = cells.map((c) => [
    c.server,
    c.objectBytes >= MIB ? `${c.objectBytes / MIB} MiB` : `${c.objectBytes / KIB} KiB`,
    String(c.concurrency),
    String(c.puts),
    c.putsPerSecond.toFixed(1),
    c.mbPerSecond.toFixed(1),
    c.serverCpuSecondsPerGb.toFixed(2),
    c.clientCpuSecondsPerGb.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((v, i) => v.padStart(widths[i])).join('  ')).join('\n');
}

function parseArguments(argv: readonly string[]): {
  plan: S3CeilingPlan;
  servers: S3ServerName[];
  json?: string;
} {
  let plan = S3_CEILING_PLANS.full;
  const servers: S3ServerName[] = [];
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === '--quick') plan = S3_CEILING_PLANS.quick;
    else if (argument === '--server') {
      const name = argv[++i];
      if (!S3_SERVERS.includes(name as S3ServerName))
        throw new Error(
          `--server '${name}' is not a server this bench starts: use one of ${S3_SERVERS.join(', ')}`,
        );
      servers.push(name as S3ServerName);
    } else if (argument === '--json') {
      json = argv[++i];
      if (!json) throw new Error('--json needs a file name, e.g. --json bench/raw/s3-ceiling.json');
    } else
      throw new Error(`unknown argument '${argument}': use --quick, --server moto|gofakes3, --json FILE`);
  }
  return { plan, servers: servers.length > 0 ? servers : [...S3_SERVERS], json };
}

async function main(): Promise<void> {
  const { plan, servers, json } = parseArguments(process.argv.slice(2));
  const cells = await runS3Ceiling(plan, servers);
  process.stdout.write(`${formatS3Ceiling(cells)}\n`);
  if (json) fs.writeFileSync(json, `${JSON.stringify(cells, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`s3-ceiling: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
