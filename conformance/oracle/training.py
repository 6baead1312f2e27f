"""Twins of conformance/cases/training.c: tf.gradients under TensorFlow,
compared with the same fixtures (conformance/golden/grad/, written by
tools/make_grad_goldens.py) as the C cases, with the same tolerance:
|got - want| <= 1e-5 * (1 + |want|) + 1e-5 element by element; the
gradients' tensor names and TF's error texts exactly."""
import os

from .harness import case, np, tf

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden", "grad")


def golden(fixture, name):
    return np.load(os.path.join(GOLDEN, fixture, name + ".npy"))


def matches(t, got, want, what):
    got = np.asarray(got)
    t.eq(got.dtype, np.float32, "%s dtype" % what)
    t.eq(got.shape, want.shape, "%s shape" % what)
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    bad = ~(diff <= 1e-5 * (1 + np.abs(want.astype(np.float64))) + 1e-5)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        t.fail("%s: [%d] = %.9g, golden %.9g" % (what, i, got.flat[i], want.flat[i]))


def grad_case(t, fixture, names, build, loss_name, grad_names):
    inputs = [tf.constant(golden(fixture, n), name=n) for n in names]
    loss = build(*inputs)
    t.eq(loss.name, loss_name, "loss name")
    grads = tf.gradients(loss, inputs)
    t.eq([g.name for g in grads], list(grad_names), "gradient names")
    with tf.Session() as s:
        out = s.run([loss] + grads)
    matches(t, out[0], golden(fixture, "loss"), "loss")
    for n, g, v in zip(names, grad_names, out[1:]):
        matches(t, v, golden(fixture, "d_" + n), g)


def mlp(b, w, x):
    return tf.reduce_mean(tf.square(tf.matmul(x, w) + b - 1.0))


def matmul_loss(ta, tb):
    return lambda a, b, c: tf.reduce_sum(tf.matmul(a, b, transpose_a=ta, transpose_b=tb) * c)


def broadcast(s, x, y):
    return tf.reduce_sum(tf.square(((x * y - s) + y) / (s * s + 1.0)))


def reductions(c, x):
    m = tf.reduce_mean(x, axis=[0, 2], keepdims=True)
    r = tf.reduce_sum(x, axis=[1])
    return tf.reduce_sum(m * c) + tf.reduce_mean(tf.square(r))


def activations(b, x):
    y = tf.nn.relu(tf.nn.bias_add(x, b))
    return tf.reduce_mean(tf.tanh(y) * tf.sigmoid(x) - y)


def reshape(w, x):
    return tf.reduce_sum(tf.square(tf.matmul(tf.reshape(x, [4, 6]), w)))


def conv_loss(strides, padding, dilations):
    def build(f, x):
        y = tf.nn.conv2d(x, f, [1] + strides + [1], padding, dilations=[1] + dilations + [1])
        return tf.reduce_mean(tf.square(y))
    return build


def pools(x):
    p = tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    q = tf.nn.avg_pool(x, [1, 3, 2, 1], [1, 1, 2, 1], "SAME")
    return tf.reduce_mean(tf.square(p)) + tf.reduce_mean(tf.square(q))


def pools_same(c, x):
    p = tf.nn.max_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
    q = tf.nn.avg_pool(x, [1, 2, 3, 1], [1, 2, 1, 1], "VALID")
    return tf.reduce_sum(p * c) + tf.reduce_mean(tf.square(q))


def cnn(b, f, w, x):
    h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, f, [1, 1, 1, 1], "SAME"), b))
    p = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    return tf.reduce_mean(tf.square(tf.matmul(tf.reshape(p, [2, 36]), w) - 0.5))


def sigmoid_xent(x, z):
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x * 3.0))


def mse(l, p):
    return tf.losses.mean_squared_error(l, p)


def leaky_relu(c, x):
    return tf.reduce_sum(tf.square(tf.maximum(x * 0.2, x)) * c)


def broadcast_nd(x, y, z):
    return tf.reduce_sum(tf.square(x * y + z - x))


def softmax_xent(x, z):
    xent = tf.nn.softmax_cross_entropy_with_logits_v2(labels=z, logits=x * 2.0)
    assert xent.name == "softmax_cross_entropy_with_logits/Reshape_2:0", xent.name
    return tf.reduce_mean(xent)


# ---- gradients against TensorFlow ----

@case
def gradients_of_mean_squared_mlp(t):
    grad_case(t, "mlp", ["b", "w", "x"], mlp, "Mean:0",
              ["gradients/add_grad/Reshape:0", "gradients/MatMul_grad/MatMul_1:0", "gradients/MatMul_grad/MatMul:0"])


MATMUL_NAMES = ["gradients/MatMul_grad/MatMul:0", "gradients/MatMul_grad/MatMul_1:0", "gradients/mul_grad/Mul_1:0"]


@case
def gradients_of_matmul(t):
    grad_case(t, "matmul_plain", ["a", "b", "c"], matmul_loss(False, False), "Sum:0", MATMUL_NAMES)


@case
def gradients_of_matmul_transpose_a(t):
    grad_case(t, "matmul_ta", ["a", "b", "c"], matmul_loss(True, False), "Sum:0", MATMUL_NAMES)


@case
def gradients_of_matmul_transpose_b(t):
    grad_case(t, "matmul_tb", ["a", "b", "c"], matmul_loss(False, True), "Sum:0", MATMUL_NAMES)


@case
def gradients_of_matmul_transpose_both(t):
    grad_case(t, "matmul_tab", ["a", "b", "c"], matmul_loss(True, True), "Sum:0", MATMUL_NAMES)


@case
def gradients_of_broadcasting_arithmetic(t):
    grad_case(t, "broadcast", ["s", "x", "y"], broadcast, "Sum:0",
              ["gradients/AddN:0", "gradients/mul_grad/Mul:0", "gradients/AddN_1:0"])


@case
def gradients_of_reductions(t):
    grad_case(t, "reductions", ["c", "x"], reductions, "add:0", ["gradients/mul_grad/Mul_1:0", "gradients/AddN:0"])


@case
def gradients_of_activations(t):
    grad_case(t, "activations", ["b", "x"], activations, "Mean:0",
              ["gradients/BiasAdd_grad/BiasAddGrad:0", "gradients/AddN_1:0"])


@case
def gradients_of_reshape(t):
    grad_case(t, "reshape", ["w", "x"], reshape, "Sum:0",
              ["gradients/MatMul_grad/MatMul_1:0", "gradients/Reshape_grad/Reshape:0"])


CONV_NAMES = ["gradients/Conv2D_grad/Conv2DBackpropFilter:0", "gradients/Conv2D_grad/Conv2DBackpropInput:0"]


@case
def gradients_of_conv2d_same_unequal_strides(t):
    grad_case(t, "conv_same_s2x1", ["f", "x"], conv_loss([2, 1], "SAME", [1, 1]), "Mean:0", CONV_NAMES)


@case
def gradients_of_conv2d_valid_stride2(t):
    grad_case(t, "conv_valid_s2", ["f", "x"], conv_loss([2, 2], "VALID", [1, 1]), "Mean:0", CONV_NAMES)


@case
def gradients_of_conv2d_dilated(t):
    grad_case(t, "conv_valid_dilated", ["f", "x"], conv_loss([1, 1], "VALID", [2, 2]), "Mean:0", CONV_NAMES)


@case
def gradients_of_conv2d_same_5x5(t):
    grad_case(t, "conv_same_5x5", ["f", "x"], conv_loss([1, 1], "SAME", [1, 1]), "Mean:0", CONV_NAMES)


@case
def gradients_of_max_and_avg_pool(t):
    grad_case(t, "pools", ["x"], pools, "add:0", ["gradients/AddN:0"])


@case
def gradients_of_pools_same_padding(t):
    grad_case(t, "pools_same", ["c", "x"], pools_same, "add:0", ["gradients/mul_grad/Mul_1:0", "gradients/AddN:0"])


@case
def gradients_of_small_cnn(t):
    grad_case(t, "cnn", ["b", "f", "w", "x"], cnn, "Mean:0",
              ["gradients/BiasAdd_grad/BiasAddGrad:0", "gradients/Conv2D_grad/Conv2DBackpropFilter:0",
               "gradients/MatMul_grad/MatMul_1:0", "gradients/Conv2D_grad/Conv2DBackpropInput:0"])


@case
def gradients_of_sigmoid_cross_entropy(t):
    grad_case(t, "sigmoid_xent", ["x", "z"], sigmoid_xent, "Mean:0",
              ["gradients/mul_grad/Mul:0", "gradients/logistic_loss/mul_grad/Mul_1:0"])


@case
def gradients_of_mean_squared_error(t):
    grad_case(t, "mse", ["l", "p"], mse, "mean_squared_error/value:0",
              ["gradients/mean_squared_error/SquaredDifference_grad/Neg:0",
               "gradients/mean_squared_error/SquaredDifference_grad/mul_1:0"])
    losses = tf.get_collection(tf.GraphKeys.LOSSES)
    t.eq(len(losses), 1, "losses")
    t.eq(losses[0].op.name, "mean_squared_error/value")


@case
def gradients_of_leaky_relu_maximum(t):
    grad_case(t, "leaky_relu", ["c", "x"], leaky_relu, "Sum:0", ["gradients/mul_1_grad/Reshape:0", "gradients/AddN:0"])


@case
def gradients_of_numpy_broadcasts(t):
    grad_case(t, "broadcast_nd", ["x", "y", "z"], broadcast_nd, "Sum:0",
              ["gradients/AddN:0", "gradients/mul_grad/Mul_1:0", "gradients/add_grad/Reshape:0"])


@case
def gradients_of_softmax_cross_entropy(t):
    grad_case(t, "softmax_xent", ["x", "z"], softmax_xent, "Mean:0",
              ["gradients/mul_grad/Mul:0", "gradients/softmax_cross_entropy_with_logits/Reshape_1_grad/Reshape:0"])


# ---- names and errors ----

@case
def gradients_scopes_and_unconnected_none(t):
    xv = np.array([[1, 2], [3, 4]], np.float32)
    x = tf.constant(xv, name="x")
    c = tf.constant(2.0, name="c")
    y = tf.reduce_sum(tf.square(x))
    d = tf.gradients(y, [x, c])
    t.eq(d[0].name, "gradients/Square_grad/Mul_1:0")
    t.check(d[1] is None, "the gradient of an unconnected x is %r, want None" % (d[1],))
    t.eq(tf.gradients(y, [x])[0].name, "gradients_1/Square_grad/Mul_1:0")
    g = tf.gradients(y, [x], name="g")[0]
    t.eq(g.name, "g/Square_grad/Mul_1:0")
    with tf.Session() as s:
        v = s.run(g)
    for i in range(4):
        t.near(v.flat[i], 2 * xv.flat[i], 0)


@case
def gradients_with_grad_ys(t):
    x = tf.constant(1.0, name="x")
    y = x * 3.0
    gy = tf.constant(0.5, name="gy")
    d = tf.gradients(y, [x], grad_ys=[gy])[0]
    t.eq(d.name, "gradients/mul_grad/Mul:0")
    ident = tf.get_default_graph().get_operation_by_name("gradients/grad_ys_0")
    t.eq(ident.type, "Identity")
    t.eq(ident.inputs[0].name, "gy:0")
    with tf.Session() as s:
        t.near(s.run(d), 1.5, 0)


@case
def gradients_colocated_with_ops(t):
    x = tf.constant([1.0, 2.0], name="x")
    with tf.device("/job:w/task:1"):
        y = x * 2.0
    l = tf.reduce_sum(y)
    d = tf.gradients(l, [x], colocate_gradients_with_ops=True)[0]
    t.eq(d.name, "gradients/mul_grad/Mul:0")
    g = tf.get_default_graph()
    t.eq(d.device, "/job:w/task:1", "device")
    t.eq(g.get_operation_by_name("gradients/mul_grad/Sum").device, "/job:w/task:1", "Sum device")
    t.eq(g.get_operation_by_name("gradients/Sum_grad/Tile").device, "", "Tile device")
    d = tf.gradients(l, [x])[0]
    t.eq(d.name, "gradients_1/mul_grad/Mul:0")
    t.eq(d.device, "", "device without colocation")


@case
def gradients_through_op_without_gradient_lookup_error(t):
    v = tf.get_variable("v", [2])
    init = tf.is_variable_initialized(v)
    try:
        tf.gradients(init, [v])
    except LookupError as e:
        t.eq(str(e),
             "No gradient defined for operation'IsVariableInitialized' (op type: IsVariableInitialized). In general "
             "every operation must have an associated `@tf.RegisterGradient` for correct autodiff, which this op is "
             "lacking. If you want to pretend this operation is a constant in your program, you may insert "
             "`tf.stop_gradient`. This can be useful to silence the error in cases where you know gradients are not "
             "needed, e.g. the forward pass of tf.custom_gradient. Please see more details in "
             "https://www.tensorflow.org/api_docs/python/tf/custom_gradient.", "message")
    else:
        t.fail("no LookupError")

# ---- optimizers ----
# Trajectory twins rerun the C cases' graphs and compare TF's values with the
# same constants and tolerance: |got - want| <= 2e-6 * (1 + |want|).


def _ops(name):
    op = tf.get_default_graph().get_operation_by_name(name)
    return op


def _inputs(op):
    """Inputs as "a:0 b:0 ^c", as the C cases print them."""
    parts = [i.name for i in op.inputs] + ["^" + c.name for c in op.control_inputs]
    return " ".join(parts)


def _op(t, name, typ, ins):
    op = _ops(name)
    t.eq(op.type, typ, "type of %s" % name)
    t.eq(_inputs(op), ins, "inputs of %s" % name)


def _model():
    with tf.variable_scope("layer"):
        w = tf.get_variable("w", [2, 3], initializer=tf.ones_initializer())
        b = tf.get_variable("b", [3], initializer=tf.zeros_initializer())
    gw = tf.placeholder(tf.float32, [2, 3], name="gw")
    gb = tf.placeholder(tf.float32, [3], name="gb")
    return w, b, [(gw, w), (gb, b)]


def _names(key):
    return " ".join(v.name for v in tf.get_collection(key))


@case
def optimizer_gradient_descent_graph(t):
    w, b, gv = _model()
    train = tf.train.GradientDescentOptimizer(0.1).apply_gradients(gv)
    t.eq(train.name, "GradientDescent")
    t.eq(train.type, "NoOp")
    _op(t, "GradientDescent/learning_rate", "Const", "")
    _op(t, "GradientDescent/update_layer/w/ApplyGradientDescent", "ApplyGradientDescent",
        "layer/w:0 GradientDescent/learning_rate:0 gw:0")
    _op(t, "GradientDescent/update_layer/b/ApplyGradientDescent", "ApplyGradientDescent",
        "layer/b:0 GradientDescent/learning_rate:0 gb:0")
    _op(t, "GradientDescent", "NoOp",
        "^GradientDescent/update_layer/w/ApplyGradientDescent ^GradientDescent/update_layer/b/ApplyGradientDescent")
    t.eq(_names(tf.GraphKeys.GLOBAL_VARIABLES), "layer/w:0 layer/b:0")
    t.eq(tf.get_collection(tf.GraphKeys.TRAIN_OP), [train])


@case
def optimizer_momentum_slots(t):
    w, b, gv = _model()
    o = tf.train.MomentumOptimizer(0.1, 0.9)
    train = o.apply_gradients(gv)
    t.eq(train.name, "Momentum")
    slot = o.get_slot(w, "momentum")
    t.name(slot, "layer/w/Momentum:0")
    t.check(not slot.trainable, "a slot is trainable")
    t.eq(str(slot.shape), "(2, 3)")
    t.check(o.get_slot(w, "m") is None, "an unknown slot name gave a slot")
    _op(t, "layer/w/Momentum/Initializer/zeros", "Const", "")
    _op(t, "layer/w/Momentum/Assign", "Assign", "layer/w/Momentum:0 layer/w/Momentum/Initializer/zeros:0")
    _op(t, "Momentum/learning_rate", "Const", "")
    _op(t, "Momentum/momentum", "Const", "")
    _op(t, "Momentum/update_layer/w/ApplyMomentum", "ApplyMomentum",
        "layer/w:0 layer/w/Momentum:0 Momentum/learning_rate:0 gw:0 Momentum/momentum:0")
    _op(t, "Momentum", "NoOp", "^Momentum/update_layer/w/ApplyMomentum ^Momentum/update_layer/b/ApplyMomentum")
    t.eq(_names(tf.GraphKeys.GLOBAL_VARIABLES), "layer/w:0 layer/b:0 layer/w/Momentum:0 layer/b/Momentum:0")
    t.eq(_names(tf.GraphKeys.TRAINABLE_VARIABLES), "layer/w:0 layer/b:0")
    t.eq(o.get_slot_names(), ["momentum"])


@case
def optimizer_second_momentum_uniquifies_slots(t):
    w, b, gv = _model()
    o1 = tf.train.MomentumOptimizer(0.1, 0.9)
    o2 = tf.train.MomentumOptimizer(0.1, 0.9)
    o1.apply_gradients(gv[:1])
    t2 = o2.apply_gradients(gv[:1])
    t.name(o1.get_slot(w, "momentum"), "layer/w/Momentum:0")
    t.name(o2.get_slot(w, "momentum"), "layer/w/Momentum_1:0")
    t.eq(t2.name, "Momentum_1")
    t.check(o1.get_slot(b, "momentum") is None, "b has a slot without a gradient")


@case
def optimizer_adam_graph(t):
    w, b, gv = _model()
    o = tf.train.AdamOptimizer()
    train = o.apply_gradients(gv)
    t.eq(train.name, "Adam")
    b1, b2 = o._get_beta_accumulators()
    t.name(b1, "beta1_power:0")
    t.name(b2, "beta2_power:0")
    t.name(o.get_slot(w, "m"), "layer/w/Adam:0")
    t.name(o.get_slot(w, "v"), "layer/w/Adam_1:0")
    _op(t, "beta1_power/initial_value", "Const", "")
    _op(t, "beta1_power/Assign", "Assign", "beta1_power:0 beta1_power/initial_value:0")
    _op(t, "Adam/update_layer/w/ApplyAdam", "ApplyAdam",
        "layer/w:0 layer/w/Adam:0 layer/w/Adam_1:0 beta1_power/read:0 beta2_power/read:0 Adam/learning_rate:0 "
        "Adam/beta1:0 Adam/beta2:0 Adam/epsilon:0 gw:0")
    _op(t, "Adam/mul", "Mul",
        "beta1_power/read:0 Adam/beta1:0 ^Adam/update_layer/w/ApplyAdam ^Adam/update_layer/b/ApplyAdam")
    _op(t, "Adam/Assign", "Assign", "beta1_power:0 Adam/mul:0")
    _op(t, "Adam/mul_1", "Mul",
        "beta2_power/read:0 Adam/beta2:0 ^Adam/update_layer/w/ApplyAdam ^Adam/update_layer/b/ApplyAdam")
    _op(t, "Adam/Assign_1", "Assign", "beta2_power:0 Adam/mul_1:0")
    _op(t, "Adam", "NoOp", "^Adam/update_layer/w/ApplyAdam ^Adam/update_layer/b/ApplyAdam ^Adam/Assign ^Adam/Assign_1")
    t.eq(_names(tf.GraphKeys.GLOBAL_VARIABLES),
         "layer/w:0 layer/b:0 beta1_power:0 beta2_power:0 layer/w/Adam:0 layer/w/Adam_1:0 layer/b/Adam:0 "
         "layer/b/Adam_1:0")
    t.eq(_names(tf.GraphKeys.TRAINABLE_VARIABLES), "layer/w:0 layer/b:0")


@case
def optimizer_adam_in_outer_scopes(t):
    w, b, gv = _model()
    with tf.variable_scope("outer"):
        with tf.name_scope("ns"):
            o = tf.train.AdamOptimizer()
            train = o.apply_gradients(gv, name="train")
    t.eq(train.name, "outer/ns/train")
    t.name(o.get_slot(w, "m"), "outer/layer/w/Adam:0")
    t.name(o._get_beta_accumulators()[0], "outer/ns/beta1_power:0")
    _ops("outer/ns/train/update_layer/b/ApplyAdam")


@case
def optimizer_rmsprop_centered_slots(t):
    w, b, gv = _model()
    o = tf.train.RMSPropOptimizer(0.01, momentum=0.9, centered=True)
    o.apply_gradients(gv)
    t.name(o.get_slot(w, "rms"), "layer/w/RMSProp:0")
    t.name(o.get_slot(w, "mg"), "layer/w/RMSProp_1:0")
    t.name(o.get_slot(w, "momentum"), "layer/w/RMSProp_2:0")
    _op(t, "layer/w/RMSProp/Initializer/ones", "Const", "")
    _op(t, "RMSProp/decay", "Const", "")
    _op(t, "RMSProp/update_layer/w/ApplyCenteredRMSProp", "ApplyCenteredRMSProp",
        "layer/w:0 layer/w/RMSProp_1:0 layer/w/RMSProp:0 layer/w/RMSProp_2:0 RMSProp/learning_rate:0 "
        "RMSProp/decay:0 RMSProp/momentum:0 RMSProp/epsilon:0 gw:0")
    t.eq(o.get_slot_names(), ["mg", "momentum", "rms"])


@case
def optimizer_slots_placed_with_variable(t):
    with tf.device("/cpu:0"):
        v = tf.get_variable("v", [4])
    grad = tf.placeholder(tf.float32, [4], name="g")
    with tf.device("/device:GPU:3"):
        o = tf.train.AdamOptimizer()
        o.apply_gradients([(grad, v)])
    t.eq(o.get_slot(v, "m").op.device, "/device:CPU:0")
    t.eq(o._get_beta_accumulators()[0].op.device, "/device:CPU:0")
    t.eq(_ops("Adam/update_v/ApplyAdam").device, "/device:CPU:0")
    t.eq(_ops("Adam/learning_rate").device, "/device:GPU:3")


@case
def optimizer_global_step_ops(t):
    w, b, gv = _model()
    with tf.variable_scope("foo"):
        step = tf.train.get_or_create_global_step()
    t.name(step, "foo/global_step:0")
    t.check(step.dtype.base_dtype == tf.int64 and not step.trainable, "global_step is not a non-trainable int64")
    t.eq(_names(tf.GraphKeys.GLOBAL_STEP), "foo/global_step:0")
    t.check(tf.train.get_or_create_global_step() is step, "a second global step")
    t.raises(ValueError, tf.train.create_global_step, msg='"global_step" already exists.')
    train = tf.train.GradientDescentOptimizer(0.1, name="sgd").apply_gradients(gv, global_step=step)
    t.eq(train.name, "sgd")
    _op(t, "sgd/update", "NoOp", "^sgd/update_layer/w/ApplyGradientDescent ^sgd/update_layer/b/ApplyGradientDescent")
    _op(t, "sgd/value", "Const", "^sgd/update")
    _op(t, "sgd", "AssignAdd", "foo/global_step:0 sgd/value:0")


@case
def optimizer_global_step_must_be_integer(t):
    tf.Variable(1.5, name="global_step")
    t.raises(TypeError, tf.train.get_or_create_global_step,
             msg="Existing \"global_step\" does not have integer type: <dtype: 'float32_ref'>")


@case
def optimizer_apply_gradients_errors(t):
    w, b, gv = _model()
    o = tf.train.GradientDescentOptimizer(0.1)
    t.raises(ValueError, lambda: o.apply_gradients([]), msg="No variables provided.")
    t.raises(ValueError, lambda: o.apply_gradients([(None, w), (None, b)]),
             msg="No gradients provided for any variable: [\"<tf.Variable 'layer/w:0' shape=(2, 3) "
                 "dtype=float32_ref>\", \"<tf.Variable 'layer/b:0' shape=(3,) dtype=float32_ref>\"].")
    gb = gv[1][0]
    t.raises(ValueError, lambda: o.apply_gradients([(gb, w)]),
             msg="Shapes must be equal rank, but are 2 and 1 for '{{node GradientDescent/update_layer/w/"
                 "ApplyGradientDescent}} = ApplyGradientDescent[T=DT_FLOAT, use_locking=false](layer/w, "
                 "GradientDescent/learning_rate, gb)' with input shapes: [2,3], [], [3].")
    ints = tf.placeholder(tf.int32, [2, 3], name="ints")
    t.raises(TypeError, lambda: o.apply_gradients([(ints, w)]),
             msg="Input 'delta' of 'ApplyGradientDescent' Op has type int32 that does not match type float32 of "
                 "argument 'var'.")
    m = tf.train.MomentumOptimizer(0.1, 0.9)
    tall = tf.placeholder(tf.float32, [3, 2], name="tall")
    t.raises(ValueError, lambda: m.apply_gradients([(tall, w)]),
             msg="Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes are [2,3] and [3,2]. for "
                 "'{{node Momentum/update_layer/w/ApplyMomentum}} = ApplyMomentum[T=DT_FLOAT, use_locking=false, "
                 "use_nesterov=false](layer/w, layer/w/Momentum, Momentum/learning_rate, tall, Momentum/momentum)' "
                 "with input shapes: [2,3], [2,3], [], [3,2], [].")


@case
def optimizer_minimize_errors(t):
    w = tf.get_variable("w", [2, 3])
    c = tf.get_variable("c", [1])
    loss = tf.reduce_sum(w)
    o = tf.train.GradientDescentOptimizer(0.1)
    t.raises(ValueError, lambda: o.minimize(loss, var_list=[]), msg="No variables to optimize.")
    t.raises(ValueError, lambda: o.minimize(loss, var_list=[c]),
             msg="No gradients provided for any variable, check your graph for ops that do not support gradients, "
                 "between variables [\"<tf.Variable 'c:0' shape=(1,) dtype=float32_ref>\"] and loss "
                 "Tensor(\"Sum:0\", shape=(), dtype=float32).")
    ione = tf.constant(1, name="ione")
    t.raises(ValueError, lambda: o.minimize(ione),
             msg="Invalid type tf.int32 for ione:0, expected: [tf.float32, tf.float64, tf.float16, tf.bfloat16].")


@case
def gradients_gated_across_devices(t):
    x = tf.constant([1.0, 2.0], name="x")
    c = tf.constant([3.0, 4.0], name="c")
    with tf.device("/job:w/task:1"):
        s = x - c
    with tf.device("/job:w/task:0"):
        l = tf.reduce_sum(s)
    d = tf.gradients(l, [x, c], colocate_gradients_with_ops=True, gate_gradients=True)
    t.eq(d[0].name, "gradients/sub_grad/tuple/control_dependency:0")
    t.eq(d[1].name, "gradients/sub_grad/tuple/control_dependency_1:0")
    _op(t, "gradients/sub_grad/tuple/group_deps/NoOp", "NoOp", "^gradients/Sum_grad/Tile")
    _op(t, "gradients/sub_grad/tuple/group_deps/NoOp_1", "NoOp", "^gradients/sub_grad/Neg")
    _op(t, "gradients/sub_grad/tuple/group_deps", "NoOp",
        "^gradients/sub_grad/tuple/group_deps/NoOp ^gradients/sub_grad/tuple/group_deps/NoOp_1")
    _op(t, "gradients/sub_grad/tuple/control_dependency", "Identity",
        "gradients/Sum_grad/Tile:0 ^gradients/sub_grad/tuple/group_deps")
    _op(t, "gradients/sub_grad/tuple/control_dependency_1", "Identity",
        "gradients/sub_grad/Neg:0 ^gradients/sub_grad/tuple/group_deps")
    t.eq(_ops("gradients/sub_grad/tuple/group_deps/NoOp").device, "/job:w/task:0")
    t.eq(_ops("gradients/sub_grad/tuple/group_deps/NoOp_1").device, "/job:w/task:1")
    t.eq(_ops("gradients/sub_grad/tuple/group_deps").device, "")
    t.eq(d[0].device, "/job:w/task:0")
    t.eq(d[1].device, "/job:w/task:1")
    t.eq(d[0].op.get_attr("_class"), [b"loc:@Sum"])
    t.eq(d[1].op.get_attr("_class"), [b"loc:@sub"])


@case
def optimizer_gate_gradients(t):
    x = tf.constant(np.ones((4, 2), np.float32), name="x")
    w = tf.get_variable("w", [2, 3])
    b = tf.get_variable("b", [3])
    c = tf.get_variable("c", [1])
    loss = tf.reduce_sum(tf.square(tf.matmul(x, w) + b))
    o = tf.train.GradientDescentOptimizer(0.1)
    gv = o.compute_gradients(loss, var_list=[w, b])
    t.eq([g.name for g, _ in gv], ["gradients/MatMul_grad/tuple/control_dependency_1:0",
                                   "gradients/add_grad/tuple/control_dependency_1:0"])
    gv = o.compute_gradients(loss, var_list=[w, b], gate_gradients=tf.train.Optimizer.GATE_GRAPH)
    t.eq([g.name for g, _ in gv], ["tuple/control_dependency:0", "tuple/control_dependency_1:0"])
    _op(t, "tuple/group_deps", "NoOp", "^gradients_1/add_grad/Reshape ^gradients_1/MatMul_grad/MatMul_1")
    _op(t, "tuple/control_dependency", "Identity", "gradients_1/MatMul_grad/MatMul_1:0 ^tuple/group_deps")
    _op(t, "tuple/control_dependency_1", "Identity", "gradients_1/add_grad/Reshape:0 ^tuple/group_deps")
    gv = o.compute_gradients(loss, var_list=[w, b], gate_gradients=tf.train.Optimizer.GATE_NONE)
    t.eq([g.name for g, _ in gv], ["gradients_2/MatMul_grad/MatMul_1:0", "gradients_2/add_grad/Reshape:0"])
    train = o.minimize(loss, var_list=[w, b])
    t.eq(train.name, "GradientDescent")
    _op(t, "GradientDescent/update_w/ApplyGradientDescent", "ApplyGradientDescent",
        "w:0 GradientDescent/learning_rate:0 gradients_3/MatMul_grad/tuple/control_dependency_1:0")
    _op(t, "GradientDescent/update_b/ApplyGradientDescent", "ApplyGradientDescent",
        "b:0 GradientDescent/learning_rate:0 gradients_3/add_grad/tuple/control_dependency_1:0")
    t.raises(ValueError, lambda: o.compute_gradients(loss, gate_gradients=7),
             msg="gate_gradients must be one of: Optimizer.GATE_NONE, Optimizer.GATE_OP, Optimizer.GATE_GRAPH.  "
                 "Not 7")
    t.raises(ValueError, lambda: o.compute_gradients(loss, var_list=[c], gate_gradients=2),
             msg="'tensors' must have at least one Tensor. Received: [None].")
    gv = o.compute_gradients(loss, var_list=[w, b], gate_gradients=tf.train.Optimizer.GATE_GRAPH)
    t.eq(gv[0][0].name, "tuple_2/control_dependency:0")


@case
def optimizer_run_time_errors(t):
    v = tf.get_variable("v", [3])
    grad = tf.placeholder(tf.float32, None, name="g")
    o = tf.train.MomentumOptimizer(0.1, 0.9)
    train = o.apply_gradients([(grad, v)])
    with t.session() as s:
        s.run(v.initializer)
        t.raises("FailedPreconditionError", lambda: s.run(train, {grad: [1.0, 2, 3]}),
                 fragment="Attempting to use uninitialized value v/Momentum\n\t [[{{node "
                          "Momentum/update_v/ApplyMomentum}}]]")
        s.run(o.get_slot(v, "momentum").initializer)
        t.raises("InvalidArgumentError", lambda: s.run(train, {grad: [1.0, 2]}),
                 fragment="var and grad do not have the same shape[3] [2]\n\t [[{{node "
                          "Momentum/update_v/ApplyMomentum}}]]")


# ---- trajectories ----

W0 = np.array([[0.5, -1, 2], [1.5, 0, -0.25]], np.float32)
TARGET = np.array([[1, 2, 3], [-1, 0.5, 0]], np.float32)


def _trajectory(t, opt, want, resource=False, steps=5, constraint=None):
    w = tf.get_variable("w", initializer=tf.constant(W0), use_resource=resource, constraint=constraint)
    # The C case reads w through vs_var_value: "w/read", "w/Read/ReadVariableOp".
    read = w if not resource else tf.get_default_graph().get_tensor_by_name("w/Read/ReadVariableOp:0")
    loss = tf.reduce_sum(tf.square(read - tf.constant(TARGET, name="T")))
    train = opt.minimize(loss)
    with t.session() as s:
        s.run(tf.global_variables_initializer())
        for i in range(steps):
            got = s.run([loss, train])[0]
            t.near(got, want[6 + i], 2e-6 * (1 + abs(want[6 + i])), "loss %d" % i)
        for i, x in enumerate(s.run(w).ravel()):
            t.near(x, want[i], 2e-6 * (1 + abs(want[i])), "w[%d]" % i)


@case
def optimizer_trajectory_gradient_descent(t):
    _trajectory(t, tf.train.GradientDescentOptimizer(0.1), [
        0.836160004, 1.01696002, 2.67232013, -0.180800006, 0.336160004, -0.0819199905,
        16.8125, 10.7599993, 6.88639975, 4.40729618, 2.82066894])


@case
def optimizer_trajectory_momentum(t):
    _trajectory(t, tf.train.MomentumOptimizer(0.1, 0.9), [
        1.29021001, 3.74125981, 3.58042002, -2.4510498, 0.790210009, 0.145105004,
        16.8125, 10.7599993, 3.55752516, 0.0646272376, 1.60112059])


@case
def optimizer_trajectory_nesterov(t):
    _trajectory(t, tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True), [
        1.20785868, 3.24715257, 3.41571736, -2.03929377, 0.707858801, 0.103929378,
        16.8125, 6.46272469, 0.831575871, 0.197381243, 1.77388644])


@case
def optimizer_trajectory_adam(t):
    _trajectory(t, tf.train.AdamOptimizer(0.1), [
        0.972184122, -0.501780987, 2.49203467, 1.00222623, 0.472184122, 0.127603322,
        16.8125, 15.3225012, 13.9561949, 12.7112398, 11.5784664])


@case
def optimizer_trajectory_rmsprop(t):
    _trajectory(t, tf.train.RMSPropOptimizer(0.01), [
        0.548375249, -0.900172234, 2.07431698, 1.40253067, 0.0483752303, -0.223145574,
        16.8125, 16.451601, 16.1676674, 15.922492, 15.7016201])


@case
def optimizer_trajectory_rmsprop_centered(t):
    _trajectory(t, tf.train.RMSPropOptimizer(0.01, momentum=0.9, centered=True), [
        0.629604399, -0.68437469, 2.21451306, 1.19456804, 0.129604444, -0.180925518,
        16.8125, 16.4385834, 15.801651, 14.9727497, 14.0061302])


@case
def optimizer_learning_rate_tensor_fed(t):
    w = tf.get_variable("w", initializer=tf.constant(W0))
    loss = tf.reduce_sum(tf.square(w - tf.constant(TARGET, name="T")))
    lr = tf.placeholder(tf.float32, [], name="lr")
    train = tf.train.MomentumOptimizer(lr, 0.9).minimize(loss)
    graph = tf.get_default_graph()
    t.check("Momentum/learning_rate" not in [o.name for o in graph.get_operations()], "a learning_rate Const")
    apply = graph.get_operation_by_name("Momentum/update_w/ApplyMomentum")
    t.eq(apply.inputs[1].name, "w/Momentum:0")
    t.eq(apply.inputs[2].name, "lr:0")
    t.eq(apply.inputs[4].name, "Momentum/momentum:0")
    with t.session() as s:
        s.run(tf.global_variables_initializer())
        for r in (0.1, 0.05, 0.0):
            s.run(train, {lr: r})
        want = [0.685000002, 0.110000014, 2.37000012, 0.574999988, 0.185000002, -0.157499999]
        for i, x in enumerate(s.run(w).ravel()):
            t.near(x, want[i], 2e-6 * (1 + abs(want[i])), "w[%d]" % i)


def _gan_dense(x, n, name):
    with tf.variable_scope(name):
        w = tf.get_variable("w", [x.shape[1], n])
        b = tf.get_variable("b", [n], initializer=tf.zeros_initializer())
        return tf.nn.bias_add(tf.matmul(x, w), b)


@case
def optimizer_gan_var_lists_from_scopes(t):
    z = tf.placeholder(tf.float32, [4, 2], name="z")
    real = tf.placeholder(tf.float32, [4, 3], name="real")
    with tf.variable_scope("generator"):
        fake = _gan_dense(z, 3, "out")

    def disc(x, reuse):
        with tf.variable_scope("discriminator", reuse=reuse):
            return _gan_dense(tf.nn.relu(x), 1, "logit")
    dr, df = disc(real, None), disc(fake, True)
    d_loss = tf.reduce_mean(tf.square(dr - 1.0)) + tf.reduce_mean(tf.square(df))
    g_loss = tf.reduce_mean(tf.square(df - 1.0))
    d_vars, g_vars = tf.trainable_variables("discriminator"), tf.trainable_variables("generator")
    t.eq(len(d_vars), 2)
    t.eq(len(g_vars), 2)
    d_train = tf.train.AdamOptimizer(0.001).minimize(d_loss, var_list=d_vars, name="d_train")
    g_train = tf.train.AdamOptimizer(0.001).minimize(g_loss, var_list=g_vars, name="g_train")
    t.eq(d_train.name, "d_train")
    t.eq(g_train.name, "g_train")
    t.eq(_names(tf.GraphKeys.GLOBAL_VARIABLES),
         "generator/out/w:0 generator/out/b:0 discriminator/logit/w:0 discriminator/logit/b:0 beta1_power:0 "
         "beta2_power:0 discriminator/logit/w/Adam:0 discriminator/logit/w/Adam_1:0 discriminator/logit/b/Adam:0 "
         "discriminator/logit/b/Adam_1:0 beta1_power_1:0 beta2_power_1:0 generator/out/w/Adam:0 "
         "generator/out/w/Adam_1:0 generator/out/b/Adam:0 generator/out/b/Adam_1:0")
    t.eq(" ".join(o.name for o in tf.get_default_graph().get_operations() if o.type == "ApplyAdam"),
         "d_train/update_discriminator/logit/w/ApplyAdam d_train/update_discriminator/logit/b/ApplyAdam "
         "g_train/update_generator/out/w/ApplyAdam g_train/update_generator/out/b/ApplyAdam")
    t.eq(tf.get_collection(tf.GraphKeys.TRAIN_OP), [d_train, g_train])
    t.eq(_ops("g_train/mul").inputs[0].name, "beta1_power_1/read:0")


def _resume_tf_checkpoint(t, resource):
    w = tf.get_variable("w", initializer=tf.constant(W0), use_resource=resource)
    read = w if not resource else tf.get_default_graph().get_tensor_by_name("w/Read/ReadVariableOp:0")
    loss = tf.reduce_sum(tf.square(read - tf.constant(TARGET, name="T")))
    step = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden", "train",
                        "adam_3_steps", "model.ckpt")
    with t.session() as s:
        tf.train.Saver().restore(s, path)
        for i, want in enumerate([12.7112398, 11.5784664]):
            t.near(s.run([loss, train])[0], want, 2e-6 * (1 + want), "loss %d" % i)
        want_w = [0.972184122, -0.501780987, 2.49203467, 1.00222623, 0.472184122, 0.127603322]
        for i, x in enumerate(s.run(w).ravel()):
            t.near(x, want_w[i], 2e-6 * (1 + abs(want_w[i])), "w[%d]" % i)
        t.eq(s.run(step), 5, "global_step")


@case
def optimizer_resumes_tf_checkpoint_with_slots(t):
    _resume_tf_checkpoint(t, False)


# ---- resource variables (use_resource=True) ----
# The C cases read a resource variable through vs_var_value(v), the
# "<v>/Read/ReadVariableOp" made with it (v._graph_element here), and pass
# the variable to tf.gradients / minimize, which differentiate v.handle.


def _read(name):
    return tf.get_default_graph().get_tensor_by_name(name + "/Read/ReadVariableOp:0")


def _class(name):
    op = _ops(name)
    return " ".join(c.decode() for c in op.get_attr("_class")) if "_class" in op.node_def.attr else ""


def _resource_model():
    with tf.variable_scope("layer", use_resource=True):
        w = tf.get_variable("w", [2, 3], initializer=tf.ones_initializer())
        b = tf.get_variable("b", [3], initializer=tf.zeros_initializer())
    gw = tf.placeholder(tf.float32, [2, 3], name="gw")
    gb = tf.placeholder(tf.float32, [3], name="gb")
    return w, b, [(gw, w), (gb, b)]


@case
def gradients_of_resource_variable_reads(t):
    w = tf.get_variable("w", initializer=tf.constant(W0), use_resource=True)
    c = tf.constant(TARGET, name="c")
    loss = tf.reduce_sum(tf.square(_read("w") - c)) + tf.reduce_sum(w.read_value() * c)
    t.eq(loss.name, "add:0")
    d = tf.gradients(loss, [w])
    t.eq(d[0].name, "gradients/AddN:0")
    _op(t, "gradients/AddN", "AddN", "gradients/Square_grad/Mul_1:0 gradients/mul_grad/Mul:0")
    t.check(tf.get_default_graph().get_operations()[-1].name == "gradients/AddN", "ops built after the AddN")
    e = tf.gradients(tf.reduce_sum(_read("w")), [w])
    t.eq(e[0].name, "gradients_1/Sum_2_grad/Tile:0")
    with t.session() as s:
        s.run(w.initializer)
        got = s.run(d[0]).ravel()
    want = 2 * (W0 - TARGET) + TARGET
    for i, x in enumerate(got):
        t.near(x, want.ravel()[i], 1e-6 * (1 + abs(want.ravel()[i])), "d[%d]" % i)


@case
def optimizer_resource_gradient_descent_graph(t):
    w, b, gv = _resource_model()
    train = tf.train.GradientDescentOptimizer(0.1).apply_gradients(gv)
    t.eq(train.name, "GradientDescent")
    _op(t, "GradientDescent/update_layer/w/ResourceApplyGradientDescent", "ResourceApplyGradientDescent",
        "layer/w:0 GradientDescent/learning_rate:0 gw:0")
    t.eq(_class("GradientDescent/update_layer/w/ResourceApplyGradientDescent"), "loc:@layer/w")
    t.eq(len(_ops("GradientDescent/update_layer/w/ResourceApplyGradientDescent").outputs), 0)
    _op(t, "GradientDescent", "NoOp",
        "^GradientDescent/update_layer/w/ResourceApplyGradientDescent "
        "^GradientDescent/update_layer/b/ResourceApplyGradientDescent")
    t.eq(tf.get_collection(tf.GraphKeys.TRAIN_OP), [train])


@case
def optimizer_resource_momentum_slots(t):
    w, b, gv = _resource_model()
    with tf.device("/device:GPU:3"):
        o = tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True)
        train = o.apply_gradients(gv)
    t.eq(train.name, "Momentum")
    slot = o.get_slot(w, "momentum")
    t.name(slot, "layer/w/Momentum:0")
    t.check(isinstance(slot, type(w)), "the slot of a resource variable is not one")
    t.check(not slot.trainable, "a slot is trainable")
    _op(t, "layer/w/Momentum", "VarHandleOp", "")
    t.eq(_class("layer/w/Momentum"), "loc:@layer/w")
    _op(t, "layer/w/Momentum/Initializer/zeros", "Const", "")
    _op(t, "layer/w/Momentum/Assign", "AssignVariableOp", "layer/w/Momentum:0 layer/w/Momentum/Initializer/zeros:0")
    _op(t, "Momentum/update_layer/w/ResourceApplyMomentum", "ResourceApplyMomentum",
        "layer/w:0 layer/w/Momentum:0 Momentum/learning_rate:0 gw:0 Momentum/momentum:0")
    t.eq(_ops("Momentum/update_layer/w/ResourceApplyMomentum").get_attr("use_nesterov"), True)
    t.eq(_ops("Momentum/learning_rate").device, "/device:GPU:3")
    t.eq(_names(tf.GraphKeys.GLOBAL_VARIABLES), "layer/w:0 layer/b:0 layer/w/Momentum:0 layer/b/Momentum:0")
    t.eq(_names(tf.GraphKeys.TRAINABLE_VARIABLES), "layer/w:0 layer/b:0")


@case
def optimizer_resource_adam_graph(t):
    w, b, gv = _resource_model()
    o = tf.train.AdamOptimizer()
    train = o.apply_gradients(gv)
    t.eq(train.name, "Adam")
    b1, b2 = o._get_beta_accumulators()
    t.name(b1, "beta1_power:0")
    t.check(isinstance(b1, type(w)), "beta1_power is not a resource variable")
    t.eq(_class("beta1_power"), "loc:@layer/b")
    _op(t, "beta1_power/Initializer/initial_value", "Const", "")
    _op(t, "beta1_power/Assign", "AssignVariableOp", "beta1_power:0 beta1_power/Initializer/initial_value:0")
    t.name(o.get_slot(w, "v"), "layer/w/Adam_1:0")
    _op(t, "Adam/update_layer/w/ResourceApplyAdam/ReadVariableOp", "ReadVariableOp", "beta1_power:0")
    _op(t, "Adam/update_layer/w/ResourceApplyAdam/ReadVariableOp_1", "ReadVariableOp", "beta2_power:0")
    t.eq(_class("Adam/update_layer/w/ResourceApplyAdam/ReadVariableOp"), "")
    _op(t, "Adam/update_layer/w/ResourceApplyAdam", "ResourceApplyAdam",
        "layer/w:0 layer/w/Adam:0 layer/w/Adam_1:0 Adam/update_layer/w/ResourceApplyAdam/ReadVariableOp:0 "
        "Adam/update_layer/w/ResourceApplyAdam/ReadVariableOp_1:0 Adam/learning_rate:0 Adam/beta1:0 Adam/beta2:0 "
        "Adam/epsilon:0 gw:0")
    updates = "^Adam/update_layer/w/ResourceApplyAdam ^Adam/update_layer/b/ResourceApplyAdam"
    _op(t, "Adam/ReadVariableOp", "ReadVariableOp", "beta1_power:0 " + updates)
    _op(t, "Adam/mul", "Mul", "Adam/ReadVariableOp:0 Adam/beta1:0")
    t.eq(_class("Adam/mul"), "loc:@layer/b")
    _op(t, "Adam/AssignVariableOp", "AssignVariableOp", "beta1_power:0 Adam/mul:0")
    _op(t, "Adam/ReadVariableOp_1", "ReadVariableOp", "beta1_power:0 " + updates + " ^Adam/AssignVariableOp")
    _op(t, "Adam/mul_1", "Mul", "Adam/ReadVariableOp_2:0 Adam/beta2:0")
    _op(t, "Adam/AssignVariableOp_1", "AssignVariableOp", "beta2_power:0 Adam/mul_1:0")
    _op(t, "Adam", "NoOp", updates + " ^Adam/AssignVariableOp ^Adam/AssignVariableOp_1")
    t.eq(_names(tf.GraphKeys.GLOBAL_VARIABLES),
         "layer/w:0 layer/b:0 beta1_power:0 beta2_power:0 layer/w/Adam:0 layer/w/Adam_1:0 layer/b/Adam:0 "
         "layer/b/Adam_1:0")


@case
def optimizer_resource_rmsprop_centered_slots(t):
    w, b, gv = _resource_model()
    o = tf.train.RMSPropOptimizer(0.01, momentum=0.9, centered=True)
    o.apply_gradients(gv)
    t.name(o.get_slot(w, "mg"), "layer/w/RMSProp_1:0")
    _op(t, "layer/w/RMSProp/Initializer/ones", "Const", "")
    _op(t, "RMSProp/update_layer/w/ResourceApplyCenteredRMSProp", "ResourceApplyCenteredRMSProp",
        "layer/w:0 layer/w/RMSProp_1:0 layer/w/RMSProp:0 layer/w/RMSProp_2:0 RMSProp/learning_rate:0 "
        "RMSProp/decay:0 RMSProp/momentum:0 RMSProp/epsilon:0 gw:0")
    o2 = tf.train.RMSPropOptimizer(0.01, name="plain")
    o2.apply_gradients(gv[:1])
    _op(t, "plain/update_layer/w/ResourceApplyRMSProp", "ResourceApplyRMSProp",
        "layer/w:0 layer/w/plain:0 layer/w/plain_1:0 plain/learning_rate:0 plain/decay:0 plain/momentum:0 "
        "plain/epsilon:0 gw:0")


@case
def optimizer_resource_global_step(t):
    tf.enable_resource_variables()
    try:
        w, b, gv = _model()  # enable_resource_variables: resource variables
        t.eq(_ops("layer/w").type, "VarHandleOp")
        with tf.variable_scope("foo"):
            step = tf.train.get_or_create_global_step()
        t.name(step, "foo/global_step:0")
        t.eq(_ops("foo/global_step").type, "VarHandleOp")
        train = tf.train.GradientDescentOptimizer(0.1, name="sgd").apply_gradients(gv, global_step=step)
    finally:
        tf.disable_resource_variables()
    t.eq(train.name, "sgd")
    t.eq(train.type, "AssignAddVariableOp")
    _op(t, "sgd/update", "NoOp",
        "^sgd/update_layer/w/ResourceApplyGradientDescent ^sgd/update_layer/b/ResourceApplyGradientDescent")
    _op(t, "sgd/Const", "Const", "^sgd/update")
    _op(t, "sgd", "AssignAddVariableOp", "foo/global_step:0 sgd/Const:0")
    t.eq(_class("sgd"), "loc:@foo/global_step")
    t.eq(tf.get_collection(tf.GraphKeys.TRAIN_OP), [train])
    with t.session() as s:
        s.run(tf.global_variables_initializer())
        feed = {gv[0][0]: np.ones((2, 3)), gv[1][0]: np.ones(3)}
        for _ in range(3):
            s.run(train, feed)
        t.eq(s.run(step), 3, "global_step")
        t.near(s.run(_read("layer/b"))[0], -0.3, 1e-6, "b[0]")


@case
def optimizer_resource_mixed_with_ref_variables(t):
    tf.enable_resource_variables()
    try:
        w = tf.get_variable("w", [2, 3])
        b = tf.get_variable("b", [3], use_resource=False)
    finally:
        tf.disable_resource_variables()
    gw = tf.placeholder(tf.float32, [2, 3], name="gw")
    gb = tf.placeholder(tf.float32, [3], name="gb")
    o = tf.train.AdamOptimizer()
    o.apply_gradients([(gw, w), (gb, b)])
    t.eq(_ops("beta1_power").type, "VariableV2")  # colocated with b, a RefVariable
    t.eq(_ops("w/Adam").type, "VarHandleOp")
    t.eq(_ops("b/Adam").type, "VariableV2")
    t.eq(_class("w/Adam"), "loc:@w")
    t.eq(_class("b/Adam"), "loc:@b")
    _op(t, "Adam/update_w/ResourceApplyAdam", "ResourceApplyAdam",
        "w:0 w/Adam:0 w/Adam_1:0 beta1_power/read:0 beta2_power/read:0 Adam/learning_rate:0 Adam/beta1:0 "
        "Adam/beta2:0 Adam/epsilon:0 gw:0")
    _op(t, "Adam/update_b/ApplyAdam", "ApplyAdam",
        "b:0 b/Adam:0 b/Adam_1:0 beta1_power/read:0 beta2_power/read:0 Adam/learning_rate:0 Adam/beta1:0 "
        "Adam/beta2:0 Adam/epsilon:0 gb:0")
    _op(t, "Adam/mul", "Mul", "beta1_power/read:0 Adam/beta1:0 ^Adam/update_w/ResourceApplyAdam ^Adam/update_b/ApplyAdam")
    _op(t, "Adam", "NoOp", "^Adam/update_w/ResourceApplyAdam ^Adam/update_b/ApplyAdam ^Adam/Assign ^Adam/Assign_1")


X0 = np.array([0.5, -0.5, 1.0], np.float32)


@case
def optimizer_resource_mixed_trajectory(t):
    w = tf.get_variable("w", initializer=tf.constant(W0), use_resource=True)
    x = tf.get_variable("x", initializer=tf.constant(X0))
    loss = tf.reduce_sum(tf.square(_read("w") + x - tf.constant(TARGET, name="T")))
    train = tf.train.AdamOptimizer(0.1).minimize(loss)
    _op(t, "Adam/update_x/ApplyAdam/ReadVariableOp", "ReadVariableOp", "beta1_power:0")
    _op(t, "Adam/update_x/ApplyAdam", "ApplyAdam",
        "x:0 x/Adam:0 x/Adam_1:0 Adam/update_x/ApplyAdam/ReadVariableOp:0 Adam/update_x/ApplyAdam/ReadVariableOp_1:0 "
        "Adam/learning_rate:0 Adam/beta1:0 Adam/beta2:0 Adam/epsilon:0 gradients/add_grad/tuple/control_dependency_1:0")
    want_loss = [22.8125, 19.6924992, 16.8959064, 14.4229393, 12.2606745]
    want_w = [0.845817327, -0.503523111, 2.34525871, 1.00435424, 0.471749127, -0.700331211]
    want_x = [0.00588461012, -0.00660089403, 0.583236516]
    with t.session() as s:
        s.run(tf.global_variables_initializer())
        for i in range(5):
            t.near(s.run([loss, train])[0], want_loss[i], 2e-6 * (1 + want_loss[i]), "loss %d" % i)
        for i, v in enumerate(s.run(w).ravel()):
            t.near(v, want_w[i], 2e-6 * (1 + abs(want_w[i])), "w[%d]" % i)
        for i, v in enumerate(s.run(x).ravel()):
            t.near(v, want_x[i], 2e-6 * (1 + abs(want_x[i])), "x[%d]" % i)


@case
def optimizer_resource_apply_errors(t):
    w, b, gv = _resource_model()
    o = tf.train.GradientDescentOptimizer(0.1)
    t.raises(ValueError, lambda: o.apply_gradients([(None, w), (None, b)]),
             msg="No gradients provided for any variable: [\"<tf.Variable 'layer/w:0' shape=(2, 3) dtype=float32>\", "
                 "\"<tf.Variable 'layer/b:0' shape=(3,) dtype=float32>\"].")
    gb = gv[1][0]
    t.raises(ValueError, lambda: o.apply_gradients([(gb, w)]),
             msg="Shapes must be equal rank, but are 2 and 1 for '{{node GradientDescent/update_layer/w/"
                 "ResourceApplyGradientDescent}} = ResourceApplyGradientDescent[T=DT_FLOAT, use_locking=false]"
                 "(layer/w, GradientDescent/learning_rate, gb)' with input shapes: [], [], [3].")
    lr2 = tf.placeholder(tf.float32, [2], name="lr2")
    t.raises(ValueError, lambda: tf.train.MomentumOptimizer(lr2, 0.9).apply_gradients(gv[:1]),
             msg="Shape must be rank 0 but is rank 1 for '{{node Momentum/update_layer/w/ResourceApplyMomentum}} = "
                 "ResourceApplyMomentum[T=DT_FLOAT, use_locking=false, use_nesterov=false](layer/w, "
                 "layer/w/Momentum, lr2, gw, Momentum/momentum)' with input shapes: [], [], [2], [2,3], [].")
    # TF 2.21 checks a resource Momentum's gradient only when it runs.
    tall = tf.placeholder(tf.float32, [3, 2], name="tall")
    train = tf.train.MomentumOptimizer(0.1, 0.9, name="m2").apply_gradients([(tall, w)])
    t.eq(train.name, "m2")
    bv = tf.get_variable("bv", [2], dtype=tf.bool, use_resource=True)
    gbool = tf.placeholder(tf.bool, [2], name="gbool")
    t.raises(TypeError, lambda: o.apply_gradients([(gbool, bv)]),
             msg="Value passed to parameter 'alpha' has DataType bool not in list of allowed values: float32, "
                 "float64, int32, uint8, int16, int8, complex64, int64, qint8, quint8, qint32, bfloat16, qint16, "
                 "quint16, uint16, complex128, float16, uint32, uint64")


@case
def optimizer_resource_run_time_errors(t):
    v = tf.get_variable("v", [3], use_resource=True)
    grad = tf.placeholder(tf.float32, None, name="g")
    o = tf.train.MomentumOptimizer(0.1, 0.9)
    train = o.apply_gradients([(grad, v)])
    with t.session() as s:
        t.raises("InternalError", lambda: s.run(train, {grad: [1.0, 2, 3]}),
                 fragment="Invalid variable reference.\n\t [[{{node Momentum/update_v/ResourceApplyMomentum}}]]")
        s.run(v.initializer)
        t.raises("InternalError", lambda: s.run(train, {grad: [1.0, 2, 3]}),
                 fragment="Invalid variable reference.\n\t [[{{node Momentum/update_v/ResourceApplyMomentum}}]]")
        s.run(o.get_slot(v, "momentum").initializer)
        t.raises("InvalidArgumentError", lambda: s.run(train, {grad: [1.0, 2]}),
                 fragment="var and grad do not have the same shape[3] [2]\n\t [[{{node "
                          "Momentum/update_v/ResourceApplyMomentum}}]]")
        s.run(train, {grad: [1.0, 2, 3]})
        got = s.run(_read("v"))
        s.run(train, {grad: [1.0, 2, 3]})
        t.near(s.run(_read("v"))[2] - got[2], -0.3 * 1.9, 1e-6, "second step")


@case
def optimizer_resource_trajectory_gradient_descent(t):
    _trajectory(t, tf.train.GradientDescentOptimizer(0.1), [
        0.836160004, 1.01696002, 2.67232013, -0.180800006, 0.336160004, -0.0819199905,
        16.8125, 10.7599993, 6.88639975, 4.40729618, 2.82066894], resource=True)


@case
def optimizer_resource_trajectory_momentum(t):
    _trajectory(t, tf.train.MomentumOptimizer(0.1, 0.9), [
        1.29021001, 3.74125981, 3.58042002, -2.4510498, 0.790210009, 0.145105004,
        16.8125, 10.7599993, 3.55752516, 0.0646272376, 1.60112059], resource=True)


@case
def optimizer_resource_trajectory_nesterov(t):
    _trajectory(t, tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True), [
        1.20785868, 3.24715257, 3.41571736, -2.03929377, 0.707858801, 0.103929378,
        16.8125, 6.46272469, 0.831575871, 0.197381243, 1.77388644], resource=True)


@case
def optimizer_resource_trajectory_adam(t):
    _trajectory(t, tf.train.AdamOptimizer(0.1), [
        0.972184122, -0.501780987, 2.49203467, 1.00222623, 0.472184122, 0.127603322,
        16.8125, 15.3225012, 13.9561949, 12.7112398, 11.5784664], resource=True)


@case
def optimizer_resource_trajectory_rmsprop(t):
    _trajectory(t, tf.train.RMSPropOptimizer(0.01), [
        0.548375249, -0.900172234, 2.07431698, 1.40253067, 0.0483752303, -0.223145574,
        16.8125, 16.451601, 16.1676674, 15.922492, 15.7016201], resource=True)


@case
def optimizer_resource_trajectory_rmsprop_centered(t):
    _trajectory(t, tf.train.RMSPropOptimizer(0.01, momentum=0.9, centered=True), [
        0.629604399, -0.68437469, 2.21451306, 1.19456804, 0.129604444, -0.180925518,
        16.8125, 16.4385834, 15.801651, 14.9727497, 14.0061302], resource=True)


@case
def optimizer_resource_resumes_tf_checkpoint(t):
    _resume_tf_checkpoint(t, True)


# ---- constraints after an update ----

def _clip(x):
    with tf.name_scope("clip"):
        lo = tf.constant(-0.2, name="lo")
        nhi = tf.constant(-0.6, name="neg_hi")
        return tf.maximum(tf.negative(tf.maximum(tf.negative(x), nhi)), lo)


def _clip_model(resource):
    w = tf.get_variable("w", initializer=tf.constant(W0), constraint=_clip, use_resource=resource)
    # The C case reads w through vs_var_value: "w/read", "w/Read/ReadVariableOp".
    read = w if not resource else tf.get_default_graph().get_tensor_by_name("w/Read/ReadVariableOp:0")
    return w, tf.reduce_sum(tf.square(read - tf.constant(TARGET, name="T")))


@case
def optimizer_constraint_assigned_after_update(t):
    w, loss = _clip_model(False)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    t.eq(train.name, "GradientDescent")
    _op(t, "GradientDescent/update_w/clip/lo", "Const", "^GradientDescent/update_w/ApplyGradientDescent")
    _op(t, "GradientDescent/update_w/clip/neg_hi", "Const", "^GradientDescent/update_w/ApplyGradientDescent")
    t.eq(_ops("GradientDescent/update_w/clip/Neg").type, "Neg")
    _op(t, "GradientDescent/update_w/clip/Maximum", "Maximum",
        "GradientDescent/update_w/clip/Neg:0 GradientDescent/update_w/clip/neg_hi:0")
    _op(t, "GradientDescent/update_w/clip/Neg_1", "Neg", "GradientDescent/update_w/clip/Maximum:0")
    _op(t, "GradientDescent/update_w/clip/Maximum_1", "Maximum",
        "GradientDescent/update_w/clip/Neg_1:0 GradientDescent/update_w/clip/lo:0")
    t.eq(_class("GradientDescent/update_w/clip/Maximum_1"), "loc:@w")
    _op(t, "GradientDescent/update_w/Assign", "Assign", "w:0 GradientDescent/update_w/clip/Maximum_1:0")
    t.eq(_class("GradientDescent/update_w/Assign"), "loc:@w")
    _op(t, "GradientDescent", "NoOp", "^GradientDescent/update_w/Assign")


@case
def optimizer_resource_constraint_assigned_after_update(t):
    w, loss = _clip_model(True)
    train = tf.train.AdamOptimizer(0.1).minimize(loss)
    t.eq(train.name, "Adam")
    _op(t, "Adam/update_w/clip/lo", "Const", "^Adam/update_w/ResourceApplyAdam")
    _op(t, "Adam/update_w/clip/Maximum_1", "Maximum", "Adam/update_w/clip/Neg_1:0 Adam/update_w/clip/lo:0")
    t.eq(_class("Adam/update_w/clip/Maximum_1"), "loc:@w")
    _op(t, "Adam/update_w/AssignVariableOp", "AssignVariableOp", "w:0 Adam/update_w/clip/Maximum_1:0")
    t.eq(_class("Adam/update_w/AssignVariableOp"), "loc:@w")
    _op(t, "Adam/update_w/ReadVariableOp", "ReadVariableOp",
        "w:0 ^Adam/update_w/ResourceApplyAdam ^Adam/update_w/AssignVariableOp")
    _op(t, "Adam", "NoOp", "^Adam/update_w/AssignVariableOp ^Adam/AssignVariableOp ^Adam/AssignVariableOp_1")


CLIP_GD_WANT = [0.600000024, 0.592000008, 0.600000024, 0.023999989, 0.244000018, -0.127999991,
                16.8125, 13.5200005, 10.7840004]
CLIP_ADAM_WANT = [0.600000024, -0.00454126298, 0.600000024, 0.407987535, 0.29512769, 0.0302073509,
                  16.8125, 13.5025005, 12.6922216]


def _clip_trajectory(t, opt, resource, want):
    _trajectory(t, opt, want, resource, 3, _clip)


@case
def optimizer_constraint_trajectory_gradient_descent(t):
    _clip_trajectory(t, tf.train.GradientDescentOptimizer(0.1), False, CLIP_GD_WANT)


@case
def optimizer_constraint_trajectory_adam(t):
    _clip_trajectory(t, tf.train.AdamOptimizer(0.1), False, CLIP_ADAM_WANT)


@case
def optimizer_resource_constraint_trajectory_gradient_descent(t):
    _clip_trajectory(t, tf.train.GradientDescentOptimizer(0.1), True, CLIP_GD_WANT)


@case
def optimizer_resource_constraint_trajectory_adam(t):
    _clip_trajectory(t, tf.train.AdamOptimizer(0.1), True, CLIP_ADAM_WANT)


# ---- slots of a variable without a device, made in a device scope ----

def _slot_devices(t, resource, want):
    w = tf.get_variable("w", [2], initializer=tf.ones_initializer(), use_resource=resource)
    gw = tf.placeholder(tf.float32, [2], name="gw")
    g = tf.get_default_graph()
    n0 = len(g.get_operations())
    with tf.device("/device:GPU:3"):
        train = tf.train.AdamOptimizer(0.1).apply_gradients([(gw, w)])
    t.check(train is not None, "no train op")
    got = " ".join("%s=%s" % (op.name, op.device or "-") for op in g.get_operations()[n0:])
    t.eq(got, want)


@case
def optimizer_slot_devices_from_device_scope(t):
    _slot_devices(t, False,
                  "beta1_power/initial_value=/device:GPU:3 beta1_power=/device:GPU:3 beta1_power/Assign=/device:GPU:3 "
                  "beta1_power/read=/device:GPU:3 beta2_power/initial_value=/device:GPU:3 beta2_power=/device:GPU:3 "
                  "beta2_power/Assign=/device:GPU:3 beta2_power/read=/device:GPU:3 w/Adam/Initializer/zeros=- "
                  "w/Adam=/device:GPU:3 w/Adam/Assign=/device:GPU:3 w/Adam/read=/device:GPU:3 "
                  "w/Adam_1/Initializer/zeros=- w/Adam_1=/device:GPU:3 w/Adam_1/Assign=/device:GPU:3 "
                  "w/Adam_1/read=/device:GPU:3 Adam/learning_rate=/device:GPU:3 Adam/beta1=/device:GPU:3 "
                  "Adam/beta2=/device:GPU:3 Adam/epsilon=/device:GPU:3 Adam/update_w/ApplyAdam=/device:GPU:3 "
                  "Adam/mul=/device:GPU:3 Adam/Assign=/device:GPU:3 Adam/mul_1=/device:GPU:3 "
                  "Adam/Assign_1=/device:GPU:3 Adam=/device:GPU:3")


@case
def optimizer_resource_slot_devices_from_device_scope(t):
    _slot_devices(t, True,
                  "beta1_power/Initializer/initial_value=- beta1_power=/device:GPU:3 "
                  "beta1_power/IsInitialized/VarIsInitializedOp=/device:GPU:3 beta1_power/Assign=/device:GPU:3 "
                  "beta1_power/Read/ReadVariableOp=/device:GPU:3 beta2_power/Initializer/initial_value=- "
                  "beta2_power=/device:GPU:3 beta2_power/IsInitialized/VarIsInitializedOp=/device:GPU:3 "
                  "beta2_power/Assign=/device:GPU:3 beta2_power/Read/ReadVariableOp=/device:GPU:3 "
                  "w/Adam/Initializer/zeros=- w/Adam=/device:GPU:3 w/Adam/IsInitialized/VarIsInitializedOp=/device:GPU:3 "
                  "w/Adam/Assign=/device:GPU:3 w/Adam/Read/ReadVariableOp=/device:GPU:3 w/Adam_1/Initializer/zeros=- "
                  "w/Adam_1=/device:GPU:3 w/Adam_1/IsInitialized/VarIsInitializedOp=/device:GPU:3 "
                  "w/Adam_1/Assign=/device:GPU:3 w/Adam_1/Read/ReadVariableOp=/device:GPU:3 "
                  "Adam/learning_rate=/device:GPU:3 Adam/beta1=/device:GPU:3 Adam/beta2=/device:GPU:3 "
                  "Adam/epsilon=/device:GPU:3 Adam/update_w/ResourceApplyAdam/ReadVariableOp=- "
                  "Adam/update_w/ResourceApplyAdam/ReadVariableOp_1=- Adam/update_w/ResourceApplyAdam=- "
                  "Adam/ReadVariableOp=- Adam/mul=/device:GPU:3 Adam/AssignVariableOp=/device:GPU:3 "
                  "Adam/ReadVariableOp_1=/device:GPU:3 Adam/ReadVariableOp_2=- Adam/mul_1=/device:GPU:3 "
                  "Adam/AssignVariableOp_1=/device:GPU:3 Adam/ReadVariableOp_3=/device:GPU:3 Adam/NoOp=/device:GPU:3 "
                  "Adam/NoOp_1=/device:GPU:3 Adam=/device:GPU:3")


# ---- float64 variables (the C cases' tolerance: 1e-12 * (1 + |want|)) ----

W0_64 = W0.astype(np.float64)
TARGET_64 = TARGET.astype(np.float64)


def _trajectory64(t, opt, want, resource):
    w = tf.get_variable("w", initializer=tf.constant(W0_64), use_resource=resource)
    t.eq(w.dtype.base_dtype, tf.float64, "w's dtype")
    read = w if not resource else tf.get_default_graph().get_tensor_by_name("w/Read/ReadVariableOp:0")
    loss = tf.reduce_sum(tf.square(read - tf.constant(TARGET_64, name="T")))
    train = opt.minimize(loss)
    with t.session() as s:
        s.run(tf.global_variables_initializer())
        for i in range(5):
            got = s.run([loss, train])[0]
            t.near(got, want[6 + i], 1e-12 * (1 + abs(want[6 + i])), "loss %d" % i)
        for i, x in enumerate(s.run(w).ravel()):
            t.near(x, want[i], 1e-12 * (1 + abs(want[i])), "w[%d]" % i)


TRAJ64_GRADIENT_DESCENT = [0.8361600030517579, 1.0169600183105467, 2.6723200061035155, -0.18080001525878897, 0.3361600030517578, -0.0819199984741211, 16.8125, 10.759999919831753, 6.886399897384644, 4.407295901489259, 2.8206693559375013]


@case
def optimizer_float64_trajectory_gradient_descent(t):
    _trajectory64(t, tf.train.GradientDescentOptimizer(0.1), TRAJ64_GRADIENT_DESCENT, False)


@case
def optimizer_resource_float64_trajectory_gradient_descent(t):
    _trajectory64(t, tf.train.GradientDescentOptimizer(0.1), TRAJ64_GRADIENT_DESCENT, True)


TRAJ64_MOMENTUM = [1.2902099803282323, 3.741259881969394, 3.5804199606564646, -2.451049901641162, 0.7902099803282323, 0.14510499016411618, 16.8125, 10.759999919831753, 3.5575249585129325, 0.06462726012725446, 1.6011207452103933]


@case
def optimizer_float64_trajectory_momentum(t):
    _trajectory64(t, tf.train.MomentumOptimizer(0.1, 0.9), TRAJ64_MOMENTUM, False)


@case
def optimizer_resource_float64_trajectory_momentum(t):
    _trajectory64(t, tf.train.MomentumOptimizer(0.1, 0.9), TRAJ64_MOMENTUM, True)


TRAJ64_NESTEROV = [1.207858771636199, 3.2471526298171938, 3.415717543272398, -2.039293858180995, 0.7078587716361989, 0.10392938581809948, 16.8125, 6.462724981360884, 0.8315758778429413, 0.1973813116663735, 1.7738866846686563]


@case
def optimizer_float64_trajectory_nesterov(t):
    _trajectory64(t, tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True), TRAJ64_NESTEROV, False)


@case
def optimizer_resource_float64_trajectory_nesterov(t):
    _trajectory64(t, tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True), TRAJ64_NESTEROV, True)


TRAJ64_ADAM = [0.972184134545205, -0.5017810328851131, 2.4920347806534635, 1.002226226028883, 0.472184134545205, 0.12760331295923058, 16.8125, 15.322500137649492, 13.956195513442749, 12.711238679080287, 11.578465367131049]


@case
def optimizer_float64_trajectory_adam(t):
    _trajectory64(t, tf.train.AdamOptimizer(0.1), TRAJ64_ADAM, False)


@case
def optimizer_resource_float64_trajectory_adam(t):
    _trajectory64(t, tf.train.AdamOptimizer(0.1), TRAJ64_ADAM, True)


TRAJ64_RMSPROP = [0.5483752290111277, -0.9001722613425076, 2.074316885017042, 1.4025305747743033, 0.04837522901112775, -0.22314557774539598, 16.8125, 16.451601188656017, 16.167666915812823, 15.922490315254676, 15.701621767013117]


@case
def optimizer_float64_trajectory_rmsprop(t):
    _trajectory64(t, tf.train.RMSPropOptimizer(0.01), TRAJ64_RMSPROP, False)


@case
def optimizer_resource_float64_trajectory_rmsprop(t):
    _trajectory64(t, tf.train.RMSPropOptimizer(0.01), TRAJ64_RMSPROP, True)


TRAJ64_RMSPROP_CENTERED = [0.629604439023709, -0.6843746823167636, 2.2145132478411456, 1.1945680868068187, 0.12960443902370894, -0.1809255272168896, 16.8125, 16.43858195537717, 15.801650655775516, 14.972749574748054, 14.00612983007311]


@case
def optimizer_float64_trajectory_rmsprop_centered(t):
    _trajectory64(t, tf.train.RMSPropOptimizer(0.01, momentum=0.9, centered=True), TRAJ64_RMSPROP_CENTERED, False)


@case
def optimizer_resource_float64_trajectory_rmsprop_centered(t):
    _trajectory64(t, tf.train.RMSPropOptimizer(0.01, momentum=0.9, centered=True), TRAJ64_RMSPROP_CENTERED, True)


def _adam64_graph(t, resource):
    w = tf.get_variable("w", [2], tf.float64, use_resource=resource)
    read = w if not resource else tf.get_default_graph().get_tensor_by_name("w/Read/ReadVariableOp:0")
    train = tf.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(read * read))
    t.check(train is not None, "no train op")
    g = tf.get_default_graph()

    def op(name, type_, ins):
        o = g.get_operation_by_name(name)
        t.eq(o.type, type_, name + " type")
        t.eq(" ".join([i.name for i in o.inputs] + ["^" + c.name for c in o.control_inputs]), ins, name + " inputs")
        return o
    if resource:
        op("Adam/update_w/Cast/ReadVariableOp", "ReadVariableOp", "beta1_power:0")
        op("Adam/update_w/Cast", "Cast", "Adam/update_w/Cast/ReadVariableOp:0")
        op("Adam/update_w/Cast_1/ReadVariableOp", "ReadVariableOp", "beta2_power:0")
        op("Adam/update_w/Cast_1", "Cast", "Adam/update_w/Cast_1/ReadVariableOp:0")
    else:
        op("Adam/update_w/Cast", "Cast", "beta1_power/read:0")
        op("Adam/update_w/Cast_1", "Cast", "beta2_power/read:0")
    op("Adam/update_w/Cast_2", "Cast", "Adam/learning_rate:0")
    op("Adam/update_w/Cast_3", "Cast", "Adam/beta1:0")
    op("Adam/update_w/Cast_4", "Cast", "Adam/beta2:0")
    op("Adam/update_w/Cast_5", "Cast", "Adam/epsilon:0")
    for i in range(6):
        o = g.get_operation_by_name("Adam/update_w/Cast" + ("_%d" % i if i else ""))
        t.eq(o.colocation_groups(), [b"loc:@w"], o.name + " colocation")
        t.eq(o.outputs[0].dtype, tf.float64, o.name + " dtype")
    op("Adam/update_w/ResourceApplyAdam" if resource else "Adam/update_w/ApplyAdam",
       "ResourceApplyAdam" if resource else "ApplyAdam",
       "w:0 w/Adam:0 w/Adam_1:0 Adam/update_w/Cast:0 Adam/update_w/Cast_1:0 Adam/update_w/Cast_2:0 "
       "Adam/update_w/Cast_3:0 Adam/update_w/Cast_4:0 Adam/update_w/Cast_5:0 gradients/AddN:0")
    t.check("Adam/update_w/Cast_6" not in [o.name for o in g.get_operations()], "a seventh Cast")


@case
def optimizer_float64_adam_casts(t):
    _adam64_graph(t, False)


@case
def optimizer_resource_float64_adam_casts(t):
    _adam64_graph(t, True)


@case
def optimizer_float64_gradient_descent_cast(t):
    w = tf.get_variable("w", [2], tf.float64)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_sum(w * w))
    t.check(train is not None, "no train op")
    g = tf.get_default_graph()
    c = g.get_operation_by_name("GradientDescent/update_w/Cast")
    t.eq(c.type, "Cast")
    t.eq([i.name for i in c.inputs], ["GradientDescent/learning_rate:0"])
    a = g.get_operation_by_name("GradientDescent/update_w/ApplyGradientDescent")
    t.eq([i.name for i in a.inputs], ["w:0", "GradientDescent/update_w/Cast:0", "gradients/AddN:0"])
