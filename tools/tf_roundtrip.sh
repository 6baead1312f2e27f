#!/usr/bin/env bash
# The V2 checkpoint round trip with TensorFlow, required: runs the Criterion
# binary test_tf_roundtrip of BUILD_DIR with VS_PYTHON set to the oracle's
# Python (tools/oracle.sh --python: $VARSCOPE_TF_PYTHON or the oracle venv)
# and VS_TF_ROUNDTRIP_REQUIRED=1, so a missing TensorFlow fails instead of
# skipping. TF trains and saves a model that varscope restores bit for bit;
# varscope changes and saves it as a V2 checkpoint that TF's
# latest_checkpoint, load_checkpoint and Saver.restore read bit for bit
# (tests/test_tf_roundtrip.c, tools/tf_roundtrip.py), and the GraphDef
# vs_graph_write_graphdef writes equals, node by node, what TF builds for
# the same model (tools/tf_graphdef_check.py).
#   tools/tf_roundtrip.sh [--optional] BUILD_DIR
# --optional: exit 0 with a note when TensorFlow cannot be had (make test).
# The last line is "N passed, N failed" (what tools/test-all.sh counts).
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
optional=0
if [ "${1:-}" = "--optional" ]; then optional=1; shift; fi
build=${1:?usage: tf_roundtrip.sh [--optional] BUILD_DIR}
bin=$build/tests/test_tf_roundtrip
if [ ! -x "$bin" ]; then
  echo "FAIL tf_roundtrip: $bin not built"
  echo "0 passed, 1 failed"
  exit 1
fi
py=$("$here/tools/oracle.sh" --optional --python)
if [ -z "$py" ]; then
  echo "tf_roundtrip: TensorFlow could not be installed; the round trip did NOT run" >&2
  if [ "$optional" -eq 1 ]; then echo "0 passed, 0 failed"; exit 0; fi
  echo "0 passed, 1 failed"
  exit 1
fi
# shellcheck source=tools/sanitizer-env.sh
. "$here/tools/sanitizer-env.sh"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
VS_PYTHON=$py VS_TF_ROUNDTRIP_REQUIRED=1 "$bin" --color=never >"$log" 2>&1
rc=$?
if [ "$rc" -eq 0 ] && grep -aq 'Synthesis: Tested: 3 | Passing: 3 ' "$log" &&
   ! grep -aqE 'ERROR: (Leak|Address)Sanitizer|runtime error:' "$log"; then
  echo "ok   tf_roundtrip: TensorFlow $("$py" -c 'import tensorflow as t; print(t.__version__)' 2>/dev/null) and varscope read each other's V2 checkpoints and GraphDefs"
  echo "3 passed, 0 failed"
  exit 0
fi
echo "FAIL tf_roundtrip (exit $rc):"
grep -a '^\[----\]\|FAIL\|Synthesis' "$log" | head -n 60
echo "0 passed, 1 failed"
exit 1
