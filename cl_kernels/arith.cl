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

#define BINARY(name, expr)                                                          \
  __kernel void name(__global T *out, __global const T *a, const ulong na,          \
                     __global const T *b, const ulong nb, const ulong n) {          \
    size_t i = get_global_id(0);                                                    \
    if (i < n) {                                                                    \
      T x = a[i % na];                                                              \
      T y = b[i % nb];                                                              \
      out[i] = (expr);                                                              \
    }                                                                               \
  }
BINARY(realdiv, x / y)
BINARY(maximum, x > y ? x : y)
BINARY(squared_difference, (x - y) * (x - y))
BINARY(div_no_nan, y == (T)0 ? (T)0 : x / y)
