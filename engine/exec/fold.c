/* fold.c - the plan builder's constant folding of Rank, as TF 2.21's
 * grappler does it (constant_folding.cc, MaterializeShapes): a Rank whose
 * input has a known rank at plan time is that number, so its input is not
 * computed for it. Grappler turns the Rank into a Const with a control
 * dependency on the input, and its dependency optimizer then drops what is
 * free of side effects (IsFreeOfSideEffect): what still runs are
 * placeholders (the graph stays feedable), ops with a ref input (a ref
 * variable's read: TF keeps it, so an uninitialised one still fails),
 * stateful ops (variable writes, random draws), and their own inputs.
 * So assert_variables_initialized passes on an uninitialised resource
 * variable (its "Rank/ReadVariableOp" never runs) and fails on a ref one
 * ("w/read" runs), as TF does. */
#include <stdlib.h>
#include <string.h>

#include "exec/plan.h"
#include "kernels/registry.h"

bool vs__plan_folds(const vs_op *op) {
  return op->n_inputs == 1 && strcmp(vs__op_type(op), "Rank") == 0 && vs__op_shape(op->inputs[0].op).known;
}

/* TF's IsFreeOfSideEffect, over varscope's op types: false for the ops a
 * fold must still run. */
static bool free_of_side_effect(const vs_op *op) {
  static const char *const stateful[] = {"Placeholder", "RandomUniform", "RandomStandardNormal", "TruncatedNormal",
                                         "RandomUniformInt"};
  for (size_t i = 0; i < sizeof stateful / sizeof *stateful; i++)
    if (strcmp(vs__op_type(op), stateful[i]) == 0) return false;
  if (op->def && (op->def->flags & VS_OPF_STATEFUL)) return false;
  for (int i = 0; i < op->n_inputs; i++) /* a ref input: VariableV2's output */
    if (strcmp(vs__op_type(op->inputs[i].op), "VariableV2") == 0) return false;
  return true;
}

bool vs__fold_kept(const vs_op *rank, vs_op ***out, size_t *n, vs_status *st) {
  vs_graph *g = rank->graph;
  size_t words = (g->n_ops + 63) / 64;
  uint64_t *seen = calloc(words ? words : 1, sizeof *seen);
  vs_op **stack = NULL, **kept = NULL;
  size_t depth = 0, cap = 0, n_kept = 0, kept_cap = 0;
  bool ok = seen && VS_GROW(stack, cap, 1);
  if (ok) stack[depth++] = rank->inputs[0].op;
  while (ok && depth) {
    vs_op *op = stack[--depth];
    if (seen[op->index / 64] & (1ull << (op->index % 64))) continue;
    seen[op->index / 64] |= 1ull << (op->index % 64);
    if (!free_of_side_effect(op)) { /* it runs, and with it what it needs */
      if ((ok = VS_GROW(kept, kept_cap, n_kept + 1))) kept[n_kept++] = op;
      continue;
    }
    for (int i = 0; ok && i < op->n_inputs + op->n_controls; i++)
      if ((ok = VS_GROW(stack, cap, depth + 1)))
        stack[depth++] = i < op->n_inputs ? op->inputs[i].op : op->controls[i - op->n_inputs];
  }
  free(seen);
  free(stack);
  if (!ok) {
    free(kept);
    vs__oom(st);
    return false;
  }
  *out = kept;
  *n = n_kept;
  return true;
}
