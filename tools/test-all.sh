#!/usr/bin/env bash
# What `make test` runs after building, and its one closing line:
#   1. the install check (find_package and pkg-config consumers);
#   2. every Criterion binary of the sanitizer build, one and two devices
#      (tools/run-tests.sh), with Python's safetensors for the checkpoint
#      round trip when the oracle environment has it;
#   3. the conformance oracle under real TensorFlow, when it can be installed;
#   4. the examples (each checks its own results and exits non-zero otherwise);
#   5. the checkpoint readers' fuzz targets for a bounded time.
# Each part's own closing line is read for its counts; the last line sums
# them as "N passed, N failed", and the exit status is non-zero when any part
# failed.
#   tools/test-all.sh ASAN_BUILD PLAIN_BUILD FUZZ_BUILD
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
asan=${1:?usage: test-all.sh ASAN_BUILD PLAIN_BUILD FUZZ_BUILD}
plain=${2:?}
fuzz=${3:?}
# shellcheck source=tools/sanitizer-env.sh
. "$here/tools/sanitizer-env.sh"
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

if "$here/tools/check-install.sh" "$plain"; then pass=$((pass + 1)); else fail=$((fail + 1)); bad=1; fi

py=$("$here/tools/oracle.sh" --optional --python)
if [ -n "$py" ] && "$py" -c 'import safetensors' >/dev/null 2>&1; then export VS_PYTHON=$py; fi

"$here/tools/run-tests.sh" "$asan" 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || bad=1
counts

if [ -n "$py" ]; then
  VARSCOPE_TF_PYTHON=$py "$here/tools/oracle.sh" 2>&1 | grep -v '^PASS ' | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || bad=1
  counts
else
  echo "oracle: skipped (TensorFlow could not be installed)"
fi

for ex in image_filter gan; do
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

"$here/tools/run-fuzz.sh" 20 "$fuzz" 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || bad=1
pass=$((pass + $(grep -c '^ok   fuzz_' "$log")))
fail=$((fail + $(grep -c '^FAIL fuzz_' "$log")))

[ "$bad" -eq 0 ] || [ "$fail" -gt 0 ] || fail=1
echo "$pass passed, $fail failed"
[ "$bad" -eq 0 ]
