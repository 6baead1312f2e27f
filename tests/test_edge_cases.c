/* test_edge_cases.c - regressions found in review: feeds of variables and
 * duplicate feeds, empty inner dimensions, run-time broadcasting and
 * validate_shape, integer relu/bias_add, self-assignment, control
 * dependency blocks, and per-thread scope state. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "varscope.h"

#define SUPPORT_FIXTURE_PLAIN
#include "support.h"

TestSuite(edge, .init = setup, .fini = teardown, .timeout = 60);

static vs_tensor *run1(vs_output *feeds, vs_tensor **vals, int nfeeds, vs_output fetch) {
  vs_session *s = vs_session_new(g, NULL, st);
  OK();
  vs_tensor *t = NULL;
  vs_session_run(s, feeds, vals, nfeeds, &fetch, &t, 1, NULL, 0, st);
  vs_session_free(s);
  return t;
}

Test(edge, feeding_a_variable_itself_is_refused) {
  /* The value of a variable lives in the session; feeding its ref would
   * bypass the buffer, so it is an INVALID_ARGUMENT, never a crash. */
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2), .initializer = vs_zeros_initializer()}, st);
  vs_output ref = vs_op_output(vs_var_op(v));
  vs_output init = vs_is_variable_initialized(g, v, st);
  vs_tensor *val = vs_tensor_new(VS_FLOAT, VS_SHAPE(2), NULL, st);
  vs_tensor *t = run1(&ref, &val, 1, init);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st), "Cannot feed the variable v:0 itself; feed a tensor computed from it, or assign to it");
  cr_assert_null(t);
  vs_tensor_free(val);
}

Test(edge, duplicate_feeds_are_refused) {
  vs_output p = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1), "p", st);
  vs_output y = vs_identity(g, p, NULL, st);
  vs_tensor *a = vs_tensor_new(VS_FLOAT, VS_SHAPE(1), (float[]){1}, st), *b = vs_tensor_new(VS_FLOAT, VS_SHAPE(1), (float[]){2}, st);
  vs_output feeds[2] = {p, p};
  vs_tensor *vals[2] = {a, b};
  vs_tensor *t = run1(feeds, vals, 2, y);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st), "p:0 is fed more than once");
  cr_assert_null(t);
  vs_tensor_free(a);
  vs_tensor_free(b);
}

Test(edge, matmul_with_an_empty_inner_dimension_is_zeros) {
  /* tf.matmul(tf.zeros([2,0]), tf.zeros([0,3])) -> [[0,0,0],[0,0,0]] */
  float none[1] = {0};
  vs_output a = vs_constant(g, none, VS_FLOAT, VS_SHAPE(2, 0), "a", st);
  vs_output b = vs_constant(g, none, VS_FLOAT, VS_SHAPE(0, 3), "b", st);
  vs_tensor *t = run1(NULL, NULL, 0, vs_matmul(g, a, b, NULL, st));
  OK();
  cr_assert_eq(vs_tensor_num_elements(t), 6);
  float zeros[6] = {0};
  cr_assert_arr_eq(vs_tensor_data(t), zeros, sizeof zeros);
  vs_tensor_free(t);
}

Test(edge, run_time_broadcast_checks_trailing_dimensions) {
  /* a = tf.placeholder(tf.float32); b = tf.placeholder(tf.float32)
   * sess.run(a + b, {a: [[1,2,3],[4,5,6]], b: [10,20]}) -> InvalidArgumentError "Incompatible shapes: [2,3] vs. [2]" */
  vs_output a = vs_placeholder(g, VS_FLOAT, VS_UNKNOWN_SHAPE, "a", st);
  vs_output b = vs_placeholder(g, VS_FLOAT, VS_UNKNOWN_SHAPE, "b", st);
  vs_output y = vs_add(g, a, b, NULL, st);
  vs_tensor *va = vs_tensor_new(VS_FLOAT, VS_SHAPE(2, 3), (float[]){1, 2, 3, 4, 5, 6}, st);
  vs_tensor *vb = vs_tensor_new(VS_FLOAT, VS_SHAPE(2), (float[]){10, 20}, st);
  vs_output feeds[2] = {a, b};
  vs_tensor *vals[2] = {va, vb};
  vs_tensor *t = run1(feeds, vals, 2, y);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_exception_name(st), "InvalidArgumentError");
  cr_assert(strncmp(vs_status_message(st), "Incompatible shapes: [2,3] vs. [2]", 34) == 0, "%s", vs_status_message(st));
  cr_assert_null(t);
  vs_tensor_free(va);
  vs_tensor_free(vb);
}

Test(edge, broadcast_result_takes_the_higher_rank) {
  /* tf.constant([1.,2.,3.]) + tf.constant([[10.,20.,30.]]) -> shape (1, 3) */
  vs_output a = vs_constant(g, (float[]){1, 2, 3}, VS_FLOAT, VS_SHAPE(3), "a", st);
  vs_output b = vs_constant(g, (float[]){10, 20, 30}, VS_FLOAT, VS_SHAPE(1, 3), "b", st);
  vs_tensor *t = run1(NULL, NULL, 0, vs_add(g, a, b, NULL, st));
  OK();
  vs_shape s = vs_tensor_shape(t);
  cr_assert(s.rank == 2 && s.dims[0] == 1 && s.dims[1] == 3, "rank %d", s.rank);
  cr_assert_arr_eq(vs_tensor_data(t), ((float[]){11, 22, 33}), 3 * sizeof(float));
  vs_tensor_free(t);
}

Test(edge, assign_validates_the_fed_shape_at_run_time) {
  /* v = tf.Variable([1., 2.]); p = tf.placeholder(tf.float32); a = v.assign(p)
   * sess.run(a, {p: [1., 2., 3.]}) -> InvalidArgumentError
   * "Assign requires shapes of both tensors to match. lhs shape= [2] rhs shape= [3]" */
  vs_var *v = vs_variable(g, &(vs_variable_opts){.name = "v", .initial_value = vs_value_initializer((float[]){1, 2}, VS_FLOAT, 2, VS_UNKNOWN_SHAPE)}, st);
  vs_output p = vs_placeholder(g, VS_FLOAT, VS_UNKNOWN_SHAPE, "p", st);
  vs_output a = vs_assign(g, v, p, NULL, st);
  OK();
  vs_session *s = vs_session_new(g, NULL, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  vs_tensor *val = vs_tensor_new(VS_FLOAT, VS_SHAPE(3), (float[]){1, 2, 3}, st), *t = NULL;
  vs_session_run(s, &p, &val, 1, &a, &t, 1, NULL, 0, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert(strncmp(vs_status_message(st), "Assign requires shapes of both tensors to match. lhs shape= [2] rhs shape= [3]", 78) == 0,
            "%s", vs_status_message(st));
  vs_tensor *now = vs_session_variable_value(s, v, st); /* unchanged */
  OK();
  cr_assert_arr_eq(vs_tensor_data(now), ((float[]){1, 2}), 2 * sizeof(float));
  vs_tensor_free(now);
  vs_tensor_free(val);
  vs_session_free(s);
}

Test(edge, integer_relu_and_bias_add) {
  /* tf.nn.relu(tf.nn.bias_add(tf.constant([[-3, 1], [2, -5]]), tf.constant([1, 1]))) -> [[0, 2], [3, 0]] */
  vs_output x = vs_constant(g, (int32_t[]){-3, 1, 2, -5}, VS_INT32, VS_SHAPE(2, 2), "x", st);
  vs_output b = vs_constant(g, (int32_t[]){1, 1}, VS_INT32, VS_SHAPE(2), "b", st);
  vs_tensor *t = run1(NULL, NULL, 0, vs_relu(g, vs_bias_add(g, x, b, NULL, st), NULL, st));
  OK();
  cr_assert_arr_eq(vs_tensor_data(t), ((int32_t[]){0, 2, 3, 0}), 4 * sizeof(int32_t));
  vs_tensor_free(t);
}

Test(edge, a_variable_assigned_to_itself_keeps_its_value) {
  /* v = tf.Variable([5., 6.]); sess.run(v.assign(v)) -> [5., 6.] */
  vs_var *v = vs_variable(g, &(vs_variable_opts){.name = "v", .initial_value = vs_value_initializer((float[]){5, 6}, VS_FLOAT, 2, VS_UNKNOWN_SHAPE)}, st);
  vs_output a = vs_assign(g, v, vs_op_output(vs_var_op(v)), NULL, st);
  vs_session *s = vs_session_new(g, NULL, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &a, &t, 1, NULL, 0, st);
  vs_session_free(s);
  OK();
  cr_assert_arr_eq(vs_tensor_data(t), ((float[]){5, 6}), 2 * sizeof(float));
  vs_tensor_free(t);
}

Test(edge, empty_control_dependencies_list_keeps_outer_blocks) {
  /* with tf.control_dependencies([c]): with tf.control_dependencies([]): d = tf.no_op()
   * -> d has the control input c; with tf.control_dependencies(None): e -> none */
  vs_op *c = vs_no_op(g, "c", st);
  vs_control_dependencies_push(g, &c, 1, st);
  vs_op *none[1] = {NULL};
  vs_control_dependencies_push(g, none, 0, st);
  vs_op *d = vs_no_op(g, "d", st);
  vs_control_dependencies_pop(g, st);
  vs_control_dependencies_push(g, NULL, 0, st);
  vs_op *e = vs_no_op(g, "e", st);
  vs_control_dependencies_pop(g, st);
  vs_control_dependencies_pop(g, st);
  OK();
  cr_assert_eq(vs_op_num_control_inputs(d), 1);
  cr_assert_eq(vs_op_control_input(d, 0), c);
  cr_assert_eq(vs_op_num_control_inputs(e), 0);
}

Test(edge, an_input_made_in_the_block_dominates_its_controls) {
  /* with tf.control_dependencies([c]): a = tf.constant(1.); b = tf.identity(a)
   * -> a has the control input c, b does not (it already depends on a) */
  vs_op *c = vs_no_op(g, "c", st);
  vs_control_dependencies_push(g, &c, 1, st);
  vs_output a = vs_constant_float(g, 1.0f, "a", st);
  vs_output b = vs_identity(g, a, "b", st);
  vs_control_dependencies_pop(g, st);
  OK();
  cr_assert_eq(vs_op_num_control_inputs(a.op), 1);
  cr_assert_eq(vs_op_num_control_inputs(b.op), 0);
}

static void *in_thread(void *arg) {
  const char **out = arg;
  *out = vs_scope_name(vs_get_variable_scope(g));
  return NULL;
}

static void *enter_and_exit(void *arg) {
  (void)arg;
  vs_variable_scope_push(g, "left_open", NULL, NULL); /* the thread exits inside it */
  return NULL;
}

Test(edge, a_new_thread_starts_at_the_root_scope) {
  /* Scope state is per thread and dies with its thread: a thread that
   * exits inside variable_scope("left_open") leaves nothing behind. */
  pthread_t t;
  pthread_create(&t, NULL, enter_and_exit, NULL);
  pthread_join(t, NULL);
  const char *name = "unset";
  pthread_create(&t, NULL, in_thread, &name);
  pthread_join(t, NULL);
  cr_assert_str_eq(name, "");
}

Test(edge, large_float_assign_add_and_sub_through_clblast_axpy) {
  /* v = tf.Variable(tf.ones([4096])); v.assign_add(tf.fill([4096], 2.)) -> 3; then assign_sub(ones) -> 2
   * (4096 elements: the update runs through CLBlast's axpy, smaller ones through our kernel) */
  enum { N = 4096 };
  static float ones[N], twos[N];
  for (int i = 0; i < N; i++) ones[i] = 1, twos[i] = 2;
  vs_var *v = vs_variable(g, &(vs_variable_opts){.name = "v", .initial_value = vs_value_initializer(ones, VS_FLOAT, N, VS_UNKNOWN_SHAPE)}, st);
  vs_output add = vs_assign_add(g, v, vs_constant(g, twos, VS_FLOAT, VS_SHAPE(N), "twos", st), NULL, st);
  vs_output sub = vs_assign_sub(g, v, vs_constant(g, ones, VS_FLOAT, VS_SHAPE(N), "ones", st), NULL, st);
  vs_session *s = vs_session_new(g, NULL, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  vs_tensor *a = NULL, *b = NULL;
  vs_session_run(s, NULL, NULL, 0, &add, &a, 1, NULL, 0, st);
  OK();
  vs_session_run(s, NULL, NULL, 0, &sub, &b, 1, NULL, 0, st);
  vs_session_free(s);
  OK();
  const float *x = vs_tensor_data(a), *y = vs_tensor_data(b);
  for (int i = 0; i < N; i++) {
    cr_assert_eq(x[i], 3.0f, "after assign_add [%d] = %g", i, x[i]);
    cr_assert_eq(y[i], 2.0f, "after assign_sub [%d] = %g", i, y[i]);
  }
  vs_tensor_free(a);
  vs_tensor_free(b);
}
