#!/usr/bin/env bash
# Runs every Criterion test binary of a build and checks what they report.
# Criterion exits 0 on an unknown option and prints its synthesis on stderr,
# so exit codes *and* counts are checked: each binary must run at least one
# test, pass all it runs, and print no sanitizer report (LeakSanitizer
# reports inside Criterion workers do not fail the test by themselves).
set -uo pipefail
build=${1:?usage: run-tests.sh BUILD_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)

# shellcheck source=tools/sanitizer-env.sh
. "$here/tools/sanitizer-env.sh"

# Every suite runs with the scribble on: each device buffer is filled with
# 0xFF bytes (NaN) before use, so a kernel that reads what nothing wrote,
# or leaves part of its output unwritten, shows as a wrong number instead of
# passing on an earlier value. VARSCOPE_SCRIBBLE=0 in the caller's
# environment turns it off (to time the suite without it).
export VARSCOPE_SCRIBBLE=${VARSCOPE_SCRIBBLE-1}

shopt -s nullglob
bins=("$build"/tests/test_*)
if [ ${#bins[@]} -eq 0 ]; then
  echo "run-tests: no test binaries under $build/tests" >&2
  exit 1
fi

total_pass=0 total_fail=0 bad=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# run_one LABEL BIN [VAR=VALUE ...]: runs one binary and checks its counts.
run_one() {
  local name=$1 bin=$2
  shift 2
  env "$@" "$bin" --color=never -j2 >"$log" 2>&1
  local rc=$?
  local line tested passing failing crashing problem=""
  line=$(grep -a 'Synthesis: Tested:' "$log" | tail -n 1)
  tested=$(sed -n 's/.*Tested: \([0-9]*\).*/\1/p' <<<"$line")
  passing=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$line")
  failing=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$line")
  crashing=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$line")
  if [ -z "$tested" ]; then problem="no synthesis line";
  elif [ "$tested" -eq 0 ]; then problem="ran no test";
  elif [ "$rc" -ne 0 ]; then problem="exit code $rc";
  elif [ "$passing" -ne "$tested" ]; then problem="not all passed";
  fi
  if grep -aqE 'ERROR: (Leak|Address)Sanitizer|runtime error:' "$log"; then
    problem="${problem:+$problem, }sanitizer report"
  fi
  total_pass=$((total_pass + ${passing:-0}))
  total_fail=$((total_fail + ${failing:-0} + ${crashing:-0}))
  if [ -n "$problem" ]; then
    bad=$((bad + 1))
    echo "FAIL $name: $problem"
    grep -av '^\[----\]\|^\[====\]' "$log" | head -n 60
    grep -a '^\[----\]\|FAIL\|CRASH' "$log" | head -n 40
    [ "${failing:-0}${crashing:-0}" = "00" ] && total_fail=$((total_fail + 1))
  else
    echo "ok   $name: $passing/$tested"
  fi
}

for bin in "${bins[@]}"; do
  [ -x "$bin" ] || continue
  run_one "$(basename "$bin")" "$bin"
done

# Placement across devices needs two: PoCL can expose two CPU devices, and
# VARSCOPE_DEVICES maps the GPU names a graph asks for onto them.
# VS_TWO_DEVICE_TESTS names the binaries (set and empty: none, as on a GPU
# host without PoCL).
for name in ${VS_TWO_DEVICE_TESTS-test_devices test_session test_placement test_optimizers test_inline}; do
  bin="$build/tests/$name"
  [ -x "$bin" ] || continue
  run_one "$name [2 devices]" "$bin" POCL_DEVICES="pthread pthread" VARSCOPE_DEVICES="GPU:0=CL:0,GPU:1=CL:1"
done

echo "$total_pass passed, $total_fail failed"
[ "$bad" -eq 0 ]
