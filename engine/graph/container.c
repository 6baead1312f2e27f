/* container.c - Graph.container(name) (tf.compat.v1.container): the
 * resource container that stateful ops built inside it name in their
 * `container` attribute. Of varscope's ops with the attribute
 * (VariableV2, VarHandleOp) each takes it. The current container is per
 * graph, as TF keeps it (Graph._container): a thread building in the graph
 * while another holds a container block open gets that container, and any
 * thread's pop leaves the innermost block. The graph lock guards it. */
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

void vs__container_apply(vs_op *op) {
  /* _create_op_helper: a non-empty container on a stateful op that has the
   * attribute and left it empty. */
  const struct vs_container_frame *c = op->graph->container;
  if ((op->def->flags & VS_OPF_CONTAINER) && c && c->name[0] && !op->attr.variable.container)
    op->attr.variable.container = c->name;
}

VS_API bool vs_container_push(vs_graph *g, const char *name, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "vs_container_push: graph must not be NULL");
  vs__lock(g);
  bool ok = false;
  struct vs_container_frame *f = malloc(sizeof *f);
  const char *kept = f ? vs__keep_string(g, vs__strdup(name ? name : ""), st) : NULL;
  if (!f) vs__oom(st);
  if (kept) {
    *f = (struct vs_container_frame){.name = kept, .next = g->container};
    g->container = f;
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
  if (!g->container) {
    vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "vs_container_pop: no container scope is open on this graph");
  } else {
    struct vs_container_frame *f = g->container;
    g->container = f->next;
    free(f);
  }
  vs__unlock(g);
}

VS_API const char *vs_op_container(const vs_op *op) {
  if (!op || !op->def || !(op->def->flags & VS_OPF_CONTAINER)) return NULL;
  return op->attr.variable.container ? op->attr.variable.container : "";
}
