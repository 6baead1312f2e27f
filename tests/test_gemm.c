/* test_gemm.c - varscope's own SGEMM kernel (cl_kernels/gemm.cl), its
 * choice against CLBlast and its tuner (engine/kernels/gemm*.c).
 *
 * Every result is compared with a double-precision host reference: an
 * element of C may differ by at most 1e-5 * (1 + sum over k of
 * |op(A)[i,k] * op(B)[k,j]|) (float32 accumulation in any order errs by
 * far less; a wrong tile, a skipped edge or a bad offset errs by O(1)),
 * and every element of the C buffer outside the product must be left as
 * it was. The tuner runs the real kernels; the internal plan
 * (kernels/gemm_tuning.h) supplies fixed candidates and fault injection.
 * Each Test is its own process (Criterion's workers) with its own cache
 * directory. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../engine/kernels/gemm_tuning.h"
#include "tuning_support.h"

static char dir[256];

static void setup(void) { tuning_setup(dir, sizeof dir, "vs-gemm", "VARSCOPE_GEMM"); }

static void teardown(void) { scratch_dir_remove(dir); }

/* A cold kernel cache under sanitizers on a busy machine compiles each
 * parameter set in seconds: the search tests need minutes then. */
TestSuite(gemm, .init = setup, .fini = teardown, .timeout = 900);

static float value(size_t i, unsigned salt) {
  uint64_t s = (i + 1) * 0x9E3779B97F4A7C15ull ^ salt;
  s ^= s >> 29, s *= 0xBF58476D1CE4E5B9ull, s ^= s >> 32;
  return (float)((double)(s >> 40) / (double)(1ull << 24) * 2.0 - 1.0);
}

typedef struct problem {
  bool ta, tb;
  size_t m, n, k, a_off, lda, b_off, ldb, c_off, ldc;
} problem;

enum { OWN = 0, CLBLAST = 1, INPLACE = 2, BLOCKED = 3 }; /* vs__gemm_run_host's kinds */

/* Runs p (kind under params) on patterned inputs, checks C against the
 * reference and the rest of the buffer against its sentinel. */
static void check(const problem *p, const int *params, int kind) {
  size_t ar = p->ta ? p->k : p->m, ac = p->ta ? p->m : p->k, br = p->tb ? p->n : p->k, bc = p->tb ? p->k : p->n;
  cr_assert_geq(p->lda, ac);
  cr_assert_geq(p->ldb, bc);
  cr_assert_geq(p->ldc, p->n);
  size_t na = p->a_off + (ar ? (ar - 1) * p->lda + ac : 0) + 3, nb = p->b_off + (br ? (br - 1) * p->ldb + bc : 0) + 3,
         nc = p->c_off + (p->m ? (p->m - 1) * p->ldc + p->n : 0) + 3;
  float *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b), *c = malloc(nc * sizeof *c);
  cr_assert(a && b && c);
  for (size_t i = 0; i < na; i++) a[i] = value(i, 1);
  for (size_t i = 0; i < nb; i++) b[i] = value(i, 2);
  for (size_t i = 0; i < nc; i++) c[i] = 1234.5f; /* the sentinel */
  vs_status *st = vs_status_new();
  bool ok = vs__gemm_run_host(0, params, kind, p->ta, p->tb, p->m, p->n, p->k, a, na, p->a_off, p->lda, b, nb,
                              p->b_off, p->ldb, c, nc, p->c_off, p->ldc, st);
  char what[160];
  snprintf(what, sizeof what, "%s%c%c m=%zu n=%zu k=%zu offsets %zu,%zu,%zu ld %zu,%zu,%zu params %d,%d,%d,%d,%d",
           kind == CLBLAST ? "clblast " : kind == INPLACE ? "inplace " : kind == BLOCKED ? "blocked " : "", p->ta ? 't' : 'n', p->tb ? 't' : 'n', p->m, p->n, p->k, p->a_off, p->b_off,
           p->c_off, p->lda, p->ldb, p->ldc, params ? params[0] : 0, params ? params[1] : 0, params ? params[2] : 0,
           params ? params[3] : 0, params ? params[4] : 0);
  cr_assert(ok, "%s: %s", what, vs_status_message(st));
  for (size_t i = 0; i < nc; i++) {
    size_t rel = i - p->c_off, row = rel / p->ldc, col = rel % p->ldc;
    bool inside = i >= p->c_off && row < p->m && col < p->n;
    if (!inside) {
      cr_assert_eq(c[i], 1234.5f, "%s: C buffer element %zu outside the product was written (%g)", what, i, c[i]);
      continue;
    }
    double want = 0, mag = 0;
    for (size_t kk = 0; kk < p->k; kk++) {
      double x = a[p->a_off + (p->ta ? kk * p->lda + row : row * p->lda + kk)];
      double y = b[p->b_off + (p->tb ? col * p->ldb + kk : kk * p->ldb + col)];
      want += x * y, mag += fabs(x * y);
    }
    cr_assert_leq(fabs(c[i] - want), 1e-5 * (1 + mag), "%s: C[%zu,%zu] = %.7g, want %.7g", what, row, col, c[i], want);
  }
  vs_status_free(st);
  free(a), free(b), free(c);
}

/* The problem in its tightest layout, or with offsets and padded leading
 * dimensions. */
static problem make(bool ta, bool tb, size_t m, size_t n, size_t k, bool padded) {
  problem p = {ta, tb, m, n, k, 0, ta ? m : k, 0, tb ? k : n, 0, n};
  if (padded) p.a_off = 5, p.lda += 3, p.b_off = 11, p.ldb += 1, p.c_off = 7, p.ldc += 2;
  return p;
}

static const size_t SIZES[][3] = {{1, 1, 1}, {7, 33, 5}, {33, 7, 257}, {257, 33, 7}, {12, 32, 16}, {13, 31, 64},
                                  {25, 65, 3}, {64, 48, 33}};

Test(gemm, every_transpose_and_odd_size_against_the_host) {
  for (int t = 0; t < 4; t++)
    for (size_t s = 0; s < sizeof SIZES / sizeof *SIZES; s++)
      for (int padded = 0; padded < 2; padded++) {
        problem p = make(t & 1, t >> 1, SIZES[s][0], SIZES[s][1], SIZES[s][2], padded);
        check(&p, NULL, OWN);
        check(&p, NULL, BLOCKED);
      }
}

Test(gemm, k_blocked_chunks_against_the_host) {
  /* gemm_blocked walks k in chunks of 8192 / NR (256 for the default's 32
   * columns, 512 for 16), its partial sums in C: k of one chunk exactly,
   * one step over, several with a short last one; C's edges on both sides
   * (tiles loaded and stored across them) and items with fewer than LY
   * tiles; every transpose, tight and padded. */
  static const size_t K_SIZES[][3] = {{45, 70, 256}, {33, 7, 257}, {100, 33, 600}, {15, 97, 1100}};
  static const int SET[5] = {5, 2, 8, 8, 3};
  for (int t = 0; t < 4; t++)
    for (size_t s = 0; s < sizeof K_SIZES / sizeof *K_SIZES; s++) {
      problem p = make(t & 1, t >> 1, K_SIZES[s][0], K_SIZES[s][1], K_SIZES[s][2], t & 1);
      check(&p, NULL, BLOCKED);
      check(&p, SET, BLOCKED);
    }
  /* k = 0 writes zeros, as the packed kernel does. */
  problem z = make(false, false, 20, 40, 0, true);
  check(&z, NULL, BLOCKED);
}

Test(gemm, lopsided_panels_against_the_host) {
  /* Panels of very different counts and lengths in the one packing
   * launch (gemm.c: one work-item per panel and step of k): op(A) 300 x 2
   * with op(B) 2 x 1000 (k far below the launch's local size), and
   * 1000 x 300 with 300 x 3 (one edge panel of B, mostly zeros). */
  for (int t = 0; t < 4; t++)
    for (int padded = 0; padded < 2; padded++) {
      problem p = make(t & 1, t >> 1, 300, 1000, 2, padded);
      check(&p, NULL, OWN);
      p = make(t & 1, t >> 1, 1000, 3, 300, padded);
      check(&p, NULL, OWN);
    }
}

Test(gemm, narrow_vectors_and_odd_tiles_against_the_host) {
  /* Sets off the default's path: scalar and 4-wide vectors, odd tiles,
   * unrolling that does not divide k, one-item work-groups. */
  static const int SETS[][5] = {{1, 1, 1, 1, 1}, {3, 3, 4, 3, 2}, {5, 2, 8, 8, 1}, {16, 1, 16, 16, 64}, {7, 4, 2, 2, 3}};
  for (size_t i = 0; i < sizeof SETS / sizeof *SETS; i++)
    for (int t = 0; t < 4; t++) {
      problem p = make(t & 1, t >> 1, 37, 19, 23, t == 3);
      check(&p, SETS[i], OWN);
    }
}

Test(gemm, in_place_every_layout_and_edge_against_the_host) {
  /* The in-place kernel reads A (either way round) and B where they lie:
   * tiles exactly filling C, C one tile, and edges on both sides (the
   * shifted last tiles), tight and with offsets and padded leading
   * dimensions; the default set and off-default ones (scalar, 4-wide,
   * odd tiles, unrolling that does not divide k). */
  static const size_t IN_SIZES[][3] = {{14, 32, 1}, {15, 33, 5}, {28, 64, 16}, {37, 65, 19}, {100, 47, 64},
                                       {257, 40, 7}, {16, 96, 33}};
  for (int ta = 0; ta < 2; ta++)
    for (size_t s = 0; s < sizeof IN_SIZES / sizeof *IN_SIZES; s++)
      for (int padded = 0; padded < 2; padded++) {
        problem p = make(ta, false, IN_SIZES[s][0], IN_SIZES[s][1], IN_SIZES[s][2], padded);
        check(&p, NULL, INPLACE);
      }
  static const int SETS[][5] = {{1, 1, 1, 1, 1}, {3, 3, 4, 3, 2}, {5, 2, 8, 8, 1}, {16, 1, 16, 16, 64}, {7, 4, 2, 2, 3}};
  for (size_t i = 0; i < sizeof SETS / sizeof *SETS; i++)
    for (int ta = 0; ta < 2; ta++) {
      problem p = make(ta, false, 37, 19, 23, ta);
      check(&p, SETS[i], INPLACE);
    }
}

Test(gemm, in_place_refuses_what_it_cannot_run) {
  /* B transposed, or C narrower than one tile: INVALID_ARGUMENT, C
   * untouched (the selection never offers it there). */
  float a[40 * 40], b[40 * 40], c[40 * 40];
  for (size_t i = 0; i < 40 * 40; i++) a[i] = b[i] = 1, c[i] = 7;
  static const int SET[5] = {4, 2, 8, 2, 2};
  vs_status *st = vs_status_new();
  cr_assert_not(vs__gemm_run_host(0, SET, INPLACE, false, true, 20, 20, 20, a, 1600, 0, 20, b, 1600, 0, 20, c, 1600,
                                  0, 20, st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT, "%s", vs_status_message(st));
  cr_assert_str_eq(vs_status_message(st),
                   "SGEMM 20x20x20 (transpose_b 1): the in-place kernel of parameters rm=4 nv=2 vec=8 cannot run it");
  cr_assert_not(vs__gemm_run_host(0, SET, INPLACE, false, false, 20, 15, 20, a, 1600, 0, 20, b, 1600, 0, 20, c, 1600,
                                  0, 20, st));
  cr_assert_str_eq(vs_status_message(st),
                   "SGEMM 20x15x20 (transpose_b 0): the in-place kernel of parameters rm=4 nv=2 vec=8 cannot run it");
  cr_assert_not(vs__gemm_run_host(0, SET, 5, false, false, 20, 20, 20, a, 1600, 0, 20, b, 1600, 0, 20, c, 1600, 0,
                                  20, st));
  cr_assert_str_eq(vs_status_message(st), "vs__gemm_run_host: no GEMM kind 5");
  for (size_t i = 0; i < 40 * 40; i++) cr_assert_eq(c[i], 7.0f, "element %zu", i);
  vs_status_free(st);
}

Test(gemm, clblast_path_against_the_host) {
  problem p = make(true, false, 33, 7, 17, true);
  check(&p, NULL, CLBLAST);
}

Test(gemm, empty_k_writes_zeros) {
  float c[4 * 5];
  for (size_t i = 0; i < 20; i++) c[i] = 7;
  float a = 1, b = 1;
  vs_status *st = vs_status_new();
  cr_assert(vs__gemm_run_host(0, NULL, OWN, false, false, 3, 4, 0, &a, 1, 0, 1, &b, 1, 0, 4, c, 20, 1, 5, st), "%s",
            vs_status_message(st));
  for (size_t i = 0; i < 20; i++) {
    bool inside = i >= 1 && (i - 1) / 5 < 3 && (i - 1) % 5 < 4;
    cr_assert_eq(c[i], inside ? 0.0f : 7.0f, "element %zu", i);
  }
  vs_status_free(st);
}

Test(gemm, every_set_of_the_search_space_compiles_and_verifies) {
  vs_status *st = vs_status_new();
  size_t n = vs__gemm_search_space(0, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_gt(n, 10, "the search has %zu sets", n);
  int(*sets)[5] = malloc(n * sizeof *sets);
  cr_assert_eq(vs__gemm_search_space(0, sets, n, st), n);
  for (size_t i = 0; i < n; i++) {
    problem p = make(i % 2, i % 3 == 0, 29, 41, 19, i % 2 == 0);
    check(&p, sets[i], OWN);
  }
  free(sets);
  vs_status_free(st);
}

Test(gemm, every_set_of_the_search_space_verifies_blocked_and_in_place) {
  /* The search's sets under the other two multiplies (their own test: each
   * compiles its kernels for every set, minutes on a cold cache; k_blocked_
   * chunks_against_the_host covers k over several chunks). In place with B
   * not transposed, C at least one tile of the widest set (16 x 64), A not
   * transposed (the program of the blocked run serves; in_place_every_
   * layout_and_edge_against_the_host covers a transposed A). */
  vs_status *st = vs_status_new();
  size_t n = vs__gemm_search_space(0, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  int(*sets)[5] = malloc(n * sizeof *sets);
  cr_assert_eq(vs__gemm_search_space(0, sets, n, st), n);
  for (size_t i = 0; i < n; i++) {
    problem p = make(i % 2 == 0, i % 3 == 0, 29, 41, 19, i % 2 == 0);
    check(&p, sets[i], BLOCKED);
    p = make(false, false, 29, 71, 19, i % 2 == 0);
    check(&p, sets[i], INPLACE);
  }
  free(sets);
  vs_status_free(st);
}

/* ---- the tuner ---- */

static const vs_gemm_tune_opts SMALL = {.m = 40, .n = 72, .k = 24, .budget_s = 600};
static const char *const FAMILY = "nn|m6|n7|k5";

static char *choices(void) { return tuning_choices(vs_device_gemm_choices); }

static const int CANDIDATES[2][5] = {{4, 2, 8, 2, 2}, {8, 1, 16, 1, 4}};

TUNING_PLAN_TESTS(gemm, vs__gemm_tune_plan, vs_gemm_tune_result, vs__device_tune_gemm_plan)

/* C = A x B through the public API (MatMul), checked against the host. */
static void matmul_check(size_t m, size_t n, size_t k, bool ta, bool tb) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  float *a = malloc(m * k * sizeof *a), *b = malloc(k * n * sizeof *b);
  for (size_t i = 0; i < m * k; i++) a[i] = value(i, 3);
  for (size_t i = 0; i < k * n; i++) b[i] = value(i, 4);
  vs_output x = vs_constant(g, a, VS_FLOAT, ta ? VS_SHAPE((int64_t)k, (int64_t)m) : VS_SHAPE((int64_t)m, (int64_t)k),
                            "a", st);
  vs_output y = vs_constant(g, b, VS_FLOAT, tb ? VS_SHAPE((int64_t)n, (int64_t)k) : VS_SHAPE((int64_t)k, (int64_t)n),
                            "b", st);
  vs_output z = vs_matmul(g, x, y, &(vs_matmul_opts){.transpose_a = ta, .transpose_b = tb}, st);
  vs_session *s = vs_session_new(g, NULL, st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &z, &t, 1, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  const float *got = vs_tensor_data(t);
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) {
      double want = 0, mag = 0;
      for (size_t kk = 0; kk < k; kk++) {
        double p = (double)a[ta ? kk * m + i : i * k + kk] * b[tb ? j * k + kk : kk * n + j];
        want += p, mag += fabs(p);
      }
      cr_assert_leq(fabs(got[i * n + j] - want), 1e-5 * (1 + mag), "(%zu,%zu): %g vs %g", i, j, got[i * n + j], want);
    }
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
  free(a), free(b);
  vs_status_free(st);
}

Test(gemm, faster_correct_candidate_is_kept_stored_and_offered) {
  tune_keeps("rm=8 nv=1 vec=16 uk=1 ly=4");
  char *c = choices();
  cr_assert_not_null(strstr(c, "tuned nn|m6|n7|k5 -> rm=8 nv=1 vec=16 uk=1 ly=4 ("), "%s", c);
  free(c);
  /* A MatMul of the family now measures the kept set among its
   * candidates; whichever wins, its numbers are the reference's, and the
   * family's choice is listed. */
  matmul_check(40, 72, 24, false, false);
  c = choices();
  cr_assert(strncmp(c, "nn|m6|n7|k5 -> ", 15) == 0 || strstr(c, "\nnn|m6|n7|k5 -> "), "the family's choice: %s", c);
  free(c);
  /* Tuning again with nothing better removes the kept set, and the
   * family's choice with it (made again at its next GEMM). */
  tune_keeps_nothing();
  c = choices();
  cr_assert_null(strstr(c, FAMILY), "%s", c);
  free(c);
}

Test(gemm, every_candidate_of_the_search_verifies) {
  /* The real search, each candidate's whole C checked against the host:
   * none may be wrong or fail; with no time limit the whole space runs
   * (the default's place counted, not run again). */
  vs_gemm_tune_opts o = {.m = 21, .n = 35, .k = 13, .transpose_b = true, .budget_s = 1e9, .progress = count_progress};
  vs_gemm_tune_result res;
  vs_status *st = vs_status_new();
  size_t space = vs__gemm_search_space(0, NULL, 0, st);
  vs_device_tune_gemm(0, &o, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(res.wrong, 0);
  cr_assert_eq(res.failed, 0);
  cr_assert_eq((size_t)progress_lines, space, "one line per candidate: %d of %zu", progress_lines, space);
  cr_assert_eq(res.tried, space - 1, "tried %zu of %zu", res.tried, space);
  cr_assert_gt(res.gflops_clblast, 0, "CLBlast measured beside");
  vs_status_free(st);
}

Test(gemm, bad_tune_arguments_are_refused) {
  vs_gemm_tune_result res;
  vs_status *st = vs_status_new();
  vs_device_tune_gemm(0, &(vs_gemm_tune_opts){.k = -1}, &res, st);
  expect_invalid(st, "vs_device_tune_gemm: sizes must be 0 (the default) to 4096, got -1");
  vs_device_tune_gemm(0, &(vs_gemm_tune_opts){.m = 4097}, &res, st);
  expect_invalid(st, "vs_device_tune_gemm: sizes must be 0 (the default) to 4096, got 4097");
  vs_device_tune_gemm(0, NULL, NULL, st);
  expect_invalid(st, "vs_device_tune_gemm: res is NULL");
  vs_device_tune_gemm(99, NULL, &res, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT, "%s", vs_status_message(st));
  cr_assert_eq(vs_device_gemm_choices(0, NULL, 5, st), 0);
  expect_invalid(st, "vs_device_gemm_choices: buf is NULL");
  vs_status_free(st);
}

/* ---- the choice and the store ---- */

/* A MatMul under VARSCOPE_GEMM=setting fails with INVALID_ARGUMENT and
 * exactly message. */
static void expect_forced_refused(const char *setting, const char *message) {
  setenv("VARSCOPE_GEMM", setting, 1);
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  float one[4] = {1, 2, 3, 4};
  vs_output x = vs_constant(g, one, VS_FLOAT, VS_SHAPE(2, 2), "x", st);
  vs_output z = vs_matmul(g, x, x, NULL, st);
  vs_session *s = vs_session_new(g, NULL, st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &z, &t, 1, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT, "%s", vs_status_message(st));
  cr_assert_str_eq(vs_status_message(st), message);
  vs_tensor_free(t); /* NULL after a failed run; freed in case it is not */
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

Test(gemm, matmul_chooses_by_measurement_and_remembers) {
  matmul_check(9, 17, 70, true, false);
  matmul_check(9, 17, 70, false, true);
  char *c = choices();
  cr_assert_not_null(strstr(c, "tn|m4|n5|k7 -> "), "%s", c);
  cr_assert_not_null(strstr(c, "nt|m4|n5|k7 -> "), "%s", c);
  free(c);
  /* Forced: each algorithm, and a malformed setting refused. */
  setenv("VARSCOPE_GEMM", "clblast", 1);
  matmul_check(5, 3, 2, true, true);
  setenv("VARSCOPE_GEMM", "own:3,1,4,2,2", 1);
  matmul_check(5, 3, 2, true, true);
  /* In place where it can run, and where it cannot (B transposed, or C
   * narrower than its tile): the packed kernel instead, same numbers. */
  setenv("VARSCOPE_GEMM", "inplace:3,1,4,2,2", 1);
  matmul_check(5, 7, 9, true, false);
  matmul_check(5, 7, 9, false, true);
  matmul_check(2, 3, 9, false, false);
  setenv("VARSCOPE_GEMM", "inplace", 1);
  matmul_check(20, 40, 9, false, false);
  setenv("VARSCOPE_GEMM", "blocked:3,1,4,2,2", 1);
  matmul_check(5, 7, 300, false, true);
  setenv("VARSCOPE_GEMM", "blocked", 1);
  matmul_check(20, 40, 300, true, false);
  expect_forced_refused("inplace:3,1,4,2",
                        "VARSCOPE_GEMM='inplace:3,1,4,2': want auto, clblast, or own, blocked or inplace, each "
                        "alone or with :RM,NV,VEC,UK,LY (RM 1-16, NV 1-4, VEC 1, 2, 4, 8 or 16, UK 1-16, LY 1-64)");
  expect_forced_refused("blocked:3,1,4,2,2,1",
                        "VARSCOPE_GEMM='blocked:3,1,4,2,2,1': want auto, clblast, or own, blocked or inplace, each "
                        "alone or with :RM,NV,VEC,UK,LY (RM 1-16, NV 1-4, VEC 1, 2, 4, 8 or 16, UK 1-16, LY 1-64)");
  expect_forced_refused("own:3,1,5,2,2",
                        "VARSCOPE_GEMM='own:3,1,5,2,2': want auto, clblast, or own, blocked or inplace, each "
                        "alone or with :RM,NV,VEC,UK,LY (RM 1-16, NV 1-4, VEC 1, 2, 4, 8 or 16, UK 1-16, LY 1-64)");
}

Test(gemm, a_damaged_store_entry_is_never_misread) {
  vs_status *st = vs_status_new();
  char *path = vs__gemm_store_path(0, "choice", st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  expect_torn_entry_removed(path, vs_device_gemm_choices);
  free(path);
  /* Well-formed entries whose lines are not: parameters out of range, a
   * kind that does not exist, a truncated line. None is used; the
   * families are measured again and compute right. */
  cr_assert(vs__gemm_table_write(0, "choice",
                                 "nn|m3|n3|k3\t0 99 2 16 4 4\t1.000 ms\n"
                                 "nn|m3|n2|k2\t7 0 0 0 0 0\t1.000 ms\n"
                                 "nn|m2|n2|k2\t0 12 2\n",
                                 st),
            "%s", vs_status_message(st));
  cr_assert(vs__gemm_table_write(0, "tuned", "nn|m3|n3|k3\t12 2 17 4 4\t9.0 GFLOP/s\n", st), "%s",
            vs_status_message(st));
  char *c = choices();
  cr_assert_str_eq(c, "", "no planted line lists: %s", c);
  free(c);
  matmul_check(7, 7, 7, false, false);
  matmul_check(5, 3, 4, false, false);
  matmul_check(4, 4, 4, false, false);
  c = choices();
  cr_assert_not_null(strstr(c, "nn|m3|n3|k3 -> "), "%s", c);
  cr_assert_not_null(strstr(c, "nn|m3|n2|k2 -> "), "%s", c);
  cr_assert_not_null(strstr(c, "nn|m2|n2|k2 -> "), "%s", c);
  free(c);
  vs_status_free(st);
}
