/**
 * What of the configuration may be logged: everything but secrets, which are reduced to whether and how
 * they are set. The runtime logs this at start-up instead of the configuration itself.
 */
import { sinkTypeOf } from './sink-credentials';
import { ExporterConfig, SinkConfig, SinkCredentials } from './types';

/** Who writes, safe to print: the access key id, the service account's e-mail, or the default chain. */
export function describeSinkCredentials(credentials: SinkCredentials): string {
  switch (credentials.kind) {
    case 'static':
      return `access key ${credentials.accessKeyId}`;
    case 'gcs-service-account':
      return `service account ${credentials.clientEmail} (key ${credentials.privateKeyId})`;
    default:
      return 'the default AWS credential chain';
  }
}

/** The sink's storage as shown in logs: `s3://bucket` or `gs://bucket`. */
export function sinkUrl(sink: SinkConfig, key?: string): string {
  const scheme = sinkTypeOf(sink.credentials) === 'gcs' ? 'gs' : 's3';
  return `${scheme}://${sink.bucket}${key === undefined ? '' : `/${key}`}`;
}

export function describeConfig(config: ExporterConfig): Record<string, unknown> {
  return {
    exporterName: config.exporterName,
    stream: { ...config.stream },
    kafka: {
      brokers: [...config.kafka.brokers],
      clientId: config.kafka.clientId,
      groupId: config.kafka.groupId,
      client: config.kafka.client,
      tls: config.kafka.tls,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs ?? 'default',
      heartbeatIntervalMs: config.kafka.heartbeatIntervalMs ?? 'default',
      metadataMaxAgeMs: config.kafka.metadataMaxAgeMs ?? 'default',
      sasl: config.kafka.sasl
        ? {
            mechanism: config.kafka.sasl.mechanism,
            ...(config.kafka.sasl.username !== undefined && { username: config.kafka.sasl.username }),
            ...(config.kafka.sasl.region !== undefined && { region: config.kafka.sasl.region }),
            passwordSet: config.kafka.sasl.password !== undefined,
          }
        : 'none',
    },
    sink: describeSink(config.sink),
    pathPrefix: config.pathPrefix ?? '',
    intervalSeconds: config.intervalSeconds,
    includeExistingEvents: config.includeExistingEvents,
    maxObjectBytes: config.maxObjectBytes,
    httpPort: config.httpPort,
    logLevel: config.logLevel,
    onDataLoss: config.onDataLoss,
  };
}

function describeSink(sink: SinkConfig): Record<string, unknown> {
  const gcs = sinkTypeOf(sink.credentials) === 'gcs';
  return {
    type: sinkTypeOf(sink.credentials),
    bucket: sink.bucket,
    ...(!gcs && { region: sink.region ?? 'from GetBucketLocation' }),
    endpoint: sink.endpoint ?? (gcs ? 'Google Cloud Storage' : 'AWS S3'),
    requestTimeoutMs: sink.requestTimeoutMs ?? 'default',
    credentialSource: describeSinkCredentials(sink.credentials),
  };
}
