/* conformance/cases/reuse.c - spec §4: the reuse flag of variable scopes,
 * and §11.3/11.4. Twins: conformance/oracle/reuse.py. */
#include "common.h"

#define VSC_SUITE "reuse"

/* tf.get_variable_scope().reuse -> False
 * with tf.variable_scope("foo") as s: s.reuse -> False
 * with tf.variable_scope("t", reuse=True) as s: s.reuse -> True
 * with tf.variable_scope("a", reuse=tf.AUTO_REUSE) as s: s.reuse -> AUTO_REUSE   spec 4.1-4.4 */
VSC_CASE(reuse_flag_of_fresh_scopes) {
  INT_EQ(vs_scope_reuse(vs_get_variable_scope(g)), VS_REUSE_FALSE);
  VSCOPE(foo, "foo");
  INT_EQ(vs_scope_reuse(foo), VS_REUSE_FALSE);
  VPOP(foo);
  VSCOPE(tr, "t", .reuse = VS_REUSE_TRUE);
  INT_EQ(vs_scope_reuse(tr), VS_REUSE_TRUE);
  VPOP(tr);
  VSCOPE(au, "a", .reuse = VS_REUSE_AUTO);
  INT_EQ(vs_scope_reuse(au), VS_REUSE_AUTO);
  VPOP(au);
}

/* with tf.variable_scope("outer", reuse=True):
 *   with tf.variable_scope("bar") as s: s.reuse -> True
 *   with tf.variable_scope("baz", reuse=False) as s: s.reuse -> True   spec 4.5, 4.17, 11.3 */
VSC_CASE(true_is_inherited_and_false_cannot_undo_it) {
  VSCOPE(outer, "outer", .reuse = VS_REUSE_TRUE);
  VSCOPE(bar, "bar");
  INT_EQ(vs_scope_reuse(bar), VS_REUSE_TRUE);
  VPOP(bar);
  VSCOPE(baz, "baz", .reuse = VS_REUSE_FALSE);
  INT_EQ(vs_scope_reuse(baz), VS_REUSE_TRUE);
  VPOP(baz);
  VPOP(outer);
}

/* with tf.variable_scope("o", reuse=True): with tf.variable_scope("i", reuse=tf.AUTO_REUSE) as s: s.reuse -> AUTO_REUSE
 * with tf.variable_scope("o", reuse=tf.AUTO_REUSE): with tf.variable_scope("i", reuse=True) as s: s.reuse -> True
 * with tf.variable_scope("o", reuse=tf.AUTO_REUSE): with tf.variable_scope("i") as s: s.reuse -> AUTO_REUSE
 *                                                              spec 4.6, 4.7, 4.8 */
VSC_CASE(auto_and_true_combinations) {
  VSCOPE(o1, "o", .reuse = VS_REUSE_TRUE);
  VSCOPE(i1, "i", .reuse = VS_REUSE_AUTO);
  INT_EQ(vs_scope_reuse(i1), VS_REUSE_AUTO);
  VPOP(i1);
  VPOP(o1);
  VSCOPE(o2, "o", .reuse = VS_REUSE_AUTO);
  VSCOPE(i2, "i", .reuse = VS_REUSE_TRUE);
  INT_EQ(vs_scope_reuse(i2), VS_REUSE_TRUE);
  VPOP(i2);
  VSCOPE(i3, "i");
  INT_EQ(vs_scope_reuse(i3), VS_REUSE_AUTO);
  VPOP(i3);
  VPOP(o2);
}

/* with tf.variable_scope("test", reuse=True) as s: pass
 * with tf.variable_scope(s, reuse=False) as s2: s2.reuse -> True       spec 4.9, 11.3 */
VSC_CASE(captured_scope_keeps_its_true_flag) {
  VSCOPE(s, "test", .reuse = VS_REUSE_TRUE);
  VPOP(s);
  VSCOPE_OBJ(s2, s, .reuse = VS_REUSE_FALSE);
  INT_EQ(vs_scope_reuse(s2), VS_REUSE_TRUE);
  VPOP(s2);
}

/* with tf.variable_scope("foo") as s: pass
 * with tf.variable_scope("outer", reuse=True):
 *   with tf.variable_scope(s) as s2: s2.reuse -> False; tf.get_variable("v", [1]) -> "foo/v:0"
 *                                                              spec 4.10 (derived) */
VSC_CASE(captured_scope_ignores_enclosing_reuse) {
  VSCOPE(s, "foo");
  VPOP(s);
  VSCOPE(outer, "outer", .reuse = VS_REUSE_TRUE);
  VSCOPE_OBJ(s2, s);
  INT_EQ(vs_scope_reuse(s2), VS_REUSE_FALSE);
  GETV(v, "v", .shape = VS_SHAPE(1));
  VAR_NAME(v, "foo/v:0");
  VPOP(s2);
  VPOP(outer);
}

/* with tf.variable_scope("foo") as scope:
 *   with tf.variable_scope("early") as early: pass
 *   v = tf.get_variable("v", [1]); scope.reuse_variables(); v1 = tf.get_variable("v", [1])  # v1 is v
 *   early.reuse -> False
 *   with tf.variable_scope("late") as late: late.reuse -> True
 * tf.get_variable_scope().reuse -> False
 * with tf.variable_scope(scope) as again: again.reuse -> True
 * with tf.variable_scope("foo") as fresh: fresh.reuse -> False       spec 4.11, 4.12 */
VSC_CASE(reuse_variables_mutates_only_that_scope) {
  VSCOPE(scope, "foo");
  VSCOPE(early, "early");
  VPOP(early);
  GETV(v, "v", .shape = VS_SHAPE(1));
  vs_scope_reuse_variables(scope);
  GETV(v1, "v", .shape = VS_SHAPE(1));
  EXPECT(v1 == v, "reuse_variables() did not share foo/v");
  INT_EQ(vs_scope_reuse(early), VS_REUSE_FALSE);
  VSCOPE(late, "late");
  INT_EQ(vs_scope_reuse(late), VS_REUSE_TRUE);
  VPOP(late);
  VPOP(scope);
  INT_EQ(vs_scope_reuse(vs_get_variable_scope(g)), VS_REUSE_FALSE);
  VSCOPE_OBJ(again, scope);
  INT_EQ(vs_scope_reuse(again), VS_REUSE_TRUE);
  VPOP(again);
  VSCOPE(fresh, "foo");
  INT_EQ(vs_scope_reuse(fresh), VS_REUSE_FALSE);
  VPOP(fresh);
}

/* tf.get_variable("w", [1]); tf.get_variable_scope().reuse_variables()
 * # what slot_creator does for Adam's first slot of w:
 * with tf.variable_scope(None, "w/Adam"): tf.get_variable("", [1])
 *   -> ValueError "Variable w/Adam/ does not exist, or was not created with tf.get_variable(). ..."
 *                                                               spec 4.13, 11.4 */
VSC_CASE(root_reuse_variables_breaks_slot_creation) {
  GETV(w, "w", .shape = VS_SHAPE(1));
  vs_scope_reuse_variables(vs_get_variable_scope(g));
  INT_EQ(vs_scope_reuse(vs_get_variable_scope(g)), VS_REUSE_TRUE);
  VSCOPE(slot, NULL, .default_name = "w/Adam");
  vs_var *m = vs_get_variable(g, "", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  EXPECT_E2("w/Adam/");
  EXPECT(m == NULL, "a slot was created");
  VPOP(slot);
}

/* tf.get_variable_scope().reuse_variables()
 * with tf.variable_scope(tf.get_variable_scope(), reuse=False) as s:
 *   s.reuse -> True; tf.get_variable("x", [1]) -> E2 "Variable x does not exist, ..."
 *                                                               spec 4.14, 11.3, 11.4 */
VSC_CASE(reuse_false_cannot_reset_root) {
  vs_scope_reuse_variables(vs_get_variable_scope(g));
  VSCOPE_OBJ(s, vs_get_variable_scope(g), .reuse = VS_REUSE_FALSE);
  INT_EQ(vs_scope_reuse(s), VS_REUSE_TRUE);
  vs_var *x = vs_get_variable(g, "x", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  EXPECT_E2("x");
  EXPECT(x == NULL, "a variable was returned");
  VPOP(s);
}

/* w = tf.get_variable("w", [1])
 * with tf.variable_scope(tf.get_variable_scope()):
 *   tf.get_variable_scope().reuse_variables(); tf.get_variable("w", [1]) is w
 * tf.get_variable_scope().reuse -> False
 * with tf.variable_scope(None, "w/Adam"): tf.get_variable("", [1]).name -> "w/Adam:0"
 *                                           spec 4.15 (the working pattern), 11.4 */
VSC_CASE(reuse_variables_on_root_copy_is_contained) {
  GETV(w, "w", .shape = VS_SHAPE(1));
  VSCOPE_OBJ(s, vs_get_variable_scope(g));
  vs_scope_reuse_variables(vs_get_variable_scope(g));
  GETV(w2, "w", .shape = VS_SHAPE(1));
  EXPECT(w2 == w, "not shared");
  VPOP(s);
  INT_EQ(vs_scope_reuse(vs_get_variable_scope(g)), VS_REUSE_FALSE);
  VSCOPE(slot, NULL, .default_name = "w/Adam");
  GETV(m, "", .shape = VS_SHAPE(1));
  VAR_NAME(m, "w/Adam:0");
  VPOP(slot);
}

/* with tf.variable_scope("x", reuse=1): -> ValueError "The reuse parameter must be True or False or None."
 * (C: a value outside the vs_reuse enum)                          spec 4.16, 5.E12 */
VSC_CASE(invalid_reuse_value_rejected) {
  vs_scope *s = vs_variable_scope_push(g, "x", &(vs_varscope_opts){.reuse = (vs_reuse)7}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "The reuse parameter must be True or False or None.");
  EXPECT(s == NULL, "a scope was entered");
  STR_EQ(vs_scope_name(vs_get_variable_scope(g)), "");
  STR_EQ(vs_get_name_scope(g), "");
}

/* with tf.variable_scope("foo", reuse=False) as s:
 *   s.reuse -> False; tf.get_variable("v", [1]); tf.get_variable("v", [1]) -> E1   spec 4.17 */
VSC_CASE(reuse_false_behaves_as_none) {
  VSCOPE(s, "foo", .reuse = VS_REUSE_FALSE);
  INT_EQ(vs_scope_reuse(s), VS_REUSE_FALSE);
  GETV(v, "v", .shape = VS_SHAPE(1));
  vs_var *w = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  EXPECT_E1("foo/v");
  EXPECT(w == NULL, "a variable was returned");
  VPOP(s);
}

/* with tf.variable_scope("empty", reuse=True) as s:   # entering is allowed
 *   s.reuse -> True; tf.get_variable("v", [1]) -> E2 "Variable empty/v does not exist, ..."
 *                                                                spec 4.18 */
VSC_CASE(reuse_true_on_empty_scope_fails_only_at_get_variable) {
  VSCOPE(s, "empty", .reuse = VS_REUSE_TRUE);
  INT_EQ(vs_scope_reuse(s), VS_REUSE_TRUE);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  EXPECT_E2("empty/v");
  EXPECT(v == NULL, "a variable was returned");
  VPOP(s);
}

const vsc_case vsc_cases_reuse[] = {
    VSC_REG(reuse_flag_of_fresh_scopes, "4.1 4.2 4.3 4.4"),
    VSC_REG(true_is_inherited_and_false_cannot_undo_it, "4.5 4.17 11.3"),
    VSC_REG(auto_and_true_combinations, "4.6 4.7 4.8"),
    VSC_REG(captured_scope_keeps_its_true_flag, "4.9 11.3"),
    VSC_REG(captured_scope_ignores_enclosing_reuse, "4.10"),
    VSC_REG(reuse_variables_mutates_only_that_scope, "4.11 4.12"),
    VSC_REG(root_reuse_variables_breaks_slot_creation, "4.13 11.4 5.E2"),
    VSC_REG(reuse_false_cannot_reset_root, "4.14 11.3 11.4"),
    VSC_REG(reuse_variables_on_root_copy_is_contained, "4.15 11.4"),
    VSC_REG(invalid_reuse_value_rejected, "4.16 5.E12"),
    VSC_REG(reuse_false_behaves_as_none, "4.17"),
    VSC_REG(reuse_true_on_empty_scope_fails_only_at_get_variable, "4.18 5.E2"),
    {0},
};
