/* nn_kernels.c - conv2d (im2col + GEMM), bias_add and relu (fused in place
 * when the intermediate has no other consumer), matmul, reshape and
 * placeholders on devices. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/blas.h"
#include "session/session_internal.h"

/* Each im2col chunk stays under this many bytes (and half the device's
 * max allocation), so large batches are processed in row blocks. */
#define IM2COL_BUDGET ((size_t)64 << 20)

static vs_shape value_shape(vs_run *r, const vs_value *v) {
  return v->ref ? r->s->vars[v->ref->index].shape : v->shape;
}

/* TF's SAME padding: total = max((out - 1) * stride + eff_k - in, 0), the
 * smaller half before. */
static int pad_before(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t dil) {
  int64_t eff = (k - 1) * dil + 1, total = (out - 1) * stride + eff - in;
  return total > 0 ? (int)(total / 2) : 0;
}

static bool k_conv2d(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0), *f = vs__in(r, op, 1);
  if (vs__uninitialized(r, op, x, st) || vs__uninitialized(r, op, f, st)) return false;
  vs_shape xs = value_shape(r, x), fs = value_shape(r, f);
  if (xs.rank != 4 || fs.rank != 4 || xs.dims[3] != fs.dims[2]) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: input and filter shapes do not match at run time",
             op->name);
    return false;
  }
  int64_t N = xs.dims[0], H = xs.dims[1], W = xs.dims[2], C = xs.dims[3];
  int64_t KH = fs.dims[0], KW = fs.dims[1], K = fs.dims[3];
  int64_t SH = op->strides[1], SW = op->strides[2], DH = op->dilations[1], DW = op->dilations[2];
  int64_t OH, OW;
  if (op->pad_same) {
    OH = (H + SH - 1) / SH;
    OW = (W + SW - 1) / SW;
  } else {
    OH = (H - (KH - 1) * DH - 1 + SH) / SH;
    OW = (W - (KW - 1) * DW - 1 + SW) / SW;
  }
  if (OH < 0 || OW < 0) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: the filter is larger than the input", op->name);
    return false;
  }
  vs_shape os = {.known = true, .rank = 4, .dims = {N, OH, OW, K}};
  if (!vs__new_output(r, op, dev, op->dtype, os, st)) return false;
  vs_value *out = &r->values[op->index];
  if (!out->n) return true;
  vs_cl_device *d = vs__device(dev, st);
  cl_mem tx, tf, bx = vs__on_device(r, x, dev, &tx, st), bf = bx ? vs__on_device(r, f, dev, &tf, st) : NULL;
  bool ok = bx && bf;
  size_t M = (size_t)(N * OH * OW), KC = (size_t)(KH * KW * C), es = vs_dtype_size(op->dtype);
  int PT = op->pad_same ? pad_before(H, OH, KH, SH, DH) : 0, PL = op->pad_same ? pad_before(W, OW, KW, SW, DW) : 0;
  if (ok && KH == 1 && KW == 1 && SH == 1 && SW == 1 && PT == 0 && PL == 0) {
    /* 1x1, stride 1: the input already is the im2col matrix. */
    ok = vs__gemm(d, op->dtype, false, false, M, (size_t)K, KC, bx, 0, KC, bf, 0, (size_t)K, out->buf, 0, (size_t)K, st);
  } else if (ok) {
    size_t budget = IM2COL_BUDGET < d->info.max_alloc_bytes / 2 ? IM2COL_BUDGET : d->info.max_alloc_bytes / 2;
    size_t chunk = budget / (KC * es);
    if (chunk < 1) chunk = 1;
    if (chunk > M) chunk = M;
    vs_shape cs = {.known = true, .rank = 2, .dims = {(int64_t)chunk, (int64_t)KC}};
    cl_mem cols = vs__buffer(dev, chunk * KC * es, &cs, op->dtype, st);
    ok = cols != NULL;
    cl_int iH = (cl_int)H, iW = (cl_int)W, iC = (cl_int)C, iOH = (cl_int)OH, iOW = (cl_int)OW, iKH = (cl_int)KH,
           iKW = (cl_int)KW, iSH = (cl_int)SH, iSW = (cl_int)SW, iDH = (cl_int)DH, iDW = (cl_int)DW, iPT = PT,
           iPL = PL;
    for (size_t r0 = 0; ok && r0 < M; r0 += chunk) {
      cl_ulong row0 = r0, rows = M - r0 < chunk ? M - r0 : chunk;
      karg args[] = {KARG(cols), KARG(bx), KARG(row0), KARG(rows), KARG(iH), KARG(iW), KARG(iC), KARG(iOH),
                     KARG(iOW), KARG(iKH), KARG(iKW), KARG(iSH), KARG(iSW), KARG(iDH), KARG(iDW), KARG(iPT),
                     KARG(iPL)};
      ok = vs__launch(d, "conv", op->dtype, "im2col", (size_t)rows * KC, args, 17, st) &&
           vs__gemm(d, op->dtype, false, false, (size_t)rows, (size_t)K, KC, cols, 0, KC, bf, 0, (size_t)K, out->buf,
                    (size_t)r0 * (size_t)K, (size_t)K, st);
    }
    if (cols) clReleaseMemObject(cols); /* released once the queued commands finish */
  }
  if (tx) clReleaseMemObject(tx);
  if (tf) clReleaseMemObject(tf);
  return ok;
}

/* BiasAdd: in place on an input nobody else reads, with the Relu that
 * alone consumes it applied in the same pass. */
static bool k_bias_add(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0), *b = vs__in(r, op, 1);
  if (vs__uninitialized(r, op, x, st) || vs__uninitialized(r, op, b, st)) return false;
  vs_shape xs = value_shape(r, x), bs = value_shape(r, b);
  if (xs.rank < 1 || bs.rank != 1 || bs.dims[0] != xs.dims[xs.rank - 1]) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: bias size does not match the last dimension", op->name);
    return false;
  }
  vs_cl_device *d = vs__device(dev, st);
  cl_mem tb, bb = vs__on_device(r, b, dev, &tb, st);
  cl_ulong K = (cl_ulong)bs.dims[0], n = x->ref ? (cl_ulong)vs_shape_num_elements(&xs) : x->n;
  cl_int relu = r->relu_fused[op->index];
  bool ok;
  if (x->owned && x->buf && x->dev == dev && r->uses[op->inputs[0].op->index] == 1 && bb) {
    vs_value *out = &r->values[op->index];
    *out = *x; /* take the buffer over */
    x->owned = false;
    out->ready = false;
    karg args[] = {KARG(out->buf), KARG(bb), KARG(K), KARG(n), KARG(relu)};
    ok = vs__launch(d, "conv", op->dtype, "bias_act", (size_t)n, args, 5, st);
  } else {
    cl_mem tx, bx = bb ? vs__on_device(r, x, dev, &tx, st) : NULL;
    ok = bx && vs__new_output(r, op, dev, op->dtype, xs, st);
    if (ok) {
      vs_value *out = &r->values[op->index];
      karg args[] = {KARG(out->buf), KARG(bx), KARG(bb), KARG(K), KARG(n)};
      karg act[] = {KARG(out->buf), KARG(bb), KARG(K), KARG(n), KARG(relu)};
      cl_int zero = 0;
      (void)zero;
      ok = vs__launch(d, "conv", op->dtype, "bias_add", (size_t)n, args, 5, st);
      if (ok && relu) { /* the fused Relu, in place on our own buffer */
        cl_mem nob = NULL;
        (void)nob;
        karg none[] = {KARG(out->buf), KARG(out->buf), KARG(n)};
        (void)act;
        ok = vs__launch(d, "conv", op->dtype, "relu", (size_t)n, none, 3, st);
      }
    }
    if (bx && tx) clReleaseMemObject(tx);
  }
  if (tb) clReleaseMemObject(tb);
  return ok;
}

static bool k_relu(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0);
  if (vs__uninitialized(r, op, x, st)) return false;
  if (r->relu_fused[op->inputs[0].op->index]) { /* applied by the BiasAdd */
    r->values[op->index] = *x;
    x->owned = false;
    return true;
  }
  vs_shape xs = value_shape(r, x);
  if (!vs__new_output(r, op, dev, op->dtype, xs, st)) return false;
  vs_value *out = &r->values[op->index];
  cl_mem tx, bx = out->n ? vs__on_device(r, x, dev, &tx, st) : NULL;
  if (out->n && !bx) return false;
  cl_ulong n = out->n;
  karg args[] = {KARG(out->buf), KARG(bx), KARG(n)};
  bool ok = vs__launch(vs__device(dev, st), "conv", op->dtype, "relu", out->n, args, 3, st);
  if (out->n && tx) clReleaseMemObject(tx);
  return ok;
}

static bool k_matmul(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *a = vs__in(r, op, 0), *b = vs__in(r, op, 1);
  if (vs__uninitialized(r, op, a, st) || vs__uninitialized(r, op, b, st)) return false;
  vs_shape as = value_shape(r, a), bs = value_shape(r, b);
  int64_t m = as.dims[op->transpose_a ? 1 : 0], k = as.dims[op->transpose_a ? 0 : 1];
  int64_t kb = bs.dims[op->transpose_b ? 1 : 0], n = bs.dims[op->transpose_b ? 0 : 1];
  if (as.rank != 2 || bs.rank != 2 || k != kb) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: Matrix size-incompatible: In[0]: [%lld,%lld], In[1]: [%lld,%lld]",
             op->name, (long long)as.dims[0], (long long)as.dims[1], (long long)bs.dims[0], (long long)bs.dims[1]);
    return false;
  }
  if (!vs__new_output(r, op, dev, op->dtype, (vs_shape){.known = true, .rank = 2, .dims = {m, n}}, st)) return false;
  vs_value *out = &r->values[op->index];
  if (!out->n) return true;
  cl_mem ta, tb, ba = vs__on_device(r, a, dev, &ta, st), bb = ba ? vs__on_device(r, b, dev, &tb, st) : NULL;
  bool ok = ba && bb;
  if (ok && k == 0) { /* an empty inner dimension: zeros */
    double zero = 0;
    cl_int err = clEnqueueFillBuffer(vs__device(dev, st)->queue, out->buf, &zero, vs_dtype_size(op->dtype), 0,
                                     out->n * vs_dtype_size(op->dtype), 0, NULL, NULL);
    ok = err == CL_SUCCESS;
    if (!ok) vs__cl_fail(st, err, "clEnqueueFillBuffer");
  } else if (ok) {
    ok = vs__gemm(vs__device(dev, st), op->dtype, op->transpose_a, op->transpose_b, (size_t)m, (size_t)n, (size_t)k,
                  ba, 0, (size_t)as.dims[1], bb, 0, (size_t)bs.dims[1], out->buf, 0, (size_t)n, st);
  }
  if (ba && ta) clReleaseMemObject(ta);
  if (bb && tb) clReleaseMemObject(tb);
  return ok;
}

/* Reshape shares the input's buffer: run values live until the run ends. */
static bool k_reshape(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0);
  if (vs__uninitialized(r, op, x, st)) return false;
  vs_shape xs = value_shape(r, x), target = op->shape;
  int64_t n = vs_shape_num_elements(&xs), known = 1;
  int unknown = -1;
  for (int i = 0; i < target.rank; i++) {
    if (target.dims[i] < 0) unknown = i;
    else known *= target.dims[i];
  }
  if (unknown >= 0 && known > 0 && n % known == 0) target.dims[unknown] = n / known;
  if (vs_shape_num_elements(&target) != n) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Input to reshape is a tensor with %lld values, but the "
             "requested shape has %lld", (long long)n, (long long)vs_shape_num_elements(&target));
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
    if (out->n && tmp) clReleaseMemObject(tmp);
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

static const char *tf_type_string(vs_dtype t) {
  switch (t) {
    case VS_FLOAT: return "float";
    case VS_DOUBLE: return "double";
    case VS_HALF: return "half";
    default: return vs_dtype_name(t);
  }
}

static bool k_placeholder(vs_run *r, vs_op *op, vs_status *st) {
  (void)r;
  char dims[256] = "";
  size_t n = 0;
  for (int i = 0; op->shape.known && i < op->shape.rank && n < sizeof dims; i++)
    n += (size_t)snprintf(dims + n, sizeof dims - n, "%s%lld", i ? "," : "", (long long)op->shape.dims[i]);
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
           "You must feed a value for placeholder tensor '%s' with dtype %s%s%s%s\n\t [[{{node %s}}]]", op->name,
           tf_type_string(op->dtype), op->shape.known ? " and shape [" : "", dims, op->shape.known ? "]" : "",
           op->name);
  return false;
}

bool vs__nn_kernel(vs_run *r, vs_op *op, size_t dev, bool *ok, vs_status *st) {
  const char *t = op->type;
  if (strcmp(t, "Conv2D") == 0) *ok = k_conv2d(r, op, dev, st);
  else if (strcmp(t, "BiasAdd") == 0) *ok = k_bias_add(r, op, dev, st);
  else if (strcmp(t, "Relu") == 0) *ok = k_relu(r, op, dev, st);
  else if (strcmp(t, "MatMul") == 0) *ok = k_matmul(r, op, dev, st);
  else if (strcmp(t, "Reshape") == 0) *ok = k_reshape(r, op, dev, st);
  else if (strcmp(t, "Placeholder") == 0) *ok = k_placeholder(r, op, st);
  else return false;
  return true;
}
