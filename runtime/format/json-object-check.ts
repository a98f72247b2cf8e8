import { BACKSLASH, CR, LF, QUOTE, SPACE, TAB } from './json-bytes';

const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** Nesting deeper than this is left to JSON.parse (the check answers "not proven", never "invalid"). */
const MAX_DEPTH = 512;
const IN_OBJECT = 1;
const IN_ARRAY = 2;
/** Reused by every call: the check runs once per record on the hot path and never re-enters. */
const containers = new Uint8Array(MAX_DEPTH);

/** Bytes a string may hold after a backslash, besides `u` (which takes 4 hex digits). */
/** Bytes a string holds as they are: anything but a quote, a backslash or a control character. */
const PLAIN_IN_STRING = new Uint8Array(256).fill(1, SPACE);
PLAIN_IN_STRING[QUOTE] = 0;
PLAIN_IN_STRING[BACKSLASH] = 0;
const SIMPLE_ESCAPES = new Uint8Array(256);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPES[c.charCodeAt(0)] = 1;
const HEX_DIGITS = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX_DIGITS[c.charCodeAt(0)] = 1;
const LITERALS: ReadonlyMap<number, Uint8Array> = new Map(
  ['true', 'false', 'null'].map((word) => [word.charCodeAt(0), Buffer.from(word)]),
);

/**
 * Whether `json` is certainly one JSON object (RFC 8259, the grammar JSON.parse accepts), checked on the
 * bytes without building the object or decoding the text: the exporter only needs the answer, and
 * JSON.parse's objects and strings were its largest CPU and garbage cost per record.
 *
 * `true` is a proof; `false` means "not proven" (invalid, or nested deeper than 512 levels), and the caller
 * asks JSON.parse, which also words the error. Bytes of 0x80 and above are accepted inside strings only, so
 * the caller checks UTF-8 validity first.
 */
export function isJsonObject(json: Uint8Array): boolean {
  const end = json.length;
  let i = skipWhitespace(json, 0);
  if (i >= end || json[i] !== OPEN_BRACE) return false;
  let depth = 0;
  // Each turn of the loop reads one value (at i) and then whatever closes or separates it.
  for (;;) {
    let c = json[i];
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth === MAX_DEPTH) return false;
      i = skipWhitespace(json, i + 1);
      const closing = c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
      if (json[i] === closing) {
        i++;
      } else {
        containers[depth++] = c === OPEN_BRACE ? IN_OBJECT : IN_ARRAY;
        if (c === OPEN_BRACE) {
          i = afterKey(json, i);
          if (i < 0) return false;
        }
        continue;
      }
    } else if (c === QUOTE) {
      i = afterString(json, i);
    } else if (c === MINUS || (c >= ZERO && c <= NINE)) {
      i = afterNumber(json, i);
    } else {
      i = afterLiteral(json, i);
    }
    if (i < 0) return false;
    // After a value: close containers, or separate the next value of the innermost one.
    for (;;) {
      if (depth === 0) return skipWhitespace(json, i) === end;
      i = skipWhitespace(json, i);
      c = json[i];
      const container = containers[depth - 1];
      if (c === COMMA) {
        i = skipWhitespace(json, i + 1);
        if (container === IN_OBJECT) {
          i = afterKey(json, i);
          if (i < 0) return false;
        }
        break;
      }
      if (c === (container === IN_OBJECT ? CLOSE_BRACE : CLOSE_BRACKET)) {
        depth--;
        i++;
        continue;
      }
      return false;
    }
  }
}

function skipWhitespace(json: Uint8Array, from: number): number {
  let i = from;
  for (;;) {
    const c = json[i];
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) return i;
    i++;
  }
}

/** `"key" :` at `from` (whitespace allowed around the colon): the index of the value after it, or -1. */
function afterKey(json: Uint8Array, from: number): number {
  if (json[from] !== QUOTE) return -1;
  const afterName = afterString(json, from);
  if (afterName < 0) return -1;
  const colon = skipWhitespace(json, afterName);
  if (json[colon] !== COLON) return -1;
  return skipWhitespace(json, colon + 1);
}

/** The index after the string that starts (with its quote) at `from`, or -1. */
function afterString(json: Uint8Array, from: number): number {
  const end = json.length;
  let i = from + 1;
  while (i < end) {
    while (PLAIN_IN_STRING[json[i]] === 1) i++;
    const c = json[i];
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) {
      const escaped = json[i + 1];
      if (escaped === 0x75) {
        if (
          HEX_DIGITS[json[i + 2]] !== 1 ||
          HEX_DIGITS[json[i + 3]] !== 1 ||
          HEX_DIGITS[json[i + 4]] !== 1 ||
          HEX_DIGITS[json[i + 5]] !== 1
        )
          return -1;
        i += 6;
      } else if (SIMPLE_ESCAPES[escaped] === 1) {
        i += 2;
      } else {
        return -1;
      }
    } else {
      // A control character, or the end of the text.
      return -1;
    }
  }
  return -1;
}

/** The index after the number that starts at `from` (`-`? int frac? exp?), or -1. */
function afterNumber(json: Uint8Array, from: number): number {
  let i = from;
  if (json[i] === MINUS) i++;
  if (json[i] === ZERO) {
    i++;
  } else {
    const digits = afterDigits(json, i);
    if (digits === i) return -1;
    i = digits;
  }
  if (json[i] === DOT) {
    const digits = afterDigits(json, i + 1);
    if (digits === i + 1) return -1;
    i = digits;
  }
  if (json[i] === LOWER_E || json[i] === UPPER_E) {
    i++;
    if (json[i] === PLUS || json[i] === MINUS) i++;
    const digits = afterDigits(json, i);
    if (digits === i) return -1;
    i = digits;
  }
  return i;
}

function afterDigits(json: Uint8Array, from: number): number {
  let i = from;
  for (;;) {
    const c = json[i];
    if (c === undefined || c < ZERO || c > NINE) return i;
    i++;
  }
}

/** The index after `true`, `false` or `null` at `from`, or -1. */
function afterLiteral(json: Uint8Array, from: number): number {
  const word = LITERALS.get(json[from]);
  if (word === undefined || from + word.length > json.length) return -1;
  for (let k = 1; k < word.length; k++) if (json[from + k] !== word[k]) return -1;
  return from + word.length;
}
