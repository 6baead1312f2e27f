/* choice_table.c - the text tables of choices that conv_select.c and
 * gemm_select.c keep per device in the memo and the keyed store: getting,
 * rewriting and listing them (see choice_table.h). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/choice_table.h"
#include "runtime/blas.h"
#include "runtime/tuning_store.h"

/* Per device (its global index; the registry holds at most 64, and a
 * larger index would share a slot, which only costs extra misses): bumped
 * after every change to one of the device's tables in the memo
 * (choice_memo.h), so that a reader that saw the new generation reads
 * the new table, and a step's memo of another device's choice stays. */
#define GEN_SLOTS 64
static _Atomic uint64_t generation[GEN_SLOTS];
static _Atomic uint64_t scans;

/* The identity of the CLBlast sets in use (runtime/blas.h) is added in:
 * a step's memo of a choice made under other sets (GEMM, timed against
 * CLBlast) misses when a tuning run changes them, as the choice table,
 * keyed by it, does (gemm_select.c). Memos compare generations for
 * equality only; under unchanged sets the sum still grows with each bump. */
uint64_t vs__choice_generation(const vs_cl_device *d) {
  return atomic_load_explicit(&generation[d->index % GEN_SLOTS], memory_order_acquire) + vs__clblast_sets_id(d);
}
uint64_t vs__choice_table_scans(void) { return atomic_load_explicit(&scans, memory_order_relaxed); }

/* vs__memo_put, then the generation's bump (after: never before the
 * table a reader of the new generation must see). */
static bool memo_put(vs_cl_device *d, const char *skey, const void *data, size_t n) {
  bool ok = vs__memo_put(d, skey, data, n);
  atomic_fetch_add_explicit(&generation[d->index % GEN_SLOTS], 1, memory_order_acq_rel);
  return ok;
}

char *vs__choice_table_key(const vs_cl_device *d, const char *what) {
  return vs__asprintf("varscope %s\ndevice %s\ndriver %s\nplatform %s\n", what, d->info.device_name,
                      d->info.driver_version, d->info.platform_name);
}

char *vs__choice_table_key_clblast(const vs_cl_device *d, const char *what) {
  return vs__clblast_table_key(d, what, vs__clblast_sets_id(d));
}

char *vs__choice_table_get(vs_cl_device *d, const char *skey, bool from_disk, bool memo_miss) {
  unsigned char *data = NULL;
  size_t n = 0;
  if (!from_disk && vs__memo_get(d, skey, &data, &n)) {
  } else if (vs__store_get(NULL, skey, VS_CHOICE_TABLE_MAX, &data, &n) == VS_STORE_HIT) {
    memo_put(d, skey, data, n);
  } else {
    free(data);
    data = NULL;
    n = 0;
    if (memo_miss) memo_put(d, skey, "", 0);
  }
  char *t = malloc(n + 1);
  if (t) {
    if (n) memcpy(t, data, n);
    t[n] = '\0';
  }
  free(data);
  return t;
}

bool vs__choice_table_scan(char *t, const char *key, vs_choice_accept_fn accept, void *arg) {
  bool found = false;
  size_t klen = strlen(key);
  atomic_fetch_add_explicit(&scans, 1, memory_order_relaxed);
  for (char *line = t; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    if (strncmp(line, key, klen) == 0 && line[klen] == '\t' && accept(line + klen + 1, arg)) found = true;
    line = nl ? nl + 1 : NULL;
  }
  return found;
}

bool vs__choice_drop_key(const char *line, const void *key) {
  size_t klen = strlen(key);
  return strncmp(line, key, klen) == 0 && line[klen] == '\t';
}

bool vs__choice_table_update(vs_cl_device *d, const char *skey, vs_choice_drop_fn drop, const void *arg,
                             const char *add) {
  /* The disk's table, so that another process's lines written since are
   * kept; where the disk has none, this process's own: a tuning run
   * elsewhere that changed the stored CLBlast sets removed this identity's
   * table (clblast_tuning.c's retire_tables), but this process still runs
   * those sets and must not lose the choices it made under them. */
  char *t = vs__choice_table_get(d, skey, true, false);
  if (t && !*t) {
    free(t);
    t = vs__choice_table_get(d, skey, false, false);
  }
  size_t cap = (t ? strlen(t) : 0) + (add ? strlen(add) : 0) + 1, used = 0;
  char *out = t ? malloc(cap) : NULL;
  bool ok = out != NULL;
  for (char *line = out ? t : NULL; line && *line;) {
    char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    char saved = line[len];
    line[len] = '\0';
    if (!drop(line, arg)) {
      memcpy(out + used, line, len);
      used += len;
      out[used++] = '\n';
    }
    line[len] = saved;
    line = nl ? nl + 1 : NULL;
  }
  if (ok && add) {
    memcpy(out + used, add, strlen(add));
    used += strlen(add);
  }
  if (ok && used <= VS_CHOICE_TABLE_MAX) {
    memo_put(d, skey, out, used);
    vs__store_put(NULL, skey, out, used); /* best effort: without a cache directory, this process remembers */
  }
  free(out);
  free(t);
  return ok;
}

bool vs__choice_table_set(vs_cl_device *d, const char *skey, const char *text) {
  return memo_put(d, skey, text, strlen(text)) && vs__store_put(NULL, skey, text, strlen(text));
}

vs_cl_device *vs__choice_list_device(size_t i, char *buf, size_t cap, const char *fn, vs_status *st) {
  vs__ok(st);
  vs_cl_device *d = vs__device(i, st);
  if (!d || (!buf && cap)) {
    if (d) vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "%s: buf is NULL", fn);
    return NULL;
  }
  if (cap) buf[0] = '\0';
  return d;
}

size_t vs__choice_table_list(vs_cl_device *d, const char *skey, bool memo_miss, const char *prefix,
                             vs_choice_name_fn name_of, char *buf, size_t cap, size_t used) {
  char *t = vs__choice_table_get(d, skey, false, memo_miss);
  for (char *line = t; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl) *nl = '\0';
    char *tab = strchr(line, '\t'), name[64];
    if (tab && name_of(tab + 1, name, sizeof name)) {
      char *note = strchr(tab + 1, '\t');
      *tab = '\0';
      int w = snprintf(used < cap ? buf + used : NULL, used < cap ? cap - used : 0, "%s%s -> %s (%s)\n", prefix, line,
                       name, note ? note + 1 : "");
      if (w > 0) used += (size_t)w;
    }
    line = nl ? nl + 1 : NULL;
  }
  free(t);
  return used;
}
