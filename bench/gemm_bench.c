/* gemm_bench - SGEMM GFLOP/s, C = A x B with n x n float32 matrices, of
 * varscope's vs_matmul on every OpenCL device present, beside its peers on
 * the same machine in the same run: TensorFlow's CPU build and PyTorch
 * (bench/gemm_tf.py in the oracle's venv; PyTorch only where importable)
 * and OpenBLAS's cblas_sgemm (when built in), each with the ratio
 * varscope / peer (above 1: varscope is faster).
 *
 * Usage: gemm_bench [--no-peers] [--reps R] [n ...]   (default R 5; n 256 512 1024 2048 4096)
 *
 * The peers run first, each to completion in its own process before this
 * one makes any OpenCL call (peer.h), so they never share the cores.
 * OpenBLAS runs in a fresh copy of this program (`gemm_bench --openblas`)
 * whose environment lacks OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (as `env
 * -u` for that command only): OpenBLAS reads them when it loads, and a
 * value pinned for another machine makes it pick slower kernels. Timings on
 * a shared machine are noisy: each figure is a median of reps runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "peer.h"
#include "varscope.h"
#ifdef VS_HAVE_OPENBLAS
#include <cblas.h>
#endif

#define MAX_N 8

/* Median seconds of reps runs of one matmul on device dev (inputs in
 * variables: no host transfer in a run). */
static double device_seconds(long n, size_t dev, int reps, vs_status *st) {
  vs_graph *g = vs_graph_new();
  char device[32];
  snprintf(device, sizeof device, "/device:CL:%zu", dev);
  vs_device_push(g, device, st);
  vs_var *a = vs_get_variable(g, "a", &(vs_var_opts){.shape = VS_SHAPE(n, n),
                                                      .initializer = vs_random_uniform_initializer(-1, 1, 1)}, st);
  vs_var *b = vs_get_variable(g, "b", &(vs_var_opts){.shape = VS_SHAPE(n, n),
                                                      .initializer = vs_random_uniform_initializer(-1, 1, 2)}, st);
  vs_output c = vs_matmul(g, vs_var_value(a), vs_var_value(b), NULL, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_device_pop(g, st);
  vs_session *s = vs_status_code(st) ? NULL : vs_session_new(g, NULL, st);
  double med = -1;
  if (s) {
    vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
    double *t = calloc((size_t)reps, sizeof *t);
    for (int i = -2; t && i < reps && !vs_status_code(st); i++) { /* two warm-ups: kernel builds */
      double t0 = now();
      vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &c.op, 1, st);
      if (i >= 0) t[i] = now() - t0;
    }
    if (t && !vs_status_code(st)) {
      qsort(t, (size_t)reps, sizeof *t, cmp_double);
      med = t[reps / 2];
    }
    free(t);
  }
  vs_session_free(s);
  vs_graph_free(g);
  return med;
}

#ifdef VS_HAVE_OPENBLAS
/* `gemm_bench --openblas --reps R n...`: cblas_sgemm medians as result lines. */
static int openblas_main(int reps, const long *sizes, int nsizes) {
  printf("label%s, core %s, %d threads\n", OPENBLAS_VERSION, openblas_get_corename(), openblas_get_num_threads());
  for (int i = 0; i < nsizes; i++) {
    size_t n = (size_t)sizes[i];
    float *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b), *c = malloc(n * n * sizeof *c);
    double *t = calloc((size_t)reps, sizeof *t);
    if (!a || !b || !c || !t) return 1;
    for (size_t k = 0; k < n * n; k++) a[k] = (float)(k % 17) / 8.0f - 1.0f, b[k] = (float)(k % 13) / 6.0f - 1.0f;
    for (int r = -2; r < reps; r++) {
      double t0 = now();
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, a, (int)n, b, (int)n, 0.0f,
                  c, (int)n);
      if (r >= 0) t[r] = now() - t0;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    printf("result %d %.9f\n", i, t[reps / 2]);
    fflush(stdout);
    free(a), free(b), free(c), free(t);
  }
  return 0;
}
#endif

int main(int argc, char **argv) {
  int reps = 5, nsizes = 0, peers = 1, blas_child = 0;
  long sizes[MAX_N];
  for (int a = 1; a < argc; a++) {
    if (strcmp(argv[a], "--no-peers") == 0) peers = 0;
    else if (strcmp(argv[a], "--openblas") == 0) blas_child = 1;
    else if (strcmp(argv[a], "--reps") == 0 && a + 1 < argc) reps = atoi(argv[++a]);
    else if (nsizes < MAX_N && atol(argv[a]) > 0) sizes[nsizes++] = atol(argv[a]);
    else {
      fprintf(stderr, "usage: gemm_bench [--no-peers] [--reps R] [n ...]\n");
      return 2;
    }
  }
  if (reps < 1) reps = 1;
  if (!nsizes) {
    static const long def[] = {256, 512, 1024, 2048, 4096};
    for (; nsizes < 5; nsizes++) sizes[nsizes] = def[nsizes];
  }
#ifdef VS_HAVE_OPENBLAS
  if (blas_child) return openblas_main(reps, sizes, nsizes);
#else
  if (blas_child) return 1;
#endif
  /* Peers: TensorFlow, PyTorch, OpenBLAS, each in its own process first. */
  enum { TF, TORCH, BLAS, NPEERS };
  peer_result pr[NPEERS];
  static const char *const names[NPEERS] = {"TF", "torch", "OpenBLAS"};
  char py[512], reps_s[16], ns[MAX_N][24];
  snprintf(reps_s, sizeof reps_s, "%d", reps);
  for (int i = 0; i < nsizes; i++) snprintf(ns[i], sizeof ns[i], "%ld", sizes[i]);
  for (int p = 0; p < NPEERS; p++) {
    snprintf(pr[p].why, sizeof pr[p].why, "not run (--no-peers)");
    pr[p].label[0] = '\0';
    memset(pr[p].seconds, 0, sizeof pr[p].seconds);
  }
  if (peers) {
    int have_py = peer_python(py, sizeof py);
    for (int p = TF; p <= TORCH; p++) {
      if (!have_py) {
        snprintf(pr[p].why, sizeof pr[p].why, "no python at %.400s (make oracle makes it)", py);
        continue;
      }
      char *pargv[MAX_N + 5];
      int n = 0;
      pargv[n++] = py;
      pargv[n++] = VS_SOURCE_DIR "/bench/gemm_tf.py";
      pargv[n++] = p == TF ? "tf" : "torch";
      pargv[n++] = reps_s;
      for (int i = 0; i < nsizes; i++) pargv[n++] = ns[i];
      pargv[n] = NULL;
      fprintf(stderr, "gemm_bench: %s first (bench/gemm_tf.py %s)...\n", names[p], pargv[2]);
      peer_run(pargv, NULL, &pr[p]);
    }
#ifdef VS_HAVE_OPENBLAS
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len > 0) {
      self[len] = '\0';
      char *pargv[MAX_N + 5];
      int n = 0;
      pargv[n++] = self;
      pargv[n++] = "--openblas";
      pargv[n++] = "--reps";
      pargv[n++] = reps_s;
      for (int i = 0; i < nsizes; i++) pargv[n++] = ns[i];
      pargv[n] = NULL;
      static const char *const unset[] = {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", NULL};
      fprintf(stderr, "gemm_bench: OpenBLAS first (env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)...\n");
      peer_run(pargv, unset, &pr[BLAS]);
    }
#else
    snprintf(pr[BLAS].why, sizeof pr[BLAS].why, "not built (install libopenblas-dev and rebuild)");
#endif
  }
  vs_status *st = vs_status_new();
  size_t ndev = vs_num_devices(st);
  printf("SGEMM C = A x B, n x n float32, inputs in variables; median of %d runs\n", reps);
  for (int p = 0; p < NPEERS; p++) printf("peer %s: %s\n", names[p], pr[p].label[0] ? pr[p].label : pr[p].why);
  for (size_t d = 0; d < ndev; d++) {
    vs_device_info in;
    vs_device_get_info(d, &in, st);
    double peak = vs_device_fp32_peak(d, st);
    printf("\n%s %s [%s]: measured fp32 peak %.1f GFLOP/s\n", in.cl_name, in.name, in.device_name, peak);
    printf("  %6s %10s %10s %8s", "n", "ms", "GFLOP/s", "of peak");
    for (int p = 0; p < NPEERS; p++) printf(" %9s %8s", names[p], "vs/peer");
    printf("\n");
    for (int i = 0; i < nsizes; i++) {
      double flop = 2.0 * (double)sizes[i] * (double)sizes[i] * (double)sizes[i];
      double s = device_seconds(sizes[i], d, reps, st);
      if (s < 0) {
        printf("  %6ld failed: %s\n", sizes[i], vs_status_message(st));
        vs_status_set(st, VS_OK, NULL);
        continue;
      }
      printf("  %6ld %10.2f %10.1f %7.1f%%", sizes[i], s * 1e3, flop / s / 1e9, 100.0 * flop / s / 1e9 / peak);
      for (int p = 0; p < NPEERS; p++) {
        double ps = pr[p].seconds[i];
        if (ps > 0) printf(" %9.1f %8.2f", flop / ps / 1e9, ps / s);
        else printf(" %9s %8s", "-", "-");
      }
      printf("\n");
      fflush(stdout);
    }
  }
  printf("\n(peer columns: the peer's GFLOP/s, then varscope's time ratio peer / varscope: above 1, varscope is faster)\n");
  vs_status_free(st);
  return 0;
}
