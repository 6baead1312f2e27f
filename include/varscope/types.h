/* varscope/types.h - data types and shapes, and the conventions every
 * public header follows.
 *
 * Conventions (issue 10; docs/api-conventions.md has the table of what
 * changed to meet them):
 *   - Counts, sizes and indices in signatures and structs are size_t. Two
 *     kinds of number stay signed on purpose, because TensorFlow's values
 *     are signed: dimensions (int64_t, VS_DIM_UNKNOWN = -1 as TF's None) and
 *     vs_shape.rank (int: it is at most VS_MAX_RANK, and rank arithmetic is
 *     signed in TF, axis -1 .. -rank, "rank - 2" for matmul); seeds and
 *     strides are TF's int64 attributes. Byte amounts of device memory and
 *     of checkpoint files are uint64_t: they can exceed a 32-bit host's
 *     size_t.
 *   - Not found: a lookup that returns a pointer returns NULL; one that
 *     returns an index or a count returns VS_NPOS. A lookup that takes a
 *     vs_status * also sets it (NOT_FOUND with TF's text for a missing name,
 *     INVALID_ARGUMENT/OUT_OF_RANGE as documented for an index out of
 *     range). No call signals "none" with -1, 0 or false.
 *   - Shapes cross the API as vs_shape by value, never through a pointer;
 *     "no shape given" is the zero value (VS_UNKNOWN_SHAPE), never NULL.
 *   - Python keyword arguments are option structs (const vs_x_opts *opts,
 *     NULL = every default; zero fields are TF's defaults); a fallible call
 *     takes vs_status *st last.
 *
 * vs_dtype is numbered as TF_DataType, so 0 is free to mean "not given"
 * (TensorFlow's dtype=None) in option structs.
 *
 * vs_shape is a value type. A zero-initialised vs_shape is an *unknown* shape
 * (TensorFlow's shape=None), so an option struct that leaves .shape out asks
 * for no shape. VS_SHAPE(2, 3) is a fully defined shape, VS_SCALAR the scalar
 * shape (), and VS_DIM_UNKNOWN an unknown dimension (TF's None / "?").
 */
#ifndef VARSCOPE_TYPES_H
#define VARSCOPE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "No such index" and "not defined" for size_t results: (size_t)-1, which
 * no real index or count reaches. */
#define VS_NPOS ((size_t)-1)

typedef enum vs_dtype {
  VS_DTYPE_DEFAULT = 0, /* not given: inherit (scope dtype, float32 at root) */
  VS_FLOAT = 1,
  VS_DOUBLE = 2,
  VS_INT32 = 3,
  VS_UINT8 = 4,
  VS_INT16 = 5,
  VS_INT8 = 6,
  VS_STRING = 7,
  VS_COMPLEX64 = 8,
  VS_INT64 = 9,
  VS_BOOL = 10,
  VS_BFLOAT16 = 14,
  VS_UINT16 = 17,
  VS_COMPLEX128 = 18,
  VS_HALF = 19,
  /* A resource handle (DT_RESOURCE): the output of a resource variable's
   * VarHandleOp. No variable, initializer or tensor holds this dtype; its
   * vs_dtype_size is 0. */
  VS_RESOURCE = 20,
  VS_UINT32 = 22,
  VS_UINT64 = 23
} vs_dtype;

/* TensorFlow's name of a dtype ("float32", "int64", "bool"); "" for an
 * unknown value. Static string. */
const char *vs_dtype_name(vs_dtype dtype);

/* Bytes per element; 0 for VS_STRING, VS_DTYPE_DEFAULT and unknown values. */
size_t vs_dtype_size(vs_dtype dtype);

/* True for a value of vs_dtype that names a real type (not VS_DTYPE_DEFAULT). */
bool vs_dtype_is_valid(vs_dtype dtype);

/* The largest rank a vs_shape holds (TF allows 254; 8 covers every TF1
 * layer and keeps vs_shape a small value type). Calls given a larger rank
 * fail with INVALID_ARGUMENT, or treat the shape as not fully defined. */
#define VS_MAX_RANK 8
#define VS_DIM_UNKNOWN ((int64_t)-1)

typedef struct vs_shape {
  bool known;                 /* false: unknown rank (TF shape=None) */
  int rank;                   /* 0..VS_MAX_RANK when known */
  int64_t dims[VS_MAX_RANK];  /* VS_DIM_UNKNOWN for an unknown dimension */
} vs_shape;

/* A fully or partly known shape from its dimensions: VS_SHAPE(5, 5, 32, 32). */
#define VS_SHAPE(...)                                                        \
  ((vs_shape){.known = true,                                                 \
              .rank = (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), \
              .dims = {__VA_ARGS__}})
/* The scalar shape (). */
#define VS_SCALAR ((vs_shape){.known = true, .rank = 0})
/* The unknown shape (TF's None); the same as leaving a shape field out. */
#define VS_UNKNOWN_SHAPE ((vs_shape){.known = false})

/* True when the rank and every dimension are known. A known rank outside
 * 0..VS_MAX_RANK is never fully defined (and no call reads dims[] past
 * VS_MAX_RANK). */
bool vs_shape_is_fully_defined(vs_shape shape);

/* Number of elements of a fully defined shape (1 for a scalar); VS_NPOS
 * when it is not fully defined, its rank is outside 0..VS_MAX_RANK, or the
 * count overflows (over INT64_MAX / 16, so that its byte size always fits
 * in int64 and in size_t on 64-bit hosts; on a 32-bit host a count over
 * SIZE_MAX / 16 is VS_NPOS too). */
size_t vs_shape_num_elements(vs_shape shape);

/* TF's TensorShape.is_compatible_with: unknown ranks and unknown dimensions
 * are compatible with anything; a known rank outside 0..VS_MAX_RANK with
 * nothing. */
bool vs_shape_is_compatible(vs_shape a, vs_shape b);

/* Writes TensorShape's str() into buf: "<unknown>", "()", "(5,)", "(2, 3)",
 * "(?, 3)". Returns the length it needs (as snprintf), so a call with
 * cap 0 sizes the buffer (buf may be NULL then). */
size_t vs_shape_format(vs_shape shape, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
