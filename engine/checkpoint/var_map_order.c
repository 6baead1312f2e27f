/* var_map_order.c - the order in which TF's CheckpointReader lists a
 * checkpoint's tensors to Python (reader.get_variable_to_shape_map(), whose
 * repr TF puts in init_from_checkpoint's "not found" message). TF fills a
 * std::unordered_map<string, TensorShape> in key order and pybind11 copies
 * it into a dict in the map's iteration order, so the order is libstdc++'s
 * _Hashtable's: std::hash<string> (_Hash_bytes, seed 0xc70f6907), the prime
 * rehash policy (11 buckets asked for at the first insert, 13 given; then
 * at least twice as many at each growth, from __prime_list), a node into an
 * empty bucket going to the front of the list and one into a used bucket
 * to the front of that bucket's run. Checked against TF 2.21 for 3 to 70
 * keys, through several rehashes. */
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_internal.h"

/* libstdc++'s _Hash_bytes for a 64-bit size_t. */
static uint64_t hash_bytes(const char *s, size_t len) {
  const uint64_t mul = ((uint64_t)0xc6a4a793u << 32) + 0x5bd1e995u;
  uint64_t h = 0xc70f6907u ^ (len * mul);
  size_t aligned = len & ~(size_t)7;
  for (size_t i = 0; i < aligned; i += 8) {
    uint64_t d = 0;
    for (int k = 7; k >= 0; k--) d = d << 8 | (uint8_t)s[i + (size_t)k];
    d *= mul;
    d ^= d >> 47;
    h ^= d * mul;
    h *= mul;
  }
  if (len & 7) {
    uint64_t d = 0;
    for (size_t k = len; k > aligned; k--) d = d << 8 | (uint8_t)s[k - 1];
    h ^= d;
    h *= mul;
  }
  h ^= h >> 47;
  h *= mul;
  return h ^ (h >> 47);
}

/* The start of libstdc++'s __prime_list (hashtable-aux.cc). */
static const uint64_t primes[] = {
    2,     3,     5,     7,     11,    13,    17,    19,    23,    29,    31,    37,    41,     43,     47,
    53,    59,    61,    67,    71,    73,    79,    83,    89,    97,    103,   109,   113,    127,    137,
    139,   149,   157,   167,   179,   193,   199,   211,   227,   241,   257,   277,   293,    313,    337,
    359,   383,   409,   439,   467,   503,   541,   577,   619,   661,   709,   761,   823,    887,    953,
    1031,  1109,  1193,  1289,  1381,  1493,  1613,  1741,  1879,  2029,  2179,  2357,  2549,   2753,   2971,
    3209,  3469,  3739,  4027,  4349,  4703,  5087,  5503,  5953,  6427,  6949,  7517,  8123,   8783,   9497,
    10273, 11113, 12011, 12983, 14033, 15173, 16411, 17749, 19183, 20753, 22447, 24281, 26267, 28411,  30727,
    33223, 35933, 38873, 42043, 45481, 49201, 53201, 57557, 62233, 67307, 72817, 78779, 85229, 92203,  99733,
    107897, 116731, 126271, 136607, 147793, 159871, 172933};
#define N_PRIMES (sizeof primes / sizeof *primes)

/* _Prime_rehash_policy::_M_next_bkt: 0 when past this table. */
static uint64_t next_bkt(uint64_t n, uint64_t *next_resize) {
  static const uint8_t fast[] = {2, 2, 2, 3, 5, 5, 7, 7, 11, 11, 11, 11, 13, 13};
  if (n < sizeof fast) {
    *next_resize = n ? fast[n] : 0;
    return n ? fast[n] : 1;
  }
  for (size_t i = 6; i < N_PRIMES; i++)
    if (primes[i] >= n) {
      *next_resize = primes[i];
      return primes[i];
    }
  return 0;
}

#define EMPTY (-2)
#define BEFORE_BEGIN (-1)

typedef struct table {
  const uint64_t *code;
  ptrdiff_t *next; /* per node; -1 ends the list */
  ptrdiff_t head;
  ptrdiff_t *bucket; /* the node before the bucket's run, BEFORE_BEGIN, or EMPTY */
  uint64_t nb;
} table;

static ptrdiff_t *next_of(table *t, ptrdiff_t prev) { return prev == BEFORE_BEGIN ? &t->head : &t->next[prev]; }

/* _M_rehash_aux for unique keys; false when out of memory. */
static bool rehash(table *t, uint64_t n) {
  ptrdiff_t *nb = malloc((size_t)n * sizeof *nb);
  if (!nb) return false;
  for (uint64_t i = 0; i < n; i++) nb[i] = EMPTY;
  ptrdiff_t p = t->head;
  t->head = -1;
  uint64_t bbegin = 0;
  while (p != -1) {
    ptrdiff_t nx = t->next[p];
    uint64_t b = t->code[p] % n;
    if (nb[b] == EMPTY) {
      t->next[p] = t->head;
      t->head = p;
      nb[b] = BEFORE_BEGIN;
      if (t->next[p] != -1) nb[bbegin] = p;
      bbegin = b;
    } else {
      ptrdiff_t *after = next_of(t, nb[b]);
      t->next[p] = *after;
      *after = p;
    }
    p = nx;
  }
  free(t->bucket);
  t->bucket = nb;
  t->nb = n;
  return true;
}

size_t *vs__ckpt_var_map_order(const vs_checkpoint *c) {
  size_t n = c->n;
  size_t *order = malloc((n ? n : 1) * sizeof *order);
  uint64_t *code = malloc((n ? n : 1) * sizeof *code);
  table t = {.code = code, .next = malloc((n ? n : 1) * sizeof *t.next), .head = -1};
  bool ok = order && code && t.next && (t.bucket = malloc(sizeof *t.bucket)) != NULL;
  if (ok) {
    t.bucket[0] = EMPTY;
    t.nb = 1;
  }
  uint64_t next_resize = 0;
  bool beyond = false;
  for (size_t i = 0; ok && !beyond && i < n; i++) {
    code[i] = hash_bytes(c->e[i].key, strlen(c->e[i].key));
    if (i + 1 > next_resize) { /* _M_need_rehash, max_load_factor 1 */
      uint64_t min_bkts = i + 1 > (next_resize ? 0 : 11) ? i + 1 : 11;
      if (min_bkts >= t.nb) {
        uint64_t want = min_bkts + 1 > t.nb * 2 ? min_bkts + 1 : t.nb * 2;
        uint64_t nb = next_bkt(want, &next_resize);
        if (!nb) { /* beyond the table: the fallback below */
          beyond = true;
          break;
        }
        if (!(ok = rehash(&t, nb))) break;
      } else {
        next_resize = t.nb;
      }
    }
    uint64_t b = code[i] % t.nb;
    ptrdiff_t node = (ptrdiff_t)i;
    if (t.bucket[b] != EMPTY) {
      ptrdiff_t *after = next_of(&t, t.bucket[b]);
      t.next[node] = *after;
      *after = node;
    } else {
      t.next[node] = t.head;
      t.head = node;
      if (t.next[node] != -1) t.bucket[code[t.next[node]] % t.nb] = node;
      t.bucket[b] = BEFORE_BEGIN;
    }
    if (i + 1 == n) {
      size_t k = 0;
      for (ptrdiff_t p = t.head; p != -1; p = t.next[p]) order[k++] = (size_t)p;
    }
  }
  if (!ok) {
    free(order);
    order = NULL;
  } else if (beyond) {
    /* More keys than the prime table covers (over 170,000): descending key
     * order, the map's for keys that fall in distinct buckets. */
    for (size_t i = 0; i < n; i++) order[i] = n - 1 - i;
  }
  free(code);
  free(t.next);
  free(t.bucket);
  return order;
}
