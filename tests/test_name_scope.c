/* test_name_scope.c - spec §1: name scopes and op-name uniquification.
 *
 * Oracle: TensorFlow 2.21 (tf.compat.v1, graph mode, disable_v2_behavior()).
 * Every expectation below was run there; where TF 2.21 and the spec
 * (tf1-variable-semantics.md) disagree, TF 2.21 is encoded and a comment
 * names the spec row and its TF 1.15 text.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "varscope.h"

#define SUPPORT_FIXTURE
#include "support.h"

/* TF 2.21 invalid-name texts (§1.3, recent V2 wording); ROOT_SCOPE_ERR is in support.h. */
#define SCOPE_PATTERN "^[A-Za-z0-9_.\\\\/>-]*$"
#define SCOPE_ERR(n)                                                                             \
  "'" n "' is not a valid scope name. A scope name has to match the following pattern: "       \
  SCOPE_PATTERN
#define NODE_ERR(n)                                                                              \
  "`" n "` is not a valid node name. Accepted names conform to Regex "                         \
  "/re.compile('^[A-Za-z0-9.][A-Za-z0-9_.\\\\\\\\/>-]*$')/"

/* tf.name_scope(name, default_name). */
static const char *ns_default(const char *name, const char *default_name) {
  const char *s = vs_name_scope_push_default(g, name, default_name, st);
  assert_ok();
  cr_assert_not_null(s);
  return s;
}

/* tf.constant(1., name=name).op.name */
static const char *cname(const char *name) {
  vs_output o = vs_constant_float(g, 1.0f, name, st);
  assert_ok();
  cr_assert_not_null(o.op);
  return vs_op_name(o.op);
}

/* ---- 1.1 uniquification --------------------------------------------------- */

/* tf.constant(1., name="c").op.name; tf.constant(1., name="c").op.name
 * -> "c", "c_1"                                            spec 1.1.1 */
Test(name_scope, r1_1_1_constant_names_uniquified, .init = setup, .fini = teardown) {
  cr_assert_str_eq(cname("c"), "c");
  cr_assert_str_eq(cname("c"), "c_1");
}

/* for _ in range(3):
 *   with tf.name_scope("hello") as s: ...   -> "hello/", "hello_1/", "hello_2/"   spec 1.1.2 */
Test(name_scope, r1_1_2_sequential_scopes_uniquified, .init = setup, .fini = teardown) {
  cr_assert_str_eq(ns("hello"), "hello/");
  ns_pop();
  cr_assert_str_eq(ns("hello"), "hello_1/");
  ns_pop();
  cr_assert_str_eq(ns("hello"), "hello_2/");
  ns_pop();
}

/* with tf.name_scope("nested"):
 *   tf.constant(1., name="c")                       -> nested/c
 *   with tf.name_scope("inner"): tf.constant(.., "c") -> nested/inner/c
 *   with tf.name_scope("inner"): tf.constant(.., "c") -> nested/inner_1/c   spec 1.1.3 */
Test(name_scope, r1_1_3_nested_inner_scopes_uniquified, .init = setup, .fini = teardown) {
  cr_assert_str_eq(ns("nested"), "nested/");
  cr_assert_str_eq(cname("c"), "nested/c");
  cr_assert_str_eq(ns("inner"), "nested/inner/");
  cr_assert_str_eq(cname("c"), "nested/inner/c");
  ns_pop();
  cr_assert_str_eq(ns("inner"), "nested/inner_1/");
  cr_assert_str_eq(cname("c"), "nested/inner_1/c");
  ns_pop();
  ns_pop();
}

/* tf.constant(1., name="a"); tf.constant(1., name="a_1")
 * g.unique_name("a"), g.unique_name("a")  -> "a_2", "a_3"          spec 1.1.4 */
Test(name_scope, r1_1_4_unique_name_skips_explicitly_used_suffix, .init = setup,
     .fini = teardown) {
  cr_assert_str_eq(cname("a"), "a");
  cr_assert_str_eq(cname("a_1"), "a_1");
  const char *n = vs_graph_unique_name(g, "a", true, st);
  assert_ok();
  cr_assert_str_eq(n, "a_2");
  n = vs_graph_unique_name(g, "a", true, st);
  assert_ok();
  cr_assert_str_eq(n, "a_3");
}

/* tf.constant(1., name="a"); tf.constant(1., name="a"); tf.constant(1., name="a_1")
 * -> "a", "a_1", "a_1_1"                                           spec 1.1.5 */
Test(name_scope, r1_1_5_explicit_name_taken_by_uniquification, .init = setup, .fini = teardown) {
  cr_assert_str_eq(cname("a"), "a");
  cr_assert_str_eq(cname("a"), "a_1");
  cr_assert_str_eq(cname("a_1"), "a_1_1");
}

/* tf.constant(1, name="foo"); with tf.name_scope("foo") as s: -> "foo_1/"   spec 1.1.6 */
Test(name_scope, r1_1_6_ops_and_scopes_share_one_table, .init = setup, .fini = teardown) {
  cr_assert_str_eq(cname("foo"), "foo");
  cr_assert_str_eq(ns("foo"), "foo_1/");
  ns_pop();
}

/* tf.constant(1, name="foo")
 * with tf.name_scope("Foo") as s: -> "Foo_1/"
 * tf.constant(1, name="FOO").op.name -> "FOO_2"  (key "foo" already counted twice)
 *                                                                  spec 1.1.7 (V115/V2) */
Test(name_scope, r1_1_7_names_are_case_insensitive, .init = setup, .fini = teardown) {
  cr_assert_str_eq(cname("foo"), "foo");
  cr_assert_str_eq(ns("Foo"), "Foo_1/");
  ns_pop();
  cr_assert_str_eq(cname("FOO"), "FOO_2");
}

/* g.unique_name("x", mark_as_used=False) -> "x"; again -> "x"
 * tf.constant(1., name="x").op.name -> "x"
 * g.unique_name("x", mark_as_used=False) -> "x_1"                 spec 1.1.8 */
Test(name_scope, r1_1_8_unique_name_without_marking_reserves_nothing, .init = setup,
     .fini = teardown) {
  const char *n = vs_graph_unique_name(g, "x", false, st);
  assert_ok();
  cr_assert_str_eq(n, "x");
  n = vs_graph_unique_name(g, "x", false, st);
  assert_ok();
  cr_assert_str_eq(n, "x");
  cr_assert_str_eq(cname("x"), "x");
  n = vs_graph_unique_name(g, "x", false, st);
  assert_ok();
  cr_assert_str_eq(n, "x_1");
}

/* ---- 1.2 absolute scopes, reset, capture ---------------------------------- */

/* tf.constant(1., name="b")
 * with tf.name_scope("a"):
 *   with tf.name_scope("b/") as s:        -> s == "b/" (not "b_1/")
 *     tf.constant(1., name="c").op.name   -> "b/c";  g.get_name_scope() -> "b"
 *   g.get_name_scope()                    -> "a"               spec 1.2.1 */
Test(name_scope, r1_2_1_trailing_slash_is_absolute_and_not_uniquified, .init = setup,
     .fini = teardown) {
  cr_assert_str_eq(cname("b"), "b");
  ns("a");
  cr_assert_str_eq(ns("b/"), "b/");
  cr_assert_str_eq(cname("c"), "b/c");
  cr_assert_str_eq(vs_get_name_scope(g), "b");
  ns_pop();
  cr_assert_str_eq(vs_get_name_scope(g), "a");
  ns_pop();
}

/* with tf.name_scope("nested") as scope:
 *   with tf.name_scope("deeper"):
 *     with tf.name_scope(scope) as s2:    -> "nested/"
 *       tf.constant(1., name="d").op.name -> "nested/d"            spec 1.2.2 */
Test(name_scope, r1_2_2_reentering_captured_scope_string, .init = setup, .fini = teardown) {
  const char *scope = ns("nested");
  cr_assert_str_eq(scope, "nested/");
  ns("deeper");
  cr_assert_str_eq(ns(scope), "nested/");
  cr_assert_str_eq(cname("d"), "nested/d");
  ns_pop();
  ns_pop();
  ns_pop();
}

/* with tf.name_scope("a"):
 *   with tf.name_scope(None) as s:  s == "";  tf.constant(.., name="e") -> "e"
 *   with tf.name_scope("") as s:    s == "";  tf.constant(.., name="e") -> "e_1"
 *   tf.constant(.., name="f")       -> "a/f"                         spec 1.2.3 */
Test(name_scope, r1_2_3_none_or_empty_resets_to_root, .init = setup, .fini = teardown) {
  ns("a");
  cr_assert_str_eq(ns(NULL), "");
  cr_assert_str_eq(cname("e"), "e");
  cr_assert_str_eq(vs_get_name_scope(g), "");
  ns_pop();
  cr_assert_str_eq(ns(""), "");
  cr_assert_str_eq(cname("e"), "e_1");
  ns_pop();
  cr_assert_str_eq(cname("f"), "a/f");
  ns_pop();
}

/* with tf.name_scope("a"):
 *   with tf.name_scope("", "D") as s:   s == ""; tf.constant(.., name="e") -> "e"
 *   with tf.name_scope(None, "D") as s: -> "a/D/"
 *   with tf.name_scope(None, "D") as s: -> "a/D_1/"
 *   with tf.name_scope("N", "D") as s:  -> "a/N/"                   spec 1.2.4 */
Test(name_scope, r1_2_4_default_name_used_only_when_name_is_none, .init = setup,
     .fini = teardown) {
  ns("a");
  cr_assert_str_eq(ns_default("", "D"), "");
  cr_assert_str_eq(cname("e"), "e");
  ns_pop();
  cr_assert_str_eq(ns_default(NULL, "D"), "a/D/");
  ns_pop();
  cr_assert_str_eq(ns_default(NULL, "D"), "a/D_1/");
  ns_pop();
  cr_assert_str_eq(ns_default("N", "D"), "a/N/");
  ns_pop();
  ns_pop();
}

/* with tf.name_scope("a"):
 *   with tf.name_scope(None, None) as s:  (values=None) -> s == ""
 *     tf.constant(1., name="e").op.name -> "e"                      spec 1.2.5
 * (The ValueError for values=[t] is not expressible: the C API has no values.) */
Test(name_scope, r1_2_5_no_name_no_default_without_values_resets, .init = setup,
     .fini = teardown) {
  ns("a");
  cr_assert_str_eq(ns_default(NULL, NULL), "");
  cr_assert_str_eq(cname("e"), "e");
  ns_pop();
  ns_pop();
}

/* for _ in range(2):
 *   with tf.name_scope("abs/") as s: tf.constant(1., name="c")
 * -> s "abs/" both times; ops "abs/c", "abs/c_1"                    spec 1.2.7 */
Test(name_scope, r1_2_7_ops_uniquified_inside_reentered_absolute_scope, .init = setup,
     .fini = teardown) {
  cr_assert_str_eq(ns("abs/"), "abs/");
  cr_assert_str_eq(cname("c"), "abs/c");
  ns_pop();
  cr_assert_str_eq(ns("abs/"), "abs/");
  cr_assert_str_eq(cname("c"), "abs/c_1");
  ns_pop();
}

/* with tf.name_scope("a"):
 *   with tf.name_scope(None): g.get_name_scope() -> ""             spec 1.2.8 */
Test(name_scope, r1_2_8_get_name_scope_after_reset_is_empty, .init = setup, .fini = teardown) {
  ns("a");
  cr_assert_str_eq(vs_get_name_scope(g), "a");
  ns(NULL);
  cr_assert_str_eq(vs_get_name_scope(g), "");
  ns_pop();
  ns_pop();
}

/* ---- 1.3 name validation ---------------------------------------------------- */

/* tf.constant(1, name="bad name")
 * -> ValueError "`bad name` is not a valid node name. Accepted names conform to Regex
 *    /re.compile('^[A-Za-z0-9.][A-Za-z0-9_.\\\\/>-]*$')/"          spec 1.3.1
 * Spec 1.3.1 (TF 1.15): "'bad name' is not a valid scope name". */
Test(name_scope, r1_3_1_invalid_constant_name_at_root, .init = setup, .fini = teardown) {
  vs_output o = vs_constant_float(g, 1.0f, "bad name", st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError", NODE_ERR("bad name"));
  cr_assert_null(o.op);
  cr_assert_eq(vs_graph_num_operations(g), 0);
}

/* with tf.name_scope("a"): tf.constant(1, name="bad name")
 * -> ValueError "`a/bad name` is not a valid node name. Accepted names conform to Regex
 *    /re.compile('^[A-Za-z0-9.][A-Za-z0-9_.\\\\/>-]*$')/"          spec 1.3.1 (in a scope)
 * Spec 1.3.1 (TF 1.15): "'bad name' is not a valid scope name". */
Test(name_scope, r1_3_1_invalid_constant_name_in_scope_reports_full_name, .init = setup,
     .fini = teardown) {
  ns("a");
  vs_output o = vs_constant_float(g, 1.0f, "bad name", st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError", NODE_ERR("a/bad name"));
  cr_assert_null(o.op);
  ns_pop();
}

/* with tf.name_scope("_x"): -> ValueError "'_x' is not a valid root scope name. A root
 * scope name has to match the following pattern: ^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$"
 *                                                                  spec 1.3.2
 * Spec 1.3.2/E9 (TF 1.15): "'_x' is not a valid scope name". */
Test(name_scope, r1_3_2_root_scope_may_not_start_with_underscore, .init = setup,
     .fini = teardown) {
  const char *s = vs_name_scope_push(g, "_x", st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError", ROOT_SCOPE_ERR("_x"));
  cr_assert_null(s);
  cr_assert_str_eq(vs_get_name_scope(g), "");
}

/* with tf.name_scope("a"):
 *   with tf.name_scope("_x") as s: -> "a/_x/"                       spec 1.3.3 */
Test(name_scope, r1_3_3_nested_scope_may_start_with_underscore, .init = setup,
     .fini = teardown) {
  ns("a");
  cr_assert_str_eq(ns("_x"), "a/_x/");
  ns_pop();
  ns_pop();
}

/* with tf.name_scope("a"):
 *   with tf.name_scope("bad name"): -> ValueError "'bad name' is not a valid scope name.
 *   A scope name has to match the following pattern: ^[A-Za-z0-9_.\\/>-]*$"
 *                                                  spec 1.3 (characters invalid everywhere)
 * Spec §1.3/E9 (TF 1.15): "'bad name' is not a valid scope name". */
Test(name_scope, r1_3_invalid_character_inside_open_scope, .init = setup, .fini = teardown) {
  ns("a");
  const char *s = vs_name_scope_push(g, "bad name", st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError", SCOPE_ERR("bad name"));
  cr_assert_null(s);
  cr_assert_str_eq(vs_get_name_scope(g), "a");
  ns_pop();
}

/* tf.get_variable("_v", [1]) -> ValueError "'_v' is not a valid root scope name. A root
 * scope name has to match the following pattern: ^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$"
 *                                                                  spec 1.3.4 (derived)
 * Spec 1.3.4/E9 (TF 1.15): "'_v' is not a valid scope name". */
Test(name_scope, r1_3_4_get_variable_leading_underscore_at_root, .init = setup,
     .fini = teardown) {
  vs_var *v = vs_get_variable(g, "_v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError", ROOT_SCOPE_ERR("_v"));
  cr_assert_null(v);
}

/* with tf.variable_scope("foo"): tf.get_variable("_v", [1]).name -> "foo/_v:0"
 *                                                                  spec 1.3.5 (derived) */
Test(name_scope, r1_3_5_get_variable_underscore_inside_variable_scope, .init = setup,
     .fini = teardown) {
  vs_scope *foo = vs_variable_scope_push(g, "foo", NULL, st);
  assert_ok();
  cr_assert_str_eq(vs_var_name(gv("_v", VS_SHAPE(1))), "foo/_v:0");
  vs_variable_scope_pop(g, foo, st);
  assert_ok();
}

/* tf.get_variable("v:0", [1]) -> ValueError "'v:0' is not a valid root scope name. A root
 * scope name has to match the following pattern: ^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$"
 *                                                                  spec 1.3.6 (derived)
 * Spec 1.3.6 (TF 1.15): "'v:0' is not a valid scope name". */
Test(name_scope, r1_3_6_get_variable_colon_is_invalid, .init = setup, .fini = teardown) {
  vs_var *v = vs_get_variable(g, "v:0", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError", ROOT_SCOPE_ERR("v:0"));
  cr_assert_null(v);
}

/* with tf.name_scope("a>b") as s:  -> "a>b/"
 * with tf.name_scope("a\\b") as s: -> "a\\b/"   (one literal backslash)
 * with tf.name_scope(".x") as s:   -> ".x/"     (a root name may start with '.')
 *                                  spec §1.3 recent-V2 pattern (adds '>' and '\') */
Test(name_scope, r1_3_v2_pattern_allows_gt_backslash_and_leading_dot, .init = setup,
     .fini = teardown) {
  cr_assert_str_eq(ns("a>b"), "a>b/");
  ns_pop();
  cr_assert_str_eq(ns("a\\b"), "a\\b/");
  ns_pop();
  cr_assert_str_eq(ns(".x"), ".x/");
  ns_pop();
}
