/* test_variable_naming.c - spec §2: get_variable vs tf.Variable naming,
 * variable_scope names (2.2), default names (2.3) and the ops a variable
 * creates (2.4).
 *
 * Oracle: TensorFlow 2.21 (tf.compat.v1, graph mode, disable_v2_behavior(),
 * so RefVariable). Every expectation below was run there; where TF 2.21 and
 * the spec disagree, TF 2.21 is encoded and a comment names the spec row and
 * its TF 1.15 text.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "varscope.h"

#define SUPPORT_FIXTURE
#include "support.h"

/* with tf.variable_scope(captured, **opts) as s */
static vs_scope *vsc_capture(vs_scope *captured, const vs_varscope_opts *opts) {
  vs_scope *s = vs_variable_scope_push_scope(g, captured, opts, st);
  assert_ok();
  cr_assert_not_null(s);
  return s;
}

/* tf.Variable(value, name=name) */
static vs_var *tfvar(const char *name, float value) {
  vs_var *v = vs_variable(
      g, &(vs_variable_opts){.name = name, .initial_value = vs_value_initializer(&value, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
      st);
  assert_ok();
  cr_assert_not_null(v);
  return v;
}

/* tf.constant(1., name=name).name (tensor name) */
static const char *cf(const char *name) {
  vs_output o = vs_constant_float(g, 1.0f, name, st);
  assert_ok();
  cr_assert_not_null(o.op);
  return vs_output_name(o);
}

/* The graph's ops, in creation order, are exactly names[i] with types[i]. */
static void assert_ops(size_t n, const char *const *names, const char *const *types) {
  cr_assert_eq(vs_graph_num_operations(g), n, "graph has %zu ops, want %zu",
               vs_graph_num_operations(g), n);
  for (size_t i = 0; i < n; i++) {
    vs_op *op = vs_graph_operation(g, i);
    cr_assert_not_null(op);
    cr_assert_str_eq(vs_op_name(op), names[i], "op %zu", i);
    cr_assert_str_eq(vs_op_type(op), types[i], "op %zu (%s)", i, names[i]);
  }
}

/* ==== 2.1 / 2.2 variable naming ============================================ */

/* v = tf.get_variable("v", [1])
 * v.name -> "v:0"; v.op.name -> "v"; store key "v"               spec 2.2.1 */
Test(variable_naming, r2_2_1_get_variable_at_root, .init = setup, .fini = teardown) {
  vs_var *v = gv("v", VS_SHAPE(1));
  cr_assert_str_eq(vs_var_name(v), "v:0");
  cr_assert_str_eq(vs_var_op_name(v), "v");
  cr_assert_str_eq(vs_var_store_key(v), "v");
}

/* with tf.variable_scope("foo"):
 *   with tf.variable_scope("bar"): tf.get_variable("v", [1]).name -> "foo/bar/v:0"   spec 2.2.2 */
Test(variable_naming, r2_2_2_nested_variable_scopes_prefix_name, .init = setup,
     .fini = teardown) {
  vs_scope *foo = vsc("foo", VS_REUSE_INHERIT);
  vs_scope *bar = vsc("bar", VS_REUSE_INHERIT);
  cr_assert_str_eq(vs_var_name(gv("v", VS_SHAPE(1))), "foo/bar/v:0");
  vsc_pop(bar);
  vsc_pop(foo);
}

/* with tf.name_scope("ns"): tf.get_variable("a", []).name -> "a:0"   spec 2.2.3, §11.1 */
Test(variable_naming, r2_2_3_get_variable_ignores_name_scope, .init = setup, .fini = teardown) {
  ns("ns");
  cr_assert_str_eq(vs_var_name(gv("a", VS_SCALAR)), "a:0");
  ns_pop();
}

/* with tf.name_scope("ns"): tf.Variable(0., name="c").name -> "ns/c:0"   spec 2.2.4, §11.1 */
Test(variable_naming, r2_2_4_variable_follows_name_scope, .init = setup, .fini = teardown) {
  ns("ns");
  cr_assert_str_eq(vs_var_name(tfvar("c", 0.0f)), "ns/c:0");
  ns_pop();
}

/* with tf.variable_scope("foo"):
 *   with tf.name_scope("bar"):
 *     tf.get_variable("v",[1]).name -> "foo/v:0"
 *     tf.constant(1., name="c").name -> "foo/bar/c:0"
 *     tf.Variable(0., name="w").name -> "foo/bar/w:0"              spec 2.2.5 */
Test(variable_naming, r2_2_5_name_scope_inside_variable_scope, .init = setup, .fini = teardown) {
  vs_scope *foo = vsc("foo", VS_REUSE_INHERIT);
  ns("bar");
  cr_assert_str_eq(vs_var_name(gv("v", VS_SHAPE(1))), "foo/v:0");
  cr_assert_str_eq(cf("c"), "foo/bar/c:0");
  cr_assert_str_eq(vs_var_name(tfvar("w", 0.0f)), "foo/bar/w:0");
  ns_pop();
  vsc_pop(foo);
}

/* with tf.variable_scope("foo"): v = tf.get_variable("v", [1])
 * with tf.variable_scope("foo", reuse=True) as s:
 *   v1 = tf.get_variable("v", [1])     -> v1 is v, "foo/v:0"
 *   tf.constant(2., name="mul").name   -> "foo_1/mul:0"   (stands in for v*2)
 *   s.original_name_scope              -> "foo_1/"                 spec 2.2.6, §11.2 */
Test(variable_naming, r2_2_6_reuse_block_opens_new_name_scope, .init = setup, .fini = teardown) {
  vs_scope *foo = vsc("foo", VS_REUSE_INHERIT);
  vs_var *v = gv("v", VS_SHAPE(1));
  vsc_pop(foo);
  vs_scope *s = vsc("foo", VS_REUSE_TRUE);
  vs_var *v1 = gv("v", VS_SHAPE(1));
  cr_assert_eq(v1, v);
  cr_assert_str_eq(vs_var_name(v1), "foo/v:0");
  cr_assert_str_eq(cf("mul"), "foo_1/mul:0");
  cr_assert_str_eq(vs_scope_original_name_scope(s), "foo_1/");
  vsc_pop(s);
}

/* with tf.variable_scope("foo"): pass
 * with tf.variable_scope("foo"):
 *   tf.get_variable("w", [1]).name -> "foo/w:0"
 *   tf.Variable(0., name="u").name -> "foo_1/u:0"                  spec 2.2.7 */
Test(variable_naming, r2_2_7_variable_scope_not_uniquified_name_scope_is, .init = setup,
     .fini = teardown) {
  vsc_pop(vsc("foo", VS_REUSE_INHERIT));
  vs_scope *foo = vsc("foo", VS_REUSE_INHERIT);
  cr_assert_str_eq(vs_var_name(gv("w", VS_SHAPE(1))), "foo/w:0");
  cr_assert_str_eq(vs_var_name(tfvar("u", 0.0f)), "foo_1/u:0");
  vsc_pop(foo);
}

/* with tf.variable_scope("foo"): pass
 * with tf.variable_scope("foo"):
 *   s = tf.get_variable_scope(); s.name -> "foo"; s.original_name_scope -> "foo_1/"
 *                                                                  spec 2.2.8, §11.13 */
Test(variable_naming, r2_2_8_scope_name_vs_original_name_scope, .init = setup,
     .fini = teardown) {
  vsc_pop(vsc("foo", VS_REUSE_INHERIT));
  vs_scope *foo = vsc("foo", VS_REUSE_INHERIT);
  vs_scope *cur = vs_get_variable_scope(g);
  cr_assert_eq(cur, foo);
  cr_assert_str_eq(vs_scope_name(cur), "foo");
  cr_assert_str_eq(vs_scope_original_name_scope(cur), "foo_1/");
  vsc_pop(foo);
}

/* with tf.variable_scope("foo") as vs: pass
 * with tf.variable_scope(vs) as vs2:
 *   tf.constant(1., name="c").name   -> "foo_1/c:0"
 *   tf.get_variable("x", [1]).name   -> "foo/x:0"
 *   tf.Variable(1., name="y").name   -> "foo_1/y:0"
 *   s = tf.get_variable_scope(): s.name -> "foo", s.original_name_scope -> "foo/"
 *   vs2 is vs -> False (a copy)                                    spec 2.2.9, §11.2 */
Test(variable_naming, r2_2_9_reentering_captured_scope, .init = setup, .fini = teardown) {
  vs_scope *vs = vsc("foo", VS_REUSE_INHERIT);
  vsc_pop(vs);
  vs_scope *vs2 = vsc_capture(vs, NULL);
  cr_assert_neq(vs2, vs);
  cr_assert_str_eq(cf("c"), "foo_1/c:0");
  cr_assert_str_eq(vs_var_name(gv("x", VS_SHAPE(1))), "foo/x:0");
  cr_assert_str_eq(vs_var_name(tfvar("y", 1.0f)), "foo_1/y:0");
  vs_scope *cur = vs_get_variable_scope(g);
  cr_assert_str_eq(vs_scope_name(cur), "foo");
  cr_assert_str_eq(vs_scope_original_name_scope(cur), "foo/");
  vsc_pop(vs2);
}

/* with tf.variable_scope("foo") as vs: pass
 * with tf.variable_scope("outer"):
 *   with tf.variable_scope(vs) as s:
 *     tf.get_variable("w", [1]).name   -> "foo/w:0"
 *     tf.constant(1., name="c").name   -> "outer/foo/c:0"
 *     s.name -> "foo", s.original_name_scope -> "foo/"               spec 2.2.10 (derived) */
Test(variable_naming, r2_2_10_captured_scope_inside_other_scope, .init = setup,
     .fini = teardown) {
  vs_scope *vs = vsc("foo", VS_REUSE_INHERIT);
  vsc_pop(vs);
  vs_scope *outer = vsc("outer", VS_REUSE_INHERIT);
  vs_scope *s = vsc_capture(vs, NULL);
  cr_assert_str_eq(vs_var_name(gv("w", VS_SHAPE(1))), "foo/w:0");
  cr_assert_str_eq(cf("c"), "outer/foo/c:0");
  cr_assert_str_eq(vs_scope_name(s), "foo");
  cr_assert_str_eq(vs_scope_original_name_scope(s), "foo/");
  vsc_pop(s);
  vsc_pop(outer);
}

/* with tf.variable_scope("foo") as vs: pass
 * with tf.variable_scope(vs, auxiliary_name_scope=False) as vs1:
 *   g.get_name_scope() -> ""
 *   with tf.name_scope(vs1.original_name_scope):   # "foo/"
 *     tf.get_variable("v", [1]).name -> "foo/v:0"
 *     tf.constant([1], name="c").name -> "foo/c:0"                  spec 2.2.11, §11.2 */
Test(variable_naming, r2_2_11_auxiliary_name_scope_false_with_original_name_scope,
     .init = setup, .fini = teardown) {
  vs_scope *vs = vsc("foo", VS_REUSE_INHERIT);
  vsc_pop(vs);
  vs_scope *vs1 = vsc_capture(vs, &(vs_varscope_opts){.auxiliary_name_scope = VS_OPT_FALSE});
  cr_assert_str_eq(vs_get_name_scope(g), "");
  cr_assert_str_eq(vs_scope_original_name_scope(vs1), "foo/");
  cr_assert_str_eq(ns(vs_scope_original_name_scope(vs1)), "foo/");
  cr_assert_str_eq(vs_var_name(gv("v", VS_SHAPE(1))), "foo/v:0");
  cr_assert_str_eq(cf("c"), "foo/c:0");
  ns_pop();
  vsc_pop(vs1);
}

/* with tf.name_scope("ns"):
 *   with tf.variable_scope("foo", auxiliary_name_scope=False) as s:
 *     s.name -> "foo"; s.original_name_scope -> "ns/"; g.get_name_scope() -> "ns"
 *     tf.constant(1., name="c").name -> "ns/c:0"
 *     tf.get_variable("v", [1]).name -> "foo/v:0"
 *                             spec 2.2.11 (string name variant; no name scope is opened) */
Test(variable_naming, r2_2_11_auxiliary_name_scope_false_with_string_name, .init = setup,
     .fini = teardown) {
  ns("ns");
  vs_scope *s = vs_variable_scope_push(
      g, "foo", &(vs_varscope_opts){.auxiliary_name_scope = VS_OPT_FALSE}, st);
  assert_ok();
  cr_assert_str_eq(vs_scope_name(s), "foo");
  cr_assert_str_eq(vs_scope_original_name_scope(s), "ns/");
  cr_assert_str_eq(vs_get_name_scope(g), "ns");
  cr_assert_str_eq(cf("c"), "ns/c:0");
  cr_assert_str_eq(vs_var_name(gv("v", VS_SHAPE(1))), "foo/v:0");
  vsc_pop(s);
  ns_pop();
}

/* with tf.variable_scope("alpha"):
 *   with tf.variable_scope("beta"):
 *     with tf.variable_scope(tf.get_variable_scope()) as s:
 *       tf.get_variable("my_var", [42]).name -> "alpha/beta/my_var:0"
 *       tf.constant(1., name="my_op").name   -> "alpha/beta/beta/my_op:0"
 *       s.name -> "alpha/beta"; s.original_name_scope -> "alpha/beta/"
 *                                                                  spec 2.2.12, §11.11 */
Test(variable_naming, r2_2_12_reentering_current_scope_doubles_op_prefix, .init = setup,
     .fini = teardown) {
  vs_scope *alpha = vsc("alpha", VS_REUSE_INHERIT);
  vs_scope *beta = vsc("beta", VS_REUSE_INHERIT);
  vs_scope *s = vsc_capture(vs_get_variable_scope(g), NULL);
  cr_assert_str_eq(vs_var_name(gv("my_var", VS_SHAPE(42))), "alpha/beta/my_var:0");
  cr_assert_str_eq(cf("my_op"), "alpha/beta/beta/my_op:0");
  cr_assert_str_eq(vs_scope_name(s), "alpha/beta");
  cr_assert_str_eq(vs_scope_original_name_scope(s), "alpha/beta/");
  vsc_pop(s);
  vsc_pop(beta);
  vsc_pop(alpha);
}

/* root = tf.get_variable_scope()
 * with tf.variable_scope(tf.get_variable_scope()) as s:
 *   g.get_name_scope() -> ""; tf.constant(1., name="c").name -> "c:0"
 *   s is root -> False; s.name -> ""; s.original_name_scope -> ""  spec 2.2.13 */
Test(variable_naming, r2_2_13_reentering_root_scope_opens_no_name_scope, .init = setup,
     .fini = teardown) {
  vs_scope *root = vs_get_variable_scope(g);
  cr_assert_not_null(root);
  vs_scope *s = vsc_capture(root, NULL);
  cr_assert_neq(s, root);
  cr_assert_str_eq(vs_get_name_scope(g), "");
  cr_assert_str_eq(cf("c"), "c:0");
  cr_assert_str_eq(vs_scope_name(s), "");
  cr_assert_str_eq(vs_scope_original_name_scope(s), "");
  vsc_pop(s);
  cr_assert_eq(vs_get_variable_scope(g), root);
}

/* root = tf.get_variable_scope()
 * with tf.name_scope("x"):
 *   with tf.variable_scope(root) as s:
 *     g.get_name_scope() -> "x" (not reset to root)
 *     tf.constant(1., name="c").name -> "x/c:0"; s.original_name_scope -> ""
 *                                  spec 2.2.13 ("no name scope is opened"), inside a name scope */
Test(variable_naming, r2_2_13_reentering_root_scope_keeps_current_name_scope, .init = setup,
     .fini = teardown) {
  vs_scope *root = vs_get_variable_scope(g);
  ns("x");
  vs_scope *s = vsc_capture(root, NULL);
  cr_assert_str_eq(vs_get_name_scope(g), "x");
  cr_assert_str_eq(cf("c"), "x/c:0");
  cr_assert_str_eq(vs_scope_original_name_scope(s), "");
  vsc_pop(s);
  ns_pop();
}

/* with tf.variable_scope("foo/") as s:
 *   tf.get_variable("v", [1]).name -> "foo//v:0" (store key "foo//v")
 *   tf.constant(0, name="c").name  -> "foo/c:0"
 *   s.name -> "foo/"; s.original_name_scope -> "foo/"             spec 2.2.14 (derived) */
Test(variable_naming, r2_2_14_trailing_slash_variable_scope, .init = setup, .fini = teardown) {
  vs_scope *s = vsc("foo/", VS_REUSE_INHERIT);
  vs_var *v = gv("v", VS_SHAPE(1));
  cr_assert_str_eq(vs_var_name(v), "foo//v:0");
  cr_assert_str_eq(vs_var_store_key(v), "foo//v");
  vs_output c = vs_constant_int32(g, 0, "c", st);
  assert_ok();
  cr_assert_str_eq(vs_output_name(c), "foo/c:0");
  cr_assert_str_eq(vs_scope_name(s), "foo/");
  cr_assert_str_eq(vs_scope_original_name_scope(s), "foo/");
  vsc_pop(s);
}

/* with tf.variable_scope("foo"): tf.get_variable("a/b", [1]).name -> "foo/a/b:0"   spec 2.2.15 */
Test(variable_naming, r2_2_15_slash_in_variable_name, .init = setup, .fini = teardown) {
  vs_scope *foo = vsc("foo", VS_REUSE_INHERIT);
  cr_assert_str_eq(vs_var_name(gv("a/b", VS_SHAPE(1))), "foo/a/b:0");
  vsc_pop(foo);
}

/* with tf.variable_scope("w/Adam"):
 *   v = tf.get_variable("", [2])
 *   v.name -> "w/Adam:0"; v.op.name -> "w/Adam"; store key "w/Adam/"   spec 2.2.16 */
Test(variable_naming, r2_2_16_empty_variable_name_slot_pattern, .init = setup,
     .fini = teardown) {
  vs_scope *s = vsc("w/Adam", VS_REUSE_INHERIT);
  vs_var *v = gv("", VS_SHAPE(2));
  cr_assert_str_eq(vs_var_name(v), "w/Adam:0");
  cr_assert_str_eq(vs_var_op_name(v), "w/Adam");
  cr_assert_str_eq(vs_var_store_key(v), "w/Adam/");
  vsc_pop(s);
}

/* with tf.variable_scope("bad name"): -> ValueError "'bad name' is not a valid root scope
 * name. A root scope name has to match the following pattern: ^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$"
 *                                                                  spec 2.2.17
 * Spec 2.2.17/E9 (TF 1.15): "'bad name' is not a valid scope name". */
Test(variable_naming, r2_2_17_invalid_variable_scope_name, .init = setup, .fini = teardown) {
  vs_scope *s = vs_variable_scope_push(g, "bad name", NULL, st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError", ROOT_SCOPE_ERR("bad name"));
  cr_assert_null(s);
  cr_assert_str_eq(vs_scope_name(vs_get_variable_scope(g)), "");
  cr_assert_str_eq(vs_get_name_scope(g), "");
}

/* with tf.name_scope("a"):
 *   with tf.variable_scope("_x") as s:   # OK: s.name "_x", s.original_name_scope "a/_x/"
 *     tf.get_variable("v", [1]) -> ValueError "'_x/v' is not a valid root scope name. A root
 *     scope name has to match the following pattern: ^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$"
 *                                                                  spec 2.2.18 (derived)
 * Spec E9 (TF 1.15): "'_x/v' is not a valid scope name". */
Test(variable_naming, r2_2_18_underscore_scope_ok_but_variable_name_checked_at_root,
     .init = setup, .fini = teardown) {
  ns("a");
  vs_scope *s = vsc("_x", VS_REUSE_INHERIT);
  cr_assert_str_eq(vs_scope_name(s), "_x");
  cr_assert_str_eq(vs_scope_original_name_scope(s), "a/_x/");
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError", ROOT_SCOPE_ERR("_x/v"));
  cr_assert_null(v);
  vsc_pop(s);
  ns_pop();
}

/* with tf.variable_scope("scope_1"): tf.Variable([1.], name="v1")
 * with tf.variable_scope("scope_1", reuse=True): tf.get_variable("v1", [1])
 * -> ValueError "Variable scope_1/v1 does not exist, or was not created with
 *    tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?"
 *                                                                  spec 2.2.19, §11.5 */
Test(variable_naming, r2_2_19_store_only_knows_get_variable, .init = setup, .fini = teardown) {
  vs_scope *s = vsc("scope_1", VS_REUSE_INHERIT);
  float one[1] = {1.0f};
  vs_var *tv = vs_variable(
      g,
      &(vs_variable_opts){.name = "v1",
                          .initial_value = vs_value_initializer(one, VS_FLOAT, 1, VS_SHAPE(1))},
      st);
  assert_ok();
  cr_assert_str_eq(vs_var_name(tv), "scope_1/v1:0");
  cr_assert_null(vs_var_store_key(tv));
  vsc_pop(s);
  s = vsc("scope_1", VS_REUSE_TRUE);
  vs_var *v = vs_get_variable(g, "v1", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  assert_error(VS_NOT_FOUND, "ValueError", E2("scope_1/v1"));
  cr_assert_null(v);
  vsc_pop(s);
}

/* a = tf.Variable([1.], name="v1"); b = tf.get_variable("v1", [1])
 * with tf.variable_scope(tf.get_variable_scope(), reuse=True): c = tf.get_variable("v1", [1])
 * -> a.name "v1:0"; b.name "v1_1:0" (store key "v1"); c is b       spec 2.2.20, §11.5 */
Test(variable_naming, r2_2_20_get_variable_after_variable_is_uniquified, .init = setup,
     .fini = teardown) {
  float one[1] = {1.0f};
  vs_var *a = vs_variable(
      g,
      &(vs_variable_opts){.name = "v1",
                          .initial_value = vs_value_initializer(one, VS_FLOAT, 1, VS_SHAPE(1))},
      st);
  assert_ok();
  vs_var *b = gv("v1", VS_SHAPE(1));
  cr_assert_str_eq(vs_var_name(a), "v1:0");
  cr_assert_str_eq(vs_var_name(b), "v1_1:0");
  cr_assert_str_eq(vs_var_op_name(b), "v1_1");
  cr_assert_str_eq(vs_var_store_key(b), "v1");
  vs_scope *s = vsc_capture(vs_get_variable_scope(g), &(vs_varscope_opts){.reuse = VS_REUSE_TRUE});
  vs_var *c = gv("v1", VS_SHAPE(1));
  cr_assert_eq(c, b);
  vsc_pop(s);
}

/* a = tf.get_variable("foo", [1]); b = tf.get_variable("Foo", [1])
 * -> a.name "foo:0"; b.name "Foo_1:0" under store key "Foo"; no error
 *                                                   spec 2.2.21 (derived), §11.20 */
Test(variable_naming, r2_2_21_case_insensitive_op_names_distinct_store_keys, .init = setup,
     .fini = teardown) {
  vs_var *a = gv("foo", VS_SHAPE(1));
  vs_var *b = gv("Foo", VS_SHAPE(1));
  cr_assert_neq(a, b);
  cr_assert_str_eq(vs_var_name(a), "foo:0");
  cr_assert_str_eq(vs_var_store_key(a), "foo");
  cr_assert_str_eq(vs_var_name(b), "Foo_1:0");
  cr_assert_str_eq(vs_var_store_key(b), "Foo");
}

/* with tf.name_scope("ns"):
 *   tf.Variable(1.0).name -> "ns/Variable:0"; tf.Variable(2.0).name -> "ns/Variable_1:0"
 * tf.Variable(3.0).name -> "Variable:0"                  spec 2.1 (name_scope(name, "Variable")) */
Test(variable_naming, r2_1_variable_default_name_is_uniquified_variable, .init = setup,
     .fini = teardown) {
  ns("ns");
  cr_assert_str_eq(vs_var_name(tfvar(NULL, 1.0f)), "ns/Variable:0");
  cr_assert_str_eq(vs_var_name(tfvar(NULL, 2.0f)), "ns/Variable_1:0");
  ns_pop();
  cr_assert_str_eq(vs_var_name(tfvar(NULL, 3.0f)), "Variable:0");
}

/* with tf.variable_scope("foo"): v = tf.get_variable("v", [1])
 * v.name -> "foo/v:0"; v.op.name -> "foo/v"
 * tf.get_variable("v", [1]) again -> ValueError "Variable foo/v already exists, ..."
 * (the error names the op name, without ":0")                     spec §11.6 */
Test(variable_naming, r11_6_variable_names_carry_output_index, .init = setup, .fini = teardown) {
  vs_scope *foo = vsc("foo", VS_REUSE_INHERIT);
  vs_var *v = gv("v", VS_SHAPE(1));
  cr_assert_str_eq(vs_var_name(v), "foo/v:0");
  cr_assert_str_eq(vs_var_op_name(v), "foo/v");
  cr_assert_str_eq(vs_op_name(vs_var_op(v)), "foo/v");
  cr_assert_str_eq(vs_output_name(vs_op_output(vs_var_op(v))), "foo/v:0");
  vs_var *again = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  assert_error_prefix(VS_ALREADY_EXISTS, "ValueError", E1_PREFIX("foo/v"));
  cr_assert_null(again);
  vsc_pop(foo);
}

/* ==== 2.4 ops a variable creates ============================================ */

/* v = tf.get_variable("v", [1])     # default glorot_uniform
 * [(o.name, o.type) for o in g.get_operations()] ->
 *   v/Initializer/random_uniform/shape Const, .../min Const, .../max Const,
 *   .../RandomUniform RandomUniform, .../sub Sub, .../mul Mul,
 *   v/Initializer/random_uniform AddV2, v VariableV2, v/Assign Assign, v/read Identity
 * v.dtype.name -> "float32_ref"        spec 2.4 (the spec lists names only; types are TF 2.21's) */
Test(variable_naming, r2_4_get_variable_default_initializer_ops, .init = setup,
     .fini = teardown) {
  vs_var *v = gv("v", VS_SHAPE(1));
  static const char *const names[] = {
      "v/Initializer/random_uniform/shape", "v/Initializer/random_uniform/min",
      "v/Initializer/random_uniform/max",   "v/Initializer/random_uniform/RandomUniform",
      "v/Initializer/random_uniform/sub",   "v/Initializer/random_uniform/mul",
      "v/Initializer/random_uniform",       "v",
      "v/Assign",                           "v/read"};
  static const char *const types[] = {"Const", "Const",      "Const",  "RandomUniform",
                                      "Sub",   "Mul",        "AddV2",  "VariableV2",
                                      "Assign", "Identity"};
  assert_ops(10, names, types);
  cr_assert_str_eq(vs_var_dtype_name(v), "float32_ref");
}

/* v = tf.get_variable("v", [1], initializer=tf.zeros_initializer())
 * ops -> v/Initializer/zeros Const, v VariableV2, v/Assign Assign, v/read Identity
 * v.initializer.name -> "v/Assign"; v.value().name -> "v/read:0";
 * v.initial_value.name -> "v/Initializer/zeros:0"                  spec 2.4 */
Test(variable_naming, r2_4_callable_initializer_ops_and_accessors, .init = setup,
     .fini = teardown) {
  vs_var *v = vs_get_variable(
      g, "v", &(vs_var_opts){.shape = VS_SHAPE(1), .initializer = vs_zeros_initializer()}, st);
  assert_ok();
  static const char *const names[] = {"v/Initializer/zeros", "v", "v/Assign", "v/read"};
  static const char *const types[] = {"Const", "VariableV2", "Assign", "Identity"};
  assert_ops(4, names, types);
  cr_assert_str_eq(vs_op_name(vs_var_initializer_op(v)), "v/Assign");
  cr_assert_str_eq(vs_output_name(vs_var_value(v)), "v/read:0");
  cr_assert_str_eq(vs_output_name(vs_var_initial_value(v)), "v/Initializer/zeros:0");
}

/* v = tf.Variable(1.0, name="c")
 * ops -> c/initial_value Const, c VariableV2, c/Assign Assign, c/read Identity
 * v.initializer.name -> "c/Assign"; v.value().name -> "c/read:0";
 * v.dtype.name -> "float32_ref"                                    spec 2.4 */
Test(variable_naming, r2_4_variable_host_value_creates_initial_value_op, .init = setup,
     .fini = teardown) {
  vs_var *v = tfvar("c", 1.0f);
  static const char *const names[] = {"c/initial_value", "c", "c/Assign", "c/read"};
  static const char *const types[] = {"Const", "VariableV2", "Assign", "Identity"};
  assert_ops(4, names, types);
  cr_assert_str_eq(vs_op_name(vs_var_initializer_op(v)), "c/Assign");
  cr_assert_str_eq(vs_output_name(vs_var_value(v)), "c/read:0");
  cr_assert_str_eq(vs_output_name(vs_var_initial_value(v)), "c/initial_value:0");
  cr_assert_str_eq(vs_var_dtype_name(v), "float32_ref");
}

/* t = tf.constant(1.0, name="t"); v = tf.Variable(t, name="c")
 * ops -> t Const, c VariableV2, c/Assign Assign, c/read Identity (no c/initial_value)
 * v.initial_value.name -> "t:0"                                    spec 2.4 */
Test(variable_naming, r2_4_variable_tensor_initial_value_used_as_is, .init = setup,
     .fini = teardown) {
  vs_output t = vs_constant_float(g, 1.0f, "t", st);
  assert_ok();
  vs_var *v = vs_variable(
      g, &(vs_variable_opts){.name = "c", .initial_value = vs_tensor_initializer(t)}, st);
  assert_ok();
  static const char *const names[] = {"t", "c", "c/Assign", "c/read"};
  static const char *const types[] = {"Const", "VariableV2", "Assign", "Identity"};
  assert_ops(4, names, types);
  cr_assert_str_eq(vs_output_name(vs_var_initial_value(v)), "t:0");
}

static vs_output l2_regularizer(vs_graph *graph, vs_var *var, void *user_data, vs_status *status) {
  (void)var;
  (void)user_data;
  return vs_constant_float(graph, 0.0f, "l2", status);
}

/* with tf.variable_scope("foo"):
 *   with tf.name_scope("ns"):
 *     tf.get_variable("v", [1], initializer=tf.zeros_initializer(),
 *                     regularizer=lambda x: tf.constant(0., name="l2"))
 * [t.name for t in tf.get_collection(REGULARIZATION_LOSSES)] -> ["foo/v/Regularizer/l2:0"]
 * (TF 2.21 also calls the regularizer once outside any scope to probe it, leaving a stray
 *  op "l2"; that probe is a TF 2.x _LazyEvalTensor detail and is not asserted.)   spec 2.4 */
Test(variable_naming, r2_4_regularizer_ops_under_variable_regularizer_scope, .init = setup,
     .fini = teardown) {
  vs_scope *foo = vsc("foo", VS_REUSE_INHERIT);
  ns("ns");
  vs_var *v = vs_get_variable(g, "v",
                              &(vs_var_opts){.shape = VS_SHAPE(1),
                                             .initializer = vs_zeros_initializer(),
                                             .regularizer = l2_regularizer},
                              st);
  assert_ok();
  cr_assert_str_eq(vs_var_name(v), "foo/v:0");
  ns_pop();
  vsc_pop(foo);
  vs_item items[2];
  size_t n = vs_get_collection(g, VS_REGULARIZATION_LOSSES, NULL, items, 2, st);
  assert_ok();
  cr_assert_eq(n, 1);
  cr_assert_eq(items[0].kind, VS_ITEM_OP);
  cr_assert_str_eq(vs_op_name(items[0].op), "foo/v/Regularizer/l2");
}

/* ==== 2.3 default names ====================================================== */

/* for _ in range(2):
 *   with tf.variable_scope(None, default_name="bar") as s:
 *     tf.get_variable("v", [1]).name, s.original_name_scope, s.name
 * -> "bar/v:0", "bar/", "bar"; then "bar_1/v:0", "bar_1/", "bar_1"   spec 2.3.1 */
Test(default_names, r2_3_1_sequential_default_names_uniquified, .init = setup,
     .fini = teardown) {
  vs_scope *s = vsc_default("bar");
  cr_assert_str_eq(vs_var_name(gv("v", VS_SHAPE(1))), "bar/v:0");
  cr_assert_str_eq(vs_scope_original_name_scope(s), "bar/");
  cr_assert_str_eq(vs_scope_name(s), "bar");
  vsc_pop(s);
  s = vsc_default("bar");
  cr_assert_str_eq(vs_var_name(gv("v", VS_SHAPE(1))), "bar_1/v:0");
  cr_assert_str_eq(vs_scope_original_name_scope(s), "bar_1/");
  cr_assert_str_eq(vs_scope_name(s), "bar_1");
  vsc_pop(s);
}

/* with tf.variable_scope("foo") as vs:
 *   with tf.variable_scope(None, default_name="bar"): tf.get_variable("a", [1]) -> foo/bar/a:0
 *   with tf.variable_scope(None, default_name="bar"): tf.get_variable("b", [1]) -> foo/bar_1/b:0
 *                                                                  spec 2.3.2 */
Test(default_names, r2_3_2_default_names_within_parent, .init = setup, .fini = teardown) {
  vs_scope *foo = vsc("foo", VS_REUSE_INHERIT);
  vs_scope *s = vsc_default("bar");
  cr_assert_str_eq(vs_var_name(gv("a", VS_SHAPE(1))), "foo/bar/a:0");
  vsc_pop(s);
  s = vsc_default("bar");
  cr_assert_str_eq(vs_var_name(gv("b", VS_SHAPE(1))), "foo/bar_1/b:0");
  vsc_pop(s);
  vsc_pop(foo);
}

/* (2.3.2) then
 * with tf.variable_scope(vs):
 *   with tf.variable_scope(None, default_name="bar") as s:
 *     tf.get_variable("c", [1]).name -> "foo/bar/c:0"  ("bar", not "bar_2")
 *     s.original_name_scope -> "foo_1/bar/"                        spec 2.3.3, §11.12 */
Test(default_names, r2_3_3_counts_reset_when_parent_exits, .init = setup, .fini = teardown) {
  vs_scope *vs = vsc("foo", VS_REUSE_INHERIT);
  vs_scope *s = vsc_default("bar");
  gv("a", VS_SHAPE(1));
  vsc_pop(s);
  s = vsc_default("bar");
  gv("b", VS_SHAPE(1));
  vsc_pop(s);
  vsc_pop(vs);
  vs_scope *again = vsc_capture(vs, NULL);
  s = vsc_default("bar");
  cr_assert_str_eq(vs_var_name(gv("c", VS_SHAPE(1))), "foo/bar/c:0");
  cr_assert_str_eq(vs_scope_original_name_scope(s), "foo_1/bar/");
  vsc_pop(s);
  vsc_pop(again);
}

/* with tf.name_scope("bar"): pass
 * with tf.variable_scope(None, default_name="bar") as s:
 *   tf.get_variable("v", [1]).name -> "bar/v:0"
 *   tf.constant(0, name="c").name  -> "bar_1/c:0"
 *   s.name -> "bar"; s.original_name_scope -> "bar_1/"             spec 2.3.4 (derived) */
Test(default_names, r2_3_4_name_scopes_do_not_count_for_default_names, .init = setup,
     .fini = teardown) {
  ns("bar");
  ns_pop();
  vs_scope *s = vsc_default("bar");
  cr_assert_str_eq(vs_var_name(gv("v", VS_SHAPE(1))), "bar/v:0");
  vs_output c = vs_constant_int32(g, 0, "c", st);
  assert_ok();
  cr_assert_str_eq(vs_output_name(c), "bar_1/c:0");
  cr_assert_str_eq(vs_scope_name(s), "bar");
  cr_assert_str_eq(vs_scope_original_name_scope(s), "bar_1/");
  vsc_pop(s);
}

/* with tf.variable_scope("bar"): pass      (twice)
 * with tf.variable_scope(None, default_name="bar") as s:
 *   s.name -> "bar_1"; s.original_name_scope -> "bar_2/"
 *   tf.get_variable("v", [1]).name -> "bar_1/v:0"                 spec 2.3.5 (derived) */
Test(default_names, r2_3_5_string_scopes_count_for_default_names, .init = setup,
     .fini = teardown) {
  vsc_pop(vsc("bar", VS_REUSE_INHERIT));
  vsc_pop(vsc("bar", VS_REUSE_INHERIT));
  vs_scope *s = vsc_default("bar");
  cr_assert_str_eq(vs_scope_name(s), "bar_1");
  cr_assert_str_eq(vs_scope_original_name_scope(s), "bar_2/");
  cr_assert_str_eq(vs_var_name(gv("v", VS_SHAPE(1))), "bar_1/v:0");
  vsc_pop(s);
}

/* for _ in range(2):
 *   with tf.variable_scope("foo"):
 *     with tf.variable_scope(None, default_name="bar") as s:
 *       s.original_name_scope; tf.get_variable("a", [1])
 * -> "foo/bar/", "foo/bar/a:0"; then "foo_1/bar/" and
 *    ValueError "Variable foo/bar/a already exists, disallowed. Did you mean to set
 *    reuse=True or reuse=tf.AUTO_REUSE in VarScope?" (+ traceback)  spec 2.3.6 (derived), §11.12 */
Test(default_names, r2_3_6_reopened_parent_collides_on_default_name, .init = setup,
     .fini = teardown) {
  vs_scope *foo = vsc("foo", VS_REUSE_INHERIT);
  vs_scope *s = vsc_default("bar");
  cr_assert_str_eq(vs_scope_original_name_scope(s), "foo/bar/");
  cr_assert_str_eq(vs_var_name(gv("a", VS_SHAPE(1))), "foo/bar/a:0");
  vsc_pop(s);
  vsc_pop(foo);
  foo = vsc("foo", VS_REUSE_INHERIT);
  s = vsc_default("bar");
  cr_assert_str_eq(vs_scope_original_name_scope(s), "foo_1/bar/");
  vs_var *v = vs_get_variable(g, "a", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  assert_error_prefix(VS_ALREADY_EXISTS, "ValueError", E1_PREFIX("foo/bar/a"));
  cr_assert_null(v);
  vsc_pop(s);
  vsc_pop(foo);
}

/* with tf.variable_scope(None, default_name=None): -> TypeError
 * "If default_name is None then name_or_scope is required"         spec 2.3.7 (E11) */
Test(default_names, r2_3_7_no_name_and_no_default_name, .init = setup, .fini = teardown) {
  vs_scope *s = vs_variable_scope_push(g, NULL, NULL, st);
  assert_error(VS_INVALID_ARGUMENT, "TypeError",
               "If default_name is None then name_or_scope is required");
  cr_assert_null(s);
  cr_assert_str_eq(vs_scope_name(vs_get_variable_scope(g)), "");
}

/* with tf.variable_scope(None, default_name="x", reuse=True): -> ValueError
 * "reuse=True cannot be used without a name_or_scope"              spec 2.3.8 (E10) */
Test(default_names, r2_3_8_default_name_with_reuse_true_rejected, .init = setup,
     .fini = teardown) {
  vs_scope *s = vs_variable_scope_push(
      g, NULL, &(vs_varscope_opts){.default_name = "x", .reuse = VS_REUSE_TRUE}, st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError",
               "reuse=True cannot be used without a name_or_scope");
  cr_assert_null(s);
}

/* with tf.variable_scope(None, default_name="x", reuse=tf.AUTO_REUSE): -> ValueError
 * "reuse=True cannot be used without a name_or_scope"   spec 2.3.8 (derived), §11.10 */
Test(default_names, r2_3_8_default_name_with_auto_reuse_rejected, .init = setup,
     .fini = teardown) {
  vs_scope *s = vs_variable_scope_push(
      g, NULL, &(vs_varscope_opts){.default_name = "x", .reuse = VS_REUSE_AUTO}, st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError",
               "reuse=True cannot be used without a name_or_scope");
  cr_assert_null(s);
}

/* with tf.variable_scope(None, default_name="x", reuse=False) as s: s.name -> "x",
 * s.reuse -> False  (False is None, so E10 does not fire)          spec 2.3.8 / 4.17 */
Test(default_names, r2_3_8_default_name_with_reuse_false_allowed, .init = setup,
     .fini = teardown) {
  vs_scope *s = vs_variable_scope_push(
      g, NULL, &(vs_varscope_opts){.default_name = "x", .reuse = VS_REUSE_FALSE}, st);
  assert_ok();
  cr_assert_not_null(s);
  cr_assert_str_eq(vs_scope_name(s), "x");
  cr_assert_eq(vs_scope_reuse(s), VS_REUSE_FALSE);
  vsc_pop(s);
}

/* with tf.variable_scope("p", reuse=True):
 *   with tf.variable_scope(None, default_name="d") as s: s.name "p/d", s.reuse True
 * with tf.variable_scope("q", reuse=tf.AUTO_REUSE):
 *   with tf.variable_scope(None, default_name="d") as s: s.name "q/d", s.reuse AUTO_REUSE
 *                                                                  spec 2.3.9 */
Test(default_names, r2_3_9_default_name_scope_inherits_reuse, .init = setup, .fini = teardown) {
  vs_scope *p = vsc("p", VS_REUSE_TRUE);
  vs_scope *s = vsc_default("d");
  cr_assert_str_eq(vs_scope_name(s), "p/d");
  cr_assert_eq(vs_scope_reuse(s), VS_REUSE_TRUE);
  vsc_pop(s);
  vsc_pop(p);
  vs_scope *q = vsc("q", VS_REUSE_AUTO);
  s = vsc_default("d");
  cr_assert_str_eq(vs_scope_name(s), "q/d");
  cr_assert_eq(vs_scope_reuse(s), VS_REUSE_AUTO);
  vsc_pop(s);
  vsc_pop(q);
}

struct thread_probe {
  vs_graph *graph;
  char scope_name[64];
  char name_scope[64];
  vs_code code;
  char message[256];
};

static void *probe_thread(void *arg) {
  struct thread_probe *p = arg;
  snprintf(p->scope_name, sizeof p->scope_name, "%s",
           vs_scope_name(vs_get_variable_scope(p->graph)));
  snprintf(p->name_scope, sizeof p->name_scope, "%s", vs_get_name_scope(p->graph));
  vs_status *ts = vs_status_new();
  vs_get_variable(p->graph, "foo/v", &(vs_var_opts){.shape = VS_SHAPE(1)}, ts);
  p->code = vs_status_code(ts);
  snprintf(p->message, sizeof p->message, "%s", vs_status_message(ts));
  vs_status_free(ts);
  return NULL;
}

/* with tf.variable_scope("foo"):
 *   v = tf.get_variable("v", [1])
 *   in a new thread (with g.as_default()):
 *     tf.get_variable_scope().name -> ""; g.get_name_scope() -> ""
 *     tf.get_variable("foo/v", [1]) -> ValueError "Variable foo/v already exists, ..."
 *     (scope stack is per thread, the store is shared)              spec 2.3.10 */
Test(default_names, r2_3_10_new_thread_starts_at_root_scope_shares_store, .init = setup,
     .fini = teardown) {
  vs_scope *foo = vsc("foo", VS_REUSE_INHERIT);
  gv("v", VS_SHAPE(1));
  struct thread_probe p = {.graph = g};
  pthread_t t;
  cr_assert_eq(pthread_create(&t, NULL, probe_thread, &p), 0);
  cr_assert_eq(pthread_join(t, NULL), 0);
  cr_assert_str_eq(p.scope_name, "");
  cr_assert_str_eq(p.name_scope, "");
  cr_assert_eq(p.code, VS_ALREADY_EXISTS, "thread got %d: %s", (int)p.code, p.message);
  cr_assert(strncmp(p.message, E1_PREFIX("foo/v"), strlen(E1_PREFIX("foo/v"))) == 0, "%s",
            p.message);
  cr_assert_str_eq(vs_scope_name(vs_get_variable_scope(g)), "foo");
  vsc_pop(foo);
}
