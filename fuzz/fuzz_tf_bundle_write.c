/* fuzz_tf_bundle_write - libFuzzer target for the TF V2 bundle writer: what
 * it writes, the reader reads back unchanged.
 *
 * Input: byte 0 picks the number of tensors (1..8); then per tensor a dtype
 * selector (any of varscope's 16 dtypes, strings included), a rank (0..3)
 * and its dimensions (0..3 each), a key length factor (keys up to ~64 KiB,
 * so a few long keys fill several 256 KiB table blocks and exercise the
 * index block's separators) and the bytes the key and the values are drawn
 * from, cycling through the input. Keys are made unique and sorted, as the
 * Saver passes them. The bundle is written to memory (open_memstream), its
 * index parsed and every tensor read: dtype, shape and bytes (or strings)
 * must equal what was written. ASan and UBSan catch out-of-bounds access. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok) {
  if (!ok) __builtin_trap();
}

static const vs_dtype dtypes[] = {VS_FLOAT, VS_DOUBLE, VS_INT32,  VS_UINT8,  VS_INT16,    VS_INT8,
                                  VS_STRING, VS_COMPLEX64, VS_INT64, VS_BOOL,  VS_BFLOAT16, VS_UINT16,
                                  VS_COMPLEX128, VS_HALF, VS_UINT32, VS_UINT64};

typedef struct src {
  const uint8_t *p;
  size_t n, at;
} src;

/* The next input byte, cycling (0 for an empty input). */
static uint8_t next(src *s) { return s->n ? s->p[s->at++ % s->n] : 0; }

static int cmp_item(const void *a, const void *b) {
  return strcmp(((const vs__bundle_item *)a)->key, ((const vs__bundle_item *)b)->key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  src s = {data, size, 0};
  size_t n = (size_t)(next(&s) % 8) + 1;
  vs__bundle_item items[8];
  char *keys[8];
  vs_tensor *vals[8];
  vs_status *st = vs_status_new();
  check(st != NULL);
  for (size_t i = 0; i < n; i++) {
    vs_dtype t = dtypes[next(&s) % 16];
    vs_shape shape = {.known = true, .rank = next(&s) % 4};
    for (int d = 0; d < shape.rank; d++) shape.dims[d] = next(&s) % 4;
    size_t klen = (size_t)(next(&s) % 64) * (size_t)(next(&s) % 64) * 16 + 1;
    keys[i] = malloc(klen + 8);
    check(keys[i] != NULL);
    int m = snprintf(keys[i], 8, "%zu", i); /* unique */
    for (size_t k = 0; k < klen; k++) keys[i][(size_t)m + k] = (char)(next(&s) | 1); /* no NUL */
    keys[i][(size_t)m + klen] = '\0';
    size_t elems = (size_t)vs_shape_num_elements(shape);
    if (t == VS_STRING) {
      const char **strs = calloc(elems + 1, sizeof *strs);
      char *text = malloc(elems * 16 + 1);
      check(strs && text);
      for (size_t e = 0; e < elems; e++) {
        size_t len = next(&s) % 16;
        for (size_t k = 0; k < len; k++) text[e * 16 + k] = (char)(next(&s) | 1);
        text[e * 16 + len] = '\0';
        strs[e] = text + e * 16;
      }
      vals[i] = vs_tensor_new_strings(shape, strs, st);
      free(strs);
      free(text);
    } else {
      size_t bytes = elems * vs_dtype_size(t);
      uint8_t *buf = malloc(bytes + 1);
      check(buf != NULL);
      for (size_t k = 0; k < bytes; k++) buf[k] = t == VS_BOOL ? next(&s) & 1 : next(&s);
      vals[i] = vs_tensor_new(t, shape, buf, st);
      free(buf);
    }
    check(vals[i] != NULL);
    items[i] = (vs__bundle_item){.key = keys[i], .value = vals[i]};
  }
  qsort(items, n, sizeof *items, cmp_item);

  char *dbuf = NULL, *ibuf = NULL;
  size_t dlen = 0, ilen = 0;
  FILE *df = open_memstream(&dbuf, &dlen), *xf = open_memstream(&ibuf, &ilen);
  check(df && xf);
  check(vs__tf_bundle_write(df, "data", xf, "index", items, n, st));
  fclose(df);
  fclose(xf);

  vs_checkpoint *c = vs__ckpt_alloc(VS_CKPT_TF_V2, NULL, st);
  check(c != NULL);
  check(vs__tf_index_parse(c, (const uint8_t *)ibuf, ilen, st));
  check(c->n == n && c->num_shards == 1);
  vs__tf_set_shard(c, 0, (uint8_t *)dbuf, dlen); /* the reader owns dbuf now */
  for (size_t i = 0; i < n; i++) {
    const vs_tensor *want = items[i].value;
    vs__ckpt_entry *e = vs__ckpt_lookup(c, items[i].key);
    check(e != NULL);
    vs_tensor *got = vs__ckpt_tensor(c, e, st);
    check(got != NULL);
    check(vs_tensor_dtype(got) == vs_tensor_dtype(want));
    vs_shape a = vs_tensor_shape(got), b = vs_tensor_shape(want);
    check(a.rank == b.rank);
    for (int d = 0; d < a.rank; d++) check(a.dims[d] == b.dims[d]);
    size_t elems = vs_tensor_num_elements(want);
    check(vs_tensor_num_elements(got) == elems);
    if (vs_tensor_dtype(want) == VS_STRING) {
      for (size_t k = 0; k < elems; k++) check(strcmp(vs_tensor_string(got, k), vs_tensor_string(want, k)) == 0);
    } else {
      size_t bytes = vs_tensor_byte_size(want);
      check(vs_tensor_byte_size(got) == bytes);
      check(bytes == 0 || memcmp(vs_tensor_data(got), vs_tensor_data(want), bytes) == 0);
    }
    vs_tensor_free(got);
  }
  vs_checkpoint_free(c);
  free(ibuf);
  for (size_t i = 0; i < n; i++) {
    vs_tensor_free(vals[i]);
    free(keys[i]);
  }
  vs_status_free(st);
  return 0;
}
