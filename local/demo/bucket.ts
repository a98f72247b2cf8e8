/**
 * Reading the export back from the bucket: a listing shaped like `aws s3 ls --recursive`, the objects'
 * events, and the check behind the demo's verdict (every produced event exported exactly once).
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

/** What one exported object's name says (runtime naming: `<start>-stream-<name>---<partitions>.jsonl`). */
export interface ObjectName {
  readonly intervalStart: string;
  readonly stream: string;
  readonly partitions: readonly number[];
}

const DATA_OBJECT =
  /(?:^|\/)(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})-stream-(.+)---(\d+(?:-\d+)*)(?:[^/]*)\.jsonl$/;
const VALIDATION_OBJECT = /(?:^|\/)\.strm_test_[0-9a-f-]+\.jsonl$/;

export function parseObjectName(key: string): ObjectName | undefined {
  if (key.includes('/_invalid/') || key.startsWith('_invalid/')) return undefined;
  const match = DATA_OBJECT.exec(key);
  if (match === null) return undefined;
  return { intervalStart: match[1], stream: match[2], partitions: match[3].split('-').map(Number) };
}

export function isValidationObject(key: string): boolean {
  return VALIDATION_OBJECT.test(key);
}

export async function listObjects(s3: S3Client, bucket: string): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      out.push({ key: o.Key!, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export async function readObject(s3: S3Client, bucket: string, key: string): Promise<string> {
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Body === undefined ? '' : Body.transformToString('utf8');
}

/** `aws s3 ls --recursive` lines: local date and time, size right-aligned, key. */
export function formatListing(objects: readonly ListedObject[]): string[] {
  const pad = (n: number) => String(n).padStart(2, '0');
  return objects.map((o) => {
    const d = o.lastModified;
    const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    return `${date} ${time} ${String(o.size).padStart(10)} ${o.key}`;
  });
}

/** The result of reading every object of the bucket back. */
export interface ExportCheck {
  readonly produced: number;
  /** Produced events found in data objects (each counted once). */
  readonly exported: number;
  /** Lines beyond the first for an event id. */
  readonly duplicates: number;
  /** Produced events found in no data object. */
  readonly missing: number;
  /** Lines that are not events of this run (unparseable, or another run's). */
  readonly unexpected: number;
  readonly dataObjects: number;
  readonly validationObjects: number;
  /** Data objects without any event (the runtime writes none). */
  readonly emptyDataObjects: number;
  /** Objects under `_invalid/` or with names the runtime does not write. */
  readonly otherObjects: readonly string[];
}

/** Reads every object and counts each produced event's occurrences. */
export async function checkExport(
  s3: S3Client,
  bucket: string,
  producedIds: ReadonlySet<string>,
): Promise<ExportCheck> {
  const seen = new Map<string, number>();
  let unexpected = 0;
  let dataObjects = 0;
  let validationObjects = 0;
  let emptyDataObjects = 0;
  const otherObjects: string[] = [];
  for (const object of await listObjects(s3, bucket)) {
    if (isValidationObject(object.key)) {
      validationObjects++;
      continue;
    }
    if (parseObjectName(object.key) === undefined) {
      otherObjects.push(object.key);
      continue;
    }
    dataObjects++;
    const lines = (await readObject(s3, bucket, object.key)).split('\n').filter((l) => l !== '');
    if (lines.length === 0) emptyDataObjects++;
    for (const line of lines) {
      const id = eventIdOf(line);
      if (id === undefined || !producedIds.has(id)) unexpected++;
      else seen.set(id, (seen.get(id) ?? 0) + 1);
    }
  }
  let duplicates = 0;
  for (const count of seen.values()) duplicates += count - 1;
  return {
    produced: producedIds.size,
    exported: seen.size,
    duplicates,
    missing: producedIds.size - seen.size,
    unexpected,
    dataObjects,
    validationObjects,
    emptyDataObjects,
    otherObjects,
  };
}

function eventIdOf(line: string): string | undefined {
  try {
    const parsed = JSON.parse(line) as { eventId?: unknown };
    return typeof parsed.eventId === 'string' ? parsed.eventId : undefined;
  } catch {
    return undefined;
  }
}

/** True when every produced event is in the bucket exactly once and nothing else is. */
export function exportComplete(check: ExportCheck): boolean {
  return (
    check.missing === 0 &&
    check.duplicates === 0 &&
    check.unexpected === 0 &&
    check.emptyDataObjects === 0 &&
    check.otherObjects.length === 0
  );
}

/** The demo's one verdict line. */
export function verdictLine(check: ExportCheck): string {
  const ok = exportComplete(check);
  const counts =
    `events produced ${check.produced} ${check.produced === check.exported ? '=' : '≠'} events exported ` +
    `${check.exported}, duplicates ${check.duplicates}`;
  const extra = [
    check.missing > 0 ? `${check.missing} missing` : undefined,
    check.unexpected > 0 ? `${check.unexpected} unexpected lines` : undefined,
    check.emptyDataObjects > 0 ? `${check.emptyDataObjects} empty data objects` : undefined,
    check.otherObjects.length > 0 ? `${check.otherObjects.length} other objects` : undefined,
  ].filter((e) => e !== undefined);
  const objects = `${check.dataObjects} data objects and ${check.validationObjects} validation object(s) read back`;
  return `VERDICT: ${ok ? 'PASS' : 'FAIL'}: ${counts}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}; ${objects}`;
}
