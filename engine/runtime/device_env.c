/* device_env.c - parsers for VARSCOPE_DEVICES, VARSCOPE_MEMORY_LIMIT and VARSCOPE_SCRIBBLE,
 * and the POCL_AFFINITY rule (see device_env.h). They read the caller's string in place, with no
 * fixed-size copy, so a long value is parsed whole or refused, never cut. */
#include "runtime/device_env.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ASCII only: the C library's ctype functions follow the locale. */
static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static char to_upper(char c) { return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c; }

/* Copies [s, s+len) into buf for a message: at most 60 bytes shown, bytes
 * outside printable ASCII as \xNN, "..." when cut, so that an error never
 * carries raw control characters from the environment to a terminal. */
static void quote(const char *s, size_t len, char *buf, size_t cap) {
  size_t o = 0, shown = len > 60 ? 60 : len;
  buf[0] = '\0';
  for (size_t i = 0; i < shown && o + 5 < cap; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c < 0x7f) buf[o++] = (char)c;
    else o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
  }
  if (shown < len && o + 4 < cap) memcpy(buf + o, "...", 4), o += 3;
  buf[o < cap ? o : cap - 1] = '\0';
}

static bool fail(char *err, size_t cap, const char *fmt, ...) {
  if (err && cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
  }
  return false;
}

/* TYPE at *p: 1-15 letters, upper-cased into out. */
static bool parse_type(const char **p, const char *end, char out[16]) {
  size_t k = 0;
  while (*p < end && is_alpha(**p)) {
    if (k == 15) return false;
    out[k++] = to_upper(*(*p)++);
  }
  out[k] = '\0';
  return k > 0;
}

/* N at *p: digits only, value at most VS_DEVICE_INDEX_MAX. Sets *too_big
 * (and returns false) for a well-formed number out of range. */
static bool parse_index(const char **p, const char *end, long *out, bool *too_big) {
  long v = 0;
  const char *start = *p;
  while (*p < end && is_digit(**p)) {
    if (v <= VS_DEVICE_INDEX_MAX) v = v * 10 + (**p - '0');
    (*p)++;
  }
  if (*p == start) return false;
  if (v > VS_DEVICE_INDEX_MAX) {
    *too_big = true;
    return false;
  }
  *out = v;
  return true;
}

static bool parse_one(const char *s, const char *end, vs_device_alias_spec *a, bool *too_big) {
  const char *p = s;
  long from, to;
  if (!parse_type(&p, end, a->from_type) || p == end || *p++ != ':') return false;
  if (!parse_index(&p, end, &from, too_big) || p == end || *p++ != '=') return false;
  if (!parse_type(&p, end, a->to_type) || p == end || *p++ != ':') return false;
  if (!parse_index(&p, end, &to, too_big) || p != end) return false;
  a->from_index = from;
  a->to_index = to;
  return true;
}

bool vs__parse_device_aliases(const char *spec, vs_device_alias_spec *out, size_t *n, char *err,
                              size_t err_cap) {
  static const char want[] = "want TYPE:N=TYPE:M, comma-separated";
  char q[256];
  *n = 0;
  if (!spec) return fail(err, err_cap, "VARSCOPE_DEVICES: no value");
  size_t count = 0, item_no = 0;
  for (const char *p = spec;; item_no++) {
    const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
    const char *s = p, *e = end;
    while (s < e && is_space(*s)) s++;
    while (e > s && is_space(e[-1])) e--;
    if (s == e) {
      *n = 0;
      quote(spec, strlen(spec), q, sizeof q);
      return fail(err, err_cap, "VARSCOPE_DEVICES: mapping %zu is empty in '%s' (%s)", item_no + 1, q, want);
    }
    if (count == VS_DEVICE_ALIASES_MAX) {
      *n = 0;
      return fail(err, err_cap, "VARSCOPE_DEVICES: more than %d mappings", VS_DEVICE_ALIASES_MAX);
    }
    vs_device_alias_spec a;
    bool too_big = false;
    quote(s, (size_t)(e - s), q, sizeof q);
    if (!parse_one(s, e, &a, &too_big)) {
      *n = 0;
      if (too_big)
        return fail(err, err_cap, "VARSCOPE_DEVICES: a device index in '%s' is above %d", q,
                    VS_DEVICE_INDEX_MAX);
      return fail(err, err_cap, "VARSCOPE_DEVICES: cannot parse '%s' (%s)", q, want);
    }
    for (size_t i = 0; i < count; i++)
      if (strcmp(out[i].from_type, a.from_type) == 0 && out[i].from_index == a.from_index) {
        *n = 0;
        return fail(err, err_cap, "VARSCOPE_DEVICES: %s:%ld is mapped twice", a.from_type, a.from_index);
      }
    out[count++] = a;
    if (!comma) break;
    p = comma + 1;
  }
  *n = count;
  return true;
}

bool vs__parse_memory_limit(const char *spec, uint64_t *bytes, char *err, size_t err_cap) {
  static const char want[] = "want a number of bytes with an optional K, M or G suffix";
  char q[256];
  if (!spec) return fail(err, err_cap, "VARSCOPE_MEMORY_LIMIT: no value");
  quote(spec, strlen(spec), q, sizeof q);
  const char *p = spec;
  while (is_space(*p)) p++;
  uint64_t v = 0;
  bool overflow = false, digits = false;
  for (; is_digit(*p); p++, digits = true) {
    unsigned d = (unsigned)(*p - '0');
    if (v > (UINT64_MAX - d) / 10) overflow = true;
    else v = v * 10 + d;
  }
  unsigned shift = 0;
  switch (to_upper(*p)) {
    case 'K': shift = 10, p++; break;
    case 'M': shift = 20, p++; break;
    case 'G': shift = 30, p++; break;
    default: break;
  }
  while (is_space(*p)) p++;
  if (!digits || *p) return fail(err, err_cap, "VARSCOPE_MEMORY_LIMIT: cannot parse '%s' (%s)", q, want);
  if (overflow || (shift && v > (UINT64_MAX >> shift)))
    return fail(err, err_cap, "VARSCOPE_MEMORY_LIMIT: '%s' is too large", q);
  if (v == 0) return fail(err, err_cap, "VARSCOPE_MEMORY_LIMIT: '%s' must be positive", q);
  *bytes = v << shift;
  return true;
}

bool vs__parse_scribble(const char *spec, bool *on, char *err, size_t err_cap) {
  char q[256];
  if (!spec) return fail(err, err_cap, "VARSCOPE_SCRIBBLE: no value");
  const char *p = spec;
  while (is_space(*p)) p++;
  char c = *p;
  if (c == '0' || c == '1') p++;
  while (is_space(*p)) p++;
  if ((c != '0' && c != '1') || *p) {
    quote(spec, strlen(spec), q, sizeof q);
    return fail(err, err_cap, "VARSCOPE_SCRIBBLE: cannot parse '%s' (want 0 or 1)", q);
  }
  *on = c == '1';
  return true;
}

vs_pocl_affinity vs__pocl_affinity_rule(const char *pocl_affinity, const char *max_threads,
                                        const char *min_threads, bool every_cpu) {
  if (pocl_affinity) return VS_POCL_AFFINITY_USER;
  if (max_threads || min_threads) return VS_POCL_AFFINITY_THREADS;
  if (!every_cpu) return VS_POCL_AFFINITY_RESTRICTED;
  return VS_POCL_AFFINITY_SET;
}
