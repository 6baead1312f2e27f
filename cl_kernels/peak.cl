/* peak.cl - the device's fp32 FMA throughput: independent chains of
 * vector FMAs, enough to hide latency, no memory traffic. W, the vector
 * width (the host's choice, peak.c): twelve chains of W floats must stay
 * in registers, or the loop measures spills. */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
typedef CAT(float, W) TV;

static inline float lanes_sum(TV s) {
#if W == 1
  return s;
#else
  float t = 0;
  for (int i = 0; i < W; i++) t += ((float *)&s)[i];
  return t;
#endif
}

__kernel void fma_peak(__global float *out, const int iters, const float a, const float b) {
  TV x0 = (TV)(get_global_id(0)), x1 = x0 + 1, x2 = x0 + 2, x3 = x0 + 3, x4 = x0 + 4, x5 = x0 + 5,
     x6 = x0 + 6, x7 = x0 + 7, x8 = x0 + 8, x9 = x0 + 9, x10 = x0 + 10, x11 = x0 + 11;
  for (int i = 0; i < iters; i++) {
    x0 = fma(x0, a, b); x1 = fma(x1, a, b); x2 = fma(x2, a, b); x3 = fma(x3, a, b);
    x4 = fma(x4, a, b); x5 = fma(x5, a, b); x6 = fma(x6, a, b); x7 = fma(x7, a, b);
    x8 = fma(x8, a, b); x9 = fma(x9, a, b); x10 = fma(x10, a, b); x11 = fma(x11, a, b);
  }
  out[get_global_id(0)] = lanes_sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
}
