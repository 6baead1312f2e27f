/* math.c - elementwise arithmetic: AddV2 (string concatenation on the
 * host; a bias-like AddV2 runs BiasAdd's epilogue), Sub and Mul. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/inline.h"
#include "kernels/kernels_internal.h"

/* AddV2 of strings: TF concatenates element-wise (a single element
 * broadcasts), on the host. */
/* String + string (TF's StringJoin-like AddV2 on strings): the broadcasts the
 * numeric kernels take (equal shapes, a single element, trailing
 * dimensions), all of which read element i % n of an operand of n elements;
 * an operand with no elements gives an empty result. */
static bool k_concat(vs_run *r, vs_op *op, const vs_tensor *a, const vs_tensor *b, vs_status *st) {
  vs_shape shape;
  if (!a || !b || !vs__broadcast_shape(&a->shape, &b->shape, &shape) || !vs__periodic(&a->shape, &shape) ||
      !vs__periodic(&b->shape, &shape)) {
    char sa[160] = "<unknown>", sb[160] = "<unknown>";
    if (a) vs__dims_text(&a->shape, "<unknown>", sa, sizeof sa);
    if (b) vs__dims_text(&b->shape, "<unknown>", sb, sizeof sb);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Incompatible shapes: %s vs. %s\n\t [[{{node %s}}]]", sa, sb,
             op->name);
    return false;
  }
  vs_tensor *t = vs__tensor_alloc(VS_STRING, shape, st);
  for (size_t i = 0; t && i < t->n; i++)
    if (!(t->strings[i] = vs__asprintf("%s%s", a->strings[i % a->n], b->strings[i % b->n]))) {
      vs_tensor_free(t);
      t = NULL;
      vs__oom(st);
    }
  return t && vs__host_value(r, op, t);
}

bool vs__periodic(const vs_shape *x, const vs_shape *out) {
  int rank = x->rank;
  while (rank > 0 && x->dims[x->rank - rank] == 1) rank--; /* leading 1s do not change the layout */
  if (rank > out->rank) return false;
  for (int i = 1; i <= rank; i++)
    if (x->dims[x->rank - i] != out->dims[out->rank - i]) return false;
  return true;
}

bool vs__launch_periodic(vs_run *r, vs_cl_device *d, const char *source, vs_dtype t, const char *name,
                         const cl_ulong *counts, int ncounts, cl_ulong n, const karg *args, int nargs, vs_status *st) {
  if (!n) return true;
  cl_ulong p = n; /* the kernels' period(): the same rule */
  for (int i = 0; i < ncounts; i++)
    if (counts[i] > 1 && counts[i] < p) p = counts[i];
  size_t range[2] = {(size_t)p, (size_t)(n / p)};
  return vs__launch_nd(r, d, source, t, name, 2, range, args, nargs, st);
}

/* a op b where an operand repeats other than periodically ([N, 1] * [N, C]):
 * arith.cl's <name>_nd with each operand's strides (0 along broadcast
 * dimensions). `name` is elementwise.cl's or arith.cl's kernel name. */
static bool binary_nd(vs_run *r, vs_cl_device *d, vs_dtype t, const char *name, cl_mem out, cl_mem a, vs_shape as,
                      cl_mem b, vs_shape bs, vs_shape shape, size_t n, size_t dev, vs_status *st) {
  static const char *const nd[][2] = {{"add", "add_nd"}, {"sub", "sub_nd"}, {"mul", "mul_nd"},
                                      {"realdiv", "realdiv_nd"}, {"maximum", "maximum_nd"},
                                      {"squared_difference", "squared_difference_nd"},
                                      {"div_no_nan", "div_no_nan_nd"}};
  const char *kernel = NULL;
  for (size_t i = 0; i < sizeof nd / sizeof nd[0]; i++)
    if (strcmp(nd[i][0], name) == 0) kernel = nd[i][1];
  if (!kernel) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: this broadcast is not implemented for %s", name,
             vs_dtype_name(t));
    return false;
  }
  cl_long desc[3 * VS_MAX_RANK], sa = 1, sb = 1;
  int rank = shape.rank;
  for (int i = rank - 1; i >= 0; i--) {
    int ia = i - (rank - as.rank), ib = i - (rank - bs.rank);
    int64_t da = ia >= 0 ? as.dims[ia] : 1, db = ib >= 0 ? bs.dims[ib] : 1;
    desc[i] = shape.dims[i];
    desc[rank + i] = da == 1 ? 0 : sa;
    desc[2 * rank + i] = db == 1 ? 0 : sb;
    sa *= da;
    sb *= db;
  }
  cl_mem bd = vs__step_describe(r, dev, desc, 3 * (size_t)rank, st);
  if (!bd) return false;
  cl_int rk = rank;
  cl_ulong cnt = n;
  karg args[] = {KARG(out), KARG(a), KARG(b), KARG(bd), KARG(rk), KARG(cnt)};
  return vs__launch(r, d, "arith", t, kernel, n, args, 6, st);
}

bool vs__binary_run(vs_run *r, vs_op *op, size_t dev, const char *source, const char *name, vs_status *st) {
  vs_value *a = vs__in(r, op, 0), *b = vs__in(r, op, 1);
  if (vs__uninitialized(r, op, a, st) || vs__uninitialized(r, op, b, st)) return false;
  if (op->dtype == VS_STRING) return k_concat(r, op, vs__host_of(r, a), vs__host_of(r, b), st);
  /* conv + biases: the same in-place epilogue as BiasAdd. */
  if ((op->def->flags & VS_OPF_ACT_EPILOGUE) && !vs__is_16bit_float(op->dtype) && vs__bias_like(r, op))
    return vs__bias_epilogue(r, op, dev, st);
  vs_shape as = vs__value_shape(r, a), bs = vs__value_shape(r, b), shape;
  if (!vs__broadcast_shape(&as, &bs, &shape)) {
    char sa[160], sb[160];
    vs__dims_text(&as, "<unknown>", sa, sizeof sa);
    vs__dims_text(&bs, "<unknown>", sb, sizeof sb);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Incompatible shapes: %s vs. %s\n\t [[{{node %s}}]]", sa, sb,
             op->name);
    return false;
  }
  if (!vs__new_output(r, op, dev, op->dtype, shape, st)) return false;
  vs_value *out = vs__val(r, op);
  if (!out->n) return true;
  cl_mem ta = NULL, tb = NULL, ba = vs__on_device(r, a, dev, &ta, st), bb = ba ? vs__on_device(r, b, dev, &tb, st) : NULL;
  bool ok = ba && bb, f16 = vs__is_16bit_float(op->dtype);
  cl_ulong na = (cl_ulong)vs_shape_num_elements(as), nb = (cl_ulong)vs_shape_num_elements(bs), n = out->n;
  vs_cl_device *d = vs__device(dev, st);
  cl_mem fa = NULL, fb = NULL, fo = NULL; /* float32 copies of 16-bit operands and result */
  if (ok && f16) {
    ok = (fa = vs__buffer(dev, (size_t)na * sizeof(float), &as, VS_FLOAT, st)) &&
         (fb = vs__buffer(dev, (size_t)nb * sizeof(float), &bs, VS_FLOAT, st)) &&
         (fo = vs__buffer(dev, (size_t)n * sizeof(float), &shape, VS_FLOAT, st)) &&
         vs__convert16(r, d, op->dtype, true, fa, ba, (size_t)na, st) && vs__convert16(r, d, op->dtype, true, fb, bb, (size_t)nb, st);
    ba = fa;
    bb = fb;
  }
  if (ok && (!vs__periodic(&as, &shape) || !vs__periodic(&bs, &shape))) {
    ok = binary_nd(r, d, f16 ? VS_FLOAT : op->dtype, name, f16 ? fo : out->buf, ba, as, bb, bs, shape, out->n, dev, st);
  } else if (ok) {
    cl_mem dst = f16 ? fo : out->buf;
    karg args[] = {KARG(dst), KARG(ba), KARG(na), KARG(bb), KARG(nb), KARG(n)};
    ok = vs__launch_periodic(r, d, source, f16 ? VS_FLOAT : op->dtype, name, (cl_ulong[]){na, nb}, 2, n, args, 6, st);
  }
  if (ok && f16) ok = vs__convert16(r, d, op->dtype, false, out->buf, fo, out->n, st);
  /* Temporaries are released after the queue has used them (in-order queue,
   * and OpenCL keeps a released buffer alive until its commands finish). */
  cl_mem temps[] = {ta, tb, fa, fb, fo};
  for (size_t i = 0; i < sizeof temps / sizeof *temps; i++)
    if (temps[i]) vs__buffer_release(temps[i]);
  return ok;
}

static bool k_add(vs_run *r, vs_op *op, size_t dev, vs_status *st) { return vs__binary_run(r, op, dev, "elementwise", "add", st); }
static bool k_sub(vs_run *r, vs_op *op, size_t dev, vs_status *st) { return vs__binary_run(r, op, dev, "elementwise", "sub", st); }
static bool k_mul(vs_run *r, vs_op *op, size_t dev, vs_status *st) { return vs__binary_run(r, op, dev, "elementwise", "mul", st); }

/* Host implementations (exec/inline.h): same-size operands or a scalar. */
static void h_add(vs_host_run *h, const vs_op *op) { vs__host_binary(h, op, VS_HOST_ADD); }
static void h_sub(vs_host_run *h, const vs_op *op) { vs__host_binary(h, op, VS_HOST_SUB); }
static void h_mul(vs_host_run *h, const vs_op *op) { vs__host_binary(h, op, VS_HOST_MUL); }

vs_shape vs__shape_binary(const vs_op *op) {
  /* TF's broadcasting shape function over static shapes (as math_ops.c's
   * constructor computes it): unknown where either rank is. */
  vs_shape a = vs__op_shape(op->inputs[0].op), b = vs__op_shape(op->inputs[1].op);
  if (!a.known || !b.known) return (vs_shape){.known = false};
  int rank = a.rank > b.rank ? a.rank : b.rank;
  vs_shape out = {.known = true, .rank = rank};
  for (int i = 1; i <= rank; i++) {
    int64_t x = i <= a.rank ? a.dims[a.rank - i] : 1, y = i <= b.rank ? b.dims[b.rank - i] : 1;
    out.dims[rank - i] = x == 1 ? y : y == 1 ? x : x < 0 ? y : x;
  }
  return out;
}

const vs_op_def vs__math_defs[] = {
    {.type = "AddV2", .doc = "x + y elementwise (a scalar or trailing dimensions broadcast); strings concatenate",
     .shape = vs__shape_binary, .kernel = k_add, .host = h_add, .gradient = vs__grad_add, .flags = VS_OPF_ACT_EPILOGUE | VS_OPF_STRINGS},
    {.type = "Sub", .doc = "x - y elementwise (a scalar or trailing dimensions broadcast)", .shape = vs__shape_binary,
     .kernel = k_sub, .host = h_sub, .gradient = vs__grad_sub},
    {.type = "Mul", .doc = "x * y elementwise (a scalar or trailing dimensions broadcast)", .shape = vs__shape_binary,
     .kernel = k_mul, .host = h_mul, .gradient = vs__grad_mul},
};
VS_DEF_COUNT(math_defs);
