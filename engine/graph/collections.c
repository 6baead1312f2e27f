/* collections.c - graph collections (Graph.add_to_collection / get_collection). */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_internal.h"
#include "variables/variables_internal.h"

static vs_collection *find(vs_graph *g, const char *key) {
  intptr_t i = (intptr_t)vs_strmap_get(&g->coll_index, key);
  return i ? &g->colls[i - 1] : NULL;
}

bool vs__collection_add(vs_graph *g, const char *key, vs_item item, vs_status *st) {
  vs_collection *c = find(g, key);
  if (!c) {
    if (!VS_GROW(g->colls, g->colls_cap, g->n_colls + 1)) goto oom;
    char *k = vs__strdup(key);
    if (!k) goto oom;
    if (!vs_strmap_put(&g->coll_index, key, (void *)(intptr_t)(g->n_colls + 1))) {
      free(k);
      goto oom;
    }
    c = &g->colls[g->n_colls++];
    *c = (vs_collection){.key = k};
  }
  if (!VS_GROW(c->items, c->cap, c->count + 1)) goto oom;
  c->items[c->count++] = item;
  return true;
oom:
  vs__oom(st);
  return false;
}

static const char *item_name(const vs_item *it) {
  return it->kind == VS_ITEM_VAR ? vs_var_name(it->var) : vs_op_name(it->op);
}

size_t vs__collection_get(vs_graph *g, const char *key, const char *scope, vs_item_kind only,
                          vs_item *out, size_t cap, vs_status *st) {
  vs_collection *c = find(g, key);
  if (!c) return 0;
  regex_t re;
  if (scope) {
    /* re.match: anchored at the start only. */
    char *pat = vs__asprintf("^(%s)", scope);
    if (!pat) {
      vs__oom(st);
      return 0;
    }
    int rc = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB);
    free(pat);
    if (rc != 0) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "get_collection: scope '%s' is not a valid regular expression", scope);
      return 0;
    }
  }
  size_t n = 0;
  for (size_t i = 0; i < c->count; i++) {
    const vs_item *it = &c->items[i];
    if (only && it->kind != only) continue;
    if (scope && regexec(&re, item_name(it), 0, NULL, 0) != 0) continue;
    if (n < cap) out[n] = *it;
    n++;
  }
  if (scope) regfree(&re);
  return n;
}

/* ---- public API ---- */

VS_API void vs_add_to_collection(vs_graph *g, const char *key, vs_var *var, vs_status *st) {
  vs__ok(st);
  if (!g || !key || !var || vs_var_graph(var) != g) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_add_to_collection: graph, key and a variable of that graph are required");
    return;
  }
  vs__lock(g);
  vs__collection_add(g, key, (vs_item){.kind = VS_ITEM_VAR, .var = var}, st);
  vs__unlock(g);
}

VS_API void vs_add_op_to_collection(vs_graph *g, const char *key, vs_op *op, vs_status *st) {
  vs__ok(st);
  if (!g || !key || !op || op->graph != g) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_add_op_to_collection: graph, key and an op of that graph are required");
    return;
  }
  vs__lock(g);
  vs__collection_add(g, key, (vs_item){.kind = VS_ITEM_OP, .op = op}, st);
  vs__unlock(g);
}

static void add_to_many(vs_graph *g, const char *const *keys, vs_item it, vs_status *st) {
  vs__lock(g);
  for (size_t i = 0; keys[i] && !vs__failed(st); i++) {
    bool seen = false; /* set(names): each key once */
    for (size_t j = 0; j < i && !seen; j++) seen = strcmp(keys[i], keys[j]) == 0;
    if (!seen) vs__collection_add(g, keys[i], it, st);
  }
  vs__unlock(g);
}

VS_API void vs_add_to_collections(vs_graph *g, const char *const *keys, vs_var *var,
                                  vs_status *st) {
  vs__ok(st);
  if (!g || !keys || !var || vs_var_graph(var) != g) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_add_to_collections: graph, keys and a variable of that graph are required");
    return;
  }
  add_to_many(g, keys, (vs_item){.kind = VS_ITEM_VAR, .var = var}, st);
}

VS_API void vs_add_op_to_collections(vs_graph *g, const char *const *keys, vs_op *op,
                                     vs_status *st) {
  vs__ok(st);
  if (!g || !keys || !op || op->graph != g) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_add_op_to_collections: graph, keys and an op of that graph are required");
    return;
  }
  add_to_many(g, keys, (vs_item){.kind = VS_ITEM_OP, .op = op}, st);
}

VS_API size_t vs_get_collection(vs_graph *g, const char *key, const char *scope, vs_item *out,
                                size_t cap, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g && key && (out || !cap), st,
             "vs_get_collection: graph and key must not be NULL, nor out when cap > 0");
  vs__lock(g);
  size_t n = vs__collection_get(g, key, scope, 0, out, cap, st);
  vs__unlock(g);
  return n;
}

VS_API size_t vs_get_collection_vars(vs_graph *g, const char *key, const char *scope,
                                     vs_var **out, size_t cap, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g && key && (out || !cap), st,
             "vs_get_collection_vars: graph and key must not be NULL, nor out when cap > 0");
  vs__lock(g);
  vs_item *items = cap ? malloc(cap * sizeof *items) : NULL;
  size_t n = 0;
  if (cap && !items) {
    vs__oom(st);
  } else {
    n = vs__collection_get(g, key, scope, VS_ITEM_VAR, items, cap, st);
    for (size_t i = 0; i < n && i < cap; i++) out[i] = items[i].var;
  }
  free(items);
  vs__unlock(g);
  return n;
}

VS_API size_t vs_global_variables(vs_graph *g, const char *scope, vs_var **out, size_t cap,
                                  vs_status *st) {
  return vs_get_collection_vars(g, VS_GLOBAL_VARIABLES, scope, out, cap, st);
}
VS_API size_t vs_trainable_variables(vs_graph *g, const char *scope, vs_var **out, size_t cap,
                                     vs_status *st) {
  return vs_get_collection_vars(g, VS_TRAINABLE_VARIABLES, scope, out, cap, st);
}
VS_API size_t vs_local_variables(vs_graph *g, const char *scope, vs_var **out, size_t cap,
                                 vs_status *st) {
  return vs_get_collection_vars(g, VS_LOCAL_VARIABLES, scope, out, cap, st);
}
VS_API size_t vs_model_variables(vs_graph *g, const char *scope, vs_var **out, size_t cap,
                                 vs_status *st) {
  return vs_get_collection_vars(g, VS_MODEL_VARIABLES, scope, out, cap, st);
}

VS_API size_t vs_get_all_collection_keys(vs_graph *g, const char **out, size_t cap) {
  if (!g) return 0;
  vs__lock(g);
  for (size_t i = 0; i < g->n_colls && i < cap; i++) out[i] = g->colls[i].key;
  size_t n = g->n_colls;
  vs__unlock(g);
  return n;
}
