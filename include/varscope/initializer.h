/* varscope/initializer.h - initializer descriptors (TF's init_ops).
 *
 * An initializer is a small value describing how a variable's first value is
 * made; the engine turns it into a device kernel when the variable is
 * initialised. The constructors mirror tf.compat.v1's *_initializer
 * functions with their defaults spelled out. A vs_initializer whose kind is
 * VS_INIT_NONE (the zero value) means "no initializer given".
 *
 * Two families, as in TensorFlow:
 *   - callable initializers (zeros, ones, constant, random_*, glorot_*,
 *     variance_scaling): called with the variable's shape and dtype, so the
 *     variable needs a fully defined shape;
 *   - values (vs_value_initializer, vs_tensor_initializer): TF's non-callable
 *     initializers (a Python value, a numpy array, a Tensor). The variable's
 *     shape comes from the value, and giving a shape as well is an error
 *     ("If initializer is a constant, do not specify shape.").
 *
 * Ownership: constructors that take host arrays do not copy them; the array
 * must stay valid until the descriptor is passed to a graph call, which
 * copies it.
 */
#ifndef VARSCOPE_INITIALIZER_H
#define VARSCOPE_INITIALIZER_H

#include "varscope/status.h"
#include "varscope/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vs_op vs_op;

/* One output of an operation, as TF_Output (whose index is an int; here a
 * size_t, as every index in this API). */
typedef struct vs_output {
  vs_op *op;
  size_t index;
} vs_output;

typedef enum vs_init_kind {
  VS_INIT_NONE = 0,
  VS_INIT_ZEROS,
  VS_INIT_ONES,
  VS_INIT_CONSTANT,         /* constant_initializer(value[s]) - callable */
  VS_INIT_RANDOM_NORMAL,
  VS_INIT_TRUNCATED_NORMAL,
  VS_INIT_RANDOM_UNIFORM,
  VS_INIT_VARIANCE_SCALING, /* glorot_* are variance scaling, see below */
  VS_INIT_VALUE,            /* a host value: non-callable */
  VS_INIT_TENSOR            /* an op output: non-callable */
} vs_init_kind;

typedef enum vs_fan_mode { VS_FAN_IN = 0, VS_FAN_OUT, VS_FAN_AVG } vs_fan_mode;

typedef enum vs_distribution {
  VS_DIST_TRUNCATED_NORMAL = 0, /* TF 1.15 "normal" and "truncated_normal" */
  VS_DIST_UNTRUNCATED_NORMAL,
  VS_DIST_UNIFORM
} vs_distribution;

/* Seeds: VS_SEED_NONE is TF's seed=None (the graph-level seed rules apply). */
#define VS_SEED_NONE INT64_MIN

typedef struct vs_initializer {
  vs_init_kind kind;
  vs_dtype dtype;           /* constructor dtype; VS_DTYPE_DEFAULT: from the variable */
  int64_t seed;             /* VS_SEED_NONE or an op-level seed */
  /* random_normal / truncated_normal */
  double mean, stddev;
  /* random_uniform */
  double minval, maxval;
  /* variance_scaling (glorot_uniform = (1.0, FAN_AVG, UNIFORM)) */
  double scale;
  vs_fan_mode mode;
  vs_distribution distribution;
  /* constant / value: host data of `values_dtype`, `count` elements.
   * For VS_INIT_CONSTANT with count == 0, `value` is the scalar. */
  double value;
  const void *values;
  size_t count;
  vs_dtype values_dtype;
  vs_shape value_shape;     /* VS_INIT_VALUE: the value's shape */
  bool verify_shape;        /* constant_initializer(verify_shape=True) */
  vs_output tensor;         /* VS_INIT_TENSOR */
} vs_initializer;

vs_initializer vs_zeros_initializer(void);
vs_initializer vs_ones_initializer(void);
/* constant_initializer(value): every element is `value`. */
vs_initializer vs_constant_initializer(double value);
/* constant_initializer(list): `count` elements of `dtype` at `values`, laid
 * out row-major. Fewer elements than the variable needs repeat the last one;
 * more is an error; verify_shape demands exactly the variable's shape, which
 * `shape` gives (VS_UNKNOWN_SHAPE, the zero value: a flat list of `count`). */
vs_initializer vs_constant_initializer_array(const void *values, vs_dtype dtype, size_t count,
                                             vs_shape shape, bool verify_shape);
vs_initializer vs_random_normal_initializer(double mean, double stddev, int64_t seed);
vs_initializer vs_truncated_normal_initializer(double mean, double stddev, int64_t seed);
/* random_uniform_initializer(minval, maxval); TF's maxval=None is 1.0 for floats. */
vs_initializer vs_random_uniform_initializer(double minval, double maxval, int64_t seed);
vs_initializer vs_glorot_uniform_initializer(int64_t seed);
vs_initializer vs_glorot_normal_initializer(int64_t seed);
vs_initializer vs_variance_scaling_initializer(double scale, vs_fan_mode mode,
                                               vs_distribution distribution, int64_t seed);

/* A host value used as the initial value itself (TF's initializer=5.0 or a
 * numpy array): `count` elements of `dtype`, shaped `shape` (VS_UNKNOWN_SHAPE,
 * the zero value: a scalar when count == 1, else a vector of `count`). */
vs_initializer vs_value_initializer(const void *values, vs_dtype dtype, size_t count,
                                    vs_shape shape);

/* A graph tensor used as the initial value (TF's initializer=tf.constant(...)). */
vs_initializer vs_tensor_initializer(vs_output tensor);

/* TF's _compute_fans for a shape (conv kernels: receptive field × depth);
 * an unknown shape, rank 0 or a rank over VS_MAX_RANK gives 1 and 1. */
void vs_compute_fans(vs_shape shape, double *fan_in, double *fan_out);

/* The number that parameterises the distribution for a variable of `shape`:
 * the half-width `limit` of a uniform draw, or the standard deviation of a
 * normal draw before truncation (TF 1.15 includes the 0.8796... correction
 * for truncated variance scaling). Returns a negative value and sets
 * INVALID_ARGUMENT for a non-random initializer, a scale <= 0
 * ("`scale` must be positive float."), or an unknown mode/distribution. */
double vs_initializer_spread(const vs_initializer *init, vs_shape shape, vs_status *st);

/* TensorFlow's name of the initializer's kind ("glorot_uniform",
 * "random_normal", "zeros" ...): glorot variants are reported as such when
 * their parameters are glorot's. Static string. */
const char *vs_initializer_name(const vs_initializer *init);

#ifdef __cplusplus
}
#endif
#endif
