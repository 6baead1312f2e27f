#!/usr/bin/env python3
"""The TensorFlow half of the GraphDef export check (issue 13). Run by
tests/test_tf_roundtrip.c with a Python that has tensorflow (VS_PYTHON):

  tf_graphdef_check.py GRAPHDEF STRIPPED

GRAPHDEF is what vs_graph_write_graphdef wrote for the model below, built
in C by the same scopes and calls, STRIPPED the same with add_shapes and
strip_default_attrs (export_meta_graph(strip_default_attrs=True)'s
graph_def, which has _output_shapes too). TF builds the model itself and
compares each with its own:
the node names in order, and for each node its op type, inputs, device and
every attr (AttrValue protos equal: types, shapes, Const tensors, seeds,
lists, _class, _has_manual_control_dependencies); then tf.import_graph_def
loads varscope's GraphDef, and running its initializer and its output
gives TF's own numbers, bit for bit (the same seeds draw the same values).
Prints one "FAIL ..." line per difference, then "ok" or "failed".
"""
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
tf.get_logger().setLevel("ERROR")


def build():
    """The model of test_tf_roundtrip.c's graphdef test, in TF 1."""
    tf.set_random_seed(7)
    x = tf.placeholder(tf.float32, [1, 5, 5, 2], name="x")
    tf.placeholder(tf.float32, [None, 3], name="p2")
    tf.placeholder(tf.int64, None, name="p3")
    with tf.variable_scope("image_filters"):
        with tf.variable_scope("conv1"):
            w = tf.get_variable("weights", [3, 3, 2, 4], initializer=tf.random_normal_initializer(seed=1))
            b = tf.get_variable("biases", [4], initializer=tf.constant_initializer(0.1))
            h = tf.nn.relu(tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME") + b)
        with tf.variable_scope("conv2"):
            w = tf.get_variable("weights", [3, 3, 4, 4], initializer=tf.random_normal_initializer(seed=2))
            b = tf.get_variable("biases", [4], initializer=tf.zeros_initializer())
            h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(h, w, strides=[1, 2, 2, 1], padding="VALID"), b))
    r = tf.reshape(h, [1, 16])
    k = tf.get_variable("dense/kernel", [3, 16])
    y = tf.matmul(r, k, transpose_b=True, name="logits")
    step = tf.get_variable("step", [], tf.int64, initializer=tf.zeros_initializer(), trainable=False)
    tf.assign_add(step, tf.constant(1, tf.int64, name="one"))
    u = tf.Variable([1.0, 2.0], name="u")
    tf.get_variable("big", [40, 30], initializer=tf.zeros_initializer())
    tf.get_variable("iv", [2], tf.int32, initializer=tf.random_uniform_initializer(0, 10, seed=3))
    tn = tf.get_variable("tn", [2, 3], initializer=tf.truncated_normal_initializer(stddev=0.5, seed=4))
    with tf.device("/device:CPU:0"):
        tf.identity(y, name="on_cpu")
    a1 = tf.assign(u, tf.constant([3.0, 4.0], name="newu"), validate_shape=False)
    tf.assign_sub(u, tf.constant([1.0, 1.0], name="dec"))
    with tf.control_dependencies([a1]):
        z = tf.identity(y, name="z")
        tf.subtract(z, tf.constant(1.0, name="k1"), name="zm")
        tf.multiply(z, tf.constant(2.0, name="k2"), name="zt")
    tf.is_variable_initialized(tn)
    tf.constant(["a", "bc", ""], name="strs")
    tf.constant([True, False], name="bools")
    tf.constant(np.array([1.5, -2.0], np.float16), name="halfs")
    tf.constant(np.array([-3, 4], np.int8), name="i8")
    tf.constant(np.array([[1, 2], [3, 4]], np.int64), name="i64")
    tf.constant(np.array([7.0, 7.0, 7.0], np.float32), name="splat")
    tf.constant(np.float64(-0.5), name="dscalar")
    init = tf.global_variables_initializer()
    tf.no_op(name="nop")
    return x, y, init


def compare(ours, theirs, what):
    """Node names in order; per node op, inputs, device and every attr."""
    fails = []
    names = [n.name for n in ours.node]
    tnames = [n.name for n in theirs.node]
    if names != tnames:
        fails.append("node names: varscope %s, TF %s" % (names, tnames))
    tnodes = {n.name: n for n in theirs.node}
    for n in ours.node:
        t = tnodes.get(n.name)
        if t is None:
            continue
        if n.op != t.op:
            fails.append("%s: op %s, TF %s" % (n.name, n.op, t.op))
        if list(n.input) != list(t.input):
            fails.append("%s: inputs %s, TF %s" % (n.name, list(n.input), list(t.input)))
        if n.device != t.device:
            fails.append("%s: device %r, TF %r" % (n.name, n.device, t.device))
        for key in sorted(set(n.attr) | set(t.attr)):
            if key not in n.attr or key not in t.attr or n.attr[key] != t.attr[key]:
                fails.append("%s: attr %s = %s, TF %s" % (
                    n.name, key, str(n.attr[key]).replace("\n", " ") if key in n.attr else "(none)",
                    str(t.attr[key]).replace("\n", " ") if key in t.attr else "(none)"))
    if ours.versions.producer != theirs.versions.producer:
        fails.append("versions.producer %d, TF %d" % (ours.versions.producer, theirs.versions.producer))
    return [what + ": " + f for f in fails]


def main():
    ours = tf.GraphDef.FromString(open(sys.argv[1], "rb").read())
    stripped = tf.GraphDef.FromString(open(sys.argv[2], "rb").read())
    images = np.random.RandomState(0).uniform(-1, 1, size=(1, 5, 5, 2)).astype(np.float32)
    with tf.Graph().as_default() as g:
        x, y, init = build()
        theirs = g.as_graph_def()
        theirs_stripped = tf.train.export_meta_graph(strip_default_attrs=True).graph_def
        with tf.Session() as sess:
            sess.run(init)
            want = sess.run(y, {x: images})
    fails = compare(ours, theirs, "as_graph_def()")
    fails += compare(stripped, theirs_stripped, "export_meta_graph(strip_default_attrs=True)")
    try:
        with tf.Graph().as_default() as g2:
            tf.import_graph_def(ours, name="")
            with tf.Session() as sess:
                sess.run(g2.get_operation_by_name("init"))
                got = sess.run("logits:0", {"x:0": images})
        if got.tobytes() != want.tobytes():
            fails.append("imported graph's logits %s, TF's %s" % (got.tolist(), want.tolist()))
    except Exception as e:  # the import itself is under test
        fails.append("import_graph_def: %s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else ""))
    for f in fails:
        print("FAIL " + f)
    print("ok" if not fails else "failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
