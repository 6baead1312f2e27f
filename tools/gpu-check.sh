#!/usr/bin/env bash
# gpu-check.sh BUNDLE OUT - the checks a GPU host owes issue 11, in one
# bounded run: a host lent for minutes has only its driver, so the run
# takes a portable bundle of this checkout (portable-bundle.sh, whose
# env.sh registers NVIDIA's OpenCL driver) and writes every log to OUT.
# gpu-check.sh --slim BUNDLE - run here first: removes from the bundle what
# the check does not run (the device tool sends at most 64 MiB; a whole
# bundle is about 80 MB, most of it test binaries each linking the library).
#
# Stages, most important first:
#   devices   varscope devices --verbose
#   grid      the launches cut to a device's work-groups per dimension
#             (kernels/launch_grid.h): test_workgroups' and test_gradients'
#             cut tests (one at the device's own caps: NVIDIA's 65535 along
#             dimensions 1 and 2, which the registry must have filled) and
#             test_gemm_tf32's cut product, on the real driver and its
#             global offsets; seconds
#   kernels   the kernel and selection test binaries (conv, GEMM, work-group
#             shapes, gradients, tuning, devices), counts checked as
#             run-tests.sh does
#   tf32      test_gemm_tf32 and test_conv_tf32: the TF32 kernels with the
#             real mma.sync instruction (cl_kernels/gemm_mma.cl,
#             conv_igemm_tf32.cl), counts checked
#   conform   varscope conform: every named case on the GPU
#   gemm      gemm_bench (PyTorch/cuBLAS FP32 and TF32 columns)
#   conv      conv_bench against PyTorch/cuDNN FP32 (--peer torch)
#   conv-tf32 conv_bench --tf32: sessions with tensor_float_32_execution (the
#             TF32 implicit GEMM among the measured candidates) against
#             cuDNN with TF32 allowed (--peer torch-tf32)
#   gemm-tf32 gemm_bench --tf32: sessions with tensor_float_32_execution,
#             the TF32 kernel among the measured candidates, against
#             cuBLAS TF32 (the TF32 column)
#   tune      varscope tune with small budgets: CLBlast's own search on the
#             GPU (its database has no entry for the H200); kept sets land
#             in OUT/cache
#   gemm-tuned gemm_bench again, under what tune kept
#   tf32-kernel gemm_bench --tf32 with VARSCOPE_GEMM=tf32:...: each TF32
#             set forced, no peers (the kernel's own speed, chosen or not)
#   train     train_bench (no peer on a host without TensorFlow)
#
# Each stage runs under its own time limit (GPU_CHECK_SCALE multiplies them
# all, e.g. 3 for a CPU-only dry run), cut to what is left of the whole
# run's budget (GPU_CHECK_BUDGET seconds, default 540: a device call may
# last 600); a stage with under 15 s left is skipped and says so. So one
# that hangs costs only its limit, and what matters most runs first.
# OUT/summary.txt has one line per stage (exit code, seconds; 124: it ran
# out of time) and OUT/<stage>.log its output. The cache directory is
# OUT/cache, so the choices measured on the GPU come back with the logs.
# The peer python is VARSCOPE_TF_PYTHON, else python3 (a GPU host's python3
# has PyTorch).
set -uo pipefail
tests=(nn gemm workgroups conv_igemm conv_tuning choice_memo gradients tuning devices)
tf32_tests=(gemm_tf32 conv_tf32)
benches=(conv_bench gemm_bench train_bench)

if [ "${1:-}" = --slim ]; then
  b=${2:?usage: gpu-check.sh --slim BUNDLE}
  [ -f "$b/env.sh" ] && [ -d "$b/build/tests" ] || { echo "gpu-check: $b is not a bundle" >&2; exit 2; }
  keep=" ${tests[*]/#/test_} ${tf32_tests[*]/#/test_} "
  for f in "$b"/build/tests/*; do
    n=${f##*/}
    [ -f "$f" ] && [ -x "$f" ] && [[ $keep != *" $n "* ]] && rm -f "$f"
  done
  for f in "$b"/build/bench/*; do
    n=${f##*/}
    [ -f "$f" ] && [ -x "$f" ] && [[ " ${benches[*]} " != *" $n "* ]] && rm -f "$f"
  done
  rm -rf "$b"/build/tests/stress "$b"/build/examples "$b"/build/fuzz
  find "$b/build" \( -name '*.a' -o -name CMakeFiles \) -prune -exec rm -rf {} +
  size=$(du -sb "$b" | cut -f1)
  echo "gpu-check: $b slimmed to $((size / 1048576)) MiB"
  [ "$size" -le $((60 * 1048576)) ] || { echo "gpu-check: still above 60 MiB: the device tool would refuse it" >&2; exit 1; }
  exit 0
fi

bundle=$(cd "${1:?usage: gpu-check.sh BUNDLE OUT}" && pwd)
out=${2:?usage: gpu-check.sh BUNDLE OUT}
mkdir -p "$out" && out=$(cd "$out" && pwd)
# shellcheck source=/dev/null
. "$bundle/env.sh"
build=/tmp/vs-portable/build # env.sh links the bundle there: the build's tests find their data by that path
export VARSCOPE_CACHE_DIR=$out/cache
export VARSCOPE_TF_PYTHON=${VARSCOPE_TF_PYTHON:-$(command -v python3 || echo python3)}
scale=${GPU_CHECK_SCALE:-1}
case $scale in '' | *[!0-9]*) echo "gpu-check: GPU_CHECK_SCALE must be a whole number, not $scale" >&2; exit 2 ;; esac
deadline=$(($(date +%s) + ${GPU_CHECK_BUDGET:-540}))
: >"$out/summary.txt"

# stage NAME SECONDS CMD...: runs CMD under timeout SECONDS*scale, cut to
# what is left of the budget, into NAME.log.
stage() {
  local name=$1 limit=$(($2 * scale)) t0 rc left
  shift 2
  t0=$(date +%s)
  left=$((deadline - t0))
  if [ "$left" -lt 15 ]; then
    printf '%-11s skipped: %ds of the budget left\n' "$name" "$left" | tee -a "$out/summary.txt"
    return
  fi
  [ "$limit" -le "$left" ] || limit=$left
  timeout --kill-after=10 "$limit" "$@" >"$out/$name.log" 2>&1
  rc=$?
  printf '%-11s rc %3d  %4ds (limit %ds)\n' "$name" "$rc" $(($(date +%s) - t0)) "$limit" | tee -a "$out/summary.txt"
}

# The kernel tests: run-tests.sh over a build folder holding only them
# (one GPU, no PoCL to make a second device: no two-device passes).
sel=$(mktemp -d)
trap 'rm -rf "$sel"' EXIT
mkdir -p "$sel/tests" "$sel/tf32/tests"
for t in "${tests[@]}"; do ln -s "$build/tests/test_$t" "$sel/tests/test_$t"; done
for t in "${tf32_tests[@]}"; do ln -s "$build/tests/test_$t" "$sel/tf32/tests/test_$t"; done

stage devices 30 "$build/tools/varscope" devices --verbose
stage grid 30 bash -c 'rc=0; "$0/test_workgroups" --filter "*/*cut*" || rc=1
  "$0/test_gradients" --filter "*/*cut*" || rc=1; "$0/test_gemm_tf32" --filter "*/*cut*" || rc=1; exit $rc' "$build/tests"
stage kernels 170 env VS_TWO_DEVICE_TESTS= "$bundle/src/tools/run-tests.sh" "$sel"
stage tf32 75 env VS_TWO_DEVICE_TESTS= "$bundle/src/tools/run-tests.sh" "$sel/tf32"
# The TF32 tests pass on the emulation too: say which one ran, so that a
# device whose matrix units were not recognised cannot pass for a check of
# the real instruction.
if [ ! -f "$out/tf32.log" ]; then
  : # the stage did not run
elif grep -q "TF32 matrix units: yes" "$out/devices.log" 2>/dev/null; then
  echo "tf32        ran the real mma.sync (the device reports TF32 matrix units)" | tee -a "$out/summary.txt"
else
  echo "tf32        ran the EMULATION: the device reports no TF32 matrix units (devices.log)" | tee -a "$out/summary.txt"
fi
stage conform 60 "$build/tools/varscope" conform
stage gemm 75 "$build/bench/gemm_bench" --rounds 3 --reps 3 256 1024 2048 4096
stage conv 75 "$build/bench/conv_bench" --peer torch --no-blas --rounds 3 3
stage conv-tf32 60 "$build/bench/conv_bench" --tf32 --peer torch-tf32 --no-blas --rounds 3 3
stage gemm-tf32 60 "$build/bench/gemm_bench" --tf32 --rounds 3 --reps 3 1024 4096
stage tune 75 "$build/tools/varscope" tune --budget-s 30 --direct-budget-s 15
stage gemm-tuned 50 "$build/bench/gemm_bench" --rounds 3 --reps 3 1024 2048 4096
stage tf32-kernel 45 bash -c 'set -o pipefail; rc=0; for s in 2,2,2,4,16 2,4,4,4,16 2,2,4,4,16; do
  VARSCOPE_GEMM=tf32:$s "$0" --tf32 --no-peers --rounds 2 --reps 3 4096 | grep -E "^ +4096|failed" || rc=1; done
  exit $rc' "$build/bench/gemm_bench"
stage train 30 "$build/bench/train_bench" --no-tf
cat "$out/summary.txt"
