/* node_def.c - TF's shape-error texts, which quote the node:
 * "... for '{{node add}} = AddV2[T=DT_FLOAT](a, b)' with input shapes: [2], [3]." */
#include <stdio.h>
#include <string.h>

#include "ops/ops_internal.h"

const char *vs__dt_enum_name(vs_dtype t) {
  switch (t) {
    case VS_FLOAT: return "DT_FLOAT";
    case VS_DOUBLE: return "DT_DOUBLE";
    case VS_INT32: return "DT_INT32";
    case VS_UINT8: return "DT_UINT8";
    case VS_INT16: return "DT_INT16";
    case VS_INT8: return "DT_INT8";
    case VS_STRING: return "DT_STRING";
    case VS_COMPLEX64: return "DT_COMPLEX64";
    case VS_INT64: return "DT_INT64";
    case VS_BOOL: return "DT_BOOL";
    case VS_BFLOAT16: return "DT_BFLOAT16";
    case VS_UINT16: return "DT_UINT16";
    case VS_COMPLEX128: return "DT_COMPLEX128";
    case VS_HALF: return "DT_HALF";
    case VS_UINT32: return "DT_UINT32";
    case VS_UINT64: return "DT_UINT64";
    case VS_RESOURCE: return "DT_RESOURCE";
    case VS_DTYPE_DEFAULT: break;
  }
  return "DT_INVALID";
}

void vs__fail_shape(vs_status *st, const char *problem, const char *op_name, const char *type,
                    const char *attrs, vs_output a, vs_output b) {
  char sa[256], sb[256];
  vs_shape a_shape = vs_op_output_shape(a.op), b_shape = vs_op_output_shape(b.op);
  vs__dims_text(&a_shape, "?", sa, sizeof sa);
  vs__dims_text(&b_shape, "?", sb, sizeof sb);
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
           "%s for '{{node %s}} = %s[%s](%s, %s)' with input shapes: %s, %s.", problem, op_name, type,
           attrs, vs_op_name(a.op), vs_op_name(b.op), sa, sb);
}

/* Ops whose output is a reference (TF's "float32_ref" dtypes). */
static bool ref_output(const vs_op *op) {
  return strcmp(vs__op_type(op), "VariableV2") == 0 || strcmp(vs__op_type(op), "Assign") == 0 ||
         strcmp(vs__op_type(op), "AssignAdd") == 0 || strcmp(vs__op_type(op), "AssignSub") == 0;
}

size_t vs__tensor_repr(vs_output x, char *buf, size_t cap) {
  char shape[160] = "";
  if (vs__op_shape(x.op).known) {
    char dims[128];
    vs_shape_format(vs__op_shape(x.op), dims, sizeof dims);
    snprintf(shape, sizeof shape, ", shape=%s", dims);
  }
  int n = snprintf(buf, cap, "Tensor(\"%s:0\"%s, dtype=%s%s)", x.op->name, shape, vs_dtype_name(x.op->dtype),
                   ref_output(x.op) ? "_ref" : "");
  return n < 0 ? 0 : (size_t)n;
}
