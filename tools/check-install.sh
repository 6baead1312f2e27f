#!/usr/bin/env bash
# Installs a plain build into a scratch prefix and builds two consumers
# against it, one through find_package(varscope) and one through pkg-config,
# then runs both. Proves the install rules, the exported CMake package and
# varscope.pc.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$here/build/plain}")
prefix=$build/prefix
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DVS_BUILD_TESTS=OFF -DVS_BUILD_EXAMPLES=OFF \
      -DVS_BUILD_BENCH=OFF -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
rm -rf "$prefix"
cmake --install "$build" >/dev/null

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
mkdir -p "$work/cmake"
cat >"$work/cmake/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(varscope 0.1 REQUIRED)
add_executable(consumer ../main.c)
target_link_libraries(consumer PRIVATE varscope::varscope)
CM
cmake -S "$work/cmake" -B "$work/cmake/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake/build" >/dev/null
"$work/cmake/build/consumer" >/dev/null

libdir=$(find "$prefix" -name varscope.pc -printf '%h\n' | head -n1)
export PKG_CONFIG_PATH=$libdir
cc -std=c11 "$work/main.c" -o "$work/pc_consumer" $(pkg-config --cflags --libs varscope) \
   -Wl,-rpath,"$(pkg-config --variable=libdir varscope)"
"$work/pc_consumer" >/dev/null
echo "ok   install: find_package(varscope) and pkg-config consumers build and run"
