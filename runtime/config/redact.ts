/**
 * How a secret is shown anywhere a value would be printed: its length only, so a user can tell an empty or
 * truncated secret from a whole one without any character of it leaving the process.
 */
export function redacted(secret: string): string {
  return `<redacted, ${secret.length} chars>`;
}

/** Renders a user-supplied value for an error message; secrets become `redacted(...)`. */
export function displayValue(value: unknown, secret = false): string {
  if (secret) {
    const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
    return redacted(text);
  }
  if (value === undefined) return '(not set)';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 120 ? `${value.slice(0, 117)}...` : value);
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
