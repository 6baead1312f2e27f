/* test_types.c - shapes, dtypes and the status API.
 *
 * Shape strings and dtype names/sizes were checked against TensorFlow 2.21
 * (tf.compat.v1 with v2 behaviour disabled: str(tf.TensorShape(...)),
 * tf.DType.name, .size, .as_datatype_enum).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "varscope.h"

static inline void expect_format(vs_shape shape, const char *want)
{
  char buf[64];
  memset(buf, 'X', sizeof buf);
  size_t n = vs_shape_format(shape, buf, sizeof buf);
  cr_assert_str_eq(buf, want);
  cr_assert_eq(n, strlen(want));
}

/* ==== vs_shape_format ===================================================== */

Test(types, shape_format_unknown_rank)
{
  /* str(tf.TensorShape(None)) -> "<unknown>"   (spec 3.3 printing) */
  expect_format(VS_UNKNOWN_SHAPE, "<unknown>");
}

Test(types, shape_format_scalar)
{
  /* str(tf.TensorShape([])) -> "()"   (spec 3.3) */
  expect_format(VS_SCALAR, "()");
}

Test(types, shape_format_rank1)
{
  /* str(tf.TensorShape([5])) -> "(5,)"   (spec 3.3) */
  expect_format(VS_SHAPE(5), "(5,)");
}

Test(types, shape_format_rank2)
{
  /* str(tf.TensorShape([2, 3])) -> "(2, 3)"   (spec 3.3) */
  expect_format(VS_SHAPE(2, 3), "(2, 3)");
}

Test(types, shape_format_rank4)
{
  /* str(tf.TensorShape([5, 5, 32, 32])) -> "(5, 5, 32, 32)" */
  expect_format(VS_SHAPE(5, 5, 32, 32), "(5, 5, 32, 32)");
}

Test(types, shape_format_unknown_dimension)
{
  /* tf.disable_v2_behavior(); str(tf.TensorShape([None, 3])) -> "(?, 3)"
   * (spec 3.3: "?" in V14/V115; TF 2.21 with v2 behaviour disabled prints "?" too) */
  expect_format(VS_SHAPE(VS_DIM_UNKNOWN, 3), "(?, 3)");
}

Test(types, shape_format_unknown_rank1)
{
  /* tf.disable_v2_behavior(); str(tf.TensorShape([None])) -> "(?,)" */
  expect_format(VS_SHAPE(VS_DIM_UNKNOWN), "(?,)");
}

Test(types, shape_format_sizes_like_snprintf)
{
  /* header contract: returns the length it needs; cap 0 writes nothing and
   * a short buffer is truncated and NUL-terminated, as snprintf. */
  vs_shape s = VS_SHAPE(784, 100);
  cr_assert_eq(vs_shape_format(s, NULL, 0), strlen("(784, 100)"));
  char small[5];
  memset(small, 'X', sizeof small);
  size_t n = vs_shape_format(s, small, sizeof small);
  cr_assert_eq(n, 10);
  cr_assert_str_eq(small, "(784");
}

/* ==== shape helpers ======================================================= */

Test(types, shape_fully_defined_and_num_elements)
{
  /* tf.TensorShape([2,3]).is_fully_defined() -> True, num_elements() -> 6;
   * [None,3] -> False / None; [] -> True / 1; None -> False / None */
  vs_shape a = VS_SHAPE(2, 3), b = VS_SHAPE(VS_DIM_UNKNOWN, 3), c = VS_SCALAR, d = VS_UNKNOWN_SHAPE;
  cr_assert(vs_shape_is_fully_defined(a));
  cr_assert_eq(vs_shape_num_elements(a), 6);
  cr_assert_not(vs_shape_is_fully_defined(b));
  cr_assert_eq(vs_shape_num_elements(b), VS_NPOS);
  cr_assert(vs_shape_is_fully_defined(c));
  cr_assert_eq(vs_shape_num_elements(c), 1);
  cr_assert_not(vs_shape_is_fully_defined(d));
  cr_assert_eq(vs_shape_num_elements(d), VS_NPOS);
}

Test(types, shape_is_compatible_with)
{
  /* TensorShape.is_compatible_with (spec 3.2 E4 check):
   * (None,3)~(2,3) True; (2,)~(1,) False; <unknown>~(2,3) True;
   * (2,3)~(2,3,1) False; ()~(1,) False */
  vs_shape p = VS_SHAPE(VS_DIM_UNKNOWN, 3), f = VS_SHAPE(2, 3), two = VS_SHAPE(2), one = VS_SHAPE(1),
           u = VS_UNKNOWN_SHAPE, r3 = VS_SHAPE(2, 3, 1), sc = VS_SCALAR;
  cr_assert(vs_shape_is_compatible(p, f));
  cr_assert(vs_shape_is_compatible(f, p));
  cr_assert_not(vs_shape_is_compatible(two, one));
  cr_assert(vs_shape_is_compatible(u, f));
  cr_assert_not(vs_shape_is_compatible(f, r3));
  cr_assert_not(vs_shape_is_compatible(sc, one));
}

/* ==== dtypes ============================================================== */

Test(types, dtype_numbers_match_tf_datatype)
{
  /* tf.float32.as_datatype_enum == 1, ... tf.uint64 == 23 */
  cr_assert_eq(VS_FLOAT, 1);
  cr_assert_eq(VS_DOUBLE, 2);
  cr_assert_eq(VS_INT32, 3);
  cr_assert_eq(VS_STRING, 7);
  cr_assert_eq(VS_COMPLEX64, 8);
  cr_assert_eq(VS_INT64, 9);
  cr_assert_eq(VS_BOOL, 10);
  cr_assert_eq(VS_BFLOAT16, 14);
  cr_assert_eq(VS_COMPLEX128, 18);
  cr_assert_eq(VS_HALF, 19);
  cr_assert_eq(VS_UINT64, 23);
}

Test(types, dtype_names)
{
  /* [d.name for d in (tf.float32, tf.float64, tf.int32, tf.uint8, tf.int16,
   *   tf.int8, tf.string, tf.complex64, tf.int64, tf.bool, tf.bfloat16,
   *   tf.uint16, tf.complex128, tf.float16, tf.uint32, tf.uint64)] */
  cr_assert_str_eq(vs_dtype_name(VS_FLOAT), "float32");
  cr_assert_str_eq(vs_dtype_name(VS_DOUBLE), "float64");
  cr_assert_str_eq(vs_dtype_name(VS_INT32), "int32");
  cr_assert_str_eq(vs_dtype_name(VS_UINT8), "uint8");
  cr_assert_str_eq(vs_dtype_name(VS_INT16), "int16");
  cr_assert_str_eq(vs_dtype_name(VS_INT8), "int8");
  cr_assert_str_eq(vs_dtype_name(VS_STRING), "string");
  cr_assert_str_eq(vs_dtype_name(VS_COMPLEX64), "complex64");
  cr_assert_str_eq(vs_dtype_name(VS_INT64), "int64");
  cr_assert_str_eq(vs_dtype_name(VS_BOOL), "bool");
  cr_assert_str_eq(vs_dtype_name(VS_BFLOAT16), "bfloat16");
  cr_assert_str_eq(vs_dtype_name(VS_UINT16), "uint16");
  cr_assert_str_eq(vs_dtype_name(VS_COMPLEX128), "complex128");
  cr_assert_str_eq(vs_dtype_name(VS_HALF), "float16");
  cr_assert_str_eq(vs_dtype_name(VS_UINT32), "uint32");
  cr_assert_str_eq(vs_dtype_name(VS_UINT64), "uint64");
}

Test(types, dtype_name_unknown_is_empty)
{
  /* header contract: "" for VS_DTYPE_DEFAULT and values that are no dtype */
  cr_assert_str_eq(vs_dtype_name(VS_DTYPE_DEFAULT), "");
  cr_assert_str_eq(vs_dtype_name((vs_dtype)11), "");
  cr_assert_str_eq(vs_dtype_name((vs_dtype)99), "");
}

Test(types, dtype_sizes)
{
  /* tf.float32.size == 4, tf.float64.size == 8, tf.int8.size == 1,
   * tf.bool.size == 1, tf.float16.size == 2, tf.complex128.size == 16;
   * string: 0 (header contract) */
  cr_assert_eq(vs_dtype_size(VS_FLOAT), 4);
  cr_assert_eq(vs_dtype_size(VS_DOUBLE), 8);
  cr_assert_eq(vs_dtype_size(VS_INT8), 1);
  cr_assert_eq(vs_dtype_size(VS_BOOL), 1);
  cr_assert_eq(vs_dtype_size(VS_HALF), 2);
  cr_assert_eq(vs_dtype_size(VS_BFLOAT16), 2);
  cr_assert_eq(vs_dtype_size(VS_COMPLEX64), 8);
  cr_assert_eq(vs_dtype_size(VS_COMPLEX128), 16);
  cr_assert_eq(vs_dtype_size(VS_INT64), 8);
  cr_assert_eq(vs_dtype_size(VS_STRING), 0);
  cr_assert_eq(vs_dtype_size(VS_DTYPE_DEFAULT), 0);
}

Test(types, dtype_is_valid)
{
  /* header contract */
  cr_assert(vs_dtype_is_valid(VS_FLOAT));
  cr_assert(vs_dtype_is_valid(VS_UINT64));
  cr_assert_not(vs_dtype_is_valid(VS_DTYPE_DEFAULT));
  cr_assert_not(vs_dtype_is_valid((vs_dtype)11));
}

Test(types, variable_dtype_name_has_ref_suffix)
{
  /* v = tf.get_variable("i", [1], dtype=tf.int64); v.dtype.name -> "int64_ref" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_var *v = vs_get_variable(g, "i", &(vs_var_opts){.shape = VS_SHAPE(1), .dtype = VS_INT64}, st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  cr_assert_eq(vs_var_dtype(v), VS_INT64);
  cr_assert_str_eq(vs_var_dtype_name(v), "int64_ref");
  vs_status_free(st);
  vs_graph_free(g);
}

/* ==== status API ========================================================== */

Test(types, status_new_is_ok)
{
  /* a fresh status is OK, with no message and no exception */
  vs_status *st = vs_status_new();
  cr_assert_not_null(st);
  cr_assert_eq(vs_status_code(st), VS_OK);
  cr_assert_str_eq(vs_status_message(st), "");
  cr_assert_eq(vs_status_exception(st), VS_EXC_NONE);
  cr_assert_str_eq(vs_status_exception_name(st), "");
  vs_status_free(st);
}

Test(types, status_null_is_ok)
{
  /* header contract: a NULL status reads as OK; freeing NULL is a no-op */
  cr_assert_eq(vs_status_code(NULL), VS_OK);
  vs_status_free(NULL);
}

Test(types, status_codes_numbered_as_tf_code)
{
  /* TF_Code: INVALID_ARGUMENT 3, NOT_FOUND 5, ALREADY_EXISTS 6,
   * FAILED_PRECONDITION 9, UNIMPLEMENTED 12 */
  cr_assert_eq(VS_INVALID_ARGUMENT, 3);
  cr_assert_eq(VS_NOT_FOUND, 5);
  cr_assert_eq(VS_ALREADY_EXISTS, 6);
  cr_assert_eq(VS_FAILED_PRECONDITION, 9);
  cr_assert_eq(VS_UNIMPLEMENTED, 12);
  cr_assert_eq(VS_UNAUTHENTICATED, 16);
}

Test(types, status_code_names)
{
  /* tensorflow::error::Code_Name: "OK", "INVALID_ARGUMENT", ... */
  cr_assert_str_eq(vs_code_name(VS_OK), "OK");
  cr_assert_str_eq(vs_code_name(VS_INVALID_ARGUMENT), "INVALID_ARGUMENT");
  cr_assert_str_eq(vs_code_name(VS_NOT_FOUND), "NOT_FOUND");
  cr_assert_str_eq(vs_code_name(VS_ALREADY_EXISTS), "ALREADY_EXISTS");
  cr_assert_str_eq(vs_code_name(VS_FAILED_PRECONDITION), "FAILED_PRECONDITION");
  cr_assert_str_eq(vs_code_name(VS_RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
}

Test(types, status_set_copies_message)
{
  /* header contract: vs_status_set copies the message */
  vs_status *st = vs_status_new();
  char msg[] = "boom";
  vs_status_set(st, VS_INVALID_ARGUMENT, msg);
  msg[0] = 'X';
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st), "boom");
  vs_status_free(st);
}

Test(types, status_set_ok_clears)
{
  /* header contract: a code of VS_OK clears the status */
  vs_status *st = vs_status_new();
  vs_status_set(st, VS_NOT_FOUND, "gone");
  vs_status_set(st, VS_OK, "ignored");
  cr_assert_eq(vs_status_code(st), VS_OK);
  cr_assert_str_eq(vs_status_message(st), "");
  cr_assert_str_eq(vs_status_exception_name(st), "");
  vs_status_free(st);
}

Test(types, status_value_error_from_store)
{
  /* tf.get_variable("a", [1]); tf.get_variable("a", [1]) -> ValueError (E1) */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_get_variable(g, "a", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  cr_assert_eq(vs_status_code(st), VS_OK);
  vs_get_variable(g, "a", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  cr_assert_eq(vs_status_code(st), VS_ALREADY_EXISTS);
  cr_assert_eq(vs_status_exception(st), VS_EXC_VALUE_ERROR);
  cr_assert_str_eq(vs_status_exception_name(st), "ValueError");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(types, status_type_error_from_scope)
{
  /* tf.variable_scope(None) -> TypeError (E11) */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_null(vs_variable_scope_push(g, NULL, NULL, st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_eq(vs_status_exception(st), VS_EXC_TYPE_ERROR);
  cr_assert_str_eq(vs_status_exception_name(st), "TypeError");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(types, status_runtime_error_from_nesting)
{
  /* entering "a", "b" and exiting "a" first -> RuntimeError (E20) */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_scope *a = vs_variable_scope_push(g, "a", NULL, st);
  vs_scope *b = vs_variable_scope_push(g, "b", NULL, st);
  cr_assert_eq(vs_status_code(st), VS_OK);
  vs_variable_scope_pop(g, a, st);
  cr_assert_eq(vs_status_exception(st), VS_EXC_RUNTIME_ERROR);
  cr_assert_str_eq(vs_status_exception_name(st), "RuntimeError");
  vs_variable_scope_pop(g, b, NULL);
  vs_variable_scope_pop(g, a, NULL);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(types, status_reset_on_entry)
{
  /* header contract: every call resets the status to OK on entry */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_null(vs_variable_scope_push(g, NULL, NULL, st));
  cr_assert_neq(vs_status_code(st), VS_OK);
  vs_var *v = vs_get_variable(g, "ok", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  cr_assert_not_null(v);
  cr_assert_eq(vs_status_code(st), VS_OK);
  cr_assert_str_eq(vs_status_message(st), "");
  cr_assert_str_eq(vs_status_exception_name(st), "");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(types, status_null_means_do_not_care)
{
  /* header contract: with a NULL status a failing call still fails cleanly */
  vs_graph *g = vs_graph_new();
  cr_assert_not_null(vs_get_variable(g, "a", &(vs_var_opts){.shape = VS_SHAPE(1)}, NULL));
  cr_assert_null(vs_get_variable(g, "a", &(vs_var_opts){.shape = VS_SHAPE(1)}, NULL));
  vs_graph_free(g);
}

Test(types, version_string)
{
  /* version.h: "0.1.0" */
  cr_assert_str_eq(vs_version(), "0.1.0");
}
