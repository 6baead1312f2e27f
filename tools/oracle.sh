#!/usr/bin/env bash
# Runs the conformance oracle: every Python twin under real TensorFlow
# (tf.compat.v1 graph mode, v2 behaviour disabled).
#   tools/oracle.sh [--optional] [--python] [run_oracle.py options]
# --python only makes sure the environment exists and prints its python
# (nothing when it cannot be had and --optional is given).
# The twin check (every C case has a twin and back) runs first and needs no
# TensorFlow. TensorFlow comes from $VARSCOPE_TF_PYTHON when set (a python
# with tensorflow installed, e.g. /work/venvs/tf/bin/python), else from the
# venv $ORACLE_VENV (default ~/.cache/varscope/oracle-venv), created and filled with
# tensorflow-cpu from PyPI on first use. With --optional, a TensorFlow that
# cannot be installed is reported and the script exits 0 (make test);
# without it, that is a failure (make oracle).
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
optional=0 print_python=0
if [ "${1:-}" = "--optional" ]; then optional=1; shift; fi
if [ "${1:-}" = "--python" ]; then print_python=1; shift; fi
# Outside the clone, so CI's fresh clones on one machine install it once.
venv=${ORACLE_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/varscope/oracle-venv}
pkg=${ORACLE_TF_PACKAGE:-tensorflow-cpu}

if [ "$print_python" -eq 0 ]; then python3 "$here/tools/check_twins.py" || exit 1; fi

unavailable() {
  echo "oracle: TensorFlow could not be installed ($1); the oracle did NOT run" >&2
  [ "$optional" -eq 1 ] && exit 0
  exit 1
}

py=${VARSCOPE_TF_PYTHON:-}
if [ -z "$py" ]; then
  py=$venv/bin/python
  if ! "$py" -c 'import tensorflow, safetensors' >/dev/null 2>&1; then
    command -v python3 >/dev/null || unavailable "no python3"
    if [ ! -x "$py" ]; then
      echo "oracle: creating $venv" >&2
      mkdir -p "$(dirname "$venv")"
      python3 -m venv "$venv" >/dev/null 2>&1 || unavailable "python3 -m venv failed (apt-get install python3-venv)"
    fi
    echo "oracle: pip install $pkg safetensors (once; about a minute)" >&2
    mkdir -p "$venv"
    if ! timeout "${ORACLE_INSTALL_TIMEOUT:-600}" "$py" -m pip install --quiet --disable-pip-version-check \
        "$pkg" safetensors >"$venv/pip.log" 2>&1; then
      tail -n 5 "$venv/pip.log" >&2
      unavailable "pip install $pkg failed, log in $venv/pip.log"
    fi
    "$py" -c 'import tensorflow, safetensors' >/dev/null 2>&1 || unavailable "tensorflow does not import"
  fi
fi
if [ "$print_python" -eq 1 ]; then
  echo "$py"
  exit 0
fi
"$py" "$here/conformance/run_oracle.py" "$@" 2> >(grep -v -E '^(WARNING|I0000|W0000|Instructions for updating|non-resource variables)' >&2)
