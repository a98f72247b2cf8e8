export {
  ExportGuardRails,
  NoPlaintextSecrets,
  SecureExportBuckets,
  SinkWriterLeastPrivilege,
} from './aspects';
export { GuardAspect } from './guard-aspect';
export {
  ALL_GUARDS,
  checkGcsKeysStored,
  checkGcsWriterLeastPrivilege,
  checkNoPlaintextSecrets,
  checkSecureGcsBuckets,
  checkSecureBuckets,
  checkSinkWriterLeastPrivilege,
  findingMessage,
  findSinkWriters,
  Guard,
  GuardFinding,
  GuardRule,
  PUBLIC_ACCESS_FLAGS,
  SinkWriterPrincipal,
  tlsOnlyBuckets,
} from '../../review/guards';
