# nvptx-tools.sh - sourced by tools/check-ptx.sh and tools/ptx-loop-stats.sh
# (one place for where they find their tools): sets clang (CLANG, or
# clang-14, or clang), clc (LIBCLC, or libclc's nvptx64 builtins where
# Debian's libclc-14 puts them) and ptxas (PTXAS, ptxas on the PATH, or the
# CUDA toolkit's), and exits 2 naming what is missing: clang and libclc
# always, ptxas when the caller set need_ptxas=1. $me names the caller.
clang=${CLANG:-$(command -v clang-14 || command -v clang || true)}
ptxas=${PTXAS:-$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)}
clc=${LIBCLC:-}
if [ -z "$clc" ]; then
  for f in /usr/lib/clc/nvptx64--nvidiacl.bc /usr/lib/llvm-*/lib/clc/nvptx64--nvidiacl.bc /usr/share/clc/nvptx64--nvidiacl.bc; do
    if [ -f "$f" ]; then clc=$f && break; fi
  done
fi
[ -x "$clang" ] || { echo "$me: no clang (set CLANG)" >&2; exit 2; }
[ "${need_ptxas:-0}" = 0 ] || [ -x "$ptxas" ] || { echo "$me: no ptxas (set PTXAS; the CUDA toolkit has it)" >&2; exit 2; }
[ -f "$clc" ] || { echo "$me: no libclc nvptx64--nvidiacl.bc (Debian: apt-get install libclc-14; or set LIBCLC)" >&2; exit 2; }
