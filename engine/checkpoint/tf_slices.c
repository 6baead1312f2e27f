/* tf_slices.c - TensorFlow's sliced bundle entries (partitioned
 * variables): a full-tensor entry "x" whose BundleEntryProto lists its
 * slices (TensorSliceProto, field 7) and holds no data, and one data entry
 * per slice under the key EncodeTensorNameSlice("x", slice)
 * (tensorflow/core/util/saved_tensor_slice_util.cc: OrderedCode's
 * WriteNumIncreasing(0), WriteString(name), WriteNumIncreasing(rank), then
 * per axis WriteSignedNumIncreasing(start) and (length or -1 for a full
 * axis)). These keys begin with a 0 byte, so they sort before every name.
 *
 * Reading assembles the full tensor from its slices (each CRC-checked);
 * writing produces the same bytes as TF's BundleWriter::AddSlice. */
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_internal.h"
#include "checkpoint/protobuf.h"

/* ---- OrderedCode (tensorflow/core/lib/strings/ordered_code.cc) ---- */

static void num_increasing(vs__pb_buf *b, uint64_t v) {
  uint8_t buf[9];
  int len = 0;
  while (v > 0) {
    len++;
    buf[9 - len] = (uint8_t)(v & 0xff);
    v >>= 8;
  }
  buf[9 - len - 1] = (uint8_t)len;
  vs__pb_raw(b, buf + 9 - len - 1, (size_t)len + 1);
}

static void ordered_string(vs__pb_buf *b, const char *s) {
  for (const uint8_t *p = (const uint8_t *)s; *p; p++) {
    if (*p == 0xff) vs__pb_raw(b, "\xff\x00", 2);
    else vs__pb_raw(b, p, 1);
  }
  vs__pb_raw(b, "\x00\x01", 2);
}

/* WriteSignedNumIncreasing: a length prefix in the leading bits (1 to 10
 * bytes), then the two's complement value, big-endian, sign-extended. */
static void signed_increasing(vs__pb_buf *b, int64_t val) {
  static const uint8_t header[11][2] = {{0, 0},       {0x80, 0},    {0xc0, 0},   {0xe0, 0},
                                        {0xf0, 0},    {0xf8, 0},    {0xfc, 0},   {0xfe, 0},
                                        {0xff, 0},    {0xff, 0x80}, {0xff, 0xc0}};
  uint64_t x = val < 0 ? ~(uint64_t)val : (uint64_t)val;
  if (x < 64) {
    uint8_t c = (uint8_t)(header[1][0] ^ (uint8_t)val);
    vs__pb_raw(b, &c, 1);
    return;
  }
  int bits = 64;
  while (!(x >> (bits - 1))) bits--; /* Log2Floor64(x) + 1 */
  int len = bits == 63 || bits == 64 ? 10 : bits / 7 + 1;
  uint8_t buf[10];
  uint8_t sign = val < 0 ? 0xff : 0;
  buf[0] = buf[1] = sign;
  for (int k = 0; k < 8; k++) buf[2 + k] = (uint8_t)((uint64_t)val >> (56 - 8 * k));
  uint8_t *begin = buf + 10 - len;
  begin[0] ^= header[len][0];
  begin[1] ^= header[len][1];
  vs__pb_raw(b, begin, (size_t)len);
}

void vs__tf_slice_key(vs__pb_buf *b, const char *name, int rank, const int64_t *start, const int64_t *length) {
  num_increasing(b, 0);
  ordered_string(b, name);
  num_increasing(b, (uint64_t)rank);
  for (int d = 0; d < rank; d++) {
    signed_increasing(b, start[d]);
    signed_increasing(b, length[d]);
  }
}

/* ---- TensorSliceProto ---- */

void vs__tf_slice_proto(vs__pb_buf *b, int rank, const int64_t *start, const int64_t *length) {
  for (int d = 0; d < rank; d++) {
    vs__pb_buf ext = {0};
    /* TensorSlice::AsProto: a full axis is an empty extent; otherwise
     * start (proto3: left out when 0) and length (a oneof: always). */
    if (length[d] != -1) {
      if (start[d]) vs__pb_varint_field(&ext, 1, (uint64_t)start[d]);
      vs__pb_varint_field(&ext, 2, (uint64_t)length[d]);
    }
    vs__pb_msg_field(b, 1, &ext);
    vs__pb_free(&ext);
  }
}

static bool corrupt(vs_checkpoint *c, const vs__ckpt_entry *e, vs_status *st, const char *what) {
  vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: corrupted checkpoint index: tensor '%s': %s",
           vs__ckpt_name(c), e->key, what);
  return false;
}

bool vs__tf_parse_slice(vs_checkpoint *c, vs__ckpt_entry *e, vs__pb_rd r, vs_status *st) {
  /* The shape may come after the slices: ranks are checked in
   * vs__tf_check_slices. */
  int64_t start[VS_MAX_RANK], length[VS_MAX_RANK];
  int n = 0;
  vs__pb_field f, x;
  while (r.p < r.end) {
    if (!vs__pb_next(&r, &f)) return corrupt(c, e, st, "malformed TensorSliceProto");
    if (f.num != 1) continue;
    if (f.wire != 2) return corrupt(c, e, st, "malformed TensorSliceProto");
    if (n == VS_MAX_RANK) return corrupt(c, e, st, "a slice of too many dimensions");
    start[n] = 0;
    length[n] = -1;
    while (f.sub.p < f.sub.end) {
      if (!vs__pb_next(&f.sub, &x) || ((x.num == 1 || x.num == 2) && x.wire != 0))
        return corrupt(c, e, st, "malformed TensorSliceProto.Extent");
      if (x.num == 1) start[n] = (int64_t)x.v;
      else if (x.num == 2) length[n] = (int64_t)x.v;
    }
    if (start[n] < 0 || length[n] < -1) return corrupt(c, e, st, "a slice with a negative extent");
    n++;
  }
  if (e->n_slices >= VS__MAX_SLICES) return corrupt(c, e, st, "too many slices");
  int64_t *s = realloc(e->slices, (size_t)(e->n_slices + 1) * VS__SLICE_STRIDE * sizeof *s);
  if (!s) {
    vs__oom(st);
    return false;
  }
  e->slices = s;
  s += (size_t)e->n_slices * VS__SLICE_STRIDE;
  s[0] = n;
  for (int d = 0; d < VS_MAX_RANK; d++) {
    s[1 + d] = d < n ? start[d] : 0;
    s[1 + VS_MAX_RANK + d] = d < n ? length[d] : -1;
  }
  e->n_slices++;
  return true;
}

/* ---- assembling the full tensor ---- */

/* The slice's extent on axis d of the full shape. */
static void extent(const vs__ckpt_entry *e, int k, int d, int64_t *start, int64_t *len) {
  const int64_t *s = e->slices + (size_t)k * VS__SLICE_STRIDE + 1;
  *start = s[d];
  *len = s[VS_MAX_RANK + d] == -1 ? e->shape.dims[d] - s[d] : s[VS_MAX_RANK + d];
}

bool vs__tf_check_slices(vs_checkpoint *c, vs__ckpt_entry *e, vs_status *st) {
  if (!e->n_slices) return true;
  if (e->dtype == VS_STRING) {
    vs__fail(st, VS_UNIMPLEMENTED, VS_EXC_OP_ERROR, "%s: tensor '%s' is a sliced string tensor, which varscope cannot read",
             vs__ckpt_name(c), e->key);
    return false;
  }
  if (e->size || e->offset || e->has_crc) return corrupt(c, e, st, "a sliced entry holds data");
  /* The full tensor's byte size (listed by vs_checkpoint_tensor_info),
   * without overflow. */
  uint64_t bytes = vs_dtype_size(e->dtype);
  for (int d = 0; d < e->shape.rank; d++) {
    uint64_t dim = (uint64_t)e->shape.dims[d];
    if (dim && bytes > UINT64_MAX / 2 / dim) return corrupt(c, e, st, "a sliced tensor too large");
    bytes *= dim;
  }
  e->size = bytes;
  for (int k = 0; k < e->n_slices; k++) {
    if (e->slices[(size_t)k * VS__SLICE_STRIDE] != e->shape.rank) return corrupt(c, e, st, "a slice's rank differs from the tensor's");
    for (int d = 0; d < e->shape.rank; d++) {
      int64_t s, l;
      extent(e, k, d, &s, &l);
      if (s > e->shape.dims[d] || l < 0 || l > e->shape.dims[d] - s)
        return corrupt(c, e, st, "a slice lies outside the tensor");
    }
  }
  return true;
}

/* Copies the block `src` of shape `sshape` into `dst` (shape `dshape`) at
 * `at`, or (to_src) the other way: row-major, `esz` bytes an element. */
static void copy_block(uint8_t *dst, vs_shape dshape, const int64_t *at, uint8_t *src, vs_shape sshape, size_t esz,
                       bool to_src) {
  int rank = sshape.rank;
  for (int d = 0; d < rank; d++)
    if (sshape.dims[d] == 0) return;
  size_t row = esz * (size_t)(rank ? sshape.dims[rank - 1] : 1);
  int64_t idx[VS_MAX_RANK] = {0};
  size_t rows = 1;
  for (int d = 0; d + 1 < rank; d++) rows *= (size_t)sshape.dims[d];
  for (size_t r = 0; r < rows; r++) {
    size_t doff = 0;
    for (int d = 0; d < rank; d++) doff = doff * (size_t)dshape.dims[d] + (size_t)(at[d] + (d + 1 < rank ? idx[d] : 0));
    if (to_src) memcpy(src + r * row, dst + doff * esz, row);
    else memcpy(dst + doff * esz, src + r * row, row);
    for (int d = rank - 2; d >= 0; d--) {
      if (++idx[d] < sshape.dims[d]) break;
      idx[d] = 0;
    }
  }
}

/* Slice k's data entry, checked against its extent: *start and *shape
 * receive the extent; NULL (DATA_LOSS) when missing or different. */
static vs__ckpt_entry *slice_entry(vs_checkpoint *c, vs__ckpt_entry *e, int k, vs__pb_buf *key, int64_t *start,
                                   vs_shape *shape, vs_status *st) {
  const int64_t *s = e->slices + (size_t)k * VS__SLICE_STRIDE + 1;
  *shape = (vs_shape){.known = true, .rank = e->shape.rank};
  for (int d = 0; d < e->shape.rank; d++) extent(e, k, d, &start[d], &shape->dims[d]);
  key->len = 0;
  vs__tf_slice_key(key, e->key, e->shape.rank, start, s + VS_MAX_RANK);
  if (key->oom) {
    vs__oom(st);
    return NULL;
  }
  vs__ckpt_entry *se = vs__ckpt_lookup_slice(c, (const char *)key->p, key->len);
  bool same = se && se->dtype == e->dtype && se->shape.rank == shape->rank;
  for (int d = 0; same && d < shape->rank; d++) same = se->shape.dims[d] == shape->dims[d];
  if (!same) {
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: tensor '%s': slice %d of %d is %s", vs__ckpt_name(c), e->key,
             k, e->n_slices, se ? "of another dtype or shape than its extent" : "missing");
    return NULL;
  }
  return se;
}

vs_tensor *vs__tf_assemble(vs_checkpoint *c, vs__ckpt_entry *e, vs_status *st) {
  size_t esz = vs_dtype_size(e->dtype);
  size_t n = (size_t)vs_shape_num_elements(e->shape);
  vs__pb_buf key = {0};
  int64_t start[VS_MAX_RANK];
  vs_shape sshape;
  /* First every slice found and its bytes checked (bounds, CRC32C): the
   * full tensor is allocated only once the slices' real bytes could fill
   * it, so a damaged index cannot ask for more memory than its data
   * files justify. */
  uint64_t have = 0;
  for (int k = 0; k < e->n_slices; k++) {
    vs__ckpt_entry *se = slice_entry(c, e, k, &key, start, &sshape, st);
    if (!se || !vs__ckpt_bytes(c, se, st)) {
      vs__pb_free(&key);
      return NULL;
    }
    uint64_t m = vs_shape_num_elements(sshape);
    have = have + m < have ? UINT64_MAX : have + m;
  }
  vs_tensor *t = NULL;
  uint8_t *covered = NULL;
  if (have < n) goto uncovered;
  t = vs_tensor_new(e->dtype, e->shape, NULL, st);
  covered = calloc(n ? n : 1, 1);
  if (!t || !covered) {
    if (t) vs__oom(st);
    goto fail;
  }
  uint8_t *out = vs_tensor_data(t);
  for (int k = 0; k < e->n_slices; k++) {
    vs__ckpt_entry *se = slice_entry(c, e, k, &key, start, &sshape, st);
    const uint8_t *src = se ? vs__ckpt_bytes(c, se, st) : NULL;
    if (!src) goto fail;
    /* The coverage mask: one byte per element, laid out like the tensor. */
    uint8_t *mask = malloc((size_t)vs_shape_num_elements(sshape) + 1);
    if (!mask) {
      vs__oom(st);
      goto fail;
    }
    memset(mask, 1, (size_t)vs_shape_num_elements(sshape) + 1);
    copy_block(out, e->shape, start, (uint8_t *)src, sshape, esz, false);
    copy_block(covered, e->shape, start, mask, sshape, 1, false);
    free(mask);
  }
  for (size_t i = 0; i < n; i++)
    if (!covered[i]) goto uncovered;
  vs__pb_free(&key);
  free(covered);
  return t;
uncovered:
  vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s: tensor '%s': its slices do not cover it", vs__ckpt_name(c),
           e->key);
fail:
  vs__pb_free(&key);
  free(covered);
  vs_tensor_free(t);
  return NULL;
}

vs_tensor *vs__tensor_block(const vs_tensor *full, const int64_t *start, vs_shape shape, vs_status *st) {
  vs_tensor *t = vs_tensor_new(vs_tensor_dtype(full), shape, NULL, st);
  if (!t) return NULL;
  copy_block((uint8_t *)vs_tensor_data(full), vs_tensor_shape(full), start, vs_tensor_data(t), shape,
             vs_dtype_size(vs_tensor_dtype(full)), true);
  return t;
}
