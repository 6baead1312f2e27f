/* train_ops.c - constructors of the ops a loss and its gradients need:
 * tf.reduce_sum, tf.reduce_mean, tf.square, tf.negative, tf.add_n,
 * tf.sigmoid, tf.tanh, and the internal builders of train_ops.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/train_ops.h"
#include "varscope/nn.h"

static vs_output none(void) { return (vs_output){NULL, 0}; }

const int32_t *vs__const_int32(vs_output x, size_t *n) {
  if (!x.op || strcmp(vs__op_type(x.op), "Const") != 0 || x.op->dtype != VS_INT32 || !vs__op_shape(x.op).known) return NULL;
  size_t count = vs_shape_num_elements(vs__op_shape(x.op));
  if (count == VS_NPOS) return NULL;
  *n = count;
  static const int32_t empty[1] = {0};
  return count > 0 ? (const int32_t *)vs__op_data(x.op) : empty;
}

bool vs__int32_value(vs_output x, int32_t *buf, size_t cap, size_t *n) {
  const int32_t *c = vs__const_int32(x, n);
  if (c) {
    if (*n > cap) return false;
    memcpy(buf, c, *n * sizeof *c);
    return true;
  }
  if (!x.op || strcmp(vs__op_type(x.op), "Range") != 0) return false;
  int32_t v[3];
  for (int i = 0; i < 3; i++) {
    size_t k = 0;
    const int32_t *d = vs__const_int32(x.op->inputs[i], &k);
    if (!d || k != 1 || vs__op_shape(x.op->inputs[i].op).rank != 0) return false;
    v[i] = d[0];
  }
  if (v[2] == 0) return false;
  *n = 0;
  for (int64_t a = v[0]; v[2] > 0 ? a < v[1] : a > v[1]; a += v[2]) {
    if (*n == cap) return false;
    buf[(*n)++] = (int32_t)a;
  }
  return true;
}

vs_output vs__build_op(vs_graph *g, const char *type, const char *name, const vs_output *in, int n_in,
                       const char *carg, const int32_t *cv, size_t cn, vs_dtype dt, vs_shape shape, vs_status *st) {
  vs__lock(g);
  vs_op *op = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  const char *scope = ts && vs__valid_outputs(g, in, n_in, type, st) ? vs__name_scope_enter(g, ts, name, st) : NULL;
  if (scope) {
    char *op_name = vs__strndup(scope, scope[0] ? strlen(scope) - 1 : 0);
    vs_output ins[8];
    memcpy(ins, in, (size_t)n_in * sizeof *in);
    bool ok = op_name != NULL;
    if (!ok) vs__oom(st);
    if (ok && carg) {
      vs_shape cs = cn == VS_NPOS ? VS_SCALAR : (vs_shape){.known = true, .rank = 1, .dims = {(int64_t)cn}};
      vs_op *c = vs__constant(g, ts, cv, VS_INT32, cs, carg, st);
      ok = c != NULL;
      ins[n_in++] = (vs_output){c, 0};
    }
    if (ok)
      op = vs__op_create(g, &(vs_op_spec){.type = type, .name = op_name, .inputs = ins, .n_inputs = n_in,
                                          .has_output = true, .dtype = dt, .shape = shape}, st);
    free(op_name);
    vs__name_scope_pop(ts);
  }
  vs__unlock(g);
  return (vs_output){op, 0};
}

vs_output vs__shape_const(vs_graph *g, vs_shape s, const char *name, vs_status *st) {
  int32_t dims[VS_MAX_RANK];
  for (int i = 0; i < s.rank; i++) dims[i] = (int32_t)s.dims[i];
  return vs_constant(g, dims, VS_INT32, (vs_shape){.known = true, .rank = 1, .dims = {s.rank}}, name, st);
}

vs_shape vs__reduced_shape(vs_shape in, const int32_t *axes, size_t n, bool keep) {
  if (!in.known) return in;
  bool red[VS_MAX_RANK] = {false};
  for (size_t i = 0; i < n; i++) {
    int32_t a = axes[i] < 0 ? axes[i] + in.rank : axes[i];
    if (a >= 0 && a < in.rank) red[a] = true;
  }
  vs_shape out = {.known = true};
  for (int i = 0; i < in.rank; i++) {
    if (!red[i]) out.dims[out.rank++] = in.dims[i];
    else if (keep) out.dims[out.rank++] = 1;
  }
  return out;
}

static vs_output reduce_result(vs_output y, bool keep_dims) {
  if (y.op) y.op->attr.reduce.keep_dims = keep_dims; /* set before any other thread can see the op */
  return y;
}

vs_output vs__reduce(vs_graph *g, const char *type, vs_output x, const int32_t *axes, size_t n_axes, bool keep_dims,
                     const char *name, vs_status *st) {
  vs_shape out = vs__reduced_shape(vs__op_shape(x.op), axes, n_axes, keep_dims);
  return reduce_result(vs__build_op(g, type, name, &x, 1, "reduction_indices", axes, n_axes, x.op->dtype, out, st),
                       keep_dims);
}

vs_output vs__reduce_by(vs_graph *g, const char *type, vs_output x, vs_output axes, bool keep_dims, const char *name,
                        vs_status *st) {
  size_t n = 0;
  int32_t a[VS_MAX_RANK];
  vs_shape out = vs__int32_value(axes, a, VS_MAX_RANK, &n) ? vs__reduced_shape(vs__op_shape(x.op), a, n, keep_dims)
                                                            : (vs_shape){.known = false};
  vs_output in[2] = {x, axes};
  return reduce_result(vs__build_op(g, type, name, in, 2, NULL, NULL, 0, x.op->dtype, out, st), keep_dims);
}

vs_output vs__reshape_to(vs_graph *g, vs_output x, vs_output shape_tensor, const char *name, vs_status *st) {
  size_t n = 0;
  const int32_t *d = vs__const_int32(shape_tensor, &n);
  vs_shape out = {.known = d != NULL, .rank = (int)n};
  for (size_t i = 0; d && i < n; i++) out.dims[i] = d[i];
  vs_output in[2] = {x, shape_tensor};
  return vs__build_op(g, "Reshape", name, in, 2, NULL, NULL, 0, x.op->dtype, out, st);
}

vs_output vs__tile(vs_graph *g, vs_output x, const int32_t *mult, vs_output mult_tensor, const char *name,
                   vs_status *st) {
  size_t n = (size_t)vs__op_shape(x.op).rank;
  const int32_t *m = mult ? mult : vs__const_int32(mult_tensor, &n);
  vs_shape out = vs__op_shape(x.op);
  for (int i = 0; m && out.known && i < out.rank; i++) out.dims[i] = out.dims[i] < 0 ? -1 : out.dims[i] * m[i];
  if (mult) return vs__build_op(g, "Tile", name, &x, 1, "multiples", mult, n, x.op->dtype, out, st);
  vs_output in[2] = {x, mult_tensor};
  return vs__build_op(g, "Tile", name, in, 2, NULL, NULL, 0, x.op->dtype, out, st);
}

vs_output vs__binary_op(vs_graph *g, const char *type, const char *name, vs_output a, vs_output b, vs_status *st) {
  vs__lock(g);
  vs_op *op = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (ts && vs__valid_outputs(g, (vs_output[]){a, b}, 2, name, st)) op = vs__binary(g, ts, type, name, a, b, st);
  vs__unlock(g);
  return (vs_output){op, 0};
}

vs_output vs__unary_op(vs_graph *g, const char *type, const char *name, vs_output x, vs_status *st) {
  if (!vs__valid_output(g, x, name, st)) return none();
  return vs__build_op(g, type, name, &x, 1, NULL, NULL, 0, x.op->dtype, vs__op_shape(x.op), st);
}

vs_output vs__scalar_const(vs_graph *g, vs_dtype t, double value, const char *name, vs_status *st) {
  union {
    float f;
    double d;
    int32_t i32;
    int64_t i64;
    unsigned char b[8];
  } u = {0};
  switch (t) {
    case VS_FLOAT: u.f = (float)value; break;
    case VS_DOUBLE: u.d = value; break;
    case VS_INT32: u.i32 = (int32_t)value; break;
    case VS_INT64: u.i64 = (int64_t)value; break;
    case VS_BOOL: u.b[0] = value != 0; break;
    default:
      vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_TYPE_ERROR, "dtype %s is not supported by varscope's training ops",
               vs_dtype_name(t));
      return none();
  }
  return vs_constant(g, u.b, t, VS_SCALAR, name, st);
}

vs_output vs__filled(vs_graph *g, vs_dtype t, vs_shape shape, double value, const char *name, vs_status *st) {
  size_t n = vs_shape_num_elements(shape);
  size_t es = vs_dtype_size(t);
  if (n == VS_NPOS || !es || t == VS_STRING) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR, "%s: needs a fully defined shape and a numeric dtype", name);
    return none();
  }
  if (n < 1000) { /* _constant_if_small */
    unsigned char *data = calloc(n ? n : 1, es), v[8] = {0};
    if (!data) {
      vs__oom(st);
      return none();
    }
    switch (t) {
      case VS_FLOAT: { float f = (float)value; memcpy(v, &f, 4); break; }
      case VS_DOUBLE: memcpy(v, &value, 8); break;
      case VS_INT32: { int32_t i = (int32_t)value; memcpy(v, &i, 4); break; }
      case VS_INT64: { int64_t i = (int64_t)value; memcpy(v, &i, 8); break; }
      default: v[0] = value != 0; break;
    }
    for (size_t i = 0; value != 0 && i < n; i++) memcpy(data + i * es, v, es);
    vs_output c = vs_constant(g, data, t, shape, name, st);
    free(data);
    return c;
  }
  const char *scope = vs_name_scope_push(g, name, st);
  if (!scope) return none();
  vs_output dims = vs__shape_const(g, shape, "shape_as_tensor", st);
  vs_output fill = dims.op ? vs__scalar_const(g, t, value, "Const", st) : none();
  vs_output in[2] = {dims, fill};
  vs_output r = fill.op ? vs__build_op(g, "Fill", scope, in, 2, NULL, NULL, 0, t, shape, st) : none();
  vs_name_scope_pop(g, r.op ? st : NULL);
  return r;
}

vs_output vs__select_type(vs_graph *g, const char *type, vs_output c, vs_output t, vs_output e, const char *name,
                          vs_status *st) {
  vs_output in[3] = {c, t, e};
  if (!vs__valid_outputs(g, in, 3, name, st)) return none();
  vs_shape ts = vs__op_shape(t.op), es = vs__op_shape(e.op), cs = vs__op_shape(c.op);
  if (c.op->dtype != VS_BOOL || t.op->dtype != e.op->dtype || !vs_shape_is_compatible(ts, es) ||
      !vs_shape_is_compatible(cs, ts)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "%s: varscope's Select takes a bool condition and two tensors of one dtype, all of one shape", name);
    return none();
  }
  return vs__build_op(g, type, name, in, 3, NULL, NULL, 0, t.op->dtype, ts, st);
}

vs_output vs__select(vs_graph *g, vs_output c, vs_output t, vs_output e, const char *name, vs_status *st) {
  return vs__select_type(g, "Select", c, t, e, name, st);
}

vs_output vs__compare(vs_graph *g, const char *type, const char *name, vs_output a, vs_output b, vs_status *st) {
  vs__lock(g); /* the bool dtype is set before any other thread can see the op */
  vs_output r = vs__binary_op(g, type, name, a, b, st);
  if (r.op) r.op->dtype = VS_BOOL;
  vs__unlock(g);
  return r;
}

/* ---- public constructors ---- */

/* TF's allowed-dtype TypeError for op input x. */
static bool dtype_in(vs_dtype t, const vs_dtype *ok, const char *allowed, vs_status *st) {
  for (; *ok; ok++)
    if (*ok == t) return true;
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
           "Value passed to parameter 'x' has DataType %s not in list of allowed values: %s", vs_dtype_name(t),
           allowed);
  return false;
}

static const vs_dtype numeric[] = {VS_BFLOAT16, VS_HALF,  VS_FLOAT,  VS_DOUBLE, VS_UINT8,  VS_INT8, VS_UINT16,
                                   VS_INT16,    VS_INT32, VS_UINT32, VS_UINT64, VS_INT64, 0};
static const vs_dtype floating[] = {VS_BFLOAT16, VS_HALF, VS_FLOAT, VS_DOUBLE, 0};

static vs_output reduce_api(vs_graph *g, const char *type, const char *dflt, vs_output x, const vs_reduce_opts *o,
                            vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "reduce: graph must not be NULL");
  if (!vs__valid_output(g, x, dflt, st)) return none();
  vs_reduce_opts opts = o ? *o : (vs_reduce_opts){0};
  const char *name = opts.name ? opts.name : dflt;
  vs_shape in = vs__op_shape(x.op);
  if (!dtype_in(x.op->dtype, numeric, "float32, float64, int32, uint8, int16, int8, int64, bfloat16, uint16, "
                                      "float16, uint32, uint64, complex64, complex128", st))
    return none();
  if (!opts.axis) { /* axis=None: _ReductionDims builds the Const outside the op's scope */
    if (!in.known) {
      vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR, "%s: axis=None needs a known rank in varscope", dflt);
      return none();
    }
    if (in.rank == 0) { /* range(0, rank(x)): the Const "Rank" and a Range "range" */
      vs_output rank = vs__scalar_const(g, VS_INT32, 0, "Rank", st);
      const char *scope = rank.op ? vs_name_scope_push(g, "range", st) : NULL;
      if (!scope) return none();
      vs_output start = vs__scalar_const(g, VS_INT32, 0, "start", st);
      vs_output delta = start.op ? vs__scalar_const(g, VS_INT32, 1, "delta", st) : none();
      vs_output in3[3] = {start, rank, delta};
      vs_output range = delta.op ? vs__build_op(g, "Range", scope, in3, 3, NULL, NULL, 0, VS_INT32,
                                                (vs_shape){.known = true, .rank = 1, .dims = {0}}, st)
                                 : none();
      vs_name_scope_pop(g, range.op ? st : NULL);
      return range.op ? vs__reduce_by(g, type, x, range, opts.keepdims, name, st) : none();
    }
    int32_t all[VS_MAX_RANK];
    for (int i = 0; i < in.rank; i++) all[i] = i;
    vs_output axes = vs_constant(g, all, VS_INT32, (vs_shape){.known = true, .rank = 1, .dims = {in.rank}}, NULL, st);
    return axes.op ? vs__reduce_by(g, type, x, axes, opts.keepdims, name, st) : none();
  }
  if (opts.n_axis > VS_MAX_RANK) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "%s: at most %d axes", dflt, VS_MAX_RANK);
    return none();
  }
  int32_t axes[VS_MAX_RANK];
  for (size_t i = 0; i < opts.n_axis; i++) {
    int64_t a = opts.axis[i];
    if (in.known && (a < -in.rank || a >= in.rank)) {
      char dims[VS_MAX_RANK * 24 + 4];
      vs__dims_text(&in, "?", dims, sizeof dims);
      /* The scope and op name the error names, as TF's shape inference. */
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "Invalid reduction dimension %lld for input with %d dimensions.", (long long)a, in.rank);
      return none();
    }
    axes[i] = (int32_t)(a < 0 && in.known ? a + in.rank : a);
  }
  return vs__reduce(g, type, x, axes, opts.n_axis, opts.keepdims, name, st);
}

VS_API vs_output vs_reduce_sum(vs_graph *g, vs_output x, const vs_reduce_opts *opts, vs_status *st) {
  return reduce_api(g, "Sum", "Sum", x, opts, st);
}
VS_API vs_output vs_reduce_mean(vs_graph *g, vs_output x, const vs_reduce_opts *opts, vs_status *st) {
  return reduce_api(g, "Mean", "Mean", x, opts, st);
}

static vs_output unary_api(vs_graph *g, const char *type, vs_output x, const char *name, const vs_dtype *ok,
                           const char *allowed, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "%s: graph must not be NULL", type);
  if (!vs__valid_output(g, x, type, st) || !dtype_in(x.op->dtype, ok, allowed, st)) return none();
  return vs__unary_op(g, type, name ? name : type, x, st);
}

static const char float_list[] = "bfloat16, float16, float32, float64, complex64, complex128";

VS_API vs_output vs_square(vs_graph *g, vs_output x, const char *name, vs_status *st) {
  return unary_api(g, "Square", x, name, numeric,
                   "bfloat16, float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64, "
                   "complex64, complex128", st);
}
VS_API vs_output vs_neg(vs_graph *g, vs_output x, const char *name, vs_status *st) {
  return unary_api(g, "Neg", x, name, numeric,
                   "bfloat16, float16, float32, float64, int8, int16, int32, int64, complex64, complex128", st);
}
VS_API vs_output vs_sigmoid(vs_graph *g, vs_output x, const char *name, vs_status *st) {
  return unary_api(g, "Sigmoid", x, name, floating, float_list, st);
}
VS_API vs_output vs_tanh(vs_graph *g, vs_output x, const char *name, vs_status *st) {
  return unary_api(g, "Tanh", x, name, floating, float_list, st);
}

VS_API vs_output vs_truediv(vs_graph *g, vs_output x, vs_output y, const char *name, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "truediv: graph must not be NULL");
  if (!vs__valid_outputs(g, (vs_output[]){x, y}, 2, "truediv", st)) return none();
  vs_dtype t = x.op->dtype;
  if (t != VS_FLOAT && t != VS_DOUBLE && t != VS_HALF && t != VS_BFLOAT16) { /* TF casts integers to floats */
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_TYPE_ERROR, "truediv: varscope divides floating tensors only, not %s",
             vs_dtype_name(t));
    return none();
  }
  return vs__binary_op(g, "RealDiv", name ? name : "truediv", x, y, st);
}

VS_API vs_output vs_maximum(vs_graph *g, vs_output x, vs_output y, const char *name, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "maximum: graph must not be NULL");
  if (!vs__valid_outputs(g, (vs_output[]){x, y}, 2, "maximum", st)) return none();
  vs_dtype t = x.op->dtype;
  if (t == VS_BOOL || t == VS_STRING || t == VS_COMPLEX64 || t == VS_COMPLEX128) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
             "Value passed to parameter 'x' has DataType %s not in list of allowed values: bfloat16, float16, float32, "
             "float64, int8, uint8, int16, uint16, int32, uint32, int64, uint64", vs_dtype_name(t));
    return none();
  }
  return vs__binary_op(g, "Maximum", name ? name : "Maximum", x, y, st);
}

VS_API vs_output vs_add_n(vs_graph *g, const vs_output *inputs, size_t n, const char *name, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "add_n: graph must not be NULL");
  if (!inputs || n == 0) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "inputs must be an iterable of at least one Tensor/IndexedSlices with the same dtype and shape");
    return none();
  }
  if (n > 64) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR, "add_n: varscope adds at most 64 tensors in one AddN");
    return none();
  }
  if (!vs__valid_outputs(g, inputs, (int)n, "add_n", st)) return none();
  vs_shape shape = vs__op_shape(inputs[0].op);
  for (size_t i = 1; i < n; i++) {
    if (inputs[i].op->dtype != inputs[0].op->dtype) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "inputs must be an iterable of at least one Tensor/IndexedSlices with the same dtype and shape");
      return none();
    }
    vs_shape s = vs__op_shape(inputs[i].op);
    if (!vs_shape_is_compatible(shape, s)) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "inputs must be an iterable of at least one Tensor/IndexedSlices with the same dtype and shape");
      return none();
    }
    for (int d = 0; shape.known && s.known && d < shape.rank; d++)
      if (shape.dims[d] < 0) shape.dims[d] = s.dims[d];
    if (!shape.known) shape = s;
  }
  if (n == 1 && !name) return inputs[0]; /* math_ops.add_n returns a lone tensor as is */
  vs__lock(g);
  vs_op *op = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (ts)
    op = vs__op_in_scope(g, ts, name ? name : "AddN",
                         &(vs_op_spec){.type = "AddN", .inputs = inputs, .n_inputs = (int)n, .has_output = true,
                                       .dtype = inputs[0].op->dtype, .shape = shape}, st);
  vs__unlock(g);
  return (vs_output){op, 0};
}
