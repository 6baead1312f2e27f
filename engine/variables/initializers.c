/* initializers.c - initializer descriptors (TF's init_ops): constructors,
 * fan computation and the spread of each distribution. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "variables/variables_internal.h"

VS_API vs_initializer vs_zeros_initializer(void) {
  return (vs_initializer){.kind = VS_INIT_ZEROS, .seed = VS_SEED_NONE};
}
VS_API vs_initializer vs_ones_initializer(void) {
  return (vs_initializer){.kind = VS_INIT_ONES, .seed = VS_SEED_NONE};
}
VS_API vs_initializer vs_constant_initializer(double value) {
  return (vs_initializer){.kind = VS_INIT_CONSTANT, .value = value, .seed = VS_SEED_NONE};
}
VS_API vs_initializer vs_constant_initializer_array(const void *values, vs_dtype dtype, size_t count,
                                                    vs_shape shape, bool verify_shape) {
  vs_initializer i = {.kind = VS_INIT_CONSTANT, .values = values, .values_dtype = dtype,
                      .count = count, .verify_shape = verify_shape, .seed = VS_SEED_NONE};
  i.value_shape = shape.known ? shape : (vs_shape){.known = true, .rank = 1, .dims = {(int64_t)count}};
  return i;
}
VS_API vs_initializer vs_random_normal_initializer(double mean, double stddev, int64_t seed) {
  return (vs_initializer){.kind = VS_INIT_RANDOM_NORMAL, .mean = mean, .stddev = stddev, .seed = seed};
}
VS_API vs_initializer vs_truncated_normal_initializer(double mean, double stddev, int64_t seed) {
  return (vs_initializer){.kind = VS_INIT_TRUNCATED_NORMAL, .mean = mean, .stddev = stddev, .seed = seed};
}
VS_API vs_initializer vs_random_uniform_initializer(double minval, double maxval, int64_t seed) {
  return (vs_initializer){.kind = VS_INIT_RANDOM_UNIFORM, .minval = minval, .maxval = maxval, .seed = seed};
}
VS_API vs_initializer vs_variance_scaling_initializer(double scale, vs_fan_mode mode,
                                                      vs_distribution distribution, int64_t seed) {
  return (vs_initializer){.kind = VS_INIT_VARIANCE_SCALING, .scale = scale, .mode = mode,
                          .distribution = distribution, .seed = seed};
}
VS_API vs_initializer vs_glorot_uniform_initializer(int64_t seed) {
  return vs_variance_scaling_initializer(1.0, VS_FAN_AVG, VS_DIST_UNIFORM, seed);
}
VS_API vs_initializer vs_glorot_normal_initializer(int64_t seed) {
  return vs_variance_scaling_initializer(1.0, VS_FAN_AVG, VS_DIST_TRUNCATED_NORMAL, seed);
}

VS_API vs_initializer vs_value_initializer(const void *values, vs_dtype dtype, size_t count,
                                           vs_shape shape) {
  vs_initializer i = {.kind = VS_INIT_VALUE, .values = values, .values_dtype = dtype, .count = count,
                      .seed = VS_SEED_NONE};
  if (shape.known)
    i.value_shape = shape;
  else if (count == 1)
    i.value_shape = VS_SCALAR;
  else
    i.value_shape = (vs_shape){.known = true, .rank = 1, .dims = {(int64_t)count}};
  return i;
}

VS_API vs_initializer vs_tensor_initializer(vs_output tensor) {
  return (vs_initializer){.kind = VS_INIT_TENSOR, .tensor = tensor, .seed = VS_SEED_NONE};
}

bool vs__initializer_callable(const vs_initializer *i) {
  return i->kind != VS_INIT_NONE && i->kind != VS_INIT_VALUE && i->kind != VS_INIT_TENSOR;
}

vs_dtype vs__initializer_value_dtype(const vs_initializer *i) {
  if (i->kind == VS_INIT_TENSOR) return vs_op_output_dtype(i->tensor.op);
  return i->values_dtype;
}

vs_shape vs__initializer_value_shape(const vs_initializer *i) {
  if (i->kind == VS_INIT_TENSOR) return vs_op_output_shape(i->tensor.op);
  return i->value_shape;
}

bool vs__initializer_own(vs_graph *g, vs_initializer *i, vs_status *st) {
  if (!i->values || !i->count) return true;
  if (i->values_dtype == VS_STRING) { /* `values` is an array of count strings */
    size_t bytes;
    void *block = vs__pack_strings(i->values, i->count, &bytes);
    if (!block) {
      vs__oom(st);
      return false;
    }
    if (!vs__keep_string(g, block, st)) return false;
    i->values = block;
    return true;
  }
  size_t esize = vs_dtype_size(i->values_dtype);
  if (!esize) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
             "Invalid type for initial value: dtype %d is not a numeric type", (int)i->values_dtype);
    return false;
  }
  char *copy = malloc(i->count * esize);
  if (!copy) {
    vs__oom(st);
    return false;
  }
  memcpy(copy, i->values, i->count * esize);
  if (!vs__keep_string(g, copy, st)) return false;
  i->values = copy;
  return true;
}

VS_API void vs_compute_fans(vs_shape shape, double *fan_in, double *fan_out) {
  double in = 1, out = 1;
  /* A rank past VS_MAX_RANK would read past dims[]: treated as unknown. */
  if (shape.known && shape.rank >= 1 && shape.rank <= VS_MAX_RANK) {
    int r = shape.rank;
    if (r == 1) {
      in = out = (double)shape.dims[0];
    } else if (r == 2) {
      in = (double)shape.dims[0];
      out = (double)shape.dims[1];
    } else {
      double receptive = 1;
      for (int i = 0; i < r - 2; i++) receptive *= (double)shape.dims[i];
      in = (double)shape.dims[r - 2] * receptive;
      out = (double)shape.dims[r - 1] * receptive;
    }
  }
  if (fan_in) *fan_in = in;
  if (fan_out) *fan_out = out;
}

static bool check_variance_scaling(const vs_initializer *i, vs_status *st) {
  char buf[40];
  if (!(i->scale > 0)) {
    vs__py_float_repr(i->scale, buf, sizeof buf);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Argument `scale` must be a positive float. Received: %s", buf);
    return false;
  }
  if (i->mode != VS_FAN_IN && i->mode != VS_FAN_OUT && i->mode != VS_FAN_AVG) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Argument `mode` should be one of ('fan_in', 'fan_out', 'fan_avg'). Received: %d",
             (int)i->mode);
    return false;
  }
  if (i->distribution != VS_DIST_TRUNCATED_NORMAL && i->distribution != VS_DIST_UNTRUNCATED_NORMAL &&
      i->distribution != VS_DIST_UNIFORM) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Argument `distribution` should be one of ('normal', 'uniform', 'truncated_normal', "
             "'untruncated_normal'). Received: %d", (int)i->distribution);
    return false;
  }
  return true;
}

VS_API double vs_initializer_spread(const vs_initializer *i, vs_shape shape, vs_status *st) {
  vs__ok(st);
  if (!i) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_initializer_spread: initializer must not be NULL");
    return -1;
  }
  switch (i->kind) {
    case VS_INIT_RANDOM_NORMAL:
    case VS_INIT_TRUNCATED_NORMAL: return i->stddev;
    case VS_INIT_RANDOM_UNIFORM: return (i->maxval - i->minval) / 2;
    case VS_INIT_VARIANCE_SCALING: {
      if (!check_variance_scaling(i, st)) return -1;
      double in, out, scale = i->scale;
      vs_compute_fans(shape, &in, &out);
      if (i->mode == VS_FAN_IN) scale /= fmax(1., in);
      else if (i->mode == VS_FAN_OUT) scale /= fmax(1., out);
      else scale /= fmax(1., (in + out) / 2.);
      if (i->distribution == VS_DIST_UNIFORM) return sqrt(3. * scale);
      /* Constant from scipy.stats.truncnorm.std(a=-2, b=2, loc=0., scale=1.). */
      if (i->distribution == VS_DIST_TRUNCATED_NORMAL) return sqrt(scale) / .87962566103423978;
      return sqrt(scale);
    }
    default: break;
  }
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
           "vs_initializer_spread: the %s initializer has no random spread", vs_initializer_name(i));
  return -1;
}

VS_API const char *vs_initializer_name(const vs_initializer *i) {
  if (!i) return "";
  switch (i->kind) {
    case VS_INIT_NONE: return "";
    case VS_INIT_ZEROS: return "zeros";
    case VS_INIT_ONES: return "ones";
    case VS_INIT_CONSTANT: return "constant";
    case VS_INIT_RANDOM_NORMAL: return "random_normal";
    case VS_INIT_TRUNCATED_NORMAL: return "truncated_normal";
    case VS_INIT_RANDOM_UNIFORM: return "random_uniform";
    case VS_INIT_VALUE: return "value";
    case VS_INIT_TENSOR: return "tensor";
    case VS_INIT_VARIANCE_SCALING:
      if (i->scale == 1.0 && i->mode == VS_FAN_AVG && i->distribution == VS_DIST_UNIFORM)
        return "glorot_uniform";
      if (i->scale == 1.0 && i->mode == VS_FAN_AVG && i->distribution == VS_DIST_TRUNCATED_NORMAL)
        return "glorot_normal";
      return "variance_scaling";
  }
  return "";
}

static bool is_float(vs_dtype t) {
  return t == VS_FLOAT || t == VS_DOUBLE || t == VS_HALF || t == VS_BFLOAT16;
}

static bool expected_float(vs_dtype dtype, double got, vs_status *st) {
  char buf[40];
  vs__py_float_repr(got, buf, sizeof buf);
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "Expected %s, but got %s of type 'float'.",
           vs_dtype_name(dtype), buf);
  return false;
}

/* random_ops.random_uniform's dtype check (TF 2.x text). */
static bool uniform_dtype(vs_dtype dtype, vs_status *st) {
  if (dtype == VS_HALF || dtype == VS_BFLOAT16 || is_float(dtype) || dtype == VS_INT32 || dtype == VS_INT64)
    return true;
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
           "Argument `dtype` got invalid value <dtype: '%s'>. Accepted dtypes are (tf.float16, tf.bfloat16, "
           "tf.float32, tf.float64, tf.int32, tf.int64).", vs_dtype_name(dtype));
  return false;
}

/* What TF raises when an initializer converts a number to a string tensor:
 * "Expected string, but got 1 of type 'int'." (integral values are the
 * Python ints of the C API's doubles; TF's own float defaults say 0.0). */
static bool expected_string(double got, bool as_float, vs_status *st) {
  if (as_float || got != floor(got)) return expected_float(VS_STRING, got, st);
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "Expected string, but got %.0f of type 'int'.", got);
  return false;
}

/* DT_STRING takes zeros (b'') only; the other initializers fail as in TF
 * when they build their first constant. */
static bool check_string_call(const vs_initializer *i, vs_status *st) {
  switch (i->kind) {
    case VS_INIT_ZEROS: return true;
    case VS_INIT_ONES: return expected_string(1, false, st);
    case VS_INIT_CONSTANT:
      if (i->values && i->count && i->values_dtype == VS_STRING) return true;
      if (i->values && i->count)
        return expected_string(vs__load_double(i->values, i->values_dtype, 0),
                               i->values_dtype == VS_FLOAT || i->values_dtype == VS_DOUBLE, st);
      return expected_string(i->value, false, st);
    case VS_INIT_RANDOM_UNIFORM: return uniform_dtype(VS_STRING, st);
    case VS_INIT_RANDOM_NORMAL:
    case VS_INIT_TRUNCATED_NORMAL: return expected_string(i->mean, true, st);
    case VS_INIT_VARIANCE_SCALING:
      if (!check_variance_scaling(i, st)) return false;
      return i->distribution == VS_DIST_UNIFORM ? uniform_dtype(VS_STRING, st) : expected_string(0.0, true, st);
    default: return true;
  }
}

bool vs__initializer_check_call(const vs_initializer *i, vs_dtype dtype, const vs_shape *shape,
                                vs_status *st) {
  bool fl = is_float(dtype);
  if (dtype == VS_STRING) return check_string_call(i, st);
  switch (i->kind) {
    case VS_INIT_RANDOM_NORMAL:
    case VS_INIT_TRUNCATED_NORMAL:
      if (dtype == VS_COMPLEX64 || dtype == VS_COMPLEX128) { /* the op's dtype attr refuses complex */
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
                 "Value passed to parameter 'dtype' has DataType %s not in list of allowed values: float16, "
                 "bfloat16, float32, float64", vs_dtype_name(dtype));
        return false;
      }
      return fl || expected_float(dtype, i->mean, st);
    case VS_INIT_RANDOM_UNIFORM:
      return uniform_dtype(dtype, st);
    case VS_INIT_VARIANCE_SCALING: {
      if (!check_variance_scaling(i, st)) return false;
      if (fl) return true;
      if (i->distribution == VS_DIST_UNIFORM) return expected_float(dtype, -vs_initializer_spread(i, *shape, NULL), st);
      return expected_float(dtype, 0.0, st);
    }
    case VS_INIT_CONSTANT: {
      fl |= dtype == VS_COMPLEX64 || dtype == VS_COMPLEX128; /* numpy takes a float as (x+0j) */
      if (!i->values) {
        double v = i->value;
        return fl || v == floor(v) || expected_float(dtype, v, st);
      }
      int64_t need = (int64_t)vs_shape_num_elements(*shape); /* VS_NPOS: -1 */
      if (i->verify_shape && !(i->value_shape.rank == shape->rank &&
                               (int64_t)vs_shape_num_elements(i->value_shape) == need &&
                               memcmp(i->value_shape.dims, shape->dims,
                                      (size_t)shape->rank * sizeof shape->dims[0]) == 0)) {
        char want[256], got[256];
        vs_shape_format(*shape, want, sizeof want);
        vs_shape_format(i->value_shape, got, sizeof got);
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "Expected Tensor's shape: %s, but got %s.",
                 want, got);
        return false;
      }
      if ((int64_t)i->count > need) {
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
                 "Too many elements provided. Takes at most %lld, but got %zu.", (long long)need, i->count);
        return false;
      }
      if (!fl)
        for (size_t k = 0; k < i->count; k++) {
          double v = vs__load_double(i->values, i->values_dtype, k);
          if (v != floor(v)) return expected_float(dtype, v, st);
        }
      return true;
    }
    default:
      return true;
  }
}

void vs__py_float_repr(double v, char *buf, size_t cap) {
  /* Shortest digits that round-trip, as Python's repr. */
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, cap, "%.*g", prec, v);
    if (strtod(buf, NULL) == v) break;
  }
  if (!strpbrk(buf, ".eEn")) { /* integral: Python prints "1.0" */
    size_t n = strlen(buf);
    if (n + 2 < cap) memcpy(buf + n, ".0", 3);
  }
}
