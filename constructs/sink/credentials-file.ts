import * as fs from 'fs';

import { readAccessKeyFile } from '../../runtime/config/credentials-file';

/** An `s3.json` read at synth time: its compact JSON, or every problem with it. */
export type CredentialsFileResult =
  | { readonly json: string; readonly problems?: undefined }
  | { readonly json?: undefined; readonly problems: readonly string[] };

/**
 * Reads an existing `s3.json` (the output of `aws iam create-access-key`) at synth time and validates it with
 * the runtime's own validator (runtime/config/credentials-file.ts): a missing file, bad JSON, missing fields,
 * a Google Cloud service-account file ("GCS sinks are not supported yet") and an `Inactive` key each get
 * their own message. Messages never contain the secret.
 *
 * The JSON returned is the document re-serialized compactly: exactly the create-access-key shape, since the
 * validator accepts no other field. The caller puts it into the sink's secret version and nowhere else.
 */
export function readCredentialsFile(path: string): CredentialsFileResult {
  const result = readAccessKeyFile(path);
  if (result.errors) return { problems: result.errors.map((problem) => problem.message) };
  return { json: JSON.stringify(JSON.parse(fs.readFileSync(path, 'utf8'))) };
}
