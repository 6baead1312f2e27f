/* core.h - internal helpers shared by every subsystem: error reporting,
 * allocation that reports through vs_status, growable arrays, a string map. */
#ifndef VS_CORE_H
#define VS_CORE_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "varscope/status.h"
#include "varscope/types.h"

#if defined(__GNUC__)
#define VS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define VS_PRINTF(a, b)
#endif

/* Public symbols are exported from the shared library; the rest stay hidden. */
#define VS_API __attribute__((visibility("default")))

/* Status helpers. vs__ok clears; vs__fail records code, exception and a
 * printf-formatted message. Both accept NULL. */
void vs__ok(vs_status *st);
void vs__fail(vs_status *st, vs_code code, vs_exception exc, const char *fmt, ...) VS_PRINTF(4, 5);
bool vs__failed(const vs_status *st);
/* Out of memory: RESOURCE_EXHAUSTED, as TF reports allocation failures. */
void vs__oom(vs_status *st);
/* Copies code, exception and message from one status to another. */
void vs__status_copy(vs_status *dst, const vs_status *src);

/* The longest list (ops, variables, feeds, fetches) a public call accepts.
 * Ops count their inputs in int, so no real list is longer; a count above
 * it is almost always a negative one converted to size_t, and refusing it
 * keeps it out of size computations. */
#define VS_MAX_LIST ((size_t)INT_MAX)

/* NULL-argument guard used at the top of public functions. */
#define VS_REQUIRE(cond, st, ...)                                          \
  do {                                                                     \
    if (!(cond)) {                                                         \
      vs__fail((st), VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, __VA_ARGS__); \
      return 0;                                                            \
    }                                                                      \
  } while (0)

/* The same for functions that return a vs_output. */
#define VS_REQUIRE_OUT(cond, st, ...)                                      \
  do {                                                                     \
    if (!(cond)) {                                                         \
      vs__fail((st), VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, __VA_ARGS__); \
      return (vs_output){NULL, 0};                                         \
    }                                                                      \
  } while (0)

/* strdup / printf into fresh memory; NULL when out of memory. */
char *vs__strdup(const char *s);
char *vs__strndup(const char *s, size_t n);
char *vs__asprintf(const char *fmt, ...) VS_PRINTF(1, 2);
char *vs__vasprintf(const char *fmt, va_list ap);
char *vs__lower(const char *s);
bool vs__starts_with(const char *s, const char *prefix);

/* Grows *items (element size elem) so that it holds at least need elements.
 * Returns false when out of memory (the array is unchanged). */
bool vs__grow(void **items, size_t *cap, size_t need, size_t elem);
#define VS_GROW(arr, cap, need) vs__grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* Graph-lifetime small blocks carved from chunks (no malloc header or
 * rounding each; freed all at once): the packed keys of the big maps
 * below (issue 10, per-variable memory). Zero-initialised is empty. */
struct vs_chunk;
typedef struct vs_chunks {
  struct vs_chunk *head; /* newest first */
  size_t left;           /* free bytes at the end of head */
} vs_chunks;
/* `bytes` bytes aligned to `align` (a power of two, at most that of
 * max_align_t), or NULL when out of memory. */
void *vs__chunks_alloc(vs_chunks *c, size_t bytes, size_t align);
void vs__chunks_free(vs_chunks *c);

/* Open-addressing string map: keys are copied, values are opaque. */
/* The slot of `key` in an open-addressing table of op index + 1 keys (0:
 * an empty slot), linear probing, capacity mask + 1 a power of two: the
 * slot holding key, or the empty one where it goes. Each such map (a
 * plan's op -> slot map, the plan builder's marks, a session's Philox
 * offsets) keeps its values in a parallel array of its own type, so the
 * probe is all they share. */
static inline size_t vs__idx_slot(const size_t *keys, size_t mask, size_t key) {
  size_t i = (key * 0x9E3779B97F4A7C15ull) & mask;
  while (keys[i] && keys[i] != key) i = (i + 1) & mask;
  return i;
}

typedef struct vs_strmap {
  char **keys;
  void **vals;
  size_t cap;   /* power of two, or 0 */
  size_t count;
  /* Set before the first put: keys are the caller's strings, which must
   * outlive the map (the graph's op names), not copies. Copies of such a
   * map (vs_strmap_copy) own their keys. */
  bool borrowed_keys;
  /* Set before the first put: copied keys are packed into chunks the map
   * owns (no malloc header and rounding per key), for big maps whose keys
   * are never removed (the variable store). Issue 10, per-variable memory. */
  bool packed_keys;
  vs_chunks chunks; /* packed_keys */
} vs_strmap;

void vs_strmap_free(vs_strmap *m);
/* Returns the slot of key, or NULL. */
void **vs_strmap_find(const vs_strmap *m, const char *key);
void *vs_strmap_get(const vs_strmap *m, const char *key);
/* The key the map holds for key (equal to it by the map's comparison), or
 * NULL. Valid as long as the map. */
const char *vs_strmap_key(const vs_strmap *m, const char *key);
/* Inserts or replaces (a replaced entry keeps its key); false when out of
 * memory. */
bool vs_strmap_put(vs_strmap *m, const char *key, void *val);
/* A deep copy of keys (values copied as is); false when out of memory. */
bool vs_strmap_copy(vs_strmap *dst, const vs_strmap *src);

/* A set of names with a count each, compared ASCII case-insensitively: the
 * graph's names_in_use (TF keys it by the lower-cased name; this keeps the
 * case first given, so an op named exactly so can borrow the set's copy).
 * Each name is packed in the set's chunks behind its uint32 count, so a
 * slot is one pointer (issue 10, per-variable memory). Names are never
 * removed. Zero-initialised is empty. (nameset.c) */
typedef struct vs_nameset {
  char **keys; /* the names, each preceded by its count in its chunk */
  size_t cap;  /* power of two, or 0 */
  size_t count;
  vs_chunks chunks;
} vs_nameset;
void vs_nameset_free(vs_nameset *s);
/* The set's copy of name (equal but for ASCII case), or NULL. Valid as
 * long as the set. */
const char *vs_nameset_key(const vs_nameset *s, const char *name);
/* name's count; 0 when absent. */
uint32_t vs_nameset_count(const vs_nameset *s, const char *name);
/* Sets name's count, adding the name (in its case) when absent; false when
 * out of memory. */
bool vs_nameset_put(vs_nameset *s, const char *name, uint32_t count);

/* A shape as TF's C++ runtime prints it: "[2,3]", "[?,3]"; an unknown
 * rank prints `unknown` ("?" in shape inference, "<unknown>" elsewhere). */
void vs__dims_text(const vs_shape *s, const char *unknown, char *buf, size_t cap);
/* The element count of a fully defined shape: -1 when it is not fully
 * defined (or its rank is outside 0..VS_MAX_RANK), -2 when the count does
 * not fit in int64. Unlike vs_shape_num_elements it has no byte-size cap. */
int64_t vs__shape_elements(const vs_shape *s);
/* True when the product of a shape's known dimensions overflows int64: TF
 * refuses such a shape on any node ("Shape [..] is too large (more than
 * 2**63 - 1 entries) for '{{node ..}} = ..' with input shapes: ."). */
bool vs__shape_too_large(const vs_shape *s);
/* The same shape: both unknown, or both known with equal ranks and
 * dimensions (an unknown dimension equals only an unknown one). Unlike
 * vs_shape_is_compatible, [2, ?] is not [2, 3]. */
bool vs__shape_equal(const vs_shape *a, const vs_shape *b);
/* TF's C++ DataTypeString: "float", "double", "half", else the Python name. */
const char *vs__dtype_cc_name(vs_dtype t);

/* Numeric conversion on the host (convert.c). */
bool vs__convertible(vs_dtype t);
/* Element i of a numeric array as a double. */
double vs__load_double(const void *p, vs_dtype t, size_t i);
void vs__convert_fill(const void *src, vs_dtype sdt, size_t count, void *dst, vs_dtype ddt, size_t n);
void vs__store_scalar(void *dst, vs_dtype t, size_t i, double v);

#endif
