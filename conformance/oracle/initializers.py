"""Twins of conformance/cases/initializers.c (spec §7.1-7.4)."""
import numpy as np

from .harness import case, tf


def const(t, s, name):
    return s.run(tf.get_default_graph().get_tensor_by_name(name + ":0"))


@case
def float_default_is_glorot_uniform(t):
    v = tf.get_variable("v", [2, 3])
    t.eq(v.initial_value.op.name, "v/Initializer/random_uniform")
    with t.session() as s:
        t.near(const(t, s, "v/Initializer/random_uniform/max"), 1.0954451, 1e-6)
        t.near(const(t, s, "v/Initializer/random_uniform/min"), -1.0954451, 1e-6)
        s.run(v.initializer)
        x = s.run(v)
    t.check(np.all(np.abs(x) <= 1.0954452), "value outside the limit")


@case
def int_bool_string_default_is_zeros(t):
    i = tf.get_variable("i", [3], dtype=tf.int32)
    b = tf.get_variable("b", [2], dtype=tf.bool)
    st = tf.get_variable("s", [3], dtype=tf.string)
    t.eq(i.initial_value.op.name, "i/Initializer/zeros")
    t.eq(st.initial_value.op.name, "s/Initializer/zeros")
    t.eq(st.dtype.name, "string_ref")
    with t.session() as s:
        s.run([i.initializer, b.initializer])
        t.eq(s.run(i).tolist(), [0, 0, 0])
        t.eq(s.run(b).tolist(), [False, False])


@case
def scope_initializer_inherited_explicit_wins(t):
    with tf.variable_scope("s", initializer=tf.constant_initializer(0.5)):
        with tf.variable_scope("inner"):
            a = tf.get_variable("a", [2])
            b = tf.get_variable("b", [2], initializer=tf.constant_initializer(2.))
    with t.session() as s:
        s.run([a.initializer, b.initializer])
        t.eq(s.run(a).tolist(), [0.5, 0.5])
        t.eq(s.run(b).tolist(), [2.0, 2.0])


@case
def glorot_uniform_limits_from_fans(t):
    specs = [("s0", []), ("s1", [5]), ("s2", [2, 3]), ("s3", [784, 100]),
             ("s4", [3, 3, 64, 128]), ("s5", [5, 5, 1, 32]), ("s6", [0, 4])]
    want = [1.7320508, 0.7745967, 1.0954451, 0.0823853, 0.0589256, 0.0852803, 1.2247449]
    for name, shape in specs:
        tf.get_variable(name, shape)
    with t.session() as s:
        for (name, _), w in zip(specs, want):
            t.near(const(t, s, name + "/Initializer/random_uniform/max"), w, 1e-6, name)


@case
def glorot_normal_and_untruncated_stddev(t):
    gn = tf.get_variable("gn", [2, 3], initializer=tf.glorot_normal_initializer())
    vs = tf.get_variable("vs", [2, 3], initializer=tf.variance_scaling_initializer(
        2.0, "fan_out", "untruncated_normal"))
    t.eq(gn.initial_value.op.name, "gn/Initializer/truncated_normal")
    t.eq(vs.initial_value.op.name, "vs/Initializer/random_normal")
    with t.session() as s:
        t.near(const(t, s, "gn/Initializer/truncated_normal/stddev"), 0.7190053, 1e-6)
        t.near(const(t, s, "vs/Initializer/random_normal/stddev"), 0.8164966, 1e-6)


@case
def constant_initializer_list_repeats_last_too_many_fails(t):
    vals = [0, 1, 2, 3, 4, 5, 6, 7]
    v = tf.get_variable("v", [3, 4], initializer=tf.constant_initializer(vals))
    t.eq(v.initial_value.op.name, "v/Initializer/Const")
    t.raises(ValueError, lambda: tf.get_variable("w", [2, 3], initializer=tf.constant_initializer(vals)),
             msg=t.pick("Too many elements provided. Needed at most 6, but received 8",
                        "Too many elements provided. Takes at most 6, but got 8."))
    with t.session() as s:
        s.run(v.initializer)
        t.eq(s.run(v).ravel().tolist(), [0, 1, 2, 3, 4, 5, 6, 7, 7, 7, 7, 7])


@case
def constant_initializer_verify_shape(t):
    vals = [0, 1, 2, 3, 4, 5, 6, 7]
    t.raises(TypeError, lambda: tf.get_variable(
        "v", [3, 4], initializer=tf.constant_initializer(vals, verify_shape=True)),
        msg=t.pick("Expected Tensor's shape: (3, 4), got (8,).",
                   "Expected Tensor's shape: (3, 4), but got (8,)."))


@case
def value_and_tensor_initializers_give_shape_and_dtype(t):
    a = tf.get_variable("a", initializer=tf.constant([1., 2.], name="Const"))
    b = tf.get_variable("b", initializer=5.0)
    c = tf.get_variable("c", initializer=np.array([[1, 2, 3]], np.int32))
    with tf.variable_scope("s", dtype=tf.float64):
        d = tf.get_variable("d", initializer=tf.constant([1, 2], name="Const"))
    t.eq(str(a.shape), "(2,)")
    t.eq(a.dtype.base_dtype, tf.float32)
    t.eq(str(b.shape), "()")
    t.eq(b.dtype.base_dtype, tf.float32)
    t.eq(str(c.shape), "(1, 3)")
    t.eq(c.dtype.base_dtype, tf.int32)
    t.eq(d.dtype.base_dtype, tf.int32)


@case
def scope_dtype_selects_default(t):
    with tf.variable_scope("s", dtype=tf.float64):
        v = tf.get_variable("v", [2])
    t.eq(v.dtype.name, "float64_ref")
    t.eq(v.initial_value.op.name, "s/v/Initializer/random_uniform")


@case
def variable_requires_initial_value(t):
    t.raises(ValueError, lambda: tf.Variable(None, name="v"), msg="initial_value must be specified.")


@case
def validate_shape_false_with_tensor(t):
    z = tf.constant(np.zeros([2, 3], np.float32), name="zeros")
    v = tf.get_variable("v", initializer=z, validate_shape=False)
    t.eq(v.name, "v:0")


@case
def string_variable_initialises_assigns_and_fetches(t):
    g = tf.get_default_graph()
    sv = tf.get_variable("string", [2], dtype=tf.string)
    t.eq([(op.name, op.type) for op in g.get_operations()],
         [("string/Initializer/zeros", "Const"), ("string", "VariableV2"),
          ("string/Assign", "Assign"), ("string/read", "Identity")], "ops")
    big = tf.get_variable("big", [40, 40], dtype=tf.string)
    t.eq(big.initial_value.op.type, "Fill", "big's initial value")
    w = tf.Variable([b"x", b"yy"], name="w")
    t.eq(w.dtype.name, "string_ref")
    ph = tf.placeholder(tf.string, [2], name="ph")
    assign = sv.assign(ph)
    read = sv.read_value()
    wi = w.initialized_value()
    t.raises(TypeError, lambda: tf.get_variable("o", [2], tf.string, tf.ones_initializer()),
             msg="Expected string, but got 1 of type 'int'.")
    t.raises(TypeError, lambda: tf.get_variable("o", [2], tf.string, tf.random_normal_initializer()),
             msg="Expected string, but got 0.0 of type 'float'.")
    t.raises(ValueError, lambda: tf.get_variable("o", [2], tf.string, tf.glorot_uniform_initializer()),
             msg="Argument `dtype` got invalid value <dtype: 'string'>. Accepted dtypes are (tf.float16, "
                 "tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64).")
    ab = tf.constant([b"a", b"b"], name="ab")
    t.raises(TypeError, lambda: sv.assign_add(ab),
             msg="Value passed to parameter 'ref' has DataType string not in list of allowed values: "
                 "float32, float64, int32, uint8, int16, int8, complex64, int64, qint8, quint8, qint32, "
                 "bfloat16, qint16, quint16, uint16, complex128, float16, uint32, uint64")
    with t.session() as s:
        s.run([sv.initializer, big.initializer, w.initializer])
        t.eq(s.run(sv).tolist(), [b"", b""])
        xbig = s.run(big)
        t.eq(xbig.size, 1600)
        t.eq(xbig[39][39], b"")
        t.eq(s.run(w).tolist(), [b"x", b"yy"])
        t.eq(s.run(wi).tolist(), [b"x", b"yy"])
        t.eq(s.run(assign, {ph: [b"p", b"q"]}).tolist(), [b"p", b"q"])
        t.eq(s.run(read).tolist(), [b"p", b"q"])
