/* tuning_store.c - the keyed on-disk store and the per-device memo (see
 * tuning_store.h). kernel_cache_file.c owns the entry format, cache_io.c
 * the safe reads and atomic replacement; this file only names entries
 * and classifies what it finds. */
#include "runtime/tuning_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cache_io.h"
#include "runtime/kernel_cache_file.h"

char *vs__store_path(const char *dir, const char *key) {
  return vs__asprintf("%s/%016llx.bin", dir, (unsigned long long)vs__fnv64(key, strlen(key), VS_FNV_SEED));
}

vs_store_result vs__store_get(const char *dir, const char *key, size_t max, unsigned char **data, size_t *n) {
  *data = NULL;
  *n = 0;
  char *own = dir ? NULL : vs__cache_dir();
  if (!dir && !(dir = own)) return VS_STORE_MISS;
  char *path = vs__store_path(dir, key);
  free(own);
  if (!path) return VS_STORE_FAILED;
  unsigned char *raw = NULL;
  size_t len = 0, off = 0, size = 0;
  /* The envelope (magic, lengths, checksum, key) is small next to max. */
  vs_cache_read_result rr = vs__cache_read(path, max + strlen(key) + 64, &raw, &len);
  vs_store_result res = rr == VS_CACHE_READ_ABSENT ? VS_STORE_MISS
                        : rr == VS_CACHE_READ_REFUSED ? VS_STORE_IRREGULAR
                        : rr == VS_CACHE_READ_FAILED  ? VS_STORE_FAILED
                                                      : VS_STORE_HIT;
  if (res == VS_STORE_HIT) {
    switch (vs__kernel_cache_parse(raw, len, key, &off, &size)) {
    case VS_KC_OK:
      if (size > max) res = VS_STORE_CORRUPT;
      else if ((*data = malloc(size))) {
        memcpy(*data, raw + off, size);
        *n = size;
      } else
        res = VS_STORE_FAILED;
      break;
    case VS_KC_OTHER_KEY: res = VS_STORE_MISS; break;
    case VS_KC_CORRUPT: res = VS_STORE_CORRUPT; break;
    }
    if (res == VS_STORE_CORRUPT) unlink(path); /* torn or altered: never trusted, rebuilt by its owner */
  }
  free(raw);
  free(path);
  return res;
}

bool vs__store_put(const char *dir, const char *key, const void *data, size_t n) {
  char *own = dir ? NULL : vs__cache_dir();
  if (!dir && !(dir = own)) return false;
  char *path = vs__store_path(dir, key);
  size_t len = 0;
  unsigned char *entry = path ? vs__kernel_cache_encode(key, data, n, &len) : NULL;
  bool ok = entry && vs__cache_replace(dir, path, entry, len);
  free(entry);
  free(path);
  free(own);
  return ok;
}

bool vs__store_remove(const char *dir, const char *key) {
  char *own = dir ? NULL : vs__cache_dir();
  if (!dir && !(dir = own)) return true;
  char *path = vs__store_path(dir, key);
  bool ok = path && (unlink(path) == 0 || errno == ENOENT);
  free(path);
  free(own);
  return ok;
}

bool vs__memo_get(vs_cl_device *d, const char *key, unsigned char **data, size_t *n) {
  bool found = false;
  *data = NULL;
  *n = 0;
  vs__registry_lock();
  for (size_t i = 0; i < d->n_memo && !found; i++)
    if (strcmp(d->memo[i].key, key) == 0) {
      found = (*data = malloc(d->memo[i].n ? d->memo[i].n : 1)) != NULL;
      if (found) {
        memcpy(*data, d->memo[i].data, d->memo[i].n);
        *n = d->memo[i].n;
      }
      break;
    }
  vs__registry_unlock();
  return found;
}

bool vs__memo_put(vs_cl_device *d, const char *key, const void *data, size_t n) {
  unsigned char *copy = malloc(n ? n : 1);
  if (!copy) return false;
  memcpy(copy, data, n);
  bool ok = true;
  vs__registry_lock();
  size_t i = 0;
  while (i < d->n_memo && strcmp(d->memo[i].key, key) != 0) i++;
  if (i < d->n_memo) {
    free(d->memo[i].data);
  } else {
    char *k = vs__strdup(key);
    ok = k && VS_GROW(d->memo, d->memo_cap, d->n_memo + 1);
    if (ok) d->memo[d->n_memo++].key = k;
    else free(k);
  }
  if (ok) {
    d->memo[i].data = copy;
    d->memo[i].n = n;
  } else
    free(copy);
  vs__registry_unlock();
  return ok;
}
