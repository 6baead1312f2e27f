/* test_step.c - the host side of a training step (docs/execution.md,
 * "Session 9"): scratch buffers a kernel releases during a run are kept
 * idle for the run's own queue (runtime/device_memory.c) and serve the
 * next runs, which must still compute exactly what fresh buffers would,
 * keep the memory counts right, survive a failing run and not leak
 * between sessions running at once. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../examples/cnn_model.h"
#include "exec/plan.h"
#include "ops/train_ops.h"
#include "runtime/runtime_internal.h"
#include "support.h"

/* ---- the idle list's queue tag, driven directly ---- */

Test(scratch, a_buffer_released_during_a_run_serves_only_that_runs_queue_until_settled) {
  vs_status *st = vs_status_new();
  vs_cl_device *d = vs__device(0, st);
  expect_ok(st);
  cl_int err;
  cl_command_queue q = clCreateCommandQueue(d->context, d->id, 0, &err);
  cr_assert_eq(err, CL_SUCCESS);
  cl_command_queue qs[1] = {q};
  enum { BYTES = 3 * 4096 + 12 }; /* a size nothing else here allocates */
  uint64_t base = vs_device_memory_in_use(0, st), idle0 = vs__buffer_idle_bytes(d);

  vs__queue_bind(qs, 1); /* as a session's run binds its queues */
  cl_mem m = vs__device_buffer(d, BYTES, NULL, VS_FLOAT, st);
  expect_ok(st);
  cr_assert_eq(vs_device_memory_in_use(0, st), base + BYTES);
  vs__buffer_release(m); /* scratch: kept idle for q, not destroyed */
  cr_assert_eq(vs_device_memory_in_use(0, st), base, "released scratch is not in use");
  cr_assert_eq(vs__buffer_idle_bytes(d), idle0 + BYTES, "released scratch is kept idle");
  vs__queue_bind(NULL, 0);

  /* Commands of another queue could overtake q's: not for them. */
  cl_mem other = vs__device_buffer(d, BYTES, NULL, VS_FLOAT, st);
  expect_ok(st);
  cr_assert_neq(other, m, "a buffer q may still use went to the shared queue's allocation");
  vs__buffer_release(other); /* no queue bound: destroyed as before */
  cr_assert_eq(vs__buffer_idle_bytes(d), idle0 + BYTES);

  vs__queue_bind(qs, 1); /* q's next allocation of that size takes it */
  cl_mem again = vs__device_buffer(d, BYTES, NULL, VS_FLOAT, st);
  expect_ok(st);
  cr_assert_eq(again, m);
  vs__buffer_release(again);
  vs__queue_bind(NULL, 0);

  cr_assert_eq(clFinish(q), CL_SUCCESS);
  vs__buffer_settle(qs, 1); /* q finished: anyone's */
  cl_mem any = vs__device_buffer(d, BYTES, NULL, VS_FLOAT, st);
  expect_ok(st);
  cr_assert_eq(any, m, "a settled buffer serves any queue");
  vs__buffer_release(any);
  cr_assert_eq(vs__buffer_idle_bytes(d), idle0);
  cr_assert_eq(vs_device_memory_in_use(0, st), base);
  clReleaseCommandQueue(q);
  vs_status_free(st);
}

/* ---- linear regression against a host reference ----
 * loss = mean((x w - y)^2), w -= lr * dloss/dw, for batches of three sizes
 * (three placeholders and train ops sharing w: gradients need static
 * shapes), taken in turn so that the runs alternate between plans whose
 * kernels see other shapes and release scratch of other sizes; every batch
 * has new values. */

enum { K = 96, MAX_N = 100, NSIZES = 3 };
#define LR 0.05
static const int64_t sizes[NSIZES] = {64, 48, 100};

typedef struct regression {
  vs_graph *g;
  vs_output x[NSIZES], y[NSIZES], loss[NSIZES];
  vs_op *train[NSIZES];
  vs_output bad, y_any; /* x[0] w - y_any, y_any of any length: fails at Sub for another length */
  vs_optimizer *opt;
} regression;

static regression regression_new(vs_status *st) {
  regression m = {.g = vs_graph_new()};
  vs_var *w = vs_get_variable(m.g, "w", &(vs_var_opts){.shape = VS_SHAPE(K, 1), .initializer = vs_zeros_initializer()},
                              st);
  m.opt = vs_gradient_descent_optimizer(LR, NULL, st);
  expect_ok(st);
  for (int b = 0; b < NSIZES; b++) {
    m.x[b] = vs_placeholder(m.g, VS_FLOAT, VS_SHAPE(sizes[b], K), "x", st);
    m.y[b] = vs_placeholder(m.g, VS_FLOAT, VS_SHAPE(sizes[b], 1), "y", st);
    vs_output diff = vs_sub(m.g, vs_matmul(m.g, m.x[b], vs_var_value(w), NULL, st), m.y[b], NULL, st);
    m.loss[b] = vs_reduce_mean(m.g, vs_square(m.g, diff, NULL, st), NULL, st);
    expect_ok(st);
    m.train[b] = vs_optimizer_minimize(m.opt, m.loss[b], NULL, st);
    expect_ok(st);
  }
  m.y_any = vs_placeholder(m.g, VS_FLOAT, (vs_shape){.known = true, .rank = 2, .dims = {-1, 1}}, "y_any", st);
  m.bad = vs_sub(m.g, vs_matmul(m.g, m.x[0], vs_var_value(w), NULL, st), m.y_any, NULL, st);
  expect_ok(st);
  return m;
}

static void regression_free(regression *m) {
  vs_optimizer_free(m->opt);
  vs_graph_free(m->g);
}

/* Step i's batch: the index of its size, and its values (exact in float). */
static int batch_of(int i, float *x, float *y) {
  static const int order[] = {0, 1, 0, 2, 1, 2};
  int b = order[i % 6];
  for (size_t r = 0; r < (size_t)sizes[b]; r++) {
    for (size_t k = 0; k < K; k++) x[r * K + k] = (float)((int)((r * 7 + k * 3 + (size_t)i * 11) % 17) - 8) / 16.0f;
    y[r] = (float)((int)((r * 5 + (size_t)i) % 9) - 4) / 8.0f;
  }
  return b;
}

/* The host's step: returns the loss before the update, updates w. */
static double reference_step(double *w, const float *x, const float *y, size_t n) {
  double loss = 0, grad[K] = {0};
  for (size_t r = 0; r < n; r++) {
    double p = 0;
    for (size_t k = 0; k < K; k++) p += x[r * K + k] * w[k];
    double e = p - y[r];
    loss += e * e;
    for (size_t k = 0; k < K; k++) grad[k] += 2 * e * x[r * K + k] / (double)n;
  }
  for (size_t k = 0; k < K; k++) w[k] -= LR * grad[k];
  return loss / (double)n;
}

/* One training step of size b in s: the fetched loss. */
static float regression_step(regression *m, vs_session *s, int b, const float *x, const float *y, vs_status *st) {
  vs_tensor *xt = vs_tensor_new(VS_FLOAT, VS_SHAPE(sizes[b], K), x, st);
  vs_tensor *yt = vs_tensor_new(VS_FLOAT, VS_SHAPE(sizes[b], 1), y, st);
  expect_ok(st);
  vs_tensor *loss = NULL;
  vs_session_run(s, (vs_output[]){m->x[b], m->y[b]}, (vs_tensor *const[]){xt, yt}, 2, &m->loss[b], &loss, 1,
                 &m->train[b], 1, st);
  float v = loss ? *(const float *)vs_tensor_data(loss) : NAN;
  vs_tensor_free(loss);
  vs_tensor_free(xt);
  vs_tensor_free(yt);
  return v;
}

static void check_loss(float got, double want, int step) {
  cr_assert(fabs(got - want) <= 1e-5 + 1e-4 * fabs(want), "step %d: loss %.9g, the host's %.9g", step, got, want);
}

/* Runs 18 steps against the reference. The bytes in use after a run are
 * those after the same run of the previous round of six (a plan keeps its
 * small constants from its second run on: nothing else may stay); with
 * `idle_cap` set the idle bytes stay under it; with `failing` every other
 * step follows a run that fails midway. */
static void regression_steps(uint64_t idle_cap, bool failing) {
  vs_status *st = vs_status_new();
  regression m = regression_new(st);
  vs_session *s = vs_session_new(m.g, NULL, st);
  expect_ok(st);
  vs_op *init = vs_global_variables_initializer(m.g, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  expect_ok(st);
  vs_cl_device *d = vs__device(0, st);
  expect_ok(st);
  static float x[MAX_N * K], y[MAX_N];
  double w[K] = {0};
  uint64_t in_use[18];
  for (int i = 0; i < 18; i++) {
    int b = batch_of(i, x, y);
    if (failing && i % 2 == 1) {
      /* y_any one row short of x[0]: MatMul has run (and released its
       * scratch) when Sub refuses the shapes. */
      vs_tensor *xt = vs_tensor_new(VS_FLOAT, VS_SHAPE(sizes[0], K), x, st);
      vs_tensor *yt = vs_tensor_new(VS_FLOAT, VS_SHAPE(sizes[0] - 1, 1), y, st);
      expect_ok(st);
      vs_tensor *out = NULL;
      vs_session_run(s, (vs_output[]){m.x[0], m.y_any}, (vs_tensor *const[]){xt, yt}, 2, &m.bad, &out, 1, NULL, 0,
                     st);
      vs_tensor_free(xt);
      vs_tensor_free(yt);
      cr_assert_null(out);
      char want[160];
      snprintf(want, sizeof want, "Incompatible shapes: [%lld,1] vs. [%lld,1]\n\t [[{{node sub_%d}}]]",
               (long long)sizes[0], (long long)sizes[0] - 1, NSIZES);
      expect_error(st, VS_INVALID_ARGUMENT, "InvalidArgumentError", want);
      vs_status_free(st);
      st = vs_status_new();
    }
    float got = regression_step(&m, s, b, x, y, st);
    expect_ok(st);
    check_loss(got, reference_step(w, x, y, (size_t)sizes[b]), i);
    in_use[i] = vs_device_memory_in_use(0, st);
    if (i >= 12) /* every plan has run twice by step 6 */
      cr_assert_eq(in_use[i], in_use[i - 6], "step %d: %llu bytes in use, %llu after step %d", i,
                   (unsigned long long)in_use[i], (unsigned long long)in_use[i - 6], i - 6);
    if (idle_cap) cr_assert_leq(vs__buffer_idle_bytes(d), idle_cap, "step %d", i);
  }
  vs_session_free(s);
  cr_assert_eq(vs_device_memory_in_use(0, st), 0);
  regression_free(&m);
  vs_status_free(st);
}

Test(step, steps_with_changing_feeds_and_batch_sizes_match_the_host_reference) { regression_steps(0, false); }

Test(step, steps_under_a_tight_memory_limit_match_the_host_reference) {
  /* Read when the registry is first used, in this test's own process: at
   * most 128 KiB idle, a quarter of the limit. */
  setenv("VARSCOPE_MEMORY_LIMIT", "512K", 1);
  regression_steps(128 * 1024, false);
}

Test(step, a_run_failing_midway_leaves_the_next_run_right) { regression_steps(0, true); }

/* ---- the CNN's training step in sessions running at once ---- */

enum { CNN_BATCH = 8, CNN_STEPS = 6 };

typedef struct cnn_run {
  vs_graph *g;
  cnn_model *m;
  vs_op *train, *init;
  float loss[CNN_STEPS];
  vs_code code;
} cnn_run;

/* CNN_STEPS steps of a fresh session (its own variables, seeded the same)
 * with the same batches. */
static void *cnn_steps(void *arg) {
  cnn_run *c = arg;
  vs_status *st = vs_status_new();
  vs_session *s = vs_session_new(c->g, NULL, st);
  if (s) vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &c->init, 1, st);
  uint32_t seed = 3;
  for (int i = 0; i < CNN_STEPS && !vs_status_code(st); i++) {
    vs_tensor *x = vs_tensor_new(VS_FLOAT, VS_SHAPE(CNN_BATCH, CNN_SIDE, CNN_SIDE, 1), NULL, st);
    vs_tensor *y = vs_tensor_new(VS_FLOAT, VS_SHAPE(CNN_BATCH, CNN_CLASSES), NULL, st);
    if (x && y) cnn_batch(&seed, CNN_BATCH, vs_tensor_data(x), vs_tensor_data(y));
    vs_tensor *loss = NULL;
    if (!vs_status_code(st))
      vs_session_run(s, (vs_output[]){c->m->x, c->m->y}, (vs_tensor *const[]){x, y}, 2, &c->m->loss, &loss, 1,
                     &c->train, 1, st);
    c->loss[i] = loss ? *(const float *)vs_tensor_data(loss) : NAN;
    vs_tensor_free(loss);
    vs_tensor_free(x);
    vs_tensor_free(y);
  }
  c->code = vs_status_code(st);
  vs_session_free(s);
  vs_status_free(st);
  return NULL;
}

Test(step, cnn_steps_of_two_sessions_at_once_equal_those_of_one_alone) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_graph_set_random_seed(g, 1);
  cnn_model m = cnn_build(g, CNN_BATCH, true, st);
  vs_var *gs = vs_train_get_or_create_global_step(g, st);
  vs_optimizer *opt = vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.01)}, st);
  expect_ok(st);
  vs_op *train = vs_optimizer_minimize(opt, m.loss, &(vs_minimize_opts){.global_step = gs}, st);
  expect_ok(st);
  vs_op *init = vs_global_variables_initializer(g, st); /* made here: the threads only run */
  expect_ok(st);
  cnn_run alone = {.g = g, .m = &m, .train = train, .init = init};
  cnn_steps(&alone);
  cr_assert_eq(alone.code, VS_OK);
  cr_assert(alone.loss[CNN_STEPS - 1] < alone.loss[0], "the loss falls: %g then %g", alone.loss[0],
            alone.loss[CNN_STEPS - 1]);
  /* Two sessions on two threads: each one's scratch must stay its own
   * while the other's commands are still queued. Run it a few times. */
  for (int round = 0; round < 3; round++) {
    cnn_run a = {.g = g, .m = &m, .train = train, .init = init}, b = a;
    pthread_t ta, tb;
    cr_assert_eq(pthread_create(&ta, NULL, cnn_steps, &a), 0);
    cr_assert_eq(pthread_create(&tb, NULL, cnn_steps, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    cr_assert(a.code == VS_OK && b.code == VS_OK);
    for (int i = 0; i < CNN_STEPS; i++) {
      cr_assert_eq(a.loss[i], alone.loss[i], "round %d step %d: %.9g, alone %.9g", round, i, a.loss[i], alone.loss[i]);
      cr_assert_eq(b.loss[i], alone.loss[i], "round %d step %d: %.9g, alone %.9g", round, i, b.loss[i], alone.loss[i]);
    }
  }
  cr_assert_eq(vs_device_memory_in_use(0, st), 0);
  vs_optimizer_free(opt);
  vs_graph_free(g);
  vs_status_free(st);
}

/* ---- a step's shape descriptor, kept by its plan ---- */

/* Sum over axis 0 of x [?, 5], and reshape(x, [?, 1, 5]) * col [4, 1]
 * (math.c's general broadcast): one plan, run with batches of 3, 7, 3 and
 * 1 rows; each run's descriptors must follow its shapes. */
Test(step, a_steps_shape_descriptor_follows_the_shapes_of_each_run) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_output x = vs_placeholder(g, VS_FLOAT, (vs_shape){.known = true, .rank = 2, .dims = {-1, 5}}, "x", st);
  vs_output sum = vs_reduce_sum(g, x, &(vs_reduce_opts){.axis = (int64_t[]){0}, .n_axis = 1}, st);
  float col[4] = {1, -2, 3, 0.5f};
  vs_output x3 = vs_reshape(g, x, (vs_shape){.known = true, .rank = 3, .dims = {-1, 1, 5}}, NULL, st);
  vs_output bc = vs_mul(g, x3, vs_constant(g, col, VS_FLOAT, VS_SHAPE(4, 1), "col", st), NULL, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  static const int64_t rows[] = {3, 7, 7, 3, 1};
  cl_mem last_desc = NULL;
  for (int run = 0; run < 5; run++) {
    int64_t n = rows[run];
    float xv[7 * 5], want_sum[5] = {0}, want_bc[7 * 4 * 5];
    for (int64_t i = 0; i < n * 5; i++) {
      xv[i] = (float)(i * 3 % 11) - (float)run;
      want_sum[i % 5] += xv[i];
      for (int j = 0; j < 4; j++) want_bc[(i / 5) * 20 + j * 5 + i % 5] = xv[i] * col[j];
    }
    vs_tensor *in = vs_tensor_new(VS_FLOAT, VS_SHAPE(n, 5), xv, st), *out[2] = {NULL, NULL};
    expect_ok(st);
    vs_session_run(s, &x, (vs_tensor *const[]){in}, 1, (vs_output[]){sum, bc}, out, 2, NULL, 0, st);
    vs_tensor_free(in);
    expect_ok(st);
    const float *got = vs_tensor_data(out[0]), *got_bc = vs_tensor_data(out[1]);
    for (int i = 0; i < 5; i++) cr_assert_eq(got[i], want_sum[i], "run %d (%lld rows), column %d", run, (long long)n, i);
    cr_assert_eq(vs_tensor_shape(out[1]).dims[0], n);
    for (int64_t i = 0; i < n * 20; i++) cr_assert_eq(got_bc[i], want_bc[i], "run %d, element %lld", run, (long long)i);
    vs_tensor_free(out[0]);
    vs_tensor_free(out[1]);
    cl_mem desc = NULL; /* Sum's descriptor: kept as it is when a run repeats the last one's shapes */
    for (size_t i = 0; i < s->plans->n_steps; i++)
      if (s->plans->steps[i].op == sum.op) desc = s->plans->steps[i].desc;
    cr_assert_not_null(desc, "run %d", run);
    if (run > 0 && rows[run] == rows[run - 1]) cr_assert_eq(desc, last_desc, "run %d repeats run %d's shapes", run, run - 1);
    last_desc = desc;
  }
  cr_assert_eq(vs__plan_builds(s), 1, "one plan served the five runs");
  size_t described = 0;
  for (size_t i = 0; i < s->plans->n_steps; i++)
    if (s->plans->steps[i].op == sum.op || s->plans->steps[i].op == bc.op)
      described += s->plans->steps[i].desc != NULL && s->plans->steps[i].desc_n > 0;
  cr_assert_eq(described, 2, "Sum and the broadcast Mul keep a descriptor");
  vs_session_free(s);
  cr_assert_eq(vs_device_memory_in_use(0, st), 0, "the plan's descriptors go with it");
  vs_graph_free(g);
  vs_status_free(st);
}

/* ---- small inputs read from the graph ---- */

/* Fill(dims, value) with both inputs Consts reads them from the graph, not
 * the device; a run that feeds either Const must use the fed tensor. */
Test(step, a_fill_reads_its_constant_inputs_from_the_graph_unless_they_are_fed) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  int32_t dims[2] = {2, 3};
  float one_half = 1.5f, seven = 7;
  vs_output shape = vs_constant(g, dims, VS_INT32, VS_SHAPE(2), "dims", st);
  vs_output value = vs_constant(g, &one_half, VS_FLOAT, VS_SCALAR, "value", st);
  vs_output fill = vs__build_op(g, "Fill", "fill", (vs_output[]){shape, value}, 2, NULL, NULL, 0, VS_FLOAT,
                                (vs_shape){.known = true, .rank = 2, .dims = {-1, -1}}, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  int32_t other_dims[2] = {1, 4};
  vs_tensor *fed_value = vs_tensor_new(VS_FLOAT, VS_SCALAR, &seven, st);
  vs_tensor *fed_dims = vs_tensor_new(VS_INT32, VS_SHAPE(2), other_dims, st);
  expect_ok(st);
  for (int run = 0; run < 6; run++) { /* each plan twice, taking turns */
    vs_tensor *out = NULL;
    int kind = run % 3;
    if (kind == 0) vs_session_run(s, NULL, NULL, 0, &fill, &out, 1, NULL, 0, st);
    if (kind == 1) vs_session_run(s, &value, (vs_tensor *const[]){fed_value}, 1, &fill, &out, 1, NULL, 0, st);
    if (kind == 2) vs_session_run(s, &shape, (vs_tensor *const[]){fed_dims}, 1, &fill, &out, 1, NULL, 0, st);
    expect_ok(st);
    vs_shape got = vs_tensor_shape(out);
    int64_t rows = kind == 2 ? 1 : 2, cols = kind == 2 ? 4 : 3;
    cr_assert(got.rank == 2 && got.dims[0] == rows && got.dims[1] == cols, "run %d: shape [%lld,%lld]", run,
              (long long)got.dims[0], (long long)got.dims[1]);
    const float *v = vs_tensor_data(out);
    for (int64_t i = 0; i < rows * cols; i++) cr_assert_eq(v[i], kind == 1 ? 7.0f : 1.5f, "run %d, element %lld", run, (long long)i);
    vs_tensor_free(out);
  }
  vs_tensor_free(fed_value);
  vs_tensor_free(fed_dims);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}
