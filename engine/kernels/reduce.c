/* reduce.c - Sum and Mean over any axes, BiasAddGrad (a sum over all but
 * the last dimension) and Tile, on the device (cl_kernels/reduce.cl), and
 * Prod on the host (TF builds it on shape vectors: boolean_mask's leading
 * size). The reduction indices and multiples are Const inputs, read from
 * the graph. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "ops/train_ops.h"

cl_mem vs__describe(size_t dev, const cl_long *v, size_t n, vs_status *st) {
  cl_long one = 0;
  if (!n) {
    v = &one;
    n = 1;
  }
  vs_shape s = {.known = true, .rank = 1, .dims = {(int64_t)n}};
  cl_mem b = vs__buffer(dev, n * sizeof *v, &s, VS_INT64, st);
  if (!b) return NULL;
  vs_cl_device *d = vs__device(dev, st);
  cl_int err = d ? clEnqueueWriteBuffer(*vs__queue(d), b, CL_TRUE, 0, n * sizeof *v, v, 0, NULL, NULL) : CL_INVALID_DEVICE;
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clEnqueueWriteBuffer");
    vs__buffer_release(b);
    return NULL;
  }
  return b;
}

/* Sums x over the dimensions flagged in red (divides by their count when
 * mean) into op's output of shape `out`. */
static bool reduce_run(vs_run *r, vs_op *op, size_t dev, const bool *red, bool mean, vs_shape out, vs_status *st) {
  vs_value *x = vs__in(r, op, 0);
  vs_shape xs = vs__value_shape(r, x);
  if (!vs__new_output(r, op, dev, op->dtype, out, st)) return false;
  vs_value *o = vs__val(r, op);
  if (!o->n) return true;
  cl_long desc[4 * VS_MAX_RANK], kd[VS_MAX_RANK], ks[VS_MAX_RANK], rd[VS_MAX_RANK], rs[VS_MAX_RANK], stride = 1;
  cl_int nk = 0, nr = 0;
  cl_ulong m = 1;
  /* Innermost first, then reversed below. A dimension next to one of the
   * same kind joins it (their elements are one run of strides), so
   * BiasAddGrad's [N, H, W, C] reduces one dimension of N*H*W at stride C:
   * the kernel's per-element divisions go (reduce.cl's one-dimension
   * paths), the sum's order does not change. */
  bool prev_red = false;
  for (int i = xs.rank - 1; i >= 0; i--) {
    bool joins = i < xs.rank - 1 && red[i] == prev_red;
    if (red[i]) {
      if (joins) rd[nr - 1] *= xs.dims[i];
      else rd[nr] = xs.dims[i], rs[nr++] = stride;
      m *= (cl_ulong)xs.dims[i];
    } else if (joins) {
      kd[nk - 1] *= xs.dims[i];
    } else {
      kd[nk] = xs.dims[i];
      ks[nk++] = stride;
    }
    prev_red = red[i];
    stride *= xs.dims[i];
  }
  size_t at = 0;
  for (int i = nk - 1; i >= 0; i--) desc[at++] = kd[i];
  for (int i = nk - 1; i >= 0; i--) desc[at++] = ks[i];
  for (int i = nr - 1; i >= 0; i--) desc[at++] = rd[i];
  for (int i = nr - 1; i >= 0; i--) desc[at++] = rs[i];
  cl_mem tx = NULL, bx = m ? vs__on_device(r, x, dev, &tx, st) : NULL, bd = NULL;
  bool ok = (!m || bx) && (bd = vs__step_describe(r, dev, desc, at, st)) != NULL;
  if (ok && !m) { /* an empty reduction: zeros (TF's Sum; Mean divides 0 by 0) */
    double zero = 0;
    cl_int err = clEnqueueFillBuffer(*vs__queue(vs__device(dev, st)), o->buf, &zero, vs_dtype_size(op->dtype), 0,
                                     o->n * vs_dtype_size(op->dtype), 0, NULL, NULL);
    if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueFillBuffer");
    ok = err == CL_SUCCESS;
  } else if (ok) {
    cl_int is_mean = mean;
    cl_ulong n = o->n;
    karg args[] = {KARG(o->buf), KARG(bx), KARG(bd), KARG(nk), KARG(nr), KARG(m), KARG(is_mean), KARG(n)};
    ok = vs__launch(r, vs__device(dev, st), "reduce", op->dtype, "reduce_sum", o->n, args, 8, st);
  }
  if (tx) vs__buffer_release(tx);
  return ok;
}

/* The reduced axes of a Sum/Mean: its reduction indices' value (constant
 * in the graph, else a small int32 tensor read back from the device). */
static bool reduced_axes(vs_run *r, vs_op *op, bool *red, vs_status *st) {
  vs_value *ax = vs__in(r, op, 1);
  vs_shape xs = vs__value_shape(r, vs__in(r, op, 0));
  size_t n = vs__value_n(r, ax);
  int32_t axes[VS_MAX_RANK];
  if (ax->dtype != VS_INT32 || n > VS_MAX_RANK) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: varscope reduces over at most %d int32 axes", op->name,
             VS_MAX_RANK);
    return false;
  }
  /* Constant axes (a Const, or a Range of Consts) come from the graph,
   * sparing the run a blocking read. */
  size_t nc = 0;
  bool constant = vs__int32_value(op->inputs[1], axes, VS_MAX_RANK, &nc) && nc == n;
  if (!constant && n && !vs__read_small(r, ax, axes, n * sizeof *axes, st)) return false;
  for (int i = 0; i < VS_MAX_RANK; i++) red[i] = false;
  for (size_t i = 0; i < n; i++) {
    int32_t a = axes[i] < 0 ? axes[i] + xs.rank : axes[i];
    if (a < 0 || a >= xs.rank) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
               "Invalid reduction dimension (%d for input with %d dimension(s)\n\t [[{{node %s}}]]", axes[i],
               xs.rank, op->name);
      return false;
    }
    red[a] = true;
  }
  return true;
}

static bool k_sum_mean(vs_run *r, vs_op *op, size_t dev, bool mean, vs_status *st) {
  vs_value *x = vs__in(r, op, 0);
  bool red[VS_MAX_RANK];
  if (vs__uninitialized(r, op, x, st) || !reduced_axes(r, op, red, st)) return false;
  vs_shape xs = vs__value_shape(r, x), out = {.known = true};
  for (int i = 0; i < xs.rank; i++)
    if (!red[i]) out.dims[out.rank++] = xs.dims[i];
    else if (op->attr.reduce.keep_dims) out.dims[out.rank++] = 1;
  return reduce_run(r, op, dev, red, mean, out, st);
}
static bool k_sum(vs_run *r, vs_op *op, size_t dev, vs_status *st) { return k_sum_mean(r, op, dev, false, st); }
static bool k_mean(vs_run *r, vs_op *op, size_t dev, vs_status *st) { return k_sum_mean(r, op, dev, true, st); }

/* Prod over the reduced axes, on the host: each input element multiplies
 * into the output element its kept coordinates name. */
static bool k_prod(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)dev; /* a host value */
  bool red[VS_MAX_RANK];
  vs_dtype t = op->dtype;
  if (t != VS_INT32 && t != VS_INT64 && t != VS_FLOAT && t != VS_DOUBLE) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: varscope's Prod takes int32, int64, float and double, not "
             "%s\n\t [[{{node %s}}]]", vs__op_type(op), vs_dtype_name(t), op->name);
    return false;
  }
  vs_tensor *x = vs__host_input(r, op, 0, st);
  if (!x || !reduced_axes(r, op, red, st)) {
    vs_tensor_free(x);
    return false;
  }
  vs_shape out = {.known = true};
  for (int d = 0; d < x->shape.rank; d++)
    if (!red[d] || op->attr.reduce.keep_dims) out.dims[out.rank++] = red[d] ? 1 : x->shape.dims[d];
  vs_tensor *o = vs__tensor_alloc(t, out, st);
  for (size_t k = 0; o && k < o->n; k++) {
    if (t == VS_INT32) ((int32_t *)o->data)[k] = 1;
    else if (t == VS_INT64) ((int64_t *)o->data)[k] = 1;
    else if (t == VS_FLOAT) ((float *)o->data)[k] = 1;
    else ((double *)o->data)[k] = 1;
  }
  for (size_t i = 0; o && i < x->n; i++) {
    size_t rem = i, at = 0, stride = 1;
    for (int d = x->shape.rank - 1; d >= 0; d--) {
      size_t c = rem % (size_t)x->shape.dims[d];
      rem /= (size_t)x->shape.dims[d];
      if (!red[d]) {
        at += c * stride;
        stride *= (size_t)x->shape.dims[d];
      }
    }
    if (t == VS_INT32) /* wraps as TF's int32 product does */
      ((int32_t *)o->data)[at] = (int32_t)((uint32_t)((int32_t *)o->data)[at] * (uint32_t)((int32_t *)x->data)[i]);
    else if (t == VS_INT64)
      ((int64_t *)o->data)[at] = (int64_t)((uint64_t)((int64_t *)o->data)[at] * (uint64_t)((int64_t *)x->data)[i]);
    else if (t == VS_FLOAT) ((float *)o->data)[at] *= ((float *)x->data)[i];
    else ((double *)o->data)[at] *= ((double *)x->data)[i];
  }
  vs_tensor_free(x);
  return o && vs__host_value(r, op, o);
}

/* BiasAddGrad: the sum over every dimension but the last. */
static bool k_bias_add_grad(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0);
  vs_shape xs = vs__value_shape(r, x);
  if (xs.rank < 2) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Input tensor must be at least 2D: [%lld]\n\t [[{{node %s}}]]",
             (long long)(xs.rank ? xs.dims[0] : 0), op->name);
    return false;
  }
  bool red[VS_MAX_RANK] = {false};
  for (int i = 0; i < xs.rank - 1; i++) red[i] = true;
  return reduce_run(r, op, dev, red, false, (vs_shape){.known = true, .rank = 1, .dims = {xs.dims[xs.rank - 1]}}, st);
}

static bool k_tile(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0);
  if (vs__uninitialized(r, op, x, st)) return false;
  size_t n = 0;
  const int32_t *mult = vs__const_int32(op->inputs[1], &n);
  vs_shape xs = vs__value_shape(r, x), out = xs;
  if (!mult || n != (size_t)xs.rank) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
             "Expected multiples argument to be a vector of length %d but got length %zu\n\t [[{{node %s}}]]", xs.rank,
             n, op->name);
    return false;
  }
  cl_long desc[3 * VS_MAX_RANK], stride = 1;
  for (int i = 0; i < xs.rank; i++) out.dims[i] = xs.dims[i] * mult[i];
  for (int i = xs.rank - 1; i >= 0; i--) {
    desc[i] = out.dims[i];
    desc[xs.rank + i] = xs.dims[i];
    desc[2 * xs.rank + i] = stride;
    stride *= xs.dims[i];
  }
  if (!vs__new_output(r, op, dev, op->dtype, out, st)) return false;
  vs_value *o = vs__val(r, op);
  if (!o->n) return true;
  /* The output is the input repeated whole (out[i] = x[i % nx]) when
   * every input dimension before the first tiled one is 1 and no later one
   * is tiled: a single element (a full reduction's gradient), or copies
   * stacked along the leading dimensions.
   * elementwise.cl's periodic `repeat` divides nothing; the general form
   * divides each coordinate. */
  int first = 0;
  while (first < xs.rank && mult[first] == 1) first++;
  bool whole = true;
  for (int i = 0; i < xs.rank; i++)
    if ((i < first && xs.dims[i] != 1) || (i > first && mult[i] != 1)) whole = false;
  if (first == xs.rank) whole = true; /* nothing tiled: a copy */
  cl_ulong nx = (cl_ulong)vs__value_n(r, x), total = o->n;
  cl_mem tx = NULL, bx = vs__on_device(r, x, dev, &tx, st), bd = NULL;
  if (bx && (whole || nx == 1)) {
    karg args[] = {KARG(o->buf), KARG(bx), KARG(nx), KARG(total)};
    bool ok = vs__launch_periodic(r, vs__device(dev, st), "elementwise", op->dtype, "repeat", &nx, 1, total, args, 4, st);
    if (tx) vs__buffer_release(tx);
    return ok;
  }
  bool ok = bx && (bd = vs__step_describe(r, dev, desc, 3 * (size_t)xs.rank, st)) != NULL;
  if (ok) {
    cl_int rank = xs.rank;
    karg args[] = {KARG(o->buf), KARG(bx), KARG(bd), KARG(rank), KARG(total)};
    ok = vs__launch(r, vs__device(dev, st), "reduce", op->dtype, "tile", o->n, args, 5, st);
  }
  if (tx) vs__buffer_release(tx);
  return ok;
}

static vs_shape shape_reduce(const vs_op *op) {
  size_t n = 0;
  int32_t axes[VS_MAX_RANK];
  return vs__int32_value(op->inputs[1], axes, VS_MAX_RANK, &n)
             ? vs__reduced_shape(vs__op_shape(op->inputs[0].op), axes, n, op->attr.reduce.keep_dims)
             : (vs_shape){.known = false};
}

static vs_shape shape_bias_add_grad(const vs_op *op) {
  vs_shape in = vs__op_shape(op->inputs[0].op);
  return (vs_shape){.known = true, .rank = 1, .dims = {in.known && in.rank > 0 ? in.dims[in.rank - 1] : -1}};
}

static vs_shape shape_tile(const vs_op *op) {
  size_t n = 0;
  const int32_t *mult = vs__const_int32(op->inputs[1], &n);
  vs_shape s = vs__op_shape(op->inputs[0].op);
  if (!s.known || !mult) return (vs_shape){.known = false};
  for (int i = 0; i < s.rank; i++) s.dims[i] = s.dims[i] < 0 ? -1 : s.dims[i] * mult[i];
  return s;
}

const vs_op_def vs__reduce_defs[] = {
    {.type = "Sum", .doc = "the sum over constant axes (keep_dims keeps them as 1)", .shape = shape_reduce,
     .kernel = k_sum, .gradient = vs__grad_sum, .flags = VS_OPF_ATTRS, .attr_size = sizeof(((vs_op_attrs *)0)->reduce)},
    {.type = "Mean", .doc = "the mean over constant axes: the sum, divided once by the count", .shape = shape_reduce,
     .kernel = k_mean, .gradient = vs__grad_mean, .flags = VS_OPF_ATTRS, .attr_size = sizeof(((vs_op_attrs *)0)->reduce)},
    {.type = "Prod", .doc = "the product over constant axes, on the host (shape vectors)", .shape = shape_reduce,
     .kernel = k_prod, .flags = VS_OPF_ATTRS | VS_OPF_HOST_OUTPUT, .attr_size = sizeof(((vs_op_attrs *)0)->reduce)},
    {.type = "BiasAddGrad", .doc = "BiasAdd's bias gradient: the sum over every dimension but the last",
     .shape = shape_bias_add_grad, .kernel = k_bias_add_grad},
    {.type = "Tile", .doc = "the input repeated along each dimension by constant multiples", .shape = shape_tile,
     .kernel = k_tile},
};
VS_DEF_COUNT(reduce_defs);
