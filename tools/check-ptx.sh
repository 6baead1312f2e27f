#!/usr/bin/env bash
# check-ptx.sh [SETS...] - proves without a GPU that the TF32 kernels'
# NVIDIA builds (cl_kernels/gemm_mma.cl and conv_igemm_tf32.cl with
# VS_NV_MMA: mma_tf32.clh's inline PTX
# mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32) compile to PTX and
# assemble for sm_80 and sm_90, under each parameter set (WM,WN,FM,FN,KS;
# default: the sets engine/kernels/gemm_mma.c and conv_igemm_tf32.c time,
# and one with 64-deep slices; SETS apply to these two only). KERNELS
# names the families checked (default all: gemm_mma conv_igemm_tf32 direct
# pointwise igemm gemm conv_grad).
#
# Clang compiles the OpenCL C for nvptx64-nvidia-nvcl (NVIDIA's own OpenCL
# compiler, which builds it on the GPU host, is not available here), with
# libclc's nvptx64 builtins linked in (get_local_id and the like), and
# CUDA's ptxas assembles the PTX. As a control, ptxas must refuse the same
# PTX for sm_75 (no TF32 mma there): the check would otherwise prove
# nothing. The program's options are the library's (-cl-std=CL1.2 -DT=float
# and the set's defines, gemm_mma.c's `options`).
#
# Then the FP32 kernels a GPU's selection and tuner can take (FP32=0
# skips them): conv_direct.cl, conv_pointwise.cl, conv_igemm.cl, gemm.cl's
# pack, packed, k-blocked and in-place forms and conv_grad.cl's direct
# gradients, each under every parameter set engine/kernels/conv_select.c,
# conv_tune.c, conv_igemm.c, gemm_select.c and gemm_tune.c offer on an
# NVIDIA GPU (mirrored below; a GPU's CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT
# is 1, which sets gemm.cl's widths), with the shape constants of two
# ResNet-like layers, compiled to PTX and assembled by ptxas for sm_90, one line
# each with its registers and spill bytes. A set that does not compile or
# assemble fails the check; one that spills is reported only (spills are
# correct, slower: the selection and the tuner time every set anyway).
# FP32_SETS=quick checks the selection's sets only, not the tuner's.
#
# Needs: clang (14 or later), libclc for nvptx64 (Debian: libclc-14), and
# ptxas (CUDA toolkit; PTXAS or /usr/local/cuda/bin/ptxas). Not part of
# `make test`: the CUDA toolkit is not a dependency of the project.
# Exit 0 when every set compiled and assembled and the control was refused.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
me=check-ptx need_ptxas=1
# shellcheck source=tools/nvptx-tools.sh
. "$here/tools/nvptx-tools.sh"
sets=("$@")
# Without SETS: each kernel's own (gemm_mma.c's and conv_igemm_tf32.c's
# candidates, and the tests' extra sets).
gemm_sets=(2,2,2,4,16 2,4,4,4,16 2,2,4,4,16 1,1,1,1,8 1,2,1,2,64)
conv_sets=(2,2,2,4,16 4,2,2,4,16 1,1,2,2,16 1,1,1,1,8 2,1,1,3,64)
# file:entry of each kernel
kernels=() fp32=()
for k in ${KERNELS:-gemm_mma conv_igemm_tf32 direct pointwise igemm gemm conv_grad}; do
  case $k in
    gemm_mma) kernels+=(gemm_mma:gemm_mma) ;;
    conv_igemm_tf32) kernels+=(conv_igemm_tf32:conv2d_igemm_tf32) ;;
    direct | pointwise | igemm | gemm | conv_grad) [ "${FP32:-1}" = 0 ] || fp32+=("$k") ;;
    *) echo "check-ptx: unknown kernel $k (gemm_mma, conv_igemm_tf32, direct, pointwise, igemm, gemm, conv_grad)" >&2
       exit 2 ;;
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

# ---- the FP32 kernels ----
# One program: file, entry, a label and its options after the library's
# "-cl-std=CL1.2 -DT=float". Prints the label, registers and spill bytes
# of the entry for sm_90; counts spilling sets.
n_fp32=0 n_spill=0
fp32_one() {
  local file=$1 entry=$2 label=$3 opts=$4 ptx=$work/fp32.ptx info
  n_fp32=$((n_fp32 + 1))
  # shellcheck disable=SC2086 # opts is a list of -D options
  # PTX for sm_80 (clang 14 knows no sm_90), assembled by ptxas for sm_90
  # as NVIDIA's driver would JIT it there.
  if ! "$clang" -x cl -cl-std=CL1.2 -DT=float $opts -target nvptx64-nvidia-nvcl -march=sm_80 \
      -Xclang -target-feature -Xclang +ptx70 -O2 -S \
      -Xclang -mlink-bitcode-file -Xclang "$clc" -Wno-linker-warnings "$here/cl_kernels/$file.cl" -o "$ptx" \
      2>"$work/err"; then
    echo "$label: clang FAILED: $(grep -m2 error "$work/err")"; fail=1; return
  fi
  if ! "$ptxas" -v -arch=sm_90 "$ptx" -o "$work/fp32.cubin" >"$work/info" 2>&1; then
    echo "$label: ptxas sm_90 FAILED: $(head -3 "$work/info")"; fail=1; return
  fi
  info=$(grep -A3 "Compiling entry function '$entry'" "$work/info")
  local regs spill_st spill_ld stack
  regs=$(grep -o "Used [0-9]* registers" <<<"$info" | grep -o "[0-9]*" | head -1)
  spill_st=$(grep -o "[0-9]* bytes spill stores" <<<"$info" | grep -o "^[0-9]*" | head -1)
  spill_ld=$(grep -o "[0-9]* bytes spill loads" <<<"$info" | grep -o "^[0-9]*" | head -1)
  stack=$(grep -o "[0-9]* bytes stack frame" <<<"$info" | grep -o "^[0-9]*" | head -1)
  [ -n "$regs" ] || { echo "$label: no entry $entry in ptxas's report"; fail=1; return; }
  local mark=""
  if [ "${spill_st:-0}" -gt 0 ] || [ "${spill_ld:-0}" -gt 0 ]; then mark=" SPILLS"; n_spill=$((n_spill + 1)); fi
  echo "$label: sm_90 $regs registers, ${spill_st:-?} B spill stores, ${spill_ld:-?} B spill loads, ${stack:-?} B stack$mark"
}
quick=${FP32_SETS:-all}
# Two layers' shape constants (conv_direct.cl's and conv_grad.cl's SC, SK,
# SKH, SKW; VEC is the widest of 16..1 dividing K, conv2d.c's
# vs__vec_width): 3x3 64->64 stride 1 (ResNet's stage 1) and 5x5 32->32
# stride 1 (the tuner's default family).
shapes=("3 3 64 64 1" "5 5 32 32 1")
vec_of() { local k=$1; for v in 16 8 4 2 1; do [ $((k % v)) -eq 0 ] && { echo $v; return; }; done; }
for fam in "${fp32[@]}"; do
case $fam in
direct)
  # conv_select.c: the wide default (rm 8 nv 2 uc 1 strip; a GPU's) and
  # DIRECT_VARIANTS (rm nv uc form); conv_tune.c's next_candidate: phase 1
  # every form x rm {2..16} x nv {1,2,4} whose accumulators and one tap's
  # filter vectors take at most 31 of a GPU's 32 "registers", phase 2 uc
  # {1,2,4} (ly is the work-group, not the program), phase 3 the strip
  # blocked over rh {2,4,8} rows. Forms: 0 conv2d, 1 conv2d_rows, 2
  # conv2d_strip (conv2d_strip_rows when rh > 1).
  names=(conv2d conv2d_rows conv2d_strip)
  for shape in "${shapes[@]}"; do
    read -r kh kw c k sw <<<"$shape"
    vec=$(vec_of "$k")
    sets=("8 2 1 2 1" "8 2 2 0 1" "6 2 2 0 1" "12 2 2 0 1" "4 4 2 0 1" "8 2 2 1 1" "12 2 2 1 1" "6 4 2 1 1"
          "8 2 1 2 1" "4 4 1 2 1")
    if [ "$quick" = all ]; then
      for rw in 0 1 2; do for rm in 2 4 6 8 10 12 14 16; do for nv in 1 2 4; do
        [ $((rm * nv + nv)) -le 31 ] && [ $((k % (vec * nv))) -eq 0 ] || continue
        [ $rw -eq 2 ] && [ $(((rm - 1) * sw + kw)) -gt 24 ] && continue
        sets+=("$rm $nv 1 $rw 1")
      done; done; done
      sets+=("8 2 2 2 1" "8 2 4 2 1" "8 2 1 2 2" "8 2 1 2 4" "8 2 1 2 8")
    fi
    declare -A seen=()
    for s in "${sets[@]}"; do
      [ -z "${seen[$s]:-}" ] || continue
      seen[$s]=1
      read -r rm nv uc rw rh <<<"$s"
      [ $((k % (vec * nv))) -eq 0 ] || continue
      entry=${names[$rw]} extra=""
      [ "$rh" -gt 1 ] && entry=conv2d_strip_rows extra=" -DRH=$rh"
      [ "$rw" -eq 2 ] && [ "$sw" -gt 1 ] && extra="$extra -DSSW=$sw"
      rhl=""; [ "$rh" -gt 1 ] && rhl=" rh$rh"
      fp32_one conv_direct "$entry" "conv_direct ${kh}x${kw} $c->$k $entry rm$rm nv$nv uc$uc$rhl" \
        "-DVEC=$vec -DRM=$rm -DNV=$nv -DUNROLL_C=$uc -DSC=$c -DSK=$k -DSKH=$kh -DSKW=$kw$extra"
    done
    unset seen
  done ;;
pointwise)
  # conv2d.c's vs__conv_pointwise_sets (8x2, 6x4, 8x2 prefetching 2
  # strips ahead) and conv_tune.c's pointwise phase 1 (rm {2..16} x nv
  # {1,2,4} within 30 registers), on a 1x1 64->256 stride-1 layer (VEC 16).
  sets=("8 2" "6 4" "8 2 2")
  if [ "$quick" = all ]; then
    for rm in 2 4 6 8 10 12 14 16; do for nv in 1 2 4; do
      [ $((rm * nv + nv)) -le 30 ] && [ $((256 % (16 * nv))) -eq 0 ] && sets+=("$rm $nv")
    done; done
  fi
  declare -A seen=()
  for s in "${sets[@]}"; do
    [ -z "${seen[$s]:-}" ] || continue
    seen[$s]=1
    read -r rm nv pf <<<"$s"
    pfd=""; pfl=""; [ -n "$pf" ] && pfd=" -DPF=$pf" && pfl=" pf$pf"
    fp32_one conv_pointwise conv2d_pointwise "conv_pointwise 1x1 64->256 rm$rm nv$nv$pfl" \
      "-DVEC=16 -DRM=$rm -DNV=$nv -DSC=64 -DSK=256 -DSSW=1$pfd"
  done
  unset seen ;;
igemm)
  # conv_igemm.c: DEFAULTS, then vs__conv_igemm_candidate's phase 1
  # (tiles x work-group shapes x vector widths, 16-deep, within 4-64
  # accumulators and vs__conv_igemm_valid, A's widest local vector VWM)
  # and phase 2 around the first default (slice depth {8,16,32} x double
  # buffering, then VWM 1 and 2). No shape constants.
  sets=("128 128 16 16 16 4 1 4" "64 64 16 16 16 4 1 4" "64 64 16 8 8 4 1 4" "32 32 16 8 8 2 0 4")
  if [ "$quick" = all ]; then
    for t in "32 32" "64 64" "128 64" "64 128" "128 128"; do read -r mwg nwg <<<"$t"
      for dc in 8 16; do for vw in 1 2 4; do
        [ $((mwg % dc)) -eq 0 ] && [ $((nwg % (dc * vw))) -eq 0 ] || continue
        block=$(((mwg / dc) * (nwg / dc))) mwi=$((mwg / dc))
        vwm=1; [ $((mwi % 2)) -eq 0 ] && vwm=2; [ $((mwi % 4)) -eq 0 ] && vwm=4
        [ $block -ge 4 ] && [ $block -le 64 ] && sets+=("$mwg $nwg 16 $dc $dc $vw 0 $vwm")
      done; done
    done
    for kwg in 8 16 32; do for db in 0 1; do
      [ $kwg -eq 16 ] && [ $db -eq 0 ] || sets+=("128 128 $kwg 16 16 4 $db 4")
    done; done
    sets+=("128 128 16 16 16 4 1 1" "128 128 16 16 16 4 1 2")
  fi
  declare -A seen=()
  for s in "${sets[@]}"; do
    [ -z "${seen[$s]:-}" ] || continue
    seen[$s]=1
    read -r mwg nwg kwg mdimc ndimc vw db vwm <<<"$s"
    label="conv_igemm m$mwg n$nwg k$kwg d${mdimc}x$ndimc v$vw"; [ "$db" = 1 ] && label="$label db"
    [ "$vwm" -gt 1 ] && label="$label vm$vwm"
    # vs__conv_igemm_fits: the slices (A's rows padded by VWM; twice when
    # double-buffered) and 16 bytes a tile row in the device's local
    # memory, 48 KB in NVIDIA's OpenCL: a set needing more is never
    # offered there.
    bytes=$(((db + 1) * kwg * (mwg + vwm + nwg) * 4 + 16 * mwg))
    if [ $bytes -gt 49152 ]; then echo "$label: not offered (needs $bytes B of local memory, NVIDIA's OpenCL has 48 KB)"; continue; fi
    fp32_one conv_igemm conv2d_igemm "$label" \
      "-DMWG=$mwg -DNWG=$nwg -DKWG=$kwg -DMDIMC=$mdimc -DNDIMC=$ndimc -DVW=$vw -DDB=$db -DVWM=$vwm"
  done
  unset seen ;;
gemm)
  # gemm.c's defaults at a native float width of 1 (a GPU's): rm 6 nv 2
  # vec 1 uk 4 for the packed, k-blocked and in-place forms;
  # gemm_tune.c's tiles at that width (vec 4, rm {4..16} x nv {1..4}
  # within 14 registers) and unrolling uk {1,2,4,8}. Each with A as given
  # and transposed (TA), and the epilogue (bias and relu) in the store.
  sets=("6 2 1 4")
  if [ "$quick" = all ]; then
    for rm in 4 6 8 10 12 14 16; do for nv in 1 2 3 4; do
      [ $((rm * nv + nv)) -le 14 ] && sets+=("$rm $nv 4 4")
    done; done
    sets+=("6 2 1 1" "6 2 1 2" "6 2 1 8")
  fi
  for s in "${sets[@]}"; do
    read -r rm nv v uk <<<"$s"
    for entry in pack gemm_packed gemm_blocked gemm_inplace; do
      for ta in 0 1; do
        epi=""; [ "$entry" = pack ] || epi=" -DEPI_BIAS -DEPI_RELU"
        fp32_one gemm "$entry" "gemm $entry rm$rm nv$nv vec$v uk$uk ta$ta${epi:+ epi}" \
          "-DRM=$rm -DNV=$nv -DVEC=$v -DUNROLL_K=$uk -DTA=$ta$epi"
      done
    done
  done ;;
conv_grad)
  # nn_grad.c's direct gradients, whose parameters follow from the shape:
  # conv2d_bp_input's lanes form (CB = the largest divisor of C up to 8)
  # and transposed form (VECC, NC), conv2d_bp_filter (KV, CB).
  divisor_upto() { local n=$1 m=$2 d; for ((d = m; d >= 1; d--)); do [ $((n % d)) -eq 0 ] && { echo $d; return; }; done; }
  for shape in "${shapes[@]}"; do
    read -r kh kw c k sw <<<"$shape"
    vec=$(vec_of "$k") vecc=$(vec_of "$c")
    base="-DVEC=$vec -DSC=$c -DSK=$k -DSKH=$kh -DSKW=$kw -DSSH=$sw -DSSW=$sw -DSDH=1 -DSDW=1"
    cb=$(divisor_upto "$c" 8) nc=$(divisor_upto $((c / vecc)) 4)
    fp32_one conv_grad conv2d_bp_input "conv_grad ${kh}x${kw} $c->$k conv2d_bp_input cb$cb" "$base -DCB=$cb -DKV=1"
    fp32_one conv_grad conv2d_bp_input "conv_grad ${kh}x${kw} $c->$k conv2d_bp_input transposed vecc$vecc nc$nc" \
      "$base -DCB=$cb -DKV=1 -DVECC=$vecc -DNC=$nc"
    kv=$(divisor_upto $((k / vec)) 4); cb=$(divisor_upto "$c" $((16 / kv)))
    [ "$cb" -gt 8 ] && cb=$(divisor_upto "$c" 8)
    fp32_one conv_grad conv2d_bp_filter "conv_grad ${kh}x${kw} $c->$k conv2d_bp_filter kv$kv cb$cb" \
      "$base -DCB=$cb -DKV=$kv"
  done ;;
esac
done
[ ${#fp32[@]} -eq 0 ] || echo "check-ptx: $n_fp32 FP32 programs for sm_90, $n_spill of them spilling"
[ $fail -eq 0 ] && echo "check-ptx: every kernel and set compiled to PTX and assembled" || echo "check-ptx: FAILED"
exit $fail
