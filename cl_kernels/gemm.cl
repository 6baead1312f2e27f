/* gemm.cl - varscope's own SGEMM for CPU-class OpenCL devices (PoCL):
 * C[m, n] = op(A)[m, k] x op(B)[k, n], row-major, float32.
 *
 * A packing kernel copies op(A) and op(B) into panels the multiply reads
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

/* One packing kernel for both panels. A panel of width W is W rows of a
 * row-major matrix X (op(A), W = RM) or W columns of one whose columns
 * are the panel's rows (op(B), W = NR), k long:
 *   P[row / W][kk][row % W] = X(row, kk), 0 for rows past `rows`,
 * X(row, kk) = x[row * ld + kk], or x[kk * ld + row] when t. op(A) is X
 * with t = ta; op(B)'s columns are X with t = !tb (op(B)[kk, col] is
 * b[kk * ldb + col], or b[col * ldb + kk] when transposed).
 * One element per work-item over a 2-D range whose dimension 0 walks the
 * source's contiguous direction (kk when !t, the rows when t), so reads
 * are sequential; W is a compile-time constant at each call, so no index
 * needs a division by a run-time value (64-bit divisions per element cost
 * more than the copy). */
inline void pack_one(__global float *p, __global const float *x, const ulong off, const ulong ld, const int t,
                     const ulong rows, const ulong padded, const ulong k, const ulong w, const ulong g0,
                     const ulong g1) {
  ulong row = t ? g0 : g1, kk = t ? g1 : g0;
  if (row >= padded || kk >= k) return;
  float v = 0;
  if (row < rows) v = t ? x[off + kk * ld + row] : x[off + row * ld + kk];
  p[(row / w) * k * w + kk * w + row % w] = v;
}

/* Packs op(A) into Ap and op(B) into Bp in one launch (a launch on a
 * loaded CPU device waits for a core: at 256^3 the launches cost more
 * than the copies). Dimension 1 walks A's slow extent (a_slow: k when ta,
 * else mp) and then B's; dimension 0 the larger of the two fast extents,
 * items past either panel return. The host launches A and B separately
 * (a_slow = the whole range, or 0) when the shapes differ so much that
 * the shared range would be mostly idle items (gemm.c). */
__kernel void pack(__global float *ap, __global const float *a, const ulong a_off, const ulong lda, const int ta,
                   const ulong m, const ulong mp, __global float *bp, __global const float *b, const ulong b_off,
                   const ulong ldb, const int tb, const ulong n, const ulong np, const ulong k, const ulong a_slow) {
  ulong g0 = get_global_id(0), g1 = get_global_id(1);
  if (g1 < a_slow) pack_one(ap, a, a_off, lda, ta, m, mp, k, RM, g0, g1);
  else pack_one(bp, b, b_off, ldb, !tb, n, np, k, NR, g0, g1 - a_slow);
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
