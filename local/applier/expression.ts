/**
 * Evaluates the Terraform expressions a synthesized `cdk.tf.json` holds, as far as the local applier needs:
 * string templates (`"arn:${aws_s3_bucket.B.arn}/*"`), references with attribute and index steps, literals,
 * object and tuple constructors, and calls of the functions in {@link FUNCTIONS}. Anything else (operators,
 * conditionals, `for` expressions, other functions) is an error naming what is not supported, never a guess.
 *
 * Terraform's JSON syntax evaluates only strings; a string that is exactly one interpolation (`"${x}"`) yields
 * x's value unchanged (an object stays an object), anything else yields a string.
 * https://developer.hashicorp.com/terraform/language/syntax/json#expression-mapping
 */

/** A value an expression can have: what JSON can hold. */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

/** Looks up a reference root (`aws_s3_bucket.B`, `data.aws_region.R`) and one attribute step. */
export interface ReferenceResolver {
  /** The value of `root.attribute`; throws a clear error when it is unknown. */
  attribute(root: string, attribute: string): Value;
}

/** The Terraform functions the constructs use, and nothing else. */
export const FUNCTIONS: Readonly<Record<string, (args: Value[]) => Value>> = {
  jsonencode: (args) => {
    expectArity('jsonencode', args, 1);
    return JSON.stringify(args[0]);
  },
};

/** Thrown for expressions the applier cannot evaluate; the message says where and why. */
export class ExpressionError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}

function expectArity(name: string, args: Value[], count: number): void {
  if (args.length !== count) {
    throw new ExpressionError(`${name}() takes ${count} argument(s), got ${args.length}`);
  }
}

/** Evaluates a JSON-syntax string: a template with `${...}` interpolations (`$${` is a literal `${`). */
export function evaluateTemplate(template: string, resolver: ReferenceResolver): Value {
  const parser = new Parser(template, resolver);
  return parser.wholeTemplate();
}

/** Evaluates every string inside a JSON value; object keys are taken literally, as Terraform does. */
export function evaluateDeep(value: unknown, resolver: ReferenceResolver): Value {
  if (typeof value === 'string') return evaluateTemplate(value, resolver);
  if (Array.isArray(value)) return value.map((item) => evaluateDeep(item, resolver));
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Value } = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === '//') continue;
      out[key] = evaluateDeep(item, resolver);
    }
    return out;
  }
  if (value === undefined) return null;
  return value as Value;
}

/** Named values that are not resources; the constructs use none of them. */
const UNSUPPORTED_ROOTS = new Set(['var', 'local', 'module', 'each', 'count', 'path', 'self', 'terraform']);

/** A recursive-descent parser over HCL's expression syntax, evaluating as it parses. */
class Parser {
  private pos = 0;

  public constructor(
    private readonly text: string,
    private readonly resolver: ReferenceResolver,
  ) {}

  /** The whole input as a template: literal text and interpolations up to the end. */
  public wholeTemplate(): Value {
    const parts = this.templateParts(undefined);
    if (parts.length === 1 && parts[0].interpolated) return parts[0].value;
    return parts.map((p) => (p.interpolated ? stringify(p.value, this.text) : (p.value as string))).join('');
  }

  /** Template parts until `terminator` (a `"` inside an expression) or the end of the input. */
  private templateParts(terminator: '"' | undefined): { value: Value; interpolated: boolean }[] {
    const parts: { value: Value; interpolated: boolean }[] = [];
    let literal = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (terminator !== undefined && c === terminator) break;
      if (c === '$' && this.text[this.pos + 1] === '$' && this.text[this.pos + 2] === '{') {
        literal += '${';
        this.pos += 3;
      } else if (c === '%' && this.text[this.pos + 1] === '%' && this.text[this.pos + 2] === '{') {
        literal += '%{';
        this.pos += 3;
      } else if (c === '%' && this.text[this.pos + 1] === '{') {
        this.fail('template directives (%{ if } / %{ for }) are not supported');
      } else if (c === '$' && this.text[this.pos + 1] === '{') {
        if (literal !== '') parts.push({ value: literal, interpolated: false });
        literal = '';
        this.pos += 2;
        this.skipSpace();
        if (this.text[this.pos] === '~') this.pos++;
        const value = this.expression();
        this.skipSpace();
        if (this.text[this.pos] === '~') this.pos++;
        this.expect('}');
        parts.push({ value, interpolated: true });
      } else if (terminator !== undefined && c === '\\') {
        literal += this.escape();
      } else {
        literal += c;
        this.pos++;
      }
    }
    if (literal !== '' || parts.length === 0) parts.push({ value: literal, interpolated: false });
    return parts;
  }

  private escape(): string {
    const next = this.text[this.pos + 1];
    this.pos += 2;
    switch (next) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case '"':
        return '"';
      case '\\':
        return '\\';
      case 'u': {
        const hex = this.text.slice(this.pos, this.pos + 4);
        this.pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        return this.fail(`unknown escape \\${next}`);
    }
  }

  private expression(): Value {
    this.skipSpace();
    const value = this.postfix(this.primary());
    this.skipSpace();
    const c = this.text[this.pos];
    if (c !== undefined && '?+-*/%<>=!&|'.includes(c)) {
      this.fail(`operator "${c}" is not supported (only references, literals and ${supportedFunctions()})`);
    }
    return value;
  }

  private primary(): Value {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '"') {
      this.pos++;
      const parts = this.templateParts('"');
      this.expect('"');
      if (parts.length === 1 && parts[0].interpolated) return stringify(parts[0].value, this.text);
      return parts
        .map((p) => (p.interpolated ? stringify(p.value, this.text) : (p.value as string)))
        .join('');
    }
    if (c === '{') return this.object();
    if (c === '[') return this.tuple();
    if (c === '(') {
      this.pos++;
      const value = this.expression();
      this.expect(')');
      return value;
    }
    if (c !== undefined && /[0-9]/.test(c)) return this.number();
    if (c === '-' && /[0-9]/.test(this.text[this.pos + 1] ?? '')) {
      this.pos++;
      return -this.number();
    }
    const name = this.identifier();
    if (name === undefined) this.fail(`unexpected ${c === undefined ? 'end of expression' : `"${c}"`}`);
    if (name === 'true') return true;
    if (name === 'false') return false;
    if (name === 'null') return null;
    if (name === 'for') this.fail('"for" expressions are not supported');
    this.skipSpace();
    if (this.text[this.pos] === '(' || this.text.startsWith('::', this.pos)) return this.call(name);
    return this.reference(name);
  }

  private call(name: string): Value {
    let fullName = name;
    while (this.text.startsWith('::', this.pos)) {
      this.pos += 2;
      fullName += `::${this.identifier() ?? ''}`;
    }
    const fn = FUNCTIONS[fullName];
    if (fn === undefined) {
      this.fail(
        `function ${fullName}() is not supported by the local applier (supported: ${supportedFunctions()}). ` +
          'Add it to local/applier/expression.ts FUNCTIONS if a construct needs it',
      );
    }
    this.expect('(');
    const args: Value[] = [];
    this.skipSpace();
    while (this.text[this.pos] !== ')') {
      args.push(this.expression());
      this.skipSpace();
      if (this.text.startsWith('...', this.pos)) this.fail('argument expansion (...) is not supported');
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ')') this.fail('expected "," or ")" in the argument list');
      this.skipSpace();
    }
    this.pos++;
    try {
      return fn(args);
    } catch (error) {
      return this.fail((error as Error).message);
    }
  }

  /** `root.name` (or `data.type.name`) followed by an attribute; further steps are applied by postfix(). */
  private reference(head: string): Value {
    const steps: string[] = [];
    if (UNSUPPORTED_ROOTS.has(head)) this.fail(`${head}.* values are not supported by the local applier`);
    // `data.<type>.<name>` or `<type>.<name>`.
    const rootSteps = head === 'data' ? 2 : 1;
    while (steps.length < rootSteps + 1 && this.text[this.pos] === '.') {
      this.pos++;
      const step = this.identifier();
      if (step === undefined) this.fail(`expected a name after "${[head, ...steps].join('.')}."`);
      steps.push(step);
    }
    if (steps.length < rootSteps) this.fail(`"${[head, ...steps].join('.')}" is not a complete reference`);
    const root = [head, ...steps.slice(0, rootSteps)].join('.');
    if (steps.length === rootSteps) {
      // The whole object (`aws_x.y` without an attribute) is not something the constructs use.
      this.fail(`a reference to the whole of ${root} is not supported; reference one of its attributes`);
    }
    return this.resolver.attribute(root, steps[rootSteps]);
  }

  /** Attribute (`.x`) and index (`[0]`, `["k"]`) steps after a value. */
  private postfix(value: Value): Value {
    let current = value;
    for (;;) {
      if (this.text[this.pos] === '.' && /[A-Za-z_]/.test(this.text[this.pos + 1] ?? '')) {
        this.pos++;
        const name = this.identifier()!;
        current = this.step(current, name);
      } else if (this.text[this.pos] === '[') {
        this.pos++;
        if (this.text[this.pos] === '*') this.fail('splat expressions ([*]) are not supported');
        const key = this.expression();
        this.expect(']');
        current = this.step(current, key);
      } else {
        return current;
      }
    }
  }

  private step(value: Value, key: Value): Value {
    if (Array.isArray(value) && typeof key === 'number') {
      if (key < 0 || key >= value.length) this.fail(`index ${key} is out of range (length ${value.length})`);
      return value[key];
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && typeof key === 'string') {
      if (!(key in value)) this.fail(`no attribute "${key}" (has: ${Object.keys(value).join(', ')})`);
      return value[key];
    }
    return this.fail(`cannot index ${JSON.stringify(value)} with ${JSON.stringify(key)}`);
  }

  private object(): Value {
    this.expect('{');
    const out: { [key: string]: Value } = {};
    this.skipSpace();
    while (this.text[this.pos] !== '}') {
      let key: string;
      if (this.text[this.pos] === '"') {
        const k = this.primary();
        key = stringify(k, this.text);
      } else {
        const name = this.identifier();
        if (name === undefined) this.fail('expected an object key');
        key = name;
      }
      this.skipSpace();
      if (this.text[this.pos] !== '=' && this.text[this.pos] !== ':')
        this.fail('expected "=" after object key');
      this.pos++;
      out[key] = this.expression();
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      this.skipSpace();
      if (this.pos >= this.text.length) this.fail('unterminated object');
    }
    this.pos++;
    return out;
  }

  private tuple(): Value {
    this.expect('[');
    const out: Value[] = [];
    this.skipSpace();
    while (this.text[this.pos] !== ']') {
      out.push(this.expression());
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== ']') this.fail('expected "," or "]" in a tuple');
      this.skipSpace();
    }
    this.pos++;
    return out;
  }

  private number(): number {
    const match = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos));
    this.pos += match![0].length;
    return Number(match![0]);
  }

  private identifier(): string | undefined {
    const match = /^[A-Za-z_][\w-]*/.exec(this.text.slice(this.pos));
    if (match === null) return undefined;
    this.pos += match[0].length;
    return match[0];
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private expect(c: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== c) {
      this.fail(
        `expected "${c}" but found ${this.pos < this.text.length ? `"${this.text[this.pos]}"` : 'the end'}`,
      );
    }
    this.pos++;
  }

  private fail(message: string): never {
    const shown = this.text.length > 160 ? `${this.text.slice(0, 157)}...` : this.text;
    throw new ExpressionError(`${message} (at character ${this.pos} of ${JSON.stringify(shown)})`);
  }
}

/** How a value is interpolated into a string: only primitives can be, as in Terraform. */
function stringify(value: Value, text: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new ExpressionError(
    `cannot interpolate ${value === null ? 'null' : Array.isArray(value) ? 'a list' : 'an object'} into a string ` +
      `(in ${JSON.stringify(text.length > 160 ? `${text.slice(0, 157)}...` : text)}); wrap it in jsonencode()`,
  );
}

function supportedFunctions(): string {
  return Object.keys(FUNCTIONS)
    .map((f) => `${f}()`)
    .join(', ');
}
