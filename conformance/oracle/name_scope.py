"""Twins of conformance/cases/name_scope.c (spec §1)."""
from .harness import case, tf

ROOT_PATTERN = r"^[A-Za-z0-9.][A-Za-z0-9_.\\/>-]*$"
SCOPE_PATTERN = r"^[A-Za-z0-9_.\\/>-]*$"


def root_scope_err(t, n):
    return t.pick("'%s' is not a valid scope name" % n,
                  "'%s' is not a valid root scope name. A root scope name has to match the "
                  "following pattern: %s" % (n, ROOT_PATTERN))


def scope_err(t, n):
    return t.pick("'%s' is not a valid scope name" % n,
                  "'%s' is not a valid scope name. A scope name has to match the following "
                  "pattern: %s" % (n, SCOPE_PATTERN))


def node_err(t, n):
    return t.pick("'%s' is not a valid scope name" % n.split("/")[-1],
                  "`%s` is not a valid node name. Accepted names conform to Regex "
                  "/re.compile('^[A-Za-z0-9.][A-Za-z0-9_.\\\\\\\\/>-]*$')/" % n)


@case
def constant_names_uniquified(t):
    a = tf.constant(1., name="c")
    b = tf.constant(1., name="c")
    t.eq(a.op.name, "c")
    t.eq(b.op.name, "c_1")
    t.eq(b.name, "c_1:0")


@case
def sequential_name_scopes_uniquified(t):
    for want in ["hello/", "hello_1/", "hello_2/"]:
        with tf.name_scope("hello") as s:
            t.eq(s, want)


@case
def nested_inner_scopes_uniquified(t):
    with tf.name_scope("nested") as n:
        t.eq(n, "nested/")
        with tf.name_scope("inner"):
            c1 = tf.constant(1., name="c")
        with tf.name_scope("inner") as i2:
            c2 = tf.constant(1., name="c")
    t.eq(i2, "nested/inner_1/")
    t.eq(c1.op.name, "nested/inner/c")
    t.eq(c2.op.name, "nested/inner_1/c")


@case
def unique_name_skips_explicitly_used_suffix(t):
    g = tf.get_default_graph()
    tf.constant(1., name="a")
    a1 = tf.constant(1., name="a_1")
    t.eq(a1.op.name, "a_1")
    t.eq(g.unique_name("a"), "a_2")
    t.eq(g.unique_name("a"), "a_3")


@case
def explicit_name_taken_by_uniquification(t):
    tf.constant(1., name="a")
    b = tf.constant(1., name="a")
    c = tf.constant(1., name="a_1")
    t.eq(b.op.name, "a_1")
    t.eq(c.op.name, "a_1_1")


@case
def ops_and_scopes_share_one_table(t):
    tf.constant(1., name="foo")
    with tf.name_scope("foo") as s:
        t.eq(s, "foo_1/")
        d = tf.constant(1., name="x")
        t.eq(d.op.name, "foo_1/x")


@case
def names_are_case_insensitive(t):
    tf.constant(1., name="foo")
    with tf.name_scope("Foo") as s:
        t.eq(s, "Foo_1/")
    d = tf.constant(1., name="FOO")
    t.eq(d.op.name, "FOO_2")


@case
def unique_name_without_marking_reserves_nothing(t):
    g = tf.get_default_graph()
    t.eq(g.unique_name("x", mark_as_used=False), "x")
    t.eq(g.unique_name("x", mark_as_used=False), "x")
    c = tf.constant(1., name="x")
    t.eq(c.op.name, "x")
    t.eq(g.unique_name("x", mark_as_used=False), "x_1")


@case
def trailing_slash_is_absolute_and_not_uniquified(t):
    with tf.name_scope("b"):
        pass
    with tf.name_scope("a"):
        with tf.name_scope("b/") as s:
            t.eq(s, "b/")
            c = tf.constant(1., name="c")
            t.eq(c.op.name, "b/c")


@case
def reentering_captured_scope_string(t):
    with tf.name_scope("nested") as scope:
        with tf.name_scope("inner"):
            with tf.name_scope(scope) as again:
                t.eq(again, "nested/")
                d = tf.constant(1., name="d")
                t.eq(d.op.name, "nested/d")


@case
def none_or_empty_resets_to_root(t):
    g = tf.get_default_graph()
    with tf.name_scope("a"):
        with tf.name_scope(None) as s1:
            t.eq(s1, "")
            e1 = tf.constant(1., name="e")
            t.eq(e1.op.name, "e")
        with tf.name_scope("") as s2:
            t.eq(s2, "")
            e2 = tf.constant(1., name="e")
            t.eq(e2.op.name, "e_1")
        t.eq(g.get_name_scope(), "a")


@case
def default_name_used_only_when_name_is_none(t):
    with tf.name_scope(None, "D") as s:
        t.eq(s, "D/")
    with tf.name_scope(None, "D") as s:
        t.eq(s, "D_1/")
    with tf.name_scope("n", "D") as s:
        t.eq(s, "n/")
    with tf.name_scope("a"):
        with tf.name_scope("", "D") as s:
            t.eq(s, "")


@case
def no_name_no_default_without_values_resets(t):
    with tf.name_scope("a"):
        with tf.name_scope(None, None) as s:
            t.eq(s, "")
            c = tf.constant(1., name="c")
            t.eq(c.op.name, "c")


@case
def ops_uniquified_inside_reentered_absolute_scope(t):
    with tf.name_scope("abs/"):
        c1 = tf.constant(1., name="c")
    with tf.name_scope("abs/"):
        c2 = tf.constant(1., name="c")
    t.eq(c1.op.name, "abs/c")
    t.eq(c2.op.name, "abs/c_1")


@case
def get_name_scope_after_reset_is_empty(t):
    g = tf.get_default_graph()
    t.eq(g.get_name_scope(), "")
    with tf.name_scope("a"):
        with tf.name_scope("b"):
            t.eq(g.get_name_scope(), "a/b")
            with tf.name_scope(None):
                t.eq(g.get_name_scope(), "")


@case
def invalid_constant_name_at_root(t):
    t.raises(ValueError, lambda: tf.constant(1., name="bad name"), msg=node_err(t, "bad name"))
    t.eq(len(tf.get_default_graph().get_operations()), 0)


@case
def root_scope_may_not_start_with_underscore(t):
    def enter():
        with tf.name_scope("_x"):
            pass
    t.raises(ValueError, enter, msg=root_scope_err(t, "_x"))
    t.eq(tf.get_default_graph().get_name_scope(), "")


@case
def nested_scope_may_start_with_underscore(t):
    with tf.name_scope("a"):
        with tf.name_scope("_x") as x:
            t.eq(x, "a/_x/")


@case
def invalid_character_inside_open_scope(t):
    with tf.name_scope("a"):
        def enter():
            with tf.name_scope("bad name"):
                pass
        t.raises(ValueError, enter, msg=scope_err(t, "bad name"))
        t.eq(tf.get_default_graph().get_name_scope(), "a")


@case
def get_variable_leading_underscore_at_root(t):
    t.raises(ValueError, lambda: tf.get_variable("_v", [1]), msg=root_scope_err(t, "_v"))


@case
def get_variable_underscore_inside_variable_scope(t):
    with tf.variable_scope("foo"):
        v = tf.get_variable("_v", [1])
    t.eq(v.name, "foo/_v:0")


@case
def get_variable_colon_is_invalid(t):
    t.raises(ValueError, lambda: tf.get_variable("v:0", [1]), msg=root_scope_err(t, "v:0"))


@case
def v2_pattern_allows_gt_backslash_and_leading_dot(t):
    if t.TF1:
        # TF 1.15's pattern has neither '>' nor '\': the C case encodes TF 2.x.
        def enter():
            with tf.name_scope("a>b"):
                pass
        t.raises(ValueError, enter, msg="'a>b' is not a valid scope name")
        return
    with tf.name_scope("a>b") as a:
        t.eq(a, "a>b/")
    with tf.name_scope("a\\b") as b:
        t.eq(b, "a\\b/")
    with tf.name_scope(".x") as c:
        t.eq(c, ".x/")


@case
def op_name_with_trailing_slash_is_full_name(t):
    g = tf.get_default_graph()
    with tf.name_scope("bar"):
        c = tf.constant(1., name="bar/")
    t.eq(c.op.name, "bar", "op name")
    with tf.name_scope("ns"):
        t.eq(tf.constant(1., name="q/").op.name, "q", "op name")
        t.eq(tf.constant(1., name="q").op.name, "ns/q", "op name")
        t.eq(tf.constant(1., name="ns/k/").op.name, "ns/k", "op name")
    t.name(tf.constant(1., name="trailing/"), "trailing:0")
    t.raises(ValueError, lambda: tf.constant(1., name="trailing/"),
             msg="Duplicate node name in graph: 'trailing'")
    t.eq(g.unique_name("trailing", mark_as_used=False), "trailing", "unique_name")
    t.raises(ValueError, lambda: tf.constant(2., name="/"), msg=node_err(t, ""))
    t.name(tf.identity(c, name="idn/"), "idn:0")
    t.name(tf.placeholder(tf.float32, name="ph/"), "ph:0")
    t.name(tf.Variable(1.0, name="v/"), "v:0")
    t.name(tf.get_variable("w/", [1]), "w:0")
