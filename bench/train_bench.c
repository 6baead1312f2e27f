/* train_bench - training steps per second of the small CNN of
 * examples/cnn_model.h (Adam, global step, one fed batch per step, the
 * loss fetched), beside TensorFlow's CPU in the same minutes.
 *
 *   train_bench [--no-tf] [--rounds R] [BATCH...]      (default R 5; batches: 32 128)
 *
 * A step is one session run fetching the loss with the train op as target.
 * TensorFlow's side is bench/train_tf.py (the same model, optimizer and
 * feeds) as a co-process (--serve; $VARSCOPE_TF_PYTHON, else the oracle's
 * venv), started before this process makes any OpenCL call (nothing forks
 * after OpenCL is up: peer.h). Each batch size is timed in R rounds, each
 * round varscope and TF back to back (each the median of REPS timings of
 * STEPS steps, after 20 untimed warm-up steps per side), varscope first in
 * even rounds and TF first in odd ones: this VM's speed drifts by 15-40%
 * over tens of seconds, and the two sides must share the same seconds.
 * The steps/s printed are medians over the rounds; the ratio is the median
 * of the per-round ratios with their min-max, in wall time and in CPU
 * seconds (all of each process's threads). When Conv2D has no gradient in
 * this build, both sides time the MLP of the same widths, and the table
 * says so. With TF missing, failing or dying, varscope's side is printed
 * with the reason. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../examples/cnn_model.h"
#include "bench.h"
#include "peer.h"

enum { STEPS = 50, REPS = 5, MAX_SIZES = 8, MAX_ROUNDS = 64 };

/* CPU seconds of this process, all its threads (PoCL's on a CPU device). */
static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
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

enum { NB = 8 }; /* fed batches, used in turn */

/* One built model's session and feeds, initialised and warmed up (20
 * steps), timed round after round. */
typedef struct trainer {
  built *b;
  vs_session *s;
  vs_tensor *xs[NB], *ys[NB];
} trainer;

/* Runs n training steps; 0, or fail()'s 1. */
static int steps(trainer *t, int n, vs_status *st) {
  vs_output feeds[2] = {t->b->m.x, t->b->m.y};
  for (int i = 0; i < n; i++) {
    vs_tensor *vals[2] = {t->xs[i % NB], t->ys[i % NB]}, *loss = NULL;
    vs_session_run(t->s, feeds, vals, 2, &t->b->m.loss, &loss, 1, &t->b->train, 1, st);
    vs_tensor_free(loss);
    if (vs_status_code(st)) return fail(st, "step");
  }
  return 0;
}

/* The session, its initialisation, the feeds and the warm-up for a built
 * model; 0, or 1 (said on stderr). trainer_free in every case. */
static int trainer_setup(trainer *t, long batch, built *b, vs_status *st) {
  memset(t, 0, sizeof *t);
  t->b = b;
  t->s = vs_session_new(b->g, NULL, st);
  if (!t->s) return fail(st, "session");
  vs_op *init = vs_global_variables_initializer(b->g, st);
  vs_session_run(t->s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  if (vs_status_code(st)) return fail(st, "initialise");
  uint32_t seed = 7;
  for (int i = 0; i < NB; i++) {
    t->xs[i] = vs_tensor_new(VS_FLOAT, VS_SHAPE(batch, CNN_SIDE, CNN_SIDE, 1), NULL, st);
    t->ys[i] = vs_tensor_new(VS_FLOAT, VS_SHAPE(batch, CNN_CLASSES), NULL, st);
    if (!t->xs[i] || !t->ys[i]) return fail(st, "feeds");
    cnn_batch(&seed, batch, vs_tensor_data(t->xs[i]), vs_tensor_data(t->ys[i]));
  }
  return steps(t, 20, st);
}

static void trainer_free(trainer *t) {
  for (int i = 0; i < NB; i++) {
    vs_tensor_free(t->xs[i]);
    vs_tensor_free(t->ys[i]);
  }
  vs_session_free(t->s);
}

/* One round of our side: the median wall and CPU seconds of REPS timings
 * of STEPS steps; 0, or 1. */
static int trainer_round(trainer *t, double *wall, double *cpu, vs_status *st) {
  double w[REPS], c[REPS];
  for (int r = 0; r < REPS; r++) {
    double t0 = now(), c0 = cpu_now();
    if (steps(t, STEPS, st)) return 1;
    w[r] = now() - t0, c[r] = cpu_now() - c0;
  }
  qsort(w, REPS, sizeof w[0], cmp_double);
  qsort(c, REPS, sizeof c[0], cmp_double);
  *wall = w[REPS / 2];
  *cpu = c[REPS / 2];
  return 0;
}

int main(int argc, char **argv) {
  long sizes[MAX_SIZES];
  int n = 0, rounds = 5;
  bool with_tf = true;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--no-tf") == 0) with_tf = false;
    else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) rounds = atoi(argv[++i]);
    else if (n < MAX_SIZES && atol(argv[i]) > 0) sizes[n++] = atol(argv[i]);
    else {
      fprintf(stderr, "usage: train_bench [--no-tf] [--rounds R] [BATCH...]\n");
      return 2;
    }
  }
  if (rounds < 1) rounds = 1;
  if (rounds > MAX_ROUNDS) rounds = MAX_ROUNDS;
  if (!n) {
    sizes[n++] = 32;
    sizes[n++] = 128;
  }
  vs_status *st = vs_status_new();
  built b[MAX_SIZES] = {{0}};
  int rc = 0;
  for (int i = 0; i < n && !rc; i++) rc = build(sizes[i], &b[i], st);
  bool conv = !rc && b[0].conv;
  /* TF as a co-process, started before the first OpenCL call (the first
   * session): build() makes none. */
  peer_proc tf = {.pid = 0, .to = -1, .from = -1, .why = "--no-tf"};
  char py[512];
  if (!rc && with_tf && bench_tf_python(py, sizeof py, tf.why, sizeof tf.why)) {
    char *pargv[] = {py, VS_SOURCE_DIR "/bench/train_tf.py", "--serve", conv ? NULL : "--mlp", NULL};
    fprintf(stderr, "train_bench: starting TensorFlow (%s bench/train_tf.py --serve)...\n", py);
    peer_start(&tf, pargv, NULL);
  }
  if (!rc) {
    printf("train_bench: %s (examples/cnn_model.h), AdamOptimizer.minimize + global step, one fed batch and the loss\n"
           "fetched per step; %d rounds of varscope and TF back to back (who goes first alternating), each side a\n"
           "median of %d x %d steps. varscope on the default OpenCL device; %s.\n",
           conv ? "the small CNN" : "the MLP of the CNN's widths (Conv2D has no gradient in this build)", rounds, REPS,
           STEPS, tf.label[0] ? tf.label : "no TensorFlow");
    char load[128];
    printf("load average before: %s\n", peer_load_average(load, sizeof load));
    printf("  %-6s %14s %14s %16s %16s\n", "batch", "varscope st/s", "TF st/s", "vs / TF", "vs / TF cpu");
  }
  for (int i = 0; i < n && !rc; i++) {
    trainer t;
    rc = trainer_setup(&t, sizes[i], &b[i], st);
    double vw[MAX_ROUNDS], vc[MAX_ROUNDS], tw[MAX_ROUNDS], tc[MAX_ROUNDS];
    bool have_tf = !tf.why[0];
    char cmd[96];
    snprintf(cmd, sizeof cmd, "run %d %d %ld %d", i, REPS, sizes[i], STEPS);
    for (int r = 0; r < rounds && !rc; r++)
      for (int half = 0; half < 2 && !rc; half++) {
        if ((half == 0) == (r % 2 == 0)) rc = trainer_round(&t, &vw[r], &vc[r], st);
        else if (have_tf && (have_tf = peer_ask(&tf, cmd, i, &tw[r], &tc[r]))) peer_settle(&tf, 1000);
      }
    trainer_free(&t);
    if (rc) break;
    double lo, hi, w[MAX_ROUNDS];
    memcpy(w, vw, sizeof w);
    double mine = STEPS / peer_median(w, rounds, &lo, &hi);
    char theirs[32] = "-", ratio_w[32] = "-", ratio_c[32] = "-";
    if (have_tf) {
      double rw[MAX_ROUNDS], rcpu[MAX_ROUNDS];
      for (int r = 0; r < rounds; r++) rw[r] = tw[r] / vw[r], rcpu[r] = tc[r] / vc[r];
      memcpy(w, tw, sizeof w);
      snprintf(theirs, sizeof theirs, "%.1f", STEPS / peer_median(w, rounds, &lo, &hi));
      double m = peer_median(rw, rounds, &lo, &hi);
      snprintf(ratio_w, sizeof ratio_w, "%.2f %.2f-%.2f", m, lo, hi);
      m = peer_median(rcpu, rounds, &lo, &hi);
      snprintf(ratio_c, sizeof ratio_c, "%.2f %.2f-%.2f", m, lo, hi);
    }
    printf("  %-6ld %14.1f %14s %16s %16s\n", sizes[i], mine, theirs, ratio_w, ratio_c);
    if (!have_tf) peer_print_refused(&tf, "TensorFlow");
    fflush(stdout);
  }
  if (!rc) {
    char load[128];
    printf("load average after: %s\n", peer_load_average(load, sizeof load));
    if (tf.why[0]) printf("  (TensorFlow: %s)\n", tf.why);
    printf("  (st/s: medians over the rounds; vs / TF: the median over the rounds of each round's time ratio TF / "
           "varscope, and its min-max: above 1, varscope is faster)\n");
  }
  peer_stop(&tf);
  for (int i = 0; i < n; i++) {
    vs_optimizer_free(b[i].opt);
    vs_graph_free(b[i].g);
  }
  vs_status_free(st);
  return rc;
}
