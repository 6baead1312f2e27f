/* initializer_ops.c - the ops an initializer call builds, named as TF 2.x
 * builds them. glorot_uniform under "<v>/Initializer/", for instance:
 *   random_uniform/shape, random_uniform/min, random_uniform/max (Const),
 *   random_uniform/RandomUniform, random_uniform/sub, random_uniform/mul,
 *   random_uniform (AddV2).
 * The session runs these ops like any others. */
#include <stdlib.h>
#include <string.h>

#include "variables/variables_internal.h"

/* Below this many elements zeros()/ones() are a Const, above a Fill
 * (array_ops._constant_if_small). */
#define SMALL_CONSTANT 1000

static bool is_integer(vs_dtype t) {
  return t == VS_INT8 || t == VS_INT16 || t == VS_INT32 || t == VS_INT64 || t == VS_UINT8 ||
         t == VS_UINT16 || t == VS_UINT32 || t == VS_UINT64;
}

static vs_op *scalar(vs_graph *g, vs_thread_state *ts, double v, vs_dtype t, const char *name,
                     vs_status *st) {
  if (t == VS_STRING) /* only zeros reach here for strings (vs__initializer_check_call): b'' */
    return vs__constant(g, ts, (const char *const[]){""}, t, VS_SCALAR, name, st);
  uint64_t buf[2] = {0, 0};
  vs__store_scalar(buf, t, 0, v);
  return vs__constant(g, ts, buf, t, VS_SCALAR, name, st);
}

/* tensor_util.shape_tensor: an int32 vector Const, or int64 when a
 * dimension does not fit in 32 bits (constant_op's conversion of a list):
 * narrowing would turn (4294967299,) into (3,). */
static vs_op *shape_const(vs_graph *g, vs_thread_state *ts, const vs_shape *s, const char *name,
                          vs_status *st) {
  int32_t dims32[VS_MAX_RANK] = {0};
  int64_t dims64[VS_MAX_RANK] = {0};
  bool wide = false;
  for (int i = 0; i < s->rank; i++) {
    dims64[i] = s->dims[i];
    dims32[i] = (int32_t)s->dims[i];
    if (s->dims[i] > INT32_MAX) wide = true;
  }
  return vs__constant(g, ts, wide ? (const void *)dims64 : (const void *)dims32, wide ? VS_INT64 : VS_INT32,
                      (vs_shape){.known = true, .rank = 1, .dims = {s->rank}}, name, st);
}

static vs_op *seeded(vs_graph *g, vs_op *op, int64_t seed) {
  if (op) vs__get_seed(g, seed, &op->attr.random.has_seed, &op->attr.random.seed, &op->attr.random.seed2);
  return op;
}

/* random_ops.random_uniform(shape, minval, maxval, dtype, seed). */
static vs_op *random_uniform(vs_graph *g, vs_thread_state *ts, const vs_shape *shape, double minval,
                             double maxval, vs_dtype dtype, int64_t seed, vs_status *st) {
  const char *scope = vs__name_scope_enter(g, ts, "random_uniform", st);
  if (!scope) return NULL;
  /* random_ops' shortcut for Python int bounds 0 and 1 never applies: the
   * C API's bounds are floats, as TF's initializers' defaults (0.0, 1.0). */
  vs_op *out = NULL, *sh, *mn = NULL, *mx = NULL;
  if (!(sh = shape_const(g, ts, shape, "shape", st)) || !(mn = scalar(g, ts, minval, dtype, "min", st)) ||
      !(mx = scalar(g, ts, maxval, dtype, "max", st)))
    goto done;
  if (is_integer(dtype)) {
    vs_output in[3] = {{sh, 0}, {mn, 0}, {mx, 0}};
    out = seeded(g, vs__op_in_scope(g, ts, scope, &(vs_op_spec){
        .type = "RandomUniformInt", .inputs = in, .n_inputs = 3, .has_output = true,
        .dtype = dtype, .shape = *shape}, st), seed);
    goto done;
  }
  vs_output in = {sh, 0};
  vs_op *r = seeded(g, vs__op_in_scope(g, ts, "RandomUniform", &(vs_op_spec){
      .type = "RandomUniform", .inputs = &in, .n_inputs = 1, .has_output = true, .dtype = dtype,
      .shape = *shape}, st), seed);
  if (r) {
    vs_op *range = vs__binary(g, ts, "Sub", "sub", (vs_output){mx, 0}, (vs_output){mn, 0}, st);
    vs_op *mul = range ? vs__binary(g, ts, "Mul", "mul", (vs_output){r, 0}, (vs_output){range, 0}, st)
                       : NULL;
    /* add(..., name=scope): the result is named after the scope itself. */
    if (mul) out = vs__binary(g, ts, "AddV2", scope, (vs_output){mul, 0}, (vs_output){mn, 0}, st);
  }
done:
  vs__name_scope_pop(ts);
  return out;
}

/* random_ops.random_normal / truncated_normal(shape, mean, stddev, dtype, seed). */
static vs_op *normal(vs_graph *g, vs_thread_state *ts, const char *scope_name, const char *type,
                     const vs_shape *shape, double mean, double stddev, vs_dtype dtype, int64_t seed,
                     vs_status *st) {
  const char *scope = vs__name_scope_enter(g, ts, scope_name, st);
  if (!scope) return NULL;
  vs_op *out = NULL, *sh, *mn, *sd;
  if ((sh = shape_const(g, ts, shape, "shape", st)) && (mn = scalar(g, ts, mean, dtype, "mean", st)) &&
      (sd = scalar(g, ts, stddev, dtype, "stddev", st))) {
    vs_output in = {sh, 0};
    vs_op *r = seeded(g, vs__op_in_scope(g, ts, type, &(vs_op_spec){
        .type = type, .inputs = &in, .n_inputs = 1, .has_output = true, .dtype = dtype,
        .shape = *shape}, st), seed);
    vs_op *mul = r ? vs__binary(g, ts, "Mul", "mul", (vs_output){r, 0}, (vs_output){sd, 0}, st) : NULL;
    if (mul) out = vs__binary(g, ts, "AddV2", scope, (vs_output){mul, 0}, (vs_output){mn, 0}, st);
  }
  vs__name_scope_pop(ts);
  return out;
}

/* array_ops.zeros / ones: a Const when small, else Fill(shape, value). */
static vs_op *filled(vs_graph *g, vs_thread_state *ts, const char *name, double value,
                     const vs_shape *shape, vs_dtype dtype, vs_status *st) {
  /* -1: too many elements to count in bytes, certainly not small. */
  int64_t n = vs_shape_num_elements(*shape);
  if (n >= 0 && n < SMALL_CONSTANT) {
    /* Strings: n NULL pointers, which a string Const reads as b''. */
    size_t esize = dtype == VS_STRING ? sizeof(char *) : vs_dtype_size(dtype);
    void *data = calloc((size_t)n + 1, esize);
    if (!data) {
      vs__oom(st);
      return NULL;
    }
    for (int64_t i = 0; value != 0 && dtype != VS_STRING && i < n; i++)
      vs__store_scalar(data, dtype, (size_t)i, value);
    /* name_scope(name) then constant(..., name=scope): the scope's name,
     * which ends in '/' and so is taken as the op's full name. */
    const char *scope = vs__name_scope_push(g, ts, name, st);
    vs_op *op = NULL;
    if (scope) {
      vs__name_scope_pop(ts);
      op = vs__constant(g, ts, data, dtype, *shape, scope, st);
    }
    free(data);
    return op;
  }
  const char *scope = vs__name_scope_push(g, ts, name, st);
  if (!scope) return NULL;
  vs_op *out = NULL, *sh, *val;
  if ((sh = shape_const(g, ts, shape, "shape_as_tensor", st)) &&
      (val = scalar(g, ts, value, dtype, "Const", st))) {
    vs_output in[2] = {{sh, 0}, {val, 0}};
    out = vs__op_in_scope(g, ts, scope, &(vs_op_spec){.type = "Fill", .inputs = in, .n_inputs = 2,
                                                     .has_output = true, .dtype = dtype,
                                                     .shape = *shape}, st);
  }
  vs__name_scope_pop(ts);
  return out;
}

/* constant_op.constant(value, dtype, shape): the values expanded to the
 * shape (the last one repeated) in one Const. */
static vs_op *constant(vs_graph *g, vs_thread_state *ts, const vs_initializer *init,
                       const vs_shape *shape, vs_dtype dtype, const char *name, vs_status *st) {
  /* A count whose bytes overflow cannot be held on the host: out of
   * memory, as numpy would be, never a wrapped size. */
  int64_t count = vs_shape_num_elements(*shape);
  size_t n = count < 0 ? 0 : (size_t)count;
  if (dtype == VS_STRING || (init->values && init->values_dtype == VS_STRING)) {
    /* String values (vs__initializer_own packed them) are taken as they
     * are: no conversion between strings and numbers, as tf.constant. */
    if (dtype != VS_STRING || !init->values || init->values_dtype != VS_STRING || count < 0 || init->count != n) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "Cannot convert %s values to a %s tensor of %zu elements",
               init->values ? vs_dtype_name(init->values_dtype) : "float", vs_dtype_name(dtype), n);
      return NULL;
    }
    return vs__constant(g, ts, init->values, dtype, *shape, name, st);
  }
  void *data = count < 0 ? NULL : calloc(n + 1, vs_dtype_size(dtype));
  if (!data) {
    vs__oom(st);
    return NULL;
  }
  if (init->values && init->count)
    vs__convert_fill(init->values, init->values_dtype, init->count, data, dtype, n);
  else
    for (size_t i = 0; i < n; i++) vs__store_scalar(data, dtype, i, init->value);
  vs_op *op = vs__constant(g, ts, data, dtype, *shape, name, st);
  free(data);
  return op;
}

vs_op *vs__initializer_build(vs_graph *g, vs_thread_state *ts, const vs_initializer *init,
                             vs_dtype dtype, const vs_shape *shape, vs_status *st) {
  switch (init->kind) {
    case VS_INIT_ZEROS: return filled(g, ts, "zeros", 0, shape, dtype, st);
    case VS_INIT_ONES: return filled(g, ts, "ones", 1, shape, dtype, st);
    case VS_INIT_CONSTANT: return constant(g, ts, init, shape, dtype, "Const", st);
    case VS_INIT_RANDOM_UNIFORM:
      return random_uniform(g, ts, shape, init->minval, init->maxval, dtype, init->seed, st);
    case VS_INIT_RANDOM_NORMAL:
      return normal(g, ts, "random_normal", "RandomStandardNormal", shape, init->mean, init->stddev,
                    dtype, init->seed, st);
    case VS_INIT_TRUNCATED_NORMAL:
      return normal(g, ts, "truncated_normal", "TruncatedNormal", shape, init->mean, init->stddev,
                    dtype, init->seed, st);
    case VS_INIT_VARIANCE_SCALING: {
      double spread = vs_initializer_spread(init, *shape, st);
      if (spread < 0) return NULL;
      if (init->distribution == VS_DIST_UNIFORM)
        return random_uniform(g, ts, shape, -spread, spread, dtype, init->seed, st);
      if (init->distribution == VS_DIST_UNTRUNCATED_NORMAL)
        return normal(g, ts, "random_normal", "RandomStandardNormal", shape, 0.0, spread, dtype,
                      init->seed, st);
      return normal(g, ts, "truncated_normal", "TruncatedNormal", shape, 0.0, spread, dtype,
                    init->seed, st);
    }
    case VS_INIT_VALUE: return constant(g, ts, init, shape, dtype, "initial_value", st);
    default: break;
  }
  vs__fail(st, VS_INTERNAL, VS_EXC_RUNTIME_ERROR, "initializer kind %d builds no op", (int)init->kind);
  return NULL;
}
