/* test_resource.c - resource variables (use_resource=True) in graph mode:
 * the ops TF 2.21's ResourceVariable builds, their sessions' behaviour and
 * texts (checked against TF 2.21 with the oracle probes of the
 * conformance suite `resource`), and the C-only rules: the switches' enums,
 * NULL arguments, the resource dtype. */
#define SUPPORT_FIXTURE
#include "support.h"

TestSuite(resource, .init = setup, .fini = teardown);

static vs_var *rvar(const char *name, vs_shape shape, vs_initializer init) {
  vs_var *v = vs_get_variable(g, name, &(vs_var_opts){.shape = shape, .initializer = init,
                                                      .use_resource = VS_OPT_TRUE}, st);
  assert_ok();
  cr_assert_not_null(v);
  return v;
}

static void assert_op(const char *name, const char *type) {
  vs_op *op = vs_graph_operation_by_name(g, name);
  cr_assert_not_null(op, "no op %s", name);
  cr_assert_str_eq(vs_op_type(op), type, "%s", name);
}

/* Runs one fetch and returns its float values (n of them). */
static void run_floats(vs_session *s, vs_output x, const float *want, size_t n) {
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &x, &t, 1, NULL, 0, st);
  assert_ok();
  const float *p = vs_tensor_data(t);
  for (size_t i = 0; i < n; i++) cr_assert_float_eq(p[i], want[i], 1e-6, "element %zu", i);
  vs_tensor_free(t);
}

static vs_output cvec(const float *v, int64_t n) {
  vs_output c = vs_constant(g, v, VS_FLOAT, VS_SHAPE(n), NULL, st);
  assert_ok();
  return c;
}

Test(resource, builds_tf_ops_and_names) {
  vs_var *v = rvar("v", VS_SHAPE(2), vs_ones_initializer());
  cr_assert(vs_var_is_resource(v));
  cr_assert_str_eq(vs_var_name(v), "v:0");
  cr_assert_str_eq(vs_var_dtype_name(v), "float32");
  cr_assert_eq(vs_var_dtype(v), VS_FLOAT);
  cr_assert_eq(vs_op_output_dtype(vs_var_op(v)), VS_RESOURCE);
  cr_assert_str_eq(vs_output_name(vs_var_value(v)), "v/Read/ReadVariableOp:0");
  cr_assert_str_eq(vs_op_name(vs_var_initializer_op(v)), "v/Assign");
  assert_op("v/Initializer/ones", "Const");
  assert_op("v", "VarHandleOp");
  assert_op("v/IsInitialized/VarIsInitializedOp", "VarIsInitializedOp");
  assert_op("v/Assign", "AssignVariableOp");
  assert_op("v/Read/ReadVariableOp", "ReadVariableOp");
  cr_assert_str_eq(vs_dtype_name(VS_RESOURCE), "resource");
  cr_assert_eq(vs_dtype_size(VS_RESOURCE), 0);
  /* tf.Variable with a host value: "w/Initializer/initial_value". */
  float three = 3;
  vs_var *w = vs_variable(g, &(vs_variable_opts){.name = "w", .use_resource = VS_OPT_TRUE,
                                                  .initial_value = vs_value_initializer(&three, VS_FLOAT, 1, VS_SCALAR)}, st);
  assert_ok();
  cr_assert(vs_var_is_resource(w));
  assert_op("w/Initializer/initial_value", "Const");
  assert_op("w/Assign", "AssignVariableOp");
}

Test(resource, session_reads_assigns_and_updates) {
  vs_var *v = rvar("v", VS_SHAPE(2), vs_ones_initializer());
  vs_var *w = rvar("w", VS_SHAPE(2), vs_zeros_initializer());
  vs_output a = vs_assign(g, v, cvec((float[]){5, 6}, 2), NULL, st);
  assert_ok();
  cr_assert_str_eq(vs_op_name(a.op), "ReadVariableOp");
  cr_assert_eq(vs_op_num_control_inputs(a.op), 1);
  cr_assert_str_eq(vs_op_name(vs_op_control_input(a.op, 0)), "AssignVariableOp");
  vs_output b = vs_assign_add(g, v, cvec((float[]){1, 1}, 2), NULL, st);
  assert_ok();
  cr_assert_str_eq(vs_op_name(vs_op_control_input(b.op, 0)), "AssignAddVariableOp");
  vs_output c = vs_assign_sub(g, v, cvec((float[]){2, 2}, 2), NULL, st);
  assert_ok();
  vs_session *s = vs_session_new(g, NULL, st);
  assert_ok();
  vs_output val = vs_var_value(v);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &val, &t, 1, NULL, 0, st);
  assert_error(VS_FAILED_PRECONDITION, "FailedPreconditionError",
               "Could not find variable v. This could mean that the variable has been deleted. In TF1, it can also "
               "mean the variable is uninitialized. Debug info: container=localhost, status error message=Container "
               "localhost does not exist. (Could not find resource: localhost/v)\n\t [[{{node v/Read/ReadVariableOp}}]]");
  vs_session_run(s, NULL, NULL, 0, &b, &t, 1, NULL, 0, st);
  assert_error(VS_NOT_FOUND, "NotFoundError",
               "Container localhost does not exist. (Could not find resource: localhost/v)\n\t "
               "[[{{node AssignAddVariableOp}}]]");
  vs_op *winit = vs_var_initializer_op(w);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &winit, 1, st);
  assert_ok();
  vs_session_run(s, NULL, NULL, 0, &val, &t, 1, NULL, 0, st);
  assert_error(VS_FAILED_PRECONDITION, "FailedPreconditionError",
               "Could not find variable v. This could mean that the variable has been deleted. In TF1, it can also "
               "mean the variable is uninitialized. Debug info: container=localhost, status error message=Resource "
               "localhost/v/N10tensorflow3VarE does not exist.\n\t [[{{node v/Read/ReadVariableOp}}]]");
  vs_op *vinit = vs_var_initializer_op(v);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &vinit, 1, st);
  assert_ok();
  run_floats(s, val, (float[]){1, 1}, 2);
  run_floats(s, a, (float[]){5, 6}, 2);
  run_floats(s, b, (float[]){6, 7}, 2);
  run_floats(s, c, (float[]){4, 5}, 2);
  vs_output init = vs_is_variable_initialized(g, v, st);
  assert_ok();
  cr_assert_str_eq(vs_op_name(init.op), "VarIsInitializedOp");
  vs_session_run(s, NULL, NULL, 0, &init, &t, 1, NULL, 0, st);
  assert_ok();
  cr_assert_eq(*(unsigned char *)vs_tensor_data(t), 1);
  vs_tensor_free(t);
  vs_session_free(s);
}

Test(resource, static_errors_in_tf_words) {
  vs_var *v = rvar("v", VS_SHAPE(2), vs_zeros_initializer());
  vs_output three = cvec((float[]){1, 2, 3}, 3);
  vs_assign(g, v, three, &(vs_assign_opts){.validate_shape = VS_OPT_FALSE}, st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError",
               "Cannot assign value to variable ' v:0': Shape mismatch.The variable shape (2,), and the assigned "
               "value shape (3,) are incompatible.");
  vs_assign_add(g, v, three, NULL, st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError",
               "Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes are [2] and [3]. for '{{node "
               "AssignAddVariableOp}} = AssignAddVariableOp[dtype=DT_FLOAT](v, Const)' with input shapes: [], [3].");
  int32_t iv[2] = {1, 2};
  vs_output ints = vs_constant(g, iv, VS_INT32, VS_SHAPE(2), NULL, st);
  assert_ok();
  vs_assign(g, v, ints, NULL, st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError",
               "Tensor conversion requested dtype float32 for Tensor with dtype int32: <tf.Tensor 'Const_1:0' "
               "shape=(2,) dtype=int32>");
  vs_initialized_value(g, v, st);
  cr_assert_eq(vs_status_code(st), VS_UNIMPLEMENTED);
  /* Reusing with another dtype names the plain dtype. */
  vs_scope *sc = vs_variable_scope_push(g, "", &(vs_varscope_opts){.reuse = VS_REUSE_TRUE}, st);
  assert_ok();
  vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_INT32}, st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError",
               "Trying to share variable v, but specified dtype int32 and found dtype float32.");
  vs_variable_scope_pop(g, sc, st);
  assert_ok();
}

Test(resource, runtime_shape_errors) {
  vs_var *v = rvar("v", VS_SHAPE(2), vs_zeros_initializer());
  vs_output p = vs_placeholder(g, VS_FLOAT, VS_SHAPE(VS_DIM_UNKNOWN), "p", st);
  assert_ok();
  vs_output a = vs_assign(g, v, p, NULL, st);
  vs_output aa = vs_assign_add(g, v, p, NULL, st);
  assert_ok();
  vs_session *s = vs_session_new(g, NULL, st);
  assert_ok();
  vs_op *init = vs_var_initializer_op(v);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  assert_ok();
  vs_tensor *x3 = vs_tensor_new(VS_FLOAT, VS_SHAPE(3), (float[]){1, 2, 3}, st), *t = NULL;
  vs_session_run(s, &p, &x3, 1, &a, &t, 1, NULL, 0, st);
  assert_error(VS_INVALID_ARGUMENT, "InvalidArgumentError",
               "Trying to assign to variable with tensor with wrong shape. Expected [2] got [3]\n\t "
               "[[{{node AssignVariableOp}}]]");
  vs_tensor *x1 = vs_tensor_new(VS_FLOAT, VS_SHAPE(1), (float[]){1}, st);
  vs_session_run(s, &p, &x1, 1, &aa, &t, 1, NULL, 0, st);
  assert_error(VS_INVALID_ARGUMENT, "InvalidArgumentError",
               "Cannot update variable with shape [2] using a Tensor with shape [1], shapes must be equal.\n\t "
               "[[{{node AssignAddVariableOp}}]]");
  vs_tensor_free(x3);
  vs_tensor_free(x1);
  vs_session_free(s);
}

Test(resource, scope_and_graph_switches) {
  vs_scope *sc = vs_variable_scope_push(g, "s", NULL, st);
  assert_ok();
  cr_assert_eq(vs_scope_use_resource(sc), VS_OPT_DEFAULT);
  vs_scope_set_use_resource(sc, VS_OPT_TRUE, st);
  assert_ok();
  vs_var *y = vs_get_variable(g, "y", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  assert_ok();
  cr_assert(vs_var_is_resource(y));
  vs_var *z = vs_get_variable(g, "z", &(vs_var_opts){.shape = VS_SHAPE(1), .use_resource = VS_OPT_FALSE}, st);
  assert_ok();
  cr_assert_not(vs_var_is_resource(z));
  vs_scope *inner = vs_variable_scope_push(g, "u", NULL, st);
  assert_ok();
  cr_assert_eq(vs_scope_use_resource(inner), VS_OPT_TRUE);
  vs_variable_scope_pop(g, inner, st);
  vs_variable_scope_pop(g, sc, st);
  assert_ok();
  vs_var *r = vs_get_variable(g, "r", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  cr_assert_not(vs_var_is_resource(r));
  cr_assert_not(vs_resource_variables_enabled(g));
  vs_enable_resource_variables(g, true, st);
  assert_ok();
  cr_assert(vs_resource_variables_enabled(g));
  vs_var *q = vs_get_variable(g, "q", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  assert_ok();
  cr_assert(vs_var_is_resource(q));
  float one = 1;
  vs_var *w = vs_variable(g, &(vs_variable_opts){.initial_value = vs_value_initializer(&one, VS_FLOAT, 1, VS_SCALAR)}, st);
  assert_ok();
  cr_assert(vs_var_is_resource(w));
}

Test(resource, hostile_input) {
  vs_scope_set_use_resource(NULL, VS_OPT_TRUE, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  vs_scope_set_use_resource(vs_get_variable_scope(g), (vs_opt_bool)7, st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError", "vs_scope_set_use_resource: 7 is not a vs_opt_bool");
  cr_assert_eq(vs_scope_use_resource(NULL), VS_OPT_DEFAULT);
  vs_enable_resource_variables(NULL, true, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_not(vs_resource_variables_enabled(NULL));
  cr_assert_not(vs_var_is_resource(NULL));
  vs_get_variable(g, "h", &(vs_var_opts){.shape = VS_SHAPE(1), .dtype = VS_RESOURCE, .use_resource = VS_OPT_TRUE,
                                         .initializer = vs_zeros_initializer()}, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_null(vs_graph_operation_by_name(g, "h"));
  vs_get_variable(g, "e", &(vs_var_opts){.shape = VS_SHAPE(1), .use_resource = (vs_opt_bool)9}, st);
  assert_error(VS_INVALID_ARGUMENT, "ValueError", "use_resource for e: 9 is not a vs_opt_bool");
  cr_assert_null(vs_graph_operation_by_name(g, "e"));
  vs_scope *bad = vs_variable_scope_push(g, "bad", &(vs_varscope_opts){.use_resource = (vs_opt_bool)5}, st);
  cr_assert_null(bad);
  assert_error(VS_INVALID_ARGUMENT, "ValueError", "variable_scope: use_resource 5 is not a vs_opt_bool");
  cr_assert_str_eq(vs_scope_name(vs_get_variable_scope(g)), "");
  /* No host tensor holds a handle. */
  cr_assert_null(vs_tensor_new(VS_RESOURCE, VS_SCALAR, NULL, st));
  assert_error(VS_INVALID_ARGUMENT, "ValueError", "vs_tensor_new: a fully defined shape and a numeric dtype are required");
}

/* Saver: a resource variable is saved under its op name and restored into
 * another session like a RefVariable (the saver reads the variable's
 * buffer, whatever ops the graph holds). */
Test(resource, saver_round_trip) {
  vs_var *v = rvar("v", VS_SHAPE(2), vs_ones_initializer());
  vs_output a = vs_assign(g, v, cvec((float[]){7, 8}, 2), NULL, st);
  assert_ok();
  vs_saver *sv = vs_saver_new(g, NULL, st);
  assert_ok();
  char dir[64], path[128];
  scratch_dir_new(dir, sizeof dir, "vs-resource");
  snprintf(path, sizeof path, "%s/ckpt", dir);
  vs_session *s1 = vs_session_new(g, NULL, st);
  assert_ok();
  vs_op *init = vs_var_initializer_op(v);
  vs_session_run(s1, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  assert_ok();
  run_floats(s1, a, (float[]){7, 8}, 2);
  vs_saver_save(sv, s1, path, st);
  assert_ok();
  vs_session *s2 = vs_session_new(g, NULL, st);
  assert_ok();
  vs_saver_restore(sv, s2, path, st);
  assert_ok();
  run_floats(s2, vs_var_value(v), (float[]){7, 8}, 2);
  vs_session_free(s1);
  vs_session_free(s2);
  vs_saver_free(sv);
  scratch_dir_remove(dir);
}

/* Fetching the handle itself: TF returns the serialized ResourceHandle
 * bytes; varscope has no such value and refuses the fetch cleanly. */
/* The fetched handle's bytes, in hex. */
static void expect_handle_hex(vs_session *s, vs_var *v, const char *want) {
  vs_output h = {vs_var_op(v), 0};
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &h, &t, 1, NULL, 0, st);
  assert_ok();
  cr_assert_eq(vs_tensor_dtype(t), VS_RESOURCE);
  cr_assert_eq(vs_tensor_shape(t).rank, 0);
  cr_assert_eq(vs_tensor_num_elements(t), 1);
  size_t n = vs_tensor_byte_size(t);
  char got[512] = "";
  for (size_t i = 0; i < n && 2 * i + 2 < sizeof got; i++)
    snprintf(got + 2 * i, 3, "%02x", ((const unsigned char *)vs_tensor_data(t))[i]);
  cr_assert_str_eq(got, want, "%s's handle", vs_var_name(v));
  vs_tensor_free(t);
}

#define HANDLE_DEVICE "0a2c2f6a6f623a6c6f63616c686f73742f7265706c6963613a302f7461736b3a302f6465766963653a4350553a30"
#define HANDLE_TYPE "20e5f3a5f0afa4949ef2012a124e313074656e736f72666c6f773356617245" /* hash_code, maybe_type_name */

/* sess.run(v.handle): TF 2.21's graph-mode fetch hands out the C++
 * ResourceHandle object's memory (200 bytes of pointers); varscope gives
 * the ResourceHandleProto that object serializes to, which TF's
 * serialize_tensor(v.handle) shows (its tensor_content after the length):
 * device "/job:localhost/replica:0/task:0/device:CPU:0", container
 * "localhost" (tf.container's name when set), name = the shared name,
 * hash_code = Hash64("N10tensorflow3VarE"), maybe_type_name, and
 * dtypes_and_shapes {dtype, shape} (a 0 dimension is an empty dim). The
 * hex below is TF's, field for field. Feeding a handle stays refused. */
Test(resource, fetching_the_handle_gives_its_resource_handle_proto) {
  vs_var *v = rvar("v", VS_SHAPE(2), vs_ones_initializer());
  vs_scope *sc = vs_variable_scope_push(g, "s", &(vs_varscope_opts){.use_resource = VS_OPT_TRUE}, st);
  assert_ok();
  vs_var *w = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SCALAR, .dtype = VS_INT32,
                                                      .initializer = vs_zeros_initializer()}, st);
  vs_variable_scope_pop(g, sc, st);
  assert_ok();
  cr_assert(vs_container_push(g, "box", st));
  vs_var *u = vs_get_variable(g, "u", &(vs_var_opts){.shape = VS_SHAPE(1, 0, 3), .dtype = VS_DOUBLE,
                                                      .initializer = vs_zeros_initializer(),
                                                      .use_resource = VS_OPT_TRUE}, st);
  assert_ok();
  vs_container_pop(g, st);
  assert_ok();
  vs_session *s = vs_session_new(g, NULL, st);
  assert_ok();
  expect_handle_hex(s, v, HANDLE_DEVICE "12096c6f63616c686f73741a0176" HANDLE_TYPE "32080801120412020802");
  expect_handle_hex(s, w, HANDLE_DEVICE "12096c6f63616c686f73741a03732f77" HANDLE_TYPE "320408031200");
  expect_handle_hex(s, u, HANDLE_DEVICE "1203626f781a0175" HANDLE_TYPE "320e0802120a12020801120012020803");
  vs_output h = {vs_var_op(v), 0};
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &h, &t, 1, NULL, 0, st);
  assert_ok();
  vs_tensor *none = NULL;
  vs_session_run(s, &h, &t, 1, &h, &none, 1, NULL, 0, st);
  cr_assert_null(none);
  assert_error(VS_INVALID_ARGUMENT, "ValueError",
               "Cannot feed the variable v:0 itself; feed a tensor computed from it, or assign to it");
  vs_tensor_free(t);
  vs_session_free(s);
}

/* get_variable("x", [4, 2], use_resource=True, partitioner=fixed_size_partitioner(2)):
 * the parts are resource variables; convert_to_tensor reads each part anew
 * in the concat scope, as TF 2.21 does, and the session concatenates. */
Test(resource, partitioned_parts_are_resource_variables) {
  vs_partitioned_var *x = vs_get_partitioned_variable(
      g, "x", &(vs_var_opts){.shape = VS_SHAPE(4, 2), .use_resource = VS_OPT_TRUE,
                             .initializer = vs_ones_initializer(), .partitioner = vs_fixed_size_partitioner(2, 0)}, st);
  assert_ok();
  cr_assert(vs_var_is_resource(vs_partitioned_var_part(x, 0)));
  cr_assert_str_eq(vs_var_name(vs_partitioned_var_part(x, 1)), "x/part_1:0");
  vs_output t = vs_partitioned_var_value(g, x, st);
  assert_ok();
  cr_assert_str_eq(vs_output_name(t), "x:0");
  vs_op *concat = vs_op_input(t.op, 0).op;
  cr_assert_str_eq(vs_op_name(concat), "x/ConcatPartitions/concat");
  cr_assert_str_eq(vs_op_name(vs_op_input(concat, 0).op), "x/ConcatPartitions/concat/ReadVariableOp");
  cr_assert_str_eq(vs_op_name(vs_op_input(concat, 1).op), "x/ConcatPartitions/concat/ReadVariableOp_1");
  cr_assert_str_eq(vs_op_name(vs_op_input(concat, 2).op), "x/ConcatPartitions/concat/axis");
  vs_session *s = vs_session_new(g, NULL, st);
  assert_ok();
  vs_op *init = vs_global_variables_initializer(g, st);
  assert_ok();
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  assert_ok();
  run_floats(s, t, (float[]){1, 1, 1, 1, 1, 1, 1, 1}, 8);
  vs_session_free(s);
}
