/* nn.c - Conv2D (conv2d.c), BiasAdd and Relu (fused in place when the
 * intermediate has no other consumer: the plan decides, see
 * session/session.c), MatMul. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/gemm.h"
#include "kernels/kernels_internal.h"

bool vs__bias_like(vs_run *r, const vs_op *op) {
  vs_value *x = vs__in(r, op, 0), *b = vs__in(r, op, 1);
  vs_shape xs = vs__value_shape(r, x), bs = vs__value_shape(r, b);
  return xs.rank >= 2 && bs.rank == 1 && bs.dims[0] == xs.dims[xs.rank - 1] && !x->host && !b->host;
}

bool vs__bias_epilogue(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0), *b = vs__in(r, op, 1);
  if (vs__uninitialized(r, op, x, st) || vs__uninitialized(r, op, b, st)) return false;
  vs_shape xs = vs__value_shape(r, x), bs = vs__value_shape(r, b);
  if (xs.rank < 1 || bs.rank != 1 || bs.dims[0] != xs.dims[xs.rank - 1]) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: bias size does not match the last dimension", op->name);
    return false;
  }
  vs_cl_device *d = vs__device(dev, st);
  size_t n = (size_t)vs_shape_num_elements(xs), range[2] = {(size_t)bs.dims[0], n ? n / (size_t)bs.dims[0] : 0};
  if (!n) return vs__new_output(r, op, dev, op->dtype, xs, st);
  cl_mem tb, bb = vs__on_device(r, b, dev, &tb, st);
  if (!bb) return false;
  cl_int relu = vs__act_fused(r, op);
  bool ok;
  if (x->owned && x->buf && x->dev == dev && vs__uses(r, op->inputs[0].op) == 1) {
    vs_value *out = vs__val(r, op);
    *out = *x; /* take the buffer over */
    x->owned = false;
    out->ready = false;
    cl_ulong K = range[0], rows = range[1];
    karg args[] = {KARG(out->buf), KARG(out->buf), KARG(bb), KARG(K), KARG(rows), KARG(relu)};
    ok = vs__launch_nd(r, d, "conv", op->dtype, "bias_add", 2, range, args, 6, st);
    out->relu_applied = relu;
  } else {
    cl_mem tx, bx = vs__on_device(r, x, dev, &tx, st);
    ok = bx && vs__new_output(r, op, dev, op->dtype, xs, st);
    if (ok) {
      vs_value *out = vs__val(r, op);
      cl_ulong K = range[0], rows = range[1];
      karg args[] = {KARG(out->buf), KARG(bx), KARG(bb), KARG(K), KARG(rows), KARG(relu)};
      ok = vs__launch_nd(r, d, "conv", op->dtype, "bias_add", 2, range, args, 6, st);
      out->relu_applied = relu;
    }
    if (tx) vs__buffer_release(tx);
  }
  if (tb) vs__buffer_release(tb);
  return ok;
}

static bool k_relu(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0);
  if (vs__uninitialized(r, op, x, st)) return false;
  if (x->relu_applied) { /* the bias epilogue before us did it */
    *vs__val(r, op) = *x;
    x->owned = false;
    return true;
  }
  vs_shape xs = vs__value_shape(r, x);
  if (!vs__new_output(r, op, dev, op->dtype, xs, st)) return false;
  vs_value *out = vs__val(r, op);
  cl_mem tx, bx = out->n ? vs__on_device(r, x, dev, &tx, st) : NULL;
  if (out->n && !bx) return false;
  cl_ulong n = out->n;
  karg args[] = {KARG(out->buf), KARG(bx), KARG(n)};
  bool ok = vs__launch(r, vs__device(dev, st), "conv", op->dtype, "relu", out->n, args, 3, st);
  if (out->n && tx) vs__buffer_release(tx);
  return ok;
}

static bool k_matmul(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *a = vs__in(r, op, 0), *b = vs__in(r, op, 1);
  if (vs__uninitialized(r, op, a, st) || vs__uninitialized(r, op, b, st)) return false;
  vs_shape as = vs__value_shape(r, a), bs = vs__value_shape(r, b);
  int64_t m = as.dims[op->attr.matmul.transpose_a ? 1 : 0], k = as.dims[op->attr.matmul.transpose_a ? 0 : 1];
  int64_t kb = bs.dims[op->attr.matmul.transpose_b ? 1 : 0], n = bs.dims[op->attr.matmul.transpose_b ? 0 : 1];
  if (as.rank != 2 || bs.rank != 2 || k != kb) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Matrix size-incompatible: In[0]: [%lld,%lld], In[1]: [%lld,%lld]\n\t [[{{node %s}}]]",
             (long long)as.dims[0], (long long)as.dims[1], (long long)bs.dims[0], (long long)bs.dims[1], op->name);
    return false;
  }
  if (!vs__new_output(r, op, dev, op->dtype, (vs_shape){.known = true, .rank = 2, .dims = {m, n}}, st)) return false;
  vs_value *out = vs__val(r, op);
  if (!out->n) return true;
  if (k == 0) { /* an empty inner dimension: zeros, and nothing to read */
    double zero = 0;
    cl_int err = clEnqueueFillBuffer(*vs__queue(vs__device(dev, st)), out->buf, &zero, vs_dtype_size(op->dtype), 0,
                                     out->n * vs_dtype_size(op->dtype), 0, NULL, NULL);
    if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueFillBuffer");
    return err == CL_SUCCESS;
  }
  cl_mem ta = NULL, tb = NULL, ba = vs__on_device(r, a, dev, &ta, st), bb = ba ? vs__on_device(r, b, dev, &tb, st) : NULL;
  bool ok = ba && bb;
  if (ok)
    ok = vs__matmul(r, vs__device(dev, st), op->dtype, op->attr.matmul.transpose_a, op->attr.matmul.transpose_b,
                    (size_t)m, (size_t)n, (size_t)k, ba, 0, (size_t)as.dims[1], bb, 0, (size_t)bs.dims[1], out->buf, 0,
                    (size_t)n, st);
  if (ta) vs__buffer_release(ta);
  if (tb) vs__buffer_release(tb);
  return ok;
}


/* Conv2D, NHWC: [N, out_h, out_w, K] with TF's SAME/VALID output sizes. */
static vs_shape shape_conv(const vs_op *op) {
  vs_shape in = vs__op_shape(op->inputs[0].op), fl = vs__op_shape(op->inputs[1].op);
  vs_shape out = {.known = true, .rank = 4, .dims = {-1, -1, -1, -1}};
  if (in.known && in.rank == 4) out.dims[0] = in.dims[0];
  if (fl.known && fl.rank == 4) out.dims[3] = fl.dims[3];
  for (int i = 1; i < 3 && in.known && fl.known && in.rank == 4 && fl.rank == 4; i++) {
    int64_t x = in.dims[i], f = fl.dims[i - 1], s = op->attr.conv.strides[i], d = op->attr.conv.dilations[i];
    if (x < 0 || f < 0 || s < 1) continue;
    int64_t span = op->attr.conv.pad_same ? x : x - (f - 1) * d;
    out.dims[i] = span > 0 ? (span + s - 1) / s : 0;
  }
  return out;
}

static vs_shape shape_matmul(const vs_op *op) {
  vs_shape a = vs__op_shape(op->inputs[0].op), b = vs__op_shape(op->inputs[1].op);
  bool ta = op->attr.matmul.transpose_a, tb = op->attr.matmul.transpose_b;
  return (vs_shape){.known = true, .rank = 2,
                    .dims = {a.known ? a.dims[ta ? 1 : 0] : -1, b.known ? b.dims[tb ? 0 : 1] : -1}};
}

static bool k_conv2d(vs_run *r, vs_op *op, size_t dev, vs_status *st) { return vs__conv2d_run(r, op, dev, st); }

const vs_op_def vs__nn_defs[] = {
    {.type = "Conv2D", .doc = "2-D convolution, NHWC, SAME or VALID (im2col + GEMM, convgemm or direct, by measurement)",
     .shape = shape_conv, .kernel = k_conv2d, .gradient = vs__grad_conv2d, .flags = VS_OPF_ATTRS},
    {.type = "BiasAdd", .doc = "value + bias along the last dimension (in place, a lone consuming Relu fused)",
     .shape = vs__shape_of_input0, .kernel = vs__bias_epilogue, .gradient = vs__grad_bias_add, .flags = VS_OPF_ACT_EPILOGUE},
    {.type = "Relu", .doc = "max(x, 0) elementwise (nothing left to do when the producer's epilogue applied it)",
     .shape = vs__shape_of_input0, .kernel = k_relu, .gradient = vs__grad_relu, .flags = VS_OPF_ACTIVATION},
    {.type = "MatMul", .doc = "a x b of two matrices, either transposed (CLBlast's GEMM)", .shape = shape_matmul,
     .kernel = k_matmul, .gradient = vs__grad_matmul, .flags = VS_OPF_ATTRS},
};
VS_DEF_COUNT(nn_defs);
