/* store.c - the per-graph variable store: tf.compat.v1.get_variable, custom
 * getters and get_local_variable (TF's VariableScope.get_variable and
 * _VariableStore._get_single_variable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scope/scope_internal.h"
#include "variables/variables_internal.h"

static const char *dtype_repr(vs_dtype t, char *buf, size_t cap) {
  snprintf(buf, cap, "<dtype: '%s'>", vs_dtype_name(t));
  return buf;
}

static bool is_float(vs_dtype t) {
  return t == VS_FLOAT || t == VS_DOUBLE || t == VS_HALF || t == VS_BFLOAT16;
}

static vs_var *existing(const vs_getter_args *a, vs_var *found, vs_status *st) {
  if (a->reuse == VS_REUSE_FALSE) {
    /* TF 2.x appends " Originally defined at:" and a Python traceback for
     * RefVariables; C has no Python frames to show. */
    vs__fail(st, VS_ALREADY_EXISTS, VS_EXC_VALUE_ERROR,
             "Variable %s already exists, disallowed. Did you mean to set reuse=True or "
             "reuse=tf.AUTO_REUSE in VarScope?", a->name);
    return NULL;
  }
  if (!vs_shape_is_compatible(a->shape, found->shape)) {
    char want[256], have[256];
    vs_shape_format(a->shape, want, sizeof want);
    vs_shape_format(found->shape, have, sizeof have);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Trying to share variable %s, but specified shape %s and found shape %s.", a->name, want,
             have);
    return NULL;
  }
  if (a->dtype != found->dtype) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Trying to share variable %s, but specified dtype %s and found dtype %s.", a->name,
             vs_dtype_name(a->dtype), vs_var_dtype_name(found));
    return NULL;
  }
  return found;
}

/* Runs the regularizer of a new variable under colocate_with(v) and
 * name_scope("<name>/Regularizer/"), as make_regularizer_op does. */
static bool regularize(vs_graph *g, vs_thread_state *ts, vs_var *v, const vs_getter_args *a,
                       vs_status *st) {
  char *scope = vs__asprintf("%s/Regularizer/", v->op->name);
  if (!scope) {
    vs__oom(st);
    return false;
  }
  vs_colocation_scope *coloc = vs_colocate_with(g, v->op, false, st);
  const char *pushed = coloc ? vs__name_scope_push(g, ts, scope, st) : NULL;
  free(scope);
  if (!pushed) {
    if (coloc) vs_colocation_scope_pop(g, coloc, NULL);
    return false;
  }
  vs_output loss = a->regularizer(g, v, a->regularizer_data, st);
  vs__name_scope_pop(ts);
  vs_colocation_scope_pop(g, coloc, vs__failed(st) ? NULL : st);
  if (vs__failed(st)) return false;
  return !loss.op || vs__collection_add(g, VS_REGULARIZATION_LOSSES,
                                        (vs_item){.kind = VS_ITEM_OP, .op = loss.op}, st);
}

bool vs__default_initializer(const char *name, vs_dtype t, vs_initializer *out, vs_status *st) {
  if (is_float(t)) {
    *out = vs_glorot_uniform_initializer(VS_SEED_NONE);
  } else if (t == VS_INT8 || t == VS_INT16 || t == VS_INT32 || t == VS_INT64 || t == VS_UINT8 ||
             t == VS_UINT16 || t == VS_UINT32 || t == VS_UINT64 || t == VS_BOOL || t == VS_STRING) {
    *out = vs_zeros_initializer();
  } else {
    char buf[64];
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "An initializer for variable %s of %s is required",
             name, dtype_repr(t, buf, sizeof buf));
    return false;
  }
  return true;
}

/* _true_getter's single-variable case and _get_single_variable. */
vs_var *vs__true_getter(vs_graph *g, const vs_getter_args *a, vs_status *st) {
  if (!a || !a->name) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "get_variable: the name must not be NULL");
    return NULL;
  }
  vs_thread_state *ts = vs__thread(g, st);
  if (!ts) return NULL;
  char *part0 = vs__asprintf("%s/part_0", a->name);
  bool partitioned = part0 && vs_strmap_get(&g->store, part0);
  free(part0);
  if (partitioned) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "No partitioner was provided, but a partitioned version of the variable was found: %s/part_0. "
             "Perhaps a variable of the same name was already created with partitioning?", a->name);
    return NULL;
  }
  vs_initializer init = a->initializer;
  bool from_value = init.kind == VS_INIT_VALUE || init.kind == VS_INIT_TENSOR;
  if (a->shape.known && from_value) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "If initializer is a constant, do not specify shape.");
    return NULL;
  }
  vs_var *found = vs_strmap_get(&g->store, a->name);
  if (found) return existing(a, found, st);
  if (a->reuse == VS_REUSE_TRUE) {
    vs__fail(st, VS_NOT_FOUND, VS_EXC_VALUE_ERROR,
             "Variable %s does not exist, or was not created with tf.get_variable(). Did you mean "
             "to set reuse=tf.AUTO_REUSE in VarScope?", a->name);
    return NULL;
  }
  if (init.kind == VS_INIT_NONE) {
    if (!a->shape.known) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "Variable %s did not get an initializer, so its `shape` argument must be specified.",
               a->name);
      return NULL;
    }
    if (!vs__default_initializer(a->name, a->dtype, &init, st)) return NULL;
  }
  if (!from_value && !vs_shape_is_fully_defined(a->shape)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "The initializer passed is not valid. It should be a callable with no arguments and the "
             "shape should not be provided or an instance of `tf.keras.initializers.*' and `shape` "
             "should be fully defined.");
    return NULL;
  }
  if (!vs_strmap_put(&g->store, a->name, NULL)) {
    vs__oom(st);
    return NULL;
  }
  /* The store's own copy of the name (packed, kept until the graph is
   * freed) is the variable's key: no copy of its own (issue 10). */
  const char *key = vs_strmap_key(&g->store, a->name);
  /* The variable's own name scope is name_scope(full_name): validated at the
   * root and uniquified, so the op name can differ from the store key. */
  /* VariableV1(...) goes through the thread's variable creators. */
  vs_var *v = vs__variable_create_via_creators(g, ts, &(vs_creator_args){
      .name = a->name, .initial_value = init, .shape = a->shape,
      .dtype = from_value ? VS_DTYPE_DEFAULT : a->dtype,
      .trainable = a->trainable ? VS_OPT_TRUE : VS_OPT_FALSE, .collections = a->collections,
      .validate_shape = a->validate_shape ? VS_OPT_TRUE : VS_OPT_FALSE,
      .caching_device = a->caching_device, .constraint = a->constraint,
      .constraint_data = a->constraint_data, .synchronization = a->synchronization,
      .aggregation = a->aggregation, .use_resource = a->use_resource}, st);
  if (!v) {
    /* Not stored: a later call may create it. */
    void **slot = vs_strmap_find(&g->store, a->name);
    if (slot) *slot = NULL;
    return NULL;
  }
  vs_strmap_put(&g->store, a->name, v);
  /* A creator may hand back a variable that already has a key (one made
   * earlier by get_variable); it keeps that one. */
  if (!v->store_key) v->store_key = key;
  if (a->regularizer && !regularize(g, ts, v, a, st)) return NULL;
  return v;
}

/* A getter's result checked: a variable gets its value filled in, a tensor
 * must be one of this graph. */
static vs_getter_result checked(vs_graph *g, vs_getter_result r, const char *name, vs_status *st) {
  if (vs__failed(st)) return (vs_getter_result){0};
  if (r.var) return (vs_getter_result){r.var, vs_var_value(r.var), NULL};
  if (r.partitioned) {
    if (vs_partitioned_var_part(r.partitioned, 0) && vs_var_graph(vs_partitioned_var_part(r.partitioned, 0)) == g)
      return (vs_getter_result){.partitioned = r.partitioned};
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "custom getter for %s returned a PartitionedVariable of another graph", name ? name : "(null)");
    return (vs_getter_result){0};
  }
  if (!r.value.op) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "custom getter for %s returned no variable",
             name ? name : "(null)");
  } else if (r.value.op->graph != g || !r.value.op->has_output) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "custom getter for %s returned a tensor that is not an element of this graph",
             name ? name : "(null)");
  } else {
    return r;
  }
  return (vs_getter_result){0};
}

VS_API vs_getter_result vs_getter_call_any(const vs_getter *next, const vs_getter_args *args,
                                           vs_status *st) {
  vs__ok(st);
  if (!next || !args) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_getter_call: getter and args must not be NULL");
    return (vs_getter_result){0};
  }
  vs_graph *g = next->graph;
  vs__lock(g);
  vs_getter_result r = {0};
  const vs_getter_link *l = next->link;
  if (l) {
    vs_getter outer = {.graph = g, .link = l->outer};
    if (l->tfn) r = l->tfn(&outer, args, l->data, st);
    else r.var = l->fn(&outer, args, l->data, st);
    r = checked(g, r, args->name, st);
  } else if (vs__partitioner_applies(&args->partitioner, &args->shape)) {
    r.partitioned = vs__partitioned_getter(g, args, st);
  } else {
    r.var = vs__true_getter(g, args, st);
    if (r.var) r.value = vs_var_value(r.var);
  }
  vs__unlock(g);
  return r;
}

/* A tensor where the classic API promises a variable. */
static vs_var *only_variable(vs_getter_result r, const char *name, const char *use, vs_status *st) {
  if (r.partitioned) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "the custom getter for %s got a PartitionedVariable, not a variable; use %s", name, use);
    return NULL;
  }
  if (r.var || !r.value.op) return r.var;
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
           "the custom getter for %s returned a tensor, not a variable; use %s", name, use);
  return NULL;
}

VS_API vs_var *vs_getter_call(const vs_getter *next, const vs_getter_args *args, vs_status *st) {
  vs_getter_result r = vs_getter_call_any(next, args, st);
  return only_variable(r, args && args->name ? args->name : "(null)", "vs_getter_call_any", st);
}

/* want_partitioned: the caller is vs_get_partitioned_variable; the other
 * entry points refuse a call that a partitioner applies to, and it refuses
 * one that none applies to, before any getter runs. */
static vs_getter_result get_variable(vs_graph *g, const char *name, const vs_var_opts *opts,
                                     bool local, bool want_partitioned, vs_status *st) {
  static const vs_var_opts no_opts;
  const vs_var_opts *o = opts ? opts : &no_opts;
  const vs_getter_result none = {0};
  if (o->custom_getter && o->tensor_getter) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "custom_getter and tensor_getter cannot both be set");
    return none;
  }
  if (o->dtype != VS_DTYPE_DEFAULT && !vs_dtype_is_valid(o->dtype)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "Cannot convert value %d to a TensorFlow DType.",
             (int)o->dtype);
    return none;
  }
  if (o->shape.known && (o->shape.rank < 0 || o->shape.rank > VS_MAX_RANK)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "shape rank %d is outside 0..%d",
             o->shape.rank, VS_MAX_RANK);
    return none;
  }
  /* TensorShape(shape): -1 is VS_DIM_UNKNOWN (None), other negatives are refused. */
  for (int i = 0; o->shape.known && i < o->shape.rank; i++)
    if (o->shape.dims[i] < VS_DIM_UNKNOWN) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "Dimension %lld must be >= 0",
               (long long)o->shape.dims[i]);
      return none;
    }
  vs_thread_state *ts = vs__thread(g, st);
  if (!ts) return none;
  const vs_scope *scope = ts->current;
  /* E7 is checked against the explicit dtype before defaults apply. */
  vs_initializer init = o->initializer;
  if (o->dtype != VS_DTYPE_DEFAULT && (init.kind == VS_INIT_VALUE || init.kind == VS_INIT_TENSOR) &&
      vs__initializer_value_dtype(&init) != o->dtype) {
    char a[64], b[64];
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Initializer type '%s' and explicit dtype '%s' don't match.",
             dtype_repr(vs__initializer_value_dtype(&init), a, sizeof a), dtype_repr(o->dtype, b, sizeof b));
    return none;
  }
  if (init.kind == VS_INIT_NONE) init = scope->initializer;

  /* get_local_variable: collections + [LOCAL_VARIABLES], trainable=False. */
  const char **local_colls = NULL;
  if (local) {
    size_t n = 0;
    while (o->collections && o->collections[n]) n++;
    local_colls = malloc((n + 2) * sizeof *local_colls);
    if (!local_colls) {
      vs__oom(st);
      return none;
    }
    for (size_t i = 0; i < n; i++) local_colls[i] = o->collections[i];
    local_colls[n] = VS_LOCAL_VARIABLES;
    local_colls[n + 1] = NULL;
  }
  char *full = scope->name[0] ? vs__asprintf("%s/%s", scope->name, name) : vs__strdup(name);
  bool trainable = false;
  if (!full) {
    vs__oom(st);
    free(local_colls);
    return none;
  }
  /* VariableScope.get_variable validates these before any getter runs. */
  if (!vs__validate_sync_agg(o->synchronization, o->aggregation,
                             local ? VS_OPT_FALSE : o->trainable, full, &trainable, st)) {
    free(full);
    free(local_colls);
    return none;
  }
  vs_getter_args args = {
      .name = full,
      .shape = o->shape,
      .dtype = o->dtype ? o->dtype : scope->dtype,
      .initializer = init,
      .reuse = scope->reuse,
      .trainable = trainable,
      .collections = local ? local_colls : o->collections,
      .validate_shape = o->validate_shape != VS_OPT_FALSE,
      .caching_device = o->caching_device ? o->caching_device : scope->caching_device,
      .regularizer = o->regularizer ? o->regularizer : scope->regularizer,
      .regularizer_data = o->regularizer ? o->regularizer_data : scope->regularizer_data,
      .constraint = o->constraint ? o->constraint : scope->constraint,
      .constraint_data = o->constraint ? o->constraint_data : scope->constraint_data,
      .synchronization = o->synchronization,
      .aggregation = o->aggregation,
      .partitioner = o->partitioner.kind != VS_PARTITIONER_NONE ? o->partitioner : scope->partitioner,
      .use_resource = o->use_resource != VS_OPT_DEFAULT ? o->use_resource : scope->use_resource,
  };
  if (vs__partitioner_applies(&args.partitioner, &args.shape) != want_partitioned) {
    if (want_partitioned)
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "no partitioner applies to %s: it is a single variable; use vs_get_variable", full);
    else
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "a partitioner applies to %s: it is a PartitionedVariable; use vs_get_partitioned_variable",
               full);
    free(full);
    free(local_colls);
    return none;
  }
  vs_getter_link own = {.fn = o->custom_getter, .tfn = o->tensor_getter,
                        .data = o->custom_getter ? o->custom_getter_data : o->tensor_getter_data};
  vs_getter chain = {.graph = g,
                     .link = o->custom_getter || o->tensor_getter ? &own : scope->getter};
  vs_getter_result v = none;
  /* Variable names depend only on the variable scope: the name scope is
   * reset to the root while the variable is made. */
  size_t depth = ts->ns_depth;
  char *saved = vs__strdup(ts->name_stack);
  if (!saved) {
    vs__oom(st);
  } else if (vs__name_scope_enter(g, ts, NULL, st)) {
    v = vs_getter_call_any(&chain, &args, st);
    vs__name_scope_restore(ts, saved, depth);
  }
  free(saved);
  free(full);
  free(local_colls);
  return v;
}

VS_API vs_getter_result vs_get_variable_any(vs_graph *g, const char *name, const vs_var_opts *opts,
                                            vs_status *st) {
  vs__ok(st);
  if (!g || !name) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_get_variable_any: graph and name must not be NULL");
    return (vs_getter_result){0};
  }
  vs__lock(g);
  vs_getter_result r = get_variable(g, name, opts, false, false, st);
  vs__unlock(g);
  return r;
}

static vs_partitioned_var *get_partitioned(vs_graph *g, const char *name, const vs_var_opts *opts,
                                           bool local, vs_status *st) {
  vs__lock(g);
  vs_getter_result r = get_variable(g, name, opts, local, true, st);
  vs_partitioned_var *p = r.partitioned;
  if (!p && (r.var || r.value.op))
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "the custom getter for %s returned a variable or tensor, not a PartitionedVariable", name);
  vs__unlock(g);
  return p;
}

VS_API vs_partitioned_var *vs_get_partitioned_variable(vs_graph *g, const char *name,
                                                       const vs_var_opts *opts, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g && name, st, "vs_get_partitioned_variable: graph and name must not be NULL");
  return get_partitioned(g, name, opts, false, st);
}

VS_API vs_partitioned_var *vs_get_local_partitioned_variable(vs_graph *g, const char *name,
                                                             const vs_var_opts *opts, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g && name, st, "vs_get_local_partitioned_variable: graph and name must not be NULL");
  return get_partitioned(g, name, opts, true, st);
}

/* The classic calls: a getter chain that returned a tensor is an error. */
static vs_var *get_only_variable(vs_graph *g, const char *name, const vs_var_opts *opts,
                                 bool local, vs_status *st) {
  vs__lock(g);
  vs_getter_result r = get_variable(g, name, opts, local, false, st);
  vs_var *v = NULL;
  if (r.var || (!r.value.op && !r.partitioned)) {
    v = r.var;
  } else {
    vs_thread_state *ts = vs__thread(g, st);
    const char *scope = ts ? ts->current->name : "";
    char *full = scope[0] ? vs__asprintf("%s/%s", scope, name) : vs__strdup(name);
    v = only_variable(r, full ? full : name, "vs_get_variable_any", st);
    free(full);
  }
  vs__unlock(g);
  return v;
}

VS_API vs_var *vs_get_variable(vs_graph *g, const char *name, const vs_var_opts *opts,
                               vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g && name, st, "vs_get_variable: graph and name must not be NULL");
  return get_only_variable(g, name, opts, false, st);
}

VS_API vs_var *vs_get_local_variable(vs_graph *g, const char *name, const vs_var_opts *opts,
                                     vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g && name, st, "vs_get_local_variable: graph and name must not be NULL");
  return get_only_variable(g, name, opts, true, st);
}
