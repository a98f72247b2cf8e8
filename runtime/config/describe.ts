/**
 * What of the configuration may be logged: everything but secrets, which are reduced to whether and how
 * they are set. The runtime logs this at start-up instead of the configuration itself.
 */
import { ExporterConfig } from './types';

export function describeConfig(config: ExporterConfig): Record<string, unknown> {
  return {
    exporterName: config.exporterName,
    stream: { ...config.stream },
    kafka: {
      brokers: [...config.kafka.brokers],
      clientId: config.kafka.clientId,
      groupId: config.kafka.groupId,
      tls: config.kafka.tls,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs ?? 'default',
      heartbeatIntervalMs: config.kafka.heartbeatIntervalMs ?? 'default',
      sasl: config.kafka.sasl
        ? {
            mechanism: config.kafka.sasl.mechanism,
            ...(config.kafka.sasl.username !== undefined && { username: config.kafka.sasl.username }),
            ...(config.kafka.sasl.region !== undefined && { region: config.kafka.sasl.region }),
            passwordSet: config.kafka.sasl.password !== undefined,
          }
        : 'none',
    },
    sink: {
      bucket: config.sink.bucket,
      region: config.sink.region ?? 'from GetBucketLocation',
      endpoint: config.sink.endpoint ?? 'AWS S3',
      requestTimeoutMs: config.sink.requestTimeoutMs ?? 'default',
      credentialSource:
        config.sink.credentials.kind === 'static'
          ? `access key ${config.sink.credentials.accessKeyId}`
          : 'default AWS credential chain',
    },
    pathPrefix: config.pathPrefix ?? '',
    intervalSeconds: config.intervalSeconds,
    includeExistingEvents: config.includeExistingEvents,
    maxObjectBytes: config.maxObjectBytes,
    httpPort: config.httpPort,
    logLevel: config.logLevel,
    onDataLoss: config.onDataLoss,
  };
}
