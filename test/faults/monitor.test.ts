import type { Admin } from 'kafkajs';
import { ObjectCatalog, ProducedIndex, ProgressMonitor } from '../../local/faults';
import type { StoredObject } from '../../local/faults/verify';

/** One partition, events `e0`..`e3` at offsets 0..3; committed offset and stored objects set by each test. */
function harness(idleBudgetMs = 10_000) {
  const index = new ProducedIndex(1);
  for (let offset = 0n; offset < 4n; offset++) index.record(`e${offset}`, { partition: 0, offset });
  const state = { committed: '-1', metadata: '', high: '4', objects: [] as StoredObject[] };
  const admin = {
    fetchOffsets: async () => [
      { topic: 't', partitions: [{ partition: 0, offset: state.committed, metadata: state.metadata }] },
    ],
    fetchTopicOffsets: async () => [{ partition: 0, offset: state.high, high: state.high, low: '0' }],
  } as unknown as Admin;
  const catalog = {
    refresh: async () => 0,
    all: () => state.objects,
  } as unknown as ObjectCatalog;
  const monitor = new ProgressMonitor({
    admin,
    groupId: 'g',
    topic: 't',
    catalog,
    index,
    liveProcesses: () => 1,
    idleBudgetMs,
    sampleMs: 5,
  });
  const stored = (ids: string[]) => {
    state.objects = [
      {
        key: `p/2026-11-27T08:00:0${state.objects.length}-stream-s---0.jsonl`,
        namedPartitions: [0],
        eventIds: ids,
        bytes: 100 * ids.length,
      },
    ];
  };
  return { monitor, state, stored };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ProgressMonitor', () => {
  test('resolves once every produced event is committed, with no violation when commits follow storage', async () => {
    const { monitor, state, stored } = harness();
    monitor.start();
    stored(['e0', 'e1', 'e2', 'e3']);
    state.committed = '4';
    await monitor.waitUntilCommitted();
    await monitor.stop();
    expect(monitor.violationsGiven([])).toEqual([]);
  });

  test('fails when a committed offset is beyond the stored data, and when it moves backwards', async () => {
    const { monitor, state, stored } = harness();
    monitor.start();
    stored(['e0', 'e1']);
    state.committed = '3';
    await sleep(30);
    state.committed = '1';
    await sleep(30);
    await monitor.stop();
    expect(monitor.violationsGiven([])).toEqual(
      expect.arrayContaining([
        'partition 0: committed offset 3 is beyond the stored data (contiguous up to 2)',
        'partition 0: committed offset moved backwards from 3 to 1',
      ]),
    );
  });

  test('accepts a committed offset beyond the stored data only across a range reported lost to retention', async () => {
    const { monitor, state } = harness();
    monitor.start();
    state.objects = [
      { key: 'p/2026-11-27T08:00:00-stream-s---0.jsonl', namedPartitions: [0], eventIds: ['e0'], bytes: 100 },
      { key: 'p/2026-11-27T08:00:01-stream-s---0.jsonl', namedPartitions: [0], eventIds: ['e3'], bytes: 100 },
    ];
    state.committed = '4';
    await sleep(30);
    await monitor.stop();
    expect(monitor.violationsGiven([{ partition: 0, from: 1n, to: 3n }])).toEqual([]);
    expect(monitor.violationsGiven([{ partition: 0, from: 1n, to: 2n }])).toEqual([
      'partition 0: committed offset 4 is beyond the stored data (contiguous up to 2)',
    ]);
  });

  test('fails a wait when nothing progresses while lag remains, naming the lag', async () => {
    const { monitor, state } = harness(50);
    state.committed = '0';
    monitor.start();
    await expect(monitor.waitUntilCommitted()).rejects.toThrow(
      /^p0: no progress for \d+ s while lag remains \(p0 committed 0 of 4\) with 1 exporter process\(es\) running$/,
    );
    await monitor.stop();
  });

  test('fails when one partition sits idle with lag while another keeps progressing', async () => {
    const index = new ProducedIndex(2);
    for (let offset = 0n; offset < 4n; offset++) {
      index.record(`a${offset}`, { partition: 0, offset });
      index.record(`b${offset}`, { partition: 1, offset });
    }
    // p1's committed offset advances on every sample (always one record behind); p0 stays at 0 of 4.
    let p1 = 0;
    const admin = {
      fetchOffsets: async () => [
        {
          topic: 't',
          partitions: [
            { partition: 0, offset: '0', metadata: '' },
            { partition: 1, offset: String(++p1), metadata: '' },
          ],
        },
      ],
      fetchTopicOffsets: async () => [
        { partition: 0, offset: '4', high: '4', low: '0' },
        { partition: 1, offset: String(p1 + 1), high: String(p1 + 1), low: '0' },
      ],
    } as unknown as Admin;
    const catalog = { refresh: async () => 0, all: () => [] } as unknown as ObjectCatalog;
    const monitor = new ProgressMonitor({
      admin,
      groupId: 'g',
      topic: 't',
      catalog,
      index,
      liveProcesses: () => 2,
      idleBudgetMs: 50,
      sampleMs: 5,
    });
    monitor.start();
    try {
      await expect(monitor.waitUntilCommitted()).rejects.toThrow(
        /^p0: no progress for \d+ s while lag remains \(p0 committed 0 of 4, p1 committed \d+ of \d+\) with 2 exporter/,
      );
    } finally {
      await monitor.stop();
    }
  });

  test('does not count idleness inside a fault window or while there is no lag', async () => {
    const { monitor, state } = harness(50);
    state.committed = '0';
    state.high = '0';
    monitor.start();
    await sleep(100);
    state.high = '4';
    await monitor.faultWindow(() => sleep(100));
    await monitor.stop();
    expect(monitor.violations).toEqual([]);
  });

  test('records every intent seen in committed metadata and reports one left at the end', async () => {
    const { monitor, state } = harness();
    state.committed = '0';
    state.metadata = JSON.stringify({ v: 1, t: 0, n: 0, k: 'p/a.jsonl', r: [[0, '0', '4']] });
    monitor.start();
    await sleep(30);
    await monitor.stop();
    expect([...monitor.intents.values()]).toEqual([
      { intervalStart: 0, part: 0, key: 'p/a.jsonl', ranges: [{ partition: 0, from: '0', to: '4' }] },
    ]);
    expect(monitor.openIntents()).toEqual([
      `partition 0: an intent is still committed at the end: ${state.metadata}`,
    ]);
  });
});
