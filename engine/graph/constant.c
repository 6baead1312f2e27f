/* constant.c - tf.constant and tf.no_op. */
#include <stdlib.h>
#include <string.h>

#include "graph/graph_internal.h"

VS_API vs_output vs_constant(vs_graph *g, const void *data, vs_dtype dtype, vs_shape shape,
                             const char *name, vs_status *st) {
  vs_output none = {NULL, 0};
  vs__ok(st);
  if (!g || !data) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_constant: graph and data must not be NULL");
    return none;
  }
  size_t esize = vs_dtype_size(dtype);
  if (!esize) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "vs_constant: unsupported dtype %d", (int)dtype);
    return none;
  }
  if (!shape.known || shape.rank < 0 || shape.rank > VS_MAX_RANK ||
      !vs_shape_is_fully_defined(&shape)) {
    char buf[256];
    vs_shape_format(&shape, buf, sizeof buf);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_constant: the shape must be fully defined, got %s", buf);
    return none;
  }
  vs__lock(g);
  vs_op *op = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  /* tf.constant names its op through Graph.unique_name, not a name scope,
   * and TF's C API then validates the whole node name. */
  char *full = ts ? vs__unique_name(g, ts, name ? name : "Const", true, st) : NULL;
  size_t bytes = (size_t)vs_shape_num_elements(&shape) * esize;
  void *copy = NULL;
  if (full && vs__check_node_name(full, st)) {
    copy = malloc(bytes ? bytes : 1);
    if (!copy) {
      vs__oom(st);
    } else {
      memcpy(copy, data, bytes);
      op = vs__op_create(g, &(vs_op_spec){.type = "Const", .name = full, .has_output = true,
                                          .dtype = dtype, .shape = shape}, st);
      if (op) {
        op->data = copy;
        op->data_size = bytes;
        copy = NULL;
      }
    }
  }
  free(copy);
  free(full);
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
