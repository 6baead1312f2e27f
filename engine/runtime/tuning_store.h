/* tuning_store.h - the one keyed on-disk store of the cache directory
 * (vs__cache_dir): device binaries (kernel_cache.c) and tuning results
 * (the conv algorithm choices and tuned kernel parameters, interpreted by
 * kernels/conv_select.c) are entries in it, each an opaque blob under a
 * text key. runtime/ knows nothing of what a blob means.
 *
 * An entry is one file, <dir>/<FNV-1a 64 of the key, 16 hex>.bin, in the
 * format of kernel_cache_file.h: the full key (compared on load, so a name
 * collision is a miss, never a misread), the payload and its checksum. A
 * corrupt or torn entry is removed and reported as a miss; an entry that
 * is not a regular file is never opened (cache_io.c). Writes are atomic
 * (temporary file, fsync, rename): readers see the old entry or the new
 * one. Keys should start with what they hold and a format version
 * ("varscope conv-choices 3\n..."), so an entry of an older format is
 * simply never looked up again.
 *
 * Also a per-device, per-process memo of small blobs under keys, so a
 * result is read from disk once per process. Thread safe: the memo is
 * guarded by the registry lock; files are replaced atomically. */
#ifndef VS_TUNING_STORE_H
#define VS_TUNING_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/runtime_internal.h"

typedef enum vs_store_result {
  VS_STORE_HIT,       /* *data (malloc'd, the caller frees) holds *n bytes */
  VS_STORE_MISS,      /* no entry, no cache directory, or another key's entry under the same name */
  VS_STORE_CORRUPT,   /* an entry was there but torn or altered: removed */
  VS_STORE_IRREGULAR, /* not a regular file (FIFO, directory, link) or too big: left, replaced by the next put */
  VS_STORE_FAILED     /* an I/O error or out of memory */
} vs_store_result;

/* The entry's file for key in dir (malloc'd; NULL when out of memory). */
char *vs__store_path(const char *dir, const char *key);

/* Reads the entry for key from dir (NULL dir: vs__cache_dir()), at most
 * max payload bytes. */
vs_store_result vs__store_get(const char *dir, const char *key, size_t max, unsigned char **data, size_t *n);

/* Stores data[0..n) under key atomically (NULL dir: vs__cache_dir());
 * false when it could not be stored (no directory, disk full). */
bool vs__store_put(const char *dir, const char *key, const void *data, size_t n);

/* Removes key's entry; true when none is left. */
bool vs__store_remove(const char *dir, const char *key);

/* The memo: a copy of the blob under key for device d into *data
 * (malloc'd) and *n; false when there is none (or out of memory). */
bool vs__memo_get(vs_cl_device *d, const char *key, unsigned char **data, size_t *n);
/* Sets (replaces) key's blob for d; false when out of memory. */
bool vs__memo_put(vs_cl_device *d, const char *key, const void *data, size_t n);

#endif
