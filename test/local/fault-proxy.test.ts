import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { FaultProxy, startFaultProxy } from '../../local/aws/fault-proxy';
import { LocalAws, startMoto } from '../../local';

describe('S3 fault proxy', () => {
  let aws: LocalAws;
  let proxy: FaultProxy;
  let s3: S3Client;

  beforeAll(async () => {
    aws = await startMoto();
    proxy = await startFaultProxy(aws.endpoint);
    s3 = new S3Client({
      endpoint: proxy.endpoint,
      region: aws.region,
      credentials: aws.adminCredentials,
      forcePathStyle: true,
      maxAttempts: 1,
      // Long enough for a loaded CI machine: only the hung request is meant to time out.
      requestHandler: { requestTimeout: 3_000, throwOnRequestTimeout: true },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'faults' }));
  });
  afterEach(() => proxy.clear());
  afterAll(async () => {
    await proxy?.stop();
    await aws?.stop();
  });

  test('answers an injected 503 without forwarding', async () => {
    proxy.inject({ fault: { kind: 'status', status: 503 }, count: 1, method: 'PUT' });
    await expect(
      s3.send(new PutObjectCommand({ Bucket: 'faults', Key: 'a.jsonl', Body: 'x' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'faults', Key: 'a.jsonl' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });

  test('a lost response stores the object but answers 500', async () => {
    proxy.inject({ fault: { kind: 'lose-response' }, count: 1, method: 'PUT' });
    await expect(
      s3.send(new PutObjectCommand({ Bucket: 'faults', Key: 'b.jsonl', Body: 'y' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    const stored = await s3.send(new GetObjectCommand({ Bucket: 'faults', Key: 'b.jsonl' }));
    expect(await stored.Body!.transformToString()).toBe('y');
  });

  test('a hung request makes the client time out, then traffic flows again', async () => {
    const before = proxy.stats().faulted;
    proxy.inject({ fault: { kind: 'hang' }, count: 1, method: 'PUT' });
    await expect(
      s3.send(new PutObjectCommand({ Bucket: 'faults', Key: 'c.jsonl', Body: 'z' })),
    ).rejects.toThrow();
    await s3.send(new PutObjectCommand({ Bucket: 'faults', Key: 'c.jsonl', Body: 'z' }));
    expect(proxy.stats().faulted - before).toBe(1);
  });

  test('a held request reaches the store only once released, with its body intact', async () => {
    proxy.inject({ fault: { kind: 'hold' }, count: 1, method: 'PUT' });
    const put = s3.send(new PutObjectCommand({ Bucket: 'faults', Key: 'd.jsonl', Body: 'held body' }));
    while (proxy.stats().held === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(s3.send(new GetObjectCommand({ Bucket: 'faults', Key: 'd.jsonl' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    proxy.release();
    await put;
    expect(proxy.stats().held).toBe(0);
    const stored = await s3.send(new GetObjectCommand({ Bucket: 'faults', Key: 'd.jsonl' }));
    expect(await stored.Body!.transformToString()).toBe('held body');
  });
});
