import * as fs from 'fs';

import { readSinkCredentialsFile, SinkType } from '../../runtime/config/sink-credentials';

/** A credentials file read at synth time: its type and compact JSON, or every problem with it. */
export type CredentialsFileResult =
  | { readonly type: SinkType; readonly json: string; readonly problems?: undefined }
  | { readonly type?: undefined; readonly json?: undefined; readonly problems: readonly string[] };

/**
 * Reads an existing credentials file at synth time and detects its type with the runtime's own detection
 * (runtime/config/sink-credentials.ts): the output of `aws iam create-access-key` (`s3.json`) is an S3 sink,
 * a Google service account key file a GCS sink. A missing file, an empty one, bad JSON, missing fields, a P12
 * or HMAC key, a user credential and an `Inactive` key each get their own message. Messages never contain
 * the secret.
 *
 * The JSON returned is the document re-serialized compactly. The caller puts it into the sink's secret
 * version and nowhere else.
 */
export function readCredentialsFile(path: string): CredentialsFileResult {
  const result = readSinkCredentialsFile(path);
  if (result.errors) return { problems: result.errors.map((problem) => problem.message) };
  return {
    type: result.credentials.type,
    json: JSON.stringify(JSON.parse(fs.readFileSync(path, 'utf8'))),
  };
}
