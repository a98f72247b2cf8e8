import { DataResource } from 'cdktf';
import { Construct } from 'constructs';

import { ENVIRONMENT } from '../../runtime/config/environment';
import { DEPLOY_VALIDATION_RETRY_SECONDS } from '../core/secure-defaults';

/** How the sink is validated at deploy time. */
export interface DeployValidationOptions {
  /**
   * The command that writes the validation object with the credentials in BATCH_EXPORTER_SINK_CREDENTIALS
   * (the runtime's `validate`, which reads its target from the BATCH_EXPORTER_* variables). Runs on the
   * machine that runs `terraform apply`, in the stack's directory.
   * @default 'npx --no-install batch-exporter validate'
   */
  readonly command?: string;
  /**
   * How long the runtime's `validate` keeps retrying access denials (`--retry-seconds`): a fresh IAM access
   * key takes a few seconds to be accepted everywhere (IAM is eventually consistent).
   * @default 60
   */
  readonly retrySeconds?: number;
}

/** The default validation command: the runtime's CLI as installed next to the cdktf app. */
export const DEFAULT_VALIDATION_COMMAND = 'npx --no-install batch-exporter validate';

/** What the validation writes to and with which credentials (references into the stack). */
export interface ValidationTarget {
  readonly bucketName: string;
  readonly prefix?: string;
  readonly region?: string;
  readonly endpoint?: string;
  /** The secret version's `secret_string`: a reference, so the value itself is never in the command. */
  readonly credentialsJson: string;
  /** Re-validate whenever this changes (the secret version id: new credentials). */
  readonly trigger: string;
}

/**
 * Validates the sink the way STRM Privacy's batch exporters do, by writing an empty JSONL object with its
 * credentials, at deploy time: a `terraform_data` resource whose local-exec provisioner runs the runtime's `validate`
 * with the sink's credentials; `validate --retry-seconds` retries access denials while a fresh key
 * propagates. Replaced (so run again) when the
 * credentials change. The credentials reach the command only through its environment, as a reference to
 * the secret version; Terraform never prints a provisioner's environment.
 */
export class SinkDeployValidation extends Construct {
  /** The `terraform_data` resource; what depends on it starts only after a successful validation. */
  public readonly resource: DataResource;

  public constructor(
    scope: Construct,
    id: string,
    target: ValidationTarget,
    options: DeployValidationOptions = {},
  ) {
    super(scope, id);
    const environment: Record<string, string> = {
      [ENVIRONMENT.sinkBucket]: target.bucketName,
      [ENVIRONMENT.sinkCredentials]: target.credentialsJson,
    };
    if (target.prefix !== undefined) environment[ENVIRONMENT.pathPrefix] = target.prefix;
    if (target.region !== undefined) environment[ENVIRONMENT.sinkRegion] = target.region;
    if (target.endpoint !== undefined) environment[ENVIRONMENT.sinkEndpoint] = target.endpoint;

    this.resource = new DataResource(this, 'Resource', {
      triggersReplace: { credentialsVersion: target.trigger },
      provisioners: [
        {
          type: 'local-exec',
          command: `${options.command ?? DEFAULT_VALIDATION_COMMAND} --retry-seconds ${
            options.retrySeconds ?? DEPLOY_VALIDATION_RETRY_SECONDS
          }`,
          environment,
        },
      ],
    });
  }
}
