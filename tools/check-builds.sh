#!/usr/bin/env bash
# The builds users run, checked by `make test` (the sanitizer build is the
# test run itself):
#   1. GCC Release of every target, warnings as errors, with the optional
#      packages (OpenBLAS) hidden from pkg-config: a user's machine that
#      lacks them must build;
#   2. GCC RelWithDebInfo (-O2 -g: what `make build`/`make demo` make) of
#      every target, warnings as errors, optional packages as installed;
#   2b. the same with clang, whose warnings differ from GCC's;
#   3. an install of build 1 into a scratch prefix, consumed four ways:
#      find_package(varscope) with varscope::varscope and with
#      varscope::varscope_static, pkg-config `varscope` (shared) and
#      pkg-config --static `varscope-static`; each consumer runs, and the
#      installed `varscope` command finds its data without the source tree.
# One "ok   build ..." or "FAIL build ..." line per check.
#   tools/check-builds.sh OUT_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:?usage: check-builds.sh OUT_DIR}")
jobs=${JOBS:-$(nproc)}
mkdir -p "$out"
log=$out/check-builds.log
: >"$log"
status=0

ok() { echo "ok   build $*"; }
fail() {
  echo "FAIL build $1 (log: $log)"
  grep -aE ': error:|: warning:|CMake Error|undefined reference|\*\*\*' "$log" | head -n 20
  status=1
}

# A pkg-config search path without the optional packages: every .pc file
# of the system's path except OpenBLAS's and the generic BLAS ones.
nopt=$out/pkgconfig-no-optional
rm -rf "$nopt" && mkdir -p "$nopt"
for d in $(pkg-config --variable pc_path pkg-config | tr : ' '); do
  for f in "$d"/*.pc; do [ -e "$f" ] && ln -sf "$f" "$nopt/"; done
done
rm -f "$nopt"/openblas*.pc "$nopt"/blas*.pc "$nopt"/lapack*.pc

# build NAME TYPE [ENV...]: configure and build every target of a fresh tree
# (CC in ENV picks the compiler; gcc by default).
build() {
  local name=$1 type=$2 dir=$out/$1 cc=gcc
  shift 2
  local prefix=$out/prefix e
  for e in "$@"; do case $e in CC=*) cc=${e#CC=} ;; esac; done
  if env "$@" cmake -S "$here" -B "$dir" -DCMAKE_BUILD_TYPE="$type" -DVS_WERROR=ON \
       -DCMAKE_INSTALL_PREFIX="$prefix" >>"$log" 2>&1 &&
     env "$@" cmake --build "$dir" -j "$jobs" >>"$log" 2>&1; then
    ok "$name: $cc $("$cc" -dumpfullversion 2>/dev/null || "$cc" -dumpversion) $type, every target, -Werror"
  else
    fail "$name ($type)"
    return 1
  fi
}

if build release Release CC=gcc PKG_CONFIG_LIBDIR="$nopt"; then
  if grep -q 'VS_HAVE_OPENBLAS' "$out/release/bench/CMakeFiles/conv_bench.dir/flags.make" 2>/dev/null; then
    fail "release: OpenBLAS was not hidden from the build"
  else
    ok "release: built without the optional packages (OpenBLAS hidden from pkg-config)"
  fi
  release_ok=1
else
  release_ok=0
fi
build relwithdebinfo RelWithDebInfo CC=gcc || true
build clang RelWithDebInfo CC=clang || true

[ "$release_ok" -eq 1 ] || { echo "FAIL build install: skipped, the Release build failed"; exit 1; }

# ---- install and consume -------------------------------------------------
prefix=$out/prefix
rm -rf "$prefix"
if ! cmake --install "$out/release" >>"$log" 2>&1; then
  fail "install into $prefix"
  exit 1
fi
ok "install: cmake --install into a scratch prefix"

work=$out/consumers
rm -rf "$work" && mkdir -p "$work"
cat >"$work/main.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "varscope.h"
int main(void) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_scope *s = vs_variable_scope_push(g, "foo", NULL, st);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  vs_variable_scope_pop(g, s, st);
  int ok = v && strcmp(vs_var_name(v), "foo/v:0") == 0 && vs_status_code(st) == VS_OK;
  printf("varscope %s: %s\n", vs_version(), ok ? vs_var_name(v) : vs_status_message(st));
  vs_graph_free(g);
  vs_status_free(st);
  return ok ? 0 : 1;
}
C

# Does BIN link libvarscope.so? (the static consumers must not)
links_shared() { readelf -d "$1" 2>/dev/null | grep -q 'NEEDED.*libvarscope\.so'; }

for target in varscope varscope_static; do
  d=$work/cmake-$target
  mkdir -p "$d"
  cat >"$d/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(varscope 0.1 REQUIRED)
add_executable(consumer ../main.c)
target_link_libraries(consumer PRIVATE varscope::$target)
CM
  if cmake -S "$d" -B "$d/build" -DCMAKE_PREFIX_PATH="$prefix" >>"$log" 2>&1 &&
     cmake --build "$d/build" >>"$log" 2>&1 && "$d/build/consumer" >>"$log" 2>&1; then
    if [ "$target" = varscope_static ] && links_shared "$d/build/consumer"; then
      fail "find_package: varscope::varscope_static linked libvarscope.so"
    else
      ok "find_package(varscope): varscope::$target consumer builds and runs"
    fi
  else
    fail "find_package(varscope) with varscope::$target"
  fi
done

pcdir=$(dirname "$(find "$prefix" -name varscope.pc | head -n 1)")
export PKG_CONFIG_PATH=$pcdir
if [ "$(pkg-config --variable=prefix varscope)" -ef "$prefix" ]; then
  ok "pkg-config: varscope.pc is relocatable (its prefix is the install prefix)"
else
  echo "prefix in varscope.pc: $(pkg-config --variable=prefix varscope)" >>"$log"
  fail "pkg-config: varscope.pc does not point at $prefix"
fi
# shellcheck disable=SC2046
if cc -std=c11 "$work/main.c" -o "$work/pc_shared" $(pkg-config --cflags --libs varscope) \
     -Wl,-rpath,"$(pkg-config --variable=libdir varscope)" >>"$log" 2>&1 &&
   "$work/pc_shared" >>"$log" 2>&1; then
  ok "pkg-config varscope: shared consumer builds and runs"
else
  fail "pkg-config varscope (shared)"
fi
# shellcheck disable=SC2046
if cc -std=c11 "$work/main.c" -o "$work/pc_static" $(pkg-config --cflags --static --libs varscope-static) \
     >>"$log" 2>&1 && "$work/pc_static" >>"$log" 2>&1; then
  if links_shared "$work/pc_static"; then
    fail "pkg-config --static varscope-static: linked libvarscope.so"
  else
    ok "pkg-config --static varscope-static: static consumer builds and runs"
  fi
else
  fail "pkg-config --static varscope-static"
fi

# The installed command runs from the prefix alone: its version, and a
# conformance run that needs the installed xfail list and golden data.
tool=$prefix/bin/varscope
if "$tool" --version >>"$log" 2>&1 &&
   (cd / && env -u VARSCOPE_DATA_DIR "$tool" conform --filter 'numerics/conv2d_same_stride1' >>"$log" 2>&1); then
  ok "installed varscope: runs and finds its data under the prefix"
else
  fail "installed varscope command"
fi
exit $status
