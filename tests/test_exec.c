/* test_exec.c - the execution wing: the op registry (every registered op
 * has a kernel, a shape function and a doc line; the shape function agrees
 * with what the op constructors built) and dispatch through the def. */
#include <criterion/criterion.h>
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
    cr_assert_null(d->gradient, "%s: gradients are not wired yet, the slot must stay empty", d->type);
    cr_assert_eq(vs__op_def_find(d->type), d, "%s is registered twice", d->type);
  }
  cr_assert_eq(n, 24, "registered ops: %zu (update this count with the op's tests)", n);
  cr_assert_null(vs__op_def_find("NoSuchOp"));
}

Test(registry, shape_functions_agree_with_the_constructors_on_every_op_type) {
  static vs_status *st; /* static: a failed assertion leaves no leak report behind */
  st = vs_status_new();
  vs_graph *g = vs_graph_new();
  build_every_op(g, st);
  size_t n_defs = 0;
  while (vs__op_def_at(n_defs)) n_defs++;
  bool seen[64] = {false};
  cr_assert_leq(n_defs, 64);
  for (size_t i = 0; i < vs_graph_num_operations(g); i++) {
    vs_op *op = vs_graph_operation(g, i);
    const vs_op_def *d = vs__op_def_find(vs_op_type(op));
    cr_assert_not_null(d, "%s: type %s has no def", vs_op_name(op), vs_op_type(op));
    cr_assert_eq(op->def, d, "%s holds another def than its type's", vs_op_name(op));
    for (size_t k = 0; k < n_defs; k++) seen[k] |= vs__op_def_at(k) == d;
    if (!op->has_output) continue;
    vs_shape want = vs_op_output_shape(op), got = d->shape(op);
    char a[128], b[128];
    vs_shape_format(&want, a, sizeof a);
    vs_shape_format(&got, b, sizeof b);
    cr_assert(same_shape(want, got), "%s (%s): constructor built %s, shape function says %s", vs_op_name(op),
              vs_op_type(op), a, b);
  }
  for (size_t k = 0; k < n_defs; k++)
    cr_assert(seen[k], "no op of type %s was built: extend build_every_op", vs__op_def_at(k)->type);
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
