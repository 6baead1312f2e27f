/* test_appendix.c - the appendix examples a-k of issue 2 (the examples of the
 * documents this project was made from).
 *
 * Every expectation was run in TensorFlow 2.21 (tf.compat.v1, v2 behaviour
 * disabled). Where TF 2.21 differs from the documents' text, the test
 * encodes TF 2.21 and says so.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "varscope.h"

#define SUPPORT_SCOPE_PUSH
#define SUPPORT_SCOPE_POP
#define SUPPORT_GETV
#include "support.h"

static inline vs_var *plain_var(vs_graph *g, const char *name, float value, vs_status *st)
{
  vs_var *v = vs_variable(
      g, &(vs_variable_opts){.name = name, .initial_value = vs_value_initializer(&value, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
      st);
  expect_ok(st);
  cr_assert_not_null(v);
  return v;
}

/* with tf.variable_scope("foo"): v = get_variable("v", [1]); w = get_variable("w", [1]) */
static vs_var *setup_foo(vs_graph *g, vs_status *st)
{
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  vs_var *v = getv(g, "v", VS_SHAPE(1), st);
  vs_var *w = getv(g, "w", VS_SHAPE(1), st);
  pop(g, s, st);
  cr_assert_str_eq(vs_var_name(v), "foo/v:0");
  cr_assert_str_eq(vs_var_name(w), "foo/w:0");
  return v;
}

Test(appendix, a_reuse_returns_same_variable)
{
  /* appendix a:
   *   with tf.variable_scope("foo"):
   *     v = tf.get_variable("v", [1])      # foo/v:0
   *     w = tf.get_variable("w", [1])      # foo/w:0
   *   with tf.variable_scope("foo", reuse=True):
   *     v1 = tf.get_variable("v")          # foo/v:0, v1 is v                */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *v = setup_foo(g, st);
  vs_scope *s = push(g, "foo", VS_REUSE_TRUE, st);
  vs_var *v1 = get_opts(g, "v", NULL, st);
  pop(g, s, st);
  cr_assert_str_eq(vs_var_name(v1), "foo/v:0");
  cr_assert_eq(v1, v);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(appendix, b_reuse_false_already_exists)
{
  /* appendix b:
   *   (a); with tf.variable_scope("foo", reuse=False): tf.get_variable("v", [1])
   *   -> ValueError "Variable foo/v already exists, disallowed. ..."         */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  setup_foo(g, st);
  vs_scope *s = push(g, "foo", VS_REUSE_FALSE, st);
  cr_assert_null(vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st));
  expect_e1(st, "foo/v");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(appendix, c_reuse_true_does_not_exist)
{
  /* appendix c:
   *   (a); with tf.variable_scope("foo", reuse=True): tf.get_variable("u", [1])
   *   -> ValueError "Variable foo/u does not exist, or was not created with tf.get_variable(). ..." */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  setup_foo(g, st);
  vs_scope *s = push(g, "foo", VS_REUSE_TRUE, st);
  cr_assert_null(vs_get_variable(g, "u", &(vs_var_opts){.shape = VS_SHAPE(1)}, st));
  expect_e2(st, "foo/u");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(appendix, d_new_variable_needs_shape)
{
  /* appendix d:
   *   (a); with tf.variable_scope("foo", reuse=False): tf.get_variable("u")
   * TF 2.21 -> ValueError "Variable foo/u did not get an initializer, so its `shape`
   *   argument must be specified."
   * (the documents / spec E3 quote "Shape of a new variable (foo/u) must be fully
   *  defined, but instead was <unknown>.")                                  */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  setup_foo(g, st);
  vs_scope *s = push(g, "foo", VS_REUSE_FALSE, st);
  cr_assert_null(vs_get_variable(g, "u", NULL, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Variable foo/u did not get an initializer, so its `shape` argument must be "
               "specified.");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(appendix, e_reuse_false_creates_new)
{
  /* appendix e:
   *   (a); with tf.variable_scope("foo", reuse=False): tf.get_variable("u", [1]).name
   *   -> "foo/u:0"                                                           */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  setup_foo(g, st);
  vs_scope *s = push(g, "foo", VS_REUSE_FALSE, st);
  vs_var *u = getv(g, "u", VS_SHAPE(1), st);
  pop(g, s, st);
  cr_assert_str_eq(vs_var_name(u), "foo/u:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(appendix, f_tf_variable_not_shareable)
{
  /* appendix f:
   *   with tf.variable_scope("foo"):
   *     v1 = tf.Variable(tf.random_normal([2, 3]), name="v1")   # foo/v1:0
   *     v2 = tf.get_variable("v2", [1])                         # foo/v2:0
   *   with tf.variable_scope("foo", reuse=True):
   *     v3 = tf.get_variable("v2")                              # foo/v2:0, v3 is v2
   *     tf.get_variable("v1")  -> ValueError "Variable foo/v1 does not exist, ..."
   * (C: the random_normal initial value is a callable initializer with shape [2, 3]) */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "foo", VS_REUSE_INHERIT, st);
  vs_var *v1 = vs_variable(
      g,
      &(vs_variable_opts){.name = "v1",
                          .initial_value = vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE),
                          .shape = VS_SHAPE(2, 3)},
      st);
  expect_ok(st);
  vs_var *v2 = getv(g, "v2", VS_SHAPE(1), st);
  pop(g, s, st);
  cr_assert_str_eq(vs_var_name(v1), "foo/v1:0");
  expect_shape(v1, "(2, 3)");
  cr_assert_str_eq(vs_var_name(v2), "foo/v2:0");
  s = push(g, "foo", VS_REUSE_TRUE, st);
  vs_var *v3 = get_opts(g, "v2", NULL, st);
  cr_assert_str_eq(vs_var_name(v3), "foo/v2:0");
  cr_assert_eq(v3, v2);
  cr_assert_null(vs_get_variable(g, "v1", NULL, st));
  expect_e2(st, "foo/v1");
  pop(g, s, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(appendix, g_name_scope_ignored_by_get_variable)
{
  /* appendix g:
   *   with tf.name_scope("hello"): a1 = tf.get_variable("arr1", [2, 10])     # arr1:0
   *   with tf.variable_scope("hello"): a2 = tf.get_variable("arr1", [2, 10]) # hello/arr1:0 */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_name_scope_push(g, "hello", st);
  expect_ok(st);
  vs_var *a1 = getv(g, "arr1", VS_SHAPE(2, 10), st);
  vs_name_scope_pop(g, st);
  expect_ok(st);
  vs_scope *s = push(g, "hello", VS_REUSE_INHERIT, st);
  vs_var *a2 = getv(g, "arr1", VS_SHAPE(2, 10), st);
  pop(g, s, st);
  cr_assert_str_eq(vs_var_name(a1), "arr1:0");
  cr_assert_str_eq(vs_var_name(a2), "hello/arr1:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(appendix, h_variable_versus_get_variable_names)
{
  /* appendix h:
   *   tf.Variable(1.0, name="firstvar")  # firstvar:0
   *   tf.Variable(1.0, name="firstvar")  # firstvar_1:0
   *   tf.Variable(3.0)                   # Variable:0
   *   tf.Variable(3.0)                   # Variable_1:0
   *   tf.get_variable("firstvar", [1])   # firstvar_2:0
   *   tf.get_variable("firstvar1", [1])  # firstvar1:0
   *   tf.get_variable("a", [1])          # a:0
   *   tf.get_variable("a", [1])          # ValueError "Variable a already exists, disallowed. ..." */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_str_eq(vs_var_name(plain_var(g, "firstvar", 1.0f, st)), "firstvar:0");
  cr_assert_str_eq(vs_var_name(plain_var(g, "firstvar", 1.0f, st)), "firstvar_1:0");
  cr_assert_str_eq(vs_var_name(plain_var(g, NULL, 3.0f, st)), "Variable:0");
  cr_assert_str_eq(vs_var_name(plain_var(g, NULL, 3.0f, st)), "Variable_1:0");
  cr_assert_str_eq(vs_var_name(getv(g, "firstvar", VS_SHAPE(1), st)), "firstvar_2:0");
  cr_assert_str_eq(vs_var_name(getv(g, "firstvar1", VS_SHAPE(1), st)), "firstvar1:0");
  cr_assert_str_eq(vs_var_name(getv(g, "a", VS_SHAPE(1), st)), "a:0");
  cr_assert_null(vs_get_variable(g, "a", &(vs_var_opts){.shape = VS_SHAPE(1)}, st));
  expect_e1(st, "a");
  vs_status_free(st);
  vs_graph_free(g);
}

/* with tf.variable_scope("test1", reuse=r): a = get("firstvar",[2])
 *   with tf.variable_scope("test2"): b = get("firstvar",[2]) */
static void test1_test2(vs_graph *g, vs_reuse r, vs_var **a, vs_var **b, vs_status *st)
{
  vs_scope *t1 = push(g, "test1", r, st);
  *a = getv(g, "firstvar", VS_SHAPE(2), st);
  vs_scope *t2 = push(g, "test2", VS_REUSE_INHERIT, st);
  *b = getv(g, "firstvar", VS_SHAPE(2), st);
  pop(g, t2, st);
  pop(g, t1, st);
}

Test(appendix, i_nested_scopes_reuse_and_auto_reuse)
{
  /* appendix i:
   *   with vs("test1"): get("firstvar",[2])               # test1/firstvar:0
   *   with vs("test2"): get("firstvar",[2])               # test2/firstvar:0
   *   with vs("test1"): with vs("test2"): get(...)        # test1/test2/firstvar:0
   *   with vs("test1", reuse=True):
   *     get("firstvar",[2])                               # test1/firstvar:0 (same)
   *     with vs("test2"): get("firstvar",[2])             # test1/test2/firstvar:0 (same)
   *   fresh graph: with vs("test1", reuse=tf.AUTO_REUSE): (same two gets)
   *     -> test1/firstvar:0, test1/test2/firstvar:0; a second AUTO_REUSE entry
   *     -> the same variables; global_variables() has exactly those two       */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = push(g, "test1", VS_REUSE_INHERIT, st);
  vs_var *t1v = getv(g, "firstvar", VS_SHAPE(2), st);
  pop(g, s, st);
  s = push(g, "test2", VS_REUSE_INHERIT, st);
  vs_var *t2v = getv(g, "firstvar", VS_SHAPE(2), st);
  pop(g, s, st);
  vs_scope *o = push(g, "test1", VS_REUSE_INHERIT, st);
  s = push(g, "test2", VS_REUSE_INHERIT, st);
  vs_var *t12v = getv(g, "firstvar", VS_SHAPE(2), st);
  pop(g, s, st);
  pop(g, o, st);
  cr_assert_str_eq(vs_var_name(t1v), "test1/firstvar:0");
  cr_assert_str_eq(vs_var_name(t2v), "test2/firstvar:0");
  cr_assert_str_eq(vs_var_name(t12v), "test1/test2/firstvar:0");
  vs_var *a, *b;
  test1_test2(g, VS_REUSE_TRUE, &a, &b, st);
  cr_assert_str_eq(vs_var_name(a), "test1/firstvar:0");
  cr_assert_str_eq(vs_var_name(b), "test1/test2/firstvar:0");
  cr_assert_eq(a, t1v);
  cr_assert_eq(b, t12v);
  vs_graph_free(g);

  g = vs_graph_new();
  vs_var *a1, *b1, *a2, *b2;
  test1_test2(g, VS_REUSE_AUTO, &a1, &b1, st);
  test1_test2(g, VS_REUSE_AUTO, &a2, &b2, st);
  cr_assert_str_eq(vs_var_name(a1), "test1/firstvar:0");
  cr_assert_str_eq(vs_var_name(b1), "test1/test2/firstvar:0");
  cr_assert_eq(a2, a1);
  cr_assert_eq(b2, b1);
  cr_assert_eq(vs_global_variables(g, NULL, NULL, 0, st), 2);
  vs_status_free(st);
  vs_graph_free(g);
}

/* def conv_relu(input, kernel_shape, bias_shape):
 *   weights = tf.get_variable("weights", kernel_shape, initializer=tf.random_normal_initializer())
 *   biases = tf.get_variable("biases", bias_shape, initializer=tf.constant_initializer(0.0))
 *   (the conv2d/relu ops are not part of this API; the variables are)
 * Returns false with st set on error. */
static bool conv_relu(vs_graph *g, vs_shape kernel_shape, vs_shape bias_shape, vs_status *st)
{
  if (!vs_get_variable(g, "weights",
                       &(vs_var_opts){.shape = kernel_shape,
                                      .initializer = vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE)},
                       st))
    return false;
  return vs_get_variable(g, "biases",
                         &(vs_var_opts){.shape = bias_shape, .initializer = vs_constant_initializer(0.0)},
                         st) != NULL;
}

/* def my_image_filter(input_images):
 *   with tf.variable_scope("conv1"): relu1 = conv_relu(input_images, [5,5,32,32], [32])
 *   with tf.variable_scope("conv2"): return conv_relu(relu1, [5,5,32,32], [32]) */
static bool my_image_filter(vs_graph *g, vs_status *st)
{
  vs_scope *s = vs_variable_scope_push(g, "conv1", NULL, st);
  if (!s) return false;
  bool ok = conv_relu(g, VS_SHAPE(5, 5, 32, 32), VS_SHAPE(32), st);
  vs_variable_scope_pop(g, s, NULL);
  if (!ok) return false;
  s = vs_variable_scope_push(g, "conv2", NULL, st);
  if (!s) return false;
  ok = conv_relu(g, VS_SHAPE(5, 5, 32, 32), VS_SHAPE(32), st);
  vs_variable_scope_pop(g, s, NULL);
  return ok;
}

static inline void expect_four_image_filter_vars(vs_graph *g, vs_status *st)
{
  vs_var *vars[8] = {0};
  cr_assert_eq(vs_trainable_variables(g, NULL, vars, 8, st), 4);
  cr_assert_str_eq(vs_var_name(vars[0]), "image_filters/conv1/weights:0");
  cr_assert_str_eq(vs_var_name(vars[1]), "image_filters/conv1/biases:0");
  cr_assert_str_eq(vs_var_name(vars[2]), "image_filters/conv2/weights:0");
  cr_assert_str_eq(vs_var_name(vars[3]), "image_filters/conv2/biases:0");
}

Test(appendix, j_image_filter_sharing)
{
  /* appendix j:
   *   conv_relu(x, [5,5,32,32], [32]) twice at top level
   *     -> ValueError "Variable weights already exists, disallowed. ..."
   *   my_image_filter(x) -> conv1/weights:0 (5,5,32,32), conv1/biases:0 (32,),
   *                         conv2/weights:0, conv2/biases:0
   *   my_image_filter(x) again -> "Variable conv1/weights already exists, disallowed. ..."
   *   inside "image_filters", shared by
   *     (1) with vs("image_filters"): f(x);  with vs("image_filters", reuse=True): f(x)
   *     (2) with vs("image_filters") as scope: f(x); scope.reuse_variables(); f(x)
   *     (3) with vs("image_filters") as scope: f(x);  with vs(scope, reuse=True): f(x)
   *   -> exactly 4 trainable variables: image_filters/conv1/weights:0,
   *      image_filters/conv1/biases:0, image_filters/conv2/weights:0,
   *      image_filters/conv2/biases:0, in that order                         */
  vs_status *st = vs_status_new();

  vs_graph *g = vs_graph_new();
  cr_assert(conv_relu(g, VS_SHAPE(5, 5, 32, 32), VS_SHAPE(32), st));
  cr_assert_not(conv_relu(g, VS_SHAPE(5, 5, 32, 32), VS_SHAPE(32), st));
  expect_e1(st, "weights");
  vs_graph_free(g);

  g = vs_graph_new();
  cr_assert(my_image_filter(g, st), "%s", vs_status_message(st));
  vs_var *vars[8] = {0};
  cr_assert_eq(vs_trainable_variables(g, NULL, vars, 8, st), 4);
  cr_assert_str_eq(vs_var_name(vars[0]), "conv1/weights:0");
  expect_shape(vars[0], "(5, 5, 32, 32)");
  cr_assert_str_eq(vs_var_name(vars[1]), "conv1/biases:0");
  expect_shape(vars[1], "(32,)");
  cr_assert_str_eq(vs_var_name(vars[2]), "conv2/weights:0");
  cr_assert_str_eq(vs_var_name(vars[3]), "conv2/biases:0");
  cr_assert_not(my_image_filter(g, st));
  expect_e1(st, "conv1/weights");
  vs_graph_free(g);

  /* (1) a second entry with reuse=True */
  g = vs_graph_new();
  vs_scope *s = push(g, "image_filters", VS_REUSE_INHERIT, st);
  cr_assert(my_image_filter(g, st), "%s", vs_status_message(st));
  pop(g, s, st);
  s = push(g, "image_filters", VS_REUSE_TRUE, st);
  cr_assert(my_image_filter(g, st), "%s", vs_status_message(st));
  pop(g, s, st);
  expect_four_image_filter_vars(g, st);
  vs_graph_free(g);

  /* (2) scope.reuse_variables() */
  g = vs_graph_new();
  s = push(g, "image_filters", VS_REUSE_INHERIT, st);
  cr_assert(my_image_filter(g, st), "%s", vs_status_message(st));
  vs_scope_reuse_variables(s);
  cr_assert(my_image_filter(g, st), "%s", vs_status_message(st));
  pop(g, s, st);
  expect_four_image_filter_vars(g, st);
  vs_graph_free(g);

  /* (3) re-entering the captured scope with reuse=True */
  g = vs_graph_new();
  s = push(g, "image_filters", VS_REUSE_INHERIT, st);
  cr_assert(my_image_filter(g, st), "%s", vs_status_message(st));
  pop(g, s, st);
  vs_scope *s2 = vs_variable_scope_push_scope(g, s, &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
  expect_ok(st);
  cr_assert(my_image_filter(g, st), "%s", vs_status_message(st));
  pop(g, s2, st);
  expect_four_image_filter_vars(g, st);
  vs_graph_free(g);

  vs_status_free(st);
}

static inline bool contains(vs_graph *g, const char *key, vs_var *v)
{
  vs_var *vars[16];
  size_t n = vs_get_collection_vars(g, key, NULL, vars, 16, NULL);
  for (size_t i = 0; i < n && i < 16; i++)
    if (vars[i] == v) return true;
  return false;
}

Test(appendix, k_guide_variables_and_collections)
{
  /* appendix k (the TF guide's variables page):
   *   my_variable = tf.get_variable("my_variable", [1, 2, 3])   # float32, glorot_uniform
   *   my_int_variable = tf.get_variable("my_int_variable", [1, 2, 3], dtype=tf.int32,
   *                                     initializer=tf.zeros_initializer())
   *   other_variable = tf.get_variable("other_variable", dtype=tf.int32,
   *                                    initializer=tf.constant([23, 42]))   # shape (2,)
   *   tf.get_variable("other_variable2", [2], dtype=tf.int32, initializer=tf.constant([23, 42]))
   *     -> ValueError "If initializer is a constant, do not specify shape."
   *   my_local = tf.get_variable("my_local", shape=(), collections=[tf.GraphKeys.LOCAL_VARIABLES])
   *   my_non_trainable = tf.get_variable("my_non_trainable", shape=(), trainable=False)
   *   tf.add_to_collection("my_collection_name", my_local)
   *   tf.get_collection("my_collection_name") -> [my_local:0]
   * TF 2.21: my_local is in local_variables and not in variables, but it IS in
   * trainable_variables (trainable defaults to True); the appendix's "only in
   * LOCAL_VARIABLES" holds for the variable collections other than TRAINABLE. */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *my_variable = getv(g, "my_variable", VS_SHAPE(1, 2, 3), st);
  cr_assert_str_eq(vs_var_name(my_variable), "my_variable:0");
  cr_assert_eq(vs_var_dtype(my_variable), VS_FLOAT);
  vs_initializer init = vs_var_initializer(my_variable);
  cr_assert_str_eq(vs_initializer_name(&init), "glorot_uniform");

  vs_var *my_int = get_opts(g, "my_int_variable",
                            &(vs_var_opts){.shape = VS_SHAPE(1, 2, 3), .dtype = VS_INT32,
                                           .initializer = vs_zeros_initializer()},
                            st);
  cr_assert_str_eq(vs_var_name(my_int), "my_int_variable:0");
  cr_assert_eq(vs_var_dtype(my_int), VS_INT32);
  cr_assert_eq(vs_var_initializer(my_int).kind, VS_INIT_ZEROS);
  expect_shape(my_int, "(1, 2, 3)");

  int32_t data[2] = {23, 42};
  vs_output c = vs_constant(g, data, VS_INT32, VS_SHAPE(2), NULL, st);
  expect_ok(st);
  vs_var *other = get_opts(
      g, "other_variable", &(vs_var_opts){.dtype = VS_INT32, .initializer = vs_tensor_initializer(c)}, st);
  cr_assert_str_eq(vs_var_name(other), "other_variable:0");
  expect_shape(other, "(2,)");
  cr_assert_null(vs_get_variable(g, "other_variable2",
                                 &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_INT32,
                                                .initializer = vs_tensor_initializer(c)},
                                 st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "If initializer is a constant, do not specify shape.");

  vs_var *my_local = get_opts(
      g, "my_local",
      &(vs_var_opts){.shape = VS_SCALAR, .collections = VS_COLLECTIONS(VS_LOCAL_VARIABLES)}, st);
  cr_assert(contains(g, VS_LOCAL_VARIABLES, my_local));
  cr_assert_not(contains(g, VS_GLOBAL_VARIABLES, my_local));
  cr_assert(contains(g, VS_TRAINABLE_VARIABLES, my_local));

  vs_var *my_nt = get_opts(g, "my_non_trainable",
                           &(vs_var_opts){.shape = VS_SCALAR, .trainable = VS_OPT_FALSE}, st);
  cr_assert(contains(g, VS_GLOBAL_VARIABLES, my_nt));
  cr_assert_not(contains(g, VS_TRAINABLE_VARIABLES, my_nt));

  vs_add_to_collection(g, "my_collection_name", my_local, st);
  expect_ok(st);
  vs_var *got[4] = {0};
  cr_assert_eq(vs_get_collection_vars(g, "my_collection_name", NULL, got, 4, st), 1);
  cr_assert_eq(got[0], my_local);

  /* the whole picture, as TF 2.21 prints it */
  vs_var *vars[8];
  cr_assert_eq(vs_global_variables(g, NULL, vars, 8, st), 4);
  cr_assert_eq(vars[0], my_variable);
  cr_assert_eq(vars[1], my_int);
  cr_assert_eq(vars[2], other);
  cr_assert_eq(vars[3], my_nt);
  cr_assert_eq(vs_trainable_variables(g, NULL, vars, 8, st), 4);
  cr_assert_eq(vars[3], my_local);
  cr_assert_eq(vs_local_variables(g, NULL, vars, 8, st), 1);
  vs_status_free(st);
  vs_graph_free(g);
}
