import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ENVIRONMENT,
  LoadConfigResult,
  describeConfig,
  loadConfig,
  loadSinkTarget,
  sinkTypeOf,
} from '../../../runtime/config';
import { serviceAccountKeyFile, testPrivateKeyPem } from '../../support/gcs-key';

const CANARY = 'CANARY-load-77aa88bb99cc';

const MINIMAL = {
  [ENVIRONMENT.exporterName]: 's3-demo',
  [ENVIRONMENT.streamName]: 'demo',
  [ENVIRONMENT.topic]: 'clicks',
  [ENVIRONMENT.kafkaBrokers]: 'b-1:9092, b-2:9092',
  [ENVIRONMENT.sinkBucket]: 'strmprivacy-export-demo',
};

function messages(result: LoadConfigResult): string[] {
  expect(result.config).toBeUndefined();
  return result.errors!.map((problem) => problem.message);
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'load-config-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function writeJson(name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

describe('loadConfig', () => {
  test('applies the defaults to a minimal environment', () => {
    expect(loadConfig(MINIMAL)).toEqual({
      config: {
        exporterName: 's3-demo',
        stream: { name: 'demo', topic: 'clicks' },
        kafka: {
          brokers: ['b-1:9092', 'b-2:9092'],
          clientId: 'batch-exporter-s3-demo',
          groupId: 'batch-exporter-s3-demo',
          client: 'kafkajs',
          tls: false,
        },
        sink: { bucket: 'strmprivacy-export-demo', credentials: { kind: 'default-chain' } },
        intervalSeconds: 60,
        includeExistingEvents: false,
        maxObjectBytes: 64 * 1024 * 1024,
        httpPort: 8080,
        logLevel: 'info',
        onDataLoss: 'fail',
      },
    });
  });

  test('reads every field from the environment, with forgiving spellings of booleans and mechanisms', () => {
    const { config } = loadConfig({
      ...MINIMAL,
      [ENVIRONMENT.kafkaClientId]: 'client-1',
      [ENVIRONMENT.kafkaGroupId]: 'group-1',
      [ENVIRONMENT.kafkaClient]: ' Native ',
      [ENVIRONMENT.kafkaTls]: 'TRUE',
      [ENVIRONMENT.kafkaSaslMechanism]: 'SCRAM_SHA_256',
      [ENVIRONMENT.kafkaSaslUsername]: 'exporter',
      [ENVIRONMENT.kafkaSaslPassword]: CANARY,
      [ENVIRONMENT.sinkRegion]: 'eu-west-1',
      [ENVIRONMENT.sinkEndpoint]: 'http://127.0.0.1:9000',
      [ENVIRONMENT.pathPrefix]: 'exports/clicks',
      [ENVIRONMENT.intervalSeconds]: '2',
      [ENVIRONMENT.includeExistingEvents]: 'yes',
      [ENVIRONMENT.maxObjectBytes]: '1048576',
      [ENVIRONMENT.httpPort]: '0',
      [ENVIRONMENT.logLevel]: 'DEBUG',
      [ENVIRONMENT.onDataLoss]: ' Skip ',
    });
    expect(config).toMatchObject({
      kafka: {
        clientId: 'client-1',
        groupId: 'group-1',
        client: 'native',
        tls: true,
        sasl: { mechanism: 'scram-sha-256', username: 'exporter', password: CANARY },
      },
      sink: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000' },
      pathPrefix: 'exports/clicks',
      intervalSeconds: 2,
      includeExistingEvents: true,
      maxObjectBytes: 1048576,
      httpPort: 0,
      logLevel: 'debug',
      onDataLoss: 'skip',
    });
  });

  test('fails when the path prefix and stream name leave no room for object keys within S3 limit', () => {
    const prefix = `exports/${'a'.repeat(880)}`;
    expect(
      messages(
        loadConfig({
          ...MINIMAL,
          [ENVIRONMENT.pathPrefix]: prefix,
          [ENVIRONMENT.streamName]: 's'.repeat(100),
        }),
      ),
    ).toEqual([
      'pathPrefix (BATCH_EXPORTER_PATH_PREFIX) is 888 characters, which with stream.name (100 characters) ' +
        "makes object keys of up to 1043 bytes, more than S3's 1024. Fix: shorten the path prefix or the " +
        'stream name by at least 19 characters together',
    ]);
  });

  test('fails on an unknown data-loss policy, naming both choices and what each does', () => {
    expect(messages(loadConfig({ ...MINIMAL, [ENVIRONMENT.onDataLoss]: 'ignore' }))).toEqual([
      'onDataLoss (BATCH_EXPORTER_ON_DATA_LOSS) is not one of the allowed values (got "ignore"). Fix: use ' +
        '"fail" (stop with the lost offset ranges, exit 1) or "skip" (log and count them, export the rest), ' +
        'for records removed by retention before they were exported (default fail)',
    ]);
  });

  test('fails on an unknown Kafka client, naming both choices', () => {
    expect(messages(loadConfig({ ...MINIMAL, [ENVIRONMENT.kafkaClient]: 'rdkafka' }))).toEqual([
      'kafka.client (BATCH_EXPORTER_KAFKA_CLIENT) is not one of the allowed values (got "rdkafka"). Fix: use ' +
        '"kafkajs" (pure JavaScript) or "native" (the runtime\'s addon over librdkafka, built into the image), ' +
        'the client that consumes the topic (default kafkajs)',
    ]);
  });

  test('reads the timing knobs of the consumer group and of S3 requests', () => {
    const { config } = loadConfig({
      ...MINIMAL,
      [ENVIRONMENT.kafkaSessionTimeoutMs]: '6000',
      [ENVIRONMENT.kafkaHeartbeatIntervalMs]: '1000',
      [ENVIRONMENT.sinkRequestTimeoutMs]: '3000',
    });
    expect(config?.kafka).toMatchObject({ sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000 });
    expect(config?.sink.requestTimeoutMs).toBe(3000);
  });

  test('reads how often topic metadata is refreshed, and names the range when it is out of it', () => {
    expect(loadConfig({ ...MINIMAL }).config?.kafka.metadataMaxAgeMs).toBeUndefined();
    expect(
      loadConfig({ ...MINIMAL, [ENVIRONMENT.kafkaMetadataMaxAgeMs]: '5000' }).config?.kafka.metadataMaxAgeMs,
    ).toBe(5000);
    expect(messages(loadConfig({ ...MINIMAL, [ENVIRONMENT.kafkaMetadataMaxAgeMs]: '100' }))).toEqual([
      expect.stringMatching(
        /^kafka\.metadataMaxAgeMs \(BATCH_EXPORTER_KAFKA_METADATA_MAX_AGE_MS\) is out of range \(must be >= 1000\) \(got 100\)/,
      ),
    ]);
  });

  test('fails when heartbeats are not below the session timeout, suggesting a third of it', () => {
    expect(
      messages(
        loadConfig({
          ...MINIMAL,
          [ENVIRONMENT.kafkaSessionTimeoutMs]: '6000',
          [ENVIRONMENT.kafkaHeartbeatIntervalMs]: '6000',
          [ENVIRONMENT.sinkRequestTimeoutMs]: '10',
        }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^sink\.requestTimeoutMs \(BATCH_EXPORTER_SINK_REQUEST_TIMEOUT_MS\) is out of range \(must be >= 100\) \(got 10\)/,
      ),
      'kafka.heartbeatIntervalMs (BATCH_EXPORTER_KAFKA_HEARTBEAT_INTERVAL_MS) is not below kafka.sessionTimeoutMs (6000), so ' +
        'the group would drop every member (got 6000). Fix: set BATCH_EXPORTER_KAFKA_HEARTBEAT_INTERVAL_MS to about a third of ' +
        'the session timeout (2000)',
    ]);
  });

  test('reads the JSON file, and the environment overrides it', () => {
    const file = writeJson('config.json', {
      exporterName: 'from-file',
      stream: { name: 'demo', topic: 'clicks' },
      kafka: { brokers: ['file:9092'], tls: true },
      sink: { bucket: 'file-bucket' },
      intervalSeconds: 5,
    });
    const { config } = loadConfig({ [ENVIRONMENT.configFile]: file, [ENVIRONMENT.sinkBucket]: 'env-bucket' });
    expect(config).toMatchObject({
      exporterName: 'from-file',
      kafka: { brokers: ['file:9092'], tls: true },
      sink: { bucket: 'env-bucket' },
      intervalSeconds: 5,
    });
  });

  test('prefers the --config option over BATCH_EXPORTER_CONFIG_FILE', () => {
    const file = writeJson('option.json', { exporterName: 'from-option' });
    const result = loadConfig(
      { ...MINIMAL, [ENVIRONMENT.exporterName]: undefined, [ENVIRONMENT.configFile]: '/nope.json' },
      {
        configFile: file,
      },
    );
    expect(result.config?.exporterName).toBe('from-option');
  });

  test('takes static credentials from BATCH_EXPORTER_SINK_CREDENTIALS', () => {
    const credentials = JSON.stringify({
      AccessKey: {
        UserName: 'u',
        AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        Status: 'Active',
        SecretAccessKey: CANARY,
        CreateDate: '2021-04-08T08:19:33+00:00',
      },
    });
    expect(
      loadConfig({ ...MINIMAL, [ENVIRONMENT.sinkCredentials]: credentials }).config?.sink.credentials,
    ).toEqual({
      kind: 'static',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: CANARY,
    });
  });

  test('makes a GCS sink from a service account key in BATCH_EXPORTER_SINK_CREDENTIALS_FILE', () => {
    const file = writeJson('key.json', serviceAccountKeyFile());
    const { config } = loadConfig({ ...MINIMAL, [ENVIRONMENT.sinkCredentialsFile]: file });
    expect(config?.sink.credentials).toEqual({
      kind: 'gcs-service-account',
      projectId: 'strm-export-demo',
      clientEmail: 'batch-exporter@strm-export-demo.iam.gserviceaccount.com',
      privateKeyId: '0123456789abcdef0123456789abcdef01234567',
      privateKey: testPrivateKeyPem(),
    });
    expect(sinkTypeOf(config!.sink.credentials)).toBe('gcs');
    const described = JSON.stringify(describeConfig(config!));
    expect(described).toContain('"type":"gcs"');
    expect(described).toContain('service account batch-exporter@strm-export-demo.iam.gserviceaccount.com');
    expect(described).not.toContain('PRIVATE KEY');
  });

  test('makes a GCS sink from the key as JSON in BATCH_EXPORTER_SINK_CREDENTIALS (the ECS secret)', () => {
    const { config } = loadConfig({
      ...MINIMAL,
      [ENVIRONMENT.sinkCredentials]: JSON.stringify(serviceAccountKeyFile()),
    });
    expect(config && sinkTypeOf(config.sink.credentials)).toBe('gcs');
  });

  test('fails on a region for a GCS sink, and on a bad key, reporting both at once without the key', () => {
    const key = serviceAccountKeyFile({ client_email: undefined, private_key: CANARY });
    const found = messages(
      loadConfig({
        ...MINIMAL,
        [ENVIRONMENT.sinkCredentials]: JSON.stringify(key),
        [ENVIRONMENT.sinkRegion]: 'eu-west-1',
      }),
    );
    expect(found).toEqual([
      expect.stringContaining(`sink.credentials client_email (${ENVIRONMENT.sinkCredentials}) is missing`),
      expect.stringContaining(
        `sink.credentials private_key (${ENVIRONMENT.sinkCredentials}) is not a PEM private key`,
      ),
    ]);
    expect(found.join('\n')).not.toContain(CANARY);
    const withGoodKey = messages(
      loadConfig({
        ...MINIMAL,
        [ENVIRONMENT.sinkCredentials]: JSON.stringify(serviceAccountKeyFile()),
        [ENVIRONMENT.sinkRegion]: 'eu-west-1',
      }),
    );
    expect(withGoodKey).toEqual([
      `sink.region (${ENVIRONMENT.sinkRegion}) is set, but the sink credentials are a Google service account key ` +
        '(a GCS sink), and GCS buckets need no region to write to (got "eu-west-1"). Fix: remove ' +
        `${ENVIRONMENT.sinkRegion}, or give S3 credentials if the bucket is in S3`,
    ]);
    expect(withGoodKey.join('\n')).not.toContain(testPrivateKeyPem().split('\n')[1]);
  });

  test('takes the MSK IAM region from AWS_REGION when not configured', () => {
    const { config } = loadConfig({
      ...MINIMAL,
      AWS_REGION: 'eu-central-1',
      [ENVIRONMENT.kafkaTls]: 'true',
      [ENVIRONMENT.kafkaSaslMechanism]: 'AWS_MSK_IAM',
    });
    expect(config?.kafka.sasl).toEqual({ mechanism: 'aws-msk-iam', region: 'eu-central-1' });
  });

  test('fails when the config file is missing or not an object', () => {
    expect(messages(loadConfig(MINIMAL, { configFile: path.join(dir, 'none.json') }))).toEqual([
      expect.stringMatching(
        /^config file \(config file .*none\.json\) does not exist\. Fix: point BATCH_EXPORTER_CONFIG_FILE or --config at/,
      ),
    ]);
    expect(messages(loadConfig(MINIMAL, { configFile: writeJson('array.json', '[1]') }))).toEqual([
      expect.stringContaining('is not a JSON object'),
    ]);
  });

  test('fails on a wrongly typed secret without showing it', () => {
    const file = writeJson('secret.json', {
      kafka: { sasl: { mechanism: 'plain', username: 'u', password: 12345678 } },
    });
    const result = messages(loadConfig(MINIMAL, { configFile: file }));
    expect(result).toEqual([expect.stringContaining('kafka.sasl.password (config file')]);
    expect(result[0]).toContain('must be a string (got <redacted, 8 chars>)');
    expect(result[0]).not.toContain('12345678');
  });

  test('fails on a bad value for every field of the file at once', () => {
    const file = writeJson('bad.json', {
      exporterName: '',
      stream: { name: 'a b', topic: 'x/y', partitions: 5 },
      kafka: { brokers: [], sasl: {} },
      sink: { bucket: 'ab', region: 'Europe' },
      includeExistingEvents: 'no',
    });
    const result = messages(loadConfig({}, { configFile: file }));
    expect(result).toEqual(
      expect.arrayContaining([
        expect.stringContaining('exporterName (config file'),
        expect.stringContaining('stream.name (config file'),
        expect.stringContaining('stream.topic (config file'),
        expect.stringMatching(/stream\.partitions \(config file .*\) is not a known field/),
        expect.stringMatching(/kafka\.brokers \(config file .*\) is empty/),
        expect.stringMatching(/kafka\.sasl\.mechanism \(config file .*\) is not set/),
        expect.stringMatching(
          /sink\.bucket \(config file .*\) is not a valid S3 bucket name: it is 2 characters long/,
        ),
        expect.stringMatching(/sink\.region \(config file .*\) is not valid \(got "Europe"\)/),
        expect.stringMatching(/includeExistingEvents \(config file .*\) must be true or false \(got "no"\)/),
      ]),
    );
    expect(result).toHaveLength(9);
  });
});

describe('loadSinkTarget', () => {
  test('needs only the sink, and names command line options as sources', () => {
    const result = loadSinkTarget(
      { [ENVIRONMENT.kafkaBrokers]: 'not a broker list' },
      {
        overrides: [
          { field: 'sink.bucket', value: 'Bad_Bucket', source: '--bucket' },
          { field: 'pathPrefix', value: 'events/', source: '--prefix' },
        ],
      },
    );
    expect(result.errors?.map((p) => p.message)).toEqual([
      expect.stringMatching(/^sink\.bucket \(--bucket\) is not a valid S3 bucket name/),
      expect.stringMatching(/^pathPrefix \(--prefix\) is not a valid path prefix: it ends with "\/"/),
    ]);
  });

  test('returns the sink, prefix and log level', () => {
    expect(loadSinkTarget({ [ENVIRONMENT.sinkBucket]: 'abc', [ENVIRONMENT.pathPrefix]: 'events' })).toEqual({
      config: {
        sink: { bucket: 'abc', credentials: { kind: 'default-chain' } },
        pathPrefix: 'events',
        logLevel: 'info',
      },
    });
  });
});
