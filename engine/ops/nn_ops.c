/* nn_ops.c - conv2d, bias_add, relu, matmul: graph construction and TF's
 * shape inference (tensorflow/core/framework/common_shape_fns.cc). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops_internal.h"
#include "varscope/nn.h"

/* Enters name_scope(name) and returns the op name (malloc'd), or NULL. */
static char *enter(vs_graph *g, vs_thread_state *ts, const char *name, vs_status *st) {
  const char *scope = vs__name_scope_push(g, ts, name, st);
  if (!scope) return NULL;
  char *op_name = vs__strndup(scope, scope[0] ? strlen(scope) - 1 : 0); /* "" at the root */
  if (!op_name) {
    vs__oom(st);
    vs__name_scope_pop(ts);
  }
  return op_name;
}

static void list4(char *buf, size_t cap, const int64_t v[4]) {
  snprintf(buf, cap, "[%lld, %lld, %lld, %lld]", (long long)v[0], (long long)v[1], (long long)v[2],
           (long long)v[3]);
}

static bool all_zero(const int64_t v[4]) { return !v[0] && !v[1] && !v[2] && !v[3]; }

/* GetWindowedOutputSizeVerbose with shape inference's checked arithmetic:
 * -1 for unknown; -2 for "negative" (*a is the effective filter size);
 * -3 when a sum overflows int64 (*a + *b is the sum TF reports). */
static int64_t out_size(int64_t in, int64_t k, int64_t stride, int64_t dil, bool same, int64_t *a, int64_t *b) {
  if (in < 0 || k < 0) return -1;
  int64_t sum;
  if (same) {
    *a = in;
    *b = stride - 1;
    return __builtin_add_overflow(in, stride - 1, &sum) ? -3 : sum / stride;
  }
  int64_t eff;
  if (__builtin_mul_overflow(k - 1, dil, &eff) || __builtin_add_overflow(eff, 1, &eff)) eff = INT64_MAX;
  if (in < eff) {
    *a = eff;
    return -2;
  }
  int64_t diff;
  if (__builtin_sub_overflow(in, eff, &diff)) diff = INT64_MAX; /* a zero-size filter (eff <= 0) */
  *a = diff;
  *b = stride;
  return __builtin_add_overflow(diff, stride, &sum) ? -3 : sum / stride;
}

VS_API vs_output vs_conv2d(vs_graph *g, vs_output input, vs_output filter, const vs_conv2d_opts *o,
                           vs_status *st) {
  vs__ok(st);
  vs_output none = {NULL, 0};
  if (!g || !o) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "conv2d: graph and opts must not be NULL");
    return none;
  }
  vs__lock(g);
  vs_op *op = NULL;
  char *name = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (!ts || !vs__valid_outputs(g, (vs_output[]){input, filter}, 2, "conv2d", st)) goto out;
  int64_t strides[4] = {1, 1, 1, 1}, dil[4] = {1, 1, 1, 1};
  if (!all_zero(o->strides)) memcpy(strides, o->strides, sizeof strides);
  if (!all_zero(o->dilations)) memcpy(dil, o->dilations, sizeof dil);
  if (!(name = enter(g, ts, o->name ? o->name : "Conv2D", st))) goto out;
  if (!o->padding) { /* TF's op_def_library refuses None before any other check */
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "Expected string for argument 'padding' not None.");
    goto pop;
  }
  const char *pad = o->padding;
  bool same = strcmp(pad, "SAME") == 0;
  char attrs[400], s_str[64], d_str[64];
  list4(s_str, sizeof s_str, strides);
  list4(d_str, sizeof d_str, dil);
  vs_dtype t = input.op->dtype;
  snprintf(attrs, sizeof attrs,
           "T=%s, data_format=\"NHWC\", dilations=%s, explicit_paddings=[], padding=\"%s\", strides=%s, "
           "use_cudnn_on_gpu=true", vs__dt_enum_name(t), d_str, pad, s_str);
  if (!same && strcmp(pad, "VALID") != 0) {
    if (strcmp(pad, "EXPLICIT") == 0)
      vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR, "conv2d: EXPLICIT padding is not supported by varscope");
    else
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "Attr 'padding' of 'Conv2D' Op passed string '%s' not in: \"SAME\", \"VALID\", \"EXPLICIT\".", pad);
    goto pop;
  }
  if (o->data_format && strcmp(o->data_format, "NHWC") != 0) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR,
             "The Conv2D op currently only supports the NHWC tensor format on the CPU. The op was given the "
             "format: %s", o->data_format);
    goto pop;
  }
  if (filter.op->dtype != t) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
             "Input 'filter' of 'Conv2D' Op has type %s that does not match type %s of argument 'input'.",
             vs_dtype_name(filter.op->dtype), vs_dtype_name(t));
    goto pop;
  }
  /* Conv2D's strides and dilations are list(int) attrs: each must fit an
   * int32 (TF validates attrs in op-def order, strides before dilations). */
  for (int a = 0; a < 2; a++)
    for (int i = 0; i < 4; i++) {
      int64_t v = a ? dil[i] : strides[i];
      if (v > INT32_MAX || v < INT32_MIN) {
        char problem[120];
        snprintf(problem, sizeof problem, "Attr %s has value %lld out of range for an int32",
                 a ? "dilations" : "strides", (long long)v);
        vs__fail_shape(st, problem, name, "Conv2D", attrs, input, filter);
        goto pop;
      }
    }
  if (strides[0] != 1 || strides[3] != 1 || dil[0] != 1 || dil[3] != 1) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Current implementation does not yet support strides or dilations in the batch and depth "
             "dimensions.");
    goto pop;
  }
  for (int i = 1; i < 3; i++)
    if (strides[i] < 1 || dil[i] < 1) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "strides and dilations must be >= 1, got %s and %s",
               s_str, d_str);
      goto pop;
    }
  vs_shape in = vs__op_shape(input.op), fl = vs__op_shape(filter.op);
  char problem[200];
  if (in.known && in.rank != 4) {
    snprintf(problem, sizeof problem, "Shape must be rank 4 but is rank %d", in.rank);
    vs__fail_shape(st, problem, name, "Conv2D", attrs, input, filter);
    goto pop;
  }
  if (fl.known && fl.rank != 4) {
    snprintf(problem, sizeof problem, "Shape must be rank 4 but is rank %d", fl.rank);
    vs__fail_shape(st, problem, name, "Conv2D", attrs, input, filter);
    goto pop;
  }
  if (in.known && fl.known) {
    if (in.dims[3] >= 0 && fl.dims[2] > 0 && in.dims[3] % fl.dims[2] != 0) {
      snprintf(problem, sizeof problem, "Depth of input (%lld) is not a multiple of input depth of filter (%lld)",
               (long long)in.dims[3], (long long)fl.dims[2]);
      vs__fail_shape(st, problem, name, "Conv2D", attrs, input, filter);
      goto pop;
    }
    if (in.dims[3] >= 0 && fl.dims[2] >= 0 && in.dims[3] != fl.dims[2]) {
      vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR, "conv2d: grouped convolutions (input depth %lld, "
               "filter depth %lld) are not supported by varscope", (long long)in.dims[3], (long long)fl.dims[2]);
      goto pop;
    }
    for (int i = 1; i < 3; i++) {
      int64_t a = 0, b = 0, sz = out_size(in.dims[i], fl.dims[i - 1], strides[i], dil[i], same, &a, &b);
      if (sz == -2 || sz == -3) {
        if (sz == -2)
          snprintf(problem, sizeof problem, "Negative dimension size caused by subtracting %lld from %lld",
                   (long long)a, (long long)in.dims[i]);
        else
          snprintf(problem, sizeof problem, "Dimension size overflow from adding %lld and %lld", (long long)a,
                   (long long)b);
        vs__fail_shape(st, problem, name, "Conv2D", attrs, input, filter);
        goto pop;
      }
    }
  }
  /* Checked above; the def's shape function gives the result. */
  vs_output ins[2] = {input, filter};
  vs_op_attrs attr = {.conv.pad_same = same};
  memcpy(attr.conv.strides, strides, sizeof strides);
  memcpy(attr.conv.dilations, dil, sizeof dil);
  op = vs__op_create(g, &(vs_op_spec){.type = "Conv2D", .name = name, .inputs = ins, .n_inputs = 2,
                                      .has_output = true, .dtype = t, .attr = &attr, .infer_shape = true}, st);
pop:
  vs__name_scope_pop(ts);
out:
  free(name);
  vs__unlock(g);
  return (vs_output){op, 0};
}

VS_API vs_output vs_bias_add(vs_graph *g, vs_output value, vs_output bias, const char *name_arg,
                             vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "bias_add: graph must not be NULL");
  vs__lock(g);
  vs_op *op = NULL;
  char *name = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (!ts || !vs__valid_outputs(g, (vs_output[]){value, bias}, 2, "bias_add", st) ||
      !(name = enter(g, ts, name_arg ? name_arg : "BiasAdd", st)))
    goto out;
  vs_dtype t = value.op->dtype;
  char attrs[96], problem[160];
  snprintf(attrs, sizeof attrs, "T=%s, data_format=\"NHWC\"", vs__dt_enum_name(t));
  vs_shape v = vs__op_shape(value.op), b = vs__op_shape(bias.op);
  if (bias.op->dtype != t) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
             "Input 'bias' of 'BiasAdd' Op has type %s that does not match type %s of argument 'value'.",
             vs_dtype_name(bias.op->dtype), vs_dtype_name(t));
  } else if (v.known && v.rank < 2) {
    snprintf(problem, sizeof problem, "Shape must be at least rank 2 but is rank %d", v.rank);
    vs__fail_shape(st, problem, name, "BiasAdd", attrs, value, bias);
  } else if (b.known && b.rank != 1) {
    snprintf(problem, sizeof problem, "Shape must be rank 1 but is rank %d", b.rank);
    vs__fail_shape(st, problem, name, "BiasAdd", attrs, value, bias);
  } else if (v.known && b.known && v.dims[v.rank - 1] >= 0 && b.dims[0] >= 0 && v.dims[v.rank - 1] != b.dims[0]) {
    snprintf(problem, sizeof problem, "Dimensions must be equal, but are %lld and %lld",
             (long long)v.dims[v.rank - 1], (long long)b.dims[0]);
    vs__fail_shape(st, problem, name, "BiasAdd", attrs, value, bias);
  } else {
    vs_output ins[2] = {value, bias};
    op = vs__op_create(g, &(vs_op_spec){.type = "BiasAdd", .name = name, .inputs = ins, .n_inputs = 2,
                                        .has_output = true, .dtype = t, .infer_shape = true}, st);
  }
  vs__name_scope_pop(ts);
out:
  free(name);
  vs__unlock(g);
  return (vs_output){op, 0};
}

VS_API vs_output vs_relu(vs_graph *g, vs_output x, const char *name, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "relu: graph must not be NULL");
  vs__lock(g);
  vs_op *op = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (ts && vs__valid_output(g, x, "relu", st))
    op = vs__op_in_scope(g, ts, name ? name : "Relu",
                         &(vs_op_spec){.type = "Relu", .inputs = &x, .n_inputs = 1, .has_output = true,
                                       .dtype = x.op->dtype, .infer_shape = true}, st);
  vs__unlock(g);
  return (vs_output){op, 0};
}

VS_API vs_output vs_matmul(vs_graph *g, vs_output a, vs_output b, const vs_matmul_opts *o, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g, st, "matmul: graph must not be NULL");
  static const vs_matmul_opts defaults;
  if (!o) o = &defaults;
  vs__lock(g);
  vs_op *op = NULL;
  char *name = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (!ts || !vs__valid_outputs(g, (vs_output[]){a, b}, 2, "matmul", st) ||
      !(name = enter(g, ts, o->name ? o->name : "MatMul", st)))
    goto out;
  vs_dtype t = a.op->dtype;
  char attrs[160], problem[160];
  snprintf(attrs, sizeof attrs, "T=%s, grad_a=false, grad_b=false, transpose_a=%s, transpose_b=%s",
           vs__dt_enum_name(t), o->transpose_a ? "true" : "false", o->transpose_b ? "true" : "false");
  vs_shape sa = vs__op_shape(a.op), sb = vs__op_shape(b.op);
  if (b.op->dtype != t) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
             "Input 'b' of 'MatMul' Op has type %s that does not match type %s of argument 'a'.",
             vs_dtype_name(b.op->dtype), vs_dtype_name(t));
  } else if ((sa.known && sa.rank != 2) || (sb.known && sb.rank != 2)) {
    snprintf(problem, sizeof problem, "Shape must be rank 2 but is rank %d", sa.known && sa.rank != 2 ? sa.rank : sb.rank);
    vs__fail_shape(st, problem, name, "MatMul", attrs, a, b);
  } else {
    int64_t ka = sa.known ? sa.dims[o->transpose_a ? 0 : 1] : -1, kb = sb.known ? sb.dims[o->transpose_b ? 1 : 0] : -1;
    if (ka >= 0 && kb >= 0 && ka != kb) {
      snprintf(problem, sizeof problem, "Dimensions must be equal, but are %lld and %lld", (long long)ka,
               (long long)kb);
      vs__fail_shape(st, problem, name, "MatMul", attrs, a, b);
    } else {
      vs_output ins[2] = {a, b};
      vs_op_attrs attr = {.matmul = {.transpose_a = o->transpose_a, .transpose_b = o->transpose_b}};
      op = vs__op_create(g, &(vs_op_spec){.type = "MatMul", .name = name, .inputs = ins, .n_inputs = 2,
                                          .has_output = true, .dtype = t, .attr = &attr, .infer_shape = true}, st);
    }
  }
  vs__name_scope_pop(ts);
out:
  free(name);
  vs__unlock(g);
  return (vs_output){op, 0};
}
