#!/usr/bin/env python3
"""Writes the golden outputs of conv2d, bias_add, relu, matmul, conv + biases
(`+`) and reshape computed by TensorFlow (tf.compat.v1, graph mode) into
conformance/golden/nn/ (used by tests/test_nn.c and the conformance numerics
suite, conformance/cases/numerics.c and its twins).

Each case is a folder of float32 .npy files (inputs and the expected output)
plus a line in cases.txt describing the op, so the C tests can rebuild the
same graph with varscope and compare. Inputs come from a fixed NumPy seed,
so regenerating gives the same files.

Usage: python3 tools/make_nn_goldens.py   (needs tensorflow-cpu and numpy)
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance", "golden", "nn")

# name, op, shapes, attrs
CASES = [
    ("conv_same_s1", "conv2d", {"x": [1, 6, 5, 3], "f": [3, 3, 3, 4]}, {"strides": [1, 1], "padding": "SAME", "dilations": [1, 1]}),
    ("conv_valid_s2", "conv2d", {"x": [2, 9, 7, 3], "f": [3, 3, 3, 5]}, {"strides": [2, 2], "padding": "VALID", "dilations": [1, 1]}),
    ("conv_same_s2_5x5", "conv2d", {"x": [2, 8, 7, 4], "f": [5, 5, 4, 3]}, {"strides": [2, 2], "padding": "SAME", "dilations": [1, 1]}),
    ("conv_same_s2x1", "conv2d", {"x": [1, 7, 6, 2], "f": [2, 3, 2, 3]}, {"strides": [2, 1], "padding": "SAME", "dilations": [1, 1]}),
    ("conv_dilated", "conv2d", {"x": [1, 9, 9, 2], "f": [3, 3, 2, 2]}, {"strides": [1, 1], "padding": "SAME", "dilations": [2, 2]}),
    ("conv_valid_dilated", "conv2d", {"x": [1, 10, 8, 3], "f": [3, 2, 3, 2]}, {"strides": [1, 1], "padding": "VALID", "dilations": [2, 3]}),
    ("conv_1x1", "conv2d", {"x": [2, 4, 4, 8], "f": [1, 1, 8, 6]}, {"strides": [1, 1], "padding": "VALID", "dilations": [1, 1]}),
    ("conv_bias_relu", "conv_bias_relu", {"x": [2, 8, 8, 32], "f": [5, 5, 32, 32], "b": [32]}, {"strides": [1, 1], "padding": "SAME", "dilations": [1, 1]}),
    ("bias_add_rank2", "bias_add", {"x": [3, 5], "b": [5]}, {}),
    ("relu", "relu", {"x": [4, 7]}, {}),
    ("matmul", "matmul", {"a": [3, 5], "b": [5, 4]}, {"transpose_a": False, "transpose_b": False}),
    ("matmul_ta", "matmul", {"a": [5, 3], "b": [5, 4]}, {"transpose_a": True, "transpose_b": False}),
    ("matmul_tb", "matmul", {"a": [3, 5], "b": [4, 5]}, {"transpose_a": False, "transpose_b": True}),
    ("matmul_tab", "matmul", {"a": [5, 3], "b": [4, 5]}, {"transpose_a": True, "transpose_b": True}),
    # Added for the conformance numerics suite (conformance/cases/numerics.c); new cases go
    # last, so the random inputs of the ones above stay as they were.
    # conv + biases through `+` (AddV2 with a trailing-dims operand); conv.npy keeps the conv alone.
    ("conv_add_bias", "conv_add_bias", {"x": [2, 6, 5, 3], "f": [3, 3, 3, 4], "b": [4]}, {"strides": [1, 1], "padding": "SAME", "dilations": [1, 1]}),
    # tf.reshape(x, [-1, 6]): the inferred dimension is 4.
    ("reshape_infer", "reshape", {"x": [2, 3, 4]}, {"shape": [-1, 6]}),
]


def main():
    rng = np.random.RandomState(20261126)
    os.makedirs(OUT, exist_ok=True)
    lines = ["# name op strides_h strides_w padding dilation_h dilation_w transpose_a transpose_b (written by tools/make_nn_goldens.py with tensorflow %s)" % tf.__version__]
    for name, op, shapes, attrs in CASES:
        arrays = {k: rng.uniform(-1, 1, size=v).astype(np.float32) for k, v in shapes.items()}
        with tf.Graph().as_default(), tf.Session() as sess:
            t = {k: tf.constant(v) for k, v in arrays.items()}
            extra = {}
            if op in ("conv2d", "conv_bias_relu", "conv_add_bias"):
                s, d = attrs["strides"], attrs["dilations"]
                y = tf.nn.conv2d(t["x"], t["f"], [1, s[0], s[1], 1], attrs["padding"], dilations=[1, d[0], d[1], 1])
                if op == "conv_bias_relu":
                    y = tf.nn.relu(tf.nn.bias_add(y, t["b"]))
                elif op == "conv_add_bias":
                    extra["conv"] = y
                    y = y + t["b"]
            elif op == "reshape":
                y = tf.reshape(t["x"], attrs["shape"])
            elif op == "bias_add":
                y = tf.nn.bias_add(t["x"], t["b"])
            elif op == "relu":
                y = tf.nn.relu(t["x"])
            else:
                y = tf.matmul(t["a"], t["b"], transpose_a=attrs["transpose_a"], transpose_b=attrs["transpose_b"])
            out, extra = sess.run((y, extra))
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        for k, v in arrays.items():
            np.save(os.path.join(folder, k + ".npy"), v)
        np.save(os.path.join(folder, "out.npy"), out.astype(np.float32))
        for k, v in extra.items():
            np.save(os.path.join(folder, k + ".npy"), v.astype(np.float32))
        s = attrs.get("strides", [1, 1])
        d = attrs.get("dilations", [1, 1])
        lines.append("%s %s %d %d %s %d %d %d %d" % (name, op, s[0], s[1], attrs.get("padding", "-"), d[0], d[1],
                                                     attrs.get("transpose_a", False), attrs.get("transpose_b", False)))
    with open(os.path.join(OUT, "cases.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
