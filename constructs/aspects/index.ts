export {
  ALL_GUARDS,
  ExportGuardRails,
  NoPlaintextSecrets,
  SecureExportBuckets,
  SinkWriterLeastPrivilege,
} from './aspects';
export { findingMessage, Guard, GuardFinding, GuardRule } from './finding';
export { GuardAspect } from './guard-aspect';
export { checkNoPlaintextSecrets } from './no-plaintext-secrets';
export { checkSecureBuckets, PUBLIC_ACCESS_FLAGS, tlsOnlyBuckets } from './secure-buckets';
export {
  checkSinkWriterLeastPrivilege,
  findSinkWriters,
  SinkWriterPrincipal,
} from './sink-writer-least-privilege';
