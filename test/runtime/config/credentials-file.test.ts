import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  loadAccessKeyFileOrThrow,
  parseAccessKeyJson,
  readAccessKeyFile,
} from '../../../runtime/config/credentials-file';
import { ConfigurationError } from '../../../runtime/config/problems';

const CANARY = 'CANARY-credentials-0a1b2c3d4e5f';
const ACCESS_KEY = {
  UserName: 'strm-export-demo',
  AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  Status: 'Active',
  SecretAccessKey: CANARY,
  CreateDate: '2021-04-08T08:19:33+00:00',
};

function messagesOf(text: string): string[] {
  const result = parseAccessKeyJson(text, 'file s3.json');
  expect(result.credentials).toBeUndefined();
  const messages = result.errors!.map((problem) => problem.message);
  for (const message of messages) expect(message).not.toContain(CANARY);
  return messages;
}

describe('parseAccessKeyJson', () => {
  test('reads the exact output of aws iam create-access-key', () => {
    expect(parseAccessKeyJson(JSON.stringify({ AccessKey: ACCESS_KEY }), 'file s3.json')).toEqual({
      credentials: {
        userName: 'strm-export-demo',
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: CANARY,
      },
    });
  });

  test('fails when the text is not JSON, without quoting it', () => {
    expect(messagesOf(`{"AccessKey": {"SecretAccessKey": ${CANARY}}}`)).toEqual([
      expect.stringMatching(/^sink\.credentials \(file s3\.json\) cannot be read: it is not valid JSON/),
    ]);
  });

  test('fails when the file is empty', () => {
    expect(messagesOf('  \n')).toEqual([expect.stringContaining('cannot be read: it is empty')]);
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
    expect(messagesOf(JSON.stringify(ACCESS_KEY))).toEqual(
      expect.arrayContaining([
        expect.stringContaining('sink.credentials AccessKey (file s3.json) is missing'),
        expect.stringContaining(
          'sink.credentials SecretAccessKey (file s3.json) is not a field of `aws iam create-access-key` output',
        ),
      ]),
    );
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

  test('recognises a Google Cloud service account key: GCS sinks are not supported yet', () => {
    const gcs = {
      type: 'service_account',
      project_id: 'p',
      private_key: CANARY,
      client_email: 'a@p.iam.gserviceaccount.com',
    };
    expect(messagesOf(JSON.stringify(gcs))).toEqual([
      expect.stringContaining(
        'sink.credentials (file s3.json) is a Google Cloud service account key: GCS sinks are not supported yet',
      ),
    ]);
  });
});

describe('readAccessKeyFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credentials-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('reads a valid file', () => {
    const file = path.join(dir, 's3.json');
    fs.writeFileSync(file, JSON.stringify({ AccessKey: ACCESS_KEY }, null, 4));
    expect(readAccessKeyFile(file).credentials?.accessKeyId).toBe('AKIAIOSFODNN7EXAMPLE');
  });

  test('fails when the file does not exist, telling how to create it', () => {
    const file = path.join(dir, 'missing.json');
    expect(readAccessKeyFile(file).errors?.map((p) => p.message)).toEqual([
      `sink.credentials (file ${file}) cannot be read: the file does not exist. Fix: create it with ` +
        `\`aws iam create-access-key --user-name <user> > ${file}\` or point to the right file`,
    ]);
  });

  test('fails when the path is a directory', () => {
    expect(readAccessKeyFile(dir).errors?.[0].message).toContain('cannot be read: it is a directory');
  });

  test('loadAccessKeyFileOrThrow throws one ConfigurationError with every problem', () => {
    const file = path.join(dir, 'partial.json');
    fs.writeFileSync(file, JSON.stringify({ AccessKey: { SecretAccessKey: CANARY } }));
    let thrown: unknown;
    try {
      loadAccessKeyFileOrThrow(file);
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
