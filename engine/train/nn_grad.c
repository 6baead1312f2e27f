/* nn_grad.c - gradients of the neural-network ops as TF 2.21's nn_grad.py
 * and math_grad.py build them: MatMul (all four transpose cases), Relu,
 * BiasAdd, Sigmoid, Tanh. */
#include <string.h>

#include "train/grad_internal.h"

static const vs_output NONE = {NULL, 0};

/* _MatMulGrad: two MatMuls named "MatMul" and "MatMul_1". */
bool vs__grad_matmul(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  bool ta = op->attr.matmul.transpose_a, tb = op->attr.matmul.transpose_b;
  vs_output a = op->inputs[0], b = op->inputs[1];
  vs_output l0, r0, l1, r1;
  bool t0a, t0b, t1a, t1b;
  if (!ta && !tb) {
    l0 = grad, r0 = b, t0a = false, t0b = true, l1 = a, r1 = grad, t1a = true, t1b = false;
  } else if (!ta && tb) {
    l0 = grad, r0 = b, t0a = false, t0b = false, l1 = grad, r1 = a, t1a = true, t1b = false;
  } else if (ta && !tb) {
    l0 = b, r0 = grad, t0a = false, t0b = true, l1 = a, r1 = grad, t1a = false, t1b = false;
  } else {
    l0 = b, r0 = grad, t0a = true, t0b = true, l1 = grad, r1 = a, t1a = true, t1b = true;
  }
  dx[0] = vs_matmul(g, l0, r0, &(vs_matmul_opts){.transpose_a = t0a, .transpose_b = t0b, .name = "MatMul"}, st);
  dx[1] = dx[0].op ? vs_matmul(g, l1, r1, &(vs_matmul_opts){.transpose_a = t1a, .transpose_b = t1b, .name = "MatMul"},
                               st)
                   : NONE;
  return dx[1].op != NULL;
}

/* ReluGrad(gradients, features=op's output). */
bool vs__grad_relu(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_output in[2] = {grad, {op, 0}};
  dx[0] = vs__build_op(g, "ReluGrad", "ReluGrad", in, 2, NULL, NULL, 0, grad.op->dtype, vs__op_shape(grad.op), st);
  return dx[0].op != NULL;
}

/* (grad, BiasAddGrad(grad)). */
bool vs__grad_bias_add(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_shape b = vs__op_shape(op->inputs[1].op);
  dx[0] = grad;
  dx[1] = vs__build_op(g, "BiasAddGrad", "BiasAddGrad", &grad, 1, NULL, NULL, 0, grad.op->dtype, b, st);
  return dx[1].op != NULL;
}

/* Under control_dependencies([grad]): <type>(y, grad), y the op's output. */
static bool activation_grad(vs_graph *g, vs_op *op, const char *type, vs_output grad, vs_output *dx, vs_status *st) {
  vs_control_dependencies_push(g, (vs_op *const[]){grad.op}, 1, st);
  if (vs_status_code(st) != VS_OK) return false;
  vs_output in[2] = {{op, 0}, grad};
  dx[0] = vs__build_op(g, type, type, in, 2, NULL, NULL, 0, grad.op->dtype, vs__op_shape(op), st);
  vs_control_dependencies_pop(g, dx[0].op ? st : NULL);
  return dx[0].op && vs_status_code(st) == VS_OK;
}

bool vs__grad_sigmoid(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  return activation_grad(g, op, "SigmoidGrad", grad, dx, st);
}
bool vs__grad_tanh(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  return activation_grad(g, op, "TanhGrad", grad, dx, st);
}

/* _Conv2DGrad: Conv2DBackpropInput(sizes of the input, filter, grad) and
 * Conv2DBackpropFilter(input, sizes of the filter, grad), with Conv2D's
 * attributes. TF takes both sizes from one ShapeN op (two outputs);
 * varscope's ops have one output, so the sizes are the Consts "ShapeN"
 * and "ShapeN_1" (the values TF's ShapeN computes). */
bool vs__grad_conv2d(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_output x = op->inputs[0], f = op->inputs[1];
  if (!vs__grad_need_shape(op, vs__op_shape(x.op), st) || !vs__grad_need_shape(op, vs__op_shape(f.op), st)) return false;
  vs_output sx = vs__shape_const(g, vs__op_shape(x.op), "ShapeN", st);
  vs_output sf = sx.op ? vs__shape_const(g, vs__op_shape(f.op), "ShapeN", st) : NONE;
  if (!sf.op) return false;
  vs_output in0[3] = {sx, f, grad}, in1[3] = {x, sf, grad};
  dx[0] = vs__build_op(g, "Conv2DBackpropInput", "Conv2DBackpropInput", in0, 3, NULL, NULL, 0, op->dtype,
                       vs__op_shape(x.op), st);
  if (!dx[0].op) return false;
  dx[0].op->attr.conv = op->attr.conv; /* before any other thread can see the op (the graph lock is held) */
  dx[1] = vs__build_op(g, "Conv2DBackpropFilter", "Conv2DBackpropFilter", in1, 3, NULL, NULL, 0, op->dtype,
                       vs__op_shape(f.op), st);
  if (!dx[1].op) return false;
  dx[1].op->attr.conv = op->attr.conv;
  return true;
}

/* _MaxPoolGrad: MaxPoolGrad(input, output, grad) with the pool's attributes. */
bool vs__grad_max_pool(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_output in[3] = {op->inputs[0], {op, 0}, grad};
  dx[0] = vs__build_op(g, "MaxPoolGrad", "MaxPoolGrad", in, 3, NULL, NULL, 0, op->dtype, vs__op_shape(op->inputs[0].op), st);
  if (dx[0].op) dx[0].op->attr.pool = op->attr.pool;
  return dx[0].op != NULL;
}

/* _AvgPoolGrad: AvgPoolGrad(shape(input) folded to the Const "Shape", grad). */
bool vs__grad_avg_pool(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_shape s = vs__op_shape(op->inputs[0].op);
  if (!vs__grad_need_shape(op, s, st)) return false;
  vs_output shape = vs__shape_const(g, s, "Shape", st);
  vs_output in[2] = {shape, grad};
  dx[0] = shape.op ? vs__build_op(g, "AvgPoolGrad", "AvgPoolGrad", in, 2, NULL, NULL, 0, op->dtype, s, st) : NONE;
  if (dx[0].op) dx[0].op->attr.pool = op->attr.pool;
  return dx[0].op != NULL;
}

/* grad[..., None] as TF's _BroadcastMul builds it: ExpandDims(grad, -1). */
static vs_output expand_last(vs_graph *g, vs_output grad, vs_status *st) {
  int32_t dim = -1;
  vs_shape s = vs__op_shape(grad.op), out = s;
  if (s.known && s.rank < VS_MAX_RANK) out.dims[out.rank++] = 1;
  return vs__build_op(g, "ExpandDims", "ExpandDims", &grad, 1, "dim", &dim, VS_NPOS, grad.op->dtype, out, st);
}

/* _SoftmaxCrossEntropyWithLogitsGrad: (grad[:, None] * backprop,
 * grad[:, None] * -log_softmax(logits)). TF's backprop is the op's second
 * output; varscope's op has one output, so it is recomputed here as
 * Softmax(logits) - labels ("Softmax", "sub"). */
bool vs__grad_softmax_xent(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_output logits = op->inputs[0], labels = op->inputs[1];
  vs_output e0 = expand_last(g, grad, st);
  vs_output sm = e0.op ? vs__unary_op(g, "Softmax", "Softmax", logits, st) : NONE;
  vs_output bp = sm.op ? vs_sub(g, sm, labels, NULL, st) : NONE;
  dx[0] = bp.op ? vs_mul(g, e0, bp, NULL, st) : NONE;
  vs_output ls = dx[0].op ? vs__unary_op(g, "LogSoftmax", "LogSoftmax", logits, st) : NONE;
  vs_output neg = ls.op ? vs_neg(g, ls, "Neg", st) : NONE;
  vs_output e1 = neg.op ? expand_last(g, grad, st) : NONE;
  dx[1] = e1.op ? vs_mul(g, e1, neg, NULL, st) : NONE;
  return dx[1].op != NULL;
}
