import { LocalServices, startLocalServices } from '../../../local';
import { clickstreamEvent } from '../../../local/clickstream';
import { startExporter } from '../../../runtime/exporter';
import { StorePermanentError } from '../../../runtime/storage/object-store';
import {
  countEventIds,
  createBucket,
  localConfig,
  produce,
  readObjects,
  testDeps,
  waitUntilCaughtUp,
} from '../support/exporter-harness';

const BUCKET = 'iam-export';
const PREFIX = 'events/demo';

/** The seed's policy ("2. Create the necessary credentials"), optionally without one of its statements. */
function seedPolicy(without?: 's3:GetBucketLocation' | 's3:PutObject') {
  const statements = [
    { Effect: 'Allow', Action: ['s3:GetBucketLocation'], Resource: `arn:aws:s3:::${BUCKET}` },
    { Effect: 'Allow', Action: ['s3:PutObject'], Resource: `arn:aws:s3:::${BUCKET}/${PREFIX}/*.jsonl` },
  ];
  return { Version: '2012-10-17', Statement: statements.filter((s) => s.Action[0] !== without) };
}

describe('startExporter with IAM enforced (only the seed policy)', () => {
  let services: LocalServices;

  beforeAll(async () => {
    services = await startLocalServices({
      kafka: { brokers: 1, topics: [{ name: 'iam', partitions: 5 }] },
      aws: { enforceIam: true },
    });
    await createBucket(services, BUCKET);
  });
  afterAll(async () => services?.stop());

  test('exports every event exactly once with a user holding only the seed policy, never logging its secret', async () => {
    const credentials = await services.aws.createUserWithPolicy('seed-writer', seedPolicy());
    await produce(
      services,
      'iam',
      Array.from({ length: 1000 }, (_, i) => JSON.stringify(clickstreamEvent(i, 'iam'))),
      5,
    );
    const config = localConfig(services, {
      topic: 'iam',
      groupId: 'iam',
      bucket: BUCKET,
      pathPrefix: PREFIX,
      credentials,
    });
    const deps = testDeps(config, 'debug');
    const exporter = await startExporter(config, deps);
    await exporter.ready;
    await waitUntilCaughtUp(services, 'iam', 'iam');
    await exporter.stop();

    const objects = await readObjects(services.aws.s3(), BUCKET, `${PREFIX}/`);
    expect(objects.filter((o) => o.key.includes('/.strm_test_'))).toHaveLength(1);
    const counts = countEventIds(objects.filter((o) => !o.key.includes('.strm_test_')));
    expect(counts.size).toBe(1000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(deps.lines.join('\n')).not.toContain(credentials.secretAccessKey);
  });

  test('fails at start-up naming bucket, prefix and s3:PutObject when the PutObject statement is missing', async () => {
    const credentials = await services.aws.createUserWithPolicy('no-put', seedPolicy('s3:PutObject'));
    const config = localConfig(services, {
      topic: 'iam',
      groupId: 'iam-no-put',
      bucket: BUCKET,
      pathPrefix: PREFIX,
      credentials,
    });
    const deps = testDeps(config, 'debug');
    const exporter = await startExporter(config, deps);
    await expect(exporter.ready).rejects.toBeInstanceOf(StorePermanentError);
    await expect(exporter.stopped).rejects.toThrow(
      `S3 denied PutObject of s3://${BUCKET}/${PREFIX}/.strm_test_`,
    );
    await expect(exporter.stopped).rejects.toThrow(
      `(bucket '${BUCKET}', prefix '${PREFIX}'; AccessDenied (HTTP 403)`,
    );
    await expect(exporter.stopped).rejects.toThrow(
      `need s3:PutObject on arn:aws:s3:::${BUCKET}/${PREFIX}/*.jsonl`,
    );
    expect(deps.lines.join('\n')).not.toContain(credentials.secretAccessKey);
  });

  test('fails at start-up naming s3:GetBucketLocation when that statement is missing and no region is set', async () => {
    const credentials = await services.aws.createUserWithPolicy(
      'no-location',
      seedPolicy('s3:GetBucketLocation'),
    );
    const config = localConfig(services, {
      topic: 'iam',
      groupId: 'iam-no-location',
      bucket: BUCKET,
      pathPrefix: PREFIX,
      credentials,
    });
    const exporter = await startExporter(config, testDeps(config));
    await expect(exporter.ready).rejects.toThrow(
      `need s3:GetBucketLocation on arn:aws:s3:::${BUCKET}: grant it, or set the sink region`,
    );
    const withRegion = localConfig(services, {
      topic: 'iam',
      groupId: 'iam-no-location',
      bucket: BUCKET,
      pathPrefix: PREFIX,
      credentials,
      region: 'us-east-1',
    });
    const exporterWithRegion = await startExporter(withRegion, testDeps(withRegion));
    await exporterWithRegion.ready;
    await exporterWithRegion.stop();
    await expect(exporterWithRegion.stopped).resolves.toBeUndefined();
  });
});
