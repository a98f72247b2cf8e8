import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { Fn, ITerraformDependable } from 'cdktf';
import { Construct, IConstruct } from 'constructs';

import { REGION_PATTERN } from '../../runtime/config/rules';
import type { SinkType } from '../../runtime/config/sink-credentials';
import { IExportBucket } from '../bucket/export-bucket';
import { isKnown, PropProblems } from '../core/problems';
import { ISinkWriter, WriterMode } from '../writer/sink-writer';
import { SinkDeployValidation } from './deploy-validation';
import {
  checkSinkSecretProps,
  checkWriterOrFile,
  SinkSecretProps,
  storeSinkCredentials,
} from './sink-secret';

/** Where an exporter gets its S3 credentials from. */
export type SinkCredentials =
  /** An access key in a Secrets Manager secret, in the `aws iam create-access-key` JSON shape. */
  | {
      readonly kind: 'secret';
      /** ARN of the secret (what ECS `secrets` reference). */
      readonly secretArn: string;
      /** The customer managed KMS key encrypting the secret; undefined for the AWS managed key. */
      readonly kmsKeyArn?: string;
    }
  /** No key: the exporter's task role gets this policy (WriterMode.TASK_ROLE). */
  | { readonly kind: 'task-role'; readonly policyJson: string };

/**
 * A sink: a configuration item naming a bucket, the prefix its credentials may write
 * under, and those credentials. Batch exporters take this interface.
 */
export interface ISink extends IConstruct {
  /** The sink's name, e.g. "s3". */
  readonly sinkName: string;
  /** Where it writes: "s3" or "gcs", set from the credentials. */
  readonly sinkType: SinkType;
  /** The bucket it writes to. */
  readonly bucket: ISinkBucket;
  /** The prefix its credentials may write under; every exporter's pathPrefix must lie within it. */
  readonly prefix?: string;
  /** The S3 bucket's region, if given (else the runtime asks GetBucketLocation); never for GCS. */
  readonly region?: string;
  /** An S3-compatible endpoint, if given. */
  readonly endpoint?: string;
  /** How exporters authenticate. */
  readonly credentials: SinkCredentials;
  /**
   * What an exporter must be created after: the stored credentials, and their deploy-time validation when
   * it is on. ECS reads the secret only when a task starts, so referencing the secret ARN is not enough.
   * Undefined in task-role mode (nothing to wait for).
   */
  readonly readiness?: ITerraformDependable;
}

/** The bucket of a sink, S3 or GCS: all an exporter needs of it is the name. */
export interface ISinkBucket extends IConstruct {
  /** The bucket's name (a Terraform reference when this stack creates the bucket). */
  readonly bucketName: string;
}

/** Props of an S3 sink. Give exactly one of `writer` and `credentialsFile`. */
export interface S3SinkProps extends SinkSecretProps {
  /**
   * Validate the sink at deploy time by writing the empty `.strm_test_<uuid>.jsonl` with its credentials.
   * Not available in task-role mode (there is no key to validate with outside the task).
   * @default true (false in task-role mode)
   */
  readonly validateOnDeploy?: boolean;
  /**
   * The writer whose credentials the sink holds (bucket and prefix come from it).
   * @default - none; then `credentialsFile` and `bucket` are required
   */
  readonly writer?: ISinkWriter;
  /**
   * Path of an existing `s3.json` (the output of `aws iam create-access-key`), read and validated at synth
   * time. Its secret then is in the synthesized cdk.tf.json (inside the secret version only) and in the
   * Terraform state: keep both out of version control and encrypted.
   * @default - none; then `writer` is required
   */
  readonly credentialsFile?: string;
  /**
   * The bucket the credentials file's key may write to (with `credentialsFile` only).
   * @default - the writer's bucket
   */
  readonly bucket?: IExportBucket;
  /**
   * The prefix the credentials file's key may write under (with `credentialsFile` only).
   * @default - the writer's prefix; with `credentialsFile` the bucket root
   */
  readonly prefix?: string;
  /**
   * The bucket's region, passed to the runtime so it does not need GetBucketLocation.
   * @default - the runtime asks GetBucketLocation
   */
  readonly region?: string;
  /**
   * An S3-compatible endpoint (e.g. a local test server); path-style addressing is used with it.
   * @default - AWS S3
   */
  readonly endpoint?: string;
}

/**
 * The S3 sink: a Secrets Manager secret (optionally under a customer KMS key) holding the credentials in
 * the `aws iam create-access-key` JSON shape, made from a SinkWriter or from an existing `s3.json`, and a
 * deploy-time validation. Rotation: new credentials (a replaced access key, or a new `s3.json`) change only
 * the secret version (and re-run the validation); the secret's ARN, which exporters reference, stays.
 * In task-role mode it creates nothing: the exporter's task role gets the writer's policy.
 */
export class S3Sink extends Construct implements ISink {
  public readonly sinkName: string;
  public readonly sinkType: SinkType = 's3';
  public readonly bucket: IExportBucket;
  public readonly prefix?: string;
  public readonly region?: string;
  public readonly endpoint?: string;
  public readonly credentials: SinkCredentials;
  public readonly readiness?: ITerraformDependable;
  /** The secret (escape hatch; undefined in task-role mode). */
  public readonly secret?: SecretsmanagerSecret;
  /** The secret's value (escape hatch; undefined in task-role mode). */
  public readonly secretVersion?: SecretsmanagerSecretVersion;
  /** The deploy-time validation (undefined when off). */
  public readonly validation?: SinkDeployValidation;

  public constructor(scope: Construct, id: string, props: S3SinkProps) {
    super(scope, id);
    const fileJson = validate(this.node.path, props);
    const writer = props.writer;
    this.sinkName = props.name;
    this.bucket = (writer?.bucket ?? props.bucket) as IExportBucket;
    this.prefix = writer ? writer.prefix : props.prefix;
    this.region = props.region;
    this.endpoint = props.endpoint;

    if (writer?.mode === WriterMode.TASK_ROLE) {
      this.credentials = { kind: 'task-role', policyJson: writer.policyJson };
      return;
    }

    const parts = storeSinkCredentials(this, props, {
      json: writer ? accessKeyJson(writer) : (fileJson as string),
      shape: 'aws iam create-access-key JSON',
      dependsOn: writer?.accessKey ? [writer.accessKey] : undefined,
      bucketName: this.bucket.bucketName,
      prefix: this.prefix,
      region: this.region,
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

/**
 * The writer's access key in the exact JSON shape `aws iam create-access-key` prints, built by Terraform
 * (`jsonencode`) from the key's attributes, so the secret text never exists at synth time.
 */
function accessKeyJson(writer: ISinkWriter): string {
  const key = writer.accessKey!;
  return Fn.jsonencode({
    AccessKey: {
      UserName: key.user,
      AccessKeyId: key.id,
      Status: key.status,
      SecretAccessKey: key.secret,
      CreateDate: key.createDate,
    },
  });
}

/** Every problem with the props and the credentials file, in one error; the file's JSON when it is valid. */
function validate(path: string, props: S3SinkProps): string | undefined {
  const problems = new PropProblems('S3Sink', path);
  checkSinkSecretProps(problems, props, 's3');
  const fileJson = checkWriterOrFile(problems, props, { type: 's3', writer: 'SinkWriter', file: 's3.json' });
  const writer = props.writer;
  if (writer) {
    if (writer.secretEncryptedWithPgp) {
      problems.add(
        'writer',
        writer.node.path,
        'encrypts its secret with pgpKey, so Terraform never has the plain secret to store in the sink',
        'decrypt the key yourself and pass it as credentialsFile with ExportBucket.fromBucketName, or use WriterMode.TASK_ROLE',
      );
    }
    if (writer.mode === WriterMode.TASK_ROLE) {
      if (props.validateOnDeploy === true) {
        problems.add(
          'validateOnDeploy',
          true,
          'cannot work in task-role mode (only the task can use the role)',
          'remove validateOnDeploy; the runtime writes the validation object when each task starts',
        );
      }
      if (props.secretEncryptionKeyArn !== undefined) {
        problems.add(
          'secretEncryptionKeyArn',
          props.secretEncryptionKeyArn,
          'has no secret to encrypt in task-role mode',
          'remove secretEncryptionKeyArn',
        );
      }
    }
  } else if (props.credentialsFile !== undefined && props.bucket === undefined) {
    problems.add(
      'bucket',
      undefined,
      'is required with credentialsFile',
      'pass bucket: ExportBucket.fromBucketName(scope, "Bucket", "<bucket the key may write to>")',
    );
  }
  if (isKnown(props.region) && !new RegExp(REGION_PATTERN).test(String(props.region))) {
    problems.add('region', props.region, 'is not an AWS region name', 'use a region like "eu-west-1"');
  }
  problems.throwIfAny();
  return fileJson;
}
