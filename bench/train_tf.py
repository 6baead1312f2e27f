#!/usr/bin/env python3
"""TensorFlow's side of bench/train_bench: the model of examples/cnn_model.h
(conv 3x3x1x8, conv 3x3x8x8 stride 2, dense 288x2, mean squared error; or
with --mlp the dense 144-72-288-2 network of the same widths) trained by
AdamOptimizer(0.01).minimize with a global step, fed one generated batch per
step. Prints "tf_version V" and, per batch size, "steps_per_s BATCH S"
(median of REPS timings of STEPS steps, after 20 warm-up steps).
Usage: train_tf.py [--mlp] STEPS REPS BATCH... (needs tensorflow-cpu: the
oracle's venv has it)."""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
SIDE, CLASSES, FLAT = 12, 2, 6 * 6 * 8


def dense(scope, x, nin, nout, relu):
    with tf.variable_scope(scope):
        w = tf.get_variable("weights", [nin, nout])
        b = tf.get_variable("biases", [nout], initializer=tf.zeros_initializer())
        y = tf.nn.bias_add(tf.matmul(x, w), b)
        return tf.nn.relu(y) if relu else y


def conv(scope, x, cin, cout, stride):
    with tf.variable_scope(scope):
        w = tf.get_variable("weights", [3, 3, cin, cout])
        b = tf.get_variable("biases", [cout], initializer=tf.zeros_initializer())
        return tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w, [1, stride, stride, 1], "SAME"), b))


def build(batch, mlp):
    x = tf.placeholder(tf.float32, [batch, SIDE, SIDE, 1], name="x")
    y = tf.placeholder(tf.float32, [batch, CLASSES], name="y")
    if mlp:
        h = tf.reshape(x, [batch, SIDE * SIDE])
        h = dense("dense1", h, SIDE * SIDE, 72, True)
        h = dense("dense2", h, 72, FLAT, True)
    else:
        h = conv("conv1", x, 1, 8, 1)
        h = conv("conv2", h, 8, 8, 2)
        h = tf.reshape(h, [batch, FLAT])
    logits = dense("logits", h, FLAT, CLASSES, False)
    loss = tf.reduce_mean(tf.square(logits - y))
    step = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer(0.01).minimize(loss, global_step=step)
    return x, y, loss, train


def batches(n, batch, rng):
    out = []
    for _ in range(n):
        x = 0.3 * rng.random((batch, SIDE, SIDE, 1), dtype=np.float32)
        y = np.zeros((batch, CLASSES), np.float32)
        cls = rng.integers(0, 2, batch)
        at = rng.integers(0, SIDE, batch)
        for i in range(batch):
            if cls[i]:
                x[i, :, at[i], 0] += 1
            else:
                x[i, at[i], :, 0] += 1
            y[i, cls[i]] = 1
        out.append((x, y))
    return out


def main():
    args = sys.argv[1:]
    mlp = "--mlp" in args
    args = [a for a in args if a != "--mlp"]
    steps, reps, sizes = int(args[0]), int(args[1]), [int(a) for a in args[2:]]
    print("tf_version %s" % tf.__version__)
    rng = np.random.default_rng(7)
    for batch in sizes:
        with tf.Graph().as_default(), tf.Session() as sess:
            tf.set_random_seed(1)
            x, y, loss, train = build(batch, mlp)
            sess.run(tf.global_variables_initializer())
            data = batches(8, batch, rng)
            for i in range(20):  # warm-up
                sess.run([loss, train], {x: data[i % 8][0], y: data[i % 8][1]})
            times = []
            for _ in range(reps):
                t0 = time.perf_counter()
                for i in range(steps):
                    sess.run([loss, train], {x: data[i % 8][0], y: data[i % 8][1]})
                times.append(time.perf_counter() - t0)
            t = sorted(times)[reps // 2]
            print("steps_per_s %d %.1f" % (batch, steps / t))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
