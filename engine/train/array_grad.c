/* array_grad.c - gradients of Identity, ReadVariableOp and Reshape, and
 * TF's NotDifferentiable (no gradient, and no error either). */
#include <string.h>

#include "train/grad_internal.h"

bool vs__grad_none(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  (void)g, (void)op, (void)grad, (void)dx, (void)st;
  return true;
}

bool vs__grad_identity(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  (void)g, (void)op, (void)st;
  dx[0] = grad;
  return true;
}

/* resource_variable_ops._ReadGrad: the gradient of a resource variable's
 * read passes to its handle unchanged, building no op (so a resource
 * variable's gradient is the sum of its reads' gradients, "gradients/AddN"
 * when it is read more than once). */
bool vs__grad_read_variable(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  (void)g, (void)op, (void)st;
  dx[0] = grad;
  return true;
}

/* _ReshapeGrad: reshape(grad, shape(input)) with the shape folded to a
 * Const "Shape"; the shape input gets None. */
bool vs__grad_reshape(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_shape in = vs__op_shape(op->inputs[0].op);
  if (!vs__grad_need_shape(op, in, st)) return false;
  vs_output shape = vs__shape_const(g, in, "Shape", st);
  dx[0] = shape.op ? vs__reshape_to(g, grad, shape, "Reshape", st) : (vs_output){NULL, 0};
  return dx[0].op != NULL;
}
