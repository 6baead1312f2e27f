/* loss_ops.c - the losses of TF1 training with TF's op structure:
 * tf.nn.sigmoid_cross_entropy_with_logits (nn_impl) and
 * tf.losses.mean_squared_error (losses_impl with weights=1.0 and
 * SUM_BY_NONZERO_WEIGHTS: assert_broadcastable, num_present, _safe_mean),
 * so the forward and gradient ops are named as TF names them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/train_ops.h"
#include "varscope/nn.h"

static const vs_output NONE = {NULL, 0};

static bool ok(vs_status *st) { return vs_status_code(st) == VS_OK; }

/* TensorShape's str() of x's static shape. */
static void shape_str(vs_output x, char *buf, size_t cap) {
  vs_shape s = vs__op_shape(x.op);
  vs_shape_format(s, buf, cap);
}

VS_API vs_output vs_sigmoid_cross_entropy_with_logits(vs_graph *g, vs_output labels, vs_output logits,
                                                       const char *name, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "sigmoid_cross_entropy_with_logits: graph must not be NULL");
  if (!vs__valid_outputs(g, (vs_output[]){logits, labels}, 2, "sigmoid_cross_entropy_with_logits", st)) return NONE;
  vs_shape a = vs__op_shape(logits.op), b = vs__op_shape(labels.op);
  vs_dtype t = logits.op->dtype;
  if (t != VS_FLOAT && t != VS_DOUBLE) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_TYPE_ERROR,
             "sigmoid_cross_entropy_with_logits: varscope takes float32 and float64 logits, not %s", vs_dtype_name(t));
    return NONE;
  }
  if (labels.op->dtype != t) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
             "Input 'y' of 'Mul' Op has type %s that does not match type %s of argument 'x'.",
             vs_dtype_name(labels.op->dtype), vs_dtype_name(t));
    return NONE;
  }
  if (!vs_shape_is_compatible(a, b)) {
    char sa[128], sb[128];
    shape_str(logits, sa, sizeof sa);
    shape_str(labels, sb, sizeof sb);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "`logits` and `labels` must have the same shape, received (%s vs %s).", sa, sb);
    return NONE;
  }
  vs__lock(g);
  const char *scope = vs_name_scope_push_default(g, name, "logistic_loss", st);
  vs_output r = NONE;
  if (scope) {
    char *loss_name = vs__strdup(scope); /* the result is named after the scope itself */
    vs_output zeros = loss_name ? vs__zeros_const(g, t, a, "zeros_like", st) : NONE;
    vs_output cond = zeros.op ? vs__compare(g, "GreaterEqual", "GreaterEqual", logits, zeros, st) : NONE;
    vs_output relu = cond.op ? vs__select(g, cond, logits, zeros, "Select", st) : NONE;
    vs_output neg = relu.op ? vs_neg(g, logits, "Neg", st) : NONE;
    vs_output neg_abs = neg.op ? vs__select(g, cond, neg, logits, "Select", st) : NONE;
    vs_output prod = neg_abs.op ? vs_mul(g, logits, labels, NULL, st) : NONE;
    vs_output diff = prod.op ? vs_sub(g, relu, prod, NULL, st) : NONE;
    vs_output e = diff.op ? vs__unary_op(g, "Exp", "Exp", neg_abs, st) : NONE;
    vs_output l = e.op ? vs__unary_op(g, "Log1p", "Log1p", e, st) : NONE;
    r = l.op ? vs_add(g, diff, l, loss_name, st) : NONE;
    if (!loss_name) vs__oom(st);
    free(loss_name);
    vs_name_scope_pop(g, r.op ? st : NULL);
  }
  vs__unlock(g);
  return r;
}

/* ones_like(x) of a fully defined shape: "<scope>/Shape/shape_as_tensor",
 * "<scope>/Const" and the Fill named "ones_like". */
static vs_output ones_like(vs_graph *g, vs_output x, vs_status *st) {
  const char *scope = vs_name_scope_push(g, "ones_like", st);
  if (!scope) return NONE;
  const char *inner = vs_name_scope_push(g, "Shape", st);
  vs_output dims = inner ? vs__shape_const(g, vs__op_shape(x.op), "shape_as_tensor", st) : NONE;
  if (inner) vs_name_scope_pop(g, dims.op ? st : NULL);
  vs_output one = dims.op ? vs__scalar_const(g, x.op->dtype, 1, "Const", st) : NONE;
  vs_output in[2] = {dims, one};
  vs_output r = one.op ? vs__build_op(g, "Fill", scope, in, 2, NULL, NULL, 0, x.op->dtype, vs__op_shape(x.op), st) : NONE;
  vs_name_scope_pop(g, r.op ? st : NULL);
  return r;
}

/* weights_broadcast_ops.assert_broadcastable(weights, values) for a scalar
 * weights tensor: the shape and rank Consts of both, then the NoOp
 * "static_scalar_check_success". weights_value: the Python float TF
 * converts (NULL when weights is already a tensor). */
static vs_op *assert_broadcastable(vs_graph *g, vs_output *weights, const float *weights_value, vs_output values,
                                   vs_status *st) {
  const char *scope = vs_name_scope_push(g, "assert_broadcastable", st);
  if (!scope) return NULL;
  const char *ws = vs_name_scope_push(g, "weights", st);
  if (ws && weights_value) *weights = vs_constant(g, weights_value, VS_FLOAT, VS_SCALAR, ws, st);
  if (ws && ok(st)) vs__shape_const(g, vs__op_shape(weights->op), "shape", st);
  if (ws && ok(st)) vs__scalar_const(g, VS_INT32, vs__op_shape(weights->op).rank, "rank", st);
  if (ws) vs_name_scope_pop(g, ok(st) ? st : NULL);
  const char *vsc = ok(st) ? vs_name_scope_push(g, "values", st) : NULL;
  if (vsc) vs__shape_const(g, vs__op_shape(values.op), "shape", st);
  if (vsc && ok(st)) vs__scalar_const(g, VS_INT32, vs__op_shape(values.op).rank, "rank", st);
  if (vsc) vs_name_scope_pop(g, ok(st) ? st : NULL);
  vs_op *noop = ok(st) ? vs_no_op(g, "static_scalar_check_success", st) : NULL;
  vs_name_scope_pop(g, noop ? st : NULL);
  return noop;
}

/* _num_present(losses, weights): where(weights == 0, zeros, ones)
 * broadcast to the losses' shape, summed ("num_present"). */
static vs_output num_present(vs_graph *g, vs_output losses, vs_output weights, vs_status *st) {
  const char *scope = vs_name_scope_push(g, "num_present", st);
  if (!scope) return NONE;
  char *name = vs__strdup(scope);
  vs_output r = NONE, present = NONE;
  const char *eq = name ? vs_name_scope_push(g, "Equal", st) : NULL;
  vs_output zero = eq ? vs__scalar_const(g, VS_FLOAT, 0, "y", st) : NONE;
  vs_output cond = zero.op ? vs__compare(g, "Equal", eq, weights, zero, st) : NONE;
  if (eq) vs_name_scope_pop(g, cond.op ? st : NULL);
  vs_output zeros = cond.op ? vs__zeros_const(g, VS_FLOAT, vs__op_shape(weights.op), "zeros_like", st) : NONE;
  vs_output ones = zeros.op ? ones_like(g, weights, st) : NONE;
  if (ones.op) present = vs__select(g, cond, zeros, ones, "Select", st);
  /* broadcast_weights(present, losses): shapes differ (a scalar), so
   * multiply by ones_like(losses) under assert_broadcastable. */
  const char *bw = present.op ? vs_name_scope_push(g, "broadcast_weights", st) : NULL;
  if (bw) {
    char *bw_name = vs__strdup(bw);
    vs_op *check = bw_name ? assert_broadcastable(g, &present, NULL, losses, st) : NULL;
    vs_output prod = NONE;
    if (check) {
      vs_control_dependencies_push(g, &check, 1, st);
      vs_output ol = ok(st) ? ones_like(g, losses, st) : NONE;
      prod = ol.op ? vs_mul(g, present, ol, bw_name, st) : NONE;
      vs_control_dependencies_pop(g, prod.op ? st : NULL);
    }
    if (!bw_name) vs__oom(st);
    free(bw_name);
    vs_name_scope_pop(g, prod.op ? st : NULL);
    present = prod;
  }
  if (present.op) r = vs_reduce_sum(g, present, &(vs_reduce_opts){.name = name}, st);
  if (!name) vs__oom(st);
  free(name);
  vs_name_scope_pop(g, r.op ? st : NULL);
  return r;
}

VS_API vs_output vs_mean_squared_error(vs_graph *g, vs_output labels, vs_output predictions, const char *scope_name,
                                       vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "mean_squared_error: graph must not be NULL");
  if (!vs__valid_outputs(g, (vs_output[]){predictions, labels}, 2, "mean_squared_error", st)) return NONE;
  if (predictions.op->dtype != VS_FLOAT || labels.op->dtype != VS_FLOAT) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_TYPE_ERROR,
             "mean_squared_error: varscope takes float32 labels and predictions (TF would cast them)");
    return NONE;
  }
  vs_shape a = vs__op_shape(predictions.op), b = vs__op_shape(labels.op);
  if (!vs_shape_is_compatible(a, b)) {
    char sa[128], sb[128];
    shape_str(predictions, sa, sizeof sa);
    shape_str(labels, sb, sizeof sb);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "Shapes %s and %s are incompatible", sa, sb);
    return NONE;
  }
  if (!vs_shape_is_fully_defined(a)) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR, "mean_squared_error: varscope needs fully defined shapes");
    return NONE;
  }
  vs__lock(g);
  vs_output r = NONE;
  const char *scope = vs_name_scope_push_default(g, scope_name, "mean_squared_error", st);
  if (scope) {
    vs_output losses = vs__binary_op(g, "SquaredDifference", "SquaredDifference", predictions, labels, st);
    vs_output weights = NONE;
    float one = 1.0f;
    vs_op *check = losses.op ? assert_broadcastable(g, &weights, &one, losses, st) : NULL;
    if (check) { /* compute_weighted_loss under control_dependencies([assert_broadcastable]) */
      vs_control_dependencies_push(g, &check, 1, st);
      const char *cast = ok(st) ? vs_name_scope_push(g, "Cast", st) : NULL; /* cast(1.0): the Const "Cast/x" */
      vs_output w = cast ? vs_constant(g, &one, VS_FLOAT, VS_SCALAR, "x", st) : NONE;
      if (cast) vs_name_scope_pop(g, w.op ? st : NULL);
      vs_output weighted = w.op ? vs_mul(g, losses, w, "Mul", st) : NONE;
      vs_output total = weighted.op ? vs_reduce_sum(g, weighted, NULL, st) : NONE;
      vs_output present = total.op ? num_present(g, losses, w, st) : NONE;
      vs_output sum = present.op ? vs_reduce_sum(g, total, NULL, st) : NONE; /* _safe_mean */
      r = sum.op ? vs__binary_op(g, "DivNoNan", "value", sum, present, st) : NONE;
      vs_control_dependencies_pop(g, r.op ? st : NULL);
      if (r.op) vs_add_op_to_collection(g, VS_LOSSES, r.op, st); /* util.add_loss */
      if (!ok(st)) r = NONE;
    }
    vs_name_scope_pop(g, r.op ? st : NULL);
  }
  vs__unlock(g);
  return r;
}

/* A Const holding a shape's dimensions (TF's folded shape plumbing:
 * ConcatV2 / Slice values), then Reshape(x, it) named "Reshape". */
static vs_output reshape_by_const(vs_graph *g, vs_output x, vs_shape to, const char *const_name, vs_status *st) {
  vs_output c = vs__shape_const(g, to, const_name, st);
  return c.op ? vs__reshape_to(g, x, c, "Reshape", st) : NONE;
}

VS_API vs_output vs_softmax_cross_entropy_with_logits_v2(vs_graph *g, vs_output labels, vs_output logits,
                                                          const char *name, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "softmax_cross_entropy_with_logits_v2: graph must not be NULL");
  if (!vs__valid_outputs(g, (vs_output[]){logits, labels}, 2, "softmax_cross_entropy_with_logits_v2", st)) return NONE;
  vs_shape a = vs__op_shape(logits.op), b = vs__op_shape(labels.op);
  vs_dtype t = logits.op->dtype;
  if (t != VS_FLOAT && t != VS_DOUBLE) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_TYPE_ERROR,
             "softmax_cross_entropy_with_logits_v2: varscope takes float32 and float64 logits, not %s",
             vs_dtype_name(t));
    return NONE;
  }
  if (labels.op->dtype != t) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
             "Input 'labels' of 'SoftmaxCrossEntropyWithLogits' Op has type %s that does not match type %s of "
             "argument 'features'.", vs_dtype_name(labels.op->dtype), vs_dtype_name(t));
    return NONE;
  }
  if (!vs_shape_is_fully_defined(a) || a.rank != 2 || !vs_shape_is_compatible(a, b)) {
    char sa[128], sb[128];
    shape_str(logits, sa, sizeof sa);
    shape_str(labels, sb, sizeof sb);
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR,
             "softmax_cross_entropy_with_logits_v2: varscope takes logits and labels of one fully defined matrix "
             "shape, got %s and %s", sa, sb);
    return NONE;
  }
  vs__lock(g);
  const char *scope = vs_name_scope_push_default(g, name, "softmax_cross_entropy_with_logits", st);
  vs_output r = NONE;
  if (scope) {
    char *op_name = vs__strdup(scope);
    /* TF flattens both to [N, C] through Rank/Shape/Slice/ConcatV2 ops whose
     * values are known here: Consts named after the ConcatV2 ("concat",
     * "concat_1") and the Slice ("Slice_2") that feed the Reshapes. */
    vs_output x = op_name ? reshape_by_const(g, logits, a, "concat", st) : NONE;
    vs_output z = x.op ? reshape_by_const(g, labels, a, "concat", st) : NONE;
    vs_output in[2] = {x, z};
    vs_output xent = z.op ? vs__build_op(g, "SoftmaxCrossEntropyWithLogits", op_name, in, 2, NULL, NULL, 0, t,
                                         (vs_shape){.known = true, .rank = 1, .dims = {a.dims[0]}}, st)
                          : NONE;
    r = xent.op ? reshape_by_const(g, xent, (vs_shape){.known = true, .rank = 1, .dims = {a.dims[0]}}, "Slice", st)
                : NONE;
    if (!op_name) vs__oom(st);
    free(op_name);
    vs_name_scope_pop(g, r.op ? st : NULL);
  }
  vs__unlock(g);
  return r;
}
