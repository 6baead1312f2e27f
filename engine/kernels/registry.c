/* registry.c - the op registry: the family tables, looked up by type name
 * when an op is created (one scan of a few dozen static names per op; the
 * run never looks a type up). */
#include <string.h>

#include "kernels/registry.h"

static const struct family {
  const vs_op_def *defs;
  const size_t *n;
} families[] = {
    {vs__state_defs, &vs__n_state_defs}, {vs__random_defs, &vs__n_random_defs},
    {vs__array_defs, &vs__n_array_defs}, {vs__math_defs, &vs__n_math_defs},
    {vs__nn_defs, &vs__n_nn_defs},       {vs__control_defs, &vs__n_control_defs},
    {vs__reduce_defs, &vs__n_reduce_defs}, {vs__activation_defs, &vs__n_activation_defs},
    {vs__arith_defs, &vs__n_arith_defs},   {vs__nn_grad_defs, &vs__n_nn_grad_defs},
    {vs__pool_defs, &vs__n_pool_defs},     {vs__logic_defs, &vs__n_logic_defs},
    {vs__softmax_defs, &vs__n_softmax_defs},
    {vs__partition_defs, &vs__n_partition_defs}, {vs__cast_defs, &vs__n_cast_defs},
    {vs__training_defs, &vs__n_training_defs}, {vs__resource_defs, &vs__n_resource_defs},
};
enum { N_FAMILIES = sizeof families / sizeof families[0] };

const vs_op_def *vs__op_def_find(const char *type) {
  if (!type) return NULL;
  for (size_t f = 0; f < N_FAMILIES; f++)
    for (size_t i = 0; i < *families[f].n; i++)
      if (strcmp(families[f].defs[i].type, type) == 0) return &families[f].defs[i];
  return NULL;
}

const vs_op_def *vs__op_def_at(size_t i) {
  for (size_t f = 0; f < N_FAMILIES; f++) {
    if (i < *families[f].n) return &families[f].defs[i];
    i -= *families[f].n;
  }
  return NULL;
}
