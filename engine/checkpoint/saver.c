/* saver.c - tf.train.Saver (save to safetensors, restore from safetensors or
 * a TF V2 bundle) and tf.train.init_from_checkpoint, over the session's
 * direct variable access (vs_session_variable_value / _assign_variable). */
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_internal.h"
#include "session/session_internal.h"

typedef struct saver_item {
  char *key;
  vs_var *var;
  size_t order; /* position in the caller's list or map */
  /* A part of a partitioned variable in a var_list: saved as TF's Saver
   * does, as the slice slice_spec of the tensor `key` (its full name). */
  bool sliced;
  vs_save_slice_info slice;
} saver_item;

/* The checkpoints a TF V2 saver lists in the `checkpoint` state file
 * (Saver's max_to_keep default). */
#define KEEP_PATHS 5

struct vs_saver {
  vs_graph *graph;
  saver_item *items; /* sorted by key */
  size_t n;
  vs_ckpt_format format;
  bool no_write_state;
  /* TF V2: the paths this saver wrote, as listed in the state file, oldest
   * first (Saver._last_checkpoints). Guarded by the graph's lock. */
  char *recent[KEEP_PATHS];
  size_t n_recent;
};

static int cmp_key(const void *a, const void *b) {
  const saver_item *x = a, *y = b;
  int r = strcmp(x->key, y->key);
  return r ? r : (x->order > y->order) - (x->order < y->order);
}

static int cmp_var(const void *a, const void *b) {
  const saver_item *x = *(saver_item *const *)a, *y = *(saver_item *const *)b;
  if (x->var != y->var) return (uintptr_t)x->var < (uintptr_t)y->var ? -1 : 1;
  return (x->order > y->order) - (x->order < y->order);
}

VS_API void vs_saver_free(vs_saver *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) free(s->items[i].key);
  for (size_t i = 0; i < s->n_recent; i++) free(s->recent[i]);
  free(s->items);
  free(s);
}

/* TF's Saver checks: unique names, each variable under one name. */
static bool check_items(vs_saver *s, bool is_map, vs_status *st) {
  if (s->n == 0) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "No variables to save");
    return false;
  }
  qsort(s->items, s->n, sizeof *s->items, cmp_key);
  /* op_list_to_dict: the parts of one partitioned variable share its
   * name; a part after a plain variable of that name is "Mixing"; any
   * other repeat is "At least two". */
  for (size_t i = 1; i < s->n; i++)
    if (strcmp(s->items[i - 1].key, s->items[i].key) == 0 && !(s->items[i - 1].sliced && s->items[i].sliced)) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               s->items[i].sliced ? "Mixing slices and non-slices with the same name: %s"
                                  : "At least two variables have the same name: %s",
               s->items[i].key);
      return false;
    }
  if (!is_map) return true;
  saver_item **by_var = malloc(s->n * sizeof *by_var);
  if (!by_var) {
    vs__oom(st);
    return false;
  }
  for (size_t i = 0; i < s->n; i++) by_var[i] = &s->items[i];
  qsort(by_var, s->n, sizeof *by_var, cmp_var);
  bool ok = true;
  for (size_t i = 1; i < s->n && ok; i++)
    if (by_var[i - 1]->var == by_var[i]->var) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "The same saveable will be restored with two names: %s",
               by_var[i]->key);
      ok = false;
    }
  free(by_var);
  return ok;
}

VS_API vs_saver *vs_saver_new(vs_graph *g, const vs_saver_opts *opts, vs_status *st) {
  vs__ok(st);
  vs_saver_opts o = opts ? *opts : (vs_saver_opts){0};
  if (!g || (o.var_list && o.var_map) || (!o.var_list && o.n_vars) || (!o.var_map && o.n_map)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_saver_new: a graph, and at most one of var_list and var_map (with its length), are required");
    return NULL;
  }
  if (o.format != 0 && o.format != VS_CKPT_SAFETENSORS && o.format != VS_CKPT_TF_V2) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_saver_new: unknown checkpoint format %d",
             (int)o.format);
    return NULL;
  }
  vs_var **all = NULL;
  size_t n;
  if (o.var_map) {
    n = o.n_map;
  } else if (o.var_list) {
    n = o.n_vars;
  } else {
    n = vs_global_variables(g, NULL, NULL, 0, st);
    if (vs__failed(st)) return NULL;
    if (n && !(all = malloc(n * sizeof *all))) {
      vs__oom(st);
      return NULL;
    }
    n = vs_global_variables(g, NULL, all, n, st);
    o.var_list = all;
  }
  vs_saver *s = calloc(1, sizeof *s);
  if (!s || (n && !(s->items = calloc(n, sizeof *s->items)))) {
    free(all);
    free(s);
    vs__oom(st);
    return NULL;
  }
  s->graph = g;
  s->format = o.format ? o.format : VS_CKPT_SAFETENSORS;
  s->no_write_state = o.no_write_state;
  for (size_t i = 0; i < n; i++) {
    vs_var *v = o.var_map ? o.var_map[i].var : o.var_list[i];
    const char *key = o.var_map ? o.var_map[i].key : (v ? vs_var_op_name(v) : NULL);
    /* In a list, a part is saved under its partitioned variable's name
     * with its slice; in a map, as a variable of its own under the map's
     * key (saveable_objects_for_op gives a single variable no slice). A
     * safetensors saver keeps each part under its own name ("x/part_0"):
     * safetensors has no slices. */
    if (!o.var_map && s->format == VS_CKPT_TF_V2 && v && vs_var_save_slice_info(v, &s->items[i].slice)) {
      s->items[i].sliced = true;
      key = s->items[i].slice.full_name;
    }
    if (!v || !key || vs_var_graph(v) != g) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "vs_saver_new: entry %zu needs a key and a variable of this graph", i);
      break;
    }
    if (!(s->items[i].key = vs__strdup(key))) {
      vs__oom(st);
      break;
    }
    s->items[i].var = v;
    s->items[i].order = i;
    s->n = i + 1;
  }
  free(all);
  if (vs__failed(st) || !check_items(s, o.var_map != NULL, st)) {
    vs_saver_free(s);
    return NULL;
  }
  return s;
}

/* ---- save ---- */

/* For each item, the graph's collections that hold its variable (borrowed
 * strings), NULL-terminated, in first-use order of the collection keys. */
static const char ***collections_of(vs_saver *s, vs_status *st) {
  vs_graph *g = s->graph;
  size_t nk = vs_get_all_collection_keys(g, NULL, 0);
  const char **keys = calloc(nk + 1, sizeof *keys);
  const char ***out = calloc(s->n, sizeof *out);
  vs_var **vars = NULL;
  size_t vars_cap = 0;
  bool ok = keys && out;
  for (size_t i = 0; ok && i < s->n; i++) ok = (out[i] = calloc(nk + 1, sizeof **out)) != NULL;
  if (ok) nk = vs_get_all_collection_keys(g, keys, nk);
  for (size_t k = 0; ok && k < nk; k++) {
    size_t nv = vs_get_collection_vars(g, keys[k], NULL, NULL, 0, st);
    ok = !vs__failed(st) && VS_GROW(vars, vars_cap, nv + 1);
    if (!ok) break;
    nv = vs_get_collection_vars(g, keys[k], NULL, vars, nv, st);
    for (size_t i = 0; i < s->n; i++) {
      bool member = false;
      for (size_t j = 0; j < nv && !member; j++) member = vars[j] == s->items[i].var;
      size_t m = 0;
      while (out[i][m]) m++;
      if (member) out[i][m] = keys[k];
    }
  }
  free(vars);
  free(keys);
  if (!ok) {
    for (size_t i = 0; out && i < s->n; i++) free(out[i]);
    free(out);
    if (!vs__failed(st)) vs__oom(st);
    return NULL;
  }
  return out;
}

static void save_safetensors(vs_saver *s, vs_tensor **vals, const char *path, vs_status *st) {
  vs__st_item *items = calloc(s->n, sizeof *items);
  const char ***colls = items ? collections_of(s, st) : NULL;
  if (!items) vs__oom(st);
  if (!colls) goto out;
  for (size_t i = 0; i < s->n; i++) {
    vs_var *v = s->items[i].var;
    items[i] = (vs__st_item){
        .key = s->items[i].key,
        .dtype = vs_tensor_dtype(vals[i]),
        .shape = vs_tensor_shape(vals[i]),
        .data = vs_tensor_data(vals[i]),
        .size = vs_tensor_byte_size(vals[i]),
        .tensor_name = vs_var_name(v),
        .trainable = vs_var_trainable(v),
        .collections = colls[i],
    };
  }
  vs__atomic_file af;
  if (vs__atomic_open(&af, path, st)) {
    if (vs__safetensors_write(af.f, af.tmp, items, s->n, st)) vs__atomic_commit(&af, st);
    else vs__atomic_abort(&af);
  }
out:
  for (size_t i = 0; colls && i < s->n; i++) free(colls[i]);
  free(colls);
  free(items);
}

/* Saver._RecordLastCheckpoint: `path` becomes the newest of the saver's
 * recent checkpoints (moved there if listed), the oldest dropped past
 * KEEP_PATHS. The state file names a relative prefix by its base name,
 * relative to its directory, as TF's update_checkpoint_state does. */
static bool record_path(vs_saver *s, const char *path, vs_status *st) {
  const char *slash = strrchr(path, '/');
  char *p = vs__strdup(path[0] == '/' || !slash ? path : slash + 1);
  if (!p) {
    vs__oom(st);
    return false;
  }
  for (size_t i = 0; i < s->n_recent; i++)
    if (strcmp(s->recent[i], p) == 0) {
      free(s->recent[i]);
      memmove(&s->recent[i], &s->recent[i + 1], (s->n_recent - i - 1) * sizeof *s->recent);
      s->n_recent--;
      break;
    }
  if (s->n_recent == KEEP_PATHS) {
    free(s->recent[0]);
    memmove(&s->recent[0], &s->recent[1], (KEEP_PATHS - 1) * sizeof *s->recent);
    s->n_recent--;
  }
  s->recent[s->n_recent++] = p;
  return true;
}

static void save_tf(vs_saver *s, vs_tensor **vals, const char *path, vs_status *st) {
  vs__bundle_item *items = calloc(s->n, sizeof *items);
  if (!items) {
    vs__oom(st);
    return;
  }
  for (size_t i = 0; i < s->n; i++)
    items[i] = (vs__bundle_item){
        .key = s->items[i].key, .value = vals[i], .slice = s->items[i].sliced ? &s->items[i].slice : NULL};
  bool ok = vs__tf_bundle_save(path, items, s->n, st);
  free(items);
  if (!ok || s->no_write_state) return;
  vs__lock(s->graph); /* the recent list is shared by every session saving with s */
  if (record_path(s, path, st)) vs__ckpt_state_save(path, (const char *const *)s->recent, s->n_recent, st);
  vs__unlock(s->graph);
}

VS_API void vs_saver_save(vs_saver *s, vs_session *sess, const char *path, vs_status *st) {
  vs__ok(st);
  if (!s || !sess || !path || !*path || sess->graph != s->graph) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_saver_save: a saver, a session on the saver's graph and a path are required");
    return;
  }
  vs_tensor **vals = calloc(s->n, sizeof *vals);
  if (!vals) {
    vs__oom(st);
    return;
  }
  /* A snapshot of every value first, so the file holds one moment. */
  bool ok = true;
  for (size_t i = 0; ok && i < s->n; i++) ok = (vals[i] = vs_session_variable_value(sess, s->items[i].var, st)) != NULL;
  if (ok && s->format == VS_CKPT_TF_V2) save_tf(s, vals, path, st);
  else if (ok) save_safetensors(s, vals, path, st);
  for (size_t i = 0; i < s->n; i++) vs_tensor_free(vals[i]);
  free(vals);
}

/* ---- restore ---- */

typedef struct pair {
  const char *key;
  vs_var *var;
  bool sliced; /* a part restored from its slice of `key` */
  vs_save_slice_info slice;
  vs__ckpt_entry *e;
  vs_tensor *value; /* read before any variable changes */
} pair;

#define WRAP_MISSING                                                                                      \
  "Restoring from checkpoint failed. This is most likely due to a Variable name or other graph key that " \
  "is missing from the checkpoint. Please ensure that you have not altered the graph expected based on "  \
  "the checkpoint. Original error:\n\n"
#define WRAP_MISMATCH                                                                                      \
  "Restoring from checkpoint failed. This is most likely due to a mismatch between the current graph and " \
  "the graph from the checkpoint. Please ensure that you have not altered the graph expected based on "    \
  "the checkpoint. Original error:\n\n"

/* TensorShape::DebugString: "[6,3]". */
static void bracket_dims(vs_shape sh, char *buf, size_t cap) {
  size_t m = (size_t)snprintf(buf, cap, "[");
  for (int d = 0; d < sh.rank && m < cap; d++)
    m += (size_t)snprintf(buf + m, cap - m, "%s%lld", d ? "," : "", (long long)sh.dims[d]);
  if (m < cap) snprintf(buf + m, cap - m, "]");
}

/* Checks every pair, then reads and CRC-checks every value, then writes
 * them all: nothing changes unless everything checks. `wrap` adds the
 * Saver's "Restoring from checkpoint failed" prefix. */
static void restore_pairs(vs_session *sess, vs_checkpoint *c, pair *p, size_t n, bool wrap, vs_status *st) {
  for (size_t i = 0; i < n; i++) {
    vs__ckpt_entry *e = p[i].e = vs__ckpt_lookup(c, p[i].key);
    /* A part is checked against the full tensor (BundleReader::LookupSlice
     * then reads its slice from whatever slices the checkpoint holds). */
    vs_shape vshape = p[i].sliced ? p[i].slice.full_shape : vs_var_shape(p[i].var);
    if (!e) {
      vs__fail(st, VS_NOT_FOUND, VS_EXC_OP_ERROR, "%sKey %s not found in checkpoint", wrap ? WRAP_MISSING : "",
               p[i].key);
      return;
    }
    if (e->dtype != vs_var_dtype(p[i].var)) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
               "%stensor_name = %s; expected dtype %s does not equal original dtype %s", wrap ? WRAP_MISMATCH : "",
               p[i].key, vs__dtype_cc_name(vs_var_dtype(p[i].var)), vs__dtype_cc_name(e->dtype));
      return;
    }
    if (p[i].sliced && !vs_shape_is_compatible(vshape, e->shape)) {
      char spec[160], stored[160];
      bracket_dims(vshape, spec, sizeof spec);
      bracket_dims(e->shape, stored, sizeof stored);
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
               "%stensor_name = %s; shape in shape_and_slice spec %s does not match the shape stored in "
               "checkpoint: %s",
               wrap ? WRAP_MISMATCH : "", p[i].key, spec, stored);
      return;
    }
    if (!vs_shape_is_compatible(vshape, e->shape)) {
      char lhs[160], rhs[160];
      vs__dims_text(&vshape, "<unknown>", lhs, sizeof lhs);
      vs__dims_text(&e->shape, "<unknown>", rhs, sizeof rhs);
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
               "%sAssign requires shapes of both tensors to match. lhs shape= %s rhs shape= %s\n\t [[checkpoint key "
               "%s]]",
               wrap ? WRAP_MISMATCH : "", lhs, rhs, p[i].key);
      return;
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (!(p[i].value = vs__ckpt_tensor(c, p[i].e, st))) goto out;
    if (p[i].sliced) {
      vs_tensor *part = vs__tensor_block(p[i].value, p[i].slice.var_offset, p[i].slice.var_shape, st);
      vs_tensor_free(p[i].value);
      if (!(p[i].value = part)) goto out;
    }
  }
  for (size_t i = 0; i < n && !vs__failed(st); i++) vs_session_assign_variable(sess, p[i].var, p[i].value, st);
out:
  for (size_t i = 0; i < n; i++) {
    vs_tensor_free(p[i].value);
    p[i].value = NULL;
  }
}

VS_API void vs_saver_restore(vs_saver *s, vs_session *sess, const char *path, vs_status *st) {
  vs__ok(st);
  if (!s || !sess || !path || sess->graph != s->graph) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_saver_restore: a saver, a session on the saver's graph and a path are required");
    return;
  }
  vs_checkpoint *c = vs_checkpoint_open(path, st);
  pair *p = c ? calloc(s->n, sizeof *p) : NULL;
  if (c && !p) vs__oom(st);
  if (p) {
    for (size_t i = 0; i < s->n; i++)
      p[i] = (pair){.key = s->items[i].key,
                    .var = s->items[i].var,
                    .sliced = s->items[i].sliced,
                    .slice = s->items[i].slice};
    restore_pairs(sess, c, p, s->n, true, st);
  }
  free(p);
  vs_checkpoint_free(c);
}

/* ---- init_from_checkpoint ---- */

/* Python's repr of reader.get_variable_to_shape_map(): {'b': [], 'a': [2, 3]},
 * in the order of TF's std::unordered_map (vs__ckpt_var_map_order). */
static char *shape_map_repr(const vs_checkpoint *c) {
  size_t cap = 64, len = 0;
  size_t *order = vs__ckpt_var_map_order(c);
  char *s = order ? malloc(cap) : NULL;
  for (size_t i = 0; s && i <= c->n; i++) {
    char item[512];
    int m;
    if (i == c->n) {
      m = snprintf(item, sizeof item, "}");
    } else {
      const vs__ckpt_entry *e = &c->e[order[i]];
      m = snprintf(item, sizeof item, "%s'%s': [", i ? ", " : "", e->key);
      for (int d = 0; d < e->shape.rank && m > 0 && (size_t)m < sizeof item; d++)
        m += snprintf(item + m, sizeof item - (size_t)m, "%s%lld", d ? ", " : "", (long long)e->shape.dims[d]);
      if (m > 0 && (size_t)m < sizeof item) m += snprintf(item + m, sizeof item - (size_t)m, "]");
    }
    if (m < 0 || (size_t)m >= sizeof item) continue; /* an absurdly long key: left out of the message */
    if (!VS_GROW(s, cap, len + (size_t)m + 2)) {
      free(s);
      s = NULL;
      break;
    }
    if (len == 0) s[len++] = '{';
    memcpy(s + len, item, (size_t)m + 1);
    len += (size_t)m;
  }
  free(order);
  return s;
}

typedef struct pair_list {
  pair *p;
  size_t n, cap;
} pair_list;

static bool add_pair(pair_list *l, const char *key, vs_var *v, vs_status *st) {
  if (!VS_GROW(l->p, l->cap, l->n + 1)) {
    vs__oom(st);
    return false;
  }
  l->p[l->n++] = (pair){.key = key, .var = v};
  return true;
}

/* _collect_partitioned_variable: the store's "<name>/part_0", "/part_1",
 * ... (up to the first missing one), each added as restored from its
 * slice of the checkpoint tensor `key`. *found: whether part_0 exists. */
static bool add_parts(vs_graph *g, const char *name, const char *key, pair_list *l, bool *found, vs_status *st) {
  *found = false;
  for (size_t k = 0;; k++) {
    char *part = vs__asprintf("%s/part_%zu", name, k);
    if (!part) {
      vs__oom(st);
      return false;
    }
    vs__lock(g);
    vs_var *v = vs_strmap_get(&g->store, part);
    vs__unlock(g);
    free(part);
    if (!v) return true;
    *found = true;
    if (!add_pair(l, key, v, st)) return false;
    pair *p = &l->p[l->n - 1];
    /* a part made by vs_get_partitioned_variable has its SaveSliceInfo;
     * anything else named like one is restored whole, as TF does for a
     * variable without _save_slice_info */
    p->sliced = vs_var_save_slice_info(v, &p->slice);
  }
}

static int cmp_assign(const void *a, const void *b) {
  return strcmp((*(const vs_assignment *const *)a)->ckpt, (*(const vs_assignment *const *)b)->ckpt);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* A scope mapping: every store variable under `current`'s scope. Keys are
 * appended to `keys` (owned) and pairs to `l`. */
static bool map_scope(vs_graph *g, vs_checkpoint *c, const char *path, const vs_assignment *a, pair_list *l,
                      char ***keys, size_t *nkeys, size_t *keys_cap, vs_status *st) {
  const char *cur = a->current, *slash = strrchr(cur, '/');
  size_t sl = slash ? (size_t)(slash - cur) : 0;
  if (!*a->ckpt || a->ckpt[strlen(a->ckpt) - 1] != '/') {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Assignment map with scope only name %.*s should map to scope only %s. Should be 'scope/': "
             "'other_scope/'.",
             (int)sl, cur, a->ckpt);
    return false;
  }
  vs__lock(g);
  size_t nv = 0;
  char **names = calloc(g->n_vars ? g->n_vars : 1, sizeof *names);
  bool ok = names != NULL;
  for (size_t i = 0; ok && i < g->n_vars; i++) {
    const char *k = g->vars[i]->store_key;
    if (k && (sl == 0 || (strncmp(k, cur, sl) == 0 && k[sl] == '/'))) {
      /* a part stands for its partitioned variable: "x/part_0" -> "x" */
      const char *part = strstr(k, "/part_");
      ok = (names[nv++] = part ? vs__strndup(k, (size_t)(part - k)) : vs__strdup(k)) != NULL;
    }
  }
  vs__unlock(g);
  if (!ok) {
    for (size_t i = 0; names && i < nv; i++) free(names[i]);
    free(names);
    vs__oom(st);
    return false;
  }
  qsort(names, nv, sizeof *names, cmp_str);
  /* the set of names: each partitioned variable once */
  size_t u = 0;
  for (size_t i = 0; i < nv; i++) {
    if (u && strcmp(names[u - 1], names[i]) == 0) free(names[i]);
    else names[u++] = names[i];
  }
  nv = u;
  for (size_t i = 0; ok && i < nv; i++) {
    const char *rest = names[i] + sl;
    if (strcmp(cur, "/") != 0 && *rest) rest++;
    char *full = vs__asprintf("%s%s", strcmp(a->ckpt, "/") != 0 ? a->ckpt : "", rest);
    if (!full || !VS_GROW(*keys, *keys_cap, *nkeys + 1)) {
      free(full);
      vs__oom(st);
      ok = false;
      break;
    }
    size_t fl = strlen(full);
    if (fl && full[fl - 1] == '/') full[fl - 1] = '\0';
    (*keys)[(*nkeys)++] = full;
    if (!vs__ckpt_lookup(c, full)) {
      size_t nl = strlen(names[i]);
      vs__fail(st, VS_NOT_FOUND, VS_EXC_VALUE_ERROR, "Tensor %s (%s in %s) is not found in %s checkpoint", full,
               sl + 1 <= nl ? names[i] + sl + 1 : "", a->ckpt, path);
      ok = false;
      break;
    }
    vs__lock(g);
    vs_var *v = vs_strmap_get(&g->store, names[i]);
    vs__unlock(g);
    bool found;
    ok = v ? add_pair(l, full, v, st) : add_parts(g, names[i], full, l, &found, st);
  }
  for (size_t i = 0; i < nv; i++) free(names[i]);
  free(names);
  return ok;
}

VS_API void vs_init_from_checkpoint(vs_session *sess, const char *path, const vs_assignment *map, size_t n,
                                    vs_status *st) {
  vs__ok(st);
  if (!sess || !path || (n && !map)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_init_from_checkpoint: a session, a path and an assignment map are required");
    return;
  }
  for (size_t i = 0; i < n; i++)
    if (!map[i].ckpt || (!map[i].var && !map[i].current) || (map[i].var && vs_var_graph(map[i].var) != sess->graph)) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "vs_init_from_checkpoint: item %zu needs a checkpoint name and a variable of the session's graph "
               "or a current name",
               i);
      return;
    }
  vs_graph *g = sess->graph;
  vs_checkpoint *c = vs_checkpoint_open(path, st);
  if (!c) return;
  const vs_assignment **order = malloc((n ? n : 1) * sizeof *order);
  pair_list l = {0};
  char **keys = NULL;
  size_t nkeys = 0, keys_cap = 0;
  bool ok = order != NULL;
  if (!ok) vs__oom(st);
  for (size_t i = 0; ok && i < n; i++) order[i] = &map[i];
  if (ok) qsort(order, n, sizeof *order, cmp_assign);
  for (size_t i = 0; ok && i < n; i++) {
    const vs_assignment *a = order[i];
    vs_var *v = a->var;
    if (!v) {
      vs__lock(g);
      v = vs_strmap_get(&g->store, a->current);
      vs__unlock(g);
    }
    if (!v) {
      /* a partitioned variable's name: its parts, each from its slice */
      bool parts = false;
      size_t before = l.n;
      ok = add_parts(g, a->current, a->ckpt, &l, &parts, st);
      if (ok && parts && !vs__ckpt_lookup(c, a->ckpt)) {
        l.n = before;
        char *repr = shape_map_repr(c);
        vs__fail(st, VS_NOT_FOUND, VS_EXC_VALUE_ERROR, "Tensor %s is not found in %s checkpoint %s", a->ckpt, path,
                 repr ? repr : "{...}");
        free(repr);
        ok = false;
      }
      if (ok && !parts) ok = map_scope(g, c, path, a, &l, &keys, &nkeys, &keys_cap, st);
      continue;
    }
    vs__ckpt_entry *e = vs__ckpt_lookup(c, a->ckpt);
    vs_shape vshape = vs_var_shape(v);
    if (!e) {
      char *repr = shape_map_repr(c);
      vs__fail(st, VS_NOT_FOUND, VS_EXC_VALUE_ERROR, "Tensor %s is not found in %s checkpoint %s", a->ckpt, path,
               repr ? repr : "{...}");
      free(repr);
      ok = false;
    } else if (!vs_shape_is_compatible(vshape, e->shape)) {
      char vs_[160], cs[160];
      vs_shape_format(vshape, vs_, sizeof vs_);
      /* str() of the reader's shape list */
      size_t m = (size_t)snprintf(cs, sizeof cs, "[");
      for (int d = 0; d < e->shape.rank && m < sizeof cs; d++)
        m += (size_t)snprintf(cs + m, sizeof cs - m, "%s%lld", d ? ", " : "", (long long)e->shape.dims[d]);
      if (m < sizeof cs) snprintf(cs + m, sizeof cs - m, "]");
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "Shape of variable %s (%s) doesn't match with shape of tensor %s (%s) from checkpoint reader.",
               vs_var_name(v), vs_, a->ckpt, cs);
      ok = false;
    } else {
      ok = add_pair(&l, a->ckpt, v, st);
    }
  }
  if (ok) restore_pairs(sess, c, l.p, l.n, false, st);
  for (size_t i = 0; i < nkeys; i++) free(keys[i]);
  free(keys);
  free(l.p);
  free(order);
  vs_checkpoint_free(c);
}
