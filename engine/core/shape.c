/* shape.c - TensorShape semantics for vs_shape. */
#include <stdint.h>
#include <stdio.h>

#include "core/core.h"

/* A known rank outside 0..VS_MAX_RANK would index past dims[]: every reader
 * of a caller's shape goes through this check first. */
static bool rank_ok(const vs_shape *s) { return s->rank >= 0 && s->rank <= VS_MAX_RANK; }

/* The public utilities take shapes by value (types.h's convention); the
 * engine's own helpers keep pointers, which NULL may be. */
static bool fully_defined(const vs_shape *s) {
  if (!s || !s->known || !rank_ok(s)) return false;
  for (int i = 0; i < s->rank; i++)
    if (s->dims[i] < 0) return false;
  return true;
}

VS_API bool vs_shape_is_fully_defined(vs_shape s) { return fully_defined(&s); }

VS_API size_t vs_shape_num_elements(vs_shape s) {
  int64_t n = vs__shape_elements(&s);
  /* Unknown (-1), overflowing (-2 from vs__shape_elements) and counts whose
   * byte size could overflow (16-byte elements) are all VS_NPOS, as types.h
   * says. */
  if (n < 0 || n > INT64_MAX / 16 || (uint64_t)n > SIZE_MAX / 16) return VS_NPOS;
  return (size_t)n;
}

int64_t vs__shape_elements(const vs_shape *s) {
  if (!fully_defined(s)) return -1;
  int64_t n = 1;
  bool over = false;
  /* Every partial product is checked, as TF's TensorShape does: a later
   * zero dimension does not excuse an overflow before it. */
  for (int i = 0; i < s->rank; i++)
    if (__builtin_mul_overflow(n, s->dims[i], &n)) over = true;
  return over ? -2 : n;
}

bool vs__shape_equal(const vs_shape *a, const vs_shape *b) {
  if (a->known != b->known || (a->known && a->rank != b->rank)) return false;
  for (int i = 0; a->known && i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

bool vs__shape_too_large(const vs_shape *s) {
  if (!s || !s->known || !rank_ok(s)) return false;
  /* TF's InferenceContext::MakeShapeFromShapeProto: the known dimensions'
   * product must fit in int64 (unknown ones are skipped). */
  int64_t n = 1;
  for (int i = 0; i < s->rank; i++)
    if (s->dims[i] >= 0 && __builtin_mul_overflow(n, s->dims[i], &n)) return true;
  return false;
}

VS_API bool vs_shape_is_compatible(vs_shape a, vs_shape b) {
  if (!a.known || !b.known) return true;
  if (a.rank != b.rank || !rank_ok(&a)) return false;
  for (int i = 0; i < a.rank; i++)
    if (a.dims[i] >= 0 && b.dims[i] >= 0 && a.dims[i] != b.dims[i]) return false;
  return true;
}

VS_API size_t vs_shape_format(vs_shape shape, char *buf, size_t cap) {
  char tmp[VS_MAX_RANK * 24 + 16];
  size_t n = 0;
  const vs_shape *s = &shape;
  if (!s->known || !rank_ok(s)) {
    n = (size_t)snprintf(tmp, sizeof tmp, "<unknown>");
  } else {
    tmp[n++] = '(';
    for (int i = 0; i < s->rank; i++) {
      if (i) n += (size_t)snprintf(tmp + n, sizeof tmp - n, ", ");
      if (s->dims[i] < 0)
        n += (size_t)snprintf(tmp + n, sizeof tmp - n, "?");
      else
        n += (size_t)snprintf(tmp + n, sizeof tmp - n, "%lld", (long long)s->dims[i]);
    }
    if (s->rank == 1) tmp[n++] = ',';
    tmp[n++] = ')';
    tmp[n] = '\0';
  }
  if (cap) snprintf(buf, cap, "%s", tmp);
  return n;
}

void vs__dims_text(const vs_shape *s, const char *unknown, char *buf, size_t cap) {
  if (!cap) return;
  if (!s->known) {
    snprintf(buf, cap, "%s", unknown);
    return;
  }
  if (!rank_ok(s)) {
    snprintf(buf, cap, "<rank %d>", s->rank);
    return;
  }
  size_t n = (size_t)snprintf(buf, cap, "[");
  for (int i = 0; i < s->rank && n < cap; i++) {
    if (s->dims[i] < 0) n += (size_t)snprintf(buf + n, cap - n, "%s?", i ? "," : "");
    else n += (size_t)snprintf(buf + n, cap - n, "%s%lld", i ? "," : "", (long long)s->dims[i]);
  }
  if (n < cap) snprintf(buf + n, cap - n, "]");
}
