/* nameset.c - the graph's reserved names (TF's Graph._names_in_use): name
 * -> count, compared ASCII case-insensitively as TF compares lower-cased
 * keys, with one pointer a slot. Each name sits in the set's chunks right
 * behind its uint32 count ([count][name\0], 4-aligned), so the table holds
 * keys only and a count costs 4 bytes, not an 8-byte value slot at a load
 * of 3/8 to 3/4 (issue 10, per-variable memory). Open addressing, linear
 * probing, power of two, load <= 3/4, FNV-1a over the folded bytes. */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static unsigned char fold(unsigned char c) { return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c; }

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ fold((unsigned char)*s)) * 1099511628211ull;
  return h;
}

static bool same(const char *a, const char *b) {
  for (; *a && fold((unsigned char)*a) == fold((unsigned char)*b); a++, b++) {}
  return fold((unsigned char)*a) == fold((unsigned char)*b);
}

static size_t slot_of(char *const *keys, size_t cap, const char *name) {
  size_t i = (size_t)hash(name) & (cap - 1);
  while (keys[i] && !same(keys[i], name)) i = (i + 1) & (cap - 1);
  return i;
}

/* The count stored right before a key. */
static uint32_t count_of(const char *key) {
  uint32_t n;
  memcpy(&n, key - sizeof n, sizeof n);
  return n;
}

void vs_nameset_free(vs_nameset *s) {
  vs__chunks_free(&s->chunks);
  free(s->keys);
  memset(s, 0, sizeof *s);
}

const char *vs_nameset_key(const vs_nameset *s, const char *name) {
  return s->cap ? s->keys[slot_of(s->keys, s->cap, name)] : NULL;
}

uint32_t vs_nameset_count(const vs_nameset *s, const char *name) {
  const char *key = vs_nameset_key(s, name);
  return key ? count_of(key) : 0;
}

static bool grow(vs_nameset *s) {
  size_t cap = s->cap ? s->cap * 2 : 16;
  char **keys = calloc(cap, sizeof *keys);
  if (!keys) return false;
  for (size_t i = 0; i < s->cap; i++)
    if (s->keys[i]) keys[slot_of(keys, cap, s->keys[i])] = s->keys[i];
  free(s->keys);
  s->keys = keys;
  s->cap = cap;
  return true;
}

bool vs_nameset_put(vs_nameset *s, const char *name, uint32_t count) {
  size_t i = s->cap ? slot_of(s->keys, s->cap, name) : 0;
  if (s->cap && s->keys[i]) {
    memcpy(s->keys[i] - sizeof count, &count, sizeof count);
    return true;
  }
  if ((s->count + 1) * 4 > s->cap * 3) {
    if (!grow(s)) return false;
    i = slot_of(s->keys, s->cap, name);
  }
  size_t len = strlen(name) + 1;
  char *block = vs__chunks_alloc(&s->chunks, sizeof count + len, _Alignof(uint32_t));
  if (!block) return false;
  memcpy(block, &count, sizeof count);
  memcpy(block + sizeof count, name, len);
  s->keys[i] = block + sizeof count;
  s->count++;
  return true;
}
