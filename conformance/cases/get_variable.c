/* conformance/cases/get_variable.c - spec §3 (the variable store and
 * _get_single_variable's decision table) and §9.1-9.2 (custom getters,
 * get_local_variable). Twins: conformance/oracle/get_variable.py. */
#include "common.h"

#define VSC_SUITE "get_variable"

/* with tf.variable_scope("foo"): v = tf.get_variable("v", [1]); tf.get_variable("v", [1])
 *   -> ValueError "Variable foo/v already exists, disallowed. ..."   spec 3.2.1, 5.E1 */
VSC_CASE(second_create_already_exists) {
  VSCOPE(foo, "foo");
  GETV(v, "v", .shape = VS_SHAPE(1));
  vs_var *v1 = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  EXPECT_E1("foo/v");
  EXPECT(v1 == NULL, "a variable was returned");
  VPOP(foo);
}

/* with tf.variable_scope("foo", reuse=True): tf.get_variable("v", [1])
 *   -> ValueError "Variable foo/v does not exist, or was not created with tf.get_variable(). ..."
 *                                                               spec 3.2.2, 5.E2 */
VSC_CASE(reuse_missing_does_not_exist) {
  VSCOPE(foo, "foo", .reuse = VS_REUSE_TRUE);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  EXPECT_E2("foo/v");
  EXPECT(v == NULL, "a variable was returned");
  VPOP(foo);
}

/* with tf.variable_scope("foo"): v = tf.get_variable("v", [2, 3])
 * with tf.variable_scope("foo", reuse=True):
 *   tf.get_variable("v", [2, 3]) is v; tf.get_variable("v") is v;
 *   tf.get_variable("v", [None, 3]) is v                       spec 3.2.3, 3.2.4 */
VSC_CASE(reuse_returns_same_variable_unknown_shape_compatible) {
  VSCOPE(f1, "foo");
  GETV(v, "v", .shape = VS_SHAPE(2, 3));
  VPOP(f1);
  VSCOPE(f2, "foo", .reuse = VS_REUSE_TRUE);
  GETV(a, "v", .shape = VS_SHAPE(2, 3));
  GETV(b, "v");
  GETV(c, "v", .shape = VS_SHAPE(VS_DIM_UNKNOWN, 3));
  VPOP(f2);
  EXPECT(a == v && b == v && c == v, "reuse returned another variable");
}

/* with tf.variable_scope("foo"): tf.get_variable("v", [1])
 * with tf.variable_scope("foo", reuse=True): tf.get_variable("v", [2])
 *   -> ValueError "Trying to share variable foo/v, but specified shape (2,) and found shape (1,)."
 *                                                         spec 3.2.5, 5.E4, 11.8 */
VSC_CASE(shape_mismatch_on_share) {
  VSCOPE(f1, "foo");
  GETV(v, "v", .shape = VS_SHAPE(1));
  VPOP(f1);
  VSCOPE(f2, "foo", .reuse = VS_REUSE_TRUE);
  vs_var *w = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Trying to share variable foo/v, but specified shape (2,) and found shape (1,).");
  EXPECT(w == NULL, "a variable was returned");
  VPOP(f2);
}

/* with tf.variable_scope("foo"): tf.get_variable("v", initializer=tf.constant(1))
 * with tf.variable_scope("foo", reuse=True): tf.get_variable("v")
 *   -> ValueError "Trying to share variable foo/v, but specified dtype float32 and found dtype int32_ref."
 *   with dtype=tf.int32 it is returned                  spec 3.2.6, 5.E5, 7.4.5, 11.18 */
VSC_CASE(int_variable_reused_without_dtype) {
  VSCOPE(f1, "foo");
  vs_output one = vs_constant_int32(g, 1, "Const", st);
  OK();
  GETV(v, "v", .initializer = vs_tensor_initializer(one));
  INT_EQ(vs_var_dtype(v), VS_INT32);
  VPOP(f1);
  VSCOPE(f2, "foo", .reuse = VS_REUSE_TRUE);
  vs_var *w = vs_get_variable(g, "v", NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Trying to share variable foo/v, but specified dtype float32 and found dtype int32_ref.");
  EXPECT(w == NULL, "a variable was returned");
  GETV(x, "v", .dtype = VS_INT32);
  EXPECT(x == v, "reuse with dtype=int32 returned another variable");
  VPOP(f2);
}

static vs_output never_loss(vs_graph *g, vs_var *v, void *data, vs_status *st) {
  return vs_identity(g, vs_var_value(v), "loss", st);
}

/* with tf.variable_scope("foo"): v = tf.get_variable("v", [1])
 * with tf.variable_scope("foo", reuse=True):
 *   v1 = tf.get_variable("v", [1], initializer=tf.zeros_initializer(), trainable=False,
 *                        collections=["mine"], regularizer=lambda x: tf.identity(x, name="loss"))
 *   -> v1 is v; still trainable; "mine" empty; no regularization loss
 *                                                        spec 3.2.7, 6.2.10, 11.18 */
VSC_CASE(reuse_ignores_other_arguments) {
  VSCOPE(f1, "foo");
  GETV(v, "v", .shape = VS_SHAPE(1));
  VPOP(f1);
  VSCOPE(f2, "foo", .reuse = VS_REUSE_TRUE);
  GETV(v1, "v", .shape = VS_SHAPE(1), .initializer = vs_zeros_initializer(),
       .trainable = VS_OPT_FALSE, .collections = VS_COLLECTIONS("mine"), .regularizer = never_loss);
  VPOP(f2);
  EXPECT(v1 == v, "reuse returned another variable");
  EXPECT(vs_var_trainable(v1), "the variable became non-trainable");
  COLLECTION("mine", NULL, "");
  COLLECTION(VS_REGULARIZATION_LOSSES, NULL, "");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "foo/v:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "foo/v:0");
  STR_EQ(vs_op_name(vs_var_initial_value(v1).op), "foo/v/Initializer/random_uniform");
}

/* def foo():
 *   with tf.variable_scope("foo", reuse=tf.AUTO_REUSE): return tf.get_variable("v", [1])
 * foo() is foo(); with AUTO_REUSE, get_variable("new", [3]) creates "foo/new:0"
 *                                             spec 3.2.8, 3.2.9, 11.10 (docstring) */
VSC_CASE(auto_reuse_returns_same_and_creates_missing) {
  vs_var *got[2];
  for (int i = 0; i < 2; i++) {
    VSCOPE(s, "foo", .reuse = VS_REUSE_AUTO);
    GETV(v, "v", .shape = VS_SHAPE(1));
    got[i] = v;
    VPOP(s);
  }
  EXPECT(got[0] == got[1], "AUTO_REUSE created a second variable");
  VAR_NAME(got[0], "foo/v:0");
  VSCOPE(s, "foo", .reuse = VS_REUSE_AUTO);
  GETV(n, "new", .shape = VS_SHAPE(3));
  VAR_NAME(n, "foo/new:0");
  VPOP(s);
}

/* with tf.variable_scope("foo", reuse=tf.AUTO_REUSE):
 *   tf.get_variable("v", [1]); tf.get_variable("v", [2]) -> E4 (shape still checked)
 *   tf.get_variable("v", [1], dtype=tf.int32) -> E5 (dtype still checked)
 *                                                           spec 3.2.8, 11.10 */
VSC_CASE(auto_reuse_still_checks_shape_and_dtype) {
  VSCOPE(s, "foo", .reuse = VS_REUSE_AUTO);
  GETV(v, "v", .shape = VS_SHAPE(1));
  vs_var *w = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Trying to share variable foo/v, but specified shape (2,) and found shape (1,).");
  w = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1), .dtype = VS_INT32}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Trying to share variable foo/v, but specified dtype int32 and found dtype float32_ref.");
  EXPECT(w == NULL, "a variable was returned");
  VPOP(s);
}

/* with tf.variable_scope("foo"): tf.get_variable("v", [1])
 * with tf.variable_scope("foo", reuse=True):
 *   tf.get_variable("v", initializer=tf.constant([1.]), shape=[1])
 *   -> ValueError "If initializer is a constant, do not specify shape." (before existence)
 *                                                          spec 3.2.10, 5.E6 */
VSC_CASE(constant_shape_checked_before_existence) {
  VSCOPE(f1, "foo");
  GETV(v, "v", .shape = VS_SHAPE(1));
  VPOP(f1);
  VSCOPE(f2, "foo", .reuse = VS_REUSE_TRUE);
  vs_output c = vs_constant(g, (float[]){1.0f}, VS_FLOAT, VS_SHAPE(1), "Const", st);
  OK();
  vs_var *w = vs_get_variable(
      g, "v", &(vs_var_opts){.shape = VS_SHAPE(1), .initializer = vs_tensor_initializer(c)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "If initializer is a constant, do not specify shape.");
  EXPECT(w == NULL, "a variable was returned");
  VPOP(f2);
}

/* with tf.variable_scope("foo"): tf.get_variable("u")
 *   TF 2.x -> ValueError "Variable foo/u did not get an initializer, so its `shape` argument must be specified."
 *   TF 1.15 -> E19 "The initializer passed is not valid. ..."
 *   TF 1.4 -> "Shape of a new variable (foo/u) must be fully defined, but instead was <unknown>."
 *                                                              spec 3.3, A.d */
VSC_CASE(no_shape_no_initializer) {
  VSCOPE(foo, "foo");
  vs_var *u = vs_get_variable(g, "u", NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Variable foo/u did not get an initializer, so its `shape` argument must be specified.");
  EXPECT(u == NULL, "a variable was returned");
  VPOP(foo);
}

/* tf.get_variable("u", [None, 3]) -> ValueError E19
 * tf.get_variable("w", initializer=tf.zeros_initializer()) -> ValueError E19   spec 3.3, 5.E19 */
VSC_CASE(partial_shape_or_no_shape_with_callable_initializer) {
  vs_var *u = vs_get_variable(g, "u", &(vs_var_opts){.shape = VS_SHAPE(VS_DIM_UNKNOWN, 3)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", E19);
  EXPECT(u == NULL, "a variable was returned");
  vs_var *w = vs_get_variable(g, "w", &(vs_var_opts){.initializer = vs_zeros_initializer()}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", E19);
  EXPECT(w == NULL, "a variable was returned");
}

/* ---- §9.1 custom getters ------------------------------------------------- */

struct trace {
  char log[256];
};

static vs_var *log_getter(const vs_getter *next, const vs_getter_args *a, void *data, vs_status *st) {
  struct trace *tr = data;
  size_t n = strlen(tr->log);
  snprintf(tr->log + n, sizeof tr->log - n, "%s%s reuse=%d trainable=%d", n ? "; " : "", a->name,
           (int)a->reuse, (int)a->trainable);
  return vs_getter_call(next, a, st);
}

/* seen = []
 * def getter(getter, name, *args, **kw): seen.append((name, kw["reuse"], kw["trainable"])); return getter(name, *args, **kw)
 * with tf.variable_scope("foo", custom_getter=getter):
 *   with tf.variable_scope("bar"): tf.get_variable("v", [1], trainable=False)
 * with tf.variable_scope("foo", reuse=True, custom_getter=getter):
 *   with tf.variable_scope("bar"): tf.get_variable("v", [1])
 *   -> seen == [("foo/bar/v", False, False), ("foo/bar/v", True, True)]
 *   (full name; the scope's reuse flag; inherited by sub-scopes)          spec 9.1 */
VSC_CASE(custom_getter_receives_full_name_and_reuse) {
  struct trace tr = {{0}};
  VSCOPE(f1, "foo", .custom_getter = log_getter, .custom_getter_data = &tr);
  VSCOPE(b1, "bar");
  GETV(v, "v", .shape = VS_SHAPE(1), .trainable = VS_OPT_FALSE);
  VPOP(b1);
  VPOP(f1);
  VSCOPE(f2, "foo", .reuse = VS_REUSE_TRUE, .custom_getter = log_getter, .custom_getter_data = &tr);
  VSCOPE(b2, "bar");
  GETV(w, "v", .shape = VS_SHAPE(1));
  VPOP(b2);
  VPOP(f2);
  EXPECT(w == v, "reuse through the getter returned another variable");
  STR_EQ(tr.log, "foo/bar/v reuse=1 trainable=0; foo/bar/v reuse=2 trainable=1");
}

struct order {
  char log[64];
};

static vs_var *getter_a(const vs_getter *next, const vs_getter_args *a, void *data, vs_status *st) {
  strcat(((struct order *)data)->log, "outer ");
  return vs_getter_call(next, a, st);
}

static vs_var *getter_b(const vs_getter *next, const vs_getter_args *a, void *data, vs_status *st) {
  strcat(((struct order *)data)->log, "inner ");
  return vs_getter_call(next, a, st);
}

static vs_var *getter_c(const vs_getter *next, const vs_getter_args *a, void *data, vs_status *st) {
  strcat(((struct order *)data)->log, "arg ");
  return vs_getter_call(next, a, st);
}

/* order = []
 * with tf.variable_scope("a", custom_getter=outer):
 *   with tf.variable_scope("b", custom_getter=inner):
 *     tf.get_variable("v", [1])                     -> order "inner outer"
 *     tf.get_variable("w", [1], custom_getter=arg)  -> order "arg" (replaces, no composition)
 *                                                                    spec 9.1 */
VSC_CASE(custom_getters_compose_inner_first_argument_replaces) {
  struct order o = {{0}};
  VSCOPE(a, "a", .custom_getter = getter_a, .custom_getter_data = &o);
  VSCOPE(b, "b", .custom_getter = getter_b, .custom_getter_data = &o);
  GETV(v, "v", .shape = VS_SHAPE(1));
  STR_EQ(o.log, "inner outer ");
  o.log[0] = '\0';
  GETV(w, "w", .shape = VS_SHAPE(1), .custom_getter = getter_c, .custom_getter_data = &o);
  STR_EQ(o.log, "arg ");
  VPOP(b);
  VPOP(a);
  VAR_NAME(w, "a/b/w:0");
}

static vs_var *rename_getter(const vs_getter *next, const vs_getter_args *a, void *data,
                             vs_status *st) {
  char name[128];
  snprintf(name, sizeof name, "%s_suffix", a->name);
  vs_getter_args b = *a;
  b.name = name;
  return vs_getter_call(next, &b, st);
}

/* def rename(getter, name, *a, **k): return getter(name + "_suffix", *a, **k)
 * with tf.variable_scope("s", custom_getter=rename): v = tf.get_variable("v", [1])
 *   -> "s/v_suffix:0"; with tf.variable_scope("s", reuse=True): tf.get_variable("v_suffix", [1]) is v
 *                                                                    spec 9.1 */
VSC_CASE(renaming_getter_changes_store_key) {
  VSCOPE(s, "s", .custom_getter = rename_getter);
  GETV(v, "v", .shape = VS_SHAPE(1));
  VPOP(s);
  VAR_NAME(v, "s/v_suffix:0");
  STR_EQ(vs_var_store_key(v), "s/v_suffix");
  VSCOPE(r, "s", .reuse = VS_REUSE_TRUE);
  GETV(w, "v_suffix", .shape = VS_SHAPE(1));
  EXPECT(w == v, "the renamed variable is not under its new key");
  VPOP(r);
}

/* ---- §9.2 get_local_variable ------------------------------------------- */

/* with tf.name_scope("ns"): with tf.variable_scope("foo"):
 *   l = tf.get_local_variable("l", [1])  -> "foo/l:0", not trainable, LOCAL only
 *   tf.get_local_variable("l", [1]) -> E1
 * with tf.variable_scope("foo", reuse=True): tf.get_local_variable("l", [1]) is l
 *                                                       spec 9.2, 6.2.6 */
VSC_CASE(local_variable_naming_and_reuse) {
  NSCOPE(ns, "ns");
  VSCOPE(f1, "foo");
  vs_var *l = vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  OK();
  VAR_NAME(l, "foo/l:0");
  EXPECT(!vs_var_trainable(l), "a local variable is trainable");
  vs_var *again = vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  EXPECT_E1("foo/l");
  EXPECT(again == NULL, "a variable was returned");
  VPOP(f1);
  NPOP();
  VSCOPE(f2, "foo", .reuse = VS_REUSE_TRUE);
  vs_var *r = vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  OK();
  EXPECT(r == l, "reuse of a local variable returned another variable");
  VPOP(f2);
  COLLECTION(VS_LOCAL_VARIABLES, NULL, "foo/l:0");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "");
}

const vsc_case vsc_cases_get_variable[] = {
    VSC_REG(second_create_already_exists, "3.2.1 5.E1"),
    VSC_REG(reuse_missing_does_not_exist, "3.2.2 5.E2"),
    VSC_REG(reuse_returns_same_variable_unknown_shape_compatible, "3.2.3 3.2.4"),
    VSC_REG(shape_mismatch_on_share, "3.2.5 5.E4 11.8"),
    VSC_REG(int_variable_reused_without_dtype, "3.2.6 5.E5 7.4.5 11.18"),
    VSC_REG(reuse_ignores_other_arguments, "3.2.7 6.2.10 11.18"),
    VSC_REG(auto_reuse_returns_same_and_creates_missing, "3.2.8 3.2.9 11.10"),
    VSC_REG(auto_reuse_still_checks_shape_and_dtype, "3.2.8 11.10 5.E4 5.E5"),
    VSC_REG(constant_shape_checked_before_existence, "3.2.10 5.E6"),
    VSC_REG(no_shape_no_initializer, "3.3 A.d"),
    VSC_REG(partial_shape_or_no_shape_with_callable_initializer, "3.3 5.E19"),
    VSC_REG(custom_getter_receives_full_name_and_reuse, "9.1"),
    VSC_REG(custom_getters_compose_inner_first_argument_replaces, "9.1"),
    VSC_REG(renaming_getter_changes_store_key, "9.1"),
    VSC_REG(local_variable_naming_and_reuse, "9.2 6.2.6"),
    {0},
};
