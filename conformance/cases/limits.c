/* conformance/cases/limits.c - shapes at and past the integer limits:
 * negative dimensions, element counts past int64, dimensions past int32
 * (shape tensors become int64), conv2d attrs past int32, and the empty op
 * name. TF 2.21's texts. Twins: conformance/oracle/limits.py.
 * (varscope's own limits - rank above VS_MAX_RANK, files, the index
 * blow-up - are in tests/test_hostile.c; TF has no twin for them.) */
#include "common.h"

#define VSC_SUITE "limits"

/* tf.placeholder(tf.float32, [3, -5])
 *   -> ValueError "Error converting shape to a TensorShape: Dimension -5 must be >= 0." */
VSC_CASE(placeholder_negative_dimension) {
  vs_output p = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3, -5), "p", st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Error converting shape to a TensorShape: Dimension -5 must be >= 0.");
  EXPECT(p.op == NULL, "an op was returned");
}

/* tf.get_variable("v", [-2]) -> ValueError "Dimension -2 must be >= 0" */
VSC_CASE(get_variable_negative_dimension) {
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(-2)}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Dimension -2 must be >= 0");
  EXPECT(v == NULL, "a variable was returned");
}

/* tf.Variable(lambda: tf.zeros_initializer()([2, 7]), shape=[2, -7], dtype=tf.float32)
 *   -> ValueError "Error converting shape to a TensorShape: Dimension -7 must be >= 0." */
VSC_CASE(variable_negative_dimension) {
  vs_var *v = vs_variable(g, &(vs_variable_opts){.initial_value = vs_zeros_initializer(), .shape = VS_SHAPE(2, -7)},
                          st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Error converting shape to a TensorShape: Dimension -7 must be >= 0.");
  EXPECT(v == NULL, "a variable was returned");
}

/* tf.placeholder(tf.float32, [2**32, 2**32], name="p")
 *   -> ValueError "Shape [4294967296,4294967296] is too large (more than 2**63 - 1 entries) for
 *      '{{node p}} = Placeholder[...]()' with input shapes: ." */
VSC_CASE(placeholder_too_many_elements) {
  int64_t d = (int64_t)1 << 32;
  vs_output p = vs_placeholder(g, VS_FLOAT, VS_SHAPE(d, d), "p", st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Shape [4294967296,4294967296] is too large (more than 2**63 - 1 entries) for '{{node p}} = "
      "Placeholder[dtype=DT_FLOAT, shape=[4294967296,4294967296]]()' with input shapes: .");
  EXPECT(p.op == NULL, "an op was returned");
}

/* tf.get_variable("v", [2**62, 4], initializer=tf.zeros_initializer())
 *   -> ValueError "Shape [4611686018427387904,4] is too large ... '{{node v}} = VariableV2[...]()' ..." */
VSC_CASE(get_variable_too_many_elements) {
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE((int64_t)1 << 62, 4),
                                                     .initializer = vs_zeros_initializer()}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Shape [4611686018427387904,4] is too large (more than 2**63 - 1 entries) for '{{node v}} = "
      "VariableV2[container=\"\", dtype=DT_FLOAT, shape=[4611686018427387904,4], shared_name=\"\"]()' with "
      "input shapes: .");
  EXPECT(v == NULL, "a variable was returned");
}

/* v = tf.get_variable("u", [0, 2**32 + 3])  (random_uniform: its shape tensor is int64)
 * sess.run(v.initializer); sess.run(v).shape == (0, 4294967299) */
VSC_CASE(variable_dimension_past_int32) {
  GETV(u, "u", .shape = VS_SHAPE(0, ((int64_t)1 << 32) + 3));
  vs_op *sh = vs_graph_operation_by_name(g, "u/Initializer/random_uniform/shape");
  EXPECT(sh != NULL, "no u/Initializer/random_uniform/shape");
  STR_EQ(vs_dtype_name(vs_op_output_dtype(sh)), "int64");
  SESSION(s);
  RUN(s, vs_var_initializer_op(u));
  FETCH(x, s, vs_var_value(u));
  SHAPE_STR(vs_tensor_shape(x), "(0, 4294967299)");
}

/* tf.reshape(tf.constant([1., 2.], name="c"), [2**40, 2**40])
 *   -> ValueError "Cannot reshape a tensor with 2 elements to shape [..] (0 elements) for
 *      '{{node Reshape}} = Reshape[T=DT_FLOAT, Tshape=DT_INT64](c, Reshape/shape)' ..." */
VSC_CASE(reshape_count_wraps_past_int64) {
  float two[2] = {1, 2};
  vs_output c = vs_constant(g, two, VS_FLOAT, VS_SHAPE(2), "c", st);
  OK();
  int64_t d = (int64_t)1 << 40;
  vs_output r = vs_reshape(g, c, VS_SHAPE(d, d), NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Cannot reshape a tensor with 2 elements to shape [1099511627776,1099511627776] (0 elements) for "
      "'{{node Reshape}} = Reshape[T=DT_FLOAT, Tshape=DT_INT64](c, Reshape/shape)' with input shapes: [2], [2] "
      "and with input tensors computed as partial shapes: input[1] = [1099511627776,1099511627776].");
  EXPECT(r.op == NULL, "an op was returned");
}

/* tf.reshape(tf.placeholder(tf.float32, [None], name="p"), [-1, 2**32, 2**32])
 *   -> ValueError "Negative dimension size caused by overflow when multiplying 4294967296 and
 *      4294967296 for '{{node Reshape}} = ...' ..." */
VSC_CASE(reshape_unknown_count_overflows) {
  vs_output p = vs_placeholder(g, VS_FLOAT, VS_SHAPE(-1), "p", st);
  OK();
  int64_t d = (int64_t)1 << 32;
  vs_output r = vs_reshape(g, p, VS_SHAPE(-1, d, d), NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Negative dimension size caused by overflow when multiplying 4294967296 and 4294967296 for "
      "'{{node Reshape}} = Reshape[T=DT_FLOAT, Tshape=DT_INT64](p, Reshape/shape)' with input shapes: [?], [3] "
      "and with input tensors computed as partial shapes: input[1] = [?,4294967296,4294967296].");
  EXPECT(r.op == NULL, "an op was returned");
}

/* tf.reshape(tf.constant([1., 2.]), [-2]) -> ValueError "Invalid value in tensor used for shape: -2" */
VSC_CASE(reshape_negative_dimension) {
  float two[2] = {1, 2};
  vs_output c = vs_constant(g, two, VS_FLOAT, VS_SHAPE(2), "c", st);
  OK();
  vs_output r = vs_reshape(g, c, VS_SHAPE(-2), NULL, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError", "Invalid value in tensor used for shape: -2");
  EXPECT(r.op == NULL, "an op was returned");
}

/* tf.nn.conv2d(x, w, [1, 2**40, 1, 1], "SAME")
 *   -> ValueError "Attr strides has value 1099511627776 out of range for an int32 for ..." */
VSC_CASE(conv2d_stride_past_int32) {
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 8, 8, 1), "x", st);
  vs_output w = vs_placeholder(g, VS_FLOAT, VS_SHAPE(3, 3, 1, 1), "w", st);
  OK();
  vs_output c = vs_conv2d(g, x, w, &(vs_conv2d_opts){.strides = {1, (int64_t)1 << 40, 1, 1}, .padding = "SAME"}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Attr strides has value 1099511627776 out of range for an int32 for '{{node Conv2D}} = Conv2D[T=DT_FLOAT, "
      "data_format=\"NHWC\", dilations=[1, 1, 1, 1], explicit_paddings=[], padding=\"SAME\", strides=[1, "
      "1099511627776, 1, 1], use_cudnn_on_gpu=true](x, w)' with input shapes: [1,8,8,1], [3,3,1,1].");
  EXPECT(c.op == NULL, "an op was returned");
}

/* tf.nn.conv2d(tf.placeholder(tf.float32, [1, 2**63 - 1, 1, 1]), w1, [1, 2, 1, 1], "SAME")
 *   -> ValueError "Dimension size overflow from adding 9223372036854775807 and 1 for ..." */
VSC_CASE(conv2d_output_size_overflow) {
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, INT64_MAX, 1, 1), "x", st);
  vs_output w = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 1, 1, 1), "w", st);
  OK();
  vs_output c = vs_conv2d(g, x, w, &(vs_conv2d_opts){.strides = {1, 2, 1, 1}, .padding = "SAME"}, st);
  ERR(VS_INVALID_ARGUMENT, "ValueError",
      "Dimension size overflow from adding 9223372036854775807 and 1 for '{{node Conv2D}} = Conv2D[T=DT_FLOAT, "
      "data_format=\"NHWC\", dilations=[1, 1, 1, 1], explicit_paddings=[], padding=\"SAME\", strides=[1, 2, 1, "
      "1], use_cudnn_on_gpu=true](x, w)' with input shapes: [1,9223372036854775807,1,1], [1,1,1,1].");
  EXPECT(c.op == NULL, "an op was returned");
}

/* tf.placeholder(tf.float32, [2], name=""); tf.reshape(p, [1, 2], name="")
 *   -> ops "Placeholder" and "Reshape" (an empty name takes the default) */
VSC_CASE(empty_op_name_takes_default) {
  vs_output p = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2), "", st);
  OK();
  STR_EQ(vs_op_name(p.op), "Placeholder");
  vs_output r = vs_reshape(g, p, VS_SHAPE(1, 2), "", st);
  OK();
  STR_EQ(vs_op_name(r.op), "Reshape");
}

const vsc_case vsc_cases_limits[] = {
    VSC_REG(placeholder_negative_dimension, "H.limits.negative"),
    VSC_REG(get_variable_negative_dimension, "H.limits.negative 3.3"),
    VSC_REG(variable_negative_dimension, "H.limits.negative"),
    VSC_REG(placeholder_too_many_elements, "H.limits.count"),
    VSC_REG(get_variable_too_many_elements, "H.limits.count 2.4"),
    VSC_REG(variable_dimension_past_int32, "H.limits.int64 2.4"),
    VSC_REG(reshape_count_wraps_past_int64, "H.limits.count N.reshape.error"),
    VSC_REG(reshape_unknown_count_overflows, "H.limits.count N.reshape.error"),
    VSC_REG(reshape_negative_dimension, "H.limits.negative N.reshape.error"),
    VSC_REG(conv2d_stride_past_int32, "H.limits.int32"),
    VSC_REG(conv2d_output_size_overflow, "H.limits.count"),
    VSC_REG(empty_op_name_takes_default, "H.limits.name 1.2.3"),
    {0},
};
