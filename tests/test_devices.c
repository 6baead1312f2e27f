/* test_devices.c - the OpenCL device registry and placement in sessions
 * (issue 3, items 1-3 and 9; spec §8.3).
 *
 * Runs on one PoCL device and on two:
 *   POCL_DEVICES="pthread pthread" VARSCOPE_DEVICES="GPU:0=CL:0,GPU:1=CL:1"
 * Tests that need two devices detect the count at run time and skip with
 * "needs 2 devices" otherwise. Placement strings (vs_op_device) were checked
 * against TensorFlow 2.21 (tf.compat.v1, RefVariables).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "varscope.h"

#define SUPPORT_FIXTURE
#include "support.h"

/* ---- fixture ------------------------------------------------------------- */

TestSuite(devices, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------- */

static inline size_t num_devices(void)
{
  size_t n = vs_num_devices(st);
  expect_ok(st);
  return n;
}

static inline void need_two_devices(void)
{
  if (num_devices() < 2) cr_skip_test("needs 2 devices");
}

/* tf.Variable(<float32 values>, name=name) */
static inline vs_var *float_var(const char *name, const float *vals, size_t n)
{
  vs_var *v = vs_variable(
      g, &(vs_variable_opts){.name = name, .initial_value = vs_value_initializer(vals, VS_FLOAT, n, NULL)}, st);
  expect_ok(st);
  cr_assert_not_null(v);
  return v;
}

static inline void push_device(const char *dev)
{
  cr_assert(vs_device_push(g, dev, st), "push %s: %s", dev, vs_status_message(st));
  expect_ok(st);
}

static inline void pop_device(void)
{
  vs_device_pop(g, st);
  expect_ok(st);
}

/* ==== the registry ========================================================= */

Test(devices, at_least_one_device)
{
  /* issue 3 item 1: PoCL on this machine and in CI gives at least one device. */
  cr_assert_geq(num_devices(), 1);
}

Test(devices, device_0_info_fields)
{
  /* issue 3 item 1: "/device:CL:0" by global index; PoCL's pthread device
   * is a CPU, so it is also "/device:CPU:0".                               */
  vs_device_info info;
  memset(&info, 0x5a, sizeof info);
  vs_device_get_info(0, &info, st);
  expect_ok(st);
  cr_assert_str_eq(info.cl_name, "/device:CL:0");
  cr_assert_str_eq(info.type, "CPU");
  cr_assert_str_eq(info.name, "/device:CPU:0");
  cr_assert_gt(info.compute_units, 0);
  cr_assert_gt(info.global_mem_bytes, 0);
  cr_assert_gt(info.max_alloc_bytes, 0);
  cr_assert_leq(info.max_alloc_bytes, info.global_mem_bytes);
  cr_assert_gt(strlen(info.device_name), 0);
  cr_assert_gt(strlen(info.vendor), 0);
  cr_assert_gt(strlen(info.platform_name), 0);
  cr_assert(strncmp(info.opencl_c_version, "OpenCL C ", 9) == 0, "opencl_c_version '%s'",
            info.opencl_c_version);
}

Test(devices, every_device_has_its_global_name)
{
  /* "/device:CL:N" for the N-th device; CPU devices count "/device:CPU:k" in order. */
  size_t n = num_devices();
  unsigned cpus = 0;
  for (size_t i = 0; i < n; i++) {
    vs_device_info info;
    vs_device_get_info(i, &info, st);
    expect_ok(st);
    char want[64];
    snprintf(want, sizeof want, "/device:CL:%zu", i);
    cr_assert_str_eq(info.cl_name, want);
    if (strcmp(info.type, "CPU") == 0) {
      snprintf(want, sizeof want, "/device:CPU:%u", cpus++);
      cr_assert_str_eq(info.name, want);
    }
  }
}

Test(devices, info_index_out_of_range_fails)
{
  /* vs_device_get_info: "Errors: i out of range". */
  vs_device_info info;
  vs_device_get_info(num_devices(), &info, st);
  cr_assert_neq(vs_status_code(st), VS_OK, "device %zu exists", num_devices());
}

Test(devices, resolve_cl_0)
{
  size_t i = vs_device_resolve("/device:CL:0", st);
  expect_ok(st);
  cr_assert_eq(i, 0);
}

Test(devices, resolve_cpu_0_short_form)
{
  /* TF accepts "/cpu:0" as "/device:CPU:0". */
  size_t i = vs_device_resolve("/cpu:0", st);
  expect_ok(st);
  cr_assert_eq(i, 0);
}

Test(devices, resolve_cpu_0_without_slash)
{
  size_t i = vs_device_resolve("CPU:0", st);
  expect_ok(st);
  cr_assert_eq(i, 0);
}

Test(devices, resolve_garbage_is_invalid_argument)
{
  vs_device_resolve("nope", st);
  expect_code(st, VS_INVALID_ARGUMENT);
}

Test(devices, resolve_missing_index_is_not_found)
{
  vs_device_resolve("/device:CL:99", st);
  expect_code(st, VS_NOT_FOUND);
}

Test(devices, resolve_second_device)
{
  /* two pthread devices: "/device:CL:1" and "/device:CPU:1" are global index 1 */
  need_two_devices();
  size_t i = vs_device_resolve("/device:CL:1", st);
  expect_ok(st);
  cr_assert_eq(i, 1);
  i = vs_device_resolve("/device:CPU:1", st);
  expect_ok(st);
  cr_assert_eq(i, 1);
}

Test(devices, mapping_resolves_gpu_names)
{
  /* VARSCOPE_DEVICES="GPU:0=CL:0,GPU:1=CL:1": "/device:GPU:1", "GPU:1" and
   * "/gpu:1" resolve to global device 1.                                    */
  need_two_devices();
  const char *map = getenv("VARSCOPE_DEVICES");
  if (!map || strcmp(map, "GPU:0=CL:0,GPU:1=CL:1") != 0)
    cr_skip_test("needs VARSCOPE_DEVICES=GPU:0=CL:0,GPU:1=CL:1");
  const char *names[3] = {"/device:GPU:1", "GPU:1", "/gpu:1"};
  for (int k = 0; k < 3; k++) {
    size_t i = vs_device_resolve(names[k], st);
    expect_ok(st);
    cr_assert_eq(i, 1, "%s -> %zu", names[k], i);
  }
  size_t i = vs_device_resolve("/device:GPU:0", st);
  expect_ok(st);
  cr_assert_eq(i, 0);
}

Test(devices, malformed_mapping_is_invalid_argument)
{
  /* vs_num_devices: "a malformed VARSCOPE_DEVICES (INVALID_ARGUMENT)". The
   * registry is built once per process; each Criterion test is its own
   * process, so setting the variable here only affects this test.        */
  setenv("VARSCOPE_DEVICES", "GPU:0", 1);
  vs_num_devices(st);
  expect_code(st, VS_INVALID_ARGUMENT);
}

/* ==== placement in sessions ================================================= */

Test(devices, gpu1_variable_runs_on_device_1_and_copies_to_device_0)
{
  /* issue 3 items 2-3; TF:
   *   with tf.device("/device:GPU:1"): v = tf.Variable([1., 2., 3.], name="v")
   *   with tf.device("/device:GPU:0"): y = v * 2
   *   sess.run(tf.global_variables_initializer()); sess.run(y) -> [2, 4, 6]
   * with v on global device 1 and y on device 0 (a cross-device copy).     */
  need_two_devices();
  vs_device_resolve("/device:GPU:1", st);
  if (vs_status_code(st) == VS_NOT_FOUND) cr_skip_test("needs /device:GPU:1 (VARSCOPE_DEVICES)");
  const float vals[3] = {1, 2, 3};
  push_device("/device:GPU:1");
  vs_var *v = float_var("v", vals, 3);
  pop_device();
  cr_assert_str_eq(vs_op_device(vs_var_op(v)), "/device:GPU:1");
  push_device("/device:GPU:0");
  vs_output y = vs_mul(g, vs_var_value(v), vs_constant_float(g, 2.0f, NULL, st), "y", st);
  expect_ok(st);
  pop_device();
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  run_op(s, init);
  float x[3];
  fetch_floats(s, y, x, 3);
  cr_assert(x[0] == 2.0f && x[1] == 4.0f && x[2] == 6.0f, "%g %g %g", (double)x[0], (double)x[1],
            (double)x[2]);
  cr_assert_eq(vs_session_op_device(s, vs_var_op(v)), 1);
  cr_assert_eq(vs_session_op_device(s, y.op), 0);
  vs_session_free(s);
}

Test(devices, cl1_assign_on_device_1_read_on_device_0)
{
  /* A variable on "/device:CL:1" updated by assign_add (colocated with it),
   * read by an op on "/device:CL:0": the reader sees the device-1 buffer.
   *   v = 1.0 on CL:1; v.assign_add(2.0); r = identity(v) on CL:0 -> 3.0   */
  need_two_devices();
  const float one = 1.0f;
  push_device("/device:CL:1");
  vs_var *v = float_var("v", &one, 1);
  pop_device();
  vs_output add = vs_assign_add(g, v, vs_constant_float(g, 2.0f, NULL, st), NULL, st);
  expect_ok(st);
  push_device("/device:CL:0");
  vs_output r = vs_identity(g, vs_var_value(v), "r", st);
  expect_ok(st);
  pop_device();
  vs_session *s = new_session(NULL);
  run_op(s, vs_var_initializer_op(v));
  run_op(s, add.op);
  float x;
  fetch_floats(s, r, &x, 1);
  cr_assert_eq(x, 3.0f);
  cr_assert_eq(vs_session_op_device(s, vs_var_op(v)), 1);
  cr_assert_eq(vs_session_op_device(s, add.op), 1);
  cr_assert_eq(vs_session_op_device(s, r.op), 0);
  vs_session_free(s);
}

Test(devices, unplaced_op_before_run_reports_minus_one)
{
  /* vs_session_op_device: -1 when the op has not been placed yet. */
  vs_output c = vs_constant_float(g, 1.0f, "c", st);
  expect_ok(st);
  vs_session *s = new_session(NULL);
  cr_assert_eq(vs_session_op_device(s, c.op), -1);
  vs_session_free(s);
}

/* ==== replica_device_setter (§8.3) ========================================= */

/* cluster = {"ps": ["ps0:2222", "ps1:2222"],
 *            "worker": ["worker0:2222", "worker1:2222", "worker2:2222"]}
 * with tf.device(tf.train.replica_device_setter(cluster=cluster)):
 *   v1 = tf.Variable(1.0, name="v1"); v2 = ...(2.0); v3 = ...(3.0)
 *   s = v1 + v2 + v3                                                      */
static vs_output build_replica_graph(vs_var *vars[3])
{
  const vs_cluster_job cluster[] = {
      {"ps", VS_TASKS("ps0:2222", "ps1:2222")},
      {"worker", VS_TASKS("worker0:2222", "worker1:2222", "worker2:2222")},
      {NULL, NULL},
  };
  vs_device_setter *setter = vs_replica_device_setter(g, &(vs_replica_setter_opts){.cluster = cluster}, st);
  expect_ok(st);
  cr_assert_not_null(setter);
  cr_assert(vs_device_push_setter(g, setter, st));
  expect_ok(st);
  const float vals[3] = {1, 2, 3};
  const char *names[3] = {"v1", "v2", "v3"};
  for (int k = 0; k < 3; k++) vars[k] = float_var(names[k], &vals[k], 1);
  vs_output s = vs_add(g, vs_var_value(vars[0]), vs_var_value(vars[1]), NULL, st);
  expect_ok(st);
  s = vs_add(g, s, vs_var_value(vars[2]), "s", st);
  expect_ok(st);
  pop_device();
  return s;
}

Test(devices, replica_setter_places_variables_round_robin)
{
  /* spec §8.3.1-8.3.3; TF 2.21: v1.device "/job:ps/task:0", v2 "/job:ps/task:1",
   * v3 "/job:ps/task:0"; s.device "/job:worker"; v1.initializer.device and
   * v1.value().device "/job:ps/task:0"                                     */
  vs_var *v[3];
  vs_output s = build_replica_graph(v);
  cr_assert_str_eq(vs_op_device(vs_var_op(v[0])), "/job:ps/task:0");
  cr_assert_str_eq(vs_op_device(vs_var_op(v[1])), "/job:ps/task:1");
  cr_assert_str_eq(vs_op_device(vs_var_op(v[2])), "/job:ps/task:0");
  cr_assert_str_eq(vs_op_device(s.op), "/job:worker");
  cr_assert_str_eq(vs_op_device(vs_var_initializer_op(v[0])), "/job:ps/task:0");
  cr_assert_str_eq(vs_op_device(vs_var_value(v[0]).op), "/job:ps/task:0");
}

Test(devices, replica_setter_tasks_map_to_local_devices)
{
  /* session.h: an op placed "/job:J/task:k" with no device type runs on
   * local device CL:(k mod N). With two devices v1 and v3 (task 0) run on
   * CL:0 and v2 (task 1) on CL:1; the sum is computed across devices.    */
  need_two_devices();
  size_t n = num_devices();
  vs_var *v[3];
  vs_output s = build_replica_graph(v);
  vs_op *init = vs_global_variables_initializer(g, st);
  expect_ok(st);
  vs_session *sess = new_session(NULL);
  run_op(sess, init);
  float x;
  fetch_floats(sess, s, &x, 1);
  cr_assert_eq(x, 6.0f);
  const int task[3] = {0, 1, 0};
  for (int k = 0; k < 3; k++)
    cr_assert_eq(vs_session_op_device(sess, vs_var_op(v[k])), (int)((size_t)task[k] % n), "v%d", k + 1);
  vs_session_free(sess);
}
