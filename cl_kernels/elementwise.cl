/* elementwise.cl - fills, casts and binary arithmetic for every dtype the
 * engine keeps on devices. T is the element type, chosen per program with
 * -DT=... so one source serves float, int, long (and double where the device
 * has cl_khr_fp64). Global sizes are padded to the work-group size (PoCL has
 * no non-uniform work-groups), so every kernel takes n and guards. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

__kernel void fill(__global T *out, const T value, const ulong n) {
  size_t i = get_global_id(0);
  if (i < n) out[i] = value;
}

/* Repeats `src` (count elements) into out; elements past count take the
 * last one (TF's constant_initializer with a short list). */
__kernel void fill_from(__global T *out, __global const T *src, const ulong count, const ulong n) {
  size_t i = get_global_id(0);
  if (i < n) out[i] = src[i < count ? i : count - 1];
}

#include "periodic.clh"

/* a op b with broadcasting of an operand that repeats with period na or nb
 * (a single element, or a shape that is the other's trailing dims). */
#define BINARY(name, expr)                                                          \
  __kernel void name(__global T *out, __global const T *a, const ulong na,          \
                     __global const T *b, const ulong nb, const ulong n) {          \
    const ulong P = period(na, nb, 1, n);                                           \
    PERIODIC_ITEM(P);                                                               \
    T x = a[AT(na, P)];                                                             \
    T y = b[AT(nb, P)];                                                             \
    out[i] = (expr);                                                                \
  }
BINARY(add, x + y)
BINARY(sub, x - y)
BINARY(mul, x * y)

/* out = a repeated with period na (Tile along leading dimensions only, or
 * of a single element: reduce.c). */
__kernel void repeat(__global T *out, __global const T *a, const ulong na, const ulong n) {
  const ulong P = period(na, 1, 1, n);
  PERIODIC_ITEM(P);
  out[i] = a[AT(na, P)];
}

/* In-place updates of a variable's buffer: v op= d (d scalar or full). */
#define UPDATE(name, expr)                                                          \
  __kernel void name(__global T *v, __global const T *d, const ulong nd, const ulong n) { \
    size_t i = get_global_id(0);                                                    \
    if (i < n) {                                                                    \
      T y = d[nd == 1 ? 0 : i];                                                     \
      v[i] = (expr);                                                                \
    }                                                                               \
  }
UPDATE(assign_add, v[i] + y)
UPDATE(assign_sub, v[i] - y)
