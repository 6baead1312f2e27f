/* array.c - Const, Fill, Identity, Reshape and Placeholder: ops that make
 * or pass on a tensor without arithmetic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "exec/plan.h"

/* Constants a plan keeps on its device: at most this many bytes each, so
 * that a kept copy costs little beside the graph's own. */
#define KEPT_CONSTANT_BYTES 256

static bool k_const(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  if (op->dtype == VS_STRING) {
    vs_tensor *t = vs_tensor_new_strings(op->shape, (const char *const *)op->data, st);
    return t && vs__host_value(r, op, t);
  }
  vs_step *step = r->step;
  vs_value *out = vs__val(r, op);
  if (step && step->constant) { /* kept: no allocation and no upload */
    *out = (vs_value){.dtype = op->dtype, .shape = op->shape, .n = (size_t)vs__shape_elements(&op->shape), .dev = dev,
                      .buf = step->constant};
    return true;
  }
  if (!vs__new_output(r, op, dev, op->dtype, op->shape, st)) return false;
  if (!out->buf) return true;
  vs_cl_device *d = vs__device(dev, st);
  cl_int err = clEnqueueWriteBuffer(*vs__queue(d), out->buf, CL_FALSE, 0, op->data_size, op->data, 0, NULL, NULL);
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
  if (step && r->plan->runs > 1 && op->data_size <= KEPT_CONSTANT_BYTES) {
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
  if (!vs__read_small(r, val, value, esize, st) || !vs__new_output(r, op, dev, op->dtype, shape, st)) return false;
  vs_value *out = vs__val(r, op);
  if (!out->n) return true;
  cl_int err = clEnqueueFillBuffer(*vs__queue(vs__device(dev, st)), out->buf, value, esize, 0, out->n * esize, 0, NULL,
                                   NULL);
  if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueFillBuffer");
  return err == CL_SUCCESS;
}

/* Identity (v/read, read_value, tf.identity): a snapshot of the input. */
static bool k_identity(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *a = vs__in(r, op, 0);
  if (vs__uninitialized(r, op, a, st)) return false;
  if (a->dtype == VS_STRING) return vs__host_copy(r, op, vs__host_of(r, a), st);
  vs_shape shape = a->ref ? r->s->vars[a->ref->index].shape : a->shape;
  if (!vs__new_output(r, op, dev, a->dtype, shape, st)) return false;
  return vs__copy_into(r, a, dev, vs__val(r, op), st);
}

/* Reshape shares the input's buffer: run values live until the run ends. */
static bool k_reshape(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0);
  if (vs__uninitialized(r, op, x, st)) return false;
  vs_shape xs = vs__value_shape(r, x), target = op->shape;
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
  if (x->ref) { /* never alias a variable's buffer: later assigns would show through */
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
  out->host = NULL;
  if (x->host) { /* host values (bools, strings) are copied, not shared */
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: reshaping host values is not supported", op->name);
    return false;
  }
  return true;
}

static bool k_placeholder(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)r;
  (void)dev;
  char dims[256];
  vs__dims_text(&op->shape, "", dims, sizeof dims);
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
           "You must feed a value for placeholder tensor '%s' with dtype %s%s%s\n\t [[{{node %s}}]]", op->name,
           vs__dtype_cc_name(op->dtype), op->shape.known ? " and shape " : "", dims, op->name);
  return false;
}


static vs_shape shape_attr(const vs_op *op) { return op->shape; }
static vs_shape shape_fill(const vs_op *op) { return vs__shape_from_input(op, 0); }

/* Reshape: the target (input 1, a constant), one -1 taken from the count
 * of a fully known input. */
static vs_shape shape_reshape(const vs_op *op) {
  vs_shape t = vs__shape_from_input(op, 1), x = op->inputs[0].op->shape;
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

const vs_op_def vs__array_defs[] = {
    {.type = "Const", .doc = "a constant tensor held by the graph (value attr); strings on the host",
     .shape = shape_attr, .kernel = k_const, .flags = VS_OPF_STRINGS},
    {.type = "Fill", .doc = "a tensor of the shape input with every element the value input",
     .shape = shape_fill, .kernel = k_fill, .flags = VS_OPF_STRINGS},
    {.type = "Identity", .doc = "a snapshot of the input (a variable's read)", .shape = vs__shape_of_input0,
     .kernel = k_identity, .gradient = vs__grad_identity, .flags = VS_OPF_STRINGS},
    {.type = "Reshape", .doc = "the input's elements in a new shape (the input's buffer, a copy for variables)",
     .shape = shape_reshape, .kernel = k_reshape, .gradient = vs__grad_reshape},
    {.type = "Placeholder", .doc = "a value the run must feed (shape attr); unfed, TF's error",
     .shape = shape_attr, .kernel = k_placeholder, .flags = VS_OPF_STRINGS},
};
VS_DEF_COUNT(array_defs);
