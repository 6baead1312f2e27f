/* cache_io.c - non-blocking, link-refusing reads and atomic replacement of
 * cache files (see cache_io.h for why). */
#include "runtime/cache_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

vs_cache_read_result vs__cache_read(const char *path, size_t max, unsigned char **data, size_t *n) {
  *data = NULL;
  *n = 0;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return VS_CACHE_READ_ABSENT;
    /* ELOOP: a symbolic link (O_NOFOLLOW); ENXIO: a socket; EISDIR can't
     * happen for O_RDONLY, directories are caught by fstat below. */
    return errno == ELOOP || errno == ENXIO || errno == EACCES ? VS_CACHE_READ_REFUSED : VS_CACHE_READ_FAILED;
  }
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    close(fd);
    return VS_CACHE_READ_FAILED;
  }
  if (!S_ISREG(sb.st_mode) || sb.st_size < 0 || (unsigned long long)sb.st_size > max) {
    close(fd);
    return VS_CACHE_READ_REFUSED;
  }
  size_t size = (size_t)sb.st_size, got = 0;
  unsigned char *buf = malloc(size + 1);
  while (buf && got < size) {
    ssize_t r = read(fd, buf + got, size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break; /* shrank under us: what is there is what we check */
    got += (size_t)r;
  }
  close(fd);
  if (!buf) return VS_CACHE_READ_FAILED;
  buf[got] = '\0';
  *data = buf;
  *n = got;
  return VS_CACHE_READ_OK;
}

int vs__cache_replace(const char *dir, const char *path, const void *data, size_t n) {
  size_t len = 0;
  while (dir[len]) len++;
  char *tmp = malloc(len + sizeof "/.tmp-XXXXXX");
  if (!tmp) return 0;
  snprintf(tmp, len + sizeof "/.tmp-XXXXXX", "%s/.tmp-XXXXXX", dir);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    free(tmp);
    return 0;
  }
  const unsigned char *p = data;
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(fd, p + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    done += (size_t)w;
  }
  int ok = done == n && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (ok && rename(tmp, path) != 0) {
    /* rename cannot replace a directory with a file; an empty one (left by
     * a user or a test) is removed and the rename retried once. */
    ok = (errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST) && rmdir(path) == 0 && rename(tmp, path) == 0;
  }
  if (!ok) unlink(tmp);
  free(tmp);
  return ok;
}
