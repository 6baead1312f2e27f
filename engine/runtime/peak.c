/* peak.c - measured fp32 FMA throughput of a device (cl_kernels/peak.cl). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "runtime/runtime_internal.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

VS_API double vs_device_fp32_peak(size_t i, vs_status *st) {
  vs__ok(st);
  vs_cl_device *d = vs__device(i, st);
  if (!d) return 0;
  /* Twelve chains of W floats (peak.cl). On a CPU a work-item's chains are
   * vector registers: W is the native width, so they fit 16 of them (AVX2
   * took float16 as pairs of ymm, 24 live registers, and measured half its
   * peak); a GPU keeps 16 (a work-item's lanes are registers of its own). */
  cl_uint w = strcmp(d->info.type, "CPU") == 0 ? d->native_float_width : 16;
  if (w != 1 && w != 2 && w != 4 && w != 8 && w != 16) w = w > 16 ? 16 : 4;
  char opts[64];
  snprintf(opts, sizeof opts, "-cl-std=CL1.2 -DW=%u", w);
  cl_kernel k = vs__kernel(d, "peak", opts, "fma_peak", st);
  if (!k) return 0;
  /* Enough work-items to fill every compute unit many times over. */
  size_t local = 64, global = (size_t)d->info.compute_units * 256 * 8, kmax = 0;
  clGetKernelWorkGroupInfo(k, d->id, CL_KERNEL_WORK_GROUP_SIZE, sizeof kmax, &kmax, NULL);
  while (local > 1 && (local > d->max_work_group || (kmax && local > kmax))) local /= 2;
  vs_shape shape = VS_SHAPE((int64_t)global);
  cl_mem out = vs__device_buffer(d, global * sizeof(float), &shape, VS_FLOAT, st); /* counted, as every buffer */
  if (!out) {
    clReleaseKernel(k);
    return 0;
  }
  cl_int err = CL_SUCCESS;
  double best = 0;
  cl_int iters = 256;
  float a = 0.999f, b = 0.001f;
  for (int rep = 0; err == CL_SUCCESS && rep < 12; rep++) {
    err = clSetKernelArg(k, 0, sizeof out, &out);
    if (err == CL_SUCCESS) err = clSetKernelArg(k, 1, sizeof iters, &iters);
    if (err == CL_SUCCESS) err = clSetKernelArg(k, 2, sizeof a, &a);
    if (err == CL_SUCCESS) err = clSetKernelArg(k, 3, sizeof b, &b);
    double t0 = now();
    if (err == CL_SUCCESS) err = clEnqueueNDRangeKernel(d->queue, k, 1, NULL, &global, &local, 0, NULL, NULL);
    if (err == CL_SUCCESS) err = clFinish(d->queue);
    double dt = now() - t0, flops = (double)global * iters * 12 * w * 2;
    if (err == CL_SUCCESS && dt > 0 && flops / dt / 1e9 > best) best = flops / dt / 1e9;
    if (dt < 0.05 && iters < (1 << 24)) iters *= 2; /* grow until a run takes long enough */
  }
  if (err != CL_SUCCESS) vs__cl_fail(st, err, "fp32 peak kernel");
  vs__buffer_release(out);
  clReleaseKernel(k);
  return err == CL_SUCCESS ? best : 0;
}
