/* device_spec.c - TF's DeviceSpec: parsing (DeviceSpecV2._string_to_components
 * plus the constructor's int() conversions), merging (make_merged_spec) and
 * the canonical string (_components_to_string), as in TensorFlow 2.21. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "placement/placement_internal.h"

/* _VALID_DEVICE_TYPES (no pluggable device types are registered here). */
static const char *const valid_types[] = {"CPU", "GPU", "TPU", "CUSTOM", "EPU", NULL};

static bool is_valid_type(const char *s) {
  for (size_t i = 0; valid_types[i]; i++)
    if (strcasecmp(s, valid_types[i]) == 0) return true;
  return false;
}

/* Python's whitespace for int(): str.isspace() over ASCII. */
static bool py_space(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* Python's repr() of a str (ASCII escapes; other bytes as they are). */
static char *py_repr(const char *s) {
  char q = (strchr(s, '\'') && !strchr(s, '"')) ? '"' : '\'';
  size_t n = strlen(s);
  char *out = malloc(4 * n + 3);
  if (!out) return NULL;
  char *w = out;
  *w++ = q;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '\\' || *p == (unsigned char)q) {
      *w++ = '\\';
      *w++ = (char)*p;
    } else if (*p == '\t') {
      *w++ = '\\', *w++ = 't';
    } else if (*p == '\n') {
      *w++ = '\\', *w++ = 'n';
    } else if (*p == '\r') {
      *w++ = '\\', *w++ = 'r';
    } else if (*p < 0x20 || *p == 0x7f) {
      w += sprintf(w, "\\x%02x", *p);
    } else {
      *w++ = (char)*p;
    }
  }
  *w++ = q;
  *w = '\0';
  return out;
}

/* int(s) (base 10) then str(): validates `s` and rewrites it in place as its
 * canonical decimal form (never longer). On error: ValueError "invalid
 * literal for int() with base 10: %r". */
static bool py_int(char *s, vs_status *st) {
  const char *p = s;
  while (py_space((unsigned char)*p)) p++;
  bool neg = false;
  if (*p == '+' || *p == '-') neg = *p++ == '-';
  const char *digits = p;
  bool ok = *p >= '0' && *p <= '9', nonzero = false;
  for (; ok && *p && !py_space((unsigned char)*p); p++) {
    if (*p == '_') {
      /* A single underscore between two digits. */
      if (!(p[1] >= '0' && p[1] <= '9')) ok = false;
    } else if (*p >= '0' && *p <= '9') {
      if (*p != '0') nonzero = true;
    } else {
      ok = false;
    }
  }
  while (ok && py_space((unsigned char)*p)) p++;
  if (!ok || *p) {
    char *r = py_repr(s);
    if (!r) {
      vs__oom(st);
      return false;
    }
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "invalid literal for int() with base 10: %s",
             r);
    free(r);
    return false;
  }
  /* Rewrite: the write position never passes the read position. */
  char *w = s;
  if (!nonzero) {
    *w++ = '0';
  } else {
    if (neg) *w++ = '-';
    bool lead = true;
    for (const char *q = digits; *q >= '0' && *q <= '9' ? true : *q == '_'; q++) {
      if (*q == '_') continue;
      if (lead && *q == '0') continue;
      lead = false;
      *w++ = *q;
    }
  }
  *w = '\0';
  return true;
}

void vs__devspec_clear(vs__devspec *s) {
  if (!s) return;
  free(s->buf);
  *s = (vs__devspec){0};
}

bool vs__devspec_parse(const char *spec, vs__devspec *out, vs_status *st) {
  *out = (vs__devspec){0};
  if (!spec) spec = "";
  char *buf = vs__strdup(spec);
  if (!buf) {
    vs__oom(st);
    return false;
  }
  char *job = NULL, *replica = NULL, *task = NULL, *type = NULL, *index = NULL;
  bool have_type = false;
  for (char *p = buf;;) {
    char *slash = strchr(p, '/');
    if (slash) *slash = '\0';
    /* x.split(":"): y[0..2] kept, ly counts every field. */
    char *y[3] = {NULL, NULL, NULL};
    size_t ly = 0;
    for (char *q = p;;) {
      char *colon = strchr(q, ':');
      if (colon) *colon = '\0';
      if (ly < 3) y[ly] = q;
      ly++;
      if (!colon) break;
      q = colon + 1;
    }
    if (ly == 2 && strcmp(y[0], "job") == 0) {
      job = y[1];
    } else if (ly == 2 && strcmp(y[0], "replica") == 0) {
      replica = y[1];
    } else if (ly == 2 && strcmp(y[0], "task") == 0) {
      task = y[1];
    } else if ((ly == 1 || ly == 2) && is_valid_type(y[0])) {
      if (have_type) goto multiple;
      have_type = true;
      for (char *c = y[0]; *c; c++)
        if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 'a' + 'A');
      type = y[0];
      index = NULL;
      if (ly == 2 && strcmp(y[1], "*") != 0) {
        if (!py_int(y[1], st)) goto fail;
        index = y[1];
      }
    } else if (ly == 3 && strcmp(y[0], "device") == 0) {
      if (have_type) goto multiple;
      have_type = true;
      type = y[1];
      /* _as_device_str_or_none: exactly "cpu" and "gpu" are upper-cased. */
      if (strcmp(type, "cpu") == 0 || strcmp(type, "gpu") == 0)
        for (char *c = type; *c; c++) *c = (char)(*c - 'a' + 'A');
      index = NULL;
      if (strcmp(y[2], "*") != 0) {
        if (!py_int(y[2], st)) goto fail;
        index = y[2];
      }
    } else if (y[0][0] != '\0') {
      vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
               "Unknown attribute '%s' is encountered while parsing the device spec: '%s'.", y[0],
               spec);
      goto fail;
    }
    if (!slash) break;
    p = slash + 1;
  }
  /* The constructor converts replica, then task (after the whole parse). */
  if (replica && !py_int(replica, st)) goto fail;
  if (task && !py_int(task, st)) goto fail;
  *out = (vs__devspec){.buf = buf, .job = job, .replica = replica, .task = task, .type = type,
                       .index = index};
  return true;
multiple:
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
           "Multiple device types are not allowed while parsing the device spec: %s.", spec);
fail:
  free(buf);
  return false;
}

#define PICK(f) (top && top->f ? top->f : base ? base->f : NULL)

char *vs__devspec_merged(const vs__devspec *base, const char *task, const vs__devspec *top) {
  const char *job = PICK(job), *replica = PICK(replica), *type = PICK(type),
             *index = PICK(index);
  const char *t = top && top->task ? top->task : task ? task : base ? base->task : NULL;
  return vs__asprintf("%s%s%s%s%s%s%s%s%s%s%s", job ? "/job:" : "", job ? job : "",
                      replica ? "/replica:" : "", replica ? replica : "", t ? "/task:" : "",
                      t ? t : "", type ? "/device:" : "", type ? type : "", type ? ":" : "",
                      type ? (index ? index : "*") : "", "");
}

#undef PICK

VS_API size_t vs_device_canonicalize(const char *spec, char *buf, size_t cap, vs_status *st) {
  vs__ok(st);
  if (!buf && cap > 0) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "vs_device_canonicalize: buf must not be NULL when cap > 0");
    return 0;
  }
  vs__devspec d;
  if (!vs__devspec_parse(spec, &d, st)) {
    if (cap > 0) buf[0] = '\0';
    return 0;
  }
  char *s = vs__devspec_merged(&d, NULL, NULL);
  vs__devspec_clear(&d);
  if (!s) {
    if (cap > 0) buf[0] = '\0';
    vs__oom(st);
    return 0;
  }
  size_t n = strlen(s);
  if (cap > 0) {
    size_t k = n < cap - 1 ? n : cap - 1;
    memcpy(buf, s, k);
    buf[k] = '\0';
  }
  free(s);
  return n;
}
