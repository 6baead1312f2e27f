/* partitioned.c - PartitionedVariable: get_variable with a partitioner
 * (_VariableStore._get_partitioned_variable of TensorFlow 2.21), the parts'
 * SaveSliceInfo and the read that concatenates the parts
 * (PartitionedVariable._concat). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops_internal.h"
#include "variables/variables_internal.h"

/* One allocation, kept by the graph: the struct, the parts, the name. */
struct vs_partitioned_var {
  vs_graph *graph;
  const char *name;
  vs_shape shape;
  vs_dtype dtype;
  int64_t partitions[VS_MAX_RANK];
  int slice_dim;
  size_t n_parts;
  vs_var **parts;
};

bool vs__partitioner_applies(const vs_partitioner *p, const vs_shape *shape) {
  /* _true_getter: `partitioner is not None and not is_scalar`, is_scalar
   * being a shape given as an empty sequence. */
  return p->kind != VS_PARTITIONER_NONE && !(shape->known && shape->rank == 0);
}

/* Python's repr of a list of ints: "[3, 1]". */
static const char *list_repr(const int64_t *v, int n, char *buf, size_t cap) {
  size_t len = (size_t)snprintf(buf, cap, "[");
  for (int i = 0; i < n && len < cap; i++)
    len += (size_t)snprintf(buf + len, cap - len, "%s%lld", i ? ", " : "", (long long)v[i]);
  if (len < cap) snprintf(buf + len, cap - len, "]");
  return buf;
}

static const char *shape_str(const vs_shape *s, char *buf, size_t cap) {
  vs_shape_format(*s, buf, cap);
  return buf;
}

/* _call_partitioner: the partition list, checked. */
static bool call_partitioner(const vs_getter_args *a, int64_t *parts, vs_status *st) {
  char sb[128], pb[256];
  const vs_shape *shape = &a->shape;
  if (!vs_shape_is_fully_defined(*shape)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Shape of a new partitioned variable must be fully defined, but instead was %s.",
             shape_str(shape, sb, sizeof sb));
    return false;
  }
  if (shape->rank < 1) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "A partitioned Variable must have rank at least 1, shape: %s", shape_str(shape, sb, sizeof sb));
    return false;
  }
  /* A custom partitioner writes only shape.rank entries: a list of another
   * length cannot come back through C, so that TF check has no case here. */
  if (!vs_partitioner_call(&a->partitioner, *shape, a->dtype, parts, st)) return false;
  int sliced = 0;
  for (int i = 0; i < shape->rank; i++) {
    if (parts[i] < 1) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "Partitioner returned zero partitions for some axes: %s",
               list_repr(parts, shape->rank, pb, sizeof pb));
      return false;
    }
    sliced += parts[i] > 1;
  }
  if (sliced > 1) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Can only slice a variable along one dimension: shape: %s, partitioning: %s",
             shape_str(shape, sb, sizeof sb), list_repr(parts, shape->rank, pb, sizeof pb));
    return false;
  }
  return true;
}

/* The existing PartitionedVariable, checked against the request. */
static vs_partitioned_var *reuse_existing(vs_partitioned_var *pv, const vs_getter_args *a,
                                          const int64_t *parts, vs_status *st) {
  char s1[128], s2[128];
  if (a->reuse != VS_REUSE_TRUE && a->reuse != VS_REUSE_AUTO) {
    vs__fail(st, VS_ALREADY_EXISTS, VS_EXC_VALUE_ERROR,
             "Partitioned variable with name %s already exists. Did you mean to set reuse=True or "
             "reuse=tf.AUTO_REUSE in VarScope?", a->name);
    return NULL;
  }
  bool same_shape = pv->shape.rank == a->shape.rank;
  for (int i = 0; same_shape && i < a->shape.rank; i++) same_shape = pv->shape.dims[i] == a->shape.dims[i];
  if (!same_shape) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Trying to reuse partitioned variable %s, but specified shape %s and found shape %s.", a->name,
             shape_str(&a->shape, s1, sizeof s1), shape_str(&pv->shape, s2, sizeof s2));
    return NULL;
  }
  if (a->dtype != pv->dtype) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Trying to reuse partitioned variable %s, but specified dtype %s and found dtype %s.", a->name,
             vs_dtype_name(a->dtype), vs_dtype_name(pv->dtype));
    return NULL;
  }
  if (memcmp(parts, pv->partitions, (size_t)pv->shape.rank * sizeof *parts) != 0) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Trying to reuse partitioned variable %s, but specified partitions %s and found partitions %s.",
             a->name, list_repr(parts, a->shape.rank, s1, sizeof s1),
             list_repr(pv->partitions, pv->shape.rank, s2, sizeof s2));
    return NULL;
  }
  return pv;
}

/* The parts found in the store must be exactly the partitioner's. */
static bool parts_match_store(vs_graph *g, const char *name, size_t n, vs_status *st) {
  char *first = vs__asprintf("%s/part_0", name), *last = vs__asprintf("%s/part_%zu", name, n - 1),
       *extra = vs__asprintf("%s/part_%zu", name, n);
  bool ok = first && last && extra;
  if (!ok) {
    vs__oom(st);
  } else if (vs_strmap_get(&g->store, first)) {
    if (!vs_strmap_get(&g->store, last)) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "Partitioner returned a different partitioning than what was already found.  Partitioner "
               "returned %zu shards, and shard %s was found, but %s was not.", n, first, last);
      ok = false;
    } else if (vs_strmap_get(&g->store, extra)) {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "Partitioner returned a different partitioning than what was already found.  Partitioner "
               "returned %zu shards, and shard %s was found, but so was the extra shard %s.", n, first, extra);
      ok = false;
    }
  }
  free(first);
  free(last);
  free(extra);
  return ok;
}

static bool tensor_of_graph(vs_graph *g, const vs_initializer *init, vs_status *st) {
  if (init->tensor.op && init->tensor.op->graph == g && init->tensor.op->has_output) return true;
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "initial_value must be a tensor of this graph");
  return false;
}

/* TensorShape.merge_with: the known dimensions of both; ValueError "Shapes
 * (4,) and (3,) are not compatible" when they disagree. */
static bool merge_shape(vs_shape *shape, const vs_initializer *init, vs_status *st) {
  vs_shape other = vs__initializer_value_shape(init);
  if (!other.known) return true;
  if (!shape->known) {
    *shape = other;
    return true;
  }
  bool ok = shape->rank == other.rank;
  for (int i = 0; ok && i < shape->rank; i++) {
    int64_t x = shape->dims[i], y = other.dims[i];
    ok = x < 0 || y < 0 || x == y;
  }
  if (!ok) {
    char s1[128], s2[128];
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "Shapes %s and %s are not compatible",
             shape_str(shape, s1, sizeof s1), shape_str(&other, s2, sizeof s2));
    return false;
  }
  for (int i = 0; i < shape->rank; i++)
    if (shape->dims[i] < 0) shape->dims[i] = other.dims[i];
  return true;
}

/* Python's float()/int() of a numpy bytes element, as numpy's astype
 * parses it: surrounding whitespace, '_' between digits; float() also
 * takes inf and nan, not hex. False when Python raises. */
static bool parse_number(const char *s, bool integer, double *d, int64_t *i) {
  size_t n = strlen(s), at = 0;
  char *clean = malloc(n + 1), *end = NULL;
  if (!clean) return false;
  while (n && isspace((unsigned char)s[n - 1])) n--;
  size_t k = 0;
  while (k < n && isspace((unsigned char)s[k])) k++;
  for (; k < n; k++) {
    if (s[k] == '_' && at && isdigit((unsigned char)clean[at - 1]) && k + 1 < n && isdigit((unsigned char)s[k + 1]))
      continue;
    clean[at++] = s[k];
  }
  clean[at] = '\0';
  bool hex = strchr(clean, 'x') || strchr(clean, 'X');
  errno = 0;
  if (integer) *i = strtoll(clean, &end, 10);
  else *d = strtod(clean, &end);
  bool ok = at && !hex && end && *end == '\0' && (!integer || errno == 0);
  free(clean);
  return ok;
}

/* Python's repr of a bytes element for numpy's messages: b'...' with \\,
 * \' and \xNN escapes. */
static void bytes_repr(const char *s, char *buf, size_t cap) {
  size_t at = (size_t)snprintf(buf, cap, "b'");
  for (; *s && at + 8 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\\' || c == '\'') at += (size_t)snprintf(buf + at, cap - at, "\\%c", c);
    else if (c == '\t') at += (size_t)snprintf(buf + at, cap - at, "\\t");
    else if (c == '\n') at += (size_t)snprintf(buf + at, cap - at, "\\n");
    else if (c == '\r') at += (size_t)snprintf(buf + at, cap - at, "\\r");
    else if (c < 32 || c >= 127) at += (size_t)snprintf(buf + at, cap - at, "\\x%02x", c);
    else buf[at++] = (char)c;
  }
  snprintf(buf + at, cap - at, "'");
}

/* A host value (a numpy array in TF) is converted to the variable's dtype
 * as convert_to_tensor(value, dtype) does (numpy's astype: numbers cast,
 * strings parsed as Python's float()/int() would, ValueError otherwise),
 * then sliced per part like a tensor; its shape is not merged (TF merges
 * only a Tensor's), so another shape fails in Slice: its shape function
 * for another rank, its kernel for a box past the value's end. *out is
 * the value to slice; *owned the buffer it was converted into (the
 * caller frees it), NULL when the value is used as given. */
static bool value_slices(const vs_getter_args *a, const vs_initializer *init, vs_initializer *out, void **owned,
                         vs_status *st) {
  *out = *init;
  *owned = NULL;
  if (init->values_dtype == a->dtype) return true;
  size_t n = init->count, esize = vs_dtype_size(a->dtype);
  bool from_strings = init->values_dtype == VS_STRING;
  if (a->dtype == VS_STRING || !vs__convertible(a->dtype) ||
      (!from_strings && !vs__convertible(init->values_dtype) && init->values_dtype != VS_BOOL)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_TYPE_ERROR, "Cannot convert a %s value to a %s tensor.",
             vs_dtype_name(init->values_dtype), vs_dtype_name(a->dtype));
    return false;
  }
  void *buf = malloc(n * esize + 1);
  if (!buf) {
    vs__oom(st);
    return false;
  }
  if (!from_strings) {
    vs__convert_fill(init->values, init->values_dtype, n, buf, a->dtype, n);
  } else {
    const char *const *strs = init->values;
    bool integer = a->dtype != VS_FLOAT && a->dtype != VS_DOUBLE && a->dtype != VS_HALF &&
                   a->dtype != VS_BFLOAT16 && a->dtype != VS_COMPLEX64 && a->dtype != VS_COMPLEX128;
    for (size_t k = 0; k < n; k++) {
      const char *e = strs[k] ? strs[k] : "";
      double d = 0;
      int64_t v = 0;
      if (a->dtype == VS_BOOL) { /* numpy: a non-empty bytes element is True */
        v = e[0] != '\0';
      } else if (!parse_number(e, integer, &d, &v)) {
        char repr[256];
        bytes_repr(e, repr, sizeof repr);
        if (integer)
          vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "invalid literal for int() with base 10: %s", repr);
        else
          vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "could not convert string to float: np.bytes_(%s)",
                   repr);
        free(buf);
        return false;
      }
      if (integer) vs__convert_fill(&v, VS_INT64, 1, (char *)buf + k * esize, a->dtype, 1);
      else vs__store_scalar(buf, a->dtype, k, d);
    }
  }
  out->values = buf;
  out->values_dtype = a->dtype;
  *owned = buf;
  return true;
}

/* Under the part's PartitionedInitializer scope: array_ops.slice(value,
 * var_offset, var_shape), i.e. "Slice" with its int32 Consts "Slice/begin"
 * and "Slice/size"; a host value first becomes Const "Const"
 * (convert_to_tensor). */
static vs_output slice_initializer(vs_graph *g, vs_thread_state *ts, const vs_initializer *init,
                                   const int64_t *offset, vs_shape part_shape, vs_status *st) {
  vs_output src = init->tensor;
  if (init->kind == VS_INIT_VALUE) {
    src = (vs_output){vs__constant(g, ts, init->values, init->values_dtype, init->value_shape, "Const", st), 0};
    if (!src.op) return (vs_output){NULL, 0};
  }
  vs_shape vec = {.known = true, .rank = 1, .dims = {part_shape.rank}};
  int32_t begin[VS_MAX_RANK], size[VS_MAX_RANK];
  for (int i = 0; i < part_shape.rank; i++) {
    begin[i] = (int32_t)offset[i];
    size[i] = (int32_t)part_shape.dims[i];
  }
  const char *scope = vs__name_scope_enter(g, ts, "Slice", st);
  if (!scope) return (vs_output){NULL, 0};
  vs_op *b = vs__constant(g, ts, begin, VS_INT32, vec, "begin", st);
  vs_op *z = b ? vs__constant(g, ts, size, VS_INT32, vec, "size", st) : NULL;
  char *op_name = z ? vs__strndup(scope, strlen(scope) - 1) : NULL;
  if (z && !op_name) vs__oom(st);
  vs_shape in = vs__op_shape(src.op);
  if (op_name && in.known && in.rank != part_shape.rank) {
    /* Slice's shape function, as TF words it (the Consts stay, as in TF) */
    char dims[VS_MAX_RANK * 24 + 4];
    vs__dims_text(&in, "?", dims, sizeof dims);
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "Shape must be rank %d but is rank %d for '{{node %s}} = Slice[Index=DT_INT32, T=%s](%s, %s, %s)' with "
             "input shapes: %s, [%d], [%d].", part_shape.rank, in.rank, op_name,
             vs__dt_enum_name(vs_op_output_dtype(src.op)), src.op->name, b->name, z->name, dims, part_shape.rank,
             part_shape.rank);
    free(op_name);
    op_name = NULL;
  }
  vs_op *op = op_name ? vs__op_create(g, &(vs_op_spec){.type = "Slice", .name = op_name,
                                                      .inputs = (vs_output[]){src, {b, 0}, {z, 0}}, .n_inputs = 3,
                                                      .has_output = true, .dtype = vs_op_output_dtype(src.op),
                                                      .shape = part_shape}, st)
                      : NULL;
  free(op_name);
  vs__name_scope_pop(ts);
  return (vs_output){op, 0};
}

static vs_partitioned_var *pv_new(vs_graph *g, const vs_getter_args *a, const int64_t *parts, vs_status *st) {
  int dim = 0;
  while (dim < a->shape.rank && parts[dim] == 1) dim++;
  if (dim == a->shape.rank) dim = 0; /* no partitioning: one part, along axis 0 */
  size_t n = (size_t)parts[dim], len = strlen(a->name);
  vs_partitioned_var *pv = calloc(1, sizeof *pv + n * sizeof(vs_var *) + len + 1);
  if (!pv) {
    vs__oom(st);
    return NULL;
  }
  pv->graph = g;
  pv->parts = (vs_var **)(pv + 1);
  char *name = (char *)(pv->parts + n);
  memcpy(name, a->name, len + 1);
  pv->name = name;
  pv->shape = a->shape;
  pv->dtype = a->dtype;
  memcpy(pv->partitions, parts, (size_t)a->shape.rank * sizeof *parts);
  pv->slice_dim = dim;
  pv->n_parts = n;
  return pv;
}

vs_partitioned_var *vs__partitioned_getter(vs_graph *g, const vs_getter_args *a, vs_status *st) {
  vs_thread_state *ts = vs__thread(g, st);
  if (!ts) return NULL;
  if (vs_strmap_get(&g->store, a->name)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "A partitioner was provided, but an unpartitioned version of the variable was found: %s.  "
             "Perhaps a variable of the same name was already created without partitioning?", a->name);
    return NULL;
  }
  /* initializing_from_value (a Tensor only): shape.merge_with(its shape). */
  vs_getter_args merged = *a;
  if (a->initializer.kind == VS_INIT_TENSOR) {
    if (!tensor_of_graph(g, &a->initializer, st) || !merge_shape(&merged.shape, &a->initializer, st)) return NULL;
    /* Each part, then the PartitionedVariable, takes the tensor's dtype. */
    merged.dtype = vs_op_output_dtype(a->initializer.tensor.op);
    a = &merged;
  }
  int64_t parts[VS_MAX_RANK];
  if (!call_partitioner(a, parts, st)) return NULL;
  vs_partitioned_var *found = vs_strmap_get(&g->partitioned, a->name);
  if (found) return reuse_existing(found, a, parts, st);
  if (a->reuse == VS_REUSE_TRUE) {
    vs__fail(st, VS_NOT_FOUND, VS_EXC_VALUE_ERROR,
             "PartitionedVariable %s does not exist, or was not created with tf.get_variable(). Did you "
             "mean to set reuse=False or reuse=tf.AUTO_REUSE in VarScope?", a->name);
    return NULL;
  }
  vs_initializer init = a->initializer;
  void *converted = NULL; /* the host value in the variable's dtype, when cast */
  if (init.kind == VS_INIT_VALUE && !value_slices(a, &a->initializer, &init, &converted, st)) return NULL;
  if (init.kind == VS_INIT_NONE && !vs__default_initializer(a->name, a->dtype, &init, st)) return NULL;
  vs_partitioned_var *pv = pv_new(g, a, parts, st);
  if (!pv || !parts_match_store(g, a->name, pv->n_parts, st)) {
    free(pv);
    free(converted);
    return NULL;
  }
  /* Kept by the graph from now on (a failure below leaves it unused). */
  if (!vs__keep_string(g, (char *)pv, st)) {
    free(converted);
    return NULL;
  }
  /* _iter_slices: the first (len % n) shards are one element longer. */
  int dim = pv->slice_dim;
  int64_t full = a->shape.dims[dim], n = (int64_t)pv->n_parts, offset = 0;
  size_t made = 0;
  for (; made < pv->n_parts; made++) {
    vs_shape part_shape = a->shape;
    part_shape.dims[dim] = full / n + ((int64_t)made < full % n);
    char *part_name = vs__asprintf("%s/part_%zu", a->name, made);
    char *init_scope = part_name ? vs__asprintf("%s/PartitionedInitializer", part_name) : NULL;
    if (!init_scope) {
      free(part_name);
      vs__oom(st);
      break;
    }
    /* TF resolves the initializer under this name scope (reserving it);
     * callable initializers build no op there, a value or tensor is cut
     * to the part by a Slice there. */
    bool entered = vs__name_scope_enter(g, ts, init_scope, st) != NULL, ok = entered;
    vs_getter_args pa = *a;
    pa.name = part_name;
    pa.shape = part_shape;
    pa.initializer = init;
    if (entered && (init.kind == VS_INIT_VALUE || init.kind == VS_INIT_TENSOR)) {
      int64_t begin[VS_MAX_RANK] = {0};
      begin[dim] = offset;
      vs_output cut = slice_initializer(g, ts, &init, begin, part_shape, st);
      ok = cut.op != NULL;
      /* _get_single_variable(shape=None, initializer=the slice) */
      pa.initializer = vs_tensor_initializer(cut);
      pa.shape = (vs_shape){.known = false};
    }
    if (entered) vs__name_scope_pop(ts);
    free(init_scope);
    pa.partitioner = (vs_partitioner){0};
    /* partition_info: variance scaling takes its fans from the full shape. */
    const vs_shape *saved_fan = ts->fan_shape;
    ts->fan_shape = &pv->shape;
    vs_var *v = ok ? vs__true_getter(g, &pa, st) : NULL;
    ts->fan_shape = saved_fan;
    free(part_name);
    if (!v) break;
    v->partition = pv;
    v->slice_offset = offset;
    pv->parts[made] = v;
    offset += part_shape.dims[dim];
  }
  free(converted); /* the Consts hold copies */
  if (made < pv->n_parts) {
    /* The parts made stay in the graph and the store, as in TF. */
    for (size_t i = 0; i < made; i++) pv->parts[i]->partition = NULL;
    return NULL;
  }
  if (!vs_strmap_put(&g->partitioned, pv->name, pv)) {
    vs__oom(st);
    return NULL;
  }
  return pv;
}

/* ---- public accessors ---- */

VS_API const char *vs_partitioned_var_name(const vs_partitioned_var *p) { return p ? p->name : NULL; }
VS_API vs_shape vs_partitioned_var_shape(const vs_partitioned_var *p) {
  return p ? p->shape : (vs_shape){.known = false};
}
VS_API vs_dtype vs_partitioned_var_dtype(const vs_partitioned_var *p) {
  return p ? p->dtype : VS_DTYPE_DEFAULT;
}
VS_API size_t vs_partitioned_var_num_parts(const vs_partitioned_var *p) { return p ? p->n_parts : 0; }
VS_API vs_var *vs_partitioned_var_part(const vs_partitioned_var *p, size_t i) {
  return p && i < p->n_parts ? p->parts[i] : NULL;
}
VS_API size_t vs_partitioned_var_partitions(const vs_partitioned_var *p, int64_t *out, size_t cap) {
  if (!p) return 0;
  for (size_t i = 0; out && i < cap && i < (size_t)p->shape.rank; i++) out[i] = p->partitions[i];
  return (size_t)p->shape.rank;
}

VS_API bool vs_var_save_slice_info(const vs_var *v, vs_save_slice_info *out) {
  if (out) *out = (vs_save_slice_info){0};
  if (!v || !v->partition || !out) return false;
  const vs_partitioned_var *p = v->partition;
  out->full_name = p->name;
  out->full_shape = p->shape;
  out->var_offset[p->slice_dim] = v->slice_offset;
  out->var_shape = v->shape;
  return true;
}

VS_API size_t vs_save_slice_info_spec(const vs_save_slice_info *info, char *buf, size_t cap) {
  if (!info) {
    if (buf && cap) buf[0] = '\0';
    return 0;
  }
  /* " ".join(full_shape) + " " + ":".join("%d,%d" % (offset, length)) */
  char tmp[VS_MAX_RANK * 64 + 16];
  size_t len = 0;
  int rank = info->full_shape.rank;
  for (int i = 0; i < rank; i++)
    len += (size_t)snprintf(tmp + len, sizeof tmp - len, "%s%lld", i ? " " : "", (long long)info->full_shape.dims[i]);
  len += (size_t)snprintf(tmp + len, sizeof tmp - len, " ");
  for (int i = 0; i < rank; i++)
    len += (size_t)snprintf(tmp + len, sizeof tmp - len, "%s%lld,%lld", i ? ":" : "", (long long)info->var_offset[i],
                            (long long)info->var_shape.dims[i]);
  if (buf && cap) snprintf(buf, cap, "%s", tmp);
  return len;
}

/* ---- the read: PartitionedVariable._concat ---- */

VS_API vs_output vs_partitioned_var_value(vs_graph *g, const vs_partitioned_var *p, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE_OUT(g && p, st, "vs_partitioned_var_value: graph and variable must not be NULL");
  VS_REQUIRE_OUT(p->graph == g, st, "vs_partitioned_var_value: the variable belongs to another graph");
  vs__lock(g);
  vs_output result = {NULL, 0};
  vs_thread_state *ts = vs__thread(g, st);
  size_t depth = ts ? ts->ns_depth : 0;
  char *saved = ts ? vs__strdup(ts->name_stack) : NULL;
  vs_output *in = saved ? malloc((p->n_parts + 1) * sizeof *in) : NULL;
  if (ts && !in) vs__oom(st);
  if (!in) goto done;
  vs_output value = {NULL, 0};
  if (p->n_parts == 1) {
    value = vs_var_value(p->parts[0]);
  } else {
    /* with ops.name_scope(name + "/ConcatPartitions/"): concat(parts, axis) */
    char *scope = vs__asprintf("%s/ConcatPartitions/", p->name);
    const char *entered = scope ? vs__name_scope_enter(g, ts, scope, st) : NULL;
    free(scope);
    const char *concat = entered ? vs__name_scope_enter(g, ts, "concat", st) : NULL;
    if (concat) {
      /* A resource part converts as TF 2.21's value() does (a new
       * "ReadVariableOp" in the concat scope, or its cached read), built
       * before the axis. */
      bool reads_ok = true;
      for (size_t i = 0; i < p->n_parts && reads_ok; i++) {
        vs_var *part = p->parts[i];
        in[i] = part->resource ? vs__resource_value(g, ts, part, st) : vs_var_value(part);
        reads_ok = in[i].op != NULL;
      }
      int32_t axis = p->slice_dim;
      vs_op *axis_op = reads_ok ? vs__constant(g, ts, &axis, VS_INT32, VS_SCALAR, "axis", st) : NULL;
      in[p->n_parts] = (vs_output){axis_op, 0};
      char *op_name = vs__strndup(concat, strlen(concat) - 1);
      vs_op *op = axis_op && op_name
                      ? vs__op_create(g, &(vs_op_spec){.type = "ConcatV2", .name = op_name, .inputs = in,
                                                       .n_inputs = (int)p->n_parts + 1, .has_output = true,
                                                       .dtype = p->dtype, .shape = p->shape}, st)
                      : NULL;
      if (!op_name) vs__oom(st);
      free(op_name);
      value = (vs_output){op, 0};
    }
    vs__name_scope_restore(ts, saved, depth);
  }
  /* with ops.name_scope(None): identity(value, name=name) */
  if (value.op && vs__name_scope_enter(g, ts, NULL, st)) {
    vs_op *id = vs__op_in_scope(g, ts, p->name,
                                &(vs_op_spec){.type = "Identity", .inputs = &value, .n_inputs = 1,
                                              .has_output = true, .dtype = p->dtype, .shape = p->shape}, st);
    if (id) result = (vs_output){id, 0};
  }
  vs__name_scope_restore(ts, saved, depth);
done:
  free(in);
  free(saved);
  vs__unlock(g);
  return result;
}
