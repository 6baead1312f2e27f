/* varscope/nn.h - neural-network ops with TensorFlow's semantics and names:
 * tf.nn.conv2d, tf.nn.bias_add, tf.nn.relu, tf.matmul.
 *
 * Shapes are inferred while the graph is built; mismatches fail with TF's
 * ValueError text ("Depth of input (3) is not a multiple of input depth of
 * filter (32) for '{{node Conv2D}} = Conv2D[...]' with input shapes: ...").
 * On devices, conv2d runs as im2col + GEMM (CLBlast) or as CLBlast's
 * convgemm, whichever measured faster for the device and shape; a
 * BiasAdd (+ Relu) that only consumes a conv2d or matmul result is applied
 * in place in one pass. Data stays on the device between ops.
 */
#ifndef VARSCOPE_NN_H
#define VARSCOPE_NN_H

#include "varscope/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vs_conv2d_opts {
  int64_t strides[4];       /* NHWC strides; all zero: [1, 1, 1, 1] */
  const char *padding;      /* "SAME" or "VALID" (required, as in TF) */
  int64_t dilations[4];     /* all zero: [1, 1, 1, 1] */
  const char *data_format;  /* NULL or "NHWC" ("NCHW" is refused, as TF's CPU kernels do) */
  const char *name;         /* NULL: "Conv2D" */
} vs_conv2d_opts;

/* tf.nn.conv2d(input, filter, strides, padding, dilations=...): input NHWC,
 * filter HWIO [kh, kw, in, out]. Output size per spatial dim: SAME
 * ceil(in / stride), VALID ceil((in - (k - 1) * dilation) / stride).
 * Errors: ValueError for ranks, depths, negative sizes, bad padding or
 * strides (TF's text); TypeError for mixed dtypes. */
vs_output vs_conv2d(vs_graph *g, vs_output input, vs_output filter, const vs_conv2d_opts *opts,
                    vs_status *st);

/* tf.nn.bias_add(value, bias): bias is 1-D, the size of value's last dim. */
vs_output vs_bias_add(vs_graph *g, vs_output value, vs_output bias, const char *name, vs_status *st);

/* tf.nn.relu(features). */
vs_output vs_relu(vs_graph *g, vs_output features, const char *name, vs_status *st);

typedef struct vs_matmul_opts {
  bool transpose_a, transpose_b;
  const char *name;         /* NULL: "MatMul" */
} vs_matmul_opts;

/* tf.matmul(a, b) for rank-2 operands. */
vs_output vs_matmul(vs_graph *g, vs_output a, vs_output b, const vs_matmul_opts *opts, vs_status *st);

/* tf.sigmoid(x) ("Sigmoid") and tf.tanh(x) ("Tanh"): floating dtypes
 * only (TF's TypeError otherwise); float16/bfloat16 build but do not run.
 * [per-thread]; the op belongs to the graph. */
vs_output vs_sigmoid(vs_graph *g, vs_output x, const char *name, vs_status *st);
vs_output vs_tanh(vs_graph *g, vs_output x, const char *name, vs_status *st);

typedef struct vs_pool_opts {
  int64_t ksize[4];         /* NHWC window, e.g. {1, 2, 2, 1} (required) */
  int64_t strides[4];       /* NHWC strides (required) */
  const char *padding;      /* "SAME" or "VALID" (required, as in TF) */
  const char *data_format;  /* NULL or "NHWC" */
  const char *name;         /* NULL: "MaxPool" / "AvgPool" */
} vs_pool_opts;

/* tf.nn.max_pool / tf.nn.avg_pool (TF1's, ksize and strides of 4) on an
 * NHWC float32/float64 tensor: windows over height and width (ksize and
 * strides must be 1 in the batch and depth: UNIMPLEMENTED otherwise);
 * output size SAME ceil(in / stride), VALID ceil((in - k + 1) / stride).
 * SAME windows are clipped to the input (the maximum never takes padding,
 * the mean does not count it), as TF. Errors: ValueError "Negative
 * dimension size caused by subtracting 3 from 2 for '{{node MaxPool}} =
 * MaxPool[...]' with input shapes: [1,2,2,1].", "Shape must be rank 4 but
 * is rank 2 ...", TF's bad-padding text. [per-thread]; the op belongs to
 * the graph. */
vs_output vs_max_pool(vs_graph *g, vs_output value, const vs_pool_opts *opts, vs_status *st);
vs_output vs_avg_pool(vs_graph *g, vs_output value, const vs_pool_opts *opts, vs_status *st);

/* ---- losses (issue 13) ---- */

/* tf.nn.sigmoid_cross_entropy_with_logits(labels, logits, name): the
 * elementwise loss max(x, 0) - x * z + log(1 + exp(-|x|)), built as TF
 * builds it inside name_scope(name or "logistic_loss") (zeros_like,
 * GreaterEqual, Select, Neg, Select_1, mul, sub, Exp, Log1p) and named
 * after the scope ("logistic_loss:0"). float32/float64, equal shapes.
 * Errors: ValueError "`logits` and `labels` must have the same shape,
 * received ((1, 3) vs (1, 2))."; TypeError for mixed dtypes. [per-thread] */
vs_output vs_sigmoid_cross_entropy_with_logits(vs_graph *g, vs_output labels, vs_output logits, const char *name,
                                               vs_status *st);

/* tf.nn.softmax_cross_entropy_with_logits_v2(labels, logits, name) for
 * [N, C] logits and labels of one fully defined shape, float32/float64:
 * per row, -sum(labels * log_softmax(logits)), a [N] tensor named
 * "softmax_cross_entropy_with_logits/Reshape_2:0" as TF's. Gradients flow
 * to both logits and labels. TF flattens through Rank/Shape/Slice/ConcatV2
 * ops; varscope folds their known values into Consts ("concat",
 * "concat_1", "Slice") so the Reshapes, the SoftmaxCrossEntropyWithLogits
 * op and the gradient results keep TF's names. Other ranks and unknown
 * shapes: UNIMPLEMENTED. [per-thread] */
vs_output vs_softmax_cross_entropy_with_logits_v2(vs_graph *g, vs_output labels, vs_output logits, const char *name,
                                                  vs_status *st);

/* tf.losses.mean_squared_error(labels, predictions, scope=scope) with
 * TF's defaults (weights=1.0, reduction SUM_BY_NONZERO_WEIGHTS): the mean
 * of (predictions - labels)^2, a scalar named
 * "mean_squared_error/value:0", with TF's op structure
 * (SquaredDifference, assert_broadcastable, Cast/x, Mul, Sum, num_present,
 * Sum_1, DivNoNan "value") and added to the "losses" collection as TF's
 * util.add_loss does. float32 tensors of one fully defined shape (TF
 * would cast other dtypes). Errors: ValueError "Shapes (1, 3) and (1, 2)
 * are incompatible". [per-thread] */
vs_output vs_mean_squared_error(vs_graph *g, vs_output labels, vs_output predictions, const char *scope,
                                vs_status *st);

#ifdef __cplusplus
}
#endif
#endif
