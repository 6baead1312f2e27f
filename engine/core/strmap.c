/* strmap.c - open-addressing hash map from strings to pointers, and the
 * chunks that the big maps pack their keys into.
 * Lookups dominate (names in use, the variable store with 10^5 entries), so
 * linear probing over a power-of-two table with FNV-1a hashing. */
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* ---- chunks ---- */

struct vs_chunk {
  struct vs_chunk *next;
  size_t size; /* bytes after the header */
  alignas(max_align_t) unsigned char data[];
};

#define CHUNK_MIN 512
#define CHUNK_MAX (64 * 1024)

void *vs__chunks_alloc(vs_chunks *c, size_t bytes, size_t align) {
  size_t pad = c->head ? (align - (c->head->size - c->left) % align) % align : 0;
  if (!c->head || pad + bytes > c->left) {
    /* Doubling up to CHUNK_MAX, so small maps stay small; a block larger
     * than that gets a chunk of its own. */
    size_t size = c->head ? c->head->size * 2 : CHUNK_MIN;
    if (size > CHUNK_MAX) size = CHUNK_MAX;
    if (size < bytes) size = bytes;
    struct vs_chunk *n = malloc(sizeof *n + size);
    if (!n) return NULL;
    n->size = size;
    n->next = c->head;
    c->head = n;
    c->left = size;
    pad = 0;
  }
  void *p = c->head->data + (c->head->size - c->left) + pad;
  c->left -= pad + bytes;
  return p;
}

void vs__chunks_free(vs_chunks *c) {
  for (struct vs_chunk *k = c->head, *next; k; k = next) {
    next = k->next;
    free(k);
  }
  c->head = NULL;
  c->left = 0;
}

/* ---- the map ---- */

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

void vs_strmap_free(vs_strmap *m) {
  for (size_t i = 0; i < m->cap && !m->borrowed_keys && !m->packed_keys; i++) free(m->keys[i]);
  vs__chunks_free(&m->chunks);
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

const char *vs_strmap_key(const vs_strmap *m, const char *key) {
  return m->cap ? m->keys[slot_of(m->keys, m->cap, key)] : NULL;
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

static char *pack_key(vs_strmap *m, const char *key) {
  size_t len = strlen(key) + 1;
  char *k = vs__chunks_alloc(&m->chunks, len, 1);
  if (k) memcpy(k, key, len);
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
