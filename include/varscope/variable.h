/* varscope/variable.h - variables: tf.compat.v1.get_variable and tf.Variable.
 *
 * Two ways to make a variable, with TensorFlow's different naming:
 *   - vs_get_variable names it from the *variable* scope only
 *     ("foo/v:0" even inside name_scope("ns")), keeps it in the graph's
 *     variable store under that full name and shares it according to the
 *     scope's reuse flag;
 *   - vs_variable (tf.Variable) names it from the *name* scope, uniquifies
 *     the name ("v", "v_1"; default "Variable") and never enters the store.
 *
 * Each variable builds TF's RefVariable ops: "<n>" (VariableV2), the initial
 * value ("<n>/Initializer/<kind>" for a callable initializer,
 * "<n>/initial_value" for a host value), "<n>/Assign" (its initializer op)
 * and "<n>/read". The variable is a handle borrowed from the graph.
 *
 * Resource variables (use_resource=True; TF's ResourceVariable in graph
 * mode) build instead: the initial value, always under "<n>/Initializer/"
 * ("<n>/Initializer/initial_value" for a host value); "<n>" (VarHandleOp,
 * a scalar of dtype VS_RESOURCE, shared_name "<n>", the container of
 * tf.container); "<n>/IsInitialized/VarIsInitializedOp";
 * "<n>/Assign" (AssignVariableOp, no output: v.initializer); and
 * "<n>/Read/ReadVariableOp" (v.value()). vs_var_name is the handle's
 * tensor "v:0", vs_var_dtype_name the plain dtype ("float32", no "_ref").
 * Which kind is made: the call's use_resource, else the variable scope's
 * (vs_varscope_opts.use_resource, vs_scope_set_use_resource), else the
 * graph's switch vs_enable_resource_variables (TF's process-wide
 * tf.compat.v1.enable_resource_variables(): per graph in C, so that two
 * graphs of one process do not interfere). Optimizers (train.h) update
 * both kinds (ResourceApply* ops for resource variables).
 *
 * Thread safety (the terms of graph.h): vs_get_variable,
 * vs_get_local_variable and vs_variable are [per-thread] (they use the
 * calling thread's scopes; the store they share is locked, so two threads
 * asking for the same name get one variable or the store's error); a
 * custom getter runs with the graph's lock held and may call back into the
 * graph on the same thread. The vs_var_* accessors are [immutable]: a
 * variable is complete when the call that made it returns.
 */
#ifndef VARSCOPE_VARIABLE_H
#define VARSCOPE_VARIABLE_H

#include "varscope/scope.h"

#ifdef __cplusplus
extern "C" {
#endif

/* tf.VariableSynchronization, with TF's values: where a distributed
 * variable is kept in sync. AUTO (the zero value) lets the strategy choose.
 * ON_READ makes `trainable` default to False. */
typedef enum vs_synchronization {
  VS_SYNC_AUTO = 0,
  VS_SYNC_NONE = 1,
  VS_SYNC_ON_WRITE = 2,
  VS_SYNC_ON_READ = 3
} vs_synchronization;

/* tf.VariableAggregation, with TF's values: how replica updates combine. */
typedef enum vs_aggregation {
  VS_AGG_NONE = 0,
  VS_AGG_SUM = 1,
  VS_AGG_MEAN = 2,
  VS_AGG_ONLY_FIRST_REPLICA = 3
} vs_aggregation;

/* TF's names of the enum values ("ON_READ", "MEAN"); "" outside the enum.
 * Static strings. [immutable] */
const char *vs_synchronization_name(vs_synchronization s);
const char *vs_aggregation_name(vs_aggregation a);

/* get_variable's keyword arguments. Zero values are TensorFlow's defaults. */
typedef struct vs_var_opts {
  vs_shape shape;                 /* unknown (the zero value) = shape=None */
  vs_dtype dtype;                 /* default: the scope's dtype (float32) */
  vs_initializer initializer;     /* default: the scope's, else by dtype */
  vs_opt_bool trainable;          /* default True */
  const char *const *collections; /* NULL: [GLOBAL_VARIABLES]; see VS_COLLECTIONS */
  vs_opt_bool validate_shape;     /* default True */
  const char *caching_device;     /* default: the scope's */
  vs_custom_getter_fn custom_getter; /* replaces the scope's getter */
  void *custom_getter_data;
  vs_regularizer_fn regularizer;  /* default: the scope's */
  void *regularizer_data;
  vs_constraint_fn constraint;    /* default: the scope's */
  void *constraint_data;
  vs_synchronization synchronization; /* default AUTO */
  vs_aggregation aggregation;     /* default NONE */
  vs_tensor_getter_fn tensor_getter; /* custom_getter= that may return a tensor; */
  void *tensor_getter_data;          /* replaces the scope's, as custom_getter */
  vs_partitioner partitioner;        /* default: the scope's; see vs_get_partitioned_variable */
  vs_opt_bool use_resource;          /* default: the scope's, else the graph's (below) */
} vs_var_opts;

/* tf.compat.v1.get_variable(name, **opts). `opts` may be NULL.
 * Returns the existing or new variable, or NULL on error.
 * Before any getter runs (VariableScope.get_variable,
 * validate_synchronization_aggregation_trainable), ValueError and
 * INVALID_ARGUMENT, with the full name ("foo/v"):
 *   - an aggregation outside the enum: "Invalid variable aggregation mode: 9
 *     for variable: foo/v" (checked first);
 *   - a synchronization outside the enum: "Invalid variable synchronization
 *     mode: 7 for variable: foo/v";
 *   - trainable left at its default becomes False for ON_READ, True
 *     otherwise; the getters receive the resolved value. An explicit
 *     trainable=True with ON_READ is accepted (TF refuses it only under a
 *     distribution strategy, which varscope does not have).
 * Decision table (TF 1.15 _VariableStore._get_single_variable), all ValueError:
 *   - a value initializer together with a shape: "If initializer is a
 *     constant, do not specify shape." (INVALID_ARGUMENT, checked first);
 *   - an explicit dtype that differs from a value initializer's: "Initializer
 *     type '<dtype: 'int32'>' and explicit dtype '<dtype: 'float32'>' don't
 *     match.";
 *   - exists and reuse is False: "Variable foo/v already exists, disallowed.
 *     Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?"
 *     (ALREADY_EXISTS; TF appends the creation traceback, which C cannot give);
 *   - exists, shape incompatible: "Trying to share variable foo/v, but
 *     specified shape (2,) and found shape (1,)." (INVALID_ARGUMENT);
 *   - exists, dtype incompatible: "... specified dtype float32 and found dtype
 *     int32_ref." (INVALID_ARGUMENT);
 *   - missing and reuse is True: "Variable foo/u does not exist, or was not
 *     created with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE
 *     in VarScope?" (NOT_FOUND);
 *   - new, callable initializer, shape not fully defined: "The initializer
 *     passed is not valid. It should be a callable with no arguments and the
 *     shape should not be provided or an instance of
 *     `tf.keras.initializers.*' and `shape` should be fully defined."
 *     (INVALID_ARGUMENT; TF 1.15's text, which replaced the older "Shape of a
 *     new variable (%s) must be fully defined, but instead was %s.");
 *   - new, no initializer for a dtype without a default: "An initializer for
 *     variable c of <dtype: 'complex64'> is required";
 *   - an invalid full name: "'%s' is not a valid scope name".
 * Reusing ignores the initializer, trainable, collections and regularizer
 * of the reusing call. */
vs_var *vs_get_variable(vs_graph *g, const char *name, const vs_var_opts *opts, vs_status *st);

/* get_variable when a custom getter may return a tensor (TF returns
 * whatever the getter chain returns): the result's `var` is the variable
 * (NULL when the chain returned a tensor) and `value` the tensor TF's
 * get_variable would return (the variable's "<n>/read" for a variable).
 * vs_get_variable itself returns only variables: when the chain returns a
 * tensor it fails with INVALID_ARGUMENT "the custom getter for foo/v
 * returned a tensor, not a variable; use vs_get_variable_any" (a C-only
 * text: Python needs no second call). Errors: as vs_get_variable, and
 * INVALID_ARGUMENT "custom_getter and tensor_getter cannot both be set".
 * Returns {0} on error. [per-thread] */
vs_getter_result vs_get_variable_any(vs_graph *g, const char *name, const vs_var_opts *opts,
                                     vs_status *st);

/* tf.compat.v1.get_local_variable: get_variable with trainable=False and
 * LOCAL_VARIABLES added to the collections (NULL collections: LOCAL only). */
vs_var *vs_get_local_variable(vs_graph *g, const char *name, const vs_var_opts *opts,
                              vs_status *st);

/* tf.Variable's keyword arguments. */
typedef struct vs_variable_opts {
  const char *name;               /* NULL: "Variable" */
  vs_initializer initial_value;   /* a value, a tensor, or a callable with .shape */
  vs_shape shape;                 /* for a callable initial_value only */
  vs_dtype dtype;                 /* converts a host value; default: the value's */
  vs_opt_bool trainable;          /* default True */
  const char *const *collections; /* NULL: [GLOBAL_VARIABLES] */
  vs_opt_bool validate_shape;     /* default True */
  const char *caching_device;
  vs_constraint_fn constraint;    /* default: none */
  void *constraint_data;
  vs_synchronization synchronization; /* default AUTO; ON_READ: trainable defaults to False */
  vs_aggregation aggregation;     /* default NONE */
  vs_opt_bool use_resource;       /* default: the variable scope's, else the graph's */
} vs_variable_opts;

/* tf.Variable(initial_value, name=...). It goes through the variable
 * creators of vs_variable_creator_scope_push first. Errors: ValueError
 * "initial_value must be specified." when it has none; "initial_value must
 * have a shape specified: %s" for a callable without a fully defined shape
 * while validate_shape is on; a bad name; "Invalid variable aggregation
 * mode: 9 for variable: v" and then "Invalid variable synchronization mode:
 * 7 for variable: v" (the name as given, "None" when NULL), checked after
 * the creators ran, as in TF. */
vs_var *vs_variable(vs_graph *g, const vs_variable_opts *opts, vs_status *st);

/* ---- the arguments a custom getter receives ----------------------------- */
struct vs_getter_args {
  const char *name;               /* the full name, scope prefix included */
  vs_shape shape;
  vs_dtype dtype;
  vs_initializer initializer;
  vs_reuse reuse;                 /* the scope's flag: FALSE, TRUE or AUTO */
  bool trainable;                 /* resolved: False for ON_READ by default */
  const char *const *collections; /* NULL: the default */
  bool validate_shape;
  const char *caching_device;
  vs_regularizer_fn regularizer;
  void *regularizer_data;
  vs_constraint_fn constraint;    /* the argument's, else the scope's; NULL: None */
  void *constraint_data;
  vs_synchronization synchronization; /* validated before any getter runs */
  vs_aggregation aggregation;         /* validated before any getter runs */
  vs_partitioner partitioner;         /* the argument's, else the scope's */
  vs_opt_bool use_resource;           /* the argument's, else the scope's (may be DEFAULT: None) */
};

/* Runs the next getter outwards with `args` (which it may have changed).
 * Returns what that getter returns. When a tensor getter further out
 * returns a tensor, vs_getter_call fails (INVALID_ARGUMENT "the custom
 * getter for <name> returned a tensor, not a variable; use
 * vs_getter_call_any") and vs_getter_call_any returns it: a tensor getter
 * uses vs_getter_call_any so that getters can hand tensors to each other.
 * A getter that returns neither fails with INVALID_ARGUMENT "custom getter
 * for <name> returned no variable". */
vs_var *vs_getter_call(const vs_getter *next, const vs_getter_args *args, vs_status *st);
vs_getter_result vs_getter_call_any(const vs_getter *next, const vs_getter_args *args,
                                    vs_status *st);

/* ---- variable creators (tf.variable_creator_scope) ------------------------ */

/* What a variable creator receives: the creation arguments, which it may
 * change before passing them on. For tf.Variable they are the caller's, not
 * yet validated (name NULL: "Variable"; trainable VS_OPT_DEFAULT; the
 * enums as given). For get_variable the real getter fills them: the full
 * name, the callable initializer with the shape and dtype to call it with,
 * trainable resolved to VS_OPT_TRUE or VS_OPT_FALSE, the enums validated. */
typedef struct vs_creator_args {
  const char *name;
  vs_initializer initial_value;
  vs_shape shape;
  vs_dtype dtype;
  vs_opt_bool trainable;
  const char *const *collections; /* NULL: [GLOBAL_VARIABLES] */
  vs_opt_bool validate_shape;
  const char *caching_device;
  vs_constraint_fn constraint;
  void *constraint_data;
  vs_synchronization synchronization;
  vs_aggregation aggregation;
  vs_opt_bool use_resource;       /* DEFAULT: the current scope's, else the graph's */
} vs_creator_args;

typedef struct vs_creator vs_creator;

/* A variable creator: called for every variable made on this thread while
 * its scope is open (tf.Variable and get_variable's new variables alike),
 * innermost scope first. `next` runs the next creator outwards, ultimately
 * the default one that validates the arguments and builds the RefVariable;
 * a creator may also return a variable it got elsewhere. Return the
 * variable, or NULL with `st` set (a NULL without an error becomes
 * INVALID_ARGUMENT "variable creator for <name> returned no variable"). It
 * runs with the graph's lock held and may call back into the graph on the
 * same thread. */
typedef vs_var *(*vs_variable_creator_fn)(const vs_creator *next, const vs_creator_args *args,
                                          void *user_data, vs_status *st);

/* Runs the next creator outwards with `args`. [per-thread] */
vs_var *vs_creator_call(const vs_creator *next, const vs_creator_args *args, vs_status *st);

/* tf.variable_creator_scope(fn): a handle for one entry, owned by the graph
 * (valid until vs_graph_free). */
typedef struct vs_creator_scope vs_creator_scope;

/* Enters variable_creator_scope(fn) on this thread. Errors: INVALID_ARGUMENT
 * for a NULL graph or fn. [per-thread]: the creator stack is per thread, as
 * TF's (Graph._thread_local). */
vs_creator_scope *vs_variable_creator_scope_push(vs_graph *g, vs_variable_creator_fn fn,
                                                 void *user_data, vs_status *st);

/* Leaves `scope`, which must be this thread's innermost creator scope.
 * Errors: FAILED_PRECONDITION/RuntimeError "Exiting variable_creator_scope
 * without proper nesting." otherwise (the stack is left as it was, as in
 * TF). [per-thread] */
void vs_variable_creator_scope_pop(vs_graph *g, vs_creator_scope *scope, vs_status *st);

/* tf.compat.v1.enable_resource_variables() / disable_resource_variables()
 * for one graph: the kind of variable made when neither the call nor the
 * variable scope chooses (default: disabled, as under
 * tf.compat.v1.disable_v2_behavior()). Errors: INVALID_ARGUMENT for a NULL
 * graph. [locked] */
void vs_enable_resource_variables(vs_graph *g, bool enable, vs_status *st);
/* tf.compat.v1.resource_variables_enabled() for g; false for NULL. [locked] */
bool vs_resource_variables_enabled(vs_graph *g);

/* ---- variable accessors -------------------------------------------------- */
/* True for a resource variable (VarHandleOp), false for a RefVariable. */
bool vs_var_is_resource(const vs_var *v);
const char *vs_var_name(const vs_var *v);      /* tensor name "foo/v:0" */
const char *vs_var_op_name(const vs_var *v);   /* "foo/v" */
/* The key in the variable store ("foo/v"), which can differ from the op name
 * when a plain Variable took the name first ("v1" -> op "v1_1"); NULL for a
 * tf.Variable, which is never in the store. */
const char *vs_var_store_key(const vs_var *v);
vs_op *vs_var_op(const vs_var *v);              /* the VariableV2 (VarHandleOp) op */
vs_dtype vs_var_dtype(const vs_var *v);         /* base dtype (float32) */
/* The dtype's name as TF prints the variable: "float32_ref" ("float32" for
 * a resource variable). Static. */
const char *vs_var_dtype_name(const vs_var *v);
vs_shape vs_var_shape(const vs_var *v);
bool vs_var_trainable(const vs_var *v);
vs_graph *vs_var_graph(const vs_var *v);
/* v.initializer: the "<n>/Assign" op (Assign, or AssignVariableOp). */
vs_op *vs_var_initializer_op(const vs_var *v);
/* v.value(): the "<n>/read" snapshot ("<n>/Read/ReadVariableOp"). */
vs_output vs_var_value(const vs_var *v);
/* The initial value's op ("<n>/Initializer/..." or "<n>/initial_value", or
 * the tensor that was passed in). */
vs_output vs_var_initial_value(const vs_var *v);
/* The initializer the variable was created with. */
vs_initializer vs_var_initializer(const vs_var *v);
/* v.synchronization and v.aggregation, as resolved at creation. */
vs_synchronization vs_var_synchronization(const vs_var *v);
vs_aggregation vs_var_aggregation(const vs_var *v);
/* v.constraint: the function (NULL: None); `user_data` (may be NULL)
 * receives its data. */
vs_constraint_fn vs_var_constraint(const vs_var *v, void **user_data);
/* constraint(v.value()): runs the variable's constraint on its "<n>/read"
 * tensor in the current scopes, as an optimizer does before assigning the
 * result back. Errors: FAILED_PRECONDITION when the variable has no
 * constraint; the constraint's own error; INVALID_ARGUMENT when it returns
 * no tensor, or one of another graph. [per-thread] */
vs_output vs_var_apply_constraint(vs_var *v, vs_status *st);

/* colocate_with(v): vs_colocate_with on the variable's op (a RefVariable
 * colocates with its VariableV2 op). Errors as vs_colocate_with; a NULL
 * variable is INVALID_ARGUMENT. [per-thread] */
vs_colocation_scope *vs_colocate_with_var(vs_graph *g, vs_var *v, bool ignore_existing,
                                          vs_status *st);

/* tf.compat.v1.assert_variables_initialized(var_list): an op whose run
 * fails (FailedPreconditionError "Attempting to use uninitialized value v",
 * from the variable's read) when one of the variables is not initialised.
 * As TF 2.21 builds it: per variable, under colocate_with(v), "Rank" (an
 * int32 scalar) of v.value(); one variable returns its Rank, several a
 * Pack "stack" of the ranks (int32 [n]). vars NULL (var_list=None) takes
 * the global and local variables; when that list or the given one is empty
 * (n 0: var_list=[]), every variable op of the graph (TF's "old-style
 * variables"; ranks of the ops' own outputs).
 * With no variable at all it returns {NULL, 0} with an OK status (TF's
 * None). Errors: INVALID_ARGUMENT for a NULL graph, NULL vars with n > 0,
 * or a NULL variable or one of another graph. [per-thread] */
vs_output vs_assert_variables_initialized(vs_graph *g, vs_var *const *vars, size_t n,
                                          vs_status *st);

/* ---- partitioned variables (partitioner=) --------------------------------- */

/* tf.compat.v1.fixed_size_partitioner(num_shards, axis): min(num_shards,
 * shape[axis]) shards along `axis`, 1 elsewhere. */
vs_partitioner vs_fixed_size_partitioner(int64_t num_shards, int axis);

/* variable_axis_size_partitioner's keyword arguments; zero values are TF's
 * defaults (axis 0, bytes_per_string_element 16, max_shards None). */
typedef struct vs_axis_size_partitioner_opts {
  int axis;
  int64_t bytes_per_string_element;
  int64_t max_shards;
} vs_axis_size_partitioner_opts;

/* tf.compat.v1.variable_axis_size_partitioner(max_shard_bytes, **opts):
 * shards along `axis` so that each holds at most max_shard_bytes (at least
 * one slice per shard), at most max_shards. Errors (ValueError,
 * INVALID_ARGUMENT; the zero value is returned): "Both max_shard_bytes and
 * bytes_per_string_element must be positive. Currently, max_shard_bytes is
 * 0 andbytes_per_string_element is 16" (TF's text, its missing space
 * included); "max_shards must be positive." for a negative max_shards. */
vs_partitioner vs_variable_axis_size_partitioner(int64_t max_shard_bytes,
                                                 const vs_axis_size_partitioner_opts *opts,
                                                 vs_status *st);

/* min_max_variable_partitioner's keyword arguments; zero values are TF's
 * defaults (max_partitions 1, axis 0, min_slice_size 256 KiB,
 * bytes_per_string_element 16). */
typedef struct vs_min_max_partitioner_opts {
  int64_t max_partitions;
  int axis;
  int64_t min_slice_size;
  int64_t bytes_per_string_element;
} vs_min_max_partitioner_opts;

/* tf.compat.v1.min_max_variable_partitioner(**opts): as many shards as
 * keep each at least min_slice_size bytes, at most max_partitions and
 * shape[axis]. */
vs_partitioner vs_min_max_variable_partitioner(const vs_min_max_partitioner_opts *opts);

/* partitioner(shape=shape, dtype=dtype): writes shape.rank entries into
 * partitions (VS_MAX_RANK is always enough). Errors: the partitioner's
 * (ValueError "Cannot partition variable along axis 3 when shape is only
 * (10, 3)", "shape is not fully defined: (?, 3)", ...). [immutable] for the
 * built-ins; a custom fn runs on the calling thread. */
bool vs_partitioner_call(const vs_partitioner *p, vs_shape shape, vs_dtype dtype,
                         int64_t *partitions, vs_status *st);

/* get_variable(name, partitioner=...) -> PartitionedVariable, TF 2.21's
 * _get_partitioned_variable. The partitioner is opts->partitioner, else the
 * variable scope's; a shape given as () (known, rank 0) makes a single
 * variable as in TF, which vs_get_variable returns. The parts are
 * get_variable's variables "<name>/part_<k>" (split along the one
 * partitioned axis, the first shards one element longer), each with its
 * SaveSliceInfo; they join the collections, the full variable does not.
 * A callable initializer builds each part's initial value for the part's
 * shape; variance-scaling ones (glorot, the default for floats) take their
 * fans from the full shape, as TF's partition_info does. A tensor
 * initializer (vs_tensor_initializer) is cut into the parts as TF does: its
 * shape is first merged with opts->shape (which may be left unknown), the
 * PartitionedVariable and its parts take its dtype, and each part is
 * initialised from Slice "<name>/part_<k>/PartitionedInitializer/Slice"
 * (int32 Consts ".../Slice/begin" and ".../Slice/size") of it. A host value
 * (vs_value_initializer, TF's numpy value) needs opts->shape, as in TF
 * (it is not merged), and is cut the same way after becoming Const
 * ".../PartitionedInitializer/Const" in each part. Errors (ValueError;
 * INVALID_ARGUMENT unless noted), in TF's order:
 *   "A partitioner was provided, but an unpartitioned version of the
 *    variable was found: x.  Perhaps a variable of the same name was already
 *    created without partitioning?";
 *   "Shape of a new partitioned variable must be fully defined, but instead
 *    was <unknown>." (also when reusing: TF calls the partitioner first);
 *   "Shapes (4,) and (3,) are not compatible" (opts->shape against a
 *   tensor initializer's); "A partitioned Variable must have rank at least
 *   1, shape: ()";
 *   the partitioner's errors; "Partitioner returned a partition list that
 *   does not match the Variable's rank: [2] vs. (4, 4)"; "Partitioner
 *   returned zero partitions for some axes: [0, 1]"; "Can only slice a
 *   variable along one dimension: shape: (4, 4), partitioning: [2, 2]";
 *   "Partitioned variable with name x already exists. Did you mean to set
 *   reuse=True or reuse=tf.AUTO_REUSE in VarScope?" (ALREADY_EXISTS);
 *   reusing: "Trying to reuse partitioned variable x, but specified shape
 *   (10, 4) and found shape (10, 3).", "... specified dtype int32 and found
 *   dtype float32.", "... specified partitions [2, 1] and found partitions
 *   [3, 1].";
 *   "PartitionedVariable x does not exist, or was not created with
 *   tf.get_variable(). Did you mean to set reuse=False or
 *   reuse=tf.AUTO_REUSE in VarScope?" (NOT_FOUND);
 *   "Partitioner returned a different partitioning than what was already
 *   found.  Partitioner returned 2 shards, and shard x/part_0 was found, but
 *   x/part_1 was not." (and "..., but so was the extra shard x/part_2.");
 *   a part's own get_variable errors.
 * C-only (INVALID_ARGUMENT, nothing is created): no partitioner applies
 * ("no partitioner applies to x: it is a single variable; use
 * vs_get_variable"); a tensor initializer of another graph ("initial_value
 * must be a tensor of this graph"); UNIMPLEMENTED, nothing is created: a
 * host value of another shape or dtype than the variable's, or of strings
 * ("a partitioned variable's value initializer must be a non-string value
 * of the variable's shape and dtype ((6, 2) float32), not (12,) float32 (TF
 * fails converting or slicing it)"; TF's own errors there quote the Slice
 * node). Custom getters receive the partitioner in their args; a
 * tensor getter passes the PartitionedVariable on through
 * vs_getter_call_any's result, while vs_getter_call refuses it ("the
 * custom getter for x got a PartitionedVariable, not a variable; use
 * vs_getter_call_any"). vs_get_variable and vs_get_variable_any refuse a
 * call that a partitioner applies to: INVALID_ARGUMENT "a partitioner
 * applies to x: it is a PartitionedVariable; use
 * vs_get_partitioned_variable" (TF returns the PartitionedVariable).
 * [per-thread] */
vs_partitioned_var *vs_get_partitioned_variable(vs_graph *g, const char *name,
                                                const vs_var_opts *opts, vs_status *st);

/* get_local_variable(name, partitioner=...): as vs_get_partitioned_variable
 * with trainable=False and LOCAL_VARIABLES added to each part's
 * collections (NULL collections: LOCAL only), as vs_get_local_variable.
 * [per-thread] */
vs_partitioned_var *vs_get_local_partitioned_variable(vs_graph *g, const char *name,
                                                      const vs_var_opts *opts, vs_status *st);

/* PartitionedVariable accessors. [immutable]; NULL/zero for NULL. */
const char *vs_partitioned_var_name(const vs_partitioned_var *p); /* "x" (no ":0") */
vs_shape vs_partitioned_var_shape(const vs_partitioned_var *p);   /* the full shape */
vs_dtype vs_partitioned_var_dtype(const vs_partitioned_var *p);
size_t vs_partitioned_var_num_parts(const vs_partitioned_var *p);
vs_var *vs_partitioned_var_part(const vs_partitioned_var *p, size_t i); /* NULL out of range */
/* _get_partitions(): the partitioner's list ([3, 1]); fills up to cap
 * entries and returns the rank. */
size_t vs_partitioned_var_partitions(const vs_partitioned_var *p, int64_t *out, size_t cap);

/* tf.convert_to_tensor(p) / p.as_tensor(): with several parts, ConcatV2
 * "<name>/ConcatPartitions/concat" (axis Const ".../concat/axis") of the
 * parts' values along the partitioned axis, then Identity "<name>" at the
 * root name scope (uniquified: "x", "x_1"); with one part, only the
 * Identity of its value. Each call builds new ops, as in TF. Errors: NULL
 * arguments, a variable of another graph. [per-thread] */
vs_output vs_partitioned_var_value(vs_graph *g, const vs_partitioned_var *p, vs_status *st);

/* Variable.SaveSliceInfo of a part. */
typedef struct vs_save_slice_info {
  const char *full_name;              /* the PartitionedVariable's name; borrowed */
  vs_shape full_shape;
  int64_t var_offset[VS_MAX_RANK];    /* full_shape.rank entries */
  vs_shape var_shape;
} vs_save_slice_info;

/* v._get_save_slice_info(): false (and *out zeroed) for a variable that is
 * not a part. [immutable] */
bool vs_var_save_slice_info(const vs_var *v, vs_save_slice_info *out);
/* SaveSliceInfo.spec: "10 3 0,4:0,3" (full shape, then offset,length per
 * axis). snprintf's convention: returns the full length. [immutable] */
size_t vs_save_slice_info_spec(const vs_save_slice_info *info, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
