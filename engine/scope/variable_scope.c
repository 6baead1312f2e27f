/* variable_scope.c - tf.compat.v1.variable_scope: entry, exit and the
 * VariableScope object (TF 1.15's variable_scope / _pure_variable_scope). */
#include <stdlib.h>
#include <string.h>

#include "scope/scope_internal.h"
#include "variables/variables_internal.h"

void vs__scope_free(vs_scope *s) {
  if (!s) return;
  free(s->name);
  free(s->name_scope);
  free(s->caching_device);
  free(s);
}

static vs_scope *scope_new(vs_graph *g, const char *name, const char *name_scope, vs_status *st) {
  vs_scope *s = calloc(1, sizeof *s);
  if (s) {
    s->graph = g;
    s->name = vs__strdup(name);
    s->name_scope = vs__strdup(name_scope);
    s->reuse = VS_REUSE_FALSE;
    s->dtype = VS_FLOAT;
  }
  if (!s || !s->name || !s->name_scope || !VS_GROW(g->scopes, g->scopes_cap, g->n_scopes + 1)) {
    vs__scope_free(s);
    vs__oom(st);
    return NULL;
  }
  g->scopes[g->n_scopes++] = s;
  return s;
}

vs_scope *vs__scope_new_root(vs_graph *g, vs_status *st) { return scope_new(g, "", "", st); }

/* A new scope object with `from`'s defaults (TF copies them field by field). */
static vs_scope *scope_inherit(vs_graph *g, const vs_scope *from, const char *name,
                               const char *name_scope, vs_reuse reuse, vs_status *st) {
  vs_scope *s = scope_new(g, name, name_scope, st);
  if (!s) return NULL;
  s->reuse = reuse;
  s->initializer = from->initializer;
  s->dtype = from->dtype;
  s->getter = from->getter;
  s->regularizer = from->regularizer;
  s->regularizer_data = from->regularizer_data;
  s->partitioner = from->partitioner;
  s->use_resource = from->use_resource;
  /* The constraint is not copied: TF builds every VariableScope with
   * constraint=self._constraint, the argument of this entry only. */
  if (from->caching_device && !(s->caching_device = vs__strdup(from->caching_device))) {
    vs__oom(st);
    return NULL; /* s stays owned by the graph */
  }
  return s;
}

const vs_getter_link *vs__getter_compose(vs_graph *g, vs_custom_getter_fn fn,
                                         vs_tensor_getter_fn tfn, void *data,
                                         const vs_getter_link *outer, vs_status *st) {
  vs_getter_link *l = malloc(sizeof *l);
  if (!l) {
    vs__oom(st);
    return NULL;
  }
  *l = (vs_getter_link){.fn = fn, .tfn = tfn, .data = data, .outer = outer};
  return vs__keep_string(g, (char *)l, st) ? l : NULL;
}

/* Explicit arguments override what the scope inherited. */
static bool apply_overrides(vs_graph *g, vs_scope *s, const vs_varscope_opts *o, vs_status *st) {
  if (o->initializer.kind != VS_INIT_NONE) {
    s->initializer = o->initializer;
    if (!vs__initializer_own(g, &s->initializer, st)) return false;
  }
  if (o->partitioner.kind != VS_PARTITIONER_NONE) s->partitioner = o->partitioner;
  if ((unsigned)o->use_resource > VS_OPT_FALSE) { /* C-only: an int outside the enum */
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "variable_scope: use_resource %d is not a vs_opt_bool",
             (int)o->use_resource);
    return false;
  }
  if (o->use_resource != VS_OPT_DEFAULT) s->use_resource = o->use_resource;
  if (o->regularizer) {
    s->regularizer = o->regularizer;
    s->regularizer_data = o->regularizer_data;
  }
  if (o->caching_device) {
    free(s->caching_device);
    if (!(s->caching_device = vs__strdup(o->caching_device))) {
      vs__oom(st);
      return false;
    }
  }
  if (o->custom_getter &&
      !(s->getter = vs__getter_compose(g, o->custom_getter, NULL, o->custom_getter_data,
                                       s->getter, st)))
    return false;
  if (o->tensor_getter &&
      !(s->getter = vs__getter_compose(g, NULL, o->tensor_getter, o->tensor_getter_data,
                                       s->getter, st)))
    return false;
  if (o->constraint) {
    s->constraint = o->constraint;
    s->constraint_data = o->constraint_data;
  }
  if (o->dtype != VS_DTYPE_DEFAULT) s->dtype = o->dtype;
  return true;
}

static intptr_t scope_count(vs_thread_state *ts, const char *name) {
  return (intptr_t)vs_strmap_get(&ts->scope_counts, name);
}

static bool open_variable_scope(vs_thread_state *ts, const char *name, vs_status *st) {
  if (vs_strmap_put(&ts->scope_counts, name, (void *)(scope_count(ts, name) + 1))) return true;
  vs__oom(st);
  return false;
}

static void close_variable_subscopes(vs_thread_state *ts, const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; i < ts->scope_counts.cap; i++) {
    const char *k = ts->scope_counts.keys[i];
    if (k && strncmp(k, name, n) == 0 && k[n] == '/') ts->scope_counts.vals[i] = 0;
  }
}

/* _get_unique_variable_scope: prefix, or prefix_N for the first N whose
 * full name has not been opened under the current scope. */
static char *unique_variable_scope(vs_thread_state *ts, const char *prefix) {
  const char *cur = ts->current->name;
  char *full = cur[0] ? vs__asprintf("%s/%s", cur, prefix) : vs__strdup(prefix);
  if (!full) return NULL;
  char *out = NULL;
  if (scope_count(ts, full) == 0) {
    out = vs__strdup(prefix);
  } else {
    for (long idx = 1;; idx++) {
      char *cand = vs__asprintf("%s_%ld", full, idx);
      if (!cand) break;
      bool used = scope_count(ts, cand) > 0;
      free(cand);
      if (!used) {
        out = vs__asprintf("%s_%ld", prefix, idx);
        break;
      }
    }
  }
  free(full);
  return out;
}

static const char *last_component(const char *name) {
  const char *slash = strrchr(name, '/');
  return slash ? slash + 1 : name;
}

static vs_scope *enter(vs_graph *g, const char *name, vs_scope *obj, const vs_varscope_opts *opts,
                       vs_status *st) {
  static const vs_varscope_opts no_opts;
  const vs_varscope_opts *o = opts ? opts : &no_opts;
  vs_reuse reuse = o->reuse;
  /* variable_scope.__init__ */
  if (!name && !obj && !o->default_name) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
             "If default_name is None then name_or_scope is required");
    return NULL;
  }
  if (reuse == VS_REUSE_FALSE) reuse = VS_REUSE_INHERIT; /* False = None here */
  if (reuse != VS_REUSE_INHERIT && reuse != VS_REUSE_TRUE && reuse != VS_REUSE_AUTO) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "The reuse parameter must be True or False or None.");
    return NULL;
  }
  if (o->auxiliary_name_scope != VS_OPT_DEFAULT && o->auxiliary_name_scope != VS_OPT_TRUE &&
      o->auxiliary_name_scope != VS_OPT_FALSE) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
             "The auxiliary_name_scope must be `True` or `False`, while get %d",
             (int)o->auxiliary_name_scope);
    return NULL;
  }
  if (o->dtype != VS_DTYPE_DEFAULT && !vs_dtype_is_valid(o->dtype)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "Cannot convert value %d to a TensorFlow DType.",
             (int)o->dtype);
    return NULL;
  }
  if (o->custom_getter && o->tensor_getter) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "custom_getter and tensor_getter cannot both be set");
    return NULL;
  }
  bool aux = o->auxiliary_name_scope != VS_OPT_FALSE;

  vs_thread_state *ts = vs__thread(g, st);
  if (!ts) return NULL;
  if (!name && !obj && reuse != VS_REUSE_INHERIT) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "reuse=True cannot be used without a name_or_scope");
    return NULL;
  }
  if (!VS_GROW(ts->frames, ts->frames_cap, ts->n_frames + 1)) {
    vs__oom(st);
    return NULL;
  }
  vs_vscope_frame fr = {.old = ts->current, .by_object = obj != NULL,
                        .saved_ns_depth = ts->ns_depth,
                        .saved_name_stack = vs__strdup(ts->name_stack)};
  if (!fr.saved_name_stack) {
    vs__oom(st);
    return NULL;
  }
  /* auxiliary_name_scope=False re-enters the current name scope instead. */
  char *reenter = ts->name_stack[0] ? vs__asprintf("%s/", ts->name_stack) : vs__strdup("");
  const char *ns_arg = NULL, *yielded = NULL;
  vs_scope *s = NULL;
  if (!reenter) {
    vs__oom(st);
    goto fail;
  }
  if (name || obj) {
    ns_arg = aux ? (name ? name : last_component(obj->name)) : reenter;
    if (ns_arg[0] || !aux) {
      if (!(yielded = vs__name_scope_push(g, ts, ns_arg, st))) goto fail;
    }
    if (obj) {
      vs_reuse r = reuse != VS_REUSE_INHERIT ? reuse : obj->reuse;
      s = scope_inherit(g, obj, obj->name, obj->name_scope, r, st);
      if (!s || !apply_overrides(g, s, o, st)) goto fail;
      if (!open_variable_scope(ts, s->name, st)) goto fail;
      if (!vs_strmap_copy(&fr.saved_counts, &ts->scope_counts)) {
        vs__oom(st);
        goto fail;
      }
    } else {
      vs_scope *old = ts->current;
      char *full = old->name[0] ? vs__asprintf("%s/%s", old->name, name) : vs__strdup(name);
      vs_reuse r = reuse != VS_REUSE_INHERIT ? reuse : old->reuse;
      s = full ? scope_inherit(g, old, full, yielded ? yielded : name, r, st) : NULL;
      free(full);
      if (!s) {
        vs__oom(st);
        goto fail;
      }
      if (!apply_overrides(g, s, o, st) || !open_variable_scope(ts, s->name, st)) goto fail;
    }
  } else {
    if (!(yielded = vs__name_scope_push(g, ts, aux ? o->default_name : reenter, st))) goto fail;
    char *unique = unique_variable_scope(ts, o->default_name);
    vs_scope *old = ts->current;
    char *full = !unique ? NULL
                 : old->name[0] ? vs__asprintf("%s/%s", old->name, unique)
                                : vs__strdup(unique);
    free(unique);
    s = full ? scope_inherit(g, old, full, yielded, old->reuse, st) : NULL;
    free(full);
    if (!s) {
      vs__oom(st);
      goto fail;
    }
    if (!apply_overrides(g, s, o, st) || !open_variable_scope(ts, s->name, st)) goto fail;
  }
  free(reenter);
  fr.entered = s;
  ts->frames[ts->n_frames++] = fr;
  ts->current = s;
  return s;
fail:
  /* Nothing stays entered; a scope object already made is owned by the graph. */
  vs__name_scope_restore(ts, fr.saved_name_stack, fr.saved_ns_depth);
  vs_strmap_free(&fr.saved_counts);
  free(fr.saved_name_stack);
  free(reenter);
  return NULL;
}

VS_API vs_scope *vs_variable_scope_push(vs_graph *g, const char *name,
                                        const vs_varscope_opts *opts, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "vs_variable_scope_push: graph must not be NULL");
  vs__lock(g);
  vs_scope *s = enter(g, name, NULL, opts, st);
  vs__unlock(g);
  return s;
}

VS_API vs_scope *vs_variable_scope_push_scope(vs_graph *g, vs_scope *scope,
                                              const vs_varscope_opts *opts, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "vs_variable_scope_push_scope: graph must not be NULL");
  if (!scope || scope->graph != g) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
             "VariableScope: name_or_scope must be a string or VariableScope.");
    return NULL;
  }
  vs__lock(g);
  vs_scope *s = enter(g, NULL, scope, opts, st);
  vs__unlock(g);
  return s;
}

VS_API void vs_variable_scope_pop(vs_graph *g, vs_scope *scope, vs_status *st) {
  vs__ok(st);
  if (!g || !scope) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_variable_scope_pop: graph and scope must not be NULL");
    return;
  }
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  if (ts) {
    vs_vscope_frame *fr = ts->n_frames ? &ts->frames[ts->n_frames - 1] : NULL;
    if (!fr || fr->entered != scope || ts->current != scope) {
      vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR, "Improper nesting of variable_scope.");
    } else {
      if (fr->by_object) {
        /* Jumping out of a re-entered scope restores the counts. */
        vs_strmap_free(&ts->scope_counts);
        ts->scope_counts = fr->saved_counts;
        fr->saved_counts = (vs_strmap){0};
      } else {
        close_variable_subscopes(ts, scope->name);
      }
      ts->current = fr->old;
      vs__name_scope_restore(ts, fr->saved_name_stack, fr->saved_ns_depth);
      free(fr->saved_name_stack);
      ts->n_frames--;
    }
  }
  vs__unlock(g);
}

VS_API vs_scope *vs_get_variable_scope(vs_graph *g) {
  if (!g) return NULL;
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, NULL);
  vs_scope *s = ts ? ts->current : NULL;
  vs__unlock(g);
  return s;
}

VS_API const char *vs_scope_name(const vs_scope *s) { return s ? s->name : NULL; }
VS_API const char *vs_scope_original_name_scope(const vs_scope *s) { return s ? s->name_scope : NULL; }
/* The name and name scope are fixed at creation; reuse, initializer and
 * dtype have setters, so they are read under the graph lock. */
VS_API vs_reuse vs_scope_reuse(const vs_scope *s) {
  if (!s) return VS_REUSE_FALSE;
  vs__lock(s->graph);
  vs_reuse r = s->reuse;
  vs__unlock(s->graph);
  return r;
}

VS_API void vs_scope_reuse_variables(vs_scope *s) {
  if (!s) return;
  vs__lock(s->graph);
  s->reuse = VS_REUSE_TRUE;
  vs__unlock(s->graph);
}

VS_API vs_initializer vs_scope_initializer(const vs_scope *s) {
  if (!s) return (vs_initializer){0};
  vs__lock(s->graph);
  vs_initializer init = s->initializer;
  vs__unlock(s->graph);
  return init;
}
VS_API vs_dtype vs_scope_dtype(const vs_scope *s) {
  if (!s) return VS_DTYPE_DEFAULT;
  vs__lock(s->graph);
  vs_dtype d = s->dtype;
  vs__unlock(s->graph);
  return d;
}

VS_API void vs_scope_set_initializer(vs_scope *s, vs_initializer init, vs_status *st) {
  vs__ok(st);
  if (!s) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_scope_set_initializer: scope must not be NULL");
    return;
  }
  vs__lock(s->graph);
  if (vs__initializer_own(s->graph, &init, st)) s->initializer = init;
  vs__unlock(s->graph);
}

VS_API void vs_scope_set_dtype(vs_scope *s, vs_dtype dtype, vs_status *st) {
  vs__ok(st);
  if (!s || !vs_dtype_is_valid(dtype)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "Cannot convert value %d to a TensorFlow DType.",
             (int)dtype);
    return;
  }
  vs__lock(s->graph);
  s->dtype = dtype;
  vs__unlock(s->graph);
}

static bool scope_given(const vs_scope *s, const char *fn, vs_status *st) {
  vs__ok(st);
  if (s) return true;
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "%s: scope must not be NULL", fn);
  return false;
}

VS_API void vs_scope_set_caching_device(vs_scope *s, const char *device, vs_status *st) {
  if (!scope_given(s, "vs_scope_set_caching_device", st)) return;
  char *copy = device ? vs__strdup(device) : NULL;
  if (device && !copy) {
    vs__oom(st);
    return;
  }
  vs__lock(s->graph);
  /* The old string may still be held by a reader (vs_scope_caching_device
   * hands it out borrowed), so the graph keeps it. */
  if (!s->caching_device || vs__keep_string(s->graph, s->caching_device, st))
    s->caching_device = copy;
  else
    free(copy);
  vs__unlock(s->graph);
}

VS_API void vs_scope_set_regularizer(vs_scope *s, vs_regularizer_fn fn, void *user_data,
                                     vs_status *st) {
  if (!scope_given(s, "vs_scope_set_regularizer", st)) return;
  vs__lock(s->graph);
  s->regularizer = fn;
  s->regularizer_data = fn ? user_data : NULL;
  vs__unlock(s->graph);
}

VS_API void vs_scope_set_custom_getter(vs_scope *s, vs_custom_getter_fn fn, void *user_data,
                                       vs_status *st) {
  if (!scope_given(s, "vs_scope_set_custom_getter", st)) return;
  vs__lock(s->graph);
  if (!fn) {
    s->getter = NULL;
  } else {
    /* A chain of one: the getters inherited from outer scopes are dropped. */
    const vs_getter_link *l = vs__getter_compose(s->graph, fn, NULL, user_data, NULL, st);
    if (l) s->getter = l;
  }
  vs__unlock(s->graph);
}

VS_API const char *vs_scope_caching_device(const vs_scope *s) {
  if (!s) return NULL;
  vs__lock(s->graph);
  const char *d = s->caching_device;
  vs__unlock(s->graph);
  return d;
}

VS_API vs_regularizer_fn vs_scope_regularizer(const vs_scope *s, void **user_data) {
  if (user_data) *user_data = NULL;
  if (!s) return NULL;
  vs__lock(s->graph);
  vs_regularizer_fn fn = s->regularizer;
  if (user_data) *user_data = s->regularizer_data;
  vs__unlock(s->graph);
  return fn;
}

VS_API vs_custom_getter_fn vs_scope_custom_getter(const vs_scope *s, void **user_data) {
  if (user_data) *user_data = NULL;
  if (!s) return NULL;
  vs__lock(s->graph);
  vs_custom_getter_fn fn = s->getter ? s->getter->fn : NULL; /* NULL for a tensor getter */
  if (user_data && fn) *user_data = s->getter->data;
  vs__unlock(s->graph);
  return fn;
}

VS_API vs_constraint_fn vs_scope_constraint(const vs_scope *s, void **user_data) {
  if (user_data) *user_data = NULL;
  if (!s) return NULL;
  vs__lock(s->graph);
  vs_constraint_fn fn = s->constraint;
  if (user_data) *user_data = s->constraint_data;
  vs__unlock(s->graph);
  return fn;
}

VS_API size_t vs_scope_get_collection_vars(vs_scope *s, const char *key, vs_var **out, size_t cap,
                                           vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(s && key, st, "vs_scope_get_collection_vars: scope and key must not be NULL");
  char *prefix = s->name[0] ? vs__asprintf("%s/", s->name) : vs__strdup("");
  if (!prefix) {
    vs__oom(st);
    return 0;
  }
  size_t n = vs_get_collection_vars(s->graph, key, prefix, out, cap, st);
  free(prefix);
  return n;
}

VS_API void vs_scope_set_partitioner(vs_scope *s, vs_partitioner partitioner, vs_status *st) {
  if (!scope_given(s, "vs_scope_set_partitioner", st)) return;
  if ((unsigned)partitioner.kind > VS_PARTITIONER_MIN_MAX ||
      (partitioner.kind == VS_PARTITIONER_FN && !partitioner.fn)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_scope_set_partitioner: not a partitioner (kind %d)", (int)partitioner.kind);
    return;
  }
  vs__lock(s->graph);
  s->partitioner = partitioner;
  vs__unlock(s->graph);
}

VS_API vs_partitioner vs_scope_partitioner(const vs_scope *s) {
  if (!s) return (vs_partitioner){0};
  vs__lock(s->graph);
  vs_partitioner p = s->partitioner;
  vs__unlock(s->graph);
  return p;
}

VS_API void vs_scope_set_use_resource(vs_scope *s, vs_opt_bool use_resource, vs_status *st) {
  if (!scope_given(s, "vs_scope_set_use_resource", st)) return;
  if ((unsigned)use_resource > VS_OPT_FALSE) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_scope_set_use_resource: %d is not a vs_opt_bool", (int)use_resource);
    return;
  }
  vs__lock(s->graph);
  s->use_resource = use_resource;
  vs__unlock(s->graph);
}

VS_API vs_opt_bool vs_scope_use_resource(const vs_scope *s) {
  if (!s) return VS_OPT_DEFAULT;
  vs__lock(s->graph);
  vs_opt_bool u = s->use_resource;
  vs__unlock(s->graph);
  return u;
}
