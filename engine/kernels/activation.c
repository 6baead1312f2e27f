/* activation.c - Sigmoid, Tanh, Exp, Log1p, Reciprocal and the gradient ops of the activations
 * (ReluGrad, SigmoidGrad, TanhGrad), float and double, on the device
 * (cl_kernels/activation.cl). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"

/* out = f(inputs) elementwise over n_in inputs of one shape (the first's). */
static bool elementwise(vs_run *r, vs_op *op, size_t dev, const char *source, const char *name, int n_in,
                        vs_status *st) {
  vs_value *in[2] = {vs__in(r, op, 0), n_in > 1 ? vs__in(r, op, 1) : NULL};
  for (int i = 0; i < n_in; i++)
    if (vs__uninitialized(r, op, in[i], st)) return false;
  vs_shape xs = vs__value_shape(r, in[0]);
  if (n_in > 1 && vs__value_n(r, in[1]) != vs__value_n(r, in[0])) {
    char sa[160], sb[160];
    vs_shape bs = vs__value_shape(r, in[1]);
    vs__dims_text(&xs, "<unknown>", sa, sizeof sa);
    vs__dims_text(&bs, "<unknown>", sb, sizeof sb);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "Incompatible shapes: %s vs. %s\n\t [[{{node %s}}]]", sa, sb,
             op->name);
    return false;
  }
  if (!vs__new_output(r, op, dev, op->dtype, xs, st)) return false;
  vs_value *out = vs__val(r, op);
  if (!out->n) return true;
  cl_mem tmp[2] = {NULL, NULL}, buf[2] = {NULL, NULL};
  bool ok = true;
  for (int i = 0; ok && i < n_in; i++) ok = (buf[i] = vs__on_device(r, in[i], dev, &tmp[i], st)) != NULL;
  cl_ulong n = out->n;
  if (ok && n_in == 1) {
    karg args[] = {KARG(out->buf), KARG(buf[0]), KARG(n)};
    ok = vs__launch(r, vs__device(dev, st), source, op->dtype, name, out->n, args, 3, st);
  } else if (ok) {
    karg args[] = {KARG(out->buf), KARG(buf[0]), KARG(buf[1]), KARG(n)};
    ok = vs__launch(r, vs__device(dev, st), source, op->dtype, name, out->n, args, 4, st);
  }
  for (int i = 0; i < 2; i++)
    if (tmp[i]) vs__buffer_release(tmp[i]);
  return ok;
}

bool vs__unary_run(vs_run *r, vs_op *op, size_t dev, const char *source, const char *name, vs_status *st) {
  return elementwise(r, op, dev, source, name, 1, st);
}

static bool k_sigmoid(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return elementwise(r, op, dev, "activation", "sigmoid", 1, st);
}
static bool k_tanh(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return elementwise(r, op, dev, "activation", "tanh_act", 1, st);
}
static bool k_exp(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return elementwise(r, op, dev, "activation", "exp_op", 1, st);
}
static bool k_log1p(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return elementwise(r, op, dev, "activation", "log1p_op", 1, st);
}
static bool k_reciprocal(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return elementwise(r, op, dev, "activation", "reciprocal", 1, st);
}
static bool k_relu_grad(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return elementwise(r, op, dev, "activation", "relu_grad", 2, st);
}
static bool k_sigmoid_grad(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return elementwise(r, op, dev, "activation", "sigmoid_grad", 2, st);
}
static bool k_tanh_grad(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  return elementwise(r, op, dev, "activation", "tanh_grad", 2, st);
}

const vs_op_def vs__activation_defs[] = {
    {.type = "Sigmoid", .doc = "1 / (1 + exp(-x)) elementwise", .shape = vs__shape_of_input0, .kernel = k_sigmoid,
     .gradient = vs__grad_sigmoid},
    {.type = "Tanh", .doc = "tanh(x) elementwise", .shape = vs__shape_of_input0, .kernel = k_tanh,
     .gradient = vs__grad_tanh},
    {.type = "Exp", .doc = "e ** x elementwise", .shape = vs__shape_of_input0, .kernel = k_exp,
     .gradient = vs__grad_exp},
    {.type = "Log1p", .doc = "log(1 + x) elementwise", .shape = vs__shape_of_input0, .kernel = k_log1p,
     .gradient = vs__grad_log1p},
    {.type = "Reciprocal", .doc = "1 / x elementwise", .shape = vs__shape_of_input0, .kernel = k_reciprocal},
    {.type = "ReluGrad", .doc = "Relu's gradient: gradients where features > 0, else 0",
     .shape = vs__shape_of_input0, .kernel = k_relu_grad},
    {.type = "SigmoidGrad", .doc = "Sigmoid's gradient from its output y: dy * y * (1 - y)",
     .shape = vs__shape_of_input0, .kernel = k_sigmoid_grad},
    {.type = "TanhGrad", .doc = "Tanh's gradient from its output y: dy * (1 - y * y)", .shape = vs__shape_of_input0,
     .kernel = k_tanh_grad},
};
VS_DEF_COUNT(activation_defs);
