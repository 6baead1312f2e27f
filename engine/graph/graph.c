/* graph.c - graph lifetime, per-thread scope state, operations. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_internal.h"
#include "kernels/registry.h"

/* ---- per-thread scope state ----
 *
 * TF 1.15 keeps name and variable scopes per thread, so each thread that
 * uses a graph has a vs_thread_state in it. Its lifetime is the problem:
 * the thread may exit while another thread frees the graph, and either may
 * come first. The previous design (one pthread key per graph, whose exit
 * destructor locked g->mu and unlinked the state from the graph) raced
 * vs_graph_free: pthread_key_delete does not wait for a destructor already
 * running, so the destructor could lock a destroyed mutex or free a state
 * the graph was freeing too. It also spent one of glibc's 1024 keys per
 * graph, so vs_graph_new failed beyond ~1000 live graphs.
 *
 * Design: a thread's states belong to the thread, never to the graph.
 *   - Each thread keeps its states on its own singly linked list, whose head
 *     is the value of ONE process-wide pthread key; the key's destructor
 *     frees the list when the thread exits. Only the owning thread reads or
 *     changes its list, so the list needs no lock.
 *   - What a graph and the states made in it share is a small life record:
 *     an atomic "dead" flag and an atomic reference count, one reference
 *     held by the graph and one by each state. vs_graph_free marks the
 *     record dead and drops the graph's reference; a state drops its own
 *     when it is freed; the last one frees the record.
 *   - vs_graph_free frees the calling thread's own state in the graph at
 *     once. Other threads' states in a dead graph are freed by those
 *     threads: when they next make a state in any graph (a prune of their
 *     list) or when they exit. Freeing a state touches nothing of the graph
 *     (its scope objects are the graph's, and are not freed with it), so
 *     it is safe after the graph is gone.
 * Neither side ever takes the other's lock or touches the other's memory,
 * so there is no order in which "thread exits" and "graph is freed" can
 * collide. A state is found by its life record, which stays allocated
 * while the state refers to it, so a new graph at a freed graph's address
 * can never be mistaken for the old one.
 */

struct vs_graph_life {
  atomic_bool dead;   /* set by vs_graph_free */
  atomic_size_t refs; /* the graph's, plus one per thread state made in it */
};

static void life_release(struct vs_graph_life *life) {
  if (atomic_fetch_sub_explicit(&life->refs, 1, memory_order_acq_rel) == 1) free(life);
}

static pthread_key_t states_key;   /* this thread's list of states */
static int states_key_error;       /* pthread_key_create's failure, or 0 */
static pthread_once_t states_once = PTHREAD_ONCE_INIT;

static void free_thread(vs_thread_state *ts);

/* The thread exits: every state it still has goes, whichever graphs are
 * alive or dead (a later thread, which may get the same pthread_t, starts
 * at the root scope). */
static void states_destructor(void *head) {
  vs_thread_state *ts = head;
  while (ts) {
    vs_thread_state *next = ts->next;
    free_thread(ts);
    ts = next;
  }
}

static void states_key_create(void) {
  states_key_error = pthread_key_create(&states_key, states_destructor);
}

static vs_thread_state *own_states(void) { return pthread_getspecific(states_key); }

/* Replaces the head of this thread's list. The slot was set non-NULL before
 * any removal, so glibc has its storage and this cannot fail then. */
static bool set_own_states(vs_thread_state *head) {
  return pthread_setspecific(states_key, head) == 0;
}

/* Frees this thread's states in graphs that were freed meanwhile. */
static void prune_dead_states(void) {
  vs_thread_state *head = own_states(), **link = &head;
  bool changed = false;
  while (*link) {
    vs_thread_state *ts = *link;
    if (atomic_load_explicit(&ts->life->dead, memory_order_acquire)) {
      *link = ts->next;
      free_thread(ts);
      changed = true;
    } else {
      link = &ts->next;
    }
  }
  if (changed) set_own_states(head);
}

/* vs_graph_free on this thread: its own state in the graph goes now. */
static void drop_own_state(const struct vs_graph_life *life) {
  if (pthread_once(&states_once, states_key_create) != 0 || states_key_error) return;
  vs_thread_state *head = own_states(), **link = &head;
  while (*link && (*link)->life != life) link = &(*link)->next;
  if (!*link) return;
  vs_thread_state *ts = *link;
  *link = ts->next;
  set_own_states(head);
  free_thread(ts);
}

VS_API vs_graph *vs_graph_new(void) {
  vs_graph *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  /* The big maps of a graph, sized by its ops (issue 10, per-variable
   * memory): the store packs its key copies; the reserved names are a
   * vs_nameset (case-insensitive as TF's lower-cased keys, so an op named
   * exactly as reserved borrows its copy: vs__op_create), and the ops are
   * found through op_index, 4 bytes a slot. */
  g->store.packed_keys = true;
  if (!(g->life = malloc(sizeof *g->life))) {
    free(g);
    return NULL;
  }
  atomic_init(&g->life->dead, false);
  atomic_init(&g->life->refs, 1);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  int rc = pthread_mutex_init(&g->mu, &attr);
  pthread_mutexattr_destroy(&attr);
  if (rc != 0) {
    free(g->life);
    free(g);
    return NULL;
  }
  return g;
}

char vs__no_device[1] = "";

void vs__op_set_device(vs_op *op, char *dev) {
  if (op->device != vs__no_device) free(op->device);
  op->device = dev;
}

bool vs__op_set_shape(vs_op *op, vs_shape s) {
  /* The constructors refuse a known rank outside 0..VS_MAX_RANK
   * (ops/array_ops.c), so every known rank fits in int8_t. */
  int rank = !s.known ? -1 : s.rank < 0 ? 0 : s.rank > VS_MAX_RANK ? VS_MAX_RANK : s.rank;
  int64_t *d = op->dims.in;
  if (rank > VS_OP_DIMS && !(d = op->dims.ext = malloc((size_t)rank * sizeof *d))) return false;
  op->rank = (int8_t)rank;
  for (int i = 0; i < rank; i++) d[i] = s.dims[i];
  return true;
}

/* name and inputs live in op's own allocation (vs__op_create). */
static void free_op(vs_op *op) {
  if (op->rank > VS_OP_DIMS) free(op->dims.ext);
  free(atomic_load_explicit(&op->out_name, memory_order_relaxed));
  if (op->device != vs__no_device) free(op->device);
  free(op->controls);
  vs_op_payload *pl = vs__op_payload(op);
  if (pl && !op->data_inline) free(pl->data);
  free((char *)op - vs__op_prefix_size(op->ext));
}

/* Frees a state and drops its reference on the graph's life record. It
 * touches nothing the graph owns (see the design note above). */
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
  vs__colocation_free(ts->coloc);
  vs__control_free(ts->ctrl);
  if (ts->life) life_release(ts->life);
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
  vs__container_free(g->container);
  /* Other threads' states in g are theirs to free (see the design note). */
  drop_own_state(g->life);
  atomic_store_explicit(&g->life->dead, true, memory_order_release);
  life_release(g->life);
  free(g->op_index);
  vs_nameset_free(&g->names_in_use);
  vs_strmap_free(&g->store);
  vs_strmap_free(&g->partitioned);
  vs_strmap_free(&g->coll_index);
  vs_strmap_free(&g->reduced_shapes);
  pthread_mutex_destroy(&g->mu);
  free(g);
}

void vs__lock(vs_graph *g) { pthread_mutex_lock(&g->mu); }
void vs__unlock(vs_graph *g) { pthread_mutex_unlock(&g->mu); }

vs_thread_state *vs__thread(vs_graph *g, vs_status *st) {
  if (pthread_once(&states_once, states_key_create) != 0 || states_key_error) {
    vs__fail(st, VS_RESOURCE_EXHAUSTED, VS_EXC_OP_ERROR,
             "no thread-specific storage key is left for varscope's per-thread scope state");
    return NULL;
  }
  vs_thread_state *head = own_states(), **link = &head;
  while (*link && (*link)->life != g->life) link = &(*link)->next;
  vs_thread_state *ts = *link;
  if (ts) {
    if (ts != head) { /* move to front: the graph in use is found first */
      *link = ts->next;
      ts->next = head;
      set_own_states(ts);
    }
    return ts;
  }
  /* A new state: first free those of graphs freed since. */
  prune_dead_states();
  ts = calloc(1, sizeof *ts);
  if (!ts || !(ts->name_stack = vs__strdup(""))) {
    free(ts);
    vs__oom(st);
    return NULL;
  }
  ts->graph = g;
  ts->root = vs__scope_new_root(g, st);
  if (!ts->root) {
    free_thread(ts);
    return NULL;
  }
  ts->current = ts->root;
  /* The state's reference; free_thread releases it, on every path. */
  atomic_fetch_add_explicit(&g->life->refs, 1, memory_order_relaxed);
  ts->life = g->life;
  ts->next = own_states();
  if (!set_own_states(ts)) {
    free_thread(ts);
    vs__oom(st);
    return NULL;
  }
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

/* ---- the op index: name -> op ----
 * Open addressing over uint32 slots holding an op's index + 1 (0: empty),
 * compared through the op's own name: 4 bytes a slot where a string map
 * would take 16 (issue 10, per-variable memory). Linear probing, power of
 * two, load <= 3/4, FNV-1a as strmap.c. */

static size_t op_hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return (size_t)h;
}

static size_t op_slot(const vs_graph *g, const uint32_t *tab, size_t cap, const char *name) {
  size_t i = op_hash(name) & (cap - 1);
  while (tab[i] && strcmp(g->ops[tab[i] - 1]->name, name) != 0) i = (i + 1) & (cap - 1);
  return i;
}

vs_op *vs__op_by_name(const vs_graph *g, const char *name) {
  if (!g->op_index_cap) return NULL;
  uint32_t k = g->op_index[op_slot(g, g->op_index, g->op_index_cap, name)];
  return k ? g->ops[k - 1] : NULL;
}

/* Room in the index for one more op (g->n_ops + 1 of them); false when out
 * of memory or past the uint32 indices, the index unchanged. */
static bool op_index_reserve(vs_graph *g) {
  if (g->n_ops >= UINT32_MAX - 1) return false;
  if ((g->n_ops + 1) * 4 <= g->op_index_cap * 3) return true;
  size_t cap = g->op_index_cap ? g->op_index_cap * 2 : 64;
  uint32_t *tab = calloc(cap, sizeof *tab);
  if (!tab) return false;
  for (size_t i = 0; i < g->n_ops; i++) tab[op_slot(g, tab, cap, g->ops[i]->name)] = (uint32_t)(i + 1);
  free(g->op_index);
  g->op_index = tab;
  g->op_index_cap = cap;
  return true;
}

vs_op *vs__op_create(vs_graph *g, const vs_op_spec *spec, vs_status *st) {
  if (vs__op_by_name(g, spec->name)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "Duplicate node name in graph: '%s'",
             spec->name);
    return NULL;
  }
  const vs_op_def *def = vs__op_def_find(spec->type);
  if (!def) { /* every constructor names a registered type: a bug if not */
    vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "op type %s is not registered (engine/kernels)", spec->type);
    return NULL;
  }
  bool attrs = def->flags & VS_OPF_ATTRS;
  if (spec->attr && !attrs) { /* a constructor's bug: there is nowhere to keep them */
    vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "op type %s has no attributes (VS_OPF_ATTRS)", spec->type);
    return NULL;
  }
  /* One allocation: the struct (without its attribute union when the type
   * has none), the inputs (alignment of vs_output, a struct of a pointer
   * and an int), then the name, unless the graph's reserved names hold it
   * in this exact case (most ops: unique_name reserved it), whose copy
   * lives as long as the graph. An op's name and inputs never change after
   * creation, so nothing reallocates them. */
  size_t n_in = spec->n_inputs > 0 ? (size_t)spec->n_inputs : 0, len = strlen(spec->name);
  size_t attr_bytes = vs__def_attr_bytes(def), align = _Alignof(vs_output);
  size_t head = attrs ? (offsetof(vs_op, attr) + attr_bytes + align - 1) / align * align : vs__op_head_size;
  size_t in_bytes = n_in * sizeof(vs_output);
  const char *reserved = vs_nameset_key(&g->names_in_use, spec->name);
  if (reserved && strcmp(reserved, spec->name) != 0) reserved = NULL;
  /* A payload (spec->data) goes after the inputs, aligned as malloc's. */
  /* The per-kind fields go in front (vs__op_payload, vs__op_var); offsets
   * below are from the allocation's start, so the payload keeps malloc's
   * alignment. */
  unsigned char ext = (unsigned char)((spec->data || strcmp(def->type, "Const") == 0 ? VS_OPX_DATA : 0) |
                                      (spec->var ? VS_OPX_VAR : 0));
  size_t pre = vs__op_prefix_size(ext), max_align = _Alignof(max_align_t);
  size_t data_at = (pre + head + in_bytes + max_align - 1) / max_align * max_align;
  size_t name_at = spec->data ? data_at + spec->data_size : pre + head + in_bytes;
  char *base = calloc(1, name_at + (reserved ? 0 : len + 1));
  vs_op *op = base ? (vs_op *)(base + pre) : NULL;
  if (!op) goto oom;
  op->ext = ext;
  if (spec->var) *(vs_var **)(base + pre - sizeof(vs_var *)) = spec->var;
  op->graph = g;
  op->def = def;
  op->inputs = n_in ? (vs_output *)((char *)op + head) : NULL;
  if (n_in) memcpy(op->inputs, spec->inputs, in_bytes);
  op->n_inputs = (int)n_in;
  if (reserved) {
    op->name = (char *)reserved;
  } else {
    op->name = base + name_at;
    memcpy(op->name, spec->name, len + 1);
  }
  if (spec->data) {
    *vs__op_payload(op) = (vs_op_payload){.data = base + data_at, .size = spec->data_size};
    op->data_inline = true;
    memcpy(base + data_at, spec->data, spec->data_size);
  }
  atomic_init(&op->out_name, NULL);
  if ((def->flags & VS_OPF_CONTAINER) && !vs__op_tensor_name(op)) goto oom;
  op->device = vs__no_device;
  op->has_output = spec->has_output;
  op->dtype = spec->dtype;
  if (spec->attr) memcpy(&op->attr, spec->attr, attr_bytes); /* attrs: checked above; the type's bytes only */
  op->rank = -1; /* free_op's view until the shape is set */
  if (!vs__op_set_shape(op, spec->infer_shape && def->shape ? def->shape(op) : spec->shape)) goto oom;
  vs_thread_state *ts = vs__thread(g, st);
  /* Device functions first (Graph._apply_device_functions), hidden under a
   * ref input's colocate_with and tf.device(None); then the colocation
   * stack, whose device wins. */
  if (!ts || (!spec->colocate_with && !spec->no_device && !vs__placement_apply(g, ts, op, st)) ||
      !vs__colocation_apply(ts, op, spec->colocate_with, ts->init_colocate, st) ||
      !vs__control_apply(ts, op, st)) {
    free_op(op);
    return NULL;
  }
  vs__container_apply(op);
  /* Not marked in names_in_use: as TF's create_op, only name scopes and
   * unique_name reserve names, so an absolute name stays free. Room is
   * made here, after the device functions (user code, which may have made
   * ops meanwhile) ran. */
  if (!VS_GROW(g->ops, g->ops_cap, g->n_ops + 1) || !op_index_reserve(g)) goto oom;
  size_t slot = op_slot(g, g->op_index, g->op_index_cap, op->name);
  if (g->op_index[slot]) { /* made by such code since the check above */
    free_op(op);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "Duplicate node name in graph: '%s'", spec->name);
    return NULL;
  }
  op->index = g->n_ops;
  g->ops[g->n_ops++] = op;
  g->op_index[slot] = (uint32_t)g->n_ops;
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
  /* An op a run plan may already hold (registered, and not the newest one,
   * which vs_group is still building) changed its dependencies. */
  vs_graph *g = op->graph;
  if (op->index + 1 < g->n_ops && g->ops[op->index] == op) g->plan_epoch++;
  return true;
}

vs_op *vs__op_in_scope(vs_graph *g, vs_thread_state *ts, const char *name, vs_op_spec *spec,
                       vs_status *st) {
  const char *scope = vs__name_scope_enter(g, ts, name ? name : spec->type, st);
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
const char *vs__op_type(const vs_op *op) { return op->def->type; }
VS_API const char *vs_op_type(const vs_op *op) { return op ? vs__op_type(op) : NULL; }
VS_API const char *vs_op_device(const vs_op *op) { return op ? op->device : NULL; }
/* The counts are ints inside an op (they are small and set once); the API
 * speaks size_t. */
VS_API size_t vs_op_num_inputs(const vs_op *op) { return op ? (size_t)op->n_inputs : 0; }
VS_API vs_output vs_op_input(const vs_op *op, size_t i) {
  if (!op || i >= (size_t)op->n_inputs) return (vs_output){NULL, 0};
  return op->inputs[i];
}
VS_API size_t vs_op_num_control_inputs(const vs_op *op) {
  return op ? (size_t)op->n_controls : 0;
}
VS_API vs_op *vs_op_control_input(const vs_op *op, size_t i) {
  return op && i < (size_t)op->n_controls ? op->controls[i] : NULL;
}
VS_API vs_dtype vs_op_output_dtype(const vs_op *op) { return op ? op->dtype : VS_DTYPE_DEFAULT; }
VS_API vs_shape vs_op_output_shape(const vs_op *op) {
  return op ? vs__op_shape(op) : (vs_shape){.known = false};
}
VS_API vs_output vs_op_output(vs_op *op) { return (vs_output){op, 0}; }
const char *vs__op_tensor_name(vs_op *op) {
  char *have = atomic_load_explicit(&op->out_name, memory_order_acquire);
  if (have) return have;
  char *made = vs__asprintf("%s:0", op->name);
  if (!made) return NULL;
  /* Another thread may have made it meanwhile: the first one stays. */
  if (!atomic_compare_exchange_strong_explicit(&op->out_name, &have, made, memory_order_acq_rel,
                                               memory_order_acquire)) {
    free(made);
    return have;
  }
  return made;
}

VS_API const char *vs_output_name(vs_output out) {
  return out.op && out.op->has_output && out.index == 0 ? vs__op_tensor_name(out.op) : NULL;
}

VS_API vs_op *vs_graph_operation_by_name(vs_graph *g, const char *name) {
  if (!g || !name) return NULL;
  vs__lock(g);
  vs_op *op = vs__op_by_name(g, name);
  vs__unlock(g);
  return op;
}

/* The op array grows (and moves) under other threads' calls: read it under
 * the lock. The lock is part of the graph, not of its logical value, hence
 * the const cast. */
VS_API size_t vs_graph_num_operations(const vs_graph *g) {
  if (!g) return 0;
  vs_graph *mg = (vs_graph *)g;
  vs__lock(mg);
  size_t n = g->n_ops;
  vs__unlock(mg);
  return n;
}
VS_API vs_op *vs_graph_operation(const vs_graph *g, size_t i) {
  if (!g) return NULL;
  vs_graph *mg = (vs_graph *)g;
  vs__lock(mg);
  vs_op *op = i < g->n_ops ? g->ops[i] : NULL;
  vs__unlock(mg);
  return op;
}
