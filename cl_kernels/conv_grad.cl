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

/* col2im for Conv2DBackpropInput after the GEMM dcols = dy x f^T:
 * dx[n, ih, iw, c] = sum over the (oh, ow, kh, kw) that read it of
 * dcols[(n, oh, ow), (kh, kw, c)] (the same geometry array). */
__kernel void col2im(__global T *dx, __global const T *dcols, __constant long *g, const ulong n) {
  size_t i = get_global_id(0);
  if (i >= n) return;
  long C = g[3], IW = g[2], IH = g[1], OH = g[4], OW = g[5], KH = g[7], KW = g[8];
  long c = (long)i % C, iw = (long)i / C % IW, ih = (long)i / (C * IW) % IH, b = (long)i / (C * IW * IH);
  long kc = KH * KW * C;
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
      acc += dcols[((b * OH + oh) * OW + ow) * kc + (kh * KW + kw) * C + c];
    }
  }
  dx[i] = acc;
}
