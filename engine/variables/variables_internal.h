/* variables_internal.h - variables and initializer descriptors. */
#ifndef VS_VARIABLES_INTERNAL_H
#define VS_VARIABLES_INTERNAL_H

#include "graph/graph_internal.h"
#include "varscope/variable.h"

struct vs_var {
  vs_graph *graph;
  size_t index;             /* creation order */
  vs_op *op;                /* VariableV2 "<n>" */
  vs_op *assign;            /* "<n>/Assign": v.initializer */
  vs_op *read;              /* "<n>/read" ("<n>/Read/ReadVariableOp") */
  vs_op *is_init;           /* resource: "<n>/IsInitialized/VarIsInitializedOp" */
  bool resource;            /* a ResourceVariable: op is its VarHandleOp */
  vs_output initial_value;
  const char *store_key;    /* the store's copy (graph-owned); NULL for tf.Variable */
  vs_dtype dtype;
  vs_shape shape;
  bool trainable;
  /* Graph-kept and immutable, shared by variables with equal initializers
   * (every get_variable under one default shares one): a vs_var was 384 B,
   * half of it this struct (issue 10, per-variable memory). Never NULL
   * once the variable is built. */
  const vs_initializer *initializer;
  char *caching_device;
  vs_constraint_fn constraint;
  void *constraint_data;
  vs_synchronization synchronization;
  vs_aggregation aggregation;
  const struct vs_partitioned_var *partition; /* the PartitionedVariable of a part, or NULL */
  int64_t slice_offset;     /* a part's offset along the partitioned axis */
};

/* ---- partitioned variables (partitioned.c, partitioners.c) ---- */
/* _true_getter's test: a partitioner, and a shape not given as (). */
bool vs__partitioner_applies(const vs_partitioner *p, const vs_shape *shape);
/* _get_partitioned_variable: the real getter when a partitioner applies. */
vs_partitioned_var *vs__partitioned_getter(vs_graph *g, const vs_getter_args *a, vs_status *st);
/* _get_single_variable: the real getter of one variable (store.c). */
vs_var *vs__true_getter(vs_graph *g, const vs_getter_args *a, vs_status *st);
/* _get_default_initializer: glorot_uniform for floats, zeros for integers,
 * bools and strings; otherwise TF's "An initializer for variable %s of %s
 * is required". */
bool vs__default_initializer(const char *name, vs_dtype dtype, vs_initializer *out, vs_status *st);

/* Copies an initializer's host values into graph-owned memory so the
 * descriptor outlives the caller's array. */
bool vs__initializer_own(vs_graph *g, vs_initializer *init, vs_status *st);

/* True for TF's callable initializers (everything but values and tensors). */
bool vs__initializer_callable(const vs_initializer *init);

/* The dtype and shape of a non-callable initializer's value. */
vs_dtype vs__initializer_value_dtype(const vs_initializer *init);
vs_shape vs__initializer_value_shape(const vs_initializer *init);

/* Checks that a callable initializer can produce `dtype` values of `shape`
 * (TF raises these when the initializer is called at creation). */
bool vs__initializer_check_call(const vs_initializer *init, vs_dtype dtype, const vs_shape *shape,
                                vs_status *st);

/* Builds the ops an initializer call creates in the current name scope
 * (callables) or the "initial_value" Const of a host value, converted to
 * dtype; returns the op whose output is the initial value. */
vs_op *vs__initializer_build(vs_graph *g, vs_thread_state *ts, const vs_initializer *init,
                             vs_dtype dtype, const vs_shape *shape, vs_status *st);

/* What RefVariable's constructor needs. */
typedef struct vs_var_spec {
  const char *name;          /* NULL: "Variable" */
  vs_initializer init;       /* the initial value (callable, value or tensor) */
  vs_shape shape;            /* callable: the shape to call it with */
  vs_dtype dtype;            /* callable: the dtype; value: conversion target or default */
  bool trainable;
  const char *const *collections; /* NULL: [GLOBAL_VARIABLES] */
  bool validate_shape;
  const char *caching_device;
  vs_constraint_fn constraint;
  void *constraint_data;
  vs_synchronization synchronization; /* validated */
  vs_aggregation aggregation;         /* validated */
  bool resource;                      /* a ResourceVariable (VarHandleOp) */
} vs_var_spec;

/* RefVariable._init_from_args, under init_scope (no control dependencies):
 * builds "<n>", its initial value, "<n>/Assign"
 * and "<n>/read" under name_scope(name), and adds the variable to its
 * collections. */
vs_var *vs__variable_create(vs_graph *g, vs_thread_state *ts, const vs_var_spec *spec,
                            vs_status *st);

/* validate_synchronization_aggregation_trainable: checks the two enums
 * (aggregation first) with TF's texts naming `name` ("None" when NULL) and
 * resolves a default trainable (False for ON_READ). */
bool vs__validate_sync_agg(vs_synchronization sync, vs_aggregation agg, vs_opt_bool trainable,
                           const char *name, bool *trainable_out, vs_status *st);

/* A variable made through the thread's variable creators
 * (variable_creator_scope), innermost first, ending in the default creator
 * (validation, then vs__variable_create). */
vs_var *vs__variable_create_via_creators(vs_graph *g, vs_thread_state *ts,
                                         const vs_creator_args *args, vs_status *st);

/* A resource variable's value() as convert_to_tensor(v) takes it, in the
 * caller's name scope: its cached read ("<n>/Read/Identity") when it has
 * a caching_device, else a new "ReadVariableOp" built under
 * colocate_with(None, ignore_existing=True) (variable.c). */
vs_output vs__resource_value(vs_graph *g, vs_thread_state *ts, vs_var *v, vs_status *st);

/* Python's repr of a float ("0.0", "1.5", "-1.224744871391589"). */
void vs__py_float_repr(double v, char *buf, size_t cap);

#endif
