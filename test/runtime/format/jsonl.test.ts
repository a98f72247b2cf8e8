import { compactJson } from '../../../runtime/format/compact-json';
import { encodeRecord, encodeRecordContent } from '../../../runtime/format/jsonl';

const record = (value: string | Buffer | null) => ({
  offset: '42',
  timestamp: '1700000000000',
  value: typeof value === 'string' ? Buffer.from(value) : value,
});

describe('encodeRecord', () => {
  test('renders a JSON object as one compact line', () => {
    const encoded = encodeRecord('clicks', 3, record('{ "a" : 1,\n "b": [1, 2] }'));
    expect(encoded.valid).toBe(true);
    expect(encoded.line.toString()).toBe('{"a":1,"b":[1,2]}\n');
  });

  test('keeps numbers beyond 2^53 and escapes exactly as produced', () => {
    const value = '{"id":12345678901234567890,"s":"tab\\t \\"q\\" \\u00e9 ok"}';
    expect(encodeRecord('clicks', 0, record(value)).line.toString()).toBe(`${value}\n`);
  });

  test('keeps whitespace inside strings', () => {
    expect(encodeRecord('t', 0, record('{"s": "a  b"}')).line.toString()).toBe('{"s":"a  b"}\n');
  });

  test.each([
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /not valid UTF-8/],
    ['not JSON', '{"a":', /not JSON/],
    ['an array', '[1,2]', /is an array, not a JSON object/],
    ['a string', '"text"', /is a string, not a JSON object/],
    ['null', 'null', /is null, not a JSON object/],
    ['a tombstone', null, /has no value/],
  ])('turns a record that is %s into an invalid line with its payload in base64', (_kind, value, error) => {
    const encoded = encodeRecord('clicks', 3, record(value));
    expect(encoded.valid).toBe(false);
    const line = JSON.parse(encoded.line.toString());
    expect(line).toMatchObject({ topic: 'clicks', partition: 3, offset: '42', timestamp: '1700000000000' });
    expect(line.error).toMatch(error);
    const payload =
      value === null ? null : (typeof value === 'string' ? Buffer.from(value) : value).toString('base64');
    expect(line.payload).toBe(payload);
    expect(encoded.line.toString().endsWith('\n')).toBe(true);
    expect(encoded.line.toString().split('\n')).toHaveLength(2);
  });

  test('is deterministic, byte for byte (crash recovery rebuilds objects from it)', () => {
    const values = ['{ "a": 1 }', 'oops', '[]'];
    for (const value of values) {
      expect(encodeRecord('t', 1, record(value)).line.equals(encodeRecord('t', 1, record(value)).line)).toBe(
        true,
      );
    }
  });
});

describe('encodeRecordContent', () => {
  test('gives the bytes of encodeRecord without the newline, and whether the record is valid', () => {
    for (const value of ['{ "a": 1 }', '{"b":2}', 'oops', '[]']) {
      const content = encodeRecordContent('t', 1, record(value));
      const line = encodeRecord('t', 1, record(value));
      expect(Buffer.concat([content.content, Buffer.from('\n')]).equals(line.line)).toBe(true);
      expect(content.valid).toBe(line.valid);
    }
  });

  test("returns a compact valid value as the record's own bytes, without a copy", () => {
    const value = Buffer.from('{"a":1}');
    expect(encodeRecordContent('t', 0, record(value)).content).toBe(value);
  });
});

describe('compactJson', () => {
  test('returns the same buffer when there is nothing to remove', () => {
    const json = Buffer.from('{"a":"b c"}');
    expect(compactJson(json)).toBe(json);
  });

  test('removes spaces, tabs and newlines outside strings only', () => {
    expect(compactJson(Buffer.from('{\r\n\t"a b" :\t"c\\"  d" }')).toString()).toBe('{"a b":"c\\"  d"}');
  });
});
