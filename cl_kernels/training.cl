/* training.cl - the optimizers' update kernels (TF's training_ops): each
 * work-item updates element i of a variable and of its slots in place.
 * Arguments follow the op's inputs in order (refs and tensors as buffers,
 * scalar hyper-parameters as one-element buffers, read on the device so a
 * step never waits for the host), then the element count. The arithmetic
 * is TF's CPU functors' (tensorflow/core/kernels/training_ops.cc), in the
 * same order, so that trajectories agree to rounding. T is float or double
 * (-DT=...); global sizes are padded to the work-group size, hence the guard. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

/* var -= alpha * delta */
__kernel void apply_gradient_descent(__global T *var, __global const T *alpha, __global const T *delta,
                                     const ulong n) {
  size_t i = get_global_id(0);
  if (i < n) var[i] -= delta[i] * alpha[0];
}

/* accum = accum * momentum + grad; var -= accum * lr, or with Nesterov
 * var -= grad * lr + accum * momentum * lr. */
__kernel void apply_momentum(__global T *var, __global T *accum, __global const T *lr, __global const T *grad,
                             __global const T *momentum, const int nesterov, const ulong n) {
  size_t i = get_global_id(0);
  if (i < n) {
    T a = accum[i] * momentum[0] + grad[i];
    accum[i] = a;
    if (nesterov)
      var[i] -= grad[i] * lr[0] + a * momentum[0] * lr[0];
    else
      var[i] -= a * lr[0];
  }
}

/* alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t); m += (g - m) * (1 - beta1);
 * v += (g^2 - v) * (1 - beta2); var -= m * alpha / (sqrt(v) + epsilon). */
__kernel void apply_adam(__global T *var, __global T *m, __global T *v, __global const T *beta1_power,
                         __global const T *beta2_power, __global const T *lr, __global const T *beta1,
                         __global const T *beta2, __global const T *epsilon, __global const T *grad,
                         const ulong n) {
  size_t i = get_global_id(0);
  if (i < n) {
    const T one = (T)1;
    T alpha = lr[0] * sqrt(one - beta2_power[0]) / (one - beta1_power[0]);
    T g = grad[i];
    T mi = m[i] + (g - m[i]) * (one - beta1[0]);
    T vi = v[i] + (g * g - v[i]) * (one - beta2[0]);
    m[i] = mi;
    v[i] = vi;
    var[i] -= (mi * alpha) / (sqrt(vi) + epsilon[0]);
  }
}

/* ms += (g^2 - ms) * (1 - rho); mom = mom * momentum + g * lr / sqrt(ms + epsilon);
 * var -= mom. */
__kernel void apply_rms_prop(__global T *var, __global T *ms, __global T *mom, __global const T *lr,
                             __global const T *rho, __global const T *momentum, __global const T *epsilon,
                             __global const T *grad, const ulong n) {
  size_t i = get_global_id(0);
  if (i < n) {
    T g = grad[i];
    T s = ms[i] + (g * g - ms[i]) * ((T)1 - rho[0]);
    ms[i] = s;
    T mo = mom[i] * momentum[0] + (g * lr[0]) / sqrt(s + epsilon[0]);
    mom[i] = mo;
    var[i] -= mo;
  }
}

/* The centered variant: mg += (g - mg) * (1 - rho) estimates the mean, and
 * the denominator is sqrt(ms - mg^2 + epsilon). */
__kernel void apply_centered_rms_prop(__global T *var, __global T *mg, __global T *ms, __global T *mom,
                                      __global const T *lr, __global const T *rho, __global const T *momentum,
                                      __global const T *epsilon, __global const T *grad, const ulong n) {
  size_t i = get_global_id(0);
  if (i < n) {
    T g = grad[i];
    T s = ms[i] + (g * g - ms[i]) * ((T)1 - rho[0]);
    T a = mg[i] + (g - mg[i]) * ((T)1 - rho[0]);
    ms[i] = s;
    mg[i] = a;
    T mo = mom[i] * momentum[0] + (g * lr[0]) / sqrt((s - a * a) + epsilon[0]);
    mom[i] = mo;
    var[i] -= mo;
  }
}
