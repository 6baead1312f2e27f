/* conformance/cases/placement.c - spec §8.1-8.2: device strings, nested
 * tf.device merging, device functions, colocation; §11.15.
 * Twins: conformance/oracle/placement.py. */
#include "common.h"

#define VSC_SUITE "placement"

#define CANON(spec, want)                                                  \
  do {                                                                     \
    char b_[256];                                                          \
    vs_device_canonicalize((spec), b_, sizeof b_, st);                     \
    OK();                                                                  \
    STR_EQ(b_, want);                                                      \
  } while (0)

#define CANON_ERR(spec, msg)                                               \
  do {                                                                     \
    char b_[256];                                                          \
    vs_device_canonicalize((spec), b_, sizeof b_, st);                     \
    ERR(VS_INVALID_ARGUMENT, "ValueError", msg);                           \
  } while (0)

/* tf.DeviceSpec.from_string(s).to_string():
 *   "/gpu:0" -> "/device:GPU:0"; "/cpu:*" -> "/device:CPU:*"; "gpu:1/job:w" -> "/job:w/device:GPU:1"
 *   "/job:ps/task:0/device:GPU:1" round-trips; "/job:ps/replica:03/task:1" -> "/job:ps/replica:3/task:1"
 *   "/GPU:0" -> "/device:GPU:0"                                           spec 8.1 */
VSC_CASE(canonical_device_strings) {
  CANON("/gpu:0", "/device:GPU:0");
  CANON("/cpu:*", "/device:CPU:*");
  CANON("gpu:1/job:w", "/job:w/device:GPU:1");
  CANON("/job:ps/task:0/device:GPU:1", "/job:ps/task:0/device:GPU:1");
  CANON("/job:ps/replica:03/task:1", "/job:ps/replica:3/task:1");
  CANON("/GPU:0", "/device:GPU:0");
}

/* tf.DeviceSpec.from_string("/gpu:0/cpu:0") -> ValueError TF 2.x "Multiple device types are not
 *   allowed while parsing the device spec: /gpu:0/cpu:0." (TF 1.x "Cannot specify multiple device types: ...")
 * tf.DeviceSpec.from_string("/foo:1") -> ValueError TF 2.x "Unknown attribute 'foo' is encountered
 *   while parsing the device spec: '/foo:1'." (TF 1.x "Unknown attribute: 'foo' in '/foo:1'")   spec 8.1 */
VSC_CASE(device_string_errors) {
  CANON_ERR("/gpu:0/cpu:0", "Multiple device types are not allowed while parsing the device spec: /gpu:0/cpu:0.");
  CANON_ERR("/foo:1", "Unknown attribute 'foo' is encountered while parsing the device spec: '/foo:1'.");
}

/* with tf.device("/cpu:0"): tf.constant(1., name="c").device -> "/device:CPU:0"    spec 8.1 */
VSC_CASE(op_device_is_canonical) {
  EXPECT(vs_device_push(g, "/cpu:0", st), "push failed");
  CONSTF(c, 1.0f, "c");
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(c.op), "/device:CPU:0");
}

/* with tf.device("/job:ps"): with tf.device("/gpu:1"): op.device -> "/job:ps/device:GPU:1"
 * docstring chain "/device:GPU:0" > "/job:worker" > "/device:CPU:0" > "/job:ps":
 *   "/device:GPU:0", "/job:worker/device:GPU:0", "/job:worker/device:CPU:0", "/job:ps/device:CPU:0"
 * with tf.device("/job:ps/task:0/gpu:0"): with tf.device("/job:worker"):
 *   -> "/job:worker/task:0/device:GPU:0"                     spec 8.2.1, 8.2.2, 8.2.3, 11.15 */
VSC_CASE(nested_device_scopes_merge_field_by_field) {
  EXPECT(vs_device_push(g, "/job:ps", st) && vs_device_push(g, "/gpu:1", st), "push failed");
  CONSTF(a, 1.0f, "a");
  vs_device_pop(g, st);
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(a.op), "/job:ps/device:GPU:1");
  const char *chain[] = {"/device:GPU:0", "/job:worker", "/device:CPU:0", "/job:ps"};
  const char *want[] = {"/device:GPU:0", "/job:worker/device:GPU:0", "/job:worker/device:CPU:0",
                        "/job:ps/device:CPU:0"};
  for (int i = 0; i < 4; i++) {
    EXPECT(vs_device_push(g, chain[i], st), "push failed");
    CONSTF(c, 1.0f, "c");
    STR_EQ(vs_op_device(c.op), want[i]);
  }
  for (int i = 0; i < 4; i++) vs_device_pop(g, st);
  EXPECT(vs_device_push(g, "/job:ps/task:0/gpu:0", st) && vs_device_push(g, "/job:worker", st), "push failed");
  CONSTF(d, 1.0f, "d");
  vs_device_pop(g, st);
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(d.op), "/job:worker/task:0/device:GPU:0");
}

/* with tf.device("/gpu:0"): with tf.device(None): op.device -> ""
 * with tf.device(None): with tf.device("/cpu:0"): op.device -> "/device:CPU:0"   spec 8.2.4, 8.2.5, 11.15 */
VSC_CASE(device_none_clears_enclosing_scopes) {
  EXPECT(vs_device_push(g, "/gpu:0", st) && vs_device_push(g, NULL, st), "push failed");
  CONSTF(a, 1.0f, "a");
  vs_device_pop(g, st);
  vs_device_pop(g, st);
  EXPECT(vs_device_push(g, NULL, st) && vs_device_push(g, "/cpu:0", st), "push failed");
  CONSTF(b, 1.0f, "b");
  vs_device_pop(g, st);
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(a.op), "");
  STR_EQ(vs_op_device(b.op), "/device:CPU:0");
}

static const char *const_fn(const vs_op *op, void *data, vs_status *st) { return data; }

static const char *cpu_if_gpu(const vs_op *op, void *data, vs_status *st) {
  return strcmp(vs_op_device(op), "/device:GPU:0") == 0 ? "/cpu:0" : "/gpu:1";
}

/* with tf.compat.v1.device(lambda op: "garbage"): op.device -> "garbage" (replaced, not validated)
 * with tf.compat.v1.device(lambda op: "/cpu:0" if op.device == "/device:GPU:0" else "/gpu:1"):
 *   with tf.device("/gpu:0"): op.device -> "/cpu:0"  (the inner string first; the function has the last word)
 * with tf.device("/job:ps"): with tf.compat.v1.device(lambda op: "/gpu:0"): op.device -> "/job:ps/device:GPU:0"
 *                                                             spec 8.2.6, 8.2.7, 11.15 */
VSC_CASE(device_functions_replace_and_see_inner_device) {
  EXPECT(vs_device_push_fn(g, const_fn, "garbage", st), "push failed");
  CONSTF(a, 1.0f, "a");
  vs_device_pop(g, st);
  EXPECT(vs_device_push_fn(g, cpu_if_gpu, NULL, st) && vs_device_push(g, "/gpu:0", st), "push failed");
  CONSTF(b, 1.0f, "b");
  vs_device_pop(g, st);
  vs_device_pop(g, st);
  EXPECT(vs_device_push(g, "/job:ps", st) && vs_device_push_fn(g, const_fn, "/gpu:0", st), "push failed");
  CONSTF(c, 1.0f, "c");
  vs_device_pop(g, st);
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(a.op), "garbage");
  STR_EQ(vs_op_device(b.op), "/cpu:0");
  STR_EQ(vs_op_device(c.op), "/job:ps/device:GPU:0");
}

/* with tf.device("/job:ps/task:1"): v = tf.Variable(1., name="v")
 * with tf.device("/gpu:0"): a = v.assign(2.)
 *   a.op.device -> "/job:ps/task:1"; v.initializer.device, v.value().device -> "/job:ps/task:1"
 *                                                                  spec 8.2.8, 8.2.9 */
VSC_CASE(ops_on_a_variable_are_colocated) {
  EXPECT(vs_device_push(g, "/job:ps/task:1", st), "push failed");
  VARIABLE(v, .name = "v", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  vs_device_pop(g, st);
  EXPECT(vs_device_push(g, "/gpu:0", st), "push failed");
  CONSTF(two, 2.0f, "Const");
  vs_output a = vs_assign(g, v, two, NULL, st);
  OK();
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(a.op), "/job:ps/task:1");
  STR_EQ(vs_op_device(vs_var_initializer_op(v)), "/job:ps/task:1");
  STR_EQ(vs_op_device(vs_var_value(v).op), "/job:ps/task:1");
  STR_EQ(vs_op_device(two.op), "/device:GPU:0");
}

/* with tf.device("/gpu:0"): v = tf.get_variable("v", [2, 3])
 *   v.device, v.initializer.device, v.value().device -> "/device:GPU:0"
 *   v/Initializer/random_uniform(.device) -> ""  (built under device(None))   spec 8.2.10 */
VSC_CASE(get_variable_initializer_ops_unplaced) {
  EXPECT(vs_device_push(g, "/gpu:0", st), "push failed");
  GETV(v, "v", .shape = VS_SHAPE(2, 3));
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(vs_var_op(v)), "/device:GPU:0");
  STR_EQ(vs_op_device(vs_var_initializer_op(v)), "/device:GPU:0");
  STR_EQ(vs_op_device(vs_var_value(v).op), "/device:GPU:0");
  STR_EQ(vs_op_device(vs_var_initial_value(v).op), "");
  vs_op *ru = vs_graph_operation_by_name(g, "v/Initializer/random_uniform/RandomUniform");
  EXPECT(ru != NULL, "no RandomUniform op");
  STR_EQ(vs_op_device(ru), "");
}

/* with tf.device("/gpu:0"): v = tf.get_variable("v", [1], caching_device="/cpu:0")
 *   v.value().device -> "/device:CPU:0"; v.device -> "/device:GPU:0"        spec 8.2.11 */
VSC_CASE(caching_device_places_the_read) {
  EXPECT(vs_device_push(g, "/gpu:0", st), "push failed");
  GETV(v, "v", .shape = VS_SHAPE(1), .caching_device = "/cpu:0");
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(vs_var_value(v).op), "/device:CPU:0");
  STR_EQ(vs_op_device(vs_var_op(v)), "/device:GPU:0");
}

/* with tf.device("/device:GPU:7"): q = tf.Variable(1.0, name="q")
 * sess.run(q.initializer) -> InvalidArgumentError "Cannot assign a device for operation q: {{node q}}
 *   was explicitly assigned to /device:GPU:7 but available devices are [ <every local device by full
 *   name> ]. Make sure the device specification refers to a valid device." (TF 2.21 on a CPU-only
 *   machine lists "/job:localhost/replica:0/task:0/device:CPU:0"; varscope lists each OpenCL device
 *   by its typed and its CL name)                                       spec 8.1 */
VSC_CASE(unknown_device_at_run_time_lists_the_devices) {
  EXPECT(vs_device_push(g, "/device:GPU:7", st), "push failed");
  VARIABLE(q, .name = "q", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  vs_device_pop(g, st);
  SESSION(s);
  size_t n = vs_num_devices(st);
  OK();
  char want[2048];
  size_t len = (size_t)snprintf(want, sizeof want,
                                "Cannot assign a device for operation q: {{node q}} was explicitly assigned to "
                                "/device:GPU:7 but available devices are [ ");
  const char *sep = "";
  for (size_t i = 0; i < n && len < sizeof want; i++) {
    vs_device_info in;
    vs_device_get_info(i, &in, st);
    OK();
    if (strcmp(in.name, "/device:GPU:7") == 0) {
      vsc_skip(t, "this machine has a /device:GPU:7");
      return;
    }
    const char *names[2] = {in.name, in.cl_name};
    for (int k = 0; k < 2 && len < sizeof want; k++) {
      if (!names[k][0]) continue;
      len += (size_t)snprintf(want + len, sizeof want - len, "%s/job:localhost/replica:0/task:0%s", sep, names[k]);
      sep = ", ";
    }
  }
  if (len < sizeof want)
    snprintf(want + len, sizeof want - len, " ]. Make sure the device specification refers to a valid device.");
  vs_op *init = vs_var_initializer_op(q);
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  ERR(VS_INVALID_ARGUMENT, "InvalidArgumentError", want);
}

const vsc_case vsc_cases_placement[] = {
    VSC_REG(canonical_device_strings, "8.1"),
    VSC_REG(device_string_errors, "8.1"),
    VSC_REG(op_device_is_canonical, "8.1"),
    VSC_REG(nested_device_scopes_merge_field_by_field, "8.2.1 8.2.2 8.2.3 11.15"),
    VSC_REG(device_none_clears_enclosing_scopes, "8.2.4 8.2.5 11.15"),
    VSC_REG(device_functions_replace_and_see_inner_device, "8.2.6 8.2.7 11.15"),
    VSC_REG(ops_on_a_variable_are_colocated, "8.2.8 8.2.9"),
    VSC_REG(get_variable_initializer_ops_unplaced, "8.2.10"),
    VSC_REG(caching_device_places_the_read, "8.2.11"),
    VSC_REG(unknown_device_at_run_time_lists_the_devices, "8.1 X.device_list"),
    {0},
};
