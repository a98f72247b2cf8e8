/**
 * THE least-privilege policy of the sink's writer (seed "2. Create the necessary credentials"), shared by the
 * `batch-exporter policy` command and the constructs (import from runtime/config/policy): s3:GetBucketLocation
 * on the bucket and s3:PutObject on `<bucket>/<prefix>/*.jsonl` (no prefix: `<bucket>/*.jsonl`, never `//`).
 */
import { ConfigProblem, problem } from './problems';
import { displayValue } from './redact';
import { BUCKET_NAME_RULE, PATH_PREFIX_RULE, bucketNameProblems, pathPrefixProblems } from './rules';

/** Region discovery: the SDK must talk to the bucket's own region, which the exporter cannot know upfront. */
export const GET_BUCKET_LOCATION = 's3:GetBucketLocation';
/** The only write: data objects and the `.strm_test_<uuid>.jsonl` validation object. */
export const PUT_OBJECT = 's3:PutObject';

export interface PolicyStatement {
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: string;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

export function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}

/** The objects the exporter may write: only `*.jsonl` directly under the prefix's tree. */
export function objectsArn(bucket: string, pathPrefix?: string): string {
  return pathPrefix ? `arn:aws:s3:::${bucket}/${pathPrefix}/*.jsonl` : `arn:aws:s3:::${bucket}/*.jsonl`;
}

/**
 * The policy document, exactly the seed's. Inputs are not validated here (constructs may pass unresolved
 * tokens); call leastPrivilegePolicyProblems first for concrete values.
 */
export function leastPrivilegePolicy(bucket: string, pathPrefix?: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: [GET_BUCKET_LOCATION], Resource: bucketArn(bucket) },
      { Effect: 'Allow', Action: [PUT_OBJECT], Resource: objectsArn(bucket, pathPrefix) },
    ],
  };
}

/** Every problem with a concrete bucket name and prefix; `sources` names where each came from. */
export function leastPrivilegePolicyProblems(
  bucket: string,
  pathPrefix: string | undefined,
  sources: { readonly bucket: string; readonly pathPrefix: string } = {
    bucket: 'bucket',
    pathPrefix: 'prefix',
  },
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const bucketReasons = bucketNameProblems(bucket);
  if (bucketReasons.length > 0) {
    problems.push(
      problem({
        field: 'bucket',
        source: sources.bucket,
        problem: `is not a valid S3 bucket name: it ${bucketReasons.join(', ')}`,
        shown: displayValue(bucket),
        fix: `use ${BUCKET_NAME_RULE}`,
      }),
    );
  }
  if (pathPrefix !== undefined) {
    const prefixReasons = pathPrefixProblems(pathPrefix);
    if (prefixReasons.length > 0) {
      problems.push(
        problem({
          field: 'pathPrefix',
          source: sources.pathPrefix,
          problem: `is not a valid path prefix: it ${prefixReasons.join(', ')}`,
          shown: displayValue(pathPrefix),
          fix: `use ${PATH_PREFIX_RULE}`,
        }),
      );
    }
  }
  return problems;
}
