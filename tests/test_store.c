/* test_store.c - the variable store and its errors (spec §3, §5).
 *
 * Every expectation was checked against TensorFlow 2.21 (tf.compat.v1 with
 * v2 behaviour disabled, so RefVariables). Where TF 2.21 and the spec differ,
 * the test encodes TF 2.21 and a comment names the spec row and its text.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "varscope.h"

#define SUPPORT_SCOPE_PUSH
#define SUPPORT_SCOPE_POP
#define SUPPORT_GETV
#include "support.h"

/* ---- helpers ------------------------------------------------------------- */

/* variable_scope(tf.get_variable_scope(), reuse=True) */
static inline vs_scope *push_root_reuse(vs_graph *g, vs_status *st)
{
  vs_scope *s = vs_variable_scope_push_scope(g, vs_get_variable_scope(g),
                                             &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
  expect_ok(st);
  cr_assert_not_null(s);
  return s;
}

static inline size_t count(vs_graph *g, const char *key)
{
  return vs_get_collection(g, key, NULL, NULL, 0, NULL);
}

/* ==== §3.1 data model ===================================================== */

Test(get_variable, r3_1_store_key_differs_from_op_name)
{
  /* spec 3.1 (rows 2.2.16/2.2.20):
   *   tf.Variable(1.0, name="v1"); g = tf.get_variable("v1", [1])
   *   -> g.name == "v1_1:0", g.op.name == "v1_1", store key "v1"            */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  float one = 1.0f;
  vs_var *plain = vs_variable(
      g, &(vs_variable_opts){.name = "v1", .initial_value = vs_value_initializer(&one, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
      st);
  expect_ok(st);
  cr_assert_str_eq(nn(vs_var_name(plain)), "v1:0");
  cr_assert_null(vs_var_store_key(plain));
  vs_var *v = getv(g, "v1", VS_SHAPE(1), st);
  cr_assert_str_eq(nn(vs_var_name(v)), "v1_1:0");
  cr_assert_str_eq(nn(vs_var_op_name(v)), "v1_1");
  cr_assert_str_eq(nn(vs_var_store_key(v)), "v1");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(get_variable, r3_1_store_ignores_tf_variable)
{
  /* spec 3.1 (tf#19514, tf#10588):
   *   tf.Variable(1.0, name="v1")
   *   with tf.variable_scope(tf.get_variable_scope(), reuse=True):
   *     tf.get_variable("v1", [1])   -> ValueError E2 for "v1"             */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  float one = 1.0f;
  vs_variable(g, &(vs_variable_opts){.name = "v1", .initial_value = vs_value_initializer(&one, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
              st);
  expect_ok(st);
  vs_scope *s = push_root_reuse(g, st);
  vs_var *v = vs_get_variable(g, "v1", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  cr_assert_null(v);
  expect_e2(st, "v1");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

/* ==== §3.2 decision table ================================================= */

Test(get_variable, r3_2_1_second_create_already_exists)
{
  /* spec 3.2.1:
   *   with tf.variable_scope("foo"):
   *     v = tf.get_variable("v", [1]); v1 = tf.get_variable("v", [1])  -> E1 */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  getv(g, "v", VS_SHAPE(1), st);
  vs_var *v1 = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  cr_assert_null(v1);
  expect_e1(st, "foo/v");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(get_variable, r3_2_2_reuse_missing_does_not_exist)
{
  /* spec 3.2.2:
   *   with tf.variable_scope("foo", reuse=True): tf.get_variable("v", [1]) -> E2 */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", VS_REUSE_TRUE, st);
  cr_assert_null(vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st));
  expect_e2(st, "foo/v");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(get_variable, r3_2_3_reuse_returns_same_variable)
{
  /* spec 3.2.3:
   *   with tf.variable_scope("foo"): v = tf.get_variable("v", [1])
   *   with tf.variable_scope("foo", reuse=True): v1 = tf.get_variable("v", [1])
   *   -> v1 is v, v1.name == "foo/v:0"                                       */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  vs_var *v = getv(g, "v", VS_SHAPE(1), st);
  pop(g, s, st);
  s = push(g, "foo", VS_REUSE_TRUE, st);
  vs_var *v1 = getv(g, "v", VS_SHAPE(1), st);
  pop(g, s, st);
  cr_assert_eq(v1, v);
  cr_assert_str_eq(nn(vs_var_name(v1)), "foo/v:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(get_variable, r3_2_4_reuse_unknown_shape_is_compatible)
{
  /* spec 3.2.4:
   *   with tf.variable_scope("foo"): v = tf.get_variable("v", [1])
   *   with tf.variable_scope("foo", reuse=True): v1 = tf.get_variable("v")
   *   -> v1 is v                                                             */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  vs_var *v = getv(g, "v", VS_SHAPE(1), st);
  pop(g, s, st);
  s = push(g, "foo", VS_REUSE_TRUE, st);
  vs_var *v1 = vs_get_variable(g, "v", NULL, st);
  expect_ok(st);
  pop(g, s, st);
  cr_assert_eq(v1, v);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(get_variable, r3_2_4_reuse_partial_shape_is_compatible)
{
  /* spec 3.2 (is_compatible_with):
   *   v = tf.get_variable("m", [2, 3])
   *   with tf.variable_scope(tf.get_variable_scope(), reuse=True):
   *     tf.get_variable("m", [None, 3]) is v   -> True                      */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *v = getv(g, "m", VS_SHAPE(2, 3), st);
  vs_scope *s = push_root_reuse(g, st);
  vs_var *v1 = getv(g, "m", VS_SHAPE(VS_DIM_UNKNOWN, 3), st);
  pop(g, s, st);
  cr_assert_eq(v1, v);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(get_variable, r3_2_5_shape_mismatch_on_share)
{
  /* spec 3.2.5 / E4:
   *   with tf.variable_scope("foo"): tf.get_variable("v", [1])
   *   with tf.variable_scope("foo", reuse=True): tf.get_variable("v", [2])
   *   -> ValueError "Trying to share variable foo/v, but specified shape (2,) and found shape (1,)." */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  getv(g, "v", VS_SHAPE(1), st);
  pop(g, s, st);
  s = push(g, "foo", VS_REUSE_TRUE, st);
  cr_assert_null(vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2)}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Trying to share variable foo/v, but specified shape (2,) and found shape (1,).");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(get_variable, r3_2_6_int_variable_reused_without_dtype)
{
  /* spec 3.2.6 (derived; confirmed on TF 2.21):
   *   with tf.variable_scope("foo"): tf.get_variable("v", initializer=tf.constant(1))
   *   with tf.variable_scope("foo", reuse=True): tf.get_variable("v")
   *   -> ValueError "Trying to share variable foo/v, but specified dtype float32 and found dtype int32_ref." */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  vs_output c = vs_constant_int32(g, 1, NULL, st);
  expect_ok(st);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.initializer = vs_tensor_initializer(c)}, st);
  expect_ok(st);
  cr_assert_eq(vs_var_dtype(v), VS_INT32);
  cr_assert_str_eq(vs_var_dtype_name(v), "int32_ref");
  pop(g, s, st);
  s = push(g, "foo", VS_REUSE_TRUE, st);
  cr_assert_null(vs_get_variable(g, "v", NULL, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Trying to share variable foo/v, but specified dtype float32 and found dtype "
               "int32_ref.");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(get_variable, r3_2_6_same_dtype_reuse_succeeds)
{
  /* spec 3.2 (dtype check passes):
   *   v = tf.get_variable("m", [2], dtype=tf.int32)
   *   with tf.variable_scope(tf.get_variable_scope(), reuse=True):
   *     tf.get_variable("m", [2], dtype=tf.int32) is v  -> True             */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *v = vs_get_variable(g, "m", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_INT32}, st);
  expect_ok(st);
  vs_scope *s = push_root_reuse(g, st);
  vs_var *v1 = vs_get_variable(g, "m", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_INT32}, st);
  expect_ok(st);
  pop(g, s, st);
  cr_assert_eq(v1, v);
  vs_status_free(st);
  vs_graph_free(g);
}

static vs_output reg_const(vs_graph *g, vs_var *var, void *user_data, vs_status *st)
{
  (void)var;
  ++*(int *)user_data;
  return vs_constant_float(g, 0.0f, "l", st);
}

Test(get_variable, r3_2_7_reuse_ignores_other_arguments)
{
  /* spec 3.2.7:
   *   with tf.variable_scope("foo"): v = tf.get_variable("v", [1])
   *   with tf.variable_scope("foo", reuse=True):
   *     v1 = tf.get_variable("v", [1], initializer=tf.zeros_initializer(),
   *                          trainable=False, collections=["mine"], regularizer=f)
   *   -> v1 is v; global 1, trainable 1, "mine" [], regularization_losses [],
   *      collection keys only variables/trainable_variables                 */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  vs_var *v = getv(g, "v", VS_SHAPE(1), st);
  pop(g, s, st);
  int calls = 0;
  s = push(g, "foo", VS_REUSE_TRUE, st);
  vs_var *v1 = vs_get_variable(g, "v",
                               &(vs_var_opts){.shape = VS_SHAPE(1),
                                              .initializer = vs_zeros_initializer(),
                                              .trainable = VS_OPT_FALSE,
                                              .collections = VS_COLLECTIONS("mine"),
                                              .regularizer = reg_const,
                                              .regularizer_data = &calls},
                               st);
  expect_ok(st);
  pop(g, s, st);
  cr_assert_eq(v1, v);
  cr_assert(vs_var_trainable(v));
  cr_assert_eq(vs_var_initializer(v).kind, VS_INIT_VARIANCE_SCALING);
  cr_assert_eq(count(g, VS_GLOBAL_VARIABLES), 1);
  cr_assert_eq(count(g, VS_TRAINABLE_VARIABLES), 1);
  cr_assert_eq(count(g, "mine"), 0);
  cr_assert_eq(count(g, VS_REGULARIZATION_LOSSES), 0);
  cr_assert_eq(vs_get_all_collection_keys(g, NULL, 0), 2);
  vs_status_free(st);
  vs_graph_free(g);
}

static vs_var *auto_reuse_v(vs_graph *g, vs_status *st)
{
  vs_scope *s = push(g, "foo", VS_REUSE_AUTO, st);
  vs_var *v = getv(g, "v", VS_SHAPE(1), st);
  pop(g, s, st);
  return v;
}

Test(get_variable, r3_2_8_auto_reuse_returns_same_variable)
{
  /* spec 3.2.8:
   *   def f():
   *     with tf.variable_scope("foo", reuse=tf.AUTO_REUSE): return tf.get_variable("v", [1])
   *   f() is f()  -> True, name "foo/v:0"                                   */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *a = auto_reuse_v(g, st);
  vs_var *b = auto_reuse_v(g, st);
  cr_assert_eq(a, b);
  cr_assert_str_eq(nn(vs_var_name(a)), "foo/v:0");
  cr_assert_eq(count(g, VS_GLOBAL_VARIABLES), 1);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(get_variable, r3_2_8_auto_reuse_still_checks_shape)
{
  /* spec 3.2.8 (E4 under AUTO_REUSE):
   *   with tf.variable_scope("foo", reuse=tf.AUTO_REUSE):
   *     tf.get_variable("v", [1]); tf.get_variable("v", [2])
   *   -> ValueError "Trying to share variable foo/v, but specified shape (2,) and found shape (1,)." */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", VS_REUSE_AUTO, st);
  getv(g, "v", VS_SHAPE(1), st);
  cr_assert_null(vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2)}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Trying to share variable foo/v, but specified shape (2,) and found shape (1,).");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(get_variable, r3_2_8_auto_reuse_still_checks_dtype)
{
  /* spec 3.2.8 (E5 under AUTO_REUSE):
   *   with tf.variable_scope("foo", reuse=tf.AUTO_REUSE):
   *     tf.get_variable("v", [1]); tf.get_variable("v", [1], dtype=tf.int32)
   *   -> ValueError "Trying to share variable foo/v, but specified dtype int32 and found dtype float32_ref." */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", VS_REUSE_AUTO, st);
  getv(g, "v", VS_SHAPE(1), st);
  cr_assert_null(vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1), .dtype = VS_INT32}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Trying to share variable foo/v, but specified dtype int32 and found dtype "
               "float32_ref.");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(get_variable, r3_2_9_auto_reuse_creates_missing)
{
  /* spec 3.2.9:
   *   with tf.variable_scope("foo", reuse=tf.AUTO_REUSE): tf.get_variable("new", [3]).name
   *   -> "foo/new:0"                                                         */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", VS_REUSE_AUTO, st);
  vs_var *v = getv(g, "new", VS_SHAPE(3), st);
  pop(g, s, st);
  cr_assert_str_eq(nn(vs_var_name(v)), "foo/new:0");
  vs_shape sh = vs_var_shape(v);
  cr_assert(sh.known);
  cr_assert_eq(sh.rank, 1);
  cr_assert_eq(sh.dims[0], 3);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(get_variable, r3_2_10_constant_shape_checked_before_existence)
{
  /* spec 3.2.10:
   *   with tf.variable_scope("foo"): tf.get_variable("v", [1])
   *   with tf.variable_scope("foo", reuse=True):
   *     tf.get_variable("v", initializer=tf.constant([1.]), shape=[1])
   *   -> ValueError "If initializer is a constant, do not specify shape."   */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  getv(g, "v", VS_SHAPE(1), st);
  pop(g, s, st);
  s = push(g, "foo", VS_REUSE_TRUE, st);
  float one = 1.0f;
  vs_output c = vs_constant(g, &one, VS_FLOAT, VS_SHAPE(1), NULL, st);
  expect_ok(st);
  cr_assert_null(vs_get_variable(
      g, "v", &(vs_var_opts){.shape = VS_SHAPE(1), .initializer = vs_tensor_initializer(c)}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "If initializer is a constant, do not specify shape.");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

/* ==== §3.3 shape required for creation ==================================== */

Test(get_variable, r3_3_no_shape_no_initializer)
{
  /* spec 3.3 (derived: "get_variable("v") (default glorot) raises" E19):
   *   with tf.variable_scope("foo"): tf.get_variable("u")
   * TF 2.21 checks this case before choosing a default initializer:
   *   -> ValueError "Variable foo/u did not get an initializer, so its `shape` argument must be specified."
   * (spec 3.3 V115 text: "The initializer passed is not valid. ..." (E19);
   *  V14: "Shape of a new variable (foo/u) must be fully defined, but instead was <unknown>.") */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  cr_assert_null(vs_get_variable(g, "u", NULL, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Variable foo/u did not get an initializer, so its `shape` argument must be "
               "specified.");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(get_variable, r3_3_partial_shape_default_initializer)
{
  /* spec 3.3 (V115/V2):
   *   with tf.variable_scope("foo"): tf.get_variable("u", [None, 3])
   *   -> ValueError E19 (TF 2.21 text, identical to the spec's)              */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  cr_assert_null(
      vs_get_variable(g, "u", &(vs_var_opts){.shape = VS_SHAPE(VS_DIM_UNKNOWN, 3)}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "The initializer passed is not valid. It should be a callable with no arguments "
               "and the shape should not be provided or an instance of "
               "`tf.keras.initializers.*' and `shape` should be fully defined.");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(get_variable, r3_3_no_shape_callable_initializer)
{
  /* spec 3.3 (V115/V2):
   *   with tf.variable_scope("foo"): tf.get_variable("u", initializer=tf.zeros_initializer())
   *   -> ValueError E19                                                      */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  cr_assert_null(vs_get_variable(g, "u", &(vs_var_opts){.initializer = vs_zeros_initializer()}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "The initializer passed is not valid. It should be a callable with no arguments "
               "and the shape should not be provided or an instance of "
               "`tf.keras.initializers.*' and `shape` should be fully defined.");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

/* ==== §5 error table ====================================================== */

Test(errors, e1_already_exists_at_root)
{
  /* spec §5 E1:
   *   tf.get_variable("a", [1]); tf.get_variable("a", [1])
   *   -> ValueError "Variable a already exists, disallowed. Did you mean to set
   *      reuse=True or reuse=tf.AUTO_REUSE in VarScope?" (+ traceback in TF)  */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  getv(g, "a", VS_SHAPE(1), st);
  cr_assert_null(vs_get_variable(g, "a", &(vs_var_opts){.shape = VS_SHAPE(1)}, st));
  expect_e1(st, "a");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e2_does_not_exist_nested)
{
  /* spec §5 E2 (reuse inherited through an AUTO_REUSE parent):
   *   with tf.variable_scope("a", reuse=tf.AUTO_REUSE):
   *     with tf.variable_scope("b", reuse=True): tf.get_variable("x", [1])
   *   -> ValueError "Variable a/b/x does not exist, or was not created with
   *      tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *a = push(g, "a", VS_REUSE_AUTO, st);
  vs_scope *b = push(g, "b", VS_REUSE_TRUE, st);
  cr_assert_null(vs_get_variable(g, "x", &(vs_var_opts){.shape = VS_SHAPE(1)}, st));
  expect_e2(st, "a/b/x");
  pop(g, b, st);
  pop(g, a, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e4_rank_two_shape_mismatch)
{
  /* spec §5 E4:
   *   tf.get_variable("m", [2, 3])
   *   with tf.variable_scope(tf.get_variable_scope(), reuse=True): tf.get_variable("m", [3, 2])
   *   -> ValueError "Trying to share variable m, but specified shape (3, 2) and found shape (2, 3)." */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  getv(g, "m", VS_SHAPE(2, 3), st);
  vs_scope *s = push_root_reuse(g, st);
  cr_assert_null(vs_get_variable(g, "m", &(vs_var_opts){.shape = VS_SHAPE(3, 2)}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Trying to share variable m, but specified shape (3, 2) and found shape (2, 3).");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e4_rank_mismatch)
{
  /* spec §5 E4:
   *   tf.get_variable("m", [2, 3])
   *   with tf.variable_scope(tf.get_variable_scope(), reuse=True): tf.get_variable("m", [2, 3, 1])
   *   -> ValueError "Trying to share variable m, but specified shape (2, 3, 1) and found shape (2, 3)." */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  getv(g, "m", VS_SHAPE(2, 3), st);
  vs_scope *s = push_root_reuse(g, st);
  cr_assert_null(vs_get_variable(g, "m", &(vs_var_opts){.shape = VS_SHAPE(2, 3, 1)}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Trying to share variable m, but specified shape (2, 3, 1) and found shape (2, 3).");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e5_dtype_mismatch)
{
  /* spec §5 E5:
   *   with tf.variable_scope("i"): tf.get_variable("iv", [1], dtype=tf.int32)
   *   with tf.variable_scope("i", reuse=True): tf.get_variable("iv", [1])
   *   -> ValueError "Trying to share variable i/iv, but specified dtype float32 and found dtype int32_ref." */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "i", VS_REUSE_INHERIT, st);
  vs_get_variable(g, "iv", &(vs_var_opts){.shape = VS_SHAPE(1), .dtype = VS_INT32}, st);
  expect_ok(st);
  pop(g, s, st);
  s = push(g, "i", VS_REUSE_TRUE, st);
  cr_assert_null(vs_get_variable(g, "iv", &(vs_var_opts){.shape = VS_SHAPE(1)}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Trying to share variable i/iv, but specified dtype float32 and found dtype "
               "int32_ref.");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e6_constant_initializer_with_shape)
{
  /* spec §5 E6:
   *   tf.get_variable("v", initializer=tf.constant([1., 2.]), shape=[2])
   *   -> ValueError "If initializer is a constant, do not specify shape."   */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  float data[2] = {1.0f, 2.0f};
  vs_output c = vs_constant(g, data, VS_FLOAT, VS_SHAPE(2), NULL, st);
  expect_ok(st);
  cr_assert_null(vs_get_variable(
      g, "v", &(vs_var_opts){.shape = VS_SHAPE(2), .initializer = vs_tensor_initializer(c)}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "If initializer is a constant, do not specify shape.");
  cr_assert_eq(count(g, VS_GLOBAL_VARIABLES), 0);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e6_host_value_with_scalar_shape)
{
  /* spec §5 E6 ("also for shape=[]"):
   *   tf.get_variable("v", initializer=5.0, shape=[])
   *   -> ValueError "If initializer is a constant, do not specify shape."   */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  float five = 5.0f;
  cr_assert_null(vs_get_variable(
      g, "v",
      &(vs_var_opts){.shape = VS_SCALAR, .initializer = vs_value_initializer(&five, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
      st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "If initializer is a constant, do not specify shape.");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e7_initializer_dtype_mismatch)
{
  /* spec §5 E7:
   *   tf.get_variable("v", initializer=tf.constant([1, 2]), dtype=tf.float32)
   *   -> ValueError "Initializer type '<dtype: 'int32'>' and explicit dtype '<dtype: 'float32'>' don't match." */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  int32_t data[2] = {1, 2};
  vs_output c = vs_constant(g, data, VS_INT32, VS_SHAPE(2), NULL, st);
  expect_ok(st);
  cr_assert_null(vs_get_variable(
      g, "v", &(vs_var_opts){.dtype = VS_FLOAT, .initializer = vs_tensor_initializer(c)}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Initializer type '<dtype: 'int32'>' and explicit dtype '<dtype: 'float32'>' "
               "don't match.");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e8_initializer_required)
{
  /* spec §5 E8:
   *   with tf.variable_scope("s"): tf.get_variable("c", [1], dtype=tf.complex128)
   *   -> ValueError "An initializer for variable s/c of <dtype: 'complex128'> is required" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "s", VS_REUSE_INHERIT, st);
  cr_assert_null(
      vs_get_variable(g, "c", &(vs_var_opts){.shape = VS_SHAPE(1), .dtype = VS_COMPLEX128}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "An initializer for variable s/c of <dtype: 'complex128'> is required");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e9_invalid_variable_name)
{
  /* spec §5 E9:
   *   tf.get_variable("-bad", [1])
   * TF 2.21 -> ValueError "'-bad' is not a valid root scope name. A root scope name has to
   *   match the following pattern: ^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$"
   * (spec E9 V115 text: "'-bad' is not a valid scope name"; recent V2 adds the pattern) */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_null(vs_get_variable(g, "-bad", &(vs_var_opts){.shape = VS_SHAPE(1)}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "'-bad' is not a valid root scope name. A root scope name has to match the "
               "following pattern: ^[A-Za-z0-9.][A-Za-z0-9_.\\\\/>-]*$");
  cr_assert_eq(count(g, VS_GLOBAL_VARIABLES), 0);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e9_invalid_nested_scope_name)
{
  /* spec §5 E9 (inside another scope the relaxed pattern applies):
   *   with tf.variable_scope("x"):
   *     with tf.variable_scope("a b"): pass
   * TF 2.21 -> ValueError "'a b' is not a valid scope name. A scope name has to match the
   *   following pattern: ^[A-Za-z0-9_.\\/>-]*$"
   * (spec E9 V115 text: "'a b' is not a valid scope name") */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *x = push(g, "x", VS_REUSE_INHERIT, st);
  cr_assert_null(vs_variable_scope_push(g, "a b", NULL, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "'a b' is not a valid scope name. A scope name has to match the following "
               "pattern: ^[A-Za-z0-9_.\\\\/>-]*$");
  cr_assert_eq(vs_get_variable_scope(g), x);
  pop(g, x, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e10_reuse_true_without_name)
{
  /* spec §5 E10:
   *   with tf.variable_scope(None, default_name="d", reuse=True): pass
   *   -> ValueError "reuse=True cannot be used without a name_or_scope"      */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_null(vs_variable_scope_push(
      g, NULL, &(vs_varscope_opts){.default_name = "d", .reuse = VS_REUSE_TRUE}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "reuse=True cannot be used without a name_or_scope");
  cr_assert_str_eq(vs_scope_name(vs_get_variable_scope(g)), "");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e10_auto_reuse_without_name)
{
  /* spec §5 E10 (AUTO_REUSE too):
   *   with tf.variable_scope(None, default_name="d", reuse=tf.AUTO_REUSE): pass
   *   -> ValueError "reuse=True cannot be used without a name_or_scope"      */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_null(vs_variable_scope_push(
      g, NULL, &(vs_varscope_opts){.default_name = "d", .reuse = VS_REUSE_AUTO}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "reuse=True cannot be used without a name_or_scope");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e11_no_name_and_no_default)
{
  /* spec §5 E11:
   *   with tf.variable_scope(None): pass
   *   -> TypeError "If default_name is None then name_or_scope is required"  */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_null(vs_variable_scope_push(g, NULL, NULL, st));
  expect_error(st, VS_INVALID_ARGUMENT, "TypeError",
               "If default_name is None then name_or_scope is required");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e12_bad_reuse_value)
{
  /* spec §5 E12 / 4.16:
   *   with tf.variable_scope("x", reuse=1): pass
   *   -> ValueError "The reuse parameter must be True or False or None."
   * (C: a value outside the vs_reuse enum)                                   */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_null(vs_variable_scope_push(g, "x", &(vs_varscope_opts){.reuse = (vs_reuse)7}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "The reuse parameter must be True or False or None.");
  cr_assert_str_eq(vs_scope_name(vs_get_variable_scope(g)), "");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e13_scope_object_required)
{
  /* spec §5 E13:
   *   with tf.variable_scope(3): pass   (C: a NULL scope object)
   *   -> TypeError "VariableScope: name_or_scope must be a string or VariableScope." */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_null(vs_variable_scope_push_scope(g, NULL, NULL, st));
  expect_error(st, VS_INVALID_ARGUMENT, "TypeError",
               "VariableScope: name_or_scope must be a string or VariableScope.");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e14_auxiliary_name_scope_not_bool)
{
  /* spec §5 E14:
   *   with tf.variable_scope("x", auxiliary_name_scope=7): pass
   *   -> TypeError "The auxiliary_name_scope must be `True` or `False`, while get 7"
   * (C: a value outside the vs_opt_bool enum)                                */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_null(vs_variable_scope_push(
      g, "x", &(vs_varscope_opts){.auxiliary_name_scope = (vs_opt_bool)7}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "TypeError",
               "The auxiliary_name_scope must be `True` or `False`, while get 7");
  cr_assert_str_eq(vs_scope_name(vs_get_variable_scope(g)), "");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e19_callable_initializer_partial_shape)
{
  /* spec §5 E19:
   *   tf.get_variable("v", [None, 3], initializer=tf.glorot_uniform_initializer())
   *   -> ValueError "The initializer passed is not valid. ..."               */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_null(vs_get_variable(g, "v",
                                 &(vs_var_opts){.shape = VS_SHAPE(VS_DIM_UNKNOWN, 3),
                                                .initializer = vs_glorot_uniform_initializer(VS_SEED_NONE)},
                                 st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "The initializer passed is not valid. It should be a callable with no arguments "
               "and the shape should not be provided or an instance of "
               "`tf.keras.initializers.*' and `shape` should be fully defined.");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e20_improper_nesting)
{
  /* spec §5 E20:
   *   a = tf.variable_scope("a"); b = tf.variable_scope("b")
   *   a.__enter__(); b.__enter__(); a.__exit__(None, None, None)
   *   -> RuntimeError "Improper nesting of variable_scope."                  */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *a = push(g, "a", VS_REUSE_INHERIT, st);
  vs_scope *b = push(g, "b", VS_REUSE_INHERIT, st);
  vs_variable_scope_pop(g, a, st);
  expect_error(st, VS_FAILED_PRECONDITION, "RuntimeError", "Improper nesting of variable_scope.");
  cr_assert_eq(vs_get_variable_scope(g), b);
  pop(g, b, st);
  pop(g, a, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(errors, e22_duplicate_op_name)
{
  /* spec §5 E22 (C-API graphs, as TF 2.21 builds them):
   *   tf.constant(1.0, name="a"); tf.Variable(1.0, name="a/")
   *   -> ValueError "Duplicate node name in graph: 'a'"                      */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_constant_float(g, 1.0f, "a", st);
  expect_ok(st);
  float one = 1.0f;
  cr_assert_null(vs_variable(
      g, &(vs_variable_opts){.name = "a/", .initial_value = vs_value_initializer(&one, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
      st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "Duplicate node name in graph: 'a'");
  vs_status_free(st);
  vs_graph_free(g);
}
