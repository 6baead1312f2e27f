/* varscope/train.h - training: gradients (tf.gradients) and optimizers.
 *
 * Issue 13. The gradient section builds TF1's backward graph with TF's op
 * names; the optimizer section (below it) builds update ops on those
 * gradients. Handles returned belong to the graph.
 */
#ifndef VARSCOPE_TRAIN_H
#define VARSCOPE_TRAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "varscope/graph.h"
#include "varscope/ops.h"
#include "varscope/status.h"
#include "varscope/variable.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- gradients ---------------------------------------------------------- */

typedef struct vs_gradients_opts {
  /* n_ys initial gradients (TF's grad_ys); NULL, or an entry {NULL, 0},
   * is ones of y's shape ("gradients/grad_ys_0", a Fill). */
  const vs_output *grad_ys;
  const char *name;  /* the name scope; NULL: "gradients" (uniquified: "gradients_1", ...) */
  /* TF's colocate_gradients_with_ops: each op's gradient ops (and the
   * AddN summing its gradients) take that op's device, when it has one,
   * and its colocation ("loc:@<op>"). */
  bool colocate_gradients_with_ops;
  /* TF's gate_gradients (default false, as tf.gradients): each op's input
   * gradients, when it has more than one, pass through
   * control_flow_ops.tuple: a NoOp "<op>_grad/tuple/group_deps" with the
   * gradients' ops as control inputs (on their device; a NoOp per device
   * under it when they sit on several) and an Identity
   * "<op>_grad/tuple/control_dependency" ("..._1", ...) of each gradient,
   * colocated with it, with ^group_deps as control input; the next
   * gradients are built on those Identities. */
  bool gate_gradients;
} vs_gradients_opts;

/* tf.gradients(ys, xs, grad_ys, name, colocate_gradients_with_ops): builds
 * the gradient ops of sum(ys) with respect to each x and writes them to
 * grads_out[0 .. n_xs): grads_out[i] is {NULL, 0} when ys do not depend on
 * xs[i] (TF's None). As TF's gradients_util: the ops between xs and ys are
 * walked from ys back, each op's gradient function called inside
 * name_scope("<op name>_grad") under the "gradients" scope, several
 * gradients reaching one tensor summed by an AddN ("gradients/AddN"). A
 * variable is passed as vs_var_value(v) (its read) or its VariableV2's
 * output (vs_op_output(vs_var_op(v))), as tf.gradients(loss, [v]). A
 * resource variable is passed as its handle, vs_op_output(vs_var_op(v))
 * (TF's x.handle, what tf.gradients(loss, [v]) differentiates): every read
 * of it (vs_var_value, vs_read_value, Adam's reads) passes its gradient
 * through (ReadVariableOp's gradient builds no op), several summed by an
 * AddN; a handle of a variable that is not floating point gets {NULL, 0}.
 * Shapes must be fully defined where a gradient needs them (broadcasts,
 * reductions, reshapes): UNIMPLEMENTED otherwise.
 * Errors (grads_out all {NULL, 0}; the ops built before the error stay in
 * the graph, as in TF):
 *   - an op on the path without a gradient function: TF's LookupError
 *     "No gradient defined for operation'<name>' (op type: <type>). In
 *     general every operation must have ..." (TF's text, missing space
 *     included), code NOT_FOUND (TF's C++ gradient registry's code for the
 *     same failure), exception name "LookupError";
 *   - NULL arguments, tensors of another graph, a grad_ys entry of another
 *     dtype than its y: INVALID_ARGUMENT (ValueError / TypeError).
 * Ownership: ys, xs and opts are read, not kept; the gradient ops belong to
 * g. Thread safety: [per-thread] (builds in the calling thread's name,
 * device and control-dependency scopes, under the graph lock). */
void vs_gradients(vs_graph *g, const vs_output *ys, size_t n_ys, const vs_output *xs, size_t n_xs,
                  const vs_gradients_opts *opts, vs_output *grads_out, vs_status *st);

/* ---- optimizers ---------------------------------------------------------
 *
 * tf.compat.v1.train.GradientDescentOptimizer, MomentumOptimizer,
 * AdamOptimizer and RMSPropOptimizer, building the graph TF 2.21 builds in
 * graph mode for RefVariables and resource variables, mixed or not
 * (verified op by op in conformance/oracle/training.py):
 *   - slot variables "<var>/<Name>" ("w/Momentum", "w/Adam", "w/Adam_1",
 *     "w/RMSProp", "w/RMSProp_1"), made by get_variable in
 *     variable_scope(None, default_name="<var>/<Name>") inside the caller's
 *     variable scope (a second optimizer of the same name gets
 *     "w/Momentum_1"), initialised to zeros (RMSProp's "rms" to ones),
 *     not trainable: in GLOBAL_VARIABLES, not in TRAINABLE_VARIABLES;
 *     colocated with their variable (colocate_vars_with: its device
 *     whatever the enclosing device scopes, and its group "loc:@<var>");
 *     resource variables when their variable is one, RefVariables
 *     otherwise (whatever vs_enable_resource_variables says);
 *   - Adam's "beta1_power" and "beta2_power": tf.Variables (named by the
 *     caller's name scope, made once per optimizer and graph), initialised
 *     to beta1 and beta2 and colocated with the variable whose name sorts
 *     first, of its kind (resource or ref);
 *   - under name_scope(name or the optimizer's name): Consts
 *     "learning_rate" (and "momentum", "beta1", "beta2", "epsilon",
 *     "decay"), one "update_<var>/Apply<Kind>" op per variable, colocated
 *     with it, and the train op: a NoOp named as the scope ("Adam") grouping
 *     the updates (Adam's also "mul"/"Assign" and "mul_1"/"Assign_1", the
 *     beta powers' advance, after the updates); with a global step, the
 *     group is "<scope>/update" and the train op an AssignAdd of
 *     "<scope>/value" (1) to the step, named as the scope. The train op is
 *     added to the TRAIN_OP collection;
 *   - for a resource variable, "update_<var>/ResourceApply<Kind>" on the
 *     handles of the variable and its slots (no output); resource beta
 *     powers are read inside the op's scope ("update_w/ResourceApplyAdam/
 *     ReadVariableOp", "..._1"; a RefVariable's ApplyAdam reads them the
 *     same way) and advanced by "ReadVariableOp", "mul", "AssignVariableOp"
 *     and the read after it ("ReadVariableOp_1"; the group waits for the
 *     AssignVariableOp); a resource global step is incremented by an
 *     AssignAddVariableOp named as the scope of a Const "<scope>/Const",
 *     which is the train op.
 * The updates run on the device where the variable's buffer is, in place
 * (cl_kernels/training.cl), with TF's arithmetic (training_ops.cc).
 *
 * float32 and float64 variables are optimised (a resource variable with a
 * gradient of its own dtype). For float64, as TF's _apply_dense, each
 * hyper-parameter is cast to the variable's dtype (a resource variable's:
 * the gradient's) by a Cast op "<opt>/update_<v>/Cast", "Cast_1", ... in
 * input order, colocated with the variable (Adam's beta powers from their
 * "read" snapshot, or through "Cast/ReadVariableOp" for resource ones), and
 * the Apply kernels compute in double; float32 builds no Cast, as TF.
 * float16, bfloat16 and integer variables, which TF updates in their own
 * precision or not at all, are refused with UNIMPLEMENTED before anything
 * is built. A resource variable with a
 * gradient that is not a number (bool) gets TF's TypeError "Value passed to
 * parameter 'alpha' has DataType bool not in list of allowed values: ..."
 * (the op's first hyper-parameter: 'lr', 'beta1_power') once its slots are
 * made, as TF.
 *
 * Ownership: the caller owns a vs_optimizer and frees it with
 * vs_optimizer_free; the variables and ops it builds belong to the graph
 * and outlive it. An optimizer remembers its slots by variable (and Adam's
 * beta powers by graph): use it only with graphs that outlive it.
 * Thread safety: an optimizer is a plain object, as its Python counterpart:
 * one thread at a time per optimizer. The calls that build ops are
 * [per-thread] in the terms of graph.h (they use the calling thread's name,
 * variable, device and control-dependency scopes). */

typedef struct vs_optimizer vs_optimizer;

/* An optional double for option structs whose TF default is not 0:
 * .beta1 = VS_OPT_DOUBLE(0.5). A zero-initialised field means the default. */
typedef struct vs_opt_double {
  bool set;
  double value;
} vs_opt_double;
#define VS_OPT_DOUBLE(x) ((vs_opt_double){.set = true, .value = (x)})

/* GradientDescentOptimizer(learning_rate, use_locking=False,
 * name="GradientDescent"). */
typedef struct vs_optimizer_opts {
  const char *name;  /* NULL: the optimizer's default name */
  bool use_locking;  /* recorded as the ops' attr; updates of one run are serial anyway */
  /* learning_rate given as a tensor (a placeholder fed each step, a
   * schedule built from ops): a scalar used in place of the
   * "learning_rate" Const (as TF, which converts only Python numbers),
   * cast to the variable's dtype by a Cast op when it differs (TF's
   * math_ops.cast).
   * {NULL, 0}: the double argument. The same field in every optimizer's
   * options. */
  vs_output learning_rate_tensor;
} vs_optimizer_opts;

/* The constructors: NULL opts are all defaults. Errors: ValueError
 * (INVALID_ARGUMENT) "Must specify the optimizer name" for "";
 * RESOURCE_EXHAUSTED when out of memory. No graph is touched until the
 * optimizer is applied (a name that is not a valid scope name fails then,
 * as in TF, with "'%s' is not a valid scope name"). */
vs_optimizer *vs_gradient_descent_optimizer(double learning_rate, const vs_optimizer_opts *opts,
                                            vs_status *st);

/* MomentumOptimizer(learning_rate, momentum, use_locking=False,
 * name="Momentum", use_nesterov=False). */
typedef struct vs_momentum_opts {
  const char *name;
  bool use_locking;
  bool use_nesterov;
  vs_output learning_rate_tensor; /* as vs_optimizer_opts */
} vs_momentum_opts;
vs_optimizer *vs_momentum_optimizer(double learning_rate, double momentum, const vs_momentum_opts *opts,
                                    vs_status *st);

/* AdamOptimizer(learning_rate=0.001, beta1=0.9, beta2=0.999,
 * epsilon=1e-08, use_locking=False, name="Adam"). */
typedef struct vs_adam_opts {
  vs_opt_double learning_rate, beta1, beta2, epsilon;
  const char *name;
  bool use_locking;
  vs_output learning_rate_tensor; /* as vs_optimizer_opts; overrides learning_rate */
} vs_adam_opts;
vs_optimizer *vs_adam_optimizer(const vs_adam_opts *opts, vs_status *st);

/* RMSPropOptimizer(learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10,
 * use_locking=False, centered=False, name="RMSProp"). Centered, it keeps a
 * third slot "mg" and runs ApplyCenteredRMSProp. */
typedef struct vs_rmsprop_opts {
  vs_opt_double decay, momentum, epsilon;
  bool centered;
  const char *name;
  bool use_locking;
  vs_output learning_rate_tensor; /* as vs_optimizer_opts */
} vs_rmsprop_opts;
vs_optimizer *vs_rmsprop_optimizer(double learning_rate, const vs_rmsprop_opts *opts, vs_status *st);

/* Frees the optimizer (not the variables and ops it built); NULL is a no-op. */
void vs_optimizer_free(vs_optimizer *opt);

/* Optimizer.get_name(): "Adam" or the name given. Borrowed from the optimizer. */
const char *vs_optimizer_name(const vs_optimizer *opt);

/* A (gradient, variable) pair; grad {NULL, 0} is TF's None (the variable is
 * skipped). */
typedef struct vs_grad_and_var {
  vs_output grad;
  vs_var *var;
} vs_grad_and_var;

typedef struct vs_apply_opts {
  vs_var *global_step; /* NULL: none; else incremented by 1 after the updates */
  const char *name;    /* NULL: the optimizer's name */
} vs_apply_opts;

/* Optimizer.apply_gradients(grads_and_vars, global_step, name): creates the
 * slots of the variables that have a gradient, then the update ops, and
 * returns the train op. Errors, in TF's order and words (nothing is built
 * before the first three; later ones leave what TF also leaves, e.g. the
 * slots):
 *   - ValueError "No variables provided." for n == 0;
 *   - INVALID_ARGUMENT for a NULL pair array, a NULL variable, variables or
 *     gradients of different graphs, a global step that is not an integer
 *     scalar; UNIMPLEMENTED for a variable that is not float32 or float64
 *     (or a resource variable whose gradient has another dtype);
 *   - ValueError "No gradients provided for any variable: [\"<tf.Variable
 *     'w:0' shape=(2, 3) dtype=float32_ref>\", ...]." when every grad is None;
 *   - TypeError "Input 'delta' of 'ApplyGradientDescent' Op has type int32
 *     that does not match type float32 of argument 'var'." for a gradient
 *     of another dtype;
 *   - ValueError "Dimension 0 in both shapes must be equal, but are 2 and
 *     3. Shapes are [2,3] and [3,2]. for '{{node GradientDescent/update_w/
 *     ApplyGradientDescent}} = ApplyGradientDescent[T=DT_FLOAT,
 *     use_locking=false](w, GradientDescent/learning_rate, zeros)' with
 *     input shapes: [2,3], [], [3,2]." (or "Shapes must be equal rank, ...")
 *     for a gradient whose static shape does not fit its variable (a
 *     resource variable's handle shows as "[]"; as in TF 2.21, whose shape
 *     functions read a non-handle gradient as unknown there, only
 *     ResourceApplyGradientDescent checks the gradient's static shape: the
 *     other resource updates fail when run).
 * At run time, TF's kernel errors: "Attempting to use uninitialized value
 * w/Momentum" (FAILED_PRECONDITION) when a slot was not initialised (for a
 * resource variable or slot: INTERNAL "Invalid variable reference."), and
 * "var and grad do not have the same shape[2,3] [3]" (INVALID_ARGUMENT).
 * A variable with a constraint (vs_var_opts.constraint) is projected after
 * its update, as TF's update_op does: the callback runs (under the graph
 * lock, on the calling thread) in the "update_<v>" scope, colocated with
 * v and after the Apply op, on the updated value (a RefVariable's Apply op
 * output, a resource variable's "update_<v>/constraint/ReadVariableOp"),
 * and v.assign(<its tensor>) is the update the train op waits for. Its
 * error is returned as is; a callback that returns no tensor of the graph
 * fails with INVALID_ARGUMENT "the constraint of <v> returned no tensor of
 * its graph".
 * Returns NULL on error. [per-thread] */
vs_op *vs_optimizer_apply_gradients(vs_optimizer *opt, const vs_grad_and_var *grads_and_vars, size_t n,
                                    const vs_apply_opts *opts, vs_status *st);

/* Optimizer.GATE_NONE, GATE_OP and GATE_GRAPH. The numbers are not TF's
 * (0, 1, 2): a zero-initialised option is the default, GATE_OP.
 *   - GATE_NONE: the gradients as tf.gradients builds them by default;
 *   - GATE_OP: vs_gradients with gate_gradients (each op's input gradients
 *     through "<op>_grad/tuple/...", see vs_gradients_opts);
 *   - GATE_GRAPH: ungated gradients, then one control_flow_ops.tuple over
 *     all of them in the caller's name, device and colocation scopes
 *     ("tuple/group_deps", "tuple/control_dependency", "..._1", ...). */
typedef enum vs_gate_gradients {
  VS_GATE_DEFAULT = 0, /* GATE_OP */
  VS_GATE_NONE = 1,
  VS_GATE_OP = 2,
  VS_GATE_GRAPH = 3,
} vs_gate_gradients;

/* Optimizer.compute_gradients(loss, var_list, gate_gradients, grad_loss,
 * colocate_gradients_with_ops): the gradient of `loss` with respect to
 * each variable of the list, through vs_gradients (its "gradients" name
 * scope, ops and errors). */
typedef struct vs_compute_gradients_opts {
  /* The variables: NULL is TF's var_list=None, every variable of
   * TRAINABLE_VARIABLES as of now; a non-NULL list of n_vars (0 is TF's []). */
  vs_var *const *var_list;
  size_t n_vars;
  const vs_output *grad_loss; /* NULL: ones (TF's grad_loss=None) */
  bool colocate_gradients_with_ops; /* as vs_gradients_opts */
  vs_gate_gradients gate_gradients; /* VS_GATE_DEFAULT (0): GATE_OP */
} vs_compute_gradients_opts;

/* Writes the (gradient, variable) pairs to out[0 .. k) in var_list order
 * (a gradient {NULL, 0} where the loss does not depend on the variable)
 * and returns k, the number of variables. With out NULL and cap 0 it only
 * returns k and builds nothing (a sizing call). Errors (0 returned):
 *   - ValueError "Invalid type tf.int32 for Const:0, expected: [tf.float32,
 *     tf.float64, tf.float16, tf.bfloat16]." for a loss of another dtype;
 *   - ValueError "No variables to optimize." for an empty list;
 *   - ValueError "gate_gradients must be one of: Optimizer.GATE_NONE,
 *     Optimizer.GATE_OP, Optimizer.GATE_GRAPH.  Not 7" for a value outside
 *     the enum (nothing built);
 *   - GATE_GRAPH when no variable has a gradient: ValueError "'tensors'
 *     must have at least one Tensor. Received: [None, None]." (TF's tuple);
 *   - INVALID_ARGUMENT when cap < k (nothing is built), for a NULL or
 *     foreign loss or variable; vs_gradients' errors. [per-thread] */
size_t vs_optimizer_compute_gradients(vs_optimizer *opt, vs_output loss, const vs_compute_gradients_opts *opts,
                                      vs_grad_and_var *out, size_t cap, vs_status *st);

typedef struct vs_minimize_opts {
  vs_var *const *var_list; /* as vs_compute_gradients_opts: NULL is every trainable variable */
  size_t n_vars;
  vs_var *global_step;     /* NULL: none */
  const char *name;        /* the apply name scope; NULL: the optimizer's name */
  const vs_output *grad_loss;
  bool colocate_gradients_with_ops;
  vs_gate_gradients gate_gradients; /* VS_GATE_DEFAULT (0): GATE_OP, as TF */
} vs_minimize_opts;

/* Optimizer.minimize(loss, global_step, var_list, name, grad_loss):
 * compute_gradients, then apply_gradients; returns the train op. Errors:
 * those two calls', and ValueError "No gradients provided for any variable,
 * check your graph for ops that do not support gradients, between variables
 * [\"<tf.Variable 'c:0' shape=(1,) dtype=float32_ref>\"] and loss
 * Tensor(\"Sum:0\", shape=(), dtype=float32)." when the loss depends on none
 * of the variables. Returns NULL on error. [per-thread] */
vs_op *vs_optimizer_minimize(vs_optimizer *opt, vs_output loss, const vs_minimize_opts *opts, vs_status *st);

/* Optimizer.get_slot(var, name): the slot variable named `slot_name` ("momentum"
 * for Momentum; "m" and "v" for Adam; "rms", "momentum" and, centered,
 * "mg" for RMSProp) of `var`, or NULL when it has none (as TF's None: no
 * error). */
vs_var *vs_optimizer_get_slot(const vs_optimizer *opt, const vs_var *var, const char *slot_name);

/* Optimizer.get_slot_names(): the names of the slots this optimizer makes,
 * sorted ("m", "v"). Fills up to cap borrowed strings and returns how many
 * there are. */
size_t vs_optimizer_get_slot_names(const vs_optimizer *opt, const char **out, size_t cap);

/* Optimizer.variables() for graph g: the non-slot variables (Adam's beta
 * powers) and the slots made in g, sorted by name as TF sorts them. Fills up
 * to cap and returns how many there are. */
size_t vs_optimizer_variables(const vs_optimizer *opt, const vs_graph *g, vs_var **out, size_t cap);

/* Adam's non-slot variables by name ("beta1_power", "beta2_power") in
 * graph g; NULL before the optimizer was applied there (TF's
 * _get_non_slot_variable). */
vs_var *vs_optimizer_get_non_slot_variable(const vs_optimizer *opt, const vs_graph *g, const char *name);

/* ---- the global step (tf.compat.v1.train) ------------------------------- */

/* tf.train.get_global_step(graph): the one variable of the GLOBAL_STEP
 * collection, else the variable whose tensor is "global_step:0", else NULL
 * (no error). Errors, as assert_global_step (TypeError, INVALID_ARGUMENT):
 * 'Existing "global_step" does not have integer type: <dtype:
 * 'float32_ref'>' and 'Existing "global_step" is not scalar: (2,)'. Two or
 * more variables in the collection: NULL, as TF (which logs "Multiple
 * tensors in global_step collection."). A "global_step:0" that is a tensor,
 * not a variable, is refused with INVALID_ARGUMENT (C returns variables).
 * [locked] */
vs_var *vs_train_get_global_step(vs_graph *g, vs_status *st);

/* tf.train.create_global_step(graph): get_variable("global_step", shape=(),
 * dtype=int64, zeros, trainable=False, aggregation=ONLY_FIRST_REPLICA,
 * collections=[GLOBAL_VARIABLES, GLOBAL_STEP]) at the root name scope (in
 * the current variable scope, as TF: "foo/global_step" inside
 * variable_scope("foo")). Errors: ValueError '"global_step" already
 * exists.' when get_global_step finds one; get_variable's errors.
 * [per-thread] */
vs_var *vs_train_create_global_step(vs_graph *g, vs_status *st);

/* tf.train.get_or_create_global_step(graph). [per-thread] */
vs_var *vs_train_get_or_create_global_step(vs_graph *g, vs_status *st);

#ifdef __cplusplus
}
#endif
#endif
