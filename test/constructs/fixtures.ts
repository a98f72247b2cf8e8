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

/** Props of a sink writer and an exporter in the seed's example: stream "demo", sink "s3", prefix "events". */
export const DEMO_STREAM = {
  name: 'demo',
  topic: 'demo-events',
  brokers: ['b-1.kafka.internal:9092', 'b-2.kafka.internal:9092'],
};
export const DEMO_NETWORK = {
  subnetIds: ['subnet-0123456789abcdef0'],
  securityGroupIds: ['sg-0123456789abcdef0'],
};
export const DEMO_IMAGE_URI = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/batch-exporter:1.0.0';
export const KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The `environment` and `secrets` of the exporter container in a synthesized task definition. */
export function containerOf(taskDefinition: Record<string, unknown>): {
  environment: Record<string, string>;
  secrets: Record<string, string>;
  definition: Record<string, unknown>;
} {
  const [definition] = JSON.parse(taskDefinition.container_definitions as string) as Array<
    Record<string, unknown>
  >;
  const pairs = (list: unknown, value: string) =>
    Object.fromEntries((list as Array<Record<string, string>>).map((entry) => [entry.name, entry[value]]));
  return {
    environment: pairs(definition.environment, 'value'),
    secrets: pairs(definition.secrets, 'valueFrom'),
    definition,
  };
}
