/* conv_igemm_tf32.cl - conv2d as an implicit GEMM with TF32 products, for
 * sessions with tensor_float_32_execution on devices with TF32 matrix
 * units (issue 11; cuDNN takes TF32 in every conv algorithm):
 *   out[M = N*OH*OW, K] = A[M, R = KH*KW*C] x F[R, K]
 * A's row m = (n, oh, ow) gathered on the fly from the unpadded NHWC input
 * as conv_igemm.cl does (a tap in the SAME padding reads zero; strides,
 * dilations), F the HWIO filter as it is ([KH, KW, C, K] is row-major
 * [R, K]); the inner product is gemm_mma.cl's: the m16n8k8 instruction
 * (or its emulation) of mma_tf32.clh, on fragments of __local slices.
 *
 * A work-group of WM x WN warps owns a BM x BN tile of out (BM = WM * FM
 * * 16 output pixels, BN = WN * FN * 8 output channels), each warp
 * (FM * 16) x (FN * 8) of it as FM x FN fragments. R is walked in slices
 * of KS: the group gathers A's BM x KS slice and copies F's KS x BN slice
 * (mma_tf32.clh's stage: float4 loads where K is a multiple of 4) into
 * __local memory, rounded to TF32 once there (zeros past M, K or R, so
 * the instruction never sees an edge), k-fastest with rows padded by 4
 * floats as in gemm_mma.cl (the fragment loads then meet 32 distinct
 * banks); two buffers of each, the next slice staged while the current
 * one is multiplied, one barrier a slice.
 *
 * The epilogue is conv_igemm.cl's: the BiasAdd and Relu the plan fused
 * into the conv are applied in the stores (bias added in float32 to the
 * float32 sum; relu as max(., 0) with NaN and -0 giving +0).
 *
 * Compile-time: WM, WN, FM, FN, KS (a multiple of 8), VS_NV_MMA (the real
 * instruction). Run-time: the shape, so one program serves every
 * geometry. Launch: local (32 * WM * WN), global (ceil(M / BM) * that,
 * ceil(K / BN)). */

#include "mma_tf32.clh"

/* A[m0 + row, r0 + q] into As[row][q], rounded to TF32: the tap (kh, kw,
 * c) of r from the input, zero in the padding and past M or R.
 * Consecutive work-items take consecutive reduction indices (consecutive
 * input channels: contiguous in NHWC). Always inlined, as stage. */
static inline __attribute__((always_inline)) void gather(__local float *As, __global const float *in,
                                                         __local const int *rown, __local const int *rowh,
                                                         __local const int *roww, int r0, int R, int H, int W, int C,
                                                         int KW, int DH, int DW, uint lid) {
  for (uint e = lid; e < BM * KS; e += ITEMS) {
    uint row = e / KS, q = e % KS;
    int r = r0 + (int)q, n = rown[row];
    float v = 0.0f;
    if (r < R && n >= 0) {
      int c = r % C, tap = r / C, kw = tap % KW, kh = tap / KW;
      int ih = rowh[row] + kh * DH, iw = roww[row] + kw * DW;
      if ((uint)ih < (uint)H && (uint)iw < (uint)W) v = in[(((ulong)n * H + (ulong)ih) * W + (ulong)iw) * C + c];
    }
    As[row * LDS + q] = tf32_round(v);
  }
}

/* vf: K is a multiple of 4 (the filter's rows then start 16-byte aligned:
 * stage's float4 loads). */
__kernel __attribute__((reqd_work_group_size(ITEMS, 1, 1))) void conv2d_igemm_tf32(
    __global float *out, __global const float *in, __global const float *filter, __global const float *bias,
    const int H, const int W, const int C, const int KH, const int KW, const int K, const int PT, const int PL,
    const int OH, const int OW, const int SH, const int SW, const int DH, const int DW, const ulong M,
    const int has_bias, const int relu, const int vf) {
  /* Two buffers of each slice (double buffering, as gemm_mma.cl). */
  __local float As[2 * BM * LDS], Bs[2 * BN * LDS], scratch[SCRATCH];
  __local int rown[BM], rowh[BM], roww[BM]; /* per tile row: image (-1 past M), first input row and column */
  uint lid = (uint)get_local_id(0), lane = lid & 31, warp = lid >> 5;
  uint wm = warp / WN, wn = warp % WN, g = lane >> 2, t = lane & 3;
  const ulong m0 = (ulong)get_group_id(0) * BM;
  const int n0 = (int)get_group_id(1) * BN, R = KH * KW * C;
  __local float *s = scratch + (SCRATCH > 1 ? warp * 192 : 0);
  for (uint mm = lid; mm < BM; mm += ITEMS) {
    ulong m = m0 + mm;
    if (m < M) {
      ulong q = m / OW;
      rown[mm] = (int)(q / OH);
      rowh[mm] = (int)(q % OH) * SH - PT;
      roww[mm] = (int)(m % OW) * SW - PL;
    } else {
      rown[mm] = -1;
      rowh[mm] = roww[mm] = 0;
    }
  }
  /* Registers on the GPU (mma_tf32.clh's UNROLL: constant indices). */
  float acc[FM][FN][4];
  MMA_ZERO(acc);
  barrier(CLK_LOCAL_MEM_FENCE);

  /* F[r0 + q, n0 + col] is row-major [R, K]: contiguous along the output
   * channels (stage's kc 0, rows of K). */
  const int slices = (R + KS - 1) / KS; /* R <= INT32_MAX - 64 (conv_igemm_tf32.c) */
  if (slices > 0) {
    gather(As, in, rown, rowh, roww, 0, R, H, W, C, KW, DH, DW, lid);
    stage(Bs, BN, filter, 0, (ulong)K, 0, vf, (ulong)n0, (ulong)K, 0, R, lid);
  }
  for (int sl = 0; sl < slices; sl++) {
    /* After it slice sl is complete and the other buffer free (gemm_mma.cl). */
    barrier(CLK_LOCAL_MEM_FENCE);
    uint cur = (uint)sl & 1, next = cur ^ 1;
    if (sl + 1 < slices) {
      gather(As + next * BM * LDS, in, rown, rowh, roww, (sl + 1) * KS, R, H, W, C, KW, DH, DW, lid);
      stage(Bs + next * BN * LDS, BN, filter, 0, (ulong)K, 0, vf, (ulong)n0, (ulong)K, (sl + 1) * KS, R, lid);
    }
    MMA_SLICE(acc, As + cur * BM * LDS, Bs + cur * BN * LDS, wm, wn, g, t, s, lane);
  }

  /* The epilogue in the stores, as conv_igemm.cl's. */
  MMA_EACH(wm, wn, g, t, {
    ulong m = m0 + row;
    int kc = n0 + (int)col;
    if (m < M && kc < K) {
      float x = has_bias ? acc[i][j][e] + bias[kc] : acc[i][j][e];
      out[m * K + kc] = relu ? (x > 0.0f ? x : 0.0f) : x;
    }
  })
}
