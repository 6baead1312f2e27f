/* conformance/cases/training.c - issue 13: gradients and optimizers.
 * Twins: conformance/oracle/training.py (the same names, in the same order).
 *
 * The gradient cases come first; the optimizer cases follow the marker
 * below. Optimizer trajectories: from the same initial values, N steps of
 * each optimizer must end at TensorFlow 2.21's values, which the C cases
 * hold as constants and the twins recompute under TensorFlow and compare
 * with the same constants. Tolerance: |got - want| <= 2e-6 * (1 + |want|)
 * per element (float32 updates in TF's order, five steps; sqrt, division
 * and FMA contraction rounded by another compiler). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

#define VSC_SUITE "training"

/* ---- optimizers ---- */

/* The inputs of op as "a:0 b:0 ^c" (control inputs last, '^'). */
static const char *opt_inputs(vs_op *op, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  for (int i = 0; op && i < vs_op_num_inputs(op); i++)
    len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", len ? " " : "",
                            vs_output_name(vs_op_input(op, i)));
  for (int i = 0; op && i < vs_op_num_control_inputs(op); i++)
    len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s^%s", len ? " " : "",
                            vs_op_name(vs_op_control_input(op, i)));
  return buf;
}

/* The op `name` has type `type` and inputs `ins` (opt_inputs' form). */
#define OPT_OP(name, type, ins)                                                   \
  do {                                                                            \
    vs_op *vsc_op_ = vs_graph_operation_by_name(g, (name));                       \
    char vsc_ib_[1024];                                                           \
    EXPECT(vsc_op_ != NULL, "no op %s", (name));                                  \
    STR_EQ(vs_op_type(vsc_op_), type);                                            \
    STR_EQ(opt_inputs(vsc_op_, vsc_ib_, sizeof vsc_ib_), ins);                    \
  } while (0)

/* layer/w (2x3, ones), layer/b (3, zeros) and their gradients' placeholders. */
#define OPT_MODEL()                                                                          \
  VSCOPE(layer, "layer");                                                                    \
  GETV(w, "w", .shape = VS_SHAPE(2, 3), .initializer = vs_ones_initializer());               \
  GETV(b, "b", .shape = VS_SHAPE(3), .initializer = vs_zeros_initializer());                 \
  VPOP(layer);                                                                               \
  vs_output gw = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2, 3), "gw", st);                      \
  OK();                                                                                      \
  vs_output gb = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3), "gb", st);                         \
  OK();                                                                                      \
  vs_grad_and_var gv[2] = {{gw, w}, {gb, b}}

/* Frees the optimizer when the case returns, failed or not. */
static void opt_release(vs_optimizer **o) { vs_optimizer_free(*o); }
#define OPTIMIZER(o, make)                                                             \
  vs_optimizer *o __attribute__((cleanup(opt_release))) = (make);                     \
  OK()

VSC_CASE(optimizer_gradient_descent_graph) {
  OPT_MODEL();
  OPTIMIZER(o, vs_gradient_descent_optimizer(0.1, NULL, st));
  vs_op *train = vs_optimizer_apply_gradients(o, gv, 2, NULL, st);
  OK();
  STR_EQ(vs_op_name(train), "GradientDescent");
  STR_EQ(vs_op_type(train), "NoOp");
  OPT_OP("GradientDescent/learning_rate", "Const", "");
  OPT_OP("GradientDescent/update_layer/w/ApplyGradientDescent", "ApplyGradientDescent",
         "layer/w:0 GradientDescent/learning_rate:0 gw:0");
  OPT_OP("GradientDescent/update_layer/b/ApplyGradientDescent", "ApplyGradientDescent",
         "layer/b:0 GradientDescent/learning_rate:0 gb:0");
  OPT_OP("GradientDescent", "NoOp",
         "^GradientDescent/update_layer/w/ApplyGradientDescent ^GradientDescent/update_layer/b/ApplyGradientDescent");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "layer/w:0 layer/b:0");
  vs_item items[2];
  INT_EQ(vs_get_collection(g, VS_TRAIN_OP, NULL, items, 2, st), 1);
  EXPECT(items[0].op == train, "TRAIN_OP holds another op");
}

VSC_CASE(optimizer_momentum_slots) {
  OPT_MODEL();
  OPTIMIZER(o, vs_momentum_optimizer(0.1, 0.9, NULL, st));
  vs_op *train = vs_optimizer_apply_gradients(o, gv, 2, NULL, st);
  OK();
  STR_EQ(vs_op_name(train), "Momentum");
  vs_var *slot = vs_optimizer_get_slot(o, w, "momentum");
  VAR_NAME(slot, "layer/w/Momentum:0");
  EXPECT(!vs_var_trainable(slot), "a slot is trainable");
  SHAPE_STR(vs_var_shape(slot), "(2, 3)");
  EXPECT(vs_optimizer_get_slot(o, w, "m") == NULL, "an unknown slot name gave a slot");
  OPT_OP("layer/w/Momentum/Initializer/zeros", "Const", "");
  OPT_OP("layer/w/Momentum/Assign", "Assign", "layer/w/Momentum:0 layer/w/Momentum/Initializer/zeros:0");
  OPT_OP("Momentum/learning_rate", "Const", "");
  OPT_OP("Momentum/momentum", "Const", "");
  OPT_OP("Momentum/update_layer/w/ApplyMomentum", "ApplyMomentum",
         "layer/w:0 layer/w/Momentum:0 Momentum/learning_rate:0 gw:0 Momentum/momentum:0");
  OPT_OP("Momentum", "NoOp", "^Momentum/update_layer/w/ApplyMomentum ^Momentum/update_layer/b/ApplyMomentum");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL, "layer/w:0 layer/b:0 layer/w/Momentum:0 layer/b/Momentum:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "layer/w:0 layer/b:0");
  const char *names[2];
  INT_EQ(vs_optimizer_get_slot_names(o, names, 2), 1);
  STR_EQ(names[0], "momentum");
}

VSC_CASE(optimizer_second_momentum_uniquifies_slots) {
  OPT_MODEL();
  OPTIMIZER(o1, vs_momentum_optimizer(0.1, 0.9, NULL, st));
  OPTIMIZER(o2, vs_momentum_optimizer(0.1, 0.9, NULL, st));
  vs_optimizer_apply_gradients(o1, gv, 1, NULL, st);
  OK();
  vs_op *t2 = vs_optimizer_apply_gradients(o2, gv, 1, NULL, st);
  OK();
  VAR_NAME(vs_optimizer_get_slot(o1, w, "momentum"), "layer/w/Momentum:0");
  VAR_NAME(vs_optimizer_get_slot(o2, w, "momentum"), "layer/w/Momentum_1:0");
  STR_EQ(vs_op_name(t2), "Momentum_1");
  EXPECT(vs_optimizer_get_slot(o1, b, "momentum") == NULL, "b has a slot without a gradient");
}

VSC_CASE(optimizer_adam_graph) {
  OPT_MODEL();
  OPTIMIZER(o, vs_adam_optimizer(NULL, st));
  vs_op *train = vs_optimizer_apply_gradients(o, gv, 2, NULL, st);
  OK();
  STR_EQ(vs_op_name(train), "Adam");
  VAR_NAME(vs_optimizer_get_non_slot_variable(o, g, "beta1_power"), "beta1_power:0");
  VAR_NAME(vs_optimizer_get_non_slot_variable(o, g, "beta2_power"), "beta2_power:0");
  VAR_NAME(vs_optimizer_get_slot(o, w, "m"), "layer/w/Adam:0");
  VAR_NAME(vs_optimizer_get_slot(o, w, "v"), "layer/w/Adam_1:0");
  OPT_OP("beta1_power/initial_value", "Const", "");
  OPT_OP("beta1_power/Assign", "Assign", "beta1_power:0 beta1_power/initial_value:0");
  OPT_OP("Adam/update_layer/w/ApplyAdam", "ApplyAdam",
         "layer/w:0 layer/w/Adam:0 layer/w/Adam_1:0 beta1_power/read:0 beta2_power/read:0 Adam/learning_rate:0 "
         "Adam/beta1:0 Adam/beta2:0 Adam/epsilon:0 gw:0");
  OPT_OP("Adam/mul", "Mul", "beta1_power/read:0 Adam/beta1:0 ^Adam/update_layer/w/ApplyAdam ^Adam/update_layer/b/ApplyAdam");
  OPT_OP("Adam/Assign", "Assign", "beta1_power:0 Adam/mul:0");
  OPT_OP("Adam/mul_1", "Mul", "beta2_power/read:0 Adam/beta2:0 ^Adam/update_layer/w/ApplyAdam ^Adam/update_layer/b/ApplyAdam");
  OPT_OP("Adam/Assign_1", "Assign", "beta2_power:0 Adam/mul_1:0");
  OPT_OP("Adam", "NoOp", "^Adam/update_layer/w/ApplyAdam ^Adam/update_layer/b/ApplyAdam ^Adam/Assign ^Adam/Assign_1");
  COLLECTION(VS_GLOBAL_VARIABLES, NULL,
             "layer/w:0 layer/b:0 beta1_power:0 beta2_power:0 layer/w/Adam:0 layer/w/Adam_1:0 layer/b/Adam:0 "
             "layer/b/Adam_1:0");
  COLLECTION(VS_TRAINABLE_VARIABLES, NULL, "layer/w:0 layer/b:0");
}

VSC_CASE(optimizer_adam_in_outer_scopes) {
  OPT_MODEL();
  VSCOPE(outer, "outer");
  NSCOPE(ns, "ns");
  OPTIMIZER(o, vs_adam_optimizer(NULL, st));
  vs_op *train = vs_optimizer_apply_gradients(o, gv, 2, &(vs_apply_opts){.name = "train"}, st);
  OK();
  NPOP();
  VPOP(outer);
  STR_EQ(vs_op_name(train), "outer/ns/train");
  VAR_NAME(vs_optimizer_get_slot(o, w, "m"), "outer/layer/w/Adam:0");
  VAR_NAME(vs_optimizer_get_non_slot_variable(o, g, "beta1_power"), "outer/ns/beta1_power:0");
  EXPECT(vs_graph_operation_by_name(g, "outer/ns/train/update_layer/b/ApplyAdam"), "no ApplyAdam for b");
}

VSC_CASE(optimizer_rmsprop_centered_slots) {
  OPT_MODEL();
  OPTIMIZER(o, vs_rmsprop_optimizer(0.01, &(vs_rmsprop_opts){.momentum = VS_OPT_DOUBLE(0.9), .centered = true}, st));
  vs_optimizer_apply_gradients(o, gv, 2, NULL, st);
  OK();
  VAR_NAME(vs_optimizer_get_slot(o, w, "rms"), "layer/w/RMSProp:0");
  VAR_NAME(vs_optimizer_get_slot(o, w, "mg"), "layer/w/RMSProp_1:0");
  VAR_NAME(vs_optimizer_get_slot(o, w, "momentum"), "layer/w/RMSProp_2:0");
  OPT_OP("layer/w/RMSProp/Initializer/ones", "Const", "");
  OPT_OP("RMSProp/decay", "Const", "");
  OPT_OP("RMSProp/update_layer/w/ApplyCenteredRMSProp", "ApplyCenteredRMSProp",
         "layer/w:0 layer/w/RMSProp_1:0 layer/w/RMSProp:0 layer/w/RMSProp_2:0 RMSProp/learning_rate:0 "
         "RMSProp/decay:0 RMSProp/momentum:0 RMSProp/epsilon:0 gw:0");
  const char *names[3];
  INT_EQ(vs_optimizer_get_slot_names(o, names, 3), 3);
  STR_EQ(names[0], "mg");
  STR_EQ(names[1], "momentum");
  STR_EQ(names[2], "rms");
}

VSC_CASE(optimizer_slots_placed_with_variable) {
  EXPECT(vs_device_push(g, "/cpu:0", st), "device push");
  GETV(v, "v", .shape = VS_SHAPE(4));
  vs_device_pop(g, st);
  vs_output grad = vs_placeholder(g, VS_FLOAT, VS_SHAPE(4), "g", st);
  OK();
  EXPECT(vs_device_push(g, "/device:GPU:3", st), "device push");
  OPTIMIZER(o, vs_adam_optimizer(NULL, st));
  vs_optimizer_apply_gradients(o, &(vs_grad_and_var){grad, v}, 1, NULL, st);
  OK();
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(vs_var_op(vs_optimizer_get_slot(o, v, "m"))), "/device:CPU:0");
  STR_EQ(vs_op_device(vs_var_op(vs_optimizer_get_non_slot_variable(o, g, "beta1_power"))), "/device:CPU:0");
  STR_EQ(vs_op_device(vs_graph_operation_by_name(g, "Adam/update_v/ApplyAdam")), "/device:CPU:0");
  STR_EQ(vs_op_device(vs_graph_operation_by_name(g, "Adam/learning_rate")), "/device:GPU:3");
}

VSC_CASE(optimizer_global_step_ops) {
  OPT_MODEL();
  VSCOPE(foo, "foo");
  vs_var *step = vs_train_get_or_create_global_step(g, st);
  OK();
  VPOP(foo);
  VAR_NAME(step, "foo/global_step:0");
  EXPECT(vs_var_dtype(step) == VS_INT64 && !vs_var_trainable(step), "global_step is not a non-trainable int64");
  COLLECTION(VS_GLOBAL_STEP, NULL, "foo/global_step:0");
  EXPECT(vs_train_get_or_create_global_step(g, st) == step, "a second global step");
  vs_train_create_global_step(g, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "\"global_step\" already exists.");
  OPTIMIZER(o, vs_gradient_descent_optimizer(0.1, &(vs_optimizer_opts){.name = "sgd"}, st));
  vs_op *train = vs_optimizer_apply_gradients(o, gv, 2, &(vs_apply_opts){.global_step = step}, st);
  OK();
  STR_EQ(vs_op_name(train), "sgd");
  OPT_OP("sgd/update", "NoOp", "^sgd/update_layer/w/ApplyGradientDescent ^sgd/update_layer/b/ApplyGradientDescent");
  OPT_OP("sgd/value", "Const", "^sgd/update");
  OPT_OP("sgd", "AssignAdd", "foo/global_step:0 sgd/value:0");
}

VSC_CASE(optimizer_global_step_must_be_integer) {
  float one = 1.5f;
  VARIABLE(v, .name = "global_step", .initial_value = vs_value_initializer(&one, VS_FLOAT, 1, NULL));
  vs_train_get_or_create_global_step(g, st);
  ERR(VS_INVALID_ARGUMENT, "TypeError", "Existing \"global_step\" does not have integer type: <dtype: 'float32_ref'>");
}

VSC_CASE(optimizer_apply_gradients_errors) {
  OPT_MODEL();
  OPTIMIZER(o, vs_gradient_descent_optimizer(0.1, NULL, st));
  vs_optimizer_apply_gradients(o, gv, 0, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "No variables provided.");
  vs_grad_and_var none[2] = {{{0}, w}, {{0}, b}};
  vs_optimizer_apply_gradients(o, none, 2, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "No gradients provided for any variable: [\"<tf.Variable 'layer/w:0' shape=(2, 3) dtype=float32_ref>\", "
      "\"<tf.Variable 'layer/b:0' shape=(3,) dtype=float32_ref>\"].");
  vs_optimizer_apply_gradients(o, &(vs_grad_and_var){gb, w}, 1, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Shapes must be equal rank, but are 2 and 1 for '{{node GradientDescent/update_layer/w/ApplyGradientDescent}} "
      "= ApplyGradientDescent[T=DT_FLOAT, use_locking=false](layer/w, GradientDescent/learning_rate, gb)' with "
      "input shapes: [2,3], [], [3].");
  vs_output ints = vs_placeholder(g, VS_INT32, VS_SHAPE(2, 3), "ints", st);
  OK();
  vs_optimizer_apply_gradients(o, &(vs_grad_and_var){ints, w}, 1, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "TypeError",
      "Input 'delta' of 'ApplyGradientDescent' Op has type int32 that does not match type float32 of argument 'var'.");
  OPTIMIZER(m, vs_momentum_optimizer(0.1, 0.9, NULL, st));
  vs_output tall = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3, 2), "tall", st);
  OK();
  vs_optimizer_apply_gradients(m, &(vs_grad_and_var){tall, w}, 1, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes are [2,3] and [3,2]. for '{{node "
      "Momentum/update_layer/w/ApplyMomentum}} = ApplyMomentum[T=DT_FLOAT, use_locking=false, "
      "use_nesterov=false](layer/w, layer/w/Momentum, Momentum/learning_rate, tall, Momentum/momentum)' with input "
      "shapes: [2,3], [2,3], [], [3,2], [].");
}

VSC_CASE(optimizer_minimize_errors) {
  GETV(w, "w", .shape = VS_SHAPE(2, 3));
  GETV(c, "c", .shape = VS_SHAPE(1));
  vs_output loss = vs_reduce_sum(g, vs_var_value(w), NULL, st);
  OK();
  OPTIMIZER(o, vs_gradient_descent_optimizer(0.1, NULL, st));
  vs_optimizer_minimize(o, loss, &(vs_minimize_opts){.var_list = &c, .n_vars = 0}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "No variables to optimize.");
  vs_optimizer_minimize(o, loss, &(vs_minimize_opts){.var_list = &c, .n_vars = 1}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "No gradients provided for any variable, check your graph for ops that do not support gradients, between "
      "variables [\"<tf.Variable 'c:0' shape=(1,) dtype=float32_ref>\"] and loss Tensor(\"Sum:0\", shape=(), "
      "dtype=float32).");
  vs_output ione = vs_constant_int32(g, 1, "ione", st);
  OK();
  vs_optimizer_minimize(o, ione, NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Invalid type tf.int32 for ione:0, expected: [tf.float32, tf.float64, tf.float16, tf.bfloat16].");
}

/* Run-time errors are TF's kernels' (TF prefixes "Graph execution error"
 * and where the node was defined; the C message is TF's OpError message). */
VSC_CASE(optimizer_run_time_errors) {
  GETV(v, "v", .shape = VS_SHAPE(3));
  vs_output grad = vs_placeholder(g, VS_FLOAT, VS_UNKNOWN_SHAPE, "g", st);
  OK();
  OPTIMIZER(o, vs_momentum_optimizer(0.1, 0.9, NULL, st));
  vs_op *train = vs_optimizer_apply_gradients(o, &(vs_grad_and_var){grad, v}, 1, NULL, st);
  OK();
  SESSION(s);
  RUN(s, vs_var_initializer_op(v));
  float two[2] = {1, 2}, three[3] = {1, 2, 3};
  vs_tensor *t2 = vs_tensor_new(VS_FLOAT, VS_SHAPE(2), two, st), *t3 = vs_tensor_new(VS_FLOAT, VS_SHAPE(3), three, st);
  vs_session_run(s, &grad, &t3, 1, NULL, NULL, 0, &train, 1, st);
  bool uninit = vs_status_code(st) == VS_FAILED_PRECONDITION &&
                strcmp(vs_status_message(st), "Attempting to use uninitialized value v/Momentum\n\t [[{{node "
                                              "Momentum/update_v/ApplyMomentum}}]]") == 0;
  RUN(s, vs_var_initializer_op(vs_optimizer_get_slot(o, v, "momentum")));
  vs_session_run(s, &grad, &t2, 1, NULL, NULL, 0, &train, 1, st);
  bool shape = vs_status_code(st) == VS_INVALID_ARGUMENT &&
               strcmp(vs_status_message(st), "var and grad do not have the same shape[3] [2]\n\t [[{{node "
                                             "Momentum/update_v/ApplyMomentum}}]]") == 0;
  char msg[512];
  snprintf(msg, sizeof msg, "%s", vs_status_message(st));
  vs_tensor_free(t2);
  vs_tensor_free(t3);
  EXPECT(uninit, "no uninitialized-slot error");
  EXPECT(shape, "shape error: %s", msg);
}

/* ---- trajectories ---- */

static const float OPT_W0[6] = {0.5f, -1.0f, 2.0f, 1.5f, 0.0f, -0.25f};
static const float OPT_T[6] = {1.0f, 2.0f, 3.0f, -1.0f, 0.5f, 0.0f};

/* w = W0; loss = sum((w - T)^2); 5 steps of o.minimize(loss); w and the
 * losses (fetched in the run of each step) must be TF's. */
static void opt_trajectory(vsc_ctx *t, vs_graph *g, vs_status *st, vs_optimizer *o, const float want_w[6],
                           const float want_loss[5]) {
  GETV(w, "w", .initializer = vs_value_initializer(OPT_W0, VS_FLOAT, 6, &VS_SHAPE(2, 3)));
  vs_output target = vs_constant(g, OPT_T, VS_FLOAT, VS_SHAPE(2, 3), "T", st);
  vs_output loss = vs_reduce_sum(g, vs_square(g, vs_sub(g, vs_var_value(w), target, NULL, st), NULL, st), NULL, st);
  OK();
  vs_op *train = vs_optimizer_minimize(o, loss, NULL, st);
  OK();
  SESSION(s);
  vs_op *init = vs_global_variables_initializer(g, st);
  OK();
  RUN(s, init);
  for (int i = 0; i < 5; i++) {
    vs_tensor *l = NULL;
    vs_session_run(s, NULL, NULL, 0, &loss, &l, 1, &train, 1, st);
    OK();
    float got = *(const float *)vs_tensor_data(l);
    vs_tensor_free(l);
    NEAR(got, want_loss[i], 2e-6 * (1 + fabs(want_loss[i])));
  }
  VALUE(x, s, w);
  for (int i = 0; i < 6; i++) NEAR(FLOATS(x)[i], want_w[i], 2e-6 * (1 + fabs(want_w[i])));
}

#define OPT_TRAJECTORY(name, make, ...)                                       \
  VSC_CASE(name) {                                                            \
    OPTIMIZER(o, make);                                                       \
    static const float vals[11] = {__VA_ARGS__};                              \
    opt_trajectory(t, g, st, o, vals, vals + 6);                              \
  }

OPT_TRAJECTORY(optimizer_trajectory_gradient_descent, vs_gradient_descent_optimizer(0.1, NULL, st),
               0.836160004f, 1.01696002f, 2.67232013f, -0.180800006f, 0.336160004f, -0.0819199905f,
               16.8125f, 10.7599993f, 6.88639975f, 4.40729618f, 2.82066894f)
OPT_TRAJECTORY(optimizer_trajectory_momentum, vs_momentum_optimizer(0.1, 0.9, NULL, st),
               1.29021001f, 3.74125981f, 3.58042002f, -2.4510498f, 0.790210009f, 0.145105004f,
               16.8125f, 10.7599993f, 3.55752516f, 0.0646272376f, 1.60112059f)
OPT_TRAJECTORY(optimizer_trajectory_nesterov,
               vs_momentum_optimizer(0.1, 0.9, &(vs_momentum_opts){.use_nesterov = true}, st),
               1.20785868f, 3.24715257f, 3.41571736f, -2.03929377f, 0.707858801f, 0.103929378f,
               16.8125f, 6.46272469f, 0.831575871f, 0.197381243f, 1.77388644f)
OPT_TRAJECTORY(optimizer_trajectory_adam, vs_adam_optimizer(&(vs_adam_opts){.learning_rate = VS_OPT_DOUBLE(0.1)}, st),
               0.972184122f, -0.501780987f, 2.49203467f, 1.00222623f, 0.472184122f, 0.127603322f,
               16.8125f, 15.3225012f, 13.9561949f, 12.7112398f, 11.5784664f)
OPT_TRAJECTORY(optimizer_trajectory_rmsprop, vs_rmsprop_optimizer(0.01, NULL, st),
               0.548375249f, -0.900172234f, 2.07431698f, 1.40253067f, 0.0483752303f, -0.223145574f,
               16.8125f, 16.451601f, 16.1676674f, 15.922492f, 15.7016201f)
OPT_TRAJECTORY(optimizer_trajectory_rmsprop_centered,
               vs_rmsprop_optimizer(0.01, &(vs_rmsprop_opts){.momentum = VS_OPT_DOUBLE(0.9), .centered = true}, st),
               0.629604399f, -0.68437469f, 2.21451306f, 1.19456804f, 0.129604444f, -0.180925518f,
               16.8125f, 16.4385834f, 15.801651f, 14.9727497f, 14.0061302f)

const vsc_case vsc_cases_training[] = {
    /* ---- optimizers ---- */
    VSC_REG(optimizer_gradient_descent_graph, "X.train.apply X.train.names"),
    VSC_REG(optimizer_momentum_slots, "X.train.slots X.train.names"),
    VSC_REG(optimizer_second_momentum_uniquifies_slots, "X.train.slots"),
    VSC_REG(optimizer_adam_graph, "X.train.slots X.train.non_slot X.train.names"),
    VSC_REG(optimizer_adam_in_outer_scopes, "X.train.slots X.train.non_slot"),
    VSC_REG(optimizer_rmsprop_centered_slots, "X.train.slots"),
    VSC_REG(optimizer_slots_placed_with_variable, "X.train.slots 8.1"),
    VSC_REG(optimizer_global_step_ops, "X.train.global_step"),
    VSC_REG(optimizer_global_step_must_be_integer, "X.train.global_step"),
    VSC_REG(optimizer_apply_gradients_errors, "X.train.errors"),
    VSC_REG(optimizer_minimize_errors, "X.train.errors"),
    VSC_REG(optimizer_run_time_errors, "X.train.errors"),
    VSC_REG(optimizer_trajectory_gradient_descent, "X.train.trajectory"),
    VSC_REG(optimizer_trajectory_momentum, "X.train.trajectory"),
    VSC_REG(optimizer_trajectory_nesterov, "X.train.trajectory"),
    VSC_REG(optimizer_trajectory_adam, "X.train.trajectory"),
    VSC_REG(optimizer_trajectory_rmsprop, "X.train.trajectory"),
    VSC_REG(optimizer_trajectory_rmsprop_centered, "X.train.trajectory"),
    {0},
};
