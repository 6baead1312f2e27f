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
 * a shared machine are noisy: each figure is a median of reps runs, and
 * CPU seconds (all the process's threads: PoCL's, TF's, OpenBLAS's) are
 * printed beside wall seconds, with a ratio of each: other work on the
 * machine stretches wall time far more than CPU time. The load average is
 * printed before and after. The "algorithm" column is what varscope chose
 * for the problem's GEMM family (vs_device_gemm_choices): its own kernel
 * (own: packed panels, blocked: packed panels walked in k chunks, inplace:
 * no packing) under which parameters, or CLBlast. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "peer.h"
#include "varscope.h"
#ifdef VS_HAVE_OPENBLAS
#include <cblas.h>
#endif

#define MAX_N 8

/* CPU seconds of this process, all its threads (PoCL's on a CPU device). */
static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void print_load(const char *when) {
  char buf[128] = "?";
  FILE *f = fopen("/proc/loadavg", "r");
  if (f && fgets(buf, sizeof buf, f)) buf[strcspn(buf, "\n")] = '\0';
  if (f) fclose(f);
  printf("load average %s: %s\n", when, buf);
}

/* What varscope chose for an n x n x n GEMM on dev: the algorithm of the
 * "nn|m<b>|n<b>|k<b>" line of vs_device_gemm_choices (b = ceil(log2 n)). */
static void chosen(size_t dev, long n, char *out, size_t cap, vs_status *st) {
  int b = 0;
  while (b < 62 && (1L << b) < n) b++;
  char key[64];
  snprintf(key, sizeof key, "nn|m%d|n%d|k%d -> ", b, b, b);
  const char *force = getenv("VARSCOPE_GEMM");
  if (force && *force && strcmp(force, "auto") != 0) {
    snprintf(out, cap, "VARSCOPE_GEMM=%s", force);
    return;
  }
  snprintf(out, cap, "?");
  size_t need = vs_device_gemm_choices(dev, NULL, 0, st);
  char *buf = malloc(need + 1);
  if (!buf) return;
  vs_device_gemm_choices(dev, buf, need + 1, st);
  for (char *line = buf; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    if (strncmp(line, key, strlen(key)) == 0) {
      char *algo = line + strlen(key), *paren = strstr(algo, " (");
      if (paren) *paren = '\0';
      snprintf(out, cap, "%s", algo);
    }
    line = nl ? nl + 1 : NULL;
  }
  free(buf);
}

/* Median seconds of reps runs of one matmul on device dev (inputs in
 * variables: no host transfer in a run), and the median CPU seconds. */
static double device_seconds(long n, size_t dev, int reps, double *cpu, vs_status *st) {
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
    double *t = calloc((size_t)reps, sizeof *t), *u = calloc((size_t)reps, sizeof *u);
    for (int i = -2; t && u && i < reps && !vs_status_code(st); i++) { /* two warm-ups: kernel builds, the choice */
      double t0 = now(), u0 = cpu_now();
      vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &c.op, 1, st);
      if (i >= 0) t[i] = now() - t0, u[i] = cpu_now() - u0;
    }
    if (t && u && !vs_status_code(st)) {
      qsort(t, (size_t)reps, sizeof *t, cmp_double);
      qsort(u, (size_t)reps, sizeof *u, cmp_double);
      med = t[reps / 2];
      *cpu = u[reps / 2];
    }
    free(t);
    free(u);
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
    double *t = calloc((size_t)reps, sizeof *t), *u = calloc((size_t)reps, sizeof *u);
    if (!a || !b || !c || !t || !u) return 1;
    for (size_t k = 0; k < n * n; k++) a[k] = (float)(k % 17) / 8.0f - 1.0f, b[k] = (float)(k % 13) / 6.0f - 1.0f;
    for (int r = -2; r < reps; r++) {
      double t0 = now(), u0 = cpu_now();
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, a, (int)n, b, (int)n, 0.0f,
                  c, (int)n);
      if (r >= 0) t[r] = now() - t0, u[r] = cpu_now() - u0;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    qsort(u, (size_t)reps, sizeof *u, cmp_double);
    printf("result %d %.9f %.9f\n", i, t[reps / 2], u[reps / 2]);
    fflush(stdout);
    free(a), free(b), free(c), free(t), free(u);
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
  printf("SGEMM C = A x B, n x n float32, inputs in variables; median of %d runs (wall and CPU seconds)\n", reps);
  print_load("before varscope's runs");
  int shown[NPEERS];
  for (int p = 0; p < NPEERS; p++) {
    printf("peer %s: %s\n", names[p], pr[p].label[0] ? pr[p].label : pr[p].why);
    shown[p] = 0;
    for (int i = 0; i < nsizes; i++) shown[p] |= pr[p].seconds[i] > 0;
  }
  for (size_t d = 0; d < ndev; d++) {
    vs_device_info in;
    vs_device_get_info(d, &in, st);
    double peak = vs_device_fp32_peak(d, st);
    printf("\n%s %s [%s]: measured fp32 peak %.1f GFLOP/s\n", in.cl_name, in.name, in.device_name, peak);
    printf("  %6s %-26s %10s %9s %7s %9s", "n", "algorithm", "ms", "GFLOP/s", "of peak", "cpu ms");
    for (int p = 0; p < NPEERS; p++)
      if (shown[p]) printf(" | %9s %7s %9s %7s", names[p], "vs/peer", "cpu ms", "(cpu)");
    printf("\n");
    for (int i = 0; i < nsizes; i++) {
      double flop = 2.0 * (double)sizes[i] * (double)sizes[i] * (double)sizes[i], cpu = 0;
      double s = device_seconds(sizes[i], d, reps, &cpu, st);
      if (s < 0) {
        printf("  %6ld failed: %s\n", sizes[i], vs_status_message(st));
        vs_status_set(st, VS_OK, NULL);
        continue;
      }
      char algo[64];
      chosen(d, sizes[i], algo, sizeof algo, st);
      printf("  %6ld %-26s %10.2f %9.1f %6.1f%% %9.2f", sizes[i], algo, s * 1e3, flop / s / 1e9,
             100.0 * flop / s / 1e9 / peak, cpu * 1e3);
      for (int p = 0; p < NPEERS; p++) {
        if (!shown[p]) continue;
        double ps = pr[p].seconds[i], pc = pr[p].cpu[i];
        if (ps > 0) printf(" | %9.1f %7.2f", flop / ps / 1e9, ps / s);
        else printf(" | %9s %7s", "-", "-");
        if (pc > 0 && cpu > 0) printf(" %9.2f %7.2f", pc * 1e3, pc / cpu);
        else printf(" %9s %7s", "-", "-");
      }
      printf("\n");
      fflush(stdout);
    }
  }
  print_load("after");
  printf("\n(peer columns: the peer's GFLOP/s, then the time ratio peer / varscope, wall and CPU: above 1, varscope is "
         "faster)\n");
  vs_status_free(st);
  return 0;
}
