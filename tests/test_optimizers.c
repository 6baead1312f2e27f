/* test_optimizers.c - the optimizers of varscope/train.h: the graph they
 * build (op names, inputs, control inputs, slots and their collections,
 * placement), the global step, their errors, and the update kernels on the
 * device against TensorFlow 2.21's own trajectories.
 *
 * Trajectories: w (2x3) starts at W0 and each step applies the gradient
 * 2 * (w - T) (the gradient of sum((w - T)^2), built from ops, so the
 * kernels are tested apart from tf.gradients). The expected values after 5
 * steps were printed by TensorFlow 2.21 (CPU) running the same graph
 * (conformance/oracle/training.py runs it again). Tolerance: 2e-6 * (1 +
 * |want|) per element: float32 updates computed in TF's order, five steps,
 * sqrt and division rounded by another compiler (and FMA contraction). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "session/session_internal.h" /* a variable's buffer in a session (in-place updates) */
#include "variables/variables_internal.h"
#include "varscope.h"

#define SUPPORT_FIXTURE
#define SUPPORT_SPAWN
#include "support.h"

TestSuite(optimizers, .init = setup, .fini = teardown, .timeout = 120);

static const float W0[6] = {0.5f, -1.0f, 2.0f, 1.5f, 0.0f, -0.25f};
static const float T0[6] = {1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 0.0f};

/* Inputs of op as "a:0 b:0", control inputs as "^c". */
static const char *inputs_of(vs_op *op, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < vs_op_num_inputs(op); i++)
    len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? " " : "", vs_output_name(vs_op_input(op, i)));
  for (size_t i = 0; i < vs_op_num_control_inputs(op); i++)
    len += (size_t)snprintf(buf + len, cap - len, "%s^%s", len ? " " : "", vs_op_name(vs_op_control_input(op, i)));
  return buf;
}

/* The op `name` exists with type `type` and inputs `ins` (inputs_of's form). */
static void expect_op(const char *name, const char *type, const char *ins) {
  vs_op *op = vs_graph_operation_by_name(g, name);
  cr_assert_not_null(op, "no op %s", name);
  cr_assert_str_eq(vs_op_type(op), type, "type of %s", name);
  char buf[1024];
  cr_assert_str_eq(inputs_of(op, buf, sizeof buf), ins, "inputs of %s", name);
}

static const char *names_of(vs_var **vars, size_t n, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? " " : "", vs_var_name(vars[i]));
  return buf;
}

static void expect_collection(const char *which, const char *want) {
  vs_var *vars[32];
  size_t n = strcmp(which, "global") == 0 ? vs_global_variables(g, NULL, vars, 32, st)
                                          : vs_trainable_variables(g, NULL, vars, 32, st);
  assert_ok();
  char buf[1024];
  cr_assert_str_eq(names_of(vars, n, buf, sizeof buf), want, "%s variables", which);
}

/* layer/w (2x3, ones) and layer/b (3, zeros), and placeholders gw, gb. */
static vs_var *w, *b;
static vs_output gw, gb;
static void model(void) {
  vs_scope *s = vs_variable_scope_push(g, "layer", NULL, st);
  w = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(2, 3), .initializer = vs_ones_initializer()}, st);
  b = vs_get_variable(g, "b", &(vs_var_opts){.shape = VS_SHAPE(3), .initializer = vs_zeros_initializer()}, st);
  vs_variable_scope_pop(g, s, st);
  gw = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2, 3), "gw", st);
  gb = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3), "gb", st);
  assert_ok();
}

static vs_op *apply2(vs_optimizer *o, vs_var *step) {
  vs_grad_and_var gv[2] = {{gw, w}, {gb, b}};
  vs_op *op = vs_optimizer_apply_gradients(o, gv, 2, &(vs_apply_opts){.global_step = step}, st);
  assert_ok();
  return op;
}

/* ---- graph structure --------------------------------------------------- */

Test(optimizers, gradient_descent_graph) {
  model();
  vs_optimizer *o = vs_gradient_descent_optimizer(0.1, NULL, st);
  vs_op *train = apply2(o, NULL);
  cr_assert_str_eq(vs_op_name(train), "GradientDescent");
  cr_assert_str_eq(vs_op_type(train), "NoOp");
  expect_op("GradientDescent/learning_rate", "Const", "");
  expect_op("GradientDescent/update_layer/w/ApplyGradientDescent", "ApplyGradientDescent",
            "layer/w:0 GradientDescent/learning_rate:0 gw:0");
  expect_op("GradientDescent/update_layer/b/ApplyGradientDescent", "ApplyGradientDescent",
            "layer/b:0 GradientDescent/learning_rate:0 gb:0");
  expect_op("GradientDescent", "NoOp",
            "^GradientDescent/update_layer/w/ApplyGradientDescent ^GradientDescent/update_layer/b/ApplyGradientDescent");
  expect_collection("global", "layer/w:0 layer/b:0");
  cr_assert_eq(vs_optimizer_get_slot_names(o, NULL, 0), 0);
  vs_item items[4];
  cr_assert_eq(vs_get_collection(g, VS_TRAIN_OP, NULL, items, 4, st), 1);
  cr_assert_eq(items[0].op, train);
  vs_optimizer_free(o);
}

Test(optimizers, global_step_increment_graph) {
  model();
  vs_var *step = vs_train_get_or_create_global_step(g, st);
  assert_ok();
  vs_optimizer *o = vs_gradient_descent_optimizer(0.1, &(vs_optimizer_opts){.name = "sgd"}, st);
  vs_op *train = apply2(o, step);
  cr_assert_str_eq(vs_op_name(train), "sgd");
  cr_assert_str_eq(vs_op_type(train), "AssignAdd");
  expect_op("sgd/update", "NoOp", "^sgd/update_layer/w/ApplyGradientDescent ^sgd/update_layer/b/ApplyGradientDescent");
  expect_op("sgd/value", "Const", "^sgd/update");
  expect_op("sgd", "AssignAdd", "global_step:0 sgd/value:0");
  cr_assert_eq(vs_op_output_dtype(vs_graph_operation_by_name(g, "sgd/value")), VS_INT64);
  vs_optimizer_free(o);
}

Test(optimizers, momentum_slots) {
  model();
  vs_optimizer *o = vs_momentum_optimizer(0.1, 0.9, &(vs_momentum_opts){.use_nesterov = true}, st);
  vs_op *train = apply2(o, NULL);
  cr_assert_str_eq(vs_op_name(train), "Momentum");
  vs_var *slot = vs_optimizer_get_slot(o, w, "momentum");
  cr_assert_not_null(slot);
  cr_assert_str_eq(vs_var_name(slot), "layer/w/Momentum:0");
  cr_assert_not(vs_var_trainable(slot));
  expect_shape(slot, "(2, 3)");
  vs_initializer init = vs_var_initializer(slot);
  cr_assert_str_eq(vs_initializer_name(&init), "zeros");
  expect_op("layer/w/Momentum/Initializer/zeros", "Const", "");
  expect_op("Momentum/update_layer/w/ApplyMomentum", "ApplyMomentum",
            "layer/w:0 layer/w/Momentum:0 Momentum/learning_rate:0 gw:0 Momentum/momentum:0");
  expect_collection("global", "layer/w:0 layer/b:0 layer/w/Momentum:0 layer/b/Momentum:0");
  expect_collection("trainable", "layer/w:0 layer/b:0");
  cr_assert_null(vs_optimizer_get_slot(o, w, "nope"));
  const char *names[2];
  cr_assert_eq(vs_optimizer_get_slot_names(o, names, 2), 1);
  cr_assert_str_eq(names[0], "momentum");
  /* A second optimizer of the same name: "w/Momentum_1", train op "Momentum_1". */
  vs_optimizer *o2 = vs_momentum_optimizer(0.1, 0.9, NULL, st);
  vs_grad_and_var gv = {gw, w};
  vs_op *t2 = vs_optimizer_apply_gradients(o2, &gv, 1, NULL, st);
  assert_ok();
  cr_assert_str_eq(vs_op_name(t2), "Momentum_1");
  cr_assert_str_eq(vs_var_name(vs_optimizer_get_slot(o2, w, "momentum")), "layer/w/Momentum_1:0");
  cr_assert_null(vs_optimizer_get_slot(o2, b, "momentum"));
  vs_optimizer_free(o2);
  vs_optimizer_free(o);
}

Test(optimizers, adam_graph) {
  model();
  vs_optimizer *o = vs_adam_optimizer(NULL, st);
  vs_op *train = apply2(o, NULL);
  cr_assert_str_eq(vs_op_name(train), "Adam");
  /* beta powers: tf.Variables at the caller's name scope, placed with
   * min(var_list, key=name), here layer/b. */
  vs_var *b1 = vs_optimizer_get_non_slot_variable(o, g, "beta1_power");
  cr_assert_str_eq(vs_var_name(b1), "beta1_power:0");
  cr_assert_not(vs_var_trainable(b1));
  expect_op("beta1_power/initial_value", "Const", "");
  expect_op("Adam/update_layer/w/ApplyAdam", "ApplyAdam",
            "layer/w:0 layer/w/Adam:0 layer/w/Adam_1:0 beta1_power/read:0 beta2_power/read:0 Adam/learning_rate:0 "
            "Adam/beta1:0 Adam/beta2:0 Adam/epsilon:0 gw:0");
  expect_op("Adam/mul", "Mul", "beta1_power/read:0 Adam/beta1:0 ^Adam/update_layer/w/ApplyAdam ^Adam/update_layer/b/ApplyAdam");
  expect_op("Adam/Assign", "Assign", "beta1_power:0 Adam/mul:0");
  expect_op("Adam/mul_1", "Mul", "beta2_power/read:0 Adam/beta2:0 ^Adam/update_layer/w/ApplyAdam ^Adam/update_layer/b/ApplyAdam");
  expect_op("Adam/Assign_1", "Assign", "beta2_power:0 Adam/mul_1:0");
  expect_op("Adam", "NoOp", "^Adam/update_layer/w/ApplyAdam ^Adam/update_layer/b/ApplyAdam ^Adam/Assign ^Adam/Assign_1");
  expect_collection("global", "layer/w:0 layer/b:0 beta1_power:0 beta2_power:0 layer/w/Adam:0 layer/w/Adam_1:0 "
                              "layer/b/Adam:0 layer/b/Adam_1:0");
  vs_var *vars[8];
  char buf[512];
  cr_assert_eq(vs_optimizer_variables(o, g, vars, 8), 6);
  cr_assert_str_eq(names_of(vars, 6, buf, sizeof buf), "beta1_power:0 beta2_power:0 layer/b/Adam:0 "
                                                       "layer/b/Adam_1:0 layer/w/Adam:0 layer/w/Adam_1:0");
  /* Applied again: the same beta powers, a new name scope. */
  vs_grad_and_var gv = {gb, b};
  vs_op *t2 = vs_optimizer_apply_gradients(o, &gv, 1, NULL, st);
  assert_ok();
  cr_assert_str_eq(vs_op_name(t2), "Adam_1");
  expect_op("Adam_1/mul", "Mul", "beta1_power/read:0 Adam_1/beta1:0 ^Adam_1/update_layer/b/ApplyAdam");
  cr_assert_eq(vs_optimizer_get_non_slot_variable(o, g, "beta1_power"), b1);
  vs_optimizer_free(o);
}

Test(optimizers, adam_in_scopes) {
  model();
  vs_scope *outer = vs_variable_scope_push(g, "outer", NULL, st);
  vs_name_scope_push(g, "ns", st);
  vs_optimizer *o = vs_adam_optimizer(NULL, st);
  vs_grad_and_var gv[2] = {{gw, w}, {gb, b}};
  vs_op *train = vs_optimizer_apply_gradients(o, gv, 2, &(vs_apply_opts){.name = "train"}, st);
  assert_ok();
  vs_name_scope_pop(g, st);
  vs_variable_scope_pop(g, outer, st);
  cr_assert_str_eq(vs_op_name(train), "outer/ns/train");
  cr_assert_str_eq(vs_var_name(vs_optimizer_get_slot(o, w, "m")), "outer/layer/w/Adam:0");
  cr_assert_str_eq(vs_var_name(vs_optimizer_get_non_slot_variable(o, g, "beta1_power")), "outer/ns/beta1_power:0");
  cr_assert_not_null(vs_graph_operation_by_name(g, "outer/ns/train/update_layer/w/ApplyAdam"));
  vs_optimizer_free(o);
}

Test(optimizers, rmsprop_centered_graph) {
  model();
  vs_optimizer *o = vs_rmsprop_optimizer(0.01, &(vs_rmsprop_opts){.momentum = VS_OPT_DOUBLE(0.9), .centered = true}, st);
  apply2(o, NULL);
  expect_op("layer/w/RMSProp/Initializer/ones", "Const", "");
  expect_op("RMSProp/update_layer/w/ApplyCenteredRMSProp", "ApplyCenteredRMSProp",
            "layer/w:0 layer/w/RMSProp_1:0 layer/w/RMSProp:0 layer/w/RMSProp_2:0 RMSProp/learning_rate:0 "
            "RMSProp/decay:0 RMSProp/momentum:0 RMSProp/epsilon:0 gw:0");
  const char *names[3];
  cr_assert_eq(vs_optimizer_get_slot_names(o, names, 3), 3);
  cr_assert_str_eq(names[0], "mg");
  cr_assert_str_eq(names[1], "momentum");
  cr_assert_str_eq(names[2], "rms");
  cr_assert_str_eq(vs_var_name(vs_optimizer_get_slot(o, w, "rms")), "layer/w/RMSProp:0");
  vs_optimizer_free(o);
}

/* Slots are placed with their variable, whatever device scope is open. */
Test(optimizers, slots_colocated_with_variable) {
  vs_device_push(g, "/cpu:0", st);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(4)}, st);
  vs_device_pop(g, st);
  vs_output grad = vs_placeholder(g, VS_FLOAT, VS_SHAPE(4), "g", st);
  vs_device_push(g, "/device:GPU:3", st);
  vs_optimizer *o = vs_adam_optimizer(NULL, st);
  vs_grad_and_var gv = {grad, v};
  vs_optimizer_apply_gradients(o, &gv, 1, NULL, st);
  assert_ok();
  vs_device_pop(g, st);
  cr_assert_str_eq(vs_op_device(vs_var_op(vs_optimizer_get_slot(o, v, "m"))), "/device:CPU:0");
  cr_assert_str_eq(vs_op_device(vs_var_op(vs_optimizer_get_non_slot_variable(o, g, "beta2_power"))), "/device:CPU:0");
  cr_assert_str_eq(vs_op_device(vs_graph_operation_by_name(g, "Adam/update_v/ApplyAdam")), "/device:CPU:0");
  vs_optimizer_free(o);
}

/* ---- the global step --------------------------------------------------- */

Test(optimizers, global_step) {
  cr_assert_null(vs_train_get_global_step(g, st));
  assert_ok();
  vs_scope *foo = vs_variable_scope_push(g, "foo", NULL, st);
  vs_name_scope_push(g, "ns", st);
  vs_var *s = vs_train_get_or_create_global_step(g, st);
  assert_ok();
  vs_name_scope_pop(g, st);
  vs_variable_scope_pop(g, foo, st);
  cr_assert_str_eq(vs_var_name(s), "foo/global_step:0");
  cr_assert_eq(vs_var_dtype(s), VS_INT64);
  cr_assert_not(vs_var_trainable(s));
  cr_assert_eq(vs_var_aggregation(s), VS_AGG_ONLY_FIRST_REPLICA);
  cr_assert_eq(vs_train_get_or_create_global_step(g, st), s);
  vs_var *in[2];
  cr_assert_eq(vs_get_collection_vars(g, VS_GLOBAL_STEP, NULL, in, 2, st), 1);
  cr_assert_eq(in[0], s);
  cr_assert_null(vs_train_create_global_step(g, st));
  assert_error(VS_INVALID_ARGUMENT, "ValueError", "\"global_step\" already exists.");
}

Test(optimizers, global_step_by_name_checked) {
  float one = 1.5f;
  vs_variable(g, &(vs_variable_opts){.name = "global_step", .initial_value = vs_value_initializer(&one, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
              st);
  assert_ok();
  cr_assert_null(vs_train_get_or_create_global_step(g, st));
  assert_error(VS_INVALID_ARGUMENT, "TypeError", "Existing \"global_step\" does not have integer type: <dtype: 'float32_ref'>");
}

/* ---- errors ------------------------------------------------------------ */

Test(optimizers, apply_errors) {
  model();
  vs_optimizer *o = vs_gradient_descent_optimizer(0.1, NULL, st);
  cr_assert_null(vs_optimizer_apply_gradients(o, NULL, 0, NULL, st));
  assert_error(VS_INVALID_ARGUMENT, "ValueError", "No variables provided.");
  vs_grad_and_var none[2] = {{{0}, w}, {{0}, b}};
  cr_assert_null(vs_optimizer_apply_gradients(o, none, 2, NULL, st));
  assert_error(VS_INVALID_ARGUMENT, "ValueError",
               "No gradients provided for any variable: [\"<tf.Variable 'layer/w:0' shape=(2, 3) dtype=float32_ref>\", "
               "\"<tf.Variable 'layer/b:0' shape=(3,) dtype=float32_ref>\"].");
  vs_grad_and_var wrong = {gb, w};
  cr_assert_null(vs_optimizer_apply_gradients(o, &wrong, 1, NULL, st));
  assert_error(VS_INVALID_ARGUMENT, "ValueError",
               "Shapes must be equal rank, but are 2 and 1 for '{{node GradientDescent/update_layer/w/"
               "ApplyGradientDescent}} = ApplyGradientDescent[T=DT_FLOAT, use_locking=false](layer/w, "
               "GradientDescent/learning_rate, gb)' with input shapes: [2,3], [], [3].");
  vs_output ints = vs_placeholder(g, VS_INT32, VS_SHAPE(2, 3), "ints", st);
  vs_grad_and_var typed = {ints, w};
  cr_assert_null(vs_optimizer_apply_gradients(o, &typed, 1, NULL, st));
  assert_error(VS_INVALID_ARGUMENT, "TypeError",
               "Input 'delta' of 'ApplyGradientDescent' Op has type int32 that does not match type float32 of "
               "argument 'var'.");
  vs_var *iv = vs_get_variable(g, "iv", &(vs_var_opts){.shape = VS_SHAPE(2, 3), .dtype = VS_INT32}, st);
  vs_grad_and_var intvar = {ints, iv};
  size_t before = vs_graph_num_operations(g);
  cr_assert_null(vs_optimizer_apply_gradients(o, &intvar, 1, NULL, st));
  assert_error(VS_UNIMPLEMENTED, "TypeError",
               "GradientDescent: varscope's optimizers update float32 and float64 variables only (a resource variable "
               "with a gradient of its own dtype); iv:0 is int32, its gradient int32");
  cr_assert_eq(vs_graph_num_operations(g), before, "nothing is built for a refused dtype");
  cr_assert_null(vs_gradient_descent_optimizer(0.1, &(vs_optimizer_opts){.name = ""}, st));
  assert_error(VS_INVALID_ARGUMENT, "ValueError", "Must specify the optimizer name");
  vs_optimizer_free(o);
}

/* Constraints that fail: one sets its own error, one returns no tensor. */
static vs_output failing_constraint(vs_graph *gr, vs_output x, void *data, vs_status *s) {
  (void)gr;
  (void)x;
  (void)data;
  vs_status_set(s, VS_OUT_OF_RANGE, "the constraint refuses");
  return (vs_output){0};
}
static vs_output empty_constraint(vs_graph *gr, vs_output x, void *data, vs_status *s) {
  (void)gr;
  (void)x;
  (void)s;
  *(int *)data += 1;
  return (vs_output){0};
}

/* The callback runs once per update, after the Apply op; its own error is
 * apply_gradients' error, and no tensor is INVALID_ARGUMENT naming the
 * variable. Either way no train op is returned or added to TRAIN_OP. */
Test(optimizers, constraint_errors) {
  int calls = 0;
  vs_var *c1 = vs_get_variable(g, "c1", &(vs_var_opts){.shape = VS_SHAPE(2), .constraint = failing_constraint}, st);
  vs_var *c2 = vs_get_variable(g, "c2", &(vs_var_opts){.shape = VS_SHAPE(2), .constraint = empty_constraint,
                                                        .constraint_data = &calls}, st);
  vs_output grad = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2), "grad", st);
  assert_ok();
  vs_optimizer *o = vs_gradient_descent_optimizer(0.1, NULL, st);
  cr_assert_null(vs_optimizer_apply_gradients(o, &(vs_grad_and_var){grad, c1}, 1, NULL, st));
  cr_assert_eq(vs_status_code(st), VS_OUT_OF_RANGE);
  cr_assert_str_eq(vs_status_message(st), "the constraint refuses");
  cr_assert_not_null(vs_graph_operation_by_name(g, "GradientDescent/update_c1/ApplyGradientDescent"));
  cr_assert_null(vs_optimizer_apply_gradients(o, &(vs_grad_and_var){grad, c2}, 1, NULL, st));
  assert_error(VS_INVALID_ARGUMENT, "ValueError", "the constraint of c2 returned no tensor of its graph");
  cr_assert_eq(calls, 1);
  vs_item items[1];
  cr_assert_eq(vs_get_collection(g, VS_TRAIN_OP, NULL, items, 1, st), 0);
  vs_optimizer_free(o);
}

/* ---- the kernels against TensorFlow's trajectories ---------------------- */

/* Initialises every global variable, then runs `train` n times. */
static void init_and_run(vs_session *s, vs_op *train, int n) {
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  assert_ok();
  for (int i = 0; i < n; i++) {
    vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &train, 1, st);
    assert_ok();
  }
}

/* Five steps of `o` on w = W0 with the gradient 2 * (w - T); w must end at
 * TF's `want`. Returns the session (the caller frees it). */
static vs_session *trajectory(vs_optimizer *o, const float want[6], vs_var **wout) {
  vs_var *v = vs_get_variable(g, "w", &(vs_var_opts){.initializer = vs_value_initializer(W0, VS_FLOAT, 6,
                                                                                          VS_SHAPE(2, 3))},
                              st);
  assert_ok();
  vs_output target = vs_constant(g, T0, VS_FLOAT, VS_SHAPE(2, 3), "T", st);
  vs_output grad = vs_mul(g, vs_sub(g, vs_var_value(v), target, NULL, st), vs_constant_float(g, 2.0f, NULL, st),
                          NULL, st);
  vs_grad_and_var gv = {grad, v};
  vs_op *train = vs_optimizer_apply_gradients(o, &gv, 1, NULL, st);
  assert_ok();
  vs_session *s = vs_session_new(g, NULL, st);
  if (vs_status_code(st) == VS_NOT_FOUND) cr_skip_test("no OpenCL device");
  assert_ok();
  init_and_run(s, train, 5);
  vs_tensor *got = vs_session_variable_value(s, v, st);
  assert_ok();
  const float *d = vs_tensor_data(got);
  for (int i = 0; i < 6; i++)
    cr_expect(fabs(d[i] - want[i]) <= 2e-6 * (1 + fabs(want[i])), "w[%d] = %.9g, TensorFlow %.9g", i, d[i],
              want[i]);
  vs_tensor_free(got);
  if (wout) *wout = v;
  return s;
}

Test(optimizers, gradient_descent_trajectory) {
  vs_optimizer *o = vs_gradient_descent_optimizer(0.1, NULL, st);
  static const float want[6] = {0.83616f, 1.01696f, 2.6723201f, -0.1808f, 0.33616f, -0.08191999f};
  vs_session_free(trajectory(o, want, NULL));
  vs_optimizer_free(o);
}

Test(optimizers, momentum_trajectory) {
  vs_optimizer *o = vs_momentum_optimizer(0.1, 0.9, NULL, st);
  static const float want[6] = {1.29021f, 3.7412598f, 3.58042f, -2.4510498f, 0.79021f, 0.145105f};
  vs_session_free(trajectory(o, want, NULL));
  vs_optimizer_free(o);
}

Test(optimizers, nesterov_trajectory) {
  vs_optimizer *o = vs_momentum_optimizer(0.1, 0.9, &(vs_momentum_opts){.use_nesterov = true}, st);
  static const float want[6] = {1.2078587f, 3.2471526f, 3.4157174f, -2.0392938f, 0.7078588f, 0.10392938f};
  vs_session_free(trajectory(o, want, NULL));
  vs_optimizer_free(o);
}

Test(optimizers, adam_trajectory_and_beta_powers) {
  vs_optimizer *o = vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.1)}, st);
  static const float want[6] = {0.9721841f, -0.501781f, 2.4920347f, 1.0022262f, 0.47218412f, 0.12760332f};
  vs_session *s = trajectory(o, want, NULL);
  /* Five steps advanced beta1_power from 0.9 to 0.9^6 (float32 products). */
  vs_tensor *b1 = vs_session_variable_value(s, vs_optimizer_get_non_slot_variable(o, g, "beta1_power"), st);
  assert_ok();
  float want_b1 = 0.9f;
  for (int i = 0; i < 5; i++) want_b1 *= 0.9f;
  cr_expect(fabsf(*(float *)vs_tensor_data(b1) - want_b1) <= 1e-7f, "beta1_power %.9g, want %.9g",
            *(float *)vs_tensor_data(b1), want_b1);
  vs_tensor_free(b1);
  vs_session_free(s);
  vs_optimizer_free(o);
}

Test(optimizers, rmsprop_trajectory) {
  vs_optimizer *o = vs_rmsprop_optimizer(0.01, NULL, st);
  static const float want[6] = {0.54837525f, -0.90017223f, 2.074317f, 1.4025307f, 0.04837523f, -0.22314557f};
  vs_session_free(trajectory(o, want, NULL));
  vs_optimizer_free(o);
}

Test(optimizers, rmsprop_centered_trajectory) {
  vs_optimizer *o = vs_rmsprop_optimizer(0.01, &(vs_rmsprop_opts){.momentum = VS_OPT_DOUBLE(0.9), .centered = true}, st);
  static const float want[6] = {0.6296044f, -0.6843747f, 2.214513f, 1.194568f, 0.12960444f, -0.18092552f};
  vs_session_free(trajectory(o, want, NULL));
  vs_optimizer_free(o);
}

/* The step counter advances once per run of the train op. */
Test(optimizers, global_step_counts_runs) {
  model();
  vs_var *step = vs_train_get_or_create_global_step(g, st);
  vs_optimizer *o = vs_momentum_optimizer(0.1, 0.9, NULL, st);
  vs_op *train = apply2(o, step);
  vs_session *s = vs_session_new(g, NULL, st);
  if (vs_status_code(st) == VS_NOT_FOUND) cr_skip_test("no OpenCL device");
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  assert_ok();
  float gw1[6] = {1, 1, 1, 1, 1, 1}, gb1[3] = {1, 2, 3};
  vs_tensor *tw = vs_tensor_new(VS_FLOAT, VS_SHAPE(2, 3), gw1, st), *tb = vs_tensor_new(VS_FLOAT, VS_SHAPE(3), gb1, st);
  vs_output feeds[2] = {gw, gb};
  vs_tensor *vals[2] = {tw, tb};
  for (int i = 0; i < 3; i++) {
    vs_session_run(s, feeds, vals, 2, NULL, NULL, 0, &train, 1, st);
    assert_ok();
  }
  vs_tensor *n = vs_session_variable_value(s, step, st);
  assert_ok();
  cr_assert_eq(*(int64_t *)vs_tensor_data(n), 3);
  /* b after 3 steps of momentum 0.9, lr 0.1, grad g: -lr * g * (1 + 1.9 + 2.71). */
  vs_tensor *bv = vs_session_variable_value(s, b, st);
  for (int i = 0; i < 3; i++)
    cr_expect(fabsf(((float *)vs_tensor_data(bv))[i] + 0.1f * gb1[i] * 5.61f) <= 1e-5f, "b[%d] = %.9g", i,
              ((float *)vs_tensor_data(bv))[i]);
  vs_tensor_free(bv);
  vs_tensor_free(n);
  vs_tensor_free(tw);
  vs_tensor_free(tb);
  vs_session_free(s);
  vs_optimizer_free(o);
}

/* Run-time errors are TF's kernels': an uninitialised slot, a fed gradient
 * of another shape than the variable's. */
Test(optimizers, run_time_errors) {
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(3)}, st);
  vs_output grad = vs_placeholder(g, VS_FLOAT, VS_UNKNOWN_SHAPE, "g", st);
  vs_optimizer *o = vs_momentum_optimizer(0.1, 0.9, NULL, st);
  vs_grad_and_var gv = {grad, v};
  vs_op *train = vs_optimizer_apply_gradients(o, &gv, 1, NULL, st);
  assert_ok();
  vs_session *s = vs_session_new(g, NULL, st);
  if (vs_status_code(st) == VS_NOT_FOUND) cr_skip_test("no OpenCL device");
  vs_op *init = vs_var_initializer_op(v);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  assert_ok();
  float two[2] = {1, 2}, three[3] = {1, 2, 3};
  vs_tensor *t2 = vs_tensor_new(VS_FLOAT, VS_SHAPE(2), two, st), *t3 = vs_tensor_new(VS_FLOAT, VS_SHAPE(3), three, st);
  vs_session_run(s, &grad, &t3, 1, NULL, NULL, 0, &train, 1, st);
  assert_error(VS_FAILED_PRECONDITION, "FailedPreconditionError",
               "Attempting to use uninitialized value v/Momentum\n\t [[{{node Momentum/update_v/ApplyMomentum}}]]");
  vs_op *init_slot = vs_var_initializer_op(vs_optimizer_get_slot(o, v, "momentum"));
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init_slot, 1, st);
  assert_ok();
  vs_session_run(s, &grad, &t2, 1, NULL, NULL, 0, &train, 1, st);
  assert_error(VS_INVALID_ARGUMENT, "InvalidArgumentError",
               "var and grad do not have the same shape[3] [2]\n\t [[{{node Momentum/update_v/ApplyMomentum}}]]");
  vs_session_run(s, &grad, &t3, 1, NULL, NULL, 0, &train, 1, st);
  assert_ok();
  vs_tensor_free(t2);
  vs_tensor_free(t3);
  vs_session_free(s);
  vs_optimizer_free(o);
}

/* ---- minimize: tf.gradients, then apply_gradients ------------------------ */

/* loss = sum((w - T)^2) minimized by Adam(0.1) with a global step: TF's
 * losses (fetched in the run that applies the step) and final w. */
Test(optimizers, minimize_adam_losses_and_step) {
  vs_var *v = vs_get_variable(g, "w", &(vs_var_opts){.initializer = vs_value_initializer(W0, VS_FLOAT, 6,
                                                                                          VS_SHAPE(2, 3))},
                              st);
  vs_output target = vs_constant(g, T0, VS_FLOAT, VS_SHAPE(2, 3), NULL, st);
  vs_output loss = vs_reduce_sum(g, vs_square(g, vs_sub(g, vs_var_value(v), target, NULL, st), NULL, st), NULL, st);
  vs_var *step = vs_train_get_or_create_global_step(g, st);
  vs_optimizer *o = vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.1)}, st);
  vs_op *train = vs_optimizer_minimize(o, loss, &(vs_minimize_opts){.global_step = step}, st);
  assert_ok();
  cr_assert_str_eq(vs_op_name(train), "Adam");
  char buf[512];
  vs_op *apply = vs_graph_operation_by_name(g, "Adam/update_w/ApplyAdam");
  cr_assert_not_null(apply);
  /* minimize's default GATE_OP: the gated gradient, as TF 2.21 names it. */
  cr_assert_str_eq(vs_output_name(vs_op_input(apply, 9)), "gradients/sub_grad/tuple/control_dependency:0",
                   "grad input of %s", inputs_of(apply, buf, sizeof buf));
  vs_session *s = vs_session_new(g, NULL, st);
  if (vs_status_code(st) == VS_NOT_FOUND) cr_skip_test("no OpenCL device");
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  assert_ok();
  static const float losses[5] = {16.8125f, 15.322501f, 13.956195f, 12.71124f, 11.578466f};
  for (int i = 0; i < 5; i++) {
    vs_tensor *l = NULL;
    vs_session_run(s, NULL, NULL, 0, &loss, &l, 1, &train, 1, st);
    assert_ok();
    float got = *(float *)vs_tensor_data(l);
    cr_expect(fabsf(got - losses[i]) <= 2e-6f * (1 + losses[i]), "loss %d = %.9g, TensorFlow %.9g", i, got,
              losses[i]);
    vs_tensor_free(l);
  }
  static const float want[6] = {0.9721841f, -0.501781f, 2.4920347f, 1.0022262f, 0.47218412f, 0.12760332f};
  vs_tensor *got = vs_session_variable_value(s, v, st), *n = vs_session_variable_value(s, step, st);
  assert_ok();
  for (int i = 0; i < 6; i++)
    cr_expect(fabsf(((float *)vs_tensor_data(got))[i] - want[i]) <= 2e-6f * (1 + fabsf(want[i])), "w[%d]", i);
  cr_assert_eq(*(int64_t *)vs_tensor_data(n), 5);
  vs_tensor_free(got);
  vs_tensor_free(n);
  vs_session_free(s);
  vs_optimizer_free(o);
}

Test(optimizers, minimize_errors) {
  model();
  vs_optimizer *o = vs_gradient_descent_optimizer(0.1, NULL, st);
  vs_output loss = vs_reduce_sum(g, vs_var_value(w), NULL, st);
  assert_ok();
  cr_assert_null(vs_optimizer_minimize(o, loss, &(vs_minimize_opts){.var_list = (vs_var *[]){NULL}, .n_vars = 0}, st));
  assert_error(VS_INVALID_ARGUMENT, "ValueError", "No variables to optimize.");
  cr_assert_null(vs_optimizer_minimize(o, vs_constant_int32(g, 1, NULL, st), NULL, st));
  assert_error(VS_INVALID_ARGUMENT, "ValueError",
               "Invalid type tf.int32 for Const_1:0, expected: [tf.float32, tf.float64, tf.float16, tf.bfloat16].");
  vs_var *c = vs_get_variable(g, "c", &(vs_var_opts){.shape = VS_SHAPE(1)}, st);
  cr_assert_null(vs_optimizer_minimize(o, loss, &(vs_minimize_opts){.var_list = &c, .n_vars = 1}, st));
  assert_error(VS_INVALID_ARGUMENT, "ValueError",
               "No gradients provided for any variable, check your graph for ops that do not support gradients, "
               "between variables [\"<tf.Variable 'c:0' shape=(1,) dtype=float32_ref>\"] and loss "
               "Tensor(\"Sum:0\", shape=(), dtype=float32).");
  /* compute_gradients: None for a variable the loss does not use; a sizing call builds nothing. */
  size_t before = vs_graph_num_operations(g);
  cr_assert_eq(vs_optimizer_compute_gradients(o, loss, NULL, NULL, 0, st), 3);
  assert_ok();
  cr_assert_eq(vs_graph_num_operations(g), before);
  vs_grad_and_var gv[3];
  cr_assert_eq(vs_optimizer_compute_gradients(o, loss, NULL, gv, 2, st), 0);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_eq(vs_optimizer_compute_gradients(o, loss, NULL, gv, 3, st), 3);
  assert_ok();
  cr_assert_eq(gv[0].var, w);
  cr_assert_not_null(gv[0].grad.op);
  cr_assert_null(gv[1].grad.op);
  cr_assert_null(gv[2].grad.op);
  vs_optimizer_free(o);
}

/* The buffer a session holds a variable's value in, and its device. */
static cl_mem var_buffer(vs_session *s, vs_var *v, size_t *dev) {
  *dev = s->vars[v->index].dev;
  return s->vars[v->index].buf;
}

/* Two devices (tools/run-tests.sh runs this binary again with two PoCL
 * devices, GPU:1 mapped to CL:1): a variable on GPU:1 trained from a loss
 * computed on the default device keeps its slot there, the update runs
 * where its buffer is, and it is TF's (the momentum trajectory). Skipped
 * with one device. */
static void on_second_device(bool resource) {
  if (vs_num_devices(NULL) < 2) cr_skip_test("needs two devices (POCL_DEVICES=\"pthread pthread\")");
  vs_device_push(g, "/device:GPU:1", st);
  vs_var *v = vs_get_variable(g, "w", &(vs_var_opts){.initializer = vs_value_initializer(W0, VS_FLOAT, 6,
                                                                                          VS_SHAPE(2, 3)),
                                                       .use_resource = resource ? VS_OPT_TRUE : VS_OPT_FALSE},
                              st);
  vs_device_pop(g, st);
  assert_ok();
  vs_output target = vs_constant(g, T0, VS_FLOAT, VS_SHAPE(2, 3), "T", st);
  vs_output loss = vs_reduce_sum(g, vs_square(g, vs_sub(g, vs_var_value(v), target, NULL, st), NULL, st), NULL, st);
  vs_optimizer *o = vs_momentum_optimizer(0.1, 0.9, NULL, st);
  vs_op *train = vs_optimizer_minimize(o, loss, NULL, st);
  assert_ok();
  vs_var *slot = vs_optimizer_get_slot(o, v, "momentum");
  cr_assert_eq(vs_var_is_resource(slot), resource);
  cr_assert_str_eq(vs_op_device(vs_var_op(slot)), "/device:GPU:1");
  vs_session *s = vs_session_new(g, &(vs_session_opts){.default_device = "/device:CL:0"}, st);
  assert_ok();
  init_and_run(s, train, 5);
  size_t dev_w = vs_session_op_device(s, vs_var_op(v)), at;
  const char *update = resource ? "Momentum/update_w/ResourceApplyMomentum" : "Momentum/update_w/ApplyMomentum";
  cr_assert_eq(vs_session_op_device(s, vs_graph_operation_by_name(g, update)), dev_w);
  cr_assert_eq(vs_session_op_device(s, vs_var_op(slot)), dev_w);
  cr_assert_neq(vs_session_op_device(s, loss.op), dev_w, "the loss ran on the variable's device");
  var_buffer(s, v, &at);
  cr_assert_eq(at, dev_w, "w's buffer left its device");
  var_buffer(s, slot, &at);
  cr_assert_eq(at, dev_w, "the slot's buffer is not on w's device");
  static const float want[6] = {1.29021001f, 3.74125981f, 3.58042002f, -2.4510498f, 0.790210009f, 0.145105004f};
  vs_tensor *got = vs_session_variable_value(s, v, st);
  assert_ok();
  for (int i = 0; i < 6; i++)
    cr_expect(fabsf(((float *)vs_tensor_data(got))[i] - want[i]) <= 2e-6f * (1 + fabsf(want[i])), "w[%d] = %.9g", i,
              ((float *)vs_tensor_data(got))[i]);
  vs_tensor_free(got);
  vs_session_free(s);
  vs_optimizer_free(o);
}

Test(optimizers, variable_on_second_device) { on_second_device(false); }

/* Bad handles get a clear status, never a crash. */
Test(optimizers, hostile_arguments) {
  model();
  vs_optimizer *o = vs_adam_optimizer(NULL, st);
  cr_assert_null(vs_optimizer_apply_gradients(NULL, &(vs_grad_and_var){gw, w}, 1, NULL, st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_null(vs_optimizer_apply_gradients(o, NULL, 2, NULL, st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_null(vs_optimizer_apply_gradients(o, &(vs_grad_and_var){gw, NULL}, 1, NULL, st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  vs_op *noop = vs_no_op(g, "nothing", st);
  cr_assert_null(vs_optimizer_apply_gradients(o, &(vs_grad_and_var){{noop, 0}, w}, 1, NULL, st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  vs_graph *other = vs_graph_new();
  vs_output foreign = vs_placeholder(other, VS_FLOAT, VS_SHAPE(2, 3), "gw", st);
  cr_assert_null(vs_optimizer_apply_gradients(o, &(vs_grad_and_var){foreign, w}, 1, NULL, st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  vs_var *sv = vs_get_variable(g, "s", &(vs_var_opts){.shape = VS_SCALAR, .dtype = VS_STRING,
                                                       .initializer = vs_zeros_initializer()}, st);
  if (sv) { /* a string "step" is refused before anything is built */
    cr_assert_null(vs_optimizer_apply_gradients(o, &(vs_grad_and_var){gw, w}, 1, &(vs_apply_opts){.global_step = sv}, st));
    cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  }
  cr_assert_eq(vs_optimizer_compute_gradients(NULL, gw, NULL, NULL, 0, st), 0);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_eq(vs_optimizer_compute_gradients(o, (vs_output){0}, NULL, NULL, 0, st), 0);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  vs_var *mixed[2] = {w, NULL};
  vs_grad_and_var out[2];
  cr_assert_eq(vs_optimizer_compute_gradients(o, vs_reduce_sum(g, vs_var_value(w), NULL, st),
                                              &(vs_compute_gradients_opts){.var_list = mixed, .n_vars = 2}, out, 2, st),
               0);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_null(vs_optimizer_minimize(o, (vs_output){0}, NULL, st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_null(vs_optimizer_get_slot(NULL, w, "m"));
  cr_assert_null(vs_optimizer_get_slot(o, NULL, "m"));
  cr_assert_null(vs_optimizer_get_slot(o, w, NULL));
  cr_assert_eq(vs_optimizer_get_slot_names(NULL, NULL, 0), 0);
  cr_assert_eq(vs_optimizer_variables(o, NULL, NULL, 0), 0);
  cr_assert_null(vs_optimizer_get_non_slot_variable(o, g, NULL));
  cr_assert_null(vs_optimizer_name(NULL));
  cr_assert_null(vs_train_get_global_step(NULL, st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_null(vs_train_get_or_create_global_step(NULL, st));
  cr_assert_null(vs_train_create_global_step(NULL, NULL));
  vs_optimizer_free(NULL);
  vs_graph_free(other);
  vs_optimizer_free(o);
}

/* ---- resource variables ------------------------------------------------- */

static vs_var *resource_var(const char *name, const float *init, vs_shape shape) {
  int64_t n = vs_shape_num_elements(shape);
  return vs_get_variable(g, name, &(vs_var_opts){.initializer = vs_value_initializer(init, VS_FLOAT, (size_t)n, shape),
                                                  .use_resource = VS_OPT_TRUE},
                         st);
}

/* ResourceApplyMomentum writes the variable's and the slot's own buffers
 * (no new buffer per step, nothing copied back), on their device; the
 * values are Momentum's: after gradients g, g the variable moved by
 * -lr * g * (1 + (1 + momentum)) and the slot holds g * (1 + momentum). */
Test(optimizers, resource_update_in_place_on_the_variable_buffer) {
  vs_var *v = resource_var("w", W0, VS_SHAPE(2, 3));
  vs_output grad = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2, 3), "g", st);
  vs_optimizer *o = vs_momentum_optimizer(0.1, 0.9, NULL, st);
  vs_op *train = vs_optimizer_apply_gradients(o, &(vs_grad_and_var){grad, v}, 1, NULL, st);
  assert_ok();
  vs_var *slot = vs_optimizer_get_slot(o, v, "momentum");
  cr_assert(vs_var_is_resource(slot));
  cr_assert_str_eq(vs_op_type(train), "NoOp");
  vs_op *apply = vs_graph_operation_by_name(g, "Momentum/update_w/ResourceApplyMomentum");
  cr_assert_not_null(apply);
  cr_assert_null(vs_output_name(vs_op_output(apply)), "ResourceApplyMomentum has an output");
  vs_session *s = vs_session_new(g, NULL, st);
  if (vs_status_code(st) == VS_NOT_FOUND) cr_skip_test("no OpenCL device");
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  assert_ok();
  size_t dev_w, dev_slot;
  cl_mem buf_w = var_buffer(s, v, &dev_w), buf_slot = var_buffer(s, slot, &dev_slot);
  cr_assert_not_null(buf_w);
  cr_assert_eq(dev_slot, dev_w);
  static const float gv[6] = {1, -2, 0.5f, 4, 0, -1};
  vs_tensor *t = vs_tensor_new(VS_FLOAT, VS_SHAPE(2, 3), gv, st);
  for (int i = 0; i < 2; i++) {
    vs_session_run(s, &grad, &t, 1, NULL, NULL, 0, &train, 1, st);
    assert_ok();
    size_t d1, d2;
    cr_assert_eq(var_buffer(s, v, &d1), buf_w, "step %d replaced w's buffer", i);
    cr_assert_eq(var_buffer(s, slot, &d2), buf_slot, "step %d replaced the slot's buffer", i);
    cr_assert(d1 == dev_w && d2 == dev_w);
  }
  vs_tensor *got = vs_session_variable_value(s, v, st), *acc = vs_session_variable_value(s, slot, st);
  assert_ok();
  for (int i = 0; i < 6; i++) {
    float want = W0[i] - 0.1f * gv[i] * 2.9f, want_acc = gv[i] * 1.9f;
    cr_expect(fabsf(((float *)vs_tensor_data(got))[i] - want) <= 1e-6f * (1 + fabsf(want)), "w[%d] = %.9g, want %.9g",
              i, ((float *)vs_tensor_data(got))[i], want);
    cr_expect(fabsf(((float *)vs_tensor_data(acc))[i] - want_acc) <= 1e-6f * (1 + fabsf(want_acc)),
              "slot[%d] = %.9g, want %.9g", i, ((float *)vs_tensor_data(acc))[i], want_acc);
  }
  vs_tensor_free(got);
  vs_tensor_free(acc);
  vs_tensor_free(t);
  vs_session_free(s);
  vs_optimizer_free(o);
}

/* Dtypes an optimizer cannot update: integers, and a gradient of another
 * dtype than its resource variable's (UNIMPLEMENTED, nothing built); a
 * gradient that is no number (bool)
 * fails as TF's op does, on its first T input. */
Test(optimizers, resource_variables_of_unsupported_dtypes) {
  vs_var *iv = vs_get_variable(g, "iv", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_INT32,
                                                        .initializer = vs_zeros_initializer(), .use_resource = VS_OPT_TRUE},
                               st);
  vs_output gi = vs_placeholder(g, VS_INT32, VS_SHAPE(2), "gi", st);
  vs_var *fv = resource_var("fv", W0, VS_SHAPE(2));
  vs_output gd = vs_placeholder(g, VS_DOUBLE, VS_SHAPE(2), "gd", st);
  vs_var *bv = vs_get_variable(g, "bv", &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = VS_BOOL,
                                                        .use_resource = VS_OPT_TRUE}, st);
  vs_output gbool = vs_placeholder(g, VS_BOOL, VS_SHAPE(2), "gbool", st);
  assert_ok();
  vs_optimizer *o = vs_gradient_descent_optimizer(0.1, NULL, st);
  size_t before = vs_graph_num_operations(g);
  cr_assert_null(vs_optimizer_apply_gradients(o, &(vs_grad_and_var){gi, iv}, 1, NULL, st));
  assert_error(VS_UNIMPLEMENTED, "TypeError",
               "GradientDescent: varscope's optimizers update float32 and float64 variables only (a resource variable "
               "with a gradient of its own dtype); iv:0 is int32, its gradient int32");
  cr_assert_null(vs_optimizer_apply_gradients(o, &(vs_grad_and_var){gd, fv}, 1, NULL, st));
  assert_error(VS_UNIMPLEMENTED, "TypeError",
               "GradientDescent: varscope's optimizers update float32 and float64 variables only (a resource variable "
               "with a gradient of its own dtype); fv:0 is float32, its gradient float64");
  cr_assert_eq(vs_graph_num_operations(g), before, "a refused update built ops");
  static const char *const first_t[4] = {"alpha", "lr", "beta1_power", "lr"};
  vs_optimizer *opts[4] = {vs_gradient_descent_optimizer(0.1, NULL, st), vs_momentum_optimizer(0.1, 0.9, NULL, st),
                           vs_adam_optimizer(NULL, st), vs_rmsprop_optimizer(0.1, NULL, st)};
  for (int i = 0; i < 4; i++) {
    cr_assert_null(vs_optimizer_apply_gradients(opts[i], &(vs_grad_and_var){gbool, bv}, 1, NULL, st));
    char want[512];
    snprintf(want, sizeof want,
             "Value passed to parameter '%s' has DataType bool not in list of allowed values: float32, float64, "
             "int32, uint8, int16, int8, complex64, int64, qint8, quint8, qint32, bfloat16, qint16, quint16, uint16, "
             "complex128, float16, uint32, uint64",
             first_t[i]);
    assert_error(VS_INVALID_ARGUMENT, "TypeError", want);
    vs_optimizer_free(opts[i]);
  }
  vs_optimizer_free(o);
}

/* float16 and bfloat16 variables, which TF updates in their own precision,
 * are refused before anything is built (UNIMPLEMENTED); float64 is
 * updated (conformance/cases/training.c's float64 trajectories). */
Test(optimizers, float16_and_bfloat16_variables_are_refused) {
  static const vs_dtype types[2] = {VS_HALF, VS_BFLOAT16};
  for (int i = 0; i < 2; i++) {
    char name[8], want[256];
    snprintf(name, sizeof name, "h%d", i);
    vs_var *h = vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(2), .dtype = types[i]}, st);
    vs_output gh = vs_placeholder(g, types[i], VS_SHAPE(2), NULL, st);
    assert_ok();
    vs_optimizer *o = vs_adam_optimizer(NULL, st);
    size_t before = vs_graph_num_operations(g);
    cr_assert_null(vs_optimizer_apply_gradients(o, &(vs_grad_and_var){gh, h}, 1, NULL, st));
    snprintf(want, sizeof want,
             "Adam: varscope's optimizers update float32 and float64 variables only (a resource variable with a "
             "gradient of its own dtype); %s:0 is %s, its gradient %s",
             name, vs_dtype_name(types[i]), vs_dtype_name(types[i]));
    assert_error(VS_UNIMPLEMENTED, "TypeError", want);
    cr_assert_eq(vs_graph_num_operations(g), before, "a refused update built ops");
    vs_optimizer_free(o);
  }
}

/* A resource variable on GPU:1: its slot (a resource variable) is made
 * there and ResourceApplyMomentum updates both buffers there. */
Test(optimizers, resource_variable_on_second_device) { on_second_device(true); }

/* A resource-variable Adam model saved after 3 steps (safetensors, then a
 * TF V2 bundle) and restored into a fresh session of the same graph
 * continues on TF's uninterrupted trajectory: the slots, beta powers and
 * step are all in the checkpoint under TF's names. */
Test(optimizers, resource_adam_checkpoint_round_trips) {
  vs_var *v = resource_var("w", W0, VS_SHAPE(2, 3));
  vs_output target = vs_constant(g, T0, VS_FLOAT, VS_SHAPE(2, 3), "T", st);
  vs_output loss = vs_reduce_sum(g, vs_square(g, vs_sub(g, vs_var_value(v), target, NULL, st), NULL, st), NULL, st);
  vs_enable_resource_variables(g, true, st);
  vs_var *step = vs_train_get_or_create_global_step(g, st);
  vs_enable_resource_variables(g, false, st);
  vs_optimizer *o = vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.1)}, st);
  vs_op *train = vs_optimizer_minimize(o, loss, &(vs_minimize_opts){.global_step = step}, st);
  assert_ok();
  cr_assert(vs_var_is_resource(step) && vs_var_is_resource(vs_optimizer_get_non_slot_variable(o, g, "beta1_power")));
  static const float want[6] = {0.972184122f, -0.501780987f, 2.49203467f, 1.00222623f, 0.472184122f, 0.127603322f};
  char dir[256];
  scratch_dir_new(dir, sizeof dir, "vs_rtrain");
  static const vs_ckpt_format formats[2] = {VS_CKPT_SAFETENSORS, VS_CKPT_TF_V2};
  for (int f = 0; f < 2; f++) {
    vs_session *s = vs_session_new(g, NULL, st);
    if (vs_status_code(st) == VS_NOT_FOUND) cr_skip_test("no OpenCL device");
    init_and_run(s, train, 3);
    char path[300];
    snprintf(path, sizeof path, "%s/model_%d.ckpt", dir, f);
    vs_saver *sv = vs_saver_new(g, &(vs_saver_opts){.format = formats[f]}, st);
    vs_saver_save(sv, s, path, st);
    assert_ok();
    vs_session_free(s);
    s = vs_session_new(g, NULL, st);
    vs_saver_restore(sv, s, path, st);
    assert_ok();
    for (int i = 0; i < 2; i++) {
      vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &train, 1, st);
      assert_ok();
    }
    vs_tensor *got = vs_session_variable_value(s, v, st), *n = vs_session_variable_value(s, step, st);
    assert_ok();
    for (int i = 0; i < 6; i++)
      cr_expect(fabsf(((float *)vs_tensor_data(got))[i] - want[i]) <= 2e-6f * (1 + fabsf(want[i])),
                "format %d: w[%d] = %.9g, want %.9g", f, i, ((float *)vs_tensor_data(got))[i], want[i]);
    cr_expect_eq(*(int64_t *)vs_tensor_data(n), 5, "format %d: step %lld", f, (long long)*(int64_t *)vs_tensor_data(n));
    vs_tensor_free(got);
    vs_tensor_free(n);
    vs_saver_free(sv);
    vs_session_free(s);
  }
  scratch_dir_remove(dir);
  vs_optimizer_free(o);
}

/* ---- TensorFlow resumes varscope's training ------------------------------ */

/* The Python with TensorFlow: $VARSCOPE_TF_PYTHON, else the oracle's venv;
 * NULL when neither is there. */
static const char *tf_python(char *buf, size_t cap) {
  const char *py = getenv("VARSCOPE_TF_PYTHON"), *home = getenv("HOME");
  if (py && *py) snprintf(buf, cap, "%s", py);
  else snprintf(buf, cap, "%s/.cache/varscope/oracle-venv/bin/python", home ? home : "");
  return access(buf, X_OK) == 0 ? buf : NULL;
}

/* Reads one line of `f` into buf without its newline; false at EOF. */
static bool line_of(FILE *f, char *buf, int cap) {
  if (!fgets(buf, cap, f)) return false;
  buf[strcspn(buf, "\n")] = '\0';
  return true;
}

/* varscope trains 3 Adam steps and saves a TF V2 checkpoint; TensorFlow
 * (tools/tf_resume_adam.py, started before any OpenCL call) restores it into
 * its own Adam graph by TF's names and trains 2 more steps: its losses, w and
 * step must be TF's uninterrupted 5-step values, which holds only when the
 * slots and beta powers were saved under TF's names with their values. Then
 * TF imports the GraphDef varscope exports of the same graph: its ApplyAdam
 * has TF's attrs, and 5 steps of its train op from the initial values end
 * at the same w. Skipped when no Python with TensorFlow is found. */
static void tensorflow_resumes(bool resource) {
  char pybuf[512], dir[256], line[4096];
  const char *py = tf_python(pybuf, sizeof pybuf);
  if (!py) cr_skip_test("no Python with TensorFlow (VARSCOPE_TF_PYTHON, or the oracle venv)");
  char *argv[] = {(char *)py, VS_SOURCE_DIR "/tools/tf_resume_adam.py", resource ? "resource" : NULL, NULL};
  int to_fd, from_fd;
  pid_t pid = spawn(argv, &to_fd, &from_fd, true); /* TF's log lines on stderr: dropped */
  cr_assert_gt(pid, 0);
  FILE *to = fdopen(to_fd, "w"), *from = fdopen(from_fd, "r");
  cr_assert(to && from);
  cr_assert(line_of(from, line, sizeof line) && strcmp(line, "ready") == 0, "python did not start: %s", line);

  vs_var *v = vs_get_variable(g, "w", &(vs_var_opts){.initializer = vs_value_initializer(W0, VS_FLOAT, 6,
                                                                                          VS_SHAPE(2, 3)),
                                                       .use_resource = resource ? VS_OPT_TRUE : VS_OPT_FALSE},
                              st);
  vs_output target = vs_constant(g, T0, VS_FLOAT, VS_SHAPE(2, 3), "T", st);
  vs_output loss = vs_reduce_sum(g, vs_square(g, vs_sub(g, vs_var_value(v), target, NULL, st), NULL, st), NULL, st);
  vs_var *step = vs_train_get_or_create_global_step(g, st);
  vs_optimizer *o = vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.1)}, st);
  vs_op *train = vs_optimizer_minimize(o, loss, &(vs_minimize_opts){.global_step = step}, st);
  assert_ok();
  cr_assert_eq(vs_var_is_resource(vs_optimizer_get_slot(o, v, "m")), resource);
  vs_session *s = vs_session_new(g, NULL, st);
  assert_ok();
  init_and_run(s, train, 3);
  scratch_dir_new(dir, sizeof dir, "vs_optim");
  char prefix[300];
  snprintf(prefix, sizeof prefix, "%s/model.ckpt", dir);
  vs_saver *sv = vs_saver_new(g, &(vs_saver_opts){.format = VS_CKPT_TF_V2}, st);
  vs_saver_save(sv, s, prefix, st);
  assert_ok();
  char pb[300];
  snprintf(pb, sizeof pb, "%s/train.pb", dir);
  vs_graph_write_graphdef(g, pb, NULL, st);
  assert_ok();
  fprintf(to, "prefix %s\ngraphdef %s\n", prefix, pb);
  fclose(to);

  cr_assert(line_of(from, line, sizeof line), "no keys line");
  cr_expect_str_eq(line, "keys beta1_power beta2_power global_step w w/Adam w/Adam_1");
  float l4, l5, w5[6];
  long long n = 0;
  cr_assert(line_of(from, line, sizeof line) && sscanf(line, "losses %f %f", &l4, &l5) == 2, "losses: %s", line);
  cr_assert(line_of(from, line, sizeof line) &&
                sscanf(line, "w %f %f %f %f %f %f", &w5[0], &w5[1], &w5[2], &w5[3], &w5[4], &w5[5]) == 6,
            "w: %s", line);
  cr_assert(line_of(from, line, sizeof line) && sscanf(line, "step %lld", &n) == 1, "step: %s", line);
  /* The exported GraphDef: TF's ApplyAdam attrs, and TF trains it from the start to the same w. */
  float wg[6];
  cr_assert(line_of(from, line, sizeof line), "no graphdef_attrs line");
  cr_expect_str_eq(line, "graphdef_attrs same");
  cr_assert(line_of(from, line, sizeof line) &&
                sscanf(line, "graphdef_w %f %f %f %f %f %f", &wg[0], &wg[1], &wg[2], &wg[3], &wg[4], &wg[5]) == 6,
            "graphdef_w: %s", line);
  fclose(from);
  cr_assert_eq(wait_exit(pid), 0);
  /* TF's own 5-step run (conformance/cases/training.c, optimizer_trajectory_adam). */
  cr_expect(fabsf(l4 - 12.7112398f) <= 2e-6f * 13.7f && fabsf(l5 - 11.5784664f) <= 2e-6f * 12.6f,
            "losses %.9g %.9g", l4, l5);
  static const float want[6] = {0.972184122f, -0.501780987f, 2.49203467f, 1.00222623f, 0.472184122f, 0.127603322f};
  for (int i = 0; i < 6; i++) {
    cr_expect(fabsf(w5[i] - want[i]) <= 2e-6f * (1 + fabsf(want[i])), "w[%d] = %.9g, want %.9g", i, w5[i], want[i]);
    cr_expect(fabsf(wg[i] - want[i]) <= 2e-6f * (1 + fabsf(want[i])), "GraphDef w[%d] = %.9g, want %.9g", i, wg[i],
              want[i]);
  }
  cr_expect_eq(n, 5);
  vs_saver_free(sv);
  vs_session_free(s);
  vs_optimizer_free(o);
  scratch_dir_remove(dir);
}

Test(optimizers, tensorflow_resumes_varscope_adam_checkpoint_and_graphdef) { tensorflow_resumes(false); }

/* The same with w a resource variable (its slots and beta powers resource
 * variables too): the checkpoint holds the same keys, TF (building its own
 * resource model) resumes on its trajectory, and the exported GraphDef is
 * TF's node for node (tools/tf_resume_adam.py resource: names, ops,
 * inputs, devices and attrs, ResourceApplyAdam's included), and trains
 * in TF to the same w. */
Test(optimizers, tensorflow_resumes_varscope_resource_adam_checkpoint_and_graphdef) { tensorflow_resumes(true); }
