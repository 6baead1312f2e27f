/* cast.c - TF's Cast (tf.cast): every numeric dtype varscope stores and
 * bool, to any of them, on the device (cl_kernels/cast.cl, built for the
 * source type, one kernel per destination). float16 and bfloat16 sources
 * are widened to float32 first (exact); their destinations are rounded to
 * nearest even by the cast kernel itself. Strings are refused with TF's
 * text, at run time as TF's kernel does (tf.cast builds the op). */
#include <stdio.h>
#include <string.h>

#include "kernels/kernels_internal.h"

/* The kernel of cast.cl writing dtype t; NULL for a dtype it cannot write
 * (strings, complex numbers, resources). */
static const char *dst_kernel(vs_dtype t) {
  switch (t) {
    case VS_FLOAT: return "cast_float";
    case VS_DOUBLE: return "cast_double";
    case VS_HALF: return "cast_half";
    case VS_BFLOAT16: return "cast_bfloat16";
    case VS_INT32: return "cast_int";
    case VS_INT64: return "cast_long";
    case VS_INT16: return "cast_short";
    case VS_UINT16: return "cast_ushort";
    case VS_INT8: return "cast_char";
    case VS_UINT8: return "cast_uchar";
    case VS_UINT32: return "cast_uint";
    case VS_UINT64: return "cast_ulong";
    case VS_BOOL: return "cast_bool";
    default: return NULL;
  }
}

/* x as a device buffer on dev: a host value (the bools LogicalNot and
 * IsVariableInitialized make) is uploaded into *tmp. */
static cl_mem input_buffer(vs_run *r, vs_value *x, size_t dev, size_t bytes, cl_mem *tmp, vs_status *st) {
  if (!x->host || x->buf) return vs__on_device(r, x, dev, tmp, st);
  vs_shape shape = vs__value_shape(r, x);
  *tmp = vs__buffer(dev, bytes, &shape, x->dtype, st);
  if (!*tmp) return NULL;
  cl_int err = clEnqueueWriteBuffer(*vs__queue(vs__device(dev, st)), *tmp, CL_TRUE, 0, bytes, x->host->data, 0, NULL,
                                    NULL);
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clEnqueueWriteBuffer");
    return NULL;
  }
  return *tmp;
}

static bool k_cast(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *x = vs__in(r, op, 0);
  if (vs__uninitialized(r, op, x, st)) return false;
  vs_dtype src = op->inputs[0].op->dtype, dst = op->dtype;
  const char *kernel = dst_kernel(dst);
  if (src == VS_STRING || dst == VS_STRING) { /* cast_op.cc's text and code */
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "Cast %s to %s is not supported\n\t [[{{node %s}}]]",
             vs__dtype_cc_name(src), vs__dtype_cc_name(dst), op->name);
    return false;
  }
  if (!kernel || !dst_kernel(src)) { /* TF casts complex numbers; varscope's kernels do not */
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR,
             "Cast %s to %s: varscope's Cast kernel takes the real numeric dtypes and bool\n\t [[{{node %s}}]]",
             vs__dtype_cc_name(src), vs__dtype_cc_name(dst), op->name);
    return false;
  }
  vs_shape shape = vs__value_shape(r, x);
  if (!vs__new_output(r, op, dev, dst, shape, st)) return false;
  vs_value *out = vs__val(r, op);
  if (!out->n) return true;
  vs_cl_device *d = vs__device(dev, st);
  cl_mem tmp = NULL, wide = NULL;
  cl_mem buf = d ? input_buffer(r, x, dev, out->n * vs_dtype_size(src), &tmp, st) : NULL;
  vs_dtype t = src;
  bool ok = buf != NULL;
  if (ok && vs__is_16bit_float(src)) { /* the kernels read float32 */
    ok = (wide = vs__buffer(dev, out->n * sizeof(float), &shape, VS_FLOAT, st)) != NULL &&
         vs__convert16(r, d, src, true, wide, buf, out->n, st);
    buf = wide;
    t = VS_FLOAT;
  }
  if (ok) {
    cl_ulong n = out->n;
    karg args[] = {KARG(out->buf), KARG(buf), KARG(n)};
    ok = vs__launch(r, d, "cast", t, kernel, out->n, args, 3, st);
  }
  if (tmp) vs__buffer_release(tmp);
  if (wide) vs__buffer_release(wide);
  return ok;
}

const vs_op_def vs__cast_defs[] = {
    /* VS_OPF_STRINGS: the kernel refuses strings itself, with TF's text. */
    {.type = "Cast", .doc = "x converted to DstT elementwise (float to integer truncates, to float16 rounds even)",
     .shape = vs__shape_of_input0, .kernel = k_cast, .flags = VS_OPF_STRINGS, .gradient = vs__grad_cast},
};
VS_DEF_COUNT(cast_defs);
