/* conv_direct.cl - conv2d without an im2col buffer, register-tiled for
 * CPUs (and usable on GPUs): each work-item computes RM consecutive output
 * pixels x VEC consecutive output channels, with one VEC-wide accumulator per
 * pixel, walking the filter window over a zero-padded NHWC input.
 * T float/double, VEC in {1, 2, 4, 8, 16}, RM rows, NV vectors; the host
 * picks VEC * NV to divide K. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#ifndef UNROLL_C
#define UNROLL_C 1
#endif

#if VEC == 1
#define TV T
#define LOADV(p, i) ((p)[i])
#define STOREV(v, p, i) ((p)[i] = (v))
#else
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define TV CAT(T, VEC)
#define LOADV(p, i) CAT(vload, VEC)(0, (p) + (i))
#define STOREV(v, p, i) CAT(vstore, VEC)((v), 0, (p) + (i))
#endif

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

/* Copies NHWC input into a zero-padded buffer [N, Hp, Wp, C]. */
__kernel void pad_input(__global T *out, __global const T *in, const int N, const int H, const int W, const int C,
                        const int Hp, const int Wp, const int PT, const int PL) {
  ulong i = get_global_id(0);
  ulong total = (ulong)N * Hp * Wp * C;
  if (i >= total) return;
  int c = (int)(i % C);
  ulong p = i / C;
  int wp = (int)(p % Wp), hp = (int)((p / Wp) % Hp);
  ulong n = p / ((ulong)Wp * Hp);
  int h = hp - PT, w = wp - PL;
  out[i] = (h >= 0 && h < H && w >= 0 && w < W) ? in[((n * H + h) * W + w) * C + c] : (T)0;
}

/* out[M, K] (NHWC rows m = (n, oh, ow)) = conv(padded, filter[KH, KW, C, K]).
 * A work-item covers RM pixels x NV vectors of VEC channels, so each input
 * value loaded feeds NV fused multiply-adds. Global size:
 * (K / (VEC * NV), ceil(M / RM)). */
__kernel void conv2d(__global T *out, __global const T *in, __global const T *filter, const int Hp, const int Wp,
                     const int C, const int OH, const int OW, const int K, const int KH, const int KW, const int SH,
                     const int SW, const int DH, const int DW, const ulong M) {
  int kv = get_global_id(0) * VEC * NV;
  ulong m0 = (ulong)get_global_id(1) * RM;
  if (kv >= K_ || m0 >= M) return;
  ulong base[RM];
  TV acc[RM][NV];
  /* Fully unrolled so the accumulators live in registers, not on the stack. */
#pragma unroll
  for (int r = 0; r < RM; r++) {
    ulong m = m0 + r < M ? m0 + r : M - 1; /* the tail repeats the last row, not written */
    int ow = (int)(m % OW), oh = (int)((m / OW) % OH);
    ulong n = m / ((ulong)OW * OH);
    base[r] = ((n * Hp + (ulong)oh * SH) * Wp + (ulong)ow * SW) * C_;
#pragma unroll
    for (int v = 0; v < NV; v++) acc[r][v] = (TV)0;
  }
  for (int kh = 0; kh < KH_; kh++)
    for (int kw = 0; kw < KW_; kw++) {
      ulong off = ((ulong)kh * DH * Wp + (ulong)kw * DW) * C_;
      __global const T *f = filter + ((ulong)(kh * KW_ + kw) * C_) * K_ + kv;
      __global const T *px[RM];
#pragma unroll
      for (int r = 0; r < RM; r++) px[r] = in + base[r] + off;
      ACCUMULATE_CHANNELS(acc, px, f);
    }
#pragma unroll
  for (int r = 0; r < RM; r++)
    if (m0 + r < M)
#pragma unroll
      for (int v = 0; v < NV; v++) STOREV(acc[r][v], out, (m0 + r) * K_ + kv + v * VEC);
}

/* The row-walking variant, for CPUs: one work-item per output row (n, oh)
 * and NV vectors of channels. For each filter row kh it walks the row's
 * pixels in blocks of RM, accumulating into out (from zero at kh = 0), so
 * that one filter row (KW x C x VEC*NV values), one input row and the
 * output row stay in the L1 cache across the blocks, where the per-block
 * kernel above streams the whole filter from L2 for every RM pixels.
 * Global size: (K / (VEC * NV), N * OH). */
__kernel void conv2d_rows(__global T *out, __global const T *in, __global const T *filter, const int Hp,
                          const int Wp, const int C, const int OH, const int OW, const int K, const int KH,
                          const int KW, const int SH, const int SW, const int DH, const int DW, const ulong M) {
  int kv = get_global_id(0) * VEC * NV;
  ulong row = get_global_id(1); /* n * OH + oh */
  if (kv >= K_ || row >= M / (ulong)OW) return;
  int oh = (int)(row % OH);
  ulong n = row / OH;
  __global T *orow = out + row * OW * K_ + kv;
  for (int kh = 0; kh < KH_; kh++) {
    __global const T *irow = in + (n * Hp + (ulong)oh * SH + (ulong)kh * DH) * Wp * C_;
    __global const T *frow = filter + (ulong)kh * KW_ * C_ * K_ + kv;
    for (int ow0 = 0; ow0 < OW; ow0 += RM) {
      TV acc[RM][NV];
      int owr[RM];
#pragma unroll
      for (int r = 0; r < RM; r++) {
        owr[r] = ow0 + r < OW ? ow0 + r : OW - 1; /* the tail repeats the last pixel, not written */
#pragma unroll
        for (int v = 0; v < NV; v++) acc[r][v] = kh ? LOADV(orow, (ulong)owr[r] * K_ + v * VEC) : (TV)0;
      }
      for (int kw = 0; kw < KW_; kw++) {
        __global const T *f = frow + (ulong)kw * C_ * K_;
        __global const T *px[RM];
#pragma unroll
        for (int r = 0; r < RM; r++) px[r] = irow + ((ulong)owr[r] * SW + (ulong)kw * DW) * C_;
        ACCUMULATE_CHANNELS(acc, px, f);
      }
#pragma unroll
      for (int r = 0; r < RM; r++)
        if (ow0 + r < OW)
#pragma unroll
          for (int v = 0; v < NV; v++) STOREV(acc[r][v], orow, (ulong)(ow0 + r) * K_ + v * VEC);
    }
  }
}
