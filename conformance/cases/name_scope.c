/* conformance/cases/name_scope.c - spec §1: name scopes and op-name
 * uniquification. Twins: conformance/oracle/name_scope.py. */
#include "common.h"

#define VSC_SUITE "name_scope"

/* tf.constant(1., name="c"); tf.constant(1., name="c")
 *   -> ops "c", "c_1"                                          spec 1.1.1 */
VSC_CASE(constant_names_uniquified) {
  CONSTF(a, 1.0f, "c");
  CONSTF(b, 1.0f, "c");
  STR_EQ(vs_op_name(a.op), "c");
  STR_EQ(vs_op_name(b.op), "c_1");
  STR_EQ(vs_output_name(b), "c_1:0");
}

/* for _ in range(3):
 *   with tf.name_scope("hello") as s: s -> "hello/", "hello_1/", "hello_2/"   spec 1.1.2 */
VSC_CASE(sequential_name_scopes_uniquified) {
  const char *want[] = {"hello/", "hello_1/", "hello_2/"};
  for (int i = 0; i < 3; i++) {
    NSCOPE(s, "hello");
    STR_EQ(s, want[i]);
    NPOP();
  }
}

/* for _ in range(2):
 *   with tf.name_scope("nested"):
 *     with tf.name_scope("inner"): tf.constant(1., name="c")
 *   -> "nested/inner/c", then "nested_1/inner/c"; and inside one "nested":
 *   two "inner" -> "nested/inner/c", "nested/inner_1/c"   spec 1.1.3 (Graph.name_scope docstring) */
VSC_CASE(nested_inner_scopes_uniquified) {
  NSCOPE(n, "nested");
  STR_EQ(n, "nested/");
  NSCOPE(i1, "inner");
  CONSTF(c1, 1.0f, "c");
  NPOP();
  NSCOPE(i2, "inner");
  CONSTF(c2, 1.0f, "c");
  NPOP();
  NPOP();
  STR_EQ(i2, "nested/inner_1/");
  STR_EQ(vs_op_name(c1.op), "nested/inner/c");
  STR_EQ(vs_op_name(c2.op), "nested/inner_1/c");
}

/* tf.constant(1., name="a"); tf.constant(1., name="a_1")
 * g.unique_name("a") -> "a_2"; g.unique_name("a") -> "a_3"     spec 1.1.4 */
VSC_CASE(unique_name_skips_explicitly_used_suffix) {
  CONSTF(a, 1.0f, "a");
  CONSTF(a1, 1.0f, "a_1");
  STR_EQ(vs_op_name(a1.op), "a_1");
  STR_EQ(vs_graph_unique_name(g, "a", true, st), "a_2");
  STR_EQ(vs_graph_unique_name(g, "a", true, st), "a_3");
}

/* tf.constant(1., name="a"); tf.constant(1., name="a")   # a_1
 * tf.constant(1., name="a_1") -> "a_1_1"                       spec 1.1.5 */
VSC_CASE(explicit_name_taken_by_uniquification) {
  CONSTF(a, 1.0f, "a");
  CONSTF(b, 1.0f, "a");
  CONSTF(c, 1.0f, "a_1");
  STR_EQ(vs_op_name(b.op), "a_1");
  STR_EQ(vs_op_name(c.op), "a_1_1");
}

/* tf.constant(1, name="foo")
 * with tf.name_scope("foo") as s: s -> "foo_1/"                spec 1.1.6 */
VSC_CASE(ops_and_scopes_share_one_table) {
  CONSTF(c, 1.0f, "foo");
  NSCOPE(s, "foo");
  STR_EQ(s, "foo_1/");
  CONSTF(d, 1.0f, "x");
  STR_EQ(vs_op_name(d.op), "foo_1/x");
  NPOP();
}

/* tf.constant(1., name="foo")
 * with tf.name_scope("Foo") as s: s -> "Foo_1/"
 * tf.constant(1., name="FOO") -> "FOO_2"              spec 1.1.7, 11.20 (TF >= 1.9) */
VSC_CASE(names_are_case_insensitive) {
  CONSTF(c, 1.0f, "foo");
  NSCOPE(s, "Foo");
  STR_EQ(s, "Foo_1/");
  NPOP();
  CONSTF(d, 1.0f, "FOO");
  STR_EQ(vs_op_name(d.op), "FOO_2");
}

/* g.unique_name("x", mark_as_used=False) -> "x" (twice)
 * tf.constant(1., name="x") -> "x"                              spec 1.1.8 */
VSC_CASE(unique_name_without_marking_reserves_nothing) {
  STR_EQ(vs_graph_unique_name(g, "x", false, st), "x");
  STR_EQ(vs_graph_unique_name(g, "x", false, st), "x");
  CONSTF(c, 1.0f, "x");
  STR_EQ(vs_op_name(c.op), "x");
  STR_EQ(vs_graph_unique_name(g, "x", false, st), "x_1");
}

/* with tf.name_scope("b"): pass
 * with tf.name_scope("a"):
 *   with tf.name_scope("b/") as s: s -> "b/"; tf.constant(1., name="c") -> "b/c"
 *                                                                spec 1.2.1 */
VSC_CASE(trailing_slash_is_absolute_and_not_uniquified) {
  NSCOPE(b, "b");
  NPOP();
  NSCOPE(a, "a");
  NSCOPE(s, "b/");
  STR_EQ(s, "b/");
  CONSTF(c, 1.0f, "c");
  STR_EQ(vs_op_name(c.op), "b/c");
  NPOP();
  NPOP();
}

/* An op name ending in '/' is the op's full name (Graph.create_op), for
 * every op constructor:
 * with tf.name_scope("bar"): tf.constant(1, name="bar/")        -> "bar"
 * with tf.name_scope("ns"): tf.constant(1, name="q/")           -> "q" (from the root)
 *                           tf.constant(1, name="ns/k/")        -> "ns/k"
 * tf.constant(1, name="trailing/") -> "trailing"; again -> ValueError
 *   "Duplicate node name in graph: 'trailing'" (the name is not reserved,
 *   not uniquified); g.unique_name("trailing") -> "trailing"
 * tf.constant(2, name="/") -> ValueError NODE_ERR("")
 * tf.identity(c, name="idn/") -> "idn"; tf.placeholder(tf.float32, name="ph/") -> "ph"
 * tf.Variable(1.0, name="v/") -> "v:0"; tf.get_variable("w/", [1]) -> "w:0"      spec 1.2.1 5.E22 */
VSC_CASE(op_name_with_trailing_slash_is_full_name) {
  NSCOPE(bar, "bar");
  CONSTF(c, 1.0f, "bar/");
  STR_EQ(vs_op_name(c.op), "bar");
  NPOP();
  NSCOPE(ns, "ns");
  CONSTF(q, 1.0f, "q/");
  STR_EQ(vs_op_name(q.op), "q");
  CONSTF(q2, 1.0f, "q");
  STR_EQ(vs_op_name(q2.op), "ns/q");
  CONSTF(k, 1.0f, "ns/k/");
  STR_EQ(vs_op_name(k.op), "ns/k");
  NPOP();
  CONSTF(tr, 1.0f, "trailing/");
  STR_EQ(vs_output_name(tr), "trailing:0");
  vs_output again = vs_constant_float(g, 1.0f, "trailing/", st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Duplicate node name in graph: 'trailing'");
  EXPECT(again.op == NULL, "an op was returned");
  STR_EQ(vs_graph_unique_name(g, "trailing", false, st), "trailing");
  vs_output slash = vs_constant_float(g, 2.0f, "/", st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", NODE_ERR(""));
  EXPECT(slash.op == NULL, "an op was returned");
  vs_output id = vs_identity(g, c, "idn/", st);
  OK();
  STR_EQ(vs_output_name(id), "idn:0");
  vs_output ph = vs_placeholder(g, VS_FLOAT, VS_UNKNOWN_SHAPE, "ph/", st);
  OK();
  STR_EQ(vs_output_name(ph), "ph:0");
  vs_var *v = vs_variable(g, &(vs_variable_opts){.name = "v/",
                                                 .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
                          st);
  OK();
  VAR_NAME(v, "v:0");
  GETV(w, "w/", .shape = VS_SHAPE(1));
  VAR_NAME(w, "w:0");
}

/* with tf.name_scope("nested") as scope:
 *   with tf.name_scope("inner"):
 *     with tf.name_scope(scope): tf.constant(1., name="d") -> "nested/d"   spec 1.2.2 */
VSC_CASE(reentering_captured_scope_string) {
  NSCOPE(scope, "nested");
  NSCOPE(inner, "inner");
  NSCOPE(again, scope);
  STR_EQ(again, "nested/");
  CONSTF(d, 1.0f, "d");
  STR_EQ(vs_op_name(d.op), "nested/d");
  NPOP();
  NPOP();
  NPOP();
}

/* with tf.name_scope("a"):
 *   with tf.name_scope(None) as s: s -> ""; tf.constant(1., name="e") -> "e"
 *   with tf.name_scope("") as s:   s -> ""; tf.constant(1., name="e") -> "e_1"   spec 1.2.3 */
VSC_CASE(none_or_empty_resets_to_root) {
  NSCOPE(a, "a");
  NSCOPE(s1, NULL);
  STR_EQ(s1, "");
  CONSTF(e1, 1.0f, "e");
  STR_EQ(vs_op_name(e1.op), "e");
  NPOP();
  NSCOPE(s2, "");
  STR_EQ(s2, "");
  CONSTF(e2, 1.0f, "e");
  STR_EQ(vs_op_name(e2.op), "e_1");
  NPOP();
  STR_EQ(vs_get_name_scope(g), "a");
  NPOP();
}

/* with tf.name_scope(None, "D") as s: s -> "D/"; again -> "D_1/"
 * with tf.name_scope("n", "D") as s: s -> "n/"
 * with tf.name_scope("a"): with tf.name_scope("", "D") as s: s -> ""   spec 1.2.4 */
VSC_CASE(default_name_used_only_when_name_is_none) {
  const char *s = vs_name_scope_push_default(g, NULL, "D", st);
  OK();
  STR_EQ(s, "D/");
  NPOP();
  s = vs_name_scope_push_default(g, NULL, "D", st);
  OK();
  STR_EQ(s, "D_1/");
  NPOP();
  s = vs_name_scope_push_default(g, "n", "D", st);
  OK();
  STR_EQ(s, "n/");
  NPOP();
  NSCOPE(a, "a");
  s = vs_name_scope_push_default(g, "", "D", st);
  OK();
  STR_EQ(s, "");
  NPOP();
  NPOP();
}

/* with tf.name_scope("a"):
 *   with tf.name_scope(None, None) as s: s -> "" (values=None: the reset idiom)
 *                                                                spec 1.2.5 */
VSC_CASE(no_name_no_default_without_values_resets) {
  NSCOPE(a, "a");
  const char *s = vs_name_scope_push_default(g, NULL, NULL, st);
  OK();
  STR_EQ(s, "");
  CONSTF(c, 1.0f, "c");
  STR_EQ(vs_op_name(c.op), "c");
  NPOP();
  NPOP();
}

/* for _ in range(2):
 *   with tf.name_scope("abs/"): tf.constant(1., name="c")
 *   -> "abs/c", "abs/c_1"                                         spec 1.2.7 */
VSC_CASE(ops_uniquified_inside_reentered_absolute_scope) {
  NSCOPE(s1, "abs/");
  CONSTF(c1, 1.0f, "c");
  NPOP();
  NSCOPE(s2, "abs/");
  CONSTF(c2, 1.0f, "c");
  NPOP();
  STR_EQ(vs_op_name(c1.op), "abs/c");
  STR_EQ(vs_op_name(c2.op), "abs/c_1");
}

/* g.get_name_scope() -> ""; in name_scope("a")/("b") -> "a/b";
 * in name_scope(None) -> ""                                        spec 1.2.8 */
VSC_CASE(get_name_scope_after_reset_is_empty) {
  STR_EQ(vs_get_name_scope(g), "");
  NSCOPE(a, "a");
  NSCOPE(b, "b");
  STR_EQ(vs_get_name_scope(g), "a/b");
  NSCOPE(r, NULL);
  STR_EQ(vs_get_name_scope(g), "");
  NPOP();
  NPOP();
  NPOP();
}

/* tf.constant(1., name="bad name") -> ValueError
 *   TF 2.x: "`bad name` is not a valid node name. Accepted names conform to Regex /re.compile(...)/"
 *   TF 1.15: "'bad name' is not a valid scope name"                 spec 1.3.1, E9 */
VSC_CASE(invalid_constant_name_at_root) {
  vs_output o = vs_constant_float(g, 1.0f, "bad name", st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", NODE_ERR("bad name"));
  EXPECT(o.op == NULL, "an op was returned");
  INT_EQ(vs_graph_num_operations(g), 0);
}

/* with tf.name_scope("_x"): -> ValueError
 *   TF 2.x: "'_x' is not a valid root scope name. A root scope name has to match ..."
 *   TF 1.15: "'_x' is not a valid scope name"                       spec 1.3.2, E9 */
VSC_CASE(root_scope_may_not_start_with_underscore) {
  const char *s = vs_name_scope_push(g, "_x", st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", ROOT_SCOPE_ERR("_x"));
  EXPECT(s == NULL, "a scope was entered");
  STR_EQ(vs_get_name_scope(g), "");
}

/* with tf.name_scope("a"): with tf.name_scope("_x") as s: s -> "a/_x/"   spec 1.3.3 */
VSC_CASE(nested_scope_may_start_with_underscore) {
  NSCOPE(a, "a");
  NSCOPE(x, "_x");
  STR_EQ(x, "a/_x/");
  NPOP();
  NPOP();
}

/* with tf.name_scope("a"): tf.name_scope("bad name") -> ValueError
 *   TF 2.x: "'bad name' is not a valid scope name. A scope name has to match ..."
 *   TF 1.15: "'bad name' is not a valid scope name"                 spec 1.3, E9 */
VSC_CASE(invalid_character_inside_open_scope) {
  NSCOPE(a, "a");
  const char *s = vs_name_scope_push(g, "bad name", st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", SCOPE_ERR("bad name"));
  EXPECT(s == NULL, "a scope was entered");
  STR_EQ(vs_get_name_scope(g), "a");
  NPOP();
}

/* tf.get_variable("_v", [1]) -> ValueError (checked at the root: name_scope(None))
 *   TF 2.x: "'_v' is not a valid root scope name. ..."; TF 1.15: "'_v' is not a valid scope name"
 *                                                              spec 1.3.4 (derived), E9 */
VSC_CASE(get_variable_leading_underscore_at_root) {
  vs_var *v = vs_get_variable(g, "_v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", ROOT_SCOPE_ERR("_v"));
  EXPECT(v == NULL, "a variable was returned");
}

/* with tf.variable_scope("foo"): tf.get_variable("_v", [1]).name -> "foo/_v:0"
 *                                                                spec 1.3.5 (derived) */
VSC_CASE(get_variable_underscore_inside_variable_scope) {
  VSCOPE(foo, "foo");
  GETV(v, "_v", .shape = VS_SHAPE(1));
  VAR_NAME(v, "foo/_v:0");
  VPOP(foo);
}

/* tf.get_variable("v:0", [1]) -> ValueError
 *   TF 2.x: "'v:0' is not a valid root scope name. ..."; TF 1.15: "'v:0' is not a valid scope name"
 *                                                              spec 1.3.6 (derived), E9 */
VSC_CASE(get_variable_colon_is_invalid) {
  vs_var *v = vs_get_variable(g, "v:0", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", ROOT_SCOPE_ERR("v:0"));
  EXPECT(v == NULL, "a variable was returned");
}

/* with tf.name_scope("a>b") as s: "a>b/"; tf.name_scope("a\\b"): "a\\b/";
 * tf.name_scope(".x"): ".x/"   (TF 2.x pattern; TF 1.15 rejects '>' and '\')   spec 1.3 */
VSC_CASE(v2_pattern_allows_gt_backslash_and_leading_dot) {
  NSCOPE(a, "a>b");
  STR_EQ(a, "a>b/");
  NPOP();
  NSCOPE(b, "a\\b");
  STR_EQ(b, "a\\b/");
  NPOP();
  NSCOPE(c, ".x");
  STR_EQ(c, ".x/");
  NPOP();
}

const vsc_case vsc_cases_name_scope[] = {
    VSC_REG(constant_names_uniquified, "1.1.1"),
    VSC_REG(sequential_name_scopes_uniquified, "1.1.2"),
    VSC_REG(nested_inner_scopes_uniquified, "1.1.3"),
    VSC_REG(unique_name_skips_explicitly_used_suffix, "1.1.4"),
    VSC_REG(explicit_name_taken_by_uniquification, "1.1.5"),
    VSC_REG(ops_and_scopes_share_one_table, "1.1.6"),
    VSC_REG(names_are_case_insensitive, "1.1.7 11.20"),
    VSC_REG(unique_name_without_marking_reserves_nothing, "1.1.8"),
    VSC_REG(trailing_slash_is_absolute_and_not_uniquified, "1.2.1"),
    VSC_REG(op_name_with_trailing_slash_is_full_name, "1.2.1 5.E22 X.trailing_slash"),
    VSC_REG(reentering_captured_scope_string, "1.2.2"),
    VSC_REG(none_or_empty_resets_to_root, "1.2.3"),
    VSC_REG(default_name_used_only_when_name_is_none, "1.2.4"),
    VSC_REG(no_name_no_default_without_values_resets, "1.2.5"),
    VSC_REG(ops_uniquified_inside_reentered_absolute_scope, "1.2.7"),
    VSC_REG(get_name_scope_after_reset_is_empty, "1.2.8"),
    VSC_REG(invalid_constant_name_at_root, "1.3.1 5.E9"),
    VSC_REG(root_scope_may_not_start_with_underscore, "1.3.2 5.E9"),
    VSC_REG(nested_scope_may_start_with_underscore, "1.3.3"),
    VSC_REG(invalid_character_inside_open_scope, "1.3.1 5.E9"),
    VSC_REG(get_variable_leading_underscore_at_root, "1.3.4 5.E9"),
    VSC_REG(get_variable_underscore_inside_variable_scope, "1.3.5"),
    VSC_REG(get_variable_colon_is_invalid, "1.3.6 5.E9"),
    VSC_REG(v2_pattern_allows_gt_backslash_and_leading_dot, "1.3"),
    {0},
};
