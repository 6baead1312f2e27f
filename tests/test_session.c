/* test_session.c - running graphs in sessions on OpenCL devices (issue 3,
 * item 9; spec §5 uninitialised values, §6.3.12-13, §7.3, §7.4.7-7.4.8).
 *
 * Every deterministic expectation (values of constant initializers, op
 * names, report_uninitialized_variables output, error classes and message
 * heads) was checked against TensorFlow 2.21 (tf.compat.v1 with v2
 * behaviour disabled, so RefVariables). Random initializers are not
 * bit-identical to TF's, so their tests check statistics with the stated
 * tolerances, never values.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "varscope.h"

#define SUPPORT_FIXTURE
#include "support.h"

/* ---- fixture ------------------------------------------------------------- */

TestSuite(session, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------- */

/* The message starts with `head`, followed by the end or a newline (TF adds
 * "\n\t [[{{node ...}}]]"), so "variable_1" does not match "variable_10". */
static inline void expect_msg_head(const vs_status *s, const char *head)
{
  const char *msg = vs_status_message(s);
  size_t n = strlen(head);
  cr_assert(strncmp(msg, head, n) == 0 && (msg[n] == '\0' || msg[n] == '\n'),
            "message was: %s", msg);
}

static inline vs_var *get_var(const char *name, vs_shape shape, vs_initializer init)
{
  vs_var *v = vs_get_variable(g, name, &(vs_var_opts){.shape = shape, .initializer = init}, st);
  expect_ok(st);
  cr_assert_not_null(v);
  return v;
}

/* tf.Variable(<float32 scalar>, name=name) */
static inline vs_var *scalar_var(const char *name, float value)
{
  vs_var *v = vs_variable(
      g, &(vs_variable_opts){.name = name, .initial_value = vs_value_initializer(&value, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
      st);
  expect_ok(st);
  cr_assert_not_null(v);
  return v;
}

static inline vs_op *global_init(void)
{
  vs_op *op = vs_global_variables_initializer(g, st);
  expect_ok(st);
  cr_assert_not_null(op);
  return op;
}

static inline float fetch_scalar(vs_session *s, vs_output out)
{
  float x;
  fetch_floats(s, out, &x, 1);
  return x;
}

static inline bool fetch_bool(vs_session *s, vs_output out)
{
  vs_tensor *t = fetch(s, out);
  cr_assert_eq(vs_tensor_dtype(t), VS_BOOL);
  cr_assert_eq(vs_tensor_num_elements(t), 1);
  bool b = *(const bool *)vs_tensor_data(t);
  vs_tensor_free(t);
  return b;
}

/* Fetches a 1-D string tensor and compares it with want[0..n). */
static inline void expect_strings(vs_session *s, vs_output out, const char *const *want, size_t n)
{
  vs_tensor *t = fetch(s, out);
  cr_assert_eq(vs_tensor_dtype(t), VS_STRING);
  vs_shape shape = vs_tensor_shape(t);
  cr_assert(shape.known && shape.rank == 1, "expected a 1-D tensor");
  cr_assert_eq(shape.dims[0], (int64_t)n, "expected %zu names, got %lld", n, (long long)shape.dims[0]);
  cr_assert_eq(vs_tensor_num_elements(t), n);
  for (size_t i = 0; i < n; i++) {
    const char *got = vs_tensor_string(t, i);
    cr_assert_not_null(got, "element %zu is NULL", i);
    cr_assert_str_eq(got, want[i], "element %zu", i);
  }
  vs_tensor_free(t);
}

typedef struct stats {
  double mean, stddev, min, max;
} stats;

static inline stats stats_of(const float *x, size_t n)
{
  stats r = {0, 0, INFINITY, -INFINITY};
  double sum = 0, sq = 0;
  for (size_t i = 0; i < n; i++) {
    sum += x[i];
    if (x[i] < r.min) r.min = x[i];
    if (x[i] > r.max) r.max = x[i];
  }
  r.mean = sum / (double)n;
  for (size_t i = 0; i < n; i++) sq += (x[i] - r.mean) * (x[i] - r.mean);
  r.stddev = sqrt(sq / (double)n);
  return r;
}

/* Initialises a fresh variable of n float32 elements with `init` in a new
 * session and returns its values (malloc'd; the caller frees them). */
static inline float *draw(const char *name, size_t n, vs_initializer init)
{
  vs_var *v = get_var(name, VS_SHAPE((int64_t)n), init);
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(v));
  float *x = malloc(n * sizeof *x);
  cr_assert_not_null(x);
  fetch_floats(s, vs_var_value(v), x, n);
  vs_session_free(s);
  return x;
}

#define BIG 100000

/* ==== uninitialised values (§5) ============================================ */

Test(session, uninitialized_read_fails_with_failed_precondition)
{
  /* spec §5 "Uninitialized variables"; TF 2.21:
   *   v = tf.Variable(tf.random_normal([2, 3]), name="variable_1")
   *   sess.run(v)
   *   -> FailedPreconditionError "Attempting to use uninitialized value variable_1
   *      \n\t [[{{node _retval_variable_1_0_0}}]]"                             */
  vs_var *v = vs_variable(g,
                          &(vs_variable_opts){.name = "variable_1",
                                              .initial_value = vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE),
                                              .shape = VS_SHAPE(2, 3)},
                          st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  vs_output out = vs_op_output(vs_var_op(v));
  vs_tensor *t = (vs_tensor *)&t; /* must be left alone or cleared, never a tensor */
  vs_session_run(s, NULL, NULL, 0, &out, &t, 1, NULL, 0, st);
  expect_code(st, VS_FAILED_PRECONDITION);
  cr_assert_str_eq(vs_status_exception_name(st), "FailedPreconditionError");
  expect_msg_head(st, "Attempting to use uninitialized value variable_1");
  cr_assert(t == NULL || t == (vs_tensor *)&t, "a fetch came back from a failed run");
  vs_session_free(s);
}

Test(session, uninitialized_read_value_fails_naming_the_variable)
{
  /* TF 2.21: v = tf.Variable(tf.zeros([2]), name="variable_1"); sess.run(v.read_value())
   *   -> FailedPreconditionError "... Attempting to use uninitialized value variable_1
   *      \n\t [[{{node read}}]]" (TF prefixes "Graph execution error:" and a
   *      Python traceback, which C cannot produce)                          */
  float zeros[2] = {0, 0};
  vs_var *v = vs_variable(
      g, &(vs_variable_opts){.name = "variable_1", .initial_value = vs_value_initializer(zeros, VS_FLOAT, 2, VS_UNKNOWN_SHAPE)},
      st);
  expect_ok(st);
  vs_output r = vs_read_value(g, v, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &r, &t, 1, NULL, 0, st);
  expect_code(st, VS_FAILED_PRECONDITION);
  cr_assert_str_eq(vs_status_exception_name(st), "FailedPreconditionError");
  expect_msg_head(st, "Attempting to use uninitialized value variable_1");
  cr_assert_null(t);
  vs_session_free(s);
}

Test(session, init_then_read_random_normal_2x3)
{
  /* issue 3 item 9; TF 2.21:
   *   v = tf.get_variable("v", [2, 3], initializer=tf.random_normal_initializer())
   *   sess.run(v.initializer); sess.run(v)  -> a float32 (2, 3) array, finite,
   *   not all equal                                                          */
  vs_var *v = get_var("v", VS_SHAPE(2, 3), vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE));
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(v));
  vs_tensor *t = fetch(s, vs_op_output(vs_var_op(v)));
  cr_assert_eq(vs_tensor_dtype(t), VS_FLOAT);
  vs_shape shape = vs_tensor_shape(t);
  cr_assert(shape.known && shape.rank == 2 && shape.dims[0] == 2 && shape.dims[1] == 3);
  cr_assert_eq(vs_tensor_byte_size(t), 6 * sizeof(float));
  const float *x = vs_tensor_data(t);
  bool all_equal = true;
  for (int i = 0; i < 6; i++) {
    cr_assert(isfinite(x[i]) && fabsf(x[i]) < 10.0f, "x[%d] = %g", i, (double)x[i]);
    if (x[i] != x[0]) all_equal = false;
  }
  cr_assert(!all_equal, "six normal draws are all %g", (double)x[0]);
  vs_tensor_free(t);
  vs_session_free(s);
}

/* ==== random initializers: statistics ==================================== */

Test(session, random_normal_statistics)
{
  /* spec §7.3: random_normal_initializer(mean=0.0, stddev=1.0).
   * Over 100000 draws: |mean| < 0.02 (6.3 standard errors) and
   * |stddev - 1| < 0.02.                                                      */
  float *x = draw("n", BIG, vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE));
  stats r = stats_of(x, BIG);
  free(x);
  cr_assert(fabs(r.mean) < 0.02, "mean %g", r.mean);
  cr_assert(fabs(r.stddev - 1.0) < 0.02, "stddev %g", r.stddev);
}

Test(session, random_normal_mean_and_stddev_parameters)
{
  /* tf.random_normal_initializer(mean=3.0, stddev=0.5) over 100000 draws:
   * |mean - 3| < 0.01, |stddev - 0.5| < 0.01.                                */
  float *x = draw("n", BIG, vs_random_normal_initializer(3.0, 0.5, VS_SEED_NONE));
  stats r = stats_of(x, BIG);
  free(x);
  cr_assert(fabs(r.mean - 3.0) < 0.01, "mean %g", r.mean);
  cr_assert(fabs(r.stddev - 0.5) < 0.01, "stddev %g", r.stddev);
}

Test(session, truncated_normal_statistics)
{
  /* spec §7.3: truncated_normal_initializer(mean=0, stddev=1.5) re-draws values
   * beyond 2 stddev: no |x| > 3.0; the spread is 0.87962566 * 1.5 = 1.31944
   * (within 0.015); |mean| < 0.02.                                           */
  float *x = draw("t", BIG, vs_truncated_normal_initializer(0.0, 1.5, VS_SEED_NONE));
  stats r = stats_of(x, BIG);
  free(x);
  cr_assert(r.max <= 3.0 && r.min >= -3.0, "range [%g, %g] exceeds +-2 stddev", r.min, r.max);
  cr_assert(fabs(r.mean) < 0.02, "mean %g", r.mean);
  cr_assert(fabs(r.stddev - 0.87962566103423978 * 1.5) < 0.015, "stddev %g", r.stddev);
}

Test(session, random_uniform_statistics)
{
  /* spec §7.3: random_uniform_initializer(minval=2.0, maxval=4.0): every value
   * in [2, 4) and the mean within 0.01 of 3 (5.5 standard errors); the
   * spread within 0.01 of 2/sqrt(12) = 0.57735.                              */
  float *x = draw("u", BIG, vs_random_uniform_initializer(2.0, 4.0, VS_SEED_NONE));
  stats r = stats_of(x, BIG);
  free(x);
  cr_assert(r.min >= 2.0 && r.max < 4.0, "range [%g, %g]", r.min, r.max);
  cr_assert(fabs(r.mean - 3.0) < 0.01, "mean %g", r.mean);
  cr_assert(fabs(r.stddev - 2.0 / sqrt(12.0)) < 0.01, "stddev %g", r.stddev);
}

Test(session, glorot_uniform_within_limit)
{
  /* spec §7.2.4: glorot_uniform for [784, 100] is U(-limit, limit) with
   * limit = sqrt(6/884) = 0.0823853 (vs_initializer_spread); the values fill
   * the range: max > 0.95*limit, min < -0.95*limit, |mean| < 0.002. TF
   * computes the bounds and the values in float32, so the bound checked is
   * the float32 limit (a draw may round onto it); the seed makes the draw,
   * and so the test, the same every run.                                  */
  vs_initializer init = vs_glorot_uniform_initializer(1234);
  vs_shape shape = VS_SHAPE(784, 100);
  double limit = vs_initializer_spread(&init, shape, st);
  expect_ok(st);
  cr_assert(fabs(limit - sqrt(6.0 / 884.0)) < 1e-6, "limit %g", limit);
  vs_var *v = get_var("w", shape, init);
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(v));
  size_t n = 784 * 100;
  float *x = malloc(n * sizeof *x);
  cr_assert_not_null(x);
  fetch_floats(s, vs_var_value(v), x, n);
  stats r = stats_of(x, n);
  free(x);
  vs_session_free(s);
  const double flimit = (float)limit;
  cr_assert(r.min >= -flimit && r.max <= flimit, "range [%.9g, %.9g], float32 limit %.9g", r.min, r.max, flimit);
  cr_assert(r.max > 0.95 * limit && r.min < -0.95 * limit, "range [%g, %g] does not fill +-%g", r.min,
            r.max, limit);
  cr_assert(fabs(r.mean) < 0.002, "mean %g", r.mean);
}

Test(session, default_float_initializer_is_glorot_uniform)
{
  /* spec §7.1.1: get_variable("v", [2, 3]) -> uniform in
   * [-1.0954451, 1.0954451]                                                  */
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2, 3)}, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(v));
  float x[6];
  fetch_floats(s, vs_var_value(v), x, 6);
  for (int i = 0; i < 6; i++)
    cr_assert(fabsf(x[i]) <= 1.0954452f, "x[%d] = %g", i, (double)x[i]);
  vs_session_free(s);
}

/* ==== determinism under TF's seed rules ================================== */

static bool same_values_in_two_sessions(vs_var *v, size_t n)
{
  float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
  cr_assert(a && b);
  vs_session *s1 = new_session(NULL);
  run_op(s1, vs_var_initializer_op(v));
  fetch_floats(s1, vs_var_value(v), a, n);
  vs_session *s2 = new_session(NULL);
  run_op(s2, vs_var_initializer_op(v));
  fetch_floats(s2, vs_var_value(v), b, n);
  bool same = memcmp(a, b, n * sizeof *a) == 0;
  vs_session_free(s1);
  vs_session_free(s2);
  free(a);
  free(b);
  return same;
}

Test(session, graph_seed_makes_sessions_agree)
{
  /* TF 2.21: tf.set_random_seed(1234)
   *   a = tf.get_variable("a", [5], initializer=tf.random_normal_initializer())
   *   two sessions, each sess.run(a.initializer); sess.run(a) -> equal arrays */
  vs_graph_set_random_seed(g, 1234);
  vs_var *v = get_var("a", VS_SHAPE(1000), vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE));
  cr_assert(same_values_in_two_sessions(v, 1000), "graph seed 1234 gave different values");
}

Test(session, op_seed_makes_sessions_agree)
{
  /* TF's get_seed: an op seed without a graph seed uses the default graph
   * seed, so random_normal_initializer(seed=7) is deterministic.           */
  vs_var *v = get_var("a", VS_SHAPE(1000), vs_random_normal_initializer(0.0, 1.0, 7));
  cr_assert(same_values_in_two_sessions(v, 1000), "op seed 7 gave different values");
}

Test(session, no_seed_draws_afresh_per_session)
{
  /* TF: no graph seed and no op seed -> each session draws afresh; two runs
   * of 1000 normals agree with probability ~0.                              */
  vs_var *v = get_var("a", VS_SHAPE(1000), vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE));
  cr_assert(!same_values_in_two_sessions(v, 1000), "unseeded draws repeated in a new session");
}

Test(session, graph_seed_gives_each_op_its_own_stream)
{
  /* TF: under tf.set_random_seed(1234) each random op gets its op seed from
   * the graph's op count, so two variables of one graph differ.            */
  vs_graph_set_random_seed(g, 1234);
  vs_var *a = get_var("a", VS_SHAPE(100), vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE));
  vs_var *b = get_var("b", VS_SHAPE(100), vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE));
  vs_session *s = new_session(NULL);
  run_op(s, global_init());
  float x[100], y[100];
  fetch_floats(s, vs_var_value(a), x, 100);
  fetch_floats(s, vs_var_value(b), y, 100);
  cr_assert(memcmp(x, y, sizeof x) != 0, "two seeded variables got the same values");
  vs_session_free(s);
}

/* ==== deterministic initializers (§7.1, §7.3) ============================= */

Test(session, zeros_ones_constant_exact)
{
  /* TF 2.21: z = get_variable("z", [2], initializer=tf.zeros_initializer())  -> [0, 0]
   *          o = get_variable("o", [2], initializer=tf.ones_initializer())   -> [1, 1]
   *          c = get_variable("cc", [2], initializer=tf.constant_initializer(0.5)) -> [0.5, 0.5] */
  vs_var *z = get_var("z", VS_SHAPE(2), vs_zeros_initializer());
  vs_var *o = get_var("o", VS_SHAPE(2), vs_ones_initializer());
  vs_var *c = get_var("cc", VS_SHAPE(2), vs_constant_initializer(0.5));
  vs_session *s = new_session(NULL);
  run_op(s, global_init());
  float x[2];
  fetch_floats(s, vs_var_value(z), x, 2);
  cr_assert(x[0] == 0.0f && x[1] == 0.0f, "zeros: %g %g", (double)x[0], (double)x[1]);
  fetch_floats(s, vs_var_value(o), x, 2);
  cr_assert(x[0] == 1.0f && x[1] == 1.0f, "ones: %g %g", (double)x[0], (double)x[1]);
  fetch_floats(s, vs_var_value(c), x, 2);
  cr_assert(x[0] == 0.5f && x[1] == 0.5f, "constant: %g %g", (double)x[0], (double)x[1]);
  vs_session_free(s);
}

Test(session, constant_list_repeats_last_value)
{
  /* spec §7.3; TF 2.21:
   *   get_variable("x", [2, 4], initializer=tf.constant_initializer([1., 2., 3.]))
   *   -> [[1, 2, 3, 3], [3, 3, 3, 3]]                                       */
  const float vals[3] = {1, 2, 3};
  vs_var *v = get_var("x", VS_SHAPE(2, 4), vs_constant_initializer_array(vals, VS_FLOAT, 3, VS_UNKNOWN_SHAPE, false));
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(v));
  float x[8];
  fetch_floats(s, vs_var_value(v), x, 8);
  const float want[8] = {1, 2, 3, 3, 3, 3, 3, 3};
  for (int i = 0; i < 8; i++) cr_assert_eq(x[i], want[i], "x[%d] = %g", i, (double)x[i]);
  vs_session_free(s);
}

Test(session, int32_default_is_zeros)
{
  /* spec §7.1.2; TF 2.21: get_variable("i", [3], dtype=tf.int32) -> [0, 0, 0] int32 */
  vs_var *v = vs_get_variable(g, "i", &(vs_var_opts){.shape = VS_SHAPE(3), .dtype = VS_INT32}, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(v));
  vs_tensor *t = fetch(s, vs_var_value(v));
  cr_assert_eq(vs_tensor_dtype(t), VS_INT32);
  cr_assert_eq(vs_tensor_num_elements(t), 3);
  const int32_t *x = vs_tensor_data(t);
  cr_assert(x[0] == 0 && x[1] == 0 && x[2] == 0, "%d %d %d", x[0], x[1], x[2]);
  vs_tensor_free(t);
  vs_session_free(s);
}

Test(session, int64_default_is_zeros)
{
  /* TF 2.21: get_variable("j", [3], dtype=tf.int64) -> [0, 0, 0] int64 */
  vs_var *v = vs_get_variable(g, "j", &(vs_var_opts){.shape = VS_SHAPE(3), .dtype = VS_INT64}, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(v));
  vs_tensor *t = fetch(s, vs_var_value(v));
  cr_assert_eq(vs_tensor_dtype(t), VS_INT64);
  cr_assert_eq(vs_tensor_byte_size(t), 3 * sizeof(int64_t));
  const int64_t *x = vs_tensor_data(t);
  cr_assert(x[0] == 0 && x[1] == 0 && x[2] == 0, "%lld %lld %lld", (long long)x[0], (long long)x[1],
            (long long)x[2]);
  vs_tensor_free(t);
  vs_session_free(s);
}

Test(session, bool_default_is_false)
{
  /* spec §7.1.3; TF 2.21: get_variable("k", [2], dtype=tf.bool) -> [False, False] */
  vs_var *v = vs_get_variable(g, "k", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_BOOL}, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(v));
  vs_tensor *t = fetch(s, vs_var_value(v));
  cr_assert_eq(vs_tensor_dtype(t), VS_BOOL);
  cr_assert_eq(vs_tensor_byte_size(t), 2);
  const unsigned char *x = vs_tensor_data(t);
  cr_assert(x[0] == 0 && x[1] == 0, "%d %d", x[0], x[1]);
  vs_tensor_free(t);
  vs_session_free(s);
}

/* ==== assignment and reads ================================================= */

Test(session, assign_add_then_read_under_control_dependency)
{
  /* issue 3 item 9; TF 2.21:
   *   v = tf.Variable(0, name="v"); inc = v.assign_add(1)
   *   with tf.control_dependencies([inc]): rd = v.read_value()
   *   sess.run(v.initializer); sess.run(rd) -> 1; sess.run(rd) -> 2         */
  int32_t zero = 0;
  vs_var *v = vs_variable(
      g, &(vs_variable_opts){.name = "v", .initial_value = vs_value_initializer(&zero, VS_INT32, 1, VS_UNKNOWN_SHAPE)}, st);
  expect_ok(st);
  vs_output inc = vs_assign_add(g, v, vs_constant_int32(g, 1, NULL, st), NULL, st);
  expect_ok(st);
  vs_control_dependencies_push(g, &inc.op, 1, st);
  expect_ok(st);
  vs_output rd = vs_read_value(g, v, st);
  expect_ok(st);
  vs_control_dependencies_pop(g, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(v));
  for (int32_t want = 1; want <= 2; want++) {
    vs_tensor *t = fetch(s, rd);
    cr_assert_eq(vs_tensor_dtype(t), VS_INT32);
    cr_assert_eq(*(const int32_t *)vs_tensor_data(t), want, "run %d read %d", want,
                 *(const int32_t *)vs_tensor_data(t));
    vs_tensor_free(t);
  }
  vs_session_free(s);
}

Test(session, assign_and_assign_sub_fetch_results)
{
  /* TF 2.21: v = tf.Variable(10.0); a = v.assign(3.0); b = v.assign_sub(1.0)
   *   sess.run(a) -> 3.0; sess.run(b) -> 2.0; sess.run(b) -> 1.0; sess.run(v) -> 1.0
   * (fetching an Assign's output and the variable itself: ref outputs)    */
  vs_var *v = scalar_var("v", 10.0f);
  vs_output a = vs_assign(g, v, vs_constant_float(g, 3.0f, NULL, st), NULL, st);
  expect_ok(st);
  vs_output b = vs_assign_sub(g, v, vs_constant_float(g, 1.0f, NULL, st), NULL, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(v));
  cr_assert_eq(fetch_scalar(s, a), 3.0f);
  cr_assert_eq(fetch_scalar(s, b), 2.0f);
  cr_assert_eq(fetch_scalar(s, b), 1.0f);
  cr_assert_eq(fetch_scalar(s, vs_op_output(vs_var_op(v))), 1.0f);
  vs_session_free(s);
}

Test(session, assign_and_assign_sub_update_the_variable)
{
  /* as above, running the assignments as targets and reading v.read_value():
   *   a -> 3.0; b -> 2.0; b -> 1.0                                          */
  vs_var *v = scalar_var("v", 10.0f);
  vs_output a = vs_assign(g, v, vs_constant_float(g, 3.0f, NULL, st), NULL, st);
  expect_ok(st);
  vs_output b = vs_assign_sub(g, v, vs_constant_float(g, 1.0f, NULL, st), NULL, st);
  expect_ok(st);
  vs_output r = vs_read_value(g, v, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(v));
  run_op(s, a.op);
  cr_assert_eq(fetch_scalar(s, r), 3.0f);
  run_op(s, b.op);
  cr_assert_eq(fetch_scalar(s, r), 2.0f);
  run_op(s, b.op);
  cr_assert_eq(fetch_scalar(s, r), 1.0f);
  vs_session_free(s);
}

Test(session, assign_add_vector_by_vector)
{
  /* TF 2.21: v = tf.Variable([1., 2., 3.]); a = v.assign_add(tf.constant([10., 20., 30.]))
   *   sess.run(a) -> [11, 22, 33]. The fetch is the Assign's ref output, so
   *   this reads the result through v.read_value() after running a.       */
  const float init[3] = {1, 2, 3}, inc[3] = {10, 20, 30};
  vs_var *v = vs_variable(
      g, &(vs_variable_opts){.name = "v", .initial_value = vs_value_initializer(init, VS_FLOAT, 3, VS_UNKNOWN_SHAPE)}, st);
  expect_ok(st);
  vs_output c = vs_constant(g, inc, VS_FLOAT, VS_SHAPE(3), NULL, st);
  expect_ok(st);
  vs_output add = vs_assign_add(g, v, c, NULL, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(v));
  run_op(s, add.op);
  float x[3];
  fetch_floats(s, vs_var_value(v), x, 3);
  cr_assert(x[0] == 11.0f && x[1] == 22.0f && x[2] == 33.0f, "%g %g %g", (double)x[0], (double)x[1],
            (double)x[2]);
  vs_session_free(s);
}

Test(session, assign_add_scalar_to_vector_is_a_shape_error)
{
  /* TF 2.21: v = tf.Variable([1., 2., 3.], name="v"); v.assign_add(tf.constant(10.))
   *   -> ValueError "Shapes must be equal rank, but are 1 and 0 for '{{node
   *      AssignAdd}} = AssignAdd[T=DT_FLOAT, use_locking=false](v, Const)' with
   *      input shapes: [3], []."  (at graph construction)
   * NOTE: ops.h says "value is a scalar or the variable's shape"; TF 2.21
   * rejects the scalar, and this test encodes TF.                         */
  const float init[3] = {1, 2, 3};
  vs_var *v = vs_variable(
      g, &(vs_variable_opts){.name = "v", .initial_value = vs_value_initializer(init, VS_FLOAT, 3, VS_UNKNOWN_SHAPE)}, st);
  expect_ok(st);
  vs_output c = vs_constant_float(g, 10.0f, NULL, st);
  expect_ok(st);
  vs_assign_add(g, v, c, NULL, st);
  expect_code(st, VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_exception_name(st), "ValueError");
  cr_assert_str_eq(vs_status_message(st),
                   "Shapes must be equal rank, but are 1 and 0 for '{{node AssignAdd}} = "
                   "AssignAdd[T=DT_FLOAT, use_locking=false](v, Const)' with input shapes: [3], [].");
}

/* ==== initialized_value (§7.4.7-7.4.8) ==================================== */

/* v = tf.Variable(5.0, name="v"); w = tf.Variable(v.initialized_value() + 1, name="w") */
static vs_var *build_v_and_w(vs_var **w_out)
{
  vs_var *v = scalar_var("v", 5.0f);
  vs_output iv = vs_initialized_value(g, v, st);
  expect_ok(st);
  vs_output one = vs_constant_float(g, 1.0f, NULL, st);
  expect_ok(st);
  vs_output sum = vs_add(g, iv, one, NULL, st);
  expect_ok(st);
  *w_out = vs_variable(g, &(vs_variable_opts){.name = "w", .initial_value = vs_tensor_initializer(sum)}, st);
  expect_ok(st);
  cr_assert_not_null(*w_out);
  return v;
}

Test(session, initialized_value_plus_one_without_initialising_v)
{
  /* spec §7.4.8; TF 2.21:
   *   v = tf.Variable(5.0); w = tf.Variable(v.initialized_value() + 1)
   *   sess.run(w.initializer)   (v never initialised); sess.run(w) -> 6.0  */
  vs_var *w;
  vs_var *v = build_v_and_w(&w);
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(w));
  cr_assert_eq(fetch_scalar(s, vs_var_value(w)), 6.0f);
  vs_output isv = vs_is_variable_initialized(g, v, st);
  expect_ok(st);
  cr_assert(!fetch_bool(s, isv), "initialising w initialised v");
  vs_session_free(s);
}

Test(session, initialized_value_plus_one_with_global_initializer)
{
  /* spec §7.4.7; TF 2.21: same graph, sess.run(global_variables_initializer());
   *   sess.run(w) -> 6.0                                                    */
  vs_var *w;
  build_v_and_w(&w);
  vs_session *s = new_session(NULL);
  run_op(s, global_init());
  cr_assert_eq(fetch_scalar(s, vs_var_value(w)), 6.0f);
  vs_session_free(s);
}

Test(session, initialized_value_reads_current_value_once_initialised)
{
  /* spec §7.4.8 (cond(is_variable_initialized(v), v.read_value, initial_value));
   * TF 2.21: sess.run(v.initializer); sess.run(v.assign(10.0));
   *          sess.run(w.initializer); sess.run(w) -> 11.0                   */
  vs_var *w;
  vs_var *v = build_v_and_w(&w);
  vs_output a = vs_assign(g, v, vs_constant_float(g, 10.0f, NULL, st), NULL, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(v));
  run_op(s, a.op);
  run_op(s, vs_var_initializer_op(w));
  cr_assert_eq(fetch_scalar(s, vs_var_value(w)), 11.0f);
  vs_session_free(s);
}

/* ==== report_uninitialized_variables and the initializers (§6.3.12-13) ==== */

Test(session, report_uninitialized_before_and_after_global_init)
{
  /* spec §6.3.12; TF 2.21:
   *   with tf.variable_scope("scope"): a = tf.get_variable("a", [2, 3])
   *   b = tf.Variable(1.0, name="b"); c = tf.get_variable("c", [1])
   *   r = tf.report_uninitialized_variables()
   *   sess.run(r) -> [b"scope/a", b"b", b"c"]   (op names, creation order, no ":0")
   *   sess.run(tf.global_variables_initializer()); sess.run(r) -> [] (shape (0,)) */
  vs_scope *sc = vs_variable_scope_push(g, "scope", NULL, st);
  expect_ok(st);
  get_var("a", VS_SHAPE(2, 3), (vs_initializer){0});
  vs_variable_scope_pop(g, sc, st);
  expect_ok(st);
  scalar_var("b", 1.0f);
  get_var("c", VS_SHAPE(1), (vs_initializer){0});
  vs_output r = vs_report_uninitialized_variables(g, NULL, 0, st);
  expect_ok(st);
  vs_op *init = global_init();
  vs_session *s = new_session(NULL);
  expect_strings(s, r, (const char *const[]){"scope/a", "b", "c"}, 3);
  run_op(s, init);
  expect_strings(s, r, NULL, 0);
  vs_session_free(s);
}

Test(session, report_uninitialized_output_tensor_name)
{
  /* TF 2.21: v = tf.Variable(1.0, name="b"); r = tf.report_uninitialized_variables()
   *   r.name -> "report_uninitialized_variables/boolean_mask/GatherV2:0"   */
  scalar_var("b", 1.0f);
  vs_output r = vs_report_uninitialized_variables(g, NULL, 0, st);
  expect_ok(st);
  cr_assert_str_eq(vs_output_name(r), "report_uninitialized_variables/boolean_mask/GatherV2:0");
}

Test(session, report_uninitialized_lists_globals_then_locals)
{
  /* spec §6.3.12 (default var_list = global + local); TF 2.21:
   *   a = get_variable("a", [2, 3]); b = Variable(1.0, name="b")
   *   l = get_local_variable("l", [2]); c = Variable(2.0, name="c")
   *   sess.run(report_uninitialized_variables()) -> [b"a", b"b", b"c", b"l"]
   *   after global_variables_initializer -> [b"l"];
   *   after local_variables_initializer  -> []                              */
  get_var("a", VS_SHAPE(2, 3), (vs_initializer){0});
  scalar_var("b", 1.0f);
  vs_var *l = vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  expect_ok(st);
  cr_assert_not_null(l);
  scalar_var("c", 2.0f);
  vs_output r = vs_report_uninitialized_variables(g, NULL, 0, st);
  expect_ok(st);
  vs_op *ginit = global_init();
  vs_op *linit = vs_local_variables_initializer(g, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  expect_strings(s, r, (const char *const[]){"a", "b", "c", "l"}, 4);
  run_op(s, ginit);
  expect_strings(s, r, (const char *const[]){"l"}, 1);
  run_op(s, linit);
  expect_strings(s, r, NULL, 0);
  vs_session_free(s);
}

Test(session, report_uninitialized_follows_var_list_order)
{
  /* TF 2.21: v = Variable(5.0, name="v"); b = Variable(zeros([3]), name="b")
   *   sess.run(report_uninitialized_variables([b, v])) -> [b"b", b"v"]     */
  vs_var *v = scalar_var("v", 5.0f);
  vs_var *b = scalar_var("b", 0.0f);
  vs_output r = vs_report_uninitialized_variables(g, (vs_var *const[]){b, v}, 2, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  expect_strings(s, r, (const char *const[]){"b", "v"}, 2);
  vs_session_free(s);
}

Test(session, local_initializer_initialises_only_locals)
{
  /* spec §6.3.13; TF: gv = get_variable("gv", [2]); lv = get_local_variable("lv", [2])
   *   sess.run(local_variables_initializer())
   *   is_variable_initialized(lv) -> True, (gv) -> False;
   *   report_uninitialized_variables() -> [b"gv"]                          */
  vs_var *gv = get_var("gv", VS_SHAPE(2), vs_zeros_initializer());
  vs_var *lv = vs_get_local_variable(g, "lv", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  expect_ok(st);
  vs_op *linit = vs_local_variables_initializer(g, st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_name(linit), "init");
  vs_output ig = vs_is_variable_initialized(g, gv, st);
  expect_ok(st);
  vs_output il = vs_is_variable_initialized(g, lv, st);
  expect_ok(st);
  vs_output r = vs_report_uninitialized_variables(g, NULL, 0, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  run_op(s, linit);
  cr_assert(fetch_bool(s, il), "the local variable is not initialised");
  cr_assert(!fetch_bool(s, ig), "the local initializer initialised a global variable");
  expect_strings(s, r, (const char *const[]){"gv"}, 1);
  vs_session_free(s);
}

Test(session, variables_initializer_list)
{
  /* TF 2.21: v = Variable(5.0, name="v"); w = Variable(7.0, name="w"); b = Variable(0.0, name="b")
   *   sess.run(tf.variables_initializer([v, b]))
   *   sess.run(report_uninitialized_variables()) -> [b"w"]; sess.run(b) -> 0.0 */
  vs_var *v = scalar_var("v", 5.0f);
  scalar_var("w", 7.0f);
  vs_var *b = scalar_var("b", 0.0f);
  vs_op *init = vs_variables_initializer(g, (vs_var *const[]){v, b}, 2, NULL, st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_name(init), "init");
  vs_output r = vs_report_uninitialized_variables(g, NULL, 0, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  run_op(s, init);
  expect_strings(s, r, (const char *const[]){"w"}, 1);
  cr_assert_eq(fetch_scalar(s, vs_var_value(v)), 5.0f);
  cr_assert_eq(fetch_scalar(s, vs_var_value(b)), 0.0f);
  vs_session_free(s);
}

Test(session, is_variable_initialized_before_and_after)
{
  /* TF 2.21: v = Variable(5.0); i = tf.is_variable_initialized(v)
   *   sess.run(i) -> False; sess.run(v.initializer); sess.run(i) -> True   */
  vs_var *v = scalar_var("v", 5.0f);
  vs_output i = vs_is_variable_initialized(g, v, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  cr_assert(!fetch_bool(s, i), "initialised before its initializer ran");
  run_op(s, vs_var_initializer_op(v));
  cr_assert(fetch_bool(s, i), "not initialised after its initializer ran");
  vs_session_free(s);
}

/* ==== sessions hold their own values; shared variables ===================== */

Test(session, two_sessions_hold_separate_values)
{
  /* TF: v = Variable(0.0); add = v.assign_add(5.0)
   *   s1.run(v.initializer); s1.run(add); s2.run(v.initializer)
   *   s1.run(v) -> 5.0; s2.run(v) -> 0.0                                   */
  vs_var *v = scalar_var("v", 0.0f);
  vs_output add = vs_assign_add(g, v, vs_constant_float(g, 5.0f, NULL, st), NULL, st);
  expect_ok(st);
  vs_session *s1 = new_session(NULL);
  vs_session *s2 = new_session(NULL);
  run_op(s1, vs_var_initializer_op(v));
  run_op(s1, add.op);
  run_op(s2, vs_var_initializer_op(v));
  cr_assert_eq(fetch_scalar(s1, vs_var_value(v)), 5.0f);
  cr_assert_eq(fetch_scalar(s2, vs_var_value(v)), 0.0f);
  vs_session_free(s1);
  vs_session_free(s2);
}

Test(session, variable_uninitialised_in_second_session)
{
  /* TF: initialising v in s1 does not initialise it in s2:
   *   s2.run(v) -> FailedPreconditionError "Attempting to use uninitialized value v" */
  vs_var *v = scalar_var("v", 1.0f);
  vs_session *s1 = new_session(NULL);
  vs_session *s2 = new_session(NULL);
  run_op(s1, vs_var_initializer_op(v));
  vs_output out = vs_var_value(v);
  vs_tensor *t = NULL;
  vs_session_run(s2, NULL, NULL, 0, &out, &t, 1, NULL, 0, st);
  expect_code(st, VS_FAILED_PRECONDITION);
  expect_msg_head(st, "Attempting to use uninitialized value v");
  cr_assert_null(t);
  vs_session_free(s1);
  vs_session_free(s2);
}

Test(session, shared_variable_is_one_buffer)
{
  /* TF 2.21: with variable_scope("sh"): p = get_variable("w", [2], initializer=zeros_initializer())
   *   with variable_scope("sh", reuse=True): q = get_variable("w", [2])   (p is q)
   *   sess.run(p.initializer); sess.run(p.assign([1., 2.])); sess.run(q.read_value()) -> [1, 2] */
  vs_scope *sc = vs_variable_scope_push(g, "sh", NULL, st);
  expect_ok(st);
  vs_var *p = get_var("w", VS_SHAPE(2), vs_zeros_initializer());
  vs_variable_scope_pop(g, sc, st);
  expect_ok(st);
  sc = vs_variable_scope_push(g, "sh", &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
  expect_ok(st);
  vs_var *q = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  expect_ok(st);
  vs_variable_scope_pop(g, sc, st);
  expect_ok(st);
  cr_assert_not_null(q);
  const float vals[2] = {1, 2};
  vs_output c = vs_constant(g, vals, VS_FLOAT, VS_SHAPE(2), NULL, st);
  expect_ok(st);
  vs_output a = vs_assign(g, p, c, NULL, st);
  expect_ok(st);
  vs_output rq = vs_read_value(g, q, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(p));
  run_op(s, a.op);
  float x[2];
  fetch_floats(s, rq, x, 2);
  cr_assert(x[0] == 1.0f && x[1] == 2.0f, "read through the other handle: %g %g", (double)x[0],
            (double)x[1]);
  vs_session_free(s);
}

/* ==== feeds, fetches and the needed subgraph =============================== */

Test(session, feed_replaces_a_const_output)
{
  /* TF 2.21: c = tf.constant(3.0, name="c"); d = c * 2
   *   sess.run(d, {c: 5.0}) -> 10.0; sess.run(d) -> 6.0                    */
  vs_output c = vs_constant_float(g, 3.0f, "c", st);
  expect_ok(st);
  vs_output d = vs_mul(g, c, vs_constant_float(g, 2.0f, NULL, st), NULL, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  float five = 5.0f;
  vs_tensor *fv = vs_tensor_new(VS_FLOAT, VS_SCALAR, &five, st);
  expect_ok(st);
  vs_tensor *out = NULL;
  vs_session_run(s, &c, &fv, 1, &d, &out, 1, NULL, 0, st);
  expect_ok(st);
  cr_assert_not_null(out);
  cr_assert_eq(*(const float *)vs_tensor_data(out), 10.0f);
  vs_tensor_free(out);
  vs_tensor_free(fv);
  cr_assert_eq(fetch_scalar(s, d), 6.0f);
  vs_session_free(s);
}

Test(session, several_fetches_in_one_run)
{
  /* TF: sess.run([a, b, a + b]) with a = 1.5, b = 2.0 -> [1.5, 2.0, 3.5] */
  vs_output a = vs_constant_float(g, 1.5f, "a", st);
  vs_output b = vs_constant_float(g, 2.0f, "b", st);
  vs_output sum = vs_add(g, a, b, NULL, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  vs_output fetches[3] = {a, b, sum};
  vs_tensor *out[3] = {NULL, NULL, NULL};
  vs_session_run(s, NULL, NULL, 0, fetches, out, 3, NULL, 0, st);
  expect_ok(st);
  const float want[3] = {1.5f, 2.0f, 3.5f};
  for (int i = 0; i < 3; i++) {
    cr_assert_not_null(out[i]);
    cr_assert_eq(*(const float *)vs_tensor_data(out[i]), want[i], "fetch %d", i);
  }
  for (int i = 0; i < 3; i++) vs_tensor_free(out[i]);
  vs_session_free(s);
}

Test(session, only_the_needed_subgraph_runs)
{
  /* TF 2.21: u = tf.Variable(tf.zeros([2]), name="u")   (never initialised)
   *   e = tf.constant([1., 2.]) * 2; sess.run(e) -> [2, 4]                 */
  float zeros[2] = {0, 0};
  vs_variable(g, &(vs_variable_opts){.name = "u", .initial_value = vs_value_initializer(zeros, VS_FLOAT, 2, VS_UNKNOWN_SHAPE)},
              st);
  expect_ok(st);
  const float vals[2] = {1, 2};
  vs_output c = vs_constant(g, vals, VS_FLOAT, VS_SHAPE(2), NULL, st);
  expect_ok(st);
  vs_output e = vs_mul(g, c, vs_constant_float(g, 2.0f, NULL, st), NULL, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  float x[2];
  fetch_floats(s, e, x, 2);
  cr_assert(x[0] == 2.0f && x[1] == 4.0f, "%g %g", (double)x[0], (double)x[1]);
  vs_session_free(s);
}

/* ==== placement errors ===================================================== */

Test(session, unknown_device_fails_without_soft_placement)
{
  /* TF 2.21: with tf.device("/device:GPU:7"): q = tf.Variable(1.0, name="q")
   *   sess.run(q.initializer) -> InvalidArgumentError "Cannot assign a device for
   *   operation q: {{node q}} was explicitly assigned to /device:GPU:7 but
   *   available devices are [ ... ]. Make sure the device specification refers
   *   to a valid device. ..."                                               */
  vs_device_push(g, "/device:GPU:7", st);
  expect_ok(st);
  vs_var *q = scalar_var("q", 1.0f);
  vs_device_pop(g, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  vs_op *init = vs_var_initializer_op(q);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  expect_code(st, VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_exception_name(st), "InvalidArgumentError");
  const char *head = "Cannot assign a device for operation q: {{node q}} was explicitly assigned to /device:GPU:7";
  cr_assert(strncmp(vs_status_message(st), head, strlen(head)) == 0, "message was: %s",
            vs_status_message(st));
  vs_session_free(s);
}

Test(session, unknown_device_falls_back_with_soft_placement)
{
  /* TF 2.21: the same graph with ConfigProto(allow_soft_placement=True):
   *   sess.run(q.initializer); sess.run(q) -> 1.0, q runs on the default device */
  vs_device_push(g, "/device:GPU:7", st);
  expect_ok(st);
  vs_var *q = scalar_var("q", 1.0f);
  vs_device_pop(g, st);
  expect_ok(st);
  vs_session *s = new_session(&(vs_session_opts){.allow_soft_placement = true});
  run_op(s, vs_var_initializer_op(q));
  cr_assert_eq(fetch_scalar(s, vs_var_value(q)), 1.0f);
  /* the default device: the first GPU, else CL:0 */
  vs_status *st2 = vs_status_new();
  size_t gpu0 = vs_device_resolve("/device:GPU:0", st2);
  size_t want = vs_status_code(st2) == VS_OK ? gpu0 : 0;
  vs_status_free(st2);
  cr_assert_eq(vs_session_op_device(s, vs_var_op(q)), want);
  vs_session_free(s);
}

Test(session, buffer_above_max_alloc_is_resource_exhausted)
{
  /* issue 3 item 8: a buffer larger than the device's max allocation fails
   * cleanly. TF's text for an allocation failure: ResourceExhaustedError
   * "OOM when allocating tensor with shape[...] and type float on ...".
   * The variable is placed on /device:CL:0 and has max_alloc/4 + 1 float32
   * elements, so it cannot be allocated; nothing should be. The engine
   * checks the limit itself (NVIDIA's driver accepts larger buffers), and
   * VARSCOPE_MEMORY_LIMIT=64M makes the limit, and so the element count,
   * the same on every machine (PoCL's depends on the RAM free at start). */
  setenv("VARSCOPE_MEMORY_LIMIT", "64M", 1);
  vs_device_info info;
  vs_device_get_info(0, &info, st);
  expect_ok(st);
  cr_assert_eq(info.max_alloc_bytes, 64u << 20);
  int64_t n = (int64_t)(info.max_alloc_bytes / sizeof(float)) + 1;
  vs_device_push(g, "/device:CL:0", st);
  expect_ok(st);
  vs_var *v = get_var("big", VS_SHAPE(n), vs_zeros_initializer());
  vs_device_pop(g, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  vs_op *init = vs_var_initializer_op(v);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  expect_error(st, VS_RESOURCE_EXHAUSTED, "ResourceExhaustedError",
               "OOM when allocating tensor with shape[16777217] and type float on /device:CL:0: 67108868 bytes "
               "exceed the device's maximum allocation (67108864 bytes)");
  cr_assert_eq(vs_device_memory_in_use(0, st), 0);
  expect_ok(st);
  vs_session_free(s);
}

/* ==== bad arguments: errors, never crashes ================================ */

Test(session, run_null_session_is_invalid_argument)
{
  /* C API contract (TF_SessionRun on a NULL session is undefined; varscope
   * reports INVALID_ARGUMENT).                                             */
  vs_output c = vs_constant_float(g, 1.0f, NULL, st);
  expect_ok(st);
  vs_tensor *t = NULL;
  vs_session_run(NULL, NULL, NULL, 0, &c, &t, 1, NULL, 0, st);
  expect_code(st, VS_INVALID_ARGUMENT);
  cr_assert_null(t);
}

Test(session, new_session_on_null_graph_fails)
{
  /* C API contract: vs_session_new(NULL, ...) fails cleanly. */
  vs_session *s = vs_session_new(NULL, NULL, st);
  cr_assert_null(s);
  expect_code(st, VS_INVALID_ARGUMENT);
}

Test(session, fetch_from_another_graph_is_invalid_argument)
{
  /* TF 2.21: c made in graph h; sess.run(c) in a session on g ->
   *   ValueError "Argument `fetch` = Tensor("Const:0", ...) cannot be
   *   interpreted as a Tensor. (Tensor ... is not an element of this graph.)" */
  vs_graph *h = vs_graph_new();
  cr_assert_not_null(h);
  vs_output c = vs_constant_float(h, 1.0f, NULL, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &c, &t, 1, NULL, 0, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Argument `fetch` = Tensor(\"Const:0\", shape=(), dtype=float32) cannot be interpreted as a Tensor. "
               "(Tensor Tensor(\"Const:0\", shape=(), dtype=float32) is not an element of this graph.)");
  cr_assert_null(t);
  vs_session_free(s);
  vs_graph_free(h);
}

Test(session, target_from_another_graph_is_invalid_argument)
{
  /* as above, for a target op of another graph (TF: ValueError). */
  vs_graph *h = vs_graph_new();
  cr_assert_not_null(h);
  vs_op *op = vs_no_op(h, "n", st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &op, 1, st);
  expect_code(st, VS_INVALID_ARGUMENT);
  vs_session_free(s);
  vs_graph_free(h);
}

Test(session, fetches_without_output_array_is_invalid_argument)
{
  /* C API contract: nfetches > 0 with fetch_values NULL is an error. */
  vs_output c = vs_constant_float(g, 1.0f, NULL, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  vs_session_run(s, NULL, NULL, 0, &c, NULL, 1, NULL, 0, st);
  expect_code(st, VS_INVALID_ARGUMENT);
  vs_session_free(s);
}
