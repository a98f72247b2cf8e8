/**
 * Finds the references in Terraform JSON-syntax values: `${...}` interpolations in strings, including
 * references nested inside function calls, object literals and string templates within them
 * (`${jsonencode({"id" = aws_iam_access_key.Key.id})}`).
 *
 * Terraform's JSON syntax only evaluates strings, so numbers, booleans and object keys never hold
 * references. See https://developer.hashicorp.com/terraform/language/syntax/json#expression-mapping
 */

/** One traversal found in an expression, e.g. `aws_s3_bucket.Bucket.arn`. */
export interface Traversal {
  /** The root object: `aws_s3_bucket.Bucket`, `data.aws_iam_policy_document.Doc`, `local.x`, `var.y`. */
  readonly root: string;
  /** The whole traversal text as written, e.g. `aws_s3_bucket.Bucket.arn`. */
  readonly text: string;
}

/** Roots that are not resources: Terraform's named values other than resources and data sources. */
const NON_RESOURCE_ROOTS = new Set(['var', 'local', 'module', 'each', 'count', 'path', 'self', 'terraform']);

/** A dotted traversal, optionally with `[index]` steps: `aws_x.y[0].id`, `data.t.n.json`. */
const TRAVERSAL = /(?<![\w.$-])([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*|\[[^\]]*\])+)/g;

/** All traversals in a JSON-syntax value (string, array or object), in document order. */
export function traversalsIn(value: unknown): Traversal[] {
  const found: Traversal[] = [];
  walk(value, found);
  return found;
}

function walk(value: unknown, found: Traversal[]): void {
  if (typeof value === 'string') {
    scanTemplate(value, found);
  } else if (Array.isArray(value)) {
    for (const item of value) walk(item, found);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      // cdktf's own metadata, never evaluated by Terraform.
      if (key === '//') continue;
      walk(item, found);
    }
  }
}

/** Scans a template string (`text ${expr} text`) for the expressions in its interpolations. */
function scanTemplate(template: string, found: Traversal[]): void {
  let i = 0;
  while (i < template.length) {
    const start = template.indexOf('${', i);
    if (start < 0) return;
    // `$${` is Terraform's escape for a literal `${`.
    if (start > 0 && template[start - 1] === '$') {
      i = start + 2;
      continue;
    }
    const end = matchingBrace(template, start + 1);
    scanExpression(template.slice(start + 2, end), found);
    i = end + 1;
  }
}

/** The index of the `}` closing the `{` at `open`, skipping braces inside string literals. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i = endOfString(text, i);
    } else if (c === '{') {
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return text.length;
}

/** The index of the `"` closing the string literal that opens at `open` (handles `\"` and `${...}`). */
function endOfString(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      i++;
    } else if (c === '$' && text[i + 1] === '{') {
      i = matchingBrace(text, i + 1);
    } else if (c === '"') {
      return i;
    }
  }
  return text.length;
}

/** Finds traversals in expression code; string literals inside it are scanned as templates. */
function scanExpression(expression: string, found: Traversal[]): void {
  let code = '';
  for (let i = 0; i < expression.length; i++) {
    if (expression[i] === '"') {
      const close = endOfString(expression, i);
      scanTemplate(unescape(expression.slice(i + 1, close)), found);
      code += ' ';
      i = close;
    } else {
      code += expression[i];
    }
  }
  for (const match of code.matchAll(TRAVERSAL)) {
    const head = match[1];
    const steps = match[2];
    const names = steps.split(/[.[]/).filter((s) => s !== '' && !s.endsWith(']'));
    // A function namespace (`provider::aws::arn_parse`) or a method-like call is not a traversal.
    if (code[(match.index ?? 0) + match[0].length] === '(') continue;
    let root: string | undefined;
    if (head === 'data') {
      if (names.length >= 2) root = `data.${names[0]}.${names[1]}`;
    } else if (NON_RESOURCE_ROOTS.has(head)) {
      if (names.length >= 1) root = `${head}.${names[0]}`;
    } else if (steps.startsWith('.') && names.length >= 1) {
      root = `${head}.${names[0]}`;
    }
    if (root !== undefined) found.push({ root, text: match[0] });
  }
}

function unescape(literal: string): string {
  return literal.replace(/\\(.)/g, '$1');
}

/** True for a root that names a managed resource or data source (`aws_x.y`, `data.aws_x.y`). */
export function isResourceRoot(root: string): boolean {
  const head = root.split('.')[0];
  return !NON_RESOURCE_ROOTS.has(head);
}

/** True when a type looks like a provider resource type (`<provider>_<name>`), not a loop variable. */
export function looksLikeResourceType(type: string): boolean {
  return /^[a-z][a-z0-9]*_[a-z0-9_]+$/.test(type);
}
