#!/usr/bin/env python3
"""TensorFlow's side of bench/train_bench: the model of examples/cnn_model.h
(conv 3x3x1x8, conv 3x3x8x8 stride 2, dense 288x2, mean squared error; or
with --mlp the dense 144-72-288-2 network of the same widths) trained by
AdamOptimizer(0.01).minimize with a global step, fed one generated batch per
step (needs tensorflow-cpu: the oracle's venv has it).

  train_tf.py [--mlp] STEPS REPS BATCH...   TF's figures on their own
  train_tf.py [--mlp] --serve               a co-process of train_bench

The first prints "tf_version V" and, per batch size, "steps_per_s BATCH S"
(median of REPS timings of STEPS steps, after 20 warm-up steps). With
--serve it prints "label TensorFlow V CPU", then reads requests on stdin,
one a line, "run <index> <reps> <batch> <steps>", and answers each with
"result <index> <seconds> <cpu seconds>" (median wall and CPU seconds, all
the process's threads, of reps timings of that many steps) or
"unavailable <why>", until EOF: a batch size's model and session are built
on its first request (with the 20 warm-up steps) and kept while the
requests stay on it, so train_bench can time TF and varscope back to back,
round by round, in the same minutes (bench/peer.h)."""
import os
import sys

from peer_serve import serve, timed

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
try:
    import numpy as np  # noqa: E402
    import tensorflow.compat.v1 as tf  # noqa: E402
except ImportError as e:
    print("unavailable %s" % e, flush=True)
    sys.exit(3)

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


class Trainer:
    """One batch size's model and session, warmed up; steps(n) runs n
    training steps."""

    def __init__(self, batch, mlp, rng):
        self.graph = tf.Graph()
        with self.graph.as_default():
            tf.set_random_seed(1)
            self.x, self.y, self.loss, self.train = build(batch, mlp)
            self.sess = tf.Session()
            self.sess.run(tf.global_variables_initializer())
        self.data = batches(8, batch, rng)
        self.steps(20)  # warm-up

    def steps(self, n):
        for i in range(n):
            x, y = self.data[i % 8]
            self.sess.run([self.loss, self.train], {self.x: x, self.y: y})

    def close(self):
        self.sess.close()


def main():
    args = sys.argv[1:]
    mlp = "--mlp" in args
    args = [a for a in args if a != "--mlp"]
    if args == ["--serve"]:
        print("label TensorFlow %s CPU" % tf.__version__, flush=True)
        rng = np.random.default_rng(7)

        def make(i, batch, steps):
            trainer = Trainer(batch, mlp, rng)
            return lambda: trainer.steps(max(1, steps)), trainer.close
        serve(["batch", "steps"], make)
        return
    steps, reps, sizes = int(args[0]), int(args[1]), [int(a) for a in args[2:]]
    print("tf_version %s" % tf.__version__)
    rng = np.random.default_rng(7)
    for batch in sizes:
        trainer = Trainer(batch, mlp, rng)
        t, _ = timed(lambda: trainer.steps(steps), reps)
        trainer.close()
        print("steps_per_s %d %.1f" % (batch, steps / t))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
