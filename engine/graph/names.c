/* names.c - op-name uniquification, name validation and name scopes
 * (TF's Graph.unique_name and Graph.name_scope, case-insensitive as TF >= 1.9). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_internal.h"
#include "ops/ops_internal.h"

/* TF 2.x patterns (ops.py _VALID_OP_NAME_REGEX / _VALID_SCOPE_NAME_REGEX). */
#define ROOT_PATTERN "^[A-Za-z0-9.][A-Za-z0-9_.\\\\/>-]*$"
#define SCOPE_PATTERN "^[A-Za-z0-9_.\\\\/>-]*$"

static bool name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '\\' || c == '/' || c == '>' || c == '-';
}

static bool valid_name(const char *name, bool at_root) {
  if (at_root) {
    char c = name[0];
    bool first = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '.';
    if (!first) return false;
  }
  for (const char *c = name; *c; c++)
    if (!name_char(*c)) return false;
  return true;
}

bool vs__check_node_name(const char *name, vs_status *st) {
  if (valid_name(name, true)) return true;
  vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
           "`%s` is not a valid node name. Accepted names conform to Regex "
           "/re.compile('^[A-Za-z0-9.][A-Za-z0-9_.\\\\\\\\/>-]*$')/",
           name);
  return false;
}

char *vs__unique_name(vs_graph *g, vs_thread_state *ts, const char *name, bool mark,
                      vs_status *st) {
  /* names_in_use compares case-insensitively (a vs_nameset), which is
   * TF's lower-cased key without a lower-cased copy; it keeps each name in
   * the case first reserved, so ops can borrow it. */
  char *full = ts->name_stack[0] ? vs__asprintf("%s/%s", ts->name_stack, name) : vs__strdup(name);
  char *cand = NULL;
  if (!full) goto oom;
  uint32_t i = vs_nameset_count(&g->names_in_use, full);
  if (mark && (i == UINT32_MAX || !vs_nameset_put(&g->names_in_use, full, i + 1))) goto oom;
  if (i > 0) {
    /* Skip suffixes that are already taken ("a_1" given explicitly). */
    for (;;) {
      free(cand);
      cand = vs__asprintf("%s_%lu", full, (unsigned long)i); /* original capitalisation */
      if (!cand) goto oom;
      i++;
      if (!vs_nameset_key(&g->names_in_use, cand)) break;
    }
    if (mark && !vs_nameset_put(&g->names_in_use, cand, 1)) goto oom;
    free(full);
    full = cand;
  }
  return full;
oom:
  free(full);
  free(cand);
  vs__oom(st);
  return NULL;
}

/* Graph.create_op's naming: a name ending in '/' is the op's full name
 * (from the root, the slash dropped, not uniquified and not reserved, so a
 * second use is a duplicate node); any other name goes through unique_name.
 * Ops built inside a name scope get the same rule from vs__name_scope_push. */
char *vs__op_name(vs_graph *g, vs_thread_state *ts, const char *name, vs_status *st) {
  size_t n = strlen(name);
  if (n && name[n - 1] == '/') {
    char *full = vs__strndup(name, n - 1);
    if (!full) vs__oom(st);
    return full;
  }
  return vs__unique_name(g, ts, name, true, st);
}

static bool save_stack(vs_thread_state *ts, vs_status *st) {
  if (!VS_GROW(ts->ns_saved, ts->ns_cap, ts->ns_depth + 1)) {
    vs__oom(st);
    return false;
  }
  ts->ns_saved[ts->ns_depth++] = ts->name_stack;
  return true;
}

/* The new name stack and the scope it yields ("<stack>/", or "" at the
 * root) in one allocation: "<stack>\0<stack>/\0". The stack is freed by the
 * matching pop, so the yielded string lives exactly as long as the scope. */
static char *stack_block(const char *stack, size_t len) {
  char *b = malloc(2 * len + 3);
  if (!b) return NULL;
  memcpy(b, stack, len);
  b[len] = '\0';
  memcpy(b + len + 1, stack, len);
  memcpy(b + 2 * len + 1, len ? "/" : "", len ? 2 : 1);
  return b;
}

const char *vs__name_scope_enter(vs_graph *g, vs_thread_state *ts, const char *name,
                                 vs_status *st) {
  char *stack;
  if (!name || !name[0]) {
    stack = stack_block("", 0);
  } else {
    bool at_root = ts->name_stack[0] == '\0';
    if (!valid_name(name, at_root)) {
      if (at_root)
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
                 "'%s' is not a valid root scope name. A root scope name has to match the "
                 "following pattern: " ROOT_PATTERN, name);
      else
        vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
                 "'%s' is not a valid scope name. A scope name has to match the following "
                 "pattern: " SCOPE_PATTERN, name);
      return NULL;
    }
    size_t n = strlen(name);
    if (name[n - 1] == '/') {
      stack = stack_block(name, n - 1); /* absolute, not uniquified */
    } else {
      char *unique = vs__unique_name(g, ts, name, true, st);
      if (!unique) return NULL;
      stack = stack_block(unique, strlen(unique));
      free(unique);
    }
  }
  if (!stack || !save_stack(ts, st)) {
    free(stack);
    vs__oom(st);
    return NULL;
  }
  ts->name_stack = stack;
  return stack + strlen(stack) + 1;
}

const char *vs__name_scope_push(vs_graph *g, vs_thread_state *ts, const char *name,
                                vs_status *st) {
  const char *yielded = vs__name_scope_enter(g, ts, name, st);
  if (!yielded) return NULL;
  /* The graph keeps a copy so callers can hold it past the pop; it is
   * small and bounded by the number of pushes. */
  const char *kept = vs__keep_string(g, vs__strdup(yielded), st);
  if (!kept) vs__name_scope_pop(ts);
  return kept;
}

void vs__name_scope_pop(vs_thread_state *ts) {
  if (!ts->ns_depth) return;
  free(ts->name_stack);
  ts->name_stack = ts->ns_saved[--ts->ns_depth];
}

void vs__name_scope_restore(vs_thread_state *ts, const char *stack, size_t depth) {
  while (ts->ns_depth > depth) vs__name_scope_pop(ts);
  if (strcmp(ts->name_stack, stack) != 0) {
    char *copy = vs__strdup(stack);
    if (copy) { /* on OOM the popped stack is at least well-formed */
      free(ts->name_stack);
      ts->name_stack = copy;
    }
  }
}

/* ---- public API ---- */

VS_API const char *vs_graph_unique_name(vs_graph *g, const char *name, bool mark_as_used,
                                        vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g && name, st, "vs_graph_unique_name: graph and name must not be NULL");
  vs__lock(g);
  const char *out = NULL;
  vs_thread_state *ts = vs__thread(g, st);
  if (ts) {
    char *s = vs__unique_name(g, ts, name, mark_as_used, st);
    if (s) out = vs__keep_string(g, s, st);
  }
  vs__unlock(g);
  return out;
}

VS_API const char *vs_name_scope_push(vs_graph *g, const char *name, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g, st, "vs_name_scope_push: graph must not be NULL");
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  const char *out = ts ? vs__name_scope_push(g, ts, name, st) : NULL;
  vs__unlock(g);
  return out;
}

VS_API const char *vs_name_scope_push_default(vs_graph *g, const char *name,
                                              const char *default_name, vs_status *st) {
  return vs_name_scope_push(g, name ? name : default_name, st);
}

VS_API const char *vs_name_scope_push_values(vs_graph *g, const char *name,
                                             const char *default_name, const vs_output *values,
                                             size_t n, vs_status *st) {
  vs__ok(st);
  VS_REQUIRE(g && (values || !n), st, "vs_name_scope_push_values: graph must not be NULL");
  const char *chosen = name ? name : default_name;
  /* internal_name_scope_v1: only values=None keeps name=None as the reset. */
  if (!chosen && values) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR,
             "At least one of name (None) and default_name (None) must be provided.");
    return NULL;
  }
  if (n > (size_t)INT_MAX) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_name_scope_push_values: too many values");
    return NULL;
  }
  vs__lock(g);
  /* _get_graph_from_inputs: the first value's graph, every other the same. */
  const char *out = NULL;
  if (vs__valid_outputs(g, values, (int)n, "name_scope", st)) out = vs_name_scope_push(g, chosen, st);
  vs__unlock(g);
  return out;
}

VS_API void vs_name_scope_pop(vs_graph *g, vs_status *st) {
  vs__ok(st);
  if (!g) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_name_scope_pop: graph must not be NULL");
    return;
  }
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, st);
  if (ts && ts->ns_depth == 0)
    vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_RUNTIME_ERROR,
             "vs_name_scope_pop: no name scope is open on this thread");
  else if (ts)
    vs__name_scope_pop(ts);
  vs__unlock(g);
}

VS_API const char *vs_get_name_scope(vs_graph *g) {
  if (!g) return NULL;
  vs__lock(g);
  vs_thread_state *ts = vs__thread(g, NULL);
  const char *out = ts ? ts->name_stack : NULL;
  vs__unlock(g);
  return out;
}

/* ---- ops.strip_name_scope / ops.prepend_name_scope ---- */

/* A bounded writer, snprintf-like: counts everything, stores what fits. */
typedef struct sbuf {
  char *buf;
  size_t cap, len;
} sbuf;

static void put(sbuf *b, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++, b->len++)
    if (b->cap && b->len < b->cap - 1) b->buf[b->len] = s[i];
}

static size_t finish(sbuf *b) {
  if (b->cap) b->buf[b->len < b->cap - 1 ? b->len : b->cap - 1] = '\0';
  return b->len;
}

/* The scope as TF's (unescaped) regex: '.' is any character but a newline,
 * '\\' makes the next one literal. Returns the length matched at s, or -1. */
static long match_scope(const char *s, const char *pat, size_t plen) {
  size_t i = 0, p = 0;
  while (p < plen) {
    if (!s[i]) return -1;
    if (pat[p] == '.') {
      if (s[i] == '\n') return -1;
      p++;
    } else {
      if (pat[p] == '\\' && p + 1 < plen) p++;
      if (s[i] != pat[p]) return -1;
      p++;
    }
    i++;
  }
  return (long)i;
}

static size_t scope_len(const char *scope) {
  size_t n = strlen(scope);
  return n && scope[n - 1] == '/' ? n - 1 : n;
}

static size_t line_end(const char *s, size_t from) {
  const char *nl = strchr(s + from, '\n');
  return nl ? (size_t)(nl - s) : strlen(s);
}

/* Both functions return the name unchanged for no scope (and nothing for
 * no name); true when that answer was written. */
static bool no_scope(sbuf *b, const char *name, const char *scope) {
  if (name && scope && scope[0]) return false;
  if (name) put(b, name, strlen(name));
  return true;
}

VS_API size_t vs_strip_name_scope(const char *name, const char *scope, char *buf, size_t cap) {
  sbuf b = {buf, cap, 0};
  if (no_scope(&b, name, scope)) return finish(&b);
  size_t n = strlen(name), plen = scope_len(scope);
  /* re.sub(r"([\^]|loc:@|^)" + scope + r"[\/]+(.*)", r"\1\2", name, count=1) */
  for (size_t p = 0; p <= n; p++) {
    const char *alts[3] = {name[p] == '^' ? "^" : NULL,
                           strncmp(name + p, "loc:@", 5) == 0 ? "loc:@" : NULL, p == 0 ? "" : NULL};
    for (int a = 0; a < 3; a++) {
      if (!alts[a]) continue;
      size_t q = p + strlen(alts[a]);
      long m = match_scope(name + q, scope, plen);
      if (m < 0 || name[q + (size_t)m] != '/') continue;
      size_t r = q + (size_t)m;
      while (name[r] == '/') r++;
      put(&b, name, p);
      put(&b, alts[a], strlen(alts[a]));
      put(&b, name + r, n - r); /* \2 and whatever followed the match */
      return finish(&b);
    }
  }
  put(&b, name, n);
  return finish(&b);
}

VS_API size_t vs_prepend_name_scope(const char *name, const char *scope, char *buf, size_t cap) {
  sbuf b = {buf, cap, 0};
  if (no_scope(&b, name, scope)) return finish(&b);
  size_t n = strlen(name), plen = scope_len(scope);
  /* re.sub(r"([\^]|loc:@|^)(.*)", r"\1" + scope + r"/\2", name): every
   * match, though past the first line only '^' and "loc:@" can start one. */
  size_t p = 0;
  while (p <= n) {
    const char *g1 = name[p] == '^' ? "^"
                     : strncmp(name + p, "loc:@", 5) == 0 ? "loc:@"
                     : p == 0 ? "" : NULL;
    if (!g1) {
      if (p < n) put(&b, name + p, 1);
      p++;
      continue;
    }
    size_t q = p + strlen(g1), e = line_end(name, q);
    put(&b, g1, strlen(g1));
    put(&b, scope, plen);
    put(&b, "/", 1);
    put(&b, name + q, e - q);
    if (e == n) break;
    put(&b, name + e, 1); /* the newline */
    p = e + 1;
  }
  return finish(&b);
}
