export {
  ExportGuardRails,
  NoPlaintextSecrets,
  SecureExportBuckets,
  SinkWriterLeastPrivilege,
} from './aspects';
