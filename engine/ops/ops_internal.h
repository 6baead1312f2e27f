/* ops_internal.h - helpers shared by the op constructors. */
#ifndef VS_OPS_INTERNAL_H
#define VS_OPS_INTERNAL_H

#include "graph/graph_internal.h"
#include "varscope/ops.h"

/* "DT_FLOAT" etc. Static string. */
const char *vs__dt_enum_name(vs_dtype t);

/* Records TF's shape-inference error for a two-input node. */
void vs__fail_shape(vs_status *st, const char *problem, const char *op_name, const char *type,
                    const char *attrs, vs_output a, vs_output b);

/* Checks an output handle belongs to g and has a value. */
bool vs__valid_output(vs_graph *g, vs_output x, const char *what, vs_status *st);
/* The same for an op's inputs, in order, with TF's texts for graphs that
 * differ: an input from another graph than the first input's is ValueError
 * "Tensor(\"d:0\", ...) must be from the same graph as Tensor(\"c:0\", ...)
 * (graphs are <...> and <...>)."; inputs all from another graph than g are
 * "Tensor(\"c:0\", shape=(), dtype=float32) is not an element of this graph." */
bool vs__valid_outputs(vs_graph *g, const vs_output *xs, int n, const char *what, vs_status *st);

/* Python's repr of a graph tensor: Tensor("c:0", shape=(), dtype=float32)
 * (no shape part for an unknown rank; "float32_ref" for a variable or an
 * assign's output). Writes into buf as snprintf and returns the length. */
size_t vs__tensor_repr(vs_output x, char *buf, size_t cap);

#endif
