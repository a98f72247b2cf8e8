/**
 * The S3 ceiling's smoke run: the same measuring code as `node dist/bench/s3-ceiling.js`, on a tiny plan
 * against the fast local S3 server, so the module cannot rot. Asserts on counts and shape, never on speed.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { jsonlBody, measureS3Ceiling, putsPerCell, S3CeilingPlan } from '../../bench/s3-ceiling';
import { LocalS3, startGofakes3 } from '../../local/s3/gofakes3';

const PLAN: S3CeilingPlan = {
  objectBytes: [4096, 300 * 1024],
  concurrencies: [1, 3],
  bytesPerCell: 8192,
  maxPuts: 4,
};

describe('S3 ceiling (bench/s3-ceiling.ts)', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startGofakes3();
    await s3.createBucket('ceiling-smoke');
  }, 300_000);
  afterAll(async () => s3?.stop());

  test('builds bodies of whole JSONL lines of exactly the object size, in 256 KiB chunks', () => {
    const chunks = jsonlBody(300 * 1024);
    expect(chunks.map((c) => c.length)).toEqual([256 * 1024, 44 * 1024]);
    const text = Buffer.concat(chunks).toString();
    expect(JSON.parse(text.slice(0, text.indexOf('\n')))).toHaveProperty('eventId');
  });

  test('measures one cell per size and concurrency through the runtime store, and empties the bucket', async () => {
    const cells = await measureS3Ceiling(
      {
        server: 'gofakes3',
        endpoint: s3.endpoint,
        pid: s3.pid,
        credentials: s3.credentials,
        bucket: 'ceiling-smoke',
      },
      PLAN,
    );
    expect(cells.map((c) => [c.objectBytes, c.concurrency, c.puts])).toEqual([
      [4096, 1, putsPerCell(PLAN, 4096, 1)],
      [4096, 3, 6],
      [300 * 1024, 1, 2],
      [300 * 1024, 3, 6],
    ]);
    for (const cell of cells) {
      expect(cell.putsPerSecond).toBeGreaterThan(0);
      expect(cell.mbPerSecond).toBeGreaterThanOrEqual(0);
      expect(cell.serverCpuSecondsPerGb).toBeGreaterThanOrEqual(0);
    }
    const client = s3.s3();
    const left = await client.send(new ListObjectsV2Command({ Bucket: 'ceiling-smoke' }));
    client.destroy();
    expect(left.Contents ?? []).toHaveLength(0);
  });
});
