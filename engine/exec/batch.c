/* batch.c - batched initialisation: a plan's variable initialisations
 * from constants as one launch per (device, dtype, kind), not a chain of
 * kernels per variable (see plan.h). Random values are bit-identical to the
 * unbatched chain: the same Philox groups (cl_kernels/random.cl), then the
 * graph's multiply and add rounded to the dtype one at a time. Fills copy
 * the value's bits (cl_kernels/batch.cl), as clEnqueueFillBuffer does for
 * an unbatched Fill. */
#include <stdlib.h>
#include <string.h>

#include "exec/plan.h"
#include "kernels/kernels_internal.h"

enum { BATCH_WORDS = 9, FILL_WORDS = 4, FILL_CHUNK = 64, MAX_ELEMENTS = 1 << 16, MIN_ENTRIES = 2 };
/* A batch's entries stop at MAX_ENTRIES too: with MAX_BATCH_BYTES below,
 * its parent holds under 2^31 elements however each entry is aligned
 * (vs_batch_entry's 32-bit n and dst). */
enum { MAX_ENTRIES = 1 << 20 };
/* A batch's parent allocation stays well under a device's largest
 * allocation (1 GiB on PoCL): more entries start another batch. */
#define MAX_BATCH_BYTES ((size_t)64 << 20)

typedef struct defs {
  const vs_op_def *assign, *variable, *cnst, *add, *mul, *sub, *uniform, *normal, *truncated, *fill;
} defs;

static bool is_const_scalar(const vs_op *op, const defs *d, vs_dtype t) {
  return op->def == d->cnst && !op->n_controls && op->dtype == t && vs__op_data(op) && vs__op_elements(op) == 1;
}

/* A scalar of dtype t as its bits in a table word. */
static uint64_t bits_of(const void *v, vs_dtype t) {
  uint64_t b = 0;
  memcpy(&b, v, t == VS_DOUBLE ? 8 : 4);
  return b;
}

static bool used_once(const vs_plan *p, const vs_op *op) {
  return !op->n_controls && p->uses[vs__plan_slot(p, op)] == 1;
}

/* The entry for an Assign when its value is a batchable random chain. */
static bool match(const vs_plan *p, const vs_step *step, const defs *d, vs_batch_entry *e, const char **kernel) {
  const vs_op *as = step->op;
  if (as->def != d->assign || as->n_controls || step->kind != VS_STEP_KERNEL) return false;
  const vs_op *ref = as->inputs[0].op, *x = as->inputs[1].op;
  vs_var *v = vs__op_var(ref);
  if (ref->def != d->variable || !v || v->op != ref || (v->dtype != VS_FLOAT && v->dtype != VS_DOUBLE)) return false;
  vs_dtype t = v->dtype;
  *e = (vs_batch_entry){.assign = (vs_op *)as, .var = v, .scale = 0, .shift = 0};
  if (x->def == d->add && used_once(p, x) && x->dtype == t && is_const_scalar(x->inputs[1].op, d, t)) {
    const vs_op *m = x->inputs[0].op, *sc = m->n_inputs == 2 ? m->inputs[1].op : NULL;
    if (m->def != d->mul || !used_once(p, m) || m->dtype != t) return false;
    if (t == VS_FLOAT) {
      float scale;
      if (sc && is_const_scalar(sc, d, t)) scale = *(const float *)vs__op_data(sc);
      else if (sc && sc->def == d->sub && used_once(p, sc) && is_const_scalar(sc->inputs[0].op, d, t) &&
               is_const_scalar(sc->inputs[1].op, d, t))
        scale = *(const float *)vs__op_data(sc->inputs[0].op) - *(const float *)vs__op_data(sc->inputs[1].op); /* the graph's Sub */
      else return false;
      e->scale = bits_of(&scale, t);
    } else {
      double scale;
      if (sc && is_const_scalar(sc, d, t)) scale = *(const double *)vs__op_data(sc);
      else if (sc && sc->def == d->sub && used_once(p, sc) && is_const_scalar(sc->inputs[0].op, d, t) &&
               is_const_scalar(sc->inputs[1].op, d, t))
        scale = *(const double *)vs__op_data(sc->inputs[0].op) - *(const double *)vs__op_data(sc->inputs[1].op);
      else return false;
      e->scale = bits_of(&scale, t);
    }
    e->shift = bits_of(vs__op_data(x->inputs[1].op), t);
    e->affine = true;
    x = m->inputs[0].op;
  }
  if (!used_once(p, x) || x->dtype != t) return false;
  *kernel = x->def == d->uniform ? "random_uniform_batch"
            : x->def == d->normal ? "random_normal_batch"
            : x->def == d->truncated ? "truncated_normal_batch"
                                     : NULL;
  const vs_op *shape = x->n_inputs == 1 ? x->inputs[0].op : NULL;
  if (!*kernel || !shape || shape->def != d->cnst || shape->n_controls || !vs__op_data(shape)) return false;
  vs_shape want = vs__shape_from_input(x, 0); /* the variable's, so the entry keeps none */
  int64_t n = vs__shape_elements(&want);
  if (n <= 0 || n > MAX_ELEMENTS || !vs_shape_is_fully_defined(v->shape) || v->shape.rank != want.rank) return false;
  for (int i = 0; i < v->shape.rank; i++)
    if (v->shape.dims[i] != want.dims[i]) return false;
  e->random = (vs_op *)x;
  e->n = (uint32_t)n; /* at most MAX_ELEMENTS */
  return true;
}

/* The unsigned integer dtype of esize bytes (the fill kernel's T). */
static bool bits_dtype(size_t esize, vs_dtype *t) {
  switch (esize) {
    case 1: *t = VS_UINT8; return true;
    case 2: *t = VS_UINT16; return true;
    case 4: *t = VS_UINT32; return true;
    case 8: *t = VS_UINT64; return true;
    default: return false; /* complex128's 16 bytes: unbatched */
  }
}

/* The entry for an Assign when its value is a Const or a Fill of constants
 * (zeros, ones and constant initializers); *bits: the fill kernel's T. */
static bool match_fill(const vs_plan *p, const vs_step *step, const defs *d, vs_batch_entry *e, vs_dtype *bits) {
  const vs_op *as = step->op;
  if (as->def != d->assign || as->n_controls || step->kind != VS_STEP_KERNEL) return false;
  const vs_op *ref = as->inputs[0].op, *x = as->inputs[1].op;
  vs_var *v = vs__op_var(ref);
  if (ref->def != d->variable || !v || v->op != ref || v->dtype == VS_STRING) return false;
  size_t esize = vs_dtype_size(v->dtype);
  if (!bits_dtype(esize, bits) || !used_once(p, x) || x->dtype != v->dtype) return false;
  *e = (vs_batch_entry){.assign = (vs_op *)as, .var = v};
  vs_shape want; /* the variable's, so the entry keeps none */
  if (x->def == d->cnst) {
    want = vs__op_shape(x);
    int64_t n = vs__op_elements(x);
    if (!vs__op_data(x) || n <= 0 || vs__op_data_size(x) != (size_t)n * esize) return false;
    const unsigned char *b = vs__op_data(x);
    bool uniform = true;
    for (int64_t i = 1; i < n && uniform; i++) uniform = memcmp(b, b + (size_t)i * esize, esize) == 0;
    if (uniform) memcpy(&e->shift, b, esize); /* little-endian bits: the kernel's (T) keeps the low bytes */
    else e->copy = vs__op_data(x);
  } else if (x->def == d->fill && x->n_inputs == 2) {
    const vs_op *shape = x->inputs[0].op, *value = x->inputs[1].op;
    if (shape->def != d->cnst || shape->n_controls || !vs__op_data(shape) || !is_const_scalar(value, d, v->dtype)) return false;
    want = vs__shape_from_input(x, 0);
    for (int i = 0; i < want.rank; i++)
      if (want.dims[i] < 0) return false; /* the unbatched Fill reports it */
    memcpy(&e->shift, vs__op_data(value), esize);
  } else {
    return false;
  }
  int64_t n = vs__shape_elements(&want);
  if (!want.known || n <= 0 || n > MAX_ELEMENTS || !vs_shape_is_fully_defined(v->shape) || v->shape.rank != want.rank)
    return false;
  for (int i = 0; i < v->shape.rank; i++)
    if (v->shape.dims[i] != want.dims[i]) return false;
  e->n = (uint32_t)n; /* at most MAX_ELEMENTS */
  return true;
}

/* Marks op and, recursively, the inputs whose every consumer in the plan is
 * batched (the chain, its constants, and the variable op whose only reader
 * is the batched Assign: the batch gives the variable its buffer itself) as
 * needing no step of their own. */
static void skip_chain(const vs_plan *p, const vs_op *op, uint32_t *skipped_uses, unsigned char *skip) {
  uint32_t slot = vs__plan_slot(p, op);
  if (skip[slot]) return;
  skip[slot] = 1;
  for (int i = 0; i < op->n_inputs; i++) {
    const vs_op *in = op->inputs[i].op;
    uint32_t k = vs__plan_slot(p, in);
    if (++skipped_uses[k] == p->uses[k] && !in->n_controls) skip_chain(p, in, skipped_uses, skip);
  }
}

static defs find_defs(void) {
  return (defs){.assign = vs__op_def_find("Assign"), .variable = vs__op_def_find("VariableV2"),
                .cnst = vs__op_def_find("Const"), .add = vs__op_def_find("AddV2"), .mul = vs__op_def_find("Mul"),
                .sub = vs__op_def_find("Sub"), .uniform = vs__op_def_find("RandomUniform"),
                .normal = vs__op_def_find("RandomStandardNormal"), .truncated = vs__op_def_find("TruncatedNormal"),
                .fill = vs__op_def_find("Fill")};
}

/* True when every op within `depth` inputs of x has a step (none is fed: a
 * fed op's inputs are not in the plan, and its value is the feed). */
static bool chain_runs(const vs_plan *p, const unsigned char *has_step, const vs_op *x, int depth) {
  if (!has_step[vs__plan_slot(p, x)]) return false;
  for (int i = 0; depth > 0 && i < x->n_inputs; i++)
    if (!chain_runs(p, has_step, x->inputs[i].op, depth - 1)) return false;
  return true;
}

/* The device the plan placed op's step on. */

bool vs__plan_batch(vs_plan *p, vs_session *s, vs_status *st) {
  (void)s;
  if (p->n_steps < 2 * MIN_ENTRIES) return true;
  defs d = find_defs();
  unsigned char *has_step = calloc(p->n_slots, 1), *skip = calloc(p->n_slots, 1), *used_var = NULL;
  uint32_t *skipped_uses = calloc(p->n_slots, sizeof *skipped_uses);
  vs_batch_entry *found = calloc(p->n_steps, sizeof *found);
  const char **kernels = calloc(p->n_steps, sizeof *kernels);
  size_t *devs = calloc(p->n_steps, sizeof *devs);
  vs_dtype *dtypes = calloc(p->n_steps, sizeof *dtypes); /* each found entry's batch dtype */
  size_t n_found = 0, max_var = 0;
  bool ok = false;
  if (!has_step || !skip || !skipped_uses || !found || !kernels || !devs || !dtypes) goto done;
  for (size_t i = 0; i < p->n_steps; i++) has_step[p->steps[i].slot] = 1;
  for (size_t i = 0; i < p->n_steps; i++) {
    const vs_op *op = p->steps[i].op;
    if (op->def != d.assign || !chain_runs(p, has_step, op, 5)) continue;
    bool random = match(p, &p->steps[i], &d, &found[n_found], &kernels[n_found]), fill = false;
    if (random) dtypes[n_found] = found[n_found].var->dtype;
    else if ((fill = match_fill(p, &p->steps[i], &d, &found[n_found], &dtypes[n_found])))
      kernels[n_found] = "fill_batch";
    else
      kernels[n_found] = NULL; /* match may have named a kernel before refusing */
    if (random || fill) {
      devs[n_found] = p->steps[i].dev;
      if (found[n_found].var->index + 1 > max_var) max_var = found[n_found].var->index + 1;
      n_found++;
    }
  }
  /* One entry per variable: a plan assigning one twice keeps its order. */
  if (!(used_var = calloc(max_var + 1, 1))) goto done;
  for (size_t i = 0; i < n_found; i++)
    if (used_var[found[i].var->index] < 2) used_var[found[i].var->index]++;
  /* Batches by (device, dtype, kernel), in step order. */
  for (size_t i = 0; i < n_found; i++) {
    if (!found[i].assign || used_var[found[i].var->index] != 1) continue;
    size_t members = 0;
    for (size_t j = i; j < n_found; j++)
      members += found[j].assign && used_var[found[j].var->index] == 1 && devs[j] == devs[i] &&
                 dtypes[j] == dtypes[i] && kernels[j] == kernels[i];
    if (members < MIN_ENTRIES) continue;
    vs_batch *grown = realloc(p->batches, (p->n_batches + 1) * sizeof *grown);
    if (!grown) goto done;
    p->batches = grown;
    vs_batch *b = &p->batches[p->n_batches];
    *b = (vs_batch){.kind = strcmp(kernels[i], "fill_batch") == 0 ? VS_BATCH_FILL : VS_BATCH_RANDOM,
                    .dev = devs[i], .dtype = dtypes[i], .kernel = kernels[i], .first = found[i].assign};
    if (members > MAX_ENTRIES) members = MAX_ENTRIES;
    if (!(b->entries = calloc(members, sizeof *b->entries))) goto done;
    p->n_batches++;
    size_t bytes = 0, esize = vs_dtype_size(b->dtype);
    for (size_t j = i; j < n_found; j++) {
      if (!found[j].assign || used_var[found[j].var->index] != 1 || devs[j] != b->dev || dtypes[j] != b->dtype ||
          kernels[j] != b->kernel)
        continue;
      if (b->n_entries && (b->n_entries == members || bytes + found[j].n * esize > MAX_BATCH_BYTES))
        continue; /* for a later batch */
      bytes += found[j].n * esize;
      found[j].slot = vs__plan_slot(p, found[j].assign); /* compact() renumbers it */
      b->entries[b->n_entries++] = found[j];
      skip_chain(p, found[j].assign, skipped_uses, skip);
      found[j].assign = NULL;
    }
    if (b->kind == VS_BATCH_FILL) { /* copied entries first: one write of the parent's prefix */
      vs_batch_entry *sorted = malloc(b->n_entries * sizeof *sorted);
      if (!sorted) goto done;
      size_t k = 0;
      for (int pass = 0; pass < 2; pass++)
        for (size_t j = 0; j < b->n_entries; j++)
          if ((b->entries[j].copy != NULL) == (pass == 0)) sorted[k++] = b->entries[j];
      free(b->entries);
      b->entries = sorted;
    }
  }
  /* The steps: each batch runs where its first Assign was (its inputs are
   * constants, so nothing it needs comes later); its chains' steps go. */
  size_t out = 0;
  for (size_t i = 0; i < p->n_steps; i++) {
    vs_step step = p->steps[i];
    bool first = false;
    for (size_t b = 0; b < p->n_batches && !first; b++)
      if (p->batches[b].first == step.op) {
        step.kind = VS_STEP_BATCH;
        step.batch = (uint32_t)b;
        first = true;
      }
    if (first || !skip[step.slot]) p->steps[out++] = step;
  }
  p->n_steps = out;
  ok = true;
done:
  if (!ok) vs__oom(st);
  free(has_step);
  free(skip);
  free(skipped_uses);
  free(found);
  free(kernels);
  free(devs);
  free(dtypes);
  free(used_var);
  return ok;
}

/* The variable's state must accept the value as Assign's kernel checks. */
static bool shape_ok(vs_run *r, const vs_batch_entry *e, vs_status *st) {
  vs_var_state *vs = &r->s->vars[e->var->index];
  if (!e->assign->attr.assign.validate_shape || !vs->initialized) return true;
  if (vs->shape.rank == e->var->shape.rank && vs_shape_is_compatible(vs->shape, e->var->shape)) return true;
  char lhs[160], rhs[160];
  vs__dims_text(&vs->shape, "<unknown>", lhs, sizeof lhs);
  vs__dims_text(&e->var->shape, "<unknown>", rhs, sizeof rhs);
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
           "Assign requires shapes of both tensors to match. lhs shape= %s rhs shape= %s\n\t [[{{node %s}}]]", lhs, rhs,
           e->assign->name);
  return false;
}

/* A new parent allocation and sub-buffers for every entry; the variables
 * take them (their old buffers released). */
static bool allocate(vs_run *r, vs_batch *b, vs_cl_device *d, vs_status *st) {
  size_t esize = vs_dtype_size(b->dtype);
  cl_uint align_bits = 0;
  if (clGetDeviceInfo(d->id, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits, &align_bits, NULL) != CL_SUCCESS ||
      align_bits < 8)
    align_bits = 1024;
  size_t align = align_bits / 8 / esize ? align_bits / 8 / esize : 1, total = 0;
  for (size_t i = 0; i < b->n_entries; i++) {
    b->entries[i].dst = (uint32_t)total; /* under 2^31: MAX_ENTRIES */
    total += (b->entries[i].n + align - 1) / align * align;
  }
  vs_shape shape = {.known = true, .rank = 1, .dims = {(int64_t)total}};
  /* Its sub-buffers are variables: host-visible where runs may go inline (exec/inline.c). */
  cl_mem parent = vs__device_buffer_shared(d, total * esize, &shape, b->dtype, st);
  if (!parent) return false;
  cl_mem *subs = calloc(b->n_entries, sizeof *subs);
  cl_int err = subs ? CL_SUCCESS : CL_OUT_OF_HOST_MEMORY;
  for (size_t i = 0; i < b->n_entries && err == CL_SUCCESS; i++) {
    cl_buffer_region region = {b->entries[i].dst * esize, b->entries[i].n * esize};
    subs[i] = clCreateSubBuffer(parent, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION, &region, &err);
  }
  if (err != CL_SUCCESS) {
    for (size_t i = 0; subs && i < b->n_entries; i++)
      if (subs[i]) clReleaseMemObject(subs[i]);
    free(subs);
    clReleaseMemObject(parent); /* its reservation is given back when OpenCL deletes it */
    vs__cl_fail(st, err, "clCreateSubBuffer");
    return false;
  }
  for (size_t i = 0; i < b->n_entries; i++) {
    vs_batch_entry *e = &b->entries[i];
    vs_var_state *vs = &r->s->vars[e->var->index];
    if (vs->buf) vs__buffer_release(vs->buf);
    vs->buf = subs[i]; /* the variable's reference */
    if (e->sub) clReleaseMemObject(e->sub);
    clRetainMemObject(subs[i]); /* the plan's: the address is not reused while the plan compares it */
    e->sub = subs[i];
  }
  free(subs);
  /* The parent stays accounted until OpenCL deletes it (its last sub-buffer
   * and the plan's reference gone): released with clReleaseMemObject. */
  if (b->parent) clReleaseMemObject(b->parent);
  b->parent = parent;
  b->total = total;
  return true;
}

/* A table's words written to its device buffer from a staging copy made
 * for this write only: blocking, so the copy goes right after (issue 10: a
 * copy kept in the plan cost 72 B a variable, beside the device's own). */
static bool write_table(vs_cl_device *d, cl_mem table, uint64_t *host, size_t words, vs_status *st) {
  cl_int err = clEnqueueWriteBuffer(*vs__queue(d), table, CL_TRUE, 0, words * 8, host, 0, NULL, NULL);
  free(host);
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clEnqueueWriteBuffer");
    return false;
  }
  return true;
}

/* A random batch's table (fresh seeds every run) and its launch. */
static bool random_run(vs_run *r, vs_batch *b, vs_cl_device *d, vs_status *st) {
  if (!b->table) {
    vs_shape shape = {.known = true, .rank = 1, .dims = {(int64_t)(b->n_entries * BATCH_WORDS)}};
    if (!(b->table = vs__device_buffer(d, b->n_entries * BATCH_WORDS * 8, &shape, VS_UINT64, st))) return false;
  }
  uint64_t *host = malloc(b->n_entries * BATCH_WORDS * sizeof *host);
  if (!host) {
    vs__oom(st);
    return false;
  }
  uint64_t groups = 0, per = vs_dtype_size(b->dtype) == 8 ? 2 : 4;
  for (size_t i = 0; i < b->n_entries; i++) {
    vs_batch_entry *e = &b->entries[i];
    uint64_t *t = &host[i * BATCH_WORDS];
    cl_ulong seed, seed2, offset;
    vs__random_seeds(r, e->random, &seed, &seed2, &offset, e->n);
    t[0] = e->dst, t[1] = e->n, t[2] = seed, t[3] = seed2, t[4] = offset, t[5] = groups;
    t[6] = e->scale, t[7] = e->shift, t[8] = e->affine;
    groups += (e->n + per - 1) / per;
  }
  b->groups = groups;
  if (!write_table(d, b->table, host, b->n_entries * BATCH_WORDS, st)) return false;
  cl_uint entries = (cl_uint)b->n_entries;
  cl_ulong n_groups = groups;
  karg args[] = {KARG(b->parent), KARG(b->table), KARG(entries), KARG(n_groups)};
  return vs__launch(r, d, "random", b->dtype, b->kernel, (size_t)groups, args, 4, st);
}

/* A fill batch: the copied entries (the parent's prefix) in one write, the
 * filled ones in one fill_batch launch over a table that changes only with
 * the parent (fresh: just allocated). */
static bool fill_run(vs_run *r, vs_batch *b, vs_cl_device *d, bool fresh, vs_status *st) {
  size_t esize = vs_dtype_size(b->dtype), copied = 0, first_fill = 0;
  while (first_fill < b->n_entries && b->entries[first_fill].copy) {
    const vs_batch_entry *e = &b->entries[first_fill++];
    copied = e->dst + e->n;
  }
  cl_int err = CL_SUCCESS;
  if (copied) {
    /* Staged for the run only (the graph holds the values): blocking, so
     * the staging goes before the run goes on. */
    unsigned char *host = calloc(copied, esize);
    if (!host) {
      vs__oom(st);
      return false;
    }
    for (size_t i = 0; i < first_fill; i++)
      memcpy(host + b->entries[i].dst * esize, b->entries[i].copy, b->entries[i].n * esize);
    err = clEnqueueWriteBuffer(*vs__queue(d), b->parent, CL_TRUE, 0, copied * esize, host, 0, NULL, NULL);
    free(host);
    if (err != CL_SUCCESS) {
      vs__cl_fail(st, err, "clEnqueueWriteBuffer");
      return false;
    }
  }
  size_t fills = b->n_entries - first_fill;
  if (!fills) return true;
  if (!b->table) {
    vs_shape shape = {.known = true, .rank = 1, .dims = {(int64_t)(fills * FILL_WORDS)}};
    if (!(b->table = vs__device_buffer(d, fills * FILL_WORDS * 8, &shape, VS_UINT64, st))) return false;
    fresh = true;
  }
  if (fresh) {
    uint64_t chunks = 0, *host = malloc(fills * FILL_WORDS * sizeof *host);
    if (!host) {
      vs__oom(st);
      return false;
    }
    for (size_t i = 0; i < fills; i++) {
      const vs_batch_entry *e = &b->entries[first_fill + i];
      uint64_t *t = &host[i * FILL_WORDS];
      t[0] = e->dst, t[1] = e->n, t[2] = chunks, t[3] = e->shift;
      chunks += (e->n + FILL_CHUNK - 1) / FILL_CHUNK;
    }
    b->groups = chunks;
    if (!write_table(d, b->table, host, fills * FILL_WORDS, st)) return false;
  }
  cl_uint entries = (cl_uint)fills;
  cl_ulong chunks = b->groups;
  karg args[] = {KARG(b->parent), KARG(b->table), KARG(entries), KARG(chunks)};
  return vs__launch(r, d, "batch", b->dtype, b->kernel, (size_t)chunks, args, 4, st);
}

bool vs__batch_run(vs_run *r, vs_batch *b, vs_status *st) {
  vs_cl_device *d = vs__device(b->dev, st);
  if (!d) return false;
  if (b->dev < sizeof r->used_dev) r->used_dev[b->dev] = 1;
  bool in_place = b->parent != NULL;
  for (size_t i = 0; i < b->n_entries; i++) {
    vs_var_state *vs = &r->s->vars[b->entries[i].var->index];
    if (!shape_ok(r, &b->entries[i], st)) return false;
    if (vs->buf != b->entries[i].sub || vs->dev != b->dev) in_place = false;
  }
  if (!in_place && !allocate(r, b, d, st)) return false;
  if (!(b->kind == VS_BATCH_FILL ? fill_run(r, b, d, !in_place, st) : random_run(r, b, d, st))) return false;
  for (size_t i = 0; i < b->n_entries; i++) {
    vs_batch_entry *e = &b->entries[i];
    vs_var_state *vs = &r->s->vars[e->var->index];
    vs->dev = b->dev;
    vs->shape = e->var->shape;
    vs->initialized = true;
    if (e->slot != VS_NO_SLOT) /* something in the plan reads the Assign */
      r->values[e->slot] = (vs_value){.ready = true, .dtype = e->var->dtype, .shape = e->var->shape, .n = e->n,
                                      .dev = b->dev, .ref = e->var};
  }
  return true;
}

void vs__batches_free(vs_plan *p) {
  for (size_t i = 0; i < p->n_batches; i++) {
    vs_batch *b = &p->batches[i];
    for (size_t k = 0; k < b->n_entries; k++)
      if (b->entries[k].sub) clReleaseMemObject(b->entries[k].sub);
    if (b->parent) clReleaseMemObject(b->parent);
    if (b->table) vs__buffer_release(b->table);
    free(b->entries);
  }
  free(p->batches);
}
