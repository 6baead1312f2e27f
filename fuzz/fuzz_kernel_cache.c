/* fuzz_kernel_cache - libFuzzer target for the kernel-cache entry reader
 * (engine/runtime/kernel_cache_file.c: magic, version, key and payload
 * lengths, checksum, trailing bytes).
 *
 * Input: one flag byte, then the entry. When the flag's low bit is set and
 * the entry's lengths are self-consistent, the harness rewrites the payload
 * checksum, so mutations reach the key comparison and the OK path;
 * otherwise the checksum check itself is fuzzed. The key is fixed
 * ("fuzz key"). A parse classifies the bytes; OK must locate a non-empty
 * payload that ends the entry and matches its checksum, and re-encoding
 * that payload must parse back to the same bytes. The entry is copied into
 * a buffer of exactly its size, so ASan catches any over-read. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kernel_cache_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok) {
  if (!ok) __builtin_trap();
}

static const char KEY[] = "fuzz key";

/* Rewrites the checksum when the header's lengths fit the entry. */
static void fix_sum(unsigned char *e, size_t n) {
  uint64_t key_len, len, sum;
  size_t at = 4 + 4;
  if (n < at + 8) return;
  memcpy(&key_len, e + at, 8);
  if (key_len > n - at - 8) return;
  at += 8 + (size_t)key_len;
  if (n - at < 16) return;
  memcpy(&len, e + at, 8);
  if (len != n - at - 16) return;
  sum = vs__fnv64(e + at + 16, (size_t)len, VS_FNV_SEED);
  memcpy(e + at + 8, &sum, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t n = size - 1;
  unsigned char *e = malloc(n ? n : 1);
  if (!e) return 0;
  memcpy(e, data + 1, n);
  if (data[0] & 1) fix_sum(e, n);
  size_t off = 0, len = 0;
  vs_kc_verdict v = vs__kernel_cache_parse(e, n, KEY, &off, &len);
  check(v == VS_KC_OK || v == VS_KC_OTHER_KEY || v == VS_KC_CORRUPT);
  if (v == VS_KC_OK) {
    check(len > 0 && off <= n && len == n - off);
    size_t m = 0;
    unsigned char *again = vs__kernel_cache_encode(KEY, e + off, len, &m);
    if (again) {
      size_t off2 = 0, len2 = 0;
      check(vs__kernel_cache_parse(again, m, KEY, &off2, &len2) == VS_KC_OK);
      check(m == n && memcmp(again, e, n) == 0);
      free(again);
    }
  }
  free(e);
  return 0;
}
