/* choice_memo.c - a plan step's memo of its kernel's algorithm choices
 * (see choice_memo.h). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/choice_memo.h"
#include "kernels/choice_table.h"

/* The running step's memo pointer on this thread (choice_memo.h). */
static _Thread_local vs_choice_memo **bound;

static _Atomic uint64_t hits[VS_CHOICE_KINDS];

void vs__choice_memo_bind(vs_choice_memo **slot) { bound = slot; }

/* The same question, whatever the generation. */
static bool same_key(const vs_choice_memo_entry *e, const vs_choice_ask *q) {
  return e->kind == q->kind && e->device == q->device && e->nkey == q->nkey &&
         memcmp(e->key, q->key, q->nkey * sizeof *q->key) == 0;
}

bool vs__choice_memo_get(vs_choice_ask *q, void *value, size_t size) {
  q->gen = vs__choice_generation(q->device);
  vs_choice_memo *m = bound ? *bound : NULL;
  if (!m || size > VS_CHOICE_MEMO_VALUE || q->nkey > VS_CHOICE_MEMO_KEY) return false;
  for (size_t i = 0; i < VS_CHOICE_MEMO_SLOTS; i++)
    if (m->e[i].gen == q->gen && same_key(&m->e[i], q)) {
      memcpy(value, m->e[i].value, size);
      atomic_fetch_add_explicit(&hits[q->kind], 1, memory_order_relaxed);
      return true;
    }
  return false;
}

void vs__choice_memo_put(const vs_choice_ask *q, const void *value, size_t size) {
  if (!bound || size > VS_CHOICE_MEMO_VALUE || q->nkey > VS_CHOICE_MEMO_KEY) return;
  if (!*bound && !(*bound = calloc(1, sizeof **bound))) return;
  vs_choice_memo *m = *bound;
  vs_choice_memo_entry *e = NULL;
  for (size_t i = 0; i < VS_CHOICE_MEMO_SLOTS && !e; i++) /* the same question of an older generation: replaced */
    if (same_key(&m->e[i], q)) e = &m->e[i];
  if (!e) e = &m->e[m->next++ % VS_CHOICE_MEMO_SLOTS];
  memset(e, 0, sizeof *e);
  e->kind = q->kind;
  e->device = q->device;
  e->nkey = q->nkey;
  memcpy(e->key, q->key, q->nkey * sizeof *q->key);
  e->gen = q->gen;
  memcpy(e->value, value, size);
}

uint64_t vs__choice_memo_hits(vs_choice_kind kind) {
  return (unsigned)kind < VS_CHOICE_KINDS ? atomic_load_explicit(&hits[kind], memory_order_relaxed) : 0;
}
