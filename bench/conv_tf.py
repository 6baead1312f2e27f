#!/usr/bin/env python3
"""TensorFlow's CPU figures for the shapes of bench/conv_bench: conv2d +
bias_add + relu forward (NHWC, SAME; stride 1, stride 2 for the
downsampling cases 5-7), inputs in variables, median
of N runs of the op as a target. Usage: python3 bench/conv_tf.py [reps]
[case index ...] (needs tensorflow-cpu; the oracle's venv has it). Besides
the table, prints "label ..." and "result <case> <seconds> <cpu seconds>"
lines (CPU time of all the process's threads), which
bench/conv_bench reads when it runs this script beside its own figures."""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
# (what, n, h, w, c, k, kernel size, stride): bench/conv_bench.c's CASES, same order.
CASES = [("image filter 5x5 32->32", 8, 64, 64, 32, 32, 5, 1), ("image filter 5x5 32->32", 32, 64, 64, 32, 32, 5, 1),
         ("image filter 5x5 32->32", 8, 128, 128, 32, 32, 5, 1), ("image filter 5x5 32->32", 32, 128, 128, 32, 32, 5, 1),
         ("3x3 64->64", 8, 64, 64, 64, 64, 3, 1),
         ("3x3/2 64->64", 8, 64, 64, 64, 64, 3, 2), ("3x3/2 32->64", 8, 128, 128, 32, 64, 3, 2),
         ("1x1/2 64->128", 8, 64, 64, 64, 128, 1, 2), ("1x1 64->256", 8, 64, 64, 64, 256, 1, 1)]


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    only = {int(a) for a in sys.argv[2:]}
    print("label TensorFlow %s CPU" % tf.__version__)
    print("TensorFlow %s CPU: conv2d + bias_add + relu forward, median of %d runs (threads: %s)"
          % (tf.__version__, reps, os.environ.get("TF_NUM_INTRAOP_THREADS", "default")))
    for i, (what, n, h, w, c, k, ks, sd) in enumerate(CASES):
        if only and i not in only:
            continue
        with tf.Graph().as_default(), tf.Session() as sess:
            x = tf.get_variable("x", [n, h, w, c], initializer=tf.random_uniform_initializer(-1, 1))
            f = tf.get_variable("f", [ks, ks, c, k])
            b = tf.get_variable("b", [k], initializer=tf.zeros_initializer())
            y = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, f, [1, sd, sd, 1], "SAME"), b))
            sess.run(tf.global_variables_initializer())
            for _ in range(2):
                sess.run(y.op)
            times, cpus = [], []
            for _ in range(reps):
                t0, c0 = time.perf_counter(), time.process_time()
                sess.run(y.op)
                times.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
            t, cpu = sorted(times)[reps // 2], sorted(cpus)[reps // 2]
            flop = 2.0 * n * -(-h // sd) * -(-w // sd) * ks * ks * c * k
            print("result %d %.9f %.9f" % (i, t, cpu))
            print("  %-26s %-18s %10.2f %10.1f" % (what, "%dx%dx%dx%d" % (n, h, w, c), t * 1e3, flop / t / 1e9))


if __name__ == "__main__":
    main()
