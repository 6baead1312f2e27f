/* gemm_select.c - which float32 GEMM (varscope's own kernel, on packed
 * panels or in place, under which parameters, or CLBlast) runs a problem on a device, and where that is
 * remembered. Chosen by measurement, never by vendor.
 *
 * The first time a shape family (gemm.h: the transposes and the
 * power-of-two buckets of m, n, k) meets a device, the candidates run on
 * the real buffers: the own kernel on packed panels, the k-blocked kernel
 * (gemm.cl's gemm_blocked) and the in-place kernel (where it can run the
 * problem: B not transposed), each under its default parameters, the
 * form and set `varscope tune --gemm` kept for the family (gemm_tune.c)
 * when there is one, and CLBlast. Each gets a warm-up (which builds its
 * kernels), then all are timed in interleaved rounds, and the lowest
 * median cost wins, a simpler form winning within 3% (choice_pick.h's
 * rule, vs__gemm_pick below giving the forms' order). Problems above 1024 x 1024 x k are timed on
 * their leading 1024 x 1024 block of C (same k, same leading dimensions):
 * both algorithms scale with m x n there, and the full size would cost
 * seconds per run.
 *
 * Two entries of the runtime's keyed store (runtime/tuning_store.h) per
 * device, keyed by device, driver and platform (the choice table also by
 * the CLBlast sets in use: table_key), each a text table that
 * only this file reads and writes, one line per family:
 *   "varscope gemm-choice-v5 ...": <family> TAB <kind> <rm> <nv> <vec> <uk> <ly> <kc> TAB <ms> ms
 *   "varscope gemm-tuned-v2 ...":  <family> TAB <kind> <rm> <nv> <vec> <uk> <ly> <kc> TAB <GFLOP/s> GFLOP/s
 * The store checksums each payload; a line that does not parse, or whose
 * parameters are out of range, is skipped (the family is measured again).
 * Within a process the tables live in the device's memo, and the choice
 * a plan step got from them in the step's (choice_memo.h). Two processes
 * updating a table at once may lose one's line: it is measured again.
 * (kind: vs_gemm_kind's number; kc: the k-blocked kind's chunk, 0 for its
 * default and the other kinds. Older tables are no longer read: choice v1
 * was made before the blocked and in-place kernels were candidates, v2
 * and tuned v1 had no chunk length, and tuned v1 no kind, its set being
 * tried under every kind; v3 was chosen by the faster of two runs per
 * candidate in a row, a rule that picked losers under load; v4 timed the
 * own forms before they dealt C's tiles evenly over their rows, when a
 * near-empty last row cost up to 8% at 2048^3).
 * VARSCOPE_GEMM=clblast, own[:RM,NV,VEC,UK,LY], blocked[:RM,NV,VEC,UK,LY[,KC]]
 * or inplace[:...] forces one; tf32[:WM,WN,FM,FN,KS] forces the TF32
 * kernel (gemm_mma.c) on the GEMMs of sessions with
 * tensor_float_32_execution on, matrix units or not (its emulation on
 * other devices), and leaves the others to the usual choice. Where TF32 is
 * allowed (the switch and the device's matrix units), the TF32 kernel's
 * first sets are candidates too, under "tf32|"-prefixed families, with
 * the float32 tuned set of the plain family and, in the last TF32 set's
 * place, the TF32 set the tuner kept under the tf32| family (the tuned
 * table's "4 wm wn fm fn ks 0" records, read under tf32| families only).
 * VARSCOPE_LOG=gemm prints each measurement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/choice_memo.h"
#include "kernels/choice_pick.h"
#include "kernels/choice_table.h"
#include "kernels/gemm.h"
#include "kernels/gemm_tuning.h"
#include "runtime/blas.h"
#include "runtime/tuning_store.h"

#define SUB_MAX 1024 /* the largest m and n timed when choosing */

double vs__gemm_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

double vs__gemm_cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

#define CHOICE VS_CLBLAST_TABLE_GEMM /* "gemm-choice-v5" (runtime/blas.h: retired with its CLBlast sets) */
#define TUNED "gemm-tuned-v2"

static int bucket(size_t x) {
  int b = 0;
  while (b < 63 && ((size_t)1 << b) < x) b++;
  return b;
}

char *vs__gemm_family_key(bool ta, bool tb, size_t m, size_t n, size_t k) {
  return vs__asprintf("%c%c|m%d|n%d|k%d", ta ? 't' : 'n', tb ? 't' : 'n', bucket(m), bucket(n), bucket(k));
}

/* The store key of device d's table `what`. The choice table's holds the
 * identity of the CLBlast GEMM sets in use on the device
 * (vs__clblast_sets_id): CLBlast is one of the candidates timed, so a
 * choice made under other sets (before `varscope tune` stored or removed
 * one) is not found, and the family measures again; a process under those
 * sets still finds it. */
static char *table_key(const vs_cl_device *d, const char *what) {
  return strcmp(what, CHOICE) == 0 ? vs__choice_table_key_clblast(d, what) : vs__choice_table_key(d, what);
}

static bool take_value(const char *value, void *found) {
  *(const char **)found = value;
  return true;
}

/* The text after "<key> TAB" of the last line for key; NULL when none.
 * Points into t. */
static const char *table_find(char *t, const char *key) {
  const char *found = NULL;
  vs__choice_table_scan(t, key, take_value, &found);
  return found;
}

/* Rewrites skey's table without key's lines, plus `add` (a full line or
 * NULL), into the store and the memo. */
static bool table_set(vs_cl_device *d, const char *skey, const char *key, const char *add) {
  return vs__choice_table_update(d, skey, vs__choice_drop_key, key, add);
}

/* "<rm> <nv> <vec> <uk> <ly> <kc>" strictly, followed by a tab or the
 * end; digits only (sscanf alone would take signs and spaces). */
static bool parse_params(const char *s, vs_gemm_params *p) {
  int used = 0;
  vs_gemm_params x;
  if (strspn(s, "0123456789 ") < strcspn(s, "\t") ||
      sscanf(s, "%d %d %d %d %d %d%n", &x.rm, &x.nv, &x.vec, &x.uk, &x.ly, &x.kc, &used) != 6 ||
      (s[used] != '\t' && s[used]))
    return false;
  if (!vs__gemm_params_ok(x)) return false;
  *p = x;
  return true;
}

/* "4 <wm> <wn> <fm> <fn> <ks> 0" strictly (the TF32 kernel's record),
 * parameters in range, followed by a tab or the end. */
static bool parse_mma(const char *s, vs_mma_params *q) {
  int used = 0, zero = -1;
  vs_mma_params x;
  if (strspn(s, "0123456789 ") < strcspn(s, "\t") ||
      sscanf(s, "%d %d %d %d %d %d%n", &x.wm, &x.wn, &x.fm, &x.fn, &x.ks, &zero, &used) != 6 || zero != 0 ||
      (s[used] != '\t' && s[used]) || !vs__mma_params_ok(x))
    return false;
  *q = x;
  return true;
}

/* "<kind> <rm> <nv> <vec> <uk> <ly> <kc>" strictly: own, in-place or
 * blocked with parameters in range (a chunk length only for blocked),
 * CLBlast with zeros, or the TF32 kernel (parse_mma; only in the choice
 * table, under a "tf32|" family). Both tables' records. */
static bool parse_algo(const char *s, vs_gemm_algo *a) {
  if (!(s[0] >= '0' && s[0] <= '4' && s[1] == ' ')) return false;
  vs_gemm_algo x = {.kind = (vs_gemm_kind)(s[0] - '0')};
  if (x.kind == VS_GEMM_TF32 ? !parse_mma(s + 2, &x.q)
      : x.kind != VS_GEMM_CLBLAST ? !parse_params(s + 2, &x.p) || (x.kind != VS_GEMM_BLOCKED && x.p.kc)
                                  : !(strncmp(s + 2, "0 0 0 0 0 0", 11) == 0 && (s[13] == '\t' || !s[13])))
    return false;
  *a = x;
  return true;
}

/* The record parse_algo reads ("<kind> <rm> ... <kc>", or the TF32
 * kernel's "4 <wm> <wn> <fm> <fn> <ks> 0"). */
static char *algo_record(vs_gemm_algo a) {
  if (a.kind == VS_GEMM_TF32)
    return vs__asprintf("%d %d %d %d %d %d 0", (int)a.kind, a.q.wm, a.q.wn, a.q.fm, a.q.fn, a.q.ks);
  return vs__asprintf("%d %d %d %d %d %d %d", (int)a.kind, a.p.rm, a.p.nv, a.p.vec, a.p.uk, a.p.ly, a.p.kc);
}

/* The text after "<family> TAB" of the last line for family in device
 * d's table what (the memo's, else the store's; a missing table is
 * memoised as "", so the disk is read once per process); NULL when none.
 * Points into *t, the table, which the caller frees. */
static const char *table_value(vs_cl_device *d, const char *what, const char *family, char **t) {
  char *skey = table_key(d, what);
  *t = skey ? vs__choice_table_get(d, skey, false, true) : NULL;
  free(skey);
  return *t ? table_find(*t, family) : NULL;
}

static bool choice_lookup(vs_cl_device *d, const char *family, vs_gemm_algo *a) {
  char *t;
  const char *s = table_value(d, CHOICE, family, &t);
  /* A TF32 choice only under a "tf32|" family (the only place this code
   * writes one): one found under a plain family, from a store written by
   * hand or by other code, must not give a float32 session TF32 products. */
  bool found = s && parse_algo(s, a) && (a->kind != VS_GEMM_TF32 || strncmp(family, "tf32|", 5) == 0);
  free(t);
  return found;
}

static bool choice_put(vs_cl_device *d, const char *family, vs_gemm_algo a, double ms) {
  char *skey = table_key(d, CHOICE), *rec = algo_record(a);
  char *line = rec ? vs__asprintf("%s\t%s\t%.3f ms\n", family, rec, ms) : NULL;
  bool ok = skey && line && table_set(d, skey, family, line);
  free(line);
  free(rec);
  free(skey);
  return ok;
}

bool vs__gemm_tuned_lookup(vs_cl_device *d, const char *family, vs_gemm_algo *a) {
  char *t;
  const char *s = table_value(d, TUNED, family, &t);
  /* The tuner keeps the own kernel's sets under the plain family and the
   * TF32 kernel's under its "tf32|" family, never the other way round: a
   * float32 session must never run a TF32 set. */
  bool tf32 = strncmp(family, "tf32|", 5) == 0;
  bool found = s && parse_algo(s, a) && a->kind != VS_GEMM_CLBLAST && (a->kind == VS_GEMM_TF32) == tf32;
  free(t);
  return found;
}

bool vs__gemm_tuned_put(vs_cl_device *d, const char *family, const vs_gemm_algo *a, double gflops) {
  char *skey = table_key(d, TUNED), *ckey = table_key(d, CHOICE);
  char *rec = a ? algo_record(*a) : NULL;
  char *line = rec ? vs__asprintf("%s\t%s\t%.1f GFLOP/s\n", family, rec, gflops) : NULL;
  /* The family's choices are made again with the new set: the float32
   * one, and where the set is the own kernel's, the TF32 family's too (a
   * TF32 session times the float32 tuned set beside the TF32 sets). */
  char *tf32_family = strncmp(family, "tf32|", 5) != 0 ? vs__asprintf("tf32|%s", family) : NULL;
  bool ok = skey && ckey && (!a || line) && table_set(d, skey, family, line) && table_set(d, ckey, family, NULL) &&
            (!tf32_family || table_set(d, ckey, tf32_family, NULL));
  free(tf32_family);
  free(line);
  free(rec);
  free(skey);
  free(ckey);
  return ok;
}

/* The choice's timing and rule are choice_pick.h's (interleaved rounds,
 * the median, ties within 3% to the simpler form), shared with the conv
 * gradients' routes. */
#define MAX_TF32_CANDS VS_MMA_CHOICE_SETS /* where TF32 is allowed: the first sets of vs__mma_sets */
/* three default forms, a tuned set, CLBlast, the TF32 sets (a tuned TF32 set takes the last one's place) */
#define MAX_CANDS (5 + MAX_TF32_CANDS)
_Static_assert(MAX_CANDS <= VS_CHOICE_MAX_CANDS, "choice_pick.h times every GEMM candidate");

/* The order of simplicity: in place (one launch, no scratch), packed (a
 * pack launch and panels), k-blocked (the same, its multiply walking
 * chunks), CLBlast (another library's launches and scratch), TF32 (fewer
 * mantissa bits: within 3% a float32 kernel is worth its precision). */
static int simplicity(int kind) {
  return kind == VS_GEMM_INPLACE   ? 0
         : kind == VS_GEMM_OWN     ? 1
         : kind == VS_GEMM_BLOCKED ? 2
         : kind == VS_GEMM_CLBLAST ? 3
                                   : 4;
}

size_t vs__gemm_pick(const int *kinds, const double *costs, size_t ncands, size_t rounds, double *cost) {
  int rank[VS_CHOICE_MAX_CANDS] = {0};
  size_t n = ncands > VS_CHOICE_MAX_CANDS ? VS_CHOICE_MAX_CANDS : ncands;
  for (size_t i = 0; i < n; i++) rank[i] = simplicity(kinds[i]);
  size_t p = vs__choice_pick(rank, costs, n, rounds, cost);
  return p < n ? p : ncands; /* ncands: none ran (gemm_tuning.h) */
}

/* One problem and its candidates, for vs__choice_time. */
typedef struct gemm_trial {
  vs_cl_device *d;
  const vs_gemm_algo *cands;
  bool ta, tb;
  size_t m, n, k, a_off, lda, b_off, ldb, c_off, ldc;
  cl_mem a, b, c;
} gemm_trial;

/* vs_choice_run_fn: one run of candidate i, its cost (vs__gemm_cost). */
static double run_once(void *ctx, int i, vs_status *st) {
  const gemm_trial *t = ctx;
  vs_gemm_algo a = t->cands[i];
  size_t groups = a.kind != VS_GEMM_CLBLAST && a.kind != VS_GEMM_TF32 ? vs__gemm_own_groups(a.p, t->m, t->n) : 0;
  double t0 = vs__gemm_now(), c0 = vs__gemm_cpu_now();
  if (!vs__gemm_algo_run(NULL, t->d, a, t->ta, t->tb, t->m, t->n, t->k, t->a, t->a_off, t->lda, t->b, t->b_off, t->ldb,
                         t->c, t->c_off, t->ldc, st))
    return -1;
  cl_int err = clFinish(*vs__queue(t->d));
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clFinish");
    return -1;
  }
  return vs__gemm_cost(t->d, vs__gemm_now() - t0, vs__gemm_cpu_now() - c0, groups);
}

/* ":RM,NV,VEC,UK,LY" (and ",KC" when kc) into p, strictly. */
static bool parse_forced_params(const char *s, bool kc, vs_gemm_params *p) {
  int used = 0, n = sscanf(s, "%d,%d,%d,%d,%d%n", &p->rm, &p->nv, &p->vec, &p->uk, &p->ly, &used);
  p->kc = 0;
  if (n == 5 && kc && s[used] == ',') {
    int more = 0;
    if (sscanf(s + used + 1, "%d%n", &p->kc, &more) != 1 || p->kc < 1) return false;
    used += 1 + more;
  }
  return n == 5 && !s[used] && vs__gemm_params_ok(*p);
}

/* "tf32" or "tf32:WM,WN,FM,FN,KS" into *q (the first set for the bare
 * word), strictly; false for anything else. */
static bool parse_forced_mma(const char *force, vs_mma_params *q) {
  size_t nsets;
  *q = vs__mma_sets(&nsets)[0];
  if (strcmp(force, "tf32") == 0) return true;
  int used = 0;
  return strncmp(force, "tf32:", 5) == 0 &&
         sscanf(force + 5, "%d,%d,%d,%d,%d%n", &q->wm, &q->wn, &q->fm, &q->fn, &q->ks, &used) == 5 &&
         !force[5 + used] && vs__mma_params_ok(*q);
}

static bool forced(const vs_cl_device *d, const char *force, bool tb, size_t m, size_t n, size_t k,
                   vs_gemm_algo *algo, vs_status *st) {
  vs_gemm_algo a = {VS_GEMM_OWN, vs__gemm_default_params(d), {0, 0, 0, 0, 0}};
  bool inplace = strncmp(force, "inplace", 7) == 0, blocked = strncmp(force, "blocked", 7) == 0;
  bool own = inplace || blocked || strncmp(force, "own", 3) == 0;
  const char *rest = force + (inplace || blocked ? 7 : 3);
  if (blocked) a = (vs_gemm_algo){.kind = VS_GEMM_BLOCKED, .p = vs__gemm_blocked_default_params(d)};
  if (strcmp(force, "clblast") == 0) a = (vs_gemm_algo){VS_GEMM_CLBLAST, {0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}};
  else if (own && !*rest) {
  } else if (!(own && *rest == ':' && parse_forced_params(rest + 1, blocked, &a.p))) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
             "VARSCOPE_GEMM='%s': want auto, clblast, or own, blocked or inplace, each alone or with :RM,NV,VEC,UK,LY "
             "(blocked: and optionally ,KC) (RM 1-16, NV 1-4, VEC 1, 2, 4, 8 or 16, UK 1-16, LY 1-64, KC 1-8192), "
             "or tf32 alone or with :WM,WN,FM,FN,KS (WM x WN 1-16, FM and FN 1-8, KS 8, 16, 32 or 64)",
             force);
    return false;
  }
  /* In place where the problem allows, else packed, else CLBlast. */
  if (inplace && vs__gemm_inplace_fits(a.p, tb, m, n, k)) a.kind = VS_GEMM_INPLACE;
  if ((a.kind == VS_GEMM_OWN || a.kind == VS_GEMM_BLOCKED) && !vs__gemm_own_fits(d, a.p, m, n, k))
    a = (vs_gemm_algo){VS_GEMM_CLBLAST, {0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}};
  *algo = a;
  return true;
}

_Static_assert(sizeof(vs_gemm_algo) <= VS_CHOICE_MEMO_VALUE, "a step's memo holds a GEMM choice");

bool vs__gemm_select(vs_cl_device *d, bool tf32, bool ta, bool tb, size_t m, size_t n, size_t k, cl_mem a,
                     size_t a_off, size_t lda, cl_mem b, size_t b_off, size_t ldb, cl_mem c, size_t c_off, size_t ldc,
                     vs_gemm_algo *algo, vs_status *st) {
  const char *force = getenv("VARSCOPE_GEMM");
  vs_mma_params fq;
  if (force && parse_forced_mma(force, &fq)) {
    if (tf32) { /* the kernel, matrix units or not; where it cannot run, its run says why */
      *algo = (vs_gemm_algo){VS_GEMM_TF32, {0, 0, 0, 0, 0, 0}, fq};
      return true;
    }
  } else if (force && *force && strcmp(force, "auto") != 0) {
    return forced(d, force, tb, m, n, k, algo, st);
  }
  /* TF32 where the session allows it and the device has the units; the
   * switch alone changes nothing (its absence: today's choice, keys and
   * all). */
  bool mma = tf32 && vs__tf32_units(d);
  /* The running step's memo (choice_memo.h): the exact sizes, since the
   * fit below depends on them, not only on the family; a sixth number
   * where TF32 is allowed. */
  vs_choice_ask q = {.kind = VS_CHOICE_GEMM, .device = d, .nkey = mma ? 6 : 5,
                     .key = {ta, tb, (int64_t)m, (int64_t)n, (int64_t)k, 1}};
  if (vs__choice_memo_get(&q, algo, sizeof *algo)) return true;
  char *base = vs__gemm_family_key(ta, tb, m, n, k), *family = base && mma ? vs__asprintf("tf32|%s", base) : base;
  if (family != base) free(base);
  if (!family) {
    vs__oom(st);
    return false;
  }
  /* A kept choice holds for the family, whose members differ in size
   * within their buckets: one the kept kernel cannot run is chosen anew. */
  if (choice_lookup(d, family, algo) && vs__gemm_algo_fits(d, *algo, tb, m, n, k)) {
    vs__choice_memo_put(&q, algo, sizeof *algo);
    free(family);
    return true;
  }
  /* The in-place kernel is timed on the same sub-problem as the rest, so
   * it must run that one too (sm >= rm, sn >= its tile width). */
  size_t sm = m < SUB_MAX ? m : SUB_MAX, sn = n < SUB_MAX ? n : SUB_MAX;
  vs_gemm_algo cands[MAX_CANDS], tuned;
  int nc = 0;
  vs_gemm_params def = vs__gemm_default_params(d);
  const vs_gemm_algo defaults[3] = {{VS_GEMM_OWN, def, {0, 0, 0, 0, 0}},
                                    {VS_GEMM_BLOCKED, vs__gemm_blocked_default_params(d), {0, 0, 0, 0, 0}},
                                    {VS_GEMM_INPLACE, def, {0, 0, 0, 0, 0}}};
  /* The float32 tuned set is kept under the plain family (a TF32 session
   * times it too); a TF32 one under the tf32| family (only such a session
   * reads it). */
  bool has_tuned = vs__gemm_tuned_lookup(d, mma ? family + 5 : family, &tuned);
  for (int i = 0; i < 3; i++) {
    /* A tuned set equal to a default is timed once. */
    if (has_tuned && tuned.kind == defaults[i].kind && memcmp(&tuned.p, &defaults[i].p, sizeof tuned.p) == 0)
      has_tuned = false;
    if (defaults[i].kind == VS_GEMM_INPLACE ? vs__gemm_inplace_fits(def, tb, sm, sn, k)
                                            : vs__gemm_own_fits(d, defaults[i].p, m, n, k))
      cands[nc++] = defaults[i];
  }
  if (has_tuned && (tuned.kind == VS_GEMM_INPLACE ? vs__gemm_inplace_fits(tuned.p, tb, sm, sn, k)
                                                   : vs__gemm_own_fits(d, tuned.p, m, n, k)))
    cands[nc++] = tuned;
  cands[nc++] = (vs_gemm_algo){VS_GEMM_CLBLAST, {0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}};
  size_t nsets;
  const vs_mma_params *sets = vs__mma_sets(&nsets);
  /* A TF32 set the tuner kept for the family beat each of these by 3% on
   * the tuner's problem: it is timed in the last one's place (choice_pick
   * times at most VS_CHOICE_MAX_CANDS). */
  vs_gemm_algo tq;
  bool has_tq = mma && vs__gemm_tuned_lookup(d, family, &tq) && vs__mma_fits(d, tq.q, k, NULL, 0);
  size_t ntf32 = has_tq ? MAX_TF32_CANDS - 1 : MAX_TF32_CANDS;
  for (size_t i = 0; mma && i < nsets && i < ntf32; i++)
    if (vs__mma_fits(d, sets[i], k, NULL, 0) && !(has_tq && !memcmp(&tq.q, &sets[i], sizeof tq.q)))
      cands[nc++] = (vs_gemm_algo){VS_GEMM_TF32, {0, 0, 0, 0, 0, 0}, sets[i]};
  if (has_tq) cands[nc++] = tq;
  if (nc == 1) { /* the own kernel cannot run it (its panels exceed the largest buffer): nothing to weigh */
    *algo = cands[0];
    vs__choice_memo_put(&q, algo, sizeof *algo); /* what the tables say, nothing measured */
    free(family);
    return true;
  }
  double costs[MAX_CANDS * VS_CHOICE_ROUNDS_MAX], best = -1;
  int kinds[MAX_CANDS];
  gemm_trial trial = {d, cands, ta, tb, sm, sn, k, a_off, lda, b_off, ldb, c_off, ldc, a, b, c};
  vs__choice_time(nc, run_once, &trial, costs, NULL);
  for (int i = 0; i < nc; i++) kinds[i] = (int)cands[i].kind;
  size_t pick = vs__gemm_pick(kinds, costs, (size_t)nc, VS_CHOICE_ROUNDS_MAX, &best);
  *algo = cands[pick < (size_t)nc ? pick : (size_t)nc - 1];
  char report[640] = "";
  size_t used = 0;
  for (int i = 0; i < nc; i++) {
    char name[64];
    vs__gemm_algo_name(cands[i], name, sizeof name);
    double med = vs__choice_median(costs + i * VS_CHOICE_ROUNDS_MAX, VS_CHOICE_ROUNDS_MAX);
    if (used < sizeof report)
      used += (size_t)snprintf(report + used, sizeof report - used, "%s%s %.3f ms", i ? ", " : "", name,
                               med < 0 ? -1.0 : med * 1e3);
  }
  if (best >= 0) { /* else nothing ran: let the real run report why */
    char chosen[64];
    vs__gemm_algo_name(*algo, chosen, sizeof chosen);
    if (vs__log_enabled("gemm"))
      fprintf(stderr, "varscope: sgemm %s (%zux%zux%zu, timed %zux%zu) on %s: %s -> %s\n", family, m, n, k, sm, sn,
              d->info.cl_name, report, chosen);
    choice_put(d, family, *algo, best * 1e3);
  }
  free(family);
  return true;
}

/* "choice" or "tuned": the store key of device d's table (malloc'd);
 * NULL for any other name. */
static char *named_key(const vs_cl_device *d, const char *which) {
  if (strcmp(which, "choice") == 0) return table_key(d, CHOICE);
  if (strcmp(which, "tuned") == 0) return table_key(d, TUNED);
  return NULL;
}

char *vs__gemm_store_path(size_t i, const char *which, vs_status *st) {
  vs__ok(st);
  vs_cl_device *d = vs__device(i, st);
  char *key = d && which ? named_key(d, which) : NULL, *dir = key ? vs__cache_dir() : NULL;
  char *path = dir ? vs__store_path(dir, key) : NULL;
  if (d && !key) vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "no GEMM table named '%s'", which ? which : "");
  else if (d && !path) vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_OP_ERROR, "no writable cache directory");
  free(dir);
  free(key);
  return path;
}

bool vs__gemm_table_write(size_t i, const char *which, const char *text, vs_status *st) {
  vs__ok(st);
  vs_cl_device *d = vs__device(i, st);
  char *key = d && which ? named_key(d, which) : NULL;
  bool ok = key && text && vs__choice_table_set(d, key, text);
  if (d && !ok) vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_OP_ERROR, "vs__gemm_table_write: could not write '%s'",
                         which ? which : "");
  free(key);
  return ok;
}

/* vs_choice_name_fn for the two tables: a line without its note is left
 * out. */
static bool name_choice(const char *value, char *name, size_t cap) {
  vs_gemm_algo a;
  if (!strchr(value, '\t') || !parse_algo(value, &a)) return false;
  vs__gemm_algo_name(a, name, cap);
  return name[0] != '\0';
}

static bool name_tuned(const char *value, char *name, size_t cap) {
  vs_gemm_algo a;
  if (!strchr(value, '\t') || !parse_algo(value, &a) || a.kind == VS_GEMM_CLBLAST)
    return false; /* the tuner keeps no CLBlast set (TF32 ones under tf32| families) */
  vs__gemm_algo_text(a, name, cap);
  return name[0] != '\0';
}

VS_API size_t vs_device_gemm_choices(size_t i, char *buf, size_t cap, vs_status *st) {
  vs_cl_device *d = vs__choice_list_device(i, buf, cap, "vs_device_gemm_choices", st);
  if (!d) return 0;
  size_t used = 0;
  for (int tuned = 0; tuned < 2; tuned++) {
    char *skey = table_key(d, tuned ? TUNED : CHOICE);
    if (skey) used = vs__choice_table_list(d, skey, true, tuned ? "tuned " : "", tuned ? name_tuned : name_choice, buf,
                                           cap, used);
    free(skey);
  }
  return used;
}
