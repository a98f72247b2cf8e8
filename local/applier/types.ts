import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Value } from './expression';
import { ExporterTasks } from './exporter-tasks';

/** A resource's attributes: its arguments as applied plus what the local service computed (ids, ARNs). */
export type Attributes = { [name: string]: Value };

/** One resource or data source as the applier applied it (the local counterpart of Terraform state). */
export interface AppliedResource {
  readonly address: string;
  readonly type: string;
  readonly mode: 'managed' | 'data';
  readonly constructPath?: string;
  readonly attributes: Attributes;
  /** Addresses it referenced or depended on when it was applied. */
  readonly dependencies: readonly string[];
  /** The block as synthesized (without cdktf's `//` metadata), to tell a changed resource on re-apply. */
  readonly block: string;
}

/** The AWS clients and facts handlers work with; all point at the local moto_server. */
export interface LocalAwsTarget {
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  /** Administrator credentials the applier acts with (like the identity running `terraform apply`). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly s3: S3Client;
  readonly iam: IAMClient;
  readonly secretsManager: SecretsManagerClient;
}

/** What a handler may use while it creates or destroys one resource. */
export interface HandlerContext {
  readonly aws: LocalAwsTarget;
  readonly tasks: ExporterTasks;
  /** Everything applied so far, by address. */
  readonly state: ReadonlyMap<string, AppliedResource>;
}

/** What one resource type becomes locally. */
export interface ResourceHandler {
  /** Shown in the plan summary, e.g. "S3 bucket on moto". */
  readonly locally: string;
  /** Attributes that hold secrets: never printed, never in an error message. */
  readonly sensitive?: readonly string[];
  /** Creates the resource from its resolved arguments; returns the computed attributes. */
  create(address: string, config: Attributes, context: HandlerContext): Promise<Attributes>;
  /** Destroys it; returns one line saying what was done. */
  destroy(resource: AppliedResource, context: HandlerContext): Promise<string>;
}

/** What one data source type reads locally. */
export interface DataSourceHandler {
  readonly locally: string;
  read(address: string, config: Attributes, context: HandlerContext): Promise<Attributes>;
}
