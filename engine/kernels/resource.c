/* resource.c - resource variables' ops (TF's ResourceVariable in graph
 * mode): VarHandleOp, ReadVariableOp, AssignVariableOp,
 * AssignAddVariableOp, AssignSubVariableOp and VarIsInitializedOp. The
 * value lives in the session's state of the variable, as a RefVariable's
 * does, and the writes reuse state.c's code; only the checks and the
 * texts are TF's resource kernels'. The handle's value carries no
 * reference: the kernels find the variable through the handle op. */
#include <stdio.h>
#include <string.h>

#include "checkpoint/protobuf.h"
#include "exec/inline.h"
#include "kernels/kernels_internal.h"
#include "ops/ops_internal.h"
#include "varscope/devices.h"

/* The variable behind input 0 (the handle): every handle is a VarHandleOp
 * of a variable (the API builds no other producer of a resource). */
static vs_var *handle_var(const vs_op *op, vs_status *st) {
  vs_var *v = op->n_inputs > 0 ? vs__op_var(op->inputs[0].op) : NULL;
  if (!v || !v->resource)
    vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "%s: input 0 is not a resource variable's handle", op->name);
  return v && v->resource ? v : NULL;
}

/* The resource manager's text for a variable not created (initialised) in
 * this session: its container exists once any resource variable in it has
 * been assigned. */
static void missing_text(vs_run *r, const vs_var *v, char *buf, size_t cap) {
  const char *c = vs_op_container(v->op);
  if (!c || !c[0]) c = "localhost";
  bool container = false;
  for (size_t i = 0; i < r->s->n_vars && !container; i++) {
    const vs_var *o = r->s->graph->vars[i];
    const char *oc = o->resource ? vs_op_container(o->op) : NULL;
    if (!oc || !oc[0]) oc = "localhost";
    container = o->resource && r->s->vars[i].initialized && strcmp(oc, c) == 0;
  }
  if (container)
    snprintf(buf, cap, "Resource %s/%s/N10tensorflow3VarE does not exist.", c, v->op->name);
  else
    snprintf(buf, cap, "Container %s does not exist. (Could not find resource: %s/%s)", c, c, v->op->name);
}

/* ReadVariableOp's error for an uninitialised variable (FAILED_PRECONDITION). */
static bool read_missing(vs_run *r, const vs_op *op, const vs_var *v, vs_status *st) {
  if (r->s->vars[v->index].initialized) return false;
  const char *c = vs_op_container(v->op);
  char text[512];
  missing_text(r, v, text, sizeof text);
  vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_OP_ERROR,
           "Could not find variable %s. This could mean that the variable has been deleted. In TF1, it can also "
           "mean the variable is uninitialized. Debug info: container=%s, status error message=%s\n\t [[{{node %s}}]]",
           v->op->name, c && c[0] ? c : "localhost", text, op->name);
  return true;
}

/* TF's Hash64 (tensorflow/core/platform/hash.cc, a MurmurHash64A with
 * seed 0xDECAFCAFFE): TypeIndex::Make<Var>() hashes the type's name with it,
 * the handle's hash_code. */
static uint64_t tf_hash64(const char *data, size_t n) {
  const uint64_t m = 0xc6a4a7935bd1e995ull;
  uint64_t h = 0xDECAFCAFFEull ^ (n * m);
  for (; n >= 8; data += 8, n -= 8) {
    uint64_t k = 0;
    for (int i = 7; i >= 0; i--) k = k << 8 | (uint8_t)data[i]; /* little-endian */
    k *= m;
    k ^= k >> 47;
    k *= m;
    h ^= k;
    h *= m;
  }
  if (n) {
    for (size_t i = n; i-- > 0;) h ^= (uint64_t)(uint8_t)data[i] << (8 * i);
    h *= m;
  }
  h ^= h >> 47;
  h *= m;
  h ^= h >> 47;
  return h;
}

vs_tensor *vs__resource_handle_fetch(const vs_op *op, size_t dev, vs_status *st) {
  static const char type_name[] = "N10tensorflow3VarE"; /* typeid(tensorflow::Var).name() */
  const vs_var *v = vs__op_var(op);
  vs_device_info info = {0};
  vs_device_get_info(dev, &info, NULL);
  const char *container = vs_op_container(op);
  char *device = vs__asprintf("/job:localhost/replica:0/task:0%s", info.name[0] ? info.name : info.cl_name);
  vs__pb_buf b = {0}, ds = {0}, shape = {0};
  if (!device) b.oom = true;
  vs__pb_string_field(&b, 1, device ? device : "");
  vs__pb_string_field(&b, 2, container && container[0] ? container : "localhost");
  vs__pb_string_field(&b, 3, op->name); /* shared_name */
  vs__pb_varint_field(&b, 4, tf_hash64(type_name, sizeof type_name - 1));
  vs__pb_string_field(&b, 5, type_name);
  if (v) { /* dtypes_and_shapes: the handle's dtype and shape attrs */
    vs__pb_varint_field(&ds, 1, (uint64_t)v->dtype);
    if (!v->shape.known) vs__pb_varint_field(&shape, 3, 1); /* unknown_rank */
    for (int d = 0; v->shape.known && d < v->shape.rank; d++) {
      vs__pb_buf dim = {0};
      if (v->shape.dims[d]) vs__pb_varint_field(&dim, 1, (uint64_t)v->shape.dims[d]);
      vs__pb_msg_field(&shape, 2, &dim);
      vs__pb_free(&dim);
    }
    vs__pb_msg_field(&ds, 2, &shape);
    vs__pb_msg_field(&b, 6, &ds);
  }
  free(device);
  vs__pb_free(&shape);
  vs__pb_free(&ds);
  vs_tensor *t = b.oom ? NULL : calloc(1, sizeof *t);
  if (!t) {
    vs__pb_free(&b);
    vs__oom(st);
    return NULL;
  }
  *t = (vs_tensor){.dtype = VS_RESOURCE, .shape = VS_SCALAR, .n = 1, .data = b.p, .bytes = b.len};
  return t;
}

static bool k_var_handle(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)st;
  *vs__val(r, op) = (vs_value){.ready = true, .dtype = VS_RESOURCE, .shape = VS_SCALAR, .n = 0, .dev = dev};
  return true;
}

static bool k_read(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_var *v = handle_var(op, st);
  if (!v || read_missing(r, op, v, st)) return false;
  vs_value src = {.ready = true, .dtype = v->dtype, .shape = r->s->vars[v->index].shape, .ref = v};
  if (v->dtype == VS_STRING) return vs__host_copy(r, op, vs__host_of(r, &src), st);
  if (vs__borrow_var(r, op, v, dev)) return true;
  if (!vs__new_output(r, op, dev, v->dtype, src.shape, st)) return false;
  return vs__copy_into(r, &src, dev, vs__val(r, op), st);
}

static bool k_assign(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  vs_var *v = handle_var(op, st);
  vs_value *val = vs__in(r, op, 1);
  if (!v || vs__uninitialized(r, op, val, st)) return false;
  vs_var_state *vs = &r->s->vars[v->index];
  vs_shape have = vs__value_shape(r, val);
  /* AssignVariableOp with validate_shape (v.assign) checks an initialised
   * variable's shape; the initializer (validate_shape=False) sets any. */
  if (op->attr.assign.validate_shape && vs->initialized &&
      !(have.rank == vs->shape.rank && vs_shape_is_compatible(have, vs->shape))) {
    char want[160], got[160];
    vs__dims_text(&vs->shape, "?", want, sizeof want);
    vs__dims_text(&have, "?", got, sizeof got);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
             "Trying to assign to variable with tensor with wrong shape. Expected %s got %s\n\t [[{{node %s}}]]",
             want, got, op->name);
    return false;
  }
  return vs__var_store(r, op, v, val, dev, st);
}

bool vs__resource_update_has_kernel(const vs_op *op, vs_status *st) {
  bool update = strcmp(vs__op_type(op), "AssignAddVariableOp") == 0 || strcmp(vs__op_type(op), "AssignSubVariableOp") == 0;
  const vs_var *v = update && op->n_inputs > 0 ? vs__op_var(op->inputs[0].op) : NULL;
  if (!v || (v->dtype != VS_BOOL && v->dtype != VS_STRING)) return true;
  /* TF's placer text (all on CPU): the node's attrs as SummarizeAttrs
   * lists them (TF's order follows a hash map and varies; sorted here),
   * then the kernels registered for the type. */
  bool control = false; /* some op's control input: TF's _has_manual_control_dependencies */
  for (size_t i = 0; i < op->graph->n_ops && !control; i++)
    for (int k = 0; k < op->graph->ops[i]->n_controls; k++) control |= op->graph->ops[i]->controls[k] == op;
  static const char *const types[] = {"DT_COMPLEX128", "DT_COMPLEX64", "DT_DOUBLE", "DT_FLOAT", "DT_BFLOAT16",
                                      "DT_HALF",       "DT_INT32",     "DT_INT8",   "DT_UINT8", "DT_INT16",
                                      "DT_UINT16",     "DT_UINT32",    "DT_INT64",  "DT_UINT64"};
  char kernels[2048];
  size_t at = 0;
  for (int d = 0; d < 2; d++)
    for (size_t i = 0; i < sizeof types / sizeof *types && at < sizeof kernels; i++)
      at += (size_t)snprintf(kernels + at, sizeof kernels - at, "  device='%s'; dtype in [%s]\n",
                             d ? "CPU" : "DEFAULT", types[i]);
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
           "No OpKernel was registered to support Op '%s' used by {{node %s}} with these attrs: [%sdtype=%s]\n"
           "Registered devices: [CPU]\nRegistered kernels:\n%s\n\t [[%s]]",
           vs__op_type(op), op->name, control ? "_has_manual_control_dependencies=true, " : "", vs__dt_enum_name(v->dtype),
           kernels, op->name);
  return false;
}

static bool update(vs_run *r, vs_op *op, bool sub, vs_status *st) {
  vs_var *v = handle_var(op, st);
  vs_value *val = vs__in(r, op, 1);
  if (!v || !vs__resource_update_has_kernel(op, st) || vs__uninitialized(r, op, val, st)) return false;
  vs_var_state *vs = &r->s->vars[v->index];
  if (!vs->initialized) { /* the resource lookup fails: NOT_FOUND */
    char text[512];
    missing_text(r, v, text, sizeof text);
    vs__fail(st, VS_NOT_FOUND, VS_EXC_OP_ERROR, "%s\n\t [[{{node %s}}]]", text, op->name);
    return false;
  }
  vs_shape have = vs__value_shape(r, val);
  if (!(have.rank == vs->shape.rank && vs_shape_is_compatible(have, vs->shape))) { /* no broadcasting */
    char want[160], got[160];
    vs__dims_text(&vs->shape, "?", want, sizeof want);
    vs__dims_text(&have, "?", got, sizeof got);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
             "Cannot update variable with shape %s using a Tensor with shape %s, shapes must be equal.\n\t "
             "[[{{node %s}}]]", want, got, op->name);
    return false;
  }
  return vs__var_update(r, op, v, val, sub, st);
}
static bool k_assign_add(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)dev; /* where the variable's buffer is */
  return update(r, op, false, st);
}
static bool k_assign_sub(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)dev;
  return update(r, op, true, st);
}

static bool k_is_initialized(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)dev; /* a host value */
  vs_var *v = handle_var(op, st);
  vs_tensor *t = v ? vs__tensor_alloc(VS_BOOL, VS_SCALAR, st) : NULL;
  if (!t) return false;
  *(unsigned char *)t->data = r->s->vars[v->index].initialized;
  return vs__host_value(r, op, t);
}

/* Host implementations (exec/inline.h): the handle names the variable,
 * whose storage the updates (vs__host_assign*) write. */
static void h_var_handle(vs_host_run *h, const vs_op *op) { vs__host_out(h, op)->ref = vs__op_var(op); }
static void h_read(vs_host_run *h, const vs_op *op) {
  vs_host_value var = vs__host_var(h, vs__host_in(h, op, 0)->ref), *out = vs__host_out(h, op);
  memcpy(out->p, var.p, var.n * vs_dtype_size(var.ref->dtype)); /* a snapshot, as the device path's copy */
  out->n = var.n;
}

static vs_shape shape_attr(const vs_op *op) { return vs__op_shape(op); }
/* ReadVariableOp: the variable's shape (the handle's shape data). */
static vs_shape shape_read(const vs_op *op) {
  const vs_var *v = vs__op_var(op->inputs[0].op);
  return v ? v->shape : VS_UNKNOWN_SHAPE;
}

const vs_op_def vs__resource_defs[] = {
    {.type = "VarHandleOp", .doc = "a resource variable's handle (a scalar resource); the value is in the session",
     .shape = shape_attr, .kernel = k_var_handle, .host = h_var_handle,
     .flags = VS_OPF_STRINGS | VS_OPF_CONTAINER | VS_OPF_ATTRS | VS_OPF_HOST_ALIAS},
    {.type = "ReadVariableOp",
     .doc = "the resource variable's value (a copy, or its buffer where the plan writes it not); FAILED_PRECONDITION "
            "before it is set",
     .shape = shape_read, .kernel = k_read, .host = h_read, .gradient = vs__grad_read_variable,
     .flags = VS_OPF_STRINGS | VS_OPF_VAR_READ},
    {.type = "AssignVariableOp", .doc = "sets the resource variable's value (its shape with validate_shape)",
     .shape = vs__shape_none, .kernel = k_assign, .host = vs__host_assign,
     .flags = VS_OPF_STATEFUL | VS_OPF_STRINGS | VS_OPF_ATTRS},
    {.type = "AssignAddVariableOp", .doc = "adds a tensor of the variable's shape to the resource variable",
     .shape = vs__shape_none, .kernel = k_assign_add, .host = vs__host_assign_add, .flags = VS_OPF_STATEFUL},
    {.type = "AssignSubVariableOp", .doc = "subtracts a tensor of the variable's shape from the resource variable",
     .shape = vs__shape_none, .kernel = k_assign_sub, .host = vs__host_assign_sub, .flags = VS_OPF_STATEFUL},
    {.type = "VarIsInitializedOp", .doc = "a scalar bool: whether the resource variable holds a value",
     .shape = vs__shape_scalar, .kernel = k_is_initialized, .flags = VS_OPF_STRINGS | VS_OPF_HOST_OUTPUT},
};
VS_DEF_COUNT(resource_defs);
