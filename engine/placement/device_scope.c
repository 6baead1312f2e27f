/* device_scope.c - tf.device scopes: the per-thread device stack
 * (Graph._device_function_stack) and its application to new ops
 * (Graph._apply_device_functions), as in TensorFlow 2.21 graph mode. */
#include <stdlib.h>
#include <string.h>

#include "placement/placement_internal.h"

static void entry_free(vs__dev_entry *e) {
  if (e->kind == VS__DEV_SPEC) vs__devspec_clear(&e->spec);
  *e = (vs__dev_entry){0};
}

void vs__placement_free(struct vs_device_stack *stack) {
  if (!stack) return;
  for (size_t i = 0; i < stack->n; i++) entry_free(&stack->items[i]);
  free(stack->items);
  free(stack);
}

/* Appends an entry (taking ownership of its spec). */
static bool stack_push(vs_thread_state *ts, vs__dev_entry *e, vs_status *st) {
  struct vs_device_stack *ds = ts->devices;
  if (ds && ds->busy) {
    vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "device scopes cannot change while a device function runs");
    goto fail;
  }
  if (!ds) {
    if (!(ds = calloc(1, sizeof *ds))) goto oom;
    ts->devices = ds;
  }
  if (!VS_GROW(ds->items, ds->cap, ds->n + 1)) goto oom;
  ds->items[ds->n++] = *e;
  return true;
oom:
  vs__oom(st);
fail:
  entry_free(e);
  return false;
}

bool vs__device_push_string(vs_thread_state *ts, const char *device, vs_status *st) {
  vs__dev_entry e = {.kind = VS__DEV_CLEAR};
  if (device) {
    /* MergeDevice(spec): parsed when the scope is entered. */
    if (!vs__devspec_parse(device, &e.spec, st)) return false;
    e.kind = VS__DEV_SPEC;
    const vs__devspec *d = &e.spec;
    e.null_merge = !d->job && !d->replica && !d->task && !d->type;
  }
  return stack_push(ts, &e, st);
}

void vs__device_pop_top(vs_thread_state *ts) {
  struct vs_device_stack *ds = ts->devices;
  if (ds && ds->n > 0) entry_free(&ds->items[--ds->n]);
}

/* Replaces op->device with a malloc'd string (NULL: out of memory). */
static bool set_device(vs_op *op, char *dev, vs_status *st) {
  if (!dev) {
    vs__oom(st);
    return false;
  }
  vs__op_set_device(op, dev);
  return true;
}

/* One entry applied to op; callbacks report through `cb` (never NULL). */
static bool apply_entry(const vs__dev_entry *e, vs_op *op, vs_status *cb,
                        vs_status *st) {
  switch (e->kind) {
    case VS__DEV_SPEC: {
      /* MergeDevice.__call__: the op's current fields take precedence. */
      vs__devspec cur;
      if (!vs__devspec_parse(op->device, &cur, st)) return false;
      char *dev = vs__devspec_merged(&e->spec, NULL, &cur);
      vs__devspec_clear(&cur);
      return set_device(op, dev, st);
    }
    case VS__DEV_FN: {
      vs__ok(cb);
      const char *r = e->fn(op, e->data, cb);
      if (vs__failed(cb)) {
        vs__status_copy(st, cb);
        return false;
      }
      if (!r) {
        /* compat.as_str(None) in _UserDeviceSpec.string_merge. */
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
                 "Expected binary or unicode string, got None");
        return false;
      }
      return set_device(op, vs__strdup(r), st);
    }
    case VS__DEV_SETTER: {
      vs__ok(cb);
      char *dev = vs__setter_device(e->setter, op, cb);
      if (!dev) {
        vs__status_copy(st, cb);
        return false;
      }
      return set_device(op, dev, st);
    }
    case VS__DEV_CLEAR:
      break;
  }
  return true;
}

bool vs__placement_apply(vs_graph *g, vs_thread_state *ts, vs_op *op, vs_status *st) {
  struct vs_device_stack *ds = ts->devices;
  (void)g;
  if (!ds || ds->n == 0) return true;
  vs_status *cb = NULL; /* the callbacks' status, made on first use */
  bool ok = true;
  ds->busy++; /* callbacks may build ops (re-entering here) but not push or pop */
  for (size_t i = ds->n; ok && i-- > 0;) {
    const vs__dev_entry *e = &ds->items[i];
    if (e->kind == VS__DEV_SPEC && e->null_merge) continue; /* is_null_merge */
    if (e->kind == VS__DEV_CLEAR) break;                     /* tf.device(None) */
    if (e->kind != VS__DEV_SPEC && !cb && !(cb = vs_status_new())) {
      vs__oom(st);
      ok = false;
      break;
    }
    ok = apply_entry(e, op, cb, st);
  }
  ds->busy--;
  vs_status_free(cb);
  return ok;
}

/* ---- public API ---- */

/* Locks g, finds the thread state and pushes e (consumed). */
static bool push_locked(vs_graph *g, vs__dev_entry *e, vs_status *st) {
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  bool ok = ts && stack_push(ts, e, st);
  if (!ts) entry_free(e);
  vs__unlock(g);
  return ok;
}

VS_API bool vs_device_push(vs_graph *g, const char *device, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "vs_device_push: graph must not be NULL");
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  bool ok = ts && vs__device_push_string(ts, device, st);
  vs__unlock(g);
  return ok;
}

VS_API bool vs_device_push_fn(vs_graph *g, vs_device_fn fn, void *user_data, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g && fn, st, "vs_device_push_fn: graph and fn must not be NULL");
  vs__dev_entry e = {.kind = VS__DEV_FN, .fn = fn, .data = user_data};
  return push_locked(g, &e, st);
}

VS_API bool vs_device_push_setter(vs_graph *g, vs_device_setter *setter, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "vs_device_push_setter: graph must not be NULL");
  if (setter && vs__setter_graph(setter) != g) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_device_push_setter: the setter was made for another graph");
    return false;
  }
  /* A NULL setter is TF's tf.device(None) (8.3.14). */
  vs__dev_entry e = {.kind = setter ? VS__DEV_SETTER : VS__DEV_CLEAR, .setter = setter};
  return push_locked(g, &e, st);
}

VS_API void vs_device_pop(vs_graph *g, vs_status *st) {
  vs__ok(st);
  if (!g) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_device_pop: graph must not be NULL");
    return;
  }
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  if (ts) {
    struct vs_device_stack *ds = ts->devices;
    if (!ds || ds->n == 0)
      vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
               "vs_device_pop: no device scope is open on this thread");
    else if (ds->busy)
      vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
               "device scopes cannot change while a device function runs");
    else
      vs__device_pop_top(ts);
  }
  vs__unlock(g);
}

/* The handle is only an identity: a graph-owned byte the entry points to. */
struct vs_device_scope {
  char tag;
};

VS_API vs_device_scope *vs_device_scope_push(vs_graph *g, const char *device, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "vs_device_scope_push: graph must not be NULL");
  vs__lock(g);
  vs_device_scope *h = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (ts) {
    h = calloc(1, sizeof *h);
    if (!vs__keep_string(g, (char *)h, st)) {
      h = NULL;
    } else if (!vs__device_push_string(ts, device, st)) {
      h = NULL; /* the byte stays with the graph */
    } else {
      ts->devices->items[ts->devices->n - 1].handle = h;
    }
  }
  vs__unlock(g);
  return h;
}

VS_API void vs_device_scope_pop(vs_graph *g, vs_device_scope *scope, vs_status *st) {
  vs__ok(st);
  if (!g || !scope) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_device_scope_pop: graph and scope must not be NULL");
    return;
  }
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  struct vs_device_stack *ds = ts ? ts->devices : NULL;
  if (!ts) {
    /* vs__thread reported it */
  } else if (!ds || ds->n == 0 || ds->items[ds->n - 1].handle != scope) {
    vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "Exiting device scope without proper scope nesting.");
  } else if (ds->busy) {
    vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "device scopes cannot change while a device function runs");
  } else {
    vs__device_pop_top(ts);
  }
  vs__unlock(g);
}
