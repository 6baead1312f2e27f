"""Twins of conformance/cases/variable_api.c (issue 12, items 4-8)."""
import threading

from .harness import case, tf

SYNC = tf.VariableSynchronization
AGG = tf.VariableAggregation


def _num(e):
    return int(getattr(e, "value", e))


@case
def sync_agg_invalid_modes_name_the_variable(t):
    with tf.variable_scope("s"):
        t.raises(ValueError, lambda: tf.get_variable("a", [1], synchronization=7, aggregation=9),
                 msg="Invalid variable aggregation mode: 9 for variable: s/a")
        t.raises(ValueError, lambda: tf.get_variable("a", [1], synchronization=7),
                 msg="Invalid variable synchronization mode: 7 for variable: s/a")
        t.raises(ValueError, lambda: tf.get_local_variable("a", [1], aggregation=4),
                 msg="Invalid variable aggregation mode: 4 for variable: s/a")
    t.raises(ValueError, lambda: tf.Variable(1.0, synchronization=7),
             msg="Invalid variable synchronization mode: 7 for variable: None")
    t.raises(ValueError, lambda: tf.Variable(1.0, aggregation=-1, name="f"),
             msg="Invalid variable aggregation mode: -1 for variable: f")
    t.eq(t.collection(tf.GraphKeys.GLOBAL_VARIABLES), "")


@case
def on_read_makes_trainable_default_false(t):
    d = tf.get_variable("d", [1], synchronization=SYNC.ON_READ)
    t.check(not d.trainable, "an ON_READ variable is trainable")
    t.eq(d.synchronization, SYNC.ON_READ)
    t.eq(d.aggregation, AGG.NONE)
    e = tf.get_variable("e", [1], aggregation=AGG.MEAN)
    t.check(e.trainable, "an AUTO variable is not trainable")
    t.eq(e.synchronization, SYNC.AUTO)
    t.eq(e.aggregation.name, "MEAN")
    c = tf.get_variable("c", [1], synchronization=SYNC.ON_READ, trainable=True)
    t.check(c.trainable, "an explicit trainable=True was dropped")
    l = tf.get_local_variable("l", [1], synchronization=SYNC.ON_WRITE, aggregation=AGG.SUM)
    t.eq(l.synchronization.name, "ON_WRITE")
    t.eq(l.aggregation.name, "SUM")
    h = tf.Variable(1.0, synchronization=SYNC.ON_READ, name="h")
    t.check(not h.trainable, "an ON_READ tf.Variable is trainable")
    t.eq(h.synchronization, SYNC.ON_READ)
    t.eq(t.collection(tf.GraphKeys.TRAINABLE_VARIABLES), "e:0 c:0")


def clip01(x):
    return x


def times2(x):
    return tf.multiply(x, tf.constant(2.0, name="c"), name="mul")


def _args_getter(log):
    def getter(getter, name, *a, **kw):
        c = kw["constraint"]
        log.append("%s %s %s trainable=%d constraint=%s" % (
            name, kw["synchronization"].name, kw["aggregation"].name, int(kw["trainable"]),
            "clip" if c is clip01 else ("other" if c else "None")))
        return getter(name, *a, **kw)
    return getter


@case
def getter_receives_sync_agg_constraint(t):
    log = []
    with tf.variable_scope("t", custom_getter=_args_getter(log)):
        tf.get_variable("x", [1])
        y = tf.get_variable("y", [1], synchronization=SYNC.ON_READ, aggregation=AGG.SUM,
                            constraint=clip01)
    t.eq("; ".join(log), "t/x AUTO NONE trainable=1 constraint=None; "
                         "t/y ON_READ SUM trainable=0 constraint=clip")
    t.eq(y.aggregation, AGG.SUM)


@case
def constraint_kept_on_variable_not_inherited(t):
    j = tf.get_variable("j", [1], constraint=clip01)
    t.check(j.constraint is clip01, "j's constraint")
    with tf.variable_scope("s", constraint=times2) as s:
        t.check(s.constraint is times2, "the scope's constraint")
        k = tf.get_variable("k", [1])
        t.check(k.constraint is times2, "k did not inherit it")
        m = tf.get_variable("m", [1], constraint=clip01)
        t.check(m.constraint is clip01, "the argument did not override the scope")
        with tf.variable_scope("in") as inner:
            n = tf.get_variable("n", [1])
            t.check(n.constraint is None, "a sub-scope inherited the constraint")
            t.check(inner.constraint is None, "the sub-scope has a constraint")
    with tf.variable_scope(s) as s2:
        t.check(s2.constraint is None, "re-entering kept the constraint")
        o = tf.get_variable("o", [1])
        t.check(o.constraint is None, "re-entering kept the constraint")
    with tf.variable_scope("s", reuse=True):
        k2 = tf.get_variable("k", [1], constraint=clip01)
    t.check(k2 is k and k.constraint is times2, "reuse changed the constraint")
    w = tf.Variable(1.0, constraint=clip01)
    u = tf.Variable(1.0)
    t.check(w.constraint is clip01, "tf.Variable's constraint")
    t.check(u.constraint is None, "a constraint appeared")


@case
def constraint_projects_the_read_value(t):
    init = tf.constant([1., -2.], name="init")
    v = tf.get_variable("v", initializer=init, constraint=times2)
    p = v.constraint(v)
    t.eq(p.name, "mul:0")
    t.eq(p.op.inputs[0].name, "v/read:0")
    u = tf.get_variable("u", [1])
    t.check(u.constraint is None, "u has a constraint")
    with t.session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(p)
    t.eq(list(out), [2.0, -4.0])


def _log_creator(log):
    def creator(next_creator, **kw):
        tr = kw["trainable"]
        log.append("%s trainable=%s sync=%d" % (
            kw["name"], "None" if tr is None else str(bool(tr)), _num(kw["synchronization"])))
        return next_creator(**kw)
    return creator


@case
def creator_sees_each_variable_and_raw_arguments(t):
    log = []
    with tf.variable_creator_scope(_log_creator(log)):
        q = tf.get_variable("q", [1])
        a = tf.Variable(1.0, synchronization=SYNC.ON_READ)
        with tf.name_scope("ns"):
            b = tf.Variable(1.0)
        t.raises(ValueError, lambda: tf.Variable(1.0, synchronization=7),
                 msg="Invalid variable synchronization mode: 7 for variable: None")
    t.eq(q.name, "q:0")
    t.eq(a.name, "Variable:0")
    t.eq(b.name, "ns/Variable:0")
    t.eq("; ".join(log), "q trainable=True sync=0; None trainable=None sync=3; "
                         "None trainable=None sync=0; None trainable=None sync=7")
    before = list(log)
    tf.Variable(1.0)
    t.eq(log, before)


@case
def creator_rewrites_arguments_innermost_first(t):
    def rn(next_creator, **kw):
        kw["name"] = "renamed"
        kw["trainable"] = False
        return next_creator(**kw)

    with tf.variable_creator_scope(rn):
        v = tf.get_variable("orig", [1])
    t.eq(v.name, "renamed:0")
    t.check(not v.trainable, "the creator's trainable=False was ignored")
    t.eq(t.collection(tf.GraphKeys.TRAINABLE_VARIABLES), "")
    with tf.variable_scope("", reuse=True):
        w = tf.get_variable("orig", [1])
    t.check(w is v, "the store does not know the variable as orig")
    log = []

    def outer(next_creator, **kw):
        log.append("o" if kw["name"] == "o" else "?")
        return next_creator(**kw)

    def inner(next_creator, **kw):
        log.append("inner")
        return next_creator(**kw)

    with tf.variable_creator_scope(outer):
        with tf.variable_creator_scope(inner):
            tf.Variable(1.0, name="o")
    t.eq(" ".join(log) + " ", "inner o ")


@case
def creator_scope_exit_out_of_order(t):
    log = []
    a = tf.variable_creator_scope(_log_creator(log))
    b = tf.variable_creator_scope(_log_creator(log))
    a.__enter__()
    b.__enter__()
    t.raises(RuntimeError, lambda: a.__exit__(None, None, None),
             msg="Exiting variable_creator_scope without proper nesting.")
    b.__exit__(None, None, None)


@case
def scope_setters_caching_device_and_regularizer(t):
    with tf.variable_scope("sc") as s:
        t.check(s.caching_device is None and s.regularizer is None and s.constraint is None
                and s.custom_getter is None, "a new scope has defaults")
        s.set_caching_device("/cpu:0")
        t.eq(s.caching_device, "/cpu:0")
        v = tf.get_variable("cd", [1])
        t.eq(v.value().device, "/device:CPU:0")

        def l2ish(var):
            return tf.identity(var.value(), name="loss")

        s.set_regularizer(l2ish)
        t.check(s.regularizer is l2ish, "the regularizer was not set")
        tf.get_variable("rg", [1])
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    t.eq(len(losses), 1)
    t.eq(losses[0].op.name, "sc/rg/Regularizer/loss")
    with tf.variable_scope(s):
        v2 = tf.get_variable("cd2", [1])
    t.eq(v2.value().device, "/device:CPU:0")
    s.set_caching_device(None)
    with tf.variable_scope(s):
        v3 = tf.get_variable("cd3", [1])
    t.eq(v3.value().device, "")


@case
def scope_set_custom_getter_replaces_chain(t):
    o = []
    with tf.variable_scope("cg", custom_getter=_args_getter(o)) as s:
        s.set_custom_getter(None)
        t.check(s.custom_getter is None, "set_custom_getter(None) kept a getter")
        o2 = []
        g2 = _args_getter(o2)
        s.set_custom_getter(g2)
        t.check(s.custom_getter is g2, "the getter read back")
        tf.get_variable("x", [1])
        t.eq("; ".join(o), "")
        t.eq("; ".join(o2), "cg/x AUTO NONE trainable=1 constraint=None")
        with tf.variable_scope("in", custom_getter=_args_getter(o)):
            tf.get_variable("y", [1])
        t.eq("; ".join(o), "cg/in/y AUTO NONE trainable=1 constraint=None")
        t.eq("; ".join(o2), "cg/x AUTO NONE trainable=1 constraint=None; "
                            "cg/in/y AUTO NONE trainable=1 constraint=None")


@case
def add_to_collections_each_key_once(t):
    v = tf.get_variable("v", [1])
    tf.add_to_collections(["k1", "k2", "k1"], v)
    tf.add_to_collections("k3", v)
    t.eq(t.collection("k1"), "v:0")
    t.eq(t.collection("k2"), "v:0")
    t.eq(t.collection("k3"), "v:0")
    tf.add_to_collections(["ops", "ops"], v.op)
    t.eq(len(tf.get_collection("ops")), 1)


@case
def strip_and_prepend_name_scope(t):
    from tensorflow.python.framework import ops
    strip, prepend = ops.strip_name_scope, ops.prepend_name_scope
    for name, scope, want in [("foo/bar", "foo", "bar"), ("^foo/bar", "foo", "^bar"),
                              ("loc:@foo/bar", "foo", "loc:@bar"), ("foo/bar", "", "foo/bar"),
                              ("foob/bar", "foo", "foob/bar"), ("x/foo/bar", "foo", "x/foo/bar"),
                              ("foo/bar", "foo/", "bar"), ("foo//bar:0", "foo", "bar:0"),
                              ("foo", "foo", "foo"), ("foo_1/bar", "foo", "foo_1/bar"),
                              ("fxo/bar", "f.o", "bar")]:
        t.eq(strip(name, scope), want, "strip(%r, %r)" % (name, scope))
    for name, scope, want in [("bar", "foo", "foo/bar"), ("^bar", "foo", "^foo/bar"),
                              ("loc:@bar", "foo", "loc:@foo/bar"), ("bar", "", "bar"),
                              ("bar", "foo/", "foo/bar")]:
        t.eq(prepend(name, scope), want, "prepend(%r, %r)" % (name, scope))


@case
def device_scope_exit_out_of_order(t):
    g = tf.get_default_graph()
    d1 = g.device("/cpu:0")
    d2 = g.device("/gpu:0")
    d1.__enter__()
    d2.__enter__()
    t.raises(RuntimeError, lambda: d1.__exit__(None, None, None),
             msg="Exiting device scope without proper scope nesting.")
    a = tf.constant(1.0, name="a")
    t.eq(a.device, "/device:GPU:0")
    d2.__exit__(None, None, None)
    b = tf.constant(1.0, name="b")
    t.eq(b.device, "/device:CPU:0")


def ident(getter, name, *a, **kw):
    return tf.identity(getter(name, *a, **kw), name="ident")


def sum2(getter, name, *a, **kw):
    return getter(name + "_a", *a, **kw) + getter(name + "_b", *a, **kw)


@case
def getter_returns_identity_tensor(t):
    with tf.variable_scope("s", custom_getter=ident):
        r = tf.get_variable("v", [1])
        t.check(not isinstance(r, tf.Variable), "a variable was returned for a tensor")
        t.eq(r.name, "ident:0")
        t.eq(r.op.type, "Identity")
        t.eq(r.op.inputs[0].name, "s/v/read:0")
        tf.get_variable("w", [1])  # a tensor in Python; the C case's variable-only call fails
    t.eq(t.collection(tf.GraphKeys.GLOBAL_VARIABLES), "s/v:0 s/w:0")
    with tf.variable_scope("s", reuse=True, custom_getter=ident):
        q = tf.get_variable("v", [1])
    t.eq(q.name, "ident_2:0")
    t.eq(q.op.inputs[0].name, "s/v/read:0")
    t.eq(t.collection(tf.GraphKeys.GLOBAL_VARIABLES), "s/v:0 s/w:0")


@case
def getter_returns_sum_of_two_variables(t):
    with tf.variable_scope("u", custom_getter=sum2):
        r = tf.get_variable("w", [2])
    t.check(not isinstance(r, tf.Variable), "a variable was returned for a tensor")
    t.eq(r.name, "add:0")
    t.eq(r.op.type, "AddV2")
    t.eq(r.op.inputs[0].name, "u/w_a/read:0")
    t.eq(r.op.inputs[1].name, "u/w_b/read:0")
    t.eq(str(r.shape), "(2,)")
    t.eq(t.collection(tf.GraphKeys.TRAINABLE_VARIABLES), "u/w_a:0 u/w_b:0")
    x = tf.get_variable("x", [1])
    t.eq(x.name, "x:0")
    t.eq(x.value().name, "x/read:0")


@case
def composed_getters_hand_tensors_to_each_other(t):
    with tf.variable_scope("c1", custom_getter=ident):
        with tf.variable_scope("c2", custom_getter=sum2):
            r = tf.get_variable("w", [2])
        t.eq(r.name, "add:0")
        a, b = r.op.inputs
        t.eq(a.name, "ident:0")
        t.eq(b.name, "ident_1:0")
        t.eq(a.op.inputs[0].name, "c1/c2/w_a/read:0")
        t.eq(b.op.inputs[0].name, "c1/c2/w_b/read:0")
        log = []
        with tf.variable_scope("c3", custom_getter=_args_getter(log)):
            z = tf.get_variable("z", [1])  # a tensor in Python; C's variable-only call fails
        t.eq(z.name, "ident_2:0")
    t.eq("; ".join(log), "c1/c3/z AUTO NONE trainable=1 constraint=None")


@case
def name_scope_values_checks_graphs(t):
    c = tf.constant(1.0, name="c")
    g2 = tf.Graph()
    with g2.as_default():
        d = tf.constant(2.0, name="d")
    e = "At least one of name (None) and default_name (None) must be provided."

    def enter(*a, **k):
        with tf.name_scope(*a, **k) as s:
            return s

    t.raises(ValueError, lambda: enter(None, None, values=[c]), msg=e)
    t.raises(ValueError, lambda: enter(None, None, values=[]), msg=e)
    t.eq(enter(None, "D", values=[c]), "D/")
    t.raises(ValueError, lambda: enter("s", values=[c, d]),
             head='Tensor("d:0", shape=(), dtype=float32) must be from the same graph as '
                  'Tensor("c:0", shape=(), dtype=float32) (graphs are ')
    # values=[d] alone: TF makes g2 the default graph in the block; the C call refuses
    # (docs/differences.md), so the twin does not enter it.
    v = tf.get_variable("v", [1])
    t.eq(enter("s", values=[v.value(), c]), "s/")


@case
def container_is_per_graph_across_threads(t):
    g = tf.get_default_graph()
    probe = {}

    def body():
        with g.as_default():
            probe["t"] = tf.Variable(1., name="t")

    with tf.container("c1"):
        th = threading.Thread(target=body)
        th.start()
        th.join()
    u = tf.Variable(1., name="u")
    t.check("t" in probe, "the thread made no variable")
    t.eq(probe["t"].op.get_attr("container"), b"c1")
    t.eq(u.op.get_attr("container"), b"")


@case
def container_sets_the_variable_op_attribute(t):
    w = tf.Variable(1., name="w")
    with tf.container("ctr"):
        c = tf.Variable(2., name="c")
        v = tf.get_variable("v", [1], initializer=tf.ones_initializer())
        k = tf.constant(1., name="k")
        with tf.container("inner"):
            i = tf.Variable(1., name="i")
        with tf.container(""):
            d = tf.Variable(1., name="d")
    t.eq(w.op.get_attr("container"), b"")
    t.eq(c.op.get_attr("container"), b"ctr")
    t.eq(v.op.get_attr("container"), b"ctr")
    t.eq(i.op.get_attr("container"), b"inner")
    t.eq(d.op.get_attr("container"), b"")
    t.raises(ValueError, lambda: k.op.get_attr("container"), fragment="container")
    t.eq(c.name, "c:0")
    t.eq(v.name, "v:0")
    with t.session() as s:
        s.run(tf.global_variables_initializer())
        t.eq(float(s.run(c)), 2.0)
        t.eq(float(s.run(v)[0]), 1.0)


# ---- partitioned variables (issue 12 item 1) ----

PART_READ_X = [0.483940959, 0.506203055, 0.255143762, 0.12474227, 0.933010101, 0.664609313,
               0.483940959, 0.506203055, 0.255143762, 0.12474227]
PART_READ_W_ROW0 = [-0.404281527, 0.651280165, -0.696343184, -0.404281527, 0.651280165, -0.696343184]


@case
def partitioned_variable_parts_and_slice_info(t):
    x = tf.get_variable("x", [10, 3], partitioner=tf.fixed_size_partitioner(3))
    t.eq(type(x).__name__, "PartitionedVariable")
    t.eq(x.name, "x")
    t.eq(str(x.get_shape()), "(10, 3)")
    t.eq(x.dtype, tf.float32)
    t.eq(x._get_partitions(), [3, 1])
    parts = list(x)
    t.eq([p.name for p in parts], ["x/part_0:0", "x/part_1:0", "x/part_2:0"])
    t.eq([str(p.shape) for p in parts], ["(4, 3)", "(3, 3)", "(3, 3)"])
    specs = [p._get_save_slice_info().spec for p in parts]
    t.eq(specs, ["10 3 0,4:0,3", "10 3 4,3:0,3", "10 3 7,3:0,3"])
    si = parts[1]._get_save_slice_info()
    t.eq((si.full_name, si.full_shape, si.var_offset, si.var_shape), ("x", [10, 3], [4, 0], [3, 3]))
    t.eq(t.collection(tf.GraphKeys.GLOBAL_VARIABLES), "x/part_0:0 x/part_1:0 x/part_2:0")
    t.eq(t.collection(tf.GraphKeys.TRAINABLE_VARIABLES), "x/part_0:0 x/part_1:0 x/part_2:0")
    g = tf.get_default_graph()
    t.eq(g.get_operation_by_name("x/part_0/Initializer/random_uniform").type, "AddV2")
    a = tf.convert_to_tensor(x)
    b = x.as_tensor()
    t.eq(a.name, "x:0")
    t.eq(a.op.type, "Identity")
    t.eq(str(a.shape), "(10, 3)")
    concat = a.op.inputs[0].op
    t.eq(concat.name, "x/ConcatPartitions/concat")
    t.eq(concat.type, "ConcatV2")
    t.eq([i.name for i in concat.inputs],
         ["x/part_0/read:0", "x/part_1/read:0", "x/part_2/read:0", "x/ConcatPartitions/concat/axis:0"])
    t.eq(b.name, "x_1:0")
    t.eq(b.op.inputs[0].op.name, "x/ConcatPartitions/concat_1")
    one = tf.get_variable("one", [1, 3], partitioner=tf.fixed_size_partitioner(3))
    t.eq(one._get_partitions(), [1, 1])
    t.eq([p.name for p in one], ["one/part_0:0"])
    o = tf.convert_to_tensor(one)
    t.eq(o.name, "one:0")
    t.eq(o.op.inputs[0].name, "one/part_0/read:0")


@case
def partitioned_variable_reads_concatenate_tf_values(t):
    x = tf.get_variable("x", [5, 2], partitioner=tf.fixed_size_partitioner(2),
                        initializer=tf.random_uniform_initializer(0., 1., seed=7))
    w = tf.get_variable("w", [4, 6], partitioner=tf.fixed_size_partitioner(2, axis=1),
                        initializer=tf.glorot_uniform_initializer(seed=1))
    t.eq([str(p.shape) for p in w], ["(4, 3)", "(4, 3)"])
    g = tf.get_default_graph()
    # partition_info: glorot's fans come from the full shape (4, 6), not the part's.
    t.near(g.get_operation_by_name("w/part_0/Initializer/random_uniform/max").get_attr("value").float_val[0],
           0.774596691, 1e-9)
    a = tf.convert_to_tensor(x)
    c = tf.convert_to_tensor(w)
    with t.session() as s:
        s.run(tf.global_variables_initializer())
        va = s.run(a).ravel()
        vc = s.run(c)
    for got, want in zip(va, PART_READ_X):
        t.eq("%.9g" % got, "%.9g" % want)
    for got, want in zip(vc[0], PART_READ_W_ROW0):
        t.eq("%.9g" % got, "%.9g" % want)


@case
def partitioned_variable_slices_value_and_tensor_initializers(t):
    import numpy as np
    g = tf.get_default_graph()
    c = tf.constant([[1., 2.], [3., 4.], [5., 6.]], name="c")
    x = tf.get_variable("x", initializer=c, partitioner=tf.fixed_size_partitioner(2))
    t.eq(str(x.get_shape()), "(3, 2)")
    t.eq([str(p.shape) for p in x], ["(2, 2)", "(1, 2)"])
    sl = g.get_operation_by_name("x/part_1/PartitionedInitializer/Slice")
    t.eq(sl.type, "Slice")
    t.eq([i.name for i in sl.inputs], ["c:0", "x/part_1/PartitionedInitializer/Slice/begin:0",
                                       "x/part_1/PartitionedInitializer/Slice/size:0"])
    t.eq(str(sl.outputs[0].shape), "(1, 2)")
    t.eq(g.get_operation_by_name("x/part_1/Assign").inputs[1].name, "x/part_1/PartitionedInitializer/Slice:0")
    i = tf.get_variable("i", initializer=tf.constant([1, 2, 3, 4, 5], name="ci"),
                        partitioner=tf.fixed_size_partitioner(3))
    t.eq(i.dtype, tf.int32)
    t.eq([str(p.shape) for p in i], ["(2,)", "(2,)", "(1,)"])
    v = tf.get_variable("v", [2, 3], initializer=np.arange(6, dtype=np.float32).reshape(2, 3),
                        partitioner=tf.fixed_size_partitioner(2, axis=1))
    t.eq([str(p.shape) for p in v], ["(2, 2)", "(2, 1)"])
    t.eq(g.get_operation_by_name("v/part_1/PartitionedInitializer/Slice").inputs[0].name,
         "v/part_1/PartitionedInitializer/Const:0")
    t.raises(ValueError, lambda: tf.get_variable("m", [4], initializer=tf.constant([1., 2., 3.], name="c3"),
                                                 partitioner=tf.fixed_size_partitioner(2)),
             msg="Shapes (4,) and (3,) are not compatible")
    t.raises(ValueError, lambda: tf.get_variable("n", initializer=np.array([1., 2.], np.float32),
                                                 partitioner=tf.fixed_size_partitioner(2)),
             msg="Shape of a new partitioned variable must be fully defined, but instead was <unknown>.")
    t.raises(ValueError, lambda: tf.get_variable("k", [3], initializer=tf.constant_initializer([1., 2., 3.]),
                                                 partitioner=tf.fixed_size_partitioner(2)),
             msg="Too many elements provided. Takes at most 2, but got 3.")
    with t.session() as s:
        s.run(tf.global_variables_initializer())
        xs = s.run(list(x) + [tf.convert_to_tensor(x)])
        iv = s.run(tf.convert_to_tensor(i))
        vs = s.run(list(v) + [tf.convert_to_tensor(v)])
    t.eq([a.tolist() for a in xs], [[[1., 2.], [3., 4.]], [[5., 6.]], [[1., 2.], [3., 4.], [5., 6.]]])
    t.eq(iv.tolist(), [1, 2, 3, 4, 5])
    t.eq([a.tolist() for a in vs], [[[0., 1.], [3., 4.]], [[2.], [5.]], [[0., 1., 2.], [3., 4., 5.]]])


@case
def partitioned_variable_reuse_and_errors(t):
    p3 = tf.fixed_size_partitioner(3)
    x = tf.get_variable("x", [10, 3], partitioner=p3)
    t.raises(ValueError, lambda: tf.get_variable("x", [10, 3], partitioner=p3),
             msg="Partitioned variable with name x already exists. Did you mean to set reuse=True or "
                 "reuse=tf.AUTO_REUSE in VarScope?")
    t.raises(ValueError, lambda: tf.get_variable("x", [10, 3]),
             msg="No partitioner was provided, but a partitioned version of the variable was found: x/part_0. "
                 "Perhaps a variable of the same name was already created with partitioning?")
    t.e1(lambda: tf.get_variable("x/part_0", [4, 3]), "x/part_0")
    tf.get_variable("plain", [4])
    t.raises(ValueError, lambda: tf.get_variable("plain", [4], partitioner=p3),
             msg="A partitioner was provided, but an unpartitioned version of the variable was found: plain.  "
                 "Perhaps a variable of the same name was already created without partitioning?")
    t.raises(ValueError, lambda: tf.get_variable("s", partitioner=p3),
             msg="Shape of a new partitioned variable must be fully defined, but instead was <unknown>.")
    s = tf.get_variable("s", [], partitioner=p3)
    t.eq(type(s).__name__, "RefVariable")
    t.eq(s.name, "s:0")
    t.raises(ValueError, lambda: tf.get_variable("z", [4, 4], partitioner=lambda shape, dtype: [2, 2]),
             msg="Can only slice a variable along one dimension: shape: (4, 4), partitioning: [2, 2]")
    t.raises(ValueError, lambda: tf.get_variable("z", [4, 4], partitioner=lambda shape, dtype: [0, 1]),
             msg="Partitioner returned zero partitions for some axes: [0, 1]")
    with tf.variable_scope("", reuse=True):
        t.check(tf.get_variable("x", [10, 3], partitioner=p3) is x, "reuse returns the same variable")
        t.raises(ValueError, lambda: tf.get_variable("x", [10, 3], partitioner=tf.fixed_size_partitioner(2)),
                 msg="Trying to reuse partitioned variable x, but specified partitions [2, 1] and found "
                     "partitions [3, 1].")
        t.raises(ValueError, lambda: tf.get_variable("x", [10, 4], partitioner=p3),
                 msg="Trying to reuse partitioned variable x, but specified shape (10, 4) and found shape (10, 3).")
        t.raises(ValueError, lambda: tf.get_variable("x", [10, 3], dtype=tf.int32, partitioner=p3),
                 msg="Trying to reuse partitioned variable x, but specified dtype int32 and found dtype float32.")
        t.raises(ValueError, lambda: tf.get_variable("nope", [10, 3], partitioner=p3),
                 msg="PartitionedVariable nope does not exist, or was not created with tf.get_variable(). Did "
                     "you mean to set reuse=False or reuse=tf.AUTO_REUSE in VarScope?")
    with tf.variable_scope("", reuse=tf.AUTO_REUSE):
        t.check(tf.get_variable("x", [10, 3], partitioner=p3) is x, "AUTO_REUSE returns the same variable")
    tf.get_variable("m/part_0", [2, 2])
    t.raises(ValueError, lambda: tf.get_variable("m", [4, 2], partitioner=tf.fixed_size_partitioner(2)),
             msg="Partitioner returned a different partitioning than what was already found.  Partitioner "
                 "returned 2 shards, and shard m/part_0 was found, but m/part_1 was not.")
    tf.get_variable("k/part_0", [2, 2])
    tf.get_variable("k/part_1", [2, 2])
    t.raises(ValueError, lambda: tf.get_variable("k", [2, 2], partitioner=tf.fixed_size_partitioner(1)),
             msg="Partitioner returned a different partitioning than what was already found.  Partitioner "
                 "returned 1 shards, and shard k/part_0 was found, but so was the extra shard k/part_1.")


@case
def partitioners_compute_shards(t):
    from tensorflow.python.ops import partitioned_variables as pv
    shape, f32 = tf.TensorShape([10, 3]), tf.float32
    t.eq(tf.fixed_size_partitioner(3)(shape=shape, dtype=f32), [3, 1])
    t.eq(tf.fixed_size_partitioner(20)(shape=shape, dtype=f32), [10, 1])
    t.eq(tf.fixed_size_partitioner(2, axis=1)(shape=shape, dtype=f32), [1, 2])
    vsp = tf.variable_axis_size_partitioner(100)
    t.eq(vsp(shape=shape, dtype=f32), [2, 1])
    t.eq(vsp(shape=shape, dtype=tf.string), [5, 1])
    t.eq(tf.variable_axis_size_partitioner(100, max_shards=1)(shape=shape, dtype=tf.string), [1, 1])
    t.eq(tf.variable_axis_size_partitioner(8, axis=1)(shape=shape, dtype=f32), [1, 3])
    mm = tf.min_max_variable_partitioner(max_partitions=4, min_slice_size=32)
    t.eq(mm(shape=shape, dtype=f32), [4, 1])
    t.eq(mm(shape=tf.TensorShape([2, 3]), dtype=f32), [1, 1])
    t.eq(tf.min_max_variable_partitioner()(shape=shape, dtype=f32), [1, 1])
    t.raises(ValueError, lambda: tf.variable_axis_size_partitioner(0),
             msg="Both max_shard_bytes and bytes_per_string_element must be positive. Currently, "
                 "max_shard_bytes is 0 andbytes_per_string_element is 16")
    t.raises(ValueError, lambda: tf.variable_axis_size_partitioner(10, max_shards=-1),
             msg="max_shards must be positive.")
    t.raises(ValueError, lambda: tf.min_max_variable_partitioner(axis=3)(shape=shape, dtype=f32),
             msg="Cannot partition variable along axis 3 when shape is only (10, 3)")
    t.check(pv is not None)


@case
def scope_partitioner_and_set_partitioner(t):
    with tf.variable_scope("s", partitioner=tf.fixed_size_partitioner(2)) as sc:
        v = tf.get_variable("v", [4, 2])
        with tf.variable_scope("in"):
            u = tf.get_variable("u", [4, 2])
        sc.set_partitioner(None)
        q = tf.get_variable("q", [4, 2])
        sc.set_partitioner(tf.fixed_size_partitioner(4))
        r = tf.get_variable("r", [4, 2])
    t.eq([p.name for p in v], ["s/v/part_0:0", "s/v/part_1:0"])
    t.eq([p.name for p in u], ["s/in/u/part_0:0", "s/in/u/part_1:0"])
    t.eq(type(q).__name__, "RefVariable")
    t.eq(q.name, "s/q:0")
    t.eq(len(list(r)), 4)
    loc = tf.get_local_variable("l", [4, 2], partitioner=tf.fixed_size_partitioner(2))
    t.eq(type(loc).__name__, "PartitionedVariable")
    t.eq(t.collection(tf.GraphKeys.LOCAL_VARIABLES), "l/part_0:0 l/part_1:0")
    t.eq(t.collection(tf.GraphKeys.TRAINABLE_VARIABLES, "l"), "")


@case
def partitioned_parts_across_ps_tasks(t):
    with tf.device(tf.train.replica_device_setter(ps_tasks=2)):
        y = tf.get_variable("y", [6, 2], partitioner=tf.fixed_size_partitioner(3))
        ty = tf.convert_to_tensor(y)
    t.eq([p.device for p in y], ["/job:ps/task:0", "/job:ps/task:1", "/job:ps/task:0"])
    t.eq(ty.op.device, "/job:worker")
    t.eq(ty.op.inputs[0].op.device, "/job:worker")


@case
def partitioned_value_initializer_converted_or_failing_as_tf(t):
    import numpy as np
    x = tf.get_variable("x", [4, 2], partitioner=tf.fixed_size_partitioner(2),
                        initializer=np.ones([4, 2], np.int32))
    t.eq(list(x)[1].dtype.base_dtype.name, "float32")
    abcd = [b"a", b"b", b"c", b"d"]
    sv = tf.get_variable("s", [4], tf.string, partitioner=tf.fixed_size_partitioner(2), initializer=np.array(abcd))
    f = tf.get_variable("f", [2], partitioner=tf.fixed_size_partitioner(2), initializer=np.array([b"1.5", b" 2 "]))
    xv, svv, fv = tf.convert_to_tensor(x), tf.convert_to_tensor(sv), tf.convert_to_tensor(f)
    init = tf.global_variables_initializer()
    with t.session() as s:
        s.run(init)
        t.eq(s.run(xv).ravel().tolist(), [1.0] * 8)
        t.eq(s.run(svv).tolist(), abcd)
        t.eq(s.run(fv).tolist(), [1.5, 2.0])

    def part_from_value(value, shape):
        g2 = tf.Graph()
        with g2.as_default():
            try:
                tf.get_variable("x", shape, partitioner=tf.fixed_size_partitioner(2), initializer=value)
            except ValueError as e:
                return "ValueError", str(e), len(g2.get_operations())
            with tf.Session() as s2:
                try:
                    s2.run(tf.global_variables_initializer())
                except tf.errors.InvalidArgumentError as e:
                    msg = e.message
                    if msg.startswith("Graph execution error:"):
                        msg = msg[msg.index("\nNode: ") + 1:]
                        msg = msg[msg.index("\n") + 1:]
                    return "InvalidArgumentError", msg.split("\n\nOriginal stack trace")[0], None
        return None, None, None

    t.eq(part_from_value(np.ones([8], np.float32), [4, 2]),
         ("ValueError", "Shape must be rank 2 but is rank 1 for '{{node x/part_0/PartitionedInitializer/Slice}} = "
          "Slice[Index=DT_INT32, T=DT_FLOAT](x/part_0/PartitionedInitializer/Const, "
          "x/part_0/PartitionedInitializer/Slice/begin, x/part_0/PartitionedInitializer/Slice/size)' with input "
          "shapes: [8], [2], [2].", 3))
    t.eq(part_from_value(np.ones([3, 2], np.float32), [4, 2]),
         ("InvalidArgumentError",
          "Expected size[0] in [0, 1], but got 2\n\t [[{{node x/part_1/PartitionedInitializer/Slice}}]]", None))
    t.eq(part_from_value(np.array([b"1.5", b"zz"]), [2]),
         ("ValueError", "could not convert string to float: np.bytes_(b'zz')", 0))
