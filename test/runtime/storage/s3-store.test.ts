import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { Registry } from 'prom-client';
import { FaultProxy, startFaultProxy } from '../../../local/aws/fault-proxy';
import { LocalAws, startMoto } from '../../../local';
import { ExporterMetrics } from '../../../runtime/observability/metrics';
import { StorePermanentError } from '../../../runtime/storage/object-store';
import {
  S3ObjectStore,
  S3StoreOptions,
  regionFromLocationConstraint,
} from '../../../runtime/storage/s3-store';
import { classifyS3Error } from '../../../runtime/storage/s3-errors';
import { writeValidationObject } from '../../../runtime/storage/validation';
import { memoryLogger } from '../support/exporter-harness';

const FAST_BACKOFF = { maxAttempts: 4, initialDelayMs: 10, maxDelayMs: 50 };

describe('S3ObjectStore', () => {
  let aws: LocalAws;
  let proxy: FaultProxy;

  beforeAll(async () => {
    aws = await startMoto();
    proxy = await startFaultProxy(aws.endpoint);
    await aws.s3().send(new CreateBucketCommand({ Bucket: 'store-east' }));
    await aws.s3().send(
      new CreateBucketCommand({
        Bucket: 'store-eu',
        CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' },
      }),
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await aws?.stop();
  });
  afterEach(() => proxy.clear());

  function options(bucket: string, extra: Partial<S3StoreOptions> = {}): S3StoreOptions {
    return {
      sink: { bucket, endpoint: proxy.endpoint, credentials: { kind: 'static', ...aws.adminCredentials } },
      pathPrefix: 'events',
      logger: memoryLogger().logger,
      backoff: FAST_BACKOFF,
      ...extra,
    };
  }

  async function read(bucket: string, key: string): Promise<string> {
    const answer = await aws.s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return answer.Body!.transformToString();
  }

  test('finds the bucket region with GetBucketLocation', async () => {
    expect((await S3ObjectStore.create(options('store-east'))).region).toBe('us-east-1');
    expect((await S3ObjectStore.create(options('store-eu'))).region).toBe('eu-central-1');
  });

  test('maps the empty location to us-east-1 and EU to eu-west-1', () => {
    expect(regionFromLocationConstraint('')).toBe('us-east-1');
    expect(regionFromLocationConstraint(undefined)).toBe('us-east-1');
    expect(regionFromLocationConstraint('EU')).toBe('eu-west-1');
    expect(regionFromLocationConstraint('ap-south-1')).toBe('ap-south-1');
  });

  test('skips the lookup when the region is configured', async () => {
    const before = proxy.stats().forwarded;
    const store = await S3ObjectStore.create(
      options('store-east', { sink: { ...options('store-east').sink, region: 'us-east-1' } }),
    );
    expect(store.region).toBe('us-east-1');
    expect(proxy.stats().forwarded).toBe(before);
  });

  test('creates an object once; a second put of the same key is already present (412)', async () => {
    const store = await S3ObjectStore.create(options('store-east'));
    await expect(store.putIfAbsent('events/a.jsonl', Buffer.from('{"a":1}\n'))).resolves.toBe('created');
    await expect(store.putIfAbsent('events/a.jsonl', Buffer.from('{"b":2}\n'))).resolves.toBe(
      'already-present',
    );
    expect(await read('store-east', 'events/a.jsonl')).toBe('{"a":1}\n');
  });

  test('retries 503 SlowDown and 500 bursts with backoff, counting the retries', async () => {
    const registry = new Registry();
    const metrics = new ExporterMetrics(registry, memoryLogger().logger);
    const store = await S3ObjectStore.create(options('store-east', { observer: metrics }));
    proxy.inject({ fault: { kind: 'status', status: 503 }, count: 2, method: 'PUT' });
    proxy.inject({ fault: { kind: 'status', status: 500 }, count: 1, method: 'PUT' });
    await expect(store.putIfAbsent('events/retried.jsonl', Buffer.from('{}\n'))).resolves.toBe('created');
    const retries = await registry.getSingleMetricAsString('batch_exporter_storage_retries_total');
    expect(retries).toMatch(/sink_type="s3",operation="PutObject",kind="retryable"} 3/);
  });

  test('retries a request that times out', async () => {
    const store = await S3ObjectStore.create(options('store-east', { requestTimeoutMs: 300 }));
    proxy.inject({ fault: { kind: 'hang' }, count: 1, method: 'PUT' });
    await expect(store.putIfAbsent('events/slow.jsonl', Buffer.from('{}\n'))).resolves.toBe('created');
    expect(await read('store-east', 'events/slow.jsonl')).toBe('{}\n');
  });

  test('stores a body given as chunks as one object, in order, also when an attempt failed midway', async () => {
    const store = await S3ObjectStore.create(options('store-east'));
    const chunks = [Buffer.from('{"a":1}\n'), Buffer.from('{"b":2}\n{"c":'), Buffer.from('3}\n')];
    proxy.inject({ fault: { kind: 'status', status: 500 }, count: 1, method: 'PUT' });
    await expect(store.putIfAbsent('events/chunks.jsonl', chunks)).resolves.toBe('created');
    expect(await read('store-east', 'events/chunks.jsonl')).toBe('{"a":1}\n{"b":2}\n{"c":3}\n');
    await expect(store.putIfAbsent('events/chunks.jsonl', [Buffer.from('{}\n')])).resolves.toBe(
      'already-present',
    );
  });

  test('treats the 412 after a lost response as stored', async () => {
    const store = await S3ObjectStore.create(options('store-east'));
    proxy.inject({ fault: { kind: 'lose-response' }, count: 1, method: 'PUT' });
    await expect(store.putIfAbsent('events/lost.jsonl', Buffer.from('{"x":1}\n'))).resolves.toBe(
      'already-present',
    );
    expect(await read('store-east', 'events/lost.jsonl')).toBe('{"x":1}\n');
  });

  test('fails with the attempts and the last error when S3 keeps failing', async () => {
    const store = await S3ObjectStore.create(options('store-east'));
    proxy.inject({ fault: { kind: 'status', status: 503 }, count: 10, method: 'PUT' });
    const failure = store.putIfAbsent('events/never.jsonl', Buffer.from('{}\n'));
    await expect(failure).rejects.toBeInstanceOf(StorePermanentError);
    await expect(failure).rejects.toThrow(
      /PutObject of s3:\/\/store-east\/events\/never.jsonl failed 4 times; last error: .*503/,
    );
  });

  test('fails at once, naming the bucket and the fix, when the bucket does not exist', async () => {
    const store = await S3ObjectStore.create(
      options('store-east', { sink: { ...options('x').sink, bucket: 'no-such', region: 'us-east-1' } }),
    );
    const failure = writeValidationObject(store, 'events');
    await expect(failure).rejects.toMatchObject({ kind: 'no-such-bucket', bucket: 'no-such' });
    await expect(failure).rejects.toThrow(
      /Bucket 'no-such' does not exist .*Create it, or fix the sink bucket name/,
    );
  });

  test('writes the empty validation object under the prefix', async () => {
    const store = await S3ObjectStore.create(options('store-east'));
    const key = await writeValidationObject(store, 'events', () => '00000000-0000-4000-8000-000000000000');
    expect(key).toBe('events/.strm_test_00000000-0000-4000-8000-000000000000.jsonl');
    expect(await read('store-east', key)).toBe('');
    expect(await writeValidationObject(store, undefined)).toMatch(/^\.strm_test_[0-9a-f-]{36}\.jsonl$/);
  });
});

describe('classifyS3Error', () => {
  test.each([
    [{ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } }, 'already-present'],
    [{ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }, 'access-denied'],
    [{ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }, 'no-such-bucket'],
    [{ name: 'SlowDown', $metadata: { httpStatusCode: 503 } }, 'retryable'],
    [{ name: 'InternalError', $metadata: { httpStatusCode: 500 } }, 'retryable'],
    [{ name: 'TimeoutError' }, 'retryable'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'retryable'],
    [{ name: 'InvalidRequest', $metadata: { httpStatusCode: 400 } }, 'rejected'],
  ])('classifies %j as %s', (error, kind) => {
    expect(classifyS3Error(error)).toBe(kind);
  });
});
