/* test_exec.c - the execution wing: the op registry (every registered op
 * has a kernel, a shape function and a doc line; the constructors take
 * TF's shapes from it, and it agrees with the shapes of the ops built
 * elsewhere), dispatch through the def, run plans and batched
 * initialisation. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernels/registry.h"
#include "support.h"

#define S(...) ((vs_shape){.known = true, .rank = (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), \
                           .dims = {__VA_ARGS__}})

static vs_var *var(vs_graph *g, const char *name, vs_shape shape, vs_dtype t, vs_initializer init, vs_status *st) {
  vs_var *v = vs_get_variable(g, name, &(vs_var_opts){.shape = shape, .dtype = t, .initializer = init}, st);
  expect_ok(st);
  return v;
}

/* A graph holding at least one op of every registered type. */
static void build_every_op(vs_graph *g, vs_status *st) {
  vs_var *a = var(g, "a", S(2, 3), VS_FLOAT, vs_random_normal_initializer(0, 1, 1), st);
  vs_var *b = var(g, "b", S(3, 4), VS_FLOAT, vs_truncated_normal_initializer(0, 1, 2), st);
  vs_var *c = var(g, "c", S(4), VS_FLOAT, vs_random_uniform_initializer(0, 1, 3), st);
  vs_var *n = var(g, "n", S(5), VS_INT32, vs_random_uniform_initializer(0, 10, 4), st);
  vs_var *big = var(g, "big", S(100, 100), VS_FLOAT, vs_zeros_initializer(), st); /* Fill, not Const */
  vs_var *f = var(g, "f", S(3, 3, 3, 2), VS_FLOAT, vs_ones_initializer(), st);
  vs_output mm = vs_matmul(g, vs_var_value(a), vs_var_value(b), &(vs_matmul_opts){.transpose_a = false}, st);
  expect_ok(st);
  vs_output ba = vs_bias_add(g, mm, vs_var_value(c), NULL, st);
  vs_output re = vs_relu(g, ba, NULL, st);
  vs_output sum = vs_add(g, re, re, NULL, st);
  vs_output diff = vs_sub(g, sum, re, NULL, st);
  expect_ok(st);
  cr_assert_not_null(vs_cast(g, vs_var_value(n), VS_FLOAT, NULL, st).op); /* Cast */
  vs_output prod = vs_mul(g, diff, diff, NULL, st);
  vs_output r = vs_reshape(g, prod, (vs_shape){.known = true, .rank = 2, .dims = {4, -1}}, NULL, st);
  expect_ok(st);
  vs_output x = vs_placeholder(g, VS_FLOAT, S(1, 5, 5, 3), "x", st);
  vs_output conv = vs_conv2d(g, x, vs_var_value(f), &(vs_conv2d_opts){.strides = {1, 2, 2, 1}, .padding = "SAME"}, st);
  vs_output conv2 = vs_conv2d(g, x, vs_var_value(f), &(vs_conv2d_opts){.padding = "VALID"}, st);
  expect_ok(st);
  float one = 1;
  vs_output k = vs_constant(g, &one, VS_FLOAT, VS_SCALAR, "one", st);
  vs_var *sc = var(g, "scalar", VS_SCALAR, VS_FLOAT, vs_zeros_initializer(), st);
  vs_output outs[6];
  outs[0] = vs_assign_add(g, sc, k, NULL, st);
  expect_ok(st);
  outs[1] = vs_assign_sub(g, sc, k, NULL, st);
  expect_ok(st);
  outs[2] = vs_is_variable_initialized(g, n, st);
  expect_ok(st);
  outs[3] = vs_report_uninitialized_variables(g, (vs_var *[]){a, big}, 2, st);
  expect_ok(st);
  outs[4] = vs_initialized_value(g, c, st);
  expect_ok(st);
  outs[5] = vs_identity(g, r, NULL, st);
  for (int i = 0; i < 6; i++) cr_assert_not_null(outs[i].op, "output %d was not built", i);
  expect_ok(st);
  vs_group(g, (vs_op *[]){conv.op, conv2.op}, 2, NULL, st);
  expect_ok(st);
  /* Rank, Pack and ConcatV2 (engine/kernels/partition.c) */
  cr_assert_not_null(vs_assert_variables_initialized(g, (vs_var *[]){a, b}, 2, st).op);
  expect_ok(st);
  vs_partitioned_var *pv = vs_get_partitioned_variable(
      g, "parted", &(vs_var_opts){.shape = S(5, 2), .partitioner = vs_fixed_size_partitioner(2, 0)}, st);
  expect_ok(st);
  cr_assert_not_null(vs_partitioned_var_value(g, pv, st).op);
  expect_ok(st);
  /* Slice: a tensor initializer cut into the parts. */
  float sliced[6] = {1, 2, 3, 4, 5, 6};
  vs_output whole = vs_constant(g, sliced, VS_FLOAT, S(3, 2), "whole", st);
  cr_assert_not_null(vs_get_partitioned_variable(g, "sliced", &(vs_var_opts){.initializer = vs_tensor_initializer(whole),
                                                 .partitioner = vs_fixed_size_partitioner(2, 0)}, st));
  expect_ok(st);
  /* Training (issue 13): a loss over the activations and its gradients
   * build Sum, Mean, Square, Neg, the activation gradients, BiasAddGrad,
   * Tile, RealDiv, Maximum, FloorDiv and AddN. */
  vs_output act = vs_tanh(g, vs_sigmoid(g, ba, NULL, st), NULL, st);
  vs_output loss = vs_add(g, vs_reduce_mean(g, vs_square(g, vs_sub(g, act, re, NULL, st), NULL, st), NULL, st),
                          vs_reduce_sum(g, vs_reduce_sum(g, re, &(vs_reduce_opts){.axis = (int64_t[]){1}, .n_axis = 1}, st),
                                        NULL, st), NULL, st);
  expect_ok(st);
  vs_output grad;
  vs_output wrt = vs_var_value(a);
  vs_gradients(g, &loss, 1, &wrt, 1, NULL, &grad, st);
  expect_ok(st);
  cr_assert_not_null(grad.op);
  /* The optimizers' update ops (train.h), one optimizer of each kind. */
  vs_optimizer *opts[5] = {vs_gradient_descent_optimizer(0.1, NULL, st), vs_momentum_optimizer(0.1, 0.9, NULL, st),
                           vs_adam_optimizer(NULL, st), vs_rmsprop_optimizer(0.1, NULL, st),
                           vs_rmsprop_optimizer(0.1, &(vs_rmsprop_opts){.centered = true}, st)};
  for (int i = 0; i < 5; i++) {
    vs_optimizer_apply_gradients(opts[i], &(vs_grad_and_var){grad, a}, 1, NULL, st);
    expect_ok(st);
    vs_optimizer_free(opts[i]);
  }
  /* Pools and Conv2D's gradient ops. */
  vs_pool_opts po = {.ksize = {1, 2, 2, 1}, .strides = {1, 2, 2, 1}, .padding = "SAME"};
  vs_output pools = vs_add(g, vs_reduce_sum(g, vs_max_pool(g, conv, &po, st), NULL, st),
                           vs_reduce_sum(g, vs_avg_pool(g, conv, &po, st), NULL, st), NULL, st);
  expect_ok(st);
  wrt = vs_var_value(f);
  vs_gradients(g, &pools, 1, &wrt, 1, NULL, &grad, st);
  expect_ok(st);
  cr_assert_not_null(grad.op);
  /* The losses and their gradients: Exp, Log1p, Reciprocal, GreaterEqual,
   * Select, Equal, Range, SquaredDifference, DivNoNan, SelectV2 (Maximum's). */
  vs_output xent = vs_sigmoid_cross_entropy_with_logits(g, mm, mm, NULL, st);
  vs_output mse = vs_mean_squared_error(g, vs_maximum(g, mm, re, NULL, st), re, NULL, st);
  expect_ok(st);
  vs_output sxent = vs_softmax_cross_entropy_with_logits_v2(g, re, mm, NULL, st); /* Softmax, LogSoftmax, ExpandDims */
  expect_ok(st);
  vs_output losses[3] = {xent, mse, sxent};
  wrt = vs_var_value(a);
  vs_gradients(g, losses, 3, &wrt, 1, NULL, &grad, st);
  expect_ok(st);
  cr_assert_not_null(grad.op);
  /* engine/kernels/resource.c: a resource variable builds VarHandleOp,
   * VarIsInitializedOp, AssignVariableOp and ReadVariableOp; its updates
   * AssignAdd/SubVariableOp. */
  vs_var *rv = vs_get_variable(g, "rv", &(vs_var_opts){.shape = S(2), .initializer = vs_ones_initializer(),
                                                       .use_resource = VS_OPT_TRUE}, st);
  expect_ok(st);
  /* The optimizers' ResourceApply* ops (engine/kernels/training.c), one
   * optimizer of each kind on the resource variable. */
  vs_output rgrad = vs_constant(g, (float[]){0.5f, 0.25f}, VS_FLOAT, S(2), "rgrad", st);
  vs_optimizer *ropts[5] = {vs_gradient_descent_optimizer(0.1, NULL, st), vs_momentum_optimizer(0.1, 0.9, NULL, st),
                            vs_adam_optimizer(NULL, st), vs_rmsprop_optimizer(0.1, NULL, st),
                            vs_rmsprop_optimizer(0.1, &(vs_rmsprop_opts){.centered = true}, st)};
  for (int i = 0; i < 5; i++) {
    cr_assert_not_null(vs_optimizer_apply_gradients(ropts[i], &(vs_grad_and_var){rgrad, rv}, 1, NULL, st));
    expect_ok(st);
    vs_optimizer_free(ropts[i]);
  }
  vs_output two = vs_constant(g, (float[]){1, 2}, VS_FLOAT, S(2), NULL, st);
  cr_assert_not_null(vs_assign_add(g, rv, two, NULL, st).op);
  cr_assert_not_null(vs_assign_sub(g, rv, two, NULL, st).op);
  expect_ok(st);
}

static bool same_shape(vs_shape a, vs_shape b) {
  if (a.known != b.known || (a.known && a.rank != b.rank)) return false;
  for (int i = 0; a.known && i < a.rank; i++)
    if (a.dims[i] != b.dims[i]) return false;
  return true;
}

Test(registry, every_def_has_a_kernel_a_shape_function_and_a_doc) {
  size_t n = 0;
  for (const vs_op_def *d; (d = vs__op_def_at(n)); n++) {
    cr_assert(d->type && d->type[0], "def %zu has no type name", n);
    cr_assert(d->kernel, "%s has no kernel", d->type);
    cr_assert(d->shape, "%s has no shape function", d->type);
    cr_assert(d->doc && strlen(d->doc) >= 10, "%s has no doc line", d->type);

    cr_assert_eq(vs__op_def_find(d->type), d, "%s is registered twice", d->type);
  }
  cr_assert_eq(n, 85, "registered ops: %zu (update this count with the op's tests)", n);
  cr_assert_null(vs__op_def_find("NoSuchOp"));
}

/* Ops carry the attribute union only when their type has attributes: the
 * types that read op->attr are exactly these (graph_internal.h). */
Test(registry, exactly_the_types_with_typed_attributes_are_allocated_with_them) {
  static const char *const with[] = {"VariableV2", "RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt",
                                     "Assign", "StridedSlice", "Squeeze", "Prod", "Conv2D", "MatMul", "Sum", "Mean", "MaxPool",
                                     "AvgPool", "MaxPoolGrad", "AvgPoolGrad", "Conv2DBackpropInput", "Conv2DBackpropFilter",
                                     "ApplyGradientDescent", "ApplyMomentum", "ApplyAdam", "ApplyRMSProp",
                                     "ApplyCenteredRMSProp", "VarHandleOp", "AssignVariableOp",
                                     "ResourceApplyGradientDescent", "ResourceApplyMomentum", "ResourceApplyAdam",
                                     "ResourceApplyRMSProp", "ResourceApplyCenteredRMSProp"};
  size_t n_with = 0;
  for (size_t k = 0; vs__op_def_at(k); k++) {
    const vs_op_def *d = vs__op_def_at(k);
    bool listed = false;
    for (size_t i = 0; i < sizeof with / sizeof *with; i++) listed |= strcmp(with[i], d->type) == 0;
    cr_assert_eq(!!(d->flags & VS_OPF_ATTRS), listed, "%s: VS_OPF_ATTRS is %s", d->type, listed ? "missing" : "set");
    n_with += listed;
  }
  cr_assert_eq(n_with, sizeof with / sizeof *with);
  cr_assert_lt(vs__op_head_size + 64, sizeof(vs_op), "the union is most of what an op without attributes spares");
}

Test(registry, shape_functions_agree_with_the_constructors_on_every_op_type) {
  static vs_status *st; /* static: a failed assertion leaves no leak report behind */
  st = vs_status_new();
  vs_graph *g = vs_graph_new();
  build_every_op(g, st);
  size_t n_defs = 0;
  while (vs__op_def_at(n_defs)) n_defs++;
  bool seen[128] = {false};
  cr_assert_leq(n_defs, 128);
  for (size_t i = 0; i < vs_graph_num_operations(g); i++) {
    vs_op *op = vs_graph_operation(g, i);
    const vs_op_def *d = vs__op_def_find(vs_op_type(op));
    cr_assert_not_null(d, "%s: type %s has no def", vs_op_name(op), vs_op_type(op));
    cr_assert_eq(op->def, d, "%s holds another def than its type's", vs_op_name(op));
    for (size_t k = 0; k < n_defs; k++) seen[k] |= vs__op_def_at(k) == d;
    if (!op->has_output) continue;
    vs_shape want = vs_op_output_shape(op), got = d->shape(op);
    char a[128], b[128];
    vs_shape_format(want, a, sizeof a);
    vs_shape_format(got, b, sizeof b);
    cr_assert(same_shape(want, got), "%s (%s): constructor built %s, shape function says %s", vs_op_name(op),
              vs_op_type(op), a, b);
  }
  for (size_t k = 0; k < n_defs; k++)
    cr_assert(seen[k], "no op of type %s was built: extend build_every_op", vs__op_def_at(k)->type);
  vs_graph_free(g);
  vs_status_free(st);
}

/* The constructors check their inputs (TF's errors) and take the result's
 * shape from the registered shape function (vs_op_spec.infer_shape): TF's
 * static shapes, each from the one function per op. */
static void expect_out_shape(vs_output x, vs_shape want) {
  cr_assert_not_null(x.op);
  vs_shape got = vs_op_output_shape(x.op);
  char a[128], b[128];
  vs_shape_format(want, a, sizeof a);
  vs_shape_format(got, b, sizeof b);
  cr_assert(same_shape(want, got), "%s (%s): %s, TF says %s", vs_op_name(x.op), vs_op_type(x.op), b, a);
}

Test(registry, constructors_take_tf_shapes_from_the_registered_shape_functions) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *a = var(g, "a", S(2, 3), VS_FLOAT, vs_zeros_initializer(), st);
  vs_var *b = var(g, "b", S(4, 3), VS_FLOAT, vs_zeros_initializer(), st);
  vs_var *f = var(g, "f", S(3, 3, 2, 5), VS_FLOAT, vs_zeros_initializer(), st);
  vs_var *c = var(g, "c", S(4), VS_FLOAT, vs_zeros_initializer(), st);
  vs_output mm = vs_matmul(g, vs_var_value(a), vs_var_value(b), &(vs_matmul_opts){.transpose_b = true}, st);
  expect_out_shape(mm, S(2, 4));
  expect_out_shape(vs_matmul(g, vs_var_value(a), vs_var_value(a), &(vs_matmul_opts){.transpose_a = true}, st), S(3, 3));
  expect_out_shape(vs_bias_add(g, mm, vs_var_value(c), NULL, st), S(2, 4));
  expect_out_shape(vs_relu(g, mm, NULL, st), S(2, 4));
  expect_out_shape(vs_add(g, mm, vs_var_value(c), NULL, st), S(2, 4)); /* trailing dimensions */
  float two = 2;
  vs_output k = vs_constant(g, &two, VS_FLOAT, VS_SCALAR, "two", st);
  expect_out_shape(vs_mul(g, k, mm, NULL, st), S(2, 4));
  vs_output p = vs_placeholder(g, VS_FLOAT, (vs_shape){.known = true, .rank = 2, .dims = {-1, 4}}, "p", st);
  expect_out_shape(vs_sub(g, p, mm, NULL, st), S(2, 4)); /* the known dimension of either */
  expect_out_shape(vs_reshape(g, mm, (vs_shape){.known = true, .rank = 3, .dims = {2, -1, 1}}, NULL, st), S(2, 4, 1));
  expect_out_shape(vs_reshape(g, p, (vs_shape){.known = true, .rank = 1, .dims = {-1}}, NULL, st), S(-1));
  vs_output x = vs_placeholder(g, VS_FLOAT, S(1, 7, 6, 2), "x", st);
  expect_out_shape(vs_conv2d(g, x, vs_var_value(f), &(vs_conv2d_opts){.strides = {1, 2, 2, 1}, .padding = "SAME"}, st),
               S(1, 4, 3, 5));
  expect_out_shape(vs_conv2d(g, x, vs_var_value(f), &(vs_conv2d_opts){.padding = "VALID", .dilations = {1, 2, 1, 1}}, st),
               S(1, 3, 4, 5));
  expect_out_shape(vs_assign_add(g, c, vs_var_value(c), NULL, st), S(4));
  expect_out_shape(vs_assign(g, c, vs_var_value(c), NULL, st), S(4));
  expect_out_shape(vs_identity(g, mm, NULL, st), S(2, 4));
  expect_out_shape(vs_is_variable_initialized(g, c, st), VS_SCALAR);
  expect_out_shape(vs_initialized_value(g, c, st), S(4));
  expect_out_shape(vs_report_uninitialized_variables(g, (vs_var *[]){a}, 1, st), S(-1));
  expect_ok(st);
  vs_graph_free(g);
  vs_status_free(st);
}

Test(registry, ops_dispatch_through_their_def_and_compute) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  float xs[4] = {1, -2, 3, -4}, bs[2] = {10, 20};
  vs_output x = vs_constant(g, xs, VS_FLOAT, S(2, 2), "x", st);
  vs_output b = vs_constant(g, bs, VS_FLOAT, S(2), "b", st);
  vs_output y = vs_relu(g, vs_bias_add(g, vs_mul(g, x, x, NULL, st), b, NULL, st), NULL, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_tensor *out = NULL;
  vs_session_run(s, NULL, NULL, 0, &y, &out, 1, NULL, 0, st);
  expect_ok(st);
  const float *v = vs_tensor_data(out), want[4] = {11, 24, 19, 36};
  for (int i = 0; i < 4; i++) cr_assert_float_eq(v[i], want[i], 1e-6, "element %d: %g", i, v[i]);
  vs_tensor_free(out);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* Slice's kernel cuts along any one axis, the middle one included (the
 * box is `outer` contiguous runs): a (2, 3, 2) tensor cut to rows 1..2 of
 * axis 1 for each of its two outer rows, bit for bit. */
Test(registry, slice_cuts_a_box_along_a_middle_axis) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  float xs[12];
  for (int i = 0; i < 12; i++) xs[i] = (float)i;
  vs_output x = vs_constant(g, xs, VS_FLOAT, S(2, 3, 2), "x", st);
  expect_ok(st);
  vs_partitioned_var *pv = vs_get_partitioned_variable(
      g, "p", &(vs_var_opts){.initializer = vs_tensor_initializer(x), .partitioner = vs_fixed_size_partitioner(2, 1)},
      st);
  expect_ok(st);
  vs_op *sl = vs_graph_operation_by_name(g, "p/part_1/PartitionedInitializer/Slice");
  cr_assert_not_null(sl);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  expect_ok(st);
  /* part_0 is rows 0..1 of axis 1, part_1 row 2: (2, 1, 2) = {4, 5, 10, 11}. */
  vs_output outs[2] = {vs_var_value(vs_partitioned_var_part(pv, 1)), vs_op_output(sl)};
  for (int k = 0; k < 2; k++) {
    vs_tensor *t = NULL;
    vs_session_run(s, NULL, NULL, 0, &outs[k], &t, 1, NULL, 0, st);
    expect_ok(st);
    cr_assert_eq(vs_tensor_num_elements(t), 4);
    const float *v = vs_tensor_data(t), want[4] = {4, 5, 10, 11};
    for (int i = 0; i < 4; i++) cr_assert_eq(v[i], want[i], "output %d element %d: %g", k, i, v[i]);
    vs_tensor_free(t);
  }
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* ---- compiled run plans (exec/plan.h) ---------------------------------- */

#include <pthread.h>

#include "exec/plan.h"

static float fetch_scalar(vs_session *s, vs_output out, vs_status *st) {
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &out, &t, 1, NULL, 0, st);
  expect_ok(st);
  float v = *(const float *)vs_tensor_data(t);
  vs_tensor_free(t);
  return v;
}

static void run_target(vs_session *s, vs_op *op, vs_status *st) {
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &op, 1, st);
  expect_ok(st);
}

Test(plan, cached_per_signature_hit_miss_and_growth_of_the_graph) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *v = var(g, "v", VS_SCALAR, VS_FLOAT, vs_constant_initializer(3), st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  run_target(s, vs_var_initializer_op(v), st);
  cr_assert_eq(vs__plan_builds(s), 1);
  run_target(s, vs_var_initializer_op(v), st); /* hit */
  cr_assert_eq(vs__plan_builds(s), 1);
  cr_assert_float_eq(fetch_scalar(s, vs_var_value(v), st), 3, 0); /* another signature: miss */
  cr_assert_eq(vs__plan_builds(s), 2);
  cr_assert_float_eq(fetch_scalar(s, vs_var_value(v), st), 3, 0);
  cr_assert_eq(vs__plan_builds(s), 2);

  /* The graph grows: cached plans stay valid and right. */
  float two = 2;
  vs_output sum = vs_add(g, vs_var_value(v), vs_constant(g, &two, VS_FLOAT, VS_SCALAR, "two", st), "sum", st);
  vs_var *u = var(g, "u", VS_SCALAR, VS_FLOAT, vs_constant_initializer(7), st);
  cr_assert_float_eq(fetch_scalar(s, vs_var_value(v), st), 3, 0);
  cr_assert_eq(vs__plan_builds(s), 2);
  cr_assert_float_eq(fetch_scalar(s, sum, st), 5, 0);
  cr_assert_eq(vs__plan_builds(s), 3);

  /* A variable made after the session and initialised after its plan was
   * built: the plan holds no run-time state, so the same plan first fails
   * and then reads the value. */
  vs_tensor *t = NULL;
  vs_output ur = vs_var_value(u);
  vs_session_run(s, NULL, NULL, 0, &ur, &t, 1, NULL, 0, st);
  expect_error(st, VS_FAILED_PRECONDITION, "FailedPreconditionError",
               "Attempting to use uninitialized value u\n\t [[{{node u/read}}]]");
  cr_assert_null(t);
  cr_assert_eq(vs__plan_builds(s), 4);
  run_target(s, vs_var_initializer_op(u), st);
  cr_assert_eq(vs__plan_builds(s), 5);
  cr_assert_float_eq(fetch_scalar(s, ur, st), 7, 0);
  cr_assert_eq(vs__plan_builds(s), 5);

  /* Feeds are part of the signature: feeding `two` is another plan. */
  float ten = 10;
  vs_output two_out = {vs_graph_operation_by_name(g, "two"), 0};
  vs_tensor *feed = vs_tensor_new(VS_FLOAT, VS_SCALAR, &ten, st);
  vs_session_run(s, &two_out, &feed, 1, &sum, &t, 1, NULL, 0, st);
  expect_ok(st);
  cr_assert_float_eq(*(const float *)vs_tensor_data(t), 13, 0);
  cr_assert_eq(vs__plan_builds(s), 6);
  vs_tensor_free(t);
  vs_tensor_free(feed);
  cr_assert_float_eq(fetch_scalar(s, sum, st), 5, 0); /* the unfed plan again */
  cr_assert_eq(vs__plan_builds(s), 6);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

Test(plan, a_control_input_added_to_an_older_op_rebuilds_the_plans_holding_it) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *c = var(g, "c", VS_SCALAR, VS_FLOAT, vs_zeros_initializer(), st);
  float one = 1;
  vs_output k = vs_constant(g, &one, VS_FLOAT, VS_SCALAR, "one", st);
  vs_output r = vs_identity(g, k, "r", st);
  vs_output inc = vs_assign_add(g, c, k, NULL, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  run_target(s, vs_var_initializer_op(c), st);
  cr_assert_float_eq(fetch_scalar(s, r, st), 1, 0);
  uint64_t builds = vs__plan_builds(s);
  /* No public call edits an existing op's dependencies; the engine's one
   * edit is made here by hand: r now runs after inc. */
  vs__lock(g);
  cr_assert(vs__op_add_control(r.op, inc.op, st));
  vs__unlock(g);
  float rv = fetch_scalar(s, r, st); /* once: cr_assert_float_eq evaluates its arguments more than once */
  cr_assert_float_eq(rv, 1, 0);
  cr_assert_eq(vs__plan_builds(s), builds + 1, "the plan of r must be rebuilt");
  float cv = fetch_scalar(s, vs_var_value(c), st);
  cr_assert_float_eq(cv, 1, 0, "the new control input ran: c = %g", cv);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* A plan cached before an op without a kernel (a bool resource update) was
 * added fails its next run with TF's placer text, as TF re-places the
 * extended graph; the failure rebuilds nothing, and a later run checks only
 * the ops added since (the cached plan's hit path stays one comparison). */
Test(plan, a_cached_plan_fails_once_an_op_without_kernel_is_added) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  float one = 1;
  vs_output k = vs_constant(g, &one, VS_FLOAT, VS_SCALAR, "one", st);
  vs_var *b = vs_get_variable(g, "b", &(vs_var_opts){.shape = VS_SCALAR, .dtype = VS_BOOL,
                                                     .initializer = vs_zeros_initializer(),
                                                     .use_resource = VS_OPT_TRUE}, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  cr_assert_float_eq(fetch_scalar(s, k, st), 1, 0);
  cr_assert_float_eq(fetch_scalar(s, k, st), 1, 0);
  uint64_t builds = vs__plan_builds(s);
  cr_assert_eq(builds, 1);
  bool yes = true;
  vs_assign_add(g, b, vs_constant(g, &yes, VS_BOOL, VS_SCALAR, NULL, st), NULL, st);
  expect_ok(st);
  for (int i = 0; i < 2; i++) {
    vs_tensor *out = NULL;
    vs_session_run(s, NULL, NULL, 0, &k, &out, 1, NULL, 0, st);
    cr_assert_null(out);
    cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
    cr_assert(strncmp(vs_status_message(st),
                      "No OpKernel was registered to support Op 'AssignAddVariableOp' used by "
                      "{{node AssignAddVariableOp}} with these attrs: [",
                      strlen("No OpKernel was registered to support Op 'AssignAddVariableOp' used by "
                             "{{node AssignAddVariableOp}} with these attrs: [")) == 0,
              "%s", vs_status_message(st));
  }
  cr_assert_eq(vs__plan_builds(s), builds, "a failing placement builds no plan");
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* Two sessions on one graph run at once (each its own counter) while a
 * third thread keeps building ops in the same graph. */
enum { RUNS = 200, BUILT = 60 };
typedef struct runner {
  vs_graph *g;
  vs_var *counter;
  vs_output inc;
  float last;
  int failures;
  char error[256];
} runner;

static void *run_counter(void *arg) {
  runner *a = arg;
  vs_status *st = vs_status_new();
  vs_session *s = vs_session_new(a->g, NULL, st);
  vs_op *init = vs_var_initializer_op(a->counter);
  if (s) vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  for (int i = 0; s && i < RUNS && vs_status_code(st) == VS_OK; i++) {
    vs_tensor *t = NULL;
    vs_session_run(s, NULL, NULL, 0, &a->inc, &t, 1, NULL, 0, st);
    if (t) a->last = *(const float *)vs_tensor_data(t);
    vs_tensor_free(t);
  }
  if (vs_status_code(st) != VS_OK) {
    a->failures++;
    snprintf(a->error, sizeof a->error, "%s", vs_status_message(st));
  }
  vs_session_free(s);
  vs_status_free(st);
  return NULL;
}

static void *build_ops(void *arg) {
  runner *a = arg;
  vs_status *st = vs_status_new();
  for (int i = 0; i < BUILT && vs_status_code(st) == VS_OK; i++) {
    char name[32];
    snprintf(name, sizeof name, "built_%d", i);
    vs_var *v = vs_get_variable(a->g, name, &(vs_var_opts){.shape = S(8), .initializer = vs_ones_initializer()}, st);
    if (v) vs_add(a->g, vs_var_value(v), vs_var_value(v), NULL, st);
  }
  if (vs_status_code(st) != VS_OK) {
    a->failures++;
    snprintf(a->error, sizeof a->error, "%s", vs_status_message(st));
  }
  vs_status_free(st);
  return NULL;
}

Test(plan, two_sessions_run_at_once_on_one_graph_while_a_third_thread_builds_ops) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *c = var(g, "c", VS_SCALAR, VS_FLOAT, vs_zeros_initializer(), st);
  float one = 1;
  vs_output inc = vs_assign_add(g, c, vs_constant(g, &one, VS_FLOAT, VS_SCALAR, "one", st), NULL, st);
  expect_ok(st);
  size_t before = vs_graph_num_operations(g);
  runner a = {.g = g, .counter = c, .inc = inc}, b = a, builder = a;
  pthread_t ta, tb, tc;
  cr_assert_eq(pthread_create(&ta, NULL, run_counter, &a), 0);
  cr_assert_eq(pthread_create(&tb, NULL, run_counter, &b), 0);
  cr_assert_eq(pthread_create(&tc, NULL, build_ops, &builder), 0);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  pthread_join(tc, NULL);
  cr_assert_eq(a.failures + b.failures + builder.failures, 0, "%s%s%s", a.error, b.error, builder.error);
  cr_assert_float_eq(a.last, RUNS, 0, "session A's counter: %g", a.last);
  cr_assert_float_eq(b.last, RUNS, 0, "session B's counter: %g", b.last);
  /* get_variable makes 5 ops (variable, initial value, Assign, read,
   * initializer's Const) here, plus the add: at least 3 per round. */
  cr_assert_geq(vs_graph_num_operations(g), before + 3 * BUILT);
  /* What the third thread built runs: built_59 + built_59 = 2 everywhere. */
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  run_target(s, vs_global_variables_initializer(g, st), st);
  vs_output last = {vs_graph_operation_by_name(g, "add_59"), 0};
  cr_assert_not_null(last.op);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &last, &t, 1, NULL, 0, st);
  expect_ok(st);
  cr_assert_eq(vs_tensor_num_elements(t), 8);
  for (int i = 0; i < 8; i++) cr_assert_float_eq(((const float *)vs_tensor_data(t))[i], 2, 0);
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* ---- batched initialisation (exec/batch.c) ------------------------------ */

enum { N_BATCHED = 6 };

/* Variables with every batchable initializer, float32 and float64. */
static void batched_vars(vs_graph *g, vs_var **v, vs_status *st) {
  v[0] = var(g, "u0", S(5, 3), VS_FLOAT, vs_random_uniform_initializer(-2, 3, 11), st);
  v[1] = var(g, "u1", S(7), VS_FLOAT, vs_glorot_uniform_initializer(12), st);
  v[2] = var(g, "n0", S(9), VS_FLOAT, vs_random_normal_initializer(1, 2, 13), st);
  v[3] = var(g, "n1", S(3, 3), VS_FLOAT, vs_random_normal_initializer(0, 1, 14), st);
  v[4] = var(g, "t0", S(11), VS_DOUBLE, vs_truncated_normal_initializer(0.5, 3, 15), st);
  v[5] = var(g, "t1", S(2, 2), VS_DOUBLE, vs_truncated_normal_initializer(0, 1, 16), st);
}

static vs_tensor *value_of(vs_session *s, vs_var *v, vs_status *st) {
  vs_tensor *t = vs_session_variable_value(s, v, st);
  expect_ok(st);
  return t;
}

/* Each variable's value in the batched session is the unbatched one's,
 * byte for byte; from the second round on, in the same buffer as before. */
static void expect_same_as_unbatched(vs_session *batched, vs_session *single, vs_var *const *v, int n,
                                     const cl_mem *before, int round, vs_status *st) {
  for (int i = 0; i < n; i++) {
    vs_tensor *a = value_of(batched, v[i], st), *b = value_of(single, v[i], st);
    cr_assert_eq(vs_tensor_byte_size(a), vs_tensor_byte_size(b));
    cr_assert(memcmp(vs_tensor_data(a), vs_tensor_data(b), vs_tensor_byte_size(a)) == 0,
              "round %d: %s differs from its unbatched value", round, vs_var_name(v[i]));
    vs_tensor_free(a);
    vs_tensor_free(b);
    if (round == 1) /* a re-run writes the same buffers in place */
      cr_assert_eq(batched->vars[v[i]->index].buf, before[i], "%s: re-run in place", vs_var_name(v[i]));
  }
}

Test(batch, initialisers_batched_give_the_values_of_the_per_variable_chains_bit_for_bit) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_graph_set_random_seed(g, 7);
  vs_var *v[N_BATCHED];
  batched_vars(g, v, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  vs_session *batched = vs_session_new(g, NULL, st), *single = vs_session_new(g, NULL, st);
  expect_ok(st);
  for (int round = 0; round < 2; round++) { /* the second continues each op's Philox stream */
    run_target(batched, init, st);
    cr_assert_not_null(batched->plans);
    cr_assert_eq(batched->plans->n_batches, 3, "uniform, normal and truncated batches: %zu", batched->plans->n_batches);
    cl_mem before[N_BATCHED];
    for (int i = 0; i < N_BATCHED; i++) before[i] = batched->vars[v[i]->index].buf;
    for (int i = 0; i < N_BATCHED; i++) run_target(single, vs_var_initializer_op(v[i]), st); /* one Assign: no batch */
    cr_assert_eq(single->plans->n_batches, 0);
    expect_same_as_unbatched(batched, single, v, N_BATCHED, before, round, st);
  }
  vs_session_free(batched);
  vs_session_free(single);
  vs_graph_free(g);
  vs_status_free(st);
}

Test(batch, a_variable_given_another_buffer_gets_a_fresh_batch_and_keeps_its_value_rules) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *v[N_BATCHED];
  batched_vars(g, v, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  run_target(s, init, st);
  /* u1 assigned a host value: its buffer is no longer the batch's. */
  float seven[7] = {1, 2, 3, 4, 5, 6, 7};
  vs_tensor *t = vs_tensor_new(VS_FLOAT, S(7), seven, st);
  vs_session_assign_variable(s, v[1], t, st);
  expect_ok(st);
  vs_tensor_free(t);
  run_target(s, init, st); /* re-initialises every variable, u1 included */
  t = value_of(s, v[1], st);
  const float *x = vs_tensor_data(t);
  bool all_seven = true;
  for (int i = 0; i < 7; i++) all_seven &= x[i] == seven[i];
  cr_assert(!all_seven, "u1 was not re-initialised");
  for (int i = 0; i < 7; i++) cr_assert(x[i] > -1.0f && x[i] < 1.0f, "u1[%d] = %g outside glorot's limit", i, x[i]);
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

enum { N_FILLED = 10 };

/* Variables with every fill-batchable initializer: Consts of one value
 * (zeros, ones, constant below 1000 elements), Fills (at 1000 and more),
 * Consts of many values (copied), across element sizes 1, 4 and 8. */
static void filled_vars(vs_graph *g, vs_var **v, vs_status *st) {
  static const float list[5] = {1.5f, -2, 3, 4.25f, 5};
  v[0] = var(g, "z0", S(5, 3), VS_FLOAT, vs_zeros_initializer(), st);
  v[1] = var(g, "o0", S(7), VS_FLOAT, vs_ones_initializer(), st);
  v[2] = var(g, "c0", S(9), VS_FLOAT, vs_constant_initializer(0.25), st);
  v[3] = var(g, "big", S(40, 30), VS_FLOAT, vs_constant_initializer(-3), st); /* Fill */
  v[4] = var(g, "l0", S(7), VS_FLOAT, vs_constant_initializer_array(list, VS_FLOAT, 5, VS_UNKNOWN_SHAPE, false), st);
  v[5] = var(g, "i0", S(3, 3), VS_INT32, vs_constant_initializer(7), st);
  v[6] = var(g, "d0", S(11), VS_DOUBLE, vs_ones_initializer(), st);
  v[7] = var(g, "d1", S(1200), VS_DOUBLE, vs_constant_initializer(0.1), st); /* Fill */
  v[8] = var(g, "b0", S(6), VS_UINT8, vs_constant_initializer(9), st);
  v[9] = var(g, "b1", S(4), VS_INT8, vs_zeros_initializer(), st);
}

Test(batch, zeros_ones_and_constant_initialisers_batched_give_the_unbatched_values) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *v[N_FILLED];
  filled_vars(g, v, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  vs_session *batched = vs_session_new(g, NULL, st), *single = vs_session_new(g, NULL, st);
  expect_ok(st);
  for (int round = 0; round < 2; round++) {
    run_target(batched, init, st);
    /* One batch per element size: 4 (float, int32, list), 8, 1. */
    vs_plan *p = batched->plans;
    size_t entries = 0;
    cr_assert_eq(p->n_batches, 3, "batches: %zu", p->n_batches);
    for (size_t b = 0; b < p->n_batches; b++) {
      cr_assert_eq(p->batches[b].kind, VS_BATCH_FILL);
      entries += p->batches[b].n_entries;
    }
    cr_assert_eq(entries, N_FILLED);
    /* No Const, Fill, Assign or VariableV2 step is left (a variable op
     * whose one reader is a batched Assign is absorbed too): the batches
     * and the initializer's NoOp. */
    cr_assert_eq(p->n_steps, p->n_batches + 1, "steps: %zu", p->n_steps);
    /* Values only for those steps (a batch's is its first Assign's): the
     * absorbed ops, and the Assigns nothing reads, hold no slot. */
    cr_assert_eq(p->n_slots, p->n_batches + 1, "slots: %zu", p->n_slots);
    for (size_t i = 0; i < p->n_steps; i++)
      cr_assert(p->steps[i].kind == VS_STEP_BATCH || strcmp(vs_op_type(p->steps[i].op), "NoOp") == 0,
                "step %s", vs_op_name(p->steps[i].op));
    cl_mem before[N_FILLED];
    for (int i = 0; i < N_FILLED; i++) before[i] = batched->vars[v[i]->index].buf;
    for (int i = 0; i < N_FILLED; i++) run_target(single, vs_var_initializer_op(v[i]), st);
    cr_assert_eq(single->plans->n_batches, 0);
    expect_same_as_unbatched(batched, single, v, N_FILLED, before, round, st);
  }
  /* The values themselves. */
  vs_tensor *t = value_of(batched, v[3], st);
  for (int i = 0; i < 1200; i++) cr_assert_float_eq(((const float *)vs_tensor_data(t))[i], -3, 0);
  vs_tensor_free(t);
  t = value_of(batched, v[4], st);
  const float want[7] = {1.5f, -2, 3, 4.25f, 5, 5, 5};
  cr_assert(memcmp(vs_tensor_data(t), want, sizeof want) == 0, "l0");
  vs_tensor_free(t);
  t = value_of(batched, v[7], st);
  for (int i = 0; i < 1200; i++) cr_assert_eq(((const double *)vs_tensor_data(t))[i], 0.1);
  vs_tensor_free(t);
  t = value_of(batched, v[8], st);
  for (int i = 0; i < 6; i++) cr_assert_eq(((const unsigned char *)vs_tensor_data(t))[i], 9);
  vs_tensor_free(t);
  vs_session_free(batched);
  vs_session_free(single);
  vs_graph_free(g);
  vs_status_free(st);
}

Test(batch, a_variable_given_another_buffer_gets_a_fresh_fill_batch_with_its_table_rewritten) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *v[N_FILLED];
  filled_vars(g, v, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  run_target(s, init, st);
  cl_mem big = s->vars[v[3]->index].buf;
  /* o0 given a buffer of its own (an unbatched Assign of another size
   * does that); the batch's next run must allocate afresh. */
  vs_var_state *o0 = &s->vars[v[1]->index];
  cl_mem own = vs__buffer(o0->dev, 7 * sizeof(float), &o0->shape, VS_FLOAT, st);
  expect_ok(st);
  vs__buffer_release(o0->buf);
  o0->buf = own;
  run_target(s, init, st);
  cr_assert_neq(s->vars[v[1]->index].buf, own);
  cr_assert_neq(s->vars[v[3]->index].buf, big, "a fresh parent for the whole batch");
  vs_tensor *t = value_of(s, v[1], st);
  for (int i = 0; i < 7; i++) cr_assert_float_eq(((const float *)vs_tensor_data(t))[i], 1, 0, "o0[%d]", i);
  vs_tensor_free(t);
  t = value_of(s, v[3], st);
  for (int i = 0; i < 1200; i++) cr_assert_float_eq(((const float *)vs_tensor_data(t))[i], -3, 0, "big[%d]", i);
  vs_tensor_free(t);
  t = value_of(s, v[0], st);
  for (int i = 0; i < 15; i++) cr_assert_float_eq(((const float *)vs_tensor_data(t))[i], 0, 0, "z0[%d]", i);
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

Test(batch, variables_without_a_static_shape_are_not_batched_and_get_their_values) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_graph_set_random_seed(g, 3);
  /* validate_shape=False: the variable has no static shape, so its random
   * chain matches the batch's pattern up to the shape check and must then
   * run unbatched. Two of each so that a batch could form. */
  vs_var *v[4];
  for (int i = 0; i < 4; i++) {
    char name[8];
    snprintf(name, sizeof name, "w%d", i);
    v[i] = vs_get_variable(g, name, &(vs_var_opts){.shape = S(3, 2), .validate_shape = VS_OPT_FALSE,
                                                   .initializer = i < 2 ? vs_random_uniform_initializer(-1, 1, 5 + i)
                                                                        : vs_ones_initializer()}, st);
    expect_ok(st);
  }
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  run_target(s, init, st);
  cr_assert_eq(s->plans->n_batches, 0);
  for (int i = 0; i < 4; i++) {
    vs_tensor *t = value_of(s, v[i], st);
    cr_assert_eq(vs_tensor_num_elements(t), 6);
    for (int k = 0; k < 6; k++) {
      float x = ((const float *)vs_tensor_data(t))[k];
      cr_assert(i < 2 ? (x >= -1 && x < 1) : x == 1, "%s[%d] = %g", vs_var_name(v[i]), k, x);
    }
    vs_tensor_free(t);
  }
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* ---- sessions' own queues and the reserved remote steps ----------------- */

Test(plan, every_session_has_its_own_queue_on_the_devices_its_plans_use) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *v = var(g, "v", VS_SCALAR, VS_FLOAT, vs_constant_initializer(4), st);
  vs_session *a = vs_session_new(g, NULL, st), *b = vs_session_new(g, NULL, st);
  expect_ok(st);
  run_target(a, vs_var_initializer_op(v), st);
  run_target(b, vs_var_initializer_op(v), st);
  size_t dev = a->plans->steps[0].dev;
  cr_assert_lt(dev, a->n_queues);
  cr_assert_not_null(a->queues[dev]);
  cr_assert_not_null(b->queues[dev]);
  cr_assert_neq(a->queues[dev], b->queues[dev]);
  cr_assert_neq(a->queues[dev], vs__device(dev, st)->queue, "not the device's shared queue");
  vs_session_free(a);
  vs_session_free(b);
  vs_graph_free(g);
  vs_status_free(st);
}

Test(plan, a_step_to_another_process_is_refused_as_unimplemented) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *v = var(g, "v", VS_SCALAR, VS_FLOAT, vs_constant_initializer(4), st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  run_target(s, vs_var_initializer_op(v), st);
  cr_assert_float_eq(fetch_scalar(s, vs_var_value(v), st), 4, 0);
  /* No plan makes one yet (no transport): turn the read's step into a
   * send by hand, as the ps/worker placement will. */
  vs_plan *p = s->plans;
  vs_step *read = &p->steps[p->n_steps - 1];
  cr_assert_str_eq(vs_op_name(read->op), "v/read");
  read->kind = VS_STEP_SEND;
  vs_tensor *t = NULL;
  vs_output out = vs_var_value(v);
  vs_session_run(s, NULL, NULL, 0, &out, &t, 1, NULL, 0, st);
  expect_error(st, VS_UNIMPLEMENTED, "UnimplementedError",
               "v/read: sending values to or receiving them from another process is not implemented in varscope");
  cr_assert_null(t);
  read->kind = VS_STEP_KERNEL;
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* ---- what a plan keeps between runs ------------------------------------- */

Test(plan, a_plan_run_again_keeps_its_small_constants_and_sets_only_changed_kernel_arguments) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *c1 = var(g, "c1", VS_SCALAR, VS_FLOAT, vs_zeros_initializer(), st);
  vs_var *c2 = var(g, "c2", VS_SCALAR, VS_FLOAT, vs_zeros_initializer(), st);
  float one = 1, two = 2, xs[6] = {1, 2, 3, 4, 5, 6}, bs[3] = {10, 20, 30};
  /* Two steps share one kernel object (assign_add on float) with other
   * buffers: the argument memo must set what differs between them. */
  vs_output inc1 = vs_assign_add(g, c1, vs_constant(g, &one, VS_FLOAT, VS_SCALAR, "one", st), NULL, st);
  vs_output inc2 = vs_assign_add(g, c2, vs_constant(g, &two, VS_FLOAT, VS_SCALAR, "two", st), NULL, st);
  /* BiasAdd takes its input's buffer over when it is the only reader: a
   * kept constant must never be written in place. */
  vs_output x = vs_constant(g, xs, VS_FLOAT, S(2, 3), "x", st);
  vs_output ba = vs_bias_add(g, x, vs_constant(g, bs, VS_FLOAT, S(3), "b", st), NULL, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  run_target(s, init, st);
  vs_output fetches[3] = {inc1, inc2, ba};
  for (int run = 1; run <= 3; run++) {
    vs_tensor *t[3] = {NULL, NULL, NULL};
    vs_session_run(s, NULL, NULL, 0, fetches, t, 3, NULL, 0, st);
    expect_ok(st);
    cr_assert_float_eq(*(const float *)vs_tensor_data(t[0]), run * 1.0f, 0, "run %d: c1", run);
    cr_assert_float_eq(*(const float *)vs_tensor_data(t[1]), run * 2.0f, 0, "run %d: c2", run);
    const float *y = vs_tensor_data(t[2]);
    for (int i = 0; i < 6; i++)
      cr_assert_float_eq(y[i], xs[i] + bs[i % 3], 0, "run %d: bias_add[%d] = %g", run, i, y[i]);
    for (int i = 0; i < 3; i++) vs_tensor_free(t[i]);
    /* From the second run on, the plan holds each Const's buffer. */
    size_t kept = 0, consts = 0;
    vs_plan *p = s->plans;
    for (size_t i = 0; i < p->n_steps; i++)
      if (strcmp(vs_op_type(p->steps[i].op), "Const") == 0) {
        consts++;
        kept += p->steps[i].constant != NULL;
        if (run > 1) cr_assert_not_null(p->steps[i].constant, "run %d: %s not kept", run, vs_op_name(p->steps[i].op));
      }
    cr_assert_eq(consts, 4);
    if (run == 1) cr_assert_eq(kept, 0, "a plan run once keeps nothing");
  }
  /* One kernel object for both assign_adds. */
  size_t adds = 0;
  for (size_t i = 0; i < s->n_kernels; i++) adds += strcmp(s->kernels[i].name, "assign_add") == 0;
  cr_assert_eq(adds, 1);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* A Rank op of x (rank_internal(x, optimize=False)), built bare. */
static vs_output rank_op(vs_graph *g, vs_output x, const char *name, vs_status *st) {
  vs_op *op = vs__op_create(g, &(vs_op_spec){.type = "Rank", .name = name, .inputs = &x, .n_inputs = 1,
                                             .has_output = true, .dtype = VS_INT32, .shape = VS_SCALAR},
                            st);
  expect_ok(st);
  return (vs_output){op, 0};
}

/* Fetches x: its int32 value, or -1 with st set. */
static int32_t fetch_int(vs_session *s, vs_output x, const vs_output *feed, vs_tensor *value, vs_status *st) {
  vs_tensor *t = NULL;
  vs_session_run(s, feed, &value, feed ? 1 : 0, &x, &t, 1, NULL, 0, st);
  int32_t r = t ? *(const int32_t *)vs_tensor_data(t) : -1;
  vs_tensor_free(t);
  return r;
}

/* The plan folds a Rank whose input's rank is known, as TF 2.21's grappler
 * does (exec/fold.c), and still runs what TF keeps: measured with the
 * oracle, sess.run(rank_internal(x, optimize=False)) is
 *   2 for a resource variable's read, or read + 1, uninitialised (not run);
 *   1 for a ref variable's own output w:0 (the variable op is not read);
 *   FailedPrecondition for w/read or w/read + 1 (a ref read still runs);
 *   the placeholder's feed error for an unfed p of shape [2] (kept);
 * and a placeholder of unknown rank is not folded (its feed's rank). */
Test(plan, folds_rank_of_a_known_rank_as_grappler) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = S(2, 3), .initializer = vs_zeros_initializer(),
                                                      .use_resource = VS_OPT_TRUE}, st);
  vs_var *w = vs_get_variable(g, "w", &(vs_var_opts){.shape = S(2), .initializer = vs_zeros_initializer()}, st);
  expect_ok(st);
  vs_output res_read = vs_read_value(g, v, st);
  vs_output one = vs_constant_float(g, 1, "one", st);
  vs_output res_plus = vs_add(g, vs_var_value(v), one, NULL, st);
  vs_output ref_plus = vs_add(g, vs_var_value(w), one, NULL, st);
  vs_output p = vs_placeholder(g, VS_FLOAT, S(2), "p", st);
  vs_output pu = vs_placeholder(g, VS_FLOAT, VS_UNKNOWN_SHAPE, "pu", st);
  expect_ok(st);
  vs_output r_read = rank_op(g, res_read, "r_read", st), r_plus = rank_op(g, res_plus, "r_plus", st);
  vs_output r_ref = rank_op(g, ref_plus, "r_ref", st), r_w = rank_op(g, (vs_output){vs_var_op(w), 0}, "r_w", st);
  vs_output r_p = rank_op(g, p, "r_p", st), r_pu = rank_op(g, pu, "r_pu", st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  cr_assert_eq(fetch_int(s, r_read, NULL, NULL, st), 2);
  expect_ok(st);
  cr_assert_eq(fetch_int(s, r_plus, NULL, NULL, st), 2);
  expect_ok(st);
  cr_assert_eq(fetch_int(s, r_w, NULL, NULL, st), 1);
  expect_ok(st);
  cr_assert_eq(fetch_int(s, r_ref, NULL, NULL, st), -1);
  expect_error(st, VS_FAILED_PRECONDITION, "FailedPreconditionError",
               "Attempting to use uninitialized value w\n\t [[{{node w/read}}]]");
  cr_assert_eq(fetch_int(s, r_p, NULL, NULL, st), -1);
  expect_error(st, VS_INVALID_ARGUMENT, "InvalidArgumentError",
               "You must feed a value for placeholder tensor 'p' with dtype float and shape [2]\n\t [[{{node p}}]]");
  vs_tensor *two = vs_tensor_new(VS_FLOAT, S(2, 2), (float[]){1, 2, 3, 4}, st);
  expect_ok(st);
  cr_assert_eq(fetch_int(s, r_pu, &pu, two, st), 2);
  expect_ok(st);
  vs_tensor_free(two);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* An op type without a host kernel refuses a string input by name rather
 * than read a device buffer that is not there; Rank (host) takes strings,
 * folded or not (TF: tf.rank of a string tensor). */
Test(registry, ops_without_a_host_kernel_refuse_strings) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_output words = vs_constant(g, (const char *[]){"a", "b"}, VS_STRING, S(2), "words", st);
  vs_output pu = vs_placeholder(g, VS_STRING, VS_UNKNOWN_SHAPE, "pu", st);
  expect_ok(st);
  vs_op *relu = vs__op_create(g, &(vs_op_spec){.type = "Relu", .name = "relu", .inputs = &words, .n_inputs = 1,
                                               .has_output = true, .dtype = VS_STRING, .shape = S(2)},
                              st);
  expect_ok(st);
  vs_output r_words = rank_op(g, words, "r_words", st), r_pu = rank_op(g, pu, "r_pu", st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_output out = {relu, 0};
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &out, &t, 1, NULL, 0, st);
  cr_assert_null(t);
  expect_error(st, VS_UNIMPLEMENTED, "UnimplementedError",
               "relu (Relu) does not run on string tensors in varscope: strings live on the host, where only Const, "
               "Fill, Identity, Assign, AddV2, the array ops (Reshape, Squeeze, Slice, StridedSlice, ConcatV2, "
               "GatherV2) and variable reads run\n\t [[{{node relu}}]]");
  cr_assert_eq(fetch_int(s, r_words, NULL, NULL, st), 1);
  expect_ok(st);
  vs_tensor *fed = vs_tensor_new_strings(S(1, 1, 1), (const char *[]){"z"}, st);
  cr_assert_eq(fetch_int(s, r_pu, &pu, fed, st), 3);
  expect_ok(st);
  vs_tensor_free(fed);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* Feeding an intermediate tensor: its inputs are not computed and not in
 * the plan (the plan builder once counted their uses, looking up slots
 * they do not have, and never returned). TF: sess.run(y, {s: 5.0}) -> 25. */
Test(plan, a_fed_intermediate_tensor_computes_nothing_before_it) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_output a = vs_constant_float(g, 1, "a", st), b = vs_constant_float(g, 2, "b", st);
  vs_output s = vs_add(g, a, b, NULL, st);
  vs_output y = vs_mul(g, s, s, NULL, st);
  expect_ok(st);
  vs_session *se = vs_session_new(g, NULL, st);
  vs_tensor *five = vs_tensor_new(VS_FLOAT, VS_SCALAR, (float[]){5}, st), *out = NULL;
  expect_ok(st);
  vs_session_run(se, &s, &five, 1, &y, &out, 1, NULL, 0, st);
  expect_ok(st);
  cr_assert_float_eq(*(const float *)vs_tensor_data(out), 25.0f, 0);
  vs_tensor_free(out);
  vs_tensor_free(five);
  vs_session_free(se);
  vs_graph_free(g);
  vs_status_free(st);
}

/* ---- borrowed reads (plan.c's mark_borrowed_reads) ----
 * A read of a variable no step of its plan writes is the variable's
 * buffer, not a copy; a plan that writes the variable copies its reads. */

#include "exec/inline.h"

/* A session with v (1000 floats, or [10, 100]) set to vals and the host
 * path off (the device path is what borrows). */
static vs_session *device_session(vs_graph *g, vs_var *v, const float *vals, vs_status *st) {
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs__inline_allow(s, false);
  vs_tensor *t = vs_tensor_new(VS_FLOAT, vs_var_shape(v), vals, st);
  vs_session_assign_variable(s, v, t, st);
  expect_ok(st);
  vs_tensor_free(t);
  return s;
}

static vs_var *thousand(vs_graph *g, const char *name, vs_shape shape, bool resource, vs_status *st) {
  vs_var *v = vs_get_variable(g, name,
                              &(vs_var_opts){.shape = shape, .dtype = VS_FLOAT, .initializer = vs_zeros_initializer(),
                                             .use_resource = resource ? VS_OPT_TRUE : VS_OPT_FALSE},
                              st);
  expect_ok(st);
  return v;
}

static void expect_values(const vs_tensor *t, const float *want, size_t n) {
  cr_assert_not_null(t);
  cr_assert_eq(vs_tensor_num_elements(t), n);
  for (size_t i = 0; i < n; i++)
    cr_assert_eq(((const float *)vs_tensor_data(t))[i], want[i], "element %zu: %g, want %g", i,
                 ((const float *)vs_tensor_data(t))[i], want[i]);
}

/* Runs s fetching `fetch` (and running `target` when not NULL) and checks
 * the n values fetched. */
static void expect_run(vs_session *s, vs_output fetch, vs_op *target, const float *want, size_t n, vs_status *st) {
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &fetch, &t, 1, target ? &target : NULL, target ? 1 : 0, st);
  expect_ok(st);
  expect_values(t, want, n);
  vs_tensor_free(t);
}

/* Under VARSCOPE_MEMORY_LIMIT=4096 a variable of 4000 bytes fits and a
 * copy of it does not: its read runs only if it borrows. The same read
 * in a plan that also writes the variable is a copy: RESOURCE_EXHAUSTED. */
static void read_within_the_limit(bool resource) {
  setenv("VARSCOPE_MEMORY_LIMIT", "4096", 1); /* read once, in this test's own process */
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *v = thousand(g, "v", S(1000), resource, st);
  vs_output read = vs_var_value(v);
  float vals[1000];
  for (int i = 0; i < 1000; i++) vals[i] = (float)i - 500.5f;
  vs_session *s = device_session(g, v, vals, st);
  expect_run(s, read, NULL, vals, 1000, st);
  /* A write of v after the read in one plan (a scalar assigned without
   * validate_shape: no 4000-byte operand): the read is copied, which the
   * limit refuses. A resource variable's assign always checks the shape,
   * so it has no write without an operand of v's size; the copy in its
   * writing plans is shown by the values (read_then_write_in_one_run). */
  if (!resource) {
    vs_output one = vs_constant_float(g, 1, "one", st);
    vs_control_dependencies_push(g, &read.op, 1, st);
    vs_output set = vs_assign(g, v, one, &(vs_assign_opts){.validate_shape = VS_OPT_FALSE}, st);
    expect_ok(st);
    vs_control_dependencies_pop(g, st);
    expect_ok(st);
    vs_tensor *t = NULL;
    vs_session_run(s, NULL, NULL, 0, &read, &t, 1, &set.op, 1, st);
    cr_assert_eq(vs_status_code(st), VS_RESOURCE_EXHAUSTED, "%s", vs_status_message(st));
    cr_assert_null(t);
  }
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

Test(plan, a_read_no_step_writes_borrows_the_variables_buffer) { read_within_the_limit(false); }
Test(plan, a_resource_read_no_step_writes_borrows_the_variables_buffer) { read_within_the_limit(true); }

/* v += ones(1000), run after the ops `before` (control dependencies). */
static vs_output add_ones_after(vs_graph *g, vs_var *v, vs_op *const *before, size_t n, vs_status *st) {
  float one[1000];
  for (int i = 0; i < 1000; i++) one[i] = 1;
  vs_output c = vs_constant(g, one, VS_FLOAT, S(1000), "ones", st);
  vs_control_dependencies_push(g, before, n, st);
  vs_output add = vs_assign_add(g, v, c, NULL, st);
  expect_ok(st);
  vs_control_dependencies_pop(g, st);
  expect_ok(st);
  return add;
}

/* The read runs before the write (a control dependency) and is fetched
 * after it: a copy keeps the value read, a borrowed buffer would show the
 * write. */
static void read_then_write_in_one_run(bool resource) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *v = thousand(g, "v", S(1000), resource, st);
  vs_output read = vs_var_value(v);
  float ones[1000], twos[1000];
  for (int i = 0; i < 1000; i++) ones[i] = 1, twos[i] = 2;
  vs_output add = add_ones_after(g, v, &read.op, 1, st);
  vs_session *s = device_session(g, v, ones, st);
  expect_run(s, read, add.op, ones, 1000, st);
  expect_run(s, read, NULL, twos, 1000, st); /* borrowed now */
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

Test(plan, a_read_before_a_write_in_one_run_is_the_value_read) { read_then_write_in_one_run(false); }
Test(plan, a_resource_read_before_a_write_in_one_run_is_the_value_read) { read_then_write_in_one_run(true); }

/* A training step's shape: the read's users run before the update of its
 * variable, on one device. Under VARSCOPE_MEMORY_LIMIT=14000, v (4000 B),
 * the update's operand (4000 B) and the user's output (4000 B) fit, and a
 * copy of the read (4000 B more) does not: the run succeeds only if the
 * read borrows. Its user sees the value before the update. */
Test(plan, a_read_used_before_the_update_of_its_variable_borrows) {
  setenv("VARSCOPE_MEMORY_LIMIT", "14000", 1); /* read once, in this test's own process */
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *v = thousand(g, "v", S(1000), false, st);
  float vals[1000], doubled[1000], after[1000];
  for (int i = 0; i < 1000; i++) vals[i] = (float)i, doubled[i] = 2.0f * (float)i, after[i] = (float)i + 1;
  vs_output y = vs_mul(g, vs_var_value(v), vs_constant_float(g, 2, "two", st), NULL, st);
  vs_output add = add_ones_after(g, v, &y.op, 1, st);
  vs_session *s = device_session(g, v, vals, st);
  expect_run(s, y, add.op, doubled, 1000, st);
  expect_run(s, vs_var_value(v), NULL, after, 1000, st);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* The read runs before the update but a user of its value runs after it,
 * directly or through a Reshape or an Identity (which pass their input's
 * buffer on): the read copies, and that user sees the value read. */
enum { DIRECT, THROUGH_RESHAPE, THROUGH_IDENTITY };
static void user_after_the_update(int through) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *v = thousand(g, "v", S(1000), false, st);
  float vals[1000];
  for (int i = 0; i < 1000; i++) vals[i] = (float)i;
  vs_output read = vs_var_value(v), passed = read;
  if (through == THROUGH_RESHAPE) passed = vs_reshape(g, read, S(10, 100), NULL, st);
  if (through == THROUGH_IDENTITY) passed = vs_identity(g, read, NULL, st);
  vs_op *before[2] = {read.op, passed.op};
  vs_output add = add_ones_after(g, v, before, 2, st);
  vs_control_dependencies_push(g, &add.op, 1, st);
  vs_output z = vs_mul(g, passed, vs_constant_float(g, 1, "one", st), NULL, st);
  expect_ok(st);
  vs_control_dependencies_pop(g, st);
  expect_ok(st);
  vs_session *s = device_session(g, v, vals, st);
  expect_run(s, z, NULL, vals, 1000, st);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

Test(plan, a_read_whose_user_runs_after_the_update_copies) { user_after_the_update(DIRECT); }
Test(plan, a_read_passed_on_by_reshape_to_a_user_after_the_update_copies) { user_after_the_update(THROUGH_RESHAPE); }
Test(plan, a_read_passed_on_by_identity_to_a_user_after_the_update_copies) { user_after_the_update(THROUGH_IDENTITY); }

/* Identity of a run value forwards its buffer (the gradients' tuples):
 * bias_add(identity(y), b) alone uses the Identity's value but must not
 * take it over in place, since it is y's storage and y is fetched too. */
Test(plan, an_identity_forwards_its_input_which_no_consumer_then_writes_in_place) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_output x = vs_placeholder(g, VS_FLOAT, S(10, 100), "x", st);
  vs_output y = vs_mul(g, x, vs_constant_float(g, 2, "two", st), NULL, st);
  float bias[100], xv[1000], yv[1000], zv[1000];
  for (int i = 0; i < 100; i++) bias[i] = (float)(i % 7) - 3;
  for (int i = 0; i < 1000; i++) xv[i] = (float)(i % 50) - 25, yv[i] = 2 * xv[i], zv[i] = yv[i] + bias[i % 100];
  vs_output z = vs_bias_add(g, vs_identity(g, y, NULL, st), vs_constant(g, bias, VS_FLOAT, S(100), "b", st), NULL, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  for (int run = 0; run < 2; run++) { /* the second run with the plan's cached state */
    vs_tensor *in = vs_tensor_new(VS_FLOAT, S(10, 100), xv, st), *out[2] = {NULL, NULL};
    expect_ok(st);
    vs_session_run(s, &x, (vs_tensor *const[]){in}, 1, (vs_output[]){z, y}, out, 2, NULL, 0, st);
    vs_tensor_free(in);
    expect_ok(st);
    expect_values(out[0], zv, 1000);
    expect_values(out[1], yv, 1000);
    vs_tensor_free(out[0]);
    vs_tensor_free(out[1]);
  }
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* relu(bias_add(v.read, b)): BiasAdd takes over an input it alone uses and
 * applies the fused Relu in place; a borrowed read is the variable's
 * storage, which it must not take over. */
Test(plan, a_borrowed_read_is_never_written_in_place) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_var *v = thousand(g, "v", S(10, 100), false, st);
  vs_output b = vs_constant(g, (float[100]){0}, VS_FLOAT, S(100), "b", st);
  vs_output y = vs_relu(g, vs_bias_add(g, vs_var_value(v), b, NULL, st), NULL, st);
  vs_output read = vs_var_value(v);
  expect_ok(st);
  float vals[1000], relu[1000];
  for (int i = 0; i < 1000; i++) vals[i] = (float)(i % 7) - 3, relu[i] = vals[i] > 0 ? vals[i] : 0;
  vs_session *s = device_session(g, v, vals, st);
  for (int k = 0; k < 2; k++) expect_run(s, y, NULL, relu, 1000, st);
  expect_run(s, read, NULL, vals, 1000, st);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* ---- reductions (kernels/reduce.c): adjacent dimensions of one kind are
 * joined before the kernel sees them. Every subset of the axes of a
 * [2, 3, 4, 5] tensor (and BiasAddGrad's all-but-last) against a host sum
 * in the kernel's order (reduced elements in row-major order), to float
 * rounding of that order: 1e-6 relative. */

static void expect_reduced(vs_graph *g, vs_session *s, vs_output x, const float *xv, const int64_t *dims, unsigned mask,
                           bool mean, vs_status *st) {
  int64_t axes[4];
  size_t na = 0;
  for (int d = 0; d < 4; d++)
    if (mask & (1u << d)) axes[na++] = d;
  vs_reduce_opts o = {.axis = axes, .n_axis = na};
  vs_output y = mean ? vs_reduce_mean(g, x, &o, st) : vs_reduce_sum(g, x, &o, st);
  expect_ok(st);
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &y, &t, 1, NULL, 0, st);
  expect_ok(st);
  int64_t kept = 1, m = 1;
  for (int d = 0; d < 4; d++) *((mask & (1u << d)) ? &m : &kept) *= dims[d];
  cr_assert_eq((int64_t)vs_tensor_num_elements(t), kept, "mask %#x", mask);
  int64_t strides[4] = {dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1};
  for (int64_t o_ = 0; o_ < kept; o_++) {
    int64_t base = 0, rem = o_;
    for (int d = 3; d >= 0; d--)
      if (!(mask & (1u << d))) base += rem % dims[d] * strides[d], rem /= dims[d];
    float acc = 0;
    for (int64_t j = 0; j < m; j++) {
      int64_t off = base, r = j;
      for (int d = 3; d >= 0; d--)
        if (mask & (1u << d)) off += r % dims[d] * strides[d], r /= dims[d];
      acc += xv[off];
    }
    if (mean) acc /= (float)m;
    float got = ((const float *)vs_tensor_data(t))[o_];
    cr_assert(fabsf(got - acc) <= 1e-6f * (1 + fabsf(acc)), "mask %#x mean %d element %lld: %g, want %g", mask, mean,
              (long long)o_, got, acc);
  }
  vs_tensor_free(t);
}

Test(reduce, every_axis_subset_against_the_host) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  static const int64_t dims[4] = {2, 3, 4, 5};
  float xv[120];
  for (int i = 0; i < 120; i++) xv[i] = (float)((i * 29) % 23) / 7.0f - 1.5f;
  vs_output x = vs_constant(g, xv, VS_FLOAT, S(2, 3, 4, 5), "x", st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  for (unsigned mask = 1; mask < 16; mask++)
    for (int mean = 0; mean < 2; mean++) expect_reduced(g, s, x, xv, dims, mask, mean, st);
  /* BiasAddGrad: every dimension but the last, one joined run at stride 5;
   * the bias's gradient of sum(bias_add(x, b) * x) is BiasAddGrad(1 * x). */
  vs_output b = vs_constant(g, (float[5]){0}, VS_FLOAT, S(5), "b", st);
  vs_output l = vs_reduce_sum(g, vs_mul(g, vs_bias_add(g, x, b, NULL, st), x, NULL, st), NULL, st);
  vs_output bg = {NULL, 0};
  vs_gradients(g, &l, 1, &b, 1, NULL, &bg, st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_type(bg.op), "BiasAddGrad");
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &bg, &t, 1, NULL, 0, st);
  expect_ok(st);
  for (int c = 0; c < 5; c++) {
    float acc = 0;
    for (int j = 0; j < 24; j++) acc += xv[j * 5 + c];
    cr_assert(fabsf(((const float *)vs_tensor_data(t))[c] - acc) <= 1e-6f * (1 + fabsf(acc)), "channel %d", c);
  }
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* vs_cast's argument errors; Cast's gradient (TF's _CastGrad: a Cast back
 * to the input's floating dtype, "gradients/Cast_grad/Cast"); and a Cast of
 * a host bool (IsVariableInitialized's), which the kernel uploads. */
Test(cast, errors_gradient_and_host_bool_input) {
  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_output x = vs_placeholder(g, VS_FLOAT, S(2), "x", st);
  expect_ok(st);
  cr_assert_null(vs_cast(NULL, x, VS_DOUBLE, NULL, st).op);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_message(st), "cast: graph must not be NULL");
  size_t before = vs_graph_num_operations(g);
  cr_assert_null(vs_cast(g, x, (vs_dtype)99, NULL, st).op);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_str_eq(vs_status_exception_name(st), "TypeError");
  cr_assert_str_eq(vs_status_message(st), "Cannot convert the argument `type_value`: 99 to a TensorFlow DType.");
  cr_assert_eq(vs_graph_num_operations(g), before, "a refused cast built an op");

  vs_output y = vs_cast(g, x, VS_DOUBLE, NULL, st);
  vs_output z = vs_reduce_sum(g, vs_mul(g, y, y, NULL, st), NULL, st);
  vs_output dx = {NULL, 0};
  vs_gradients(g, &z, 1, &x, 1, NULL, &dx, st);
  expect_ok(st);
  cr_assert_str_eq(vs_output_name(dx), "gradients/Cast_grad/Cast:0");
  cr_assert_eq(vs_op_output_dtype(dx.op), VS_FLOAT);

  vs_var *v = var(g, "v", S(2), VS_FLOAT, vs_zeros_initializer(), st);
  vs_output inited = vs_cast(g, vs_is_variable_initialized(g, v, st), VS_INT32, NULL, st);
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_tensor *out = NULL;
  vs_session_run(s, NULL, NULL, 0, &inited, &out, 1, NULL, 0, st);
  expect_ok(st);
  cr_assert_eq(*(const int32_t *)vs_tensor_data(out), 0);
  vs_tensor_free(out);
  vs_op *init = vs_var_initializer_op(v);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  expect_ok(st);
  vs_session_run(s, NULL, NULL, 0, &inited, &out, 1, NULL, 0, st);
  expect_ok(st);
  cr_assert_eq(*(const int32_t *)vs_tensor_data(out), 1);
  vs_tensor_free(out);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}

/* ---- idle buffers (runtime/device_memory.c) ----
 * A run's values go back to the device's idle list once its queues are
 * finished and serve the next allocation of the same size; idle bytes are
 * not "in use", are capped at a quarter of the device's limit, and give
 * way to an allocation that needs the room. */

#define MIB ((uint64_t)1 << 20)

/* Device 0 under an 8 MiB limit (so at most 2 MiB idle); read when the
 * registry is first used, which is in this test's own process. */
static vs_cl_device *device_with_8mib_limit(vs_status *st) {
  setenv("VARSCOPE_MEMORY_LIMIT", "8M", 1);
  vs_cl_device *d = vs__device(0, st);
  expect_ok(st);
  return d;
}

Test(idle_buffers, a_recycled_buffer_serves_the_next_allocation_of_its_size_and_is_not_in_use) {
  vs_status *st = vs_status_new();
  vs_cl_device *d = vs__device(0, st);
  expect_ok(st);
  uint64_t base = vs_device_memory_in_use(0, st), idle0 = vs__buffer_idle_bytes(d);
  cl_mem a = vs__device_buffer(d, MIB, NULL, VS_FLOAT, st);
  expect_ok(st);
  cr_assert_eq(vs_device_memory_in_use(0, st), base + MIB);
  vs__buffer_recycle(a);
  cr_assert_eq(vs_device_memory_in_use(0, st), base);
  cr_assert_eq(vs__buffer_idle_bytes(d), idle0 + MIB);
  cl_mem b = vs__device_buffer(d, 2 * MIB, NULL, VS_FLOAT, st); /* another size: a new buffer */
  expect_ok(st);
  cr_assert_neq(b, a);
  cl_mem a2 = vs__device_buffer(d, MIB, NULL, VS_FLOAT, st);
  expect_ok(st);
  cr_assert_eq(a2, a, "the idle buffer of the same size is reused");
  cr_assert_eq(vs__buffer_idle_bytes(d), idle0);
  cr_assert_eq(vs_device_memory_in_use(0, st), base + 3 * MIB);
  vs__buffer_release(a2);
  vs__buffer_release(b);
  cr_assert_eq(vs_device_memory_in_use(0, st), base);
  vs_status_free(st);
}

/* Writes zeros into a fresh 1 MiB buffer of device 0, recycles it, takes
 * the same size again (the same buffer: see above) and returns how many of
 * its bytes read back as 0xFF. VARSCOPE_SCRIBBLE is set to scribble first,
 * before this process's first registry call. */
static size_t ff_bytes_of_a_recycled_buffer(const char *scribble) {
  setenv("VARSCOPE_SCRIBBLE", scribble, 1);
  vs_status *st = vs_status_new();
  vs_cl_device *d = vs__device(0, st);
  expect_ok(st);
  cl_command_queue q = *vs__queue(d);
  unsigned char *host = malloc(MIB);
  cr_assert_not_null(host);
  cl_mem a = vs__device_buffer(d, MIB, NULL, VS_FLOAT, st);
  expect_ok(st);
  memset(host, 0, MIB);
  cr_assert_eq(clEnqueueWriteBuffer(q, a, CL_TRUE, 0, MIB, host, 0, NULL, NULL), CL_SUCCESS);
  vs__buffer_recycle(a);
  cl_mem b = vs__device_buffer(d, MIB, NULL, VS_FLOAT, st);
  expect_ok(st);
  cr_assert_eq(b, a, "the idle buffer of the same size is reused");
  cr_assert_eq(clEnqueueReadBuffer(q, b, CL_TRUE, 0, MIB, host, 0, NULL, NULL), CL_SUCCESS);
  size_t ff = 0;
  for (size_t i = 0; i < MIB; i++) ff += host[i] == 0xFF;
  vs__buffer_release(b);
  free(host);
  vs_status_free(st);
  return ff;
}

/* VARSCOPE_SCRIBBLE=1: a buffer handed out again holds 0xFF bytes (NaN),
 * not the zeros written into it before it went idle; =0: it keeps them. */
Test(idle_buffers, under_varscope_scribble_a_reused_buffer_is_filled_with_0xff) {
  cr_assert_eq(ff_bytes_of_a_recycled_buffer("1"), MIB);
}

Test(idle_buffers, without_varscope_scribble_a_reused_buffer_keeps_its_bytes) {
  cr_assert_eq(ff_bytes_of_a_recycled_buffer("0"), 0);
}

Test(idle_buffers, varscope_scribble_with_blanks_around_the_digit_means_the_digit) {
  cr_assert_eq(ff_bytes_of_a_recycled_buffer(" 1 "), MIB);
}

Test(idle_buffers, idle_bytes_are_capped_at_a_quarter_of_the_limit_oldest_out_first) {
  vs_status *st = vs_status_new();
  vs_cl_device *d = device_with_8mib_limit(st);
  cl_mem m[3];
  for (int i = 0; i < 3; i++) {
    m[i] = vs__device_buffer(d, MIB, NULL, VS_FLOAT, st);
    expect_ok(st);
  }
  for (int i = 0; i < 3; i++) vs__buffer_recycle(m[i]);
  cr_assert_eq(vs__buffer_idle_bytes(d), 2 * MIB, "8 MiB limit: at most 2 MiB idle");
  cr_assert_eq(vs_device_memory_in_use(0, st), 0);
  /* Newest first: the two kept are m[2] and m[1]. */
  cl_mem x = vs__device_buffer(d, MIB, NULL, VS_FLOAT, st), y = vs__device_buffer(d, MIB, NULL, VS_FLOAT, st);
  expect_ok(st);
  cr_assert(x == m[2] && y == m[1]);
  cr_assert_eq(vs__buffer_idle_bytes(d), 0);
  vs__buffer_release(x);
  vs__buffer_release(y);
  /* A buffer above the cap is released, not kept. */
  cl_mem big = vs__device_buffer(d, 3 * MIB, NULL, VS_FLOAT, st);
  expect_ok(st);
  vs__buffer_recycle(big);
  cr_assert_eq(vs__buffer_idle_bytes(d), 0);
  cr_assert_eq(vs_device_memory_in_use(0, st), 0);
  vs_status_free(st);
}

Test(idle_buffers, at_most_256_buffers_are_kept_idle_per_device) {
  /* The idle list is searched at every allocation: 300 small buffers
   * recycled leave the newest 256. */
  vs_status *st = vs_status_new();
  vs_cl_device *d = vs__device(0, st);
  expect_ok(st);
  enum { N = 300, KEPT = 256, BYTES = 4096 };
  static cl_mem m[N];
  for (int i = 0; i < N; i++) {
    m[i] = vs__device_buffer(d, BYTES, NULL, VS_FLOAT, st);
    expect_ok(st);
  }
  for (int i = 0; i < N; i++) vs__buffer_recycle(m[i]);
  cr_assert_eq(vs__buffer_idle_bytes(d), (uint64_t)KEPT * BYTES);
  cr_assert_eq(vs_device_memory_in_use(0, st), 0);
  cl_mem newest = vs__device_buffer(d, BYTES, NULL, VS_FLOAT, st);
  expect_ok(st);
  cr_assert_eq(newest, m[N - 1]);
  vs__buffer_release(newest);
  vs_status_free(st);
}

Test(idle_buffers, idle_buffers_give_way_to_an_allocation_that_needs_their_room) {
  vs_status *st = vs_status_new();
  vs_cl_device *d = device_with_8mib_limit(st);
  cl_mem a = vs__device_buffer(d, 2 * MIB, NULL, VS_FLOAT, st);
  expect_ok(st);
  vs__buffer_recycle(a);
  cr_assert_eq(vs__buffer_idle_bytes(d), 2 * MIB);
  /* 7 MiB fit the limit only without the idle 2 MiB: they are released. */
  cl_mem b = vs__device_buffer(d, 7 * MIB, NULL, VS_FLOAT, st);
  expect_ok(st);
  cr_assert_eq(vs__buffer_idle_bytes(d), 0);
  cr_assert_eq(vs_device_memory_in_use(0, st), 7 * MIB);
  /* And the limit still holds for what is in use. */
  cl_mem c = vs__device_buffer(d, 2 * MIB, NULL, VS_FLOAT, st);
  cr_assert_null(c);
  cr_assert_eq(vs_status_code(st), VS_RESOURCE_EXHAUSTED);
  vs__buffer_release(b);
  cr_assert_eq(vs_device_memory_in_use(0, st), 0);
  vs_status_free(st);
}

Test(idle_buffers, runs_reuse_their_value_buffers_and_compute_from_fresh_inputs) {
  /* y = x * x + x over 64K floats, run three times with other feeds: the
   * second and third runs get the first run's (idle, stale) buffers and
   * must still give exact results; nothing stays in use between runs. */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  enum { N = 65536 };
  vs_output x = vs_placeholder(g, VS_FLOAT, S(N), "x", st);
  vs_output y = vs_add(g, vs_mul(g, x, x, NULL, st), x, NULL, st); /* no constants: the plan keeps none */
  expect_ok(st);
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_cl_device *d = vs__device(0, st);
  expect_ok(st);
  uint64_t base = vs_device_memory_in_use(0, st);
  static float xv[N];
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < N; i++) xv[i] = (float)(i % 1000) * 0.5f - (float)round * 100.0f;
    vs_tensor *in = vs_tensor_new(VS_FLOAT, S(N), xv, st);
    expect_ok(st);
    vs_tensor *out = NULL;
    vs_session_run(s, &x, (vs_tensor *const[]){in}, 1, &y, &out, 1, NULL, 0, st);
    vs_tensor_free(in);
    expect_ok(st);
    const float *yv = vs_tensor_data(out);
    for (int i = 0; i < N; i++) cr_assert_eq(yv[i], xv[i] * xv[i] + xv[i], "round %d, element %d", round, i); /* exact: halves below 500 */
    vs_tensor_free(out);
    cr_assert_eq(vs_device_memory_in_use(0, st), base, "round %d: %llu in use, %llu before", round, (unsigned long long)vs_device_memory_in_use(0, st), (unsigned long long)base);
    if (round > 0) cr_assert(vs__buffer_idle_bytes(d) >= 3 * (uint64_t)N * sizeof(float), "x, x*x, y kept idle");
  }
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
}
