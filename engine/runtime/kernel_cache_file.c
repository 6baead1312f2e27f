/* kernel_cache_file.c - encodes and checks kernel cache entries in memory
 * (format in kernel_cache_file.h). Every length read from the data is
 * checked against what is left before it is used, so a truncated or
 * hostile file can only be classified, never over-read. */
#include "runtime/kernel_cache_file.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "VSKC"

uint64_t vs__fnv64(const void *data, size_t n, uint64_t h) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

/* Copies the next `size` bytes into out; false when fewer are left. */
static int take(const unsigned char *data, size_t n, size_t *pos, void *out, size_t size) {
  if (n - *pos < size) return 0;
  memcpy(out, data + *pos, size);
  *pos += size;
  return 1;
}

vs_kc_verdict vs__kernel_cache_parse(const unsigned char *data, size_t n, const char *key, size_t *off,
                                     size_t *len) {
  size_t pos = 0, key_size = strlen(key);
  char magic[4];
  uint32_t version;
  uint64_t key_len, payload_len, sum;
  if (!take(data, n, &pos, magic, 4) || memcmp(magic, MAGIC, 4) != 0) return VS_KC_CORRUPT;
  if (!take(data, n, &pos, &version, sizeof version) || version != VS_KC_FORMAT_VERSION) return VS_KC_CORRUPT;
  if (!take(data, n, &pos, &key_len, sizeof key_len) || key_len > n - pos) return VS_KC_CORRUPT;
  /* Another key of another length or text: a valid file for a different
   * program whose name collided; it is replaced, not reported corrupt. */
  bool same_key = key_len == key_size && memcmp(data + pos, key, key_size) == 0;
  pos += (size_t)key_len;
  if (!take(data, n, &pos, &payload_len, sizeof payload_len) || !take(data, n, &pos, &sum, sizeof sum))
    return VS_KC_CORRUPT;
  if (payload_len == 0 || payload_len > VS_KC_MAX_PAYLOAD || payload_len != n - pos) return VS_KC_CORRUPT;
  if (vs__fnv64(data + pos, (size_t)payload_len, VS_FNV_SEED) != sum) return VS_KC_CORRUPT;
  if (!same_key) return VS_KC_OTHER_KEY;
  *off = pos;
  *len = (size_t)payload_len;
  return VS_KC_OK;
}

unsigned char *vs__kernel_cache_encode(const char *key, const unsigned char *bin, size_t size, size_t *n) {
  uint32_t version = VS_KC_FORMAT_VERSION;
  uint64_t key_len = strlen(key), payload_len = size, sum = vs__fnv64(bin, size, VS_FNV_SEED);
  if (payload_len > VS_KC_MAX_PAYLOAD) return NULL;
  size_t total = 4 + sizeof version + sizeof key_len + (size_t)key_len + sizeof payload_len + sizeof sum + size;
  unsigned char *out = malloc(total), *p = out;
  if (!out) return NULL;
  memcpy(p, MAGIC, 4), p += 4;
  memcpy(p, &version, sizeof version), p += sizeof version;
  memcpy(p, &key_len, sizeof key_len), p += sizeof key_len;
  memcpy(p, key, (size_t)key_len), p += key_len;
  memcpy(p, &payload_len, sizeof payload_len), p += sizeof payload_len;
  memcpy(p, &sum, sizeof sum), p += sizeof sum;
  memcpy(p, bin, size);
  *n = total;
  return out;
}
