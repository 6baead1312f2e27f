/* logic.cl - comparisons into bool (uchar) tensors and Select, for every
 * numeric dtype (-DT=...). Broadcasting as in elementwise.cl: an operand
 * repeats with period na / nb / nc. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

/* elementwise.cl's periodic indexing (see there): a 2-D range (P, n / P),
 * no division in the common cases. */
#define PERIODIC_ITEM size_t k = get_global_id(0), i = get_global_id(1) * get_global_size(0) + k
#define AT(nx) ((nx) == 1 ? 0 : (nx) == n ? i : (nx) == get_global_size(0) ? k : i % (nx))

#define COMPARE(name, expr)                                                          \
  __kernel void name(__global uchar *out, __global const T *a, const ulong na,       \
                     __global const T *b, const ulong nb, const ulong n) {           \
    PERIODIC_ITEM;                                                                   \
    T x = a[AT(na)], y = b[AT(nb)];                                                  \
    out[i] = (expr) ? 1 : 0;                                                         \
  }
COMPARE(greater_equal, x >= y)
COMPARE(equal, x == y)

/* Select(c, t, e): t where c, else e. */
__kernel void select_op(__global T *out, __global const uchar *c, const ulong nc, __global const T *t, const ulong nt,
                        __global const T *e, const ulong ne, const ulong n) {
  PERIODIC_ITEM;
  out[i] = c[AT(nc)] ? t[AT(nt)] : e[AT(ne)];
}
