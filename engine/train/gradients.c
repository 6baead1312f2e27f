/* gradients.c - tf.gradients: TF 2.21's gradients_util._GradientsHelper
 * for graphs without control flow. The ops between xs and ys are found as
 * TF finds them (reached forward from xs through trainable outputs, then
 * backward from ys), counted (pending_count: consumers on the path), and
 * processed from ys in TF's queue order, so every gradient op, every
 * aggregating AddN and every name suffix comes out as in TF. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/grad_internal.h"
#include "varscope/train.h"

/* The gradients received by one op's output (TF's grads[op][0]). */
typedef struct glist {
  vs_output *v;
  size_t n, cap;
  vs_output sum; /* the aggregated gradient, once the op was processed */
} glist;

typedef struct walk {
  vs_graph *g;
  size_t n;          /* ops in the forward graph (those made before the call) */
  size_t *cons_at;   /* consumers of op i: cons[cons_at[i] .. cons_at[i + 1]) */
  vs_op **cons;
  unsigned char *reached, *between, *stop, *queued;
  int *pending;
  glist *grads;
  vs_op **queue;     /* each op enters at most once */
  bool colocate;     /* colocate_gradients_with_ops */
  bool gate;         /* gate_gradients: an op's input gradients go through tuple */
  size_t q_head, q_tail;
} walk;

static bool trainable(vs_dtype t) {
  return t == VS_FLOAT || t == VS_DOUBLE || t == VS_HALF || t == VS_BFLOAT16;
}

/* backprop_util.IsTrainable of op's output: a resource handle counts by
 * the dtype of its handle data, the variable's (tf.gradients(loss, [v])
 * of a resource variable walks from v.handle through its reads). */
static bool output_trainable(const vs_op *op) {
  if (!op->has_output) return false;
  if (op->dtype == VS_RESOURCE) return vs__op_var(op) && trainable(vs_var_dtype(vs__op_var(op)));
  return trainable(op->dtype);
}

static void walk_free(walk *w) {
  for (size_t i = 0; w->grads && i < w->n; i++) free(w->grads[i].v);
  free(w->cons_at);
  free(w->cons);
  free(w->reached);
  free(w->pending);
  free(w->grads);
  free(w->queue);
}

static bool walk_init(walk *w, vs_graph *g, vs_status *st) {
  *w = (walk){.g = g, .n = g->n_ops};
  size_t n = w->n, edges = 0;
  for (size_t i = 0; i < n; i++) edges += (size_t)g->ops[i]->n_inputs;
  w->cons_at = calloc(n + 1, sizeof *w->cons_at);
  w->cons = malloc((edges ? edges : 1) * sizeof *w->cons);
  w->reached = calloc(n ? 4 * n : 1, 1); /* reached, between, stop, queued */
  w->pending = calloc(n ? n : 1, sizeof *w->pending);
  w->grads = calloc(n ? n : 1, sizeof *w->grads);
  w->queue = malloc((n ? n : 1) * sizeof *w->queue);
  if (!w->cons_at || !w->cons || !w->reached || !w->pending || !w->grads || !w->queue) {
    walk_free(w);
    vs__oom(st);
    return false;
  }
  w->between = w->reached + n;
  w->stop = w->between + n;
  w->queued = w->stop + n;
  /* Consumers in creation order (TF's Tensor.consumers()). */
  for (size_t i = 0; i < n; i++)
    for (int k = 0; k < g->ops[i]->n_inputs; k++) w->cons_at[g->ops[i]->inputs[k].op->index + 1]++;
  for (size_t i = 0; i < n; i++) w->cons_at[i + 1] += w->cons_at[i];
  size_t *fill = calloc(n ? n : 1, sizeof *fill);
  if (!fill) {
    walk_free(w);
    vs__oom(st);
    return false;
  }
  for (size_t i = 0; i < n; i++)
    for (int k = 0; k < g->ops[i]->n_inputs; k++) {
      size_t p = g->ops[i]->inputs[k].op->index;
      w->cons[w->cons_at[p] + fill[p]++] = g->ops[i];
    }
  free(fill);
  return true;
}

/* _MarkReachedOps then _PendingCount's between ops and counts. */
static void mark(walk *w, const vs_output *xs, size_t n_xs, const vs_output *ys, size_t n_ys) {
  /* Each op is marked when first pushed, so the n-entry queue holds the walk. */
  vs_op **stack = w->queue;
  size_t head = 0, tail = 0;
  for (size_t i = 0; i < n_xs; i++)
    if (!w->reached[xs[i].op->index]) {
      w->reached[xs[i].op->index] = 1;
      stack[tail++] = xs[i].op;
    }
  while (head < tail) {
    vs_op *op = stack[head++];
    if (!output_trainable(op)) continue;
    for (size_t c = w->cons_at[op->index]; c < w->cons_at[op->index + 1]; c++)
      if (!w->reached[w->cons[c]->index]) {
        w->reached[w->cons[c]->index] = 1;
        stack[tail++] = w->cons[c];
      }
  }
  /* Between ops: from ys back through inputs, among the reached ones. */
  head = tail = 0;
  for (size_t i = 0; i < n_ys; i++)
    if (w->reached[ys[i].op->index]) {
      w->reached[ys[i].op->index] = 0;
      w->between[ys[i].op->index] = 1;
      stack[tail++] = ys[i].op;
    }
  while (head < tail) {
    vs_op *op = stack[head++];
    for (int k = 0; k < op->n_inputs; k++) {
      vs_op *in = op->inputs[k].op;
      if (w->reached[in->index]) {
        w->reached[in->index] = 0;
        w->between[in->index] = 1;
        stack[tail++] = in;
      }
    }
  }
  for (size_t i = 0; i < w->n; i++)
    if (w->between[i])
      for (int k = 0; k < w->g->ops[i]->n_inputs; k++)
        if (w->between[w->g->ops[i]->inputs[k].op->index]) w->pending[w->g->ops[i]->inputs[k].op->index]++;
}

static bool add_grad(walk *w, vs_op *op, vs_output grad, vs_status *st) {
  glist *l = &w->grads[op->index];
  if (!VS_GROW(l->v, l->cap, l->n + 1)) {
    vs__oom(st);
    return false;
  }
  l->v[l->n++] = grad;
  return true;
}

static void enqueue(walk *w, vs_op *op) {
  if (w->queued[op->index]) return;
  w->queued[op->index] = 1;
  w->queue[w->q_tail++] = op;
}

/* An AddN of n gradients named "AddN" in the current scope, inside
 * colocate_with(with, ignore_existing=True) when `with` is not NULL. */
static vs_output add_n(walk *w, const vs_output *v, size_t n, vs_op *with, vs_status *st) {
  if (n == 1) return v[0]; /* math_ops.add_n returns a lone tensor as is */
  vs_colocation_scope *c = with ? vs_colocate_with(w->g, with, true, st) : NULL;
  if (with && !c) return (vs_output){NULL, 0};
  vs_output r = vs_add_n(w->g, v, n, "AddN", st);
  if (c) vs_colocation_scope_pop(w->g, c, r.op ? st : NULL);
  return r;
}

static int by_device(const void *a, const void *b) {
  const vs_output *x = a, *y = b;
  return strcmp(x->op->device, y->op->device);
}

/* _AggregatedGrads with _MultiDeviceAddN: one gradient as is; several
 * summed per device (sorted by device name), each AddN colocated with its
 * first gradient's op, then the per-device sums added (no op for one). */
static bool aggregate(walk *w, vs_op *op, vs_status *st) {
  glist *l = &w->grads[op->index];
  if (l->n == 0) return true;
  if (l->n == 1) {
    l->sum = l->v[0];
    return true;
  }
  if (l->n > 64) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR, "gradients: more than 64 gradients reach '%s'", op->name);
    return false;
  }
  vs_output sorted[64], sums[64];
  memcpy(sorted, l->v, l->n * sizeof *sorted);
  /* A stable order within a device: insertion sort keeps arrival order. */
  for (size_t i = 1; i < l->n; i++)
    for (size_t j = i; j > 0 && by_device(&sorted[j - 1], &sorted[j]) > 0; j--) {
      vs_output t = sorted[j];
      sorted[j] = sorted[j - 1];
      sorted[j - 1] = t;
    }
  size_t n_sums = 0;
  for (size_t i = 0; i < l->n;) {
    size_t j = i + 1;
    while (j < l->n && by_device(&sorted[i], &sorted[j]) == 0) j++;
    if (!(sums[n_sums++] = add_n(w, sorted + i, j - i, sorted[i].op, st)).op) return false;
    i = j;
  }
  l->sum = add_n(w, sums, n_sums, NULL, st);
  return l->sum.op != NULL;
}

/* TF's LookupError for an op on the path without a gradient function. */
static void no_gradient(vs_op *op, vs_status *st) {
  vs__fail(st, VS_NOT_FOUND, VS_EXC_LOOKUP_ERROR,
           "No gradient defined for operation'%s' (op type: %s). In general every operation must have an "
           "associated `@tf.RegisterGradient` for correct autodiff, which this op is lacking. If you want to "
           "pretend this operation is a constant in your program, you may insert `tf.stop_gradient`. This can be "
           "useful to silence the error in cases where you know gradients are not needed, e.g. the forward pass "
           "of tf.custom_gradient. Please see more details in "
           "https://www.tensorflow.org/api_docs/python/tf/custom_gradient.", op->name, vs__op_type(op));
}

/* Calls op's gradient function inside name_scope("<op>_grad") and hands
 * the input gradients to the inputs' lists. */
static bool backprop(walk *w, vs_op *op, vs_output grad, vs_status *st) {
  char *scope = vs__asprintf("%s_grad", op->name);
  vs_output dx[64];
  if (!scope) {
    vs__oom(st);
    return false;
  }
  if (op->n_inputs > 64) {
    free(scope);
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR, "gradients: '%s' has more than 64 inputs", op->name);
    return false;
  }
  memset(dx, 0, sizeof dx);
  bool ok = vs_name_scope_push(w->g, scope, st) != NULL;
  free(scope);
  if (!ok) return false;
  ok = op->def->gradient(w->g, op, grad, dx, st);
  if (ok && w->gate) { /* gate_gradients and more than one input gradient: tuple(in_grads) */
    size_t n = 0;
    for (int k = 0; k < op->n_inputs; k++) n += dx[k].op != NULL;
    if (n > 1) ok = vs__grad_tuple(w->g, dx, (size_t)op->n_inputs, true, st);
  }
  vs_name_scope_pop(w->g, ok ? st : NULL);
  for (int k = 0; ok && k < op->n_inputs; k++)
    if (dx[k].op) ok = add_grad(w, op->inputs[k].op, dx[k], st);
  return ok;
}

/* ones(shape(y), name="grad_ys_<i>"): gradients/Shape, then inside
 * name_scope("grad_ys_<i>") a Const "Const" of 1 and the Fill named after
 * the scope. */
static vs_output default_grad_y(vs_graph *g, vs_output y, size_t i, vs_status *st) {
  vs_output none = {NULL, 0};
  if (!vs__grad_need_shape(y.op, vs__op_shape(y.op), st)) return none;
  vs_output shape = vs__shape_const(g, vs__op_shape(y.op), "Shape", st);
  char name[32];
  snprintf(name, sizeof name, "grad_ys_%zu", i);
  const char *scope = shape.op ? vs_name_scope_push(g, name, st) : NULL;
  if (!scope) return none;
  vs_output one = vs__grad_scalar(g, y.op->dtype, 1.0, "Const", st);
  vs_output in[2] = {shape, one};
  vs_output r = one.op ? vs__build_op(g, "Fill", scope, in, 2, NULL, NULL, 0, y.op->dtype, vs__op_shape(y.op), st) : none;
  vs_name_scope_pop(g, r.op ? st : NULL);
  return r;
}

static bool run(walk *w, const vs_output *ys, size_t n_ys, const vs_output *xs, size_t n_xs,
                const vs_output *grad_ys, vs_output *out, vs_status *st) {
  vs_graph *g = w->g;
  mark(w, xs, n_xs, ys, n_ys);
  for (size_t i = 0; i < n_ys; i++) {
    vs_colocation_scope *c = NULL; /* _DefaultGradYs colocates with y's op */
    if (w->colocate && !(c = vs_colocate_with(g, ys[i].op, false, st))) return false;
    vs_output gy;
    if (grad_ys && grad_ys[i].op) { /* TF names the given gradient: identity(grad_y, "grad_ys_<i>") */
      char name[32];
      snprintf(name, sizeof name, "grad_ys_%zu", i);
      gy = vs_identity(g, grad_ys[i], name, st);
    } else {
      gy = default_grad_y(g, ys[i], i, st);
    }
    if (c) vs_colocation_scope_pop(g, c, gy.op ? st : NULL);
    if (!gy.op || !add_grad(w, ys[i].op, gy, st)) return false;
  }
  w->q_head = w->q_tail = 0;
  for (size_t i = 0; i < n_ys; i++)
    if (w->pending[ys[i].op->index] == 0 && w->between[ys[i].op->index]) enqueue(w, ys[i].op);
  /* _StopOps: xs' ops none of whose inputs is on the path. */
  for (size_t i = 0; i < n_xs; i++) {
    vs_op *op = xs[i].op;
    bool stop = true;
    for (int k = 0; stop && k < op->n_inputs; k++) stop = w->pending[op->inputs[k].op->index] <= 0;
    w->stop[op->index] = stop;
  }
  while (w->q_head < w->q_tail) {
    vs_op *op = w->queue[w->q_head++];
    /* _maybe_colocate_with(op): the aggregation and the op's gradient. */
    vs_colocation_scope *c = NULL;
    if (w->colocate && !(c = vs_colocate_with(g, op, false, st))) return false;
    bool ok = aggregate(w, op, st);
    vs_output grad = w->grads[op->index].sum;
    if (ok && grad.op && !w->stop[op->index]) {
      if (!op->def->gradient) {
        no_gradient(op, st);
        ok = false;
      } else {
        ok = backprop(w, op, grad, st);
      }
    }
    if (c) vs_colocation_scope_pop(g, c, ok ? st : NULL);
    if (!ok) return false;
    for (int k = 0; k < op->n_inputs; k++) {
      vs_op *in = op->inputs[k].op;
      if (--w->pending[in->index] == 0) enqueue(w, in);
    }
  }
  for (size_t i = 0; i < n_xs; i++) {
    glist *l = &w->grads[xs[i].op->index];
    out[i] = l->sum.op ? l->sum : l->n == 1 ? l->v[0] : (vs_output){NULL, 0};
  }
  return true;
}

VS_API void vs_gradients(vs_graph *g, const vs_output *ys, size_t n_ys, const vs_output *xs, size_t n_xs,
                         const vs_gradients_opts *opts, vs_output *grads_out, vs_status *st) {
  vs__ok(st);
  if (grads_out)
    for (size_t i = 0; i < n_xs; i++) grads_out[i] = (vs_output){NULL, 0};
  if (!g || !ys || !xs || !grads_out || !n_ys || !n_xs) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "gradients: graph, ys, xs and grads_out must not be NULL, and ys and xs not empty");
    return;
  }
  if (n_ys > INT32_MAX || n_xs > INT32_MAX) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "gradients: too many tensors");
    return;
  }
  vs_gradients_opts o = opts ? *opts : (vs_gradients_opts){0};
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  bool ok = ts && vs__valid_outputs(g, ys, (int)n_ys, "gradients", st) &&
            vs__valid_outputs(g, xs, (int)n_xs, "gradients", st);
  for (size_t i = 0; ok && o.grad_ys && i < n_ys; i++)
    if (o.grad_ys[i].op) {
      if (!vs__valid_output(g, o.grad_ys[i], "gradients", st)) ok = false;
      else if (trainable(ys[i].op->dtype) && !trainable(o.grad_ys[i].op->dtype) &&
               o.grad_ys[i].op->dtype != VS_INT32 && o.grad_ys[i].op->dtype != VS_INT64) {
        char repr[512];
        vs__tensor_repr(ys[i], repr, sizeof repr);
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
                 "Gradient type %s generated for real or integer-valued tensor %s with type %s must be real or "
                 "integer", vs_dtype_name(o.grad_ys[i].op->dtype), repr, vs_dtype_name(ys[i].op->dtype));
        ok = false;
      }
    }
  if (ok && !vs_name_scope_push(g, o.name ? o.name : "gradients", st)) ok = false;
  if (ok) {
    walk w;
    /* gradient_uid: Graph.unique_name("uid") reserves "<scope>/uid". */
    bool done = vs_graph_unique_name(g, "uid", true, st) != NULL && walk_init(&w, g, st);
    if (done) {
      w.colocate = o.colocate_gradients_with_ops;
      w.gate = o.gate_gradients;
      done = run(&w, ys, n_ys, xs, n_xs, o.grad_ys, grads_out, st);
      walk_free(&w);
    }
    vs_name_scope_pop(g, done ? st : NULL);
    if (!done)
      for (size_t i = 0; i < n_xs; i++) grads_out[i] = (vs_output){NULL, 0};
  }
  vs__unlock(g);
}
