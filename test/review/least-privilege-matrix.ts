/**
 * The least-privilege matrix shared by the policy-evaluator test and the moto test: the sink writer's
 * policy as synthesized by the library (ExportBucket + SinkWriter), made concrete the way Terraform would
 * (bucket references replaced by the bucket's name and ARN), and the S3 resources to try it on.
 */
import { findSinkWriters } from '../../review/guards/sink-writer-least-privilege';
import { ExportBucket } from '../../constructs/bucket/export-bucket';
import { StackGraph } from '../../review/plan/graph';
import { policyGrants } from '../../review/plan/iam';
import { SinkWriter } from '../../constructs/writer/sink-writer';
import { synthStack } from '../support/synth';

export const BUCKET = 'review-exports';
export const ANOTHER_BUCKET = 'another-exports';
export const PREFIX = 'events';

/** A cell's resource: the bucket itself or an object key, in our bucket or another one. */
export interface MatrixResource {
  readonly label: string;
  readonly bucket: string;
  /** Object key; undefined = the bucket itself. */
  readonly key?: string;
}

export const RESOURCES: readonly MatrixResource[] = [
  { label: 'the bucket', bucket: BUCKET },
  { label: `${PREFIX}/x.jsonl`, bucket: BUCKET, key: `${PREFIX}/x.jsonl` },
  { label: `${PREFIX}/sub/x.jsonl`, bucket: BUCKET, key: `${PREFIX}/sub/x.jsonl` },
  { label: `${PREFIX}/x.csv`, bucket: BUCKET, key: `${PREFIX}/x.csv` },
  { label: 'other/x.jsonl', bucket: BUCKET, key: 'other/x.jsonl' },
  { label: 'another bucket', bucket: ANOTHER_BUCKET },
  { label: `another bucket's ${PREFIX}/x.jsonl`, bucket: ANOTHER_BUCKET, key: `${PREFIX}/x.jsonl` },
];

export function arnOf(resource: MatrixResource): string {
  return resource.key === undefined
    ? `arn:aws:s3:::${resource.bucket}`
    : `arn:aws:s3:::${resource.bucket}/${resource.key}`;
}

/**
 * What the seed allows: GetBucketLocation on the bucket, PutObject on `prefix/...jsonl` (IAM's `*` also
 * matches `/`, so `prefix/sub/x.jsonl` is inside; without a prefix every `.jsonl` of the bucket is).
 */
export function seedAllows(action: string, resource: MatrixResource, prefix: string | undefined): boolean {
  if (resource.bucket !== BUCKET) return false;
  if (action === 's3:GetBucketLocation') return resource.key === undefined;
  if (action === 's3:PutObject') {
    return (
      resource.key !== undefined &&
      resource.key.endsWith('.jsonl') &&
      (prefix === undefined || resource.key.startsWith(`${prefix}/`))
    );
  }
  return false;
}

/** The writer's policy document as `terraform apply` would send it to IAM. */
export function synthesizedWriterPolicy(prefix: string | undefined): object {
  const synthesized = synthStack((stack) => {
    const bucket = new ExportBucket(stack, 'Bucket', { bucketName: BUCKET });
    new SinkWriter(stack, 'Writer', { bucket, prefix });
  });
  const graph = StackGraph.fromJson(synthesized.text);
  const writers = findSinkWriters(graph);
  if (writers.length !== 1)
    throw new Error(`expected one sink writer, found ${writers.map((w) => w.address).join(', ')}`);
  const grants = policyGrants(graph).filter((g) => g.principal.address === writers[0].address);
  if (grants.length !== 1) throw new Error(`expected one policy on the writer, found ${grants.length}`);
  const raw = graph.get(grants[0].source).block[grants[0].attribute];
  return JSON.parse(concrete(graph, String(raw))) as object;
}

/** Replaces the bucket references Terraform resolves at apply with their values. */
function concrete(graph: StackGraph, text: string): string {
  const resolved = text.replace(
    /\$\{(aws_s3_bucket\.[\w-]+)\.(bucket|id|arn)\}/g,
    (_, address: string, attr: string) => {
      const name = String(graph.get(address).block.bucket);
      return attr === 'arn' ? `arn:aws:s3:::${name}` : name;
    },
  );
  if (resolved.includes('${'))
    throw new Error(`the policy still holds a reference only Terraform can resolve: ${resolved}`);
  return resolved;
}
