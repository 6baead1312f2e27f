/* conv_grad.cl - Conv2D's gradients (NHWC input, HWIO filter) on the
 * device. T is float or double (-DT=...).
 *
 * The direct kernels (conv2d_bp_input, conv2d_bp_filter) are built per
 * shape family with C, K, KH, KW as the constants SC, SK, SKH, SKW, VEC
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

/* out[0, C) += src[0, C), in vectors of 4 where C allows. */
inline void add_channels(__global T *out, __global const T *src, long C) {
  long c = 0;
  for (; c + 4 <= C; c += 4) vstore4(vload4(0, out + c) + vload4(0, src + c), 0, out + c);
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

#ifdef SK
#define CAT2_(a, b) a##b
#define CAT2(a, b) CAT2_(a, b)
#if VEC == 1
#define VT T
#define VLOAD(p) (*(p))
#define VSTORE(v, p) (*(p) = (v))
#define HSUM(v) (v)
#else
#define VT CAT2(T, VEC)
#define VLOAD(p) CAT2(vload, VEC)(0, (p))
#define VSTORE(v, p) CAT2(vstore, VEC)((v), 0, (p))
#endif
#if VEC == 2
#define HSUM(v) ((v).s0 + (v).s1)
#elif VEC == 4
#define HSUM(v) hsum4(v)
inline T hsum4(CAT2(T, 4) v) { CAT2(T, 2) h = v.lo + v.hi; return h.s0 + h.s1; }
#elif VEC == 8
#define HSUM(v) hsum8(v)
inline T hsum8(CAT2(T, 8) v) { CAT2(T, 4) a = v.lo + v.hi; CAT2(T, 2) h = a.lo + a.hi; return h.s0 + h.s1; }
#elif VEC == 16
#define HSUM(v) hsum16(v)
inline T hsum16(CAT2(T, 16) v) {
  CAT2(T, 8) b = v.lo + v.hi;
  CAT2(T, 4) a = b.lo + b.hi;
  CAT2(T, 2) h = a.lo + a.hi;
  return h.s0 + h.s1;
}
#endif

/* acc[cc] += dy[n, oh, ow, 0:SK] * f[kh, kw, c0 + cc, 0:SK] lane by lane,
 * for the tap of (kh, kw) at dy's pixel d: the products of one input
 * pixel's CB channels with one output pixel of dy. */
#define BP_INPUT_TAP(d, w)                                                  \
  for (int kv = 0; kv < SK / VEC; kv++) {                                   \
    VT dv = VLOAD((d) + kv * VEC);                                          \
    for (int cc = 0; cc < CB; cc++) acc[cc] += dv * VLOAD((w) + cc * SK + kv * VEC); \
  }

/* Conv2DBackpropInput: dx[n, ih, iw, c] = sum over the (kh, kw, k) whose
 * output pixel (oh, ow) reads it (oh * SH - PT + kh * DH == ih, the same
 * for the width) of dy[n, oh, ow, k] * f[kh, kw, c, k]. One work-item per
 * input pixel (dimension 1, padded to whole work-groups) and block of CB
 * channels (dimension 0): its index divided once; without dilation the
 * output rows and columns that read the pixel are a range (kh = t - oh *
 * SH), walked downwards so kh rises, as col2im_pixels does; a dilated
 * filter tests each tap. The K products of a tap are summed in VEC lanes,
 * the lanes added once at the end. */
__kernel void conv2d_bp_input(__global T *dx, __global const T *f, __global const T *dy, const int IH, const int IW,
                              const int OH, const int OW, const int SH, const int SW, const int DH, const int DW,
                              const int PT, const int PL, const ulong pixels) {
  ulong p = get_global_id(1);
  if (p >= pixels) return;
  int c0 = (int)get_global_id(0) * CB;
  long iw = (long)(p % (ulong)IW), ih = (long)(p / (ulong)IW % (ulong)IH), b = (long)(p / ((ulong)IW * (ulong)IH));
  long t = ih + PT, u = iw + PL; /* >= 0: the padding is before */
  __global const T *img = dy + b * OH * OW * (long)SK;
  VT acc[CB];
  for (int cc = 0; cc < CB; cc++) acc[cc] = (VT)0;
  if (DH == 1 && DW == 1) {
    long oh_hi = min(t / SH, (long)OH - 1), oh_lo = t - SKH + 1 > 0 ? (t - SKH + SH) / SH : 0;
    long ow_hi = min(u / SW, (long)OW - 1), ow_lo = u - SKW + 1 > 0 ? (u - SKW + SW) / SW : 0;
    for (long oh = oh_hi; oh >= oh_lo; oh--)
      for (long ow = ow_hi; ow >= ow_lo; ow--) {
        __global const T *d = img + (oh * OW + ow) * SK;
        __global const T *w = f + (((t - oh * SH) * SKW + (u - ow * SW)) * SC + c0) * (long)SK;
        BP_INPUT_TAP(d, w)
      }
  } else {
    for (int kh = 0; kh < SKH; kh++) {
      long th = t - (long)kh * DH;
      if (th < 0 || th % SH) continue;
      long oh = th / SH;
      if (oh >= OH) continue;
      for (int kw = 0; kw < SKW; kw++) {
        long tw = u - (long)kw * DW;
        if (tw < 0 || tw % SW) continue;
        long ow = tw / SW;
        if (ow >= OW) continue;
        __global const T *d = img + (oh * OW + ow) * SK;
        __global const T *w = f + ((kh * SKW + kw) * (long)SC + c0) * SK;
        BP_INPUT_TAP(d, w)
      }
    }
  }
  __global T *out = dx + (long)p * SC + c0;
  for (int cc = 0; cc < CB; cc++) out[cc] = HSUM(acc[cc]);
}

/* Conv2DBackpropFilter: df[kh, kw, c, k] = sum over (n, oh, ow) of
 * x[n, oh * SH - PT + kh * DH, ow * SW - PL + kw * DW, c] * dy[n, oh, ow, k],
 * positions in the padding contributing nothing. Work-item (j, q): j
 * (dimension 0) names a tap (kh, kw), a block of CB input channels and
 * one of KV vectors of output channels, q (dimension 1) a chunk of
 * `per` output lines (n, oh) of its `lines`; CB x KV vector accumulators.
 * The output columns whose input column is inside the image are a range
 * fixed by kw, found once; a line costs one division. With one chunk the
 * sums go to df, else to part[q] (summed by sum_chunks). */
__kernel void conv2d_bp_filter(__global T *out, __global const T *x, __global const T *dy, const int IH, const int IW,
                               const int OH, const int OW, const int SH, const int SW, const int DH, const int DW,
                               const int PT, const int PL, const ulong lines, const ulong per) {
  int j = (int)get_global_id(0);
  ulong q = get_global_id(1);
  const int nkb = SK / (VEC * KV), ncb = SC / CB;
  int kb = j % nkb, cb = j / nkb % ncb, tap = j / (nkb * ncb), kh = tap / SKW, kw = tap % SKW;
  int c0 = cb * CB, k0 = kb * VEC * KV;
  VT acc[CB][KV];
  for (int cc = 0; cc < CB; cc++)
    for (int v = 0; v < KV; v++) acc[cc][v] = (VT)0;
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
    for (long ow = ow_lo; ow < ow_end; ow++, xp += SW * SC, dp += SK) {
      VT dv[KV];
      for (int v = 0; v < KV; v++) dv[v] = VLOAD(dp + v * VEC);
      for (int cc = 0; cc < CB; cc++) {
        T xv = xp[cc];
        for (int v = 0; v < KV; v++) acc[cc][v] += xv * dv[v];
      }
    }
  }
  __global T *o = out + q * ((ulong)SKH * SKW * SC * SK) + ((kh * SKW + kw) * (long)SC + c0) * SK + k0;
  for (int cc = 0; cc < CB; cc++)
    for (int v = 0; v < KV; v++) VSTORE(acc[cc][v], o + cc * SK + v * VEC);
}
#endif
