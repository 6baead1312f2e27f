#!/usr/bin/env python3
"""Writes the gradients TensorFlow computes (tf.compat.v1 graph mode,
tf.gradients) for the training suite's fixtures into
conformance/golden/grad/<fixture>/: the inputs (<name>.npy), the loss
(loss.npy) and the gradient of the loss with respect to each input
(d_<name>.npy), all float32. conformance/cases/training.c rebuilds each graph
with varscope and compares; the twins in conformance/oracle/training.py
rebuild it with TensorFlow and compare with the same files.

Inputs are uniform in [-1, 1) from NumPy's RandomState(20261130 + index), so
a fixture added at the end leaves the others' files as they were.

Usage: python3 tools/make_grad_goldens.py   (needs tensorflow-cpu and numpy)
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance", "golden", "grad")


def mlp(t):
    y = tf.matmul(t["x"], t["w"]) + t["b"]
    return tf.reduce_mean(tf.square(y - 1.0))


def matmul(ta, tb):
    def build(t):
        return tf.reduce_sum(tf.matmul(t["a"], t["b"], transpose_a=ta, transpose_b=tb) * t["c"])
    return build


def broadcast(t):
    z = (t["x"] * t["y"] - t["s"]) + t["y"]
    return tf.reduce_sum(tf.square(z / (t["s"] * t["s"] + 1.0)))


def reductions(t):
    m = tf.reduce_mean(t["x"], axis=[0, 2], keepdims=True)
    s = tf.reduce_sum(t["x"], axis=[1])
    return tf.reduce_sum(m * t["c"]) + tf.reduce_mean(tf.square(s))


def activations(t):
    y = tf.nn.relu(tf.nn.bias_add(t["x"], t["b"]))
    return tf.reduce_mean(tf.tanh(y) * tf.sigmoid(t["x"]) - y)


def reshape(t):
    r = tf.reshape(t["x"], [4, 6])
    return tf.reduce_sum(tf.square(tf.matmul(r, t["w"])))


def conv(strides, padding, dilations):
    def build(t):
        y = tf.nn.conv2d(t["x"], t["f"], [1] + strides + [1], padding, dilations=[1] + dilations + [1])
        return tf.reduce_mean(tf.square(y))
    return build


def pools(t):
    p = tf.nn.max_pool(t["x"], [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    q = tf.nn.avg_pool(t["x"], [1, 3, 2, 1], [1, 1, 2, 1], "SAME")
    return tf.reduce_mean(tf.square(p)) + tf.reduce_mean(tf.square(q))


def pools_same(t):
    p = tf.nn.max_pool(t["x"], [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
    q = tf.nn.avg_pool(t["x"], [1, 2, 3, 1], [1, 2, 1, 1], "VALID")
    return tf.reduce_sum(p * t["c"]) + tf.reduce_mean(tf.square(q))


def cnn(t):
    h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(t["x"], t["f"], [1, 1, 1, 1], "SAME"), t["b"]))
    p = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    y = tf.matmul(tf.reshape(p, [2, 36]), t["w"])
    return tf.reduce_mean(tf.square(y - 0.5))


def sigmoid_xent(t):
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=t["z"], logits=t["x"] * 3.0))


def mse(t):
    return tf.losses.mean_squared_error(t["l"], t["p"])


def leaky_relu(t):
    return tf.reduce_sum(tf.square(tf.maximum(t["x"] * 0.2, t["x"])) * t["c"])


def broadcast_nd(t):
    return tf.reduce_sum(tf.square(t["x"] * t["y"] + t["z"] - t["x"]))


def softmax_xent(t):
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=t["z"], logits=t["x"] * 2.0))


# name, input shapes, loss builder
FIXTURES = [
    ("mlp", {"x": [3, 5], "w": [5, 2], "b": [2]}, mlp),
    ("matmul_plain", {"a": [3, 5], "b": [5, 4], "c": [3, 4]}, matmul(False, False)),
    ("matmul_ta", {"a": [5, 3], "b": [5, 4], "c": [3, 4]}, matmul(True, False)),
    ("matmul_tb", {"a": [3, 5], "b": [4, 5], "c": [3, 4]}, matmul(False, True)),
    ("matmul_tab", {"a": [5, 3], "b": [4, 5], "c": [3, 4]}, matmul(True, True)),
    ("broadcast", {"x": [4, 3], "y": [3], "s": []}, broadcast),
    ("reductions", {"x": [2, 3, 5], "c": [1, 3, 1]}, reductions),
    ("activations", {"x": [4, 7], "b": [7]}, activations),
    ("reshape", {"x": [2, 3, 4], "w": [6, 5]}, reshape),
    ("conv_same_s2x1", {"x": [2, 7, 6, 3], "f": [3, 2, 3, 4]}, conv([2, 1], "SAME", [1, 1])),
    ("conv_valid_s2", {"x": [2, 9, 7, 3], "f": [3, 3, 3, 5]}, conv([2, 2], "VALID", [1, 1])),
    ("conv_valid_dilated", {"x": [1, 9, 8, 2], "f": [3, 2, 2, 3]}, conv([1, 1], "VALID", [2, 2])),
    ("conv_same_5x5", {"x": [1, 6, 5, 2], "f": [5, 5, 2, 3]}, conv([1, 1], "SAME", [1, 1])),
    ("pools", {"x": [2, 7, 6, 3]}, pools),
    ("pools_same", {"x": [2, 7, 5, 2], "c": [2, 4, 3, 2]}, pools_same),
    ("cnn", {"x": [2, 5, 6, 3], "f": [3, 3, 3, 4], "b": [4], "w": [36, 3]}, cnn),
    ("sigmoid_xent", {"x": [4, 5], "z": [4, 5]}, sigmoid_xent),
    ("mse", {"p": [3, 7], "l": [3, 7]}, mse),
    ("leaky_relu", {"x": [5, 6], "c": [6]}, leaky_relu),
    ("broadcast_nd", {"x": [3, 1], "y": [3, 4], "z": [1, 4]}, broadcast_nd),
    ("softmax_xent", {"x": [4, 6], "z": [4, 6]}, softmax_xent),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    for i, (name, shapes, build) in enumerate(FIXTURES):
        rng = np.random.RandomState(20261130 + i)
        arrays = {k: rng.uniform(-1, 1, size=v).astype(np.float32) for k, v in shapes.items()}
        with tf.Graph().as_default(), tf.Session() as sess:
            t = {k: tf.constant(v, name=k) for k, v in arrays.items()}
            loss = build(t)
            names = sorted(t)
            grads = tf.gradients(loss, [t[k] for k in names])
            out = sess.run([loss] + grads)
        folder = os.path.join(OUT, name)
        os.makedirs(folder, exist_ok=True)
        for k, v in arrays.items():
            np.save(os.path.join(folder, k + ".npy"), v)
        np.save(os.path.join(folder, "loss.npy"), np.asarray(out[0], np.float32))
        for k, g in zip(names, out[1:]):
            np.save(os.path.join(folder, "d_" + k + ".npy"), np.asarray(g, np.float32))
    print("wrote %d fixtures under %s (tensorflow %s)" % (len(FIXTURES), OUT, tf.__version__))


if __name__ == "__main__":
    main()
