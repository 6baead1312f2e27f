/* varscope/ops.h - state and arithmetic ops: assignment, reads, variable
 * initialisation, control dependencies, elementwise arithmetic.
 *
 * Op constructors follow TF's naming: each builds its op inside
 * name_scope(name or its default), in the caller's current name scope.
 * Ops that take a variable by reference (assign*, is_variable_initialized)
 * are colocated with the variable (read_value is not, as in TF: Identity
 * takes no ref). Returned handles belong to the graph.
 *
 * Resource variables (vs_var_is_resource; TF 2.21's ResourceVariable in
 * graph mode) take none of that path:
 *   - vs_assign / vs_assign_add / vs_assign_sub build AssignVariableOp /
 *     AssignAddVariableOp / AssignSubVariableOp (name: opts->name, else
 *     the op type, in the caller's name scope; no output, not colocated),
 *     then a "ReadVariableOp" with the update as its control input, which
 *     they return: TF returns an _UnreadVariable whose session value is
 *     that read (its .op is the update, vs_op_control_input(read, 0)).
 *     validate_shape is ignored, as TF's assign has no such argument:
 *     assign checks the shape always ("Cannot assign value to variable
 *     ' v:0': Shape mismatch.The variable shape (2,), and the assigned
 *     value shape (3,) are incompatible."), assign_add/sub through the op's
 *     shape function ("Dimension 0 in both shapes must be equal, ... with
 *     input shapes: [], [3]."); a value of another dtype is ValueError
 *     "Tensor conversion requested dtype float32 for Tensor with dtype
 *     int32: <tf.Tensor 'c:0' shape=(2,) dtype=int32>". In a session:
 *     InvalidArgumentError "Trying to assign to variable with tensor with
 *     wrong shape. Expected [2] got [3]" (assign to an initialised
 *     variable), "Cannot update variable with shape [2] using a Tensor with
 *     shape [1], shapes must be equal." (no broadcasting), NotFoundError
 *     "Container localhost does not exist. (Could not find resource:
 *     localhost/v)" (or "Resource localhost/v/N10tensorflow3VarE does not
 *     exist." once the container has a variable) for an update of an
 *     uninitialised variable; an update of a bool or string variable fails
 *     at run time, as TF has no kernel for it ("No OpKernel was registered
 *     to support Op 'AssignAddVariableOp' used by {{node x}} with these
 *     attrs: [dtype=DT_BOOL]"; TF lists the registered kernels after it);
 *   - reading an uninitialised one: FailedPreconditionError "Could not find
 *     variable v. This could mean that the variable has been deleted. In
 *     TF1, it can also mean the variable is uninitialized. Debug info:
 *     container=localhost, status error message=<the text above>";
 *   - vs_read_value builds "Read/ReadVariableOp" and an "Identity" in the
 *     caller's name scope; vs_is_variable_initialized a
 *     "VarIsInitializedOp"; vs_initialized_value fails with UNIMPLEMENTED
 *     (TF raises a bare NotImplementedError);
 *   - vs_report_uninitialized_variables and vs_variables_initializer work
 *     as for RefVariables (TF's report builds VarIsInitializedOp ops; the
 *     C graph keeps its one op).
 */
#ifndef VARSCOPE_OPS_H
#define VARSCOPE_OPS_H

#include "varscope/variable.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vs_assign_opts {
  const char *name;             /* NULL: "Assign" / "AssignAdd" / "AssignSub" */
  vs_opt_bool validate_shape;   /* default True */
} vs_assign_opts;

/* v.assign(value): writes value into the variable and returns the variable's
 * new value. With validate_shape, the value's shape must be compatible with
 * the variable's (ValueError "Shapes (2,) and (3,) are incompatible");
 * without it the variable takes the value's shape. dtypes must match. */
vs_output vs_assign(vs_graph *g, vs_var *v, vs_output value, const vs_assign_opts *opts,
                    vs_status *st);
/* v.assign_add(value) / v.assign_sub(value): value has the variable's
 * shape (TF refuses a scalar for a vector: "Shapes must be equal rank, but
 * are 1 and 0 ..."). */
vs_output vs_assign_add(vs_graph *g, vs_var *v, vs_output value, const vs_assign_opts *opts,
                        vs_status *st);
vs_output vs_assign_sub(vs_graph *g, vs_var *v, vs_output value, const vs_assign_opts *opts,
                        vs_status *st);

/* v.read_value(): an Identity named "read" in the caller's name scope. */
vs_output vs_read_value(vs_graph *g, vs_var *v, vs_status *st);

/* a + b, a - b, a * b (math_ops' operators, whose default op names are
 * "add", "sub", "mul"; tf.add itself would name its op "Add"): same dtype;
 * equal shapes, one single element, or one operand whose shape is the
 * other's trailing dimensions (conv + biases). Errors: ValueError "Dimensions must be equal, but are 2 and 3 for
 * '{{node add}} = AddV2[T=DT_FLOAT](a, b)' with input shapes: [2], [3]."
 * and TypeError for mixed dtypes. */
vs_output vs_add(vs_graph *g, vs_output a, vs_output b, const char *name, vs_status *st);
vs_output vs_sub(vs_graph *g, vs_output a, vs_output b, const char *name, vs_status *st);
vs_output vs_mul(vs_graph *g, vs_output a, vs_output b, const char *name, vs_status *st);

/* tf.placeholder(dtype, shape, name): must be fed when a run needs it
 * (InvalidArgumentError "You must feed a value for placeholder tensor 'x'
 * with dtype float and shape [1,8,8,3]"). */
vs_output vs_placeholder(vs_graph *g, vs_dtype dtype, vs_shape shape, const char *name, vs_status *st);

/* tf.reshape(x, shape): one dimension may be VS_DIM_UNKNOWN (TF's -1).
 * Errors: TF's "Cannot reshape a tensor with 12 elements to shape [5,5]
 * (25 elements) ..." ValueError. */
vs_output vs_reshape(vs_graph *g, vs_output x, vs_shape shape, const char *name, vs_status *st);

/* tf.identity. */
vs_output vs_identity(vs_graph *g, vs_output x, const char *name, vs_status *st);

/* tf.control_dependencies(ops): every op created until the matching pop
 * gets these as control inputs (nested blocks accumulate). ops NULL is
 * control_dependencies(None): the enclosing blocks are ignored inside; an
 * empty non-NULL list adds nothing. As TF, an op whose input was created
 * inside the same block gets no redundant control inputs from it. */
void vs_control_dependencies_push(vs_graph *g, vs_op *const *ops, size_t n, vs_status *st);
void vs_control_dependencies_pop(vs_graph *g, vs_status *st);

/* tf.group / variables_initializer: a NoOp "name" (default "group_deps" /
 * "init") with control inputs on each op. */
vs_op *vs_group(vs_graph *g, vs_op *const *ops, size_t n, const char *name, vs_status *st);
vs_op *vs_variables_initializer(vs_graph *g, vs_var *const *vars, size_t n, const char *name,
                                vs_status *st);
/* global_variables_initializer(): every variable in GLOBAL_VARIABLES, as
 * of now; local_variables_initializer(): LOCAL_VARIABLES. Both named "init"
 * (uniquified). */
vs_op *vs_global_variables_initializer(vs_graph *g, vs_status *st);
vs_op *vs_local_variables_initializer(vs_graph *g, vs_status *st);

/* tf.is_variable_initialized(v): a scalar bool. */
vs_output vs_is_variable_initialized(vs_graph *g, vs_var *v, vs_status *st);

/* tf.report_uninitialized_variables(var_list): a 1-D string tensor of the
 * op names of the uninitialised ones, in list order. vars NULL: global +
 * local variables as of now (with none, every ref variable op). Builds
 * TF 2.21's sub-graph (IsVariableInitialized / VarIsInitializedOp per
 * variable, then on /device:CPU:0 stack, LogicalNot, the names' Const and
 * boolean_mask's ops); the result is
 * "report_uninitialized_variables/boolean_mask/GatherV2:0", or with no
 * variable at all the empty Const "report_uninitialized_variables/Const:0". */
vs_output vs_report_uninitialized_variables(vs_graph *g, vs_var *const *vars, size_t n,
                                            vs_status *st);

/* v.initialized_value(): the variable's value if it is initialised, else
 * its initial value; independent of initialisation order, so
 * Variable(v.initialized_value() + 1) works in any order. */
vs_output vs_initialized_value(vs_graph *g, vs_var *v, vs_status *st);

/* ---- reductions and arithmetic for losses (issue 13) ---- */

typedef struct vs_reduce_opts {
  const int64_t *axis;  /* NULL: every dimension (TF's axis=None) */
  size_t n_axis;        /* entries of axis; negative axes count from the end */
  bool keepdims;        /* keep reduced dimensions with size 1 */
  const char *name;     /* NULL: "Sum" / "Mean" */
} vs_reduce_opts;

/* tf.reduce_sum(x, axis, keepdims, name) / tf.reduce_mean: ops "Sum" /
 * "Mean" whose reduction indices are an int32 Const: "<op>/reduction_indices"
 * for a given axis list, or, for axis=None, a Const "Const" built in the
 * caller's scope before the op (as TF's _ReductionDims). opts NULL: all
 * defaults. Errors: ValueError "Invalid reduction dimension 2 for input
 * with 2 dimensions." for an axis out of range; TypeError for a
 * non-numeric dtype. [per-thread]; the op belongs to the graph. */
vs_output vs_reduce_sum(vs_graph *g, vs_output x, const vs_reduce_opts *opts, vs_status *st);
vs_output vs_reduce_mean(vs_graph *g, vs_output x, const vs_reduce_opts *opts, vs_status *st);

/* tf.square(x) ("Square") and tf.negative(x) ("Neg"): elementwise, TF's
 * TypeError for a dtype outside the op's list. name NULL: the op type. */
vs_output vs_square(vs_graph *g, vs_output x, const char *name, vs_status *st);
vs_output vs_neg(vs_graph *g, vs_output x, const char *name, vs_status *st);

/* tf.cast(x, dtype, name): an op "Cast" (SrcT x's dtype, DstT dtype,
 * Truncate false) named name, NULL: "Cast", made unique in the caller's
 * name scope. When x already has dtype, x itself is returned and no op is
 * built (as tf.cast). Values as TF's CPU kernel: floating to integer
 * truncates toward zero (NaN, infinities and out-of-range values give x86's
 * results: INT_MIN for int32, INT64_MIN for int64, and so on), integers wrap
 * to narrower integers, float16/bfloat16 round to nearest even, anything to
 * bool is x != 0 (NaN true). Every numeric dtype varscope stores and bool
 * cast to any other. Errors: INVALID_ARGUMENT (TypeError) for an invalid
 * dtype; a string source or destination builds but fails when run with
 * TF's UNIMPLEMENTED "Cast string to float is not supported"; complex
 * numbers fail when run with UNIMPLEMENTED. The gradient is TF's: cast
 * back between floating dtypes, none otherwise. The op belongs to the
 * graph; thread-safe (takes the graph lock); the name scope is the
 * calling thread's. */
vs_output vs_cast(vs_graph *g, vs_output x, vs_dtype dtype, const char *name, vs_status *st);

/* x / y (math_ops.truediv, op "RealDiv" named "truediv") for floating
 * tensors, with vs_add's broadcasts and errors; integers are refused
 * (UNIMPLEMENTED: TF would cast them to floating point first). */
vs_output vs_truediv(vs_graph *g, vs_output x, vs_output y, const char *name, vs_status *st);

/* tf.maximum(x, y, name) ("Maximum"): elementwise, with vs_add's
 * broadcasts and dtype checks (TF's TypeError for bool, string, complex). */
vs_output vs_maximum(vs_graph *g, vs_output x, vs_output y, const char *name, vs_status *st);

/* tf.add_n(inputs, name): one "AddN" op summing n tensors of one dtype and
 * compatible shapes (at most 64); a single input with no name is returned
 * as is, as math_ops.add_n does. inputs is read, not kept. */
vs_output vs_add_n(vs_graph *g, const vs_output *inputs, size_t n, const char *name, vs_status *st);

#ifdef __cplusplus
}
#endif
#endif
