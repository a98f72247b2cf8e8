/**
 * The bench's S3 side: the server the exporters store into, behind one seam so another S3-compatible
 * server can replace moto (`--s3 NAME`). A side starts, creates the bench's bucket, and hands back its
 * endpoint, an admin client (to read the bucket back) and the writer credentials the exporters get.
 * A side that records its stored PUTs itself hands back `recorder` (the exporters then talk to the server
 * directly); for any other the bench puts its pass-through PUT recorder (bench/put-recorder.ts) in front.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AwsCredentials, startMoto } from '../local';
import { startGofakes3 } from '../local/s3/gofakes3';
import type { PutRecorder } from './put-recorder';

export interface S3Side {
  /** The name `--s3` selects, recorded in results.json. */
  readonly name: string;
  /** What the server is, for results.json and the table (e.g. `moto_server 5.1.x (Python)`). */
  readonly description: string;
  readonly endpoint: string;
  /** A client allowed to list and read the bucket. */
  readonly s3: S3Client;
  /** The exporters' credentials: allowed to put objects into the bucket. */
  readonly writer: AwsCredentials;
  /**
   * `http://localhost:<port>`, served virtual-hosted-style to a client that uses the server as its HTTP
   * proxy: what the Kafka Connect peer (Camel 3's S3 component) needs. Absent when the server cannot.
   */
  readonly virtualHostEndpoint?: string;
  /**
   * The server's own record of the PUTs it answered 200, with `endpoint` as the exporters' endpoint. Absent:
   * the bench puts its pass-through recorder (bench/put-recorder.ts) in the data path instead.
   */
  readonly recorder?: PutRecorder;
  /** The server's process id, for its CPU time from /proc (absent when the side cannot tell). */
  readonly pid?: number;
  stop(): Promise<void>;
}

export type S3SideFactory = (bucket: string) => Promise<S3Side>;

/** moto_server with an IAM writer user holding only what the exporter needs (GetBucketLocation, PutObject). */
async function startMotoSide(bucket: string): Promise<S3Side> {
  const aws = await startMoto({ enforceIam: false });
  try {
    const s3 = aws.s3();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const writer = await aws.createUserWithPolicy('bench-writer', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: `arn:aws:s3:::${bucket}` },
        { Effect: 'Allow', Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*.jsonl` },
      ],
    });
    return {
      name: 'moto',
      description: 'moto_server (Python, local/aws/moto.ts)',
      endpoint: aws.endpoint,
      s3,
      writer,
      pid: aws.pid,
      stop: () => aws.stop(),
    };
  } catch (error) {
    await aws.stop();
    throw error;
  }
}

/**
 * The project's fast S3-compatible server (gofakes3's in-memory backend, local/s3/gofakes3.ts): any
 * credentials, `If-None-Match: *` honoured, so the exporter's conditional puts behave as on S3. It holds
 * every object in memory: a full run stores a few GB. It also serves virtual-hosted-style requests, for
 * the Kafka Connect peer.
 */
async function startGofakes3Side(bucket: string): Promise<S3Side> {
  const server = await startGofakes3({ virtualHosts: true, recordPuts: true });
  try {
    await server.createBucket(bucket);
    return {
      name: 'gofakes3',
      description: 'gofakes3 in-memory (Go, local/s3/gofakes3.ts)',
      endpoint: server.endpoint,
      s3: server.s3(),
      // The server accepts any key; the exporter's configuration wants one shaped like AWS's. Made per run,
      // so no key-shaped literal sits in the repository.
      writer: {
        accessKeyId: `BENCH${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(20).toString('base64url'),
      },
      virtualHostEndpoint: server.virtualHostEndpoint,
      // The server logs each PUT it answered 200: no pass-through in the exporters' data path.
      recorder: {
        endpoint: server.endpoint,
        putsUnder: (prefix) =>
          server.puts().filter((put) => put.bucket === bucket && put.key.startsWith(prefix)),
        stop: async () => undefined,
      },
      pid: server.pid,
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * Every S3 side the bench knows, by `--s3` name. A new server is one entry here.
 */
export const S3_SIDES: Readonly<Record<string, S3SideFactory>> = {
  moto: startMotoSide,
  gofakes3: startGofakes3Side,
};

/**
 * Throughput runs store into the faster server: moto (Python) is CPU-heavy on the same two cores and slow at
 * small objects (bench/s3-ceiling.ts measures both in every run). `--s3 moto` stays for comparison.
 */
export const DEFAULT_S3_SIDE = 'gofakes3';

export function s3SideFactory(name: string): S3SideFactory {
  const factory = S3_SIDES[name];
  if (!factory) {
    throw new Error(
      `--s3 ${name} is not an S3 side the bench knows: use one of ${Object.keys(S3_SIDES).join(', ')}`,
    );
  }
  return factory;
}

/** The exporter's BATCH_EXPORTER_SINK_CREDENTIALS: `aws iam create-access-key` JSON of the writer. */
export function credentialsJson(side: S3Side): string {
  return JSON.stringify({
    AccessKey: {
      UserName: 'bench-writer',
      AccessKeyId: side.writer.accessKeyId,
      Status: 'Active',
      SecretAccessKey: side.writer.secretAccessKey,
      CreateDate: new Date().toISOString(),
    },
  });
}
