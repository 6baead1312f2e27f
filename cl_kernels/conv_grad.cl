/* conv_grad.cl - Conv2D's gradients (NHWC input, HWIO filter) on the
 * device. T is float or double (-DT=...).
 *
 * The direct kernels (conv2d_bp_input, conv2d_bp_filter) are built per
 * shape family with C, K, KH, KW as the constants SC, SK, SKH, SKW (and
 * conv2d_bp_input's strides and dilations as SSH, SSW, SDH, SDW), VEC
 * (the widest of 16..1 dividing K), CB input channels and KV vectors of
 * VEC output channels per work-item (engine/kernels/nn_grad.c): the
 * channel loops unroll into registers, as conv_direct.cl's forward kernel
 * does, and no division runs per tap or per element.
 *
 * col2im_pixels (after the GEMM dcols = dy x f^T) and sum_chunks take the
 * geometry at run time; col2im_pixels reads it from a __constant long
 * array: 0 N, 1 IH, 2 IW, 3 C (input depth), 4 OH, 5 OW, 6 K (output
 * depth), 7 KH, 8 KW, 9 SH, 10 SW, 11 DH, 12 DW, 13 pad top, 14 pad left. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

/* LOADN / STOREN (whole-line stores on PoCL), TV and LOADV / STOREV where
 * VEC is defined. */
#include "vectors.clh"

/* out[0, C) += src[0, C), in vectors of 4 where C allows. */
inline void add_channels(__global T *out, __global const T *src, long C) {
  long c = 0;
  for (; c + 4 <= C; c += 4) STOREN(4, __global, LOADN(4, out + c) + LOADN(4, src + c), out + c);
  for (; c < C; c++) out[c] += src[c];
}

/* col2im for Conv2DBackpropInput after the GEMM dcols = dy x f^T:
 * dx[n, ih, iw, c] = sum over the (oh, ow, kh, kw) that read it of
 * dcols[(n, oh, ow), (kh, kw, c)] (the same geometry array). One work-item
 * per input pixel: its index divided once, the taps that read it found
 * once for all its C channels, summed in the order (kh, kw) of the
 * per-element form it replaced (whose 64-bit divisions per element and per
 * tap took a quarter of a training step of examples/cnn_model.h). Without
 * dilation the output rows that read the pixel are a range, walked
 * downwards so kh = t - oh * SH rises: two divisions a dimension, none a
 * tap. A dilated filter tests each tap. */
__kernel void col2im_pixels(__global T *dx, __global const T *dcols, __constant long *g, const ulong pixels) {
  ulong p = get_global_id(0);
  if (p >= pixels) return;
  long IH = g[1], IW = g[2], C = g[3], OH = g[4], OW = g[5], KH = g[7], KW = g[8];
  long SH = g[9], SW = g[10], DH = g[11], DW = g[12];
  long iw = (long)(p % (ulong)IW), ih = (long)(p / (ulong)IW % (ulong)IH), b = (long)(p / (ulong)(IW * IH));
  long kc = KH * KW * C, t = ih + g[13], u = iw + g[14]; /* t, u >= 0: the padding is before */
  __global T *out = dx + (long)p * C;
  __global const T *img = dcols + b * OH * OW * kc;
  for (long c = 0; c < C; c++) out[c] = (T)0;
  if (DH == 1 && DW == 1) {
    long oh_hi = min(t / SH, OH - 1), oh_lo = t - KH + 1 > 0 ? (t - KH + SH) / SH : 0;
    long ow_hi = min(u / SW, OW - 1), ow_lo = u - KW + 1 > 0 ? (u - KW + SW) / SW : 0;
    for (long oh = oh_hi; oh >= oh_lo; oh--)
      for (long ow = ow_hi; ow >= ow_lo; ow--)
        add_channels(out, img + (oh * OW + ow) * kc + ((t - oh * SH) * KW + (u - ow * SW)) * C, C);
    return;
  }
  for (long kh = 0; kh < KH; kh++) {
    long th = t - kh * DH;
    if (th < 0 || th % SH) continue;
    long oh = th / SH;
    if (oh >= OH) continue;
    for (long kw = 0; kw < KW; kw++) {
      long tw = u - kw * DW;
      if (tw < 0 || tw % SW) continue;
      long ow = tw / SW;
      if (ow >= OW) continue;
      add_channels(out, img + (oh * OW + ow) * kc + (kh * KW + kw) * C, C);
    }
  }
}

/* df[i] = sum over q < chunks of part[q * n + i]: conv2d_bp_filter's
 * partial sums over chunks of the output lines, added in chunk order. */
__kernel void sum_chunks(__global T *df, __global const T *part, const ulong n, const ulong chunks) {
  ulong i = get_global_id(0);
  if (i >= n) return;
  T acc = part[i];
  for (ulong q = 1; q < chunks; q++) acc += part[q * n + i];
  df[i] = acc;
}

/* ft[tap, k, c] = f[tap, c, k]: the filter HWIO -> HWOI for
 * conv2d_bp_input's transposed form, one work-item per element. */
__kernel void hwio_to_hwoi(__global T *ft, __global const T *f, const ulong C, const ulong K, const ulong n) {
  ulong i = get_global_id(0);
  if (i >= n) return;
  ulong c = i % C, k = i / C % K, tap = i / (C * K);
  ft[i] = f[(tap * C + c) * K + k];
}

#ifdef SK
#if VEC == 1
#define HSUM(v) (v)
#endif
#if VEC == 2
#define HSUM(v) ((v).s0 + (v).s1)
#elif VEC == 4
#define HSUM(v) hsum4(v)
inline T hsum4(CAT(T, 4) v) { CAT(T, 2) h = v.lo + v.hi; return h.s0 + h.s1; }
#elif VEC == 8
#define HSUM(v) hsum8(v)
inline T hsum8(CAT(T, 8) v) { CAT(T, 4) a = v.lo + v.hi; CAT(T, 2) h = a.lo + a.hi; return h.s0 + h.s1; }
#elif VEC == 16
#define HSUM(v) hsum16(v)
inline T hsum16(CAT(T, 16) v) {
  CAT(T, 8) b = v.lo + v.hi;
  CAT(T, 4) a = b.lo + b.hi;
  CAT(T, 2) h = a.lo + a.hi;
  return h.s0 + h.s1;
}
#endif

/* Independent sums per accumulator: at least four chains of adds, so
 * that a multiply-add does not wait for the one before it (the 4-cycle
 * latency of an FMA bounded a single chain to a quarter of the peak). */
#define CHAINS 4
/* Every loop over accumulators unrolled: one left rolled keeps its
 * accumulators in memory, a load and a store per multiply-add (seen in
 * conv2d_bp_filter: 43% of its samples on the store and the FMA that
 * read the stack). */
#define UNROLL _Pragma("unroll")
/* The lanes form's sets of accumulators, taken by filter row (kh % AU). */
#define AU (CB >= CHAINS ? 1 : CHAINS / CB)

/* acc[s][cc] += dy[n, oh, ow, 0:SK] * f[kh, kw, c0 + cc, 0:SK] lane by
 * lane, for the tap of (kh, kw) at dy's pixel d: the products of one
 * input pixel's CB channels with one output pixel of dy. The SK / VEC
 * vectors in blocks of KVB, the block unrolled and a loop around the
 * blocks, then the rest unrolled: a full unroll made SK / VEC x CB x SKH
 * statements a program (21 CPU-s of build at K 1024 on PoCL). */
#define KVB 4
#define BP_INPUT_KV(s, d, w, kv)                                                            \
  {                                                                                         \
    TV dv = LOADN(VEC, (d) + (kv) * VEC);                                                        \
    UNROLL for (int cc = 0; cc < CB; cc++) acc[s][cc] += dv * LOADN(VEC, (w) + cc * SK + (kv) * VEC); \
  }
#define BP_INPUT_TAP(s, d, w)                                                      \
  {                                                                                \
    for (int kv0 = 0; kv0 < SK / VEC / KVB * KVB; kv0 += KVB)                      \
      UNROLL for (int kk = 0; kk < KVB; kk++) BP_INPUT_KV(s, d, w, kv0 + kk)       \
    UNROLL for (int kk = 0; kk < SK / VEC % KVB; kk++) BP_INPUT_KV(s, d, w, SK / VEC / KVB * KVB + kk) \
  }

/* ohs[kh]: the output row that reads input row t - PT through filter
 * row kh, -1 where none does (conv2d_bp_input). */
inline void row_taps(int t, int OH, int *ohs) {
  for (int kh = 0; kh < SKH; kh++) {
    int th = t - kh * SDH;
    ohs[kh] = th >= 0 && th % SSH == 0 && th / SSH < OH ? th / SSH : -1;
  }
}

/* The output column that reads input column u - PL through filter
 * column kw; -1 where none does. */
inline int tap_col(int u, int kw, int OW) {
  int tw = u - kw * SDW;
  return tw < 0 || tw % SSW || tw / SSW >= OW ? -1 : tw / SSW;
}

#ifndef VECC
/* The lanes form: CB input channels, each summing its K products in VEC
 * lanes, the lanes added once per pixel (AU sets of accumulators, taken
 * by filter row). */
#define BPI_C0 ((int)get_global_id(0) * CB)
#define BPI_ACC                   \
  TV acc[AU][CB];                 \
  UNROLL for (int a = 0; a < AU; a++)    \
    UNROLL for (int cc = 0; cc < CB; cc++) acc[a][cc] = (TV)0;
#define BPI_TAP(kh, kw, d) BP_INPUT_TAP((kh) % AU, d, f + (((kh) * SKW + (kw)) * (long)SC + c0) * SK)
#define BPI_STORE(out)                                                   \
  UNROLL for (int a = 1; a < AU; a++)                                           \
    UNROLL for (int cc = 0; cc < CB; cc++) acc[0][cc] += acc[a][cc];            \
  UNROLL for (int cc = 0; cc < CB; cc++) (out)[cc] = HSUM(acc[0][cc]);
#else
/* The transposed form (-DVECC, -DNC; f is the filter made HWOI by
 * hwio_to_hwoi): NC vectors of VECC input channels, each product
 * dy[n, oh, ow, k] * f[kh, kw, k, c0:c0 + VECC] lane-wise, so no lanes are
 * added: for input channels at least as wide as the output's (the
 * model's 8 -> 8 layer), where the lanes form's adding of lanes per pixel
 * and channel cost as much as its products. KU sets of accumulators,
 * taken by output channel. */
#define KU (NC >= CHAINS ? 1 : CHAINS / NC)
#if VECC == 1
#define VTC T
#else
#define VTC CAT(T, VECC)
#endif
#define BPI_C0 ((int)get_global_id(0) * NC * VECC)
#define BPI_ACC                   \
  VTC acc[KU][NC];                \
  UNROLL for (int a = 0; a < KU; a++)    \
    UNROLL for (int v = 0; v < NC; v++) acc[a][v] = (VTC)0;
/* The output channels in blocks of KB (64), the block unrolled and a
 * loop around the blocks, then the SK % KB left unrolled: a full unroll
 * over SK made SK x NC x SKH statements a program (46 CPU-s more build at
 * K 1024 than at K 16 on PoCL; 3 with blocks of 64, whose run time
 * matched the full unroll's where blocks of 16 ran 1.2x slower at K 1024).
 * KB is a multiple of CHAINS, so k % KU is the unrolled index's. */
#define KB (16 * CHAINS)
#define BPI_K(k, d, w)                                                                     \
  {                                                                                        \
    T dk = (d)[k];                                                                         \
    UNROLL for (int v = 0; v < NC; v++) acc[(k) % KU][v] += dk * LOADN(VECC, (w) + (k) * SC + v * VECC); \
  }
#define BPI_TAP(kh, kw, d)                                                           \
  {                                                                                  \
    __global const T *w = f + ((kh) * SKW + (kw)) * (long)SK * SC + c0;              \
    __global const T *dd = (d);                                                      \
    for (int k0 = 0; k0 < SK / KB * KB; k0 += KB, dd += KB, w += KB * SC)           \
      UNROLL for (int k = 0; k < KB; k++) BPI_K(k, dd, w)                            \
    UNROLL for (int k = 0; k < SK % KB; k++) BPI_K(k, dd, w)                         \
  }
#define BPI_STORE(out)                                                   \
  UNROLL for (int a = 1; a < KU; a++)                                           \
    UNROLL for (int v = 0; v < NC; v++) acc[0][v] += acc[a][v];                 \
  UNROLL for (int v = 0; v < NC; v++) STOREN(VECC, __global, acc[0][v], (out) + v * VECC);
#endif

/* Conv2DBackpropInput: dx[n, ih, iw, c] = sum over the (kh, kw, k) whose
 * output pixel (oh, ow) reads it (oh * SSH - PT + kh * SDH == ih, the
 * same for the width) of dy[n, oh, ow, k] * f[kh, kw, c, k], in the lanes
 * or the transposed form above. One work-item per block of input
 * channels (dimension 0), strip of up to PW input pixels of a row
 * (dimension 1) and row (n, ih) (dimension 2): the row's valid taps
 * (kh, oh) are found once, a pixel's (kw, ow) once per pixel, by division
 * by the strides and dilations, which are constants of the program
 * (shifts and masks for powers of two). The range is padded to whole
 * work-groups (NB: the batch): items past it return. */
__kernel void conv2d_bp_input(__global T *dx, __global const T *f, __global const T *dy, const int NB, const int IH,
                              const int IW, const int OH, const int OW, const int PT, const int PL, const int PW) {
  int row = (int)get_global_id(2), iw0 = (int)get_global_id(1) * PW, c0 = BPI_C0;
  if (c0 >= SC || iw0 >= IW || row >= NB * IH) return; /* the padding of a range to whole work-groups */
  int b = row / IH, ih = row - b * IH, ohs[SKH];
  row_taps(ih + PT, OH, ohs);
  __global const T *img = dy + (long)b * OH * OW * SK;
  int iw1 = min(iw0 + PW, IW);
  for (int iw = iw0; iw < iw1; iw++) {
    int u = iw + PL;
    BPI_ACC
    for (int kw = 0; kw < SKW; kw++) {
      int ow = tap_col(u, kw, OW);
      if (ow < 0) continue;
      UNROLL for (int kh = 0; kh < SKH; kh++) {
        if (ohs[kh] < 0) continue;
        __global const T *d = img + ((long)ohs[kh] * OW + ow) * SK;
        BPI_TAP(kh, kw, d)
      }
    }
    __global T *out = dx + (((long)b * IH + ih) * IW + iw) * SC + c0;
    BPI_STORE(out)
  }
}

/* conv2d_bp_filter's sets of accumulators, taken by output column in
 * turn (FU columns an iteration). */
#define FU (CB * KV >= CHAINS ? 1 : CHAINS / (CB * KV))

/* acc[s] += x[pixel, c0:c0 + CB] x dy[pixel, k0:k0 + KV * VEC] for one
 * output pixel: xp its input pixel's channels, dp its gradient's. */
#define BP_FILTER_PIXEL(s, xp, dp)                                          \
  {                                                                         \
    TV dv[KV];                                                              \
    UNROLL for (int v = 0; v < KV; v++) dv[v] = LOADN(VEC, (dp) + v * VEC);             \
    UNROLL for (int cc = 0; cc < CB; cc++) {                                       \
      T xv = (xp)[cc];                                                      \
      UNROLL for (int v = 0; v < KV; v++) acc[s][cc][v] += xv * dv[v];             \
    }                                                                       \
  }

/* Conv2DBackpropFilter: df[kh, kw, c, k] = sum over (n, oh, ow) of
 * x[n, oh * SH - PT + kh * DH, ow * SW - PL + kw * DW, c] * dy[n, oh, ow, k],
 * positions in the padding contributing nothing. Work-item (j, q): j
 * (dimension 0) names a tap (kh, kw), a block of CB input channels and
 * one of KV vectors of output channels, q (dimension 1) a chunk of
 * `per` output lines (n, oh) of its `lines`; CB x KV vector accumulators.
 * The output columns whose input column is inside the image are a range
 * fixed by kw, found once; a line costs one division. With one chunk the
 * sums go to df, else to part[q] (summed by sum_chunks). The range is
 * padded to whole work-groups: items past the taps or the lines (lines
 * is never 0: an empty gradient is filled with zeros on the host side)
 * return. */
__kernel void conv2d_bp_filter(__global T *out, __global const T *x, __global const T *dy, const int IH, const int IW,
                               const int OH, const int OW, const int SH, const int SW, const int DH, const int DW,
                               const int PT, const int PL, const ulong lines, const ulong per) {
  int j = (int)get_global_id(0);
  ulong q = get_global_id(1);
  const int nkb = SK / (VEC * KV), ncb = SC / CB;
  if (j >= SKH * SKW * ncb * nkb || q * per >= lines) return; /* the padding of a range to whole work-groups */
  int kb = j % nkb, cb = j / nkb % ncb, tap = j / (nkb * ncb), kh = tap / SKW, kw = tap % SKW;
  int c0 = cb * CB, k0 = kb * VEC * KV;
  TV acc[FU][CB][KV];
  UNROLL for (int a = 0; a < FU; a++)
    UNROLL for (int cc = 0; cc < CB; cc++)
      UNROLL for (int v = 0; v < KV; v++) acc[a][cc][v] = (TV)0;
  long e = (long)PL - (long)kw * DW; /* iw = ow * SW - e */
  long ow_lo = e > 0 ? (e + SW - 1) / SW : 0, last = (long)IW - 1 + e;
  long ow_end = last < 0 ? 0 : min(last / SW + 1, (long)OW);
  ulong l0 = q * per, l1 = min(l0 + per, lines);
  for (ulong l = l0; l < l1; l++) {
    long b = (long)(l / (ulong)OH), oh = (long)(l % (ulong)OH);
    long ih = oh * SH - PT + (long)kh * DH;
    if (ih < 0 || ih >= IH) continue;
    __global const T *xp = x + ((b * IH + ih) * IW + ow_lo * SW - e) * SC + c0;
    __global const T *dp = dy + ((b * OH + oh) * OW + ow_lo) * SK + k0;
    long ow = ow_lo;
    for (; ow + FU <= ow_end; ow += FU, xp += FU * SW * SC, dp += FU * SK)
      UNROLL for (int a = 0; a < FU; a++) BP_FILTER_PIXEL(a, xp + a * SW * SC, dp + a * SK)
    for (; ow < ow_end; ow++, xp += SW * SC, dp += SK) BP_FILTER_PIXEL(0, xp, dp)
  }
  UNROLL for (int a = 1; a < FU; a++)
    UNROLL for (int cc = 0; cc < CB; cc++)
      UNROLL for (int v = 0; v < KV; v++) acc[0][cc][v] += acc[a][cc][v];
  __global T *o = out + q * ((ulong)SKH * SKW * SC * SK) + ((kh * SKW + kw) * (long)SC + c0) * SK + k0;
  UNROLL for (int cc = 0; cc < CB; cc++)
    UNROLL for (int v = 0; v < KV; v++) STOREN(VEC, __global, acc[0][cc][v], o + cc * SK + v * VEC);
}
#endif
