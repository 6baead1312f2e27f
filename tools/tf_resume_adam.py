#!/usr/bin/env python3
"""TensorFlow resumes training from a checkpoint varscope wrote (issue 13's
round trip, optimizer state included). tests/test_optimizers.c starts it
before any OpenCL call, trains w (2x3, W0) 3 steps with AdamOptimizer(0.1)
on loss = sum((w - T)^2) with a global step, saves a V2 checkpoint with its
Saver and sends "prefix <path>" on stdin. This script builds the same graph
with tf.compat.v1, restores that checkpoint with tf.train.Saver (the slots
w/Adam and w/Adam_1, beta1_power, beta2_power and global_step by their TF
names), trains 2 more steps and prints:
    keys <the checkpoint's keys, sorted, space separated>
    losses <loss before step 4> <loss before step 5>
    w <w after step 5, 6 values>
    step <global_step>
(%.9g each), for the C test to compare with TF's uninterrupted trajectory."""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
tf.get_logger().setLevel("ERROR")
W0 = np.array([[0.5, -1, 2], [1.5, 0, -0.25]], np.float32)
T = np.array([[1, 2, 3], [-1, 0.5, 0]], np.float32)


def main():
    print("ready", flush=True)
    line = sys.stdin.readline().strip()
    if not line.startswith("prefix "):
        print("FAIL expected a prefix line, got %r" % line, flush=True)
        return 1
    prefix = line[len("prefix "):]
    keys = sorted(name for name, _ in tf.train.list_variables(prefix))
    print("keys " + " ".join(keys), flush=True)
    with tf.Graph().as_default(), tf.Session() as s:
        w = tf.get_variable("w", initializer=tf.constant(W0))
        loss = tf.reduce_sum(tf.square(w - tf.constant(T, name="T")))
        step = tf.train.get_or_create_global_step()
        train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
        tf.train.Saver().restore(s, prefix)
        losses = [s.run([loss, train])[0] for _ in range(2)]
        print("losses " + " ".join("%.9g" % x for x in losses), flush=True)
        print("w " + " ".join("%.9g" % x for x in s.run(w).ravel()), flush=True)
        print("step %d" % s.run(step), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
