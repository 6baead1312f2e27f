/* test_reuse.c - spec §4: reuse semantics of variable scopes, and the §11
 * items about reuse (11.3, 11.4, 11.10, 11.18).
 *
 * Oracle: TensorFlow 2.21 (tf.compat.v1, graph mode, disable_v2_behavior(),
 * so RefVariable). Every expectation below was run there.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "varscope.h"

#define SUPPORT_FIXTURE
#include "support.h"

/* with tf.variable_scope(captured, reuse=reuse) as s */
static vs_scope *vsc_capture(vs_scope *captured, vs_reuse reuse) {
  vs_scope *s = vs_variable_scope_push_scope(g, captured, &(vs_varscope_opts){.reuse = reuse}, st);
  assert_ok();
  cr_assert_not_null(s);
  return s;
}

/* tf.get_variable(name, shape), expected to fail */
static void gv_fails(const char *name, vs_shape shape) {
  vs_var *v = vs_get_variable(g, name, &(vs_var_opts){.shape = shape}, st);
  cr_assert_null(v);
  cr_assert_neq(vs_status_code(st), VS_OK, "get_variable(\"%s\") succeeded", name);
}

static size_t count_vars(size_t (*list)(vs_graph *, const char *, vs_var **, size_t, vs_status *)) {
  size_t n = list(g, NULL, NULL, 0, st);
  assert_ok();
  return n;
}

/* tf.get_variable_scope().reuse in a fresh graph -> False          spec 4.1 */
Test(reuse, r4_1_root_scope_reuse_is_false, .init = setup, .fini = teardown) {
  vs_scope *root = vs_get_variable_scope(g);
  cr_assert_not_null(root);
  cr_assert_str_eq(vs_scope_name(root), "");
  cr_assert_eq(vs_scope_reuse(root), VS_REUSE_FALSE);
}

/* with tf.variable_scope("foo") as s: s.reuse -> False             spec 4.2 */
Test(reuse, r4_2_string_scope_defaults_to_false, .init = setup, .fini = teardown) {
  vs_scope *s = vsc("foo", VS_REUSE_INHERIT);
  cr_assert_eq(vs_scope_reuse(s), VS_REUSE_FALSE);
  cr_assert_eq(vs_scope_reuse(vs_get_variable_scope(g)), VS_REUSE_FALSE);
  vsc_pop(s);
}

/* with tf.variable_scope("foo", reuse=True) as s: s.reuse -> True  spec 4.3 */
Test(reuse, r4_3_reuse_true, .init = setup, .fini = teardown) {
  vs_scope *s = vsc("foo", VS_REUSE_TRUE);
  cr_assert_eq(vs_scope_reuse(s), VS_REUSE_TRUE);
  vsc_pop(s);
}

/* with tf.variable_scope("foo", reuse=tf.AUTO_REUSE) as s: s.reuse -> _ReuseMode.AUTO_REUSE
 *                                                                  spec 4.4 */
Test(reuse, r4_4_auto_reuse, .init = setup, .fini = teardown) {
  vs_scope *s = vsc("foo", VS_REUSE_AUTO);
  cr_assert_eq(vs_scope_reuse(s), VS_REUSE_AUTO);
  vsc_pop(s);
}

/* with tf.variable_scope("foo", reuse=True):
 *   with tf.variable_scope("bar") as a: pass
 *   with tf.variable_scope("baz", reuse=False) as b: pass
 * a.reuse -> True; b.reuse -> True                                 spec 4.5, §11.3 */
Test(reuse, r4_5_true_is_inherited_and_false_cannot_undo_it, .init = setup, .fini = teardown) {
  vs_scope *foo = vsc("foo", VS_REUSE_TRUE);
  vs_scope *a = vsc("bar", VS_REUSE_INHERIT);
  vsc_pop(a);
  vs_scope *b = vsc("baz", VS_REUSE_FALSE);
  vsc_pop(b);
  vsc_pop(foo);
  cr_assert_eq(vs_scope_reuse(a), VS_REUSE_TRUE);
  cr_assert_eq(vs_scope_reuse(b), VS_REUSE_TRUE);
}

/* with tf.variable_scope("foo", reuse=True):
 *   with tf.variable_scope("bar", reuse=tf.AUTO_REUSE) as a: a.reuse -> AUTO_REUSE
 *                                                                  spec 4.6 (derived) */
Test(reuse, r4_6_auto_inside_true_is_auto, .init = setup, .fini = teardown) {
  vs_scope *foo = vsc("foo", VS_REUSE_TRUE);
  vs_scope *a = vsc("bar", VS_REUSE_AUTO);
  cr_assert_eq(vs_scope_reuse(a), VS_REUSE_AUTO);
  vsc_pop(a);
  vsc_pop(foo);
}

/* with tf.variable_scope("foo", reuse=tf.AUTO_REUSE):
 *   with tf.variable_scope("bar", reuse=True) as a: a.reuse -> True  spec 4.7 (derived) */
Test(reuse, r4_7_true_inside_auto_is_true, .init = setup, .fini = teardown) {
  vs_scope *foo = vsc("foo", VS_REUSE_AUTO);
  vs_scope *a = vsc("bar", VS_REUSE_TRUE);
  cr_assert_eq(vs_scope_reuse(a), VS_REUSE_TRUE);
  vsc_pop(a);
  vsc_pop(foo);
}

/* with tf.variable_scope("foo", reuse=tf.AUTO_REUSE):
 *   with tf.variable_scope("bar", reuse=None) as a: a.reuse -> AUTO_REUSE   spec 4.8 */
Test(reuse, r4_8_none_inside_auto_inherits_auto, .init = setup, .fini = teardown) {
  vs_scope *foo = vsc("foo", VS_REUSE_AUTO);
  vs_scope *a = vsc("bar", VS_REUSE_INHERIT);
  cr_assert_eq(vs_scope_reuse(a), VS_REUSE_AUTO);
  vsc_pop(a);
  vsc_pop(foo);
}

/* with tf.variable_scope("test", reuse=True) as s: pass
 * with tf.variable_scope(s, reuse=False) as s2: s2.reuse -> True; s2.name -> "test"
 *                                                                  spec 4.9, §11.3 */
Test(reuse, r4_9_captured_scope_keeps_its_true_flag, .init = setup, .fini = teardown) {
  vs_scope *s = vsc("test", VS_REUSE_TRUE);
  vsc_pop(s);
  vs_scope *s2 = vsc_capture(s, VS_REUSE_FALSE);
  cr_assert_eq(vs_scope_reuse(s2), VS_REUSE_TRUE);
  cr_assert_str_eq(vs_scope_name(s2), "test");
  vsc_pop(s2);
}

/* with tf.variable_scope("foo") as s: pass
 * with tf.variable_scope("outer", reuse=True):
 *   with tf.variable_scope(s) as s2:
 *     s2.reuse -> False; tf.get_variable("v", [1]).name -> "foo/v:0"   spec 4.10 (derived) */
Test(reuse, r4_10_captured_scope_ignores_enclosing_reuse, .init = setup, .fini = teardown) {
  vs_scope *s = vsc("foo", VS_REUSE_INHERIT);
  vsc_pop(s);
  vs_scope *outer = vsc("outer", VS_REUSE_TRUE);
  vs_scope *s2 = vsc_capture(s, VS_REUSE_INHERIT);
  cr_assert_eq(vs_scope_reuse(s2), VS_REUSE_FALSE);
  cr_assert_str_eq(vs_var_name(gv("v", VS_SHAPE(1))), "foo/v:0");
  vsc_pop(s2);
  vsc_pop(outer);
}

/* with tf.variable_scope("foo") as s: pass
 * with tf.variable_scope("outer", reuse=True):
 *   with tf.variable_scope(s, reuse=tf.AUTO_REUSE) as s2: s2.reuse -> AUTO_REUSE
 * with tf.variable_scope(s, reuse=True) as s3: s3.reuse -> True; s.reuse -> False
 *      spec §4 code: captured scope: reuse = scope.reuse if not self._reuse else self._reuse */
Test(reuse, r4_captured_scope_explicit_reuse_overrides_its_flag, .init = setup,
     .fini = teardown) {
  vs_scope *s = vsc("foo", VS_REUSE_INHERIT);
  vsc_pop(s);
  vs_scope *outer = vsc("outer", VS_REUSE_TRUE);
  vs_scope *s2 = vsc_capture(s, VS_REUSE_AUTO);
  cr_assert_eq(vs_scope_reuse(s2), VS_REUSE_AUTO);
  vsc_pop(s2);
  vsc_pop(outer);
  vs_scope *s3 = vsc_capture(s, VS_REUSE_TRUE);
  cr_assert_eq(vs_scope_reuse(s3), VS_REUSE_TRUE);
  vsc_pop(s3);
  cr_assert_eq(vs_scope_reuse(s), VS_REUSE_FALSE);
}

/* with tf.variable_scope("top") as top:
 *   with tf.variable_scope("early") as early: pass
 *   with tf.variable_scope("foo") as scope:
 *     v = tf.get_variable("v", [1]); scope.reuse_variables(); v1 = tf.get_variable("v", [1])
 *     with tf.variable_scope("later") as later: pass
 *     v1 is v -> True; scope.reuse, get_variable_scope().reuse, later.reuse -> True
 *   early.reuse, top.reuse, get_variable_scope().reuse -> False     spec 4.11 */
Test(reuse, r4_11_reuse_variables_mutates_only_current_scope, .init = setup, .fini = teardown) {
  vs_scope *top = vsc("top", VS_REUSE_INHERIT);
  vs_scope *early = vsc("early", VS_REUSE_INHERIT);
  vsc_pop(early);
  vs_scope *scope = vsc("foo", VS_REUSE_INHERIT);
  vs_var *v = gv("v", VS_SHAPE(1));
  vs_scope_reuse_variables(scope);
  vs_var *v1 = gv("v", VS_SHAPE(1));
  cr_assert_eq(v1, v);
  vs_scope *later = vsc("later", VS_REUSE_INHERIT);
  vsc_pop(later);
  cr_assert_eq(vs_scope_reuse(scope), VS_REUSE_TRUE);
  cr_assert_eq(vs_scope_reuse(vs_get_variable_scope(g)), VS_REUSE_TRUE);
  cr_assert_eq(vs_scope_reuse(later), VS_REUSE_TRUE);
  vsc_pop(scope);
  cr_assert_eq(vs_scope_reuse(early), VS_REUSE_FALSE);
  cr_assert_eq(vs_scope_reuse(top), VS_REUSE_FALSE);
  cr_assert_eq(vs_scope_reuse(vs_get_variable_scope(g)), VS_REUSE_FALSE);
  vsc_pop(top);
}

/* with tf.variable_scope("foo") as scope:
 *   tf.get_variable("v", [1]); scope.reuse_variables()
 * with tf.variable_scope(scope) as a: a.reuse -> True
 * with tf.variable_scope("foo") as b: b.reuse -> False             spec 4.12 */
Test(reuse, r4_12_mutated_object_reentered_vs_string, .init = setup, .fini = teardown) {
  vs_scope *scope = vsc("foo", VS_REUSE_INHERIT);
  gv("v", VS_SHAPE(1));
  vs_scope_reuse_variables(scope);
  vsc_pop(scope);
  vs_scope *a = vsc_capture(scope, VS_REUSE_INHERIT);
  cr_assert_eq(vs_scope_reuse(a), VS_REUSE_TRUE);
  vsc_pop(a);
  vs_scope *b = vsc("foo", VS_REUSE_INHERIT);
  cr_assert_eq(vs_scope_reuse(b), VS_REUSE_FALSE);
  vsc_pop(b);
}

/* w = tf.get_variable("w", [1])
 * tf.get_variable_scope().reuse_variables()
 * with tf.variable_scope(None, "w/Adam"): tf.get_variable("", [1])   # what slot creation does
 * -> ValueError "Variable w/Adam/ does not exist, or was not created with tf.get_variable().
 *    Did you mean to set reuse=tf.AUTO_REUSE in VarScope?"
 * (AdamOptimizer().minimize(...) raises exactly this in TF 2.21)    spec 4.13, §11.4 */
Test(reuse, r4_13_root_reuse_variables_breaks_slot_creation, .init = setup, .fini = teardown) {
  gv("w", VS_SHAPE(1));
  vs_scope_reuse_variables(vs_get_variable_scope(g));
  cr_assert_eq(vs_scope_reuse(vs_get_variable_scope(g)), VS_REUSE_TRUE);
  vs_scope *slot = vsc_default("w/Adam");
  gv_fails("", VS_SHAPE(1));
  assert_error(VS_NOT_FOUND, "ValueError", E2("w/Adam/"));
  vsc_pop(slot);
}

/* tf.get_variable_scope().reuse_variables()
 * with tf.variable_scope(tf.get_variable_scope(), reuse=False) as s:
 *   s.reuse -> True
 *   tf.get_variable("x", [1]) -> ValueError "Variable x does not exist, or was not created
 *   with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?"
 *                                                                  spec 4.14, §11.3 */
Test(reuse, r4_14_reuse_false_cannot_reset_root, .init = setup, .fini = teardown) {
  vs_scope_reuse_variables(vs_get_variable_scope(g));
  vs_scope *s = vsc_capture(vs_get_variable_scope(g), VS_REUSE_FALSE);
  cr_assert_eq(vs_scope_reuse(s), VS_REUSE_TRUE);
  gv_fails("x", VS_SHAPE(1));
  assert_error(VS_NOT_FOUND, "ValueError", E2("x"));
  vsc_pop(s);
}

/* w = tf.get_variable("w", [1])
 * with tf.variable_scope(tf.get_variable_scope()):
 *   tf.get_variable_scope().reuse_variables(); w2 = tf.get_variable("w", [1])  -> w2 is w
 * tf.get_variable_scope().reuse -> False
 * with tf.variable_scope(None, "w/Adam"): tf.get_variable("", [1]).name -> "w/Adam:0"
 *                                                                  spec 4.15 */
Test(reuse, r4_15_reuse_variables_on_root_copy_is_contained, .init = setup, .fini = teardown) {
  vs_var *w = gv("w", VS_SHAPE(1));
  vs_scope *s = vsc_capture(vs_get_variable_scope(g), VS_REUSE_INHERIT);
  vs_scope_reuse_variables(vs_get_variable_scope(g));
  vs_var *w2 = gv("w", VS_SHAPE(1));
  cr_assert_eq(w2, w);
  vsc_pop(s);
  cr_assert_eq(vs_scope_reuse(vs_get_variable_scope(g)), VS_REUSE_FALSE);
  vs_scope *slot = vsc_default("w/Adam");
  cr_assert_str_eq(vs_var_name(gv("", VS_SHAPE(1))), "w/Adam:0");
  vsc_pop(slot);
}

/* with tf.variable_scope("x", reuse=1): -> ValueError
 * "The reuse parameter must be True or False or None."  (reuse outside the enum)  spec 4.16 */
Test(reuse, r4_16_invalid_reuse_value_rejected, .init = setup, .fini = teardown) {
  vs_scope *s =
      vs_variable_scope_push(g, "x", &(vs_varscope_opts){.reuse = (vs_reuse)7}, st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError",
               "The reuse parameter must be True or False or None.");
  cr_assert_null(s);
  cr_assert_str_eq(vs_scope_name(vs_get_variable_scope(g)), "");
  cr_assert_str_eq(vs_get_name_scope(g), "");
}

/* with tf.variable_scope("foo", reuse=False) as s:
 *   s.reuse -> False; tf.get_variable("v", [1]); tf.get_variable("v", [1])
 *   -> ValueError "Variable foo/v already exists, disallowed. Did you mean to set
 *      reuse=True or reuse=tf.AUTO_REUSE in VarScope?" (+ traceback)  spec 4.17 */
Test(reuse, r4_17_reuse_false_behaves_as_none, .init = setup, .fini = teardown) {
  vs_scope *s = vsc("foo", VS_REUSE_FALSE);
  cr_assert_eq(vs_scope_reuse(s), VS_REUSE_FALSE);
  gv("v", VS_SHAPE(1));
  gv_fails("v", VS_SHAPE(1));
  assert_error_prefix(VS_ALREADY_EXISTS, "ValueError", E1_PREFIX("foo/v"));
  vsc_pop(s);
}

/* with tf.variable_scope("empty", reuse=True) as s:   # allowed
 *   s.reuse -> True
 *   tf.get_variable("v", [1]) -> ValueError "Variable empty/v does not exist, or was not
 *   created with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?"
 *                                                                  spec 4.18 */
Test(reuse, r4_18_reuse_true_on_empty_scope_fails_only_at_get_variable, .init = setup,
     .fini = teardown) {
  vs_scope *s = vs_variable_scope_push(g, "empty", &(vs_varscope_opts){.reuse = VS_REUSE_TRUE},
                                       st);
  assert_ok();
  cr_assert_not_null(s);
  cr_assert_eq(vs_scope_reuse(s), VS_REUSE_TRUE);
  gv_fails("v", VS_SHAPE(1));
  assert_error(VS_NOT_FOUND, "ValueError", E2("empty/v"));
  vsc_pop(s);
}

/* with tf.variable_scope("foo", reuse=tf.AUTO_REUSE):
 *   a = tf.get_variable("v", [1]); b = tf.get_variable("v", [1])   -> a is b
 *   tf.get_variable("new", [3]).name -> "foo/new:0"  (created silently)
 *   tf.get_variable("v", [2]) -> ValueError "Trying to share variable foo/v, but specified
 *   shape (2,) and found shape (1,)."                  spec §11.10 (and 3.2.8/3.2.9) */
Test(reuse, r11_10_auto_reuse_is_per_variable_and_still_checks_shape, .init = setup,
     .fini = teardown) {
  vs_scope *s = vsc("foo", VS_REUSE_AUTO);
  vs_var *a = gv("v", VS_SHAPE(1));
  vs_var *b = gv("v", VS_SHAPE(1));
  cr_assert_eq(a, b);
  cr_assert_str_eq(vs_var_name(gv("new", VS_SHAPE(3))), "foo/new:0");
  gv_fails("v", VS_SHAPE(2));
  assert_error(VS_INVALID_ARGUMENT, "ValueError",
               "Trying to share variable foo/v, but specified shape (2,) and found shape (1,).");
  vsc_pop(s);
}

/* with tf.variable_scope("foo"): tf.get_variable("v", initializer=tf.constant(1))
 * with tf.variable_scope("foo", reuse=True): tf.get_variable("v")
 * -> ValueError "Trying to share variable foo/v, but specified dtype float32 and found
 *    dtype int32_ref."                                             spec §11.18 (3.2.6) */
Test(reuse, r11_18_reusing_int_variable_without_dtype_fails, .init = setup, .fini = teardown) {
  vs_scope *s = vsc("foo", VS_REUSE_INHERIT);
  vs_output one = vs_constant_int32(g, 1, NULL, st);
  assert_ok();
  cr_assert_str_eq(vs_op_name(one.op), "foo/Const");
  vs_var *v =
      vs_get_variable(g, "v", &(vs_var_opts){.initializer = vs_tensor_initializer(one)}, st);
  assert_ok();
  cr_assert_str_eq(vs_var_dtype_name(v), "int32_ref");
  vsc_pop(s);
  s = vsc("foo", VS_REUSE_TRUE);
  vs_var *again = vs_get_variable(g, "v", NULL, st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError",
               "Trying to share variable foo/v, but specified dtype float32 and found dtype "
               "int32_ref.");
  cr_assert_null(again);
  vsc_pop(s);
}

/* with tf.variable_scope("foo"): v = tf.get_variable("v", [1])
 * with tf.variable_scope("foo", reuse=True):
 *   w = tf.get_variable("v", [1], initializer=tf.ones_initializer(), trainable=False,
 *                       collections=["mine"])
 * w is v -> True; len(tf.global_variables()) -> 1; len(tf.trainable_variables()) -> 1;
 * tf.get_collection("mine") -> []; v.initial_value.op.name -> "foo/v/Initializer/random_uniform"
 *                                                                  spec §11.18 (3.2.7) */
Test(reuse, r11_18_reuse_ignores_initializer_trainable_collections, .init = setup,
     .fini = teardown) {
  vs_scope *s = vsc("foo", VS_REUSE_INHERIT);
  vs_var *v = gv("v", VS_SHAPE(1));
  vsc_pop(s);
  s = vsc("foo", VS_REUSE_TRUE);
  vs_var *w = vs_get_variable(g, "v",
                              &(vs_var_opts){.shape = VS_SHAPE(1),
                                             .initializer = vs_ones_initializer(),
                                             .trainable = VS_OPT_FALSE,
                                             .collections = VS_COLLECTIONS("mine")},
                              st);
  assert_ok();
  vsc_pop(s);
  cr_assert_eq(w, v);
  cr_assert(vs_var_trainable(w));
  cr_assert_eq(count_vars(vs_global_variables), 1);
  cr_assert_eq(count_vars(vs_trainable_variables), 1);
  size_t mine = vs_get_collection(g, "mine", NULL, NULL, 0, st);
  assert_ok();
  cr_assert_eq(mine, 0);
  cr_assert_str_eq(vs_op_name(vs_var_initial_value(v).op), "foo/v/Initializer/random_uniform");
}
