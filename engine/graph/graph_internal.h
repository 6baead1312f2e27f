/* graph_internal.h - the graph's data model, shared by the graph, scope and
 * variable subsystems. Callers of the vs__ functions hold the graph lock.
 *
 * Locking rule: every field of vs_graph, and every field of an op, scope or
 * variable that can change after the call that made it returned, is read
 * and written only under g->mu. Fields fixed at creation (names, types,
 * inputs, dtypes, shapes) may be read without it, because an object reaches
 * another thread only through a locked lookup made after its creation. */
#ifndef VS_GRAPH_INTERNAL_H
#define VS_GRAPH_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "core/core.h"
#include "varscope/graph.h"
#include "varscope/scope.h"
#include "varscope/variable.h"

/* Typed attributes of an op, by op family (TF's AttrValue map, resolved at
 * construction). Which member is live is fixed by the op's def
 * (kernels/registry.h): random ops use .random, Assign .assign, Conv2D
 * .conv, MatMul .matmul, Sum, Mean and Prod .reduce, the pools .pool, the
 * optimizers' Apply* ops .apply, StridedSlice .strided, Squeeze .squeeze. */
typedef union vs_op_attrs {
  struct { bool has_seed; int64_t seed, seed2; } random; /* TF's seed/seed2 attrs from get_seed() */
  /* Assign: use_locking_false is an explicit use_locking=False (Adam's
   * beta-power updates); zero keeps the op's default, true */
  struct { bool validate_shape, use_locking_false; } assign;
  struct { int64_t strides[4], dilations[4]; bool pad_same; } conv; /* NHWC; SAME, else VALID */
  struct { bool transpose_a, transpose_b; } matmul;
  struct { bool keep_dims; } reduce;                      /* Sum, Mean (reduction indices: input 1, a Const) */
  struct { int64_t ksize[4], strides[4]; bool pad_same; } pool; /* MaxPool, AvgPool and their gradients, NHWC */
  struct { const char *container; } variable;           /* VariableV2; graph-kept, NULL: "" */
  struct { bool use_locking, use_nesterov; } apply;        /* Apply* (engine/kernels/training.c) */
  /* StridedSlice's masks (TF's attrs of the same names; bit i: spec entry i) */
  struct { int32_t begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask; } strided;
  struct { uint32_t dims; } squeeze;                      /* Squeeze: bit d set when squeeze_dims holds d */
} vs_op_attrs;

struct vs_op_def;

/* Dimensions an op keeps inline (vs_op.dims); ranks above go out of line. */
#define VS_OP_DIMS 4

/* Layout (issue 10, per-variable memory; docs/execution.md): an op is one
 * allocation holding the struct, its inputs and its two names, so a small
 * variable's ten ops cost ten mallocs, not forty. The typed attributes are
 * the struct's last field and are allocated only for ops whose def has
 * VS_OPF_ATTRS (kernels/registry.h), and only the def's attr_size bytes of
 * them (VariableV2: its container pointer): for the others the allocation
 * ends at offsetof(vs_op, attr) (vs__op_head_size) and the inputs follow
 * there. So op->attr is touched only through the member of the op's type,
 * never on an op whose def lacks the flag, and never copied whole (copy
 * vs__def_attr_bytes(def) bytes). */
struct vs_op {
  vs_graph *graph;
  size_t index;          /* creation order */
  char *name;            /* in the op's own allocation, or the graph's reserved-names copy (names_in_use, freed after the ops): never freed alone */
  /* name + ":0" (vs_output_name), made on first use (vs__op_tensor_name):
   * most ops' tensor names are never asked for (issue 10, per-variable
   * memory). Variable ops (VS_OPF_CONTAINER) have it from creation, so
   * vs_var_name cannot fail. Malloc'd, set once by compare-and-swap. */
  _Atomic(char *) out_name;
  const struct vs_op_def *def; /* the registered op type (kernels/registry.h); its name: vs__op_type */
  char *device;          /* malloc'd, or vs__no_device ("", shared, not freed) */
  const char *colocate;  /* TF's _class: "loc:@a\0loc:@b\0\0" packed, graph-owned and shared (colocation.c), or NULL */
  vs_output *inputs;     /* in the op's own allocation; fixed at creation */
  vs_op **controls;
  /* The static shape, compact (issue 10, per-variable memory: a vs_shape
   * is 72 B, most ops have rank 0 to 2): up to VS_OP_DIMS dimensions
   * inline, more in a block of their own (ext, freed with the op). Fixed
   * at creation; read it through vs__op_shape, which rebuilds a vs_shape. */
  union {
    int64_t in[VS_OP_DIMS];
    int64_t *ext;        /* rank > VS_OP_DIMS */
  } dims;
  /* The small fields together: no padding between pointers. */
  int n_inputs;
  int n_controls;
  vs_dtype dtype;
  bool has_output;
  bool data_inline;      /* the payload is in the op's own allocation (vs_op_spec.data), not freed alone */
  unsigned char ext;     /* VS_OPX_*: which per-kind fields sit in front of the op (vs__op_payload, vs__op_var) */
  int8_t rank;           /* of the static shape; -1: unknown (0..VS_MAX_RANK otherwise) */
  vs_op_attrs attr;      /* typed attributes, per def; ONLY for defs with VS_OPF_ATTRS, and last */
};

/* The op's static shape (TF's op.outputs[0].shape) as a vs_shape. */
static inline vs_shape vs__op_shape(const vs_op *op) {
  vs_shape s = {.known = op->rank >= 0, .rank = op->rank >= 0 ? op->rank : 0};
  const int64_t *d = op->rank > VS_OP_DIMS ? op->dims.ext : op->dims.in;
  for (int i = 0; i < s.rank; i++) s.dims[i] = d[i];
  return s;
}
/* Its element count (vs__shape_elements of it). */
static inline int64_t vs__op_elements(const vs_op *op) {
  vs_shape s = vs__op_shape(op);
  return vs__shape_elements(&s);
}
/* Its rank, -1 when unknown, without building the shape. */
static inline int vs__op_rank(const vs_op *op) { return op->rank; }
/* Sets the static shape at creation (graph.c); false when out of memory.
 * A known rank outside 0..VS_MAX_RANK is stored as the unknown shape's
 * caller would see it: refused by the constructors before they get here. */
bool vs__op_set_shape(vs_op *op, vs_shape s);

/* Per-kind fields live in front of the op, in its own allocation, only on
 * the ops that have them (issue 10, per-variable memory: 24 B an op less):
 * a Const's payload (VS_OPX_DATA, the 16 B of vs_op_payload) and a variable
 * op's vs_var (VS_OPX_VAR, 8 B, right before the struct). Layout from the
 * allocation's start: [payload][var]op. Fixed at creation (vs_op_spec.var,
 * a Const type or vs_op_spec.data); the payload of a packed-string Const is
 * set once right after it (graph/constant.c), before the op is published. */
enum { VS_OPX_DATA = 1, VS_OPX_VAR = 2 };
typedef struct vs_op_payload {
  void *data;            /* Const payload: inline (op->data_inline) or malloc'd */
  size_t size;
} vs_op_payload;
#define vs__op_prefix_size(ext) \
  (((ext) & VS_OPX_DATA ? sizeof(vs_op_payload) : 0) + ((ext) & VS_OPX_VAR ? sizeof(vs_var *) : 0))
/* The op's payload record, or NULL when its kind has none. */
static inline vs_op_payload *vs__op_payload(const vs_op *op) {
  return op->ext & VS_OPX_DATA ? (vs_op_payload *)((char *)(uintptr_t)op - vs__op_prefix_size(op->ext)) : NULL;
}
/* A Const's values (NULL for other ops) and their size in bytes. */
static inline void *vs__op_data(const vs_op *op) {
  vs_op_payload *p = vs__op_payload(op);
  return p ? p->data : NULL;
}
static inline size_t vs__op_data_size(const vs_op *op) {
  vs_op_payload *p = vs__op_payload(op);
  return p ? p->size : 0;
}
/* The variable a VariableV2/VarHandleOp/VarIsInitializedOp op belongs to, or NULL. */
static inline vs_var *vs__op_var(const vs_op *op) {
  return op->ext & VS_OPX_VAR ? *(vs_var *const *)((const char *)op - sizeof(vs_var *)) : NULL;
}
/* Clears the variable of an op made with vs_op_spec.var (a variable whose
 * creation failed; its ops stay in the graph, as in TF). */
static inline void vs__op_clear_var(vs_op *op) {
  if (op->ext & VS_OPX_VAR) *(vs_var **)((char *)op - sizeof(vs_var *)) = NULL;
}
/* The op's TF type name (its def's). */
const char *vs__op_type(const vs_op *op);

/* The bytes of an op without attributes: up to its attr field, rounded up
 * to the inputs' alignment. */
#define vs__op_head_size \
  ((offsetof(vs_op, attr) + _Alignof(vs_output) - 1) / _Alignof(vs_output) * _Alignof(vs_output))

/* One variable-scope entry on a thread (TF's _pure_variable_scope). */
typedef struct vs_vscope_frame {
  vs_scope *entered;       /* the object returned by push */
  vs_scope *old;           /* current scope before the push */
  bool by_object;          /* re-entry of a captured scope */
  vs_strmap saved_counts;  /* by_object: counts to restore on exit */
  char *saved_name_stack;  /* name stack before the push */
  size_t saved_ns_depth;   /* name-scope save-stack depth before the push */
} vs_vscope_frame;

/* Scope state is per thread, as in TF 1.15 (_VariableScopeStore is
 * thread-local). Owned by its thread, not by the graph: see the design note
 * in graph.c. Only the owning thread touches it. */
typedef struct vs_thread_state {
  vs_graph *graph;         /* valid only during calls on that graph */
  struct vs_graph_life *life; /* the graph's life record (one reference) */
  char *name_stack;        /* current name scope without trailing '/'; "" root */
  char **ns_saved;         /* name stacks to restore on name-scope pop */
  size_t ns_depth, ns_cap;
  vs_scope *root;          /* VariableScope(False), this thread's root */
  vs_scope *current;
  vs_strmap scope_counts;  /* variable_scopes_count: name -> (intptr) count */
  vs_vscope_frame *frames;
  size_t n_frames, frames_cap;
  struct vs_device_stack *devices; /* tf.device scopes (placement subsystem) */
  struct vs_ctrl_frame *ctrl;      /* tf.control_dependencies blocks, innermost first */
  struct vs_creator_scope *creators; /* variable_creator_scope stack, innermost; graph-owned */
  /* RefVariable builds callable initial values, and the variable op, under
   * Graph._attr_scope({"_class": ["loc:@<v>"]}): while set, new ops get
   * this colocation group unless the colocation stack overrides it. */
  const char *init_colocate;
  struct vs_coloc_stack *coloc;    /* colocate_with blocks (colocation.c) */
  /* partition_info.full_shape while a part's initializer is built: variance
   * scaling takes its fans from it (variables/partitioned.c). */
  const vs_shape *fan_shape;
  struct vs_thread_state *next; /* the owning thread's next state (other graphs) */
} vs_thread_state;

typedef struct vs_collection {
  char *key;
  vs_item *items;
  size_t count, cap;
} vs_collection;

struct vs_graph {
  pthread_mutex_t mu;      /* recursive: custom getters re-enter the API */
  bool has_seed;           /* tf.set_random_seed */
  bool use_resource;       /* vs_enable_resource_variables (variables/creator.c) */
  int64_t seed;
  int64_t seed_counter;    /* op seeds handed out under a graph seed */
  vs_op **ops;
  size_t n_ops, ops_cap;
  uint32_t *op_index;      /* name -> op: slots of op index + 1 (vs__op_by_name, graph.c) */
  size_t op_index_cap;
  vs_nameset names_in_use; /* name (ASCII case-insensitive) -> next suffix; ops borrow its copies (graph.c) */
  vs_strmap store;         /* get_variable store: full name -> vs_var* */
  vs_strmap partitioned;   /* full name -> vs_partitioned_var* (graph-kept blocks) */
  vs_var **vars;           /* every variable, creation order (owned) */
  size_t n_vars, vars_cap;
  vs_collection *colls;
  size_t n_colls, colls_cap;
  vs_strmap coll_index;    /* key -> (intptr) index + 1 */
  vs_scope **scopes;       /* every scope object (owned) */
  size_t n_scopes, scopes_cap;
  char **strings;          /* borrowed strings handed out (owned) */
  size_t n_strings, strings_cap;
  struct vs_graph_life *life; /* shared with the thread states made in it (graph.c) */
  /* Sessions on this graph (under mu). vs_graph_free while any is open only
   * sets free_pending; the last vs_session_free then frees the graph. */
  int sessions;
  /* Bumped when an op that a run plan may hold changes (a control input
   * added to an op older than the newest): cached plans rebuild (exec/plan.h). */
  uint64_t plan_epoch;
  bool free_pending;
  struct vs_container_frame *container; /* Graph.container blocks, innermost; per graph as TF's Graph._container (container.c) */
  const char *coloc_last;  /* the newest colocation list kept (colocation.c), shared by equal ones */
  const struct vs_initializer *init_last; /* the newest variable initializer kept (variables/variable.c), shared likewise */
  /* TF's Graph._reduced_shape_cache (engine/train): the (input shape,
   * axes) pairs whose Sum gradient has been built, keyed "2,3|1"; the
   * first build leaves Maximum and floordiv ops, later ones do not. */
  vs_strmap reduced_shapes;
};

/* vs_graph_free's deferral: true when sessions still use g (the free is
 * then left to the last of them). */
bool vs__graph_defer_free(vs_graph *g);

/* Locking: every public entry point brackets its work with these. */
void vs__lock(vs_graph *g);
void vs__unlock(vs_graph *g);

/* The calling thread's scope state in g (created on first use, which also
 * frees the thread's states in graphs freed since); NULL when out of
 * memory. The caller holds g's lock. */
vs_thread_state *vs__thread(vs_graph *g, vs_status *st);

/* Keeps a malloc'd string alive until the graph is freed and returns it
 * (NULL, with the string freed, when out of memory). */
const char *vs__keep_string(vs_graph *g, char *s, vs_status *st);

/* ---- names (names.c) ---- */
/* Graph.unique_name with the current name stack; result malloc'd. */
char *vs__unique_name(vs_graph *g, vs_thread_state *ts, const char *name, bool mark, vs_status *st);
/* The name Graph.create_op gives an op asked for `name`: "x/" is exactly
 * "x"; anything else is unique_name(name). Result malloc'd. */
char *vs__op_name(vs_graph *g, vs_thread_state *ts, const char *name, vs_status *st);
/* Graph.name_scope(name): validates, pushes, returns the yielded scope
 * ("a/b_1/" or ""), borrowed from the thread state's stack. */
const char *vs__name_scope_push(vs_graph *g, vs_thread_state *ts, const char *name, vs_status *st);
void vs__name_scope_pop(vs_thread_state *ts);
/* vs__name_scope_push without the graph's kept copy: the yielded scope is
 * valid only until the matching pop (or a restore to a shallower depth).
 * For internal callers that use it before popping; it saves a kept string
 * per scope (issue 10, per-variable memory). */
const char *vs__name_scope_enter(vs_graph *g, vs_thread_state *ts, const char *name, vs_status *st);
/* Restores the name stack to a saved value and depth (variable-scope exit). */
void vs__name_scope_restore(vs_thread_state *ts, const char *stack, size_t depth);
/* Validates a full node name as TF's C API does (tf.constant names). */
bool vs__check_node_name(const char *name, vs_status *st);

/* ---- operations (graph.c) ---- */
/* The device of an op placed nowhere: one shared "" instead of a malloc'd
 * copy per op. Code that replaces op->device frees the old value only when
 * it is not this (vs__op_set_device). */
extern char vs__no_device[1];
/* Replaces op->device with `dev` (malloc'd, owned by op from now on). */
void vs__op_set_device(vs_op *op, char *dev);
typedef struct vs_op_spec {
  const char *type;
  const char *name;        /* the final op name (already a scope name, trailing '/' stripped) */
  const vs_output *inputs;
  int n_inputs;
  bool has_output;
  vs_dtype dtype;
  vs_shape shape;
  bool no_device;          /* built under tf.device(None): device "" */
  /* A ref input's variable op: colocate_with(it) around the creation, as
   * op_def_library does (the device stack is hidden, its groups and device
   * taken, on top of the thread's colocation stack). */
  vs_op *colocate_with;
  const vs_op_attrs *attr; /* the typed attributes, or NULL (all zero) */
  /* A payload copied into the op's own allocation (op->data, data_size
   * bytes, aligned as malloc's): a Const's values without a malloc of
   * their own. NULL: none. Not for payloads holding pointers into
   * themselves (packed strings). */
  const void *data;
  size_t data_size;
  /* The variable a variable op (VariableV2, VarHandleOp), its Assign,
   * read or VarIsInitializedOp belongs to (vs__op_var), or NULL. */
  vs_var *var;
  /* The op's shape is its def's shape function's (kernels/registry.h), run
   * on the op with its inputs and attributes in place, not `shape`: one
   * shape function per op. Constructors check their inputs first (TF's
   * errors) and then let the registered function compute the result. Ops
   * whose shape is an attribute (Const, Placeholder, VariableV2) and the
   * ops built elsewhere pass `shape`. */
  bool infer_shape;
} vs_op_spec;
/* Creates and registers an op under an exact, unused name.
 * Errors: "Duplicate node name in graph: '%s'". */
vs_op *vs__op_create(vs_graph *g, const vs_op_spec *spec, vs_status *st);
/* The op's tensor name "name:0", made and kept on first use: NULL only
 * when out of memory. Thread-safe without the graph lock (an op's name is
 * fixed at creation; concurrent first calls agree on one string). */
const char *vs__op_tensor_name(vs_op *op);
/* The op named exactly `name`, or NULL (tf.Graph.get_operation_by_name). */
vs_op *vs__op_by_name(const vs_graph *g, const char *name);
/* Adds a control input. */
bool vs__op_add_control(vs_op *op, vs_op *control, vs_status *st);
/* Builds an op the way TF's generated wrappers do: inside
 * name_scope(name or default_name), named after the scope. */
vs_op *vs__op_in_scope(vs_graph *g, vs_thread_state *ts, const char *name, vs_op_spec *spec,
                       vs_status *st);

/* n strings (NULL entries are "") packed into one malloc'd block: the n
 * pointers, then the text they point to; *bytes receives its size. NULL
 * when out of memory. String Const payloads and initializer values. */
void *vs__pack_strings(const char *const *strings, size_t n, size_t *bytes);
/* tf.constant: a Const named through unique_name (TF's create_op path);
 * data holds the elements (copied). */
vs_op *vs__constant(vs_graph *g, vs_thread_state *ts, const void *data, vs_dtype dtype,
                    vs_shape shape, const char *name, vs_status *st);
/* Binary elementwise op (AddV2, Sub, Mul) under name_scope(name), with TF's
 * dtype and shape checks; the result shape broadcasts a scalar. */
vs_op *vs__binary(vs_graph *g, vs_thread_state *ts, const char *type, const char *name,
                  vs_output a, vs_output b, vs_status *st);
/* random_seed.get_seed(op_seed) at graph-construction time. */
void vs__get_seed(vs_graph *g, int64_t op_seed, bool *has, int64_t *seed, int64_t *seed2);

/* ---- collections (collections.c) ---- */
bool vs__collection_add(vs_graph *g, const char *key, vs_item item, vs_status *st);
size_t vs__collection_get(vs_graph *g, const char *key, const char *scope, vs_item_kind only,
                          vs_item *out, size_t cap, vs_status *st);

/* ---- control dependencies (ops/control_deps.c) ---- */
/* Adds the thread's active control dependencies to a new op. */
bool vs__control_apply(vs_thread_state *ts, vs_op *op, vs_status *st);
void vs__control_free(struct vs_ctrl_frame *frame);

/* ---- colocation (colocation.c) ---- */
/* Graph._create_op_helper's colocation step for a new op: with `implicit`
 * (a ref input's variable op, or NULL) on top of the thread's colocation
 * stack, the op's _class becomes the sorted set of the colocated ops'
 * groups and its device the newest one's that has a device; with nothing
 * to colocate with, `attr_class` (an op name, or NULL) gives _class
 * "loc:@<attr_class>". */
bool vs__colocation_apply(vs_thread_state *ts, vs_op *op, vs_op *implicit, const char *attr_class,
                          vs_status *st);
void vs__colocation_free(struct vs_coloc_stack *stack);
/* The device stack ops.init_scope() gives a variable built inside
 * colocate_with: NULL when the thread's current stack has entries (init_scope
 * keeps it), no colocate_with block is open, or none was entered since the
 * innermost open variable_scope; else the stack hidden by the first block
 * entered since then (or since the start: the graph's own), possibly NULL
 * or empty. Borrowed; the graph lock is held. */
struct vs_device_stack *vs__colocation_init_devices(const vs_thread_state *ts);
/* A packed group list for another op of the same graph (lists are
 * graph-owned and immutable, so the list itself); "loc:@<name>" as a
 * malloc'd packed list, NULL when out of memory. */
const char *vs__coloc_dup(const char *packed);
char *vs__coloc_self(const char *op_name);

/* ---- containers (container.c) ---- */
/* Sets a new op's container attribute from its graph's current one. */
void vs__container_apply(vs_op *op);
void vs__container_free(struct vs_container_frame *f);

/* ---- placement (engine/placement) ---- */
/* Sets op->device from the calling thread's device stack (innermost first,
 * device functions having the last word, a NULL entry stopping the walk). */
bool vs__placement_apply(vs_graph *g, vs_thread_state *ts, vs_op *op, vs_status *st);
void vs__placement_free(struct vs_device_stack *stack);

/* ---- owned by other subsystems, freed with the graph ---- */
void vs__var_free(vs_var *v);
void vs__scope_free(vs_scope *s);
vs_scope *vs__scope_new_root(vs_graph *g, vs_status *st);

#endif
