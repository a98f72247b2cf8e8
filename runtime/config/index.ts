/** The configuration contract's public surface, for the runtime CLI, the data path and the constructs. */
export * from './types';
export * from './environment';
export * from './problems';
export * from './redact';
export * from './rules';
export * from './schema';
export * from './credentials-file';
export * from './gcs-key-file';
export * from './sink-credentials';
export * from './load';
export * from './render';
export * from './policy';
export * from './gcs-policy';
export * from './kafkajs';
export * from './librdkafka';
export * from './describe';
