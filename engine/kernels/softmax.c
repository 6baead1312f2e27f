/* softmax.c - Softmax, LogSoftmax and SoftmaxCrossEntropyWithLogits over
 * the last dimension of a matrix (cl_kernels/softmax.cl), and ExpandDims
 * (a copy in the shape with a 1 inserted). SoftmaxCrossEntropyWithLogits
 * has TF's first output only (the loss): varscope's ops have one output, so
 * its gradient recomputes TF's second (softmax - labels). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "ops/train_ops.h"

/* Launches softmax.cl's `name` one work-item per row of input 0 ([rows, c]),
 * into op's output of shape `out` (with input 1 as a second operand when
 * two_inputs). */
static bool rows_run(vs_run *r, vs_op *op, size_t dev, const char *name, bool two_inputs, bool per_row,
                     vs_status *st) {
  vs_value *x = vs__in(r, op, 0), *l = two_inputs ? vs__in(r, op, 1) : NULL;
  if (vs__uninitialized(r, op, x, st) || (l && vs__uninitialized(r, op, l, st))) return false;
  vs_shape xs = vs__value_shape(r, x);
  if (xs.rank != 2 || (l && vs__value_n(r, l) != vs__value_n(r, x))) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: logits (and labels) must be one matrix shape\n\t [[{{node %s}}]]",
             vs__op_type(op), op->name);
    return false;
  }
  vs_shape out = per_row ? (vs_shape){.known = true, .rank = 1, .dims = {xs.dims[0]}} : xs;
  if (!vs__new_output(r, op, dev, op->dtype, out, st)) return false;
  vs_value *o = vs__val(r, op);
  cl_ulong c = (cl_ulong)xs.dims[1], rows = (cl_ulong)xs.dims[0];
  if (!o->n) return true;
  if (!c) { /* no classes: a zero loss per row */
    double zero = 0;
    cl_int err = clEnqueueFillBuffer(*vs__queue(vs__device(dev, st)), o->buf, &zero, vs_dtype_size(op->dtype), 0,
                                     o->n * vs_dtype_size(op->dtype), 0, NULL, NULL);
    if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueFillBuffer");
    return err == CL_SUCCESS;
  }
  cl_mem tx = NULL, tl = NULL, bx = vs__on_device(r, x, dev, &tx, st), bl = l && bx ? vs__on_device(r, l, dev, &tl, st) : NULL;
  bool ok = bx && (!l || bl);
  if (ok && l) {
    karg args[] = {KARG(o->buf), KARG(bx), KARG(bl), KARG(c), KARG(rows)};
    ok = vs__launch(r, vs__device(dev, st), "softmax", op->dtype, name, (size_t)rows, args, 5, st);
  } else if (ok) {
    karg args[] = {KARG(o->buf), KARG(bx), KARG(c), KARG(rows)};
    ok = vs__launch(r, vs__device(dev, st), "softmax", op->dtype, name, (size_t)rows, args, 4, st);
  }
  if (tx) vs__buffer_release(tx);
  if (tl) vs__buffer_release(tl);
  return ok;
}

static bool k_softmax(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return rows_run(r, op, dev, "softmax", false, false, st);
}
static bool k_log_softmax(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return rows_run(r, op, dev, "log_softmax", false, false, st);
}
static bool k_xent(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return rows_run(r, op, dev, "softmax_xent", true, true, st);
}

/* ExpandDims: the input's elements in its shape with a 1 inserted at the
 * (Const) dim, negative counting from the end (-1: after the last). */
static bool k_expand_dims(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0);
  if (vs__uninitialized(r, op, x, st)) return false;
  vs_shape xs = vs__value_shape(r, x), out = {.known = true, .rank = xs.rank + 1};
  size_t n = 0;
  const int32_t *dim = vs__const_int32(op->inputs[1], &n);
  int32_t d = dim && n == 1 ? dim[0] : 0;
  if (d < 0) d += xs.rank + 1;
  if (!dim || n != 1 || d < 0 || d > xs.rank || xs.rank >= VS_MAX_RANK) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "ExpandDims: a constant dim in [-%d, %d] is needed\n\t [[{{node %s}}]]",
             xs.rank + 1, xs.rank, op->name);
    return false;
  }
  for (int i = 0, k = 0; i < out.rank; i++) out.dims[i] = i == d ? 1 : xs.dims[k++];
  return vs__new_output(r, op, dev, op->dtype, out, st) && vs__copy_into(r, x, dev, vs__val(r, op), st);
}

static vs_shape shape_rows(const vs_op *op) {
  vs_shape s = vs__op_shape(op->inputs[0].op);
  return (vs_shape){.known = true, .rank = 1, .dims = {s.known && s.rank == 2 ? s.dims[0] : -1}};
}

static vs_shape shape_expand_dims(const vs_op *op) {
  vs_shape s = vs__op_shape(op->inputs[0].op);
  size_t n = 0;
  const int32_t *dim = vs__const_int32(op->inputs[1], &n);
  if (!s.known || !dim || n != 1 || s.rank >= VS_MAX_RANK) return (vs_shape){.known = false};
  int32_t d = dim[0] < 0 ? dim[0] + s.rank + 1 : dim[0];
  vs_shape out = {.known = true, .rank = s.rank + 1};
  for (int i = 0, k = 0; i < out.rank; i++) out.dims[i] = i == d ? 1 : s.dims[k++];
  return out;
}

const vs_op_def vs__softmax_defs[] = {
    {.type = "Softmax", .doc = "exp(x) / sum(exp(x)) over the last dimension of a matrix", .shape = vs__shape_of_input0,
     .kernel = k_softmax},
    {.type = "LogSoftmax", .doc = "x - log(sum(exp(x))) over the last dimension of a matrix",
     .shape = vs__shape_of_input0, .kernel = k_log_softmax},
    {.type = "SoftmaxCrossEntropyWithLogits", .doc = "per row, -sum(labels * log_softmax(logits)) (TF's loss output)",
     .shape = shape_rows, .kernel = k_xent, .gradient = vs__grad_softmax_xent},
    {.type = "ExpandDims", .doc = "the input with a dimension of 1 inserted at a constant dim", .shape = shape_expand_dims,
     .kernel = k_expand_dims, .gradient = vs__grad_reshape},
};
VS_DEF_COUNT(softmax_defs);
