/* dot.c - the graph as a Graphviz digraph (export.h): a quick picture of
 * what was built, ops clustered by their top-level name scope. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/protobuf.h"
#include "graph/graph_internal.h"
#include "varscope/export.h"

static void put(vs__pb_buf *b, const char *s) { vs__pb_raw(b, s, strlen(s)); }

static void putf(vs__pb_buf *b, const char *fmt, ...) VS_PRINTF(2, 3);
static void putf(vs__pb_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = vs__vasprintf(fmt, ap);
  va_end(ap);
  if (!s) b->oom = true;
  else put(b, s);
  free(s);
}

/* A DOT string's body: '"' and '\' escaped. */
static void quoted(vs__pb_buf *b, const char *s) {
  put(b, "\"");
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') put(b, "\\");
    vs__pb_raw(b, s, 1);
  }
  put(b, "\"");
}

static void node(vs__pb_buf *b, const vs_op *op, const char *indent) {
  put(b, indent);
  quoted(b, op->name);
  put(b, " [label=");
  vs__pb_buf label = {0};
  put(&label, op->name);
  put(&label, "\n");
  put(&label, vs__op_type(op));
  if (op->device && op->device[0]) {
    put(&label, "\n");
    put(&label, op->device);
  }
  vs__pb_raw(&label, "", 1);
  if (label.oom) b->oom = true;
  else {
    /* the label's newlines as DOT's \n escape */
    put(b, "\"");
    for (const char *s = (const char *)label.p; *s; s++) {
      if (*s == '\n') put(b, "\\n");
      else {
        if (*s == '"' || *s == '\\') put(b, "\\");
        vs__pb_raw(b, s, 1);
      }
    }
    put(b, "\"");
  }
  vs__pb_free(&label);
  put(b, "];\n");
}

/* Length of the op's top-level scope ("a" of "a/b/c"), 0 at the root. */
static size_t top_scope(const char *name) {
  const char *slash = strchr(name, '/');
  return slash ? (size_t)(slash - name) : 0;
}

VS_API char *vs_graph_export_dot(vs_graph *g, const vs_export_opts *opts, size_t *len, vs_status *st) {
  (void)opts; /* no DOT-specific option yet */
  vs__ok(st);
  if (len) *len = 0;
  if (!g) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_graph_export_dot: a graph is required");
    return NULL;
  }
  vs__pb_buf b = {0};
  put(&b, "digraph varscope {\n  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n"
          "  edge [fontname=\"Helvetica\", fontsize=8];\n");
  vs__lock(g);
  size_t n = g->n_ops;
  /* each op's cluster: the first op of its top-level scope, or none */
  size_t *first = malloc((n ? n : 1) * sizeof *first);
  vs_strmap seen = {0}; /* scope -> (index of its first op) + 1 */
  if (!first) b.oom = true;
  for (size_t i = 0; first && i < n; i++) {
    const char *name = g->ops[i]->name;
    size_t k = top_scope(name);
    first[i] = SIZE_MAX;
    if (!k) continue;
    char *scope = vs__strndup(name, k);
    uintptr_t at = scope ? (uintptr_t)vs_strmap_get(&seen, scope) : 0;
    if (at) first[i] = (size_t)at - 1;
    else if (scope && vs_strmap_put(&seen, scope, (void *)(uintptr_t)(i + 1))) first[i] = i;
    else b.oom = true;
    free(scope);
  }
  vs_strmap_free(&seen);
  size_t clusters = 0;
  for (size_t i = 0; first && i < n; i++) {
    if (first[i] == SIZE_MAX) {
      node(&b, g->ops[i], "  ");
    } else if (first[i] == i) {
      putf(&b, "  subgraph cluster_%zu {\n    label=", clusters++);
      vs__pb_buf scope = {0};
      vs__pb_raw(&scope, g->ops[i]->name, top_scope(g->ops[i]->name));
      vs__pb_raw(&scope, "", 1);
      if (scope.oom) b.oom = true;
      else quoted(&b, (const char *)scope.p);
      vs__pb_free(&scope);
      put(&b, ";\n");
      for (size_t j = i; j < n; j++)
        if (first[j] == i) node(&b, g->ops[j], "    ");
      put(&b, "  }\n");
    }
  }
  for (size_t i = 0; i < n; i++) {
    const vs_op *op = g->ops[i];
    for (int k = 0; k < op->n_inputs; k++) {
      const vs_op *src = op->inputs[k].op;
      char shape[160];
      vs_shape_format(vs__op_shape(src), shape, sizeof shape);
      put(&b, "  ");
      quoted(&b, src->name);
      put(&b, " -> ");
      quoted(&b, op->name);
      putf(&b, " [label=\"%s %s\"];\n", vs_dtype_name(src->dtype), shape);
    }
    for (int k = 0; k < op->n_controls; k++) {
      put(&b, "  ");
      quoted(&b, op->controls[k]->name);
      put(&b, " -> ");
      quoted(&b, op->name);
      put(&b, " [style=dashed];\n");
    }
  }
  vs__unlock(g);
  free(first);
  put(&b, "}\n");
  size_t text_len = b.len;
  vs__pb_raw(&b, "", 1);
  if (b.oom) {
    vs__pb_free(&b);
    vs__oom(st);
    return NULL;
  }
  if (len) *len = text_len;
  return (char *)b.p;
}
