/* control_deps.c - tf.control_dependencies and tf.group. */
#include <stdlib.h>
#include <string.h>

#include "graph/graph_internal.h"
#include "varscope/ops.h"

typedef struct vs_ctrl_frame {
  vs_op **ops;
  size_t n;
  bool clear;                 /* control_dependencies(None): ignore outer blocks */
  const vs_op **seen;         /* ops created inside this block (TF's op_in_group) */
  size_t n_seen, seen_cap;
  struct vs_ctrl_frame *outer;
} vs_ctrl_frame;

void vs__control_free(vs_ctrl_frame *f) {
  while (f) {
    vs_ctrl_frame *outer = f->outer;
    free(f->ops);
    free(f->seen);
    free(f);
    f = outer;
  }
}

static bool seen_in(const vs_ctrl_frame *f, const vs_op *op) {
  for (size_t i = 0; i < f->n_seen; i++)
    if (f->seen[i] == op) return true;
  return false;
}

static bool is_input(const vs_op *op, const vs_op *c) {
  for (int i = 0; i < op->n_inputs; i++)
    if (op->inputs[i].op == c) return true;
  for (int i = 0; i < op->n_controls; i++)
    if (op->controls[i] == c) return true;
  return false;
}

/* TF's _control_dependencies_for_inputs: a block adds its controls unless
 * the op is dominated (one of its inputs was created inside that block, so
 * it already depends on the controls); then the op is recorded as seen by
 * every active block. */
bool vs__control_apply(vs_thread_state *ts, vs_op *op, vs_status *st) {
  /* TF walks its controller stack outermost first (up to the innermost
   * control_dependencies(None)), so nested blocks add their controls in
   * that order: the active frames are found from the innermost, then
   * applied in reverse. */
  size_t depth = 0;
  for (vs_ctrl_frame *f = ts->ctrl; f; f = f->outer) {
    depth++;
    if (f->clear) break;
  }
  for (size_t k = depth; k-- > 0;) {
    vs_ctrl_frame *f = ts->ctrl;
    for (size_t j = 0; j < k; j++) f = f->outer;
    bool dominated = false;
    for (int i = 0; i < op->n_inputs && !dominated; i++) dominated = seen_in(f, op->inputs[i].op);
    for (size_t i = 0; i < f->n && !dominated; i++)
      if (!is_input(op, f->ops[i]) && !vs__op_add_control(op, f->ops[i], st)) return false;
  }
  for (vs_ctrl_frame *f = ts->ctrl; f; f = f->outer) {
    if (!VS_GROW(f->seen, f->seen_cap, f->n_seen + 1)) {
      vs__oom(st);
      return false;
    }
    f->seen[f->n_seen++] = op;
    if (f->clear) break;
  }
  return true;
}

VS_API void vs_control_dependencies_push(vs_graph *g, vs_op *const *ops, size_t n, vs_status *st) {
  vs__ok(st);
  /* n of VS_NPOS or near it is a negative count converted to size_t: no
   * list is that long, and it must not reach the size computations below. */
  if (!g || n > VS_MAX_LIST || (n > 0 && !ops)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_control_dependencies_push: graph must not be NULL, nor ops when n > 0");
    return;
  }
  for (size_t i = 0; i < n; i++)
    if (!ops[i] || ops[i]->graph != g) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "control_dependencies: op %zu is NULL or from another graph", i);
      return;
    }
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  vs_ctrl_frame *f = ts ? calloc(1, sizeof *f) : NULL;
  if (ts && (!f || (n && !(f->ops = malloc(n * sizeof *f->ops))))) {
    free(f);
    f = NULL;
    vs__oom(st);
  }
  if (f) {
    if (n) memcpy(f->ops, ops, n * sizeof *ops);
    f->n = n;
    f->clear = ops == NULL; /* control_dependencies(None); [] adds nothing */
    f->outer = ts->ctrl;
    ts->ctrl = f;
  }
  vs__unlock(g);
}

VS_API void vs_control_dependencies_pop(vs_graph *g, vs_status *st) {
  vs__ok(st);
  if (!g) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_control_dependencies_pop: graph must not be NULL");
    return;
  }
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  if (ts && !ts->ctrl) {
    vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "vs_control_dependencies_pop: no control_dependencies block is open");
  } else if (ts) {
    vs_ctrl_frame *f = ts->ctrl;
    ts->ctrl = f->outer;
    f->outer = NULL;
    vs__control_free(f);
  }
  vs__unlock(g);
}

VS_API vs_op *vs_group(vs_graph *g, vs_op *const *ops, size_t n, const char *name, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g && n <= VS_MAX_LIST && (ops || !n), st, "vs_group: graph must not be NULL, nor ops when n > 0");
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  vs_op *op = NULL;
  if (ts) {
    /* TF's group is a NoOp under control_dependencies(ops). */
    const char *scope = vs__name_scope_push(g, ts, name ? name : "group_deps", st);
    if (scope) {
      char *op_name = vs__strndup(scope, scope[0] ? strlen(scope) - 1 : 0);
      if (!op_name) vs__oom(st);
      else op = vs__op_create(g, &(vs_op_spec){.type = "NoOp", .name = op_name}, st);
      for (size_t i = 0; op && i < n; i++)
        if (ops[i] && !is_input(op, ops[i]) && !vs__op_add_control(op, ops[i], st)) op = NULL;
      free(op_name);
      vs__name_scope_pop(ts);
    }
  }
  vs__unlock(g);
  return op;
}
