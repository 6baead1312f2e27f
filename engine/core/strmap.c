/* strmap.c - open-addressing hash map from strings to pointers.
 * Lookups dominate (names in use, the variable store with 10^5 entries), so
 * linear probing over a power-of-two table with FNV-1a hashing.
 *
 * Options for the graph's big maps (issue 10, per-variable memory;
 * docs/execution.md): packed_keys copies keys into chunks the map owns
 * instead of one malloc each; fold_case compares keys ASCII
 * case-insensitively (TF's lower-cased reserved names without a
 * lower-cased copy). */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* A block of packed keys; the text follows the header. */
struct vs_key_chunk {
  struct vs_key_chunk *next;
  size_t size; /* bytes of text this chunk holds */
};

#define CHUNK_MIN 512
#define CHUNK_MAX (64 * 1024)

static unsigned char fold(unsigned char c) { return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c; }

static uint64_t hash(const vs_strmap *m, const char *s) {
  uint64_t h = 1469598103934665603ull;
  if (m->fold_case)
    for (; *s; s++) h = (h ^ fold((unsigned char)*s)) * 1099511628211ull;
  else
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static bool same(const vs_strmap *m, const char *a, const char *b) {
  if (!m->fold_case) return strcmp(a, b) == 0;
  for (; *a && fold((unsigned char)*a) == fold((unsigned char)*b); a++, b++) {}
  return fold((unsigned char)*a) == fold((unsigned char)*b);
}

void vs_strmap_free(vs_strmap *m) {
  bool own = !m->borrowed_keys && !m->packed_keys;
  for (size_t i = 0; i < m->cap && own; i++) free(m->keys[i]);
  for (struct vs_key_chunk *c = m->chunks, *next; c; c = next) {
    next = c->next;
    free(c);
  }
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

static size_t slot_of(const vs_strmap *m, char *const *keys, size_t cap, const char *key) {
  size_t i = (size_t)hash(m, key) & (cap - 1);
  while (keys[i] && !same(m, keys[i], key)) i = (i + 1) & (cap - 1);
  return i;
}

void **vs_strmap_find(const vs_strmap *m, const char *key) {
  if (!m->cap) return NULL;
  size_t i = slot_of(m, m->keys, m->cap, key);
  return m->keys[i] ? &m->vals[i] : NULL;
}

const char *vs_strmap_key(const vs_strmap *m, const char *key) {
  return m->cap ? m->keys[slot_of(m, m->keys, m->cap, key)] : NULL;
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
    size_t j = slot_of(m, keys, cap, m->keys[i]);
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

/* A copy of key in the map's chunks (a new chunk, doubling up to
 * CHUNK_MAX, when the newest is full; a key longer than that gets a chunk
 * of its own). */
static char *pack_key(vs_strmap *m, const char *key) {
  size_t len = strlen(key) + 1;
  if (len > m->chunk_left) {
    size_t size = m->chunks ? m->chunks->size * 2 : CHUNK_MIN;
    if (size > CHUNK_MAX) size = CHUNK_MAX;
    if (size < len) size = len;
    struct vs_key_chunk *c = malloc(sizeof *c + size);
    if (!c) return NULL;
    c->size = size;
    c->next = m->chunks;
    m->chunks = c;
    m->chunk_left = size;
  }
  char *k = (char *)(m->chunks + 1) + (m->chunks->size - m->chunk_left);
  memcpy(k, key, len);
  m->chunk_left -= len;
  return k;
}

bool vs_strmap_put(vs_strmap *m, const char *key, void *val) {
  void **slot = vs_strmap_find(m, key);
  if (slot) {
    *slot = val;
    return true;
  }
  if ((m->count + 1) * 4 > m->cap * 3 && !rehash(m, m->cap ? m->cap * 2 : 16)) return false;
  char *k = m->borrowed_keys ? (char *)key : m->packed_keys ? pack_key(m, key) : vs__strdup(key);
  if (!k) return false;
  size_t i = slot_of(m, m->keys, m->cap, key);
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
