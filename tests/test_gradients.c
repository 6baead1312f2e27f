/* test_gradients.c - vs_gradients (engine/train): the backward graph's op
 * names and inputs as TF 2.21 builds them (from tf.gradients dumps of the
 * same graphs under tf.compat.v1 with v2 behaviour disabled), the values
 * the gradients take on a device against hand-computed ones, and the
 * errors. Values: |got - want| <= 1e-5 * (1 + |want|) (float32 sums of at
 * most 15 terms). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define SUPPORT_FIXTURE
#define SUPPORT_SCRIBBLE /* every device buffer NaN before use: unwritten outputs show */
#include "support.h"
#include "kernels/kernels_internal.h"
#include "kernels/launch_grid.h"
#include "varscope.h"

TestSuite(gradients, .init = setup, .fini = teardown);

/* "name type in0 in1 ..." of every op from index `from` on, one per line. */
static void ops_from(size_t from, char *buf, size_t cap) {
  size_t at = 0;
  buf[0] = 0;
  for (size_t i = from; i < vs_graph_num_operations(g); i++) {
    vs_op *op = vs_graph_operation(g, i);
    at += (size_t)snprintf(buf + at, cap - at, "%s %s", vs_op_name(op), vs_op_type(op));
    for (size_t k = 0; k < vs_op_num_inputs(op); k++) at += (size_t)snprintf(buf + at, cap - at, " %s", vs_output_name(vs_op_input(op, k)));
    for (size_t k = 0; k < vs_op_num_control_inputs(op); k++)
      at += (size_t)snprintf(buf + at, cap - at, " ^%s", vs_op_name(vs_op_control_input(op, k)));
    at += (size_t)snprintf(buf + at, cap - at, "\n");
  }
}

static vs_output xconst(void) {
  float x[15];
  for (int i = 0; i < 15; i++) x[i] = (float)((i * 7) % 11 - 5) / 4.0f;
  vs_output out = vs_constant(g, x, VS_FLOAT, VS_SHAPE(3, 5), "x", st);
  expect_ok(st);
  return out;
}

static vs_tensor *fetch1(vs_session *s, vs_output out) {
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &out, &t, 1, NULL, 0, st);
  expect_ok(st);
  return t;
}

static void near(const float *got, const double *want, size_t n) {
  for (size_t i = 0; i < n; i++)
    cr_expect(fabs(got[i] - want[i]) <= 1e-5 * (1 + fabs(want[i])), "[%zu] = %.9g, want %.9g", i, got[i], want[i]);
}

/* The MLP's backward graph up to sub_grad's Reshape: the same, gated or not. */
#define MLP_GRADS_UP_TO_SUB \
  "gradients/Shape Const\n" \
  "gradients/grad_ys_0/Const Const\n" \
  "gradients/grad_ys_0 Fill gradients/Shape:0 gradients/grad_ys_0/Const:0\n" \
  "gradients/Mean_grad/Reshape/shape Const\n" \
  "gradients/Mean_grad/Reshape Reshape gradients/grad_ys_0:0 gradients/Mean_grad/Reshape/shape:0\n" \
  "gradients/Mean_grad/Const Const\n" \
  "gradients/Mean_grad/Tile Tile gradients/Mean_grad/Reshape:0 gradients/Mean_grad/Const:0\n" \
  "gradients/Mean_grad/Const_1 Const\n" \
  "gradients/Mean_grad/truediv RealDiv gradients/Mean_grad/Tile:0 gradients/Mean_grad/Const_1:0\n" \
  "gradients/Square_grad/Const Const ^gradients/Mean_grad/truediv\n" \
  "gradients/Square_grad/Mul Mul sub:0 gradients/Square_grad/Const:0\n" \
  "gradients/Square_grad/Mul_1 Mul gradients/Mean_grad/truediv:0 gradients/Square_grad/Mul:0\n" \
  "gradients/sub_grad/Neg Neg gradients/Square_grad/Mul_1:0\n" \
  "gradients/sub_grad/Shape Const\n" \
  "gradients/sub_grad/Shape_1 Const\n" \
  "gradients/sub_grad/Sum/reduction_indices Const\n" \
  "gradients/sub_grad/Sum Sum gradients/sub_grad/Neg:0 gradients/sub_grad/Sum/reduction_indices:0\n" \
  "gradients/sub_grad/Reshape Reshape gradients/sub_grad/Sum:0 gradients/sub_grad/Shape_1:0\n"

/* loss = reduce_mean(square(matmul(x, w) + b - 1)) with w [5,2], b [2]. */
static vs_output mlp_loss(vs_var **w, vs_var **b) {
  vs_output x = xconst();
  *w = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(5, 2), .initializer = vs_constant_initializer(0.5)}, st);
  *b = vs_get_variable(g, "b", &(vs_var_opts){.shape = VS_SHAPE(2), .initializer = vs_constant_initializer(-0.25)}, st);
  expect_ok(st);
  vs_output y = vs_add(g, vs_matmul(g, x, vs_var_value(*w), NULL, st), vs_var_value(*b), NULL, st);
  vs_output d = vs_sub(g, y, vs_constant_float(g, 1.0f, "sub/y/", st), NULL, st);
  vs_output loss = vs_reduce_mean(g, vs_square(g, d, NULL, st), NULL, st);
  expect_ok(st);
  return loss;
}

/* Runs the MLP's gradients of w and b and compares them with the
 * hand-computed ones. */
static void mlp_check_values(const vs_output *grads) {
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  expect_ok(st);
  vs_tensor *gw = fetch1(s, grads[0]), *gb = fetch1(s, grads[1]);
  /* d loss / d y = 2 (y - 1) / 6; y[i][j] = 0.5 * sum_k x[i][k] - 0.25. */
  double xv[15], dy[3][2], want_w[10] = {0}, want_b[2] = {0};
  for (int i = 0; i < 15; i++) xv[i] = (double)((i * 7) % 11 - 5) / 4.0;
  for (int i = 0; i < 3; i++) {
    double row = 0;
    for (int k = 0; k < 5; k++) row += xv[i * 5 + k];
    for (int j = 0; j < 2; j++) dy[i][j] = 2 * (0.5 * row - 0.25 - 1) / 6;
  }
  for (int k = 0; k < 5; k++)
    for (int j = 0; j < 2; j++)
      for (int i = 0; i < 3; i++) want_w[k * 2 + j] += xv[i * 5 + k] * dy[i][j];
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 3; i++) want_b[j] += dy[i][j];
  near(vs_tensor_data(gw), want_w, 10);
  near(vs_tensor_data(gb), want_b, 2);
  vs_tensor_free(gw);
  vs_tensor_free(gb);
  vs_session_free(s);
}

/* loss = reduce_mean(square(matmul(x, w) + b - 1)) with w [5,2], b [2]:
 * TF's ops, names and inputs, then the values. */
Test(gradients, mlp_names_and_values) {
  vs_var *w, *b;
  vs_output loss = mlp_loss(&w, &b);
  size_t from = vs_graph_num_operations(g);
  vs_output grads[2];
  vs_gradients(g, &loss, 1, (vs_output[]){vs_var_value(w), vs_var_value(b)}, 2, NULL, grads, st);
  expect_ok(st);
  cr_assert_str_eq(vs_output_name(grads[0]), "gradients/MatMul_grad/MatMul_1:0");
  cr_assert_str_eq(vs_output_name(grads[1]), "gradients/add_grad/Reshape:0");
  char buf[8192];
  ops_from(from, buf, sizeof buf);
  cr_expect_str_eq(buf,
                   MLP_GRADS_UP_TO_SUB
                   "gradients/add_grad/Shape Const\n"
                   "gradients/add_grad/Shape_1 Const\n"
                   "gradients/add_grad/Sum/reduction_indices Const\n"
                   "gradients/add_grad/Sum Sum gradients/Square_grad/Mul_1:0 gradients/add_grad/Sum/reduction_indices:0\n"
                   "gradients/add_grad/Reshape Reshape gradients/add_grad/Sum:0 gradients/add_grad/Shape_1:0\n"
                   "gradients/MatMul_grad/MatMul MatMul gradients/Square_grad/Mul_1:0 w/read:0\n"
                   "gradients/MatMul_grad/MatMul_1 MatMul x:0 gradients/Square_grad/Mul_1:0\n");
  mlp_check_values(grads);
}

/* The same MLP with gate_gradients=True: every op with two input
 * gradients gates them through "<op>_grad/tuple" (TF 2.21's dump of
 * tf.gradients(loss, [w, b], gate_gradients=True)); each Identity is
 * colocated with its gradient's op (add_grad's first one with
 * Square_grad/Mul_1, whose group sub_grad's Identity carries). Values as
 * ungated. */
Test(gradients, mlp_gated_names_and_values) {
  vs_var *w, *b;
  vs_output loss = mlp_loss(&w, &b);
  size_t from = vs_graph_num_operations(g);
  vs_output grads[2];
  vs_gradients(g, &loss, 1, (vs_output[]){vs_var_value(w), vs_var_value(b)}, 2,
               &(vs_gradients_opts){.gate_gradients = true}, grads, st);
  expect_ok(st);
  cr_assert_str_eq(vs_output_name(grads[0]), "gradients/MatMul_grad/tuple/control_dependency_1:0");
  cr_assert_str_eq(vs_output_name(grads[1]), "gradients/add_grad/tuple/control_dependency_1:0");
  char buf[8192];
  ops_from(from, buf, sizeof buf);
  cr_expect_str_eq(buf,
                   MLP_GRADS_UP_TO_SUB
                   "gradients/sub_grad/tuple/group_deps NoOp ^gradients/Square_grad/Mul_1 ^gradients/sub_grad/Reshape\n"
                   "gradients/sub_grad/tuple/control_dependency Identity gradients/Square_grad/Mul_1:0 "
                   "^gradients/sub_grad/tuple/group_deps\n"
                   "gradients/sub_grad/tuple/control_dependency_1 Identity gradients/sub_grad/Reshape:0 "
                   "^gradients/sub_grad/tuple/group_deps\n"
                   "gradients/add_grad/Shape Const\n"
                   "gradients/add_grad/Shape_1 Const\n"
                   "gradients/add_grad/Sum/reduction_indices Const\n"
                   "gradients/add_grad/Sum Sum gradients/sub_grad/tuple/control_dependency:0 "
                   "gradients/add_grad/Sum/reduction_indices:0\n"
                   "gradients/add_grad/Reshape Reshape gradients/add_grad/Sum:0 gradients/add_grad/Shape_1:0\n"
                   "gradients/add_grad/tuple/group_deps NoOp ^gradients/sub_grad/tuple/control_dependency "
                   "^gradients/add_grad/Reshape\n"
                   "gradients/add_grad/tuple/control_dependency Identity gradients/sub_grad/tuple/control_dependency:0 "
                   "^gradients/add_grad/tuple/group_deps\n"
                   "gradients/add_grad/tuple/control_dependency_1 Identity gradients/add_grad/Reshape:0 "
                   "^gradients/add_grad/tuple/group_deps\n"
                   "gradients/MatMul_grad/MatMul MatMul gradients/add_grad/tuple/control_dependency:0 w/read:0\n"
                   "gradients/MatMul_grad/MatMul_1 MatMul x:0 gradients/add_grad/tuple/control_dependency:0\n"
                   "gradients/MatMul_grad/tuple/group_deps NoOp ^gradients/MatMul_grad/MatMul "
                   "^gradients/MatMul_grad/MatMul_1\n"
                   "gradients/MatMul_grad/tuple/control_dependency Identity gradients/MatMul_grad/MatMul:0 "
                   "^gradients/MatMul_grad/tuple/group_deps\n"
                   "gradients/MatMul_grad/tuple/control_dependency_1 Identity gradients/MatMul_grad/MatMul_1:0 "
                   "^gradients/MatMul_grad/tuple/group_deps\n");
  const char *grp[2];
  vs_op *cd = vs_graph_operation_by_name(g, "gradients/add_grad/tuple/control_dependency");
  cr_assert_not_null(cd);
  cr_assert_eq(vs_op_colocation_groups(cd, grp, 2), 1);
  cr_expect_str_eq(grp[0], "loc:@gradients/Square_grad/Mul_1");
  cr_expect_eq(vs_op_colocation_groups(vs_op_control_input(cd, 0), grp, 2), 0); /* group_deps: no _class */
  mlp_check_values(grads);
}

/* y = reduce_sum(x * x + x, axis=1): three gradients reach x, summed by
 * "gradients/AddN" in TF's order; Sum_grad leaves Maximum and floordiv. */
Test(gradients, aggregation_by_add_n) {
  vs_output x = xconst();
  vs_output y = vs_reduce_sum(g, vs_add(g, vs_mul(g, x, x, NULL, st), x, NULL, st),
                              &(vs_reduce_opts){.axis = (int64_t[]){1}, .n_axis = 1}, st);
  expect_ok(st);
  size_t from = vs_graph_num_operations(g);
  vs_output dx;
  vs_gradients(g, &y, 1, &x, 1, NULL, &dx, st);
  expect_ok(st);
  cr_assert_str_eq(vs_output_name(dx), "gradients/AddN:0");
  char buf[8192];
  ops_from(from + 3, buf, sizeof buf);
  cr_expect_str_eq(buf,
                   "gradients/Sum_grad/Maximum/x Const\n"
                   "gradients/Sum_grad/Maximum/y Const\n"
                   "gradients/Sum_grad/Maximum Maximum gradients/Sum_grad/Maximum/x:0 gradients/Sum_grad/Maximum/y:0\n"
                   "gradients/Sum_grad/floordiv/x Const\n"
                   "gradients/Sum_grad/floordiv FloorDiv gradients/Sum_grad/floordiv/x:0 gradients/Sum_grad/Maximum:0\n"
                   "gradients/Sum_grad/Reshape/shape Const\n"
                   "gradients/Sum_grad/Reshape Reshape gradients/grad_ys_0:0 gradients/Sum_grad/Reshape/shape:0\n"
                   "gradients/Sum_grad/Tile/multiples Const\n"
                   "gradients/Sum_grad/Tile Tile gradients/Sum_grad/Reshape:0 gradients/Sum_grad/Tile/multiples:0\n"
                   "gradients/mul_grad/Mul Mul gradients/Sum_grad/Tile:0 x:0\n"
                   "gradients/mul_grad/Mul_1 Mul gradients/Sum_grad/Tile:0 x:0\n"
                   "gradients/AddN AddN gradients/Sum_grad/Tile:0 gradients/mul_grad/Mul:0 gradients/mul_grad/Mul_1:0\n");
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_tensor *t = fetch1(s, dx);
  double want[15];
  for (int i = 0; i < 15; i++) want[i] = 2 * ((double)((i * 7) % 11 - 5) / 4.0) + 1;
  near(vs_tensor_data(t), want, 15);
  vs_tensor_free(t);
  vs_session_free(s);
}

/* TF caches the folded reduced shape per graph: a second Sum gradient of
 * the same input shape and axes builds no Maximum / floordiv (TF 2.21:
 * gradients_1/Sum_grad holds Reshape/shape, Reshape, Tile/multiples, Tile). */
Test(gradients, sum_gradient_reduced_shape_cache) {
  vs_output x = xconst();
  vs_output y = vs_reduce_sum(g, x, &(vs_reduce_opts){.axis = (int64_t[]){1}, .n_axis = 1}, st);
  expect_ok(st);
  vs_output d;
  vs_gradients(g, &y, 1, &x, 1, NULL, &d, st);
  expect_ok(st);
  cr_expect_not_null(vs_graph_operation_by_name(g, "gradients/Sum_grad/Maximum"));
  size_t from = vs_graph_num_operations(g);
  vs_gradients(g, &y, 1, &x, 1, NULL, &d, st);
  expect_ok(st);
  cr_expect_str_eq(vs_output_name(d), "gradients_1/Sum_grad/Tile:0");
  char buf[4096];
  ops_from(from + 3, buf, sizeof buf);
  cr_expect_str_eq(buf,
                   "gradients_1/Sum_grad/Reshape/shape Const\n"
                   "gradients_1/Sum_grad/Reshape Reshape gradients_1/grad_ys_0:0 gradients_1/Sum_grad/Reshape/shape:0\n"
                   "gradients_1/Sum_grad/Tile/multiples Const\n"
                   "gradients_1/Sum_grad/Tile Tile gradients_1/Sum_grad/Reshape:0 gradients_1/Sum_grad/Tile/multiples:0\n");
}

/* A second call is "gradients_1"; an x the ys do not depend on gets NULL. */
Test(gradients, second_call_scope_and_unconnected_x) {
  vs_output x = xconst();
  vs_output other = vs_constant_float(g, 2.0f, "other", st);
  vs_output y = vs_reduce_sum(g, vs_square(g, x, NULL, st), NULL, st);
  expect_ok(st);
  vs_output d[2];
  vs_gradients(g, &y, 1, (vs_output[]){x, other}, 2, NULL, d, st);
  expect_ok(st);
  cr_expect_str_eq(vs_output_name(d[0]), "gradients/Square_grad/Mul_1:0");
  cr_expect_null(d[1].op);
  vs_gradients(g, &y, 1, &x, 1, NULL, d, st);
  expect_ok(st);
  cr_expect_str_eq(vs_output_name(d[0]), "gradients_1/Square_grad/Mul_1:0");
}

/* x, l [3,5] constants; sigmoid_cross_entropy_with_logits(labels=l, logits=x) and its
 * gradients: every op, input and control input as TF 2.21 builds them. */
Test(gradients, sigmoid_cross_entropy_op_structure) {
  float ones[15];
  for (int i = 0; i < 15; i++) ones[i] = 1;
  vs_output x = vs_constant(g, ones, VS_FLOAT, VS_SHAPE(3, 5), "x", st);
  vs_output l = vs_constant(g, ones, VS_FLOAT, VS_SHAPE(3, 5), "l", st);
  vs_output y = vs_sigmoid_cross_entropy_with_logits(g, l, x, NULL, st);
  expect_ok(st);
  cr_assert_str_eq(vs_output_name(y), "logistic_loss:0");
  vs_output d[2];
  vs_gradients(g, &y, 1, (vs_output[]){x, l}, 2, NULL, d, st);
  expect_ok(st);
  cr_expect_str_eq(vs_output_name(d[0]), "gradients/AddN:0");
  cr_expect_str_eq(vs_output_name(d[1]), "gradients/logistic_loss/mul_grad/Mul_1:0");
  char buf[16384];
  ops_from(2, buf, sizeof buf);
  cr_expect_str_eq(buf,
                   "logistic_loss/zeros_like Const\n"
                   "logistic_loss/GreaterEqual GreaterEqual x:0 logistic_loss/zeros_like:0\n"
                   "logistic_loss/Select Select logistic_loss/GreaterEqual:0 x:0 logistic_loss/zeros_like:0\n"
                   "logistic_loss/Neg Neg x:0\n"
                   "logistic_loss/Select_1 Select logistic_loss/GreaterEqual:0 logistic_loss/Neg:0 x:0\n"
                   "logistic_loss/mul Mul x:0 l:0\n"
                   "logistic_loss/sub Sub logistic_loss/Select:0 logistic_loss/mul:0\n"
                   "logistic_loss/Exp Exp logistic_loss/Select_1:0\n"
                   "logistic_loss/Log1p Log1p logistic_loss/Exp:0\n"
                   "logistic_loss AddV2 logistic_loss/sub:0 logistic_loss/Log1p:0\n"
                   "gradients/Shape Const\n"
                   "gradients/grad_ys_0/Const Const\n"
                   "gradients/grad_ys_0 Fill gradients/Shape:0 gradients/grad_ys_0/Const:0\n"
                   "gradients/logistic_loss/sub_grad/Neg Neg gradients/grad_ys_0:0\n"
                   "gradients/logistic_loss/Log1p_grad/add/x Const ^gradients/grad_ys_0\n"
                   "gradients/logistic_loss/Log1p_grad/add AddV2 gradients/logistic_loss/Log1p_grad/add/x:0 logistic_loss/Exp:0\n"
                   "gradients/logistic_loss/Log1p_grad/Reciprocal Reciprocal gradients/logistic_loss/Log1p_grad/add:0\n"
                   "gradients/logistic_loss/Log1p_grad/mul Mul gradients/grad_ys_0:0 gradients/logistic_loss/Log1p_grad/Reciprocal:0\n"
                   "gradients/logistic_loss/Select_grad/zeros_like Const\n"
                   "gradients/logistic_loss/Select_grad/Select Select logistic_loss/GreaterEqual:0 gradients/grad_ys_0:0 gradients/logistic_loss/Select_grad/zeros_like:0\n"
                   "gradients/logistic_loss/Select_grad/Select_1 Select logistic_loss/GreaterEqual:0 gradients/logistic_loss/Select_grad/zeros_like:0 gradients/grad_ys_0:0\n"
                   "gradients/logistic_loss/mul_grad/Mul Mul gradients/logistic_loss/sub_grad/Neg:0 l:0\n"
                   "gradients/logistic_loss/mul_grad/Mul_1 Mul gradients/logistic_loss/sub_grad/Neg:0 x:0\n"
                   "gradients/logistic_loss/Exp_grad/mul Mul gradients/logistic_loss/Log1p_grad/mul:0 logistic_loss/Exp:0\n"
                   "gradients/logistic_loss/Select_1_grad/zeros_like Const\n"
                   "gradients/logistic_loss/Select_1_grad/Select Select logistic_loss/GreaterEqual:0 gradients/logistic_loss/Exp_grad/mul:0 gradients/logistic_loss/Select_1_grad/zeros_like:0\n"
                   "gradients/logistic_loss/Select_1_grad/Select_1 Select logistic_loss/GreaterEqual:0 gradients/logistic_loss/Select_1_grad/zeros_like:0 gradients/logistic_loss/Exp_grad/mul:0\n"
                   "gradients/logistic_loss/Neg_grad/Neg Neg gradients/logistic_loss/Select_1_grad/Select:0\n"
                   "gradients/AddN AddN gradients/logistic_loss/Select_grad/Select:0 gradients/logistic_loss/mul_grad/Mul:0 gradients/logistic_loss/Select_1_grad/Select_1:0 gradients/logistic_loss/Neg_grad/Neg:0\n");
}

/* x, l [3,5] constants; tf.losses.mean_squared_error(l, x) and its gradients: every op, input
 * and control input as TF 2.21 builds them; the loss joins the "losses" collection. */
Test(gradients, mean_squared_error_op_structure) {
  float ones[15];
  for (int i = 0; i < 15; i++) ones[i] = 1;
  vs_output x = vs_constant(g, ones, VS_FLOAT, VS_SHAPE(3, 5), "x", st);
  vs_output l = vs_constant(g, ones, VS_FLOAT, VS_SHAPE(3, 5), "l", st);
  vs_output y = vs_mean_squared_error(g, l, x, NULL, st);
  expect_ok(st);
  cr_assert_str_eq(vs_output_name(y), "mean_squared_error/value:0");
  vs_item item;
  cr_expect_eq(vs_get_collection(g, VS_LOSSES, NULL, &item, 1, st), 1);
  cr_expect_eq(item.op, y.op);
  vs_output d[2];
  vs_gradients(g, &y, 1, (vs_output[]){x, l}, 2, NULL, d, st);
  expect_ok(st);
  cr_expect_str_eq(vs_output_name(d[0]), "gradients/mean_squared_error/SquaredDifference_grad/mul_1:0");
  cr_expect_str_eq(vs_output_name(d[1]), "gradients/mean_squared_error/SquaredDifference_grad/Neg:0");
  char buf[16384];
  ops_from(2, buf, sizeof buf);
  cr_expect_str_eq(buf,
                   "mean_squared_error/SquaredDifference SquaredDifference x:0 l:0\n"
                   "mean_squared_error/assert_broadcastable/weights Const\n"
                   "mean_squared_error/assert_broadcastable/weights/shape Const\n"
                   "mean_squared_error/assert_broadcastable/weights/rank Const\n"
                   "mean_squared_error/assert_broadcastable/values/shape Const\n"
                   "mean_squared_error/assert_broadcastable/values/rank Const\n"
                   "mean_squared_error/assert_broadcastable/static_scalar_check_success NoOp\n"
                   "mean_squared_error/Cast/x Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/Mul Mul mean_squared_error/SquaredDifference:0 mean_squared_error/Cast/x:0\n"
                   "mean_squared_error/Const Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/Sum Sum mean_squared_error/Mul:0 mean_squared_error/Const:0\n"
                   "mean_squared_error/num_present/Equal/y Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/num_present/Equal Equal mean_squared_error/Cast/x:0 mean_squared_error/num_present/Equal/y:0\n"
                   "mean_squared_error/num_present/zeros_like Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/num_present/ones_like/Shape/shape_as_tensor Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/num_present/ones_like/Const Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/num_present/ones_like Fill mean_squared_error/num_present/ones_like/Shape/shape_as_tensor:0 mean_squared_error/num_present/ones_like/Const:0\n"
                   "mean_squared_error/num_present/Select Select mean_squared_error/num_present/Equal:0 mean_squared_error/num_present/zeros_like:0 mean_squared_error/num_present/ones_like:0\n"
                   "mean_squared_error/num_present/broadcast_weights/assert_broadcastable/weights/shape Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/num_present/broadcast_weights/assert_broadcastable/weights/rank Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/num_present/broadcast_weights/assert_broadcastable/values/shape Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/num_present/broadcast_weights/assert_broadcastable/values/rank Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/num_present/broadcast_weights/assert_broadcastable/static_scalar_check_success NoOp ^mean_squared_error/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/num_present/broadcast_weights/ones_like/Shape/shape_as_tensor Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success ^mean_squared_error/num_present/broadcast_weights/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/num_present/broadcast_weights/ones_like/Const Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success ^mean_squared_error/num_present/broadcast_weights/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/num_present/broadcast_weights/ones_like Fill mean_squared_error/num_present/broadcast_weights/ones_like/Shape/shape_as_tensor:0 mean_squared_error/num_present/broadcast_weights/ones_like/Const:0\n"
                   "mean_squared_error/num_present/broadcast_weights Mul mean_squared_error/num_present/Select:0 mean_squared_error/num_present/broadcast_weights/ones_like:0\n"
                   "mean_squared_error/num_present/Const Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/num_present Sum mean_squared_error/num_present/broadcast_weights:0 mean_squared_error/num_present/Const:0\n"
                   "mean_squared_error/Rank Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/range/start Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/range/delta Const ^mean_squared_error/assert_broadcastable/static_scalar_check_success\n"
                   "mean_squared_error/range Range mean_squared_error/range/start:0 mean_squared_error/Rank:0 mean_squared_error/range/delta:0\n"
                   "mean_squared_error/Sum_1 Sum mean_squared_error/Sum:0 mean_squared_error/range:0\n"
                   "mean_squared_error/value DivNoNan mean_squared_error/Sum_1:0 mean_squared_error/num_present:0\n"
                   "gradients/Shape Const\n"
                   "gradients/grad_ys_0/Const Const\n"
                   "gradients/grad_ys_0 Fill gradients/Shape:0 gradients/grad_ys_0/Const:0\n"
                   "gradients/mean_squared_error/value_grad/div_no_nan DivNoNan gradients/grad_ys_0:0 mean_squared_error/num_present:0\n"
                   "gradients/mean_squared_error/value_grad/Neg Neg mean_squared_error/Sum_1:0\n"
                   "gradients/mean_squared_error/value_grad/div_no_nan_1 DivNoNan gradients/mean_squared_error/value_grad/Neg:0 mean_squared_error/num_present:0\n"
                   "gradients/mean_squared_error/value_grad/div_no_nan_2 DivNoNan gradients/mean_squared_error/value_grad/div_no_nan_1:0 mean_squared_error/num_present:0\n"
                   "gradients/mean_squared_error/value_grad/mul Mul gradients/grad_ys_0:0 gradients/mean_squared_error/value_grad/div_no_nan_2:0\n"
                   "gradients/mean_squared_error/value_grad/Shape Const\n"
                   "gradients/mean_squared_error/value_grad/Shape_1 Const\n"
                   "gradients/mean_squared_error/Sum_1_grad/Reshape/shape Const\n"
                   "gradients/mean_squared_error/Sum_1_grad/Reshape/shape_1 Const\n"
                   "gradients/mean_squared_error/Sum_1_grad/Reshape Reshape gradients/mean_squared_error/value_grad/div_no_nan:0 gradients/mean_squared_error/Sum_1_grad/Reshape/shape_1:0\n"
                   "gradients/mean_squared_error/Sum_1_grad/Const Const\n"
                   "gradients/mean_squared_error/Sum_1_grad/Tile Tile gradients/mean_squared_error/Sum_1_grad/Reshape:0 gradients/mean_squared_error/Sum_1_grad/Const:0\n"
                   "gradients/mean_squared_error/Sum_grad/Reshape/shape Const\n"
                   "gradients/mean_squared_error/Sum_grad/Reshape Reshape gradients/mean_squared_error/Sum_1_grad/Tile:0 gradients/mean_squared_error/Sum_grad/Reshape/shape:0\n"
                   "gradients/mean_squared_error/Sum_grad/Const Const\n"
                   "gradients/mean_squared_error/Sum_grad/Tile Tile gradients/mean_squared_error/Sum_grad/Reshape:0 gradients/mean_squared_error/Sum_grad/Const:0\n"
                   "gradients/mean_squared_error/Mul_grad/Mul Mul gradients/mean_squared_error/Sum_grad/Tile:0 mean_squared_error/Cast/x:0\n"
                   "gradients/mean_squared_error/Mul_grad/Mul_1 Mul mean_squared_error/SquaredDifference:0 gradients/mean_squared_error/Sum_grad/Tile:0\n"
                   "gradients/mean_squared_error/Mul_grad/Shape Const\n"
                   "gradients/mean_squared_error/Mul_grad/Shape_1 Const\n"
                   "gradients/mean_squared_error/Mul_grad/Sum/reduction_indices Const\n"
                   "gradients/mean_squared_error/Mul_grad/Sum Sum gradients/mean_squared_error/Mul_grad/Mul_1:0 gradients/mean_squared_error/Mul_grad/Sum/reduction_indices:0\n"
                   "gradients/mean_squared_error/Mul_grad/Reshape Reshape gradients/mean_squared_error/Mul_grad/Sum:0 gradients/mean_squared_error/Mul_grad/Shape_1:0\n"
                   "gradients/mean_squared_error/SquaredDifference_grad/scalar Const ^gradients/mean_squared_error/Mul_grad/Mul\n"
                   "gradients/mean_squared_error/SquaredDifference_grad/Mul Mul gradients/mean_squared_error/SquaredDifference_grad/scalar:0 gradients/mean_squared_error/Mul_grad/Mul:0\n"
                   "gradients/mean_squared_error/SquaredDifference_grad/sub Sub x:0 l:0 ^gradients/mean_squared_error/Mul_grad/Mul\n"
                   "gradients/mean_squared_error/SquaredDifference_grad/mul_1 Mul gradients/mean_squared_error/SquaredDifference_grad/Mul:0 gradients/mean_squared_error/SquaredDifference_grad/sub:0\n"
                   "gradients/mean_squared_error/SquaredDifference_grad/Neg Neg gradients/mean_squared_error/SquaredDifference_grad/mul_1:0\n");
}

/* Bad input: NULL arguments and empty lists are INVALID_ARGUMENT with
 * grads_out cleared; a string grad_ys for a float y is TF's TypeError; a
 * tensor of another graph is refused; a gradient that needs an unknown
 * shape is UNIMPLEMENTED, naming the op. */
Test(gradients, bad_input) {
  vs_output x = xconst();
  vs_output y = vs_reduce_sum(g, vs_square(g, x, NULL, st), NULL, st);
  expect_ok(st);
  vs_output d = x;
  vs_gradients(NULL, &y, 1, &x, 1, NULL, &d, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "gradients: graph, ys, xs and grads_out must not be NULL, and ys and xs not empty");
  cr_expect_null(d.op);
  vs_gradients(g, &y, 0, &x, 1, NULL, &d, st);
  expect_code(st, VS_INVALID_ARGUMENT);
  const char *s = "a";
  vs_output str = vs_constant(g, &s, VS_STRING, VS_SCALAR, "s", st);
  expect_ok(st);
  vs_gradients(g, &y, 1, &x, 1, &(vs_gradients_opts){.grad_ys = &str}, &d, st);
  expect_error(st, VS_INVALID_ARGUMENT, "TypeError",
               "Gradient type string generated for real or integer-valued tensor Tensor(\"Sum:0\", shape=(), "
               "dtype=float32) with type float32 must be real or integer");
  vs_graph *other = vs_graph_new();
  vs_output o = vs_constant_float(other, 1.0f, "o", st);
  vs_gradients(g, &y, 1, &o, 1, NULL, &d, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError",
               "Tensor(\"o:0\", shape=(), dtype=float32) is not an element of this graph.");
  vs_graph_free(other);
  vs_output p = vs_placeholder(g, VS_FLOAT, (vs_shape){.known = true, .rank = 2, .dims = {-1, 5}}, "p", st);
  vs_output py = vs_reduce_sum(g, vs_square(g, p, NULL, st), NULL, st);
  expect_ok(st);
  vs_gradients(g, &py, 1, &p, 1, NULL, &d, st);
  expect_error(st, VS_UNIMPLEMENTED, "ValueError",
               "gradients: the gradient of 'Sum_1' (op type: Sum) needs fully defined shapes in varscope");
  cr_expect_null(d.op);
}

/* tf.gradients(loss, [v]) takes the variable itself (its VariableV2
 * output, as TF converts a RefVariable with as_ref=True): the gradient
 * is the one reaching its read, named as TF names it. */
Test(gradients, with_respect_to_the_variable_op) {
  vs_output x = xconst();
  vs_var *w = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(5, 2), .initializer = vs_ones_initializer()}, st);
  expect_ok(st);
  vs_output loss = vs_reduce_sum(g, vs_matmul(g, x, vs_var_value(w), NULL, st), NULL, st);
  expect_ok(st);
  vs_output d, v = vs_op_output(vs_var_op(w));
  vs_gradients(g, &loss, 1, &v, 1, NULL, &d, st);
  expect_ok(st);
  cr_assert_str_eq(vs_output_name(d), "gradients/MatMul_grad/MatMul_1:0");
}

/* A resource variable is differentiated through its handle (TF's
 * x.handle): the walk reaches its reads through the handle (trainable by
 * the variable's dtype), ReadVariableOp's gradient builds no op, and the
 * result is the same tensor as for a RefVariable of the same graph; an
 * int32 resource variable's handle is not trainable (None), nor is a float
 * one the loss does not read. */
Test(gradients, with_respect_to_a_resource_variable_handle) {
  vs_output x = xconst();
  vs_var *w = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(5, 2), .initializer = vs_ones_initializer(),
                                                      .use_resource = VS_OPT_TRUE}, st);
  vs_var *n = vs_get_variable(g, "n", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_INT32,
                                                      .use_resource = VS_OPT_TRUE}, st);
  vs_var *unused = vs_get_variable(g, "unused", &(vs_var_opts){.shape = VS_SHAPE(2), .use_resource = VS_OPT_TRUE}, st);
  expect_ok(st);
  vs_output loss = vs_reduce_sum(g, vs_matmul(g, x, vs_var_value(w), NULL, st), NULL, st);
  expect_ok(st);
  size_t before = vs_graph_num_operations(g);
  vs_output d[3], v[3] = {vs_op_output(vs_var_op(w)), vs_op_output(vs_var_op(n)), vs_op_output(vs_var_op(unused))};
  vs_gradients(g, &loss, 1, v, 3, NULL, d, st);
  expect_ok(st);
  cr_assert_str_eq(vs_output_name(d[0]), "gradients/MatMul_grad/MatMul_1:0");
  cr_assert_null(d[1].op, "an int32 handle got a gradient");
  cr_assert_null(d[2].op, "a variable the loss does not read got a gradient");
  char ops[4096];
  ops_from(before, ops, sizeof ops);
  cr_assert_null(strstr(ops, "ReadVariableOp_grad"), "ReadVariableOp's gradient built ops:\n%s", ops);
}

/* Every op a training graph holds has TF's GraphDef attrs: a CNN with the
 * three losses and their gradients exports (tf.import_graph_def loads the
 * result: checked by hand with TF 2.21 when this test was written). When
 * VARSCOPE_GRAD_GRAPHDEF names a file, the GraphDef is written there. */
Test(gradients, training_graph_exports_as_graphdef) {
  float xv[2 * 4 * 4 * 2], fv[2 * 2 * 2 * 3];
  for (int i = 0; i < 64; i++) xv[i] = (float)(i % 5) / 5.0f;
  for (int i = 0; i < 24; i++) fv[i] = (float)(i % 3) / 3.0f - 0.3f;
  vs_output x = vs_constant(g, xv, VS_FLOAT, VS_SHAPE(2, 4, 4, 2), "x", st);
  vs_output f = vs_constant(g, fv, VS_FLOAT, VS_SHAPE(2, 2, 2, 3), "f", st);
  vs_output c = vs_conv2d(g, x, f, &(vs_conv2d_opts){.padding = "SAME"}, st);
  vs_pool_opts po = {.ksize = {1, 2, 2, 1}, .strides = {1, 2, 2, 1}, .padding = "VALID"};
  vs_output p = vs_add(g, vs_max_pool(g, c, &po, st), vs_avg_pool(g, c, &po, st), NULL, st);
  vs_output r = vs_reshape(g, vs_tanh(g, vs_sigmoid(g, p, NULL, st), NULL, st), VS_SHAPE(2, 12), NULL, st);
  vs_output m = vs_maximum(g, vs_relu(g, vs_bias_add(g, r, vs_constant(g, xv, VS_FLOAT, VS_SHAPE(12), "b", st), NULL, st),
                                      NULL, st), r, NULL, st);
  vs_output losses[3] = {
      vs_reduce_mean(g, vs_softmax_cross_entropy_with_logits_v2(g, r, m, NULL, st), NULL, st),
      vs_reduce_sum(g, vs_sigmoid_cross_entropy_with_logits(g, r, m, NULL, st), NULL, st),
      vs_mean_squared_error(g, r, vs_truediv(g, m, vs_square(g, r, NULL, st), NULL, st), NULL, st)};
  expect_ok(st);
  vs_output d[2];
  vs_gradients(g, losses, 3, (vs_output[]){x, f}, 2, NULL, d, st);
  expect_ok(st);
  size_t len = 0;
  void *pb = vs_graph_export_graphdef(g, NULL, &len, st);
  expect_ok(st);
  cr_assert_not_null(pb);
  cr_assert_gt(len, 1000);
  const char *keep = getenv("VARSCOPE_GRAD_GRAPHDEF");
  if (keep && *keep) {
    FILE *out = fopen(keep, "wb");
    cr_assert_not_null(out);
    cr_assert_eq(fwrite(pb, 1, len, out), len);
    fclose(out);
  }
  vs_export_free(pb);
  /* TF 2.21 running the exported GraphDef: sum |dx| = 242.185608,
   * sum |df| = 337.197144 (float32; tolerance 1e-4 relative). */
  vs_session *sess = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_tensor *tx = fetch1(sess, d[0]), *tf_ = fetch1(sess, d[1]);
  double sx = 0, sf = 0;
  for (size_t i = 0; i < vs_tensor_num_elements(tx); i++) sx += fabs(((const float *)vs_tensor_data(tx))[i]);
  for (size_t i = 0; i < vs_tensor_num_elements(tf_); i++) sf += fabs(((const float *)vs_tensor_data(tf_))[i]);
  cr_expect(fabs(sx - 242.185608) <= 1e-4 * 242.185608, "sum |dx| = %.6f", sx);
  cr_expect(fabs(sf - 337.197144) <= 1e-4 * 337.197144, "sum |df| = %.6f", sf);
  vs_tensor_free(tx);
  vs_tensor_free(tf_);
  vs_session_free(sess);
}

/* Conv2D's gradients through each route against a host reference:
 * VARSCOPE_CONV_GRAD=gemm (im2col / col2im + GEMM), =direct
 * (conv_grad.cl's conv2d_bp_input and conv2d_bp_filter), =direct-t (the
 * input gradient's conv2d_bp_input in its transposed form; the filter
 * gradient's direct), and unset (the route measured and kept per
 * geometry). The loss is sum(conv(x, f) * w)
 * with w a constant, so dy is w exactly and the reference is two plain
 * loops over the taps. Tolerance: |got - want| <= 1e-5 (float) or 1e-12
 * (double) times (1 + the sum of the |products| summed into the element),
 * which bounds a sum in any order (at most 648 products here). The
 * geometries: the six the routes were first compared on (strides 2x1 and
 * 2x2 with SAME padding, dilation 2 VALID, depths 3, 6, 8, 12, a 1x1
 * stride 2 that leaves pixels no output reads), then small channel counts
 * (C or K = 1, 3, 8) at strides 1 and 2, the model's two layers
 * (examples/cnn_model.h) at batch 3, a filter gradient split into many
 * chunks (batch 16, one tap: conv2d_bp_filter's sum_chunks), channels
 * that make several work-items per pixel (C 24, K 48), vectors of 2 (K 6)
 * with strides 1x2, in float and double, and K 72 (nine vectors of 8:
 * conv2d_bp_input's loop over blocks of 4 vectors, or of 16 channels in
 * the transposed form, and the rest after it; 648 products a dx). */
typedef struct grad_case {
  int64_t n, h, w, c, kh, kw, k, sh, sw, dil;
  const char *padding;
  vs_dtype dtype;
} grad_case;

/* TF's output size and padding before the data along one dimension. */
static void out_size(bool same, int64_t in, int64_t k, int64_t s, int64_t d, int64_t *out, int64_t *pad) {
  int64_t ek = (k - 1) * d + 1;
  *out = same ? (in + s - 1) / s : (in - ek) / s + 1;
  int64_t total = (*out - 1) * s + ek - in;
  *pad = same && total > 0 ? total / 2 : 0;
}

static double case_value(size_t i, size_t mul, size_t mod, double div) { return (double)((i * mul) % mod) / div - 1.0; }

/* The reference dx, df and the sums of |products| of each element. */
static void case_reference(const grad_case *q, double *dx, double *dxa, double *df, double *dfa) {
  int64_t oh_n, ow_n, pt, pl;
  bool same = strcmp(q->padding, "SAME") == 0;
  out_size(same, q->h, q->kh, q->sh, q->dil, &oh_n, &pt);
  out_size(same, q->w, q->kw, q->sw, q->dil, &ow_n, &pl);
  size_t nx = (size_t)(q->n * q->h * q->w * q->c), nf = (size_t)(q->kh * q->kw * q->c * q->k);
  memset(dx, 0, nx * sizeof *dx);
  memset(dxa, 0, nx * sizeof *dxa);
  memset(df, 0, nf * sizeof *df);
  memset(dfa, 0, nf * sizeof *dfa);
  for (int64_t b = 0; b < q->n; b++)
    for (int64_t oh = 0; oh < oh_n; oh++)
      for (int64_t ow = 0; ow < ow_n; ow++)
        for (int64_t kh = 0; kh < q->kh; kh++)
          for (int64_t kw = 0; kw < q->kw; kw++) {
            int64_t ih = oh * q->sh - pt + kh * q->dil, iw = ow * q->sw - pl + kw * q->dil;
            if (ih < 0 || ih >= q->h || iw < 0 || iw >= q->w) continue;
            for (int64_t c = 0; c < q->c; c++)
              for (int64_t k = 0; k < q->k; k++) {
                size_t xi = (size_t)(((b * q->h + ih) * q->w + iw) * q->c + c);
                size_t fi = (size_t)(((kh * q->kw + kw) * q->c + c) * q->k + k);
                size_t yi = (size_t)(((b * oh_n + oh) * ow_n + ow) * q->k + k);
                double dy = case_value(yi, 5, 7, 3.0), x = case_value(xi, 37, 17, 8.0), f = case_value(fi, 11, 13, 6.0);
                dx[xi] += dy * f;
                dxa[xi] += fabs(dy * f);
                df[fi] += x * dy;
                dfa[fi] += fabs(x * dy);
              }
          }
}

/* A constant of q's dtype holding case_value(i, mul, mod, div). */
static vs_output case_const(const grad_case *q, vs_shape shape, size_t mul, size_t mod, double div) {
  size_t n = 1;
  for (int i = 0; i < shape.rank; i++) n *= (size_t)shape.dims[i];
  size_t es = q->dtype == VS_DOUBLE ? sizeof(double) : sizeof(float);
  unsigned char *v = malloc(n * es);
  for (size_t i = 0; i < n; i++) {
    double x = case_value(i, mul, mod, div);
    if (q->dtype == VS_DOUBLE) ((double *)v)[i] = x;
    else ((float *)v)[i] = (float)x;
  }
  vs_output out = vs_constant(g, v, q->dtype, shape, NULL, st);
  expect_ok(st);
  free(v);
  return out;
}

/* dx and df of the case through `route` (NULL: the measured choice), as
 * doubles; every launch in work-groups of local[0, dims) when local is not
 * NULL (vs__force_group_shape). */
static void case_grads(const grad_case *q, const char *route, const size_t *local, cl_uint dims, double *dx,
                       double *df) {
  if (route) setenv("VARSCOPE_CONV_GRAD", route, 1);
  else unsetenv("VARSCOPE_CONV_GRAD");
  int64_t oh_n, ow_n, pad;
  bool same = strcmp(q->padding, "SAME") == 0;
  out_size(same, q->h, q->kh, q->sh, q->dil, &oh_n, &pad);
  out_size(same, q->w, q->kw, q->sw, q->dil, &ow_n, &pad);
  vs_output x = case_const(q, VS_SHAPE(q->n, q->h, q->w, q->c), 37, 17, 8.0);
  vs_output f = case_const(q, VS_SHAPE(q->kh, q->kw, q->c, q->k), 11, 13, 6.0);
  vs_output w = case_const(q, VS_SHAPE(q->n, oh_n, ow_n, q->k), 5, 7, 3.0);
  vs_output y = vs_conv2d(g, x, f, &(vs_conv2d_opts){.strides = {1, q->sh, q->sw, 1}, .padding = q->padding,
                                                     .dilations = {1, q->dil, q->dil, 1}}, st);
  vs_output l = vs_reduce_sum(g, vs_mul(g, y, w, NULL, st), NULL, st);
  vs_output d[2];
  vs_gradients(g, &l, 1, (vs_output[]){x, f}, 2, NULL, d, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  if (local) vs__force_group_shape(s, local, dims);
  vs_tensor *a = fetch1(s, d[0]), *b = fetch1(s, d[1]);
  size_t nx = (size_t)(q->n * q->h * q->w * q->c), nf = (size_t)(q->kh * q->kw * q->c * q->k);
  cr_assert_eq(vs_tensor_num_elements(a), nx);
  cr_assert_eq(vs_tensor_num_elements(b), nf);
  cr_assert_eq(vs_tensor_dtype(a), q->dtype);
  for (size_t i = 0; i < nx; i++)
    dx[i] = q->dtype == VS_DOUBLE ? ((const double *)vs_tensor_data(a))[i] : ((const float *)vs_tensor_data(a))[i];
  for (size_t i = 0; i < nf; i++)
    df[i] = q->dtype == VS_DOUBLE ? ((const double *)vs_tensor_data(b))[i] : ((const float *)vs_tensor_data(b))[i];
  vs_tensor_free(a);
  vs_tensor_free(b);
  vs_session_free(s);
  unsetenv("VARSCOPE_CONV_GRAD");
}

/* check_case's routes: the three and the measured choice. */
static const char *const ROUTES[] = {"gemm", "direct", "direct-t", NULL};

/* Case ci through routes[0, nroutes) (NULL: the measured choice), every
 * launch in work-groups of local[0, dims) when local is not NULL; `shape`
 * names them in a failure. */
static void check_case_routes(const grad_case *q, size_t ci, const char *const *routes, size_t nroutes,
                              const size_t *local, cl_uint dims, const char *shape) {
  size_t nx = (size_t)(q->n * q->h * q->w * q->c), nf = (size_t)(q->kh * q->kw * q->c * q->k);
  double *want_x = malloc(nx * sizeof(double)), *abs_x = malloc(nx * sizeof(double));
  double *want_f = malloc(nf * sizeof(double)), *abs_f = malloc(nf * sizeof(double));
  double *dx = malloc(nx * sizeof(double)), *df = malloc(nf * sizeof(double));
  case_reference(q, want_x, abs_x, want_f, abs_f);
  double rel = q->dtype == VS_DOUBLE ? 1e-12 : 1e-5;
  for (size_t r = 0; r < nroutes; r++) {
    const char *name = routes[r] ? routes[r] : "measured";
    case_grads(q, routes[r], local, dims, dx, df);
    for (size_t i = 0; i < nx; i++)
      cr_assert(fabs(dx[i] - want_x[i]) <= rel * (1 + abs_x[i]), "case %zu %s %s%s dx[%zu]: %.9g, want %.9g", ci,
                name, vs_dtype_name(q->dtype), shape, i, dx[i], want_x[i]);
    for (size_t i = 0; i < nf; i++)
      cr_assert(fabs(df[i] - want_f[i]) <= rel * (1 + abs_f[i]), "case %zu %s %s%s df[%zu]: %.9g, want %.9g", ci,
                name, vs_dtype_name(q->dtype), shape, i, df[i], want_f[i]);
  }
  free(want_x);
  free(abs_x);
  free(want_f);
  free(abs_f);
  free(dx);
  free(df);
}

static void check_case(const grad_case *q, size_t ci) { check_case_routes(q, ci, ROUTES, 4, NULL, 0, ""); }

static const grad_case GRAD_CASES[] = {
    {2, 7, 6, 3, 3, 2, 4, 2, 1, 1, "SAME", VS_FLOAT},
    {2, 7, 6, 3, 3, 2, 4, 1, 1, 2, "VALID", VS_FLOAT},
    {2, 9, 8, 8, 3, 3, 5, 2, 2, 1, "SAME", VS_FLOAT},   /* SAME at stride 2: padding below and to the right */
    {2, 6, 5, 6, 3, 3, 3, 1, 1, 1, "SAME", VS_FLOAT},   /* C 6; padding on all sides */
    {1, 9, 9, 12, 2, 3, 4, 1, 1, 2, "VALID", VS_FLOAT}, /* dilation 2 */
    {2, 8, 7, 8, 1, 1, 16, 2, 2, 1, "SAME", VS_FLOAT},  /* 1x1 stride 2: pixels no output reads */
    {3, 12, 12, 1, 3, 3, 8, 1, 1, 1, "SAME", VS_FLOAT}, /* the model's conv1: C 1 */
    {3, 12, 12, 8, 3, 3, 8, 2, 2, 1, "SAME", VS_FLOAT}, /* the model's conv2: 8 -> 8, stride 2 */
    {2, 7, 9, 3, 3, 3, 1, 1, 1, 1, "VALID", VS_FLOAT},  /* K 1 */
    {2, 9, 7, 1, 3, 2, 3, 2, 2, 1, "VALID", VS_FLOAT},  /* C 1, K 3, stride 2 */
    {2, 8, 8, 3, 3, 3, 8, 2, 2, 2, "SAME", VS_FLOAT},   /* stride 2 and dilation 2 */
    {16, 5, 5, 2, 1, 1, 4, 1, 1, 1, "VALID", VS_FLOAT}, /* one tap, 80 lines: many chunks */
    {2, 6, 6, 24, 3, 3, 48, 1, 1, 1, "SAME", VS_FLOAT}, /* C 24 (three blocks of 8), K 48 (three vectors of 16) */
    {2, 6, 7, 5, 3, 3, 6, 1, 2, 1, "SAME", VS_FLOAT},   /* K 6: vectors of 2; C 5; strides 1x2 */
    {2, 7, 6, 3, 3, 2, 4, 2, 1, 1, "SAME", VS_DOUBLE},
    {3, 12, 12, 8, 3, 3, 8, 2, 2, 1, "SAME", VS_DOUBLE},
    {2, 9, 7, 1, 3, 2, 3, 2, 2, 1, "VALID", VS_DOUBLE},
    {1, 9, 9, 12, 2, 3, 4, 1, 1, 2, "VALID", VS_DOUBLE},
    {2, 5, 6, 3, 3, 3, 72, 1, 1, 1, "SAME", VS_FLOAT}, /* K 72: the unrolled blocks of K and a loop around them */
};

Test(gradients, conv2d_routes_match_host_reference) {
  for (size_t c = 0; c < sizeof GRAD_CASES / sizeof *GRAD_CASES; c++) check_case(&GRAD_CASES[c], c);
}

/* A VARSCOPE_CONV_GRAD that names no route is refused at run time with
 * INVALID_ARGUMENT, naming the values it takes. */
Test(gradients, conv2d_bad_route_is_refused) {
  const grad_case q = {1, 4, 4, 2, 3, 3, 2, 1, 1, 1, "SAME", VS_FLOAT};
  vs_output x = case_const(&q, VS_SHAPE(1, 4, 4, 2), 37, 17, 8.0);
  vs_output f = case_const(&q, VS_SHAPE(3, 3, 2, 2), 11, 13, 6.0);
  vs_output y = vs_conv2d(g, x, f, &(vs_conv2d_opts){.strides = {1, 1, 1, 1}, .padding = "SAME"}, st);
  vs_output d[1];
  vs_gradients(g, &y, 1, &f, 1, NULL, d, st);
  expect_ok(st);
  setenv("VARSCOPE_CONV_GRAD", "fast", 1);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, d, &t, 1, NULL, 0, st);
  unsetenv("VARSCOPE_CONV_GRAD");
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st), "VARSCOPE_CONV_GRAD='fast': want auto, gemm, direct or direct-t");
  cr_assert_null(t);
  vs_session_free(s);
}

/* The direct kernels (and every other launch of the gradients' runs) in
 * the work-groups a GPU takes, their ranges padded to whole groups (the
 * items past an extent must return: conv2d_bp_input's channel blocks,
 * strips and rows, conv2d_bp_filter's taps and chunks): 64 items, 8x8
 * and 4x4x4 (4x16 for conv2d_bp_filter's 2-D range), against the same
 * host reference and tolerance, on the cases whose extents are odd or
 * prime (7x6 and 9x7 inputs, C 3 and 5, one tap over 80 lines in 8-line
 * chunks, C 24 in three blocks, K 72) in float and one in double. */
Test(gradients, conv2d_direct_routes_under_gpu_groups) {
  static const size_t cases[] = {0, 9, 11, 12, 13, 16, 18};
  static const struct {
    const char *name;
    size_t local[3];
    cl_uint dims;
  } groups[] = {{" in groups of 64", {64}, 1}, {" in 8x8 groups", {8, 8}, 2}, {" in 4x4x4 groups", {4, 4, 4}, 3}};
  for (size_t i = 0; i < sizeof groups / sizeof *groups; i++)
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
      check_case_routes(&GRAD_CASES[cases[c]], cases[c], ROUTES + 1, 2, groups[i].local, groups[i].dims,
                        groups[i].name);
}

/* The same cases' direct routes (and the im2col route's im2col_lines and
 * GEMM) on a device pretended to take one work-group per dimension in a
 * launch (a CUDA device takes 65535 along 1 and 2): every launch of more
 * groups is cut into pieces at global offsets (kernels/launch_grid.h), the
 * results the host's within the same tolerance. */
Test(gradients, conv2d_routes_cut_to_one_group_per_dimension) {
  static const size_t cases[] = {0, 9, 12, 18};
  uint64_t before = vs__grid_cuts();
  vs__grid_caps_pretend(0, (const size_t[]){1, 1, 1});
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
    check_case_routes(&GRAD_CASES[cases[c]], cases[c], ROUTES, 3, (const size_t[]){4, 4, 4}, 3,
                      " cut to one 4x4x4 group per dimension");
  vs__grid_caps_pretend(0, NULL);
  cr_assert_gt(vs__grid_cuts() - before, 20, "%llu launches cut", (unsigned long long)(vs__grid_cuts() - before));
}
