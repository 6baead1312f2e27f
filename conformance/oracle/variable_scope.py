"""Twins of conformance/cases/variable_scope.c (spec §2.2-2.3)."""
import threading

from .harness import E1, case, tf
from .name_scope import root_scope_err


@case
def reuse_block_opens_new_name_scope(t):
    with tf.variable_scope("foo"):
        v = tf.get_variable("v", [1])
    with tf.variable_scope("foo", reuse=True):
        v1 = tf.get_variable("v", [1])
        two = tf.constant(2., name="Const")
        x = v1 * two
    t.check(v1 is v, "reuse returned another variable")
    t.eq(x.name, "foo_1/mul:0")


@case
def variable_scope_not_uniquified_name_scope_is(t):
    with tf.variable_scope("foo"):
        pass
    with tf.variable_scope("foo") as s:
        w = tf.get_variable("w", [1])
        u = tf.Variable(0., name="u")
        t.eq(s.name, "foo")
        t.eq(s.original_name_scope, "foo_1/")
        t.eq(tf.get_variable_scope().name, "foo")
    t.eq(w.name, "foo/w:0")
    t.eq(u.name, "foo_1/u:0")


@case
def reentering_captured_scope(t):
    with tf.variable_scope("foo") as vs:
        pass
    with tf.variable_scope(vs):
        c = tf.constant(1., name="c")
        x = tf.get_variable("x", [1])
        y = tf.Variable(1., name="y")
        t.eq(tf.get_variable_scope().name, "foo")
        t.eq(tf.get_variable_scope().original_name_scope, "foo/")
    t.eq(c.name, "foo_1/c:0")
    t.eq(x.name, "foo/x:0")
    t.eq(y.name, "foo_1/y:0")


@case
def captured_scope_inside_other_scope(t):
    with tf.variable_scope("foo") as vs:
        pass
    with tf.variable_scope("outer"):
        with tf.variable_scope(vs):
            w = tf.get_variable("w", [1])
            c = tf.constant(1., name="c")
    t.eq(w.name, "foo/w:0")
    t.eq(c.name, "outer/foo/c:0")


@case
def auxiliary_name_scope_false_with_original_name_scope(t):
    with tf.variable_scope("foo") as vs:
        pass
    with tf.variable_scope(vs, auxiliary_name_scope=False) as vs1:
        t.eq(tf.get_default_graph().get_name_scope(), "")
        t.eq(vs1.original_name_scope, "foo/")
        with tf.name_scope(vs1.original_name_scope) as n:
            t.eq(n, "foo/")
            v = tf.get_variable("v", [1])
            c = tf.constant([1], name="c")
    t.eq(v.name, "foo/v:0")
    t.eq(c.name, "foo/c:0")


@case
def auxiliary_name_scope_false_with_string_name(t):
    with tf.name_scope("ns"):
        with tf.variable_scope("foo", auxiliary_name_scope=False) as s:
            t.eq(s.name, "foo")
            t.eq(s.original_name_scope, "ns/")
            t.eq(tf.get_default_graph().get_name_scope(), "ns")
            c = tf.constant(1., name="c")
            v = tf.get_variable("v", [1])
    t.eq(c.name, "ns/c:0")
    t.eq(v.name, "foo/v:0")


@case
def reentering_current_scope_doubles_op_prefix(t):
    with tf.variable_scope("alpha"):
        with tf.variable_scope("beta"):
            with tf.variable_scope(tf.get_variable_scope()) as s:
                v = tf.get_variable("my_var", [42])
                op = tf.constant(1., name="my_op")
                t.eq(s.name, "alpha/beta")
    t.eq(v.name, "alpha/beta/my_var:0")
    t.eq(op.name, "alpha/beta/beta/my_op:0")


@case
def reentering_root_scope_opens_no_name_scope(t):
    g = tf.get_default_graph()
    root = tf.get_variable_scope()
    with tf.variable_scope(root) as s:
        t.check(s is not root, "re-entering the root scope did not copy it")
        t.eq(g.get_name_scope(), "")
        c = tf.constant(1., name="c")
        t.eq(s.name, "")
        t.eq(s.original_name_scope, "")
    t.check(tf.get_variable_scope() is root, "the root scope was not restored")
    with tf.name_scope("x"):
        with tf.variable_scope(root):
            c2 = tf.constant(1., name="c")
            t.eq(g.get_name_scope(), "x")
    t.eq(c.name, "c:0")
    t.eq(c2.name, "x/c:0")


@case
def trailing_slash_variable_scope(t):
    with tf.variable_scope("foo/") as s:
        v = tf.get_variable("v", [1])
        c = tf.constant(0, name="c")
        t.eq(s.name, "foo/")
        t.eq(s.original_name_scope, "foo/")
    t.eq(v.name, "foo//v:0")
    t.eq(c.name, "foo/c:0")


@case
def invalid_variable_scope_name(t):
    def enter():
        with tf.variable_scope("bad name"):
            pass
    t.raises(ValueError, enter, msg=root_scope_err(t, "bad name"))
    t.eq(tf.get_variable_scope().name, "")
    t.eq(tf.get_default_graph().get_name_scope(), "")


@case
def underscore_scope_ok_but_variable_name_checked_at_root(t):
    with tf.name_scope("a"):
        with tf.variable_scope("_x") as s:
            t.eq(s.name, "_x")
            t.eq(s.original_name_scope, "a/_x/")
            t.raises(ValueError, lambda: tf.get_variable("v", [1]), msg=root_scope_err(t, "_x/v"))


@case
def sequential_default_names_uniquified(t):
    for want, ns in [("bar/v:0", "bar/"), ("bar_1/v:0", "bar_1/")]:
        with tf.variable_scope(None, default_name="bar") as s:
            v = tf.get_variable("v", [1])
            t.eq(v.name, want)
            t.eq(s.original_name_scope, ns)


@case
def default_names_reset_when_parent_exits(t):
    with tf.variable_scope("foo") as vs:
        with tf.variable_scope(None, default_name="bar"):
            a = tf.get_variable("a", [1])
        with tf.variable_scope(None, default_name="bar"):
            b = tf.get_variable("b", [1])
    with tf.variable_scope(vs):
        with tf.variable_scope(None, default_name="bar"):
            c = tf.get_variable("c", [1])
    t.eq(a.name, "foo/bar/a:0")
    t.eq(b.name, "foo/bar_1/b:0")
    t.eq(c.name, "foo/bar/c:0")


@case
def name_scopes_do_not_count_for_default_names(t):
    with tf.name_scope("bar"):
        pass
    with tf.variable_scope(None, default_name="bar") as s:
        v = tf.get_variable("v", [1])
        c = tf.constant(0, name="c")
        t.eq(s.name, "bar")
    t.eq(v.name, "bar/v:0")
    t.eq(c.name, "bar_1/c:0")


@case
def string_scopes_count_for_default_names(t):
    with tf.variable_scope("bar"):
        pass
    with tf.variable_scope("bar"):
        pass
    with tf.variable_scope(None, default_name="bar") as s:
        t.eq(s.name, "bar_1")
        t.eq(s.original_name_scope, "bar_2/")


@case
def reopened_parent_collides_on_default_name(t):
    with tf.variable_scope("foo"):
        with tf.variable_scope(None, default_name="bar"):
            a = tf.get_variable("a", [1])
    with tf.variable_scope("foo"):
        with tf.variable_scope(None, default_name="bar") as b2:
            t.eq(b2.original_name_scope, "foo_1/bar/")
            t.raises(ValueError, lambda: tf.get_variable("a", [1]), head=E1 % "foo/bar/a")
    t.eq(a.name, "foo/bar/a:0")


@case
def default_name_scope_inherits_reuse(t):
    with tf.variable_scope("outer", reuse=True):
        with tf.variable_scope(None, default_name="d") as s:
            t.eq(s.reuse, True)


@case
def new_thread_starts_at_root_scope_shares_store(t):
    g = tf.get_default_graph()
    probe = {}

    def body():
        with g.as_default():
            probe["scope"] = tf.get_variable_scope().name
            probe["name_scope"] = g.get_name_scope()
            with tf.variable_scope("foo", reuse=True):
                probe["shared"] = tf.get_variable("v", [1])

    with tf.variable_scope("foo"):
        v = tf.get_variable("v", [1])
        with tf.name_scope("ns"):
            th = threading.Thread(target=body)
            th.start()
            th.join()
    t.eq(probe.get("scope"), "")
    t.eq(probe.get("name_scope"), "")
    t.check(probe.get("shared") is v, "the thread did not share foo/v")
    t.eq(v.name, "foo/v:0")
