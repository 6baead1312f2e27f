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

/* op.get_attr("_class") joined by ' ' ("" when the op has none). */
static const char *class_attr(const vs_op *op, char *buf, size_t cap) {
  const char *groups[8];
  size_t n = vs_op_colocation_groups(op, groups, 8), len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && i < 8 && len < cap; i++)
    len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? " " : "", groups[i]);
  return buf;
}

/* The op's device and _class. */
#define COLOC(op, dev, groups)                                                  \
  do {                                                                          \
    char cb_[256];                                                              \
    EXPECT((op) != NULL, "%s is NULL", #op);                                    \
    STR_EQ(vs_op_device(op), dev);                                              \
    STR_EQ(class_attr((op), cb_, sizeof cb_), groups);                          \
  } while (0)

#define COLOC_PUSH(h, op, ignore)                                               \
  vs_colocation_scope *h = vs_colocate_with(g, (op), (ignore), st);             \
  OK();                                                                         \
  EXPECT(h != NULL, "colocate_with returned NULL")

#define COLOC_POP(h)      \
  do {                    \
    vs_colocation_scope_pop(g, (h), st); \
    OK();                 \
  } while (0)

/* with tf.device("/job:ps/task:1"): a = tf.constant(1., name="a")
 * b = tf.constant(2., name="b")
 * with tf.device("/gpu:0"):
 *   with tf.colocate_with(a.op): c; with tf.device("/cpu:0"): d
 *                                with tf.colocate_with(b.op): e
 *                                with tf.colocate_with(b.op, ignore_existing=True): f
 *   with tf.colocate_with(b.op): h; with tf.device("/cpu:0"): h2
 *   with tf.colocate_with(c.op): i
 *   with tf.colocate_with(None, ignore_existing=True): j
 *   k
 *   c, d, i -> "/job:ps/task:1" ["loc:@a"]; e -> "/job:ps/task:1" ["loc:@a", "loc:@b"];
 *   f, h -> "" ["loc:@b"]; h2 -> "/device:CPU:0" ["loc:@b"]; j -> "" (no _class);
 *   k -> "/device:GPU:0"                                               spec 8.2.8 */
VSC_CASE(colocate_with_takes_the_device_and_hides_device_scopes) {
  EXPECT(vs_device_push(g, "/job:ps/task:1", st), "push failed");
  CONSTF(a, 1.0f, "a");
  vs_device_pop(g, st);
  CONSTF(b, 2.0f, "b");
  EXPECT(vs_device_push(g, "/gpu:0", st), "push failed");
  COLOC_PUSH(ca, a.op, false);
  CONSTF(c, 3.0f, "c");
  EXPECT(vs_device_push(g, "/cpu:0", st), "push failed");
  CONSTF(d, 3.0f, "d");
  vs_device_pop(g, st);
  COLOC_PUSH(cb, b.op, false);
  CONSTF(e, 3.0f, "e");
  COLOC_POP(cb);
  COLOC_PUSH(cb2, b.op, true);
  CONSTF(f, 3.0f, "f");
  COLOC_POP(cb2);
  COLOC_POP(ca);
  COLOC_PUSH(cb3, b.op, false);
  CONSTF(h, 3.0f, "h");
  EXPECT(vs_device_push(g, "/cpu:0", st), "push failed");
  CONSTF(h2, 3.0f, "h2");
  vs_device_pop(g, st);
  COLOC_POP(cb3);
  COLOC_PUSH(cc, c.op, false);
  CONSTF(i, 3.0f, "i");
  COLOC_POP(cc);
  COLOC_PUSH(cn, NULL, true);
  CONSTF(j, 3.0f, "j");
  COLOC_POP(cn);
  CONSTF(k, 3.0f, "k");
  vs_device_pop(g, st);
  OK();
  COLOC(a.op, "/job:ps/task:1", "");
  COLOC(b.op, "", "");
  COLOC(c.op, "/job:ps/task:1", "loc:@a");
  COLOC(d.op, "/job:ps/task:1", "loc:@a");
  COLOC(e.op, "/job:ps/task:1", "loc:@a loc:@b");
  COLOC(f.op, "", "loc:@b");
  COLOC(h.op, "", "loc:@b");
  COLOC(h2.op, "/device:CPU:0", "loc:@b");
  COLOC(i.op, "/job:ps/task:1", "loc:@a");
  COLOC(j.op, "", "");
  COLOC(k.op, "/device:GPU:0", "");
  INT_EQ(vs_op_colocation_groups(b.op, NULL, 0), 0);
}

/* with tf.colocate_with(None): -> ValueError "Trying to reset colocation (op is None) but
 *   ignore_existing is not True"                                        spec 8.2.8 */
VSC_CASE(colocate_with_none_requires_ignore_existing) {
  vs_colocation_scope *h = vs_colocate_with(g, NULL, false, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Trying to reset colocation (op is None) but ignore_existing is not True");
  EXPECT(h == NULL, "a scope was entered");
}

/* with tf.device("/job:ps/task:0"): u = tf.get_variable("u", [2]); w = tf.Variable(1., name="w")
 * z = tf.get_variable("z", [2], caching_device="/cpu:0")
 *   u/Initializer/random_uniform/{shape,RandomUniform,} -> "" ["loc:@u"]
 *   u, u/Assign, u/read -> "/job:ps/task:0" ["loc:@u"]
 *   w, w/initial_value -> no _class; w/Assign, w/read -> ["loc:@w"]
 *   x = tf.Variable(lambda: tf.zeros_initializer()([2]), name="x", dtype=tf.float32) (inside the same
 *   device scope): x/Initializer/zeros -> "" ["loc:@x"]; x -> "/job:ps/task:0" ["loc:@x"]
 *   z/read -> "/device:CPU:0", no _class; z -> ["loc:@z"]
 * with tf.device("/gpu:0"): u.assign(..), tf.is_variable_initialized(u) -> "/job:ps/task:0" ["loc:@u"];
 *   u.read_value() -> "/device:GPU:0", no _class;
 *   with tf.colocate_with(w.op): u.assign_add(..) -> "/job:ps/task:0" ["loc:@u", "loc:@w"]
 *                                                                spec 8.2.9 8.2.10 8.2.11 */
VSC_CASE(variable_ops_carry_their_colocation_class) {
  EXPECT(vs_device_push(g, "/job:ps/task:0", st), "push failed");
  GETV(u, "u", .shape = VS_SHAPE(2));
  VARIABLE(w, .name = "w", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  VARIABLE(x, .name = "x", .initial_value = vs_zeros_initializer(), .shape = VS_SHAPE(2), .dtype = VS_FLOAT);
  vs_device_pop(g, st);
  GETV(z, "z", .shape = VS_SHAPE(2), .caching_device = "/cpu:0");
  const char *init_ops[] = {"u/Initializer/random_uniform/shape", "u/Initializer/random_uniform/RandomUniform",
                            "u/Initializer/random_uniform"};
  for (int n = 0; n < 3; n++) COLOC(vs_graph_operation_by_name(g, init_ops[n]), "", "loc:@u");
  COLOC(vs_var_op(u), "/job:ps/task:0", "loc:@u");
  COLOC(vs_var_initializer_op(u), "/job:ps/task:0", "loc:@u");
  COLOC(vs_var_value(u).op, "/job:ps/task:0", "loc:@u");
  COLOC(vs_var_op(w), "/job:ps/task:0", "");
  COLOC(vs_var_initial_value(w).op, "/job:ps/task:0", "");
  COLOC(vs_var_initializer_op(w), "/job:ps/task:0", "loc:@w");
  COLOC(vs_var_value(w).op, "/job:ps/task:0", "loc:@w");
  STR_EQ(vs_op_name(vs_var_initial_value(x).op), "x/Initializer/zeros");
  COLOC(vs_var_initial_value(x).op, "", "loc:@x");
  COLOC(vs_var_op(x), "/job:ps/task:0", "loc:@x");
  COLOC(vs_var_value(z).op, "/device:CPU:0", "");
  COLOC(vs_var_op(z), "", "loc:@z");
  EXPECT(vs_device_push(g, "/gpu:0", st), "push failed");
  float two[2] = {1.0f, 2.0f};
  vs_output val = vs_constant(g, two, VS_FLOAT, VS_SHAPE(2), NULL, st);
  vs_output asg = vs_assign(g, u, val, NULL, st);
  vs_output ini = vs_is_variable_initialized(g, u, st);
  vs_output rd = vs_read_value(g, u, st);
  COLOC_PUSH(cw, vs_var_op(w), false);
  vs_output add = vs_assign_add(g, u, val, NULL, st);
  COLOC_POP(cw);
  vs_device_pop(g, st);
  OK();
  COLOC(asg.op, "/job:ps/task:0", "loc:@u");
  COLOC(ini.op, "/job:ps/task:0", "loc:@u");
  COLOC(rd.op, "/device:GPU:0", "");
  COLOC(add.op, "/job:ps/task:0", "loc:@u loc:@w");
}

/* with tf.device("/job:ps/task:1"): a = tf.constant(1., name="a")
 * with tf.device("/gpu:0"): with tf.colocate_with(a.op):
 *   v = tf.get_variable("v", [2]); w = tf.Variable(1., name="w")
 *   every op of v and w (initializer ops included) -> "/job:ps/task:1" ["loc:@a"]   spec 8.2.8 8.2.10 */
VSC_CASE(variables_built_under_colocate_with) {
  EXPECT(vs_device_push(g, "/job:ps/task:1", st), "push failed");
  CONSTF(a, 1.0f, "a");
  vs_device_pop(g, st);
  EXPECT(vs_device_push(g, "/gpu:0", st), "push failed");
  COLOC_PUSH(ca, a.op, false);
  GETV(v, "v", .shape = VS_SHAPE(2));
  VARIABLE(w, .name = "w", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  COLOC_POP(ca);
  vs_device_pop(g, st);
  OK();
  const char *names[] = {"v/Initializer/random_uniform/RandomUniform", "v/Initializer/random_uniform", "v",
                         "v/Assign", "v/read", "w/initial_value", "w", "w/Assign", "w/read"};
  for (int n = 0; n < 9; n++) COLOC(vs_graph_operation_by_name(g, names[n]), "/job:ps/task:1", "loc:@a");
}

/* w = tf.Variable(1., name="w")
 * with tf.colocate_with(w.op): q = tf.identity(w.value(), name="q")
 * with tf.colocate_with(w.value().op): q2 = ...; with tf.colocate_with(q2.op): q3 = ...
 *   q, q2, q3 -> ["loc:@w"] (an op's groups are its _class entries)   spec 8.2.8 */
VSC_CASE(colocation_follows_the_class_of_the_colocated_op) {
  VARIABLE(w, .name = "w", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  COLOC_PUSH(c1, vs_var_op(w), false);
  vs_output q = vs_identity(g, vs_var_value(w), "q", st);
  COLOC_POP(c1);
  COLOC_PUSH(c2, vs_var_value(w).op, false);
  vs_output q2 = vs_identity(g, vs_var_value(w), "q2", st);
  COLOC_POP(c2);
  COLOC_PUSH(c3, q2.op, false);
  vs_output q3 = vs_identity(g, vs_var_value(w), "q3", st);
  COLOC_POP(c3);
  OK();
  COLOC(q.op, "", "loc:@w");
  COLOC(q2.op, "", "loc:@w");
  COLOC(q3.op, "", "loc:@w");
}

/* b = tf.constant(1., name="b")   (no device)
 * with tf.device("/job:ps"): with tf.colocate_with(b.op):
 *   r = get_variable("r", [1], use_resource=False); h = get_variable("h", [1], use_resource=True)
 *   v = tf.Variable(1., name="v"); w = tf.Variable(1., name="w", use_resource=True)
 *   with tf.device("/device:CPU:2"): i = get_variable("i", [1])
 * with tf.colocate_with(None, ignore_existing=True): with tf.device("/job:w"): with tf.colocate_with(b.op):
 *   n = get_variable("n", [1])
 * with tf.device("/job:ps"):
 *   with tf.variable_scope("q"): with tf.colocate_with(b.op): q = get_variable("x", [1])
 *   with tf.colocate_with(b.op): with tf.variable_scope("p"): p = get_variable("x", [1])
 *   op and initializer: r, h, v, w, q/x -> "/job:ps"; i -> "/device:CPU:2"; n, p/x -> "" (init_scope
 *   restores the device stack current when the innermost as_default() was entered, which variable_scope
 *   also enters: not one entered inside colocate_with); _class ["loc:@b"], none on a resource variable's
 *   AssignVariableOp                                                                    X.colocation_init_scope */
VSC_CASE(variables_inside_colocate_with_get_the_hidden_device_stack) {
  CONSTF(b, 1.0f, "b");
  EXPECT(vs_device_push(g, "/job:ps", st), "push failed");
  COLOC_PUSH(c1, b.op, false);
  GETV(r, "r", .shape = VS_SHAPE(1), .use_resource = VS_OPT_FALSE);
  GETV(h, "h", .shape = VS_SHAPE(1), .use_resource = VS_OPT_TRUE);
  VARIABLE(v, .name = "v", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE));
  VARIABLE(w, .name = "w", .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE),
           .use_resource = VS_OPT_TRUE);
  EXPECT(vs_device_push(g, "/device:CPU:2", st), "push failed");
  GETV(i, "i", .shape = VS_SHAPE(1));
  vs_device_pop(g, st);
  OK();
  COLOC_POP(c1);
  vs_device_pop(g, st);
  OK();
  COLOC_PUSH(c2, NULL, true);
  EXPECT(vs_device_push(g, "/job:w", st), "push failed");
  COLOC_PUSH(c3, b.op, false);
  GETV(n, "n", .shape = VS_SHAPE(1));
  COLOC_POP(c3);
  vs_device_pop(g, st);
  OK();
  COLOC_POP(c2);
  EXPECT(vs_device_push(g, "/job:ps", st), "push failed");
  VSCOPE(sq, "q");
  COLOC_PUSH(c4, b.op, false);
  GETV(q, "x", .shape = VS_SHAPE(1));
  COLOC_POP(c4);
  VPOP(sq);
  COLOC_PUSH(c5, b.op, false);
  VSCOPE(sp, "p");
  GETV(p, "x", .shape = VS_SHAPE(1));
  VPOP(sp);
  COLOC_POP(c5);
  vs_device_pop(g, st);
  OK();
  vs_var *const vars[] = {r, h, v, w, i, n, q, p};
  const char *const devs[] = {"/job:ps", "/job:ps", "/job:ps", "/job:ps", "/device:CPU:2", "", "/job:ps", ""};
  for (int k = 0; k < 8; k++) {
    COLOC(vs_var_op(vars[k]), devs[k], "loc:@b");
    COLOC(vs_var_initializer_op(vars[k]), devs[k], (k == 1 || k == 3) ? "" : "loc:@b");
  }
}

/* g1 = tf.Graph(); in g1: with tf.device("/device:CPU:0"): a = tf.constant(1., name="a")
 * in the case's graph: with tf.colocate_with(a.op): b = tf.constant(2., name="b")
 *   accepted: b -> "/device:CPU:0" ["loc:@a"]; this graph has no op "a", so the session places b by its
 *   device: sess.run(b) -> 2.0                                                       X.colocation_foreign */
VSC_CASE(colocate_with_an_op_of_another_graph) {
  vs_graph *g1 = vs_graph_new();
  vs_output a = {0};
  if (vs_device_push(g1, "/device:CPU:0", st)) {
    a = vs_constant(g1, (float[]){1.0f}, VS_FLOAT, VS_SCALAR, "a", st);
    vs_device_pop(g1, st);
  }
  vs_colocation_scope *c = a.op ? vs_colocate_with(g, a.op, false, st) : NULL;
  vs_graph_free(g1); /* the block keeps a copy of a's groups and device */
  OK();
  EXPECT(c != NULL, "colocate_with returned NULL");
  CONSTF(b, 2.0f, "b");
  COLOC_POP(c);
  COLOC(b.op, "/device:CPU:0", "loc:@a");
  SESSION(s);
  FETCH(bv, s, b);
  NEAR(FLOATS(bv)[0], 2.0, 0);
}

static vs_output loss_identity(vs_graph *g, vs_var *v, void *data, vs_status *st) {
  return vs_identity(g, vs_var_value(v), "loss", st);
}

/* with tf.device("/gpu:0"):
 *   r = tf.get_variable("r", [2], regularizer=lambda x: tf.identity(x, name="loss"))
 *   r/Regularizer/loss -> "/device:GPU:0" ["loc:@r"] (built under colocate_with(r))   spec 6.2.11 8.2.8 */
VSC_CASE(regularizer_is_colocated_with_its_variable) {
  EXPECT(vs_device_push(g, "/gpu:0", st), "push failed");
  GETV(r, "r", .shape = VS_SHAPE(2), .regularizer = loss_identity);
  vs_device_pop(g, st);
  COLOC(vs_graph_operation_by_name(g, "r/Regularizer/loss"), "/device:GPU:0", "loc:@r");
  STR_EQ(vs_op_device(vs_var_op(r)), "/device:GPU:0");
}

/* A device function recording the ops it places. */
static const char *record_gpu1(const vs_op *op, void *data, vs_status *st) {
  char *seen = data;
  size_t len = strlen(seen);
  snprintf(seen + len, 256 - len, "%s%s", len ? " " : "", vs_op_name(op));
  return "/device:GPU:1";
}

/* b = tf.constant(2., name="b")
 * with tf.device(record):  (returns "/device:GPU:1", records the op's name)
 *   a; with tf.colocate_with(b.op): c; with tf.device(record): d
 *   e
 *   record saw a, d, e (not c); devices "/device:GPU:1", "", "/device:GPU:1", "/device:GPU:1";
 *   _class of c and d ["loc:@b"]                                  spec 8.2.6 8.2.8 */
VSC_CASE(colocate_with_hides_device_functions) {
  char seen[256] = "";
  CONSTF(b, 2.0f, "b");
  EXPECT(vs_device_push_fn(g, record_gpu1, seen, st), "push failed");
  CONSTF(a, 1.0f, "a");
  COLOC_PUSH(cb, b.op, false);
  CONSTF(c, 3.0f, "c");
  EXPECT(vs_device_push_fn(g, record_gpu1, seen, st), "push failed");
  CONSTF(d, 3.0f, "d");
  vs_device_pop(g, st);
  COLOC_POP(cb);
  CONSTF(e, 3.0f, "e");
  vs_device_pop(g, st);
  OK();
  STR_EQ(seen, "a d e");
  COLOC(a.op, "/device:GPU:1", "");
  COLOC(c.op, "", "loc:@b");
  COLOC(d.op, "/device:GPU:1", "loc:@b");
  COLOC(e.op, "/device:GPU:1", "");
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
    VSC_REG(colocate_with_takes_the_device_and_hides_device_scopes, "8.2.8 X.colocation"),
    VSC_REG(colocate_with_none_requires_ignore_existing, "X.colocation"),
    VSC_REG(variable_ops_carry_their_colocation_class, "8.2.9 8.2.10 8.2.11 X.colocation"),
    VSC_REG(variables_built_under_colocate_with, "8.2.8 8.2.10 X.colocation"),
    VSC_REG(variables_inside_colocate_with_get_the_hidden_device_stack, "X.colocation X.colocation_init_scope"),
    VSC_REG(colocation_follows_the_class_of_the_colocated_op, "X.colocation"),
    VSC_REG(colocate_with_an_op_of_another_graph, "X.colocation X.colocation_foreign"),
    VSC_REG(regularizer_is_colocated_with_its_variable, "6.2.11 X.colocation"),
    VSC_REG(colocate_with_hides_device_functions, "8.2.6 8.2.8 X.colocation"),
    {0},
};
