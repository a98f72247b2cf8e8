/*
 * What runtime/format/json-object-check.ts (isJsonObject), runtime/format/jsonl.ts (isUtf8) and
 * runtime/format/compact-json.ts (hasWhitespace) prove together, in one pass on the consumer's worker thread.
 *
 * A record is flagged "line as is" only when it is proven valid UTF-8, one JSON object, and without
 * whitespace between tokens. Its JSONL line is then exactly its value, which is what the JavaScript path
 * produces for it (compactJson returns such a value unchanged: it removes whitespace outside strings only).
 * Everything else is flagged 0 and the JavaScript path decides it (and words the error), so both clients
 * write the same bytes. One pass: outside strings only the ASCII bytes of JSON's grammar are accepted (so
 * whitespace there fails the proof), and inside strings, plain ASCII content is skipped eight bytes at a time
 * and every other character is checked (escapes, control characters, UTF-8 sequences).
 */
#ifndef BATCH_EXPORTER_JSON_CHECK_H
#define BATCH_EXPORTER_JSON_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * The length of the UTF-8 sequence of a non-ASCII character at `s[i]` (RFC 3629: no overlongs, no surrogates,
 * at most U+10FFFF), or 0 when it is not one.
 */
static size_t be_utf8_sequence(const uint8_t *s, size_t n, size_t i) {
  uint8_t c = s[i];
  if (c >= 0xc2 && c <= 0xdf) {
    if (i + 1 >= n || (s[i + 1] & 0xc0) != 0x80) return 0;
    return 2;
  }
  if (c >= 0xe0 && c <= 0xef) {
    if (i + 2 >= n) return 0;
    uint8_t c1 = s[i + 1];
    if ((c1 & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80) return 0;
    if (c == 0xe0 && c1 < 0xa0) return 0; /* overlong */
    if (c == 0xed && c1 > 0x9f) return 0; /* surrogate */
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (i + 3 >= n) return 0;
    uint8_t c1 = s[i + 1];
    if ((c1 & 0xc0) != 0x80 || (s[i + 2] & 0xc0) != 0x80 || (s[i + 3] & 0xc0) != 0x80) return 0;
    if (c == 0xf0 && c1 < 0x90) return 0; /* overlong */
    if (c == 0xf4 && c1 > 0x8f) return 0; /* above U+10FFFF */
    return 4;
  }
  return 0;
}

/* SWAR over 8 bytes: a byte of `w` that needs a closer look in a string ('"', '\\', < 0x20 or >= 0x80). */
#define BE_ONES 0x0101010101010101ULL
#define BE_HIGHS 0x8080808080808080ULL
static int be_word_needs_look(uint64_t w) {
  uint64_t quote = w ^ (BE_ONES * '"');
  uint64_t backslash = w ^ (BE_ONES * '\\');
  uint64_t zero_quote = (quote - BE_ONES) & ~quote;
  uint64_t zero_backslash = (backslash - BE_ONES) & ~backslash;
  uint64_t control = w - BE_ONES * 0x20; /* high bit set where a byte < 0x20 (or borrowed into) */
  return ((zero_quote | zero_backslash | control | w) & BE_HIGHS) != 0;
}

#define BE_MAX_DEPTH 512

/* -1 past the end, like `undefined` in the JavaScript scanner: it matches no byte. */
#define BE_AT(i) ((i) < n ? (int)s[(i)] : -1)

static int be_hex(int c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The index after the string starting (with its quote) at `i`, or -1; its characters must be valid UTF-8. */
static long be_after_string(const uint8_t *s, size_t n, size_t i) {
  i++;
  while (i < n) {
    /* Most bytes of an event are plain string content: skip it eight bytes at a time. */
    while (i + 8 <= n) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (be_word_needs_look(w)) break;
      i += 8;
    }
    if (i >= n) break;
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
    } else if (c >= 0x80) {
      size_t length = be_utf8_sequence(s, n, i);
      if (length == 0) return -1;
      i += length;
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
  if (after < 0 || BE_AT((size_t)after) != ':') return -1;
  return after + 1;
}

/**
 * 1 when `s` is certainly one JSON object without whitespace between its tokens (whitespace there is what
 * compactJson removes, so such a value is not its line as is); 0 means "not proven".
 */
static int be_is_compact_json_object(const uint8_t *s, size_t n) {
  uint8_t containers[BE_MAX_DEPTH];
  size_t depth = 0;
  long i = 0;
  if (BE_AT((size_t)i) != '{') return 0;
  for (;;) {
    int c = BE_AT((size_t)i);
    if (c == '{' || c == '[') {
      if (depth == BE_MAX_DEPTH) return 0;
      i++;
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
      if (depth == 0) return (size_t)i == n;
      c = BE_AT((size_t)i);
      uint8_t container = containers[depth - 1];
      if (c == ',') {
        i++;
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

/** 1 when the record's JSONL line is its value as is (see the top of this file). */
static int be_line_as_is(const uint8_t *s, size_t n) {
  return be_is_compact_json_object(s, n);
}

#endif
