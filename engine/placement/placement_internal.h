/* placement_internal.h - device specs and the per-thread device stack
 * (TF's DeviceSpec, MergeDevice and Graph._device_function_stack). */
#ifndef VS_PLACEMENT_INTERNAL_H
#define VS_PLACEMENT_INTERNAL_H

#include "graph/graph_internal.h"
#include "varscope/device.h"

/* A parsed DeviceSpec. Every field points into `buf` (one allocation) or is
 * NULL when unset; replica/task/index are canonical decimal strings (Python
 * int() then str()); an unset index with a set type prints "*". */
typedef struct vs__devspec {
  char *buf;
  const char *job, *replica, *task, *type, *index;
} vs__devspec;

/* DeviceSpec.from_string(s); s NULL is "". On error st holds TF's ValueError
 * and *out is empty (nothing to free). */
bool vs__devspec_parse(const char *s, vs__devspec *out, vs_status *st);
void vs__devspec_clear(vs__devspec *s);

/* to_string() of the spec whose fields are taken from `top` where set, else
 * from `base` (make_merged_spec: top wins). Either may be NULL. Result
 * malloc'd; NULL when out of memory. `task` (when not NULL) replaces the
 * task of base before the merge (DeviceSpec.replace(task=...)). */
char *vs__devspec_merged(const vs__devspec *base, const char *task, const vs__devspec *top);

/* One tf.device entry. */
typedef enum vs__dev_kind {
  VS__DEV_CLEAR = 0, /* tf.device(None) */
  VS__DEV_SPEC,      /* a device string, merged */
  VS__DEV_FN,        /* a device function */
  VS__DEV_SETTER     /* a replica device setter */
} vs__dev_kind;

typedef struct vs__dev_entry {
  vs__dev_kind kind;
  vs__devspec spec;          /* VS__DEV_SPEC */
  bool null_merge;           /* VS__DEV_SPEC whose canonical form is "": skipped */
  vs_device_fn fn;           /* VS__DEV_FN */
  void *data;
  vs_device_setter *setter;  /* VS__DEV_SETTER */
  const void *handle;        /* the vs_device_scope that entered it, or NULL */
} vs__dev_entry;

struct vs_device_stack {
  vs__dev_entry *items;
  size_t n, cap;
  int busy;                  /* > 0 while device functions run: no push/pop */
};

/* For other subsystems (e.g. a variable's caching_device, built under
 * tf.device(caching_device) in TF): push a device string / pop the innermost
 * entry of a thread's stack. The caller holds the graph lock. */
bool vs__device_push_string(vs_thread_state *ts, const char *device, vs_status *st);
void vs__device_pop_top(vs_thread_state *ts);

/* The setter's device function (replica_device_setter.c): returns the
 * malloc'd device for op, or NULL with st set. */
char *vs__setter_device(vs_device_setter *s, const vs_op *op, vs_status *st);
vs_graph *vs__setter_graph(const vs_device_setter *s);

#endif
