/* nn_kernels.c - conv2d (im2col + GEMM), bias_add and relu (fused in place
 * when the intermediate has no other consumer), matmul, reshape and
 * placeholders on devices. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/blas.h"
#include "session/session_internal.h"

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
  cl_ulong K = (cl_ulong)bs.dims[0], n = (cl_ulong)vs_shape_num_elements(&xs);
  if (!n) return vs__new_output(r, op, dev, op->dtype, xs, st);
  cl_mem tb, bb = vs__on_device(r, b, dev, &tb, st);
  if (!bb) return false;
  cl_int relu = r->relu_fused[op->index];
  bool ok;
  if (x->owned && x->buf && x->dev == dev && r->uses[op->inputs[0].op->index] == 1) {
    vs_value *out = &r->values[op->index];
    *out = *x; /* take the buffer over */
    x->owned = false;
    out->ready = false;
    karg args[] = {KARG(out->buf), KARG(bb), KARG(K), KARG(n), KARG(relu)};
    ok = vs__launch(d, "conv", op->dtype, "bias_act", (size_t)n, args, 5, st);
    out->relu_applied = relu;
  } else {
    cl_mem tx, bx = vs__on_device(r, x, dev, &tx, st);
    ok = bx && vs__new_output(r, op, dev, op->dtype, xs, st);
    if (ok) {
      vs_value *out = &r->values[op->index];
      karg args[] = {KARG(out->buf), KARG(bx), KARG(bb), KARG(K), KARG(n)};
      ok = vs__launch(d, "conv", op->dtype, "bias_add", (size_t)n, args, 5, st);
      if (ok && relu) { /* the fused Relu, in place on our own buffer */
        karg act[] = {KARG(out->buf), KARG(out->buf), KARG(n)};
        ok = vs__launch(d, "conv", op->dtype, "relu", (size_t)n, act, 3, st);
        out->relu_applied = true;
      }
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
    r->values[op->index] = *x;
    x->owned = false;
    return true;
  }
  vs_shape xs = vs__value_shape(r, x);
  if (!vs__new_output(r, op, dev, op->dtype, xs, st)) return false;
  vs_value *out = &r->values[op->index];
  cl_mem tx, bx = out->n ? vs__on_device(r, x, dev, &tx, st) : NULL;
  if (out->n && !bx) return false;
  cl_ulong n = out->n;
  karg args[] = {KARG(out->buf), KARG(bx), KARG(n)};
  bool ok = vs__launch(vs__device(dev, st), "conv", op->dtype, "relu", out->n, args, 3, st);
  if (out->n && tx) vs__buffer_release(tx);
  return ok;
}

static bool k_matmul(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *a = vs__in(r, op, 0), *b = vs__in(r, op, 1);
  if (vs__uninitialized(r, op, a, st) || vs__uninitialized(r, op, b, st)) return false;
  vs_shape as = vs__value_shape(r, a), bs = vs__value_shape(r, b);
  int64_t m = as.dims[op->transpose_a ? 1 : 0], k = as.dims[op->transpose_a ? 0 : 1];
  int64_t kb = bs.dims[op->transpose_b ? 1 : 0], n = bs.dims[op->transpose_b ? 0 : 1];
  if (as.rank != 2 || bs.rank != 2 || k != kb) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Matrix size-incompatible: In[0]: [%lld,%lld], In[1]: [%lld,%lld]\n\t [[{{node %s}}]]",
             (long long)as.dims[0], (long long)as.dims[1], (long long)bs.dims[0], (long long)bs.dims[1], op->name);
    return false;
  }
  if (!vs__new_output(r, op, dev, op->dtype, (vs_shape){.known = true, .rank = 2, .dims = {m, n}}, st)) return false;
  vs_value *out = &r->values[op->index];
  if (!out->n) return true;
  if (k == 0) { /* an empty inner dimension: zeros, and nothing to read */
    double zero = 0;
    cl_int err = clEnqueueFillBuffer(vs__device(dev, st)->queue, out->buf, &zero, vs_dtype_size(op->dtype), 0,
                                     out->n * vs_dtype_size(op->dtype), 0, NULL, NULL);
    if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueFillBuffer");
    return err == CL_SUCCESS;
  }
  cl_mem ta = NULL, tb = NULL, ba = vs__on_device(r, a, dev, &ta, st), bb = ba ? vs__on_device(r, b, dev, &tb, st) : NULL;
  bool ok = ba && bb;
  if (ok)
    ok = vs__gemm(vs__device(dev, st), op->dtype, op->transpose_a, op->transpose_b, (size_t)m, (size_t)n, (size_t)k,
                  ba, 0, (size_t)as.dims[1], bb, 0, (size_t)bs.dims[1], out->buf, 0, (size_t)n, st);
  if (ta) vs__buffer_release(ta);
  if (tb) vs__buffer_release(tb);
  return ok;
}

/* Reshape shares the input's buffer: run values live until the run ends. */
static bool k_reshape(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0);
  if (vs__uninitialized(r, op, x, st)) return false;
  vs_shape xs = vs__value_shape(r, x), target = op->shape;
  int64_t n = vs_shape_num_elements(&xs);
  /* Wrapping unsigned products: a target such as [2**40, 2**40] must fail
   * the count comparison, not overflow a signed multiply. */
  uint64_t known = 1;
  int unknown = -1;
  for (int i = 0; i < target.rank; i++) {
    if (target.dims[i] < 0) unknown = i;
    else known *= (uint64_t)target.dims[i];
  }
  if (unknown >= 0 && known > 0 && known <= INT64_MAX && n % (int64_t)known == 0)
    target.dims[unknown] = n / (int64_t)known;
  int64_t want = vs__shape_elements(&target);
  if (want != n) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Input to reshape is a tensor with %lld values, but the "
             "requested shape has %lld", (long long)n, (long long)(want >= 0 ? want : (int64_t)known));
    return false;
  }
  if (x->ref) { /* never alias a variable's buffer: later assigns would show through */
    if (!vs__new_output(r, op, dev, op->dtype, target, st)) return false;
    vs_value *out = &r->values[op->index];
    cl_mem tmp, src = out->n ? vs__on_device(r, x, dev, &tmp, st) : NULL;
    if (out->n && !src) return false;
    cl_int err = out->n ? clEnqueueCopyBuffer(vs__device(dev, st)->queue, src, out->buf, 0, 0,
                                              out->n * vs_dtype_size(op->dtype), 0, NULL, NULL)
                        : CL_SUCCESS;
    if (out->n && tmp) vs__buffer_release(tmp);
    if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueCopyBuffer");
    return err == CL_SUCCESS;
  }
  vs_value *out = &r->values[op->index];
  *out = *x;
  out->shape = target;
  out->owned = false;
  out->host = NULL;
  if (x->host) { /* host values (bools, strings) are copied, not shared */
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: reshaping host values is not supported", op->name);
    return false;
  }
  return true;
}

static bool k_placeholder(vs_run *r, vs_op *op, vs_status *st) {
  (void)r;
  char dims[256];
  vs__dims_text(&op->shape, "", dims, sizeof dims);
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
           "You must feed a value for placeholder tensor '%s' with dtype %s%s%s\n\t [[{{node %s}}]]", op->name,
           vs__dtype_cc_name(op->dtype), op->shape.known ? " and shape " : "", dims, op->name);
  return false;
}

bool vs__nn_kernel(vs_run *r, vs_op *op, size_t dev, bool *ok, vs_status *st) {
  const char *t = op->type;
  if (strcmp(t, "Conv2D") == 0) *ok = vs__conv2d_run(r, op, dev, st);
  else if (strcmp(t, "BiasAdd") == 0) *ok = vs__bias_epilogue(r, op, dev, st);
  else if (strcmp(t, "Relu") == 0) *ok = k_relu(r, op, dev, st);
  else if (strcmp(t, "MatMul") == 0) *ok = k_matmul(r, op, dev, st);
  else if (strcmp(t, "Reshape") == 0) *ok = k_reshape(r, op, dev, st);
  else if (strcmp(t, "Placeholder") == 0) *ok = k_placeholder(r, op, st);
  else return false;
  return true;
}
