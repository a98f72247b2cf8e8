/**
 * A fast S3-compatible server for throughput runs: the project's Go main over gofakes3's in-memory backend
 * (local/s3/gofakes3, built with `go build` into .cache/ by local/s3/install.js), over plain HTTP on a free
 * port on 127.0.0.1. Path-style, any credentials (signatures are not checked), `If-None-Match: *` answered
 * with 412 when the key exists (checked and stored under one lock), the SDK's aws-chunked uploads decoded
 * and their trailing checksum verified. moto (local/aws/moto.ts) stays the server of the IAM tests.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { AwsCredentials } from '../aws/moto';
import { awaitServer, freePort, own, stopProcess } from '../process';
import { projectRoot } from '../project-root';

interface Installer {
  install(): string;
}

function installer(): Installer {
  // Plain JS shared with scripts/check-prerequisites.js, which runs before the build.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(projectRoot(), 'local', 's3', 'install.js')) as Installer;
}

/** A PutObject the server answered 200 (with `recordPuts`). */
export interface RecordedPut {
  readonly bucket: string;
  /** Object key, decoded. */
  readonly key: string;
  /** Epoch ms when the server flushed its answer. */
  readonly storedAt: number;
}

export interface LocalS3 {
  /** e.g. `http://127.0.0.1:40123`: the sink endpoint (path-style). */
  readonly endpoint: string;
  readonly region: string;
  /** Any key is accepted; these are the ones to hand out. */
  readonly credentials: AwsCredentials;
  /** `http://localhost:<port>`, served virtual-hosted-style when started with `virtualHosts`. */
  readonly virtualHostEndpoint?: string;
  /** The server's process id, e.g. to read its CPU time from /proc. */
  readonly pid: number;
  /** An SDK client for this server (path-style, these credentials). */
  s3(): S3Client;
  createBucket(name: string): Promise<void>;
  /** The path-style PUTs answered 200 so far, in answer order (empty unless started with `recordPuts`). */
  puts(): readonly RecordedPut[];
  stop(): Promise<void>;
}

export interface Gofakes3Options {
  /**
   * Also serve virtual-hosted-style requests for `<bucket>.localhost:<port>`, for clients that cannot use
   * path-style (e.g. Camel 3's S3 component): they reach it with the server as their HTTP proxy and
   * `http://localhost:<port>` as the endpoint (`virtualHostEndpoint`).
   * @default false
   */
  readonly virtualHosts?: boolean;
  /**
   * Record every path-style PutObject answered 200 (`puts()`), from the server's own log (`-put-log -`):
   * a stopwatch for stored objects with nothing between the client and the server.
   * @default false
   */
  readonly recordPuts?: boolean;
}

const REGION = 'us-east-1';
const CREDENTIALS: AwsCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Starts the server, building it first if needed. */
export async function startGofakes3(options: Gofakes3Options = {}): Promise<LocalS3> {
  const binary = installer().install();
  const port = await freePort();
  const args = [
    '-host',
    '127.0.0.1',
    '-port',
    String(port),
    ...(options.virtualHosts ? ['-virtual-hosts'] : []),
    ...(options.recordPuts ? ['-put-log', '-'] : []),
  ];
  const child = own(
    spawn(binary, args, { stdio: ['ignore', options.recordPuts ? 'pipe' : 'ignore', 'pipe'] }),
  );
  const puts: RecordedPut[] = [];
  if (child.stdout) {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const put = recordedPut(line);
      if (put) puts.push(put);
    });
  }
  await awaitServer(child, port, 's3-server (local/s3/gofakes3)');
  const endpoint = `http://127.0.0.1:${port}`;
  const s3 = () => new S3Client({ endpoint, region: REGION, credentials: CREDENTIALS, forcePathStyle: true });
  return {
    endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    ...(options.virtualHosts ? { virtualHostEndpoint: `http://localhost:${port}` } : {}),
    pid: child.pid!,
    s3,
    createBucket: async (name) => {
      const client = s3();
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } finally {
        client.destroy();
      }
    },
    puts: () => puts,
    stop: () => stopProcess(child),
  };
}

/** `{"path":"/bucket/key","host":...,"storedAt":ms}` -> a put; virtual-hosted or bucket-level PUTs are skipped. */
function recordedPut(line: string): RecordedPut | undefined {
  let entry: { path?: unknown; storedAt?: unknown };
  try {
    entry = JSON.parse(line) as { path?: unknown; storedAt?: unknown };
  } catch {
    return undefined;
  }
  if (typeof entry.path !== 'string' || typeof entry.storedAt !== 'number') return undefined;
  const slash = entry.path.indexOf('/', 1);
  if (!entry.path.startsWith('/') || slash < 0) return undefined;
  return { bucket: entry.path.slice(1, slash), key: entry.path.slice(slash + 1), storedAt: entry.storedAt };
}
