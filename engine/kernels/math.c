/* math.c - elementwise arithmetic: AddV2 (string concatenation on the
 * host; a bias-like AddV2 runs BiasAdd's epilogue), Sub and Mul. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"

/* AddV2 of strings: TF concatenates element-wise (a single element
 * broadcasts), on the host. */
/* String + string (TF's StringJoin-like AddV2 on strings): the broadcasts the
 * numeric kernels take (equal shapes, a single element, trailing
 * dimensions), all of which read element i % n of an operand of n elements;
 * an operand with no elements gives an empty result. */
static bool k_concat(vs_run *r, vs_op *op, const vs_tensor *a, const vs_tensor *b, vs_status *st) {
  vs_shape shape;
  if (!a || !b || !vs__broadcast_shape(&a->shape, &b->shape, &shape)) {
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
  if (ok) {
    cl_mem dst = f16 ? fo : out->buf;
    karg args[] = {KARG(dst), KARG(ba), KARG(na), KARG(bb), KARG(nb), KARG(n)};
    ok = vs__launch(r, d, source, f16 ? VS_FLOAT : op->dtype, name, out->n, args, 6, st);
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

/* The broadcast the kernels implement (equal shapes, a single element,
 * trailing dimensions), over static shapes: unknown where either is. */
static vs_shape shape_binary(const vs_op *op) {
  vs_shape a = op->inputs[0].op->shape, b = op->inputs[1].op->shape, out;
  if (!a.known || !b.known) return (vs_shape){.known = false};
  if (a.rank == b.rank) { /* equal ranks: the known dimension of either */
    int64_t na = vs_shape_num_elements(a), nb = vs_shape_num_elements(b);
    if (na == 1) return b;
    if (nb == 1) return a;
    out = a;
    for (int i = 0; i < a.rank; i++)
      if (out.dims[i] < 0) out.dims[i] = b.dims[i];
    return out;
  }
  return vs__broadcast_shape(&a, &b, &out) ? out : (vs_shape){.known = false};
}

const vs_op_def vs__math_defs[] = {
    {.type = "AddV2", .doc = "x + y elementwise (a scalar or trailing dimensions broadcast); strings concatenate",
     .shape = shape_binary, .kernel = k_add, .gradient = vs__grad_add, .flags = VS_OPF_ACT_EPILOGUE | VS_OPF_STRINGS},
    {.type = "Sub", .doc = "x - y elementwise (a scalar or trailing dimensions broadcast)", .shape = shape_binary,
     .kernel = k_sub, .gradient = vs__grad_sub},
    {.type = "Mul", .doc = "x * y elementwise (a scalar or trailing dimensions broadcast)", .shape = shape_binary,
     .kernel = k_mul, .gradient = vs__grad_mul},
};
VS_DEF_COUNT(math_defs);
