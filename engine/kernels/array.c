/* array.c - Const, Fill, Identity, Reshape, Squeeze, StridedSlice, GatherV2
 * and Placeholder: ops that make, pass on or pick from a tensor without
 * arithmetic. StridedSlice and GatherV2 compute on the host: TF builds them
 * on small shape vectors and on string tensors (report_uninitialized_variables'
 * boolean_mask), which varscope keeps on the host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "exec/inline.h"
#include "exec/plan.h"
#include "ops/train_ops.h"

/* Constants a plan keeps on its device: at most this many bytes each, so
 * that a kept copy costs little beside the graph's own. */
#define KEPT_CONSTANT_BYTES 256

static bool k_const(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  if (op->dtype == VS_STRING) {
    vs_tensor *t = vs_tensor_new_strings(vs__op_shape(op), (const char *const *)vs__op_data(op), st);
    return t && vs__host_value(r, op, t);
  }
  vs_step *step = r->step;
  vs_value *out = vs__val(r, op);
  if (step && step->constant) { /* kept: no allocation and no upload */
    *out = (vs_value){.dtype = op->dtype, .shape = vs__op_shape(op), .n = (size_t)vs__op_elements(op), .dev = dev,
                      .buf = step->constant};
    return true;
  }
  if (!vs__new_output(r, op, dev, op->dtype, vs__op_shape(op), st)) return false;
  if (!out->buf) return true;
  vs_cl_device *d = vs__device(dev, st);
  cl_int err = clEnqueueWriteBuffer(*vs__queue(d), out->buf, CL_FALSE, 0, vs__op_data_size(op), vs__op_data(op), 0, NULL, NULL);
  /* Non-blocking: op->data lives as long as the graph, which the run holds. */
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clEnqueueWriteBuffer");
    return false;
  }
  /* A plan run again (a training step, a counter) keeps its small
   * constants' buffers: each later run saves an allocation and an upload
   * (on PoCL a hand-off to its worker threads). One run once (an
   * initializer) keeps nothing. The kept buffer is borrowed by the run's
   * value (owned false), so no consumer takes it over to write in place. */
  if (step && r->plan->runs > 1 && vs__op_data_size(op) <= KEPT_CONSTANT_BYTES) {
    step->constant = out->buf;
    out->owned = false;
  }
  return true;
}

/* Fill(shape, value): the value's bytes as the pattern of
 * clEnqueueFillBuffer, so every fixed-size dtype fills (complex128's 16
 * bytes included) without a kernel per type; strings fill on the host. */
static bool k_fill(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_shape shape;
  unsigned char value[16] = {0};
  vs_value *val = vs__in(r, op, 1);
  size_t esize = vs_dtype_size(op->dtype);
  if (!vs__shape_input(r, op, &shape, st)) return false;
  if (op->dtype == VS_STRING) {
    const vs_tensor *v = vs__host_of(r, val);
    vs_tensor *t = vs__tensor_alloc(VS_STRING, shape, st);
    for (size_t i = 0; t && i < t->n; i++)
      if (!(t->strings[i] = vs__strdup(v && v->n ? v->strings[0] : ""))) {
        vs_tensor_free(t);
        t = NULL;
        vs__oom(st);
      }
    return t && vs__host_value(r, op, t);
  }
  if (val->dtype != op->dtype || esize > sizeof value) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: Fill of %s with a %s value", op->name,
             vs_dtype_name(op->dtype), vs_dtype_name(val->dtype));
    return false;
  }
  if (!vs__read_input_small(r, op, 1, value, esize, st) || !vs__new_output(r, op, dev, op->dtype, shape, st))
    return false;
  vs_value *out = vs__val(r, op);
  if (!out->n) return true;
  cl_int err = clEnqueueFillBuffer(*vs__queue(vs__device(dev, st)), out->buf, value, esize, 0, out->n * esize, 0, NULL,
                                   NULL);
  if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueFillBuffer");
  return err == CL_SUCCESS;
}

/* Identity (v/read, read_value, tf.identity): a snapshot of the input;
 * of a variable the plan does not write, its buffer (vs__borrow_var). Of
 * a run value on its device, the input's buffer as TF forwards it (the
 * gradients' tuple/control_dependency: a copy each was 6 of a CNN training
 * step's 60 commands), not owned, as Reshape's (no consumer writes it in
 * place; VS_OPF_ALIAS_INPUT tells the plan its users use the input). */
static bool k_identity(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *a = vs__in(r, op, 0);
  if (vs__uninitialized(r, op, a, st)) return false;
  if (a->dtype == VS_STRING) return vs__host_copy(r, op, vs__host_of(r, a), st);
  if (a->ref && vs__borrow_var(r, op, a->ref, dev)) return true;
  if (!a->ref && !a->host && a->buf && a->dev == dev) {
    vs_value *out = vs__val(r, op);
    *out = *a;
    out->owned = false;
    out->relu_applied = false; /* a fused Relu belongs to its BiasAdd's one consumer, never to us */
    return true;
  }
  vs_shape shape = a->ref ? r->s->vars[a->ref->index].shape : a->shape;
  if (!vs__new_output(r, op, dev, a->dtype, shape, st)) return false;
  return vs__copy_into(r, a, dev, vs__val(r, op), st);
}

vs_tensor *vs__host_input(vs_run *r, const vs_op *op, int i, vs_status *st) {
  vs_value *x = vs__in(r, op, i);
  if (vs__uninitialized(r, op, x, st)) return NULL;
  if (x->host || x->dtype == VS_STRING) {
    const vs_tensor *h = vs__host_of(r, x);
    if (!h) vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "%s: its input %d has no host value", op->name, i);
    return h ? vs__tensor_clone(h, st) : NULL;
  }
  vs_tensor *t = vs__tensor_alloc(x->dtype, vs__value_shape(r, x), st);
  if (t && !vs__read_small(r, x, t->data, t->n * vs_dtype_size(t->dtype), st)) {
    vs_tensor_free(t);
    return NULL;
  }
  return t;
}

/* op's value: input 0's elements in `target` (one -1 taken from the
 * count). Device values share the input's buffer (run values live until
 * the run ends), a variable's is copied (later assigns would show
 * through), host values (strings, bools) are copied on the host. */
static bool reshape_value(vs_run *r, vs_op *op, size_t dev, vs_shape target, vs_status *st) {
  vs_value *x = vs__in(r, op, 0);
  if (vs__uninitialized(r, op, x, st)) return false;
  vs_shape xs = vs__value_shape(r, x);
  int64_t n = vs_shape_num_elements(xs);
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
  if (x->host || x->dtype == VS_STRING) {
    vs_tensor *t = vs__host_input(r, op, 0, st);
    if (!t) return false;
    t->shape = target;
    return vs__host_value(r, op, t);
  }
  if (x->ref) {
    if (!vs__new_output(r, op, dev, op->dtype, target, st)) return false;
    vs_value *out = vs__val(r, op);
    cl_mem tmp, src = out->n ? vs__on_device(r, x, dev, &tmp, st) : NULL;
    if (out->n && !src) return false;
    cl_int err = out->n ? clEnqueueCopyBuffer(*vs__queue(vs__device(dev, st)), src, out->buf, 0, 0,
                                              out->n * vs_dtype_size(op->dtype), 0, NULL, NULL)
                        : CL_SUCCESS;
    if (out->n && tmp) vs__buffer_release(tmp);
    if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueCopyBuffer");
    return err == CL_SUCCESS;
  }
  vs_value *out = vs__val(r, op);
  *out = *x;
  out->shape = target;
  out->owned = false;
  return true;
}

/* Reshape: the static target when it has at most one unknown dimension
 * (resolved from the input's count; no blocking read of input 1 for the
 * usual constant or shape-inferred targets); otherwise input 1, read at
 * run time. */
static bool k_reshape(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_shape target = vs__op_shape(op);
  int unknown = 0;
  for (int i = 0; target.known && i < target.rank; i++) unknown += target.dims[i] < 0;
  if (!target.known || unknown > 1) {
    vs_tensor *t = vs__host_input(r, op, 1, st);
    if (!t) return false;
    bool ok = t->shape.rank == 1 && t->n <= VS_MAX_RANK && (t->dtype == VS_INT32 || t->dtype == VS_INT64);
    target = (vs_shape){.known = true, .rank = (int)t->n};
    for (size_t i = 0; ok && i < t->n; i++)
      target.dims[i] = t->dtype == VS_INT32 ? ((const int32_t *)t->data)[i] : ((const int64_t *)t->data)[i];
    vs_tensor_free(t);
    if (!ok) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "shape must be a vector of {int32,int64}, got shape "
               "of rank %d\n\t [[{{node %s}}]]", vs__value_shape(r, vs__in(r, op, 1)).rank, op->name);
      return false;
    }
  }
  return reshape_value(r, op, dev, target, st);
}

/* Squeeze(squeeze_dims): input 0 without the listed dimensions of size 1. */
static bool k_squeeze(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_shape in = vs__value_shape(r, vs__in(r, op, 0)), out = {.known = true};
  for (int d = 0; d < in.rank; d++) {
    bool listed = op->attr.squeeze.dims ? (op->attr.squeeze.dims >> d) & 1u : in.dims[d] == 1;
    if (listed && in.dims[d] != 1) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Can not squeeze dim[%d], expected a dimension of 1, got "
               "%lld\n\t [[{{node %s}}]]", d, (long long)in.dims[d], op->name);
      return false;
    }
    if (!listed) out.dims[out.rank++] = in.dims[d];
  }
  return reshape_value(r, op, dev, out, st);
}

/* The start, step and count of a slice [b:e:s] of a dimension of size
 * dim, as TF's ValidateStridedSliceOp canonicalises one spec entry (masks:
 * bit 0 of each). shrink keeps the one element at b. False when b is out
 * of range for a shrink, or s is 0 (*why says which). */
static bool slice_1d(int64_t dim, int64_t b, int64_t e, int64_t s, int32_t begin_mask, int32_t end_mask,
                     int32_t shrink, int64_t *start, int64_t *count, const char **why) {
  if (s == 0) {
    *why = "strides[0] must be non-zero";
    return false;
  }
  if (shrink & 1) {
    int64_t k = b < 0 ? b + dim : b;
    if (k < 0 || k >= dim) {
      *why = "slice index out of bounds";
      return false;
    }
    *start = k;
    *count = 1;
    return true;
  }
  int64_t lo = s > 0 ? 0 : -1, hi = s > 0 ? dim : dim - 1;
  b = begin_mask & 1 ? (s > 0 ? lo : hi) : b < 0 ? b + dim : b;
  e = end_mask & 1 ? (s > 0 ? hi : lo) : e < 0 ? e + dim : e;
  b = b < lo ? lo : b > hi ? hi : b;
  e = e < lo ? lo : e > hi ? hi : e;
  int64_t n = s > 0 ? (e - b + s - 1) / s : (b - e - s - 1) / -s;
  *start = b;
  *count = n > 0 ? n : 0;
  return true;
}

/* StridedSlice of a vector by one spec entry (what Python's x[a:b:c] and
 * boolean_mask build on shape vectors), on the host: the ellipsis and
 * new-axis masks and more than one dimension are refused by name. */
static bool k_strided_slice(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)dev; /* a host value */
  vs_tensor *in[4] = {NULL, NULL, NULL, NULL};
  bool ok = true;
  for (int i = 0; ok && i < 4; i++) ok = (in[i] = vs__host_input(r, op, i, st)) != NULL;
  int64_t spec[3] = {0, 0, 0}, start = 0, count = 0;
  for (int i = 1; ok && i < 4; i++) {
    if (in[i]->n != 1 || (in[i]->dtype != VS_INT32 && in[i]->dtype != VS_INT64) || in[0]->shape.rank != 1 ||
        op->attr.strided.ellipsis_mask || op->attr.strided.new_axis_mask) {
      vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: varscope's StridedSlice takes one begin, end and stride "
               "on a vector, without ellipsis or new axes\n\t [[{{node %s}}]]", vs__op_type(op), op->name);
      ok = false;
    } else {
      spec[i - 1] = in[i]->dtype == VS_INT32 ? *(const int32_t *)in[i]->data : *(const int64_t *)in[i]->data;
    }
  }
  const char *why = NULL;
  if (ok && !slice_1d(in[0]->shape.dims[0], spec[0], spec[1], spec[2], op->attr.strided.begin_mask,
                      op->attr.strided.end_mask, op->attr.strided.shrink_axis_mask, &start, &count, &why)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s\n\t [[{{node %s}}]]", why, op->name);
    ok = false;
  }
  vs_tensor *t = NULL;
  if (ok) {
    vs_shape shape = op->attr.strided.shrink_axis_mask & 1 ? VS_SCALAR
                                                          : (vs_shape){.known = true, .rank = 1, .dims = {count}};
    t = vs__tensor_alloc(in[0]->dtype, shape, st);
    size_t esize = vs_dtype_size(in[0]->dtype);
    for (int64_t k = 0; t && k < count; k++) {
      size_t from = (size_t)(start + k * spec[2]);
      if (t->dtype != VS_STRING) {
        memcpy((char *)t->data + (size_t)k * esize, (const char *)in[0]->data + from * esize, esize);
      } else if (!(t->strings[k] = vs__strdup(in[0]->strings[from]))) {
        vs_tensor_free(t);
        t = NULL;
        vs__oom(st);
      }
    }
  }
  for (int i = 0; i < 4; i++) vs_tensor_free(in[i]);
  return t && vs__host_value(r, op, t);
}

/* GatherV2(params, indices, axis): params' slices along axis at the
 * indices, on the host (params of any dtype, strings included). */
static bool k_gather(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)dev; /* a host value */
  vs_tensor *p = vs__host_input(r, op, 0, st), *ix = p ? vs__host_input(r, op, 1, st) : NULL;
  vs_tensor *ax = ix ? vs__host_input(r, op, 2, st) : NULL, *t = NULL;
  if (!ax) goto done;
  int64_t axis = ax->dtype == VS_INT32 ? *(const int32_t *)ax->data : *(const int64_t *)ax->data;
  if (axis < 0) axis += p->shape.rank;
  if (axis < 0 || axis >= p->shape.rank || p->shape.rank + ix->shape.rank - 1 > VS_MAX_RANK) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Expected axis in the range [%d, %d), but got %lld\n\t "
             "[[{{node %s}}]]", -p->shape.rank, p->shape.rank, (long long)axis, op->name);
    goto done;
  }
  vs_shape out = {.known = true};
  size_t outer = 1, inner = 1, limit = (size_t)p->shape.dims[axis];
  for (int d = 0; d < axis; d++) outer *= (size_t)(out.dims[out.rank++] = p->shape.dims[d]);
  for (int d = 0; d < ix->shape.rank; d++) out.dims[out.rank++] = ix->shape.dims[d];
  for (int d = (int)axis + 1; d < p->shape.rank; d++) inner *= (size_t)(out.dims[out.rank++] = p->shape.dims[d]);
  if (!(t = vs__tensor_alloc(p->dtype, out, st))) goto done;
  size_t esize = vs_dtype_size(p->dtype);
  for (size_t k = 0; k < ix->n; k++) {
    int64_t at = ix->dtype == VS_INT32 ? ((const int32_t *)ix->data)[k] : ((const int64_t *)ix->data)[k];
    if (at < 0 || (size_t)at >= limit) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "indices[%zu] = %lld is not in [0, %zu)\n\t [[{{node "
               "%s}}]]", k, (long long)at, limit, op->name);
      vs_tensor_free(t);
      t = NULL;
      goto done;
    }
    for (size_t o = 0; o < outer; o++) {
      size_t src = (o * limit + (size_t)at) * inner, dst = (o * ix->n + k) * inner;
      if (p->dtype != VS_STRING) {
        memcpy((char *)t->data + dst * esize, (const char *)p->data + src * esize, inner * esize);
        continue;
      }
      for (size_t e = 0; e < inner; e++)
        if (!(t->strings[dst + e] = vs__strdup(p->strings[src + e]))) {
          vs__oom(st);
          vs_tensor_free(t);
          t = NULL;
          goto done;
        }
    }
  }
done:
  vs_tensor_free(p);
  vs_tensor_free(ix);
  vs_tensor_free(ax);
  return t && vs__host_value(r, op, t);
}

static bool k_placeholder(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)r;
  (void)dev;
  char dims[256];
  vs_shape shape = vs__op_shape(op);
  vs__dims_text(&shape, "", dims, sizeof dims);
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
           "You must feed a value for placeholder tensor '%s' with dtype %s%s%s\n\t [[{{node %s}}]]", op->name,
           vs__dtype_cc_name(op->dtype), shape.known ? " and shape " : "", dims, op->name);
  return false;
}


static vs_shape shape_attr(const vs_op *op) { return vs__op_shape(op); }
static vs_shape shape_fill(const vs_op *op) { return vs__shape_from_input(op, 0); }

/* Reshape: the target (input 1, a constant), one -1 taken from the count
 * of a fully known input. */
static vs_shape shape_reshape(const vs_op *op) {
  vs_shape t = vs__shape_from_input(op, 1), x = vs__op_shape(op->inputs[0].op);
  int64_t have = vs__shape_elements(&x);
  uint64_t known = 1;
  int unknown = -1;
  for (int i = 0; t.known && i < t.rank; i++) {
    if (t.dims[i] < 0) unknown = i;
    else known *= (uint64_t)t.dims[i];
  }
  if (unknown >= 0 && have >= 0 && known > 0) t.dims[unknown] = (int64_t)((uint64_t)have / known);
  return t;
}

/* Squeeze: the input's static shape without the listed dimensions (all
 * those of size 1 when none is listed; unknown ones stay when listed). */
static vs_shape shape_squeeze(const vs_op *op) {
  vs_shape in = vs__op_shape(op->inputs[0].op), out = {.known = true};
  if (!in.known) return (vs_shape){.known = false};
  for (int d = 0; d < in.rank; d++)
    if (!(op->attr.squeeze.dims ? (op->attr.squeeze.dims >> d) & 1u : in.dims[d] == 1))
      out.dims[out.rank++] = in.dims[d];
  return out;
}

/* StridedSlice of a vector: the count when the input's length and the
 * spec are constants, else a vector of unknown length (a scalar when the
 * axis shrinks). */
static vs_shape shape_strided_slice(const vs_op *op) {
  vs_shape in = vs__op_shape(op->inputs[0].op);
  bool shrink = op->attr.strided.shrink_axis_mask & 1;
  vs_shape out = shrink ? VS_SCALAR : (vs_shape){.known = true, .rank = 1, .dims = {-1}};
  int32_t spec[3];
  size_t n = 0;
  for (int i = 1; i < 4; i++)
    if (!vs__int32_value(op->inputs[i], &spec[i - 1], 1, &n) || n != 1) return out;
  int64_t start, count;
  const char *why;
  if (!shrink && in.known && in.rank == 1 && in.dims[0] >= 0 &&
      slice_1d(in.dims[0], spec[0], spec[1], spec[2], op->attr.strided.begin_mask, op->attr.strided.end_mask, 0,
               &start, &count, &why))
    out.dims[0] = count;
  return out;
}

/* GatherV2: params' dims before the constant axis, the indices' dims,
 * params' dims after it. */
static vs_shape shape_gather(const vs_op *op) {
  vs_shape p = vs__op_shape(op->inputs[0].op), ix = vs__op_shape(op->inputs[1].op), out = {.known = true};
  int32_t axis;
  size_t n = 0;
  if (!p.known || !ix.known || !vs__int32_value(op->inputs[2], &axis, 1, &n) || n != 1) return (vs_shape){.known = false};
  if (axis < 0) axis += p.rank;
  if (axis < 0 || axis >= p.rank || p.rank + ix.rank - 1 > VS_MAX_RANK) return (vs_shape){.known = false};
  for (int d = 0; d < axis; d++) out.dims[out.rank++] = p.dims[d];
  for (int d = 0; d < ix.rank; d++) out.dims[out.rank++] = ix.dims[d];
  for (int d = axis + 1; d < p.rank; d++) out.dims[out.rank++] = p.dims[d];
  return out;
}

/* Host implementations (exec/inline.h): a Const's value is the graph's
 * data (read only: no host op writes an input), Identity a snapshot. */
static void h_const(vs_host_run *h, const vs_op *op) {
  *vs__host_out(h, op) = (vs_host_value){.p = vs__op_data(op), .n = (size_t)vs__op_elements(op)};
}
static void h_identity(vs_host_run *h, const vs_op *op) {
  const vs_host_value *a = vs__host_in(h, op, 0);
  vs_host_value *out = vs__host_out(h, op);
  memcpy(out->p, a->p, a->n * vs_dtype_size(op->dtype));
  out->n = a->n;
}

const vs_op_def vs__array_defs[] = {
    {.type = "Const", .doc = "a constant tensor held by the graph (value attr); strings on the host",
     .shape = shape_attr, .kernel = k_const, .host = h_const, .flags = VS_OPF_STRINGS | VS_OPF_HOST_ALIAS},
    {.type = "Fill", .doc = "a tensor of the shape input with every element the value input",
     .shape = shape_fill, .kernel = k_fill, .flags = VS_OPF_STRINGS},
    {.type = "Identity", .doc = "a snapshot of the input (a variable's read: its buffer where the plan writes it not)",
     .shape = vs__shape_of_input0, .kernel = k_identity, .host = h_identity, .gradient = vs__grad_identity,
     .flags = VS_OPF_STRINGS | VS_OPF_VAR_READ | VS_OPF_ALIAS_INPUT},
    {.type = "Reshape", .doc = "the input's elements in a new shape (the input's buffer, a copy for variables)",
     .shape = shape_reshape, .kernel = k_reshape, .gradient = vs__grad_reshape,
     .flags = VS_OPF_STRINGS | VS_OPF_ALIAS_INPUT},
    {.type = "Squeeze", .doc = "the input without dimensions of size 1 (squeeze_dims: those listed)",
     .shape = shape_squeeze, .kernel = k_squeeze, .flags = VS_OPF_STRINGS | VS_OPF_ATTRS | VS_OPF_ALIAS_INPUT,
     .attr_size = sizeof(((vs_op_attrs *)0)->squeeze)},
    {.type = "StridedSlice", .doc = "x[begin:end:stride] of a vector, on the host (shape vectors, strings)",
     .shape = shape_strided_slice, .kernel = k_strided_slice,
     .flags = VS_OPF_STRINGS | VS_OPF_HOST_OUTPUT | VS_OPF_ATTRS, .attr_size = sizeof(((vs_op_attrs *)0)->strided)},
    {.type = "GatherV2", .doc = "params' slices at the indices along axis, on the host (strings included)",
     .shape = shape_gather, .kernel = k_gather, .flags = VS_OPF_STRINGS | VS_OPF_HOST_OUTPUT},
    {.type = "Placeholder", .doc = "a value the run must feed (shape attr); unfed, TF's error",
     .shape = shape_attr, .kernel = k_placeholder, .flags = VS_OPF_STRINGS},
};
VS_DEF_COUNT(array_defs);
