#!/usr/bin/env python3
"""The peers' figures for the shapes of bench/conv_bench: conv2d +
bias_add + relu forward (NHWC, SAME; stride 1, stride 2 for the
downsampling cases 5-7), median of N runs.

  python3 bench/conv_tf.py [reps] [case index ...]   TF's table on its own
  python3 bench/conv_tf.py [PEER] --serve            a co-process of conv_bench

PEER (default tf):
  tf          TensorFlow's CPU build, inputs in variables, the op as a
              target (needs tensorflow-cpu; the oracle's venv has it)
  torch       PyTorch, on CUDA when a GPU is there (cuDNN, channels_last
              inputs, cudnn.benchmark, TF32 off: FP32), else the CPU
  torch-tf32  the same with TF32 allowed in cuDNN and cuBLAS (what TF
              uses by default on Ampere and later GPUs)

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

from peer_serve import serve, timed

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
PEER = sys.argv[1] if len(sys.argv) > 2 and sys.argv[2] == "--serve" else "tf"
if PEER not in ("tf", "torch", "torch-tf32"):
    print("unavailable no peer %r (tf, torch or torch-tf32)" % PEER, flush=True)
    sys.exit(2)
try:
    if PEER == "tf":
        import tensorflow.compat.v1 as tf  # noqa: E402
        tf.disable_v2_behavior()
    else:
        import torch  # noqa: E402
        if PEER == "torch-tf32" and not torch.cuda.is_available():
            raise ImportError("torch-tf32: PyTorch sees no CUDA GPU (TF32 is a GPU mode)")
except ImportError as e:
    print("unavailable %s" % e, flush=True)
    sys.exit(3)
# (what, n, h, w, c, k, kernel size, stride): bench/conv_bench.c's CASES, same order.
CASES = [("image filter 5x5 32->32", 8, 64, 64, 32, 32, 5, 1), ("image filter 5x5 32->32", 32, 64, 64, 32, 32, 5, 1),
         ("image filter 5x5 32->32", 8, 128, 128, 32, 32, 5, 1), ("image filter 5x5 32->32", 32, 128, 128, 32, 32, 5, 1),
         ("3x3 64->64", 8, 64, 64, 64, 64, 3, 1),
         ("3x3/2 64->64", 8, 64, 64, 64, 64, 3, 2), ("3x3/2 32->64", 8, 128, 128, 32, 64, 3, 2),
         ("1x1/2 64->128", 8, 64, 64, 64, 128, 1, 2), ("1x1 64->256", 8, 64, 64, 64, 256, 1, 1)]


class TFCase:
    """One case's graph and session, warmed up; run() runs it once."""

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

    def run(self):
        self.sess.run(self.y.op)

    def close(self):
        self.sess.close()


class TorchCase:
    """One case as PyTorch runs it, warmed up (cudnn.benchmark has chosen
    its algorithm in the warm-up runs): F.conv2d with the bias, then an
    in-place relu, on channels_last (NHWC in memory) inputs. SAME with an
    odd filter is ks // 2 on each side: TF pads stride-2 layers at the
    bottom and right only, but the output's extent and the work are the
    same."""

    def __init__(self, i):
        what, n, h, w, c, k, ks, sd = CASES[i]
        self.dev = "cuda" if torch.cuda.is_available() else "cpu"
        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = PEER == "torch-tf32"
        cl = torch.channels_last
        self.x = (torch.rand(n, c, h, w, device=self.dev) * 2 - 1).contiguous(memory_format=cl)
        self.f = (torch.rand(k, c, ks, ks, device=self.dev) * 0.2 - 0.1).contiguous(memory_format=cl)
        self.b = torch.zeros(k, device=self.dev)
        self.stride, self.pad = sd, ks // 2
        with torch.no_grad():
            for _ in range(3):
                self.run()

    def run(self):
        with torch.no_grad():
            torch.relu_(torch.nn.functional.conv2d(self.x, self.f, self.b, self.stride, self.pad))
        if self.dev == "cuda":
            torch.cuda.synchronize()

    def close(self):
        pass


def label():
    if PEER == "tf":
        return "TensorFlow %s CPU (threads: %s)" % (tf.__version__, os.environ.get("TF_NUM_INTRAOP_THREADS", "default"))
    dev = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
    lib = "cuDNN %s" % torch.backends.cudnn.version() if torch.cuda.is_available() else "threads %d" % torch.get_num_threads()
    return "PyTorch %s on %s (%s, %s)" % (torch.__version__, dev, lib, "TF32" if PEER == "torch-tf32" else "FP32")


def make(i):
    """conv_bench's case i as this peer runs it: its run() and close()."""
    if not 0 <= i < len(CASES):
        raise ValueError("no case %d (0-%d)" % (i, len(CASES) - 1))
    case = (TFCase if PEER == "tf" else TorchCase)(i)
    return case.run, case.close


def main():
    print("label %s" % label(), flush=True)
    if sys.argv[-1:] == ["--serve"]:
        serve([], make)
        return
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    only = {int(a) for a in sys.argv[2:]}
    print("TensorFlow %s CPU: conv2d + bias_add + relu forward, median of %d runs" % (tf.__version__, reps))
    for i, (what, n, h, w, c, k, ks, sd) in enumerate(CASES):
        if only and i not in only:
            continue
        case = TFCase(i)
        t, cpu = timed(case.run, reps)
        case.close()
        flop = 2.0 * n * -(-h // sd) * -(-w // sd) * ks * ks * c * k
        print("result %d %.9f %.9f" % (i, t, cpu))
        print("  %-26s %-18s %10.2f %10.1f" % (what, "%dx%dx%dx%d" % (n, h, w, c), t * 1e3, flop / t / 1e9))


if __name__ == "__main__":
    main()
