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
#include "gemm_problem.h"
#include "tuning_support.h"

static char dir[256];

static void setup(void) { tuning_setup(dir, sizeof dir, "vs-gemm", "VARSCOPE_GEMM"); }

static void teardown(void) { scratch_dir_remove(dir); }

/* A cold kernel cache under sanitizers on a busy machine compiles each
 * parameter set in seconds: the search tests need minutes then. */
TestSuite(gemm, .init = setup, .fini = teardown, .timeout = 900);

enum { OWN = 0, CLBLAST = 1, INPLACE = 2, BLOCKED = 3 }; /* vs__gemm_run_host's kinds */

/* The epilogue of a check (gemm.h's vs_gemm_epi): a bias per column of C,
 * relu, and op(A)[0, 0] set to NaN (row 0 of C all NaN: relu must make it
 * exactly 0). */
typedef struct epilogue {
  bool bias, relu, nan;
} epilogue;

/* Runs p (kind under params: {rm, nv, vec, uk, ly, kc}) on patterned
 * inputs with epilogue e (NULL: none), checks C against the reference and
 * the rest of the buffer against its sentinel. */
static void check_epi(const problem *p, const int *params, int kind, const epilogue *e) {
  cr_assert_geq(p->lda, p->ta ? p->m : p->k);
  cr_assert_geq(p->ldb, p->tb ? p->k : p->n);
  cr_assert_geq(p->ldc, p->n);
  size_t na, nb, nc;
  float *a, *b, *c;
  cr_assert(problem_buffers(p, &a, &na, &b, &nb, &c, &nc));
  float *bias = e && e->bias ? malloc((p->n ? p->n : 1) * sizeof *bias) : NULL;
  for (size_t j = 0; bias && j < p->n; j++) bias[j] = value(j, 3);
  if (e && e->nan && p->m && p->k) a[p->a_off] = NAN; /* op(A)[0, 0] either way round */
  vs_status *st = vs_status_new();
  bool ok = vs__gemm_run_host_epi(0, params, kind, p->ta, p->tb, p->m, p->n, p->k, a, na, p->a_off, p->lda, b, nb,
                                  p->b_off, p->ldb, c, nc, p->c_off, p->ldc, bias, e && e->relu, st);
  char what[200];
  snprintf(what, sizeof what, "%s%s%s%c%c m=%zu n=%zu k=%zu offsets %zu,%zu,%zu ld %zu,%zu,%zu params %d,%d,%d,%d,%d,%d",
           kind == CLBLAST ? "clblast " : kind == INPLACE ? "inplace " : kind == BLOCKED ? "blocked " : "",
           bias ? "bias " : "", e && e->relu ? "relu " : "", p->ta ? 't' : 'n', p->tb ? 't' : 'n', p->m, p->n, p->k, p->a_off, p->b_off,
           p->c_off, p->lda, p->ldb, p->ldc, params ? params[0] : 0, params ? params[1] : 0, params ? params[2] : 0,
           params ? params[3] : 0, params ? params[4] : 0, params ? params[5] : 0);
  cr_assert(ok, "%s: %s", what, vs_status_message(st));
  for (size_t i = 0; i < nc; i++) {
    size_t rel = i - p->c_off, row = rel / p->ldc, col = rel % p->ldc;
    bool inside = i >= p->c_off && row < p->m && col < p->n;
    if (!inside) {
      cr_assert_eq(c[i], GEMM_SENTINEL, "%s: C buffer element %zu outside the product was written (%g)", what, i, c[i]);
      continue;
    }
    double want = 0, mag = 0;
    for (size_t kk = 0; kk < p->k; kk++) {
      double x = a[p->a_off + (p->ta ? kk * p->lda + row : row * p->lda + kk)];
      double y = b[p->b_off + (p->tb ? col * p->ldb + kk : kk * p->ldb + col)];
      want += x * y, mag += fabs(x * y);
    }
    if (bias) want += bias[col], mag += fabs(bias[col]);
    if (e && e->relu && !(want > 0)) want = 0, mag = isnan(mag) ? 0 : mag; /* as conv.cl's bias_act: NaN -> 0 */
    if (isnan(want)) {
      cr_assert(isnan(c[i]), "%s: C[%zu,%zu] = %.7g, want NaN", what, row, col, c[i]);
      continue;
    }
    cr_assert_leq(fabs(c[i] - want), 1e-5 * (1 + mag), "%s: C[%zu,%zu] = %.7g, want %.7g", what, row, col, c[i], want);
    if (e && e->relu) cr_assert(!signbit(c[i]), "%s: C[%zu,%zu] = %.7g after relu", what, row, col, c[i]);
  }
  vs_status_free(st);
  free(a), free(b), free(c), free(bias);
}

static void check(const problem *p, const int *params, int kind) { check_epi(p, params, kind, NULL); }

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
  /* gemm_blocked walks k in chunks of kc steps (by default 8192 / NR: 256
   * for the default's 32 columns, 512 for 16), its partial sums in C: k of
   * one chunk exactly, one step over, several with a short last one; C's
   * edges on both sides (tiles loaded and stored across them) and items
   * with fewer than LY tiles; every transpose, tight and padded. Chunks
   * set by kc (the tuner's and VARSCOPE_GEMM's): one step, shorter than
   * the unrolling, not dividing k, longer than k. */
  static const size_t K_SIZES[][3] = {{45, 70, 256}, {33, 7, 257}, {100, 33, 600}, {15, 97, 1100}};
  static const int SETS[][6] = {{5, 2, 8, 8, 3, 0}, {5, 2, 8, 8, 3, 1}, {5, 2, 8, 8, 3, 7}, {4, 2, 16, 4, 2, 100},
                                {3, 1, 4, 2, 5, 8192}};
  for (int t = 0; t < 4; t++)
    for (size_t s = 0; s < sizeof K_SIZES / sizeof *K_SIZES; s++) {
      problem p = make(t & 1, t >> 1, K_SIZES[s][0], K_SIZES[s][1], K_SIZES[s][2], t & 1);
      check(&p, NULL, BLOCKED);
      for (size_t i = 0; i < sizeof SETS / sizeof *SETS; i++) check(&p, SETS[i], BLOCKED);
    }
  /* k = 0 writes zeros, as the packed kernel does. */
  problem z = make(false, false, 20, 40, 0, true);
  check(&z, NULL, BLOCKED);
}

Test(gemm, lopsided_panels_against_the_host) {
  /* Panels of very different counts and lengths in the one packing
   * launch (gemm.c: one work-item per panel and block of VEC steps of k): op(A) 300 x 2
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
  static const int SETS[][6] = {{1, 1, 1, 1, 1}, {3, 3, 4, 3, 2}, {5, 2, 8, 8, 1}, {16, 1, 16, 16, 64}, {7, 4, 2, 2, 3}};
  for (size_t i = 0; i < sizeof SETS / sizeof *SETS; i++)
    for (int t = 0; t < 4; t++) {
      problem p = make(t & 1, t >> 1, 37, 19, 23, t == 3);
      check(&p, SETS[i], OWN);
    }
}

Test(gemm, rows_deal_the_tiles_evenly) {
  /* vs__gemm_rows: ceil(tiles / ly) rows of at most ly tiles, and the
   * share gemm.cl's group_tiles gives row g ([g * tiles / rows, (g + 1) *
   * tiles / rows)) is never empty and never more than *per: no row of a
   * few tiles at the end of a launch. */
  for (size_t tiles = 1; tiles <= 300; tiles++)
    for (int ly = 1; ly <= 64; ly++) {
      size_t per = 0, rows = vs__gemm_rows(tiles, ly, &per);
      cr_assert_eq(rows, (tiles + (size_t)ly - 1) / (size_t)ly, "tiles %zu ly %d", tiles, ly);
      cr_assert(per >= 1 && per <= (size_t)ly && per * rows >= tiles && (per - 1) * rows < tiles,
                "tiles %zu ly %d: %zu rows of %zu", tiles, ly, rows, per);
      size_t least = tiles, most = 0;
      for (size_t g = 0; g < rows; g++) {
        size_t got = (g + 1) * tiles / rows - g * tiles / rows;
        least = got < least ? got : least, most = got > most ? got : most;
      }
      cr_assert(least >= 1 && most <= per && most - least <= 1, "tiles %zu ly %d: rows of %zu to %zu tiles", tiles,
                ly, least, most);
    }
  size_t per = 0;
  cr_assert_eq(vs__gemm_rows(0, 16, &per), 1);
  cr_assert_eq(per, 1);
  cr_assert_eq(vs__gemm_rows(5, 0, &per), 5); /* ly < 1 counts as 1 */
  cr_assert_eq(per, 1);
  /* 2048 rows of the AVX-512 default (14-row tiles, ly 16): 147 tiles,
   * 10 rows of 14 or 15, where they were 9 of 16 and one of 3. */
  cr_assert_eq(vs__gemm_rows(147, 16, &per), 10);
  cr_assert_eq(per, 15);
}

Test(gemm, uneven_rows_of_tiles_against_the_host) {
  /* Each form over C's tiles dealt in rows of unequal counts: rows of
   * ly and ly - 1 tiles with the last item of a short row's work-group
   * idle (m = 3 x 21 + 2: 22 tiles, ly 5, 5 rows of 4 or 5), one row
   * short of ly (m = 3 x 4: 4 tiles, ly 5), rows of one tile (ly 1), and
   * a last partial tile; every transpose, tight and padded. */
  static const int SETS[][6] = {{3, 1, 4, 2, 5, 0}, {3, 2, 8, 1, 1, 0}, {3, 1, 4, 2, 5, 4}};
  static const size_t M[] = {65, 12, 64};
  for (size_t i = 0; i < sizeof SETS / sizeof *SETS; i++)
    for (size_t s = 0; s < sizeof M / sizeof *M; s++)
      for (int t = 0; t < 4; t++) {
        problem p = make(t & 1, t >> 1, M[s], 21, 9, t == 1 || t == 2);
        check(&p, SETS[i], OWN);
        check(&p, SETS[i], BLOCKED);
        if (!(t >> 1)) check(&p, SETS[i], INPLACE);
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
  static const int SETS[][6] = {{1, 1, 1, 1, 1}, {3, 3, 4, 3, 2}, {5, 2, 8, 8, 1}, {16, 1, 16, 16, 64}, {7, 4, 2, 2, 3}};
  for (size_t i = 0; i < sizeof SETS / sizeof *SETS; i++)
    for (int ta = 0; ta < 2; ta++) {
      problem p = make(ta, false, 37, 19, 23, ta);
      check(&p, SETS[i], INPLACE);
    }
}

Test(gemm, epilogue_in_each_own_form_against_the_host) {
  /* conv2d's fused BiasAdd and Relu in the store (gemm.cl's EPI_BIAS,
   * EPI_RELU): bias only, relu only, both, each with a NaN in op(A); on
   * the packed kernel (a 5 x 16 tile over 37 x 19: edge tiles on both
   * sides), the k-blocked one (chunks of 7 steps over k = 23: the
   * epilogue at the last chunk's store only; and one chunk longer than
   * k) and the in-place one (its shifted last tiles, A either way round),
   * tight and padded; and k = 0 (C = epilogue of zeros). */
  static const int PACKED[6] = {5, 1, 16, 2, 3, 0}, BLOCKS[6] = {3, 2, 8, 1, 2, 7}, LONG[6] = {4, 2, 4, 4, 1, 64},
                   IN[6] = {5, 2, 8, 3, 2, 0};
  for (int e = 1; e < 8; e++) {
    epilogue ep = {e & 1, (e & 2) != 0, (e & 4) != 0};
    for (int t = 0; t < 4; t++) {
      problem p = make(t & 1, t >> 1, 37, 19, 23, t & 1);
      check_epi(&p, PACKED, OWN, &ep);
      check_epi(&p, BLOCKS, BLOCKED, &ep);
      check_epi(&p, LONG, BLOCKED, &ep);
      if (!(t >> 1)) check_epi(&p, IN, INPLACE, &ep);
    }
    problem z = make(false, false, 20, 40, 0, true);
    check_epi(&z, PACKED, OWN, &ep);
  }
}

Test(gemm, clblast_refuses_an_epilogue) {
  /* CLBlast's GEMM has none: INVALID_ARGUMENT (conv2d.c applies it as a
   * pass there), C untouched. */
  float a[16] = {0}, b[16] = {0}, c[16], bias[4] = {1, 2, 3, 4};
  for (int i = 0; i < 16; i++) c[i] = 1234.5f;
  vs_status *st = vs_status_new();
  cr_assert_not(vs__gemm_run_host_epi(0, NULL, CLBLAST, false, false, 4, 4, 4, a, 16, 0, 4, b, 16, 0, 4, c, 16, 0, 4,
                                      bias, true, st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st), "SGEMM 4x4x4: CLBlast's GEMM has no epilogue");
  for (int i = 0; i < 16; i++) cr_assert_eq(c[i], 1234.5f);
  vs_status_free(st);
}

Test(gemm, in_place_refuses_what_it_cannot_run) {
  /* B transposed, or C narrower than one tile: INVALID_ARGUMENT, C
   * untouched (the selection never offers it there). */
  float a[40 * 40], b[40 * 40], c[40 * 40];
  for (size_t i = 0; i < 40 * 40; i++) a[i] = b[i] = 1, c[i] = 7;
  static const int SET[6] = {4, 2, 8, 2, 2};
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

/* The search's candidates among the kinds in mask kinds (0: all),
 * malloc'd, their count in *n. */
static vs__gemm_set *search_space(unsigned kinds, size_t *n) {
  vs_status *st = vs_status_new();
  *n = vs__gemm_search_space(0, kinds, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs__gemm_set *sets = malloc((*n ? *n : 1) * sizeof *sets);
  cr_assert_not_null(sets);
  cr_assert_eq(vs__gemm_search_space(0, kinds, sets, *n, st), *n);
  vs_status_free(st);
  return sets;
}

Test(gemm, every_set_of_the_search_space_compiles_and_verifies) {
  /* The search walks every form of the kernel: packed sets first, then
   * k-blocked, then in place, each kind's sets the same as its own
   * restricted search's; the chunk length is set only on k-blocked sets,
   * which try 1/4, 1/2, 2 and 4 times the default chunk (8192 / NR) beside
   * it. Then every packed set runs (the other kinds' sets run in the real
   * searches below and in the next test). */
  size_t n, n_own, n_blocked, n_inplace;
  vs__gemm_set *sets = search_space(0, &n), *own = search_space(1u << OWN, &n_own);
  free(search_space(1u << BLOCKED, &n_blocked));
  free(search_space(1u << INPLACE, &n_inplace));
  cr_assert_gt(n_own, 10, "the packed search has %zu sets", n_own);
  cr_assert_gt(n_blocked, 10, "the k-blocked search has %zu sets", n_blocked);
  cr_assert_gt(n_inplace, 10, "the in-place search has %zu sets", n_inplace);
  cr_assert_eq(n, n_own + n_blocked + n_inplace);
  bool chunk[5] = {false};
  for (size_t i = 0; i < n; i++) {
    int want = i < n_own ? OWN : i < n_own + n_blocked ? BLOCKED : INPLACE;
    cr_assert_eq(sets[i].kind, want, "set %zu is of kind %d", i, sets[i].kind);
    if (i < n_own) cr_assert_eq(memcmp(&sets[i], &own[i], sizeof *own), 0, "set %zu as in the packed search", i);
    if (want != BLOCKED) {
      cr_assert_eq(sets[i].p[5], 0, "set %zu (kind %d) has a chunk", i, want);
      continue;
    }
    int nr = sets[i].p[1] * sets[i].p[2], kc = sets[i].p[5], def = 8192 / nr;
    int q = kc == 0 ? 2 : kc == def / 4 ? 0 : kc == def / 2 ? 1 : kc == def * 2 ? 3 : kc == def * 4 ? 4 : -1;
    cr_assert_geq(q, 0, "set %zu: chunk %d for NR %d", i, kc, nr);
    chunk[q] = true;
  }
  for (int q = 0; q < 5; q++) cr_assert(chunk[q], "chunk length %d of 5 tried", q);
  for (size_t i = 0; i < n_own; i++) {
    problem p = make(i % 2, i % 3 == 0, 29, 41, 19, i % 2 == 0);
    check(&p, own[i].p, OWN);
  }
  free(sets), free(own);
}

Test(gemm, every_set_of_the_search_space_verifies_blocked_and_in_place) {
  /* The packed search's sets under the other two multiplies (their own
   * test: each compiles its kernels for every set, minutes on a cold cache;
   * k_blocked_chunks_against_the_host covers k over several chunks). In
   * place with B not transposed, C at least one tile of the widest set
   * (16 x 64), A not transposed (the program of the blocked run serves;
   * in_place_every_layout_and_edge_against_the_host covers a transposed A). */
  size_t n;
  vs__gemm_set *sets = search_space(1u << OWN, &n);
  for (size_t i = 0; i < n; i++) {
    problem p = make(i % 2 == 0, i % 3 == 0, 29, 41, 19, i % 2 == 0);
    check(&p, sets[i].p, BLOCKED);
    p = make(false, false, 29, 71, 19, i % 2 == 0);
    check(&p, sets[i].p, INPLACE);
  }
  free(sets);
}

/* ---- the tuner ---- */

static const vs_gemm_tune_opts SMALL = {.m = 40, .n = 72, .k = 24, .budget_s = 600};
static const char *const FAMILY = "nn|m6|n7|k5";

static char *choices(void) { return tuning_choices(vs_device_gemm_choices); }

/* Two kinds: the kept one (index 1) is k-blocked with a chunk of its own,
 * so its whole record (kind and chunk) goes through the store. */
static const vs__gemm_set CANDIDATES[2] = {{OWN, {4, 2, 8, 2, 2, 0}}, {BLOCKED, {8, 1, 16, 1, 4, 128}}};

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

/* The text of the store's entry of table `which` of device 0 (its file,
 * which holds the table's text after a header), malloc'd. */
static char *store_text(const char *which) {
  vs_status *st = vs_status_new();
  char *path = vs__gemm_store_path(0, which, st);
  cr_assert_not_null(path, "%s", vs_status_message(st));
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "%s", path);
  char *text = calloc(1, 1 << 16);
  cr_assert_not_null(text);
  size_t got = fread(text, 1, (1 << 16) - 1, f);
  fclose(f);
  for (size_t i = 0; i < got; i++) /* the header's bytes may hold NULs */
    if (!text[i]) text[i] = ' ';
  free(path);
  vs_status_free(st);
  return text;
}

Test(gemm, faster_correct_candidate_is_kept_stored_and_offered) {
  tune_keeps("blocked rm=8 nv=1 vec=16 uk=1 ly=4 kc=128");
  char *c = choices();
  cr_assert_not_null(strstr(c, "tuned nn|m6|n7|k5 -> blocked rm=8 nv=1 vec=16 uk=1 ly=4 kc=128 ("), "%s", c);
  free(c);
  /* On disk, kind 3 (k-blocked) and its chunk, as gemm_select.c's
   * gemm-tuned-v2 record says. */
  c = store_text("tuned");
  cr_assert_not_null(strstr(c, "nn|m6|n7|k5\t3 8 1 16 1 4 128\t"), "%s", c);
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

/* Tunes SMALL with the plan's candidates, the one at index fast timed
 * fastest; asserts it was kept as text. */
static void tune_keeps_set(const vs__gemm_set *sets, size_t n, int fast, const char *text) {
  injection in = {.wrong_index = -2, .fast_index = fast};
  vs__gemm_tune_plan plan = {.candidates = sets, .n_candidates = n, .inject = inject, .user = &in};
  vs_gemm_tune_result res;
  vs_status *st = vs_status_new();
  vs__device_tune_gemm_plan(0, &plan, &SMALL, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(res.tried, n);
  cr_assert_eq(res.wrong, 0);
  cr_assert(res.stored);
  cr_assert_str_eq(res.params, text);
  vs_status_free(st);
}

Test(gemm, each_kind_kept_round_trips_and_computes) {
  /* A set of each form kept by the tuner is listed as kept, read back from
   * the store as the same form and parameters, measured by the family's
   * next MatMul (VARSCOPE_LOG=gemm's line names it among the candidates)
   * and, whichever wins, computes C within 1e-5 * (1 + sum of |products|)
   * of the host. */
  static const vs__gemm_set SETS[3] = {
      {OWN, {6, 2, 8, 2, 2, 0}}, {BLOCKED, {6, 1, 16, 8, 2, 7}}, {INPLACE, {5, 3, 4, 4, 8, 0}}};
  static const char *const TEXT[3] = {"own rm=6 nv=2 vec=8 uk=2 ly=2", "blocked rm=6 nv=1 vec=16 uk=8 ly=2 kc=7",
                                      "inplace rm=5 nv=3 vec=4 uk=4 ly=8"};
  static const char *const NAME[3] = {"own rm6 nv2 v8 u2 ly2", "blocked rm6 nv1 v16 u8 ly2 kc7",
                                      "inplace rm5 nv3 v4 u4 ly8"};
  static const char *const RECORD[3] = {"nn|m6|n7|k5\t0 6 2 8 2 2 0\t", "nn|m6|n7|k5\t3 6 1 16 8 2 7\t",
                                        "nn|m6|n7|k5\t2 5 3 4 4 8 0\t"};
  for (int i = 0; i < 3; i++) {
    tune_keeps_set(SETS, 3, i, TEXT[i]);
    char want[128];
    snprintf(want, sizeof want, "tuned nn|m6|n7|k5 -> %s (", TEXT[i]);
    char *c = choices();
    cr_assert_not_null(strstr(c, want), "%s", c);
    free(c);
    c = store_text("tuned");
    cr_assert_not_null(strstr(c, RECORD[i]), "%s", c);
    /* The record as the next process reads it: the memo replaced by the
     * store's text. */
    vs_status *st = vs_status_new();
    const char *line = strstr(c, "nn|m6|n7|k5\t");
    cr_assert_not_null(line);
    cr_assert(vs__gemm_table_write(0, "tuned", line, st), "%s", vs_status_message(st));
    free(c);
    vs_status_free(st);
    char log[8192] = "";
    stderr_capture cap = stderr_capture_begin();
    setenv("VARSCOPE_LOG", "gemm", 1);
    matmul_check(40, 72, 24, false, false);
    unsetenv("VARSCOPE_LOG");
    stderr_capture_end(cap, log, sizeof log);
    cr_assert_not_null(strstr(log, NAME[i]), "the kept set timed among the candidates: %s", log);
  }
}

/* The real search restricted to the kinds in mask kinds, on an m x n x k
 * problem (B transposed when tb), with no time limit: one progress line per
 * candidate of the kinds' search space, every one run and checked against
 * the host (none wrong or failed), bar the packed default's place, counted
 * and not run again. */
static void search_verifies(unsigned kinds, size_t m, size_t n, size_t k, bool tb) {
  vs_gemm_tune_opts o = {.m = (int64_t)m, .n = (int64_t)n, .k = (int64_t)k, .transpose_b = tb, .budget_s = 1e9,
                         .progress = count_progress};
  vs__gemm_tune_plan plan = {.kinds = kinds};
  vs_gemm_tune_result res;
  size_t space;
  free(search_space(kinds, &space));
  vs_status *st = vs_status_new();
  progress_lines = 0;
  vs__device_tune_gemm_plan(0, &plan, &o, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(res.wrong, 0);
  cr_assert_eq(res.failed, 0);
  cr_assert_eq((size_t)progress_lines, space, "one line per candidate: %d of %zu", progress_lines, space);
  size_t skipped = kinds & (1u << OWN) ? 1 : 0;
  cr_assert_eq(res.tried, space - skipped, "tried %zu of %zu", res.tried, space);
  cr_assert_gt(res.gflops_clblast, 0, "CLBlast measured beside");
  vs_status_free(st);
}

Test(gemm, every_candidate_of_the_search_verifies) {
  /* The packed form's search (B transposed: packing reads every layout). */
  search_verifies(1u << OWN, 21, 35, 13, true);
}

Test(gemm, every_k_blocked_candidate_of_the_search_verifies) {
  /* k over several chunks of the shortest chunk tried (2048 / NR). */
  search_verifies(1u << BLOCKED, 21, 35, 300, true);
}

Test(gemm, every_in_place_candidate_of_the_search_verifies) {
  /* B not transposed and C one tile of the widest set (16 x 64) at least,
   * so the in-place kernel runs every candidate. */
  search_verifies(1u << INPLACE, 21, 70, 13, false);
}

Test(gemm, blocked_and_in_place_tiles_take_the_width_of_the_fastest_packed_set) {
  /* The k-blocked and in-place tile phases walk one vector width: the
   * native one before any packed result (and in a search without the
   * packed form), the narrower one once a packed set of that width is the
   * fastest. (Their refining phases centre on their own kind's best, a
   * tile of that phase in the real search; in this listing, with no result
   * of their own, on their default, so those sets do not change.) */
  size_t n, n_own;
  vs__gemm_set *sets = search_space(0, &n), *own = search_space(1u << OWN, &n_own);
  int native = own[0].p[2];
  const vs__gemm_set *narrow = NULL;
  for (size_t i = 0; i < n_own && !narrow; i++)
    if (own[i].p[2] < native) narrow = &own[i];
  for (size_t i = n_own; i < n; i++) cr_assert_eq(sets[i].p[2], native, "set %zu (kind %d)", i, sets[i].kind);
  if (!narrow) {
    free(sets), free(own);
    cr_skip_test("the packed search has one vector width on this device");
  }
  vs_status *st = vs_status_new();
  size_t m = vs__gemm_search_space_after(0, 0, narrow->p, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(m, n, "the same length whatever the centre");
  vs__gemm_set *after = malloc(m * sizeof *after);
  cr_assert_not_null(after);
  cr_assert_eq(vs__gemm_search_space_after(0, 0, narrow->p, after, m, st), m);
  size_t blocked = 0, inplace = 0;
  for (size_t i = 0; i < m; i++) {
    cr_assert_eq(after[i].kind, sets[i].kind, "set %zu", i);
    if (after[i].kind == OWN || memcmp(&after[i], &sets[i], sizeof *after) == 0) continue;
    /* A tile phase's set: the same tile, uk, ly and chunk, at the narrow width. */
    cr_assert_eq(after[i].p[2], narrow->p[2], "set %zu (kind %d) has width %d", i, after[i].kind, after[i].p[2]);
    cr_assert_eq(sets[i].p[2], native);
    vs__gemm_set same = after[i];
    same.p[2] = native;
    cr_assert_eq(memcmp(&same, &sets[i], sizeof same), 0, "set %zu differs in more than its width", i);
    blocked += after[i].kind == BLOCKED, inplace += after[i].kind == INPLACE;
  }
  /* Each tile phase walks the packed phase's tiles at that width (the
   * register budget is the device's: fewer tiles on 16 registers than 32). */
  size_t narrow_tiles = 0;
  for (size_t i = 0; i < n_own; i++) narrow_tiles += own[i].p[2] == narrow->p[2];
  cr_assert_gt(narrow_tiles, 0);
  cr_assert_eq(blocked, narrow_tiles, "%zu k-blocked tiles at the narrow width, %zu packed", blocked, narrow_tiles);
  cr_assert_eq(inplace, narrow_tiles, "%zu in-place tiles at the narrow width, %zu packed", inplace, narrow_tiles);
  /* The first narrow set of each kind computes (edge tiles, offsets). */
  int checked = 0;
  for (size_t i = n_own; i < m; i++)
    if (after[i].p[2] == narrow->p[2] && after[i].kind != after[i - 1].kind) {
      problem p = after[i].kind == INPLACE ? make(false, false, 29, 71, 19, true) : make(true, true, 29, 41, 19, true);
      check(&p, after[i].p, after[i].kind);
      checked++;
    }
  cr_assert_eq(checked, 2);
  free(after), free(sets), free(own);
  vs_status_free(st);
}

Test(gemm, in_place_candidates_are_skipped_where_they_cannot_run) {
  /* B transposed: every in-place candidate is reported and none runs. */
  size_t space;
  free(search_space(1u << INPLACE, &space));
  vs_gemm_tune_opts o = {.m = 21, .n = 70, .k = 13, .transpose_b = true, .budget_s = 1e9, .progress = count_progress};
  vs__gemm_tune_plan plan = {.kinds = 1u << INPLACE};
  vs_gemm_tune_result res;
  vs_status *st = vs_status_new();
  progress_lines = 0;
  vs__device_tune_gemm_plan(0, &plan, &o, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq((size_t)progress_lines, space);
  cr_assert_eq(res.tried, 0);
  cr_assert_not(res.stored);
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

/* ---- the choice's rule (gemm_select.c's vs__gemm_pick): tests/test_choice_memo.c's pick suite ---- */

/* A MatMul under VARSCOPE_GEMM=setting fails with INVALID_ARGUMENT and
 * exactly gemm_select.c's refusal of a malformed setting: the setting
 * quoted, then the one text of what is accepted. */
static void expect_forced_refused(const char *setting) {
  char message[512];
  snprintf(message, sizeof message,
           "VARSCOPE_GEMM='%s': " GEMM_SETTING_FORMS, setting);
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
  /* The k-blocked kind's chunk forced too: 7 steps, k = 300 in 43 chunks. */
  setenv("VARSCOPE_GEMM", "blocked:3,1,4,2,2,7", 1);
  matmul_check(5, 7, 300, true, true);
  expect_forced_refused("inplace:3,1,4,2");
  /* A chunk only for the k-blocked kind, and within 1-8192. */
  expect_forced_refused("own:3,1,4,2,2,1");
  expect_forced_refused("blocked:3,1,4,2,2,0");
  expect_forced_refused("blocked:3,1,4,2,2,8193");
  expect_forced_refused("blocked:3,1,4,2,2,7,1");
  expect_forced_refused("own:3,1,5,2,2");
}

/* A candidate that fails when the choice times it is out, and its error
 * stays out of the run: under a device limit that holds the MatMul's
 * inputs and output (3 x 16 KB) but not the packed or k-blocked panels
 * (another 34 KB), the choice is the in-place kernel (no panels) or
 * CLBlast (whose scratch is its own), and the product is right. */
Test(gemm, a_candidate_that_fails_while_timed_is_never_chosen) {
  setenv("VARSCOPE_MEMORY_LIMIT", "60K", 1); /* before this process's first OpenCL call */
  matmul_check(64, 64, 64, false, false);
  char *c = choices();
  cr_assert(strncmp(c, "nn|m6|n6|k6 -> inplace ", 23) == 0 || strncmp(c, "nn|m6|n6|k6 -> clblast", 22) == 0, "%s", c);
  free(c);
}

Test(gemm, a_damaged_store_entry_is_never_misread) {
  vs_status *st = vs_status_new();
  char *path = vs__gemm_store_path(0, "choice", st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  expect_torn_entry_removed(path, vs_device_gemm_choices);
  free(path);
  /* Well-formed entries whose lines are not: parameters out of range, a
   * kind that does not exist, a truncated line, the chunk on a kind that
   * has none, a sign, CLBlast as a tuned set, a record of the tables'
   * previous versions (no chunk; the tuned one no kind). None is used;
   * the families are measured again and compute right. */
  cr_assert(vs__gemm_table_write(0, "choice",
                                 "nn|m3|n3|k3\t0 99 2 16 4 4 0\t1.000 ms\n"
                                 "nn|m3|n2|k2\t7 0 0 0 0 0 0\t1.000 ms\n"
                                 "nn|m2|n2|k2\t0 12 2\n"
                                 "nn|m2|n3|k2\t0 4 2 8 2 2 64\t1.000 ms\n"
                                 "nn|m2|n2|k3\t3 4 2 8 2 2 -64\t1.000 ms\n"
                                 "nn|m3|n3|k2\t3 4 2 8 2 2\t1.000 ms\n",
                                 st),
            "%s", vs_status_message(st));
  cr_assert(vs__gemm_table_write(0, "tuned",
                                 "nn|m3|n3|k3\t0 12 2 17 4 4 0\t9.0 GFLOP/s\n"
                                 "nn|m3|n2|k2\t1 0 0 0 0 0 0\t9.0 GFLOP/s\n"
                                 "nn|m2|n3|k2\t2 4 2 8 2 2 64\t9.0 GFLOP/s\n"
                                 "nn|m2|n2|k3\t3 4 2 8 +2 2 64\t9.0 GFLOP/s\n"
                                 "nn|m6|n7|k5\t4 2 8 2 2\t9.0 GFLOP/s\n",
                                 st),
            "%s", vs_status_message(st));
  char *c = choices();
  cr_assert_str_eq(c, "", "no planted line lists: %s", c);
  free(c);
  /* The family whose tuned record is damaged is tuned again. */
  tune_keeps("blocked rm=8 nv=1 vec=16 uk=1 ly=4 kc=128");
  c = choices();
  cr_assert_not_null(strstr(c, "tuned nn|m6|n7|k5 -> blocked rm=8 nv=1 vec=16 uk=1 ly=4 kc=128 ("), "%s", c);
  free(c);
  matmul_check(7, 7, 7, false, false);
  matmul_check(5, 3, 4, false, false);
  matmul_check(4, 4, 4, false, false);
  matmul_check(3, 5, 3, false, false);
  matmul_check(4, 3, 5, false, false);
  matmul_check(7, 7, 3, false, false);
  c = choices();
  cr_assert_not_null(strstr(c, "nn|m3|n3|k3 -> "), "%s", c);
  cr_assert_not_null(strstr(c, "nn|m3|n2|k2 -> "), "%s", c);
  cr_assert_not_null(strstr(c, "nn|m2|n2|k2 -> "), "%s", c);
  cr_assert_not_null(strstr(c, "nn|m2|n3|k2 -> "), "%s", c);
  cr_assert_not_null(strstr(c, "nn|m2|n2|k3 -> "), "%s", c);
  cr_assert_not_null(strstr(c, "nn|m3|n3|k2 -> "), "%s", c);
  free(c);
  vs_status_free(st);
}
