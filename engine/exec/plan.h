/* plan.h - compiled run plans, as TensorFlow's DirectSession caches an
 * executor per signature: for one (feeds, fetches, targets) of a session,
 * the ordered steps with their resolved devices, each op's value slot, the
 * consumer counts that allow in-place updates, and the fusions (bias+relu,
 * conv+bias+relu),
 * all decided once when the plan is built and reused by every later run
 * with the same signature.
 *
 * Validity as the graph grows: graphs are append-only, and an op's inputs,
 * type, attributes and device are fixed when it is made, so no new op can
 * become a dependency of an op already in a plan. The one edit of an
 * existing op is a control input added after its creation (vs_group adds
 * them to the op it just made, which no plan can hold yet); any other such
 * edit bumps g->plan_epoch and every plan built before it is rebuilt on its
 * next use. Plans hold no run-time state: whether a variable is initialised,
 * its current shape and buffer are read from the session at each run, so a
 * variable initialised (or created) later cannot make a plan wrong.
 *
 * Remote devices: a step is a kernel on a local device today. The plan's
 * step kinds already name the transfers the ps/worker scale-out will add
 * (VS_STEP_SEND / VS_STEP_RECV to or from another process, TF's _Send and
 * _Recv); a plan that would need one is refused with UNIMPLEMENTED until the
 * transport exists (vs__plan_build never makes one today, see step_run in
 * session.c).
 *
 * Thread safety: a plan belongs to one session and is built under the graph
 * lock; it is used only under its session's run lock (session.c). */
#ifndef VS_EXEC_PLAN_H
#define VS_EXEC_PLAN_H

#include <stdint.h>

#include "session/session_internal.h"

typedef enum vs_step_kind {
  VS_STEP_KERNEL, /* the op's kernel on local device `dev` */
  VS_STEP_BATCH,  /* batch `batch` of variable initialisations (exec/batch.c) */
  VS_STEP_SEND,   /* reserved: the op's value to another process (not built yet) */
  VS_STEP_RECV,   /* reserved: the op's value from another process (not built yet) */
} vs_step_kind;

/* The kernel objects a step remembers: the most distinct ones a step
 * launches of the session's, and one spare. The forward conv's im2col route
 * launches im2col_lines and its GEMM's kernels (pack and the multiply, or
 * one in-place kernel) per block of lines, and its last, shorter block may
 * choose another GEMM form (two more); the convgemm route three (two
 * transposes and the epilogue pass); a conv gradient's GEMM route three. A
 * step launching more still runs, searching the session's list. */
#define VS_STEP_KERNELS 6

typedef struct vs_step {
  vs_step_kind kind;
  vs_op *op;
  size_t dev;     /* the device the op was placed on (global index) */
  uint32_t slot;  /* its value's index in the run's values */
  uint32_t batch; /* VS_STEP_BATCH: the index in plan->batches */
  /* 1 + the indices in the session's kernels of the step's last launched
   * kernel objects, the most recently searched first (0: none; a hit keeps
   * its place): a step's launches, one
   * kernel or a few alternating, skip the session's kernel lookup
   * (kernels/common.c's session_kernel). */
  uint32_t kernels[VS_STEP_KERNELS];
  cl_mem constant; /* a Const step's device buffer kept by the plan from its
                      second run on (see k_const), or NULL */
  /* The step's shape descriptor (vs__step_describe): a device buffer of
   * desc_n longs equal to desc_v, on device desc_dev, kept from run to run
   * (a descriptor written per run was a blocking write, which drains the
   * queue: 9 of them in a CNN training step). NULL: none yet. */
  cl_mem desc;
  cl_long *desc_v;
  size_t desc_n, desc_dev;
  /* The algorithm choices its kernel got from the choice tables (a conv's,
   * a conv gradient's route, its GEMMs'), for runs repeating the shapes:
   * kernels/choice_memo.h, bound by session.c while the step runs.
   * malloc'd on the first choice; NULL: none yet. */
  struct vs_choice_memo *choices;
  /* A Conv2D step that also computes the BiasAdd consuming it and the Relu
   * consuming that (NULL: none), whose own steps the plan dropped: the
   * conv applies them as it stores and gives their values its buffer
   * (plan.c's fuse_conv). */
  vs_op *fused_bias, *fused_relu;
  bool folded;     /* a Rank folded at plan time: its value is its input's
                      static rank, the input not computed (exec/fold.c) */
  bool borrows_var; /* a read of a variable (VS_OPF_VAR_READ) no step of the
                       plan writes: its value is the variable's buffer, not a
                       copy (plan.c's mark_borrowed_reads) */
} vs_step;

/* Batched initialisation: the Assigns of a plan that give variables
 * initial values made of constants run as one launch per (device, dtype,
 * kind) over a table, the variables' buffers being sub-buffers of one
 * allocation (exec/batch.c). Two kinds:
 * - random: RandomUniform / RandomStandardNormal / TruncatedNormal of a
 *   constant shape, with the initializers' constant `* scale + shift`;
 * - fill: Fill(constant shape, constant scalar) and Const values (zeros,
 *   ones, constant initializers): a Const whose elements are all one value
 *   is a fill, any other is copied; one table-driven fill_batch launch
 *   (cl_kernels/batch.cl) and one write of the copied values. */
typedef enum vs_batch_kind { VS_BATCH_RANDOM, VS_BATCH_FILL } vs_batch_kind;

typedef struct vs_batch_entry {
  vs_op *assign;
  union {
    vs_op *random;       /* random: the random op */
    const void *copy;    /* fill: the Const's data copied as is (graph-owned), or NULL to fill */
  };
  vs_var *var;           /* its shape is the value's (checked when batched) */
  uint64_t scale, shift; /* random: T's bits; fill: shift holds the value's bits */
  cl_mem sub;            /* the sub-buffer last given to the variable (retained), or NULL */
  /* Elements (at most MAX_ELEMENTS, batch.c) and their offset in the
   * parent (under MAX_BATCH_BYTES): 32 bits each keep an entry at 64 B. */
  uint32_t n, dst;
  /* The Assign's value slot in a run, or VS_NO_SLOT when nothing in the
   * plan reads it (a global initializer's Assigns only order its NoOp):
   * no value is kept for it (issue 10, per-variable memory). */
  uint32_t slot;
  bool affine;
} vs_batch_entry;
#define VS_NO_SLOT UINT32_MAX

typedef struct vs_batch {
  vs_batch_kind kind;
  size_t dev;
  vs_dtype dtype;        /* random: the variables'; fill: the unsigned integer of their size */
  const char *kernel;    /* random_uniform_batch, random_normal_batch, truncated_normal_batch, fill_batch */
  vs_op *first;          /* the batch's first Assign in step order: where its step runs */
  vs_batch_entry *entries; /* fill: the copied entries first (the parent's copied prefix) */
  size_t n_entries, total; /* total: elements of the parent, alignment included */
  uint64_t groups;
  cl_mem parent, table;  /* retained by the plan; NULL before the first run */
} vs_batch;

typedef struct vs_plan {
  uint64_t hash;         /* of the signature */
  vs_op **sig;           /* feeds, then fetches, then targets */
  int n_feeds, n_fetches, n_targets;
  vs_step *steps;        /* dependency order (feeds have a slot, no step) */
  size_t n_steps;
  size_t n_slots;        /* values a run of the plan holds */
  uint32_t *uses;        /* per slot: consumers in a run, fetches counting 2 */
  unsigned char *relu_fused; /* per slot: an epilogue op applies its lone consuming activation */
  size_t *keys;          /* op -> slot map: op index + 1, 0 for an empty entry */
  uint32_t *vals;
  size_t mask;           /* map capacity - 1 (a power of two) */
  vs_value *values;      /* the run's values, reused run after run */
  vs_batch *batches;
  size_t n_batches;
  uint64_t epoch;        /* g->plan_epoch when built */
  uint64_t devs;         /* bit d: a step runs on device d (d < 64) */
  uint64_t runs;         /* runs started with this plan */
  struct vs_inline *inl; /* its host-run data when it can run on the host (exec/inline.h), else NULL */
  struct vs_plan *next;  /* the session's plans, most recently used first */
} vs_plan;

/* How many plans a session keeps (least recently used dropped first). */
#define VS_PLAN_CACHE 64

/* The slot of op's value in plan p (op must be in the plan). */
static inline uint32_t vs__plan_slot(const vs_plan *p, const vs_op *op) {
  return p->vals[vs__idx_slot(p->keys, p->mask, op->index + 1)];
}

/* The session's plan for a signature, built (and placed) when it has none
 * or the graph invalidated it. The caller holds the graph lock and the
 * session's run lock. The plan stays owned by the session. */
vs_plan *vs__plan_get(vs_session *s, const vs_output *feeds, int nfeeds, const vs_output *fetches, int nfetches,
                      vs_op *const *targets, int ntargets, vs_status *st);
/* The batching pass (exec/batch.c): turns the plan's random variable
 * initialisations into VS_STEP_BATCH steps (false only when out of memory). */
bool vs__plan_batch(vs_plan *p, vs_session *s, vs_status *st);
/* Runs batch b of r's plan. */
bool vs__batch_run(vs_run *r, vs_batch *b, vs_status *st);
/* Releases a plan's batches. */
void vs__batches_free(vs_plan *p);

/* Rank folding (exec/fold.c), as TF's grappler: true when the plan folds
 * op (a Rank whose input's rank is known). */
bool vs__plan_folds(const vs_op *op);
/* The ops of a folded Rank's input sub-graph that still run (placeholders,
 * ops with a ref input, stateful ops), into *out (malloc'd, the caller
 * frees; *n may be 0). False only when out of memory. Graph lock held. */
bool vs__fold_kept(const vs_op *rank, vs_op ***out, size_t *n, vs_status *st);

/* Frees every plan of a session. */
void vs__plans_free(vs_session *s);
/* Plans this session has built so far (tests: cache hits and misses). */
uint64_t vs__plan_builds(const vs_session *s);

#endif
