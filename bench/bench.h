/* bench.h - what every benchmark program here times with (header-only). */
#ifndef VS_BENCH_H
#define VS_BENCH_H

#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* Seconds on the monotonic clock. */
static inline double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* qsort comparator for doubles, for medians. */
static inline int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The TensorFlow python a benchmark compares with: $VARSCOPE_TF_PYTHON,
 * else the oracle's venv under $XDG_CACHE_HOME or ~/.cache. Writes it into
 * buf; false (with *why set) when it is not an executable. */
static inline bool bench_tf_python(char *buf, size_t cap, char *why, size_t why_cap) {
  const char *py = getenv("VARSCOPE_TF_PYTHON"), *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  if (py && *py) snprintf(buf, cap, "%s", py);
  else if (cache && *cache) snprintf(buf, cap, "%s/varscope/oracle-venv/bin/python", cache);
  else snprintf(buf, cap, "%s/.cache/varscope/oracle-venv/bin/python", home ? home : "");
  if (access(buf, X_OK) == 0) return true;
  snprintf(why, why_cap, "no TensorFlow python at %s (make oracle makes it)", buf);
  return false;
}

/* Starts argv[0] with argv, its stdout a pipe this process reads from
 * (posix_spawn: call it before any OpenCL call, nothing forks). Returns
 * the read end, or NULL; *pid receives the child's id for waitpid. */
static inline FILE *bench_spawn_reading(char *const argv[], pid_t *pid) {
  extern char **environ;
  int fd[2];
  if (pipe(fd) != 0) return NULL;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, fd[0]);
  int rc = posix_spawn(pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fd[1]);
  if (rc != 0) {
    close(fd[0]);
    return NULL;
  }
  FILE *f = fdopen(fd[0], "r");
  if (!f) close(fd[0]);
  return f;
}

#endif
