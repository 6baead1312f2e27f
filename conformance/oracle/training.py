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
