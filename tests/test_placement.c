/* test_placement.c - device placement (spec §8): device strings, nested
 * tf.device scopes, device functions, replica_device_setter.
 *
 * Every expectation was checked against TensorFlow 2.21 (tf.compat.v1,
 * v2 behaviour disabled, inside `with tf.Graph().as_default():`). Where TF
 * 2.21 differs from the spec text the test follows TF and says so.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "varscope.h"
#include "support.h"

static inline void expect_err(const vs_status *st, vs_code code, vs_exception exc, const char *msg)
{
  cr_assert_eq(vs_status_code(st), code, "code %s, message %s", vs_code_name(vs_status_code(st)),
               vs_status_message(st));
  cr_assert_eq(vs_status_exception(st), exc);
  cr_assert_str_eq(vs_status_message(st), msg);
}

/* DeviceSpec.from_string(s).to_string(), asserting success. */
static inline const char *canon(const char *s, char *buf, size_t cap)
{
  vs_status *st = vs_status_new();
  size_t n = vs_device_canonicalize(s, buf, cap, st);
  expect_ok(st);
  vs_status_free(st);
  cr_assert_eq(n, strlen(buf));
  return buf;
}

/* The ValueError message of DeviceSpec.from_string(s). */
static inline void canon_err(const char *s, const char *msg)
{
  char buf[128] = "x";
  vs_status *st = vs_status_new();
  size_t n = vs_device_canonicalize(s, buf, sizeof buf, st);
  cr_assert_eq(n, 0);
  cr_assert_str_eq(buf, "");
  expect_err(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, msg);
  vs_status_free(st);
}

static inline void push(vs_graph *g, const char *dev, vs_status *st)
{
  cr_assert(vs_device_push(g, dev, st));
  expect_ok(st);
}

static inline void pop(vs_graph *g, vs_status *st)
{
  vs_device_pop(g, st);
  expect_ok(st);
}

/* tf.no_op(name).device */
static inline const char *noop_dev(vs_graph *g, const char *name, vs_status *st)
{
  vs_op *op = vs_no_op(g, name, st);
  expect_ok(st);
  cr_assert_not_null(op);
  return vs_op_device(op);
}

/* tf.Variable(1.0, name=name) */
static inline vs_var *var(vs_graph *g, const char *name, vs_status *st)
{
  float one = 1.0f;
  vs_var *v = vs_variable(
      g, &(vs_variable_opts){.name = name,
                             .initial_value = vs_value_initializer(&one, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
      st);
  expect_ok(st);
  cr_assert_not_null(v);
  return v;
}

static inline const char *op_dev(vs_graph *g, const char *name)
{
  vs_op *op = vs_graph_operation_by_name(g, name);
  cr_assert_not_null(op, "no op %s", name);
  return vs_op_device(op);
}

static inline const char *var_dev(const vs_var *v) { return vs_op_device(vs_var_op(v)); }

/* The documents' cluster. */
static const vs_cluster_job doc_cluster[] = {
    {"ps", VS_TASKS("ps0:2222", "ps1:2222")},
    {"worker", VS_TASKS("worker0:2222", "worker1:2222", "worker2:2222")},
    {NULL, NULL}};

/* ======================= 8.1 device string grammar ======================= */

Test(placement, r8_1_canonical_form_examples)
{
  /* DeviceSpec.from_string("/gpu:0").to_string() == "/device:GPU:0"
   * "/cpu:*" -> "/device:CPU:*"; "/gpu" -> "/device:GPU:*"
   * "/job:ps/task:0/device:GPU:1" round-trips
   * "gpu:1/job:w" -> "/job:w/device:GPU:1"
   * "/job:ps/replica:03/task:1" -> "/job:ps/replica:3/task:1" */
  char b[128];
  cr_assert_str_eq(canon("/gpu:0", b, sizeof b), "/device:GPU:0");
  cr_assert_str_eq(canon("/cpu:*", b, sizeof b), "/device:CPU:*");
  cr_assert_str_eq(canon("/gpu", b, sizeof b), "/device:GPU:*");
  cr_assert_str_eq(canon("/device:GPU:*", b, sizeof b), "/device:GPU:*");
  cr_assert_str_eq(canon("/job:ps/task:0/device:GPU:1", b, sizeof b),
                   "/job:ps/task:0/device:GPU:1");
  cr_assert_str_eq(canon("gpu:1/job:w", b, sizeof b), "/job:w/device:GPU:1");
  cr_assert_str_eq(canon("/job:ps/replica:03/task:1", b, sizeof b), "/job:ps/replica:3/task:1");
  cr_assert_str_eq(canon("/cpu:0/replica:2/job:a/task:7", b, sizeof b),
                   "/job:a/replica:2/task:7/device:CPU:0");
  /* Unregistered types are fine in the device:TYPE:IDX form. */
  cr_assert_str_eq(canon("/device:CL:0", b, sizeof b), "/device:CL:0");
}

Test(placement, r8_1_shorthand_type_case_insensitive)
{
  /* "/GPU:0", "/Gpu:0" -> "/device:GPU:0"; "/tpu:0" -> "/device:TPU:0";
   * "/custom:0" -> "/device:CUSTOM:0"; "/epu:1" -> "/device:EPU:1" (TF 2.21's
   * _VALID_DEVICE_TYPES); "/cl:0" is not a type:
   *   ValueError: Unknown attribute 'cl' is encountered while parsing the device spec: '/cl:0'. */
  char b[64];
  cr_assert_str_eq(canon("/GPU:0", b, sizeof b), "/device:GPU:0");
  cr_assert_str_eq(canon("/Gpu:0", b, sizeof b), "/device:GPU:0");
  cr_assert_str_eq(canon("/cPu:3", b, sizeof b), "/device:CPU:3");
  cr_assert_str_eq(canon("/tpu:0", b, sizeof b), "/device:TPU:0");
  cr_assert_str_eq(canon("/custom:0", b, sizeof b), "/device:CUSTOM:0");
  cr_assert_str_eq(canon("/epu:1", b, sizeof b), "/device:EPU:1");
  canon_err("/cl:0",
            "Unknown attribute 'cl' is encountered while parsing the device spec: '/cl:0'.");
}

Test(placement, r8_1_device_form_case)
{
  /* TF 2.21 (_as_device_str_or_none): exactly "cpu"/"gpu" are upper-cased in
   * the device:TYPE form, anything else is kept as written:
   *   "/device:gpu:0" -> "/device:GPU:0"; "/device:cpu:1" -> "/device:CPU:1"
   *   "/device:Gpu:0" -> "/device:Gpu:0"; "/device:tpu:0" -> "/device:tpu:0"
   * (spec: V1 kept "/device:gpu:0" lowercase). Same strings as op.device:
   *   with tf.device("/device:gpu:0"): tf.no_op().device == "/device:GPU:0" */
  char b[64];
  cr_assert_str_eq(canon("/device:gpu:0", b, sizeof b), "/device:GPU:0");
  cr_assert_str_eq(canon("/device:cpu:1", b, sizeof b), "/device:CPU:1");
  cr_assert_str_eq(canon("/device:Gpu:0", b, sizeof b), "/device:Gpu:0");
  cr_assert_str_eq(canon("/device:tpu:0", b, sizeof b), "/device:tpu:0");
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  push(g, "/device:gpu:0", st);
  cr_assert_str_eq(noop_dev(g, "a", st), "/device:GPU:0");
  pop(g, st);
  push(g, "/device:Gpu:0", st);
  cr_assert_str_eq(noop_dev(g, "b", st), "/device:Gpu:0");
  pop(g, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_1_multiple_device_types_error)
{
  /* DeviceSpec.from_string("/gpu:0/cpu:0")
   * TF 2.21: ValueError: Multiple device types are not allowed while parsing
   *          the device spec: /gpu:0/cpu:0.
   * (spec: "Cannot specify multiple device types: %s", the pre-2.x text) */
  canon_err("/gpu:0/cpu:0",
            "Multiple device types are not allowed while parsing the device spec: /gpu:0/cpu:0.");
  canon_err("/device:GPU:0/gpu:1", "Multiple device types are not allowed while parsing the "
                                   "device spec: /device:GPU:0/gpu:1.");
  canon_err("/cpu:0/job:ps/device:GPU:1", "Multiple device types are not allowed while parsing "
                                          "the device spec: /cpu:0/job:ps/device:GPU:1.");
}

Test(placement, r8_1_unknown_attribute_error)
{
  /* DeviceSpec.from_string("/foo:1")
   * TF 2.21: ValueError: Unknown attribute 'foo' is encountered while parsing
   *          the device spec: '/foo:1'.
   * (spec: "Unknown attribute: '%s' in '%s'", the pre-2.x text)
   * Also "/job", "/job:a:b", "/cpu:0:1", "/device:GPU" (device needs 3 fields),
   * "/Device:GPU:0", "/JOB:ps" (keywords are case-sensitive), " /gpu:0". */
  canon_err("/foo:1",
            "Unknown attribute 'foo' is encountered while parsing the device spec: '/foo:1'.");
  canon_err("/job", "Unknown attribute 'job' is encountered while parsing the device spec: '/job'.");
  canon_err("/job:a:b",
            "Unknown attribute 'job' is encountered while parsing the device spec: '/job:a:b'.");
  canon_err("/cpu:0:1",
            "Unknown attribute 'cpu' is encountered while parsing the device spec: '/cpu:0:1'.");
  canon_err("/device:GPU", "Unknown attribute 'device' is encountered while parsing the device "
                           "spec: '/device:GPU'.");
  canon_err("/device:GPU:0:0", "Unknown attribute 'device' is encountered while parsing the "
                               "device spec: '/device:GPU:0:0'.");
  canon_err("/Device:GPU:0", "Unknown attribute 'Device' is encountered while parsing the device "
                             "spec: '/Device:GPU:0'.");
  canon_err("/JOB:ps",
            "Unknown attribute 'JOB' is encountered while parsing the device spec: '/JOB:ps'.");
  canon_err(" /gpu:0",
            "Unknown attribute ' ' is encountered while parsing the device spec: ' /gpu:0'.");
}

Test(placement, r8_1_non_integer_error)
{
  /* DeviceSpec.from_string("/task:x") -> ValueError: invalid literal for int() with base 10: 'x'
   * "/gpu:x", "/task:", "/gpu:", "/task:0x1", "/task:1.0", "/task:1__0", "/task:_1" likewise;
   * "/replica:y/task:x" reports 'y' (replica is converted before task);
   * "/task:a'b" -> ... "a'b" (Python repr quoting). */
  canon_err("/task:x", "invalid literal for int() with base 10: 'x'");
  canon_err("/gpu:x", "invalid literal for int() with base 10: 'x'");
  canon_err("/device:GPU:x", "invalid literal for int() with base 10: 'x'");
  canon_err("/task:", "invalid literal for int() with base 10: ''");
  canon_err("/gpu:", "invalid literal for int() with base 10: ''");
  canon_err("/device:gpu:", "invalid literal for int() with base 10: ''");
  canon_err("/task:0x1", "invalid literal for int() with base 10: '0x1'");
  canon_err("/task:1.0", "invalid literal for int() with base 10: '1.0'");
  canon_err("/task:1__0", "invalid literal for int() with base 10: '1__0'");
  canon_err("/task:_1", "invalid literal for int() with base 10: '_1'");
  canon_err("/replica:y/task:x", "invalid literal for int() with base 10: 'y'");
  canon_err("/task:a'b", "invalid literal for int() with base 10: \"a'b\"");
  canon_err("/task:' '", "invalid literal for int() with base 10: \"' '\"");
  /* Parse errors come before the deferred task conversion. */
  canon_err("/task:x/foo",
            "Unknown attribute 'foo' is encountered while parsing the device spec: '/task:x/foo'.");
}

Test(placement, r8_1_python_int_forms)
{
  /* int() accepts whitespace, signs, leading zeros and single underscores:
   * "/task: 1" -> "/task:1", "/task:+1" -> "/task:1", "/task:-1" -> "/task:-1",
   * "/task:1_0" -> "/task:10", "/gpu:01" -> "/device:GPU:1",
   * "/device:GPU:-1" -> "/device:GPU:-1", "/task:\t1 " -> "/task:1",
   * "/task:99999999999999999999999" is kept exactly (Python ints are unbounded). */
  char b[64];
  cr_assert_str_eq(canon("/task: 1", b, sizeof b), "/task:1");
  cr_assert_str_eq(canon("/task:+1", b, sizeof b), "/task:1");
  cr_assert_str_eq(canon("/task:-1", b, sizeof b), "/task:-1");
  cr_assert_str_eq(canon("/task:-00", b, sizeof b), "/task:0");
  cr_assert_str_eq(canon("/task:1_0", b, sizeof b), "/task:10");
  cr_assert_str_eq(canon("/gpu:01", b, sizeof b), "/device:GPU:1");
  cr_assert_str_eq(canon("/device:GPU:-1", b, sizeof b), "/device:GPU:-1");
  cr_assert_str_eq(canon("/task:\t1 ", b, sizeof b), "/task:1");
  cr_assert_str_eq(canon("/task:99999999999999999999999", b, sizeof b),
                   "/task:99999999999999999999999");
}

Test(placement, r8_1_empty_parts_and_repeats)
{
  /* "" -> "", "/" -> "", "//job:a//" -> "/job:a", "/:0" -> "" (an empty
   * first field is ignored), "job:ps" -> "/job:ps", "/job:" -> "/job:",
   * "/device::0" -> "/device::0", a repeated field keeps the last:
   * "/job:ps/job:w" -> "/job:w", "/task:1/task:2" -> "/task:2". */
  char b[64];
  cr_assert_str_eq(canon("", b, sizeof b), "");
  cr_assert_str_eq(canon(NULL, b, sizeof b), "");
  cr_assert_str_eq(canon("/", b, sizeof b), "");
  cr_assert_str_eq(canon("//job:a//", b, sizeof b), "/job:a");
  cr_assert_str_eq(canon("/:0", b, sizeof b), "");
  cr_assert_str_eq(canon("job:ps", b, sizeof b), "/job:ps");
  cr_assert_str_eq(canon("/job:", b, sizeof b), "/job:");
  cr_assert_str_eq(canon("/device::0", b, sizeof b), "/device::0");
  cr_assert_str_eq(canon("/job:ps/job:w", b, sizeof b), "/job:w");
  cr_assert_str_eq(canon("/task:1/task:2", b, sizeof b), "/task:2");
}

Test(placement, r8_1_canonicalize_is_snprintf_like)
{
  /* (C API) the full length is returned, the output truncated to cap. */
  char b[8];
  vs_status *st = vs_status_new();
  cr_assert_eq(vs_device_canonicalize("/gpu:0", b, sizeof b, st), 13);
  expect_ok(st);
  cr_assert_str_eq(b, "/device");
  cr_assert_eq(vs_device_canonicalize("/gpu:0", NULL, 0, st), 13);
  expect_ok(st);
  vs_status_free(st);
}

Test(placement, r8_1_op_device_is_canonical)
{
  /* with tf.device("/cpu:0"): tf.no_op().device == "/device:CPU:0"
   * with tf.device("/job:ps/replica:03/task:1"): ... == "/job:ps/replica:3/task:1"
   * with tf.device(""): ... == "" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  push(g, "/cpu:0", st);
  cr_assert_str_eq(noop_dev(g, "a", st), "/device:CPU:0");
  pop(g, st);
  push(g, "/job:ps/replica:03/task:1", st);
  cr_assert_str_eq(noop_dev(g, "b", st), "/job:ps/replica:3/task:1");
  vs_output c = vs_constant_float(g, 1.0f, "c", st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_device(c.op), "/job:ps/replica:3/task:1");
  pop(g, st);
  push(g, "", st);
  cr_assert_str_eq(noop_dev(g, "d", st), "");
  pop(g, st);
  cr_assert_str_eq(noop_dev(g, "e", st), "");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_1_bad_device_fails_on_entry)
{
  /* with tf.device("/foo:1"): -> ValueError raised by tf.device itself
   * (MergeDevice parses the string); nothing is entered. */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_not(vs_device_push(g, "/foo:1", st));
  expect_err(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Unknown attribute 'foo' is encountered while parsing the device spec: '/foo:1'.");
  vs_device_pop(g, st);
  expect_err(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "vs_device_pop: no device scope is open on this thread");
  cr_assert_str_eq(noop_dev(g, "a", st), "");
  vs_status_free(st);
  vs_graph_free(g);
}

/* ======================= 8.2 nested tf.device merging ===================== */

Test(placement, r8_2_1_inner_type_merges_with_outer_job)
{
  /* with tf.device("/job:ps"):
   *   a = tf.no_op()            # "/job:ps"
   *   with tf.device("/gpu:1"):
   *     b = tf.no_op()          # "/job:ps/device:GPU:1" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  push(g, "/job:ps", st);
  cr_assert_str_eq(noop_dev(g, "a", st), "/job:ps");
  push(g, "/gpu:1", st);
  cr_assert_str_eq(noop_dev(g, "b", st), "/job:ps/device:GPU:1");
  pop(g, st);
  cr_assert_str_eq(noop_dev(g, "c", st), "/job:ps");
  pop(g, st);
  cr_assert_str_eq(noop_dev(g, "d", st), "");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_2_2_merge_device_docstring_chain)
{
  /* with tf.device("/device:GPU:0"):      # /device:GPU:0
   *  with tf.device("/job:worker"):       # /job:worker/device:GPU:0
   *   with tf.device("/device:CPU:0"):    # /job:worker/device:CPU:0
   *    with tf.device("/job:ps"):         # /job:ps/device:CPU:0 */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  static const char *const devs[] = {"/device:GPU:0", "/job:worker", "/device:CPU:0", "/job:ps"};
  static const char *const want[] = {"/device:GPU:0", "/job:worker/device:GPU:0",
                                     "/job:worker/device:CPU:0", "/job:ps/device:CPU:0"};
  for (int i = 0; i < 4; i++) {
    push(g, devs[i], st);
    cr_assert_str_eq(noop_dev(g, NULL, st), want[i]);
  }
  for (int i = 0; i < 4; i++) pop(g, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_2_3_fields_merge_independently)
{
  /* with tf.device("/job:ps/task:0/gpu:0"):
   *   with tf.device("/job:worker"):
   *     tf.no_op().device == "/job:worker/task:0/device:GPU:0"  (confirmed on TF 2.21)
   * The device index merges apart from the type:
   * with tf.device("/gpu:1"): with tf.device("/cpu"): -> "/device:CPU:1" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  push(g, "/job:ps/task:0/gpu:0", st);
  push(g, "/job:worker", st);
  cr_assert_str_eq(noop_dev(g, "a", st), "/job:worker/task:0/device:GPU:0");
  pop(g, st);
  pop(g, st);
  push(g, "/gpu:1", st);
  push(g, "/cpu", st);
  cr_assert_str_eq(noop_dev(g, "b", st), "/device:CPU:1");
  pop(g, st);
  push(g, "/device:CPU:*", st);
  cr_assert_str_eq(noop_dev(g, "c", st), "/device:CPU:1");
  pop(g, st);
  pop(g, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_2_4_none_clears_enclosing_scopes)
{
  /* with tf.device("/gpu:0"):
   *   with tf.device(None):
   *     tf.no_op().device == ""
   *     with tf.device(""): tf.no_op().device == ""   (empty spec is skipped) */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  push(g, "/gpu:0", st);
  push(g, NULL, st);
  cr_assert_str_eq(noop_dev(g, "a", st), "");
  push(g, "", st);
  cr_assert_str_eq(noop_dev(g, "b", st), "");
  pop(g, st);
  pop(g, st);
  cr_assert_str_eq(noop_dev(g, "c", st), "/device:GPU:0");
  pop(g, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_2_5_scope_inside_none_applies)
{
  /* with tf.device(None):
   *   tf.no_op().device == ""
   *   with tf.device("/cpu:0"): tf.no_op().device == "/device:CPU:0" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  push(g, NULL, st);
  cr_assert_str_eq(noop_dev(g, "a", st), "");
  push(g, "/cpu:0", st);
  cr_assert_str_eq(noop_dev(g, "b", st), "/device:CPU:0");
  pop(g, st);
  pop(g, st);
  vs_status_free(st);
  vs_graph_free(g);
}

static const char *fn_const(const vs_op *op, void *data, vs_status *st)
{
  (void)op, (void)st;
  return data;
}

static const char *fn_by_type(const vs_op *op, void *data, vs_status *st)
{
  (void)data, (void)st;
  return strcmp(vs_op_type(op), "Const") == 0 ? "/device:GPU:0" : "/cpu:0";
}

Test(placement, r8_2_6_function_result_replaces_device)
{
  /* with tf.device(lambda op: "/gpu:0"): tf.no_op().device == "/gpu:0"  (not canonicalized)
   * with tf.device(lambda op: "garbage"): tf.no_op().device == "garbage"  (not validated)
   * with tf.device("/job:ps"): with tf.device(lambda op: "/gpu:0"):
   *   tf.no_op().device == "/job:ps/device:GPU:0"  (the outer string merges)
   * with tf.device(lambda op: "MatMul-style by type"): Const -> "/device:GPU:0", NoOp -> "/cpu:0" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert(vs_device_push_fn(g, fn_const, "/gpu:0", st));
  cr_assert_str_eq(noop_dev(g, "a", st), "/gpu:0");
  pop(g, st);
  cr_assert(vs_device_push_fn(g, fn_const, "garbage", st));
  cr_assert_str_eq(noop_dev(g, "b", st), "garbage");
  pop(g, st);
  push(g, "/job:ps", st);
  cr_assert(vs_device_push_fn(g, fn_const, "/gpu:0", st));
  cr_assert_str_eq(noop_dev(g, "c", st), "/job:ps/device:GPU:0");
  pop(g, st);
  pop(g, st);
  cr_assert(vs_device_push_fn(g, fn_by_type, NULL, st));
  vs_output k = vs_constant_float(g, 1.0f, "k", st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_device(k.op), "/device:GPU:0");
  cr_assert_str_eq(noop_dev(g, "n", st), "/cpu:0");
  pop(g, st);
  vs_status_free(st);
  vs_graph_free(g);
}

/* lambda op: op.device + "/job:x" */
static const char *fn_append_job(const vs_op *op, void *data, vs_status *st)
{
  (void)st;
  char *buf = data;
  strcpy(buf, vs_op_device(op));
  strcat(buf, "/job:x");
  return buf;
}

Test(placement, r8_2_7_outer_function_has_final_say)
{
  /* with tf.device(lambda op: op.device + "/job:x"):
   *   tf.no_op().device == "/job:x"
   *   with tf.device("/gpu:0"):
   *     tf.no_op().device == "/device:GPU:0/job:x"   (f sees the inner result) */
  char buf[128];
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert(vs_device_push_fn(g, fn_append_job, buf, st));
  cr_assert_str_eq(noop_dev(g, "a", st), "/job:x");
  push(g, "/gpu:0", st);
  cr_assert_str_eq(noop_dev(g, "b", st), "/device:GPU:0/job:x");
  pop(g, st);
  pop(g, st);
  vs_status_free(st);
  vs_graph_free(g);
}

static const char *fn_fail(const vs_op *op, void *data, vs_status *st)
{
  (void)op, (void)data;
  vs_status_set(st, VS_UNIMPLEMENTED, "no device for you");
  return NULL;
}

Test(placement, r8_2_6_function_errors)
{
  /* with tf.device(lambda op: None): tf.no_op()
   *   -> TypeError: Expected binary or unicode string, got None
   * with tf.device("/job:ps"): with tf.device(lambda op: "garbage"): tf.no_op()
   *   -> ValueError: Unknown attribute 'garbage' is encountered while parsing the device spec: 'garbage'.
   * a function raising: its error propagates and no op is created. */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert(vs_device_push_fn(g, fn_const, NULL, st));
  cr_assert_null(vs_no_op(g, "a", st));
  expect_err(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "Expected binary or unicode string, got None");
  pop(g, st);
  push(g, "/job:ps", st);
  cr_assert(vs_device_push_fn(g, fn_const, "garbage", st));
  cr_assert_null(vs_no_op(g, "b", st));
  expect_err(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Unknown attribute 'garbage' is encountered while parsing the device spec: 'garbage'.");
  pop(g, st);
  cr_assert(vs_device_push_fn(g, fn_fail, NULL, st));
  cr_assert_null(vs_no_op(g, "c", st));
  cr_assert_eq(vs_status_code(st), VS_UNIMPLEMENTED);
  cr_assert_str_eq(vs_status_message(st), "no device for you");
  pop(g, st);
  pop(g, st);
  cr_assert_eq(vs_graph_num_operations(g), 0);
  cr_assert_str_eq(noop_dev(g, "d", st), "");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_2_8_colocated_ops_take_the_variable_device)
{
  /* with tf.device("/job:ps/task:1"): v = tf.Variable(1.0, name="v")
   *   v/initial_value, v, v/Assign, v/read: "/job:ps/task:1"
   * with tf.device("/gpu:0"): with tf.compat.v1.colocate_with(v.op): ops get "/job:ps/task:1".
   * (placement/colocate_with_* cover colocate_with itself.) The graph colocates a variable's Assign/read ops
   * (copying the VariableV2 op's device, not re-running the device stack), so
   * an enclosing scope entered later does not move them. */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  push(g, "/job:ps/task:1", st);
  vs_var *v = var(g, "v", st);
  pop(g, st);
  cr_assert_str_eq(var_dev(v), "/job:ps/task:1");
  cr_assert_str_eq(op_dev(g, "v/initial_value"), "/job:ps/task:1");
  cr_assert_str_eq(op_dev(g, "v/Assign"), "/job:ps/task:1");
  cr_assert_str_eq(op_dev(g, "v/read"), "/job:ps/task:1");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_2_10_get_variable_initializer_unplaced)
{
  /* with tf.device("/gpu:0"): v = tf.get_variable("v", [2])
   *   v/Initializer/... ops: ""  (built under ops.device(None))
   *   v, v/Assign, v/read: "/device:GPU:0"
   *   w = tf.Variable(tf.zeros([3]), name="w"): zeros, w, w/Assign, w/read "/device:GPU:0" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  push(g, "/gpu:0", st);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  expect_ok(st);
  float z[3] = {0};
  vs_output zeros = vs_constant(g, z, VS_FLOAT, VS_SHAPE(3), "zeros", st);
  expect_ok(st);
  vs_var *w = vs_variable(
      g, &(vs_variable_opts){.name = "w", .initial_value = vs_tensor_initializer(zeros)}, st);
  expect_ok(st);
  pop(g, st);
  size_t n_init = 0;
  for (size_t i = 0; i < vs_graph_num_operations(g); i++) {
    vs_op *op = vs_graph_operation(g, i);
    if (strncmp(vs_op_name(op), "v/Initializer/", 14) == 0) {
      n_init++;
      cr_assert_str_eq(vs_op_device(op), "", "%s", vs_op_name(op));
    }
  }
  cr_assert_gt(n_init, 0);
  cr_assert_str_eq(var_dev(v), "/device:GPU:0");
  cr_assert_str_eq(op_dev(g, "v/Assign"), "/device:GPU:0");
  cr_assert_str_eq(op_dev(g, "v/read"), "/device:GPU:0");
  cr_assert_str_eq(vs_op_device(zeros.op), "/device:GPU:0");
  cr_assert_str_eq(var_dev(w), "/device:GPU:0");
  cr_assert_str_eq(op_dev(g, "w/Assign"), "/device:GPU:0");
  cr_assert_str_eq(op_dev(g, "w/read"), "/device:GPU:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_2_11_caching_device_read)
{
  /* with tf.device("/job:ps"):
   *   v = tf.get_variable("v", [2], caching_device="/cpu:0")
   *   v.device == v/Assign.device == "/job:ps"
   *   v/read.device == "/job:ps/device:CPU:0"  (read built under tf.device(caching_device),
   *                                              merged with the enclosing scopes) */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  push(g, "/job:ps", st);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2), .caching_device = "/cpu:0"},
                              st);
  expect_ok(st);
  pop(g, st);
  cr_assert_str_eq(var_dev(v), "/job:ps");
  cr_assert_str_eq(op_dev(g, "v/Assign"), "/job:ps");
  cr_assert_str_eq(op_dev(g, "v/read"), "/job:ps/device:CPU:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_2_13_pop_without_scope)
{
  /* (C API) TF's RuntimeError "Exiting device scope without proper scope
   * nesting." cannot arise: pops always take the innermost scope. Popping
   * with nothing open is FAILED_PRECONDITION/RuntimeError. */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_pop(g, st);
  expect_err(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "vs_device_pop: no device scope is open on this thread");
  push(g, "/gpu:0", st);
  pop(g, st);
  vs_device_pop(g, st);
  cr_assert_eq(vs_status_code(st), VS_FAILED_PRECONDITION);
  VS_WITH_DEVICE(g, "/cpu:0", st) { cr_assert_str_eq(noop_dev(g, "a", st), "/device:CPU:0"); }
  cr_assert_str_eq(noop_dev(g, "b", st), "");
  vs_status_free(st);
  vs_graph_free(g);
}

/* ==================== 8.3 replica_device_setter ========================== */

static vs_device_setter *setter(vs_graph *g, const vs_replica_setter_opts *o, vs_status *st)
{
  vs_device_setter *s = vs_replica_device_setter(g, o, st);
  expect_ok(st);
  cr_assert_not_null(s);
  return s;
}

Test(placement, r8_3_1_cluster_round_robin)
{
  /* cluster = {"ps": ["ps0:2222", "ps1:2222"],
   *            "worker": ["worker0:2222", "worker1:2222", "worker2:2222"]}
   * with tf.device(tf.train.replica_device_setter(cluster=cluster)):
   *   v1, v2, v3 = tf.Variable(1.0, name="v1"), ...
   * v1.device == "/job:ps/task:0", v2: "/job:ps/task:1", v3: "/job:ps/task:0" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_setter *s = setter(g, &(vs_replica_setter_opts){.cluster = doc_cluster}, st);
  cr_assert(vs_device_push_setter(g, s, st));
  vs_var *v1 = var(g, "v1", st), *v2 = var(g, "v2", st), *v3 = var(g, "v3", st);
  pop(g, st);
  cr_assert_str_eq(var_dev(v1), "/job:ps/task:0");
  cr_assert_str_eq(var_dev(v2), "/job:ps/task:1");
  cr_assert_str_eq(var_dev(v3), "/job:ps/task:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_2_other_ops_on_worker)
{
  /* same setter: tf.constant(1.0, name="c").device == "/job:worker";
   * v1/initial_value (a Const) == "/job:worker" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_setter *s = setter(g, &(vs_replica_setter_opts){.cluster = doc_cluster}, st);
  cr_assert(vs_device_push_setter(g, s, st));
  var(g, "v1", st);
  vs_output c = vs_constant_float(g, 1.0f, "c", st);
  expect_ok(st);
  cr_assert_str_eq(noop_dev(g, "n", st), "/job:worker");
  pop(g, st);
  cr_assert_str_eq(vs_op_device(c.op), "/job:worker");
  cr_assert_str_eq(op_dev(g, "v1/initial_value"), "/job:worker");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_3_assign_and_read_colocated)
{
  /* same setter: v1/Assign and v1/read == "/job:ps/task:0"; v2's: "/job:ps/task:1" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_setter *s = setter(g, &(vs_replica_setter_opts){.cluster = doc_cluster}, st);
  cr_assert(vs_device_push_setter(g, s, st));
  var(g, "v1", st);
  var(g, "v2", st);
  pop(g, st);
  cr_assert_str_eq(op_dev(g, "v1/Assign"), "/job:ps/task:0");
  cr_assert_str_eq(op_dev(g, "v1/read"), "/job:ps/task:0");
  cr_assert_str_eq(op_dev(g, "v2/Assign"), "/job:ps/task:1");
  cr_assert_str_eq(op_dev(g, "v2/read"), "/job:ps/task:1");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_4_initial_value_made_first_stays_on_worker)
{
  /* with tf.device(replica_device_setter(cluster=cluster)):
   *   w = tf.Variable(tf.zeros([10]), name="w")
   * zeros.device == "/job:worker"; w.device == "/job:ps/task:0" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_setter *s = setter(g, &(vs_replica_setter_opts){.cluster = doc_cluster}, st);
  cr_assert(vs_device_push_setter(g, s, st));
  float z[10] = {0};
  vs_output zeros = vs_constant(g, z, VS_FLOAT, VS_SHAPE(10), "zeros", st);
  expect_ok(st);
  vs_var *w = vs_variable(
      g, &(vs_variable_opts){.name = "w", .initial_value = vs_tensor_initializer(zeros)}, st);
  expect_ok(st);
  pop(g, st);
  cr_assert_str_eq(vs_op_device(zeros.op), "/job:worker");
  cr_assert_str_eq(var_dev(w), "/job:ps/task:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_5_get_variable_initializer_unplaced)
{
  /* with tf.device(replica_device_setter(cluster=cluster)):
   *   g = tf.get_variable("g", [2])
   * g/Initializer/... ops: ""; g, g/Assign, g/read: "/job:ps/task:0" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_setter *s = setter(g, &(vs_replica_setter_opts){.cluster = doc_cluster}, st);
  cr_assert(vs_device_push_setter(g, s, st));
  vs_var *v = vs_get_variable(g, "g", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  expect_ok(st);
  pop(g, st);
  for (size_t i = 0; i < vs_graph_num_operations(g); i++) {
    vs_op *op = vs_graph_operation(g, i);
    if (strncmp(vs_op_name(op), "g/Initializer/", 14) == 0)
      cr_assert_str_eq(vs_op_device(op), "", "%s", vs_op_name(op));
  }
  cr_assert_str_eq(var_dev(v), "/job:ps/task:0");
  cr_assert_str_eq(op_dev(g, "g/Assign"), "/job:ps/task:0");
  cr_assert_str_eq(op_dev(g, "g/read"), "/job:ps/task:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_6_counter_one_slot_per_ps_op)
{
  /* with tf.device(replica_device_setter(ps_tasks=3)):
   *   a = tf.Variable(1.0, name="a")     # /job:ps/task:0
   *   c = tf.constant(1.0)               # /job:worker (no slot)
   *   b = tf.get_variable("b", [2])      # /job:ps/task:1 (initializer: no slot)
   *   d = tf.Variable(1.0, name="d")     # /job:ps/task:2
   *   e = tf.Variable(1.0, name="e")     # /job:ps/task:0
   * One setter pushed twice shares its counter:
   *   s = replica_device_setter(ps_tasks=2)
   *   with tf.device(s): a  # task:0
   *   with tf.device(s): b  # task:1 */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_setter *s = setter(g, &(vs_replica_setter_opts){.ps_tasks = 3}, st);
  cr_assert(vs_device_push_setter(g, s, st));
  vs_var *a = var(g, "a", st);
  vs_output c = vs_constant_float(g, 1.0f, "c", st);
  expect_ok(st);
  vs_var *b = vs_get_variable(g, "b", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  expect_ok(st);
  vs_var *d = var(g, "d", st), *e = var(g, "e", st);
  pop(g, st);
  cr_assert_str_eq(var_dev(a), "/job:ps/task:0");
  cr_assert_str_eq(vs_op_device(c.op), "/job:worker");
  cr_assert_str_eq(var_dev(b), "/job:ps/task:1");
  cr_assert_str_eq(var_dev(d), "/job:ps/task:2");
  cr_assert_str_eq(var_dev(e), "/job:ps/task:0");

  vs_device_setter *s2 = setter(g, &(vs_replica_setter_opts){.ps_tasks = 2}, st);
  cr_assert(vs_device_push_setter(g, s2, st));
  vs_var *x = var(g, "x", st);
  pop(g, st);
  cr_assert(vs_device_push_setter(g, s2, st));
  vs_var *y = var(g, "y", st);
  pop(g, st);
  cr_assert_str_eq(var_dev(x), "/job:ps/task:0");
  cr_assert_str_eq(var_dev(y), "/job:ps/task:1");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_6_standard_ps_ops)
{
  /* from tensorflow.python.training import device_setter
   * device_setter.STANDARD_PS_OPS in TF 2.21 has 14 types (the spec lists TF 1.15's 10):
   *   ("Variable", "VariableV2", "AutoReloadVariable", "MutableHashTable", ...,
   *    "VarHandleOp", "BoostedTreesEnsembleResourceHandleOp",
   *    "BoostedTreesQuantileStreamResourceHandleOp", "ResourceConditionalAccumulator",
   *    "DecisionTreeResource") */
  size_t n = 0;
  while (VS_STANDARD_PS_OPS[n]) n++;
  cr_assert_eq(n, 14);
  cr_assert_str_eq(VS_STANDARD_PS_OPS[1], "VariableV2");
  cr_assert_str_eq(VS_STANDARD_PS_OPS[9], "VarHandleOp");
  cr_assert_str_eq(VS_STANDARD_PS_OPS[13], "DecisionTreeResource");
}

static int64_t strategy7(const vs_op *op, void *data, vs_status *st)
{
  (void)op, (void)st;
  ++*(int *)data;
  return 7;
}

static int64_t strategy_fail(const vs_op *op, void *data, vs_status *st)
{
  (void)op, (void)data;
  vs_status_set(st, VS_INTERNAL, "strategy failed");
  return 0;
}

Test(placement, r8_3_6_custom_strategy)
{
  /* replica_device_setter(ps_tasks=3, ps_strategy=lambda op: 7, ps_ops=["Const"]):
   *   v = tf.Variable(1.0, name="v"):
   *     v/initial_value "/job:ps/task:7"; v, v/Assign, v/read "/job:worker"
   *   tf.constant(1.0, name="c"): "/job:ps/task:7" */
  int calls = 0;
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_setter *s = setter(
      g,
      &(vs_replica_setter_opts){.ps_tasks = 3, .ps_ops = (const char *const[]){"Const", NULL},
                                .ps_strategy = strategy7, .ps_strategy_data = &calls},
      st);
  cr_assert(vs_device_push_setter(g, s, st));
  vs_var *v = var(g, "v", st);
  vs_output c = vs_constant_float(g, 1.0f, "c", st);
  expect_ok(st);
  pop(g, st);
  cr_assert_str_eq(op_dev(g, "v/initial_value"), "/job:ps/task:7");
  cr_assert_str_eq(var_dev(v), "/job:worker");
  cr_assert_str_eq(op_dev(g, "v/read"), "/job:worker");
  cr_assert_str_eq(vs_op_device(c.op), "/job:ps/task:7");
  cr_assert_eq(calls, 2);

  /* (C API) a strategy's error propagates; the op is not created. */
  vs_device_setter *bad = setter(
      g, &(vs_replica_setter_opts){.ps_tasks = 3, .ps_strategy = strategy_fail}, st);
  cr_assert(vs_device_push_setter(g, bad, st));
  float one = 1.0f;
  cr_assert_null(vs_variable(
      g, &(vs_variable_opts){.name = "w", .initial_value = vs_value_initializer(&one, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)},
      st));
  cr_assert_eq(vs_status_code(st), VS_INTERNAL);
  cr_assert_str_eq(vs_status_message(st), "strategy failed");
  cr_assert_null(vs_graph_operation_by_name(g, "w"));
  pop(g, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_8_inner_device_merged_into_ps)
{
  /* with tf.device(replica_device_setter(cluster=cluster)):
   *   with tf.device("/gpu:0"):
   *     v1 = tf.Variable(1.0, name="v1")  # "/job:ps/task:0/device:GPU:0"
   *     v2 = tf.Variable(1.0, name="v2")  # "/job:ps/task:1/device:GPU:0"
   * v1/initial_value: "/job:worker/device:GPU:0" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_setter *s = setter(g, &(vs_replica_setter_opts){.cluster = doc_cluster}, st);
  cr_assert(vs_device_push_setter(g, s, st));
  push(g, "/gpu:0", st);
  vs_var *v1 = var(g, "v1", st), *v2 = var(g, "v2", st);
  pop(g, st);
  pop(g, st);
  cr_assert_str_eq(var_dev(v1), "/job:ps/task:0/device:GPU:0");
  cr_assert_str_eq(var_dev(v2), "/job:ps/task:1/device:GPU:0");
  cr_assert_str_eq(op_dev(g, "v1/initial_value"), "/job:worker/device:GPU:0");
  cr_assert_str_eq(op_dev(g, "v1/read"), "/job:ps/task:0/device:GPU:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_9_worker_device_merged)
{
  /* with tf.device(replica_device_setter(ps_tasks=2, worker_device="/job:worker/task:1")):
   *   with tf.device("/gpu:0"): tf.constant(1.0, name="c").device
   *     == "/job:worker/task:1/device:GPU:0"
   * A setter inside a string scope: the string applies after the setter:
   * with tf.device("/job:ps/task:1/gpu:0"): with tf.device(replica_device_setter(ps_tasks=3)):
   *   v: "/job:ps/task:0/device:GPU:0"; c: "/job:worker/task:1/device:GPU:0" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_setter *s = setter(
      g, &(vs_replica_setter_opts){.ps_tasks = 2, .worker_device = "/job:worker/task:1"}, st);
  cr_assert(vs_device_push_setter(g, s, st));
  push(g, "/gpu:0", st);
  cr_assert_str_eq(noop_dev(g, "c", st), "/job:worker/task:1/device:GPU:0");
  pop(g, st);
  pop(g, st);

  push(g, "/job:ps/task:1/gpu:0", st);
  vs_device_setter *s3 = setter(g, &(vs_replica_setter_opts){.ps_tasks = 3}, st);
  cr_assert(vs_device_push_setter(g, s3, st));
  vs_var *v = var(g, "v", st);
  cr_assert_str_eq(noop_dev(g, "c2", st), "/job:worker/task:1/device:GPU:0");
  pop(g, st);
  pop(g, st);
  cr_assert_str_eq(var_dev(v), "/job:ps/task:0/device:GPU:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_10_ps_device_with_type)
{
  /* with tf.device(replica_device_setter(ps_tasks=3, ps_device="/job:ps/cpu:0")):
   *   v1: "/job:ps/task:0/device:CPU:0"; v2: "/job:ps/task:1/device:CPU:0"
   * A ps_device without a job never gets a task (and never advances the counter):
   * replica_device_setter(ps_tasks=2, ps_device="/cpu:0"): variables "/device:CPU:0" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_setter *s =
      setter(g, &(vs_replica_setter_opts){.ps_tasks = 3, .ps_device = "/job:ps/cpu:0"}, st);
  cr_assert(vs_device_push_setter(g, s, st));
  vs_var *v1 = var(g, "v1", st), *v2 = var(g, "v2", st);
  pop(g, st);
  cr_assert_str_eq(var_dev(v1), "/job:ps/task:0/device:CPU:0");
  cr_assert_str_eq(var_dev(v2), "/job:ps/task:1/device:CPU:0");
  vs_device_setter *nj = setter(g, &(vs_replica_setter_opts){.ps_tasks = 2, .ps_device = "/cpu:0"}, st);
  cr_assert(vs_device_push_setter(g, nj, st));
  vs_var *v3 = var(g, "v3", st);
  pop(g, st);
  cr_assert_str_eq(var_dev(v3), "/device:CPU:0");
  cr_assert_str_eq(op_dev(g, "v3/initial_value"), "/job:worker");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_11_other_job_no_counter_advance)
{
  /* with tf.device(replica_device_setter(ps_tasks=2)):
   *   with tf.device("/job:worker"): a = tf.Variable(1.0, name="a")  # "/job:worker", no slot
   *   b = tf.Variable(1.0, name="b")                                # "/job:ps/task:0"
   * (TF 2.x; V1.4 would give "/job:worker/task:N" and advance) */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_setter *s = setter(g, &(vs_replica_setter_opts){.ps_tasks = 2}, st);
  cr_assert(vs_device_push_setter(g, s, st));
  push(g, "/job:worker", st);
  vs_var *a = var(g, "a", st);
  pop(g, st);
  vs_var *b = var(g, "b", st);
  pop(g, st);
  cr_assert_str_eq(var_dev(a), "/job:worker");
  cr_assert_str_eq(op_dev(g, "a/read"), "/job:worker");
  cr_assert_str_eq(var_dev(b), "/job:ps/task:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_12_explicit_ps_task_advances_counter)
{
  /* with tf.device(replica_device_setter(ps_tasks=2)):
   *   b = tf.Variable(1.0, name="b")                                    # task:0
   *   with tf.device("/job:ps/task:1"): c = tf.Variable(1.0, name="c")  # task:1 (slot used)
   *   d = tf.Variable(1.0, name="d")                                    # task:0
   *   with tf.device("/job:ps"): e = tf.Variable(1.0, name="e")         # task:1
   * c/initial_value: "/job:ps/task:1"; e/initial_value: "/job:ps" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_setter *s = setter(g, &(vs_replica_setter_opts){.ps_tasks = 2}, st);
  cr_assert(vs_device_push_setter(g, s, st));
  vs_var *b = var(g, "b", st);
  push(g, "/job:ps/task:1", st);
  vs_var *c = var(g, "c", st);
  pop(g, st);
  vs_var *d = var(g, "d", st);
  push(g, "/job:ps", st);
  vs_var *e = var(g, "e", st);
  pop(g, st);
  pop(g, st);
  cr_assert_str_eq(var_dev(b), "/job:ps/task:0");
  cr_assert_str_eq(var_dev(c), "/job:ps/task:1");
  cr_assert_str_eq(var_dev(d), "/job:ps/task:0");
  cr_assert_str_eq(var_dev(e), "/job:ps/task:1");
  cr_assert_str_eq(op_dev(g, "c/initial_value"), "/job:ps/task:1");
  cr_assert_str_eq(op_dev(g, "e/initial_value"), "/job:ps");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_13_no_merge_keeps_existing_device)
{
  /* with tf.device(replica_device_setter(ps_tasks=2, merge_devices=False)):
   *   with tf.device("/gpu:0"): a = tf.Variable(1.0, name="a")  # "/device:GPU:0", no slot
   *   b = tf.Variable(1.0, name="b")                            # "/job:ps/task:0"
   *   with tf.device("/job:x"): tf.constant(1.0, name="c")      # "/job:x"
   *   tf.constant(1.0, name="d")                                # "/job:worker"
   * With a device function inside, its raw string is kept:
   *   with tf.device(lambda op: "/gpu:0"): -> "/gpu:0" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_setter *s =
      setter(g, &(vs_replica_setter_opts){.ps_tasks = 2, .merge_devices = VS_OPT_FALSE}, st);
  cr_assert(vs_device_push_setter(g, s, st));
  push(g, "/gpu:0", st);
  vs_var *a = var(g, "a", st);
  pop(g, st);
  vs_var *b = var(g, "b", st);
  push(g, "/job:x", st);
  cr_assert_str_eq(noop_dev(g, "c", st), "/job:x");
  pop(g, st);
  cr_assert_str_eq(noop_dev(g, "d", st), "/job:worker");
  cr_assert(vs_device_push_fn(g, fn_const, "/gpu:0", st));
  cr_assert_str_eq(noop_dev(g, "e", st), "/gpu:0");
  pop(g, st);
  pop(g, st);
  cr_assert_str_eq(var_dev(a), "/device:GPU:0");
  cr_assert_str_eq(op_dev(g, "a/initial_value"), "/device:GPU:0");
  cr_assert_str_eq(var_dev(b), "/job:ps/task:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_14_none_setter_clears_scopes)
{
  /* replica_device_setter(...) is None for: cluster={"worker": ["w0"]}, ps_tasks=0,
   * cluster={"ps": []}, cluster={}, cluster=cluster with ps_device="/cpu:0" (no job)
   * or ps_device="".
   * with tf.device("/gpu:0"): with tf.device(replica_device_setter(ps_tasks=0)):
   *   tf.no_op().device == ""   (tf.device(None) clears the enclosing scopes)
   * cluster=cluster, ps_device="/job:worker": ps_tasks = 3 worker tasks,
   *   variables "/job:worker/task:0", "/job:worker/task:1" */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  const vs_cluster_job workers[] = {{"worker", VS_TASKS("w0")}, {NULL, NULL}};
  const vs_cluster_job empty_ps[] = {{"ps", NULL}, {NULL, NULL}};
  const vs_cluster_job none[] = {{NULL, NULL}};
  const vs_replica_setter_opts cases[] = {
      {.cluster = workers},
      {.ps_tasks = 0},
      {.cluster = empty_ps},
      {.cluster = none},
      {.cluster = doc_cluster, .ps_device = "/cpu:0"},
      {.cluster = doc_cluster, .ps_device = ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    cr_assert_null(vs_replica_device_setter(g, &cases[i], st), "case %zu", i);
    expect_ok(st);
  }
  cr_assert_null(vs_replica_device_setter(g, NULL, st));
  expect_ok(st);
  push(g, "/gpu:0", st);
  cr_assert(vs_device_push_setter(g, vs_replica_device_setter(g, &cases[1], st), st));
  expect_ok(st);
  cr_assert_str_eq(noop_dev(g, "a", st), "");
  pop(g, st);
  cr_assert_str_eq(noop_dev(g, "b", st), "/device:GPU:0");
  pop(g, st);

  vs_device_setter *s = setter(
      g, &(vs_replica_setter_opts){.cluster = doc_cluster, .ps_device = "/job:worker"}, st);
  cr_assert(vs_device_push_setter(g, s, st));
  vs_var *v1 = var(g, "v1", st), *v2 = var(g, "v2", st);
  pop(g, st);
  cr_assert_str_eq(var_dev(v1), "/job:worker/task:0");
  cr_assert_str_eq(var_dev(v2), "/job:worker/task:1");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_14_empty_ps_and_worker_devices)
{
  /* with tf.device("/gpu:0"):
   *   with tf.device(replica_device_setter(ps_tasks=2, ps_device="", worker_device="")):
   *     v = tf.Variable(1.0): every op "/device:GPU:0"
   * replica_device_setter(ps_tasks=-2): tasks 0, -1, 0, -1 (Python's %). */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  push(g, "/gpu:0", st);
  vs_device_setter *s = setter(
      g, &(vs_replica_setter_opts){.ps_tasks = 2, .ps_device = "", .worker_device = ""}, st);
  cr_assert(vs_device_push_setter(g, s, st));
  vs_var *v = var(g, "v", st);
  pop(g, st);
  pop(g, st);
  cr_assert_str_eq(var_dev(v), "/device:GPU:0");
  cr_assert_str_eq(op_dev(g, "v/initial_value"), "/device:GPU:0");

  vs_device_setter *neg = setter(g, &(vs_replica_setter_opts){.ps_tasks = -2}, st);
  cr_assert(vs_device_push_setter(g, neg, st));
  static const char *const want[] = {"/job:ps/task:0", "/job:ps/task:-1", "/job:ps/task:0",
                                     "/job:ps/task:-1"};
  for (int i = 0; i < 4; i++) cr_assert_str_eq(var_dev(var(g, NULL, st)), want[i]);
  pop(g, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_14_bad_device_strings)
{
  /* replica_device_setter(cluster=cluster, ps_device="/foo:1") -> ValueError at once:
   *   Unknown attribute 'foo' is encountered while parsing the device spec: '/foo:1'.
   * Without a cluster the strings are parsed when an op is placed:
   *   s = replica_device_setter(ps_tasks=1, ps_device="/foo:1")
   *   with tf.device(s): tf.constant(1.0) works ("/job:worker"); tf.Variable(1.0) raises.
   *   replica_device_setter(ps_tasks=1, worker_device="/foo:1"): variables work, constants raise. */
  const char *msg = "Unknown attribute 'foo' is encountered while parsing the device spec: '/foo:1'.";
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert_null(vs_replica_device_setter(
      g, &(vs_replica_setter_opts){.cluster = doc_cluster, .ps_device = "/foo:1"}, st));
  expect_err(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, msg);

  vs_device_setter *bp =
      setter(g, &(vs_replica_setter_opts){.ps_tasks = 1, .ps_device = "/foo:1"}, st);
  cr_assert(vs_device_push_setter(g, bp, st));
  cr_assert_str_eq(noop_dev(g, "a", st), "/job:worker");
  float one = 1.0f;
  vs_variable_opts vo = {.name = "v", .initial_value = vs_value_initializer(&one, VS_FLOAT, 1, VS_UNKNOWN_SHAPE)};
  cr_assert_null(vs_variable(g, &vo, st));
  expect_err(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, msg);
  pop(g, st);

  vs_device_setter *bw =
      setter(g, &(vs_replica_setter_opts){.ps_tasks = 1, .worker_device = "/foo:1"}, st);
  cr_assert(vs_device_push_setter(g, bw, st));
  cr_assert_null(vs_no_op(g, "b", st));
  expect_err(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, msg);
  pop(g, st);
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, r8_3_14_setter_belongs_to_its_graph)
{
  /* (C API) a setter is owned by the graph it was made for. */
  vs_graph *g = vs_graph_new(), *h = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_setter *s = setter(g, &(vs_replica_setter_opts){.ps_tasks = 1}, st);
  cr_assert_not(vs_device_push_setter(h, s, st));
  expect_err(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_device_push_setter: the setter was made for another graph");
  vs_status_free(st);
  vs_graph_free(h);
  vs_graph_free(g);
}

static const char *fn_pushes(const vs_op *op, void *data, vs_status *st)
{
  (void)op;
  vs_status *inner = vs_status_new();
  bool ok = vs_device_push(data, "/gpu:0", inner);
  if (!ok) vs_status_set(st, vs_status_code(inner), vs_status_message(inner));
  vs_status_free(inner);
  return ok ? "" : NULL;
}

Test(placement, r8_2_6_function_cannot_change_scopes)
{
  /* (C API) a device function that enters or leaves a device scope would
   * change the stack being walked: refused with FAILED_PRECONDITION. */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  cr_assert(vs_device_push_fn(g, fn_pushes, g, st));
  cr_assert_null(vs_no_op(g, "a", st));
  /* (re-reported through vs_status_set, which keeps code and message) */
  cr_assert_eq(vs_status_code(st), VS_FAILED_PRECONDITION);
  cr_assert_str_eq(vs_status_message(st), "device scopes cannot change while a device function runs");
  pop(g, st);
  cr_assert_str_eq(noop_dev(g, "b", st), "");
  vs_status_free(st);
  vs_graph_free(g);
}

/* C-only rules of vs_colocate_with (Python's with-blocks cannot cross, so
 * TF has no text for them; TF's own behaviour is in conformance/placement). */

Test(placement, colocation_scope_exit_out_of_order_leaves_nothing)
{
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_output a = vs_constant_float(g, 1.0f, "a", st);
  vs_output b = vs_constant_float(g, 2.0f, "b", st);
  vs_colocation_scope *ca = vs_colocate_with(g, a.op, false, st);
  vs_colocation_scope *cb = vs_colocate_with(g, b.op, false, st);
  expect_ok(st);
  vs_colocation_scope_pop(g, ca, st);
  expect_err(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "Exiting colocation scope without proper scope nesting.");
  /* Nothing was left: both blocks still apply. */
  vs_output c = vs_constant_float(g, 3.0f, "c", st);
  const char *groups[4];
  cr_assert_eq(vs_op_colocation_groups(c.op, groups, 4), 2);
  cr_assert_str_eq(groups[0], "loc:@a");
  cr_assert_str_eq(groups[1], "loc:@b");
  vs_colocation_scope_pop(g, cb, st);
  expect_ok(st);
  vs_colocation_scope_pop(g, ca, st);
  expect_ok(st);
  vs_output d = vs_constant_float(g, 3.0f, "d", st);
  cr_assert_eq(vs_op_colocation_groups(d.op, groups, 4), 0);
  vs_colocation_scope_pop(g, ca, st);
  expect_err(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "Exiting colocation scope without proper scope nesting.");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, colocation_hides_and_restores_the_device_stack)
{
  /* Device scopes entered before the block are hidden inside it and back
   * after it; one entered inside must be left before the block is. */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_scope *outer = vs_device_scope_push(g, "/gpu:1", st);
  vs_colocation_scope *cn = vs_colocate_with(g, NULL, true, st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_device(vs_constant_float(g, 1.0f, "x", st).op), "");
  vs_device_scope_pop(g, outer, st);
  expect_err(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "Exiting device scope without proper scope nesting.");
  cr_assert(vs_device_push(g, "/cpu:0", st));
  vs_colocation_scope_pop(g, cn, st);
  expect_err(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "Exiting colocation scope without proper scope nesting.");
  cr_assert_str_eq(vs_op_device(vs_constant_float(g, 1.0f, "y", st).op), "/device:CPU:0");
  vs_device_pop(g, st);
  vs_colocation_scope_pop(g, cn, st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_device(vs_constant_float(g, 1.0f, "z", st).op), "/device:GPU:1");
  vs_device_scope_pop(g, outer, st);
  expect_ok(st);
  vs_status_free(st);
  vs_graph_free(g);
}

/* An op of another graph is copied when the block is entered: that graph
 * can be freed inside the block (ASan checks nothing reads it after). */
Test(placement, colocate_with_an_op_of_another_graph_outlives_it)
{
  vs_graph *g = vs_graph_new(), *h = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_device_push(h, "/device:CPU:0", st);
  vs_output a = vs_constant_float(h, 1.0f, "a", st);
  vs_device_pop(h, st);
  vs_colocation_scope *ignore = vs_colocate_with(h, a.op, false, st); /* "a" gets groups of its own */
  vs_output a2 = vs_constant_float(h, 1.0f, "a2", st);
  vs_colocation_scope_pop(h, ignore, st);
  expect_ok(st);
  vs_colocation_scope *c = vs_colocate_with(g, a2.op, false, st);
  expect_ok(st);
  cr_assert_not_null(c);
  vs_graph_free(h);
  vs_output b = vs_constant_float(g, 2.0f, "b", st);
  expect_ok(st);
  vs_colocation_scope_pop(g, c, st);
  expect_ok(st);
  const char *groups[2] = {0};
  cr_assert_eq(vs_op_colocation_groups(b.op, groups, 2), 1);
  cr_assert_str_eq(groups[0], "loc:@a"); /* a2's groups, not its name */
  cr_assert_str_eq(vs_op_device(b.op), "/device:CPU:0");
  vs_status_free(st);
  vs_graph_free(g);
}

Test(placement, colocate_with_refuses_bad_arguments)
{
  vs_graph *g = vs_graph_new(), *h = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_output other = vs_constant_float(h, 1.0f, "o", st);
  cr_assert_null(vs_colocate_with(NULL, other.op, false, st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_null(vs_colocate_with_var(g, NULL, false, st));
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  vs_colocation_scope_pop(g, NULL, st);
  cr_assert_eq(vs_status_code(st), VS_INVALID_ARGUMENT);
  cr_assert_eq(vs_op_colocation_groups(NULL, NULL, 0), 0);
  /* A block left open when the graph is freed is freed with the thread's state. */
  cr_assert_not_null(vs_colocate_with(g, NULL, true, st));
  vs_status_free(st);
  vs_graph_free(h);
  vs_graph_free(g);
}

static void coloc_worker_body(vs_graph *g, vs_op *a, vs_op **out)
{
  vs_status *st = vs_status_new();
  VS_WITH_COLOCATION(g, a, false, st) *out = vs_constant_float(g, 1.0f, "t", st).op;
  vs_status_free(st);
}

static void *coloc_worker(void *p)
{
  void **args = p;
  coloc_worker_body(args[0], args[1], args[2]);
  return NULL;
}

Test(placement, colocation_stack_is_per_thread)
{
  /* A block entered on one thread does not reach another's ops. */
  vs_graph *g = vs_graph_new();
  vs_status *st = vs_status_new();
  vs_output a = vs_constant_float(g, 1.0f, "a", st);
  vs_output b = vs_constant_float(g, 1.0f, "b", st);
  vs_colocation_scope *cb = vs_colocate_with(g, b.op, false, st);
  vs_op *made = NULL;
  void *args[3] = {g, a.op, &made};
  pthread_t th;
  cr_assert_eq(pthread_create(&th, NULL, coloc_worker, args), 0);
  pthread_join(th, NULL);
  const char *groups[2];
  cr_assert_eq(vs_op_colocation_groups(made, groups, 2), 1);
  cr_assert_str_eq(groups[0], "loc:@a");
  vs_colocation_scope_pop(g, cb, st);
  expect_ok(st);
  vs_status_free(st);
  vs_graph_free(g);
}
