"""Twins of conformance/cases/replica_device_setter.c (spec §8.3, §11.16)."""
from .harness import case, tf

CLUSTER = {"ps": ["ps0:2222", "ps1:2222"],
           "worker": ["worker0:2222", "worker1:2222", "worker2:2222"]}
rds = tf.train.replica_device_setter


@case
def cluster_round_robin_over_variable_ops(t):
    with tf.device(rds(cluster=CLUSTER)):
        v1 = tf.Variable(1., name="v1")
        v2 = tf.Variable(1., name="v2")
        v3 = tf.Variable(1., name="v3")
        c = tf.constant(1., name="c")
    t.eq([v1.op.device, v2.op.device, v3.op.device],
         ["/job:ps/task:0", "/job:ps/task:1", "/job:ps/task:0"])
    t.eq(v1.initializer.device, "/job:ps/task:0")
    t.eq(v1.value().op.device, "/job:ps/task:0")
    t.eq(c.op.device, "/job:worker")
    t.eq(v1.initial_value.op.device, "/job:worker")


@case
def get_variable_initializer_not_placed_by_setter(t):
    with tf.device(rds(ps_tasks=2)):
        v = tf.get_variable("v", [2, 3])
    t.eq(v.op.device, "/job:ps/task:0")
    t.eq(v.initial_value.op.device, "")


@case
def inner_device_merged_into_ps_and_worker(t):
    with tf.device(rds(ps_tasks=2, worker_device="/job:worker/task:1")):
        with tf.device("/gpu:0"):
            v = tf.Variable(1., name="v")
            c = tf.constant(1., name="c")
    t.eq(v.op.device, "/job:ps/task:0/device:GPU:0")
    t.eq(c.op.device, "/job:worker/task:1/device:GPU:0")


@case
def ps_device_with_device_type(t):
    with tf.device(rds(ps_tasks=2, ps_device="/job:ps/cpu:0")):
        a = tf.Variable(1., name="a")
        b = tf.Variable(1., name="b")
    t.eq(a.op.device, "/job:ps/task:0/device:CPU:0")
    t.eq(b.op.device, "/job:ps/task:1/device:CPU:0")


@case
def counter_advances_only_for_the_ps_job(t):
    with tf.device(rds(ps_tasks=2)):
        with tf.device("/job:worker"):
            a = tf.Variable(1., name="a")
        with tf.device("/job:ps/task:1"):
            b = tf.Variable(1., name="b")
        c = tf.Variable(1., name="c")
    t.eq(a.op.device, "/job:worker")
    t.eq(b.op.device, "/job:ps/task:1")
    t.eq(c.op.device, "/job:ps/task:1")


@case
def no_merge_keeps_existing_device(t):
    with tf.device(rds(ps_tasks=2, merge_devices=False)):
        with tf.device("/gpu:0"):
            v = tf.Variable(1., name="v")
    t.eq(v.op.device, "/device:GPU:0")


@case
def none_setter_clears_enclosing_scopes(t):
    a = rds(cluster={"worker": ["w0:1"]})
    t.check(a is None, "a setter without a ps job is not None")
    t.check(rds(ps_tasks=0) is None, "ps_tasks=0 is not None")
    with tf.device("/gpu:0"):
        with tf.device(a):
            c = tf.constant(1., name="c")
    t.eq(c.op.device, "")


@case
def custom_ps_strategy(t):
    with tf.device(rds(ps_tasks=3, ps_strategy=lambda op: 1)):
        a = tf.Variable(1., name="a")
        b = tf.Variable(1., name="b")
    t.eq(a.op.device, "/job:ps/task:1")
    t.eq(b.op.device, "/job:ps/task:1")
