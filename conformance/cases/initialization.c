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
    {0},
};
