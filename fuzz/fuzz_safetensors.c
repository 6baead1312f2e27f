/* fuzz_safetensors - libFuzzer target for the safetensors reader.
 *
 * The input is a whole file. A parse either fails with a status (DATA_LOSS,
 * UNIMPLEMENTED or RESOURCE_EXHAUSTED) or yields entries whose bytes lie
 * inside the input; a parsed file written back out parses again to the same
 * entries. ASan and UBSan catch any read outside the input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint/ckpt_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok) {
  if (!ok) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vs_status *st = vs_status_new();
  vs_checkpoint *c = vs__ckpt_alloc(VS_CKPT_SAFETENSORS, NULL, st);
  uint8_t *buf = malloc(size ? size : 1);
  if (!st || !c || !buf) abort();
  memcpy(buf, data, size);
  if (!vs__safetensors_parse(c, buf, size, st)) {
    vs_code code = vs_status_code(st);
    check(code == VS_DATA_LOSS || code == VS_UNIMPLEMENTED || code == VS_RESOURCE_EXHAUSTED);
    check(vs_status_message(st)[0] != '\0');
  } else {
    vs__st_item *items = calloc(c->n + 1, sizeof *items);
    uint32_t sum = 0;
    for (size_t i = 0; i < c->n; i++) {
      vs__ckpt_entry *e = &c->e[i];
      const uint8_t *p = vs__ckpt_bytes(c, e, st);
      check(p != NULL && e->offset + e->size <= size);
      sum = vs__crc32c_extend(sum, p, (size_t)e->size);
      items[i] = (vs__st_item){.key = e->key, .dtype = e->dtype, .shape = e->shape, .data = p,
                               .size = (size_t)e->size, .tensor_name = e->tensor_name,
                               .trainable = e->trainable, .collections = (const char *const *)e->collections};
    }
    (void)sum;
    /* Write it back and read it again: the same keys, dtypes, shapes, bytes. */
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    bool wrote = f && vs__safetensors_write(f, "<memory>", items, c->n, st);
    if (f) fclose(f);
    if (wrote) {
      vs_checkpoint *c2 = vs__ckpt_alloc(VS_CKPT_SAFETENSORS, NULL, st);
      check(c2 && vs__safetensors_parse(c2, (uint8_t *)out, out_len, st));
      out = NULL; /* owned by c2 */
      check(c2->n == c->n);
      for (size_t i = 0; i < c->n; i++) {
        vs__ckpt_entry *a = &c->e[i], *b = &c2->e[i];
        check(strcmp(a->key, b->key) == 0 && a->dtype == b->dtype && a->size == b->size &&
              a->shape.rank == b->shape.rank && a->trainable == b->trainable);
        check(memcmp(c->file + a->offset, c2->file + b->offset, (size_t)a->size) == 0);
      }
      vs_checkpoint_free(c2);
    } else {
      check(vs_status_code(st) != VS_OK);
    }
    free(out);
    free(items);
  }
  vs_checkpoint_free(c);
  vs_status_free(st);
  return 0;
}
