import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { Fn, ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';

import { PropProblems } from '../core/problems';
import { SinkDeployValidation } from '../sink/deploy-validation';
import { ISink, SinkCredentials } from '../sink/s3-sink';
import {
  checkSinkSecretProps,
  checkWriterOrFile,
  SinkSecretProps,
  storeSinkCredentials,
} from '../sink/sink-secret';
import { IGcsExportBucket } from './gcs-export-bucket';
import { IGcsSinkWriter } from './gcs-sink-writer';

/** Props of a GCS sink. Give exactly one of `writer` and `credentialsFile`. */
export interface GcsSinkProps extends SinkSecretProps {
  /**
   * The writer whose key the sink holds (bucket and prefix come from it).
   * @default - none; then `credentialsFile` and `bucket` are required
   */
  readonly writer?: IGcsSinkWriter;
  /**
   * Path of an existing Google service account key file (`gcloud iam service-accounts keys create`), read
   * and validated at synth time. Its private key then is in the synthesized cdk.tf.json (inside the secret
   * version only) and in the Terraform state: keep both out of version control and encrypted.
   * @default - none; then `writer` is required
   */
  readonly credentialsFile?: string;
  /**
   * The bucket the key file's service account may write to (with `credentialsFile` only).
   * @default - the writer's bucket
   */
  readonly bucket?: IGcsExportBucket;
  /**
   * The prefix the key file's service account may write under (with `credentialsFile` only).
   * @default - the writer's prefix; with `credentialsFile` the bucket root
   */
  readonly prefix?: string;
  /**
   * A GCS JSON API endpoint (e.g. a local fake-gcs-server).
   * @default - Google Cloud Storage
   */
  readonly endpoint?: string;
}

/**
 * The GCS sink (the sink type follows from the credentials: S3 or Google Cloud Storage): a Secrets Manager
 * secret holding the service account key file, from a GcsSinkWriter (the key Terraform creates, decoded
 * by Terraform so its text never exists at synth time) or from an existing key file, and the deploy-time
 * validation. The exporter on ECS reads it as BATCH_EXPORTER_SINK_CREDENTIALS, and the runtime's detection
 * makes it a GCS sink. Destroy order: exporter → sink → key → service account.
 */
export class GcsSink extends Construct implements ISink {
  public readonly sinkName: string;
  public readonly sinkType = 'gcs' as const;
  public readonly bucket: IGcsExportBucket;
  public readonly prefix?: string;
  public readonly region?: string;
  public readonly endpoint?: string;
  public readonly credentials: SinkCredentials;
  public readonly readiness: ITerraformDependable;
  /** The secret (escape hatch). */
  public readonly secret: SecretsmanagerSecret;
  /** The secret's value (escape hatch). */
  public readonly secretVersion: SecretsmanagerSecretVersion;
  /** The deploy-time validation (undefined when off). */
  public readonly validation?: SinkDeployValidation;

  public constructor(scope: Construct, id: string, props: GcsSinkProps) {
    super(scope, id);
    const fileJson = validate(this.node.path, props);
    const writer = props.writer;
    this.sinkName = props.name;
    this.bucket = (writer?.bucket ?? props.bucket) as IGcsExportBucket;
    this.prefix = writer ? writer.prefix : props.prefix;
    this.endpoint = props.endpoint;
    const parts = storeSinkCredentials(this, props, {
      // google_service_account_key.private_key is the key file, base64-encoded.
      json: writer ? Fn.base64decode(writer.key.privateKey) : (fileJson as string),
      shape: 'Google service account key file',
      dependsOn: writer ? [writer.key] : undefined,
      bucketName: this.bucket.bucketName,
      prefix: this.prefix,
      endpoint: this.endpoint,
    });
    this.secret = parts.secret;
    this.secretVersion = parts.secretVersion;
    this.validation = parts.validation;
    this.readiness = parts.readiness;
    this.credentials = {
      kind: 'secret',
      secretArn: this.secret.arn,
      kmsKeyArn: props.secretEncryptionKeyArn,
    };
  }
}

/** Every problem with the props and the key file, in one error; the file's JSON when it is valid. */
function validate(path: string, props: GcsSinkProps): string | undefined {
  const problems = new PropProblems('GcsSink', path);
  checkSinkSecretProps(problems, props, 'gcs');
  const fileJson = checkWriterOrFile(problems, props, {
    type: 'gcs',
    writer: 'GcsSinkWriter',
    file: 'key.json',
  });
  if (!props.writer && props.credentialsFile !== undefined && props.bucket?.storage !== 'gcs') {
    problems.add(
      'bucket',
      props.bucket?.node.path,
      props.bucket === undefined ? 'is required with credentialsFile' : 'is not a GCS bucket',
      'pass bucket: GcsExportBucket.fromBucketName(scope, "Bucket", "<bucket the key may write to>")',
    );
  }
  problems.throwIfAny();
  return fileJson;
}
