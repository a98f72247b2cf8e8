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
  Guard,
} from '../../review/guards';
import { GuardAspect } from './guard-aspect';

/**
 * Sink writers (users whose key fills a sink secret, exporter task roles, anyone allowed to put `*.jsonl`)
 * get exactly the seed's two actions on the bucket and `bucket/prefix/*.jsonl`, and `kms:GenerateDataKey`
 * only on the bucket's own key.
 */
export class SinkWriterLeastPrivilege extends GuardAspect {
  protected readonly guards: readonly Guard[] = [checkSinkWriterLeastPrivilege, checkGcsWriterLeastPrivilege];
}

/** Every bucket the stack creates blocks public access, encrypts, denies non-TLS requests and aborts stale uploads. */
export class SecureExportBuckets extends GuardAspect {
  protected readonly guards: readonly Guard[] = [checkSecureBuckets, checkSecureGcsBuckets];
}

/** No secret in outputs, tags or plain environment; access keys PGP-encrypted or consumed only by the sink secret. */
export class NoPlaintextSecrets extends GuardAspect {
  protected readonly guards: readonly Guard[] = [checkNoPlaintextSecrets, checkGcsKeysStored];
}

/** All guard rails at once. */
export class ExportGuardRails extends GuardAspect {
  protected readonly guards: readonly Guard[] = ALL_GUARDS;
}
