/* common.c - what every kernel family shares: launching a program's
 * kernel, buffers, the values of a run, host values and 16-bit floats, and
 * the dispatch of one op through its registered def. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "kernels/launch_grid.h"
#include "exec/plan.h"
#include "runtime/blas.h"

const char *vs__cl_options(vs_dtype t, const vs_cl_device *d) {
  switch (t) {
    case VS_FLOAT: return "-cl-std=CL1.2 -DT=float";
    case VS_DOUBLE: return d->info.fp64 ? "-cl-std=CL1.2 -DT=double -DVS_FP64" : NULL;
    case VS_INT32: return "-cl-std=CL1.2 -DT=int";
    case VS_INT64: return "-cl-std=CL1.2 -DT=long";
    case VS_UINT32: return "-cl-std=CL1.2 -DT=uint";
    case VS_UINT64: return "-cl-std=CL1.2 -DT=ulong";
    case VS_INT16: return "-cl-std=CL1.2 -DT=short";
    case VS_UINT16: return "-cl-std=CL1.2 -DT=ushort";
    case VS_INT8: return "-cl-std=CL1.2 -DT=char";
    case VS_UINT8: case VS_BOOL: return "-cl-std=CL1.2 -DT=uchar";
    default: return NULL;
  }
}

cl_mem vs__buffer(size_t dev, size_t bytes, const vs_shape *shape, vs_dtype dtype, vs_status *st) {
  if (!bytes) return NULL;
  vs_cl_device *d = vs__device(dev, st);
  return d ? vs__device_buffer(d, bytes, shape, dtype, st) : NULL;
}

size_t vs__local_size(const vs_cl_device *d, cl_kernel k) {
  /* LOCAL_SIZE rounded up to a multiple of the kernel's preferred multiple
   * (a GPU's warp or wavefront: a group that is not one leaves lanes of
   * its last warp idle), then halved while over the device's or the
   * kernel's limit (registers can cap a GPU kernel's groups). */
  size_t local = LOCAL_SIZE, kmax = 0, pref = 0;
  if (clGetKernelWorkGroupInfo(k, d->id, CL_KERNEL_WORK_GROUP_SIZE, sizeof kmax, &kmax, NULL) != CL_SUCCESS) kmax = 0;
  if (clGetKernelWorkGroupInfo(k, d->id, CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE, sizeof pref, &pref, NULL) !=
      CL_SUCCESS)
    pref = 0;
  if (pref > 1 && local % pref) local = (local + pref - 1) / pref * pref;
  while (local > 1 && (local > d->max_work_group || (kmax && local > kmax))) local /= 2;
  return local;
}

/* The program options for t on d; NULL (st set) when d cannot hold t. */
static const char *launch_options(vs_cl_device *d, vs_dtype t, const char *name, vs_status *st) {
  const char *opts = vs__cl_options(t, d);
  if (!opts)
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: dtype %s is not supported on %s", name, vs_dtype_name(t),
             d->info.cl_name);
  return opts;
}

/* Sets k's arguments and enqueues it over the dims-dimensional range
 * global in groups of local (NULL: the implementation's choice), cut
 * along the dimensions `cut` allows where the device takes fewer groups
 * in one launch (launch_grid.h). With a memo (a kept kernel object) only
 * the arguments whose value differs from what k holds are set. */
static bool enqueue(vs_cl_device *d, cl_kernel k, cl_uint dims, const size_t *global, const size_t *local,
                    unsigned cut, const char *name, const karg *args, int nargs, vs_kernel_entry *memo,
                    vs_status *st) {
  cl_int err = CL_SUCCESS;
  for (int i = 0; i < nargs && err == CL_SUCCESS; i++) {
    size_t size = args[i].size;
    bool remembered = memo && i < VS_KARG_MEMO && size <= VS_KARG_MEMO_BYTES;
    if (remembered && memo->arg_size[i] == size && memcmp(memo->arg[i], args[i].ptr, size) == 0) continue;
    err = clSetKernelArg(k, (cl_uint)i, size, args[i].ptr);
    if (memo && i < VS_KARG_MEMO) { /* what k holds now; unknown after a failure or a big argument */
      memo->arg_size[i] = remembered && err == CL_SUCCESS ? (uint8_t)size : 0;
      if (memo->arg_size[i]) memcpy(memo->arg[i], args[i].ptr, size);
    }
  }
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, name);
    return false;
  }
  return vs__grid_enqueue(d, k, dims, global, local, cut, name, st);
}

bool vs__enqueue_nd(vs_cl_device *d, cl_kernel k, const karg *args, int nargs, cl_uint dims, const size_t *global,
                    const size_t *local, const char *what, vs_status *st) {
  return enqueue(d, k, dims, global, local, VS_CUT_ALL, what, args, nargs, NULL, st);
}

/* own: the launch's own options (NULL: the dtype's), compared as part of
 * the key. */
static bool entry_is(const vs_kernel_entry *e, const vs_cl_device *d, const char *source, vs_dtype t,
                     const char *name, const char *own) {
  return e->dev == d->index && e->dtype == t && (e->name == name || strcmp(e->name, name) == 0) &&
         (e->source == source || strcmp(e->source, source) == 0) &&
         (own ? e->opts && strcmp(e->opts, own) == 0 : !e->opts);
}

/* Searches of a session's kernel list (tests: a step's launches that its
 * slots serve search nothing). */
static _Atomic uint64_t searches;

uint64_t vs__kernel_searches(void) { return atomic_load_explicit(&searches, memory_order_relaxed); }

/* Puts entry index i first in a step's slots (NULL: no step), the others
 * moved down, the oldest dropped past VS_STEP_KERNELS. */
static void remember(uint32_t *slots, size_t i) {
  if (!slots) return;
  int n = 0;
  while (n < VS_STEP_KERNELS - 1 && slots[n]) n++;
  memmove(slots + 1, slots, (size_t)n * sizeof *slots);
  slots[0] = (uint32_t)(i + 1);
}

/* The session's kernel object for (device, dtype, source, name, own
 * options): made once, then reused by every launch of the session (runs of
 * a session are serial, so setting its arguments cannot race). The running
 * step remembers the entries of its last VS_STEP_KERNELS distinct kernels,
 * so a plan's launches skip the search, a step alternating a few
 * kernels (the im2col route: im2col_lines, then its GEMM's pack and
 * multiply; the conv gradients) included. opts: the program's options; own: the same when
 * they are the launch's own (kept with the entry as its key), else NULL. */
static vs_kernel_entry *session_kernel(vs_run *r, vs_cl_device *d, const char *source, vs_dtype t, const char *name,
                                       const char *opts, const char *own, vs_status *st) {
  vs_session *s = r->s;
  uint32_t *slots = r->step ? r->step->kernels : NULL;
  if (slots)
    for (int i = 0; i < VS_STEP_KERNELS && slots[i]; i++) {
      vs_kernel_entry *e = slots[i] <= s->n_kernels ? &s->kernels[slots[i] - 1] : NULL;
      if (e && entry_is(e, d, source, t, name, own)) return e;
    }
  atomic_fetch_add_explicit(&searches, 1, memory_order_relaxed);
  size_t found = s->n_kernels;
  for (size_t i = 0; i < s->n_kernels && found == s->n_kernels; i++)
    if (entry_is(&s->kernels[i], d, source, t, name, own)) found = i;
  if (found < s->n_kernels) {
    remember(slots, found);
    return &s->kernels[found];
  }
  char *key = own ? vs__strdup(own) : NULL;
  if ((own && !key) || !VS_GROW(s->kernels, s->kernels_cap, s->n_kernels + 1)) {
    free(key);
    vs__oom(st);
    return NULL;
  }
  cl_kernel k = vs__kernel(d, source, opts, name, st);
  if (!k) {
    free(key);
    return NULL;
  }
  vs_kernel_entry *e = &s->kernels[s->n_kernels];
  *e = (vs_kernel_entry){.dev = d->index, .dtype = t, .source = source, .name = name, .kernel = k,
                         .local = vs__local_size(d, k), .opts = key};
  if (clGetKernelWorkGroupInfo(k, d->id, CL_KERNEL_WORK_GROUP_SIZE, sizeof e->group_max, &e->group_max, NULL) !=
          CL_SUCCESS ||
      !e->group_max || e->group_max > d->max_work_group)
    e->group_max = d->max_work_group;
  if (clGetDeviceInfo(d->id, CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof e->max_item, e->max_item, NULL) != CL_SUCCESS)
    memset(e->max_item, 0, sizeof e->max_item);
  remember(slots, s->n_kernels);
  s->n_kernels++;
  return e;
}

void vs__force_group_shape(vs_session *s, const size_t *local, cl_uint dims) {
  pthread_mutex_lock(&s->run_mu);
  for (cl_uint i = 0; i < 3; i++) s->force_local[i] = local && i < dims ? local[i] : 0;
  pthread_mutex_unlock(&s->run_mu);
}

/* Halves the largest of local[0, dims) while their product is over max. */
static void cap_group(size_t *local, cl_uint dims, size_t max) {
  for (;;) {
    size_t items = 1, big = 0;
    for (cl_uint i = 0; i < dims; i++) {
      items *= local[i];
      if (local[i] > local[big]) big = i;
    }
    if (items <= max || local[big] == 1) return;
    local[big] /= 2;
  }
}

/* The work-group shape of a dims-dimensional launch of e over extent and
 * its range, each dimension padded to a multiple of its share (an exact
 * range would leave the shape to the implementation, which must divide
 * the range (OpenCL 1.2) and so gives a prime extent groups of one item).
 * A session's forced shape (tests) comes first, its dimensions past the
 * launch's folded into the launch's last. Otherwise up to `room` items
 * (cpu_room on a CPU device, where PoCL runs a group as a loop and each
 * family's size was measured; e->local, from the kernel's queries,
 * elsewhere), the first dimension filled first (up to its extent, in
 * powers of two). Within the kernel's work-group size and the device's
 * per-dimension limits either way. */
static void group_shape(const vs_run *r, const vs_cl_device *d, const vs_kernel_entry *e, size_t cpu_room,
                        cl_uint dims, const size_t *extent, size_t *local, size_t *global) {
  const size_t *force = r->s->force_local;
  for (cl_uint i = 0; i < dims; i++) local[i] = 1;
  if (force[0]) {
    for (cl_uint i = 0; i < 3; i++)
      if (force[i]) local[i < dims ? i : dims - 1] *= force[i];
    cap_group(local, dims, e->group_max);
  } else {
    size_t room = e->local;
    if (strcmp(d->info.type, "CPU") == 0) room = cpu_room < d->max_work_group ? cpu_room : d->max_work_group;
    if (e->group_max && room > e->group_max) room = e->group_max; /* the kernel's own limit */
    if (!room) room = 1;
    for (cl_uint i = 0; i < dims; i++) {
      while (local[i] * 2 <= room && local[i] < extent[i]) local[i] *= 2;
      room /= local[i];
    }
  }
  for (cl_uint i = 0; i < dims; i++) {
    if (i < 3 && e->max_item[i])
      while (local[i] > e->max_item[i]) local[i] /= 2;
    global[i] = (extent[i] + local[i] - 1) / local[i] * local[i];
  }
}

bool vs__kernel_get(vs_run *r, vs_cl_device *d, const char *source, vs_dtype t, const char *name, const char *opts,
                    vs_kernel_use *u, vs_status *st) {
  const char *own = opts;
  *u = (vs_kernel_use){0};
  if (!opts && !(opts = launch_options(d, t, name, st))) return false;
  if (r) {
    u->entry = session_kernel(r, d, source, t, name, opts, own, st);
    u->kernel = u->entry ? u->entry->kernel : NULL;
  } else {
    u->kernel = vs__kernel(d, source, opts, name, st);
  }
  return u->kernel != NULL;
}

size_t vs__kernel_use_local(const vs_cl_device *d, const vs_kernel_use *u) {
  return u->entry ? u->entry->local : vs__local_size(d, u->kernel);
}

/* Driver queries of vs__kernel_use_limits (tests: a kept entry asks once). */
static _Atomic uint64_t limit_queries;

uint64_t vs__kernel_limit_queries(void) { return atomic_load_explicit(&limit_queries, memory_order_relaxed); }

bool vs__kernel_use_limits(const vs_cl_device *d, const vs_kernel_use *u, size_t *wg, cl_ulong *local_mem,
                           vs_status *st) {
  vs_kernel_entry *e = u->entry;
  if (e && e->limits_known) {
    *wg = e->wg_size;
    *local_mem = e->local_mem;
    return true;
  }
  atomic_fetch_add_explicit(&limit_queries, 1, memory_order_relaxed);
  size_t kmax = 0;
  cl_ulong klocal = 0;
  cl_int err = clGetKernelWorkGroupInfo(u->kernel, d->id, CL_KERNEL_WORK_GROUP_SIZE, sizeof kmax, &kmax, NULL);
  if (err == CL_SUCCESS)
    err = clGetKernelWorkGroupInfo(u->kernel, d->id, CL_KERNEL_LOCAL_MEM_SIZE, sizeof klocal, &klocal, NULL);
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clGetKernelWorkGroupInfo");
    return false;
  }
  if (e) { /* runs of a session are serial: no other launch reads e now */
    e->wg_size = kmax;
    e->local_mem = klocal;
    e->limits_known = true;
  }
  *wg = kmax;
  *local_mem = klocal;
  return true;
}

bool vs__kernel_use_takes(const vs_cl_device *d, const vs_kernel_use *u, size_t items, const char *what,
                          vs_status *st) {
  size_t kmax = 0;
  cl_ulong klocal = 0;
  if (!vs__kernel_use_limits(d, u, &kmax, &klocal, st)) return false;
  if (kmax >= items && klocal <= d->local_mem) return true;
  vs__fail(st, VS_RESOURCE_EXHAUSTED, VS_EXC_OP_ERROR,
           "%s: the compiled kernel takes work-groups of up to %zu items and %llu bytes of local memory; it needs %zu "
           "items, the device has %llu bytes",
           what, kmax, (unsigned long long)klocal, items, (unsigned long long)d->local_mem);
  return false;
}

bool vs__kernel_enqueue_cut(vs_cl_device *d, vs_kernel_use *u, cl_uint dims, const size_t *global,
                            const size_t *local, unsigned cut, const karg *args, int nargs, const char *what,
                            vs_status *st) {
  return enqueue(d, u->kernel, dims, global, local, cut, what, args, nargs, u->entry, st);
}

bool vs__kernel_enqueue(vs_cl_device *d, vs_kernel_use *u, cl_uint dims, const size_t *global, const size_t *local,
                        const karg *args, int nargs, const char *what, vs_status *st) {
  return vs__kernel_enqueue_cut(d, u, dims, global, local, VS_CUT_ALL, args, nargs, what, st);
}

void vs__kernel_put(vs_kernel_use *u) {
  if (!u->entry && u->kernel) clReleaseKernel(u->kernel); /* OpenCL keeps it until its enqueued launches are done */
  *u = (vs_kernel_use){0};
}

bool vs__launch_shaped(vs_run *r, vs_cl_device *d, const char *source, vs_dtype t, const char *name, const char *opts,
                       cl_uint dims, const size_t *global, const size_t *local, const karg *args, int nargs,
                       const char *what, vs_status *st) {
  vs_kernel_use u;
  if (!vs__kernel_get(r, d, source, t, name, opts, &u, st)) return false;
  bool ok = vs__kernel_enqueue(d, &u, dims, global, local, args, nargs, what, st);
  vs__kernel_put(&u);
  return ok;
}

bool vs__launch(vs_run *r, vs_cl_device *d, const char *source, vs_dtype t, const char *name, size_t n,
                const karg *args, int nargs, vs_status *st) {
  if (!n) return true;
  if (!r) { /* outside a run (conv selection and tuning): groups of the kernel's queried size */
    vs_kernel_use u;
    if (!vs__kernel_get(NULL, d, source, t, name, NULL, &u, st)) return false;
    size_t local = vs__kernel_use_local(d, &u), global = (n + local - 1) / local * local;
    bool ok = vs__kernel_enqueue(d, &u, 1, &global, &local, args, nargs, name, st);
    vs__kernel_put(&u);
    return ok;
  }
  const char *opts = launch_options(d, t, name, st);
  vs_kernel_entry *e = opts ? session_kernel(r, d, source, t, name, opts, NULL, st) : NULL;
  if (!e) return false;
  /* Groups of e->local items on every device (a forced shape's items for
   * tests: a 1-D range folds them into one dimension). */
  size_t local = e->local, global;
  if (r->s->force_local[0]) group_shape(r, d, e, e->local, 1, &n, &local, &global);
  global = (n + local - 1) / local * local;
  return enqueue(d, e->kernel, 1, &global, &local, VS_CUT_ALL, name, args, nargs, e, st);
}

/* The elementwise, broadcasting, BiasAdd and pooling kernels do a few
 * loads an item: on a CPU device groups of up to 1024 items (measured best
 * of 64-4096 on PoCL, session 9). */
#define ND_CPU_ROOM 1024

bool vs__launch_nd(vs_run *r, vs_cl_device *d, const char *source, vs_dtype t, const char *name, cl_uint dims,
                   const size_t *extent, const karg *args, int nargs, vs_status *st) {
  for (cl_uint i = 0; i < dims; i++)
    if (!extent[i]) return true;
  const char *opts = launch_options(d, t, name, st);
  vs_kernel_entry *e = opts ? session_kernel(r, d, source, t, name, opts, NULL, st) : NULL;
  if (!e) return false;
  size_t local[3], global[3];
  group_shape(r, d, e, e->local > ND_CPU_ROOM ? e->local : ND_CPU_ROOM, dims, extent, local, global);
  return enqueue(d, e->kernel, dims, global, local, VS_CUT_ALL, name, args, nargs, e, st);
}

bool vs__launch_own(vs_run *r, vs_cl_device *d, const char *source, vs_dtype t, const char *name, const char *opts,
                    size_t cpu_room, cl_uint dims, const size_t *extent, const karg *args, int nargs, const char *what,
                    vs_status *st) {
  for (cl_uint i = 0; i < dims; i++)
    if (!extent[i]) return true;
  vs_kernel_entry *e = session_kernel(r, d, source, t, name, opts, opts, st);
  if (!e) return false;
  size_t local[3], global[3];
  group_shape(r, d, e, cpu_room, dims, extent, local, global);
  return enqueue(d, e->kernel, dims, global, local, VS_CUT_ALL, what, args, nargs, e, st);
}

cl_mem vs__step_describe(vs_run *r, size_t dev, const cl_long *v, size_t n, vs_status *st) {
  vs_step *sp = r->step;
  if (!sp) { /* every kernel runs as a plan step (session.c) */
    vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "a shape descriptor outside a plan step");
    return NULL;
  }
  if (sp->desc && sp->desc_dev == dev && sp->desc_n == n && (!n || memcmp(sp->desc_v, v, n * sizeof *v) == 0))
    return sp->desc;
  cl_long *copy = malloc((n ? n : 1) * sizeof *copy);
  if (!copy) {
    vs__oom(st);
    return NULL;
  }
  cl_mem b = vs__describe(dev, v, n, st);
  if (!b) {
    free(copy);
    return NULL;
  }
  if (n) memcpy(copy, v, n * sizeof *v);
  /* The old one may still be read by a command of this run's queue: kept
   * idle for that queue only (runtime/device_memory.c). */
  if (sp->desc) vs__buffer_release(sp->desc);
  free(sp->desc_v);
  sp->desc = b;
  sp->desc_v = copy;
  sp->desc_n = n;
  sp->desc_dev = dev;
  return b;
}

/* ---- helpers over values ---- */

vs_value *vs__val(vs_run *r, const vs_op *op) { return &r->values[vs__plan_slot(r->plan, op)]; }
uint32_t vs__uses(vs_run *r, const vs_op *op) { return r->plan->uses[vs__plan_slot(r->plan, op)]; }
bool vs__act_fused(vs_run *r, const vs_op *op) { return r->plan->relu_fused[vs__plan_slot(r->plan, op)]; }

vs_value *vs__in(vs_run *r, const vs_op *op, int i) { return vs__val(r, op->inputs[i].op); }

bool vs__uninitialized(vs_run *r, const vs_op *op, const vs_value *v, vs_status *st) {
  if (!v->ref || r->s->vars[v->ref->index].initialized) return false;
  vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_OP_ERROR,
           "Attempting to use uninitialized value %s\n\t [[{{node %s}}]]", v->ref->op->name, op->name);
  return true;
}

/* The buffer of a value as seen from device `dev`: a variable's current
 * buffer, or a copy when the value lives on another device. */
cl_mem vs__on_device(vs_run *r, vs_value *v, size_t dev, cl_mem *tmp, vs_status *st) {
  *tmp = NULL;
  cl_mem buf = v->ref ? r->s->vars[v->ref->index].buf : v->buf;
  size_t src_dev = v->ref ? r->s->vars[v->ref->index].dev : v->dev;
  if (!buf || src_dev == dev) return buf;
  vs_cl_device *a = vs__device(src_dev, st), *b = vs__device(dev, st);
  if (!a || !b) return NULL;
  vs_shape shape = vs__value_shape(r, v);
  size_t bytes = vs__value_n(r, v) * vs_dtype_size(v->dtype);
  cl_int err = clFinish(*vs__queue(a));
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clFinish");
    return NULL;
  }
  if (!(*tmp = vs__buffer(dev, bytes, &shape, v->dtype, st))) return NULL;
  if (a->context == b->context) {
    /* Finished before returning: nothing queued later on `a` (an in-place
     * update of the source) may overtake the copy. */
    err = clEnqueueCopyBuffer(*vs__queue(b), buf, *tmp, 0, 0, bytes, 0, NULL, NULL);
    if (err == CL_SUCCESS) err = clFinish(*vs__queue(b));
  } else { /* different platforms: through the host */
    void *host = malloc(bytes);
    err = host ? clEnqueueReadBuffer(*vs__queue(a), buf, CL_TRUE, 0, bytes, host, 0, NULL, NULL)
               : CL_OUT_OF_HOST_MEMORY;
    if (err == CL_SUCCESS) err = clEnqueueWriteBuffer(*vs__queue(b), *tmp, CL_TRUE, 0, bytes, host, 0, NULL, NULL);
    free(host);
  }
  if (err != CL_SUCCESS) {
    vs__buffer_release(*tmp);
    *tmp = NULL;
    vs__cl_fail(st, err, "cross-device copy");
    return NULL;
  }
  return *tmp;
}

bool vs__new_output(vs_run *r, const vs_op *op, size_t dev, vs_dtype t, vs_shape shape, vs_status *st) {
  vs_value *out = vs__val(r, op);
  int64_t n = vs__shape_elements(&shape);
  if (n == -1) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: output shape is not fully defined", op->name);
    return false;
  }
  size_t esize = vs_dtype_size(t);
  if (n < 0 || (uint64_t)n > SIZE_MAX / (esize ? esize : 1)) {
    /* More bytes than an address space holds: the device's OOM report
     * (SIZE_MAX exceeds any maximum allocation), not a wrapped size. */
    vs__buffer(dev, SIZE_MAX, &shape, t, st);
    return false;
  }
  *out = (vs_value){.dtype = t, .shape = shape, .n = (size_t)n, .dev = dev, .owned = true};
  if (n && !(out->buf = vs__buffer(dev, (size_t)n * vs_dtype_size(t), &shape, t, st))) return false;
  return true;
}

bool vs__borrow_var(vs_run *r, const vs_op *op, const vs_var *v, size_t dev) {
  if (!r->step || !r->step->borrows_var || v->index >= r->s->n_vars) return false;
  const vs_var_state *vs = &r->s->vars[v->index];
  int64_t n = vs__shape_elements(&vs->shape);
  if (!vs->initialized || !vs->buf || vs->dev != dev || n <= 0) return false;
  *vs__val(r, op) = (vs_value){.dtype = v->dtype, .shape = vs->shape, .n = (size_t)n, .dev = dev, .buf = vs->buf};
  return true;
}

/* A small host copy of a value (shape vectors, fill values). */
bool vs__read_small(vs_run *r, vs_value *v, void *dst, size_t bytes, vs_status *st) {
  if (!bytes) return true;
  if (v->host) {
    memcpy(dst, v->host->data, bytes);
    return true;
  }
  cl_mem buf = v->ref ? r->s->vars[v->ref->index].buf : v->buf;
  size_t dev = v->ref ? r->s->vars[v->ref->index].dev : v->dev;
  vs_cl_device *d = vs__device(dev, st);
  cl_int err = d ? clEnqueueReadBuffer(*vs__queue(d), buf, CL_TRUE, 0, bytes, dst, 0, NULL, NULL) : CL_INVALID_DEVICE;
  if (err != CL_SUCCESS) {
    if (d) vs__cl_fail(st, err, "clEnqueueReadBuffer");
    return false;
  }
  return true;
}

bool vs__read_input_small(vs_run *r, const vs_op *op, int i, void *dst, size_t bytes, vs_status *st) {
  const vs_op *in = op->inputs[i].op;
  bool fed = false;
  for (int f = 0; f < r->plan->n_feeds && !fed; f++) fed = r->plan->sig[f] == in;
  if (!fed && strcmp(vs__op_type(in), "Const") == 0 && in->dtype != VS_STRING && vs__op_data(in) &&
      bytes <= vs__op_data_size(in)) {
    memcpy(dst, vs__op_data(in), bytes); /* the bytes k_const uploads: no blocking read of the queue */
    return true;
  }
  return vs__read_small(r, vs__in(r, op, i), dst, bytes, st);
}

bool vs__shape_input(vs_run *r, const vs_op *op, vs_shape *shape, vs_status *st) {
  vs_value *v = vs__in(r, op, 0);
  /* int64 when a dimension needs it (2**31 and above): never narrowed. */
  int64_t dims[VS_MAX_RANK];
  int32_t dims32[VS_MAX_RANK];
  bool wide = v->dtype == VS_INT64;
  if ((v->dtype != VS_INT32 && !wide) || v->n > VS_MAX_RANK ||
      !vs__read_input_small(r, op, 0, wide ? (void *)dims : (void *)dims32, v->n * (wide ? 8 : 4), st)) {
    if (!vs__failed(st))
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: shape must be an int32 or int64 vector of rank <= %d",
               op->name, VS_MAX_RANK);
    return false;
  }
  if (!wide)
    for (size_t i = 0; i < v->n; i++) dims[i] = dims32[i];
  *shape = (vs_shape){.known = true, .rank = (int)v->n};
  for (size_t i = 0; i < v->n; i++) {
    if (dims[i] < 0) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: negative dimension %lld", op->name,
               (long long)dims[i]);
      return false;
    }
    shape->dims[i] = dims[i];
  }
  return true;
}
bool vs__host_value(vs_run *r, const vs_op *op, vs_tensor *t) {
  *vs__val(r, op) = (vs_value){.ready = true, .dtype = t->dtype, .shape = t->shape, .n = t->n, .host = t};
  return true;
}

/* The host tensor behind a string value: a variable's own for refs. */
const vs_tensor *vs__host_of(vs_run *r, const vs_value *v) {
  return v->ref ? r->s->vars[v->ref->index].host : v->host;
}

/* A string op's result: a copy of a host tensor (strings never go to a
 * device, whatever the op's placement). */
bool vs__host_copy(vs_run *r, const vs_op *op, const vs_tensor *src, vs_status *st) {
  vs_tensor *t = src ? vs__tensor_clone(src, st) : NULL;
  if (!src) vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "%s: its string input has no value", op->name);
  return t && vs__host_value(r, op, t);
}
/* float16 and bfloat16 are stored as 16 bits and computed as float32:
 * converted through half.cl around the float kernels. */
bool vs__is_16bit_float(vs_dtype t) { return t == VS_HALF || t == VS_BFLOAT16; }

/* n elements between t's 16-bit storage and float32 on d. */
bool vs__convert16(vs_run *r, vs_cl_device *d, vs_dtype t, bool to_float, cl_mem out, cl_mem in, size_t n, vs_status *st) {
  const char *name = t == VS_HALF ? (to_float ? "half_to_float" : "float_to_half")
                                  : (to_float ? "bfloat16_to_float" : "float_to_bfloat16");
  cl_ulong count = n;
  karg args[] = {KARG(out), KARG(in), KARG(count)};
  return vs__launch(r, d, "half", VS_FLOAT, name, n, args, 3, st);
}

/* Copies a value (a variable's current buffer for refs) into out's buffer on dev. */
bool vs__copy_into(vs_run *r, vs_value *src, size_t dev, vs_value *out, vs_status *st) {
  if (!out->n) return true;
  cl_mem tmp, buf = vs__on_device(r, src, dev, &tmp, st);
  if (!buf) return false;
  cl_int err = clEnqueueCopyBuffer(*vs__queue(vs__device(dev, st)), buf, out->buf, 0, 0,
                                   out->n * vs_dtype_size(out->dtype), 0, NULL, NULL);
  if (tmp) vs__buffer_release(tmp);
  if (err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueCopyBuffer");
  return err == CL_SUCCESS;
}
vs_shape vs__value_shape(vs_run *r, const vs_value *v) {
  return v->ref ? r->s->vars[v->ref->index].shape : v->shape;
}

size_t vs__value_n(vs_run *r, const vs_value *v) {
  if (!v->ref) return v->n;
  vs_shape s = r->s->vars[v->ref->index].shape;
  int64_t n = vs_shape_num_elements(s);
  return n > 0 ? (size_t)n : 0;
}

bool vs__broadcast_shape(const vs_shape *a, const vs_shape *b, vs_shape *out) {
  /* numpy's rule on run-time (known) shapes: aligned from the end, a 1
   * takes the other's dimension, otherwise they must be equal. */
  int rank = a->rank > b->rank ? a->rank : b->rank;
  vs_shape r = {.known = true, .rank = rank};
  for (int i = 1; i <= rank; i++) {
    int64_t x = i <= a->rank ? a->dims[a->rank - i] : 1, y = i <= b->rank ? b->dims[b->rank - i] : 1;
    if (x != y && x != 1 && y != 1) return false;
    r.dims[rank - i] = x == 1 ? y : x;
  }
  *out = r;
  return true;
}

bool vs__has_strings(const vs_op *op) {
  if (op->has_output && op->dtype == VS_STRING) return true;
  for (int i = 0; i < op->n_inputs; i++)
    if (op->inputs[i].op->has_output && op->inputs[i].op->dtype == VS_STRING) return true;
  return false;
}

bool vs__kernel_run(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  const vs_op_def *def = op->def;
  if (dev < sizeof r->used_dev) r->used_dev[dev] = 1;
  if (!def || !def->kernel) { /* vs__op_create refuses unregistered types; kept for safety */
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "no kernel for op %s of type %s", op->name, vs__op_type(op));
    return false;
  }
  if (!(def->flags & VS_OPF_STRINGS) && vs__has_strings(op)) {
    /* Strings live on the host; an op that does not know them would read a
     * buffer that is not there. */
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR,
             "%s (%s) does not run on string tensors in varscope: strings live on the host, where only Const, "
             "Fill, Identity, Assign, AddV2, the array ops (Reshape, Squeeze, Slice, StridedSlice, ConcatV2, "
             "GatherV2) and variable reads run\n\t [[{{node %s}}]]", op->name, vs__op_type(op), op->name);
    return false;
  }
  bool ok = def->kernel(r, op, dev, st);
  if (ok) vs__val(r, op)->ready = true;
  else if (!vs__failed(st)) /* every failing kernel must say why */
    vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "op %s (%s) failed without a reason", op->name, vs__op_type(op));
  return ok;
}
