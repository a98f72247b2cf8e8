import { ServiceAccount } from '@cdktf/provider-google/lib/service-account';
import { ServiceAccountKey } from '@cdktf/provider-google/lib/service-account-key';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { Construct, IConstruct } from 'constructs';

import {
  GCS_WRITER_CONDITION_TITLE,
  GCS_WRITER_ROLE,
  gcsWriterConditionExpression,
} from '../../runtime/config/gcs-policy';
import { PATH_PREFIX_RULE, pathPrefixProblems } from '../../runtime/config/rules';
import { isKnown, PropProblems } from '../core/problems';
import { GCS_WRITER_ACCOUNT_PREFIX } from '../core/secure-defaults';
import { IGcsExportBucket } from './gcs-export-bucket';

/** A GCS writer: the bucket and prefix its key may write to, and the key. */
export interface IGcsSinkWriter extends IConstruct {
  readonly bucket: IGcsExportBucket;
  readonly prefix?: string;
  /** The service account's e-mail (a Terraform reference). */
  readonly serviceAccountEmail: string;
  /** The key the sink stores (its `private_key` is the base64 of the key file). */
  readonly key: ServiceAccountKey;
}

/** Props of a GCS sink writer. */
export interface GcsSinkWriterProps {
  /** The bucket the writer may create objects in, and nothing else. */
  readonly bucket: IGcsExportBucket;
  /**
   * The prefix it may write under (optional); the grant's IAM condition pins it.
   * @default - the bucket root (every `.jsonl` object of the bucket)
   */
  readonly prefix?: string;
  /**
   * The service account id (6 to 30 lowercase letters, digits and "-").
   * @default - `batch-exporter-` and 12 characters of the construct path's hash
   */
  readonly accountId?: string;
  /**
   * The Google Cloud project of the service account.
   * @default - the provider's project
   */
  readonly project?: string;
}

/** The writer's grant's description, shown by the console next to the condition. */
export const GCS_WRITER_CONDITION_DESCRIPTION =
  'batch-exporter writes only new *.jsonl objects under its prefix (roles/storage.objectCreator)';

const ACCOUNT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/**
 * The least-privilege GCS writer (runtime/config/gcs-policy.ts, the GCS counterpart of the S3 writer's policy): a
 * service account (`ServiceAccount`), `roles/storage.objectCreator` on the bucket only (`Grant`, a
 * `google_storage_bucket_iam_member`), narrowed by an IAM condition to objects under the prefix ending in
 * `.jsonl`, and its key (`Key`). objectCreator holds `storage.objects.create` only: the writer can neither
 * read, list, overwrite nor delete. No project-level role is granted.
 *
 * Destroy order (credentials are revoked first): the key goes before the grant and the service
 * account, because it depends on the grant.
 */
export class GcsSinkWriter extends Construct implements IGcsSinkWriter {
  public readonly bucket: IGcsExportBucket;
  public readonly prefix?: string;
  public readonly serviceAccountEmail: string;
  public readonly serviceAccount: ServiceAccount;
  public readonly grant: StorageBucketIamMember;
  public readonly key: ServiceAccountKey;

  public constructor(scope: Construct, id: string, props: GcsSinkWriterProps) {
    super(scope, id);
    validate(this.node.path, props);
    this.bucket = props.bucket;
    this.prefix = props.prefix;
    this.serviceAccount = new ServiceAccount(this, 'ServiceAccount', {
      accountId: props.accountId ?? `${GCS_WRITER_ACCOUNT_PREFIX}${this.node.addr.slice(0, 12)}`,
      displayName: 'batch-exporter sink writer',
      description: `Writes new *.jsonl objects to gs://${props.bucket.bucketName}/${props.prefix ? `${props.prefix}/` : ''}*.jsonl only`,
      project: props.project,
    });
    this.serviceAccountEmail = this.serviceAccount.email;
    this.grant = new StorageBucketIamMember(this, 'Grant', {
      bucket: props.bucket.bucketName,
      role: GCS_WRITER_ROLE,
      member: `serviceAccount:${this.serviceAccount.email}`,
      condition: {
        title: GCS_WRITER_CONDITION_TITLE,
        description: GCS_WRITER_CONDITION_DESCRIPTION,
        expression: gcsWriterConditionExpression(props.bucket.bucketName, props.prefix),
      },
    });
    this.key = new ServiceAccountKey(this, 'Key', {
      serviceAccountId: this.serviceAccount.name,
      // A key that cannot write yet would fail the deploy-time validation; on destroy the key goes first.
      dependsOn: [this.grant],
    });
  }
}

function validate(path: string, props: GcsSinkWriterProps): void {
  const problems = new PropProblems('GcsSinkWriter', path);
  if (props.bucket === undefined || props.bucket === null || props.bucket.storage !== 'gcs') {
    problems.add(
      'bucket',
      props.bucket?.node.path,
      'is not a GCS bucket',
      'pass `new GcsExportBucket(...)` or `GcsExportBucket.fromBucketName(scope, id, name)`',
    );
  }
  if (isKnown(props.prefix)) {
    const broken = typeof props.prefix === 'string' ? pathPrefixProblems(props.prefix) : ['is not a string'];
    if (broken.length > 0) problems.add('prefix', props.prefix, broken.join(', '), `use ${PATH_PREFIX_RULE}`);
  }
  if (isKnown(props.accountId) && !ACCOUNT_ID.test(String(props.accountId))) {
    problems.add(
      'accountId',
      props.accountId,
      'is not a valid service account id',
      'use 6 to 30 lowercase letters, digits and "-", starting with a letter, e.g. "strm-export-demo"',
    );
  }
  problems.throwIfAny();
}
