import { BatchSnapshot, Batcher } from '../../../runtime/exporter/batcher';
import { encodeRecordContent } from '../../../runtime/format/jsonl';
import type { RecordBatch, RecordColumns } from '../../../runtime/kafka/consumer';
import { FakeTopic } from '../support/fakes';

const SECOND = 1000;
const t0 = Date.parse('2024-01-01T00:00:00Z');
const intervalOf = (ms: number) => Math.floor(ms / (10 * SECOND)) * 10 * SECOND;

function topicWith(partition: number, count: number): FakeTopic {
  const topic = new FakeTopic();
  topic.append(partition, ...Array.from({ length: count }, (_, i) => `{"n":${i}}`));
  return topic;
}

describe('Batcher', () => {
  test('collects lines per partition with exact contiguous ranges', () => {
    const topic = topicWith(0, 5);
    topic.append(1, '{"x":1}', 'not json');
    const batcher = new Batcher('topic', 1 << 20, intervalOf);
    batcher.assign(
      new Map([
        [0, '0'],
        [1, '0'],
      ]),
    );
    batcher.append(topic.batch(0, 0, 3), t0);
    batcher.append(topic.batch(1, 0, 2), t0 + 1);
    batcher.append(topic.batch(0, 3, 5), t0 + 2);
    const snapshot = batcher.take()!;
    expect(snapshot.intervalStart).toBe(t0);
    expect(snapshot.records).toBe(7);
    expect(snapshot.slices.map((s) => [s.partition, s.from, s.to, s.valid.lines, s.invalid.lines])).toEqual([
      [0, '0', '5', 5, 0],
      [1, '0', '2', 1, 1],
    ]);
    expect(snapshot.slices[0].valid.toBuffer().toString()).toBe(
      '{"n":0}\n{"n":1}\n{"n":2}\n{"n":3}\n{"n":4}\n',
    );
    expect(batcher.take()).toBeUndefined();
  });

  test('cuts the batch when the interval changes and when it is due', () => {
    const topic = topicWith(0, 4);
    const batcher = new Batcher('topic', 1 << 20, intervalOf);
    batcher.assign(new Map([[0, '0']]));
    expect(batcher.append(topic.batch(0, 0, 2), t0 + 9 * SECOND).full).toEqual([]);
    const { full } = batcher.append(topic.batch(0, 2, 4), t0 + 10 * SECOND);
    expect(full).toHaveLength(1);
    expect(full[0]).toMatchObject({ intervalStart: t0, records: 2 });
    expect(full[0].slices[0]).toMatchObject({ from: '0', to: '2' });
    expect(batcher.takeIfDue(t0 + 19 * SECOND)).toBeUndefined();
    const due = batcher.takeIfDue(t0 + 20 * SECOND)!;
    expect(due).toMatchObject({ intervalStart: t0 + 10 * SECOND, records: 2 });
    expect(due.slices[0]).toMatchObject({ from: '2', to: '4' });
  });

  test('splits a batch at the maximum object size on record boundaries, ranges staying contiguous', () => {
    const topic = topicWith(0, 10); // each line is 8 bytes: {"n":0}\n
    const batcher = new Batcher('topic', 20, intervalOf);
    batcher.assign(new Map([[0, '0']]));
    const { full } = batcher.append(topic.batch(0, 0, 10), t0);
    const last = batcher.take()!;
    const all = [...full, last];
    expect(all.map((s) => s.bytes)).toEqual([16, 16, 16, 16, 16]);
    expect(all.map((s) => [s.slices[0].from, s.slices[0].to])).toEqual([
      ['0', '2'],
      ['2', '4'],
      ['4', '6'],
      ['6', '8'],
      ['8', '10'],
    ]);
  });

  test('drops records it already holds when a batch is delivered again', () => {
    const topic = topicWith(0, 4);
    const batcher = new Batcher('topic', 1 << 20, intervalOf);
    batcher.assign(new Map([[0, '0']]));
    batcher.append(topic.batch(0, 0, 3), t0);
    batcher.append(topic.batch(0, 1, 4), t0);
    const snapshot = batcher.take()!;
    expect(snapshot.records).toBe(4);
    expect(snapshot.slices[0]).toMatchObject({ from: '0', to: '4' });
  });

  test('rejects a batch that starts beyond the expected offset right after an assignment', () => {
    const topic = topicWith(0, 6);
    const batcher = new Batcher('topic', 1 << 20, intervalOf);
    batcher.assign(new Map([[0, '2']]));
    expect(batcher.append(topic.batch(0, 4, 6), t0)).toMatchObject({ rejected: 'stale', resumeAt: '2' });
    expect(batcher.take()).toBeUndefined();
    expect(batcher.append(topic.batch(0, 2, 6), t0).rejected).toBeUndefined();
    expect(batcher.take()!.slices[0]).toMatchObject({ from: '2', to: '6' });
  });

  test('accepts a first batch beyond the expected offset once that gap was found empty, as one contiguous slice', () => {
    const topic = topicWith(0, 6);
    const batcher = new Batcher('topic', 1 << 20, intervalOf);
    batcher.assign(new Map([[0, '2']]));
    // A gap elsewhere changes nothing: only the offset the partition waits at.
    batcher.acceptGap(0, '1');
    expect(batcher.append(topic.batch(0, 4, 6), t0).rejected).toBe('stale');
    batcher.acceptGap(0, '2');
    expect(batcher.append(topic.batch(0, 4, 6), t0)).toMatchObject({
      skipped: { partition: 0, from: '2', to: '4' },
    });
    expect(batcher.take()!.slices[0]).toMatchObject({ from: '2', to: '6' });
  });

  test('reports the offsets a later batch skipped, and keeps its slice contiguous', () => {
    const topic = topicWith(0, 10);
    const batcher = new Batcher('topic', 1 << 20, intervalOf);
    batcher.assign(new Map([[0, '0']]));
    expect(batcher.append(topic.batch(0, 0, 3), t0).skipped).toBeUndefined();
    expect(batcher.append(topic.batch(0, 7, 10), t0).skipped).toEqual({ partition: 0, from: '3', to: '7' });
    const snapshot = batcher.take()!;
    expect(snapshot.records).toBe(6);
    expect(snapshot.slices[0]).toMatchObject({ from: '0', to: '10' });
  });

  test('ignores partitions it was not assigned and forgets everything on a new assignment', () => {
    const topic = topicWith(0, 2);
    topic.append(1, '{}');
    const batcher = new Batcher('topic', 1 << 20, intervalOf);
    batcher.assign(new Map([[0, '0']]));
    expect(batcher.append(topic.batch(1, 0, 1), t0).rejected).toBe('not-assigned');
    batcher.append(topic.batch(0, 0, 2), t0);
    expect(batcher.bytes).toBeGreaterThan(0);
    batcher.assign(new Map([[1, '0']]));
    expect(batcher.bytes).toBe(0);
    expect(batcher.take()).toBeUndefined();
    expect(batcher.assigned()).toEqual([1]);
  });
});

/** A batch as the native client delivers it: values back to back (each + newline) and columns over them. */
function asColumns(batch: RecordBatch): RecordBatch {
  const values = batch.records.map((r) => r.value);
  const parts: Buffer[] = [];
  const starts = new Int32Array(values.length);
  const lengths = new Int32Array(values.length);
  const lineAsIs = new Uint8Array(values.length);
  let at = 0;
  values.forEach((value, i) => {
    starts[i] = at;
    lengths[i] = value === null ? -1 : value.length;
    if (value === null) return;
    parts.push(value, Buffer.from('\n'));
    at += value.length + 1;
    const encoded = encodeRecordContent('topic', batch.partition, batch.records[i]);
    lineAsIs[i] = encoded.valid && encoded.content.equals(value) ? 1 : 0;
  });
  const lineAsIsRunEnds = new Int32Array(values.length);
  for (let k = values.length - 1; k >= 0; k--) {
    lineAsIsRunEnds[k] =
      k + 1 < values.length && lineAsIs[k] && lineAsIs[k + 1] ? lineAsIsRunEnds[k + 1] : k + 1;
  }
  const columns: RecordColumns = {
    data: Buffer.concat(parts),
    starts,
    lengths,
    offsets: BigInt64Array.from(batch.records.map((r) => BigInt(r.offset))),
    timestamps: Float64Array.from(batch.records.map((r) => Number(r.timestamp))),
    lineAsIs,
    lineAsIsRunEnds,
    first: 0,
    end: values.length,
  };
  return { ...batch, columns };
}

function described(snapshots: readonly BatchSnapshot[]) {
  return snapshots.map((s) => ({
    records: s.records,
    bytes: s.bytes,
    slices: s.slices.map((slice) => [
      slice.partition,
      slice.from,
      slice.to,
      slice.valid.toBuffer().toString(),
      slice.invalid.toBuffer().toString(),
    ]),
  }));
}

describe('Batcher, bulk deliveries (columns)', () => {
  const topic = new FakeTopic();
  topic.append(
    0,
    ...Array.from({ length: 40 }, (_, i) =>
      i % 9 === 4 ? '{"spaced": 1}' : i % 13 === 6 ? 'not json' : i % 17 === 8 ? null : `{"n":${i}}`,
    ),
    `{"big":"${'x'.repeat(60)}"}`,
    '{"after":"big"}',
  );
  const count = topic.partitions.get(0)!.length;

  test.each([10, 16, 20, 27, 33, 64, 1 << 20])(
    'gives the same objects, ranges and cuts as record by record (maxObjectBytes %i)',
    (maxObjectBytes) => {
      const run = (bulk: boolean) => {
        const batcher = new Batcher('topic', maxObjectBytes, intervalOf);
        batcher.assign(new Map([[0, '0']]));
        const snapshots: BatchSnapshot[] = [];
        for (const [from, to] of [
          [0, 3],
          [3, 21],
          [21, count],
        ]) {
          const batch = topic.batch(0, from, to);
          snapshots.push(...batcher.append(bulk ? asColumns(batch) : batch, t0).full);
        }
        snapshots.push(batcher.take()!);
        return described(snapshots);
      };
      expect(run(true)).toEqual(run(false));
    },
  );
});
