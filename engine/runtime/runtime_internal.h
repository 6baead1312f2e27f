/* runtime_internal.h - the OpenCL device registry, program cache and device
 * buffers. The registry is the library's only global state: built once,
 * guarded by a mutex; contexts, queues and programs are created lazily and
 * live until process exit (as a driver's device list does). */
#ifndef VS_RUNTIME_INTERNAL_H
#define VS_RUNTIME_INTERNAL_H

#include <CL/cl.h>
#include <pthread.h>
#include <stdatomic.h>

#include "core/core.h"
#include "varscope/session.h"

typedef struct vs_program_entry {
  char *key;            /* source name + "\n" + options */
  cl_program program;
} vs_program_entry;

/* A blob kept for this process under a key (tuning_store.c's memo). */
typedef struct vs_memo_entry {
  char *key;
  unsigned char *data;
  size_t n;
} vs_memo_entry;

typedef struct vs_cl_device {
  size_t index;                /* global index: /device:CL:index */
  cl_platform_id platform;
  cl_device_id id;
  cl_context context;          /* one per platform, shared by its devices */
  cl_command_queue queue;      /* in-order, shared by every session */
  vs_device_info info;
  size_t max_work_group;
  /* Read once with the device (registry.c) for the kernels that size their
   * work-groups and local memory per launch (conv_igemm.c, CLBlast's
   * tuning): max_item0 0 where the driver did not answer all three. */
  cl_ulong local_mem;
  cl_device_local_mem_type local_type;
  size_t max_item0;            /* CL_DEVICE_MAX_WORK_ITEM_SIZES[0] */
  /* The most work-groups one launch may have along each dimension, 0
   * where no limit is known. OpenCL has no query for it; a CUDA device
   * runs a launch as one grid, at most 2^31-1 x 65535 x 65535 blocks,
   * whichever OpenCL implementation drives it (registry.c fills it for
   * NVIDIA's vendor id). Launches past it are cut (kernels/launch_grid.c). */
  size_t max_groups[3];
  vs_program_entry *programs;  /* built once per device per process */
  size_t n_programs, programs_cap;
  /* clblast_tuning.c's state, under tuning_mu: one lock per device, so a
   * tune of one device (tens of seconds) never stalls another; recursive,
   * so a tune's progress callback may use the device. `tuned` is atomic
   * for readers that must not wait for a tune (vs_device_get_info). */
  pthread_mutex_t tuning_mu;
  _Atomic bool tuned;          /* a stored CLBlast set (Xgemm or XgemmDirect) is in use */
  struct vs_clblast_set {      /* per CLBlast kernel: [0] Xgemm, [1] XgemmDirect */
    size_t v[16];              /* the stored set, in CLBlast's database order */
    size_t n;                  /* the size it was verified at, where it is checked */
    int state;                 /* clblast_tuning.c's: stored set not yet read / not yet checked / checked */
    int check_tries;           /* first-GEMM checks of the stored set that could not run */
    bool in_use;               /* the stored set is applied (for Xgemm, `tuned` says so too) */
    bool overridden;           /* CLBlastOverrideParameters was called: CLBlast's own set is gone */
    size_t applied[16];        /* the set last given to CLBlastOverrideParameters (when overridden) */
    char note[256];            /* why a stored set was refused or dropped, "" if not */
  } clblast[2];
  /* The identity of the CLBlast sets in use (vs__clblast_sets_id), set
   * under tuning_mu, atomic for readers that must not wait for a tune. */
  _Atomic uint64_t clblast_id;
  bool compile_noticed;        /* the "compiling kernels" line was printed (kernel_cache.c) */
  vs_memo_entry *memo;         /* tuning results read or measured, this process (tuning_store.h) */
  size_t n_memo, memo_cap;
  /* Bytes of the buffers made by vs__device_buffer and not yet released,
   * checked against info.global_mem_bytes (device_memory.c). Atomic:
   * buffers are released from any thread, and by the driver's destructor
   * callbacks. */
  _Atomic uint64_t mem_in_use;
  /* The device's cores are the host's (CL_DEVICE_TYPE_CPU) and it shares
   * fine-grained SVM buffers with the host (CL_DEVICE_SVM_FINE_GRAIN_BUFFER),
   * and $VARSCOPE_INLINE is not "0": small buffers get SVM storage that the
   * host may read and write between commands (device_memory.c), and small
   * plans run on the calling thread (exec/inline.c). Set once when the
   * registry is built. */
  bool host_shared;
  /* CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, read once with the device
   * (registry.c): on a CPU the lanes of its vector registers (16 with
   * AVX-512, 8 with AVX2, 4 with SSE or NEON); 4 where the driver did not
   * answer; kept as answered otherwise, 0 included (each reader has its
   * rule for it: gemm.c, gemm_tune.c, conv_select.c, peak.c). */
  cl_uint native_float_width;
} vs_cl_device;

/* The one statement of the register-class rule the CPU kernels' default
 * tiles follow (gemm.c, gemm_tune.c, conv_select.c): true where the
 * native float width is 16 or more, i.e. 32 vector registers of 16 floats
 * (AVX-512's zmm); false below it, 16 registers (AVX2's ymm; SSE, NEON),
 * where the wide tiles' accumulators spill (docs/conv-performance.md,
 * "Session 17"). */
static inline bool vs__wide_vector_registers(const vs_cl_device *d) { return d->native_float_width >= 16; }

/* Buffers of at most this many bytes get fine-grained SVM storage on a
 * host_shared device (device_memory.c): every value the host path of a
 * run may touch is at most this size (exec/inline.c's threshold is this
 * over the largest element, 8 bytes). */
#define VS_SVM_SMALL_BYTES ((size_t)128 << 10)

/* Records an OpenCL failure: RESOURCE_EXHAUSTED for the out-of-memory
 * codes, INTERNAL otherwise, naming the call and the CL error. */
void vs__cl_fail(vs_status *st, cl_int err, const char *call);
const char *vs__cl_error_name(cl_int err);

/* The queue this thread's commands for d go to: the running session's own
 * (bound by vs__queue_bind for the run) or d's shared queue (queue.c). */
cl_command_queue *vs__queue(vs_cl_device *d);
/* Binds a session's queues (by device index, NULL entries meaning the
 * shared queue) to the calling thread; NULL unbinds. */
void vs__queue_bind(cl_command_queue *queues, size_t n);
/* The queue bound for d on this thread (a session's run), or NULL when its
 * commands go to d's shared queue. */
cl_command_queue vs__queue_bound(const vs_cl_device *d);

/* The device with global index i, its context and queue created on first
 * use. NULL (st set) when out of range or on an OpenCL failure. */
vs_cl_device *vs__device(size_t i, vs_status *st);

/* Resolves a name ("GPU:1", "/device:CPU:0", "CL:2", lower case accepted)
 * to a global index; SIZE_MAX with st set when unknown. Applies VARSCOPE_DEVICES. */
size_t vs__device_lookup(const char *type, long index, vs_status *st);

/* A kernel from an embedded program built for the device with `options`
 * (cached in memory and on disk). The caller releases the kernel. */
cl_kernel vs__kernel(vs_cl_device *d, const char *source, const char *options, const char *name,
                     vs_status *st);

/* Builds (or loads from the on-disk cache) a program; used by vs__kernel. */
cl_program vs__program_build(vs_cl_device *d, const char *source_name, const char *options,
                             vs_status *st);

/* Reads and validates the CLBlast parameters stored by vs_device_tune, if
 * any (called once the device's queue is made, outside the registry lock);
 * they are applied, after a result check, at the first float32 GEMM. */
void vs__clblast_apply_tuning(vs_cl_device *d);

/* True when $VARSCOPE_LOG names topic ("cache", "build", "conv", ...). */
bool vs__log_enabled(const char *topic);

/* The kernel/tuning cache directory (created), malloc'd; NULL when there
 * is no writable one. */
char *vs__cache_dir(void);

/* A device buffer of `bytes` (> 0) for a tensor of `shape` and `dtype`,
 * counted in d->mem_in_use until released with vs__buffer_release (or,
 * released otherwise, until the driver destroys it).
 * Fails with RESOURCE_EXHAUSTED and TF's OOM text when the buffer is above
 * info.max_alloc_bytes, when it would take the device's live bytes above
 * info.global_mem_bytes, or when the driver refuses it; nothing is
 * allocated or counted then. Thread safe. */
cl_mem vs__device_buffer(vs_cl_device *d, size_t bytes, const vs_shape *shape, vs_dtype dtype,
                         vs_status *st);

/* The same, with fine-grained SVM storage whatever its size on a
 * host_shared device (a batch parent, whose sub-buffers are variables the
 * host path may touch); elsewhere as vs__device_buffer. Thread safe. */
cl_mem vs__device_buffer_shared(vs_cl_device *d, size_t bytes, const vs_shape *shape, vs_dtype dtype,
                                vs_status *st);

/* The host address of a buffer's storage when that storage is fine-grained
 * SVM (made here on a host_shared device, or a sub-buffer of one); NULL
 * otherwise. The host may read and write it only while no command that
 * uses the buffer is queued or running (OpenCL 2.0+: fine-grained SVM is
 * coherent at synchronisation points, a finished queue being one). Thread
 * safe; one clGetMemObjectInfo. */
void *vs__buffer_host_ptr(cl_mem m);

/* Releases varscope's reference to a buffer and gives its bytes back to
 * the device's count at once (kernels still queued on it keep it alive in
 * the driver until they finish). Any cl_mem may be passed: one not made by
 * vs__device_buffer is just released. NULL is a no-op. Thread safe.
 * During a session's run (a queue bound for the buffer's device on this
 * thread, vs__queue_bind) a buffer made by vs__device_buffer is kept idle
 * for that queue only: commands queued on it may still use the buffer, and
 * only a later allocation whose commands go to the same in-order queue may
 * take it, until vs__buffer_settle says the queue is finished. The caller
 * must then hold no other reference to it (no clRetainMemObject). */
void vs__buffer_release(cl_mem m);
/* The queues (n of them, NULL entries skipped) are finished: the idle
 * buffers that vs__buffer_release kept for them serve any allocation of
 * their device from now on. Thread safe. */
void vs__buffer_settle(cl_command_queue const *queues, size_t n);

/* Gives back a buffer made by vs__device_buffer and keeps it idle, for the
 * device's next vs__device_buffer of the same size (device_memory.c says
 * why and how much is kept); a buffer not kept is released as by
 * vs__buffer_release. The caller guarantees that no command queued or
 * running uses m (a run's values once its queues are finished): the next
 * owner may write it at once, from any queue. Its contents are whatever
 * was last written. Thread safe. */
void vs__buffer_recycle(cl_mem m);
/* The bytes of d's idle buffers. Thread safe. */
uint64_t vs__buffer_idle_bytes(vs_cl_device *d);
/* VARSCOPE_SCRIBBLE=1 (the registry calls this at discovery) and tests:
 * while on, every buffer vs__device_buffer and
 * vs__device_buffer_shared hand out is first filled with 0xFF bytes (NaN
 * in every float, -1 in every integer) on the calling thread's queue for
 * its device, and waited for: a kernel that leaves part of its output
 * unwritten then shows NaN there, never an earlier value that an idle
 * buffer of the same size still holds. Costs a fill and a clFinish per
 * allocation. Thread safe; off at start. */
void vs__buffer_scribble(bool on);

/* Serialises the registry's lazily built state (programs, contexts). */
void vs__registry_lock(void);
void vs__registry_unlock(void);

#endif
