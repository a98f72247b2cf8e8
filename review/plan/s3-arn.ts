/**
 * Reads S3 ARNs as they appear in synthesized policies, where the bucket may be a literal name or a
 * reference (`${aws_s3_bucket.B.arn}/p/*.jsonl`, `arn:aws:s3:::${aws_s3_bucket.B.bucket}/p/*.jsonl`), so two
 * spellings of the same bucket compare equal.
 */
import { StackGraph } from './graph';

/** An S3 resource ARN split into its bucket and object key pattern. */
export interface S3Arn {
  /** The bucket's identity: a node address when the stack declares or reads it, else the literal name. */
  readonly bucket: string;
  /** The object key pattern after `bucket/`; `undefined` for the bucket itself. */
  readonly key?: string;
}

const BUCKET_NODE_TYPES = new Set(['aws_s3_bucket']);

/** Splits an S3 ARN; `undefined` when the value is not an S3 ARN (or the bucket part is itself a pattern). */
export function parseS3Arn(graph: StackGraph, arn: string): S3Arn | undefined {
  let bucket: string | undefined;
  let rest: string;
  const arnRef = /^\$\{((?:data\.)?aws_s3_bucket\.[\w-]+)\.arn\}(.*)$/.exec(arn);
  const nameRef = /^arn:[^:]+:s3:::\$\{((?:data\.)?aws_s3_bucket\.[\w-]+)\.(?:bucket|id)\}(.*)$/.exec(arn);
  const literal = /^arn:[^:$]+:s3:::([^/$]*)(.*)$/.exec(arn);
  if (arnRef !== null) {
    bucket = arnRef[1];
    rest = arnRef[2];
  } else if (nameRef !== null) {
    bucket = nameRef[1];
    rest = nameRef[2];
  } else if (literal !== null) {
    bucket = bucketNodeNamed(graph, literal[1]) ?? literal[1];
    rest = literal[2];
  } else {
    return undefined;
  }
  if (rest === '') return { bucket };
  if (!rest.startsWith('/')) return undefined;
  return { bucket, key: rest.slice(1) };
}

/** The address of the declared bucket whose `bucket` attribute is `name`, if any. */
export function bucketNodeNamed(graph: StackGraph, name: string): string | undefined {
  for (const type of BUCKET_NODE_TYPES) {
    for (const mode of ['managed', 'data'] as const) {
      const node = graph.ofType(type, mode).find((n) => n.block.bucket === name);
      if (node !== undefined) return node.address;
    }
  }
  return undefined;
}

/** True when a name or pattern contains an IAM wildcard. */
export function hasWildcard(text: string): boolean {
  // `${...}` interpolations are values, not patterns: strip them before looking for `*` and `?`.
  return /[*?]/.test(text.replace(/\$\{[^}]*\}/g, ''));
}
