/* optimizer.c - tf.compat.v1.train's Optimizer base class and its four
 * subclasses (GradientDescent, Momentum, Adam, RMSProp): construction and
 * apply_gradients, building TF's ops in TF's order under TF's names
 * (tensorflow/python/training/optimizer.py and gradient_descent.py,
 * momentum.py, adam.py, rmsprop.py): _apply_dense's Apply* ops for
 * RefVariables, _resource_apply_dense's ResourceApply* ops for resource
 * variables (optimizer.py's _DenseResourceVariableProcessor). Slots are in
 * slots.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops_internal.h"
#include "train/train_internal.h"
#include "variables/variables_internal.h"
#include "train/grad_internal.h"
#include "varscope/device.h"

/* ---- construction ---- */

static vs_optimizer *make(vs_opt_kind kind, const char *name, const char *default_name, bool use_locking,
                          vs_status *st) {
  vs__ok(st);
  const char *n = name ? name : default_name;
  /* Optimizer.__init__; other bad names fail, as in TF, when apply opens
   * the optimizer's name scope. */
  if (!n[0]) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "Must specify the optimizer name");
    return NULL;
  }
  vs_optimizer *opt = calloc(1, sizeof *opt);
  if (!opt || !(opt->name = vs__strdup(n))) {
    free(opt);
    vs__oom(st);
    return NULL;
  }
  opt->kind = kind;
  opt->use_locking = use_locking;
  return opt;
}

static double or_default(vs_opt_double d, double dflt) { return d.set ? d.value : dflt; }

VS_API vs_optimizer *vs_gradient_descent_optimizer(double learning_rate, const vs_optimizer_opts *opts,
                                                   vs_status *st) {
  vs_optimizer *o = make(VS_OPT_GD, opts ? opts->name : NULL, "GradientDescent", opts && opts->use_locking, st);
  if (o) {
    o->learning_rate = learning_rate;
    if (opts) o->learning_rate_tensor = opts->learning_rate_tensor;
  }
  return o;
}

VS_API vs_optimizer *vs_momentum_optimizer(double learning_rate, double momentum, const vs_momentum_opts *opts,
                                           vs_status *st) {
  vs_optimizer *o = make(VS_OPT_MOMENTUM, opts ? opts->name : NULL, "Momentum", opts && opts->use_locking, st);
  if (o) {
    o->learning_rate = learning_rate;
    o->momentum = momentum;
    o->use_nesterov = opts && opts->use_nesterov;
    if (opts) o->learning_rate_tensor = opts->learning_rate_tensor;
  }
  return o;
}

VS_API vs_optimizer *vs_adam_optimizer(const vs_adam_opts *opts, vs_status *st) {
  vs_adam_opts d = opts ? *opts : (vs_adam_opts){0};
  vs_optimizer *o = make(VS_OPT_ADAM, d.name, "Adam", d.use_locking, st);
  if (o) {
    o->learning_rate = or_default(d.learning_rate, 0.001);
    o->beta1 = or_default(d.beta1, 0.9);
    o->beta2 = or_default(d.beta2, 0.999);
    o->epsilon = or_default(d.epsilon, 1e-8);
    o->learning_rate_tensor = d.learning_rate_tensor;
  }
  return o;
}

VS_API vs_optimizer *vs_rmsprop_optimizer(double learning_rate, const vs_rmsprop_opts *opts, vs_status *st) {
  vs_rmsprop_opts d = opts ? *opts : (vs_rmsprop_opts){0};
  vs_optimizer *o = make(VS_OPT_RMSPROP, d.name, "RMSProp", d.use_locking, st);
  if (o) {
    o->learning_rate = learning_rate;
    o->decay = or_default(d.decay, 0.9);
    o->momentum = or_default(d.momentum, 0.0);
    o->epsilon = or_default(d.epsilon, 1e-10);
    o->centered = d.centered;
    o->learning_rate_tensor = d.learning_rate_tensor;
  }
  return o;
}

VS_API void vs_optimizer_free(vs_optimizer *opt) {
  if (!opt) return;
  free(opt->slots);
  free(opt->nonslots);
  free(opt->name);
  free(opt);
}

VS_API const char *vs_optimizer_name(const vs_optimizer *opt) { return opt ? opt->name : NULL; }

/* ---- the Apply ops ---- */

/* "name" or "name:i", as a NodeDef lists its inputs. */
static void input_name(vs_output x, char *buf, size_t cap) {
  if (x.index) snprintf(buf, cap, "%s:%zu", x.op->name, x.index);
  else snprintf(buf, cap, "%s", x.op->name);
}

/* TF's shape-inference error for an n-input node: "<problem> for '{{node
 * N}} = T[attrs](a, b, ...)' with input shapes: [2,3], [], [3]." */
static void fail_shape(vs_status *st, const char *problem, const char *name, const char *type, const char *attrs,
                       const vs_output *in, int n) {
  char ins[1024] = "", shapes[1024] = "";
  size_t li = 0, ls = 0;
  for (int i = 0; i < n; i++) {
    char nm[300], dims[160];
    input_name(in[i], nm, sizeof nm);
    vs_shape shape = vs__op_shape(in[i].op);
    if (in[i].op->dtype == VS_RESOURCE) snprintf(dims, sizeof dims, "[]"); /* a handle is a scalar */
    else vs__dims_text(&shape, "?", dims, sizeof dims);
    li += (size_t)snprintf(ins + li, li < sizeof ins ? sizeof ins - li : 0, "%s%s", i ? ", " : "", nm);
    ls += (size_t)snprintf(shapes + ls, ls < sizeof shapes ? sizeof shapes - ls : 0, "%s%s", i ? ", " : "", dims);
    if (li >= sizeof ins) li = sizeof ins - 1;
    if (ls >= sizeof shapes) ls = sizeof shapes - 1;
  }
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "%s for '{{node %s}} = %s[%s](%s)' with input shapes: %s.",
           problem, name, type, attrs, ins, shapes);
}

/* InferenceContext::Merge of the variable's shape `s` with `x`: false with
 * TF's problem text when they conflict; s takes x's known dimensions. */
static bool merge(vs_shape *s, const vs_shape *x, char *problem, size_t cap) {
  if (!x->known) return true;
  if (!s->known) {
    *s = *x;
    return true;
  }
  if (s->rank != x->rank) {
    snprintf(problem, cap, "Shapes must be equal rank, but are %d and %d", s->rank, x->rank);
    return false;
  }
  for (int i = 0; i < s->rank; i++)
    if (s->dims[i] >= 0 && x->dims[i] >= 0 && s->dims[i] != x->dims[i]) {
      char a[160], b[160];
      vs__dims_text(s, "?", a, sizeof a);
      vs__dims_text(x, "?", b, sizeof b);
      snprintf(problem, cap, "Dimension %d in both shapes must be equal, but are %lld and %lld. Shapes are %s and %s.",
               i, (long long)s->dims[i], (long long)x->dims[i], a, b);
      return false;
    }
  for (int i = 0; i < s->rank; i++)
    if (s->dims[i] < 0) s->dims[i] = x->dims[i];
  return true;
}

/* v.value() of a resource variable, as an op input converts it: a new
 * "ReadVariableOp" in the current name scope, built under
 * colocate_with(None, ignore_existing=True) (no colocation group, no
 * device). A RefVariable converts to its "<n>/read" snapshot, no op. */
static vs_output read_value(vs_graph *g, vs_thread_state *ts, vs_var *v, vs_status *st) {
  if (!v->resource) return vs_var_value(v);
  vs_colocation_scope *none = vs_colocate_with(g, NULL, true, st);
  if (!none) return (vs_output){NULL, 0};
  vs_op *op = vs__op_in_scope(g, ts, "ReadVariableOp",
                              &(vs_op_spec){.type = "ReadVariableOp", .inputs = &(vs_output){v->op, 0}, .n_inputs = 1,
                                            .has_output = true, .dtype = v->dtype, .shape = v->shape},
                              st);
  vs_colocation_scope_pop(g, none, op ? st : NULL);
  return (vs_output){op, 0};
}

/* TF's numbertype (an Apply op's T): the numbers, not bool or string. */
static bool number_type(vs_dtype t) { return vs__convertible(t) && t != VS_BOOL; }

/* The numbertype list op_def_library prints for an Apply op's T. */
#define NUMBER_TYPES                                                                                          \
  "float32, float64, int32, uint8, int16, int8, complex64, int64, qint8, quint8, qint32, bfloat16, qint16, " \
  "quint16, uint16, complex128, float16, uint32, uint64"

/* Builds training_ops.apply_<kind>(...) (resource_apply_<kind> for a
 * resource variable) in the current name scope: the op
 * "<scope>/[Resource]Apply<Kind>", colocated with the variable (input 0),
 * after TF's type and shape checks. reads[i], when not NULL, is a variable
 * whose value input i takes, converted inside the op's name scope as
 * op_def_library converts it (Adam's beta powers: "<op>/ReadVariableOp",
 * "<op>/ReadVariableOp_1" when they are resource variables). The graph
 * lock is held. */
static vs_op *apply_op(vs_graph *g, const vs_optimizer *opt, const char *type, vs_output *in, int n,
                       vs_var *const *reads, vs_status *st) {
  const vs_apply_spec *sp = vs__apply_spec(type);
  vs_thread_state *ts = vs__thread(g, st);
  if (!sp || sp->n_inputs != n || !ts) {
    if (!vs__failed(st)) vs__fail(st, VS_INTERNAL, VS_EXC_VALUE_ERROR, "%s: not an Apply op of %d inputs", type, n);
    return NULL;
  }
  vs_var *var = vs__op_var(in[0].op);
  const char *scope = vs__name_scope_push(g, ts, type, st);
  if (!scope) return NULL;
  for (int i = 0; reads && i < n && !vs__failed(st); i++)
    if (reads[i]) in[i] = read_value(g, ts, reads[i], st);
  /* op_def_library's type checks. A RefVariable's op takes T from 'var'.
   * A resource op's refs are handles; _resource_apply_dense casts the
   * hyper-parameters to the gradient's dtype, so T is the gradient's and
   * a gradient that is no number fails on the first T input, as TF's
   * (which has built the Casts by then). */
  int t_at = 0;
  vs_dtype t = var->dtype;
  if (sp->resource) {
    while (t_at < n && sp->role[t_at] == VS_APPLY_REF) t_at++;
    for (int i = 0; i < n; i++)
      if (sp->role[i] == VS_APPLY_TENSOR) t = in[i].op->dtype;
    if (!vs__failed(st) && !number_type(t))
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
               "Value passed to parameter '%s' has DataType %s not in list of allowed values: " NUMBER_TYPES,
               sp->input[t_at], vs_dtype_name(t));
  }
  for (int i = 1; i < n && !vs__failed(st); i++) {
    if (in[i].op->dtype == t || (sp->resource && sp->role[i] == VS_APPLY_REF)) continue;
    if (sp->resource) /* TF casts it: a Cast op varscope does not have */
      vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_TYPE_ERROR,
               "%s: input '%s' is %s and the gradient %s; TF casts it with a Cast op varscope does not have", type,
               sp->input[i], vs_dtype_name(in[i].op->dtype), vs_dtype_name(t));
    else
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR,
               "Input '%s' of '%s' Op has type %s that does not match type %s of argument 'var'.", sp->input[i], type,
               vs_dtype_name(in[i].op->dtype), vs_dtype_name(t));
  }
  vs_op *op = NULL;
  char *name = vs__failed(st) ? NULL : vs__strndup(scope, strlen(scope) - 1);
  if (!name && !vs__failed(st)) vs__oom(st);
  char attrs[128];
  snprintf(attrs, sizeof attrs, "T=%s, use_locking=%s%s", vs__dt_enum_name(t), opt->use_locking ? "true" : "false",
           sp->has_nesterov ? (opt->use_nesterov && opt->kind == VS_OPT_MOMENTUM ? ", use_nesterov=true"
                                                                                 : ", use_nesterov=false")
                            : "");
  /* The shape function: the variable's shape (a handle's: its variable's)
   * merged with the slots' and the gradient's, the hyper-parameters
   * scalars. TF 2.21's resource ops other than ResourceApplyGradientDescent
   * read the gradient's shape through ShapeOrHandleShape<true>, unknown
   * for a tensor that is not a handle, so only the kernel checks it. */
  vs_shape s = var->shape;
  bool grad_unchecked = sp->resource && strcmp(sp->kernel, "apply_gradient_descent") != 0;
  char problem[512];
  for (int i = 1; name && i < n && !vs__failed(st); i++) {
    vs_shape in_shape = vs__op_shape(in[i].op); /* an op's shape is rebuilt on read (graph_internal.h) */
    const vs_shape *x = sp->role[i] == VS_APPLY_REF ? &vs__op_var(in[i].op)->shape : &in_shape;
    if (sp->role[i] == VS_APPLY_SCALAR) {
      if (x->known && x->rank != 0) {
        snprintf(problem, sizeof problem, "Shape must be rank 0 but is rank %d", x->rank);
        fail_shape(st, problem, name, type, attrs, in, n);
      }
    } else if (!(sp->role[i] == VS_APPLY_TENSOR && grad_unchecked) && !merge(&s, x, problem, sizeof problem)) {
      fail_shape(st, problem, name, type, attrs, in, n);
    }
  }
  /* op_def_library's _MaybeColocateWith(ref inputs): a RefVariable's op
   * is built inside colocate_with(var), colocate_with(slot), ... in input
   * order, so the newest with a device (a slot placed by a device scope
   * while var has none) places it; the groups are var's. A resource op's
   * handles are no ref inputs. */
  vs_colocation_scope *slot_coloc[VS_APPLY_MAX_INPUTS];
  int n_coloc = 0;
  for (int i = 1; !sp->resource && name && i < n && !vs__failed(st); i++)
    if (sp->role[i] == VS_APPLY_REF && (slot_coloc[n_coloc] = vs_colocate_with(g, in[i].op, false, st))) n_coloc++;
  if (name && !vs__failed(st)) {
    op = vs__op_create(g, &(vs_op_spec){.type = type, .name = name, .inputs = in, .n_inputs = n,
                                        .has_output = !sp->resource, .dtype = sp->resource ? t : var->dtype,
                                        .shape = sp->resource ? VS_UNKNOWN_SHAPE : s, .colocate_with = var->op},
                       st);
    if (op) {
      op->attr.apply.use_locking = opt->use_locking;
      op->attr.apply.use_nesterov = opt->kind == VS_OPT_MOMENTUM && opt->use_nesterov;
    }
  }
  while (n_coloc > 0) vs_colocation_scope_pop(g, slot_coloc[--n_coloc], op ? st : NULL);
  free(name);
  vs__name_scope_pop(ts);
  return op;
}

static vs_output ref(const vs_var *v) { return (vs_output){v->op, 0}; }

/* ---- apply_gradients ---- */

/* The hyper-parameter tensors of _prepare, in TF's order. */
typedef struct prepared {
  vs_output lr, momentum, beta1, beta2, epsilon, decay;
} prepared;

static bool prepare(vs_graph *g, const vs_optimizer *o, prepared *p, vs_status *st) {
  /* _prepare: ops.convert_to_tensor(learning_rate, name="learning_rate")
   * makes a Const of a number and passes a tensor through. */
  p->lr = o->learning_rate_tensor.op ? o->learning_rate_tensor
                                     : vs_constant_float(g, (float)o->learning_rate, "learning_rate", st);
  if (!p->lr.op) return false;
  switch (o->kind) {
    case VS_OPT_GD: return true;
    case VS_OPT_MOMENTUM:
      p->momentum = vs_constant_float(g, (float)o->momentum, "momentum", st);
      return p->momentum.op != NULL;
    case VS_OPT_ADAM:
      return (p->beta1 = vs_constant_float(g, (float)o->beta1, "beta1", st)).op &&
             (p->beta2 = vs_constant_float(g, (float)o->beta2, "beta2", st)).op &&
             (p->epsilon = vs_constant_float(g, (float)o->epsilon, "epsilon", st)).op;
    case VS_OPT_RMSPROP:
      return (p->decay = vs_constant_float(g, (float)o->decay, "decay", st)).op &&
             (p->momentum = vs_constant_float(g, (float)o->momentum, "momentum", st)).op &&
             (p->epsilon = vs_constant_float(g, (float)o->epsilon, "epsilon", st)).op;
  }
  return false;
}

/* _create_slots for the variables that have a gradient, under init_scope
 * (no control dependencies; the name scope stays). */
static bool create_slots(vs_graph *g, vs_optimizer *o, vs_var *const *vars, size_t n, vs_status *st) {
  if (o->kind == VS_OPT_GD) return true;
  vs_control_dependencies_push(g, NULL, 0, st);
  if (vs__failed(st)) return false;
  bool ok = true;
  if (o->kind == VS_OPT_ADAM) { /* colocated with min(var_list, key=name) */
    vs_var *first = vars[0];
    for (size_t i = 1; i < n; i++)
      if (strcmp(vs_var_name(vars[i]), vs_var_name(first)) < 0) first = vars[i];
    ok = vs__opt_non_slot(o, g, "beta1_power", o->beta1, first, st) &&
         vs__opt_non_slot(o, g, "beta2_power", o->beta2, first, st);
  }
  char second[300], third[300];
  snprintf(second, sizeof second, "%s_1", o->name);
  snprintf(third, sizeof third, "%s_2", o->name);
  for (size_t i = 0; ok && i < n; i++) {
    vs_var *v = vars[i];
    switch (o->kind) {
      case VS_OPT_MOMENTUM: ok = vs__opt_slot(o, v, "momentum", o->name, vs_zeros_initializer(), st); break;
      case VS_OPT_ADAM:
        ok = vs__opt_slot(o, v, "m", o->name, vs_zeros_initializer(), st) &&
             vs__opt_slot(o, v, "v", second, vs_zeros_initializer(), st);
        break;
      case VS_OPT_RMSPROP:
        ok = vs__opt_slot(o, v, "rms", o->name, vs_ones_initializer(), st) &&
             (!o->centered || vs__opt_slot(o, v, "mg", second, vs_zeros_initializer(), st)) &&
             vs__opt_slot(o, v, "momentum", o->centered ? third : second, vs_zeros_initializer(), st);
        break;
      default: break;
    }
  }
  vs_status *pop = vs_status_new();
  vs_control_dependencies_pop(g, ok ? st : pop);
  vs_status_free(pop);
  return ok && !vs__failed(st);
}

/* math_ops.cast(x, t) of each hyper-parameter of an Apply op, in input
 * order, as _apply_dense (t: var.dtype) and _resource_apply_dense (t:
 * grad.dtype) pass them: no op where x already has dtype t (float32
 * variables), else "Cast", "Cast_1", ... in the caller's "update_<v>/"
 * scope, under colocate_with(var) as the update is. reads[i], when not
 * NULL, is a variable cast itself (Adam's beta powers): a RefVariable
 * converts to its "<n>/read" snapshot, a resource variable to a
 * ReadVariableOp made inside the Cast's own scope ("Cast/ReadVariableOp");
 * reads[i] is cleared once cast. The graph lock is held. */
static bool cast_scalars(vs_graph *g, vs_var *v, const char *type, vs_output *in, int n, vs_var **reads, vs_dtype t,
                         vs_status *st) {
  const vs_apply_spec *sp = vs__apply_spec(type);
  vs_thread_state *ts = vs__thread(g, st);
  if (!sp || !ts) return false;
  bool any = false;
  for (int i = 0; i < n; i++)
    any |= sp->role[i] == VS_APPLY_SCALAR && (reads && reads[i] ? reads[i]->dtype : in[i].op->dtype) != t;
  if (!any) return true;
  vs_colocation_scope *coloc = vs_colocate_with_var(g, v, false, st);
  if (!coloc) return false;
  for (int i = 0; i < n && !vs__failed(st); i++) {
    if (sp->role[i] != VS_APPLY_SCALAR) continue;
    vs_var *r = reads ? reads[i] : NULL;
    if (r && r->dtype == t) continue; /* the op converts it (apply_op) */
    if (!r) {
      if (in[i].op->dtype != t) in[i] = vs_cast(g, in[i], t, NULL, st);
      continue;
    }
    if (!r->resource) {
      in[i] = vs_cast(g, vs_var_value(r), t, NULL, st);
    } else { /* name_scope(None, "Cast", [x]): the read, then the Cast named after the scope */
      const char *scope = vs_name_scope_push(g, "Cast", st);
      char *name = scope ? vs__strndup(scope, strlen(scope)) : NULL;
      if (scope && !name) vs__oom(st);
      vs_output x = name ? read_value(g, ts, r, st) : (vs_output){NULL, 0};
      if (scope) vs_name_scope_pop(g, x.op ? st : NULL);
      if (x.op) in[i] = vs_cast(g, x, t, name, st);
      free(name);
    }
    reads[i] = NULL;
  }
  vs_colocation_scope_pop(g, coloc, vs__failed(st) ? NULL : st);
  return !vs__failed(st);
}

/* The Apply op `type` over in[0..n), its hyper-parameters cast first. */
static vs_op *cast_and_apply(vs_graph *g, const vs_optimizer *o, vs_var *v, vs_output grad, const char *type,
                             vs_output *in, int n, vs_var **reads, vs_status *st) {
  vs_dtype t = v->resource ? grad.op->dtype : v->dtype;
  if (!cast_scalars(g, v, type, in, n, reads, t, st)) return NULL;
  return apply_op(g, o, type, in, n, reads, st);
}

/* processor.update_op -> _apply_dense(grad, var), or for a resource
 * variable _resource_apply_dense(grad, var) on its handle (the
 * hyper-parameters cast to the variable's, resp. the gradient's, dtype:
 * no ops for float32). */
static vs_op *apply_dense(vs_graph *g, vs_optimizer *o, const prepared *p, vs_output grad, vs_var *v,
                          vs_status *st) {
  bool res = v->resource;
  switch (o->kind) {
    case VS_OPT_GD: {
      vs_output in[3] = {ref(v), p->lr, grad};
      return cast_and_apply(g, o, v, grad, res ? "ResourceApplyGradientDescent" : "ApplyGradientDescent", in, 3, NULL,
                            st);
    }
    case VS_OPT_MOMENTUM: {
      vs_var *accum = vs__opt_slot(o, v, "momentum", o->name, vs_zeros_initializer(), st);
      if (!accum) return NULL;
      vs_output in[5] = {ref(v), ref(accum), p->lr, grad, p->momentum};
      return cast_and_apply(g, o, v, grad, res ? "ResourceApplyMomentum" : "ApplyMomentum", in, 5, NULL, st);
    }
    case VS_OPT_ADAM: {
      vs_var *m = vs_optimizer_get_slot(o, v, "m"), *vv = vs_optimizer_get_slot(o, v, "v");
      vs_var *b1 = vs_optimizer_get_non_slot_variable(o, g, "beta1_power");
      vs_var *b2 = vs_optimizer_get_non_slot_variable(o, g, "beta2_power");
      /* math_ops.cast(beta1_power, T) hands the variable itself to the op,
       * which converts it (its read) inside the op's name scope. */
      vs_var *reads[10] = {NULL, NULL, NULL, b1, b2};
      vs_output in[10] = {ref(v), ref(m), ref(vv), {0}, {0}, p->lr, p->beta1, p->beta2, p->epsilon, grad};
      return cast_and_apply(g, o, v, grad, res ? "ResourceApplyAdam" : "ApplyAdam", in, 10, reads, st);
    }
    case VS_OPT_RMSPROP: {
      vs_var *rms = vs_optimizer_get_slot(o, v, "rms"), *mom = vs_optimizer_get_slot(o, v, "momentum");
      if (o->centered) {
        vs_var *mg = vs_optimizer_get_slot(o, v, "mg");
        vs_output in[9] = {ref(v), ref(mg), ref(rms), ref(mom), p->lr, p->decay, p->momentum, p->epsilon, grad};
        return cast_and_apply(g, o, v, grad, res ? "ResourceApplyCenteredRMSProp" : "ApplyCenteredRMSProp", in, 9,
                              NULL, st);
      }
      vs_output in[8] = {ref(v), ref(rms), ref(mom), p->lr, p->decay, p->momentum, p->epsilon, grad};
      return cast_and_apply(g, o, v, grad, res ? "ResourceApplyRMSProp" : "ApplyRMSProp", in, 8, NULL, st);
    }
  }
  return NULL;
}

/* control_flow_ops.group(*ops, name=name): one NoOp when the ops share a
 * device (built under that device), else one NoOp per device in sorted
 * device order and the named NoOp over them. */
static vs_op *group(vs_graph *g, vs_op *const *ops, size_t n, const char *name, vs_status *st) {
  bool one = true;
  for (size_t i = 1; i < n && one; i++) one = strcmp(ops[i]->device, ops[0]->device) == 0;
  if (one) {
    const char *dev = n ? ops[0]->device : "";
    bool pushed = dev[0] && vs_device_push(g, dev, st);
    if (dev[0] && !pushed) return NULL;
    vs_op *op = vs_group(g, ops, n, name, st);
    if (pushed) vs_device_pop(g, NULL);
    return op;
  }
  vs_op **per_dev = malloc(n * sizeof *per_dev), **sub = malloc(n * sizeof *sub);
  const char **devs = malloc(n * sizeof *devs);
  vs_op *root = NULL;
  size_t nd = 0;
  if (!per_dev || !sub || !devs) {
    vs__oom(st);
    goto done;
  }
  for (size_t i = 0; i < n; i++) { /* the distinct devices, sorted */
    size_t k = 0;
    while (k < nd && strcmp(devs[k], ops[i]->device) < 0) k++;
    if (k < nd && strcmp(devs[k], ops[i]->device) == 0) continue;
    memmove(devs + k + 1, devs + k, (nd - k) * sizeof *devs);
    devs[k] = ops[i]->device;
    nd++;
  }
  for (size_t d = 0; d < nd; d++) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
      if (strcmp(ops[i]->device, devs[d]) == 0) sub[m++] = ops[i];
    bool pushed = devs[d][0] && vs_device_push(g, devs[d], st);
    if (devs[d][0] && !pushed) goto done;
    per_dev[d] = vs_group(g, sub, m, "NoOp", st);
    if (pushed) vs_device_pop(g, NULL);
    if (!per_dev[d]) goto done;
  }
  vs_control_dependencies_push(g, per_dev, nd, st);
  if (!vs__failed(st)) {
    root = vs_no_op(g, name, st);
    vs_control_dependencies_pop(g, root ? st : NULL);
  }
done:
  free(per_dev);
  free(sub);
  free(devs);
  return root;
}

/* v.assign(value) in the current scopes: a RefVariable's Assign, or a
 * resource variable's AssignVariableOp and the read that TF's
 * _UnreadVariable is. Returns the op a group waits for (the Assign, or the
 * AssignVariableOp: the _UnreadVariable's op). */
static vs_op *assign_op(vs_graph *g, vs_var *v, vs_output value, vs_status *st) {
  vs_output u = vs_assign(g, v, value, NULL, st);
  if (!u.op || !v->resource) return u.op;
  size_t nc = vs_op_num_control_inputs(u.op); /* the update is the read's last control input */
  return nc ? vs_op_control_input(u.op, nc - 1) : NULL;
}

/* beta_power.assign(beta_power * beta_t, use_locking=self._use_locking) in
 * the current scopes: a RefVariable's read, Mul and Assign (whose
 * use_locking attr is the optimizer's, where an Assign of v.assign() keeps
 * the op's default, true); a resource variable's new read
 * ("ReadVariableOp"), Mul, AssignVariableOp (no use_locking attr) and the
 * _UnreadVariable's read. Returns the op the group waits for. */
static vs_op *advance_power(vs_graph *g, vs_thread_state *ts, const vs_optimizer *o, vs_var *power, vs_output beta,
                            vs_status *st) {
  vs_output x = read_value(g, ts, power, st);
  vs_output m = x.op ? vs_mul(g, x, beta, NULL, st) : (vs_output){0};
  vs_op *u = m.op ? assign_op(g, power, m, st) : NULL;
  if (u && !power->resource) u->attr.assign.use_locking_false = !o->use_locking;
  return u;
}

/* _RefVariableProcessor / _DenseResourceVariableProcessor.update_op for a
 * variable with a constraint: under colocate_with(v) (apply_gradients')
 * and control_dependencies([update]), v.assign(v.constraint(v)) in the
 * "update_<v>" scope ("update_w/Assign"; a resource variable's
 * "update_w/AssignVariableOp" and "update_w/ReadVariableOp"). The
 * constraint sees the updated variable: a RefVariable's Apply op output
 * (TF's constraint reads "w/read", which in TF aliases the variable's
 * buffer; varscope's read is a snapshot taken before the update, so the
 * Apply op's ref output stands for it), a resource variable's new read
 * "update_w/constraint/ReadVariableOp" (TF's is made inside the
 * constraint's own name scope, which C cannot enter: "constraint" keeps
 * TF's names for the ops after it). Returns the op the group waits for. */
static vs_op *constrain(vs_graph *g, vs_thread_state *ts, vs_var *v, vs_op *update, vs_status *st) {
  vs_colocation_scope *coloc = vs_colocate_with_var(g, v, false, st);
  if (!coloc) return NULL;
  vs_op *out = NULL;
  vs_control_dependencies_push(g, &update, 1, st);
  if (!vs__failed(st)) {
    vs_output x = {update, 0};
    if (v->resource && vs_name_scope_push(g, "constraint", st)) {
      x = read_value(g, ts, v, st);
      vs_name_scope_pop(g, x.op ? st : NULL);
    }
    vs_output c = vs__failed(st) ? (vs_output){0} : v->constraint(g, x, v->constraint_data, st);
    if (!vs__failed(st) && (!c.op || c.op->graph != g || !c.op->has_output))
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "the constraint of %s returned no tensor of its graph",
               v->op->name);
    if (!vs__failed(st)) out = assign_op(g, v, c, st);
    vs_control_dependencies_pop(g, out ? st : NULL);
  }
  vs_colocation_scope_pop(g, coloc, out ? st : NULL);
  return vs__failed(st) ? NULL : out;
}

/* _finish(update_ops, name): the group of the updates; Adam first advances
 * beta1_power and beta2_power after them, colocated with beta1_power. */
static vs_op *finish(vs_graph *g, vs_optimizer *o, const prepared *p, vs_op **updates, size_t n,
                     const char *name, vs_status *st) {
  if (o->kind != VS_OPT_ADAM) return group(g, updates, n, name, st);
  vs_var *b1 = vs_optimizer_get_non_slot_variable(o, g, "beta1_power");
  vs_var *b2 = vs_optimizer_get_non_slot_variable(o, g, "beta2_power");
  vs_thread_state *ts = vs__thread(g, st);
  if (!ts) return NULL;
  vs_control_dependencies_push(g, updates, n, st);
  if (vs__failed(st)) return NULL;
  vs_op *u1 = NULL, *u2 = NULL;
  vs_colocation_scope *coloc = vs_colocate_with_var(g, b1, false, st);
  if (coloc) {
    u1 = advance_power(g, ts, o, b1, p->beta1, st);
    if (u1) u2 = advance_power(g, ts, o, b2, p->beta2, st);
    vs_colocation_scope_pop(g, coloc, u2 ? st : NULL);
  }
  vs_control_dependencies_pop(g, u2 ? st : NULL);
  if (!u2 || vs__failed(st)) return NULL;
  vs_op **all = malloc((n + 2) * sizeof *all);
  if (!all) {
    vs__oom(st);
    return NULL;
  }
  memcpy(all, updates, n * sizeof *all);
  all[n] = u1;
  all[n + 1] = u2;
  vs_op *op = group(g, all, n + 2, name, st);
  free(all);
  return op;
}

/* "<tf.Variable 'w:0' shape=(2, 3) dtype=float32_ref>" as Python's str of a
 * list of such strings prints it: ["...", "..."]. */
static char *vars_list_repr(const vs_grad_and_var *gv, size_t n) {
  size_t cap = 64 + n * 400, len = 0;
  char *out = malloc(cap);
  if (!out) return NULL;
  out[len++] = '[';
  for (size_t i = 0; i < n; i++) {
    char dims[160];
    vs_shape shape = vs_var_shape(gv[i].var);
    vs_shape_format(shape, dims, sizeof dims);
    int k = snprintf(out + len, cap - len, "%s\"<tf.Variable '%s' shape=%s dtype=%s>\"", i ? ", " : "",
                     vs_var_name(gv[i].var), dims, vs_var_dtype_name(gv[i].var));
    if (k > 0) len += (size_t)k < cap - len ? (size_t)k : cap - len - 1;
  }
  snprintf(out + len, cap - len, "]");
  return out;
}

VS_API vs_op *vs_optimizer_apply_gradients(vs_optimizer *opt, const vs_grad_and_var *gv, size_t n,
                                           const vs_apply_opts *opts, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(opt, st, "vs_optimizer_apply_gradients: optimizer must not be NULL");
  if (n == 0) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "No variables provided.");
    return NULL;
  }
  VS_REQUIRE(gv, st, "vs_optimizer_apply_gradients: grads_and_vars must not be NULL when n > 0");
  vs_graph *g = NULL;
  size_t with_grad = 0;
  for (size_t i = 0; i < n; i++) {
    VS_REQUIRE(gv[i].var, st, "vs_optimizer_apply_gradients: variable %zu is NULL", i);
    if (!g) g = gv[i].var->graph;
    VS_REQUIRE(gv[i].var->graph == g && (!gv[i].grad.op || gv[i].grad.op->graph == g), st,
               "vs_optimizer_apply_gradients: the variables and gradients must be of one graph (%s is not)",
               vs_var_name(gv[i].var));
    if (!gv[i].grad.op) continue;
    if (!vs__valid_output(g, gv[i].grad, "vs_optimizer_apply_gradients: gradient", st)) return NULL;
    with_grad++;
    vs_dtype gt = gv[i].grad.op->dtype;
    /* A resource variable's update casts the hyper-parameters to the
     * gradient's dtype: a gradient that is not a number fails as TF's op
     * does when built (apply_op: "Value passed to parameter ..."). */
    if (gv[i].var->resource && !number_type(gt)) continue;
    /* float32 and float64 have Apply kernels here (training.cl); TF's
     * float16 and bfloat16 updates compute in their own precision, which
     * varscope's kernels do not (yet) reproduce. */
    vs_dtype vt = gv[i].var->dtype;
    if ((vt != VS_FLOAT && vt != VS_DOUBLE) || (gv[i].var->resource && gt != vt)) {
      vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_TYPE_ERROR,
               "%s: varscope's optimizers update float32 and float64 variables only (a resource variable with a "
               "gradient of its own dtype); %s is %s, its gradient %s",
               opt->name, vs_var_name(gv[i].var), vs_dtype_name(vt), vs_dtype_name(gt));
      return NULL;
    }
  }
  if (opt->learning_rate_tensor.op &&
      !vs__valid_output(g, opt->learning_rate_tensor, "vs_optimizer_apply_gradients: learning_rate_tensor", st))
    return NULL;
  VS_REQUIRE(!opt->learning_rate_tensor.op || opt->learning_rate_tensor.op->graph == g, st,
             "vs_optimizer_apply_gradients: learning_rate_tensor is of another graph than the variables");
  vs_var *gs = opts ? opts->global_step : NULL;
  VS_REQUIRE(!gs || gs->graph == g, st, "vs_optimizer_apply_gradients: the global step is of another graph");
  VS_REQUIRE(!gs || vs__convertible(gs->dtype), st, "vs_optimizer_apply_gradients: the global step %s is not a number",
             vs_var_name(gs));
  if (!with_grad) {
    char *list = vars_list_repr(gv, n);
    if (!list) {
      vs__oom(st);
      return NULL;
    }
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "No gradients provided for any variable: %s.", list);
    free(list);
    return NULL;
  }
  vs_var **vars = malloc(with_grad * sizeof *vars);
  vs_op **updates = malloc(with_grad * sizeof *updates);
  if (!vars || !updates) {
    free(vars);
    free(updates);
    vs__oom(st);
    return NULL;
  }
  for (size_t i = 0, k = 0; i < n; i++)
    if (gv[i].grad.op) vars[k++] = gv[i].var;

  vs__lock(g);
  vs_op *train = NULL;
  size_t n_up = 0;
  if (!create_slots(g, opt, vars, with_grad, st)) goto out;
  const char *scope = vs_name_scope_push_default(g, opts ? opts->name : NULL, opt->name, st);
  if (!scope) goto out;
  prepared p = {0};
  if (!prepare(g, opt, &p, st)) goto pop;
  for (size_t i = 0; i < n; i++) {
    if (!gv[i].grad.op) continue;
    char *upd = vs__asprintf("update_%s", gv[i].var->op->name);
    if (!upd) {
      vs__oom(st);
      goto pop;
    }
    const char *us = vs_name_scope_push(g, upd, st);
    free(upd);
    if (!us) goto pop;
    vs_op *op = apply_dense(g, opt, &p, gv[i].grad, gv[i].var, st);
    if (op && gv[i].var->constraint) {
      vs_thread_state *ts = vs__thread(g, st);
      op = ts ? constrain(g, ts, gv[i].var, op, st) : NULL;
    }
    vs_name_scope_pop(g, NULL);
    if (!op) goto pop;
    updates[n_up++] = op;
  }
  if (!gs) {
    train = finish(g, opt, &p, updates, n_up, scope, st);
  } else {
    vs_op *update = finish(g, opt, &p, updates, n_up, "update", st);
    if (!update) goto pop;
    vs_control_dependencies_push(g, &update, 1, st);
    if (vs__failed(st)) goto pop;
    vs_colocation_scope *coloc = vs_colocate_with_var(g, gs, false, st);
    if (coloc) {
      int64_t one = 1;
      unsigned char buf[16]; /* the widest convertible dtype: complex128 */
      vs__convert_fill(&one, VS_INT64, 1, buf, gs->dtype, 1);
      if (!gs->resource) {
        /* state_ops.assign_add(global_step, 1): math_ops.cast(1,
         * global_step.dtype) becomes the Const "value". */
        vs_output value = vs_constant(g, buf, gs->dtype, VS_SCALAR, "value", st);
        vs_output inc = value.op ? vs_assign_add(g, gs, value, &(vs_assign_opts){.name = scope}, st) : (vs_output){0};
        train = inc.op;
      } else {
        /* assign_add_variable_op(global_step.handle, convert_to_tensor(1,
         * dtype), name=name): a Const "Const" and the AssignAddVariableOp
         * named as the scope, which is the train op (no read after it). */
        vs_output value = vs_constant(g, buf, gs->dtype, VS_SCALAR, "Const", st);
        char *nm = value.op ? vs__strndup(scope, strlen(scope) - 1) : NULL;
        if (value.op && !nm) vs__oom(st);
        if (nm)
          train = vs__op_create(g, &(vs_op_spec){.type = "AssignAddVariableOp", .name = nm,
                                                 .inputs = (vs_output[]){{gs->op, 0}, value}, .n_inputs = 2,
                                                 .dtype = gs->dtype, .shape = VS_UNKNOWN_SHAPE},
                                st);
        free(nm);
      }
      vs_colocation_scope_pop(g, coloc, train ? st : NULL);
    }
    vs_control_dependencies_pop(g, train ? st : NULL);
    if (vs__failed(st)) train = NULL;
  }
  /* TRAIN_OP: TF appends the op when it is not there yet; it is new. */
  if (train && !vs__collection_add(g, VS_TRAIN_OP, (vs_item){.kind = VS_ITEM_OP, .op = train}, st)) train = NULL;
pop:
  vs_name_scope_pop(g, NULL);
out:
  vs__unlock(g);
  free(vars);
  free(updates);
  return train;
}

/* ---- compute_gradients and minimize ---- */

/* The variables compute_gradients works on: the caller's list, or the
 * trainable variables (malloc'd into *owned). */
static size_t var_list(vs_graph *g, const vs_var *const *given, size_t n, vs_var ***list, vs_var ***owned,
                       vs_status *st) {
  *owned = NULL;
  if (given) {
    *list = (vs_var **)given;
    return n;
  }
  size_t k = vs_trainable_variables(g, NULL, NULL, 0, st);
  if (!k || vs__failed(st)) return 0;
  vs_var **all = malloc(k * sizeof *all);
  if (!all) {
    vs__oom(st);
    return 0;
  }
  k = vs_trainable_variables(g, NULL, all, k, st); /* the graph is ours under the lock: the same k */
  *list = *owned = all;
  return k;
}

static size_t compute_gradients(vs_optimizer *opt, vs_output loss, const vs_compute_gradients_opts *o,
                                vs_grad_and_var *out, size_t cap, vs_status *st) {
  VS_REQUIRE(opt && loss.op, st, "compute_gradients: optimizer and loss must not be NULL");
  vs_graph *g = loss.op->graph;
  vs_dtype t = loss.op->dtype;
  if (t != VS_FLOAT && t != VS_DOUBLE && t != VS_HALF && t != VS_BFLOAT16) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Invalid type tf.%s for %s, expected: [tf.float32, tf.float64, tf.float16, tf.bfloat16].",
             vs_dtype_name(t), vs_output_name(loss));
    return 0;
  }
  vs_gate_gradients gate = o ? o->gate_gradients : VS_GATE_DEFAULT;
  if (gate != VS_GATE_DEFAULT && gate != VS_GATE_NONE && gate != VS_GATE_OP && gate != VS_GATE_GRAPH) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "gate_gradients must be one of: Optimizer.GATE_NONE, Optimizer.GATE_OP, Optimizer.GATE_GRAPH.  Not %d",
             (int)gate);
    return 0;
  }
  vs__lock(g);
  vs_var **vars = NULL, **owned = NULL;
  size_t n = var_list(g, o ? (const vs_var *const *)o->var_list : NULL, o ? o->n_vars : 0, &vars, &owned, st);
  vs_output *xs = NULL, *grads = NULL;
  if (vs__failed(st)) goto done;
  if (!n) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "No variables to optimize.");
    goto done;
  }
  if (!out && !cap) goto done; /* a sizing call */
  if (!out || cap < n) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "compute_gradients: room for %zu (gradient, variable) pairs is needed, %zu given", n, cap);
    n = 0;
    goto done;
  }
  xs = malloc(n * sizeof *xs);
  grads = calloc(n, sizeof *grads);
  if (!xs || !grads) {
    vs__oom(st);
    n = 0;
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    if (!vars[i] || vars[i]->graph != g) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "compute_gradients: variable %zu is NULL or of another graph than the loss", i);
      n = 0;
      goto done;
    }
    xs[i] = vs_var_value(vars[i]); /* tf.gradients(loss, [v]) */
  }
  vs_gradients(g, &loss, 1, xs, n, &(vs_gradients_opts){.grad_ys = o ? o->grad_loss : NULL,
                                                        .colocate_gradients_with_ops =
                                                            o && o->colocate_gradients_with_ops,
                                                        .gate_gradients = gate == VS_GATE_DEFAULT || gate == VS_GATE_OP},
               grads, st);
  /* GATE_GRAPH: one tuple over all the gradients, in the caller's scopes. */
  if (!vs__failed(st) && gate == VS_GATE_GRAPH) vs__grad_tuple(g, grads, n, false, st);
  if (vs__failed(st)) {
    n = 0;
    goto done;
  }
  for (size_t i = 0; i < n; i++) out[i] = (vs_grad_and_var){.grad = grads[i], .var = vars[i]};
done:
  vs__unlock(g);
  free(owned);
  free(xs);
  free(grads);
  return vs__failed(st) ? 0 : n;
}

VS_API size_t vs_optimizer_compute_gradients(vs_optimizer *opt, vs_output loss, const vs_compute_gradients_opts *opts,
                                             vs_grad_and_var *out, size_t cap, vs_status *st) {
  vs__ok(st);
  return compute_gradients(opt, loss, opts, out, cap, st);
}

VS_API vs_op *vs_optimizer_minimize(vs_optimizer *opt, vs_output loss, const vs_minimize_opts *opts,
                                    vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(opt && loss.op, st, "vs_optimizer_minimize: optimizer and loss must not be NULL");
  vs_compute_gradients_opts co = {0};
  if (opts)
    co = (vs_compute_gradients_opts){.var_list = opts->var_list, .n_vars = opts->n_vars,
                                     .grad_loss = opts->grad_loss,
                                     .colocate_gradients_with_ops = opts->colocate_gradients_with_ops,
                                     .gate_gradients = opts->gate_gradients};
  vs_graph *g = loss.op->graph;
  vs__lock(g);
  vs_op *train = NULL;
  size_t n = compute_gradients(opt, loss, &co, NULL, 0, st);
  vs_grad_and_var *gv = n ? malloc(n * sizeof *gv) : NULL;
  if (n && !gv) vs__oom(st);
  if (gv) n = compute_gradients(opt, loss, &co, gv, n, st);
  if (gv && n) {
    size_t with = 0;
    for (size_t i = 0; i < n; i++) with += gv[i].grad.op != NULL;
    if (!with) {
      char *list = vars_list_repr(gv, n), t[512];
      vs__tensor_repr(loss, t, sizeof t);
      if (!list) vs__oom(st);
      else
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
                 "No gradients provided for any variable, check your graph for ops that do not support gradients, "
                 "between variables %s and loss %s.",
                 list, t);
      free(list);
    } else {
      train = vs_optimizer_apply_gradients(
          opt, gv, n, &(vs_apply_opts){.global_step = opts ? opts->global_step : NULL, .name = opts ? opts->name : NULL},
          st);
    }
  }
  vs__unlock(g);
  free(gv);
  return train;
}
