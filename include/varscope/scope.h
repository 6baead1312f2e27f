/* varscope/scope.h - variable scopes (tf.compat.v1.variable_scope).
 *
 * A vs_scope is TF's VariableScope object: a name (never uniquified), the
 * name scope it opened (original_name_scope), a reuse flag and defaults that
 * get_variable inherits (initializer, dtype, custom getter, regularizer,
 * caching device). Scope objects are owned by the graph and live until
 * vs_graph_free; a captured handle can be re-entered any time later.
 *
 * Entering and leaving are explicit: every successful push must be matched by
 * a pop of the handle it returned, innermost first.
 *
 * Thread safety (the terms of graph.h): the current variable scope and the
 * default-name counters are per thread, as in TF 1.15 (a new thread starts
 * at the root scope, and a scope pushed on one thread is popped on that
 * thread); a scope object itself is shared, and may be read, re-entered and
 * changed from any thread: its setters and the getters of what they set
 * take the graph's lock.
 */
#ifndef VARSCOPE_SCOPE_H
#define VARSCOPE_SCOPE_H

#include "varscope/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vs_scope vs_scope;

/* reuse=: TF's None/False (inherit), True, AUTO_REUSE. VS_REUSE_FALSE is
 * accepted and behaves exactly as VS_REUSE_INHERIT, as in TF >= 1.1: False
 * never undoes an inherited or captured True. */
typedef enum vs_reuse {
  VS_REUSE_INHERIT = 0,
  VS_REUSE_FALSE = 1,
  VS_REUSE_TRUE = 2,
  VS_REUSE_AUTO = 3
} vs_reuse;

/* Options whose TensorFlow default is True use this tri-state so that a
 * zero-initialised option struct means "TF's default". */
typedef enum vs_opt_bool { VS_OPT_DEFAULT = 0, VS_OPT_TRUE = 1, VS_OPT_FALSE = 2 } vs_opt_bool;

typedef struct vs_getter vs_getter;
typedef struct vs_getter_args vs_getter_args;

/* A custom getter (TF's custom_getter=): called instead of the real getter
 * with the full variable name and every get_variable argument. `next` runs the
 * next getter outwards (ultimately the real one) through vs_getter_call; the
 * getter may change the arguments (e.g. the name) before passing them on.
 * Return the variable, or NULL with `st` set. */
typedef vs_var *(*vs_custom_getter_fn)(const vs_getter *next, const vs_getter_args *args,
                                       void *user_data, vs_status *st);

/* What a tensor getter returns (TF lets a custom getter return a variable
 * or any tensor, which get_variable then returns). On success `value` is
 * always set: the returned tensor, or the variable's "<n>/read" value when
 * `var` is set; `var` is NULL when the getter returned a tensor. */
typedef struct vs_partitioned_var vs_partitioned_var;
typedef struct vs_getter_result {
  vs_var *var;
  vs_output value;
  /* The real getter's PartitionedVariable (var and value are then unset):
   * only vs_get_partitioned_variable returns one (variable.h). */
  vs_partitioned_var *partitioned;
} vs_getter_result;

/* A custom getter that may return a tensor (an identity of the variable, a
 * sum of two variables, ...): as vs_custom_getter_fn, but it returns a
 * vs_getter_result and runs the next getter with vs_getter_call_any, which
 * hands it tensors returned by getters further out. Return {0} with `st`
 * set on error. Set it with the options' tensor_getter field instead of
 * custom_getter; it composes with both kinds. */
typedef vs_getter_result (*vs_tensor_getter_fn)(const vs_getter *next, const vs_getter_args *args,
                                                void *user_data, vs_status *st);

/* A regularizer (TF's regularizer=): returns the loss tensor for a newly
 * created variable, or {NULL,0} for none. It runs inside the name scope
 * "<variable>/Regularizer/"; a returned tensor is added to
 * REGULARIZATION_LOSSES. */
typedef vs_output (*vs_regularizer_fn)(vs_graph *g, vs_var *var, void *user_data, vs_status *st);

/* A constraint (TF's constraint=): the projection an optimizer applies to a
 * variable after each update, `var.assign(constraint(var))`. It receives the
 * variable's value (the "<n>/read" tensor) and returns the projected tensor
 * of the same shape and dtype, built in `g`, or {NULL,0} with `st` set.
 * varscope stores it on the variable (vs_var_constraint) and runs it only
 * through vs_var_apply_constraint; it is not called at creation, as in TF.
 * TF's ValueError "The `constraint` argument must be a callable." has no C
 * counterpart: the type rules a non-function out. */
typedef vs_output (*vs_constraint_fn)(vs_graph *g, vs_output value, void *user_data,
                                      vs_status *st);

/* A partitioner (TF's partitioner=): given a variable's full shape and
 * dtype, fills partitions[0 .. shape.rank-1] with the number of shards per
 * axis and returns true; or returns false with `st` set. */
typedef bool (*vs_partitioner_fn)(vs_shape shape, vs_dtype dtype, int64_t *partitions,
                                  void *user_data, vs_status *st);

typedef enum vs_partitioner_kind {
  VS_PARTITIONER_NONE = 0,   /* partitioner=None (the zero value) */
  VS_PARTITIONER_FN,         /* fn(shape, dtype, ...) with user_data */
  VS_PARTITIONER_FIXED_SIZE, /* vs_fixed_size_partitioner (variable.h) */
  VS_PARTITIONER_AXIS_SIZE,  /* vs_variable_axis_size_partitioner */
  VS_PARTITIONER_MIN_MAX     /* vs_min_max_variable_partitioner */
} vs_partitioner_kind;

/* A partitioner as a value: TF's three built-ins keep their arguments here
 * (made by the constructors of variable.h), a custom one is
 * {.kind = VS_PARTITIONER_FN, .fn = f, .user_data = d}. */
typedef struct vs_partitioner {
  vs_partitioner_kind kind;
  vs_partitioner_fn fn;
  void *user_data;
  int axis;
  int64_t num_shards;               /* FIXED_SIZE */
  int64_t max_shard_bytes, max_shards; /* AXIS_SIZE (max_shards 0: None) */
  int64_t max_partitions, min_slice_size; /* MIN_MAX */
  int64_t bytes_per_string_element; /* AXIS_SIZE, MIN_MAX */
} vs_partitioner;

typedef struct vs_varscope_opts {
  const char *default_name;        /* used, uniquified, when the name is NULL */
  vs_reuse reuse;
  vs_initializer initializer;      /* kind VS_INIT_NONE: inherit */
  vs_dtype dtype;                  /* VS_DTYPE_DEFAULT: inherit */
  vs_custom_getter_fn custom_getter; /* composed with the enclosing scope's */
  void *custom_getter_data;
  vs_regularizer_fn regularizer;
  void *regularizer_data;
  const char *caching_device;
  vs_opt_bool auxiliary_name_scope; /* default TRUE: open a name scope */
  /* VariableScope.constraint: this entry's argument only. Unlike the other
   * defaults it is NOT inherited by sub-scopes nor kept when a captured
   * scope is re-entered (TF passes constraint=self._constraint). */
  vs_constraint_fn constraint;
  void *constraint_data;
  /* custom_getter= as a getter that may return a tensor; composed as
   * custom_getter is. Setting both is INVALID_ARGUMENT. */
  vs_tensor_getter_fn tensor_getter;
  void *tensor_getter_data;
  /* partitioner=: inherited by sub-scopes and get_variable calls (kind
   * VS_PARTITIONER_NONE: inherit). */
  vs_partitioner partitioner;
  /* use_resource=: resource variables (VarHandleOp) for the variables made
   * in this scope and its sub-scopes; VS_OPT_DEFAULT inherits (TF's None). */
  vs_opt_bool use_resource;
} vs_varscope_opts;

/* Enters variable_scope(name, default_name=..., reuse=...) and returns the
 * new scope object. `opts` may be NULL.
 *   - the variable scope is the current one + "/" + name, never uniquified;
 *   - a name scope named `name` is opened relative to the current name scope
 *     and uniquified ("foo", then "foo_1"), unless auxiliary_name_scope is
 *     VS_OPT_FALSE;
 *   - name NULL: default_name is uniquified among sibling variable scopes
 *     (counts reset when the parent scope exits).
 * Errors (ValueError unless noted; nothing is entered on error):
 *   INVALID_ARGUMENT "custom_getter and tensor_getter cannot both be set"
 *   (a C-only rule: TF has one custom_getter= argument);
 *   "The reuse parameter must be True or False or None." for a reuse value
 *   outside the enum; TypeError "If default_name is None then name_or_scope is
 *   required"; "reuse=True cannot be used without a name_or_scope" (also for
 *   AUTO_REUSE); "'%s' is not a valid scope name" from the name scope.
 * [per-thread] */
vs_scope *vs_variable_scope_push(vs_graph *g, const char *name, const vs_varscope_opts *opts,
                                 vs_status *st);

/* Re-enters a captured scope object: the variable scope jumps to its name
 * (absolute), its own reuse flag is kept (an explicit TRUE or AUTO_REUSE
 * overrides it; FALSE cannot clear it) and its defaults are copied; the name
 * scope opened is the last component of its name, relative to the current
 * name scope. Returns the new (copied) scope object. Errors as above, and
 * INVALID_ARGUMENT/TypeError for a NULL scope or one from another graph
 * ("VariableScope: name_or_scope must be a string or VariableScope.").
 * [per-thread]: the captured scope may come from another thread, and be
 * changed by one meanwhile; the copy takes its defaults as they are under
 * the lock. */
vs_scope *vs_variable_scope_push_scope(vs_graph *g, vs_scope *scope, const vs_varscope_opts *opts,
                                       vs_status *st);

/* Leaves `scope`, which must be the innermost variable scope entered on this
 * thread. Errors: FAILED_PRECONDITION/RuntimeError "Improper nesting of
 * variable_scope." otherwise (nothing is left then). [per-thread]: a scope
 * entered on another thread is not this thread's innermost. */
void vs_variable_scope_pop(vs_graph *g, vs_scope *scope, vs_status *st);

/* tf.get_variable_scope(): the current scope object on this thread (the root
 * scope, named "", when none is open). Never NULL for a valid graph (NULL
 * only when out of memory). [per-thread]: each thread has its own root. */
vs_scope *vs_get_variable_scope(vs_graph *g);

/* VariableScope.name ("foo/bar"; "" for the root). Borrowed. [immutable] */
const char *vs_scope_name(const vs_scope *scope);
/* VariableScope.original_name_scope ("foo_1/"; "" for the root). Borrowed.
 * [immutable] */
const char *vs_scope_original_name_scope(const vs_scope *scope);
/* VariableScope.reuse: VS_REUSE_FALSE, VS_REUSE_TRUE or VS_REUSE_AUTO
 * (never VS_REUSE_INHERIT: the inherited value is resolved at entry).
 * [locked] (vs_scope_reuse_variables may set it from another thread). */
vs_reuse vs_scope_reuse(const vs_scope *scope);
/* VariableScope.reuse_variables(): sets this object's reuse to True. Scopes
 * entered later inside it inherit True; the parent and copies made earlier
 * are unaffected. [locked] */
void vs_scope_reuse_variables(vs_scope *scope);
/* The scope's default initializer (kind VS_INIT_NONE when it has none) and
 * dtype. [locked] (the setters below may run on another thread). */
vs_initializer vs_scope_initializer(const vs_scope *scope);
vs_dtype vs_scope_dtype(const vs_scope *scope);
/* VariableScope.set_initializer / set_dtype. Errors: invalid dtype.
 * [locked]: scopes entered from this one later, on any thread, inherit the
 * new value; copies made earlier keep theirs. */
void vs_scope_set_initializer(vs_scope *scope, vs_initializer init, vs_status *st);
void vs_scope_set_dtype(vs_scope *scope, vs_dtype dtype, vs_status *st);

/* VariableScope.set_caching_device / set_regularizer / set_custom_getter.
 * [locked], with the same reach as set_initializer: get_variable calls in
 * this scope and scopes entered from it later see the new value.
 *   - set_caching_device(NULL) clears it (TF's None); the string is copied;
 *   - set_regularizer(NULL, _) clears it;
 *   - set_custom_getter REPLACES the scope's whole getter chain with `fn`
 *     alone (TF assigns self._custom_getter: the getters composed from outer
 *     scopes no longer run); NULL clears it.
 * Errors: INVALID_ARGUMENT for a NULL scope. (set_partitioner and
 * set_use_resource are below.) */
void vs_scope_set_caching_device(vs_scope *scope, const char *device, vs_status *st);
void vs_scope_set_regularizer(vs_scope *scope, vs_regularizer_fn fn, void *user_data,
                              vs_status *st);
void vs_scope_set_custom_getter(vs_scope *scope, vs_custom_getter_fn fn, void *user_data,
                                vs_status *st);
/* VariableScope.caching_device (NULL: None; borrowed until the next
 * set_caching_device), .regularizer, .custom_getter (the innermost getter of
 * the chain, NULL for none) and .constraint; `user_data` (may be NULL)
 * receives the function's data. [locked] */
const char *vs_scope_caching_device(const vs_scope *scope);
vs_regularizer_fn vs_scope_regularizer(const vs_scope *scope, void **user_data);
vs_custom_getter_fn vs_scope_custom_getter(const vs_scope *scope, void **user_data);
vs_constraint_fn vs_scope_constraint(const vs_scope *scope, void **user_data);

/* VariableScope.set_partitioner / .partitioner: [locked], with the reach of
 * set_initializer; kind VS_PARTITIONER_NONE clears it. Errors:
 * INVALID_ARGUMENT for a NULL scope or an unknown kind. vs_scope_partitioner
 * returns the zero value for a NULL scope. */
void vs_scope_set_partitioner(vs_scope *scope, vs_partitioner partitioner, vs_status *st);
vs_partitioner vs_scope_partitioner(const vs_scope *scope);

/* VariableScope.set_use_resource / .use_resource: [locked], with the reach
 * of set_initializer. VS_OPT_DEFAULT is TF's None (the root scope's value:
 * get_variable then follows vs_enable_resource_variables); a variable made
 * in the scope is a resource variable when this is VS_OPT_TRUE, unless its
 * own use_resource says otherwise (variable.h). Errors: INVALID_ARGUMENT
 * for a NULL scope or a value outside vs_opt_bool. vs_scope_use_resource
 * returns VS_OPT_DEFAULT for a NULL scope. */
void vs_scope_set_use_resource(vs_scope *scope, vs_opt_bool use_resource, vs_status *st);
vs_opt_bool vs_scope_use_resource(const vs_scope *scope);

/* VariableScope.get_collection(key): get_collection(key, name + "/") (all
 * named items for the root scope). Same filling convention as vs_get_collection.
 * [locked] */
size_t vs_scope_get_collection_vars(vs_scope *scope, const char *key, vs_var **out, size_t cap,
                                    vs_status *st);

/* for-block sugar for a named variable scope; the same caveats as
 * VS_WITH_NAME_SCOPE: break/continue/return/goto out of the block skip the
 * pop. `var` names the vs_scope * inside the block (TF's `as scope`). */
#define VS_WITH_VARIABLE_SCOPE(g, var, name, opts, st)                                   \
  for (vs_scope *var = vs_variable_scope_push((g), (name), (opts), (st)); var;            \
       vs_variable_scope_pop((g), var, NULL), var = NULL)

#ifdef __cplusplus
}
#endif
#endif
