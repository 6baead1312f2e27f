/* text_out.c - see text_out.h. */
#include "text_out.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

/* Length of the well-formed UTF-8 sequence at s (2-4 bytes, no overlongs,
 * no surrogates, at most U+10FFFF), 0 when s does not start one. Its code
 * point goes to *cp. */
static size_t utf8_seq(const unsigned char *s, unsigned *cp) {
  unsigned c = s[0];
  size_t n;
  unsigned v, min;
  if (c >= 0xc2 && c <= 0xdf) n = 2, v = c & 0x1f, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef) n = 3, v = c & 0x0f, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4) n = 4, v = c & 0x07, min = 0x10000;
  else return 0;
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) return 0; /* also stops at the NUL */
    v = (v << 6) | (s[i] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return n;
}

void vs_tool_put_visible(FILE *f, const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  while (*s) {
    unsigned cp = 0;
    size_t n = *s >= 0x80 ? utf8_seq(s, &cp) : 0;
    if (n && cp >= 0xa0) {
      fwrite(s, 1, n, f);
      s += n;
    } else if (n) { /* a C1 control: terminals act on these too */
      for (size_t i = 0; i < n; i++) fprintf(f, "\\x%02x", s[i]);
      s += n;
    } else if (*s == '\\') {
      fputs("\\\\", f);
      s++;
    } else if (*s < 0x20 || *s >= 0x7f) {
      fprintf(f, "\\x%02x", *s++);
    } else {
      fputc(*s++, f);
    }
  }
}

char *vs_tool_visible_dup(const char *s) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return NULL;
  vs_tool_put_visible(f, s);
  if (fclose(f) != 0) {
    free(buf);
    return NULL;
  }
  return buf;
}

void vs_tool_put_json_string(FILE *f, const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  fputc('"', f);
  while (*s) {
    unsigned cp = 0;
    size_t n = *s >= 0x80 ? utf8_seq(s, &cp) : 0;
    if (n) {
      fwrite(s, 1, n, f);
      s += n;
      continue;
    }
    unsigned char c = *s++;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c == '\n') fputs("\\n", f);
    else if (c == '\t') fputs("\\t", f);
    else if (c < 0x20 || c >= 0x7f) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}
