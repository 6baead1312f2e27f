"""Twins of conformance/cases/resource.c: resource variables in graph mode."""
from .harness import case, tf

MISSING = ("Could not find variable %s. This could mean that the variable has been deleted. In TF1, it can "
           "also mean the variable is uninitialized. Debug info: container=localhost, status error message=%s")


def _type(name):
    return tf.get_default_graph().get_operation_by_name(name).type


@case
def resource_variable_ops_and_names(t):
    with tf.device("/cpu:0"):
        v = tf.get_variable("v", [2], use_resource=True, initializer=tf.ones_initializer())
    w = tf.Variable(3.0, name="w", use_resource=True)
    t.eq(v.name, "v:0")
    t.eq(v.dtype.name, "float32")
    t.eq(type(v).__name__, "ResourceVariable")
    t.eq(type(w).__name__, "ResourceVariable")
    t.eq(v.handle.dtype.name, "resource")
    t.eq(v.op.type, "VarHandleOp")
    t.eq(v.initializer.name, "v/Assign")
    t.eq(_type("v/Assign"), "AssignVariableOp")
    t.eq(_type("v/IsInitialized/VarIsInitializedOp"), "VarIsInitializedOp")
    t.eq(v._graph_element.name, "v/Read/ReadVariableOp:0")
    t.eq(_type("v/Initializer/ones"), "Const")
    t.eq(v.op.device, "/device:CPU:0")
    t.eq(v.initializer.device, "/device:CPU:0")
    t.eq(tf.get_default_graph().get_operation_by_name("v/Initializer/ones").device, "")
    t.eq(_type("w/Initializer/initial_value"), "Const")
    t.eq(_type("w/Read/ReadVariableOp"), "ReadVariableOp")
    t.eq(str(w.shape), "()")
    t.eq(t.collection(tf.GraphKeys.GLOBAL_VARIABLES), "v:0 w:0")
    t.eq(t.collection(tf.GraphKeys.TRAINABLE_VARIABLES), "v:0 w:0")


@case
def resource_use_resource_resolution(t):
    with tf.variable_scope("s") as sc:
        sc.set_use_resource(True)
        y = tf.get_variable("y", [1])
        z = tf.get_variable("z", [1], use_resource=False)
        with tf.variable_scope("u") as u:
            t.eq(u.use_resource, True)
    with tf.variable_scope("t", use_resource=True):
        x = tf.Variable(1.0, name="x")
    r = tf.get_variable("r", [1])
    t.eq(type(y).__name__, "ResourceVariable")
    t.eq(type(z).__name__, "RefVariable")
    t.eq(type(x).__name__, "ResourceVariable")
    t.eq(type(r).__name__, "RefVariable")
    t.eq(_type("s/z"), "VariableV2")
    t.eq(x.name, "t/x:0")
    t.eq(tf.get_variable_scope().use_resource, None)


@case
def resource_session_reads_and_updates(t):
    v = tf.get_variable("v", [2], use_resource=True, initializer=tf.ones_initializer())
    w = tf.get_variable("w", [2], use_resource=True, initializer=tf.zeros_initializer())
    a = v.assign([5., 6.])
    # An _UnreadVariable: what a session runs is its graph element, the read
    # under control_dependencies([assign]) that vs_assign returns.
    t.eq(a.op.type, "AssignVariableOp")
    t.eq(a._graph_element.op.type, "ReadVariableOp")
    t.eq(a._graph_element.op.control_inputs[0].type, "AssignVariableOp")
    b = v.assign_add([1., 1.])
    t.eq(b._graph_element.op.control_inputs[0].name, "AssignAddVariableOp")
    c = v.assign_sub([2., 2.])
    init = tf.is_variable_initialized(v)
    with t.session() as s:
        t.raises("FailedPreconditionError", lambda: s.run(v), fragment=MISSING % (
            "v", "Container localhost does not exist. (Could not find resource: localhost/v)"))
        t.raises("NotFoundError", lambda: s.run(b),
                 fragment="Container localhost does not exist. (Could not find resource: localhost/v)")
        s.run(w.initializer)
        t.raises("FailedPreconditionError", lambda: s.run(v), fragment=MISSING % (
            "v", "Resource localhost/v/N10tensorflow3VarE does not exist."))
        t.eq(bool(s.run(init)), False)
        s.run(v.initializer)
        t.eq(s.run(v).tolist(), [1.0, 1.0])
        t.eq(s.run(a).tolist(), [5.0, 6.0])
        t.eq(s.run(b).tolist(), [6.0, 7.0])
        t.eq(s.run(c).tolist(), [4.0, 5.0])
        t.eq(bool(s.run(init)), True)


@case
def resource_assign_errors(t):
    v = tf.get_variable("v", [2], use_resource=True)
    three = tf.constant([1., 2., 3.])
    t.raises(ValueError, lambda: tf.assign(v, three, validate_shape=False),
             msg="Cannot assign value to variable ' v:0': Shape mismatch.The variable shape (2,), and the "
                 "assigned value shape (3,) are incompatible.")
    three2 = tf.constant([1., 2., 3.])
    t.raises(ValueError, lambda: v.assign_add(three2),
             msg="Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes are [2] and [3]. for "
                 "'{{node AssignAddVariableOp}} = AssignAddVariableOp[dtype=DT_FLOAT](v, Const_1)' with input "
                 "shapes: [], [3].")
    ints = tf.constant([1, 2])
    t.raises(ValueError, lambda: v.assign(ints),
             msg="Tensor conversion requested dtype float32 for Tensor with dtype int32: <tf.Tensor 'Const_2:0' "
                 "shape=(2,) dtype=int32>")
    with tf.variable_scope("", reuse=True):
        t.raises(ValueError, lambda: tf.get_variable("v", [2], dtype=tf.int32),
                 msg="Trying to share variable v, but specified dtype int32 and found dtype float32.")
        t.raises(ValueError, lambda: tf.get_variable("v", [3]),
                 msg="Trying to share variable v, but specified shape (3,) and found shape (2,).")


@case
def resource_runtime_shape_and_container_errors(t):
    v = tf.get_variable("v", [2], use_resource=True, initializer=tf.zeros_initializer())
    p = tf.placeholder(tf.float32, [None], name="p")
    a = v.assign(p)
    aa = v.assign_add(p)
    with tf.container("c"):
        cv = tf.get_variable("c", [2], use_resource=True)
    t.eq(cv.op.get_attr("container"), b"c")
    with t.session() as s:
        s.run(v.initializer)
        t.raises("InvalidArgumentError", lambda: s.run(a, {p: [1., 2., 3.]}),
                 fragment="Trying to assign to variable with tensor with wrong shape. Expected [2] got [3]")
        t.raises("InvalidArgumentError", lambda: s.run(aa, {p: [1.]}),
                 fragment="Cannot update variable with shape [2] using a Tensor with shape [1], shapes must "
                          "be equal.")
        t.raises("FailedPreconditionError", lambda: s.run(cv),
                 fragment="Could not find variable c. This could mean that the variable has been deleted. In "
                          "TF1, it can also mean the variable is uninitialized. Debug info: container=c, status "
                          "error message=Container c does not exist. (Could not find resource: c/c)")


@case
def resource_partitioned_parts(t):
    x = tf.get_variable("x", [4, 2], use_resource=True, partitioner=tf.fixed_size_partitioner(2),
                        initializer=tf.ones_initializer())
    t.eq([type(p).__name__ for p in x], ["ResourceVariable", "ResourceVariable"])
    t.eq(list(x)[1].name, "x/part_1:0")
    tv = tf.convert_to_tensor(x)
    t.eq(tv.name, "x:0")
    concat = tv.op.inputs[0].op
    t.eq(concat.name, "x/ConcatPartitions/concat")
    t.eq([i.op.name for i in concat.inputs], ["x/ConcatPartitions/concat/ReadVariableOp",
                                              "x/ConcatPartitions/concat/ReadVariableOp_1",
                                              "x/ConcatPartitions/concat/axis"])
    init = tf.global_variables_initializer()
    with t.session() as s:
        s.run(init)
        t.eq(s.run(tv).ravel().tolist(), [1.0] * 8)


def _class(op):
    return op.node_def.attr["_class"].list.s[0].decode() if "_class" in op.node_def.attr else ""


@case
def resource_assert_variables_initialized_folds_known_ranks(t):
    with tf.variable_scope("s", use_resource=True):
        v = tf.get_variable("v", [2, 3], initializer=tf.zeros_initializer())
        w = tf.get_variable("w", [], initializer=tf.zeros_initializer())
    a1 = tf.assert_variables_initialized([v])
    a2 = tf.assert_variables_initialized([v, w])
    g = tf.get_default_graph()
    t.eq(a1.name, "Rank:0")
    t.eq(a1.op.inputs[0].name, "Rank/ReadVariableOp:0")
    read = g.get_operation_by_name("Rank/ReadVariableOp")
    t.eq(read.type, "ReadVariableOp")
    t.eq(read.inputs[0].name, "s/v:0")
    t.eq(_class(read), "")
    t.eq(read.device, "")
    t.eq(str(read.outputs[0].shape), "(2, 3)")
    t.eq(_class(a1.op), "loc:@s/v")
    t.eq(a2.name, "stack:0")
    t.eq([i.name for i in a2.op.inputs], ["Rank_1:0", "Rank_2:0"])
    t.eq(g.get_operation_by_name("Rank_2").inputs[0].name, "Rank_2/ReadVariableOp:0")
    t.eq(_class(g.get_operation_by_name("Rank_2")), "loc:@s/w")
    with t.session() as s:
        t.eq(int(s.run(a1)), 2)
        t.eq(s.run(a2).tolist(), [2, 0])
        s.run(v.initializer)
        t.eq(s.run(a2).tolist(), [2, 0])


@case
def resource_caching_device_read_resets_colocation(t):
    c = tf.constant(1.0, name="c")
    with tf.device("/job:ps/task:0"):
        with tf.colocate_with(c.op):
            with tf.variable_scope("s", use_resource=True, caching_device="/job:worker/task:1"):
                v = tf.get_variable("v", [2], initializer=tf.zeros_initializer())
    g = tf.get_default_graph()
    for name in ["s/v/Initializer/zeros", "s/v", "s/v/IsInitialized/VarIsInitializedOp", "s/v/Read/ReadVariableOp"]:
        op = g.get_operation_by_name(name)
        t.eq(_class(op), "loc:@c")
        t.eq(op.device, "")
    t.eq(_class(g.get_operation_by_name("s/v/Assign")), "")
    t.eq(v.value().name, "s/v/Read/Identity:0")
    cached = g.get_operation_by_name("s/v/Read/Identity")
    t.eq(_class(cached), "")
    t.eq(cached.device, "/job:worker/task:1")
    with tf.device("/job:ps"):
        with tf.colocate_with(c.op):
            r = v.read_value()
            a = tf.assert_variables_initialized([v])
    t.eq(r.name, "Identity:0")
    t.eq(_class(r.op), "loc:@c")
    t.eq(r.op.device, "")
    read = g.get_operation_by_name("Read/ReadVariableOp")
    t.eq(_class(read), "")
    t.eq(read.device, "/job:worker/task:1")
    t.eq(a.name, "Rank:0")
    t.eq(a.op.inputs[0].name, "s/v/Read/Identity:0")
    t.eq(a.op.colocation_groups(), [b"loc:@c"])


@case
def resource_handle_fetch_is_its_resource_handle_proto(t):
    from tensorflow.core.framework import tensor_pb2
    with tf.variable_scope("s", use_resource=True):
        v = tf.get_variable("v", [2, 3], initializer=tf.zeros_initializer())
    t.eq(v.handle.dtype.name, "resource")
    with t.session() as s:
        proto = tensor_pb2.TensorProto()
        proto.ParseFromString(s.run(tf.io.serialize_tensor(v.handle)))
    t.eq(tf.as_dtype(proto.dtype).name, "resource")
    t.eq(len(proto.tensor_shape.dim), 0)
    content = proto.tensor_content  # a varint length, then the ResourceHandleProto
    n = shift = at = 0
    while True:
        byte = content[at]
        n |= (byte & 0x7f) << shift
        shift += 7
        at += 1
        if byte < 0x80:
            break
    t.eq(content[at:at + n].hex(),
         "0a2c2f6a6f623a6c6f63616c686f73742f7265706c6963613a302f7461736b3a302f6465766963653a4350553a3012096c"
         "6f63616c686f73741a03732f7620e5f3a5f0afa4949ef2012a124e313074656e736f72666c6f773356617245320c0801"
         "12081202080212020803")


_NO_KERNEL_LIST = ("Registered devices: [CPU]\nRegistered kernels:\n" + "".join(
    "  device='%s'; dtype in [%s]\n" % (d, t) for d in ("DEFAULT", "CPU")
    for t in ("DT_COMPLEX128", "DT_COMPLEX64", "DT_DOUBLE", "DT_FLOAT", "DT_BFLOAT16", "DT_HALF", "DT_INT32",
              "DT_INT8", "DT_UINT8", "DT_INT16", "DT_UINT16", "DT_UINT32", "DT_INT64", "DT_UINT64")))


def _no_kernel(t, fn, op_type, dtype):
    e = t.raises("InvalidArgumentError", fn, fragment="No OpKernel was registered to support Op '%s'" % op_type)
    msg = e.message
    if msg.startswith("Graph execution error:"):  # the Python session's prefix and node lines
        msg = msg[msg.index("\nNode: ") + 1:]
        msg = msg[msg.index("\n") + 1:]
    # TF lists the attrs in a hash map's order, which varies between runs: compared sorted
    head = "No OpKernel was registered to support Op '%s' used by {{node %s}} with these attrs: [" % (op_type, op_type)
    t.check(msg.startswith(head), "message %r" % msg)
    attrs, rest = msg[len(head):].split("]\n", 1)
    # XLA's JIT kernels join the list once something earlier in the process
    # used XLA (other twins of the run); a fresh TF process lists none.
    rest = "".join(line for line in rest.splitlines(True) if not line.startswith("  device='XLA_"))
    t.eq(sorted(attrs.split(", ")), ["_has_manual_control_dependencies=true", "dtype=" + dtype])
    t.eq(rest, _NO_KERNEL_LIST + "\n\t [[%s]]" % op_type)


@case
def resource_update_of_bool_or_string_has_no_kernel(t):
    b = tf.get_variable("b", [2], tf.bool, use_resource=True, initializer=tf.zeros_initializer())
    add = b.assign_add([True, False])
    t.eq(add.op.control_inputs[0].type if add.op.control_inputs else add.op.type, "AssignAddVariableOp")
    with t.session() as s:
        _no_kernel(t, lambda: s.run(b.initializer), "AssignAddVariableOp", "DT_BOOL")
    g2 = tf.Graph()
    with g2.as_default():
        w = tf.get_variable("w", [2], tf.string, use_resource=True, initializer=tf.zeros_initializer())
        w.assign_sub(["y", "z"])
        with tf.Session() as s2:
            _no_kernel(t, lambda: s2.run(w.initializer), "AssignSubVariableOp", "DT_STRING")


@case
def resource_update_without_kernel_fails_cached_plans(t):
    b = tf.get_variable("b", [2], tf.bool, use_resource=True, initializer=tf.zeros_initializer())
    c = tf.constant(1.5, name="c")
    with t.session() as s:
        t.near(s.run(c), 1.5, 0)
        s.run(b.initializer)
        t.eq(list(s.run(b)), [False, False])
        b.assign_add([True, False])
        _no_kernel(t, lambda: s.run(c), "AssignAddVariableOp", "DT_BOOL")
        _no_kernel(t, lambda: s.run(b.initializer), "AssignAddVariableOp", "DT_BOOL")
