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
#include <pthread.h>
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
      g, &(vs_variable_opts){.name = name, .initial_value = vs_value_initializer(vals, VS_FLOAT, n, VS_UNKNOWN_SHAPE)}, st);
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
  /* issue 3 item 1: "/device:CL:0" by global index, and the first device of
   * its type: "/device:CPU:0" for PoCL's pthread device, "/device:GPU:0" for
   * a GPU (issue 9 item 8: the test must not assume a CPU).                */
  vs_device_info info;
  memset(&info, 0x5a, sizeof info);
  vs_device_get_info(0, &info, st);
  expect_ok(st);
  cr_assert_str_eq(info.cl_name, "/device:CL:0");
  if (strcmp(info.type, "CPU") == 0) cr_assert_str_eq(info.name, "/device:CPU:0");
  else if (strcmp(info.type, "GPU") == 0) cr_assert_str_eq(info.name, "/device:GPU:0");
  else cr_assert(strcmp(info.type, "ACCELERATOR") == 0 || strcmp(info.type, "OTHER") == 0, "type '%s'", info.type);
  if (strcmp(info.type, "ACCELERATOR") == 0 || strcmp(info.type, "OTHER") == 0) cr_assert_str_eq(info.name, "");
  cr_assert_gt(info.compute_units, 0);
  cr_assert_gt(info.global_mem_bytes, 0);
  cr_assert_gt(info.max_alloc_bytes, 0);
  cr_assert_leq(info.max_alloc_bytes, info.global_mem_bytes);
  /* Without VARSCOPE_MEMORY_LIMIT the limits are the driver's figures
   * (max allocation capped by the global size). */
  if (!getenv("VARSCOPE_MEMORY_LIMIT")) {
    cr_assert_eq(info.global_mem_bytes, info.global_mem_bytes_driver);
    cr_assert_eq(info.max_alloc_bytes, info.max_alloc_bytes_driver < info.global_mem_bytes_driver
                                           ? info.max_alloc_bytes_driver
                                           : info.global_mem_bytes_driver);
  }
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

Test(devices, resolve_huge_index_is_not_found_as_written)
{
  /* sscanf's %ld saturated this to 9223372036854775807. */
  char want[160];
  size_t n = num_devices();
  snprintf(want, sizeof want, "no OpenCL device /device:GPU:99999999999999999999 on this machine (%zu device%s)", n,
           n == 1 ? "" : "s");
  vs_device_resolve("/gpu:99999999999999999999", st);
  expect_error(st, VS_NOT_FOUND, "NotFoundError", want);
}

Test(devices, resolve_signed_or_trailing_junk_is_invalid_argument)
{
  const char *bad[] = {"CL:+0", "CL:-1", "CL:0x", "CL:", ":0", "CL:0 "};
  for (int i = 0; i < 6; i++) {
    char want[128];
    snprintf(want, sizeof want, "cannot parse device name '%s' (want /device:TYPE:N)", bad[i]);
    vs_device_resolve(bad[i], st);
    expect_error(st, VS_INVALID_ARGUMENT, "ValueError", want);
  }
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
  expect_error(st, VS_INVALID_ARGUMENT, "InvalidArgumentError",
               "VARSCOPE_DEVICES: cannot parse 'GPU:0' (want TYPE:N=TYPE:M, comma-separated)");
}

/* Sets VARSCOPE_DEVICES to `value` and asserts that the registry refuses it
 * with exactly `msg`, and keeps refusing (no half-built registry). */
static void expect_devices_env_refused(const char *value, const char *msg)
{
  setenv("VARSCOPE_DEVICES", value, 1);
  vs_num_devices(st);
  expect_error(st, VS_INVALID_ARGUMENT, "InvalidArgumentError", msg);
  vs_device_info info;
  vs_device_get_info(0, &info, st);
  expect_error(st, VS_INVALID_ARGUMENT, "InvalidArgumentError", msg);
}

Test(devices, mapping_with_trailing_junk_is_refused)
{
  /* issue 14 item 9: sscanf accepted "GPU:0=CL:0junk". */
  expect_devices_env_refused("GPU:0=CL:0junk",
                             "VARSCOPE_DEVICES: cannot parse 'GPU:0=CL:0junk' (want TYPE:N=TYPE:M, comma-separated)");
}

Test(devices, mapping_of_only_commas_is_refused)
{
  /* issue 14 item 9: ",,," was accepted as no mapping at all. */
  expect_devices_env_refused(",,,", "VARSCOPE_DEVICES: mapping 1 is empty in ',,,' (want TYPE:N=TYPE:M, comma-separated)");
}

Test(devices, mapping_with_trailing_comma_is_refused)
{
  expect_devices_env_refused("GPU:0=CL:0,",
                             "VARSCOPE_DEVICES: mapping 2 is empty in 'GPU:0=CL:0,' (want TYPE:N=TYPE:M, comma-separated)");
}

Test(devices, mapping_with_huge_index_is_refused_not_saturated)
{
  /* issue 14 item 9: strtol saturated 99999999999999999999 to LONG_MAX. */
  expect_devices_env_refused("GPU:99999999999999999999=CL:0",
                             "VARSCOPE_DEVICES: a device index in 'GPU:99999999999999999999=CL:0' is above 65535");
}

Test(devices, mapping_with_sign_is_refused)
{
  expect_devices_env_refused("GPU:+1=CL:0",
                             "VARSCOPE_DEVICES: cannot parse 'GPU:+1=CL:0' (want TYPE:N=TYPE:M, comma-separated)");
}

Test(devices, mapping_the_same_name_twice_is_refused)
{
  expect_devices_env_refused("GPU:0=CL:0, gpu:0=CL:0", "VARSCOPE_DEVICES: GPU:0 is mapped twice");
}

Test(devices, mapping_to_a_missing_device_is_refused)
{
  expect_devices_env_refused("GPU:0=CL:999", "VARSCOPE_DEVICES: CL:999 names no device");
}

Test(devices, mapping_control_characters_are_shown_escaped)
{
  /* The message goes to terminals: raw escape sequences from the
   * environment are shown as \xNN. */
  expect_devices_env_refused("GPU:0=CL:0\x1b[2J",
                             "VARSCOPE_DEVICES: cannot parse 'GPU:0=CL:0\\x1b[2J' (want TYPE:N=TYPE:M, comma-separated)");
}

Test(devices, mapping_is_read_past_1023_characters)
{
  /* issue 14 item 9: the value was copied into a 1024-byte buffer and cut.
   * A valid mapping after 1100 blanks is applied; junk there is refused. */
  char value[1200];
  snprintf(value, sizeof value, "GPU:0=CL:0,%1100s", "GPU:7=CL:0");
  setenv("VARSCOPE_DEVICES", value, 1);
  size_t i = vs_device_resolve("/device:GPU:7", st);
  expect_ok(st);
  cr_assert_eq(i, 0);
}

Test(devices, mapping_with_junk_past_1023_characters_is_refused)
{
  char value[1200];
  snprintf(value, sizeof value, "GPU:0=CL:0,%1100s", "junk");
  expect_devices_env_refused(value, "VARSCOPE_DEVICES: cannot parse 'junk' (want TYPE:N=TYPE:M, comma-separated)");
}

Test(devices, mapping_with_spaces_and_lower_case_resolves)
{
  setenv("VARSCOPE_DEVICES", "  gpu:3=cl:0 ,\tGPU:4=CL:0 ", 1);
  size_t i = vs_device_resolve("/device:GPU:3", st);
  expect_ok(st);
  cr_assert_eq(i, 0);
  i = vs_device_resolve("GPU:4", st);
  expect_ok(st);
  cr_assert_eq(i, 0);
}

Test(devices, more_than_32_mappings_are_refused)
{
  char value[2048];
  size_t n = 0;
  for (int k = 0; k < 33; k++) n += (size_t)snprintf(value + n, sizeof value - n, "%sGPU:%d=CL:0", k ? "," : "", k);
  expect_devices_env_refused(value, "VARSCOPE_DEVICES: more than 32 mappings");
}

/* ==== device memory (issue 14 item 6) ======================================= */

static void expect_memory_limit_refused(const char *value, const char *msg)
{
  setenv("VARSCOPE_MEMORY_LIMIT", value, 1);
  vs_num_devices(st);
  expect_error(st, VS_INVALID_ARGUMENT, "InvalidArgumentError", msg);
}

Test(devices, memory_limit_with_unknown_suffix_is_refused)
{
  expect_memory_limit_refused("64X", "VARSCOPE_MEMORY_LIMIT: cannot parse '64X' "
                                     "(want a number of bytes with an optional K, M or G suffix)");
}

Test(devices, memory_limit_negative_is_refused)
{
  expect_memory_limit_refused("-1", "VARSCOPE_MEMORY_LIMIT: cannot parse '-1' "
                                    "(want a number of bytes with an optional K, M or G suffix)");
}

Test(devices, memory_limit_zero_is_refused)
{
  expect_memory_limit_refused("0K", "VARSCOPE_MEMORY_LIMIT: '0K' must be positive");
}

Test(devices, memory_limit_overflow_is_refused)
{
  expect_memory_limit_refused("99999999999G", "VARSCOPE_MEMORY_LIMIT: '99999999999G' is too large");
}

/* VARSCOPE_SCRIBBLE (the debugging fill of every new buffer; what it does
 * is tested in test_exec's idle_buffers suite): only 0 or 1. */
static void expect_scribble_refused(const char *value, const char *msg)
{
  setenv("VARSCOPE_SCRIBBLE", value, 1);
  vs_num_devices(st);
  expect_error(st, VS_INVALID_ARGUMENT, "InvalidArgumentError", msg);
}

Test(devices, scribble_other_than_0_or_1_is_refused)
{
  expect_scribble_refused("yes", "VARSCOPE_SCRIBBLE: cannot parse 'yes' (want 0 or 1)");
}

Test(devices, scribble_with_junk_after_the_digit_is_refused)
{
  expect_scribble_refused("1x", "VARSCOPE_SCRIBBLE: cannot parse '1x' (want 0 or 1)");
}

Test(devices, scribble_with_blanks_around_the_digit_is_accepted)
{
  setenv("VARSCOPE_SCRIBBLE", " 0 ", 1);
  cr_assert_gt(vs_num_devices(st), 0);
  expect_ok(st);
}

Test(devices, memory_limit_caps_every_device)
{
  /* "64M" is 64 MiB; global_mem_bytes and max_alloc_bytes are capped by it
   * (on any device with more than 64 MiB, i.e. every one). */
  setenv("VARSCOPE_MEMORY_LIMIT", " 64m ", 1);
  size_t n = num_devices();
  for (size_t i = 0; i < n; i++) {
    vs_device_info info;
    vs_device_get_info(i, &info, st);
    expect_ok(st);
    cr_assert_eq(info.global_mem_bytes, 64u << 20, "device %zu: %llu", i, (unsigned long long)info.global_mem_bytes);
    cr_assert_eq(info.max_alloc_bytes, info.max_alloc_bytes_driver < (64u << 20) ? info.max_alloc_bytes_driver : 64u << 20);
    cr_assert_geq(info.global_mem_bytes_driver, info.global_mem_bytes);
    cr_assert_eq(vs_device_memory_in_use(i, st), 0);
    expect_ok(st);
  }
}

Test(devices, memory_in_use_index_out_of_range_fails)
{
  size_t n = num_devices();
  cr_assert_eq(vs_device_memory_in_use(n, st), 0);
  char msg[128];
  snprintf(msg, sizeof msg, "device index %zu out of range (%zu devices)", n, n);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", msg);
}

#define MIB (1024 * 1024)

/* get_variable(name, shape=[256, 1024], initializer=zeros) on /device:CL:0: 1 MiB. */
static vs_var *mib_var(const char *name)
{
  push_device("/device:CL:0");
  vs_var *v = get_opts(g, name, &(vs_var_opts){.shape = VS_SHAPE(256, 1024), .initializer = vs_zeros_initializer()}, st);
  pop_device();
  return v;
}

Test(devices, many_variables_exhaust_the_memory_limit_and_the_count_returns_to_zero)
{
  /* issue 14 item 6: variables that together pass the device's memory give
   * RESOURCE_EXHAUSTED with TF's OOM text, not a process killed by the
   * kernel. VARSCOPE_MEMORY_LIMIT=64M makes it independent of the machine:
   * 1 MiB variables, initialised one run each, fill the 64 MiB exactly (an
   * initializer's zeros are written in place, nothing else stays). The 65th
   * fails; the session stays usable and, once freed, the count is 0. */
  setenv("VARSCOPE_MEMORY_LIMIT", "64M", 1);
  enum { N = 70 };
  vs_var *v[N];
  char name[64];
  for (int k = 0; k < N; k++) {
    snprintf(name, sizeof name, "v%d", k);
    v[k] = mib_var(name);
  }
  vs_session *s = vs_session_new(g, NULL, st);
  expect_ok(st);
  int ok = 0;
  for (; ok < N; ok++) {
    vs_op *init = vs_var_initializer_op(v[ok]);
    vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
    if (vs_status_code(st) != VS_OK) break;
    cr_assert_eq(vs_device_memory_in_use(0, st), (uint64_t)(ok + 1) * MIB);
  }
  /* Initialising one variable takes its 1 MiB buffer plus the initializer's
   * transient output, so the failure comes when less than that is left. */
  cr_assert(ok >= 60 && ok < 64, "initialised %d variables of 1 MiB under a 64 MiB limit", ok);
  expect_code(st, VS_RESOURCE_EXHAUSTED);
  cr_assert_str_eq(vs_status_exception_name(st), "ResourceExhaustedError");
  const char *head = "OOM when allocating tensor with shape[256,1024] and type float on /device:CL:0: 1048576 bytes "
                     "exceed the device's free memory (";
  const char *msg = vs_status_message(st);
  cr_assert(strncmp(msg, head, strlen(head)) == 0, "message was: %s", msg);
  unsigned long long used = 0;
  char tail[64] = "";
  cr_assert_eq(sscanf(msg + strlen(head), "%llu of 67108864 bytes in use%63s", &used, tail), 2, "message was: %s", msg);
  cr_assert_str_eq(tail, ")");
  cr_assert(used > 63u * MIB && used <= 64u * MIB, "in use %llu: the next MiB must not fit", used);
  cr_assert_eq(vs_device_memory_in_use(0, st), (uint64_t)ok * MIB, "transients given back after the failure");
  expect_ok(st);
  /* Nothing half-done: the 65th is still uninitialised. */
  snprintf(name, sizeof name, "Attempting to use uninitialized value v%d", ok);
  vs_tensor *t = vs_session_variable_value(s, v[ok], st);
  cr_assert_null(t);
  expect_error(st, VS_FAILED_PRECONDITION, "FailedPreconditionError", name);
  /* Still usable: an initialised variable reads back as zeros. */
  t = vs_session_variable_value(s, v[ok - 1], st);
  expect_ok(st);
  cr_assert_eq(vs_tensor_num_elements(t), 256 * 1024);
  cr_assert_eq(((float *)vs_tensor_data(t))[256 * 1024 - 1], 0.0f);
  vs_tensor_free(t);
  vs_session_free(s);
  cr_assert_eq(vs_device_memory_in_use(0, st), 0);
  expect_ok(st);
  /* And a new session gets the memory back. */
  s = vs_session_new(g, NULL, st);
  expect_ok(st);
  vs_op *init = vs_var_initializer_op(v[ok]);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  expect_ok(st);
  cr_assert_eq(vs_device_memory_in_use(0, st), 1u * MIB);
  vs_session_free(s);
  cr_assert_eq(vs_device_memory_in_use(0, st), 0);
  expect_ok(st);
}


/* One thread's share of the concurrent accounting test: its own session
 * initialising its own 8 variables, repeatedly freed and made again. */
typedef struct mem_worker {
  vs_graph *g;
  vs_var *const *v;
  vs_session *last; /* the third round's session, still holding its 8 MiB */
  int failures;
} mem_worker;

static void *mem_worker_run(void *arg)
{
  mem_worker *w = arg;
  vs_status *ws = vs_status_new();
  for (int round = 0; round < 3; round++) {
    vs_session *s = vs_session_new(w->g, NULL, ws);
    for (int k = 0; k < 8 && s; k++) {
      vs_op *init = vs_var_initializer_op(w->v[k]);
      vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, ws);
      if (vs_status_code(ws) != VS_OK) w->failures++;
    }
    if (!s) w->failures++;
    if (round < 2) vs_session_free(s);
    else w->last = s;
  }
  vs_status_free(ws);
  return NULL;
}

Test(devices, memory_count_is_exact_under_concurrent_sessions)
{
  /* Four threads, each with its own session (sessions are independent),
   * allocate and free on the same device at once: the count must end at
   * exactly the 4 x 8 MiB still held, then 0. 64 MiB leaves room for the
   * initializers' transients (at most 2 MiB per thread at a time). */
  setenv("VARSCOPE_MEMORY_LIMIT", "64M", 1);
  enum { THREADS = 4 };
  vs_var *v[THREADS][8];
  char name[32];
  for (int t = 0; t < THREADS; t++)
    for (int k = 0; k < 8; k++) {
      snprintf(name, sizeof name, "t%d_v%d", t, k);
      v[t][k] = mib_var(name);
    }
  pthread_t th[THREADS];
  mem_worker w[THREADS];
  for (int t = 0; t < THREADS; t++) {
    w[t] = (mem_worker){.g = g, .v = v[t]};
    cr_assert_eq(pthread_create(&th[t], NULL, mem_worker_run, &w[t]), 0);
  }
  for (int t = 0; t < THREADS; t++) {
    pthread_join(th[t], NULL);
    cr_assert_eq(w[t].failures, 0, "thread %d", t);
  }
  cr_assert_eq(vs_device_memory_in_use(0, st), (uint64_t)THREADS * 8 * MIB);
  expect_ok(st);
  for (int t = 0; t < THREADS; t++) vs_session_free(w[t].last);
  cr_assert_eq(vs_device_memory_in_use(0, st), 0);
  expect_ok(st);
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
    cr_assert_eq(vs_session_op_device(sess, vs_var_op(v[k])), (size_t)task[k] % n, "v%d", k + 1);
  vs_session_free(sess);
}
