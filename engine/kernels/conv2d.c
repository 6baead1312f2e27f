/* conv2d.c - Conv2D on a device, four ways:
 *   - direct: cl_kernels/conv_direct.cl, register-tiled, the SAME padding
 *     handled in the kernel (no im2col buffer, no padded copy), the fused
 *     BiasAdd and Relu applied as it stores;
 *   - im2col: cl_kernels/conv.cl's im2col_lines in blocks of output lines,
 *     then the GEMM (vs__matmul: NHWC x HWIO is already a row-major GEMM),
 *     the BiasAdd and Relu applied in its store where it is our own;
 *   - convgemm: CLBlast's convgemm, which wants NCHW input and KCHW
 *     weights, with layout transposes around it (symmetric padding only);
 *   - igemm: conv_igemm.c, an implicit GEMM with local-memory tiles for GPUs;
 *   - pointwise: a 1x1 filter as a GEMM reading the input where it lies
 *     (cl_kernels/conv_pointwise.cl), each work-item over all K channels
 *     of its pixels, the epilogue in its stores.
 * conv_select.c measures them per device and shape and keeps the fastest. */
#include <stdio.h>
#include <stdlib.h>

#include <clblast_c.h>

#include "runtime/blas.h"
#include "exec/plan.h"
#include "kernels/conv_internal.h"
#include "kernels/gemm.h"
#include "kernels/kernels_internal.h"

/* Each im2col block stays under this many bytes (and half the device's
 * max allocation), so large batches are processed in row blocks. */
#define IM2COL_BUDGET ((size_t)64 << 20)

/* TF's SAME padding: total = max((out - 1) * stride + eff_k - in, 0), the
 * smaller half before. */
/* Saturating at INT64_MAX: dimensions of empty tensors may be huge, and
 * an overflowing padding is refused later as past the kernels' int32. */
static int64_t pad_total(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t dil) {
  int64_t a, b, t;
  if (__builtin_mul_overflow(out - 1, stride, &a) || __builtin_mul_overflow(k - 1, dil, &b) ||
      __builtin_add_overflow(a, b, &t) || __builtin_add_overflow(t, 1, &t) || __builtin_sub_overflow(t, in, &t))
    return INT64_MAX;
  return t > 0 ? t : 0;
}

bool vs__conv_geometry(const vs_op *op, vs_shape xs, vs_shape fs, vs_conv_geom *g) {
  if (xs.rank != 4 || fs.rank != 4 || xs.dims[3] != fs.dims[2]) return false;
  *g = (vs_conv_geom){.N = xs.dims[0], .H = xs.dims[1], .W = xs.dims[2], .C = xs.dims[3], .KH = fs.dims[0],
                      .KW = fs.dims[1], .K = fs.dims[3], .SH = op->attr.conv.strides[1], .SW = op->attr.conv.strides[2],
                      .DH = op->attr.conv.dilations[1], .DW = op->attr.conv.dilations[2], .dtype = op->dtype};
  if (g->SH < 1 || g->SW < 1) return false;
  /* Overflow-free forms of TF's sizes (see out_size in ops/nn_ops.c). */
  if (op->attr.conv.pad_same) {
    g->OH = g->H / g->SH + (g->H % g->SH != 0);
    g->OW = g->W / g->SW + (g->W % g->SW != 0);
    int64_t th = pad_total(g->H, g->OH, g->KH, g->SH, g->DH), tw = pad_total(g->W, g->OW, g->KW, g->SW, g->DW);
    g->PT = th / 2;
    g->PB = th - g->PT;
    g->PL = tw / 2;
    g->PR = tw - g->PL;
  } else {
    int64_t eh, ew;
    if (__builtin_mul_overflow(g->KH - 1, g->DH, &eh) || __builtin_add_overflow(eh, 1, &eh) ||
        __builtin_mul_overflow(g->KW - 1, g->DW, &ew) || __builtin_add_overflow(ew, 1, &ew) || g->H < eh ||
        g->W < ew)
      return false;
    uint64_t oh = ((uint64_t)g->H - (uint64_t)eh) / (uint64_t)g->SH + 1,
             ow = ((uint64_t)g->W - (uint64_t)ew) / (uint64_t)g->SW + 1;
    if (oh > INT64_MAX || ow > INT64_MAX) return false;
    g->OH = (int64_t)oh;
    g->OW = (int64_t)ow;
  }
  return g->OH >= 0 && g->OW >= 0;
}

int vs__vec_width(int64_t n) { return n % 16 == 0 ? 16 : n % 8 == 0 ? 8 : n % 4 == 0 ? 4 : n % 2 == 0 ? 2 : 1; }

int vs__conv_direct_vec(const vs_conv_geom *g) { return vs__vec_width(g->K); }

bool vs__conv_direct_in_range(vs_conv_algo a) {
  return a.rm >= 1 && a.rm <= VS_CONV_MAX_RM && a.nv >= 1 && a.nv <= VS_CONV_MAX_NV && a.uc >= 1 &&
         a.uc <= VS_CONV_MAX_UC && a.ly >= 1 && a.ly <= VS_CONV_MAX_LY && a.rw >= VS_CONV_PIXELS &&
         a.rw <= VS_CONV_STRIP && a.rh >= 1 && a.rh <= VS_CONV_MAX_RH && (a.rh == 1 || a.rw == VS_CONV_STRIP);
}

bool vs__conv_direct_fits(const vs_conv_geom *g, vs_conv_algo a) {
  int vec = vs__conv_direct_vec(g);
  /* The strip form reads input pixel r * SW + kw for output r and tap kw
   * (SW a compile-time constant of its program): no dilation along the
   * width; its KW x NV filter vectors are registers and its (RM - 1) x SW
   * + KW pixel pointers unrolled code, hence the bounds. */
  bool strip_fits = g->SW <= VS_CONV_STRIP_MAX_SW && g->DW == 1 && g->KW <= VS_CONV_STRIP_MAX_KW &&
                    (a.rm - 1) * g->SW + g->KW <= VS_CONV_STRIP_MAX_PX;
  return vs__conv_direct_in_range(a) && g->K % (vec * a.nv) == 0 && (a.rw != VS_CONV_STRIP || strip_fits);
}

/* A device buffer of n zeros of g's dtype (released by the caller once
 * the kernels reading it are queued: the pool frees it after them). */
static cl_mem zeros_buffer(vs_cl_device *d, size_t dev, const vs_conv_geom *g, size_t n, vs_status *st) {
  size_t es = vs_dtype_size(g->dtype);
  vs_shape zs = {.known = true, .rank = 1, .dims = {(int64_t)n}};
  cl_mem z = vs__buffer(dev, n * es, &zs, g->dtype, st);
  double zero = 0;
  cl_int err = z ? clEnqueueFillBuffer(*vs__queue(d), z, &zero, es, 0, n * es, 0, NULL, NULL) : CL_SUCCESS;
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clEnqueueFillBuffer");
    vs__buffer_release(z);
    return NULL;
  }
  return z;
}

/* The set a runs as on g: a itself when it fits, else the default's
 * register tile in a's form where that can run (a strip set on a dilated
 * width runs per pixel); uc and ly out of range as 1. */
static vs_conv_algo direct_effective(const vs_conv_geom *g, vs_conv_algo a) {
  vs_conv_algo e = a;
  if (!vs__conv_direct_fits(g, a)) { /* a stored or forced set that does not fit this shape: the default's */
    int vec = vs__conv_direct_vec(g);
    e.nv = g->K % (vec * 2) == 0 ? 2 : 1;
    e.rm = a.rm >= 1 && a.rm <= VS_CONV_MAX_RM ? a.rm : 6;
    e.rw = a.rw == VS_CONV_ROWS ? VS_CONV_ROWS : VS_CONV_PIXELS; /* a strip set on a dilated width: per pixel */
    e.rh = 1;
  }
  e.uc = a.uc >= 1 && a.uc <= VS_CONV_MAX_UC ? a.uc : 1;
  e.ly = a.ly >= 1 && a.ly <= VS_CONV_MAX_LY ? a.ly : 1;
  return e;
}

/* The launch grid of the effective set e: one work-item per RM pixels
 * (a row, a strip of RH rows) x NV channel vectors, the pixel dimension
 * rounded up to whole work-groups of LY (no non-uniform work-groups on
 * PoCL). */
static void direct_grid(const vs_conv_geom *g, vs_conv_algo e, size_t global[2]) {
  cl_ulong M = (cl_ulong)(g->N * g->OH * g->OW);
  size_t gy = e.rw == VS_CONV_ROWS    ? (size_t)(g->N * g->OH)
              : e.rw == VS_CONV_STRIP ? (size_t)(g->N * ((g->OH + e.rh - 1) / e.rh)) * (size_t)((g->OW + e.rm - 1) / e.rm)
                                      : (size_t)((M + (cl_ulong)e.rm - 1) / (cl_ulong)e.rm);
  global[0] = (size_t)(g->K / (vs__conv_direct_vec(g) * e.nv));
  global[1] = (gy + (size_t)e.ly - 1) / (size_t)e.ly * (size_t)e.ly;
}

size_t vs__conv_direct_groups(const vs_conv_geom *g, vs_conv_algo a) {
  vs_conv_algo e = direct_effective(g, a);
  size_t global[2];
  direct_grid(g, e, global);
  return global[0] * (global[1] / (size_t)e.ly);
}

bool vs__conv_direct(vs_run *r, vs_cl_device *d, size_t dev, const vs_conv_geom *g, vs_conv_algo a, cl_mem x, cl_mem f,
                     cl_mem out, const vs_conv_epi *epi, vs_status *st) {
  vs_conv_algo e = direct_effective(g, a);
  int vec = vs__conv_direct_vec(g), rm = e.rm, nv = e.nv, form = e.rw, rh = e.rh, uc = e.uc, ly = e.ly;
  const char *base = vs__cl_options(g->dtype, d);
  char opts[320], rhopt[24] = "", swopt[24] = "";
  /* The shape's C, K, KH, KW as constants (conv_direct.cl): one program per
   * shape family and parameter set, built once and cached on disk. RH
   * only for the row-blocked strip and the strip's stride SSW only when
   * it is not 1, so the other programs (and PoCL's cached builds of them)
   * are those without. */
  if (rh > 1) snprintf(rhopt, sizeof rhopt, " -DRH=%d", rh);
  if (form == VS_CONV_STRIP && g->SW > 1) snprintf(swopt, sizeof swopt, " -DSSW=%d", (int)g->SW);
  snprintf(opts, sizeof opts, "%s -DVEC=%d -DRM=%d -DNV=%d -DUNROLL_C=%d -DSC=%lld -DSK=%lld -DSKH=%lld -DSKW=%lld%s%s",
           base ? base : "", vec, rm, nv, uc, (long long)g->C, (long long)g->K, (long long)g->KH, (long long)g->KW,
           rhopt, swopt);
  /* The zero row the taps in the padding read, which is also the bias of a
   * conv without one. */
  cl_mem zeros = zeros_buffer(d, dev, g, (size_t)(g->C > g->K ? g->C : g->K), st);
  if (!zeros) return false;
  static const char *const NAMES[] = {"conv2d", "conv2d_rows", "conv2d_strip"};
  cl_mem bias = epi && epi->bias ? epi->bias : zeros;
  cl_int iH = (cl_int)g->H, iW = (cl_int)g->W, iPT = (cl_int)g->PT, iPL = (cl_int)g->PL, iOH = (cl_int)g->OH,
         iOW = (cl_int)g->OW, iSH = (cl_int)g->SH, iSW = (cl_int)g->SW, iDH = (cl_int)g->DH, iDW = (cl_int)g->DW,
         relu = epi && epi->relu;
  cl_ulong M = (cl_ulong)(g->N * g->OH * g->OW);
  karg ca[] = {KARG(out), KARG(x), KARG(f), KARG(zeros), KARG(bias), KARG(iH), KARG(iW), KARG(iPT), KARG(iPL),
               KARG(iOH), KARG(iOW), KARG(iSH), KARG(iSW), KARG(iDH), KARG(iDW), KARG(M), KARG(relu)};
  /* Work-groups of one item in x keep PoCL from re-vectorising the
   * explicit vectors, LY items along the pixels share a work-group
   * (fewer, larger tasks for the device's threads). */
  size_t global[2], local[2] = {1, (size_t)ly};
  direct_grid(g, e, global);
  bool ok = vs__launch_shaped(r, d, "conv_direct", g->dtype, rh > 1 ? "conv2d_strip_rows" : NAMES[form], opts, 2,
                              global, local, ca, 17, "conv2d (direct)", st);
  vs__buffer_release(zeros); /* freed once the queued kernel finishes */
  return ok;
}

/* The epilogue as its own pass over output rows [row0, row0 + rows) of
 * the [M, K] output, for the GEMMs that cannot apply it as they store
 * (CLBlast's, convgemm's, float64's): out = relu?(out + bias) in place,
 * cl_kernels/conv.cl's bias_act_rows (one work-item per row). */
static bool epilogue_rows(vs_run *r, vs_cl_device *d, const vs_conv_geom *g, cl_mem out, size_t row0, size_t rows,
                          const vs_conv_epi *epi, vs_status *st) {
  if (!epi || (!epi->bias && !epi->relu) || !rows) return true;
  vs_kernel_use u;
  if (!vs__kernel_get(r, d, "conv", g->dtype, "bias_act_rows", NULL, &u, st)) return false;
  cl_mem bias = epi->bias ? epi->bias : out; /* not read without a bias */
  cl_int K = (cl_int)g->K, has_bias = epi->bias != NULL, relu = epi->relu;
  cl_ulong first = row0, end = row0 + rows;
  karg args[] = {KARG(out), KARG(bias), KARG(K), KARG(first), KARG(end), KARG(has_bias), KARG(relu)};
  size_t l = vs__kernel_use_local(d, &u), global = (rows + l - 1) / l * l;
  bool ok = vs__kernel_enqueue(d, &u, 1, &global, &l, args, 7, "conv2d (bias_act_rows)", st);
  vs__kernel_put(&u);
  return ok;
}

/* The whole output's epilogue pass (the convgemm route, an empty-depth conv). */
static bool epilogue_pass(vs_run *r, vs_cl_device *d, const vs_conv_geom *g, cl_mem out, const vs_conv_epi *epi,
                          vs_status *st) {
  return epilogue_rows(r, d, g, out, 0, (size_t)(g->N * g->OH * g->OW), epi, st);
}

/* out rows [r0, r0 + rows) = cols x f, then epi: in the GEMM's store
 * where the chosen GEMM can (the own kernels), else as a pass over the
 * rows. */
static bool gemm_rows(vs_run *r, vs_cl_device *d, const vs_conv_geom *g, cl_mem cols, cl_mem f, cl_mem out, size_t r0,
                      size_t rows, const vs_conv_epi *epi, vs_status *st) {
  size_t KC = (size_t)(g->KH * g->KW * g->C), K = (size_t)g->K;
  vs_gemm_epi ge = {.bias = epi ? epi->bias : NULL, .relu = epi && epi->relu};
  bool applied = false;
  return vs__matmul_epi(r, d, g->dtype, false, false, rows, K, KC, cols, 0, KC, f, 0, K, out, r0 * K, K, &ge, &applied,
                        st) &&
         (applied || epilogue_rows(r, d, g, out, r0, rows, epi, st));
}

bool vs__im2col_lines(vs_run *r, vs_cl_device *d, const vs_conv_geom *g, cl_mem x, cl_mem cols, size_t line0, size_t lines,
                      vs_status *st) {
  if (!lines || !g->OW || !g->KH || !g->KW) return true;
  cl_ulong first = line0;
  cl_int iH = (cl_int)g->H, iW = (cl_int)g->W, iC = (cl_int)g->C, iOH = (cl_int)g->OH, iKW = (cl_int)g->KW,
         iSH = (cl_int)g->SH, iSW = (cl_int)g->SW, iDH = (cl_int)g->DH, iDW = (cl_int)g->DW, iPT = (cl_int)g->PT,
         iPL = (cl_int)g->PL, iOW = (cl_int)g->OW, taps = (cl_int)(g->KH * g->KW);
  karg args[] = {KARG(cols), KARG(x),   KARG(first), KARG(iH),  KARG(iW),  KARG(iC),  KARG(iOH), KARG(iKW),
                 KARG(iSH),  KARG(iSW), KARG(iDH),   KARG(iDW), KARG(iPT), KARG(iPL), KARG(iOW), KARG(taps)};
  size_t global[3] = {(size_t)taps, (size_t)g->OW, lines};
  return vs__launch_shaped(r, d, "conv", g->dtype, "im2col_lines", NULL, 3, global, NULL, args, 16,
                           "conv2d (im2col_lines)", st);
}

bool vs__conv_im2col(vs_run *r, vs_cl_device *d, size_t dev, const vs_conv_geom *g, cl_mem x, cl_mem f, cl_mem out,
                     const vs_conv_epi *epi, vs_status *st) {
  size_t M = (size_t)(g->N * g->OH * g->OW), KC = (size_t)(g->KH * g->KW * g->C), es = vs_dtype_size(g->dtype);
  if (g->KH == 1 && g->KW == 1 && g->SH == 1 && g->SW == 1 && !g->PT && !g->PL && !g->PB && !g->PR)
    return gemm_rows(r, d, g, x, f, out, 0, M, epi, st); /* 1x1, stride 1: the input already is the im2col matrix */
  /* Blocks of whole output lines (n, oh): im2col_lines' range is (tap, ow,
   * line), so no item divides to find its pixel. */
  size_t lines = (size_t)(g->N * g->OH), line_elems, line_bytes;
  if (__builtin_mul_overflow((size_t)g->OW, KC, &line_elems) || __builtin_mul_overflow(line_elems, es, &line_bytes)) {
    vs__fail(st, VS_RESOURCE_EXHAUSTED, VS_EXC_OP_ERROR,
             "conv2d: one output line of the im2col matrix (%lld x %zu elements) does not fit in memory",
             (long long)g->OW, KC);
    return false;
  }
  size_t budget = IM2COL_BUDGET < d->info.max_alloc_bytes / 2 ? IM2COL_BUDGET : d->info.max_alloc_bytes / 2;
  size_t chunk = budget / line_bytes;
  if (chunk < 1) chunk = 1;
  if (chunk > lines) chunk = lines;
  vs_shape cs = {.known = true, .rank = 2, .dims = {(int64_t)(chunk * (size_t)g->OW), (int64_t)KC}};
  cl_mem cols = vs__buffer(dev, chunk * line_bytes, &cs, g->dtype, st);
  bool ok = cols != NULL;
  for (size_t l0 = 0; ok && l0 < lines; l0 += chunk) {
    size_t nl = lines - l0 < chunk ? lines - l0 : chunk;
    ok = vs__im2col_lines(r, d, g, x, cols, l0, nl, st) &&
         gemm_rows(r, d, g, cols, f, out, l0 * (size_t)g->OW, nl * (size_t)g->OW, epi, st);
  }
  /* Released at once, with no wait: within a session run (its queue bound,
   * vs__queue_bind) the release keeps the scratch idle, tagged with the
   * run's queue, and only an allocation whose commands go to that same
   * in-order queue may take it before the run ends (the next im2col of
   * this shape: its writes are queued after this GEMM's reads, so run
   * after them); once the run's queues are finished any allocation may
   * (device_memory.c). A fresh scratch cost the page faults of its first
   * touch at every run (38 MB for conv_bench's case 6, 3x3/2 32->64: 10 of
   * the 13.5 ms its im2col took; 3.4 ms in a touched buffer); the
   * clFinish that used to recycle it here on CPU devices stalled the
   * queue and is no longer needed. Outside a run (no queue bound) it is
   * freed once the queued kernels finish. */
  if (cols) vs__buffer_release(cols);
  return ok;
}

bool vs__conv_convgemm_fits(const vs_conv_geom *g) {
  return g->dtype == VS_FLOAT && g->PT == g->PB && g->PL == g->PR;
}

bool vs__conv_convgemm(vs_run *r, vs_cl_device *d, size_t dev, const vs_conv_geom *g, cl_mem x, cl_mem f, cl_mem out,
                       vs_status *st) {
  if (!vs__conv_convgemm_fits(g)) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "convgemm needs float32 and symmetric padding");
    return false;
  }
  size_t es = vs_dtype_size(g->dtype), nx = (size_t)(g->N * g->H * g->W * g->C), nf = (size_t)(g->KH * g->KW * g->C * g->K);
  size_t no = (size_t)(g->N * g->OH * g->OW * g->K);
  vs_shape s1 = {.known = true, .rank = 1, .dims = {(int64_t)nx}}, s2 = {.known = true, .rank = 1, .dims = {(int64_t)nf}},
           s3 = {.known = true, .rank = 1, .dims = {(int64_t)no}};
  cl_mem xn = vs__buffer(dev, nx * es, &s1, g->dtype, st);
  cl_mem fk = xn ? vs__buffer(dev, nf * es, &s2, g->dtype, st) : NULL;
  cl_mem on = fk ? vs__buffer(dev, no * es, &s3, g->dtype, st) : NULL;
  bool ok = on != NULL;
  /* NHWC -> NCHW: a [N, H*W, C] -> [N, C, H*W] transpose; HWIO -> KCHW:
   * [KH*KW, C, K] -> [K, C, KH*KW]; NKHW -> NHWC: [N, K, OH*OW] -> [N, OH*OW, K]. */
  cl_ulong b1 = (cl_ulong)g->N, r1 = (cl_ulong)(g->H * g->W), c1 = (cl_ulong)g->C;
  cl_ulong r2 = (cl_ulong)(g->KH * g->KW), c2 = (cl_ulong)g->C, k2 = (cl_ulong)g->K;
  cl_ulong r3 = (cl_ulong)g->K, c3 = (cl_ulong)(g->OH * g->OW);
  if (ok) {
    karg a[] = {KARG(xn), KARG(x), KARG(b1), KARG(r1), KARG(c1)};
    ok = vs__launch(r, d, "conv", g->dtype, "transpose_batched", nx, a, 5, st);
  }
  if (ok) {
    karg a[] = {KARG(fk), KARG(f), KARG(r2), KARG(c2), KARG(k2)};
    ok = vs__launch(r, d, "conv", g->dtype, "hwio_to_kchw", nf, a, 5, st);
  }
  if (ok) {
    CLBlastStatusCode s = CLBlastSconvgemm(CLBlastKernelModeCrossCorrelation, (size_t)g->C, (size_t)g->H, (size_t)g->W,
                                           (size_t)g->KH, (size_t)g->KW, (size_t)g->PT, (size_t)g->PL, (size_t)g->SH,
                                           (size_t)g->SW, (size_t)g->DH, (size_t)g->DW, (size_t)g->K, (size_t)g->N, xn,
                                           0, fk, 0, on, 0, vs__queue(d), NULL);
    if (s != CLBlastSuccess) {
      vs__fail(st, s == CLBlastInsufficientMemoryTemp ? VS_RESOURCE_EXHAUSTED : VS_INTERNAL, VS_EXC_OP_ERROR,
               "CLBlastSconvgemm failed: CLBlast status %d", (int)s);
      ok = false;
    }
  }
  if (ok) {
    karg a[] = {KARG(out), KARG(on), KARG(b1), KARG(r3), KARG(c3)};
    ok = vs__launch(r, d, "conv", g->dtype, "transpose_batched", no, a, 5, st);
  }
  if (xn) vs__buffer_release(xn);
  if (fk) vs__buffer_release(fk);
  if (on) vs__buffer_release(on);
  return ok;
}

bool vs__conv_pointwise_applies(const vs_conv_geom *g) {
  return g->KH == 1 && g->KW == 1 && !g->PT && !g->PB && !g->PL && !g->PR;
}

int vs__conv_pointwise_vec(const vs_conv_geom *g) {
  int v = vs__vec_width(g->K);
  return g->dtype == VS_DOUBLE && v > 8 ? 8 : v;
}

bool vs__conv_pointwise_fits(const vs_conv_geom *g, vs_conv_algo a) {
  return vs__conv_pointwise_applies(g) && a.rm >= 1 && a.rm <= VS_CONV_PW_MAX_RM && a.nv >= 1 &&
         a.nv <= VS_CONV_MAX_NV && a.ly >= 1 && a.ly <= VS_CONV_MAX_LY && a.rw >= 0 && a.rw <= VS_CONV_PW_MAX_PF &&
         g->K % (vs__conv_pointwise_vec(g) * a.nv) == 0;
}

/* The register tiles selection tries, rm x nv accumulators within 32
 * vector registers (with nv filter vectors and the broadcast): 8 x 2 and
 * 6 x 4, four work-items a work-group. In interleaved runs on conv_bench's
 * 1x1 layers (2-core AVX-512 PoCL) both took 10-16% less CPU than the best
 * direct set on 1x1 64->256; 14 x 2, the SGEMM's tile, was 5-15% behind
 * them (docs/conv-performance.md, "Session 10: the 1x1 layers"). Then
 * 8 x 2 prefetching its input two strips ahead (rw 2): 0-8% below plain
 * 8 x 2 there, most under load (session 13); where the prefetch does not
 * pay, or the compiler has none, the plain sets measured beside it win.
 * With 16 registers of 8 floats (AVX2) 8 x 2 float16s spill (2.5x the time
 * of 6 x 1 on 1x1 64->256, 2-core Zen 3): there 6 x 1 and 6 x 1
 * prefetching were 10-11% ahead of the best direct set, 4 x 1 level with
 * it; on 1x1/2 64->128 4 x 1 was the fastest, the other two 2% behind
 * ("Session 17"). */
size_t vs__conv_pointwise_sets(const vs_cl_device *d, const vs_conv_geom *g, vs_conv_algo *out, size_t cap) {
  static const vs_conv_algo WIDE[] = {VS_CONV_SET(VS_CONV_POINTWISE, 8, 2, 1, 4, 0),
                                      VS_CONV_SET(VS_CONV_POINTWISE, 6, 4, 1, 4, 0),
                                      VS_CONV_SET(VS_CONV_POINTWISE, 8, 2, 1, 4, 2)};
  static const vs_conv_algo NARROW[] = {VS_CONV_SET(VS_CONV_POINTWISE, 6, 1, 1, 4, 0),
                                        VS_CONV_SET(VS_CONV_POINTWISE, 4, 1, 1, 4, 0),
                                        VS_CONV_SET(VS_CONV_POINTWISE, 6, 1, 1, 4, 2)};
  _Static_assert(sizeof NARROW == sizeof WIDE, "vs__conv_select's room for the pointwise sets");
  const vs_conv_algo *sets = vs__conv_narrow_registers(d) ? NARROW : WIDE;
  size_t n = 0;
  for (size_t i = 0; i < sizeof WIDE / sizeof *WIDE && n < cap; i++)
    if (vs__conv_pointwise_fits(g, sets[i])) out[n++] = sets[i];
  return n;
}

bool vs__conv_pointwise(vs_run *r, vs_cl_device *d, const vs_conv_geom *g, vs_conv_algo a, cl_mem x, cl_mem f, cl_mem out,
                        const vs_conv_epi *epi, vs_status *st) {
  if (!vs__conv_pointwise_fits(g, a)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
             "conv2d (pointwise rm%d nv%d ly%d pf%d): wants a 1x1 filter without padding, rm 1 to %d, ly 1 to %d, "
             "pf 0 to %d and %d x nv dividing the %lld output channels",
             a.rm, a.nv, a.ly, a.rw, VS_CONV_PW_MAX_RM, VS_CONV_MAX_LY, VS_CONV_PW_MAX_PF, vs__conv_pointwise_vec(g),
             (long long)g->K);
    return false;
  }
  const char *base = vs__cl_options(g->dtype, d);
  char opts[256], pf[24] = ""; /* no PF without a prefetch: those programs (and their cached builds) as before */
  if (a.rw) snprintf(pf, sizeof pf, " -DPF=%d", a.rw);
  snprintf(opts, sizeof opts, "%s -DVEC=%d -DRM=%d -DNV=%d -DSC=%lld -DSK=%lld -DSSW=%lld%s", base ? base : "",
           vs__conv_pointwise_vec(g), a.rm, a.nv, (long long)g->C, (long long)g->K, (long long)g->SW, pf);
  /* Stride 1: the [N*H*W, C] input is one line of M pixels (the output's
   * rows in the same order); else each output row is a line. */
  bool flat = g->SH == 1 && g->SW == 1;
  cl_ulong len = flat ? (cl_ulong)(g->N * g->OH * g->OW) : (cl_ulong)g->OW,
           lines = flat ? 1 : (cl_ulong)(g->N * g->OH);
  cl_int iOH = flat ? 1 : (cl_int)g->OH, iH = (cl_int)g->H, iW = (cl_int)g->W, iSH = (cl_int)g->SH,
         has_bias = epi && epi->bias, relu = epi && epi->relu;
  cl_mem bias = has_bias ? epi->bias : f; /* f: never read without a bias */
  cl_ulong in_len = (cl_ulong)(g->N * g->H * g->W * g->C); /* the prefetches' bound (conv_pointwise.cl's in_last) */
  karg args[] = {KARG(out), KARG(x),  KARG(f),  KARG(bias), KARG(len),      KARG(lines),
                 KARG(iOH), KARG(iH), KARG(iW), KARG(iSH),  KARG(has_bias), KARG(relu), KARG(in_len)};
  size_t items = (size_t)(lines * ((len + (cl_ulong)a.rm - 1) / (cl_ulong)a.rm)), ly = (size_t)a.ly;
  size_t global[2] = {1, (items + ly - 1) / ly * ly}, local[2] = {1, ly};
  return vs__launch_shaped(r, d, "conv_pointwise", g->dtype, "conv2d_pointwise", opts, 2, global, local, args, 13,
                           "conv2d (pointwise)", st);
}

bool vs__conv_algo_run(vs_run *r, vs_cl_device *d, size_t dev, const vs_conv_geom *g, vs_conv_algo a, cl_mem x, cl_mem f,
                       cl_mem out, const vs_conv_epi *epi, vs_status *st) {
  switch (a.kind) {
    case VS_CONV_DIRECT: return vs__conv_direct(r, d, dev, g, a, x, f, out, epi, st);
    case VS_CONV_IM2COL: return vs__conv_im2col(r, d, dev, g, x, f, out, epi, st);
    case VS_CONV_CONVGEMM:
      return vs__conv_convgemm(r, d, dev, g, x, f, out, st) && epilogue_pass(r, d, g, out, epi, st);
    case VS_CONV_IGEMM: return vs__conv_igemm(r, d, g, a, x, f, out, epi, st);
    case VS_CONV_POINTWISE: return vs__conv_pointwise(r, d, g, a, x, f, out, epi, st);
    case VS_CONV_IGEMM_TF32: return vs__conv_igemm_tf32(r, d, g, a, x, f, out, epi, st);
  }
  return false;
}

/* The conv proper, with its epilogue, on the chosen algorithm. */
static bool conv_launch(vs_run *r, vs_op *op, vs_cl_device *d, size_t dev, const vs_conv_geom *g, vs_value *x,
                        vs_value *f, vs_value *out, const vs_conv_epi *epi, vs_status *st) {
  /* The kernels take each extent as a 32-bit int (flat indices are 64-bit):
   * an extent past INT32_MAX is refused, never narrowed (empty results
   * above need no kernel). */
  const int64_t extents[] = {g->N, g->H + g->PT + g->PB, g->W + g->PL + g->PR, g->C, g->KH, g->KW, g->K, g->OH, g->OW,
                             g->SH, g->SW, g->DH, g->DW};
  for (size_t i = 0; i < sizeof extents / sizeof *extents; i++)
    if (extents[i] > INT32_MAX) {
      vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR,
               "%s: a Conv2D extent of %lld does not fit the kernels' 32-bit sizes", op->name,
               (long long)extents[i]);
      return false;
    }
  if (!vs__cl_options(op->dtype, d)) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: Conv2D in %s is not supported on %s", op->name,
             vs_dtype_name(op->dtype), d->info.cl_name);
    return false;
  }
  cl_mem tx = NULL, tf = NULL, bx = vs__on_device(r, x, dev, &tx, st), bf = bx ? vs__on_device(r, f, dev, &tf, st) : NULL;
  bool ok = bx && bf;
  vs_conv_algo algo;
  bool tf32 = r && r->s && r->s->opts.tensor_float_32_execution; /* the session's switch (vs__conv_select weighs it) */
  if (ok) ok = vs__conv_select(d, dev, tf32, g, bx, bf, out->buf, &algo, st);
  if (ok) ok = vs__conv_algo_run(r, d, dev, g, algo, bx, bf, out->buf, epi, st);
  if (tx) vs__buffer_release(tx);
  if (tf) vs__buffer_release(tf);
  return ok;
}

/* The fused ops' values (plan.c's fuse_conv): the BiasAdd's, then the
 * Relu's, are the conv's buffer, which the last of them owns. */
static void publish_fused(vs_run *r, vs_op *op, const vs_step *step) {
  vs_value *v = vs__val(r, op);
  vs_op *chain[2] = {step->fused_bias, step->fused_relu};
  for (int i = 0; i < 2 && chain[i]; i++) {
    vs_value *next = vs__val(r, chain[i]);
    *next = *v;
    next->ready = true;
    next->relu_applied = step->fused_relu != NULL;
    v->owned = false;
    v = next;
  }
}

bool vs__conv2d_run(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0), *f = vs__in(r, op, 1);
  if (vs__uninitialized(r, op, x, st) || vs__uninitialized(r, op, f, st)) return false;
  vs_conv_geom g;
  if (!vs__conv_geometry(op, vs__value_shape(r, x), vs__value_shape(r, f), &g)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
             "%s: input and filter shapes do not fit together at run time, or the filter is larger than the input",
             op->name);
    return false;
  }
  /* A fused BiasAdd checks its bias as its own kernel would (nn.c's
   * vs__bias_epilogue), with its own name in the message. */
  const vs_step *step = r->step && r->step->op == op ? r->step : NULL;
  vs_op *bias_op = step ? step->fused_bias : NULL;
  vs_value *b = bias_op ? vs__in(r, bias_op, 1) : NULL;
  if (b && vs__uninitialized(r, bias_op, b, st)) return false;
  if (b) {
    vs_shape bs = vs__value_shape(r, b);
    if (bs.rank != 1 || bs.dims[0] != g.K) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: bias size does not match the last dimension",
               bias_op->name);
      return false;
    }
  }
  if (!vs__new_output(r, op, dev, op->dtype, (vs_shape){.known = true, .rank = 4, .dims = {g.N, g.OH, g.OW, g.K}}, st))
    return false;
  vs_value *out = vs__val(r, op);
  if (!out->n) {
    if (step) publish_fused(r, op, step);
    return true;
  }
  vs_cl_device *d = vs__device(dev, st);
  cl_mem tb = NULL;
  vs_conv_epi epi = {.relu = step && step->fused_relu};
  if (b && !(epi.bias = vs__on_device(r, b, dev, &tb, st))) return false;
  bool ok;
  if (!vs__value_n(r, x) || !vs__value_n(r, f)) { /* no input depth (C == 0): every sum is empty */
    double zero = 0;
    cl_int err = clEnqueueFillBuffer(*vs__queue(d), out->buf, &zero, vs_dtype_size(op->dtype), 0,
                                     out->n * vs_dtype_size(op->dtype), 0, NULL, NULL);
    if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueFillBuffer");
    ok = err == CL_SUCCESS && epilogue_pass(r, d, &g, out->buf, &epi, st);
  } else {
    ok = conv_launch(r, op, d, dev, &g, x, f, out, &epi, st);
  }
  if (tb) vs__buffer_release(tb);
  if (ok && step) publish_fused(r, op, step);
  return ok;
}
