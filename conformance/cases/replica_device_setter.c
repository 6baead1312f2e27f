/* conformance/cases/replica_device_setter.c - spec §8.3 and §11.16:
 * tf.compat.v1.train.replica_device_setter (TF >= 1.8 rules).
 * Twins: conformance/oracle/replica_device_setter.py. */
#include "common.h"

#define VSC_SUITE "replica_device_setter"

static const char *const ps_tasks[] = {"ps0:2222", "ps1:2222", NULL};
static const char *const worker_tasks[] = {"worker0:2222", "worker1:2222", "worker2:2222", NULL};
static const char *const one_worker[] = {"w0:1", NULL};
static const vs_cluster_job cluster[] = {{"ps", ps_tasks}, {"worker", worker_tasks}, {NULL, NULL}};

#define SETTER(name, ...)                                                                   \
  vs_device_setter *name = vs_replica_device_setter(g, &(vs_replica_setter_opts){__VA_ARGS__}, st); \
  OK();                                                                                     \
  EXPECT(name != NULL, "replica_device_setter returned None")

#define FVAR(v, n) VARIABLE(v, .name = n, .initial_value = vs_value_initializer(&(float){1.0f}, VS_FLOAT, 1, VS_UNKNOWN_SHAPE))

/* cluster = {"ps": ["ps0:2222", "ps1:2222"], "worker": ["worker0:2222", "worker1:2222", "worker2:2222"]}
 * with tf.device(tf.train.replica_device_setter(cluster=cluster)):
 *   v1 = tf.Variable(1., name="v1"); v2 = ...; v3 = ...
 *   v1.device -> "/job:ps/task:0", v2 -> "/job:ps/task:1", v3 -> "/job:ps/task:0"
 *   v1's Assign and read -> "/job:ps/task:0"; tf.constant(1., name="c").device -> "/job:worker"
 *   v1/initial_value (made inside Variable, before VariableV2) -> "/job:worker"
 *                                      spec 8.3.1, 8.3.2, 8.3.3, 8.3.4, 8.3.6, 11.16 (docstring) */
VSC_CASE(cluster_round_robin_over_variable_ops) {
  SETTER(rs, .cluster = cluster);
  EXPECT(vs_device_push_setter(g, rs, st), "push failed");
  FVAR(v1, "v1");
  FVAR(v2, "v2");
  FVAR(v3, "v3");
  CONSTF(c, 1.0f, "c");
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(vs_var_op(v1)), "/job:ps/task:0");
  STR_EQ(vs_op_device(vs_var_op(v2)), "/job:ps/task:1");
  STR_EQ(vs_op_device(vs_var_op(v3)), "/job:ps/task:0");
  STR_EQ(vs_op_device(vs_var_initializer_op(v1)), "/job:ps/task:0");
  STR_EQ(vs_op_device(vs_var_value(v1).op), "/job:ps/task:0");
  STR_EQ(vs_op_device(c.op), "/job:worker");
  STR_EQ(vs_op_device(vs_var_initial_value(v1).op), "/job:worker");
}

/* with tf.device(tf.train.replica_device_setter(ps_tasks=2)):
 *   v = tf.get_variable("v", [2, 3]) -> "/job:ps/task:0"; "v/Initializer/random_uniform" -> ""
 *                                                                 spec 8.3.5 */
VSC_CASE(get_variable_initializer_not_placed_by_setter) {
  SETTER(rs, .ps_tasks = 2);
  EXPECT(vs_device_push_setter(g, rs, st), "push failed");
  GETV(v, "v", .shape = VS_SHAPE(2, 3));
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(vs_var_op(v)), "/job:ps/task:0");
  STR_EQ(vs_op_device(vs_var_initial_value(v).op), "");
}

/* with tf.device(tf.train.replica_device_setter(ps_tasks=2, worker_device="/job:worker/task:1")):
 *   with tf.device("/gpu:0"):
 *     v = tf.Variable(1., name="v") -> "/job:ps/task:0/device:GPU:0"
 *     tf.constant(1., name="c") -> "/job:worker/task:1/device:GPU:0"     spec 8.3.8, 8.3.9 */
VSC_CASE(inner_device_merged_into_ps_and_worker) {
  SETTER(rs, .ps_tasks = 2, .worker_device = "/job:worker/task:1");
  EXPECT(vs_device_push_setter(g, rs, st) && vs_device_push(g, "/gpu:0", st), "push failed");
  FVAR(v, "v");
  CONSTF(c, 1.0f, "c");
  vs_device_pop(g, st);
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(vs_var_op(v)), "/job:ps/task:0/device:GPU:0");
  STR_EQ(vs_op_device(c.op), "/job:worker/task:1/device:GPU:0");
}

/* with tf.device(tf.train.replica_device_setter(ps_tasks=2, ps_device="/job:ps/cpu:0")):
 *   tf.Variable(1., name="a").device -> "/job:ps/task:0/device:CPU:0"; "b" -> ".../task:1/..."
 *                                                                  spec 8.3.10 */
VSC_CASE(ps_device_with_device_type) {
  SETTER(rs, .ps_tasks = 2, .ps_device = "/job:ps/cpu:0");
  EXPECT(vs_device_push_setter(g, rs, st), "push failed");
  FVAR(a, "a");
  FVAR(b, "b");
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(vs_var_op(a)), "/job:ps/task:0/device:CPU:0");
  STR_EQ(vs_op_device(vs_var_op(b)), "/job:ps/task:1/device:CPU:0");
}

/* with tf.device(tf.train.replica_device_setter(ps_tasks=2)):
 *   with tf.device("/job:worker"): a = tf.Variable(1., name="a")   -> "/job:worker" (no counter step)
 *   with tf.device("/job:ps/task:1"): b = tf.Variable(1., name="b") -> "/job:ps/task:1" (counter steps)
 *   c = tf.Variable(1., name="c")                                   -> "/job:ps/task:1"
 *                                                           spec 8.3.11, 8.3.12 (V115) */
VSC_CASE(counter_advances_only_for_the_ps_job) {
  SETTER(rs, .ps_tasks = 2);
  EXPECT(vs_device_push_setter(g, rs, st), "push failed");
  EXPECT(vs_device_push(g, "/job:worker", st), "push failed");
  FVAR(a, "a");
  vs_device_pop(g, st);
  EXPECT(vs_device_push(g, "/job:ps/task:1", st), "push failed");
  FVAR(b, "b");
  vs_device_pop(g, st);
  FVAR(c, "c");
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(vs_var_op(a)), "/job:worker");
  STR_EQ(vs_op_device(vs_var_op(b)), "/job:ps/task:1");
  STR_EQ(vs_op_device(vs_var_op(c)), "/job:ps/task:1");
}

/* with tf.device(tf.train.replica_device_setter(ps_tasks=2, merge_devices=False)):
 *   with tf.device("/gpu:0"): tf.Variable(1., name="v").device -> "/device:GPU:0" (kept)
 *                                                                  spec 8.3.13 */
VSC_CASE(no_merge_keeps_existing_device) {
  SETTER(rs, .ps_tasks = 2, .merge_devices = VS_OPT_FALSE);
  EXPECT(vs_device_push_setter(g, rs, st) && vs_device_push(g, "/gpu:0", st), "push failed");
  FVAR(v, "v");
  vs_device_pop(g, st);
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(vs_var_op(v)), "/device:GPU:0");
}

/* tf.train.replica_device_setter(cluster={"worker": ["w0:1"]}) -> None; ps_tasks=0 -> None
 * with tf.device("/gpu:0"): with tf.device(None): tf.constant(1., name="c").device -> ""
 *   (tf.device(None) clears the enclosing scopes, not a no-op)     spec 8.3.14 (derived) */
VSC_CASE(none_setter_clears_enclosing_scopes) {
  static const vs_cluster_job workers[] = {{"worker", one_worker}, {NULL, NULL}};
  vs_device_setter *a = vs_replica_device_setter(g, &(vs_replica_setter_opts){.cluster = workers}, st);
  OK();
  EXPECT(a == NULL, "a setter without a ps job is not None");
  vs_device_setter *b = vs_replica_device_setter(g, &(vs_replica_setter_opts){.ps_tasks = 0}, st);
  OK();
  EXPECT(b == NULL, "ps_tasks=0 is not None");
  EXPECT(vs_device_push(g, "/gpu:0", st) && vs_device_push_setter(g, a, st), "push failed");
  CONSTF(c, 1.0f, "c");
  vs_device_pop(g, st);
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(c.op), "");
}

static int64_t always_one(const vs_op *op, void *data, vs_status *st) { return 1; }

/* with tf.device(tf.train.replica_device_setter(ps_tasks=3, ps_strategy=lambda op: 1)):
 *   tf.Variable(1., name="a").device -> "/job:ps/task:1"; "b" -> "/job:ps/task:1"   spec 8.3.6 (strategy) */
VSC_CASE(custom_ps_strategy) {
  SETTER(rs, .ps_tasks = 3, .ps_strategy = always_one);
  EXPECT(vs_device_push_setter(g, rs, st), "push failed");
  FVAR(a, "a");
  FVAR(b, "b");
  vs_device_pop(g, st);
  STR_EQ(vs_op_device(vs_var_op(a)), "/job:ps/task:1");
  STR_EQ(vs_op_device(vs_var_op(b)), "/job:ps/task:1");
}

const vsc_case vsc_cases_replica_device_setter[] = {
    VSC_REG(cluster_round_robin_over_variable_ops, "8.3.1 8.3.2 8.3.3 8.3.4 8.3.6 11.16"),
    VSC_REG(get_variable_initializer_not_placed_by_setter, "8.3.5"),
    VSC_REG(inner_device_merged_into_ps_and_worker, "8.3.8 8.3.9"),
    VSC_REG(ps_device_with_device_type, "8.3.10"),
    VSC_REG(counter_advances_only_for_the_ps_job, "8.3.11 8.3.12"),
    VSC_REG(no_merge_keeps_existing_device, "8.3.13"),
    VSC_REG(none_setter_clears_enclosing_scopes, "8.3.14"),
    VSC_REG(custom_ps_strategy, "8.3.6"),
    {0},
};
