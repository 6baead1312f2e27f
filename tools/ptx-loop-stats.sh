#!/usr/bin/env bash
# ptx-loop-stats.sh FILE ENTRY [OPTIONS...] - what NVIDIA's compiler is
# given for a kernel's main loop: compiles cl_kernels/FILE.cl with
# "-cl-std=CL1.2 -DT=float" (T=double when OPTIONS say -DT=double is
# wanted: later -D wins) and OPTIONS (the set's -D defines) to PTX for
# nvptx64-nvidia-nvcl, as tools/check-ptx.sh does, finds the main loop of
# ENTRY by its back-edge (a branch to a label above it) - of all loops the
# one holding the most FMAs, the innermost on a tie - and prints, for one
# iteration of it, the instructions by kind:
#   fma               fma.rn.f32/f64 (one per multiply-add)
#   ld.shared s/v2/v4 shared-memory loads by width (scalar, .v2, .v4)
#   st.shared         shared-memory stores by width
#   ld.global         global loads by width
#   bar               bar.sync
#   int/addr          integer and address work: add/sub/mul/mad/shl/shr/
#                     and/or/xor/selp/setp on integer types, cvt between
#                     integer types, mov of registers
#   div/rem           integer division and remainder (no instruction on
#                     NVIDIA GPUs: ptxas expands each into ~20-40)
#   branch, other, total
# and fma per shared load, per 128-bit-equivalent shared load and per
# global load. These are static PTX counts of the loop body: every
# instruction of the body once, those on rarely taken paths (a tile's
# edge) included, and an inner loop's body once whatever its trip count
# (reported: "inner loops N"). ptxas (PTX to SASS) may still change them:
# it schedules, may merge or split loads and fold address arithmetic; no
# SASS disassembler (nvdisasm, cuobjdump) is needed or used. With PTXAS
# set or ptxas on the PATH (or /usr/local/cuda/bin/ptxas) the sm_90
# registers and spills are added (not assembled otherwise).
#
# Examples:
#   tools/ptx-loop-stats.sh conv_igemm conv2d_igemm -DMWG=128 -DNWG=128 \
#     -DKWG=16 -DMDIMC=16 -DNDIMC=16 -DVW=4 -DDB=1 -DVWM=4
#   tools/ptx-loop-stats.sh gemm gemm_packed -DRM=6 -DNV=2 -DVEC=1 -DUNROLL_K=4 -DTA=0
# PTX_OUT=path keeps the PTX. Needs clang (14 or later) and libclc's
# nvptx64 builtins (Debian: libclc-14); not a dependency of the project.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 FILE ENTRY [-DNAME=VALUE...]" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
file=$1 entry=$2
shift 2
me=ptx-loop-stats
# shellcheck source=tools/nvptx-tools.sh
. "$here/tools/nvptx-tools.sh"
src=$here/cl_kernels/$file.cl
[ -f "$src" ] || { echo "ptx-loop-stats: no $src" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ptx=${PTX_OUT:-$work/k.ptx}
# PTX for sm_80 (clang 14 knows no sm_90), as check-ptx.sh builds it.
if ! "$clang" -x cl -cl-std=CL1.2 -DT=float "$@" -target nvptx64-nvidia-nvcl -march=sm_80 \
    -Xclang -target-feature -Xclang +ptx70 -O2 -S -Xclang -mlink-bitcode-file -Xclang "$clc" \
    -Wno-linker-warnings -Wno-pass-failed "$src" -o "$ptx" 2>"$work/err"; then
  echo "ptx-loop-stats: clang failed:" >&2
  cat "$work/err" >&2
  exit 1
fi
awk -v e="$entry" '
  /\.entry /{ inside = index($0, ".entry " e "(") > 0 }
  inside { n++; line[n] = $0 }
  END {
    if (!n) { print "ptx-loop-stats: no entry " e > "/dev/stderr"; exit 1 }
    # Basic blocks: a label starts one, a branch (or ret/exit) ends one.
    nb = 0; open_ = 0
    for (i = 1; i <= n; i++) {
      s = line[i]; sub(/^[ \t]*/, "", s)
      if (s ~ /^[$A-Za-z_][$A-Za-z0-9_]*:/) { l = s; sub(/:.*/, "", l); nb++; bs[nb] = i; be[nb] = i; blk[l] = nb; open_ = 1; continue }
      if (s == "" || s ~ /^\/\//) continue
      if (!open_) { nb++; bs[nb] = i; open_ = 1 }
      be[nb] = i; lb[i] = nb
      if (s ~ /^(@!?%p[0-9]+[ \t]+)?(bra|ret|exit)/) open_ = 0
    }
    # Successors: a branch target, and the next block unless the branch
    # is unconditional (bra.uni, ret, exit).
    for (b = 1; b <= nb; b++) {
      s = line[be[b]]; sub(/^[ \t]*/, "", s); ns[b] = 0
      if (s ~ /bra(\.uni)?[ \t]/) { t = s; sub(/.*bra(\.uni)?[ \t]+/, "", t); sub(/;.*/, "", t); if (t in blk) succ[b, ++ns[b]] = blk[t] }
      if (!(s ~ /^(bra|ret|exit)/) && b < nb) succ[b, ++ns[b]] = b + 1
      for (k = 1; k <= ns[b]; k++) { x = succ[b, k]; pred[x, ++np[x]] = b }
    }
    # Dominators (iterated to a fixed point): h dominates b when every
    # path from the entry to b passes through h. The block order in the PTX is
    # not the loop order: clang rotates loops and places blocks after them.
    for (b = 1; b <= nb; b++) for (x = 1; x <= nb; x++) dom[b, x] = (b == 1 ? x == 1 : 1)
    do {
      changed = 0
      for (b = 2; b <= nb; b++) {
        for (x = 1; x <= nb; x++) {
          v = np[b] > 0
          for (q = 1; q <= np[b] && v; q++) v = dom[pred[b, q], x]
          if (x == b) v = 1
          if (v != dom[b, x]) { dom[b, x] = v; changed = 1 }
        }
      }
    } while (changed)
    # Natural loops of back-edges tail -> head (head dominates tail): the
    # blocks that reach the tail without passing through the head.
    nl = 0; best = 0
    for (b = 1; b <= nb; b++) for (k = 1; k <= ns[b]; k++) if (dom[b, succ[b, k]]) {
      h = succ[b, k]; nl++; delete inl; inl[h] = 1; top = 0
      if (!(b in inl)) { inl[b] = 1; stack[++top] = b }
      while (top) { x = stack[top--]; for (q = 1; q <= np[x]; q++) { y = pred[x, q]; if (!(y in inl)) { inl[y] = 1; stack[++top] = y } } }
      f = 0; sz = 0
      for (x in inl) { sz++; for (i = bs[x]; i <= be[x]; i++) if (line[i] ~ /^[ \t]*(@!?%p[0-9]+[ \t]+)?fma\./) f++ }
      mem[nl] = ""; for (x in inl) mem[nl] = mem[nl] " " x " "; size[nl] = sz
      if (!best || f > bf || (f == bf && sz < size[best])) { best = nl; bf = f }
    }
    if (!nl) { print "ptx-loop-stats: " e " has no loop" > "/dev/stderr"; exit 1 }
    inner = 0
    for (k = 1; k <= nl; k++) if (k != best && size[k] < size[best]) {
      sub_ = 1; split(mem[k], xs, " "); for (q in xs) if (xs[q] != "" && index(mem[best], " " xs[q] " ") == 0) sub_ = 0
      inner += sub_
    }
    nbl = split(mem[best], xs, " "); lo = n; hi = 0
    for (q in xs) if (xs[q] != "") { x = xs[q]; if (bs[x] < lo) lo = bs[x]; if (be[x] > hi) hi = be[x]; for (i = bs[x]; i <= be[x]; i++) inloop[i] = 1 }
    for (i = 1; i <= n; i++) if (inloop[i]) {
      s = line[i]
      sub(/^[ \t]*/, "", s); sub(/^@!?%p[0-9]+[ \t]+/, "", s)
      if (s == "" || s ~ /^[$A-Za-z_][$A-Za-z0-9_]*:/ || s ~ /^\/\// || s ~ /^[{}]/ || s ~ /^\./) continue
      op = s; sub(/[ \t].*/, "", op)
      total++
      if (op ~ /^fma\./) fma++
      else if (op ~ /^ld\.(volatile\.)?shared/) { w = op ~ /\.v4\./ ? 4 : op ~ /\.v2\./ ? 2 : 1
        ls[w]++; if (op ~ /64$/) ls128 += w / 2; else ls128 += w / 4 }
      else if (op ~ /^st\.(volatile\.)?shared/) { w = op ~ /\.v4\./ ? 4 : op ~ /\.v2\./ ? 2 : 1; ss[w]++ }
      else if (op ~ /^ld\.(volatile\.)?global/) { w = op ~ /\.v4\./ ? 4 : op ~ /\.v2\./ ? 2 : 1; lg[w]++ }
      else if (op ~ /^st\.global/) sg++
      else if (op ~ /^bar\./) bar++
      else if (op ~ /^(div|rem)\.[su]/) dr++
      else if (op ~ /^bra/) br++
      else if (op ~ /^(add|sub|mul|mad|shl|shr|and|or|xor|not|selp|min|max|neg)\.([su](8|16|32|64)|b(32|64)|pred|lo|hi|wide)/ ||
               op ~ /^setp\.[a-z]+\.([su]|b)(16|32|64)/ || op ~ /^(and|or|xor|not)\.pred/ ||
               op ~ /^cvt\.[su](32|64)\.[su](32|64)/ || op ~ /^cvta/ || op ~ /^mov\.(b|u|s)(32|64)/) addr++
      else { other++; oth[op]++ }
    }
    sh = ls[1] + ls[2] + ls[4]
    printf "main loop: %d basic blocks within PTX lines %d-%d of %s, inner loops %d (counted once)\n", size[best], lo, hi, e, inner
    printf "fma %d  ld.shared %d (scalar %d, v2 %d, v4 %d; %.1f x 128-bit)  st.shared %d (scalar %d, v2 %d, v4 %d)\n",
      fma, sh, ls[1], ls[2], ls[4], ls128, ss[1] + ss[2] + ss[4], ss[1], ss[2], ss[4]
    printf "ld.global %d (scalar %d, v2 %d, v4 %d)  st.global %d  bar %d  int/addr %d  div/rem %d  branch %d  other %d  total %d\n",
      lg[1] + lg[2] + lg[4], lg[1], lg[2], lg[4], sg, bar, addr, dr, br, other, total
    printf "fma per ld.shared %.1f, per 128-bit ld.shared %.1f, per ld.global %.1f; int/addr per fma %.2f\n",
      sh ? fma / sh : 0, ls128 ? fma / ls128 : 0, (lg[1] + lg[2] + lg[4]) ? fma / (lg[1] + lg[2] + lg[4]) : 0,
      fma ? addr / fma : 0
    if (other) { o = "other:"; for (k in oth) o = o " " k " " oth[k]; print o }
  }' "$ptx"
if [ -x "$ptxas" ]; then
  if "$ptxas" -v -arch=sm_90 "$ptx" -o "$work/k.cubin" >"$work/info" 2>&1; then
    info=$(grep -A3 "Compiling entry function '$entry'" "$work/info" | tr '\n' ' ')
    echo "ptxas sm_90: $(grep -o "Used [0-9]* registers" <<<"$info" | head -1), $(grep -o "[0-9]* bytes spill stores" <<<"$info" | head -1), $(grep -o "[0-9]* bytes spill loads" <<<"$info" | head -1)"
  else
    echo "ptxas sm_90 FAILED: $(head -3 "$work/info")"
    exit 1
  fi
fi
