/**
 * The same least-privilege matrix run for real: moto_server with IAM enforcement, a user created with the
 * synthesized policy document, and S3 requests signed with its access key.
 *
 * moto checks a request against IAM policies under its own S3 action names (moto/s3/responses.py
 * ACTION_MAP): most match AWS (GetBucketLocation, PutObject, GetObject, DeleteObject, PutObjectAcl,
 * GetObjectTagging, GetBucketPolicy, PutBucketTagging, DeleteBucket), a list is `ListBucket` as in AWS, and
 * CreateMultipartUpload is `PutObject` as in AWS. Only operations moto enforces are tried here; others (for
 * example GetBucketEncryption, which moto files under ListBucket) are left to the evaluator test.
 */
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListObjectsV2Command,
  PutBucketTaggingCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';

import { LocalAws, startMoto } from '../../local';
import {
  ANOTHER_BUCKET,
  BUCKET,
  MatrixResource,
  PREFIX,
  RESOURCES,
  seedAllows,
  synthesizedWriterPolicy,
} from './least-privilege-matrix';

type Operation = (s3: S3Client, bucket: string, key: string) => Promise<unknown>;

/** Bucket-level operations, by the IAM action moto checks. */
const BUCKET_OPERATIONS: Record<string, Operation> = {
  's3:GetBucketLocation': (s3, Bucket) => s3.send(new GetBucketLocationCommand({ Bucket })),
  's3:ListBucket': (s3, Bucket) => s3.send(new ListObjectsV2Command({ Bucket })),
  's3:GetBucketPolicy': (s3, Bucket) => s3.send(new GetBucketPolicyCommand({ Bucket })),
  's3:PutBucketTagging': (s3, Bucket) =>
    s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } })),
  's3:DeleteBucket': (s3, Bucket) => s3.send(new DeleteBucketCommand({ Bucket })),
};

/** Object-level operations, by the IAM action moto checks. */
const OBJECT_OPERATIONS: Record<string, Operation> = {
  's3:PutObject': (s3, Bucket, Key) => s3.send(new PutObjectCommand({ Bucket, Key, Body: '{}\n' })),
  's3:PutObject (CreateMultipartUpload)': (s3, Bucket, Key) =>
    s3.send(new CreateMultipartUploadCommand({ Bucket, Key })),
  's3:GetObject': (s3, Bucket, Key) => s3.send(new GetObjectCommand({ Bucket, Key })),
  's3:GetObjectTagging': (s3, Bucket, Key) => s3.send(new GetObjectTaggingCommand({ Bucket, Key })),
  's3:PutObjectAcl': (s3, Bucket, Key) => s3.send(new PutObjectAclCommand({ Bucket, Key, ACL: 'private' })),
  's3:DeleteObject': (s3, Bucket, Key) => s3.send(new DeleteObjectCommand({ Bucket, Key })),
};

/** True when the request got past IAM (any answer but 403; a missing object is 404 after the check). */
async function permitted(operation: Operation, s3: S3Client, resource: MatrixResource): Promise<boolean> {
  try {
    await operation(s3, resource.bucket, resource.key ?? '');
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 403) return false;
    if (status !== undefined && status < 500) return true;
    throw error;
  }
}

describe('the synthesized sink writer policy, enforced by moto', () => {
  let aws: LocalAws;

  beforeAll(async () => {
    aws = await startMoto({ enforceIam: true });
    const admin = aws.s3();
    for (const Bucket of [BUCKET, ANOTHER_BUCKET]) await admin.send(new CreateBucketCommand({ Bucket }));
    for (const resource of RESOURCES.filter((r) => r.key !== undefined)) {
      await admin.send(new PutObjectCommand({ Bucket: resource.bucket, Key: resource.key, Body: '{}\n' }));
    }
  });
  afterAll(async () => aws?.stop());

  test.each([
    ['with prefix', PREFIX],
    ['without prefix', undefined],
  ])('%s: a key made from the policy may do exactly what the seed allows', async (_, prefix) => {
    const credentials = await aws.createUserWithPolicy(
      `writer-${prefix ?? 'root'}`,
      synthesizedWriterPolicy(prefix),
    );
    const s3 = aws.s3(credentials);
    const allowed: string[] = [];
    const expected: string[] = [];
    for (const resource of RESOURCES) {
      const operations = resource.key === undefined ? BUCKET_OPERATIONS : OBJECT_OPERATIONS;
      for (const [name, operation] of Object.entries(operations)) {
        const cell = `${name} on ${resource.label}`;
        if (await permitted(operation, s3, resource)) allowed.push(cell);
        if (seedAllows(name.split(' ')[0], resource, prefix)) expected.push(cell);
      }
    }
    expect(allowed).toEqual(expected);
    expect(allowed).toContain('s3:GetBucketLocation on the bucket');
    expect(allowed).toContain(`s3:PutObject on ${PREFIX}/x.jsonl`);
    expect(allowed).not.toContain(`s3:PutObject on ${PREFIX}/x.csv`);
  });
});
