/* scope_internal.h - VariableScope objects and custom-getter chains. */
#ifndef VS_SCOPE_INTERNAL_H
#define VS_SCOPE_INTERNAL_H

#include "graph/graph_internal.h"

/* One custom getter in a chain; `outer` is the getter it wraps (TF's
 * _maybe_wrap_custom_getter: the inner getter runs first). Links are owned
 * by the graph and shared between scope copies. */
typedef struct vs_getter_link {
  vs_custom_getter_fn fn;     /* one of fn and tfn is set */
  vs_tensor_getter_fn tfn;
  void *data;
  const struct vs_getter_link *outer;
} vs_getter_link;

struct vs_getter {
  vs_graph *graph;
  const vs_getter_link *link; /* NULL: the real getter */
};

struct vs_scope {
  vs_graph *graph;
  char *name;
  char *name_scope;           /* original_name_scope */
  vs_reuse reuse;             /* FALSE, TRUE or AUTO */
  vs_initializer initializer; /* values owned by the graph */
  vs_dtype dtype;
  const vs_getter_link *getter;
  vs_regularizer_fn regularizer;
  void *regularizer_data;
  char *caching_device;       /* replaced values are kept by the graph */
  vs_constraint_fn constraint;
  void *constraint_data;
  vs_partitioner partitioner;
  vs_opt_bool use_resource;   /* VS_OPT_DEFAULT: None */
};

/* The getter chain that results from installing `fn` inside `outer`. */
const vs_getter_link *vs__getter_compose(vs_graph *g, vs_custom_getter_fn fn,
                                         vs_tensor_getter_fn tfn, void *data,
                                         const vs_getter_link *outer, vs_status *st);

#endif
