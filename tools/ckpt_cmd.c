/* ckpt_cmd.c - `varscope ckpt ls [--json] PATH` and `varscope ckpt diff A B`.
 *
 * PATH is a safetensors file, a TensorFlow V2 prefix (model.ckpt, for
 * model.ckpt.index + model.ckpt.data-*), or a directory holding TF's
 * `checkpoint` state file, as tf.train.load_checkpoint accepts: its
 * model_checkpoint_path is read (relative to the directory, or absolute) and
 * opened. `ls` prints one line per tensor: key, dtype, shape, bytes, and
 * what varscope's metadata records (trainable, collections); with --json an
 * object {"path", "checkpoint", "format", "tensors": [...], "total_bytes"}.
 * Keys come from files and are printed with their control bytes escaped
 * (\x1b), so a hostile checkpoint cannot drive the terminal. `diff` compares
 * keys, dtypes, shapes and values; like diff(1) it exits 0 when the
 * checkpoints hold the same tensors, 1 when they differ, 2 on trouble. `ls`
 * exits 0, 1 when the checkpoint cannot be read, 2 on a usage error. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ckpt_cmd.h"
#include "text_out.h"
#include "varscope.h"

static int usage(FILE *f) {
  fprintf(f, "usage: varscope ckpt ls [--json] PATH\n"
             "       varscope ckpt diff A B\n"
             "PATH, A, B: a safetensors file, a TensorFlow V2 checkpoint prefix (model.ckpt),\n"
             "or a directory with a TensorFlow 'checkpoint' state file (its latest checkpoint).\n"
             "ls exits 0, or 1 when the checkpoint cannot be read; diff 0 when the same,\n"
             "1 when different, 2 on trouble; 2 on a usage error.\n");
  return f == stderr ? 2 : 0;
}

static bool is_dir(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool is_file(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The value of the first `model_checkpoint_path: "..."` line of a
 * CheckpointState text proto, unescaped (text format: \" \' \\ \n \t \r
 * and octal \NNN), malloc'd; NULL when there is none. */
static char *state_model_path(FILE *f) {
  char line[8192];
  static const char field[] = "model_checkpoint_path";
  while (fgets(line, sizeof line, f)) {
    char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (strncmp(p, field, sizeof field - 1) != 0) continue;
    p += sizeof field - 1;
    while (*p == ' ' || *p == '\t') p++;
    if (*p++ != ':') continue;
    while (*p == ' ' || *p == '\t') p++;
    char quote = *p++;
    if (quote != '"' && quote != '\'') continue;
    char *out = malloc(strlen(p) + 1), *o = out;
    if (!out) return NULL;
    for (; *p && *p != quote; p++) {
      if (*p != '\\' || !p[1]) {
        *o++ = *p;
        continue;
      }
      p++;
      if (*p >= '0' && *p <= '7') {
        int v = 0;
        for (int k = 0; k < 3 && *p >= '0' && *p <= '7'; k++) v = v * 8 + (*p++ - '0');
        p--;
        *o++ = (char)v;
      } else {
        *o++ = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'r' ? '\r' : *p;
      }
    }
    *o = '\0';
    if (*p == quote && out[0]) return out;
    free(out);
  }
  return NULL;
}

/* tf.train.load_checkpoint's _get_checkpoint_filename: a directory names
 * its latest checkpoint (latest_checkpoint), with TF's ValueError texts when
 * there is none; anything else is used as given. Returns a malloc'd path,
 * or NULL with the error printed. */
static char *checkpoint_path(const char *path) {
  if (!is_dir(path)) {
    char *copy = malloc(strlen(path) + 1);
    if (copy) strcpy(copy, path);
    else fprintf(stderr, "varscope: out of memory\n");
    return copy;
  }
  size_t dl = strlen(path);
  char *state = malloc(dl + sizeof "/checkpoint");
  if (!state) {
    fprintf(stderr, "varscope: out of memory\n");
    return NULL;
  }
  snprintf(state, dl + sizeof "/checkpoint", "%s/checkpoint", path);
  FILE *f = fopen(state, "r");
  free(state);
  char *model = NULL;
  if (f) {
    model = state_model_path(f);
    fclose(f);
    if (!model) {
      fprintf(stderr, "varscope: INVALID_ARGUMENT: Invalid checkpoint state loaded from ");
      vs_tool_put_visible(stderr, path);
      fputc('\n', stderr);
      return NULL;
    }
  }
  char *full = NULL;
  if (model) {
    size_t need = (model[0] == '/' ? 0 : dl + 1) + strlen(model) + sizeof ".index";
    full = malloc(need);
    if (full) {
      if (model[0] == '/') snprintf(full, need, "%s.index", model);
      else snprintf(full, need, "%s/%s.index", path, model);
      bool exists = is_file(full);   /* a V2 prefix */
      full[strlen(full) - strlen(".index")] = '\0';
      if (!exists && !is_file(full)) { /* or a single file (safetensors) */
        free(full);
        full = NULL;
      }
    }
    free(model);
  }
  if (!full) {
    fprintf(stderr, "varscope: INVALID_ARGUMENT: Couldn't find 'checkpoint' file or checkpoints in given directory ");
    vs_tool_put_visible(stderr, path);
    fputc('\n', stderr);
  }
  return full;
}

/* Opens PATH (a directory: its latest checkpoint); prints the error and
 * returns NULL on failure. The file opened goes to *opened (malloc'd) when
 * opened is not NULL. */
static vs_checkpoint *open_or_report(const char *path, char **opened, vs_status *st) {
  char *file = checkpoint_path(path);
  if (!file) return NULL;
  vs_checkpoint *c = vs_checkpoint_open(file, st);
  if (!c) {
    fprintf(stderr, "varscope: %s: ", vs_code_name(vs_status_code(st)));
    vs_tool_put_visible(stderr, vs_status_message(st));
    fputc('\n', stderr);
  }
  if (c && opened) *opened = file;
  else free(file);
  return c;
}

static void shape_str(vs_shape s, char *buf, size_t cap) {
  size_t n = (size_t)snprintf(buf, cap, "[");
  for (int d = 0; d < s.rank && n < cap; d++)
    n += (size_t)snprintf(buf + n, cap - n, "%s%lld", d ? "," : "", (long long)s.dims[d]);
  if (n < cap) snprintf(buf + n, cap - n, "]");
}

static void ls_text(const char *path, vs_checkpoint *c) {
  size_t n = vs_checkpoint_num_tensors(c);
  uint64_t total = 0;
  vs_tool_put_visible(stdout, path);
  printf(": %s, %zu tensors\n", vs_checkpoint_format(c) == VS_CKPT_TF_V2 ? "TensorFlow V2 checkpoint" : "safetensors", n);
  for (size_t i = 0; i < n; i++) {
    vs_ckpt_tensor_info in;
    vs_checkpoint_tensor_info(c, i, &in, NULL); /* i < n: cannot fail */
    char shape[160];
    shape_str(in.shape, shape, sizeof shape);
    char *key = vs_tool_visible_dup(in.key);
    printf("%-40s %-10s %-18s %12llu", key ? key : "?", vs_dtype_name(in.dtype), shape,
           (unsigned long long)in.byte_size);
    free(key);
    if (in.trainable >= 0) printf("  %s", in.trainable ? "trainable" : "not-trainable");
    for (const char *const *cl = in.collections; cl && *cl; cl++) {
      fputs(cl == in.collections ? "  [" : ",", stdout);
      vs_tool_put_visible(stdout, *cl);
    }
    if (in.collections && in.collections[0]) printf("]");
    if (!in.readable) printf("  (unreadable: slice)");
    printf("\n");
    total += in.byte_size;
  }
  printf("total %llu bytes\n", (unsigned long long)total);
}

static void ls_json(const char *path, const char *opened, vs_checkpoint *c) {
  size_t n = vs_checkpoint_num_tensors(c);
  uint64_t total = 0;
  printf("{\"path\": ");
  vs_tool_put_json_string(stdout, path);
  printf(", \"checkpoint\": ");
  vs_tool_put_json_string(stdout, opened);
  printf(", \"format\": \"%s\",\n \"tensors\": [", vs_checkpoint_format(c) == VS_CKPT_TF_V2 ? "tensorflow_v2" : "safetensors");
  for (size_t i = 0; i < n; i++) {
    vs_ckpt_tensor_info in;
    vs_checkpoint_tensor_info(c, i, &in, NULL); /* i < n: cannot fail */
    printf("%s\n  {\"key\": ", i ? "," : "");
    vs_tool_put_json_string(stdout, in.key);
    printf(", \"dtype\": \"%s\", \"shape\": [", vs_dtype_name(in.dtype));
    for (int d = 0; d < in.shape.rank; d++) printf("%s%lld", d ? ", " : "", (long long)in.shape.dims[d]);
    printf("], \"bytes\": %llu, \"trainable\": %s, \"collections\": ", (unsigned long long)in.byte_size,
           in.trainable < 0 ? "null" : in.trainable ? "true" : "false");
    if (!in.collections) {
      printf("null");
    } else {
      printf("[");
      for (const char *const *cl = in.collections; *cl; cl++) {
        if (cl != in.collections) printf(", ");
        vs_tool_put_json_string(stdout, *cl);
      }
      printf("]");
    }
    printf(", \"readable\": %s}", in.readable ? "true" : "false");
    total += in.byte_size;
  }
  printf("%s],\n \"total_bytes\": %llu}\n", n ? "\n " : "", (unsigned long long)total);
}

static int ls(const char *path, bool json) {
  vs_status *st = vs_status_new();
  if (!st) return 1;
  char *opened = NULL;
  vs_checkpoint *c = open_or_report(path, &opened, st);
  if (c) {
    if (json) ls_json(path, opened, c);
    else ls_text(path, c);
  }
  free(opened);
  vs_checkpoint_free(c);
  vs_status_free(st);
  return c ? 0 : 1;
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
    printf("~ ");
    vs_tool_put_visible(stdout, x->key);
    printf(": %s%s -> %s%s\n", vs_dtype_name(x->dtype), sa, vs_dtype_name(y->dtype), sb);
    return 1;
  }
  if (!x->readable || !y->readable) {
    printf("? ");
    vs_tool_put_visible(stdout, x->key);
    printf(": %s values not compared\n", vs_dtype_name(x->dtype));
    return 0;
  }
  vs_tensor *ta = vs_checkpoint_get_tensor(a, x->key, st);
  vs_tensor *tb = ta ? vs_checkpoint_get_tensor(b, y->key, st) : NULL;
  if (!ta || !tb) {
    fprintf(stderr, "varscope: ");
    vs_tool_put_visible(stderr, x->key);
    fprintf(stderr, ": ");
    vs_tool_put_visible(stderr, vs_status_message(st));
    fputc('\n', stderr);
    vs_tensor_free(ta);
    return -1;
  }
  int rc = 0;
  size_t bytes = vs_tensor_byte_size(ta);
  if (x->dtype == VS_STRING) { /* host strings: no bytes to compare */
    size_t n = vs_tensor_num_elements(ta), differ = 0;
    for (size_t k = 0; k < n; k++) differ += strcmp(vs_tensor_string(ta, k), vs_tensor_string(tb, k)) != 0;
    if (differ) {
      printf("~ ");
      vs_tool_put_visible(stdout, x->key);
      printf(": string%s %zu of %zu elements differ\n", sa, differ, n);
      rc = 1;
    }
  } else if (memcmp(vs_tensor_data(ta), vs_tensor_data(tb), bytes) != 0) {
    size_t n = vs_tensor_num_elements(ta), differ = 0;
    double max_abs = 0;
    for (size_t k = 0; k < n; k++) {
      double u = element(ta, k), v = element(tb, k);
      if (u != v || isnan(u) != isnan(v)) differ++;
      if (fabs(u - v) > max_abs) max_abs = fabs(u - v);
    }
    printf("~ ");
    vs_tool_put_visible(stdout, x->key);
    if (isnan(element(ta, 0)) && n) /* a dtype without a numeric view: count bytes */
      printf(": %s%s values differ\n", vs_dtype_name(x->dtype), sa);
    else
      printf(": %s%s %zu of %zu elements differ, max |a-b| = %.9g\n", vs_dtype_name(x->dtype), sa, differ, n,
             max_abs);
    rc = 1;
  }
  vs_tensor_free(ta);
  vs_tensor_free(tb);
  return rc;
}

static int diff(const char *pa, const char *pb) {
  vs_status *st = vs_status_new();
  vs_checkpoint *a = open_or_report(pa, NULL, st), *b = a ? open_or_report(pb, NULL, st) : NULL;
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
    /* A side that is used up has no entry (the merge takes the other). */
    bool hx = i < na, hy = j < nb;
    if (hx) vs_checkpoint_tensor_info(a, i, &x, NULL);
    if (hy) vs_checkpoint_tensor_info(b, j, &y, NULL);
    int cmp = !hx ? 1 : !hy ? -1 : strcmp(x.key, y.key);
    char s[160];
    if (cmp < 0) {
      shape_str(x.shape, s, sizeof s);
      printf("- ");
    vs_tool_put_visible(stdout, x.key);
    printf(": %s%s only in %s\n", vs_dtype_name(x.dtype), s, pa);
      differ = 1;
      i++;
    } else if (cmp > 0) {
      shape_str(y.shape, s, sizeof s);
      printf("+ ");
    vs_tool_put_visible(stdout, y.key);
    printf(": %s%s only in %s\n", vs_dtype_name(y.dtype), s, pb);
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

static bool is_help(const char *a) { return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0; }

int vs_tool_ckpt(int argc, char **argv) {
  if (argc < 2) return usage(stderr);
  for (int i = 1; i < argc; i++)
    if (is_help(argv[i])) return usage(stdout);
  const char *paths[2];
  int npaths = 0;
  bool json = false;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--json") == 0 && strcmp(argv[1], "ls") == 0) {
      json = true;
    } else if (a[0] == '-' && a[1] && strcmp(a, "--") != 0) {
      fprintf(stderr, "varscope ckpt %s: unknown option '", argv[1]);
      vs_tool_put_visible(stderr, a);
      fprintf(stderr, "'\n");
      return usage(stderr);
    } else if (strcmp(a, "--") == 0) {
      for (i++; i < argc && npaths < 2; i++) paths[npaths++] = argv[i];
      if (i < argc) return usage(stderr);
    } else if (npaths == 2) {
      return usage(stderr);
    } else {
      paths[npaths++] = a;
    }
  }
  if (strcmp(argv[1], "ls") == 0 && npaths == 1) return ls(paths[0], json);
  if (strcmp(argv[1], "diff") == 0 && npaths == 2) return diff(paths[0], paths[1]);
  if (strcmp(argv[1], "ls") != 0 && strcmp(argv[1], "diff") != 0) {
    fprintf(stderr, "varscope ckpt: unknown subcommand '");
    vs_tool_put_visible(stderr, argv[1]);
    fprintf(stderr, "'\n");
  }
  return usage(stderr);
}
