/* conformance/cases/resource.c - resource variables (use_resource=True):
 * the ops TF 2.21's ResourceVariable builds in graph mode, where the
 * use_resource choice comes from, sessions reading and updating them, and
 * their errors. Twins: conformance/oracle/resource.py. */
#include <string.h>

#include "common.h"

#define VSC_SUITE "resource"

#define RES_MISSING(n, text)                                                                         \
  "Could not find variable " n ". This could mean that the variable has been deleted. In TF1, it can " \
  "also mean the variable is uninitialized. Debug info: container=localhost, status error message=" text

static const char *op_type_of(vs_graph *g, const char *name) {
  vs_op *op = vs_graph_operation_by_name(g, name);
  return op ? vs_op_type(op) : "(none)";
}

/* v = get_variable("v", [2], use_resource=True, initializer=ones) under tf.device("/cpu:0");
 * w = tf.Variable(3.0, name="w", use_resource=True)
 *   -> ResourceVariable "v:0" dtype float32; ops v/Initializer/ones, v (VarHandleOp),
 *      v/IsInitialized/VarIsInitializedOp, v/Assign (AssignVariableOp), v/Read/ReadVariableOp, all on
 *      /device:CPU:0 but the initial value; w/Initializer/initial_value; both in GLOBAL and TRAINABLE   spec 9.5 */
VSC_CASE(resource_variable_ops_and_names) {
  vs_device_push(g, "/cpu:0", st);
  OK();
  GETV(v, "v", .shape = VS_SHAPE(2), .initializer = vs_ones_initializer(), .use_resource = VS_OPT_TRUE);
  vs_device_pop(g, st);
  OK();
  float three = 3;
  VARIABLE(w, .name = "w", .initial_value = vs_value_initializer(&three, VS_FLOAT, 1, VS_SCALAR),
           .use_resource = VS_OPT_TRUE);
  VAR_NAME(v, "v:0");
  STR_EQ(vs_var_dtype_name(v), "float32");
  EXPECT(vs_var_is_resource(v) && vs_var_is_resource(w), "not a resource variable");
  STR_EQ(vs_dtype_name(vs_op_output_dtype(vs_var_op(v))), "resource");
  STR_EQ(vs_op_type(vs_var_op(v)), "VarHandleOp");
  STR_EQ(vs_op_name(vs_var_initializer_op(v)), "v/Assign");
  STR_EQ(op_type_of(g, "v/Assign"), "AssignVariableOp");
  STR_EQ(op_type_of(g, "v/IsInitialized/VarIsInitializedOp"), "VarIsInitializedOp");
  STR_EQ(vs_output_name(vs_var_value(v)), "v/Read/ReadVariableOp:0");
  STR_EQ(op_type_of(g, "v/Initializer/ones"), "Const");
  STR_EQ(vs_op_device(vs_var_op(v)), "/device:CPU:0");
  STR_EQ(vs_op_device(vs_graph_operation_by_name(g, "v/Assign")), "/device:CPU:0");
  STR_EQ(vs_op_device(vs_graph_operation_by_name(g, "v/Initializer/ones")), "");
  STR_EQ(op_type_of(g, "w/Initializer/initial_value"), "Const");
  STR_EQ(op_type_of(g, "w/Read/ReadVariableOp"), "ReadVariableOp");
  SHAPE_STR(vs_var_shape(w), "()");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "v:0 w:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "v:0 w:0");
}

/* with variable_scope("s") as sc: sc.set_use_resource(True); y = get_variable("y", [1])
 *   z = get_variable("z", [1], use_resource=False); variable_scope("u").use_resource inherits True
 * variable_scope("t", use_resource=True): tf.Variable(1.0, name="x") is a ResourceVariable
 * at the root: get_variable("r", [1]) is a RefVariable; the root's use_resource is None   spec 9.5 */
VSC_CASE(resource_use_resource_resolution) {
  VSCOPE(sc, "s");
  vs_scope_set_use_resource(sc, VS_OPT_TRUE, st);
  OK();
  GETV(y, "y", .shape = VS_SHAPE(1));
  GETV(z, "z", .shape = VS_SHAPE(1), .use_resource = VS_OPT_FALSE);
  VSCOPE(u, "u");
  INT_EQ(vs_scope_use_resource(u), VS_OPT_TRUE);
  VPOP(u);
  VPOP(sc);
  VSCOPE(ts, "t", .use_resource = VS_OPT_TRUE);
  float one = 1;
  VARIABLE(x, .name = "x", .initial_value = vs_value_initializer(&one, VS_FLOAT, 1, VS_SCALAR));
  VPOP(ts);
  GETV(r, "r", .shape = VS_SHAPE(1));
  EXPECT(vs_var_is_resource(y), "y is not a ResourceVariable");
  EXPECT(!vs_var_is_resource(z), "z is not a RefVariable");
  EXPECT(vs_var_is_resource(x), "x is not a ResourceVariable");
  EXPECT(!vs_var_is_resource(r), "r is not a RefVariable");
  STR_EQ(op_type_of(g, "s/z"), "VariableV2");
  VAR_NAME(x, "t/x:0");
  INT_EQ(vs_scope_use_resource(vs_get_variable_scope(g)), VS_OPT_DEFAULT);
}

/* v = get_variable("v", [2], use_resource=True, initializer=ones); w likewise (zeros)
 * a = v.assign([5., 6.]); b = v.assign_add([1., 1.]); c = v.assign_sub([2., 2.])
 * sess.run(v) -> FailedPreconditionError "... Container localhost does not exist. (Could not find resource: localhost/v)"
 * sess.run(b) -> NotFoundError "Container localhost does not exist. ..."
 * after w.initializer: sess.run(v) -> "... Resource localhost/v/N10tensorflow3VarE does not exist."
 * after v.initializer: v [1, 1], a [5, 6], b [6, 7], c [4, 5]; is_variable_initialized(v) True   spec 9.5 */
VSC_CASE(resource_session_reads_and_updates) {
  GETV(v, "v", .shape = VS_SHAPE(2), .initializer = vs_ones_initializer(), .use_resource = VS_OPT_TRUE);
  GETV(w, "w", .shape = VS_SHAPE(2), .initializer = vs_zeros_initializer(), .use_resource = VS_OPT_TRUE);
  vs_output a = vs_assign(g, v, vs_constant(g, (float[]){5, 6}, VS_FLOAT, VS_SHAPE(2), NULL, st), NULL, st);
  OK();
  STR_EQ(vs_op_type(a.op), "ReadVariableOp");
  STR_EQ(vs_op_type(vs_op_control_input(a.op, 0)), "AssignVariableOp");
  vs_output b = vs_assign_add(g, v, vs_constant(g, (float[]){1, 1}, VS_FLOAT, VS_SHAPE(2), NULL, st), NULL, st);
  OK();
  STR_EQ(vs_op_name(vs_op_control_input(b.op, 0)), "AssignAddVariableOp");
  vs_output c = vs_assign_sub(g, v, vs_constant(g, (float[]){2, 2}, VS_FLOAT, VS_SHAPE(2), NULL, st), NULL, st);
  OK();
  vs_output init = vs_is_variable_initialized(g, v, st);
  OK();
  SESSION(s);
  vs_output val = vs_var_value(v);
  vs_tensor *none = NULL;
  vs_session_run(s, NULL, NULL, 0, &val, &none, 1, NULL, 0, st);
  ERR_HEAD(VS_FAILED_PRECONDITION, "FailedPreconditionError",
           RES_MISSING("v", "Container localhost does not exist. (Could not find resource: localhost/v)"));
  vs_session_run(s, NULL, NULL, 0, &b, &none, 1, NULL, 0, st);
  ERR_HEAD(VS_NOT_FOUND, "NotFoundError", "Container localhost does not exist. (Could not find resource: localhost/v)");
  RUN(s, vs_var_initializer_op(w));
  vs_session_run(s, NULL, NULL, 0, &val, &none, 1, NULL, 0, st);
  ERR_HEAD(VS_FAILED_PRECONDITION, "FailedPreconditionError",
           RES_MISSING("v", "Resource localhost/v/N10tensorflow3VarE does not exist."));
  FETCH(i0, s, init);
  INT_EQ(*(const unsigned char *)vs_tensor_data(i0), 0);
  RUN(s, vs_var_initializer_op(v));
  VALUE(v0, s, v);
  NEAR(FLOATS(v0)[1], 1, 0);
  FETCH(av, s, a);
  NEAR(FLOATS(av)[0], 5, 0);
  NEAR(FLOATS(av)[1], 6, 0);
  FETCH(bv, s, b);
  NEAR(FLOATS(bv)[0], 6, 0);
  NEAR(FLOATS(bv)[1], 7, 0);
  FETCH(cv, s, c);
  NEAR(FLOATS(cv)[0], 4, 0);
  NEAR(FLOATS(cv)[1], 5, 0);
  FETCH(i1, s, init);
  INT_EQ(*(const unsigned char *)vs_tensor_data(i1), 1);
}

/* v = get_variable("v", [2], use_resource=True)
 * tf.assign(v, [1., 2., 3.], validate_shape=False) -> ValueError "Cannot assign value to variable ' v:0': Shape mismatch.The variable shape (2,), and the assigned value shape (3,) are incompatible."
 * v.assign_add([1., 2., 3.]) -> ValueError "Dimension 0 in both shapes must be equal, ... with input shapes: [], [3]."
 * v.assign(tf.constant([1, 2])) -> ValueError "Tensor conversion requested dtype float32 for Tensor with dtype int32: <tf.Tensor 'Const_2:0' shape=(2,) dtype=int32>"
 * reuse with dtype int32 -> "... specified dtype int32 and found dtype float32."   spec 9.5 */
VSC_CASE(resource_assign_errors) {
  GETV(v, "v", .shape = VS_SHAPE(2), .use_resource = VS_OPT_TRUE);
  vs_output three = vs_constant(g, (float[]){1, 2, 3}, VS_FLOAT, VS_SHAPE(3), NULL, st);
  OK();
  vs_assign(g, v, three, &(vs_assign_opts){.validate_shape = VS_OPT_FALSE}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Cannot assign value to variable ' v:0': Shape mismatch.The variable shape (2,), and the assigned value "
      "shape (3,) are incompatible.");
  vs_output three2 = vs_constant(g, (float[]){1, 2, 3}, VS_FLOAT, VS_SHAPE(3), NULL, st);
  OK();
  vs_assign_add(g, v, three2, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes are [2] and [3]. for '{{node "
      "AssignAddVariableOp}} = AssignAddVariableOp[dtype=DT_FLOAT](v, Const_1)' with input shapes: [], [3].");
  vs_output ints = vs_constant(g, (int32_t[]){1, 2}, VS_INT32, VS_SHAPE(2), NULL, st);
  OK();
  vs_assign(g, v, ints, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Tensor conversion requested dtype float32 for Tensor with dtype int32: <tf.Tensor 'Const_2:0' shape=(2,) "
      "dtype=int32>");
  VSCOPE(root, "", .reuse = VS_REUSE_TRUE);
  vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_INT32}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Trying to share variable v, but specified dtype int32 and found dtype float32.");
  vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(3)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Trying to share variable v, but specified shape (3,) and found shape (2,).");
  VPOP(root);
}

/* v = get_variable("v", [2], use_resource=True, initializer=zeros); p = placeholder(float32, [None])
 * a = v.assign(p); aa = v.assign_add(p); sess.run(v.initializer)
 * sess.run(a, {p: [1, 2, 3]}) -> InvalidArgumentError "Trying to assign to variable with tensor with wrong shape. Expected [2] got [3]"
 * sess.run(aa, {p: [1]}) -> InvalidArgumentError "Cannot update variable with shape [2] using a Tensor with shape [1], shapes must be equal."
 * tf.container("c"): the handle's container attr is "c"; reading it uninitialised names container=c   spec 9.5 X.container */
VSC_CASE(resource_runtime_shape_and_container_errors) {
  GETV(v, "v", .shape = VS_SHAPE(2), .initializer = vs_zeros_initializer(), .use_resource = VS_OPT_TRUE);
  vs_output p = vs_placeholder(g, VS_FLOAT, VS_SHAPE(VS_DIM_UNKNOWN), "p", st);
  OK();
  vs_output a = vs_assign(g, v, p, NULL, st);
  OK();
  vs_output aa = vs_assign_add(g, v, p, NULL, st);
  OK();
  vs_container_push(g, "c", st);
  OK();
  GETV(cv, "c", .shape = VS_SHAPE(2), .use_resource = VS_OPT_TRUE);
  vs_container_pop(g, st);
  OK();
  STR_EQ(vs_op_container(vs_var_op(cv)), "c");
  SESSION(s);
  RUN(s, vs_var_initializer_op(v));
  vs_tensor *x3 = vs_tensor_new(VS_FLOAT, VS_SHAPE(3), (float[]){1, 2, 3}, st), *none = NULL;
  OK();
  vs_session_run(s, &p, &x3, 1, &a, &none, 1, NULL, 0, st);
  vs_tensor_free(x3);
  ERR_HEAD(VS_INVALID_ARGUMENT, "InvalidArgumentError",
           "Trying to assign to variable with tensor with wrong shape. Expected [2] got [3]");
  vs_tensor *x1 = vs_tensor_new(VS_FLOAT, VS_SHAPE(1), (float[]){1}, st);
  OK();
  vs_session_run(s, &p, &x1, 1, &aa, &none, 1, NULL, 0, st);
  vs_tensor_free(x1);
  ERR_HEAD(VS_INVALID_ARGUMENT, "InvalidArgumentError",
           "Cannot update variable with shape [2] using a Tensor with shape [1], shapes must be equal.");
  vs_output cval = vs_var_value(cv);
  vs_session_run(s, NULL, NULL, 0, &cval, &none, 1, NULL, 0, st);
  ERR_HEAD(VS_FAILED_PRECONDITION, "FailedPreconditionError",
           "Could not find variable c. This could mean that the variable has been deleted. In TF1, it can also mean "
           "the variable is uninitialized. Debug info: container=c, status error message=Container c does not "
           "exist. (Could not find resource: c/c)");
}

/* x = get_variable("x", [4, 2], use_resource=True, partitioner=fixed_size_partitioner(2), initializer=ones)
 *   parts x/part_0:0, x/part_1:0 are ResourceVariables; convert_to_tensor(x) is "x:0", an Identity of
 *   x/ConcatPartitions/concat over x/ConcatPartitions/concat/ReadVariableOp, .../ReadVariableOp_1 and
 *   .../axis; after global_variables_initializer it is eight ones   spec 9.5 9.3 */
VSC_CASE(resource_partitioned_parts) {
  vs_partitioned_var *x = vs_get_partitioned_variable(
      g, "x", &(vs_var_opts){.shape = VS_SHAPE(4, 2), .use_resource = VS_OPT_TRUE,
                             .initializer = vs_ones_initializer(), .partitioner = vs_fixed_size_partitioner(2, 0)}, st);
  OK();
  EXPECT(x != NULL, "no PartitionedVariable");
  EXPECT(vs_var_is_resource(vs_partitioned_var_part(x, 0)) && vs_var_is_resource(vs_partitioned_var_part(x, 1)),
         "a part is not a ResourceVariable");
  VAR_NAME(vs_partitioned_var_part(x, 1), "x/part_1:0");
  vs_output xt = vs_partitioned_var_value(g, x, st);
  OK();
  STR_EQ(vs_output_name(xt), "x:0");
  vs_op *concat = vs_op_input(xt.op, 0).op;
  STR_EQ(vs_op_name(concat), "x/ConcatPartitions/concat");
  STR_EQ(vs_op_name(vs_op_input(concat, 0).op), "x/ConcatPartitions/concat/ReadVariableOp");
  STR_EQ(vs_op_name(vs_op_input(concat, 1).op), "x/ConcatPartitions/concat/ReadVariableOp_1");
  STR_EQ(vs_op_name(vs_op_input(concat, 2).op), "x/ConcatPartitions/concat/axis");
  vs_op *init = vs_global_variables_initializer(g, st);
  OK();
  SESSION(s);
  RUN(s, init);
  FETCH(tv, s, xt);
  for (int i = 0; i < 8; i++) NEAR(FLOATS(tv)[i], 1, 0);
}

static const char *class_of(const vs_op *op) {
  const char *groups[1] = {""};
  vs_op_colocation_groups(op, groups, 1);
  return groups[0];
}

/* with variable_scope("s", use_resource=True): v = get_variable("v", [2, 3], initializer=zeros);
 *   w = get_variable("w", [], initializer=zeros)
 * a1 = assert_variables_initialized([v]) -> "Rank:0" of "Rank/ReadVariableOp:0" (a new read of s/v:
 *   ReadVariableOp, no _class, no device), the Rank colocated with s/v (_class ["loc:@s/v"])
 * a2 = assert_variables_initialized([v, w]) -> "stack:0" of Rank_1 (Rank_1/ReadVariableOp), Rank_2
 * sess.run(a1) -> 2 and sess.run(a2) -> [2, 0] with neither initialised (grappler folds the Rank
 *   of a known shape; the reads never run); the same after v.initializer     spec 9.5 X.assert_initialized */
VSC_CASE(resource_assert_variables_initialized_folds_known_ranks) {
  VSCOPE(sc, "s", .use_resource = VS_OPT_TRUE);
  GETV(v, "v", .shape = VS_SHAPE(2, 3), .initializer = vs_zeros_initializer());
  GETV(w, "w", .shape = VS_SCALAR, .initializer = vs_zeros_initializer());
  VPOP(sc);
  vs_output a1 = vs_assert_variables_initialized(g, &v, 1, st);
  OK();
  vs_output a2 = vs_assert_variables_initialized(g, (vs_var *[]){v, w}, 2, st);
  OK();
  STR_EQ(vs_output_name(a1), "Rank:0");
  STR_EQ(vs_output_name(vs_op_input(a1.op, 0)), "Rank/ReadVariableOp:0");
  vs_op *read = vs_graph_operation_by_name(g, "Rank/ReadVariableOp");
  EXPECT(read != NULL, "no Rank/ReadVariableOp");
  STR_EQ(vs_op_type(read), "ReadVariableOp");
  STR_EQ(vs_output_name(vs_op_input(read, 0)), "s/v:0");
  STR_EQ(class_of(read), "");
  STR_EQ(vs_op_device(read), "");
  SHAPE_STR(vs_op_output_shape(read), "(2, 3)");
  STR_EQ(class_of(a1.op), "loc:@s/v");
  STR_EQ(vs_output_name(a2), "stack:0");
  STR_EQ(vs_output_name(vs_op_input(a2.op, 0)), "Rank_1:0");
  STR_EQ(vs_output_name(vs_op_input(a2.op, 1)), "Rank_2:0");
  STR_EQ(vs_output_name(vs_op_input(vs_graph_operation_by_name(g, "Rank_2"), 0)), "Rank_2/ReadVariableOp:0");
  STR_EQ(class_of(vs_graph_operation_by_name(g, "Rank_2")), "loc:@s/w");
  SESSION(s);
  FETCH(x1, s, a1);
  INT_EQ(INTS(x1)[0], 2);
  FETCH(x2, s, a2);
  INT_EQ(vs_tensor_num_elements(x2), 2);
  INT_EQ(INTS(x2)[0], 2);
  INT_EQ(INTS(x2)[1], 0);
  RUN(s, vs_var_initializer_op(v));
  FETCH(x3, s, a2);
  INT_EQ(INTS(x3)[0], 2);
}

/* c = tf.constant(1.0, name="c")
 * with tf.device("/job:ps/task:0"), tf.colocate_with(c.op),
 *      variable_scope("s", use_resource=True, caching_device="/job:worker/task:1"):
 *   v = get_variable("v", [2], initializer=zeros)
 * -> s/v/Initializer/zeros, s/v, s/v/IsInitialized/VarIsInitializedOp, s/v/Read/ReadVariableOp
 *    colocated with c ("loc:@c"), no device; s/v/Assign neither; s/v/Read/Identity (v.value())
 *    has no _class and the caching device only: "/job:worker/task:1"
 * then under tf.device("/job:ps"), tf.colocate_with(c.op): r = v.read_value() -> "Identity:0"
 *   (loc:@c, no device) of "Read/ReadVariableOp" (no _class, "/job:worker/task:1");
 *   a = assert_variables_initialized([v]) -> "Rank:0" of the cached "s/v/Read/Identity:0",
 *   _class ["loc:@c"] (v's group)                                       spec 9.5 X.colocation */
VSC_CASE(resource_caching_device_read_resets_colocation) {
  CONSTF(c, 1.0f, "c");
  vs_device_push(g, "/job:ps/task:0", st);
  OK();
  vs_colocation_scope *cs = vs_colocate_with(g, c.op, false, st);
  OK();
  VSCOPE(sc, "s", .use_resource = VS_OPT_TRUE, .caching_device = "/job:worker/task:1");
  GETV(v, "v", .shape = VS_SHAPE(2), .initializer = vs_zeros_initializer());
  VPOP(sc);
  vs_colocation_scope_pop(g, cs, st);
  OK();
  vs_device_pop(g, st);
  OK();
  static const char *const colocated[] = {"s/v/Initializer/zeros", "s/v", "s/v/IsInitialized/VarIsInitializedOp",
                                          "s/v/Read/ReadVariableOp"};
  for (size_t i = 0; i < sizeof colocated / sizeof *colocated; i++) {
    vs_op *op = vs_graph_operation_by_name(g, colocated[i]);
    EXPECT(op != NULL, "no op %s", colocated[i]);
    STR_EQ(class_of(op), "loc:@c");
    STR_EQ(vs_op_device(op), "");
  }
  STR_EQ(class_of(vs_graph_operation_by_name(g, "s/v/Assign")), "");
  STR_EQ(vs_output_name(vs_var_value(v)), "s/v/Read/Identity:0");
  vs_op *cached = vs_graph_operation_by_name(g, "s/v/Read/Identity");
  EXPECT(cached != NULL, "no s/v/Read/Identity");
  STR_EQ(class_of(cached), "");
  STR_EQ(vs_op_device(cached), "/job:worker/task:1");
  /* later reads: read_value() reads anew on the caching device, with no
   * colocation group; assert_variables_initialized takes the cached read */
  vs_device_push(g, "/job:ps", st);
  OK();
  cs = vs_colocate_with(g, c.op, false, st);
  OK();
  vs_output r = vs_read_value(g, v, st);
  OK();
  vs_output a = vs_assert_variables_initialized(g, &v, 1, st);
  OK();
  vs_colocation_scope_pop(g, cs, st);
  vs_device_pop(g, st);
  OK();
  STR_EQ(vs_output_name(r), "Identity:0");
  STR_EQ(class_of(r.op), "loc:@c");
  STR_EQ(vs_op_device(r.op), "");
  vs_op *read = vs_graph_operation_by_name(g, "Read/ReadVariableOp");
  EXPECT(read != NULL, "no Read/ReadVariableOp");
  STR_EQ(class_of(read), "");
  STR_EQ(vs_op_device(read), "/job:worker/task:1");
  STR_EQ(vs_output_name(a), "Rank:0");
  STR_EQ(vs_output_name(vs_op_input(a.op, 0)), "s/v/Read/Identity:0");
  const char *groups[4] = {NULL};
  INT_EQ(vs_op_colocation_groups(a.op, groups, 4), 1);
  STR_EQ(groups[0], "loc:@c");
}

/* v = get_variable("v", [2, 3], use_resource=True, initializer=zeros) under variable_scope("s")
 * sess.run(v.handle): TF 2.21 returns the C++ ResourceHandle's memory; its serialized form,
 * serialize_tensor(v.handle)'s tensor_content, is the ResourceHandleProto
 *   device "/job:localhost/replica:0/task:0/device:CPU:0", container "localhost", name "s/v",
 *   hash_code Hash64("N10tensorflow3VarE"), maybe_type_name "N10tensorflow3VarE",
 *   dtypes_and_shapes [{DT_FLOAT, [2, 3]}]
 * which varscope's fetch of the handle (dtype resource, shape ()) holds, byte for byte  spec 9.5 */
VSC_CASE(resource_handle_fetch_is_its_resource_handle_proto) {
  VSCOPE(sc, "s", .use_resource = VS_OPT_TRUE);
  GETV(v, "v", .shape = VS_SHAPE(2, 3), .initializer = vs_zeros_initializer());
  VPOP(sc);
  STR_EQ(vs_dtype_name(vs_op_output_dtype(vs_var_op(v))), "resource");
  SESSION(s);
  FETCH(h, s, ((vs_output){vs_var_op(v), 0}));
  STR_EQ(vs_dtype_name(vs_tensor_dtype(h)), "resource");
  SHAPE_STR(vs_tensor_shape(h), "()");
  char hex[512] = "";
  size_t n = vs_tensor_byte_size(h);
  for (size_t i = 0; i < n && 2 * i + 2 < sizeof hex; i++)
    snprintf(hex + 2 * i, 3, "%02x", ((const unsigned char *)vs_tensor_data(h))[i]);
  STR_EQ(hex, "0a2c2f6a6f623a6c6f63616c686f73742f7265706c6963613a302f7461736b3a302f6465766963653a4350553a3012096c"
              "6f63616c686f73741a03732f7620e5f3a5f0afa4949ef2012a124e313074656e736f72666c6f773356617245320c0801"
              "12081202080212020803");
}

#define NO_KERNEL_LIST                                                                                      \
  "Registered devices: [CPU]\nRegistered kernels:\n"                                                       \
  "  device='DEFAULT'; dtype in [DT_COMPLEX128]\n  device='DEFAULT'; dtype in [DT_COMPLEX64]\n"             \
  "  device='DEFAULT'; dtype in [DT_DOUBLE]\n  device='DEFAULT'; dtype in [DT_FLOAT]\n"                     \
  "  device='DEFAULT'; dtype in [DT_BFLOAT16]\n  device='DEFAULT'; dtype in [DT_HALF]\n"                    \
  "  device='DEFAULT'; dtype in [DT_INT32]\n  device='DEFAULT'; dtype in [DT_INT8]\n"                       \
  "  device='DEFAULT'; dtype in [DT_UINT8]\n  device='DEFAULT'; dtype in [DT_INT16]\n"                      \
  "  device='DEFAULT'; dtype in [DT_UINT16]\n  device='DEFAULT'; dtype in [DT_UINT32]\n"                    \
  "  device='DEFAULT'; dtype in [DT_INT64]\n  device='DEFAULT'; dtype in [DT_UINT64]\n"                     \
  "  device='CPU'; dtype in [DT_COMPLEX128]\n  device='CPU'; dtype in [DT_COMPLEX64]\n"                     \
  "  device='CPU'; dtype in [DT_DOUBLE]\n  device='CPU'; dtype in [DT_FLOAT]\n"                             \
  "  device='CPU'; dtype in [DT_BFLOAT16]\n  device='CPU'; dtype in [DT_HALF]\n"                            \
  "  device='CPU'; dtype in [DT_INT32]\n  device='CPU'; dtype in [DT_INT8]\n"                               \
  "  device='CPU'; dtype in [DT_UINT8]\n  device='CPU'; dtype in [DT_INT16]\n"                              \
  "  device='CPU'; dtype in [DT_UINT16]\n  device='CPU'; dtype in [DT_UINT32]\n"                            \
  "  device='CPU'; dtype in [DT_INT64]\n  device='CPU'; dtype in [DT_UINT64]\n"

/* b = get_variable("b", [2], tf.bool, use_resource=True, initializer=zeros); b.assign_add([True, False])
 * sess.run(b.initializer) -> InvalidArgumentError "No OpKernel was registered to support Op
 *   'AssignAddVariableOp' used by {{node AssignAddVariableOp}} with these attrs:
 *   [_has_manual_control_dependencies=true, dtype=DT_BOOL]\nRegistered devices: [CPU]\n..." (TF places
 *   the whole graph before any run; its attrs' order varies, sorted here); the same for a string
 *   variable's assign_sub (AssignSubVariableOp, DT_STRING)                                spec 9.5 */
VSC_CASE(resource_update_of_bool_or_string_has_no_kernel) {
  GETV(b, "b", .shape = VS_SHAPE(2), .dtype = VS_BOOL, .initializer = vs_zeros_initializer(),
       .use_resource = VS_OPT_TRUE);
  vs_output add = vs_assign_add(g, b, vs_constant(g, (bool[]){true, false}, VS_BOOL, VS_SHAPE(2), NULL, st), NULL, st);
  OK();
  STR_EQ(vs_op_type(vs_op_control_input(add.op, 0)), "AssignAddVariableOp");
  SESSION(s);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, (vs_op *[]){vs_var_initializer_op(b)}, 1, st);
  ERR(VS_INVALID_ARGUMENT, "InvalidArgumentError",
      "No OpKernel was registered to support Op 'AssignAddVariableOp' used by {{node AssignAddVariableOp}} with "
      "these attrs: [_has_manual_control_dependencies=true, dtype=DT_BOOL]\n" NO_KERNEL_LIST "\n\t "
      "[[AssignAddVariableOp]]");

  vs_graph *g2 = vs_graph_new();
  vs_var *w = vs_get_variable(g2, "w", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_STRING,
                                                       .initializer = vs_zeros_initializer(),
                                                       .use_resource = VS_OPT_TRUE}, st);
  const char *const yz[2] = {"y", "z"};
  vs_output sub = w ? vs_assign_sub(g2, w, vs_constant(g2, yz, VS_STRING, VS_SHAPE(2), NULL, st), NULL, st)
                    : (vs_output){NULL, 0};
  vs_session *s2 = sub.op ? vs_session_new(g2, NULL, st) : NULL;
  if (s2) vs_session_run(s2, NULL, NULL, 0, NULL, NULL, 0, (vs_op *[]){vs_var_initializer_op(w)}, 1, st);
  vs_session_free(s2);
  vs_graph_free(g2);
  ERR(VS_INVALID_ARGUMENT, "InvalidArgumentError",
      "No OpKernel was registered to support Op 'AssignSubVariableOp' used by {{node AssignSubVariableOp}} with "
      "these attrs: [_has_manual_control_dependencies=true, dtype=DT_STRING]\n" NO_KERNEL_LIST "\n\t "
      "[[AssignSubVariableOp]]");
}

/* b = get_variable("b", [2], tf.bool, use_resource=True, initializer=zeros); c = tf.constant(1.5, name="c")
 * sess.run(c) -> 1.5; sess.run(b.initializer); sess.run(b) -> [False, False]; then b.assign_add([True, False])
 * in the same session: sess.run(c) and sess.run(b.initializer), which ran before, now fail with the
 * "No OpKernel ..." text (TF places the extended graph before the run)                    spec 9.5 */
VSC_CASE(resource_update_without_kernel_fails_cached_plans) {
  GETV(b, "b", .shape = VS_SHAPE(2), .dtype = VS_BOOL, .initializer = vs_zeros_initializer(),
       .use_resource = VS_OPT_TRUE);
  vs_output c = vs_constant(g, (float[]){1.5f}, VS_FLOAT, VS_SCALAR, "c", st);
  OK();
  SESSION(s);
  FETCH(c0, s, c);
  NEAR(FLOATS(c0)[0], 1.5, 0);
  RUN(s, vs_var_initializer_op(b));
  VALUE(b0, s, b);
  INT_EQ(((const bool *)vs_tensor_data(b0))[0], 0);
  INT_EQ(((const bool *)vs_tensor_data(b0))[1], 0);
  vs_assign_add(g, b, vs_constant(g, (bool[]){true, false}, VS_BOOL, VS_SHAPE(2), NULL, st), NULL, st);
  OK();
  vs_tensor *none = NULL;
  vs_session_run(s, NULL, NULL, 0, &c, &none, 1, NULL, 0, st);
  ERR(VS_INVALID_ARGUMENT, "InvalidArgumentError",
      "No OpKernel was registered to support Op 'AssignAddVariableOp' used by {{node AssignAddVariableOp}} with "
      "these attrs: [_has_manual_control_dependencies=true, dtype=DT_BOOL]\n" NO_KERNEL_LIST "\n\t "
      "[[AssignAddVariableOp]]");
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, (vs_op *[]){vs_var_initializer_op(b)}, 1, st);
  ERR(VS_INVALID_ARGUMENT, "InvalidArgumentError",
      "No OpKernel was registered to support Op 'AssignAddVariableOp' used by {{node AssignAddVariableOp}} with "
      "these attrs: [_has_manual_control_dependencies=true, dtype=DT_BOOL]\n" NO_KERNEL_LIST "\n\t "
      "[[AssignAddVariableOp]]");
}

const vsc_case vsc_cases_resource[] = {
    VSC_REG(resource_variable_ops_and_names, "9.5"),
    VSC_REG(resource_use_resource_resolution, "9.5"),
    VSC_REG(resource_session_reads_and_updates, "9.5"),
    VSC_REG(resource_assign_errors, "9.5"),
    VSC_REG(resource_runtime_shape_and_container_errors, "9.5 X.container"),
    VSC_REG(resource_partitioned_parts, "9.5 9.3"),
    VSC_REG(resource_assert_variables_initialized_folds_known_ranks, "9.5 X.assert_initialized"),
    VSC_REG(resource_caching_device_read_resets_colocation, "9.5 X.colocation"),
    VSC_REG(resource_handle_fetch_is_its_resource_handle_proto, "9.5"),
    VSC_REG(resource_update_of_bool_or_string_has_no_kernel, "9.5"),
    VSC_REG(resource_update_without_kernel_fails_cached_plans, "9.5 X.cached_plan_placement"),
    {0},
};
