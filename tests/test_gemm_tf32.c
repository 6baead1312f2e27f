/* test_gemm_tf32.c - the opt-in TF32 GEMM (cl_kernels/gemm_mma.cl,
 * engine/kernels/gemm_mma.c) and its switch, vs_session_opts.
 * tensor_float_32_execution.
 *
 * On PoCL the kernel runs with its emulation of mma.sync.m16n8k8 .tf32
 * (the fragment layout and lane numbering of the GPU, the instruction done
 * through __local scratch), so everything but the instruction is checked
 * here; tools/gpu-check.sh runs this file on an NVIDIA GPU, where the
 * real instruction runs instead.
 *
 * Tolerances. The kernel rounds op(A) and op(B) to TF32 (11 significant
 * bits) and sums the products in float32. A product of two TF32 values is
 * exact in float32 (22 bits), so against a double reference built from the
 * TF32-rounded inputs only the k float32 additions err: in any order, at
 * most gamma_k = k u / (1 - k u) of the sum of |products| (u = 2^-24);
 * 2 (k + 2) u is allowed, covering accumulators that truncate rather than
 * round (tensor cores' internal summation is not documented). Against the
 * float32 product of the unrounded inputs, each rounded input is off by at
 * most 2^-11 relative, each product by at most 2^-10 + 2^-22: 2^-10 + 2^-21
 * of the sum of |products| more. And the TF32 result must differ from the
 * float32 reference somewhere by more than float32 summation could
 * (rounding really happened). Elements of the C buffer outside the product
 * must be left as they were. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../engine/kernels/gemm_tuning.h"
#include "../engine/kernels/launch_grid.h"
#include "gemm_problem.h"
#include "tuning_support.h"
#include "varscope/nn.h"
#include "varscope/ops.h"
#include "varscope/session.h"
#include "varscope/train.h"

static char dir[256];

static void setup(void) {
  scratch_dir_new(dir, sizeof dir, "vs-tf32");
  setenv("VARSCOPE_CACHE_DIR", dir, 1); /* before any OpenCL call of this process */
  unsetenv("VARSCOPE_GEMM");
}

static void teardown(void) { scratch_dir_remove(dir); }

/* Emulated instructions under sanitizers are slow, but the sizes are small. */
TestSuite(gemm_tf32, .init = setup, .fini = teardown, .timeout = 600);

enum { TF32 = 4 }; /* vs__gemm_run_host's kind */

static uint32_t bits(float x) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

static float from_bits(uint32_t u) {
  float x;
  memcpy(&x, &u, sizeof x);
  return x;
}

/* The host reference's rounding, cvt.rna.tf32.f32's rule written out
 * independently of the kernel's: the nearest value with 10 mantissa bits,
 * ties away from zero, by comparing the dropped bits with half a unit. */
static float tf32_host(float x) {
  uint32_t u = bits(x), low = u & 0x1fffu, kept = u & ~0x1fffu;
  if ((u & 0x7f800000u) == 0x7f800000u) return x; /* Inf, NaN: compared by class */
  if (low >= 0x1000u) kept += 0x2000u;            /* half a unit or more: away from zero */
  return from_bits(kept);
}

/* {input, the TF32 value}: exact values, just below and at a tie (kept
 * bits even, where ties-to-even would go down), negative ties, carries
 * into the exponent, the largest finite values rounding to infinity,
 * infinities, and subnormals (rounded like normals, one rounding up into
 * the smallest normal). */
static const uint32_t CASES[][2] = {
    {0x3f800000u, 0x3f800000u}, /* 1 */
    {0x3f800fffu, 0x3f800000u}, /* below half a unit: down */
    {0x3f801000u, 0x3f802000u}, /* a tie, kept bits even: away from zero (ties-to-even would give 1) */
    {0x3f803000u, 0x3f804000u}, /* a tie, kept bits odd */
    {0x3f801001u, 0x3f802000u}, /* above half: up */
    {0xbf801000u, 0xbf802000u}, /* a negative tie: away from zero, -1.000244 */
    {0xbf800fffu, 0xbf800000u},
    {0x3fffffffu, 0x40000000u}, /* the mantissa overflows: the exponent carries (2) */
    {0x3ffff000u, 0x40000000u}, /* a tie at the top */
    {0x3fffefffu, 0x3fffe000u}, /* just below it */
    {0x7f7fffffu, 0x7f800000u}, /* FLT_MAX: rounds to infinity */
    {0x7f7fefffu, 0x7f7fe000u}, /* the largest finite TF32 value */
    {0xff7ff000u, 0xff800000u}, /* a negative tie at the top: -infinity */
    {0x7f800000u, 0x7f800000u}, /* infinities kept */
    {0xff800000u, 0xff800000u},
    {0x00000000u, 0x00000000u}, /* zeros kept with their sign */
    {0x80000000u, 0x80000000u},
    {0x00000fffu, 0x00000000u}, /* the smallest subnormals: down to zero */
    {0x00001000u, 0x00002000u}, /* a subnormal tie: away from zero */
    {0x80001000u, 0x80002000u},
    {0x007ff000u, 0x00800000u}, /* the largest subnormal tie: up into the smallest normal */
    {0x00123456u, 0x00124000u},
    {0x3eaaaaabu, 0x3eaaa000u}, /* 1/3 */
    {0x40490fdbu, 0x40490000u}, /* pi */
};
#define NCASES (sizeof CASES / sizeof *CASES)

Test(gemm_tf32, rounding_exact_cases) {
  float x[NCASES + 3], y[NCASES + 3];
  for (size_t i = 0; i < NCASES; i++) x[i] = from_bits(CASES[i][0]);
  /* NaNs, one whose payload lies only in the 13 dropped bits: a NaN must
   * stay a NaN (truncated, it would read as infinity). */
  x[NCASES] = from_bits(0x7fc00000u), x[NCASES + 1] = from_bits(0x7f800001u), x[NCASES + 2] = from_bits(0xff800fffu);
  vs_status *st = vs_status_new();
  cr_assert(vs__tf32_round_host(0, x, y, NCASES + 3, st), "%s", vs_status_message(st));
  for (size_t i = 0; i < NCASES; i++) {
    cr_assert_eq(bits(y[i]), CASES[i][1], "kernel: 0x%08x -> 0x%08x, want 0x%08x", CASES[i][0], bits(y[i]),
                 CASES[i][1]);
    cr_assert_eq(bits(tf32_host(x[i])), CASES[i][1], "host: 0x%08x -> 0x%08x, want 0x%08x", CASES[i][0],
                 bits(tf32_host(x[i])), CASES[i][1]);
  }
  /* What the instruction reads of a NaN (its top 19 bits) must be a NaN;
   * the low 13 bits may hold anything (the PTX ISA leaves cvt's NaN
   * result's payload to the hardware). */
  for (size_t i = NCASES; i < NCASES + 3; i++)
    cr_assert(isnan(from_bits(bits(y[i]) & ~0x1fffu)), "0x%08x -> 0x%08x, not a NaN in its top 19 bits", bits(x[i]),
              bits(y[i]));
  vs_status_free(st);
}

/* Runs p with the TF32 kernel under params ({wm, wn, fm, fn, ks}) and
 * checks it as the header says; k = 0 wants zeros. */
static void check(const problem *p, const int *params) {
  size_t na, nb, nc;
  float *a, *b, *c;
  cr_assert(problem_buffers(p, &a, &na, &b, &nb, &c, &nc));
  vs_status *st = vs_status_new();
  char what[160];
  snprintf(what, sizeof what, "%c%c m=%zu n=%zu k=%zu offsets %zu,%zu,%zu ld %zu,%zu,%zu set %d,%d,%d,%d,%d",
           p->ta ? 't' : 'n', p->tb ? 't' : 'n', p->m, p->n, p->k, p->a_off, p->b_off, p->c_off, p->lda, p->ldb, p->ldc,
           params[0], params[1], params[2], params[3], params[4]);
  bool ok = vs__gemm_run_host(0, params, TF32, p->ta, p->tb, p->m, p->n, p->k, a, na, p->a_off, p->lda, b, nb,
                              p->b_off, p->ldb, c, nc, p->c_off, p->ldc, st);
  cr_assert(ok, "%s: %s", what, vs_status_message(st));
  const double u = 1.0 / (1 << 24);
  double worst_fp32 = 0; /* the largest |C - float32 reference| in units of its summation bound */
  for (size_t i = 0; i < nc; i++) {
    size_t rel = i - p->c_off, row = rel / p->ldc, col = rel % p->ldc;
    if (!(i >= p->c_off && row < p->m && col < p->n)) {
      cr_assert_eq(c[i], GEMM_SENTINEL, "%s: C buffer element %zu outside the product was written (%g)", what, i, c[i]);
      continue;
    }
    double want = 0, want32 = 0, mag = 0;
    for (size_t kk = 0; kk < p->k; kk++) {
      float x = a[p->a_off + (p->ta ? kk * p->lda + row : row * p->lda + kk)];
      float y = b[p->b_off + (p->tb ? col * p->ldb + kk : kk * p->ldb + col)];
      want += (double)tf32_host(x) * tf32_host(y), want32 += (double)x * y, mag += fabs((double)x * y);
    }
    double sum_bound = 2.0 * (double)(p->k + 2) * u * mag;
    cr_assert_leq(fabs(c[i] - want), sum_bound, "%s: C[%zu,%zu] = %.9g, the TF32 reference %.9g (bound %.3g)", what,
                  row, col, c[i], want, sum_bound);
    double tf32_bound = (1.0 / 1024 + 1.0 / (1 << 21)) * mag + sum_bound;
    cr_assert_leq(fabs(c[i] - want32), tf32_bound, "%s: C[%zu,%zu] = %.9g, the float32 reference %.9g (bound %.3g)",
                  what, row, col, c[i], want32, tf32_bound);
    if (mag > 0 && fabs(c[i] - want32) / sum_bound > worst_fp32) worst_fp32 = fabs(c[i] - want32) / sum_bound;
  }
  /* TF32 loses 13 bits: with k >= 8 some element is off the float32
   * product by far more than float32 summation errs. */
  if (p->k >= 8 && p->m * p->n >= 16)
    cr_assert_gt(worst_fp32, 4.0, "%s: the result looks like float32 (worst %.3g summation bounds off)", what,
                 worst_fp32);
  vs_status_free(st);
  free(a), free(b), free(c);
}

/* Every set selection times and the tests run (vs__mma_sets' order): 64 x
 * 64 of 4 warps, 128 x 128 of 8, 128 x 64 of 4, 16 x 8 of one warp; and
 * one with a 64-deep slice and warps 1 x 2. (Each fits the 48 KB of local
 * memory of NVIDIA's OpenCL: gpu-check runs this file there.) */
static const int SETS[][5] = {{2, 2, 2, 4, 16}, {2, 4, 4, 4, 16}, {2, 2, 4, 4, 16}, {1, 1, 1, 1, 8}, {1, 2, 1, 2, 64}};
#define NSETS (sizeof SETS / sizeof *SETS)

/* Odd sizes, none a multiple of any tile (16 x 8 fragments, slices of 8
 * to 64), across several tiles of the small sets, and one fragment. */
static const size_t SIZES[][3] = {{37, 29, 45}, {1, 1, 1}, {17, 9, 9}, {70, 130, 67}};

Test(gemm_tf32, every_set_transpose_and_odd_size_against_the_host) {
  for (size_t s = 0; s < NSETS; s++)
    for (int t = 0; t < 4; t++)
      for (size_t z = 0; z < sizeof SIZES / sizeof *SIZES; z++) {
        /* The largest size on the one-fragment set only (the emulation's
         * barriers per instruction make the bigger sets slow there). */
        if (z == 3 && s != 3) continue;
        problem p = make(t & 1, t >> 1, SIZES[z][0], SIZES[z][1], SIZES[z][2], (t + (int)z) % 2 == 1);
        check(&p, SETS[s]);
      }
}

/* Offsets and leading dimensions multiples of 4: the kernel stages its
 * slices in float4 loads (gemm_mma.c's va, vb), the runs that cross m, n
 * or k (none of them a multiple of 4) element by element; every
 * transpose, and A aligned with B not, and the reverse. */
Test(gemm_tf32, float4_staging_on_aligned_operands) {
  for (size_t s = 0; s < NSETS; s++)
    for (int t = 0; t < 4; t++)
      for (int mix = 0; mix < 3; mix++) {
        problem p = make(t & 1, t >> 1, 37, 29, 45, mix > 0);
        if (mix != 2) p.a_off = 8, p.lda = (p.lda + 3) / 4 * 4 + 4; /* mix 1: B padded and unaligned */
        if (mix != 1) p.b_off = 4, p.ldb = (p.ldb + 3) / 4 * 4;     /* mix 2: A padded and unaligned */
        check(&p, SETS[s]);
      }
}

/* On a device taking fewer work-groups per launch than a product's tiles
 * (CUDA: 65535 column blocks along dimension 1; pretended here, 2 row
 * blocks along 0 and 3 column blocks along 1, and 1 and 1), gemm_mma.c
 * cuts the product into sub-products of whole tiles, each with its
 * operands' offsets moved: the result is bitwise the uncut one (each
 * element's tile computes it alike wherever the tile lies), every
 * transpose, offsets and padding included. A piece past the caps would
 * be refused (launch_grid.h: the kernel is never cut by offsets), so the
 * cut runs did run in pieces. */
Test(gemm_tf32, a_product_cut_to_the_devices_groups_is_the_uncut_one) {
  static const size_t caps[][3] = {{2, 3, 0}, {1, 1, 1}};
  const int *sets[] = {SETS[3], SETS[0], SETS[3], SETS[0]};
  for (size_t s = 0; s < 4; s++)
    for (int t = 0; t < 4; t++) {
      /* 5 x 4 tiles of the one-fragment set (16 x 8), 2 x 2 of 64 x 64;
       * padded (unaligned operands: staged a float at a time), then in the
       * tightest layout with every dimension a multiple of 4, so each
       * piece's operands stay aligned and are staged as float4 (rev13:
       * the cut's usual case on a GPU). */
      bool padded = s < 2;
      problem p = s % 2 == 0 ? make(t & 1, t >> 1, padded ? 70 : 72, padded ? 30 : 32, padded ? 13 : 16, padded)
                             : make(t & 1, t >> 1, padded ? 70 : 72, padded ? 66 : 68, padded ? 9 : 8, padded);
      size_t na, nb, nc;
      float *a, *b, *whole, *cut;
      cr_assert(problem_buffers(&p, &a, &na, &b, &nb, &whole, &nc));
      cut = malloc(nc * sizeof *cut);
      cr_assert(cut);
      memcpy(cut, whole, nc * sizeof *cut);
      vs_status *st = vs_status_new();
      cr_assert(vs__gemm_run_host(0, sets[s], TF32, p.ta, p.tb, p.m, p.n, p.k, a, na, p.a_off, p.lda, b, nb, p.b_off,
                                  p.ldb, whole, nc, p.c_off, p.ldc, st),
                "%s", vs_status_message(st));
      for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
        for (size_t i = 0; i < nc; i++) cut[i] = GEMM_SENTINEL;
        vs__grid_caps_pretend(0, caps[c]);
        bool ok = vs__gemm_run_host(0, sets[s], TF32, p.ta, p.tb, p.m, p.n, p.k, a, na, p.a_off, p.lda, b, nb,
                                    p.b_off, p.ldb, cut, nc, p.c_off, p.ldc, st);
        vs__grid_caps_pretend(0, NULL);
        cr_assert(ok, "set %zu transposes %d caps %zu: %s", s, t, c, vs_status_message(st));
        for (size_t i = 0; i < nc; i++)
          cr_assert_eq(bits(cut[i]), bits(whole[i]), "set %zu transposes %d caps %zu: C buffer [%zu] %.9g, uncut %.9g",
                       s, t, c, i, cut[i], whole[i]);
      }
      vs_status_free(st);
      free(a), free(b), free(whole), free(cut);
    }
}

Test(gemm_tf32, k_zero_writes_zeros_and_empty_products_write_nothing) {
  for (size_t s = 0; s < NSETS; s++) {
    problem p = make(false, true, 19, 11, 0, true);
    check(&p, SETS[s]); /* every element of the product: 0 within 0 */
    p = make(true, false, 0, 11, 5, true);
    check(&p, SETS[s]);
    p = make(false, false, 19, 0, 5, true); /* padded: ldc 2, not 0 */
    check(&p, SETS[s]);
  }
}

Test(gemm_tf32, k_zero_is_exactly_zero) {
  float a[1] = {1}, b[1] = {1}, c[6] = {7, 7, 7, 7, 7, 7};
  vs_status *st = vs_status_new();
  cr_assert(vs__gemm_run_host(0, SETS[3], TF32, false, false, 2, 3, 0, a, 1, 0, 1, b, 1, 0, 3, c, 6, 0, 3, st), "%s",
            vs_status_message(st));
  for (int i = 0; i < 6; i++) cr_assert_eq(bits(c[i]), 0u, "C[%d] = %g", i, c[i]);
  vs_status_free(st);
}

/* Sets out of range are INVALID_ARGUMENT with the reason, and nothing is
 * written. (Sets beyond a device's limits are RESOURCE_EXHAUSTED, but no
 * valid set exceeds PoCL's: 512 items of its 4096, 586 KB of its 2 MB of
 * local memory.) */
Test(gemm_tf32, sets_checked_against_the_device) {
  float a[64] = {0}, b[64] = {0}, c[64];
  for (int i = 0; i < 64; i++) c[i] = 5;
  vs_status *st = vs_status_new();
  const int bad_ks[5] = {1, 1, 1, 1, 12};
  cr_assert_not(vs__gemm_run_host(0, bad_ks, TF32, false, false, 8, 8, 8, a, 64, 0, 8, b, 64, 0, 8, c, 64, 0, 8, st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT, "%s", vs_status_message(st));
  cr_assert_str_eq(vs_status_message(st), "SGEMM 8x8x8: tf32 1,1,1,1,12: parameters out of range");
  const int many_warps[5] = {4, 5, 1, 1, 8};
  cr_assert_not(
      vs__gemm_run_host(0, many_warps, TF32, false, false, 8, 8, 8, a, 64, 0, 8, b, 64, 0, 8, c, 64, 0, 8, st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT, "%s", vs_status_message(st));
  cr_assert_str_eq(vs_status_message(st), "SGEMM 8x8x8: tf32 4,5,1,1,8: parameters out of range");
  for (int i = 0; i < 64; i++) cr_assert_eq(c[i], 5.0f);
  vs_status_free(st);
}

/* C = A x B through a session (MatMul), A 24 x 40 and B 40 x 20 (large
 * enough to run on the device, not inline), with the switch as given;
 * returns the product (m x n, malloc'd). */
static float *session_matmul(bool tf32, const float *a, const float *b, size_t m, size_t n, size_t k) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_output x = vs_constant(g, a, VS_FLOAT, VS_SHAPE((int64_t)m, (int64_t)k), "a", st);
  vs_output y = vs_constant(g, b, VS_FLOAT, VS_SHAPE((int64_t)k, (int64_t)n), "b", st);
  vs_output z = vs_matmul(g, x, y, NULL, st);
  vs_session_opts opts = {.tensor_float_32_execution = tf32};
  vs_session *s = vs_session_new(g, &opts, st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &z, &t, 1, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  float *out = malloc(m * n * sizeof *out);
  memcpy(out, vs_tensor_data(t), m * n * sizeof *out);
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
  return out;
}

/* The largest |got - TF32 reference| and |got - float32 reference| over
 * C = A x B, each in units of 2 (k + 2) u x the sum of |products|. */
static void distances(const float *got, const float *a, const float *b, size_t m, size_t n, size_t k, double *to_tf32,
                      double *to_fp32) {
  *to_tf32 = *to_fp32 = 0;
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) {
      double w = 0, w32 = 0, mag = 0;
      for (size_t kk = 0; kk < k; kk++) {
        w += (double)tf32_host(a[i * k + kk]) * tf32_host(b[kk * n + j]);
        w32 += (double)a[i * k + kk] * b[kk * n + j], mag += fabs((double)a[i * k + kk] * b[kk * n + j]);
      }
      double unit = 2.0 * (double)(k + 2) / (1 << 24) * mag;
      if (fabs(got[i * n + j] - w) / unit > *to_tf32) *to_tf32 = fabs(got[i * n + j] - w) / unit;
      if (fabs(got[i * n + j] - w32) / unit > *to_fp32) *to_fp32 = fabs(got[i * n + j] - w32) / unit;
    }
}

enum { M = 24, N = 20, K = 40 };


/* On a device without matrix units the switch changes nothing: the same
 * bits as a session without it (as TF's switch on a CPU). */
Test(gemm_tf32, switch_on_without_matrix_units_gives_the_float32_bits) {
  if (device0_tf32_units()) cr_skip_test("device 0 has TF32 matrix units: the switch may change results there");
  float a[M * K], b[K * N];
  for (size_t i = 0; i < M * K; i++) a[i] = value(i, 5);
  for (size_t i = 0; i < K * N; i++) b[i] = value(i, 6);
  float *off = session_matmul(false, a, b, M, N, K), *on = session_matmul(true, a, b, M, N, K);
  cr_assert_eq(memcmp(off, on, sizeof(float) * M * N), 0, "the switch changed a float32 result without matrix units");
  double to_tf32, to_fp32;
  distances(on, a, b, M, N, K, &to_tf32, &to_fp32);
  cr_assert_leq(to_fp32, 1.0, "not the float32 product (%.3g bounds off)", to_fp32);
  /* No TF32 family was chosen or kept. */
  char *list = tuning_choices(vs_device_gemm_choices);
  cr_assert_null(strstr(list, "tf32"), "%s", list);
  free(list), free(off), free(on);
}

/* The switch reaches the GEMM: with the kernel forced (VARSCOPE_GEMM=tf32,
 * the emulation here), a session with the switch on gets the TF32
 * product, one without it the float32 product it got unforced, bit for
 * bit. */
Test(gemm_tf32, switch_plumbed_through_a_session_run) {
  float a[M * K], b[K * N];
  for (size_t i = 0; i < M * K; i++) a[i] = value(i, 7);
  for (size_t i = 0; i < K * N; i++) b[i] = value(i, 8);
  float *plain = session_matmul(false, a, b, M, N, K);
  setenv("VARSCOPE_GEMM", "tf32:1,1,1,1,8", 1);
  float *off = session_matmul(false, a, b, M, N, K), *on = session_matmul(true, a, b, M, N, K);
  setenv("VARSCOPE_GEMM", "tf32", 1); /* the first set */
  float *on_default = session_matmul(true, a, b, M, N, K);
  unsetenv("VARSCOPE_GEMM");
  cr_assert_eq(memcmp(plain, off, sizeof(float) * M * N), 0, "a session without the switch did not get float32");
  double to_tf32, to_fp32;
  distances(on, a, b, M, N, K, &to_tf32, &to_fp32);
  cr_assert_leq(to_tf32, 1.0, "not the TF32 product (%.3g bounds off)", to_tf32);
  cr_assert_gt(to_fp32, 4.0, "the float32 product, not TF32 (%.3g bounds off)", to_fp32);
  distances(on_default, a, b, M, N, K, &to_tf32, &to_fp32);
  cr_assert_leq(to_tf32, 1.0, "tf32 (first set): not the TF32 product (%.3g bounds off)", to_tf32);
  free(plain), free(off), free(on), free(on_default);
}

/* MatMul's gradients are GEMMs too: d sum(A x B) / dA = ones x B^T, each
 * element the sum of a row of B. With the switch and the forced kernel,
 * B's elements are rounded to TF32 first (ones are exact). */
Test(gemm_tf32, gradient_gemms_take_the_switch) {
  float a[M * K], b[K * N];
  for (size_t i = 0; i < M * K; i++) a[i] = value(i, 9);
  for (size_t i = 0; i < K * N; i++) b[i] = value(i, 10);
  setenv("VARSCOPE_GEMM", "tf32:1,1,1,1,8", 1);
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_output x = vs_constant(g, a, VS_FLOAT, VS_SHAPE(M, K), "a", st);
  vs_output y = vs_constant(g, b, VS_FLOAT, VS_SHAPE(K, N), "b", st);
  vs_output z = vs_reduce_sum(g, vs_matmul(g, x, y, NULL, st), NULL, st);
  vs_output da;
  vs_gradients(g, &z, 1, &x, 1, NULL, &da, st);
  expect_ok(st);
  vs_session_opts opts = {.tensor_float_32_execution = true};
  vs_session *s = vs_session_new(g, &opts, st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &da, &t, 1, NULL, 0, st);
  unsetenv("VARSCOPE_GEMM");
  expect_ok(st);
  const float *got = vs_tensor_data(t);
  int differ = 0;
  for (size_t i = 0; i < M; i++)
    for (size_t kk = 0; kk < K; kk++) {
      double w = 0, w32 = 0, mag = 0;
      for (size_t j = 0; j < N; j++) w += tf32_host(b[kk * N + j]), w32 += b[kk * N + j], mag += fabs(b[kk * N + j]);
      double bound = 2.0 * (N + 2) / (1 << 24) * mag;
      cr_assert_leq(fabs(got[i * K + kk] - w), bound, "dA[%zu,%zu] = %.9g, TF32 %.9g", i, kk, got[i * K + kk], w);
      differ += fabs(got[i * K + kk] - w32) > 4 * bound;
    }
  cr_assert_gt(differ, 0, "the gradient looks like float32");
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* conv2d's im2col route runs its GEMM through the same choice: with the
 * switch and the forced kernel, x (1 x 6 x 7 x 5) * f (3 x 3 x 5 x 12),
 * SAME, + bias, relu is the TF32 product of the patches (the TF32 kernel
 * has no epilogue: conv2d applies bias and relu after it, which must still
 * happen), within the TF32 bounds, and off the float32 one. */
Test(gemm_tf32, conv_im2col_gemm_takes_the_switch) {
  enum { H = 6, W = 7, C = 5, KH = 3, KW = 3, KO = 12 };
  static float x[H * W * C], f[KH * KW * C * KO], bias[KO];
  for (size_t i = 0; i < H * W * C; i++) x[i] = value(i, 11);
  for (size_t i = 0; i < KH * KW * C * KO; i++) f[i] = value(i, 12);
  for (size_t i = 0; i < KO; i++) bias[i] = value(i, 13) * 0.25f;
  setenv("VARSCOPE_CONV", "im2col", 1);
  setenv("VARSCOPE_GEMM", "tf32:1,1,1,1,8", 1);
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_output xi = vs_constant(g, x, VS_FLOAT, VS_SHAPE(1, H, W, C), "x", st);
  vs_output fi = vs_constant(g, f, VS_FLOAT, VS_SHAPE(KH, KW, C, KO), "f", st);
  vs_output bi = vs_constant(g, bias, VS_FLOAT, VS_SHAPE(KO), "b", st);
  vs_output y = vs_relu(g, vs_bias_add(g, vs_conv2d(g, xi, fi, &(vs_conv2d_opts){.padding = "SAME"}, st), bi, NULL, st),
                        NULL, st);
  vs_session_opts opts = {.tensor_float_32_execution = true};
  vs_session *s = vs_session_new(g, &opts, st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &y, &t, 1, NULL, 0, st);
  unsetenv("VARSCOPE_GEMM");
  unsetenv("VARSCOPE_CONV");
  expect_ok(st);
  const float *got = vs_tensor_data(t);
  int differ = 0, positive = 0;
  for (int oy = 0; oy < H; oy++)
    for (int ox = 0; ox < W; ox++)
      for (int o = 0; o < KO; o++) {
        double w = 0, w32 = 0, mag = 0;
        int taps = 0;
        for (int ky = 0; ky < KH; ky++)
          for (int kx = 0; kx < KW; kx++) {
            int iy = oy + ky - 1, ix = ox + kx - 1; /* SAME, 3 x 3: one row and column of zeros around */
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            for (int c = 0; c < C; c++) {
              float xv = x[(iy * W + ix) * C + c], fv = f[((ky * KW + kx) * C + c) * KO + o];
              w += (double)tf32_host(xv) * tf32_host(fv), w32 += (double)xv * fv, mag += fabs((double)xv * fv);
              taps++;
            }
          }
        double bound = 2.0 * (KH * KW * C + 2) / (1 << 24) * (mag + fabs(bias[o]));
        w += bias[o], w32 += bias[o];
        double want = w > 0 ? w : 0, want32 = w32 > 0 ? w32 : 0;
        float v = got[(oy * W + ox) * KO + o];
        cr_assert_leq(fabs(v - want), bound, "y[%d,%d,%d] = %.9g, TF32 %.9g (%d taps)", oy, ox, o, v, want, taps);
        positive += v > 0;
        differ += fabs(v - want32) > 4 * bound;
      }
  cr_assert_gt(positive, 0, "relu left nothing");
  cr_assert_gt(differ, 0, "the convolution looks like float32");
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* The choice table keeps the TF32 kernel's records ("4 wm wn fm fn ks 0")
 * under tf32| families; a record out of range or with anything but 0
 * last is skipped. (The tuned table's TF32 records are the tuner's TF32
 * search's: tuner_tf32_record_under_a_plain_family_is_never_run.) */
Test(gemm_tf32, choice_records_of_the_tf32_kernel) {
  vs_status *st = vs_status_new();
  cr_assert(vs__gemm_table_write(0, "choice",
                                 "tf32|nn|m5|n5|k6\t4 2 2 2 4 16 0\t1.000 ms\n"
                                 "tf32|nt|m5|n5|k6\t4 2 2 2 4 12 0\t1.000 ms\n"
                                 "tf32|tn|m5|n5|k6\t4 2 2 2 4 16 1\t1.000 ms\n"
                                 "tf32|tt|m5|n5|k6\t4 4 5 1 1 8 0\t1.000 ms\n",
                                 st),
            "%s", vs_status_message(st));
  char *list = tuning_choices(vs_device_gemm_choices);
  cr_assert_not_null(strstr(list, "tf32|nn|m5|n5|k6 -> tf32 w2x2 f2x4 k16"), "%s", list);
  static const char *const skipped[] = {"tf32|nt", "tf32|tn", "tf32|tt"};
  for (size_t i = 0; i < sizeof skipped / sizeof *skipped; i++)
    cr_assert_null(strstr(list, skipped[i]), "%s listed: %s", skipped[i], list);
  free(list);
  vs_status_free(st);
}

/* Runs a 48 x 36 x 40 MatMul in a session with the switch as given under
 * VARSCOPE_LOG=gemm; the product into out (malloc'd), the log into log. */
static float *logged_matmul(bool tf32, const float *a, const float *b, char *log, size_t cap) {
  stderr_capture c = stderr_capture_begin();
  setenv("VARSCOPE_LOG", "gemm", 1);
  float *out = session_matmul(tf32, a, b, 48, 36, 40);
  unsetenv("VARSCOPE_LOG");
  stderr_capture_end(c, log, cap);
  return out;
}

/* Where the device has matrix units (pretended here: the choice's view;
 * the kernel stays the emulation), the switch puts the TF32 sets among the
 * timed candidates under a family of their own, and whichever wins, the
 * product is its kind's; without the switch, the float32 family, its
 * candidates only, and the float32 product; the two choices are kept
 * apart, and neither is measured again. */
Test(gemm_tf32, choice_with_matrix_units_times_the_tf32_sets) {
  float a[48 * 40], b[40 * 36];
  for (size_t i = 0; i < 48 * 40; i++) a[i] = value(i, 14);
  for (size_t i = 0; i < 40 * 36; i++) b[i] = value(i, 15);
  vs__tf32_units_pretend(0, true);
  static char log[16384];
  float *on = logged_matmul(true, a, b, log, sizeof log);
  cr_assert_not_null(strstr(log, "varscope: sgemm tf32|nn|m6|n6|k6 (48x36x40"), "%s", log);
  cr_assert_not_null(strstr(log, ", tf32 w2x2 f2x4 k16 "), "%s", log);
  cr_assert_not_null(strstr(log, ", tf32 w2x4 f4x4 k16 "), "%s", log);
  cr_assert_not_null(strstr(log, ", tf32 w2x2 f4x4 k16 "), "%s", log);
  bool tf32_won = strstr(log, "-> tf32 ") != NULL;
  double to_tf32, to_fp32;
  distances(on, a, b, 48, 36, 40, &to_tf32, &to_fp32);
  if (tf32_won) cr_assert_leq(to_tf32, 1.0, "a TF32 choice, not the TF32 product: %s", log);
  else cr_assert_leq(to_fp32, 1.0, "a float32 choice, not the float32 product: %s", log);
  float *off = logged_matmul(false, a, b, log, sizeof log);
  cr_assert_not_null(strstr(log, "varscope: sgemm nn|m6|n6|k6 (48x36x40"), "%s", log);
  cr_assert_null(strstr(log, "tf32"), "%s", log);
  distances(off, a, b, 48, 36, 40, &to_tf32, &to_fp32);
  cr_assert_leq(to_fp32, 1.0, "not the float32 product (%.3g bounds off)", to_fp32);
  free(on);
  on = logged_matmul(true, a, b, log, sizeof log); /* kept: not measured again */
  cr_assert_null(strstr(log, "sgemm"), "%s", log);
  vs__tf32_units_pretend(0, false);
  char *list = tuning_choices(vs_device_gemm_choices);
  cr_assert_not_null(strstr(list, "tf32|nn|m6|n6|k6 -> "), "%s", list);
  cr_assert(strncmp(list, "nn|m6|n6|k6 -> ", 15) == 0 || strstr(list, "\nnn|m6|n6|k6 -> "), "%s", list);
  free(list), free(on), free(off);
}

/* A plan step's memo of its GEMM choice is keyed by whether TF32 was
 * allowed too: the same step of a session with the switch on, its
 * float32 choice memoised while the device had no matrix units, measures
 * the TF32 family once the device has them (pretended), instead of
 * reusing the float32 choice. */
Test(gemm_tf32, step_memo_keeps_tf32_and_float32_choices_apart) {
  if (device0_tf32_units()) cr_skip_test("device 0 has TF32 matrix units: its first runs already allow TF32");
  float a[48 * 40], b[40 * 36];
  for (size_t i = 0; i < 48 * 40; i++) a[i] = value(i, 16);
  for (size_t i = 0; i < 40 * 36; i++) b[i] = value(i, 17);
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_output x = vs_constant(g, a, VS_FLOAT, VS_SHAPE(48, 40), "a", st);
  vs_output y = vs_constant(g, b, VS_FLOAT, VS_SHAPE(40, 36), "b", st);
  vs_output z = vs_matmul(g, x, y, NULL, st);
  vs_session_opts opts = {.tensor_float_32_execution = true};
  vs_session *s = vs_session_new(g, &opts, st);
  for (int i = 0; i < 3; i++) { /* measured, then kept and memoised by the step, then from the memo */
    vs_tensor *t = NULL;
    vs_session_run(s, NULL, NULL, 0, &z, &t, 1, NULL, 0, st);
    expect_ok(st);
    vs_tensor_free(t);
  }
  vs__tf32_units_pretend(0, true);
  char log[16384];
  session_run_logged(s, z, "gemm", log, sizeof log);
  vs__tf32_units_pretend(0, false);
  cr_assert_not_null(strstr(log, "varscope: sgemm tf32|nn|m6|n6|k6 (48x36x40"), "%s", log);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* A malformed tf32 setting is refused with the setting and the accepted
 * forms, whatever the switch. */
Test(gemm_tf32, malformed_setting_refused) {
  const char *bad[] = {"tf32:1,1,1,1", "tf32:1,1,1,1,12", "tf32:4,5,1,1,8", "tf32:1,1,9,1,8", "tf32x"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char want[512];
    snprintf(want, sizeof want,
             "VARSCOPE_GEMM='%s': " GEMM_SETTING_FORMS, bad[i]);
    setenv("VARSCOPE_GEMM", bad[i], 1);
    vs_status *st = vs_status_new();
    vs_graph *g = vs_graph_new();
    float v[4] = {1, 2, 3, 4};
    vs_output x = vs_constant(g, v, VS_FLOAT, VS_SHAPE(2, 2), "x", st);
    vs_output z = vs_matmul(g, x, x, NULL, st);
    vs_session_opts opts = {.tensor_float_32_execution = i % 2 == 0};
    vs_session *s = vs_session_new(g, &opts, st);
    vs_tensor *t = NULL;
    vs_session_run(s, NULL, NULL, 0, &z, &t, 1, NULL, 0, st);
    cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT, "%s: %s", bad[i], vs_status_message(st));
    cr_assert_str_eq(vs_status_message(st), want);
    vs_tensor_free(t);
    vs_session_free(s);
    vs_graph_free(g);
    vs_status_free(st);
  }
  unsetenv("VARSCOPE_GEMM");
}

/* PoCL reports no matrix units (no cl_nv_device_attribute_query). */
Test(gemm_tf32, device_info_reports_matrix_units) {
  vs_status *st = vs_status_new();
  size_t n = vs_num_devices(st);
  for (size_t i = 0; i < n; i++) {
    vs_device_info info;
    vs_device_get_info(i, &info, st);
    expect_ok(st);
    if (strstr(info.platform_name, "Portable Computing Language"))
      cr_assert_not(info.tf32_matrix_units, "%s reports TF32 matrix units", info.device_name);
  }
  vs_status_free(st);
}

/* The PTX ISA's fragment table for mma.m16n8k8 with .tf32 inputs and .f32
 * accumulators ("Matrix Fragments for mma.m16n8k8"; CUTLASS's
 * MMA_Traits<SM80_16x8x8_F32TF32TF32F32_TN> says the same), g = lane >> 2,
 * t = lane & 3:
 *   A (16 x 8):           a0 (g, t)   a1 (g + 8, t)   a2 (g, t + 4)   a3 (g + 8, t + 4)
 *   B (8 x 8, (k, n)):    b0 (t, g)   b1 (t + 4, g)
 *   D (16 x 8):           d0 (g, 2t)  d1 (g, 2t + 1)  d2 (g + 8, 2t)  d3 (g + 8, 2t + 1)
 * Written here apart from the kernel's MMA_SLICE, MMA_EACH and emulation
 * on purpose: this is the statement they are held to. */
static void isa_a(unsigned lane, int i, int *row, int *col) {
  *row = (int)(lane >> 2) + (i & 1) * 8, *col = (int)(lane & 3) + (i >> 1) * 4;
}
static void isa_b(unsigned lane, int i, int *k, int *n) { *k = (int)(lane & 3) + i * 4, *n = (int)(lane >> 2); }
static void isa_d(unsigned lane, int i, int *row, int *col) {
  *row = (int)(lane >> 2) + (i >> 1) * 8, *col = 2 * (int)(lane & 3) + (i & 1);
}

/* One instruction on fragments placed by the ISA's table: A's elements all
 * distinct (8r + c + 1), B a permutation (k -> 3k + 1 mod 8, not its own
 * transpose) scaled by 2^k, so that every misplaced element of A, B or D
 * changes some result; every value and product is exact in TF32 and
 * float32, so D is compared exactly. The GEMM tests cannot see a misreading
 * shared by the kernel's loads and its emulation (it cancels out); this
 * holds the emulation to the ISA on PoCL, and the real instruction to it
 * on a GPU with matrix units (tools/gpu-check.sh runs this file there). */
Test(gemm_tf32, fragment_layout_is_the_isas) {
  float A[16][8], B[8][8] = {{0}}, a[128], b[64], d[128];
  for (int r = 0; r < 16; r++)
    for (int c = 0; c < 8; c++) A[r][c] = (float)(8 * r + c + 1);
  for (int k = 0; k < 8; k++) B[k][(3 * k + 1) % 8] = (float)(1 << k);
  for (unsigned lane = 0; lane < 32; lane++) {
    for (int i = 0; i < 4; i++) {
      int r, c;
      isa_a(lane, i, &r, &c);
      a[lane * 4 + i] = A[r][c];
    }
    for (int i = 0; i < 2; i++) {
      int k, n;
      isa_b(lane, i, &k, &n);
      b[lane * 2 + i] = B[k][n];
    }
  }
  vs_status *st = vs_status_new();
  cr_assert(vs__mma_probe_host(0, a, b, d, st), "%s", vs_status_message(st));
  for (unsigned lane = 0; lane < 32; lane++)
    for (int i = 0; i < 4; i++) {
      int r, n;
      isa_d(lane, i, &r, &n);
      double want = 0;
      for (int k = 0; k < 8; k++) want += (double)A[r][k] * B[k][n];
      cr_assert_eq(d[lane * 4 + i], (float)want, "lane %u d%d (D[%d][%d]) = %g, want %g", lane, i, r, n,
                   (double)d[lane * 4 + i], want);
    }
  vs_status_free(st);
}

/* ---- the tuner's TF32 search (engine/kernels/gemm_tune.c) ---- */

/* The tuner's problem: the family of logged_matmul's 48 x 36 x 40. */
static const vs_gemm_tune_opts TUNE = {.m = 48, .n = 36, .k = 40, .budget_s = 600};
#define TUNE_FAMILY "tf32|nn|m6|n6|k6"

/* Two TF32 sets, neither among the choice's: one warp of one fragment,
 * and two warps side by side, both 8 deep. */
static const vs__gemm_set TF32_SETS[2] = {{TF32, {1, 1, 1, 1, 8, 0}}, {TF32, {1, 2, 1, 1, 8, 0}}};

static void tune_tf32_sets(const tf32_faults *f, vs_gemm_tune_result *res) {
  vs__gemm_tune_plan plan = {.candidates = TF32_SETS, .n_candidates = 2, .inject = tf32_inject, .user = (void *)f};
  vs_status *st = vs_status_new();
  vs__device_tune_gemm_plan(0, &plan, &TUNE, res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  vs_status_free(st);
}

/* With matrix units (pretended; the kernel stays the emulation), the
 * tuner runs the TF32 candidates after the float32 ones: the wrong one,
 * though timed fastest, is counted wrong and never kept; the correct one,
 * timed at half the bar, is kept under the family's tf32| key, listed as
 * such, and timed by a TF32 session's next MatMul of the family (its
 * product the TF32 product whichever wins) but never by a float32
 * session's. Tuning again with nothing 3% faster than the bar removes it. */
Test(gemm_tf32, tuner_searches_tf32_sets_keeps_a_correct_one_under_its_key) {
  vs__tf32_units_pretend(0, true);
  tf32_faults f = {.wrong = 0, .fast = 1, .fast_s = 0.5};
  vs_gemm_tune_result res;
  tune_tf32_sets(&f, &res);
  cr_assert(res.tf32_searched);
  cr_assert_eq(res.tf32_tried, 2);
  cr_assert_eq(res.tried, 2, "only the two TF32 candidates ran: %zu", res.tried);
  cr_assert_eq(res.wrong, 1);
  cr_assert_eq(res.failed, 0);
  cr_assert(res.tf32_stored);
  cr_assert_str_eq(res.tf32_params, "tf32 wm=1 wn=2 fm=1 fn=1 ks=8");
  cr_assert_float_eq(res.gflops_tf32_best, 2.0 * 48 * 36 * 40 / 0.5 / 1e9, 1e-12);
  cr_assert_float_eq(res.gflops_tf32_default, 2.0 * 48 * 36 * 40 / 1.0 / 1e9, 1e-12);
  cr_assert_not(res.stored, "no float32 set was a candidate");
  char *list = tuning_choices(vs_device_gemm_choices);
  cr_assert_not_null(strstr(list, "tuned " TUNE_FAMILY " -> tf32 wm=1 wn=2 fm=1 fn=1 ks=8 ("), "%s", list);
  cr_assert_null(strstr(list, "tuned nn|m6|n6|k6"), "%s", list);
  free(list);

  float a[48 * 40], b[40 * 36];
  for (size_t i = 0; i < 48 * 40; i++) a[i] = value(i, 18);
  for (size_t i = 0; i < 40 * 36; i++) b[i] = value(i, 19);
  static char log[16384];
  float *on = logged_matmul(true, a, b, log, sizeof log);
  cr_assert_not_null(strstr(log, "varscope: sgemm " TUNE_FAMILY " (48x36x40"), "%s", log);
  cr_assert_not_null(strstr(log, ", tf32 w1x2 f1x1 k8 "), "the kept set is timed: %s", log);
  double to_tf32, to_fp32;
  distances(on, a, b, 48, 36, 40, &to_tf32, &to_fp32);
  if (strstr(log, "-> tf32 ")) cr_assert_leq(to_tf32, 1.0, "a TF32 choice, not the TF32 product: %s", log);
  float *off = logged_matmul(false, a, b, log, sizeof log);
  cr_assert_not_null(strstr(log, "varscope: sgemm nn|m6|n6|k6 (48x36x40"), "%s", log);
  cr_assert_null(strstr(log, "tf32"), "a float32 session never times a TF32 set: %s", log);
  free(on), free(off);

  f.fast_s = 0.99; /* within 3% of the bar */
  tune_tf32_sets(&f, &res);
  cr_assert_not(res.tf32_stored);
  cr_assert_str_eq(res.tf32_params, "");
  vs__tf32_units_pretend(0, false);
  list = tuning_choices(vs_device_gemm_choices);
  cr_assert_null(strstr(list, "tuned " TUNE_FAMILY), "%s", list);
  free(list);
}

/* A set of the choice's own (the bar) that computes a wrong result stops
 * the TF32 search: nothing could be trusted against it. INTERNAL, naming
 * the set and the element; nothing stored. */
Test(gemm_tf32, a_wrong_set_of_the_bar_stops_the_tf32_search) {
  vs__tf32_units_pretend(0, true);
  tf32_faults f = {.wrong = -2, .fast = -3, .fast_s = 0.5};
  vs__gemm_tune_plan plan = {.candidates = TF32_SETS, .n_candidates = 2, .inject = tf32_inject, .user = &f};
  vs_gemm_tune_result res;
  vs_status *st = vs_status_new();
  vs__device_tune_gemm_plan(0, &plan, &TUNE, &res, st);
  vs__tf32_units_pretend(0, false);
  cr_assert_eq(vs_status_code(st), VS_INTERNAL, "%s", vs_status_message(st));
  /* The first of the bar's sets; element n / 2 of the 48 x 36 product is C[24,0]. */
  static const char WANT[] = "vs_device_tune_gemm: the TF32 set tf32 wm=2 wn=2 fm=2 fn=4 ks=16, which the choice "
                             "times, gives a wrong result: C[24,0] = ";
  cr_assert_eq(strncmp(vs_status_message(st), WANT, strlen(WANT)), 0, "%s", vs_status_message(st));
  vs_status_free(st);
  char *list = tuning_choices(vs_device_gemm_choices);
  cr_assert_null(strstr(list, "tf32|"), "nothing stored: %s", list);
  free(list);
}

/* A device without matrix units (no pretence) searches nothing TF32: the
 * TF32 candidates are not run (nor reported), the result says the search
 * did not happen, and nothing is kept under the tf32| key. */
Test(gemm_tf32, tuner_without_matrix_units_searches_no_tf32_set) {
  if (device0_tf32_units()) cr_skip_test("device 0 has TF32 matrix units");
  tf32_faults f = {.wrong = -3, .fast = 1, .fast_s = 0.5};
  static char log[4096];
  vs_gemm_tune_opts o = TUNE;
  o.progress = note_progress, o.user = log;
  vs__gemm_tune_plan plan = {.candidates = TF32_SETS, .n_candidates = 2, .inject = tf32_inject, .user = &f};
  vs_gemm_tune_result res;
  vs_status *st = vs_status_new();
  vs__device_tune_gemm_plan(0, &plan, &o, &res, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_not(res.tf32_searched);
  cr_assert_eq(res.tf32_tried, 0);
  cr_assert_eq(res.tried, 0);
  cr_assert_not(res.tf32_stored);
  cr_assert_float_eq(res.gflops_tf32_default, 0.0, 1e-12);
  cr_assert_not_null(strstr(log, "own rm="), "the float32 default was reported: %s", log);
  cr_assert_null(strstr(log, "tf32"), "%s", log);
  char *list = tuning_choices(vs_device_gemm_choices);
  cr_assert_null(strstr(list, "tf32|"), "%s", list);
  free(list);
  vs_status_free(st);
}

/* The TF32 search space: every set in range and fitting the device, none
 * of the choice's own sets (the bar), each once, by slice depth 16, 32, 8,
 * 64 and at each depth the tiles of powers of two before those with a 3.
 * On PoCL every set fits: 4^4 x 4 less the 3 of the bar. */
Test(gemm_tf32, tuner_tf32_search_space) {
  vs_status *st = vs_status_new();
  size_t n = vs__gemm_tf32_search_space(0, 40, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_gt(n, 0);
  int(*sets)[5] = malloc(n * sizeof *sets);
  cr_assert_eq(vs__gemm_tf32_search_space(0, 40, sets, n, st), n);
  vs_device_info info;
  vs_device_get_info(0, &info, st);
  if (strcmp(info.type, "CPU") == 0) cr_assert_eq(n, 4 * 4 * 4 * 4 * 4 - 3);
  static const int BAR[3][5] = {{2, 2, 2, 4, 16}, {2, 4, 4, 4, 16}, {2, 2, 4, 4, 16}}; /* the choice's sets */
  check_tf32_space(sets, n, BAR, 3);
  free(sets);
  vs_status_free(st);
}

/* A TF32 record in the tuned table under a plain family (the tuner stores
 * them under tf32| ones only; a damaged or hand-edited table) is run by
 * no session: neither a float32 one nor a TF32 one, which reads the plain
 * family for the float32 kernels' tuned set only. */
/* Writes line into device 0's GEMM table `which` ("tuned", "choice"),
 * then runs the 48 x 36 x 40 MatMul of logged_matmul with operands from
 * seed, its log in log. */
static float a48[48 * 40], b40[40 * 36];
static void plant_gemm_line(const char *which, const char *line, int seed) {
  vs_status *st = vs_status_new();
  cr_assert(vs__gemm_table_write(0, which, line, st), "%s", vs_status_message(st));
  vs_status_free(st);
  for (size_t i = 0; i < 48 * 40; i++) a48[i] = value(i, seed);
  for (size_t i = 0; i < 40 * 36; i++) b40[i] = value(i, seed + 1);
}

Test(gemm_tf32, tuner_tf32_record_under_a_plain_family_is_never_run) {
  plant_gemm_line("tuned", "nn|m6|n6|k6\t4 1 2 1 1 8 0\t99.0 GFLOP/s\n", 20);
  const float *a = a48, *b = b40;
  static char log[16384];
  float *off = logged_matmul(false, a, b, log, sizeof log);
  cr_assert_not_null(strstr(log, "varscope: sgemm nn|m6|n6|k6 (48x36x40"), "%s", log);
  cr_assert_null(strstr(log, "tf32"), "%s", log);
  vs__tf32_units_pretend(0, true);
  float *on = logged_matmul(true, a, b, log, sizeof log);
  vs__tf32_units_pretend(0, false);
  cr_assert_not_null(strstr(log, "varscope: sgemm tf32|nn|m6|n6|k6 (48x36x40"), "%s", log);
  cr_assert_null(strstr(log, "w1x2 f1x1 k8"), "%s", log);
  free(on), free(off);
}

/* The real TF32 search (pretended matrix units, the emulation), alone (a
 * plan's mask), for a few seconds on a small problem: it runs its sets
 * from the first, and every one computes within the TF32 bound of the
 * host's TF32-rounded product (none counted wrong or failed). */
Test(gemm_tf32, tuner_real_tf32_search_sets_are_correct) {
  vs__tf32_units_pretend(0, true);
  vs_gemm_tune_opts o = TUNE;
  o.budget_s = 2;
  vs__gemm_tune_plan plan = {.kinds = 1u << TF32};
  vs_gemm_tune_result res;
  vs_status *st = vs_status_new();
  vs__device_tune_gemm_plan(0, &plan, &o, &res, st);
  vs__tf32_units_pretend(0, false);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  expect_tf32_search_all_correct(res);
  vs_status_free(st);
}

/* The same for the choice table: a TF32 choice under a plain family (only
 * a damaged or hand-edited store has one) is not taken by a float32
 * session, which chooses anew, in float32. */
Test(gemm_tf32, choice_tf32_record_under_a_plain_family_is_never_run) {
  plant_gemm_line("choice", "nn|m6|n6|k6\t4 1 2 1 1 8 0\t1.000 ms\n", 22);
  static char log[16384];
  float *off = logged_matmul(false, a48, b40, log, sizeof log);
  cr_assert_not_null(strstr(log, "varscope: sgemm nn|m6|n6|k6 (48x36x40"), "the planted TF32 choice was taken: %s",
                     log);
  cr_assert_null(strstr(log, "tf32"), "%s", log);
  free(off);
}
