/* fuzz_tuning_file - libFuzzer target for the CLBlast tuning-file reader
 * (engine/runtime/tuning_file.c: line structure, key, parameter list,
 * size line, checksum, Xgemm and XgemmDirect constraints).
 *
 * Input: one flag byte, then the file. When the flag's low bit is set the
 * harness appends a correct "checksum" line to the rest, so mutations reach
 * the parameter parsing and the constraint checks behind the checksum;
 * otherwise the checksum is as mutated and its check is fuzzed. The flag's
 * second bit reads the file as an XgemmDirect one (its own first line and
 * parameters), else as an Xgemm one; both kinds have a size line. The key is
 * fixed ("fuzz device|1.0|fuzz platform"). A parse either fails with a
 * reason or yields a set that meets the constraints and survives a write
 * and a re-read unchanged. ASan and UBSan catch out-of-bounds reads and
 * overflow; the reader must never read past the given bytes (the input is
 * copied into a buffer of exactly its size). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/kernel_cache_file.h"
#include "runtime/tuning_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok) {
  if (!ok) __builtin_trap();
}

static const char KEY[] = "fuzz device|1.0|fuzz platform";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 2 * VS_TUNING_FILE_MAX) return 0;
  bool fix = data[0] & 1;
  const vs__clblast_kernel *k = data[0] & 2 ? &vs__kernel_xgemm_direct : &vs__kernel_xgemm;
  size_t n = size - 1;
  char *file = malloc(n + 40);
  if (!file) return 0;
  memcpy(file, data + 1, n);
  if (fix) n += (size_t)snprintf(file + n, 40, "checksum %016llx\n", (unsigned long long)vs__fnv64(file, n, VS_FNV_SEED));
  char *exact = malloc(n ? n : 1); /* exactly n bytes: any over-read is caught */
  if (!exact) {
    free(file);
    return 0;
  }
  memcpy(exact, file, n);
  free(file);
  size_t v[VS_XGEMM_NPARAMS], n_at = 0;
  char why[200];
  if (vs__tuning_file_parse_k(k, exact, n, KEY, v, &n_at, why, sizeof why)) {
    check(k->check(v, 0, 0, why, sizeof why));
    check(k->sized ? n_at > 0 : n_at == 0);
    char again[VS_TUNING_FILE_MAX];
    size_t m = vs__tuning_file_format_k(k, again, sizeof again, KEY, v, n_at, 1.0, 2.0);
    check(m > 0 && m < sizeof again);
    size_t w[VS_XGEMM_NPARAMS], w_at = 0;
    check(vs__tuning_file_parse_k(k, again, m, KEY, w, &w_at, why, sizeof why));
    check(memcmp(v, w, sizeof v) == 0 && n_at == w_at);
  } else {
    check(why[0] != '\0' && strlen(why) < sizeof why);
  }
  free(exact);
  return 0;
}
