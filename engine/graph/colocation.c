/* colocation.c - tf.compat.v1.colocate_with: the per-thread colocation stack
 * (Graph._colocation_stack) and the `_class` attribute ("loc:@<op>") that
 * Graph._create_op_helper gives every op built while it is not empty, as in
 * TensorFlow 2.21 graph mode.
 *
 * An op's colocation groups are stored packed in op->colocate: the strings
 * "loc:@a", "loc:@b", ... one after another, each NUL-terminated, the list
 * ended by an empty string. The lists are graph-owned and immutable, and
 * ops with the same list share one copy: a variable's ten ops all carry
 * "loc:@<v>" (issue 10, per-variable memory), so a new list equal to the
 * graph's last one is not kept again. */
#include <stdlib.h>
#include <string.h>

#include "graph/graph_internal.h"
#include "placement/placement_internal.h"

/* One colocate_with entry. An op of another graph (TF accepts it: the
 * groups and device are copied onto new ops, and the session resolves
 * "loc:@<name>" among its own graph's ops) is kept as a copy of its groups
 * and device, made when the block is entered: the entry never points into
 * a graph that may be freed while the block is open. */
typedef struct coloc_entry {
  vs_op *op;                     /* NULL: colocate_with(None, ignore_existing=True), or a copy */
  const char *groups;            /* the copy: another graph's op's packed groups, graph-kept */
  const char *device;            /* the copy: that op's device, graph-kept */
  bool ignore_existing;          /* the walk stops after this entry */
  struct vs_device_stack *saved; /* the device stack the block hid (restored on exit) */
  size_t frames;                 /* the thread's variable scope frames when it was entered */
  const vs_colocation_scope *handle;
} coloc_entry;

struct vs_coloc_stack {
  coloc_entry *items;
  size_t n, cap;
};

/* The handle is only an identity: a graph-owned byte the entry points to. */
struct vs_colocation_scope {
  char tag;
};

void vs__colocation_free(struct vs_coloc_stack *stack) {
  if (!stack) return;
  for (size_t i = 0; i < stack->n; i++) vs__placement_free(stack->items[i].saved);
  free(stack->items);
  free(stack);
}

/* ---- packed group lists ---- */

/* Bytes of a packed list, its final empty string included. */
static size_t packed_size(const char *p) {
  const char *q = p;
  while (*q) q += strlen(q) + 1;
  return (size_t)(q - p) + 1;
}

/* Makes a packed list (malloc'd, consumed; NULL: out of memory) graph
 * -owned: the graph's last list when equal, else kept until the graph is
 * freed and remembered as the last. */
static const char *keep_list(vs_graph *g, char *packed, vs_status *st) {
  if (!packed) {
    vs__oom(st);
    return NULL;
  }
  size_t n = packed_size(packed);
  if (g->coloc_last && packed_size(g->coloc_last) == n && memcmp(g->coloc_last, packed, n) == 0) {
    free(packed);
    return g->coloc_last;
  }
  if (!vs__keep_string(g, packed, st)) return NULL;
  return g->coloc_last = packed;
}

/* Lists are immutable and live as long as their graph: a copy for another
 * op of the same graph is the list itself. */
const char *vs__coloc_dup(const char *packed) { return packed; }

char *vs__coloc_self(const char *op_name) {
  size_t len = strlen(op_name);
  char *r = malloc(len + 7);
  if (!r) return NULL;
  memcpy(r, "loc:@", 5);
  memcpy(r + 5, op_name, len + 1);
  r[len + 6] = '\0';
  return r;
}

/* The collected groups: sorted(set(...)) as TF does, bytewise. */
typedef struct group_set {
  char **items;
  size_t n, cap;
  bool oom;
} group_set;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds one group (g malloc'd, consumed; NULL: out of memory). */
static void add_group(group_set *s, char *g) {
  if (!g || !VS_GROW(s->items, s->cap, s->n + 1)) {
    free(g);
    s->oom = true;
    return;
  }
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->items[i], g) == 0) {
      free(g);
      return;
    }
  s->items[s->n++] = g;
}

/* A colocated op as the new op's creation sees it: an op of this graph,
 * or the copy of another graph's (groups, device). */
typedef struct coloc_src {
  const vs_op *op;
  const char *groups, *device;
} coloc_src;

/* Operation.colocation_groups(): the op's loc:@ entries of _class, else
 * its own "loc:@<name>". */
static void collect(group_set *s, const coloc_src *src) {
  const char *packed = src->op ? src->op->colocate : src->groups;
  if (!packed) {
    add_group(s, vs__coloc_self(src->op->name));
    return;
  }
  for (const char *p = packed; *p && !s->oom; p += strlen(p) + 1) add_group(s, vs__strdup(p));
}

/* Packs the sorted set into one allocation (the set's strings are freed). */
static char *pack(group_set *s) {
  qsort(s->items, s->n, sizeof *s->items, cmp_str);
  size_t bytes = 1;
  for (size_t i = 0; i < s->n; i++) bytes += strlen(s->items[i]) + 1;
  char *r = s->oom ? NULL : malloc(bytes), *w = r;
  for (size_t i = 0; i < s->n; i++) {
    size_t len = strlen(s->items[i]) + 1;
    if (w) memcpy(w, s->items[i], len), w += len;
    free(s->items[i]);
  }
  if (w) *w = '\0';
  free(s->items);
  return r;
}

bool vs__colocation_apply(vs_thread_state *ts, vs_op *op, vs_op *implicit, const char *attr_class,
                          vs_status *st) {
  struct vs_coloc_stack *cs = ts->coloc;
  /* The ops of the stack as peek_objs() yields them, newest first: a ref
   * input's variable (op_def_library's _MaybeColocateWith, pushed last),
   * then the entries down to the newest ignore_existing one. */
  coloc_src with[64], *list = with;
  size_t n = 0, depth = cs ? cs->n : 0;
  if (depth + 1 > sizeof with / sizeof *with && !(list = malloc((depth + 1) * sizeof *list))) goto oom;
  if (implicit) list[n++] = (coloc_src){.op = implicit};
  for (size_t i = depth; i-- > 0;) {
    const coloc_entry *e = &cs->items[i];
    if (e->op || e->groups) list[n++] = (coloc_src){.op = e->op, .groups = e->groups, .device = e->device};
    if (e->ignore_existing) break;
  }
  if (n == 0) {
    if (list != with) free(list);
    /* Graph._attr_scope({"_class": ["loc:@<v>"]}) of RefVariable: the op
     * keeps that attribute when no colocation stack overrides it. */
    return !attr_class || (op->colocate = keep_list(op->graph, vs__coloc_self(attr_class), st));
  }
  group_set s = {0};
  bool device_set = false;
  for (size_t i = 0; i < n && !s.oom; i++) {
    collect(&s, &list[i]);
    /* The newest colocated op with a device gives its device. */
    const char *device = list[i].op ? list[i].op->device : list[i].device;
    if (!device_set && device[0]) {
      char *dev = vs__strdup(device);
      if (!dev) s.oom = true;
      else vs__op_set_device(op, dev);
      device_set = true;
    }
  }
  if (list != with) free(list);
  return (op->colocate = keep_list(op->graph, pack(&s), st)) != NULL;
oom:
  vs__oom(st);
  return false;
}

struct vs_device_stack *vs__colocation_init_devices(const vs_thread_state *ts) {
  /* init_scope: the default graph's device stack when not empty, else the
   * one the innermost as_default() context switch recorded: the graph's
   * own, or the one current when the innermost open variable_scope was
   * entered (variable_scope enters as_default()). colocate_with swaps a
   * new stack object in, so that record is the stack hidden by the first
   * colocation block entered after that point, or the current one when
   * none was (then empty: nothing to lend). */
  const struct vs_coloc_stack *cs = ts->coloc;
  if ((ts->devices && ts->devices->n > 0) || !cs || cs->n == 0) return NULL;
  size_t d = 0; /* blocks entered before the innermost variable_scope */
  while (ts->n_frames > 0 && d < cs->n && cs->items[d].frames < ts->n_frames) d++;
  return d < cs->n ? cs->items[d].saved : NULL;
}

/* ---- public API ---- */

VS_API vs_colocation_scope *vs_colocate_with(vs_graph *g, vs_op *op, bool ignore_existing,
                                             vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "vs_colocate_with: graph must not be NULL");
  if (!op && !ignore_existing) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Trying to reset colocation (op is None) but ignore_existing is not True");
    return NULL;
  }
  vs__lock(g);
  vs_colocation_scope *h = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (!ts) goto done;
  if (ts->devices && ts->devices->busy) {
    vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "device scopes cannot change while a device function runs");
    goto done;
  }
  struct vs_coloc_stack *cs = ts->coloc;
  if (!cs && !(cs = ts->coloc = calloc(1, sizeof *cs))) goto oom;
  if (!VS_GROW(cs->items, cs->cap, cs->n + 1)) goto oom;
  /* An op of another graph: its groups and device, copied now (its name,
   * _class and device are fixed once it is made). */
  const char *groups = NULL, *device = NULL;
  if (op && op->graph != g) {
    char *packed = op->colocate ? malloc(packed_size(op->colocate)) : vs__coloc_self(op->name);
    if (packed && op->colocate) memcpy(packed, op->colocate, packed_size(op->colocate));
    if (!packed) goto oom;
    if (!(groups = vs__keep_string(g, packed, st)) || !(device = vs__keep_string(g, vs__strdup(op->device), st)))
      goto done;
    op = NULL;
  }
  h = calloc(1, sizeof *h);
  if (!vs__keep_string(g, (char *)h, st)) {
    h = NULL;
    goto done;
  }
  /* colocate_with empties the device function stack for its body:
   * colocation is stronger than device scopes. */
  cs->items[cs->n++] = (coloc_entry){.op = op, .groups = groups, .device = device,
                                     .ignore_existing = ignore_existing, .frames = ts->n_frames,
                                     .saved = ts->devices, .handle = h};
  ts->devices = NULL;
  goto done;
oom:
  vs__oom(st);
done:
  vs__unlock(g);
  return h;
}

VS_API void vs_colocation_scope_pop(vs_graph *g, vs_colocation_scope *scope, vs_status *st) {
  vs__ok(st);
  if (!g || !scope) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_colocation_scope_pop: graph and scope must not be NULL");
    return;
  }
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  struct vs_coloc_stack *cs = ts ? ts->coloc : NULL;
  if (!ts) {
    /* vs__thread reported it */
  } else if (!cs || cs->n == 0 || cs->items[cs->n - 1].handle != scope ||
             (ts->devices && ts->devices->n > 0)) {
    /* Not the innermost, or a device scope entered inside is still open. */
    vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "Exiting colocation scope without proper scope nesting.");
  } else if (ts->devices && ts->devices->busy) {
    vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "device scopes cannot change while a device function runs");
  } else {
    coloc_entry *e = &cs->items[--cs->n];
    vs__placement_free(ts->devices);
    ts->devices = e->saved;
    *e = (coloc_entry){0};
  }
  vs__unlock(g);
}

VS_API size_t vs_op_colocation_groups(const vs_op *op, const char **out, size_t cap) {
  if (!op || !op->colocate) return 0;
  size_t n = 0;
  for (const char *p = op->colocate; *p; p += strlen(p) + 1, n++)
    if (out && n < cap) out[n] = p;
  return n;
}
