/* conformance/cases/errors.c - spec §5: the errors raised around the store
 * and scopes, by class and text. Twins: conformance/oracle/errors.py. */
#include "common.h"

#define VSC_SUITE "errors"

/* tf.get_variable("a", [1]); tf.get_variable("a", [1])
 *   -> ValueError "Variable a already exists, disallowed. Did you mean to set reuse=True or
 *      reuse=tf.AUTO_REUSE in VarScope?" (TF appends " Originally defined at:" + traceback;
 *      TF 1.4: "... Did you mean to set reuse=True in VarScope? ...")         spec 5.E1 */
VSC_CASE(e1_already_exists_at_root) {
  GETV(a, "a", .shape = VS_SHAPE(1));
  vs_var *b = vs_get_variable(g, "a", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  EXPECT_E1("a");
  EXPECT(b == NULL, "a variable was returned");
}

/* with tf.variable_scope("a", reuse=tf.AUTO_REUSE):
 *   with tf.variable_scope("b", reuse=True): tf.get_variable("x", [1])
 *   -> ValueError "Variable a/b/x does not exist, or was not created with tf.get_variable().
 *      Did you mean to set reuse=tf.AUTO_REUSE in VarScope?" (TF 1.4: "reuse=None")   spec 5.E2 */
VSC_CASE(e2_does_not_exist_nested) {
  VSCOPE(a, "a", .reuse = VS_REUSE_AUTO);
  VSCOPE(b, "b", .reuse = VS_REUSE_TRUE);
  vs_var *x = vs_get_variable(g, "x", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  EXPECT_E2("a/b/x");
  EXPECT(x == NULL, "a variable was returned");
  VPOP(b);
  VPOP(a);
}

/* tf.get_variable("m", [2, 3])
 * with tf.variable_scope(tf.get_variable_scope(), reuse=True):
 *   tf.get_variable("m", [3, 2])    -> "Trying to share variable m, but specified shape (3, 2) and found shape (2, 3)."
 *   tf.get_variable("m", [2, 3, 1]) -> "... specified shape (2, 3, 1) and found shape (2, 3)."   spec 5.E4 */
VSC_CASE(e4_shape_mismatch_rank_two_and_rank) {
  GETV(m, "m", .shape = VS_SHAPE(2, 3));
  VSCOPE_OBJ(r, vs_get_variable_scope(g), .reuse = VS_REUSE_TRUE);
  vs_var *x = vs_get_variable(g, "m", &(vs_var_opts){.shape = VS_SHAPE(3, 2)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Trying to share variable m, but specified shape (3, 2) and found shape (2, 3).");
  x = vs_get_variable(g, "m", &(vs_var_opts){.shape = VS_SHAPE(2, 3, 1)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Trying to share variable m, but specified shape (2, 3, 1) and found shape (2, 3).");
  EXPECT(x == NULL, "a variable was returned");
  VPOP(r);
}

/* with tf.variable_scope("i"): tf.get_variable("iv", [1], dtype=tf.int32)
 * with tf.variable_scope("i", reuse=True): tf.get_variable("iv", [1])
 *   -> ValueError "Trying to share variable i/iv, but specified dtype float32 and found dtype int32_ref."
 *                                                                     spec 5.E5 */
VSC_CASE(e5_dtype_mismatch) {
  VSCOPE(i1, "i");
  GETV(iv, "iv", .shape = VS_SHAPE(1), .dtype = VS_INT32);
  VPOP(i1);
  VSCOPE(i2, "i", .reuse = VS_REUSE_TRUE);
  vs_var *x = vs_get_variable(g, "iv", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Trying to share variable i/iv, but specified dtype float32 and found dtype int32_ref.");
  EXPECT(x == NULL, "a variable was returned");
  VPOP(i2);
}

/* tf.get_variable("v", initializer=tf.constant([1., 2.]), shape=[2])
 * tf.get_variable("w", initializer=5.0, shape=[])
 *   -> ValueError "If initializer is a constant, do not specify shape." (both)   spec 5.E6, 7.4.2, 11.9 */
VSC_CASE(e6_constant_initializer_with_shape) {
  vs_output c = vs_constant(g, (float[]){1.0f, 2.0f}, VS_FLOAT, VS_SHAPE(2), "Const", st);
  OK();
  vs_var *v = vs_get_variable(
      g, "v", &(vs_var_opts){.shape = VS_SHAPE(2), .initializer = vs_tensor_initializer(c)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "If initializer is a constant, do not specify shape.");
  v = vs_get_variable(g, "w",
                      &(vs_var_opts){.shape = VS_SCALAR,
                                     .initializer = vs_value_initializer(&(float){5.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
                      st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "If initializer is a constant, do not specify shape.");
  EXPECT(v == NULL, "a variable was returned");
}

/* tf.get_variable("v", initializer=tf.constant([1, 2]), dtype=tf.float32)
 *   -> ValueError "Initializer type '<dtype: 'int32'>' and explicit dtype '<dtype: 'float32'>' don't match."
 *                                                                  spec 5.E7, 7.4.4 */
VSC_CASE(e7_initializer_dtype_mismatch) {
  vs_output c = vs_constant(g, (int32_t[]){1, 2}, VS_INT32, VS_SHAPE(2), "Const", st);
  OK();
  vs_var *v = vs_get_variable(
      g, "v", &(vs_var_opts){.dtype = VS_FLOAT, .initializer = vs_tensor_initializer(c)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Initializer type '<dtype: 'int32'>' and explicit dtype '<dtype: 'float32'>' don't match.");
  EXPECT(v == NULL, "a variable was returned");
}

/* with tf.variable_scope("s"): tf.get_variable("c", [1], dtype=tf.complex64)
 *   -> ValueError "An initializer for variable s/c of <dtype: 'complex64'> is required"
 *                                                                  spec 5.E8, 7.1.5 */
VSC_CASE(e8_initializer_required) {
  VSCOPE(s, "s");
  vs_var *c = vs_get_variable(g, "c", &(vs_var_opts){.shape = VS_SHAPE(1), .dtype = VS_COMPLEX64}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "An initializer for variable s/c of <dtype: 'complex64'> is required");
  EXPECT(c == NULL, "a variable was returned");
  VPOP(s);
}

/* with tf.variable_scope("x"): tf.variable_scope("a b") -> ValueError
 *   TF 2.x "'a b' is not a valid scope name. A scope name has to match the following pattern: ..."
 *   TF 1.15 "'a b' is not a valid scope name"                          spec 5.E9 */
VSC_CASE(e9_invalid_nested_scope_name) {
  VSCOPE(x, "x");
  vs_scope *s = vs_variable_scope_push(g, "a b", NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", SCOPE_ERR("a b"));
  EXPECT(s == NULL, "a scope was entered");
  STR_EQ(vs_scope_name(vs_get_variable_scope(g)), "x");
  VPOP(x);
}

/* tf.variable_scope(None, default_name="d", reuse=True) -> ValueError
 *   "reuse=True cannot be used without a name_or_scope"; the same for reuse=tf.AUTO_REUSE
 *                                                        spec 5.E10, 2.3.8, 11.10 */
VSC_CASE(e10_reuse_without_name) {
  vs_scope *s = vs_variable_scope_push(g, NULL, &(vs_varscope_opts){.default_name = "d", .reuse = VS_REUSE_TRUE}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "reuse=True cannot be used without a name_or_scope");
  s = vs_variable_scope_push(g, NULL, &(vs_varscope_opts){.default_name = "d", .reuse = VS_REUSE_AUTO}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "reuse=True cannot be used without a name_or_scope");
  EXPECT(s == NULL, "a scope was entered");
  STR_EQ(vs_scope_name(vs_get_variable_scope(g)), "");
  VSCOPE(ok, NULL, .default_name = "d", .reuse = VS_REUSE_FALSE);
  STR_EQ(vs_scope_name(ok), "d");
  VPOP(ok);
}

/* tf.variable_scope(None) -> TypeError "If default_name is None then name_or_scope is required"
 *                                                                 spec 5.E11, 2.3.7 */
VSC_CASE(e11_no_name_and_no_default) {
  vs_scope *s = vs_variable_scope_push(g, NULL, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "TypeError", "If default_name is None then name_or_scope is required");
  EXPECT(s == NULL, "a scope was entered");
}

/* tf.variable_scope(3) -> TypeError "VariableScope: name_or_scope must be a string or VariableScope."
 * (C: a NULL scope object)                                          spec 5.E13 */
VSC_CASE(e13_scope_object_required) {
  vs_scope *s = vs_variable_scope_push_scope(g, NULL, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "TypeError", "VariableScope: name_or_scope must be a string or VariableScope.");
  EXPECT(s == NULL, "a scope was entered");
}

/* tf.variable_scope("x", auxiliary_name_scope=7)
 *   -> TypeError "The auxiliary_name_scope must be `True` or `False`, while get 7"
 * (C: a value outside vs_opt_bool)                                   spec 5.E14 */
VSC_CASE(e14_auxiliary_name_scope_not_bool) {
  vs_scope *s = vs_variable_scope_push(g, "x", &(vs_varscope_opts){.auxiliary_name_scope = (vs_opt_bool)7}, st);
  ERR(VS_INVALID_ARGUMENT, "TypeError", "The auxiliary_name_scope must be `True` or `False`, while get 7");
  EXPECT(s == NULL, "a scope was entered");
}

/* a = tf.variable_scope("a"); b = tf.variable_scope("b")
 * a.__enter__(); b.__enter__(); a.__exit__(None, None, None)
 *   -> RuntimeError "Improper nesting of variable_scope."              spec 5.E20 */
VSC_CASE(e20_improper_nesting) {
  VSCOPE(a, "a");
  VSCOPE(b, "b");
  vs_variable_scope_pop(g, a, st);
  ERR(VS_FAILED_PRECONDITION, "RuntimeError", "Improper nesting of variable_scope.");
  EXPECT(vs_get_variable_scope(g) == b, "the scope changed");
  VPOP(b);
  VPOP(a);
}

/* tf.constant(1.0, name="a"); tf.Variable(1.0, name="a/")
 *   -> ValueError "Duplicate node name in graph: 'a'" (TF 2.x C-API graphs;
 *      TF 1.x Python graphs: "cannot add op with name a as that name is already used")   spec 5.E22 */
VSC_CASE(e22_duplicate_op_name) {
  CONSTF(a, 1.0f, "a");
  vs_var *v = vs_variable(g, &(vs_variable_opts){.name = "a/", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Duplicate node name in graph: 'a'");
  EXPECT(v == NULL, "a variable was returned");
}

/* g1: c = tf.constant(1.0, name="c"); ph = tf.placeholder(tf.float32, [None, 3], name="ph")
 * g (default): d = tf.placeholder(tf.float32, name="d"); v = tf.get_variable("v", [])
 *   tf.add(c, d) -> ValueError 'Tensor("d:0", dtype=float32) must be from the same graph as
 *     Tensor("c:0", shape=(), dtype=float32) (graphs are <...> and <...>).'
 *   v.assign(c) -> ValueError 'Tensor("c:0", shape=(), dtype=float32) must be from the same graph as
 *     Tensor("v:0", shape=(), dtype=float32_ref) (graphs are ...'
 *   sess.run(ph) -> ValueError 'Argument `fetch` = Tensor("ph:0", shape=(?, 3), dtype=float32) cannot be
 *     interpreted as a Tensor. (Tensor Tensor("ph:0", shape=(?, 3), dtype=float32) is not an element of
 *     this graph.)'
 *   sess.run(d, {c: 1.0}) -> TypeError 'Cannot interpret feed_dict key as Tensor: Tensor
 *     Tensor("c:0", shape=(), dtype=float32) is not an element of this graph.'          spec 2.4 (assign) */
VSC_CASE(tensor_from_another_graph_is_named) {
  vs_graph *g1 = vs_graph_new();
  EXPECT(g1 != NULL, "no graph");
  vs_output c = vs_constant_float(g1, 1.0f, "c", st);
  vs_output ph = vs_placeholder(g1, VS_FLOAT, (vs_shape){.known = true, .rank = 2, .dims = {VS_DIM_UNKNOWN, 3}},
                                "ph", st);
  vs_output d = vs_placeholder(g, VS_FLOAT, VS_UNKNOWN_SHAPE, "d", st);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SCALAR}, st);
  bool built = c.op && ph.op && d.op && v;
  vs_output sum = built ? vs_add(g, c, d, NULL, st) : (vs_output){NULL, 0};
  char head1[256];
  snprintf(head1, sizeof head1, "%s", vs_status_message(st));
  vs_code code1 = vs_status_code(st);
  vs_output asg = built ? vs_assign(g, v, c, NULL, st) : (vs_output){NULL, 0};
  char head2[256];
  snprintf(head2, sizeof head2, "%s", vs_status_message(st));
  vs_code code2 = vs_status_code(st);
  vs_session *s = built ? vsc_session(t, __FILE__, __LINE__) : NULL;
  char fetch_msg[512] = "", feed_msg[512] = "", feed_exc[32] = "";
  if (s) {
    vs_tensor *x = NULL;
    vs_session_run(s, NULL, NULL, 0, &ph, &x, 1, NULL, 0, st);
    snprintf(fetch_msg, sizeof fetch_msg, "%s", vs_status_message(st));
    vs_tensor *one = vs_tensor_new(VS_FLOAT, VS_SCALAR, &(float){1.0f}, NULL);
    vs_session_run(s, &c, &one, 1, &d, &x, 1, NULL, 0, st);
    snprintf(feed_msg, sizeof feed_msg, "%s", vs_status_message(st));
    snprintf(feed_exc, sizeof feed_exc, "%s", vs_status_exception_name(st));
    vs_tensor_free(one);
    vs_tensor_free(x);
  }
  vs_graph_free(g1); /* before any check can return */
  EXPECT(built, "the graphs were not built");
  EXPECT(sum.op == NULL && asg.op == NULL, "an op was built across graphs");
  INT_EQ(code1, VS_INVALID_ARGUMENT);
  INT_EQ(code2, VS_INVALID_ARGUMENT);
  EXPECT(vsc_starts_with(head1, "Tensor(\"d:0\", dtype=float32) must be from the same graph as "
                                "Tensor(\"c:0\", shape=(), dtype=float32) (graphs are "), "add: %s", head1);
  EXPECT(vsc_starts_with(head2, "Tensor(\"c:0\", shape=(), dtype=float32) must be from the same graph as "
                                "Tensor(\"v:0\", shape=(), dtype=float32_ref) (graphs are "), "assign: %s", head2);
  if (!s) return; /* no device: the session checks are skipped */
  STR_EQ(fetch_msg, "Argument `fetch` = Tensor(\"ph:0\", shape=(?, 3), dtype=float32) cannot be interpreted as a "
                    "Tensor. (Tensor Tensor(\"ph:0\", shape=(?, 3), dtype=float32) is not an element of this graph.)");
  STR_EQ(feed_exc, "TypeError");
  STR_EQ(feed_msg, "Cannot interpret feed_dict key as Tensor: Tensor Tensor(\"c:0\", shape=(), dtype=float32) is not "
                   "an element of this graph.");
}

const vsc_case vsc_cases_errors[] = {
    VSC_REG(e1_already_exists_at_root, "5.E1"),
    VSC_REG(e2_does_not_exist_nested, "5.E2"),
    VSC_REG(e4_shape_mismatch_rank_two_and_rank, "5.E4"),
    VSC_REG(e5_dtype_mismatch, "5.E5"),
    VSC_REG(e6_constant_initializer_with_shape, "5.E6 7.4.2 11.9"),
    VSC_REG(e7_initializer_dtype_mismatch, "5.E7 7.4.4"),
    VSC_REG(e8_initializer_required, "5.E8 7.1.5"),
    VSC_REG(e9_invalid_nested_scope_name, "5.E9"),
    VSC_REG(e10_reuse_without_name, "5.E10 2.3.8 11.10"),
    VSC_REG(e11_no_name_and_no_default, "5.E11 2.3.7"),
    VSC_REG(e13_scope_object_required, "5.E13"),
    VSC_REG(e14_auxiliary_name_scope_not_bool, "5.E14"),
    VSC_REG(e20_improper_nesting, "5.E20"),
    VSC_REG(e22_duplicate_op_name, "5.E22"),
    VSC_REG(tensor_from_another_graph_is_named, "2.4 X.other_graph"),
    {0},
};
