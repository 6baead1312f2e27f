"""Twins of conformance/cases/initialization.c (spec §5 uninitialised values,
§6.3.12-13, §7.4.7-8, §11.17). Run-time messages: the head, before the node."""
from .harness import case, tf

UNINIT = "Attempting to use uninitialized value "


# TF 2.x's Python session prefixes run-time errors with this line (TF 1.15
# does not); it belongs to the Python layer, like E1's traceback.
PREFIX = "Graph execution error:\n\n"


def head(t, fn, name):
    e = t.raises("FailedPreconditionError", fn, fragment=UNINIT + name)
    msg = e.message[len(PREFIX):] if e.message.startswith(PREFIX) else e.message
    t.check(msg.startswith(UNINIT + name), "message %r" % e.message)
    rest = msg[len(UNINIT + name):]
    t.check(rest == "" or rest.startswith("\n"), "message %r" % e.message)


@case
def uninitialized_read_fails_with_failed_precondition(t):
    with tf.name_scope("foo"):
        v = tf.Variable(tf.zeros([2]), name="v")
    with t.session() as s:
        head(t, lambda: s.run(v), "foo/v")


@case
def collections_without_global_are_not_initialized(t):
    m = tf.get_variable("m", [1], initializer=tf.zeros_initializer(), collections=["mine"])
    init = tf.global_variables_initializer()
    with t.session() as s:
        s.run(init)
        head(t, lambda: s.run(m), "m")


@case
def local_variables_need_local_initializer(t):
    v = tf.get_variable("v", [2], initializer=tf.ones_initializer())
    l = tf.get_local_variable("l", [2], initializer=tf.zeros_initializer())
    gi = tf.global_variables_initializer()
    li = tf.local_variables_initializer()
    t.eq(gi.name, "init")
    t.eq(gi.type, "NoOp")
    t.eq(li.name, "init_1")
    with t.session() as s:
        s.run(gi)
        head(t, lambda: s.run(l), "l")
        s.run(li)
        t.eq(s.run(l).tolist(), [0.0, 0.0])
        t.eq(s.run(v).tolist(), [1.0, 1.0])


@case
def empty_global_initializer_is_no_op(t):
    init = tf.global_variables_initializer()
    t.eq(init.name, "init")
    t.eq(init.type, "NoOp")
    t.eq(len(init.control_inputs), 0)


@case
def report_uninitialized_variables_op_names(t):
    tf.get_variable("a", [1])
    tf.get_local_variable("l", [1])
    r = tf.report_uninitialized_variables()
    init = tf.global_variables_initializer()
    with t.session() as s:
        t.eq(s.run(r).tolist(), [b"a", b"l"])
        s.run(init)
        t.eq(s.run(r).tolist(), [b"l"])


@case
def initialized_value_works_in_any_order(t):
    v = tf.Variable(5.0, name="v")
    w = tf.Variable(v.initialized_value() + tf.constant(1.0, name="Const"), name="w")
    isv = tf.is_variable_initialized(v)
    with t.session() as s:
        s.run(w.initializer)
        t.eq(float(s.run(w)), 6.0)
        t.eq(bool(s.run(isv)), False)
        s.run(v.initializer)
        t.eq(bool(s.run(isv)), True)


@case
def variables_initializer_list(t):
    a = tf.Variable(1., name="a")
    b = tf.Variable(2., name="b")
    init = tf.variables_initializer([a], name="some")
    t.eq(init.name, "some")
    with t.session() as s:
        s.run(init)
        t.eq(float(s.run(a)), 1.0)
        head(t, lambda: s.run(b), "b")


@case
def variable_from_another_variable_initialises_in_any_order(t):
    v = tf.Variable(3.0, name="v")
    w = tf.Variable(v * 2, name="w")
    u = tf.get_variable("u", initializer=v + 1)
    assign_w = w.initializer
    assign_u = u.initializer
    t.eq(assign_w.inputs[1].op.name, "mul_w")
    t.eq(assign_w.inputs[1].op.inputs[0].op.name, "v/read_w")
    t.eq(assign_w.inputs[1].op.inputs[0].op.inputs[0].op.name, "w/cond/Merge")
    t.eq(assign_u.inputs[1].op.name, "add_u")
    with t.session() as s:
        s.run(assign_w)
        s.run(assign_u)
        t.eq(float(s.run(w)), 6.0)
        t.eq(float(s.run(u)), 4.0)


@case
def variable_ignores_enclosing_control_dependencies(t):
    a = tf.get_variable("a", [1])
    with tf.control_dependencies([a.initializer]):
        b = tf.get_variable("b", [1])
        c = tf.Variable(1., name="c")
        d = tf.Variable(tf.zeros([2], name="zeros"), name="d")
        e = tf.get_variable("e", [3], initializer=tf.zeros_initializer())
    with_controls = [(op.name, [x.name for x in op.control_inputs])
                     for op in tf.get_default_graph().get_operations() if op.control_inputs]
    t.eq(with_controls, [("zeros", ["a/Assign"])], "ops with control inputs")
    with t.session() as s:
        s.run(b.initializer)
        s.run(c.initializer)
        s.run(e.initializer)
        head(t, lambda: s.run(a), "a")
        s.run(d.initializer)
        t.eq(float(s.run(d)[1]), 0.0)
        t.eq(len(s.run(a)), 1)


def _used(x):
    """The tensor behind assert_variables_initialized's should-use wrapper."""
    x.mark_used()
    return tf.get_default_graph().get_tensor_by_name(x.name)


@case
def assert_variables_initialized_ranks_each_variable(t):
    t.eq(tf.assert_variables_initialized(), None)
    w = tf.Variable([1., 2.], name="w")
    u = tf.Variable(3, name="u", collections=[])
    a1 = _used(tf.assert_variables_initialized([w]))
    a2 = _used(tf.assert_variables_initialized([w, u]))
    a3 = _used(tf.assert_variables_initialized([]))
    a4 = _used(tf.assert_variables_initialized())
    g = tf.get_default_graph()

    def head_of_read(fn, name):
        # The failing node is an input of the fetched one: TF 2.x's Python
        # session adds "Detected at node ..." and the creation traceback
        # after its PREFIX, up to a "Node: '...'" line (Python-layer text).
        e = t.raises("FailedPreconditionError", fn, fragment=UNINIT + name)
        msg = e.message[len(PREFIX):] if e.message.startswith(PREFIX) else e.message
        if msg.startswith("Detected at node"):
            msg = msg[msg.index("\nNode: ") + 1:]
            msg = msg[msg.index("\n") + 1:]
        t.check(msg.startswith(UNINIT + name), "message %r" % e.message)
        rest = msg[len(UNINIT + name):]
        t.check(rest == "" or rest.startswith("\n"), "message %r" % e.message)

    t.eq(a1.name, "Rank:0")
    t.eq(a1.op.type, "Rank")
    t.eq(a1.dtype, tf.int32)
    t.eq([i.name for i in a1.op.inputs], ["w/read:0"])
    t.eq(a1.op.get_attr("_class"), [b"loc:@w"])
    t.eq(a2.name, "stack:0")
    t.eq(a2.op.type, "Pack")
    t.eq(str(a2.shape), "(2,)")
    t.eq([i.name for i in a2.op.inputs], ["Rank_1:0", "Rank_2:0"])
    t.eq([i.name for i in g.get_operation_by_name("Rank_2").inputs], ["u/read:0"])
    t.eq(g.get_operation_by_name("Rank_2").get_attr("_class"), [b"loc:@u"])
    t.eq(a3.name, "stack_1:0")
    t.eq([i.name for i in a3.op.inputs], ["Rank_3:0", "Rank_4:0"])
    t.eq([i.name for i in g.get_operation_by_name("Rank_3").inputs], ["w:0"])
    t.eq([i.name for i in g.get_operation_by_name("Rank_4").inputs], ["u:0"])
    t.eq(a4.name, "Rank_5:0")
    t.eq([i.name for i in a4.op.inputs], ["w/read:0"])
    with t.session() as s:
        head_of_read(lambda: s.run(a1), "w")
        s.run(w.initializer)
        t.eq(s.run(a1), 1)
        head_of_read(lambda: s.run(a2), "u")
        s.run(u.initializer)
        t.eq(list(s.run(a2)), [1, 0])
        t.eq(list(s.run(a3)), [1, 0])


_REPORT_OPS = [
    "IsVariableInitialized IsVariableInitialized - a:0 () a",
    "VarIsInitializedOp VarIsInitializedOp - s/b:0 () VarIsInitializedOp",
    "stack Pack /device:CPU:0 IsVariableInitialized:0,VarIsInitializedOp:0 (2,) stack",
    "LogicalNot LogicalNot /device:CPU:0 stack:0 (2,) LogicalNot",
    "Const Const /device:CPU:0 - (2,) Const",
    "boolean_mask/Shape Const /device:CPU:0 - (1,) boolean_mask/Shape",
    "boolean_mask/strided_slice/stack Const /device:CPU:0 - (1,) boolean_mask/strided_slice/stack",
    "boolean_mask/strided_slice/stack_1 Const /device:CPU:0 - (1,) boolean_mask/strided_slice/stack_1",
    "boolean_mask/strided_slice/stack_2 Const /device:CPU:0 - (1,) boolean_mask/strided_slice/stack_2",
    "boolean_mask/strided_slice StridedSlice /device:CPU:0 boolean_mask/Shape:0,boolean_mask/strided_slice/stack:0,boolean_mask/strided_slice/stack_1:0,boolean_mask/strided_slice/stack_2:0 (1,) boolean_mask/strided_slice",
    "boolean_mask/Prod/reduction_indices Const /device:CPU:0 - (1,) boolean_mask/Prod/reduction_indices",
    "boolean_mask/Prod Prod /device:CPU:0 boolean_mask/strided_slice:0,boolean_mask/Prod/reduction_indices:0 () boolean_mask/Prod",
    "boolean_mask/Shape_1 Const /device:CPU:0 - (1,) boolean_mask/Shape_1",
    "boolean_mask/strided_slice_1/stack Const /device:CPU:0 - (1,) boolean_mask/strided_slice_1/stack",
    "boolean_mask/strided_slice_1/stack_1 Const /device:CPU:0 - (1,) boolean_mask/strided_slice_1/stack_1",
    "boolean_mask/strided_slice_1/stack_2 Const /device:CPU:0 - (1,) boolean_mask/strided_slice_1/stack_2",
    "boolean_mask/strided_slice_1 StridedSlice /device:CPU:0 boolean_mask/Shape_1:0,boolean_mask/strided_slice_1/stack:0,boolean_mask/strided_slice_1/stack_1:0,boolean_mask/strided_slice_1/stack_2:0 (0,) boolean_mask/strided_slice_1",
    "boolean_mask/Shape_2 Const /device:CPU:0 - (1,) boolean_mask/Shape_2",
    "boolean_mask/strided_slice_2/stack Const /device:CPU:0 - (1,) boolean_mask/strided_slice_2/stack",
    "boolean_mask/strided_slice_2/stack_1 Const /device:CPU:0 - (1,) boolean_mask/strided_slice_2/stack_1",
    "boolean_mask/strided_slice_2/stack_2 Const /device:CPU:0 - (1,) boolean_mask/strided_slice_2/stack_2",
    "boolean_mask/strided_slice_2 StridedSlice /device:CPU:0 boolean_mask/Shape_2:0,boolean_mask/strided_slice_2/stack:0,boolean_mask/strided_slice_2/stack_1:0,boolean_mask/strided_slice_2/stack_2:0 (0,) boolean_mask/strided_slice_2",
    "boolean_mask/concat/values_1 Pack /device:CPU:0 boolean_mask/Prod:0 (1,) boolean_mask/concat/values_1",
    "boolean_mask/concat/axis Const /device:CPU:0 - () boolean_mask/concat/axis",
    "boolean_mask/concat ConcatV2 /device:CPU:0 boolean_mask/strided_slice_1:0,boolean_mask/concat/values_1:0,boolean_mask/strided_slice_2:0,boolean_mask/concat/axis:0 (1,) boolean_mask/concat",
    "boolean_mask/Reshape Reshape /device:CPU:0 Const:0,boolean_mask/concat:0 (2,) boolean_mask/Reshape",
    "boolean_mask/Reshape_1/shape Const /device:CPU:0 - (1,) boolean_mask/Reshape_1/shape",
    "boolean_mask/Reshape_1 Reshape /device:CPU:0 LogicalNot:0,boolean_mask/Reshape_1/shape:0 (2,) boolean_mask/Reshape_1",
    "boolean_mask/Where Where /device:CPU:0 boolean_mask/Reshape_1:0 (?,1) boolean_mask/Where",
    "boolean_mask/Squeeze Squeeze /device:CPU:0 boolean_mask/Where:0 (?,) boolean_mask/Squeeze",
    "boolean_mask/GatherV2/axis Const /device:CPU:0 - () boolean_mask/GatherV2/axis",
    "boolean_mask/GatherV2 GatherV2 /device:CPU:0 boolean_mask/Reshape:0,boolean_mask/Squeeze:0,boolean_mask/GatherV2/axis:0 (?,) boolean_mask/GatherV2",
]


def _report_op_line(op, prefix):
    def rel(s):
        return s[len(prefix):] if s.startswith(prefix) else s
    ins = ",".join(rel(i.name) for i in op.inputs) or "-"
    group = op.colocation_groups()[0].decode()[len("loc:@"):]
    return "%s %s %s %s %s %s" % (rel(op.name), op.type, op.device or "-", ins,
                                  str(op.outputs[0].shape).replace(" ", ""), rel(group))


@case
def report_uninitialized_variables_builds_tf_subgraph(t):
    a = tf.get_variable("a", [2], initializer=tf.zeros_initializer())
    with tf.variable_scope("s", use_resource=True):
        b = tf.get_variable("b", [], initializer=tf.zeros_initializer())
    g = tf.get_default_graph()
    n0 = len(g.get_operations())
    r = tf.report_uninitialized_variables()
    ops = g.get_operations()[n0:]
    t.eq(len(ops), len(_REPORT_OPS))
    for op, want in zip(ops, _REPORT_OPS):
        t.eq(_report_op_line(op, "report_uninitialized_variables/"), want)
    t.eq(r.name, "report_uninitialized_variables/boolean_mask/GatherV2:0")
    t.eq(r.dtype, tf.string)
    with t.session() as s:
        t.eq(s.run(r).tolist(), [b"a", b"s/b"])
        s.run(a.initializer)
        t.eq(s.run(r).tolist(), [b"s/b"])
        s.run(b.initializer)
        t.eq(s.run(r).shape, (0,))


@case
def report_uninitialized_variables_without_variables_is_an_empty_const(t):
    r = tf.report_uninitialized_variables()
    t.eq(r.name, "report_uninitialized_variables/Const:0")
    t.eq(r.op.type, "Const")
    t.eq(r.op.device, "/device:CPU:0")
    t.eq(r.dtype, tf.string)
    t.eq(str(r.shape), "(0,)")
    t.eq(len(tf.get_default_graph().get_operations()), 1)
    with t.session() as s:
        t.eq(s.run(r).shape, (0,))
