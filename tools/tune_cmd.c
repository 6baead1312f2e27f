/* tune_cmd.c - `varscope tune`: tune CLBlast's GEMM for a device, safely.
 *
 *   varscope tune [--device N] [--json] [--size N] [--budget-s S] [--fraction F] [--no-search] [--no-builtin]
 *                 [--direct-size N] [--direct-budget-s S] [--no-direct]
 *                                          search with CLBlast's tuner, measure, verify, store only
 *                                          what beats CLBlast's own and the stored set; Xgemm, then
 *                                          XgemmDirect (CLBlast's kernel for small GEMMs)
 *   varscope tune [--device N] --reset     remove the stored set
 *   varscope tune [--device N] --conv [--shape C,K,KH,KW [--stride S] [--dilation D]] [--size N,H,W]
 *                 [--budget S]
 *                                          search the direct conv2d kernel's parameters
 *   varscope tune [--device N] --gemm [--size M,N,K] [--transpose nn|nt|tn|tt] [--budget S]
 *                                          search the own SGEMM kernels' forms and parameters
 *   varscope tune --help
 *
 * --device takes a plain index ("0"), "CL:0", or a device name
 * ("/device:CPU:0"). Each parameter set gets one line as soon as it is
 * measured (compiling a set takes seconds, and a silent minute looks like a
 * hang). With --json, stdout holds one JSON object and the progress lines
 * go to stderr. Exit status: 0 done (also when nothing beat CLBlast's own
 * parameters), 1 a failure, 2 a usage error. */
#include "tune_cmd.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "varscope.h"

static int usage(FILE *f) {
  fprintf(f,
          "usage: varscope tune [--device N] [--json] [--size N] [--budget-s S] [--fraction F] [--no-search]\n"
          "                     [--no-builtin] [--direct-size N] [--direct-budget-s S] [--no-direct]\n"
          "       varscope tune [--device N] --reset\n"
          "Times CLBlast's SGEMM N^3 (default 1024; a multiple of 128) under CLBlast's own parameters, runs\n"
          "CLBlast's own tuner on a random sample of its Xgemm search space sized to S seconds (default 120;\n"
          "each step starts only when its estimated cost fits what is left; F caps the sample's fraction),\n"
          "then times its pick, the stored set and built-in sets, verifies every result against the host,\n"
          "and stores the fastest correct set only when it is at least 3%% faster than CLBlast's own;\n"
          "--no-search skips CLBlast's tuner, --no-builtin the built-in sets.\n"
          "All this only once N^3 is confirmed to run CLBlast's Xgemm kernel: below CLBlast's indirect-size\n"
          "threshold it runs XgemmDirect, and the Xgemm phase then times and stores nothing.\n"
          "Then the same for CLBlast's XgemmDirect kernel (which CLBlast runs for GEMMs below its\n"
          "indirect-size threshold) at SGEMM N^3 of --direct-size (default 256; a multiple of 64), once that\n"
          "size is confirmed to run it, searching for S seconds of --direct-budget-s (default 60);\n"
          "--no-direct skips it.\n"
          "A stored set is checked at its first GEMM in a later process, at the size it was verified at.\n"
          "GEMM and conv algorithm choices are kept per set of CLBlast parameters: after a set is stored or\n"
          "removed, they measure again, and those kept under the sets stored before are removed.\n"
          "--reset removes the stored sets.\n"
          "N: an index (0), CL:N, or a device name (/device:CPU:0).\n"
          "       varscope tune [--device N] --conv [--shape C,K,KH,KW [--stride S] [--dilation D]]\n"
          "                     [--size N,H,W] [--budget S]\n"
          "Searches the direct conv2d kernel's parameters for a shape family (C->K channels, KHxKW filter,\n"
          "stride S and dilation D in both dimensions, default 1, SAME; without --shape, the six\n"
          "bench/conv_bench families: 5x5 32->32, 3x3 64->64, 3x3/2 64->64, 3x3/2 32->64, 1x1/2 64->128,\n"
          "1x1 64->256), timed on an N,H,W input (default 8,64,64) for at most S seconds each (default 60);\n"
          "every candidate's output is checked against the host, and a set is stored only when at least 3%%\n"
          "faster than the default. On a device with TF32 matrix units it then searches the TF32 implicit-GEMM\n"
          "conv's sets for another S seconds each, checked against the TF32-rounded host result, and stores\n"
          "one at least 3%% faster than the best TF32 set the choice times, for sessions with TF32 allowed only.\n"
          "       varscope tune [--device N] --gemm [--size M,N,K] [--transpose nn|nt|tn|tt] [--budget S]\n"
          "Searches the own SGEMM kernel's parameters for the shape family of C = op(A) x op(B) with op(A)\n"
          "M x K and op(B) K x N (default 1024,1024,1024, nn), for at most S seconds (default 60); every\n"
          "candidate's C is checked against the host, and a set is stored only when at least 3%% faster than\n"
          "the default. Each GEMM family then chooses between the own kernel and CLBlast by measurement.\n"
          "On a device with TF32 matrix units it then searches the TF32 kernel's sets (warps, fragments, slice\n"
          "depth) for another S seconds, each checked against the TF32-rounded host product, and stores one\n"
          "at least 3%% faster than the best TF32 set the choice times, for sessions with TF32 allowed only.\n");
  return f == stderr ? 2 : 0;
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p < 0x20) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

/* A plain index, or any name vs_device_resolve takes. Returns false with a
 * message printed; *usage_error when the text itself is malformed. */
static bool resolve(const char *text, size_t *dev, bool *usage_error) {
  vs_status *st = vs_status_new();
  size_t n = vs_num_devices(st), len = strlen(text);
  bool digits = len > 0 && strspn(text, "0123456789") == len;
  if (vs_status_code(st) == VS_OK && digits) {
    *dev = (size_t)strtoull(text, NULL, 10);
    if (len > 9 || *dev >= n) {
      fprintf(stderr, "varscope: no device %s (%zu OpenCL device%s; see `varscope devices`)\n", text, n,
              n == 1 ? "" : "s");
      vs_status_free(st);
      return false;
    }
  } else if (vs_status_code(st) == VS_OK) {
    char name[80];
    snprintf(name, sizeof name, "%s%s", strncmp(text, "CL:", 3) == 0 || strncmp(text, "cl:", 3) == 0 ? "/device:" : "",
             text);
    *dev = vs_device_resolve(name, st);
    *usage_error = vs_status_code(st) == VS_INVALID_ARGUMENT;
  }
  bool ok = vs_status_code(st) == VS_OK;
  if (!ok) fprintf(stderr, "varscope: %s\n", vs_status_message(st));
  vs_status_free(st);
  return ok;
}

static void progress(void *user, size_t index, size_t count, const char *params, double gflops,
                     const char *verdict) {
  FILE *f = user;
  if (index == VS_NPOS) fprintf(f, "  %s: %.1f GFLOP/s (%s)\n", params, gflops, verdict);
  else fprintf(f, "  [%zu/%zu] %s: %.1f GFLOP/s, %s\n", index + 1, count, params, gflops, verdict);
  fflush(f);
}

static void note(void *user, const char *line) {
  FILE *f = user;
  fprintf(f, "  %s\n", line);
  fflush(f);
}

/* A candidate's origin: CLBlast's tuner, the stored set, or the list. */
static const char *origin(size_t search_index, size_t stored_index, size_t c) {
  return c == search_index ? "search" : c == stored_index ? "stored" : "built-in";
}

/* One phase's fields (the Xgemm phase's at the top level, the XgemmDirect
 * phase's under "direct"), without braces. */
static void print_json_phase(const vs_tune_phase *p) {
  printf("\"n\": %zu, \"skipped\": ", p->n);
  json_str(stdout, p->skipped);
  printf(", \"search\": {\"sampled\": %zu, \"space\": %zu, \"fraction\": %.6g, \"seconds\": %.3f, \"pick\": ",
         p->searched, p->search_space, p->fraction, p->search_s);
  json_str(stdout, p->search);
  printf("}, \"gflops_database\": %.3f, \"candidates\": [", p->gflops_database);
  for (size_t c = 0; c < p->candidates; c++) {
    printf("%s{\"origin\": \"%s\", \"gflops\": %.3f, \"verdict\": ", c ? ", " : "",
           origin(p->search_index, p->stored_index, c), p->gflops[c]);
    json_str(stdout, p->verdict[c]);
    printf("}");
  }
  printf("], \"stored\": %s, \"params\": ", p->stored ? "true" : "false");
  json_str(stdout, p->params);
  printf(", \"gflops_best\": %.3f, \"file\": ", p->gflops_best);
  json_str(stdout, p->stored_at);
  printf(", \"not_stored\": ");
  json_str(stdout, p->not_stored);
}

/* The XgemmDirect phase's outcome, as the Xgemm phase's is printed. */
static void print_direct(const vs_tune_phase *p) {
  if (p->skipped[0])
    printf("XgemmDirect: %s\n", p->skipped);
  else if (p->stored)
    printf("XgemmDirect (%zu^3): kept %s: %.1f GFLOP/s, CLBlast's own %.1f (+%.0f%%)\nstored in %s\n", p->n,
           p->params, p->gflops_best, p->gflops_database,
           p->gflops_database > 0 ? (p->gflops_best / p->gflops_database - 1) * 100 : 0.0, p->stored_at);
  else if (p->params[0])
    printf("XgemmDirect (%zu^3): kept %s: %.1f GFLOP/s, CLBlast's own %.1f, in this process only: %s\n", p->n,
           p->params, p->gflops_best, p->gflops_database, p->not_stored);
  else
    printf("XgemmDirect (%zu^3): no set beat CLBlast's own parameters (%.1f GFLOP/s) by 3%%: nothing stored\n",
           p->n, p->gflops_database);
}

static void print_json(const vs_device_info *in, const vs_tune_result *r) {
  printf("{\"device\": ");
  json_str(stdout, in->cl_name);
  printf(", \"device_name\": ");
  json_str(stdout, in->device_name);
  printf(", ");
  print_json_phase(&r->xgemm);
  printf(", \"direct\": {");
  print_json_phase(&r->direct);
  printf("}}\n");
}

static void conv_progress(void *user, size_t index, size_t count, const char *params, double gflops,
                          const char *verdict) {
  FILE *f = user;
  if (index == VS_NPOS) fprintf(f, "  default %s: %.1f GFLOP/s (%s)\n", params, gflops, verdict);
  else if (count) fprintf(f, "  [%zu/%zu] %s: %.1f GFLOP/s, %s\n", index + 1, count, params, gflops, verdict);
  else fprintf(f, "  [%zu] %s: %.1f GFLOP/s, %s\n", index + 1, params, gflops, verdict);
  fflush(f);
}

/* The TF32 search's outcome, the GEMM's or a conv family's (its sets were
 * named line by line above). */
static void tf32_outcome(bool searched, const char *params, double best, double bar, bool stored, size_t tried) {
  if (!searched)
    printf("TF32: not searched (the device has no TF32 matrix units)\n");
  else if (params[0])
    printf("TF32: kept %s: %.1f GFLOP/s, the choice's best TF32 set %.1f (+%.0f%%)%s; %zu TF32 sets tried; used by "
           "sessions with tensor_float_32_execution only\n",
           params, best, bar, (best / bar - 1) * 100,
           stored ? "" : " (in this process only: no writable cache directory)", tried);
  else
    printf("TF32: no set beat the choice's best TF32 set (%.1f GFLOP/s) by 3%%: nothing stored; %zu TF32 sets tried\n",
           bar, tried);
}

/* `varscope tune --gemm ...`: one family, searched. */
static int tune_gemm(size_t dev, const vs_device_info *in, const char *size, const char *trans, double budget) {
  long long sz[3] = {1024, 1024, 1024};
  if (size && sscanf(size, "%lld,%lld,%lld", &sz[0], &sz[1], &sz[2]) != 3) {
    fprintf(stderr, "varscope tune: --size wants M,N,K\n");
    return 2;
  }
  if (trans && !(strlen(trans) == 2 && strchr("nt", trans[0]) && strchr("nt", trans[1]))) {
    fprintf(stderr, "varscope tune: --transpose wants nn, nt, tn or tt\n");
    return 2;
  }
  bool ta = trans && trans[0] == 't', tb = trans && trans[1] == 't';
  printf("tuning SGEMM %s %lldx%lldx%lld on %s [%s], at most %.0f s:\n", trans ? trans : "nn", sz[0], sz[1], sz[2],
         in->cl_name, in->device_name, budget > 0 ? budget : 60);
  fflush(stdout);
  vs_status *st = vs_status_new();
  vs_gemm_tune_result res;
  vs_device_tune_gemm(dev,
                      &(vs_gemm_tune_opts){.m = sz[0], .n = sz[1], .k = sz[2], .transpose_a = ta, .transpose_b = tb,
                                           .budget_s = budget, .progress = conv_progress, .user = stdout},
                      &res, st);
  int rc = vs_status_code(st) != VS_OK;
  if (rc) fprintf(stderr, "varscope: %s\n", vs_status_message(st));
  else if (res.params[0])
    printf("kept %s: %.1f GFLOP/s, the default %.1f (+%.0f%%), CLBlast %.1f%s; %zu tried, %zu wrong, %zu failed\n",
           res.params, res.gflops_best, res.gflops_default, (res.gflops_best / res.gflops_default - 1) * 100,
           res.gflops_clblast, res.stored ? "" : " (in this process only: no writable cache directory)", res.tried,
           res.wrong, res.failed);
  else
    printf("no set beat the default (%.1f GFLOP/s; CLBlast %.1f) by 3%%: nothing stored; %zu tried, %zu wrong, %zu "
           "failed\n",
           res.gflops_default, res.gflops_clblast, res.tried, res.wrong, res.failed);
  if (!rc)
    tf32_outcome(res.tf32_searched, res.tf32_params, res.gflops_tf32_best, res.gflops_tf32_default, res.tf32_stored,
                 res.tf32_tried);
  vs_status_free(st);
  return rc;
}

/* A decimal count of 1..4096 (a stride or dilation), or 0 when text is not one. */
static long long count_arg(const char *text) {
  char *end = NULL;
  long long v = strtoll(text, &end, 10);
  return *text && !*end && v >= 1 && v <= 4096 ? v : 0;
}

/* `varscope tune --conv ...`: one family (or the benchmark's), each searched.
 * stride, dilation: the --shape family's (NULL: 1). */
static int tune_conv(size_t dev, const vs_device_info *in, const char *shape, const char *stride,
                     const char *dilation, const char *size, double budget) {
  /* C, K, KH, KW, stride, dilation: conv_bench's layers, as families */
  long long fam[6][6] = {{32, 32, 5, 5, 1, 1}, {64, 64, 3, 3, 1, 1}, {64, 64, 3, 3, 2, 1},
                         {32, 64, 3, 3, 2, 1}, {64, 128, 1, 1, 2, 1}, {64, 256, 1, 1, 1, 1}},
            sz[3] = {8, 64, 64};
  int nfam = 6;
  if (!shape && (stride || dilation)) {
    fprintf(stderr, "varscope tune: --stride and --dilation apply to the family of --shape\n");
    return 2;
  }
  if (shape && sscanf(shape, "%lld,%lld,%lld,%lld", &fam[0][0], &fam[0][1], &fam[0][2], &fam[0][3]) != 4) {
    fprintf(stderr, "varscope tune: --shape wants C,K,KH,KW\n");
    return 2;
  }
  if (shape) {
    nfam = 1;
    fam[0][4] = stride ? count_arg(stride) : 1;
    fam[0][5] = dilation ? count_arg(dilation) : 1;
    if (!fam[0][4] || !fam[0][5]) {
      fprintf(stderr, "varscope tune: --stride and --dilation want a count of 1 to 4096\n");
      return 2;
    }
  }
  if (size && sscanf(size, "%lld,%lld,%lld", &sz[0], &sz[1], &sz[2]) != 3) {
    fprintf(stderr, "varscope tune: --size wants N,H,W\n");
    return 2;
  }
  vs_status *st = vs_status_new();
  for (int f = 0; f < nfam && vs_status_code(st) == VS_OK; f++) {
    char strided[32] = "", dilated[32] = "";
    if (fam[f][4] > 1) snprintf(strided, sizeof strided, "/%lld", fam[f][4]);
    if (fam[f][5] > 1) snprintf(dilated, sizeof dilated, " dilation %lld", fam[f][5]);
    printf("tuning conv2d %lldx%lld%s %lld->%lld%s (input %lldx%lldx%lld) on %s [%s], at most %.0f s:\n", fam[f][2],
           fam[f][3], strided, fam[f][0], fam[f][1], dilated, sz[0], sz[1], sz[2], in->cl_name, in->device_name,
           budget > 0 ? budget : 60);
    fflush(stdout);
    vs_conv_tune_result res;
    vs_device_tune_conv(dev,
                        &(vs_conv_tune_opts){.c = fam[f][0], .k = fam[f][1], .kh = fam[f][2], .kw = fam[f][3],
                                             .stride = fam[f][4], .dilation = fam[f][5],
                                             .n = sz[0], .h = sz[1], .w = sz[2], .budget_s = budget,
                                             .progress = conv_progress, .user = stdout},
                        &res, st);
    if (vs_status_code(st) != VS_OK) break;
    if (res.params[0])
      printf("kept %s: %.1f GFLOP/s, the default %.1f (+%.0f%%)%s; %zu tried, %zu wrong, %zu failed\n", res.params,
             res.gflops_best, res.gflops_default, (res.gflops_best / res.gflops_default - 1) * 100,
             res.stored ? "" : " (in this process only: no writable cache directory)", res.tried, res.wrong,
             res.failed);
    else
      printf("no set beat the default (%.1f GFLOP/s) by 3%%: nothing stored; %zu tried, %zu wrong, %zu failed\n",
             res.gflops_default, res.tried, res.wrong, res.failed);
    tf32_outcome(res.tf32_searched, res.tf32_params, res.gflops_tf32_best, res.gflops_tf32_default,
                 res.tf32_stored, res.tf32_tried);
  }
  int rc = vs_status_code(st) != VS_OK;
  if (rc) fprintf(stderr, "varscope: %s\n", vs_status_message(st));
  vs_status_free(st);
  return rc;
}

int vs_tool_tune(int argc, char **argv) {
  const char *device = "0";
  bool json = false, reset = false, conv = false, gemm = false, no_search = false, no_builtin = false,
       no_direct = false;
  const char *direct_size = NULL;
  double direct_budget = 0;
  double fraction = 0;
  const char *shape = NULL, *size = NULL, *trans = NULL, *stride = NULL, *dilation = NULL;
  double budget = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return usage(stdout);
    if (strcmp(argv[i], "--json") == 0) json = true;
    else if (strcmp(argv[i], "--reset") == 0) reset = true;
    else if (strcmp(argv[i], "--conv") == 0) conv = true;
    else if (strcmp(argv[i], "--gemm") == 0) gemm = true;
    else if (strcmp(argv[i], "--transpose") == 0 && i + 1 < argc) trans = argv[++i];
    else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc) shape = argv[++i];
    else if (strcmp(argv[i], "--stride") == 0 && i + 1 < argc) stride = argv[++i];
    else if (strcmp(argv[i], "--dilation") == 0 && i + 1 < argc) dilation = argv[++i];
    else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) size = argv[++i];
    else if ((strcmp(argv[i], "--budget") == 0 || strcmp(argv[i], "--budget-s") == 0) && i + 1 < argc)
      budget = atof(argv[++i]);
    else if (strcmp(argv[i], "--fraction") == 0 && i + 1 < argc) fraction = atof(argv[++i]);
    else if (strcmp(argv[i], "--no-search") == 0) no_search = true;
    else if (strcmp(argv[i], "--no-builtin") == 0) no_builtin = true;
    else if (strcmp(argv[i], "--no-direct") == 0) no_direct = true;
    else if (strcmp(argv[i], "--direct-size") == 0 && i + 1 < argc) direct_size = argv[++i];
    else if (strcmp(argv[i], "--direct-budget-s") == 0 && i + 1 < argc) direct_budget = atof(argv[++i]);
    else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) device = argv[++i];
    else if (strncmp(argv[i], "--device=", 9) == 0) device = argv[i] + 9;
    else {
      fprintf(stderr, "varscope tune: unexpected argument '%s'\n", argv[i]);
      return usage(stderr);
    }
  }
  if (gemm && (conv || reset || json || no_search || no_builtin || fraction > 0)) {
    /* each would otherwise run another verb's path */
    fprintf(stderr, "varscope tune: --gemm does not combine with --conv, --reset, --json, --no-search, --no-builtin "
                    "or --fraction\n");
    return usage(stderr);
  }
  if ((gemm || conv || reset) && (no_direct || direct_size || direct_budget > 0)) {
    fprintf(stderr, "varscope tune: --no-direct, --direct-size and --direct-budget-s belong to the CLBlast tuning\n");
    return usage(stderr);
  }
  size_t direct_n = 0;
  if (direct_size) {
    char *end = NULL;
    unsigned long long v = strtoull(direct_size, &end, 10);
    if (!*direct_size || *end || v == 0 || v > 2048) {
      fprintf(stderr, "varscope tune: --direct-size wants the XgemmDirect SGEMM size N (1..2048, a multiple of 64)\n");
      return 2;
    }
    direct_n = (size_t)v;
  }
  if (!conv && (stride || dilation)) {
    fprintf(stderr, "varscope tune: --stride and --dilation belong to --conv\n");
    return usage(stderr);
  }
  /* Without --conv or --gemm, --size is the CLBlast SGEMM's N. */
  size_t n = 0;
  if (!conv && !gemm && size) {
    char *end = NULL;
    unsigned long long v = strtoull(size, &end, 10);
    if (!*size || *end || v == 0 || v > VS_TUNE_MAX_N) {
      fprintf(stderr, "varscope tune: --size wants the SGEMM size N (1..%d, a multiple of 128)\n", VS_TUNE_MAX_N);
      return 2;
    }
    n = (size_t)v;
  }
  if (!(fraction >= 0 && fraction <= 1) || budget < 0 || direct_budget < 0) {
    fprintf(stderr, "varscope tune: --fraction wants 0..1 and --budget-s a positive number of seconds\n");
    return 2;
  }
  size_t dev = 0;
  bool usage_error = false;
  if (!resolve(device, &dev, &usage_error)) return usage_error ? 2 : 1;
  vs_status *st = vs_status_new();
  vs_device_info in;
  vs_device_get_info(dev, &in, st);
  vs_tune_result res;
  if (vs_status_code(st) == VS_OK && gemm) {
    vs_status_free(st);
    return tune_gemm(dev, &in, size, trans, budget);
  }
  if (vs_status_code(st) == VS_OK && conv && !reset && !json) {
    vs_status_free(st);
    return tune_conv(dev, &in, shape, stride, dilation, size, budget);
  }
  if (vs_status_code(st) == VS_OK && reset) {
    vs_device_tune_reset(dev, st);
    if (vs_status_code(st) == VS_OK && json) {
      printf("{\"device\": ");
      json_str(stdout, in.cl_name);
      printf(", \"reset\": true}\n");
    } else if (vs_status_code(st) == VS_OK) {
      printf("removed the stored CLBlast GEMM parameters of %s [%s]; later processes use CLBlast's own\n", in.cl_name,
             in.device_name);
    }
  } else if (vs_status_code(st) == VS_OK) {
    FILE *out = json ? stderr : stdout;
    fprintf(out,
            "tuning CLBlast SGEMM (%zu^3) on %s [%s]: CLBlast's own parameters first, %sthen each candidate set\n"
            "(each compiles first, a few seconds apiece; every result is checked against the host)%s\n",
            n ? n : (size_t)1024, in.cl_name, in.device_name, no_search ? "" : "CLBlast's tuner as the search, ",
            no_direct ? "" : "; then the same for its XgemmDirect kernel");
    fflush(out);
    vs_device_tune_ex(dev,
                      &(vs_tune_opts){.progress = progress, .note = note, .user = out, .n = n, .fraction = fraction,
                                      .budget_s = budget, .no_search = no_search, .no_builtin = no_builtin,
                                      .no_direct = no_direct, .direct_n = direct_n, .direct_budget_s = direct_budget},
                      &res, st);
    const vs_tune_phase *x = &res.xgemm;
    if (vs_status_code(st) == VS_OK && !json && x->searched)
      printf("CLBlast's tuner: %zu of %zu candidates sampled in %.1f s; its pick %s: %s\n", x->searched,
             x->search_space, x->search_s, x->search,
             x->search_index == VS_NPOS ? "(none)" : x->verdict[x->search_index]);
    if (vs_status_code(st) == VS_OK && json) {
      print_json(&in, &res);
    } else if (vs_status_code(st) == VS_OK && x->skipped[0]) {
      printf("Xgemm: %s; nothing stored, the stored Xgemm set (if any) is left as it is\n", x->skipped);
    } else if (vs_status_code(st) == VS_OK && x->stored) {
      printf("kept %s: %.1f GFLOP/s, CLBlast's own %.1f (+%.0f%%)\nstored in %s\n", x->params, x->gflops_best,
             x->gflops_database, x->gflops_database > 0 ? (x->gflops_best / x->gflops_database - 1) * 100 : 0.0,
             x->stored_at);
    } else if (vs_status_code(st) == VS_OK && x->params[0]) {
      printf("kept %s: %.1f GFLOP/s, CLBlast's own %.1f, in this process only: %s\n", x->params, x->gflops_best,
             x->gflops_database, x->not_stored);
    } else if (vs_status_code(st) == VS_OK) {
      printf("no set beat CLBlast's own parameters (%.1f GFLOP/s) by 3%%: nothing stored%s%s; later processes use "
             "CLBlast's own\n",
             x->gflops_database, x->stored_at[0] ? ", and none is left in " : "", x->stored_at);
    }
    if (vs_status_code(st) == VS_OK && !json) {
      if (res.direct.searched)
        printf("CLBlast's XgemmDirect tuner: %zu of %zu candidates sampled in %.1f s; its pick %s: %s\n",
               res.direct.searched, res.direct.search_space, res.direct.search_s, res.direct.search,
               res.direct.search_index == VS_NPOS ? "(none)" : res.direct.verdict[res.direct.search_index]);
      print_direct(&res.direct);
    }
  }
  int rc = vs_status_code(st) != VS_OK;
  if (rc) fprintf(stderr, "varscope: %s\n", vs_status_message(st));
  vs_status_free(st);
  return rc;
}
