/* fuzz_ckpt_files - libFuzzer target for the public checkpoint reader
 * through real files: vs_checkpoint_open on a path, the tensor listing and
 * vs_checkpoint_get_tensor for every key (which loads TF data shards from
 * disk on first use), as a user's program would call them.
 *
 * Input: the first byte picks the layout. Even: the rest is one safetensors
 * file "<dir>/m.safetensors". Odd: a 2-byte little-endian length L, then L
 * bytes of "<dir>/m.index" and the rest as "<dir>/m.data-00000-of-00001"
 * (a 1-shard TF prefix; with the top bit of the length word set the shard
 * file is left out, to reach the missing-shard path). Every call either
 * succeeds or fails with a status; a tensor read back (not a string) has
 * exactly the byte size its listing gave (a sliced tensor: the full
 * tensor's). The files live in one private directory per
 * process, removed at exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "varscope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok) {
  if (!ok) __builtin_trap();
}

static char dir[64];
static char st_path[128], prefix[128], idx_path[128], shard_path[128];

static void cleanup(void) {
  unlink(st_path);
  unlink(idx_path);
  unlink(shard_path);
  rmdir(dir);
}

static void put(const char *path, const uint8_t *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) abort();
}

static void read_all(const char *path, vs_status *st) {
  vs_checkpoint *c = vs_checkpoint_open(path, st);
  if (!c) {
    check(vs_status_code(st) != VS_OK && vs_status_message(st)[0] != '\0');
    return;
  }
  size_t n = vs_checkpoint_num_tensors(c);
  for (size_t i = 0; i < n; i++) {
    vs_ckpt_tensor_info in;
    vs_checkpoint_tensor_info(c, i, &in, st);
    check(vs_status_code(st) == VS_OK);
    vs_tensor *t = vs_checkpoint_get_tensor(c, in.key, st);
    if (t) {
      check(vs_status_code(st) == VS_OK);
      /* a TF string tensor's listed size is its encoding's (lengths,
       * checksum, bytes); a host string tensor has no byte size */
      check(in.dtype == VS_STRING || vs_tensor_byte_size(t) == in.byte_size);
      vs_tensor_free(t);
    } else {
      check(vs_status_code(st) != VS_OK);
    }
  }
  vs_checkpoint_tensor_info(c, n, &(vs_ckpt_tensor_info){0}, st);
  check(vs_status_code(st) == VS_INVALID_ARGUMENT);
  vs_checkpoint_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/vs_fuzz_ckpt_XXXXXX");
    if (!mkdtemp(dir)) abort();
    snprintf(st_path, sizeof st_path, "%s/m.safetensors", dir);
    snprintf(prefix, sizeof prefix, "%s/m", dir);
    snprintf(idx_path, sizeof idx_path, "%s/m.index", dir);
    snprintf(shard_path, sizeof shard_path, "%s/m.data-00000-of-00001", dir);
    atexit(cleanup);
  }
  if (size < 1) return 0;
  vs_status *st = vs_status_new();
  if (!st) abort();
  unlink(st_path);
  unlink(idx_path);
  unlink(shard_path);
  if (!(data[0] & 1)) {
    put(st_path, data + 1, size - 1);
    read_all(st_path, st);
  } else if (size >= 3) {
    size_t ilen = (size_t)data[1] | (size_t)(data[2] & 0x7f) << 8;
    bool no_shard = data[2] & 0x80;
    if (ilen > size - 3) ilen = size - 3;
    put(idx_path, data + 3, ilen);
    if (!no_shard) put(shard_path, data + 3 + ilen, size - 3 - ilen);
    read_all(prefix, st);
    read_all(idx_path, st);
  }
  vs_status_free(st);
  return 0;
}
