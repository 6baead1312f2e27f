/* test_api.c - the conventions every public header follows (types.h, top):
 * counts and indices are size_t, "not found" is NULL or VS_NPOS (with a
 * status where the call takes one), shapes travel by value. Each test pins
 * one call whose signature or not-found answer changed in issue 10, with
 * the exact value, code and message; NULL handles and out-of-range indices
 * give the documented answer and never crash. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "varscope.h"

#define SUPPORT_FIXTURE
#include "support.h"

TestSuite(api, .init = setup, .fini = teardown, .timeout = 60);

Test(api, npos_is_the_largest_size_t)
{
  cr_assert_eq(VS_NPOS, SIZE_MAX);
  cr_assert_eq(VS_NPOS + 1, 0);
}

Test(api, op_inputs_by_size_t_index)
{
  vs_output a = vs_constant_float(g, 1.0f, "a", st);
  vs_output b = vs_constant_float(g, 2.0f, "b", st);
  vs_output sum = vs_add(g, a, b, "sum", st);
  expect_ok(st);
  cr_assert_eq(vs_op_num_inputs(sum.op), 2);
  cr_assert_eq(vs_op_input(sum.op, 0).op, a.op);
  cr_assert_eq(vs_op_input(sum.op, 1).op, b.op);
  cr_assert_eq(vs_op_input(sum.op, 1).index, 0);
  /* Past the end, VS_NPOS and what a negative int becomes: {NULL, 0}. */
  size_t bad[] = {2, 3, VS_NPOS, (size_t)-2, (size_t)INT_MAX + 1};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    vs_output in = vs_op_input(sum.op, bad[k]);
    cr_assert_null(in.op, "index %zu", bad[k]);
    cr_assert_eq(in.index, 0, "index %zu", bad[k]);
  }
  /* A NULL op has no inputs. */
  cr_assert_eq(vs_op_num_inputs(NULL), 0);
  cr_assert_null(vs_op_input(NULL, 0).op);
}

Test(api, op_control_inputs_by_size_t_index)
{
  vs_output a = vs_constant_float(g, 1.0f, "a", st);
  vs_output b = vs_constant_float(g, 2.0f, "b", st);
  vs_op *deps[] = {a.op, b.op};
  vs_op *grp = vs_group(g, deps, 2, "grp", st);
  expect_ok(st);
  cr_assert_eq(vs_op_num_control_inputs(grp), 2);
  cr_assert_eq(vs_op_control_input(grp, 0), a.op);
  cr_assert_eq(vs_op_control_input(grp, 1), b.op);
  cr_assert_null(vs_op_control_input(grp, 2));
  cr_assert_null(vs_op_control_input(grp, VS_NPOS));
  cr_assert_eq(vs_op_num_control_inputs(NULL), 0);
  cr_assert_null(vs_op_control_input(NULL, 0));
}

Test(api, group_control_inputs_skip_null_and_repeats)
{
  /* tf.group(a, a, None-less list): each dependency once, in list order,
   * all present as soon as the group exists. */
  vs_output a = vs_constant_float(g, 1.0f, "a", st);
  vs_output b = vs_constant_float(g, 2.0f, "b", st);
  vs_op *deps[] = {a.op, NULL, a.op, b.op};
  vs_op *grp = vs_group(g, deps, 4, "grp", st);
  expect_ok(st);
  cr_assert_eq(vs_op_num_control_inputs(grp), 2);
  cr_assert_eq(vs_op_control_input(grp, 0), a.op);
  cr_assert_eq(vs_op_control_input(grp, 1), b.op);
}

Test(api, group_inside_a_control_block_keeps_the_block_first)
{
  /* The block's control input comes first, then the group's own. */
  vs_output a = vs_constant_float(g, 1.0f, "a", st);
  vs_output b = vs_constant_float(g, 2.0f, "b", st);
  vs_control_dependencies_push(g, &a.op, 1, st);
  expect_ok(st);
  vs_op *grp = vs_group(g, &b.op, 1, "grp", st);
  expect_ok(st);
  vs_control_dependencies_pop(g, st);
  expect_ok(st);
  cr_assert_eq(vs_op_num_control_inputs(grp), 2);
  cr_assert_eq(vs_op_control_input(grp, 0), a.op);
  cr_assert_eq(vs_op_control_input(grp, 1), b.op);
}

Test(api, output_name_only_for_an_output_the_op_has)
{
  vs_output c = vs_constant_float(g, 1.0f, "c", st);
  vs_op *noop = vs_no_op(g, "n", st);
  expect_ok(st);
  cr_assert_str_eq(vs_output_name(c), "c:0");
  cr_assert_null(vs_output_name((vs_output){c.op, 1}));
  cr_assert_null(vs_output_name((vs_output){c.op, VS_NPOS}));
  cr_assert_null(vs_output_name((vs_output){noop, 0}));
  cr_assert_null(vs_output_name((vs_output){NULL, 0}));
}

Test(api, graph_operation_lookups_on_null_and_out_of_range)
{
  vs_output c = vs_constant_float(g, 1.0f, "c", st);
  expect_ok(st);
  cr_assert_eq(vs_graph_num_operations(g), 1);
  cr_assert_eq(vs_graph_operation(g, 0), c.op);
  cr_assert_null(vs_graph_operation(g, 1));
  cr_assert_null(vs_graph_operation(g, VS_NPOS));
  cr_assert_eq(vs_graph_num_operations(NULL), 0);
  cr_assert_null(vs_graph_operation(NULL, 0));
  cr_assert_null(vs_graph_operation_by_name(g, "nope"));
  cr_assert_null(vs_graph_operation_by_name(g, NULL));
  cr_assert_null(vs_graph_operation_by_name(NULL, "c"));
}

/* A negative count passed through the old int signatures arrives as a huge
 * size_t: refused with the call's INVALID_ARGUMENT, nothing built. */
Test(api, negative_counts_become_huge_and_are_refused)
{
  vs_output c = vs_constant_float(g, 1.0f, "c", st);
  expect_ok(st);
  size_t n_ops = vs_graph_num_operations(g);
  size_t minus_one = (size_t)-1;

  cr_assert_null(vs_group(g, &c.op, minus_one, "grp", st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "vs_group: graph must not be NULL, nor ops when n > 0");

  vs_control_dependencies_push(g, &c.op, minus_one, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "vs_control_dependencies_push: graph must not be NULL, nor ops when n > 0");
  vs_control_dependencies_pop(g, st);
  expect_code(st, VS_FAILED_PRECONDITION); /* nothing was entered */

  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  expect_ok(st);
  n_ops = vs_graph_num_operations(g);
  cr_assert_null(vs_variables_initializer(g, &v, minus_one, "init", st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "vs_variables_initializer: graph must not be NULL, nor vars when n > 0");
  cr_assert_null(vs_report_uninitialized_variables(g, &v, minus_one, st).op);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "report_uninitialized_variables: bad arguments");
  cr_assert_eq(vs_graph_num_operations(g), n_ops, "a refused call built an op");
}

Test(api, session_run_refuses_huge_counts)
{
  vs_output c = vs_constant_float(g, 1.0f, "c", st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &c, &t, VS_NPOS, NULL, 0, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "vs_session_run: bad arguments");
  cr_assert_null(t);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &c.op, (size_t)INT_MAX + 1, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "vs_session_run: bad arguments");
  vs_session_free(s);
}

Test(api, session_op_device_is_npos_until_placed)
{
  vs_output c = vs_constant_float(g, 1.0f, "c", st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  cr_assert_eq(vs_session_op_device(s, c.op), VS_NPOS);
  vs_tensor *t = fetch(s, c);
  vs_tensor_free(t);
  size_t dev = vs_session_op_device(s, c.op);
  cr_assert_lt(dev, vs_num_devices(NULL), "placed on device %zu", dev);
  /* NULL handles, and an op of another graph (its index means nothing here). */
  cr_assert_eq(vs_session_op_device(NULL, c.op), VS_NPOS);
  cr_assert_eq(vs_session_op_device(s, NULL), VS_NPOS);
  vs_graph *other = vs_graph_new();
  vs_output d = vs_constant_float(other, 2.0f, "d", st);
  expect_ok(st);
  cr_assert_eq(vs_session_op_device(s, d.op), VS_NPOS);
  vs_session_free(s);
  vs_graph_free(other);
}

Test(api, shape_utilities_take_shapes_by_value)
{
  cr_assert(vs_shape_is_fully_defined(VS_SHAPE(2, 3)));
  cr_assert_not(vs_shape_is_fully_defined(VS_UNKNOWN_SHAPE));
  cr_assert_eq(vs_shape_num_elements(VS_SHAPE(2, 3)), 6);
  cr_assert_eq(vs_shape_num_elements(VS_SCALAR), 1);
  cr_assert_eq(vs_shape_num_elements(VS_SHAPE(0, 3)), 0);
  cr_assert_eq(vs_shape_num_elements(VS_SHAPE(VS_DIM_UNKNOWN, 3)), VS_NPOS);
  cr_assert_eq(vs_shape_num_elements(VS_UNKNOWN_SHAPE), VS_NPOS);
  /* Over INT64_MAX / 16 elements: not countable in bytes. */
  cr_assert_eq(vs_shape_num_elements(VS_SHAPE(INT64_MAX / 8)), VS_NPOS);
  cr_assert_eq(vs_shape_num_elements(VS_SHAPE(INT64_MAX / 16)), (size_t)(INT64_MAX / 16));
  cr_assert(vs_shape_is_compatible(VS_SHAPE(VS_DIM_UNKNOWN, 3), VS_SHAPE(2, 3)));
  cr_assert_not(vs_shape_is_compatible(VS_SHAPE(2), VS_SHAPE(3)));
  cr_assert(vs_shape_is_compatible(VS_UNKNOWN_SHAPE, VS_SHAPE(3)));
  char buf[32];
  cr_assert_eq(vs_shape_format(VS_SHAPE(VS_DIM_UNKNOWN, 3), buf, sizeof buf), strlen("(?, 3)"));
  cr_assert_str_eq(buf, "(?, 3)");
  /* cap 0 sizes the buffer, which may then be NULL. */
  cr_assert_eq(vs_shape_format(VS_SCALAR, NULL, 0), 2);
  cr_assert_eq(vs_shape_format(VS_UNKNOWN_SHAPE, NULL, 0), strlen("<unknown>"));
}

Test(api, value_initializer_unknown_shape_is_the_default)
{
  /* The zero vs_shape replaces the old NULL: a scalar for one value, a
   * vector otherwise. */
  float one = 1.0f, three[3] = {1, 2, 3};
  vs_initializer s = vs_value_initializer(&one, VS_FLOAT, 1, VS_UNKNOWN_SHAPE);
  cr_assert(s.value_shape.known);
  cr_assert_eq(s.value_shape.rank, 0);
  vs_initializer v = vs_value_initializer(three, VS_FLOAT, 3, (vs_shape){0});
  cr_assert_eq(v.value_shape.rank, 1);
  cr_assert_eq(v.value_shape.dims[0], 3);
  vs_initializer m = vs_value_initializer(three, VS_FLOAT, 3, VS_SHAPE(3, 1));
  cr_assert_eq(m.value_shape.rank, 2);
  vs_initializer c = vs_constant_initializer_array(three, VS_FLOAT, 3, VS_UNKNOWN_SHAPE, false);
  cr_assert_eq(c.value_shape.rank, 1);
  cr_assert_eq(c.value_shape.dims[0], 3);
}

Test(api, compute_fans_by_value)
{
  double in = 0, out = 0;
  vs_compute_fans(VS_SHAPE(5, 5, 32, 64), &in, &out);
  cr_assert_float_eq(in, 5 * 5 * 32, 1e-12);
  cr_assert_float_eq(out, 5 * 5 * 64, 1e-12);
  vs_compute_fans(VS_UNKNOWN_SHAPE, &in, &out);
  cr_assert_float_eq(in, 1, 1e-12);
  cr_assert_float_eq(out, 1, 1e-12);
  /* A rank past VS_MAX_RANK is never read past dims[]. */
  vs_compute_fans((vs_shape){.known = true, .rank = 1000}, &in, &out);
  cr_assert_float_eq(in, 1, 1e-12);
  vs_initializer gu = vs_glorot_uniform_initializer(1);
  double limit = vs_initializer_spread(&gu, VS_SHAPE(2, 4), st);
  expect_ok(st);
  cr_assert_float_eq(limit, 1.0, 1e-12); /* sqrt(3 * 1 / ((2 + 4) / 2)) */
}

Test(api, device_resolve_gives_npos_on_error)
{
  cr_assert_eq(vs_device_resolve("/device:NOSUCH:0", st), VS_NPOS);
  expect_code(st, VS_NOT_FOUND);
  cr_assert_eq(vs_device_resolve("not a device", st), VS_NPOS);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "cannot parse device name 'not a device' (want /device:TYPE:N)");
}

Test(api, checkpoint_lookups_on_null)
{
  /* Out of range and a missing key on a real file: test_checkpoint. */
  vs_ckpt_tensor_info in = {.key = "untouched"};
  vs_checkpoint_tensor_info(NULL, 0, &in, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "vs_checkpoint_tensor_info: reader and info are required");
  cr_assert_str_eq(in.key, "untouched");
  cr_assert_eq(vs_checkpoint_find(NULL, "v"), VS_NPOS);
  cr_assert_eq(vs_checkpoint_num_tensors(NULL), 0);
}
