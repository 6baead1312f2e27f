#!/usr/bin/env python3
"""The peers' SGEMM figures for bench/gemm_bench: C = A x B, n x n x n
float32, inputs in variables, median of N runs of the op as a target.

Usage: python3 bench/gemm_tf.py tf|torch|torch-tf32|onednn reps n [n ...]
       python3 bench/gemm_tf.py tf|torch|torch-tf32 --serve  (a co-process of gemm_bench)
  tf      TensorFlow's CPU build (tf.compat.v1 session; the oracle's venv has it)
  torch   PyTorch (torch.mm, on CUDA when a GPU is there, else the CPU),
          TF32 off: FP32
  torch-tf32  PyTorch on CUDA with TF32 allowed in cuBLAS (TF's default on
          Ampere and later GPUs); unavailable without a CUDA GPU
  onednn  TensorFlow's run as `tf`, in a child process under ONEDNN_VERBOSE=1:
          the kernel's own time, which oneDNN prints per primitive executed,
          median per n over the timed runs, with the implementation oneDNN
          names (TF's end-to-end time includes its session; the primitive's
          is the multiply alone, steadier on a shared machine)
Prints "label ..." and "result <index of n> <seconds> <cpu seconds>" lines
(CPU seconds are the process's, all its threads, median of the same runs)
and a readable table. With --serve it prints the label, then reads
requests on stdin, one a line, "run <index> <reps> <n>", and answers each
with one result line for that index (or "unavailable <why>") until EOF: an
n's matrices (and for TF its graph and session) are made on its first
request, with two untimed warm-up runs, and kept while the requests stay on
that n, so gemm_bench can time the peer and varscope back to back, round
by round, in the same minutes (bench/peer.h)."""
import os
import sys

from peer_serve import median, serve, timed

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def tf_maker():
    """TensorFlow's label, and a function of n giving a warmed-up run()
    of one n x n matmul (inputs in variables) and its close()."""
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()

    def make(n):
        g = tf.Graph()
        with g.as_default():
            a = tf.get_variable("a", [n, n], initializer=tf.random_uniform_initializer(-1, 1))
            b = tf.get_variable("b", [n, n], initializer=tf.random_uniform_initializer(-1, 1))
            c = tf.matmul(a, b)
            sess = tf.Session()
            sess.run(tf.global_variables_initializer())
        for _ in range(2):
            sess.run(c.op)
        return lambda: sess.run(c.op), sess.close
    return "TensorFlow %s CPU" % tf.__version__, make


def torch_maker(tf32):
    """PyTorch's label and make(n), as tf_maker (torch.mm, on CUDA when a
    GPU is there, else the CPU), TF32 allowed or not."""
    import torch
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    if tf32 and dev != "cuda":
        raise ImportError("torch-tf32: PyTorch sees no CUDA GPU (TF32 is a GPU mode)")
    torch.backends.cuda.matmul.allow_tf32 = tf32

    def make(n):
        a = torch.rand(n, n, device=dev) * 2 - 1
        b = torch.rand(n, n, device=dev) * 2 - 1

        def run():
            torch.mm(a, b)
            if dev == "cuda":
                torch.cuda.synchronize()
        for _ in range(2):
            run()
        return run, lambda: None
    return "PyTorch %s %s %s" % (torch.__version__, dev, "TF32" if tf32 else "FP32"), make


def run_onednn(reps, sizes):
    """TF's figures, and oneDNN's own per-primitive times of the same runs:
    `onednn_verbose,...,exec,cpu,<impl>,...,<m>x<k>:<k>x<n>,<ms>` lines
    of a child running `tf` (the last `reps` of each size are the timed
    runs; the earlier ones are the warm-ups)."""
    import subprocess
    env = dict(os.environ, ONEDNN_VERBOSE="1")
    out = subprocess.run([sys.executable, __file__, "tf", str(reps)] + [str(n) for n in sizes], env=env,
                         stdout=subprocess.PIPE, text=True, check=False).stdout
    execs = {}
    for line in out.splitlines():
        f = line.split(",")
        if line.startswith("onednn_verbose,") and "exec" in f and "cpu" in f:
            impl, shape, ms = f[f.index("cpu") + 1], f[-2], float(f[-1])
            execs.setdefault(shape, []).append((impl, ms))
        elif not line.startswith("onednn_verbose,"):
            print(line)
    print("oneDNN primitive time (median of the last %d executions per n):" % reps)
    for n in sizes:
        runs = execs.get("%dx%d:%dx%d" % (n, n, n, n), [])[-reps:]
        if runs:
            ms = median([r[1] for r in runs])
            print("  %6d %-10s %10.3f ms %10.1f GFLOP/s" % (n, runs[-1][0], ms, 2.0 * n ** 3 / ms / 1e6))
        else:
            print("  %6d no oneDNN primitive seen" % n)


def main():
    which = sys.argv[1]
    if which == "onednn":
        run_onednn(int(sys.argv[2]), [int(x) for x in sys.argv[3:]])
        return
    try:
        label, make = tf_maker() if which == "tf" else torch_maker(which == "torch-tf32")
    except ImportError as e:
        print("unavailable %s" % e, flush=True)
        sys.exit(3)
    print("label %s" % label, flush=True)
    if sys.argv[2:] == ["--serve"]:
        serve(["n"], lambda i, n: make(n))
        return
    reps, sizes = int(sys.argv[2]), [int(x) for x in sys.argv[3:]]
    for i, n in enumerate(sizes):
        run, close = make(n)
        t, cpu = timed(run, reps)
        close()
        print("result %d %.9f %.9f" % (i, t, cpu))
        print("  %6d %10.2f ms %10.1f GFLOP/s" % (n, t * 1e3, 2.0 * n ** 3 / t / 1e9), flush=True)


if __name__ == "__main__":
    main()
