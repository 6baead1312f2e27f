/* graph.c - graph lifetime, per-thread scope state, operations. */
#include <stdlib.h>
#include <string.h>

#include "graph/graph_internal.h"

static void free_thread(vs_thread_state *ts);

static void unlink_thread(vs_thread_state *ts) {
  vs_graph *g = ts->graph;
  if (ts->prev) ts->prev->next = ts->next;
  else g->threads = ts->next;
  if (ts->next) ts->next->prev = ts->prev;
}

/* A thread that used the graph exits: its scope state goes with it, so a
 * later thread (which may get the same pthread_t) starts at the root. */
static void thread_exit(void *p) {
  vs_thread_state *ts = p;
  vs_graph *g = ts->graph;
  pthread_mutex_lock(&g->mu);
  unlink_thread(ts);
  free_thread(ts);
  pthread_mutex_unlock(&g->mu);
}

VS_API vs_graph *vs_graph_new(void) {
  vs_graph *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  int rc = pthread_mutex_init(&g->mu, &attr);
  pthread_mutexattr_destroy(&attr);
  if (rc != 0) {
    free(g);
    return NULL;
  }
  if (pthread_key_create(&g->thread_key, thread_exit) != 0) {
    pthread_mutex_destroy(&g->mu);
    free(g);
    return NULL;
  }
  return g;
}

static void free_op(vs_op *op) {
  free(op->name);
  free(op->tensor_name);
  free(op->device);
  free(op->colocate);
  free(op->inputs);
  free(op->controls);
  free(op->data);
  free(op->var_list);
  free(op);
}

static void free_thread(vs_thread_state *ts) {
  for (size_t i = 0; i < ts->n_frames; i++) {
    vs_strmap_free(&ts->frames[i].saved_counts);
    free(ts->frames[i].saved_name_stack);
  }
  free(ts->frames);
  for (size_t i = 0; i < ts->ns_depth; i++) free(ts->ns_saved[i]);
  free(ts->ns_saved);
  free(ts->name_stack);
  vs_strmap_free(&ts->scope_counts);
  vs__placement_free(ts->devices);
  vs__control_free(ts->ctrl);
  free(ts);
}

VS_API void vs_graph_free(vs_graph *g) {
  if (!g || vs__graph_defer_free(g)) return;
  for (size_t i = 0; i < g->n_ops; i++) free_op(g->ops[i]);
  free(g->ops);
  for (size_t i = 0; i < g->n_vars; i++) vs__var_free(g->vars[i]);
  free(g->vars);
  for (size_t i = 0; i < g->n_scopes; i++) vs__scope_free(g->scopes[i]);
  free(g->scopes);
  for (size_t i = 0; i < g->n_colls; i++) {
    free(g->colls[i].key);
    free(g->colls[i].items);
  }
  free(g->colls);
  for (size_t i = 0; i < g->n_strings; i++) free(g->strings[i]);
  free(g->strings);
  /* Deleting the key first: exiting threads no longer touch this graph. */
  pthread_setspecific(g->thread_key, NULL);
  pthread_key_delete(g->thread_key);
  while (g->threads) {
    vs_thread_state *next = g->threads->next;
    free_thread(g->threads);
    g->threads = next;
  }
  vs_strmap_free(&g->op_by_name);
  vs_strmap_free(&g->names_in_use);
  vs_strmap_free(&g->store);
  vs_strmap_free(&g->coll_index);
  pthread_mutex_destroy(&g->mu);
  free(g);
}

void vs__lock(vs_graph *g) { pthread_mutex_lock(&g->mu); }
void vs__unlock(vs_graph *g) { pthread_mutex_unlock(&g->mu); }

vs_thread_state *vs__thread(vs_graph *g, vs_status *st) {
  vs_thread_state *ts = pthread_getspecific(g->thread_key);
  if (ts) return ts;
  ts = calloc(1, sizeof *ts);
  if (!ts || !(ts->name_stack = vs__strdup(""))) {
    free(ts);
    vs__oom(st);
    return NULL;
  }
  ts->graph = g;
  ts->root = vs__scope_new_root(g, st);
  if (!ts->root || pthread_setspecific(g->thread_key, ts) != 0) {
    if (ts->root) vs__oom(st);
    free_thread(ts);
    return NULL;
  }
  ts->current = ts->root;
  ts->next = g->threads;
  if (g->threads) g->threads->prev = ts;
  g->threads = ts;
  return ts;
}

const char *vs__keep_string(vs_graph *g, char *s, vs_status *st) {
  if (!s || !VS_GROW(g->strings, g->strings_cap, g->n_strings + 1)) {
    free(s);
    vs__oom(st);
    return NULL;
  }
  g->strings[g->n_strings++] = s;
  return s;
}

vs_op *vs__op_create(vs_graph *g, const vs_op_spec *spec, vs_status *st) {
  if (vs_strmap_get(&g->op_by_name, spec->name)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "Duplicate node name in graph: '%s'",
             spec->name);
    return NULL;
  }
  vs_op *op = calloc(1, sizeof *op);
  if (!op) goto oom;
  op->graph = g;
  op->type = spec->type;
  op->name = vs__strdup(spec->name);
  op->tensor_name = vs__asprintf("%s:0", spec->name);
  op->device = vs__strdup("");
  op->has_output = spec->has_output;
  op->dtype = spec->dtype;
  op->shape = spec->shape;
  if (!op->name || !op->tensor_name || !op->device) goto oom;
  if (spec->n_inputs > 0) {
    op->inputs = malloc((size_t)spec->n_inputs * sizeof *op->inputs);
    if (!op->inputs) goto oom;
    memcpy(op->inputs, spec->inputs, (size_t)spec->n_inputs * sizeof *op->inputs);
    op->n_inputs = spec->n_inputs;
  }
  if (!VS_GROW(g->ops, g->ops_cap, g->n_ops + 1)) goto oom;
  if (spec->colocate_with) {
    free(op->device);
    if (!(op->device = vs__strdup(spec->colocate_with->device))) goto oom;
    if (!(op->colocate = vs__strdup(spec->colocate_with->name))) goto oom;
  }
  vs_thread_state *ts = vs__thread(g, st);
  if (ts && ts->init_colocate && !spec->colocate_with &&
      !(op->colocate = vs__strdup(ts->init_colocate)))
    goto oom;
  if (!ts || (!spec->colocate_with && !spec->no_device && !ts->init_colocate &&
              !vs__placement_apply(g, ts, op, st)) ||
      !vs__control_apply(ts, op, st)) {
    free_op(op);
    return NULL;
  }
  /* Not marked in names_in_use: as TF's create_op, only name scopes and
   * unique_name reserve names, so an absolute name stays free. */
  if (!vs_strmap_put(&g->op_by_name, op->name, op)) goto oom;
  op->index = g->n_ops;
  g->ops[g->n_ops++] = op;
  return op;
oom:
  if (op) free_op(op);
  vs__oom(st);
  return NULL;
}

bool vs__op_add_control(vs_op *op, vs_op *control, vs_status *st) {
  vs_op **c = realloc(op->controls, (size_t)(op->n_controls + 1) * sizeof *c);
  if (!c) {
    vs__oom(st);
    return false;
  }
  c[op->n_controls++] = control;
  op->controls = c;
  return true;
}

vs_op *vs__op_in_scope(vs_graph *g, vs_thread_state *ts, const char *name, vs_op_spec *spec,
                       vs_status *st) {
  const char *scope = vs__name_scope_push(g, ts, name ? name : spec->type, st);
  if (!scope) return NULL;
  /* create_op strips the trailing '/' of the scope it is given. */
  char *op_name = vs__strndup(scope, strlen(scope) ? strlen(scope) - 1 : 0);
  vs_op *op = NULL;
  if (!op_name) {
    vs__oom(st);
  } else {
    spec->name = op_name;
    op = vs__op_create(g, spec, st);
  }
  free(op_name);
  vs__name_scope_pop(ts);
  return op;
}

/* ---- public accessors ---- */

VS_API const char *vs_op_name(const vs_op *op) { return op ? op->name : NULL; }
VS_API const char *vs_op_type(const vs_op *op) { return op ? op->type : NULL; }
VS_API const char *vs_op_device(const vs_op *op) { return op ? op->device : NULL; }
VS_API int vs_op_num_inputs(const vs_op *op) { return op ? op->n_inputs : 0; }
VS_API vs_output vs_op_input(const vs_op *op, int i) {
  if (!op || i < 0 || i >= op->n_inputs) return (vs_output){NULL, 0};
  return op->inputs[i];
}
VS_API int vs_op_num_control_inputs(const vs_op *op) { return op ? op->n_controls : 0; }
VS_API vs_op *vs_op_control_input(const vs_op *op, int i) {
  return op && i >= 0 && i < op->n_controls ? op->controls[i] : NULL;
}
VS_API vs_dtype vs_op_output_dtype(const vs_op *op) { return op ? op->dtype : VS_DTYPE_DEFAULT; }
VS_API vs_shape vs_op_output_shape(const vs_op *op) {
  return op ? op->shape : (vs_shape){.known = false};
}
VS_API vs_output vs_op_output(vs_op *op) { return (vs_output){op, 0}; }
VS_API const char *vs_output_name(vs_output out) {
  return out.op && out.op->has_output ? out.op->tensor_name : NULL;
}

VS_API vs_op *vs_graph_operation_by_name(vs_graph *g, const char *name) {
  if (!g || !name) return NULL;
  vs__lock(g);
  vs_op *op = vs_strmap_get(&g->op_by_name, name);
  vs__unlock(g);
  return op;
}

VS_API size_t vs_graph_num_operations(const vs_graph *g) { return g ? g->n_ops : 0; }
VS_API vs_op *vs_graph_operation(const vs_graph *g, size_t i) {
  return g && i < g->n_ops ? g->ops[i] : NULL;
}
