/**
 * The guard rails as pure functions over a synthesized stack: the aspects (constructs/aspects) apply them at
 * synth, the review applies them to a synth output, so both report exactly the same rules.
 */
import { Guard } from './finding';
import { checkGcsKeysStored, checkGcsWriterLeastPrivilege, checkSecureGcsBuckets } from './gcs-guards';
import { checkNoPlaintextSecrets } from './no-plaintext-secrets';
import { checkSecureBuckets } from './secure-buckets';
import { checkSinkWriterLeastPrivilege } from './sink-writer-least-privilege';

export { findingMessage, Guard, GuardFinding, GuardRule } from './finding';
export { checkGcsKeysStored, checkGcsWriterLeastPrivilege, checkSecureGcsBuckets } from './gcs-guards';
export { checkNoPlaintextSecrets } from './no-plaintext-secrets';
export { checkSecureBuckets, PUBLIC_ACCESS_FLAGS, tlsOnlyBuckets } from './secure-buckets';
export {
  checkSinkWriterLeastPrivilege,
  findSinkWriters,
  SinkWriterPrincipal,
} from './sink-writer-least-privilege';

/** Every guard, in report order. */
export const ALL_GUARDS: readonly Guard[] = [
  checkSinkWriterLeastPrivilege,
  checkGcsWriterLeastPrivilege,
  checkSecureBuckets,
  checkSecureGcsBuckets,
  checkNoPlaintextSecrets,
  checkGcsKeysStored,
];
