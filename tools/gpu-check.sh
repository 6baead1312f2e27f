#!/usr/bin/env bash
# gpu-check.sh BUNDLE OUT - the checks a GPU host owes issue 11, in one
# bounded run: a host lent for minutes has only its driver, so the run
# takes a portable bundle of this checkout (portable-bundle.sh, whose
# env.sh registers NVIDIA's OpenCL driver) and writes every log to OUT.
#
#   devices   varscope devices --verbose
#   kernels   the kernel and selection test binaries (conv, GEMM, work-group
#             shapes, gradients, tuning, devices), counts checked as
#             run-tests.sh does
#   conform   varscope conform: every named case on the GPU
#   conv      conv_bench against PyTorch/cuDNN FP32 (--peer torch)
#   conv-tf32 conv_bench --tf32: sessions with tensor_float_32_execution (the
#             TF32 implicit GEMM among the measured candidates) against
#             cuDNN with TF32 allowed (--peer torch-tf32)
#   gemm      gemm_bench (PyTorch/cuBLAS FP32 and TF32 columns)
#   tf32      test_gemm_tf32 and test_conv_tf32: the TF32 kernels with the
#             real mma.sync instruction (cl_kernels/gemm_mma.cl,
#             conv_igemm_tf32.cl), counts checked
#   gemm-tf32 gemm_bench --tf32: sessions with tensor_float_32_execution,
#             the TF32 kernel among the measured candidates, against
#             cuBLAS TF32 (the TF32 column)
#   tf32-kernel gemm_bench --tf32 with VARSCOPE_GEMM=tf32:...: each TF32
#             set forced, no peers (the kernel's own speed, chosen or not)
#   train     train_bench (no peer on a host without TensorFlow)
#
# Each stage runs under its own time limit (GPU_CHECK_SCALE multiplies them
# all, e.g. 3 for a CPU-only dry run), so one that hangs costs only its
# limit; OUT/summary.txt has one line per stage (exit code, seconds; 124:
# it ran out of time) and OUT/<stage>.log its output. The cache directory
# is OUT/cache, so the choices measured on the GPU come back with the logs.
# The peer python is VARSCOPE_TF_PYTHON, else python3 (a GPU host's python3
# has PyTorch).
set -uo pipefail
bundle=$(cd "${1:?usage: gpu-check.sh BUNDLE OUT}" && pwd)
out=${2:?usage: gpu-check.sh BUNDLE OUT}
mkdir -p "$out" && out=$(cd "$out" && pwd)
# shellcheck source=/dev/null
. "$bundle/env.sh"
build=/tmp/vs-portable/build # env.sh links the bundle there: the build's tests find their data by that path
export VARSCOPE_CACHE_DIR=$out/cache
export VARSCOPE_TF_PYTHON=${VARSCOPE_TF_PYTHON:-$(command -v python3 || echo python3)}
scale=${GPU_CHECK_SCALE:-1}
: >"$out/summary.txt"

# stage NAME SECONDS CMD...: runs CMD under timeout SECONDS*scale into NAME.log.
stage() {
  local name=$1 limit=$(($2 * scale)) t0 rc
  shift 2
  t0=$(date +%s)
  timeout --kill-after=10 "$limit" "$@" >"$out/$name.log" 2>&1
  rc=$?
  printf '%-8s rc %3d  %4ds (limit %ds)\n' "$name" "$rc" $(($(date +%s) - t0)) "$limit" | tee -a "$out/summary.txt"
}

# The kernel tests: run-tests.sh over a build folder holding only them
# (one GPU, no PoCL to make a second device: no two-device passes).
sel=$(mktemp -d)
trap 'rm -rf "$sel"' EXIT
mkdir -p "$sel/tests" "$sel/tf32/tests"
for t in nn gemm workgroups conv_igemm conv_tuning choice_memo gradients tuning devices; do
  ln -s "$build/tests/test_$t" "$sel/tests/test_$t"
done
for t in gemm_tf32 conv_tf32; do
  ln -s "$build/tests/test_$t" "$sel/tf32/tests/test_$t"
done

stage devices 30 "$build/tools/varscope" devices --verbose
stage kernels 170 env VS_TWO_DEVICE_TESTS= "$bundle/src/tools/run-tests.sh" "$sel"
stage conform 60 "$build/tools/varscope" conform
stage conv 75 "$build/bench/conv_bench" --peer torch --no-blas --rounds 3 3
stage conv-tf32 60 "$build/bench/conv_bench" --tf32 --peer torch-tf32 --no-blas --rounds 3 3
stage gemm 75 "$build/bench/gemm_bench" --rounds 3 --reps 3 256 1024 2048 4096
stage tf32 75 env VS_TWO_DEVICE_TESTS= "$bundle/src/tools/run-tests.sh" "$sel/tf32"
stage gemm-tf32 60 "$build/bench/gemm_bench" --tf32 --rounds 3 --reps 3 1024 4096
stage tf32-kernel 45 bash -c 'for s in 2,2,2,4,16 2,4,4,4,16 2,2,4,4,16; do
  VARSCOPE_GEMM=tf32:$s "$0" --tf32 --no-peers --rounds 2 --reps 3 4096 | grep -E "^ +4096|failed"; done' \
  "$build/bench/gemm_bench"
stage train 30 "$build/bench/train_bench" --no-tf
cat "$out/summary.txt"
