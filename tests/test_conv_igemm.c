/* test_conv_igemm.c - the implicit-GEMM conv2d kernel (engine/kernels/
 * conv_igemm.c, cl_kernels/conv_igemm.cl), designed for GPUs and checked
 * here on whatever device 0 is (PoCL on CPUs): forced through
 * VARSCOPE_CONV it matches a host reference in float64 with sizes that
 * are multiples of no tile, its fused bias+relu is bit-equal to the
 * unfused BiasAdd and Relu after it, every set of its search space
 * verifies, a set that does not fit the device is refused with the
 * reason, and where local memory is not the device's own (CPUs) the
 * measured selection leaves it out. The float32 numerics across shapes,
 * strides, dilations and paddings are test_nn.c's (its ALGOS list).
 * Each Test is its own process with its own cache directory. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../engine/kernels/conv_tuning.h"
#include "tuning_support.h"
#include "varscope.h"

static char dir[256];

static void setup(void) { tuning_setup(dir, sizeof dir, "vs-conv-igemm", "VARSCOPE_CONV"); }

static void teardown(void) { scratch_dir_remove(dir); }

/* A cold kernel cache under sanitizers on a busy machine compiles each
 * parameter set in seconds: the whole search space needs minutes then. */
TestSuite(conv_igemm, .init = setup, .fini = teardown, .timeout = 900);

/* n values in (-1, 1) with full float64 mantissas (a float32 path would
 * lose their low bits), different per phase. */
static double *sines(size_t n, double phase) {
  double *a = malloc(n * sizeof *a);
  for (size_t i = 0; i < n; i++) a[i] = sin((double)i * 0.731 + phase);
  return a;
}

/* Runs fetches[0..nf) of g with nothing fed; asserts OK. */
static void run(vs_graph *g, const vs_output *fetches, vs_tensor **out, int nf) {
  vs_status *st = vs_status_new();
  vs_session *s = vs_session_new(g, NULL, st);
  vs_session_run(s, NULL, NULL, 0, fetches, out, nf, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_session_free(s);
  vs_status_free(st);
}

/* float64 conv2d under forced igemm sets against a host reference in
 * long double: N, H, W, C, K odd; stride 2 SAME, then dilation 2 VALID. */
static void check_float64(int sh, int dh, bool same) {
  const int N = 2, H = 9, W = 7, C = 3, KH = 3, KW = 2, K = 5;
  size_t nx = (size_t)N * H * W * C, nf = (size_t)KH * KW * C * K;
  double *xd = sines(nx, 0.3), *fd = sines(nf, 1.9);
  /* The last two: A read in vectors of 4 (VWM), and a 4-item group with
   * 8-deep slices, which takes the general gather, with A in vectors of 2. */
  static const char *const SETS[] = {"igemm:16,8,4,4,2,2", "igemm:8,16,8,2,4,4,1", "igemm:32,32,16,8,8,1,1",
                                     "igemm:32,32,16,8,8,1,1,4", "igemm:16,8,8,4,1,2,0,2"};
  int eh = (KH - 1) * dh + 1, ew = (KW - 1) * dh + 1;
  int oh = same ? (H + sh - 1) / sh : (H - eh + sh) / sh, ow = same ? (W + sh - 1) / sh : (W - ew + sh) / sh;
  int pt = same ? ((oh - 1) * sh + eh - H) / 2 : 0, pl = same ? ((ow - 1) * sh + ew - W) / 2 : 0;
  pt = pt > 0 ? pt : 0, pl = pl > 0 ? pl : 0;
  for (size_t s = 0; s < sizeof SETS / sizeof *SETS; s++) {
    setenv("VARSCOPE_CONV", SETS[s], 1);
    vs_status *st = vs_status_new();
    vs_graph *g = vs_graph_new();
    vs_output x = vs_constant(g, xd, VS_DOUBLE, VS_SHAPE(N, H, W, C), "x", st);
    vs_output f = vs_constant(g, fd, VS_DOUBLE, VS_SHAPE(KH, KW, C, K), "f", st);
    vs_output y = vs_conv2d(g, x, f,
                            &(vs_conv2d_opts){.strides = {1, sh, sh, 1}, .dilations = {1, dh, dh, 1},
                                              .padding = same ? "SAME" : "VALID"},
                            st);
    cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
    vs_tensor *t = NULL;
    run(g, &y, &t, 1);
    cr_assert_eq(vs_tensor_num_elements(t), (size_t)N * oh * ow * K);
    const double *got = vs_tensor_data(t);
    for (int n = 0; n < N; n++)
      for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
          for (int k = 0; k < K; k++) {
            long double want = 0, mag = 0;
            for (int a = 0; a < KH; a++)
              for (int b = 0; b < KW; b++) {
                int ih = i * sh - pt + a * dh, iw = j * sh - pl + b * dh;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                for (int c = 0; c < C; c++) {
                  long double p = (long double)xd[((n * H + ih) * W + iw) * C + c] * fd[((a * KW + b) * C + c) * K + k];
                  want += p, mag += fabsl(p);
                }
              }
            double v = got[((n * oh + i) * ow + j) * K + k];
            /* float64 sums of at most 18 products in another order. */
            cr_assert(fabsl(v - want) <= 1e-14L * (1 + mag), "%s: out[%d,%d,%d,%d] = %.17g, want %.17Lg", SETS[s], n,
                      i, j, k, v, want);
          }
    vs_tensor_free(t);
    vs_graph_free(g);
    vs_status_free(st);
  }
  free(xd);
  free(fd);
}

Test(conv_igemm, float64_stride2_same_matches_the_reference) { check_float64(2, 1, true); }

Test(conv_igemm, float64_dilated_valid_matches_the_reference) { check_float64(1, 2, false); }

/* conv -> BiasAdd -> Relu fetched alone is fused into the igemm kernel's
 * stores (engine/exec/plan.c); fetching the conv too keeps the three ops
 * apart. The two results are the same bits: the fused epilogue adds and
 * clamps exactly as the separate kernels do. */
Test(conv_igemm, fused_bias_relu_is_bit_equal_to_unfused) {
  setenv("VARSCOPE_CONV", "igemm:16,16,8,4,4,2,1", 1);
  const int N = 1, H = 11, W = 6, C = 5, K = 13; /* K: one full vector of 2 and a lane in the last tile column */
  float xd[N * H * W * C], fd[3 * 3 * C * K], bd[K];
  for (size_t i = 0; i < sizeof xd / sizeof *xd; i++) xd[i] = (float)((i * 7) % 17) / 8.0f - 1.0f;
  for (size_t i = 0; i < sizeof fd / sizeof *fd; i++) fd[i] = (float)((i * 5) % 13) / 6.0f - 1.0f;
  for (int k = 0; k < K; k++) bd[k] = (float)(k % 5) / 3.0f - 0.7f;
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_output x = vs_constant(g, xd, VS_FLOAT, VS_SHAPE(N, H, W, C), "x", st);
  vs_output f = vs_constant(g, fd, VS_FLOAT, VS_SHAPE(3, 3, C, K), "f", st);
  vs_output y = vs_conv2d(g, x, f, &(vs_conv2d_opts){.padding = "SAME"}, st);
  vs_output z = vs_relu(g, vs_bias_add(g, y, vs_constant(g, bd, VS_FLOAT, VS_SHAPE(K), "b", st), NULL, st), NULL, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_tensor *fused = NULL, *apart[2] = {NULL, NULL};
  run(g, &z, &fused, 1);
  vs_output both[2] = {y, z};
  run(g, both, apart, 2);
  size_t n = vs_tensor_num_elements(fused);
  cr_assert_eq(n, (size_t)N * H * W * K);
  cr_assert_eq(vs_tensor_num_elements(apart[1]), n);
  const float *a = vs_tensor_data(fused), *b = vs_tensor_data(apart[1]), *raw = vs_tensor_data(apart[0]);
  size_t clamped = 0;
  for (size_t i = 0; i < n; i++) {
    cr_assert_eq(memcmp(&a[i], &b[i], sizeof *a), 0, "element %zu: fused %a, apart %a", i, (double)a[i], (double)b[i]);
    clamped += raw[i] + bd[i % K] < 0;
  }
  cr_assert(clamped > n / 10 && clamped < n - n / 10, "relu clamps some outputs, not all: %zu of %zu", clamped, n);
  vs_tensor_free(fused);
  vs_tensor_free(apart[0]);
  vs_tensor_free(apart[1]);
  vs_graph_free(g);
  vs_status_free(st);
}

/* Every set of the tuner's igemm search space on a shape no tile divides
 * (3x3, 3 -> 10 channels, 1x7x7: M 49, R 27, K 10): each one's whole
 * output is checked against the host reference; none may be wrong or fail
 * on this device. The second set, timed 100x faster (and every other
 * 100x slower), is kept under the family's key in the implicit GEMM's
 * own fields and listed by its name. (A wrong set timed fastest is never
 * kept: test_conv_tuning.c shows it through the same check.) */
Test(conv_igemm, every_set_of_the_search_space_verifies_and_the_fastest_is_kept) {
  injection in = {.wrong_index = -2, .fast_index = 1};
  vs__conv_tune_plan plan = {.igemm_only = true, .inject = inject, .user = &in};
  vs_conv_tune_opts o = {.c = 3, .k = 10, .kh = 3, .kw = 3, .n = 1, .h = 7, .w = 7, .budget_s = 1e9};
  o.progress = count_progress;
  vs_conv_tune_result res;
  vs_status *st = vs_status_new();
  vs__device_tune_conv_plan(0, &plan, &o, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(res.wrong, 0);
  cr_assert_eq(res.failed, 0);
  /* Phase 1: 5 tiles x 2 work-group shapes x 3 vector widths, register
   * blocks of 4 to 64, A in its widest local vectors (20 sets); phase 2:
   * 3 slice depths x double buffering around the best, less the one
   * phase 1 ran (5), then A's two narrower vectors (2). */
  cr_assert_eq(res.tried, 27, "tried %zu", res.tried);
  cr_assert_eq(progress_lines, 27, "one line per set: %d", progress_lines);
  cr_assert_eq(in.calls, 28, "every set's output checked, and the default's");
  cr_assert(res.stored);
  cr_assert_str_eq(res.params, "igemm mwg=32 nwg=32 kwg=16 mdimc=8 ndimc=8 vw=2 db=0 vwm=4");
  char *c = tuning_choices(vs_device_conv_choices);
  cr_assert_not_null(strstr(c, "family float32|f3,3,3,10|s1,1|d1,1 -> igemm m32 n32 k16 d8x8 v2 vm4 ("), "%s", c);
  free(c);
  vs_status_free(st);
}

/* Runs a float64 (or float32) 3x3 conv under VARSCOPE_CONV=force into st. */
static void run_forced(const char *force, vs_dtype dtype, vs_status *st) {
  setenv("VARSCOPE_CONV", force, 1);
  double xd[1 * 5 * 5 * 2] = {0}, fd[3 * 3 * 2 * 4] = {0}; /* zeros: room for either dtype */
  vs_graph *g = vs_graph_new();
  vs_output x = vs_constant(g, xd, dtype, VS_SHAPE(1, 5, 5, 2), "x", st);
  vs_output f = vs_constant(g, fd, dtype, VS_SHAPE(3, 3, 2, 4), "f", st);
  vs_output y = vs_conv2d(g, x, f, &(vs_conv2d_opts){.padding = "SAME", .name = "conv"}, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_session *s = vs_session_new(g, NULL, st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &y, &t, 1, NULL, 0, st);
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
}

Test(conv_igemm, a_set_past_the_local_memory_is_refused) {
  /* 2 x 256 x (256 + 4 + 256) doubles of slices (A's rows padded by
   * VWM 4) and a long and two ints for each of 256 rows: 2117632 bytes,
   * past any device's local memory (PoCL's is 2 MiB). */
  vs_status *st = vs_status_new();
  run_forced("igemm:256,256,256,16,16,4,1,4", VS_DOUBLE, st);
  cr_assert_eq(vs_status_code(st), VS_RESOURCE_EXHAUSTED, "%s", vs_status_message(st));
  const char *want = "igemm m256 n256 k256 d16x16 v4 db vm4: needs 2117632 bytes of local memory; the device has ";
  const char *msg = vs_status_message(st);
  cr_assert_eq(strncmp(msg, want, strlen(want)), 0, "%s", msg);
  char *end;
  unsigned long long has = strtoull(msg + strlen(want), &end, 10);
  cr_assert(*end == '\0' && end > msg + strlen(want) && has < 2117632, "%s", msg);
  vs_status_free(st);
}

Test(conv_igemm, bad_forced_sets_are_refused) {
  /* VWM 0, 3 and 8 (not 1, 2 or 4), 4 not dividing MWG / MDIMC = 2, a
   * field past VWM. */
  static const char *const BAD[] = {"igemm:64,64,16,8,8,3",       "igemm:64,64,16,7,8,4",     "igemm:64,64,16,8,8,4,2",
                                    "igemm:64,64,16,8,8",         "igemm:512,64,16,8,8,4",    "igemm:64,64,16,8,8,4,1,0",
                                    "igemm:64,64,16,8,8,4,1,3",   "igemm:64,64,16,8,8,4,1,8", "igemm:16,64,16,8,8,4,1,4",
                                    "igemm:64,64,16,8,8,4,1,4,1", "igemm64"};
  for (size_t i = 0; i < sizeof BAD / sizeof *BAD; i++) {
    vs_status *st = vs_status_new();
    run_forced(BAD[i], VS_FLOAT, st);
    char want[400];
    if (strcmp(BAD[i], "igemm64") == 0)
      snprintf(want, sizeof want,
               "VARSCOPE_CONV='%s': " CONV_FORCE_USAGE,
               BAD[i]);
    else
      snprintf(want, sizeof want,
               "VARSCOPE_CONV='%s': igemm:MWG,NWG,KWG,MDIMC,NDIMC,VW[,DB[,VWM]] wants MWG, NWG, KWG 1 to 256, MDIMC "
               "and NDIMC 1 to 64 dividing MWG and NWG / VW, VW 1, 2, 4, 8 or 16, DB 0 or 1, VWM 1, 2 or 4 dividing "
               "MWG / MDIMC, at most 256 accumulators a work-item",
               BAD[i]);
    expect_invalid(st, want);
    vs_status_free(st);
  }
}

/* VARSCOPE_CONV=igemm runs the first default set that fits the device. */
Test(conv_igemm, forced_default_set_runs) {
  vs_status *st = vs_status_new();
  run_forced("igemm", VS_FLOAT, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_status_free(st);
}

/* The measured selection on a device whose local memory is carved out of
 * global memory (PoCL's CL_GLOBAL) leaves the implicit GEMM out, and one
 * with local memory of its own (GPUs) includes it: the measurement
 * VARSCOPE_LOG=conv prints names every candidate it timed. */
Test(conv_igemm, selection_includes_it_only_with_dedicated_local_memory) {
  bool gate = vs__conv_igemm_selectable(0);
  char path[512];
  snprintf(path, sizeof path, "%s/log.txt", dir);
  setenv("VARSCOPE_LOG", "conv", 1);
  fflush(stderr);
  int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  cr_assert(saved >= 0 && fd >= 0);
  dup2(fd, 2);
  close(fd);
  vs_status *st = vs_status_new();
  run_forced("auto", VS_FLOAT, st);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  FILE *f = fopen(path, "r");
  cr_assert_not_null(f);
  char log[8192];
  size_t n = fread(log, 1, sizeof log - 1, f);
  log[n] = '\0';
  fclose(f);
  const char *line = strstr(log, "varscope: conv2d float32|f3,3,2,4|s1,1|d1,1|x1,5,5|p1,1,1,1 on ");
  cr_assert_not_null(line, "the measurement's line: %s", log);
  cr_assert_not_null(strstr(line, ": direct "), "%s", line);
  cr_assert_not_null(strstr(line, "im2col+gemm"), "%s", line);
  if (gate) cr_assert_not_null(strstr(line, "igemm m"), "the implicit GEMM's defaults measured: %s", line);
  else cr_assert_null(strstr(line, "igemm"), "no implicit GEMM on this device: %s", line);
  vs_status_free(st);
}
