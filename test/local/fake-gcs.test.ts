import { LocalGcs, fakeGcsServerPin, startFakeGcs } from '../../local/gcs/fake-gcs';

/**
 * fake-gcs-server releases before v1.55.0 (July 2026) ignored ifGenerationMatch on uploads and overwrote
 * silently, which would hide a broken exactly-once protocol. These tests pin the behaviour the runtime relies
 * on, on the raw JSON API: a second create-only upload of the same name is refused with 412.
 */
describe('fake-gcs-server (local/gcs)', () => {
  let gcs: LocalGcs;
  beforeAll(async () => {
    gcs = await startFakeGcs();
    await gcs.createBucket('local-gcs');
  }, 300_000);
  afterAll(async () => gcs?.stop());

  function multipart(name: string, body: string): RequestInit {
    const boundary = 'batch-exporter-test';
    return {
      method: 'POST',
      headers: { 'content-type': `multipart/related; boundary=${boundary}` },
      body:
        `--${boundary}\r\ncontent-type: application/json\r\n\r\n${JSON.stringify({ name })}\r\n` +
        `--${boundary}\r\ncontent-type: application/x-ndjson\r\n\r\n${body}\r\n--${boundary}--\r\n`,
    };
  }

  test('is the pinned release, with the ifGenerationMatch fix', () => {
    expect(fakeGcsServerPin()).toEqual(
      expect.objectContaining({ module: 'github.com/fsouza/fake-gcs-server', version: 'v1.56.1' }),
    );
  });

  test('refuses a second multipart upload of the same name with ifGenerationMatch=0 (412), keeping the first', async () => {
    const url = `${gcs.endpoint}/upload/storage/v1/b/local-gcs/o?uploadType=multipart&ifGenerationMatch=0`;
    expect((await fetch(url, multipart('events/a.jsonl', '{"first":1}\n'))).status).toBe(200);
    expect((await fetch(url, multipart('events/a.jsonl', '{"second":2}\n'))).status).toBe(412);
    expect((await gcs.readObject('local-gcs', 'events/a.jsonl')).toString()).toBe('{"first":1}\n');
  });

  test('refuses a second media upload of the same name with ifGenerationMatch=0 (412)', async () => {
    const url = `${gcs.endpoint}/upload/storage/v1/b/local-gcs/o?uploadType=media&name=events%2Fb.jsonl&ifGenerationMatch=0`;
    expect((await fetch(url, { method: 'POST', body: 'one\n' })).status).toBe(200);
    expect((await fetch(url, { method: 'POST', body: 'two\n' })).status).toBe(412);
  });

  test('without the precondition, overwrites (so the 412 above is the precondition at work)', async () => {
    const url = `${gcs.endpoint}/upload/storage/v1/b/local-gcs/o?uploadType=media&name=events%2Fc.jsonl`;
    expect((await fetch(url, { method: 'POST', body: 'one\n' })).status).toBe(200);
    expect((await fetch(url, { method: 'POST', body: 'two\n' })).status).toBe(200);
    expect((await gcs.readObject('local-gcs', 'events/c.jsonl')).toString()).toBe('two\n');
  });
});
