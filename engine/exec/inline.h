/* inline.h - small runs on the calling thread (exec/inline.c).
 *
 * On a device whose cores are the host's and whose small buffers have
 * fine-grained SVM storage (vs_cl_device.host_shared), a plan made only of
 * ops with a host implementation (vs_op_def.host), all small and on that
 * one device, runs its steps on the calling thread and fetches by memcpy:
 * no OpenCL command, so none of PoCL's hand-offs to its worker threads
 * (docs/execution.md, "Inline runs on CPU devices"). Everything else, and
 * any run whose variables are not as the plan assumed, takes the device
 * path unchanged, which reports every error with TF's code and text.
 *
 * Thread safety: a plan and its inline data belong to one session and are
 * used under its run lock (session.c). */
#ifndef VS_EXEC_INLINE_H
#define VS_EXEC_INLINE_H

#include "exec/plan.h"

/* A value of a host run: n elements at p; ref: the variable whose storage
 * p is (VariableV2, Assign, AssignAdd), or whose handle the value is
 * (VarHandleOp, p NULL). */
typedef struct vs_host_value {
  void *p;
  size_t n;
  vs_var *ref;
} vs_host_value;

/* The plan's host-run data, built once with the plan (NULL on plans that
 * never run on the host). */
typedef struct vs_inline {
  size_t dev;             /* the one device every step runs on */
  vs_cl_device *d;        /* it (the registry's, for the process's life) */
  vs_host_value *vals;    /* per slot, filled by each host run */
  unsigned char *scratch; /* the storage of values the plan computes (Identity, ReadVariableOp) */
  size_t *scratch_at;     /* per step: its value's offset in scratch, SIZE_MAX for none */
  vs_var **vars;          /* the variables the plan touches, checked at each run */
  void **var_ptr;         /* their storage's host addresses in the current run */
  size_t n_vars;
  uint64_t device_bytes;  /* what the device path would allocate for the plan's values (computed ones, constants) */
} vs_inline;

typedef struct vs_host_run {
  vs_session *s;
  vs_plan *plan;
  size_t step;            /* the step running */
} vs_host_run;

/* Per op, for the host implementations (kernels/<family>.c): */
/* The op's value (its slot's), with p set to the step's scratch when the
 * op computes a fresh value. */
vs_host_value *vs__host_out(vs_host_run *h, const vs_op *op);
/* The value of op's input i. */
vs_host_value *vs__host_in(vs_host_run *h, const vs_op *op, int i);
/* Variable v's value: its storage, element count and v as ref (v is one of
 * the plan's variables, checked initialised with host storage). */
vs_host_value vs__host_var(vs_host_run *h, vs_var *v);
/* The host implementations of Assign, AssignAdd and AssignSub and of their
 * resource forms (AssignVariableOp ...), registered by kernels/state.c and
 * kernels/resource.c: input 0 names the variable (a ref or a handle),
 * input 1 is the value of its element count; v = val (the same storage is
 * a no-op), v += val or v -= val as cl_kernels/elementwise.cl's assign_add /
 * assign_sub compute them. An op with an output (the ref forms) gives the
 * variable's storage as its value. */
void vs__host_assign(vs_host_run *h, const vs_op *op);
void vs__host_assign_add(vs_host_run *h, const vs_op *op);
void vs__host_assign_sub(vs_host_run *h, const vs_op *op);

/* out = a op b elementwise (AddV2, Sub, Mul), as cl_kernels/elementwise.cl's
 * add / sub / mul compute them: each operand has the output's element
 * count or one element (a broadcast scalar), which the plan checked. */
typedef enum vs_host_binary_kind { VS_HOST_ADD, VS_HOST_SUB, VS_HOST_MUL } vs_host_binary_kind;
void vs__host_binary(vs_host_run *h, const vs_op *op, vs_host_binary_kind kind);

/* At the end of a plan's build: p->inl set when the plan can run on the
 * host (left NULL otherwise, also when out of memory). */
void vs__inline_prepare(vs_plan *p);
void vs__inline_free(vs_plan *p);
/* Runs p on the host when this run may (the session allows it and every
 * variable p touches is initialised, on p's device, host-visible and of
 * its static shape): true then, fetch_values filled (st set only when a
 * fetched tensor cannot be allocated). False with nothing done: the caller
 * takes the device path. The session's run lock held, no command of the
 * session queued or running (every run ends finished). */
bool vs__inline_run(vs_session *s, vs_plan *p, const vs_output *fetches, vs_tensor **fetch_values, size_t nfetches,
                    vs_status *st);

/* Tests: runs of this session that ran on the host, and a switch (on by
 * default) that sends its runs down the device path; under the session's
 * run lock, so not while another thread runs the session. */
uint64_t vs__inline_runs(const vs_session *s);
void vs__inline_allow(vs_session *s, bool on);

#endif
