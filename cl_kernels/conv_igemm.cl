/* conv_igemm.cl - conv2d as an implicit GEMM, designed for GPUs:
 *   out[M = N*OH*OW, K] = A[M, R = KH*KW*C] x F[R, K]
 * where row m = (n, oh, ow) of A is gathered on the fly from the unpadded
 * NHWC input (a tap in the SAME padding reads zero; strides, dilations)
 * and F is the HWIO filter as it is ([KH, KW, C, K] is row-major [R, K]).
 *
 * A work-group computes an MWG x NWG tile of out. It walks R in KWG-deep
 * slices, staging each slice of A (gathered) and of F in __local memory
 * (DB 1: two buffers, the next slice loaded while the current one is
 * multiplied, one barrier per slice); its MDIMC x NDIMC work-items each
 * hold an MWI x NWI register block (MWI = MWG / MDIMC, NWI = NWG / NDIMC),
 * strided across the tile so that neighbouring work-items read
 * neighbouring local words and store neighbouring output vectors. F is
 * read and out written in vectors of VW. The BiasAdd and Relu the plan
 * fused into the conv are applied in the stores, as conv_direct.cl does
 * (NaN and -0 give +0 under relu). Edge tiles (M, K, R not multiples of
 * the tile) are guarded: rows and slices past the end read zero, columns
 * past K are not stored.
 *
 * VWM (1, 2 or 4, dividing MWI) is how many of a work-item's MWI tile
 * rows are contiguous in the A slice: work-item tm owns rows
 * (i / VWM) * MDIMC * VWM + tm * VWM + i % VWM, which it reads as MWI / VWM
 * vector loads a reduction step instead of MWI scalar ones (on NVIDIA's
 * shared memory: ld.shared.v4, 4 FMAs per load more). Neighbouring
 * work-items still read neighbouring words (broadcast within a row of
 * work-items, no bank conflict). Each row of the A slice is padded by VWM
 * words (MWGP): the gather writes a warp's 32 consecutive reduction
 * indices of one or two tile rows, which without the pad all fall in one
 * of the 32 4-byte banks (MWG is a multiple of 32: a 16- or 32-way
 * conflict on every store); with it, at most 2-way (VWM 4 and KWG 16),
 * and the rows stay 4 * VWM-byte aligned for the vector loads.
 *
 * The gather (load_slice): when the work-group size is a multiple of KWG
 * and divides KWG x MWG (every set the selection and tuner offer), each
 * work-item always takes the same reduction index kk of a slice and the
 * same tile rows, so the reduction index is decomposed into (kh, kw, c)
 * once a slice (two integer divisions by run-time values, which NVIDIA's
 * ISA has no instruction for), not once an element, and each row's
 * offset and first input row and column come from two 64-bit local
 * loads (rowb, rowhw) without any division; the
 * element loop is unrolled. The general form remains for other sets.
 *
 * Compile-time parameters (the host validates them against the device's
 * local memory and work-group limits before building): T, MWG, NWG, KWG,
 * MDIMC, NDIMC, VW, DB, VWM. The shape is passed at run time, so one
 * program serves every geometry. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#define MWI (MWG / MDIMC)
#define NWI (NWG / NDIMC)
#define NVI (NWI / VW) /* vectors per work-item along K */
#define WGS (MDIMC * NDIMC)
#ifndef VWM
#define VWM 1
#endif
#define MWGP (MWG + VWM) /* an A slice row, padded (bank conflicts, above) */
#define NWV (MWI / VWM)  /* A vectors per work-item a reduction step */
/* The hoisted gather: a work-item's reduction index and rows are fixed. */
#define GATHER_FIXED (WGS % KWG == 0 && (KWG * MWG) % WGS == 0)
#if DB
#define NBUF 2
#else
#define NBUF 1
#endif

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#if VW == 1
#define TV T
#define VLOAD(p) (*(p))
#define VSTORE(v, p) (*(p) = (v))
#else
#define TV CAT(T, VW)
#define VLOAD(p) CAT(vload, VW)(0, (p))
#define VSTORE(v, p) CAT(vstore, VW)((v), 0, (p))
#endif
/* Local vectors, whose alignment the kernel guarantees (the arrays are
 * 128-byte aligned and every offset a multiple of the width): one vector
 * instruction (ld.shared.v4), where vloadn, which may only assume T's
 * alignment, becomes VW scalar loads. Global F is read with VLOAD: a row
 * of K floats is vector-aligned only when VW divides K (GVLOAD then). */
#if VW == 1
#define GVLOAD(p) (*(p))
#define LVLOAD(p) (*(p))
#define LVSTORE(v, p) (*(p) = (v))
#else
#define GVLOAD(p) (*(__global const TV *)(p))
#define LVLOAD(p) (*(__local const TV *)(p))
#define LVSTORE(v, p) (*(__local TV *)(p) = (v))
#endif
/* A's vectors in local memory: lane l of vector v is element [v * VWM + l]. */
#if VWM == 1
#define TA T
#define ALOAD(p) (*(p))
#define ALANE(x, l) (x)
#else
#define TA CAT(T, VWM)
#define ALOAD(p) (*(__local const TA *)(p))
#if VWM == 2
#define ALANE(x, l) ((l) == 0 ? (x).s0 : (x).s1)
#else
#define ALANE(x, l) ((l) == 0 ? (x).s0 : (l) == 1 ? (x).s1 : (l) == 2 ? (x).s2 : (x).s3)
#endif
#endif
/* The tile row of work-item tm's i-th accumulator row. */
#define AROW(tm, i) (((i) / VWM) * MDIMC * VWM + (tm) * VWM + (i) % VWM)

/* Stages slice s (reduction indices [s * KWG, s * KWG + KWG)) of A and F
 * into buffer buf of the local tiles as[NBUF][KWG][MWGP] and
 * bs[NBUF][KWG][NWG]. Consecutive work-items take consecutive reduction
 * indices of A (consecutive input channels: contiguous in NHWC) and
 * consecutive vectors of a row of F. rowb[mm] is tile row mm's offset in
 * the input at its first tap ((n * H + ih0) * W + iw0) * C (negative in
 * the padding: only added to a tap's offset, never read alone), rowhw[mm]
 * its (ih0, iw0), ih0 far negative past M (every tap out of range). Always
 * inlined: PoCL 3.1 computed wrong results when this function, called
 * from two places (double buffering), was left a call with __local
 * arguments (seen on every double-buffered set; inlined, they all verify). */
static inline __attribute__((always_inline)) void load_slice(__local T *as, __local T *bs, const int buf, __global const T *in, __global const T *filter,
                       __local const long *rowb, __local const int2 *rowhw, const int s,
                       const int n0, const int H, const int W, const int C, const int KW, const int K, const int R,
                       const int DH, const int DW, const int lid) {
  const int r0 = s * KWG;
#if GATHER_FIXED
  {
    /* This work-item's reduction index kk and rows lid / KWG + e * (WGS /
     * KWG): the tap decomposed once for the slice. */
    const int kk = lid % KWG, r = r0 + kk, c = r % C, t = r / C, kw = t % KW, kh = t / KW;
    const int dh = kh * DH, dw = kw * DW;
    const long toff = ((long)dh * W + dw) * C + c;
    const bool live = r < R;
    __local T *dst = as + buf * KWG * MWGP + kk * MWGP + lid / KWG;
#pragma unroll
    for (int e = 0; e < KWG * MWG / WGS; e++) {
      const int mm = lid / KWG + e * (WGS / KWG);
      /* Read again each slice (volatile): hoisted out of the slice loop,
       * as clang does otherwise, a work-item's rows cost 3 registers each
       * for the whole loop (ptxas for sm_90: 143 registers instead of 128
       * for the 128x128 set, one work-group an SM instead of two) to save
       * KWG x MWG / WGS local loads a slice. */
      const int2 hw = ((volatile __local const int2 *)rowhw)[mm];
      T v = (T)0;
      if (live && (uint)(hw.x + dh) < (uint)H && (uint)(hw.y + dw) < (uint)W) v = in[((volatile __local const long *)rowb)[mm] + toff];
      dst[e * (WGS / KWG)] = v;
    }
  }
#else
  for (int i = lid; i < KWG * MWG; i += WGS) {
    int kk = i % KWG, mm = i / KWG, r = r0 + kk;
    T v = (T)0;
    if (r < R) {
      int c = r % C, t = r / C, kw = t % KW, kh = t / KW;
      int2 hw = rowhw[mm];
      int dh = kh * DH, dw = kw * DW;
      if ((uint)(hw.x + dh) < (uint)H && (uint)(hw.y + dw) < (uint)W) v = in[rowb[mm] + ((long)dh * W + dw) * C + c];
    }
    as[buf * KWG * MWGP + kk * MWGP + mm] = v;
  }
#endif
#if (KWG * (NWG / VW)) % WGS == 0
#pragma unroll
  for (int e = 0; e < KWG * (NWG / VW) / WGS; e++) {
    const int i = lid + e * WGS;
#else
  for (int i = lid; i < KWG * (NWG / VW); i += WGS) {
#endif
    int kk = i / (NWG / VW), col = n0 + (i % (NWG / VW)) * VW, r = r0 + kk;
    TV v = (TV)0;
    if (r < R) {
      __global const T *p = filter + (ulong)r * K + col;
      if (col + VW <= K) {
        /* VW dividing K, the vector is aligned (a buffer's origin is, to
         * CL_DEVICE_MEM_BASE_ADDR_ALIGN): one ld.global.v4 where vloadn
         * takes VW scalar loads. */
        v = K % VW == 0 ? GVLOAD(p) : VLOAD(p);
      } else { /* the last columns: lanes past K read zero */
        T lanes[VW];
        for (int l = 0; l < VW; l++) lanes[l] = col + l < K ? p[l] : (T)0;
        v = VLOAD(lanes);
      }
    }
    LVSTORE(v, bs + buf * KWG * NWG + kk * NWG + (i % (NWG / VW)) * VW);
  }
}

/* acc[i][j] += A[row AROW(tm, i)][kk] * F[kk][vector tn + j * NDIMC]
 * over the slice in as/bs: MWI / VWM vector loads of A and NVI of F a
 * step. A macro so that the accumulators stay in registers whatever the
 * inliner does. */
#define MULTIPLY_SLICE(as, bs, oa, ob)                                                              \
  _Pragma("unroll") for (int kk = 0; kk < KWG; kk++) {                                        \
    TA a[NWV];                                                                                \
    _Pragma("unroll") for (int v = 0; v < NWV; v++) a[v] = ALOAD((as) + (oa) + kk * MWGP + v * MDIMC * VWM + tm * VWM); \
    _Pragma("unroll") for (int j = 0; j < NVI; j++) {                                         \
      TV b = LVLOAD((bs) + (ob) + kk * NWG + (tn + j * NDIMC) * VW);                                \
      _Pragma("unroll") for (int i = 0; i < MWI; i++) acc[i][j] = fma((TV)ALANE(a[i / VWM], i % VWM), b, acc[i][j]); \
    }                                                                                         \
  }

/* out = epilogue(conv(in, filter)); bias: K values read when has_bias;
 * relu: max(., 0) with NaN -> 0. Global size (ceil(M / MWG) * WGS,
 * ceil(K / NWG)), local size (WGS, 1). */
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1))) void conv2d_igemm(
    __global T *out, __global const T *in, __global const T *filter, __global const T *bias, const int H, const int W,
    const int C, const int KH, const int KW, const int K, const int PT, const int PL, const int OH, const int OW,
    const int SH, const int SW, const int DH, const int DW, const ulong M, const int has_bias, const int relu) {
  __local T as[NBUF * KWG * MWGP] __attribute__((aligned(128)));
  __local T bs[NBUF * KWG * NWG] __attribute__((aligned(128)));
  __local long rowb[MWG];  /* per tile row: its first tap's offset in the input */
  __local int2 rowhw[MWG]; /* and its first input row and column (row far negative past M) */
  const int lid = get_local_id(0), tn = lid % NDIMC, tm = lid / NDIMC;
  const ulong m0 = (ulong)get_group_id(0) * MWG;
  const int n0 = get_group_id(1) * NWG, R = KH * KW * C;
  for (int mm = lid; mm < MWG; mm += WGS) {
    ulong m = m0 + mm;
    if (m < M) {
      ulong t = m / OW;
      long n = (long)(t / OH);
      int ih = (int)(t % OH) * SH - PT, iw = (int)(m % OW) * SW - PL;
      rowb[mm] = ((n * H + ih) * W + iw) * C;
      rowhw[mm] = (int2)(ih, iw);
    } else { /* past M: every tap's row out of range (ih + kh * DH < 0) */
      rowb[mm] = 0;
      rowhw[mm] = (int2)(INT_MIN / 2, 0);
    }
  }
  TV acc[MWI][NVI];
#pragma unroll
  for (int i = 0; i < MWI; i++)
#pragma unroll
    for (int j = 0; j < NVI; j++) acc[i][j] = (TV)0;
  barrier(CLK_LOCAL_MEM_FENCE);
  const int slices = (R + KWG - 1) / KWG;
#if DB
  /* The first slice before the loop, so that the loop's body is what
   * every slice runs (tools/ptx-loop-stats.sh counts it). */
  load_slice(as, bs, 0, in, filter, rowb, rowhw, 0, n0, H, W, C, KW, K, R, DH, DW, lid);
#endif
  for (int s = 0; s < slices; s++) {
#if DB
    /* One barrier per slice: slice s (loaded during slice s - 1, or
     * before the loop for the first) is complete after it, and so is
     * every work-item's reading of the other buffer, which then takes
     * slice s + 1 while this one is multiplied. */
    barrier(CLK_LOCAL_MEM_FENCE);
    if (s + 1 < slices)
      load_slice(as, bs, (s + 1) & 1, in, filter, rowb, rowhw, s + 1,
                 n0, H, W, C, KW, K, R, DH, DW, lid);
    MULTIPLY_SLICE(as, bs, (s & 1) * KWG * MWGP, (s & 1) * KWG * NWG);
#else
    load_slice(as, bs, 0, in, filter, rowb, rowhw, s, n0, H, W, C, KW, K, R, DH, DW, lid);
    barrier(CLK_LOCAL_MEM_FENCE);
    MULTIPLY_SLICE(as, bs, 0, 0);
    barrier(CLK_LOCAL_MEM_FENCE);
#endif
  }
#pragma unroll
  for (int i = 0; i < MWI; i++) {
    ulong m = m0 + AROW(tm, i);
    if (m >= M) continue;
    __global T *orow = out + m * K;
#pragma unroll
    for (int j = 0; j < NVI; j++) {
      int col = n0 + (tn + j * NDIMC) * VW;
      if (col >= K) continue;
      TV v = acc[i][j];
      if (col + VW <= K) {
        if (has_bias) v += VLOAD(bias + col);
        VSTORE(relu ? (v > (TV)0 ? v : (TV)0) : v, orow + col);
      } else { /* the last columns: only the lanes before K */
        T lanes[VW];
        VSTORE(v, lanes);
        for (int l = 0; l < VW && col + l < K; l++) {
          T x = has_bias ? lanes[l] + bias[col + l] : lanes[l];
          orow[col + l] = relu ? (x > (T)0 ? x : (T)0) : x;
        }
      }
    }
  }
}
