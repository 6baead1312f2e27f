/* pointwise_c - where the 1x1 64->256 conv layer's CPU time goes, in plain
 * C (no OpenCL): conv_bench case 8 (8x64x64x64 -> 256 channels, M = 32768
 * pixels, C = 64, K = 256, bias + relu) computed by the pointwise kernel's
 * own loop (cl_kernels/conv_pointwise.cl: an item of RM pixels walks the K
 * channels in panels of NV vectors, RM x NV accumulators, per input channel
 * NV filter loads, RM broadcasts, RM x NV FMAs, bias and relu in registers
 * before one store a vector), on one thread, timed in that thread's CPU
 * seconds, so the other work of a shared machine does not count
 * (docs/conv-performance.md, "Session 13: the 1x1 layer's CPU time").
 * Rows, each in GFLOP per CPU second (median of the passes):
 *
 *   fma-regs        independent chains of register FMAs: the core's rate
 *   RMxNV layer     the whole layer: 8 MB in, 33.5 MB out (beyond L2)
 *   RMxNV no-store  the same loop, its results summed instead of stored
 *   RMxNV in-L2     the layer over 1536 pixels (1.5 MB out, in L2),
 *                   repeated to the same FLOPs
 *
 *   pointwise_c [passes (5)]
 * AVX-512 only (elsewhere it says so and exits 0): the intrinsics are
 * compiled with a target attribute, so the rest of the build stays generic. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define C 64
#define K 256
#define M_LAYER 32768L
#define M_L2 1536L /* 1.5 MB of output and 384 KB of input: within one 2 MB L2 */
#define AVX512 __attribute__((target("avx512f")))

static double thread_cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* fma-regs: 12 chains of 16-lane FMAs (twice the 4-cycle latency x 2 ports
 * needed), as cl_kernels/peak.cl does, no memory operand. */
AVX512 __attribute__((noinline)) static float fma_regs(long n) {
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
  __m512 x0 = _mm512_set1_ps(0), x1 = _mm512_set1_ps(1), x2 = _mm512_set1_ps(2), x3 = _mm512_set1_ps(3),
         x4 = _mm512_set1_ps(4), x5 = _mm512_set1_ps(5), x6 = _mm512_set1_ps(6), x7 = _mm512_set1_ps(7),
         x8 = _mm512_set1_ps(8), x9 = _mm512_set1_ps(9), x10 = _mm512_set1_ps(10), x11 = _mm512_set1_ps(11);
  for (long i = 0; i < n; i++) {
    x0 = _mm512_fmadd_ps(x0, a, b), x1 = _mm512_fmadd_ps(x1, a, b), x2 = _mm512_fmadd_ps(x2, a, b);
    x3 = _mm512_fmadd_ps(x3, a, b), x4 = _mm512_fmadd_ps(x4, a, b), x5 = _mm512_fmadd_ps(x5, a, b);
    x6 = _mm512_fmadd_ps(x6, a, b), x7 = _mm512_fmadd_ps(x7, a, b), x8 = _mm512_fmadd_ps(x8, a, b);
    x9 = _mm512_fmadd_ps(x9, a, b), x10 = _mm512_fmadd_ps(x10, a, b), x11 = _mm512_fmadd_ps(x11, a, b);
  }
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(x0, x1), _mm512_add_ps(x2, x3)),
                           _mm512_add_ps(_mm512_add_ps(x4, x5), _mm512_add_ps(x6, x7)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(x8, x9), _mm512_add_ps(x10, x11)));
  return _mm512_reduce_add_ps(s);
}

/* The kernel's loop for an RM x NV tile over m pixels: store 0 sums the
 * results into the returned vector instead of storing them. */
#define TILE_FN(RM, NV)                                                                                          \
  AVX512 __attribute__((noinline)) static __m512 tile_##RM##x##NV(const float *in, const float *f,             \
                                                                  const float *bias, float *out, long m,      \
                                                                  int store) {                                 \
    const __m512 z = _mm512_setzero_ps();                                                                      \
    __m512 keep = z;                                                                                           \
    for (long s = 0; s + RM <= m; s += RM) {                                                                   \
      const float *x = in + s * C;                                                                             \
      float *o = out + s * K;                                                                                  \
      for (int k0 = 0; k0 < K; k0 += NV * 16) {                                                                \
        __m512 acc[RM][NV];                                                                                    \
        for (int r = 0; r < RM; r++)                                                                           \
          for (int v = 0; v < NV; v++) acc[r][v] = z;                                                          \
        for (int c = 0; c < C; c++) {                                                                          \
          __m512 w[NV];                                                                                        \
          for (int v = 0; v < NV; v++) w[v] = _mm512_loadu_ps(f + c * K + k0 + v * 16);                       \
          for (int r = 0; r < RM; r++) {                                                                       \
            __m512 xb = _mm512_set1_ps(x[r * C + c]);                                                          \
            for (int v = 0; v < NV; v++) acc[r][v] = _mm512_fmadd_ps(xb, w[v], acc[r][v]);                     \
          }                                                                                                    \
        }                                                                                                      \
        for (int v = 0; v < NV; v++) {                                                                         \
          __m512 b = _mm512_loadu_ps(bias + k0 + v * 16);                                                      \
          for (int r = 0; r < RM; r++) {                                                                       \
            __m512 t = _mm512_max_ps(_mm512_add_ps(acc[r][v], b), z);                                          \
            if (store)                                                                                         \
              _mm512_storeu_ps(o + r * K + k0 + v * 16, t);                                                    \
            else                                                                                               \
              keep = _mm512_add_ps(keep, t);                                                                   \
          }                                                                                                    \
        }                                                                                                      \
      }                                                                                                        \
    }                                                                                                          \
    return keep;                                                                                               \
  }
TILE_FN(8, 2)
TILE_FN(6, 4)

typedef __m512 (*tile_fn)(const float *, const float *, const float *, float *, long, int);

/* Keeps the results live. */
static volatile float sink;

/* GFLOP per CPU second of one pass: fma-regs when fn is NULL, else fn over
 * m pixels (whole tiles of rm), repeated to about the layer's FLOPs. */
AVX512 static double one_pass(tile_fn fn, int rm, const float *in, const float *f, const float *bias, float *out, long m,
                              int store) {
  double flops, t0 = thread_cpu();
  if (!fn) {
    long n = (long)(2.0 * M_LAYER * C * K / (12 * 32));
    sink = fma_regs(n);
    flops = (double)n * 12 * 32;
  } else {
    long reps = M_LAYER / m;
    __m512 s = _mm512_setzero_ps();
    for (long i = 0; i < reps; i++) s = _mm512_add_ps(s, fn(in, f, bias, out, m, store));
    sink = _mm512_reduce_add_ps(s);
    flops = 2.0 * (double)(reps * (m / rm * rm)) * C * K;
  }
  double t = thread_cpu() - t0;
  return t > 0 ? flops / t / 1e9 : 0;
}

int main(int argc, char **argv) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f")) {
    printf("pointwise_c: this CPU has no AVX-512; nothing measured\n");
    return 0;
  }
  int passes = argc > 1 ? atoi(argv[1]) : 5;
  if (passes < 1 || passes > 64) {
    fprintf(stderr, "usage: pointwise_c [passes 1-64]\n");
    return 2;
  }
  float *in = aligned_alloc(64, (size_t)M_LAYER * C * sizeof(float)), *f = aligned_alloc(64, C * K * sizeof(float)),
        *bias = aligned_alloc(64, K * sizeof(float)), *out = aligned_alloc(64, (size_t)M_LAYER * K * sizeof(float));
  if (!in || !f || !bias || !out) return 1;
  for (long i = 0; i < M_LAYER * C; i++) in[i] = (float)(i % 7) * 0.1f - 0.3f;
  for (int i = 0; i < C * K; i++) f[i] = (float)(i % 11) * 0.01f - 0.05f;
  for (int i = 0; i < K; i++) bias[i] = 0.01f;
  memset(out, 0, (size_t)M_LAYER * K * sizeof(float)); /* fault the pages in before any pass */
  static const struct {
    const char *name;
    int tile; /* 0: fma-regs, 1: 8x2, 2: 6x4 */
    long m;
    int store;
  } rows[] = {{"fma-regs", 0, 0, 0},         {"8x2 layer", 1, M_LAYER, 1}, {"8x2 no-store", 1, M_LAYER, 0},
              {"8x2 in-L2", 1, M_L2, 1},     {"6x4 layer", 2, M_LAYER, 1}, {"6x4 no-store", 2, M_LAYER, 0},
              {"6x4 in-L2", 2, M_L2, 1}};
  enum { NROWS = sizeof rows / sizeof rows[0] };
  double g[NROWS][64];
  /* The rows take turns pass by pass, so a drift of the machine's speed
   * touches them alike. */
  for (int p = 0; p < passes; p++)
    for (int r = 0; r < NROWS; r++) {
      tile_fn fn = rows[r].tile == 1 ? tile_8x2 : rows[r].tile == 2 ? tile_6x4 : NULL;
      g[r][p] = one_pass(fn, rows[r].tile == 2 ? 6 : 8, in, f, bias, out, rows[r].m, rows[r].store);
    }
  printf("pointwise_c: 1x1 64->256 over 8x64x64 pixels, one thread, GFLOP per CPU second, median of %d passes "
         "(min-max)\n",
         passes);
  for (int r = 0; r < NROWS; r++) {
    qsort(g[r], (size_t)passes, sizeof g[r][0], cmp_double);
    printf("%-14s %7.1f  (%.1f-%.1f)\n", rows[r].name, g[r][passes / 2], g[r][0], g[r][passes - 1]);
  }
  free(in);
  free(f);
  free(bias);
  free(out);
  return 0;
}
#else
int main(void) {
  printf("pointwise_c: x86-64 with GCC or Clang only; nothing measured\n");
  return 0;
}
#endif
