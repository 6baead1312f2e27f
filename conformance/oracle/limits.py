"""Twins of conformance/cases/limits.c: shapes at and past the integer limits."""
from .harness import case, tf

CONV_ATTRS = ('Conv2D[T=DT_FLOAT, data_format="NHWC", dilations=[1, 1, 1, 1], explicit_paddings=[], '
              'padding="SAME", strides=[1, %d, 1, 1], use_cudnn_on_gpu=true]')


@case
def placeholder_negative_dimension(t):
    t.raises(ValueError, lambda: tf.placeholder(tf.float32, [3, -5], name="p"),
             msg="Error converting shape to a TensorShape: Dimension -5 must be >= 0.")


@case
def get_variable_negative_dimension(t):
    t.raises(ValueError, lambda: tf.get_variable("v", [-2]), msg="Dimension -2 must be >= 0")


@case
def variable_negative_dimension(t):
    t.raises(ValueError, lambda: tf.Variable(lambda: tf.zeros_initializer()([2, 7]), shape=[2, -7],
                                             dtype=tf.float32),
             msg="Error converting shape to a TensorShape: Dimension -7 must be >= 0.")


@case
def placeholder_too_many_elements(t):
    t.raises(ValueError, lambda: tf.placeholder(tf.float32, [2**32, 2**32], name="p"), msg=(
        "Shape [4294967296,4294967296] is too large (more than 2**63 - 1 entries) for '{{node p}} = "
        "Placeholder[dtype=DT_FLOAT, shape=[4294967296,4294967296]]()' with input shapes: ."))


@case
def get_variable_too_many_elements(t):
    t.raises(ValueError, lambda: tf.get_variable("v", [2**62, 4], initializer=tf.zeros_initializer()), msg=(
        "Shape [4611686018427387904,4] is too large (more than 2**63 - 1 entries) for '{{node v}} = "
        "VariableV2[container=\"\", dtype=DT_FLOAT, shape=[4611686018427387904,4], shared_name=\"\"]()' with "
        "input shapes: ."))


@case
def variable_dimension_past_int32(t):
    u = tf.get_variable("u", [0, 2**32 + 3])
    sh = tf.get_default_graph().get_operation_by_name("u/Initializer/random_uniform/shape")
    t.eq(sh.outputs[0].dtype.name, "int64", "shape tensor dtype")
    with t.session() as s:
        s.run(u.initializer)
        t.eq(str(tf.TensorShape(s.run(u).shape)), "(0, 4294967299)", "fetched shape")


@case
def reshape_count_wraps_past_int64(t):
    c = tf.constant([1., 2.], name="c")
    t.raises(ValueError, lambda: tf.reshape(c, [2**40, 2**40]), msg=(
        "Cannot reshape a tensor with 2 elements to shape [1099511627776,1099511627776] (0 elements) for "
        "'{{node Reshape}} = Reshape[T=DT_FLOAT, Tshape=DT_INT64](c, Reshape/shape)' with input shapes: [2], [2] "
        "and with input tensors computed as partial shapes: input[1] = [1099511627776,1099511627776]."))


@case
def reshape_unknown_count_overflows(t):
    p = tf.placeholder(tf.float32, [None], name="p")
    t.raises(ValueError, lambda: tf.reshape(p, [-1, 2**32, 2**32]), msg=(
        "Negative dimension size caused by overflow when multiplying 4294967296 and 4294967296 for "
        "'{{node Reshape}} = Reshape[T=DT_FLOAT, Tshape=DT_INT64](p, Reshape/shape)' with input shapes: [?], [3] "
        "and with input tensors computed as partial shapes: input[1] = [?,4294967296,4294967296]."))


@case
def reshape_negative_dimension(t):
    c = tf.constant([1., 2.], name="c")
    t.raises(ValueError, lambda: tf.reshape(c, [-2]), msg="Invalid value in tensor used for shape: -2")


@case
def conv2d_stride_past_int32(t):
    x = tf.placeholder(tf.float32, [1, 8, 8, 1], name="x")
    w = tf.placeholder(tf.float32, [3, 3, 1, 1], name="w")
    t.raises(ValueError, lambda: tf.nn.conv2d(x, w, [1, 2**40, 1, 1], "SAME"), msg=(
        "Attr strides has value 1099511627776 out of range for an int32 for '{{node Conv2D}} = " +
        CONV_ATTRS % 2**40 + "(x, w)' with input shapes: [1,8,8,1], [3,3,1,1]."))


@case
def conv2d_output_size_overflow(t):
    x = tf.placeholder(tf.float32, [1, 2**63 - 1, 1, 1], name="x")
    w = tf.placeholder(tf.float32, [1, 1, 1, 1], name="w")
    t.raises(ValueError, lambda: tf.nn.conv2d(x, w, [1, 2, 1, 1], "SAME"), msg=(
        "Dimension size overflow from adding 9223372036854775807 and 1 for '{{node Conv2D}} = " +
        CONV_ATTRS % 2 + "(x, w)' with input shapes: [1,9223372036854775807,1,1], [1,1,1,1]."))


@case
def empty_op_name_takes_default(t):
    p = tf.placeholder(tf.float32, [2], name="")
    t.eq(p.op.name, "Placeholder", "placeholder name")
    r = tf.reshape(p, [1, 2], name="")
    t.eq(r.op.name, "Reshape", "reshape name")
