import {
  ENVIRONMENT,
  ExporterConfig,
  SECRET_ENVIRONMENT,
  loadConfig,
  renderEnvironment,
} from '../../../runtime/config';

const CANARY = 'CANARY-render-1f2e3d4c5b6a';

const CONFIG: ExporterConfig = {
  exporterName: 's3-demo',
  stream: { name: 'demo', topic: 'clicks' },
  kafka: {
    brokers: ['b-1:9096', 'b-2:9096'],
    clientId: 'client',
    groupId: 'group',
    client: 'native',
    tls: true,
    sasl: { mechanism: 'scram-sha-512', username: 'exporter', password: CANARY },
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 1000,
  },
  sink: {
    bucket: 'strmprivacy-export-demo',
    region: 'eu-west-1',
    endpoint: 'https://s3.eu-west-1.amazonaws.com',
    credentials: { kind: 'static', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: CANARY },
    requestTimeoutMs: 3000,
  },
  pathPrefix: 'events',
  intervalSeconds: 30,
  includeExistingEvents: true,
  maxObjectBytes: 1048576,
  httpPort: 9090,
  logLevel: 'warn',
  onDataLoss: 'skip',
};

describe('renderEnvironment', () => {
  test('renders no secret, not even from a whole ExporterConfig', () => {
    const environment = renderEnvironment(CONFIG);
    expect(JSON.stringify(environment)).not.toContain(CANARY);
    for (const secret of SECRET_ENVIRONMENT) expect(environment).not.toHaveProperty(secret);
  });

  test('round-trips through loadConfig once the secrets come from their own variables', () => {
    const credentials = JSON.stringify({
      AccessKey: {
        UserName: 'strm-export-demo',
        AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        Status: 'Active',
        SecretAccessKey: CANARY,
        CreateDate: '2021-04-08T08:19:33+00:00',
      },
    });
    const env = {
      ...renderEnvironment(CONFIG),
      [ENVIRONMENT.kafkaSaslPassword]: CANARY,
      [ENVIRONMENT.sinkCredentials]: credentials,
    };
    expect(loadConfig(env)).toEqual({ config: CONFIG });
  });

  test('leaves out unset optional fields, so the runtime defaults apply', () => {
    expect(
      renderEnvironment({
        exporterName: 's3-demo',
        stream: { name: 'demo', topic: 'clicks' },
        kafka: { brokers: ['b-1:9092'] },
        sink: { bucket: 'strmprivacy-export-demo' },
      }),
    ).toEqual({
      BATCH_EXPORTER_NAME: 's3-demo',
      BATCH_EXPORTER_STREAM_NAME: 'demo',
      BATCH_EXPORTER_TOPIC: 'clicks',
      BATCH_EXPORTER_KAFKA_BROKERS: 'b-1:9092',
      BATCH_EXPORTER_SINK_BUCKET: 'strmprivacy-export-demo',
    });
  });
});
