/* session.c - sessions: placement of ops on devices, feeds, fetches and
 * the run of a compiled plan (exec/plan.h) under TF_SessionRun's contract. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/ops_internal.h"
#include "placement/placement_internal.h"
#include "exec/inline.h"
#include "exec/plan.h"
#include "kernels/choice_memo.h"
#include "kernels/kernels_internal.h"
#include "session/session_internal.h"

static bool resolve_name(const char *device, size_t *out, vs_status *st);

VS_API vs_session *vs_session_new(vs_graph *g, const vs_session_opts *opts, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "vs_session_new: graph must not be NULL");
  size_t n = vs_num_devices(st);
  if (vs__failed(st)) return NULL;
  if (n == 0) {
    vs__fail(st, VS_NOT_FOUND, VS_EXC_OP_ERROR,
             "no OpenCL device found: install an OpenCL driver (on CPUs: pocl-opencl-icd)");
    return NULL;
  }
  vs_session *s = calloc(1, sizeof *s);
  if (!s) {
    vs__oom(st);
    return NULL;
  }
  s->graph = g;
  if (pthread_mutex_init(&s->run_mu, NULL) != 0) {
    free(s);
    vs__fail(st, VS_RESOURCE_EXHAUSTED, VS_EXC_OP_ERROR, "vs_session_new: cannot make the session's lock");
    return NULL;
  }
  if (opts) s->opts = *opts;
  s->opts.default_device = NULL; /* not kept: the caller's string is borrowed */
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  s->entropy = ((uint64_t)ts.tv_sec * 1000000007ull) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)s;
  if (opts && opts->default_device) {
    if (!resolve_name(opts->default_device, &s->default_dev, st)) {
      pthread_mutex_destroy(&s->run_mu);
      free(s);
      return NULL;
    }
  } else {
    /* TF prefers the first GPU. */
    s->default_dev = 0;
    for (size_t i = 0; i < n; i++) {
      vs_device_info in;
      vs_device_get_info(i, &in, NULL);
      if (strcmp(in.type, "GPU") == 0) {
        s->default_dev = i;
        break;
      }
    }
  }
  if (!vs__device(s->default_dev, st)) {
    pthread_mutex_destroy(&s->run_mu);
    free(s);
    return NULL;
  }
  vs__lock(g);
  g->sessions++; /* keeps g alive past a vs_graph_free (see vs__graph_defer_free) */
  vs__unlock(g);
  return s;
}

/* A session's hold on its graph ends; the graph goes too when the caller
 * already freed it. */
static void release_graph(vs_graph *g) {
  vs__lock(g);
  bool last = --g->sessions == 0 && g->free_pending;
  vs__unlock(g);
  if (last) vs_graph_free(g);
}

VS_API void vs_session_free(vs_session *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n_vars; i++) {
    if (s->vars[i].buf) vs__buffer_release(s->vars[i].buf);
    vs_tensor_free(s->vars[i].host);
  }
  free(s->vars);
  free(s->op_dev);
  vs__rng_free(s);
  vs__plans_free(s);
  for (size_t i = 0; i < s->n_queues; i++)
    if (s->queues[i]) clFinish(s->queues[i]);
  vs__buffer_settle(s->queues, s->n_queues); /* before the queue's address can be another's */
  for (size_t i = 0; i < s->n_queues; i++)
    if (s->queues[i]) clReleaseCommandQueue(s->queues[i]);
  free(s->queues);
  for (size_t i = 0; i < s->n_kernels; i++) {
    clReleaseKernel(s->kernels[i].kernel);
    free(s->kernels[i].opts);
  }
  free(s->kernels);
  pthread_mutex_destroy(&s->run_mu);
  release_graph(s->graph);
  free(s);
}

bool vs__graph_defer_free(vs_graph *g) {
  vs__lock(g);
  bool defer = g->sessions > 0;
  if (defer) g->free_pending = true;
  vs__unlock(g);
  return defer;
}

VS_API size_t vs_session_op_device(const vs_session *s, const vs_op *op) {
  /* op_dev keeps -1 for "unplaced" internally; the API says VS_NPOS. An op
   * of another graph has an index that means nothing here. */
  if (!s || !op || op->graph != s->graph) return VS_NPOS;
  /* A run on another thread places ops (and grows op_dev) under the graph
   * lock while it builds its plan: read under it too. */
  vs__lock(s->graph);
  size_t dev = op->index < s->n_op_dev && s->op_dev[op->index] >= 0 ? (size_t)s->op_dev[op->index] : VS_NPOS;
  vs__unlock(s->graph);
  return dev;
}

/* ---- placement ---- */

typedef struct parsed_device {
  bool has_type, has_task, has_index;
  char type[32];
  long index, task;
} parsed_device;

/* The fields of a device string that matter for local execution, parsed by
 * the placement subsystem's DeviceSpec. */
static bool parse_device(const char *spec, parsed_device *p, vs_status *st) {
  memset(p, 0, sizeof *p);
  vs__devspec d;
  if (!vs__devspec_parse(spec, &d, st)) return false;
  if (d.type) {
    p->has_type = true;
    snprintf(p->type, sizeof p->type, "%s", d.type);
  }
  if (d.index && strcmp(d.index, "*") != 0) {
    p->has_index = true;
    p->index = strtol(d.index, NULL, 10);
  }
  if (d.task) {
    p->has_task = true;
    p->task = strtol(d.task, NULL, 10);
  }
  vs__devspec_clear(&d);
  return true;
}

static bool resolve_name(const char *device, size_t *out, vs_status *st) {
  parsed_device p;
  if (!parse_device(device, &p, st)) return false;
  if (!p.has_type) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "device name '%s' names no device type", device);
    return false;
  }
  size_t i = vs__device_lookup(p.type, p.has_index ? p.index : 0, st);
  if (i == SIZE_MAX) return false;
  *out = i;
  return true;
}

/* TF's placer lists the local devices by full name; each OpenCL device
 * answers to its typed name and its CL name, both listed, in index order:
 * "/job:localhost/replica:0/task:0/device:CPU:0, .../device:CL:0". Malloc'd;
 * NULL when out of memory. */
static char *available_devices(size_t n) {
  char *list = vs__strdup("");
  for (size_t i = 0; list && i < n; i++) {
    vs_device_info in;
    vs_device_get_info(i, &in, NULL);
    const char *names[2] = {in.name, in.cl_name};
    for (int k = 0; list && k < 2; k++) {
      if (!names[k][0]) continue;
      char *longer = vs__asprintf("%s%s/job:localhost/replica:0/task:0%s", list, list[0] ? ", " : "", names[k]);
      free(list);
      list = longer;
    }
  }
  return list;
}

bool vs__session_place(vs_session *s, vs_op *op, size_t *dev, vs_status *st) {
  if (op->index < s->n_op_dev && s->op_dev[op->index] >= 0) {
    *dev = (size_t)s->op_dev[op->index];
    return true;
  }
  const char *device = op->device;
  if (op->colocate) { /* TF's _class loc:@: run where the named op runs */
    vs_op *with = vs__op_by_name(s->graph, op->colocate + 5); /* past "loc:@" */
    if (with && with != op) {
      if (!vs__session_place(s, with, dev, st)) return false;
      goto record;
    }
  }
  parsed_device p;
  size_t n = vs_num_devices(NULL);
  if (!parse_device(device, &p, st)) return false;
  if (p.has_type) {
    *dev = vs__device_lookup(p.type, p.has_index ? p.index : 0, NULL);
    if (*dev == SIZE_MAX) {
      if (!s->opts.allow_soft_placement) {
        char *list = available_devices(n);
        if (!list) {
          vs__oom(st);
          return false;
        }
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
                 "Cannot assign a device for operation %s: {{node %s}} was explicitly assigned to %s but "
                 "available devices are [ %s ]. Make sure the device specification refers to a valid device.",
                 op->name, op->name, device, list);
        free(list);
        return false;
      }
      *dev = s->default_dev;
      fprintf(stderr, "varscope: soft placement: %s asked for %s, placed on /device:CL:%zu\n", op->name,
              device, *dev);
    }
  } else if (p.has_task) {
    long k = p.task % (long)n; /* /job:ps/task:k -> CL:(k mod N) */
    *dev = (size_t)(k < 0 ? k + (long)n : k);
  } else {
    *dev = s->default_dev;
  }
record:
  if (op->index >= s->n_op_dev) {
    size_t cap = s->n_op_dev;
    int8_t *grown = s->op_dev;
    if (!VS_GROW(grown, cap, op->index + 1)) {
      vs__oom(st);
      return false;
    }
    for (size_t i = s->n_op_dev; i < cap; i++) grown[i] = -1;
    s->op_dev = grown;
    s->n_op_dev = cap;
  }
  s->op_dev[op->index] = (int8_t)*dev; /* < 64: the registry's most (session_internal.h) */
  if (s->opts.log_device_placement)
    fprintf(stderr, "%s: (%s): /device:CL:%zu\n", op->name, vs__op_type(op), *dev);
  return vs__device(*dev, st) != NULL;
}

/* ---- the session's queues ---- */

/* An in-order queue of the session's own on every device the plan runs on
 * (and the default device, which takes the feeds), made before the run's
 * first command: a run never switches a device's queue midway. */
static bool own_queues(vs_session *s, const vs_plan *p, vs_status *st) {
  size_t n = vs_num_devices(NULL);
  if (s->n_queues < n) {
    cl_command_queue *q = realloc(s->queues, n * sizeof *q);
    if (!q) {
      vs__oom(st);
      return false;
    }
    for (size_t i = s->n_queues; i < n; i++) q[i] = NULL;
    s->queues = q;
    s->n_queues = n;
  }
  for (size_t dev = 0; dev < n && dev < 64; dev++) {
    if (s->queues[dev] || !((p->devs >> dev) & 1 || dev == s->default_dev)) continue;
    vs_cl_device *d = vs__device(dev, st);
    if (!d) return false;
    cl_int err;
    s->queues[dev] = clCreateCommandQueue(d->context, d->id, 0, &err);
    if (err != CL_SUCCESS || !s->queues[dev]) {
      s->queues[dev] = NULL;
      vs__cl_fail(st, err, "clCreateCommandQueue");
      return false;
    }
  }
  return true;
}

/* ---- values ---- */

/* Releases a run's values and clears them for the plan's next run. The
 * run's queues are finished: the buffers are idle and go back to the
 * device's idle list for the next run's values of the same size. */
static void release_values(vs_run *r, size_t n) {
  for (size_t i = 0; i < n; i++) {
    vs_value *v = &r->values[i];
    if (v->owned && v->buf) vs__buffer_recycle(v->buf);
    vs_tensor_free(v->host);
    *v = (vs_value){0};
  }
}

static bool feed_value(vs_session *s, vs_value *v, const vs_op *op, const vs_tensor *t, vs_status *st) {
  if (!t || t->dtype != op->dtype || !vs_shape_is_compatible(t->shape, vs__op_shape(op))) {
    char want[128], got[128];
    vs_shape_format(vs__op_shape(op), want, sizeof want);
    if (t) vs_shape_format(t->shape, got, sizeof got);
    if (t && t->dtype != op->dtype)
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "Cannot feed a %s tensor for Tensor %s:0, which has dtype %s",
               vs_dtype_name(t->dtype), op->name, vs_dtype_name(op->dtype));
    else
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "Cannot feed value of shape %s for Tensor %s:0, which has shape %s",
               t ? got : "?", op->name, want);
    return false;
  }
  if (t->dtype == VS_STRING) { /* string values stay on the host */
    vs_tensor *copy = vs__tensor_clone(t, st);
    if (!copy) return false;
    *v = (vs_value){.ready = true, .dtype = t->dtype, .shape = t->shape, .n = t->n, .dev = s->default_dev,
                    .host = copy};
    return true;
  }
  vs_cl_device *d = vs__device(s->default_dev, st);
  if (!d) return false;
  size_t bytes = t->n * vs_dtype_size(t->dtype);
  *v = (vs_value){.ready = true, .dtype = t->dtype, .shape = t->shape, .n = t->n, .dev = s->default_dev,
                  .owned = true};
  if (!bytes) return true;
  if (!(v->buf = vs__buffer(s->default_dev, bytes, &t->shape, t->dtype, st))) return false;
  cl_int err = clEnqueueWriteBuffer(*vs__queue(d), v->buf, CL_TRUE, 0, bytes, t->data, 0, NULL, NULL);
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clEnqueueWriteBuffer");
    return false;
  }
  return true;
}

static vs_tensor *fetch_value(vs_run *r, const vs_op *op, vs_status *st) {
  if (op->dtype == VS_RESOURCE) /* a VarHandleOp: its ResourceHandle, serialized (kernels/resource.c) */
    return vs__resource_handle_fetch(op, vs__val(r, op)->dev, st);
  vs_value *v = vs__val(r, op);
  if (v->host) return vs__tensor_clone(v->host, st);
  cl_mem buf = v->buf;
  size_t dev = v->dev;
  vs_shape shape = v->shape;
  if (v->ref) { /* a variable (or an assign's result): its current buffer */
    vs_var_state *vs = &r->s->vars[v->ref->index];
    if (!vs->initialized) {
      vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_OP_ERROR,
               "Attempting to use uninitialized value %s\n\t [[{{node _retval_%s_0_0}}]]", v->ref->op->name,
               v->ref->op->name);
      return NULL;
    }
    if (vs->host) return vs__tensor_clone(vs->host, st); /* a string variable */
    buf = vs->buf;
    dev = vs->dev;
    shape = vs->shape;
  }
  vs_tensor *t = vs__tensor_alloc(v->dtype, shape, st);
  if (!t || !buf || !t->n) return t;
  vs_cl_device *d = vs__device(dev, st);
  cl_int err = d ? clEnqueueReadBuffer(*vs__queue(d), buf, CL_TRUE, 0, t->n * vs_dtype_size(t->dtype),
                                       t->data, 0, NULL, NULL)
                 : CL_INVALID_DEVICE;
  if (err != CL_SUCCESS) {
    if (d) vs__cl_fail(st, err, "clEnqueueReadBuffer");
    vs_tensor_free(t);
    return NULL;
  }
  /* A blocking read on the run's in-order queue returns once every command
   * queued before it is done: that device needs no clFinish at the end
   * (on PoCL a finish is one more hand-off to its worker threads). */
  if (dev < sizeof r->used_dev) r->used_dev[dev] = 0, r->drained[dev] = 1;
  return t;
}

static bool grow_session(vs_session *s, vs_status *st) {
  vs_graph *g = s->graph;
  if (g->n_vars > s->n_vars) {
    vs_var_state *v = realloc(s->vars, g->n_vars * sizeof *v);
    if (!v) goto oom;
    memset(v + s->n_vars, 0, (g->n_vars - s->n_vars) * sizeof *v);
    s->vars = v;
    s->n_vars = g->n_vars;
  }
  return true;
oom:
  vs__oom(st);
  return false;
}

static bool check_outputs(vs_graph *g, const vs_output *outs, size_t n, const char *what, vs_status *st) {
  for (size_t i = 0; i < n; i++)
    if (outs[i].op && outs[i].op->graph != g && outs[i].op->has_output && outs[i].index == 0) {
      /* TF's texts for a tensor of another graph (Session._run's fetch and feed_dict checks). */
      char repr[512];
      vs__tensor_repr(outs[i], repr, sizeof repr);
      if (strcmp(what, "fetch") == 0)
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
                 "Argument `fetch` = %s cannot be interpreted as a Tensor. (Tensor %s is not an element of this "
                 "graph.)", repr, repr);
      else
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
                 "Cannot interpret feed_dict key as Tensor: Tensor %s is not an element of this graph.", repr);
      return false;
    } else if (!outs[i].op || outs[i].op->graph != g || !outs[i].op->has_output || outs[i].index != 0) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_session_run: %s %zu is not a tensor of this graph",
               what, i);
      return false;
    }
  return true;
}

VS_API void vs_session_run(vs_session *s, const vs_output *feeds, vs_tensor *const *feed_values,
                           size_t nfeeds, const vs_output *fetches, vs_tensor **fetch_values, size_t nfetches,
                           vs_op *const *targets, size_t ntargets, vs_status *st) {
  vs__ok(st);
  if (!s || nfeeds > VS_MAX_LIST || nfetches > VS_MAX_LIST || ntargets > VS_MAX_LIST ||
      (nfeeds && (!feeds || !feed_values)) || (nfetches && (!fetches || !fetch_values)) ||
      (ntargets && !targets)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_session_run: bad arguments");
    return;
  }
  for (size_t i = 0; i < nfetches; i++) fetch_values[i] = NULL;
  vs_graph *g = s->graph;
  pthread_mutex_lock(&s->run_mu); /* this session's runs are serial */
  vs__lock(g); /* held only while the plan is found or built */
  vs_plan *p = NULL;
  if (!check_outputs(g, feeds, nfeeds, "feed", st) || !check_outputs(g, fetches, nfetches, "fetch", st))
    goto unlock_graph;
  for (size_t i = 0; i < nfeeds; i++) {
    if (vs__op_var(feeds[i].op) && vs__op_var(feeds[i].op)->op == feeds[i].op) { /* the VariableV2 itself */
      /* A variable's value lives in the session; feeding its ref is refused
       * rather than silently bypassing the buffer (assign to it instead). */
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "Cannot feed the variable %s:0 itself; feed a tensor computed from it, or assign to it",
               feeds[i].op->name);
      goto unlock_graph;
    }
    for (size_t k = 0; k < i; k++)
      if (feeds[k].op == feeds[i].op) {
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "%s:0 is fed more than once", feeds[i].op->name);
        goto unlock_graph;
      }
  }
  for (size_t i = 0; i < ntargets; i++)
    if (!targets[i] || targets[i]->graph != g) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_session_run: target %zu is not an op of this graph", i);
      goto unlock_graph;
    }
  /* The counts are at most VS_MAX_LIST (INT_MAX), checked above. */
  if (grow_session(s, st))
    p = vs__plan_get(s, feeds, (int)nfeeds, fetches, (int)nfetches, targets, (int)ntargets, st);
unlock_graph:
  /* From here the run reads only what its plan holds, fields of ops fixed
   * at their creation and this session's state: other threads may grow the
   * graph meanwhile (graph_internal.h's locking rule). */
  vs__unlock(g);
  if (!p) goto out_session;
  /* A small plan on a host_shared device runs on this thread when its
   * variables allow (exec/inline.h): no command at all. Nothing of this
   * session is queued now: every run below ends with its queues finished
   * (the blocking fetch reads or clFinish at out:), and the direct variable
   * accesses further down use blocking commands under run_mu too. */
  if (p->inl && vs__inline_run(s, p, fetches, fetch_values, nfetches, st)) {
    p->runs++;
    goto out_session;
  }
  if (!own_queues(s, p, st)) goto out_session;
  p->runs++;
  vs_run r = {.s = s, .plan = p, .values = p->values};
  vs__queue_bind(s->queues, s->n_queues); /* this run's commands: the session's own queues */
  for (size_t i = 0; i < nfeeds; i++)
    if (!feed_value(s, vs__val(&r, feeds[i].op), feeds[i].op, feed_values[i], st)) goto out;
  for (size_t i = 0; i < p->n_steps; i++) {
    vs_step *step = &p->steps[i];
    if (r.values[step->slot].ready) continue; /* fed */
    if (step->kind == VS_STEP_BATCH) {
      if (!vs__batch_run(&r, &p->batches[step->batch], st)) goto out;
      continue;
    }
    if (step->kind != VS_STEP_KERNEL) { /* plan.h: no transport to other processes yet */
      vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR,
               "%s: sending values to or receiving them from another process is not implemented in varscope",
               step->op->name);
      goto out;
    }
    r.step = step; /* its kernel cache */
    vs__choice_memo_bind(&step->choices); /* its algorithm choices (kernels/choice_memo.h) */
    bool ok = vs__kernel_run(&r, step->op, step->dev, st);
    vs__choice_memo_bind(NULL);
    r.step = NULL;
    if (!ok) goto out;
  }
  for (size_t i = 0; i < nfetches; i++) {
    if (!(fetch_values[i] = fetch_value(&r, fetches[i].op, st))) {
      for (size_t k = 0; k < i; k++) {
        vs_tensor_free(fetch_values[k]);
        fetch_values[k] = NULL;
      }
      goto out;
    }
  }
out:;
  /* Targets' effects are complete when run returns, and on an error no
   * queued command may still read the graph's data or the run's buffers. */
  cl_command_queue done[64] = {0}; /* the queues now known to be finished */
  for (size_t dev = 0; dev < sizeof r.used_dev && dev < s->n_queues; dev++) {
    vs_cl_device *d = r.used_dev[dev] ? vs__device(dev, NULL) : NULL;
    if (d) clFinish(*vs__queue(d));
    if (d || r.drained[dev]) done[dev] = s->queues[dev];
  }
  vs__queue_bind(NULL, 0);
  release_values(&r, p->n_slots);
  /* The scratch buffers released during the run on those queues
   * (vs__buffer_release) may now serve any allocation; a queue not known
   * finished keeps its scratch for this session's next runs on it. */
  vs__buffer_settle(done, s->n_queues < 64 ? s->n_queues : 64);
out_session:
  pthread_mutex_unlock(&s->run_mu);
}

/* ---- direct variable access (checkpoints) ---- */

VS_API vs_tensor *vs_session_variable_value(vs_session *s, vs_var *v, vs_status *st) {
  vs__ok(st);
  if (!s || !v || v->graph != s->graph) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_session_variable_value: session and a variable of its graph are required");
    return NULL;
  }
  pthread_mutex_lock(&s->run_mu); /* the session's variables: no run changes them meanwhile */
  vs__lock(s->graph);
  vs_tensor *t = NULL;
  vs_var_state *vs = grow_session(s, st) ? &s->vars[v->index] : NULL;
  if (vs && !vs->initialized) {
    vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_OP_ERROR, "Attempting to use uninitialized value %s",
             v->op->name);
  } else if (vs && vs->host) {
    t = vs__tensor_clone(vs->host, st);
  } else if (vs && (t = vs__tensor_alloc(v->dtype, vs->shape, st)) && t->n) {
    vs_cl_device *d = vs__device(vs->dev, st);
    cl_int err = d ? clEnqueueReadBuffer(d->queue, vs->buf, CL_TRUE, 0, t->n * vs_dtype_size(t->dtype), t->data,
                                         0, NULL, NULL)
                   : CL_INVALID_DEVICE;
    if (err != CL_SUCCESS) {
      if (d) vs__cl_fail(st, err, "clEnqueueReadBuffer");
      vs_tensor_free(t);
      t = NULL;
    }
  }
  vs__unlock(s->graph);
  pthread_mutex_unlock(&s->run_mu);
  return t;
}

/* Writes a numeric host tensor into a variable's buffer on dev (a new
 * buffer when it has none there of that size). */
static void assign_buffer(vs_var_state *vs, size_t dev, const vs_tensor *value, vs_status *st) {
  size_t bytes = value->n * vs_dtype_size(value->dtype);
  bool fits = vs->buf && vs->dev == dev && (size_t)vs_shape_num_elements(vs->shape) == value->n;
  cl_mem buf = fits ? vs->buf : vs__buffer(dev, bytes, &value->shape, value->dtype, st);
  vs_cl_device *d = vs__device(dev, st);
  cl_int err = CL_SUCCESS;
  if ((buf || !bytes) && d && bytes)
    err = clEnqueueWriteBuffer(d->queue, buf, CL_TRUE, 0, bytes, value->data, 0, NULL, NULL);
  if (!vs__failed(st) && err != CL_SUCCESS) vs__cl_fail(st, err, "clEnqueueWriteBuffer");
  if (vs__failed(st)) {
    if (buf && !fits) vs__buffer_release(buf);
    return;
  }
  if (!fits && vs->buf) vs__buffer_release(vs->buf);
  vs->buf = buf;
  vs->dev = dev;
  vs->shape = value->shape;
  vs->initialized = true;
}

VS_API void vs_session_assign_variable(vs_session *s, vs_var *v, const vs_tensor *value, vs_status *st) {
  vs__ok(st);
  if (!s || !v || !value || v->graph != s->graph) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_session_assign_variable: session, value and a variable of its graph are required");
    return;
  }
  if (value->dtype != v->dtype || !vs_shape_is_compatible(value->shape, v->shape)) {
    char want[128], got[128];
    vs_shape_format(v->shape, want, sizeof want);
    vs_shape_format(value->shape, got, sizeof got);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
             "Cannot assign a tensor of dtype %s and shape %s to variable %s of dtype %s and shape %s",
             vs_dtype_name(value->dtype), got, v->op->name, vs_dtype_name(v->dtype), want);
    return;
  }
  pthread_mutex_lock(&s->run_mu); /* the session's variables: no run changes them meanwhile */
  vs__lock(s->graph);
  size_t dev;
  if (grow_session(s, st) && vs__session_place(s, v->op, &dev, st)) {
    vs_var_state *vs = &s->vars[v->index];
    if (value->dtype == VS_STRING) { /* string variables hold a host tensor */
      vs_tensor *copy = vs__tensor_clone(value, st);
      if (copy) {
        vs_tensor_free(vs->host);
        vs->host = copy;
        vs->dev = dev;
        vs->shape = value->shape;
        vs->initialized = true;
      }
    } else {
      assign_buffer(vs, dev, value, st);
    }
  }
  vs__unlock(s->graph);
  pthread_mutex_unlock(&s->run_mu);
}
