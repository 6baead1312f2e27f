/* softmax.cl - row-wise softmax, log-softmax and softmax cross-entropy over
 * the last dimension (c columns), float or double (-DT=...): one work-item
 * per row, subtracting the row's maximum before exp as TF's kernels do. */
#ifdef VS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

/* The row's maximum and sum of exp(x - max). */
static void row_stats(__global const T *x, ulong c, T *m, T *s) {
  T mx = x[0];
  for (ulong j = 1; j < c; j++) mx = x[j] > mx ? x[j] : mx;
  T sum = 0;
  for (ulong j = 0; j < c; j++) sum += exp(x[j] - mx);
  *m = mx;
  *s = sum;
}

__kernel void softmax(__global T *out, __global const T *x, const ulong c, const ulong rows) {
  size_t r = get_global_id(0);
  if (r >= rows) return;
  T m, s;
  row_stats(x + r * c, c, &m, &s);
  for (ulong j = 0; j < c; j++) out[r * c + j] = exp(x[r * c + j] - m) / s;
}

__kernel void log_softmax(__global T *out, __global const T *x, const ulong c, const ulong rows) {
  size_t r = get_global_id(0);
  if (r >= rows) return;
  T m, s;
  row_stats(x + r * c, c, &m, &s);
  T ls = log(s);
  for (ulong j = 0; j < c; j++) out[r * c + j] = x[r * c + j] - m - ls;
}

/* loss[r] = sum_j labels[r, j] * (log(sum exp(x - m)) - (x[r, j] - m)). */
__kernel void softmax_xent(__global T *out, __global const T *x, __global const T *labels, const ulong c,
                           const ulong rows) {
  size_t r = get_global_id(0);
  if (r >= rows) return;
  T m, s;
  row_stats(x + r * c, c, &m, &s);
  T ls = log(s), acc = 0;
  for (ulong j = 0; j < c; j++) acc += labels[r * c + j] * (ls - (x[r * c + j] - m));
  out[r] = acc;
}
