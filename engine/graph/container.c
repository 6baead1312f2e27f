/* container.c - Graph.container(name) (tf.compat.v1.container): the
 * resource container that stateful ops built inside it name in their
 * `container` attribute. Of varscope's ops only VariableV2 has one. The
 * current container is per thread, as varscope's other scopes. */
#include <stdlib.h>

#include "graph/graph_internal.h"
#include "kernels/registry.h"

struct vs_container_frame {
  const char *name; /* kept by the graph: ops borrow it */
  struct vs_container_frame *next;
};

void vs__container_free(struct vs_container_frame *f) {
  while (f) {
    struct vs_container_frame *next = f->next;
    free(f);
    f = next;
  }
}

void vs__container_apply(const vs_thread_state *ts, vs_op *op) {
  /* _create_op_helper: a non-empty container on a stateful op that has the
   * attribute and left it empty. */
  if ((op->def->flags & VS_OPF_CONTAINER) && ts->container && ts->container->name[0] &&
      !op->attr.variable.container)
    op->attr.variable.container = ts->container->name;
}

VS_API bool vs_container_push(vs_graph *g, const char *name, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "vs_container_push: graph must not be NULL");
  vs__lock(g);
  bool ok = false;
  vs_thread_state *ts = vs__thread(g, st);
  struct vs_container_frame *f = ts ? malloc(sizeof *f) : NULL;
  const char *kept = f ? vs__keep_string(g, vs__strdup(name ? name : ""), st) : NULL;
  if (ts && !f) vs__oom(st);
  if (kept) {
    *f = (struct vs_container_frame){.name = kept, .next = ts->container};
    ts->container = f;
    ok = true;
  } else {
    free(f);
  }
  vs__unlock(g);
  return ok;
}

VS_API void vs_container_pop(vs_graph *g, vs_status *st) {
  vs__ok(st);
  if (!g) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_container_pop: graph must not be NULL");
    return;
  }
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  if (ts && !ts->container) {
    vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "vs_container_pop: no container scope is open on this thread");
  } else if (ts) {
    struct vs_container_frame *f = ts->container;
    ts->container = f->next;
    free(f);
  }
  vs__unlock(g);
}

VS_API const char *vs_op_container(const vs_op *op) {
  if (!op || !op->def || !(op->def->flags & VS_OPF_CONTAINER)) return NULL;
  return op->attr.variable.container ? op->attr.variable.container : "";
}
