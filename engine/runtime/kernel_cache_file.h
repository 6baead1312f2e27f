/* kernel_cache_file.h - the on-disk kernel cache entry format, as bytes.
 *
 * Pure functions over memory (no OpenCL, no files), so the format can be
 * fuzzed on its own (fuzz/fuzz_kernel_cache.c) and kernel_cache.c only
 * does I/O. An entry is: "VSKC", u32 format version, u64 key length, the
 * key text, u64 payload length, u64 FNV-1a 64 of the payload, the payload
 * (a device binary); integers in host byte order (a cache is per machine). */
#ifndef VS_KERNEL_CACHE_FILE_H
#define VS_KERNEL_CACHE_FILE_H

#include <stddef.h>
#include <stdint.h>

#define VS_KC_FORMAT_VERSION 1u
/* The largest payload accepted (a device binary is far smaller). */
#define VS_KC_MAX_PAYLOAD ((uint64_t)1 << 31)

typedef enum vs_kc_verdict {
  VS_KC_OK,        /* *off, *len locate the payload inside data */
  VS_KC_OTHER_KEY, /* a valid entry for another key whose file name hashed alike */
  VS_KC_CORRUPT    /* truncated, bad magic/version/length/checksum, or trailing bytes */
} vs_kc_verdict;

/* FNV-1a 64, continuing from h (start with VS_FNV_SEED). */
#define VS_FNV_SEED 1469598103934665603ull
uint64_t vs__fnv64(const void *data, size_t n, uint64_t h);

/* Checks an entry read whole into data[0..n) against key (NUL-terminated).
 * Never reads outside data. */
vs_kc_verdict vs__kernel_cache_parse(const unsigned char *data, size_t n, const char *key, size_t *off,
                                     size_t *len);

/* The entry for key and payload bin[0..size), malloc'd, length in *n; NULL
 * when out of memory or size exceeds VS_KC_MAX_PAYLOAD. The caller frees. */
unsigned char *vs__kernel_cache_encode(const char *key, const unsigned char *bin, size_t size, size_t *n);

#endif
