/* conv_tune.c - tuning the direct conv2d kernel's parameters by search,
 * per device and shape family (vs_device_tune_conv, conv_tuning.h).
 *
 * The search space is the kernel's parameters (conv_internal.h): its form
 * (rw: per-block, row-walking or strip work-items), the register tile (rm output
 * pixels x nv channel vectors), the unrolling of the input-channel loop
 * (uc), the work-group height (ly) and the strip form's output rows per
 * work-item (rh). Phase 1 walks the three forms' register tiles that fit
 * 32 vector registers with the default's uc and ly; phase 2 walks
 * unrolling x work-group height around the best tile; phase 3 blocks the
 * fastest strip set across 2, 4 and 8 output rows. The
 * walk stops starting candidates when the time budget is spent. On
 * devices with local memory of their own (GPUs) the implicit GEMM's space
 * is searched next (conv_igemm.c's vs__conv_igemm_candidate: tiles, then
 * slice depth and double buffering around the best tile, then A's
 * narrower local vectors), sets that do
 * not fit the device reported and skipped. On a 1x1 family the pointwise
 * kernel's space follows (conv2d.c's vs__conv_pointwise: register tiles
 * with 4 items a group, then the work-group size around the best tile).
 * The fastest set of any kind is the one kept.
 *
 * Every candidate runs on the full input and its whole output is compared
 * with a host reference before it is timed, so a set that computes wrong
 * results (a compiler bug at one unrolling, a tile that skips a tail) is
 * never kept, however fast. Only a set at least 3% faster than the default
 * is stored (in the conv choices table of the keyed store, under the
 * family's key; conv_select.c offers it to each geometry of the family).
 *
 * Where the device has TF32 matrix units (vs__tf32_units: a test may
 * pretend), the TF32 implicit GEMM's sets are searched next (tune_tf32),
 * within a budget of their own, as gemm_tune.c does for the TF32 GEMM
 * (the same walk, vs__mma_search_next, under this kernel's own limits):
 * verified against the host reference from the TF32-rounded input and
 * filter, the fastest kept under the family's "tf32|" key when 3% faster
 * than the fastest of the TF32 defaults the choice times (the TF32 bar). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/conv_internal.h"
#include "kernels/conv_tuning.h"
#include "kernels/gemm.h"
#include "kernels/tf32_search.h"

#define TIMED_RUNS 3
#define MIN_GAIN 1.03 /* a kept set beats the default by this factor: below it, timing noise decides */

typedef struct tune_bench {
  vs_cl_device *d;
  size_t dev;
  vs_conv_geom g;
  size_t nx, nf, no;
  float *x, *f, *out; /* host inputs and a candidate's output read back */
  double *ref, *mag;  /* the reference output and sum of |products| per output */
  double *tref, *tmag; /* the same from the TF32-rounded input and filter (the TF32 search's; NULL until it runs) */
  cl_mem dx, df, dout;
} tune_bench;

/* uniform[-1,1) from a fixed xorshift64 stream: the same inputs every run. */
static void fill_uniform(float *x, size_t count, uint64_t s) {
  for (size_t i = 0; i < count; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    x[i] = (float)((double)(s >> 40) / (double)(1ull << 24) * 2.0 - 1.0);
  }
}

/* The reference in double of input x and filter f (b's, or their
 * TF32-rounded copies) into ref, with the magnitude each output's error
 * scales with into mag. */
static void reference(const tune_bench *b, const float *x, const float *f, double *ref, double *mag) {
  const vs_conv_geom *g = &b->g;
  for (int64_t n = 0; n < g->N; n++)
    for (int64_t oh = 0; oh < g->OH; oh++)
      for (int64_t ow = 0; ow < g->OW; ow++) {
        double *r = ref + ((n * g->OH + oh) * g->OW + ow) * g->K, *m = mag + (r - ref);
        for (int64_t k = 0; k < g->K; k++) r[k] = m[k] = 0;
        for (int64_t kh = 0; kh < g->KH; kh++) {
          int64_t ih = oh * g->SH - g->PT + kh * g->DH;
          if (ih < 0 || ih >= g->H) continue;
          for (int64_t kw = 0; kw < g->KW; kw++) {
            int64_t iw = ow * g->SW - g->PL + kw * g->DW;
            if (iw < 0 || iw >= g->W) continue;
            const float *xp = x + ((n * g->H + ih) * g->W + iw) * g->C;
            const float *fp = f + (kh * g->KW + kw) * g->C * g->K;
            for (int64_t c = 0; c < g->C; c++) {
              double xv = xp[c];
              const float *fr = fp + c * g->K;
              for (int64_t k = 0; k < g->K; k++) {
                double p = xv * fr[k];
                r[k] += p;
                m[k] += fabs(p);
              }
            }
          }
        }
      }
}

static bool bench_init(tune_bench *b, vs_cl_device *d, size_t dev, const vs_conv_geom *g, vs_status *st) {
  memset(b, 0, sizeof *b);
  b->d = d, b->dev = dev, b->g = *g;
  b->nx = (size_t)(g->N * g->H * g->W * g->C), b->nf = (size_t)(g->KH * g->KW * g->C * g->K);
  b->no = (size_t)(g->N * g->OH * g->OW * g->K);
  b->x = malloc(b->nx * sizeof *b->x), b->f = malloc(b->nf * sizeof *b->f), b->out = malloc(b->no * sizeof *b->out);
  b->ref = malloc(b->no * sizeof *b->ref), b->mag = malloc(b->no * sizeof *b->mag);
  if (!b->x || !b->f || !b->out || !b->ref || !b->mag) {
    vs__oom(st);
    return false;
  }
  fill_uniform(b->x, b->nx, 0x9E3779B97F4A7C15ull);
  fill_uniform(b->f, b->nf, 0xD1B54A32D192ED03ull);
  reference(b, b->x, b->f, b->ref, b->mag);
  vs_shape xs = VS_SHAPE(g->N, g->H, g->W, g->C), fs = VS_SHAPE(g->KH, g->KW, g->C, g->K),
           os = VS_SHAPE(g->N, g->OH, g->OW, g->K);
  if (!(b->dx = vs__device_buffer(d, b->nx * sizeof(float), &xs, VS_FLOAT, st)) ||
      !(b->df = vs__device_buffer(d, b->nf * sizeof(float), &fs, VS_FLOAT, st)) ||
      !(b->dout = vs__device_buffer(d, b->no * sizeof(float), &os, VS_FLOAT, st)))
    return false;
  cl_int err = clEnqueueWriteBuffer(*vs__queue(d), b->dx, CL_TRUE, 0, b->nx * sizeof(float), b->x, 0, NULL, NULL);
  if (err == CL_SUCCESS)
    err = clEnqueueWriteBuffer(*vs__queue(d), b->df, CL_TRUE, 0, b->nf * sizeof(float), b->f, 0, NULL, NULL);
  if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueWriteBuffer");
  return err == CL_SUCCESS;
}

static void bench_free(tune_bench *b) {
  vs__buffer_release(b->dx), vs__buffer_release(b->df), vs__buffer_release(b->dout);
  free(b->x), free(b->f), free(b->out), free(b->ref), free(b->mag), free(b->tref), free(b->tmag);
}

/* One run, finished; its cost (vs__conv_cost: CPU seconds over the threads
 * it occupies on a CPU device, wall seconds elsewhere). */
static bool run_once(tune_bench *b, vs_conv_algo a, double *seconds, vs_status *st) {
  double t0 = vs__conv_now(), c0 = vs__gemm_cpu_now();
  if (!vs__conv_algo_run(NULL, b->d, b->dev, &b->g, a, b->dx, b->df, b->dout, NULL, st)) return false;
  cl_int err = clFinish(*vs__queue(b->d));
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clFinish");
    return false;
  }
  *seconds = vs__conv_cost(b->d, &b->g, a, vs__conv_now() - t0, vs__gemm_cpu_now() - c0);
  return true;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

/* Runs a candidate once (building its kernels), reads the output back for
 * the check, then times TIMED_RUNS runs: the fastest in *best (other load
 * on a shared machine only ever slows a run, so the minimum ranks
 * candidates more steadily than the median). */
static bool measure(tune_bench *b, vs_conv_algo a, double *best, vs_status *st) {
  double t[TIMED_RUNS], first;
  /* A NaN-poisoned output: a set that leaves an element unwritten (a tail
   * of rows or pixels) fails the check instead of passing on the previous
   * candidate's values. */
  float nan_value = NAN;
  cl_int err = clEnqueueFillBuffer(*vs__queue(b->d), b->dout, &nan_value, sizeof nan_value, 0, b->no * sizeof(float), 0,
                                   NULL, NULL);
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clEnqueueFillBuffer");
    return false;
  }
  if (!run_once(b, a, &first, st)) return false;
  err = clEnqueueReadBuffer(*vs__queue(b->d), b->dout, CL_TRUE, 0, b->no * sizeof(float), b->out, 0, NULL, NULL);
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clEnqueueReadBuffer");
    return false;
  }
  for (int i = 0; i < TIMED_RUNS; i++)
    if (!run_once(b, a, &t[i], st)) return false;
  qsort(t, TIMED_RUNS, sizeof t[0], cmp_double);
  *best = t[0];
  return true;
}

/* Every output against the reference: float32 accumulation in another
 * order errs by at most about 1e-6 relative to the sum of |products| (800
 * terms here); a wrong tile or a skipped channel errs by O(1). A TF32 set
 * against the reference from the TF32-rounded input and filter, whose
 * products are exact in float32, so that only the float32 sums err: by at
 * most 2 (R + 2) 2^-24 of the sum of |products| over R = KH KW C terms
 * (test_conv_tf32.c's bound, no slack). */
static bool verify(const tune_bench *b, bool tf32, char *why, size_t cap) {
  const double *ref = tf32 ? b->tref : b->ref, *mag = tf32 ? b->tmag : b->mag;
  double rel = tf32 ? 2.0 * ((double)(b->g.KH * b->g.KW * b->g.C) + 2) * 0x1p-24 : 1e-5, slack = tf32 ? 0 : 1e-5;
  for (size_t i = 0; i < b->no; i++)
    if (!(fabs(b->out[i] - ref[i]) <= slack + rel * mag[i])) {
      size_t k = i % (size_t)b->g.K, pix = i / (size_t)b->g.K;
      snprintf(why, cap, "wrong result: output pixel %zu channel %zu = %.6g, want %.6g", pix, k, (double)b->out[i],
               ref[i]);
      return false;
    }
  return true;
}

static void params_text(vs_conv_algo a, char *buf, size_t cap) {
  if (a.kind == VS_CONV_POINTWISE)
    snprintf(buf, cap, "pointwise rm=%d nv=%d ly=%d", a.rm, a.nv, a.ly);
  else if (a.kind == VS_CONV_IGEMM_TF32)
    snprintf(buf, cap, "igemm-tf32 wm=%d wn=%d fm=%d fn=%d ks=%d", a.q.wm, a.q.wn, a.q.fm, a.q.fn, a.q.ks);
  else if (a.kind == VS_CONV_IGEMM)
    snprintf(buf, cap, "igemm mwg=%d nwg=%d kwg=%d mdimc=%d ndimc=%d vw=%d db=%d vwm=%d", a.mwg, a.nwg, a.kwg,
             a.mdimc, a.ndimc, a.vw, a.db, a.vwm);
  else if (a.rh > 1) /* the strip's rows per work-item, named only when there is more than one */
    snprintf(buf, cap, "rm=%d nv=%d uc=%d ly=%d rw=%d rh=%d", a.rm, a.nv, a.uc, a.ly, a.rw, a.rh);
  else
    snprintf(buf, cap, "rm=%d nv=%d uc=%d ly=%d rw=%d", a.rm, a.nv, a.uc, a.ly, a.rw);
}

/* The pointwise kernel's candidates on a 1x1 family, after `done` of
 * them: phase 1 its register tiles (rm x nv accumulators, nv filter
 * vectors and the broadcast within the device's regs, as the direct
 * kernel's) with 4 items a group, phase 2 the group size around pw, its
 * best tile so far; false when they are over. */
static bool next_pointwise(const vs_conv_geom *g, int regs, size_t done, vs_conv_algo pw, vs_conv_algo *out) {
  static const int RMS[] = {2, 4, 6, 8, 10, 12, 14, 16}, NVS[] = {1, 2, 4}, LYS[] = {1, 2, 8, 16};
  size_t k = 0;
  if (!vs__conv_pointwise_applies(g)) return false;
  for (size_t r = 0; r < sizeof RMS / sizeof *RMS; r++)
    for (size_t v = 0; v < sizeof NVS / sizeof *NVS; v++) {
      vs_conv_algo a = VS_CONV_SET(VS_CONV_POINTWISE, RMS[r], NVS[v], 1, 4, 0);
      if (a.rm * a.nv + a.nv > regs - 1 || !vs__conv_pointwise_fits(g, a)) continue;
      if (k++ == done) {
        *out = a;
        return true;
      }
    }
  if (pw.kind != VS_CONV_POINTWISE) return false; /* no tile of phase 1 ran */
  for (size_t l = 0; l < sizeof LYS / sizeof *LYS; l++) {
    vs_conv_algo a = pw;
    a.ly = LYS[l];
    if (k++ == done) {
      *out = a;
      return true;
    }
  }
  return false;
}

/* The next candidate of the search after `done` have been tried (phase 2
 * centred on best, phase 3 on strip, the fastest strip set so far);
 * false when the search is over. */
static bool next_candidate(const vs_conv_geom *g, vs_conv_algo dflt, int regs, size_t done, vs_conv_algo best,
                           vs_conv_algo strip, vs_conv_algo *out) {
  static const int RMS[] = {2, 4, 6, 8, 10, 12, 14, 16}, NVS[] = {1, 2, 4}, UCS[] = {1, 2, 4}, LYS[] = {1, 2, 4, 8, 16},
                   RHS[] = {2, 4, 8};
  size_t k = 0;
  for (int rw = VS_CONV_PIXELS; rw <= VS_CONV_STRIP; rw++)
  for (size_t r = 0; r < sizeof RMS / sizeof *RMS; r++)
    for (size_t v = 0; v < sizeof NVS / sizeof *NVS; v++) {
      vs_conv_algo a = VS_CONV_SET(VS_CONV_DIRECT, RMS[r], NVS[v], dflt.uc, dflt.ly, rw);
      /* rm x nv accumulators, one tap's nv filter vectors and the
       * broadcast in the device's registers (vs__conv_direct_registers).
       * Not the strip form's kw x nv filter vectors: on the AVX2 Zen 3 its
       * fastest set, rm4 nv1 on 5x5 (9 float16s, 18 ymm), held more than
       * the 16 registers; those taps are reloaded from L1, the
       * accumulators are what must not spill. */
      if (a.rm * a.nv + a.nv > regs - 1 || !vs__conv_direct_fits(g, a)) continue;
      if (k++ == done) {
        *out = a;
        return true;
      }
    }
  for (size_t u = 0; u < sizeof UCS / sizeof *UCS; u++)
    for (size_t l = 0; l < sizeof LYS / sizeof *LYS; l++) {
      vs_conv_algo a = VS_CONV_SET(VS_CONV_DIRECT, best.rm, best.nv, UCS[u], LYS[l], best.rw);
      if (a.uc == dflt.uc && a.ly == dflt.ly) continue; /* phase 1 ran it */
      if (k++ == done) {
        *out = a;
        return true;
      }
    }
  /* Phase 3: the fastest strip set blocked across 2, 4 and 8 output rows
   * (whatever form won: the rows only exist in the strip form; on a
   * dilated width the candidates do not fit and are reported so). */
  for (size_t h = 0; h < sizeof RHS / sizeof *RHS; h++) {
    vs_conv_algo a = VS_CONV_SET_RH(VS_CONV_DIRECT, strip.rm, strip.nv, strip.uc, strip.ly, VS_CONV_STRIP, RHS[h]);
    if (k++ == done) {
      *out = a;
      return true;
    }
  }
  return false;
}

static bool same(vs_conv_algo a, vs_conv_algo b) {
  if (a.kind != b.kind) return false;
  if (a.kind == VS_CONV_IGEMM) return memcmp(&a, &b, sizeof a) == 0;
  return a.rm == b.rm && a.nv == b.nv && a.uc == b.uc && a.ly == b.ly && a.rw == b.rw && a.rh == b.rh;
}

/* ---- the TF32 search ---- */

static bool conv_mma_fits(const void *d, vs_mma_params q) {
  return vs__conv_mma_fits(d, vs__conv_mma_algo(q), NULL, 0);
}

/* The TF32 defaults the choice times on d (the bar) into bar[3]; their
 * number. */
static size_t bar_sets(const vs_cl_device *d, vs_mma_params *bar) {
  vs_conv_algo defs[3];
  size_t n = vs__conv_mma_defaults(d, defs, 3);
  for (size_t i = 0; i < n; i++) bar[i] = defs[i].q;
  return n;
}

/* The `done`-th TF32 candidate on d into *q: the TF32 GEMM tuner's walk
 * (vs__mma_search_next), less the bar, those this kernel fits on d
 * (work-group size; local memory with double buffering, the gathered
 * rows' indices and, without the instruction, the emulation's scratch).
 * False when the search is over. */
static bool next_tf32(const vs_cl_device *d, size_t done, vs_mma_params *q) {
  vs_mma_params bar[3];
  return vs__mma_search_next(done, bar, bar_sets(d, bar), conv_mma_fits, d, q);
}

size_t vs__conv_tf32_search_space(size_t i, int (*out)[5], size_t cap, vs_status *st) {
  vs__ok(st);
  vs_cl_device *d = vs__device(i, st);
  if (!d) return 0;
  vs_mma_params bar[3];
  return vs__mma_search_list(bar, bar_sets(d, bar), conv_mma_fits, d, out, cap);
}

/* The TF32 search's view of b (tf32_search.h's callbacks). */
typedef struct conv_tf32 {
  tune_bench *b;
  const vs__conv_tune_plan *plan;
} conv_tf32;

static bool tf32_measure(void *ctx, vs_mma_params q, double *seconds, vs_status *st) {
  return measure(((conv_tf32 *)ctx)->b, vs__conv_mma_algo(q), seconds, st);
}

static bool tf32_check(void *ctx, int index, double *seconds, char *why, size_t cap) {
  const conv_tf32 *x = ctx;
  if (x->plan && x->plan->inject) x->plan->inject(x->plan->user, index, x->b->out, x->b->no, seconds);
  return verify(x->b, true, why, cap);
}

/* The plan's TF32 candidates, or the search. */
static int tf32_next(void *ctx, size_t c, vs_mma_params *q) {
  const conv_tf32 *x = ctx;
  if (!x->plan || !x->plan->tf32_candidates) return next_tf32(x->b->d, c, q);
  if (c >= x->plan->n_tf32) return 0;
  const int *p = x->plan->tf32_candidates[c];
  *q = (vs_mma_params){p[0], p[1], p[2], p[3], p[4]};
  return 1;
}

static bool tf32_fits(void *ctx, vs_mma_params q, char *why, size_t cap) {
  const conv_tf32 *x = ctx;
  return vs__conv_mma_fits(x->b->d, vs__conv_mma_algo(q), why, cap);
}

static void tf32_text(vs_mma_params q, char *buf, size_t cap) { params_text(vs__conv_mma_algo(q), buf, cap); }

/* The TF32 half of the tuner on b (tf32_search.h): the bar (the fastest
 * of the TF32 defaults the choice times), then the search (or the plan's
 * TF32 candidates), each set verified before it is timed; the fastest
 * correct one stored under "tf32|<family>" when it beats the bar by
 * MIN_GAIN, else that key's set removed. */
static void tune_tf32(tune_bench *b, const vs__conv_tune_plan *plan, const vs_conv_tune_opts *o, double budget,
                      const char *family, vs_conv_tune_result *res, vs_status *st) {
  res->tf32_searched = true;
  vs_cl_device *d = b->d;
  const vs_conv_geom *g = &b->g;
  /* The input and filter rounded as the kernel rounds them (a TF32 value
   * is a float32 one), then the same reference. */
  float *xr = malloc(b->nx * sizeof *xr), *fr = malloc(b->nf * sizeof *fr);
  b->tref = malloc(b->no * sizeof *b->tref), b->tmag = malloc(b->no * sizeof *b->tmag);
  if (!xr || !fr || !b->tref || !b->tmag) {
    free(xr), free(fr);
    vs__oom(st);
    return;
  }
  for (size_t i = 0; i < b->nx; i++) xr[i] = (float)vs__tf32_rna(b->x[i]);
  for (size_t i = 0; i < b->nf; i++) fr[i] = (float)vs__tf32_rna(b->f[i]);
  reference(b, xr, fr, b->tref, b->tmag);
  free(xr), free(fr);
  vs_mma_params bar[3];
  size_t nbar = bar_sets(d, bar);
  conv_tf32 x = {b, plan};
  vs_tf32_search s = {.ctx = &x, .measure = tf32_measure, .check = tf32_check, .next = tf32_next, .fits = tf32_fits,
                      .text = tf32_text, .bar = bar, .nbar = nbar, .count = plan && plan->tf32_candidates ? plan->n_tf32 : 0,
                      .flop = 2.0 * (double)(g->N * g->OH * g->OW) * (double)(g->KH * g->KW * g->C * g->K),
                      .budget = budget, .progress = o->progress, .user = o->user};
  vs_tf32_found f;
  char *key = vs__tf32_search_run(&s, "vs_device_tune_conv", family, &f, st);
  if (!key) return;
  res->tried += f.tried, res->tf32_tried = f.tried, res->wrong += f.wrong, res->failed += f.failed;
  res->gflops_tf32_default = f.gflops_bar, res->gflops_tf32_best = f.gflops_best;
  if (f.kept) {
    vs_conv_algo a = vs__conv_mma_algo(f.best);
    params_text(a, res->tf32_params, sizeof res->tf32_params);
    res->tf32_stored = vs__conv_table_put(d, key, a, f.t_best * 1e3);
  } else {
    vs__conv_table_remove(d, key); /* an older TF32 set is no longer the better one (or none fits) */
  }
  free(key);
}

void vs__device_tune_conv_plan(size_t i, const vs__conv_tune_plan *plan, const vs_conv_tune_opts *opts,
                               vs_conv_tune_result *res, vs_status *st) {
  vs__ok(st);
  if (!res) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_device_tune_conv: res is NULL");
    return;
  }
  memset(res, 0, sizeof *res);
  vs_conv_tune_opts o = opts ? *opts : (vs_conv_tune_opts){0};
  int64_t *dflt[] = {&o.c, &o.k, &o.kh, &o.kw, &o.stride, &o.dilation, &o.n, &o.h, &o.w};
  static const int64_t DEFAULTS[] = {32, 32, 5, 5, 1, 1, 8, 64, 64};
  for (size_t k = 0; k < sizeof dflt / sizeof *dflt; k++) {
    if (*dflt[k] < 0 || *dflt[k] > 4096) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "vs_device_tune_conv: sizes must be 0 (the default) to 4096, got %lld", (long long)*dflt[k]);
      return;
    }
    if (!*dflt[k]) *dflt[k] = DEFAULTS[k];
  }
  double budget = o.budget_s > 0 ? o.budget_s : 60;
  vs_cl_device *d = vs__device(i, st);
  if (!d) return;
  vs_conv_geom g = {.N = o.n, .H = o.h, .W = o.w, .C = o.c, .KH = o.kh, .KW = o.kw, .K = o.k, .SH = o.stride,
                    .SW = o.stride, .DH = o.dilation, .DW = o.dilation, .dtype = VS_FLOAT};
  /* TF's SAME padding (conv2d.c's geometry, for an op that is not there). */
  g.OH = (g.H + g.SH - 1) / g.SH, g.OW = (g.W + g.SW - 1) / g.SW;
  int64_t th = (g.OH - 1) * g.SH + (g.KH - 1) * g.DH + 1 - g.H, tw = (g.OW - 1) * g.SW + (g.KW - 1) * g.DW + 1 - g.W;
  th = th > 0 ? th : 0, tw = tw > 0 ? tw : 0;
  g.PT = th / 2, g.PB = th - g.PT, g.PL = tw / 2, g.PR = tw - g.PL;
  /* The default, or the nearest set that fits: nv 1 where K is too narrow
   * for nv 2, the per-pixel form on a dilated width (or a stride whose
   * strip of the default's rm reads more than VS_CONV_STRIP_MAX_PX pixels). */
  /* The device's default and register file, asked once: each candidate's
   * walk (next_candidate, next_pointwise) takes them. */
  const vs_conv_algo dev_default = vs__conv_default_direct(d);
  const int regs = vs__conv_direct_registers(d, &g);
  vs_conv_algo def = dev_default, narrow = def;
  narrow.nv = 1;
  if (!vs__conv_direct_fits(&g, def)) {
    if (vs__conv_direct_fits(&g, narrow)) def = narrow;
    else def.rw = VS_CONV_PIXELS;
  }
  if (!vs__conv_direct_fits(&g, def)) def.nv = 1;
  if (!vs__cl_options(VS_FLOAT, d)) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "vs_device_tune_conv: float32 is not supported on %s",
             d->info.cl_name);
    return;
  }
  /* The implicit GEMM's space is searched after the direct kernel's (or
   * alone, under a test's plan), from index ig of the walk. */
  bool igemm_only = plan && plan->igemm_only, igemm = igemm_only || vs__conv_igemm_gate(d);
  size_t ig = igemm_only ? 0 : SIZE_MAX, pk = SIZE_MAX; /* where the implicit GEMM's and the pointwise walks start */
  tune_bench b;
  double flop = 2.0 * (double)(g.N * g.OH * g.OW) * (double)(g.KH * g.KW * g.C * g.K), t_def = 0;
  char text[96], why[200];
  if (!bench_init(&b, d, i, &g, st) || !measure(&b, def, &t_def, st)) {
    bench_free(&b);
    return;
  }
  if (plan && plan->inject) plan->inject(plan->user, -1, b.out, b.no, &t_def);
  params_text(def, text, sizeof text);
  if (!verify(&b, false, why, sizeof why)) { /* the default itself is wrong: nothing can be trusted */
    vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "vs_device_tune_conv: the default parameters (%s) give a %s", text, why);
    bench_free(&b);
    return;
  }
  res->gflops_default = flop / t_def / 1e9;
  if (o.progress) o.progress(o.user, VS_NPOS, 0, text, res->gflops_default, "the default (the bar to beat)");
  double t0 = vs__conv_now(), t_best = t_def;
  vs_conv_algo best = def, tile = def, itile = {0}, stile = def, ptile = {0};
  double t_ptile = 0;
  double t_itile = 0, t_stile = def.rw == VS_CONV_STRIP ? t_def : 0;
  bool kept = false;
  for (size_t k = 0;; k++) {
    vs_conv_algo a;
    if (plan && plan->tf32_only) break; /* that plan runs the TF32 half only */
    if (plan && plan->candidates) {
      if (k >= plan->n_candidates) break;
      a = (vs_conv_algo)VS_CONV_SET_RH(plan->pointwise ? VS_CONV_POINTWISE : VS_CONV_DIRECT, plan->candidates[k][0],
                                       plan->candidates[k][1], plan->candidates[k][2], plan->candidates[k][3],
                                       plan->candidates[k][4], plan->candidates[k][5]);
    } else if (pk != SIZE_MAX || ig != SIZE_MAX || !next_candidate(&g, dev_default, regs, k, tile, stile, &a)) {
      if (ig == SIZE_MAX) ig = k;
      if (pk == SIZE_MAX && (!igemm || !vs__conv_igemm_candidate(k - ig, itile, &a))) {
        if (igemm_only) break; /* that plan searches the implicit GEMM's space only */
        pk = k;
      }
      if (pk != SIZE_MAX && !next_pointwise(&g, regs, k - pk, ptile, &a)) break;
    }
    if (vs__conv_now() - t0 > budget) break;
    params_text(a, text, sizeof text);
    size_t count = plan && plan->candidates ? plan->n_candidates : 0; /* 0: the search's length is open */
    if (a.kind == VS_CONV_IGEMM && !vs__conv_igemm_fits(d, g.dtype, a, why, sizeof why)) {
      if (o.progress) o.progress(o.user, k, count, text, 0, why);
      continue;
    }
    if (a.kind == VS_CONV_POINTWISE && !vs__conv_pointwise_fits(&g, a)) {
      if (o.progress) o.progress(o.user, k, count, text, 0, "does not fit this shape");
      continue;
    }
    if (a.kind == VS_CONV_DIRECT && (same(a, def) || !vs__conv_direct_fits(&g, a))) {
      if (o.progress) o.progress(o.user, k, count, text, 0, same(a, def) ? "the default" : "does not fit this shape");
      continue;
    }
    res->tried++;
    vs_status *cst = vs_status_new();
    double t = 0;
    const char *verdict;
    if (!cst || !measure(&b, a, &t, cst)) {
      snprintf(why, sizeof why, "failed: %s", cst ? vs_status_message(cst) : "out of memory");
      res->failed++;
      verdict = why;
      t = 0;
    } else {
      if (plan && plan->inject) plan->inject(plan->user, (int)k, b.out, b.no, &t);
      if (!verify(&b, false, why, sizeof why)) {
        res->wrong++;
        verdict = why;
        t = -t; /* reported, never kept */
      } else if (t < t_best) {
        verdict = t * MIN_GAIN <= t_def ? "correct, fastest so far" : "correct, fastest so far but within 3% of the default";
        t_best = t;
        best = a;
        kept = t * MIN_GAIN <= t_def;
      } else {
        verdict = "correct, slower";
      }
    }
    vs_status_free(cst);
    /* Phase 1's best tile centres phase 2 (the same tile as best, correct);
     * the implicit GEMM's phase 2 centres on its own best set. */
    if (t > 0 && same(best, a)) tile = a;
    if (t > 0 && a.kind == VS_CONV_IGEMM && (t_itile <= 0 || t < t_itile)) itile = a, t_itile = t;
    if (t > 0 && a.kind == VS_CONV_POINTWISE && (t_ptile <= 0 || t < t_ptile)) ptile = a, t_ptile = t;
    if (t > 0 && a.kind == VS_CONV_DIRECT && a.rw == VS_CONV_STRIP && a.rh == 1 && (t_stile <= 0 || t < t_stile))
      stile = a, t_stile = t; /* phase 3's centre */
    if (o.progress) o.progress(o.user, k, count, text, t > 0 ? flop / t / 1e9 : 0, verdict);
  }
  char *fkey = vs__conv_family_key(&g);
  if (!fkey) {
    vs__oom(st);
    bench_free(&b);
    return;
  }
  if (kept) {
    res->gflops_best = flop / t_best / 1e9;
    params_text(best, res->params, sizeof res->params);
    res->stored = vs__conv_table_put(d, fkey, best, t_best * 1e3);
  } else if (!(plan && plan->tf32_only)) {
    vs__conv_table_remove(d, fkey); /* an older tuned set is no longer the better one */
  }
  /* The TF32 sets where the device has matrix units (else
   * res->tf32_searched stays false: the caller says so). */
  if (vs__tf32_units(d)) tune_tf32(&b, plan, &o, budget, fkey, res, st);
  bench_free(&b);
  /* Its geometries choose again (float32 and TF32 ones: a TF32 choice
   * times the float32 kernels' tuned set too), with the kept sets among
   * the candidates. */
  vs__conv_table_forget_family(d, &g);
  free(fkey);
}

VS_API void vs_device_tune_conv(size_t i, const vs_conv_tune_opts *opts, vs_conv_tune_result *res, vs_status *st) {
  vs__device_tune_conv_plan(i, NULL, opts, res, st);
}
