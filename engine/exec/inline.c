/* inline.c - small runs on the calling thread (see inline.h).
 *
 * Why: on PoCL's CPU driver every run that queues a command pays a hand-off
 * to the driver's worker threads and a wake-up of the host, 9-11 us quiet
 * and 15-35 us under load, against 1-2 us of varscope's own work
 * (docs/execution.md, "The tiny run against PoCL's floor"). TensorFlow's
 * executor runs inexpensive kernels on the caller's thread for the same
 * reason. Here the plan decides once, when it is built, whether it could:
 * every step a kernel step with a host implementation, all on one
 * host_shared device, no feeds, no batched initialisation, every value of a
 * numeric dtype the host kernels compute (float32, float64 where the device
 * has fp64, int32, int64) with a static shape of 1 to MAX_ELEMENTS
 * elements, every update or assignment by a value of its variable's static
 * shape. Each run then checks what can change between runs: the session
 * allows it (tests), and every variable the plan touches is initialised,
 * lives on the plan's device in host-visible (SVM) storage and has its
 * static shape. If any check fails nothing has happened yet and the run
 * takes the device path, whose kernels give TF's errors. */
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#elif !defined(__aarch64__)
#include <fenv.h>
#endif

#include "exec/inline.h"
#include "kernels/kernels_internal.h"

/* The largest value (elements) a host run computes: 16384. Measured
 * (docs/execution.md, "Inline runs on CPU devices"): a fetched assign_add
 * of n floats on the host costs 6-8 us at 16384 elements against 36-43 us
 * through PoCL, about the hand-off's own floor (15-20 us) at 40-65 thousand,
 * and grows linearly on one core past it, where a device with more cores
 * than this machine's two would overtake. At 8 bytes an element it is
 * VS_SVM_SMALL_BYTES, the largest buffer with host-visible storage. */
#define MAX_ELEMENTS (VS_SVM_SMALL_BYTES / 8)
/* The most scratch (bytes) one plan keeps for the values it computes. */
#define MAX_SCRATCH (2 * VS_SVM_SMALL_BYTES)
/* Scratch values start on a cache line (and every element's alignment). */
#define SCRATCH_ALIGN 64

static bool host_dtype(vs_dtype t, const vs_cl_device *d) {
  return t == VS_FLOAT || t == VS_INT32 || t == VS_INT64 || (t == VS_DOUBLE && d->info.fp64);
}

/* A value the host may compute: a host dtype and a static shape of 1 to
 * MAX_ELEMENTS elements. */
static bool small_value(vs_dtype t, vs_shape s, const vs_cl_device *d) {
  int64_t n = vs__shape_elements(&s);
  return host_dtype(t, d) && n >= 1 && (uint64_t)n <= MAX_ELEMENTS;
}

/* The variable an op's input 0 refers to (a VariableV2's ref or a
 * VarHandleOp's handle), or NULL. */
static vs_var *input_var(const vs_op *op) {
  if (op->n_inputs < 1) return NULL;
  vs_var *v = vs__op_var(op->inputs[0].op);
  return v && v->op == op->inputs[0].op ? v : NULL;
}

/* Whether op's values are ones the host computes exactly as the device
 * would accept them. */
static bool op_fits(const vs_op *op, const vs_cl_device *d) {
  vs_var *own = vs__op_var(op);
  if (own && own->op == op) /* a variable op: its variable's static shape */
    return small_value(own->dtype, own->shape, d);
  /* A variable op without its variable (one whose creation failed later:
   * its ops stay in the graph, as in TF) has no storage to run on; the
   * device kernel reports it. */
  if (op->def->flags & VS_OPF_CONTAINER) return false;
  /* A handle other than a VarHandleOp's (tf.identity(handle)) names no
   * variable for the host kernels; the device kernel's value it is. */
  if (op->has_output && op->dtype == VS_RESOURCE) return false;
  if (op->has_output && op->dtype != VS_RESOURCE && !small_value(op->dtype, vs__op_shape(op), d)) return false;
  for (int i = 0; i < op->n_inputs; i++) {
    const vs_op *in = op->inputs[i].op;
    if (in->dtype != VS_RESOURCE && !(vs__op_var(in) && vs__op_var(in)->op == in) &&
        !small_value(in->dtype, vs__op_shape(in), d))
      return false;
  }
  /* An assignment or update takes a value of the variable's static shape:
   * a broadcast scalar update, a reshaping assign and a mismatch (the
   * device kernel's error) are left to the device path. */
  vs_var *v = (op->def->flags & VS_OPF_STATEFUL) ? input_var(op) : NULL; /* not v_ref * 2: an elementwise op */
  if (v && op->n_inputs > 1) {
    vs_shape value = vs__op_shape(op->inputs[1].op);
    if (!vs__shape_equal(&value, &v->shape)) return false;
  }
  /* Elementwise ops (AddV2, Sub, Mul): each operand of the output's size
   * or a scalar; a trailing-dimension broadcast is the device path's. */
  if (!v && op->n_inputs > 1)
    for (int i = 0; i < op->n_inputs; i++) {
      int64_t n = vs__op_elements(op->inputs[i].op);
      if (n != 1 && n != vs__op_elements(op)) return false;
    }
  return true;
}

static bool add_var(vs_inline *in, vs_var *v) {
  for (size_t k = 0; k < in->n_vars; k++)
    if (in->vars[k] == v) return true;
  vs_var **vars = realloc(in->vars, (in->n_vars + 1) * sizeof *vars);
  if (!vars) return false;
  in->vars = vars;
  in->vars[in->n_vars++] = v;
  return true;
}

void vs__inline_free(vs_plan *p) {
  vs_inline *in = p->inl;
  if (!in) return;
  free(in->vals);
  free(in->scratch);
  free(in->scratch_at);
  free(in->vars);
  free(in->var_ptr);
  free(in);
  p->inl = NULL;
}

void vs__inline_prepare(vs_plan *p) {
  if (p->n_feeds || p->n_batches || !p->n_steps) return;
  vs_cl_device *d = vs__device(p->steps[0].dev, NULL);
  if (!d || !d->host_shared) return;
  for (size_t i = 0; i < p->n_steps; i++) {
    const vs_step *step = &p->steps[i];
    if (step->kind != VS_STEP_KERNEL || step->dev != d->index || step->folded || step->fused_bias ||
        !step->op->def || !step->op->def->host || !op_fits(step->op, d))
      return;
  }
  for (int i = 0; i < p->n_fetches; i++)
    if (p->sig[p->n_feeds + i]->dtype == VS_RESOURCE) return; /* a serialized handle: the device path's */
  vs_inline *in = calloc(1, sizeof *in);
  if (!in) return;
  p->inl = in;
  in->dev = d->index;
  in->d = d;
  size_t total = 0;
  if (!(in->vals = calloc(p->n_slots ? p->n_slots : 1, sizeof *in->vals)) ||
      !(in->scratch_at = malloc(p->n_steps * sizeof *in->scratch_at)))
    goto no;
  for (size_t i = 0; i < p->n_steps; i++) {
    const vs_op *op = p->steps[i].op;
    vs_var *v = vs__op_var(op);
    if (v && v->op == op && !add_var(in, v)) goto no;
    in->scratch_at[i] = SIZE_MAX;
    if (op->has_output && op->dtype != VS_RESOURCE && !(v && v->op == op) &&
        (!(op->def->flags & VS_OPF_HOST_ALIAS) || strcmp(vs__op_type(op), "Const") == 0))
      in->device_bytes += (uint64_t)vs__op_elements(op) * vs_dtype_size(op->dtype);
    if (!op->has_output || op->dtype == VS_RESOURCE || (op->def->flags & VS_OPF_HOST_ALIAS)) continue;
    in->scratch_at[i] = total;
    total += ((size_t)vs__op_elements(op) * vs_dtype_size(op->dtype) + SCRATCH_ALIGN - 1) / SCRATCH_ALIGN * SCRATCH_ALIGN;
    if (total > MAX_SCRATCH) goto no;
  }
  if ((total && !(in->scratch = aligned_alloc(SCRATCH_ALIGN, total))) ||
      (in->n_vars && !(in->var_ptr = calloc(in->n_vars, sizeof *in->var_ptr))))
    goto no;
  return;
no: /* out of memory or too big: the device path's plan */
  vs__inline_free(p);
}

vs_host_value *vs__host_out(vs_host_run *h, const vs_op *op) {
  vs_inline *in = h->plan->inl;
  vs_host_value *v = &in->vals[h->plan->steps[h->step].slot];
  size_t at = in->scratch_at[h->step];
  (void)op;
  *v = (vs_host_value){.p = at == SIZE_MAX ? NULL : in->scratch + at};
  return v;
}

vs_host_value *vs__host_in(vs_host_run *h, const vs_op *op, int i) {
  return &h->plan->inl->vals[vs__plan_slot(h->plan, op->inputs[i].op)];
}

vs_host_value vs__host_var(vs_host_run *h, vs_var *v) {
  const vs_inline *in = h->plan->inl;
  size_t k = 0;
  while (in->vars[k] != v) k++; /* one of the plan's (checked at build) */
  return (vs_host_value){.p = in->var_ptr[k], .n = (size_t)vs_shape_num_elements(v->shape), .ref = v};
}

/* The arithmetic of cl_kernels/elementwise.cl's assign_add / assign_sub:
 * IEEE add and subtract for floats (no contraction, no fast math on
 * either side), wrapping for integers (computed unsigned: no signed
 * overflow in C). */
static void update(vs_dtype t, void *dst, const void *src, size_t n, bool sub) {
#define LOOP(T, expr)                                         \
  do {                                                        \
    T *x = dst;                                               \
    const T *y = src;                                         \
    for (size_t i = 0; i < n; i++) x[i] = (expr);             \
  } while (0)
  switch (t) {
    case VS_FLOAT:
      if (sub) LOOP(float, x[i] - y[i]);
      else LOOP(float, x[i] + y[i]);
      break;
    case VS_DOUBLE:
      if (sub) LOOP(double, x[i] - y[i]);
      else LOOP(double, x[i] + y[i]);
      break;
    case VS_INT32:
      if (sub) LOOP(int32_t, (int32_t)((uint32_t)x[i] - (uint32_t)y[i]));
      else LOOP(int32_t, (int32_t)((uint32_t)x[i] + (uint32_t)y[i]));
      break;
    case VS_INT64:
      if (sub) LOOP(int64_t, (int64_t)((uint64_t)x[i] - (uint64_t)y[i]));
      else LOOP(int64_t, (int64_t)((uint64_t)x[i] + (uint64_t)y[i]));
      break;
    default: /* the plan admits no other dtype */
      break;
  }
#undef LOOP
}

void vs__host_binary(vs_host_run *h, const vs_op *op, vs_host_binary_kind kind) {
  const vs_host_value *a = vs__host_in(h, op, 0), *b = vs__host_in(h, op, 1);
  vs_host_value *out = vs__host_out(h, op);
  size_t n = (size_t)vs__op_elements(op), sa = a->n == 1 ? 0 : 1, sb = b->n == 1 ? 0 : 1;
  out->n = n;
#define BIN(T, U)                                                                   \
  do {                                                                              \
    T *o = out->p;                                                                  \
    const T *x = a->p, *y = b->p;                                                   \
    for (size_t i = 0; i < n; i++) {                                                \
      U p = (U)x[i * sa], q = (U)y[i * sb];                                         \
      o[i] = (T)(kind == VS_HOST_ADD ? p + q : kind == VS_HOST_SUB ? p - q : p * q); \
    }                                                                               \
  } while (0)
  switch (op->dtype) { /* floats in their own type; integers unsigned, so they wrap */
    case VS_FLOAT: BIN(float, float); break;
    case VS_DOUBLE: BIN(double, double); break;
    case VS_INT32: BIN(int32_t, uint32_t); break;
    case VS_INT64: BIN(int64_t, uint64_t); break;
    default: break; /* the plan admits no other dtype */
  }
#undef BIN
}

/* Assign (kind 0), AssignAdd (1), AssignSub (2), ref or resource form. */
static void assign_op(vs_host_run *h, const vs_op *op, int kind) {
  const vs_host_value *val = vs__host_in(h, op, 1);
  vs_host_value var = vs__host_var(h, vs__host_in(h, op, 0)->ref);
  if (kind) update(var.ref->dtype, var.p, val->p, var.n, kind == 2);
  else if (var.p != val->p) memmove(var.p, val->p, var.n * vs_dtype_size(var.ref->dtype)); /* v.assign(v): nothing to copy */
  if (op->has_output) *vs__host_out(h, op) = var;
}

void vs__host_assign(vs_host_run *h, const vs_op *op) { assign_op(h, op, 0); }
void vs__host_assign_add(vs_host_run *h, const vs_op *op) { assign_op(h, op, 1); }
void vs__host_assign_sub(vs_host_run *h, const vs_op *op) { assign_op(h, op, 2); }

/* Whether the calling thread computes as the device's worker threads do:
 * round to nearest, subnormals kept (IEEE's default environment, which
 * cl_kernels/elementwise.cl's results on PoCL are). A caller that changed
 * it (fesetround, or flush-to-zero / denormals-are-zero, which a program
 * built with -ffast-math sets at start-up) would get other sums from the
 * host kernels: its runs take the device path. One register read. */
static bool default_fp_env(void) {
#if defined(__x86_64__) || defined(__i386__)
  return (_mm_getcsr() & 0xE040u) == 0; /* MXCSR: rounding control 13-14, FTZ 15, DAZ 6 */
#elif defined(__aarch64__)
  uint64_t fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  return (fpcr & (UINT64_C(7) << 22)) == 0; /* FPCR: rounding mode 22-23, FZ 24 */
#else
  return fegetround() == FE_TONEAREST;
#endif
}

/* This run's checks of the plan's variables; their host addresses kept. */
static bool vars_ready(vs_session *s, vs_inline *in) {
  for (size_t k = 0; k < in->n_vars; k++) {
    const vs_var *v = in->vars[k];
    const vs_var_state *vs = v->index < s->n_vars ? &s->vars[v->index] : NULL;
    if (!vs || !vs->initialized || !vs->buf || vs->host || vs->dev != in->dev || !vs__shape_equal(&vs->shape, &v->shape) ||
        !(in->var_ptr[k] = vs__buffer_host_ptr(vs->buf)))
      return false;
  }
  return true;
}

bool vs__inline_run(vs_session *s, vs_plan *p, const vs_output *fetches, vs_tensor **fetch_values, size_t nfetches,
                    vs_status *st) {
  vs_inline *in = p->inl;
  if (!in || s->inline_off || !default_fp_env() || !vars_ready(s, in)) return false;
  /* The device path allocates the values the host keeps in scratch (and
   * the constants) against the device's limit (VARSCOPE_MEMORY_LIMIT, or
   * its memory): when they might not fit, the device path runs and either
   * fits or reports RESOURCE_EXHAUSTED with its text, as without host runs. */
  uint64_t in_use = atomic_load(&in->d->mem_in_use), limit = in->d->info.global_mem_bytes;
  if (in_use > limit || in->device_bytes > limit - in_use) return false;
  for (size_t i = 0; i < p->n_steps; i++) /* prepared on kernel steps; a step made a transfer since is the device path's */
    if (p->steps[i].kind != VS_STEP_KERNEL) return false;
  vs_host_run h = {.s = s, .plan = p};
  for (h.step = 0; h.step < p->n_steps; h.step++) {
    const vs_op *op = p->steps[h.step].op;
    op->def->host(&h, op);
  }
  s->inline_runs++;
  for (size_t i = 0; i < nfetches; i++) {
    const vs_op *op = fetches[i].op;
    const vs_host_value *v = &in->vals[vs__plan_slot(p, op)];
    vs_tensor *t = vs__tensor_alloc(op->dtype, v->ref ? v->ref->shape : vs__op_shape(op), st);
    if (!t) {
      for (size_t k = 0; k < i; k++) {
        vs_tensor_free(fetch_values[k]);
        fetch_values[k] = NULL;
      }
      return true; /* the steps ran, as on the device path when a fetch fails */
    }
    memcpy(t->data, v->p, t->n * vs_dtype_size(t->dtype));
    fetch_values[i] = t;
  }
  return true;
}

uint64_t vs__inline_runs(const vs_session *s) { return s->inline_runs; }

void vs__inline_allow(vs_session *s, bool on) {
  pthread_mutex_lock(&s->run_mu);
  s->inline_off = !on;
  pthread_mutex_unlock(&s->run_mu);
}
