/* varscope/train.h - training: gradients (tf.gradients) and optimizers.
 *
 * Issue 13. The gradient section builds TF1's backward graph with TF's op
 * names; the optimizer section (below it) builds update ops on those
 * gradients. Handles returned belong to the graph.
 */
#ifndef VARSCOPE_TRAIN_H
#define VARSCOPE_TRAIN_H

#include "varscope/graph.h"
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
} vs_gradients_opts;

/* tf.gradients(ys, xs, grad_ys, name, colocate_gradients_with_ops): builds
 * the gradient ops of sum(ys) with respect to each x and writes them to
 * grads_out[0 .. n_xs): grads_out[i] is {NULL, 0} when ys do not depend on
 * xs[i] (TF's None). As TF's gradients_util: the ops between xs and ys are
 * walked from ys back, each op's gradient function called inside
 * name_scope("<op name>_grad") under the "gradients" scope, several
 * gradients reaching one tensor summed by an AddN ("gradients/AddN"). A
 * variable is passed as vs_var_value(v) (its read) or its VariableV2's
 * output (vs_op_output(vs_var_op(v))), as tf.gradients(loss, [v]).
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

/* ---- optimizers ---- */

#ifdef __cplusplus
}
#endif
#endif
