/* fuzz_devices_env - libFuzzer target for the parsers of VARSCOPE_DEVICES,
 * VARSCOPE_MEMORY_LIMIT and VARSCOPE_SCRIBBLE (engine/runtime/device_env.c), which run on
 * whatever the environment holds, before any OpenCL call.
 *
 * The input, cut at its first NUL (as an environment value is), goes to all
 * three parsers. Each either fails with a one-line message starting with the
 * variable's name and holding only printable ASCII (it reaches terminals),
 * or succeeds with results that obey the grammar: 1..32 mappings of
 * upper-case types of 1-15 letters and indices in 0..65535, no name mapped
 * twice; a positive limit. A success must also survive re-parsing the
 * mappings printed back in canonical form; the scribble switch accepts
 * exactly "0" or "1" with blanks around it. ASan/UBSan catch the rest.
 * Sources: fuzz/fuzz_devices_env.c engine/runtime/device_env.c, with
 * -I engine; no OpenCL, no other library. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/device_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok) {
  if (!ok) __builtin_trap();
}

static void check_message(const char *err, const char *prefix) {
  check(strncmp(err, prefix, strlen(prefix)) == 0);
  for (const char *p = err; *p; p++) check((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
}

static void check_type(const char *t) {
  size_t n = strlen(t);
  check(n >= 1 && n <= 15);
  for (size_t i = 0; i < n; i++) check(t[i] >= 'A' && t[i] <= 'Z');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *spec = malloc(size + 1);
  if (!spec) abort();
  memcpy(spec, data, size);
  spec[size] = '\0';

  vs_device_alias_spec out[VS_DEVICE_ALIASES_MAX];
  size_t n = 99;
  char err[256];
  err[0] = '\0';
  if (vs__parse_device_aliases(spec, out, &n, err, sizeof err)) {
    check(n >= 1 && n <= VS_DEVICE_ALIASES_MAX);
    char canon[VS_DEVICE_ALIASES_MAX * 48];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
      check_type(out[i].from_type);
      check_type(out[i].to_type);
      check(out[i].from_index >= 0 && out[i].from_index <= VS_DEVICE_INDEX_MAX);
      check(out[i].to_index >= 0 && out[i].to_index <= VS_DEVICE_INDEX_MAX);
      for (size_t j = 0; j < i; j++)
        check(strcmp(out[i].from_type, out[j].from_type) != 0 || out[i].from_index != out[j].from_index);
      len += (size_t)snprintf(canon + len, sizeof canon - len, "%s%s:%ld=%s:%ld", i ? "," : "", out[i].from_type,
                              out[i].from_index, out[i].to_type, out[i].to_index);
    }
    vs_device_alias_spec again[VS_DEVICE_ALIASES_MAX];
    size_t m = 0;
    check(vs__parse_device_aliases(canon, again, &m, err, sizeof err));
    check(m == n);
    for (size_t i = 0; i < n; i++)
      check(strcmp(again[i].from_type, out[i].from_type) == 0 && again[i].from_index == out[i].from_index &&
            strcmp(again[i].to_type, out[i].to_type) == 0 && again[i].to_index == out[i].to_index);
  } else {
    check(n == 0);
    check_message(err, "VARSCOPE_DEVICES: ");
  }

  uint64_t bytes = 0;
  err[0] = '\0';
  if (vs__parse_memory_limit(spec, &bytes, err, sizeof err)) check(bytes > 0);
  else check_message(err, "VARSCOPE_MEMORY_LIMIT: ");

  bool on = false;
  err[0] = '\0';
  const char *b = spec, *e = spec + strlen(spec);
  while (*b == ' ' || (*b >= '\t' && *b <= '\r')) b++;
  while (e > b && (e[-1] == ' ' || (e[-1] >= '\t' && e[-1] <= '\r'))) e--;
  bool want = e - b == 1 && (*b == '0' || *b == '1');
  if (vs__parse_scribble(spec, &on, err, sizeof err)) check(want && on == (*b == '1'));
  else check(!want), check_message(err, "VARSCOPE_SCRIBBLE: ");
  free(spec);
  return 0;
}
