/* conformance/cases/collections.c - spec §6: collection keys, membership,
 * retrieval; §11.7, §11.17. Twins: conformance/oracle/collections.py. */
#include "common.h"

#define VSC_SUITE "collections"

/* GraphKeys.GLOBAL_VARIABLES == "variables", LOCAL_VARIABLES == "local_variables",
 * TRAINABLE_VARIABLES == "trainable_variables", MODEL_VARIABLES == "model_variables",
 * REGULARIZATION_LOSSES == "regularization_losses", GLOBAL_STEP == "global_step",
 * METRIC_VARIABLES == "metric_variables", UPDATE_OPS == "update_ops"     spec 6.1 */
VSC_CASE(graph_key_strings) {
  STR_EQ(VS_GLOBAL_VARIABLES, "variables");
  STR_EQ(VS_LOCAL_VARIABLES, "local_variables");
  STR_EQ(VS_TRAINABLE_VARIABLES, "trainable_variables");
  STR_EQ(VS_MODEL_VARIABLES, "model_variables");
  STR_EQ(VS_REGULARIZATION_LOSSES, "regularization_losses");
  STR_EQ(VS_GLOBAL_STEP, "global_step");
  STR_EQ(VS_METRIC_VARIABLES, "metric_variables");
  STR_EQ(VS_UPDATE_OPS, "update_ops");
  STR_EQ(VS_MOVING_AVERAGE_VARIABLES, "moving_average_variables");
}

/* a = tf.get_variable("a", [1]); b = tf.Variable(1., name="b")
 * c = tf.get_variable("c", [1], trainable=False)
 *   GLOBAL -> [a, b, c]; TRAINABLE -> [a, b]                 spec 6.2.1, 6.2.2, 6.3.1 */
VSC_CASE(default_membership_and_trainable_false) {
  GETV(a, "a", .shape = VS_SHAPE(1));
  VARIABLE(b, .name = "b", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  GETV(c, "c", .shape = VS_SHAPE(1), .trainable = VS_OPT_FALSE);
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "a:0 b:0 c:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "a:0 b:0");
}

/* tf.get_variable("m", [1], collections=["mine"])
 * tf.get_variable("e", [1], collections=[])
 * tf.get_variable("d", [1], collections=[GLOBAL_VARIABLES, GLOBAL_VARIABLES])
 *   mine -> [m]; GLOBAL -> [d] (once); TRAINABLE -> [m, e, d]      spec 6.2.3-6.2.5, 11.17 */
VSC_CASE(collections_argument_replaces_global) {
  GETV(m, "m", .shape = VS_SHAPE(1), .collections = VS_COLLECTIONS("mine"));
  GETV(e, "e", .shape = VS_SHAPE(1), .collections = VS_NO_COLLECTIONS);
  GETV(d, "d", .shape = VS_SHAPE(1), .collections = VS_COLLECTIONS(VS_GLOBAL_VARIABLES, VS_GLOBAL_VARIABLES));
  COLLECTION("mine", NULL, "m:0");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "d:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "m:0 e:0 d:0");
}

/* tf.get_local_variable("l", [1], collections=["mine"])
 *   mine -> [l]; LOCAL -> [l]; GLOBAL, TRAINABLE -> []          spec 6.2.7 */
VSC_CASE(local_variable_with_collections) {
  vs_var *l = vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1), .collections = VS_COLLECTIONS("mine")}, st);
  OK();
  VAR_NAME(l, "l:0");
  COLLECTION("mine", NULL, "l:0");
  COLLECTION(VS_LOCAL_VARIABLES, NULL, "l:0");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "");
}

/* i = tf.Variable(1, name="i")   # int32
 *   TRAINABLE -> [i]; MODEL_VARIABLES -> []                      spec 6.2.8, 6.2.12 */
VSC_CASE(int_variable_is_trainable_model_variables_empty) {
  VARIABLE(i, .name = "i", .initial_value = vs_value_initializer(&(int32_t){1}, VS_INT32, 1, VS_UNKNOWN_SHAPE));
  INT_EQ(vs_var_dtype(i), VS_INT32);
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "i:0");
  COLLECTION(VS_MODEL_VARIABLES, NULL, "");
}

static vs_output id_loss(vs_graph *g, vs_var *v, void *data, vs_status *st) {
  return vs_identity(g, vs_var_value(v), "loss", st);
}

static vs_output none_loss(vs_graph *g, vs_var *v, void *data, vs_status *st) {
  return (vs_output){NULL, 0};
}

/* tf.get_variable("v", [1], regularizer=lambda x: tf.identity(x, name="loss"))
 * tf.get_variable("n", [1], regularizer=lambda x: None)
 * with tf.variable_scope("s", regularizer=lambda x: tf.identity(x, name="loss")):
 *   tf.get_variable("w", [1])
 *   REGULARIZATION_LOSSES -> ["v/Regularizer/loss", "s/w/Regularizer/loss"]   spec 6.2.11 */
VSC_CASE(regularizer_loss_added_once) {
  GETV(v, "v", .shape = VS_SHAPE(1), .regularizer = id_loss);
  GETV(n, "n", .shape = VS_SHAPE(1), .regularizer = none_loss);
  VSCOPE(s, "s", .regularizer = id_loss);
  GETV(w, "w", .shape = VS_SHAPE(1));
  VPOP(s);
  COLLECTION(VS_REGULARIZATION_LOSSES, NULL, "v/Regularizer/loss s/w/Regularizer/loss");
}

/* tf.get_variable("global_step", shape=[], dtype=tf.int64, initializer=tf.zeros_initializer(),
 *                 trainable=False, collections=[GLOBAL_VARIABLES, GLOBAL_STEP])
 *   (what get_or_create_global_step builds) -> "global_step:0", int64_ref,
 *   GLOBAL -> [global_step], GLOBAL_STEP -> [global_step], TRAINABLE -> []   spec 6.2.13 */
VSC_CASE(global_step_membership) {
  GETV(gs, VS_GLOBAL_STEP, .shape = VS_SCALAR, .dtype = VS_INT64, .initializer = vs_zeros_initializer(),
       .trainable = VS_OPT_FALSE, .collections = VS_COLLECTIONS(VS_GLOBAL_VARIABLES, VS_GLOBAL_STEP));
  VAR_NAME(gs, "global_step:0");
  STR_EQ(vs_var_dtype_name(gs), "int64_ref");
  STR_EQ(vs_op_name(vs_var_initial_value(gs).op), "global_step/Initializer/zeros");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "global_step:0");
  COLLECTION(VS_GLOBAL_STEP, NULL, "global_step:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "");
}

/* tf.get_collection("nope") -> []; tf.get_default_graph().get_all_collection_keys() -> []
 *                                                                        spec 6.3.2 */
VSC_CASE(unknown_key_is_empty_and_not_created) {
  INT_EQ(vs_get_collection(g, "nope", NULL, NULL, 0, st), 0);
  OK();
  INT_EQ(vs_get_all_collection_keys(g, NULL, 0), 0);
}

/* with tf.variable_scope("D"): tf.get_variable("w", [1])
 * with tf.variable_scope("D_pre"): tf.get_variable("w", [1])
 * with tf.variable_scope("foo"): tf.get_variable("w", [1])
 *   get_collection(TRAINABLE, "D")  -> [D/w, D_pre/w]   (re.match: a prefix)
 *   get_collection(TRAINABLE, "D/") -> [D/w]
 *   get_collection(TRAINABLE, "oo") -> []               (anchored at the start)
 *   get_collection(TRAINABLE, "D.p") -> [D_pre/w]       (a regex)
 *                                                 spec 6.3.3-6.3.6, 11.7 */
VSC_CASE(scope_filter_is_anchored_regex_prefix) {
  const char *scopes[] = {"D", "D_pre", "foo"};
  for (int i = 0; i < 3; i++) {
    VSCOPE(s, scopes[i]);
    GETV(w, "w", .shape = VS_SHAPE(1));
    VPOP(s);
  }
  COLLECTION(VS_TRAINABLE_VARIABLES, "D", "D/w:0 D_pre/w:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, "D/", "D/w:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, "oo", "");
  COLLECTION(VS_TRAINABLE_VARIABLES, "D.p", "D_pre/w:0");
}

/* with tf.variable_scope("foo"): with tf.variable_scope("bar_"): tf.get_variable("y", [1])
 * with tf.variable_scope("foo"): with tf.variable_scope("bar"): tf.get_variable("x", [1])
 *   get_collection(TRAINABLE, "foo/bar") -> [foo/bar_/y, foo/bar/x]; "foo/bar/" -> [foo/bar/x]
 *                                                             spec 6.3.4 (tf#7719), 11.7 */
VSC_CASE(trailing_slash_filters_sibling_prefixes) {
  VSCOPE(f1, "foo");
  VSCOPE(b1, "bar_");
  GETV(y, "y", .shape = VS_SHAPE(1));
  VPOP(b1);
  VPOP(f1);
  VSCOPE(f2, "foo");
  VSCOPE(b2, "bar");
  GETV(x, "x", .shape = VS_SHAPE(1));
  VPOP(b2);
  VPOP(f2);
  COLLECTION(VS_TRAINABLE_VARIABLES, "foo/bar", "foo/bar_/y:0 foo/bar/x:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, "foo/bar/", "foo/bar/x:0");
}

/* tf.get_variable("r", [1])
 * with tf.variable_scope("foo") as s:
 *   get_variable("v", [1]); get_variable("w", [1], trainable=False); get_local_variable("l", [1])
 * with tf.variable_scope("foo2"): get_variable("v", [1])
 *   tf.global_variables("foo") -> [foo/v, foo/w, foo2/v]; tf.trainable_variables() -> [r, foo/v, foo2/v]
 *   tf.local_variables() -> [foo/l]; tf.model_variables() -> []
 *   s.global_variables() -> [foo/v, foo/w] (filter "foo/"); s.trainable_variables() -> [foo/v];
 *   s.local_variables() -> [foo/l]                               spec 6.3.8, 6.3.9 */
VSC_CASE(convenience_functions_and_scope_collections) {
  GETV(r, "r", .shape = VS_SHAPE(1));
  VSCOPE(s, "foo");
  GETV(v, "v", .shape = VS_SHAPE(1));
  GETV(w, "w", .shape = VS_SHAPE(1), .trainable = VS_OPT_FALSE);
  vs_var *l = vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  OK();
  VPOP(s);
  VSCOPE(s2, "foo2");
  GETV(v2, "v", .shape = VS_SHAPE(1));
  VPOP(s2);
  vs_var *out[8];
  INT_EQ(vs_global_variables(g, "foo", out, 8, st), 3);
  EXPECT(out[0] == v && out[1] == w && out[2] == v2, "global_variables(\"foo\") order");
  INT_EQ(vs_trainable_variables(g, NULL, out, 8, st), 3);
  EXPECT(out[0] == r && out[1] == v && out[2] == v2, "trainable_variables() order");
  INT_EQ(vs_local_variables(g, NULL, out, 8, st), 1);
  EXPECT(out[0] == l, "local_variables()");
  INT_EQ(vs_model_variables(g, NULL, out, 8, st), 0);
  INT_EQ(vs_scope_get_collection_vars(s, VS_GLOBAL_VARIABLES, out, 8, st), 2);
  EXPECT(out[0] == v && out[1] == w, "s.global_variables()");
  INT_EQ(vs_scope_get_collection_vars(s, VS_TRAINABLE_VARIABLES, out, 8, st), 1);
  EXPECT(out[0] == v, "s.trainable_variables()");
  INT_EQ(vs_scope_get_collection_vars(s, VS_LOCAL_VARIABLES, out, 8, st), 1);
  EXPECT(out[0] == l, "s.local_variables()");
}

/* v = tf.get_variable("v", [1]); tf.add_to_collection("k", v); tf.add_to_collection("k", v)
 *   get_collection("k") -> [v, v]; get_all_collection_keys() -> the two variable keys, then "k"
 *   (TF adds a variable to set(collections): the order of those two depends on
 *   Python's string hash seed, so only "k" being last is asserted)   spec 6.3.10 */
VSC_CASE(add_twice_no_dedupe_keys_in_first_use_order) {
  GETV(v, "v", .shape = VS_SHAPE(1));
  vs_add_to_collection(g, "k", v, st);
  OK();
  vs_add_to_collection(g, "k", v, st);
  OK();
  COLLECTION("k", NULL, "v:0 v:0");
  const char *keys[8];
  INT_EQ(vs_get_all_collection_keys(g, keys, 8), 3);
  EXPECT((strcmp(keys[0], VS_GLOBAL_VARIABLES) == 0 && strcmp(keys[1], VS_TRAINABLE_VARIABLES) == 0) ||
             (strcmp(keys[1], VS_GLOBAL_VARIABLES) == 0 && strcmp(keys[0], VS_TRAINABLE_VARIABLES) == 0),
         "keys %s, %s", keys[0], keys[1]);
  STR_EQ(keys[2], "k");
}

const vsc_case vsc_cases_collections[] = {
    VSC_REG(graph_key_strings, "6.1"),
    VSC_REG(default_membership_and_trainable_false, "6.2.1 6.2.2 6.3.1"),
    VSC_REG(collections_argument_replaces_global, "6.2.3 6.2.4 6.2.5 11.17"),
    VSC_REG(local_variable_with_collections, "6.2.7"),
    VSC_REG(int_variable_is_trainable_model_variables_empty, "6.2.8 6.2.12"),
    VSC_REG(regularizer_loss_added_once, "6.2.11"),
    VSC_REG(global_step_membership, "6.2.13"),
    VSC_REG(unknown_key_is_empty_and_not_created, "6.3.2"),
    VSC_REG(scope_filter_is_anchored_regex_prefix, "6.3.3 6.3.5 6.3.6 11.7"),
    VSC_REG(trailing_slash_filters_sibling_prefixes, "6.3.4 11.7"),
    VSC_REG(convenience_functions_and_scope_collections, "6.3.8 6.3.9"),
    VSC_REG(add_twice_no_dedupe_keys_in_first_use_order, "6.3.10"),
    {0},
};
