/* peer.h - runs a peer's benchmark (TensorFlow's script in the oracle's
 * venv, or this program again for OpenBLAS) as a child process and reads
 * its "label <name>", "result <index> <seconds> [<cpu seconds>]" and "unavailable <why>" lines, so a table can print varscope and
 * its peer from the same run. Header-only, for the bench programs.
 *
 * The child is started with posix_spawn (a fresh exec, never a bare fork:
 * a forked child of a process that has made OpenCL calls hangs), and the
 * benchmarks run it before their first OpenCL call, so the two never share
 * the cores. unset names environment variables the child must not see
 * (`env -u` for that command only). */
#ifndef VS_BENCH_PEER_H
#define VS_BENCH_PEER_H

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define PEER_MAX 32

typedef struct peer_result {
  double seconds[PEER_MAX]; /* by case index; 0 when the peer gave none */
  double cpu[PEER_MAX];     /* CPU seconds (all the peer's threads), when it gave them ("result i s cpu") */
  char label[128];          /* the peer's "label ..." line: its name and version */
  char why[768];            /* why there are no results, when there are none (an "unavailable ..." line's text) */
} peer_result;

/* The oracle venv's python ($VARSCOPE_TF_PYTHON, else the XDG or HOME
 * cache's oracle-venv) into buf; false when it is not there. */
static inline int peer_python(char *buf, size_t cap) {
  const char *py = getenv("VARSCOPE_TF_PYTHON"), *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  if (py && *py) snprintf(buf, cap, "%s", py);
  else if (cache && *cache) snprintf(buf, cap, "%s/varscope/oracle-venv/bin/python", cache);
  else snprintf(buf, cap, "%s/.cache/varscope/oracle-venv/bin/python", home ? home : "");
  return access(buf, X_OK) == 0;
}

/* Runs argv (argv[0] a path) with its stdout read here; fills r. */
static inline void peer_run(char *const argv[], const char *const unset[], peer_result *r) {
  memset(r, 0, sizeof *r);
  size_t n = 0;
  while (environ[n]) n++;
  char **env = calloc(n + 1, sizeof *env);
  size_t m = 0;
  for (size_t i = 0; env && i < n; i++) {
    int drop = 0;
    for (const char *const *u = unset; u && *u && !drop; u++) {
      size_t len = strlen(*u);
      drop = strncmp(environ[i], *u, len) == 0 && environ[i][len] == '=';
    }
    if (!drop) env[m++] = environ[i];
  }
  int fd[2];
  if (!env || pipe(fd) != 0) {
    snprintf(r->why, sizeof r->why, "out of resources to start %.500s", argv[0]);
    free(env);
    return;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, fd[0]);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, env);
  posix_spawn_file_actions_destroy(&fa);
  free(env);
  close(fd[1]);
  if (rc != 0) {
    close(fd[0]);
    snprintf(r->why, sizeof r->why, "could not start %.500s", argv[0]);
    return;
  }
  FILE *f = fdopen(fd[0], "r");
  char line[256];
  int got = 0;
  while (f && fgets(line, sizeof line, f)) {
    int i;
    double s, c = 0;
    if (strncmp(line, "unavailable ", 12) == 0) {
      snprintf(r->why, sizeof r->why, "not available: %.*s", (int)strcspn(line + 12, "\n"), line + 12);
    } else if (strncmp(line, "label ", 6) == 0) {
      snprintf(r->label, sizeof r->label, "%.*s", (int)strcspn(line + 6, "\n"), line + 6);
    } else if (sscanf(line, "result %d %lf %lf", &i, &s, &c) >= 2 && i >= 0 && i < PEER_MAX && s > 0) {
      r->seconds[i] = s;
      r->cpu[i] = c;
      got++;
    }
  }
  if (f) fclose(f);
  int wst = 0;
  waitpid(pid, &wst, 0);
  if ((!WIFEXITED(wst) || WEXITSTATUS(wst) != 0 || !got) && !r->why[0])
    snprintf(r->why, sizeof r->why, "%.300s %.300s failed (exit status %d)", argv[0], argv[1] ? argv[1] : "",
             WIFEXITED(wst) ? WEXITSTATUS(wst) : -1);
}

#endif
