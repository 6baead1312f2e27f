/* rng.c - a session's Philox offsets per random op (TF's
 * GuardedPhiloxRandom::ReserveRandomOutputs: each run of a random op in a
 * session continues where its last run stopped).
 *
 * Sparse (issue 10, per-variable memory): only random ops have an offset,
 * one op in ten of a glorot variable, so a dense array over every op index
 * cost 8 B for each of a variable's ten ops. An open-addressing map of op
 * index + 1 (0: an empty slot) to the blocks reserved so far, at most 3/4
 * full. A plan adds its random ops when it is built (vs__rng_add, which may
 * fail for memory), so a run only looks up (vs__rng_reserve, which cannot).
 * Both run under the session's run lock. */
#include <stdlib.h>

#include "kernels/registry.h"
#include "session/session_internal.h"

static size_t rng_find(const vs_session *s, size_t key) { return vs__idx_slot(s->rng_keys, s->rng_mask, key); }

bool vs__rng_is_random(const vs_op *op) {
  for (size_t i = 0; i < vs__n_random_defs; i++)
    if (op->def == &vs__random_defs[i]) return true;
  return false;
}

bool vs__rng_add(vs_session *s, const vs_op *op, vs_status *st) {
  size_t key = op->index + 1;
  if (s->rng_keys && s->rng_keys[rng_find(s, key)] == key) return true;
  if (!s->rng_keys || (s->rng_count + 1) * 4 > (s->rng_mask + 1) * 3) {
    size_t cap = s->rng_keys ? (s->rng_mask + 1) * 2 : 16;
    size_t *keys = calloc(cap, sizeof *keys);
    uint64_t *vals = malloc(cap * sizeof *vals);
    if (!keys || !vals) {
      free(keys);
      free(vals);
      vs__oom(st);
      return false;
    }
    for (size_t i = 0; s->rng_keys && i <= s->rng_mask; i++)
      if (s->rng_keys[i]) {
        size_t j = vs__idx_slot(keys, cap - 1, s->rng_keys[i]);
        keys[j] = s->rng_keys[i];
        vals[j] = s->rng_vals[i];
      }
    free(s->rng_keys);
    free(s->rng_vals);
    s->rng_keys = keys;
    s->rng_vals = vals;
    s->rng_mask = cap - 1;
  }
  size_t i = rng_find(s, key);
  s->rng_keys[i] = key;
  s->rng_vals[i] = 0;
  s->rng_count++;
  return true;
}

uint64_t vs__rng_reserve(vs_session *s, const vs_op *op, uint64_t blocks) {
  size_t i = rng_find(s, op->index + 1); /* present: added when its plan was built */
  uint64_t at = s->rng_vals[i];
  s->rng_vals[i] += blocks;
  return at;
}

void vs__rng_free(vs_session *s) {
  free(s->rng_keys);
  free(s->rng_vals);
  s->rng_keys = NULL;
  s->rng_vals = NULL;
  s->rng_mask = s->rng_count = 0;
}
