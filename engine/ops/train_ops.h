/* train_ops.h - the op constructors training needs beyond the public ones:
 * Tile, Maximum, FloorDiv, Reshape to a shape tensor, and the gradient ops
 * (ReluGrad, SigmoidGrad, TanhGrad, BiasAddGrad), as TF's gen_*_ops build
 * them: op `type` inside name_scope(name), named after the scope. The
 * graph lock is taken (recursively) by each call. */
#ifndef VS_OPS_TRAIN_OPS_H
#define VS_OPS_TRAIN_OPS_H

#include "ops/ops_internal.h"

/* Builds `type` from inputs in[0..n_in) plus, when carg is not NULL, an
 * int32 vector Const named carg (cv[0..cn)) made inside the op's scope
 * and passed as the last input (TF's "Sum/reduction_indices",
 * "Tile/multiples"; cn VS_NPOS: a scalar Const of cv[0], as
 * "ExpandDims/dim"). The output has dtype dt and static shape `shape`. */
vs_output vs__build_op(vs_graph *g, const char *type, const char *name, const vs_output *in, int n_in,
                       const char *carg, const int32_t *cv, size_t cn, vs_dtype dt, vs_shape shape, vs_status *st);

/* An int32 vector Const of the dimensions of a fully defined shape
 * (array_ops.shape(x) folded, as TF does for static shapes), named name. */
vs_output vs__shape_const(vs_graph *g, vs_shape s, const char *name, vs_status *st);

/* tf.reduce_sum / reduce_mean (type "Sum" / "Mean") over the axes given,
 * with keep_dims; axes must already be in range and non-negative. The
 * reduction indices are the Const "<name>/reduction_indices". */
vs_output vs__reduce(vs_graph *g, const char *type, vs_output x, const int32_t *axes, size_t n_axes,
                     bool keep_dims, const char *name, vs_status *st);
/* The same with an existing int32 axes tensor (a Const) as input 1. */
vs_output vs__reduce_by(vs_graph *g, const char *type, vs_output x, vs_output axes, bool keep_dims,
                        const char *name, vs_status *st);
/* array_ops.reshape(x, shape_tensor), shape_tensor a Const. */
vs_output vs__reshape_to(vs_graph *g, vs_output x, vs_output shape_tensor, const char *name, vs_status *st);
/* array_ops.tile(x, multiples): from a Python list (a "multiples" Const in
 * the op's scope, mult != NULL) or a Const tensor (mult NULL). */
vs_output vs__tile(vs_graph *g, vs_output x, const int32_t *mult, vs_output mult_tensor, const char *name,
                   vs_status *st);
/* A broadcasting binary op of TF's type (RealDiv, Maximum, FloorDiv, ...),
 * with AddV2's dtype and shape checks. */
vs_output vs__binary_op(vs_graph *g, const char *type, const char *name, vs_output a, vs_output b, vs_status *st);
/* An op with one input and the input's dtype and shape (Neg, Square, ...). */
vs_output vs__unary_op(vs_graph *g, const char *type, const char *name, vs_output x, vs_status *st);
/* The shape of a reduction of `in` over axes (negative ones count from
 * the end; out-of-range ones are ignored), keeping reduced dimensions as 1
 * with keep. */
vs_shape vs__reduced_shape(vs_shape in, const int32_t *axes, size_t n, bool keep);
/* The Const's int32 values when `x` is an int32 Const (*n receives the
 * count); NULL otherwise. */
const int32_t *vs__const_int32(vs_output x, size_t *n);
/* array_ops.zeros(shape, dtype, name) / zeros_like of a fully defined
 * shape: a Const `name` under 1000 elements, else (TF's
 * _constant_if_small) a Fill `name` of the Consts "<name>/shape_as_tensor"
 * and "<name>/Const". value is the fill (0 for zeros, 1 for ones). */
vs_output vs__filled(vs_graph *g, vs_dtype t, vs_shape shape, double value, const char *name, vs_status *st);
#define vs__zeros_const(g, t, shape, name, st) vs__filled((g), (t), (shape), 0.0, (name), (st))
/* array_ops.where(c, t, e) in graph mode (TF1's Select), named name;
 * c bool, t and e of one dtype and shape (or scalars). */
vs_output vs__select(vs_graph *g, vs_output c, vs_output t, vs_output e, const char *name, vs_status *st);
/* The same with op type "SelectV2" (tf.where in TF 2 graphs). */
vs_output vs__select_type(vs_graph *g, const char *type, vs_output c, vs_output t, vs_output e, const char *name,
                          vs_status *st);
/* A comparison (GreaterEqual, Equal) with a bool result, shapes as AddV2's. */
vs_output vs__compare(vs_graph *g, const char *type, const char *name, vs_output a, vs_output b, vs_status *st);
/* A scalar Const of dtype t (float, double, int32, int64, bool) holding value. */
vs_output vs__scalar_const(vs_graph *g, vs_dtype t, double value, const char *name, vs_status *st);

/* TF's tensor_util.constant_value for small int32 tensors: a Const's
 * values, or those of a Range of three scalar Consts, into buf (at most
 * cap); false when x is neither or holds more than cap values. */
bool vs__int32_value(vs_output x, int32_t *buf, size_t cap, size_t *n);

#endif
