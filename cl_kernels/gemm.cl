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
 * one B panel (read from L2 up to LY times); consecutive work-groups walk
 * the n panels with the same A rows, which therefore stay in L2 too. The
 * rows of work-groups split C's tiles evenly (group_tiles: a row's items
 * past its share return at once), so the last groups of a launch cost
 * what the others do.
 * Work-groups are one item wide in x so PoCL does not re-vectorise the
 * explicit vectors across work-items.
 *
 * Two more multiplies share the register tile (tile_step): gemm_blocked
 * (packed panels, k in chunks, an item over up to LY tiles) and gemm_inplace
 * (no packing, for small problems); gemm_select.c measures which runs.
 *
 * Compile-time: VEC in {1, 2, 4, 8, 16}, NV, RM, UNROLL_K, TA
 * (gemm_inplace's A layout); T is float. */

#ifndef UNROLL_K
#define UNROLL_K 1
#endif
#define NR (VEC * NV)

/* TV, LOADV, STOREV (whole-line stores on PoCL), LOADN, STOREN. */
#include "vectors.clh"

/* One packing kernel for both panels. A panel of width W is W rows of a
 * row-major matrix X (op(A), W = RM) or W columns of one whose columns
 * are the panel's rows (op(B), W = NR), k long:
 *   P[row / W][kk][row % W] = X(row, kk), 0 for rows past `rows`,
 * X(row, kk) = x[row * ld + kk], or x[kk * ld + row] when t. op(A) is X
 * with t = ta; op(B)'s columns are X with t = !tb (op(B)[kk, col] is
 * b[kk * ldb + col], or b[col * ldb + kk] when transposed).
 * pack_panel copies the W floats of P[panel][kk]: a contiguous run of x
 * when t, else W floats a row apart. W is a compile-time constant at each
 * call, so the copy unrolls. A work-item copies VEC steps of one panel
 * (pack_panel_steps). (One item per element, as before, spent ~1/3 of a
 * 512^3 GEMM's CPU time in the work-item loop of this copy.) */
__attribute__((always_inline)) inline void pack_panel(__global float *p, __global const float *x, const ulong off, const ulong ld, const int t,
                       const ulong rows, const ulong k, const int w, const ulong panel, const ulong kk) {
  __global float *dst = p + (panel * k + kk) * w;
  ulong row0 = panel * w;
  if (row0 + w <= rows) {
    if (t && w % VEC == 0) {
      __global const float *src = x + off + kk * ld + row0;
#pragma unroll
      for (int r = 0; r < w; r += VEC) STOREV(LOADV(src, r), dst, r);
    } else if (t) {
      __global const float *src = x + off + kk * ld + row0;
#pragma unroll
      for (int r = 0; r < w; r++) dst[r] = src[r];
    } else {
      __global const float *src = x + off + row0 * ld + kk;
#pragma unroll
      for (int r = 0; r < w; r++) dst[r] = src[r * ld];
    }
  } else {
    for (int r = 0; r < w; r++) {
      ulong row = row0 + r;
      dst[r] = row >= rows ? 0.0f : t ? x[off + kk * ld + row] : x[off + row * ld + kk];
    }
  }
}

/* The transposing copy of a panel whose rows are strided (t = 0: op(A)
 * not transposed, op(B) transposed): VEC steps of k of up to VEC rows are
 * VEC vector loads, one per row, transposed in registers (log2 VEC rounds
 * of two-vector shuffles, each pair of rows i, i + h swapping their
 * off-diagonal h x h blocks), then VEC stores of a step's rows. The copy
 * one float at a time (pack_panel) compiled to scalar loads and stores
 * with integer address arithmetic on PoCL; this one is vector loads,
 * shuffles (vpermt2ps with AVX-512) and stores. For VEC in {4, 8, 16}; a
 * VEC of 1 or 2 copies step by step. */
#if VEC == 16 || VEC == 8 || VEC == 4
#define PACK_TRANSPOSE 1
#endif
#ifdef PACK_TRANSPOSE
/* One round of the transpose on rows a and b = a + h: a takes its own
 * lanes with bit h clear and b's lanes with bit h clear in its lanes with
 * bit h set; b the lanes with bit h set of both. h is a constant after
 * unrolling, so each branch folds to two shuffles. */
__attribute__((always_inline)) inline void transpose_round(TV *a, TV *b, const int h) {
  TV x = *a, y = *b;
#if VEC == 16
  if (h == 8) {
    *a = (TV)(x.lo, y.lo);
    *b = (TV)(x.hi, y.hi);
  } else if (h == 4) {
    *a = (TV)(x.s0123, y.s0123, x.s89ab, y.s89ab);
    *b = (TV)(x.s4567, y.s4567, x.scdef, y.scdef);
  } else if (h == 2) {
    *a = (TV)(x.s01, y.s01, x.s45, y.s45, x.s89, y.s89, x.scd, y.scd);
    *b = (TV)(x.s23, y.s23, x.s67, y.s67, x.sab, y.sab, x.sef, y.sef);
  } else {
    *a = (TV)(x.s0, y.s0, x.s2, y.s2, x.s4, y.s4, x.s6, y.s6, x.s8, y.s8, x.sa, y.sa, x.sc, y.sc, x.se, y.se);
    *b = (TV)(x.s1, y.s1, x.s3, y.s3, x.s5, y.s5, x.s7, y.s7, x.s9, y.s9, x.sb, y.sb, x.sd, y.sd, x.sf, y.sf);
  }
#elif VEC == 8
  if (h == 4) {
    *a = (TV)(x.lo, y.lo);
    *b = (TV)(x.hi, y.hi);
  } else if (h == 2) {
    *a = (TV)(x.s01, y.s01, x.s45, y.s45);
    *b = (TV)(x.s23, y.s23, x.s67, y.s67);
  } else {
    *a = (TV)(x.s0, y.s0, x.s2, y.s2, x.s4, y.s4, x.s6, y.s6);
    *b = (TV)(x.s1, y.s1, x.s3, y.s3, x.s5, y.s5, x.s7, y.s7);
  }
#else
  if (h == 2) {
    *a = (TV)(x.lo, y.lo);
    *b = (TV)(x.hi, y.hi);
  } else {
    *a = (TV)(x.s0, y.s0, x.s2, y.s2);
    *b = (TV)(x.s1, y.s1, x.s3, y.s3);
  }
#endif
}

/* Stores the first n < W lanes of a vector of W floats at p (n a constant
 * after inlining): store_first2 the one lane, the wider ones by halves
 * (STORE_FIRST). So pieces of 8,
 * 4, 2 and 1 lanes, each a swizzle of v (a copy through a private array
 * measured as slow as the scalar copy: its reloads of a 64-byte store's
 * parts wait on store forwarding). */
__attribute__((always_inline)) inline void store_first2(float2 v, __global float *p, const int n) {
  if (n & 1) p[0] = v.s0;
}
/* store_firstW for W = 2H: the first half whole where n & H, then n's
 * rest from the second half; else n from the first half. */
#define STORE_FIRST(W, H)                                                                         \
  __attribute__((always_inline)) inline void store_first##W(float##W v, __global float *p, const int n) { \
    if (n & H) {                                                                                  \
      STOREN(H, __global, v.lo, p);                                                               \
      store_first##H(v.hi, p + H, n & (H - 1));                                                   \
    } else {                                                                                      \
      store_first##H(v.lo, p, n);                                                                 \
    }                                                                                             \
  }
STORE_FIRST(4, 2)
STORE_FIRST(8, 4)
STORE_FIRST(16, 8)

/* Stores a chunk of wc floats of a step from v at p, `room` floats from p
 * to the end of what the work-item writes: the whole vector where it is
 * wc long, or where it stays inside the item's part (its lanes past wc
 * land on later steps' floats, which their stores, later in the item,
 * write over: the steps go first to last and a step's chunks last to
 * first); else the first wc lanes. */
__attribute__((always_inline)) inline void store_chunk(TV v, __global float *p, const int wc, const ulong room) {
  if (wc == VEC || room >= VEC) STOREV(v, p, 0);
  else CAT(store_first, VEC)(v, p, wc);
}

/* Rows [c, c + wc) (wc <= VEC) of a panel w wide, VEC steps: src is row
 * c's first step (rows ld apart), dst the first step's row c in P. */
__attribute__((always_inline)) inline void transpose_block(__global float *dst, __global const float *src,
                                                           const ulong ld, const int w, const int c, const int wc) {
  TV v[VEC];
#pragma unroll
  for (int r = 0; r < VEC; r++) v[r] = r < wc ? LOADV(src + r * ld, 0) : (TV)0;
#pragma unroll
  for (int h = VEC / 2; h >= 1; h /= 2)
#pragma unroll
    for (int i = 0; i < VEC; i++)
      if (!(i & h)) transpose_round(&v[i], &v[i + h], h);
#pragma unroll
  for (int j = 0; j < VEC; j++) store_chunk(v[j], dst + j * w, wc, (ulong)((VEC - j) * w - c));
}
#endif

/* Steps [kb * VEC, kb * VEC + VEC) of one panel, w wide: where the panel
 * is whole, either transposed in blocks (rows strided, t = 0, all VEC
 * steps inside k) or, rows contiguous (t = 1) and w not a whole number of
 * vectors, a step's w floats as vectors (loads that stay inside the row's
 * valid columns); else step by step (pack_panel). The chunks of a step go
 * last to first, so a chunk's whole-vector store past the step's end is
 * written over (store_chunk). */
__attribute__((always_inline)) inline void pack_panel_steps(__global float *p, __global const float *x,
                                                            const ulong off, const ulong ld, const int t,
                                                            const ulong rows, const ulong k, const int w,
                                                            const ulong panel, const ulong kb) {
  ulong kk0 = kb * VEC, row0 = panel * w;
#ifdef PACK_TRANSPOSE
  const int chunks = (w + VEC - 1) / VEC;
  if (!t && row0 + w <= rows && kk0 + VEC <= k) {
    __global float *dst = p + (panel * k + kk0) * w;
    __global const float *src = x + off + row0 * ld + kk0;
#pragma unroll
    for (int c = (chunks - 1) * VEC; c >= 0; c -= VEC)
      transpose_block(dst + c, src + c * ld, ld, w, c, w - c < VEC ? w - c : VEC);
    return;
  }
  if (t && w % VEC && row0 + chunks * VEC <= rows) {
    ulong kend = kk0 + VEC < k ? kk0 + VEC : k;
    for (ulong kk = kk0; kk < kend; kk++) {
      __global float *dst = p + (panel * k + kk) * w;
      __global const float *src = x + off + kk * ld + row0;
#pragma unroll
      for (int c = (chunks - 1) * VEC; c >= 0; c -= VEC)
        store_chunk(LOADV(src, c), dst + c, w - c < VEC ? w - c : VEC, (kend - kk) * w - c);
    }
    return;
  }
#endif
  for (ulong kk = kk0; kk < kk0 + VEC && kk < k; kk++) pack_panel(p, x, off, ld, t, rows, k, w, panel, kk);
}

/* Packs op(A) into Ap and op(B) into Bp in one launch (a launch on a
 * loaded CPU device waits for a core: at 256^3 the launches cost more
 * than the copies). Global range (ceil(k / VEC) rounded up, a_panels +
 * b_panels): dimension 0 walks blocks of VEC steps of k, dimension 1 A's
 * panels and then B's; items past k return. */
__kernel void pack(__global float *ap, __global const float *a, const ulong a_off, const ulong lda, const int ta,
                   const ulong m, __global float *bp, __global const float *b, const ulong b_off, const ulong ldb,
                   const int tb, const ulong n, const ulong k, const ulong a_panels) {
  ulong kb = get_global_id(0), g1 = get_global_id(1);
  if (kb * VEC >= k) return;
  if (g1 < a_panels) pack_panel_steps(ap, a, a_off, lda, ta, m, k, RM, g1, kb);
  else pack_panel_steps(bp, b, b_off, ldb, !tb, n, k, NR, g1 - a_panels, kb);
}

/* The RM-row tiles of C that row g of `rows` rows of work-groups (or of
 * items, gemm_blocked) owns: [*first, *last), the tiles dealt evenly, so
 * rows differ by at most one tile. Dealt as ceil(m / RM) / LY rows of LY
 * and a last short one, as before, a launch ended on a row of a few tiles:
 * PoCL 3.1's threads take work-groups in order, in chunks of half the
 * remainder and at most 64 on two threads (512 while over 1024 remain),
 * so with the last two rows 128 groups one thread took the full row and
 * the other the near-empty one, then waited (2048^3: 8% of the multiply's
 * wall time idle on one core; docs/conv-performance.md, Session 16). The
 * host sizes the rows (gemm.c's vs__gemm_rows); tiles < 2^31 and g < rows,
 * so the products fit. */
__attribute__((always_inline)) inline void group_tiles(const ulong m, const ulong g, const ulong rows, ulong *first,
                                                       ulong *last) {
  ulong tiles = (m + RM - 1) / RM;
  *first = g * tiles / rows;
  *last = (g + 1) * tiles / rows;
}

__attribute__((always_inline)) inline void tile_zero(TV acc[RM][NV]) {
#pragma unroll
  for (int r = 0; r < RM; r++)
#pragma unroll
    for (int v = 0; v < NV; v++) acc[r][v] = (TV)0;
}

/* The register tile's step of k, both multiplies': acc[r][v] += x[r] *
 * (the NV vectors at pb), x[r] = pa[r * sa] broadcast. Inlined, so a
 * constant sa folds into the addresses and acc stays in registers. */
__attribute__((always_inline)) inline void tile_step(TV acc[RM][NV], __global const float *pa, const ulong sa,
                                                     __global const float *pb) {
  TV w[NV];
#pragma unroll
  for (int v = 0; v < NV; v++) w[v] = LOADV(pb, v * VEC);
#pragma unroll
  for (int r = 0; r < RM; r++) {
    TV x = (TV)pa[r * sa];
#pragma unroll
    for (int v = 0; v < NV; v++) acc[r][v] = fma(x, w[v], acc[r][v]);
  }
}

/* Software prefetch of the packed panels PF steps of k ahead (PF = 0:
 * none): one line of Ap (RM <= 16 floats a step, so consecutive steps
 * reach every line) and each line of the NR floats of Bp. A panel is read
 * once per item from L2 (or L3 when LY items' A panels and a B panel
 * outgrow L2), and the hardware prefetcher, which follows the two streams
 * too, does not run far enough ahead of 28 FMAs a step: at 1024^3-2048^3
 * the same loop with its data in L1 ran 12-19% faster, and prefetching 16
 * steps ahead won 7-9% CPU time of that back (docs/conv-performance.md,
 * Session 7). Only a hint: where the compiler has no prefetch builtin it
 * is left out. */
#ifndef PF
#define PF 16
#endif
#if PF > 0 && defined(__has_builtin)
#if __has_builtin(__builtin_prefetch)
#define PANEL_PREFETCH 1
#endif
#endif
__attribute__((always_inline)) inline void panel_prefetch(__global const float *pa, __global const float *pb) {
#ifdef PANEL_PREFETCH
  __builtin_prefetch(pa + PF * RM, 0, 3);
#pragma unroll
  for (int l = 0; l < NR; l += 16) __builtin_prefetch(pb + PF * NR + l, 0, 3);
#endif
}

/* C's RM x NR tile at (row0, col0) from acc: whole vectors inside C,
 * element by element across its right edge; rows past m are not written. */
__attribute__((always_inline)) inline void tile_store(TV acc[RM][NV], __global float *c, const ulong ldc,
                                                      const ulong row0, const ulong col0, const ulong m,
                                                      const ulong n) {
#pragma unroll
  for (int r = 0; r < RM; r++) {
    if (row0 + r >= m) break;
    __global float *cr = c + (row0 + r) * ldc + col0;
#pragma unroll
    for (int v = 0; v < NV; v++) {
      ulong col = col0 + (ulong)v * VEC;
      if (col + VEC <= n) {
        STOREV(acc[r][v], cr, v * VEC);
      } else if (col < n) {
        float tmp[VEC];
        STOREN(VEC, __private, acc[r][v], tmp);
        for (ulong e = 0; col + e < n; e++) cr[v * VEC + e] = tmp[e];
      }
    }
  }
}

/* acc from C's tile at (row0, col0), zeros outside C (tile_store's
 * mirror; those are never stored). */
__attribute__((always_inline)) inline void tile_load(TV acc[RM][NV], __global const float *c, const ulong ldc,
                                                     const ulong row0, const ulong col0, const ulong m,
                                                     const ulong n) {
#pragma unroll
  for (int r = 0; r < RM; r++) {
    __global const float *cr = c + (row0 + r) * ldc + col0;
#pragma unroll
    for (int v = 0; v < NV; v++) {
      ulong col = col0 + (ulong)v * VEC;
      if (row0 + r < m && col + VEC <= n) {
        acc[r][v] = LOADV(cr, v * VEC);
      } else {
        float tmp[VEC];
        for (ulong e = 0; e < VEC; e++) tmp[e] = row0 + r < m && col + e < n ? cr[v * VEC + e] : 0.0f;
        acc[r][v] = LOADN(VEC, tmp);
      }
    }
  }
}

/* The optional epilogue, conv2d's fused BiasAdd and Relu (conv2d.c's
 * im2col route; gemm.c adds the defines only for it, so the plain GEMM
 * programs are unchanged): EPI_BIAS adds bias[col] to every element of
 * C's column col, EPI_RELU then maps every value not above 0 (NaN too)
 * to 0, exactly as conv.cl's bias_add pass would after the store. Applied
 * to the register tile before its last store. EPI_ARG is the kernels'
 * extra argument, EPI_PTR what they pass on. */
#if defined(EPI_BIAS) || defined(EPI_RELU)
#define EPI 1
#endif
#ifdef EPI_BIAS
#define EPI_ARG , __global const float *bias
#define EPI_PTR bias
#else
#define EPI_ARG
#define EPI_PTR 0
#endif
#ifdef EPI
/* acc's RM x NR tile at column col0 of C (n columns): bias of the columns
 * inside C (the others are never stored), then relu. */
__attribute__((always_inline)) inline void tile_epilogue(TV acc[RM][NV], __global const float *bias, const ulong col0,
                                                         const ulong n) {
#pragma unroll
  for (int v = 0; v < NV; v++) {
#ifdef EPI_BIAS
    ulong col = col0 + (ulong)v * VEC;
    TV b;
    if (col + VEC <= n) {
      b = LOADV(bias, col);
    } else {
      float tmp[VEC];
      for (ulong e = 0; e < VEC; e++) tmp[e] = col + e < n ? bias[col + e] : 0.0f;
      b = LOADN(VEC, tmp);
    }
#endif
#pragma unroll
    for (int r = 0; r < RM; r++) {
#ifdef EPI_BIAS
      acc[r][v] += b;
#endif
#ifdef EPI_RELU
      acc[r][v] = select((TV)0, acc[r][v], acc[r][v] > (TV)0); /* !(v > 0) -> 0: NaN and -0 too */
#endif
    }
  }
}
#endif

/* The tile *ib of a work-item of gemm_packed or gemm_inplace: item i of
 * work-group row g (a launch of `rows` rows of LY items along dimension
 * 1, the local size) takes tile i of the row's group_tiles; false for the
 * row's items past them. g and i come from get_global_id and the local
 * size only: a launch cut into several by global offsets (launch_grid.h,
 * a device's limit on groups per dimension) sees the same coordinates in
 * every piece, which the group's index and the count of groups (each the
 * piece's) would not give. */
__attribute__((always_inline)) inline bool row_tile(const ulong m, const ulong rows, ulong *ib) {
  ulong y = get_global_id(1), ly = get_local_size(1), first, last;
  group_tiles(m, y / ly, rows, &first, &last);
  *ib = first + y % ly;
  return *ib < last;
}

/* One work-item per RM x NR block of C. Global size: (ceil(n / NR),
 * rows x LY), local (1, LY), rows from vs__gemm_rows: row g of work-groups
 * over its group_tiles (at most LY of them; the items past them return at
 * once). */
__kernel void gemm_packed(__global float *c, const ulong c_off, const ulong ldc, __global const float *ap,
                          __global const float *bp, const ulong m, const ulong n, const int k,
                          const ulong rows EPI_ARG) {
  ulong ib, jb = get_global_id(0);
  if (!row_tile(m, rows, &ib) || jb * NR >= n) return;
  ulong row0 = ib * RM, col0 = jb * NR;
  __global const float *pa = ap + ib * (ulong)k * RM;
  __global const float *pb = bp + jb * (ulong)k * NR;
  TV acc[RM][NV];
  tile_zero(acc);
#pragma unroll UNROLL_K
  for (int kk = 0; kk < k; kk++) {
    panel_prefetch(pa, pb);
    tile_step(acc, pa, 1, pb);
    pa += RM;
    pb += NR;
  }
#ifdef EPI
  tile_epilogue(acc, EPI_PTR, col0, n);
#endif
  tile_store(acc, c + c_off, ldc, row0, col0, m, n);
}

/* The in-place multiply, for problems too small to repay packing (at 256^3
 * the pack launch, its two panel buffers and the wait of a second launch
 * for a core cost about as much as the multiply): the same register tile
 * as gemm_packed, reading op(A) and B where they lie. B must not be
 * transposed (a vector is NR consecutive floats of one row of B), and
 * m >= RM, n >= NR. TA (compile-time, 0 or 1) says how A is stored:
 * op(A)[row, kk] is a[row * lda + kk], or a[kk * lda + row] when TA.
 *
 * No bounds test in the loop: a work-item whose tile would cross C's
 * bottom or right edge computes the last whole tile instead (its rows and
 * columns shifted back into C) and stores only the part past its own
 * origin, which no other item owns. Global and local ranges, and the
 * tiles of each work-group: gemm_packed's. */
#ifndef TA
#define TA 0
#endif
__kernel void gemm_inplace(__global float *c, const ulong c_off, const ulong ldc, __global const float *a,
                           const ulong a_off, const ulong lda, __global const float *b, const ulong b_off,
                           const ulong ldb, const ulong m, const ulong n, const int k,
                           const ulong rows EPI_ARG) {
  ulong ib, jb = get_global_id(0);
  if (!row_tile(m, rows, &ib) || jb * NR >= n) return;
  ulong row0 = ib * RM, col0 = jb * NR;
  ulong r0 = row0 + RM > m ? m - RM : row0, c0 = col0 + NR > n ? n - NR : col0;
  __global const float *pb = b + b_off + c0;
#if TA
  __global const float *pa = a + a_off + r0;
#else
  __global const float *pa = a + a_off + r0 * lda;
#endif
  TV acc[RM][NV];
  tile_zero(acc);
#pragma unroll UNROLL_K
  for (int kk = 0; kk < k; kk++) {
#if TA
    tile_step(acc, pa, 1, pb);
    pa += lda;
#else
    tile_step(acc, pa + kk, lda, pb);
#endif
    pb += ldb;
  }
#ifdef EPI
  tile_epilogue(acc, EPI_PTR, c0, n); /* the shifted tile's columns: all inside C */
#endif
  /* Rows before row0 and columns before col0 belong to the neighbouring
   * items (only a shifted tile has any); the rest is inside C. */
#pragma unroll
  for (int r = 0; r < RM; r++) {
    if (r0 + r < row0) continue;
    __global float *cr = c + c_off + (r0 + r) * ldc + c0;
#pragma unroll
    for (int v = 0; v < NV; v++) {
      ulong col = c0 + (ulong)v * VEC;
      if (col >= col0) {
        STOREV(acc[r][v], cr, v * VEC);
      } else if (col + VEC > col0) {
        float tmp[VEC];
        STOREN(VEC, __private, acc[r][v], tmp);
        for (ulong e = col0 - col; e < VEC; e++) cr[v * VEC + e] = tmp[e];
      }
    }
  }
}

/* The k-blocked multiply (GotoBLAS's macro-kernel as one work-item): an
 * item owns up to LY row panels of C under one column panel of B and walks
 * k in chunks of kc steps; per chunk, each of its tiles is loaded from C
 * (zeros at the first chunk), takes KC steps and is stored back. The B
 * panel's chunk (NR x KC floats, 32 KB) then stays in L1 for all its
 * tiles, and their A chunks (up to LY x RM x kc) in L2 for the next column
 * panel's item, where gemm_packed streams both whole panels from L2 once
 * per item (its work-group's LY items run one after the other). The
 * partial sums live in C itself: no barrier, so PoCL keeps the
 * accumulators in registers (a barrier per chunk made it save them per
 * item: docs, Session 5b).
 * The chunk length is the argument kc (gemm.c passes 8192 / NR by
 * default, a 32 KB B chunk): compiled in, each value would build one
 * program for the other kernels too, and the tuner could not walk them
 * without recompiling; it only bounds a loop, so a constant would save
 * nothing in it. LY is the host's: `rows` rows of one item each
 * (vs__gemm_rows, at most LY tiles an item), each item over its
 * group_tiles. Global size (ceil(n / NR), rows), local (1, 1). */
__kernel void gemm_blocked(__global float *c, const ulong c_off, const ulong ldc, __global const float *ap,
                           __global const float *bp, const ulong m, const ulong n, const int k, const ulong rows,
                           const int kc EPI_ARG) {
  ulong ib0, last;
  group_tiles(m, get_global_id(1), rows, &ib0, &last);
  ulong jb = get_global_id(0), col0 = jb * NR;
  if (ib0 >= last || col0 >= n) return;
  ulong tiles = last - ib0;
  __global float *cc = c + c_off;
  for (int k0 = 0, steps; k0 < k; k0 += steps) { /* += steps: k0 + kc could overflow near INT_MAX */
    steps = k - k0 < kc ? k - k0 : kc;
    for (ulong i = 0; i < tiles; i++) {
      ulong ib = ib0 + i, row0 = ib * RM;
      __global const float *pa = ap + (ib * (ulong)k + (ulong)k0) * RM;
      __global const float *pb = bp + (jb * (ulong)k + (ulong)k0) * NR;
      TV acc[RM][NV];
      if (k0 == 0) tile_zero(acc);
      else tile_load(acc, cc, ldc, row0, col0, m, n);
#pragma unroll UNROLL_K
      for (int kk = 0; kk < steps; kk++) {
        panel_prefetch(pa, pb);
        tile_step(acc, pa, 1, pb);
        pa += RM;
        pb += NR;
      }
#ifdef EPI
      if (k0 + steps == k) tile_epilogue(acc, EPI_PTR, col0, n); /* the last chunk's store only */
#endif
      tile_store(acc, cc, ldc, row0, col0, m, n);
    }
  }
}
