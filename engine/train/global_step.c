/* global_step.c - tf.compat.v1.train's global step: get_global_step,
 * create_global_step and get_or_create_global_step
 * (tensorflow/python/training/training_util.py), with their texts. */
#include <stdio.h>
#include <string.h>

#include "train/train_internal.h"
#include "variables/variables_internal.h"

/* assert_global_step: an integer scalar (a shape of unknown rank passes, as
 * TF's `ndims not in (None, 0)`). */
static bool assert_global_step(const vs_var *v, vs_status *st) {
  vs_dtype t = v->dtype;
  bool integer = t == VS_INT8 || t == VS_INT16 || t == VS_INT32 || t == VS_INT64 || t == VS_UINT8 ||
                 t == VS_UINT16 || t == VS_UINT32 || t == VS_UINT64;
  if (!integer) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
             "Existing \"global_step\" does not have integer type: <dtype: '%s'>", vs_var_dtype_name(v));
    return false;
  }
  if (v->shape.known && v->shape.rank != 0) {
    char dims[160];
    vs_shape_format(v->shape, dims, sizeof dims);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "Existing \"global_step\" is not scalar: %s", dims);
    return false;
  }
  return true;
}

VS_API vs_var *vs_train_get_global_step(vs_graph *g, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "vs_train_get_global_step: graph must not be NULL");
  vs__lock(g);
  vs_var *found = NULL;
  vs_item items[2];
  size_t n = vs__collection_get(g, VS_GLOBAL_STEP, NULL, 0, items, 2, st);
  if (vs__failed(st)) {
    vs__unlock(g);
    return NULL;
  }
  if (n == 1) {
    if (items[0].kind == VS_ITEM_VAR) {
      found = items[0].var;
    } else {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
               "Existing \"global_step\" must be a Variable or Tensor: the operation %s (C returns variables only)",
               vs_op_name(items[0].op));
    }
  } else if (n == 0) { /* graph.get_tensor_by_name('global_step:0') */
    vs_op *op = vs__op_by_name(g, "global_step");
    if (op && vs__op_var(op) && vs__op_var(op)->op == op) {
      found = vs__op_var(op);
    } else if (op && op->has_output) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
               "the global step global_step:0 is a tensor, not a variable (C returns variables only)");
    }
  } /* two or more: TF logs "Multiple tensors in global_step collection." and returns None */
  if (found && !assert_global_step(found, st)) found = NULL;
  vs__unlock(g);
  return found;
}

VS_API vs_var *vs_train_create_global_step(vs_graph *g, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "vs_train_create_global_step: graph must not be NULL");
  vs__lock(g);
  vs_var *v = vs_train_get_global_step(g, st);
  if (v) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "\"global_step\" already exists.");
    v = NULL;
  } else if (!vs__failed(st)) {
    /* `with g.name_scope(None)`: the root name scope; the variable scope
     * stays, so inside variable_scope("foo") the step is "foo/global_step". */
    if (vs_name_scope_push(g, NULL, st)) {
      v = vs_get_variable(g, VS_GLOBAL_STEP,
                          &(vs_var_opts){.shape = VS_SCALAR, .dtype = VS_INT64,
                                         .initializer = vs_zeros_initializer(), .trainable = VS_OPT_FALSE,
                                         .aggregation = VS_AGG_ONLY_FIRST_REPLICA,
                                         .collections = VS_COLLECTIONS(VS_GLOBAL_VARIABLES, VS_GLOBAL_STEP)},
                          st);
      vs_name_scope_pop(g, NULL);
    }
  }
  vs__unlock(g);
  return v;
}

VS_API vs_var *vs_train_get_or_create_global_step(vs_graph *g, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "vs_train_get_or_create_global_step: graph must not be NULL");
  vs__lock(g);
  vs_var *v = vs_train_get_global_step(g, st);
  if (!v && !vs__failed(st)) v = vs_train_create_global_step(g, st);
  vs__unlock(g);
  return v;
}
