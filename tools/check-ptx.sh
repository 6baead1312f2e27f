#!/usr/bin/env bash
# check-ptx.sh [SETS...] - proves without a GPU that the TF32 kernels'
# NVIDIA builds (cl_kernels/gemm_mma.cl and conv_igemm_tf32.cl with
# VS_NV_MMA: mma_tf32.clh's inline PTX
# mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32) compile to PTX and
# assemble for sm_80 and sm_90, under each parameter set (WM,WN,FM,FN,KS;
# default: the sets engine/kernels/gemm_mma.c and conv_igemm_tf32.c time,
# and one with 64-deep slices). KERNELS="gemm_mma" (or conv_igemm_tf32)
# checks one file only.
#
# Clang compiles the OpenCL C for nvptx64-nvidia-nvcl (NVIDIA's own OpenCL
# compiler, which builds it on the GPU host, is not available here), with
# libclc's nvptx64 builtins linked in (get_local_id and the like), and
# CUDA's ptxas assembles the PTX. As a control, ptxas must refuse the same
# PTX for sm_75 (no TF32 mma there): the check would otherwise prove
# nothing. The program's options are the library's (-cl-std=CL1.2 -DT=float
# and the set's defines, gemm_mma.c's `options`).
#
# Needs: clang (14 or later), libclc for nvptx64 (Debian: libclc-14), and
# ptxas (CUDA toolkit; PTXAS or /usr/local/cuda/bin/ptxas). Not part of
# `make test`: the CUDA toolkit is not a dependency of the project.
# Exit 0 when every set compiled and assembled and the control was refused.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
clang=${CLANG:-$(command -v clang-14 || command -v clang || true)}
ptxas=${PTXAS:-$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)}
clc=${LIBCLC:-}
if [ -z "$clc" ]; then
  for f in /usr/lib/clc/nvptx64--nvidiacl.bc /usr/lib/llvm-*/lib/clc/nvptx64--nvidiacl.bc /usr/share/clc/nvptx64--nvidiacl.bc; do
    if [ -f "$f" ]; then clc=$f && break; fi
  done
fi
[ -x "$clang" ] || { echo "check-ptx: no clang (set CLANG)" >&2; exit 2; }
[ -x "$ptxas" ] || { echo "check-ptx: no ptxas (set PTXAS; the CUDA toolkit has it)" >&2; exit 2; }
[ -f "$clc" ] || { echo "check-ptx: no libclc nvptx64--nvidiacl.bc (Debian: apt-get install libclc-14; or set LIBCLC)" >&2; exit 2; }
sets=("$@")
# Without SETS: each kernel's own (gemm_mma.c's and conv_igemm_tf32.c's
# candidates, and the tests' extra sets).
gemm_sets=(2,2,2,4,16 2,4,4,4,16 2,2,4,4,16 1,1,1,1,8 1,2,1,2,64)
conv_sets=(2,2,2,4,16 4,2,2,4,16 1,1,2,2,16 1,1,1,1,8 2,1,1,3,64)
# file:entry of each kernel
kernels=()
for k in ${KERNELS:-gemm_mma conv_igemm_tf32}; do
  case $k in
    gemm_mma) kernels+=(gemm_mma:gemm_mma) ;;
    conv_igemm_tf32) kernels+=(conv_igemm_tf32:conv2d_igemm_tf32) ;;
    *) echo "check-ptx: unknown kernel $k (gemm_mma, conv_igemm_tf32)" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "clang: $("$clang" --version | head -1)"
echo "ptxas: $("$ptxas" --version | tail -1)"
echo "libclc: $clc"
fail=0
for kern in "${kernels[@]}"; do
file=${kern%%:*} entry=${kern#*:}
src=$here/cl_kernels/$file.cl
if [ ${#sets[@]} -gt 0 ]; then run_sets=("${sets[@]}")
elif [ "$file" = gemm_mma ]; then run_sets=("${gemm_sets[@]}")
else run_sets=("${conv_sets[@]}"); fi
for s in "${run_sets[@]}"; do
  IFS=, read -r wm wn fm fn ks <<<"$s"
  ptx=$work/${file}_$wm$wn$fm$fn$ks.ptx
  # PTX ISA 7.0 and sm_80: the first with mma .tf32.
  if ! "$clang" -x cl -cl-std=CL1.2 -DT=float -DWM="$wm" -DWN="$wn" -DFM="$fm" -DFN="$fn" -DKS="$ks" -DVS_NV_MMA \
      -target nvptx64-nvidia-nvcl -march=sm_80 -Xclang -target-feature -Xclang +ptx70 -O2 -S \
      -Xclang -mlink-bitcode-file -Xclang "$clc" -Wno-linker-warnings "$src" -o "$ptx"; then
    echo "$file set $s: clang failed"; fail=1; continue
  fi
  # Counted inside the kernel's own entry only: the file has other
  # kernels (gemm_mma.cl's mma_probe holds one instruction, which counted
  # over the whole file hid a GEMM kernel that had lost all of its own).
  n_mma=$(awk -v e="$entry" '/\.entry /{inside = index($0, ".entry " e "(") > 0}
    inside && /mma\.sync\.aligned\.m16n8k8\.row\.col\.f32\.tf32\.tf32\.f32/{n++} END{print n + 0}' "$ptx")
  # Every fragment of the warp's block is one instruction per 8-deep step:
  # FM x FN x KS / 8 of them, unrolled (fewer would mean a lost fragment).
  want=$((fm * fn * ks / 8))
  line="$file set $s: $n_mma mma.sync (want $want)"
  if [ "$n_mma" -lt "$want" ]; then echo "$line: MISSING"; fail=1; continue; fi
  for arch in sm_80 sm_90; do
    if "$ptxas" -v -arch=$arch "$ptx" -o "$work/$arch.cubin" >"$work/info" 2>&1; then
      # ptxas -v: the kernel entry's registers and spills (spills would
      # mean accumulators in local memory: slow, though correct).
      regs=$(grep -A3 "Compiling entry function '$entry'" "$work/info" | grep -o "Used [0-9]* registers" | head -1)
      spill=$(grep -A3 "Compiling entry function '$entry'" "$work/info" | grep -o "[0-9]* bytes spill stores" | head -1)
      line="$line, ptxas $arch ok (${regs:-?}, ${spill:-? spill stores})"
    else
      line="$line, ptxas $arch FAILED: $(head -3 "$work/info")"; fail=1
    fi
  done
  # The control: the same kernel compiled for sm_75 must be refused by
  # ptxas for its instructions (Turing has no TF32 mma), not for its header.
  "$clang" -x cl -cl-std=CL1.2 -DT=float -DWM="$wm" -DWN="$wn" -DFM="$fm" -DFN="$fn" -DKS="$ks" -DVS_NV_MMA \
    -target nvptx64-nvidia-nvcl -march=sm_75 -Xclang -target-feature -Xclang +ptx70 -O2 -S \
    -Xclang -mlink-bitcode-file -Xclang "$clc" -Wno-linker-warnings "$src" -o "$work/sm_75.ptx"
  if "$ptxas" -arch=sm_75 "$work/sm_75.ptx" -o "$work/sm_75.cubin" 2>"$work/err"; then
    line="$line, sm_75 NOT refused (the check proves nothing)"; fail=1
  elif grep -q "mma\|tf32" "$work/err"; then
    line="$line, sm_75 refused as it must be ($(grep -m1 "mma\|tf32" "$work/err" | sed "s/.*error *: //"))"
  else
    line="$line, sm_75 refused for another reason: $(head -c 120 "$work/err")"; fail=1
  fi
  echo "$line"
done
done
[ $fail -eq 0 ] && echo "check-ptx: every kernel and set compiled to PTX and assembled for sm_80 and sm_90" ||
  echo "check-ptx: FAILED"
exit $fail
