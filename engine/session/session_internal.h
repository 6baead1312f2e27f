/* session_internal.h - sessions, run-time values and op kernels. */
#ifndef VS_SESSION_INTERNAL_H
#define VS_SESSION_INTERNAL_H

#include "core/tensor.h"
#include "graph/graph_internal.h"
#include "runtime/runtime_internal.h"
#include "variables/variables_internal.h"

/* A variable's value in one session: one buffer on the variable's device,
 * or for DT_STRING a host tensor (TF keeps string tensors in host memory;
 * an OpenCL buffer cannot hold variable-length strings). */
typedef struct vs_var_state {
  cl_mem buf;
  vs_tensor *host;            /* VS_STRING variables: the value, owned */
  size_t dev;
  vs_shape shape;
  bool initialized;
} vs_var_state;

/* How many leading arguments of a kept kernel object remember the value
 * they were last set to (every kernel of the run path has at most 7), and
 * the largest argument so remembered. */
#define VS_KARG_MEMO 8
#define VS_KARG_MEMO_BYTES 8

/* A kernel object the session keeps (no clCreateKernel per launch): the
 * program's source and kernel names are the launch's static strings.
 * OpenCL keeps a kernel's arguments between launches, so the entry
 * remembers what each argument holds and a launch calls clSetKernelArg only
 * for those that changed: a plan step that is the kernel's only user sets
 * its static arguments (sizes, counts, a variable's buffer) once, at its
 * first run, and afterwards only what differs per run (fresh outputs). */
typedef struct vs_kernel_entry {
  size_t dev;
  vs_dtype dtype;
  const char *source, *name;
  cl_kernel kernel;
  size_t local;   /* its work-group size (vs__local_size) */
  /* The program's options when the launch gave its own (a shape family's
   * -D constants: the conv gradients' direct kernels), owned, part of the
   * entry's key; NULL for the dtype's (vs__cl_options). */
  char *opts;
  size_t group_max;   /* CL_KERNEL_WORK_GROUP_SIZE, else the device's maximum */
  size_t max_item[3]; /* CL_DEVICE_MAX_WORK_ITEM_SIZES (0: no limit known) */
  /* The compiled kernel's CL_KERNEL_WORK_GROUP_SIZE (unclamped) and
   * CL_KERNEL_LOCAL_MEM_SIZE, asked at the first vs__kernel_use_limits
   * (the implicit GEMM conv checks its parameter set against them at each
   * launch) and kept: limits_known. */
  size_t wg_size;
  cl_ulong local_mem;
  bool limits_known;
  uint8_t arg_size[VS_KARG_MEMO]; /* 0: not set through the memo */
  unsigned char arg[VS_KARG_MEMO][VS_KARG_MEMO_BYTES];
} vs_kernel_entry;

struct vs_plan;

struct vs_session {
  vs_graph *graph;
  vs_session_opts opts;
  size_t default_dev;
  /* Runs of one session are serial (they share the values of its plans,
   * its kernel objects and its variables); runs of different sessions on
   * one graph run in parallel. Lock order: run_mu, then the graph lock. */
  pthread_mutex_t run_mu;
  vs_var_state *vars;         /* indexed by vs_var index */
  size_t n_vars;
  /* Per op index: global device, -1 unplaced. int8_t: the registry holds
   * at most 64 devices (runtime/registry.c), and a byte an op, not an int,
   * is what a small variable's ten ops cost here (issue 10). */
  int8_t *op_dev;
  size_t n_op_dev;
  /* Philox blocks reserved so far by each random op of the session's
   * plans: op index + 1 (0: empty) -> offset, open addressing (rng.c). */
  size_t *rng_keys;
  uint64_t *rng_vals;
  size_t rng_mask, rng_count;
  uint64_t entropy;           /* seeds for ops with no seed at all */
  struct vs_plan *plans;      /* compiled run plans, most recently used first (exec/plan.h) */
  uint64_t plan_builds;
  uint64_t inline_runs;       /* runs that ran on the host (exec/inline.h) */
  bool inline_off;            /* tests: every run takes the device path */
  /* TF places the whole graph before a run: the ops checked for a kernel so
   * far (graph ops [0, kernels_checked)) and the first without one, which
   * fails every later run, cached plans included (exec/plan.c). Ops are
   * never removed, so only the ops added since the last run are checked. */
  size_t kernels_checked;
  const vs_op *no_kernel;
  cl_command_queue *queues;   /* by device index: the session's own, NULL until a plan runs there */
  size_t n_queues;
  vs_kernel_entry *kernels;   /* kernel objects kept for launches */
  size_t n_kernels, kernels_cap;
  /* Tests (vs__force_group_shape): the work-group shape every launch of
   * the session's runs takes through common.c; {0}: each launch's own. */
  size_t force_local[3];
};

/* Philox offsets (rng.c), under the session's run lock. vs__rng_add gives
 * a random op (vs__rng_is_random) its entry, when a plan holding it is
 * built; vs__rng_reserve returns the op's offset and advances it by
 * `blocks` (the op must have been added). */
bool vs__rng_is_random(const vs_op *op);
bool vs__rng_add(vs_session *s, const vs_op *op, vs_status *st);
uint64_t vs__rng_reserve(vs_session *s, const vs_op *op, uint64_t blocks);
void vs__rng_free(vs_session *s);

/* Places op for session s (the graph lock held): its device's global index. */
bool vs__session_place(vs_session *s, vs_op *op, size_t *dev, vs_status *st);

/* A value flowing between ops during one run. Device values own a buffer
 * (or borrow a variable's, for refs); host values hold a tensor. */
typedef struct vs_value {
  vs_shape shape;
  size_t n;
  size_t dev;
  cl_mem buf;       /* NULL for host values and empty tensors */
  vs_var *ref;      /* VariableV2 outputs: the variable */
  vs_tensor *host;  /* host values (strings, bools of IsVariableInitialized) */
  vs_dtype dtype;
  bool ready;
  bool owned;       /* release buf after the run */
  bool relu_applied; /* a bias epilogue already applied the consuming Relu */
} vs_value;       /* (fields ordered for no padding: a plan holds one per slot) */

struct vs_step;

typedef struct vs_run {
  vs_session *s;
  const struct vs_plan *plan;
  struct vs_step *step; /* the step running (its kernel cache), NULL outside steps */
  vs_value *values;  /* per plan slot (the plan's own array, reset after each run) */
  unsigned char used_dev[64]; /* queues to finish before the run returns */
  unsigned char drained[64];  /* queues a blocking fetch read emptied (nothing queued after it) */
} vs_run;

/* The value of op in run r (op is in r's plan). */
vs_value *vs__val(vs_run *r, const vs_op *op);
/* Consumers of op's value in r's plan (fetches count 2). */
uint32_t vs__uses(vs_run *r, const vs_op *op);
/* True when op's epilogue applies its lone consuming activation (fusion
 * decided by the plan). */
bool vs__act_fused(vs_run *r, const vs_op *op);

/* ---- shared by the kernels (engine/kernels) and conv2d.c ---- */
#define LOCAL_SIZE 64 /* the work-group size: PoCL compiles one function per size */
typedef struct karg {
  size_t size;
  const void *ptr;
} karg;
#define KARG(x) ((karg){sizeof(x), &(x)})

/* Sets k's arguments from args and enqueues it on d's queue for this
 * thread over `global` in groups of `local` (NULL: the driver's choice);
 * an OpenCL failure is reported naming `what`. For the kernels that build
 * their own cl_kernel with a shape's compile options (conv, GEMM). */
bool vs__enqueue_nd(vs_cl_device *d, cl_kernel k, const karg *args, int nargs, cl_uint dims, const size_t *global,
                    const size_t *local, const char *what, vs_status *st);

/* Enqueues kernel `name` of cl_kernels/<source>.cl built for dtype t over n
 * work-items (padded to a multiple of the work-group size), with the kernel
 * object r's session keeps (source and name must be static strings); r
 * NULL (outside a run: conv selection and tuning), with a kernel object
 * made for the launch and released after it. */
bool vs__launch(vs_run *r, vs_cl_device *d, const char *source, vs_dtype t, const char *name, size_t n, const karg *args,
                int nargs, vs_status *st);
/* The same over a dims-dimensional (1 to 3) range of the given extents,
 * each padded to a multiple of its work-group share: for kernels that take
 * an element's coordinates from the range rather than dividing its index;
 * they return for coordinates past their extents, which they know from
 * their arguments (not from get_global_size). Nothing runs when an extent
 * is 0. */
bool vs__launch_nd(vs_run *r, vs_cl_device *d, const char *source, vs_dtype t, const char *name, cl_uint dims,
                   const size_t *extent, const karg *args, int nargs, vs_status *st);
/* LOCAL_SIZE rounded up to the kernel's preferred multiple, or less where the
 * device or kernel allows less (common.c). */
size_t vs__local_size(const vs_cl_device *d, cl_kernel k);
/* The value of op's input i. */
vs_value *vs__in(vs_run *r, const vs_op *op, int i);
/* True (st set) when v is a reference to a variable not yet initialised. */
bool vs__uninitialized(vs_run *r, const vs_op *op, const vs_value *v, vs_status *st);
/* v's buffer as usable on dev (a copy in *tmp when it lives elsewhere). */
cl_mem vs__on_device(vs_run *r, vs_value *v, size_t dev, cl_mem *tmp, vs_status *st);
/* A fresh owned output buffer for op. */
bool vs__new_output(vs_run *r, const vs_op *op, size_t dev, vs_dtype t, vs_shape shape, vs_status *st);
/* When r's running step may borrow its variable's buffer (vs_step.
 * borrows_var, decided by the plan) and v's storage is on dev: op's value
 * is that buffer, not owned by the run (nothing writes it in place,
 * nothing recycles it), and true. False (nothing set) otherwise, and for
 * an empty value: the caller copies. */
bool vs__borrow_var(vs_run *r, const vs_op *op, const vs_var *v, size_t dev);
/* Reads the first `bytes` of a value to the host. */
bool vs__read_small(vs_run *r, vs_value *v, void *dst, size_t bytes, vs_status *st);
/* The same for op's input i, from the graph's bytes when it is a Const not
 * fed in this run (no blocking read, which drains the device's queue: a
 * training step's gradient seed, Fill(shape, 1.0), read its 1.0 so). */
bool vs__read_input_small(vs_run *r, const vs_op *op, int i, void *dst, size_t bytes, vs_status *st);
/* A value's shape and element count (a variable's current ones for refs). */
vs_shape vs__value_shape(vs_run *r, const vs_value *v);
size_t vs__value_n(vs_run *r, const vs_value *v);
/* The shape of a op b for the broadcasts the kernels implement (equal
 * shapes, one single element, or trailing dimensions); false otherwise. */
bool vs__broadcast_shape(const vs_shape *a, const vs_shape *b, vs_shape *out);

/* Conv2D (conv2d.c): picks im2col + GEMM, CLBlast's convgemm or the direct
 * kernel by measurement per device and shape (conv_select.c). */
bool vs__conv2d_run(vs_run *r, vs_op *op, size_t dev, vs_status *st);
/* An AddV2 whose second operand is a vector the size of the first's last
 * dimension (conv + biases), which runs as BiasAdd does. */
bool vs__bias_like(vs_run *r, const vs_op *op);
/* BiasAdd's kernel: in place when the input has no other reader, with a
 * lone consuming Relu applied in the same pass. */
bool vs__bias_epilogue(vs_run *r, vs_op *op, size_t dev, vs_status *st);
/* Runs one op through its registered def (engine/kernels/common.c):
 * computes values[op->index] from its inputs' values. */
bool vs__kernel_run(vs_run *r, vs_op *op, size_t dev, vs_status *st);

/* Allocates a device buffer of `bytes` on device `dev` (NULL for 0 bytes),
 * reporting TF's OOM message on failure. */
cl_mem vs__buffer(size_t dev, size_t bytes, const vs_shape *shape, vs_dtype dtype, vs_status *st);

/* The OpenCL C type and program options of a dtype ("-DT=float"); NULL when
 * the device cannot hold it. */
const char *vs__cl_options(vs_dtype dtype, const vs_cl_device *d);

#endif
