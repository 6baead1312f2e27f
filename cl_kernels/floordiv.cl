/* floordiv.cl - FloorDiv of integers (-DT=int, long, ...): the quotient
 * rounded toward negative infinity, as TF's FloorDiv. Broadcasting as in
 * elementwise.cl (period na or nb). Integer-only: `%` does not build for
 * floats, and the constructor refuses them. */
#include "periodic.clh"

__kernel void floordiv(__global T *out, __global const T *a, const ulong na, __global const T *b, const ulong nb,
                       const ulong n) {
  const ulong P = period(na, nb, 1, n);
  PERIODIC_ITEM(P);
  T x = a[AT(na, P)], y = b[AT(nb, P)];
  out[i] = x / y - ((x % y != 0) && ((x < 0) != (y < 0)) ? 1 : 0);
}
