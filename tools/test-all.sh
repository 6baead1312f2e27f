#!/usr/bin/env bash
# What `make test` runs after building, and its one closing line:
#   1. the builds users run and the install check (tools/check-builds.sh:
#      GCC Release without the optional packages, GCC RelWithDebInfo, an
#      install consumed through find_package and pkg-config);
#   2. every Criterion binary of the sanitizer build, one and two devices
#      (tools/run-tests.sh), with Python's safetensors for the checkpoint
#      round trip when the oracle environment has it;
#   2b. the ThreadSanitizer stress program (tools/run-tsan.sh, tests/stress/):
#      Criterion's forked workers cannot run under TSan;
#   3. the conformance oracle under real TensorFlow, when it can be installed;
#   4. the examples (each checks its own results and exits non-zero
#      otherwise), and that the README's example is examples/readme.c;
#   5. every fuzz target (fuzz/fuzz_*.c: checkpoint files and readers, device
#      strings, names, the environment, tuning files, kernel-cache entries):
#      its committed corpus replayed, then fuzzed for a bounded time.
# Each part's own closing line is read for its counts; the last line sums
# them as "N passed, N failed", and the exit status is non-zero when any part
# failed.
#   tools/test-all.sh ASAN_BUILD USERS_BUILD_DIR FUZZ_BUILD TSAN_BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
asan=${1:?usage: test-all.sh ASAN_BUILD PLAIN_BUILD FUZZ_BUILD}
users=${2:?}
fuzz=${3:?}
tsan=${4:?}
# shellcheck source=tools/sanitizer-env.sh
. "$here/tools/sanitizer-env.sh"
# The examples, the oracle and the stress program run with the scribble on
# as the Criterion suites do (tools/run-tests.sh says why).
export VARSCOPE_SCRIBBLE=${VARSCOPE_SCRIBBLE-1}
pass=0 fail=0 bad=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

counts() { # adds the "N passed, N failed" of the log's last such line
  local line p f
  line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  p=$(sed -n 's/^\([0-9]*\) passed.*/\1/p' <<<"$line")
  f=$(sed -n 's/.* \([0-9]*\) failed.*/\1/p' <<<"$line")
  pass=$((pass + ${p:-0}))
  fail=$((fail + ${f:-0}))
}

"$here/tools/check-builds.sh" "$users" 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || bad=1
pass=$((pass + $(grep -c '^ok   build ' "$log")))
fail=$((fail + $(grep -c '^FAIL build ' "$log")))

py=$("$here/tools/oracle.sh" --optional --python)
if [ -n "$py" ] && "$py" -c 'import safetensors' >/dev/null 2>&1; then export VS_PYTHON=$py; fi

"$here/tools/run-tests.sh" "$asan" 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || bad=1
counts

"$here/tools/run-tsan.sh" "$tsan" 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || bad=1
counts

if [ -n "$py" ]; then
  VARSCOPE_TF_PYTHON=$py "$here/tools/oracle.sh" 2>&1 | grep -v '^PASS ' | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || bad=1
  counts
else
  echo "oracle: skipped (TensorFlow could not be installed)"
fi

# The README's example is examples/readme.c, word for word.
if python3 - "$here/README.md" "$here/examples/readme.c" <<'PY'
import re, sys
blocks = re.findall(r"^```c\n(.*?)^```", open(sys.argv[1]).read(), re.S | re.M)
sys.exit(0 if blocks and blocks[0] == open(sys.argv[2]).read() else 1)
PY
then
  echo "ok   README's example is examples/readme.c"
  pass=$((pass + 1))
else
  echo "FAIL README's first C block differs from examples/readme.c"
  fail=$((fail + 1))
  bad=1
fi

for ex in readme image_filter gan train_cnn; do
  if "$asan/examples/$ex" >"$log" 2>&1; then
    echo "ok   example $ex"
    pass=$((pass + 1))
  else
    echo "FAIL example $ex"
    tail -n 20 "$log"
    fail=$((fail + 1))
    bad=1
  fi
done

"$here/tools/run-fuzz.sh" "${VS_FUZZ_SECONDS:-30}" "$fuzz" 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || bad=1
pass=$((pass + $(grep -c '^ok   fuzz_' "$log")))
fail=$((fail + $(grep -c '^FAIL fuzz_' "$log")))

[ "$bad" -eq 0 ] || [ "$fail" -gt 0 ] || fail=1
echo "$pass passed, $fail failed"
[ "$bad" -eq 0 ]
