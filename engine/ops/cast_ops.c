/* cast_ops.c - tf.cast's constructor (the Cast op; its kernel is
 * engine/kernels/cast.c). */
#include "ops/train_ops.h"

VS_API vs_output vs_cast(vs_graph *g, vs_output x, vs_dtype dtype, const char *name, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "cast: graph must not be NULL");
  if (!vs__valid_output(g, x, "cast", st)) return (vs_output){NULL, 0};
  if (!vs_dtype_is_valid(dtype) || dtype == VS_DTYPE_DEFAULT) { /* dtypes.as_dtype's TypeError */
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "Cannot convert the argument `type_value`: %d to a TensorFlow DType.",
             (int)dtype);
    return (vs_output){NULL, 0};
  }
  /* tf.cast returns a tensor of the dtype asked for itself: no op. */
  if (x.op->dtype == dtype) return x;
  /* name_scope(name, "Cast"): the op is named after its scope. */
  return vs__build_op(g, "Cast", name ? name : "Cast", &x, 1, NULL, NULL, 0, dtype, vs__op_shape(x.op), st);
}
