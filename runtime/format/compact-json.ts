import { BACKSLASH, CR, LF, QUOTE, SPACE, TAB } from './json-bytes';

/**
 * Removes the insignificant whitespace of a valid JSON text, keeping every other byte as it was.
 * Re-serialising with JSON.stringify would instead round numbers beyond 2^53 and rewrite escapes;
 * the exported line must carry the producer's values exactly.
 * Returns `json` itself when it is already compact (the common case).
 */
export function compactJson(json: Buffer): Buffer {
  if (!hasWhitespace(json)) return json;
  const out = Buffer.allocUnsafe(json.length);
  let length = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const byte = json[i];
    if (inString) {
      out[length++] = byte;
      if (byte === BACKSLASH) out[length++] = json[++i];
      else if (byte === QUOTE) inString = false;
    } else if (byte !== SPACE && byte !== TAB && byte !== LF && byte !== CR) {
      out[length++] = byte;
      if (byte === QUOTE) inString = true;
    }
  }
  return length === json.length ? json : out.subarray(0, length);
}

function hasWhitespace(json: Buffer): boolean {
  return (
    json.indexOf(SPACE) !== -1 ||
    json.indexOf(LF) !== -1 ||
    json.indexOf(TAB) !== -1 ||
    json.indexOf(CR) !== -1
  );
}
