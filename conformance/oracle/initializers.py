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


# ---- random streams: TensorFlow's exact values (issue 12, item 9) ----------
# Each builder makes the variables of one case in the current graph and
# returns them in order; tools/make_random_golden.py runs the builders and
# writes RANDOM_GOLDEN below and the C cases' table from what TF computes.
# A row is (name, element count, FNV-1a 64 of the raw little-endian bytes,
# bits of the first element, bits of the last).

def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def golden_row(name, x):
    flat = np.ascontiguousarray(x).reshape(-1)
    bits = flat.view(np.uint64 if flat.dtype.itemsize == 8 else np.uint32)
    return (name, int(flat.size), fnv1a64(flat.tobytes()), int(bits[0]), int(bits[-1]))


def streams_op_seeds():
    return [("u", tf.get_variable("u", [7], initializer=tf.random_uniform_initializer(-0.3, 0.7, seed=1))),
            ("n", tf.get_variable("n", [3, 3], initializer=tf.random_normal_initializer(0.5, 2.0, seed=5))),
            ("tn", tf.get_variable("tn", [77, 13], initializer=tf.truncated_normal_initializer(-1.0, 0.5, seed=7))),
            ("neg", tf.get_variable("neg", [10], initializer=tf.random_uniform_initializer(0.0, 1.0, seed=-5))),
            ("big", tf.get_variable("big", [6], initializer=tf.random_normal_initializer(0.0, 1.0, seed=2**40 + 3)))]


def streams_graph_seed_only():
    tf.set_random_seed(42)
    return [("g1", tf.get_variable("g1", [784, 100])),
            ("g2", tf.get_variable("g2", [3, 3, 16, 32], initializer=tf.glorot_normal_initializer())),
            ("g3", tf.get_variable("g3", [31, 7], initializer=tf.variance_scaling_initializer(2.0, "fan_in", "uniform"))),
            ("g4", tf.get_variable("g4", [17, 5], initializer=tf.variance_scaling_initializer(
                2.0, "fan_out", "untruncated_normal"))),
            ("g5", tf.get_variable("g5", [5, 5, 1, 33], initializer=tf.variance_scaling_initializer(
                0.5, "fan_avg", "truncated_normal"))),
            ("g6", tf.get_variable("g6", [1001], initializer=tf.truncated_normal_initializer()))]


def streams_graph_and_op_seed():
    tf.set_random_seed(7)
    return [("a", tf.get_variable("a", [5], initializer=tf.random_uniform_initializer(seed=3))),
            ("b", tf.get_variable("b", [4, 6], initializer=tf.glorot_normal_initializer(seed=9))),
            ("c", tf.get_variable("c", [2, 3]))]


def streams_float64():
    return [("d1", tf.get_variable("d1", [1001], tf.float64, initializer=tf.random_uniform_initializer(-2.0, 3.0, seed=1))),
            ("d2", tf.get_variable("d2", [999], tf.float64, initializer=tf.random_normal_initializer(0.0, 1.0, seed=2))),
            ("d3", tf.get_variable("d3", [501], tf.float64,
                                   initializer=tf.truncated_normal_initializer(0.5, 2.0, seed=3)))]


def streams_int():
    tf.set_random_seed(5)
    return [("i", tf.get_variable("i", [11], tf.int32, initializer=tf.random_uniform_initializer(-3, 1000, seed=1))),
            ("j", tf.get_variable("j", [7], tf.int64, initializer=tf.random_uniform_initializer(-3, 1000, seed=2)))]


def run_values(s, pairs):
    s.run([v.initializer for _, v in pairs])
    return [golden_row(name, s.run(v)) for name, v in pairs]


def second_run_rows(s):
    """tf.set_random_seed(0); v = get_variable("v", [9], truncated_normal_initializer(seed=0)):
    seeds (0, 0) become (0, 2**31 - 1); the initializer run twice, the second run continuing the stream."""
    v = tf.get_default_graph().get_tensor_by_name("v:0")
    init = tf.get_default_graph().get_operation_by_name("v/Assign")
    s.run(init)
    first = golden_row("v#1", s.run(v))
    s.run(init)
    return [first, golden_row("v#2", s.run(v))]


def streams_seed_zero_second_run():
    tf.set_random_seed(0)
    tf.get_variable("v", [9], initializer=tf.truncated_normal_initializer(seed=0))


RANDOM_GOLDEN = {
    "random_streams_match_tf_with_op_seeds": [
        ("u", 7, 0x71780d64d8cd0a27, 0xbd79b3f0, 0xbe58f8e4),
        ("n", 9, 0x80804330b4daf393, 0xbfed96d6, 0xbfa4d8e1),
        ("tn", 1001, 0x68cf42442c17f0a5, 0xbf830128, 0xbfbbc994),
        ("neg", 10, 0x667cbef69db6f63b, 0x3edbaa18, 0x3ed02034),
        ("big", 6, 0x927983de8eba4f26, 0xbf367d28, 0xbe5ce327),
    ],
    "random_streams_match_tf_with_graph_seed_only": [
        ("g1", 78400, 0x58adbfbaadea3943, 0x3d6266c0, 0x3d2c51d4),
        ("g2", 4608, 0x58ab430d7a70be48, 0xbded9e74, 0xbce14d2a),
        ("g3", 217, 0x839c04055895d692, 0x3edbc276, 0xbedc102e),
        ("g4", 85, 0x63bd832fdf8846bc, 0x3f01dfd0, 0x3f5f0a37),
        ("g5", 825, 0xfe78f0e8fe23b165, 0xbcb45161, 0xbd272c27),
        ("g6", 1001, 0xaea4991c8ae475b7, 0x3f8a3ee2, 0xbe719381),
    ],
    "random_streams_match_tf_with_graph_and_op_seed": [
        ("a", 5, 0xc7071f893e3a781b, 0x3ecd5b64, 0x3f3efd9c),
        ("b", 24, 0x3eb5f59173427ef9, 0x3dc285f0, 0x3e09abf9),
        ("c", 6, 0xe6ead693c81f5b6f, 0x3f0e4ee4, 0xbf306f12),
    ],
    "random_streams_float64": [
        ("d1", 1001, 0x237c4a34f8d28455, 0x40047df382e68722, 0x3fe56db4ad79b068),
        ("d2", 999, 0xd4fd4e1873bb3855, 0xbff4c21857ed1aa5, 0xbff397dcc4045b94),
        ("d3", 501, 0x613763291510744a, 0xc00bd39045bbf288, 0xc0037f33c531a003),
    ],
    "random_int_streams_match_tf": [
        ("i", 11, 0x00cf97a9cd3e254f, 0x1d6, 0x3cf),
        ("j", 7, 0xdaa8a3011eff8b19, 0x235, 0x32d),
    ],
    "random_stream_seed_zero_and_second_run": [
        ("v#1", 9, 0x405bbb77bfb276ac, 0x3dfdc938, 0xbf8496ac),
        ("v#2", 9, 0x5d068a0bcf0346eb, 0x3ee25e24, 0xbfb07b38),
    ],
}


def check_rows(t, case_name, rows):
    """TF's values equal the rows the C cases carry (all of every row: here
    TF itself computes them, float64 normals included)."""
    want = RANDOM_GOLDEN[case_name]
    t.eq(len(rows), len(want), "rows")
    for got, w in zip(rows, want):
        t.eq(got, w, got[0])


def check_streams(t, case_name, build):
    """The variables `build` makes, initialised in one session, equal TF's rows."""
    pairs = build()
    with t.session() as s:
        check_rows(t, case_name, run_values(s, pairs))


@case
def random_streams_match_tf_with_op_seeds(t):
    check_streams(t, "random_streams_match_tf_with_op_seeds", streams_op_seeds)


@case
def random_streams_match_tf_with_graph_seed_only(t):
    check_streams(t, "random_streams_match_tf_with_graph_seed_only", streams_graph_seed_only)


@case
def random_streams_match_tf_with_graph_and_op_seed(t):
    check_streams(t, "random_streams_match_tf_with_graph_and_op_seed", streams_graph_and_op_seed)


@case
def random_streams_float64(t):
    check_streams(t, "random_streams_float64", streams_float64)


@case
def random_int_streams_match_tf(t):
    check_streams(t, "random_int_streams_match_tf", streams_int)


@case
def random_stream_seed_zero_and_second_run(t):
    streams_seed_zero_second_run()
    with t.session() as s:
        check_rows(t, "random_stream_seed_zero_and_second_run", second_run_rows(s))
