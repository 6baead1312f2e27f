/* conv_pointwise.cl - a 1x1 conv2d (any stride; a 1x1 filter never has
 * padding, SAME or VALID) as a GEMM read where the input lies: output
 * pixel (n, oh, ow) is the C channels of input pixel (n, oh * SH, ow * SW)
 * times the [C, K] filter, then the fused BiasAdd and Relu.
 *
 * A work-item owns RM output pixels of one line and ALL K channels: it
 * walks the K channels in panels of NR = NV * VEC, holding an RM x NV tile
 * of vectors in registers, so its RM input pixels (RM x C values) stay in
 * L1 across the panels, the [C, K] filter in L2, and it writes whole
 * output rows (K contiguous values each), one pass over the output with
 * the epilogue applied in registers. Where the direct kernel's grid splits
 * K over work-items, every item re-reads its input pixels once per panel
 * and writes NR-wide pieces of rows far apart.
 *
 * A line: with stride 1 the whole [N*H*W, C] input is one line of M
 * pixels (host: LEN = M, lines 1); with a stride, one output row (n, oh),
 * LEN = OW, pixels SSW * C apart. The last strip of a line that holds at
 * least RM pixels is shifted back into it (computed again, stored only
 * past the item's own start), so the inner loop has no bound test; a line
 * shorter than RM repeats its last pixel in the rows past it (not stored).
 *
 * Compile-time: T (float/double), VEC, NV, RM, SC (C), SK (K, a multiple
 * of NR), SSW (the width stride), PF (below). Range: global (1, items rounded up to
 * LY), local (1, LY); items = lines x ceil(LEN / RM). */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#include "vectors.clh"
#define NR (NV * VEC)
#define PS (SSW * SC) /* input values between two pixels of a line */

/* PF (optional, 1 to 4): an item also prefetches the input of the strip PF
 * strips further along its line, which a later item (in PoCL, of the same
 * work-group, on the same thread) reads. The input is a stream read once
 * from L3 or memory; in interleaved runs of 1x1 64->256 (2-core AVX-512
 * PoCL) the 8 x 2 tile took 0-8% less CPU time with PF 2 (median 3%):
 * 3-8% in most pairs at load 4-5, mostly under 2% on a quieter machine,
 * never more than 1% above it; level on 6 x 4, 0-5% more on the 1x1/2
 * layer's short lines (docs/conv-performance.md, "Session 13: the 1x1
 * layer's CPU time"), so it is a set of its own that selection measures. A line's strips
 * past its end prefetch the next line's pixels; past the input's last
 * element the address is held at it (in_last): x86's prefetches never
 * fault, but no GPU's ISA we target promises that of an address outside
 * every allocation, and a fault there would end the context. Only where the compiler has clang's __builtin_prefetch
 * (PoCL's does; OpenCL's prefetch() leaves the cache level to the
 * implementation); elsewhere the set runs as without PF. */
#if defined(PF) && defined(__has_builtin)
#if __has_builtin(__builtin_prefetch)
#define PREFETCHES 1
#endif
#endif

/* The K panels over RM pixels whose inputs are px[r] (C values each),
 * stored to output rows orow + r for r in [first, last). Inlined: px's
 * pointers fold to constant offsets of one base where the caller built
 * them so, and the accumulators stay in registers. */
__attribute__((always_inline)) inline void panels(__global T *orow, __global const T *px[RM],
                                                  __global const T *filter, __global const T *bias, const int first,
                                                  const int last, const int has_bias, const int relu,
                                                  __global const T *in_last) {
  for (int k0 = 0; k0 < SK; k0 += NR) {
#ifdef PREFETCHES
    /* The input of the strip PF strips on (PF x RM pixels further along
     * the line), a share at each panel: its pixel r at panel r % (SK / NR). */
#pragma unroll
    for (int r = 0; r < RM; r++)
      if (r % (SK / NR) == k0 / NR)
#pragma unroll
        for (int o = 0; o < SC * (int)sizeof(T); o += 64)
        {
          __global const char *p = (__global const char *)(px[r] + PF * RM * PS) + o;
          __builtin_prefetch(p < (__global const char *)in_last ? p : (__global const char *)in_last, 0, 3);
        }
#endif
    TV acc[RM][NV];
#pragma unroll
    for (int r = 0; r < RM; r++)
#pragma unroll
      for (int v = 0; v < NV; v++) acc[r][v] = (TV)0;
    __global const T *f = filter + k0;
#pragma unroll 4
    for (int c = 0; c < SC; c++) {
      TV w[NV];
#pragma unroll
      for (int v = 0; v < NV; v++) w[v] = LOADV(f, (ulong)c * SK + v * VEC);
#pragma unroll
      for (int r = 0; r < RM; r++) {
        TV x = (TV)px[r][c];
#pragma unroll
        for (int v = 0; v < NV; v++) acc[r][v] = fma(x, w[v], acc[r][v]);
      }
    }
    TV b[NV];
#pragma unroll
    for (int v = 0; v < NV; v++) b[v] = has_bias ? LOADV(bias, k0 + v * VEC) : (TV)0;
#pragma unroll
    for (int r = 0; r < RM; r++) {
      if (r < first || r >= last) continue;
#pragma unroll
      for (int v = 0; v < NV; v++) {
        TV o = has_bias ? acc[r][v] + b[v] : acc[r][v];
        if (relu) o = o > (TV)0 ? o : (TV)0; /* NaN and -0 give +0, as conv.cl's bias_act */
        STOREV(o, orow, (ulong)r * SK + k0 + v * VEC);
      }
    }
  }
}

__kernel void conv2d_pointwise(__global T *out, __global const T *in, __global const T *filter,
                               __global const T *bias, const ulong LEN, const ulong lines, const int OH, const int H,
                               const int W, const int SH, const int has_bias, const int relu, const ulong in_len) {
  __global const T *in_last = in + in_len - 1; /* where PF's prefetches stop */
  ulong strips = (LEN + RM - 1) / RM, item = get_global_id(1);
  if (item >= lines * strips) return;
  ulong line = item / strips, p0 = (item - line * strips) * RM;
  /* The line's first input pixel: row oh * SH of image n. */
  ulong n = line / (ulong)OH, oh = line - n * (ulong)OH;
  __global const T *lin = in + ((n * (ulong)H + oh * (ulong)SH) * (ulong)W) * SC;
  __global const T *px[RM];
  if (LEN >= RM) {
    ulong q0 = p0 + RM <= LEN ? p0 : LEN - RM; /* the shifted last strip */
#pragma unroll
    for (int r = 0; r < RM; r++) px[r] = lin + (q0 + r) * PS;
    panels(out + (line * LEN + q0) * SK, px, filter, bias, (int)(p0 - q0), RM, has_bias, relu, in_last);
  } else { /* a line shorter than a strip: its last pixel repeated in the rows past it, which are not stored */
#pragma unroll
    for (int r = 0; r < RM; r++) px[r] = lin + ((ulong)r < LEN ? (ulong)r : LEN - 1) * PS;
    panels(out + line * LEN * SK, px, filter, bias, 0, (int)LEN, has_bias, relu, in_last);
  }
}
