/* arith.c - arithmetic beyond AddV2/Sub/Mul: Square, Neg, RealDiv,
 * Maximum, SquaredDifference, DivNoNan, FloorDiv (integers) and AddN, on the device (cl_kernels/arith.cl,
 * floordiv.cl; AddN through elementwise.cl's add). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"

static bool k_square(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return vs__unary_run(r, op, dev, "arith", "square", st);
}
static bool k_neg(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return vs__unary_run(r, op, dev, "arith", "neg", st);
}
static bool k_realdiv(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return vs__binary_run(r, op, dev, "arith", "realdiv", st);
}
static bool k_maximum(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return vs__binary_run(r, op, dev, "arith", "maximum", st);
}
static bool k_squared_difference(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return vs__binary_run(r, op, dev, "arith", "squared_difference", st);
}
static bool k_div_no_nan(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return vs__binary_run(r, op, dev, "arith", "div_no_nan", st);
}
static bool k_floordiv(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return vs__binary_run(r, op, dev, "floordiv", "floordiv", st);
}

/* AddN: out = in0 + in1, then out += in_k (elementwise.cl's add reads and
 * writes element i only, so out may be an operand). */
static bool k_add_n(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *first = vs__in(r, op, 0);
  for (int i = 0; i < op->n_inputs; i++)
    if (vs__uninitialized(r, op, vs__in(r, op, i), st)) return false;
  vs_shape shape = vs__value_shape(r, first);
  size_t n = vs__value_n(r, first);
  for (int i = 1; i < op->n_inputs; i++)
    if (vs__value_n(r, vs__in(r, op, i)) != n) {
      vs_shape b = vs__value_shape(r, vs__in(r, op, i));
      char sa[160], sb[160];
      vs__dims_text(&shape, "<unknown>", sa, sizeof sa);
      vs__dims_text(&b, "<unknown>", sb, sizeof sb);
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
               "Inputs to operation %s of type AddN must have the same size and shape.  Input 0: %s != input %d: "
               "%s\n\t [[{{node %s}}]]", op->name, sa, i, sb, op->name);
      return false;
    }
  if (!vs__new_output(r, op, dev, op->dtype, shape, st)) return false;
  vs_value *out = vs__val(r, op);
  if (!out->n) return true;
  if (op->n_inputs == 1) return vs__copy_into(r, first, dev, out, st);
  vs_cl_device *d = vs__device(dev, st);
  cl_ulong cnt = out->n;
  bool ok = true;
  for (int i = 1; ok && i < op->n_inputs; i++) {
    cl_mem ta = NULL, tb = NULL;
    cl_mem a = i == 1 ? vs__on_device(r, first, dev, &ta, st) : out->buf;
    cl_mem b = a ? vs__on_device(r, vs__in(r, op, i), dev, &tb, st) : NULL;
    ok = a && b;
    if (ok) {
      karg args[] = {KARG(out->buf), KARG(a), KARG(cnt), KARG(b), KARG(cnt), KARG(cnt)};
      ok = vs__launch_periodic(r, d, "elementwise", op->dtype, "add", &cnt, 1, cnt, args, 6, st);
    }
    if (ta) vs__buffer_release(ta);
    if (tb) vs__buffer_release(tb);
  }
  return ok;
}

/* AddN: the inputs' common shape, unknown dimensions filled from any. */
static vs_shape shape_add_n(const vs_op *op) {
  vs_shape s = vs__op_shape(op->inputs[0].op);
  for (int i = 1; i < op->n_inputs; i++) {
    vs_shape b = vs__op_shape(op->inputs[i].op);
    if (!s.known) s = b;
    for (int d = 0; s.known && b.known && d < s.rank; d++)
      if (s.dims[d] < 0) s.dims[d] = b.dims[d];
  }
  return s;
}

const vs_op_def vs__arith_defs[] = {
    {.type = "Square", .doc = "x * x elementwise", .shape = vs__shape_of_input0, .kernel = k_square,
     .gradient = vs__grad_square},
    {.type = "Neg", .doc = "-x elementwise", .shape = vs__shape_of_input0, .kernel = k_neg, .gradient = vs__grad_neg},
    {.type = "RealDiv", .doc = "x / y elementwise (a scalar or trailing dimensions broadcast)",
     .shape = vs__shape_binary, .kernel = k_realdiv, .gradient = vs__grad_realdiv},
    {.type = "Maximum", .doc = "max(x, y) elementwise (a scalar or trailing dimensions broadcast)",
     .shape = vs__shape_binary, .kernel = k_maximum, .gradient = vs__grad_maximum},
    {.type = "SquaredDifference", .doc = "(x - y) * (x - y) elementwise (a scalar or trailing dimensions broadcast)",
     .shape = vs__shape_binary, .kernel = k_squared_difference, .gradient = vs__grad_squared_difference},
    {.type = "DivNoNan", .doc = "x / y elementwise, 0 where y is 0 (a scalar or trailing dimensions broadcast)",
     .shape = vs__shape_binary, .kernel = k_div_no_nan, .gradient = vs__grad_div_no_nan},
    {.type = "FloorDiv", .doc = "x // y of integers, rounded toward negative infinity", .shape = vs__shape_binary,
     .kernel = k_floordiv, .gradient = vs__grad_none},
    {.type = "AddN", .doc = "the sum of N tensors of one shape", .shape = shape_add_n, .kernel = k_add_n,
     .gradient = vs__grad_add_n},
};
VS_DEF_COUNT(arith_defs);
