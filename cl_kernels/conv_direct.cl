/* conv_direct.cl - conv2d without an im2col buffer, register-tiled for
 * CPUs (and usable on GPUs): each work-item computes RM consecutive output
 * pixels x VEC consecutive output channels, with one VEC-wide accumulator per
 * pixel, walking the filter window over the NHWC input (taps in the SAME
 * padding read a zero row), with the BiasAdd and Relu that follow the conv
 * applied as it stores (the plan's fusion, engine/exec/plan.c). Three forms
 * (conv_internal.h's rw): conv2d (RM pixels anywhere in the output),
 * conv2d_rows (a whole output row, filter row by filter row) and
 * conv2d_strip (RM pixels of one row, each input pixel fed to every tap
 * that reads it: a compile-time stride SSW along the width, no dilation
 * there), the last also blocked across RH output rows (conv2d_strip_rows,
 * when the host defines RH).
 * T float/double, VEC in {1, 2, 4, 8, 16}, RM rows, NV vectors; the host
 * picks VEC * NV to divide K. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#ifndef UNROLL_C
#define UNROLL_C 1
#endif

#include "vectors.clh"

/* The host compiles the conv kernels for one shape: C, K, KH and KW as
 * compile-time constants (SC, SK, SKH, SKW) give the channel and filter
 * loops fixed trip counts and every offset an immediate, which PoCL's
 * LLVM unrolls and schedules far better than loops over arguments. */
#ifdef SC
#define C_ SC
#define K_ SK
#define KH_ SKH
#define KW_ SKW
#else
#define C_ C
#define K_ K
#define KH_ KH
#define KW_ KW
#endif

/* The register-tiled core both conv kernels share: acc[r][v] += px[r][c] *
 * f[c * K + v * VEC ..] over the input channels c, each input value
 * broadcast to NV fused multiply-adds. A macro, not a function, so the
 * accumulator array never leaves registers whatever the inliner does. */
#define ACCUMULATE_CHANNELS(acc, px, f)                                           \
  _Pragma("unroll UNROLL_C") for (int c = 0; c < C_; c++) {                       \
    TV w[NV];                                                                     \
    _Pragma("unroll") for (int v = 0; v < NV; v++) w[v] = LOADV(f, (ulong)c * K_ + v * VEC); \
    _Pragma("unroll") for (int r = 0; r < RM; r++) {                              \
      TV x = (TV)px[r][c];                                                        \
      _Pragma("unroll") for (int v = 0; v < NV; v++) acc[r][v] = fma(x, w[v], acc[r][v]); \
    }                                                                             \
  }

/* The epilogue both kernels share: + bias (the fused BiasAdd; a zero
 * vector when there is none) and, when relu, max(., 0) as cl_kernels/
 * conv.cl's bias_add does it (NaN and -0 give +0). */
static inline TV epilogue(TV v, TV b, int relu) {
  v += b;
  return relu ? (v > (TV)0 ? v : (TV)0) : v;
}
#define EPILOGUE(v, b) epilogue((v), (b), relu)

/* Stores a tile with the epilogue: acc[r] to output pixel m0 + r, for the
 * rows r below count (the tail of the last tile is not written). */
#define STORE_TILE(acc, m0, count)                                                                   \
  {                                                                                                  \
    TV b_[NV];                                                                                       \
    _Pragma("unroll") for (int v = 0; v < NV; v++) b_[v] = LOADV(bias, kv + v * VEC);               \
    _Pragma("unroll") for (int r = 0; r < RM; r++) if ((ulong)r < (count))                          \
      _Pragma("unroll") for (int v = 0; v < NV; v++)                                                 \
        STOREV(EPILOGUE(acc[r][v], b_[v]), out, ((ulong)(m0) + r) * K_ + kv + v * VEC);             \
  }

/* The input pixel a tap reads, or the zero row (C_ zeros) when it falls in
 * the SAME padding: the padding costs a select per pixel and tap, where a
 * zero-padded copy of the input cost a whole pass over it. */
#define TAP(ih, iw, nrow) \
  ((uint)(ih) < (uint)H && (uint)(iw) < (uint)W ? in + (((ulong)(nrow) + (ulong)(ih)) * W + (ulong)(iw)) * C_ : zeros)

/* out[M, K] (NHWC rows m = (n, oh, ow)) = epilogue(conv(in, filter[KH, KW,
 * C, K])), in unpadded NHWC, PT/PL the padding before. A work-item covers
 * RM pixels x NV vectors of VEC channels, so each input value loaded feeds
 * NV fused multiply-adds. zeros: at least max(C, K) zeros; bias: K values
 * (zeros without a bias). Global size: (K / (VEC * NV), ceil(M / RM)). */
__kernel void conv2d(__global T *out, __global const T *in, __global const T *filter, __global const T *zeros,
                     __global const T *bias, const int H, const int W, const int PT, const int PL, const int OH,
                     const int OW, const int SH, const int SW, const int DH, const int DW, const ulong M,
                     const int relu) {
  int kv = get_global_id(0) * VEC * NV;
  ulong m0 = (ulong)get_global_id(1) * RM;
  if (kv >= K_ || m0 >= M) return;
  int ih0[RM], iw0[RM];
  ulong nrow[RM];
  TV acc[RM][NV];
  /* Fully unrolled so the accumulators live in registers, not on the stack. */
#pragma unroll
  for (int r = 0; r < RM; r++) {
    ulong m = m0 + r < M ? m0 + r : M - 1; /* the tail repeats the last row, not written */
    int ow = (int)(m % OW), oh = (int)((m / OW) % OH);
    nrow[r] = m / ((ulong)OW * OH) * H;
    ih0[r] = oh * SH - PT;
    iw0[r] = ow * SW - PL;
#pragma unroll
    for (int v = 0; v < NV; v++) acc[r][v] = (TV)0;
  }
  for (int kh = 0; kh < KH_; kh++)
    for (int kw = 0; kw < KW_; kw++) {
      __global const T *f = filter + ((ulong)(kh * KW_ + kw) * C_) * K_ + kv;
      __global const T *px[RM];
      bool any = false;
#pragma unroll
      for (int r = 0; r < RM; r++) {
        px[r] = TAP(ih0[r] + kh * DH, iw0[r] + kw * DW, nrow[r]);
        any |= px[r] != zeros;
      }
      if (!any) continue; /* the whole tile is in the padding for this tap */
      ACCUMULATE_CHANNELS(acc, px, f);
    }
  STORE_TILE(acc, m0, M - m0);
}

/* The row-walking variant, for CPUs: one work-item per output row (n, oh)
 * and NV vectors of channels. For each filter row kh inside the input it
 * walks the row's pixels in blocks of RM, accumulating into out (from zero
 * at the first such kh, the epilogue applied at the last), so that one
 * filter row (KW x C x VEC*NV values), one input row and the output row
 * stay in the L1 cache across the blocks, where the per-block kernel above
 * streams the whole filter from L2 for every RM pixels. Global size:
 * (K / (VEC * NV), N * OH). */
__kernel void conv2d_rows(__global T *out, __global const T *in, __global const T *filter, __global const T *zeros,
                          __global const T *bias, const int H, const int W, const int PT, const int PL, const int OH,
                          const int OW, const int SH, const int SW, const int DH, const int DW, const ulong M,
                          const int relu) {
  int kv = get_global_id(0) * VEC * NV;
  ulong row = get_global_id(1); /* n * OH + oh */
  if (kv >= K_ || row >= M / (ulong)OW) return;
  int oh = (int)(row % OH);
  ulong nrow = row / OH * H;
  __global T *orow = out + row * OW * K_ + kv;
  /* The filter rows that land inside the input: [kh0, kh1). */
  int ih0 = oh * SH - PT, kh0 = 0, kh1 = KH_;
  while (kh0 < KH_ && ih0 + kh0 * DH < 0) kh0++;
  while (kh1 > kh0 && ih0 + (kh1 - 1) * DH >= H) kh1--;
  TV b[NV];
#pragma unroll
  for (int v = 0; v < NV; v++) b[v] = LOADV(bias, kv + v * VEC);
  if (kh0 == kh1) { /* every tap in the padding: the epilogue of zero */
    for (int ow = 0; ow < OW; ow++)
#pragma unroll
      for (int v = 0; v < NV; v++) STOREV(EPILOGUE((TV)0, b[v]), orow, (ulong)ow * K_ + v * VEC);
    return;
  }
  for (int kh = kh0; kh < kh1; kh++) {
    int ih = ih0 + kh * DH;
    __global const T *frow = filter + (ulong)kh * KW_ * C_ * K_ + kv;
    for (int ow0 = 0; ow0 < OW; ow0 += RM) {
      TV acc[RM][NV];
      int owr[RM];
#pragma unroll
      for (int r = 0; r < RM; r++) {
        owr[r] = ow0 + r < OW ? ow0 + r : OW - 1; /* the tail repeats the last pixel, not written */
#pragma unroll
        for (int v = 0; v < NV; v++) acc[r][v] = kh > kh0 ? LOADV(orow, (ulong)owr[r] * K_ + v * VEC) : (TV)0;
      }
      for (int kw = 0; kw < KW_; kw++) {
        __global const T *f = frow + (ulong)kw * C_ * K_;
        __global const T *px[RM];
#pragma unroll
        for (int r = 0; r < RM; r++) px[r] = TAP(ih, owr[r] * SW - PL + kw * DW, nrow);
        ACCUMULATE_CHANNELS(acc, px, f);
      }
      if (kh == kh1 - 1)
#pragma unroll
        for (int r = 0; r < RM; r++)
#pragma unroll
          for (int v = 0; v < NV; v++) acc[r][v] = EPILOGUE(acc[r][v], b[v]);
#pragma unroll
      for (int r = 0; r < RM; r++)
        if (ow0 + r < OW)
#pragma unroll
          for (int v = 0; v < NV; v++) STOREV(acc[r][v], orow, (ulong)(ow0 + r) * K_ + v * VEC);
    }
  }
}

/* The strip forms' stride along the width, a compile-time constant (the
 * host defines SSW for a strided width) so the tap a pixel feeds is known
 * when the loops unroll; STRIP_PX: the input pixels a strip of RM outputs
 * reads, output r and tap kw reading pixel r * SSW + kw. */
#ifndef SSW
#define SSW 1
#endif
#define STRIP_PX ((RM - 1) * SSW + KW_)

/* On a strided width (SSW > 1) a strip also prefetches, before its
 * channel loop over one filter row, the input row the next filter row
 * (or, blocked across rows, the next output row) reads: at stride 2 the
 * input is four times larger per output than at stride 1, read once from
 * L3 cache or memory, and the hardware prefetchers left each filter row's
 * first reads of a new row waiting on it (session 8 of
 * docs/conv-performance.md: 4-8% of the kernel's CPU time on average on
 * the 3x3/2 layers; at stride 1 it measured level or slightly slower, so
 * those programs have none). PREFETCH_STRIP(ih, ow0, nrow): the STRIP_PX pixels
 * (C_ values each, contiguous in NHWC) from column ow0 * SSW - PL (0 at
 * the left padding) of input row ih, when that row is inside the input,
 * one prefetch per 64-byte line. The last lines may lie past the row (the
 * right padding) or the buffer: a prefetch never faults. Only where the
 * compiler has clang's __builtin_prefetch (PoCL's does; OpenCL's own
 * prefetch() leaves the cache level to the implementation). */
#if SSW > 1 && defined(__has_builtin)
#if __has_builtin(__builtin_prefetch)
#define STRIP_PREFETCHES 1
#endif
#endif
#ifdef STRIP_PREFETCHES
#define PREFETCH_STRIP(ih, ow0, nrow)                                                                              \
  {                                                                                                                \
    int ih_ = (ih), iw_ = (ow0) * SSW - PL;                                                                        \
    if ((uint)ih_ < (uint)H) {                                                                                     \
      __global const char *p_ = (__global const char *)(in + (((nrow) + (ulong)ih_) * W + (ulong)max(iw_, 0)) * C_); \
      _Pragma("unroll") for (int o_ = 0; o_ < STRIP_PX * C_ * (int)sizeof(T); o_ += 64)                           \
        __builtin_prefetch(p_ + o_, 0, 3);                                                                         \
    }                                                                                                              \
  }
#else
#define PREFETCH_STRIP(ih, ow0, nrow) {}
#endif

/* The strip forms' channel loop: for each input channel c, the KW x NV
 * filter vectors of one filter row (f: its first, at channel 0) loaded
 * once, and each of the STRIP_PX input pixels px[j] broadcast once and
 * fed to every tap that reads it (output r = (j - kw) / SSW where SSW
 * divides j - kw; every condition folds away as the loops unroll). A
 * macro, as ACCUMULATE_CHANNELS, so acc stays in registers. */
#define STRIP_CHANNELS(acc, px, f)                                                                    \
  _Pragma("unroll UNROLL_C") for (int c = 0; c < C_; c++) {                                           \
    TV w[KW_][NV];                                                                                    \
    _Pragma("unroll") for (int kw = 0; kw < KW_; kw++)                                                \
      _Pragma("unroll") for (int v = 0; v < NV; v++) w[kw][v] = LOADV(f, ((ulong)kw * C_ + c) * K_ + v * VEC); \
    _Pragma("unroll") for (int j = 0; j < STRIP_PX; j++) {                                            \
      TV x = (TV)px[j][c];                                                                            \
      _Pragma("unroll") for (int kw = 0; kw < KW_; kw++)                                              \
        if (j - kw >= 0 && (j - kw) % SSW == 0 && (j - kw) / SSW < RM)                                \
          _Pragma("unroll") for (int v = 0; v < NV; v++)                                              \
            acc[(j - kw) / SSW][v] = fma(x, w[kw][v], acc[(j - kw) / SSW][v]);                        \
    }                                                                                                 \
  }

/* The strip form, for a width with stride SSW and no dilation: one
 * work-item per RM consecutive output pixels of one output row and NV
 * vectors of channels, its accumulators held across the whole filter. For
 * each filter row and input channel it loads the KW x NV filter vectors
 * once and broadcasts each of the (RM - 1) x SSW + KW input pixels the
 * strip reads once, feeding it to every tap that uses it: RM x KW x NV
 * fused multiply-adds per KW x NV + (RM - 1) x SSW + KW loads, where the
 * per-pixel form loads RM + NV values per RM x NV (the input pixel of
 * output r and tap kw is r x SSW + kw; at stride 2 and KW 3 each pixel
 * still feeds about 1.5 taps). Global size: (K / (VEC * NV), N * OH * ceil(OW / RM)). */
__kernel void conv2d_strip(__global T *out, __global const T *in, __global const T *filter, __global const T *zeros,
                           __global const T *bias, const int H, const int W, const int PT, const int PL, const int OH,
                           const int OW, const int SH, const int SW, const int DH, const int DW, const ulong M,
                           const int relu) {
  int kv = get_global_id(0) * VEC * NV;
  int nblk = (OW + RM - 1) / RM;
  ulong item = get_global_id(1), row = item / (ulong)nblk; /* row: n * OH + oh */
  if (kv >= K_ || row >= M / (ulong)OW) return;
  int ow0 = (int)(item - row * (ulong)nblk) * RM, oh = (int)(row % OH);
  ulong nrow = row / OH * H;
  TV acc[RM][NV];
#pragma unroll
  for (int r = 0; r < RM; r++)
#pragma unroll
    for (int v = 0; v < NV; v++) acc[r][v] = (TV)0;
  for (int kh = 0; kh < KH_; kh++) {
    int ih = oh * SH - PT + kh * DH;
    if ((uint)ih >= (uint)H) continue; /* the filter row falls in the padding */
    __global const T *px[STRIP_PX];
#pragma unroll
    for (int j = 0; j < STRIP_PX; j++) px[j] = TAP(ih, ow0 * SSW - PL + j, nrow);
    __global const T *f = filter + (ulong)kh * KW_ * C_ * K_ + kv;
    if (kh + 1 < KH_) PREFETCH_STRIP(ih + DH, ow0, nrow) /* the next filter row's input row */
    STRIP_CHANNELS(acc, px, f);
  }
  STORE_TILE(acc, row * OW + ow0, (ulong)(OW - ow0));
}

/* The strip form blocked across output rows: one work-item per RM pixels
 * of RH consecutive output rows (the same columns) and NV vectors of
 * channels. It walks the filter rows outermost and, for each, the RH
 * output rows, so the filter row's KW x C x VEC*NV values stay in the L1
 * cache for RH strips where conv2d_strip streams the whole filter (KH
 * times that) from L2 for every strip: RH times less filter traffic per
 * output pixel. The accumulators go through the output between filter
 * rows (RM x NV vectors loaded and stored per row and filter row, against
 * RM x KW x C x NV fused multiply-adds). The channel loop is
 * conv2d_strip's. Rows past OH (the last block's tail) are not computed.
 * Global size: (K / (VEC * NV), N * ceil(OH / RH) * ceil(OW / RM)). */
#ifdef RH
__kernel void conv2d_strip_rows(__global T *out, __global const T *in, __global const T *filter,
                                __global const T *zeros, __global const T *bias, const int H, const int W,
                                const int PT, const int PL, const int OH, const int OW, const int SH, const int SW,
                                const int DH, const int DW, const ulong M, const int relu) {
  int kv = get_global_id(0) * VEC * NV;
  int nblk = (OW + RM - 1) / RM, nrb = (OH + RH - 1) / RH;
  ulong item = get_global_id(1), rb = item / (ulong)nblk; /* rb: n * nrb + oh0 / RH */
  if (kv >= K_ || rb >= M / ((ulong)OW * OH) * nrb) return;
  int ow0 = (int)(item - rb * (ulong)nblk) * RM, oh0 = (int)(rb % (ulong)nrb) * RH;
  ulong n = rb / (ulong)nrb, nrow = n * H;
  int rows = OH - oh0 < RH ? OH - oh0 : RH;
  ulong count = (ulong)(OW - ow0);
  TV b[NV];
#pragma unroll
  for (int v = 0; v < NV; v++) b[v] = LOADV(bias, kv + v * VEC);
  for (int kh = 0; kh < KH_; kh++) {
    __global const T *f = filter + (ulong)kh * KW_ * C_ * K_ + kv;
#pragma unroll 1
    for (int q = 0; q < rows; q++) {
      int ih = (oh0 + q) * SH - PT + kh * DH;
      if ((uint)ih >= (uint)H) continue; /* the filter row falls in the padding for this row */
      /* The valid filter rows of an output row are contiguous: the first
       * starts from zero, the last applies the epilogue. */
      bool first = ih - DH < 0 || kh == 0, last = ih + DH >= H || kh == KH_ - 1;
      __global T *o = out + ((n * OH + (ulong)(oh0 + q)) * OW + (ulong)ow0) * K_ + kv;
      TV acc[RM][NV];
#pragma unroll
      for (int r = 0; r < RM; r++)
#pragma unroll
        for (int v = 0; v < NV; v++)
          acc[r][v] = first || (ulong)r >= count ? (TV)0 : LOADV(o, (ulong)r * K_ + v * VEC);
      __global const T *px[STRIP_PX];
#pragma unroll
      for (int j = 0; j < STRIP_PX; j++) px[j] = TAP(ih, ow0 * SSW - PL + j, nrow);
      /* The input row read next: the next output row's, else the first
       * output row's for the next filter row. */
      if (q + 1 < rows) PREFETCH_STRIP(ih + SH, ow0, nrow)
      else if (kh + 1 < KH_) PREFETCH_STRIP(oh0 * SH - PT + (kh + 1) * DH, ow0, nrow)
      STRIP_CHANNELS(acc, px, f);
#pragma unroll
      for (int r = 0; r < RM; r++)
        if ((ulong)r < count)
#pragma unroll
          for (int v = 0; v < NV; v++)
            STOREV(last ? EPILOGUE(acc[r][v], b[v]) : acc[r][v], o, (ulong)r * K_ + v * VEC);
    }
  }
  /* A row whose every filter row falls in the padding (a dilated filter
   * taller than the input can skip over it): the epilogue of zero. */
  for (int q = 0; q < rows; q++) {
    bool any = false;
    for (int kh = 0; kh < KH_; kh++) any |= (uint)((oh0 + q) * SH - PT + kh * DH) < (uint)H;
    if (any) continue;
    __global T *o = out + ((n * OH + (ulong)(oh0 + q)) * OW + (ulong)ow0) * K_ + kv;
    for (int r = 0; r < RM; r++)
      if ((ulong)r < count)
#pragma unroll
        for (int v = 0; v < NV; v++) STOREV(EPILOGUE((TV)0, b[v]), o, (ulong)r * K_ + v * VEC);
  }
}
#endif
