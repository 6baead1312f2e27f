/* constant.c - tf.constant, tf.no_op and graph random seeds. */
#include <stdlib.h>
#include <string.h>

#include "graph/graph_internal.h"

/* A string Const's payload: n pointers followed by the strings they point
 * to, in one block, so the op frees it as any other payload. */
void *vs__pack_strings(const char *const *strings, size_t n, size_t *bytes) {
  size_t total = n * sizeof(char *);
  for (size_t i = 0; i < n; i++) total += strlen(strings[i] ? strings[i] : "") + 1;
  char **block = malloc(total ? total : 1);
  if (!block) return NULL;
  char *text = (char *)(block + n);
  for (size_t i = 0; i < n; i++) {
    const char *src = strings[i] ? strings[i] : "";
    size_t len = strlen(src) + 1;
    memcpy(text, src, len);
    block[i] = text;
    text += len;
  }
  *bytes = total;
  return block;
}

vs_op *vs__constant(vs_graph *g, vs_thread_state *ts, const void *data, vs_dtype dtype,
                    vs_shape shape, const char *name, vs_status *st) {
  size_t esize = dtype == VS_STRING ? sizeof(char *) : vs_dtype_size(dtype);
  if (!esize) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "Cannot convert value %d to a TensorFlow DType.",
             (int)dtype);
    return NULL;
  }
  if (!vs_shape_is_fully_defined(shape) || shape.rank > VS_MAX_RANK) {
    char buf[256];
    vs_shape_format(shape, buf, sizeof buf);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "tf.constant needs a fully defined shape, got %s", buf);
    return NULL;
  }
  /* tf.constant names its op as Graph.create_op does (unique_name, or the
   * exact name for "x/"), not through a name scope, and TF's C API then
   * validates the whole node name. */
  /* A count past int64 (or past what 16-byte elements can size) names more
   * elements than any caller's array holds; TF refuses such a constant too
   * (its wrapped count is smaller than the values given). */
  int64_t count = vs_shape_num_elements(shape);
  if (count < 0) {
    char dims[VS_MAX_RANK * 24 + 4];
    vs__dims_text(&shape, "?", dims, sizeof dims);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Shape %s is too large (more than 2**63 - 1 entries) for tf.constant", dims);
    return NULL;
  }
  char *full = vs__op_name(g, ts, name ? name : "Const", st);
  if (!full) return NULL;
  vs_op *op = NULL;
  size_t bytes = (size_t)count * esize;
  void *copy = NULL;
  if (vs__check_node_name(full, st)) {
    /* Numbers live in the op's own allocation (one malloc a Const, issue
     * 10); strings are a packed block of pointers into itself. */
    vs_op_spec spec = {.type = "Const", .name = full, .has_output = true, .dtype = dtype, .shape = shape,
                       .data = bytes ? data : "", .data_size = bytes};
    if (dtype == VS_STRING && !(copy = vs__pack_strings(data, (size_t)count, &bytes))) {
      vs__oom(st);
    } else {
      if (copy) spec.data = NULL;
      op = vs__op_create(g, &spec, st);
      if (op && copy) {
        *vs__op_payload(op) = (vs_op_payload){.data = copy, .size = bytes}; /* a Const: VS_OPX_DATA */
        copy = NULL;
      }
    }
  }
  free(copy);
  free(full);
  return op;
}

VS_API vs_output vs_constant(vs_graph *g, const void *data, vs_dtype dtype, vs_shape shape,
                             const char *name, vs_status *st) {
  vs__ok(st);
  if (!g || !data) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_constant: graph and data must not be NULL");
    return (vs_output){NULL, 0};
  }
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  vs_op *op = ts ? vs__constant(g, ts, data, dtype, shape, name, st) : NULL;
  vs__unlock(g);
  return (vs_output){op, 0};
}

VS_API vs_output vs_constant_float(vs_graph *g, float value, const char *name, vs_status *st) {
  return vs_constant(g, &value, VS_FLOAT, VS_SCALAR, name, st);
}

VS_API vs_output vs_constant_int32(vs_graph *g, int32_t value, const char *name, vs_status *st) {
  return vs_constant(g, &value, VS_INT32, VS_SCALAR, name, st);
}

VS_API vs_op *vs_no_op(vs_graph *g, const char *name, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "vs_no_op: graph must not be NULL");
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  vs_op *op = ts ? vs__op_in_scope(g, ts, name, &(vs_op_spec){.type = "NoOp"}, st) : NULL;
  vs__unlock(g);
  return op;
}

#define DEFAULT_GRAPH_SEED 87654321
#define MAXINT32 2147483647LL

/* random_seed._truncate_seed: Python's `seed % _MAXINT32`, never negative. */
static int64_t truncate_seed(int64_t seed) {
  int64_t m = seed % MAXINT32;
  return m < 0 ? m + MAXINT32 : m;
}

void vs__get_seed(vs_graph *g, int64_t op_seed, bool *has, int64_t *seed, int64_t *seed2) {
  bool op_given = op_seed != VS_SEED_NONE;
  if (g->has_seed) {
    if (!op_given) op_seed = g->seed_counter++;
    *seed = truncate_seed(g->seed);
    *seed2 = truncate_seed(op_seed);
  } else if (op_given) {
    *seed = DEFAULT_GRAPH_SEED;
    *seed2 = truncate_seed(op_seed);
  } else {
    *has = false;
    *seed = *seed2 = 0;
    return;
  }
  if (*seed == 0 && *seed2 == 0) *seed2 = MAXINT32;
  *has = true;
}

VS_API void vs_graph_set_random_seed(vs_graph *g, int64_t seed) {
  if (!g) return;
  vs__lock(g);
  g->has_seed = seed != VS_SEED_NONE;
  g->seed = seed;
  vs__unlock(g);
}
