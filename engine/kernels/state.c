/* state.c - variables and their state ops: VariableV2, Assign,
 * AssignAdd/AssignSub, IsVariableInitialized and InitializedValue. A
 * variable's value lives in the session. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/inline.h"
#include "kernels/kernels_internal.h"
#include "runtime/blas.h"

static bool k_variable(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_var *v = vs__op_var(op);
  if (!v) {
    vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "%s: variable op without a variable", op->name);
    return false;
  }
  vs_var_state *vs = &r->s->vars[v->index];
  *vs__val(r, op) = (vs_value){.ready = true, .dtype = v->dtype, .shape = vs->initialized ? vs->shape : v->shape,
                                    .n = vs->initialized ? (size_t)vs_shape_num_elements(vs->shape) : 0,
                                    .dev = dev, .ref = v};
  return true;
}

static bool k_assign(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *ref = vs__in(r, op, 0), *val = vs__in(r, op, 1);
  if (vs__uninitialized(r, op, val, st)) return false;
  vs_var *v = ref->ref;
  vs_var_state *vs = &r->s->vars[v->index];
  vs_shape vshape = vs__value_shape(r, val);
  if (op->attr.assign.validate_shape) { /* the variable's shape, or its current one */
    vs_shape want = vs->initialized ? vs->shape : v->shape;
    if (want.known && !(want.rank == vshape.rank && vs_shape_is_compatible(want, vshape))) {
      char lhs[160], rhs[160];
      vs__dims_text(&want, "<unknown>", lhs, sizeof lhs);
      vs__dims_text(&vshape, "<unknown>", rhs, sizeof rhs);
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
               "Assign requires shapes of both tensors to match. lhs shape= %s rhs shape= %s\n\t [[{{node %s}}]]", lhs,
               rhs, op->name);
      return false;
    }
  }
  return vs__var_store(r, op, v, val, dev, st);
}

bool vs__var_store(vs_run *r, vs_op *op, vs_var *v, vs_value *val, size_t dev, vs_status *st) {
  vs_var_state *vs = &r->s->vars[v->index];
  vs_shape vshape = vs__value_shape(r, val);
  size_t n = vs__value_n(r, val), bytes = n * vs_dtype_size(val->dtype);
  if (v->dtype == VS_STRING) { /* the variable's value is a host tensor */
    const vs_tensor *src = vs__host_of(r, val);
    vs_tensor *copy = src ? vs__tensor_clone(src, st) : NULL;
    if (!copy) {
      if (!src) vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "%s: its string value is missing", op->name);
      return false;
    }
    vs_tensor_free(vs->host);
    vs->host = copy;
    vs->dev = dev;
    vs->shape = copy->shape;
    vs->initialized = true;
    *vs__val(r, op) = (vs_value){.ready = true, .dtype = v->dtype, .shape = vs->shape, .n = copy->n, .dev = dev,
                                      .ref = v};
    return true;
  }
  /* First initialisation (or a validate_shape=False reshape) needs a new
   * buffer; it replaces the old one only once the copy is queued. */
  bool fresh = !vs->buf || vs->dev != dev || (size_t)vs_shape_num_elements(vs->shape) != n;
  cl_mem buf = fresh ? (bytes ? vs__buffer(dev, bytes, &vshape, val->dtype, st) : NULL) : vs->buf;
  if (bytes && !buf) return false;
  if (bytes) {
    cl_mem tmp, src = vs__on_device(r, val, dev, &tmp, st);
    cl_int err = CL_SUCCESS;
    if (src && src != buf) /* v.assign(v): nothing to copy */
      err = clEnqueueCopyBuffer(*vs__queue(vs__device(dev, st)), src, buf, 0, 0, bytes, 0, NULL, NULL);
    if (tmp) vs__buffer_release(tmp);
    if (!src || err != CL_SUCCESS) {
      if (src) vs__cl_fail(st, err, "clEnqueueCopyBuffer");
      if (fresh && buf) vs__buffer_release(buf);
      return false;
    }
  }
  if (fresh) {
    /* Released during the run, the old buffer stays idle for this run's
     * queue only (vs__buffer_release). That is enough: a session's variable
     * buffers are used only by its own runs, which are serial (run_mu), and
     * those queue every command on the queue bound for the run. */
    if (vs->buf && vs->buf != buf) vs__buffer_release(vs->buf);
    vs->buf = buf;
    vs->dev = dev;
  }
  vs->shape = vshape;
  vs->initialized = true;
  *vs__val(r, op) = (vs_value){.ready = true, .dtype = v->dtype, .shape = vs->shape, .n = n, .dev = dev, .ref = v};
  return true;
}

#define AXPY_MIN 1024

static bool update(vs_run *r, vs_op *op, size_t dev, bool sub, vs_status *st) {
  (void)dev; /* updates run where the variable's buffer is */
  vs_value *ref = vs__in(r, op, 0), *val = vs__in(r, op, 1);
  if (vs__uninitialized(r, op, ref, st) || vs__uninitialized(r, op, val, st)) return false;
  return vs__var_update(r, op, ref->ref, val, sub, st);
}

bool vs__var_update(vs_run *r, vs_op *op, vs_var *v, vs_value *val, bool sub, vs_status *st) {
  vs_var_state *vs = &r->s->vars[v->index];
  cl_ulong n = (cl_ulong)vs_shape_num_elements(vs->shape), nd = vs__value_n(r, val);
  if (nd != n && nd != 1) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: update has %zu elements, variable %s has %llu", op->name,
             val->n, v->op->name, (unsigned long long)n);
    return false;
  }
  if (vs->dev < sizeof r->used_dev) r->used_dev[vs->dev] = 1; /* runs where the buffer is */
  cl_mem tmp, src = vs__on_device(r, val, vs->dev, &tmp, st);
  bool ok = src || !n;
  vs_cl_device *d = ok ? vs__device(vs->dev, st) : NULL;
  if (ok && n >= AXPY_MIN && nd == n && (v->dtype == VS_FLOAT || (v->dtype == VS_DOUBLE && d->info.fp64))) {
    /* v += (+/-1) * d: CLBlast's axpy, for updates big enough that its
     * launch cost does not matter (a scalar counter runs 40% faster on our
     * own kernel: 30k against 21k session runs/s through PoCL). */
    ok = vs__axpy(d, v->dtype, (size_t)n, sub ? -1.0 : 1.0, src, vs->buf, st);
  } else if (ok) { /* integers (and a one-element update): our kernel */
    karg args[] = {KARG(vs->buf), KARG(src), KARG(nd), KARG(n)};
    ok = vs__launch(r, d, "elementwise", v->dtype, sub ? "assign_sub" : "assign_add", (size_t)n, args, 4, st);
  }
  if (tmp) vs__buffer_release(tmp);
  if (ok)
    *vs__val(r, op) = (vs_value){.ready = true, .dtype = v->dtype, .shape = vs->shape, .n = (size_t)n,
                                      .dev = vs->dev, .ref = v};
  return ok;
}

static bool k_is_initialized(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)dev; /* a host value */
  vs_tensor *t = vs__tensor_alloc(VS_BOOL, VS_SCALAR, st);
  if (!t) return false;
  *(unsigned char *)t->data = r->s->vars[vs__in(r, op, 0)->ref->index].initialized;
  return vs__host_value(r, op, t);
}

/* initialized_value(): the variable if initialised, else its initial value. */
static bool k_initialized_value(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_value *ref = vs__in(r, op, 0);
  vs_value *src = r->s->vars[ref->ref->index].initialized ? ref : vs__in(r, op, 1);
  if (op->dtype == VS_STRING) return vs__host_copy(r, op, vs__host_of(r, src), st);
  vs_shape shape = src->ref ? r->s->vars[src->ref->index].shape : src->shape;
  if (!vs__new_output(r, op, dev, op->dtype, shape, st)) return false;
  return vs__copy_into(r, src, dev, vs__val(r, op), st);
}

static bool k_assign_add(vs_run *r, vs_op *op, size_t dev, vs_status *st) { return update(r, op, dev, false, st); }
static bool k_assign_sub(vs_run *r, vs_op *op, size_t dev, vs_status *st) { return update(r, op, dev, true, st); }

/* Host implementations (exec/inline.h): the variable's storage is the value. */
static void h_variable(vs_host_run *h, const vs_op *op) { *vs__host_out(h, op) = vs__host_var(h, vs__op_var(op)); }

static vs_shape shape_attr(const vs_op *op) { return vs__op_shape(op); }
/* Assign: the variable's shape, or the value's without validate_shape. */
static vs_shape shape_assign(const vs_op *op) {
  return op->attr.assign.validate_shape ? vs__op_shape(op->inputs[0].op) : vs__op_shape(op->inputs[1].op);
}
const vs_op_def vs__state_defs[] = {
    {.type = "VariableV2", .doc = "a variable: a reference to its value in the session (shape attr)",
     .shape = shape_attr, .kernel = k_variable, .host = h_variable,
     .flags = VS_OPF_STRINGS | VS_OPF_CONTAINER | VS_OPF_ATTRS | VS_OPF_HOST_ALIAS,
     .attr_size = sizeof(((vs_op_attrs *)0)->variable)},
    {.type = "Assign", .doc = "ref = value: (re)initialises the variable, its new shape without validate_shape",
     .shape = shape_assign, .kernel = k_assign, .host = vs__host_assign, .gradient = vs__grad_none,
     .flags = VS_OPF_STATEFUL | VS_OPF_STRINGS | VS_OPF_ATTRS | VS_OPF_HOST_ALIAS},
    {.type = "AssignAdd", .doc = "ref += value in place, where the variable's buffer is", .shape = vs__shape_of_input0,
     .kernel = k_assign_add, .host = vs__host_assign_add, .gradient = vs__grad_none,
     .flags = VS_OPF_STATEFUL | VS_OPF_HOST_ALIAS},
    {.type = "AssignSub", .doc = "ref -= value in place, where the variable's buffer is", .shape = vs__shape_of_input0,
     .kernel = k_assign_sub, .host = vs__host_assign_sub, .gradient = vs__grad_none,
     .flags = VS_OPF_STATEFUL | VS_OPF_HOST_ALIAS},
    {.type = "IsVariableInitialized", .doc = "a scalar bool: whether the variable holds a value in this session",
     .shape = vs__shape_scalar, .kernel = k_is_initialized, .flags = VS_OPF_STRINGS | VS_OPF_HOST_OUTPUT},
    {.type = "InitializedValue", .doc = "the variable's value when initialised, else its initial value",
     .shape = vs__shape_of_input0, .kernel = k_initialized_value, .flags = VS_OPF_STRINGS},
};
VS_DEF_COUNT(state_defs);
