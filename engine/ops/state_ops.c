/* state_ops.c - assignment, reads and initialisation of variables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops_internal.h"
#include "variables/variables_internal.h"
#include "varscope/device.h"

static bool valid_var(vs_graph *g, vs_var *v, const char *what, vs_status *st) {
  if (g && v && v->graph == g) return true;
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "%s: graph and variable must be given, from one graph", what);
  return false;
}

/* TF's merge_with for Assign: "Shapes must be equal rank" or "Dimension i
 * in both shapes must be equal". */
static bool assign_shapes(const vs_shape *a, const vs_shape *b, char *problem, size_t cap) {
  if (!a->known || !b->known) return true;
  if (a->rank != b->rank) {
    snprintf(problem, cap, "Shapes must be equal rank, but are %d and %d", a->rank, b->rank);
    return false;
  }
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] >= 0 && b->dims[i] >= 0 && a->dims[i] != b->dims[i]) {
      char sa[128], sb[128];
      size_t na = 1, nb = 1;
      sa[0] = sb[0] = '[';
      for (int k = 0; k < a->rank; k++) {
        na += (size_t)snprintf(sa + na, sizeof sa - na, "%s%lld", k ? "," : "", (long long)a->dims[k]);
        nb += (size_t)snprintf(sb + nb, sizeof sb - nb, "%s%lld", k ? "," : "", (long long)b->dims[k]);
      }
      snprintf(problem, cap, "Dimension %d in both shapes must be equal, but are %lld and %lld. Shapes are %s] and %s].",
               i, (long long)a->dims[i], (long long)b->dims[i], sa, sb);
      return false;
    }
  return true;
}

/* A resource variable's v.assign / assign_add / assign_sub (TF 2.21,
 * BaseResourceVariable in graph mode): AssignVariableOp (name= or the op
 * type, in the caller's name scope; no output), then under
 * control_dependencies([it]) a "ReadVariableOp", which is what TF's
 * _UnreadVariable evaluates to and what is returned. validate_shape has no
 * say: assign always checks the shape. */
static vs_output resource_update(vs_graph *g, vs_thread_state *ts, vs_var *v, vs_output value,
                                 const vs_assign_opts *opts, const char *type, vs_status *st) {
  bool assign = strcmp(type, "AssignVariableOp") == 0;
  char vshape[256], xshape[256];
  vs_shape_format(v->shape, vshape, sizeof vshape);
  vs_shape_format(vs__op_shape(value.op), xshape, sizeof xshape);
  if (value.op->dtype != v->dtype) { /* convert_to_tensor(value, dtype=v.dtype) */
    char xname[512];
    snprintf(xname, sizeof xname, "%s:0", value.op->name);
    if (value.index) snprintf(xname, sizeof xname, "%s:%zu", value.op->name, (size_t)value.index);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Tensor conversion requested dtype %s for Tensor with dtype %s: <tf.Tensor '%s' shape=%s dtype=%s>",
             vs_dtype_name(v->dtype), vs_dtype_name(value.op->dtype), xname, xshape, vs_dtype_name(value.op->dtype));
    return (vs_output){NULL, 0};
  }
  if (assign && !vs_shape_is_compatible(v->shape, vs__op_shape(value.op))) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Cannot assign value to variable ' %s:0': Shape mismatch.The variable shape %s, and the assigned value "
             "shape %s are incompatible.", v->op->name, vshape, xshape);
    return (vs_output){NULL, 0};
  }
  const char *scope = vs__name_scope_push(g, ts, opts && opts->name ? opts->name : type, st);
  char *name = scope ? vs__strndup(scope, scope[0] ? strlen(scope) - 1 : 0) : NULL;
  if (scope && !name) vs__oom(st);
  vs_op *op = NULL;
  if (name) {
    char problem[400], attrs[64];
    snprintf(attrs, sizeof attrs, "dtype=%s", vs__dt_enum_name(v->dtype));
    vs_output in[2] = {{v->op, 0}, value};
    vs_shape value_shape = vs__op_shape(value.op);
    if (!assign && !assign_shapes(&v->shape, &value_shape, problem, sizeof problem)) {
      vs__fail_shape(st, problem, name, type, attrs, in[0], value);
    } else {
      op = vs__op_create(g, &(vs_op_spec){.type = type, .name = name, .inputs = in, .n_inputs = 2,
                                          .dtype = v->dtype, .shape = VS_UNKNOWN_SHAPE}, st);
      if (op && assign) op->attr.assign.validate_shape = true; /* only AssignVariableOp has attributes */
    }
    free(name);
  }
  if (scope) vs__name_scope_pop(ts);
  if (!op) return (vs_output){NULL, 0};
  vs_op *read = vs__op_in_scope(g, ts, "ReadVariableOp",
                                &(vs_op_spec){.type = "ReadVariableOp", .inputs = &(vs_output){v->op, 0},
                                              .n_inputs = 1, .has_output = true, .dtype = v->dtype,
                                              .shape = v->shape}, st);
  if (read && !vs__op_add_control(read, op, st)) read = NULL;
  return (vs_output){read, 0};
}

static vs_output update(vs_graph *g, vs_var *v, vs_output value, const vs_assign_opts *opts,
                        const char *type, vs_status *st) {
  vs__ok(st);
  if (!valid_var(g, v, type, st)) return (vs_output){NULL, 0};
  if (v->resource) {
    vs__lock(g);
    vs_output out = {NULL, 0};
    vs_thread_state *ts = vs__thread(g, st);
    const char *rtype = strcmp(type, "Assign") == 0      ? "AssignVariableOp"
                        : strcmp(type, "AssignAdd") == 0 ? "AssignAddVariableOp"
                                                         : "AssignSubVariableOp";
    if (ts && vs__valid_outputs(g, (vs_output[]){{v->op, 0}, value}, 2, rtype, st))
      out = resource_update(g, ts, v, value, opts, rtype, st);
    vs__unlock(g);
    return out;
  }
  vs__lock(g);
  vs_op *op = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (ts && vs__valid_outputs(g, (vs_output[]){{v->op, 0}, value}, 2, type, st)) {
    bool assign = strcmp(type, "Assign") == 0;
    bool validate = !opts || opts->validate_shape != VS_OPT_FALSE;
    const char *scope = vs__name_scope_push(g, ts, opts && opts->name ? opts->name : type, st);
    char *name = scope ? vs__strndup(scope, scope[0] ? strlen(scope) - 1 : 0) : NULL;
    if (scope && !name) vs__oom(st);
    if (name) {
      char problem[400], attrs[96];
      snprintf(attrs, sizeof attrs, assign ? "T=%s, use_locking=false, validate_shape=%s" : "T=%s, use_locking=false",
               vs__dt_enum_name(v->dtype), validate ? "true" : "false");
      vs_output ref = {v->op, 0};
      vs_shape value_shape = vs__op_shape(value.op);
      if (!assign && (v->dtype == VS_STRING || v->dtype == VS_BOOL)) { /* AssignAdd's T: numbers only */
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
                 "Value passed to parameter 'ref' has DataType %s not in list of allowed values: float32, float64, "
                 "int32, uint8, int16, int8, complex64, int64, qint8, quint8, qint32, bfloat16, qint16, quint16, "
                 "uint16, complex128, float16, uint32, uint64", vs_dtype_name(v->dtype));
      } else if (value.op->dtype != v->dtype) {
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
                 "Input 'value' of '%s' Op has type %s that does not match type %s of argument 'ref'.", type,
                 vs_dtype_name(value.op->dtype), vs_dtype_name(v->dtype));
      } else if ((validate || !assign) && !assign_shapes(&v->shape, &value_shape, problem, sizeof problem)) {
        vs__fail_shape(st, problem, name, type, attrs, ref, value);
      } else {
        vs_output in[2] = {ref, value};
        /* A ref input colocates the op with the variable; the shape is the
         * def's (the variable's, or the value's for Assign without
         * validate_shape). */
        op = vs__op_create(g, &(vs_op_spec){.type = type, .name = name, .inputs = in, .n_inputs = 2,
                                            .has_output = true, .dtype = v->dtype, .colocate_with = v->op,
                                            .attr = assign ? &(vs_op_attrs){.assign.validate_shape = validate} : NULL,
                                            .infer_shape = true}, st);
      }
      free(name);
    }
    if (scope) vs__name_scope_pop(ts);
  }
  vs__unlock(g);
  return (vs_output){op, 0};
}

VS_API vs_output vs_assign(vs_graph *g, vs_var *v, vs_output value, const vs_assign_opts *opts, vs_status *st) {
  return update(g, v, value, opts, "Assign", st);
}
VS_API vs_output vs_assign_add(vs_graph *g, vs_var *v, vs_output value, const vs_assign_opts *opts,
                               vs_status *st) {
  return update(g, v, value, opts, "AssignAdd", st);
}
VS_API vs_output vs_assign_sub(vs_graph *g, vs_var *v, vs_output value, const vs_assign_opts *opts,
                               vs_status *st) {
  return update(g, v, value, opts, "AssignSub", st);
}

/* An op reading a variable, built in the caller's name scope; `by_ref`: its
 * input is a ref argument, which colocates the op with the variable. */
static vs_output var_op(vs_graph *g, vs_var *v, const char *type, const char *name, vs_dtype dtype,
                        const vs_output *extra, bool by_ref, vs_status *st) {
  vs__ok(st);
  if (!valid_var(g, v, name, st)) return (vs_output){NULL, 0};
  vs__lock(g);
  vs_op *op = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (ts) {
    vs_output in[2] = {{v->op, 0}, extra ? *extra : (vs_output){NULL, 0}};
    op = vs__op_in_scope(g, ts, name, &(vs_op_spec){.type = type, .inputs = in, .n_inputs = extra ? 2 : 1,
                                                     .has_output = true, .dtype = dtype,
                                                     .colocate_with = by_ref ? v->op : NULL, .infer_shape = true}, st);
  }
  vs__unlock(g);
  return (vs_output){op, 0};
}

VS_API vs_output vs_read_value(vs_graph *g, vs_var *v, vs_status *st) {
  if (!v || !v->resource)
    return var_op(g, v, "Identity", "read", v ? v->dtype : VS_FLOAT, NULL, false, st);
  /* ResourceVariable.read_value: "Read/ReadVariableOp", then identity(). */
  vs__ok(st);
  if (!valid_var(g, v, "read_value", st)) return (vs_output){NULL, 0};
  vs__lock(g);
  vs_output out = {NULL, 0};
  vs_thread_state *ts = vs__thread(g, st);
  if (ts && vs__name_scope_push(g, ts, "Read", st)) {
    /* _read_variable_op: with a caching_device, under colocate_with(None,
     * ignore_existing=True) on that device. */
    vs_colocation_scope *reset = v->caching_device ? vs_colocate_with(g, NULL, true, st) : NULL;
    bool placed = !v->caching_device || (reset && vs_device_push(g, v->caching_device, st));
    vs_output r = placed ? var_op(g, v, "ReadVariableOp", "ReadVariableOp", v->dtype, NULL, false, st)
                         : (vs_output){NULL, 0};
    if (placed && v->caching_device) vs_device_pop(g, NULL);
    if (reset) vs_colocation_scope_pop(g, reset, r.op ? st : NULL);
    vs__name_scope_pop(ts);
    if (r.op)
      out.op = vs__op_in_scope(g, ts, "Identity",
                               &(vs_op_spec){.type = "Identity", .inputs = &r, .n_inputs = 1, .has_output = true,
                                             .dtype = v->dtype, .infer_shape = true}, st);
  }
  vs__unlock(g);
  return out;
}

VS_API vs_output vs_is_variable_initialized(vs_graph *g, vs_var *v, vs_status *st) {
  if (v && v->resource) /* v.is_initialized(): no ref input, no colocation */
    return var_op(g, v, "VarIsInitializedOp", "VarIsInitializedOp", VS_BOOL, NULL, false, st);
  return var_op(g, v, "IsVariableInitialized", "IsVariableInitialized", VS_BOOL, NULL, true, st);
}

VS_API vs_output vs_initialized_value(vs_graph *g, vs_var *v, vs_status *st) {
  vs__ok(st);
  if (!valid_var(g, v, "initialized_value", st)) return (vs_output){NULL, 0};
  if (v->resource) { /* TF 2.21 raises a bare NotImplementedError */
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_RUNTIME_ERROR, /* NotImplementedError */
             "initialized_value() is not implemented for the resource variable %s", v->op->name);
    return (vs_output){NULL, 0};
  }
  vs__lock(g);
  vs_output out = {NULL, 0};
  vs_thread_state *ts = vs__thread(g, st);
  /* TF: cond(is_variable_initialized(v), v.read_value, lambda: v.initial_value),
   * built under control_dependencies(None); its result is "cond/Merge". */
  if (ts && vs__name_scope_push(g, ts, "cond", st)) {
    struct vs_ctrl_frame *saved = ts->ctrl;
    ts->ctrl = NULL;
    out = var_op(g, v, "InitializedValue", "Merge", v->dtype, &v->initial_value, false, st);
    ts->ctrl = saved;
    vs__name_scope_pop(ts);
  }
  vs__unlock(g);
  return out;
}

VS_API vs_op *vs_variables_initializer(vs_graph *g, vs_var *const *vars, size_t n, const char *name,
                                       vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g && n <= VS_MAX_LIST && (vars || !n), st, "vs_variables_initializer: graph must not be NULL, nor vars when n > 0");
  vs_op **ops = malloc((n + 1) * sizeof *ops);
  if (!ops) {
    vs__oom(st);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    if (!vars[i] || vars[i]->graph != g) {
      free(ops);
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_variables_initializer: variable %zu is not of this graph", i);
      return NULL;
    }
    ops[i] = vars[i]->assign;
  }
  /* An empty list gives no_op(name="init"); otherwise group(...). */
  vs_op *op = vs_group(g, ops, n, name ? name : "init", st);
  free(ops);
  return op;
}

static vs_op *collection_initializer(vs_graph *g, const char *key, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "variables initializer: graph must not be NULL");
  size_t n = vs_get_collection_vars(g, key, NULL, NULL, 0, st);
  vs_var **vars = malloc((n + 1) * sizeof *vars);
  if (!vars) {
    vs__oom(st);
    return NULL;
  }
  vs_get_collection_vars(g, key, NULL, vars, n, st);
  vs_op *op = vs_variables_initializer(g, vars, n, "init", st);
  free(vars);
  return op;
}

VS_API vs_op *vs_global_variables_initializer(vs_graph *g, vs_status *st) {
  return collection_initializer(g, VS_GLOBAL_VARIABLES, st);
}
VS_API vs_op *vs_local_variables_initializer(vs_graph *g, vs_status *st) {
  return collection_initializer(g, VS_LOCAL_VARIABLES, st);
}
