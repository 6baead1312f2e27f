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
} vs_var_opts;

/* tf.compat.v1.get_variable(name, **opts). `opts` may be NULL.
 * Returns the existing or new variable, or NULL on error. Decision table
 * (TF 1.15 _VariableStore._get_single_variable), all ValueError:
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
} vs_variable_opts;

/* tf.Variable(initial_value, name=...). Errors: ValueError "initial_value
 * must be specified." when it has none; "initial_value must have a shape
 * specified: %s" for a callable without a fully defined shape while
 * validate_shape is on; a bad name. */
vs_var *vs_variable(vs_graph *g, const vs_variable_opts *opts, vs_status *st);

/* ---- the arguments a custom getter receives ----------------------------- */
struct vs_getter_args {
  const char *name;               /* the full name, scope prefix included */
  vs_shape shape;
  vs_dtype dtype;
  vs_initializer initializer;
  vs_reuse reuse;                 /* the scope's flag: FALSE, TRUE or AUTO */
  bool trainable;
  const char *const *collections; /* NULL: the default */
  bool validate_shape;
  const char *caching_device;
  vs_regularizer_fn regularizer;
  void *regularizer_data;
};

/* Runs the next getter outwards with `args` (which it may have changed).
 * Returns what that getter returns. */
vs_var *vs_getter_call(const vs_getter *next, const vs_getter_args *args, vs_status *st);

/* ---- variable accessors -------------------------------------------------- */
const char *vs_var_name(const vs_var *v);      /* tensor name "foo/v:0" */
const char *vs_var_op_name(const vs_var *v);   /* "foo/v" */
/* The key in the variable store ("foo/v"), which can differ from the op name
 * when a plain Variable took the name first ("v1" -> op "v1_1"); NULL for a
 * tf.Variable, which is never in the store. */
const char *vs_var_store_key(const vs_var *v);
vs_op *vs_var_op(const vs_var *v);              /* the VariableV2 op */
vs_dtype vs_var_dtype(const vs_var *v);         /* base dtype (float32) */
/* The dtype's name as TF prints the variable's tensor: "float32_ref". Static. */
const char *vs_var_dtype_name(const vs_var *v);
vs_shape vs_var_shape(const vs_var *v);
bool vs_var_trainable(const vs_var *v);
vs_graph *vs_var_graph(const vs_var *v);
/* v.initializer: the "<n>/Assign" op. */
vs_op *vs_var_initializer_op(const vs_var *v);
/* v.value(): the "<n>/read" snapshot. */
vs_output vs_var_value(const vs_var *v);
/* The initial value's op ("<n>/Initializer/..." or "<n>/initial_value", or
 * the tensor that was passed in). */
vs_output vs_var_initial_value(const vs_var *v);
/* The initializer the variable was created with. */
vs_initializer vs_var_initializer(const vs_var *v);

#ifdef __cplusplus
}
#endif
#endif
