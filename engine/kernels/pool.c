/* pool.c - MaxPool and AvgPool (NHWC, windows over height and width) and
 * their gradients MaxPoolGrad(orig_input, orig_output, grad) and
 * AvgPoolGrad(orig_input_shape, grad), on the device (cl_kernels/pool.cl),
 * with op->attr.pool's ksize, strides and SAME/VALID padding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "ops/train_ops.h"

/* The pooled size of one spatial dimension (TF's SAME / VALID). */
static int64_t pooled(int64_t in, int64_t k, int64_t s, bool same) {
  if (in < 0) return -1;
  int64_t span = same ? in : in - k + 1;
  return span > 0 ? (span + s - 1) / s : 0;
}

static vs_shape pool_shape(const vs_op *op, vs_shape in) {
  if (!in.known || in.rank != 4) return (vs_shape){.known = false};
  vs_shape out = in;
  for (int i = 1; i < 3; i++)
    out.dims[i] = pooled(in.dims[i], op->attr.pool.ksize[i], op->attr.pool.strides[i], op->attr.pool.pad_same);
  return out;
}

/* Launches pool.cl's `name` over op's output of shape `out`, for the
 * input shape `in`, with one operand buffer, or for MaxPoolGrad two (the
 * input a, the gradient b) and a first pass finding each window's
 * maximum. */
static bool pool_run(vs_run *r, vs_op *op, size_t dev, const char *name, vs_shape in, vs_value *a, vs_value *b,
                     vs_shape out, vs_status *st) {
  vs_shape p = pool_shape(op, in);
  if (!p.known) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: the input must be rank 4\n\t [[{{node %s}}]]", vs__op_type(op),
             op->name);
    return false;
  }
  const int64_t *k = op->attr.pool.ksize, *s = op->attr.pool.strides;
  bool same = op->attr.pool.pad_same;
  int64_t th = (p.dims[1] - 1) * s[1] + k[1] - in.dims[1], tw = (p.dims[2] - 1) * s[2] + k[2] - in.dims[2];
  cl_long geo[12] = {in.dims[0], in.dims[1], in.dims[2], in.dims[3], p.dims[1], p.dims[2],
                     k[1],       k[2],       s[1],       s[2],       same && th > 0 ? th / 2 : 0,
                     same && tw > 0 ? tw / 2 : 0};
  if (!vs__new_output(r, op, dev, op->dtype, out, st)) return false;
  vs_value *o = vs__val(r, op);
  if (!o->n) return true;
  cl_mem ta = NULL, tb = NULL, bd = NULL, top = NULL;
  cl_mem ba = vs__on_device(r, a, dev, &ta, st), bb = b && ba ? vs__on_device(r, b, dev, &tb, st) : NULL;
  bool ok = ba && (!b || bb) && (bd = vs__step_describe(r, dev, geo, 12, st)) != NULL;
  vs_cl_device *d = ok ? vs__device(dev, st) : NULL;
  ok = ok && d;
  /* pool.cl's ranges: (C, W, N x H) of the tensor a kernel writes */
  size_t range[3] = {(size_t)out.dims[3], (size_t)out.dims[2], (size_t)(out.dims[0] * out.dims[1])};
  if (ok && b) { /* MaxPoolGrad: each window's first maximum, then the gradients gathered by input */
    size_t pooled_range[3] = {(size_t)p.dims[3], (size_t)p.dims[2], (size_t)(p.dims[0] * p.dims[1])};
    vs_shape ps = p;
    ok = (top = vs__buffer(dev, (size_t)vs_shape_num_elements(p) * sizeof(cl_long), &ps, VS_INT64, st)) != NULL;
    karg first[] = {KARG(top), KARG(ba), KARG(bd)};
    karg second[] = {KARG(o->buf), KARG(top), KARG(bb), KARG(bd)};
    ok = ok && vs__launch_nd(r, d, "pool", op->dtype, "max_pool_argmax", 3, pooled_range, first, 3, st) &&
         vs__launch_nd(r, d, "pool", op->dtype, name, 3, range, second, 4, st);
  } else if (ok) {
    karg args[] = {KARG(o->buf), KARG(ba), KARG(bd)};
    ok = vs__launch_nd(r, d, "pool", op->dtype, name, 3, range, args, 3, st);
  }
  cl_mem temps[] = {ta, tb, top};
  for (size_t i = 0; i < 3; i++)
    if (temps[i]) vs__buffer_release(temps[i]);
  return ok;
}

static bool k_pool(vs_run *r, vs_op *op, size_t dev, const char *name, vs_status *st) {
  vs_value *x = vs__in(r, op, 0);
  if (vs__uninitialized(r, op, x, st)) return false;
  vs_shape in = vs__value_shape(r, x);
  if (!vs__value_n(r, x)) return vs__new_output(r, op, dev, op->dtype, pool_shape(op, in), st);
  return pool_run(r, op, dev, name, in, x, NULL, pool_shape(op, in), st);
}
static bool k_max_pool(vs_run *r, vs_op *op, size_t dev, vs_status *st) { return k_pool(r, op, dev, "max_pool", st); }
static bool k_avg_pool(vs_run *r, vs_op *op, size_t dev, vs_status *st) { return k_pool(r, op, dev, "avg_pool", st); }

static bool k_max_pool_grad(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0), *dy = vs__in(r, op, 2);
  if (vs__uninitialized(r, op, x, st) || vs__uninitialized(r, op, dy, st)) return false;
  vs_shape in = vs__value_shape(r, x);
  return pool_run(r, op, dev, "max_pool_grad", in, x, dy, in, st);
}

static bool k_avg_pool_grad(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *dy = vs__in(r, op, 1);
  if (vs__uninitialized(r, op, dy, st)) return false;
  size_t n = 0;
  const int32_t *d = vs__const_int32(op->inputs[0], &n);
  if (!d || n != 4) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "orig_input_shape must have 4 elements\n\t [[{{node %s}}]]",
             op->name);
    return false;
  }
  vs_shape in = {.known = true, .rank = 4, .dims = {d[0], d[1], d[2], d[3]}};
  return pool_run(r, op, dev, "avg_pool_grad", in, dy, NULL, in, st);
}

static vs_shape shape_pool(const vs_op *op) { return pool_shape(op, vs__op_shape(op->inputs[0].op)); }
static vs_shape shape_avg_pool_grad(const vs_op *op) {
  size_t n = 0;
  const int32_t *d = vs__const_int32(op->inputs[0], &n);
  return d && n == 4 ? (vs_shape){.known = true, .rank = 4, .dims = {d[0], d[1], d[2], d[3]}}
                     : (vs_shape){.known = true, .rank = 4, .dims = {-1, -1, -1, -1}};
}

const vs_op_def vs__pool_defs[] = {
    {.type = "MaxPool", .doc = "the maximum over each window (NHWC; SAME windows clipped to the input)",
     .shape = shape_pool, .kernel = k_max_pool, .gradient = vs__grad_max_pool,
     .flags = VS_OPF_ATTRS, .attr_size = sizeof(((vs_op_attrs *)0)->pool)},
    {.type = "AvgPool", .doc = "the mean over each window, padding not counted (NHWC)", .shape = shape_pool,
     .kernel = k_avg_pool, .gradient = vs__grad_avg_pool,
     .flags = VS_OPF_ATTRS, .attr_size = sizeof(((vs_op_attrs *)0)->pool)},
    {.type = "MaxPoolGrad", .doc = "MaxPool's gradient: each output's gradient to its window's first maximum",
     .shape = vs__shape_of_input0, .kernel = k_max_pool_grad,
     .flags = VS_OPF_ATTRS, .attr_size = sizeof(((vs_op_attrs *)0)->pool)},
    {.type = "AvgPoolGrad", .doc = "AvgPool's gradient: each output's gradient spread over its window",
     .shape = shape_avg_pool_grad, .kernel = k_avg_pool_grad,
     .flags = VS_OPF_ATTRS, .attr_size = sizeof(((vs_op_attrs *)0)->pool)},
};
VS_DEF_COUNT(pool_defs);
