/* math_ops.c - elementwise arithmetic (tf.add, tf.subtract, tf.multiply) and tf.identity. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops_internal.h"

bool vs__valid_outputs(vs_graph *g, const vs_output *xs, int n, const char *what, vs_status *st) {
  for (int i = 0; i < n; i++)
    if (!xs[i].op || !xs[i].op->has_output || xs[i].index != 0) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "%s: the tensor is NULL or has no output", what);
      return false;
    }
  char item[512], orig[512];
  for (int i = 1; i < n; i++) /* ops._get_graph_from_inputs: the first input sets the graph */
    if (xs[i].op->graph != xs[0].op->graph) {
      vs__tensor_repr(xs[i], item, sizeof item);
      vs__tensor_repr(xs[0], orig, sizeof orig);
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "%s must be from the same graph as %s (graphs are <vs_graph object at %p> and "
               "<vs_graph object at %p>).", item, orig, (void *)xs[i].op->graph, (void *)xs[0].op->graph);
      return false;
    }
  if (n && xs[0].op->graph != g) { /* TF would build in that graph; varscope's calls name theirs */
    vs__tensor_repr(xs[0], item, sizeof item);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "%s is not an element of this graph.", item);
    return false;
  }
  return true;
}

bool vs__valid_output(vs_graph *g, vs_output x, const char *what, vs_status *st) {
  return vs__valid_outputs(g, &x, 1, what, st);
}

/* TF's broadcasting shape function (numpy rules, BroadcastBinaryOpOutputShapeFn):
 * dimensions aligned from the end; a 1 takes the other's; an unknown takes
 * the other's when that is known and not 1; otherwise they must be equal. */
static bool broadcast(vs_shape a, vs_shape b, vs_shape *out, char *problem, size_t cap) {
  if (!a.known || !b.known) {
    *out = (vs_shape){.known = false};
    return true;
  }
  int rank = a.rank > b.rank ? a.rank : b.rank;
  *out = (vs_shape){.known = true, .rank = rank};
  for (int i = 1; i <= rank; i++) {
    int64_t x = i <= a.rank ? a.dims[a.rank - i] : 1, y = i <= b.rank ? b.dims[b.rank - i] : 1, d;
    if (x == 1) d = y;
    else if (y == 1) d = x;
    else if (x < 0 || y < 0) d = x < 0 ? y : x;
    else if (x == y) d = x;
    else {
      snprintf(problem, cap, "Dimensions must be equal, but are %lld and %lld", (long long)x, (long long)y);
      return false;
    }
    out->dims[rank - i] = d;
  }
  return true;
}

vs_op *vs__binary(vs_graph *g, vs_thread_state *ts, const char *type, const char *name,
                  vs_output a, vs_output b, vs_status *st) {
  const char *scope = vs__name_scope_enter(g, ts, name, st);
  if (!scope) return NULL;
  vs_op *op = NULL;
  char *op_name = vs__strndup(scope, scope[0] ? strlen(scope) - 1 : 0);
  if (!op_name) {
    vs__oom(st);
    goto out;
  }
  vs_dtype ta = vs_op_output_dtype(a.op), tb = vs_op_output_dtype(b.op);
  bool sub = strcmp(type, "Sub") == 0, mul = strcmp(type, "Mul") == 0;
  if ((sub || mul) && (ta == VS_STRING || ta == VS_BOOL)) { /* AddV2 takes strings (concatenation) */
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
             "Value passed to parameter 'x' has DataType %s not in list of allowed values: %s", vs_dtype_name(ta),
             sub ? "bfloat16, float16, float32, float64, uint8, int8, uint16, int16, int32, int64, complex64, "
                   "complex128, uint32, uint64"
                 : "bfloat16, float16, float32, float64, uint8, int8, uint16, int16, int32, uint32, uint64, int64, "
                   "complex64, complex128");
    goto out;
  }
  if (ta != tb) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
             "Input 'y' of '%s' Op has type %s that does not match type %s of argument 'x'.", type,
             vs_dtype_name(tb), vs_dtype_name(ta));
    goto out;
  }
  vs_shape shape;
  char problem[160];
  if (!broadcast(vs_op_output_shape(a.op), vs_op_output_shape(b.op), &shape, problem,
                 sizeof problem)) {
    char attrs[48];
    snprintf(attrs, sizeof attrs, "T=%s", vs__dt_enum_name(ta));
    vs__fail_shape(st, problem, op_name, type, attrs, a, b);
    goto out;
  }
  vs_output in[2] = {a, b};
  /* broadcast() checked the operands; the def's shape function gives the result. */
  op = vs__op_create(g, &(vs_op_spec){.type = type, .name = op_name, .inputs = in, .n_inputs = 2,
                                      .has_output = true, .dtype = ta, .infer_shape = true}, st);
out:
  free(op_name);
  vs__name_scope_pop(ts);
  return op;
}

static vs_output binary(vs_graph *g, const char *type, const char *default_name, vs_output a,
                        vs_output b, const char *name, vs_status *st) {
  vs__ok(st);
  if (!g) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "%s: graph must not be NULL", default_name);
    return (vs_output){NULL, 0};
  }
  vs__lock(g);
  vs_op *op = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (ts && vs__valid_outputs(g, (vs_output[]){a, b}, 2, default_name, st))
    op = vs__binary(g, ts, type, name ? name : default_name, a, b, st);
  vs__unlock(g);
  return (vs_output){op, 0};
}

VS_API vs_output vs_add(vs_graph *g, vs_output a, vs_output b, const char *name, vs_status *st) {
  return binary(g, "AddV2", "add", a, b, name, st);
}
VS_API vs_output vs_sub(vs_graph *g, vs_output a, vs_output b, const char *name, vs_status *st) {
  return binary(g, "Sub", "sub", a, b, name, st);
}
VS_API vs_output vs_mul(vs_graph *g, vs_output a, vs_output b, const char *name, vs_status *st) {
  return binary(g, "Mul", "mul", a, b, name, st);
}

VS_API vs_output vs_identity(vs_graph *g, vs_output x, const char *name, vs_status *st) {
  vs__ok(st);
  if (!g) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "identity: graph must not be NULL");
    return (vs_output){NULL, 0};
  }
  vs__lock(g);
  vs_op *op = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (ts && vs__valid_output(g, x, "identity", st))
    op = vs__op_in_scope(g, ts, name ? name : "Identity",
                         &(vs_op_spec){.type = "Identity", .inputs = &x, .n_inputs = 1,
                                       .has_output = true, .dtype = x.op->dtype, .infer_shape = true},
                         st);
  vs__unlock(g);
  return (vs_output){op, 0};
}
