/* tf_bundle_write.c - writing TensorFlow V2 tensor bundles, byte for byte
 * as TF's BundleWriter and its LevelDB TableBuilder do (checked against
 * files TF 2.21 wrote): the data shard holds each tensor's bytes in key
 * order with no padding (data_alignment 1); the index is a table with
 * 256 KiB data blocks (TF's table::Options block_size 262144), a restart
 * point every 16 keys, shortest-separator keys in the index block (one
 * restart per entry), an empty metaindex block, uncompressed blocks with
 * masked CRC32C trailers, and the 48-byte footer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_internal.h"
#include "checkpoint/protobuf.h"

#define BLOCK_SIZE 262144
#define RESTART_INTERVAL 16
/* BundleHeaderProto.version.producer (TF's kTensorBundleVersion). */
#define BUNDLE_VERSION 1

/* One LevelDB block being built (BlockBuilder). */
typedef struct block {
  vs__pb_buf buf;
  uint32_t *restarts;
  size_t n_restarts, restarts_cap;
  int counter;       /* entries since the last restart */
  int interval;
  char *last;        /* the previous key, for prefix compression */
  size_t last_len, last_cap;
  bool oom;
} block;

static void block_reset(block *b) {
  b->buf.len = 0;
  b->n_restarts = 0;
  b->counter = 0;
  b->last_len = 0;
  if (!VS_GROW(b->restarts, b->restarts_cap, 1)) b->oom = true;
  else b->restarts[b->n_restarts++] = 0;
}

static void block_free(block *b) {
  vs__pb_free(&b->buf);
  free(b->restarts);
  free(b->last);
}

static size_t block_estimate(const block *b) { return b->buf.len + b->n_restarts * 4 + 4; }

static void block_add(block *b, const char *key, size_t klen, const void *val, size_t vlen) {
  size_t shared = 0;
  if (b->counter < b->interval) {
    size_t m = klen < b->last_len ? klen : b->last_len;
    while (shared < m && b->last[shared] == key[shared]) shared++;
  } else {
    if (!VS_GROW(b->restarts, b->restarts_cap, b->n_restarts + 1)) b->oom = true;
    else b->restarts[b->n_restarts++] = (uint32_t)b->buf.len;
    b->counter = 0;
  }
  vs__pb_put_varint(&b->buf, shared);
  vs__pb_put_varint(&b->buf, klen - shared);
  vs__pb_put_varint(&b->buf, vlen);
  vs__pb_raw(&b->buf, key + shared, klen - shared);
  vs__pb_raw(&b->buf, val, vlen);
  if (!VS_GROW(b->last, b->last_cap, klen + 1)) {
    b->oom = true;
    return;
  }
  memcpy(b->last, key, klen);
  b->last_len = klen;
  b->counter++;
}

/* The block's contents with its restart array. */
static void block_finish(block *b) {
  for (size_t i = 0; i < b->n_restarts; i++) vs__pb_put_le32(&b->buf, b->restarts[i]);
  vs__pb_put_le32(&b->buf, (uint32_t)b->n_restarts);
}

/* The table being written (TableBuilder): the file so far is `out`,
 * written to the FILE at the end (index files are small). */
typedef struct table_builder {
  vs__pb_buf out;
  block data, index;
  char *last_key;        /* the table's last key (the data block forgets its own at a flush) */
  size_t last_len, last_cap;
  bool pending;          /* a data block was flushed; its index entry waits for the next key */
  uint64_t pending_off, pending_size;
} table_builder;

/* Appends a block with its trailer (type 0: uncompressed; masked CRC32C
 * of contents and type) and gives its handle; the block starts afresh. */
static void write_block(table_builder *t, block *b, uint64_t *off, uint64_t *size) {
  block_finish(b);
  if (b->buf.oom || b->oom) t->out.oom = true;
  *off = t->out.len;
  *size = b->buf.len;
  vs__pb_raw(&t->out, b->buf.p, b->buf.len);
  uint8_t type = 0;
  uint32_t crc = vs__crc32c_extend(vs__crc32c(b->buf.p ? b->buf.p : (const uint8_t *)"", b->buf.len), &type, 1);
  vs__pb_raw(&t->out, &type, 1);
  vs__pb_put_le32(&t->out, vs__crc_mask(crc));
  block_reset(b);
}

/* The pending data block's index entry under the first `klen` bytes of
 * the table's last key. */
static void index_entry(table_builder *t, size_t klen) {
  vs__pb_buf h = {0};
  vs__pb_put_varint(&h, t->pending_off);
  vs__pb_put_varint(&h, t->pending_size);
  if (h.oom) t->out.oom = true;
  block_add(&t->index, t->last_key, klen, h.p, h.len);
  vs__pb_free(&h);
  t->pending = false;
}

/* BytewiseComparator::FindShortestSeparator(start, limit): the shortest
 * key >= start and < limit, written over start; returns its length. */
static size_t shortest_separator(char *start, size_t slen, const char *limit, size_t llen) {
  size_t m = slen < llen ? slen : llen, d = 0;
  while (d < m && start[d] == limit[d]) d++;
  if (d < m) {
    uint8_t c = (uint8_t)start[d];
    if (c < 0xff && c + 1 < (uint8_t)limit[d]) {
      start[d] = (char)(c + 1);
      return d + 1;
    }
  }
  return slen;
}

/* BytewiseComparator::FindShortSuccessor: the shortest key >= key. */
static size_t short_successor(char *key, size_t len) {
  for (size_t i = 0; i < len; i++)
    if ((uint8_t)key[i] != 0xff) {
      key[i] = (char)((uint8_t)key[i] + 1);
      return i + 1;
    }
  return len;
}

static void table_add(table_builder *t, const char *key, size_t klen, const void *val, size_t vlen) {
  if (t->pending) index_entry(t, shortest_separator(t->last_key, t->last_len, key, klen));
  if (!VS_GROW(t->last_key, t->last_cap, klen + 1)) {
    t->out.oom = true;
    return;
  }
  memcpy(t->last_key, key, klen);
  t->last_len = klen;
  block_add(&t->data, key, klen, val, vlen);
  if (block_estimate(&t->data) >= BLOCK_SIZE) {
    write_block(t, &t->data, &t->pending_off, &t->pending_size);
    t->pending = true;
  }
}

static void table_finish(table_builder *t) {
  if (t->data.buf.len > 0) {
    write_block(t, &t->data, &t->pending_off, &t->pending_size);
    t->pending = true;
  }
  block meta = {.interval = RESTART_INTERVAL};
  block_reset(&meta);
  uint64_t meta_off, meta_size, index_off, index_size;
  write_block(t, &meta, &meta_off, &meta_size);
  block_free(&meta);
  if (t->pending) index_entry(t, short_successor(t->last_key, t->last_len));
  write_block(t, &t->index, &index_off, &index_size);
  size_t foot = t->out.len;
  vs__pb_put_varint(&t->out, meta_off);
  vs__pb_put_varint(&t->out, meta_size);
  vs__pb_put_varint(&t->out, index_off);
  vs__pb_put_varint(&t->out, index_size);
  static const uint8_t zeros[40];
  if (!t->out.oom) vs__pb_raw(&t->out, zeros, 40 - (t->out.len - foot));
  vs__pb_put_le64(&t->out, VS__TABLE_MAGIC);
}

/* ---- the data shard ---- */

static bool put(FILE *f, const char *name, const void *p, size_t n, vs_status *st) {
  errno = 0;
  if (n && fwrite(p, 1, n, f) != n) {
    vs__io_fail(st, errno ? errno : EIO, "Cannot write", name);
    return false;
  }
  return true;
}

/* A string tensor as WriteStringTensor lays it out (see decode_strings in
 * ckpt_common.c); *size and *crc receive its size and CRC32C. */
static bool write_strings(FILE *f, const char *name, const vs_tensor *v, uint64_t *size, uint32_t *crc,
                          vs_status *st) {
  size_t n = vs_tensor_num_elements(v);
  vs__pb_buf lens = {0};
  uint32_t c = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t len = strlen(vs_tensor_string(v, i));
    vs__pb_put_varint(&lens, len);
    uint8_t le[8];
    size_t w = len <= UINT32_MAX ? 4 : 8;
    for (size_t k = 0; k < w; k++) le[k] = (uint8_t)(len >> (8 * k));
    c = vs__crc32c_extend(c, le, w);
  }
  vs__pb_put_le32(&lens, vs__crc_mask(c));
  if (lens.oom) {
    vs__pb_free(&lens);
    vs__oom(st);
    return false;
  }
  c = vs__crc32c_extend(c, lens.p + lens.len - 4, 4);
  bool ok = put(f, name, lens.p, lens.len, st);
  *size = lens.len;
  vs__pb_free(&lens);
  for (size_t i = 0; ok && i < n; i++) {
    const char *s = vs_tensor_string(v, i);
    size_t len = strlen(s);
    c = vs__crc32c_extend(c, s, len);
    ok = put(f, name, s, len, st);
    *size += len;
  }
  *crc = c;
  return ok;
}

/* BundleEntryProto, proto3 style (zero fields left out, the shape always
 * present): dtype 1, shape 2, shard_id 3, offset 4, size 5, crc32c 6; a
 * sliced full-tensor entry (no data) has only dtype and shape, and its
 * slices (7) are appended by the caller. */
static void entry_proto(vs__pb_buf *b, vs_dtype dt, vs_shape shape, bool has_data, uint64_t off, uint64_t size,
                        uint32_t crc) {
  vs__pb_varint_field(b, 1, (uint64_t)dt);
  vs__pb_buf sh = {0};
  for (int d = 0; d < shape.rank; d++) {
    vs__pb_buf dim = {0};
    if (shape.dims[d]) vs__pb_varint_field(&dim, 1, (uint64_t)shape.dims[d]);
    vs__pb_msg_field(&sh, 2, &dim);
    vs__pb_free(&dim);
  }
  vs__pb_msg_field(b, 2, &sh);
  vs__pb_free(&sh);
  if (!has_data) return;
  if (off) vs__pb_varint_field(b, 4, off);
  if (size) vs__pb_varint_field(b, 5, size);
  uint32_t masked = vs__crc_mask(crc);
  if (masked) vs__pb_fixed32_field(b, 6, masked);
}

/* One index entry: its key (a slice key holds 0 bytes) and value. */
typedef struct record {
  vs__pb_buf key, val;
} record;

static int cmp_record(const void *a, const void *b) {
  const record *x = a, *y = b;
  size_t m = x->key.len < y->key.len ? x->key.len : y->key.len;
  int r = m ? memcmp(x->key.p, y->key.p, m) : 0;
  return r ? r : (x->key.len > y->key.len) - (x->key.len < y->key.len);
}

/* The slice of item it: start and length per axis. */
static void slice_of(const vs__bundle_item *it, int64_t *start, int64_t *len) {
  for (int d = 0; d < it->slice->full_shape.rank; d++) {
    start[d] = it->slice->var_offset[d];
    len[d] = it->slice->var_shape.dims[d];
  }
}

bool vs__tf_bundle_write(FILE *data, const char *data_name, FILE *index, const char *index_name,
                         const vs__bundle_item *items, size_t n, vs_status *st) {
  table_builder t = {.data = {.interval = RESTART_INTERVAL}, .index = {.interval = 1}};
  block_reset(&t.data);
  block_reset(&t.index);
  /* At most two records an item: its data entry, and a sliced tensor's
   * full entry (one per group of slices). */
  record *rec = calloc(2 * n + 1, sizeof *rec);
  size_t nrec = 0;
  vs__pb_buf ver = {0};
  bool ok = rec != NULL;
  if (!ok) vs__oom(st);
  /* BundleHeaderProto: num_shards 1, endianness LITTLE (0, left out),
   * version {producer 1}. */
  if (ok) {
    record *h = &rec[nrec++];
    vs__pb_varint_field(&h->val, 1, 1);
    vs__pb_varint_field(&ver, 1, BUNDLE_VERSION);
    vs__pb_msg_field(&h->val, 3, &ver);
  }
  uint64_t off = 0;
  record *full = NULL; /* the full entry of the current group of slices */
  for (size_t i = 0; ok && i < n; i++) {
    const vs_tensor *v = items[i].value;
    uint64_t size = 0;
    uint32_t crc = 0;
    if (vs_tensor_dtype(v) == VS_STRING) {
      ok = write_strings(data, data_name, v, &size, &crc, st);
    } else {
      size = vs_tensor_byte_size(v);
      crc = vs__crc32c(size ? vs_tensor_data(v) : "", (size_t)size);
      ok = put(data, data_name, vs_tensor_data(v), (size_t)size, st);
    }
    if (!ok) break;
    record *r = &rec[nrec++];
    entry_proto(&r->val, vs_tensor_dtype(v), vs_tensor_shape(v), true, off, size, crc);
    off += size;
    if (!items[i].slice) {
      vs__pb_raw(&r->key, items[i].key, strlen(items[i].key));
      full = NULL;
      continue;
    }
    /* BundleWriter::AddSlice: the slice under its encoded key, and the
     * full tensor's entry listing the slices in the order they came. */
    int64_t start[VS_MAX_RANK], len[VS_MAX_RANK];
    int rank = items[i].slice->full_shape.rank;
    slice_of(&items[i], start, len);
    vs__tf_slice_key(&r->key, items[i].key, rank, start, len);
    if (!full || i == 0 || strcmp(items[i - 1].key, items[i].key) != 0 || !items[i - 1].slice) {
      full = &rec[nrec++];
      vs__pb_raw(&full->key, items[i].key, strlen(items[i].key));
      entry_proto(&full->val, vs_tensor_dtype(v), items[i].slice->full_shape, false, 0, 0, 0);
    }
    vs__pb_buf sp = {0};
    vs__tf_slice_proto(&sp, rank, start, len);
    vs__pb_msg_field(&full->val, 7, &sp);
    vs__pb_free(&sp);
  }
  bool oom = ver.oom;
  for (size_t i = 0; ok && i < nrec; i++) oom |= rec[i].key.oom || rec[i].val.oom;
  if (ok && !oom) {
    qsort(rec, nrec, sizeof *rec, cmp_record);
    for (size_t i = 0; i < nrec; i++)
      table_add(&t, rec[i].key.p ? (const char *)rec[i].key.p : "", rec[i].key.len, rec[i].val.p, rec[i].val.len);
    table_finish(&t);
  }
  if (ok && (oom || t.out.oom || t.data.oom || t.index.oom)) {
    vs__oom(st);
    ok = false;
  }
  if (ok) ok = put(index, index_name, t.out.p, t.out.len, st);
  for (size_t i = 0; rec && i < nrec; i++) {
    vs__pb_free(&rec[i].key);
    vs__pb_free(&rec[i].val);
  }
  free(rec);
  vs__pb_free(&ver);
  vs__pb_free(&t.out);
  block_free(&t.data);
  block_free(&t.index);
  free(t.last_key);
  return ok;
}
