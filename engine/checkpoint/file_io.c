/* file_io.c - whole-file reads and crash-safe file replacement
 * (temporary file in the same directory, fflush + fsync, rename, directory
 * fsync), with OS errors reported through vs_status. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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
  case EISDIR:
  case ELOOP: code = VS_FAILED_PRECONDITION; break;
  case EFBIG: /* RLIMIT_FSIZE or the file system's size limit */
  case EOVERFLOW: code = VS_OUT_OF_RANGE; break;
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
  /* O_NONBLOCK: a FIFO (or a device) at the path must not block the open;
   * it is refused below as not a regular file. Regular files ignore it. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
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

/* A temporary file's writer: "<target>.tmp-<pid>-XXXXXX" names the pid
 * that wrote it; 0 for any other name (an older varscope's ".tmp-XXXXXX"). */
static long tmp_writer(const char *suffix) {
  char *end;
  errno = 0;
  long pid = strtol(suffix, &end, 10);
  return errno == 0 && end != suffix && *end == '-' && strlen(end + 1) == 6 && pid > 0 ? pid : 0;
}

/* Removes temporary files a killed save left beside `path`: those whose
 * writer process is gone, and any older than VS__TMP_STALE_SECONDS (a pid
 * may have been reused; no save takes that long). Best effort: a file that
 * cannot be removed stays, and the save goes on. */
static void remove_orphans(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  char *dir = slash ? vs__strndup(path, slash == path ? 1 : (size_t)(slash - path)) : vs__strdup(".");
  char *prefix = vs__asprintf("%s.tmp-", base);
  DIR *d = dir && prefix ? opendir(dir) : NULL;
  size_t plen = prefix ? strlen(prefix) : 0;
  struct dirent *de;
  time_t now = time(NULL);
  while (d && (de = readdir(d))) {
    if (strncmp(de->d_name, prefix, plen) != 0) continue;
    long pid = tmp_writer(de->d_name + plen);
    struct stat sb;
    if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode)) continue;
    bool gone = pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
    bool old = now - sb.st_mtime > VS__TMP_STALE_SECONDS;
    if (gone || old) unlinkat(dirfd(d), de->d_name, 0);
  }
  if (d) closedir(d);
  free(prefix);
  free(dir);
}

bool vs__atomic_open(vs__atomic_file *af, const char *path, vs_status *st) {
  *af = (vs__atomic_file){0};
  af->path = vs__strdup(path);
  if (!af->path) {
    vs__oom(st);
    return false;
  }
  remove_orphans(path);
  /* The new file's mode: an existing file keeps its own permission bits (a
   * re-save must not undo a chmod; set-id and sticky bits are not copied);
   * a new one gets 0666 less the umask, as any file created by open() does. */
  struct stat old;
  bool keep_mode = stat(path, &old) == 0 && S_ISREG(old.st_mode);
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  uint64_t seed = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)af ^ (uint64_t)getpid() << 32;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
    char suffix[7];
    for (int i = 0; i < 6; i++) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      suffix[i] = alphabet[(seed >> 33) % (sizeof alphabet - 1)];
    }
    suffix[6] = '\0';
    free(af->tmp);
    af->tmp = vs__asprintf("%s.tmp-%ld-%s", path, (long)getpid(), suffix);
    if (!af->tmp) {
      vs__oom(st);
      goto fail;
    }
    fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    vs__io_fail(st, errno, "Cannot create a temporary file for", path);
    goto fail;
  }
  if ((keep_mode && fchmod(fd, old.st_mode & 0777) != 0) || !(af->f = fdopen(fd, "wb"))) {
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

bool vs__atomic_sync(vs__atomic_file *af, vs_status *st) {
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
  if (!ok) vs__atomic_abort(af);
  return ok;
}

bool vs__atomic_rename(vs__atomic_file *af, vs_status *st) {
  bool ok = rename(af->tmp, af->path) == 0;
  if (ok) sync_dir(af->path);
  else vs__io_fail(st, errno, "Cannot rename into", af->path);
  if (!ok) unlink(af->tmp);
  free(af->path);
  free(af->tmp);
  *af = (vs__atomic_file){0};
  return ok;
}

bool vs__atomic_commit(vs__atomic_file *af, vs_status *st) {
  return vs__atomic_sync(af, st) && vs__atomic_rename(af, st);
}

void vs__atomic_abort(vs__atomic_file *af) {
  if (af->f) fclose(af->f);
  if (af->tmp) unlink(af->tmp);
  free(af->path);
  free(af->tmp);
  *af = (vs__atomic_file){0};
}
