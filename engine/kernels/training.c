/* training.c - the optimizers' update ops (TF's training_ops):
 * ApplyGradientDescent, ApplyMomentum, ApplyAdam, ApplyRMSProp and
 * ApplyCenteredRMSProp, and their ResourceApply* twins for resource
 * variables. Each updates a variable and its slot variables in place, in
 * their buffers on the variable's device, with one launch of
 * cl_kernels/training.cl; the hyper-parameters stay device buffers (no
 * read back to the host per step). A RefVariable's op outputs the variable
 * (TF's "out: Ref(T)"); a resource op takes handles and outputs nothing.
 * Run-time checks and their texts are TF's kernels'. */
#include <stdio.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "train/train_internal.h"

#define R VS_APPLY_REF
#define S VS_APPLY_SCALAR
#define G VS_APPLY_TENSOR

/* Input names as training_ops.cc prints them in its errors. */
static const vs_apply_spec specs[] = {
    {"ApplyGradientDescent", "apply_gradient_descent", 3, {R, S, G}, {"var", "alpha", "delta"}, false, false},
    {"ApplyMomentum", "apply_momentum", 5, {R, R, S, G, S}, {"var", "accum", "lr", "grad", "momentum"}, true, false},
    {"ApplyAdam", "apply_adam", 10, {R, R, R, S, S, S, S, S, S, G},
     {"var", "m", "v", "beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon", "grad"}, true, false},
    {"ApplyRMSProp", "apply_rms_prop", 8, {R, R, R, S, S, S, S, G},
     {"var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"}, false, false},
    {"ApplyCenteredRMSProp", "apply_centered_rms_prop", 9, {R, R, R, R, S, S, S, S, G},
     {"var", "mg", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"}, false, false},
    /* The resource variables' ops: the same inputs, handles for the refs. */
    {"ResourceApplyGradientDescent", "apply_gradient_descent", 3, {R, S, G}, {"var", "alpha", "delta"}, false, true},
    {"ResourceApplyMomentum", "apply_momentum", 5, {R, R, S, G, S}, {"var", "accum", "lr", "grad", "momentum"}, true,
     true},
    {"ResourceApplyAdam", "apply_adam", 10, {R, R, R, S, S, S, S, S, S, G},
     {"var", "m", "v", "beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon", "grad"}, true, true},
    {"ResourceApplyRMSProp", "apply_rms_prop", 8, {R, R, R, S, S, S, S, G},
     {"var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"}, false, true},
    {"ResourceApplyCenteredRMSProp", "apply_centered_rms_prop", 9, {R, R, R, R, S, S, S, S, G},
     {"var", "mg", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"}, false, true},
};
#undef R
#undef S
#undef G

const vs_apply_spec *vs__apply_spec(const char *type) {
  for (size_t i = 0; type && i < sizeof specs / sizeof specs[0]; i++)
    if (strcmp(specs[i].type, type) == 0) return &specs[i];
  return NULL;
}

static bool same_shape(const vs_shape *a, const vs_shape *b) {
  if (a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

/* The op's inputs as values: a resource op's handles stand for their
 * variables (a reference to the variable's state, as a RefVariable's ref
 * input is), so that the checks and the launch below serve both kinds. */
static bool gather(vs_run *r, const vs_op *op, const vs_apply_spec *sp, vs_value *own, vs_value **in,
                   vs_status *st) {
  for (int i = 0; i < sp->n_inputs; i++) {
    in[i] = vs__in(r, op, i);
    if (!sp->resource || sp->role[i] != VS_APPLY_REF) continue;
    vs_var *v = vs__op_var(op->inputs[i].op);
    if (!v || !v->resource) { /* the API builds no other producer of a handle */
      vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "%s: input %d (%s) is not a resource variable's handle\n\t [[{{node %s}}]]",
               vs__op_type(op), i, sp->input[i], op->name);
      return false;
    }
    /* training_op_helpers' variable lookup: a variable never assigned in
     * this session is not in the resource manager (TF's text and code). */
    if (!r->s->vars[v->index].initialized) {
      vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "Invalid variable reference.\n\t [[{{node %s}}]]", op->name);
      return false;
    }
    own[i] = (vs_value){.ready = true, .dtype = v->dtype, .ref = v};
    in[i] = &own[i];
  }
  return true;
}

/* TF's order: every ref initialised, then the scalars, then the shapes of
 * the slots and the gradient against the variable's. */
static bool check_inputs(vs_run *r, const vs_op *op, const vs_apply_spec *sp, vs_value *const *in, vs_status *st) {
  for (int i = 0; i < sp->n_inputs; i++) {
    if (vs__uninitialized(r, op, in[i], st)) return false;
    if (sp->role[i] == VS_APPLY_REF && !in[i]->ref) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s: input %d (%s) must be a variable\n\t [[{{node %s}}]]",
               vs__op_type(op), i, sp->input[i], op->name);
      return false;
    }
  }
  vs_shape var = vs__value_shape(r, in[0]);
  char a[160], b[160];
  for (int i = 1; i < sp->n_inputs; i++) {
    vs_shape s = vs__value_shape(r, in[i]);
    if (sp->role[i] == VS_APPLY_SCALAR && s.rank != 0) {
      vs__dims_text(&s, "<unknown>", a, sizeof a);
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "%s is not a scalar: %s\n\t [[{{node %s}}]]", sp->input[i],
               a, op->name);
      return false;
    }
  }
  for (int i = 1; i < sp->n_inputs; i++) {
    vs_shape s = vs__value_shape(r, in[i]);
    if (sp->role[i] != VS_APPLY_SCALAR && !same_shape(&var, &s)) {
      vs__dims_text(&var, "<unknown>", a, sizeof a);
      vs__dims_text(&s, "<unknown>", b, sizeof b);
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
               "var and %s do not have the same shape%s %s\n\t [[{{node %s}}]]", sp->input[i], a, b, op->name);
      return false;
    }
  }
  return true;
}

static bool k_apply(vs_run *r, vs_op *op, size_t dev, vs_status *st) {
  (void)dev; /* updates run where the variable's buffer is, as AssignAdd */
  const vs_apply_spec *sp = vs__apply_spec(vs__op_type(op));
  if (!sp || op->n_inputs != sp->n_inputs) {
    vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "%s: not an Apply op of %d inputs", op->name, sp ? sp->n_inputs : 0);
    return false;
  }
  vs_value own[VS_APPLY_MAX_INPUTS], *in[VS_APPLY_MAX_INPUTS];
  if (!gather(r, op, sp, own, in, st) || !check_inputs(r, op, sp, in, st)) return false;
  vs_var *v = in[0]->ref;
  vs_var_state *vst = &r->s->vars[v->index];
  size_t at = vst->dev, n = vs__value_n(r, in[0]);
  /* Slots are colocated with their variable, so their buffers are there:
   * an update across devices would write a copy, not the slot. */
  for (int i = 1; i < sp->n_inputs; i++) {
    if (sp->role[i] == VS_APPLY_REF && r->s->vars[in[i]->ref->index].dev != at) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
               "%s: slot %s is on device %zu, its variable %s on device %zu: slots must be colocated with their "
               "variable\n\t [[{{node %s}}]]",
               vs__op_type(op), in[i]->ref->op->name, r->s->vars[in[i]->ref->index].dev, v->op->name, at, op->name);
      return false;
    }
  }
  if (at < sizeof r->used_dev) r->used_dev[at] = 1;
  vs_cl_device *d = vs__device(at, st);
  cl_mem bufs[VS_APPLY_MAX_INPUTS] = {0}, tmps[VS_APPLY_MAX_INPUTS] = {0};
  bool ok = d != NULL;
  for (int i = 0; ok && i < sp->n_inputs; i++)
    ok = (bufs[i] = vs__on_device(r, in[i], at, &tmps[i], st)) != NULL || n == 0;
  if (ok && n) {
    karg args[VS_APPLY_MAX_INPUTS + 2];
    int na = 0;
    for (int i = 0; i < sp->n_inputs; i++) args[na++] = KARG(bufs[i]);
    cl_int nesterov = op->attr.apply.use_nesterov;
    cl_ulong count = (cl_ulong)n;
    if (strcmp(sp->kernel, "apply_momentum") == 0) args[na++] = KARG(nesterov);
    args[na++] = KARG(count);
    ok = vs__launch(r, d, "training", v->dtype, sp->kernel, n, args, na, st);
  }
  for (int i = 0; i < sp->n_inputs; i++)
    if (tmps[i]) vs__buffer_release(tmps[i]);
  if (ok && !sp->resource) /* a resource op has no output */
    *vs__val(r, op) = (vs_value){.ready = true, .dtype = v->dtype, .shape = vst->shape, .n = n, .dev = at, .ref = v};
  return ok;
}

#define APPLY_DEF(name, what)                                                                              \
  {.type = name, .doc = what, .shape = vs__shape_of_input0, .kernel = k_apply,                          \
   .flags = VS_OPF_STATEFUL | VS_OPF_ATTRS, .attr_size = sizeof(((vs_op_attrs *)0)->apply)}
/* No output: the shape function has nothing to describe. */
#define RESOURCE_APPLY_DEF(name, what)                                                                     \
  {.type = name, .doc = what, .shape = vs__shape_none, .kernel = k_apply,                               \
   .flags = VS_OPF_STATEFUL | VS_OPF_ATTRS, .attr_size = sizeof(((vs_op_attrs *)0)->apply)}

const vs_op_def vs__training_defs[] = {
    APPLY_DEF("ApplyGradientDescent", "var -= alpha * delta, in place (GradientDescentOptimizer)"),
    APPLY_DEF("ApplyMomentum", "accum = accum * momentum + grad; var -= lr * accum (or Nesterov's), in place"),
    APPLY_DEF("ApplyAdam", "Adam's m, v and var updates in place, with the bias correction of beta1/2_power"),
    APPLY_DEF("ApplyRMSProp", "RMSProp's ms, mom and var updates in place"),
    APPLY_DEF("ApplyCenteredRMSProp", "centered RMSProp's mg, ms, mom and var updates in place"),
    RESOURCE_APPLY_DEF("ResourceApplyGradientDescent", "ApplyGradientDescent on a resource variable's handle"),
    RESOURCE_APPLY_DEF("ResourceApplyMomentum", "ApplyMomentum on the handles of a resource variable and its slot"),
    RESOURCE_APPLY_DEF("ResourceApplyAdam", "ApplyAdam on the handles of a resource variable and its m and v slots"),
    RESOURCE_APPLY_DEF("ResourceApplyRMSProp", "ApplyRMSProp on the handles of a resource variable and its slots"),
    RESOURCE_APPLY_DEF("ResourceApplyCenteredRMSProp",
                       "ApplyCenteredRMSProp on the handles of a resource variable and its three slots"),
};
VS_DEF_COUNT(training_defs);
