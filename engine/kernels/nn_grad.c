/* nn_grad.c - Conv2D's gradient ops on the device (cl_kernels/conv_grad.cl):
 * Conv2DBackpropInput(input_sizes, filter, out_backprop) and
 * Conv2DBackpropFilter(input, filter_sizes, out_backprop), NHWC / HWIO,
 * with Conv2D's strides, dilations and SAME/VALID padding (op->attr.conv).
 * The sizes are Const inputs, read from the graph. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "ops/train_ops.h"

/* The shape held by a Const int32 vector input; unknown otherwise. */
static vs_shape const_shape(vs_output x) {
  size_t n = 0;
  const int32_t *d = vs__const_int32(x, &n);
  vs_shape s = {.known = d != NULL && n <= VS_MAX_RANK, .rank = (int)n};
  for (size_t i = 0; s.known && i < n; i++) s.dims[i] = d[i];
  return s.known ? s : (vs_shape){.known = false};
}

/* TF's SAME padding before the data: max((out - 1) * s + (k - 1) * d + 1 - in, 0) / 2. */
static int64_t pad_before(bool same, int64_t in, int64_t out, int64_t k, int64_t s, int64_t d) {
  if (!same) return 0;
  int64_t total = (out - 1) * s + (k - 1) * d + 1 - in;
  return total > 0 ? total / 2 : 0;
}

/* Runs conv_grad.cl's `name` into op's output of shape `out`, with the
 * geometry of input x_shape, filter f_shape and gradient dy_shape. */
static bool conv_grad_run(vs_run *r, vs_op *op, size_t dev, const char *name, vs_shape x_shape, vs_shape f_shape,
                          vs_shape dy_shape, vs_value *a, vs_value *b, vs_shape out, vs_status *st) {
  if (x_shape.rank != 4 || f_shape.rank != 4 || dy_shape.rank != 4 || x_shape.dims[3] != f_shape.dims[2] ||
      dy_shape.dims[3] != f_shape.dims[3] || dy_shape.dims[0] != x_shape.dims[0]) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
             "%s: input, filter and out_backprop sizes do not agree\n\t [[{{node %s}}]]", op->type, op->name);
    return false;
  }
  const int64_t *s = op->attr.conv.strides, *dl = op->attr.conv.dilations;
  bool same = op->attr.conv.pad_same;
  cl_long geo[15] = {x_shape.dims[0], x_shape.dims[1], x_shape.dims[2], x_shape.dims[3], dy_shape.dims[1],
                     dy_shape.dims[2], f_shape.dims[3], f_shape.dims[0], f_shape.dims[1], s[1], s[2], dl[1], dl[2],
                     pad_before(same, x_shape.dims[1], dy_shape.dims[1], f_shape.dims[0], s[1], dl[1]),
                     pad_before(same, x_shape.dims[2], dy_shape.dims[2], f_shape.dims[1], s[2], dl[2])};
  if (!vs__new_output(r, op, dev, op->dtype, out, st)) return false;
  vs_value *o = vs__val(r, op);
  if (!o->n) return true;
  if (!vs__value_n(r, a) || !vs__value_n(r, b)) { /* an empty sum: zeros */
    double zero = 0;
    cl_int err = clEnqueueFillBuffer(*vs__queue(vs__device(dev, st)), o->buf, &zero, vs_dtype_size(op->dtype), 0,
                                     o->n * vs_dtype_size(op->dtype), 0, NULL, NULL);
    if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueFillBuffer");
    return err == CL_SUCCESS;
  }
  cl_mem ta = NULL, tb = NULL, bd = NULL;
  cl_mem ba = vs__on_device(r, a, dev, &ta, st), bb = ba ? vs__on_device(r, b, dev, &tb, st) : NULL;
  bool ok = ba && bb && (bd = vs__describe(dev, geo, 15, st)) != NULL;
  if (ok) {
    cl_ulong n = o->n;
    karg args[] = {KARG(o->buf), KARG(ba), KARG(bb), KARG(bd), KARG(n)};
    ok = vs__launch(r, vs__device(dev, st), "conv_grad", op->dtype, name, o->n, args, 5, st);
  }
  cl_mem temps[] = {ta, tb, bd};
  for (size_t i = 0; i < 3; i++)
    if (temps[i]) vs__buffer_release(temps[i]);
  return ok;
}

static bool k_backprop_input(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *f = vs__in(r, op, 1), *dy = vs__in(r, op, 2);
  if (vs__uninitialized(r, op, f, st) || vs__uninitialized(r, op, dy, st)) return false;
  vs_shape xs = const_shape(op->inputs[0]);
  return conv_grad_run(r, op, dev, "conv2d_backprop_input", xs, vs__value_shape(r, f), vs__value_shape(r, dy), f, dy,
                       xs, st);
}

static bool k_backprop_filter(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0), *dy = vs__in(r, op, 2);
  if (vs__uninitialized(r, op, x, st) || vs__uninitialized(r, op, dy, st)) return false;
  vs_shape fs = const_shape(op->inputs[1]);
  return conv_grad_run(r, op, dev, "conv2d_backprop_filter", vs__value_shape(r, x), fs, vs__value_shape(r, dy), x,
                       dy, fs, st);
}

static vs_shape shape_backprop_input(const vs_op *op) { return const_shape(op->inputs[0]); }
static vs_shape shape_backprop_filter(const vs_op *op) { return const_shape(op->inputs[1]); }

const vs_op_def vs__nn_grad_defs[] = {
    {.type = "Conv2DBackpropInput", .doc = "Conv2D's gradient with respect to its input (direct, on the device)",
     .shape = shape_backprop_input, .kernel = k_backprop_input},
    {.type = "Conv2DBackpropFilter", .doc = "Conv2D's gradient with respect to its filter (direct, on the device)",
     .shape = shape_backprop_filter, .kernel = k_backprop_filter},
};
VS_DEF_COUNT(nn_grad_defs);
