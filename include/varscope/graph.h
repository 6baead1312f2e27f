/* varscope/graph.h - graphs, operations, name scopes and collections.
 *
 * A vs_graph owns everything built in it: operations, variables, scope
 * objects and collections. Handles returned by graph calls (vs_op *, vs_var *,
 * vs_scope *) and the strings they return are borrowed and stay valid until
 * vs_graph_free. Strings passed in are copied.
 *
 * Naming follows TensorFlow >= 1.9 exactly: op names and name scopes share
 * one table of names in use, keyed case-insensitively, so a second "c" is
 * "c_1" and a "Foo" after "foo" is "Foo_1".
 *
 * Thread safety: a graph may be built, read and run from several threads
 * at once. Every call that reads or changes what can change takes the
 * graph's lock (one recursive mutex per graph); vs_graph_free alone must not
 * overlap any other call on the graph. As in TF 1.15, the current name
 * scope, variable scope, device and control-dependency scopes and the
 * default-name counters are per thread: a new thread starts at the root
 * scope. The variable store and collections are shared. Each function below
 * says which of these it is:
 *   [locked]     takes the graph's lock: safe from any thread, concurrently
 *                with any call on the graph but vs_graph_free;
 *   [per-thread] also locked, and acts on the calling thread's scope state
 *                only (another thread's scopes are unaffected);
 *   [immutable]  reads what was fixed when the object was made (names,
 *                types, inputs, dtype, shape, control inputs): no lock,
 *                safe from any thread that holds the handle.
 * A thread that used a graph may exit at any time, before or after the
 * graph is freed, in any order: its scope state is its own and goes with it.
 */
#ifndef VARSCOPE_GRAPH_H
#define VARSCOPE_GRAPH_H

#include "varscope/initializer.h"
#include "varscope/status.h"
#include "varscope/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vs_graph vs_graph;
typedef struct vs_var vs_var;

/* Returns a new empty graph, or NULL when out of memory. Free with
 * vs_graph_free. Any thread; any number of graphs may be alive at once. */
vs_graph *vs_graph_new(void);

/* Frees a graph and everything it owns; NULL is a no-op. No handle from the
 * graph may be used afterwards, except through sessions still open on it:
 * the free then happens when the last of them is freed (vs_session_free).
 * Must not overlap any other call on this graph (no call may be running or
 * start on it). Other threads that used it may still be running or exiting:
 * each keeps (and frees) its own scope state, which never touches the freed
 * graph. */
void vs_graph_free(vs_graph *g);

/* tf.set_random_seed: the graph-level seed (VS_SEED_NONE clears it). Random
 * initializers are deterministic when the graph seed or their own seed is
 * set, following TF's get_seed rules; otherwise each session draws afresh.
 * With a graph or op seed, initial values are bit-identical to TensorFlow's
 * for the same seeds (Philox4x32-10 as TF's CPU kernels draw it; the limits
 * are in docs/differences.md). [locked] */
void vs_graph_set_random_seed(vs_graph *g, int64_t seed);

/* ---- operations -------------------------------------------------------- */

/* Operation accessors. Strings are borrowed from the graph. [immutable]: an
 * op is complete (device, colocation and control inputs included) when the
 * call that made it returns, and never changes afterwards. */
const char *vs_op_name(const vs_op *op);        /* "foo/bar/c" */
const char *vs_op_type(const vs_op *op);        /* "Const", "VariableV2", ... */
const char *vs_op_device(const vs_op *op);      /* "" when unplaced */
/* Data inputs: their count, and input i ({NULL, 0} when op is NULL or i is
 * out of range). Control inputs: their count, and control input i (NULL
 * when op is NULL or i is out of range). Counts are 0 for a NULL op. */
size_t vs_op_num_inputs(const vs_op *op);
vs_output vs_op_input(const vs_op *op, size_t i);
size_t vs_op_num_control_inputs(const vs_op *op);
vs_op *vs_op_control_input(const vs_op *op, size_t i);
/* The dtype and static shape of the op's output (VS_DTYPE_DEFAULT and the
 * unknown shape for a NULL op or one without an output, e.g. a NoOp). */
vs_dtype vs_op_output_dtype(const vs_op *op);
vs_shape vs_op_output_shape(const vs_op *op);

/* The output as a tensor: {op, 0}. */
vs_output vs_op_output(vs_op *op);

/* The tensor name "op_name:index" ("foo/v:0"). Borrowed, valid as long
 * as the graph; NULL for a NULL op, an op without an output (NoOp) or an
 * index the op does not have (every varscope op has at most one output,
 * index 0), or when out of memory: the string is made on the first call
 * for the op (not for variables' ops, which have it from creation) and the
 * same string is returned after. [immutable: thread-safe without the graph
 * lock] */
const char *vs_output_name(vs_output out);

/* Looks an operation up by its exact name. Returns NULL when there is none,
 * or when g or name is NULL. [locked] */
vs_op *vs_graph_operation_by_name(vs_graph *g, const char *name);

/* Number of operations (0 for a NULL graph), and the i-th in creation
 * order (NULL when g is NULL or i is out of range). [locked]: other threads may be adding ops meanwhile, so the
 * count is a snapshot; ops never go away, so an index below a count read
 * earlier stays valid. */
size_t vs_graph_num_operations(const vs_graph *g);
vs_op *vs_graph_operation(const vs_graph *g, size_t i);

/* tf.constant: a Const op named `name` (NULL: "Const") in the current name
 * scope, uniquified; a name ending in '/' is the op's full name as is
 * ("bar/" is "bar" in any scope; a second "bar/" is ValueError "Duplicate
 * node name in graph: 'bar'"), as for every op constructor. `data` holds
 * vs_shape_num_elements(shape) elements of `dtype` (copied); for VS_STRING
 * it is an array of that many `const char *` (NULL entries are ""), the
 * strings copied. Errors: INVALID_ARGUMENT/ValueError for a bad name
 * ("'%s' is not a valid scope name"), a shape that is not fully defined,
 * or an unsupported dtype. [per-thread] (the name scope). */
vs_output vs_constant(vs_graph *g, const void *data, vs_dtype dtype, vs_shape shape,
                      const char *name, vs_status *st);

/* tf.constant(x) for one float32 / int32 scalar. [per-thread] */
vs_output vs_constant_float(vs_graph *g, float value, const char *name, vs_status *st);
vs_output vs_constant_int32(vs_graph *g, int32_t value, const char *name, vs_status *st);

/* tf.no_op(name): an op with no inputs and no output (used for grouping).
 * [per-thread] */
vs_op *vs_no_op(vs_graph *g, const char *name, vs_status *st);

/* ---- names and name scopes --------------------------------------------- */

/* Graph.unique_name: the current name scope + name, uniquified against every
 * op name and name scope so far. With mark_as_used false the name is not
 * reserved. Returns a string borrowed from the graph. Errors: NULL name.
 * [per-thread]: the name stack is this thread's; the table of names in use
 * is the graph's, so two threads never get the same name. */
const char *vs_graph_unique_name(vs_graph *g, const char *name, bool mark_as_used, vs_status *st);

/* Enters tf.name_scope(name) and returns the scope string it yields, with its
 * trailing '/' ("hello_1/"), borrowed from the graph:
 *   - a plain name is uniquified under the current scope ("a/b", "a/b_1");
 *   - a name ending in '/' is absolute and not uniquified;
 *   - NULL or "" resets to the root scope and yields "".
 * Errors: ValueError "'%s' is not a valid scope name" (TF 1.15 text) when the
 * name does not match TF's pattern (at the root the first character must be
 * [A-Za-z0-9.]). On error nothing is entered. [per-thread] */
const char *vs_name_scope_push(vs_graph *g, const char *name, vs_status *st);

/* tf.name_scope(name, default_name): name if it is not NULL, else
 * default_name uniquified; both NULL is the reset idiom (as name=None).
 * [per-thread] */
const char *vs_name_scope_push_default(vs_graph *g, const char *name, const char *default_name,
                                       vs_status *st);

/* The module tf.compat.v1.name_scope(name, default_name, values): as
 * vs_name_scope_push_default, after checking `values` (n tensors; NULL is
 * Python's values=None, a non-NULL array with n == 0 is values=[]).
 * Errors (ValueError, INVALID_ARGUMENT; nothing is entered):
 *   - values given while name and default_name are both NULL: "At least one
 *     of name (None) and default_name (None) must be provided." (values=None
 *     keeps the reset idiom);
 *   - tensors of two graphs: "Tensor(\"d:0\", shape=(), dtype=float32) must
 *     be from the same graph as Tensor(\"c:0\", ...) (graphs are <vs_graph
 *     object at 0x...> and <...>)." (TF prints Python's graph objects);
 *   - tensors all of another graph than g: "Tensor(\"c:0\", shape=(),
 *     dtype=float32) is not an element of this graph." (TF would make that
 *     graph the default inside the block; a C call names its graph);
 *   - a NULL or output-less tensor.
 * [per-thread] */
const char *vs_name_scope_push_values(vs_graph *g, const char *name, const char *default_name,
                                      const vs_output *values, size_t n, vs_status *st);

/* Leaves the innermost name scope. Errors: FAILED_PRECONDITION/RuntimeError
 * when no name scope is open on this thread. [per-thread] */
void vs_name_scope_pop(vs_graph *g, vs_status *st);

/* The current name scope without its trailing '/' ("" at the root): TF's
 * get_name_scope(). Borrowed until the next scope change on this thread.
 * [per-thread]; NULL for a NULL graph or when out of memory. */
const char *vs_get_name_scope(vs_graph *g);

/* ops.strip_name_scope(name, export_scope) and
 * ops.prepend_name_scope(name, import_scope), TF's regular expressions
 * applied to strings: strip removes the first "scope/" (any number of
 * slashes) found at the start, after a '^' (control input) or after
 * "loc:@" (colocation), "a/b" -> "b", "^a/b" -> "^b"; prepend adds
 * "scope/" after a leading '^' or "loc:@", or at the start. A trailing '/'
 * on the scope is ignored, and an empty or NULL scope returns the name
 * unchanged. As in TF, strip reads the scope as a regular expression: '.' matches any
 * character and '\' escapes the next one. They write the result, always
 * NUL-terminated when cap > 0, into buf (which may be NULL when cap is 0)
 * and return its length, which may exceed cap - 1 (then it is truncated,
 * as snprintf). A NULL name returns 0. [immutable]: pure functions. */
size_t vs_strip_name_scope(const char *name, const char *export_scope, char *buf, size_t cap);
size_t vs_prepend_name_scope(const char *name, const char *import_scope, char *buf, size_t cap);

/* for-block sugar: VS_WITH_NAME_SCOPE(g, "hello", st) { ... }
 * The scope is popped when the block ends normally. `break`, `continue`,
 * `return` and `goto` out of the block skip the pop and leave the scope
 * open: do not leave the block that way. The block is skipped when the push
 * fails (st holds the error). */
#define VS_WITH_NAME_SCOPE(g, name, st)                                             \
  for (int vs__ns_once_ = vs_name_scope_push((g), (name), (st)) != NULL; vs__ns_once_; \
       vs__ns_once_ = 0, vs_name_scope_pop((g), NULL))

/* ---- collections -------------------------------------------------------- */

/* GraphKeys. */
#define VS_GLOBAL_VARIABLES "variables"
#define VS_LOCAL_VARIABLES "local_variables"
#define VS_METRIC_VARIABLES "metric_variables"
#define VS_MODEL_VARIABLES "model_variables"
#define VS_TRAINABLE_VARIABLES "trainable_variables"
#define VS_MOVING_AVERAGE_VARIABLES "moving_average_variables"
#define VS_REGULARIZATION_LOSSES "regularization_losses"
#define VS_GLOBAL_STEP "global_step"
#define VS_UPDATE_OPS "update_ops"
#define VS_LOSSES "losses"
#define VS_SUMMARIES "summaries"
#define VS_INIT_OP "init_op"
#define VS_LOCAL_INIT_OP "local_init_op"
#define VS_TRAIN_OP "train_op"

/* A list of collection names for option structs: VS_COLLECTIONS("a", "b").
 * VS_NO_COLLECTIONS is the empty list (TF's collections=[]). */
#define VS_COLLECTIONS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define VS_NO_COLLECTIONS ((const char *const[]){NULL})

/* A collection holds variables and operations, in insertion order. */
typedef enum vs_item_kind { VS_ITEM_VAR = 1, VS_ITEM_OP = 2 } vs_item_kind;
typedef struct vs_item {
  vs_item_kind kind;
  vs_var *var; /* when kind == VS_ITEM_VAR */
  vs_op *op;   /* when kind == VS_ITEM_OP */
} vs_item;

/* Graph.add_to_collection: appends (no de-duplication, as TF). Errors: NULL
 * arguments. [locked] */
void vs_add_to_collection(vs_graph *g, const char *key, vs_var *var, vs_status *st);
void vs_add_op_to_collection(vs_graph *g, const char *key, vs_op *op, vs_status *st);

/* Graph.add_to_collections(names, value): adds the item to each collection
 * of the NULL-terminated `keys` list (VS_COLLECTIONS("a", "b")) once, a key
 * repeated in the list included (TF iterates set(names)); keys are taken in
 * list order. Errors: NULL arguments, or an item of another graph (nothing
 * is added then). [locked] */
void vs_add_to_collections(vs_graph *g, const char *const *keys, vs_var *var, vs_status *st);
void vs_add_op_to_collections(vs_graph *g, const char *const *keys, vs_op *op, vs_status *st);

/* Graph.get_collection(key, scope). With scope NULL every item is returned;
 * otherwise only items whose name matches `scope` at its start as a regular
 * expression (Python's re.match, so "D" also matches "D_pre/w" and "a.b"
 * matches "axb"; the pattern is a POSIX extended regex). An unknown key gives
 * no items. Fills up to `cap` items into `out` (out may be NULL when cap is
 * 0) and returns how many match, so a first call with cap 0 sizes the array.
 * Errors: INVALID_ARGUMENT for a scope that is not a valid regex. [locked]:
 * a snapshot; items added by other threads between a sizing call and a
 * filling call are counted in the second return value but not filled
 * beyond `cap`. */
size_t vs_get_collection(vs_graph *g, const char *key, const char *scope, vs_item *out,
                         size_t cap, vs_status *st);

/* Like vs_get_collection but only the variables of the collection. [locked] */
size_t vs_get_collection_vars(vs_graph *g, const char *key, const char *scope, vs_var **out,
                              size_t cap, vs_status *st);

/* tf.global_variables(scope), tf.trainable_variables(scope),
 * tf.local_variables(scope), tf.model_variables(scope): creation order.
 * [locked] */
size_t vs_global_variables(vs_graph *g, const char *scope, vs_var **out, size_t cap, vs_status *st);
size_t vs_trainable_variables(vs_graph *g, const char *scope, vs_var **out, size_t cap, vs_status *st);
size_t vs_local_variables(vs_graph *g, const char *scope, vs_var **out, size_t cap, vs_status *st);
size_t vs_model_variables(vs_graph *g, const char *scope, vs_var **out, size_t cap, vs_status *st);

/* Graph.get_all_collection_keys: the keys in first-use order. Fills up to
 * cap borrowed strings and returns the count. [locked] */
size_t vs_get_all_collection_keys(vs_graph *g, const char **out, size_t cap);

/* ---- colocation (tf.compat.v1.colocate_with) ----------------------------- */

/* One colocate_with block, entered with a handle so that leaving checks the
 * nesting. Owned by the graph (valid until vs_graph_free). */
typedef struct vs_colocation_scope vs_colocation_scope;

/* Enters `with tf.compat.v1.colocate_with(op, ignore_existing)` on the
 * calling thread (Graph._colocate_with_for_gradient): for a variable pass
 * vs_var_op(v) (or use vs_colocate_with_var), for a tensor its op. Inside:
 *   - the device scopes entered before are hidden (colocation is stronger
 *     than tf.device; scopes entered inside the block still apply);
 *   - every new op gets the attribute _class = sorted(set(the colocation
 *     groups of the colocated ops)), where an op's groups are its own _class
 *     entries, or "loc:@<its name>" when it has none; the colocated ops are
 *     `op` and those of the enclosing blocks, up to and including the
 *     innermost one entered with ignore_existing;
 *   - its device becomes that of the innermost colocated op that has one
 *     (vs_op_device then reports it, job/task included); with none, the
 *     device the inner scopes gave.
 * A ref input does the same around its op (a variable's Assign, AssignAdd,
 * IsVariableInitialized and read get "loc:@<v>" and v's device), and a
 * variable's initializer ops and variable op get "loc:@<v>" without its
 * device (RefVariable's attribute scope) when no block overrides it.
 * op NULL with ignore_existing: the block has no colocation (and still
 * hides the device scopes). Errors, nothing entered: ValueError "Trying to
 * reset colocation (op is None) but ignore_existing is not True" (op NULL
 * without ignore_existing); RuntimeError when called from a device
 * function. An op of another graph is accepted, as in TF: its colocation
 * groups and device are copied when the block is entered (that graph may
 * be freed while the block is open; it must not be freed during this call),
 * and a session places the new ops with the op of that name in its own
 * graph, if any. [per-thread] */
vs_colocation_scope *vs_colocate_with(vs_graph *g, vs_op *op, bool ignore_existing, vs_status *st);

/* Leaves `scope`, which must be the calling thread's innermost colocation
 * block with no device scope entered inside it still open; otherwise
 * FAILED_PRECONDITION/RuntimeError "Exiting colocation scope without proper
 * scope nesting." (a C-only text: Python's with-blocks cannot cross) and
 * nothing is left. The hidden device scopes are visible again. [per-thread] */
void vs_colocation_scope_pop(vs_graph *g, vs_colocation_scope *scope, vs_status *st);

/* op.get_attr("_class"): the op's colocation groups ("loc:@v"), sorted, as
 * borrowed strings; 0 when the op has no _class attribute (TF's
 * op.colocation_groups() is then ["loc:@<its name>"]). Fills up to cap
 * entries of out (NULL when cap is 0) and returns the count. [immutable] */
size_t vs_op_colocation_groups(const vs_op *op, const char **out, size_t cap);

/* for-block sugar, as VS_WITH_NAME_SCOPE (do not leave the block with
 * break/return/goto). The block is skipped when the push fails. */
#define VS_WITH_COLOCATION(g, op, ignore_existing, st)                                     \
  for (vs_colocation_scope *vs__coloc_ = vs_colocate_with((g), (op), (ignore_existing), (st)); \
       vs__coloc_; vs_colocation_scope_pop((g), vs__coloc_, NULL), vs__coloc_ = NULL)

/* ---- resource containers (tf.compat.v1.container) ------------------------ */

/* Enters `with g.container(name)` on the graph: stateful ops built
 * inside (of varscope's ops, the VariableV2 of every variable) get the
 * attribute container=name; "" (or NULL) is the default container and sets
 * nothing, as in TF. Blocks nest; the innermost wins. Names are not checked
 * (TF checks them when a session creates the resource). The container does
 * not change names, placement or sharing in the graph; in a session each
 * variable op keeps its own value whatever its container. Errors: NULL
 * graph, out of memory. [per-graph, as TF's Graph._container: every
 * thread building in g sees the innermost open block, under g's lock] */
bool vs_container_push(vs_graph *g, const char *name, vs_status *st);
/* Leaves the graph's innermost container block, whichever thread entered
 * it. Errors: FAILED_PRECONDITION/RuntimeError "vs_container_pop: no
 * container scope is open on this graph". [per-graph] */
void vs_container_pop(vs_graph *g, vs_status *st);
/* op.get_attr("container"): "" for the default container; NULL for an op
 * type without the attribute (TF raises ValueError). Borrowed. [immutable] */
const char *vs_op_container(const vs_op *op);

#ifdef __cplusplus
}
#endif
#endif
