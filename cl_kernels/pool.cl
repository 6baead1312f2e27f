/* pool.cl - MaxPool and AvgPool (NHWC) and their gradients, float or
 * double (-DT=...). Windows are clipped to the input (TF's SAME padding
 * neither takes padded values for the maximum nor counts them in the
 * average). The geometry comes in a __constant long array (see
 * engine/kernels/pool.c): 0 N, 1 IH, 2 IW, 3 C, 4 OH, 5 OW, 6 KH, 7 KW,
 * 8 SH, 9 SW, 10 pad top, 11 pad left. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

/* The window of output (oh, ow), clipped: rows [*h0, *h1), columns [*w0, *w1). */
static void window(__constant long *g, long oh, long ow, long *h0, long *h1, long *w0, long *w1) {
  long hs = oh * g[8] - g[10], ws = ow * g[9] - g[11];
  *h0 = max(hs, 0L);
  *h1 = min(hs + g[6], g[1]);
  *w0 = max(ws, 0L);
  *w1 = min(ws + g[7], g[2]);
}

/* Every kernel runs over the 3-D range (C, W, N x H) of the tensor it
 * writes (W and H its width and height; padded to whole work-groups): an
 * item takes its channel and column from the range and splits the line
 * once, where the flat index divided four times in 64 bits (the window
 * scan is a few loads; those divisions were most of the work). ITEM
 * declares c, w, h, b and i, the flat index, for the written tensor's
 * height H and width W, and returns past its extents. */
#define ITEM(H, W)                                                                                    \
  long c = (long)get_global_id(0), w = (long)get_global_id(1), line_ = (long)get_global_id(2);        \
  if (c >= g[3] || w >= (W) || line_ >= g[0] * (H)) return;                                          \
  long h = line_ % (H), b = line_ / (H);                                                              \
  long i = (line_ * (W) + w) * g[3] + c

/* The flat index of the first maximum of output (b, oh, ow, c)'s window
 * (row-major scan, as TF's CPU kernel); -1 for an empty window. */
static long argmax(__global const T *x, __constant long *g, long b, long oh, long ow, long c) {
  long C = g[3], h0, h1, w0, w1, best = -1;
  T top = 0; /* x[best], kept so that no comparison reloads it */
  window(g, oh, ow, &h0, &h1, &w0, &w1);
  for (long h = h0; h < h1; h++)
    for (long w = w0; w < w1; w++) {
      long at = ((b * g[1] + h) * g[2] + w) * C + c;
      T v = x[at];
      if (best < 0 || v > top) best = at, top = v;
    }
  return best;
}

__kernel void max_pool(__global T *out, __global const T *x, __constant long *g) {
  ITEM(g[4], g[5]);
  long at = argmax(x, g, b, h, w, c);
  out[i] = at >= 0 ? x[at] : (T)0;
}

__kernel void avg_pool(__global T *out, __global const T *x, __constant long *g) {
  ITEM(g[4], g[5]);
  long C = g[3], h0, h1, w0, w1;
  window(g, h, w, &h0, &h1, &w0, &w1);
  T acc = 0;
  for (long y = h0; y < h1; y++)
    for (long z = w0; z < w1; z++) acc += x[((b * g[1] + y) * g[2] + z) * C + c];
  long cnt = (h1 - h0) * (w1 - w0);
  out[i] = cnt > 0 ? acc / (T)cnt : (T)0;
}

/* The outputs whose windows hold input row ih: [*o0, *o1) (and columns). */
static void outputs_of(__constant long *g, long ih, long iw, long *oh0, long *oh1, long *ow0, long *ow1) {
  long th = ih + g[10], tw = iw + g[11];
  *oh0 = th >= g[6] ? (th - g[6]) / g[8] + 1 : 0;
  *oh1 = min(th / g[8] + 1, g[4]);
  *ow0 = tw >= g[7] ? (tw - g[7]) / g[9] + 1 : 0;
  *ow1 = min(tw / g[9] + 1, g[5]);
}

/* MaxPoolGrad, first pass: the flat input index of each output's first
 * maximum (-1 for an empty window), over the output's range, so that each
 * window is scanned once rather than once per input element it holds
 * (nine times for a 3x3 window). */
__kernel void max_pool_argmax(__global long *top, __global const T *x, __constant long *g) {
  ITEM(g[4], g[5]);
  top[i] = argmax(x, g, b, h, w, c);
}

/* MaxPoolGrad: each input element receives the gradients of the outputs
 * whose (first) maximum it is (top: max_pool_argmax's). */
__kernel void max_pool_grad(__global T *dx, __global const long *top, __global const T *dy, __constant long *g) {
  ITEM(g[1], g[2]);
  long oh0, oh1, ow0, ow1;
  outputs_of(g, h, w, &oh0, &oh1, &ow0, &ow1);
  T acc = 0;
  for (long oh = oh0; oh < oh1; oh++)
    for (long ow = ow0; ow < ow1; ow++) {
      long o = ((b * g[4] + oh) * g[5] + ow) * g[3] + c;
      if (top[o] == i) acc += dy[o];
    }
  dx[i] = acc;
}

/* AvgPoolGrad: each input element receives dy / (window size) of every
 * output whose clipped window holds it. */
__kernel void avg_pool_grad(__global T *dx, __global const T *dy, __constant long *g) {
  ITEM(g[1], g[2]);
  long oh0, oh1, ow0, ow1;
  outputs_of(g, h, w, &oh0, &oh1, &ow0, &ow1);
  T acc = 0;
  for (long oh = oh0; oh < oh1; oh++)
    for (long ow = ow0; ow < ow1; ow++) {
      long h0, h1, w0, w1;
      window(g, oh, ow, &h0, &h1, &w0, &w1);
      acc += dy[((b * g[4] + oh) * g[5] + ow) * g[3] + c] / (T)((h1 - h0) * (w1 - w0));
    }
  dx[i] = acc;
}
