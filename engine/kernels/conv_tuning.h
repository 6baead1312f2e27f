/* conv_tuning.h - engine-internal entry point of the conv2d direct-kernel
 * tuner (conv_tune.c) for tests: a fixed candidate list and fault
 * injection, so a test can show that a candidate computing wrong results,
 * or no faster than the default, is never kept. Includes only the public
 * headers, so tests need no engine include path. Not installed. */
#ifndef VS_CONV_TUNING_H
#define VS_CONV_TUNING_H

#include <stdbool.h>
#include <stddef.h>

#include "varscope/devices.h"

typedef struct vs__conv_tune_plan {
  const int (*candidates)[6]; /* direct-kernel sets {rm, nv, uc, ly, rw, rh}; NULL: the search */
  size_t n_candidates;
  /* Called after each candidate has run (index -1: the default set) with
   * its output read back (n floats) and its median time in seconds; may
   * alter either, as a faulty kernel or a noisy timer would. */
  void (*inject)(void *user, int index, float *out, size_t n, double *seconds);
  void *user;
  /* Search only the implicit GEMM's space (conv_igemm.c), whatever the
   * device class: tests run it on CPUs, where the tuner does not. */
  bool igemm_only;
  /* candidates are pointwise sets ({rm, nv, uc, ly, rw, rh}, only rm, nv
   * and ly read; conv2d.c's vs__conv_pointwise) for a 1x1 family. */
  bool pointwise;
  /* TF32 implicit-GEMM sets {wm, wn, fm, fn, ks} run in place of the TF32
   * search (where the device has TF32 matrix units, or a test pretends:
   * gemm_tuning.h's vs__tf32_units_pretend); NULL: the search. Their
   * indices in inject are 0, 1, ...; the choice's own TF32 sets (the
   * bar) are index -2. */
  const int (*tf32_candidates)[5];
  size_t n_tf32;
  /* Only the TF32 half runs: the float32 default is measured (the
   * problem's check), nothing else float32 is run, stored or removed. */
  bool tf32_only;
} vs__conv_tune_plan;

/* vs_device_tune_conv under a plan (NULL: the real one). */
void vs__device_tune_conv_plan(size_t i, const vs__conv_tune_plan *plan, const vs_conv_tune_opts *opts,
                               vs_conv_tune_result *res, vs_status *st);

/* The TF32 search's sets on device i, in its order (conv_tune.c): up to
 * cap into out as {wm, wn, fm, fn, ks}; returns their number (0 with st
 * set on a bad index). */
size_t vs__conv_tf32_search_space(size_t i, int (*out)[5], size_t cap, vs_status *st);

/* Whether the implicit GEMM takes part in device i's measured selection
 * and tuning (conv_igemm.c's device-class gate); false for a bad index. */
bool vs__conv_igemm_selectable(size_t i);

/* The keyed-store file holding device i's conv choices table (malloc'd;
 * NULL with st set on error), for tests that damage it. */
char *vs__conv_store_path(size_t i, vs_status *st);

/* Puts line ("<key> TAB <fields> TAB <note>", no newline) into device i's
 * conv choices table as it is, replacing the key's line: tests plant
 * lines of other versions and sets no search would store. false, with st
 * set, on a bad index, a line without a key or a store failure. */
bool vs__conv_plant_line(size_t i, const char *line, vs_status *st);

#endif
