#!/usr/bin/env python3
"""Writes conformance/golden/train/: TensorFlow checkpoints of a model in
mid-training, slots included, that varscope restores and trains on
(conformance case training/optimizer_resumes_tf_checkpoint_with_slots).

adam_3_steps/model.ckpt: w = W0 (2x3) trained 3 steps by AdamOptimizer(0.1)
on loss = sum((w - T)^2) with a global step; the variables saved by
tf.train.Saver (V2): w, w/Adam, w/Adam_1, beta1_power, beta2_power,
global_step. Prints the losses and w after 2 more steps, which the case and
its twin hold as constants. Run with the oracle's python:
  ~/.cache/varscope/oracle-venv/bin/python tools/make_train_goldens.py"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "conformance", "golden", "train", "adam_3_steps")
W0 = np.array([[0.5, -1, 2], [1.5, 0, -0.25]], np.float32)
T = np.array([[1, 2, 3], [-1, 0.5, 0]], np.float32)


def main():
    os.makedirs(OUT, exist_ok=True)
    with tf.Graph().as_default(), tf.Session() as s:
        w = tf.get_variable("w", initializer=tf.constant(W0))
        loss = tf.reduce_sum(tf.square(w - tf.constant(T, name="T")))
        step = tf.train.get_or_create_global_step()
        train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
        s.run(tf.global_variables_initializer())
        for _ in range(3):
            s.run(train)
        tf.train.Saver().save(s, os.path.join(OUT, "model.ckpt"), write_meta_graph=False)
        losses = [s.run([loss, train])[0] for _ in range(2)]
        print("losses", ", ".join("%.9gf" % x for x in losses))
        print("w", ", ".join("%.9gf" % x for x in s.run(w).ravel()))
        print("global_step", s.run(step))
    os.remove(os.path.join(OUT, "checkpoint"))  # the state file: the case names the prefix


if __name__ == "__main__":
    main()
