import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';

import { PATH_PREFIX_RULE, pathPrefixProblems } from '../../runtime/config/rules';
import { isKnown, PropProblems } from '../core/problems';
import { SECRET_RECOVERY_WINDOW_DAYS } from '../core/secure-defaults';
import type { SinkType } from '../../runtime/config/sink-credentials';
import { readCredentialsFile } from './credentials-file';
import { DeployValidationOptions, SinkDeployValidation } from './deploy-validation';

/** The props every sink that keeps its credentials in Secrets Manager takes (S3Sink, GcsSink). */
export interface SinkSecretProps {
  /** The sink's name, e.g. "s3" or "gcs" (letters, digits, ".", "_", "-"; up to 64 characters). */
  readonly name: string;
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
   * @default true
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

/** What the stored credentials are and where they may write (for the secret and the validation). */
export interface StoredCredentials {
  /** The secret's text: a Terraform expression, or a credentials file's JSON. */
  readonly json: string;
  /** e.g. "aws iam create-access-key JSON" or "Google service account key file". */
  readonly shape: string;
  /** What must exist before the secret and be destroyed after it (the key it holds). */
  readonly dependsOn?: ITerraformDependable[];
  readonly bucketName: string;
  readonly prefix?: string;
  readonly region?: string;
  readonly endpoint?: string;
}

/** The secret, its value and the validation that gates the exporters. */
export interface SinkSecretParts {
  readonly secret: SecretsmanagerSecret;
  readonly secretVersion: SecretsmanagerSecretVersion;
  readonly validation?: SinkDeployValidation;
  /** What an exporter must be created after. */
  readonly readiness: ITerraformDependable;
}

const SINK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * Creates the sink's children `Secret`, `Credentials` (its version) and `DeployValidation` (their ids are
 * Terraform addresses: stable). Rotation changes only the version (and re-runs the validation); the secret's
 * ARN, which exporters reference, stays.
 */
export function storeSinkCredentials(
  sink: Construct,
  props: SinkSecretProps,
  credentials: StoredCredentials,
): SinkSecretParts {
  const secret = new SecretsmanagerSecret(sink, 'Secret', {
    namePrefix: `batch-exporter/sinks/${props.name}/`,
    description: `Credentials of the batch-exporter sink "${props.name}" (${credentials.shape})`,
    kmsKeyId: props.secretEncryptionKeyArn,
    recoveryWindowInDays: props.secretRecoveryWindowDays ?? SECRET_RECOVERY_WINDOW_DAYS,
    tags: props.tags,
    // Only the version references the key, yet the seed tears the sink down before the credentials it
    // holds: this edge makes `cdktf destroy` delete the whole sink before the key.
    dependsOn: credentials.dependsOn,
  });
  const secretVersion = new SecretsmanagerSecretVersion(sink, 'Credentials', {
    secretId: secret.id,
    secretString: credentials.json,
  });
  if (!(props.validateOnDeploy ?? true)) return { secret, secretVersion, readiness: secretVersion };
  const validation = new SinkDeployValidation(
    sink,
    'DeployValidation',
    {
      bucketName: credentials.bucketName,
      prefix: credentials.prefix,
      region: credentials.region,
      endpoint: credentials.endpoint,
      credentialsJson: secretVersion.secretString,
      trigger: secretVersion.versionId,
    },
    props.validation,
  );
  return { secret, secretVersion, validation, readiness: validation.resource };
}

/** The checks every such sink makes on its name, prefix, endpoint, secret and validation props. */
export function checkSinkSecretProps(
  problems: PropProblems,
  props: SinkSecretProps & { readonly prefix?: string; readonly endpoint?: string },
  example: string,
): void {
  if (!isKnown(props.name) || typeof props.name !== 'string' || !SINK_NAME.test(props.name)) {
    if (props.name === undefined || isKnown(props.name)) {
      problems.add(
        'name',
        props.name,
        'is not a valid sink name',
        `use 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit, e.g. "${example}"`,
      );
    }
  }
  if (isKnown(props.prefix)) {
    const broken = typeof props.prefix === 'string' ? pathPrefixProblems(props.prefix) : ['is not a string'];
    if (broken.length > 0) problems.add('prefix', props.prefix, broken.join(', '), `use ${PATH_PREFIX_RULE}`);
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
}

/** How one sink type names its writer and its credentials file, in messages. */
export interface SinkKind {
  readonly type: SinkType;
  /** e.g. "SinkWriter". */
  readonly writer: string;
  /** e.g. "s3.json". */
  readonly file: string;
}

const OTHER_SINK: Record<SinkType, string> = {
  s3:
    'it is an AWS access key (`aws iam create-access-key` JSON): use new S3Sink(scope, id, { name, credentialsFile, ' +
    'bucket: ExportBucket.fromBucketName(...) })',
  gcs:
    'it is a Google service account key: use new GcsSink(scope, id, { name, credentialsFile, bucket: ' +
    'GcsExportBucket.fromBucketName(...) })',
};

/**
 * The checks on "a writer or a credentials file, never both" and, with a file, its detection: a file of the
 * other sink type is refused with the sink to use. Returns the file's JSON when it is valid.
 */
export function checkWriterOrFile(
  problems: PropProblems,
  props: {
    readonly writer?: unknown;
    readonly credentialsFile?: string;
    readonly bucket?: unknown;
    readonly prefix?: string;
  },
  kind: SinkKind,
): string | undefined {
  const { writer } = props;
  if (writer && props.credentialsFile !== undefined) {
    problems.add(
      'credentialsFile',
      props.credentialsFile,
      'is given together with writer (a sink holds one set of credentials)',
      `give either writer (new credentials) or credentialsFile (existing ${kind.file}), not both`,
    );
  }
  if (!writer && props.credentialsFile === undefined) {
    problems.add(
      'writer',
      undefined,
      'and credentialsFile are both missing',
      `pass writer: new ${kind.writer}(...), or credentialsFile: "${kind.file}" together with bucket`,
    );
  }
  if (writer) {
    for (const prop of ['bucket', 'prefix'] as const) {
      if (props[prop] !== undefined) {
        problems.add(
          prop,
          prop === 'bucket' ? (props.bucket as { node?: { path: string } })?.node?.path : props.prefix,
          'is given together with writer, which already decides it',
          `remove ${prop}; set it on the ${kind.writer}`,
        );
      }
    }
    return undefined;
  }
  if (typeof props.credentialsFile !== 'string') return undefined;
  const file = readCredentialsFile(props.credentialsFile);
  for (const message of file.problems ?? []) problems.addWorded('credentialsFile', message);
  if (file.type !== undefined && file.type !== kind.type) {
    problems.add(
      'credentialsFile',
      props.credentialsFile,
      `is the credentials of a ${file.type.toUpperCase()} sink, not of a ${kind.type.toUpperCase()} one`,
      `${OTHER_SINK[file.type]}, or sinkFromCredentialsFile(), which picks the sink type from the file`,
    );
  }
  return file.json;
}
