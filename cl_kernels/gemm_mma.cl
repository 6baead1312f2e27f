/* gemm_mma.cl - the opt-in TF32 matrix-unit SGEMM (issue 11, "Beyond"):
 * C[m, n] = op(A)[m, k] x op(B)[k, n], row-major float32 in and out, its
 * products taken in TF32 (inputs rounded to 10 mantissa bits) and summed in
 * float32, as NVIDIA's tensor cores do under TF's
 * enable_tensor_float_32_execution.
 *
 * A work-group of WM x WN warps (32 work-items each, one dimension) owns a
 * BM x BN tile of C (BM = WM * FM * 16, BN = WN * FN * 8); each warp a
 * (FM * 16) x (FN * 8) block of it, held as FM x FN fragments of the
 * m16n8k8 instruction, 4 float32 accumulators a lane each. k is walked in
 * slices of KS: the group copies op(A)'s BM x KS and op(B)'s KS x BN slice
 * into __local memory, rounded to TF32 on the way, once an element (zeros
 * past m, n or k, so the instruction never sees an edge; only the store is
 * guarded), in float4 loads where the operand's offset and leading
 * dimension allow (stage), then each warp runs KS / 8 steps of FM x FN
 * instructions on fragments read from there. Two buffers of each slice:
 * the next slice is staged while the current one is multiplied, one
 * barrier a slice (conv_igemm.cl's DB). Both slices are stored k-fastest (As[row][k], Bs[col][k]),
 * rows padded by 4 floats: the eight rows a fragment load touches (lanes
 * g = 0..7, t = 0..3 reading [g][t]) then fall on 32 distinct banks for
 * KS = 8, 16 and 32.
 *
 * The instruction (MMA below): on NVIDIA (VS_NV_MMA, set by the host for
 * a device with TF32 matrix units, engine/kernels/gemm_mma.c) the inline
 * PTX mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32; elsewhere an
 * exact emulation of its warp-collective semantics: each lane writes its
 * fragment registers where the PTX ISA says they belong in the 16x8 A and
 * 8x8 B matrices, the warp's lanes meet at a barrier, and each lane
 * computes its own four elements of D from the whole matrices. So on PoCL
 * the kernel moves data and numbers lanes exactly as on the GPU; only the
 * instruction itself differs.
 *
 * Fragment layout of m16n8k8 with .tf32 inputs and .f32 accumulators
 * (PTX ISA, "Matrix Fragments for mma.m16n8k8", the .tf32 figures; the
 * same as CUTLASS's include/cute/atom/mma_traits_sm80.hpp,
 * MMA_Traits<SM80_16x8x8_F32TF32TF32F32_TN>: ALayout ((4,8),(2,2)):
 * ((16,1),(8,64)), BLayout ((4,8),2):((8,1),32), CLayout SM80_16x8_Row
 * ((4,8),(2,2)):((32,1),(16,8)), column-major M x K, N x K, M x N),
 * with g = lane >> 2 (groupID) and t = lane & 3 (threadID_in_group):
 *   A (16 x 8, row):  a0 (g, t)   a1 (g + 8, t)   a2 (g, t + 4)   a3 (g + 8, t + 4)
 *   B (8 x 8, col):   b0 (t, g)   b1 (t + 4, g)          [(row k, column n)]
 *   C, D (16 x 8):    c0 (g, 2t)  c1 (g, 2t + 1)  c2 (g + 8, 2t)  c3 (g + 8, 2t + 1)
 *
 * Lane numbering: lane = local id % 32, warp = local id / 32, on every
 * device. On NVIDIA this is %laneid: a one-dimensional work-group is a CUDA
 * block of threadIdx.x = local id, and CUDA forms warps of consecutive
 * thread ids from 0 (CUDA C Programming Guide, "SIMT Architecture"), so
 * warp w holds ids 32w .. 32w + 31 in lane order. Reading the local id
 * rather than %laneid keeps the emulation's numbering and the GPU's one and
 * the same expression, and the warp index needs the local id anyway.
 *
 * Compile-time: WM, WN (warps along m and n), FM, FN (fragments per warp
 * along m and n), KS (k-slice, a multiple of 8), VS_NV_MMA (the real
 * instruction). Run-time: transposes, offsets and leading dimensions as
 * the GEMM entry (engine/kernels/gemm.h), and whether each operand's
 * offset and leading dimension are multiples of 4 (va, vb); m, n, k any
 * size, k = 0 writes zeros. Launch: local (32 * WM * WN), global (ceil(m / BM) * that,
 * ceil(n / BN)): the row blocks, which an im2col GEMM has by the
 * hundred thousand, along dimension 0, since CUDA caps a grid's second
 * dimension at 65535 blocks. */

#include "mma_tf32.clh"

/* Rounds x[0..n) into y (mma_tf32.clh's tf32_round, for the tests' exact cases). */
__kernel void tf32_round_buf(__global float *y, __global const float *x, uint n) {
  size_t i = get_global_id(0);
  if (i < n) y[i] = tf32_round(x[i]);
}

/* va, vb: op(A)'s and op(B)'s offsets and leading dimensions are multiples
 * of 4 (stage's vec). */
__kernel __attribute__((reqd_work_group_size(ITEMS, 1, 1))) void gemm_mma(
    __global float *c, ulong c_off, ulong ldc, __global const float *a, ulong a_off, ulong lda, int ta,
    __global const float *b, ulong b_off, ulong ldb, int tb, ulong m, ulong n, int k, int va, int vb) {
  /* Two buffers of each slice (double buffering): the next slice is
   * staged while this one is multiplied, one barrier a slice. */
  __local float As[2 * BM * LDS], Bs[2 * BN * LDS], scratch[SCRATCH];
  uint lid = (uint)get_local_id(0), lane = lid & 31, warp = lid >> 5;
  uint wm = warp / WN, wn = warp % WN, g = lane >> 2, t = lane & 3;
  ulong m0 = (ulong)get_group_id(0) * BM, n0 = (ulong)get_group_id(1) * BN;
  __local float *s = scratch + (SCRATCH > 1 ? warp * 192 : 0);
  /* Every loop over fragments is unrolled on the GPU (UNROLL): the
   * accumulators and fragments must be registers, which only constant
   * indices allow. */
  float acc[FM][FN][4];
  MMA_ZERO(acc);

  /* op(A)[m0 + r, k0 + q] is contiguous along k when A is not transposed;
   * op(B)[k0 + q, n0 + col] along k when B is. */
  const int slices = (int)(((ulong)k + KS - 1) / KS); /* k <= INT32_MAX - 64 (gemm_mma.c) */
  if (slices > 0) {
    stage(As, BM, a, a_off, lda, !ta, va, m0, m, 0, k, lid);
    stage(Bs, BN, b, b_off, ldb, tb, vb, n0, n, 0, k, lid);
  }
  for (int sl = 0; sl < slices; sl++) {
    /* After it slice sl is complete, and every work-item is done reading
     * the other buffer (slice sl - 1), which then takes slice sl + 1. */
    barrier(CLK_LOCAL_MEM_FENCE);
    uint cur = (uint)sl & 1, next = cur ^ 1;
    if (sl + 1 < slices) {
      stage(As + next * BM * LDS, BM, a, a_off, lda, !ta, va, m0, m, (sl + 1) * KS, k, lid);
      stage(Bs + next * BN * LDS, BN, b, b_off, ldb, tb, vb, n0, n, (sl + 1) * KS, k, lid);
    }
    MMA_SLICE(acc, As + cur * BM * LDS, Bs + cur * BN * LDS, wm, wn, g, t, s, lane);
  }

  MMA_EACH(wm, wn, g, t, if (m0 + row < m && n0 + col < n) c[c_off + (m0 + row) * ldc + n0 + col] = acc[i][j][e];)
}

/* One warp runs the instruction once on fragments given lane by lane:
 * a[lane * 4 + i] is lane's a_i, b[lane * 2 + i] its b_i, and lane's d_i
 * (starting from zero) goes to d[lane * 4 + i]. The kernel knows nothing
 * of the layout: the test (test_gemm_tf32's fragment_layout_is_the_isas)
 * places A's and B's elements by the PTX ISA's table and reads D by it, so
 * the emulation is held to the ISA here and the real instruction on the
 * GPU. The GEMM tests cannot do that: a misreading shared by MMA_SLICE's
 * loads and the emulation cancels out in every product. */
__kernel __attribute__((reqd_work_group_size(32, 1, 1))) void mma_probe(__global float *d, __global const float *a,
                                                                        __global const float *b) {
  __local float s[192];
  uint lane = (uint)get_local_id(0);
  float fa[4] = {a[lane * 4], a[lane * 4 + 1], a[lane * 4 + 2], a[lane * 4 + 3]};
  float fb[2] = {b[lane * 2], b[lane * 2 + 1]};
  float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  MMA(acc, fa, fb, s, lane);
  for (int i = 0; i < 4; i++) d[lane * 4 + i] = acc[i];
}
