/* npy.h - reads the float32 .npy fixtures of conformance/golden (NumPy
 * format 1.0/2.0, little-endian '<f4', C order). Test support only. */
#ifndef VS_TEST_NPY_H
#define VS_TEST_NPY_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "varscope.h"

/* Loads path into a malloc'd float array and its shape; NULL on any
 * problem (the reason in err). */
static float *npy_load(const char *path, vs_shape *shape, char *err, size_t cap) {
  FILE *f = fopen(path, "rb");
  float *data = NULL;
  char *hdr = NULL;
  if (!f) {
    snprintf(err, cap, "cannot open %s", path);
    return NULL;
  }
  unsigned char pre[10];
  if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
    snprintf(err, cap, "%s: not a .npy file", path);
    goto done;
  }
  size_t hlen = pre[8] | (size_t)pre[9] << 8;
  if (pre[6] >= 2) { /* version 2: 4-byte header length */
    unsigned char more[2];
    if (fread(more, 1, 2, f) != 2) goto done;
    hlen |= (size_t)more[0] << 16 | (size_t)more[1] << 24;
  }
  hdr = calloc(hlen + 1, 1);
  if (!hdr || fread(hdr, 1, hlen, f) != hlen) goto done;
  if (!strstr(hdr, "'descr': '<f4'") || !strstr(hdr, "'fortran_order': False")) {
    snprintf(err, cap, "%s: want little-endian float32 in C order: %s", path, hdr);
    goto done;
  }
  const char *p = strstr(hdr, "'shape': (");
  if (!p) goto done;
  p += 10;
  *shape = (vs_shape){.known = true};
  while (*p && *p != ')') {
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p) break;
    if (shape->rank == VS_MAX_RANK) goto done;
    shape->dims[shape->rank++] = v;
    p = end;
    while (*p == ',' || *p == ' ') p++;
  }
  int64_t n = vs_shape_num_elements(*shape);
  data = malloc((size_t)(n ? n : 1) * sizeof(float));
  if (!data || fread(data, sizeof(float), (size_t)n, f) != (size_t)n) {
    snprintf(err, cap, "%s: truncated data", path);
    free(data);
    data = NULL;
  }
done:
  if (!data && !err[0]) snprintf(err, cap, "%s: malformed header", path);
  free(hdr);
  fclose(f);
  return data;
}

#endif
