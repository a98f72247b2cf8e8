/**
 * The guard rails as Aspects. Apply them to your stacks:
 *
 * ```ts
 * Aspects.of(stack).add(new ExportGuardRails());          // all three
 * Aspects.of(stack).add(new SinkWriterLeastPrivilege());  // or one at a time
 * ```
 */
import {
  ALL_GUARDS,
  checkNoPlaintextSecrets,
  checkSecureBuckets,
  checkGcsKeysStored,
  checkGcsWriterLeastPrivilege,
  checkSecureGcsBuckets,
  checkSinkWriterLeastPrivilege,
} from '../../review/guards';
import { IAspect } from 'cdktf';
import { IConstruct } from 'constructs';
import { GuardRunner } from './guard-aspect';

/**
 * Sink writers (users whose key fills a sink secret, exporter task roles, anyone allowed to put `*.jsonl`)
 * get exactly the two actions of the least-privilege writer policy (`s3:GetBucketLocation` on the bucket,
 * `s3:PutObject` on `bucket/prefix/*.jsonl`), and `kms:GenerateDataKey`
 * only on the bucket's own key.
 */
export class SinkWriterLeastPrivilege implements IAspect {
  private readonly runner = new GuardRunner([checkSinkWriterLeastPrivilege, checkGcsWriterLeastPrivilege]);

  /** Registers the check on the visited node's stack (once per stack). */
  public visit(node: IConstruct): void {
    this.runner.visit(node);
  }
}

/** Every bucket the stack creates blocks public access, encrypts, denies non-TLS requests and aborts stale uploads. */
export class SecureExportBuckets implements IAspect {
  private readonly runner = new GuardRunner([checkSecureBuckets, checkSecureGcsBuckets]);

  /** Registers the check on the visited node's stack (once per stack). */
  public visit(node: IConstruct): void {
    this.runner.visit(node);
  }
}

/** No secret in outputs, tags or plain environment; access keys PGP-encrypted or consumed only by the sink secret. */
export class NoPlaintextSecrets implements IAspect {
  private readonly runner = new GuardRunner([checkNoPlaintextSecrets, checkGcsKeysStored]);

  /** Registers the check on the visited node's stack (once per stack). */
  public visit(node: IConstruct): void {
    this.runner.visit(node);
  }
}

/** All guard rails at once. */
export class ExportGuardRails implements IAspect {
  private readonly runner = new GuardRunner(ALL_GUARDS);

  /** Registers the check on the visited node's stack (once per stack). */
  public visit(node: IConstruct): void {
    this.runner.visit(node);
  }
}
