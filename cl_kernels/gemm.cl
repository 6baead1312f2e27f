/* gemm.cl - varscope's own SGEMM for CPU-class OpenCL devices (PoCL):
 * C[m, n] = op(A)[m, k] x op(B)[k, n], row-major, float32.
 *
 * Two packing kernels copy op(A) and op(B) into panels the multiply reads
 * strictly sequentially, whatever the transposes, offsets and leading
 * dimensions were (so the four transpose combinations are one multiply
 * kernel, and a power-of-two leading dimension never maps a panel's rows
 * onto a few cache sets):
 *   Ap[m / RM][k][RM]: RM rows of op(A), column by column;
 *   Bp[n / NR][k][NR]: NR columns of op(B), row by row (NR = NV * VEC);
 * m and n are padded with zeros to whole panels, so the multiply has no
 * edge case in its loop, only in its store.
 *
 * The multiply is register-blocked like conv_direct.cl: a work-item holds
 * RM x NV vectors of VEC floats of C in registers; each step of k loads NV
 * vectors of Bp and broadcasts RM values of Ap, each feeding NV fused
 * multiply-adds (for RM=12, NV=2, VEC=16: 24 full-width FMAs per 2 vector
 * loads and 12 broadcasts). A work-group is LY work-items along m sharing
 * one B panel (read from L2 LY times); consecutive work-groups walk the n
 * panels with the same A rows, which therefore stay in L2 too.
 * Work-groups are one item wide in x so PoCL does not re-vectorise the
 * explicit vectors across work-items.
 *
 * Compile-time: VEC in {1, 2, 4, 8, 16}, NV, RM, UNROLL_K; T is float. */

#ifndef UNROLL_K
#define UNROLL_K 1
#endif
#define NR (VEC * NV)

#if VEC == 1
#define TV float
#define LOADV(p) (*(p))
#define STOREV(v, p) (*(p) = (v))
#else
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define TV CAT(float, VEC)
#define LOADV(p) CAT(vload, VEC)(0, (p))
#define STOREV(v, p) CAT(vstore, VEC)((v), 0, (p))
#endif

/* The packing kernels take one element each over a 2-D range whose
 * dimension 0 walks the source's contiguous direction (k when A is not
 * transposed, the rows when it is; likewise for B), so reads are
 * sequential and no index needs a division by a run-time value (64-bit
 * divisions per element cost more than the copy). Global size: (fast
 * extent rounded up to the work-group, slow extent); items past the
 * padded panel return. */

/* Ap[row / RM][kk][row % RM] = op(A)[row, kk] (0 for rows past m):
 * op(A)[row, kk] is a[row * lda + kk], or a[kk * lda + row] when
 * transposed. */
__kernel void pack_a(__global float *ap, __global const float *a, const ulong a_off, const ulong lda, const int ta,
                     const ulong m, const ulong k, const ulong mp) {
  ulong g0 = get_global_id(0), g1 = get_global_id(1);
  ulong row = ta ? g0 : g1, kk = ta ? g1 : g0;
  if (row >= mp || kk >= k) return;
  float v = 0;
  if (row < m) v = ta ? a[a_off + kk * lda + row] : a[a_off + row * lda + kk];
  ap[(row / RM) * k * RM + kk * RM + row % RM] = v;
}

/* Bp[col / NR][kk][col % NR] = op(B)[kk, col] (0 for columns past n):
 * op(B)[kk, col] is b[kk * ldb + col], or b[col * ldb + kk] when
 * transposed. */
__kernel void pack_b(__global float *bp, __global const float *b, const ulong b_off, const ulong ldb, const int tb,
                     const ulong n, const ulong k, const ulong np) {
  ulong g0 = get_global_id(0), g1 = get_global_id(1);
  ulong col = tb ? g1 : g0, kk = tb ? g0 : g1;
  if (col >= np || kk >= k) return;
  float v = 0;
  if (col < n) v = tb ? b[b_off + col * ldb + kk] : b[b_off + kk * ldb + col];
  bp[(col / NR) * k * NR + kk * NR + col % NR] = v;
}

/* One work-item per RM x NR block of C. Global size: (ceil(n / NR),
 * ceil(m / RM) rounded up to LY); local (1, LY). */
__kernel void gemm_packed(__global float *c, const ulong c_off, const ulong ldc, __global const float *ap,
                          __global const float *bp, const ulong m, const ulong n, const int k) {
  ulong jb = get_global_id(0), ib = get_global_id(1);
  ulong row0 = ib * RM, col0 = jb * NR;
  if (row0 >= m || col0 >= n) return;
  __global const float *pa = ap + ib * (ulong)k * RM;
  __global const float *pb = bp + jb * (ulong)k * NR;
  TV acc[RM][NV];
#pragma unroll
  for (int r = 0; r < RM; r++)
#pragma unroll
    for (int v = 0; v < NV; v++) acc[r][v] = (TV)0;
#pragma unroll UNROLL_K
  for (int kk = 0; kk < k; kk++) {
    TV w[NV];
#pragma unroll
    for (int v = 0; v < NV; v++) w[v] = LOADV(pb + v * VEC);
#pragma unroll
    for (int r = 0; r < RM; r++) {
      TV x = (TV)pa[r];
#pragma unroll
      for (int v = 0; v < NV; v++) acc[r][v] = fma(x, w[v], acc[r][v]);
    }
    pa += RM;
    pb += NR;
  }
  /* The store: whole vectors inside C, element by element across its
   * right edge; rows past m are not written. */
#pragma unroll
  for (int r = 0; r < RM; r++) {
    if (row0 + r >= m) break;
    __global float *cr = c + c_off + (row0 + r) * ldc + col0;
#pragma unroll
    for (int v = 0; v < NV; v++) {
      ulong col = col0 + (ulong)v * VEC;
      if (col + VEC <= n) {
        STOREV(acc[r][v], cr + v * VEC);
      } else if (col < n) {
        float tmp[VEC];
        STOREV(acc[r][v], tmp);
        for (ulong e = 0; col + e < n; e++) cr[v * VEC + e] = tmp[e];
      }
    }
  }
}
