/* tf_bundle_save.c - saving a TF V2 checkpoint as files: the data shard
 * and the index written to temporary files, both synced, then renamed into
 * place, the index last (a reader finds a bundle by its index, so a crash
 * before that rename leaves the previous checkpoint readable); and the
 * `checkpoint` state file tf.train.latest_checkpoint reads. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checkpoint/ckpt_internal.h"
#include "checkpoint/protobuf.h"

/* ---- the `checkpoint` state file ---- */

/* A text-format string: Python's text_format CEscape without as_utf8
 * (\n \r \t \" \' \\ by name, other bytes outside 32..126 as octal). */
static void escaped(vs__pb_buf *b, const char *s) {
  vs__pb_raw(b, "\"", 1);
  for (const uint8_t *p = (const uint8_t *)s; *p; p++) {
    char tmp[5];
    switch (*p) {
    case '\n': vs__pb_raw(b, "\\n", 2); break;
    case '\r': vs__pb_raw(b, "\\r", 2); break;
    case '\t': vs__pb_raw(b, "\\t", 2); break;
    case '"': vs__pb_raw(b, "\\\"", 2); break;
    case '\'': vs__pb_raw(b, "\\'", 2); break;
    case '\\': vs__pb_raw(b, "\\\\", 2); break;
    default:
      if (*p < 32 || *p >= 127) {
        snprintf(tmp, sizeof tmp, "\\%03o", *p);
        vs__pb_raw(b, tmp, 4);
      } else {
        vs__pb_raw(b, p, 1);
      }
    }
  }
  vs__pb_raw(b, "\"\n", 2);
}

char *vs__ckpt_state_text(const char *latest, const char *const *all, size_t n_all) {
  vs__pb_buf b = {0};
  vs__pb_raw(&b, "model_checkpoint_path: ", 23);
  escaped(&b, latest);
  for (size_t i = 0; i < n_all; i++) {
    vs__pb_raw(&b, "all_model_checkpoint_paths: ", 28);
    escaped(&b, all[i]);
  }
  vs__pb_raw(&b, "", 1);
  if (b.oom) {
    vs__pb_free(&b);
    return NULL;
  }
  return (char *)b.p;
}

/* The directory part of a path ("." when it has none). */
static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? vs__strndup(path, slash == path ? 1 : (size_t)(slash - path)) : vs__strdup(".");
}

bool vs__tf_bundle_save(const char *prefix, const vs__bundle_item *items, size_t n, vs_status *st) {
  char *dir = dir_of(prefix);
  char *data_path = vs__asprintf("%s.data-00000-of-00001", prefix);
  char *index_path = vs__asprintf("%s.index", prefix);
  bool ok = dir && data_path && index_path;
  if (!ok) vs__oom(st);
  struct stat sb;
  if (ok && (stat(dir, &sb) == 0 ? !S_ISDIR(sb.st_mode) : errno == ENOENT || errno == ENOTDIR)) {
    /* Saver.save's text when gfile.IsDirectory(dirname(path)) is false */
    vs__fail(st, VS_INVALID_ARGUMENT, VS_EXC_VALUE_ERROR, "Parent directory of %s doesn't exist, can't save.",
             prefix);
    ok = false;
  }
  vs__atomic_file df, xf;
  if (ok && (ok = vs__atomic_open(&df, data_path, st)) && !(ok = vs__atomic_open(&xf, index_path, st)))
    vs__atomic_abort(&df);
  if (ok) {
    if (!vs__tf_bundle_write(df.f, df.tmp, xf.f, xf.tmp, items, n, st)) {
      vs__atomic_abort(&df);
      vs__atomic_abort(&xf);
      ok = false;
    } else if (!vs__atomic_sync(&df, st)) {
      vs__atomic_abort(&xf);
      ok = false;
    } else if (!vs__atomic_sync(&xf, st)) {
      vs__atomic_abort(&df);
      ok = false;
    } else if (!vs__atomic_rename(&df, st)) {
      vs__atomic_abort(&xf);
      ok = false;
    } else {
      ok = vs__atomic_rename(&xf, st);
    }
  }
  free(dir);
  free(data_path);
  free(index_path);
  return ok;
}

bool vs__ckpt_state_save(const char *prefix, const char *const *all, size_t n_all, vs_status *st) {
  char *dir = dir_of(prefix);
  char *state = dir ? vs__asprintf("%s/checkpoint", dir) : NULL;
  char *text = n_all ? vs__ckpt_state_text(all[n_all - 1], all, n_all) : NULL;
  bool ok = state && text;
  if (!ok) vs__oom(st);
  vs__atomic_file af;
  if (ok && (ok = vs__atomic_open(&af, state, st))) {
    errno = 0;
    if (fputs(text, af.f) == EOF) {
      vs__io_fail(st, errno ? errno : EIO, "Cannot write", af.tmp);
      vs__atomic_abort(&af);
      ok = false;
    } else {
      ok = vs__atomic_commit(&af, st);
    }
  }
  free(text);
  free(state);
  free(dir);
  return ok;
}
