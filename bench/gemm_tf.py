#!/usr/bin/env python3
"""The peers' SGEMM figures for bench/gemm_bench: C = A x B, n x n x n
float32, inputs in variables, median of N runs of the op as a target.

Usage: python3 bench/gemm_tf.py tf|torch|onednn reps n [n ...]
  tf      TensorFlow's CPU build (tf.compat.v1 session; the oracle's venv has it)
  torch   PyTorch (torch.mm, on CUDA when a GPU is there, else the CPU)
  onednn  TensorFlow's run as `tf`, in a child process under ONEDNN_VERBOSE=1:
          the kernel's own time, which oneDNN prints per primitive executed,
          median per n over the timed runs, with the implementation oneDNN
          names (TF's end-to-end time includes its session; the primitive's
          is the multiply alone, steadier on a shared machine)
Prints "label ..." and "result <index of n> <seconds> <cpu seconds>" lines
(gemm_bench reads them; CPU seconds are the process's, all its threads,
median of the same runs) and a readable table."""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def median(ts):
    return sorted(ts)[len(ts) // 2]


def timed(run, reps):
    """Median wall and CPU seconds of reps calls of run()."""
    ts, cs = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        run()
        ts.append(time.perf_counter() - t0)
        cs.append(time.process_time() - c0)
    return median(ts), median(cs)


def run_tf(reps, sizes):
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    print("label TensorFlow %s CPU" % tf.__version__)
    for i, n in enumerate(sizes):
        with tf.Graph().as_default(), tf.Session() as sess:
            a = tf.get_variable("a", [n, n], initializer=tf.random_uniform_initializer(-1, 1))
            b = tf.get_variable("b", [n, n], initializer=tf.random_uniform_initializer(-1, 1))
            c = tf.matmul(a, b)
            sess.run(tf.global_variables_initializer())
            for _ in range(2):
                sess.run(c.op)
            t, cpu = timed(lambda: sess.run(c.op), reps)
            yield i, n, t, cpu


def run_torch(reps, sizes):
    import torch
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    print("label PyTorch %s %s" % (torch.__version__, dev))
    for i, n in enumerate(sizes):
        a = torch.rand(n, n, device=dev) * 2 - 1
        b = torch.rand(n, n, device=dev) * 2 - 1
        def run():
            torch.mm(a, b)
            if dev == "cuda":
                torch.cuda.synchronize()
        for _ in range(2):
            run()
        t, cpu = timed(run, reps)
        yield i, n, t, cpu


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
    which, reps, sizes = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3:]]
    if which == "onednn":
        run_onednn(reps, sizes)
        return
    try:
        results = run_tf(reps, sizes) if which == "tf" else run_torch(reps, sizes)
        for i, n, t, cpu in results:
            print("result %d %.9f %.9f" % (i, t, cpu))
            print("  %6d %10.2f ms %10.1f GFLOP/s" % (n, t * 1e3, 2.0 * n ** 3 / t / 1e9), flush=True)
    except ImportError as e:
        print("unavailable %s" % e)
        sys.exit(3)


if __name__ == "__main__":
    main()
