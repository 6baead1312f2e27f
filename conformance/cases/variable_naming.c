/* conformance/cases/variable_naming.c - spec §2.1-2.2, §2.4: how get_variable
 * and tf.Variable name their variables and the ops a variable creates.
 * Twins: conformance/oracle/variable_naming.py. */
#include "common.h"

#define VSC_SUITE "variable_naming"

/* v = tf.get_variable("v", [1])
 *   v.name -> "v:0", v.op.name -> "v"                         spec 2.2.1, 11.6 */
VSC_CASE(get_variable_at_root) {
  GETV(v, "v", .shape = VS_SHAPE(1));
  VAR_NAME(v, "v:0");
  STR_EQ(vs_var_op_name(v), "v");
  STR_EQ(vs_op_name(vs_var_op(v)), "v");
  STR_EQ(vs_op_type(vs_var_op(v)), "VariableV2");
}

/* with tf.variable_scope("foo"):
 *   with tf.variable_scope("bar"): tf.get_variable("v", [1]).name -> "foo/bar/v:0"   spec 2.2.2 */
VSC_CASE(nested_variable_scopes_prefix_name) {
  VSCOPE(foo, "foo");
  VSCOPE(bar, "bar");
  GETV(v, "v", .shape = VS_SHAPE(1));
  VAR_NAME(v, "foo/bar/v:0");
  VPOP(bar);
  VPOP(foo);
}

/* with tf.name_scope("ns"):
 *   a = tf.get_variable("a", [])   -> "a:0"      (name_scope ignored)
 *   c = tf.Variable(0., name="c")  -> "ns/c:0"                spec 2.2.3, 2.2.4, 11.1 */
VSC_CASE(get_variable_ignores_name_scope_variable_does_not) {
  NSCOPE(ns, "ns");
  GETV(a, "a", .shape = VS_SCALAR);
  VARIABLE(c, .name = "c", .initial_value = vs_value_initializer(&(float){0.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  NPOP();
  VAR_NAME(a, "a:0");
  VAR_NAME(c, "ns/c:0");
}

/* with tf.variable_scope("foo"):
 *   with tf.name_scope("bar"):
 *     v = tf.get_variable("v", [1]) -> "foo/v:0"
 *     c = tf.constant(1., name="c") -> "foo/bar/c:0"
 *     w = tf.Variable(0., name="w") -> "foo/bar/w:0"             spec 2.2.5 */
VSC_CASE(name_scope_inside_variable_scope) {
  VSCOPE(foo, "foo");
  NSCOPE(bar, "bar");
  GETV(v, "v", .shape = VS_SHAPE(1));
  CONSTF(c, 1.0f, "c");
  VARIABLE(w, .name = "w", .initial_value = vs_value_initializer(&(float){0.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  NPOP();
  VPOP(foo);
  VAR_NAME(v, "foo/v:0");
  STR_EQ(vs_output_name(c), "foo/bar/c:0");
  VAR_NAME(w, "foo/bar/w:0");
}

/* with tf.variable_scope("foo"): tf.get_variable("a/b", [1]).name -> "foo/a/b:0"   spec 2.2.15 */
VSC_CASE(slash_in_variable_name) {
  VSCOPE(foo, "foo");
  GETV(v, "a/b", .shape = VS_SHAPE(1));
  VAR_NAME(v, "foo/a/b:0");
  VPOP(foo);
}

/* with tf.variable_scope("w/Adam"): v = tf.get_variable("", [2])
 *   store key "w/Adam/", v.name -> "w/Adam:0" (the optimizer-slot pattern)   spec 2.2.16 */
VSC_CASE(empty_variable_name_slot_pattern) {
  VSCOPE(s, "w/Adam");
  GETV(v, "", .shape = VS_SHAPE(2));
  VPOP(s);
  VAR_NAME(v, "w/Adam:0");
  STR_EQ(vs_var_store_key(v), "w/Adam/");
  /* the store key is what reuse finds: */
  VSCOPE(r, "w/Adam", .reuse = VS_REUSE_TRUE);
  vs_var *again = vs_get_variable(g, "", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  OK();
  EXPECT(again == v, "reuse of \"\" in w/Adam is another variable");
  VPOP(r);
}

/* tf.Variable([1.], name="v1")                   # op "v1"
 * v = tf.get_variable("v1", [1])  -> "v1_1:0" (store key "v1")
 * with tf.variable_scope("", reuse=True): tf.get_variable("v1", [1]) is v   spec 2.2.20, 3.1, 11.5 */
VSC_CASE(get_variable_after_variable_is_uniquified) {
  VARIABLE(plain, .name = "v1", .initial_value = vs_value_initializer((float[]){1.0f}, VS_FLOAT, 1, VS_SHAPE(1)));
  GETV(v, "v1", .shape = VS_SHAPE(1));
  VAR_NAME(plain, "v1:0");
  VAR_NAME(v, "v1_1:0");
  STR_EQ(vs_var_store_key(v), "v1");
  EXPECT(vs_var_store_key(plain) == NULL, "a tf.Variable has a store key");
  VSCOPE(r, "", .reuse = VS_REUSE_TRUE);
  vs_var *again = vs_get_variable(g, "v1", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  OK();
  EXPECT(again == v, "reuse did not return the get_variable variable");
  VPOP(r);
}

/* tf.get_variable("foo", [1]); v = tf.get_variable("Foo", [1])
 *   -> "Foo_1:0", store key "Foo" (case-insensitive op names, TF >= 1.9)   spec 2.2.21, 11.20 */
VSC_CASE(case_insensitive_op_names_distinct_store_keys) {
  GETV(a, "foo", .shape = VS_SHAPE(1));
  GETV(b, "Foo", .shape = VS_SHAPE(1));
  VAR_NAME(a, "foo:0");
  VAR_NAME(b, "Foo_1:0");
  STR_EQ(vs_var_store_key(b), "Foo");
}

/* tf.Variable(1.); tf.Variable(1.); tf.Variable(1., name="v"); tf.Variable(1., name="v")
 *   -> "Variable:0", "Variable_1:0", "v:0", "v_1:0"              spec 2.1 (tf.Variable) */
VSC_CASE(variable_default_name_is_uniquified_variable) {
  vs_initializer one = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE);
  VARIABLE(a, .initial_value = one);
  VARIABLE(b, .initial_value = one);
  VARIABLE(c, .name = "v", .initial_value = one);
  VARIABLE(d, .name = "v", .initial_value = one);
  VAR_NAME(a, "Variable:0");
  VAR_NAME(b, "Variable_1:0");
  VAR_NAME(c, "v:0");
  VAR_NAME(d, "v_1:0");
}

/* v = tf.get_variable("v", [2, 3])
 *   ops: "v" (VariableV2), "v/Initializer/random_uniform" (glorot), "v/Assign" (Assign),
 *   "v/read" (Identity); v.initializer.name -> "v/Assign"; v.value().name -> "v/read:0";
 *   v.dtype -> float32_ref                                          spec 2.4 */
VSC_CASE(get_variable_ops_and_accessors) {
  GETV(v, "v", .shape = VS_SHAPE(2, 3));
  STR_EQ(vs_op_type(vs_var_op(v)), "VariableV2");
  STR_EQ(vs_op_name(vs_var_initial_value(v).op), "v/Initializer/random_uniform");
  STR_EQ(vs_op_name(vs_var_initializer_op(v)), "v/Assign");
  STR_EQ(vs_op_type(vs_var_initializer_op(v)), "Assign");
  STR_EQ(vs_output_name(vs_var_value(v)), "v/read:0");
  STR_EQ(vs_op_type(vs_var_value(v).op), "Identity");
  STR_EQ(vs_var_dtype_name(v), "float32_ref");
  SHAPE_STR(vs_var_shape(v), "(2, 3)");
  EXPECT(vs_graph_operation_by_name(g, "v/Initializer/random_uniform/RandomUniform") != NULL,
         "no v/Initializer/random_uniform/RandomUniform");
}

/* v = tf.Variable(5., name="v")
 *   ops: "v", "v/initial_value" (Const), "v/Assign", "v/read"    spec 2.4 */
VSC_CASE(variable_host_value_creates_initial_value_op) {
  VARIABLE(v, .name = "v", .initial_value = vs_value_initializer(&(float){5.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  STR_EQ(vs_output_name(vs_var_initial_value(v)), "v/initial_value:0");
  STR_EQ(vs_op_type(vs_var_initial_value(v).op), "Const");
  STR_EQ(vs_op_name(vs_var_initializer_op(v)), "v/Assign");
  STR_EQ(vs_output_name(vs_var_value(v)), "v/read:0");
}

/* c = tf.constant([1., 2.], name="c"); v = tf.Variable(c, name="v")
 *   v.initial_value is c ("c:0"); no "v/initial_value" op               spec 2.4 */
VSC_CASE(variable_tensor_initial_value_used_as_is) {
  vs_output c = vs_constant(g, (float[]){1.0f, 2.0f}, VS_FLOAT, VS_SHAPE(2), "c", st);
  OK();
  VARIABLE(v, .name = "v", .initial_value = vs_tensor_initializer(c));
  STR_EQ(vs_output_name(vs_var_initial_value(v)), "c:0");
  EXPECT(vs_graph_operation_by_name(g, "v/initial_value") == NULL, "v/initial_value exists");
  SHAPE_STR(vs_var_shape(v), "(2,)");
}

static vs_output l2ish(vs_graph *g, vs_var *v, void *data, vs_status *st) {
  return vs_mul(g, vs_var_value(v), vs_var_value(v), "loss", st);
}

/* v = tf.get_variable("v", [2], regularizer=lambda x: tf.multiply(x, x, name="loss"))
 *   loss op -> "v/Regularizer/loss"; REGULARIZATION_LOSSES -> ["v/Regularizer/loss:0"]   spec 2.4, 6.2.11 */
VSC_CASE(regularizer_ops_under_variable_regularizer_scope) {
  GETV(v, "v", .shape = VS_SHAPE(2), .regularizer = l2ish);
  COLLECTION(VS_REGULARIZATION_LOSSES, NULL, "v/Regularizer/loss");
  EXPECT(vs_graph_operation_by_name(g, "v/Regularizer/loss") != NULL, "no v/Regularizer/loss");
}

const vsc_case vsc_cases_variable_naming[] = {
    VSC_REG(get_variable_at_root, "2.2.1 11.6"),
    VSC_REG(nested_variable_scopes_prefix_name, "2.2.2"),
    VSC_REG(get_variable_ignores_name_scope_variable_does_not, "2.2.3 2.2.4 11.1"),
    VSC_REG(name_scope_inside_variable_scope, "2.2.5"),
    VSC_REG(slash_in_variable_name, "2.2.15"),
    VSC_REG(empty_variable_name_slot_pattern, "2.2.16 3.1"),
    VSC_REG(get_variable_after_variable_is_uniquified, "2.2.20 3.1 11.5"),
    VSC_REG(case_insensitive_op_names_distinct_store_keys, "2.2.21 11.20"),
    VSC_REG(variable_default_name_is_uniquified_variable, "2.1"),
    VSC_REG(get_variable_ops_and_accessors, "2.4"),
    VSC_REG(variable_host_value_creates_initial_value_op, "2.4"),
    VSC_REG(variable_tensor_initial_value_used_as_is, "2.4"),
    VSC_REG(regularizer_ops_under_variable_regularizer_scope, "2.4 6.2.11"),
    {0},
};
