/* conformance/cases/sharing.c - sharing variables end to end: the appendix
 * examples a-k of issue 2 (the documents this project was made from), each
 * with its names exactly as printed there. Twins: conformance/oracle/sharing.py. */
#include "common.h"

#define VSC_SUITE "sharing"

/* (a): with tf.variable_scope("foo"): v = get_variable("v", [1]); w = get_variable("w", [1]) */
#define APPENDIX_A(v, w)                                  \
  VSCOPE(a_s_, "foo");                                    \
  GETV(v, "v", .shape = VS_SHAPE(1));                     \
  GETV(w, "w", .shape = VS_SHAPE(1));                     \
  VPOP(a_s_)

/* with tf.variable_scope("foo"):
 *   v = tf.get_variable("v", [1]) -> "foo/v:0"; w = tf.get_variable("w", [1]) -> "foo/w:0"
 * with tf.variable_scope("foo", reuse=True): v1 = tf.get_variable("v") -> "foo/v:0", v1 is v   A.a */
VSC_CASE(appendix_a_reuse_returns_same_variable) {
  APPENDIX_A(v, w);
  VAR_NAME(v, "foo/v:0");
  VAR_NAME(w, "foo/w:0");
  VSCOPE(r, "foo", .reuse = VS_REUSE_TRUE);
  GETV(v1, "v");
  VPOP(r);
  VAR_NAME(v1, "foo/v:0");
  EXPECT(v1 == v, "not the same variable");
}

/* (a), then with tf.variable_scope("foo", reuse=False): tf.get_variable("v", [1])
 *   -> ValueError "Variable foo/v already exists, disallowed. ..."        A.b */
VSC_CASE(appendix_b_reuse_false_already_exists) {
  APPENDIX_A(v, w);
  VSCOPE(r, "foo", .reuse = VS_REUSE_FALSE);
  vs_var *x = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  EXPECT_E1("foo/v");
  EXPECT(x == NULL, "a variable was returned");
  VPOP(r);
}

/* (a), then with tf.variable_scope("foo", reuse=True): tf.get_variable("u", [1])
 *   -> ValueError "Variable foo/u does not exist, or was not created with tf.get_variable(). ..."   A.c */
VSC_CASE(appendix_c_reuse_true_does_not_exist) {
  APPENDIX_A(v, w);
  VSCOPE(r, "foo", .reuse = VS_REUSE_TRUE);
  vs_var *u = vs_get_variable(g, "u", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  EXPECT_E2("foo/u");
  EXPECT(u == NULL, "a variable was returned");
  VPOP(r);
}

/* (a), then with tf.variable_scope("foo", reuse=False): tf.get_variable("u")
 *   -> ValueError; documents (TF 1.4): "Shape of a new variable (foo/u) must be fully defined,
 *      but instead was <unknown>."; TF 1.15: E19; TF 2.x: "Variable foo/u did not get an
 *      initializer, so its `shape` argument must be specified."                     A.d */
VSC_CASE(appendix_d_new_variable_needs_shape) {
  APPENDIX_A(v, w);
  VSCOPE(r, "foo", .reuse = VS_REUSE_FALSE);
  vs_var *u = vs_get_variable(g, "u", NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Variable foo/u did not get an initializer, so its `shape` argument must be specified.");
  EXPECT(u == NULL, "a variable was returned");
  VPOP(r);
}

/* (a), then with tf.variable_scope("foo", reuse=False): tf.get_variable("u", [1]) -> "foo/u:0"   A.e */
VSC_CASE(appendix_e_reuse_false_creates_new) {
  APPENDIX_A(v, w);
  VSCOPE(r, "foo", .reuse = VS_REUSE_FALSE);
  GETV(u, "u", .shape = VS_SHAPE(1));
  VPOP(r);
  VAR_NAME(u, "foo/u:0");
}

/* with tf.variable_scope("foo"):
 *   v1 = tf.Variable(tf.random_normal([2, 3]), name="v1") -> "foo/v1:0"
 *   v2 = tf.get_variable("v2", [1]) -> "foo/v2:0"
 * with tf.variable_scope("foo", reuse=True):
 *   tf.get_variable("v2") -> "foo/v2:0"; tf.get_variable("v1") -> ValueError E2 "Variable foo/v1 does not exist, ..."
 *                                                                 A.f, 11.5 */
VSC_CASE(appendix_f_tf_variable_not_shareable) {
  VSCOPE(f, "foo");
  VARIABLE(v1, .name = "v1", .initial_value = vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE),
           .shape = VS_SHAPE(2, 3));
  GETV(v2, "v2", .shape = VS_SHAPE(1));
  VPOP(f);
  VAR_NAME(v1, "foo/v1:0");
  VAR_NAME(v2, "foo/v2:0");
  VSCOPE(r, "foo", .reuse = VS_REUSE_TRUE);
  GETV(again, "v2");
  VAR_NAME(again, "foo/v2:0");
  vs_var *x = vs_get_variable(g, "v1", NULL, st);
  EXPECT_E2("foo/v1");
  EXPECT(x == NULL, "a variable was returned");
  VPOP(r);
}

/* with tf.name_scope("hello"): tf.get_variable("arr1", [2, 10]) -> "arr1:0"
 * with tf.variable_scope("hello"): tf.get_variable("arr1", [2, 10]) -> "hello/arr1:0"   A.g, 11.1 */
VSC_CASE(appendix_g_name_scope_ignored_by_get_variable) {
  NSCOPE(n, "hello");
  GETV(a, "arr1", .shape = VS_SHAPE(2, 10));
  NPOP();
  VSCOPE(s, "hello");
  GETV(b, "arr1", .shape = VS_SHAPE(2, 10));
  VPOP(s);
  VAR_NAME(a, "arr1:0");
  VAR_NAME(b, "hello/arr1:0");
}

/* tf.Variable(1.0, name="firstvar") -> "firstvar:0"; again -> "firstvar_1:0"
 * tf.Variable(3.0) -> "Variable:0"; again -> "Variable_1:0"
 * tf.get_variable("firstvar", [1]) -> "firstvar_2:0"; tf.get_variable("firstvar1", [1]) -> "firstvar1:0"
 * tf.get_variable("a", [1]) twice -> E1 "Variable a already exists, ..."    A.h, 11.5 */
VSC_CASE(appendix_h_variable_versus_get_variable_names) {
  vs_initializer one = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE);
  vs_initializer three = vs_value_initializer(&(float){3.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE);
  VARIABLE(a, .name = "firstvar", .initial_value = one);
  VARIABLE(b, .name = "firstvar", .initial_value = one);
  VARIABLE(c, .initial_value = three);
  VARIABLE(d, .initial_value = three);
  GETV(e, "firstvar", .shape = VS_SHAPE(1));
  GETV(f, "firstvar1", .shape = VS_SHAPE(1));
  VAR_NAME(a, "firstvar:0");
  VAR_NAME(b, "firstvar_1:0");
  VAR_NAME(c, "Variable:0");
  VAR_NAME(d, "Variable_1:0");
  VAR_NAME(e, "firstvar_2:0");
  VAR_NAME(f, "firstvar1:0");
  GETV(x, "a", .shape = VS_SHAPE(1));
  vs_var *y = vs_get_variable(g, "a", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  EXPECT_E1("a");
  EXPECT(y == NULL, "a variable was returned");
}

/* with tf.variable_scope("test1"): var1 = tf.get_variable("firstvar", [2]) -> "test1/firstvar:0"
 * with tf.variable_scope("test2"): var2 = ... -> "test2/firstvar:0"
 * with tf.variable_scope("test1"): with tf.variable_scope("test2"): var3 -> "test1/test2/firstvar:0"
 * with tf.variable_scope("test1", reuse=True):
 *   tf.get_variable("firstvar", [2]) is var1; with tf.variable_scope("test2"): ... is var3
 * in a fresh graph, twice: with tf.variable_scope("test1", reuse=tf.AUTO_REUSE):
 *   get("firstvar", [2]) -> "test1/firstvar:0"; in "test2": -> "test1/test2/firstvar:0"; the same both times   A.i */
VSC_CASE(appendix_i_nested_scopes_reuse_and_auto_reuse) {
  VSCOPE(t1, "test1");
  GETV(var1, "firstvar", .shape = VS_SHAPE(2));
  VPOP(t1);
  VSCOPE(t2, "test2");
  GETV(var2, "firstvar", .shape = VS_SHAPE(2));
  VPOP(t2);
  VSCOPE(t1b, "test1");
  VSCOPE(t2b, "test2");
  GETV(var3, "firstvar", .shape = VS_SHAPE(2));
  VPOP(t2b);
  VPOP(t1b);
  VAR_NAME(var1, "test1/firstvar:0");
  VAR_NAME(var2, "test2/firstvar:0");
  VAR_NAME(var3, "test1/test2/firstvar:0");
  VSCOPE(r1, "test1", .reuse = VS_REUSE_TRUE);
  GETV(r1v, "firstvar", .shape = VS_SHAPE(2));
  VSCOPE(r2, "test2");
  GETV(r3v, "firstvar", .shape = VS_SHAPE(2));
  VPOP(r2);
  VPOP(r1);
  EXPECT(r1v == var1 && r3v == var3, "reuse=True did not share");
  vs_graph *g2 = vs_graph_new();
  EXPECT(g2 != NULL, "out of memory");
  vs_var *got[4] = {0};
  for (int i = 0; i < 2; i++) {
    vs_scope *s1 = vs_variable_scope_push(g2, "test1", &(vs_varscope_opts){.reuse = VS_REUSE_AUTO}, st);
    vs_var *a = s1 ? vs_get_variable(g2, "firstvar", &(vs_var_opts){.shape = VS_SHAPE(2)}, st) : NULL;
    vs_scope *s2 = a ? vs_variable_scope_push(g2, "test2", NULL, st) : NULL;
    vs_var *b = s2 ? vs_get_variable(g2, "firstvar", &(vs_var_opts){.shape = VS_SHAPE(2)}, st) : NULL;
    if (s2) vs_variable_scope_pop(g2, s2, NULL);
    if (s1) vs_variable_scope_pop(g2, s1, NULL);
    got[2 * i] = a;
    got[2 * i + 1] = b;
  }
  bool ok = got[0] && got[1] && got[0] == got[2] && got[1] == got[3] &&
            strcmp(vs_var_name(got[0]), "test1/firstvar:0") == 0 &&
            strcmp(vs_var_name(got[1]), "test1/test2/firstvar:0") == 0;
  char err[512];
  snprintf(err, sizeof err, "%s", vs_status_message(st));
  vs_graph_free(g2);
  EXPECT(ok, "AUTO_REUSE in a fresh graph: %s", err);
}

/* def conv_relu(kernel_shape, bias_shape):
 *   weights = tf.get_variable("weights", kernel_shape, initializer=tf.random_normal_initializer())
 *   biases = tf.get_variable("biases", bias_shape, initializer=tf.constant_initializer(0.0))
 * def my_image_filter():
 *   with tf.variable_scope("conv1"): conv_relu([5, 5, 32, 32], [32])
 *   with tf.variable_scope("conv2"): conv_relu([5, 5, 32, 32], [32])  */
static void conv_relu(vs_graph *g, vs_status *st) {
  if (!vs_get_variable(g, "weights", &(vs_var_opts){.shape = VS_SHAPE(5, 5, 32, 32),
                       .initializer = vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE)}, st))
    return;
  vs_get_variable(g, "biases", &(vs_var_opts){.shape = VS_SHAPE(32), .initializer = vs_constant_initializer(0.0)}, st);
}

static void my_image_filter(vs_graph *g, vs_status *st) {
  const char *names[] = {"conv1", "conv2"};
  for (int i = 0; i < 2 && vs_status_code(st) == VS_OK; i++) {
    vs_scope *s = vs_variable_scope_push(g, names[i], NULL, st);
    if (!s) return;
    conv_relu(g, st);
    vs_variable_scope_pop(g, s, vs_status_code(st) == VS_OK ? st : NULL);
  }
}

#define FOUR_FILTER_VARS                                                                    \
  "image_filters/conv1/weights:0 image_filters/conv1/biases:0 image_filters/conv2/weights:0 " \
  "image_filters/conv2/biases:0"

/* conv_relu twice at the top level -> ValueError "Variable weights already exists, disallowed. ..."
 * my_image_filter() -> conv1/weights:0 (5, 5, 32, 32), conv1/biases:0 (32,), conv2/weights:0, conv2/biases:0
 * my_image_filter() again -> ValueError "Variable conv1/weights already exists, ..."
 * Sharing inside "image_filters", three ways, each leaving exactly these 4 trainable variables:
 *   (1) with variable_scope("image_filters"): f(); with variable_scope("image_filters", reuse=True): f()
 *   (2) with variable_scope("image_filters") as scope: f(); scope.reuse_variables(); f()
 *   (3) with variable_scope("image_filters") as scope: f()
 *       with variable_scope(scope, reuse=True): f()                     A.j (README example) */
VSC_CASE(appendix_j_image_filter_sharing) {
  conv_relu(g, st);
  OK();
  conv_relu(g, st);
  EXPECT_E1("weights");
  vs_graph *g1 = vs_graph_new();
  EXPECT(g1 != NULL, "out of memory");
  vs_status_set(st, VS_OK, NULL);
  my_image_filter(g1, st);
  char first[512];
  snprintf(first, sizeof first, "%s", vs_status_message(st));
  char names[512] = "", shapes[128] = "";
  vs_var *vars[8];
  size_t n = vs_trainable_variables(g1, NULL, vars, 8, NULL);
  for (size_t i = 0; i < n && i < 8; i++) {
    size_t len = strlen(names);
    snprintf(names + len, sizeof names - len, "%s%s", i ? " " : "", vs_var_name(vars[i]));
  }
  if (n >= 2) {
    vs_shape a = vs_var_shape(vars[0]), b = vs_var_shape(vars[1]);
    char sa[64], sb[64];
    vs_shape_format(a, sa, sizeof sa);
    vs_shape_format(b, sb, sizeof sb);
    snprintf(shapes, sizeof shapes, "%s %s", sa, sb);
  }
  my_image_filter(g1, st);
  char second[512];
  snprintf(second, sizeof second, "%s", vs_status_message(st));
  vs_graph_free(g1);
  STR_EQ(first, "");
  STR_EQ(names, "conv1/weights:0 conv1/biases:0 conv2/weights:0 conv2/biases:0");
  STR_EQ(shapes, "(5, 5, 32, 32) (32,)");
  EXPECT(vsc_starts_with(second, E1("conv1/weights")), "second my_image_filter: %s", second);

  for (int way = 1; way <= 3; way++) {
    vs_graph *gw = vs_graph_new();
    EXPECT(gw != NULL, "out of memory");
    vs_status_set(st, VS_OK, NULL);
    vs_scope *s = vs_variable_scope_push(gw, "image_filters", NULL, st);
    if (s) {
      my_image_filter(gw, st);
      if (way == 1) {
        vs_variable_scope_pop(gw, s, NULL);
        s = vs_variable_scope_push(gw, "image_filters", &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
      } else if (way == 2) {
        vs_scope_reuse_variables(s);
      } else {
        vs_variable_scope_pop(gw, s, NULL);
        s = vs_variable_scope_push_scope(gw, s, &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
      }
      if (s && vs_status_code(st) == VS_OK) my_image_filter(gw, st);
      if (s) vs_variable_scope_pop(gw, s, NULL);
    }
    char got[512] = "", err[512];
    snprintf(err, sizeof err, "%s", vs_status_message(st));
    n = vs_trainable_variables(gw, NULL, vars, 8, NULL);
    for (size_t i = 0; i < n && i < 8; i++) {
      size_t len = strlen(got);
      snprintf(got + len, sizeof got - len, "%s%s", i ? " " : "", vs_var_name(vars[i]));
    }
    vs_graph_free(gw);
    EXPECT(err[0] == '\0', "way %d: %s", way, err);
    STR_EQ(got, FOUR_FILTER_VARS);
  }
}

/* my_variable = tf.get_variable("my_variable", [1, 2, 3])  -> float32, glorot_uniform
 * my_int_variable = tf.get_variable("my_int_variable", [1, 2, 3], dtype=tf.int32,
 *                                   initializer=tf.zeros_initializer())
 * other_variable = tf.get_variable("other_variable", dtype=tf.int32, initializer=tf.constant([23, 42]))
 *   -> shape (2,); with shape=[2] as well -> ValueError E6
 * my_local = tf.get_variable("my_local", shape=(), collections=[tf.GraphKeys.LOCAL_VARIABLES])
 * my_non_trainable = tf.get_variable("my_non_trainable", shape=(), trainable=False)
 * tf.add_to_collection("my_collection_name", my_local)
 *   LOCAL -> [my_local]; GLOBAL excludes my_local, includes my_non_trainable; TRAINABLE
 *   excludes my_non_trainable but includes my_local (get_variable keeps trainable=True:
 *   only get_local_variable forces False, 11.17); get_collection("my_collection_name")
 *   -> [my_local]                                                         A.k (the TF guide) */
VSC_CASE(appendix_k_guide_variables_and_collections) {
  GETV(mv, "my_variable", .shape = VS_SHAPE(1, 2, 3));
  INT_EQ(vs_var_dtype(mv), VS_FLOAT);
  STR_EQ(vs_op_name(vs_var_initial_value(mv).op), "my_variable/Initializer/random_uniform");
  GETV(mi, "my_int_variable", .shape = VS_SHAPE(1, 2, 3), .dtype = VS_INT32, .initializer = vs_zeros_initializer());
  STR_EQ(vs_var_dtype_name(mi), "int32_ref");
  vs_output c = vs_constant(g, (int32_t[]){23, 42}, VS_INT32, VS_SHAPE(2), "Const", st);
  OK();
  GETV(ov, "other_variable", .dtype = VS_INT32, .initializer = vs_tensor_initializer(c));
  SHAPE_STR(vs_var_shape(ov), "(2,)");
  vs_var *bad = vs_get_variable(g, "other_variable2", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_INT32,
                                .initializer = vs_tensor_initializer(c)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "If initializer is a constant, do not specify shape.");
  EXPECT(bad == NULL, "a variable was returned");
  GETV(ml, "my_local", .shape = VS_SCALAR, .collections = VS_COLLECTIONS(VS_LOCAL_VARIABLES));
  GETV(mn, "my_non_trainable", .shape = VS_SCALAR, .trainable = VS_OPT_FALSE);
  vs_add_to_collection(g, "my_collection_name", ml, st);
  OK();
  COLLECTION(VS_LOCAL_VARIABLES, NULL, "my_local:0");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "my_variable:0 my_int_variable:0 other_variable:0 my_non_trainable:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "my_variable:0 my_int_variable:0 other_variable:0 my_local:0");
  COLLECTION("my_collection_name", NULL, "my_local:0");
}

const vsc_case vsc_cases_sharing[] = {
    VSC_REG(appendix_a_reuse_returns_same_variable, "A.a 3.2.3"),
    VSC_REG(appendix_b_reuse_false_already_exists, "A.b 4.17 5.E1"),
    VSC_REG(appendix_c_reuse_true_does_not_exist, "A.c 5.E2"),
    VSC_REG(appendix_d_new_variable_needs_shape, "A.d 3.3"),
    VSC_REG(appendix_e_reuse_false_creates_new, "A.e"),
    VSC_REG(appendix_f_tf_variable_not_shareable, "A.f 11.5 2.2.19"),
    VSC_REG(appendix_g_name_scope_ignored_by_get_variable, "A.g 11.1"),
    VSC_REG(appendix_h_variable_versus_get_variable_names, "A.h 11.5 2.2.20"),
    VSC_REG(appendix_i_nested_scopes_reuse_and_auto_reuse, "A.i 3.2.8"),
    VSC_REG(appendix_j_image_filter_sharing, "A.j 4.11"),
    VSC_REG(appendix_k_guide_variables_and_collections, "A.k 6.2.3 7.1.1 7.4.1"),
    {0},
};
