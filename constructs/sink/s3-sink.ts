import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { Fn, ITerraformDependable } from 'cdktf';
import { Construct, IConstruct } from 'constructs';

import { PATH_PREFIX_RULE, pathPrefixProblems, REGION_PATTERN } from '../../runtime/config/rules';
import { IExportBucket } from '../bucket/export-bucket';
import { isKnown, PropProblems } from '../core/problems';
import { SECRET_RECOVERY_WINDOW_DAYS } from '../core/secure-defaults';
import { ISinkWriter, WriterMode } from '../writer/sink-writer';
import { readCredentialsFile } from './credentials-file';
import { DeployValidationOptions, SinkDeployValidation } from './deploy-validation';

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
 * A sink (seed: "Create a Sink"): a configuration item naming a bucket, the prefix its credentials may write
 * under, and those credentials. Batch exporters take this interface.
 */
export interface ISink extends IConstruct {
  /** The sink's name (seed: `strm create sink s3 ...` makes a sink named "s3"). */
  readonly sinkName: string;
  /** The bucket it writes to. */
  readonly bucket: IExportBucket;
  /** The prefix its credentials may write under; every exporter's pathPrefix must lie within it. */
  readonly prefix?: string;
  /** The bucket's region, if given (else the runtime asks GetBucketLocation). */
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

/** Props of an S3 sink. Give exactly one of `writer` and `credentialsFile`. */
export interface S3SinkProps {
  /** The sink's name, e.g. "s3" (letters, digits, ".", "_", "-"; up to 64 characters). */
  readonly name: string;
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
  /**
   * A customer managed KMS key ARN for the secret.
   * @default - the AWS managed key `aws/secretsmanager`
   */
  readonly secretEncryptionKeyArn?: string;
  /**
   * Days a deleted secret can be restored.
   * @default 7
   */
  readonly secretRecoveryWindowDays?: number;
  /**
   * Validate the sink at deploy time by writing the empty `.strm_test_<uuid>.jsonl` with its credentials
   * (the runtime's `validate`, via a local-exec provisioner). Turn it off for remote runners without Node.
   * Not available in task-role mode (there is no key to validate with outside the task).
   * @default true (false in task-role mode)
   */
  readonly validateOnDeploy?: boolean;
  /**
   * How the deploy-time validation runs.
   * @default - `npx --no-install batch-exporter validate`, retrying access denials for 60 s
   */
  readonly validation?: DeployValidationOptions;
  /**
   * Tags for the secret (never anything secret).
   * @default - no tags
   */
  readonly tags?: Record<string, string>;
}

const SINK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * The S3 sink: a Secrets Manager secret (optionally under a customer KMS key) holding the credentials in
 * the `aws iam create-access-key` JSON shape, made from a SinkWriter or from an existing `s3.json`, and a
 * deploy-time validation. Rotation: new credentials (a replaced access key, or a new `s3.json`) change only
 * the secret version (and re-run the validation); the secret's ARN, which exporters reference, stays.
 * In task-role mode it creates nothing: the exporter's task role gets the writer's policy.
 */
export class S3Sink extends Construct implements ISink {
  public readonly sinkName: string;
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

    const credentialsJson = writer ? accessKeyJson(writer) : (fileJson as string);

    this.secret = new SecretsmanagerSecret(this, 'Secret', {
      namePrefix: `batch-exporter/sinks/${props.name}/`,
      description: `Credentials of the batch-exporter sink "${props.name}" (aws iam create-access-key JSON)`,
      kmsKeyId: props.secretEncryptionKeyArn,
      recoveryWindowInDays: props.secretRecoveryWindowDays ?? SECRET_RECOVERY_WINDOW_DAYS,
      tags: props.tags,
      // Only the version references the key, yet the seed tears the sink down before the credentials it
      // holds: this edge makes `cdktf destroy` delete the whole sink before the access key.
      dependsOn: writer?.accessKey ? [writer.accessKey] : undefined,
    });
    this.secretVersion = new SecretsmanagerSecretVersion(this, 'Credentials', {
      secretId: this.secret.id,
      secretString: credentialsJson,
    });
    this.credentials = {
      kind: 'secret',
      secretArn: this.secret.arn,
      kmsKeyArn: props.secretEncryptionKeyArn,
    };

    if (props.validateOnDeploy ?? true) {
      this.validation = new SinkDeployValidation(
        this,
        'DeployValidation',
        {
          bucketName: this.bucket.bucketName,
          prefix: this.prefix,
          region: this.region,
          endpoint: this.endpoint,
          credentialsJson: this.secretVersion.secretString,
          trigger: this.secretVersion.versionId,
        },
        props.validation,
      );
      this.readiness = this.validation.resource;
    } else {
      this.readiness = this.secretVersion;
    }
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
  if (!isKnown(props.name) || typeof props.name !== 'string' || !SINK_NAME.test(props.name)) {
    if (props.name === undefined || isKnown(props.name)) {
      problems.add(
        'name',
        props.name,
        'is not a valid sink name',
        'use 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit, e.g. "s3"',
      );
    }
  }
  const writer = props.writer;
  if (writer && props.credentialsFile !== undefined) {
    problems.add(
      'credentialsFile',
      props.credentialsFile,
      'is given together with writer (a sink holds one set of credentials)',
      'give either writer (new credentials) or credentialsFile (existing s3.json), not both',
    );
  }
  if (!writer && props.credentialsFile === undefined) {
    problems.add(
      'writer',
      undefined,
      'and credentialsFile are both missing',
      'pass writer: new SinkWriter(...), or credentialsFile: "s3.json" together with bucket',
    );
  }
  if (writer) {
    for (const prop of ['bucket', 'prefix'] as const) {
      if (props[prop] !== undefined) {
        problems.add(
          prop,
          prop === 'bucket' ? props.bucket?.node.path : props.prefix,
          'is given together with writer, which already decides it',
          `remove ${prop}; set it on the SinkWriter`,
        );
      }
    }
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
  if (isKnown(props.prefix)) {
    const broken = typeof props.prefix === 'string' ? pathPrefixProblems(props.prefix) : ['is not a string'];
    if (broken.length > 0) problems.add('prefix', props.prefix, broken.join(', '), `use ${PATH_PREFIX_RULE}`);
  }
  if (isKnown(props.region) && !new RegExp(REGION_PATTERN).test(String(props.region))) {
    problems.add('region', props.region, 'is not an AWS region name', 'use a region like "eu-west-1"');
  }
  if (isKnown(props.endpoint) && !/^https?:\/\/[^\s/]+/.test(String(props.endpoint))) {
    problems.add(
      'endpoint',
      props.endpoint,
      'is not an http(s) URL',
      'use a URL like "http://127.0.0.1:4566"',
    );
  }
  if (isKnown(props.secretEncryptionKeyArn) && !KMS_KEY_ARN.test(String(props.secretEncryptionKeyArn))) {
    problems.add(
      'secretEncryptionKeyArn',
      props.secretEncryptionKeyArn,
      'is not a KMS key ARN',
      'give a key ARN like "arn:aws:kms:eu-west-1:111122223333:key/<key id>", or leave it unset for the AWS managed key',
    );
  }
  const window = props.secretRecoveryWindowDays;
  if (isKnown(window) && !(window === 0 || (Number.isInteger(window) && window! >= 7 && window! <= 30))) {
    problems.add(
      'secretRecoveryWindowDays',
      window,
      'is not 0 or a whole number from 7 to 30 (Secrets Manager limits)',
      'use 7 to 30 days, or 0 to delete the secret at once on destroy',
    );
  }
  const retrySeconds = props.validation?.retrySeconds;
  if (isKnown(retrySeconds) && !(Number.isInteger(retrySeconds) && retrySeconds! >= 0)) {
    problems.add(
      'validation.retrySeconds',
      retrySeconds,
      'is not a whole number of seconds (0 or more)',
      'use e.g. 60',
    );
  }
  let fileJson: string | undefined;
  if (typeof props.credentialsFile === 'string' && !writer) {
    const file = readCredentialsFile(props.credentialsFile);
    for (const message of file.problems ?? []) problems.addWorded('credentialsFile', message);
    fileJson = file.json;
  }
  problems.throwIfAny();
  return fileJson;
}
