/* dtype.c - names and sizes of TF data types. */
#include "core/core.h"

VS_API const char *vs_dtype_name(vs_dtype t) {
  switch (t) {
    case VS_FLOAT: return "float32";
    case VS_DOUBLE: return "float64";
    case VS_INT32: return "int32";
    case VS_UINT8: return "uint8";
    case VS_INT16: return "int16";
    case VS_INT8: return "int8";
    case VS_STRING: return "string";
    case VS_COMPLEX64: return "complex64";
    case VS_INT64: return "int64";
    case VS_BOOL: return "bool";
    case VS_BFLOAT16: return "bfloat16";
    case VS_UINT16: return "uint16";
    case VS_COMPLEX128: return "complex128";
    case VS_HALF: return "float16";
    case VS_RESOURCE: return "resource";
    case VS_UINT32: return "uint32";
    case VS_UINT64: return "uint64";
    case VS_DTYPE_DEFAULT: break;
  }
  return "";
}

VS_API size_t vs_dtype_size(vs_dtype t) {
  switch (t) {
    case VS_BOOL: case VS_INT8: case VS_UINT8: return 1;
    case VS_INT16: case VS_UINT16: case VS_HALF: case VS_BFLOAT16: return 2;
    case VS_FLOAT: case VS_INT32: case VS_UINT32: return 4;
    case VS_DOUBLE: case VS_INT64: case VS_UINT64: case VS_COMPLEX64: return 8;
    case VS_COMPLEX128: return 16;
    case VS_STRING: case VS_RESOURCE: case VS_DTYPE_DEFAULT: break;
  }
  return 0;
}

VS_API bool vs_dtype_is_valid(vs_dtype t) { return vs_dtype_name(t)[0] != '\0'; }

const char *vs__dtype_cc_name(vs_dtype t) {
  switch (t) {
    case VS_FLOAT: return "float";
    case VS_DOUBLE: return "double";
    case VS_HALF: return "half";
    case VS_DTYPE_DEFAULT: return "unknown";
    default: return vs_dtype_name(t);
  }
}
