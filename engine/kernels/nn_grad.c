/* nn_grad.c - Conv2D's gradient ops on the device: im2col (conv2d.c's
 * vs__im2col_lines) + the GEMM (vs__matmul), or the GEMM + col2im over the
 * input's pixels for the input gradient, while the im2col matrix stays under
 * GEMM_BYTES, else direct kernels (cl_kernels/conv_grad.cl):
 * Conv2DBackpropInput(input_sizes, filter, out_backprop) and
 * Conv2DBackpropFilter(input, filter_sizes, out_backprop), NHWC / HWIO,
 * with Conv2D's strides, dilations and SAME/VALID padding (op->attr.conv).
 * The sizes are Const inputs, read from the graph. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "ops/train_ops.h"
#include "kernels/conv_internal.h"
#include "kernels/gemm.h"

/* The im2col matrix ([N*OH*OW, KH*KW*C]) and its GEMM are used while it
 * stays under this many bytes; larger problems run the direct kernels. */
#define GEMM_BYTES ((size_t)256 << 20)

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
             "%s: input, filter and out_backprop sizes do not agree\n\t [[{{node %s}}]]", vs__op_type(op), op->name);
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
  cl_mem ta = NULL, tb = NULL, bd = NULL, cols = NULL;
  cl_mem ba = vs__on_device(r, a, dev, &ta, st), bb = ba ? vs__on_device(r, b, dev, &tb, st) : NULL;
  bool ok = ba && bb && (bd = vs__describe(dev, geo, 15, st)) != NULL;
  vs_cl_device *d = ok ? vs__device(dev, st) : NULL;
  size_t M = (size_t)(geo[0] * geo[4] * geo[5]), KC = (size_t)(geo[7] * geo[8] * geo[3]), K = (size_t)geo[6];
  size_t es = vs_dtype_size(op->dtype), bytes = M * KC * es;
  /* VARSCOPE_CONV_GRAD=direct forces the direct kernels (tests compare both). */
  const char *force = getenv("VARSCOPE_CONV_GRAD");
  bool dims32 = true; /* im2col_lines takes each extent as a 32-bit int */
  for (int i = 0; i < 15; i++) dims32 = dims32 && geo[i] >= 0 && geo[i] <= INT32_MAX;
  bool gemm = ok && d && (op->dtype == VS_FLOAT || op->dtype == VS_DOUBLE) && bytes && bytes <= GEMM_BYTES &&
              M <= INT32_MAX && KC <= INT32_MAX && dims32 && !(force && strcmp(force, "direct") == 0);
  if (gemm) {
    vs_shape cs = {.known = true, .rank = 2, .dims = {(int64_t)M, (int64_t)KC}};
    ok = (cols = vs__buffer(dev, bytes, &cs, op->dtype, st)) != NULL;
  }
  if (ok && gemm && strcmp(name, "conv2d_backprop_filter") == 0) {
    /* df [KC, K] = im2col(x)^T [KC, M] x dy [M, K] (HWIO is [KC, K]) */
    vs_conv_geom cg = {.N = geo[0], .H = geo[1], .W = geo[2], .C = geo[3], .OH = geo[4], .OW = geo[5], .K = geo[6],
                       .KH = geo[7], .KW = geo[8], .SH = geo[9], .SW = geo[10], .DH = geo[11], .DW = geo[12],
                       .PT = geo[13], .PL = geo[14], .dtype = op->dtype};
    ok = vs__im2col_lines(d, &cg, ba, cols, 0, (size_t)(geo[0] * geo[4]), st) &&
         vs__matmul(d, op->dtype, true, false, KC, K, M, cols, 0, KC, bb, 0, K, o->buf, 0, K, st);
  } else if (ok && gemm) {
    /* dcols [M, KC] = dy [M, K] x f^T [K, KC], then col2im over the input's
     * pixels (a is f, b is dy) */
    cl_ulong pixels = (cl_ulong)(geo[0] * geo[1] * geo[2]);
    karg args[] = {KARG(o->buf), KARG(cols), KARG(bd), KARG(pixels)};
    ok = vs__matmul(d, op->dtype, false, true, M, KC, K, bb, 0, K, ba, 0, K, cols, 0, KC, st) &&
         vs__launch(r, d, "conv_grad", op->dtype, "col2im_pixels", (size_t)pixels, args, 4, st);
  } else if (ok) {
    cl_ulong n = o->n;
    karg args[] = {KARG(o->buf), KARG(ba), KARG(bb), KARG(bd), KARG(n)};
    ok = vs__launch(r, d, "conv_grad", op->dtype, name, o->n, args, 5, st);
  }
  cl_mem temps[] = {ta, tb, bd, cols};
  for (size_t i = 0; i < 4; i++)
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
     .shape = shape_backprop_input, .kernel = k_backprop_input, .flags = VS_OPF_ATTRS,
     .attr_size = sizeof(((vs_op_attrs *)0)->conv)},
    {.type = "Conv2DBackpropFilter", .doc = "Conv2D's gradient with respect to its filter (direct, on the device)",
     .shape = shape_backprop_filter, .kernel = k_backprop_filter, .flags = VS_OPF_ATTRS,
     .attr_size = sizeof(((vs_op_attrs *)0)->conv)},
};
VS_DEF_COUNT(nn_grad_defs);
