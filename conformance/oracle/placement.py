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


def class_attr(op):
    """op.get_attr("_class") as strings; [] when the op has none."""
    try:
        return [x.decode() for x in op.get_attr("_class")]
    except ValueError:
        return []


@case
def colocate_with_takes_the_device_and_hides_device_scopes(t):
    with tf.device("/job:ps/task:1"):
        a = tf.constant(1., name="a")
    b = tf.constant(2., name="b")
    with tf.device("/gpu:0"):
        with tf.colocate_with(a.op):
            c = tf.constant(3., name="c")
            with tf.device("/cpu:0"):
                d = tf.constant(3., name="d")
            with tf.colocate_with(b.op):
                e = tf.constant(3., name="e")
            with tf.colocate_with(b.op, ignore_existing=True):
                f = tf.constant(3., name="f")
        with tf.colocate_with(b.op):
            h = tf.constant(3., name="h")
            with tf.device("/cpu:0"):
                h2 = tf.constant(3., name="h2")
        with tf.colocate_with(c.op):
            i = tf.constant(3., name="i")
        with tf.colocate_with(None, ignore_existing=True):
            j = tf.constant(3., name="j")
        k = tf.constant(3., name="k")
    want = [(a, "/job:ps/task:1", []), (b, "", []), (c, "/job:ps/task:1", ["loc:@a"]),
            (d, "/job:ps/task:1", ["loc:@a"]), (e, "/job:ps/task:1", ["loc:@a", "loc:@b"]),
            (f, "", ["loc:@b"]), (h, "", ["loc:@b"]), (h2, "/device:CPU:0", ["loc:@b"]),
            (i, "/job:ps/task:1", ["loc:@a"]), (j, "", []), (k, "/device:GPU:0", [])]
    for x, dev, groups in want:
        t.eq(x.op.device, dev, x.op.name + " device")
        t.eq(class_attr(x.op), groups, x.op.name + " _class")
    t.eq(b.op.colocation_groups(), [b"loc:@b"])


@case
def colocate_with_none_requires_ignore_existing(t):
    def enter():
        with tf.colocate_with(None):
            pass
    t.raises(ValueError, enter, msg="Trying to reset colocation (op is None) but ignore_existing is not True")


@case
def variable_ops_carry_their_colocation_class(t):
    with tf.device("/job:ps/task:0"):
        u = tf.get_variable("u", [2])
        w = tf.Variable(1., name="w")
        x = tf.Variable(lambda: tf.zeros_initializer()([2]), name="x", dtype=tf.float32)
    z = tf.get_variable("z", [2], caching_device="/cpu:0")
    g = tf.get_default_graph()
    for n in ["u/Initializer/random_uniform/shape", "u/Initializer/random_uniform/RandomUniform",
              "u/Initializer/random_uniform"]:
        t.eq(g.get_operation_by_name(n).device, "", n + " device")
        t.eq(class_attr(g.get_operation_by_name(n)), ["loc:@u"], n + " _class")
    for op in [u.op, u.initializer, u.value().op]:
        t.eq(op.device, "/job:ps/task:0", op.name + " device")
        t.eq(class_attr(op), ["loc:@u"], op.name + " _class")
    t.eq(class_attr(w.op), [], "w _class")
    t.eq(class_attr(w.initial_value.op), [], "w/initial_value _class")
    t.eq(class_attr(w.initializer), ["loc:@w"], "w/Assign _class")
    t.eq(class_attr(w.value().op), ["loc:@w"], "w/read _class")
    t.eq(x.initial_value.op.name, "x/Initializer/zeros")
    t.eq(x.initial_value.op.device, "")
    t.eq(class_attr(x.initial_value.op), ["loc:@x"])
    t.eq(x.op.device, "/job:ps/task:0")
    t.eq(class_attr(x.op), ["loc:@x"])
    t.eq(z.value().op.device, "/device:CPU:0")
    t.eq(class_attr(z.value().op), [], "z/read _class")
    t.eq(class_attr(z.op), ["loc:@z"], "z _class")
    with tf.device("/gpu:0"):
        asg = u.assign([1., 2.])
        ini = tf.is_variable_initialized(u)
        rd = u.read_value()
        with tf.colocate_with(w.op):
            add = u.assign_add([1., 2.])
    t.eq(asg.op.device, "/job:ps/task:0")
    t.eq(class_attr(asg.op), ["loc:@u"])
    t.eq(ini.op.device, "/job:ps/task:0")
    t.eq(class_attr(ini.op), ["loc:@u"])
    t.eq(rd.op.device, "/device:GPU:0")
    t.eq(class_attr(rd.op), [])
    t.eq(add.op.device, "/job:ps/task:0")
    t.eq(class_attr(add.op), ["loc:@u", "loc:@w"])


@case
def variables_built_under_colocate_with(t):
    with tf.device("/job:ps/task:1"):
        a = tf.constant(1., name="a")
    with tf.device("/gpu:0"):
        with tf.colocate_with(a.op):
            v = tf.get_variable("v", [2])
            w = tf.Variable(1., name="w")
    g = tf.get_default_graph()
    for n in ["v/Initializer/random_uniform/RandomUniform", "v/Initializer/random_uniform", "v", "v/Assign",
              "v/read", "w/initial_value", "w", "w/Assign", "w/read"]:
        op = g.get_operation_by_name(n)
        t.eq(op.device, "/job:ps/task:1", n + " device")
        t.eq(class_attr(op), ["loc:@a"], n + " _class")


@case
def variables_inside_colocate_with_get_the_hidden_device_stack(t):
    b = tf.constant(1., name="b")
    with tf.device("/job:ps"):
        with tf.colocate_with(b.op):
            r = tf.get_variable("r", [1], use_resource=False)
            h = tf.get_variable("h", [1], use_resource=True)
            v = tf.Variable(1., name="v")
            w = tf.Variable(1., name="w", use_resource=True)
            with tf.device("/device:CPU:2"):
                i = tf.get_variable("i", [1])
    with tf.colocate_with(None, ignore_existing=True):
        with tf.device("/job:w"):
            with tf.colocate_with(b.op):
                n = tf.get_variable("n", [1])
    with tf.device("/job:ps"):
        with tf.variable_scope("q"):
            with tf.colocate_with(b.op):
                q = tf.get_variable("x", [1])
        with tf.colocate_with(b.op):
            with tf.variable_scope("p"):
                p = tf.get_variable("x", [1])
    devs = ["/job:ps", "/job:ps", "/job:ps", "/job:ps", "/device:CPU:2", "", "/job:ps", ""]
    for k, x in enumerate([r, h, v, w, i, n, q, p]):
        t.eq(x.op.device, devs[k], x.op.name + " device")
        t.eq(class_attr(x.op), ["loc:@b"], x.op.name + " _class")
        t.eq(x.initializer.device, devs[k], x.initializer.name + " device")
        t.eq(class_attr(x.initializer), [] if k in (1, 3) else ["loc:@b"], x.initializer.name + " _class")


@case
def colocate_with_an_op_of_another_graph(t):
    g1 = tf.Graph()
    with g1.as_default():
        with tf.device("/device:CPU:0"):
            a = tf.constant(1., name="a")
    with tf.colocate_with(a.op):
        b = tf.constant(2., name="b")
    t.eq(b.op.device, "/device:CPU:0")
    t.eq(class_attr(b.op), ["loc:@a"])
    with t.session() as s:
        t.near(float(s.run(b)), 2.0, 0)


@case
def colocation_follows_the_class_of_the_colocated_op(t):
    w = tf.Variable(1., name="w")
    with tf.colocate_with(w.op):
        q = tf.identity(w.value(), name="q")
    with tf.colocate_with(w.value().op):
        q2 = tf.identity(w.value(), name="q2")
    with tf.colocate_with(q2.op):
        q3 = tf.identity(w.value(), name="q3")
    for x in [q, q2, q3]:
        t.eq(class_attr(x.op), ["loc:@w"], x.op.name + " _class")


@case
def regularizer_is_colocated_with_its_variable(t):
    with tf.device("/gpu:0"):
        r = tf.get_variable("r", [2], regularizer=lambda x: tf.identity(x, name="loss"))
    g = tf.get_default_graph()
    op = g.get_operation_by_name("r/Regularizer/loss")
    t.eq(op.device, "/device:GPU:0")
    t.eq(class_attr(op), ["loc:@r"])
    t.eq(r.op.device, "/device:GPU:0")


@case
def colocate_with_hides_device_functions(t):
    seen = []

    def record(op):
        seen.append(op.name)
        return "/device:GPU:1"
    b = tf.constant(2., name="b")
    with tf.device(record):
        a = tf.constant(1., name="a")
        with tf.colocate_with(b.op):
            c = tf.constant(3., name="c")
            with tf.device(record):
                d = tf.constant(3., name="d")
        e = tf.constant(3., name="e")
    t.eq(seen, ["a", "d", "e"])
    t.eq([x.op.device for x in [a, c, d, e]], ["/device:GPU:1", "", "/device:GPU:1", "/device:GPU:1"])
    t.eq([class_attr(x.op) for x in [a, c, d, e]], [[], ["loc:@b"], ["loc:@b"], []])
