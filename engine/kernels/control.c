/* control.c - NoOp (group, control-dependency anchors) and the shape
 * functions every family shares. */
#include <string.h>

#include "exec/inline.h"
#include "kernels/kernels_internal.h"

static bool k_noop(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)r, (void)op, (void)dev, (void)st;
  return true; /* its control inputs have run: nothing else to do */
}

static void h_noop(vs_host_run *h, const vs_op *op) { (void)h, (void)op; }

vs_shape vs__shape_none(const vs_op *op) {
  (void)op;
  return (vs_shape){.known = false};
}

vs_shape vs__shape_scalar(const vs_op *op) {
  (void)op;
  return VS_SCALAR;
}

vs_shape vs__shape_of_input0(const vs_op *op) {
  return op->n_inputs ? vs__op_shape(op->inputs[0].op) : (vs_shape){.known = false};
}

vs_shape vs__shape_from_input(const vs_op *op, int i) {
  const vs_op *in = i < op->n_inputs ? op->inputs[i].op : NULL;
  if (!in || !vs__op_shape(in).known || vs__op_shape(in).rank != 1 || vs__op_shape(in).dims[0] < 0 || vs__op_shape(in).dims[0] > VS_MAX_RANK)
    return (vs_shape){.known = false};
  vs_shape out = {.known = true, .rank = (int)vs__op_shape(in).dims[0]};
  for (int k = 0; k < out.rank; k++) {
    out.dims[k] = -1;
    if (strcmp(vs__op_type(in), "Const") != 0 || !vs__op_data(in)) continue; /* a computed shape: rank only */
    out.dims[k] = in->dtype == VS_INT64 ? ((const int64_t *)vs__op_data(in))[k] : ((const int32_t *)vs__op_data(in))[k];
  }
  return out;
}

const vs_op_def vs__control_defs[] = {
    {.type = "NoOp", .doc = "does nothing; runs after its control inputs (tf.group, control_dependencies)",
     .shape = vs__shape_none, .kernel = k_noop, .host = h_noop, .flags = VS_OPF_STRINGS},
};
VS_DEF_COUNT(control_defs);
