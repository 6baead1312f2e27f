/* conv.cl - the pieces of conv2d as im2col + GEMM, and the epilogues.
 * NHWC input, HWIO filter: the im2col matrix has one row per output pixel
 * (n, oh, ow) and one column per (kh, kw, c), which is exactly the row
 * order of the HWIO filter seen as a [kh*kw*c, out] matrix, so
 * output = im2col(input) x filter is already NHWC. T is float or double. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define T4 CAT(T, 4)

/* Output lines [line0, line0 + lines) (line = n * OH + oh) of the im2col
 * matrix of one conv2d, conv2d.c's im2col route. One work-item per (tap,
 * ow, line), tap = kh * KW + kw: it copies the C contiguous channels of
 * one input pixel to the C contiguous columns of its row, or zeros where
 * the tap falls in the padding; the neighbouring items (dimension 0) fill
 * the rest of the row. Index math once per item (the 3-D range gives ow
 * and the line without dividing), 32-bit where a dimension bounds it; the
 * copy in vectors of 4. (The per-element im2col it replaced, four 64-bit
 * divisions an element, cost ~5x the GEMM of a 1x1/2 layer on PoCL:
 * docs/conv-performance.md, Session 8.) Global (KH * KW, OW, lines),
 * which a device's limit on work-groups per launch may cut into pieces
 * (kernels/launch_grid.h): so OW and taps are arguments, not the range's
 * sizes. */
__kernel void im2col_lines(__global T *cols, __global const T *in, const ulong line0, const int H, const int W,
                           const int C, const int OH, const int KW, const int SH, const int SW, const int DH,
                           const int DW, const int PT, const int PL, const int OW, const int taps) {
  int tap = get_global_id(0), ow = get_global_id(1);
  ulong l = get_global_id(2), line = line0 + l;
  int oh = (int)(line % (ulong)OH), kh = tap / KW, kw = tap - kh * KW;
  ulong n = line / (ulong)OH;
  int ih = oh * SH - PT + kh * DH, iw = ow * SW - PL + kw * DW;
  __global T *dst = cols + ((l * OW + ow) * taps + tap) * C;
  int c = 0;
  if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
    __global const T *src = in + ((n * H + ih) * W + iw) * C;
    for (; c + 4 <= C; c += 4) vstore4(vload4(0, src + c), 0, dst + c);
    for (; c < C; c++) dst[c] = src[c];
  } else {
    for (; c + 4 <= C; c += 4) vstore4((T4)0, 0, dst + c);
    for (; c < C; c++) dst[c] = (T)0;
  }
}

/* bias_add over rows [row0, end) of a [rows, K] matrix, one work-item per
 * row walking its K channels (no per-element modulo): out = relu?(out +
 * bias), bias only when has_bias (else bias is not read), relu exactly as
 * bias_add (NaN -> 0). For the GEMMs that cannot apply it as they store
 * (CLBlast's, convgemm's, float64's). Global: end - row0, rounded up. */
__kernel void bias_act_rows(__global T *out, __global const T *bias, const int K, const ulong row0, const ulong end,
                            const int has_bias, const int relu) {
  ulong row = row0 + get_global_id(0);
  if (row >= end) return;
  __global T *o = out + row * (ulong)K;
  for (int k = 0; k < K; k++) {
    T v = has_bias ? o[k] + bias[k] : o[k];
    o[k] = relu && !(v > (T)0) ? (T)0 : v;
  }
}

/* out[row, k] = relu?(in[row, k] + bias[k]) for rows [0, rows): BiasAdd,
 * fused with Relu, in place when out is in. Range (K, rows), padded: the
 * channel is the item's first coordinate, so no element divides (a 64-bit
 * i % K an element made this pass 2.5-7x the CPU time of the 2-D form on
 * PoCL: docs/conv-performance.md, session 9). */
__kernel void bias_add(__global T *out, __global const T *in, __global const T *bias, const ulong K,
                       const ulong rows, const int relu) {
  ulong k = get_global_id(0), row = get_global_id(1), i = row * K + k;
  if (k >= K || row >= rows) return;
  T v = in[i] + bias[k];
  out[i] = relu && !(v > (T)0) ? (T)0 : v; /* integer types too; NaN -> 0 as fmax */
}

__kernel void relu(__global T *out, __global const T *in, const ulong n) {
  ulong i = get_global_id(0);
  if (i < n) out[i] = in[i] > (T)0 ? in[i] : (T)0; /* integer types too; NaN -> 0 as fmax */
}

/* out[b][c][r] = in[b][r][c] for a batch of R x C matrices (NHWC <-> NCHW). */
__kernel void transpose_batched(__global T *out, __global const T *in, const ulong B, const ulong R, const ulong C) {
  ulong i = get_global_id(0);
  if (i >= B * R * C) return;
  ulong b = i / (R * C), rc = i % (R * C), r = rc / C, c = rc % C;
  out[(b * C + c) * R + r] = in[i];
}

/* HWIO [KHW, C, K] -> KCHW [K, C, KHW], CLBlast convgemm's weight layout. */
__kernel void hwio_to_kchw(__global T *out, __global const T *in, const ulong KHW, const ulong C, const ulong K) {
  ulong i = get_global_id(0);
  if (i >= KHW * C * K) return;
  ulong k = i % K, c = (i / K) % C, p = i / (K * C);
  out[(k * C + c) * KHW + p] = in[i];
}
