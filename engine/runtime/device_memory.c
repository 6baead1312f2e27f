/* device_memory.c - device buffers counted against the device's memory.
 *
 * OpenCL only checks each buffer against CL_DEVICE_MAX_MEM_ALLOC_SIZE, and
 * some drivers not even that (NVIDIA's accepts larger ones); PoCL allocates
 * lazily, so many buffers that together exceed the device's memory succeed
 * until the process is killed. Every buffer varscope makes for a tensor or a
 * variable is therefore reserved here first against the device's limit
 * (CL_DEVICE_GLOBAL_MEM_SIZE, or VARSCOPE_MEMORY_LIMIT when lower) and given
 * back when varscope releases it (vs__buffer_release).
 *
 * Why not count until the driver destroys the buffer (a destructor
 * callback alone)? A buffer still used by a queued kernel is destroyed by
 * the driver's thread after the kernel, and PoCL does that after clFinish
 * may already have returned, so the count seen after freeing a session
 * would depend on timing. The callback is kept as a backstop: a counted
 * buffer released with plain clReleaseMemObject is given back when the
 * driver destroys it. Each live buffer's entry sits in a small hash table
 * keyed by its cl_mem, under one lock.
 *
 * Idle buffers. A run's values are given back once its commands are done
 * (vs__buffer_recycle) and kept, per device, for the next allocation of
 * the same size: a fresh buffer costs the driver's allocation and the
 * page faults of its first touch every run (a fresh 64 MB conv output was
 * ~18% of a conv_bench run's CPU time on PoCL), which TF's BFC allocator
 * avoids the same way. Idle bytes are not "in use" (vs_device_memory_in_use
 * excludes them) but they still occupy the device: an allocation that
 * would take in-use plus idle bytes past the limit first releases idle
 * buffers, oldest first, and the idle bytes of a device are capped at a
 * quarter of its limit and at IDLE_CAP, its idle buffers at IDLE_MAX (the
 * list is searched linearly at every allocation: a run with thousands of
 * small values must not make each allocation scan thousands).
 *
 * Scratch released during a run. A kernel's temporaries (GEMM panels,
 * im2col columns, shape descriptors, cross-device copies) are released as
 * soon as their commands are queued. Destroyed, each cost a fresh buffer at
 * every run (a training step of examples/cnn_model.h made 23, 18 of them
 * SVM blocks, each with its destructor callback and reservation). Released
 * while the thread has a session's queue bound for the device
 * (vs__queue_bind), such a buffer is kept idle but tagged with that queue
 * (`pending`): commands queued on it may still read the buffer, so only an
 * allocation whose commands go to that same in-order queue may take it (any
 * command that then writes it runs after those that read it), until the
 * run ends with its queues finished and vs__buffer_settle clears the tag.
 * Tagged buffers are idle in every count (not in use, evicted as any idle
 * one: releasing a buffer a queued command uses is always allowed).
 *
 * Host-visible storage. On a host_shared device (a CPU device with
 * fine-grained SVM, runtime_internal.h) small buffers (at most
 * VS_SVM_SMALL_BYTES) and batch parents are made on fine-grained SVM: the
 * block from clSVMAlloc is given to clCreateBuffer with
 * CL_MEM_USE_HOST_PTR. The OpenCL 2.0+ API spec (clSVMAlloc's description): "If
 * clCreateBuffer is called with a pointer returned by clSVMAlloc as its
 * host_ptr argument, and CL_MEM_USE_HOST_PTR is set in its flags argument,
 * clCreateBuffer will succeed and return a valid non-zero buffer object as
 * long as the size argument to clCreateBuffer is no larger than the size
 * argument passed in the original clSVMAlloc call. The new buffer object
 * returned has the shared memory as the underlying storage." So each such
 * buffer is still an ordinary cl_mem for every kernel, CLBlast call and
 * copy, and the host may read and write its storage between commands
 * (fine-grained SVM is coherent at synchronisation points), which is what
 * exec/inline.c's host runs do. A sub-buffer's CL_MEM_HOST_PTR is the
 * parent's host_ptr + its origin (clGetMemObjectInfo; PoCL 3.1 does so).
 * PoCL 3.1 (lib/CL/clCreateBuffer.c) looks the pointer up in the context's
 * SVM list and its CPU driver uses mem_host_ptr as the device storage, as
 * it does for every buffer: no copy, no extra page. The block is freed by
 * the buffer's destructor callback, which PoCL fires after the driver let
 * go of the storage and no command uses it any more (a sub-buffer holds
 * its parent). Large buffers stay ordinary: the host path never touches
 * them, and PoCL keeps its SVM blocks in a list that clCreateBuffer and
 * clSVMFree scan linearly, so SVM_MAX_LIVE caps the live blocks made for
 * small buffers (past it a small buffer is ordinary, and a run touching it
 * is not inline). Batch parents are never refused SVM but are counted too:
 * the cap bounds the length of PoCL's list, which they lengthen alike. */
#undef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 200 /* clSVMAlloc and clSVMFree (OpenCL 2.0) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "runtime/runtime_internal.h"

typedef struct reservation {
  vs_cl_device *d;
  uint64_t bytes;
  cl_mem mem;
  bool given_back;          /* by vs__buffer_release; the callback only frees */
  bool idle;                /* in the idle list: not counted in d->mem_in_use */
  cl_command_queue pending; /* idle, but commands queued on it may use it: only its allocations take it */
  void *svm;                /* the fine-grained SVM storage, freed with the buffer; NULL: ordinary */
  struct reservation *next; /* in its bucket while live */
  struct reservation *idle_next; /* in the idle list, newest first */
} reservation;

/* The most idle bytes kept per device (and at most a quarter of its limit). */
#define IDLE_CAP ((uint64_t)256 << 20)
/* The most idle buffers kept per device. */
#define IDLE_MAX 256
/* The most live SVM-backed small buffers, all devices together: PoCL's SVM
 * list is scanned at each clCreateBuffer of an SVM pointer and each
 * clSVMFree, which made 10 000 variables restored one by one 20-50% slower
 * in CPU time with 2048 of them SVM (docs/execution.md); batch parents,
 * one per batched initialisation, are not capped. */
#define SVM_MAX_LIVE 256

/* Live reservations by cl_mem: a chained table that doubles as buffers
 * accumulate (30 000 variables are 30 000 live buffers; a fixed table made
 * every release scan long chains). */
static struct {
  pthread_mutex_t mu;
  reservation **bucket;
  size_t mask, count;
  reservation *idle; /* every device's idle buffers, newest first */
  size_t n_svm;      /* live reservations with SVM storage */
} live = {.mu = PTHREAD_MUTEX_INITIALIZER};

static size_t hash_of(cl_mem m) {
  uint64_t h = (uint64_t)(uintptr_t)m; /* a 64-bit finaliser: every pointer bit moves the bucket */
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return (size_t)h;
}

static reservation **slot(cl_mem m) { return &live.bucket[hash_of(m) & live.mask]; }

/* Adds r (the lock held); false when the first table cannot be allocated.
 * A failed growth keeps the current table (only longer chains). */
static bool insert_locked(reservation *r) {
  if (!live.bucket) {
    if (!(live.bucket = calloc(1024, sizeof *live.bucket))) return false;
    live.mask = 1023;
  } else if (live.count >= 2 * (live.mask + 1)) {
    size_t cap = 2 * (live.mask + 1);
    reservation **grown = calloc(cap, sizeof *grown);
    if (grown) {
      for (size_t i = 0; i <= live.mask; i++)
        for (reservation *e = live.bucket[i], *next; e; e = next) {
          next = e->next;
          reservation **b = &grown[hash_of(e->mem) & (cap - 1)];
          e->next = *b;
          *b = e;
        }
      free(live.bucket);
      live.bucket = grown;
      live.mask = cap - 1;
    }
  }
  reservation **b = slot(r->mem);
  r->next = *b;
  *b = r;
  live.count++;
  return true;
}

/* Takes r out of the live table; its bytes are no longer counted anywhere. */
static void forget_locked(reservation *r) {
  for (reservation **p = slot(r->mem); *p; p = &(*p)->next)
    if (*p == r) {
      *p = r->next;
      live.count--;
      break;
    }
  r->given_back = true;
}

static void give_back_locked(reservation *r) {
  if (r->given_back) return;
  forget_locked(r);
  atomic_fetch_sub(&r->d->mem_in_use, r->bytes);
}

/* Idle bytes and buffers of device d (the lock held). */
static uint64_t idle_bytes_locked(const vs_cl_device *d, size_t *count) {
  uint64_t n = 0;
  size_t k = 0;
  for (reservation *r = live.idle; r; r = r->idle_next)
    if (r->d == d) n += r->bytes, k++;
  if (count) *count = k;
  return n;
}

/* Unlinks d's idle buffers, oldest first, until its idle bytes are at most
 * keep and its idle buffers at most keep_n; returns them chained through
 * idle_next, forgotten (no longer counted or in the table), for release
 * outside the lock. */
static reservation *evict_locked(const vs_cl_device *d, uint64_t keep, size_t keep_n) {
  reservation *out = NULL;
  size_t have_n = 0;
  for (uint64_t have = idle_bytes_locked(d, &have_n); have > keep || have_n > keep_n; have_n--) {
    reservation **oldest = NULL;
    for (reservation **p = &live.idle; *p; p = &(*p)->idle_next)
      if ((*p)->d == d) oldest = p;
    reservation *r = *oldest;
    *oldest = r->idle_next;
    r->idle = false;
    forget_locked(r);
    have -= r->bytes;
    r->idle_next = out;
    out = r;
  }
  return out;
}

/* Releases what evict_locked returned (the lock not held); each one's
 * destructor callback frees its reservation. */
static void release_evicted(reservation *r) {
  while (r) {
    reservation *next = r->idle_next;
    clReleaseMemObject(r->mem);
    r = next;
  }
}

static uint64_t idle_cap(const vs_cl_device *d) {
  uint64_t quarter = d->info.global_mem_bytes / 4;
  return quarter < IDLE_CAP ? quarter : IDLE_CAP;
}

/* An idle buffer of d of exactly `bytes` (with SVM storage when `svm`),
 * counted in use again; NULL when there is none. */
static cl_mem take_idle(vs_cl_device *d, uint64_t bytes, bool svm) {
  cl_mem m = NULL;
  cl_command_queue q = vs__queue_bound(d); /* where this thread's commands for d go (NULL: shared) */
  pthread_mutex_lock(&live.mu);
  for (reservation **p = &live.idle; *p; p = &(*p)->idle_next)
    if ((*p)->d == d && (*p)->bytes == bytes && (!svm || (*p)->svm) && (!(*p)->pending || (*p)->pending == q)) {
      reservation *r = *p;
      *p = r->idle_next;
      r->idle = false;
      r->pending = NULL;
      atomic_fetch_add(&d->mem_in_use, bytes);
      m = r->mem;
      break;
    }
  pthread_mutex_unlock(&live.mu);
  return m;
}

/* Makes room for `bytes` more in use on d: releases idle buffers until in
 * use plus idle bytes fit the limit (all of them when `all`). */
static void make_room(vs_cl_device *d, bool all) {
  pthread_mutex_lock(&live.mu);
  uint64_t in_use = atomic_load(&d->mem_in_use), limit = d->info.global_mem_bytes;
  reservation *out = evict_locked(d, all || in_use >= limit ? 0 : limit - in_use, IDLE_MAX);
  pthread_mutex_unlock(&live.mu);
  release_evicted(out);
}

uint64_t vs__buffer_idle_bytes(vs_cl_device *d) {
  pthread_mutex_lock(&live.mu);
  uint64_t n = idle_bytes_locked(d, NULL);
  pthread_mutex_unlock(&live.mu);
  return n;
}

/* Puts m's live reservation in the idle list, newest first, tagged with
 * `pending` (the lock held); false when m is not a live buffer of ours or
 * too big to keep. *out: the buffers evicted to make room. */
static bool keep_idle_locked(cl_mem m, cl_command_queue pending, bool only_if_bound, reservation **out) {
  for (reservation *r = live.bucket ? *slot(m) : NULL; r; r = r->next)
    if (r->mem == m) {
      if (r->idle || r->given_back) return false;
      vs_cl_device *d = r->d;
      if (only_if_bound && !(pending = vs__queue_bound(d))) return false;
      uint64_t cap = idle_cap(d);
      if (r->bytes > cap) return false;
      *out = evict_locked(d, cap - r->bytes, IDLE_MAX - 1);
      r->idle = true;
      r->pending = pending;
      r->idle_next = live.idle;
      live.idle = r;
      atomic_fetch_sub(&d->mem_in_use, r->bytes);
      return true;
    }
  return false;
}

/* Releases m for good: its reservation given back, the driver's object
 * released. */
static void release_now(cl_mem m) {
  pthread_mutex_lock(&live.mu);
  for (reservation *r = live.bucket ? *slot(m) : NULL; r; r = r->next)
    if (r->mem == m) {
      give_back_locked(r);
      break;
    }
  pthread_mutex_unlock(&live.mu);
  clReleaseMemObject(m);
}

void vs__buffer_recycle(cl_mem m) {
  if (!m) return;
  reservation *out = NULL;
  pthread_mutex_lock(&live.mu);
  bool kept = keep_idle_locked(m, NULL, false, &out);
  pthread_mutex_unlock(&live.mu);
  release_evicted(out);
  if (!kept) release_now(m);
}

void vs__buffer_settle(cl_command_queue const *queues, size_t n) {
  pthread_mutex_lock(&live.mu);
  for (reservation *r = live.idle; r; r = r->idle_next)
    for (size_t i = 0; r->pending && i < n; i++)
      if (queues[i] && r->pending == queues[i]) r->pending = NULL;
  pthread_mutex_unlock(&live.mu);
}

/* The driver deleted the buffer: its storage is no longer used by it or
 * by any command, so an SVM block goes too. */
static void CL_CALLBACK destroyed(cl_mem m, void *user) {
  (void)m;
  reservation *r = user;
  pthread_mutex_lock(&live.mu);
  give_back_locked(r);
  if (r->svm) live.n_svm--;
  pthread_mutex_unlock(&live.mu);
  if (r->svm) clSVMFree(r->d->context, r->svm);
  free(r);
}

void *vs__buffer_host_ptr(cl_mem m) {
  /* Only this file makes CL_MEM_USE_HOST_PTR buffers, always on an SVM
   * block: a host pointer is one (CL_MEM_USES_SVM_POINTER would say so too,
   * but PoCL answers it by scanning its SVM list). */
  void *p = NULL;
  if (!m || clGetMemObjectInfo(m, CL_MEM_HOST_PTR, sizeof p, &p, NULL) != CL_SUCCESS) return NULL;
  return p;
}

/* A new buffer of d: on a fresh SVM block when `svm` and one can be had
 * (within SVM_MAX_LIVE when `capped`; *block set), else an ordinary one
 * (*block NULL). */
static cl_mem create(vs_cl_device *d, size_t bytes, bool svm, bool capped, void **block, cl_int *err) {
  *block = NULL;
  if (svm) {
    pthread_mutex_lock(&live.mu);
    bool room = !capped || live.n_svm < SVM_MAX_LIVE;
    if (room) live.n_svm++; /* reserved; given back below when unused */
    pthread_mutex_unlock(&live.mu);
    void *p = room ? clSVMAlloc(d->context, CL_MEM_READ_WRITE | CL_MEM_SVM_FINE_GRAIN_BUFFER, bytes, 0) : NULL;
    cl_mem m = p ? clCreateBuffer(d->context, CL_MEM_READ_WRITE | CL_MEM_USE_HOST_PTR, bytes, p, err) : NULL;
    if (m && *err == CL_SUCCESS) {
      *block = p;
      return m;
    }
    if (m) clReleaseMemObject(m);
    if (p) clSVMFree(d->context, p);
    if (room) {
      pthread_mutex_lock(&live.mu);
      live.n_svm--;
      pthread_mutex_unlock(&live.mu);
    }
  }
  *err = CL_SUCCESS; /* no SVM block: an ordinary buffer, which the host path never reads */
  return clCreateBuffer(d->context, CL_MEM_READ_WRITE, bytes, NULL, err);
}

void vs__buffer_release(cl_mem m) {
  if (!m) return;
  reservation *out = NULL;
  pthread_mutex_lock(&live.mu);
  bool kept = keep_idle_locked(m, NULL, true, &out); /* scratch of a run: kept for its queue */
  pthread_mutex_unlock(&live.mu);
  release_evicted(out);
  if (!kept) release_now(m);
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

/* RESOURCE_EXHAUSTED with TF's text (BFCAllocator / allocate_tensor:
 * "OOM when allocating tensor with shape[2,3] and type float on <device>"),
 * then why. Returns NULL. */
static cl_mem oom(vs_status *st, const vs_cl_device *d, const vs_shape *shape, vs_dtype dtype, const char *why) {
  char dims[256] = "[]";
  if (shape) vs__dims_text(shape, "<unknown>", dims, sizeof dims);
  vs__fail(st, VS_RESOURCE_EXHAUSTED, VS_EXC_OP_ERROR, "OOM when allocating tensor with shape%s and type %s on %s: %s",
           dims, vs__dtype_cc_name(dtype), d->info.cl_name, why);
  return NULL;
}

/* make_buffer's allocation itself: an idle buffer of that size, else a new
 * one reserved against the device's limit. */
static cl_mem make_buffer_as_is(vs_cl_device *d, size_t bytes, const vs_shape *shape, vs_dtype dtype, bool svm,
                                bool capped, vs_status *st) {
  char why[160];
  uint64_t in_use = 0;
  if (bytes > d->info.max_alloc_bytes) {
    snprintf(why, sizeof why, "%zu bytes exceed the device's maximum allocation (%llu bytes)", bytes,
             (unsigned long long)d->info.max_alloc_bytes);
    return oom(st, d, shape, dtype, why);
  }
  /* A batch parent must be SVM; a small buffer takes the newest idle one,
   * SVM or not, as before (and as an ordinary buffer past SVM_MAX_LIVE). */
  cl_mem reused = take_idle(d, bytes, svm && !capped);
  if (reused) return reused;
  if (!reserve(d, bytes, &in_use)) {
    snprintf(why, sizeof why, "%zu bytes exceed the device's free memory (%llu of %llu bytes in use)", bytes,
             (unsigned long long)in_use, (unsigned long long)d->info.global_mem_bytes);
    return oom(st, d, shape, dtype, why);
  }
  reservation *r = malloc(sizeof *r);
  if (!r) {
    atomic_fetch_sub(&d->mem_in_use, bytes);
    snprintf(why, sizeof why, "%zu bytes: out of host memory", bytes);
    return oom(st, d, shape, dtype, why);
  }
  make_room(d, false);
  cl_int err = CL_SUCCESS;
  void *block = NULL;
  cl_mem m = create(d, bytes, svm, capped, &block, &err);
  if (!m || err != CL_SUCCESS) { /* the driver's own limit: once more without idle buffers */
    make_room(d, true);
    err = CL_SUCCESS;
    m = create(d, bytes, svm, capped, &block, &err);
  }
  if (!m || err != CL_SUCCESS) {
    free(r);
    atomic_fetch_sub(&d->mem_in_use, bytes);
    snprintf(why, sizeof why, "%zu bytes: %s", bytes, vs__cl_error_name(err));
    return oom(st, d, shape, dtype, why);
  }
  *r = (reservation){.d = d, .bytes = bytes, .mem = m, .svm = block};
  pthread_mutex_lock(&live.mu);
  bool kept = insert_locked(r);
  if (!kept && block) live.n_svm--;
  pthread_mutex_unlock(&live.mu);
  if (!kept) {
    clReleaseMemObject(m); /* unused by any command: deleted now, the block free after it */
    if (block) clSVMFree(d->context, block);
    free(r);
    atomic_fetch_sub(&d->mem_in_use, bytes);
    snprintf(why, sizeof why, "%zu bytes: out of host memory", bytes);
    return oom(st, d, shape, dtype, why);
  }
  err = clSetMemObjectDestructorCallback(m, destroyed, r);
  if (err != CL_SUCCESS) { /* no callback: give back and free here */
    pthread_mutex_lock(&live.mu);
    give_back_locked(r);
    if (block) live.n_svm--;
    pthread_mutex_unlock(&live.mu);
    clReleaseMemObject(m);
    if (block) clSVMFree(d->context, block);
    free(r);
    snprintf(why, sizeof why, "%zu bytes: clSetMemObjectDestructorCallback: %s", bytes, vs__cl_error_name(err));
    return oom(st, d, shape, dtype, why);
  }
  return m;
}

/* The scribble (VARSCOPE_SCRIBBLE=1, read by the registry; or a test's
 * vs__buffer_scribble): every buffer handed out is first filled with 0xFF
 * bytes. Off by default: the fill costs a device pass and a wait per
 * allocation. */
static _Atomic bool scribble;

void vs__buffer_scribble(bool on) { atomic_store(&scribble, on); }

/* Fills m with 0xFF bytes (NaN in every float lane, -1 in every integer
 * one) and waits for it, so that whatever a kernel leaves unwritten shows,
 * whether m is fresh or an idle buffer still holding a value of the same
 * size. On the queue this thread's commands for d go to: that in-order
 * queue's earlier commands that read m (an idle buffer tagged with it)
 * run first. Waiting makes it safe for a host write into m's SVM storage
 * afterwards. On failure m is released and NULL returned (st set). */
static cl_mem scribbled(vs_cl_device *d, cl_mem m, size_t bytes, vs_status *st) {
  cl_uchar ff = 0xFF;
  cl_command_queue q = *vs__queue(d);
  cl_int err = clEnqueueFillBuffer(q, m, &ff, 1, 0, bytes, 0, NULL, NULL);
  if (err == CL_SUCCESS) err = clFinish(q);
  if (err == CL_SUCCESS) return m;
  vs__buffer_release(m);
  vs__cl_fail(st, err, "clEnqueueFillBuffer (scribble)");
  return NULL;
}

static cl_mem make_buffer(vs_cl_device *d, size_t bytes, const vs_shape *shape, vs_dtype dtype, bool svm,
                          bool capped, vs_status *st) {
  cl_mem m = make_buffer_as_is(d, bytes, shape, dtype, svm, capped, st);
  return m && atomic_load(&scribble) ? scribbled(d, m, bytes, st) : m;
}

cl_mem vs__device_buffer(vs_cl_device *d, size_t bytes, const vs_shape *shape, vs_dtype dtype,
                         vs_status *st) {
  return make_buffer(d, bytes, shape, dtype, d->host_shared && bytes <= VS_SVM_SMALL_BYTES, true, st);
}

cl_mem vs__device_buffer_shared(vs_cl_device *d, size_t bytes, const vs_shape *shape, vs_dtype dtype,
                                vs_status *st) {
  return make_buffer(d, bytes, shape, dtype, d->host_shared, false, st);
}
