/* replica_device_setter.c - tf.compat.v1.train.replica_device_setter
 * (tensorflow/python/training/device_setter.py, TF 2.21): the setter's
 * options, its round-robin strategy and its device function. */
#include <inttypes.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "placement/placement_internal.h"

/* One allocation, kept by the graph (vs__keep_string frees it with free()):
 * the struct, then the ps_ops pointer array, then every string. */
struct vs_device_setter {
  vs_graph *graph;
  int64_t ps_tasks;
  const char *ps_device;      /* "" when none (TF's falsy ps_device) */
  const char *worker_device;  /* "" when none */
  bool merge_devices;
  const char **ps_ops;        /* n_ps_ops entries */
  size_t n_ps_ops;
  vs_ps_strategy_fn strategy; /* NULL: round robin */
  void *strategy_data;
  int64_t next_task;          /* _RoundRobinStrategy._next_task */
};

vs_graph *vs__setter_graph(const vs_device_setter *s) { return s->graph; }

/* Python's a % b (the sign of b). */
static int64_t py_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

static bool is_ps_op(const vs_device_setter *s, const char *type) {
  for (size_t i = 0; i < s->n_ps_ops; i++)
    if (strcmp(s->ps_ops[i], type) == 0) return true;
  return false;
}

/* _ReplicaDeviceChooser.device_function (TF 2.x). */
char *vs__setter_device(vs_device_setter *s, const vs_op *op, vs_status *st) {
  const char *device = vs_op_device(op);
  if (!s->merge_devices && device[0]) {
    char *out = vs__strdup(device);
    if (!out) vs__oom(st);
    return out;
  }
  vs__devspec cur, dev;
  if (!vs__devspec_parse(device, &cur, st)) return NULL;
  char *out = NULL;
  if (s->ps_tasks && s->ps_device[0] && is_ps_op(s, vs_op_type(op))) {
    if (!vs__devspec_parse(s->ps_device, &dev, st)) goto done;
    /* The task is only chosen (and the counter only advances) when ps_device
     * has a job the op's own job does not override. Empty strings are falsy. */
    bool choose = dev.job && dev.job[0] &&
                  (!cur.job || !cur.job[0] || strcmp(cur.job, dev.job) == 0);
    char task[24];
    if (choose) {
      int64_t t;
      if (s->strategy) {
        t = s->strategy(op, s->strategy_data, st);
        if (vs__failed(st)) {
          vs__devspec_clear(&dev);
          goto done;
        }
      } else {
        t = s->next_task;
        s->next_task = py_mod(s->next_task + 1, s->ps_tasks);
      }
      snprintf(task, sizeof task, "%" PRId64, t);
    }
    out = vs__devspec_merged(&dev, choose ? task : NULL, &cur);
  } else {
    if (!vs__devspec_parse(s->worker_device, &dev, st)) goto done;
    out = vs__devspec_merged(&dev, NULL, &cur);
  }
  vs__devspec_clear(&dev);
  if (!out) vs__oom(st);
done:
  vs__devspec_clear(&cur);
  return out;
}

/* len(cluster_spec[job]) for the last entry named `job`; -1 when absent. */
static int64_t cluster_tasks(const vs_cluster_job *cluster, const char *job) {
  int64_t n = -1;
  for (const vs_cluster_job *j = cluster; j->name; j++) {
    if (strcmp(j->name, job) != 0) continue;
    n = 0;
    for (const char *const *t = j->tasks; t && *t; t++) n++;
  }
  return n;
}

VS_API vs_device_setter *vs_replica_device_setter(vs_graph *g, const vs_replica_setter_opts *opts,
                                                  vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "vs_replica_device_setter: graph must not be NULL");
  vs_replica_setter_opts o = opts ? *opts : (vs_replica_setter_opts){0};
  const char *ps_device = o.ps_device ? o.ps_device : "/job:ps";
  const char *worker_device = o.worker_device ? o.worker_device : "/job:worker";
  int64_t ps_tasks = o.ps_tasks;
  if (o.cluster) {
    vs__devspec d;
    if (!vs__devspec_parse(ps_device, &d, st)) return NULL;
    /* ps_job_name not in cluster_spec (a None job is never in it). */
    int64_t n = d.job ? cluster_tasks(o.cluster, d.job) : -1;
    vs__devspec_clear(&d);
    if (n < 0) return NULL;
    ps_tasks = n;
  }
  if (ps_tasks == 0) return NULL; /* TF returns None */

  const char *const *ps_ops = o.ps_ops ? o.ps_ops : VS_STANDARD_PS_OPS;
  size_t n_ops = 0, chars = strlen(ps_device) + strlen(worker_device) + 2;
  for (; ps_ops[n_ops]; n_ops++) chars += strlen(ps_ops[n_ops]) + 1;
  size_t head = sizeof(vs_device_setter) + n_ops * sizeof(char *);
  char *block = malloc(head + chars);
  if (!block) {
    vs__oom(st);
    return NULL;
  }
  _Static_assert(sizeof(vs_device_setter) % alignof(char *) == 0, "ps_ops array alignment");
  vs_device_setter *s = (vs_device_setter *)(void *)block;
  const char **ops = (const char **)(void *)(block + sizeof *s);
  char *w = block + head;
  for (size_t i = 0; i < n_ops; i++) {
    size_t len = strlen(ps_ops[i]) + 1;
    memcpy(w, ps_ops[i], len);
    ops[i] = w;
    w += len;
  }
  char *psd = w;
  memcpy(psd, ps_device, strlen(ps_device) + 1);
  char *wkd = psd + strlen(ps_device) + 1;
  memcpy(wkd, worker_device, strlen(worker_device) + 1);
  *s = (vs_device_setter){.graph = g, .ps_tasks = ps_tasks, .ps_device = psd,
                          .worker_device = wkd, .merge_devices = o.merge_devices != VS_OPT_FALSE,
                          .ps_ops = ops, .n_ps_ops = n_ops, .strategy = o.ps_strategy,
                          .strategy_data = o.ps_strategy_data, .next_task = 0};
  vs__lock(g);
  const char *kept = vs__keep_string(g, block, st);
  vs__unlock(g);
  return kept ? s : NULL;
}
