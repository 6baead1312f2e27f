/* conv_bench - GFLOP/s of conv2d + bias_add + relu forward (NHWC, SAME;
 * stride 1, and stride 2 for the downsampling layers, cases 5-7) on every
 * OpenCL device present, against the device's measured fp32 peak and
 * TensorFlow's CPU build on the same shapes in the same minutes; when
 * OpenBLAS is built in, also a host im2col + OpenBLAS sgemm baseline.
 *
 * Usage: conv_bench [--no-tf | --peer tf|torch|torch-tf32] [--no-blas] [--tf32] [--rounds R] [--case I]...
 *                   [--set ALGO]... [reps]     (default reps 5, R 5)
 *
 * --tf32: varscope's sessions with tensor_float_32_execution on (TF32
 * products where the device has matrix units: the TF32 implicit GEMM and
 * TF32 GEMMs join the measured choice), the peer to compare with being
 * --peer torch-tf32 (cuDNN with TF32 allowed).
 *
 * --peer (default tf) picks the peer: TensorFlow's CPU build, or PyTorch
 * (cuDNN on a CUDA GPU, channels_last inputs, cudnn.benchmark; torch: TF32
 * off, FP32; torch-tf32: TF32 allowed, what TF does by default on Ampere
 * and later GPUs; on the CPU when PyTorch sees no GPU). The python is
 * VARSCOPE_TF_PYTHON (a GPU host's python3 with PyTorch) or the oracle's
 * venv. The columns name it (TF, torch, TF32).
 *
 * TensorFlow runs as a co-process (bench/conv_tf.py --serve in the oracle's
 * venv, started before any OpenCL call: see peer.h). Each case is timed in
 * R rounds; a round times varscope (median of reps runs) and TF (median of
 * reps runs) back to back, varscope first in even rounds, TF first in odd
 * ones. This VM's speed drifts by 15-40% over tens of seconds, so the
 * two sides must share the same seconds: the ratio printed, TF / varscope
 * time (above 1: varscope is faster), is the median of the per-round
 * ratios, with their min-max over the rounds, in wall time and in CPU
 * seconds of each process (all threads), which a machine shared with other
 * work disturbs far less. The other columns are medians over the rounds
 * of each round's median. "TF idle" / "vs idle": the most CPU one side
 * used in a round while the other was being timed (read from the kernel's
 * per-process CPU clocks): ~0 says the idle side's thread pools sleep
 * rather than spin; after each TF answer the bench waits until TF's CPU
 * clock stops moving (peer_settle) before it times anything. (The earlier way, TF's whole run first and
 * then varscope's, compared two different minutes: gone.) With the venv
 * missing, or TF failing or dying mid-run, varscope's side is still
 * printed, and the reason.
 *
 * --set ALGO (up to 8, VARSCOPE_CONV's values) times each set in one
 * process, the sets taking turns run by run: one row per set, an A/B that
 * the load of a shared machine does not tilt towards either.
 * --no-blas skips the host OpenBLAS baseline (minutes on the large shapes,
 * and it dominates a `perf record` of the run).
 * VARSCOPE_CONV=direct|direct:RM,NV,UC,LY,RW[,RH]|im2col|convgemm|igemm[:...]|pointwise[:RM,NV,LY[,PF]]|auto selects the
 * device algorithm (default auto). */
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

typedef struct shape_case {
  const char *what;
  int n, h, w, c, k, kh, kw;
  int stride; /* both spatial strides; the output is ceil(h / stride) x ceil(w / stride) (SAME) */
} shape_case;

static const shape_case CASES[] = {
    {"image filter 5x5 32->32", 8, 64, 64, 32, 32, 5, 5, 1},
    {"image filter 5x5 32->32", 32, 64, 64, 32, 32, 5, 5, 1},
    {"image filter 5x5 32->32", 8, 128, 128, 32, 32, 5, 5, 1},
    {"image filter 5x5 32->32", 32, 128, 128, 32, 32, 5, 5, 1},
    {"3x3 64->64", 8, 64, 64, 64, 64, 3, 3, 1},
    /* the downsampling layers of ResNet / VGG-style networks */
    {"3x3/2 64->64", 8, 64, 64, 64, 64, 3, 3, 2},
    {"3x3/2 32->64", 8, 128, 128, 32, 64, 3, 3, 2},
    {"1x1/2 64->128", 8, 64, 64, 64, 128, 1, 1, 2},
    /* ResNet's bottleneck expansion: a 1x1 stride 1 is a GEMM of the input
     * itself (conv2d.c's im2col route skips the im2col; its pointwise route
     * reads it in place, each work-item over all 256 channels) */
    {"1x1 64->256", 8, 64, 64, 64, 256, 1, 1, 1},
};

/* Multiply-adds of a case times two: the output pixels (SAME: the input's
 * extent over the stride, rounded up), each a KH*KW*C dot product per
 * filter. */
static double case_flop(const shape_case *sc) {
  double oh = (sc->h + sc->stride - 1) / sc->stride, ow = (sc->w + sc->stride - 1) / sc->stride;
  return 2.0 * sc->n * oh * ow * sc->kh * sc->kw * sc->c * sc->k;
}

/* CPU seconds of this process, all its threads (the device's, on a CPU
 * device): on a machine shared with other work, wall time measures the
 * sharing as much as the code; CPU time much less so. */
static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

#define MAX_SETS 8
#define MAX_ROUNDS 64

/* One case's conv+bias+relu on one device, built and warmed up, timed
 * round after round. The input and filter live in variables, so a run
 * moves no data to the device. */
typedef struct conv_run {
  vs_graph *g;
  vs_session *s;
  vs_output y;
} conv_run;

/* --tf32: every session with tensor_float_32_execution on. */
static bool tf32;

/* Builds sc's graph on device dev, initialises it and runs it twice per
 * set (kernel builds, autotuning: untimed). false on failure (st says
 * why); conv_free in every case. */
static bool conv_setup(conv_run *r, const shape_case *sc, size_t dev, const char *const *sets, int nsets,
                       vs_status *st) {
  r->g = vs_graph_new();
  r->s = NULL;
  char device[32];
  snprintf(device, sizeof device, "/device:CL:%zu", dev);
  vs_device_push(r->g, device, st);
  vs_var *x = vs_get_variable(r->g, "x", &(vs_var_opts){.shape = VS_SHAPE(sc->n, sc->h, sc->w, sc->c),
                                                         .initializer = vs_random_uniform_initializer(-1, 1, 1)}, st);
  vs_var *f = vs_get_variable(r->g, "f", &(vs_var_opts){.shape = VS_SHAPE(sc->kh, sc->kw, sc->c, sc->k),
                                                         .initializer = vs_glorot_uniform_initializer(2)}, st);
  vs_var *b = vs_get_variable(r->g, "b", &(vs_var_opts){.shape = VS_SHAPE(sc->k), .initializer = vs_zeros_initializer()}, st);
  vs_output y = vs_conv2d(r->g, vs_var_value(x), vs_var_value(f), &(vs_conv2d_opts){.padding = "SAME", .strides = {1, sc->stride, sc->stride, 1}}, st);
  r->y = vs_relu(r->g, vs_bias_add(r->g, y, vs_var_value(b), NULL, st), NULL, st);
  vs_op *init = vs_global_variables_initializer(r->g, st);
  vs_device_pop(r->g, st);
  vs_session_opts opts = {.tensor_float_32_execution = tf32};
  r->s = vs_status_code(st) ? NULL : vs_session_new(r->g, &opts, st);
  if (!r->s) return false;
  vs_session_run(r->s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  for (int i = 0; i < 2 && !vs_status_code(st); i++)
    for (int k = 0; k < (nsets ? nsets : 1) && !vs_status_code(st); k++) {
      if (nsets) setenv("VARSCOPE_CONV", sets[k], 1);
      vs_session_run(r->s, NULL, NULL, 0, NULL, NULL, 0, &r->y.op, 1, st);
    }
  return !vs_status_code(st);
}

static void conv_free(conv_run *r) {
  vs_session_free(r->s);
  vs_graph_free(r->g);
}

/* One round of varscope's side: median wall and CPU seconds of reps runs
 * for each of the nsets algorithms in sets (VARSCOPE_CONV values, set
 * before each run, so the sets take turns run by run under the same load:
 * an A/B that the other work of a shared machine does not tilt); nsets 0:
 * one result, with VARSCOPE_CONV as it is. false on failure. */
static bool conv_round(conv_run *r, int reps, const char *const *sets, int nsets, double *wall, double *cpu,
                       vs_status *st) {
  int n = nsets ? nsets : 1;
  double *t = calloc((size_t)(reps * n), sizeof *t), *c = calloc((size_t)(reps * n), sizeof *c);
  for (int i = 0; t && c && i < reps && !vs_status_code(st); i++)
    for (int k = 0; k < n && !vs_status_code(st); k++) {
      if (nsets) setenv("VARSCOPE_CONV", sets[k], 1);
      double t0 = now(), c0 = cpu_now();
      vs_session_run(r->s, NULL, NULL, 0, NULL, NULL, 0, &r->y.op, 1, st);
      t[k * reps + i] = now() - t0, c[k * reps + i] = cpu_now() - c0;
    }
  bool ok = t && c && !vs_status_code(st);
  for (int k = 0; ok && k < n; k++) {
    qsort(t + k * reps, (size_t)reps, sizeof *t, cmp_double);
    qsort(c + k * reps, (size_t)reps, sizeof *c, cmp_double);
    wall[k] = t[k * reps + reps / 2];
    cpu[k] = c[k * reps + reps / 2];
  }
  free(t);
  free(c);
  return ok;
}

#ifdef VS_HAVE_OPENBLAS
/* Host inputs for the OpenBLAS baseline (the device path makes its own). */
static float *random_array(size_t n, unsigned seed) {
  float *a = malloc(n * sizeof *a);
  for (size_t i = 0; a && i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    a[i] = (float)(seed >> 8) / 16777216.0f - 0.5f;
  }
  return a;
}

/* Host baseline: im2col into a buffer, one sgemm, bias+relu. SAME padding
 * as TF places it: the total (oh-1)*stride + k - h, its smaller half
 * before. */
static double openblas_seconds(const shape_case *sc, int reps) {
  int s = sc->stride, oh = (sc->h + s - 1) / s, ow = (sc->w + s - 1) / s;
  int ph = ((oh - 1) * s + sc->kh - sc->h) / 2, pw = ((ow - 1) * s + sc->kw - sc->w) / 2;
  if (ph < 0) ph = 0;
  if (pw < 0) pw = 0;
  size_t M = (size_t)sc->n * oh * ow, KC = (size_t)sc->kh * sc->kw * sc->c;
  float *x = random_array((size_t)sc->n * sc->h * sc->w * sc->c, 1), *f = random_array(KC * sc->k, 2);
  float *cols = malloc(M * KC * sizeof *cols), *out = malloc(M * sc->k * sizeof *out);
  double *t = calloc((size_t)reps, sizeof *t), med = -1;
  if (x && f && cols && out && t) {
    for (int rep = -1; rep < reps; rep++) {
      double t0 = now();
      for (int n = 0; n < sc->n; n++)
        for (int i = 0; i < oh; i++)
          for (int j = 0; j < ow; j++) {
            float *row = cols + (((size_t)n * oh + i) * ow + j) * KC;
            for (int a = 0; a < sc->kh; a++)
              for (int b = 0; b < sc->kw; b++) {
                int ih = i * s - ph + a, iw = j * s - pw + b;
                float *dst = row + ((size_t)a * sc->kw + b) * sc->c;
                if (ih < 0 || ih >= sc->h || iw < 0 || iw >= sc->w) memset(dst, 0, sc->c * sizeof *dst);
                else memcpy(dst, x + (((size_t)n * sc->h + ih) * sc->w + iw) * sc->c, sc->c * sizeof *dst);
              }
          }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)M, sc->k, (int)KC, 1.0f, cols, (int)KC, f, sc->k,
                  0.0f, out, sc->k);
      for (size_t i = 0; i < M * sc->k; i++) out[i] = out[i] > 0 ? out[i] : 0;
      if (rep >= 0) t[rep] = now() - t0;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    med = t[reps / 2];
  }
  free(x);
  free(f);
  free(cols);
  free(out);
  free(t);
  return med;
}
#endif

#define NCASES (sizeof CASES / sizeof CASES[0])

/* --peer's values (bench/conv_tf.py's PEER) and each one's name in the
 * table's columns; NULL for anything else. */
static const char *peer_column(const char *kind) {
  static const char *const kinds[][2] = {{"tf", "TF"}, {"torch", "torch"}, {"torch-tf32", "TF32"}};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strcmp(kind, kinds[i][0]) == 0) return kinds[i][1];
  return NULL;
}

int main(int argc, char **argv) {
  int reps = 5, rounds = 5, tf = 1, blas = 1, nsets = 0;
  const char *peer_kind = "tf";
  int only[NCASES], nonly = 0;
  const char *sets[MAX_SETS];
  for (int a = 1; a < argc; a++) {
    if (strcmp(argv[a], "--no-tf") == 0) tf = 0;
    else if (strcmp(argv[a], "--peer") == 0 && a + 1 < argc && peer_column(argv[a + 1])) peer_kind = argv[++a];
    else if (strcmp(argv[a], "--no-blas") == 0) blas = 0;
    else if (strcmp(argv[a], "--tf32") == 0) tf32 = true;
    else if (strcmp(argv[a], "--set") == 0 && a + 1 < argc && nsets < MAX_SETS) sets[nsets++] = argv[++a];
    else if (strcmp(argv[a], "--case") == 0 && a + 1 < argc && nonly < (int)NCASES) only[nonly++] = atoi(argv[++a]);
    else if (strcmp(argv[a], "--rounds") == 0 && a + 1 < argc) rounds = atoi(argv[++a]);
    else if (atoi(argv[a]) > 0) reps = atoi(argv[a]);
    else {
      fprintf(stderr, "usage: conv_bench [--no-tf | --peer tf|torch|torch-tf32] [--no-blas] [--tf32] [--rounds R] "
                      "[--case I]... [--set ALGO]... [reps]\n");
      return 2;
    }
  }
  if (rounds < 1) rounds = 1;
  if (rounds > MAX_ROUNDS) rounds = MAX_ROUNDS;
  bool want[NCASES];
  for (size_t i = 0; i < NCASES; i++) {
    want[i] = nonly == 0;
    for (int k = 0; k < nonly; k++) want[i] = want[i] || only[k] == (int)i;
  }
  /* TensorFlow as a co-process, started (and its import done) before any
   * OpenCL call: posix_spawn, nothing forks after OpenCL is up. */
  peer_proc peer = {.pid = 0, .to = -1, .from = -1, .why = "not run (--no-tf)"};
  char py[512];
  const char *P = peer_column(peer_kind); /* the peer's name in the columns */
  if (tf && bench_tf_python(py, sizeof py, peer.why, sizeof peer.why)) {
    char *pargv[] = {py, VS_SOURCE_DIR "/bench/conv_tf.py", (char *)peer_kind, "--serve", NULL};
    fprintf(stderr, "conv_bench: starting the peer (%s bench/conv_tf.py %s --serve)...\n", py, peer_kind);
    peer_start(&peer, pargv, NULL);
  }
  vs_status *st = vs_status_new();
  size_t ndev = vs_num_devices(st);
  const char *algo = getenv("VARSCOPE_CONV");
  printf("conv2d + bias_add + relu forward, NHWC, SAME, stride 1 (/2: stride 2); %d rounds of varscope and %s back to "
         "back (who goes first alternating), each side a median of %d runs; algorithm %s\n", rounds, P, reps,
         nsets ? "per row (--set: the sets take turns run by run)" : algo ? algo : "auto");
  printf("peer: %s\n", peer.label[0] ? peer.label : peer.why);
  char load[128];
  double settled = 0; /* the longest wait for TF's threads to fall asleep after an answer, ms */
  printf("load average before: %s\n", peer_load_average(load, sizeof load));
  for (size_t d = 0; d < ndev; d++) {
    vs_device_info in;
    vs_device_get_info(d, &in, st);
    double peak = vs_device_fp32_peak(d, st);
    printf("\n%s %s [%s]: measured fp32 peak %.1f GFLOP/s%s\n", in.cl_name, in.name, in.device_name, peak,
           !tf32 ? "" : in.tf32_matrix_units ? "; --tf32: TF32 matrix units, TF32 allowed"
                                             : "; --tf32: no TF32 matrix units, float32 as without it");
    char h_ratio[16], h_cpu[16], h_ratio_cpu[24], h_idle[16];
    snprintf(h_ratio, sizeof h_ratio, "vs / %s", P);
    snprintf(h_cpu, sizeof h_cpu, "%s cpu", P);
    snprintf(h_ratio_cpu, sizeof h_ratio_cpu, "vs / %s cpu", P);
    snprintf(h_idle, sizeof h_idle, "%s idle", P);
    printf("  %-26s %-18s %8s %8s %7s %8s %15s | %8s %8s %15s | %10s %8s\n", "layer", "input NHWC", "ms", "GFLOP/s",
           "of peak", P, h_ratio, "cpu ms", h_cpu, h_ratio_cpu, h_idle, "vs idle");
    for (size_t i = 0; i < NCASES; i++) {
      if (!want[i]) continue;
      const shape_case *sc = &CASES[i];
      double flop = case_flop(sc);
      char shape[48];
      snprintf(shape, sizeof shape, "%dx%dx%dx%d", sc->n, sc->h, sc->w, sc->c);
      /* [round][set] for varscope, [round] for TF; idle: CPU seconds the
       * side not being timed used meanwhile (its threads should sleep). */
      static double vw[MAX_ROUNDS][MAX_SETS], vc[MAX_ROUNDS][MAX_SETS];
      double tw[MAX_ROUNDS] = {0}, tc[MAX_ROUNDS] = {0}, tf_idle = 0, vs_idle = 0;
      conv_run run;
      bool ok = conv_setup(&run, sc, d, sets, nsets, st), have_tf = !peer.why[0];
      char cmd[64];
      snprintf(cmd, sizeof cmd, "run %zu %d", i, reps);
      for (int r = 0; ok && r < rounds; r++)
        for (int half = 0; ok && half < 2; half++) {
          if ((half == 0) == (r % 2 == 0)) {
            double p0 = have_tf ? peer_cpu_seconds(&peer) : -1;
            ok = conv_round(&run, reps, sets, nsets, vw[r], vc[r], st);
            double p1 = p0 >= 0 ? peer_cpu_seconds(&peer) : -1;
            if (p1 >= p0 && p0 >= 0) tf_idle = fmax(tf_idle, p1 - p0);
          } else if (have_tf) {
            double c0 = cpu_now();
            have_tf = peer_ask(&peer, cmd, (int)i, &tw[r], &tc[r]);
            vs_idle = fmax(vs_idle, cpu_now() - c0);
            if (have_tf) settled = fmax(settled, peer_settle(&peer, 1000));
          }
        }
      if (!ok) {
        printf("  %-26s %-18s failed: %s\n", sc->what, shape, vs_status_message(st));
        vs_status_set(st, VS_OK, NULL);
        conv_free(&run);
        continue;
      }
      conv_free(&run);
      double lo, hi, tfs = 0, tfc = 0;
      if (have_tf) {
        double v[MAX_ROUNDS];
        memcpy(v, tw, sizeof v);
        tfs = peer_median(v, rounds, &lo, &hi);
        memcpy(v, tc, sizeof v);
        tfc = peer_median(v, rounds, &lo, &hi);
      }
      for (int k = 0; k < (nsets ? nsets : 1); k++) {
        double w[MAX_ROUNDS], c[MAX_ROUNDS], rw[MAX_ROUNDS], rc[MAX_ROUNDS];
        for (int r = 0; r < rounds; r++) {
          w[r] = vw[r][k], c[r] = vc[r][k];
          rw[r] = have_tf ? tw[r] / w[r] : 0, rc[r] = have_tf ? tc[r] / c[r] : 0;
        }
        double s = peer_median(w, rounds, &lo, &hi), cs = peer_median(c, rounds, &lo, &hi);
        char ratio_w[32] = "-", ratio_c[32] = "-", tf_rate[16] = "-", tf_cpu[16] = "-", idle_t[16] = "-";
        if (have_tf) {
          double m = peer_median(rw, rounds, &lo, &hi);
          snprintf(ratio_w, sizeof ratio_w, "%.2f %.2f-%.2f", m, lo, hi);
          m = peer_median(rc, rounds, &lo, &hi);
          snprintf(ratio_c, sizeof ratio_c, "%.2f %.2f-%.2f", m, lo, hi);
          snprintf(tf_rate, sizeof tf_rate, "%.1f", flop / tfs / 1e9);
          snprintf(tf_cpu, sizeof tf_cpu, "%.2f", tfc * 1e3);
          snprintf(idle_t, sizeof idle_t, "%.2f", tf_idle * 1e3);
        }
        printf("  %-26s %-18s %8.2f %8.1f %6.1f%% %8s %15s | %8.2f %8s %15s | %10s", sc->what, shape, s * 1e3,
               flop / s / 1e9, 100.0 * flop / s / 1e9 / peak, tf_rate, ratio_w, cs * 1e3, tf_cpu, ratio_c, idle_t);
        if (have_tf) printf(" %8.2f", vs_idle * 1e3);
        else printf(" %8s", "-");
        printf(nsets ? "  %s\n" : "%s\n", nsets ? sets[k] : "");
        if (!have_tf && k == 0) peer_print_refused(&peer, P);
        fflush(stdout);
      }
    }
  }
  printf("load average after: %s\n", peer_load_average(load, sizeof load));
  if (peer.why[0] && tf) printf("peer: %s\n", peer.why);
  else if (tf) printf("after each %s answer, its threads were asleep within %.1f ms (waited out before the next timing)\n",
                      P, settled);
  printf("\n(ms, GFLOP/s, of peak, cpu ms: varscope, medians over the rounds of each round's median; %s, %s cpu: the "
         "same for the peer; vs / %s: the median over the rounds of each round's time ratio %s / varscope, then "
         "its min-max over the rounds: above 1, varscope is faster; %s idle, vs idle: the most CPU ms one side used in "
         "a round while the other was timed, its threads asleep when ~0)\n", P, P, P, P, P);
  peer_stop(&peer);
#ifdef VS_HAVE_OPENBLAS
  for (size_t i = 0; i < NCASES && !blas; i++) want[i] = false;
  if (blas) printf("\nhost im2col + OpenBLAS sgemm (OPENBLAS_NUM_THREADS=%s):\n",
         getenv("OPENBLAS_NUM_THREADS") ? getenv("OPENBLAS_NUM_THREADS") : "default");
  for (size_t i = 0; i < NCASES; i++) {
    if (!want[i]) continue;
    const shape_case *sc = &CASES[i];
    double flop = case_flop(sc), s = openblas_seconds(sc, reps);
    char shape[48];
    snprintf(shape, sizeof shape, "%dx%dx%dx%d", sc->n, sc->h, sc->w, sc->c);
    printf("  %-26s %-18s %10.2f %10.1f\n", sc->what, shape, s * 1e3, flop / s / 1e9);
  }
#else
  (void)blas;
  printf("\nhost OpenBLAS baseline: not built (install libopenblas-dev and rebuild)\n");
#endif
  vs_status_free(st);
  return 0;
}
