/**
 * The sink's access key as `aws iam create-access-key` prints it (the seed's `s3.json`):
 * `{"AccessKey": {"UserName", "AccessKeyId", "Status", "SecretAccessKey", "CreateDate"}}`.
 * The S3 half of the sink credentials detection (./sink-credentials.ts), which the runtime
 * (BATCH_EXPORTER_SINK_CREDENTIALS and ..._FILE, `validate --credentials-file`) and the sink constructs use.
 */
import Ajv, { ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { CheckedCredentials, ConfigProblem, problem } from './problems';
import { displayValue } from './redact';

export interface AccessKeyCredentials {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export type AccessKeyResult = CheckedCredentials<AccessKeyCredentials>;

export const ACCESS_KEY_FILE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Output of aws iam create-access-key',
  type: 'object',
  additionalProperties: false,
  required: ['AccessKey'],
  properties: {
    AccessKey: {
      type: 'object',
      additionalProperties: false,
      required: ['UserName', 'AccessKeyId', 'Status', 'SecretAccessKey', 'CreateDate'],
      properties: {
        UserName: { type: 'string', minLength: 1 },
        AccessKeyId: { type: 'string', pattern: '^[A-Z0-9]{16,128}$' },
        Status: { type: 'string', enum: ['Active', 'Inactive'] },
        SecretAccessKey: { type: 'string', minLength: 1 },
        CreateDate: { type: 'string', format: 'date-time' },
      },
    },
  },
} as const;

const SECRET_FIELDS = new Set(['SecretAccessKey']);
const FIELD = 'sink.credentials';
/** How to get an S3 sink's credentials file, quoted in every fix. */
export const HOW_TO_CREATE_ACCESS_KEY =
  'use the JSON that `aws iam create-access-key --user-name <user>` prints, unchanged: ' +
  '{"AccessKey":{"UserName","AccessKeyId","Status","SecretAccessKey","CreateDate"}}';

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv, ['date-time']);
const validateShape = ajv.compile(ACCESS_KEY_FILE_SCHEMA);

function describeShapeError(error: ErrorObject, document: unknown, source: string): ConfigProblem {
  const segments = error.instancePath.split('/').filter(Boolean);
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties') segments.push(String(error.params.additionalProperty));
  const where = segments.length > 0 ? segments.join('.') : 'the document';
  const field = `${FIELD} ${where}`;
  const leaf = segments[segments.length - 1] ?? '';
  const value = segments.reduce<unknown>(
    (node, key) =>
      typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined,
    document,
  );
  const secret = SECRET_FIELDS.has(leaf);
  switch (error.keyword) {
    case 'required':
      return problem({ field, source, problem: 'is missing', fix: HOW_TO_CREATE_ACCESS_KEY });
    case 'additionalProperties':
      return problem({
        field,
        source,
        problem: 'is not a field of `aws iam create-access-key` output',
        fix: `remove it; ${HOW_TO_CREATE_ACCESS_KEY}`,
      });
    case 'enum':
      return problem({
        field,
        source,
        problem: 'must be "Active" or "Inactive"',
        shown: displayValue(value, secret),
        fix: HOW_TO_CREATE_ACCESS_KEY,
      });
    case 'pattern':
      return problem({
        field,
        source,
        problem: 'must be 16 or more uppercase letters and digits, like AKIAIOSFODNN7EXAMPLE',
        shown: displayValue(value, secret),
        fix: 'copy AccessKeyId exactly as `aws iam create-access-key` printed it',
      });
    case 'format':
      return problem({
        field,
        source,
        problem: 'must be an ISO 8601 date-time like "2021-04-08T08:19:33+00:00"',
        shown: displayValue(value, secret),
        fix: 'copy CreateDate exactly as `aws iam create-access-key` printed it',
      });
    default:
      return problem({
        field,
        source,
        problem: `${error.message ?? 'is invalid'}`,
        shown: displayValue(value, secret),
        fix: HOW_TO_CREATE_ACCESS_KEY,
      });
  }
}

/**
 * Validates a parsed credentials document as `aws iam create-access-key` output. `source` names where it
 * came from (a path or an environment variable) in every problem. No problem ever contains the secret access
 * key. The sink type detection (./sink-credentials.ts) calls it for documents that look like AWS keys.
 */
export function accessKeyFromDocument(document: unknown, source: string): AccessKeyResult {
  if (!validateShape(document)) {
    return {
      errors: (validateShape.errors ?? []).map((error) => describeShapeError(error, document, source)),
    };
  }
  const key = (document as { AccessKey: Record<string, string> }).AccessKey;
  if (key.Status !== 'Active') {
    return {
      errors: [
        problem({
          field: `${FIELD} AccessKey.Status`,
          source,
          problem: `is "${key.Status}": this access key ${key.AccessKeyId} is deactivated and cannot sign requests`,
          fix:
            `activate it with \`aws iam update-access-key --status Active --access-key-id ${key.AccessKeyId} ` +
            `--user-name ${key.UserName}\`, or create a new key`,
        }),
      ],
    };
  }
  return {
    credentials: {
      userName: key.UserName,
      accessKeyId: key.AccessKeyId,
      secretAccessKey: key.SecretAccessKey,
    },
  };
}
