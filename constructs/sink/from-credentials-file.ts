import { Construct } from 'constructs';

import { ExportBucket } from '../bucket/export-bucket';
import { pathOf, PropProblems } from '../core/problems';
import { GcsExportBucket } from '../gcs/gcs-export-bucket';
import { GcsSink } from '../gcs/gcs-sink';
import { readCredentialsFile } from './credentials-file';
import { ISink, S3Sink } from './s3-sink';
import { SinkSecretProps } from './sink-secret';

/** Props of a sink made from an existing credentials file, whichever its type. */
export interface SinkFromCredentialsFileProps extends SinkSecretProps {
  /** An `s3.json` (`aws iam create-access-key` output) or a Google service account key file. */
  readonly credentialsFile: string;
  /** The bucket the credentials may write to (in S3 or GCS, as the file decides). */
  readonly bucketName: string;
  /**
   * The prefix the credentials may write under.
   * @default - the bucket root
   */
  readonly prefix?: string;
  /**
   * An S3-compatible or GCS JSON API endpoint.
   * @default - AWS S3 or Google Cloud Storage
   */
  readonly endpoint?: string;
  /**
   * The S3 bucket's region (S3 only).
   * @default - the runtime asks GetBucketLocation
   */
  readonly region?: string;
}

/**
 * A sink from a credentials file, like STRM Privacy's `strm create sink <name> <bucket> --credentials-file=<file>`:
 * the structure of the file decides whether it is an S3 or a Google Cloud Storage sink. Reads the file at synth
 * time with the runtime's detection and creates an S3Sink or a GcsSink at `scope/id`, with the bucket
 * referenced by name as `scope/<id>Bucket`.
 */
export function sinkFromCredentialsFile(
  scope: Construct,
  id: string,
  props: SinkFromCredentialsFileProps,
): ISink {
  const file = readCredentialsFile(props.credentialsFile);
  if (file.problems) {
    const problems = new PropProblems('sinkFromCredentialsFile', pathOf(scope, id));
    for (const message of file.problems) problems.addWorded('credentialsFile', message);
    problems.throwIfAny();
  }
  const { bucketName, region, ...sinkProps } = props;
  if (file.type === 'gcs') {
    if (region !== undefined) {
      const problems = new PropProblems('sinkFromCredentialsFile', pathOf(scope, id));
      problems.add(
        'region',
        region,
        'is set, but the file is a Google service account key (a GCS sink)',
        'remove region',
      );
      problems.throwIfAny();
    }
    return new GcsSink(scope, id, {
      ...sinkProps,
      bucket: GcsExportBucket.fromBucketName(scope, `${id}Bucket`, bucketName),
    });
  }
  return new S3Sink(scope, id, {
    ...sinkProps,
    region,
    bucket: ExportBucket.fromBucketName(scope, `${id}Bucket`, bucketName),
  });
}
