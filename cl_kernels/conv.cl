/* conv.cl - the pieces of conv2d as im2col + GEMM, and the epilogues.
 * NHWC input, HWIO filter: the im2col matrix has one row per output pixel
 * (n, oh, ow) and one column per (kh, kw, c), which is exactly the row
 * order of the HWIO filter seen as a [kh*kw*c, out] matrix, so
 * output = im2col(input) x filter is already NHWC. T is float or double. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

/* Rows [row0, row0 + rows) of the im2col matrix of one conv2d. */
__kernel void im2col(__global T *cols, __global const T *in, const ulong row0, const ulong rows,
                     const int H, const int W, const int C, const int OH, const int OW,
                     const int KH, const int KW, const int SH, const int SW, const int DH, const int DW,
                     const int PT, const int PL) {
  ulong i = get_global_id(0);
  ulong kc = (ulong)KH * KW * C;
  if (i >= rows * kc) return;
  ulong row = row0 + i / kc;
  int col = (int)(i % kc);
  int c = col % C, kw = (col / C) % KW, kh = col / (C * KW);
  int ow = (int)(row % OW), oh = (int)((row / OW) % OH);
  ulong n = row / ((ulong)OW * OH);
  int ih = oh * SH - PT + kh * DH, iw = ow * SW - PL + kw * DW;
  cols[i] = (ih >= 0 && ih < H && iw >= 0 && iw < W) ? in[((n * H + ih) * W + iw) * C + c] : (T)0;
}

/* out[i] = relu?(out[i] + bias[i % K]) in place: BiasAdd, fused with Relu. */
__kernel void bias_act(__global T *out, __global const T *bias, const ulong K, const ulong n, const int relu) {
  ulong i = get_global_id(0);
  if (i >= n) return;
  T v = out[i] + bias[i % K];
  out[i] = relu && !(v > (T)0) ? (T)0 : v; /* integer types too; NaN -> 0 as fmax */
}

/* out[i] = in[i] + bias[i % K], out of place. */
__kernel void bias_add(__global T *out, __global const T *in, __global const T *bias, const ulong K,
                       const ulong n) {
  ulong i = get_global_id(0);
  if (i < n) out[i] = in[i] + bias[i % K];
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
