import {
  ProducedIndex,
  checkExport,
  checkIntents,
  checkObjectLimits,
  intentBytes,
  recordsLostTotal,
  reportedLosses,
  contiguousEnds,
  formatTable,
  namedPartitions,
  objectRanges,
} from '../../local/faults';
import { matrixTiming, TIMING_KNOBS } from '../../local/faults/services';
import type { LostRange, StoredObject } from '../../local/faults/verify';

/** Two partitions, offsets 0..3 each, event ids `p<partition>-<offset>`. */
function index(): ProducedIndex {
  const produced = new ProducedIndex(2);
  for (const partition of [0, 1]) {
    for (let offset = 0n; offset < 4n; offset++)
      produced.record(`p${partition}-${offset}`, { partition, offset });
  }
  return produced;
}

function object(key: string, partitions: number[], ids: string[]): StoredObject {
  return {
    key: `s/2026-11-27T08:00:0${key}-stream-x---${partitions.join('-')}.jsonl`,
    namedPartitions: partitions,
    eventIds: ids,
    bytes: 100 * ids.length,
  };
}

/** checkExport over the events of {@link index}, stored as `objects`, with `lost` reported. */
function exportCheck(objects: StoredObject[], lost: readonly LostRange[] = []) {
  const produced = index();
  return checkExport(
    produced.eventIds(),
    produced.endOffsets(),
    objects,
    (id) => produced.positionOf(id),
    lost,
  );
}

const ALL = ['p0-0', 'p0-1', 'p0-2', 'p0-3', 'p1-0', 'p1-1', 'p1-2', 'p1-3'];

describe('checkExport', () => {
  test('passes when every event is stored once in contiguous, disjoint ranges', () => {
    const check = exportCheck([
      object('1', [0, 1], ['p0-0', 'p0-1', 'p1-0']),
      object('2', [0, 1], ['p0-2', 'p0-3', 'p1-1', 'p1-2', 'p1-3']),
    ]);
    expect(check).toEqual({ events: 8, missing: 0, lost: 0, duplicated: 0, objects: 2, problems: [] });
  });

  test('fails with the count and the overlapping range when an interval is stored twice', () => {
    const check = exportCheck([object('1', [0, 1], ALL), object('2', [0], ['p0-2', 'p0-3'])]);
    expect(check.duplicated).toBe(2);
    expect(check.missing).toBe(0);
    expect(check.problems).toContain(
      'partition 0: s/2026-11-27T08:00:02-stream-x---0.jsonl holds [2,4) overlapping data stored before (up to 4)',
    );
  });

  test('fails with the gap and the missing count when a range was never stored', () => {
    const check = exportCheck([
      object('1', [0, 1], ['p0-0', 'p1-0', 'p1-1', 'p1-2', 'p1-3']),
      object('2', [0], ['p0-3']),
    ]);
    expect(check.missing).toBe(2);
    expect(check.problems).toEqual(
      expect.arrayContaining([
        'partition 0: gap [1,3) before s/2026-11-27T08:00:02-stream-x---0.jsonl',
        '2 of 8 events missing',
      ]),
    );
  });

  test('fails when the tail of a partition was never stored', () => {
    const check = exportCheck([object('1', [0, 1], ALL.slice(0, 7))]);
    expect(check.problems).toContain('partition 1: [3,4) never stored');
  });
});

describe('checkExport with ranges reported lost to retention', () => {
  test('counts the unstored events of a reported range as lost, not missing, and accepts the gap', () => {
    const check = exportCheck(
      [object('1', [0, 1], ['p0-0', 'p1-0', 'p1-1', 'p1-2', 'p1-3']), object('2', [0], ['p0-3'])],
      [{ partition: 0, from: 1n, to: 3n }],
    );
    expect(check).toEqual({ events: 8, missing: 0, lost: 2, duplicated: 0, objects: 2, problems: [] });
  });

  test('still reports as missing an event outside every reported range', () => {
    const check = exportCheck(
      [object('1', [0, 1], ['p0-0', 'p1-0', 'p1-1', 'p1-2', 'p1-3'])],
      [{ partition: 0, from: 1n, to: 3n }],
    );
    expect(check.lost).toBe(2);
    expect(check.missing).toBe(1);
    expect(check.problems).toEqual(['partition 0: [3,4) never stored', '1 of 8 events missing']);
  });

  test('fails when a reported lost range covers events that were stored', () => {
    const check = exportCheck([object('1', [0, 1], ALL)], [{ partition: 1, from: 2n, to: 6n }]);
    expect(check.lost).toBe(0);
    expect(check.problems).toEqual([
      'partition 1: reported lost range [2,6) covers [2,4), stored in s/2026-11-27T08:00:01-stream-x---0-1.jsonl',
    ]);
  });
});

describe('checkObjectLimits', () => {
  test('passes objects within maxObjectBytes whose intent fits the commit metadata', () => {
    const produced = index();
    expect(
      checkObjectLimits([object('1', [0, 1], ALL)], (id) => produced.positionOf(id), { maxObjectBytes: 800 }),
    ).toEqual([]);
  });

  test('fails an object larger than maxObjectBytes and one whose intent exceeds the metadata limit', () => {
    const produced = index();
    const stored = object('1', [0, 1], ALL);
    const intent = intentBytes(
      stored,
      objectRanges(stored, (id) => produced.positionOf(id), []),
    )!;
    expect(
      checkObjectLimits([stored], (id) => produced.positionOf(id), {
        maxObjectBytes: 799,
        maxMetadataBytes: intent - 1,
      }),
    ).toEqual([
      's/2026-11-27T08:00:01-stream-x---0-1.jsonl: 800 bytes, more than maxObjectBytes 799',
      `s/2026-11-27T08:00:01-stream-x---0-1.jsonl: its intent takes ${intent} bytes of commit metadata, more than the limit ${intent - 1}`,
    ]);
  });
});

describe('intentBytes', () => {
  test('is the size of the intent the exporter commits, interval start and part read from the name', () => {
    const produced = index();
    const stored = {
      ...object('1', [0], ['p0-0', 'p0-1']),
      key: 's/2026-11-27T08:00:01-stream-x---0.2.jsonl',
    };
    const metadata = JSON.stringify({
      v: 1,
      t: Date.parse('2026-11-27T08:00:01Z'),
      n: 2,
      k: stored.key,
      r: [[0, '0', '2']],
    });
    expect(
      intentBytes(
        stored,
        objectRanges(stored, (id) => produced.positionOf(id), []),
      ),
    ).toBe(metadata.length);
  });
});

describe('objectRanges', () => {
  test('fails when lines of a partition are out of offset order', () => {
    const produced = index();
    const problems: string[] = [];
    objectRanges(object('1', [0], ['p0-0', 'p0-2', 'p0-1']), (id) => produced.positionOf(id), problems);
    expect(problems).toEqual([
      's/2026-11-27T08:00:01-stream-x---0.jsonl: partition 0 is not contiguous in offset order (0 then 2)',
    ]);
  });

  test('fails when an object holds a partition its name does not list, an unknown event, or nothing', () => {
    const produced = index();
    const problems: string[] = [];
    objectRanges(object('1', [0], ['p0-0', 'p1-0', 'stranger']), (id) => produced.positionOf(id), problems);
    objectRanges(object('2', [0], []), (id) => produced.positionOf(id), problems);
    expect(problems).toEqual([
      's/2026-11-27T08:00:01-stream-x---0.jsonl line 3: not a produced event (stranger)',
      's/2026-11-27T08:00:01-stream-x---0.jsonl: holds partition 1, its name lists only [0]',
      's/2026-11-27T08:00:02-stream-x---0.jsonl: empty data object',
    ]);
  });
});

describe('checkIntents', () => {
  const intent = {
    key: 's/2026-11-27T08:00:01-stream-x---0-1.jsonl',
    ranges: [
      { partition: 0, from: '0', to: '2' },
      { partition: 1, from: '0', to: '1' },
    ],
  };

  test('passes when the object of an intent holds exactly the recorded ranges', () => {
    const produced = index();
    const stored = [object('1', [0, 1], ['p0-0', 'p0-1', 'p1-0'])];
    expect(checkIntents([intent], stored, (id) => produced.positionOf(id))).toEqual([]);
  });

  test('fails when an intent was never completed', () => {
    const produced = index();
    expect(checkIntents([intent], [], (id) => produced.positionOf(id))).toEqual([
      'intent s/2026-11-27T08:00:01-stream-x---0-1.jsonl (p0 [0,2) p1 [0,1)) was committed but the object was never stored',
    ]);
  });

  test('fails when the object under the intent key holds other ranges than recorded', () => {
    const produced = index();
    const stored = [object('1', [0, 1], ['p0-0', 'p1-0'])];
    expect(checkIntents([intent], stored, (id) => produced.positionOf(id))).toEqual([
      's/2026-11-27T08:00:01-stream-x---0-1.jsonl holds p0 [0,1) p1 [0,1) but its intent recorded p0 [0,2) p1 [0,1)',
    ]);
  });
});

describe('contiguousEnds', () => {
  test('stops at the first gap of each partition', () => {
    const key = 'k';
    expect(
      contiguousEnds(
        [
          { key, partition: 0, from: 0n, to: 5n },
          { key, partition: 0, from: 7n, to: 9n },
          { key, partition: 1, from: 3n, to: 4n },
        ],
        3,
      ),
    ).toEqual([5n, 0n, 0n]);
  });
});

describe('namedPartitions', () => {
  test('reads the partition list of a data object name, with or without a split suffix', () => {
    expect(namedPartitions('p/2026-11-27T08:00:01-stream-clicks---0-2-10.jsonl')).toEqual([0, 2, 10]);
    expect(namedPartitions('2026-11-27T08:00:01-stream-clicks---3.part-0001.jsonl')).toEqual([3]);
  });

  test('returns undefined for names that do not follow the pattern', () => {
    expect(namedPartitions('p/.strm_test_123.jsonl')).toBeUndefined();
    expect(namedPartitions('p/2026-11-27-stream-clicks---0.jsonl')).toBeUndefined();
    expect(namedPartitions('p/2026-11-27T08:00:01-stream-clicks.jsonl')).toBeUndefined();
  });
});

describe('ProducedIndex', () => {
  test('fails when an event id is recorded twice', () => {
    const produced = index();
    expect(() => produced.record('p0-1', { partition: 1, offset: 9n })).toThrow(
      'event p0-1 was produced twice',
    );
  });
});

describe('ProducedIndex.mismatches', () => {
  test('is empty when Kafka holds exactly the acknowledged events', () => {
    expect(
      index().mismatches(
        new Map([
          [0, 4n],
          [1, 4n],
        ]),
      ),
    ).toEqual([]);
  });

  test('fails when a partition holds more records than were acknowledged (a producer retry wrote twice)', () => {
    expect(
      index().mismatches(
        new Map([
          [0, 6n],
          [1, 4n],
        ]),
      ),
    ).toEqual(["harness: partition 0 holds offsets up to 6 but the producer's acknowledgements end at 4"]);
  });
});

describe('matrixTiming', () => {
  test('sets the short timings only through variables the runtime knows, and lists the missing ones', () => {
    const timing = matrixTiming(new Set([TIMING_KNOBS.sessionTimeoutMs]));
    expect(timing.environment).toEqual({ [TIMING_KNOBS.sessionTimeoutMs]: '6000' });
    expect(timing.sessionTimeoutMs).toBe(6_000);
    expect(timing.s3RequestTimeoutMs).toBe(30_000);
    expect(timing.missingKnobs).toEqual([TIMING_KNOBS.heartbeatIntervalMs, TIMING_KNOBS.s3RequestTimeoutMs]);
  });
});

describe('formatTable', () => {
  test('prints one row per scenario and every failure of the failed ones', () => {
    const table = formatTable([
      {
        id: '01',
        scenario: 'kill -9',
        passed: false,
        events: 300,
        missing: 0,
        lost: 0,
        duplicated: 50,
        objects: 4,
        secondsToRecover: 6.25,
        seconds: 12,
        processStarts: 2,
        intentsSeen: 1,
        unexpectedExits: ['s01#1 exited with 1'],
        nodeVersions: ['v26.12.1'],
        kafkaClients: ['kafkajs'],
        failures: ['50 duplicated events'],
        notes: ['held one PUT'],
      },
    ]);
    expect(table.split('\n')[0]).toMatch(
      /^scenario\s+events\s+missing\s+lost\s+duplicated\s+objects\s+s to recover\s+crashes\s+intents\s+result$/,
    );
    expect(table).toMatch(/01 kill -9\s+300\s+0\s+0\s+50\s+4\s+6\.3\s+1\s+1\s+FAIL/);
    expect(table).toContain('  01: 50 duplicated events');
    expect(table).toContain('notes:\n  01: held one PUT');
  });
});

describe('reportedLosses', () => {
  const line = (fields: Record<string, unknown>) =>
    JSON.stringify({ level: 'error', time: '2026-11-27T08:00:00.000Z', ...fields });

  test('reads the ranges of every skipped-loss line and ignores other lines', () => {
    const log = [
      line({ level: 'info', msg: 'object stored and committed' }),
      'not json, mentions DATA LOSS skipped (onDataLoss=skip) in passing',
      line({
        lost: [{ partition: 0, from: '300', to: '3100' }],
        msg: "DATA LOSS skipped (onDataLoss=skip): records of topic 'faults-17' ... Continuing.",
      }),
    ].join('\n');
    expect(reportedLosses(log).map((l) => l.ranges)).toEqual([[{ partition: 0, from: 300n, to: 3100n }]]);
  });

  test('fails when a skipped loss is logged below error level or without its ranges', () => {
    const msg = 'DATA LOSS skipped (onDataLoss=skip): records ...';
    expect(() =>
      reportedLosses(line({ level: 'warn', lost: [{ partition: 0, from: '1', to: '2' }], msg })),
    ).toThrow(/^a data loss was logged at level warn, not error: /);
    expect(() => reportedLosses(line({ lost: [{ partition: 0, from: 1, to: 2 }], msg }))).toThrow(
      /^a data loss was logged without its ranges as lost: \[\{partition, from, to\}\]: /,
    );
  });
});

describe('recordsLostTotal', () => {
  test('sums batch_exporter_records_lost_total over its partitions', () => {
    const metrics = [
      '# HELP batch_exporter_records_lost_total Offsets removed by retention ...',
      '# TYPE batch_exporter_records_lost_total counter',
      'batch_exporter_records_lost_total{partition="0"} 2800',
      'batch_exporter_records_lost_total{partition="3"} 5',
      'batch_exporter_records_written_total 9',
    ].join('\n');
    expect(recordsLostTotal(metrics)).toBe(2805);
  });
});
