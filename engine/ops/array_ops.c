/* array_ops.c - tf.placeholder and tf.reshape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops_internal.h"

VS_API vs_output vs_placeholder(vs_graph *g, vs_dtype dtype, vs_shape shape, const char *name, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "placeholder: graph must not be NULL");
  if (!vs_dtype_is_valid(dtype) || (shape.known && (shape.rank < 0 || shape.rank > VS_MAX_RANK))) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "placeholder: invalid dtype %d or shape rank", (int)dtype);
    return (vs_output){NULL, 0};
  }
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  vs_op *op = ts ? vs__op_in_scope(g, ts, name ? name : "Placeholder",
                                   &(vs_op_spec){.type = "Placeholder", .has_output = true, .dtype = dtype,
                                                 .shape = shape}, st)
                 : NULL;
  vs__unlock(g);
  return (vs_output){op, 0};
}

VS_API vs_output vs_reshape(vs_graph *g, vs_output x, vs_shape shape, const char *name_arg, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "reshape: graph must not be NULL");
  if (!shape.known || shape.rank > VS_MAX_RANK) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "reshape: the target shape must have a known rank <= %d",
             VS_MAX_RANK);
    return (vs_output){NULL, 0};
  }
  vs__lock(g);
  vs_op *op = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  const char *scope = ts && vs__valid_output(g, x, "reshape", st)
                          ? vs__name_scope_push(g, ts, name_arg ? name_arg : "Reshape", st) : NULL;
  if (scope) {
    int32_t dims[VS_MAX_RANK] = {0};
    int unknown = -1, n_unknown = 0;
    int64_t known = 1;
    for (int i = 0; i < shape.rank; i++) {
      dims[i] = (int32_t)shape.dims[i];
      if (shape.dims[i] < 0) {
        unknown = i;
        n_unknown++;
      } else {
        known *= shape.dims[i];
      }
    }
    vs_op *sh = vs__constant(g, ts, dims, VS_INT32, (vs_shape){.known = true, .rank = 1, .dims = {shape.rank}},
                             "shape", st);
    char *name = vs__strndup(scope, strlen(scope) - 1);
    int64_t have = vs_shape_num_elements(&x.op->shape);
    vs_shape out = shape;
    if (!name) vs__oom(st);
    if (sh && name) {
      char target[160], ishape[160];
      vs__dims_text(&shape, "?", target, sizeof target);
      if (n_unknown > 1) {
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "Cannot infer multiple unknown dimensions in shape %s",
                 target);
      } else if (have >= 0 && ((n_unknown == 0 && have != known) || (n_unknown == 1 && (known == 0 || have % known)))) {
        vs__dims_text(&x.op->shape, "?", ishape, sizeof ishape);
        if (n_unknown == 0)
          vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
                   "Cannot reshape a tensor with %lld elements to shape %s (%lld elements) for '{{node %s}} = "
                   "Reshape[T=%s, Tshape=DT_INT32](%s, %s)' with input shapes: %s, [%d] and with input tensors "
                   "computed as partial shapes: input[1] = %s.",
                   (long long)have, target, (long long)known, name, vs__dt_enum_name(x.op->dtype), x.op->name,
                   sh->name, ishape, shape.rank, target);
        else
          vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
                   "Cannot reshape a tensor with %lld elements to shape %s: %lld is not a multiple of %lld",
                   (long long)have, target, (long long)have, (long long)known);
      } else {
        if (n_unknown == 1) out.dims[unknown] = have >= 0 ? have / known : -1;
        vs_output ins[2] = {x, {sh, 0}};
        op = vs__op_create(g, &(vs_op_spec){.type = "Reshape", .name = name, .inputs = ins, .n_inputs = 2,
                                            .has_output = true, .dtype = x.op->dtype, .shape = out}, st);
      }
    }
    free(name);
    vs__name_scope_pop(ts);
  }
  vs__unlock(g);
  return (vs_output){op, 0};
}
