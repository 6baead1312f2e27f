/* varscope/tensor.h - host tensors: the values fed to and fetched from
 * sessions, and read from checkpoints.
 *
 * Ownership: a tensor is owned by whoever received it (vs_tensor_new,
 * a fetch, vs_session_variable_value, a checkpoint read) and freed with
 * vs_tensor_free. Thread safety: a tensor is plain host memory; concurrent
 * reads are safe, a tensor written while another thread reads it is not.
 */
#ifndef VARSCOPE_TENSOR_H
#define VARSCOPE_TENSOR_H

#include <stddef.h>

#include "varscope/status.h"
#include "varscope/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- host tensors ------------------------------------------------------ */

typedef struct vs_tensor vs_tensor;

/* A new host tensor of a fully defined shape. `data` (may be NULL: zeros)
 * holds vs_shape_num_elements(shape) elements and is copied. Not for
 * VS_STRING. Errors: bad dtype or shape. Free with vs_tensor_free. */
vs_tensor *vs_tensor_new(vs_dtype dtype, vs_shape shape, const void *data, vs_status *st);
/* A new VS_STRING host tensor of a fully defined shape: `strings` (may be
 * NULL: every element "") holds vs_shape_num_elements(shape) NUL-terminated
 * strings (a NULL entry is ""), each copied. String tensors live on the
 * host: they are fed and fetched like others, and read with
 * vs_tensor_string. Errors: a shape that is not fully defined. Free with
 * vs_tensor_free. Thread safe (no shared state). */
vs_tensor *vs_tensor_new_strings(vs_shape shape, const char *const *strings, vs_status *st);
void vs_tensor_free(vs_tensor *t);
vs_dtype vs_tensor_dtype(const vs_tensor *t);
vs_shape vs_tensor_shape(const vs_tensor *t);
size_t vs_tensor_num_elements(const vs_tensor *t);
/* The elements, row-major. Borrowed; NULL for string tensors. A fetched
 * resource handle (VS_RESOURCE, shape ()) holds the serialized
 * ResourceHandleProto TF makes for it (device, container, name, hash_code,
 * maybe_type_name, dtypes_and_shapes), vs_tensor_byte_size bytes long. */
void *vs_tensor_data(const vs_tensor *t);
size_t vs_tensor_byte_size(const vs_tensor *t);
/* Element i of a VS_STRING tensor (e.g. report_uninitialized_variables).
 * Borrowed; NULL when out of range or not a string tensor. */
const char *vs_tensor_string(const vs_tensor *t, size_t i);

#ifdef __cplusplus
}
#endif

#endif
