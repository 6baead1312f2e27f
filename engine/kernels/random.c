/* random.c - the random initializers' ops (RandomUniform,
 * RandomStandardNormal, TruncatedNormal, RandomUniformInt): Philox streams
 * bit-identical to TensorFlow's (cl_kernels/random.cl). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"

/* The generator of a random op for this run, as TF's GuardedPhiloxRandom:
 * Philox keyed by `seed`, counter high words `seed2`; seeds (0, 0) mean
 * "random" (here a per-session draw, TF's is per kernel). Each run reserves
 * 256 blocks per output element (ReserveRandomOutputs(n, 256)), so a later
 * run of the op in the same session continues where TF's would. */
void vs__random_seeds(vs_run *r, const vs_op *op, cl_ulong *seed, cl_ulong *seed2, cl_ulong *offset, size_t n) {
  vs_session *s = r->s;
  if (op->attr.random.has_seed && (op->attr.random.seed != 0 || op->attr.random.seed2 != 0)) {
    *seed = (cl_ulong)op->attr.random.seed;
    *seed2 = (cl_ulong)op->attr.random.seed2;
  } else {
    *seed = s->entropy;
    *seed2 = s->entropy * 0x9E3779B97F4A7C15ull + op->index;
  }
  *offset = vs__rng_reserve(s, op, (uint64_t)n * 256);
}

/* Work-items of a random kernel: one per kResultElementCount group (4 float
 * or int32 values from one Philox block, 2 double or int64 ones). */
static size_t random_groups(size_t n, vs_dtype t) {
  size_t per = vs_dtype_size(t) == 8 ? 2 : 4;
  return (n + per - 1) / per;
}

static bool draw(vs_run *r, vs_op *op, size_t dev, const char *kernel, vs_status *st) {
  vs_shape shape;
  bool f16 = vs__is_16bit_float(op->dtype);
  if (op->dtype != VS_FLOAT && op->dtype != VS_DOUBLE && !f16) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: %s supports float16, bfloat16, float32 and float64, not %s",
             op->name, vs__op_type(op), vs_dtype_name(op->dtype));
    return false;
  }
  if (!vs__shape_input(r, op, &shape, st) || !vs__new_output(r, op, dev, op->dtype, shape, st)) return false;
  vs_value *out = vs__val(r, op);
  if (!out->n) return true;
  cl_ulong seed, seed2, offset, n = out->n;
  vs__random_seeds(r, op, &seed, &seed2, &offset, out->n);
  vs_dtype kt = f16 ? VS_FLOAT : op->dtype; /* the type the draw is made in */
  cl_mem dst = f16 ? vs__buffer(dev, out->n * sizeof(float), &shape, VS_FLOAT, st) : out->buf;
  if (!dst) return false;
  vs_cl_device *d = vs__device(dev, st);
  karg args[] = {KARG(dst), KARG(n), KARG(seed), KARG(seed2), KARG(offset)};
  bool ok = vs__launch(r, d, "random", kt, kernel, random_groups(out->n, kt), args, 5, st);
  if (f16) {
    ok = ok && vs__convert16(r, d, op->dtype, false, out->buf, dst, out->n, st);
    vs__buffer_release(dst); /* kept alive by OpenCL until the queued kernels are done */
  }
  return ok;
}

static bool k_random_int(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_shape shape;
  int64_t lohi[2] = {0, 0};
  vs_value *mn = vs__in(r, op, 1), *mx = vs__in(r, op, 2);
  size_t es = vs_dtype_size(op->dtype);
  if (op->dtype != VS_INT32 && op->dtype != VS_INT64) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: RandomUniformInt supports int32 and int64", op->name);
    return false;
  }
  int64_t tmp = 0;
  if (!vs__shape_input(r, op, &shape, st) || !vs__read_small(r, mn, &tmp, es, st)) return false;
  lohi[0] = es == 4 ? (int64_t)(int32_t)tmp : tmp;
  tmp = 0;
  if (!vs__read_small(r, mx, &tmp, es, st)) return false;
  lohi[1] = es == 4 ? (int64_t)(int32_t)tmp : tmp;
  if (lohi[1] <= lohi[0]) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Need minval < maxval: %lld >= %lld",
             (long long)lohi[0], (long long)lohi[1]);
    return false;
  }
  if (!vs__new_output(r, op, dev, op->dtype, shape, st)) return false;
  vs_value *out = vs__val(r, op);
  cl_ulong seed, seed2, offset, n = out->n, range = (cl_ulong)lohi[1] - (cl_ulong)lohi[0];
  cl_long minval = lohi[0];
  vs__random_seeds(r, op, &seed, &seed2, &offset, out->n);
  karg args[] = {KARG(out->buf), KARG(n), KARG(seed), KARG(seed2), KARG(offset), KARG(minval), KARG(range)};
  return vs__launch(r, vs__device(dev, st), "random", op->dtype, "random_uniform_int",
                    random_groups(out->n, op->dtype), args, 7, st);
}

static bool k_uniform(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return draw(r, op, dev, "random_uniform", st);
}
static bool k_normal(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return draw(r, op, dev, "random_normal", st);
}
static bool k_truncated(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return draw(r, op, dev, "truncated_normal", st);
}

static vs_shape shape_random(const vs_op *op) { return vs__shape_from_input(op, 0); }

const vs_op_def vs__random_defs[] = {
    {.type = "RandomUniform", .doc = "uniform values in [0, 1) of the shape input (Philox, as TF)",
     .shape = shape_random, .kernel = k_uniform, .flags = VS_OPF_ATTRS},
    {.type = "RandomStandardNormal", .doc = "standard normal values of the shape input (Philox + Box-Muller, as TF)",
     .shape = shape_random, .kernel = k_normal, .flags = VS_OPF_ATTRS},
    {.type = "TruncatedNormal", .doc = "standard normal values within two deviations, redrawn beyond (as TF)",
     .shape = shape_random, .kernel = k_truncated, .flags = VS_OPF_ATTRS},
    {.type = "RandomUniformInt", .doc = "uniform integers in [minval, maxval) of the shape input (as TF)",
     .shape = shape_random, .kernel = k_random_int, .flags = VS_OPF_ATTRS},
};
VS_DEF_COUNT(random_defs);
