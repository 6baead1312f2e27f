/* logic.c - GreaterEqual and Equal (bool results), Select, and Range (an
 * int32 vector computed on the host from its three scalar inputs), on the
 * device (cl_kernels/logic.cl); LogicalNot and Where on the host, where
 * the bools they take live (IsVariableInitialized's, stacked:
 * report_uninitialized_variables). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "ops/train_ops.h"

/* The broadcast shape of inputs i and j, failing with TF's run-time text. */
static bool shapes2(vs_run *r, const vs_op *op, int i, int j, vs_shape *out, vs_status *st) {
  vs_shape a = vs__value_shape(r, vs__in(r, op, i)), b = vs__value_shape(r, vs__in(r, op, j));
  if (vs__broadcast_shape(&a, &b, out)) {
    vs_shape c = vs__value_shape(r, vs__in(r, op, 0)); /* Select's condition broadcasts too */
    if (vs__periodic(&a, out) && vs__periodic(&b, out) && vs__periodic(&c, out)) return true;
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR,
             "%s: varscope's kernel takes equal shapes, single elements and trailing dimensions\n\t [[{{node %s}}]]",
             vs__op_type(op), op->name);
    return false;
  }
  char sa[160], sb[160];
  vs__dims_text(&a, "<unknown>", sa, sizeof sa);
  vs__dims_text(&b, "<unknown>", sb, sizeof sb);
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Incompatible shapes: %s vs. %s\n\t [[{{node %s}}]]", sa, sb,
           op->name);
  return false;
}

/* Launches logic.cl's `name` with (out, in_0, n_0, ..., n) over op's inputs. */
static bool launch(vs_run *r, vs_op *op, size_t dev, const char *name, vs_dtype t, vs_shape shape, vs_status *st) {
  for (int i = 0; i < op->n_inputs; i++)
    if (vs__uninitialized(r, op, vs__in(r, op, i), st)) return false;
  if (!vs__new_output(r, op, dev, op->dtype, shape, st)) return false;
  vs_value *out = vs__val(r, op);
  if (!out->n) return true;
  cl_mem tmp[3] = {NULL, NULL, NULL}, buf[3] = {NULL, NULL, NULL};
  cl_ulong cnt[3] = {0, 0, 0}, n = out->n;
  bool ok = true;
  for (int i = 0; ok && i < op->n_inputs; i++) {
    cnt[i] = vs__value_n(r, vs__in(r, op, i));
    ok = cnt[i] > 0 && (buf[i] = vs__on_device(r, vs__in(r, op, i), dev, &tmp[i], st)) != NULL;
  }
  if (ok) {
    karg args[8] = {KARG(out->buf)};
    int k = 1;
    for (int i = 0; i < op->n_inputs; i++) {
      args[k++] = KARG(buf[i]);
      args[k++] = KARG(cnt[i]);
    }
    args[k++] = KARG(n);
    ok = vs__launch_periodic(r, vs__device(dev, st), "logic", t, name, cnt, op->n_inputs, n, args, k, st);
  }
  for (int i = 0; i < 3; i++)
    if (tmp[i]) vs__buffer_release(tmp[i]);
  return ok;
}

static bool k_compare(vs_run *r, vs_op *op, size_t dev, const char *name, vs_status *st) {
  vs_shape s;
  return shapes2(r, op, 0, 1, &s, st) && launch(r, op, dev, name, op->inputs[0].op->dtype, s, st);
}
static bool k_greater_equal(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return k_compare(r, op, dev, "greater_equal", st);
}
static bool k_equal(vs_run *r, vs_op *op, size_t dev, vs_status *st) { return k_compare(r, op, dev, "equal", st); }

static bool k_select(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_shape s;
  return shapes2(r, op, 1, 2, &s, st) && launch(r, op, dev, "select_op", op->dtype, s, st);
}

/* Range(start, limit, delta) of int32 scalars: computed here, then copied. */
static bool k_range(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  int32_t v[3];
  for (int i = 0; i < 3; i++)
    if (vs__uninitialized(r, op, vs__in(r, op, i), st) || !vs__read_small(r, vs__in(r, op, i), &v[i], 4, st))
      return false;
  if (v[2] == 0) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Requires delta != 0: 0\n\t [[{{node %s}}]]", op->name);
    return false;
  }
  int64_t n = v[2] > 0 ? (v[1] > v[0] ? ((int64_t)v[1] - v[0] + v[2] - 1) / v[2] : 0)
                       : (v[0] > v[1] ? ((int64_t)v[0] - v[1] - v[2] - 1) / -v[2] : 0);
  if (n > (1 << 24)) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: varscope's Range holds at most 2**24 values", op->name);
    return false;
  }
  if (!vs__new_output(r, op, dev, VS_INT32, (vs_shape){.known = true, .rank = 1, .dims = {n}}, st)) return false;
  if (!n) return true;
  int32_t *host = malloc((size_t)n * sizeof *host);
  if (!host) {
    vs__oom(st);
    return false;
  }
  for (int64_t i = 0; i < n; i++) host[i] = (int32_t)(v[0] + i * v[2]);
  vs_cl_device *d = vs__device(dev, st);
  cl_int err = d ? clEnqueueWriteBuffer(*vs__queue(d), vs__val(r, op)->buf, CL_TRUE, 0, (size_t)n * sizeof *host, host,
                                        0, NULL, NULL)
                 : CL_INVALID_DEVICE;
  free(host);
  if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueWriteBuffer");
  return err == CL_SUCCESS;
}

/* LogicalNot of a bool tensor. */
static bool k_logical_not(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)dev; /* a host value */
  vs_tensor *t = vs__host_input(r, op, 0, st);
  if (!t) return false;
  for (size_t i = 0; i < t->n; i++) ((bool *)t->data)[i] = !((const bool *)t->data)[i];
  return vs__host_value(r, op, t);
}

/* Where(condition): the int64 coordinates [count, rank] of the true
 * elements, in row-major order. */
static bool k_where(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)dev; /* a host value */
  vs_tensor *c = vs__host_input(r, op, 0, st);
  if (!c) return false;
  size_t count = 0;
  for (size_t i = 0; i < c->n; i++) count += ((const bool *)c->data)[i];
  int rank = c->shape.rank;
  vs_tensor *t = vs__tensor_alloc(VS_INT64, (vs_shape){.known = true, .rank = 2, .dims = {(int64_t)count, rank}}, st);
  for (size_t i = 0, k = 0; t && i < c->n; i++) {
    if (!((const bool *)c->data)[i]) continue;
    size_t rem = i;
    for (int d = rank - 1; d >= 0; d--) {
      ((int64_t *)t->data)[k * (size_t)rank + (size_t)d] = (int64_t)(rem % (size_t)c->shape.dims[d]);
      rem /= (size_t)c->shape.dims[d];
    }
    k++;
  }
  vs_tensor_free(c);
  return t && vs__host_value(r, op, t);
}

static vs_shape shape_broadcast(const vs_op *op, int i, int j) {
  vs_shape a = vs__op_shape(op->inputs[i].op), b = vs__op_shape(op->inputs[j].op), out;
  if (!a.known || !b.known) return (vs_shape){.known = false};
  return vs__broadcast_shape(&a, &b, &out) ? out : (vs_shape){.known = false};
}
static vs_shape shape_compare(const vs_op *op) { return vs__shape_binary(op); }
static vs_shape shape_select(const vs_op *op) { return shape_broadcast(op, 1, 2); }
static vs_shape shape_range(const vs_op *op) {
  size_t n = 0;
  int32_t v[64];
  bool known = vs__int32_value((vs_output){(vs_op *)op, 0}, v, 64, &n);
  return (vs_shape){.known = true, .rank = 1, .dims = {known ? (int64_t)n : -1}};
}

static vs_shape shape_where(const vs_op *op) {
  vs_shape c = vs__op_shape(op->inputs[0].op);
  return c.known ? (vs_shape){.known = true, .rank = 2, .dims = {-1, c.rank}} : (vs_shape){.known = false};
}

const vs_op_def vs__logic_defs[] = {
    {.type = "GreaterEqual", .doc = "x >= y elementwise, a bool tensor", .shape = shape_compare,
     .kernel = k_greater_equal, .gradient = vs__grad_none},
    {.type = "Equal", .doc = "x == y elementwise, a bool tensor", .shape = shape_compare, .kernel = k_equal,
     .gradient = vs__grad_none},
    {.type = "Select", .doc = "t where the bool condition holds, else e (equal shapes or scalars)",
     .shape = shape_select, .kernel = k_select, .gradient = vs__grad_select},
    {.type = "SelectV2", .doc = "t where the bool condition holds, else e (tf.where: broadcasting operands)",
     .shape = shape_select, .kernel = k_select},
    {.type = "Range", .doc = "start, start + delta, ... up to limit (int32 scalars; computed on the host)",
     .shape = shape_range, .kernel = k_range, .gradient = vs__grad_none},
    {.type = "LogicalNot", .doc = "!x elementwise of a bool tensor, on the host", .shape = vs__shape_of_input0,
     .kernel = k_logical_not, .flags = VS_OPF_HOST_OUTPUT},
    {.type = "Where", .doc = "the int64 coordinates [count, rank] of a bool tensor's true elements, on the host",
     .shape = shape_where, .kernel = k_where, .flags = VS_OPF_HOST_OUTPUT},
};
VS_DEF_COUNT(logic_defs);
