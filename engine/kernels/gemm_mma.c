/* gemm_mma.c - runs the TF32 matrix-unit SGEMM (cl_kernels/gemm_mma.cl):
 * its parameter sets, their check against the device's limits, the launch,
 * and whether a run may use it at all (vs__tf32_allowed: the session's
 * tensor_float_32_execution and the device's matrix units).
 *
 * On a device with TF32 matrix units (vs_device_info.tf32_matrix_units:
 * NVIDIA, compute capability >= 8.0) the program is built with VS_NV_MMA,
 * the inline PTX instruction; elsewhere (PoCL: tests and benches forcing
 * it with VARSCOPE_GEMM=tf32) with the instruction's emulation, which
 * needs 192 floats of __local scratch per warp more. No parameter here is
 * a GPU guess: the sets below are candidates, timed against the FP32
 * kernels and CLBlast by gemm_select.c where TF32 is allowed. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "kernels/gemm.h"
#include "kernels/gemm_tuning.h"
#include "kernels/kernels_internal.h"
#include "kernels/launch_grid.h"

bool vs__mma_params_ok(vs_mma_params q) {
  return q.wm >= 1 && q.wn >= 1 && q.wm * q.wn <= VS_MMA_MAX_WARPS && q.fm >= 1 && q.fm <= VS_MMA_MAX_FRAG &&
         q.fn >= 1 && q.fn <= VS_MMA_MAX_FRAG && (q.ks == 8 || q.ks == 16 || q.ks == 32 || q.ks == 64);
}

/* 64 x 64 tiles of 4 warps (each 32 x 32: 2 x 4 fragments), the usual
 * first tile of CUTLASS's SM80 TF32 GEMMs scaled down; 128 x 128 of 8
 * warps (64 x 32 each), for large problems; 128 x 64 of 4 warps; one warp,
 * one fragment (16 x 8), for the smallest problems. Double-buffered, each
 * fits 48 KB of local memory (what NVIDIA's OpenCL offers a kernel): the
 * 128 x 64 tile with 32-deep slices, the third set before double
 * buffering, needs 54 KB, and is left to forcing and the tuner. */
static const vs_mma_params SETS[] = {{2, 2, 2, 4, 16}, {2, 4, 4, 4, 16}, {2, 2, 4, 4, 16}, {1, 1, 1, 1, 8}};

const vs_mma_params *vs__mma_sets(size_t *n) {
  *n = sizeof SETS / sizeof *SETS;
  return SETS;
}

/* __local bytes of the kernel under q: two buffers of the A and B slices
 * (rows padded by 4 floats), and the emulation's scratch where there is
 * no instruction. */
static size_t local_bytes(vs_mma_params q, bool units) {
  size_t lds = (size_t)q.ks + 4, bm = (size_t)(q.wm * q.fm * 16), bn = (size_t)(q.wn * q.fn * 8);
  size_t scratch = units ? 1 : (size_t)(q.wm * q.wn) * 192;
  return (2 * (bm * lds + bn * lds) + scratch) * sizeof(float);
}

bool vs__mma_fits(const vs_cl_device *d, vs_mma_params q, size_t k, char *why, size_t cap) {
  char text[200] = "";
  size_t items = (size_t)(32 * q.wm * q.wn), wg = d->max_work_group < d->max_item0 ? d->max_work_group : d->max_item0;
  if (!vs__mma_params_ok(q))
    snprintf(text, sizeof text, "tf32 %d,%d,%d,%d,%d: parameters out of range", q.wm, q.wn, q.fm, q.fn, q.ks);
  else if (!d->max_item0)
    snprintf(text, sizeof text, "tf32 %d,%d,%d,%d,%d: the device's work-group limits cannot be read", q.wm, q.wn, q.fm,
             q.fn, q.ks);
  else if (items > wg)
    snprintf(text, sizeof text, "tf32 %d,%d,%d,%d,%d: needs work-groups of %zu items; the device allows %zu", q.wm,
             q.wn, q.fm, q.fn, q.ks, items, wg);
  else if (local_bytes(q, d->info.tf32_matrix_units) > d->local_mem)
    snprintf(text, sizeof text, "tf32 %d,%d,%d,%d,%d: needs %zu bytes of local memory; the device has %llu", q.wm,
             q.wn, q.fm, q.fn, q.ks, local_bytes(q, d->info.tf32_matrix_units), (unsigned long long)d->local_mem);
  else if (k > INT32_MAX - 64) /* the kernel's slice starts, up to k + KS - 1, are ints */
    snprintf(text, sizeof text, "tf32 %d,%d,%d,%d,%d: k = %zu exceeds the kernel's 32-bit k", q.wm, q.wn, q.fm, q.fn,
             q.ks, k);
  if (why && cap) snprintf(why, cap, "%s", text);
  return !*text;
}

/* Tests: bit i set, device i is treated as having matrix units by the
 * choice (the registry holds at most 64 devices). */
static _Atomic uint64_t pretend;

void vs__tf32_units_pretend(size_t dev, bool on) {
  if (dev >= 64) return;
  if (on) atomic_fetch_or(&pretend, (uint64_t)1 << dev);
  else atomic_fetch_and(&pretend, ~((uint64_t)1 << dev));
}

bool vs__tf32_units(const vs_cl_device *d) {
  return d->info.tf32_matrix_units || (d->index < 64 && (atomic_load(&pretend) >> d->index) & 1);
}

bool vs__tf32_allowed(const vs_run *r, const vs_cl_device *d) {
  return r && r->s && r->s->opts.tensor_float_32_execution && d && vs__tf32_units(d);
}

/* The build options under q: the real instruction only on a device with
 * matrix units (its compiler alone knows the PTX). */
static void options(const vs_cl_device *d, vs_mma_params q, char *opts, size_t cap) {
  const char *base = vs__cl_options(VS_FLOAT, d);
  snprintf(opts, cap, "%s -DWM=%d -DWN=%d -DFM=%d -DFN=%d -DKS=%d%s", base ? base : "", q.wm, q.wn, q.fm, q.fn, q.ks,
           d->info.tf32_matrix_units ? " -DVS_NV_MMA" : "");
}

bool vs__gemm_mma(vs_run *r, vs_cl_device *d, vs_mma_params q, bool ta, bool tb, size_t m, size_t n, size_t k,
                  cl_mem a, size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off,
                  size_t ldc, vs_status *st) {
  char why[200];
  if (!vs__mma_fits(d, q, k, why, sizeof why)) {
    vs__fail(st, vs__mma_params_ok(q) ? VS_RESOURCE_EXHAUSTED : VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
             "SGEMM %zux%zux%zu: %s", m, n, k, why);
    return false;
  }
  if (!m || !n) return true;
  char opts[224];
  options(d, q, opts, sizeof opts);
  vs_kernel_use u;
  if (!vs__kernel_get(r, d, "gemm_mma", VS_FLOAT, "gemm_mma", opts, &u, st)) return false;
  size_t items = (size_t)(32 * q.wm * q.wn);
  char what[96];
  snprintf(what, sizeof what, "SGEMM %zux%zux%zu: tf32 %d,%d,%d,%d,%d", m, n, k, q.wm, q.wn, q.fm, q.fn, q.ks);
  if (!vs__kernel_use_takes(d, &u, items, what, st)) {
    vs__kernel_put(&u);
    return false;
  }
  size_t bm = (size_t)(q.wm * q.fm * 16), bn = (size_t)(q.wn * q.fn * 8), caps[3];
  /* The kernel places its tile by get_group_id, so a launch past the
   * device's groups per dimension (CUDA: 65535 column blocks along 1) is
   * cut here, into sub-products over blocks of whole tiles, each with its
   * operands' offsets moved to its first row and column (launch_grid.h). */
  vs__grid_caps(d, caps);
  size_t rows = caps[0] < (m + bm - 1) / bm ? caps[0] * bm : m, cols = caps[1] < (n + bn - 1) / bn ? caps[1] * bn : n;
  cl_ulong ulc = ldc, ula = lda, ulb = ldb;
  cl_int ita = ta, itb = tb, ik = (cl_int)k;
  bool ok = true;
  for (size_t m0 = 0; m0 < m && ok; m0 += rows)
    for (size_t n0 = 0; n0 < n && ok; n0 += cols) {
      size_t mc = m - m0 < rows ? m - m0 : rows, nc = n - n0 < cols ? n - n0 : cols;
      size_t ao = a_off + (ta ? m0 : m0 * lda), bo = b_off + (tb ? n0 * ldb : n0);
      size_t global[2] = {(mc + bm - 1) / bm * items, (nc + bn - 1) / bn}, local[2] = {items, 1};
      cl_ulong uc = c_off + m0 * ldc + n0, ua = ao, ub = bo, um = mc, un = nc;
      /* float4 loads (the kernel's stage) where each operand's offset and
       * leading dimension keep every run of 4 aligned. */
      cl_int va = ao % 4 == 0 && lda % 4 == 0, vb = bo % 4 == 0 && ldb % 4 == 0;
      karg args[] = {KARG(c),  KARG(uc),  KARG(ulc), KARG(a),  KARG(ua), KARG(ula), KARG(ita), KARG(b),
                     KARG(ub), KARG(ulb), KARG(itb), KARG(um), KARG(un), KARG(ik),  KARG(va),  KARG(vb)};
      ok = vs__kernel_enqueue_cut(d, &u, 2, global, local, VS_CUT_NONE, args, 16, "gemm_mma", st);
    }
  vs__kernel_put(&u);
  return ok;
}

bool vs__tf32_round_buffer(vs_cl_device *d, cl_mem y, cl_mem x, size_t n, vs_status *st) {
  if (n > UINT32_MAX) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "tf32_round_buf: %zu elements exceed its 32-bit count", n);
    return false;
  }
  if (!n) return true;
  char opts[224];
  options(d, SETS[0], opts, sizeof opts);
  cl_uint un = (cl_uint)n;
  karg args[] = {KARG(y), KARG(x), KARG(un)};
  size_t global[1] = {(n + 63) / 64 * 64}, local[1] = {64};
  return vs__launch_shaped(NULL, d, "gemm_mma", VS_FLOAT, "tf32_round_buf", opts, 1, global, local, args, 3,
                           "tf32_round_buf", st);
}

bool vs__mma_probe_buffer(vs_cl_device *d, cl_mem out, cl_mem a, cl_mem b, vs_status *st) {
  char opts[224];
  options(d, SETS[0], opts, sizeof opts);
  karg args[] = {KARG(out), KARG(a), KARG(b)};
  size_t global[1] = {32}, local[1] = {32};
  return vs__launch_shaped(NULL, d, "gemm_mma", VS_FLOAT, "mma_probe", opts, 1, global, local, args, 3, "mma_probe",
                           st);
}
