/* slots.c - the optimizers' slot and non-slot variables, as
 * tensorflow/python/training/slot_creator.py and Optimizer make them:
 * ordinary graph variables (so savers and checkpoints keep them), named
 * after their primary variable, colocated with it (colocate_with: its
 * device and its colocation group, "loc:@<primary>"), never trainable, and
 * of its kind: resource variables for a resource primary, RefVariables
 * otherwise (TF passes use_resource=is_resource_variable(primary), so the
 * graph's enable_resource_variables does not decide). */
#include <stdlib.h>
#include <string.h>

#include "placement/placement_internal.h"
#include "train/train_internal.h"
#include "variables/variables_internal.h"
#include "varscope/device.h"

/* The variable's own init_scope inside colocate_vars_with(primary):
 * colocate_with empties the device stack, and init_scope restores the
 * innermost non-empty one, the stack the colocation hid. So a slot of a
 * variable without a device, made in tf.device("/device:GPU:3"), is on
 * GPU:3 (its initializer, built under device(None), on none); with a
 * device the primary's colocation still decides. outer_devices() is
 * called before the colocation is entered and returns the stack to lend,
 * lend_devices() lends it inside, return_devices() takes it back before
 * the colocation is left. The graph lock is held. */
static struct vs_device_stack *outer_devices(vs_graph *g, vs_status *st) {
  vs_thread_state *ts = vs__thread(g, st);
  return ts && ts->devices && ts->devices->n > 0 ? ts->devices : NULL;
}
static void lend_devices(vs_graph *g, struct vs_device_stack *outer) {
  vs_thread_state *ts = outer ? vs__thread(g, NULL) : NULL;
  if (ts && !ts->devices) ts->devices = outer;
}
static void return_devices(vs_graph *g, struct vs_device_stack *outer) {
  vs_thread_state *ts = outer ? vs__thread(g, NULL) : NULL;
  if (ts && ts->devices == outer) ts->devices = NULL;
}

static vs_var *find_slot(const vs_optimizer *opt, const vs_var *primary, const char *slot_name) {
  for (size_t i = 0; i < opt->n_slots; i++)
    if (opt->slots[i].primary == primary && strcmp(opt->slots[i].slot_name, slot_name) == 0)
      return opt->slots[i].slot;
  return NULL;
}

vs_var *vs__opt_slot(vs_optimizer *opt, vs_var *primary, const char *slot_name, const char *op_name,
                     vs_initializer init, vs_status *st) {
  vs_var *have = find_slot(opt, primary, slot_name);
  if (have) return have;
  if (!VS_GROW(opt->slots, opt->slots_cap, opt->n_slots + 1)) {
    vs__oom(st);
    return NULL;
  }
  vs_graph *g = primary->graph;
  /* create_slot_with_initializer: variable_scope(None, "<primary>/<op_name>"),
   * so the default name is uniquified among the current scope's children
   * ("w/Momentum_1" for a second Momentum optimizer). */
  char *scope_name = vs__asprintf("%s/%s", primary->op->name, op_name);
  if (!scope_name) {
    vs__oom(st);
    return NULL;
  }
  vs_var *slot = NULL;
  vs_scope *scope = vs_variable_scope_push(g, NULL, &(vs_varscope_opts){.default_name = scope_name}, st);
  free(scope_name);
  if (!scope) return NULL;
  /* colocate_vars_with(primary): the default strategy's colocate_with. */
  struct vs_device_stack *outer = outer_devices(g, st);
  vs_colocation_scope *coloc = vs__failed(st) ? NULL : vs_colocate_with_var(g, primary, false, st);
  if (coloc) {
    /* _create_slot_var: get_variable("", ...) names the slot after the scope. */
    lend_devices(g, outer);
    slot = vs_get_variable(g, "", &(vs_var_opts){.shape = primary->shape, .dtype = primary->dtype,
                                                  .initializer = init, .trainable = VS_OPT_FALSE,
                                                  .use_resource = primary->resource ? VS_OPT_TRUE : VS_OPT_FALSE},
                           st);
    return_devices(g, outer);
    vs_colocation_scope_pop(g, coloc, slot ? st : NULL);
  }
  vs_status *pop = vs_status_new(); /* a failed pop must not hide the first error */
  vs_variable_scope_pop(g, scope, slot ? st : pop);
  vs_status_free(pop);
  if (!slot || vs__failed(st)) return NULL;
  opt->slots[opt->n_slots++] = (vs_slot_entry){.primary = primary, .slot_name = slot_name, .slot = slot};
  return slot;
}

vs_var *vs__opt_non_slot(vs_optimizer *opt, vs_graph *g, const char *name, double initial,
                         vs_var *colocate_with, vs_status *st) {
  for (size_t i = 0; i < opt->n_nonslots; i++)
    if (opt->nonslots[i].graph == g && strcmp(opt->nonslots[i].name, name) == 0) return opt->nonslots[i].var;
  if (!VS_GROW(opt->nonslots, opt->nonslots_cap, opt->n_nonslots + 1)) {
    vs__oom(st);
    return NULL;
  }
  struct vs_device_stack *outer = outer_devices(g, st);
  vs_colocation_scope *coloc = vs__failed(st) ? NULL : vs_colocate_with_var(g, colocate_with, false, st);
  if (!coloc) return NULL;
  lend_devices(g, outer); /* VariableV1's init_scope, as a slot's */
  /* variable_v1.VariableV1(initial_value=<python float>, name=name,
   * trainable=False, use_resource=is_resource_variable(colocate_with)): a
   * float32 "<name>/initial_value" Const ("<name>/Initializer/
   * initial_value" for a resource variable). */
  float value = (float)initial;
  vs_var *v = vs_variable(g, &(vs_variable_opts){.name = name,
                                                  .initial_value = vs_value_initializer(&value, VS_FLOAT, 1, VS_UNKNOWN_SHAPE),
                                                  .trainable = VS_OPT_FALSE,
                                                  .use_resource = colocate_with->resource ? VS_OPT_TRUE : VS_OPT_FALSE},
                          st);
  return_devices(g, outer);
  vs_colocation_scope_pop(g, coloc, v ? st : NULL);
  if (!v) return NULL;
  opt->nonslots[opt->n_nonslots++] = (vs_nonslot_entry){.graph = g, .name = name, .var = v};
  return v;
}

VS_API vs_var *vs_optimizer_get_slot(const vs_optimizer *opt, const vs_var *var, const char *slot_name) {
  if (!opt || !var || !slot_name) return NULL;
  return find_slot(opt, var, slot_name);
}

VS_API vs_var *vs_optimizer_get_non_slot_variable(const vs_optimizer *opt, const vs_graph *g, const char *name) {
  if (!opt || !g || !name) return NULL;
  for (size_t i = 0; i < opt->n_nonslots; i++)
    if (opt->nonslots[i].graph == g && strcmp(opt->nonslots[i].name, name) == 0) return opt->nonslots[i].var;
  return NULL;
}

/* The slot names each kind makes, sorted as get_slot_names sorts them. */
static size_t slot_names(const vs_optimizer *opt, const char *names[3]) {
  switch (opt->kind) {
    case VS_OPT_MOMENTUM: names[0] = "momentum"; return 1;
    case VS_OPT_ADAM: names[0] = "m"; names[1] = "v"; return 2;
    case VS_OPT_RMSPROP:
      if (!opt->centered) {
        names[0] = "momentum";
        names[1] = "rms";
        return 2;
      }
      names[0] = "mg";
      names[1] = "momentum";
      names[2] = "rms";
      return 3;
    default: return 0;
  }
}

VS_API size_t vs_optimizer_get_slot_names(const vs_optimizer *opt, const char **out, size_t cap) {
  if (!opt) return 0;
  /* TF lists the slot dictionaries it has, i.e. the names used so far. */
  const char *names[3];
  size_t n = slot_names(opt, names), k = 0;
  for (size_t i = 0; i < n; i++) {
    bool used = false;
    for (size_t j = 0; j < opt->n_slots && !used; j++) used = strcmp(opt->slots[j].slot_name, names[i]) == 0;
    if (!used) continue;
    if (out && k < cap) out[k] = names[i];
    k++;
  }
  return k;
}

static int by_name(const void *a, const void *b) {
  return strcmp(vs_var_name(*(vs_var *const *)a), vs_var_name(*(vs_var *const *)b));
}

VS_API size_t vs_optimizer_variables(const vs_optimizer *opt, const vs_graph *g, vs_var **out, size_t cap) {
  if (!opt || !g) return 0;
  size_t n = 0;
  for (size_t i = 0; i < opt->n_nonslots; i++) n += opt->nonslots[i].graph == g;
  for (size_t i = 0; i < opt->n_slots; i++) n += opt->slots[i].slot->graph == g;
  vs_var **all = n ? malloc(n * sizeof *all) : NULL;
  if (!all) return n; /* nothing to fill, or no memory to sort with: the count stands */
  size_t k = 0;
  for (size_t i = 0; i < opt->n_nonslots; i++)
    if (opt->nonslots[i].graph == g) all[k++] = opt->nonslots[i].var;
  for (size_t i = 0; i < opt->n_slots; i++)
    if (opt->slots[i].slot->graph == g) all[k++] = opt->slots[i].slot;
  qsort(all, n, sizeof *all, by_name);
  for (size_t i = 0; out && i < n && i < cap; i++) out[i] = all[i];
  free(all);
  return n;
}
