/*
 * The byte-level checks of runtime/format/json-object-check.ts (isJsonObject), runtime/format/jsonl.ts
 * (isUtf8) and runtime/format/compact-json.ts (hasWhitespace), run on the consumer's worker thread.
 *
 * A record is flagged "line as is" only when all three prove it: valid UTF-8, one JSON object, no
 * whitespace between tokens. Its JSONL line is then exactly its value, which is what the JavaScript path
 * produces for it (compactJson returns such a value unchanged: it removes whitespace outside strings only). Everything else is flagged 0 and the
 * JavaScript path decides it (and words the error), so both clients write the same bytes.
 */
#ifndef BATCH_EXPORTER_JSON_CHECK_H
#define BATCH_EXPORTER_JSON_CHECK_H

#include <stddef.h>
#include <stdint.h>

/** 1 when `value` is valid UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF). */
static int be_is_utf8(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c >= 0xc2 && c <= 0xdf) {
      if (i + 1 >= n || (s[i + 1] & 0xc0) != 0x80) return 0;
      i += 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      if (i + 2 >= n) return 0;
      uint8_t c1 = s[i + 1];
      if ((c1 & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80) return 0;
      if (c == 0xe0 && c1 < 0xa0) return 0;  /* overlong */
      if (c == 0xed && c1 > 0x9f) return 0;  /* surrogate */
      i += 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      if (i + 3 >= n) return 0;
      uint8_t c1 = s[i + 1];
      if ((c1 & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80 || (s[i + 3] & 0xc0) != 0x80) return 0;
      if (c == 0xf0 && c1 < 0x90) return 0;  /* overlong */
      if (c == 0xf4 && c1 > 0x8f) return 0;  /* above U+10FFFF */
      i += 4;
    } else {
      return 0;
    }
  }
  return 1;
}

#define BE_MAX_DEPTH 512

/* -1 past the end, like `undefined` in the JavaScript scanner: it matches no byte. */
#define BE_AT(i) ((i) < n ? (int)s[(i)] : -1)

static size_t be_skip_ws(const uint8_t *s, size_t n, size_t i) {
  while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++;
  return i;
}

static int be_hex(int c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The index after the string starting (with its quote) at `i`, or -1. */
static long be_after_string(const uint8_t *s, size_t n, size_t i) {
  i++;
  while (i < n) {
    int c = s[i];
    if (c == '"') return (long)(i + 1);
    if (c == '\\') {
      int e = BE_AT(i + 1);
      if (e == 'u') {
        if (!be_hex(BE_AT(i + 2)) || !be_hex(BE_AT(i + 3)) || !be_hex(BE_AT(i + 4)) || !be_hex(BE_AT(i + 5)))
          return -1;
        i += 6;
      } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
                 e == 't') {
        i += 2;
      } else {
        return -1;
      }
    } else if (c < 0x20) {
      return -1;
    } else {
      i++;
    }
  }
  return -1;
}

static size_t be_after_digits(const uint8_t *s, size_t n, size_t i) {
  while (i < n && s[i] >= '0' && s[i] <= '9') i++;
  return i;
}

static long be_after_number(const uint8_t *s, size_t n, size_t i) {
  if (BE_AT(i) == '-') i++;
  if (BE_AT(i) == '0') {
    i++;
  } else {
    size_t d = be_after_digits(s, n, i);
    if (d == i) return -1;
    i = d;
  }
  if (BE_AT(i) == '.') {
    size_t d = be_after_digits(s, n, i + 1);
    if (d == i + 1) return -1;
    i = d;
  }
  if (BE_AT(i) == 'e' || BE_AT(i) == 'E') {
    i++;
    if (BE_AT(i) == '+' || BE_AT(i) == '-') i++;
    size_t d = be_after_digits(s, n, i);
    if (d == i) return -1;
    i = d;
  }
  return (long)i;
}

static long be_after_literal(const uint8_t *s, size_t n, size_t i) {
  const char *word = BE_AT(i) == 't' ? "true" : BE_AT(i) == 'f' ? "false" : BE_AT(i) == 'n' ? "null" : NULL;
  if (word == NULL) return -1;
  size_t k = 0;
  for (; word[k] != 0; k++)
    if (BE_AT(i + k) != word[k]) return -1;
  return (long)(i + k);
}

/* `"key" :` at `i`: the index of the value after it, or -1. */
static long be_after_key(const uint8_t *s, size_t n, size_t i) {
  if (BE_AT(i) != '"') return -1;
  long after = be_after_string(s, n, i);
  if (after < 0) return -1;
  size_t colon = be_skip_ws(s, n, (size_t)after);
  if (BE_AT(colon) != ':') return -1;
  return (long)be_skip_ws(s, n, colon + 1);
}

/** 1 when `s` is certainly one JSON object; 0 means "not proven". */
static int be_is_json_object(const uint8_t *s, size_t n) {
  uint8_t containers[BE_MAX_DEPTH];
  size_t depth = 0;
  long i = (long)be_skip_ws(s, n, 0);
  if (BE_AT((size_t)i) != '{') return 0;
  for (;;) {
    int c = BE_AT((size_t)i);
    if (c == '{' || c == '[') {
      if (depth == BE_MAX_DEPTH) return 0;
      i = (long)be_skip_ws(s, n, (size_t)i + 1);
      int closing = c == '{' ? '}' : ']';
      if (BE_AT((size_t)i) == closing) {
        i++;
      } else {
        containers[depth++] = (uint8_t)c;
        if (c == '{') {
          i = be_after_key(s, n, (size_t)i);
          if (i < 0) return 0;
        }
        continue;
      }
    } else if (c == '"') {
      i = be_after_string(s, n, (size_t)i);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      i = be_after_number(s, n, (size_t)i);
    } else {
      i = be_after_literal(s, n, (size_t)i);
    }
    if (i < 0) return 0;
    for (;;) {
      if (depth == 0) return be_skip_ws(s, n, (size_t)i) == n;
      i = (long)be_skip_ws(s, n, (size_t)i);
      c = BE_AT((size_t)i);
      uint8_t container = containers[depth - 1];
      if (c == ',') {
        i = (long)be_skip_ws(s, n, (size_t)i + 1);
        if (container == '{') {
          i = be_after_key(s, n, (size_t)i);
          if (i < 0) return 0;
        }
        break;
      }
      if (c == (container == '{' ? '}' : ']')) {
        depth--;
        i++;
        continue;
      }
      return 0;
    }
  }
}

/* Whitespace between tokens (what compactJson removes); inside strings it is content and stays. */
static int be_has_whitespace_outside_strings(const uint8_t *s, size_t n) {
  int in_string = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    if (in_string) {
      if (c == '\\') i++;
      else if (c == '"') in_string = 0;
    } else if (c == '"') {
      in_string = 1;
    } else if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      return 1;
    }
  }
  return 0;
}

/** 1 when the record's JSONL line is its value as is (see the top of this file). */
static int be_line_as_is(const uint8_t *s, size_t n) {
  return !be_has_whitespace_outside_strings(s, n) && be_is_utf8(s, n) && be_is_json_object(s, n);
}

#endif
