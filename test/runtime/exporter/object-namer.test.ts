import { ObjectNamer, formatIntervalStart, intervalStartOf } from '../../../runtime/exporter/object-namer';

const at = Date.parse('2021-03-26T09:56:30.000Z');

describe('ObjectNamer', () => {
  test('names objects as the seed shows, partitions ascending', () => {
    const namer = new ObjectNamer('demo', 'events');
    expect(namer.dataKey({ intervalStart: at, partitions: [4, 0, 2], part: 0 })).toBe(
      'events/2021-03-26T09:56:30-stream-demo---0-2-4.jsonl',
    );
  });

  test('has no leading slash without a prefix', () => {
    const namer = new ObjectNamer('demo', undefined);
    expect(namer.dataKey({ intervalStart: at, partitions: [1], part: 0 })).toBe(
      '2021-03-26T09:56:30-stream-demo---1.jsonl',
    );
  });

  test('adds the part number after the first object of an interval', () => {
    const namer = new ObjectNamer('demo', 'p');
    expect(namer.dataKey({ intervalStart: at, partitions: [0, 1], part: 2 })).toBe(
      'p/2021-03-26T09:56:30-stream-demo---0-1.2.jsonl',
    );
  });

  test('puts invalid records under _invalid/ with the same name', () => {
    const namer = new ObjectNamer('demo', 'a/b');
    const name = { intervalStart: at, partitions: [3], part: 0 };
    expect(namer.invalidKey(name)).toBe('a/b/_invalid/2021-03-26T09:56:30-stream-demo---3.jsonl');
    expect(namer.invalidKeyFor(namer.dataKey(name))).toBe(namer.invalidKey(name));
    expect(
      new ObjectNamer('demo', undefined).invalidKeyFor('2021-03-26T09:56:30-stream-demo---3.jsonl'),
    ).toBe('_invalid/2021-03-26T09:56:30-stream-demo---3.jsonl');
  });

  test('fails when a key is not under the prefix', () => {
    expect(() => new ObjectNamer('demo', 'a').invalidKeyFor('b/x.jsonl')).toThrow(
      /not under the path prefix 'a\/'/,
    );
  });
});

describe('intervals', () => {
  test('start at UTC multiples of the interval', () => {
    expect(formatIntervalStart(intervalStartOf(Date.parse('2021-03-26T09:56:47.123Z'), 30))).toBe(
      '2021-03-26T09:56:30',
    );
    expect(formatIntervalStart(intervalStartOf(Date.parse('2021-03-26T09:56:47.123Z'), 60))).toBe(
      '2021-03-26T09:56:00',
    );
    expect(formatIntervalStart(intervalStartOf(Date.parse('2021-03-26T09:56:47.999Z'), 1))).toBe(
      '2021-03-26T09:56:47',
    );
  });
});
