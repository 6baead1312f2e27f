/* file_io.c - whole-file reads and crash-safe file replacement
 * (temporary file in the same directory, fflush + fsync, rename, directory
 * fsync), with OS errors reported through vs_status. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint/ckpt_internal.h"

void vs__io_fail(vs_status *st, int err, const char *what, const char *path) {
  vs_code code;
  switch (err) {
  case ENOENT: code = VS_NOT_FOUND; break;
  case EACCES:
  case EPERM:
  case EROFS: code = VS_PERMISSION_DENIED; break;
  case ENOSPC:
  case EDQUOT:
  case ENOMEM:
  case EMFILE:
  case ENFILE: code = VS_RESOURCE_EXHAUSTED; break;
  case EEXIST: code = VS_ALREADY_EXISTS; break;
  case ENOTDIR:
  case EISDIR: code = VS_FAILED_PRECONDITION; break;
  case ENAMETOOLONG:
  case EINVAL: code = VS_INVALID_ARGUMENT; break;
  default: code = VS_UNKNOWN; break;
  }
  char msg[256];
  if (strerror_r(err, msg, sizeof msg) != 0) snprintf(msg, sizeof msg, "error %d", err);
  vs__fail(st, code, VS_EXC_OP_ERROR, "%s %s: %s", what, path, msg);
}

bool vs__read_file(const char *path, uint8_t **out, size_t *out_len, vs_status *st) {
  *out = NULL;
  *out_len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    vs__io_fail(st, errno, "Cannot open", path);
    return false;
  }
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    vs__io_fail(st, errno, "Cannot stat", path);
    close(fd);
    return false;
  }
  if (!S_ISREG(sb.st_mode)) {
    vs__fail(st, VS_FAILED_PRECONDITION, VS_EXC_OP_ERROR, "%s is not a regular file", path);
    close(fd);
    return false;
  }
  if ((uint64_t)sb.st_size >= SIZE_MAX) {
    vs__fail(st, VS_RESOURCE_EXHAUSTED, VS_EXC_OP_ERROR, "%s is too large to read", path);
    close(fd);
    return false;
  }
  size_t len = (size_t)sb.st_size;
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf) {
    vs__oom(st);
    close(fd);
    return false;
  }
  size_t got = 0;
  while (got < len) {
    ssize_t r = read(fd, buf + got, len - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      vs__io_fail(st, errno, "Cannot read", path);
      goto fail;
    }
    if (r == 0) break;
    got += (size_t)r;
  }
  uint8_t extra;
  ssize_t more;
  do more = read(fd, &extra, 1);
  while (more < 0 && errno == EINTR);
  if (got != len || more != 0) {
    vs__fail(st, VS_DATA_LOSS, VS_EXC_OP_ERROR, "%s changed size while it was read (%llu bytes expected)",
             path, (unsigned long long)len);
    goto fail;
  }
  close(fd);
  *out = buf;
  *out_len = len;
  return true;
fail:
  free(buf);
  close(fd);
  return false;
}

bool vs__atomic_open(vs__atomic_file *af, const char *path, vs_status *st) {
  *af = (vs__atomic_file){0};
  af->path = vs__strdup(path);
  af->tmp = vs__asprintf("%s.tmp-XXXXXX", path);
  if (!af->path || !af->tmp) {
    vs__oom(st);
    goto fail;
  }
  int fd = mkstemp(af->tmp);
  if (fd < 0) {
    vs__io_fail(st, errno, "Cannot create a temporary file for", path);
    goto fail;
  }
  /* mkstemp makes 0600; a checkpoint is as readable as any file written. */
  if (fchmod(fd, 0644) != 0 || !(af->f = fdopen(fd, "wb"))) {
    vs__io_fail(st, errno, "Cannot open", af->tmp);
    close(fd);
    unlink(af->tmp);
    goto fail;
  }
  return true;
fail:
  free(af->path);
  free(af->tmp);
  *af = (vs__atomic_file){0};
  return false;
}

static void sync_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir = slash ? vs__strndup(path, slash == path ? 1 : (size_t)(slash - path)) : vs__strdup(".");
  if (!dir) return;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd); /* best effort: some file systems refuse fsync on directories */
    close(fd);
  }
  free(dir);
}

bool vs__atomic_commit(vs__atomic_file *af, vs_status *st) {
  bool ok = true;
  errno = 0;
  if (fflush(af->f) != 0 || ferror(af->f)) {
    vs__io_fail(st, errno ? errno : EIO, "Cannot write", af->tmp);
    ok = false;
  } else if (fsync(fileno(af->f)) != 0) {
    vs__io_fail(st, errno, "Cannot sync", af->tmp);
    ok = false;
  }
  if (fclose(af->f) != 0 && ok) {
    vs__io_fail(st, errno, "Cannot close", af->tmp);
    ok = false;
  }
  af->f = NULL;
  if (ok && rename(af->tmp, af->path) != 0) {
    vs__io_fail(st, errno, "Cannot rename into", af->path);
    ok = false;
  }
  if (ok) sync_dir(af->path);
  else unlink(af->tmp);
  free(af->path);
  free(af->tmp);
  *af = (vs__atomic_file){0};
  return ok;
}

void vs__atomic_abort(vs__atomic_file *af) {
  if (af->f) fclose(af->f);
  if (af->tmp) unlink(af->tmp);
  free(af->path);
  free(af->tmp);
  *af = (vs__atomic_file){0};
}
