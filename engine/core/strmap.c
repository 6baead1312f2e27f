/* strmap.c - open-addressing hash map from strings to pointers.
 * Lookups dominate (names in use, the variable store with 10^5 entries), so
 * linear probing over a power-of-two table with FNV-1a hashing. */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

void vs_strmap_free(vs_strmap *m) {
  for (size_t i = 0; i < m->cap && !m->borrowed_keys; i++) free(m->keys[i]);
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

static size_t slot_of(char *const *keys, size_t cap, const char *key) {
  size_t i = (size_t)hash(key) & (cap - 1);
  while (keys[i] && strcmp(keys[i], key) != 0) i = (i + 1) & (cap - 1);
  return i;
}

void **vs_strmap_find(const vs_strmap *m, const char *key) {
  if (!m->cap) return NULL;
  size_t i = slot_of(m->keys, m->cap, key);
  return m->keys[i] ? &m->vals[i] : NULL;
}

void *vs_strmap_get(const vs_strmap *m, const char *key) {
  void **slot = vs_strmap_find(m, key);
  return slot ? *slot : NULL;
}

static bool rehash(vs_strmap *m, size_t cap) {
  char **keys = calloc(cap, sizeof *keys);
  void **vals = calloc(cap, sizeof *vals);
  if (!keys || !vals) {
    free(keys);
    free(vals);
    return false;
  }
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->keys[i]) continue;
    size_t j = slot_of(keys, cap, m->keys[i]);
    keys[j] = m->keys[i];
    vals[j] = m->vals[i];
  }
  free(m->keys);
  free(m->vals);
  m->keys = keys;
  m->vals = vals;
  m->cap = cap;
  return true;
}

bool vs_strmap_put(vs_strmap *m, const char *key, void *val) {
  void **slot = vs_strmap_find(m, key);
  if (slot) {
    *slot = val;
    return true;
  }
  if ((m->count + 1) * 4 > m->cap * 3 && !rehash(m, m->cap ? m->cap * 2 : 16)) return false;
  char *k = m->borrowed_keys ? (char *)key : vs__strdup(key);
  if (!k) return false;
  size_t i = slot_of(m->keys, m->cap, key);
  m->keys[i] = k;
  m->vals[i] = val;
  m->count++;
  return true;
}

bool vs_strmap_copy(vs_strmap *dst, const vs_strmap *src) {
  vs_strmap out = {0};
  for (size_t i = 0; i < src->cap; i++) {
    if (src->keys[i] && !vs_strmap_put(&out, src->keys[i], src->vals[i])) {
      vs_strmap_free(&out);
      return false;
    }
  }
  *dst = out;
  return true;
}
