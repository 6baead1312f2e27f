/* report_uninit.c - tf.compat.v1.report_uninitialized_variables, the
 * sub-graph TF 2.21 builds, op for op:
 *
 *   report_uninitialized_variables/IsVariableInitialized[_N]  (ref: colocated)
 *                                 /VarIsInitializedOp[_N]     (resource)
 *   with tf.device("/cpu:0"):
 *     stack (Pack) -> LogicalNot; Const (the names);
 *     boolean_mask(names, mask): Shape consts, strided_slice[_1,_2],
 *       Prod, concat (values_1: Pack), Reshape, Reshape_1, Where,
 *       Squeeze, GatherV2 -- its output is the result.
 *   No variables at all: the one Const [] of strings ("Const").
 *
 * The shape vectors are constants (the names' shape is known when built),
 * as TF's array_ops.shape folds them. Every op but the checks runs on the
 * host (the values are a few ints, bools and strings). */
#include <stdlib.h>
#include <string.h>

#include "variables/variables_internal.h"
#include "varscope/device.h"
#include "varscope/ops.h"

#define ONE_D(n) ((vs_shape){.known = true, .rank = 1, .dims = {(n)}})

/* Builds op type `type` named exactly as the name scope `scope` yields
 * (so that constants made inside the scope, "x/axis", come first). */
static vs_op *op_named_by_scope(vs_graph *g, const char *scope, vs_op_spec spec, vs_status *st) {
  if (!scope) return NULL;
  char *name = vs__strndup(scope, scope[0] ? strlen(scope) - 1 : 0);
  if (!name) {
    vs__oom(st);
    return NULL;
  }
  spec.name = name;
  vs_op *op = vs__op_create(g, &spec, st);
  free(name);
  return op;
}

static vs_op *int32_vector(vs_graph *g, vs_thread_state *ts, const int32_t *v, int64_t n, const char *name,
                           vs_status *st) {
  return vs__constant(g, ts, v, VS_INT32, ONE_D(n), name, st);
}

/* x[b:e:1] of the int32 vector x, in scope "strided_slice": its three
 * spec constants "stack", "stack_1", "stack_2". */
static vs_op *strided_slice(vs_graph *g, vs_thread_state *ts, vs_op *x, int32_t b, int32_t e, int32_t begin_mask,
                            int32_t end_mask, vs_status *st) {
  const char *scope = vs__name_scope_enter(g, ts, "strided_slice", st);
  if (!scope) return NULL;
  int32_t one = 1;
  vs_output in[4] = {{x, 0},
                     {int32_vector(g, ts, &b, 1, "stack", st), 0},
                     {int32_vector(g, ts, &e, 1, "stack_1", st), 0},
                     {int32_vector(g, ts, &one, 1, "stack_2", st), 0}};
  vs_op *op = NULL;
  if (in[1].op && in[2].op && in[3].op) {
    vs_op_attrs a = {.strided = {.begin_mask = begin_mask, .end_mask = end_mask}};
    op = op_named_by_scope(g, scope,
                           (vs_op_spec){.type = "StridedSlice", .inputs = in, .n_inputs = 4, .has_output = true,
                                        .dtype = VS_INT32, .attr = &a, .infer_shape = true},
                           st);
  }
  vs__name_scope_pop(ts);
  return op;
}

/* array_ops.boolean_mask(tensor, mask) for a 1-D tensor of n strings and a
 * 1-D mask, in the caller's scope "boolean_mask". */
static vs_op *boolean_mask(vs_graph *g, vs_thread_state *ts, vs_op *tensor, vs_op *mask, int64_t n,
                           vs_status *st) {
  int32_t len = (int32_t)n, zero = 0, minus_one = -1;
  vs_op *op = NULL;
  /* leading_size = prod(shape(tensor)[0:1], [0]) */
  vs_op *shape = int32_vector(g, ts, &len, 1, "Shape", st);
  vs_op *lead_dims = shape ? strided_slice(g, ts, shape, 0, 1, 0, 0, st) : NULL;
  const char *scope = lead_dims ? vs__name_scope_enter(g, ts, "Prod", st) : NULL;
  vs_op *prod = NULL;
  if (scope) {
    vs_output in[2] = {{lead_dims, 0}, {int32_vector(g, ts, &zero, 1, "reduction_indices", st), 0}};
    vs_op_attrs a = {.reduce = {.keep_dims = false}};
    if (in[1].op)
      prod = op_named_by_scope(g, scope,
                               (vs_op_spec){.type = "Prod", .inputs = in, .n_inputs = 2, .has_output = true,
                                            .dtype = VS_INT32, .attr = &a, .infer_shape = true},
                               st);
    vs__name_scope_pop(ts);
  }
  /* reshape(tensor, concat([shape[:0], [leading_size], shape[1:]], 0)) */
  vs_op *shape1 = prod ? int32_vector(g, ts, &len, 1, "Shape_1", st) : NULL;
  vs_op *before = shape1 ? strided_slice(g, ts, shape1, 0, 0, 1, 0, st) : NULL;
  vs_op *shape2 = before ? int32_vector(g, ts, &len, 1, "Shape_2", st) : NULL;
  vs_op *after = shape2 ? strided_slice(g, ts, shape2, 1, 0, 0, 1, st) : NULL;
  vs_op *concat = NULL;
  if (after && (scope = vs__name_scope_enter(g, ts, "concat", st))) {
    vs_output p = {prod, 0};
    vs_op *lead = vs__op_in_scope(g, ts, "values_1",
                                  &(vs_op_spec){.type = "Pack", .inputs = &p, .n_inputs = 1, .has_output = true,
                                                .dtype = VS_INT32, .infer_shape = true},
                                  st);
    vs_op *axis = lead ? vs__constant(g, ts, &zero, VS_INT32, VS_SCALAR, "axis", st) : NULL;
    vs_output in[4] = {{before, 0}, {lead, 0}, {after, 0}, {axis, 0}};
    if (axis)
      concat = op_named_by_scope(g, scope,
                                 (vs_op_spec){.type = "ConcatV2", .inputs = in, .n_inputs = 4, .has_output = true,
                                              .dtype = VS_INT32, .infer_shape = true},
                                 st);
    vs__name_scope_pop(ts);
  }
  vs_output rin[2] = {{tensor, 0}, {concat, 0}};
  vs_op *reshaped = concat ? vs__op_in_scope(g, ts, "Reshape",
                                             &(vs_op_spec){.type = "Reshape", .inputs = rin, .n_inputs = 2,
                                                           .has_output = true, .dtype = tensor->dtype,
                                                           .infer_shape = true},
                                             st)
                           : NULL;
  /* mask = reshape(mask, [-1]) */
  vs_op *flat = NULL;
  if (reshaped && (scope = vs__name_scope_enter(g, ts, "Reshape_1", st))) {
    vs_output in[2] = {{mask, 0}, {int32_vector(g, ts, &minus_one, 1, "shape", st), 0}};
    if (in[1].op)
      flat = op_named_by_scope(g, scope,
                               (vs_op_spec){.type = "Reshape", .inputs = in, .n_inputs = 2, .has_output = true,
                                            .dtype = VS_BOOL, .infer_shape = true},
                               st);
    vs__name_scope_pop(ts);
  }
  /* gather(reshaped, squeeze(where(mask), axis=[1]), axis=0) */
  vs_output w = {flat, 0};
  vs_op *where = flat ? vs__op_in_scope(g, ts, "Where",
                                        &(vs_op_spec){.type = "Where", .inputs = &w, .n_inputs = 1,
                                                      .has_output = true, .dtype = VS_INT64, .infer_shape = true},
                                        st)
                      : NULL;
  vs_output q = {where, 0};
  vs_op_attrs sq = {.squeeze = {.dims = 1u << 1}};
  vs_op *indices = where ? vs__op_in_scope(g, ts, "Squeeze",
                                           &(vs_op_spec){.type = "Squeeze", .inputs = &q, .n_inputs = 1,
                                                         .has_output = true, .dtype = VS_INT64, .attr = &sq,
                                                         .infer_shape = true},
                                           st)
                         : NULL;
  if (indices && (scope = vs__name_scope_enter(g, ts, "GatherV2", st))) {
    vs_output in[3] = {{reshaped, 0}, {indices, 0}, {vs__constant(g, ts, &zero, VS_INT32, VS_SCALAR, "axis", st), 0}};
    if (in[2].op)
      op = op_named_by_scope(g, scope,
                             (vs_op_spec){.type = "GatherV2", .inputs = in, .n_inputs = 3, .has_output = true,
                                          .dtype = tensor->dtype, .infer_shape = true},
                             st);
    vs__name_scope_pop(ts);
  }
  return op;
}

/* The variables to report on (caller frees): vars as given, or global +
 * local ones as of now, or with none of those every ref variable op of
 * the graph (TF's "old-style variables"). */
static vs_var **variables_to_check(vs_graph *g, vs_var *const *vars, size_t n, size_t *count, vs_status *st) {
  vs_var **list = NULL;
  if (vars) {
    if ((list = malloc((n + 1) * sizeof *list))) memcpy(list, vars, n * sizeof *list);
    *count = n;
  } else {
    size_t ng = vs_get_collection_vars(g, VS_GLOBAL_VARIABLES, NULL, NULL, 0, st);
    size_t nl = vs_get_collection_vars(g, VS_LOCAL_VARIABLES, NULL, NULL, 0, st);
    size_t cap = ng + nl > g->n_vars ? ng + nl : g->n_vars;
    if ((list = malloc((cap + 1) * sizeof *list))) {
      vs_get_collection_vars(g, VS_GLOBAL_VARIABLES, NULL, list, ng, st);
      vs_get_collection_vars(g, VS_LOCAL_VARIABLES, NULL, list + ng, nl, st);
      *count = ng + nl;
      for (size_t i = 0; *count == 0 && i < g->n_vars; i++)
        if (g->vars[i]->op && !g->vars[i]->resource) list[(*count)++] = g->vars[i];
    }
  }
  if (!list) vs__oom(st);
  return list;
}

VS_API vs_output vs_report_uninitialized_variables(vs_graph *g, vs_var *const *vars, size_t n, vs_status *st) {
  vs__ok(st);
  if (!g || n > VS_MAX_LIST || (n > 0 && !vars)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "report_uninitialized_variables: bad arguments");
    return (vs_output){NULL, 0};
  }
  for (size_t i = 0; i < n; i++)
    if (!vars[i] || vars[i]->graph != g) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "report_uninitialized_variables: variable %zu is NULL or from another graph", i);
      return (vs_output){NULL, 0};
    }
  vs__lock(g);
  vs_op *op = NULL;
  size_t count = 0;
  vs_var **list = NULL;
  vs_output *checks = NULL;
  const char **names = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (!ts || !(list = variables_to_check(g, vars, n, &count, st))) goto done;
  if (!(checks = malloc((count + 1) * sizeof *checks)) || !(names = malloc((count + 1) * sizeof *names))) {
    vs__oom(st);
    goto done;
  }
  if (!vs__name_scope_push(g, ts, "report_uninitialized_variables", st)) goto done;
  size_t made = 0;
  for (; made < count; made++) { /* outside the device scope, as in TF */
    checks[made] = vs_is_variable_initialized(g, list[made], st);
    names[made] = list[made]->op->name;
    if (!checks[made].op) break;
  }
  if (made == count && vs_device_push(g, "/cpu:0", st)) {
    if (count == 0) {
      op = vs__constant(g, ts, NULL, VS_STRING, ONE_D(0), "Const", st);
    } else {
      vs_op *stack = vs__op_in_scope(g, ts, "stack",
                                     &(vs_op_spec){.type = "Pack", .inputs = checks, .n_inputs = (int)count,
                                                   .has_output = true, .dtype = VS_BOOL, .infer_shape = true},
                                     st);
      vs_output s = {stack, 0};
      vs_op *mask = stack ? vs__op_in_scope(g, ts, "LogicalNot",
                                            &(vs_op_spec){.type = "LogicalNot", .inputs = &s, .n_inputs = 1,
                                                          .has_output = true, .dtype = VS_BOOL,
                                                          .infer_shape = true},
                                            st)
                          : NULL;
      vs_op *names_op = mask ? vs__constant(g, ts, names, VS_STRING, ONE_D((int64_t)count), "Const", st) : NULL;
      if (names_op && vs__name_scope_push(g, ts, "boolean_mask", st)) {
        op = boolean_mask(g, ts, names_op, mask, (int64_t)count, st);
        vs__name_scope_pop(ts);
      }
    }
    vs_device_pop(g, op ? st : NULL);
  }
  vs__name_scope_pop(ts);
done:
  free(list);
  free(checks);
  free(names);
  vs__unlock(g);
  return (vs_output){op && !vs__failed(st) ? op : NULL, 0};
}
