/* conv_igemm_tf32.c - runs the TF32 implicit-GEMM conv2d
 * (cl_kernels/conv_igemm_tf32.cl): its default sets, their check against
 * the device's limits, VARSCOPE_CONV's igemm-tf32 form, the store table's
 * fields, and the launch.
 *
 * Its parameters are the TF32 GEMM's (vs_mma_params, gemm_mma.c), and so
 * is the instruction: on a device with TF32 matrix units the program is
 * built with VS_NV_MMA (the inline PTX), elsewhere (PoCL, under the
 * tests' pretence or a forced run) with the exact emulation, which needs
 * 192 floats of __local scratch a warp more. Which set runs a geometry is
 * measured (conv_select.c), only for float32 convs of sessions with
 * tensor_float_32_execution on devices with the units (vs__tf32_units);
 * no set below is a GPU guess, only a candidate. */
#include <stdio.h>
#include <string.h>

#include "kernels/conv_internal.h"
#include "kernels/kernels_internal.h"
#include "kernels/launch_grid.h"

vs_conv_algo vs__conv_mma_algo(vs_mma_params q) { return (vs_conv_algo){.kind = VS_CONV_IGEMM_TF32, .q = q}; }

/* 64 x 64 tiles of 4 warps (32 x 32 each), then 128 x 64 of 8 warps for
 * the large layers (16-deep slices: double-buffered, 32-deep ones would
 * need 57 KB of local memory, over the 48 KB of NVIDIA's OpenCL), then
 * one warp of 32 x 16 for the small ones (few output pixels or
 * channels): the TF32 GEMM's first sets' shapes, as cuDNN's
 * implicit-GEMM TF32 kernels start from CUTLASS's. */
static const vs_mma_params DEFAULTS[] = {{2, 2, 2, 4, 16}, {4, 2, 2, 4, 16}, {1, 1, 2, 2, 16}};

/* __local bytes: two buffers of the A and F slices (rows padded by 4
 * floats), the emulation's scratch where there is no instruction, three
 * ints a row. */
static size_t local_bytes(vs_mma_params q, bool units) {
  size_t lds = (size_t)q.ks + 4, bm = (size_t)(q.wm * q.fm * 16), bn = (size_t)(q.wn * q.fn * 8);
  size_t scratch = units ? 1 : (size_t)(q.wm * q.wn) * 192;
  return (2 * (bm * lds + bn * lds) + scratch) * sizeof(float) + 3 * bm * sizeof(cl_int);
}

void vs__conv_mma_name(vs_conv_algo a, char *buf, size_t cap) {
  snprintf(buf, cap, "igemm-tf32 w%dx%d f%dx%d k%d", a.q.wm, a.q.wn, a.q.fm, a.q.fn, a.q.ks);
}

bool vs__conv_mma_fits(const vs_cl_device *d, vs_conv_algo a, char *why, size_t cap) {
  char name[48], text[200] = "";
  vs__conv_mma_name(a, name, sizeof name);
  size_t items = (size_t)(32 * a.q.wm * a.q.wn);
  size_t wg = d->max_work_group < d->max_item0 ? d->max_work_group : d->max_item0;
  if (a.kind != VS_CONV_IGEMM_TF32 || !vs__mma_params_ok(a.q))
    snprintf(text, sizeof text, "%s: parameters out of range", name);
  else if (!d->max_item0)
    snprintf(text, sizeof text, "%s: the device's work-group limits cannot be read", name);
  else if (items > wg)
    snprintf(text, sizeof text, "%s: needs work-groups of %zu items; the device allows %zu", name, items, wg);
  else if (local_bytes(a.q, d->info.tf32_matrix_units) > d->local_mem)
    snprintf(text, sizeof text, "%s: needs %zu bytes of local memory; the device has %llu", name,
             local_bytes(a.q, d->info.tf32_matrix_units), (unsigned long long)d->local_mem);
  if (why && cap) snprintf(why, cap, "%s", text);
  return !*text;
}

size_t vs__conv_mma_defaults(const vs_cl_device *d, vs_conv_algo *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < sizeof DEFAULTS / sizeof *DEFAULTS && n < cap; i++)
    if (vs__conv_mma_fits(d, vs__conv_mma_algo(DEFAULTS[i]), NULL, 0)) out[n++] = vs__conv_mma_algo(DEFAULTS[i]);
  return n;
}

void vs__conv_mma_fields(vs_conv_algo a, char *buf, size_t cap) {
  snprintf(buf, cap, "%d %d %d %d %d %d", (int)VS_CONV_IGEMM_TF32, a.q.wm, a.q.wn, a.q.fm, a.q.fn, a.q.ks);
}

bool vs__conv_mma_parse(const char *s, vs_conv_algo *a) {
  int kind, used = 0;
  vs_mma_params q;
  if (sscanf(s, "%d %d %d %d %d %d%n", &kind, &q.wm, &q.wn, &q.fm, &q.fn, &q.ks, &used) != 6 ||
      kind != VS_CONV_IGEMM_TF32 || (s[used] != '\t' && s[used]) || !vs__mma_params_ok(q))
    return false;
  *a = vs__conv_mma_algo(q);
  return true;
}

bool vs__conv_mma_is_forced(const char *force) {
  return strncmp(force, "igemm-tf32", 10) == 0 && (!force[10] || force[10] == ':');
}

bool vs__conv_mma_forced(const vs_cl_device *d, const char *force, vs_conv_algo *a, vs_status *st) {
  if (!force[10]) {
    /* The first default that fits; none fitting, the first, which the run
     * refuses with the reason. */
    if (!vs__conv_mma_defaults(d, a, 1)) *a = vs__conv_mma_algo(DEFAULTS[0]);
    return true;
  }
  vs_mma_params q;
  int used = 0;
  if (sscanf(force + 11, "%d,%d,%d,%d,%d%n", &q.wm, &q.wn, &q.fm, &q.fn, &q.ks, &used) == 5 && !force[11 + used] &&
      vs__mma_params_ok(q)) {
    *a = vs__conv_mma_algo(q);
    return true;
  }
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
           "VARSCOPE_CONV='%s': igemm-tf32:WM,WN,FM,FN,KS wants WM x WN 1-%d, FM and FN 1-%d, KS 8, 16, 32 or 64",
           force, VS_MMA_MAX_WARPS, VS_MMA_MAX_FRAG);
  return false;
}

bool vs__conv_igemm_tf32(vs_run *r, vs_cl_device *d, const vs_conv_geom *g, vs_conv_algo a, cl_mem x, cl_mem f,
                         cl_mem out, const vs_conv_epi *epi, vs_status *st) {
  char why[200], name[48];
  if (!vs__conv_mma_fits(d, a, why, sizeof why)) {
    vs__fail(st, vs__mma_params_ok(a.q) ? VS_RESOURCE_EXHAUSTED : VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s", why);
    return false;
  }
  vs__conv_mma_name(a, name, sizeof name);
  if (g->dtype != VS_FLOAT) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: TF32 products are for float32, not %s", name,
             vs_dtype_name(g->dtype));
    return false;
  }
  /* The kernel's reduction index and output column are 32-bit ints. */
  if (g->KH * g->KW * g->C > INT32_MAX - 64 || g->K > INT32_MAX - 8 * VS_MMA_MAX_WARPS * VS_MMA_MAX_FRAG) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR,
             "%s: a reduction of %lld or %lld output channels does not fit its 32-bit indices", name,
             (long long)(g->KH * g->KW * g->C), (long long)g->K);
    return false;
  }
  cl_ulong M = (cl_ulong)(g->N * g->OH * g->OW);
  if (!M || !g->K) return true;
  const char *base = vs__cl_options(VS_FLOAT, d);
  char opts[256];
  snprintf(opts, sizeof opts, "%s -DWM=%d -DWN=%d -DFM=%d -DFN=%d -DKS=%d%s", base ? base : "", a.q.wm, a.q.wn,
           a.q.fm, a.q.fn, a.q.ks, d->info.tf32_matrix_units ? " -DVS_NV_MMA" : "");
  vs_kernel_use u;
  if (!vs__kernel_get(r, d, "conv_igemm_tf32", VS_FLOAT, "conv2d_igemm_tf32", opts, &u, st)) return false;
  size_t items = (size_t)(32 * a.q.wm * a.q.wn);
  if (!vs__kernel_use_takes(d, &u, items, name, st)) {
    vs__kernel_put(&u);
    return false;
  }
  vs_conv_igemm_argv v;
  vs__conv_igemm_args(&v, g, x, f, out, epi);
  cl_int vf = g->K % 4 == 0; /* the filter's rows 16-byte aligned: float4 loads (the kernel's stage) */
  karg args[VS_CONV_IGEMM_ARGS + 1];
  memcpy(args, v.args, sizeof v.args);
  args[VS_CONV_IGEMM_ARGS] = KARG(vf);
  size_t bm = (size_t)(a.q.wm * a.q.fm * 16), bn = (size_t)(a.q.wn * a.q.fn * 8);
  size_t global[2] = {(size_t)((M + bm - 1) / bm) * items, ((size_t)g->K + bn - 1) / bn}, local[2] = {items, 1};
  /* Tiles placed by get_group_id: never cut (launch_grid.h). */
  bool ok = vs__kernel_enqueue_cut(d, &u, 2, global, local, VS_CUT_NONE, args, VS_CONV_IGEMM_ARGS + 1,
                                   "conv2d (igemm-tf32)", st);
  vs__kernel_put(&u);
  return ok;
}
