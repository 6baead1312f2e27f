/* test_initializers.c - initializers (spec §7).
 *
 * Descriptors, shapes, dtypes, names, limits and errors; then the random
 * streams, bit for bit against a host model of TF's CPU kernels, and the
 * device's ports of glibc's logf/sincosf (every input they can get) and
 * log/sincos (4M inputs) against glibc. Every
 * expectation was checked against TensorFlow 2.21 (tf.compat.v1, v2
 * behaviour disabled); limits are compared with a relative tolerance of 1e-6.
 */
#include <CL/cl.h>
#include <criterion/criterion.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "varscope.h"
#include "support.h"

#define REL_TOL 1e-6

static inline void expect_rel(double got, double want)
{
  cr_assert(fabs(got - want) <= REL_TOL * fabs(want), "got %.12g, want %.12g", got, want);
}

static inline const char *initial_value_op(const vs_var *v)
{
  vs_output o = vs_var_initial_value(v);
  cr_assert_not_null(o.op);
  return vs_op_name(o.op);
}

static inline vs_var *get_dtype(vs_graph *g, const char *name, vs_dtype dt, vs_status *st)
{
  return get_opts(g, name, &(vs_var_opts){.shape = VS_SHAPE(3), .dtype = dt}, st);
}

/* glorot_uniform limit for `shape` and TF's fans for it. */
static inline void expect_glorot(vs_shape shape, double fan_in, double fan_out, double limit)
{
  double fi = -1, fo = -1;
  vs_compute_fans(shape, &fi, &fo);
  cr_assert_eq(fi, fan_in, "fan_in %g", fi);
  cr_assert_eq(fo, fan_out, "fan_out %g", fo);
  vs_status *st = vs_status_new();
  vs_initializer init = vs_glorot_uniform_initializer(VS_SEED_NONE);
  expect_rel(vs_initializer_spread(&init, shape, st), limit);
  expect_ok(st);
  vs_status_free(st);
}

/* ==== §7.1 default initializer by dtype =================================== */

Test(initializers, r7_1_1_float_default_is_glorot_uniform)
{
  /* spec 7.1.1:
   *   v = tf.get_variable("v", [2, 3])
   *   -> float32_ref, (2, 3), initial value op "v/Initializer/random_uniform",
   *      glorot_uniform limit sqrt(6/5) = 1.0954451150103321               */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *v = get_opts(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2, 3)}, st);
  cr_assert_eq(vs_var_dtype(v), VS_FLOAT);
  expect_shape(v, "(2, 3)");
  vs_initializer init = vs_var_initializer(v);
  cr_assert_eq(init.kind, VS_INIT_VARIANCE_SCALING);
  cr_assert_str_eq(vs_initializer_name(&init), "glorot_uniform");
  cr_assert_str_eq(initial_value_op(v), "v/Initializer/random_uniform");
  vs_shape shape = VS_SHAPE(2, 3);
  expect_rel(vs_initializer_spread(&init, shape, st), 1.0954451150103321);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_1_1_float64_default_is_glorot_uniform)
{
  /* spec 7.1 (dtype.is_floating):
   *   tf.get_variable("s", [3], dtype=tf.float64) -> float64_ref, "s/Initializer/random_uniform" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *v = get_dtype(g, "s", VS_DOUBLE, st);
  cr_assert_str_eq(vs_var_dtype_name(v), "float64_ref");
  vs_initializer init = vs_var_initializer(v);
  cr_assert_str_eq(vs_initializer_name(&init), "glorot_uniform");
  cr_assert_str_eq(initial_value_op(v), "s/Initializer/random_uniform");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_1_2_int32_default_is_zeros)
{
  /* spec 7.1.2:
   *   tf.get_variable("i", [3], dtype=tf.int32) -> int32_ref, (3,), "i/Initializer/zeros" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *v = get_dtype(g, "i", VS_INT32, st);
  cr_assert_str_eq(vs_var_dtype_name(v), "int32_ref");
  expect_shape(v, "(3,)");
  vs_initializer init = vs_var_initializer(v);
  cr_assert_eq(init.kind, VS_INIT_ZEROS);
  cr_assert_str_eq(vs_initializer_name(&init), "zeros");
  cr_assert_str_eq(initial_value_op(v), "i/Initializer/zeros");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_1_2_uint8_default_is_zeros)
{
  /* spec 7.1 (dtype.is_unsigned):
   *   tf.get_variable("s", [3], dtype=tf.uint8) -> uint8_ref, "s/Initializer/zeros" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *v = get_dtype(g, "s", VS_UINT8, st);
  cr_assert_str_eq(vs_var_dtype_name(v), "uint8_ref");
  cr_assert_eq(vs_var_initializer(v).kind, VS_INIT_ZEROS);
  cr_assert_str_eq(initial_value_op(v), "s/Initializer/zeros");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_1_3_bool_default_is_zeros)
{
  /* spec 7.1.3:
   *   tf.get_variable("b", [3], dtype=tf.bool) -> bool_ref, "b/Initializer/zeros" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *v = get_dtype(g, "b", VS_BOOL, st);
  cr_assert_str_eq(vs_var_dtype_name(v), "bool_ref");
  cr_assert_eq(vs_var_initializer(v).kind, VS_INIT_ZEROS);
  cr_assert_str_eq(initial_value_op(v), "b/Initializer/zeros");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_1_4_string_default_is_zeros)
{
  /* spec 7.1.4 (V115/V2):
   *   tf.get_variable("s", [3], dtype=tf.string) -> string_ref, "s/Initializer/zeros" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *v = get_dtype(g, "s", VS_STRING, st);
  cr_assert_str_eq(vs_var_dtype_name(v), "string_ref");
  cr_assert_eq(vs_var_initializer(v).kind, VS_INIT_ZEROS);
  cr_assert_str_eq(initial_value_op(v), "s/Initializer/zeros");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_1_5_complex_requires_initializer)
{
  /* spec 7.1.5 / E8:
   *   tf.get_variable("c", [3], dtype=tf.complex64)
   *   -> ValueError "An initializer for variable c of <dtype: 'complex64'> is required" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_null(vs_get_variable(g, "c", &(vs_var_opts){.shape = VS_SHAPE(3), .dtype = VS_COMPLEX64}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "An initializer for variable c of <dtype: 'complex64'> is required");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_1_6_scope_initializer_inherited)
{
  /* spec 7.1.6:
   *   with tf.variable_scope("s", initializer=tf.constant_initializer(0.5)):
   *     with tf.variable_scope("inner"): v = tf.get_variable("v", [2])
   *   -> s/inner/v:0, constant 0.5, "s/inner/v/Initializer/Const"            */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = vs_variable_scope_push(
      g, "s", &(vs_varscope_opts){.initializer = vs_constant_initializer(0.5)}, st);
  expect_ok(st);
  vs_scope *inner = vs_variable_scope_push(g, "inner", NULL, st);
  expect_ok(st);
  vs_var *v = get_opts(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  vs_variable_scope_pop(g, inner, st);
  vs_variable_scope_pop(g, s, st);
  expect_ok(st);
  cr_assert_str_eq(vs_var_name(v), "s/inner/v:0");
  vs_initializer init = vs_var_initializer(v);
  cr_assert_eq(init.kind, VS_INIT_CONSTANT);
  cr_assert_eq(init.value, 0.5);
  cr_assert_str_eq(initial_value_op(v), "s/inner/v/Initializer/Const");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_1_6_explicit_initializer_beats_scope)
{
  /* spec 7.1 precedence:
   *   with tf.variable_scope("s", initializer=tf.constant_initializer(0.5)):
   *     v = tf.get_variable("v", [2], initializer=tf.zeros_initializer())
   *   -> zeros, "s/v/Initializer/zeros"                                      */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = vs_variable_scope_push(
      g, "s", &(vs_varscope_opts){.initializer = vs_constant_initializer(0.5)}, st);
  expect_ok(st);
  vs_var *v = get_opts(
      g, "v", &(vs_var_opts){.shape = VS_SHAPE(2), .initializer = vs_zeros_initializer()}, st);
  vs_variable_scope_pop(g, s, st);
  cr_assert_eq(vs_var_initializer(v).kind, VS_INIT_ZEROS);
  cr_assert_str_eq(initial_value_op(v), "s/v/Initializer/zeros");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_1_6_scope_dtype_selects_default)
{
  /* spec 7.1 + §4 (dtype inherited):
   *   with tf.variable_scope("s", dtype=tf.int32): v = tf.get_variable("v", [2])
   *   -> int32_ref, zeros, "s/v/Initializer/zeros"                           */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = vs_variable_scope_push(g, "s", &(vs_varscope_opts){.dtype = VS_INT32}, st);
  expect_ok(st);
  vs_var *v = get_opts(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  vs_variable_scope_pop(g, s, st);
  cr_assert_str_eq(vs_var_dtype_name(v), "int32_ref");
  cr_assert_eq(vs_var_initializer(v).kind, VS_INIT_ZEROS);
  cr_assert_str_eq(initial_value_op(v), "s/v/Initializer/zeros");
  vs_status_free(st);
  vs_graph_free(g);
}

/* ==== §7.2 variance scaling / glorot ====================================== */

Test(initializers, r7_2_1_scalar_fans)
{
  /* spec 7.2.1: _compute_fans([]) -> (1, 1); glorot_uniform limit sqrt(3) */
  expect_glorot(VS_SCALAR, 1, 1, 1.7320508075688772);
}

Test(initializers, r7_2_2_vector_fans)
{
  /* spec 7.2.2: _compute_fans([5]) -> (5, 5); limit sqrt(3/5) */
  expect_glorot(VS_SHAPE(5), 5, 5, 0.7745966692414834);
}

Test(initializers, r7_2_3_matrix_fans)
{
  /* spec 7.2.3: _compute_fans([2, 3]) -> (2, 3); limit sqrt(6/5) */
  expect_glorot(VS_SHAPE(2, 3), 2, 3, 1.0954451150103321);
}

Test(initializers, r7_2_4_dense_fans)
{
  /* spec 7.2.4: _compute_fans([784, 100]) -> (784, 100); limit sqrt(6/884) */
  expect_glorot(VS_SHAPE(784, 100), 784, 100, 0.08238525545716346);
}

Test(initializers, r7_2_5_conv_fans)
{
  /* spec 7.2.5: _compute_fans([3, 3, 64, 128]) -> (576, 1152); limit sqrt(6/1728) */
  expect_glorot(VS_SHAPE(3, 3, 64, 128), 576, 1152, 0.05892556509887896);
}

Test(initializers, r7_2_6_conv_fans_depth_one)
{
  /* spec 7.2.6: _compute_fans([5, 5, 1, 32]) -> (25, 800); limit sqrt(6/825) */
  expect_glorot(VS_SHAPE(5, 5, 1, 32), 25, 800, 0.08528028654224418);
}

Test(initializers, r7_2_7_zero_size_guard)
{
  /* spec 7.2.7: _compute_fans([0, 4]) -> (0, 4); avg 2 -> limit sqrt(1.5) */
  expect_glorot(VS_SHAPE(0, 4), 0, 4, 1.224744871391589);
}

Test(initializers, r7_2_glorot_normal_truncation_correction)
{
  /* spec 7.2 (V115 "truncated_normal"):
   *   glorot_normal on [2, 3]: stddev = sqrt(1/2.5) / .87962566103423978 = 0.7190053224346047
   *   (TF 2.21 VarianceScaling.__call__, same constant)                      */
  vs_status *st = vs_status_new();
  vs_initializer init = vs_glorot_normal_initializer(VS_SEED_NONE);
  cr_assert_eq(init.kind, VS_INIT_VARIANCE_SCALING);
  cr_assert_eq(init.scale, 1.0);
  cr_assert_eq(init.mode, VS_FAN_AVG);
  cr_assert_eq(init.distribution, VS_DIST_TRUNCATED_NORMAL);
  cr_assert_str_eq(vs_initializer_name(&init), "glorot_normal");
  vs_shape shape = VS_SHAPE(2, 3);
  expect_rel(vs_initializer_spread(&init, shape, st), 0.7190053224346047);
  expect_ok(st);
  vs_status_free(st);
}

Test(initializers, r7_2_glorot_uniform_parameters)
{
  /* spec 7.2: glorot_uniform = VarianceScaling(1.0, "fan_avg", "uniform") */
  vs_initializer init = vs_glorot_uniform_initializer(VS_SEED_NONE);
  cr_assert_eq(init.kind, VS_INIT_VARIANCE_SCALING);
  cr_assert_eq(init.scale, 1.0);
  cr_assert_eq(init.mode, VS_FAN_AVG);
  cr_assert_eq(init.distribution, VS_DIST_UNIFORM);
  cr_assert_eq(init.seed, VS_SEED_NONE);
  cr_assert_str_eq(vs_initializer_name(&init), "glorot_uniform");
}

Test(initializers, r7_2_variance_scaling_with_glorot_parameters_is_glorot)
{
  /* header contract (glorot variants reported as such):
   *   variance_scaling(1.0, FAN_AVG, UNIFORM) -> "glorot_uniform"            */
  vs_initializer init = vs_variance_scaling_initializer(1.0, VS_FAN_AVG, VS_DIST_UNIFORM, 7);
  cr_assert_str_eq(vs_initializer_name(&init), "glorot_uniform");
}

Test(initializers, r7_2_untruncated_normal_stddev)
{
  /* spec 7.2 (V115 "untruncated_normal"):
   *   VarianceScaling(1.0, "fan_in", "untruncated_normal") on [2, 3]: stddev sqrt(1/2) */
  vs_status *st = vs_status_new();
  vs_initializer init =
      vs_variance_scaling_initializer(1.0, VS_FAN_IN, VS_DIST_UNTRUNCATED_NORMAL, VS_SEED_NONE);
  vs_shape shape = VS_SHAPE(2, 3);
  expect_rel(vs_initializer_spread(&init, shape, st), 0.7071067811865476);
  expect_ok(st);
  vs_status_free(st);
}

Test(initializers, r7_2_fan_out_uniform_scale_two)
{
  /* spec 7.2:
   *   VarianceScaling(2.0, "fan_out", "uniform") on [784, 100]: limit sqrt(3*2/100) */
  vs_status *st = vs_status_new();
  vs_initializer init = vs_variance_scaling_initializer(2.0, VS_FAN_OUT, VS_DIST_UNIFORM, VS_SEED_NONE);
  vs_shape shape = VS_SHAPE(784, 100);
  expect_rel(vs_initializer_spread(&init, shape, st), 0.2449489742783178);
  expect_ok(st);
  vs_status_free(st);
}

Test(initializers, r7_2_fan_in_truncated_default_distribution)
{
  /* spec 7.2 (V115 default distribution "truncated_normal"):
   *   VarianceScaling(2.0, "fan_in") on [3, 3, 64, 128]:
   *   stddev sqrt(2/576) / .87962566103423978 = 0.06698936571449711           */
  vs_status *st = vs_status_new();
  vs_initializer init =
      vs_variance_scaling_initializer(2.0, VS_FAN_IN, VS_DIST_TRUNCATED_NORMAL, VS_SEED_NONE);
  vs_shape shape = VS_SHAPE(3, 3, 64, 128);
  expect_rel(vs_initializer_spread(&init, shape, st), 0.06698936571449711);
  expect_ok(st);
  vs_status_free(st);
}

Test(initializers, r7_2_scale_must_be_positive)
{
  /* spec 7.2 validation:
   *   tf.variance_scaling_initializer(scale=0.0)
   * TF 2.21 -> ValueError "Argument `scale` must be a positive float. Received: 0.0"
   * (spec 7.2 / V115 text: "`scale` must be positive float.")                */
  vs_status *st = vs_status_new();
  vs_initializer init = vs_variance_scaling_initializer(0.0, VS_FAN_IN, VS_DIST_UNIFORM, VS_SEED_NONE);
  vs_shape shape = VS_SHAPE(2, 3);
  cr_assert_lt(vs_initializer_spread(&init, shape, st), 0.0);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Argument `scale` must be a positive float. Received: 0.0");
  vs_status_free(st);
}

Test(initializers, r7_2_spread_of_non_random_initializer)
{
  /* header contract: a non-random initializer has no spread
   * (negative result, INVALID_ARGUMENT)                                      */
  vs_status *st = vs_status_new();
  vs_initializer init = vs_zeros_initializer();
  vs_shape shape = VS_SHAPE(2, 3);
  cr_assert_lt(vs_initializer_spread(&init, shape, st), 0.0);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  vs_status_free(st);
}

/* ==== §7.3 other initializers ============================================= */

Test(initializers, r7_3_constructor_defaults)
{
  /* spec 7.3: random_normal_initializer(mean=0.0, stddev=1.0),
   * truncated_normal_initializer(0.0, 1.0), random_uniform_initializer(0, 1)
   * (maxval None -> 1 for floats); names as TF's op names               */
  vs_initializer rn = vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE);
  vs_initializer tn = vs_truncated_normal_initializer(0.0, 1.0, 3);
  vs_initializer ru = vs_random_uniform_initializer(0.0, 1.0, VS_SEED_NONE);
  cr_assert_eq(rn.kind, VS_INIT_RANDOM_NORMAL);
  cr_assert_str_eq(vs_initializer_name(&rn), "random_normal");
  cr_assert_eq(tn.kind, VS_INIT_TRUNCATED_NORMAL);
  cr_assert_eq(tn.seed, 3);
  cr_assert_eq(tn.stddev, 1.0);
  cr_assert_eq(ru.kind, VS_INIT_RANDOM_UNIFORM);
  cr_assert_eq(ru.minval, 0.0);
  cr_assert_eq(ru.maxval, 1.0);
}

/* tf.get_variable(name, [2, 3], initializer=init).initial_value.op.name */
static inline void expect_initial_value_op(const char *name, vs_initializer init, const char *want)
{
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *v = get_opts(g, name, &(vs_var_opts){.shape = VS_SHAPE(2, 3), .initializer = init}, st);
  cr_assert_eq(vs_var_initializer(v).kind, init.kind);
  cr_assert_str_eq(initial_value_op(v), want);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_3_zeros_initial_value_op)
{
  /* spec 7.3 / 2.4:
   *   tf.get_variable("z", [2, 3], initializer=tf.zeros_initializer())
   *   .initial_value.op.name -> "z/Initializer/zeros"                        */
  expect_initial_value_op("z", vs_zeros_initializer(), "z/Initializer/zeros");
}

Test(initializers, r7_3_ones_initial_value_op)
{
  /* spec 7.3 / 2.4:
   *   tf.get_variable("o", [2, 3], initializer=tf.ones_initializer())
   *   .initial_value.op.name -> "o/Initializer/ones"                         */
  expect_initial_value_op("o", vs_ones_initializer(), "o/Initializer/ones");
}

Test(initializers, r7_3_constant_initial_value_op)
{
  /* spec 7.3 / 2.4:
   *   tf.get_variable("c", [2, 3], initializer=tf.constant_initializer(1.))
   *   .initial_value.op.name -> "c/Initializer/Const"                        */
  expect_initial_value_op("c", vs_constant_initializer(1.0), "c/Initializer/Const");
}

Test(initializers, r7_3_random_normal_initial_value_op)
{
  /* spec 7.3 / 2.4:
   *   tf.get_variable("rn", [2, 3], initializer=tf.random_normal_initializer())
   *   .initial_value.op -> "rn/Initializer/random_normal" (AddV2)            */
  expect_initial_value_op("rn", vs_random_normal_initializer(0.0, 1.0, VS_SEED_NONE),
                          "rn/Initializer/random_normal");
}

Test(initializers, r7_3_truncated_normal_initial_value_op)
{
  /* spec 7.3 / 2.4:
   *   tf.get_variable("tn", [2, 3], initializer=tf.truncated_normal_initializer())
   *   .initial_value.op -> "tn/Initializer/truncated_normal" (AddV2)         */
  expect_initial_value_op("tn", vs_truncated_normal_initializer(0.0, 1.0, VS_SEED_NONE),
                          "tn/Initializer/truncated_normal");
}

Test(initializers, r7_3_random_uniform_initial_value_op)
{
  /* spec 7.3 / 2.4 (float bounds, TF's default minval=0.0, maxval=None -> 1):
   *   tf.get_variable("ru", [2, 3], initializer=tf.random_uniform_initializer())
   *   tf.get_variable("ru", [2, 3], initializer=tf.random_uniform_initializer(0.0, 1.0))
   *   .initial_value.op -> "ru/Initializer/random_uniform" (AddV2) for both.
   * Only Python *int* bounds 0 and 1 take random_ops' fast path
   * ("ru/Initializer/random_uniform/RandomUniform"); the C API's bounds are
   * doubles, i.e. TF's float bounds.                                        */
  expect_initial_value_op("ru", vs_random_uniform_initializer(0.0, 1.0, VS_SEED_NONE),
                          "ru/Initializer/random_uniform");
}

Test(initializers, r7_3_random_uniform_bounds_initial_value_op)
{
  /* spec 7.3 / 2.4:
   *   tf.get_variable("ru", [2, 3], initializer=tf.random_uniform_initializer(-2.0, 3.0))
   *   .initial_value.op -> "ru/Initializer/random_uniform" (AddV2)           */
  expect_initial_value_op("ru", vs_random_uniform_initializer(-2.0, 3.0, VS_SEED_NONE),
                          "ru/Initializer/random_uniform");
}

Test(initializers, r7_3_glorot_normal_initial_value_op)
{
  /* spec 7.2 / 2.4:
   *   tf.get_variable("gn", [2, 3], initializer=tf.glorot_normal_initializer())
   *   .initial_value.op -> "gn/Initializer/truncated_normal" (AddV2)         */
  expect_initial_value_op("gn", vs_glorot_normal_initializer(VS_SEED_NONE),
                          "gn/Initializer/truncated_normal");
}

Test(initializers, r7_2_untruncated_variance_scaling_initial_value_op)
{
  /* spec 7.2 / 2.4:
   *   tf.get_variable("w", [2, 3], initializer=tf.variance_scaling_initializer(
   *       1.0, "fan_in", "untruncated_normal"))
   *   .initial_value.op -> "w/Initializer/random_normal"                     */
  expect_initial_value_op(
      "w", vs_variance_scaling_initializer(1.0, VS_FAN_IN, VS_DIST_UNTRUNCATED_NORMAL, VS_SEED_NONE),
      "w/Initializer/random_normal");
}

Test(initializers, r7_3_constant_too_many_values)
{
  /* spec 7.3:
   *   tf.get_variable("v", [2, 3], initializer=tf.constant_initializer([0,1,2,3,4,5,6,7]))
   * TF 2.21 -> ValueError "Too many elements provided. Takes at most 6, but got 8."
   * (spec 7.3 / TF 1.15 text: "Too many elements provided. Needed at most 6, but received 8") */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  float vals[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  cr_assert_null(vs_get_variable(
      g, "v",
      &(vs_var_opts){.shape = VS_SHAPE(2, 3),
                     .initializer = vs_constant_initializer_array(vals, VS_FLOAT, 8, VS_UNKNOWN_SHAPE, false)},
      st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Too many elements provided. Takes at most 6, but got 8.");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_3_constant_fewer_values_allowed)
{
  /* spec 7.3 (last element repeated):
   *   tf.get_variable("v", [3, 4], initializer=tf.constant_initializer([0,...,7]))
   *   -> created, (3, 4), "v/Initializer/Const"                              */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  float vals[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  vs_var *v = get_opts(
      g, "v",
      &(vs_var_opts){.shape = VS_SHAPE(3, 4),
                     .initializer = vs_constant_initializer_array(vals, VS_FLOAT, 8, VS_UNKNOWN_SHAPE, false)},
      st);
  expect_shape(v, "(3, 4)");
  vs_initializer init = vs_var_initializer(v);
  cr_assert_eq(init.kind, VS_INIT_CONSTANT);
  cr_assert_eq(init.count, 8);
  cr_assert_str_eq(initial_value_op(v), "v/Initializer/Const");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_3_verify_shape_mismatch)
{
  /* spec 7.3:
   *   tf.get_variable("v", [3, 4],
   *       initializer=tf.constant_initializer([0,...,7], verify_shape=True))
   * TF 2.21 -> TypeError "Expected Tensor's shape: (3, 4), but got (8,)."
   * (spec 7.3 / TF 1.15 text: "Expected Tensor's shape: (3, 4), got (8,).")  */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  float vals[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  cr_assert_null(vs_get_variable(
      g, "v",
      &(vs_var_opts){.shape = VS_SHAPE(3, 4),
                     .initializer = vs_constant_initializer_array(vals, VS_FLOAT, 8, VS_UNKNOWN_SHAPE, true)},
      st));
  expect_error(st, VS_INVALID_ARGUMENT, "TypeError",
               "Expected Tensor's shape: (3, 4), but got (8,).");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_3_verify_shape_flat_list_against_matrix)
{
  /* spec 7.3 (same element count, other shape):
   *   tf.get_variable("v", [2, 4],
   *       initializer=tf.constant_initializer(list(range(8)), verify_shape=True))
   *   -> TypeError "Expected Tensor's shape: (2, 4), but got (8,)."          */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  float vals[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  cr_assert_null(vs_get_variable(
      g, "v",
      &(vs_var_opts){.shape = VS_SHAPE(2, 4),
                     .initializer = vs_constant_initializer_array(vals, VS_FLOAT, 8, VS_UNKNOWN_SHAPE, true)},
      st));
  expect_error(st, VS_INVALID_ARGUMENT, "TypeError",
               "Expected Tensor's shape: (2, 4), but got (8,).");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_3_verify_shape_match)
{
  /* spec 7.3:
   *   tf.get_variable("v", [2, 4], initializer=tf.constant_initializer(
   *       np.arange(8.).reshape(2, 4), verify_shape=True))  -> created, (2, 4) */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  float vals[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  vs_shape vshape = VS_SHAPE(2, 4);
  vs_var *v = get_opts(
      g, "v",
      &(vs_var_opts){.shape = VS_SHAPE(2, 4),
                     .initializer = vs_constant_initializer_array(vals, VS_FLOAT, 8, vshape, true)},
      st);
  expect_shape(v, "(2, 4)");
  vs_status_free(st);
  vs_graph_free(g);
}

/* ==== §7.4 tensor / constant initializers ================================= */

Test(initializers, r7_4_1_tensor_gives_shape_and_dtype)
{
  /* spec 7.4.1:
   *   c = tf.constant([1., 2.]); v = tf.get_variable("v", initializer=c)
   *   -> v:0, float32_ref, (2,), v.initial_value is c ("Const")              */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  float data[2] = {1.0f, 2.0f};
  vs_output c = vs_constant(g, data, VS_FLOAT, VS_SHAPE(2), NULL, st);
  expect_ok(st);
  vs_var *v = get_opts(g, "v", &(vs_var_opts){.initializer = vs_tensor_initializer(c)}, st);
  cr_assert_str_eq(vs_var_name(v), "v:0");
  cr_assert_str_eq(vs_var_dtype_name(v), "float32_ref");
  expect_shape(v, "(2,)");
  cr_assert_eq(vs_var_initializer(v).kind, VS_INIT_TENSOR);
  cr_assert_eq(vs_var_initial_value(v).op, c.op);
  cr_assert_str_eq(initial_value_op(v), "Const");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_4_2_tensor_with_shape_is_error)
{
  /* spec 7.4.2 / E6:
   *   tf.get_variable("v", initializer=tf.constant([1., 2.]), shape=[2])
   *   -> ValueError "If initializer is a constant, do not specify shape."   */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  float data[2] = {1.0f, 2.0f};
  vs_output c = vs_constant(g, data, VS_FLOAT, VS_SHAPE(2), NULL, st);
  expect_ok(st);
  cr_assert_null(vs_get_variable(
      g, "v", &(vs_var_opts){.shape = VS_SHAPE(2), .initializer = vs_tensor_initializer(c)}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "If initializer is a constant, do not specify shape.");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_4_3_host_scalar_value)
{
  /* spec 7.4.3:
   *   v = tf.get_variable("v", initializer=5.0)
   *   -> float32_ref, (), "v/initial_value"                                  */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  float five = 5.0f;
  vs_var *v = get_opts(
      g, "v", &(vs_var_opts){.initializer = vs_value_initializer(&five, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)}, st);
  cr_assert_str_eq(vs_var_dtype_name(v), "float32_ref");
  expect_shape(v, "()");
  cr_assert_eq(vs_var_initializer(v).kind, VS_INIT_VALUE);
  cr_assert_str_eq(initial_value_op(v), "v/initial_value");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_4_3_host_array_value)
{
  /* spec 7.4.3:
   *   v = tf.get_variable("v", initializer=np.zeros((2, 3), np.int32))
   *   -> int32_ref, (2, 3), "v/initial_value"                                */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  int32_t zeros[6] = {0};
  vs_shape shape = VS_SHAPE(2, 3);
  vs_var *v = get_opts(
      g, "v", &(vs_var_opts){.initializer = vs_value_initializer(zeros, VS_INT32, 6, shape)}, st);
  cr_assert_str_eq(vs_var_dtype_name(v), "int32_ref");
  expect_shape(v, "(2, 3)");
  cr_assert_str_eq(initial_value_op(v), "v/initial_value");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_4_4_tensor_dtype_mismatch)
{
  /* spec 7.4.4 / E7:
   *   tf.get_variable("v", initializer=tf.constant([1, 2]), dtype=tf.float32)
   *   -> ValueError "Initializer type '<dtype: 'int32'>' and explicit dtype '<dtype: 'float32'>' don't match." */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  int32_t data[2] = {1, 2};
  vs_output c = vs_constant(g, data, VS_INT32, VS_SHAPE(2), NULL, st);
  expect_ok(st);
  cr_assert_null(vs_get_variable(
      g, "v", &(vs_var_opts){.dtype = VS_FLOAT, .initializer = vs_tensor_initializer(c)}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Initializer type '<dtype: 'int32'>' and explicit dtype '<dtype: 'float32'>' "
               "don't match.");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_4_4_host_value_dtype_mismatch)
{
  /* spec 7.4.4 / E7 (host value; 5.0 converts to float32):
   *   tf.get_variable("v", initializer=5.0, dtype=tf.float64)
   *   -> ValueError "Initializer type '<dtype: 'float32'>' and explicit dtype '<dtype: 'float64'>' don't match." */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  float five = 5.0f;
  cr_assert_null(vs_get_variable(
      g, "v",
      &(vs_var_opts){.dtype = VS_DOUBLE, .initializer = vs_value_initializer(&five, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
      st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Initializer type '<dtype: 'float32'>' and explicit dtype '<dtype: 'float64'>' "
               "don't match.");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_4_4_matching_explicit_dtype)
{
  /* spec 7.4.4 (no error when equal):
   *   tf.get_variable("v", initializer=tf.constant([1, 2]), dtype=tf.int32) -> int32_ref, (2,) */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  int32_t data[2] = {1, 2};
  vs_output c = vs_constant(g, data, VS_INT32, VS_SHAPE(2), NULL, st);
  expect_ok(st);
  vs_var *v = get_opts(
      g, "v", &(vs_var_opts){.dtype = VS_INT32, .initializer = vs_tensor_initializer(c)}, st);
  cr_assert_str_eq(vs_var_dtype_name(v), "int32_ref");
  expect_shape(v, "(2,)");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_4_5_int_tensor_without_dtype)
{
  /* spec 7.4.5:
   *   tf.get_variable("v", initializer=tf.constant([1, 2])) -> int32_ref, (2,) */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  int32_t data[2] = {1, 2};
  vs_output c = vs_constant(g, data, VS_INT32, VS_SHAPE(2), NULL, st);
  expect_ok(st);
  vs_var *v = get_opts(g, "v", &(vs_var_opts){.initializer = vs_tensor_initializer(c)}, st);
  cr_assert_eq(vs_var_dtype(v), VS_INT32);
  cr_assert_str_eq(vs_var_dtype_name(v), "int32_ref");
  expect_shape(v, "(2,)");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_4_5_scope_dtype_ignored_for_tensor)
{
  /* spec 7.4.5 (variable_dtype=None):
   *   with tf.variable_scope("s", dtype=tf.float64):
   *     v = tf.get_variable("v", initializer=tf.constant([1., 2.]))
   *   -> s/v:0, float32_ref                                                  */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *s = vs_variable_scope_push(g, "s", &(vs_varscope_opts){.dtype = VS_DOUBLE}, st);
  expect_ok(st);
  float data[2] = {1.0f, 2.0f};
  vs_output c = vs_constant(g, data, VS_FLOAT, VS_SHAPE(2), NULL, st);
  expect_ok(st);
  vs_var *v = get_opts(g, "v", &(vs_var_opts){.initializer = vs_tensor_initializer(c)}, st);
  vs_variable_scope_pop(g, s, st);
  cr_assert_str_eq(vs_var_name(v), "s/v:0");
  cr_assert_str_eq(vs_var_dtype_name(v), "float32_ref");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_4_10_variable_requires_initial_value)
{
  /* spec 7.4.10:
   *   tf.Variable() -> ValueError "initial_value must be specified."         */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_null(vs_variable(g, &(vs_variable_opts){.name = "x"}, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "initial_value must be specified.");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(initializers, r7_4_tf_variable_from_tensor_and_value)
{
  /* spec 7.4 / 2.4:
   *   t = tf.Variable(tf.constant([1., 2.]), name="t"); w = tf.Variable(3.0)
   *   -> t:0 (2,) initial value "Const"; Variable:0 () "Variable/initial_value" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  float data[2] = {1.0f, 2.0f};
  vs_output c = vs_constant(g, data, VS_FLOAT, VS_SHAPE(2), NULL, st);
  expect_ok(st);
  vs_var *t = vs_variable(g, &(vs_variable_opts){.name = "t", .initial_value = vs_tensor_initializer(c)}, st);
  expect_ok(st);
  float three = 3.0f;
  vs_var *w = vs_variable(g, &(vs_variable_opts){.initial_value = vs_value_initializer(&three, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
                          st);
  expect_ok(st);
  cr_assert_str_eq(vs_var_name(t), "t:0");
  expect_shape(t, "(2,)");
  cr_assert_str_eq(initial_value_op(t), "Const");
  cr_assert_str_eq(vs_var_name(w), "Variable:0");
  expect_shape(w, "()");
  cr_assert_str_eq(initial_value_op(w), "Variable/initial_value");
  vs_status_free(st);
  vs_graph_free(g);
}

/* ==== §7.3 random streams: TensorFlow's CPU kernels, bit for bit ==========
 * A host model of TF's FillPhiloxRandom (random_op_cpu.h) and distributions
 * (random_distributions.h) that calls this machine's glibc logf/sincosf, as
 * TF's CPU kernels do; the device's streams must equal it element for
 * element. (The conformance cases compare with TensorFlow itself.) */

void sincosf(float x, float *s, float *c); /* glibc; _GNU_SOURCE is not set here */

/* The host references here call this machine's libm, as TF's CPU kernels
 * do, and random.cl ports the variants of logf/sincosf/log/sincos that
 * glibc >= 2.28 selects on x86-64 CPUs with FMA. With another C library or
 * CPU the host's last bits can differ while the device is right (it still
 * equals TF on such machines): the tests that compare with the host libm
 * say so and skip. The conformance cases, which carry TF's own values, run
 * everywhere. */
static void require_reference_libm(void)
{
#if defined(__x86_64__) && defined(__GLIBC__)
  int major = 0, minor = 0;
  sscanf(gnu_get_libc_version(), "%d.%d", &major, &minor);
  __builtin_cpu_init();
  if ((major > 2 || (major == 2 && minor >= 28)) && __builtin_cpu_supports("fma")) return;
#endif
  cr_skip_test("the host libm is not glibc >= 2.28 on an x86-64 CPU with FMA, whose results random.cl reproduces");
}

typedef struct philox_gen {
  uint32_t key[2], ctr[4];
} philox_gen;

static philox_gen philox_new(uint64_t seed, uint64_t seed2)
{
  return (philox_gen){{(uint32_t)seed, (uint32_t)(seed >> 32)}, {0, 0, (uint32_t)seed2, (uint32_t)(seed2 >> 32)}};
}

static void philox_skip(philox_gen *p, uint64_t count)
{
  uint32_t lo = (uint32_t)count, hi = (uint32_t)(count >> 32);
  p->ctr[0] += lo;
  if (p->ctr[0] < lo) ++hi;
  p->ctr[1] += hi;
  if (p->ctr[1] < hi && ++p->ctr[2] == 0) ++p->ctr[3];
}

/* One block of 4 words; the counter moves on by one. */
static void philox_next(philox_gen *p, uint32_t out[4])
{
  uint32_t c[4] = {p->ctr[0], p->ctr[1], p->ctr[2], p->ctr[3]}, k[2] = {p->key[0], p->key[1]};
  for (int r = 0; r < 10; r++) {
    uint64_t m0 = (uint64_t)0xD2511F53u * c[0], m1 = (uint64_t)0xCD9E8D57u * c[2];
    uint32_t n[4] = {(uint32_t)(m1 >> 32) ^ c[1] ^ k[0], (uint32_t)m1, (uint32_t)(m0 >> 32) ^ c[3] ^ k[1],
                     (uint32_t)m0};
    memcpy(c, n, sizeof c);
    k[0] += 0x9E3779B9u;
    k[1] += 0xBB67AE85u;
  }
  memcpy(out, c, sizeof c);
  philox_skip(p, 1);
}

static float u32_to_float(uint32_t x)
{
  uint32_t bits = 0x3f800000u | (x & 0x7fffffu);
  float f;
  memcpy(&f, &bits, sizeof f);
  return f - 1.0f;
}

/* BoxMullerFloat, as compiled into TF on Linux. */
static void box_muller(uint32_t x0, uint32_t x1, float *f0, float *f1)
{
  float u1 = u32_to_float(x0);
  if (u1 < 1.0e-7f) u1 = 1.0e-7f;
  const float v1 = (float)(2.0 * 3.14159265358979323846 * (double)u32_to_float(x1));
  const float u2 = sqrtf(-2.0f * logf(u1));
  sincosf(v1, f0, f1);
  *f0 *= u2;
  *f1 *= u2;
}

enum { UNIFORM, NORMAL, TRUNCATED };

/* TF's values of one run of a float32 random op over n elements. */
static void tf_reference(int kind, uint64_t seed, uint64_t seed2, uint64_t run, float *out, size_t n)
{
  philox_gen base = philox_new(seed, seed2);
  philox_skip(&base, run * n * 256); /* ReserveRandomOutputs(n, 256) per earlier run */
  for (size_t grp = 0; grp * 4 < n; grp++) {
    float res[4];
    philox_gen p = base;
    if (kind != TRUNCATED) {
      uint32_t w[4];
      philox_skip(&p, grp);
      philox_next(&p, w);
      for (int j = 0; j < 4; j++) res[j] = u32_to_float(w[j]);
      if (kind == NORMAL) {
        box_muller(w[0], w[1], &res[0], &res[1]);
        box_muller(w[2], w[3], &res[2], &res[3]);
      }
    } else { /* SingleSampleAdapter from block grp * 256 */
      uint32_t w[4];
      int used = 4, got = 0;
      philox_skip(&p, grp * 256);
      while (got < 4) {
        uint32_t x[2];
        for (int j = 0; j < 2; j++) {
          if (used == 4) {
            philox_next(&p, w);
            used = 0;
          }
          x[j] = w[used++];
        }
        float f[2];
        box_muller(x[0], x[1], &f[0], &f[1]);
        for (int j = 0; j < 2 && got < 4; j++)
          if (fabsf(f[j]) < 2.0f) res[got++] = f[j];
      }
    }
    for (size_t j = 0; j < 4 && grp * 4 + j < n; j++) out[grp * 4 + j] = res[j];
  }
}

/* Graph seed `gs` and op seed `os` give (seed, seed2) = (gs, os): the
 * variable's initial values over two runs of its initializer equal the
 * reference's. Mean 0 and stddev 1 (bounds 0, 1) leave the draws unchanged. */
static void expect_stream(int kind, int64_t gs, int64_t os, size_t n)
{
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_graph_set_random_seed(g, gs);
  vs_initializer init = kind == UNIFORM  ? vs_random_uniform_initializer(0.0, 1.0, os)
                        : kind == NORMAL ? vs_random_normal_initializer(0.0, 1.0, os)
                                         : vs_truncated_normal_initializer(0.0, 1.0, os);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE((int64_t)n), .initializer = init}, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  float *want = malloc(n * sizeof *want);
  cr_assert_not_null(want);
  for (uint64_t run = 0; run < 2; run++) {
    vs_op *op = vs_var_initializer_op(v);
    vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &op, 1, st);
    expect_ok(st);
    vs_tensor *t = vs_session_variable_value(s, v, st);
    expect_ok(st);
    tf_reference(kind, (uint64_t)gs, (uint64_t)os, run, want, n);
    const float *got = vs_tensor_data(t);
    size_t bad = 0, first = n;
    for (size_t i = 0; i < n; i++)
      if (memcmp(&got[i], &want[i], sizeof(float)) != 0 && bad++ == 0) first = i;
    cr_assert_eq(bad, 0, "kind %d seeds (%lld, %lld) run %llu: %zu of %zu differ, first [%zu] %a want %a", kind,
                 (long long)gs, (long long)os, (unsigned long long)run, bad, n, first, got[first], want[first]);
    vs_tensor_free(t);
  }
  free(want);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

Test(initializers, r7_3_uniform_stream_is_tfs)
{
  expect_stream(UNIFORM, 1, 2, 100003);
  expect_stream(UNIFORM, 87654321, 2147483646, 5);
}

Test(initializers, r7_3_normal_stream_is_tfs)
{
  require_reference_libm();
  expect_stream(NORMAL, 42, 0, 200001);
  expect_stream(NORMAL, 0, 1, 6);
}

Test(initializers, r7_3_truncated_normal_stream_is_tfs)
{
  require_reference_libm();
  expect_stream(TRUNCATED, 7, 3, 100002);
  expect_stream(TRUNCATED, 123456789, 987654321, 3);
}

/* random.cl's ports of glibc's logf/sincosf (float) and log/sincos (double)
 * against this machine's glibc, on the first OpenCL device: a probe kernel
 * appended to random.cl maps u to log(max(u, 1e-7)) and sincos(2 pi u), as
 * Box-Muller calls them. */
static const char PORTS_PROBE[] =
    "\n__kernel void glibc_ports(__global const T *u, __global T *lg, __global T *sn, __global T *cs) {\n"
    "  size_t k = get_global_id(0);\n"
    "#ifdef VS_FP64\n"
    "  double2 sc = glibc_sincos(0x1.921fb54442d18p+2 * u[k]);\n"
    "  lg[k] = glibc_log(u[k] < 1.0e-7 ? 1.0e-7 : u[k]);\n"
    "#else\n"
    "  float2 sc = glibc_sincosf((float)(0x1.921fb54442d18p+2 * (double)u[k]));\n"
    "  lg[k] = glibc_logf(u[k] < 1.0e-7f ? 1.0e-7f : u[k]);\n"
    "#endif\n"
    "  sn[k] = sc.x;\n"
    "  cs[k] = sc.y;\n"
    "}\n";

static char *read_text(const char *path, const char *tail)
{
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc((size_t)len + strlen(tail) + 1);
  cr_assert_not_null(text);
  cr_assert_eq(fread(text, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  strcpy(text + len, tail);
  return text;
}

/* Runs the probe over n inputs of `es` bytes each (4: float, 8: double);
 * out receives log, sin and cos (n each). Skips without an fp64 device. */
static void run_ports_probe(const void *u, size_t n, size_t es, void *out)
{
  cl_platform_id platform;
  cl_device_id dev;
  cl_uint np = 0;
  if (clGetPlatformIDs(1, &platform, &np) != CL_SUCCESS || np == 0 ||
      clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &dev, NULL) != CL_SUCCESS)
    cr_skip_test("no OpenCL device");
  char ext[8192] = "";
  clGetDeviceInfo(dev, CL_DEVICE_EXTENSIONS, sizeof ext - 1, ext, NULL);
  if (!strstr(ext, "cl_khr_fp64")) cr_skip_test("no cl_khr_fp64: random.cl falls back to the device's log");
  cl_int err;
  cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);
  cl_command_queue q = clCreateCommandQueue(ctx, dev, 0, &err);
  cr_assert_eq(err, CL_SUCCESS);
  char *src = read_text(VS_SOURCE_DIR "/cl_kernels/random.cl", PORTS_PROBE);
  const char *srcs[] = {src};
  cl_program prog = clCreateProgramWithSource(ctx, 1, srcs, NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);
  err = clBuildProgram(prog, 1, &dev, es == 8 ? "-cl-std=CL1.2 -DT=double -DVS_FP64" : "-cl-std=CL1.2 -DT=float",
                       NULL, NULL);
  if (err != CL_SUCCESS) {
    char log[16384] = "";
    clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
    cr_assert_fail("build: %d\n%s", err, log);
  }
  cl_kernel k = clCreateKernel(prog, "glibc_ports", &err);
  cr_assert_eq(err, CL_SUCCESS);
  cl_mem buf[4];
  for (int i = 0; i < 4; i++) {
    buf[i] = clCreateBuffer(ctx, i ? CL_MEM_WRITE_ONLY : CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, n * es,
                            i ? NULL : (void *)u, &err);
    cr_assert_eq(err, CL_SUCCESS);
    cr_assert_eq(clSetKernelArg(k, (cl_uint)i, sizeof buf[i], &buf[i]), CL_SUCCESS);
  }
  cr_assert_eq(clEnqueueNDRangeKernel(q, k, 1, NULL, &n, NULL, 0, NULL, NULL), CL_SUCCESS);
  for (int i = 0; i < 3; i++)
    cr_assert_eq(clEnqueueReadBuffer(q, buf[i + 1], CL_TRUE, 0, n * es, (char *)out + (size_t)i * n * es, 0, NULL,
                                     NULL),
                 CL_SUCCESS);
  free(src);
  for (int i = 0; i < 4; i++) clReleaseMemObject(buf[i]);
  clReleaseKernel(k);
  clReleaseProgram(prog);
  clReleaseCommandQueue(q);
  clReleaseContext(ctx);
}

void sincos(double x, double *s, double *c); /* glibc */

/* float: every one of the 2^23 inputs (u = k 2^-23). */
Test(initializers, r7_3_box_muller_float_ports_equal_glibc_on_every_input, .timeout = 600)
{
  require_reference_libm();
  enum { N = 1 << 23 };
  float *u = malloc((size_t)N * sizeof *u), *out = malloc((size_t)3 * N * sizeof *out);
  cr_assert(u && out);
  for (uint32_t m = 0; m < N; m++) u[m] = u32_to_float(m);
  run_ports_probe(u, N, sizeof(float), out);
  size_t bad = 0;
  for (uint32_t m = 0; m < N; m++) {
    float want[3];
    want[0] = logf(u[m] < 1.0e-7f ? 1.0e-7f : u[m]);
    sincosf((float)(2.0 * 3.14159265358979323846 * (double)u[m]), &want[1], &want[2]);
    for (int i = 0; i < 3; i++)
      if (memcmp(&out[(size_t)i * N + m], &want[i], sizeof(float)) != 0 && bad++ < 5)
        cr_log_error("u = %a, %s: device %a, glibc %a", u[m], i == 0 ? "logf" : i == 1 ? "sinf" : "cosf",
                     out[(size_t)i * N + m], want[i]);
  }
  cr_assert_eq(bad, 0, "%zu of %d results differ from glibc", bad, 3 * N);
  free(u);
  free(out);
}

/* double: 2^22 inputs u = m 2^-52 with random m, every fourth within 2^-12
 * of 1 (glibc log's separate path near 1). */
Test(initializers, r7_3_box_muller_double_ports_equal_glibc, .timeout = 600)
{
  require_reference_libm();
  enum { N = 1 << 22 };
  double *u = malloc((size_t)N * sizeof *u), *out = malloc((size_t)3 * N * sizeof *out);
  cr_assert(u && out);
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < N; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    uint64_t m = i % 4 == 1 ? (1ull << 52) - 1 - (x & ((1ull << 40) - 1)) : x & ((1ull << 52) - 1);
    uint64_t bits = 0x3ff0000000000000ull | m;
    double one_plus;
    memcpy(&one_plus, &bits, sizeof one_plus);
    u[i] = one_plus - 1.0;
  }
  run_ports_probe(u, N, sizeof(double), out);
  size_t bad = 0;
  for (size_t i = 0; i < N; i++) {
    double want[3];
    want[0] = log(u[i] < 1.0e-7 ? 1.0e-7 : u[i]);
    sincos(2.0 * 3.14159265358979323846 * u[i], &want[1], &want[2]);
    for (int j = 0; j < 3; j++)
      if (memcmp(&out[(size_t)j * N + i], &want[j], sizeof(double)) != 0 && bad++ < 5)
        cr_log_error("u = %a, %s: device %a, glibc %a", u[i], j == 0 ? "log" : j == 1 ? "sin" : "cos",
                     out[(size_t)j * N + i], want[j]);
  }
  cr_assert_eq(bad, 0, "%zu of %d results differ from glibc", bad, 3 * N);
  free(u);
  free(out);
}
