/* tf_bundle.c - TensorFlow's V2 checkpoint index ("prefix.index"): a
 * LevelDB-format table (footer, index block, data blocks with
 * prefix-compressed keys and restart arrays, block trailers with masked
 * CRC32C) whose values are BundleEntryProto messages, and whose empty key
 * holds the BundleHeaderProto. Every length and offset is checked against
 * the bytes it lies in before use. */
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_internal.h"
#include "checkpoint/protobuf.h"

#define MAX_SHARDS 100000

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool corrupt(vs_checkpoint *c, vs_status *st, const char *what) {
  vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: corrupted checkpoint index: %s", vs__ckpt_name(c), what);
  return false;
}

/* ---- protobuf messages ---- */

static bool parse_shape(vs_checkpoint *c, vs__pb_rd r, vs__ckpt_entry *e, vs_status *st) {
  e->shape = (vs_shape){.known = true};
  vs__pb_field f;
  while (r.p < r.end) {
    if (!vs__pb_next(&r, &f)) return corrupt(c, st, "malformed TensorShapeProto");
    if (f.num == 2 && f.wire == 2) {
      if (e->shape.rank == VS_MAX_RANK) {
        vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: tensor '%s' has more than %d dimensions",
                 vs__ckpt_name(c), e->key, VS_MAX_RANK);
        return false;
      }
      int64_t size = 0;
      vs__pb_field d;
      while (f.sub.p < f.sub.end) {
        if (!vs__pb_next(&f.sub, &d)) return corrupt(c, st, "malformed TensorShapeProto.Dim");
        if (d.num == 1) {
          if (d.wire != 0) return corrupt(c, st, "malformed TensorShapeProto.Dim");
          size = (int64_t)d.v;
        }
      }
      if (size < 0) {
        vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: tensor '%s' has an unknown dimension",
                 vs__ckpt_name(c), e->key);
        return false;
      }
      e->shape.dims[e->shape.rank++] = size;
    } else if (f.num == 3 && f.wire == 0 && f.v) {
      vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: tensor '%s' has an unknown rank", vs__ckpt_name(c),
               e->key);
      return false;
    } else if (f.num == 2 || f.num == 3) {
      return corrupt(c, st, "malformed TensorShapeProto");
    }
  }
  return true;
}

static bool parse_entry(vs_checkpoint *c, vs__ckpt_entry *e, vs__pb_rd r, vs_status *st) {
  vs__pb_field f;
  uint64_t dtype = 0;
  while (r.p < r.end) {
    if (!vs__pb_next(&r, &f)) return corrupt(c, st, "malformed BundleEntryProto");
    static const int wire_of[] = {[1] = 0, [2] = 2, [3] = 0, [4] = 0, [5] = 0, [6] = 5, [7] = 2};
    if (f.num <= 7 && f.wire != wire_of[f.num]) return corrupt(c, st, "malformed BundleEntryProto");
    switch (f.num) {
    case 1: dtype = f.v; break;
    case 2:
      if (!parse_shape(c, f.sub, e, st)) return false;
      break;
    case 3: e->shard = (int32_t)(int64_t)f.v; break;
    case 4: e->offset = f.v; break;
    case 5: e->size = f.v; break;
    case 6:
      e->has_crc = true;
      e->crc = vs__crc_unmask((uint32_t)f.v);
      break;
    case 7:
      if (!vs__tf_parse_slice(c, e, f.sub, st)) return false;
      break;
    default: break;
    }
  }
  if (!e->shape.known) e->shape = (vs_shape){.known = true, .rank = 0};
  if (dtype > 1000 || !vs_dtype_is_valid((vs_dtype)dtype) ||
      (dtype != VS_STRING && !vs_dtype_size((vs_dtype)dtype))) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: tensor '%s' has dtype %llu, which varscope does not support",
             vs__ckpt_name(c), e->key, (unsigned long long)dtype);
    return false;
  }
  e->dtype = (vs_dtype)dtype;
  if ((int64_t)e->offset < 0 || (int64_t)e->size < 0) return corrupt(c, st, "negative offset or size");
  if (e->n_slices) return vs__tf_check_slices(c, e, st);
  /* A string tensor's size is its lengths, their checksum and its bytes:
   * checked when it is read (vs__ckpt_tensor). */
  return !e->readable || e->dtype == VS_STRING || vs__ckpt_check_size(c, e, st);
}

static bool parse_header(vs_checkpoint *c, vs__pb_rd r, vs_status *st) {
  vs__pb_field f;
  int64_t shards = 0;
  while (r.p < r.end) {
    if (!vs__pb_next(&r, &f)) return corrupt(c, st, "malformed BundleHeaderProto");
    if (f.num == 1 && f.wire == 0) {
      shards = (int64_t)f.v;
    } else if (f.num == 2 && f.wire == 0) {
      if (f.v != 0) {
        vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: big-endian tensor bundles are not supported",
                 vs__ckpt_name(c));
        return false;
      }
    } else if (f.num <= 3 && f.wire != (f.num == 3 ? 2 : 0)) {
      return corrupt(c, st, "malformed BundleHeaderProto");
    }
  }
  if (shards < 1 || shards > MAX_SHARDS) return corrupt(c, st, "bad number of shards");
  c->num_shards = (int32_t)shards;
  c->shard = calloc((size_t)shards, sizeof *c->shard);
  c->shard_len = calloc((size_t)shards, sizeof *c->shard_len);
  c->shard_loaded = calloc((size_t)shards, sizeof *c->shard_loaded);
  if (!c->shard || !c->shard_len || !c->shard_loaded) {
    vs__oom(st);
    return false;
  }
  return true;
}

/* ---- the table ---- */

typedef struct table {
  vs_checkpoint *c;
  const uint8_t *file;
  size_t len;
  char *key;             /* the current key (prefix-compressed keys build on it) */
  size_t key_len, key_cap;
  char *last;            /* the previous data key: keys must increase */
  size_t last_len, last_cap;
  size_t n_keys;
  uint64_t next_block;   /* data blocks must follow each other: the next may start here */
  uint64_t key_bytes;    /* total length of the data keys seen */
} table;

/* The keys' total length may exceed the file's (prefix compression shares
 * their common starts) but not without bound: a key that grows by one byte
 * per 3-byte entry would make the reader copy and compare quadratically. */
#define KEY_BYTES_PER_FILE_BYTE 64
#define KEY_BYTES_SLACK ((uint64_t)1 << 20)

typedef struct handle {
  uint64_t off, size;
} handle;

static bool read_handle(vs__pb_rd *r, handle *h) { return vs__pb_varint64(r, &h->off) && vs__pb_varint64(r, &h->size); }

/* The contents of a block, its trailer checked. */
static bool read_block(table *t, handle h, vs__pb_rd *out, vs_status *st) {
  if (h.off > t->len || h.size > t->len - h.off || t->len - h.off - h.size < 5)
    return corrupt(t->c, st, "block handle points outside the file");
  const uint8_t *b = t->file + h.off;
  uint8_t type = b[h.size];
  uint32_t want = vs__crc_unmask(le32(b + h.size + 1));
  uint32_t got = vs__crc32c_extend(vs__crc32c(b, (size_t)h.size), &type, 1);
  if (want != got) return corrupt(t->c, st, "block checksum mismatch");
  if (type != 0) {
    if (type == 1) {
      vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: snappy-compressed index blocks are not supported",
               vs__ckpt_name(t->c));
      return false;
    }
    return corrupt(t->c, st, "bad block compression type");
  }
  *out = (vs__pb_rd){b, b + h.size};
  return true;
}

typedef bool (*entry_fn)(table *t, const char *key, size_t klen, vs__pb_rd val, vs_status *st);

static bool block_foreach(table *t, vs__pb_rd blk, entry_fn fn, vs_status *st) {
  size_t n = (size_t)(blk.end - blk.p);
  if (n < 4) return corrupt(t->c, st, "block too small");
  uint32_t restarts = le32(blk.end - 4);
  if (restarts > (n - 4) / 4) return corrupt(t->c, st, "bad restart count");
  vs__pb_rd r = {blk.p, blk.end - 4 - 4 * (size_t)restarts};
  t->key_len = 0;
  while (r.p < r.end) {
    uint32_t shared, non_shared, vlen;
    if (!vs__pb_varint32(&r, &shared) || !vs__pb_varint32(&r, &non_shared) || !vs__pb_varint32(&r, &vlen))
      return corrupt(t->c, st, "malformed block entry");
    size_t left = (size_t)(r.end - r.p);
    if (shared > t->key_len || non_shared > left || vlen > left - non_shared)
      return corrupt(t->c, st, "block entry out of bounds");
    if (!VS_GROW(t->key, t->key_cap, (size_t)shared + non_shared + 1)) {
      vs__oom(st);
      return false;
    }
    memcpy(t->key + shared, r.p, non_shared);
    t->key_len = (size_t)shared + non_shared;
    t->key[t->key_len] = '\0';
    vs__pb_rd val = {r.p + non_shared, r.p + non_shared + vlen};
    r.p += non_shared + vlen;
    if (!fn(t, t->key, t->key_len, val, st)) return false;
  }
  return true;
}

/* A slice's data entry (its key starts with a 0 byte): kept apart from
 * the listed tensors, in key order (the table's keys increase). */
static bool add_slice_entry(vs_checkpoint *c, const char *key, size_t klen, vs__pb_rd val, vs_status *st) {
  char *k = malloc(klen + 1);
  if (!k || !VS_GROW(c->se, c->scap, c->sn + 1)) {
    free(k);
    vs__oom(st);
    return false;
  }
  memcpy(k, key, klen);
  k[klen] = '\0';
  vs__ckpt_entry *e = &c->se[c->sn++];
  *e = (vs__ckpt_entry){.key = k, .key_len = klen, .trainable = -1, .readable = true};
  if (!parse_entry(c, e, val, st)) return false;
  if (e->n_slices) return corrupt(c, st, "a slice's entry is itself sliced");
  if (e->shard < 0 || e->shard >= c->num_shards) return corrupt(c, st, "an entry names a shard that does not exist");
  return true;
}

static bool on_data_entry(table *t, const char *key, size_t klen, vs__pb_rd val, vs_status *st) {
  vs_checkpoint *c = t->c;
  if (klen && memchr(key + 1, '\0', klen - 1) && key[0] != '\0') return corrupt(c, st, "a key contains a NUL byte");
  t->key_bytes += klen;
  if (t->key_bytes > (uint64_t)t->len * KEY_BYTES_PER_FILE_BYTE + KEY_BYTES_SLACK)
    return corrupt(c, st, "keys far longer in total than the file");
  if (t->n_keys > 0) {
    size_t m = klen < t->last_len ? klen : t->last_len;
    int r = memcmp(t->last, key, m);
    if (r > 0 || (r == 0 && t->last_len >= klen)) return corrupt(c, st, "keys out of order or repeated");
  }
  if (!VS_GROW(t->last, t->last_cap, klen + 1)) {
    vs__oom(st);
    return false;
  }
  memcpy(t->last, key, klen);
  t->last_len = klen;
  t->n_keys++;
  if (klen == 0) return parse_header(c, val, st);
  if (!c->num_shards) return corrupt(c, st, "tensor entries before the header");
  if (key[0] == '\0') return add_slice_entry(c, key, klen, val, st);
  vs__ckpt_entry *e = vs__ckpt_add(c, key, klen, st);
  if (!e || !parse_entry(c, e, val, st)) return false;
  if (e->shard < 0 || e->shard >= c->num_shards) return corrupt(c, st, "an entry names a shard that does not exist");
  return true;
}

static bool on_index_entry(table *t, const char *key, size_t klen, vs__pb_rd val, vs_status *st) {
  (void)key;
  (void)klen;
  handle h;
  vs__pb_rd blk;
  if (!read_handle(&val, &h) || val.p != val.end) return corrupt(t->c, st, "malformed block handle");
  /* A table's data blocks lie one after another in key order. Requiring it
   * means each byte is checksummed and parsed at most once: N index entries
   * naming one block would otherwise cost N checksums of it. */
  if (h.off < t->next_block) return corrupt(t->c, st, "data blocks overlap or are out of order");
  if (!read_block(t, h, &blk, st)) return false;
  t->next_block = h.off + h.size + 5;
  /* The data block reuses the key buffer: save the index block's key state. */
  char *saved = t->key;
  size_t saved_len = t->key_len, saved_cap = t->key_cap;
  t->key = NULL;
  t->key_cap = 0;
  bool ok = block_foreach(t, blk, on_data_entry, st);
  free(t->key);
  t->key = saved;
  t->key_len = saved_len;
  t->key_cap = saved_cap;
  return ok;
}

bool vs__tf_index_parse(vs_checkpoint *c, const uint8_t *idx, size_t len, vs_status *st) {
  if (len < VS__TABLE_FOOTER_SIZE) return corrupt(c, st, "file too short for a table footer (truncated?)");
  const uint8_t *foot = idx + len - VS__TABLE_FOOTER_SIZE;
  uint64_t magic = (uint64_t)le32(foot + 40) | (uint64_t)le32(foot + 44) << 32;
  if (magic != VS__TABLE_MAGIC) {
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: not an sstable (bad magic number)", vs__ckpt_name(c));
    return false;
  }
  vs__pb_rd fr = {foot, foot + 40};
  handle meta, index;
  if (!read_handle(&fr, &meta) || !read_handle(&fr, &index)) return corrupt(c, st, "malformed footer");
  table t = {.c = c, .file = idx, .len = len - VS__TABLE_FOOTER_SIZE};
  vs__pb_rd blk;
  bool ok = read_block(&t, index, &blk, st) && block_foreach(&t, blk, on_index_entry, st);
  free(t.key);
  free(t.last);
  if (ok && !c->num_shards) ok = corrupt(c, st, "no header entry");
  return ok && vs__ckpt_sort(c, st);
}

vs__ckpt_entry *vs__ckpt_lookup_slice(const vs_checkpoint *c, const char *key, size_t len) {
  size_t lo = 0, hi = c->sn;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const vs__ckpt_entry *e = &c->se[mid];
    size_t m = e->key_len < len ? e->key_len : len;
    int r = memcmp(e->key, key, m);
    if (r == 0) r = (e->key_len > len) - (e->key_len < len);
    if (r == 0) return (vs__ckpt_entry *)e;
    if (r < 0) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

void vs__tf_set_shard(vs_checkpoint *c, int32_t k, uint8_t *data, size_t len) {
  if (k < 0 || k >= c->num_shards) {
    free(data);
    return;
  }
  free(c->shard[k]);
  c->shard[k] = data;
  c->shard_len[k] = len;
  c->shard_loaded[k] = true;
}
