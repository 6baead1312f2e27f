#!/usr/bin/env python3
"""TensorFlow's side of bench/exec_bench: the same workloads through
tf.compat.v1's Python session, printed as "key value" lines that
exec_bench reads and prints beside its own figures.

Usage: python3 bench/exec_tf.py [--paired] SIZES...   (graph sizes in
variables, e.g. 10 1000 10000; needs tensorflow-cpu, which the oracle's
venv has).

--paired: after its figures, print "tiny_ready" and then run one block of
tiny runs per "go" line read from stdin (printing "tiny_block_us X"), until
"quit" or end of input. exec_bench alternates these blocks with its own, so
that the tiny-run ratio compares the two under the same load (the machine's
load moves TF's figure 2x between runs)."""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
PER_SCOPE = 100  # variables per variable_scope, as exec_bench builds them


def median(xs):
    return sorted(xs)[len(xs) // 2]


def graph_of(n):
    """n variables of 256 floats, PER_SCOPE per scope; returns the graph and
    one variable in its middle."""
    g = tf.Graph()
    with g.as_default():
        vs = []
        t0 = time.perf_counter()
        for s in range((n + PER_SCOPE - 1) // PER_SCOPE):
            with tf.variable_scope("s%d" % s):
                for i in range(min(PER_SCOPE, n - s * PER_SCOPE)):
                    vs.append(tf.get_variable("v%d" % i, [256]))
        build = time.perf_counter() - t0
        init = tf.global_variables_initializer()
    return g, vs[len(vs) // 2], init, build


def main():
    args = sys.argv[1:]
    paired = "--paired" in args
    sizes = [int(a) for a in args if a != "--paired"] or [10, 1000, 10000]
    print("tf_version %s" % tf.__version__)
    for n in sizes:
        g, v, init, build = graph_of(n)
        with g.as_default(), tf.Session() as sess:
            sess.run(init)
            t0 = time.perf_counter()
            sess.run(v)
            first = time.perf_counter() - t0
            times = []
            for _ in range(21):
                t0 = time.perf_counter()
                sess.run(v)
                times.append(time.perf_counter() - t0)
            print("fetch_ms %d %.4f" % (n, median(times) * 1e3))
            if n == max(sizes):
                print("build_us_per_var %d %.2f" % (n, build / n * 1e6))
                print("first_fetch_ms %d %.4f" % (n, first * 1e3))
                t0 = time.perf_counter()
                sess.run(init)
                print("reinit_s %d %.4f" % (n, time.perf_counter() - t0))
    with tf.Graph().as_default(), tf.Session() as sess:
        c = tf.get_variable("counter", [], initializer=tf.zeros_initializer())
        add = tf.assign_add(c, 1.0)
        sess.run(tf.global_variables_initializer())
        for _ in range(100):
            sess.run(add)
        runs = 2000
        t0 = time.perf_counter()
        for _ in range(runs):
            sess.run(add)
        print("tiny_run_us %.2f" % ((time.perf_counter() - t0) / runs * 1e6))
        if not paired:
            return
        print("tiny_ready", flush=True)
        for line in sys.stdin:
            if line.strip() != "go":
                break
            t0 = time.perf_counter()
            for _ in range(runs):
                sess.run(add)
            print("tiny_block_us %.2f" % ((time.perf_counter() - t0) / runs * 1e6), flush=True)


if __name__ == "__main__":
    main()
