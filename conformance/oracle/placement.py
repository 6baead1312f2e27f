"""Twins of conformance/cases/placement.c (spec §8.1-8.2, §11.15)."""
from .harness import case, tf


def canon(s):
    return tf.DeviceSpec.from_string(s).to_string()


@case
def canonical_device_strings(t):
    t.eq(canon("/gpu:0"), "/device:GPU:0")
    t.eq(canon("/cpu:*"), "/device:CPU:*")
    t.eq(canon("gpu:1/job:w"), "/job:w/device:GPU:1")
    t.eq(canon("/job:ps/task:0/device:GPU:1"), "/job:ps/task:0/device:GPU:1")
    t.eq(canon("/job:ps/replica:03/task:1"), "/job:ps/replica:3/task:1")
    t.eq(canon("/GPU:0"), "/device:GPU:0")


@case
def device_string_errors(t):
    t.raises(ValueError, lambda: canon("/gpu:0/cpu:0"), msg=t.pick(
        "Cannot specify multiple device types: /gpu:0/cpu:0",
        "Multiple device types are not allowed while parsing the device spec: /gpu:0/cpu:0."))
    t.raises(ValueError, lambda: canon("/foo:1"), msg=t.pick(
        "Unknown attribute: 'foo' in '/foo:1'",
        "Unknown attribute 'foo' is encountered while parsing the device spec: '/foo:1'."))


@case
def op_device_is_canonical(t):
    with tf.device("/cpu:0"):
        c = tf.constant(1., name="c")
    t.eq(c.op.device, "/device:CPU:0")


@case
def nested_device_scopes_merge_field_by_field(t):
    with tf.device("/job:ps"):
        with tf.device("/gpu:1"):
            a = tf.constant(1., name="a")
    t.eq(a.op.device, "/job:ps/device:GPU:1")
    got = []
    with tf.device("/device:GPU:0"):
        got.append(tf.constant(1., name="c").op.device)
        with tf.device("/job:worker"):
            got.append(tf.constant(1., name="c").op.device)
            with tf.device("/device:CPU:0"):
                got.append(tf.constant(1., name="c").op.device)
                with tf.device("/job:ps"):
                    got.append(tf.constant(1., name="c").op.device)
    t.eq(got, ["/device:GPU:0", "/job:worker/device:GPU:0", "/job:worker/device:CPU:0",
               "/job:ps/device:CPU:0"])
    with tf.device("/job:ps/task:0/gpu:0"):
        with tf.device("/job:worker"):
            d = tf.constant(1., name="d")
    t.eq(d.op.device, "/job:worker/task:0/device:GPU:0")


@case
def device_none_clears_enclosing_scopes(t):
    with tf.device("/gpu:0"):
        with tf.device(None):
            a = tf.constant(1., name="a")
    with tf.device(None):
        with tf.device("/cpu:0"):
            b = tf.constant(1., name="b")
    t.eq(a.op.device, "")
    t.eq(b.op.device, "/device:CPU:0")


@case
def device_functions_replace_and_see_inner_device(t):
    with tf.device(lambda op: "garbage"):
        a = tf.constant(1., name="a")
    with tf.device(lambda op: "/cpu:0" if op.device == "/device:GPU:0" else "/gpu:1"):
        with tf.device("/gpu:0"):
            b = tf.constant(1., name="b")
    with tf.device("/job:ps"):
        with tf.device(lambda op: "/gpu:0"):
            c = tf.constant(1., name="c")
    t.eq(a.op.device, "garbage")
    t.eq(b.op.device, "/cpu:0")
    t.eq(c.op.device, "/job:ps/device:GPU:0")


@case
def ops_on_a_variable_are_colocated(t):
    with tf.device("/job:ps/task:1"):
        v = tf.Variable(1., name="v")
    with tf.device("/gpu:0"):
        two = tf.constant(2., name="Const")
        a = v.assign(two)
    t.eq(a.op.device, "/job:ps/task:1")
    t.eq(v.initializer.device, "/job:ps/task:1")
    t.eq(v.value().op.device, "/job:ps/task:1")
    t.eq(two.op.device, "/device:GPU:0")


@case
def get_variable_initializer_ops_unplaced(t):
    with tf.device("/gpu:0"):
        v = tf.get_variable("v", [2, 3])
    t.eq(v.op.device, "/device:GPU:0")
    t.eq(v.initializer.device, "/device:GPU:0")
    t.eq(v.value().op.device, "/device:GPU:0")
    t.eq(v.initial_value.op.device, "")
    ru = tf.get_default_graph().get_operation_by_name("v/Initializer/random_uniform/RandomUniform")
    t.eq(ru.device, "")


@case
def caching_device_places_the_read(t):
    with tf.device("/gpu:0"):
        v = tf.get_variable("v", [1], caching_device="/cpu:0")
    t.eq(v.value().op.device, "/device:CPU:0")
    t.eq(v.op.device, "/device:GPU:0")


@case
def unknown_device_at_run_time_lists_the_devices(t):
    with tf.device("/device:GPU:7"):
        q = tf.Variable(1.0, name="q")
    with t.session() as s:
        e = t.raises("InvalidArgumentError", lambda: s.run(q.initializer),
                     fragment="Cannot assign a device for operation q: {{node q}} was explicitly assigned "
                              "to /device:GPU:7 but available devices are [ "
                              "/job:localhost/replica:0/task:0/device:")
        t.check(" ]. Make sure the device specification refers to a valid device." in e.message,
                "no device list end in %r" % e.message)
