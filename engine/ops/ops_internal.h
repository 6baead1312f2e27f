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

#endif
