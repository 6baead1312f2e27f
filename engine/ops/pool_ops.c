/* pool_ops.c - tf.nn.max_pool and tf.nn.avg_pool (NHWC): graph
 * construction with TF's attribute checks and shape inference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/train_ops.h"
#include "varscope/nn.h"

static void list4(char *buf, size_t cap, const int64_t v[4]) {
  snprintf(buf, cap, "[%lld, %lld, %lld, %lld]", (long long)v[0], (long long)v[1], (long long)v[2], (long long)v[3]);
}

static vs_output pool(vs_graph *g, const char *type, vs_output x, const vs_pool_opts *o, vs_status *st) {
  vs_output none = {NULL, 0};
  vs__ok(st);
  if (!g || !o) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "%s: graph and opts must not be NULL", type);
    return none;
  }
  if (!vs__valid_output(g, x, type, st)) return none;
  if (!o->padding) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "Expected string for argument 'padding' not None.");
    return none;
  }
  bool same = strcmp(o->padding, "SAME") == 0;
  if (!same && strcmp(o->padding, "VALID") != 0) {
    if (strcmp(o->padding, "EXPLICIT") == 0)
      vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR, "%s: EXPLICIT padding is not supported by varscope", type);
    else
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "Attr 'padding' of '%s' Op passed string '%s' not in: \"SAME\", \"VALID\", \"EXPLICIT\".", type,
               o->padding);
    return none;
  }
  if (o->data_format && strcmp(o->data_format, "NHWC") != 0) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR, "%s: varscope pools NHWC tensors only, not %s", type,
             o->data_format);
    return none;
  }
  for (int i = 0; i < 4; i++)
    if (o->ksize[i] < 1 || o->strides[i] < 1) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "%s: ksize and strides must be 4 positive values (NHWC), got ksize[%d] = %lld, strides[%d] = %lld",
               type, i, (long long)o->ksize[i], i, (long long)o->strides[i]);
      return none;
    }
  if (o->ksize[0] != 1 || o->ksize[3] != 1 || o->strides[0] != 1 || o->strides[3] != 1) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR,
             "%s: varscope pools over height and width only (ksize and strides 1 in the batch and depth)", type);
    return none;
  }
  vs_dtype t = x.op->dtype;
  if (t != VS_FLOAT && t != VS_DOUBLE) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_TYPE_ERROR, "%s: varscope pools float32 and float64 tensors, not %s", type,
             vs_dtype_name(t));
    return none;
  }
  char ks[64], ss[64], attrs[300], dims[VS_MAX_RANK * 24 + 4];
  list4(ks, sizeof ks, o->ksize);
  list4(ss, sizeof ss, o->strides);
  snprintf(attrs, sizeof attrs, "T=%s, data_format=\"NHWC\", %sksize=%s, padding=\"%s\", strides=%s",
           vs__dt_enum_name(t), strcmp(type, "MaxPool") == 0 ? "explicit_paddings=[], " : "", ks, o->padding, ss);
  vs_shape in = vs__op_shape(x.op), out = {.known = true, .rank = 4, .dims = {-1, -1, -1, -1}};
  const char *name = o->name ? o->name : type;
  vs__lock(g);
  vs_op *op = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  const char *scope = ts ? vs__name_scope_enter(g, ts, name, st) : NULL;
  if (scope) {
    char *op_name = vs__strndup(scope, scope[0] ? strlen(scope) - 1 : 0);
    const char *problem = NULL;
    char text[200];
    if (in.known && in.rank != 4) {
      snprintf(text, sizeof text, "Shape must be rank 4 but is rank %d", in.rank);
      problem = text;
    }
    for (int i = 1; !problem && in.known && i < 3; i++) {
      if (in.dims[i] < 0) continue;
      if (!same && in.dims[i] < o->ksize[i]) {
        snprintf(text, sizeof text, "Negative dimension size caused by subtracting %lld from %lld",
                 (long long)o->ksize[i], (long long)in.dims[i]);
        problem = text;
        break;
      }
      int64_t span = same ? in.dims[i] : in.dims[i] - o->ksize[i] + 1;
      out.dims[i] = (span + o->strides[i] - 1) / o->strides[i];
    }
    if (in.known && in.rank == 4) {
      out.dims[0] = in.dims[0];
      out.dims[3] = in.dims[3];
    }
    if (!op_name) {
      vs__oom(st);
    } else if (problem) {
      vs__dims_text(&in, "?", dims, sizeof dims);
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "%s for '{{node %s}} = %s[%s](%s)' with input shapes: %s.",
               problem, op_name, type, attrs, x.op->name, dims);
    } else {
      op = vs__op_create(g, &(vs_op_spec){.type = type, .name = op_name, .inputs = &x, .n_inputs = 1,
                                          .has_output = true, .dtype = t, .shape = in.known ? out : in}, st);
      if (op) {
        memcpy(op->attr.pool.ksize, o->ksize, sizeof o->ksize);
        memcpy(op->attr.pool.strides, o->strides, sizeof o->strides);
        op->attr.pool.pad_same = same;
      }
    }
    free(op_name);
    vs__name_scope_pop(ts);
  }
  vs__unlock(g);
  return (vs_output){op, 0};
}

VS_API vs_output vs_max_pool(vs_graph *g, vs_output value, const vs_pool_opts *opts, vs_status *st) {
  return pool(g, "MaxPool", value, opts, st);
}
VS_API vs_output vs_avg_pool(vs_graph *g, vs_output value, const vs_pool_opts *opts, vs_status *st) {
  return pool(g, "AvgPool", value, opts, st);
}
