/* math_grad.c - gradients of the arithmetic ops and reductions, built as
 * TF 2.21's math_grad.py builds them (the same ops, names and order):
 * AddV2, Sub, Mul, RealDiv, Neg, Square, AddN, Sum, Mean, Cast. */
#include <stdio.h>
#include <string.h>

#include "train/grad_internal.h"

static const vs_output NONE = {NULL, 0};

bool vs__grad_need_shape(const vs_op *op, vs_shape s, vs_status *st) {
  if (vs_shape_is_fully_defined(s)) return true;
  vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR,
           "gradients: the gradient of '%s' (op type: %s) needs fully defined shapes in varscope", op->name, vs__op_type(op));
  return false;
}

bool vs__grad_same_shapes(vs_output x, vs_output y, vs_output grad) {
  vs_shape a = vs__op_shape(x.op), b = vs__op_shape(y.op), c = vs__op_shape(grad.op);
  if (!vs_shape_is_fully_defined(a) || !vs_shape_is_fully_defined(b) || !vs_shape_is_fully_defined(c)) return false;
  if (a.rank != b.rank || a.rank != c.rank) return false;
  for (int i = 0; i < a.rank; i++)
    if (a.dims[i] != b.dims[i] || a.dims[i] != c.dims[i]) return false;
  return true;
}

/* _InferGradientReductionAxes for fully defined shapes. */
static void reduction_axes(vs_shape xs, vs_shape ys, int32_t *xa, size_t *nx, int32_t *ya, size_t *ny) {
  int b = xs.rank > ys.rank ? xs.rank : ys.rank;
  *nx = *ny = 0;
  for (int a = 0; a < b; a++) {
    int64_t xd = a < b - xs.rank ? 1 : xs.dims[a - (b - xs.rank)];
    int64_t yd = a < b - ys.rank ? 1 : ys.dims[a - (b - ys.rank)];
    if (xd == 1 && yd != 1) xa[(*nx)++] = a;
    else if (yd == 1 && xd != 1) ya[(*ny)++] = a;
  }
}

/* _ReduceGradientArg: Sum(keep_dims) over axes, then Reshape to `shape`. */
static vs_output reduce_arg(vs_graph *g, vs_output grad, vs_output shape, const int32_t *axes, size_t n,
                            vs_status *st) {
  vs_output s = vs__reduce(g, "Sum", grad, axes, n, true, "Sum", st);
  return s.op ? vs__reshape_to(g, s, shape, "Reshape", st) : NONE;
}

bool vs__grad_reduce_args(vs_graph *g, vs_output x, vs_output y, vs_output *gx, vs_output *gy, vs_status *st) {
  if (!gx->op && !gy->op) return true;
  vs_shape xs = vs__op_shape(x.op), ys = vs__op_shape(y.op);
  if (!vs__grad_need_shape(x.op, xs, st) || !vs__grad_need_shape(y.op, ys, st)) return false;
  vs_output sx = vs__shape_const(g, xs, "Shape", st);
  vs_output sy = sx.op ? vs__shape_const(g, ys, "Shape", st) : NONE;
  if (!sy.op) return false;
  int32_t xa[VS_MAX_RANK], ya[VS_MAX_RANK];
  size_t nx, ny;
  reduction_axes(xs, ys, xa, &nx, ya, &ny);
  if (gx->op && (nx || xs.rank < ys.rank) && !(*gx = reduce_arg(g, *gx, sx, xa, nx, st)).op) return false;
  if (gy->op && (ny || ys.rank < xs.rank) && !(*gy = reduce_arg(g, *gy, sy, ya, ny, st)).op) return false;
  return true;
}

bool vs__grad_add(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  dx[0] = dx[1] = grad;
  if (vs__grad_same_shapes(op->inputs[0], op->inputs[1], grad)) return true;
  return vs__grad_reduce_args(g, op->inputs[0], op->inputs[1], &dx[0], &dx[1], st);
}

bool vs__grad_sub(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  dx[0] = grad;
  dx[1] = vs_neg(g, grad, "Neg", st);
  if (!dx[1].op) return false;
  if (vs__grad_same_shapes(op->inputs[0], op->inputs[1], grad)) return true;
  return vs__grad_reduce_args(g, op->inputs[0], op->inputs[1], &dx[0], &dx[1], st);
}

bool vs__grad_mul(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_output x = op->inputs[0], y = op->inputs[1];
  if (vs__grad_same_shapes(x, y, grad) && (grad.op->dtype == VS_INT32 || grad.op->dtype == VS_FLOAT)) {
    dx[0] = vs_mul(g, grad, y, "Mul", st);
    dx[1] = dx[0].op ? vs_mul(g, grad, x, "Mul", st) : NONE;
    return dx[1].op != NULL;
  }
  dx[0] = vs_mul(g, grad, y, "Mul", st);
  dx[1] = dx[0].op ? vs_mul(g, x, grad, "Mul", st) : NONE;
  return dx[1].op && vs__grad_reduce_args(g, x, y, &dx[0], &dx[1], st);
}

/* _RealDivGrad: grad / y and grad * ((-x / y) / y), reduced. */
bool vs__grad_realdiv(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_output x = op->inputs[0], y = op->inputs[1];
  dx[0] = vs__binary_op(g, "RealDiv", "RealDiv", grad, y, st);
  vs_output nx = dx[0].op ? vs_neg(g, x, "Neg", st) : NONE;
  vs_output a = nx.op ? vs__binary_op(g, "RealDiv", "RealDiv", nx, y, st) : NONE;
  vs_output b = a.op ? vs__binary_op(g, "RealDiv", "RealDiv", a, y, st) : NONE;
  dx[1] = b.op ? vs_mul(g, grad, b, NULL, st) : NONE;
  return dx[1].op && vs__grad_reduce_args(g, x, y, &dx[0], &dx[1], st);
}

bool vs__grad_neg(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  (void)op;
  dx[0] = vs_neg(g, grad, "Neg", st);
  return dx[0].op != NULL;
}

/* _CastGrad: between floating dtypes the gradient is cast back to the
 * input's dtype (math_ops.cast: op "Cast", or grad itself when the dtypes
 * agree); an integer or bool side gets none. */
static bool floating(vs_dtype t) { return t == VS_HALF || t == VS_FLOAT || t == VS_DOUBLE || t == VS_BFLOAT16; }
bool vs__grad_cast(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_dtype src = op->inputs[0].op->dtype;
  if (!floating(src) || !floating(grad.op->dtype)) return true;
  dx[0] = vs_cast(g, grad, src, NULL, st);
  return dx[0].op != NULL;
}

/* _SquareGrad: under control_dependencies([grad]), grad * (x * 2). */
bool vs__grad_square(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_control_dependencies_push(g, (vs_op *const[]){grad.op}, 1, st);
  if (vs_status_code(st) != VS_OK) return false;
  vs_output two = vs__grad_scalar(g, op->dtype, 2.0, "Const", st);
  vs_output x2 = two.op ? vs_mul(g, op->inputs[0], two, "Mul", st) : NONE;
  dx[0] = x2.op ? vs_mul(g, grad, x2, "Mul", st) : NONE;
  vs_control_dependencies_pop(g, dx[0].op ? st : NULL);
  return dx[0].op && vs_status_code(st) == VS_OK;
}

bool vs__grad_add_n(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  (void)g, (void)st;
  for (int i = 0; i < op->n_inputs; i++) dx[i] = grad;
  return true;
}

/* An int32 vector Const [n] named name. */
static vs_output ints(vs_graph *g, const int32_t *v, int n, const char *name, vs_status *st) {
  return vs_constant(g, v, VS_INT32, (vs_shape){.known = true, .rank = 1, .dims = {n}}, name, st);
}

/* gen_math_ops converting Python values: inside name_scope(name), x is
 * the int32 vector Const "x" (xv[0..xn)) and y either the given tensor or
 * the int32 scalar Const "y" (*ys); then the op, named after the scope. */
static vs_output binary_of_consts(vs_graph *g, const char *type, const char *name, const int32_t *xv, int xn,
                                  vs_output y, const int32_t *ys, vs_status *st) {
  const char *scope = vs_name_scope_push(g, name, st);
  if (!scope) return NONE;
  vs_output x = ints(g, xv, xn, "x", st);
  if (x.op && !y.op) y = vs_constant(g, ys, VS_INT32, VS_SCALAR, "y", st);
  vs_output r = y.op ? vs__binary_op(g, type, scope, x, y, st) : NONE;
  vs_name_scope_pop(g, r.op ? st : NULL);
  return r;
}

/* _SumGrad with a known input shape and constant axes: reshape the
 * gradient to the kept-dims shape and tile it back to the input's. */
static vs_output sum_grad(vs_graph *g, vs_op *op, vs_output grad, vs_status *st) {
  vs_shape in = vs__op_shape(op->inputs[0].op);
  size_t n = 0;
  int32_t axes[VS_MAX_RANK];
  if (!in.known || !vs__int32_value(op->inputs[1], axes, VS_MAX_RANK, &n)) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR,
             "gradients: the gradient of '%s' needs a known rank and constant axes in varscope", op->name);
    return NONE;
  }
  bool all = n == (size_t)in.rank;
  for (size_t i = 0; all && i < n; i++) all = axes[i] == (int32_t)i;
  if (all) {
    vs_shape ones = {.known = true, .rank = in.rank};
    for (int i = 0; i < in.rank; i++) ones.dims[i] = 1;
    vs_output r;
    if (in.rank == 0) { /* reshape(grad, []): TF converts the empty list twice, "shape" then "shape_1" */
      const char *scope = vs_name_scope_push(g, "Reshape", st);
      float none_f = 0;
      vs_output first = scope ? vs_constant(g, &none_f, VS_FLOAT, (vs_shape){.known = true, .rank = 1}, "shape", st)
                              : NONE;
      vs_output shape = first.op ? vs_constant(g, &none_f, VS_INT32, (vs_shape){.known = true, .rank = 1}, "shape", st)
                                 : NONE;
      r = shape.op ? vs__reshape_to(g, grad, shape, scope, st) : NONE;
      if (scope) vs_name_scope_pop(g, r.op ? st : NULL);
    } else {
      r = vs_reshape(g, grad, ones, "Reshape", st);
    }
    if (!r.op || !vs__grad_need_shape(op, in, st)) return NONE;
    vs_output shape = vs__shape_const(g, in, "Const", st);
    return shape.op ? vs__tile(g, r, NULL, shape, "Tile", st) : NONE;
  }
  if (!vs__grad_need_shape(op, in, st)) return NONE;
  /* reduced_shape and _SafeShapeDiv, folded by TF, still leave their
   * Maximum and floordiv ops in the graph. */
  vs_shape kept = vs__reduced_shape(in, axes, n, true);
  int32_t kd[VS_MAX_RANK], id[VS_MAX_RANK], tile[VS_MAX_RANK], one = 1;
  for (int i = 0; i < in.rank; i++) {
    kd[i] = (int32_t)kept.dims[i];
    id[i] = (int32_t)in.dims[i];
    tile[i] = id[i] / (kd[i] > 1 ? kd[i] : 1);
  }
  /* Only the first Sum gradient of this (shape, axes) in the graph
   * builds them: TF caches the folded values per graph. */
  char key[VS_MAX_RANK * 48 + 8];
  size_t at = 0;
  for (int i = 0; i < in.rank; i++) at += (size_t)snprintf(key + at, sizeof key - at, "%lld,", (long long)in.dims[i]);
  at += (size_t)snprintf(key + at, sizeof key - at, "|");
  for (size_t i = 0; i < n; i++) at += (size_t)snprintf(key + at, sizeof key - at, "%d,", axes[i]);
  if (!vs_strmap_get(&g->reduced_shapes, key)) {
    vs_output mx = binary_of_consts(g, "Maximum", "Maximum", kd, in.rank, NONE, &one, st);
    if (!mx.op || !binary_of_consts(g, "FloorDiv", "floordiv", id, in.rank, mx, NULL, st).op) return NONE;
    if (!vs_strmap_put(&g->reduced_shapes, key, (void *)1)) {
      vs__oom(st);
      return NONE;
    }
  }
  vs_output r = vs_reshape(g, grad, kept, "Reshape", st);
  return r.op ? vs__tile(g, r, tile, NONE, "Tile", st) : NONE;
}

bool vs__grad_sum(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  dx[0] = sum_grad(g, op, grad, st);
  return dx[0].op != NULL;
}

/* _MeanGrad: the Sum gradient divided by the number of elements averaged
 * (a Const of the gradient's dtype; "truediv"). */
bool vs__grad_mean(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_output s = sum_grad(g, op, grad, st);
  if (!s.op || !vs__grad_need_shape(op, vs__op_shape(op), st)) return false;
  size_t in = vs_shape_num_elements(vs__op_shape(op->inputs[0].op)), out = vs_shape_num_elements(vs__op_shape(op));
  vs_output factor = vs__grad_scalar(g, s.op->dtype, (double)(in / (out > 1 ? out : 1)), "Const", st);
  dx[0] = factor.op ? vs__binary_op(g, "RealDiv", "truediv", s, factor, st) : NONE;
  return dx[0].op != NULL;
}

/* _ExpGrad: under control_dependencies([grad]), grad * y (y = exp(x)). */
bool vs__grad_exp(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_control_dependencies_push(g, (vs_op *const[]){grad.op}, 1, st);
  if (vs_status_code(st) != VS_OK) return false;
  dx[0] = vs_mul(g, grad, (vs_output){op, 0}, NULL, st);
  vs_control_dependencies_pop(g, dx[0].op ? st : NULL);
  return dx[0].op && vs_status_code(st) == VS_OK;
}

/* _Log1pGrad: under control_dependencies([grad]), grad * reciprocal(1 + x). */
bool vs__grad_log1p(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_control_dependencies_push(g, (vs_op *const[]){grad.op}, 1, st);
  if (vs_status_code(st) != VS_OK) return false;
  const char *scope = vs_name_scope_push(g, "add", st); /* 1 + x: the Const "add/x", then the op */
  vs_output one = scope ? vs__grad_scalar(g, op->dtype, 1.0, "x", st) : NONE;
  vs_output sum = one.op ? vs__binary_op(g, "AddV2", scope, one, op->inputs[0], st) : NONE;
  if (scope) vs_name_scope_pop(g, sum.op ? st : NULL);
  vs_output rec = sum.op ? vs__unary_op(g, "Reciprocal", "Reciprocal", sum, st) : NONE;
  dx[0] = rec.op ? vs_mul(g, grad, rec, NULL, st) : NONE;
  vs_control_dependencies_pop(g, dx[0].op ? st : NULL);
  return dx[0].op && vs_status_code(st) == VS_OK;
}

/* _SelectGrad: (None, where(c, grad, zeros), where(c, zeros, grad)), the
 * zeros a Const "zeros_like" of x's shape. */
bool vs__grad_select(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_output c = op->inputs[0], x = op->inputs[1];
  vs_output zeros = vs__zeros_const(g, x.op->dtype, vs__op_shape(x.op), "zeros_like", st);
  if (!zeros.op) return false;
  dx[1] = vs__select(g, c, grad, zeros, "Select", st);
  dx[2] = dx[1].op ? vs__select(g, c, zeros, grad, "Select", st) : NONE;
  return dx[2].op != NULL;
}

/* _SquaredDifferenceGrad: under control_dependencies([grad]),
 * x_grad = scalar_mul(2, grad) * (x - y); (x_grad, -x_grad), reduced. */
bool vs__grad_squared_difference(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_output x = op->inputs[0], y = op->inputs[1];
  vs_control_dependencies_push(g, (vs_op *const[]){grad.op}, 1, st);
  if (vs_status_code(st) != VS_OK) return false;
  vs_output two = vs__grad_scalar(g, op->dtype, 2.0, "scalar", st);
  vs_output g2 = two.op ? vs_mul(g, two, grad, "Mul", st) : NONE;
  vs_output d = g2.op ? vs_sub(g, x, y, NULL, st) : NONE;
  vs_output xg = d.op ? vs_mul(g, g2, d, NULL, st) : NONE;
  vs_control_dependencies_pop(g, xg.op ? st : NULL);
  if (!xg.op || vs_status_code(st) != VS_OK) return false;
  dx[0] = xg;
  dx[1] = vs_neg(g, xg, "Neg", st);
  if (!dx[1].op) return false;
  if (vs__grad_same_shapes(x, y, grad)) return true;
  return vs__grad_reduce_args(g, x, y, &dx[0], &dx[1], st);
}

/* _DivNoNanGrad: div_no_nan(grad, y) and grad * div_no_nan(div_no_nan(-x, y), y), reduced. */
bool vs__grad_div_no_nan(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_output x = op->inputs[0], y = op->inputs[1];
  dx[0] = vs__binary_op(g, "DivNoNan", "div_no_nan", grad, y, st);
  vs_output nx = dx[0].op ? vs_neg(g, x, "Neg", st) : NONE;
  vs_output a = nx.op ? vs__binary_op(g, "DivNoNan", "div_no_nan", nx, y, st) : NONE;
  vs_output b = a.op ? vs__binary_op(g, "DivNoNan", "div_no_nan", a, y, st) : NONE;
  dx[1] = b.op ? vs_mul(g, grad, b, NULL, st) : NONE;
  return dx[1].op && vs__grad_reduce_args(g, x, y, &dx[0], &dx[1], st);
}

/* _MaximumGrad: xmask = x >= y; (where(xmask, grad, zeros), where(xmask,
 * zeros, grad)) as SelectV2, zeros a Const "zeros_like" of grad's shape,
 * reduced over broadcast axes. */
bool vs__grad_maximum(vs_graph *g, vs_op *op, vs_output grad, vs_output *dx, vs_status *st) {
  vs_output x = op->inputs[0], y = op->inputs[1];
  vs_output zeros = vs__zeros_const(g, grad.op->dtype, vs__op_shape(grad.op), "zeros_like", st);
  vs_output mask = zeros.op ? vs__compare(g, "GreaterEqual", "GreaterEqual", x, y, st) : NONE;
  dx[0] = mask.op ? vs__select_type(g, "SelectV2", mask, grad, zeros, "SelectV2", st) : NONE;
  dx[1] = dx[0].op ? vs__select_type(g, "SelectV2", mask, zeros, grad, "SelectV2", st) : NONE;
  return dx[1].op && vs__grad_reduce_args(g, x, y, &dx[0], &dx[1], st);
}

