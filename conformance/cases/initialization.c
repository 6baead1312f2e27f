/* conformance/cases/initialization.c - running initialisers in sessions:
 * spec §5 (uninitialised values), §6.3.12-6.3.13, §7.4.7-7.4.8, §11.17.
 * Run-time messages are compared up to the node description, which TF
 * words after its own graph rewriting (docs/differences.md).
 * Twins: conformance/oracle/initialization.py. */
#include "common.h"

#define VSC_SUITE "initialization"

#define UNINIT(name) "Attempting to use uninitialized value " name

/* with tf.name_scope("foo"): v = tf.Variable(tf.zeros([2]), name="v")
 * sess.run(v) -> FailedPreconditionError "Attempting to use uninitialized value foo/v" (+ node)
 *                                                      spec 5 (uninitialized), 11.6 */
VSC_CASE(uninitialized_read_fails_with_failed_precondition) {
  NSCOPE(ns, "foo");
  VARIABLE(v, .name = "v", .initial_value = vs_zeros_initializer(), .shape = VS_SHAPE(2));
  NPOP();
  SESSION(s);
  vs_output out = vs_var_value(v);
  vs_tensor *x = NULL;
  vs_session_run(s, NULL, NULL, 0, &out, &x, 1, NULL, 0, st);
  EXPECT(x == NULL, "a value came back");
  ERR_HEAD(VS_FAILED_PRECONDITION, "FailedPreconditionError", UNINIT("foo/v"));
  const char *m = vs_status_message(st);
  EXPECT(m[strlen(UNINIT("foo/v"))] == '\0' || m[strlen(UNINIT("foo/v"))] == '\n', "message %s", m);
}

/* m = tf.get_variable("m", [1], initializer=tf.zeros_initializer(), collections=["mine"])
 * sess.run(tf.global_variables_initializer()); sess.run(m)
 *   -> FailedPreconditionError "Attempting to use uninitialized value m"   spec 6.2.3, 11.17 */
VSC_CASE(collections_without_global_are_not_initialized) {
  GETV(m, "m", .shape = VS_SHAPE(1), .initializer = vs_zeros_initializer(),
       .collections = VS_COLLECTIONS("mine"));
  vs_op *init = vs_global_variables_initializer(g, st);
  OK();
  SESSION(s);
  RUN(s, init);
  vs_tensor *x = vs_session_variable_value(s, m, st);
  EXPECT(x == NULL, "m was initialised");
  ERR_HEAD(VS_FAILED_PRECONDITION, "FailedPreconditionError", UNINIT("m"));
}

/* v = tf.get_variable("v", [2], initializer=tf.ones_initializer())
 * l = tf.get_local_variable("l", [2], initializer=tf.zeros_initializer())
 * g_init = tf.global_variables_initializer()   -> NoOp "init"
 * l_init = tf.local_variables_initializer()    -> NoOp "init_1"
 * sess.run(g_init); sess.run(l) -> FailedPreconditionError "... uninitialized value l"
 * sess.run(l_init); sess.run(l) -> [0, 0]; sess.run(v) -> [1, 1]   spec 6.3.13, 6.2.6, 11.17 */
VSC_CASE(local_variables_need_local_initializer) {
  GETV(v, "v", .shape = VS_SHAPE(2), .initializer = vs_ones_initializer());
  vs_var *l = vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(2), .initializer = vs_zeros_initializer()}, st);
  OK();
  vs_op *gi = vs_global_variables_initializer(g, st);
  OK();
  vs_op *li = vs_local_variables_initializer(g, st);
  OK();
  STR_EQ(vs_op_name(gi), "init");
  STR_EQ(vs_op_type(gi), "NoOp");
  STR_EQ(vs_op_name(li), "init_1");
  SESSION(s);
  RUN(s, gi);
  vs_tensor *x = vs_session_variable_value(s, l, st);
  EXPECT(x == NULL, "l was initialised by the global initializer");
  ERR_HEAD(VS_FAILED_PRECONDITION, "FailedPreconditionError", UNINIT("l"));
  RUN(s, li);
  VALUE(xl, s, l);
  VALUE(xv, s, v);
  NEAR(FLOATS(xl)[0], 0, 0);
  NEAR(FLOATS(xl)[1], 0, 0);
  NEAR(FLOATS(xv)[0], 1, 0);
  NEAR(FLOATS(xv)[1], 1, 0);
}

/* tf.global_variables_initializer() with no variable -> NoOp "init" with no control input
 *                                                                  spec 6.3.13 */
VSC_CASE(empty_global_initializer_is_no_op) {
  vs_op *init = vs_global_variables_initializer(g, st);
  OK();
  STR_EQ(vs_op_name(init), "init");
  STR_EQ(vs_op_type(init), "NoOp");
  INT_EQ(vs_op_num_control_inputs(init), 0);
}

/* a = tf.get_variable("a", [1]); l = tf.get_local_variable("l", [1])
 * r = tf.report_uninitialized_variables()
 * sess.run(r) -> [b"a", b"l"]; sess.run(tf.global_variables_initializer()); sess.run(r) -> [b"l"]
 *                                                                  spec 6.3.12, 11.6 */
VSC_CASE(report_uninitialized_variables_op_names) {
  GETV(a, "a", .shape = VS_SHAPE(1));
  vs_var *l = vs_get_local_variable(g, "l", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  OK();
  EXPECT(l != NULL, "no local variable");
  vs_output r = vs_report_uninitialized_variables(g, NULL, 0, st);
  OK();
  vs_op *init = vs_global_variables_initializer(g, st);
  OK();
  SESSION(s);
  FETCH(before, s, r);
  INT_EQ(vs_tensor_num_elements(before), 2);
  STR_EQ(vs_tensor_string(before, 0), "a");
  STR_EQ(vs_tensor_string(before, 1), "l");
  RUN(s, init);
  FETCH(after, s, r);
  INT_EQ(vs_tensor_num_elements(after), 1);
  STR_EQ(vs_tensor_string(after, 0), "l");
}

/* v = tf.Variable(5.0, name="v"); w = tf.Variable(v.initialized_value() + 1, name="w")
 * sess.run(w.initializer)   # v never initialised
 * sess.run(w) -> 6.0; sess.run(tf.is_variable_initialized(v)) -> False
 *                                                       spec 7.4.8, 7.4.7 (explicit form) */
VSC_CASE(initialized_value_works_in_any_order) {
  VARIABLE(v, .name = "v", .initial_value = vs_value_initializer(&(float){5.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  vs_output iv = vs_initialized_value(g, v, st);
  OK();
  CONSTF(one, 1.0f, "Const");
  vs_output sum = vs_add(g, iv, one, NULL, st);
  OK();
  VARIABLE(w, .name = "w", .initial_value = vs_tensor_initializer(sum));
  vs_output isv = vs_is_variable_initialized(g, v, st);
  OK();
  SESSION(s);
  RUN(s, vs_var_initializer_op(w));
  VALUE(xw, s, w);
  NEAR(FLOATS(xw)[0], 6.0, 0);
  FETCH(b, s, isv);
  INT_EQ(((const uint8_t *)vs_tensor_data(b))[0], 0);
  RUN(s, vs_var_initializer_op(v));
  FETCH(b2, s, isv);
  INT_EQ(((const uint8_t *)vs_tensor_data(b2))[0], 1);
}

/* v = tf.Variable(3., name="v"); w = tf.Variable(v * 2, name="w")
 * u = tf.get_variable("u", initializer=v + 1)
 * -> w's Assign reads "mul_w", a copy of v * 2 over "v/read_w", which reads
 *    "w/cond/Merge" (v.initialized_value()); likewise "add_u" for u
 * sess.run(w.initializer); sess.run(u.initializer)   # v never initialised
 * sess.run(w) -> 6.0; sess.run(u) -> 4.0                     spec 7.4.7 (implicit form) */
VSC_CASE(variable_from_another_variable_initialises_in_any_order) {
  VARIABLE(v, .name = "v", .initial_value = vs_value_initializer(&(float){3.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  CONSTF(two, 2.0f, "mul/y");
  vs_output m = vs_mul(g, vs_var_value(v), two, NULL, st);
  OK();
  VARIABLE(w, .name = "w", .initial_value = vs_tensor_initializer(m));
  CONSTF(one, 1.0f, "add/y");
  vs_output a = vs_add(g, vs_var_value(v), one, NULL, st);
  vs_var *u = vs_get_variable(g, "u", &(vs_var_opts){.initializer = vs_tensor_initializer(a)}, st);
  OK();
  vs_op *assign_w = vs_var_initializer_op(w), *assign_u = vs_var_initializer_op(u);
  STR_EQ(vs_op_name(vs_op_input(assign_w, 1).op), "mul_w");
  STR_EQ(vs_op_name(vs_op_input(vs_op_input(assign_w, 1).op, 0).op), "v/read_w");
  STR_EQ(vs_op_name(vs_op_input(vs_op_input(vs_op_input(assign_w, 1).op, 0).op, 0).op), "w/cond/Merge");
  STR_EQ(vs_op_name(vs_op_input(assign_u, 1).op), "add_u");
  SESSION(s);
  RUN(s, assign_w);
  RUN(s, assign_u);
  VALUE(xw, s, w);
  NEAR(FLOATS(xw)[0], 6.0, 0);
  VALUE(xu, s, u);
  NEAR(FLOATS(xu)[0], 4.0, 0);
}

/* a = tf.Variable(1., name="a"); b = tf.Variable(2., name="b")
 * init = tf.variables_initializer([a], name="some")   -> NoOp "some"
 * sess.run(init); sess.run(a) -> 1.0; sess.run(b) -> FailedPreconditionError     spec 6.3.13 */
VSC_CASE(variables_initializer_list) {
  VARIABLE(a, .name = "a", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  VARIABLE(b, .name = "b", .initial_value = vs_value_initializer(&(float){2.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  vs_op *init = vs_variables_initializer(g, (vs_var *[]){a}, 1, "some", st);
  OK();
  STR_EQ(vs_op_name(init), "some");
  SESSION(s);
  RUN(s, init);
  VALUE(xa, s, a);
  NEAR(FLOATS(xa)[0], 1.0, 0);
  vs_tensor *xb = vs_session_variable_value(s, b, st);
  EXPECT(xb == NULL, "b was initialised");
  ERR_HEAD(VS_FAILED_PRECONDITION, "FailedPreconditionError", UNINIT("b"));
}

/* a = tf.get_variable("a", [1])
 * with tf.control_dependencies([a.initializer]):
 *   b = tf.get_variable("b", [1]); c = tf.Variable(1., name="c")
 *   d = tf.Variable(tf.zeros([2]), name="d")
 *   e = tf.get_variable("e", [3], initializer=tf.zeros_initializer())
 * -> variables are made under init_scope: the only op with a control input is
 *    the caller's "zeros" (^a/Assign); sess.run(b.initializer) leaves a
 *    uninitialised, and d initialises without a.                spec 2.4 */
VSC_CASE(variable_ignores_enclosing_control_dependencies) {
  GETV(a, "a", .shape = VS_SHAPE(1));
  vs_op *a_init = vs_var_initializer_op(a);
  vs_control_dependencies_push(g, &a_init, 1, st);
  OK();
  GETV(b, "b", .shape = VS_SHAPE(1));
  VARIABLE(c, .name = "c", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  vs_output zeros = vs_constant(g, (float[2]){0}, VS_FLOAT, VS_SHAPE(2), "zeros", st);
  OK();
  VARIABLE(d, .name = "d", .initial_value = vs_tensor_initializer(zeros));
  GETV(e, "e", .shape = VS_SHAPE(3), .initializer = vs_zeros_initializer());
  vs_control_dependencies_pop(g, st);
  OK();
  int with_controls = 0;
  for (size_t i = 0; i < vs_graph_num_operations(g); i++) {
    vs_op *op = vs_graph_operation(g, i);
    if (!vs_op_num_control_inputs(op)) continue;
    with_controls++;
    STR_EQ(vs_op_name(op), "zeros");
    INT_EQ(vs_op_num_control_inputs(op), 1);
    STR_EQ(vs_op_name(vs_op_control_input(op, 0)), "a/Assign");
  }
  INT_EQ(with_controls, 1);
  SESSION(s);
  RUN(s, vs_var_initializer_op(b));
  RUN(s, vs_var_initializer_op(c));
  RUN(s, vs_var_initializer_op(e));
  vs_tensor *xa = vs_session_variable_value(s, a, st);
  EXPECT(xa == NULL, "a was initialised");
  ERR_HEAD(VS_FAILED_PRECONDITION, "FailedPreconditionError", UNINIT("a"));
  RUN(s, vs_var_initializer_op(d)); /* runs "zeros", hence a's initializer */
  VALUE(xd, s, d);
  NEAR(FLOATS(xd)[1], 0.0, 0);
  VALUE(xa2, s, a);
  INT_EQ(vs_tensor_num_elements(xa2), 1);
}

/* op.get_attr("_class") as one string ("" when none); the first entry only. */
static const char *first_class(const vs_op *op) {
  const char *groups[1] = {""};
  vs_op_colocation_groups(op, groups, 1);
  return groups[0];
}

/* A run of `out` fails on the uninitialised variable `name`. */
#define RUN_UNINIT(s, out, name)                                                         \
  do {                                                                                   \
    vs_output o_ = (out);                                                                \
    vs_tensor *x_ = NULL;                                                                \
    vs_session_run((s), NULL, NULL, 0, &o_, &x_, 1, NULL, 0, st);                        \
    EXPECT(x_ == NULL, "a value came back");                                             \
    ERR_HEAD(VS_FAILED_PRECONDITION, "FailedPreconditionError", UNINIT(name));           \
    const char *m_ = vs_status_message(st);                                              \
    EXPECT(m_[strlen(UNINIT(name))] == '\0' || m_[strlen(UNINIT(name))] == '\n', "message %s", m_); \
  } while (0)

/* tf.assert_variables_initialized() -> None (no variable)
 * w = tf.Variable([1., 2.], name="w"); u = tf.Variable(3, name="u", collections=[])
 * a1 = assert_variables_initialized([w])     -> "Rank:0" (Rank of w/read:0, int32, _class ["loc:@w"])
 * a2 = assert_variables_initialized([w, u])  -> "stack:0" Pack (2,) of Rank_1, Rank_2 (u/read:0, loc:@u)
 * a3 = assert_variables_initialized([])      -> "stack_1:0" of Rank_3 (w:0), Rank_4 (u:0): every variable op
 * a4 = assert_variables_initialized()        -> "Rank_5:0" of w/read:0 (global + local: w)
 * sess.run(a1) -> FailedPreconditionError "Attempting to use uninitialized value w"; after w.initializer
 *   1; a2 fails on u; after u.initializer a2 and a3 -> [1, 0]        spec 6.3.12 X.assert_initialized */
VSC_CASE(assert_variables_initialized_ranks_each_variable) {
  vs_output none = vs_assert_variables_initialized(g, NULL, 0, st);
  OK();
  EXPECT(none.op == NULL, "an op for no variable");
  VARIABLE(w, .name = "w", .initial_value = vs_value_initializer((float[]){1.0f, 2.0f}, VS_FLOAT, 2, VS_UNKNOWN_SHAPE));
  VARIABLE(u, .name = "u", .initial_value = vs_value_initializer(&(int32_t){3}, VS_INT32, 1, VS_UNKNOWN_SHAPE),
           .collections = VS_NO_COLLECTIONS);
  vs_output a1 = vs_assert_variables_initialized(g, &w, 1, st);
  OK();
  vs_output a2 = vs_assert_variables_initialized(g, (vs_var *[]){w, u}, 2, st);
  OK();
  vs_output a3 = vs_assert_variables_initialized(g, (vs_var *[]){NULL}, 0, st);
  OK();
  vs_output a4 = vs_assert_variables_initialized(g, NULL, 0, st);
  OK();
  STR_EQ(vs_output_name(a1), "Rank:0");
  STR_EQ(vs_op_type(a1.op), "Rank");
  INT_EQ(vs_op_output_dtype(a1.op), VS_INT32);
  STR_EQ(vs_output_name(vs_op_input(a1.op, 0)), "w/read:0");
  STR_EQ(first_class(a1.op), "loc:@w");
  STR_EQ(vs_output_name(a2), "stack:0");
  STR_EQ(vs_op_type(a2.op), "Pack");
  SHAPE_STR(vs_op_output_shape(a2.op), "(2,)");
  INT_EQ(vs_op_num_inputs(a2.op), 2);
  STR_EQ(vs_output_name(vs_op_input(a2.op, 0)), "Rank_1:0");
  STR_EQ(vs_output_name(vs_op_input(a2.op, 1)), "Rank_2:0");
  vs_op *r2 = vs_graph_operation_by_name(g, "Rank_2");
  EXPECT(r2 != NULL, "no Rank_2");
  STR_EQ(vs_output_name(vs_op_input(r2, 0)), "u/read:0");
  STR_EQ(first_class(r2), "loc:@u");
  STR_EQ(vs_output_name(a3), "stack_1:0");
  STR_EQ(vs_output_name(vs_op_input(a3.op, 0)), "Rank_3:0");
  STR_EQ(vs_output_name(vs_op_input(a3.op, 1)), "Rank_4:0");
  STR_EQ(vs_output_name(vs_op_input(vs_graph_operation_by_name(g, "Rank_3"), 0)), "w:0");
  STR_EQ(vs_output_name(vs_op_input(vs_graph_operation_by_name(g, "Rank_4"), 0)), "u:0");
  STR_EQ(vs_output_name(a4), "Rank_5:0");
  STR_EQ(vs_output_name(vs_op_input(a4.op, 0)), "w/read:0");
  SESSION(s);
  RUN_UNINIT(s, a1, "w");
  RUN(s, vs_var_initializer_op(w));
  FETCH(x1, s, a1);
  INT_EQ(((const int32_t *)vs_tensor_data(x1))[0], 1);
  RUN_UNINIT(s, a2, "u");
  RUN(s, vs_var_initializer_op(u));
  FETCH(x2, s, a2);
  INT_EQ(vs_tensor_num_elements(x2), 2);
  INT_EQ(((const int32_t *)vs_tensor_data(x2))[0], 1);
  INT_EQ(((const int32_t *)vs_tensor_data(x2))[1], 0);
  FETCH(x3, s, a3);
  INT_EQ(((const int32_t *)vs_tensor_data(x3))[0], 1);
  INT_EQ(((const int32_t *)vs_tensor_data(x3))[1], 0);
}

/* The ops report_uninitialized_variables builds, after the scope prefix:
 * "name type device inputs shape colocation-group" ("-": none). */
static const char *const REPORT_OPS[] = {
    "IsVariableInitialized IsVariableInitialized - a:0 () a",
    "VarIsInitializedOp VarIsInitializedOp - s/b:0 () VarIsInitializedOp",
    "stack Pack /device:CPU:0 IsVariableInitialized:0,VarIsInitializedOp:0 (2,) stack",
    "LogicalNot LogicalNot /device:CPU:0 stack:0 (2,) LogicalNot",
    "Const Const /device:CPU:0 - (2,) Const",
    "boolean_mask/Shape Const /device:CPU:0 - (1,) boolean_mask/Shape",
    "boolean_mask/strided_slice/stack Const /device:CPU:0 - (1,) boolean_mask/strided_slice/stack",
    "boolean_mask/strided_slice/stack_1 Const /device:CPU:0 - (1,) boolean_mask/strided_slice/stack_1",
    "boolean_mask/strided_slice/stack_2 Const /device:CPU:0 - (1,) boolean_mask/strided_slice/stack_2",
    "boolean_mask/strided_slice StridedSlice /device:CPU:0 boolean_mask/Shape:0,boolean_mask/strided_slice/stack:0,boolean_mask/strided_slice/stack_1:0,boolean_mask/strided_slice/stack_2:0 (1,) boolean_mask/strided_slice",
    "boolean_mask/Prod/reduction_indices Const /device:CPU:0 - (1,) boolean_mask/Prod/reduction_indices",
    "boolean_mask/Prod Prod /device:CPU:0 boolean_mask/strided_slice:0,boolean_mask/Prod/reduction_indices:0 () boolean_mask/Prod",
    "boolean_mask/Shape_1 Const /device:CPU:0 - (1,) boolean_mask/Shape_1",
    "boolean_mask/strided_slice_1/stack Const /device:CPU:0 - (1,) boolean_mask/strided_slice_1/stack",
    "boolean_mask/strided_slice_1/stack_1 Const /device:CPU:0 - (1,) boolean_mask/strided_slice_1/stack_1",
    "boolean_mask/strided_slice_1/stack_2 Const /device:CPU:0 - (1,) boolean_mask/strided_slice_1/stack_2",
    "boolean_mask/strided_slice_1 StridedSlice /device:CPU:0 boolean_mask/Shape_1:0,boolean_mask/strided_slice_1/stack:0,boolean_mask/strided_slice_1/stack_1:0,boolean_mask/strided_slice_1/stack_2:0 (0,) boolean_mask/strided_slice_1",
    "boolean_mask/Shape_2 Const /device:CPU:0 - (1,) boolean_mask/Shape_2",
    "boolean_mask/strided_slice_2/stack Const /device:CPU:0 - (1,) boolean_mask/strided_slice_2/stack",
    "boolean_mask/strided_slice_2/stack_1 Const /device:CPU:0 - (1,) boolean_mask/strided_slice_2/stack_1",
    "boolean_mask/strided_slice_2/stack_2 Const /device:CPU:0 - (1,) boolean_mask/strided_slice_2/stack_2",
    "boolean_mask/strided_slice_2 StridedSlice /device:CPU:0 boolean_mask/Shape_2:0,boolean_mask/strided_slice_2/stack:0,boolean_mask/strided_slice_2/stack_1:0,boolean_mask/strided_slice_2/stack_2:0 (0,) boolean_mask/strided_slice_2",
    "boolean_mask/concat/values_1 Pack /device:CPU:0 boolean_mask/Prod:0 (1,) boolean_mask/concat/values_1",
    "boolean_mask/concat/axis Const /device:CPU:0 - () boolean_mask/concat/axis",
    "boolean_mask/concat ConcatV2 /device:CPU:0 boolean_mask/strided_slice_1:0,boolean_mask/concat/values_1:0,boolean_mask/strided_slice_2:0,boolean_mask/concat/axis:0 (1,) boolean_mask/concat",
    "boolean_mask/Reshape Reshape /device:CPU:0 Const:0,boolean_mask/concat:0 (2,) boolean_mask/Reshape",
    "boolean_mask/Reshape_1/shape Const /device:CPU:0 - (1,) boolean_mask/Reshape_1/shape",
    "boolean_mask/Reshape_1 Reshape /device:CPU:0 LogicalNot:0,boolean_mask/Reshape_1/shape:0 (2,) boolean_mask/Reshape_1",
    "boolean_mask/Where Where /device:CPU:0 boolean_mask/Reshape_1:0 (?,1) boolean_mask/Where",
    "boolean_mask/Squeeze Squeeze /device:CPU:0 boolean_mask/Where:0 (?,) boolean_mask/Squeeze",
    "boolean_mask/GatherV2/axis Const /device:CPU:0 - () boolean_mask/GatherV2/axis",
    "boolean_mask/GatherV2 GatherV2 /device:CPU:0 boolean_mask/Reshape:0,boolean_mask/Squeeze:0,boolean_mask/GatherV2/axis:0 (?,) boolean_mask/GatherV2",
};

/* One line of REPORT_OPS for op, names relative to `prefix`. */
static void report_op_line(const vs_op *op, const char *prefix, char *buf, size_t cap) {
  size_t pl = strlen(prefix);
#define REL(s) (strncmp((s), prefix, pl) == 0 ? (s) + pl : (s))
  char ins[1024] = "", shape[64];
  size_t at = 0;
  for (size_t i = 0; i < vs_op_num_inputs(op); i++) {
    const char *in = REL(vs_output_name(vs_op_input(op, i)));
    at += (size_t)snprintf(ins + at, sizeof ins - at, "%s%s", i ? "," : "", in);
    if (at >= sizeof ins) at = sizeof ins - 1;
  }
  vs_shape_format(vs_op_output_shape(op), shape, sizeof shape);
  char *w = shape;
  for (char *p = shape; *p; p++) /* str(TensorShape) without its spaces */
    if (*p != ' ') *w++ = *p;
  *w = '\0';
  /* TF's colocation_groups(): the op's own name when it has no _class */
  const char *group = first_class(op), *dev = vs_op_device(op);
  group = strncmp(group, "loc:@", 5) == 0 ? group + 5 : vs_op_name(op);
  snprintf(buf, cap, "%s %s %s %s %s %s", REL(vs_op_name(op)), vs_op_type(op), dev && *dev ? dev : "-",
           at ? ins : "-", shape, REL(group));
#undef REL
}

/* a = tf.get_variable("a", [2], initializer=zeros)
 * with tf.variable_scope("s", use_resource=True): b = tf.get_variable("b", [], initializer=zeros)
 * r = tf.report_uninitialized_variables()
 *   -> the ops of REPORT_OPS (a check per variable outside the device scope, the ref one
 *      colocated with it; stack, LogicalNot, the names and boolean_mask's ops on
 *      /device:CPU:0), r = "report_uninitialized_variables/boolean_mask/GatherV2:0";
 *   sess.run(r) -> [b"a", b"s/b"]; after a.initializer [b"s/b"]; after b's [] (shape (0,))
 *                                                           spec 6.3.12 X.report_graph */
VSC_CASE(report_uninitialized_variables_builds_tf_subgraph) {
  GETV(a, "a", .shape = VS_SHAPE(2), .initializer = vs_zeros_initializer());
  VSCOPE(sc, "s", .use_resource = VS_OPT_TRUE);
  GETV(b, "b", .shape = VS_SCALAR, .initializer = vs_zeros_initializer());
  VPOP(sc);
  size_t n0 = vs_graph_num_operations(g);
  vs_output r = vs_report_uninitialized_variables(g, NULL, 0, st);
  OK();
  size_t n_ops = sizeof REPORT_OPS / sizeof REPORT_OPS[0];
  INT_EQ(vs_graph_num_operations(g) - n0, n_ops);
  for (size_t i = 0; i < n_ops && n0 + i < vs_graph_num_operations(g); i++) {
    char line[2048];
    report_op_line(vs_graph_operation(g, n0 + i), "report_uninitialized_variables/", line, sizeof line);
    STR_EQ(line, REPORT_OPS[i]);
  }
  STR_EQ(vs_output_name(r), "report_uninitialized_variables/boolean_mask/GatherV2:0");
  INT_EQ(vs_op_output_dtype(r.op), VS_STRING);
  SESSION(s);
  FETCH(x0, s, r);
  INT_EQ(vs_tensor_num_elements(x0), 2);
  STR_EQ(vs_tensor_string(x0, 0), "a");
  STR_EQ(vs_tensor_string(x0, 1), "s/b");
  RUN(s, vs_var_initializer_op(a));
  FETCH(x1, s, r);
  INT_EQ(vs_tensor_num_elements(x1), 1);
  STR_EQ(vs_tensor_string(x1, 0), "s/b");
  RUN(s, vs_var_initializer_op(b));
  FETCH(x2, s, r);
  SHAPE_STR(vs_tensor_shape(x2), "(0,)");
}

/* With no variable at all: r = "report_uninitialized_variables/Const:0", the
 * graph's only op, a Const (0,) of strings on /device:CPU:0; sess.run(r) -> []
 *                                                           spec 6.3.12 X.report_graph */
VSC_CASE(report_uninitialized_variables_without_variables_is_an_empty_const) {
  vs_output r = vs_report_uninitialized_variables(g, NULL, 0, st);
  OK();
  STR_EQ(vs_output_name(r), "report_uninitialized_variables/Const:0");
  STR_EQ(vs_op_type(r.op), "Const");
  STR_EQ(vs_op_device(r.op), "/device:CPU:0");
  INT_EQ(vs_op_output_dtype(r.op), VS_STRING);
  SHAPE_STR(vs_op_output_shape(r.op), "(0,)");
  INT_EQ(vs_graph_num_operations(g), 1);
  SESSION(s);
  FETCH(x, s, r);
  SHAPE_STR(vs_tensor_shape(x), "(0,)");
}

const vsc_case vsc_cases_initialization[] = {
    VSC_REG(uninitialized_read_fails_with_failed_precondition, "5.uninit 11.6"),
    VSC_REG(collections_without_global_are_not_initialized, "6.2.3 11.17"),
    VSC_REG(local_variables_need_local_initializer, "6.3.13 6.2.6 11.17"),
    VSC_REG(empty_global_initializer_is_no_op, "6.3.13"),
    VSC_REG(report_uninitialized_variables_op_names, "6.3.12 11.6"),
    VSC_REG(initialized_value_works_in_any_order, "7.4.8 7.4.7"),
    VSC_REG(variables_initializer_list, "6.3.13"),
    VSC_REG(variable_from_another_variable_initialises_in_any_order, "7.4.7"),
    VSC_REG(variable_ignores_enclosing_control_dependencies, "2.4 X.init_scope"),
    VSC_REG(assert_variables_initialized_ranks_each_variable, "6.3.12 X.assert_initialized"),
    VSC_REG(report_uninitialized_variables_builds_tf_subgraph, "6.3.12 X.report_graph"),
    VSC_REG(report_uninitialized_variables_without_variables_is_an_empty_const, "6.3.12 X.report_graph"),
    {0},
};
