/* creator.c - tf.variable_creator_scope: the per-thread stack of variable
 * creators every new variable goes through (TF's
 * Graph._variable_creator_scope and VariableMetaclass._variable_v1_call),
 * and the default creator's argument checks. */
#include <stdlib.h>

#include "variables/variables_internal.h"

/* One entry; `outer` is the scope it was pushed inside. Graph-owned (kept
 * with vs__keep_string) so a handle stays valid after its pop. */
struct vs_creator_scope {
  vs_graph *graph;
  vs_variable_creator_fn fn;
  void *data;
  struct vs_creator_scope *outer;
};

struct vs_creator {
  vs_graph *graph;
  const struct vs_creator_scope *link; /* NULL: the default creator */
};

VS_API const char *vs_synchronization_name(vs_synchronization s) {
  switch (s) {
    case VS_SYNC_AUTO: return "AUTO";
    case VS_SYNC_NONE: return "NONE";
    case VS_SYNC_ON_WRITE: return "ON_WRITE";
    case VS_SYNC_ON_READ: return "ON_READ";
  }
  return "";
}

VS_API const char *vs_aggregation_name(vs_aggregation a) {
  switch (a) {
    case VS_AGG_NONE: return "NONE";
    case VS_AGG_SUM: return "SUM";
    case VS_AGG_MEAN: return "MEAN";
    case VS_AGG_ONLY_FIRST_REPLICA: return "ONLY_FIRST_REPLICA";
  }
  return "";
}

bool vs__validate_sync_agg(vs_synchronization sync, vs_aggregation agg, vs_opt_bool trainable,
                           const char *name, bool *trainable_out, vs_status *st) {
  /* The enums are read as ints: a caller may pass any value. */
  int a = (int)agg, s = (int)sync;
  if (a < VS_AGG_NONE || a > VS_AGG_ONLY_FIRST_REPLICA) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Invalid variable aggregation mode: %d for variable: %s", a, name ? name : "None");
    return false;
  }
  if (s < VS_SYNC_AUTO || s > VS_SYNC_ON_READ) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Invalid variable synchronization mode: %d for variable: %s", s, name ? name : "None");
    return false;
  }
  *trainable_out = trainable == VS_OPT_DEFAULT ? sync != VS_SYNC_ON_READ : trainable != VS_OPT_FALSE;
  return true;
}

/* default_variable_creator for RefVariables. */
static vs_var *default_creator(vs_graph *g, vs_thread_state *ts, const vs_creator_args *a,
                               vs_status *st) {
  bool trainable;
  if (!vs__validate_sync_agg(a->synchronization, a->aggregation, a->trainable, a->name, &trainable,
                             st))
    return NULL;
  /* default_variable_creator: use_resource=None takes the current variable
   * scope's, then the graph's switch (TF's _DEFAULT_USE_RESOURCE). */
  vs_opt_bool use = a->use_resource;
  if ((unsigned)use > VS_OPT_FALSE) { /* C-only: an int outside the enum */
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "use_resource for %s: %d is not a vs_opt_bool",
             a->name ? a->name : "Variable", (int)use);
    return NULL;
  }
  if (use == VS_OPT_DEFAULT) {
    vs_scope *scope = vs_get_variable_scope(g);
    use = scope ? vs_scope_use_resource(scope) : VS_OPT_DEFAULT;
  }
  bool resource = use == VS_OPT_DEFAULT ? g->use_resource : use == VS_OPT_TRUE;
  return vs__variable_create(g, ts, &(vs_var_spec){
      .name = a->name, .init = a->initial_value, .shape = a->shape, .dtype = a->dtype,
      .trainable = trainable, .collections = a->collections,
      .validate_shape = a->validate_shape != VS_OPT_FALSE, .caching_device = a->caching_device,
      .constraint = a->constraint, .constraint_data = a->constraint_data,
      .synchronization = a->synchronization, .aggregation = a->aggregation,
      .resource = resource}, st);
}

VS_API void vs_enable_resource_variables(vs_graph *g, bool enable, vs_status *st) {
  vs__ok(st);
  if (!g) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_enable_resource_variables: graph must not be NULL");
    return;
  }
  vs__lock(g);
  g->use_resource = enable;
  vs__unlock(g);
}

VS_API bool vs_resource_variables_enabled(vs_graph *g) {
  if (!g) return false;
  vs__lock(g);
  bool on = g->use_resource;
  vs__unlock(g);
  return on;
}

VS_API vs_var *vs_creator_call(const vs_creator *next, const vs_creator_args *args, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(next && args, st, "vs_creator_call: creator and args must not be NULL");
  vs_graph *g = next->graph;
  vs__lock(g);
  vs_var *v = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (ts && next->link) {
    vs_creator outer = {.graph = g, .link = next->link->outer};
    v = next->link->fn(&outer, args, next->link->data, st);
    if (!v && !vs__failed(st))
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "variable creator for %s returned no variable", args->name ? args->name : "Variable");
  } else if (ts) {
    v = default_creator(g, ts, args, st);
  }
  vs__unlock(g);
  return v;
}

vs_var *vs__variable_create_via_creators(vs_graph *g, vs_thread_state *ts,
                                         const vs_creator_args *args, vs_status *st) {
  if (!ts->creators) return default_creator(g, ts, args, st);
  vs_creator chain = {.graph = g, .link = ts->creators};
  return vs_creator_call(&chain, args, st);
}

VS_API vs_creator_scope *vs_variable_creator_scope_push(vs_graph *g, vs_variable_creator_fn fn,
                                                        void *user_data, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g && fn, st, "vs_variable_creator_scope_push: graph and fn must not be NULL");
  vs__lock(g);
  vs_creator_scope *s = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (ts) {
    s = malloc(sizeof *s);
    if (!s) {
      vs__oom(st);
    } else {
      *s = (vs_creator_scope){.graph = g, .fn = fn, .data = user_data, .outer = ts->creators};
      if (vs__keep_string(g, (char *)s, st)) ts->creators = s;
      else s = NULL; /* freed by vs__keep_string's failure path */
    }
  }
  vs__unlock(g);
  return s;
}

VS_API void vs_variable_creator_scope_pop(vs_graph *g, vs_creator_scope *scope, vs_status *st) {
  vs__ok(st);
  if (!g || !scope) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_variable_creator_scope_pop: graph and scope must not be NULL");
    return;
  }
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  if (ts && ts->creators != scope)
    vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "Exiting variable_creator_scope without proper nesting.");
  else if (ts)
    ts->creators = scope->outer;
  vs__unlock(g);
}
