/* train_internal.h - the optimizer object (engine/train/optimizer.c), its
 * slots (slots.c), and what the optimizers and the update kernels
 * (engine/kernels/training.c) share: the layout of each Apply op's inputs,
 * which both the graph-time shape checks and the run-time kernel walk, so
 * the two cannot disagree. */
#ifndef VS_TRAIN_INTERNAL_H
#define VS_TRAIN_INTERNAL_H

#include "graph/graph_internal.h"
#include "varscope/train.h"

/* What an input of an Apply op is. */
typedef enum vs_apply_role {
  VS_APPLY_REF,    /* the variable (input 0) or one of its slots: updated in place (a
                    * RefVariable's ref, or a resource variable's handle) */
  VS_APPLY_SCALAR, /* a hyper-parameter: a scalar (lr, momentum, beta1_power, ...) */
  VS_APPLY_TENSOR, /* the gradient: the variable's shape */
} vs_apply_role;

#define VS_APPLY_MAX_INPUTS 10

typedef struct vs_apply_spec {
  const char *type;   /* TF's op type, "ApplyAdam" */
  const char *kernel; /* its kernel in cl_kernels/training.cl */
  int n_inputs;
  vs_apply_role role[VS_APPLY_MAX_INPUTS];
  const char *input[VS_APPLY_MAX_INPUTS]; /* TF's input names, as its errors print them */
  bool has_nesterov;  /* the op has a use_nesterov attr (ApplyMomentum, ApplyAdam) */
  /* ResourceApply*: the REF inputs are resource handles (VarHandleOp
   * outputs) and the op has no output (TF's resource ops return nothing). */
  bool resource;
} vs_apply_spec;

/* The spec of an Apply op type (Apply* or ResourceApply*); NULL for any
 * other type. */
const vs_apply_spec *vs__apply_spec(const char *type);

typedef enum vs_opt_kind { VS_OPT_GD, VS_OPT_MOMENTUM, VS_OPT_ADAM, VS_OPT_RMSPROP } vs_opt_kind;

/* One slot variable: Optimizer._slots[slot_name][var_key]. */
typedef struct vs_slot_entry {
  const vs_var *primary;
  const char *slot_name; /* static: "momentum", "m", "v", "rms", "mg" */
  vs_var *slot;
} vs_slot_entry;

/* One non-slot variable: Optimizer._non_slot_dict[(name, graph)]. */
typedef struct vs_nonslot_entry {
  const vs_graph *graph;
  const char *name;      /* static: "beta1_power", "beta2_power" */
  vs_var *var;
} vs_nonslot_entry;

struct vs_optimizer {
  vs_opt_kind kind;
  char *name;             /* owned */
  bool use_locking, use_nesterov, centered;
  double learning_rate, momentum, beta1, beta2, epsilon, decay;
  vs_output learning_rate_tensor; /* {NULL, 0}: learning_rate as a Const */
  vs_slot_entry *slots;
  size_t n_slots, slots_cap;
  vs_nonslot_entry *nonslots;
  size_t n_nonslots, nonslots_cap;
};

/* Optimizer._get_or_make_slot_with_initializer / _zeros_slot: the slot
 * `slot_name` of primary, made on first use as "<primary>/<op_name>" by
 * slot_creator (variable_scope(None, default_name), colocated with primary,
 * not trainable) with initializer `init`. The caller holds no graph lock
 * and has cleared the control dependencies (TF's init_scope). */
vs_var *vs__opt_slot(vs_optimizer *opt, vs_var *primary, const char *slot_name, const char *op_name,
                     vs_initializer init, vs_status *st);

/* Optimizer._create_non_slot_variable: a float32 tf.Variable `name`
 * (static string) holding `initial`, made once per graph, colocated with
 * `colocate_with` and of its kind (resource or ref). */
vs_var *vs__opt_non_slot(vs_optimizer *opt, vs_graph *g, const char *name, double initial,
                         vs_var *colocate_with, vs_status *st);

#endif
