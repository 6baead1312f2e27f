/* device_memory.c - device buffers counted against the device's memory.
 *
 * OpenCL only checks each buffer against CL_DEVICE_MAX_MEM_ALLOC_SIZE, and
 * some drivers not even that (NVIDIA's accepts larger ones); PoCL allocates
 * lazily, so many buffers that together exceed the device's memory succeed
 * until the process is killed. Every buffer varscope makes for a tensor or a
 * variable is therefore reserved here first against the device's limit
 * (CL_DEVICE_GLOBAL_MEM_SIZE, or VARSCOPE_MEMORY_LIMIT when lower), and
 * given back by a destructor callback when the driver destroys it, so the
 * count stays exact whichever of the many clReleaseMemObject sites, or the
 * completion of the last queued kernel using it, drops the last reference. */
#include <stdio.h>
#include <stdlib.h>

#include "runtime/runtime_internal.h"

typedef struct reservation {
  vs_cl_device *d;
  uint64_t bytes;
} reservation;

static void CL_CALLBACK give_back(cl_mem m, void *user) {
  (void)m;
  reservation *r = user;
  atomic_fetch_sub(&r->d->mem_in_use, r->bytes);
  free(r);
}

/* Adds bytes to the device's count unless that passes its limit. */
static bool reserve(vs_cl_device *d, uint64_t bytes, uint64_t *in_use) {
  uint64_t cur = atomic_load(&d->mem_in_use);
  do {
    *in_use = cur;
    if (bytes > d->info.global_mem_bytes || cur > d->info.global_mem_bytes - bytes) return false;
  } while (!atomic_compare_exchange_weak(&d->mem_in_use, &cur, cur + bytes));
  return true;
}

cl_mem vs__device_buffer(vs_cl_device *d, size_t bytes, const vs_shape *shape, vs_dtype dtype,
                         vs_status *st) {
  char why[160];
  cl_int err = CL_SUCCESS;
  cl_mem m = NULL;
  uint64_t in_use = 0;
  if (bytes > d->info.max_alloc_bytes) {
    snprintf(why, sizeof why, "%zu bytes exceed the device's maximum allocation (%llu bytes)", bytes,
             (unsigned long long)d->info.max_alloc_bytes);
  } else if (!reserve(d, bytes, &in_use)) {
    snprintf(why, sizeof why, "%zu bytes exceed the device's free memory (%llu of %llu bytes in use)", bytes,
             (unsigned long long)in_use, (unsigned long long)d->info.global_mem_bytes);
  } else {
    reservation *r = malloc(sizeof *r);
    if (r) m = clCreateBuffer(d->context, CL_MEM_READ_WRITE, bytes, NULL, &err);
    if (m && err == CL_SUCCESS) {
      *r = (reservation){.d = d, .bytes = bytes};
      err = clSetMemObjectDestructorCallback(m, give_back, r);
      if (err == CL_SUCCESS) return m;
      clReleaseMemObject(m);
      m = NULL;
    }
    const char *cause = r ? vs__cl_error_name(err) : "out of host memory";
    free(r);
    atomic_fetch_sub(&d->mem_in_use, bytes);
    snprintf(why, sizeof why, "%zu bytes: %s", bytes, cause);
  }
  /* TF's text (BFCAllocator / OpKernelContext::allocate_tensor):
   * "OOM when allocating tensor with shape[2,3] and type float on <device>". */
  char dims[256] = "[]";
  if (shape) vs__dims_text(shape, "<unknown>", dims, sizeof dims);
  vs__fail(st, VS_RESOURCE_EXHAUSTED, VS_EXC_OP_ERROR, "OOM when allocating tensor with shape%s and type %s on %s: %s",
           dims, vs__dtype_cc_name(dtype), d->info.cl_name, why);
  return NULL;
}
