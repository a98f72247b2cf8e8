import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliResult, runEntrypoint } from './spawn-cli';

/** A secret that must never be printed, in any form, on any of these paths. */
const CANARY = 'CANARY-9f8e7d6c5b4a-SECRET';

function accessKeyJson(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    AccessKey: {
      UserName: 'strm-export-demo',
      AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      Status: 'Active',
      SecretAccessKey: CANARY,
      CreateDate: '2021-04-08T08:19:33+00:00',
      ...overrides,
    },
  });
}

/** A complete, valid configuration carrying the canary as SASL password and as the sink's secret key. */
const VALID: Record<string, string> = {
  BATCH_EXPORTER_NAME: 's3-demo',
  BATCH_EXPORTER_STREAM_NAME: 'demo',
  BATCH_EXPORTER_TOPIC: 'clicks',
  BATCH_EXPORTER_KAFKA_BROKERS: '127.0.0.1:9092',
  BATCH_EXPORTER_KAFKA_SASL_MECHANISM: 'plain',
  BATCH_EXPORTER_KAFKA_SASL_USERNAME: 'exporter',
  BATCH_EXPORTER_KAFKA_SASL_PASSWORD: CANARY,
  BATCH_EXPORTER_SINK_BUCKET: 'strmprivacy-export-demo',
  BATCH_EXPORTER_SINK_CREDENTIALS: accessKeyJson(),
  BATCH_EXPORTER_PATH_PREFIX: 'events',
  BATCH_EXPORTER_HTTP_PORT: '0',
};

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-config-'));
  fs.writeFileSync(
    path.join(dir, 'gcs.json'),
    JSON.stringify({
      type: 'service_account',
      project_id: 'demo',
      private_key: `-----BEGIN PRIVATE KEY-----${CANARY}`,
      client_email: 'x@demo.iam.gserviceaccount.com',
    }),
  );
  fs.writeFileSync(path.join(dir, 'broken.json'), `{"kafka": {"sasl": {"password": "${CANARY}" }`);
  fs.writeFileSync(
    path.join(dir, 'typo.json'),
    JSON.stringify({
      pathprefix: 'events',
      kafka: { brokers: '127.0.0.1:9092', sasl: { password: CANARY } },
    }),
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface BadCase {
  readonly name: string;
  /** Replaces VALID's variables; undefined removes one. */
  readonly env: Record<string, string | undefined> | ((dir: string) => Record<string, string | undefined>);
  /** Every line that must be in the report. */
  readonly messages: readonly (string | RegExp)[];
}

const CASES: readonly BadCase[] = [
  {
    name: 'nothing is set: every required field at once',
    env: Object.fromEntries(Object.keys(VALID).map((key) => [key, undefined])),
    messages: [
      'has 5 problems',
      'exporterName (BATCH_EXPORTER_NAME) is not set. Fix: set BATCH_EXPORTER_NAME',
      'stream.name (BATCH_EXPORTER_STREAM_NAME) is not set',
      'stream.topic (BATCH_EXPORTER_TOPIC) is not set',
      'kafka.brokers (BATCH_EXPORTER_KAFKA_BROKERS) is not set',
      'sink.bucket (BATCH_EXPORTER_SINK_BUCKET) is not set',
    ],
  },
  {
    name: 'the bucket name has capitals and an underscore',
    env: { BATCH_EXPORTER_SINK_BUCKET: 'My_Bucket' },
    messages: [
      'sink.bucket (BATCH_EXPORTER_SINK_BUCKET) is not a valid S3 bucket name: it contains characters other than lowercase letters',
      '(got "My_Bucket"). Fix: use an S3 bucket name: 3 to 63 characters',
    ],
  },
  {
    name: 'the bucket name ends with a reserved suffix',
    env: { BATCH_EXPORTER_SINK_BUCKET: 'exports-s3alias' },
    messages: [
      'sink.bucket (BATCH_EXPORTER_SINK_BUCKET) is not a valid S3 bucket name: it ends with the reserved suffix "-s3alias"',
    ],
  },
  {
    name: 'the path prefix has leading, trailing and double slashes',
    env: { BATCH_EXPORTER_PATH_PREFIX: '/events//clicks/' },
    messages: [
      'pathPrefix (BATCH_EXPORTER_PATH_PREFIX) is not a valid path prefix: it starts with "/", ends with "/", contains "//" (got "/events//clicks/")',
      'Fix: use a path like "events"',
    ],
  },
  {
    name: 'the path prefix is ".." or too long',
    env: { BATCH_EXPORTER_PATH_PREFIX: `${'a'.repeat(899)}/..` },
    messages: [
      'is not a valid path prefix: it is 902 characters long (at most 900), has a "." or ".." path segment',
    ],
  },
  {
    name: 'numbers are not whole numbers or out of range',
    env: {
      BATCH_EXPORTER_INTERVAL_SECONDS: '60s',
      BATCH_EXPORTER_MAX_OBJECT_BYTES: '10',
      BATCH_EXPORTER_HTTP_PORT: '70000',
    },
    messages: [
      'has 3 problems',
      'intervalSeconds (BATCH_EXPORTER_INTERVAL_SECONDS) must be a whole number (got "60s"). Fix: use whole seconds between objects, 1 to 86400',
      'maxObjectBytes (BATCH_EXPORTER_MAX_OBJECT_BYTES) is out of range (must be >= 1024) (got 10)',
      'httpPort (BATCH_EXPORTER_HTTP_PORT) is out of range (must be <= 65535) (got 70000)',
    ],
  },
  {
    name: 'the interval is zero',
    env: { BATCH_EXPORTER_INTERVAL_SECONDS: '0' },
    messages: ['intervalSeconds (BATCH_EXPORTER_INTERVAL_SECONDS) is out of range (must be >= 1) (got 0)'],
  },
  {
    name: 'a broker has no port and TLS is neither true nor false',
    env: { BATCH_EXPORTER_KAFKA_BROKERS: '127.0.0.1:9092,kafka-2', BATCH_EXPORTER_KAFKA_TLS: 'maybe' },
    messages: [
      'kafka.brokers[1] (BATCH_EXPORTER_KAFKA_BROKERS) is not valid (got "kafka-2"). Fix: use a bootstrap broker as "host:port"',
      'kafka.tls (BATCH_EXPORTER_KAFKA_TLS) must be true or false (got "maybe")',
    ],
  },
  {
    name: 'the SASL mechanism is unknown',
    env: { BATCH_EXPORTER_KAFKA_SASL_MECHANISM: 'gssapi' },
    messages: [
      'kafka.sasl.mechanism (BATCH_EXPORTER_KAFKA_SASL_MECHANISM) is not one of the allowed values (got "gssapi"). Fix: use one of plain, scram-sha-256, scram-sha-512, aws-msk-iam',
    ],
  },
  {
    name: 'SCRAM has no user name',
    env: {
      BATCH_EXPORTER_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      BATCH_EXPORTER_KAFKA_SASL_USERNAME: undefined,
    },
    messages: [
      'kafka.sasl.username (BATCH_EXPORTER_KAFKA_SASL_USERNAME) is not set, but SASL scram-sha-512 needs it',
    ],
  },
  {
    name: 'MSK IAM gets a password, no region and no TLS',
    env: {
      BATCH_EXPORTER_KAFKA_SASL_MECHANISM: 'aws-msk-iam',
      BATCH_EXPORTER_KAFKA_SASL_USERNAME: undefined,
    },
    messages: [
      'kafka.sasl.password (BATCH_EXPORTER_KAFKA_SASL_PASSWORD) is set, but aws-msk-iam signs with the AWS credential chain',
      'kafka.sasl.region (BATCH_EXPORTER_KAFKA_SASL_REGION) is not set, and neither is AWS_REGION',
      'kafka.tls (BATCH_EXPORTER_KAFKA_TLS) is not true, but MSK IAM authentication only works over TLS',
    ],
  },
  {
    name: 'the log level and the endpoint are wrong',
    env: { BATCH_EXPORTER_LOG_LEVEL: 'loud', BATCH_EXPORTER_SINK_ENDPOINT: 'ftp://minio:9000' },
    messages: [
      'logLevel (BATCH_EXPORTER_LOG_LEVEL) is not one of the allowed values (got "loud")',
      'sink.endpoint (BATCH_EXPORTER_SINK_ENDPOINT) is not valid (got "ftp://minio:9000"). Fix: use the URL of an S3-compatible endpoint',
    ],
  },
  {
    name: 'an unknown variable looks like a typo',
    env: { BATCH_EXPORTER_BUCKET: 'strmprivacy-export-demo' },
    messages: [
      'environment (BATCH_EXPORTER_BUCKET) is not a variable the exporter knows, so its value would be ignored. Fix: rename it (did you mean BATCH_EXPORTER_SINK_BUCKET?)',
    ],
  },
  {
    name: 'the credentials are not JSON (and contain the secret)',
    env: { BATCH_EXPORTER_SINK_CREDENTIALS: `AccessKeyId=AKIAIOSFODNN7EXAMPLE SecretAccessKey=${CANARY}` },
    messages: [
      'sink.credentials (BATCH_EXPORTER_SINK_CREDENTIALS) cannot be read: it is not valid JSON; expected either the JSON `aws iam create-access-key` prints',
    ],
  },
  {
    name: 'the credentials miss fields and have a bad CreateDate',
    env: {
      BATCH_EXPORTER_SINK_CREDENTIALS: JSON.stringify({
        AccessKey: {
          AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          Status: 'Active',
          SecretAccessKey: CANARY,
          CreateDate: 'yesterday',
        },
      }),
    },
    messages: [
      'sink.credentials AccessKey.UserName (BATCH_EXPORTER_SINK_CREDENTIALS) is missing',
      'sink.credentials AccessKey.CreateDate (BATCH_EXPORTER_SINK_CREDENTIALS) must be an ISO 8601 date-time',
    ],
  },
  {
    name: 'the access key is inactive',
    env: { BATCH_EXPORTER_SINK_CREDENTIALS: accessKeyJson({ Status: 'Inactive' }) },
    messages: [
      'sink.credentials AccessKey.Status (BATCH_EXPORTER_SINK_CREDENTIALS) is "Inactive": this access key AKIAIOSFODNN7EXAMPLE is deactivated',
      'Fix: activate it with `aws iam update-access-key --status Active --access-key-id AKIAIOSFODNN7EXAMPLE --user-name strm-export-demo`',
    ],
  },
  {
    name: 'the credentials file does not exist',
    env: (tmp) => ({
      BATCH_EXPORTER_SINK_CREDENTIALS: undefined,
      BATCH_EXPORTER_SINK_CREDENTIALS_FILE: path.join(tmp, 's3.json'),
    }),
    messages: [
      /sink\.credentials \(file .*s3\.json\) cannot be read: the file does not exist\. Fix: create it with `aws iam create-access-key/,
    ],
  },
  {
    name: 'the credentials file is a Google service account key (a GCS sink) missing a field, with a broken key',
    env: (tmp) => ({
      BATCH_EXPORTER_SINK_CREDENTIALS: undefined,
      BATCH_EXPORTER_SINK_CREDENTIALS_FILE: path.join(tmp, 'gcs.json'),
    }),
    messages: [
      /sink\.credentials private_key_id \(file .*gcs\.json\) is missing from the service account key/,
      /sink\.credentials private_key \(file .*gcs\.json\) is not a PEM private key .*\(got <redacted, \d+ chars>\)/,
    ],
  },
  {
    name: 'credentials are given both inline and as a file',
    env: (tmp) => ({ BATCH_EXPORTER_SINK_CREDENTIALS_FILE: path.join(tmp, 'gcs.json') }),
    messages: [
      'sink.credentials (BATCH_EXPORTER_SINK_CREDENTIALS and BATCH_EXPORTER_SINK_CREDENTIALS_FILE) is given twice',
    ],
  },
  {
    name: 'the config file is not valid JSON (and contains the secret)',
    env: (tmp) => ({ BATCH_EXPORTER_CONFIG_FILE: path.join(tmp, 'broken.json') }),
    messages: [/config file \(config file .*broken\.json\) cannot be read: it is not valid JSON/],
  },
  {
    name: 'the config file has a misspelt field and a wrong type',
    env: (tmp) => ({
      BATCH_EXPORTER_CONFIG_FILE: path.join(tmp, 'typo.json'),
      BATCH_EXPORTER_KAFKA_BROKERS: undefined,
    }),
    messages: [
      /pathprefix \(config file .*typo\.json\) is not a known field\. Fix: remove it or correct its spelling \(did you mean "pathPrefix"\?\)/,
      /kafka\.brokers \(config file .*typo\.json\) must be a list \(got "127\.0\.0\.1:9092"\)/,
    ],
  },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function environmentFor(badCase: BadCase): Record<string, string> {
  const changes = typeof badCase.env === 'function' ? badCase.env(dir) : badCase.env;
  const env: Record<string, string | undefined> = { ...VALID, ...changes };
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

describe('batch-exporter run with a bad configuration', () => {
  const results = new Map<string, CliResult>();

  beforeAll(async () => {
    // Two at a time: the machine's two cores are shared.
    const queue = [...CASES];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        results.set(next.name, await runEntrypoint(environmentFor(next)));
      }
    };
    await Promise.all([worker(), worker()]);
  });

  test.each(CASES.map((badCase) => [badCase.name, badCase] as const))(
    'fails when %s: exit 2 and every problem explained',
    (_name, badCase) => {
      const result = results.get(badCase.name)!;
      expect(result.stderr).toContain('batch-exporter run: the configuration has');
      for (const message of badCase.messages) {
        expect(result.stderr).toMatch(
          typeof message === 'string' ? new RegExp(escapeRegExp(message)) : message,
        );
      }
      expect(result.stderr).toContain('Nothing was started.');
      expect(result.stdout).toBe('');
      expect(result.code).toBe(2);
    },
  );

  test('never prints the canary secret, in any form, on any of these paths', () => {
    expect(results.size).toBe(CASES.length);
    for (const result of results.values()) {
      const output = result.stdout + result.stderr;
      expect(output).not.toContain(CANARY);
      expect(output).not.toContain(CANARY.slice(0, 12));
      expect(output).not.toContain(Buffer.from(CANARY).toString('base64').slice(0, 16));
    }
  });

  test('names the secret SASL password field without showing its value', () => {
    const result = results.get('MSK IAM gets a password, no region and no TLS')!;
    expect(result.stderr).not.toContain(CANARY);
    expect(result.stderr).toMatch(/kafka\.sasl\.password \(BATCH_EXPORTER_KAFKA_SASL_PASSWORD\) is set/);
  });
});
