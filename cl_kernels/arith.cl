/* arith.cl - arithmetic beyond elementwise.cl's add/sub/mul, for every
 * numeric dtype (-DT=...): Square, Neg, and broadcasting RealDiv, Maximum,
 * SquaredDifference and DivNoNan (an operand repeats with period na or nb, as in elementwise.cl).
 * Integer FloorDiv is floordiv.cl: `%` would not build for floats. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

__kernel void square(__global T *out, __global const T *a, const ulong n) {
  size_t i = get_global_id(0);
  if (i < n) out[i] = a[i] * a[i];
}

__kernel void neg(__global T *out, __global const T *a, const ulong n) {
  size_t i = get_global_id(0);
  if (i < n) out[i] = -a[i];
}

#include "periodic.clh"

#define BINARY(name, expr)                                                          \
  __kernel void name(__global T *out, __global const T *a, const ulong na,          \
                     __global const T *b, const ulong nb, const ulong n) {          \
    const ulong P = period(na, nb, 1, n);                                           \
    PERIODIC_ITEM(P);                                                               \
    T x = a[AT(na, P)];                                                             \
    T y = b[AT(nb, P)];                                                             \
    out[i] = (expr);                                                                \
  }
BINARY(realdiv, x / y)
BINARY(maximum, x > y ? x : y)
BINARY(squared_difference, (x - y) * (x - y))
BINARY(div_no_nan, y == (T)0 ? (T)0 : x / y)

/* Any numpy broadcast: desc holds the output dimensions, then each
 * operand's element strides per output dimension (0 where it broadcasts). */
#define BINARY_ND(name, expr)                                                       \
  __kernel void name(__global T *out, __global const T *a, __global const T *b,     \
                     __constant long *desc, const int rank, const ulong n) {        \
    size_t i = get_global_id(0);                                                    \
    if (i >= n) return;                                                             \
    long rem = (long)i, ia = 0, ib = 0;                                             \
    for (int k = rank - 1; k >= 0; k--) {                                           \
      long c = rem % desc[k];                                                       \
      rem /= desc[k];                                                               \
      ia += c * desc[rank + k];                                                     \
      ib += c * desc[2 * rank + k];                                                 \
    }                                                                               \
    T x = a[ia], y = b[ib];                                                         \
    out[i] = (expr);                                                                \
  }
BINARY_ND(add_nd, x + y)
BINARY_ND(sub_nd, x - y)
BINARY_ND(mul_nd, x * y)
BINARY_ND(realdiv_nd, x / y)
BINARY_ND(maximum_nd, x > y ? x : y)
BINARY_ND(squared_difference_nd, (x - y) * (x - y))
BINARY_ND(div_no_nan_nd, y == (T)0 ? (T)0 : x / y)
