/* variable.c - RefVariable construction (tf.Variable) and variable accessors. */
#include <stdlib.h>
#include <string.h>

#include "kernels/registry.h"
#include "ops/ops_internal.h"
#include "placement/placement_internal.h"
#include "variables/variables_internal.h"
#include "varscope/device.h"
#include "varscope/ops.h"

void vs__var_free(vs_var *v) {
  if (!v) return;
  free(v->caching_device);
  free(v);
}

/* Field by field (padding bytes are not values): equal initializers build
 * the same ops. Host values compare by address, so only copies already
 * kept are equal. */
static bool same_initializer(const vs_initializer *a, const vs_initializer *b) {
  return a->kind == b->kind && a->dtype == b->dtype && a->seed == b->seed && a->mean == b->mean &&
         a->stddev == b->stddev && a->minval == b->minval && a->maxval == b->maxval && a->scale == b->scale &&
         a->mode == b->mode && a->distribution == b->distribution && a->value == b->value &&
         a->values == b->values && a->count == b->count && a->values_dtype == b->values_dtype &&
         vs__shape_equal(&a->value_shape, &b->value_shape) && a->verify_shape == b->verify_shape &&
         a->tensor.op == b->tensor.op && a->tensor.index == b->tensor.index;
}

/* The graph's copy of an initializer (its host values copied too): the
 * newest one kept when equal, else a new kept copy. NULL when out of
 * memory (st set). */
static const vs_initializer *keep_initializer(vs_graph *g, const vs_initializer *init, vs_status *st) {
  vs_initializer own = *init;
  if (!vs__initializer_own(g, &own, st)) return NULL;
  if (g->init_last && same_initializer(g->init_last, &own)) return g->init_last;
  vs_initializer *kept = malloc(sizeof *kept);
  if (!kept) {
    vs__oom(st);
    return NULL;
  }
  *kept = own;
  if (!vs__keep_string(g, (char *)kept, st)) return NULL;
  return g->init_last = kept;
}

static bool add_to_collections(vs_graph *g, vs_var *v, const char *const *colls, vs_status *st) {
  static const char *const def[] = {VS_GLOBAL_VARIABLES, NULL};
  const char *const *list = colls ? colls : def;
  bool has_trainable = false;
  for (size_t i = 0; list[i]; i++) {
    bool dup = false; /* TF adds through set(names) */
    for (size_t j = 0; j < i; j++) dup |= strcmp(list[i], list[j]) == 0;
    has_trainable |= strcmp(list[i], VS_TRAINABLE_VARIABLES) == 0;
    if (!dup && !vs__collection_add(g, list[i], (vs_item){.kind = VS_ITEM_VAR, .var = v}, st))
      return false;
  }
  if (v->trainable && !has_trainable &&
      !vs__collection_add(g, VS_TRAINABLE_VARIABLES, (vs_item){.kind = VS_ITEM_VAR, .var = v}, st))
    return false;
  return true;
}

static bool in_collection(vs_graph *g, const char *key, const vs_var *v) {
  size_t n = vs__collection_get(g, key, NULL, VS_ITEM_VAR, NULL, 0, NULL);
  vs_item *all = n ? malloc(n * sizeof *all) : NULL;
  bool found = false;
  if (all) {
    vs__collection_get(g, key, NULL, VS_ITEM_VAR, all, n, NULL);
    for (size_t i = 0; i < n && !found; i++) found = all[i].var == v;
  }
  free(all);
  return found;
}

/* TF's _safe_initial_value_from_op: a copy of the initial value's graph in
 * which every read of a (global or local) variable goes through its
 * initialized_value(), so `Variable(v * 2)` initialises whatever the order.
 * Copies are named "<op>_<scope>" ("mul_w"); ops that only check
 * initialisation, and unchanged sub-graphs, are kept as they are. */
static vs_op *guard_op(vs_graph *g, vs_op *op, const char *scope, vs_strmap *cache, vs_status *st) {
  vs_op *hit = vs_strmap_get(cache, op->name);
  if (hit) return hit;
  vs_op *out = op;
  if (strcmp(vs__op_type(op), "IsVariableInitialized") == 0 || strcmp(vs__op_type(op), "InitializedValue") == 0) {
    out = op;
  } else if (strcmp(vs__op_type(op), "VariableV2") == 0) {
    if (vs__op_var(op) && (in_collection(g, VS_GLOBAL_VARIABLES, vs__op_var(op)) || in_collection(g, VS_LOCAL_VARIABLES, vs__op_var(op)))) {
      vs_output iv = vs_initialized_value(g, vs__op_var(op), st);
      if (!iv.op) return NULL;
      out = iv.op;
    }
  } else if (op->n_inputs) {
    vs_output *in = malloc((size_t)op->n_inputs * sizeof *in);
    if (!in) {
      vs__oom(st);
      return NULL;
    }
    bool modified = false;
    for (int i = 0; i < op->n_inputs; i++) {
      vs_op *ni = guard_op(g, op->inputs[i].op, scope, cache, st);
      if (!ni) {
        free(in);
        return NULL;
      }
      in[i] = (vs_output){ni, op->inputs[i].index};
      modified |= ni != op->inputs[i].op;
    }
    if (modified) {
      char *name = vs__asprintf("%s_%.*s", op->name, (int)strlen(scope) - 1, scope);
      out = name ? vs__op_create(g, &(vs_op_spec){.type = vs__op_type(op), .name = name, .inputs = in,
                                                  .n_inputs = op->n_inputs, .has_output = op->has_output,
                                                  .dtype = op->dtype, .shape = vs__op_shape(op)}, st)
                 : NULL;
      if (!name) vs__oom(st);
      free(name);
      if (out) { /* the node's attributes */
        /* Only types with attributes have the field (VS_OPF_ATTRS). */
        memcpy(&out->attr, &op->attr, vs__def_attr_bytes(op->def));
        if (op->colocate && !out->colocate && !(out->colocate = vs__coloc_dup(op->colocate))) vs__oom(st);
      }
    }
    free(in);
    if (!out) return NULL;
  }
  if (!vs_strmap_put(cache, op->name, out)) {
    vs__oom(st);
    return NULL;
  }
  return out;
}

/* The initial value built under name_scope("Initializer"), ops.device(None),
 * colocated with the variable through _attr_scope({"_class":
 * ["loc:@<n>"]}), which stays on (ts->init_colocate) for the variable op
 * itself: variable_op clears it. */
static bool initial_value_in_initializer_scope(vs_graph *g, vs_thread_state *ts, vs_var *v, char *name,
                                               const vs_shape *shape, vs_status *st) {
  if (!vs__name_scope_enter(g, ts, "Initializer", st)) return false;
  if (!vs__device_push_string(ts, NULL, st)) {
    vs__name_scope_pop(ts);
    return false;
  }
  ts->init_colocate = name;
  vs_op *iop = vs__initializer_build(g, ts, v->initializer, v->dtype, shape, st);
  vs__device_pop_top(ts);
  vs__name_scope_pop(ts);
  if (!iop) {
    ts->init_colocate = NULL;
    return false;
  }
  v->initial_value = (vs_output){iop, 0};
  return true;
}

/* The variable op "<n>" (VariableV2 or VarHandleOp; the scope name taken as
 * is), then in[] = {its output, the initial value}, a tensor initial value
 * guarded by _try_guard_against_uninitialized_dependencies. */
static bool variable_op(vs_graph *g, vs_thread_state *ts, vs_var *v, const char *type, char *name, vs_dtype dtype,
                        vs_shape shape, const char *scope, vs_output in[2], vs_status *st) {
  v->op = vs__op_create(g, &(vs_op_spec){.type = type, .name = name, .has_output = true, .dtype = dtype,
                                         .shape = shape, .var = v}, st);
  ts->init_colocate = NULL;
  if (!v->op) return false;
  in[0] = (vs_output){v->op, 0};
  in[1] = v->initial_value;
  if (v->initializer->kind == VS_INIT_TENSOR) {
    vs_strmap cache = {0};
    vs_op *safe = guard_op(g, v->initializer->tensor.op, scope, &cache, st);
    vs_strmap_free(&cache);
    if (!safe) return false;
    in[1] = (vs_output){safe, v->initializer->tensor.index};
  }
  return true;
}

/* ResourceVariable._init_from_args in graph mode, inside name_scope(<n>):
 * the initial value under "Initializer" (device None, colocated with the
 * handle), the VarHandleOp "<n>" (still colocated), then
 * "IsInitialized/VarIsInitializedOp", "Assign" (AssignVariableOp; TF
 * resets colocation for it) and "Read/ReadVariableOp" (v.value(); with a
 * caching_device, an Identity "Read/Identity" on that device). */
static bool resource_ops(vs_graph *g, vs_thread_state *ts, vs_var *v, char *name, const char *scope,
                         const vs_shape *shape, vs_status *st) {
  /* Every initial value but a tensor goes under "Initializer", a host
   * value too ("<n>/Initializer/initial_value"). */
  if (v->initializer->kind == VS_INIT_TENSOR) v->initial_value = v->initializer->tensor;
  else if (!initial_value_in_initializer_scope(g, ts, v, name, shape, st)) return false;
  vs_output in[2];
  if (!variable_op(g, ts, v, "VarHandleOp", name, VS_RESOURCE, VS_SCALAR, scope, in, st)) return false;
  if (!vs__name_scope_enter(g, ts, "IsInitialized", st)) return false;
  v->is_init = vs__op_in_scope(g, ts, "VarIsInitializedOp",
                               &(vs_op_spec){.type = "VarIsInitializedOp", .inputs = in, .n_inputs = 1,
                                             .has_output = true, .dtype = VS_BOOL, .shape = VS_SCALAR, .var = v}, st);
  vs__name_scope_pop(ts);
  if (!v->is_init) return false;
  /* TF: name_scope("Assign"), colocate_with(None, ignore_existing=True),
   * device(handle.device): no colocation group, the handle's device. */
  vs_colocation_scope *reset = vs_colocate_with(g, NULL, true, st);
  bool pushed = reset && (!v->op->device[0] || vs_device_push(g, v->op->device, st));
  if (pushed)
    v->assign = vs__op_in_scope(g, ts, "Assign",
                                &(vs_op_spec){.type = "AssignVariableOp", .inputs = in, .n_inputs = 2,
                                              .dtype = v->dtype, .shape = VS_UNKNOWN_SHAPE, .var = v}, st);
  if (pushed && v->op->device[0]) vs_device_pop(g, NULL);
  if (reset) vs_colocation_scope_pop(g, reset, v->assign ? st : NULL);
  if (!v->assign) return false;
  v->assign->attr.assign.validate_shape = false; /* the initializer may set any shape */
  if (!vs__name_scope_enter(g, ts, "Read", st)) return false;
  v->read = vs__op_in_scope(g, ts, "ReadVariableOp",
                            &(vs_op_spec){.type = "ReadVariableOp", .inputs = in, .n_inputs = 1,
                                          .has_output = true, .dtype = v->dtype, .shape = v->shape,
                                          .var = v->caching_device ? NULL : v}, st);
  if (v->read && v->caching_device) {
    /* TF: colocate_with(None, ignore_existing=True) around the cached
     * read, so it has no colocation group and only the caching device
     * (that block also hides the enclosing device scopes). */
    vs_op *read = v->read;
    v->read = NULL;
    reset = vs_colocate_with(g, NULL, true, st);
    if (reset && vs_device_push(g, v->caching_device, st)) {
      v->read = vs__op_in_scope(g, ts, "Identity",
                                &(vs_op_spec){.type = "Identity", .inputs = &(vs_output){read, 0}, .n_inputs = 1,
                                              .has_output = true, .dtype = v->dtype, .shape = v->shape, .var = v}, st);
      vs_device_pop(g, NULL);
    }
    if (reset) vs_colocation_scope_pop(g, reset, v->read ? st : NULL);
  }
  vs__name_scope_pop(ts);
  if (!v->read) return false;
  return true;
}

vs_output vs__resource_value(vs_graph *g, vs_thread_state *ts, vs_var *v, vs_status *st) {
  if (v->caching_device) return (vs_output){v->read, 0};
  vs_colocation_scope *reset = vs_colocate_with(g, NULL, true, st);
  vs_output h = {v->op, 0};
  vs_op *op = reset ? vs__op_in_scope(g, ts, "ReadVariableOp",
                                      &(vs_op_spec){.type = "ReadVariableOp", .inputs = &h, .n_inputs = 1,
                                                    .has_output = true, .dtype = v->dtype, .shape = v->shape,
                                                    .var = v},
                                      st)
                    : NULL;
  if (reset) vs_colocation_scope_pop(g, reset, op ? st : NULL);
  return (vs_output){op, 0};
}

static vs_var *variable_create(vs_graph *g, vs_thread_state *ts, const vs_var_spec *sp,
                               vs_status *st) {
  const vs_initializer *init = &sp->init;
  if (init->kind == VS_INIT_NONE) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "initial_value must be specified.");
    return NULL;
  }
  if (init->kind == VS_INIT_TENSOR && (!init->tensor.op || init->tensor.op->graph != g ||
                                       !init->tensor.op->has_output)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "initial_value must be a tensor of this graph");
    return NULL;
  }
  bool callable = vs__initializer_callable(init);
  vs_dtype dtype;
  vs_shape shape;
  if (callable) {
    dtype = sp->dtype ? sp->dtype : VS_FLOAT;
    shape = sp->shape;
    /* tf.Variable's as_shape(shape): -1 is VS_DIM_UNKNOWN, other negatives
     * are refused (get_variable refused them before, in its own words). */
    for (int i = 0; shape.known && shape.rank <= VS_MAX_RANK && i < shape.rank; i++)
      if (shape.dims[i] < VS_DIM_UNKNOWN) {
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
                 "Error converting shape to a TensorShape: Dimension %lld must be >= 0.", (long long)shape.dims[i]);
        return NULL;
      }
    if (!vs_shape_is_fully_defined(shape)) {
      char buf[256];
      vs_shape_format(shape, buf, sizeof buf);
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "initial_value must have a shape specified: %s", buf);
      return NULL;
    }
    if (!vs__initializer_check_call(init, dtype, &shape, st)) return NULL;
  } else {
    dtype = sp->dtype ? sp->dtype : vs__initializer_value_dtype(init);
    shape = vs__initializer_value_shape(init);
  }
  if (!vs_dtype_is_valid(dtype)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "Cannot convert value %d to a TensorFlow DType.",
             (int)dtype);
    return NULL;
  }
  if (dtype == VS_RESOURCE) { /* C-only: a handle is no value a variable can hold */
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "a variable cannot hold dtype resource");
    return NULL;
  }

  const char *scope = vs__name_scope_enter(g, ts, sp->name ? sp->name : "Variable", st);
  if (!scope) return NULL;
  vs_var *v = calloc(1, sizeof *v);
  char *name = vs__strndup(scope, scope[0] ? strlen(scope) - 1 : 0);
  if (!v || !name || !VS_GROW(g->vars, g->vars_cap, g->n_vars + 1)) {
    vs__oom(st);
    goto fail;
  }
  if (!vs__check_node_name(name, st)) goto fail;
  if (vs__shape_too_large(&shape)) {
    /* TF fails creating the VariableV2 node; refusing before the initializer
     * is built keeps its ops from ever sizing the impossible count. */
    char dims[VS_MAX_RANK * 24 + 4];
    vs__dims_text(&shape, "?", dims, sizeof dims);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Shape %s is too large (more than 2**63 - 1 entries) for '{{node %s}} = VariableV2[container=\"\", "
             "dtype=%s, shape=%s, shared_name=\"\"]()' with input shapes: .",
             dims, name, vs__dt_enum_name(dtype), dims);
    goto fail;
  }
  v->graph = g;
  v->dtype = dtype;
  v->trainable = sp->trainable;
  v->constraint = sp->constraint;
  v->constraint_data = sp->constraint_data;
  v->synchronization = sp->synchronization;
  v->aggregation = sp->aggregation;
  v->shape = sp->validate_shape ? shape : (vs_shape){.known = false};
  if (!(v->initializer = keep_initializer(g, init, st))) goto fail;
  if (sp->caching_device && !(v->caching_device = vs__strdup(sp->caching_device))) {
    vs__oom(st);
    goto fail;
  }

  v->resource = sp->resource;
  if (sp->resource) {
    v->shape = shape; /* a ResourceVariable keeps its shape even without validate_shape */
    if (!resource_ops(g, ts, v, name, scope, &shape, st)) goto fail;
    goto built;
  }

  /* The initial value. */
  if (init->kind == VS_INIT_TENSOR) {
    v->initial_value = init->tensor;
  } else if (callable) {
    if (!initial_value_in_initializer_scope(g, ts, v, name, &shape, st)) goto fail;
  } else {
    vs_op *iop = vs__initializer_build(g, ts, v->initializer, dtype, &shape, st);
    if (!iop) goto fail;
    v->initial_value = (vs_output){iop, 0};
  }

  vs_output assign_in[2];
  if (!variable_op(g, ts, v, "VariableV2", name, dtype, v->shape, scope, assign_in, st)) goto fail;
  v->assign = vs__op_in_scope(g, ts, "Assign",
                              &(vs_op_spec){.type = "Assign", .inputs = assign_in, .n_inputs = 2,
                                            .has_output = true, .dtype = dtype, .shape = v->shape,
                                            .colocate_with = v->op, .var = v}, st);
  if (!v->assign) goto fail;
  /* v/read is colocated with the variable, or with caching_device= built
   * under tf.device(caching_device) instead (8.2.11). */
  bool cached = sp->caching_device && vs_device_push(g, sp->caching_device, st);
  if (sp->caching_device && !cached) goto fail;
  v->read = vs__op_in_scope(g, ts, "read",
                            &(vs_op_spec){.type = "Identity", .inputs = assign_in, .n_inputs = 1,
                                          .has_output = true, .dtype = dtype, .shape = v->shape,
                                          .colocate_with = cached ? NULL : v->op, .var = v}, st);
  if (cached) vs_device_pop(g, NULL);
  if (!v->read) goto fail;
built:
  vs__name_scope_pop(ts);
  free(name);
  v->index = g->n_vars;
  g->vars[g->n_vars++] = v;
  if (!add_to_collections(g, v, sp->collections, st)) return NULL; /* v is owned by the graph */
  return v;
fail:
  /* Ops already made stay in the graph, as in TF; the variable does not exist. */
  if (v && v->op) vs__op_clear_var(v->op);
  if (v && v->assign) vs__op_clear_var(v->assign);
  if (v && v->read) vs__op_clear_var(v->read);
  vs__var_free(v);
  free(name);
  vs__name_scope_pop(ts);
  return NULL;
}

/* RefVariable builds everything under ops.init_scope(), which in graph mode
 * is control_dependencies(None) in the current name scope: none of the
 * variable's ops (VariableV2, its Initializer ops or initial_value Const,
 * Assign, read, the initialized_value copies) gets the control inputs of an
 * enclosing tf.control_dependencies block, nor is recorded by it, so
 * initialising a variable never needs another one. */
vs_var *vs__variable_create(vs_graph *g, vs_thread_state *ts, const vs_var_spec *sp,
                            vs_status *st) {
  struct vs_ctrl_frame *outer = ts->ctrl;
  ts->ctrl = NULL;
  /* init_scope also restores, inside colocate_with (which empties the
   * device stack), the device stack the outermost colocation block hid: a
   * variable colocated with an op that has no device gets the enclosing
   * tf.device's; one with a device still takes the op's (colocation.c). The
   * stack is lent for the creation and taken back, whatever it left. */
  struct vs_device_stack *devices = ts->devices, *lent = vs__colocation_init_devices(ts);
  if (lent) ts->devices = lent;
  vs_var *v = variable_create(g, ts, sp, st);
  if (lent) ts->devices = devices;
  ts->ctrl = outer;
  return v;
}

VS_API vs_var *vs_variable(vs_graph *g, const vs_variable_opts *opts, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g && opts, st, "vs_variable: graph and opts must not be NULL");
  vs__lock(g);
  vs_var *v = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  /* The creators see the arguments as given; the default one checks them. */
  if (ts)
    v = vs__variable_create_via_creators(g, ts, &(vs_creator_args){
        .name = opts->name, .initial_value = opts->initial_value, .shape = opts->shape,
        .dtype = opts->dtype, .trainable = opts->trainable, .collections = opts->collections,
        .validate_shape = opts->validate_shape, .caching_device = opts->caching_device,
        .constraint = opts->constraint, .constraint_data = opts->constraint_data,
        .synchronization = opts->synchronization, .aggregation = opts->aggregation,
        .use_resource = opts->use_resource}, st);
  vs__unlock(g);
  return v;
}

VS_API vs_output vs_var_apply_constraint(vs_var *v, vs_status *st) {
  vs__ok(st);
  if (!v) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_var_apply_constraint: variable must not be NULL");
    return (vs_output){0};
  }
  vs_graph *g = v->graph;
  vs__lock(g);
  vs_output out = {0};
  if (!v->constraint) {
    vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_VALUE_ERROR, "Variable %s has no constraint",
             v->op->name);
  } else {
    out = v->constraint(g, (vs_output){v->read, 0}, v->constraint_data, st);
    if (!vs__failed(st) && (!out.op || out.op->graph != g || !out.op->has_output))
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "the constraint of %s returned no tensor of its graph", v->op->name);
    if (vs__failed(st)) out = (vs_output){0};
  }
  vs__unlock(g);
  return out;
}

/* ---- accessors ---- */
VS_API const char *vs_var_name(const vs_var *v) { return v ? vs__op_tensor_name(v->op) : NULL; /* made with the variable op: never NULL */ }
VS_API const char *vs_var_op_name(const vs_var *v) { return v ? v->op->name : NULL; }
VS_API const char *vs_var_store_key(const vs_var *v) { return v ? v->store_key : NULL; }
VS_API vs_op *vs_var_op(const vs_var *v) { return v ? v->op : NULL; }
VS_API vs_dtype vs_var_dtype(const vs_var *v) { return v ? v->dtype : VS_DTYPE_DEFAULT; }
VS_API vs_shape vs_var_shape(const vs_var *v) { return v ? v->shape : (vs_shape){.known = false}; }
VS_API bool vs_var_trainable(const vs_var *v) { return v && v->trainable; }
VS_API vs_graph *vs_var_graph(const vs_var *v) { return v ? v->graph : NULL; }
VS_API vs_op *vs_var_initializer_op(const vs_var *v) { return v ? v->assign : NULL; }
VS_API vs_output vs_var_value(const vs_var *v) { return (vs_output){v ? v->read : NULL, 0}; }
VS_API vs_output vs_var_initial_value(const vs_var *v) {
  return v ? v->initial_value : (vs_output){NULL, 0};
}
VS_API vs_initializer vs_var_initializer(const vs_var *v) {
  return v && v->initializer ? *v->initializer : (vs_initializer){0};
}
VS_API vs_synchronization vs_var_synchronization(const vs_var *v) {
  return v ? v->synchronization : VS_SYNC_AUTO;
}
VS_API vs_aggregation vs_var_aggregation(const vs_var *v) {
  return v ? v->aggregation : VS_AGG_NONE;
}
VS_API vs_constraint_fn vs_var_constraint(const vs_var *v, void **user_data) {
  if (user_data) *user_data = v ? v->constraint_data : NULL;
  return v ? v->constraint : NULL;
}

VS_API bool vs_var_is_resource(const vs_var *v) { return v && v->resource; }

VS_API const char *vs_var_dtype_name(const vs_var *v) {
  if (!v) return "";
  if (v->resource) return vs_dtype_name(v->dtype); /* a ResourceVariable prints its plain dtype */
  switch (v->dtype) {
    case VS_FLOAT: return "float32_ref";
    case VS_DOUBLE: return "float64_ref";
    case VS_INT32: return "int32_ref";
    case VS_UINT8: return "uint8_ref";
    case VS_INT16: return "int16_ref";
    case VS_INT8: return "int8_ref";
    case VS_STRING: return "string_ref";
    case VS_COMPLEX64: return "complex64_ref";
    case VS_INT64: return "int64_ref";
    case VS_BOOL: return "bool_ref";
    case VS_BFLOAT16: return "bfloat16_ref";
    case VS_UINT16: return "uint16_ref";
    case VS_COMPLEX128: return "complex128_ref";
    case VS_HALF: return "float16_ref";
    case VS_UINT32: return "uint32_ref";
    case VS_UINT64: return "uint64_ref";
    case VS_RESOURCE: case VS_DTYPE_DEFAULT: break;
  }
  return "";
}

VS_API vs_colocation_scope *vs_colocate_with_var(vs_graph *g, vs_var *v, bool ignore_existing,
                                                 vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(v, st, "vs_colocate_with_var: the variable must not be NULL");
  return vs_colocate_with(g, v->op, ignore_existing, st);
}
