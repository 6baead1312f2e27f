"""Twins of conformance/cases/reuse.c (spec §4, §11.3-11.4)."""
from .harness import E1, case, tf


def flag(r):
    return "AUTO" if r is tf.AUTO_REUSE else ("TRUE" if r else "FALSE")


@case
def reuse_flag_of_fresh_scopes(t):
    t.eq(flag(tf.get_variable_scope().reuse), "FALSE")
    with tf.variable_scope("foo") as s:
        t.eq(flag(s.reuse), "FALSE")
    with tf.variable_scope("t", reuse=True) as s:
        t.eq(flag(s.reuse), "TRUE")
    with tf.variable_scope("a", reuse=tf.AUTO_REUSE) as s:
        t.eq(flag(s.reuse), "AUTO")


@case
def true_is_inherited_and_false_cannot_undo_it(t):
    with tf.variable_scope("outer", reuse=True):
        with tf.variable_scope("bar") as s:
            t.eq(flag(s.reuse), "TRUE")
        with tf.variable_scope("baz", reuse=False) as s:
            t.eq(flag(s.reuse), "TRUE")


@case
def auto_and_true_combinations(t):
    with tf.variable_scope("o", reuse=True):
        with tf.variable_scope("i", reuse=tf.AUTO_REUSE) as s:
            t.eq(flag(s.reuse), "AUTO")
    with tf.variable_scope("o", reuse=tf.AUTO_REUSE):
        with tf.variable_scope("i", reuse=True) as s:
            t.eq(flag(s.reuse), "TRUE")
        with tf.variable_scope("i") as s:
            t.eq(flag(s.reuse), "AUTO")


@case
def captured_scope_keeps_its_true_flag(t):
    with tf.variable_scope("test", reuse=True) as s:
        pass
    with tf.variable_scope(s, reuse=False) as s2:
        t.eq(flag(s2.reuse), "TRUE")


@case
def captured_scope_ignores_enclosing_reuse(t):
    with tf.variable_scope("foo") as s:
        pass
    with tf.variable_scope("outer", reuse=True):
        with tf.variable_scope(s) as s2:
            t.eq(flag(s2.reuse), "FALSE")
            v = tf.get_variable("v", [1])
            t.eq(v.name, "foo/v:0")


@case
def reuse_variables_mutates_only_that_scope(t):
    with tf.variable_scope("foo") as scope:
        with tf.variable_scope("early") as early:
            pass
        v = tf.get_variable("v", [1])
        scope.reuse_variables()
        v1 = tf.get_variable("v", [1])
        t.check(v1 is v, "reuse_variables() did not share foo/v")
        t.eq(flag(early.reuse), "FALSE")
        with tf.variable_scope("late") as late:
            t.eq(flag(late.reuse), "TRUE")
    t.eq(flag(tf.get_variable_scope().reuse), "FALSE")
    with tf.variable_scope(scope) as again:
        t.eq(flag(again.reuse), "TRUE")
    with tf.variable_scope("foo") as fresh:
        t.eq(flag(fresh.reuse), "FALSE")


@case
def root_reuse_variables_breaks_slot_creation(t):
    tf.get_variable("w", [1])
    tf.get_variable_scope().reuse_variables()
    t.eq(flag(tf.get_variable_scope().reuse), "TRUE")
    with tf.variable_scope(None, "w/Adam"):
        t.e2(lambda: tf.get_variable("", [1]), "w/Adam/")


@case
def reuse_false_cannot_reset_root(t):
    tf.get_variable_scope().reuse_variables()
    with tf.variable_scope(tf.get_variable_scope(), reuse=False) as s:
        t.eq(flag(s.reuse), "TRUE")
        t.e2(lambda: tf.get_variable("x", [1]), "x")


@case
def reuse_variables_on_root_copy_is_contained(t):
    w = tf.get_variable("w", [1])
    with tf.variable_scope(tf.get_variable_scope()):
        tf.get_variable_scope().reuse_variables()
        w2 = tf.get_variable("w", [1])
        t.check(w2 is w, "not shared")
    t.eq(flag(tf.get_variable_scope().reuse), "FALSE")
    with tf.variable_scope(None, "w/Adam"):
        m = tf.get_variable("", [1])
    t.eq(m.name, "w/Adam:0")


@case
def invalid_reuse_value_rejected(t):
    def enter():
        with tf.variable_scope("x", reuse=1):
            pass
    t.raises(ValueError, enter, msg="The reuse parameter must be True or False or None.")
    t.eq(tf.get_variable_scope().name, "")
    t.eq(tf.get_default_graph().get_name_scope(), "")


@case
def reuse_false_behaves_as_none(t):
    with tf.variable_scope("foo", reuse=False) as s:
        t.eq(flag(s.reuse), "FALSE")
        tf.get_variable("v", [1])
        t.raises(ValueError, lambda: tf.get_variable("v", [1]), head=E1 % "foo/v")


@case
def reuse_true_on_empty_scope_fails_only_at_get_variable(t):
    with tf.variable_scope("empty", reuse=True) as s:
        t.eq(flag(s.reuse), "TRUE")
        t.e2(lambda: tf.get_variable("v", [1]), "empty/v")
