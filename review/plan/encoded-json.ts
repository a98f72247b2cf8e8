/**
 * Reads JSON-encoded attributes (IAM policies, ECS container definitions) out of a synthesized document,
 * whichever way the program built them:
 *
 * - `JSON.stringify(...)`: a JSON string with `${...}` interpolations inside its string values;
 * - `Fn.jsonencode(...)`: `${jsonencode({"Key" = value, ...})}`, an HCL object expression;
 * - a value that only Terraform can compute (`${data.x.y.json}`, `${file(...)}`): not readable here.
 *
 * Values inside an HCL expression that are not literals (references, function calls) come back as
 * `${expression}` strings, the same shape `JSON.stringify` gives, so callers handle one form.
 */

/** The decoded value, or why it cannot be decoded without running Terraform. */
export type Decoded =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

/** Decodes a JSON-encoded attribute value as synthesized. */
export function decodeJsonAttribute(raw: unknown): Decoded {
  if (typeof raw !== 'string') {
    return raw === undefined ? { ok: false, reason: 'it is not set' } : { ok: true, value: raw };
  }
  const trimmed = raw.trim();
  const encode = /^\$\{jsonencode\(([\s\S]*)\)\}$/.exec(trimmed);
  if (encode !== null) {
    try {
      const parser = new HclParser(encode[1]);
      const value = parser.parseValue();
      parser.expectEnd();
      return { ok: true, value };
    } catch (error) {
      return {
        ok: false,
        reason: `its jsonencode(...) expression cannot be read: ${(error as Error).message}`,
      };
    }
  }
  if (/^\$\{[^}]*\}$/.test(trimmed)) {
    return { ok: false, reason: `it is computed by Terraform from ${trimmed}` };
  }
  try {
    return { ok: true, value: JSON.parse(trimmed) };
  } catch (error) {
    return { ok: false, reason: `it is not JSON: ${(error as Error).message}` };
  }
}

/** A recursive-descent reader of the HCL expression subset cdktf writes for `Fn.jsonencode`. */
class HclParser {
  private pos = 0;

  public constructor(private readonly text: string) {}

  public parseValue(): unknown {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.parseObject();
    if (c === '[') return this.parseTuple();
    if (c === '"') {
      const start = this.pos;
      const literal = this.readString();
      // A string followed by an operator is part of a larger expression.
      if (this.atValueEnd()) return literal;
      this.pos = start;
    }
    return this.parseExpression();
  }

  public expectEnd(): void {
    this.skipSpace();
    if (this.pos < this.text.length)
      throw new Error(`unexpected ${JSON.stringify(this.text.slice(this.pos, this.pos + 20))}`);
  }

  private parseObject(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++; // {
    for (;;) {
      this.skipSpace(true);
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const key = this.text[this.pos] === '"' ? this.readString() : this.readIdentifier();
      this.skipSpace();
      const sep = this.text[this.pos];
      if (sep !== '=' && sep !== ':') throw new Error(`expected = after key ${JSON.stringify(key)}`);
      this.pos++;
      out[key] = this.parseValue();
      this.skipSpace(true);
    }
  }

  private parseTuple(): unknown[] {
    const out: unknown[] = [];
    this.pos++; // [
    for (;;) {
      this.skipSpace(true);
      if (this.text[this.pos] === ']') {
        this.pos++;
        return out;
      }
      out.push(this.parseValue());
      this.skipSpace(true);
    }
  }

  /** A non-literal expression up to the next top-level `,` `}` `]` or newline; numbers and keywords decoded. */
  private parseExpression(): unknown {
    const start = this.pos;
    let depth = 0;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === '"') {
        this.readString();
        continue;
      }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) break;
        depth--;
      } else if ((c === ',' || c === '\n') && depth === 0) break;
      this.pos++;
    }
    const expression = this.text.slice(start, this.pos).trim();
    if (expression === '') throw new Error(`expected a value at ${start}`);
    if (expression === 'true') return true;
    if (expression === 'false') return false;
    if (expression === 'null') return null;
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(expression)) return Number(expression);
    return `\${${expression}}`;
  }

  /** Reads a quoted template, keeping `${...}` interpolations as written. */
  private readString(): string {
    let out = '';
    this.pos++; // opening quote
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === '\\') {
        const next = this.text[this.pos + 1];
        const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
        if (next === 'u') {
          out += String.fromCharCode(parseInt(this.text.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else {
          out += escapes[next] ?? next;
          this.pos += 2;
        }
      } else if (c === '$' && this.text[this.pos + 1] === '{') {
        const end = this.closing(this.pos + 1);
        out += this.text.slice(this.pos, end + 1);
        this.pos = end + 1;
      } else if (c === '"') {
        this.pos++;
        return out;
      } else {
        out += c;
        this.pos++;
      }
    }
    throw new Error('unterminated string');
  }

  private closing(open: number): number {
    let depth = 0;
    for (let i = open; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) return i;
      else if (c === '"') {
        for (i++; i < this.text.length && this.text[i] !== '"'; i++) if (this.text[i] === '\\') i++;
      }
    }
    throw new Error('unterminated interpolation');
  }

  private readIdentifier(): string {
    const match = /^[A-Za-z_][\w-]*/.exec(this.text.slice(this.pos));
    if (match === null) throw new Error(`expected a key at ${this.pos}`);
    this.pos += match[0].length;
    return match[0];
  }

  private atValueEnd(): boolean {
    const save = this.pos;
    this.skipSpace();
    const c = this.text[this.pos];
    this.pos = save;
    return c === undefined || c === ',' || c === '}' || c === ']' || c === '\n';
  }

  /** Skips blanks; with `commas`, also the `,` and newlines that separate items. */
  private skipSpace(commas = false): void {
    const blanks = commas ? /[\s,]/ : /[ \t\r]/;
    while (this.pos < this.text.length && blanks.test(this.text[this.pos])) this.pos++;
  }
}
