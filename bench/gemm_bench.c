/* gemm_bench - SGEMM GFLOP/s, C = A x B with n x n float32 matrices, of
 * varscope's vs_matmul on every OpenCL device present, beside its peers on
 * the same machine in the same run: TensorFlow's CPU build and PyTorch
 * (bench/gemm_tf.py in VARSCOPE_TF_PYTHON or the oracle's venv; PyTorch
 * only where importable: FP32, and TF32 allowed in cuBLAS on a CUDA GPU)
 * and OpenBLAS's cblas_sgemm (when built in), each with the ratio
 * varscope / peer (above 1: varscope is faster).
 *
 * Usage: gemm_bench [--no-peers] [--tf32] [--reps R] [--rounds N] [n ...]
 *        (default R 5, N 5; n 256 512 1024 2048 4096)
 * --tf32: varscope's sessions with tensor_float_32_execution on (TF32
 * products where a device has matrix units: compare with the TF32 peer
 * column, PyTorch with cuBLAS TF32; elsewhere the same float32 runs).
 *
 * The peers are co-processes (peer.h), started before this process makes
 * any OpenCL call: TF and PyTorch as bench/gemm_tf.py tf|torch|torch-tf32 --serve,
 * OpenBLAS as a fresh copy of this program (`gemm_bench --openblas`) whose
 * environment lacks OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (as `env -u`
 * for that command only): OpenBLAS reads them when it loads, and a value
 * pinned for another machine makes it pick slower kernels. Each n is timed
 * in N rounds; a round times varscope and each peer back to back (each a
 * median of R runs), varscope first in even rounds and last in odd ones.
 * This VM's speed drifts by 15-40% over tens of seconds, so the sides must
 * share the same seconds: a ratio printed is the median of the per-round
 * ratios peer / varscope (above 1: varscope is faster), with their min-max
 * over the rounds, in wall time and in CPU seconds (all the process's
 * threads: PoCL's, TF's, OpenBLAS's), which other work on the machine
 * stretches far less. After each peer's answer the bench waits until the
 * peer's CPU clock stops moving (peer_settle: OpenBLAS's threads spin for
 * ~130 ms after a call; TF's sleep at once) and prints the longest wait;
 * "idle" is the most CPU a side used while another was being timed (~0:
 * asleep). A peer missing, failing or dying mid-run leaves its columns
 * "-" and its reason printed under the table. The load average is
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
#define MAX_ROUNDS 64

/* CPU seconds of this process, all its threads (PoCL's on a CPU device). */
static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void print_load(const char *when) {
  char buf[128];
  printf("load average %s: %s\n", when, peer_load_average(buf, sizeof buf));
}

/* --tf32: every session with tensor_float_32_execution on. */
static bool tf32;

/* What varscope chose for an n x n x n GEMM on dev: the algorithm of the
 * "nn|m<b>|n<b>|k<b>" line of vs_device_gemm_choices (b = ceil(log2 n)),
 * "tf32|nn|..." where TF32 was allowed (--tf32 on a device with matrix
 * units: gemm_select.c's families of their own). */
static void chosen(size_t dev, long n, bool units, char *out, size_t cap, vs_status *st) {
  int b = 0;
  while (b < 62 && (1L << b) < n) b++;
  char key[64];
  snprintf(key, sizeof key, "%snn|m%d|n%d|k%d -> ", tf32 && units ? "tf32|" : "", b, b, b);
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

/* One n x n matmul on one device, built and warmed up, timed round after
 * round (inputs in variables: no host transfer in a run). */
typedef struct gemm_run {
  vs_graph *g;
  vs_session *s;
  vs_output c;
} gemm_run;

/* Builds the matmul on device dev, initialises it and runs it twice
 * (kernel builds, the choice: untimed). false on failure (st says why);
 * gemm_free in every case. */
static bool gemm_setup(gemm_run *r, long n, size_t dev, vs_status *st) {
  r->g = vs_graph_new();
  r->s = NULL;
  char device[32];
  snprintf(device, sizeof device, "/device:CL:%zu", dev);
  vs_device_push(r->g, device, st);
  vs_var *a = vs_get_variable(r->g, "a", &(vs_var_opts){.shape = VS_SHAPE(n, n),
                                                         .initializer = vs_random_uniform_initializer(-1, 1, 1)}, st);
  vs_var *b = vs_get_variable(r->g, "b", &(vs_var_opts){.shape = VS_SHAPE(n, n),
                                                         .initializer = vs_random_uniform_initializer(-1, 1, 2)}, st);
  r->c = vs_matmul(r->g, vs_var_value(a), vs_var_value(b), NULL, st);
  vs_op *init = vs_global_variables_initializer(r->g, st);
  vs_device_pop(r->g, st);
  vs_session_opts opts = {.tensor_float_32_execution = tf32};
  r->s = vs_status_code(st) ? NULL : vs_session_new(r->g, &opts, st);
  if (!r->s) return false;
  vs_session_run(r->s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  for (int i = 0; i < 2 && !vs_status_code(st); i++)
    vs_session_run(r->s, NULL, NULL, 0, NULL, NULL, 0, &r->c.op, 1, st);
  return !vs_status_code(st);
}

static void gemm_free(gemm_run *r) {
  vs_session_free(r->s);
  vs_graph_free(r->g);
}

/* One round of varscope's side: median wall and CPU seconds of reps runs.
 * false on failure. */
static bool gemm_round(gemm_run *r, int reps, double *wall, double *cpu, vs_status *st) {
  double *t = calloc((size_t)reps, sizeof *t), *u = calloc((size_t)reps, sizeof *u);
  for (int i = 0; t && u && i < reps && !vs_status_code(st); i++) {
    double t0 = now(), u0 = cpu_now();
    vs_session_run(r->s, NULL, NULL, 0, NULL, NULL, 0, &r->c.op, 1, st);
    t[i] = now() - t0, u[i] = cpu_now() - u0;
  }
  bool ok = t && u && !vs_status_code(st);
  if (ok) {
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    qsort(u, (size_t)reps, sizeof *u, cmp_double);
    *wall = t[reps / 2];
    *cpu = u[reps / 2];
  }
  free(t);
  free(u);
  return ok;
}

#ifdef VS_HAVE_OPENBLAS
/* `gemm_bench --openblas`: OpenBLAS as a co-process (peer.h). Prints its
 * label, then answers "run <index> <reps> <n>" lines on stdin with
 * "result <index> <seconds> <cpu seconds>" (cblas_sgemm medians of reps
 * calls, after two untimed ones for a new n) until EOF. */
static int openblas_main(void) {
  printf("label%s, core %s, %d threads\n", OPENBLAS_VERSION, openblas_get_corename(), openblas_get_num_threads());
  fflush(stdout);
  float *a = NULL, *b = NULL, *c = NULL;
  size_t have = 0;
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    int idx, reps;
    long nl;
    if (sscanf(line, "run %d %d %ld", &idx, &reps, &nl) != 3 || reps < 1 || nl < 1 || nl > 65536) {
      printf("unavailable bad request %.*s\n", (int)strcspn(line, "\n"), line);
      fflush(stdout);
      continue;
    }
    size_t n = (size_t)nl;
    int warm = n != have ? 2 : 0;
    if (n != have) {
      free(a), free(b), free(c);
      a = malloc(n * n * sizeof *a), b = malloc(n * n * sizeof *b), c = malloc(n * n * sizeof *c);
      have = a && b && c ? n : 0;
      for (size_t k = 0; have && k < n * n; k++)
        a[k] = (float)(k % 17) / 8.0f - 1.0f, b[k] = (float)(k % 13) / 6.0f - 1.0f;
    }
    double *t = calloc((size_t)reps, sizeof *t), *u = calloc((size_t)reps, sizeof *u);
    if (!have || !t || !u) {
      printf("unavailable out of memory for n %zu\n", n);
      fflush(stdout);
      free(t), free(u);
      continue;
    }
    for (int r = -warm; r < reps; r++) {
      double t0 = now(), u0 = cpu_now();
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n, (int)n, 1.0f, a, (int)n, b, (int)n, 0.0f,
                  c, (int)n);
      if (r >= 0) t[r] = now() - t0, u[r] = cpu_now() - u0;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    qsort(u, (size_t)reps, sizeof *u, cmp_double);
    printf("result %d %.9f %.9f\n", idx, t[reps / 2], u[reps / 2]);
    fflush(stdout);
    free(t), free(u);
  }
  free(a), free(b), free(c);
  return 0;
}
#endif

int main(int argc, char **argv) {
  int reps = 5, rounds = 5, nsizes = 0, peers = 1, blas_child = 0;
  long sizes[MAX_N];
  for (int a = 1; a < argc; a++) {
    if (strcmp(argv[a], "--no-peers") == 0) peers = 0;
    else if (strcmp(argv[a], "--openblas") == 0) blas_child = 1;
    else if (strcmp(argv[a], "--tf32") == 0) tf32 = true;
    else if (strcmp(argv[a], "--reps") == 0 && a + 1 < argc) reps = atoi(argv[++a]);
    else if (strcmp(argv[a], "--rounds") == 0 && a + 1 < argc) rounds = atoi(argv[++a]);
    else if (nsizes < MAX_N && atol(argv[a]) > 0) sizes[nsizes++] = atol(argv[a]);
    else {
      fprintf(stderr, "usage: gemm_bench [--no-peers] [--tf32] [--reps R] [--rounds N] [n ...]\n");
      return 2;
    }
  }
  if (reps < 1) reps = 1;
  if (rounds < 1) rounds = 1;
  if (rounds > MAX_ROUNDS) rounds = MAX_ROUNDS;
  if (!nsizes) {
    static const long def[] = {256, 512, 1024, 2048, 4096};
    for (; nsizes < 5; nsizes++) sizes[nsizes] = def[nsizes];
  }
#ifdef VS_HAVE_OPENBLAS
  if (blas_child) return openblas_main();
#else
  if (blas_child) return 1;
#endif
  /* Peers: TensorFlow, PyTorch, OpenBLAS, each a co-process started (and
   * its imports done) before any OpenCL call: posix_spawn, nothing forks
   * after OpenCL is up. */
  enum { TF, TORCH, TF32, BLAS, NPEERS };
  peer_proc pr[NPEERS];
  static const char *const names[NPEERS] = {"TF", "torch", "TF32", "OpenBLAS"};
  static const char *const kinds[NPEERS] = {"tf", "torch", "torch-tf32", NULL}; /* gemm_tf.py's first argument */
  for (int p = 0; p < NPEERS; p++) {
    memset(&pr[p], 0, sizeof pr[p]);
    pr[p].to = pr[p].from = -1;
    snprintf(pr[p].why, sizeof pr[p].why, "not run (--no-peers)");
  }
  if (peers) {
    char py[512], why[640];
    bool have_py = bench_tf_python(py, sizeof py, why, sizeof why);
    for (int p = TF; p <= TF32; p++) {
      if (!have_py) {
        snprintf(pr[p].why, sizeof pr[p].why, "%s", why);
        continue;
      }
      char *pargv[] = {py, VS_SOURCE_DIR "/bench/gemm_tf.py", (char *)kinds[p], "--serve", NULL};
      fprintf(stderr, "gemm_bench: starting %s (bench/gemm_tf.py %s --serve)...\n", names[p], pargv[2]);
      peer_start(&pr[p], pargv, NULL);
    }
#ifdef VS_HAVE_OPENBLAS
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len > 0) {
      self[len] = '\0';
      char *pargv[] = {self, "--openblas", NULL};
      static const char *const unset[] = {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", NULL};
      fprintf(stderr, "gemm_bench: starting OpenBLAS (gemm_bench --openblas, env -u OPENBLAS_CORETYPE -u "
                      "OPENBLAS_L2_SIZE)...\n");
      peer_start(&pr[BLAS], pargv, unset);
    } else {
      snprintf(pr[BLAS].why, sizeof pr[BLAS].why, "could not find this program (/proc/self/exe)");
    }
#else
    snprintf(pr[BLAS].why, sizeof pr[BLAS].why, "not built (install libopenblas-dev and rebuild)");
#endif
  }
  vs_status *st = vs_status_new();
  size_t ndev = vs_num_devices(st);
  printf("SGEMM C = A x B, n x n float32, inputs in variables; %d rounds of varscope and its peers back to back (the "
         "order reversed every other round), each a median of %d runs (wall and CPU seconds)\n", rounds, reps);
  print_load("before varscope's runs");
  int shown[NPEERS];
  double settled[NPEERS] = {0}; /* the longest wait for a peer's threads to fall asleep after an answer, ms */
  for (int p = 0; p < NPEERS; p++) {
    printf("peer %s: %s\n", names[p], pr[p].label[0] ? pr[p].label : pr[p].why);
    shown[p] = !pr[p].why[0];
  }
  for (size_t d = 0; d < ndev; d++) {
    vs_device_info in;
    vs_device_get_info(d, &in, st);
    double peak = vs_device_fp32_peak(d, st);
    printf("\n%s %s [%s]: measured fp32 peak %.1f GFLOP/s%s\n", in.cl_name, in.name, in.device_name, peak,
           !tf32 ? "" : in.tf32_matrix_units ? "; --tf32: TF32 matrix units, TF32 allowed"
                                             : "; --tf32: no TF32 matrix units, float32 as without it");
    printf("  %6s %-26s %9s %8s %7s %8s %6s", "n", "algorithm", "ms", "GFLOP/s", "of peak", "cpu ms", "idle");
    for (int p = 0; p < NPEERS; p++)
      if (shown[p]) printf(" | %8s %15s %8s %15s %6s", names[p], "peer / vs", "cpu ms", "(cpu)", "idle");
    printf("\n");
    for (int i = 0; i < nsizes; i++) {
      double flop = 2.0 * (double)sizes[i] * (double)sizes[i] * (double)sizes[i];
      /* [round] for varscope, [peer][round] for the peers; idle: the most
       * CPU seconds a side used while another side was being timed. */
      double vw[MAX_ROUNDS], vc[MAX_ROUNDS], pw[NPEERS][MAX_ROUNDS], pc[NPEERS][MAX_ROUNDS], idle[NPEERS] = {0};
      bool live[NPEERS];
      for (int p = 0; p < NPEERS; p++) live[p] = !pr[p].why[0];
      char cmd[96];
      snprintf(cmd, sizeof cmd, "run %d %d %ld", i, reps, sizes[i]);
      gemm_run run;
      bool ok = gemm_setup(&run, sizes[i], d, st);
      double vs_idle = 0;
      for (int r = 0; ok && r < rounds; r++)
        for (int k = 0; ok && k <= NPEERS; k++) {
          int who = r % 2 == 0 ? k - 1 : NPEERS - 1 - k; /* -1: varscope; first in even rounds, last in odd */
          if (who >= 0 && !live[who]) continue;
          double p0[NPEERS], c0 = cpu_now();
          for (int p = 0; p < NPEERS; p++) p0[p] = live[p] && p != who ? peer_cpu_seconds(&pr[p]) : -1;
          if (who < 0) {
            ok = gemm_round(&run, reps, &vw[r], &vc[r], st);
          } else {
            live[who] = peer_ask(&pr[who], cmd, i, &pw[who][r], &pc[who][r]);
            vs_idle = fmax(vs_idle, cpu_now() - c0);
          }
          for (int p = 0; p < NPEERS; p++) {
            double p1 = p0[p] >= 0 ? peer_cpu_seconds(&pr[p]) : -1;
            if (p1 >= p0[p] && p0[p] >= 0) idle[p] = fmax(idle[p], p1 - p0[p]);
          }
          if (who >= 0 && live[who]) settled[who] = fmax(settled[who], peer_settle(&pr[who], 1000));
        }
      if (!ok) {
        printf("  %6ld failed: %s\n", sizes[i], vs_status_message(st));
        vs_status_set(st, VS_OK, NULL);
        gemm_free(&run);
        continue;
      }
      gemm_free(&run);
      char algo[64];
      chosen(d, sizes[i], in.tf32_matrix_units, algo, sizeof algo, st);
      double lo, hi, w[MAX_ROUNDS], c[MAX_ROUNDS];
      memcpy(w, vw, sizeof w);
      memcpy(c, vc, sizeof c);
      double s = peer_median(w, rounds, &lo, &hi), cpu = peer_median(c, rounds, &lo, &hi);
      printf("  %6ld %-26s %9.2f %8.1f %6.1f%% %8.2f %6.2f", sizes[i], algo, s * 1e3, flop / s / 1e9,
             100.0 * flop / s / 1e9 / peak, cpu * 1e3, vs_idle * 1e3);
      for (int p = 0; p < NPEERS; p++) {
        if (!shown[p]) continue;
        if (!live[p]) {
          printf(" | %8s %15s %8s %15s %6s", "-", "-", "-", "-", "-");
          continue;
        }
        double rw[MAX_ROUNDS], rc[MAX_ROUNDS];
        for (int r = 0; r < rounds; r++) rw[r] = pw[p][r] / vw[r], rc[r] = pc[p][r] / vc[r];
        memcpy(w, pw[p], sizeof w);
        memcpy(c, pc[p], sizeof c);
        double ps = peer_median(w, rounds, &lo, &hi), pcs = peer_median(c, rounds, &lo, &hi);
        char ratio_w[32], ratio_c[32];
        double m = peer_median(rw, rounds, &lo, &hi);
        snprintf(ratio_w, sizeof ratio_w, "%.2f %.2f-%.2f", m, lo, hi);
        m = peer_median(rc, rounds, &lo, &hi);
        snprintf(ratio_c, sizeof ratio_c, "%.2f %.2f-%.2f", m, lo, hi);
        printf(" | %8.1f %15s %8.2f %15s %6.2f", flop / ps / 1e9, ratio_w, pcs * 1e3, ratio_c, idle[p] * 1e3);
      }
      printf("\n");
      for (int p = 0; p < NPEERS; p++)
        if (shown[p] && !live[p]) peer_print_refused(&pr[p], names[p]);
      fflush(stdout);
    }
  }
  print_load("after");
  for (int p = 0; p < NPEERS; p++)
    if (shown[p] && pr[p].why[0]) printf("peer %s: %s\n", names[p], pr[p].why);
    else if (shown[p])
      printf("after each %s answer, its threads were asleep within %.1f ms (waited out before the next timing)\n",
             names[p], settled[p]);
  printf("\n(ms, GFLOP/s, of peak, cpu ms: varscope, medians over the rounds of each round's median; a peer's "
         "columns: its GFLOP/s, then the median over the rounds of each round's time ratio peer / varscope and its "
         "min-max over the rounds, wall and CPU: above 1, varscope is faster; idle (varscope's and each peer's): the "
         "most CPU ms that side used while another side was being timed, its threads asleep when ~0)\n");
  for (int p = 0; p < NPEERS; p++) peer_stop(&pr[p]);
  vs_status_free(st);
  return 0;
}
