/* kernels_internal.h - what the kernel families (engine/kernels/<family>.c)
 * share: the run's values (session/session_internal.h), the registry, and
 * helpers over values defined in common.c. */
#ifndef VS_KERNELS_INTERNAL_H
#define VS_KERNELS_INTERNAL_H

#include "kernels/registry.h"
#include "session/session_internal.h"

/* The shape named by input 0 of op (an int32 or int64 vector value). */
bool vs__shape_input(vs_run *r, const vs_op *op, vs_shape *shape, vs_status *st);
/* Input i of op as a host tensor of the caller's (vs_tensor_free): a copy
 * of a host value, or the device buffer read back (array.c). For the small
 * values the host kernels compute on (shape vectors, masks, indices). NULL
 * with st set when the input is an uninitialised variable. */
vs_tensor *vs__host_input(vs_run *r, const vs_op *op, int i, vs_status *st);
/* Makes t (owned) the host value of op. */
bool vs__host_value(vs_run *r, const vs_op *op, vs_tensor *t);
/* The host tensor behind a string value: a variable's own for refs. */
const vs_tensor *vs__host_of(vs_run *r, const vs_value *v);
/* A string op's result: a copy of a host tensor (strings never go to a
 * device, whatever the op's placement). */
bool vs__host_copy(vs_run *r, const vs_op *op, const vs_tensor *src, vs_status *st);
/* float16 and bfloat16: stored as 16 bits, computed as float32. */
bool vs__is_16bit_float(vs_dtype t);
/* n elements between t's 16-bit storage and float32 on d. */
bool vs__convert16(vs_run *r, vs_cl_device *d, vs_dtype t, bool to_float, cl_mem out, cl_mem in, size_t n, vs_status *st);
/* Copies a value (a variable's current buffer for refs) into out's buffer on dev. */
bool vs__copy_into(vs_run *r, vs_value *src, size_t dev, vs_value *out, vs_status *st);
/* The Philox key, counter and offset of random op `op` for this run, its
 * n values' blocks reserved in the session (random.c). */
void vs__random_seeds(vs_run *r, const vs_op *op, cl_ulong *seed, cl_ulong *seed2, cl_ulong *offset, size_t n);
/* True when x's elements repeat with period n(x) in a broadcast to `out`
 * (x is a single element, or, leading 1s dropped, out's trailing dims):
 * the case the (out, a, na, b, nb, n) kernels implement (math.c). */
bool vs__periodic(const vs_shape *x, const vs_shape *out);
/* Launches kernel `name` of cl_kernels/<source>.cl, whose operands repeat
 * with periods counts[0..ncounts) (each at least 1 and dividing n, as
 * vs__periodic guarantees), over the 2-D range (P, n / P), P the shortest
 * period between 1 and n (else n), the form elementwise.cl's
 * PERIODIC_ITEM and AT index by (math.c). Nothing runs when n is 0. */
bool vs__launch_periodic(vs_run *r, vs_cl_device *d, const char *source, vs_dtype t, const char *name,
                         const cl_ulong *counts, int ncounts, cl_ulong n, const karg *args, int nargs, vs_status *st);
/* Launches kernel `name` of cl_kernels/<source>.cl built with the
 * program options `opts` (the launch's own: a shape family's -D constants
 * after the dtype's), with the kernel object r's session keeps under
 * (device, dtype, source, name, opts): one object per options string, made
 * once (source and name must be static strings; opts is copied). The
 * range is dims-dimensional over `extent`, padded, as vs__launch_nd's
 * (the kernel returns for coordinates past its extents), in groups of up
 * to cpu_room items on a CPU device (the kernel family's measured size)
 * and of the kernel's queried size (vs__local_size) on any other.
 * `what` names the launch in an OpenCL failure. */
bool vs__launch_own(vs_run *r, vs_cl_device *d, const char *source, vs_dtype t, const char *name, const char *opts,
                    size_t cpu_room, cl_uint dims, const size_t *extent, const karg *args, int nargs, const char *what,
                    vs_status *st);
/* The kernel object of one launch with a range of its own (the forward
 * conv's and the own GEMM's kernels, whose shapes were measured per route):
 * r's session's kept object when r is given (its arguments set only where
 * they changed), else, outside a run (conv and GEMM selection and tuning),
 * a fresh one from the device's program cache, released by vs__kernel_put
 * once enqueued. One launch path either way. entry points into the
 * session's kernel list, which the next vs__kernel_get or launch on that
 * session may grow (move): use it only between its get and its put. */
typedef struct vs_kernel_use {
  cl_kernel kernel;
  vs_kernel_entry *entry; /* the session's; NULL: a fresh object */
} vs_kernel_use;
/* Kernel `name` of cl_kernels/<source>.cl built with opts (the launch's
 * own, copied as part of the session's key; NULL: dtype t's options,
 * UNIMPLEMENTED where d has none). source and name must be static
 * strings. False with st set on failure (u then holds nothing). */
bool vs__kernel_get(vs_run *r, vs_cl_device *d, const char *source, vs_dtype t, const char *name, const char *opts,
                    vs_kernel_use *u, vs_status *st);
/* The kernel's queried work-group size (vs__local_size; kept in the
 * session's entry). */
size_t vs__kernel_use_local(const vs_cl_device *d, const vs_kernel_use *u);
/* The compiled kernel's CL_KERNEL_WORK_GROUP_SIZE into *wg and
 * CL_KERNEL_LOCAL_MEM_SIZE into *local_mem: asked once per session entry
 * (kept in it), at each call for a fresh object. False with st set
 * (INTERNAL, "clGetKernelWorkGroupInfo") when the driver does not answer. */
bool vs__kernel_use_limits(const vs_cl_device *d, const vs_kernel_use *u, size_t *wg, cl_ulong *local_mem,
                           vs_status *st);
/* Whether the compiled kernel takes work-groups of items and the __local
 * memory it declares fits d (a GPU compiler may allow fewer items than
 * the device for a kernel with many registers); false with st set
 * (RESOURCE_EXHAUSTED, "<what>: the compiled kernel takes ...") when not,
 * or when the driver does not answer (vs__kernel_use_limits). */
bool vs__kernel_use_takes(const vs_cl_device *d, const vs_kernel_use *u, size_t items, const char *what,
                          vs_status *st);
/* Tests only: how many times, in this process, vs__kernel_use_limits
 * asked the driver. */
uint64_t vs__kernel_limit_queries(void);
/* Sets u's arguments and enqueues it over global in groups of local (NULL:
 * the driver's choice), exactly these sizes (vs__force_group_shape does not
 * apply: the caller's shape is the kernel's contract), as several launches
 * at global offsets where the device takes fewer groups in one
 * (launch_grid.h); `what` names it in an OpenCL failure. */
bool vs__kernel_enqueue(vs_cl_device *d, vs_kernel_use *u, cl_uint dims, const size_t *global, const size_t *local,
                        const karg *args, int nargs, const char *what, vs_status *st);
/* The same, cut into several launches only along the dimensions `cut`
 * names (launch_grid.h's VS_CUT_*) where the device takes fewer groups in
 * one; vs__kernel_enqueue cuts along any (a kernel reading get_global_id
 * only). */
bool vs__kernel_enqueue_cut(vs_cl_device *d, vs_kernel_use *u, cl_uint dims, const size_t *global,
                            const size_t *local, unsigned cut, const karg *args, int nargs, const char *what,
                            vs_status *st);
/* Done with u (a fresh object is released: OpenCL keeps it until its
 * enqueued launches finish). */
void vs__kernel_put(vs_kernel_use *u);
/* get, enqueue and put in one. */
bool vs__launch_shaped(vs_run *r, vs_cl_device *d, const char *source, vs_dtype t, const char *name, const char *opts,
                       cl_uint dims, const size_t *global, const size_t *local, const karg *args, int nargs,
                       const char *what, vs_status *st);
/* Tests only: how many times, in this process, a launch searched its
 * session's kernel list (its step's remembered entries did not hold the
 * kernel: a step's first launch of each, or a new kernel). */
uint64_t vs__kernel_searches(void);
/* Tests only: every launch through vs__launch, vs__launch_nd and
 * vs__launch_own in s's runs takes the work-group shape local[0, dims)
 * (dims 1 to 3; a launch of fewer dimensions folds the rest into its
 * last), its range padded to it, so that kernels written for whatever
 * shape the device picks are checked under a GPU's (32, 64, 256 items,
 * 8x8, 16x16) on any device. NULL restores each launch's own. Capped by
 * the kernel's work-group size and the device's per-dimension limits.
 * Takes s's run lock (not while s runs). */
void vs__force_group_shape(vs_session *s, const size_t *local, cl_uint dims);
/* A broadcasting binary op (math.c): kernel `name` of cl_kernels/<source>.cl
 * taking (out, a, na, b, nb, n), 16-bit floats computed as float32; other
 * numpy broadcasts ([N, 1] * [N, C]) run arith.cl's <name>_nd. */
bool vs__binary_run(vs_run *r, vs_op *op, size_t dev, const char *source, const char *name, vs_status *st);
/* n longs in a fresh device buffer on dev (reduce.c): the geometry the
 * reduce, conv_grad and pool kernels read; at least one element, so a
 * kernel never gets NULL. Release with vs__buffer_release. */
cl_mem vs__describe(size_t dev, const cl_long *v, size_t n, vs_status *st);
/* The same descriptor as the running step's own buffer, kept by its plan
 * and rewritten only when v differs from its last run's (common.c): the
 * caller uses it for its launch and does not release it. One descriptor
 * per step: a second different one replaces the first. */
cl_mem vs__step_describe(vs_run *r, size_t dev, const cl_long *v, size_t n, vs_status *st);
/* A one-input elementwise op (activation.c): kernel `name` of
 * cl_kernels/<source>.cl taking (out, a, n). */
bool vs__unary_run(vs_run *r, vs_op *op, size_t dev, const char *source, const char *name, vs_status *st);
/* True when op reads or makes a string tensor. */
bool vs__has_strings(const vs_op *op);

/* state.c's variable writes, shared with the resource kernels
 * (resource.c): vs__var_store makes val (initialised) the value of v,
 * vs__var_update adds (sub: subtracts) val, of v's size or one element, to
 * v's initialised value where its buffer is. Both set op's value to v's. */
bool vs__var_store(vs_run *r, vs_op *op, vs_var *v, vs_value *val, size_t dev, vs_status *st);
bool vs__var_update(vs_run *r, vs_op *op, vs_var *v, vs_value *val, bool sub, vs_status *st);

/* What a fetch of VarHandleOp `op`, run on global device `dev`, gives
 * (resource.c): a VS_RESOURCE scalar holding the ResourceHandleProto TF's
 * VarHandleOp kernel makes (device, container, name, hash_code,
 * maybe_type_name, dtypes_and_shapes), serialized. */
vs_tensor *vs__resource_handle_fetch(const vs_op *op, size_t dev, vs_status *st);

/* False (st set to TF's placer text, "No OpKernel was registered to support
 * Op ...", every line) for an AssignAdd/AssignSubVariableOp of a bool or
 * string variable, which TF has no kernel for; true for any other op
 * (resource.c). */
bool vs__resource_update_has_kernel(const vs_op *op, vs_status *st);

/* The def table of a family: DEFS(name) { {...}, ... }; then END_DEFS(name). */
#define VS_DEF_COUNT(table) const size_t vs__n_##table = sizeof vs__##table / sizeof vs__##table[0]

#endif
