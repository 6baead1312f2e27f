/* varscope/device.h - device placement: TensorFlow's device strings, nested
 * tf.device scopes, device functions and tf.compat.v1.train.
 * replica_device_setter, with TensorFlow 2.21's (compat.v1 graph mode)
 * strings, merge rules and error texts.
 *
 * Every new operation gets its device from the calling thread's stack of
 * device scopes, innermost first:
 *   - a device string is merged field by field (job, replica, task, device
 *     type, device index); fields the op already has (set by inner scopes)
 *     win, and the result is canonical ("/job:ps/device:GPU:1");
 *   - a device function (and a replica device setter) replaces the device
 *     with its return value, taken as is;
 *   - a NULL entry (tf.device(None)) stops the walk: enclosing scopes are
 *     ignored.
 * Ops colocated with another op (inside vs_colocate_with, graph.h; a
 * variable's Assign and read ops; ops taking a variable by reference) take
 * that op's device when it has one: colocation hides the device scopes
 * entered before it. Initializer ops built under tf.device(None) get "".
 * vs_op_device() returns the full string, job/replica/task included.
 *
 * Thread safety: device scopes are per thread (each thread starts with an
 * empty stack). NOTE: in TensorFlow the device stack is graph-wide unless
 * Graph.switch_to_thread_local() was called; varscope keeps it per thread,
 * like its name and variable scopes.
 */
#ifndef VARSCOPE_DEVICE_H
#define VARSCOPE_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "varscope/graph.h"
#include "varscope/scope.h"
#include "varscope/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- device strings ------------------------------------------------------ */

/* DeviceSpec.from_string(spec).to_string(). Grammar: parts separated by '/',
 * each split on ':'; empty parts are ignored:
 *   job:NAME | replica:INT | task:INT | TYPE[:INT|:*] | device:TYPE:(INT|*)
 * where the shorthand TYPE is CPU, GPU, TPU, CUSTOM or EPU in any case
 * (upper-cased), while device:TYPE is kept as written except that exactly
 * "cpu" and "gpu" are upper-cased ("/device:Gpu:0" stays as is). Integers
 * follow Python's int() ("03", " 1", "+1", "1_0" are accepted; "-1" is kept).
 * Canonical form: /job:J/replica:R/task:T/device:TYPE:IDX with unset fields
 * omitted and an unset index printed "*"; "/gpu:0" -> "/device:GPU:0".
 * `spec` NULL is "".
 * Writes the canonical string into buf (at most cap bytes, always
 * NUL-terminated when cap > 0; buf may be NULL when cap is 0) and returns its
 * full length, as snprintf does; 0 on error.
 * Errors (INVALID_ARGUMENT/ValueError, TF 2.21 texts):
 *   "Unknown attribute 'foo' is encountered while parsing the device spec: '/foo:1'."
 *   "Multiple device types are not allowed while parsing the device spec: /gpu:0/cpu:0."
 *   "invalid literal for int() with base 10: 'x'" (Python's int() error).
 * Thread safety: pure function. */
size_t vs_device_canonicalize(const char *spec, char *buf, size_t cap, vs_status *st);

/* ---- tf.device scopes --------------------------------------------------- */

/* A device function: returns the device for `op`, whose vs_op_device() is
 * what the inner scopes have set so far (vs_op_type/vs_op_name are set too).
 * The returned string is copied at once and used as is (not canonicalized,
 * not validated, as in TF). To fail, set `st` (vs_status_set) and return
 * NULL; the op is then not created and the error comes back from the call
 * that built it. Returning NULL without an error is TF's "device function
 * returned None": TypeError "Expected binary or unicode string, got None".
 * A device function must not push or pop device scopes. */
typedef const char *(*vs_device_fn)(const vs_op *op, void *user_data, vs_status *st);

/* Enters `with tf.device(device)` on the calling thread. The string is parsed
 * now (errors as vs_device_canonicalize; nothing is entered on error). NULL
 * is tf.device(None): ops built inside ignore every enclosing scope (an inner
 * scope still applies). Returns true when the scope was entered. */
bool vs_device_push(vs_graph *g, const char *device, vs_status *st);

/* Enters `with tf.compat.v1.device(fn)`: fn is called for every op built in
 * the scope (outer scopes are applied after it, so an outer function has
 * the last word). Errors: NULL fn. */
bool vs_device_push_fn(vs_graph *g, vs_device_fn fn, void *user_data, vs_status *st);

/* Leaves the innermost device scope of the calling thread (string, function,
 * NULL or setter alike). Errors: FAILED_PRECONDITION/RuntimeError when none
 * is open on this thread, or when called from inside a device function. */
void vs_device_pop(vs_graph *g, vs_status *st);

/* `with tf.device(device) as scope` with a handle, so that leaving checks
 * the nesting as TF's Graph.device does. A vs_device_scope is owned by the
 * graph (valid until vs_graph_free). vs_device_scope_push: as
 * vs_device_push (NULL device: tf.device(None)); NULL on error.
 * vs_device_scope_pop leaves `scope`, which must be the innermost device
 * scope of the calling thread; otherwise FAILED_PRECONDITION/RuntimeError
 * "Exiting device scope without proper scope nesting." and nothing is left.
 * [per-thread] */
typedef struct vs_device_scope vs_device_scope;
vs_device_scope *vs_device_scope_push(vs_graph *g, const char *device, vs_status *st);
void vs_device_scope_pop(vs_graph *g, vs_device_scope *scope, vs_status *st);

/* for-block sugar, as VS_WITH_NAME_SCOPE: VS_WITH_DEVICE(g, "/gpu:0", st) {...}.
 * Do not leave the block with break/return/goto (the scope would stay open).
 * The block is skipped when the push fails. */
#define VS_WITH_DEVICE(g, device, st)                                           \
  for (int vs__dev_once_ = vs_device_push((g), (device), (st)); vs__dev_once_; \
       vs__dev_once_ = 0, vs_device_pop((g), NULL))

/* ---- tf.compat.v1.train.replica_device_setter ---------------------------- */

/* One job of a cluster spec ({"ps": ["ps0:2222", "ps1:2222"]}). An array of
 * jobs ends with an entry whose name is NULL. Only the number of tasks of
 * the ps job is used. A later entry with the same name replaces an earlier
 * one, as in a Python dict literal. */
typedef struct vs_cluster_job {
  const char *name;         /* job name; NULL ends the array */
  const char *const *tasks; /* task addresses, NULL-terminated; NULL: no tasks */
} vs_cluster_job;

/* Task lists for vs_cluster_job: VS_TASKS("ps0:2222", "ps1:2222"). */
#define VS_TASKS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* A ps strategy (TF's ps_strategy callable): returns the ps task index for a
 * ps op. To fail, set `st` and return any value. */
typedef int64_t (*vs_ps_strategy_fn)(const vs_op *op, void *user_data, vs_status *st);

/* TF's STANDARD_PS_OPS in TensorFlow 2.21 (14 types; TF 1.15 had the first 10). */
#define VS_STANDARD_PS_OPS                                                          \
  ((const char *const[]){"Variable", "VariableV2", "AutoReloadVariable",            \
                         "MutableHashTable", "MutableHashTableV2",                  \
                         "MutableHashTableOfTensors", "MutableHashTableOfTensorsV2", \
                         "MutableDenseHashTable", "MutableDenseHashTableV2",        \
                         "VarHandleOp", "BoostedTreesEnsembleResourceHandleOp",     \
                         "BoostedTreesQuantileStreamResourceHandleOp",              \
                         "ResourceConditionalAccumulator", "DecisionTreeResource", NULL})

/* replica_device_setter's keyword arguments; zero values are TF's defaults. */
typedef struct vs_replica_setter_opts {
  int ps_tasks;                   /* ignored when cluster is given */
  const char *ps_device;          /* NULL: "/job:ps"; "": no ps device */
  const char *worker_device;      /* NULL: "/job:worker"; "": no worker device */
  vs_opt_bool merge_devices;      /* default TRUE */
  const vs_cluster_job *cluster;  /* NULL: cluster=None */
  const char *const *ps_ops;      /* NULL-terminated op types; NULL: VS_STANDARD_PS_OPS */
  vs_ps_strategy_fn ps_strategy;  /* NULL: round robin over the ps tasks */
  void *ps_strategy_data;
} vs_replica_setter_opts;

typedef struct vs_device_setter vs_device_setter;

/* tf.compat.v1.train.replica_device_setter(**opts); opts may be NULL.
 * Returns a setter owned by the graph (valid until vs_graph_free), or NULL
 * with an OK status where TF returns None: with a cluster whose ps job
 * (the job of ps_device) is missing or has no tasks, or ps_tasks == 0.
 * With a cluster, ps_tasks is the number of tasks of the ps job.
 * Device function, for each op built under the setter (TF 2.x rules):
 *   - merge_devices FALSE and the op already has a device: kept as is;
 *   - an op whose type is in ps_ops (when ps_device is not ""): ps_device,
 *     with task = strategy(op) when ps_device has a job and the op's job is
 *     unset or equal to it (only then does the round-robin counter advance),
 *     merged with the op's current device (the op's fields win);
 *   - any other op: worker_device merged with the op's current device.
 * The round-robin counter belongs to the setter: every push of the same
 * setter shares it. A ps_tasks < 0 cycles as Python's % does (0, -1, 0, ...).
 * Errors (INVALID_ARGUMENT/ValueError): a bad ps_device when a cluster is
 * given (otherwise a bad ps_device or worker_device fails when an op is
 * placed, as in TF); NULL graph. The DEPRECATION warning TF logs for
 * merge_devices=False is not printed. Thread safety: the counter is guarded
 * by the graph's lock. */
vs_device_setter *vs_replica_device_setter(vs_graph *g, const vs_replica_setter_opts *opts,
                                           vs_status *st);

/* Enters `with tf.device(setter)`. A NULL setter is tf.device(None): it
 * clears every enclosing scope (as TF does with the None that
 * replica_device_setter returns). Errors: a setter made for another graph. */
bool vs_device_push_setter(vs_graph *g, vs_device_setter *setter, vs_status *st);

#ifdef __cplusplus
}
#endif
#endif
