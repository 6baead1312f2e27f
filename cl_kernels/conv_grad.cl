/* conv_grad.cl - Conv2D's gradients (NHWC input, HWIO filter), direct: one
 * work-item per element of the gradient it computes, summing the products
 * that element took part in. T is float or double (-DT=...). The geometry
 * comes in a __constant long array (see engine/kernels/nn_grad.c):
 *   0 N, 1 IH, 2 IW, 3 C (input depth), 4 OH, 5 OW, 6 K (output depth),
 *   7 KH, 8 KW, 9 SH, 10 SW, 11 DH, 12 DW, 13 pad top, 14 pad left. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

/* Conv2DBackpropInput: dx[n, ih, iw, c] = sum over (kh, kw, k) of
 * dy[n, oh, ow, k] * f[kh, kw, c, k] where oh * SH - PT + kh * DH == ih
 * (and the same for the width). */
__kernel void conv2d_backprop_input(__global T *dx, __global const T *f, __global const T *dy,
                                    __constant long *g, const ulong n) {
  size_t i = get_global_id(0);
  if (i >= n) return;
  long C = g[3], IW = g[2], IH = g[1], OH = g[4], OW = g[5], K = g[6], KH = g[7], KW = g[8];
  long c = (long)i % C, iw = (long)i / C % IW, ih = (long)i / (C * IW) % IH, b = (long)i / (C * IW * IH);
  T acc = 0;
  for (long kh = 0; kh < KH; kh++) {
    long th = ih + g[13] - kh * g[11];
    if (th < 0 || th % g[9]) continue;
    long oh = th / g[9];
    if (oh >= OH) continue;
    for (long kw = 0; kw < KW; kw++) {
      long tw = iw + g[14] - kw * g[12];
      if (tw < 0 || tw % g[10]) continue;
      long ow = tw / g[10];
      if (ow >= OW) continue;
      __global const T *d = dy + ((b * OH + oh) * OW + ow) * K;
      __global const T *w = f + ((kh * KW + kw) * C + c) * K;
      for (long k = 0; k < K; k++) acc += d[k] * w[k];
    }
  }
  dx[i] = acc;
}

/* Conv2DBackpropFilter: df[kh, kw, c, k] = sum over (n, oh, ow) of
 * x[n, oh * SH - PT + kh * DH, ow * SW - PL + kw * DW, c] * dy[n, oh, ow, k],
 * positions outside the input (padding) contributing nothing. */
__kernel void conv2d_backprop_filter(__global T *df, __global const T *x, __global const T *dy,
                                     __constant long *g, const ulong n) {
  size_t i = get_global_id(0);
  if (i >= n) return;
  long N = g[0], IH = g[1], IW = g[2], C = g[3], OH = g[4], OW = g[5], K = g[6], KW = g[8];
  long k = (long)i % K, c = (long)i / K % C, kw = (long)i / (K * C) % KW, kh = (long)i / (K * C * KW);
  T acc = 0;
  for (long b = 0; b < N; b++)
    for (long oh = 0; oh < OH; oh++) {
      long ih = oh * g[9] - g[13] + kh * g[11];
      if (ih < 0 || ih >= IH) continue;
      for (long ow = 0; ow < OW; ow++) {
        long iw = ow * g[10] - g[14] + kw * g[12];
        if (iw < 0 || iw >= IW) continue;
        acc += x[((b * IH + ih) * IW + iw) * C + c] * dy[((b * OH + oh) * OW + ow) * K + k];
      }
    }
  df[i] = acc;
}

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
