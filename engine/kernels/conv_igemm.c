/* conv_igemm.c - conv2d as an implicit GEMM with local-memory tiles and
 * register blocking (cl_kernels/conv_igemm.cl), the kernel designed for
 * GPUs: its parameters, their validation against the device's limits, its
 * default sets and search space, and its launch.
 *
 * Nothing here names a GPU: every parameter set is checked against what
 * the device reports (local memory size, work-group size, and, once
 * built, the kernel's own work-group limit and local memory), and which
 * set runs a geometry is measured (conv_select.c, conv_tune.c). The kernel
 * only takes part in the measured selection on devices whose local memory
 * is their own (CL_LOCAL: GPUs); where it is carved out of global memory
 * (CL_GLOBAL: PoCL and other CPU drivers) staging through it is a copy
 * that buys nothing, and it runs only when forced or by tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/conv_internal.h"
#include "kernels/conv_tuning.h"
#include "kernels/kernels_internal.h"
#include "kernels/launch_grid.h"

#define MAX_WG_TILE 256 /* mwg, nwg, kwg */
#define MAX_DIMC 64     /* mdimc, ndimc */
#define MAX_BLOCK 256   /* mwi x nwi accumulators per work-item */

#define IG(m, n, k, dm, dn, v, b, vm)                                                                              \
  ((vs_conv_algo){                                                                                                 \
      .kind = VS_CONV_IGEMM, .mwg = m, .nwg = n, .kwg = k, .mdimc = dm, .ndimc = dn, .vw = v, .db = b, .vwm = vm})

/* Default sets, in the order selection tries them; those that do not fit
 * the device's local memory or work-groups are dropped (defaults()), so
 * the list a device measures follows from its limits: 256-item groups
 * with 8x8 and 4x4 register blocks, then 64-item groups. Each reads A in
 * 4-wide local vectors (vwm 4): in the PTX for sm_90 (tools/
 * ptx-loop-stats.sh) the 8x8 block's k-step is then 4 ld.shared.v4 for
 * 64 FMAs, where vwm 1 takes 2 v4 and 8 scalar loads (docs/
 * conv-performance.md, helper igemm13); vwm 1 and 2 are the tuner's. */
static const vs_conv_algo DEFAULTS[] = {
    IG(128, 128, 16, 16, 16, 4, 1, 4),
    IG(64, 64, 16, 16, 16, 4, 1, 4),
    IG(64, 64, 16, 8, 8, 4, 1, 4),
    IG(32, 32, 16, 8, 8, 2, 0, 4),
};

bool vs__conv_igemm_valid(vs_conv_algo a) {
  bool vw = a.vw == 1 || a.vw == 2 || a.vw == 4 || a.vw == 8 || a.vw == 16, vwm = a.vwm == 1 || a.vwm == 2 || a.vwm == 4;
  if (a.kind != VS_CONV_IGEMM || !vw || !vwm || a.db < 0 || a.db > 1 || a.mwg < 1 || a.mwg > MAX_WG_TILE || a.nwg < 1 ||
      a.nwg > MAX_WG_TILE || a.kwg < 1 || a.kwg > MAX_WG_TILE || a.mdimc < 1 || a.mdimc > MAX_DIMC || a.ndimc < 1 ||
      a.ndimc > MAX_DIMC)
    return false;
  return a.mwg % a.mdimc == 0 && (a.mwg / a.mdimc) % a.vwm == 0 && a.nwg % (a.ndimc * a.vw) == 0 &&
         (a.mwg / a.mdimc) * (a.nwg / a.ndimc) <= MAX_BLOCK;
}

/* The __local bytes the kernel declares: the A slices (rows padded by
 * vwm) and F slices (twice when double-buffered) and a long and two ints
 * per tile row. */
static size_t local_bytes(vs_conv_algo a, vs_dtype dtype) {
  return (size_t)(a.db ? 2 : 1) * (size_t)a.kwg * (size_t)(a.mwg + a.vwm + a.nwg) * vs_dtype_size(dtype) +
         (size_t)a.mwg * (sizeof(cl_long) + 2 * sizeof(cl_int));
}

typedef struct limits {
  cl_ulong local_mem;
  cl_device_local_mem_type local_type;
  size_t max_wg, max_item0;
} limits;

/* The device's limits, read once by the registry (max_item0 0: unanswered). */
static bool device_limits(const vs_cl_device *d, limits *l) {
  *l = (limits){.local_mem = d->local_mem, .local_type = d->local_type, .max_wg = d->max_work_group,
                .max_item0 = d->max_item0};
  return l->max_item0 > 0;
}

void vs__conv_igemm_name(vs_conv_algo a, char *buf, size_t cap) {
  char vm[16] = "";
  if (a.vwm > 1) snprintf(vm, sizeof vm, " vm%d", a.vwm);
  snprintf(buf, cap, "igemm m%d n%d k%d d%dx%d v%d%s%s", a.mwg, a.nwg, a.kwg, a.mdimc, a.ndimc, a.vw, a.db ? " db" : "",
           vm);
}

bool vs__conv_igemm_fits(vs_cl_device *d, vs_dtype dtype, vs_conv_algo a, char *why, size_t cap) {
  char name[64], text[200] = "";
  limits l;
  vs__conv_igemm_name(a, name, sizeof name);
  size_t wgs = (size_t)a.mdimc * (size_t)a.ndimc, need = local_bytes(a, dtype);
  if (!vs__conv_igemm_valid(a))
    snprintf(text, sizeof text, "%s: parameters out of range or not dividing each other", name);
  else if (!device_limits(d, &l))
    snprintf(text, sizeof text, "%s: the device's local memory and work-group limits cannot be read", name);
  else if (wgs > l.max_wg || wgs > l.max_item0)
    snprintf(text, sizeof text, "%s: needs work-groups of %zu items; the device allows %zu", name, wgs,
             l.max_wg < l.max_item0 ? l.max_wg : l.max_item0);
  else if (need > l.local_mem)
    snprintf(text, sizeof text, "%s: needs %zu bytes of local memory; the device has %llu", name, need,
             (unsigned long long)l.local_mem);
  if (why && cap) snprintf(why, cap, "%s", text);
  return !*text;
}

bool vs__conv_igemm_gate(vs_cl_device *d) {
  limits l;
  return device_limits(d, &l) && l.local_type == CL_LOCAL;
}

bool vs__conv_igemm_selectable(size_t i) {
  vs_status *st = vs_status_new();
  vs_cl_device *d = st ? vs__device(i, st) : NULL;
  vs_status_free(st);
  return d && vs__conv_igemm_gate(d);
}

size_t vs__conv_igemm_defaults(vs_cl_device *d, vs_dtype dtype, vs_conv_algo *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < sizeof DEFAULTS / sizeof *DEFAULTS && n < cap; i++)
    if (vs__conv_igemm_fits(d, dtype, DEFAULTS[i], NULL, 0)) out[n++] = DEFAULTS[i];
  return n;
}

/* The widest A vector (4, 2, 1) dividing a's MWI. */
static int widest_vwm(vs_conv_algo a) {
  int mwi = a.mwg / a.mdimc;
  return mwi % 4 == 0 ? 4 : mwi % 2 == 0 ? 2 : 1;
}

/* The search space, bounded (27 sets): phase 1 walks the output tile,
 * work-group shape and vector width with 16-deep single-buffered slices,
 * register blocks of 4 to 64 accumulators and A's widest local vector;
 * phase 2 walks the slice depth and double buffering around phase 1's
 * best tile, and then A's narrower vectors (vwm 1, 2) with that tile.
 * Sets that do not fit a device are listed all the same: the tuner
 * reports and skips them. */
bool vs__conv_igemm_candidate(size_t idx, vs_conv_algo centre, vs_conv_algo *out) {
  static const int TILES[][2] = {{32, 32}, {64, 64}, {128, 64}, {64, 128}, {128, 128}}, DIMCS[] = {8, 16},
                   VWS[] = {1, 2, 4}, KWGS[] = {8, 16, 32};
  size_t k = 0;
  for (size_t t = 0; t < sizeof TILES / sizeof *TILES; t++)
    for (size_t dc = 0; dc < sizeof DIMCS / sizeof *DIMCS; dc++)
      for (size_t v = 0; v < sizeof VWS / sizeof *VWS; v++) {
        vs_conv_algo a = IG(TILES[t][0], TILES[t][1], 16, DIMCS[dc], DIMCS[dc], VWS[v], 0, 1);
        a.vwm = widest_vwm(a);
        int block = (a.mwg / a.mdimc) * (a.nwg / a.ndimc);
        if (!vs__conv_igemm_valid(a) || block < 4 || block > 64) continue;
        if (k++ == idx) {
          *out = a;
          return true;
        }
      }
  if (centre.kind != VS_CONV_IGEMM) return false; /* no tile of phase 1 ran */
  for (size_t kw = 0; kw < sizeof KWGS / sizeof *KWGS; kw++)
    for (int db = 0; db <= 1; db++) {
      vs_conv_algo a = centre;
      a.kwg = KWGS[kw], a.db = db;
      if (a.kwg == 16 && !db) continue; /* phase 1 ran it */
      if (k++ == idx) {
        *out = a;
        return true;
      }
    }
  for (int vm = 1; vm <= 2; vm *= 2) { /* phase 1's tile read with A's narrower vectors */
    vs_conv_algo a = centre;
    a.vwm = vm;
    if (vm == centre.vwm || !vs__conv_igemm_valid(a)) continue;
    if (k++ == idx) {
      *out = a;
      return true;
    }
  }
  return false;
}

void vs__conv_igemm_fields(vs_conv_algo a, char *buf, size_t cap) {
  snprintf(buf, cap, "%d %d %d %d %d %d %d %d %d", (int)VS_CONV_IGEMM, a.mwg, a.nwg, a.kwg, a.mdimc, a.ndimc, a.vw, a.db,
           a.vwm);
}

bool vs__conv_igemm_parse(const char *s, vs_conv_algo *a) {
  int kind, used = 0;
  vs_conv_algo x = IG(0, 0, 0, 0, 0, 0, 0, 0);
  /* Nine fields: a line of the eight before vwm (a kernel since changed)
   * does not parse, and its geometry is measured again. */
  if (sscanf(s, "%d %d %d %d %d %d %d %d %d%n", &kind, &x.mwg, &x.nwg, &x.kwg, &x.mdimc, &x.ndimc, &x.vw, &x.db,
             &x.vwm, &used) != 9 ||
      kind != VS_CONV_IGEMM || (s[used] != '\t' && s[used]) || !vs__conv_igemm_valid(x))
    return false;
  *a = x;
  return true;
}

bool vs__conv_igemm_forced(vs_cl_device *d, const vs_conv_geom *g, const char *force, vs_conv_algo *a, vs_status *st) {
  if (strcmp(force, "igemm") == 0) {
    /* The first default that fits; none fitting, the last, which the run
     * refuses with the reason. */
    if (!vs__conv_igemm_defaults(d, g->dtype, a, 1)) *a = DEFAULTS[sizeof DEFAULTS / sizeof *DEFAULTS - 1];
    return true;
  }
  vs_conv_algo x = IG(0, 0, 0, 0, 0, 0, 0, 1); /* VWM 1 unless given */
  int used = 0, more = 0, more2 = 0;
  const char *rest = force + 6;
  if (strncmp(force, "igemm:", 6) == 0 &&
      sscanf(rest, "%d,%d,%d,%d,%d,%d%n", &x.mwg, &x.nwg, &x.kwg, &x.mdimc, &x.ndimc, &x.vw, &used) == 6 &&
      (!rest[used] ||
       (sscanf(rest + used, ",%d%n", &x.db, &more) == 1 &&
        (!rest[used + more] ||
         (sscanf(rest + used + more, ",%d%n", &x.vwm, &more2) == 1 && !rest[used + more + more2])))) &&
      vs__conv_igemm_valid(x)) {
    *a = x;
    return true;
  }
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
           "VARSCOPE_CONV='%s': igemm:MWG,NWG,KWG,MDIMC,NDIMC,VW[,DB[,VWM]] wants MWG, NWG, KWG 1 to %d, MDIMC and "
           "NDIMC 1 to %d dividing MWG and NWG / VW, VW 1, 2, 4, 8 or 16, DB 0 or 1, VWM 1, 2 or 4 dividing "
           "MWG / MDIMC, at most %d accumulators a work-item",
           force, MAX_WG_TILE, MAX_DIMC, MAX_BLOCK);
  return false;
}

void vs__conv_igemm_args(vs_conv_igemm_argv *v, const vs_conv_geom *g, cl_mem x, cl_mem f, cl_mem out,
                         const vs_conv_epi *epi) {
  *v = (vs_conv_igemm_argv){.out = out, .x = x, .f = f, .bias = epi && epi->bias ? epi->bias : f, /* f: never read */
                            .i = {(cl_int)g->H, (cl_int)g->W, (cl_int)g->C, (cl_int)g->KH, (cl_int)g->KW, (cl_int)g->K,
                                  (cl_int)g->PT, (cl_int)g->PL, (cl_int)g->OH, (cl_int)g->OW, (cl_int)g->SH,
                                  (cl_int)g->SW, (cl_int)g->DH, (cl_int)g->DW},
                            .M = (cl_ulong)(g->N * g->OH * g->OW), .has_bias = epi && epi->bias,
                            .relu = epi && epi->relu};
  karg *k = v->args;
  *k++ = KARG(v->out), *k++ = KARG(v->x), *k++ = KARG(v->f), *k++ = KARG(v->bias);
  for (int i = 0; i < 14; i++) *k++ = KARG(v->i[i]);
  *k++ = KARG(v->M), *k++ = KARG(v->has_bias), *k = KARG(v->relu);
}

bool vs__conv_igemm(vs_run *r, vs_cl_device *d, const vs_conv_geom *g, vs_conv_algo a, cl_mem x, cl_mem f, cl_mem out,
                    const vs_conv_epi *epi, vs_status *st) {
  char why[200], name[64];
  if (!vs__conv_igemm_fits(d, g->dtype, a, why, sizeof why)) {
    vs__fail(st, vs__conv_igemm_valid(a) ? VS_RESOURCE_EXHAUSTED : VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s", why);
    return false;
  }
  vs__conv_igemm_name(a, name, sizeof name);
  /* The kernel's reduction index and output column are 32-bit ints. */
  if (g->KH * g->KW * g->C > INT32_MAX || g->K > INT32_MAX - 2 * MAX_WG_TILE) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR,
             "%s: a reduction of %lld or %lld output channels does not fit its 32-bit indices", name,
             (long long)(g->KH * g->KW * g->C), (long long)g->K);
    return false;
  }
  const char *base = vs__cl_options(g->dtype, d);
  char opts[256];
  snprintf(opts, sizeof opts, "%s -DMWG=%d -DNWG=%d -DKWG=%d -DMDIMC=%d -DNDIMC=%d -DVW=%d -DDB=%d -DVWM=%d",
           base ? base : "", a.mwg, a.nwg, a.kwg, a.mdimc, a.ndimc, a.vw, a.db, a.vwm);
  vs_kernel_use u;
  if (!vs__kernel_get(r, d, "conv_igemm", g->dtype, "conv2d_igemm", opts, &u, st)) return false;
  /* What the compiled kernel can take (vs__kernel_use_takes). Asked once
   * per session's kept object (its entry keeps the answers), at each
   * launch only outside a run (selection, tuning: a fresh object). */
  size_t wgs = (size_t)a.mdimc * (size_t)a.ndimc;
  if (!vs__kernel_use_takes(d, &u, wgs, name, st)) {
    vs__kernel_put(&u);
    return false;
  }
  vs_conv_igemm_argv v;
  vs__conv_igemm_args(&v, g, x, f, out, epi);
  cl_ulong M = v.M;
  size_t gm = (size_t)((M + (cl_ulong)a.mwg - 1) / (cl_ulong)a.mwg), gn = (size_t)((g->K + a.nwg - 1) / a.nwg);
  size_t global[2] = {gm * wgs, gn}, local[2] = {wgs, 1};
  /* Tiles placed by get_group_id: never cut (launch_grid.h). */
  bool ok = vs__kernel_enqueue_cut(d, &u, 2, global, local, VS_CUT_NONE, v.args, VS_CONV_IGEMM_ARGS, "conv2d (igemm)", st);
  vs__kernel_put(&u);
  return ok;
}
