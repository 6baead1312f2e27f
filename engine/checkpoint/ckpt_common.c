/* ckpt_common.c - the reader's entries: allocation, sorting, lookup, bounds
 * and CRC checks on tensor bytes, and TF's dtype and shape strings. */
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_internal.h"
#include "checkpoint/protobuf.h"

vs_checkpoint *vs__ckpt_alloc(vs_ckpt_format fmt, const char *path, vs_status *st) {
  vs_checkpoint *c = calloc(1, sizeof *c);
  if (c && path && !(c->path = vs__strdup(path))) {
    free(c);
    c = NULL;
  }
  if (!c) {
    vs__oom(st);
    return NULL;
  }
  c->format = fmt;
  return c;
}

/* Public (saver.h); here so the fuzz targets link without the runtime. */
static void free_entry(vs__ckpt_entry *e) {
  free(e->key);
  free(e->tensor_name);
  free(e->slices);
  if (e->collections)
    for (char **p = e->collections; *p; p++) free(*p);
  free(e->collections);
}

VS_API void vs_checkpoint_free(vs_checkpoint *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n; i++) free_entry(&c->e[i]);
  for (size_t i = 0; i < c->sn; i++) free_entry(&c->se[i]);
  free(c->e);
  free(c->se);
  free(c->file);
  for (int32_t k = 0; c->shard && k < c->num_shards; k++) free(c->shard[k]);
  free(c->shard);
  free(c->shard_len);
  free(c->shard_loaded);
  free(c->path);
  free(c);
}

vs__ckpt_entry *vs__ckpt_add(vs_checkpoint *c, const char *key, size_t key_len, vs_status *st) {
  char *k = vs__strndup(key, key_len);
  if (!k || !VS_GROW(c->e, c->cap, c->n + 1)) {
    free(k);
    vs__oom(st);
    return NULL;
  }
  vs__ckpt_entry *e = &c->e[c->n++];
  *e = (vs__ckpt_entry){.key = k, .trainable = -1, .readable = true};
  return e;
}

static int cmp_entry(const void *a, const void *b) {
  return strcmp(((const vs__ckpt_entry *)a)->key, ((const vs__ckpt_entry *)b)->key);
}

bool vs__ckpt_sort(vs_checkpoint *c, vs_status *st) {
  if (c->n > 1) qsort(c->e, c->n, sizeof *c->e, cmp_entry);
  for (size_t i = 1; i < c->n; i++)
    if (strcmp(c->e[i - 1].key, c->e[i].key) == 0) {
      vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: duplicate tensor key '%s'", vs__ckpt_name(c),
               c->e[i].key);
      return false;
    }
  return true;
}

bool vs__ckpt_check_size(const vs_checkpoint *c, const vs__ckpt_entry *e, vs_status *st) {
  uint64_t n = 1;
  for (int d = 0; d < e->shape.rank; d++) {
    if (e->shape.dims[d] < 0 || __builtin_mul_overflow(n, (uint64_t)e->shape.dims[d], &n)) {
      vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: tensor '%s' has an invalid shape", vs__ckpt_name(c),
               e->key);
      return false;
    }
  }
  uint64_t bytes = 0;
  bool overflow = __builtin_mul_overflow(n, (uint64_t)vs_dtype_size(e->dtype), &bytes);
  if (overflow || bytes != e->size) {
    char need[32];
    if (overflow) snprintf(need, sizeof need, "more than 2^64");
    else snprintf(need, sizeof need, "%llu", (unsigned long long)bytes);
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR,
             "%s: tensor '%s' holds %llu bytes but its dtype and shape need %s", vs__ckpt_name(c), e->key,
             (unsigned long long)e->size, need);
    return false;
  }
  return true;
}

vs__ckpt_entry *vs__ckpt_lookup(const vs_checkpoint *c, const char *key) {
  size_t lo = 0, hi = c ? c->n : 0;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int r = strcmp(c->e[mid].key, key);
    if (r == 0) return &c->e[mid];
    if (r < 0) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

static bool load_shard(vs_checkpoint *c, int32_t k, vs_status *st) {
  if (c->shard_loaded[k]) return true;
  if (!c->path) {
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: no data for shard %d", vs__ckpt_name(c), (int)k);
    return false;
  }
  char *name = vs__asprintf("%s.data-%05d-of-%05d", c->path, (int)k, (int)c->num_shards);
  if (!name) {
    vs__oom(st);
    return false;
  }
  uint8_t *buf = NULL;
  size_t len = 0;
  bool ok = vs__read_file(name, &buf, &len, st);
  if (!ok && vs_status_code(st) == VS_NOT_FOUND)
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "Unable to open data file %s: the checkpoint is incomplete",
             name);
  free(name);
  if (ok) vs__tf_set_shard(c, k, buf, len);
  return ok;
}

const uint8_t *vs__ckpt_bytes(vs_checkpoint *c, vs__ckpt_entry *e, vs_status *st) {
  if (!e->readable) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: tensor '%s' is marked unreadable, which varscope cannot read",
             vs__ckpt_name(c), e->key);
    return NULL;
  }
  const uint8_t *base;
  size_t len;
  if (c->format == VS_CKPT_SAFETENSORS) {
    base = c->file;
    len = c->file_len;
  } else {
    if (e->shard < 0 || e->shard >= c->num_shards || !load_shard(c, e->shard, st)) {
      if (!vs__failed(st))
        vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: tensor '%s' names shard %d of %d", vs__ckpt_name(c),
                 e->key, (int)e->shard, (int)c->num_shards);
      return NULL;
    }
    base = c->shard[e->shard];
    len = c->shard_len[e->shard];
  }
  if (e->offset > len || e->size > len - e->offset) {
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR,
             "%s: tensor '%s' (bytes %llu..%llu) lies outside its data file of %llu bytes", vs__ckpt_name(c),
             e->key, (unsigned long long)e->offset, (unsigned long long)e->offset + e->size,
             (unsigned long long)len);
    return NULL;
  }
  const uint8_t *p = base ? base + e->offset : (const uint8_t *)"";
  /* A string tensor's CRC covers its lengths as integers, not as stored:
   * vs__ckpt_tensor checks it. */
  if (e->has_crc && !e->crc_checked && e->dtype != VS_STRING) {
    uint32_t got = vs__crc32c(p, (size_t)e->size);
    if (got != e->crc) {
      vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR,
               "TensorBundle at %s shard %d (%llu bytes): Checksum does not match: stored %u vs. calculated on "
               "the restored bytes %u (tensor '%s')",
               vs__ckpt_name(c), (int)e->shard, (unsigned long long)e->size, (unsigned)e->crc, (unsigned)got,
               e->key);
      return NULL;
    }
    e->crc_checked = true;
  }
  return p;
}

static vs_tensor *string_fail(vs_checkpoint *c, const vs__ckpt_entry *e, vs_status *st, const char *what) {
  vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: string tensor '%s' is corrupt: %s", vs__ckpt_name(c), e->key, what);
  return NULL;
}

/* TF's string layout (tensor_bundle.cc WriteStringTensor): each element's
 * length as a varint64, a masked CRC32C of the lengths (each as a uint32
 * when it fits, else a uint64), then the bytes. The entry's CRC32C extends
 * that length CRC with the stored checksum and the bytes. */
static vs_tensor *decode_strings(vs_checkpoint *c, vs__ckpt_entry *e, const uint8_t *p, vs_status *st) {
  int64_t n = vs_shape_num_elements(e->shape);
  if (n < 0 || (uint64_t)n > e->size) return string_fail(c, e, st, "more elements than bytes");
  vs__pb_rd r = {p, p + e->size};
  uint64_t *lens = malloc((size_t)(n ? n : 1) * sizeof *lens);
  const char **ptrs = malloc((size_t)(n ? n : 1) * sizeof *ptrs);
  char *text = NULL;
  vs_tensor *t = NULL;
  if (!lens || !ptrs) {
    vs__oom(st);
    goto out;
  }
  uint32_t crc = 0;
  uint64_t total = 0;
  for (int64_t i = 0; i < n; i++) {
    if (!vs__pb_varint64(&r, &lens[i])) {
      string_fail(c, e, st, "malformed length");
      goto out;
    }
    uint8_t le[8];
    size_t w = lens[i] <= UINT32_MAX ? 4 : 8;
    for (size_t k = 0; k < w; k++) le[k] = (uint8_t)(lens[i] >> (8 * k));
    crc = vs__crc32c_extend(crc, le, w);
    if (lens[i] > e->size || (total += lens[i]) > e->size) {
      string_fail(c, e, st, "lengths exceed the tensor's bytes");
      goto out;
    }
  }
  if (r.end - r.p < 4) {
    string_fail(c, e, st, "no length checksum");
    goto out;
  }
  uint32_t stored = (uint32_t)r.p[0] | (uint32_t)r.p[1] << 8 | (uint32_t)r.p[2] << 16 | (uint32_t)r.p[3] << 24;
  if (vs__crc_unmask(stored) != crc) {
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR,
             "%s: the length checksum does not match: expected %u but actual is %u (tensor '%s')",
             vs__ckpt_name(c), (unsigned)vs__crc_unmask(stored), (unsigned)crc, e->key);
    goto out;
  }
  crc = vs__crc32c_extend(crc, r.p, 4);
  r.p += 4;
  if ((uint64_t)(r.end - r.p) != total) {
    string_fail(c, e, st, "its lengths do not add up to its size");
    goto out;
  }
  if (!(text = malloc((size_t)total + (size_t)n + 1))) {
    vs__oom(st);
    goto out;
  }
  crc = vs__crc32c_extend(crc, r.p, (size_t)total);
  if (e->has_crc && crc != e->crc) {
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR,
             "TensorBundle at %s shard %d (%llu bytes): Checksum does not match: stored %u vs. calculated on "
             "the restored bytes %u (tensor '%s')",
             vs__ckpt_name(c), (int)e->shard, (unsigned long long)e->size, (unsigned)e->crc, (unsigned)crc, e->key);
    goto out;
  }
  char *q = text;
  for (int64_t i = 0; i < n; i++) {
    if (memchr(r.p, '\0', (size_t)lens[i])) {
      vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR,
               "%s: string tensor '%s' holds a NUL byte, which varscope's strings cannot", vs__ckpt_name(c), e->key);
      goto out;
    }
    memcpy(q, r.p, (size_t)lens[i]);
    q[lens[i]] = '\0';
    ptrs[i] = q;
    q += lens[i] + 1;
    r.p += lens[i];
  }
  t = vs_tensor_new_strings(e->shape, ptrs, st);
out:
  free(lens);
  free(ptrs);
  free(text);
  return t;
}

vs_tensor *vs__ckpt_tensor(vs_checkpoint *c, vs__ckpt_entry *e, vs_status *st) {
  if (e->n_slices) return vs__tf_assemble(c, e, st);
  const uint8_t *p = vs__ckpt_bytes(c, e, st);
  if (!p) return NULL;
  if (e->dtype == VS_STRING) return decode_strings(c, e, p, st);
  return vs_tensor_new(e->dtype, e->shape, p, st);
}

const char *vs__ckpt_name(const vs_checkpoint *c) { return c && c->path ? c->path : "<memory>"; }
