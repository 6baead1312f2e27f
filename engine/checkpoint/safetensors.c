/* safetensors.c - the safetensors format: an 8-byte little-endian header
 * length N, N bytes of JSON (parsed with jansson), then the tensors' raw
 * little-endian bytes, contiguous and without holes. The "__metadata__" map
 * carries varscope's "varscope.variables" (tensor names, trainable flags,
 * collections) as a JSON string. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_internal.h"

#define META_KEY "varscope.variables"

static const struct {
  const char *code;
  vs_dtype dtype;
} st_dtypes[] = {
    {"F64", VS_DOUBLE}, {"F32", VS_FLOAT},   {"F16", VS_HALF},   {"BF16", VS_BFLOAT16}, {"I64", VS_INT64},
    {"I32", VS_INT32},  {"I16", VS_INT16},   {"I8", VS_INT8},    {"U64", VS_UINT64},    {"U32", VS_UINT32},
    {"U16", VS_UINT16}, {"U8", VS_UINT8},    {"BOOL", VS_BOOL},  {"C64", VS_COMPLEX64},
};

const char *vs__safetensors_dtype(vs_dtype dt) {
  for (size_t i = 0; i < sizeof st_dtypes / sizeof *st_dtypes; i++)
    if (st_dtypes[i].dtype == dt) return st_dtypes[i].code;
  return NULL;
}

static vs_dtype dtype_of(const char *code) {
  for (size_t i = 0; i < sizeof st_dtypes / sizeof *st_dtypes; i++)
    if (strcmp(st_dtypes[i].code, code) == 0) return st_dtypes[i].dtype;
  return VS_DTYPE_DEFAULT;
}

static uint64_t load_le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

/* A non-negative JSON integer. */
static bool get_uint(const json_t *j, uint64_t *out) {
  if (!json_is_integer(j) || json_integer_value(j) < 0) return false;
  *out = (uint64_t)json_integer_value(j);
  return true;
}

static bool parse_entry(vs_checkpoint *c, const char *key, const json_t *val, uint64_t data_start,
                        uint64_t data_len, vs_status *st) {
  const char *name = vs__ckpt_name(c);
  const json_t *jd = json_object_get(val, "dtype"), *js = json_object_get(val, "shape"),
               *jo = json_object_get(val, "data_offsets");
  if (!json_is_object(val) || !json_is_string(jd) || !json_is_array(js) || !json_is_array(jo) ||
      json_array_size(jo) != 2) {
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR,
             "%s: tensor '%s' needs \"dtype\" (a string), \"shape\" (an array) and \"data_offsets\" "
             "([begin, end])",
             name, key);
    return false;
  }
  vs_dtype dt = dtype_of(json_string_value(jd));
  if (!dt) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: tensor '%s' has dtype %s, which varscope does not support",
             name, key, json_string_value(jd));
    return false;
  }
  if (json_array_size(js) > VS_MAX_RANK) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: tensor '%s' has rank %zu; varscope supports up to %d",
             name, key, json_array_size(js), VS_MAX_RANK);
    return false;
  }
  vs_shape shape = {.known = true, .rank = (int)json_array_size(js)};
  for (int d = 0; d < shape.rank; d++) {
    uint64_t dim;
    if (!get_uint(json_array_get(js, (size_t)d), &dim) || dim > INT64_MAX) {
      vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: tensor '%s' has a shape that is not a list of sizes",
               name, key);
      return false;
    }
    shape.dims[d] = (int64_t)dim;
  }
  uint64_t begin, end;
  if (!get_uint(json_array_get(jo, 0), &begin) || !get_uint(json_array_get(jo, 1), &end) || begin > end ||
      end > data_len) {
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR,
             "%s: tensor '%s' has data_offsets outside the %llu data bytes of the file", name, key,
             (unsigned long long)data_len);
    return false;
  }
  vs__ckpt_entry *e = vs__ckpt_add(c, key, strlen(key), st);
  if (!e) return false;
  e->dtype = dt;
  e->shape = shape;
  e->offset = data_start + begin;
  e->size = end - begin;
  return vs__ckpt_check_size(c, e, st);
}

static int cmp_offset(const void *a, const void *b) {
  const vs__ckpt_entry *x = *(vs__ckpt_entry *const *)a, *y = *(vs__ckpt_entry *const *)b;
  if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
  if (x->size != y->size) return x->size < y->size ? -1 : 1;
  return 0;
}

/* The buffer must be entirely indexed: sorted by offset, each tensor starts
 * where the previous ended, and the last ends at the end of the file. */
static bool check_layout(vs_checkpoint *c, uint64_t data_start, vs_status *st) {
  const char *name = vs__ckpt_name(c);
  vs__ckpt_entry **order = malloc((c->n ? c->n : 1) * sizeof *order);
  if (!order) {
    vs__oom(st);
    return false;
  }
  for (size_t i = 0; i < c->n; i++) order[i] = &c->e[i];
  qsort(order, c->n, sizeof *order, cmp_offset);
  uint64_t at = data_start;
  bool ok = true;
  for (size_t i = 0; i < c->n && ok; i++) {
    if (order[i]->offset != at) {
      vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: tensor '%s' %s", name, order[i]->key,
               order[i]->offset < at ? "overlaps the tensor before it" : "leaves a hole before it");
      ok = false;
    }
    at += order[i]->size;
  }
  if (ok && at != c->file_len) {
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR,
             "%s: the header describes %llu data bytes but the file holds %llu (truncated or trailing data)", name,
             (unsigned long long)(at - data_start), (unsigned long long)(c->file_len - data_start));
    ok = false;
  }
  free(order);
  return ok;
}

/* A NULL-terminated copy of a JSON array of strings; NULL with *bad set when
 * an element is not a string, NULL with *oom set when out of memory. */
static char **string_list(const json_t *arr, bool *bad, bool *oom) {
  size_t n = json_array_size(arr);
  char **out = calloc(n + 1, sizeof *out);
  for (size_t i = 0; out && i < n; i++) {
    const json_t *s = json_array_get(arr, i);
    if (!json_is_string(s)) *bad = true;
    else if (!(out[i] = vs__strdup(json_string_value(s)))) *oom = true;
    if (*bad || *oom) {
      for (size_t k = 0; k < i; k++) free(out[k]);
      free(out);
      return NULL;
    }
  }
  if (!out) *oom = true;
  return out;
}

static bool parse_varscope_meta(vs_checkpoint *c, const char *text, vs_status *st) {
  json_error_t jerr;
  json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
  bool bad = !json_is_object(root), oom = false;
  const char *key;
  json_t *val;
  json_object_foreach(root, key, val) {
    if (bad || oom) break;
    vs__ckpt_entry *e = vs__ckpt_lookup(c, key);
    const json_t *jn = json_object_get(val, "name"), *jt = json_object_get(val, "trainable"),
                 *jc = json_object_get(val, "collections");
    if (!e || !json_is_object(val) || (jn && !json_is_string(jn)) || (jt && !json_is_boolean(jt)) ||
        (jc && !json_is_array(jc)) || e->tensor_name || e->collections) {
      bad = true;
      break;
    }
    if (jn && !(e->tensor_name = vs__strdup(json_string_value(jn)))) oom = true;
    if (jt) e->trainable = json_is_true(jt);
    if (jc && !oom) e->collections = string_list(jc, &bad, &oom);
  }
  json_decref(root);
  if (oom) vs__oom(st);
  else if (bad)
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: the \"" META_KEY "\" metadata is malformed",
             vs__ckpt_name(c));
  return !oom && !bad;
}

bool vs__safetensors_parse(vs_checkpoint *c, uint8_t *buf, size_t len, vs_status *st) {
  c->file = buf;
  c->file_len = len;
  const char *name = vs__ckpt_name(c);
  if (len < 8) {
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR,
             "%s: not a safetensors file: %zu bytes, shorter than the 8-byte header length", name, len);
    return false;
  }
  uint64_t hlen = load_le64(buf);
  if (hlen > VS_ST_MAX_HEADER) {
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR,
             "%s: header length %llu exceeds safetensors' limit of %u bytes (not a safetensors file?)", name,
             (unsigned long long)hlen, VS_ST_MAX_HEADER);
    return false;
  }
  if (hlen > len - 8) {
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR,
             "%s: header length %llu exceeds the %zu bytes that follow it (truncated file?)", name,
             (unsigned long long)hlen, len - 8);
    return false;
  }
  json_error_t jerr;
  json_t *root = json_loadb((const char *)buf + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &jerr);
  if (!root || !json_is_object(root)) {
    if (root)
      vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: the header is not a JSON object", name);
    else
      vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: invalid JSON header: %s (byte %d)", name, jerr.text,
               jerr.position);
    json_decref(root);
    return false;
  }
  uint64_t data_start = 8 + hlen;
  const char *key;
  json_t *val, *meta = NULL;
  bool ok = true;
  json_object_foreach(root, key, val) {
    if (strcmp(key, "__metadata__") == 0) {
      meta = val;
      continue;
    }
    if (!(ok = parse_entry(c, key, val, data_start, len - data_start, st))) break;
  }
  if (ok) ok = check_layout(c, data_start, st) && vs__ckpt_sort(c, st);
  if (ok && meta) {
    const char *mk;
    json_t *mv;
    if (!json_is_object(meta)) ok = false;
    else
      json_object_foreach(meta, mk, mv) if (!json_is_string(mv)) ok = false;
    if (!ok)
      vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: \"__metadata__\" must map strings to strings", name);
    const json_t *vm = ok ? json_object_get(meta, META_KEY) : NULL;
    if (vm) ok = parse_varscope_meta(c, json_string_value(vm), st);
  }
  json_decref(root);
  return ok;
}

/* ---- writing ---- */

static bool set_new(json_t *obj, const char *key, json_t *val) {
  return val && json_object_set_new(obj, key, val) == 0;
}

static json_t *header_json(const vs__st_item *items, size_t n, vs_status *st) {
  json_t *root = json_object(), *meta = json_object(), *vars = json_object();
  bool ok = root && meta && vars && set_new(meta, "format", json_string("varscope"));
  uint64_t at = 0;
  for (size_t i = 0; ok && i < n; i++) {
    const vs__st_item *it = &items[i];
    const char *code = vs__safetensors_dtype(it->dtype);
    if (!code) {
      vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "safetensors has no dtype for %s (tensor '%s')",
               vs_dtype_name(it->dtype), it->key);
      ok = false;
      break;
    }
    /* set_new and append_new take the new value, also when they fail. */
    json_t *t = json_object(), *shape = json_array(), *offs = json_array();
    bool built = t && shape && offs;
    for (int d = 0; built && d < it->shape.rank; d++)
      built = json_array_append_new(shape, json_integer(it->shape.dims[d])) == 0;
    built = built && json_array_append_new(offs, json_integer((json_int_t)at)) == 0 &&
            json_array_append_new(offs, json_integer((json_int_t)(at + it->size))) == 0;
    built = built && set_new(t, "dtype", json_string(code));
    if (built) {
      built = set_new(t, "shape", shape);
      shape = NULL;
    }
    if (built) {
      built = set_new(t, "data_offsets", offs);
      offs = NULL;
    }
    json_decref(shape);
    json_decref(offs);
    if (!built) {
      json_decref(t);
      ok = false;
      break;
    }
    ok = set_new(root, it->key, t);
    json_t *v = json_object();
    ok = set_new(vars, it->key, v) && ok;
    at += it->size;
    if (ok && it->tensor_name) ok = set_new(v, "name", json_string(it->tensor_name));
    if (ok && it->trainable >= 0) ok = set_new(v, "trainable", json_boolean(it->trainable));
    if (ok && it->collections) {
      json_t *cl = json_array();
      ok = set_new(v, "collections", cl);
      for (const char *const *c = it->collections; ok && *c; c++) ok = json_array_append_new(cl, json_string(*c)) == 0;
    }
  }
  char *vtext = ok ? json_dumps(vars, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  ok = ok && vtext && set_new(meta, META_KEY, json_string(vtext));
  free(vtext);
  /* __metadata__ first, as the Python package writes it. */
  json_t *ordered = ok ? json_object() : NULL;
  ok = ok && set_new(ordered, "__metadata__", meta);
  meta = NULL;
  ok = ok && json_object_update(ordered, root) == 0;
  json_decref(root);
  json_decref(meta);
  json_decref(vars);
  if (!ok) {
    json_decref(ordered);
    if (!vs__failed(st)) vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
                                  "cannot build the safetensors header (out of memory or a key that is not UTF-8)");
    return NULL;
  }
  return ordered;
}

bool vs__safetensors_write(FILE *f, const char *name, const vs__st_item *items, size_t n, vs_status *st) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
  vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "safetensors writing needs a little-endian host");
  return false;
#endif
  json_t *hdr = header_json(items, n, st);
  if (!hdr) return false;
  char *text = json_dumps(hdr, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(hdr);
  if (!text) {
    vs__oom(st);
    return false;
  }
  size_t tlen = strlen(text), pad = (8 - tlen % 8) % 8;
  uint64_t hlen = tlen + pad;
  uint8_t le[8];
  for (int i = 0; i < 8; i++) le[i] = (uint8_t)(hlen >> (8 * i));
  errno = 0;
  bool ok = fwrite(le, 1, 8, f) == 8 && fwrite(text, 1, tlen, f) == tlen && fwrite("       ", 1, pad, f) == pad;
  free(text);
  for (size_t i = 0; ok && i < n; i++) ok = !items[i].size || fwrite(items[i].data, 1, items[i].size, f) == items[i].size;
  if (!ok) vs__io_fail(st, errno ? errno : EIO, "Cannot write", name);
  return ok;
}
