/**
 * The sink's credentials decide its type (seed: "Based on the structure of the credentials file, we
 * automatically set the type to S3 or Google Cloud Storage"): the JSON of `aws iam create-access-key` is an
 * S3 sink, a Google service account key file (`"type": "service_account"`) a GCS sink. Anything else gets
 * one clear problem naming what was found and what is expected. Used by the runtime
 * (BATCH_EXPORTER_SINK_CREDENTIALS and ..._FILE, `validate --credentials-file`) and by the sink constructs
 * (`credentialsFile`, `sinkFromCredentialsFile`). No problem ever contains a secret or the file's text.
 */
import fs from 'node:fs';
import { AccessKeyCredentials, HOW_TO_CREATE_ACCESS_KEY, accessKeyFromDocument } from './credentials-file';
import {
  HOW_TO_CREATE_SERVICE_ACCOUNT_KEY,
  ServiceAccountKey,
  isServiceAccountDocument,
  serviceAccountFromDocument,
} from './gcs-key-file';
import { CheckedCredentials, ConfigurationError, jsonSyntaxLocation, problem } from './problems';
import { displayValue } from './redact';
import type { SinkCredentials } from './types';

/** Where a sink writes: decided by its credentials. */
export type SinkType = 's3' | 'gcs';

/** The sink type the (validated) credentials decide: a service account key is GCS, anything else S3. */
export function sinkTypeOf(credentials: SinkCredentials): SinkType {
  return credentials.kind === 'gcs-service-account' ? 'gcs' : 's3';
}

export type DetectedSinkCredentials =
  | { readonly type: 's3'; readonly accessKey: AccessKeyCredentials }
  | { readonly type: 'gcs'; readonly serviceAccount: ServiceAccountKey };

export type SinkCredentialsResult = CheckedCredentials<DetectedSinkCredentials>;

const FIELD = 'sink.credentials';

/** What every "this is not a credentials file" problem says is expected. */
export const EXPECTED_CREDENTIALS =
  'expected either the JSON `aws iam create-access-key` prints (an S3 sink: {"AccessKey":{...}}) or a Google ' +
  'service account key file (a GCS sink: {"type":"service_account",...})';

const BOTH_WAYS = `for S3 ${HOW_TO_CREATE_ACCESS_KEY}; for GCS ${HOW_TO_CREATE_SERVICE_ACCOUNT_KEY}`;

/** `type` values of Google credential files that are not service account keys, and what they are. */
const OTHER_GOOGLE_TYPES: Readonly<Record<string, string>> = {
  authorized_user:
    'a Google user credential ("type": "authorized_user", from `gcloud auth application-default login`): ' +
    'it acts as a person, expires with their session and cannot be narrowed to one bucket prefix',
  external_account:
    'a workload identity federation configuration ("type": "external_account"): it holds no key, only how to ' +
    'exchange another identity for a token, which the exporter does not do',
  external_account_authorized_user:
    'a workforce identity federation user credential ("type": "external_account_authorized_user")',
  impersonated_service_account:
    'an impersonation configuration ("type": "impersonated_service_account"): it needs a second credential ' +
    'to impersonate with',
  gdch_service_account: 'a Google Distributed Cloud Hosted service account ("type": "gdch_service_account")',
};

/**
 * Detects and validates a credentials document: the bytes of a file, or the text of an environment variable.
 * `source` names where it came from in every problem.
 */
export function detectSinkCredentials(content: string | Buffer, source: string): SinkCredentialsResult {
  const fail = (what: string, fix = BOTH_WAYS): SinkCredentialsResult => ({
    errors: [problem({ field: FIELD, source, problem: `${what}; ${EXPECTED_CREDENTIALS}`, fix })],
  });
  if (Buffer.isBuffer(content) && isBinary(content)) {
    return content[0] === 0x30
      ? fail(
          'is a binary file that starts like a DER/PKCS#12 structure: a P12 key (`gcloud iam service-accounts ' +
            'keys create --key-file-type=p12`), which the exporter cannot use',
          `create a JSON key instead (\`--key-file-type=json\`, the default); ${HOW_TO_CREATE_SERVICE_ACCOUNT_KEY}`,
        )
      : fail('is a binary file, not JSON text');
  }
  const text = Buffer.isBuffer(content) ? content.toString('utf8') : content;
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return fail('is empty');
  if (/^MII[A-Za-z0-9+/]{20}/.test(trimmed)) {
    return fail(
      'is base64 text that starts like a DER/PKCS#12 structure: probably a P12 key, which the exporter cannot use',
      `create a JSON key instead; ${HOW_TO_CREATE_SERVICE_ACCOUNT_KEY}`,
    );
  }
  if (/^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(trimmed)) {
    return fail(
      'is a PEM private key on its own: without the service account it belongs to it cannot be used',
      `use the whole JSON key file instead; ${HOW_TO_CREATE_SERVICE_ACCOUNT_KEY}`,
    );
  }
  if (/^(User name,)?Access key ID,Secret access key/i.test(trimmed)) {
    return fail(
      'is the CSV of access keys that the AWS console downloads',
      `write the key as JSON instead: ${HOW_TO_CREATE_ACCESS_KEY}, or build it from the CSV's two values as ` +
        '{"AccessKey":{"UserName","AccessKeyId","Status":"Active","SecretAccessKey","CreateDate"}}',
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(trimmed);
  } catch (error) {
    return fail(`cannot be read: ${jsonSyntaxLocation(trimmed, error)}`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return fail(
      `is JSON but not an object (it is ${Array.isArray(document) ? 'an array' : document === null ? 'null' : `a ${typeof document}`})`,
    );
  }
  return classify(document as Record<string, unknown>, source, fail);
}

function classify(
  document: Record<string, unknown>,
  source: string,
  fail: (what: string, fix?: string) => SinkCredentialsResult,
): SinkCredentialsResult {
  if ('AccessKey' in document) {
    const result = accessKeyFromDocument(document, source);
    return result.errors ? result : { credentials: { type: 's3', accessKey: result.credentials } };
  }
  if (isServiceAccountDocument(document)) {
    const result = serviceAccountFromDocument(document, source);
    return result.errors ? result : { credentials: { type: 'gcs', serviceAccount: result.credentials } };
  }
  const hmac = hmacAccessId(document);
  if (hmac !== undefined) {
    return fail(
      `is a Cloud Storage HMAC key (accessId ${displayValue(hmac)}): HMAC keys sign the S3-compatible XML API, ` +
        'while the exporter writes to GCS through its JSON API with a service account key',
      `create a key for the HMAC key's service account instead; ${HOW_TO_CREATE_SERVICE_ACCOUNT_KEY}`,
    );
  }
  if (typeof document.type === 'string') {
    const what = OTHER_GOOGLE_TYPES[document.type];
    return fail(
      what !== undefined
        ? `is ${what}`
        : `has "type": ${displayValue(document.type)}, which is no credentials file the exporter knows`,
      `give the sink a service account of its own and ${HOW_TO_CREATE_SERVICE_ACCOUNT_KEY}`,
    );
  }
  if ('AccessKeyId' in document || 'SecretAccessKey' in document) {
    return fail(
      'is an AWS access key without the {"AccessKey": ...} wrapper of `aws iam create-access-key` (e.g. the ' +
        'output of `aws configure export-credentials` or the inner object alone)',
      HOW_TO_CREATE_ACCESS_KEY,
    );
  }
  if (isServiceAccountLike(document)) {
    return fail(
      'looks like a Google service account key (client_email, private_key) but has no "type": "service_account"',
      HOW_TO_CREATE_SERVICE_ACCOUNT_KEY,
    );
  }
  const names = Object.keys(document);
  return fail(
    names.length === 0
      ? 'is an empty JSON object'
      : `is a JSON object with the fields ${displayValue(names.slice(0, 10).join(', '))}, which are neither`,
  );
}

/** The access id of a GCS HMAC key (`gcloud storage hmac create` or the REST API's `storage#hmacKey`). */
function hmacAccessId(document: Record<string, unknown>): string | undefined {
  const metadata = document.metadata as Record<string, unknown> | undefined;
  const accessId =
    (typeof metadata === 'object' && metadata !== null ? metadata.accessId : undefined) ?? document.accessId;
  if (typeof accessId !== 'string') return undefined;
  return 'secret' in document || document.kind === 'storage#hmacKey' || accessId.startsWith('GOOG')
    ? accessId
    : undefined;
}

function isServiceAccountLike(document: Record<string, unknown>): boolean {
  return 'private_key' in document && 'client_email' in document;
}

/** NUL bytes or bytes that are not UTF-8: no JSON text. */
function isBinary(content: Buffer): boolean {
  if (content.includes(0)) return true;
  return Buffer.compare(Buffer.from(content.toString('utf8'), 'utf8'), content) !== 0;
}

/** Reads and detects a credentials file; a missing or unreadable file is one more problem, not a throw. */
export function readSinkCredentialsFile(path: string): SinkCredentialsResult {
  const source = `file ${path}`;
  let content: Buffer;
  try {
    content = fs.readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'cannot be read: the file does not exist'
        : code === 'EACCES'
          ? 'cannot be read: permission denied'
          : code === 'EISDIR'
            ? 'cannot be read: it is a directory'
            : `cannot be read (${code ?? 'unknown error'})`;
    return {
      errors: [
        problem({
          field: FIELD,
          source,
          problem: reason,
          fix:
            `create it with \`aws iam create-access-key --user-name <user> > ${path}\` (S3) or ` +
            `\`gcloud iam service-accounts keys create ${path} --iam-account <account>\` (GCS), or point to the right file`,
        }),
      ],
    };
  }
  return detectSinkCredentials(content, source);
}

/** For constructs: the detected credentials, or a ConfigurationError listing every problem with the file. */
export function loadSinkCredentialsFileOrThrow(path: string): DetectedSinkCredentials {
  const result = readSinkCredentialsFile(path);
  if (result.errors) throw new ConfigurationError(result.errors, `The credentials file ${path}`);
  return result.credentials;
}
