/* protobuf.h - the protocol-buffer wire format, by hand: the decoder the
 * TF bundle reader uses (bounds-checked, never reads outside its range)
 * and the encoder the bundle writer and the GraphDef export use. Only what
 * those need: varints, fixed32/64, length-delimited fields; no groups. */
#ifndef VS_CKPT_PROTOBUF_H
#define VS_CKPT_PROTOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- decoding ---- */

/* A byte range being read: [p, end). */
typedef struct vs__pb_rd {
  const uint8_t *p, *end;
} vs__pb_rd;

/* One field: its number and wire type, the value of a varint / fixed32 /
 * fixed64 field, or the range of a length-delimited one. */
typedef struct vs__pb_field {
  uint32_t num;
  int wire;
  uint64_t v;
  vs__pb_rd sub;
} vs__pb_field;

bool vs__pb_varint64(vs__pb_rd *r, uint64_t *v);
bool vs__pb_varint32(vs__pb_rd *r, uint32_t *v);
/* Reads the next field; false at a malformed field (callers stop when
 * r->p == r->end). */
bool vs__pb_next(vs__pb_rd *r, vs__pb_field *f);

/* ---- encoding ---- */

/* A growable output buffer. An allocation failure sets `oom` and later
 * writes do nothing, so a message is built without checks at each call and
 * checked once at the end. */
typedef struct vs__pb_buf {
  uint8_t *p;
  size_t len, cap;
  bool oom;
} vs__pb_buf;

void vs__pb_free(vs__pb_buf *b);
void vs__pb_raw(vs__pb_buf *b, const void *data, size_t n);
void vs__pb_put_varint(vs__pb_buf *b, uint64_t v);
void vs__pb_put_le32(vs__pb_buf *b, uint32_t v);
void vs__pb_put_le64(vs__pb_buf *b, uint64_t v);
/* Fields: tag then value. */
void vs__pb_varint_field(vs__pb_buf *b, uint32_t num, uint64_t v);
void vs__pb_fixed32_field(vs__pb_buf *b, uint32_t num, uint32_t v);
void vs__pb_bytes_field(vs__pb_buf *b, uint32_t num, const void *data, size_t n);
void vs__pb_string_field(vs__pb_buf *b, uint32_t num, const char *s);
/* A nested message already built in `sub` (sub's failure propagates). */
void vs__pb_msg_field(vs__pb_buf *b, uint32_t num, const vs__pb_buf *sub);

#endif
