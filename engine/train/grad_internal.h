/* grad_internal.h - what the gradient functions (engine/train, math_grad.c and its siblings)
 * share: TF's broadcast reduction of binary-op gradients and scalar
 * constants of any dtype. The graph lock is held by vs_gradients; the
 * helpers build through the public constructors (the lock is recursive). */
#ifndef VS_TRAIN_GRAD_INTERNAL_H
#define VS_TRAIN_GRAD_INTERNAL_H

#include "kernels/registry.h"
#include "ops/train_ops.h"
#include "varscope/nn.h"
#include "varscope/ops.h"

/* A scalar Const of dtype t holding `value`, named name (train_ops.h). */
#define vs__grad_scalar vs__scalar_const

/* math_grad's _ReduceGradientArgs with static shapes: builds the "Shape"
 * and "Shape_1" Consts of x and y, and sums each non-NULL gradient over
 * the axes its operand was broadcast along (Sum keep_dims, then Reshape to
 * the operand's shape). Needs fully defined shapes (UNIMPLEMENTED else). */
bool vs__grad_reduce_args(vs_graph *g, vs_output x, vs_output y, vs_output *gx, vs_output *gy, vs_status *st);

/* True when x, y and grad have fully defined, equal shapes
 * (_ShapesFullySpecifiedAndEqual). */
bool vs__grad_same_shapes(vs_output x, vs_output y, vs_output grad);

/* Fails with UNIMPLEMENTED unless s is fully defined. */
bool vs__grad_need_shape(const vs_op *op, vs_shape s, vs_status *st);

/* control_flow_ops.tuple(t) in the current name scope (engine/train/
 * tuple.c): replaces each non-NULL t[i] by its gated Identity
 * ("tuple/control_dependency[_k]"). reset_placement: inside device(None)
 * and a colocation reset, as gradients_util gates an op's gradients
 * (compute_gradients' GATE_GRAPH tuple runs in the caller's scopes).
 * Errors: ValueError "'tensors' must have at least one Tensor. Received:
 * [None, ...]." when every t[i] is NULL; more than 64 tensors:
 * UNIMPLEMENTED. */
bool vs__grad_tuple(vs_graph *g, vs_output *t, size_t n, bool reset_placement, vs_status *st);

#endif
