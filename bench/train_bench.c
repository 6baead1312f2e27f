/* train_bench - training steps per second of the small CNN of
 * examples/cnn_model.h (Adam, global step, one fed batch per step, the
 * loss fetched), beside TensorFlow's CPU in the same run.
 *
 *   train_bench [--no-tf] [BATCH...]      (default batches: 32 128)
 *
 * Each figure is the median of REPS timings of STEPS steps after 20 warm-up
 * steps; a step is one session run fetching the loss with the train op as
 * target. TensorFlow's figures come from bench/train_tf.py (the same model,
 * optimizer and feeds), run to completion with $VARSCOPE_TF_PYTHON, else the
 * oracle's venv, before this process makes any OpenCL call (the two never
 * share the cores, and nothing forks after OpenCL is up). When Conv2D has no
 * gradient in this build, both sides time the MLP of the same widths, and
 * the table says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../examples/cnn_model.h"
#include "bench.h"

enum { STEPS = 50, REPS = 5, MAX_SIZES = 8 };

typedef struct tf_figures {
  char version[32];
  double steps_per_s[MAX_SIZES];
  char why[640]; /* why there are none (names a path) */
} tf_figures;

/* Runs bench/train_tf.py for the batch sizes and reads its figures. */
static void tf_run(const long *sizes, int n, bool mlp, tf_figures *tf) {
  memset(tf, 0, sizeof *tf);
  char py[512];
  if (!bench_tf_python(py, sizeof py, tf->why, sizeof tf->why)) return;
  char *argv[MAX_SIZES + 6], nums[MAX_SIZES + 2][24];
  int argc = 0;
  argv[argc++] = py;
  argv[argc++] = VS_SOURCE_DIR "/bench/train_tf.py";
  if (mlp) argv[argc++] = "--mlp";
  snprintf(nums[0], sizeof nums[0], "%d", STEPS);
  snprintf(nums[1], sizeof nums[1], "%d", REPS);
  argv[argc++] = nums[0];
  argv[argc++] = nums[1];
  for (int i = 0; i < n; i++) {
    snprintf(nums[i + 2], sizeof nums[i + 2], "%ld", sizes[i]);
    argv[argc++] = nums[i + 2];
  }
  argv[argc] = NULL;
  fprintf(stderr, "train_bench: TensorFlow first (%s bench/train_tf.py)...\n", py);
  pid_t pid;
  FILE *f = bench_spawn_reading(argv, &pid);
  if (!f) {
    snprintf(tf->why, sizeof tf->why, "could not start %s", py);
    return;
  }
  char line[256];
  while (fgets(line, sizeof line, f)) {
    long b;
    double x;
    if (sscanf(line, "tf_version %31s", tf->version) == 1) continue;
    if (sscanf(line, "steps_per_s %ld %lf", &b, &x) == 2)
      for (int i = 0; i < n; i++)
        if (sizes[i] == b) tf->steps_per_s[i] = x;
  }
  fclose(f);
  int wst = 0;
  waitpid(pid, &wst, 0);
  if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0) snprintf(tf->why, sizeof tf->why, "train_tf.py failed (status %d)", wst);
}

static int fail(vs_status *st, const char *what) {
  fprintf(stderr, "train_bench: %s: %s: %s\n", what, vs_status_exception_name(st), vs_status_message(st));
  return 1;
}

typedef struct built {
  vs_graph *g;
  vs_optimizer *opt;
  cnn_model m;
  vs_op *train;
  bool conv;
} built;

/* The model and its train op for one batch size: the CNN, or the MLP when
 * Conv2D has no gradient (vs_gradients' LookupError). No OpenCL call. */
static int build(long batch, built *b, vs_status *st) {
  for (int conv = 1; conv >= 0; conv--) {
    b->g = vs_graph_new();
    vs_graph_set_random_seed(b->g, 1);
    b->m = cnn_build(b->g, batch, conv, st);
    vs_var *step = vs_train_get_or_create_global_step(b->g, st);
    b->opt = vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.01)}, st);
    if (!vs_status_code(st))
      b->train = vs_optimizer_minimize(b->opt, b->m.loss, &(vs_minimize_opts){.global_step = step}, st);
    b->conv = conv;
    if (b->train) return 0;
    bool retry = conv && vs_status_code(st) == VS_NOT_FOUND;
    vs_optimizer_free(b->opt);
    vs_graph_free(b->g);
    b->opt = NULL;
    b->g = NULL;
    if (!retry) return fail(st, "build");
  }
  return 1;
}

/* Our steps per second for a built model. */
static int ours(long batch, built *b, double *steps_per_s, vs_status *st) {
  vs_session *s = vs_session_new(b->g, NULL, st);
  if (!s) return fail(st, "session");
  vs_op *init = vs_global_variables_initializer(b->g, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  if (vs_status_code(st)) {
    vs_session_free(s);
    return fail(st, "initialise");
  }
  enum { NB = 8 };
  vs_tensor *xs[NB], *ys[NB];
  uint32_t seed = 7;
  for (int i = 0; i < NB; i++) {
    xs[i] = vs_tensor_new(VS_FLOAT, VS_SHAPE(batch, CNN_SIDE, CNN_SIDE, 1), NULL, st);
    ys[i] = vs_tensor_new(VS_FLOAT, VS_SHAPE(batch, CNN_CLASSES), NULL, st);
    if (xs[i] && ys[i]) cnn_batch(&seed, batch, vs_tensor_data(xs[i]), vs_tensor_data(ys[i]));
  }
  vs_output feeds[2] = {b->m.x, b->m.y};
  double times[REPS];
  int rc = 0;
  for (int r = -1; r < REPS && !rc; r++) { /* r = -1: the warm-up */
    int n = r < 0 ? 20 : STEPS;
    double t0 = now();
    for (int i = 0; i < n && !rc; i++) {
      vs_tensor *vals[2] = {xs[i % NB], ys[i % NB]}, *loss = NULL;
      vs_session_run(s, feeds, vals, 2, &b->m.loss, &loss, 1, &b->train, 1, st);
      vs_tensor_free(loss);
      if (vs_status_code(st)) rc = fail(st, "step");
    }
    if (r >= 0) times[r] = now() - t0;
  }
  if (!rc) {
    qsort(times, REPS, sizeof times[0], cmp_double);
    *steps_per_s = STEPS / times[REPS / 2];
  }
  for (int i = 0; i < NB; i++) {
    vs_tensor_free(xs[i]);
    vs_tensor_free(ys[i]);
  }
  vs_session_free(s);
  return rc;
}

int main(int argc, char **argv) {
  long sizes[MAX_SIZES];
  int n = 0;
  bool with_tf = true;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--no-tf") == 0) with_tf = false;
    else if (n < MAX_SIZES && atol(argv[i]) > 0) sizes[n++] = atol(argv[i]);
    else {
      fprintf(stderr, "usage: train_bench [--no-tf] [BATCH...]\n");
      return 2;
    }
  }
  if (!n) {
    sizes[n++] = 32;
    sizes[n++] = 128;
  }
  vs_status *st = vs_status_new();
  built b[MAX_SIZES] = {{0}};
  int rc = 0;
  for (int i = 0; i < n && !rc; i++) rc = build(sizes[i], &b[i], st);
  bool conv = !rc && b[0].conv;
  tf_figures tf = {0};
  if (!rc && with_tf) tf_run(sizes, n, !conv, &tf);
  else snprintf(tf.why, sizeof tf.why, "--no-tf");
  double mine[MAX_SIZES] = {0};
  for (int i = 0; i < n && !rc; i++) rc = ours(sizes[i], &b[i], &mine[i], st);
  if (!rc) {
    printf("train_bench: %s (examples/cnn_model.h), AdamOptimizer.minimize + global step, one fed batch and the loss\n"
           "fetched per step; median of %d x %d steps. varscope on the default OpenCL device; TensorFlow %s CPU.\n",
           conv ? "the small CNN" : "the MLP of the CNN's widths (Conv2D has no gradient in this build)", REPS, STEPS,
           tf.version[0] ? tf.version : "(none)");
    printf("  %-6s %14s %14s %8s\n", "batch", "varscope st/s", "TF st/s", "ratio");
    for (int i = 0; i < n; i++) {
      char theirs[32] = "-", ratio[32] = "-";
      if (tf.steps_per_s[i] > 0) {
        snprintf(theirs, sizeof theirs, "%.1f", tf.steps_per_s[i]);
        snprintf(ratio, sizeof ratio, "%.2fx", mine[i] / tf.steps_per_s[i]);
      }
      printf("  %-6ld %14.1f %14s %8s\n", sizes[i], mine[i], theirs, ratio);
    }
    if (tf.why[0]) printf("  (TensorFlow: %s)\n", tf.why);
  }
  for (int i = 0; i < n; i++) {
    vs_optimizer_free(b[i].opt);
    vs_graph_free(b[i].g);
  }
  vs_status_free(st);
  return rc;
}
