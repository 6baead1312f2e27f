/* partition.c - ops that take tensors apart or put them together: Rank and
 * Pack (tf.compat.v1.assert_variables_initialized builds them). Their
 * values are small and stay on the host, as IsVariableInitialized's do. */
#include <string.h>

#include "kernels/kernels_internal.h"

/* Rank: the input's rank as an int32 scalar. Reading an uninitialised
 * variable through it fails as any read does (the check's purpose). */
static bool k_rank(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)dev; /* a host value */
  vs_value *x = vs__in(r, op, 0);
  if (vs__uninitialized(r, op, x, st)) return false;
  vs_shape s = vs__value_shape(r, x);
  vs_tensor *t = vs__tensor_alloc(VS_INT32, VS_SCALAR, st);
  if (!t) return false;
  *(int32_t *)t->data = s.rank;
  return vs__host_value(r, op, t);
}

/* Pack (tf.stack, axis 0) of scalars: a vector of the inputs' values. */
static bool k_pack(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)dev; /* a host value */
  size_t esize = vs_dtype_size(op->dtype);
  vs_tensor *t = vs__tensor_alloc(op->dtype, (vs_shape){.known = true, .rank = 1, .dims = {op->n_inputs}}, st);
  if (!t) return false;
  for (int i = 0; i < op->n_inputs; i++) {
    vs_value *x = vs__in(r, op, i);
    if (vs__uninitialized(r, op, x, st) || !vs__read_small(r, x, (char *)t->data + (size_t)i * esize, esize, st)) {
      vs_tensor_free(t);
      return false;
    }
  }
  return vs__host_value(r, op, t);
}

static vs_shape shape_pack(const vs_op *op) {
  return (vs_shape){.known = true, .rank = 1, .dims = {op->n_inputs}};
}

const vs_op_def vs__partition_defs[] = {
    {.type = "Rank", .doc = "the input's rank, an int32 scalar on the host", .shape = vs__shape_scalar,
     .kernel = k_rank, .flags = VS_OPF_HOST_OUTPUT},
    {.type = "Pack", .doc = "tf.stack of scalars (axis 0): a vector on the host", .shape = shape_pack,
     .kernel = k_pack, .flags = VS_OPF_HOST_OUTPUT},
};
VS_DEF_COUNT(partition_defs);
