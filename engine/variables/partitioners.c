/* partitioners.c - TF's variable partitioners (partitioned_variables.py,
 * TensorFlow 2.21): fixed_size_partitioner, variable_axis_size_partitioner
 * and min_max_variable_partitioner, as values that get_variable calls with
 * the full shape and dtype. */
#include <math.h>

#include "variables/variables_internal.h"

VS_API vs_partitioner vs_fixed_size_partitioner(int64_t num_shards, int axis) {
  return (vs_partitioner){.kind = VS_PARTITIONER_FIXED_SIZE, .num_shards = num_shards, .axis = axis};
}

VS_API vs_partitioner vs_variable_axis_size_partitioner(int64_t max_shard_bytes,
                                                        const vs_axis_size_partitioner_opts *opts,
                                                        vs_status *st) {
  vs__ok(st);
  static const vs_axis_size_partitioner_opts none;
  const vs_axis_size_partitioner_opts *o = opts ? opts : &none;
  int64_t per_string = o->bytes_per_string_element ? o->bytes_per_string_element : 16;
  if (max_shard_bytes < 1 || per_string < 1) {
    /* TF's text, without the space between "and" and "bytes". */
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Both max_shard_bytes and bytes_per_string_element must be positive. Currently, "
             "max_shard_bytes is %lld andbytes_per_string_element is %lld",
             (long long)max_shard_bytes, (long long)per_string);
    return (vs_partitioner){0};
  }
  if (o->max_shards < 0) { /* `if max_shards and max_shards < 1`: 0 is None */
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "max_shards must be positive.");
    return (vs_partitioner){0};
  }
  return (vs_partitioner){.kind = VS_PARTITIONER_AXIS_SIZE, .axis = o->axis,
                          .max_shard_bytes = max_shard_bytes, .max_shards = o->max_shards,
                          .bytes_per_string_element = per_string};
}

VS_API vs_partitioner vs_min_max_variable_partitioner(const vs_min_max_partitioner_opts *opts) {
  static const vs_min_max_partitioner_opts none;
  const vs_min_max_partitioner_opts *o = opts ? opts : &none;
  return (vs_partitioner){.kind = VS_PARTITIONER_MIN_MAX, .axis = o->axis,
                          .max_partitions = o->max_partitions ? o->max_partitions : 1,
                          .min_slice_size = o->min_slice_size ? o->min_slice_size : 256 << 10,
                          .bytes_per_string_element =
                              o->bytes_per_string_element ? o->bytes_per_string_element : 16};
}

static bool axis_outside(const vs_partitioner *p, const vs_shape *shape, vs_status *st) {
  if (p->axis >= 0 && p->axis < shape->rank) return false;
  char s[128];
  vs_shape_format(*shape, s, sizeof s);
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
           "Cannot partition variable along axis %d when shape is only %s", p->axis, s);
  return true;
}

static bool not_fully_defined(const vs_shape *shape, vs_status *st) {
  if (vs_shape_is_fully_defined(*shape)) return false;
  char s[128];
  vs_shape_format(*shape, s, sizeof s);
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "shape is not fully defined: %s", s);
  return true;
}

VS_API bool vs_partitioner_call(const vs_partitioner *p, vs_shape shape, vs_dtype dtype,
                                int64_t *partitions, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(p && partitions && shape.known && shape.rank >= 0 && shape.rank <= VS_MAX_RANK, st,
             "vs_partitioner_call: a partitioner, a known shape and an output array are required");
  for (int i = 0; i < shape.rank; i++) partitions[i] = 1;
  int64_t elem = dtype == VS_STRING ? p->bytes_per_string_element : (int64_t)vs_dtype_size(dtype);
  switch (p->kind) {
    case VS_PARTITIONER_FN: {
      VS_REQUIRE(p->fn, st, "vs_partitioner_call: a custom partitioner needs its fn");
      vs_status *cb = vs_status_new();
      if (!cb) {
        vs__oom(st);
        return false;
      }
      bool ok = p->fn(shape, dtype, partitions, p->user_data, cb);
      if (!ok) {
        if (vs__failed(cb)) vs__status_copy(st, cb);
        else vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "the partitioner failed without an error");
      }
      vs_status_free(cb);
      return ok;
    }
    case VS_PARTITIONER_FIXED_SIZE: {
      if (axis_outside(p, &shape, st) || not_fully_defined(&shape, st)) return false;
      int64_t d = shape.dims[p->axis];
      partitions[p->axis] = p->num_shards < d ? p->num_shards : d;
      return true;
    }
    case VS_PARTITIONER_AXIS_SIZE: {
      if (not_fully_defined(&shape, st) || axis_outside(p, &shape, st)) return false;
      double d = (double)shape.dims[p->axis];
      double per_slice = 1.0 * ((double)vs_shape_num_elements(shape) / d) * (double)elem;
      double per_shard = floor((double)p->max_shard_bytes / per_slice);
      if (per_shard < 1) per_shard = 1;
      int64_t shards = (int64_t)ceil(1.0 * d / per_shard);
      if (p->max_shards && p->max_shards < shards) shards = p->max_shards;
      partitions[p->axis] = shards;
      return true;
    }
    case VS_PARTITIONER_MIN_MAX: {
      if (axis_outside(p, &shape, st) || not_fully_defined(&shape, st)) return false;
      double total = (double)vs_shape_num_elements(shape) * (double)elem;
      int64_t want = (int64_t)ceil(total / (double)p->min_slice_size), d = shape.dims[p->axis];
      int64_t n = d < p->max_partitions ? d : p->max_partitions;
      if (want < n) n = want;
      partitions[p->axis] = n > 1 ? n : 1;
      return true;
    }
    case VS_PARTITIONER_NONE:
    default: break;
  }
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_partitioner_call: not a partitioner (kind %d)",
           (int)p->kind);
  return false;
}
