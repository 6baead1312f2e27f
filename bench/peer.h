/* peer.h - runs a peer's benchmark (TensorFlow's script in the oracle's
 * venv, or this program again for OpenBLAS) as a child process and reads
 * its "label <name>", "result <index> <seconds> [<cpu seconds>]" and
 * "unavailable <why>" lines, so a table can print varscope and its peer
 * from the same run. Header-only, for the bench programs.
 *
 * peer_start / peer_ask / peer_stop: the child is a co-process that stays
 * up, serving "run ..." requests written to its stdin one at a time (each
 * answered by one result or unavailable line) until its stdin closes, so a
 * bench can time varscope and the peer back to back, case by case, round
 * by round, in the same minutes of this VM (whose speed drifts by 15-40%
 * over tens of seconds: a ratio of two figures taken minutes apart, as
 * when the peer ran all its cases first, compares two machines).
 *
 * Children are started with posix_spawn (a fresh exec, never a bare fork:
 * a forked child of a process that has made OpenCL calls hangs), before
 * the bench's first OpenCL call. unset names environment variables the
 * child must not see (`env -u` for that command only). */
#ifndef VS_BENCH_PEER_H
#define VS_BENCH_PEER_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* This process's environment less the variables named in unset (a
 * NULL-terminated list, or NULL), for a child; free() the array (not its
 * strings). NULL when out of memory. */
static inline char **peer_env(const char *const unset[]) {
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
  return env;
}

/* A peer as a co-process (see the top of this file). why[0] != 0 once it
 * is unavailable: never started, or it failed or died; every later
 * peer_ask then returns false at once, so a bench prints its own side and
 * the reason. */
typedef struct peer_proc {
  pid_t pid;                /* 0 when no child is running */
  int to, from;             /* its stdin (written here), its stdout (read here); -1 when closed */
  char buf[1024];           /* what was read from `from` past the last whole line */
  size_t have;
  char label[128];          /* its "label ..." line */
  char why[768];            /* why it is unavailable ("" while it serves) */
  char refused[768];        /* why it refused the last request ("unavailable ..." answered to it, the peer
                               still serving the next: one case out of device memory blanks only that case) */
} peer_proc;

/* How long a peer may take to start (import TensorFlow) or to answer one
 * request (build a case's graph, warm it up, time it) before it is taken
 * for hung. */
#define PEER_TIMEOUT_MS (10 * 60 * 1000)

/* Reaps the child if it exits within a second: true, its status in *wst,
 * p->pid 0. false when it still runs (p->pid kept), or when it cannot be
 * waited for (p->pid 0: nothing left to kill). */
static inline bool peer_reap(peer_proc *p, int *wst) {
  for (int i = 0; p->pid > 0 && i < 100; i++) {
    pid_t got = waitpid(p->pid, wst, WNOHANG);
    if (got == p->pid) {
      p->pid = 0;
      return true;
    }
    if (got < 0 && errno != EINTR) {
      p->pid = 0;
      return false;
    }
    struct timespec ten_ms = {0, 10 * 1000 * 1000};
    nanosleep(&ten_ms, NULL);
  }
  return false;
}

/* Ends the child: closes its stdin (a serving peer exits on EOF), waits
 * up to a second, then SIGKILLs it; reaps it. Safe to call twice. */
static inline void peer_stop(peer_proc *p) {
  if (p->to >= 0) close(p->to);
  p->to = -1;
  if (p->from >= 0) close(p->from);
  p->from = -1;
  int wst = 0;
  if (p->pid > 0 && !peer_reap(p, &wst) && p->pid > 0) { /* never kill(0): that is our process group */
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &wst, 0);
  }
  p->pid = 0;
}

/* Marks the peer unavailable for why (unless it already has a reason) and
 * stops it; returns false for the caller to pass on. */
static inline bool peer_fail(peer_proc *p, const char *why) {
  if (!p->why[0]) snprintf(p->why, sizeof p->why, "%s", why);
  peer_stop(p);
  return false;
}

/* Reads one line (without its newline) from the peer into line; false at
 * EOF, on a read error or after PEER_TIMEOUT_MS (the peer is then marked
 * unavailable and stopped, its exit status in the reason). */
static inline bool peer_line(peer_proc *p, char *line, size_t cap) {
  if (p->from < 0) return peer_fail(p, "not running"); /* poll would wait out the timeout on fd -1 */
  for (;;) {
    char *nl = memchr(p->buf, '\n', p->have);
    if (nl) {
      size_t len = (size_t)(nl - p->buf);
      snprintf(line, cap, "%.*s", (int)len, p->buf);
      p->have -= len + 1;
      memmove(p->buf, nl + 1, p->have);
      return true;
    }
    if (p->have == sizeof p->buf) p->have = 0; /* a line longer than buf: dropped */
    struct pollfd pf = {.fd = p->from, .events = POLLIN};
    int rc = poll(&pf, 1, PEER_TIMEOUT_MS);
    if (rc < 0 && errno == EINTR) continue;
    ssize_t n = rc > 0 ? read(p->from, p->buf + p->have, sizeof p->buf - p->have) : -1;
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      p->have += (size_t)n;
      continue;
    }
    char why[128];
    if (rc == 0) snprintf(why, sizeof why, "no answer in %d s (killed)", PEER_TIMEOUT_MS / 1000);
    else snprintf(why, sizeof why, "it closed its output");
    /* Its output closed: it has most likely exited; reap it (one that
     * lives on is peer_stop's to kill) for the reason. */
    int wst = 0;
    if (rc != 0 && p->pid > 0 && peer_reap(p, &wst)) {
      if (WIFEXITED(wst)) snprintf(why, sizeof why, "it exited (status %d)", WEXITSTATUS(wst));
      else if (WIFSIGNALED(wst)) snprintf(why, sizeof why, "it was killed (signal %d)", WTERMSIG(wst));
    }
    return peer_fail(p, why);
  }
}

/* Starts argv (argv[0] a path) as a co-process, its stdin and stdout piped
 * to this process, and waits for its "label ..." line (the peer's name,
 * printed once it is ready to serve). Call before any OpenCL call. false,
 * with p->why set, when it cannot start or says "unavailable ...". */
static inline bool peer_start(peer_proc *p, char *const argv[], const char *const unset[]) {
  memset(p, 0, sizeof *p);
  p->to = p->from = -1;
  /* A peer that dies leaves a pipe whose writes raise SIGPIPE: ignored
   * here, so peer_ask sees EPIPE and says so (the child's disposition is
   * reset to the default below). */
  signal(SIGPIPE, SIG_IGN);
  char **env = peer_env(unset);
  int in[2] = {-1, -1}, out[2] = {-1, -1};
  if (!env || pipe(in) != 0 || pipe(out) != 0) {
    for (int i = 0; i < 2; i++) {
      if (in[i] >= 0) close(in[i]);
      if (out[i] >= 0) close(out[i]);
    }
    free(env);
    snprintf(p->why, sizeof p->why, "out of resources to start %.500s", argv[0]);
    return false;
  }
  /* Close-on-exec on all four ends: a second peer started later must not
   * inherit this one's stdin (its EOF would never come); dup2 onto 0 and 1
   * in the child clears the flag there. */
  for (int i = 0; i < 2; i++) {
    fcntl(in[i], F_SETFD, FD_CLOEXEC);
    fcntl(out[i], F_SETFD, FD_CLOEXEC);
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, in[1]);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  sigset_t pipe_sig;
  sigemptyset(&pipe_sig);
  sigaddset(&pipe_sig, SIGPIPE);
  posix_spawnattr_setsigdefault(&at, &pipe_sig);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF);
  int rc = posix_spawn(&p->pid, argv[0], &fa, &at, argv, env);
  posix_spawnattr_destroy(&at);
  posix_spawn_file_actions_destroy(&fa);
  free(env);
  close(in[0]);
  close(out[1]);
  p->to = in[1];
  p->from = out[0];
  if (rc != 0) {
    p->pid = 0;
    snprintf(p->why, sizeof p->why, "could not start %.500s", argv[0]);
    peer_stop(p);
    return false;
  }
  char line[512];
  while (peer_line(p, line, sizeof line)) {
    if (strncmp(line, "unavailable ", 12) == 0) {
      snprintf(p->why, sizeof p->why, "not available: %.600s", line + 12);
      return peer_fail(p, "");
    }
    if (strncmp(line, "label ", 6) == 0) {
      snprintf(p->label, sizeof p->label, "%.120s", line + 6);
      return true;
    }
  }
  return false;
}

/* Sends one request line (cmd, without its newline) and waits for its
 * answer, "result <index> <seconds> <cpu seconds>" (other lines, the
 * peer's own table, are skipped). true with *seconds and *cpu set; false
 * when the peer refused this request (p->refused says why; it serves the
 * next) or is (or now becomes) unavailable (p->why says why). */
static inline bool peer_ask(peer_proc *p, const char *cmd, int index, double *seconds, double *cpu) {
  p->refused[0] = '\0';
  if (p->why[0] || p->pid <= 0) return peer_fail(p, "not running");
  char req[256];
  snprintf(req, sizeof req, "%s\n", cmd);
  size_t len = strlen(req), off = 0;
  while (off < len) {
    ssize_t n = write(p->to, req + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      char line[8];
      while (peer_line(p, line, sizeof line)) {} /* to EOF: the exit status into why */
      return peer_fail(p, "it stopped reading its requests");
    }
    off += (size_t)n;
  }
  char line[512];
  while (peer_line(p, line, sizeof line)) {
    int i;
    double s, c = 0;
    if (strncmp(line, "unavailable ", 12) == 0) { /* this request's answer: the servers go on to the next */
      snprintf(p->refused, sizeof p->refused, "%.600s", line + 12);
      return false;
    }
    if (sscanf(line, "result %d %lf %lf", &i, &s, &c) >= 2 && i == index && s > 0) {
      *seconds = s;
      *cpu = c;
      return true;
    }
  }
  return false;
}

/* Under a table row whose peer columns are "-": the peer's refusal of
 * that row's request, when it refused rather than died (its death is
 * printed once, under the table). */
static inline void peer_print_refused(const peer_proc *p, const char *name) {
  if (!p->why[0] && p->refused[0]) printf("      (%s refused it: %s)\n", name, p->refused);
}

/* CPU seconds the peer's process has used so far (all its threads: the
 * kernel's per-process CPU clock, to the nanosecond; /proc/<pid>/stat's
 * clock ticks, 10 ms, where that clock cannot be had); -1 when neither can
 * be read. Read before and after this process times its own side: a peer
 * whose thread pools spin while idle takes cores from the side being
 * timed. */
static inline double peer_cpu_seconds(const peer_proc *p) {
  if (p->pid <= 0) return -1;
  clockid_t clk;
  struct timespec t;
  if (clock_getcpuclockid(p->pid, &clk) == 0 && clock_gettime(clk, &t) == 0)
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", (long)p->pid);
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = '\0';
  char *rp = strrchr(buf, ')'); /* the command name may hold spaces: fields count from after it */
  unsigned long long ut, stime;
  if (!rp || sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &stime) != 2) return -1;
  return (double)(ut + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* Median of v[0..n) (the upper middle one for even n, as the benches'
 * medians of reps) and its extremes into *lo, *hi; sorts v. */
static inline int peer_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static inline double peer_median(double *v, int n, double *lo, double *hi) {
  qsort(v, (size_t)n, sizeof *v, peer_cmp_double);
  *lo = v[0];
  *hi = v[n - 1];
  return v[n / 2];
}

/* Waits until the peer's threads are asleep: samples its CPU clock every
 * 2 ms until it grew by under 0.1 ms (5% of one core) in each of 5
 * intervals in a row (one quiet interval is not enough on a loaded
 * machine, where a thread spinning on sched_yield may just not have been
 * scheduled), for at most cap_ms; returns the milliseconds waited. Call
 * after each answer, before timing the next side: TF's pools fall asleep
 * at once, but OpenBLAS's threads spin for 100-300 ms after a call
 * (measured; see docs/conv-performance.md, "Session 11"), cores taken from
 * whoever is timed next. */
static inline double peer_settle(const peer_proc *p, int cap_ms) {
  struct timespec t0, t1, two_ms = {0, 2 * 1000 * 1000};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  double c = peer_cpu_seconds(p), waited = 0;
  for (int quiet = 0; c >= 0 && quiet < 5 && waited < cap_ms;) {
    nanosleep(&two_ms, NULL);
    double c1 = peer_cpu_seconds(p);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    waited = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-6;
    if (c1 < 0) break;
    quiet = c1 - c < 1e-4 ? quiet + 1 : 0;
    c = c1;
  }
  return waited;
}

/* /proc/loadavg's line into buf (to print with every figure); "?" when
 * unreadable. */
static inline const char *peer_load_average(char *buf, size_t cap) {
  snprintf(buf, cap, "?");
  FILE *f = fopen("/proc/loadavg", "r");
  if (f && fgets(buf, (int)cap, f)) buf[strcspn(buf, "\n")] = '\0';
  if (f) fclose(f);
  return buf;
}

#endif
