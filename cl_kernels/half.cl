/* half.cl - float16 and bfloat16 storage converted to and from float32, so
 * the float kernels (random draws, elementwise arithmetic) compute for them.
 * No cl_khr_fp16 is needed: vload_half and vstore_half are core OpenCL, and
 * bfloat16 is the high half of a float32. Built with -DT=float. */

__kernel void half_to_float(__global float *out, __global const half *in, const ulong n) {
  size_t i = get_global_id(0);
  if (i < n) out[i] = vload_half(i, in);
}

/* Round to nearest even, as numpy's float16 casts. */
__kernel void float_to_half(__global half *out, __global const float *in, const ulong n) {
  size_t i = get_global_id(0);
  if (i < n) vstore_half_rte(in[i], i, out);
}

__kernel void bfloat16_to_float(__global float *out, __global const ushort *in, const ulong n) {
  size_t i = get_global_id(0);
  if (i < n) out[i] = as_float((uint)in[i] << 16);
}

/* Round to nearest even; a NaN stays a (quiet) NaN. */
__kernel void float_to_bfloat16(__global ushort *out, __global const float *in, const ulong n) {
  size_t i = get_global_id(0);
  if (i >= n) return;
  uint x = as_uint(in[i]);
  if ((x & 0x7fffffffu) > 0x7f800000u) out[i] = (ushort)((x >> 16) | 0x40u);
  else out[i] = (ushort)((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}
