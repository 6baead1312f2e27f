/* test_inline.c - small runs on the calling thread (engine/exec/inline.c):
 * which runs take the host path (the session's count of them), that the
 * host kernels give the device kernels' results bit for bit, that every
 * run the host path must not take falls back to the device path with its
 * exact error, that host and device writes of one variable see each other,
 * and that device memory is counted as before. */
#include <criterion/criterion.h>
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec/inline.h"
#include "kernels/registry.h"
#include "support.h"
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

#define V(n) ((vs_shape){.known = true, .rank = 1, .dims = {n}})

static vs_status *st;
static void setup(void) { st = vs_status_new(); }
static void teardown(void) { vs_status_free(st); }
TestSuite(inline_run, .init = setup, .fini = teardown);

static vs_session *session(vs_graph *g) {
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  return s;
}

static void run_target(vs_session *s, vs_op *op) {
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &op, 1, st);
  expect_ok(st);
}

/* One fetch; NULL (st set) on an error. */
static vs_tensor *fetch(vs_session *s, vs_output x) {
  vs_tensor *t = NULL;
  vs_session_run(s, NULL, NULL, 0, &x, &t, 1, NULL, 0, st);
  return t;
}

static vs_var *variable(vs_graph *g, const char *name, vs_shape shape, vs_dtype t, bool resource) {
  vs_var *v = vs_get_variable(g, name,
                              &(vs_var_opts){.shape = shape, .dtype = t, .initializer = vs_zeros_initializer(),
                                             .use_resource = resource ? VS_OPT_TRUE : VS_OPT_FALSE},
                              st);
  expect_ok(st);
  return v;
}

static void expect_floats(const vs_tensor *t, const float *want, size_t n) {
  cr_assert_not_null(t);
  cr_assert_eq(t->n, n);
  for (size_t i = 0; i < n; i++) cr_expect_eq(((const float *)t->data)[i], want[i], "element %zu: %g", i, ((const float *)t->data)[i]);
}

/* Fetches x and asserts its n float32 elements. */
static void expect_fetch(vs_session *s, vs_output x, const float *want, size_t n) {
  vs_tensor *t = fetch(s, x);
  expect_ok(st);
  expect_floats(t, want, n);
  vs_tensor_free(t);
}

/* A session of g whose variables the global initializer has initialised
 * (a batched initialisation: the device path). */
static vs_session *initialised(vs_graph *g) {
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  vs_session *s = session(g);
  run_target(s, init);
  return s;
}

/* v.assign_add(1.0) of a new scalar float variable v (zeros; *var, when
 * asked). */
static vs_output counter_add(vs_graph *g, const char *name, bool resource, vs_var **var) {
  vs_var *v = variable(g, name, VS_SCALAR, VS_FLOAT, resource);
  if (var) *var = v;
  vs_output add = vs_assign_add(g, v, vs_constant_float(g, 1.0f, "one", st), NULL, st);
  expect_ok(st);
  return add;
}

Test(inline_run, tiny_assign_add_runs_on_the_host) {
  vs_graph *g = vs_graph_new();
  vs_var *c = NULL;
  vs_output add = counter_add(g, "counter", false, &c);
  vs_session *s = initialised(g);
  cr_assert_eq(vs__inline_runs(s), 0);
  for (int i = 1; i <= 3; i++) {
    expect_fetch(s, add, (float[]){(float)i}, 1);
    cr_assert_eq(vs__inline_runs(s), (uint64_t)i);
  }
  vs_tensor *t = vs_session_variable_value(s, c, st); /* read by the device's queue */
  expect_ok(st);
  expect_floats(t, (float[]){3.0f}, 1);
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
}

/* The values each dtype's variables start from and are updated by: signed
 * zeros, subnormals, overflow to infinity and integer wrap-around. */
static const float F0[6] = {1.5f, -0.0f, 1e-40f, FLT_MAX, 1e-7f, -3.25f};
static const float F1[6] = {0.25f, 1e-40f, -2e-40f, FLT_MAX, 1.0f, 0.1f};
static const double D0[6] = {1.5, -0.0, 1e-310, DBL_MAX, 1e-17, -3.25};
static const double D1[6] = {0.1, 1e-310, -2e-310, DBL_MAX, 1.0, 0.3};
static const int32_t I0[6] = {INT32_MAX, INT32_MIN, 0, -1, 7, 123456789};
static const int32_t I1[6] = {1, 1, -5, INT32_MIN, INT32_MAX, 987654321};
static const int64_t L0[6] = {INT64_MAX, INT64_MIN, 0, -1, 7, 1234567890123456789};
static const int64_t L1[6] = {1, 1, -5, INT64_MIN, INT64_MAX, 987654321987654321};

/* The same runs in a session that may run on the host and in one that may
 * not give the same bytes, and the first ran every run on the host. */
static void same_bits(vs_dtype t, const void *x0, const void *x1) {
  vs_graph *g = vs_graph_new();
  vs_var *v = variable(g, "v", V(6), t, false), *r = variable(g, "r", V(6), t, true);
  vs_output c0 = vs_constant(g, x0, t, V(6), "c0", st), c1 = vs_constant(g, x1, t, V(6), "c1", st);
  expect_ok(st);
  vs_output runs[] = {
      vs_assign(g, v, c0, NULL, st),        vs_assign_add(g, v, c1, NULL, st), vs_assign_add(g, v, c1, NULL, st),
      vs_assign_sub(g, v, c0, NULL, st),    vs_identity(g, vs_var_value(v), "snapshot", st),
      vs_assign(g, r, c0, NULL, st),        vs_assign_add(g, r, c1, NULL, st), vs_assign_sub(g, r, c0, NULL, st),
      vs_read_value(g, r, st),              vs_assign(g, v, vs_var_value(r), NULL, st),
      vs_add(g, vs_var_value(v), c1, "sum", st), vs_sub(g, c0, vs_var_value(r), "difference", st),
      vs_mul(g, vs_var_value(v), c1, "product", st),
      vs_mul(g, vs_constant(g, x1, t, VS_SCALAR, "scale", st), vs_var_value(r), "scaled", st),
      vs_assign_add(g, v, vs_add(g, c0, c1, "step", st), NULL, st),
  };
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  size_t n = sizeof runs / sizeof *runs;
  vs_session *host = session(g), *device = session(g);
  vs__inline_allow(device, false);
  run_target(host, init);
  run_target(device, init);
  for (int round = 0; round < 2; round++)
    for (size_t i = 0; i < n; i++) {
      vs_tensor *a = fetch(host, runs[i]);
      expect_ok(st);
      vs_tensor *b = fetch(device, runs[i]);
      expect_ok(st);
      cr_assert_eq(a->n, 6);
      cr_assert_eq(b->n, 6);
      cr_expect(memcmp(a->data, b->data, 6 * vs_dtype_size(t)) == 0, "%s: run %zu of round %d differs",
                vs_dtype_name(t), i, round);
      vs_tensor_free(a);
      vs_tensor_free(b);
    }
  cr_assert_eq(vs__inline_runs(host), 2 * n);
  cr_assert_eq(vs__inline_runs(device), 0);
  vs_session_free(host);
  vs_session_free(device);
  vs_graph_free(g);
}

Test(inline_run, float32_same_bits_as_the_device) { same_bits(VS_FLOAT, F0, F1); }
Test(inline_run, float64_same_bits_as_the_device) { same_bits(VS_DOUBLE, D0, D1); }
Test(inline_run, int32_wraps_as_the_device) { same_bits(VS_INT32, I0, I1); }
Test(inline_run, int64_wraps_as_the_device) { same_bits(VS_INT64, L0, L1); }

Test(inline_run, int32_wrap_values) {
  /* The wrap itself, not only agreement: INT32_MAX + 1 and INT32_MIN - 1. */
  vs_graph *g = vs_graph_new();
  vs_var *v = variable(g, "v", V(2), VS_INT32, false);
  vs_output set = vs_assign(g, v, vs_constant(g, (int32_t[]){INT32_MAX, INT32_MIN}, VS_INT32, V(2), "c", st), NULL, st);
  vs_output add = vs_assign_add(g, v, vs_constant(g, (int32_t[]){1, -1}, VS_INT32, V(2), "d", st), NULL, st);
  vs_session *s = initialised(g);
  vs_tensor_free(fetch(s, set));
  vs_tensor *t = fetch(s, add);
  expect_ok(st);
  cr_assert_eq(((int32_t *)t->data)[0], INT32_MIN);
  cr_assert_eq(((int32_t *)t->data)[1], INT32_MAX);
  cr_assert_eq(vs__inline_runs(s), 2);
  vs_tensor_free(t);
  vs_session_free(s);
  vs_graph_free(g);
}

Test(inline_run, uninitialized_variable_falls_back_with_tf_error) {
  vs_graph *g = vs_graph_new();
  vs_output add = counter_add(g, "v", false, NULL);
  vs_session *s = session(g);
  cr_assert_null(fetch(s, add));
  expect_error(st, VS_FAILED_PRECONDITION, "FailedPreconditionError",
               "Attempting to use uninitialized value v\n\t [[{{node AssignAdd}}]]");
  cr_assert_eq(vs__inline_runs(s), 0);
  vs_session_free(s);
  vs_graph_free(g);
}

Test(inline_run, uninitialized_resource_variable_gives_the_device_paths_error) {
  vs_graph *g = vs_graph_new();
  vs_output add = counter_add(g, "r", true, NULL);
  vs_session *host = session(g), *device = session(g);
  vs__inline_allow(device, false);
  cr_assert_null(fetch(device, add));
  vs_code code = vs_status_code(st);
  char *text = strdup(vs_status_message(st));
  cr_assert_eq(code, VS_NOT_FOUND);
  cr_assert_null(fetch(host, add));
  cr_assert_eq(vs_status_code(st), code);
  cr_assert_str_eq(vs_status_message(st), text);
  cr_assert_eq(vs__inline_runs(host), 0);
  free(text);
  vs_session_free(host);
  vs_session_free(device);
  vs_graph_free(g);
}

/* A variable of n floats, ones, plus ones: on the host at most at the
 * threshold (16384 elements), on the device above it; 2.0 either way. */
static void sized(int64_t n, uint64_t want_inline) {
  vs_graph *g = vs_graph_new();
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = V(n), .initializer = vs_ones_initializer()}, st);
  float *ones = malloc((size_t)n * sizeof *ones), *twos = malloc((size_t)n * sizeof *twos);
  for (int64_t i = 0; i < n; i++) ones[i] = 1.0f, twos[i] = 2.0f;
  vs_output add = vs_assign_add(g, v, vs_constant(g, ones, VS_FLOAT, V(n), "c", st), NULL, st);
  vs_session *s = initialised(g);
  expect_fetch(s, add, twos, (size_t)n);
  cr_assert_eq(vs__inline_runs(s), want_inline);
  free(ones);
  free(twos);
  vs_session_free(s);
  vs_graph_free(g);
}

Test(inline_run, at_the_threshold_runs_on_the_host) { sized(16384, 1); }
Test(inline_run, over_the_threshold_runs_on_the_device) { sized(16385, 0); }

Test(inline_run, op_without_host_kernel_runs_on_the_device) {
  vs_graph *g = vs_graph_new();
  vs_var *v = variable(g, "v", V(2), VS_FLOAT, false);
  vs_output c = vs_constant(g, (float[]){1.5f, 2.5f}, VS_FLOAT, V(2), "c", st);
  vs_output set = vs_assign(g, v, c, NULL, st);
  vs_output sum = vs_square(g, vs_add(g, vs_var_value(v), c, NULL, st), NULL, st); /* Square: no host kernel */
  vs_session *s = initialised(g);
  vs_tensor_free(fetch(s, set));
  cr_assert_eq(vs__inline_runs(s), 1);
  expect_fetch(s, sum, (float[]){9.0f, 25.0f}, 2);
  cr_assert_eq(vs__inline_runs(s), 1);
  vs_session_free(s);
  vs_graph_free(g);
}

Test(inline_run, trailing_dimension_broadcast_runs_on_the_device) {
  /* [2,3] + [3]: the host kernels take same-size operands or a scalar only. */
  vs_graph *g = vs_graph_new();
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = {.known = true, .rank = 2, .dims = {2, 3}},
                                                     .initializer = vs_ones_initializer()}, st);
  vs_output row = vs_constant(g, (float[]){1, 2, 3}, VS_FLOAT, V(3), "row", st);
  vs_output sum = vs_add(g, vs_var_value(v), row, NULL, st);
  vs_output scaled = vs_mul(g, vs_var_value(v), vs_constant_float(g, 4.0f, "four", st), NULL, st);
  vs_session *s = initialised(g);
  expect_fetch(s, sum, (float[]){2, 3, 4, 2, 3, 4}, 6);
  cr_assert_eq(vs__inline_runs(s), 0);
  expect_fetch(s, scaled, (float[]){4, 4, 4, 4, 4, 4}, 6); /* a scalar operand: on the host */
  cr_assert_eq(vs__inline_runs(s), 1);
  vs_session_free(s);
  vs_graph_free(g);
}

Test(inline_run, host_and_device_writes_see_each_other) {
  vs_graph *g = vs_graph_new();
  vs_var *v = variable(g, "v", V(3), VS_FLOAT, false);
  vs_output add = vs_assign_add(g, v, vs_constant(g, (float[]){1, 2, 3}, VS_FLOAT, V(3), "c", st), NULL, st);
  vs_session *s = initialised(g);
  vs_tensor_free(fetch(s, add)); /* host */
  vs__inline_allow(s, false);
  vs_tensor_free(fetch(s, add)); /* device kernel */
  vs__inline_allow(s, true);
  expect_fetch(s, add, (float[]){3, 6, 9}, 3); /* host again */
  cr_assert_eq(vs__inline_runs(s), 2);
  /* A write by the device's queue (checkpoint restore), then the host. */
  vs_tensor *value = vs_tensor_new(VS_FLOAT, V(3), (float[]){10, 20, 30}, st);
  vs_session_assign_variable(s, v, value, st);
  expect_ok(st);
  vs_tensor_free(value);
  expect_fetch(s, add, (float[]){11, 22, 33}, 3);
  vs_tensor *t = vs_session_variable_value(s, v, st); /* the host's write, read by the device's queue */
  expect_ok(st);
  expect_floats(t, (float[]){11, 22, 33}, 3);
  vs_tensor_free(t);
  cr_assert_eq(vs__inline_runs(s), 3);
  vs_session_free(s);
  vs_graph_free(g);
}

Test(inline_run, past_the_svm_cap_a_variable_runs_on_the_device) {
  /* At most 256 small buffers have SVM storage (device_memory.c): 300
   * variables assigned one by one, the first is host-visible, the last is
   * not, and its run takes the device path with the same result. */
  enum { N = 300 };
  vs_graph *g = vs_graph_new();
  vs_var *v[N];
  char name[16];
  for (int i = 0; i < N; i++) {
    snprintf(name, sizeof name, "v%d", i);
    v[i] = variable(g, name, V(2), VS_FLOAT, false);
  }
  vs_output c = vs_constant(g, (float[]){1, 2}, VS_FLOAT, V(2), "c", st);
  vs_output first = vs_assign_add(g, v[0], c, NULL, st), last = vs_assign_add(g, v[N - 1], c, NULL, st);
  vs_tensor *value = vs_tensor_new(VS_FLOAT, V(2), (float[]){10, 20}, st);
  vs_session *s = session(g);
  for (int i = 0; i < N; i++) vs_session_assign_variable(s, v[i], value, st);
  expect_ok(st);
  vs_tensor_free(value);
  expect_fetch(s, first, (float[]){11, 22}, 2);
  cr_assert_eq(vs__inline_runs(s), 1);
  expect_fetch(s, last, (float[]){11, 22}, 2);
  cr_assert_eq(vs__inline_runs(s), 1);
  vs_session_free(s);
  vs_graph_free(g);
}

Test(inline_run, device_memory_is_counted_as_before) {
  vs_graph *g = vs_graph_new();
  vs_var *v = variable(g, "v", V(64), VS_FLOAT, true);
  vs_output add = vs_assign_add(g, v, vs_constant(g, (float[64]){1}, VS_FLOAT, V(64), "c", st), NULL, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  uint64_t before = vs_device_memory_in_use(0, st);
  vs_session *s = session(g);
  run_target(s, init);
  uint64_t initialised = vs_device_memory_in_use(0, st);
  cr_assert_gt(initialised, before); /* the variable's storage is counted */
  for (int i = 0; i < 5; i++) vs_tensor_free(fetch(s, add));
  expect_ok(st);
  cr_assert_eq(vs__inline_runs(s), 5);
  cr_assert_eq(vs_device_memory_in_use(0, st), initialised); /* host runs allocate no device buffer */
  vs_session_free(s);
  cr_assert_eq(vs_device_memory_in_use(0, st), before);
  expect_ok(st);
  vs_graph_free(g);
}

Test(inline_run, a_plan_across_devices_runs_on_the_devices) {
  /* With two devices (POCL_DEVICES="pthread pthread"): a variable on the
   * second runs on the host there; a plan spanning both does not. With one,
   * both ops land on device 0 and the plan runs on the host. */
  size_t n = vs_num_devices(st);
  vs_graph *g = vs_graph_new();
  vs_var *v = NULL;
  vs_output add = {0}, copy = {0};
  VS_WITH_DEVICE(g, n > 1 ? "/device:CL:1" : "/device:CL:0", st) {
    v = variable(g, "v", V(2), VS_FLOAT, false);
    add = vs_assign_add(g, v, vs_constant(g, (float[]){1, 2}, VS_FLOAT, V(2), "c", st), NULL, st);
  }
  VS_WITH_DEVICE(g, "/device:CL:0", st) { copy = vs_identity(g, add, "copy", st); }
  vs_session *s = initialised(g);
  expect_fetch(s, add, (float[]){1, 2}, 2);
  cr_assert_eq(vs__inline_runs(s), 1);
  expect_fetch(s, copy, (float[]){2, 4}, 2);
  cr_assert_eq(vs__inline_runs(s), n > 1 ? 1 : 2);
  vs_session_free(s);
  vs_graph_free(g);
}

Test(inline_run, varscope_inline_0_turns_the_host_path_off) {
  /* Read once, when the device registry is built: this test's process
   * makes no varscope call before it. */
  setenv("VARSCOPE_INLINE", "0", 1);
  vs_graph *g = vs_graph_new();
  vs_output add = counter_add(g, "c", false, NULL);
  vs_session *s = initialised(g);
  expect_fetch(s, add, (float[]){1}, 1);
  cr_assert_eq(vs__inline_runs(s), 0);
  vs_session_free(s);
  vs_graph_free(g);
}

Test(inline_run, the_host_kernels_registered) {
  static const char *const with[] = {"Const", "VariableV2", "VarHandleOp", "Identity", "ReadVariableOp", "NoOp",
                                     "Assign", "AssignAdd", "AssignSub", "AssignVariableOp", "AssignAddVariableOp",
                                     "AssignSubVariableOp", "AddV2", "Sub", "Mul"};
  size_t n = 0;
  for (size_t i = 0; i < sizeof with / sizeof *with; i++) {
    const vs_op_def *def = vs__op_def_find(with[i]);
    cr_assert_not_null(def, "%s", with[i]);
    cr_expect_not_null(def->host, "%s has no host kernel", with[i]);
  }
  for (const vs_op_def *def; (def = vs__op_def_at(n)); n++) /* and no other op type */
    if (def->host) {
      bool listed = false;
      for (size_t i = 0; i < sizeof with / sizeof *with; i++) listed |= strcmp(def->type, with[i]) == 0;
      cr_expect(listed, "%s has a host kernel this test does not list", def->type);
    }
  cr_assert_gt(n, sizeof with / sizeof *with);
}

/* Two sessions of g, one that may run on the host and one that may not,
 * each having run init (when not NULL). */
static void paired(vs_graph *g, vs_op *init, vs_session **host, vs_session **device) {
  *host = session(g);
  *device = session(g);
  vs__inline_allow(*device, false);
  if (init) run_target(*host, init), run_target(*device, init);
}

/* Runs x (after init, when not NULL) in a session that may run on the
 * host and in one that may not: the same error code and text (or both
 * succeed), the host session counting no host run when the device path
 * fails. */
static void same_outcome(vs_graph *g, vs_op *init, vs_output x, bool as_target) {
  vs_session *host, *device;
  paired(g, init, &host, &device);
  vs_tensor *a = NULL, *b = NULL;
  if (as_target) vs_session_run(device, NULL, NULL, 0, NULL, NULL, 0, &x.op, 1, st);
  else b = fetch(device, x);
  vs_code code = vs_status_code(st);
  char *text = strdup(vs_status_message(st));
  if (as_target) vs_session_run(host, NULL, NULL, 0, NULL, NULL, 0, &x.op, 1, st);
  else a = fetch(host, x);
  cr_assert_eq(vs_status_code(st), code, "%s: host %s, device %s", x.op->name, vs_status_message(st), text);
  cr_assert_str_eq(vs_status_message(st), text);
  if (code != VS_OK) cr_assert_eq(vs__inline_runs(host), 0);
  free(text);
  vs_tensor_free(a);
  vs_tensor_free(b);
  vs_session_free(host);
  vs_session_free(device);
}

Test(inline_run, ops_of_a_failed_variable_take_the_device_path) {
  /* get_variable fails after its VariableV2 and Assign were made (a bad
   * caching_device): the ops stay in the graph, as in TF, without a
   * variable. Running them must give the device path's error, not a host
   * run looking up a variable the plan does not hold. */
  vs_graph *g = vs_graph_new();
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SCALAR, .initializer = vs_zeros_initializer(),
                                                     .caching_device = "/device:CPU:0:extra"},
                              st);
  cr_assert_null(v);
  cr_assert_neq(vs_status_code(st), VS_OK);
  vs_op *op = vs_graph_operation_by_name(g, "v"), *assign = vs_graph_operation_by_name(g, "v/Assign");
  cr_assert_not_null(op);
  cr_assert_not_null(assign);
  same_outcome(g, NULL, (vs_output){op, 0}, false);
  same_outcome(g, NULL, (vs_output){assign, 0}, true);
  vs_graph_free(g);
}

/* Runs fetching several values at once, where operands alias the variable
 * being written (v.assign_add(v), v * v beside it, a read and the ref
 * itself fetched with an update, two assignments ordered by a control
 * dependency): a host session and a device session give the same bytes
 * for every fetch, round after round, and the host session ran each on
 * the host. */
Test(inline_run, aliased_operands_and_multi_fetches_match_the_device) {
  vs_graph *g = vs_graph_new();
  vs_var *v = variable(g, "v", V(4), VS_FLOAT, false), *r = variable(g, "r", V(4), VS_FLOAT, true);
  vs_output vref = {v->op, 0}, c = vs_constant(g, (float[]){0.5f, -1.25f, 3.0f, 1e-30f}, VS_FLOAT, V(4), "c", st);
  vs_output two = vs_constant_float(g, 2.0f, "two", st);
  expect_ok(st);
  vs_output set_v = vs_assign(g, v, c, NULL, st);
  vs_op *dep = set_v.op;
  vs_control_dependencies_push(g, &dep, 1, st);
  vs_output after = vs_assign_add(g, v, c, NULL, st);
  vs_control_dependencies_pop(g, st);
  vs_output runs[][4] = {
      {vref, vs_assign_add(g, v, vref, NULL, st), vs_mul(g, vref, vref, "square", st), vs_identity(g, vref, "snap", st)},
      {vs_var_value(v), vs_assign(g, v, vs_mul(g, vref, two, "twice", st), NULL, st), vref, vs_sub(g, vref, c, "less", st)},
      {vs_read_value(g, r, st), vs_assign_add(g, r, vs_var_value(r), NULL, st), vs_var_value(r),
       vs_mul(g, vs_var_value(r), vs_var_value(r), "rsquare", st)},
      {vs_assign_sub(g, r, vs_read_value(g, r, st), NULL, st), vs_assign(g, r, vs_add(g, c, vref, "cv", st), NULL, st),
       vs_identity(g, vs_var_value(r), "rsnap", st), vref},
      {after, vs_identity(g, after, "after_snap", st), vref, vs_add(g, after, after, "double_after", st)},
  };
  expect_ok(st);
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  vs_session *host, *device;
  paired(g, init, &host, &device);
  size_t n = sizeof runs / sizeof *runs;
  for (int round = 0; round < 3; round++)
    for (size_t i = 0; i < n; i++) {
      vs_tensor *a[4] = {0}, *b[4] = {0};
      uint64_t before = vs__inline_runs(host);
      vs_session_run(host, NULL, NULL, 0, runs[i], a, 4, NULL, 0, st);
      expect_ok(st);
      cr_expect_eq(vs__inline_runs(host), before + 1, "run %zu of round %d did not run on the host", i, round);
      vs_session_run(device, NULL, NULL, 0, runs[i], b, 4, NULL, 0, st);
      expect_ok(st);
      for (int k = 0; k < 4; k++) {
        cr_assert_eq(a[k]->n, 4);
        cr_assert_eq(b[k]->n, 4);
        cr_expect(memcmp(a[k]->data, b[k]->data, 4 * sizeof(float)) == 0,
                  "run %zu, fetch %d (%s), round %d: host %g %g %g %g, device %g %g %g %g", i, k, runs[i][k].op->name,
                  round, ((float *)a[k]->data)[0], ((float *)a[k]->data)[1], ((float *)a[k]->data)[2],
                  ((float *)a[k]->data)[3], ((float *)b[k]->data)[0], ((float *)b[k]->data)[1],
                  ((float *)b[k]->data)[2], ((float *)b[k]->data)[3]);
        vs_tensor_free(a[k]);
        vs_tensor_free(b[k]);
      }
    }
  cr_assert_eq(vs__inline_runs(host), 3 * n);
  vs_session_free(host);
  vs_session_free(device);
  vs_graph_free(g);
}

Test(inline_run, identity_of_a_resource_handle_as_a_target_matches_the_device) {
  vs_graph *g = vs_graph_new();
  vs_var *r = variable(g, "r", V(2), VS_FLOAT, true);
  vs_output h = vs_identity(g, (vs_output){r->op, 0}, "handle_copy", st);
  expect_ok(st);
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  same_outcome(g, init, h, true);
  vs_graph_free(g);
}

/* v (1000 floats) read and summed with itself into a fresh value, in a
 * session alone on a device whose limit (VARSCOPE_MEMORY_LIMIT=4096) the
 * variable nearly fills; host: whether the session may run on the host.
 * The status is left in st. */
static void snapshot_near_the_limit(bool host) {
  vs_graph *g = vs_graph_new();
  vs_var *v = variable(g, "v", V(1000), VS_FLOAT, false);
  /* The read borrows the variable's buffer (no step writes it), and an
   * Identity of it would forward that buffer (as TF's): the sum is a run
   * value of 4000 bytes. */
  vs_output read = vs_identity(g, (vs_output){v->op, 0}, "read", st);
  vs_output snap = vs_add(g, read, read, NULL, st);
  expect_ok(st);
  vs_session *s = session(g);
  vs__inline_allow(s, host);
  float *ones = calloc(1000, sizeof *ones);
  vs_tensor *value = vs_tensor_new(VS_FLOAT, V(1000), ones, st);
  vs_session_assign_variable(s, v, value, st);
  expect_ok(st);
  vs_tensor_free(fetch(s, snap));
  cr_assert_eq(vs__inline_runs(s), 0);
  free(ones);
  vs_tensor_free(value);
  vs_session_free(s);
  vs_graph_free(g);
}

Test(inline_run, a_run_past_the_memory_limit_gives_the_device_paths_oom) {
  /* The device path allocates the snapshot on the device and fails with
   * RESOURCE_EXHAUSTED; the host path's scratch is host memory, so a host
   * run would succeed where the device run cannot: near the limit the run
   * is the device path's. */
  setenv("VARSCOPE_MEMORY_LIMIT", "4096", 1);
  snapshot_near_the_limit(false);
  vs_code code = vs_status_code(st);
  char *text = strdup(vs_status_message(st));
  cr_assert_eq(code, VS_RESOURCE_EXHAUSTED, "%s", text);
  snapshot_near_the_limit(true);
  cr_assert_eq(vs_status_code(st), code, "%s", vs_status_message(st));
  cr_assert_str_eq(vs_status_message(st), text);
  free(text);
}

/* The variable's storage replaced between host runs: a validate_shape=False
 * assign of another shape (a new buffer; the host path must not run on
 * it), one back to the static shape (a new buffer again), the global
 * initializer run again and a checkpoint-style vs_session_assign_variable.
 * Every run gives the device session's bytes, and the host session runs on
 * the host exactly where the variable has its static shape. */
Test(inline_run, replaced_storage_is_reread_at_each_run) {
  vs_graph *g = vs_graph_new();
  vs_var *v = variable(g, "v", V(4), VS_FLOAT, false);
  vs_output c4 = vs_constant(g, (float[]){1, 2, 3, 4}, VS_FLOAT, V(4), "c4", st);
  vs_output c6 = vs_constant(g, (float[]){6, 5, 4, 3, 2, 1}, VS_FLOAT, V(6), "c6", st);
  vs_assign_opts loose = {.validate_shape = VS_OPT_FALSE};
  vs_output add = vs_assign_add(g, v, c4, NULL, st), widen = vs_assign(g, v, c6, &loose, st);
  vs_output narrow = vs_assign(g, v, vs_mul(g, c4, c4, "sq", st), &loose, st), vref = {v->op, 0};
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  vs_session *host, *device;
  paired(g, init, &host, &device);
  vs_tensor *value = vs_tensor_new(VS_FLOAT, V(4), (float[]){-1, -2, -3, -4}, st);
  expect_ok(st);
  /* The runs in order, and how many of them the host session runs inline
   * (the initializer again, its variable initialised: a host run too). */
  struct { vs_output x; vs_op *target; bool restore; unsigned host; } seq[] = {
      {add, NULL, false, 1},  {widen, NULL, false, 0}, {vref, NULL, false, 0}, {add, NULL, false, 0},
      {narrow, NULL, false, 0}, {add, NULL, false, 1}, {vref, init, false, 2}, {add, NULL, false, 1},
      {vref, NULL, true, 1},  {add, NULL, false, 1},
  };
  for (size_t i = 0; i < sizeof seq / sizeof *seq; i++) {
    vs_session *both[2] = {host, device};
    vs_tensor *t[2] = {NULL, NULL};
    vs_code code[2];
    uint64_t before = vs__inline_runs(host);
    for (int k = 0; k < 2; k++) {
      if (seq[i].target) run_target(both[k], seq[i].target);
      if (seq[i].restore) {
        vs_session_assign_variable(both[k], v, value, st);
        expect_ok(st);
      }
      t[k] = fetch(both[k], seq[i].x);
      code[k] = vs_status_code(st);
      if (k == 0) cr_expect_eq(vs__inline_runs(host) - before, seq[i].host, "run %zu: %llu host runs", i,
                                (unsigned long long)(vs__inline_runs(host) - before));
    }
    cr_assert_eq(code[0], code[1], "run %zu", i);
    if (code[0] == VS_OK) {
      cr_assert_eq(t[0]->n, t[1]->n, "run %zu", i);
      cr_expect(memcmp(t[0]->data, t[1]->data, t[0]->n * sizeof(float)) == 0, "run %zu differs", i);
    }
    vs_tensor_free(t[0]);
    vs_tensor_free(t[1]);
  }
  vs_tensor_free(value);
  vs_session_free(host);
  vs_session_free(device);
  vs_graph_free(g);
}

/* x + y of float32 pairs fetched in a host session and a device session
 * while the calling thread's floating-point environment is not the
 * default: the device's worker threads compute with round-to-nearest and
 * subnormals, so the host path must not run in the caller's mode (a
 * program built with -ffast-math sets flush-to-zero at start-up). Same
 * bytes, and no host run. */
static void sum_in_caller_mode(void (*enter)(void), void (*leave)(void)) {
  vs_graph *g = vs_graph_new();
  vs_var *v = variable(g, "v", V(3), VS_FLOAT, false);
  vs_output c = vs_constant(g, (float[]){1e-40f, 1e-8f, -1e-8f}, VS_FLOAT, V(3), "c", st);
  vs_output set = vs_assign(g, v, vs_constant(g, (float[]){1e-40f, 1.0f, 1.0f}, VS_FLOAT, V(3), "x", st), NULL, st);
  vs_output sum = vs_add(g, vs_var_value(v), c, "sum", st);
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  vs_session *host, *device;
  paired(g, init, &host, &device);
  vs_tensor_free(fetch(host, set));
  vs_tensor_free(fetch(device, set));
  expect_ok(st);
  uint64_t before = vs__inline_runs(host);
  enter();
  vs_tensor *a = fetch(host, sum), *b = fetch(device, sum);
  leave();
  expect_ok(st);
  cr_assert(memcmp(a->data, b->data, 3 * sizeof(float)) == 0, "host %g %.9g %.9g, device %g %.9g %.9g",
            ((float *)a->data)[0], ((float *)a->data)[1], ((float *)a->data)[2], ((float *)b->data)[0],
            ((float *)b->data)[1], ((float *)b->data)[2]);
  cr_assert_eq(((float *)b->data)[0], 2.0f * 1e-40f); /* the device keeps subnormals ... */
  cr_assert_eq(((float *)b->data)[1], 1.0f);   /* ... and rounds to nearest */
  cr_assert_eq(vs__inline_runs(host), before);
  vs_tensor_free(a);
  vs_tensor_free(b);
  vs_session_free(host);
  vs_session_free(device);
  vs_graph_free(g);
}

static void round_up(void) { cr_assert_eq(fesetround(FE_UPWARD), 0); }
static void round_nearest(void) { cr_assert_eq(fesetround(FE_TONEAREST), 0); }
Test(inline_run, a_caller_rounding_upward_gets_the_device_paths_sums) { sum_in_caller_mode(round_up, round_nearest); }

#if defined(__x86_64__) || defined(__i386__)
static unsigned saved_csr;
static void flush_to_zero(void) {
  saved_csr = _mm_getcsr();
  _mm_setcsr(saved_csr | 0x8040u); /* FTZ and DAZ, as crtfastmath.o sets them */
}
static void restore_csr(void) { _mm_setcsr(saved_csr); }
Test(inline_run, a_caller_flushing_subnormals_gets_the_device_paths_sums) {
  sum_in_caller_mode(flush_to_zero, restore_csr);
}
#endif
