/* conformance/harness.c - running cases, device kinds, expected-failure lists. */
/* realpath() */
#define _XOPEN_SOURCE 700
#include "harness.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tests/npy.h"

#ifndef VSC_SOURCE_DIR
#define VSC_SOURCE_DIR "conformance"
#endif

/* ---- where the data files are ---------------------------------------------
 * One resolver for the expected-failure lists and the golden files, so an
 * installed `varscope conform` does not read the source tree it was built
 * from (which may be gone or another version). */

static struct {
  pthread_once_t once;
  char dir[PATH_MAX + 32];
  char xfail[PATH_MAX + 64];
} data = {.once = PTHREAD_ONCE_INIT};

static bool is_dir(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static void resolve_data_dir(void) {
  const char *env = getenv("VARSCOPE_DATA_DIR");
  char exe[PATH_MAX], cand[sizeof data.dir];
  ssize_t n;
  if (env && *env) {
    snprintf(data.dir, sizeof data.dir, "%s/conformance", env);
  } else if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    snprintf(cand, sizeof cand, "%s/../share/varscope/conformance", exe);
    char xf[sizeof cand + 8], real[PATH_MAX];
    snprintf(xf, sizeof xf, "%s/xfail", cand);
    /* Shown in conform's first line: without the "bin/.." when it resolves. */
    const char *dir = !is_dir(xf) ? VSC_SOURCE_DIR : realpath(cand, real) ? real : cand;
    snprintf(data.dir, sizeof data.dir, "%s", dir);
  } else {
    snprintf(data.dir, sizeof data.dir, "%s", VSC_SOURCE_DIR);
  }
  snprintf(data.xfail, sizeof data.xfail, "%s/xfail", data.dir);
}

const char *vsc_data_dir(void) {
  pthread_once(&data.once, resolve_data_dir);
  return data.dir;
}

const char *vsc_xfail_dir(void) {
  pthread_once(&data.once, resolve_data_dir);
  return data.xfail;
}

void vsc_fail(vsc_ctx *t, const char *file, int line, const char *fmt, ...) {
  if (t->result == VSC_FAIL) return; /* keep the first failure */
  const char *base = strrchr(file, '/');
  int n = snprintf(t->message, sizeof t->message, "%s:%d: ", base ? base + 1 : file, line);
  if (n < 0) n = 0;
  if ((size_t)n < sizeof t->message) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->message + n, sizeof t->message - (size_t)n, fmt, ap);
    va_end(ap);
  }
  t->result = VSC_FAIL;
}

void vsc_skip(vsc_ctx *t, const char *reason) {
  if (t->result != VSC_PASS) return;
  snprintf(t->message, sizeof t->message, "%s", reason);
  t->result = VSC_SKIP;
}

bool vsc_starts_with(const char *msg, const char *head) {
  return msg && head && strncmp(msg, head, strlen(head)) == 0;
}

vs_session *vsc_session(vsc_ctx *t, const char *file, int line) {
  vs_status *st = vs_status_new();
  if (!st) {
    vsc_fail(t, file, line, "out of memory");
    return NULL;
  }
  size_t n = vs_num_devices(st);
  if (vs_status_code(st) == VS_OK && n == 0) {
    vsc_skip(t, "no OpenCL device (install pocl-opencl-icd)");
    vs_status_free(st);
    return NULL;
  }
  if (t->nsessions == VSC_MAX_OWNED) {
    vsc_fail(t, file, line, "too many sessions");
    vs_status_free(st);
    return NULL;
  }
  vs_session *s = vs_session_new(t->graph, &(vs_session_opts){.default_device = t->device}, st);
  if (!s) {
    vsc_fail(t, file, line, "session: %s %s", vs_code_name(vs_status_code(st)),
             vs_status_message(st));
    vs_status_free(st);
    return NULL;
  }
  vs_status_free(st);
  t->sessions[t->nsessions++] = s;
  return s;
}

static bool own_tensor(vsc_ctx *t, vs_tensor *x, const char *file, int line) {
  if (t->ntensors == VSC_MAX_OWNED) {
    vs_tensor_free(x);
    vsc_fail(t, file, line, "too many tensors");
    return false;
  }
  t->tensors[t->ntensors++] = x;
  return true;
}

vs_tensor *vsc_fetch(vsc_ctx *t, vs_session *s, vs_output out, const char *file, int line) {
  vs_tensor *x = NULL;
  vs_session_run(s, NULL, NULL, 0, &out, &x, 1, NULL, 0, t->status);
  if (vs_status_code(t->status) != VS_OK || !x) {
    vsc_fail(t, file, line, "run(%s): %s %s", out.op ? vs_output_name(out) : "(null)",
             vs_status_exception_name(t->status), vs_status_message(t->status));
    if (x) vs_tensor_free(x);
    return NULL;
  }
  return own_tensor(t, x, file, line) ? x : NULL;
}

bool vsc_run_target(vsc_ctx *t, vs_session *s, vs_op *op, const char *file, int line) {
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &op, 1, t->status);
  if (vs_status_code(t->status) != VS_OK) {
    vsc_fail(t, file, line, "run(%s): %s %s", op ? vs_op_name(op) : "(null)",
             vs_status_exception_name(t->status), vs_status_message(t->status));
    return false;
  }
  return true;
}

vs_tensor *vsc_value(vsc_ctx *t, vs_session *s, vs_var *v, const char *file, int line) {
  return vsc_fetch(t, s, vs_var_value(v), file, line);
}

const char *vsc_collection_names(vsc_ctx *t, const char *key, const char *scope, char *buf,
                                 size_t cap) {
  vs_status *st = vs_status_new();
  size_t len = 0;
  buf[0] = '\0';
  if (!st) return "(out of memory)";
  size_t n = vs_get_collection(t->graph, key, scope, NULL, 0, st);
  vs_item *items = n ? calloc(n, sizeof *items) : NULL;
  if (n && !items) {
    vs_status_free(st);
    return "(out of memory)";
  }
  if (n) vs_get_collection(t->graph, key, scope, items, n, st);
  if (vs_status_code(st) != VS_OK) {
    snprintf(buf, cap, "(error: %s)", vs_status_message(st));
  } else {
    for (size_t i = 0; i < n; i++) {
      const char *name = items[i].kind == VS_ITEM_VAR ? vs_var_name(items[i].var)
                                                       : vs_op_name(items[i].op);
      int w = snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", i ? " " : "", name);
      if (w > 0) len += (size_t)w;
    }
  }
  free(items);
  vs_status_free(st);
  return buf;
}

vsc_result vsc_run_case(const vsc_case *c, const char *device, char *message, size_t cap) {
  vsc_ctx *t = calloc(1, sizeof *t);
  if (!t) {
    if (message && cap) snprintf(message, cap, "out of memory");
    return VSC_FAIL;
  }
  t->device = device;
  t->graph = vs_graph_new();
  t->status = vs_status_new();
  if (!t->graph || !t->status) {
    vsc_fail(t, __FILE__, __LINE__, "out of memory");
  } else {
    c->fn(t, t->graph, t->status);
  }
  for (size_t i = 0; i < t->ntensors; i++) vs_tensor_free(t->tensors[i]);
  for (size_t i = 0; i < t->nsessions; i++) vs_session_free(t->sessions[i]);
  vs_graph_free(t->graph);
  vs_status_free(t->status);
  vsc_result r = t->result;
  if (message && cap) snprintf(message, cap, "%s", t->message);
  free(t);
  return r;
}

/* ---- device kinds ------------------------------------------------------ */

static bool contains_ci(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; hay++) {
    size_t i = 0;
    while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
      i++;
    if (i == n) return true;
  }
  return false;
}

void vsc_device_kind(const char *device, char *buf, size_t cap) {
  vs_status *st = vs_status_new();
  const char *kind = "none";
  if (st) {
    size_t n = vs_num_devices(st);
    if (vs_status_code(st) == VS_OK && n > 0) {
      size_t i = 0;
      if (device && *device) {
        i = vs_device_resolve(device, st);
        if (vs_status_code(st) != VS_OK) i = 0;
      }
      vs_device_info in;
      vs_device_get_info(i, &in, st);
      kind = "other";
      if (vs_status_code(st) == VS_OK) {
        if (contains_ci(in.platform_name, "Portable Computing Language") ||
            contains_ci(in.platform_name, "pocl"))
          kind = "pocl";
        else if (contains_ci(in.vendor, "nvidia"))
          kind = "nvidia";
        else if (contains_ci(in.vendor, "advanced micro") || contains_ci(in.vendor, "amd"))
          kind = "amd";
        else if (contains_ci(in.vendor, "intel"))
          kind = "intel";
        else if (contains_ci(in.vendor, "apple"))
          kind = "apple";
      }
    }
    vs_status_free(st);
  }
  snprintf(buf, cap, "%s", kind);
}

/* ---- expected-failure lists ------------------------------------------- */

static char *dup_range(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

bool vsc_xfail_load(vsc_xfail *x, const char *path, char *err, size_t cap) {
  memset(x, 0, sizeof *x);
  FILE *f = fopen(path, "r");
  if (!f) {
    if (errno == ENOENT) return true;
    snprintf(err, cap, "%s: %s", path, strerror(errno));
    return false;
  }
  char line[2048];
  int lineno = 0;
  bool ok = true;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    char *p = line;
    while (isspace((unsigned char)*p)) p++;
    if (*p == '#' || *p == '\0') continue;
    char *name = p;
    while (*p && !isspace((unsigned char)*p)) p++;
    size_t nlen = (size_t)(p - name);
    while (*p == ' ' || *p == '\t') p++;
    size_t rlen = strlen(p);
    while (rlen && isspace((unsigned char)p[rlen - 1])) rlen--;
    if (rlen == 0) {
      snprintf(err, cap, "%s:%d: an expected failure needs a reason", path, lineno);
      ok = false;
      break;
    }
    char **nn = realloc(x->names, (x->n + 1) * sizeof *nn);
    if (!nn) { ok = false; snprintf(err, cap, "out of memory"); break; }
    x->names = nn;
    char **rr = realloc(x->reasons, (x->n + 1) * sizeof *rr);
    if (!rr) { ok = false; snprintf(err, cap, "out of memory"); break; }
    x->reasons = rr;
    x->names[x->n] = dup_range(name, nlen);
    x->reasons[x->n] = dup_range(p, rlen);
    x->n++;
    if (!x->names[x->n - 1] || !x->reasons[x->n - 1]) {
      ok = false;
      snprintf(err, cap, "out of memory");
      break;
    }
  }
  fclose(f);
  if (!ok) vsc_xfail_free(x);
  return ok;
}

const char *vsc_xfail_reason(const vsc_xfail *x, const char *name) {
  for (size_t i = 0; i < x->n; i++)
    if (strcmp(x->names[i], name) == 0) return x->reasons[i];
  return NULL;
}

void vsc_xfail_free(vsc_xfail *x) {
  for (size_t i = 0; i < x->n; i++) {
    free(x->names[i]);
    free(x->reasons[i]);
  }
  free(x->names);
  free(x->reasons);
  memset(x, 0, sizeof *x);
}

bool vsc_own_tensor(vsc_ctx *t, vs_tensor *x, const char *file, int line) {
  if (t->ntensors == VSC_MAX_OWNED) {
    vs_tensor_free(x);
    vsc_fail(t, file, line, "too many tensors");
    return false;
  }
  t->tensors[t->ntensors++] = x;
  return true;
}

vs_tensor *vsc_golden_npy(vsc_ctx *t, const char *dir, const char *fixture, const char *name, const char *file,
                          int line) {
  char path[1024], err[1600] = ""; /* room for the path and the header text */
  int n = snprintf(path, sizeof path, "%s/golden/%s/%s/%s.npy", vsc_data_dir(), dir, fixture, name);
  if (n < 0 || (size_t)n >= sizeof path) {
    vsc_fail(t, file, line, "fixture path too long: %s/golden/%s/%s/%s.npy", vsc_data_dir(), dir, fixture, name);
    return NULL;
  }
  vs_shape shape = {0};
  float *d = npy_load(path, &shape, err, sizeof err);
  if (!d) {
    vsc_fail(t, file, line, "fixture: %s", err);
    return NULL;
  }
  vs_status *s = vs_status_new();
  vs_tensor *x = s ? vs_tensor_new(VS_FLOAT, shape, d, s) : NULL;
  free(d);
  if (!x) {
    vsc_fail(t, file, line, "tensor for %s: %s", path, s ? vs_status_message(s) : "out of memory");
    vs_status_free(s);
    return NULL;
  }
  vs_status_free(s);
  return vsc_own_tensor(t, x, file, line) ? x : NULL;
}
