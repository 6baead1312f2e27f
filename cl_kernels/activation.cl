/* activation.cl - floating-point activations and their gradients (Sigmoid,
 * Tanh, Exp, Log1p, Reciprocal, ReluGrad, SigmoidGrad, TanhGrad), for float
 * and double only: the
 * constructors refuse other dtypes, so no integer program is ever built. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#define UNARY(name, expr)                                                              \
  __kernel void name(__global T *out, __global const T *a, const ulong n) {            \
    size_t i = get_global_id(0);                                                       \
    if (i < n) {                                                                       \
      T x = a[i];                                                                      \
      out[i] = (expr);                                                                 \
    }                                                                                  \
  }
UNARY(sigmoid, (T)1 / ((T)1 + exp(-x)))
UNARY(tanh_act, tanh(x))
UNARY(exp_op, exp(x))
UNARY(log1p_op, log1p(x))
UNARY(reciprocal, (T)1 / x)

/* (a, b) elementwise, b of the same size (gradient ops take equal shapes). */
#define GRAD(name, expr)                                                               \
  __kernel void name(__global T *out, __global const T *a, __global const T *b, const ulong n) { \
    size_t i = get_global_id(0);                                                       \
    if (i < n) {                                                                       \
      T x = a[i], y = b[i];                                                            \
      out[i] = (expr);                                                                 \
    }                                                                                  \
  }
/* ReluGrad(gradients, features): TF passes the gradient where features > 0. */
GRAD(relu_grad, y > (T)0 ? x : (T)0)
/* SigmoidGrad(y, dy) = dy * y * (1 - y); TanhGrad(y, dy) = dy * (1 - y * y). */
GRAD(sigmoid_grad, y * x * ((T)1 - x))
GRAD(tanh_grad, y * ((T)1 - x * x))
