/* test_dtypes.c - every dtype vs_dtype offers creates, initialises, assigns
 * and fetches through the public API, or is refused when the variable is
 * created (issue 9, item 7).
 *
 * TF 2.21 (tf.compat.v1, RefVariables) creates and zero-initialises a
 * variable of each of these dtypes; string variables start as b''. Values
 * are compared bit for bit: zeros, Fill (over 1000 elements) and an assigned
 * "one" of each type, whose bytes are the type's 1 (float16 0x3C00,
 * bfloat16 0x3F80, complex 1+0j).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "varscope.h"

#define SUPPORT_FIXTURE
#include "support.h"

TestSuite(dtypes, .init = setup, .fini = teardown);

static const vs_dtype ALL[] = {VS_FLOAT,  VS_DOUBLE,    VS_INT32,    VS_UINT8,  VS_INT16,  VS_INT8,
                               VS_STRING, VS_COMPLEX64, VS_INT64,    VS_BOOL,   VS_BFLOAT16, VS_UINT16,
                               VS_COMPLEX128, VS_HALF,  VS_UINT32,   VS_UINT64};
#define N_ALL (sizeof ALL / sizeof ALL[0])

/* The bytes of the value 1 of a fixed-size dtype (little-endian host). */
static size_t one_bytes(vs_dtype t, unsigned char out[16]) {
  memset(out, 0, 16);
  switch (t) {
    case VS_FLOAT: { float f = 1.0f; memcpy(out, &f, 4); return 4; }
    case VS_DOUBLE: { double d = 1.0; memcpy(out, &d, 8); return 8; }
    case VS_COMPLEX64: { float f = 1.0f; memcpy(out, &f, 4); return 8; }
    case VS_COMPLEX128: { double d = 1.0; memcpy(out, &d, 8); return 16; }
    case VS_HALF: out[1] = 0x3C; return 2;
    case VS_BFLOAT16: out[0] = 0x80; out[1] = 0x3F; return 2;
    default: out[0] = 1; return vs_dtype_size(t);
  }
}

/* Every element of x is the `esize` bytes at `want` (or the string want_s). */
static void expect_all(const vs_tensor *x, vs_dtype t, size_t n, const void *want, size_t esize,
                       const char *want_s) {
  cr_assert_eq(vs_tensor_dtype(x), t);
  cr_assert_eq(vs_tensor_num_elements(x), n, "%s: %zu elements", vs_dtype_name(t), vs_tensor_num_elements(x));
  for (size_t i = 0; i < n; i++) {
    if (t == VS_STRING) {
      cr_assert_str_eq(nn(vs_tensor_string(x, i)), want_s, "%s element %zu", vs_dtype_name(t), i);
    } else {
      cr_assert(memcmp((const char *)vs_tensor_data(x) + i * esize, want, esize) == 0, "%s element %zu differs",
                vs_dtype_name(t), i);
    }
  }
}

/* zeros (a Const below 1000 elements, a Fill above), then an assigned 1. */
static void zeros_then_one(vs_dtype t, vs_shape shape, const char *name) {
  vs_var *v = vs_get_variable(g, name, &(vs_var_opts){.shape = shape, .dtype = t,
                                                     .initializer = vs_zeros_initializer()}, st);
  expect_ok(st);
  cr_assert_not_null(v);
  size_t n = (size_t)vs_shape_num_elements(shape);
  unsigned char one[16], zero[16] = {0};
  size_t esize = t == VS_STRING ? 0 : one_bytes(t, one);
  const char **strs = calloc(n, sizeof *strs);
  unsigned char *ones = calloc(n + 1, esize ? esize : 1);
  cr_assert(strs && ones);
  for (size_t i = 0; i < n; i++) {
    strs[i] = "one";
    if (esize) memcpy(ones + i * esize, one, esize);
  }
  vs_output value = vs_constant(g, t == VS_STRING ? (const void *)strs : ones, t, shape, NULL, st);
  expect_ok(st);
  vs_output assigned = vs_assign(g, v, value, NULL, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(v));
  vs_tensor *x = fetch(s, vs_var_value(v));
  expect_all(x, t, n, zero, esize, "");
  vs_tensor_free(x);
  x = fetch(s, assigned);
  expect_all(x, t, n, one, esize, "one");
  vs_tensor_free(x);
  x = vs_session_variable_value(s, v, st);
  expect_ok(st);
  expect_all(x, t, n, one, esize, "one");
  /* Written back directly (a checkpoint restore), after a re-initialisation. */
  run_op(s, vs_var_initializer_op(v));
  vs_session_assign_variable(s, v, x, st);
  expect_ok(st);
  vs_tensor_free(x);
  x = fetch(s, vs_var_value(v));
  expect_all(x, t, n, one, esize, "one");
  vs_tensor_free(x);
  vs_session_free(s);
  free(strs);
  free(ones);
}

Test(dtypes, every_dtype_zeros_assign_fetch_small)
{
  for (size_t i = 0; i < N_ALL; i++) {
    char name[32];
    snprintf(name, sizeof name, "small_%s", vs_dtype_name(ALL[i]));
    zeros_then_one(ALL[i], VS_SHAPE(3), name);
  }
}

Test(dtypes, every_dtype_zeros_by_fill_assign_fetch_large)
{
  for (size_t i = 0; i < N_ALL; i++) {
    char name[32];
    snprintf(name, sizeof name, "large_%s", vs_dtype_name(ALL[i]));
    zeros_then_one(ALL[i], VS_SHAPE(40, 40), name);
    /* TF builds zeros of 1600 elements as Fill(shape_as_tensor, Const). */
    char op[64];
    snprintf(op, sizeof op, "%s/Initializer/zeros", name);
    cr_assert_str_eq(nn(vs_op_type(vs_graph_operation_by_name(g, op))), "Fill");
  }
}

Test(dtypes, ones_initializer_small_and_filled)
{
  /* Every dtype but string takes ones(): TF's "Expected string, but got 1 of type 'int'." */
  for (size_t i = 0; i < N_ALL; i++) {
    if (ALL[i] == VS_STRING) continue;
    for (int big = 0; big < 2; big++) {
      char name[32];
      snprintf(name, sizeof name, "ones_%d_%s", big, vs_dtype_name(ALL[i]));
      vs_shape shape = big ? VS_SHAPE(40, 40) : VS_SHAPE(3);
      vs_var *v = vs_get_variable(g, name, &(vs_var_opts){.shape = shape, .dtype = ALL[i],
                                                         .initializer = vs_ones_initializer()}, st);
      expect_ok(st);
      vs_session *s = new_session(NULL);
      run_op(s, vs_var_initializer_op(v));
      vs_tensor *x = fetch(s, vs_var_value(v));
      unsigned char one[16];
      size_t esize = one_bytes(ALL[i], one);
      expect_all(x, ALL[i], (size_t)vs_shape_num_elements(shape), one, esize, NULL);
      vs_tensor_free(x);
      vs_session_free(s);
    }
  }
  vs_var *v = vs_get_variable(g, "ones_string", &(vs_var_opts){.shape = VS_SHAPE(3), .dtype = VS_STRING,
                                                              .initializer = vs_ones_initializer()}, st);
  expect_error(st, VS_INVALID_ARGUMENT, "TypeError", "Expected string, but got 1 of type 'int'.");
  cr_assert_null(v);
}

Test(dtypes, default_initializers_and_refusals_at_creation)
{
  /* get_variable's default: glorot_uniform for floats (float16 and bfloat16
   * drawn in float32, then rounded), zeros for integers, bool and string;
   * complex needs an initializer (TF's E8). */
  for (size_t i = 0; i < N_ALL; i++) {
    vs_dtype t = ALL[i];
    char name[32];
    snprintf(name, sizeof name, "d_%s", vs_dtype_name(t));
    vs_var *v = vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = t}, st);
    char msg[256];
    if (t == VS_COMPLEX64 || t == VS_COMPLEX128) {
      snprintf(msg, sizeof msg, "An initializer for variable %s of <dtype: '%s'> is required", name,
               vs_dtype_name(t));
      expect_error(st, VS_INVALID_ARGUMENT, "ValueError", msg);
      cr_assert_null(v);
    } else {
      expect_ok(st);
      vs_session *s = new_session(NULL);
      run_op(s, vs_var_initializer_op(v));
      vs_tensor *x = fetch(s, vs_var_value(v));
      cr_assert_eq(vs_tensor_num_elements(x), 2);
      vs_tensor_free(x);
      vs_session_free(s);
    }
  }
}

Test(dtypes, random_initializers_refuse_dtypes_outside_tfs_lists)
{
  /* random_ops.random_uniform accepts float16, bfloat16, float32, float64, int32, int64;
   * random_normal's op takes float16, bfloat16, float32, float64 (TF 2.21's texts). */
  vs_var *v = vs_get_variable(g, "u8", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_UINT8,
                                                     .initializer = vs_random_uniform_initializer(0, 5, 1)}, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Argument `dtype` got invalid value <dtype: 'uint8'>. Accepted dtypes are (tf.float16, "
               "tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64).");
  cr_assert_null(v);
  v = vs_get_variable(g, "c64", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_COMPLEX64,
                                              .initializer = vs_random_normal_initializer(0, 1, 1)}, st);
  expect_error(st, VS_INVALID_ARGUMENT, "TypeError",
               "Value passed to parameter 'dtype' has DataType complex64 not in list of allowed values: float16, "
               "bfloat16, float32, float64");
  cr_assert_null(v);
  v = vs_get_variable(g, "i32", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_INT32,
                                              .initializer = vs_random_uniform_initializer(0, 5, 1)}, st);
  expect_ok(st);
  cr_assert_not_null(v);
}

Test(dtypes, string_feed_identity_fetch_stays_on_host)
{
  vs_output ph = vs_placeholder(g, VS_STRING, VS_SHAPE(2), "ph", st);
  expect_ok(st);
  vs_output id = vs_identity(g, ph, "id", st);
  expect_ok(st);
  vs_tensor *feed = vs_tensor_new_strings(VS_SHAPE(2), (const char *[]){"", "a longer string"}, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  vs_tensor *got = NULL;
  vs_session_run(s, &ph, &feed, 1, &id, &got, 1, NULL, 0, st);
  expect_ok(st);
  cr_assert_str_eq(nn(vs_tensor_string(got, 0)), "");
  cr_assert_str_eq(nn(vs_tensor_string(got, 1)), "a longer string");
  cr_assert_null(vs_tensor_data(got));
  cr_assert_eq(vs_tensor_byte_size(got), 0);
  vs_tensor_free(got);
  vs_tensor_free(feed);
  vs_session_free(s);
}

Test(dtypes, string_tensor_constructor_errors)
{
  vs_tensor *t = vs_tensor_new_strings(VS_SHAPE(VS_DIM_UNKNOWN), NULL, st);
  expect_code(st, VS_INVALID_ARGUMENT);
  cr_assert_null(t);
  t = vs_tensor_new(VS_STRING, VS_SHAPE(1), NULL, st);
  expect_error(st, VS_INVALID_ARGUMENT, "TypeError",
               "vs_tensor_new: string tensors are made with vs_tensor_new_strings");
  cr_assert_null(t);
  t = vs_tensor_new_strings(VS_SHAPE(2), NULL, st); /* NULL: every element "" */
  expect_ok(st);
  cr_assert_str_eq(nn(vs_tensor_string(t, 1)), "");
  cr_assert_null(vs_tensor_string(t, 2));
  vs_tensor_free(t);
}

Test(dtypes, half_bfloat16_complex_constants_round_as_numpy)
{
  /* np.float16(0.1) -> 0x2E66, np.float16(1e-7) -> 0x0002 (subnormal),
   * np.float16(70000) -> inf 0x7C00, tf.bfloat16(0.1) -> 0x3DCD,
   * np.complex64(2.5) -> (2.5, 0). */
  static const struct { vs_dtype t; double v; uint16_t bits; } cases[] = {
      {VS_HALF, 0.1, 0x2E66}, {VS_HALF, 1e-7, 0x0002}, {VS_HALF, 70000, 0x7C00},
      {VS_HALF, -2.0, 0xC000}, {VS_BFLOAT16, 0.1, 0x3DCD}, {VS_BFLOAT16, -1.0, 0xBF80}};
  vs_session *s = NULL;
  vs_var *vars[6];
  for (size_t i = 0; i < 6; i++) {
    char name[16];
    snprintf(name, sizeof name, "c%zu", i);
    vars[i] = vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(1), .dtype = cases[i].t,
                                                      .initializer = vs_constant_initializer(cases[i].v)}, st);
    expect_ok(st);
  }
  vs_var *c = vs_get_variable(g, "cplx", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_COMPLEX64,
                                                       .initializer = vs_constant_initializer(2.5)}, st);
  expect_ok(st);
  s = new_session(NULL);
  for (size_t i = 0; i < 6; i++) {
    run_op(s, vs_var_initializer_op(vars[i]));
    vs_tensor *x = fetch(s, vs_var_value(vars[i]));
    uint16_t got;
    memcpy(&got, vs_tensor_data(x), 2);
    cr_assert_eq(got, cases[i].bits, "%s(%g): 0x%04X, want 0x%04X", vs_dtype_name(cases[i].t), cases[i].v, got,
                 cases[i].bits);
    vs_tensor_free(x);
  }
  run_op(s, vs_var_initializer_op(c));
  vs_tensor *x = fetch(s, vs_var_value(c));
  const float *f = vs_tensor_data(x);
  cr_assert(f[0] == 2.5f && f[1] == 0.0f && f[2] == 2.5f && f[3] == 0.0f);
  vs_tensor_free(x);
  vs_session_free(s);
}

Test(dtypes, string_add_concatenates_sub_mul_refused_others_unimplemented)
{
  /* TF 2.21: tf.add on strings concatenates; subtract/multiply raise TypeError
   * "Value passed to parameter 'x' has DataType string not in list of allowed values: ...". */
  vs_output a = vs_constant(g, (const char *[]){"a", "b"}, VS_STRING, VS_SHAPE(2), "a", st);
  expect_ok(st);
  vs_output x = vs_constant(g, (const char *[]){"x"}, VS_STRING, VS_SCALAR, "x", st);
  expect_ok(st);
  vs_output sum = vs_add(g, a, a, NULL, st);
  expect_ok(st);
  vs_output suffixed = vs_add(g, a, x, NULL, st);
  expect_ok(st);
  vs_output diff = vs_sub(g, a, a, NULL, st);
  expect_error(st, VS_INVALID_ARGUMENT, "TypeError",
               "Value passed to parameter 'x' has DataType string not in list of allowed values: bfloat16, "
               "float16, float32, float64, uint8, int8, uint16, int16, int32, int64, complex64, complex128, "
               "uint32, uint64");
  cr_assert_null(diff.op);
  vs_output prod = vs_mul(g, a, a, NULL, st);
  expect_code(st, VS_INVALID_ARGUMENT);
  cr_assert_null(prod.op);
  vs_output shaped = vs_reshape(g, a, VS_SHAPE(2, 1), NULL, st);
  expect_ok(st);
  vs_output ph = vs_placeholder(g, VS_STRING, VS_SHAPE(2), "ph", st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  vs_tensor *t = fetch(s, sum);
  cr_assert_str_eq(nn(vs_tensor_string(t, 0)), "aa");
  cr_assert_str_eq(nn(vs_tensor_string(t, 1)), "bb");
  vs_tensor_free(t);
  t = fetch(s, suffixed);
  cr_assert_str_eq(nn(vs_tensor_string(t, 1)), "bx");
  vs_tensor_free(t);
  /* Reshape runs on the host for strings (report_uninitialized_variables
   * reshapes its names); ops without a host kernel refuse strings
   * (tests/test_exec.c, registry/ops_without_a_host_kernel_refuse_strings). */
  t = fetch(s, shaped);
  cr_assert_eq(vs_tensor_shape(t).rank, 2);
  cr_assert_eq(vs_tensor_shape(t).dims[0], 2);
  cr_assert_eq(vs_tensor_shape(t).dims[1], 1);
  cr_assert_str_eq(nn(vs_tensor_string(t, 1)), "b");
  vs_tensor_free(t);
  t = NULL;
  /* An unfed string placeholder says TF's text. */
  vs_session_run(s, NULL, NULL, 0, &ph, &t, 1, NULL, 0, st);
  expect_error(st, VS_INVALID_ARGUMENT, "InvalidArgumentError",
               "You must feed a value for placeholder tensor 'ph' with dtype string and shape [2]\n\t [[{{node ph}}]]");
  vs_session_free(s);
}

/* String add broadcasts as the numeric adds do, and an operand with no
 * elements gives an empty result: a review found [0] + scalar fetched as a
 * scalar "(null)x" (the NULL terminator of the empty operand formatted) and
 * [2,3] + [3] refused at run time although the graph accepted it. */
Test(dtypes, string_add_broadcasts_and_empty_operands)
{
  vs_output m = vs_constant(g, (const char *[]){"a", "b", "c", "d", "e", "f"}, VS_STRING, VS_SHAPE(2, 3), "m", st);
  vs_output row = vs_constant(g, (const char *[]){"1", "2", "3"}, VS_STRING, VS_SHAPE(3), "row", st);
  vs_output none = vs_constant(g, (const char *[]){""}, VS_STRING, VS_SHAPE(0), "none", st);
  vs_output x = vs_constant(g, (const char *[]){"x"}, VS_STRING, VS_SCALAR, "x", st);
  expect_ok(st);
  vs_output trailing = vs_add(g, m, row, NULL, st);
  vs_output empty = vs_add(g, none, x, NULL, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  vs_tensor *t = fetch(s, trailing);
  vs_shape shape = vs_tensor_shape(t);
  cr_assert(shape.rank == 2 && shape.dims[0] == 2 && shape.dims[1] == 3);
  const char *want[6] = {"a1", "b2", "c3", "d1", "e2", "f3"};
  for (size_t i = 0; i < 6; i++) cr_assert_str_eq(nn(vs_tensor_string(t, i)), want[i], "element %zu", i);
  vs_tensor_free(t);
  t = fetch(s, empty);
  shape = vs_tensor_shape(t);
  cr_assert(shape.rank == 1 && shape.dims[0] == 0, "an empty + scalar add is not of shape (0,)");
  cr_assert_eq(vs_tensor_num_elements(t), 0);
  vs_tensor_free(t);
  vs_session_free(s);
}

/* IEEE binary16 and bfloat16 bits as a double. */
static double f16_value(uint16_t h, vs_dtype t) {
  if (t == VS_BFLOAT16) {
    uint32_t x = (uint32_t)h << 16;
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
  }
  int exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  double v = exp == 0 ? ldexp(mant, -24) : ldexp(mant | 0x400, exp - 25);
  return (h & 0x8000) ? -v : v;
}

Test(dtypes, float16_bfloat16_random_draws_are_float32_draws_rounded)
{
  /* The same seeds draw the same stream, and each op of the initializer
   * rounds to the variable's type, as TF's float16 ops do. Uniform [-3, 3)
   * = u * 6 - 3 with u, the product and the sum rounded: within 3 * 6 ulps
   * of 1 of the float32 value (0.009 for float16's 2^-11, 0.07 for
   * bfloat16's 2^-8). Truncated normal * 1 + 0: only the draw is rounded
   * (relative 2^-11 / 2^-8), |z| <= 2, mean 0 +- 0.1 over 4000. */
  vs_graph_set_random_seed(g, 7);
  vs_dtype types[] = {VS_FLOAT, VS_HALF, VS_BFLOAT16};
  vs_var *u[3], *n[3];
  for (int k = 0; k < 3; k++) {
    char name[32];
    snprintf(name, sizeof name, "u_%s", vs_dtype_name(types[k]));
    u[k] = vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(64), .dtype = types[k],
                                                   .initializer = vs_random_uniform_initializer(-3, 3, 11)}, st);
    expect_ok(st);
    snprintf(name, sizeof name, "n_%s", vs_dtype_name(types[k]));
    n[k] = vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(4000), .dtype = types[k],
                                                   .initializer = vs_truncated_normal_initializer(0, 1, 12)}, st);
    expect_ok(st);
  }
  vs_session *s = new_session(NULL);
  vs_tensor *uv[3], *nv[3];
  for (int k = 0; k < 3; k++) {
    run_op(s, vs_var_initializer_op(u[k]));
    run_op(s, vs_var_initializer_op(n[k]));
    uv[k] = fetch(s, vs_var_value(u[k]));
    nv[k] = fetch(s, vs_var_value(n[k]));
  }
  const float *uf = vs_tensor_data(uv[0]), *nf = vs_tensor_data(nv[0]);
  for (int k = 1; k < 3; k++) {
    double rel = types[k] == VS_HALF ? 1.0 / 2048 : 1.0 / 256;
    const uint16_t *uh = vs_tensor_data(uv[k]), *nh = vs_tensor_data(nv[k]);
    for (int i = 0; i < 64; i++) {
      double got = f16_value(uh[i], types[k]);
      cr_assert(fabs(got - uf[i]) <= 18 * rel, "%s u[%d] = %g, float32 %g", vs_dtype_name(types[k]), i, got,
                uf[i]);
      cr_assert(got >= -3 && got <= 3);
    }
    double sum = 0;
    for (int i = 0; i < 4000; i++) {
      double got = f16_value(nh[i], types[k]);
      cr_assert(fabs(got - nf[i]) <= rel * fabs(nf[i]) + 1e-7, "%s n[%d] = %g, float32 %g", vs_dtype_name(types[k]),
                i, got, nf[i]);
      cr_assert(fabs(got) <= 2.0 + rel * 2);
      sum += got;
    }
    cr_assert(fabs(sum / 4000) < 0.1, "mean %g", sum / 4000);
  }
  for (int k = 0; k < 3; k++) {
    vs_tensor_free(uv[k]);
    vs_tensor_free(nv[k]);
  }
  vs_session_free(s);
}
