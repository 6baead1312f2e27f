/* util.c - strings and growable arrays. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

char *vs__strdup(const char *s) { return s ? vs__strndup(s, strlen(s)) : NULL; }

char *vs__strndup(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *vs__vasprintf(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) return NULL;
  char *p = malloc((size_t)n + 1);
  if (p) vsnprintf(p, (size_t)n + 1, fmt, ap);
  return p;
}

char *vs__asprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *p = vs__vasprintf(fmt, ap);
  va_end(ap);
  return p;
}

char *vs__lower(const char *s) {
  char *p = vs__strdup(s);
  if (p)
    for (char *c = p; *c; c++) *c = (char)tolower((unsigned char)*c);
  return p;
}

bool vs__starts_with(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool vs__grow(void **items, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return true;
  size_t n = *cap ? *cap : 8;
  while (n < need) n *= 2;
  void *p = realloc(*items, n * elem);
  if (!p) return false;
  *items = p;
  *cap = n;
  return true;
}
