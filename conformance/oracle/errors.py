"""Twins of conformance/cases/errors.c (spec §5)."""
from .harness import case, tf
from .name_scope import scope_err


@case
def e1_already_exists_at_root(t):
    tf.get_variable("a", [1])
    t.e1(lambda: tf.get_variable("a", [1]), "a")


@case
def e2_does_not_exist_nested(t):
    with tf.variable_scope("a", reuse=tf.AUTO_REUSE):
        with tf.variable_scope("b", reuse=True):
            t.e2(lambda: tf.get_variable("x", [1]), "a/b/x")


@case
def e4_shape_mismatch_rank_two_and_rank(t):
    tf.get_variable("m", [2, 3])
    with tf.variable_scope(tf.get_variable_scope(), reuse=True):
        t.raises(ValueError, lambda: tf.get_variable("m", [3, 2]),
                 msg="Trying to share variable m, but specified shape (3, 2) and found shape (2, 3).")
        t.raises(ValueError, lambda: tf.get_variable("m", [2, 3, 1]),
                 msg="Trying to share variable m, but specified shape (2, 3, 1) and found shape "
                     "(2, 3).")


@case
def e5_dtype_mismatch(t):
    with tf.variable_scope("i"):
        tf.get_variable("iv", [1], dtype=tf.int32)
    with tf.variable_scope("i", reuse=True):
        t.raises(ValueError, lambda: tf.get_variable("iv", [1]),
                 msg="Trying to share variable i/iv, but specified dtype float32 and found dtype "
                     "int32_ref.")


@case
def e6_constant_initializer_with_shape(t):
    c = tf.constant([1., 2.], name="Const")
    t.raises(ValueError, lambda: tf.get_variable("v", initializer=c, shape=[2]),
             msg="If initializer is a constant, do not specify shape.")
    t.raises(ValueError, lambda: tf.get_variable("w", initializer=5.0, shape=[]),
             msg="If initializer is a constant, do not specify shape.")


@case
def e7_initializer_dtype_mismatch(t):
    c = tf.constant([1, 2], name="Const")
    t.raises(ValueError, lambda: tf.get_variable("v", initializer=c, dtype=tf.float32),
             msg="Initializer type '<dtype: 'int32'>' and explicit dtype '<dtype: 'float32'>' "
                 "don't match.")


@case
def e8_initializer_required(t):
    with tf.variable_scope("s"):
        t.raises(ValueError, lambda: tf.get_variable("c", [1], dtype=tf.complex64),
                 msg="An initializer for variable s/c of <dtype: 'complex64'> is required")


@case
def e9_invalid_nested_scope_name(t):
    with tf.variable_scope("x"):
        def enter():
            with tf.variable_scope("a b"):
                pass
        t.raises(ValueError, enter, msg=scope_err(t, "a b"))
        t.eq(tf.get_variable_scope().name, "x")


@case
def e10_reuse_without_name(t):
    for reuse in (True, tf.AUTO_REUSE):
        def enter():
            with tf.variable_scope(None, default_name="d", reuse=reuse):
                pass
        t.raises(ValueError, enter, msg="reuse=True cannot be used without a name_or_scope")
    t.eq(tf.get_variable_scope().name, "")
    with tf.variable_scope(None, default_name="d", reuse=False) as ok:
        t.eq(ok.name, "d")


@case
def e11_no_name_and_no_default(t):
    def enter():
        with tf.variable_scope(None):
            pass
    t.raises(TypeError, enter, msg="If default_name is None then name_or_scope is required")


@case
def e13_scope_object_required(t):
    def enter():
        with tf.variable_scope(3):
            pass
    t.raises(TypeError, enter, msg="VariableScope: name_or_scope must be a string or VariableScope.")


@case
def e14_auxiliary_name_scope_not_bool(t):
    def enter():
        with tf.variable_scope("x", auxiliary_name_scope=7):
            pass
    t.raises(TypeError, enter,
             msg="The auxiliary_name_scope must be `True` or `False`, while get 7")


@case
def e20_improper_nesting(t):
    a = tf.variable_scope("a")
    b = tf.variable_scope("b")
    a.__enter__()
    sb = b.__enter__()
    t.raises(RuntimeError, lambda: a.__exit__(None, None, None),
             msg="Improper nesting of variable_scope.")
    t.check(tf.get_variable_scope() is sb, "the scope changed")
    b.__exit__(None, None, None)
    a.__exit__(None, None, None)


@case
def e22_duplicate_op_name(t):
    tf.constant(1.0, name="a")
    t.raises(ValueError, lambda: tf.Variable(1.0, name="a/"),
             msg=t.pick("cannot add op with name a as that name is already used",
                        "Duplicate node name in graph: 'a'"))


@case
def tensor_from_another_graph_is_named(t):
    g1 = tf.Graph()
    with g1.as_default():
        c = tf.constant(1.0, name="c")
        ph = tf.placeholder(tf.float32, [None, 3], name="ph")
    d = tf.placeholder(tf.float32, name="d")
    v = tf.get_variable("v", [])
    t.raises(ValueError, lambda: tf.add(c, d),
             head='Tensor("d:0", dtype=float32) must be from the same graph as '
                  'Tensor("c:0", shape=(), dtype=float32) (graphs are ')
    t.raises(ValueError, lambda: v.assign(c),
             head='Tensor("c:0", shape=(), dtype=float32) must be from the same graph as '
                  'Tensor("v:0", shape=(), dtype=float32_ref) (graphs are ')
    with t.session() as s:
        t.raises(ValueError, lambda: s.run(ph),
                 msg='Argument `fetch` = Tensor("ph:0", shape=(?, 3), dtype=float32) cannot be interpreted as a '
                     'Tensor. (Tensor Tensor("ph:0", shape=(?, 3), dtype=float32) is not an element of this graph.)')
        t.raises(TypeError, lambda: s.run(d, {c: 1.0}),
                 msg='Cannot interpret feed_dict key as Tensor: Tensor Tensor("c:0", shape=(), dtype=float32) is not '
                     'an element of this graph.')
