import { IamAccessKey } from '@cdktf/provider-aws/lib/iam-access-key';
import { IamUser } from '@cdktf/provider-aws/lib/iam-user';
import { IamUserPolicy } from '@cdktf/provider-aws/lib/iam-user-policy';
import { Construct, IConstruct } from 'constructs';

import { leastPrivilegePolicy } from '../../runtime/config/policy';
import { PATH_PREFIX_RULE, pathPrefixProblems } from '../../runtime/config/rules';
import { IExportBucket } from '../bucket/export-bucket';
import { isKnown, PropProblems } from '../core/problems';
import { WRITER_USER_PATH } from '../core/secure-defaults';
import { allow, AllowPolicyDocument, KMS_ACTIONS_FOR_PUT_OBJECT, policyDocument } from './permissions';

/**
 * How the exporter proves who it is to S3.
 *
 * - `ACCESS_KEY`: an IAM user with an access key, stored in the sink's secret (as STRM Privacy's S3 sinks take them). Choose it
 *   when the exporter runs outside this AWS account (another cloud, on premises, a partner's platform), or
 *   when the sink must be usable by anything that only takes an `s3.json`.
 * - `TASK_ROLE`: no user and no long-lived key; the same policy goes to the exporter's ECS task role and the
 *   runtime uses the default AWS credential chain. Choose it whenever the exporter runs on ECS in the
 *   bucket's account: nothing to rotate, nothing secret in the Terraform state.
 */
export enum WriterMode {
  ACCESS_KEY = 'access-key',
  TASK_ROLE = 'task-role',
}

/** The least-privilege identity that writes exports into a bucket and prefix. */
export interface ISinkWriter extends IConstruct {
  /** The bucket it may write to. */
  readonly bucket: IExportBucket;
  /** The prefix it may write under; undefined = the bucket root. */
  readonly prefix?: string;
  /** Access key or task role. */
  readonly mode: WriterMode;
  /** The least-privilege policy document, as JSON text with Terraform references where needed. */
  readonly policyJson: string;
  /** The access key (ACCESS_KEY mode only). */
  readonly accessKey?: IamAccessKey;
  /** True when the key's secret is PGP-encrypted and so not available to Terraform in plain text. */
  readonly secretEncryptedWithPgp: boolean;
}

/** Props of a SinkWriter. */
export interface SinkWriterProps {
  /** The bucket to write to (`new ExportBucket(...)` or `ExportBucket.fromBucketName(...)`). */
  readonly bucket: IExportBucket;
  /**
   * The prefix the writer may put objects under (`<bucket>/<prefix>/*.jsonl`). Every exporter on a sink made
   * from this writer must write inside it.
   * @default - the bucket root (`<bucket>/*.jsonl`)
   */
  readonly prefix?: string;
  /**
   * Access key (default) or task role; see `WriterMode` for when to choose which.
   * @default WriterMode.ACCESS_KEY
   */
  readonly mode?: WriterMode;
  /**
   * Name of the IAM user (ACCESS_KEY mode).
   * @default - `batch-exporter-` followed by a hash of this construct's path
   */
  readonly userName?: string;
  /**
   * IAM path of the user (ACCESS_KEY mode).
   * @default '/batch-exporter/'
   */
  readonly userPath?: string;
  /**
   * A base64-encoded PGP public key, or `keybase:<user>`, to encrypt the access key's secret in the Terraform
   * state. The plain secret is then never known to Terraform, so it cannot fill a sink's secret either: decrypt
   * `encryptedSecret` yourself and make the sink from an `s3.json`, or use `WriterMode.TASK_ROLE`.
   * @default - no PGP key: the secret is stored in the Terraform state in plain text
   */
  readonly pgpKey?: string;
  /**
   * Tags for the IAM user.
   * @default - no tags
   */
  readonly tags?: Record<string, string>;
}

/** Name of the user's inline policy. */
export const WRITER_POLICY_NAME = 'batch-exporter-bucket-write-access';

const USER_NAME = /^[\w+=,.@-]{1,64}$/;
const USER_PATH = /^\/([\x21-\x7e]{0,510}\/)?$/;

/**
 * The least-privilege writer: an IAM user on a path of its own
 * with no console login (no login profile is ever created), an inline policy with exactly the minimal set
 * of permissions (`s3:GetBucketLocation` on the bucket, `s3:PutObject` on `<bucket>/<prefix>/*.jsonl`, plus
 * `kms:GenerateDataKey` on the bucket's key when it uses SSE-KMS) and an access key. In `TASK_ROLE` mode it
 * creates nothing and hands the same policy to the exporter's task role.
 */
export class SinkWriter extends Construct implements ISinkWriter {
  public readonly bucket: IExportBucket;
  public readonly prefix?: string;
  public readonly mode: WriterMode;
  public readonly policyJson: string;
  public readonly policy: AllowPolicyDocument;
  public readonly secretEncryptedWithPgp: boolean;
  /** The IAM user (ACCESS_KEY mode; escape hatch). */
  public readonly user?: IamUser;
  /** The user's inline policy (ACCESS_KEY mode; escape hatch). */
  public readonly userPolicy?: IamUserPolicy;
  public readonly accessKey?: IamAccessKey;

  public constructor(scope: Construct, id: string, props: SinkWriterProps) {
    super(scope, id);
    const mode = props.mode ?? WriterMode.ACCESS_KEY;
    validate(this.node.path, props, mode);

    this.bucket = props.bucket;
    this.prefix = props.prefix;
    this.mode = mode;
    this.secretEncryptedWithPgp = props.pgpKey !== undefined;
    this.policy = writerPolicy(props.bucket.bucketName, props.prefix, props.bucket.encryptionKeyArn);
    this.policyJson = JSON.stringify(this.policy);

    if (mode === WriterMode.TASK_ROLE) return;

    this.user = new IamUser(this, 'User', {
      name: props.userName ?? `batch-exporter-${this.node.addr.slice(0, 12)}`,
      path: props.userPath ?? WRITER_USER_PATH,
      tags: props.tags,
    });
    this.userPolicy = new IamUserPolicy(this, 'Policy', {
      user: this.user.name,
      name: WRITER_POLICY_NAME,
      policy: this.policyJson,
    });
    this.accessKey = new IamAccessKey(this, 'AccessKey', {
      user: this.user.name,
      pgpKey: props.pgpKey,
      // The key references only the user, not the policy. Ordering it after the policy means a key never
      // exists that cannot yet write (deploy-time validation would fail), and on destroy the key goes first,
      // before the policy and the user (the seed's teardown order: revoke the credentials first).
      dependsOn: [this.userPolicy],
    });
  }
}

/**
 * The least-privilege policy (from the builder shared with the runtime's `policy` command) for a bucket and optional
 * prefix, plus the KMS action PutObject needs on the bucket's key when it has one. No prefix:
 * `<bucket>/*.jsonl` (never `//`, which S3 would not match).
 */
export function writerPolicy(bucketName: string, prefix?: string, kmsKeyArn?: string): AllowPolicyDocument {
  const seed = leastPrivilegePolicy(bucketName, prefix);
  const kms = kmsKeyArn === undefined ? [] : [allow(KMS_ACTIONS_FOR_PUT_OBJECT, [kmsKeyArn])];
  return policyDocument([...seed.Statement, ...kms]);
}

function validate(path: string, props: SinkWriterProps, mode: WriterMode): void {
  const problems = new PropProblems('SinkWriter', path);
  if (props.bucket === undefined || props.bucket === null) {
    problems.add(
      'bucket',
      props.bucket,
      'is required',
      'pass `new ExportBucket(...)` or `ExportBucket.fromBucketName(scope, id, name)`',
    );
  }
  if (isKnown(props.prefix)) {
    const broken = typeof props.prefix === 'string' ? pathPrefixProblems(props.prefix) : ['is not a string'];
    if (broken.length > 0) problems.add('prefix', props.prefix, broken.join(', '), `use ${PATH_PREFIX_RULE}`);
  }
  if (!Object.values(WriterMode).includes(mode)) {
    problems.add('mode', mode, 'is not a writer mode', 'use WriterMode.ACCESS_KEY or WriterMode.TASK_ROLE');
  }
  if (isKnown(props.userName) && !USER_NAME.test(String(props.userName))) {
    problems.add(
      'userName',
      props.userName,
      'is not a valid IAM user name',
      'use 1 to 64 letters, digits and +=,.@_- characters',
    );
  }
  if (isKnown(props.userPath) && !USER_PATH.test(String(props.userPath))) {
    problems.add(
      'userPath',
      props.userPath,
      'is not a valid IAM path',
      'use "/" or a path like "/batch-exporter/"',
    );
  }
  if (mode === WriterMode.TASK_ROLE) {
    for (const prop of ['userName', 'userPath', 'pgpKey', 'tags'] as const) {
      if (props[prop] !== undefined) {
        problems.add(
          prop,
          props[prop],
          'only applies to an IAM user, and WriterMode.TASK_ROLE creates none',
          `remove ${prop}, or use WriterMode.ACCESS_KEY`,
        );
      }
    }
  }
  problems.throwIfAny();
}
