/* plan.c - building and caching a session's run plans (see plan.h). */
#include <stdlib.h>
#include <string.h>

#include "exec/inline.h"
#include "exec/plan.h"
#include "kernels/kernels_internal.h"

static bool is_fed(const vs_op *op, const vs_output *feeds, int nfeeds) {
  for (int i = 0; i < nfeeds; i++)
    if (feeds[i].op == op) return true;
  return false;
}

/* The needed subgraph in dependency order: a post-order DFS with an
 * explicit stack (deep chains do not recurse). `mark` is a slot map under
 * construction: 1 visiting, 2 done. */
typedef struct builder {
  vs_op **order;
  size_t n, cap;
  size_t *keys;      /* op index + 1 */
  unsigned char *mark;
  size_t mask;
} builder;

static size_t find(const builder *b, const vs_op *op) { return vs__idx_slot(b->keys, b->mask, op->index + 1); }

static bool grow_map(builder *b) {
  size_t cap = (b->mask + 1) * 2;
  size_t *keys = calloc(cap, sizeof *keys);
  unsigned char *mark = calloc(cap, 1);
  if (!keys || !mark) {
    free(keys);
    free(mark);
    return false;
  }
  builder nb = {.keys = keys, .mark = mark, .mask = cap - 1};
  for (size_t i = 0; i <= b->mask; i++)
    if (b->keys[i]) {
      size_t key = b->keys[i], j = vs__idx_slot(keys, nb.mask, key);
      keys[j] = key;
      mark[j] = b->mark[i];
    }
  free(b->keys);
  free(b->mark);
  b->keys = keys;
  b->mark = mark;
  b->mask = nb.mask;
  return true;
}

/* The mark entry of op, added (0) when new; NULL when out of memory. */
static unsigned char *mark_of(builder *b, const vs_op *op, size_t *entries) {
  size_t i = find(b, op);
  if (!b->keys[i]) {
    if ((*entries + 1) * 2 > b->mask + 1) { /* keep the map at most half full */
      if (!grow_map(b)) return NULL;
      i = find(b, op);
    }
    b->keys[i] = op->index + 1;
    ++*entries;
  }
  return &b->mark[i];
}

static bool visit(builder *b, size_t *entries, vs_op *root, const vs_output *feeds, int nfeeds, vs_status *st) {
  typedef struct { vs_op *op; int next; } frame;
  frame *stack = NULL;
  size_t depth = 0, cap = 0;
  unsigned char *m = mark_of(b, root, entries);
  if (!m) goto oom;
  if (*m) return true;
  if (!VS_GROW(stack, cap, 1)) goto oom;
  stack[depth++] = (frame){root, 0};
  *m = 1;
  while (depth) {
    frame *f = &stack[depth - 1];
    vs_op *op = f->op;
    bool fed = is_fed(op, feeds, nfeeds);
    int n_in = fed ? 0 : op->n_inputs, n_all = fed ? 0 : op->n_inputs + op->n_controls;
    if (f->next == 0 && n_in == 1 && vs__plan_folds(op)) { /* the fold computes no input */
      f->next = 1;
      continue;
    }
    if (f->next < n_all) {
      vs_op *dep = f->next < n_in ? op->inputs[f->next].op : op->controls[f->next - n_in];
      f->next++;
      if (!(m = mark_of(b, dep, entries))) goto oom;
      if (*m == 1) {
        free(stack);
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR, "graph has a cycle through %s", dep->name);
        return false;
      }
      if (*m == 0) {
        if (!VS_GROW(stack, cap, depth + 1)) goto oom;
        *m = 1;
        stack[depth++] = (frame){dep, 0};
      }
      continue;
    }
    *mark_of(b, op, entries) = 2; /* present: no allocation */
    if (!VS_GROW(b->order, b->cap, b->n + 1)) goto oom;
    b->order[b->n++] = op;
    depth--;
  }
  free(stack);
  return true;
oom:
  free(stack);
  vs__oom(st);
  return false;
}

static void plan_free(vs_plan *p) {
  if (!p) return;
  for (size_t i = 0; i < p->n_steps; i++) {
    if (p->steps[i].constant) vs__buffer_release(p->steps[i].constant);
    if (p->steps[i].desc) vs__buffer_release(p->steps[i].desc);
    free(p->steps[i].desc_v);
    free(p->steps[i].choices); /* plain data (choice_memo.h) */
  }
  free(p->sig);
  free(p->steps);
  free(p->uses);
  free(p->relu_fused);
  free(p->keys);
  free(p->vals);
  free(p->values);
  vs__batches_free(p);
  vs__inline_free(p);
  free(p);
}

static uint64_t signature_hash(const vs_output *feeds, int nfeeds, const vs_output *fetches, int nfetches,
                               vs_op *const *targets, int ntargets) {
  uint64_t h = 1469598103934665603ull;
#define MIX(x) (h = (h ^ (uint64_t)(x)) * 1099511628211ull)
  MIX(nfeeds), MIX(nfetches), MIX(ntargets);
  for (int i = 0; i < nfeeds; i++) MIX(feeds[i].op->index);
  for (int i = 0; i < nfetches; i++) MIX(fetches[i].op->index);
  for (int i = 0; i < ntargets; i++) MIX(targets[i]->index);
#undef MIX
  return h;
}

static bool same_signature(const vs_plan *p, const vs_output *feeds, int nfeeds, const vs_output *fetches,
                           int nfetches, vs_op *const *targets, int ntargets) {
  if (p->n_feeds != nfeeds || p->n_fetches != nfetches || p->n_targets != ntargets) return false;
  vs_op *const *s = p->sig;
  for (int i = 0; i < nfeeds; i++)
    if (*s++ != feeds[i].op) return false;
  for (int i = 0; i < nfetches; i++)
    if (*s++ != fetches[i].op) return false;
  for (int i = 0; i < ntargets; i++)
    if (*s++ != targets[i]) return false;
  return true;
}

/* Fusion, decided once: an activation whose producer has an epilogue that
 * can apply it (BiasAdd, a bias-like AddV2) and no other consumer runs in
 * the producer's pass. */
static void fuse(vs_plan *p) {
  for (size_t i = 0; i < p->n_steps; i++) {
    const vs_op *op = p->steps[i].op, *in = op->n_inputs ? op->inputs[0].op : NULL;
    if ((op->def->flags & VS_OPF_ACTIVATION) && in && (in->def->flags & VS_OPF_ACT_EPILOGUE)) {
      uint32_t slot = vs__plan_slot(p, in);
      if (p->uses[slot] == 1) p->relu_fused[slot] = 1;
    }
  }
}

/* Conv2D -> BiasAdd -> [Relu] as one step: the conv applies the bias and
 * the activation as it stores its output (kernels/conv2d.c), which saves a
 * pass over the output each. Fused when each intermediate is a step whose
 * value has that one consumer and is not fetched (uses counts a fetch as
 * 2), nothing waits on it through a control input, the three ops run on
 * one device, and the dtype is one the conv kernels compute (float32,
 * float64). The conv step moves to the last fused op's place: everything
 * the fused ops read (the bias) has run by then, and between the two
 * places run only the bias's own inputs and the Relu's control inputs,
 * none of which reads the intermediates. The dropped steps' values are
 * filled by the conv step (their slots are kept: compact()). */
static bool fuse_conv(vs_plan *p, vs_status *st) {
  size_t n = p->n_steps, none = SIZE_MAX;
  size_t *pos = malloc((p->n_slots ? p->n_slots : 1) * sizeof *pos), *anchor = malloc((n ? n : 1) * sizeof *anchor);
  unsigned char *waited = calloc(p->n_slots ? p->n_slots : 1, 1);
  if (!pos || !anchor || !waited) {
    free(pos), free(anchor), free(waited);
    vs__oom(st);
    return false;
  }
  for (size_t i = 0; i < p->n_slots; i++) pos[i] = none;
  for (size_t i = 0; i < n; i++) {
    const vs_op *op = p->steps[i].op;
    pos[p->steps[i].slot] = i;
    anchor[i] = none;
    for (int c = 0; c < op->n_controls; c++) waited[vs__plan_slot(p, op->controls[c])] = 1;
  }
  bool any = false;
  for (size_t j = 0; j < n; j++) {
    vs_step *bs = &p->steps[j];
    vs_op *bias = bs->op, *conv = bias->n_inputs == 2 ? bias->inputs[0].op : NULL;
    if (bs->kind != VS_STEP_KERNEL || strcmp(vs__op_type(bias), "BiasAdd") != 0 || strcmp(vs__op_type(conv), "Conv2D") != 0 ||
        (conv->dtype != VS_FLOAT && conv->dtype != VS_DOUBLE))
      continue;
    uint32_t cslot = vs__plan_slot(p, conv);
    size_t ci = pos[cslot];
    if (ci == none || p->steps[ci].kind != VS_STEP_KERNEL || p->steps[ci].dev != bs->dev || p->uses[cslot] != 1 ||
        waited[cslot])
      continue;
    size_t last = j;
    vs_op *relu = NULL;
    if (p->uses[bs->slot] == 1 && !waited[bs->slot])
      for (size_t k = j + 1; k < n; k++) /* the one consumer, after the BiasAdd */
        if (p->steps[k].op->n_inputs == 1 && p->steps[k].op->inputs[0].op == bias) {
          if (p->steps[k].kind == VS_STEP_KERNEL && strcmp(vs__op_type(p->steps[k].op), "Relu") == 0 &&
              p->steps[k].dev == bs->dev)
            relu = p->steps[k].op, last = k;
          break;
        }
    p->steps[ci].fused_bias = bias;
    p->steps[ci].fused_relu = relu;
    anchor[ci] = SIZE_MAX - 1; /* moves */
    anchor[j] = j == last ? ci : SIZE_MAX - 1;
    if (relu) anchor[last] = ci;
    any = true;
  }
  vs_step *old = any ? malloc(n * sizeof *old) : NULL;
  if (old) { /* the new order: a moved conv at its anchor, the fused steps gone */
    memcpy(old, p->steps, n * sizeof *old);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
      if (anchor[i] == none) p->steps[kept++] = old[i];
      else if (anchor[i] != SIZE_MAX - 1) p->steps[kept++] = old[anchor[i]];
    }
    p->n_steps = kept;
  }
  free(pos), free(anchor), free(waited), free(old);
  if (any && !old) vs__oom(st);
  return !any || old;
}

/* After batching, the ops a batch absorbed (its random chains, constants
 * and variable ops) have no step and no consumer left: their slots go, so a
 * plan initialising N variables holds values for its steps, not for every
 * op of every initializer (about 1.3 KB per glorot variable). Kept: the
 * steps, the batched Assigns that something in the plan reads or fetches
 * (a global initializer's are read by nothing: its NoOp only waits for
 * them; issue 10, 120 B of value and a map entry each), feeds and
 * fetches. The batch entries learn their Assign's new slot, or none. */
static bool compact(vs_plan *p, const vs_output *feeds, int nfeeds, const vs_output *fetches, int nfetches,
                    vs_status *st) {
  uint32_t *remap = malloc((p->n_slots ? p->n_slots : 1) * sizeof *remap);
  if (!remap) goto oom;
  for (size_t i = 0; i < p->n_slots; i++) remap[i] = UINT32_MAX;
  for (size_t i = 0; i < p->n_steps; i++) {
    remap[p->steps[i].slot] = 0;
    if (p->steps[i].fused_bias) remap[vs__plan_slot(p, p->steps[i].fused_bias)] = 0; /* the conv step fills them */
    if (p->steps[i].fused_relu) remap[vs__plan_slot(p, p->steps[i].fused_relu)] = 0;
  }
  for (size_t b = 0; b < p->n_batches; b++)
    for (size_t k = 0; k < p->batches[b].n_entries; k++) {
      uint32_t slot = p->batches[b].entries[k].slot;
      if (p->uses[slot]) remap[slot] = 0;
    }
  for (int i = 0; i < nfeeds; i++) remap[vs__plan_slot(p, feeds[i].op)] = 0;
  for (int i = 0; i < nfetches; i++) remap[vs__plan_slot(p, fetches[i].op)] = 0;
  uint32_t kept = 0;
  for (size_t i = 0; i < p->n_slots; i++)
    if (remap[i] == 0) remap[i] = kept++ + 1; /* + 1: 0 means kept-but-unnumbered above */
  for (size_t b = 0; b < p->n_batches; b++)
    for (size_t k = 0; k < p->batches[b].n_entries; k++) {
      vs_batch_entry *e = &p->batches[b].entries[k];
      e->slot = remap[e->slot] == UINT32_MAX ? VS_NO_SLOT : remap[e->slot] - 1;
    }
  if (kept == p->n_slots) {
    free(remap);
    return true;
  }
  size_t cap = 16;
  while (cap < 2 * (size_t)kept) cap *= 2;
  size_t *keys = calloc(cap, sizeof *keys);
  uint32_t *vals = malloc(cap * sizeof *vals), *uses = calloc(kept ? kept : 1, sizeof *uses);
  unsigned char *fused = calloc(kept ? kept : 1, 1);
  if (!keys || !vals || !uses || !fused) {
    free(keys), free(vals), free(uses), free(fused), free(remap);
    goto oom;
  }
  for (size_t i = 0; i <= p->mask; i++) {
    if (!p->keys[i] || remap[p->vals[i]] == UINT32_MAX) continue;
    uint32_t slot = remap[p->vals[i]] - 1;
    size_t j = vs__idx_slot(keys, cap - 1, p->keys[i]);
    keys[j] = p->keys[i];
    vals[j] = slot;
    uses[slot] = p->uses[p->vals[i]];
    fused[slot] = p->relu_fused[p->vals[i]];
  }
  for (size_t i = 0; i < p->n_steps; i++) p->steps[i].slot = remap[p->steps[i].slot] - 1;
  free(p->keys), free(p->vals), free(p->uses), free(p->relu_fused), free(remap);
  p->keys = keys, p->vals = vals, p->uses = uses, p->relu_fused = fused;
  p->mask = cap - 1;
  p->n_slots = kept;
  return true;
oom:
  vs__oom(st);
  return false;
}

/* TF's session places the whole graph before its first run (and each
 * extension of it): an op no kernel can run fails every run, whatever is
 * fetched, even one whose plan was cached before that op was added. The
 * ops of varscope's registry that TF has no kernel for are the bool and
 * string resource updates (kernels/resource.c). Each run checks only the
 * ops added since the session's last check, so a cache hit on an unchanged
 * graph costs one comparison. The graph lock is held. */
static unsigned op_flags(const vs_op *op) { return op->def ? op->def->flags : 0; }

/* The variable a read or a write of the plan names through its input 0:
 * the variable's own op (VariableV2's ref, VarHandleOp's handle). NULL
 * for anything else (a handle through tf.identity), which names no
 * variable the plan can know statically. */
static vs_var *input_variable(const vs_op *op) {
  if (op->n_inputs < 1) return NULL;
  vs_var *v = vs__op_var(op->inputs[0].op);
  return v && v->op == op->inputs[0].op ? v : NULL;
}

/* Reads that may borrow their variable's buffer (vs_step.borrows_var).
 * TensorFlow's read of a ref variable forwards its buffer and a resource
 * variable's read shares it until a write copies on write; varscope's
 * copy cost a memcpy of the whole variable every run (a conv's 16 MB
 * input: 10-30% of its run's CPU time, docs/conv-performance.md). The
 * borrowed value must equal a copy exactly: nothing may write the variable
 * between the read and the last use of its value. Runs of a session are
 * serial and a session's variables are its own, so only the plan's own
 * steps could, and a read borrows when
 *   - no step of the plan writes its variable, or
 *   - every write of it comes after the read and after every step that
 *     uses the read's value (through the ops that pass input 0's buffer on,
 *     VS_OPF_ALIAS_INPUT), none of those values is fetched, and the read,
 *     those users and the writes are on one device: its in-order queue runs
 *     the users before the write (a training step: the forward and
 *     backward passes read the weights before the optimizer updates them).
 * Otherwise it copies, as before (a read fetched beside the update, a
 * read whose user runs after a write). A write whose variable is not
 * known statically turns borrowing off for the plan. A borrowed value is
 * not owned: no consumer takes it over to write in place (BiasAdd's
 * in-place epilogue checks `owned`), and the run does not recycle it. */
#define NO_DEVICE ((size_t)-1)
#define MIXED ((size_t)-2)
#define FOREVER ((size_t)-1)

static size_t same_device(size_t have, size_t dev) { return have == NO_DEVICE || have == dev ? dev : MIXED; }

static bool mark_borrowed_reads(vs_plan *p, const vs_output *fetches, int nfetches, vs_status *st) {
  size_t cap = 0;
  for (size_t i = 0; i < p->n_steps; i++) {
    const vs_op *op = p->steps[i].op;
    if (!(op_flags(op) & (VS_OPF_VAR_READ | VS_OPF_STATEFUL))) continue;
    vs_var *v = input_variable(op);
    if (!v && (op_flags(op) & VS_OPF_STATEFUL)) return true; /* a write the plan cannot place: no borrowing */
    if (v && v->index + 1 > cap) cap = v->index + 1;
  }
  if (!cap) return true;
  size_t n = p->n_slots ? p->n_slots : 1;
  size_t *first_write = malloc(cap * sizeof *first_write), *write_dev = malloc(cap * sizeof *write_dev);
  size_t *last_use = calloc(n, sizeof *last_use), *use_dev = malloc(n * sizeof *use_dev);
  if (!first_write || !write_dev || !last_use || !use_dev) {
    free(first_write), free(write_dev), free(last_use), free(use_dev);
    vs__oom(st);
    return false;
  }
  for (size_t v = 0; v < cap; v++) first_write[v] = FOREVER, write_dev[v] = NO_DEVICE;
  for (size_t k = 0; k < n; k++) use_dev[k] = NO_DEVICE;
  for (int f = 0; f < nfetches; f++) last_use[vs__plan_slot(p, fetches[f].op)] = FOREVER;
  /* Backwards, so that a value passed on (Reshape of a run value) has its
   * users' last step and devices when the op passing it is reached. */
  for (size_t i = p->n_steps; i-- > 0;) {
    const vs_step *sp = &p->steps[i];
    if (sp->kind == VS_STEP_BATCH) { /* every variable of the batch is written here, at its first Assign */
      const vs_batch *b = &p->batches[sp->batch];
      for (size_t e = 0; e < b->n_entries; e++) {
        size_t v = b->entries[e].var->index;
        if (v >= cap) continue; /* a variable no step reads */
        first_write[v] = i;
        write_dev[v] = same_device(write_dev[v], sp->dev);
      }
      continue; /* its inputs are constants and random ops, no reads */
    }
    /* A conv step computes the BiasAdd and Relu fused into it (plan.c's
     * fuse_conv): their inputs are read here too. */
    const vs_op *ops[3] = {sp->op, sp->fused_bias, sp->fused_relu};
    for (int o = 0; o < 3 && ops[o]; o++) {
      const vs_op *op = ops[o];
      if (op_flags(op) & VS_OPF_STATEFUL) {
        size_t v = input_variable(op)->index;
        first_write[v] = i;
        write_dev[v] = same_device(write_dev[v], sp->dev);
      }
      if (sp->folded) continue; /* a folded Rank reads no input */
      for (int k = 0; k < op->n_inputs; k++) {
        uint32_t in = vs__plan_slot(p, op->inputs[k].op);
        size_t last = i, dev = sp->dev;
        if (o == 0 && k == 0 && (op_flags(op) & VS_OPF_ALIAS_INPUT)) { /* its users use the input's buffer too */
          size_t later = last_use[sp->slot];
          last = later == FOREVER || later > last ? later : last;
          dev = use_dev[sp->slot] == NO_DEVICE ? dev : same_device(use_dev[sp->slot], dev);
        }
        if (last_use[in] != FOREVER && (last == FOREVER || last > last_use[in])) last_use[in] = last;
        use_dev[in] = same_device(use_dev[in], dev);
      }
    }
  }
  for (size_t i = 0; i < p->n_steps; i++) {
    vs_step *sp = &p->steps[i];
    vs_var *v = (op_flags(sp->op) & VS_OPF_VAR_READ) ? input_variable(sp->op) : NULL;
    if (!v) continue;
    size_t w = first_write[v->index], last = last_use[sp->slot];
    sp->borrows_var = w == FOREVER || (last != FOREVER && i < w && last < w && write_dev[v->index] == sp->dev &&
                                       (use_dev[sp->slot] == NO_DEVICE || use_dev[sp->slot] == sp->dev));
  }
  free(first_write), free(write_dev), free(last_use), free(use_dev);
  return true;
}

static bool graph_has_kernels(vs_session *s, vs_status *st) {
  const vs_graph *g = s->graph;
  for (; !s->no_kernel && s->kernels_checked < g->n_ops; s->kernels_checked++)
    if (!vs__resource_update_has_kernel(g->ops[s->kernels_checked], NULL)) s->no_kernel = g->ops[s->kernels_checked];
  /* The text is made at each failing run: TF's attrs list the control
   * inputs the op has by then (_has_manual_control_dependencies). */
  return !s->no_kernel || vs__resource_update_has_kernel(s->no_kernel, st);
}

static vs_plan *build(vs_session *s, const vs_output *feeds, int nfeeds, const vs_output *fetches, int nfetches,
                      vs_op *const *targets, int ntargets, uint64_t hash, vs_status *st) {
  builder b = {.keys = calloc(16, sizeof(size_t)), .mark = calloc(16, 1), .mask = 15};
  size_t entries = 0;
  vs_plan *p = calloc(1, sizeof *p);
  int nsig = nfeeds + nfetches + ntargets;
  if (!b.keys || !b.mark || !p || !(p->sig = malloc((size_t)(nsig ? nsig : 1) * sizeof *p->sig))) goto oom;
  p->hash = hash;
  p->n_feeds = nfeeds, p->n_fetches = nfetches, p->n_targets = ntargets;
  p->epoch = s->graph->plan_epoch;
  for (int i = 0; i < nfeeds; i++) p->sig[i] = feeds[i].op;
  for (int i = 0; i < nfetches; i++) p->sig[nfeeds + i] = fetches[i].op;
  for (int i = 0; i < ntargets; i++) p->sig[nfeeds + nfetches + i] = targets[i];
  for (int i = 0; i < nfetches; i++)
    if (!visit(&b, &entries, fetches[i].op, feeds, nfeeds, st)) goto fail;
  for (int i = 0; i < ntargets; i++)
    if (!visit(&b, &entries, targets[i], feeds, nfeeds, st)) goto fail;
  /* What the inputs of folded Ranks still run joins the plan (exec/fold.c);
   * b.order grows meanwhile, so the loop re-reads it. */
  for (size_t i = 0; i < b.n; i++) {
    if (is_fed(b.order[i], feeds, nfeeds) || !vs__plan_folds(b.order[i])) continue;
    vs_op **kept = NULL;
    size_t n_kept = 0;
    if (!vs__fold_kept(b.order[i], &kept, &n_kept, st)) goto fail;
    for (size_t k = 0; k < n_kept; k++)
      if (!visit(&b, &entries, kept[k], feeds, nfeeds, st)) {
        free(kept);
        goto fail;
      }
    free(kept);
  }
  for (int i = 0; i < nfeeds; i++) /* a feed nothing needs still gets a slot for its value */
    if (!mark_of(&b, feeds[i].op, &entries)) goto oom;
  /* Slots: the visited ops in order, then the feeds not visited. */
  p->n_slots = entries;
  p->keys = b.keys;
  p->mask = b.mask;
  b.keys = NULL;
  if (!(p->vals = malloc((p->mask + 1) * sizeof *p->vals)) || !(p->steps = calloc(b.n ? b.n : 1, sizeof *p->steps)) ||
      !(p->uses = calloc(entries ? entries : 1, sizeof *p->uses)) ||
      !(p->relu_fused = calloc(entries ? entries : 1, 1)))
    goto oom;
  uint32_t next = 0;
  for (size_t i = 0; i < b.n; i++) p->vals[find(&(builder){.keys = p->keys, .mask = p->mask}, b.order[i])] = next++;
  for (size_t i = 0; i <= p->mask; i++)
    if (p->keys[i] && b.mark[i] == 0) p->vals[i] = next++; /* unvisited feeds */
  /* Steps, placed now: an unplaceable op fails the run before anything runs. */
  for (size_t i = 0; i < b.n; i++) {
    vs_op *op = b.order[i];
    vs_step *step = &p->steps[p->n_steps++];
    *step = (vs_step){.kind = VS_STEP_KERNEL, .op = op, .slot = vs__plan_slot(p, op), .folded = vs__plan_folds(op)};
    if (is_fed(op, feeds, nfeeds)) { /* its value comes from the feed: no step */
      p->n_steps--;
      continue;
    }
    if (!vs__session_place(s, op, &step->dev, st)) goto fail;
    /* Its Philox offset, kept by the session (a run cannot fail for it). */
    if (vs__rng_is_random(op) && !vs__rng_add(s, op, st)) goto fail;
    if (step->dev < 64) p->devs |= 1ull << step->dev;
  }
  /* A fed op and a folded Rank read no input: theirs need not be in the
   * plan (a fed intermediate's inputs are not computed). */
  for (size_t i = 0; i < b.n; i++)
    for (int k = 0; k < b.order[i]->n_inputs; k++)
      if (!is_fed(b.order[i], feeds, nfeeds) && !vs__plan_folds(b.order[i]))
        p->uses[vs__plan_slot(p, b.order[i]->inputs[k].op)]++;
  for (int i = 0; i < nfetches; i++) p->uses[vs__plan_slot(p, fetches[i].op)] += 2;
  fuse(p);
  /* Borrowing is decided on the steps as they will run: fused and batched
   * (a batch writes its variables at its first Assign), before compact
   * renumbers the slots. */
  if (!fuse_conv(p, st) || !vs__plan_batch(p, s, st) || !mark_borrowed_reads(p, fetches, nfetches, st) ||
      !compact(p, feeds, nfeeds, fetches, nfetches, st))
    goto fail;
  if (!(p->values = calloc(p->n_slots ? p->n_slots : 1, sizeof *p->values))) goto oom;
  /* The steps array was sized for every visited op; batching leaves about
   * one in nine of an initializer's (issue 10: 648 B a glorot variable). */
  vs_step *fit = p->n_steps < b.n ? realloc(p->steps, (p->n_steps ? p->n_steps : 1) * sizeof *fit) : NULL;
  if (fit) p->steps = fit; /* a failed shrink keeps the larger array */
  vs__inline_prepare(p); /* whether its runs may go on the host (never fails the build) */
  free(b.order);
  free(b.mark);
  s->plan_builds++;
  return p;
oom:
  vs__oom(st);
fail:
  free(b.order);
  free(b.keys);
  free(b.mark);
  plan_free(p);
  return NULL;
}

vs_plan *vs__plan_get(vs_session *s, const vs_output *feeds, int nfeeds, const vs_output *fetches, int nfetches,
                      vs_op *const *targets, int ntargets, vs_status *st) {
  if (!graph_has_kernels(s, st)) return NULL;
  uint64_t hash = signature_hash(feeds, nfeeds, fetches, nfetches, targets, ntargets);
  vs_plan **link = &s->plans;
  size_t count = 0;
  for (vs_plan *p = s->plans; p; link = &p->next, p = p->next, count++) {
    if (p->hash != hash || !same_signature(p, feeds, nfeeds, fetches, nfetches, targets, ntargets)) continue;
    *link = p->next; /* unlinked: it goes back to the front, or is rebuilt */
    if (p->epoch == s->graph->plan_epoch) {
      p->next = s->plans;
      s->plans = p;
      return p;
    }
    plan_free(p);
    break;
  }
  vs_plan *p = build(s, feeds, nfeeds, fetches, nfetches, targets, ntargets, hash, st);
  if (!p) return NULL;
  p->next = s->plans;
  s->plans = p;
  /* Drop the least recently used beyond the cache's size. */
  count = 0;
  for (vs_plan **l = &s->plans; *l; l = &(*l)->next)
    if (++count == VS_PLAN_CACHE) {
      vs_plan *rest = (*l)->next;
      (*l)->next = NULL;
      while (rest) {
        vs_plan *n = rest->next;
        plan_free(rest);
        rest = n;
      }
      break;
    }
  return p;
}

void vs__plans_free(vs_session *s) {
  while (s->plans) {
    vs_plan *n = s->plans->next;
    plan_free(s->plans);
    s->plans = n;
  }
}

uint64_t vs__plan_builds(const vs_session *s) { return s->plan_builds; }
