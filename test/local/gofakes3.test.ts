import http from 'node:http';
import { Readable } from 'node:stream';
import fs from 'node:fs';
import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LocalS3, startGofakes3 } from '../../local/s3/gofakes3';
import { ObjectNamer } from '../../runtime/exporter/object-namer';
import { S3ObjectStore, S3StoreOptions } from '../../runtime/storage/s3-store';
import { writeValidationObject } from '../../runtime/storage/validation';
import { memoryLogger } from '../runtime/support/exporter-harness';

/**
 * The fast local S3 server (local/s3) is only worth using if it keeps the protocol the exactly-once design
 * relies on: these tests drive it through the runtime's own S3 store, on its real request path.
 */
describe('gofakes3 S3 server (local/s3)', () => {
  let s3: LocalS3;
  let client: S3Client;
  const bucket = 'fast-local';

  beforeAll(async () => {
    s3 = await startGofakes3({ virtualHosts: true, recordPuts: true });
    await s3.createBucket(bucket);
    client = s3.s3();
  }, 300_000);
  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });

  function store(region?: string): Promise<S3ObjectStore> {
    const options: S3StoreOptions = {
      sink: { bucket, endpoint: s3.endpoint, region, credentials: { kind: 'static', ...s3.credentials } },
      pathPrefix: 'events',
      logger: memoryLogger().logger,
      backoff: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 },
    };
    return S3ObjectStore.create(options);
  }

  async function read(key: string): Promise<string> {
    const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return answer.Body!.transformToString();
  }

  test("answers the runtime's GetBucketLocation (us-east-1)", async () => {
    expect((await store()).region).toBe('us-east-1');
  });

  test("refuses a second put of an exporter key (with ':' in it) with 412, keeping the first body", async () => {
    const key = new ObjectNamer('clicks', 'events').dataKey({
      intervalStart: Date.UTC(2026, 11, 2, 1, 0, 0),
      partitions: [0, 3],
      part: 0,
    });
    expect(key).toContain(':');
    const runtime = await store('us-east-1');
    await expect(
      runtime.putIfAbsent(key, [Buffer.from('{"a":1}\n'), Buffer.from('{"b":2}\n')]),
    ).resolves.toBe('created');
    await expect(runtime.putIfAbsent(key, Buffer.from('{"c":3}\n'))).resolves.toBe('already-present');
    expect(await read(key)).toBe('{"a":1}\n{"b":2}\n');
  });

  test('lets exactly one of many concurrent puts of the same key create it', async () => {
    const runtime = await store('us-east-1');
    const bodies = Array.from({ length: 12 }, (_, i) => Buffer.from(`{"writer":${i}}\n`.repeat(2000)));
    const outcomes = await Promise.all(bodies.map((body) => runtime.putIfAbsent('events/raced.jsonl', body)));
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'already-present')).toHaveLength(11);
    expect(await read('events/raced.jsonl')).toBe(bodies[outcomes.indexOf('created')].toString());
  });

  test('stores the empty validation object', async () => {
    const key = await writeValidationObject(await store('us-east-1'), 'events');
    expect(await read(key)).toBe('');
  });

  test("stores the SDK's default streamed upload (aws-chunked, CRC32 trailer) byte for byte", async () => {
    const body = Buffer.from('{"n":1}\n'.repeat(50_000));
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'events/streamed.jsonl',
        Body: Readable.from([body.subarray(0, 100_001), body.subarray(100_001)]),
        ContentLength: body.length,
      }),
    );
    const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'events/streamed.jsonl' }));
    expect(answer.ContentEncoding).toBeUndefined();
    expect(Buffer.from(await answer.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  test('serves <bucket>.localhost:<port> virtual-hosted-style to a client that uses it as its HTTP proxy', async () => {
    const { port } = new URL(s3.endpoint);
    expect(s3.virtualHostEndpoint).toBe(`http://localhost:${port}`);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'PUT',
          // The proxy form: the absolute URI of the virtual host.
          path: `http://${bucket}.localhost:${port}/events/virtual.jsonl`,
          headers: { host: `${bucket}.localhost:${port}`, 'content-length': 8 },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode);
        },
      );
      request.on('error', reject);
      request.end('{"v":1}\n');
    });
    expect(status).toBe(200);
    expect(await read('events/virtual.jsonl')).toBe('{"v":1}\n');
  });

  test('refuses an aws-chunked upload whose trailing checksum does not match, storing nothing', async () => {
    const answer = await fetch(`${s3.endpoint}/${bucket}/events/corrupt.jsonl`, {
      method: 'PUT',
      headers: {
        'content-encoding': 'aws-chunked',
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'x-amz-decoded-content-length': '8',
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      body: '8\r\n{"a":1}\n\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n',
    });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    await expect(read('events/corrupt.jsonl')).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  test('logs each put it answered 200, with the time of the answer, and not a refused one', async () => {
    const runtime = await store('us-east-1');
    const before = Date.now();
    await expect(runtime.putIfAbsent('events/logged.jsonl', Buffer.from('{"a":1}\n'))).resolves.toBe(
      'created',
    );
    const after = Date.now();
    await expect(runtime.putIfAbsent('events/logged.jsonl', Buffer.from('{"b":2}\n'))).resolves.toBe(
      'already-present',
    );
    // The log line follows the answer on the server's stdout: give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const logged = s3.puts().filter((put) => put.key === 'events/logged.jsonl');
    expect(logged).toEqual([{ bucket, key: 'events/logged.jsonl', storedAt: expect.any(Number) }]);
    expect(logged[0].storedAt).toBeGreaterThanOrEqual(before);
    expect(logged[0].storedAt).toBeLessThanOrEqual(after);
  });

  test("gives a deleted object's memory back to the OS", async () => {
    const rssMib = () =>
      Number(/^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${s3.pid}/status`, 'utf8'))![1]) / 1024;
    const keys = ['events/big-0.jsonl', 'events/big-1.jsonl'];
    for (const Key of keys) {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key, Body: Buffer.alloc(32 * 1024 * 1024, 'x') }),
      );
    }
    const stored = rssMib();
    await client.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
    );
    expect(stored - rssMib()).toBeGreaterThan(48);
  });
});
