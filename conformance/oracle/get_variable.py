"""Twins of conformance/cases/get_variable.c (spec §3, §9.1-9.2)."""
from .harness import E1, E2, case, tf

E19 = ("The initializer passed is not valid. It should be a callable with no arguments and the "
       "shape should not be provided or an instance of `tf.keras.initializers.*' and `shape` "
       "should be fully defined.")


def reuse_code(r):
    # vs_reuse: FALSE 1, TRUE 2, AUTO 3
    if r is tf.AUTO_REUSE:
        return 3
    return 2 if r else 1


@case
def second_create_already_exists(t):
    with tf.variable_scope("foo"):
        tf.get_variable("v", [1])
        t.e1(lambda: tf.get_variable("v", [1]), "foo/v")


@case
def reuse_missing_does_not_exist(t):
    with tf.variable_scope("foo", reuse=True):
        t.e2(lambda: tf.get_variable("v", [1]), "foo/v")


@case
def reuse_returns_same_variable_unknown_shape_compatible(t):
    with tf.variable_scope("foo"):
        v = tf.get_variable("v", [2, 3])
    with tf.variable_scope("foo", reuse=True):
        a = tf.get_variable("v", [2, 3])
        b = tf.get_variable("v")
        c = tf.get_variable("v", [None, 3])
    t.check(a is v and b is v and c is v, "reuse returned another variable")


@case
def shape_mismatch_on_share(t):
    with tf.variable_scope("foo"):
        tf.get_variable("v", [1])
    with tf.variable_scope("foo", reuse=True):
        t.raises(ValueError, lambda: tf.get_variable("v", [2]),
                 msg="Trying to share variable foo/v, but specified shape (2,) and found shape (1,).")


@case
def int_variable_reused_without_dtype(t):
    with tf.variable_scope("foo"):
        v = tf.get_variable("v", initializer=tf.constant(1, name="Const"))
        t.eq(v.dtype.base_dtype, tf.int32)
    with tf.variable_scope("foo", reuse=True):
        t.raises(ValueError, lambda: tf.get_variable("v"),
                 msg="Trying to share variable foo/v, but specified dtype float32 and found dtype "
                     "int32_ref.")
        x = tf.get_variable("v", dtype=tf.int32)
        t.check(x is v, "reuse with dtype=int32 returned another variable")


@case
def reuse_ignores_other_arguments(t):
    with tf.variable_scope("foo"):
        v = tf.get_variable("v", [1])
    with tf.variable_scope("foo", reuse=True):
        v1 = tf.get_variable("v", [1], initializer=tf.zeros_initializer(), trainable=False,
                             collections=["mine"], regularizer=lambda x: tf.identity(x, name="loss"))
    t.check(v1 is v, "reuse returned another variable")
    t.check(v1.trainable, "the variable became non-trainable")
    t.eq(t.collection("mine"), "")
    t.eq(t.collection(tf.GraphKeys.REGULARIZATION_LOSSES), "")
    t.eq(t.collection(tf.GraphKeys.GLOBAL_VARIABLES), "foo/v:0")
    t.eq(t.collection(tf.GraphKeys.TRAINABLE_VARIABLES), "foo/v:0")
    t.eq(v1.initial_value.op.name, "foo/v/Initializer/random_uniform")


@case
def auto_reuse_returns_same_and_creates_missing(t):
    def foo():
        with tf.variable_scope("foo", reuse=tf.AUTO_REUSE):
            return tf.get_variable("v", [1])
    a, b = foo(), foo()
    t.check(a is b, "AUTO_REUSE created a second variable")
    t.eq(a.name, "foo/v:0")
    with tf.variable_scope("foo", reuse=tf.AUTO_REUSE):
        n = tf.get_variable("new", [3])
    t.eq(n.name, "foo/new:0")


@case
def auto_reuse_still_checks_shape_and_dtype(t):
    with tf.variable_scope("foo", reuse=tf.AUTO_REUSE):
        tf.get_variable("v", [1])
        t.raises(ValueError, lambda: tf.get_variable("v", [2]),
                 msg="Trying to share variable foo/v, but specified shape (2,) and found shape (1,).")
        t.raises(ValueError, lambda: tf.get_variable("v", [1], dtype=tf.int32),
                 msg="Trying to share variable foo/v, but specified dtype int32 and found dtype "
                     "float32_ref.")


@case
def constant_shape_checked_before_existence(t):
    with tf.variable_scope("foo"):
        tf.get_variable("v", [1])
    with tf.variable_scope("foo", reuse=True):
        c = tf.constant([1.], name="Const")
        t.raises(ValueError, lambda: tf.get_variable("v", initializer=c, shape=[1]),
                 msg="If initializer is a constant, do not specify shape.")


@case
def no_shape_no_initializer(t):
    with tf.variable_scope("foo"):
        t.raises(ValueError, lambda: tf.get_variable("u"),
                 msg=t.pick(E19, "Variable foo/u did not get an initializer, so its `shape` "
                                 "argument must be specified."))


@case
def partial_shape_or_no_shape_with_callable_initializer(t):
    t.raises(ValueError, lambda: tf.get_variable("u", [None, 3]), msg=E19)
    t.raises(ValueError, lambda: tf.get_variable("w", initializer=tf.zeros_initializer()), msg=E19)


@case
def custom_getter_receives_full_name_and_reuse(t):
    log = []

    def getter(getter, name, *args, **kw):
        log.append("%s reuse=%d trainable=%d" % (name, reuse_code(kw["reuse"]),
                                                  {True: 1, False: 0}[kw["trainable"]]))
        return getter(name, *args, **kw)

    with tf.variable_scope("foo", custom_getter=getter):
        with tf.variable_scope("bar"):
            v = tf.get_variable("v", [1], trainable=False)
    with tf.variable_scope("foo", reuse=True, custom_getter=getter):
        with tf.variable_scope("bar"):
            w = tf.get_variable("v", [1])
    t.check(w is v, "reuse through the getter returned another variable")
    t.eq("; ".join(log), "foo/bar/v reuse=1 trainable=0; foo/bar/v reuse=2 trainable=1")


@case
def custom_getters_compose_inner_first_argument_replaces(t):
    log = []

    def mk(tag):
        def getter(getter, *a, **k):
            log.append(tag)
            return getter(*a, **k)
        return getter

    with tf.variable_scope("a", custom_getter=mk("outer")):
        with tf.variable_scope("b", custom_getter=mk("inner")):
            tf.get_variable("v", [1])
            t.eq(log, ["inner", "outer"])
            del log[:]
            w = tf.get_variable("w", [1], custom_getter=mk("arg"))
            t.eq(log, ["arg"])
    t.eq(w.name, "a/b/w:0")


@case
def renaming_getter_changes_store_key(t):
    def rename(getter, name, *a, **k):
        return getter(name + "_suffix", *a, **k)

    with tf.variable_scope("s", custom_getter=rename):
        v = tf.get_variable("v", [1])
    t.eq(v.name, "s/v_suffix:0")
    with tf.variable_scope("s", reuse=True):
        w = tf.get_variable("v_suffix", [1])
    t.check(w is v, "the renamed variable is not under its new key")


@case
def local_variable_naming_and_reuse(t):
    with tf.name_scope("ns"):
        with tf.variable_scope("foo"):
            l = tf.get_local_variable("l", [1])
            t.eq(l.name, "foo/l:0")
            t.check(not l.trainable, "a local variable is trainable")
            t.e1(lambda: tf.get_local_variable("l", [1]), "foo/l")
    with tf.variable_scope("foo", reuse=True):
        r = tf.get_local_variable("l", [1])
    t.check(r is l, "reuse of a local variable returned another variable")
    t.eq(t.collection(tf.GraphKeys.LOCAL_VARIABLES), "foo/l:0")
    t.eq(t.collection(tf.GraphKeys.GLOBAL_VARIABLES), "")
    t.eq(t.collection(tf.GraphKeys.TRAINABLE_VARIABLES), "")
