/* choice_memo.h - a plan step's memo of the algorithm choices its kernel
 * made (conv_select.c's conv algorithm, conv_grad_select.c's gradient
 * route, gemm_select.c's GEMM algorithm), so that a run repeating the
 * last run's shapes formats no key, copies no choice table and scans
 * none: the step compares a few numbers instead.
 *
 * What a choice depends on, and how the memo keeps up with it:
 * - the selector, the device and the problem's numbers (a conv's
 *   geometry, a GEMM's transposes and sizes): the entry's key, compared
 *   word for word; a different shape misses (and replaces the entries in
 *   turn, round robin);
 * - the device's choice tables in this process (choice_table.h): every
 *   change to one of its tables in this process's memo (a measurement
 *   kept, a tune, a line planted or dropped, a table read from the store)
 *   bumps the device's generation (vs__choice_generation), which each
 *   entry records; an entry of another generation misses, while entries
 *   for other devices keep theirs (each device reads its own memo of the
 *   tables, so a change on one never alters another's answer). Another
 *   process's later writes to the store are not seen, as the device's own
 *   memo of the tables does not see them;
 * - VARSCOPE_CONV, VARSCOPE_CONV_GRAD and VARSCOPE_GEMM: each selector
 *   reads its variable at every launch, before the memo, so a value set
 *   with setenv between runs takes effect at the next launch; the memo
 *   serves only the measured ("auto") choice.
 * An entry holds only a choice the table gave (a kept choice), never one
 * just measured: the next run finds the table's line, memoises it, and
 * the runs after it hit.
 *
 * Where the memo lives: the step's `choices` (exec/plan.h), allocated on
 * the first entry and freed with the plan. The step running on this thread
 * is bound by session.c around its kernel (vs__choice_memo_bind), the way
 * runtime/queue.c binds the run's queues: the GEMM's selector is reached
 * through vs__matmul, which knows no run. Outside a step (tuning,
 * benchmarks calling a selector directly) nothing is bound and every
 * choice goes to the table.
 *
 * Thread safety: a plan belongs to one session and runs only under its
 * session's run lock (plan.h), so one step's memo is used by one thread at
 * a time; the binding is per thread; the generations and the counters are
 * atomic. */
#ifndef VS_CHOICE_MEMO_H
#define VS_CHOICE_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum vs_choice_kind {
  VS_CHOICE_CONV = 1, /* conv_select.c: a vs_conv_algo */
  VS_CHOICE_CONV_GRAD, /* conv_grad_select.c: an int route */
  VS_CHOICE_GEMM,      /* gemm_select.c: a vs_gemm_algo */
} vs_choice_kind;
#define VS_CHOICE_KINDS 4

/* Key words and value bytes of an entry at most; entries of a step. A
 * conv step keeps its conv choice and the GEMMs of its im2col route (and
 * of the candidates timed when choosing), hence a few. */
#define VS_CHOICE_MEMO_KEY 24
#define VS_CHOICE_MEMO_VALUE 96 /* a vs_conv_algo with its TF32 parameters: 76 bytes */
#define VS_CHOICE_MEMO_SLOTS 4

/* What a choice is asked for: the selector, the device (its
 * vs_cl_device) and the problem's numbers (key[0..nkey)); gen (the
 * device's generation) is set by vs__choice_memo_get. */
typedef struct vs_choice_ask {
  vs_choice_kind kind;
  const void *device;
  size_t nkey;
  int64_t key[VS_CHOICE_MEMO_KEY];
  uint64_t gen;
} vs_choice_ask;

typedef struct vs_choice_memo_entry {
  vs_choice_kind kind; /* 0: empty */
  const void *device;
  size_t nkey;
  int64_t key[VS_CHOICE_MEMO_KEY];
  uint64_t gen;
  unsigned char value[VS_CHOICE_MEMO_VALUE];
} vs_choice_memo_entry;

typedef struct vs_choice_memo {
  vs_choice_memo_entry e[VS_CHOICE_MEMO_SLOTS];
  unsigned next; /* the entry a miss replaces next, round robin */
} vs_choice_memo;

/* Binds *slot, the running step's memo pointer (NULL until its first
 * entry), to this thread until the next call; NULL unbinds. session.c
 * calls it around each kernel step. */
void vs__choice_memo_bind(vs_choice_memo **slot);

/* Records q->device's current generation in q->gen, then, when a memo is bound and
 * holds q (same kind, device, key and generation), copies its value
 * (size bytes, at most VS_CHOICE_MEMO_VALUE) into value: true. Call it
 * before reading the table, so a change made meanwhile is never hidden. */
bool vs__choice_memo_get(vs_choice_ask *q, void *value, size_t size);

/* Keeps value (size bytes) for q under q->gen in the bound memo, if any
 * (best effort: out of memory keeps nothing; the table still answers). */
void vs__choice_memo_put(const vs_choice_ask *q, const void *value, size_t size);

/* Memo hits of this process so far for a kind (tests). */
uint64_t vs__choice_memo_hits(vs_choice_kind kind);

#endif
