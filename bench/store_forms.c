/* store_forms - which form of store overlaps best with FMAs on this CPU,
 * in plain C (no OpenCL): the question behind the 1x1 64->256 conv layer,
 * which writes 33.5 MB of output and does 64 vector FMAs for every 64 bytes
 * it stores (docs/conv-performance.md, "Session 12: the 1x1 layer's
 * stores"). Every form writes the same buffer on T threads (default 2):
 *
 *   plain    ordinary 512-bit stores (vmovups)
 *   nt       non-temporal full-line stores (vmovntps, _mm512_stream_ps)
 *   pfw<D>   ordinary stores, each line written D lines ahead first
 *            announced with prefetchw
 *
 * in two orders: "seq" (each thread's half line after line) and "tile" (the
 * pointwise kernel's: an item of 8 rows of 1 KB written in panels of 128 B,
 * 8 rows x 2 lines a panel), each with no arithmetic ("store") and with 64
 * FMAs a line on 16 accumulators ("fma64"); "fma-only" times the FMAs alone.
 * Median milliseconds of the passes and GB/s stored.
 *   store_forms [MB (33.5)] [passes (15)] [threads (2)]
 * AVX-512 only (on other CPUs it says so and exits 0): the intrinsics are
 * compiled with a target attribute, so the rest of the build stays generic. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

enum { FORM_PLAIN, FORM_NT, FORM_PFW, FORM_NONE };
enum { ORDER_SEQ, ORDER_TILE };

typedef struct {
  float *buf;
  size_t lines; /* 64-byte lines of this thread's part */
  int form, order, fma, dist;
  pthread_barrier_t *bar;
  double ms[64];
  int passes;
} job;

#define AVX512 __attribute__((target("avx512f")))

/* 64 FMAs on 16 accumulators (4 each: 16 independent chains keep both FMA
 * ports busy at a 4-cycle latency), then one line stored from them. */
__attribute__((always_inline)) AVX512 static inline void fma64(__m512 acc[16], __m512 m, __m512 a) {
  for (int j = 0; j < 4; j++)
    for (int i = 0; i < 16; i++) acc[i] = _mm512_fmadd_ps(acc[i], m, a);
}

/* Line index l of the walk in the given order: seq is l itself; tile maps
 * l to the pointwise kernel's store order within items of 8 rows x 16 lines
 * (1 KB rows): panel p (2 lines), row r, line v of the panel. */
static inline size_t line_at(size_t l, int order) {
  if (order == ORDER_SEQ) return l;
  size_t item = l / 128, w = l % 128, p = w / 16, r = (w % 16) / 2, v = w % 2;
  return item * 128 + r * 16 + p * 2 + v;
}

AVX512 static void pass(job *j) {
  __m512 acc[16];
  for (int i = 0; i < 16; i++) acc[i] = _mm512_set1_ps((float)i);
  const __m512 m = _mm512_set1_ps(1.0f), a = _mm512_set1_ps(1e-7f);
  float *b = j->buf;
  for (size_t l = 0; l < j->lines; l++) {
    if (j->fma) fma64(acc, m, a);
    if (j->form == FORM_NONE) continue;
    float *p = b + line_at(l, j->order) * 16;
    if (j->form == FORM_PFW && l + (size_t)j->dist < j->lines)
      _mm_prefetch((const char *)(b + line_at(l + (size_t)j->dist, j->order) * 16), _MM_HINT_ET0);
    __m512 v = acc[0]; /* a constant index: the accumulators stay in registers */
    if (j->form == FORM_NT)
      _mm512_stream_ps(p, v);
    else
      _mm512_storeu_ps(p, v);
  }
  if (j->form == FORM_NT) _mm_sfence();
  if (j->form == FORM_NONE) { /* keep the FMAs */
    __m512 s = acc[0];
    for (int i = 1; i < 16; i++) s = _mm512_add_ps(s, acc[i]);
    _mm512_storeu_ps(b, s);
  }
}

static void *run_job(void *arg) {
  job *j = arg;
  for (int r = 0; r < j->passes; r++) {
    pthread_barrier_wait(j->bar);
    double t0 = now();
    pass(j);
    j->ms[r] = (now() - t0) * 1e3;
    pthread_barrier_wait(j->bar);
  }
  return NULL;
}

int main(int argc, char **argv) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f")) {
    printf("store_forms: this CPU has no AVX-512; nothing measured\n");
    return 0;
  }
  double mb = argc > 1 ? atof(argv[1]) : 33.5;
  int passes = argc > 2 ? atoi(argv[2]) : 15, nt = argc > 3 ? atoi(argv[3]) : 2;
  if (passes < 1 || passes > 64 || nt < 1 || nt > 16 || mb <= 0) {
    fprintf(stderr, "usage: store_forms [MB > 0] [passes 1-64] [threads 1-16]\n");
    return 2;
  }
  size_t per = (size_t)(mb * 1e6 / nt / 8192) * 128; /* whole 8 KB items a thread */
  float *buf = aligned_alloc(4096, per * nt * 64);
  if (!buf) return 1;
  memset(buf, 0, per * nt * 64); /* fault the pages in before any pass */
  pthread_barrier_t bar;
  pthread_barrier_init(&bar, NULL, (unsigned)nt);
  static const struct {
    const char *name;
    int form, dist;
  } forms[] = {{"plain", FORM_PLAIN, 0}, {"nt", FORM_NT, 0},   {"pfw4", FORM_PFW, 4},
               {"pfw16", FORM_PFW, 16},  {"pfw64", FORM_PFW, 64}};
  printf("store_forms: %.1f MB on %d threads, median of %d passes (ms, GB/s stored)\n",
         (double)(per * nt * 64) / 1e6, nt, passes);
  for (int fma = 0; fma <= 1; fma++) {
    for (int order = ORDER_SEQ; order <= ORDER_TILE; order++) {
      for (size_t f = 0; f < sizeof forms / sizeof forms[0] + (fma && order == ORDER_SEQ); f++) {
        int none = f == sizeof forms / sizeof forms[0];
        job jobs[16];
        pthread_t th[16];
        for (int t = 0; t < nt; t++) {
          jobs[t] = (job){.buf = buf + (size_t)t * per * 16, .lines = per, .form = none ? FORM_NONE : forms[f].form,
                          .order = order, .fma = fma, .dist = none ? 0 : forms[f].dist, .bar = &bar,
                          .passes = passes};
          pthread_create(&th[t], NULL, run_job, &jobs[t]);
        }
        for (int t = 0; t < nt; t++) pthread_join(th[t], NULL);
        double worst[64];
        for (int r = 0; r < passes; r++) {
          worst[r] = 0;
          for (int t = 0; t < nt; t++) worst[r] = jobs[t].ms[r] > worst[r] ? jobs[t].ms[r] : worst[r];
        }
        qsort(worst, (size_t)passes, sizeof worst[0], cmp_double);
        double med = worst[passes / 2];
        printf("%-9s %-5s %-6s %8.3f ms  %6.2f GB/s  (min %.3f, max %.3f)\n", none ? "fma-only" : forms[f].name,
               order == ORDER_SEQ ? "seq" : "tile", fma ? "fma64" : "store", med,
               none ? 0.0 : (double)(per * nt * 64) / med / 1e6, worst[0], worst[passes - 1]);
      }
    }
  }
  pthread_barrier_destroy(&bar);
  free(buf);
  return 0;
}
#else
int main(void) {
  printf("store_forms: x86-64 with GCC or Clang only; nothing measured\n");
  return 0;
}
#endif
