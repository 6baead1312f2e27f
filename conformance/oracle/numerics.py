"""Twins of conformance/cases/numerics.c: the ops of issue 4 under TensorFlow,
compared with the same fixtures (conformance/golden/nn/, written by
tools/make_nn_goldens.py) as the C cases, with the same tolerance:
|got - want| <= 1e-5 * (1 + |want|) + 1e-5 element by element."""
import os

from .harness import case, np, tf

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden", "nn")


def golden(fixture, name):
    return np.load(os.path.join(GOLDEN, fixture, name + ".npy"))


def matches_tf(t, got, want, what="value"):
    got = np.asarray(got)
    t.eq(got.dtype, np.float32, "%s dtype" % what)
    t.eq(got.shape, want.shape, "%s shape" % what)
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    bad = ~(diff <= 1e-5 * (1 + np.abs(want.astype(np.float64))) + 1e-5)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        t.fail("%s: %d of %d elements off; [%d] = %.9g, golden %.9g" % (
            what, int(bad.sum()), bad.size, i, got.flat[i], want.flat[i]))


def static_shape(t, y, want):
    t.eq(tuple(y.shape.as_list()), want.shape, "static shape")


def run(*fetches):
    with tf.Session(graph=tf.get_default_graph()) as s:
        return s.run(list(fetches) if len(fetches) > 1 else fetches[0])


def conv_vs_golden(t, fixture, strides, padding, dilations):
    x = tf.constant(golden(fixture, "x"), name="x")
    f = tf.constant(golden(fixture, "f"), name="f")
    want = golden(fixture, "out")
    y = tf.nn.conv2d(x, f, [1, strides[0], strides[1], 1], padding,
                     dilations=[1, dilations[0], dilations[1], 1])
    t.eq(y.name, "Conv2D:0")
    static_shape(t, y, want)
    matches_tf(t, run(y), want, "conv2d")


# ---- conv2d ----

@case
def conv2d_same_stride1(t):
    conv_vs_golden(t, "conv_same_s1", (1, 1), "SAME", (1, 1))


@case
def conv2d_valid_stride2(t):
    conv_vs_golden(t, "conv_valid_s2", (2, 2), "VALID", (1, 1))


@case
def conv2d_same_stride2_5x5(t):
    conv_vs_golden(t, "conv_same_s2_5x5", (2, 2), "SAME", (1, 1))


@case
def conv2d_same_unequal_strides(t):
    conv_vs_golden(t, "conv_same_s2x1", (2, 1), "SAME", (1, 1))


@case
def conv2d_same_dilation2(t):
    conv_vs_golden(t, "conv_dilated", (1, 1), "SAME", (2, 2))


@case
def conv2d_valid_unequal_dilations(t):
    conv_vs_golden(t, "conv_valid_dilated", (1, 1), "VALID", (2, 3))


@case
def conv2d_1x1(t):
    conv_vs_golden(t, "conv_1x1", (1, 1), "VALID", (1, 1))


# ---- the image-filter layer ----

def layer_inputs(fixture):
    return [tf.constant(golden(fixture, k), name=k) for k in ("x", "f", "b")]


@case
def image_filter_layer_bias_add_relu(t):
    x, f, b = layer_inputs("conv_bias_relu")
    want = golden("conv_bias_relu", "out")
    ba = tf.nn.bias_add(tf.nn.conv2d(x, f, [1, 1, 1, 1], "SAME"), b)
    y = tf.nn.relu(ba)
    t.eq(ba.name, "BiasAdd:0")
    t.eq(y.name, "Relu:0")
    static_shape(t, y, want)
    matches_tf(t, run(y), want, "relu(bias_add(conv2d))")


@case
def image_filter_layer_conv_plus_biases_relu(t):
    x, f, b = layer_inputs("conv_bias_relu")
    want = golden("conv_bias_relu", "out")
    conv = tf.nn.conv2d(x, f, strides=[1, 1, 1, 1], padding="SAME")
    s = conv + b
    y = tf.nn.relu(s)
    t.eq(s.name, "add:0")
    t.eq(s.op.type, "AddV2")
    static_shape(t, y, want)
    matches_tf(t, run(y), want, "relu(conv + b)")


@case
def conv2d_plus_biases_trailing_dims(t):
    x, f, b = layer_inputs("conv_add_bias")
    conv = tf.nn.conv2d(x, f, [1, 1, 1, 1], "SAME")
    y = conv + b
    t.eq(y.name, "add:0")
    t.eq(y.op.type, "AddV2")
    want = golden("conv_add_bias", "out")
    static_shape(t, y, want)
    got_conv, got = run(conv, y)
    matches_tf(t, got_conv, golden("conv_add_bias", "conv"), "conv")
    matches_tf(t, got, want, "conv + b")


# ---- bias_add, relu, matmul, reshape ----

@case
def bias_add_rank2(t):
    x = tf.constant(golden("bias_add_rank2", "x"), name="x")
    b = tf.constant(golden("bias_add_rank2", "b"), name="b")
    want = golden("bias_add_rank2", "out")
    y = tf.nn.bias_add(x, b)
    t.eq(y.name, "BiasAdd:0")
    static_shape(t, y, want)
    matches_tf(t, run(y), want, "bias_add")


@case
def relu_of_mixed_signs(t):
    x = tf.constant(golden("relu", "x"), name="x")
    want = golden("relu", "out")
    y = tf.nn.relu(x)
    t.eq(y.name, "Relu:0")
    static_shape(t, y, want)
    matches_tf(t, run(y), want, "relu")


def matmul_vs_golden(t, fixture, ta, tb):
    a = tf.constant(golden(fixture, "a"), name="a")
    b = tf.constant(golden(fixture, "b"), name="b")
    want = golden(fixture, "out")
    y = tf.matmul(a, b, transpose_a=ta, transpose_b=tb)
    t.eq(y.name, "MatMul:0")
    static_shape(t, y, want)
    matches_tf(t, run(y), want, "matmul")


@case
def matmul_plain(t):
    matmul_vs_golden(t, "matmul", False, False)


@case
def matmul_transpose_a(t):
    matmul_vs_golden(t, "matmul_ta", True, False)


@case
def matmul_transpose_b(t):
    matmul_vs_golden(t, "matmul_tb", False, True)


@case
def matmul_transpose_both(t):
    matmul_vs_golden(t, "matmul_tab", True, True)


@case
def reshape_inferred_dimension(t):
    x = tf.constant(golden("reshape_infer", "x"), name="x")
    want = golden("reshape_infer", "out")
    y = tf.reshape(x, [-1, 6])
    t.eq(y.name, "Reshape:0")
    t.eq(str(y.shape), "(4, 6)")
    static_shape(t, y, want)
    got = run(y)
    t.eq(got.shape, want.shape, "fetched shape")
    t.check(got.tobytes() == want.tobytes(), "values differ from the golden file")


# ---- shape-inference errors (TF 2.21's texts) ----

def conv2d_attrs(padding):
    return ('Conv2D[T=DT_FLOAT, data_format="NHWC", dilations=[1, 1, 1, 1], explicit_paddings=[], '
            'padding="%s", strides=[1, 1, 1, 1], use_cudnn_on_gpu=true]' % padding)


def filter_w():
    return tf.placeholder(tf.float32, [5, 5, 32, 32], name="w")


@case
def conv2d_rank3_input_error(t):
    x = tf.placeholder(tf.float32, [8, 8, 3], name="x3")
    w = filter_w()
    t.raises(ValueError, lambda: tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME"), msg=(
        "Shape must be rank 4 but is rank 3 for '{{node Conv2D}} = " + conv2d_attrs("SAME") +
        "(x3, w)' with input shapes: [8,8,3], [5,5,32,32]."))


@case
def conv2d_depth_mismatch_error(t):
    x = tf.placeholder(tf.float32, [1, 8, 8, 3], name="x")
    w = filter_w()
    t.raises(ValueError, lambda: tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME"), msg=(
        "Depth of input (3) is not a multiple of input depth of filter (32) for '{{node Conv2D}} = " +
        conv2d_attrs("SAME") + "(x, w)' with input shapes: [1,8,8,3], [5,5,32,32]."))


@case
def conv2d_valid_negative_size_error(t):
    x = tf.placeholder(tf.float32, [1, 3, 3, 32], name="x2")
    w = filter_w()
    t.raises(ValueError, lambda: tf.nn.conv2d(x, w, [1, 1, 1, 1], "VALID"), msg=(
        "Negative dimension size caused by subtracting 5 from 3 for '{{node Conv2D}} = " +
        conv2d_attrs("VALID") + "(x2, w)' with input shapes: [1,3,3,32], [5,5,32,32]."))


@case
def conv2d_bad_padding_error(t):
    x = tf.placeholder(tf.float32, [2, 9, 7, 32], name="x4")
    w = filter_w()
    t.raises(ValueError, lambda: tf.nn.conv2d(x, w, [1, 1, 1, 1], "BAD"), msg=(
        "Attr 'padding' of 'Conv2D' Op passed string 'BAD' not in: \"SAME\", \"VALID\", \"EXPLICIT\"."))



@case
def conv2d_no_padding_error(t):
    x = tf.placeholder(tf.float32, [2, 9, 7, 32], name="x4")
    w = filter_w()
    t.raises(TypeError, lambda: tf.nn.conv2d(x, w, [1, 1, 1, 1], padding=None),
             msg="Expected string for argument 'padding' not None.")
    t.eq(len(tf.get_default_graph().get_operations()), 2, "ops in the graph")

def conv_x4():
    x = tf.placeholder(tf.float32, [2, 9, 7, 32], name="x4")
    return tf.nn.conv2d(x, filter_w(), [1, 1, 1, 1], "SAME")


@case
def bias_add_size_mismatch_error(t):
    c = conv_x4()
    b = tf.constant(0., shape=[31])
    t.raises(ValueError, lambda: tf.nn.bias_add(c, b), msg=(
        "Dimensions must be equal, but are 32 and 31 for '{{node BiasAdd}} = BiasAdd[T=DT_FLOAT, "
        "data_format=\"NHWC\"](Conv2D, Const)' with input shapes: [2,9,7,32], [31]."))


@case
def bias_add_rank2_bias_error(t):
    c = conv_x4()
    b = tf.constant(0., shape=[2, 32], name="b2")
    t.raises(ValueError, lambda: tf.nn.bias_add(c, b), msg=(
        "Shape must be rank 1 but is rank 2 for '{{node BiasAdd}} = BiasAdd[T=DT_FLOAT, "
        "data_format=\"NHWC\"](Conv2D, b2)' with input shapes: [2,9,7,32], [2,32]."))


@case
def matmul_inner_dimension_error(t):
    a = tf.placeholder(tf.float32, [3, 4])
    b = tf.placeholder(tf.float32, [5, 6])
    t.raises(ValueError, lambda: tf.matmul(a, b), msg=(
        "Dimensions must be equal, but are 4 and 5 for '{{node MatMul}} = MatMul[T=DT_FLOAT, grad_a=false, "
        "grad_b=false, transpose_a=false, transpose_b=false](Placeholder, Placeholder_1)' with input "
        "shapes: [3,4], [5,6]."))


@case
def matmul_transpose_b_dimension_error(t):
    a = tf.placeholder(tf.float32, [3, 4], name="a")
    b = tf.placeholder(tf.float32, [3, 6], name="b")
    t.raises(ValueError, lambda: tf.matmul(a, b, transpose_b=True), msg=(
        "Dimensions must be equal, but are 4 and 6 for '{{node MatMul}} = MatMul[T=DT_FLOAT, grad_a=false, "
        "grad_b=false, transpose_a=false, transpose_b=true](a, b)' with input shapes: [3,4], [3,6]."))


@case
def reshape_element_count_error(t):
    m1 = tf.placeholder(tf.float32, [3, 4])
    t.raises(ValueError, lambda: tf.reshape(m1, [5, 5]), msg=(
        "Cannot reshape a tensor with 12 elements to shape [5,5] (25 elements) for '{{node Reshape}} = "
        "Reshape[T=DT_FLOAT, Tshape=DT_INT32](Placeholder, Reshape/shape)' with input shapes: [3,4], [2] "
        "and with input tensors computed as partial shapes: input[1] = [5,5]."))


# ---- the documents' image filter, shared three ways ----

SHAPE = (2, 16, 16, 8)
FOUR = ("image_filters/conv1/weights:0 image_filters/conv1/biases:0 "
        "image_filters/conv2/weights:0 image_filters/conv2/biases:0")


def conv_relu(input, kernel_shape, bias_shape):
    weights = tf.get_variable("weights", kernel_shape, initializer=tf.random_normal_initializer())
    biases = tf.get_variable("biases", bias_shape, initializer=tf.constant_initializer(0.0))
    conv = tf.nn.conv2d(input, weights, strides=[1, 1, 1, 1], padding="SAME")
    return tf.nn.relu(conv + biases)


def my_image_filter(input_images):
    with tf.variable_scope("conv1"):
        relu1 = conv_relu(input_images, [5, 5, 8, 8], [8])
    with tf.variable_scope("conv2"):
        return conv_relu(relu1, [5, 5, 8, 8], [8])


def filter_form(t, form, images):
    with tf.Graph().as_default() as g:
        tf.set_random_seed(1234)
        image1 = tf.placeholder(tf.float32, SHAPE, name="image1")
        image2 = tf.placeholder(tf.float32, SHAPE, name="image2")
        if form == 1:
            with tf.variable_scope("image_filters"):
                result1 = my_image_filter(image1)
            with tf.variable_scope("image_filters", reuse=True):
                result2 = my_image_filter(image2)
        elif form == 2:
            with tf.variable_scope("image_filters") as scope:
                result1 = my_image_filter(image1)
                scope.reuse_variables()
                result2 = my_image_filter(image2)
        else:
            with tf.variable_scope("image_filters") as scope:
                result1 = my_image_filter(image1)
            with tf.variable_scope(scope, reuse=True):
                result2 = my_image_filter(image2)
        t.eq(t.collection(tf.GraphKeys.TRAINABLE_VARIABLES), FOUR, "form %d variables" % form)
        with tf.Session(graph=g) as s:
            s.run(tf.global_variables_initializer())
            fetch = [result1, result2]
            r = s.run(fetch, {image1: images[0], image2: images[1]})
            r += s.run(fetch, {image1: images[0], image2: images[0]})
    return r


@case
def image_filter_three_sharing_forms_bit_identical(t):
    i = np.arange(int(np.prod(SHAPE)), dtype=np.int64)
    image1 = (((i * 7) % 13 - 6).astype(np.float32) / np.float32(6)).reshape(SHAPE)
    image2 = (((i * 5) % 11 - 5).astype(np.float32) / np.float32(5)).reshape(SHAPE)
    out = [filter_form(t, form, (image1, image2)) for form in (1, 2, 3)]
    for form in (2, 3):
        for k in range(2):
            t.check(out[form - 1][k].tobytes() == out[0][k].tobytes(),
                    "form %d result%d differs from form 1's" % (form, k + 1))
    r1 = out[0][0]
    t.check(np.all(np.isfinite(r1)) and np.all(r1 >= 0), "result1 is not a relu output")
    t.check(np.any(r1 > 0), "result1 is all zero")
    t.check(r1.tobytes() != out[0][1].tobytes(), "result1 == result2 for different images")
    for form in (1, 2, 3):
        r = out[form - 1]
        t.check(r[2].tobytes() == r[3].tobytes() == r1.tobytes(),
                "form %d: image1 through both filters gives different results" % form)


# ---- tf.cast (the Cast op): TF 2.21's CPU values, exactly ----

CAST_SRC = [1.5, -1.5, 2.7, -2.7, float("nan"), float("inf"), -float("inf"), 3e9, -3e9, 65520.0, 1e-8, 0.0]
CAST_SRC64 = [1.5, -1.5, 2.7, -2.7, float("nan"), float("inf"), -float("inf"), 3e9, -3e9, 1e20]
M32, M64 = -2 ** 31, -2 ** 63


def cast_ints(t, sess, x, dtype, name, want):
    y = tf.cast(x, dtype)
    t.eq(y.op.name, name, "op name")
    t.eq(y.dtype, dtype, "dtype")
    got = sess.run(y)
    if dtype in (tf.float16, tf.bfloat16):
        got = got.view(np.uint16)
    got = [int(v) for v in got.tolist()]
    if dtype == tf.uint64:  # the C case compares the bits as int64
        got = [v - 2 ** 64 if v >= 2 ** 63 else v for v in got]
    t.eq(got, list(want), "%s (%s)" % (name, dtype.name))


@case
def cast_float32_to_integers_truncates_as_tf(t):
    x = tf.constant(np.array(CAST_SRC, np.float32), name="x")
    with t.session() as s:
        cast_ints(t, s, x, tf.int32, "Cast", [1, -1, 2, -2, M32, M32, M32, M32, M32, 65520, 0, 0])
        cast_ints(t, s, x, tf.int64, "Cast_1", [1, -1, 2, -2, M64, M64, M64, 3000000000, -3000000000, 65520, 0, 0])
        cast_ints(t, s, x, tf.uint8, "Cast_2", [1, 255, 2, 254, 0, 0, 0, 0, 0, 240, 0, 0])
        cast_ints(t, s, x, tf.int8, "Cast_3", [1, -1, 2, -2, 0, 0, 0, 0, 0, -16, 0, 0])
        cast_ints(t, s, x, tf.int16, "Cast_4", [1, -1, 2, -2, 0, 0, 0, 0, 0, -16, 0, 0])
        cast_ints(t, s, x, tf.uint16, "Cast_5", [1, 65535, 2, 65534, 0, 0, 0, 0, 0, 65520, 0, 0])
        cast_ints(t, s, x, tf.uint32, "Cast_6", [1, 4294967295, 2, 4294967294, 2147483648, 2147483648, 2147483648,
                                                 3000000000, 1294967296, 65520, 0, 0])
        cast_ints(t, s, x, tf.uint64, "Cast_7", [1, -1, 2, -2, M64, M64, M64, 3000000000, -3000000000, 65520, 0, 0])
        big = tf.constant(np.array([1.8e19, 2e19, -1e19, -5e9], np.float32), name="big")
        cast_ints(t, s, big, tf.uint64, "Cast_8", [18000000404716257280 - 2 ** 64, M64, M64, -5000000000])


@case
def cast_float32_to_float16_bfloat16_bool_as_tf(t):
    x = tf.constant(np.array(CAST_SRC, np.float32), name="x")
    with t.session() as s:
        cast_ints(t, s, x, tf.float16, "Cast", [0x3e00, 0xbe00, 0x4166, 0xc166, 0x7e00, 0x7c00, 0xfc00, 0x7c00,
                                                0xfc00, 0x7c00, 0, 0])
        cast_ints(t, s, x, tf.bfloat16, "Cast_1", [0x3fc0, 0xbfc0, 0x402d, 0xc02d, 0x7fc0, 0x7f80, 0xff80, 0x4f33,
                                                   0xcf33, 0x4780, 0x322c, 0])
        cast_ints(t, s, x, tf.bool, "Cast_2", [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0])
        h = tf.cast(x, tf.float16, name="h")
        back = tf.cast(h, tf.float32)
        t.eq(back.op.name, "Cast_3")
        b = s.run(back)
    t.eq(float(b[2]), 2.69921875, "float16(2.7)")
    t.check(np.isinf(b[9]) and b[9] > 0, "float16(65520) is %g, want inf" % b[9])
    t.check(np.isnan(b[4]), "float16(NaN) is %g" % b[4])


@case
def cast_from_float64_int32_and_bool_as_tf(t):
    d = tf.constant(np.array(CAST_SRC64, np.float64), name="d")
    i = tf.constant(np.array([300, -1, 70000, -70000], np.int32), name="i")
    b = tf.constant([True, False], name="b")
    with t.session() as s:
        cast_ints(t, s, d, tf.int32, "Cast", [1, -1, 2, -2, M32, M32, M32, M32, M32, M32])
        cast_ints(t, s, d, tf.int64, "Cast_1", [1, -1, 2, -2, M64, M64, M64, 3000000000, -3000000000, M64])
        cast_ints(t, s, d, tf.float16, "Cast_2", [0x3e00, 0xbe00, 0x4166, 0xc166, 0x7e00, 0x7c00, 0xfc00, 0x7c00,
                                                  0xfc00, 0x7c00])
        cast_ints(t, s, i, tf.uint8, "Cast_3", [44, 255, 112, 144])
        cast_ints(t, s, i, tf.int8, "Cast_4", [44, -1, 112, -112])
        cast_ints(t, s, i, tf.int16, "Cast_5", [300, -1, 4464, -4464])
        cast_ints(t, s, i, tf.uint16, "Cast_6", [300, 65535, 4464, 61072])
        cast_ints(t, s, i, tf.uint32, "Cast_7", [300, 4294967295, 70000, 4294897296])
        cast_ints(t, s, i, tf.float16, "Cast_8", [0x5cb0, 0xbc00, 0x7c00, 0xfc00])
        cast_ints(t, s, i, tf.bool, "Cast_9", [1, 1, 1, 1])
        cast_ints(t, s, b, tf.int32, "Cast_10", [1, 0])
        f = tf.cast(d, tf.float32)
        t.eq(f.op.name, "Cast_11")
        fv = s.run(f)
        bf = tf.cast(b, tf.float32)
        t.eq(bf.op.name, "Cast_12")
        bv = s.run(bf)
    t.eq(float(fv[2]), 2.7000000476837158, "float32(2.7)")
    t.eq(float(fv[9]), 1.0000000200408773e+20, "float32(1e20)")
    t.eq(bv.tolist(), [1.0, 0.0], "bool -> float32")


@case
def cast_same_dtype_names_and_strings(t):
    x = tf.constant(1.5, name="x")
    t.check(tf.cast(x, tf.float32) is x, "tf.cast to x's own dtype built an op")
    t.eq(tf.cast(x, tf.int32, name="foo").name, "foo:0")
    a = tf.cast(tf.constant(["a"], name="s"), tf.float32)
    t.eq(a.name, "Cast:0")
    b = tf.cast(x, tf.string)
    t.eq(b.name, "Cast_1:0")
    with t.session() as s:
        t.raises("UnimplementedError", lambda: s.run(a), fragment="Cast string to float is not supported")
        t.raises("UnimplementedError", lambda: s.run(b), fragment="Cast float to string is not supported")
