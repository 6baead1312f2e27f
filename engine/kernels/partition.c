/* partition.c - ops that take tensors apart or put them together: Rank and
 * Pack (tf.compat.v1.assert_variables_initialized builds them; their
 * values are small and stay on the host, as IsVariableInitialized's do)
 * ConcatV2 (the read of a PartitionedVariable) and Slice (its parts' share of
 * a tensor initializer). */
#include <string.h>

#include "exec/plan.h"
#include "kernels/kernels_internal.h"

/* Rank: the input's rank as an int32 scalar. Unfolded, reading an
 * uninitialised variable through it fails as any read does; a plan folds
 * a Rank of known rank (exec/fold.c) as TF's grappler does. */
static bool k_rank(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)dev; /* a host value */
  int rank;
  if (r->step && r->step->folded) { /* folded by the plan (exec/fold.c): the input has no value */
    rank = vs__op_shape(op->inputs[0].op).rank;
  } else {
    vs_value *x = vs__in(r, op, 0);
    if (vs__uninitialized(r, op, x, st)) return false;
    rank = vs__value_shape(r, x).rank;
  }
  vs_tensor *t = vs__tensor_alloc(VS_INT32, VS_SCALAR, st);
  if (!t) return false;
  *(int32_t *)t->data = rank;
  return vs__host_value(r, op, t);
}

/* Pack (tf.stack, axis 0) of scalars: a vector of the inputs' values. */
static bool k_pack(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)dev; /* a host value */
  size_t esize = vs_dtype_size(op->dtype);
  vs_tensor *t = vs__tensor_alloc(op->dtype, (vs_shape){.known = true, .rank = 1, .dims = {op->n_inputs}}, st);
  if (!t) return false;
  for (int i = 0; i < op->n_inputs; i++) {
    vs_value *x = vs__in(r, op, i);
    if (vs__uninitialized(r, op, x, st) || !vs__read_small(r, x, (char *)t->data + (size_t)i * esize, esize, st)) {
      vs_tensor_free(t);
      return false;
    }
  }
  return vs__host_value(r, op, t);
}

/* ConcatV2 of host values (strings; boolean_mask's shape vectors, whose
 * parts StridedSlice and Pack make on the host): the same rows joined on
 * the host. */
static bool concat_host(vs_run *r, vs_op *op, int n, int axis, vs_shape out_shape, vs_status *st) {
  vs_tensor *t = vs__tensor_alloc(op->dtype, out_shape, st);
  size_t esize = vs_dtype_size(op->dtype), outer = 1, inner = 1, at = 0;
  for (int d = 0; d < axis; d++) outer *= (size_t)out_shape.dims[d];
  for (int d = axis + 1; d < out_shape.rank; d++) inner *= (size_t)out_shape.dims[d];
  size_t out_row = (size_t)out_shape.dims[axis] * inner;
  for (int i = 0; t && i < n; i++) {
    vs_tensor *x = vs__host_input(r, op, i, st);
    size_t row = x ? (size_t)x->shape.dims[axis] * inner : 0;
    for (size_t o = 0; x && o < outer; o++) {
      if (op->dtype != VS_STRING) {
        memcpy((char *)t->data + (o * out_row + at) * esize, (const char *)x->data + o * row * esize, row * esize);
        continue;
      }
      for (size_t e = 0; e < row; e++) { /* hand the strings over */
        t->strings[o * out_row + at + e] = x->strings[o * row + e];
        x->strings[o * row + e] = NULL;
      }
    }
    if (!x) {
      vs_tensor_free(t);
      t = NULL;
    }
    vs_tensor_free(x);
    at += row;
  }
  return t && vs__host_value(r, op, t);
}

/* The buffer and origin a rectangular copy reads src from: a sub-buffer's
 * parent at the sub-buffer's origin (the same bytes). PoCL 3.1 crashes in
 * clEnqueueCopyBufferRect from a sub-buffer, and a batch-initialised
 * variable's storage is one, which a borrowed read (plan.c) passes here. */
static cl_mem rect_source(cl_mem src, size_t *origin) {
  cl_mem parent = NULL;
  size_t offset = 0;
  if (clGetMemObjectInfo(src, CL_MEM_ASSOCIATED_MEMOBJECT, sizeof parent, &parent, NULL) != CL_SUCCESS || !parent ||
      clGetMemObjectInfo(src, CL_MEM_OFFSET, sizeof offset, &offset, NULL) != CL_SUCCESS)
    return src;
  *origin = offset;
  return parent;
}

/* ConcatV2(values..., axis): the values joined along `axis` (the last
 * input, an int32 scalar), one rectangular copy per value: each is `outer`
 * rows (the dimensions before the axis) of its axis length times `inner`
 * (those after) elements, placed at its offset in the output's rows. */
static bool k_concat(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  int n = op->n_inputs - 1;
  int32_t axis = 0;
  if (!vs__read_small(r, vs__in(r, op, n), &axis, sizeof axis, st)) return false;
  vs_shape out_shape = vs__value_shape(r, vs__in(r, op, 0));
  if (axis < 0) axis += out_shape.rank;
  if (axis < 0 || axis >= out_shape.rank) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "ConcatOp : Expected concatenating dimensions in the range "
             "[%d, %d), but got %d\n\t [[{{node %s}}]]", -out_shape.rank, out_shape.rank, axis, op->name);
    return false;
  }
  out_shape.dims[axis] = 0;
  for (int i = 0; i < n; i++) {
    vs_value *x = vs__in(r, op, i);
    if (vs__uninitialized(r, op, x, st)) return false;
    vs_shape s = vs__value_shape(r, x);
    bool fits = s.rank == out_shape.rank && x->dtype == op->dtype;
    for (int d = 0; fits && d < s.rank; d++) fits = d == axis || s.dims[d] == out_shape.dims[d];
    if (!fits) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
               "ConcatOp : Dimension mismatch of input %d\n\t [[{{node %s}}]]", i, op->name);
      return false;
    }
    out_shape.dims[axis] += s.dims[axis];
  }
  bool host = op->dtype == VS_STRING;
  for (int i = 0; i < n; i++) host |= vs__in(r, op, i)->host != NULL;
  if (host) return concat_host(r, op, n, axis, out_shape, st);
  if (!vs__new_output(r, op, dev, op->dtype, out_shape, st)) return false;
  vs_value *out = vs__val(r, op);
  if (!out->n) return true;
  size_t esize = vs_dtype_size(op->dtype), outer = 1, inner = esize;
  for (int d = 0; d < axis; d++) outer *= (size_t)out_shape.dims[d];
  for (int d = axis + 1; d < out_shape.rank; d++) inner *= (size_t)out_shape.dims[d];
  vs_cl_device *dv = vs__device(dev, st);
  if (!dv) return false;
  size_t at = 0, out_row = (size_t)out_shape.dims[axis] * inner;
  for (int i = 0; i < n; i++) {
    vs_value *x = vs__in(r, op, i);
    size_t row = (size_t)vs__value_shape(r, x).dims[axis] * inner;
    if (row) {
      cl_mem tmp = NULL, buf = vs__on_device(r, x, dev, &tmp, st);
      if (!buf) return false;
      size_t src_origin[3] = {0, 0, 0}, dst_origin[3] = {at, 0, 0}, region[3] = {row, outer, 1};
      buf = rect_source(buf, &src_origin[0]);
      cl_int err = clEnqueueCopyBufferRect(*vs__queue(dv), buf, out->buf, src_origin, dst_origin, region, row, 0,
                                           out_row, 0, 0, NULL, NULL);
      if (tmp) vs__buffer_release(tmp); /* kept alive by OpenCL until the copy ran */
      if (err != CL_SUCCESS) {
        vs__cl_fail(st, err, "clEnqueueCopyBufferRect");
        return false;
      }
    }
    at += row;
  }
  return true;
}

/* Slice of a string tensor, on the host: element by element, each output
 * coordinate moved by begin into the input. */
static bool slice_strings(vs_run *r, vs_op *op, const int32_t *begin, vs_shape out, vs_status *st) {
  vs_tensor *x = vs__host_input(r, op, 0, st), *t = x ? vs__tensor_alloc(VS_STRING, out, st) : NULL;
  for (size_t i = 0; t && i < t->n; i++) {
    size_t rem = i, src = 0, stride = 1;
    for (int d = out.rank - 1; d >= 0; d--) {
      src += ((size_t)begin[d] + rem % (size_t)out.dims[d]) * stride;
      rem /= (size_t)out.dims[d];
      stride *= (size_t)x->shape.dims[d];
    }
    if (!(t->strings[i] = vs__strdup(x->strings[src]))) {
      vs_tensor_free(t);
      t = NULL;
      vs__oom(st);
    }
  }
  vs_tensor_free(x);
  return t && vs__host_value(r, op, t);
}

/* Slice(input, begin, size): the box of `size` elements (-1: to the end)
 * at `begin` (int32 vectors, one entry per input dimension; a
 * PartitionedVariable's tensor initializer is cut into its parts with it).
 * Past the last dimension that is cut, rows are whole, so the box is
 * `outer` contiguous runs of the input, copied one by one. */
static bool k_slice(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0);
  if (vs__uninitialized(r, op, x, st)) return false;
  vs_shape in = vs__value_shape(r, x), out = in;
  int32_t begin[VS_MAX_RANK], size[VS_MAX_RANK];
  for (int k = 1; k <= 2; k++) {
    vs_shape ks = vs__value_shape(r, vs__in(r, op, k));
    if (ks.rank != 1 || ks.dims[0] != in.rank || vs__in(r, op, k)->dtype != VS_INT32) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Expected begin and size arguments to be 1-D tensors "
               "of size %d\n\t [[{{node %s}}]]", in.rank, op->name);
      return false;
    }
  }
  size_t ib = (size_t)in.rank * sizeof(int32_t);
  if (!vs__read_small(r, vs__in(r, op, 1), begin, ib, st) || !vs__read_small(r, vs__in(r, op, 2), size, ib, st))
    return false;
  for (int d = 0; d < in.rank; d++) {
    if (begin[d] < 0 || begin[d] > in.dims[d]) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Expected begin[%d] in [0, %lld], but got %d\n\t "
               "[[{{node %s}}]]", d, (long long)in.dims[d], begin[d], op->name);
      return false;
    }
    out.dims[d] = size[d] == -1 ? in.dims[d] - begin[d] : size[d];
    if (out.dims[d] < 0 || out.dims[d] > in.dims[d] - begin[d]) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Expected size[%d] in [0, %lld], but got %d\n\t "
               "[[{{node %s}}]]", d, (long long)(in.dims[d] - begin[d]), size[d], op->name);
      return false;
    }
  }
  if (x->dtype != op->dtype) {
    vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "%s: a %s input for a %s Slice\n\t [[{{node %s}}]]", op->name,
             vs_dtype_name(x->dtype), vs_dtype_name(op->dtype), op->name);
    return false;
  }
  if (op->dtype == VS_STRING) return slice_strings(r, op, begin, out, st);
  if (!vs__new_output(r, op, dev, op->dtype, out, st)) return false;
  vs_value *o = vs__val(r, op);
  if (!o->n) return true;
  int cut = 0; /* the last dimension cut, 0 if none */
  for (int d = 0; d < in.rank; d++)
    if (out.dims[d] != in.dims[d]) cut = d;
  size_t esize = vs_dtype_size(op->dtype), inner = esize, outer = 1;
  for (int d = cut + 1; d < in.rank; d++) inner *= (size_t)in.dims[d];
  for (int d = 0; d < cut; d++) outer *= (size_t)out.dims[d];
  size_t run = (size_t)out.dims[cut] * inner;
  vs_cl_device *dv = vs__device(dev, st);
  cl_mem tmp = NULL, buf = dv ? vs__on_device(r, x, dev, &tmp, st) : NULL;
  if (!buf) return false;
  cl_int err = CL_SUCCESS;
  for (size_t i = 0; i < outer && err == CL_SUCCESS; i++) {
    /* The run's source offset: row i's index over dims [0, cut) of the
     * box, moved by begin, in the input's row-major layout. */
    size_t rem = i, src = 0, stride = 1;
    for (int d = cut - 1; d >= 0; d--) {
      src += ((size_t)begin[d] + rem % (size_t)out.dims[d]) * stride;
      rem /= (size_t)out.dims[d];
      stride *= (size_t)in.dims[d];
    }
    src = src * (size_t)in.dims[cut] * inner + (size_t)begin[cut] * inner;
    err = clEnqueueCopyBuffer(*vs__queue(dv), buf, o->buf, src, i * run, run, 0, NULL, NULL);
  }
  if (tmp) vs__buffer_release(tmp); /* kept alive by OpenCL until the copies ran */
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clEnqueueCopyBuffer");
    return false;
  }
  return true;
}

/* Slice's static shape: the constant size (-1 from the constant begin). */
static vs_shape shape_slice(const vs_op *op) {
  vs_shape s = vs__op_shape(op->inputs[0].op);
  const vs_op *b = op->inputs[1].op, *z = op->inputs[2].op;
  if (!s.known || !vs__op_data(b) || !vs__op_data(z) || b->dtype != VS_INT32 || z->dtype != VS_INT32 || vs__op_shape(b).rank != 1 ||
      vs__op_shape(z).rank != 1 || vs__op_shape(b).dims[0] != s.rank || vs__op_shape(z).dims[0] != s.rank)
    return (vs_shape){.known = false};
  for (int d = 0; d < s.rank; d++) {
    int32_t size = ((const int32_t *)vs__op_data(z))[d];
    s.dims[d] = size >= 0 ? size : s.dims[d] < 0 ? -1 : s.dims[d] - ((const int32_t *)vs__op_data(b))[d];
  }
  return s;
}

/* The inputs' static shapes summed along the constant axis. */
static vs_shape shape_concat(const vs_op *op) {
  int n = op->n_inputs - 1;
  const vs_op *axis_op = op->inputs[n].op;
  vs_shape s = vs__op_shape(op->inputs[0].op);
  if (n < 1 || !s.known || !vs__op_data(axis_op) || axis_op->dtype != VS_INT32) return (vs_shape){.known = false};
  int axis = *(const int32_t *)vs__op_data(axis_op);
  if (axis < 0) axis += s.rank;
  if (axis < 0 || axis >= s.rank) return (vs_shape){.known = false};
  s.dims[axis] = 0;
  for (int i = 0; i < n; i++) {
    vs_shape p = vs__op_shape(op->inputs[i].op);
    if (!p.known || p.rank != s.rank || p.dims[axis] < 0) return (vs_shape){.known = false};
    s.dims[axis] += p.dims[axis];
  }
  return s;
}

static vs_shape shape_pack(const vs_op *op) {
  return (vs_shape){.known = true, .rank = 1, .dims = {op->n_inputs}};
}

const vs_op_def vs__partition_defs[] = {
    {.type = "Rank", .doc = "the input's rank, an int32 scalar on the host", .shape = vs__shape_scalar,
     .kernel = k_rank, .flags = VS_OPF_HOST_OUTPUT | VS_OPF_STRINGS},
    {.type = "Pack", .doc = "tf.stack of scalars (axis 0): a vector on the host", .shape = shape_pack,
     .kernel = k_pack, .flags = VS_OPF_HOST_OUTPUT},
    {.type = "ConcatV2", .doc = "the inputs joined along the axis input (a PartitionedVariable's read)",
     .shape = shape_concat, .kernel = k_concat, .flags = VS_OPF_STRINGS},
    {.type = "Slice", .doc = "the box of size at begin (a PartitionedVariable's tensor initializer, per part)",
     .shape = shape_slice, .kernel = k_slice, .flags = VS_OPF_STRINGS},
};
VS_DEF_COUNT(partition_defs);
