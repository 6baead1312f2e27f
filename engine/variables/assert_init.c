/* assert_init.c - tf.compat.v1.assert_variables_initialized, as TF 2.21
 * builds it: for each variable, under colocate_with(v.op), a Rank op of
 * the variable's value ("Rank", "Rank_1", ...; a resource variable's value
 * read anew as "Rank/ReadVariableOp"); one variable returns its Rank,
 * several are stacked into a Pack ("stack"). Running it reads each ref
 * variable, so an uninitialised one fails as any read does; a Rank whose
 * input has a known rank is folded by the plan (exec/fold.c) as TF's
 * grappler folds it, so resource variables' reads do not run and an
 * uninitialised one passes, as in TF 2.21. */
#include <stdlib.h>
#include <string.h>

#include "variables/variables_internal.h"

/* rank_internal(x, optimize=False) under colocate_with(coloc), in name
 * scope "Rank". A resource variable's value is taken there as
 * convert_to_tensor(v) takes it: a new "Rank/ReadVariableOp" with no
 * colocation group, or its cached read when it has a caching_device. */
static vs_op *rank_of(vs_graph *g, vs_thread_state *ts, vs_output x, vs_var *resource, vs_op *coloc,
                      vs_status *st) {
  vs_colocation_scope *c = vs_colocate_with(g, coloc, false, st);
  if (!c) return NULL;
  vs_op *op = NULL;
  const char *scope = vs__name_scope_enter(g, ts, "Rank", st);
  if (scope && resource) x = vs__resource_value(g, ts, resource, st);
  char *name = scope && x.op ? vs__strndup(scope, scope[0] ? strlen(scope) - 1 : 0) : NULL;
  if (scope && x.op && !name) vs__oom(st);
  if (name)
    op = vs__op_create(g, &(vs_op_spec){.type = "Rank", .name = name, .inputs = &x, .n_inputs = 1,
                                        .has_output = true, .dtype = VS_INT32, .shape = VS_SCALAR},
                       st);
  free(name);
  if (scope) vs__name_scope_pop(ts);
  vs_colocation_scope_pop(g, c, op ? st : NULL);
  return op && !vs__failed(st) ? op : NULL;
}

VS_API vs_output vs_assert_variables_initialized(vs_graph *g, vs_var *const *vars, size_t n,
                                                 vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g && (vars || n == 0), st, "vs_assert_variables_initialized: bad arguments");
  for (size_t i = 0; vars && i < n; i++)
    if (!vars[i] || vars[i]->graph != g) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "vs_assert_variables_initialized: variable %zu is NULL or of another graph", i);
      return (vs_output){NULL, 0};
    }
  vs__lock(g);
  vs_output result = {NULL, 0};
  vs_thread_state *ts = vs__thread(g, st);
  /* The values to check: the variables' values (v/read); with none given,
   * global + local variables; with none of those either, the output of
   * every variable op of the graph (TF's "old-style variables"). */
  vs_output *xs = NULL;
  vs_op **colocs = NULL;
  vs_var **resources = NULL; /* the resource variable behind xs[i], else NULL */
  size_t count = 0;
  if (!ts) goto done;
  size_t cap = vars && n > g->n_vars ? n : g->n_vars;
  if (cap && (!(xs = malloc(cap * sizeof *xs)) || !(colocs = malloc(cap * sizeof *colocs)) ||
              !(resources = calloc(cap, sizeof *resources)))) {
    vs__oom(st);
    goto done;
  }
  if (vars) {
    for (; count < n; count++) {
      xs[count] = (vs_output){vars[count]->read, 0};
      colocs[count] = vars[count]->op;
      resources[count] = vars[count]->resource ? vars[count] : NULL;
    }
  } else {
    const char *keys[2] = {VS_GLOBAL_VARIABLES, VS_LOCAL_VARIABLES};
    for (int k = 0; k < 2; k++) {
      size_t m = vs__collection_get(g, keys[k], NULL, VS_ITEM_VAR, NULL, 0, st);
      vs_item *items = m ? malloc(m * sizeof *items) : NULL;
      if (m && !items) {
        vs__oom(st);
        goto done;
      }
      vs__collection_get(g, keys[k], NULL, VS_ITEM_VAR, items, m, st);
      for (size_t i = 0; i < m && count < cap; i++, count++) {
        xs[count] = (vs_output){items[i].var->read, 0};
        colocs[count] = items[i].var->op;
        resources[count] = items[i].var->resource ? items[i].var : NULL;
      }
      free(items);
    }
  }
  if (count == 0)
    for (size_t i = 0; i < g->n_vars && count < cap; i++)
      if (g->vars[i]->op && !g->vars[i]->resource) { /* a VariableV2's own (ref) output, as TF lists them */
        xs[count] = (vs_output){g->vars[i]->op, 0};
        colocs[count++] = g->vars[i]->op;
      }
  if (count == 0) goto done; /* TF returns None */
  vs_output *ranks = malloc(count * sizeof *ranks);
  if (!ranks) {
    vs__oom(st);
    goto done;
  }
  size_t made = 0;
  for (; made < count; made++) {
    vs_op *r = rank_of(g, ts, xs[made], resources[made], colocs[made], st);
    if (!r) break;
    ranks[made] = (vs_output){r, 0};
  }
  if (made == count && count == 1) {
    result = ranks[0];
  } else if (made == count) {
    /* array_ops_stack.stack(ranks): Pack named "stack". */
    vs_op *pack = vs__op_in_scope(g, ts, "stack",
                                  &(vs_op_spec){.type = "Pack", .inputs = ranks, .n_inputs = (int)count,
                                                .has_output = true, .dtype = VS_INT32,
                                                .shape = {.known = true, .rank = 1, .dims = {(int64_t)count}}},
                                  st);
    if (pack) result = (vs_output){pack, 0};
  }
  free(ranks);
done:
  free(xs);
  free(colocs);
  free(resources);
  vs__unlock(g);
  return result;
}
