import { randomUUID } from 'node:crypto';
import type { ObjectStore } from './object-store';

/**
 * Writes the empty validation object `<prefix>/.strm_test_<uuid>.jsonl` (the seed's start-up check: the
 * bucket exists and the credentials may write there). Returns its key; throws the store's
 * {@link StorePermanentError} (naming bucket, prefix and missing permission) when it cannot.
 */
export async function writeValidationObject(
  store: ObjectStore,
  pathPrefix: string | undefined,
  uuid: () => string = randomUUID,
): Promise<string> {
  const key = `${pathPrefix ? `${pathPrefix}/` : ''}.strm_test_${uuid()}.jsonl`;
  await store.putIfAbsent(key, Buffer.alloc(0));
  return key;
}
