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
 * Compile-time parameters (the host validates them against the device's
 * local memory and work-group limits before building): T, MWG, NWG, KWG,
 * MDIMC, NDIMC, VW, DB. The shape is passed at run time, so one program
 * serves every geometry. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#define MWI (MWG / MDIMC)
#define NWI (NWG / NDIMC)
#define NVI (NWI / VW) /* vectors per work-item along K */
#define WGS (MDIMC * NDIMC)
#if DB
#define NBUF 2
#else
#define NBUF 1
#endif

#if VW == 1
#define TV T
#define VLOAD(p) (*(p))
#define VSTORE(v, p) (*(p) = (v))
#else
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define TV CAT(T, VW)
#define VLOAD(p) CAT(vload, VW)(0, (p))
#define VSTORE(v, p) CAT(vstore, VW)((v), 0, (p))
#endif

/* Stages slice s (reduction indices [s * KWG, s * KWG + KWG)) of A and F
 * into buffer buf of the local tiles as[NBUF][KWG][MWG] and
 * bs[NBUF][KWG][NWG]. Consecutive work-items take consecutive reduction
 * indices of A (consecutive input channels: contiguous in NHWC) and
 * consecutive vectors of a row of F. Always inlined: PoCL 3.1 computed
 * wrong results when this function, called from two places (double
 * buffering), was left a call with __local arguments (seen on every
 * double-buffered set; inlined, they all verify). */
static inline __attribute__((always_inline)) void load_slice(__local T *as, __local T *bs, const int buf, __global const T *in, __global const T *filter,
                       __local const int *rown, __local const int *rowh, __local const int *roww, const int s,
                       const int n0, const int H, const int W, const int C, const int KW, const int K, const int R,
                       const int DH, const int DW, const int lid) {
  const int r0 = s * KWG;
  for (int i = lid; i < KWG * MWG; i += WGS) {
    int kk = i % KWG, mm = i / KWG, r = r0 + kk, n = rown[mm];
    T v = (T)0;
    if (r < R && n >= 0) {
      int c = r % C, t = r / C, kw = t % KW, kh = t / KW;
      int ih = rowh[mm] + kh * DH, iw = roww[mm] + kw * DW;
      if ((uint)ih < (uint)H && (uint)iw < (uint)W) v = in[(((ulong)n * H + (ulong)ih) * W + (ulong)iw) * C + c];
    }
    as[buf * KWG * MWG + kk * MWG + mm] = v;
  }
  for (int i = lid; i < KWG * (NWG / VW); i += WGS) {
    int kk = i / (NWG / VW), col = n0 + (i % (NWG / VW)) * VW, r = r0 + kk;
    TV v = (TV)0;
    if (r < R) {
      __global const T *p = filter + (ulong)r * K + col;
      if (col + VW <= K) {
        v = VLOAD(p);
      } else { /* the last columns: lanes past K read zero */
        T lanes[VW];
        for (int l = 0; l < VW; l++) lanes[l] = col + l < K ? p[l] : (T)0;
        v = VLOAD(lanes);
      }
    }
    VSTORE(v, bs + buf * KWG * NWG + kk * NWG + (i % (NWG / VW)) * VW);
  }
}

/* acc[i][j] += A[row tm + i * MDIMC][kk] * F[kk][vector tn + j * NDIMC]
 * over the slice in as/bs. A macro so that the accumulators stay in
 * registers whatever the inliner does. */
#define MULTIPLY_SLICE(as, bs, oa, ob)                                                     \
  _Pragma("unroll") for (int kk = 0; kk < KWG; kk++) {                               \
    T a[MWI];                                                                        \
    _Pragma("unroll") for (int i = 0; i < MWI; i++) a[i] = (as)[(oa) + kk * MWG + tm + i * MDIMC]; \
    _Pragma("unroll") for (int j = 0; j < NVI; j++) {                                \
      TV b = VLOAD((bs) + (ob) + kk * NWG + (tn + j * NDIMC) * VW);                       \
      _Pragma("unroll") for (int i = 0; i < MWI; i++) acc[i][j] = fma((TV)a[i], b, acc[i][j]); \
    }                                                                                \
  }

/* out = epilogue(conv(in, filter)); bias: K values read when has_bias;
 * relu: max(., 0) with NaN -> 0. Global size (ceil(M / MWG) * WGS,
 * ceil(K / NWG)), local size (WGS, 1). */
__kernel __attribute__((reqd_work_group_size(WGS, 1, 1))) void conv2d_igemm(
    __global T *out, __global const T *in, __global const T *filter, __global const T *bias, const int H, const int W,
    const int C, const int KH, const int KW, const int K, const int PT, const int PL, const int OH, const int OW,
    const int SH, const int SW, const int DH, const int DW, const ulong M, const int has_bias, const int relu) {
  __local T as[NBUF * KWG * MWG];
  __local T bs[NBUF * KWG * NWG];
  __local int rown[MWG], rowh[MWG], roww[MWG]; /* per tile row: image (-1 past M), first input row and column */
  const int lid = get_local_id(0), tn = lid % NDIMC, tm = lid / NDIMC;
  const ulong m0 = (ulong)get_group_id(0) * MWG;
  const int n0 = get_group_id(1) * NWG, R = KH * KW * C;
  for (int mm = lid; mm < MWG; mm += WGS) {
    ulong m = m0 + mm;
    if (m < M) {
      ulong t = m / OW;
      rown[mm] = (int)(t / OH);
      rowh[mm] = (int)(t % OH) * SH - PT;
      roww[mm] = (int)(m % OW) * SW - PL;
    } else {
      rown[mm] = -1;
      rowh[mm] = roww[mm] = 0;
    }
  }
  TV acc[MWI][NVI];
#pragma unroll
  for (int i = 0; i < MWI; i++)
#pragma unroll
    for (int j = 0; j < NVI; j++) acc[i][j] = (TV)0;
  barrier(CLK_LOCAL_MEM_FENCE);
  const int slices = (R + KWG - 1) / KWG;
  for (int s = 0; s < slices; s++) {
#if DB
    /* One barrier per slice: slice s (loaded during slice s - 1, or here
     * for the first) is complete after it, and so is every work-item's
     * reading of the other buffer, which then takes slice s + 1 while
     * this one is multiplied. */
    if (s == 0) load_slice(as, bs, 0, in, filter, rown, rowh, roww, 0, n0, H, W, C, KW, K, R, DH, DW, lid);
    barrier(CLK_LOCAL_MEM_FENCE);
    if (s + 1 < slices)
      load_slice(as, bs, (s + 1) & 1, in, filter, rown, rowh, roww, s + 1,
                 n0, H, W, C, KW, K, R, DH, DW, lid);
    MULTIPLY_SLICE(as, bs, (s & 1) * KWG * MWG, (s & 1) * KWG * NWG);
#else
    load_slice(as, bs, 0, in, filter, rown, rowh, roww, s, n0, H, W, C, KW, K, R, DH, DW, lid);
    barrier(CLK_LOCAL_MEM_FENCE);
    MULTIPLY_SLICE(as, bs, 0, 0);
    barrier(CLK_LOCAL_MEM_FENCE);
#endif
  }
#pragma unroll
  for (int i = 0; i < MWI; i++) {
    ulong m = m0 + tm + i * MDIMC;
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
