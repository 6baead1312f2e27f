/* checkpoint.c - the public checkpoint reader (tf.train.load_checkpoint):
 * opens a safetensors file or a TF V2 prefix, lists its tensors and reads
 * them into host tensors. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checkpoint/ckpt_internal.h"

static bool is_file(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static vs_checkpoint *open_tf(const char *prefix, size_t prefix_len, vs_status *st) {
  char *p = vs__strndup(prefix, prefix_len);
  char *index = p ? vs__asprintf("%s.index", p) : NULL;
  vs_checkpoint *c = index ? vs__ckpt_alloc(VS_CKPT_TF_V2, p, st) : NULL;
  uint8_t *buf = NULL;
  size_t len = 0;
  if (!index) vs__oom(st);
  bool ok = c && vs__read_file(index, &buf, &len, st) && vs__tf_index_parse(c, buf, len, st);
  free(buf);
  free(index);
  free(p);
  if (!ok) {
    vs_checkpoint_free(c);
    return NULL;
  }
  return c;
}

VS_API vs_checkpoint *vs_checkpoint_open(const char *path, vs_status *st) {
  vs__ok(st);
  if (!path || !*path) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_checkpoint_open: a path is required");
    return NULL;
  }
  if (is_file(path) && ends_with(path, ".index")) return open_tf(path, strlen(path) - 6, st);
  if (is_file(path)) {
    vs_checkpoint *c = vs__ckpt_alloc(VS_CKPT_SAFETENSORS, path, st);
    uint8_t *buf = NULL;
    size_t len = 0;
    if (!c || !vs__read_file(path, &buf, &len, st) || !vs__safetensors_parse(c, buf, len, st)) {
      if (c && !c->file) free(buf);
      vs_checkpoint_free(c);
      return NULL;
    }
    return c;
  }
  char *index = vs__asprintf("%s.index", path);
  if (!index) {
    vs__oom(st);
    return NULL;
  }
  bool tf = is_file(index);
  free(index);
  if (tf) return open_tf(path, strlen(path), st);
  vs__fail(st, VS_NOT_FOUND, VS_EXC_VALUE_ERROR, "The passed save_path is not a valid checkpoint: %s", path);
  return NULL;
}

VS_API vs_ckpt_format vs_checkpoint_format(const vs_checkpoint *c) { return c ? c->format : 0; }

VS_API size_t vs_checkpoint_num_tensors(const vs_checkpoint *c) { return c ? c->n : 0; }

VS_API void vs_checkpoint_tensor_info(const vs_checkpoint *c, size_t i, vs_ckpt_tensor_info *info,
                                      vs_status *st) {
  vs__ok(st);
  if (!c || !info) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_checkpoint_tensor_info: reader and info are required");
    return;
  }
  if (i >= c->n) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "tensor index %zu out of range (%zu tensors)", i, c->n);
    return;
  }
  const vs__ckpt_entry *e = &c->e[i];
  *info = (vs_ckpt_tensor_info){
      .key = e->key,
      .dtype = e->dtype,
      .shape = e->shape,
      .byte_size = e->size,
      .readable = e->readable,
      .tensor_name = e->tensor_name,
      .trainable = e->trainable,
      .collections = (const char *const *)e->collections,
  };
}

VS_API size_t vs_checkpoint_find(const vs_checkpoint *c, const char *key) {
  const vs__ckpt_entry *e = c && key ? vs__ckpt_lookup(c, key) : NULL;
  return e ? (size_t)(e - c->e) : VS_NPOS;
}

VS_API vs_tensor *vs_checkpoint_get_tensor(vs_checkpoint *c, const char *key, vs_status *st) {
  vs__ok(st);
  if (!c || !key) {
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "vs_checkpoint_get_tensor: reader and key are required");
    return NULL;
  }
  vs__ckpt_entry *e = vs__ckpt_lookup(c, key);
  if (!e) {
    vs__fail(st, VS_NOT_FOUND, VS_EXC_OP_ERROR, "Key %s not found in checkpoint", key);
    return NULL;
  }
  return vs__ckpt_tensor(c, e, st);
}
