/* floordiv.cl - FloorDiv of integers (-DT=int, long, ...): the quotient
 * rounded toward negative infinity, as TF's FloorDiv. Broadcasting as in
 * elementwise.cl (period na or nb). Integer-only: `%` does not build for
 * floats, and the constructor refuses them. */
__kernel void floordiv(__global T *out, __global const T *a, const ulong na, __global const T *b, const ulong nb,
                       const ulong n) {
  size_t i = get_global_id(0);
  if (i < n) {
    T x = a[i % na], y = b[i % nb];
    out[i] = x / y - ((x % y != 0) && ((x < 0) != (y < 0)) ? 1 : 0);
  }
}
