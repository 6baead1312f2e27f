/* logic.cl - comparisons into bool (uchar) tensors and Select, for every
 * numeric dtype (-DT=...). Broadcasting as in elementwise.cl: an operand
 * repeats with period na / nb / nc. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#include "periodic.clh"

#define COMPARE(name, expr)                                                          \
  __kernel void name(__global uchar *out, __global const T *a, const ulong na,       \
                     __global const T *b, const ulong nb, const ulong n) {           \
    const ulong P = period(na, nb, 1, n);                                            \
    PERIODIC_ITEM(P);                                                                \
    T x = a[AT(na, P)], y = b[AT(nb, P)];                                            \
    out[i] = (expr) ? 1 : 0;                                                         \
  }
COMPARE(greater_equal, x >= y)
COMPARE(equal, x == y)

/* Select(c, t, e): t where c, else e. */
__kernel void select_op(__global T *out, __global const uchar *c, const ulong nc, __global const T *t, const ulong nt,
                        __global const T *e, const ulong ne, const ulong n) {
  const ulong P = period(nc, nt, ne, n);
  PERIODIC_ITEM(P);
  out[i] = c[AT(nc, P)] ? t[AT(nt, P)] : e[AT(ne, P)];
}
