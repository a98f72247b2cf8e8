import {
  DEFAULT_MAX_COMMIT_METADATA_BYTES,
  decodeCommitMetadata,
  encodeIntent,
  encodeIntents,
  encodeMark,
} from '../../../runtime/exporter/commit-metadata';

describe('commit metadata', () => {
  const intent = {
    intervalStart: 1_700_000_000_000,
    part: 1,
    key: 'p/2023-11-14T22:13:20-stream-s---0-1.1.jsonl',
    ranges: [
      { partition: 0, from: '10', to: '20' },
      { partition: 1, from: '9223372036854775000', to: '9223372036854775807' },
    ],
  };

  test('round-trips an intent, keeping 64-bit offsets exact', () => {
    expect(decodeCommitMetadata(encodeIntent(intent))).toEqual({
      mark: { intervalStart: intent.intervalStart, part: 1 },
      intents: [intent],
    });
  });

  const later = {
    intervalStart: intent.intervalStart,
    part: 2,
    key: 'p/2023-11-14T22:13:20-stream-s---0-1.2.jsonl',
    ranges: [
      { partition: 0, from: '20', to: '30' },
      { partition: 1, from: '9223372036854775807', to: '9223372036854775807' },
    ],
  };

  test('lists several intents oldest first (version 2), the mark being the last one', () => {
    const encoded = encodeIntents([intent, later]);
    expect(JSON.parse(encoded)).toMatchObject({ v: 2 });
    expect(decodeCommitMetadata(encoded)).toEqual({
      mark: { intervalStart: intent.intervalStart, part: 2 },
      intents: [intent, later],
    });
  });

  test('writes a single intent as version 1, which earlier releases read', () => {
    expect(encodeIntents([intent])).toBe(encodeIntent(intent));
    expect(JSON.parse(encodeIntents([intent]))).toMatchObject({ v: 1, k: intent.key });
  });

  test('fails loudly on a damaged list of intents', () => {
    expect(() =>
      decodeCommitMetadata('{"v":2,"q":[{"t":1,"n":0,"k":"a","r":[[0,"1","2"]]},{"t":1,"n":1}]}'),
    ).toThrow(/list entry without an intent/);
    expect(() =>
      decodeCommitMetadata(
        '{"v":2,"q":[{"t":1,"n":0,"k":"a","r":[[0,"1","2"]]},{"t":1,"n":1,"k":"b","r":[[0,"3","2"]]}]}',
      ),
    ).toThrow(/malformed range \[0, 3, 2\)/);
    expect(() => decodeCommitMetadata('{"v":2,"q":[]}')).toThrow(/unknown version/);
  });

  test('a cleared intent keeps only the mark', () => {
    expect(decodeCommitMetadata(encodeMark(intent))).toEqual({
      mark: { intervalStart: intent.intervalStart, part: 1 },
    });
  });

  test('treats empty or foreign metadata as nothing recorded', () => {
    expect(decodeCommitMetadata('')).toEqual({});
    expect(decodeCommitMetadata(null)).toEqual({});
    expect(decodeCommitMetadata('through-42')).toEqual({});
  });

  test('fails loudly on damaged exporter metadata instead of ignoring an intent', () => {
    expect(() => decodeCommitMetadata('{"v":1,"t":')).toThrow(/not valid JSON/);
    expect(() => decodeCommitMetadata('{"v":2,"t":1,"n":0}')).toThrow(/unknown version/);
    expect(() => decodeCommitMetadata('{"v":1,"t":1,"n":0,"k":"x","r":[[0,"5","2"]]}')).toThrow(
      /malformed range \[0, 5, 2\)/,
    );
  });

  test('uses the broker default limit of 4096 bytes', () => {
    expect(DEFAULT_MAX_COMMIT_METADATA_BYTES).toBe(4096);
  });
});
