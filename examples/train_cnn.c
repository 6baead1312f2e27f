/* train_cnn.c - trains the small CNN of cnn_model.h on images it generates
 * (horizontal against vertical bars; nothing is downloaded) and prints the
 * loss curve, the TF1 way:
 *
 *   model = cnn(x)                               # conv1, conv2, logits
 *   step = tf.train.get_or_create_global_step()
 *   train = tf.train.AdamOptimizer(0.01).minimize(model.loss, global_step=step)
 *   sess.run(tf.global_variables_initializer())
 *   for i in range(STEPS): loss, _ = sess.run([model.loss, train], {x: ..., y: ...})
 *
 * Checks: the loss of the last 20 steps is under a quarter of the first
 * step's, the accuracy on a fresh batch is at least 90%, and the global
 * step counted every step. When the library has no gradient for Conv2D
 * (vs_gradients' LookupError), it says so and trains the MLP of the same
 * widths instead. */
#include <stdio.h>
#include <stdlib.h>

#include "cnn_model.h"

enum { BATCH = 32, STEPS = 300 };

static int check(vs_status *st, const char *what) {
  if (vs_status_code(st) == VS_OK) return 0;
  fprintf(stderr, "%s: %s: %s\n", what, vs_status_exception_name(st), vs_status_message(st));
  return 1;
}

int main(void) {
  vs_status *st = vs_status_new();
  vs_graph *g = NULL;
  vs_optimizer *opt = NULL;
  cnn_model m = {0};
  vs_op *train = NULL;
  vs_var *step = NULL;
  for (int conv = 1; conv >= 0 && !train; conv--) {
    vs_optimizer_free(opt);
    vs_graph_free(g);
    g = vs_graph_new();
    vs_graph_set_random_seed(g, 1);
    m = cnn_build(g, BATCH, conv, st);
    step = vs_train_get_or_create_global_step(g, st);
    opt = vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.01)}, st);
    if (check(st, "model")) break;
    train = vs_optimizer_minimize(opt, m.loss, &(vs_minimize_opts){.global_step = step}, st);
    if (!train && conv && vs_status_code(st) == VS_NOT_FOUND) {
      printf("Conv2D has no gradient in this build (%s); training the MLP of the same widths instead\n",
             vs_status_exception_name(st));
      continue;
    }
    if (!check(st, "minimize")) printf("model: %s; train op %s\n", conv ? "CNN (conv1, conv2, logits)" : "MLP", vs_op_name(train));
  }
  int rc = !train;
  vs_session *s = rc ? NULL : vs_session_new(g, NULL, st);
  vs_op *init = s ? vs_global_variables_initializer(g, st) : NULL;
  if (s) vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  rc = rc || check(st, "initialise");
  float *x = malloc(sizeof(float) * BATCH * CNN_SIDE * CNN_SIDE), *y = malloc(sizeof(float) * BATCH * CNN_CLASSES);
  vs_tensor *tx = vs_tensor_new(VS_FLOAT, VS_SHAPE(BATCH, CNN_SIDE, CNN_SIDE, 1), NULL, st);
  vs_tensor *ty = vs_tensor_new(VS_FLOAT, VS_SHAPE(BATCH, CNN_CLASSES), NULL, st);
  uint32_t seed = 2024;
  double first = 0, last = 0;
  vs_output feeds[2] = {m.x, m.y};
  vs_tensor *vals[2] = {tx, ty};
  for (int i = 0; !rc && i < STEPS; i++) {
    cnn_batch(&seed, BATCH, x, y);
    memcpy(vs_tensor_data(tx), x, sizeof(float) * BATCH * CNN_SIDE * CNN_SIDE);
    memcpy(vs_tensor_data(ty), y, sizeof(float) * BATCH * CNN_CLASSES);
    vs_tensor *loss = NULL;
    vs_session_run(s, feeds, vals, 2, &m.loss, &loss, 1, &train, 1, st);
    if ((rc = check(st, "train step"))) break;
    double l = *(float *)vs_tensor_data(loss);
    vs_tensor_free(loss);
    if (i == 0) first = l;
    if (i >= STEPS - 20) last += l / 20;
    if (i % 20 == 0 || i == STEPS - 1) {
      printf("step %3d  loss %.5f  ", i, l);
      for (int k = 0; k < (int)(l * 60 + 0.5) && k < 60; k++) putchar('#');
      putchar('\n');
    }
  }
  if (!rc) { /* accuracy on a fresh batch */
    cnn_batch(&seed, BATCH, x, y);
    memcpy(vs_tensor_data(tx), x, sizeof(float) * BATCH * CNN_SIDE * CNN_SIDE);
    vs_tensor *logits = NULL, *n = NULL;
    vs_session_run(s, &m.x, &tx, 1, &m.logits, &logits, 1, NULL, 0, st);
    rc = check(st, "evaluate");
    n = rc ? NULL : vs_session_variable_value(s, step, st);
    rc = rc || check(st, "global step");
    if (!rc) {
      const float *l = vs_tensor_data(logits);
      int right = 0;
      for (int i = 0; i < BATCH; i++) right += (l[2 * i + 1] > l[2 * i]) == (y[2 * i + 1] > 0.5f);
      long long steps = *(int64_t *)vs_tensor_data(n);
      printf("loss %.5f -> %.5f (mean of the last 20 steps); accuracy on a fresh batch %d/%d; global_step %lld\n",
             first, last, right, BATCH, steps);
      rc = !(last < 0.25 * first) || right < BATCH * 9 / 10 || steps != STEPS;
      if (rc) fprintf(stderr, "NOT TRAINED\n");
    }
    vs_tensor_free(logits);
    vs_tensor_free(n);
  }
  vs_tensor_free(tx);
  vs_tensor_free(ty);
  free(x);
  free(y);
  vs_session_free(s);
  vs_optimizer_free(opt);
  vs_graph_free(g);
  vs_status_free(st);
  return rc;
}
