import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A secret access key no real output contains, so finding it anywhere proves a leak. */
export const CANARY_SECRET = 'CANARYwJalrXUtnFEMIK7MDENGbPxRfiCYzzSECRET';

/** An `s3.json` in the exact shape `aws iam create-access-key` prints, with fake values. */
export function accessKeyDocument(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    AccessKey: {
      UserName: 'strm-export-demo',
      AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      Status: 'Active',
      SecretAccessKey: CANARY_SECRET,
      CreateDate: '2021-04-08T08:19:33+00:00',
      ...overrides,
    },
  };
}

const created: string[] = [];

/** Removes every file `writeTempFile` wrote (call in afterAll). */
export function removeTempFiles(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Writes `content` (JSON-serialized unless a string) to a fresh temporary file and returns its path. */
export function writeTempFile(content: unknown, name = 's3.json'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-exporter-credentials-'));
  created.push(dir);
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}
