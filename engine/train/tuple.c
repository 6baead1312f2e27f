/* tuple.c - control_flow_ops.tuple as gradients gate them (TF 2.21):
 * under name_scope("tuple") a group of the tensors' ops ("group_deps", a
 * NoOp per device and one over them when they sit on several devices),
 * then each tensor through with_dependencies: an Identity named
 * "control_dependency" (uniquified), colocated with the tensor's op, with
 * ^group_deps as control input. Gating makes every gradient of a tuple
 * wait for all of them, which is what GATE_OP/GATE_GRAPH promise. */
#include <stdlib.h>
#include <string.h>

#include "train/grad_internal.h"
#include "varscope/device.h"

/* group's NoOp on `dev` ("" : none) under control_dependencies(deps),
 * named `name` (a full name ending in '/', or a plain name). */
static vs_op *group_on(vs_graph *g, const char *dev, vs_op *const *deps, size_t n, const char *name,
                       vs_status *st) {
  vs_control_dependencies_push(g, deps, n, st);
  if (vs_status_code(st) != VS_OK) return NULL;
  bool pushed = dev[0] && vs_device_push(g, dev, st);
  vs_op *op = vs_status_code(st) == VS_OK ? vs_no_op(g, name, st) : NULL;
  if (pushed) vs_device_pop(g, op ? st : NULL);
  vs_control_dependencies_pop(g, op ? st : NULL);
  return op && vs_status_code(st) == VS_OK ? op : NULL;
}

/* control_flow_ops.group(*ops) inside the current scope: devices in order
 * of first appearance; one device: one NoOp "group_deps"; several: a NoOp
 * "group_deps/NoOp[_k]" per device (sorted by device name), then
 * "group_deps" over those. */
static vs_op *group(vs_graph *g, vs_op *const *ops, size_t n, vs_status *st) {
  const char *s = vs_name_scope_push(g, "group_deps", st);
  char *scope = s ? vs__strdup(s) : NULL;
  if (!scope) {
    if (s) {
      vs_name_scope_pop(g, NULL);
      vs__oom(st);
    }
    return NULL;
  }
  const char *devs[64];
  size_t n_devs = 0;
  for (size_t i = 0; i < n; i++) {
    size_t d = 0;
    while (d < n_devs && strcmp(devs[d], ops[i]->device) != 0) d++;
    if (d == n_devs) devs[n_devs++] = ops[i]->device;
  }
  vs_op *r = NULL;
  if (n_devs == 1) {
    r = group_on(g, devs[0], ops, n, scope, st);
  } else {
    /* sorted(ops_on_device, key=device): insertion sort of the few devices. */
    for (size_t i = 1; i < n_devs; i++)
      for (size_t j = i; j > 0 && strcmp(devs[j - 1], devs[j]) > 0; j--) {
        const char *t = devs[j];
        devs[j] = devs[j - 1];
        devs[j - 1] = t;
      }
    vs_op *per[64], *on[64];
    size_t k = 0;
    bool ok = true;
    for (size_t d = 0; ok && d < n_devs; d++) {
      size_t m = 0;
      for (size_t i = 0; i < n; i++)
        if (strcmp(ops[i]->device, devs[d]) == 0) on[m++] = ops[i];
      ok = (per[k++] = group_on(g, devs[d], on, m, "NoOp", st)) != NULL;
    }
    if (ok) r = group_on(g, "", per, k, scope, st);
  }
  free(scope);
  vs_name_scope_pop(g, r ? st : NULL);
  return r;
}

static int by_index(const void *a, const void *b) {
  size_t x = (*(vs_op *const *)a)->index, y = (*(vs_op *const *)b)->index;
  return x < y ? -1 : x > y;
}

/* with_dependencies([gate], t): Identity "control_dependency" colocated
 * with t's op, under control_dependencies([gate]). */
static vs_output with_dependencies(vs_graph *g, vs_op *gate, vs_output t, vs_status *st) {
  vs_output none = {NULL, 0};
  const char *s = vs_name_scope_push(g, "control_dependency", st);
  char *scope = s ? vs__strdup(s) : NULL;
  if (!scope) {
    if (s) {
      vs_name_scope_pop(g, NULL);
      vs__oom(st);
    }
    return none;
  }
  vs_output r = none;
  vs_colocation_scope *c = vs_colocate_with(g, t.op, false, st);
  if (c) {
    vs_control_dependencies_push(g, &gate, 1, st);
    if (vs_status_code(st) == VS_OK) {
      r = vs_identity(g, t, scope, st);
      vs_control_dependencies_pop(g, r.op ? st : NULL);
    }
    vs_colocation_scope_pop(g, c, r.op ? st : NULL);
  }
  free(scope);
  vs_name_scope_pop(g, r.op ? st : NULL);
  return r.op && vs_status_code(st) == VS_OK ? r : none;
}

/* TF's ValueError for a tuple of Nones: "... Received: [None, None]." */
static void no_tensors(size_t n, vs_status *st) {
  char *list = vs__strdup("");
  for (size_t i = 0; list && i < n; i++) {
    char *next = vs__asprintf("%s%sNone", list, i ? ", " : "");
    free(list);
    list = next;
  }
  if (!list) {
    vs__oom(st);
    return;
  }
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "'tensors' must have at least one Tensor. Received: [%s].",
           list);
  free(list);
}

bool vs__grad_tuple(vs_graph *g, vs_output *t, size_t n, bool reset_placement, vs_status *st) {
  vs_op *gating[64];
  size_t m = 0;
  if (n > 64) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_VALUE_ERROR, "tuple: more than 64 tensors");
    return false;
  }
  for (size_t i = 0; i < n; i++)
    if (t[i].op) {
      size_t j = 0;
      while (j < m && gating[j] != t[i].op) j++;
      if (j == m) gating[m++] = t[i].op;
    }
  qsort(gating, m, sizeof *gating, by_index); /* sorted(set(ops), key=op._id) */
  /* gradients_util wraps the tuple in device(None) and a colocation reset. */
  bool dev = false;
  vs_colocation_scope *c = NULL;
  if (reset_placement) {
    if (!(dev = vs_device_push(g, NULL, st))) return false;
    if (!(c = vs_colocate_with(g, NULL, true, st))) {
      vs_device_pop(g, NULL);
      return false;
    }
  }
  /* The "tuple" scope is taken before the check, as TF's name_scope is
   * entered first: a failed tuple still uses up its name. */
  bool ok = vs_name_scope_push(g, "tuple", st) != NULL;
  if (ok) {
    vs_op *gate = NULL;
    if (m == 0) no_tensors(n, st);
    else gate = group(g, gating, m, st);
    ok = gate != NULL;
    for (size_t i = 0; ok && i < n; i++)
      if (t[i].op) ok = (t[i] = with_dependencies(g, gate, t[i], st)).op != NULL;
    vs_name_scope_pop(g, ok ? st : NULL);
  }
  if (c) vs_colocation_scope_pop(g, c, ok ? st : NULL);
  if (dev) vs_device_pop(g, ok ? st : NULL);
  return ok && vs_status_code(st) == VS_OK;
}
