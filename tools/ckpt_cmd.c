/* ckpt_cmd.c - `varscope ckpt ls FILE` and `varscope ckpt diff A B`.
 *
 * FILE is a safetensors file or a TensorFlow V2 prefix (model.ckpt, for
 * model.ckpt.index + model.ckpt.data-*). `ls` prints one line per tensor:
 * key, dtype, shape, bytes, and what varscope's metadata records (trainable,
 * collections). `diff` compares keys, dtypes, shapes and values; like
 * diff(1) it exits 0 when the checkpoints hold the same tensors, 1 when they
 * differ, 2 on trouble. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ckpt_cmd.h"
#include "varscope.h"

static int usage(void) {
  fprintf(stderr, "usage: varscope ckpt ls FILE\n"
                  "       varscope ckpt diff A B\n");
  return 2;
}

static vs_checkpoint *open_or_report(const char *path, vs_status *st) {
  vs_checkpoint *c = vs_checkpoint_open(path, st);
  if (!c) fprintf(stderr, "varscope: %s: %s\n", vs_code_name(vs_status_code(st)), vs_status_message(st));
  return c;
}

static void shape_str(vs_shape s, char *buf, size_t cap) {
  size_t n = (size_t)snprintf(buf, cap, "[");
  for (int d = 0; d < s.rank && n < cap; d++)
    n += (size_t)snprintf(buf + n, cap - n, "%s%lld", d ? "," : "", (long long)s.dims[d]);
  if (n < cap) snprintf(buf + n, cap - n, "]");
}

static int ls(const char *path) {
  vs_status *st = vs_status_new();
  vs_checkpoint *c = open_or_report(path, st);
  if (!c) {
    vs_status_free(st);
    return 1;
  }
  size_t n = vs_checkpoint_num_tensors(c);
  uint64_t total = 0;
  printf("%s: %s, %zu tensors\n", path, vs_checkpoint_format(c) == VS_CKPT_TF_V2 ? "TensorFlow V2 checkpoint" : "safetensors",
         n);
  for (size_t i = 0; i < n; i++) {
    vs_ckpt_tensor_info in;
    vs_checkpoint_tensor_info(c, i, &in);
    char shape[160];
    shape_str(in.shape, shape, sizeof shape);
    printf("%-40s %-10s %-18s %12llu", in.key, vs_dtype_name(in.dtype), shape, (unsigned long long)in.byte_size);
    if (in.trainable >= 0) printf("  %s", in.trainable ? "trainable" : "not-trainable");
    for (const char *const *cl = in.collections; cl && *cl; cl++) printf("%s%s", cl == in.collections ? "  [" : ",", *cl);
    if (in.collections && in.collections[0]) printf("]");
    if (!in.readable) printf("  (unreadable: %s)", in.dtype == VS_STRING ? "string" : "slice");
    printf("\n");
    total += in.byte_size;
  }
  printf("total %llu bytes\n", (unsigned long long)total);
  vs_checkpoint_free(c);
  vs_status_free(st);
  return 0;
}

/* Element k as a double, for the numeric dtypes diff reports on. */
static double element(const vs_tensor *t, size_t k) {
  const void *p = vs_tensor_data(t);
  switch (vs_tensor_dtype(t)) {
  case VS_FLOAT: return ((const float *)p)[k];
  case VS_DOUBLE: return ((const double *)p)[k];
  case VS_INT32: return ((const int32_t *)p)[k];
  case VS_INT64: return (double)((const int64_t *)p)[k];
  case VS_INT16: return ((const int16_t *)p)[k];
  case VS_INT8: return ((const int8_t *)p)[k];
  case VS_UINT8: return ((const uint8_t *)p)[k];
  case VS_UINT16: return ((const uint16_t *)p)[k];
  case VS_UINT32: return ((const uint32_t *)p)[k];
  case VS_UINT64: return (double)((const uint64_t *)p)[k];
  case VS_BOOL: return ((const uint8_t *)p)[k];
  default: return NAN;
  }
}

static bool same_shape(vs_shape a, vs_shape b) {
  if (a.rank != b.rank) return false;
  for (int d = 0; d < a.rank; d++)
    if (a.dims[d] != b.dims[d]) return false;
  return true;
}

/* Compares one key present in both. Returns 1 when it differs, 0 when
 * equal, -1 on a read error. */
static int diff_key(vs_checkpoint *a, vs_checkpoint *b, const vs_ckpt_tensor_info *x, const vs_ckpt_tensor_info *y,
                    vs_status *st) {
  char sa[160], sb[160];
  shape_str(x->shape, sa, sizeof sa);
  shape_str(y->shape, sb, sizeof sb);
  if (x->dtype != y->dtype || !same_shape(x->shape, y->shape)) {
    printf("~ %s: %s%s -> %s%s\n", x->key, vs_dtype_name(x->dtype), sa, vs_dtype_name(y->dtype), sb);
    return 1;
  }
  if (!x->readable || !y->readable) {
    printf("? %s: %s values not compared\n", x->key, vs_dtype_name(x->dtype));
    return 0;
  }
  vs_tensor *ta = vs_checkpoint_get_tensor(a, x->key, st);
  vs_tensor *tb = ta ? vs_checkpoint_get_tensor(b, y->key, st) : NULL;
  if (!ta || !tb) {
    fprintf(stderr, "varscope: %s: %s\n", x->key, vs_status_message(st));
    vs_tensor_free(ta);
    return -1;
  }
  int rc = 0;
  size_t bytes = vs_tensor_byte_size(ta);
  if (memcmp(vs_tensor_data(ta), vs_tensor_data(tb), bytes) != 0) {
    size_t n = vs_tensor_num_elements(ta), differ = 0;
    double max_abs = 0;
    for (size_t k = 0; k < n; k++) {
      double u = element(ta, k), v = element(tb, k);
      if (u != v || isnan(u) != isnan(v)) differ++;
      if (fabs(u - v) > max_abs) max_abs = fabs(u - v);
    }
    if (isnan(element(ta, 0)) && n) /* a dtype without a numeric view: count bytes */
      printf("~ %s: %s%s values differ\n", x->key, vs_dtype_name(x->dtype), sa);
    else
      printf("~ %s: %s%s %zu of %zu elements differ, max |a-b| = %.9g\n", x->key, vs_dtype_name(x->dtype), sa,
             differ, n, max_abs);
    rc = 1;
  }
  vs_tensor_free(ta);
  vs_tensor_free(tb);
  return rc;
}

static int diff(const char *pa, const char *pb) {
  vs_status *st = vs_status_new();
  vs_checkpoint *a = open_or_report(pa, st), *b = a ? open_or_report(pb, st) : NULL;
  if (!a || !b) {
    vs_checkpoint_free(a);
    vs_status_free(st);
    return 2;
  }
  size_t na = vs_checkpoint_num_tensors(a), nb = vs_checkpoint_num_tensors(b), i = 0, j = 0;
  int differ = 0, trouble = 0;
  /* Both are sorted by key: merge. */
  while (i < na || j < nb) {
    vs_ckpt_tensor_info x, y;
    bool hx = vs_checkpoint_tensor_info(a, i, &x), hy = vs_checkpoint_tensor_info(b, j, &y);
    int cmp = !hx ? 1 : !hy ? -1 : strcmp(x.key, y.key);
    char s[160];
    if (cmp < 0) {
      shape_str(x.shape, s, sizeof s);
      printf("- %s: %s%s only in %s\n", x.key, vs_dtype_name(x.dtype), s, pa);
      differ = 1;
      i++;
    } else if (cmp > 0) {
      shape_str(y.shape, s, sizeof s);
      printf("+ %s: %s%s only in %s\n", y.key, vs_dtype_name(y.dtype), s, pb);
      differ = 1;
      j++;
    } else {
      int r = diff_key(a, b, &x, &y, st);
      if (r < 0) trouble = 1;
      else if (r > 0) differ = 1;
      i++;
      j++;
    }
  }
  if (!differ && !trouble) printf("%s and %s hold the same %zu tensors\n", pa, pb, na);
  vs_checkpoint_free(a);
  vs_checkpoint_free(b);
  vs_status_free(st);
  return trouble ? 2 : differ;
}

int vs_tool_ckpt(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "ls") == 0) return ls(argv[2]);
  if (argc == 4 && strcmp(argv[1], "diff") == 0) return diff(argv[2], argv[3]);
  return usage();
}
