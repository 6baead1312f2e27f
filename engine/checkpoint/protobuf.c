/* protobuf.c - protocol-buffer wire decoding and encoding (protobuf.h). */
#include "checkpoint/protobuf.h"

#include <stdlib.h>
#include <string.h>

bool vs__pb_varint64(vs__pb_rd *r, uint64_t *v) {
  uint64_t x = 0;
  for (int shift = 0; shift < 64 && r->p < r->end; shift += 7) {
    uint8_t b = *r->p++;
    x |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = x;
      return true;
    }
  }
  return false;
}

bool vs__pb_varint32(vs__pb_rd *r, uint32_t *v) {
  uint64_t x;
  if (!vs__pb_varint64(r, &x) || x > UINT32_MAX) return false;
  *v = (uint32_t)x;
  return true;
}

bool vs__pb_next(vs__pb_rd *r, vs__pb_field *f) {
  uint64_t tag;
  if (!vs__pb_varint64(r, &tag) || tag >> 3 == 0 || tag >> 3 > UINT32_MAX) return false;
  f->num = (uint32_t)(tag >> 3);
  f->wire = (int)(tag & 7);
  switch (f->wire) {
  case 0: return vs__pb_varint64(r, &f->v);
  case 1:
  case 5: {
    size_t n = f->wire == 1 ? 8 : 4;
    if ((size_t)(r->end - r->p) < n) return false;
    f->v = 0;
    for (size_t i = n; i-- > 0;) f->v = f->v << 8 | r->p[i];
    r->p += n;
    return true;
  }
  case 2: {
    uint64_t len;
    if (!vs__pb_varint64(r, &len) || len > (uint64_t)(r->end - r->p)) return false;
    f->sub = (vs__pb_rd){r->p, r->p + len};
    r->p += len;
    return true;
  }
  default: return false; /* groups (3, 4) and reserved wire types */
  }
}

void vs__pb_free(vs__pb_buf *b) {
  free(b->p);
  *b = (vs__pb_buf){0};
}

void vs__pb_raw(vs__pb_buf *b, const void *data, size_t n) {
  if (b->oom || n == 0) return;
  if (n > SIZE_MAX / 2 - b->len) {
    b->oom = true;
    return;
  }
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
      b->oom = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
}

void vs__pb_put_varint(vs__pb_buf *b, uint64_t v) {
  uint8_t tmp[10];
  size_t n = 0;
  do {
    tmp[n++] = (uint8_t)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
    v >>= 7;
  } while (v);
  vs__pb_raw(b, tmp, n);
}

void vs__pb_put_le32(vs__pb_buf *b, uint32_t v) {
  uint8_t tmp[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  vs__pb_raw(b, tmp, 4);
}

void vs__pb_put_le64(vs__pb_buf *b, uint64_t v) {
  vs__pb_put_le32(b, (uint32_t)v);
  vs__pb_put_le32(b, (uint32_t)(v >> 32));
}

static void tag(vs__pb_buf *b, uint32_t num, int wire) { vs__pb_put_varint(b, (uint64_t)num << 3 | (uint64_t)wire); }

void vs__pb_varint_field(vs__pb_buf *b, uint32_t num, uint64_t v) {
  tag(b, num, 0);
  vs__pb_put_varint(b, v);
}

void vs__pb_fixed32_field(vs__pb_buf *b, uint32_t num, uint32_t v) {
  tag(b, num, 5);
  vs__pb_put_le32(b, v);
}

void vs__pb_bytes_field(vs__pb_buf *b, uint32_t num, const void *data, size_t n) {
  tag(b, num, 2);
  vs__pb_put_varint(b, n);
  vs__pb_raw(b, data, n);
}

void vs__pb_string_field(vs__pb_buf *b, uint32_t num, const char *s) { vs__pb_bytes_field(b, num, s, strlen(s)); }

void vs__pb_msg_field(vs__pb_buf *b, uint32_t num, const vs__pb_buf *sub) {
  if (sub->oom) b->oom = true;
  vs__pb_bytes_field(b, num, sub->p, sub->len);
}
