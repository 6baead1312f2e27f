/* device_env.h - the device registry's environment settings, parsed by pure
 * functions (no OpenCL, no globals) so that tests and the libFuzzer target
 * fuzz/fuzz_devices_env.c call them directly.
 *
 *   VARSCOPE_DEVICES      "GPU:0=CL:0,GPU:1=CL:1": device names a graph asks
 *                         for, mapped onto other devices.
 *   VARSCOPE_MEMORY_LIMIT "64M": a cap on the bytes varscope allocates per
 *                         device.
 *
 * Both are read once, when the registry is built (registry.c); a malformed
 * value makes every registry call fail with INVALID_ARGUMENT and the text
 * these functions write, instead of being ignored or half-applied. */
#ifndef VS_RUNTIME_DEVICE_ENV_H
#define VS_RUNTIME_DEVICE_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VS_DEVICE_ALIASES_MAX 32
#define VS_DEVICE_INDEX_MAX 65535 /* far above any machine's device count */

typedef struct vs_device_alias_spec {
  char from_type[16]; /* upper-cased letters, e.g. "GPU" */
  long from_index;
  char to_type[16];
  long to_index;
} vs_device_alias_spec;

/* Parses a VARSCOPE_DEVICES value: one or more TYPE:N=TYPE:M mappings
 * separated by commas, spaces allowed around each mapping; TYPE is 1-15
 * ASCII letters (case-insensitive), N and M decimal digits in
 * 0..VS_DEVICE_INDEX_MAX. Refused: an empty mapping (",,", a trailing
 * comma, an all-blank value), anything after M ("CL:0junk"), signs, an
 * index out of range (never saturated), more than VS_DEVICE_ALIASES_MAX
 * mappings, and the same name mapped twice. The whole string is read, however
 * long. On success fills out[0..*n) (out holds VS_DEVICE_ALIASES_MAX entries)
 * and returns true; on failure returns false with a message starting
 * "VARSCOPE_DEVICES: " in err (err_cap > 0; always NUL-terminated), and
 * *n is 0. spec NULL is an error. Thread safety: pure function. */
bool vs__parse_device_aliases(const char *spec, vs_device_alias_spec *out, size_t *n, char *err,
                              size_t err_cap);

/* Parses a VARSCOPE_MEMORY_LIMIT value: decimal digits with an optional
 * binary suffix K, M or G (case-insensitive; 1024, 1024^2, 1024^3), spaces
 * allowed around it; positive and below 2^64. On success sets *bytes and
 * returns true; otherwise false with a message starting
 * "VARSCOPE_MEMORY_LIMIT: " in err. Thread safety: pure function. */
bool vs__parse_memory_limit(const char *spec, uint64_t *bytes, char *err, size_t err_cap);

#endif
