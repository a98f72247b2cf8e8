import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  detectSinkCredentials,
  loadSinkCredentialsFileOrThrow,
  readSinkCredentialsFile,
} from '../../../runtime/config/sink-credentials';
import { ConfigurationError } from '../../../runtime/config/problems';
import { serviceAccountKeyFile, testPrivateKeyPem } from '../../support/gcs-key';

const CANARY = 'CANARY-credentials-0a1b2c3d4e5f';
const ACCESS_KEY = {
  UserName: 'strm-export-demo',
  AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  Status: 'Active',
  SecretAccessKey: CANARY,
  CreateDate: '2021-04-08T08:19:33+00:00',
};

function messagesOf(text: string | Buffer): string[] {
  const result = detectSinkCredentials(text, 'file s3.json');
  expect(result.credentials).toBeUndefined();
  const messages = result.errors!.map((problem) => problem.message);
  for (const message of messages) expect(message).not.toContain(CANARY);
  return messages;
}

describe('detectSinkCredentials on S3 access keys', () => {
  test('reads the exact output of aws iam create-access-key as an S3 sink', () => {
    expect(detectSinkCredentials(JSON.stringify({ AccessKey: ACCESS_KEY }), 'file s3.json')).toEqual({
      credentials: {
        type: 's3',
        accessKey: {
          userName: 'strm-export-demo',
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          secretAccessKey: CANARY,
        },
      },
    });
  });

  test('fails when the text is not JSON, without quoting it', () => {
    expect(messagesOf(`{"AccessKey": {"SecretAccessKey": ${CANARY}}}`)).toEqual([
      expect.stringMatching(/^sink\.credentials \(file s3\.json\) cannot be read: it is not valid JSON/),
    ]);
  });

  test('fails when the file is empty', () => {
    expect(messagesOf('  \n')).toEqual([
      expect.stringMatching(
        /^sink\.credentials \(file s3\.json\) is empty; expected either the JSON `aws iam create-access-key` prints \(an S3 sink/,
      ),
    ]);
  });

  test('fails naming every missing field at once', () => {
    const rest: Partial<typeof ACCESS_KEY> = { ...ACCESS_KEY };
    delete rest.SecretAccessKey;
    delete rest.UserName;
    expect(messagesOf(JSON.stringify({ AccessKey: rest }))).toEqual([
      expect.stringMatching(
        /^sink\.credentials AccessKey\.UserName \(file s3\.json\) is missing\. Fix: use the JSON that `aws iam create-access-key/,
      ),
      expect.stringMatching(/^sink\.credentials AccessKey\.SecretAccessKey \(file s3\.json\) is missing/),
    ]);
  });

  test('fails when the AccessKey wrapper is missing (the inner object was copied)', () => {
    expect(messagesOf(JSON.stringify(ACCESS_KEY))).toEqual([
      expect.stringContaining(
        'sink.credentials (file s3.json) is an AWS access key without the {"AccessKey": ...} wrapper',
      ),
    ]);
  });

  test('fails on a field that create-access-key does not print', () => {
    expect(messagesOf(JSON.stringify({ AccessKey: { ...ACCESS_KEY, SessionToken: 'x' } }))).toEqual([
      expect.stringContaining(
        'sink.credentials AccessKey.SessionToken (file s3.json) is not a field of `aws iam create-access-key` output',
      ),
    ]);
  });

  test('fails when the key is inactive, telling how to activate it', () => {
    expect(messagesOf(JSON.stringify({ AccessKey: { ...ACCESS_KEY, Status: 'Inactive' } }))).toEqual([
      'sink.credentials AccessKey.Status (file s3.json) is "Inactive": this access key AKIAIOSFODNN7EXAMPLE is deactivated ' +
        'and cannot sign requests. Fix: activate it with `aws iam update-access-key --status Active --access-key-id ' +
        'AKIAIOSFODNN7EXAMPLE --user-name strm-export-demo`, or create a new key',
    ]);
  });

  test('fails on an unknown status, a malformed key id and a secret of the wrong type, redacting the secret', () => {
    const messages = messagesOf(
      JSON.stringify({
        AccessKey: { ...ACCESS_KEY, Status: 'Enabled', AccessKeyId: 'akia-lower', SecretAccessKey: 12345678 },
      }),
    );
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'AccessKey.Status (file s3.json) must be "Active" or "Inactive" (got "Enabled")',
        ),
        expect.stringContaining(
          'AccessKey.AccessKeyId (file s3.json) must be 16 or more uppercase letters and digits',
        ),
        expect.stringContaining(
          'AccessKey.SecretAccessKey (file s3.json) must be string (got <redacted, 8 chars>)',
        ),
      ]),
    );
    expect(messages.join('\n')).not.toContain('12345678');
  });
});

/** The base64 body of the test key: no message may contain any line of it. */
function keyLines(): string[] {
  return testPrivateKeyPem()
    .split('\n')
    .filter((line) => line.length > 20 && !line.startsWith('-----'));
}

function gcsMessagesOf(content: string | Buffer): string[] {
  const messages = messagesOf(content);
  for (const message of messages) for (const line of keyLines()) expect(message).not.toContain(line);
  return messages;
}

describe('detectSinkCredentials on Google credentials and other files', () => {
  test('reads a service account key file as a GCS sink', () => {
    const file = serviceAccountKeyFile();
    expect(detectSinkCredentials(JSON.stringify(file, null, 2), 'file key.json')).toEqual({
      credentials: {
        type: 'gcs',
        serviceAccount: {
          projectId: 'strm-export-demo',
          clientEmail: 'batch-exporter@strm-export-demo.iam.gserviceaccount.com',
          privateKeyId: '0123456789abcdef0123456789abcdef01234567',
          privateKey: testPrivateKeyPem(),
        },
      },
    });
  });

  test('reads a service account key from bytes with a byte order mark', () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify(serviceAccountKeyFile())),
    ]);
    expect(detectSinkCredentials(bytes, 'file key.json').credentials?.type).toBe('gcs');
  });

  test('fails on a service account key naming every missing field', () => {
    const file = serviceAccountKeyFile({ private_key: undefined, client_email: undefined, project_id: '' });
    expect(gcsMessagesOf(JSON.stringify(file))).toEqual([
      expect.stringMatching(
        /^sink\.credentials project_id \(file s3\.json\) must be a non-empty string in the service account key \(got ""\)\. Fix: use the JSON key file that `gcloud iam service-accounts keys create/,
      ),
      expect.stringMatching(
        /^sink\.credentials private_key \(file s3\.json\) is missing from the service account key\. Fix:/,
      ),
      expect.stringMatching(
        /^sink\.credentials client_email \(file s3\.json\) is missing from the service account key\. Fix:/,
      ),
    ]);
  });

  test('fails on a private key that is not PEM, showing only its length', () => {
    expect(gcsMessagesOf(JSON.stringify(serviceAccountKeyFile({ private_key: CANARY })))).toEqual([
      `sink.credentials private_key (file s3.json) is not a PEM private key ("-----BEGIN PRIVATE KEY-----\\n...", ` +
        `with its line breaks as \\n in the JSON) (got <redacted, ${CANARY.length} chars>). Fix: use the key file ` +
        'as gcloud wrote it; if it was edited, create a new key',
    ]);
  });

  test('fails on a private key whose line breaks were lost, without quoting it', () => {
    const flattened = testPrivateKeyPem().replace(/\n/g, ' ');
    expect(gcsMessagesOf(JSON.stringify(serviceAccountKeyFile({ private_key: flattened })))).toEqual([
      expect.stringContaining('sink.credentials private_key (file s3.json) is not a PEM private key'),
    ]);
  });

  test('fails on a client_email that is no e-mail address', () => {
    expect(gcsMessagesOf(JSON.stringify(serviceAccountKeyFile({ client_email: 'batch-exporter' })))).toEqual([
      expect.stringContaining(
        'sink.credentials client_email (file s3.json) is not an e-mail address like "exporter@my-project.iam.gserviceaccount.com" (got "batch-exporter")',
      ),
    ]);
  });

  test('fails on a P12 key file, telling how to create a JSON key', () => {
    const p12 = Buffer.from([
      0x30, 0x82, 0x09, 0x6c, 0x02, 0x01, 0x03, 0x30, 0x82, 0x09, 0x32, 0x06, 0x09, 0x00, 0xff,
    ]);
    expect(gcsMessagesOf(p12)).toEqual([
      expect.stringMatching(
        /^sink\.credentials \(file s3\.json\) is a binary file that starts like a DER\/PKCS#12 structure: a P12 key .*; expected either .* Fix: create a JSON key instead \(`--key-file-type=json`, the default\)/,
      ),
    ]);
  });

  test('fails on a P12 key pasted as base64', () => {
    expect(messagesOf('MIIJbAIBAzCCCTIGCSqGSIb3DQEHAaCCCSMEggkfMIIJGzCCBW8GCSqGSIb3DQEHAaCCBWAE')).toEqual([
      expect.stringContaining('is base64 text that starts like a DER/PKCS#12 structure: probably a P12 key'),
    ]);
  });

  test('fails on a bare PEM private key', () => {
    expect(gcsMessagesOf(testPrivateKeyPem())).toEqual([
      expect.stringContaining('(file s3.json) is a PEM private key on its own'),
    ]);
  });

  test('fails on a GCS HMAC key pair, naming its access id but never its secret', () => {
    const hmac = {
      kind: 'storage#hmacKey',
      metadata: {
        accessId: 'GOOG1EXAMPLEACCESSID',
        id: 'strm-export-demo/GOOG1EXAMPLEACCESSID',
        projectId: 'strm-export-demo',
        serviceAccountEmail: 'batch-exporter@strm-export-demo.iam.gserviceaccount.com',
        state: 'ACTIVE',
      },
      secret: CANARY,
    };
    expect(messagesOf(JSON.stringify(hmac))).toEqual([
      expect.stringMatching(
        /^sink\.credentials \(file s3\.json\) is a Cloud Storage HMAC key \(accessId "GOOG1EXAMPLEACCESSID"\): HMAC keys sign the S3-compatible XML API.*Fix: create a key for the HMAC key's service account instead/,
      ),
    ]);
  });

  test('fails on a user credential (authorized_user)', () => {
    const user = {
      type: 'authorized_user',
      client_id: 'x.apps.googleusercontent.com',
      client_secret: CANARY,
      refresh_token: CANARY,
    };
    expect(messagesOf(JSON.stringify(user))).toEqual([
      expect.stringContaining(
        'sink.credentials (file s3.json) is a Google user credential ("type": "authorized_user", from `gcloud auth application-default login`)',
      ),
    ]);
  });

  test('fails on a workload identity federation configuration (external_account)', () => {
    const external = {
      type: 'external_account',
      audience: '//iam.googleapis.com/projects/1/x',
      subject_token_type: 'jwt',
    };
    expect(messagesOf(JSON.stringify(external))).toEqual([
      expect.stringContaining('is a workload identity federation configuration ("type": "external_account")'),
    ]);
  });

  test('fails on an unknown type, naming it', () => {
    expect(messagesOf(JSON.stringify({ type: 'api_key', key: CANARY }))).toEqual([
      expect.stringContaining('has "type": "api_key", which is no credentials file the exporter knows'),
    ]);
  });

  test('fails on a key-like object without its type', () => {
    const file = serviceAccountKeyFile({ type: undefined });
    expect(gcsMessagesOf(JSON.stringify(file))).toEqual([
      expect.stringContaining(
        'looks like a Google service account key (client_email, private_key) but has no "type"',
      ),
    ]);
  });

  test('fails on the CSV the AWS console downloads', () => {
    expect(messagesOf(`Access key ID,Secret access key\nAKIAIOSFODNN7EXAMPLE,${CANARY}\n`)).toEqual([
      expect.stringContaining('is the CSV of access keys that the AWS console downloads'),
    ]);
  });

  test('fails on JSON that is not an object, and on an object of unknown fields, naming the fields', () => {
    expect(messagesOf(JSON.stringify([CANARY]))).toEqual([
      expect.stringContaining('is JSON but not an object (it is an array)'),
    ]);
    expect(messagesOf(JSON.stringify({ bucket: 'b', key: CANARY }))).toEqual([
      expect.stringContaining(
        'is a JSON object with the fields "bucket, key", which are neither; expected either',
      ),
    ]);
  });

  test('fails on a binary file that is no P12 key', () => {
    expect(messagesOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x0a]))).toEqual([
      expect.stringContaining('is a binary file, not JSON text'),
    ]);
  });
});

describe('readSinkCredentialsFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credentials-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('reads a valid file', () => {
    const file = path.join(dir, 's3.json');
    fs.writeFileSync(file, JSON.stringify({ AccessKey: ACCESS_KEY }, null, 4));
    expect(readSinkCredentialsFile(file).credentials).toMatchObject({
      type: 's3',
      accessKey: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE' },
    });
  });

  test('fails when the file does not exist, telling how to create it', () => {
    const file = path.join(dir, 'missing.json');
    expect(readSinkCredentialsFile(file).errors?.map((p) => p.message)).toEqual([
      `sink.credentials (file ${file}) cannot be read: the file does not exist. Fix: create it with ` +
        `\`aws iam create-access-key --user-name <user> > ${file}\` (S3) or \`gcloud iam service-accounts keys ` +
        `create ${file} --iam-account <account>\` (GCS), or point to the right file`,
    ]);
  });

  test('fails when the path is a directory', () => {
    expect(readSinkCredentialsFile(dir).errors?.[0].message).toContain('cannot be read: it is a directory');
  });

  test('loadSinkCredentialsFileOrThrow throws one ConfigurationError with every problem', () => {
    const file = path.join(dir, 'partial.json');
    fs.writeFileSync(file, JSON.stringify({ AccessKey: { SecretAccessKey: CANARY } }));
    let thrown: unknown;
    try {
      loadSinkCredentialsFileOrThrow(file);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    const error = thrown as ConfigurationError;
    expect(error.problems).toHaveLength(4);
    expect(error.message).toMatch(
      new RegExp(`^The credentials file ${file.replace(/[/.]/g, '\\$&')} has 4 problems:`),
    );
    expect(error.message).not.toContain(CANARY);
  });
});
