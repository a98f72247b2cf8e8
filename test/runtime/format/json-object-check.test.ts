import { isJsonObject } from '../../../runtime/format/json-object-check';
import { seededRandom } from '../../support/random';

/** What the check must agree with: JSON.parse's verdict on the text, and an object at the top. */
function parsesToObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

const check = (text: string) => isJsonObject(Buffer.from(text, 'utf8'));

describe('isJsonObject', () => {
  test.each([
    '{}',
    ' \t\r\n{ } \n',
    '{"a":1}',
    '{"a" : 1 , "b" :[ 1 , 2 , [ ] , { } ] }',
    '{"n":[0,-0,1.5,-12.25e10,3E+2,4e-3,12345678901234567890,1e400]}',
    '{"t":true,"f":false,"z":null}',
    '{"s":"tab\\t quote\\" slash\\/ back\\\\ \\b\\f\\n\\r \\u00e9 \\uD83D\\uDE00 \\uDEAD"}',
    '{"é":"日本語 🙂","del":"\u007f"}',
    '{"a":1,"a":2}',
    `{"deep":${'['.repeat(500)}${']'.repeat(500)}}`,
  ])('accepts the JSON object %s', (text) => {
    expect(parsesToObject(text)).toBe(true);
    expect(check(text)).toBe(true);
  });

  test.each([
    '',
    '   ',
    '[]',
    '"text"',
    '1',
    'null',
    '{',
    '{"a"}',
    '{"a":}',
    '{"a":1,}',
    '{,"a":1}',
    '{a:1}',
    "{'a':1}",
    '{"a":1}}',
    '{"a":1} x',
    '{"a":1}{}',
    '{"a":[1,]}',
    '{"a":[1 2]}',
    '{"a":01}',
    '{"a":1.}',
    '{"a":.5}',
    '{"a":-}',
    '{"a":+1}',
    '{"a":1e}',
    '{"a":0x10}',
    '{"a":NaN}',
    '{"a":Infinity}',
    '{"a":tru}',
    '{"a":nul}',
    '{"a":True}',
    '{"a":"unterminated}',
    '{"a":"bad \\x escape"}',
    '{"a":"short \\u12 escape"}',
    '{"a":"raw\ttab"}',
    '{"a":"raw\nnewline"}',
    '\ufeff{"a":1}',
    '{"a":1}\u00a0',
    '{"a"\u00a0:1}',
  ])('does not accept %j, which JSON.parse does not read as an object', (text) => {
    expect(parsesToObject(text)).toBe(false);
    expect(check(text)).toBe(false);
  });

  test('leaves nesting deeper than 512 levels to JSON.parse (not proven, not rejected)', () => {
    const deep = `{"a":${'['.repeat(600)}${']'.repeat(600)}}`;
    expect(parsesToObject(deep)).toBe(true);
    expect(check(deep)).toBe(false);
  });

  test('agrees with JSON.parse on thousands of mutated records (never accepts what JSON.parse rejects)', () => {
    const next = seededRandom(20261127);
    const seeds = [
      '{"event_id":"0b6f","user":{"id":12,"tags":["a","b"]},"ts":1700000000000,"price":-1.5e-3,"ok":true,"x":null}',
      '{ "a" : [ 1 , { "b" : "c\\"d" } ] , "e" : "\\u00e9" }',
    ];
    const alphabet = '{}[]":,.-+0123456789eEtrufalsn \t\n\r\\/ubx\u00e9';
    let accepted = 0;
    let rejected = 0;
    for (let n = 0; n < 20_000; n++) {
      const chars = [...seeds[n % seeds.length]];
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * (chars.length + 1));
        const char = alphabet[Math.floor(next() * alphabet.length)];
        const kind = next();
        if (kind < 0.34) chars.splice(at, 1);
        else if (kind < 0.67) chars.splice(at, 0, char);
        else chars[at] = char;
      }
      const text = chars.join('');
      const expected = parsesToObject(text);
      const actual = check(text);
      if (actual !== expected)
        throw new Error(`disagrees with JSON.parse (${expected}) on ${JSON.stringify(text)}`);
      if (expected) accepted++;
      else rejected++;
    }
    // Both verdicts were exercised, not just one.
    expect(accepted).toBeGreaterThan(1_000);
    expect(rejected).toBeGreaterThan(1_000);
  });
});
