import { isUtf8 } from 'node:buffer';
import type { ConsumedRecord } from '../kafka/consumer';
import { compactJson } from './compact-json';
import { isJsonObject } from './json-object-check';

const NEWLINE = Buffer.from('\n');

/** One record rendered as a JSONL line (with its trailing newline). */
export type EncodedRecord =
  | { readonly valid: true; readonly line: Buffer }
  | { readonly valid: false; readonly line: Buffer; readonly error: string };

/**
 * The line an invalid record becomes in `_invalid/`: everything needed to find and repair it. The
 * payload is base64 because it may not be text at all.
 */
export interface InvalidRecordLine {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly error: string;
  /** null for a tombstone (a record without value). */
  readonly payload: string | null;
}

/** One record's line without its trailing newline, and whether it goes to the data or the `_invalid/` object. */
export type EncodedContent =
  | { readonly valid: true; readonly content: Buffer }
  | { readonly valid: false; readonly content: Buffer; readonly error: string };

/**
 * Renders a record as one JSONL line: the value as compact JSON when it is a UTF-8 JSON object,
 * otherwise an {@link InvalidRecordLine}. Never throws, never drops: every record gives exactly one line.
 * Deterministic (the same record always gives the same bytes), which crash recovery relies on to rebuild
 * an object byte for byte.
 */
export function encodeRecord(topic: string, partition: number, record: ConsumedRecord): EncodedRecord {
  const encoded = encodeRecordContent(topic, partition, record);
  const line = Buffer.concat([encoded.content, NEWLINE], encoded.content.length + 1);
  return encoded.valid ? { valid: true, line } : { valid: false, line, error: encoded.error };
}

/**
 * {@link encodeRecord} without the newline and without copying: a compact valid value is returned as the
 * record's own bytes, so the caller appends it straight into its object buffer (same bytes, one copy).
 */
export function encodeRecordContent(
  topic: string,
  partition: number,
  record: ConsumedRecord,
): EncodedContent {
  const error = validationError(record.value);
  if (error === undefined) return { valid: true, content: compactJson(record.value!) };
  const invalid: InvalidRecordLine = {
    topic,
    partition,
    offset: record.offset,
    timestamp: record.timestamp,
    error,
    payload: record.value === null ? null : record.value.toString('base64'),
  };
  return { valid: false, content: Buffer.from(JSON.stringify(invalid)), error };
}

function validationError(value: Buffer | null): string | undefined {
  if (value === null) return 'record has no value (tombstone); expected a JSON object';
  if (!isUtf8(value)) return 'record value is not valid UTF-8; expected a UTF-8 encoded JSON object';
  // The common case, proven on the bytes; JSON.parse decides (and words the error) only for the rest.
  if (isJsonObject(value)) return undefined;
  const text = value.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return `record value is not JSON (${(error as Error).message}); expected a JSON object`;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    return `record value is ${kind}, not a JSON object; expected a JSON object ({...})`;
  }
  return undefined;
}
