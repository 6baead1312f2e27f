/* tensor.c - host tensors: made, copied, read and freed (no device or
 * session here; sessions move them in and out). */
#include <stdlib.h>
#include <string.h>

#include "core/tensor.h"

vs_tensor *vs__tensor_alloc(vs_dtype dtype, vs_shape shape, vs_status *st) {
  int64_t n = vs_shape_num_elements(shape);
  size_t esize = vs_dtype_size(dtype);
  if (n < 0 || shape.rank > VS_MAX_RANK || (dtype != VS_STRING && !esize)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_tensor_new: a fully defined shape and a numeric dtype are required");
    return NULL;
  }
  vs_tensor *t = calloc(1, sizeof *t);
  if (t) {
    t->dtype = dtype;
    t->shape = shape;
    t->n = (size_t)n;
    if (dtype == VS_STRING) t->strings = calloc(t->n + 1, sizeof *t->strings);
    else t->data = calloc(t->n + 1, esize);
  }
  if (!t || (dtype == VS_STRING ? !t->strings : !t->data)) {
    vs_tensor_free(t);
    vs__oom(st);
    return NULL;
  }
  return t;
}

VS_API vs_tensor *vs_tensor_new(vs_dtype dtype, vs_shape shape, const void *data, vs_status *st) {
  vs__ok(st);
  if (dtype == VS_STRING) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
             "vs_tensor_new: string tensors are made with vs_tensor_new_strings");
    return NULL;
  }
  vs_tensor *t = vs__tensor_alloc(dtype, shape, st);
  if (t && data) memcpy(t->data, data, t->n * vs_dtype_size(dtype));
  return t;
}

VS_API vs_tensor *vs_tensor_new_strings(vs_shape shape, const char *const *strings, vs_status *st) {
  vs__ok(st);
  vs_tensor *t = vs__tensor_alloc(VS_STRING, shape, st);
  for (size_t i = 0; t && i < t->n; i++)
    if (!(t->strings[i] = vs__strdup(strings && strings[i] ? strings[i] : ""))) {
      vs_tensor_free(t);
      t = NULL;
      vs__oom(st);
    }
  return t;
}

vs_tensor *vs__tensor_clone(const vs_tensor *src, vs_status *st) {
  if (src->dtype == VS_STRING) return vs_tensor_new_strings(src->shape, (const char *const *)src->strings, st);
  if (src->dtype == VS_RESOURCE) { /* a fetched handle: its bytes */
    vs_tensor *t = calloc(1, sizeof *t);
    if (t && (t->data = malloc(src->bytes ? src->bytes : 1))) {
      *t = (vs_tensor){.dtype = src->dtype, .shape = src->shape, .n = src->n, .data = t->data, .bytes = src->bytes};
      memcpy(t->data, src->data, src->bytes);
      return t;
    }
    free(t);
    vs__oom(st);
    return NULL;
  }
  vs_tensor *t = vs__tensor_alloc(src->dtype, src->shape, st);
  if (t) memcpy(t->data, src->data, t->n * vs_dtype_size(t->dtype));
  return t;
}

VS_API void vs_tensor_free(vs_tensor *t) {
  if (!t) return;
  if (t->strings)
    for (size_t i = 0; i < t->n; i++) free(t->strings[i]);
  free(t->strings);
  free(t->data);
  free(t);
}

VS_API vs_dtype vs_tensor_dtype(const vs_tensor *t) { return t ? t->dtype : VS_DTYPE_DEFAULT; }
VS_API vs_shape vs_tensor_shape(const vs_tensor *t) { return t ? t->shape : (vs_shape){.known = false}; }
VS_API size_t vs_tensor_num_elements(const vs_tensor *t) { return t ? t->n : 0; }
VS_API void *vs_tensor_data(const vs_tensor *t) { return t ? t->data : NULL; }
VS_API size_t vs_tensor_byte_size(const vs_tensor *t) {
  if (t && t->dtype == VS_RESOURCE) return t->bytes;
  return t && t->data ? t->n * vs_dtype_size(t->dtype) : 0;
}
VS_API const char *vs_tensor_string(const vs_tensor *t, size_t i) {
  return t && t->strings && i < t->n ? t->strings[i] : NULL;
}
