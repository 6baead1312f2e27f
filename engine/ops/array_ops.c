/* array_ops.c - tf.placeholder and tf.reshape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops_internal.h"

/* A rank outside 0..VS_MAX_RANK: TF allows 254 dimensions, varscope's
 * fixed-size vs_shape holds VS_MAX_RANK (8, enough for every TF1 layer). */
static bool check_rank(const vs_shape *s, const char *what, vs_status *st) {
  if (!s->known || (s->rank >= 0 && s->rank <= VS_MAX_RANK)) return true;
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
           "%s: shape rank %d is outside 0..%d (varscope's VS_MAX_RANK; TensorFlow's limit is 254)", what,
           s->rank, VS_MAX_RANK);
  return false;
}

VS_API vs_output vs_placeholder(vs_graph *g, vs_dtype dtype, vs_shape shape, const char *name, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "placeholder: graph must not be NULL");
  if (!vs_dtype_is_valid(dtype)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "placeholder: invalid dtype %d", (int)dtype);
    return (vs_output){NULL, 0};
  }
  if (!check_rank(&shape, "placeholder", st)) return (vs_output){NULL, 0};
  /* TensorShape(shape): -1 is VS_DIM_UNKNOWN (None); any other negative
   * dimension is refused before the op is named. */
  for (int i = 0; shape.known && i < shape.rank; i++)
    if (shape.dims[i] < VS_DIM_UNKNOWN) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "Error converting shape to a TensorShape: Dimension %lld must be >= 0.", (long long)shape.dims[i]);
      return (vs_output){NULL, 0};
    }
  vs__lock(g);
  vs_op *op = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  const char *scope = ts ? vs__name_scope_push(g, ts, name && *name ? name : "Placeholder", st) : NULL;
  if (scope) {
    char *op_name = vs__strndup(scope, scope[0] ? strlen(scope) - 1 : 0); /* "" at the root (name "") */
    if (!op_name) {
      vs__oom(st);
    } else if (vs__shape_too_large(&shape)) {
      /* The C API's shape inference, after the name is taken. */
      char dims[VS_MAX_RANK * 24 + 4];
      vs__dims_text(&shape, "?", dims, sizeof dims);
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "Shape %s is too large (more than 2**63 - 1 entries) for '{{node %s}} = Placeholder[dtype=%s, "
               "shape=%s]()' with input shapes: .", dims, op_name, vs__dt_enum_name(dtype), dims);
    } else {
      op = vs__op_create(g, &(vs_op_spec){.type = "Placeholder", .name = op_name, .has_output = true,
                                          .dtype = dtype, .shape = shape}, st);
    }
    free(op_name);
    vs__name_scope_pop(ts);
  }
  vs__unlock(g);
  return (vs_output){op, 0};
}

VS_API vs_output vs_reshape(vs_graph *g, vs_output x, vs_shape shape, const char *name_arg, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "reshape: graph must not be NULL");
  if (!shape.known || shape.rank < 0 || shape.rank > VS_MAX_RANK) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "reshape: the target shape must have a known rank <= %d",
             VS_MAX_RANK);
    return (vs_output){NULL, 0};
  }
  vs__lock(g);
  vs_op *op = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  const char *scope = ts && vs__valid_output(g, x, "reshape", st)
                          ? vs__name_scope_push(g, ts, name_arg && *name_arg ? name_arg : "Reshape", st) : NULL;
  if (scope) {
    /* The shape tensor is int32 unless a dimension needs 64 bits, as
     * constant_op converts a Python list (then Tshape is DT_INT64). */
    int64_t dims64[VS_MAX_RANK] = {0};
    int32_t dims32[VS_MAX_RANK] = {0};
    bool wide = false;
    int n_unknown = 0, bad = 0;
    /* The known dimensions' product wraps as TF's int64 arithmetic does in
     * its message ("(0 elements)" for [2**32, 2**32]); `overflow` records
     * that it did. */
    uint64_t known = 1;
    bool overflow = false;
    int64_t over_a = 0, over_b = 0;
    for (int i = 0; i < shape.rank; i++) {
      int64_t d = shape.dims[i];
      dims64[i] = d;
      dims32[i] = (int32_t)d;
      if (d > INT32_MAX || d < INT32_MIN) wide = true;
      if (d < -1 && !bad) bad = i + 1;
      if (d < 0) {
        n_unknown++;
      } else {
        int64_t p;
        if (!overflow && __builtin_mul_overflow((int64_t)known, d, &p)) {
          overflow = true;
          over_a = (int64_t)known;
          over_b = d;
        }
        known *= (uint64_t)d;
      }
    }
    vs_op *sh = vs__constant(g, ts, wide ? (const void *)dims64 : (const void *)dims32, wide ? VS_INT64 : VS_INT32,
                             (vs_shape){.known = true, .rank = 1, .dims = {shape.rank}}, "shape", st);
    char *name = vs__strndup(scope, scope[0] ? strlen(scope) - 1 : 0); /* "" at the root (name "") */
    int64_t have = vs_shape_num_elements(vs__op_shape(x.op));
    if (!name) vs__oom(st);
    if (sh && name) {
      char target[VS_MAX_RANK * 24 + 4], ishape[VS_MAX_RANK * 24 + 4];
      const char *tshape = wide ? "DT_INT64" : "DT_INT32";
      vs__dims_text(&shape, "?", target, sizeof target);
      vs_shape xshape = vs__op_shape(x.op);
      vs__dims_text(&xshape, "?", ishape, sizeof ishape);
      if (bad) {
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "Invalid value in tensor used for shape: %lld",
                 (long long)shape.dims[bad - 1]);
      } else if (n_unknown > 1) {
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "Cannot infer multiple unknown dimensions in shape %s",
                 target);
      } else if (n_unknown == 1 && overflow) {
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
                 "Negative dimension size caused by overflow when multiplying %lld and %lld for '{{node %s}} = "
                 "Reshape[T=%s, Tshape=%s](%s, %s)' with input shapes: %s, [%d] and with input tensors "
                 "computed as partial shapes: input[1] = %s.",
                 (long long)over_a, (long long)over_b, name, vs__dt_enum_name(x.op->dtype), tshape, x.op->name,
                 sh->name, ishape, shape.rank, target);
      } else if (have >= 0 && ((n_unknown == 0 && (overflow || (uint64_t)have != known)) ||
                               (n_unknown == 1 && (known == 0 || (uint64_t)have % known)))) {
        if (n_unknown == 0)
          vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
                   "Cannot reshape a tensor with %lld elements to shape %s (%lld elements) for '{{node %s}} = "
                   "Reshape[T=%s, Tshape=%s](%s, %s)' with input shapes: %s, [%d] and with input tensors "
                   "computed as partial shapes: input[1] = %s.",
                   (long long)have, target, (long long)known, name, vs__dt_enum_name(x.op->dtype), tshape,
                   x.op->name, sh->name, ishape, shape.rank, target);
        else
          vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
                   "Cannot reshape a tensor with %lld elements to shape %s: %lld is not a multiple of %lld",
                   (long long)have, target, (long long)have, (long long)known);
      } else {
        /* Checked above; the def's shape function resolves the -1. */
        vs_output ins[2] = {x, {sh, 0}};
        op = vs__op_create(g, &(vs_op_spec){.type = "Reshape", .name = name, .inputs = ins, .n_inputs = 2,
                                            .has_output = true, .dtype = x.op->dtype, .infer_shape = true}, st);
      }
    }
    free(name);
    vs__name_scope_pop(ts);
  }
  vs__unlock(g);
  return (vs_output){op, 0};
}
