/* floordiv.cl - FloorDiv of integers (-DT=int, long, ...): the quotient
 * rounded toward negative infinity, as TF's FloorDiv. Broadcasting as in
 * elementwise.cl (period na or nb). Integer-only: `%` does not build for
 * floats, and the constructor refuses them. */
/* elementwise.cl's periodic indexing (see there): a 2-D range (P, n / P),
 * no division in the common cases. */
#define PERIODIC_ITEM size_t k = get_global_id(0), i = get_global_id(1) * get_global_size(0) + k
#define AT(nx) ((nx) == 1 ? 0 : (nx) == n ? i : (nx) == get_global_size(0) ? k : i % (nx))

__kernel void floordiv(__global T *out, __global const T *a, const ulong na, __global const T *b, const ulong nb,
                       const ulong n) {
  PERIODIC_ITEM;
  T x = a[AT(na)], y = b[AT(nb)];
  out[i] = x / y - ((x % y != 0) && ((x < 0) != (y < 0)) ? 1 : 0);
}
