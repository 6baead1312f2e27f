/* conformance/cases/assignment.c - spec §2.4 (assign/read ops in the
 * caller's name scope, colocated with the variable) run in sessions.
 * Twins: conformance/oracle/assignment.py. */
#include "common.h"

#define VSC_SUITE "assignment"

/* v = tf.Variable(0, name="v")
 * with tf.name_scope("step"):
 *   inc = v.assign_add(1)                -> "step/AssignAdd"
 *   with tf.control_dependencies([inc]): rd = v.read_value()   -> "step/read"
 * sess.run(v.initializer); sess.run(rd) -> 1; sess.run(rd) -> 2            spec 2.4 */
VSC_CASE(assign_add_then_read_under_control_dependency) {
  VARIABLE(v, .name = "v", .initial_value = vs_value_initializer(&(int32_t){0}, VS_INT32, 1, VS_UNKNOWN_SHAPE));
  NSCOPE(ns, "step");
  vs_output one = vs_constant_int32(g, 1, "Const", st);
  OK();
  vs_output inc = vs_assign_add(g, v, one, NULL, st);
  OK();
  vs_control_dependencies_push(g, (vs_op *[]){inc.op}, 1, st);
  OK();
  vs_output rd = vs_read_value(g, v, st);
  OK();
  vs_control_dependencies_pop(g, st);
  OK();
  NPOP();
  STR_EQ(vs_op_name(inc.op), "step/AssignAdd");
  STR_EQ(vs_op_type(inc.op), "AssignAdd");
  STR_EQ(vs_op_name(rd.op), "step/read");
  SESSION(s);
  RUN(s, vs_var_initializer_op(v));
  FETCH(a, s, rd);
  INT_EQ(INTS(a)[0], 1);
  FETCH(b, s, rd);
  INT_EQ(INTS(b)[0], 2);
}

/* v = tf.Variable([1., 2.], name="v")
 * a = v.assign([5., 6.]) -> "Assign_1" ... sess.run(a) -> [5, 6]
 * s = v.assign_sub([1., 1.]) -> "AssignSub"; sess.run(s) -> [4, 5]
 * sess.run(v.assign_add([10., 10.])) -> [14, 15]                           spec 2.4 */
VSC_CASE(assign_and_assign_sub_values) {
  VARIABLE(v, .name = "v", .initial_value = vs_value_initializer((float[]){1, 2}, VS_FLOAT, 2, VS_UNKNOWN_SHAPE));
  vs_output c56 = vs_constant(g, (float[]){5, 6}, VS_FLOAT, VS_SHAPE(2), "Const", st);
  OK();
  vs_output a = vs_assign(g, v, c56, NULL, st);
  OK();
  vs_output c11 = vs_constant(g, (float[]){1, 1}, VS_FLOAT, VS_SHAPE(2), "Const", st);
  OK();
  vs_output sub = vs_assign_sub(g, v, c11, NULL, st);
  OK();
  vs_output ten = vs_constant(g, (float[]){10, 10}, VS_FLOAT, VS_SHAPE(2), "Const", st);
  OK();
  vs_output add = vs_assign_add(g, v, ten, NULL, st);
  OK();
  STR_EQ(vs_op_name(a.op), "Assign");
  STR_EQ(vs_op_name(sub.op), "AssignSub");
  SESSION(s);
  RUN(s, vs_var_initializer_op(v));
  FETCH(x, s, a);
  NEAR(FLOATS(x)[0], 5, 0);
  NEAR(FLOATS(x)[1], 6, 0);
  FETCH(y, s, sub);
  NEAR(FLOATS(y)[0], 4, 0);
  NEAR(FLOATS(y)[1], 5, 0);
  FETCH(z, s, add);
  NEAR(FLOATS(z)[0], 14, 0);
  NEAR(FLOATS(z)[1], 15, 0);
}

/* v = tf.Variable([1., 2.], name="v"); v.assign([1., 2., 3.])
 *   -> ValueError (the shapes (2,) and (3,) are incompatible)
 * TF 2.x text: "Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes are [2] and [3].
 *   for '{{node Assign}} = Assign[T=DT_FLOAT, use_locking=false, validate_shape=true](v, Const)'
 *   with input shapes: [2], [3]."                                          spec 2.4 (assign) */
VSC_CASE(assign_incompatible_shape_fails) {
  VARIABLE(v, .name = "v", .initial_value = vs_value_initializer((float[]){1, 2}, VS_FLOAT, 2, VS_UNKNOWN_SHAPE));
  vs_output c = vs_constant(g, (float[]){1, 2, 3}, VS_FLOAT, VS_SHAPE(3), "Const", st);
  OK();
  vs_output a = vs_assign(g, v, c, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes are [2] and [3]. for "
      "'{{node Assign}} = Assign[T=DT_FLOAT, use_locking=false, validate_shape=true](v, Const)' "
      "with input shapes: [2], [3].");
  EXPECT(a.op == NULL, "an op was returned");
}

/* v = tf.Variable([1., 2.], name="v"); v.assign_add(tf.constant(10., name="Const"))
 *   -> ValueError "Shapes must be equal rank, but are 1 and 0 for '{{node AssignAdd}} =
 *      AssignAdd[T=DT_FLOAT, use_locking=false](v, Const)' with input shapes: [2], []."
 *   (AssignAdd does not broadcast a scalar)                                spec 2.4 (assign_add) */
VSC_CASE(assign_add_scalar_to_vector_fails) {
  VARIABLE(v, .name = "v", .initial_value = vs_value_initializer((float[]){1, 2}, VS_FLOAT, 2, VS_UNKNOWN_SHAPE));
  CONSTF(ten, 10.0f, "Const");
  vs_output a = vs_assign_add(g, v, ten, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Shapes must be equal rank, but are 1 and 0 for '{{node AssignAdd}} = AssignAdd[T=DT_FLOAT, "
      "use_locking=false](v, Const)' with input shapes: [2], [].");
  EXPECT(a.op == NULL, "an op was returned");
}

/* v = tf.Variable([1., 2.], name="v")
 * a = tf.assign(v, [1., 2., 3.], validate_shape=False)
 * sess.run(v.initializer); sess.run(a) -> [1, 2, 3]                         spec 2.4 (assign) */
VSC_CASE(assign_without_validate_shape_reshapes) {
  VARIABLE(v, .name = "v", .initial_value = vs_value_initializer((float[]){1, 2}, VS_FLOAT, 2, VS_UNKNOWN_SHAPE));
  vs_output c = vs_constant(g, (float[]){1, 2, 3}, VS_FLOAT, VS_SHAPE(3), "Const", st);
  OK();
  vs_output a = vs_assign(g, v, c, &(vs_assign_opts){.validate_shape = VS_OPT_FALSE}, st);
  OK();
  SESSION(s);
  RUN(s, vs_var_initializer_op(v));
  FETCH(x, s, a);
  INT_EQ(vs_tensor_num_elements(x), 3);
  NEAR(FLOATS(x)[2], 3, 0);
}

const vsc_case vsc_cases_assignment[] = {
    VSC_REG(assign_add_then_read_under_control_dependency, "2.4"),
    VSC_REG(assign_and_assign_sub_values, "2.4"),
    VSC_REG(assign_incompatible_shape_fails, "2.4"),
    VSC_REG(assign_add_scalar_to_vector_fails, "2.4"),
    VSC_REG(assign_without_validate_shape_reshapes, "2.4"),
    {0},
};
