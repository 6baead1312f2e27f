/* gemm_tune.c - tuning the own SGEMM kernel's form and parameters by
 * search, per device and shape family (vs_device_tune_gemm,
 * gemm_tuning.h).
 *
 * The search space is the three forms of the kernel (gemm.h: packed
 * panels, packed panels walked in chunks of k, in place) and each one's
 * parameters: the register tile (rm rows x nv vectors of vec floats), the
 * k-loop unrolling (uk), the work-group height (ly; the k-blocked form's
 * tiles per item) and the k-blocked form's chunk length (kc, a kernel
 * argument: no recompiling). A tile fits the vector registers (32 where
 * the native width is 16, else 16; rm x nv accumulators plus nv B vectors
 * plus the broadcast). Six phases, each refining phase around the fastest
 * tile its form has had so far:
 *   1. packed: every tile, vec the native float width and half of it, at
 *      the default's uk and ly;   2. packed: uk x ly around its best tile;
 *   3. k-blocked: every tile of one width (the packed form's best set's:
 *      the native width unless half of it won there), at its default's uk,
 *      ly and chunk;   4. k-blocked: chunk (the B chunk 8, 16, 32 (the
 *      default), 64 or 128 KB) x ly around its best tile;
 *   5. in place (only where it can run the problem: B not transposed):
 *      every tile of that width;   6. in place: uk x ly.
 * The walk stops starting candidates when the time budget is spent (a
 * short budget reaches the packed form's phases only).
 *
 * Every candidate runs on the full problem and its whole C is compared
 * with a host reference (double accumulation) before it is timed, so a set
 * that computes wrong results (a compiler bug at one unrolling, a tile that
 * skips an edge) is never kept, however fast. Only a set at least 3%
 * faster than the default (the packed form under its default parameters,
 * the bar) is stored, with its form (gemm_select.c's tuned table, under
 * the family's key; the family's choice is then measured again with it,
 * beside every form's default).
 *
 * Where the device has TF32 matrix units (vs__tf32_units: a test may
 * pretend), the TF32 kernel's sets are searched next (next_tf32), within
 * a budget of their own: verified against the TF32-rounded host product,
 * the fastest kept under the family's "tf32|" key when 3% faster than the
 * fastest of the sets the choice times (the TF32 bar). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/gemm.h"
#include "kernels/gemm_tuning.h"
#include "kernels/tf32_search.h"
#include "runtime/blas.h"

#define TIMED_RUNS 3
#define MIN_GAIN 1.03 /* a kept set beats the default by this factor: below it, timing noise decides */

/* ---- host matrices on the device (the tuner's and the tests') ---- */

static cl_mem upload(vs_cl_device *d, const float *x, size_t n, vs_status *st) {
  vs_shape s = {.known = true, .rank = 1, .dims = {(int64_t)n}};
  cl_mem m = vs__device_buffer(d, (n ? n : 1) * sizeof(float), &s, VS_FLOAT, st);
  if (m && n) {
    cl_int err = clEnqueueWriteBuffer(*vs__queue(d), m, CL_TRUE, 0, n * sizeof(float), x, 0, NULL, NULL);
    if (err != CL_SUCCESS) {
      vs__cl_fail(st, err, "clEnqueueWriteBuffer");
      vs__buffer_release(m);
      return NULL;
    }
  }
  return m;
}

/* Reads n floats of m back into y (blocking). */
static bool download(vs_cl_device *d, cl_mem m, float *y, size_t n, vs_status *st) {
  cl_int err = clEnqueueReadBuffer(*vs__queue(d), m, CL_TRUE, 0, n * sizeof(float), y, 0, NULL, NULL);
  if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueReadBuffer");
  return err == CL_SUCCESS;
}

bool vs__gemm_run_host(size_t dev, const int *params, int kind, bool ta, bool tb, size_t m, size_t n, size_t k,
                       const float *a, size_t na, size_t a_off, size_t lda, const float *b, size_t nb, size_t b_off,
                       size_t ldb, float *c, size_t nc, size_t c_off, size_t ldc, vs_status *st) {
  return vs__gemm_run_host_epi(dev, params, kind, ta, tb, m, n, k, a, na, a_off, lda, b, nb, b_off, ldb, c, nc, c_off,
                               ldc, NULL, false, st);
}

bool vs__gemm_run_host_epi(size_t dev, const int *params, int kind, bool ta, bool tb, size_t m, size_t n, size_t k,
                           const float *a, size_t na, size_t a_off, size_t lda, const float *b, size_t nb,
                           size_t b_off, size_t ldb, float *c, size_t nc, size_t c_off, size_t ldc,
                           const float *bias, bool relu, vs_status *st) {
  vs__ok(st);
  vs_cl_device *d = vs__device(dev, st);
  if (!d) return false;
  if (kind < VS_GEMM_OWN || kind > VS_GEMM_TF32) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs__gemm_run_host: no GEMM kind %d", kind);
    return false;
  }
  vs_gemm_algo algo = {(vs_gemm_kind)kind,
                       kind == VS_GEMM_BLOCKED ? vs__gemm_blocked_default_params(d) : vs__gemm_default_params(d),
                       {0, 0, 0, 0, 0}};
  if (kind == VS_GEMM_CLBLAST || kind == VS_GEMM_TF32) algo.p = (vs_gemm_params){0, 0, 0, 0, 0, 0};
  if (kind == VS_GEMM_TF32) { /* its parameters are {wm, wn, fm, fn, ks}; vs__gemm_mma checks them */
    size_t nsets;
    algo.q = params ? (vs_mma_params){params[0], params[1], params[2], params[3], params[4]} : vs__mma_sets(&nsets)[0];
  } else if (params && kind != VS_GEMM_CLBLAST) {
    algo.p = (vs_gemm_params){params[0], params[1], params[2], params[3], params[4], params[5]};
  }
  if (algo.kind != VS_GEMM_CLBLAST && algo.kind != VS_GEMM_TF32 && !vs__gemm_params_ok(algo.p)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs__gemm_run_host: parameters out of range");
    return false;
  }
  cl_mem da = upload(d, a, na, st), db = da ? upload(d, b, nb, st) : NULL, dc = db ? upload(d, c, nc, st) : NULL;
  vs_gemm_epi epi = {.bias = bias && dc ? upload(d, bias, n, st) : NULL, .relu = relu};
  bool ok =
      dc && (!bias || epi.bias) &&
      vs__gemm_algo_run_epi(NULL, d, algo, ta, tb, m, n, k, da, a_off, lda, db, b_off, ldb, dc, c_off, ldc, &epi, st);
  ok = ok && download(d, dc, c, nc, st);
  vs__buffer_release(da), vs__buffer_release(db), vs__buffer_release(dc), vs__buffer_release(epi.bias);
  return ok;
}

bool vs__tf32_round_host(size_t dev, const float *x, float *y, size_t n, vs_status *st) {
  vs__ok(st);
  vs_cl_device *d = vs__device(dev, st);
  if (!d) return false;
  cl_mem dx = upload(d, x, n, st), dy = dx ? upload(d, x, n, st) : NULL;
  bool ok = dy && vs__tf32_round_buffer(d, dy, dx, n, st);
  ok = ok && download(d, dy, y, n, st);
  vs__buffer_release(dx), vs__buffer_release(dy);
  return ok;
}

bool vs__mma_probe_host(size_t dev, const float *a, const float *b, float *out, vs_status *st) {
  vs__ok(st);
  vs_cl_device *d = vs__device(dev, st);
  if (!d) return false;
  cl_mem da = upload(d, a, 128, st), db = da ? upload(d, b, 64, st) : NULL, dout = db ? upload(d, a, 128, st) : NULL;
  bool ok = dout && vs__mma_probe_buffer(d, dout, da, db, st);
  ok = ok && download(d, dout, out, 128, st);
  vs__buffer_release(da), vs__buffer_release(db), vs__buffer_release(dout);
  return ok;
}

/* ---- the search space ---- */

static bool same(vs_gemm_params a, vs_gemm_params b) {
  return a.rm == b.rm && a.nv == b.nv && a.vec == b.vec && a.uk == b.uk && a.ly == b.ly && a.kc == b.kc;
}

/* The `done`-th candidate of the search among the kinds in mask kinds (bit
 * 1 << kind, 0: all) into *out, each refining phase around centre[kind]
 * (the fastest set its kind has had, or its default); false when the
 * search is over. Every phase has a fixed length, whatever the centres. */
static bool next_candidate(const vs_cl_device *d, size_t done, unsigned kinds, const vs_gemm_params centre[4],
                           vs_gemm_algo *out) {
  static const int RMS[] = {4, 6, 8, 10, 12, 14, 16}, NVS[] = {1, 2, 3, 4}, UKS[] = {1, 2, 4, 8},
                   LYS[] = {1, 2, 4, 8, 16, 32}, BLYS[] = {4, 8, 16, 32};
  /* Work-groups of 32 (LYS): with the rows dealt evenly (vs__gemm_rows)
   * they took 2-6% less time than 16 at 1024^3, 3072^3 and 4096^3 on the
   * 2-core AVX-512 device, and 3% more at 2048^3 (docs/conv-performance.md,
   * Session 16): a family's search decides. */
  /* The blocked chunk as a fraction of its default (8192 / NR: 32 KB of B),
   * in quarters; 4 (the default itself) is kc 0. */
  static const int KCQ[] = {4, 1, 2, 8, 16};
  static const vs_gemm_kind PHASE_KIND[6] = {VS_GEMM_OWN,     VS_GEMM_OWN,     VS_GEMM_BLOCKED,
                                             VS_GEMM_BLOCKED, VS_GEMM_INPLACE, VS_GEMM_INPLACE};
  cl_uint w = d->native_float_width;
  int vecs[2] = {w >= 16 ? 16 : w >= 8 ? 8 : 4, w >= 16 ? 8 : w >= 8 ? 4 : 0};
  int regs = vs__wide_vector_registers(d) ? 32 : 16;
  vs_gemm_params def = vs__gemm_default_params(d), bdef = vs__gemm_blocked_default_params(d);
  size_t k = 0;
  for (int phase = 0; phase < 6; phase++) {
    vs_gemm_kind kind = PHASE_KIND[phase];
    if (kinds && !(kinds & (1u << kind))) continue;
    vs_gemm_params c = centre[kind], kdef = kind == VS_GEMM_BLOCKED ? bdef : def;
    if (phase % 2 == 0) { /* the tiles, at the kind's default uk, ly and chunk */
      /* Both widths for packed; the other kinds walk one, the width of the
       * packed form's fastest set (the native width until a narrower one
       * won, or where packed is not searched): both widths there would
       * add 36 sets to the 137 of the 2-core AVX-512 device for a width
       * that lost to the native one in the packed form. */
      int wide = vecs[1] && centre[VS_GEMM_OWN].vec == vecs[1] ? vecs[1] : vecs[0];
      for (int vi = 0; vi < (kind == VS_GEMM_OWN ? 2 : 1); vi++)
        for (size_t r = 0; vecs[vi] && r < sizeof RMS / sizeof *RMS; r++)
          for (size_t v = 0; v < sizeof NVS / sizeof *NVS; v++) {
            vs_gemm_params p = {RMS[r], NVS[v], kind == VS_GEMM_OWN ? vecs[vi] : wide, kdef.uk, kdef.ly, 0};
            if (p.rm * p.nv + p.nv > regs - 2) continue;
            if (k++ == done) return *out = (vs_gemm_algo){.kind = kind, .p = p}, true;
          }
    } else if (kind == VS_GEMM_BLOCKED) { /* chunk x tiles per item */
      for (size_t q = 0; q < sizeof KCQ / sizeof *KCQ; q++)
        for (size_t l = 0; l < sizeof BLYS / sizeof *BLYS; l++) {
          vs_gemm_params p = {c.rm, c.nv, c.vec, kdef.uk, BLYS[l], 0};
          if (KCQ[q] != 4) p.kc = vs__gemm_blocked_kc(p) * KCQ[q] / 4; /* p.kc 0: the default chunk */
          if (p.kc == 0 && p.ly == kdef.ly) continue; /* phase 3 ran it */
          if (k++ == done) return *out = (vs_gemm_algo){.kind = kind, .p = p}, true;
        }
    } else { /* unrolling x work-group height */
      for (size_t u = 0; u < sizeof UKS / sizeof *UKS; u++)
        for (size_t l = 0; l < sizeof LYS / sizeof *LYS; l++) {
          vs_gemm_params p = {c.rm, c.nv, c.vec, UKS[u], LYS[l], 0};
          if (p.uk == kdef.uk && p.ly == kdef.ly) continue; /* the tile phase ran it */
          if (k++ == done) return *out = (vs_gemm_algo){.kind = kind, .p = p}, true;
        }
    }
  }
  return false;
}

/* The search's centres before any candidate ran: each kind's default. */
static void default_centres(const vs_cl_device *d, vs_gemm_params centre[4]) {
  centre[VS_GEMM_OWN] = centre[VS_GEMM_INPLACE] = vs__gemm_default_params(d);
  centre[VS_GEMM_BLOCKED] = vs__gemm_blocked_default_params(d);
  centre[VS_GEMM_CLBLAST] = (vs_gemm_params){0, 0, 0, 0, 0, 0};
}

size_t vs__gemm_search_space_after(size_t dev, unsigned kinds, const int *packed_best, vs__gemm_set *out, size_t cap,
                                   vs_status *st) {
  vs__ok(st);
  vs_cl_device *d = vs__device(dev, st);
  if (!d) return 0;
  vs_gemm_params centre[4];
  default_centres(d, centre);
  if (packed_best)
    centre[VS_GEMM_OWN] = (vs_gemm_params){packed_best[0], packed_best[1], packed_best[2],
                                           packed_best[3], packed_best[4], packed_best[5]};
  vs_gemm_algo a;
  size_t n = 0;
  while (next_candidate(d, n, kinds, centre, &a)) {
    if (n < cap)
      out[n] = (vs__gemm_set){(int)a.kind, {a.p.rm, a.p.nv, a.p.vec, a.p.uk, a.p.ly, a.p.kc}};
    n++;
  }
  return n;
}

size_t vs__gemm_search_space(size_t dev, unsigned kinds, vs__gemm_set *out, size_t cap, vs_status *st) {
  return vs__gemm_search_space_after(dev, kinds, NULL, out, cap, st);
}

/* ---- the tuner ---- */

typedef struct tune_bench {
  vs_cl_device *d;
  bool ta, tb;
  size_t m, n, k, na, nb, nc;
  float *a, *b, *c;   /* host inputs (stored as op's transposes say) and a candidate's C read back */
  double *ref, *mag;  /* the reference C and the sum of |products| per element */
  double *tref, *tmag; /* the same from the TF32-rounded inputs (the TF32 search's; NULL until it runs) */
  cl_mem da, db, dc;
} tune_bench;

/* uniform[-1,1) from a fixed xorshift64 stream: the same inputs every run. */
static void fill_uniform(float *x, size_t count, uint64_t s) {
  for (size_t i = 0; i < count; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    x[i] = (float)((double)(s >> 40) / (double)(1ull << 24) * 2.0 - 1.0);
  }
}

/* x rounded to TF32 as cvt.rna.tf32.f32 does (the nearest value with 10
 * mantissa bits, ties away from zero: adding half a unit to the magnitude's
 * bits carries into the kept ones); the inputs here are finite. */
double vs__tf32_rna(float x) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  u = (u + 0x1000u) & ~(uint32_t)0x1fffu;
  memcpy(&x, &u, sizeof x);
  return x;
}

/* op(A) and op(B) in double (rounded to TF32 first where tf32), row-major,
 * then C row by row into ref and the sum of |products| into mag. */
static bool reference(tune_bench *b, bool tf32, double *ref, double *mag) {
  size_t m = b->m, n = b->n, k = b->k;
  double *oa = malloc(m * k * sizeof *oa), *ob = malloc(k * n * sizeof *ob);
  if (!oa || !ob) {
    free(oa), free(ob);
    return false;
  }
  for (size_t i = 0; i < m; i++)
    for (size_t kk = 0; kk < k; kk++) {
      float x = b->ta ? b->a[kk * m + i] : b->a[i * k + kk];
      oa[i * k + kk] = tf32 ? vs__tf32_rna(x) : x;
    }
  for (size_t kk = 0; kk < k; kk++)
    for (size_t j = 0; j < n; j++) {
      float x = b->tb ? b->b[j * k + kk] : b->b[kk * n + j];
      ob[kk * n + j] = tf32 ? vs__tf32_rna(x) : x;
    }
  for (size_t i = 0; i < m; i++) {
    double *r = ref + i * n, *g = mag + i * n;
    for (size_t j = 0; j < n; j++) r[j] = g[j] = 0;
    for (size_t kk = 0; kk < k; kk++) {
      double x = oa[i * k + kk];
      const double *y = ob + kk * n;
      for (size_t j = 0; j < n; j++) {
        r[j] += x * y[j];
        g[j] += fabs(x * y[j]);
      }
    }
  }
  free(oa), free(ob);
  return true;
}

static bool bench_init(tune_bench *b, vs_cl_device *d, bool ta, bool tb, size_t m, size_t n, size_t k,
                       vs_status *st) {
  memset(b, 0, sizeof *b);
  b->d = d, b->ta = ta, b->tb = tb, b->m = m, b->n = n, b->k = k;
  b->na = m * k, b->nb = k * n, b->nc = m * n;
  b->a = malloc(b->na * sizeof *b->a), b->b = malloc(b->nb * sizeof *b->b), b->c = malloc(b->nc * sizeof *b->c);
  b->ref = malloc(b->nc * sizeof *b->ref), b->mag = malloc(b->nc * sizeof *b->mag);
  if (!b->a || !b->b || !b->c || !b->ref || !b->mag) {
    vs__oom(st);
    return false;
  }
  fill_uniform(b->a, b->na, 0x9E3779B97F4A7C15ull);
  fill_uniform(b->b, b->nb, 0xD1B54A32D192ED03ull);
  if (!reference(b, false, b->ref, b->mag)) {
    vs__oom(st);
    return false;
  }
  memset(b->c, 0, b->nc * sizeof *b->c);
  return (b->da = upload(d, b->a, b->na, st)) && (b->db = upload(d, b->b, b->nb, st)) &&
         (b->dc = upload(d, b->c, b->nc, st));
}

static void bench_free(tune_bench *b) {
  vs__buffer_release(b->da), vs__buffer_release(b->db), vs__buffer_release(b->dc);
  free(b->a), free(b->b), free(b->c), free(b->ref), free(b->mag), free(b->tref), free(b->tmag);
}

/* One run, finished: its cost (vs__gemm_cost). */
static bool run_once(tune_bench *b, vs_gemm_algo a, double *seconds, vs_status *st) {
  double t0 = vs__gemm_now(), c0 = vs__gemm_cpu_now();
  size_t lda = b->ta ? b->m : b->k, ldb = b->tb ? b->k : b->n;
  if (!vs__gemm_algo_run(NULL, b->d, a, b->ta, b->tb, b->m, b->n, b->k, b->da, 0, lda, b->db, 0, ldb, b->dc, 0, b->n,
                         st))
    return false;
  cl_int err = clFinish(*vs__queue(b->d));
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clFinish");
    return false;
  }
  *seconds = vs__gemm_cost(b->d, vs__gemm_now() - t0, vs__gemm_cpu_now() - c0,
                           a.kind != VS_GEMM_CLBLAST && a.kind != VS_GEMM_TF32 ? vs__gemm_own_groups(a.p, b->m, b->n)
                                                                               : 0);
  return true;
}

/* Runs a candidate once (building its kernels), reads C back for the
 * check, then times `runs` runs: the lowest cost in *best (other load on
 * a shared machine only ever adds to a run's time, so the minimum ranks
 * candidates more steadily than the median). */
static bool measure(tune_bench *b, vs_gemm_algo a, int runs, double *best, vs_status *st) {
  double first, t;
  /* A poisoned C: a candidate that skips an element cannot pass on the
   * previous candidate's value. */
  float nan = NAN;
  cl_int err = clEnqueueFillBuffer(*vs__queue(b->d), b->dc, &nan, sizeof nan, 0, b->nc * sizeof(float), 0, NULL, NULL);
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clEnqueueFillBuffer");
    return false;
  }
  if (!run_once(b, a, &first, st)) return false;
  err = clEnqueueReadBuffer(*vs__queue(b->d), b->dc, CL_TRUE, 0, b->nc * sizeof(float), b->c, 0, NULL, NULL);
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clEnqueueReadBuffer");
    return false;
  }
  *best = first;
  for (int i = 0; i < runs; i++) {
    if (!run_once(b, a, &t, st)) return false;
    if (i == 0 || t < *best) *best = t;
  }
  return true;
}

/* Every element against the reference: float32 accumulation in another
 * order errs by far less than 1e-5 relative to the sum of |products|; a
 * wrong tile or a skipped edge errs by O(1) (or is NaN). A TF32 set
 * against the reference from the TF32-rounded inputs, whose products are
 * exact in float32, so only the k float32 additions err: within
 * 2 (k + 2) 2^-24 of the sum of |products| (test_gemm_tf32.c's bound,
 * allowing accumulators that truncate). */
static bool verify(const tune_bench *b, bool tf32, char *why, size_t cap) {
  const double *ref = tf32 ? b->tref : b->ref, *mag = tf32 ? b->tmag : b->mag;
  double rel = tf32 ? 2.0 * ((double)b->k + 2) * 0x1p-24 : 1e-5, slack = tf32 ? 0 : 1e-5;
  for (size_t i = 0; i < b->nc; i++)
    if (!(fabs(b->c[i] - ref[i]) <= slack + rel * mag[i])) {
      snprintf(why, cap, "wrong result: C[%zu,%zu] = %.6g, want %.6g", i / b->n, i % b->n, (double)b->c[i], ref[i]);
      return false;
    }
  return true;
}

/* ---- the TF32 search ---- */

/* The TF32 search's walk (gemm.h): a short budget (each set is a
 * program build, about a second) reaches the choice's kind of tile first.
 * No register filter: no device's register use for these kernels has
 * been measured (a set that spills is slow, and timed so). */
bool vs__mma_search_next(size_t done, const vs_mma_params *bar, size_t nbar, vs_mma_fits_fn fits, const void *ctx,
                         vs_mma_params *q) {
  static const int KS[] = {16, 32, 8, 64};
  size_t at = 0;
  for (size_t s = 0; s < sizeof KS / sizeof *KS; s++)
    for (int pow2 = 1; pow2 >= 0; pow2--) /* the powers of two first, then the tiles with a 3 */
      for (int wm = 1; wm <= 4; wm++)
        for (int wn = 1; wn <= 4; wn++)
          for (int fm = 1; fm <= 4; fm++)
            for (int fn = 1; fn <= 4; fn++) {
              vs_mma_params x = {wm, wn, fm, fn, KS[s]};
              if ((wm != 3 && wn != 3 && fm != 3 && fn != 3) != pow2) continue;
              bool in_bar = false;
              for (size_t i = 0; i < nbar; i++) in_bar = in_bar || !memcmp(&x, &bar[i], sizeof x);
              if (in_bar || !fits(ctx, x)) continue;
              if (at++ == done) return *q = x, true;
            }
  return false;
}

size_t vs__mma_search_list(const vs_mma_params *bar, size_t nbar, vs_mma_fits_fn fits, const void *ctx,
                           int (*out)[5], size_t cap) {
  vs_mma_params q;
  size_t n = 0;
  while (vs__mma_search_next(n, bar, nbar, fits, ctx, &q)) {
    if (n < cap) out[n][0] = q.wm, out[n][1] = q.wn, out[n][2] = q.fm, out[n][3] = q.fn, out[n][4] = q.ks;
    n++;
  }
  return n;
}

typedef struct gemm_fit {
  const vs_cl_device *d;
  size_t k;
} gemm_fit;

static bool gemm_fits(const void *ctx, vs_mma_params q) {
  const gemm_fit *f = ctx;
  return vs__mma_fits(f->d, q, f->k, NULL, 0);
}

/* The `done`-th TF32 candidate for a k-deep problem on d into *q: the
 * shared walk, less the choice's own sets (the bar), those vs__mma_fits
 * allows (work-group size, local memory with double buffering and the
 * emulation's scratch). False when the search is over. */
static size_t bar_sets(const vs_mma_params **sets) {
  size_t n;
  *sets = vs__mma_sets(&n);
  return n < VS_MMA_CHOICE_SETS ? n : VS_MMA_CHOICE_SETS;
}

static bool next_tf32(const vs_cl_device *d, size_t done, size_t k, vs_mma_params *q) {
  const vs_mma_params *sets;
  size_t nbar = bar_sets(&sets);
  gemm_fit f = {d, k};
  return vs__mma_search_next(done, sets, nbar, gemm_fits, &f, q);
}

size_t vs__gemm_tf32_search_space(size_t dev, size_t k, int (*out)[5], size_t cap, vs_status *st) {
  vs__ok(st);
  vs_cl_device *d = vs__device(dev, st);
  if (!d) return 0;
  const vs_mma_params *sets;
  size_t nbar = bar_sets(&sets);
  gemm_fit f = {d, k};
  return vs__mma_search_list(sets, nbar, gemm_fits, &f, out, cap);
}

/* The TF32 search's view of b (tf32_search.h's callbacks). */
typedef struct gemm_tf32 {
  tune_bench *b;
  const vs__gemm_tune_plan *plan;
} gemm_tf32;

static bool tf32_measure(void *ctx, vs_mma_params q, double *seconds, vs_status *st) {
  return measure(((gemm_tf32 *)ctx)->b, (vs_gemm_algo){.kind = VS_GEMM_TF32, .q = q}, TIMED_RUNS, seconds, st);
}

static bool tf32_check(void *ctx, int index, double *seconds, char *why, size_t cap) {
  const gemm_tf32 *x = ctx;
  if (x->plan && x->plan->inject) x->plan->inject(x->plan->user, index, x->b->c, x->b->nc, seconds);
  return verify(x->b, true, why, cap);
}

/* The plan's kind-4 candidates (others passed over), or the search. */
static int tf32_next(void *ctx, size_t c, vs_mma_params *q) {
  const gemm_tf32 *x = ctx;
  if (!x->plan || !x->plan->candidates) return next_tf32(x->b->d, c, x->b->k, q);
  if (c >= x->plan->n_candidates) return 0;
  const vs__gemm_set *g = &x->plan->candidates[c];
  if (g->kind != VS_GEMM_TF32) return -1;
  *q = (vs_mma_params){g->p[0], g->p[1], g->p[2], g->p[3], g->p[4]};
  return 1;
}

static bool tf32_fits(void *ctx, vs_mma_params q, char *why, size_t cap) {
  const gemm_tf32 *x = ctx;
  bool ok = vs__mma_fits(x->b->d, q, x->b->k, NULL, 0);
  if (!ok) snprintf(why, cap, "out of range for this device or problem");
  return ok;
}

static void tf32_text(vs_mma_params q, char *buf, size_t cap) {
  vs__gemm_algo_text((vs_gemm_algo){.kind = VS_GEMM_TF32, .q = q}, buf, cap);
}

/* The TF32 half of the tuner on b (tf32_search.h): the bar (the fastest
 * of the choice's TF32 sets), then the search (or the plan's kind-4
 * candidates), each set verified before it is timed; the fastest correct
 * one stored under "tf32|<family>" when it beats the bar by MIN_GAIN,
 * else that key's set removed. */
static void tune_tf32(tune_bench *b, const vs__gemm_tune_plan *plan, const vs_gemm_tune_opts *o, double budget,
                      const char *family, vs_gemm_tune_result *res, vs_status *st) {
  res->tf32_searched = true;
  vs_cl_device *d = b->d;
  b->tref = malloc(b->nc * sizeof *b->tref), b->tmag = malloc(b->nc * sizeof *b->tmag);
  if (!b->tref || !b->tmag || !reference(b, true, b->tref, b->tmag)) {
    vs__oom(st);
    return;
  }
  const vs_mma_params *sets;
  size_t nbar = bar_sets(&sets);
  gemm_tf32 x = {b, plan};
  vs_tf32_search s = {.ctx = &x, .measure = tf32_measure, .check = tf32_check, .next = tf32_next, .fits = tf32_fits,
                      .text = tf32_text, .bar = sets, .nbar = nbar,
                      .count = plan && plan->candidates ? plan->n_candidates : 0,
                      .flop = 2.0 * (double)b->m * (double)b->n * (double)b->k, .budget = budget,
                      .progress = o->progress, .user = o->user};
  vs_tf32_found f;
  char *key = vs__tf32_search_run(&s, "vs_device_tune_gemm", family, &f, st);
  if (!key) return;
  res->tried += f.tried, res->tf32_tried = f.tried, res->wrong += f.wrong, res->failed += f.failed;
  res->gflops_tf32_default = f.gflops_bar, res->gflops_tf32_best = f.gflops_best;
  if (f.kept) {
    vs_gemm_algo a = {.kind = VS_GEMM_TF32, .q = f.best};
    vs__gemm_algo_text(a, res->tf32_params, sizeof res->tf32_params);
    res->tf32_stored = vs__gemm_tuned_put(d, key, &a, f.gflops_best);
  } else {
    vs__gemm_tuned_put(d, key, NULL, 0); /* an older TF32 set is no longer the better one */
  }
  free(key);
}

void vs__device_tune_gemm_plan(size_t i, const vs__gemm_tune_plan *plan, const vs_gemm_tune_opts *opts,
                               vs_gemm_tune_result *res, vs_status *st) {
  vs__ok(st);
  if (!res) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_device_tune_gemm: res is NULL");
    return;
  }
  memset(res, 0, sizeof *res);
  vs_gemm_tune_opts o = opts ? *opts : (vs_gemm_tune_opts){0};
  int64_t *sizes[] = {&o.m, &o.n, &o.k};
  for (size_t s = 0; s < 3; s++) {
    if (*sizes[s] < 0 || *sizes[s] > 4096) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "vs_device_tune_gemm: sizes must be 0 (the default) to 4096, got %lld", (long long)*sizes[s]);
      return;
    }
    if (!*sizes[s]) *sizes[s] = 1024;
  }
  double budget = o.budget_s > 0 ? o.budget_s : 60;
  vs_cl_device *d = vs__device(i, st);
  if (!d) return;
  size_t m = (size_t)o.m, n = (size_t)o.n, k = (size_t)o.k;
  vs_gemm_params def = vs__gemm_default_params(d);
  if (!vs__gemm_own_fits(d, def, m, n, k)) {
    vs__fail(st, VS_RESOURCE_EXHAUSTED, VS_EXC_OP_ERROR, "vs_device_tune_gemm: %zux%zux%zu does not fit %s", m, n, k,
             d->info.cl_name);
    return;
  }
  tune_bench b;
  double flop = 2.0 * (double)m * (double)n * (double)k, t_def = 0, t_cl = 0;
  char text[96], why[200];
  vs_gemm_algo bar = {.kind = VS_GEMM_OWN, .p = def};
  if (!bench_init(&b, d, o.transpose_a, o.transpose_b, m, n, k, st) || !measure(&b, bar, TIMED_RUNS, &t_def, st)) {
    bench_free(&b);
    return;
  }
  if (plan && plan->inject) plan->inject(plan->user, -1, b.c, b.nc, &t_def);
  vs__gemm_algo_text(bar, text, sizeof text);
  if (!verify(&b, false, why, sizeof why)) { /* the default itself is wrong: nothing can be trusted */
    vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "vs_device_tune_gemm: the default parameters (%s) give a %s", text, why);
    bench_free(&b);
    return;
  }
  res->gflops_default = flop / t_def / 1e9;
  if (o.progress) o.progress(o.user, VS_NPOS, 0, text, res->gflops_default, "the default (the bar to beat)");
  { /* CLBlast on the same problem, for the record (not a candidate here: vs__gemm_select weighs it) */
    vs_status *cst = vs_status_new();
    if (cst && measure(&b, (vs_gemm_algo){.kind = VS_GEMM_CLBLAST}, 1, &t_cl, cst) &&
        verify(&b, false, why, sizeof why))
      res->gflops_clblast = flop / t_cl / 1e9;
    vs_status_free(cst);
  }
  double t0 = vs__gemm_now(), t_best = t_def, t_kind[4] = {0, 0, 0, 0};
  vs_gemm_algo best = bar, a;
  vs_gemm_params centre[4];
  default_centres(d, centre);
  bool kept = false;
  for (size_t c = 0;; c++) {
    if (plan && plan->candidates) {
      if (c >= plan->n_candidates) break;
      const vs__gemm_set *x = &plan->candidates[c];
      if (x->kind == VS_GEMM_TF32) continue; /* the TF32 search's (tune_tf32) */
      a = (vs_gemm_algo){.kind = (vs_gemm_kind)x->kind, .p = {x->p[0], x->p[1], x->p[2], x->p[3], x->p[4], x->p[5]}};
      if (a.kind != VS_GEMM_BLOCKED) a.p.kc = 0; /* only the k-blocked form has a chunk (its record says so) */
    } else if (!next_candidate(d, c, plan ? plan->kinds : 0, centre, &a)) {
      break;
    }
    if (vs__gemm_now() - t0 > budget) break;
    vs__gemm_algo_text(a, text, sizeof text);
    size_t count = plan && plan->candidates ? plan->n_candidates : 0; /* 0: the search's length is open */
    bool known = a.kind == VS_GEMM_OWN || a.kind == VS_GEMM_BLOCKED || a.kind == VS_GEMM_INPLACE;
    bool fits = known && vs__gemm_algo_fits(d, a, o.transpose_b, m, n, k);
    if ((a.kind == VS_GEMM_OWN && same(a.p, def)) || !fits) {
      if (o.progress)
        o.progress(o.user, c, count, text, 0, !known ? "not a form of the own kernel" : fits ? "the default"
                                                                                            : "out of range for this problem");
      continue;
    }
    res->tried++;
    vs_status *cst = vs_status_new();
    double t = 0;
    const char *verdict;
    if (!cst || !measure(&b, a, TIMED_RUNS, &t, cst)) {
      snprintf(why, sizeof why, "failed: %s", cst ? vs_status_message(cst) : "out of memory");
      res->failed++;
      verdict = why;
      t = 0;
    } else {
      if (plan && plan->inject) plan->inject(plan->user, (int)c, b.c, b.nc, &t);
      if (!verify(&b, false, why, sizeof why)) {
        res->wrong++;
        verdict = why;
        t = -t; /* reported, never kept */
      } else if (t < t_best) {
        verdict = t * MIN_GAIN <= t_def ? "correct, fastest so far"
                                        : "correct, fastest so far but within 3% of the default";
        t_best = t;
        best = a;
        kept = t * MIN_GAIN <= t_def;
      } else {
        verdict = "correct, slower";
      }
    }
    vs_status_free(cst);
    /* The fastest correct set of its kind centres that kind's refining phase. */
    if (t > 0 && (t_kind[a.kind] <= 0 || t < t_kind[a.kind])) t_kind[a.kind] = t, centre[a.kind] = a.p;
    if (o.progress) o.progress(o.user, c, count, text, t > 0 ? flop / t / 1e9 : 0, verdict);
  }
  char *family = vs__gemm_family_key(o.transpose_a, o.transpose_b, m, n, k);
  if (!family) {
    vs__oom(st);
    bench_free(&b);
    return;
  }

  if (kept) {
    res->gflops_best = flop / t_best / 1e9;
    vs__gemm_algo_text(best, res->params, sizeof res->params);
    res->stored = vs__gemm_tuned_put(d, family, &best, res->gflops_best);
  } else {
    vs__gemm_tuned_put(d, family, NULL, 0); /* an older tuned set is no longer the better one */
  }
  /* The TF32 sets where the device has matrix units (a plan's mask may
   * leave them out). */
  if (vs__tf32_units(d) && !(plan && plan->kinds && !(plan->kinds & (1u << VS_GEMM_TF32))))
    tune_tf32(&b, plan, &o, budget, family, res, st); /* else res->tf32_searched stays false: the caller says so */
  bench_free(&b);
  free(family);
}

VS_API void vs_device_tune_gemm(size_t i, const vs_gemm_tune_opts *opts, vs_gemm_tune_result *res, vs_status *st) {
  vs__device_tune_gemm_plan(i, NULL, opts, res, st);
}
