/* graphdef.c - the graph as TensorFlow's binary GraphDef (export.h), NodeDef
 * by NodeDef, with the attrs TF 1's Python API gives each op (checked node
 * by node against TF 2.21 in tests/test_tf_roundtrip.c). The wire encoding
 * is checkpoint/protobuf.c's, shared with the bundle writer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_internal.h"
#include "checkpoint/protobuf.h"
#include "graph/graph_internal.h"
#include "train/train_internal.h"
#include "variables/variables_internal.h"
#include "varscope/export.h"

/* TF 2.21's GRAPH_DEF_VERSION (what its as_graph_def() writes). */
#define GRAPH_DEF_VERSION 2474

/* ---- TensorShapeProto, TensorProto ------------------------------------- */

static void shape_proto(vs__pb_buf *b, vs_shape s) {
  if (!s.known) {
    vs__pb_varint_field(b, 3, 1); /* unknown_rank */
    return;
  }
  for (int d = 0; d < s.rank; d++) {
    vs__pb_buf dim = {0};
    if (s.dims[d]) vs__pb_varint_field(&dim, 1, (uint64_t)s.dims[d]);
    vs__pb_msg_field(b, 2, &dim);
    vs__pb_free(&dim);
  }
}

/* The dtypes make_tensor_proto writes as tensor_content
 * (tensor_util._TENSOR_CONTENT_TYPES). */
static bool content_type(vs_dtype t) {
  switch (t) {
  case VS_FLOAT:
  case VS_DOUBLE:
  case VS_INT32:
  case VS_UINT8:
  case VS_INT16:
  case VS_INT8:
  case VS_INT64:
  case VS_BFLOAT16:
  case VS_HALF:
  case VS_UINT32:
  case VS_UINT64: return true;
  default: return false;
  }
}

/* Element i's value in the typed repeated field of its dtype (packed). */
static void put_element(vs__pb_buf *b, vs_dtype t, const uint8_t *p, size_t i) {
  switch (t) {
  case VS_FLOAT: vs__pb_raw(b, p + 4 * i, 4); break;
  case VS_COMPLEX64: vs__pb_raw(b, p + 8 * i, 8); break;
  case VS_DOUBLE: vs__pb_raw(b, p + 8 * i, 8); break;
  case VS_COMPLEX128: vs__pb_raw(b, p + 16 * i, 16); break;
  case VS_INT32: {
    int32_t v;
    memcpy(&v, p + 4 * i, 4);
    vs__pb_put_varint(b, (uint64_t)(int64_t)v); /* int32: negatives sign-extended */
    break;
  }
  case VS_INT16: {
    int16_t v;
    memcpy(&v, p + 2 * i, 2);
    vs__pb_put_varint(b, (uint64_t)(int64_t)v);
    break;
  }
  case VS_INT8: vs__pb_put_varint(b, (uint64_t)(int64_t)(int8_t)p[i]); break;
  case VS_UINT8:
  case VS_BOOL: vs__pb_put_varint(b, p[i]); break;
  case VS_UINT16:
  case VS_HALF:
  case VS_BFLOAT16: {
    uint16_t v;
    memcpy(&v, p + 2 * i, 2);
    vs__pb_put_varint(b, v);
    break;
  }
  case VS_INT64: {
    int64_t v;
    memcpy(&v, p + 8 * i, 8);
    vs__pb_put_varint(b, (uint64_t)v);
    break;
  }
  case VS_UINT32: {
    uint32_t v;
    memcpy(&v, p + 4 * i, 4);
    vs__pb_put_varint(b, v);
    break;
  }
  case VS_UINT64: {
    uint64_t v;
    memcpy(&v, p + 8 * i, 8);
    vs__pb_put_varint(b, v);
    break;
  }
  default: break;
  }
}

/* TensorProto's repeated field for a dtype's values. */
static uint32_t value_field(vs_dtype t) {
  switch (t) {
  case VS_FLOAT: return 5;      /* float_val */
  case VS_DOUBLE: return 6;     /* double_val */
  case VS_INT32:
  case VS_INT16:
  case VS_INT8:
  case VS_UINT8:
  case VS_UINT16: return 7;     /* int_val */
  case VS_STRING: return 8;     /* string_val */
  case VS_COMPLEX64: return 9;  /* scomplex_val */
  case VS_INT64: return 10;     /* int64_val */
  case VS_BOOL: return 11;      /* bool_val */
  case VS_COMPLEX128: return 12; /* dcomplex_val */
  case VS_HALF:
  case VS_BFLOAT16: return 13;  /* half_val */
  case VS_UINT32: return 16;    /* uint32_val */
  case VS_UINT64: return 17;    /* uint64_val */
  default: return 0;
  }
}

/* make_tensor_proto's layout for n elements at data (strings: an array of
 * n C strings): a single typed value for one element or a splat (a scalar
 * broadcast to the shape, as constant(0.1, shape=[4]) stores it, when
 * `splat` says the Const came from one and its elements are equal),
 * tensor_content for several elements of a content type, else every value
 * typed. */
static void tensor_proto(vs__pb_buf *b, vs_dtype t, vs_shape shape, const void *data, size_t n, bool splat) {
  vs__pb_varint_field(b, 1, (uint64_t)t);
  vs__pb_buf sh = {0};
  shape_proto(&sh, shape);
  vs__pb_msg_field(b, 2, &sh);
  vs__pb_free(&sh);
  if (n == 0 || !data) return;
  size_t esize = t == VS_STRING ? 0 : vs_dtype_size(t);
  splat = splat && n > 1;
  for (size_t i = 1; splat && i < n; i++)
    splat = t == VS_STRING ? strcmp(((const char *const *)data)[i], ((const char *const *)data)[0]) == 0
                           : memcmp((const uint8_t *)data + i * esize, data, esize) == 0;
  size_t m = splat ? 1 : n;
  if (!splat && n > 1 && content_type(t)) {
    vs__pb_bytes_field(b, 4, data, n * esize);
  } else if (t == VS_STRING) {
    for (size_t i = 0; i < m; i++) vs__pb_string_field(b, 8, ((const char *const *)data)[i]);
  } else {
    vs__pb_buf vals = {0};
    for (size_t i = 0; i < m; i++) put_element(&vals, t, data, i);
    vs__pb_msg_field(b, value_field(t), &vals); /* packed: one length-delimited field */
    vs__pb_free(&vals);
  }
}

/* ---- attrs ---------------------------------------------------------------- */

typedef struct attr {
  const char *key;
  vs__pb_buf value;  /* the AttrValue message */
} attr;

typedef struct attrs {
  attr a[16];        /* no op has more than 10 (Conv2D's 7, _class, _has_manual..., _output_shapes) */
  int n;
  bool strip;        /* strip_default_attrs */
  bool full;         /* an attr did not fit: a bug, reported as INTERNAL */
} attrs;

/* A new AttrValue under key, or NULL when the default is being stripped. */
static vs__pb_buf *add(attrs *as, const char *key, bool is_default) {
  if (is_default && as->strip) return NULL;
  if (as->n == (int)(sizeof as->a / sizeof as->a[0])) {
    as->full = true;
    return NULL;
  }
  as->a[as->n] = (attr){.key = key};
  return &as->a[as->n++].value;
}

static void attr_type(attrs *as, const char *key, vs_dtype t, bool is_default) {
  vs__pb_buf *v = add(as, key, is_default);
  if (v) vs__pb_varint_field(v, 6, (uint64_t)t);
}

static void attr_b(attrs *as, const char *key, bool b, bool is_default) {
  vs__pb_buf *v = add(as, key, is_default);
  if (v) vs__pb_varint_field(v, 5, b); /* a oneof member: written even when false */
}

static void attr_i(attrs *as, const char *key, int64_t i, bool is_default) {
  vs__pb_buf *v = add(as, key, is_default);
  if (v) vs__pb_varint_field(v, 3, (uint64_t)i);
}

static void attr_s(attrs *as, const char *key, const char *s, bool is_default) {
  vs__pb_buf *v = add(as, key, is_default);
  if (v) vs__pb_string_field(v, 2, s);
}

static void attr_shape(attrs *as, const char *key, vs_shape s, bool is_default) {
  vs__pb_buf *v = add(as, key, is_default);
  if (!v) return;
  vs__pb_buf sh = {0};
  shape_proto(&sh, s);
  vs__pb_msg_field(v, 7, &sh);
  vs__pb_free(&sh);
}

/* list { i: ... } (packed int64s; an empty list is an empty ListValue) */
static void attr_list_i(attrs *as, const char *key, const int64_t *vals, int n, bool is_default) {
  vs__pb_buf *v = add(as, key, is_default);
  if (!v) return;
  vs__pb_buf list = {0}, packed = {0};
  for (int k = 0; k < n; k++) vs__pb_put_varint(&packed, (uint64_t)vals[k]);
  if (n) vs__pb_msg_field(&list, 3, &packed);
  vs__pb_msg_field(v, 1, &list);
  vs__pb_free(&packed);
  vs__pb_free(&list);
}

/* What the exporter knows of an op from the variables around it. */
typedef struct op_role {
  bool control_input;  /* some op's control input: _has_manual_control_dependencies */
  bool splat;          /* a Const an initializer broadcast from a scalar */
  bool class_self;     /* a VariableV2 made with a callable initializer: _class loc:@itself */
  const vs_var *init_of; /* the Assign that is this variable's initializer */
} op_role;

static void attr_value(attrs *as, const vs_op *op, const op_role *role) {
  vs__pb_buf *v = add(as, "value", false);
  if (!v) return;
  vs__pb_buf t = {0};
  int64_t n = vs_shape_num_elements(vs__op_shape(op));
  tensor_proto(&t, op->dtype, vs__op_shape(op), vs__op_data(op), n > 0 ? (size_t)n : 0, role->splat);
  vs__pb_msg_field(v, 8, &t);
  vs__pb_free(&t);
}

static vs_dtype in_dtype(const vs_op *op, int i) { return i < op->n_inputs ? op->inputs[i].op->dtype : VS_FLOAT; }

static bool is_type(const vs_op *op, const char *type) { return strcmp(vs__op_type(op), type) == 0; }

static const int64_t ones4[4] = {1, 1, 1, 1};

/* The attrs of the ops training adds (reductions, activations and their
 * gradients, pooling, Conv2D's gradients, losses; engine/train), as TF's
 * Python API gives them. False for any other type. */
static bool train_op_attrs(attrs *as, const vs_op *op) {
  static const char *const t_only[] = {"Square",  "Neg",        "Sigmoid",    "Tanh",       "Exp",
                                       "Log1p",   "Reciprocal", "ReluGrad",   "SigmoidGrad", "TanhGrad",
                                       "RealDiv", "Maximum",    "FloorDiv",   "SquaredDifference",
                                       "DivNoNan", "Select",    "SelectV2",   "Softmax",    "LogSoftmax",
                                       "SoftmaxCrossEntropyWithLogits"};
  for (size_t i = 0; i < sizeof t_only / sizeof t_only[0]; i++)
    if (is_type(op, t_only[i])) {
      attr_type(as, "T", op->dtype, false);
      return true;
    }
  if (is_type(op, "Sum") || is_type(op, "Mean")) {
    attr_type(as, "T", op->dtype, false);
    attr_type(as, "Tidx", in_dtype(op, 1), in_dtype(op, 1) == VS_INT32);
    attr_b(as, "keep_dims", op->attr.reduce.keep_dims, !op->attr.reduce.keep_dims);
  } else if (is_type(op, "Tile")) {
    attr_type(as, "T", op->dtype, false);
    attr_type(as, "Tmultiples", in_dtype(op, 1), in_dtype(op, 1) == VS_INT32);
  } else if (is_type(op, "ExpandDims")) {
    attr_type(as, "T", op->dtype, false);
    attr_type(as, "Tdim", in_dtype(op, 1), in_dtype(op, 1) == VS_INT32);
  } else if (is_type(op, "AddN")) {
    attr_i(as, "N", op->n_inputs, false);
    attr_type(as, "T", op->dtype, false);
  } else if (is_type(op, "Cast")) { /* tf.cast's Truncate=False: the default, stripped */
    attr_type(as, "DstT", op->dtype, false);
    attr_type(as, "SrcT", in_dtype(op, 0), false);
    attr_b(as, "Truncate", false, true);
  } else if (is_type(op, "GreaterEqual")) {
    attr_type(as, "T", in_dtype(op, 0), false);
  } else if (is_type(op, "Equal")) {
    attr_type(as, "T", in_dtype(op, 0), false);
    attr_b(as, "incompatible_shape_error", true, true);
  } else if (is_type(op, "Range")) {
    attr_type(as, "Tidx", op->dtype, op->dtype == VS_INT32);
  } else if (is_type(op, "BiasAddGrad")) {
    attr_type(as, "T", op->dtype, false);
    attr_s(as, "data_format", "NHWC", true);
  } else if (is_type(op, "Conv2DBackpropInput") || is_type(op, "Conv2DBackpropFilter")) {
    bool unit_dil = memcmp(op->attr.conv.dilations, ones4, sizeof ones4) == 0;
    attr_type(as, "T", op->dtype, false);
    attr_s(as, "data_format", "NHWC", true);
    attr_list_i(as, "dilations", op->attr.conv.dilations, 4, unit_dil);
    attr_list_i(as, "explicit_paddings", NULL, 0, true);
    attr_s(as, "padding", op->attr.conv.pad_same ? "SAME" : "VALID", false);
    attr_list_i(as, "strides", op->attr.conv.strides, 4, false);
    attr_b(as, "use_cudnn_on_gpu", true, true);
  } else if (is_type(op, "MaxPool") || is_type(op, "AvgPool") || is_type(op, "MaxPoolGrad") ||
             is_type(op, "AvgPoolGrad")) {
    attr_type(as, "T", op->dtype, false);
    attr_s(as, "data_format", "NHWC", true);
    if (is_type(op, "MaxPool") || is_type(op, "MaxPoolGrad")) attr_list_i(as, "explicit_paddings", NULL, 0, true);
    attr_list_i(as, "ksize", op->attr.pool.ksize, 4, false);
    attr_s(as, "padding", op->attr.pool.pad_same ? "SAME" : "VALID", false);
    attr_list_i(as, "strides", op->attr.pool.strides, 4, false);
  } else {
    return false;
  }
  return true;
}

/* The attrs TF's Python API gives op (its op def's attrs, defaults
 * included, as Python adds them). False for an op type without a mapping. */
static bool op_attrs(attrs *as, const vs_op *op, const op_role *role) {
  if (is_type(op, "Const")) {
    attr_type(as, "dtype", op->dtype, false);
    attr_value(as, op, role);
  } else if (is_type(op, "Placeholder")) {
    attr_type(as, "dtype", op->dtype, false);
    attr_shape(as, "shape", vs__op_shape(op), !vs__op_shape(op).known);
  } else if (is_type(op, "VariableV2")) {
    const char *container = vs_op_container(op); /* tf.container (graph/container.c) */
    attr_s(as, "container", container ? container : "", !container || !container[0]);
    attr_type(as, "dtype", op->dtype, false);
    attr_shape(as, "shape", vs__op_shape(op), false);
    attr_s(as, "shared_name", "", true);
  } else if (is_type(op, "Assign")) {
    /* A variable's initializer validates its shape unless the variable
     * was made with validate_shape=False, which left its shape unknown. */
    bool validate = role->init_of ? vs__op_shape(role->init_of->op).known : op->attr.assign.validate_shape;
    attr_type(as, "T", op->dtype, false);
    /* tf.assign's use_locking=None: the op's default (true), unless the
     * builder passed False (Adam's beta-power updates) */
    bool locking = !op->attr.assign.use_locking_false;
    attr_b(as, "use_locking", locking, locking);
    attr_b(as, "validate_shape", validate, validate);
  } else if (is_type(op, "AssignAdd") || is_type(op, "AssignSub")) {
    attr_type(as, "T", op->dtype, false);
    attr_b(as, "use_locking", false, true);
  } else if (is_type(op, "Identity") || is_type(op, "AddV2") || is_type(op, "Sub") || is_type(op, "Mul") ||
             is_type(op, "Relu")) {
    attr_type(as, "T", op->dtype, false);
  } else if (is_type(op, "BiasAdd")) {
    attr_type(as, "T", op->dtype, false);
    attr_s(as, "data_format", "NHWC", true);
  } else if (is_type(op, "Conv2D")) {
    bool unit_dil = memcmp(op->attr.conv.dilations, ones4, sizeof ones4) == 0;
    attr_type(as, "T", op->dtype, false);
    attr_s(as, "data_format", "NHWC", true);
    attr_list_i(as, "dilations", op->attr.conv.dilations, 4, unit_dil);
    attr_list_i(as, "explicit_paddings", NULL, 0, true);
    attr_s(as, "padding", op->attr.conv.pad_same ? "SAME" : "VALID", false);
    attr_list_i(as, "strides", op->attr.conv.strides, 4, false);
    attr_b(as, "use_cudnn_on_gpu", true, true);
  } else if (is_type(op, "MatMul")) {
    attr_type(as, "T", op->dtype, false);
    attr_b(as, "grad_a", false, true);
    attr_b(as, "grad_b", false, true);
    attr_b(as, "transpose_a", op->attr.matmul.transpose_a, !op->attr.matmul.transpose_a);
    attr_b(as, "transpose_b", op->attr.matmul.transpose_b, !op->attr.matmul.transpose_b);
  } else if (is_type(op, "Reshape")) {
    attr_type(as, "T", op->dtype, false);
    attr_type(as, "Tshape", in_dtype(op, 1), in_dtype(op, 1) == VS_INT32);
  } else if (is_type(op, "Fill")) {
    attr_type(as, "T", op->dtype, false);
    attr_type(as, "index_type", in_dtype(op, 0), in_dtype(op, 0) == VS_INT32);
  } else if (is_type(op, "RandomStandardNormal") || is_type(op, "TruncatedNormal") ||
             is_type(op, "RandomUniform") || is_type(op, "RandomUniformInt")) {
    int64_t seed = op->attr.random.has_seed ? op->attr.random.seed : 0;
    int64_t seed2 = op->attr.random.has_seed ? op->attr.random.seed2 : 0;
    attr_type(as, "T", in_dtype(op, 0), false);
    attr_type(as, is_type(op, "RandomUniformInt") ? "Tout" : "dtype", op->dtype, false);
    attr_i(as, "seed", seed, seed == 0);
    attr_i(as, "seed2", seed2, seed2 == 0);
  } else if (is_type(op, "VarHandleOp")) { /* a resource variable: the variable's dtype and shape */
    const char *container = vs_op_container(op);
    attr_list_i(as, "allowed_devices", NULL, 0, true); /* an empty list of strings encodes as an empty list */
    attr_s(as, "container", container ? container : "", !container || !container[0]);
    char *debug_name = vs__asprintf("%s/", op->name); /* TF 2.21 records the handle's name scope */
    if (!debug_name) as->full = true; /* reported as out of memory, as a full attr table is */
    else attr_s(as, "debug_name", debug_name, false);
    free(debug_name);
    attr_type(as, "dtype", vs__op_var(op) ? vs__op_var(op)->dtype : VS_FLOAT, false);
    attr_shape(as, "shape", vs__op_var(op) ? vs__op_var(op)->shape : VS_UNKNOWN_SHAPE, false);
    attr_s(as, "shared_name", op->name, false);
  } else if (is_type(op, "AssignVariableOp")) {
    attr_type(as, "dtype", op->dtype, false);
    attr_b(as, "validate_shape", op->attr.assign.validate_shape, !op->attr.assign.validate_shape);
  } else if (is_type(op, "AssignAddVariableOp") || is_type(op, "AssignSubVariableOp") ||
             is_type(op, "ReadVariableOp")) {
    attr_type(as, "dtype", op->dtype, false);
  } else if (is_type(op, "VarIsInitializedOp")) {
    /* no attrs */
  } else if (is_type(op, "IsVariableInitialized")) {
    attr_type(as, "dtype", in_dtype(op, 0), false);
  } else if (vs__apply_spec(vs__op_type(op))) { /* the optimizers' Apply* ops (engine/kernels/training.c) */
    attr_type(as, "T", op->dtype, false);
    attr_b(as, "use_locking", op->attr.apply.use_locking, !op->attr.apply.use_locking);
    if (vs__apply_spec(vs__op_type(op))->has_nesterov)
      attr_b(as, "use_nesterov", op->attr.apply.use_nesterov, !op->attr.apply.use_nesterov);
  } else if (train_op_attrs(as, op)) {
    /* training's ops (issue 13) */
  } else if (is_type(op, "Rank")) { /* assert_variables_initialized */
    attr_type(as, "T", in_dtype(op, 0), false);
  } else if (is_type(op, "Pack")) {
    attr_i(as, "N", op->n_inputs, false);
    attr_type(as, "T", op->dtype, false);
    attr_i(as, "axis", 0, true);
  } else if (is_type(op, "ConcatV2")) { /* a PartitionedVariable's read */
    attr_i(as, "N", op->n_inputs - 1, false);
    attr_type(as, "T", op->dtype, false);
    attr_type(as, "Tidx", in_dtype(op, op->n_inputs - 1), in_dtype(op, op->n_inputs - 1) == VS_INT32);
  } else if (is_type(op, "Slice")) { /* a PartitionedVariable's tensor initializer */
    attr_type(as, "Index", in_dtype(op, 1), false);
    attr_type(as, "T", op->dtype, false);
  } else if (is_type(op, "StridedSlice")) { /* report_uninitialized_variables' boolean_mask */
    attr_type(as, "Index", in_dtype(op, 1), false);
    attr_type(as, "T", op->dtype, false);
    attr_i(as, "begin_mask", op->attr.strided.begin_mask, !op->attr.strided.begin_mask);
    attr_i(as, "ellipsis_mask", op->attr.strided.ellipsis_mask, !op->attr.strided.ellipsis_mask);
    attr_i(as, "end_mask", op->attr.strided.end_mask, !op->attr.strided.end_mask);
    attr_i(as, "new_axis_mask", op->attr.strided.new_axis_mask, !op->attr.strided.new_axis_mask);
    attr_i(as, "shrink_axis_mask", op->attr.strided.shrink_axis_mask, !op->attr.strided.shrink_axis_mask);
  } else if (is_type(op, "Prod")) {
    attr_type(as, "T", op->dtype, false);
    attr_type(as, "Tidx", in_dtype(op, 1), in_dtype(op, 1) == VS_INT32);
    attr_b(as, "keep_dims", op->attr.reduce.keep_dims, !op->attr.reduce.keep_dims);
  } else if (is_type(op, "LogicalNot")) {
    /* no attrs */
  } else if (is_type(op, "Where")) {
    attr_type(as, "T", in_dtype(op, 0), in_dtype(op, 0) == VS_BOOL);
  } else if (is_type(op, "Squeeze")) {
    int64_t dims[32];
    int nd = 0;
    for (int d = 0; d < 32; d++)
      if ((op->attr.squeeze.dims >> d) & 1u) dims[nd++] = d;
    attr_type(as, "T", op->dtype, false);
    attr_list_i(as, "squeeze_dims", dims, nd, nd == 0);
  } else if (is_type(op, "GatherV2")) {
    attr_type(as, "Taxis", in_dtype(op, 2), false);
    attr_type(as, "Tindices", in_dtype(op, 1), false);
    attr_type(as, "Tparams", op->dtype, false);
    attr_i(as, "batch_dims", 0, true);
  } else if (is_type(op, "NoOp")) {
    /* no attrs */
  } else {
    return false;
  }
  return true;
}

/* The attr map's order in TF 2.21's Python serialization (upb's sorted
 * map, deterministic=True): bytewise over the common length, and of two
 * keys where one is a prefix of the other the longer first ("Tidx", "T";
 * "Tshape", "T"). */
static int cmp_attr(const void *a, const void *b) {
  const char *x = ((const attr *)a)->key, *y = ((const attr *)b)->key;
  size_t nx = strlen(x), ny = strlen(y);
  int c = memcmp(x, y, nx < ny ? nx : ny);
  return c ? c : nx > ny ? -1 : nx < ny;
}

static int cmp_name(const void *a, const void *b) {
  return strcmp((*(vs_op *const *)a)->name, (*(vs_op *const *)b)->name);
}

/* ---- NodeDef, GraphDef ----------------------------------------------------- */

static bool node_def(vs__pb_buf *out, const vs_op *op, const op_role *role, const vs_export_opts *o,
                     vs_status *st) {
  attrs as = {.strip = o->strip_default_attrs};
  if (!op_attrs(&as, op, role)) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR,
             "vs_graph_export_graphdef: op '%s' has type %s, which has no TensorFlow GraphDef equivalent", op->name,
             vs__op_type(op));
    return false;
  }
  vs__pb_buf *v;
  /* op->colocate holds the _class list packed ("loc:@a\0loc:@b\0\0",
   * graph/colocation.c). */
  if ((op->colocate || role->class_self) && (v = add(&as, "_class", false))) {
    vs__pb_buf list = {0};
    if (op->colocate) {
      for (const char *p = op->colocate; *p; p += strlen(p) + 1) vs__pb_string_field(&list, 2, p);
    } else {
      char *loc = vs__asprintf("loc:@%s", op->name);
      if (!loc) list.oom = true;
      else vs__pb_string_field(&list, 2, loc);
      free(loc);
    }
    vs__pb_msg_field(v, 1, &list);
    vs__pb_free(&list);
  }
  if (role->control_input) attr_b(&as, "_has_manual_control_dependencies", true, false);
  /* as_graph_def(add_shapes=True) adds them to ops that have outputs */
  if (o->add_shapes && op->has_output && (v = add(&as, "_output_shapes", false))) {
    vs__pb_buf list = {0}, sh = {0};
    shape_proto(&sh, vs__op_shape(op));
    vs__pb_msg_field(&list, 7, &sh);
    vs__pb_msg_field(v, 1, &list);
    vs__pb_free(&sh);
    vs__pb_free(&list);
  }
  if (as.full) {
    for (int i = 0; i < as.n; i++) vs__pb_free(&as.a[i].value);
    vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "vs_graph_export_graphdef: op '%s' has more attrs than the exporter holds",
             op->name);
    return false;
  }
  qsort(as.a, (size_t)as.n, sizeof as.a[0], cmp_attr);

  vs__pb_buf n = {0};
  vs__pb_string_field(&n, 1, op->name);
  vs__pb_string_field(&n, 2, vs__op_type(op));
  for (int i = 0; i < op->n_inputs; i++) {
    vs_output in = op->inputs[i];
    if (in.index == 0) {
      vs__pb_string_field(&n, 3, in.op->name);
    } else {
      char *s = vs__asprintf("%s:%zu", in.op->name, in.index);
      if (!s) n.oom = true;
      else vs__pb_string_field(&n, 3, s);
      free(s);
    }
  }
  /* control inputs sorted by name, as TF's Graph::ToGraphDef does */
  vs_op **ctl = op->n_controls ? malloc((size_t)op->n_controls * sizeof *ctl) : NULL;
  if (op->n_controls && !ctl) n.oom = true;
  for (int i = 0; ctl && i < op->n_controls; i++) ctl[i] = op->controls[i];
  if (ctl) qsort(ctl, (size_t)op->n_controls, sizeof *ctl, cmp_name);
  for (int i = 0; ctl && i < op->n_controls; i++) {
    char *s = vs__asprintf("^%s", ctl[i]->name);
    if (!s) n.oom = true;
    else vs__pb_string_field(&n, 3, s);
    free(s);
  }
  free(ctl);
  if (op->device && op->device[0]) vs__pb_string_field(&n, 4, op->device);
  for (int i = 0; i < as.n; i++) {
    vs__pb_buf entry = {0};
    vs__pb_string_field(&entry, 1, as.a[i].key);
    vs__pb_msg_field(&entry, 2, &as.a[i].value);
    vs__pb_msg_field(&n, 5, &entry);
    vs__pb_free(&entry);
    vs__pb_free(&as.a[i].value);
  }
  vs__pb_msg_field(out, 1, &n);
  vs__pb_free(&n);
  return true;
}

static bool export_graphdef(vs_graph *g, const vs_export_opts *opts, vs__pb_buf *out, vs_status *st) {
  vs_export_opts o = opts ? *opts : (vs_export_opts){0};
  *out = (vs__pb_buf){0};
  vs__lock(g);
  bool ok = true;
  op_role *role = calloc(g->n_ops ? g->n_ops : 1, sizeof *role);
  if (!role) {
    vs__oom(st);
    ok = false;
  }
  /* TF marks an op that became a control input (control_dependencies,
   * group) with _has_manual_control_dependencies. */
  for (size_t i = 0; ok && i < g->n_ops; i++)
    for (int k = 0; k < g->ops[i]->n_controls; k++) role[g->ops[i]->controls[k]->index].control_input = true;
  /* RefVariable with a callable initializer builds its VariableV2 under
   * _attr_scope({"_class": loc:@itself}); zeros/ones/constant(scalar)
   * initializers broadcast one value (constant(v, shape=...)). */
  for (size_t i = 0; ok && i < g->n_vars; i++) {
    const vs_var *v = g->vars[i];
    bool callable = vs__initializer_callable(v->initializer);
    /* A ResourceVariable builds its handle under that _attr_scope whatever
     * its initial value. */
    if (v->op) role[v->op->index].class_self = (callable || v->resource) && !v->op->colocate;
    if (v->assign) role[v->assign->index].init_of = v;
    const vs_op *iv = v->initial_value.op;
    if (iv && callable && !v->initializer->values && strcmp(vs__op_type(iv), "Const") == 0) role[iv->index].splat = true;
  }
  for (size_t i = 0; ok && i < g->n_ops; i++) ok = node_def(out, g->ops[i], &role[i], &o, st);
  vs__unlock(g);
  free(role);
  if (ok) {
    vs__pb_buf ver = {0};
    vs__pb_varint_field(&ver, 1, GRAPH_DEF_VERSION);
    vs__pb_msg_field(out, 4, &ver);
    vs__pb_free(&ver);
  }
  if (ok && out->oom) {
    vs__oom(st);
    ok = false;
  }
  if (!ok) vs__pb_free(out);
  return ok;
}

VS_API void *vs_graph_export_graphdef(vs_graph *g, const vs_export_opts *opts, size_t *len, vs_status *st) {
  vs__ok(st);
  if (len) *len = 0;
  if (!g || !len) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_graph_export_graphdef: a graph and len are required");
    return NULL;
  }
  vs__pb_buf b;
  if (!export_graphdef(g, opts, &b, st)) return NULL;
  if (!b.p && !(b.p = malloc(1))) { /* an empty graph: an empty but valid buffer */
    vs__oom(st);
    return NULL;
  }
  *len = b.len;
  return b.p;
}

VS_API void vs_graph_write_graphdef(vs_graph *g, const char *path, const vs_export_opts *opts, vs_status *st) {
  vs__ok(st);
  if (!g || !path || !*path) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_graph_write_graphdef: a graph and a path are required");
    return;
  }
  vs__pb_buf b;
  if (!export_graphdef(g, opts, &b, st)) return;
  vs__atomic_file af;
  if (vs__atomic_open(&af, path, st)) {
    errno = 0;
    if (b.len && fwrite(b.p, 1, b.len, af.f) != b.len) {
      vs__io_fail(st, errno ? errno : EIO, "Cannot write", af.tmp);
      vs__atomic_abort(&af);
    } else {
      vs__atomic_commit(&af, st);
    }
  }
  vs__pb_free(&b);
}

VS_API void vs_export_free(void *buf) { free(buf); }
