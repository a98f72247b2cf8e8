import { Registry } from 'prom-client';
import { FaultProxy, startFaultProxy } from '../../../local/aws/fault-proxy';
import { LocalGcs, startFakeGcs } from '../../../local/gcs/fake-gcs';
import { ExporterMetrics } from '../../../runtime/observability/metrics';
import { createObjectStore } from '../../../runtime/storage/create-store';
import { classifyGcsError } from '../../../runtime/storage/gcs-errors';
import { GcsObjectStore, GcsStoreOptions } from '../../../runtime/storage/gcs-store';
import { StorePermanentError } from '../../../runtime/storage/object-store';
import { writeValidationObject } from '../../../runtime/storage/validation';
import { gcsSink, testPrivateKeyPem } from '../../support/gcs-key';
import { memoryLogger } from '../support/exporter-harness';

const FAST_BACKOFF = { maxAttempts: 4, initialDelayMs: 10, maxDelayMs: 50 };
const BUCKET = 'gcs-store';
const parsed = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('GcsObjectStore on fake-gcs-server', () => {
  let gcs: LocalGcs;
  let proxy: FaultProxy;

  beforeAll(async () => {
    gcs = await startFakeGcs();
    proxy = await startFaultProxy(gcs.endpoint, { dialect: 'gcs' });
    await gcs.createBucket(BUCKET);
  }, 300_000);
  afterAll(async () => {
    await proxy?.stop();
    await gcs?.stop();
  });
  afterEach(() => proxy.clear());

  function options(extra: Partial<GcsStoreOptions> = {}): GcsStoreOptions {
    return {
      sink: gcsSink(proxy.endpoint, BUCKET),
      pathPrefix: 'events',
      logger: memoryLogger().logger,
      backoff: FAST_BACKOFF,
      ...extra,
    };
  }

  async function read(name: string): Promise<string> {
    return (await gcs.readObject(BUCKET, name)).toString();
  }

  test('the credentials decide the store: a service account key makes a GCS store', async () => {
    expect(await createObjectStore(options())).toBeInstanceOf(GcsObjectStore);
  });

  test('creates an object once; a second create of the same name is already present (412), the first kept', async () => {
    const store = GcsObjectStore.create(options());
    await expect(store.putIfAbsent('events/a.jsonl', Buffer.from('{"a":1}\n'))).resolves.toBe('created');
    await expect(store.putIfAbsent('events/a.jsonl', Buffer.from('{"b":2}\n'))).resolves.toBe(
      'already-present',
    );
    expect(await read('events/a.jsonl')).toBe('{"a":1}\n');
    const [stored] = await gcs.listObjects(BUCKET, 'events/a.jsonl');
    expect(stored).toMatchObject({ name: 'events/a.jsonl', size: 8, contentType: 'application/x-ndjson' });
  });

  test('uses one multipart upload request per object, with ifGenerationMatch=0', async () => {
    const store = GcsObjectStore.create(options());
    const before = proxy.stats().forwarded;
    // Every POST to the upload path is answered 503 once: the request the store makes is seen and counted.
    proxy.inject({
      fault: { kind: 'status', status: 503 },
      count: 1,
      method: 'POST',
      path: /^\/upload\/storage\/v1\/b\/gcs-store\/o\?(?=.*uploadType=multipart)(?=.*ifGenerationMatch=0)/,
    });
    await expect(store.putIfAbsent('events/one-request.jsonl', Buffer.from('{}\n'))).resolves.toBe('created');
    expect(proxy.stats()).toMatchObject({ faulted: 1, forwarded: before + 1 });
  });

  test('retries 503 and 429 with backoff, counting the retries labelled with the sink type', async () => {
    const registry = new Registry();
    const metrics = new ExporterMetrics(registry, memoryLogger().logger);
    const store = GcsObjectStore.create(options({ observer: metrics }));
    proxy.inject({ fault: { kind: 'status', status: 503 }, count: 2, method: 'POST' });
    proxy.inject({ fault: { kind: 'status', status: 429 }, count: 1, method: 'POST' });
    await expect(store.putIfAbsent('events/retried.jsonl', Buffer.from('{}\n'))).resolves.toBe('created');
    const retries = await registry.getSingleMetricAsString('batch_exporter_storage_retries_total');
    expect(retries).toMatch(/sink_type="gcs",operation="objects.insert",kind="retryable"} 3/);
    expect(await read('events/retried.jsonl')).toBe('{}\n');
  });

  test('retries a request that times out', async () => {
    const logs = memoryLogger();
    const store = GcsObjectStore.create(options({ requestTimeoutMs: 300, logger: logs.logger }));
    proxy.inject({ fault: { kind: 'hang' }, count: 1, method: 'POST' });
    const started = Date.now();
    await expect(store.putIfAbsent('events/slow.jsonl', Buffer.from('{}\n'))).resolves.toBe('created');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await read('events/slow.jsonl')).toBe('{}\n');
    expect(parsed(logs.lines)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'GCS request failed; retrying', sinkType: 'gcs', kind: 'retryable' }),
      ]),
    );
  });

  test('stores a body given as chunks as one object, in order, also when an attempt failed', async () => {
    const store = GcsObjectStore.create(options());
    const chunks = [Buffer.from('{"a":1}\n'), Buffer.from('{"b":2}\n{"c":'), Buffer.from('3}\n')];
    proxy.inject({ fault: { kind: 'status', status: 500 }, count: 1, method: 'POST' });
    await expect(store.putIfAbsent('events/chunks.jsonl', chunks)).resolves.toBe('created');
    expect(await read('events/chunks.jsonl')).toBe('{"a":1}\n{"b":2}\n{"c":3}\n');
  });

  test('treats the 412 after a lost response as stored', async () => {
    const store = GcsObjectStore.create(options());
    proxy.inject({ fault: { kind: 'lose-response' }, count: 1, method: 'POST' });
    await expect(store.putIfAbsent('events/lost.jsonl', Buffer.from('{"x":1}\n'))).resolves.toBe(
      'already-present',
    );
    expect(await read('events/lost.jsonl')).toBe('{"x":1}\n');
  });

  test('fails with the attempts and the last error when GCS keeps failing', async () => {
    const store = GcsObjectStore.create(options());
    proxy.inject({ fault: { kind: 'status', status: 503 }, count: 10, method: 'POST' });
    const failure = store.putIfAbsent('events/never.jsonl', Buffer.from('{}\n'));
    await expect(failure).rejects.toBeInstanceOf(StorePermanentError);
    await expect(failure).rejects.toThrow(
      /objects.insert of gs:\/\/gcs-store\/events\/never.jsonl failed 4 times; last error: .*HTTP 503/,
    );
    expect(await gcs.listObjects(BUCKET, 'events/never.jsonl')).toEqual([]);
  });

  test('fails at once on 403, naming the service account, the role and the condition to grant', async () => {
    const store = GcsObjectStore.create(options());
    proxy.inject({ fault: { kind: 'status', status: 403 }, count: 1, method: 'POST' });
    const failure = store.putIfAbsent('events/denied.jsonl', Buffer.from('{}\n'));
    await expect(failure).rejects.toMatchObject({ kind: 'access-denied', bucket: BUCKET });
    await expect(failure).rejects.toThrow(
      'needs roles/storage.objectCreator on the bucket for the objects it writes: grant it with `gcloud storage ' +
        'buckets add-iam-policy-binding gs://gcs-store --member=serviceAccount:batch-exporter@strm-export-demo.' +
        "iam.gserviceaccount.com --role=roles/storage.objectCreator --condition='expression=resource.name." +
        'startsWith("projects/_/buckets/gcs-store/objects/events/") && resource.name.endsWith(".jsonl"),' +
        "title=batch-exporter-jsonl-under-prefix'`",
    );
  });

  test('fails at once, naming the bucket and the fix, when the bucket does not exist', async () => {
    const store = GcsObjectStore.create({ ...options(), sink: gcsSink(proxy.endpoint, 'no-such') });
    const failure = writeValidationObject(store, 'events');
    await expect(failure).rejects.toMatchObject({ kind: 'no-such-bucket', bucket: 'no-such' });
    await expect(failure).rejects.toThrow(
      /GCS bucket 'no-such' does not exist .*Create it, or fix the sink bucket name/,
    );
  });

  test('writes the empty validation object under the prefix', async () => {
    const store = GcsObjectStore.create(options());
    const key = await writeValidationObject(store, 'events', () => '00000000-0000-4000-8000-000000000000');
    expect(key).toBe('events/.strm_test_00000000-0000-4000-8000-000000000000.jsonl');
    expect(await gcs.listObjects(BUCKET, key)).toEqual([expect.objectContaining({ name: key, size: 0 })]);
  });

  test('never logs the private key', async () => {
    const logs = memoryLogger();
    const store = GcsObjectStore.create(options({ logger: logs.logger }));
    proxy.inject({ fault: { kind: 'status', status: 500 }, count: 1, method: 'POST' });
    await store.putIfAbsent('events/quiet.jsonl', Buffer.from('{}\n'));
    const text = logs.lines.join('\n');
    for (const line of testPrivateKeyPem()
      .split('\n')
      .filter((l) => l.length > 20 && !l.startsWith('-----'))) {
      expect(text).not.toContain(line);
    }
    expect(text).toContain('batch-exporter@strm-export-demo.iam.gserviceaccount.com');
  });
});

describe('classifyGcsError', () => {
  test.each([
    [{ code: 412, errors: [{ reason: 'conditionNotMet' }] }, 'already-present'],
    [{ code: 403 }, 'access-denied'],
    [{ code: 401 }, 'access-denied'],
    [{ code: 404 }, 'no-such-bucket'],
    [{ code: 429 }, 'retryable'],
    [{ code: 503 }, 'retryable'],
    [{ code: 400 }, 'rejected'],
    [{ response: { status: 502 } }, 'retryable'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'retryable'],
    [Object.assign(new Error('network timeout'), { type: 'request-timeout' }), 'retryable'],
    [Object.assign(new Error('aborted'), { name: 'AbortError' }), 'retryable'],
    ['not an error', 'rejected'],
  ])('classifies %j as %s', (error, kind) => {
    expect(classifyGcsError(error)).toBe(kind);
  });
});
