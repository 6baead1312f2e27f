/* cache_io.h - reading and replacing files in the kernel/tuning cache
 * directory safely: a cache entry may be anything a user or another
 * process left there (a FIFO, a directory, a symbolic link, a loop of
 * them), and readers often hold the device-registry lock, so nothing here
 * may block or follow a link. */
#ifndef VS_CACHE_IO_H
#define VS_CACHE_IO_H

#include <stddef.h>

typedef enum vs_cache_read_result {
  VS_CACHE_READ_OK,      /* *data (malloc'd, NUL-terminated past *n) holds the file */
  VS_CACHE_READ_ABSENT,  /* no entry: a plain cache miss */
  VS_CACHE_READ_REFUSED, /* not a regular file (FIFO, directory, socket, symbolic link) or too big */
  VS_CACHE_READ_FAILED   /* an I/O error or out of memory */
} vs_cache_read_result;

/* Reads the regular file at path, at most max bytes, opening it with
 * O_NONBLOCK|O_NOFOLLOW and checking fstat before reading, so a FIFO never
 * blocks and a symbolic link is never followed. */
vs_cache_read_result vs__cache_read(const char *path, size_t max, unsigned char **data, size_t *n);

/* Replaces path with data[0..n) atomically: written to a temporary file in
 * dir, flushed, then renamed over path (which replaces a FIFO or symbolic
 * link entry itself; a directory in the way is removed when empty). False
 * when it could not be stored; the old entry, if any, is left. */
int vs__cache_replace(const char *dir, const char *path, const void *data, size_t n);

#endif
