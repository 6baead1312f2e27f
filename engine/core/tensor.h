/* tensor.h - the host tensor's layout (the core's: sessions, kernels and
 * checkpoints all read and make them; the public API is varscope/tensor.h). */
#ifndef VS_CORE_TENSOR_H
#define VS_CORE_TENSOR_H

#include "core/core.h"
#include "varscope/tensor.h"

struct vs_tensor {
  vs_dtype dtype;
  vs_shape shape;
  size_t n;
  void *data;     /* numeric tensors; VS_RESOURCE: a serialized ResourceHandleProto */
  char **strings; /* VS_STRING tensors */
  size_t bytes;   /* VS_RESOURCE: the length of data (a handle's bytes have no element size) */
};

vs_tensor *vs__tensor_alloc(vs_dtype dtype, vs_shape shape, vs_status *st);
/* A deep copy (strings included). */
vs_tensor *vs__tensor_clone(const vs_tensor *src, vs_status *st);

#endif
