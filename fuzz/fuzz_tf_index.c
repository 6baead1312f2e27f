/* fuzz_tf_index - libFuzzer target for the TensorFlow V2 checkpoint reader
 * (the .index LevelDB table, BundleEntryProto/BundleHeaderProto decoding,
 * and tensor reads with CRC32C checks against a data shard, string
 * tensors decoded).
 *
 * Input: a 2-byte little-endian word W, then L = W & 0x7fff bytes of .index
 * (clamped to what is there), then the rest as shard 0's data. When W's top
 * bit is set the harness first rewrites the index and data blocks' CRCs
 * (found through the footer and index block, loosely), so mutations reach
 * the block, entry and protobuf decoding behind the checksums; otherwise
 * the checksums are as mutated and the CRC checks themselves are fuzzed. A parse fails with a
 * status or yields entries; every entry read either fails with a status or
 * returns bytes inside the shard. ASan and UBSan catch out-of-bounds reads. */
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok) {
  if (!ok) __builtin_trap();
}

static bool hvarint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    uint8_t b = *(*p)++;
    *v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

static uint32_t hle32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Rewrites the trailer CRC of the block at off/size; false when out of bounds. */
static bool fix_block(uint8_t *f, size_t len, uint64_t off, uint64_t size) {
  if (off > len || size > len - off || len - off - size < 5) return false;
  uint8_t type = f[off + size];
  uint32_t crc = vs__crc_mask(vs__crc32c_extend(vs__crc32c(f + off, (size_t)size), &type, 1));
  for (int i = 0; i < 4; i++) f[off + size + 1 + (size_t)i] = (uint8_t)(crc >> (8 * i));
  return true;
}

static void fix_crcs(uint8_t *f, size_t len) {
  if (len < 48) return;
  const uint8_t *p = f + len - 48, *end = p + 40;
  uint64_t moff, msize, ioff, isize;
  size_t body = len - 48;
  if (!hvarint(&p, end, &moff) || !hvarint(&p, end, &msize) || !hvarint(&p, end, &ioff) ||
      !hvarint(&p, end, &isize) || !fix_block(f, body, ioff, isize) || isize < 4)
    return;
  /* The index block's entries hold the data blocks' handles. */
  const uint8_t *blk = f + ioff, *bend = blk + isize;
  uint32_t restarts = hle32(bend - 4);
  if (restarts > (isize - 4) / 4) return;
  const uint8_t *limit = bend - 4 - 4 * (size_t)restarts;
  p = blk;
  while (p < limit) {
    uint64_t shared, non_shared, vlen, off, size;
    if (!hvarint(&p, limit, &shared) || !hvarint(&p, limit, &non_shared) || !hvarint(&p, limit, &vlen) ||
        non_shared > (uint64_t)(limit - p) || vlen > (uint64_t)(limit - p) - non_shared)
      return;
    p += non_shared;
    const uint8_t *v = p, *vend = p + vlen;
    p += vlen;
    if (hvarint(&v, vend, &off) && hvarint(&v, vend, &size)) fix_block(f, body, off, size);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  bool fix = data[1] & 0x80;
  size_t ilen = (size_t)data[0] | (size_t)(data[1] & 0x7f) << 8;
  if (ilen > size - 2) ilen = size - 2;
  const uint8_t *idx = data + 2, *shard = data + 2 + ilen;
  size_t slen = size - 2 - ilen;
  /* Copies, so ASan sees the exact bounds of each part. */
  uint8_t *ib = malloc(ilen ? ilen : 1), *sb = malloc(slen ? slen : 1);
  vs_status *st = vs_status_new();
  vs_checkpoint *c = vs__ckpt_alloc(VS_CKPT_TF_V2, NULL, st);
  if (!ib || !sb || !st || !c) abort();
  memcpy(ib, idx, ilen);
  if (fix) fix_crcs(ib, ilen);
  memcpy(sb, shard, slen);
  if (!vs__tf_index_parse(c, ib, ilen, st)) {
    vs_code code = vs_status_code(st);
    check(code == VS_DATA_LOSS || code == VS_UNIMPLEMENTED || code == VS_RESOURCE_EXHAUSTED);
    check(vs_status_message(st)[0] != '\0');
    free(sb);
  } else {
    check(c->num_shards >= 1);
    vs__tf_set_shard(c, 0, sb, slen);
    for (size_t i = 0; i < c->n; i++) {
      vs__ckpt_entry *e = &c->e[i];
      check(i == 0 || strcmp(c->e[i - 1].key, e->key) < 0);
      const uint8_t *p = vs__ckpt_bytes(c, e, st);
      if (p) {
        check(e->shard == 0 && e->offset + e->size <= slen);
        volatile uint8_t sink = 0;
        for (uint64_t k = 0; k < e->size; k++) sink ^= p[k];
        (void)sink;
      } else {
        check(vs_status_code(st) != VS_OK);
      }
      /* the value as a tensor: string tensors' lengths, length checksum
       * and CRC decoded and checked here */
      vs_tensor *t = vs__ckpt_tensor(c, e, st);
      if (t) {
        check(vs_tensor_dtype(t) == e->dtype);
        if (e->dtype == VS_STRING)
          for (size_t k = 0; k < vs_tensor_num_elements(t); k++) check(vs_tensor_string(t, k) != NULL);
        vs_tensor_free(t);
      } else {
        vs_code code = vs_status_code(st);
        check(code == VS_DATA_LOSS || code == VS_UNIMPLEMENTED || code == VS_RESOURCE_EXHAUSTED);
      }
    }
  }
  free(ib);
  vs_checkpoint_free(c);
  vs_status_free(st);
  return 0;
}
