#!/usr/bin/env python3
"""TensorFlow's CPU figures for the shapes of bench/conv_bench: conv2d +
bias_add + relu forward (NHWC, SAME; stride 1, stride 2 for the
downsampling cases 5-7), inputs in variables, median of N runs of the op as
a target (needs tensorflow-cpu; the oracle's venv has it).

  python3 bench/conv_tf.py [reps] [case index ...]   TF's table on its own
  python3 bench/conv_tf.py --serve                   a co-process of conv_bench

Both print "label ..." first and "result <case> <seconds> <cpu seconds>"
lines (median wall and CPU seconds of the reps runs; CPU time of all the
process's threads). With --serve it then reads requests on stdin, one a
line, "run <case> <reps>", and answers each with one result line (or
"unavailable <why>"), until EOF: the case's graph and session are built on
its first request (with two untimed warm-up runs) and kept while the
requests stay on that case, so conv_bench can time TF and varscope back to
back, round by round, in the same minutes (bench/peer.h)."""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
try:
    import tensorflow.compat.v1 as tf  # noqa: E402
except ImportError as e:
    print("unavailable %s" % e, flush=True)
    sys.exit(3)

tf.disable_v2_behavior()
# (what, n, h, w, c, k, kernel size, stride): bench/conv_bench.c's CASES, same order.
CASES = [("image filter 5x5 32->32", 8, 64, 64, 32, 32, 5, 1), ("image filter 5x5 32->32", 32, 64, 64, 32, 32, 5, 1),
         ("image filter 5x5 32->32", 8, 128, 128, 32, 32, 5, 1), ("image filter 5x5 32->32", 32, 128, 128, 32, 32, 5, 1),
         ("3x3 64->64", 8, 64, 64, 64, 64, 3, 1),
         ("3x3/2 64->64", 8, 64, 64, 64, 64, 3, 2), ("3x3/2 32->64", 8, 128, 128, 32, 64, 3, 2),
         ("1x1/2 64->128", 8, 64, 64, 64, 128, 1, 2), ("1x1 64->256", 8, 64, 64, 64, 256, 1, 1)]


class Case:
    """One case's graph and session, warmed up: time(reps) is its median
    wall and CPU seconds over reps runs."""

    def __init__(self, i):
        what, n, h, w, c, k, ks, sd = CASES[i]
        self.graph = tf.Graph()
        with self.graph.as_default():
            x = tf.get_variable("x", [n, h, w, c], initializer=tf.random_uniform_initializer(-1, 1))
            f = tf.get_variable("f", [ks, ks, c, k])
            b = tf.get_variable("b", [k], initializer=tf.zeros_initializer())
            self.y = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, f, [1, sd, sd, 1], "SAME"), b))
            self.sess = tf.Session()
            self.sess.run(tf.global_variables_initializer())
        for _ in range(2):
            self.sess.run(self.y.op)

    def time(self, reps):
        times, cpus = [], []
        for _ in range(reps):
            t0, c0 = time.perf_counter(), time.process_time()
            self.sess.run(self.y.op)
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        return sorted(times)[reps // 2], sorted(cpus)[reps // 2]

    def close(self):
        self.sess.close()


def serve():
    """Answers "run <case> <reps>" lines on stdin until EOF."""
    case, index = None, -1
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if words[0] != "run" or len(words) != 3:
                raise ValueError("bad request %r (want: run <case> <reps>)" % line.strip())
            i, reps = int(words[1]), max(1, int(words[2]))
            if not 0 <= i < len(CASES):
                raise ValueError("no case %d (0-%d)" % (i, len(CASES) - 1))
            if i != index:
                if case:
                    case.close()
                case, index = None, -1
                case, index = Case(i), i
            t, cpu = case.time(reps)
        except Exception as e:  # noqa: BLE001 - any failure is the peer's answer, not a crash
            print("unavailable %s" % str(e).replace("\n", " ")[:500], flush=True)
            continue
        print("result %d %.9f %.9f" % (i, t, cpu), flush=True)


def main():
    print("label TensorFlow %s CPU (threads: %s)" % (tf.__version__, os.environ.get("TF_NUM_INTRAOP_THREADS", "default")),
          flush=True)
    if sys.argv[1:] == ["--serve"]:
        serve()
        return
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    only = {int(a) for a in sys.argv[2:]}
    print("TensorFlow %s CPU: conv2d + bias_add + relu forward, median of %d runs" % (tf.__version__, reps))
    for i, (what, n, h, w, c, k, ks, sd) in enumerate(CASES):
        if only and i not in only:
            continue
        case = Case(i)
        t, cpu = case.time(reps)
        case.close()
        flop = 2.0 * n * -(-h // sd) * -(-w // sd) * ks * ks * c * k
        print("result %d %.9f %.9f" % (i, t, cpu))
        print("  %-26s %-18s %10.2f %10.1f" % (what, "%dx%dx%dx%d" % (n, h, w, c), t * 1e3, flop / t / 1e9))


if __name__ == "__main__":
    main()
