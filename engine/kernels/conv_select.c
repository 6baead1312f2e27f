/* conv_select.c - which conv2d algorithm (and which direct-kernel
 * parameters) runs a geometry on a device, and where that is remembered.
 *
 * The first time a geometry meets a device, every applicable algorithm is
 * run on the real buffers (a warm-up that builds its kernels, then two
 * timed runs, the faster counting, unless the warm-up already lost by 10x;
 * on a CPU device a run counts its CPU time, vs__conv_cost),
 * the direct, pointwise and im2col sets within 1.5x of the best are timed
 * again in interleaved rounds, and the lowest median is kept (refine; the
 * rule is choice_pick.h's, shared with the GEMM and gradient choices). The direct
 * kernel takes part with its default register tile, a few others, and the
 * parameters `varscope tune --conv` found for the geometry's shape family
 * (conv_tune.c), when there are any.
 *
 * Choices live in the runtime's keyed store (runtime/tuning_store.h): two
 * entries per device, keyed by device, driver and platform, whose payloads
 * are text tables this file alone reads and writes, one line per key:
 *   <geometry or "family ..." key> TAB <kind> <rm> <nv> <uc> <ly> <rw> <rh> TAB <ms>
 * The geometries' choices are one table, whose key also holds the
 * identity of the CLBlast sets in use (choice_table.h's
 * vs__choice_table_key_clblast: the im2col route's GEMM may be CLBlast's,
 * as may the GEMMs convgemm's speed is weighed against), so a choice made
 * under other sets is measured again; the tuner's sets ("family ..."
 * keys, conv_tune.c) are the other, which a change of CLBlast's sets
 * leaves alone (store_key_of picks the table by the key).
 * The store checksums the payload; a line that does not parse is skipped
 * (re-measured). The v1 text file (conv-choices-v1.txt) of earlier
 * versions is never read: its lines had other fields. Within a process the
 * table is kept in the device's memo, and the choice a plan step got from
 * it in the step's (choice_memo.h). Two processes updating the table at
 * once may lose one's line (each replaces the entry atomically); that
 * geometry is simply measured again later.
 * On devices with local memory of their own (GPUs) the implicit GEMM
 * (conv_igemm.c) takes part too: its default sets that fit the device and
 * a set the tuner kept for the family; its lines carry its own fields
 * ("3 <mwg> <nwg> <kwg> <mdimc> <ndimc> <vw> <db> <vwm>").
 * On 1x1 geometries the pointwise kernel (conv2d.c) takes part with two
 * register tiles, one of them also with its input prefetch, and a set the
 * tuner kept; its lines are kind 4 with the direct kernel's fields (rm,
 * nv, ly and rw, the prefetch's distance, read).
 * For sessions with tensor_float_32_execution on devices with TF32 matrix
 * units the TF32 implicit GEMM (conv_igemm_tf32.c) takes part with its
 * defaults and a set the tuner kept; those choices are kept under keys
 * of their own ("tf32|" before the geometry's or family's key, a word
 * more in the step's memo), so a float32 choice never serves a TF32 run
 * or the reverse; its lines carry "5 <wm> <wn> <fm> <fn> <ks>". Forced
 * with VARSCOPE_CONV=igemm-tf32[:WM,WN,FM,FN,KS] (sessions with the
 * switch only).
 * VARSCOPE_CONV=direct, im2col, convgemm, igemm or pointwise forces one
 * ("direct:RM,NV,UC,LY,RW[,RH]", "igemm:MWG,NWG,KWG,MDIMC,NDIMC,VW[,DB[,VWM]]"
 * and "pointwise:RM,NV,LY[,PF]" force parameters); VARSCOPE_LOG=conv prints
 * each measurement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernels/choice_memo.h"
#include "kernels/choice_pick.h"
#include "kernels/choice_table.h"
#include "kernels/conv_internal.h"
#include "kernels/conv_tuning.h"
#include "kernels/gemm.h"
#include "runtime/blas.h"
#include "runtime/tuning_store.h"

/* The native float width of a CPU device (its vector registers' lanes);
 * 0 on other devices, whose registers are not vectors of a work-item. */
static cl_uint cpu_native_width(const vs_cl_device *d) {
  if (strcmp(d->info.type, "CPU") != 0) return 0;
  return d->native_float_width ? d->native_float_width : 1;
}

bool vs__conv_narrow_registers(const vs_cl_device *d) {
  return cpu_native_width(d) && !vs__wide_vector_registers(d);
}

int vs__conv_direct_registers(const vs_cl_device *d, const vs_conv_geom *g) {
  cl_uint w = cpu_native_width(d);
  int vec = vs__conv_direct_vec(g);
  if (!w || vs__wide_vector_registers(d)) return 32;
  return vec <= (int)w ? 16 : 16 * (int)w / vec;
}

/* The strip form, rm8 nv2, eight work-items a work-group: in interleaved
 * runs on the loaded 2-core AVX-512 Xeon its median CPU time was 15-25%
 * below the per-pixel and row-walking forms' best sets on the 5x5 32->32
 * layers (its fastest runs at the cores' FMA peak), level with rm4 nv4 on
 * 3x3 64->64. On a dilated width (no strip) the same tile runs per pixel
 * (vs__conv_direct); on a strided one, the strided strip. Before it: rm8 nv2 u2 ly2 per pixel.
 * With 16 registers of 8 floats (AVX2) rm8 nv2's 32 accumulators (float16
 * vectors of two ymm each) spill: on a 2-core Zen 3 it ran conv_bench's
 * layers at 0.66-0.83 of TF's time, and the strip form at rm4 nv1 (8 ymm
 * of accumulators) took 40-52% less time on the 5x5 32->32 layers, 45% on
 * 3x3 64->64 (docs/conv-performance.md, "Session 17"). */
static const vs_conv_algo DEFAULT_WIDE = VS_CONV_SET(VS_CONV_DIRECT, 8, 2, 1, 8, VS_CONV_STRIP),
                          DEFAULT_NARROW = VS_CONV_SET(VS_CONV_DIRECT, 4, 1, 1, 8, VS_CONV_STRIP);

vs_conv_algo vs__conv_default_direct(const vs_cl_device *d) {
  return vs__conv_narrow_registers(d) ? DEFAULT_NARROW : DEFAULT_WIDE;
}

/* Register tiles tried besides the default and a tuned set, all fitting
 * 32 vector registers (rm x nv accumulators plus nv filter vectors, kw x
 * nv for the strip form). No strip blocked across rows (rh > 1): in
 * interleaved runs it was level with rh 1 on the 128x128 layers and 5-10%
 * slower on 8x64x64 (docs/conv-performance.md, session 7), so only the
 * tuner, which keeps a set 3% faster than the default, offers one. */
static const vs_conv_algo DIRECT_VARIANTS[] = {
    VS_CONV_SET(VS_CONV_DIRECT, 8, 2, 2, 2, 0), VS_CONV_SET(VS_CONV_DIRECT, 6, 2, 2, 1, 0),
    VS_CONV_SET(VS_CONV_DIRECT, 12, 2, 2, 2, 0), VS_CONV_SET(VS_CONV_DIRECT, 4, 4, 2, 2, 0),
    VS_CONV_SET(VS_CONV_DIRECT, 8, 2, 2, 2, 1), VS_CONV_SET(VS_CONV_DIRECT, 12, 2, 2, 2, 1),
    VS_CONV_SET(VS_CONV_DIRECT, 6, 4, 2, 2, 1), VS_CONV_SET(VS_CONV_DIRECT, 8, 2, 1, 2, 2),
    VS_CONV_SET(VS_CONV_DIRECT, 4, 4, 1, 2, 2),
};
/* Their counterparts for 16 registers of 8 floats: the five sets that came
 * within 10% of the best on some conv_bench layer on the Zen 3 (of eight
 * timed in interleaved rounds), 12 ymm of accumulators at most; rm6 nv1
 * walking rows was the fastest on 3x3 64->64 and 3x3/2 32->64, rm4 nv1 uc2
 * on 3x3/2 64->64. */
static const vs_conv_algo DIRECT_VARIANTS_NARROW[] = {
    VS_CONV_SET(VS_CONV_DIRECT, 6, 1, 1, 2, VS_CONV_ROWS),   VS_CONV_SET(VS_CONV_DIRECT, 4, 1, 2, 2, VS_CONV_ROWS),
    VS_CONV_SET(VS_CONV_DIRECT, 6, 1, 1, 2, VS_CONV_PIXELS), VS_CONV_SET(VS_CONV_DIRECT, 2, 2, 1, 8, VS_CONV_STRIP),
    VS_CONV_SET(VS_CONV_DIRECT, 5, 1, 1, 2, VS_CONV_ROWS),
};

/* a with the most channel vectors a work-item that g's K divides into
 * (K % (VEC * nv) == 0), at most a's own: a layer of 8 or 16 output
 * channels has one vector of them, which no wide set's nv 2 or 4 fits. */
static vs_conv_algo fit_channels(const vs_conv_geom *g, vs_conv_algo a) {
  int vec = vs__conv_direct_vec(g);
  while (a.nv > 1 && g->K % (vec * a.nv) != 0) a.nv--;
  return a;
}

static bool listed(const vs_conv_algo *sets, size_t n, vs_conv_algo a) {
  for (size_t i = 0; i < n; i++)
    if (memcmp(&sets[i], &a, sizeof a) == 0) return true;
  return false;
}

size_t vs__conv_direct_sets(const vs_cl_device *d, const vs_conv_geom *g, vs_conv_algo *out, size_t cap) {
  bool narrow = vs__conv_narrow_registers(d);
  const vs_conv_algo *variants = narrow ? DIRECT_VARIANTS_NARROW : DIRECT_VARIANTS;
  size_t nvariants = narrow ? sizeof DIRECT_VARIANTS_NARROW / sizeof *DIRECT_VARIANTS_NARROW
                            : sizeof DIRECT_VARIANTS / sizeof *DIRECT_VARIANTS,
         n = 0;
  vs_conv_algo def = vs__conv_default_direct(d);
  if (n < cap) out[n++] = def;
  for (size_t i = 0; i < nvariants && n < cap; i++)
    if (vs__conv_direct_fits(g, variants[i])) out[n++] = variants[i];
  if (n > 1) return n;
  /* No variant fits g's channel vectors: 8 or 16 output channels are one
   * vector and 48 three, where every wide variant has nv 2 or 4. The
   * default then runs as its fallback (conv2d.c's direct_effective, per
   * pixel), so its own form and each variant's with as many vectors as K
   * divides into are the candidates, not one set. */
  vs_conv_algo own = fit_channels(g, def);
  if (n < cap && vs__conv_direct_fits(g, own) && !listed(out, n, own)) out[n++] = own;
  for (size_t i = 0; i < nvariants && n < cap; i++) {
    vs_conv_algo v = fit_channels(g, variants[i]);
    if (vs__conv_direct_fits(g, v) && !listed(out, n, v)) out[n++] = v;
  }
  return n;
}

void vs__conv_algo_name(vs_conv_algo a, char *buf, size_t cap) {
  /* The strip's output rows per work-item, when more than one; a
   * pointwise set's input prefetch distance, when it has one. */
  char more[24] = "";
  if (a.kind == VS_CONV_DIRECT && a.rh > 1) snprintf(more, sizeof more, " rh%d", a.rh);
  if (a.kind == VS_CONV_POINTWISE && a.rw) snprintf(more, sizeof more, " pf%d", a.rw);
  if (a.kind == VS_CONV_DIRECT)
    snprintf(buf, cap, "direct%s rm%d nv%d u%d ly%d%s", a.rw == VS_CONV_ROWS ? " rows" : a.rw == VS_CONV_STRIP ? " strip" : "",
             a.rm, a.nv, a.uc, a.ly, more);
  else if (a.kind == VS_CONV_IM2COL) snprintf(buf, cap, "im2col+gemm");
  else if (a.kind == VS_CONV_IGEMM) vs__conv_igemm_name(a, buf, cap);
  else if (a.kind == VS_CONV_IGEMM_TF32) vs__conv_mma_name(a, buf, cap);
  else if (a.kind == VS_CONV_POINTWISE) snprintf(buf, cap, "pointwise rm%d nv%d ly%d%s", a.rm, a.nv, a.ly, more);
  else snprintf(buf, cap, "convgemm");
}

double vs__conv_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* CPU time, not wall time, on a CPU device: at load 3-7 on the shared
 * 2-core machine a set's wall time moved 1.5-2x from run to run and the
 * selection kept four different sets for one stride-2 layer in four runs,
 * one of them among the slowest in every interleaved comparison
 * (docs/conv-performance.md, session 8), where CPU time ranked the sets
 * alike in most rounds (as gemm.h's vs__gemm_cost found for GEMM). The
 * direct kernel's work-groups bound the threads a run occupies, so a set
 * with fewer work-groups than threads is not credited with threads it
 * left idle. */
double vs__conv_cost(const vs_cl_device *d, const vs_conv_geom *g, vs_conv_algo a, double wall, double cpu) {
  return vs__gemm_cost(d, wall, cpu, a.kind == VS_CONV_DIRECT ? vs__conv_direct_groups(g, a) : 0);
}

char *vs__conv_store_key(const vs_cl_device *d) {
  /* 3: the direct kernel reads the padding itself and applies the fused
   * epilogue; choices measured against the padded-copy kernel of 2 are not
   * reused. 5: the strip form (rw 2) joined the candidates, so every
   * geometry is measured again with it (4 was an unmerged branch's).
   * 6: the strip form's rows per work-item (rh) joined each line's fields
   * (a seventh, which the tuner may store); 5's lines are never read.
   * 7: a strip set on a strided width runs the strided strip, where it
   * ran per pixel before: strided geometries are measured again.
   * 8: the strided strip prefetches its next input row (conv_direct.cl's
   * PREFETCH_STRIP), 4-8% faster on the 3x3/2 layers: strided geometries
   * chose among the forms without it (a line's fields mean the same);
   * in the same change the im2col route became 2-10x cheaper (im2col_lines,
   * the GEMM's fused epilogue) and is refined beside the direct sets, so
   * no choice measured against its old cost is reused.
   * 9: the pointwise route (kind 4) joined the 1x1 geometries'
   * candidates: their choices, made without it, are measured again.
   * 10: a pointwise set prefetching its next strip's input (rw 2) joined
   * them: 1x1 choices made without it are measured again.
   * 11: the table holds geometries' choices only, keyed by the CLBlast
   * sets in use; the tuner's sets moved to TUNED_WHAT's table (9's
   * family lines are moved there by migrate_tuned; 10 was never
   * released).
   * 12: the implicit GEMM's kernel reads its tiles in vectors (VWM, a
   * ninth field of its lines): on GPUs every geometry, chosen against the
   * old kernel, is measured again.
   * 13: the own GEMM (the im2col route's) deals C's tiles evenly over its
   * rows of work-groups (gemm.cl's group_tiles), up to 7% faster at sizes
   * whose last row was near-empty: no choice timed against the old
   * dealing is reused. */
  return vs__choice_table_key_clblast(d, VS_CLBLAST_TABLE_CONV); /* "conv-choices 14" */
}

/* The tuner's sets per family, float32 ("family ...") and TF32 ("tf32|family
 * ..."): measured against varscope's own kernels only, so not keyed by
 * CLBlast's sets. */
#define TUNED_WHAT "conv-tuned 1"

static bool is_family_key(const char *key) {
  if (strncmp(key, "tf32|", 5) == 0) key += 5;
  return strncmp(key, "family ", 7) == 0;
}

/* The store key of the table holding key's line (malloc'd). */
static char *store_key_of(const vs_cl_device *d, const char *key) {
  return is_family_key(key) ? vs__choice_table_key(d, TUNED_WHAT) : vs__conv_store_key(d);
}

/* The shape family: what the direct kernel's code depends on (dtype,
 * filter, channels, strides, dilations), not the batch, image size or
 * padding. A geometry's key is its family's followed by the rest, so the
 * geometries of a family are the lines starting with it. */
static char *family_part(const vs_conv_geom *g) {
  return vs__asprintf("%s|f%lld,%lld,%lld,%lld|s%lld,%lld|d%lld,%lld", vs_dtype_name(g->dtype), (long long)g->KH,
                      (long long)g->KW, (long long)g->C, (long long)g->K, (long long)g->SH, (long long)g->SW,
                      (long long)g->DH, (long long)g->DW);
}

char *vs__conv_geom_key(const vs_conv_geom *g) {
  char *fam = family_part(g);
  char *k = fam ? vs__asprintf("%s|x%lld,%lld,%lld|p%lld,%lld,%lld,%lld", fam, (long long)g->N, (long long)g->H,
                               (long long)g->W, (long long)g->PT, (long long)g->PB, (long long)g->PL, (long long)g->PR)
                : NULL;
  free(fam);
  return k;
}

void vs__conv_geom_words(const vs_conv_geom *g, int64_t *w) {
  const int64_t v[VS_CONV_GEOM_WORDS] = {g->dtype, g->N,  g->H,  g->W,  g->C,  g->KH, g->KW, g->K,  g->SH,
                                         g->SW,    g->DH, g->DW, g->OH, g->OW, g->PT, g->PB, g->PL, g->PR};
  memcpy(w, v, sizeof v);
}

char *vs__conv_family_key(const vs_conv_geom *g) {
  char *fam = family_part(g);
  char *k = fam ? vs__asprintf("family %s", fam) : NULL;
  free(fam);
  return k;
}

/* A pointwise set's fields in their ranges, whatever the geometry. */
static bool pointwise_in_range(vs_conv_algo a) {
  return a.rm >= 1 && a.rm <= VS_CONV_PW_MAX_RM && a.nv >= 1 && a.nv <= VS_CONV_MAX_NV && a.ly >= 1 &&
         a.ly <= VS_CONV_MAX_LY && a.rw >= 0 && a.rw <= VS_CONV_PW_MAX_PF;
}

/* Parses "<kind> <rm> <nv> <uc> <ly> <rw> <rh>" strictly (the store key's
 * version 6; a line of 5's six fields does not parse). */
static bool parse_algo(const char *s, vs_conv_algo *a) {
  int kind, rm, nv, uc, ly, rw, rh, used = 0;
  if (vs__conv_igemm_parse(s, a)) return true; /* "3 <mwg> ... <vwm>": the implicit GEMM's own fields */
  if (vs__conv_mma_parse(s, a)) return true;   /* "5 <wm> <wn> <fm> <fn> <ks>": the TF32 one's */
  if (sscanf(s, "%d %d %d %d %d %d %d%n", &kind, &rm, &nv, &uc, &ly, &rw, &rh, &used) != 7 ||
      (s[used] != '\t' && s[used]))
    return false;
  if (kind < VS_CONV_DIRECT || kind > VS_CONV_POINTWISE || kind == VS_CONV_IGEMM) return false;
  vs_conv_algo x = VS_CONV_SET_RH((vs_conv_kind)kind, rm, nv, uc, ly, rw, rh);
  if (kind == VS_CONV_DIRECT && !vs__conv_direct_in_range(x)) return false;
  if (kind == VS_CONV_POINTWISE && !pointwise_in_range(x)) return false;
  *a = x;
  return true;
}

static bool accept_algo(const char *value, void *a) { return parse_algo(value, a); } /* the last line wins */

/* Until session 13 the tuner's family sets lived in the geometries'
 * table, "conv-choices 9", which nothing reads since (its geometry lines
 * were measured without later candidates). Where d has no tuned table
 * (tkey) but that one, its family lines move to the tuned table and the
 * old entry is removed, so a user's `varscope tune --conv` is not lost
 * with the upgrade (its igemm lines, one field short of today's, are
 * dropped by the parser: those families are tuned again). missing: the
 * caller has just found no tuned table (else the store is asked). True
 * when the tuned table changed. */
static bool migrate_tuned(vs_cl_device *d, const char *tkey, bool missing) {
  unsigned char *data = NULL, *have = NULL;
  size_t n = 0, hn = 0;
  if (!missing && vs__store_get(NULL, tkey, VS_CHOICE_TABLE_MAX, &have, &hn) == VS_STORE_HIT) {
    free(have);
    return false;
  }
  free(have);
  char *okey = vs__choice_table_key(d, "conv-choices 9"), *out = NULL;
  bool moved = false;
  if (okey && vs__store_get(NULL, okey, VS_CHOICE_TABLE_MAX, &data, &n) == VS_STORE_HIT && (out = malloc(n + 1))) {
    size_t used = 0;
    for (size_t at = 0; at < n;) {
      const unsigned char *nl = memchr(data + at, '\n', n - at);
      size_t len = nl ? (size_t)(nl - (data + at)) : n - at;
      char *line = vs__asprintf("%.*s", (int)len, (const char *)data + at);
      if (line && is_family_key(line) && strchr(line, '\t')) {
        memcpy(out + used, line, len);
        used += len;
        out[used++] = '\n';
      }
      free(line);
      at += len + 1;
    }
    out[used] = '\0';
    moved = used > 0 && vs__choice_table_set(d, tkey, out);
    if (moved || used == 0) vs__store_remove(NULL, okey); /* nothing of it is read any more */
  }
  free(out);
  free(data);
  free(okey);
  return moved;
}

bool vs__conv_table_lookup(vs_cl_device *d, const char *key, vs_conv_algo *a) {
  char *skey = store_key_of(d, key), *t = skey ? vs__choice_table_get(d, skey, false, false) : NULL;
  if (t && !*t && is_family_key(key) && migrate_tuned(d, skey, true)) {
    free(t);
    t = vs__choice_table_get(d, skey, false, false);
  }
  /* A TF32 record only under a "tf32|" key (the only place this code
   * writes one): under a plain key, from a store written by hand or by
   * other code, it would give a float32 session TF32 products. */
  bool found = t && vs__choice_table_scan(t, key, accept_algo, a) &&
               (a->kind != VS_CONV_IGEMM_TF32 || strncmp(key, "tf32|", 5) == 0);
  free(t);
  free(skey);
  return found;
}

/* Rewrites the table holding key's lines without the lines drop()
 * selects, plus `add` (a full line or NULL), into the store and the memo. */
static bool table_update(vs_cl_device *d, const char *key, vs_choice_drop_fn drop, const void *arg, const char *add) {
  char *skey = store_key_of(d, key);
  bool ok = skey && vs__choice_table_update(d, skey, drop, arg, add);
  free(skey);
  return ok;
}

bool vs__conv_table_put(vs_cl_device *d, const char *key, vs_conv_algo a, double ms) {
  char fields[64];
  if (a.kind == VS_CONV_IGEMM) vs__conv_igemm_fields(a, fields, sizeof fields);
  else if (a.kind == VS_CONV_IGEMM_TF32) vs__conv_mma_fields(a, fields, sizeof fields);
  else snprintf(fields, sizeof fields, "%d %d %d %d %d %d %d", (int)a.kind, a.rm, a.nv, a.uc, a.ly, a.rw, a.rh);
  char *line = vs__asprintf("%s\t%s\t%.3f ms\n", key, fields, ms);
  bool ok = line && table_update(d, key, vs__choice_drop_key, key, line);
  free(line);
  return ok;
}

/* arg: a family part; the line is one of its geometries, float32 or
 * TF32 (a TF32 choice times the float32 kernels' tuned set too). */
static bool drop_family(const char *line, const void *arg) {
  size_t n = strlen(arg);
  if (strncmp(line, "tf32|", 5) == 0) line += 5;
  return strncmp(line, arg, n) == 0 && strncmp(line + n, "|x", 2) == 0;
}

bool vs__conv_table_remove(vs_cl_device *d, const char *key) {
  return table_update(d, key, vs__choice_drop_key, key, NULL);
}

bool vs__conv_table_forget_family(vs_cl_device *d, const vs_conv_geom *g) {
  char *fam = family_part(g);
  bool ok = fam && table_update(d, fam, drop_family, fam, NULL); /* fam: a geometry's table */
  /* Later processes read the table of the stored sets' identity: where this
   * process runs other sets (a set applied but not stored, or a reset of
   * one it applied), the family's geometries go from that table too, or
   * they would keep their choices and never time the new tuned set. */
  uint64_t stored = vs__clblast_stored_sets_id(d);
  if (ok && stored != vs__clblast_sets_id(d)) {
    char *skey = vs__clblast_table_key(d, VS_CLBLAST_TABLE_CONV, stored);
    unsigned char *data = NULL;
    size_t n = 0;
    /* Only a table that exists: an empty one is not made for nothing. */
    if (skey && vs__store_get(NULL, skey, VS_CHOICE_TABLE_MAX, &data, &n) == VS_STORE_HIT)
      ok = vs__choice_table_update(d, skey, drop_family, fam, NULL);
    free(data);
    free(skey);
  }
  free(fam);
  return ok;
}

/* A conv's problem on its real buffers, for timing sets on it. */
typedef struct conv_trial {
  vs_cl_device *d;
  size_t dev;
  const vs_conv_geom *g;
  const vs_conv_algo *sets; /* refine's candidates (vs__choice_time's i) */
  cl_mem x, f, out;
} conv_trial;

/* One finished run of set a: its cost (vs__conv_cost), < 0 with st set
 * when it failed. */
static double run_once(const conv_trial *t, vs_conv_algo a, vs_status *st) {
  double t0 = vs__conv_now(), c0 = vs__gemm_cpu_now();
  if (!vs__conv_algo_run(NULL, t->d, t->dev, t->g, a, t->x, t->f, t->out, NULL, st)) return -1;
  cl_int err = clFinish(*vs__queue(t->d));
  if (err != CL_SUCCESS) {
    vs__cl_fail(st, err, "clFinish");
    return -1;
  }
  return vs__conv_cost(t->d, t->g, a, vs__conv_now() - t0, vs__gemm_cpu_now() - c0);
}

/* Times one candidate: a warm-up run (which builds its kernels), then two
 * timed runs, the faster counting (the other load on a shared machine
 * only ever slows a run). A candidate whose warm-up alone took over ten
 * times the best time so far is not timed again: it cannot win, and on a
 * CPU convgemm of a large layer takes tens of seconds a run.
 * < 0 when it fails. */
static double time_candidate(vs_cl_device *d, size_t dev, const vs_conv_geom *g, vs_conv_algo a, cl_mem x, cl_mem f,
                             cl_mem out, double best_so_far) {
  vs_status *st = vs_status_new();
  conv_trial t = {d, dev, g, NULL, x, f, out};
  double best = st ? run_once(&t, a, st) : -1;
  /* The direct kernel's sets are never cut short: their warm-up includes
   * building the program (seconds on a loaded machine), which would make a
   * set that runs in a fraction of the best one's time look ten times
   * slower (seen: 2.3 s for a set that then ran in 49 ms); so are the
   * implicit GEMM's, compiled per set too; and the im2col route's, whose
   * warm-up also makes the GEMM's own choice for the shape family, timing
   * every GEMM algorithm (seen: 251 ms for a route that then ran in 1.5
   * ms, conv_bench case 7). */
  if (best >= 0 && a.kind == VS_CONV_CONVGEMM && best_so_far > 0 && best > 10 * best_so_far) {
    vs_status_free(st);
    return best;
  }
  bool ok = best >= 0;
  best = -1;
  for (int i = 0; ok && i < 2; i++) {
    double c = run_once(&t, a, st);
    ok = c >= 0;
    if (ok && (best < 0 || c < best)) best = c;
  }
  vs_status_free(st);
  return ok ? best : -1;
}

/* The direct, pointwise and im2col sets within REFINE_WITHIN of the best
 * screening time (at most VS_CHOICE_MAX_CANDS of them, the fastest first)
 * are timed again by the shared rule (choice_pick.h): a warm-up each, then
 * interleaved rounds from a rotating first set, the lowest median winning
 * and a simpler set winning within 3% (our direct and pointwise kernels,
 * one launch each, rank before the im2col route's launches and scratch;
 * an implicit GEMM or convgemm set that won the screening is timed with
 * them, ranked with the im2col route). Why not the
 * fastest single run: on 1x1 64->256 single 4-6 ms calls vary by 30% on
 * the 2-core machine, more than the 4-12% between the pointwise and the
 * direct sets, and the fastest of five runs kept a direct set in 3 of 13
 * fresh selections (docs/conv-performance.md, "Session 10: the 1x1
 * layers"). Updates times[] (to the medians), *best and *algo. */
#define REFINE_WITHIN 1.5

int vs__conv_refine_sets(const vs_conv_algo *cands, const double *times, int n, double best, int *idx) {
  int m = 0;
  for (int i = 0; best >= 0 && i < n; i++) { /* insertion by screening time, the fastest VS_CHOICE_MAX_CANDS kept */
    vs_conv_kind k = cands[i].kind;
    bool close_kind = k == VS_CONV_DIRECT || k == VS_CONV_IM2COL || k == VS_CONV_POINTWISE;
    /* Another kind (the implicit GEMM, convgemm) only as the screening's
     * winner, so that the rounds never hand its place to a set it beat. */
    if (times[i] < 0 || times[i] > best * REFINE_WITHIN || (!close_kind && times[i] != best)) continue;
    int at = m < VS_CHOICE_MAX_CANDS ? m++ : VS_CHOICE_MAX_CANDS;
    while (at > 0 && times[idx[at - 1]] > times[i]) {
      if (at < VS_CHOICE_MAX_CANDS) idx[at] = idx[at - 1];
      at--;
    }
    if (at < VS_CHOICE_MAX_CANDS) idx[at] = i;
  }
  return m;
}

static double refine_run(void *ctx, int i, vs_status *st) {
  const conv_trial *t = ctx;
  return run_once(t, t->sets[i], st);
}

size_t vs__conv_refine_pick(const vs_conv_algo *sets, const double *costs, int m, double *cost) {
  int rank[VS_CHOICE_MAX_CANDS];
  for (int k = 0; k < m && k < VS_CHOICE_MAX_CANDS; k++)
    rank[k] = sets[k].kind != VS_CONV_DIRECT && sets[k].kind != VS_CONV_POINTWISE;
  return vs__choice_pick(rank, costs, (size_t)(m < VS_CHOICE_MAX_CANDS ? m : VS_CHOICE_MAX_CANDS),
                         VS_CHOICE_ROUNDS_MAX, cost);
}

static void refine(vs_cl_device *d, size_t dev, const vs_conv_geom *g, const vs_conv_algo *cands, double *times,
                   int n, cl_mem x, cl_mem f, cl_mem out, double *best, vs_conv_algo *algo) {
  int idx[VS_CHOICE_MAX_CANDS], m = vs__conv_refine_sets(cands, times, n, *best, idx);
  if (m < 2) return;
  vs_conv_algo sets[VS_CHOICE_MAX_CANDS];
  for (int k = 0; k < m; k++) sets[k] = cands[idx[k]];
  double costs[VS_CHOICE_MAX_CANDS * VS_CHOICE_ROUNDS_MAX], cost;
  conv_trial trial = {d, dev, g, sets, x, f, out};
  vs__choice_time(m, refine_run, &trial, costs, NULL);
  size_t w = vs__conv_refine_pick(sets, costs, m, &cost);
  if (w >= (size_t)m) return; /* every set failed now: keep the screening's choice */
  for (int k = 0; k < m; k++) {
    double med = vs__choice_median(costs + k * VS_CHOICE_ROUNDS_MAX, VS_CHOICE_ROUNDS_MAX);
    times[idx[k]] = med;
  }
  *best = cost;
  *algo = sets[w];
}

/* VARSCOPE_CONV's "RM,NV,UC,LY,RW[,RH]" (after "direct:"), each in range;
 * RH (default 1) above 1 only with the strip form. */
static bool forced_direct(const char *s, vs_conv_algo *a) {
  int used = 0, n = sscanf(s, "%d,%d,%d,%d,%d%n,%d%n", &a->rm, &a->nv, &a->uc, &a->ly, &a->rw, &used, &a->rh, &used);
  if (n == 5) a->rh = 1;
  return (n == 5 || n == 6) && !s[used] && vs__conv_direct_in_range(*a);
}

/* "RM,NV,LY[,PF]" into a's fields (PF: rw, 0 when absent), in range. */
static bool parse_pointwise(const char *s, vs_conv_algo *a) {
  int used = 0, more = 0;
  if (sscanf(s, "%d,%d,%d%n", &a->rm, &a->nv, &a->ly, &used) != 3) return false;
  if (s[used] == ',' && sscanf(s + used, ",%d%n", &a->rw, &more) == 1) used += more;
  return !s[used] && pointwise_in_range(*a);
}

/* VARSCOPE_CONV's "pointwise" (the first set that fits g) or
 * "pointwise:RM,NV,LY[,PF]"; on a geometry it cannot run (not 1x1, or nv not
 * dividing K), the default direct set, as convgemm does. */
static bool forced_pointwise(vs_cl_device *d, const vs_conv_geom *g, const char *force, vs_conv_algo *algo,
                             vs_status *st) {
  vs_conv_algo a = VS_CONV_SET(VS_CONV_POINTWISE, 0, 0, 1, 0, 0);
  if (strcmp(force, "pointwise") == 0) {
    if (!vs__conv_pointwise_sets(d, g, &a, 1)) a = vs__conv_default_direct(d);
  } else if (!parse_pointwise(force + 10, &a)) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
             "VARSCOPE_CONV='%s': pointwise:RM,NV,LY[,PF] wants RM 1 to %d, NV 1 to %d, LY 1 to %d, PF 0 to %d", force,
             VS_CONV_PW_MAX_RM, VS_CONV_MAX_NV, VS_CONV_MAX_LY, VS_CONV_PW_MAX_PF);
    return false;
  } else if (!vs__conv_pointwise_fits(g, a)) {
    a = vs__conv_default_direct(d);
  }
  *algo = a;
  return true;
}

static bool forced(vs_cl_device *d, const vs_conv_geom *g, const char *force, vs_conv_algo *algo, vs_status *st) {
  vs_conv_algo a = vs__conv_default_direct(d);
  if (strncmp(force, "igemm", 5) == 0 && (!force[5] || force[5] == ':'))
    return vs__conv_igemm_forced(d, g, force, algo, st);
  if (strcmp(force, "direct") == 0) *algo = a;
  else if (strncmp(force, "direct:", 7) == 0 && forced_direct(force + 7, &a))
    *algo = a; /* an nv that does not divide this K, or a strip that does not fit the width, runs as the default's (vs__conv_direct) */
  else if (strcmp(force, "pointwise") == 0 || strncmp(force, "pointwise:", 10) == 0)
    return forced_pointwise(d, g, force, algo, st);
  else if (strcmp(force, "im2col") == 0) *algo = (vs_conv_algo)VS_CONV_SET(VS_CONV_IM2COL, 0, 0, 0, 0, 0);
  else if (strcmp(force, "convgemm") == 0 && vs__conv_convgemm_fits(g))
    *algo = (vs_conv_algo)VS_CONV_SET(VS_CONV_CONVGEMM, 0, 0, 0, 0, 0);
  else if (strcmp(force, "convgemm") == 0) *algo = a; /* convgemm cannot express this geometry */
  else {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_OP_ERROR,
             "VARSCOPE_CONV='%s': want auto, direct, direct:RM,NV,UC,LY,RW[,RH], im2col, convgemm, igemm, "
             "igemm:MWG,NWG,KWG,MDIMC,NDIMC,VW[,DB[,VWM]], igemm-tf32, igemm-tf32:WM,WN,FM,FN,KS, pointwise or "
             "pointwise:RM,NV,LY[,PF]",
             force);
    return false;
  }
  return true;
}

_Static_assert(sizeof DIRECT_VARIANTS_NARROW <= sizeof DIRECT_VARIANTS, "vs__conv_select's room for the direct sets");
_Static_assert(sizeof(vs_conv_algo) <= VS_CHOICE_MEMO_VALUE, "a step's memo holds a conv choice");

/* A geometry's or family's key where TF32 is allowed: "tf32|" before it,
 * so TF32 and float32 choices never meet (the GEMM's families do the same). */
static char *tf32_key(char *key, bool mma) {
  if (!key || !mma) return key;
  char *k = vs__asprintf("tf32|%s", key);
  free(key);
  return k;
}

bool vs__conv_select(vs_cl_device *d, size_t dev, bool tf32, const vs_conv_geom *g, cl_mem x, cl_mem f, cl_mem out,
                     vs_conv_algo *algo, vs_status *st) {
  const char *force = getenv("VARSCOPE_CONV");
  /* igemm-tf32 forces the TF32 kernel (matrix units or not: elsewhere its
   * emulation) on the float32 convs of sessions with the switch on; the
   * others get the usual choice, as VARSCOPE_GEMM=tf32 does (TF32 is a
   * float32 matter: TF's switch leaves float64 alone). A malformed one
   * is refused whatever the switch. */
  if (force && vs__conv_mma_is_forced(force)) {
    if (!vs__conv_mma_forced(d, force, algo, st)) return false;
    if (tf32 && g->dtype == VS_FLOAT) return true;
  } else if (force && *force && strcmp(force, "auto") != 0) {
    return forced(d, g, force, algo, st);
  }
  /* TF32 where the session allows it and the device has the units (or a
   * test pretends so); the switch alone changes nothing. */
  bool mma = tf32 && vs__tf32_units(d) && g->dtype == VS_FLOAT;
  /* The running step's memo (choice_memo.h), a word more where TF32 is
   * allowed: a step's float32 choice is never its TF32 one. */
  vs_choice_ask q = {.kind = VS_CHOICE_CONV, .device = d, .nkey = VS_CONV_GEOM_WORDS + (mma ? 1 : 0)};
  vs__conv_geom_words(g, q.key);
  q.key[VS_CONV_GEOM_WORDS] = 1;
  if (vs__choice_memo_get(&q, algo, sizeof *algo)) return true; /* the running step's (choice_memo.h) */
  /* fkey: where the float32 kernels' tuned sets are kept, whatever the
   * switch (the conv kernels other than the TF32 one compute in float32
   * for every session). */
  char *key = tf32_key(vs__conv_geom_key(g), mma), *fkey = vs__conv_family_key(g);
  if (!key || !fkey) {
    free(key);
    free(fkey);
    vs__oom(st);
    return false;
  }
  if (vs__conv_table_lookup(d, key, algo)) {
    vs__choice_memo_put(&q, algo, sizeof *algo);
    free(key);
    free(fkey);
    return true;
  }
  /* Room for every source below at its most: one tuned set (of one kind),
   * the implicit GEMM's defaults, a tuned TF32 set and the TF32 defaults,
   * the direct sets, im2col, the pointwise sets and convgemm. */
  enum {
    IGEMM_DEFS = 4,
    TF32_DEFS = 3,
    DIRECT_SETS = 2 + sizeof DIRECT_VARIANTS / sizeof *DIRECT_VARIANTS,
    POINTWISE_SETS = 3
  };
  _Static_assert(sizeof DIRECT_VARIANTS_NARROW <= sizeof DIRECT_VARIANTS, "DIRECT_SETS holds either list");
  vs_conv_algo cands[1 + IGEMM_DEFS + 1 + TF32_DEFS + DIRECT_SETS + 1 + POINTWISE_SETS + 1];
  int n = 0;
  vs_conv_algo tuned;
  bool have_tuned = vs__conv_table_lookup(d, fkey, &tuned);
  vs_conv_algo def = vs__conv_default_direct(d);
  if (have_tuned && tuned.kind == VS_CONV_DIRECT && vs__conv_direct_fits(g, tuned) &&
      memcmp(&tuned, &def, sizeof tuned) != 0)
    cands[n++] = tuned;
  if (have_tuned && tuned.kind == VS_CONV_POINTWISE && vs__conv_pointwise_fits(g, tuned)) cands[n++] = tuned;
  /* The implicit GEMM where local memory is the device's own (GPUs): its
   * defaults that fit the device, and a set the tuner kept. */
  bool igemm = vs__conv_igemm_gate(d);
  if (igemm && have_tuned && tuned.kind == VS_CONV_IGEMM && vs__conv_igemm_fits(d, g->dtype, tuned, NULL, 0))
    cands[n++] = tuned;
  if (igemm) n += (int)vs__conv_igemm_defaults(d, g->dtype, cands + n, IGEMM_DEFS);
  /* The TF32 implicit GEMM where TF32 is allowed: a set kept for the
   * family's TF32 key ("tf32|family ..."), and the defaults that fit. */
  vs_conv_algo ttuned, tdefs[TF32_DEFS];
  char *tkey = mma ? tf32_key(vs__conv_family_key(g), true) : NULL;
  size_t ntdefs = mma ? vs__conv_mma_defaults(d, tdefs, TF32_DEFS) : 0;
  bool tnew = tkey && vs__conv_table_lookup(d, tkey, &ttuned) && ttuned.kind == VS_CONV_IGEMM_TF32 &&
              vs__conv_mma_fits(d, ttuned, NULL, 0);
  for (size_t i = 0; tnew && i < ntdefs; i++) tnew = memcmp(&ttuned, &tdefs[i], sizeof ttuned) != 0; /* timed once */
  if (tnew) cands[n++] = ttuned;
  free(tkey);
  for (size_t i = 0; i < ntdefs; i++) cands[n++] = tdefs[i];
  n += (int)vs__conv_direct_sets(d, g, cands + n, DIRECT_SETS);
  cands[n++] = (vs_conv_algo)VS_CONV_SET(VS_CONV_IM2COL, 0, 0, 0, 0, 0);
  n += (int)vs__conv_pointwise_sets(d, g, cands + n, POINTWISE_SETS); /* 1x1 filters only */
  if (vs__conv_convgemm_fits(g)) cands[n++] = (vs_conv_algo)VS_CONV_SET(VS_CONV_CONVGEMM, 0, 0, 0, 0, 0);
  double best = -1, times[sizeof cands / sizeof cands[0]];
  *algo = def;
  char report[1024] = "";
  size_t used = 0;
  for (int i = 0; i < n; i++) {
    double t = times[i] = time_candidate(d, dev, g, cands[i], x, f, out, best);
    char name[48];
    vs__conv_algo_name(cands[i], name, sizeof name);
    if (used < sizeof report)
      used += (size_t)snprintf(report + used, sizeof report - used, "%s%s %s", i ? ", " : "", name,
                               t < 0 ? "failed" : "");
    if (t >= 0 && used < sizeof report) used += (size_t)snprintf(report + used, sizeof report - used, "%.2f ms", t * 1e3);
    if (t >= 0 && (best < 0 || t < best)) {
      best = t;
      *algo = cands[i];
    }
  }
  refine(d, dev, g, cands, times, n, x, f, out, &best, algo);
  if (best >= 0) { /* else nothing ran: let the real run report why */
    char chosen[48];
    vs__conv_algo_name(*algo, chosen, sizeof chosen);
    if (vs__log_enabled("conv"))
      fprintf(stderr, "varscope: conv2d %s on %s: %s -> %s (%.2f ms, the lowest median of interleaved rounds of the "
              "sets within %.1fx)\n",
              key, d->info.cl_name, report, chosen, best * 1e3, REFINE_WITHIN);
    vs__conv_table_put(d, key, *algo, best * 1e3);
  }
  free(key);
  free(fkey);
  return true;
}

char *vs__conv_store_path(size_t i, vs_status *st) {
  vs_cl_device *d = vs__device(i, st);
  char *dir = d ? vs__cache_dir() : NULL, *key = dir ? vs__conv_store_key(d) : NULL;
  char *path = key ? vs__store_path(dir, key) : NULL;
  if (d && !path) vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_OP_ERROR, "no writable cache directory");
  free(dir);
  free(key);
  return path;
}

bool vs__conv_plant_line(size_t i, const char *line, vs_status *st) {
  vs_cl_device *d = vs__device(i, st);
  const char *tab = d && line ? strchr(line, '\t') : NULL;
  if (d && !tab) vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs__conv_plant_line: no key in the line");
  char *key = tab ? vs__asprintf("%.*s", (int)(tab - line), line) : NULL, *add = key ? vs__asprintf("%s\n", line) : NULL;
  bool ok = add && table_update(d, key, vs__choice_drop_key, key, add);
  if (tab && !ok) vs__fail(st, VS_INTERNAL, VS_EXC_OP_ERROR, "vs__conv_plant_line: the store refused the line");
  free(key);
  free(add);
  return ok;
}

/* vs_choice_name_fn of the table. */
static bool name_algo(const char *value, char *name, size_t cap) {
  vs_conv_algo a;
  if (!parse_algo(value, &a)) return false;
  vs__conv_algo_name(a, name, cap);
  return true;
}

VS_API size_t vs_device_conv_choices(size_t i, char *buf, size_t cap, vs_status *st) {
  vs_cl_device *d = vs__choice_list_device(i, buf, cap, "vs_device_conv_choices", st);
  if (!d) return 0;
  char *skey = vs__conv_store_key(d), *tkey = skey ? vs__choice_table_key(d, TUNED_WHAT) : NULL;
  if (tkey) migrate_tuned(d, tkey, false);
  size_t used = skey ? vs__choice_table_list(d, skey, false, "", name_algo, buf, cap, 0) : 0;
  if (tkey) used = vs__choice_table_list(d, tkey, false, "", name_algo, buf, cap, used);
  free(skey);
  free(tkey);
  return used;
}
