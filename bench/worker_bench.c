/* worker_bench.c - whether PoCL's CPU workers share a short call: the
 * distribution of many 1-3 ms session runs, not a median of a few.
 *
 * On a CPU device, PoCL 3.1 wakes its sleeping worker threads for each
 * kernel; when the operating system queues one worker behind the other on
 * one CPU, a short call runs on one core for twice the wall time
 * (docs/conv-performance.md, "Session 10: the parked worker"). This program
 * runs one graph (conv_bench case 7's conv + BiasAdd + Relu, or an n x n
 * MatMul) CALLS times per condition, the conditions taking turns in blocks
 * of BLOCK calls within one process, and reports per condition the share of
 * calls where both workers ran, and the medians per mode:
 *
 *   free    every thread of the process may run on every CPU
 *   pinned  worker i pinned to CPU i (what POCL_AFFINITY=1 does, and what
 *           the registry sets up when the user has not chosen)
 *
 * Per call it reads wall and process CPU time, and each thread's on-CPU time
 * and run-queue wait from /proc/self/task/<tid>/schedstat (Linux). A call is
 * "two-worker" when the less busy of the two busiest non-calling threads did
 * at least 20% of their on-CPU time. --pause-us P sleeps P us before each
 * call (outside the timing): a real program's host work between steps,
 * after which the workers have gone to sleep.
 *
 * Usage: worker_bench [--calls N] [--block B] [--pause-us P] conv|gemm [n]
 *        (defaults: 200 calls, blocks of 20, no pause, n 512) */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"
#include "varscope.h"

#define MAX_TASKS 32
#define N_CONDS 2

static const char *const COND_NAMES[N_CONDS] = {"free", "pinned"};

typedef struct task_stats {
  size_t n;
  pid_t tid[MAX_TASKS];
  int fd[MAX_TASKS]; /* its schedstat, kept open: a call reads them twice */
} task_stats;

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void tasks_open(task_stats *t) {
  t->n = 0;
  DIR *d = opendir("/proc/self/task");
  if (!d) return;
  for (struct dirent *e; (e = readdir(d)) && t->n < MAX_TASKS;) {
    if (e->d_name[0] == '.') continue;
    char path[300];
    snprintf(path, sizeof path, "/proc/self/task/%s/schedstat", e->d_name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    t->tid[t->n] = (pid_t)atoi(e->d_name);
    t->fd[t->n++] = fd;
  }
  closedir(d);
}

/* On-CPU and run-queue-wait milliseconds of each task so far. */
static void tasks_read(const task_stats *t, double *on, double *wait) {
  for (size_t i = 0; i < t->n; i++) {
    char buf[128];
    ssize_t got = pread(t->fd[i], buf, sizeof buf - 1, 0);
    buf[got > 0 ? got : 0] = '\0';
    unsigned long long a = 0, w = 0;
    if (sscanf(buf, "%llu %llu", &a, &w) != 2) a = w = 0;
    on[i] = (double)a * 1e-6;
    wait[i] = (double)w * 1e-6;
  }
}

static void pin(pid_t tid, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  if (cpu >= 0) CPU_SET(cpu, &set);
  else
    for (long c = 0; c < online && c < CPU_SETSIZE; c++) CPU_SET((int)c, &set);
  if (sched_setaffinity(tid, sizeof set, &set) != 0) fprintf(stderr, "sched_setaffinity(%d): failed\n", (int)tid);
}

static double median(double *v, size_t n) {
  if (!n) return 0;
  qsort(v, n, sizeof *v, cmp_double);
  return v[n / 2];
}

/* The graph's fetch: conv_bench case 7, or an n x n MatMul. */
static vs_output build(vs_graph *g, bool conv, long n, vs_status *st) {
  vs_device_push(g, "/device:CL:0", st);
  vs_output y;
  if (conv) {
    vs_var *x = vs_get_variable(g, "x", &(vs_var_opts){.shape = VS_SHAPE(8, 64, 64, 64),
                                                        .initializer = vs_random_uniform_initializer(-1, 1, 1)}, st);
    vs_var *f = vs_get_variable(g, "f", &(vs_var_opts){.shape = VS_SHAPE(1, 1, 64, 128),
                                                        .initializer = vs_glorot_uniform_initializer(2)}, st);
    vs_var *b = vs_get_variable(g, "b", &(vs_var_opts){.shape = VS_SHAPE(128), .initializer = vs_zeros_initializer()}, st);
    y = vs_conv2d(g, vs_var_value(x), vs_var_value(f), &(vs_conv2d_opts){.padding = "SAME", .strides = {1, 2, 2, 1}}, st);
    y = vs_relu(g, vs_bias_add(g, y, vs_var_value(b), NULL, st), NULL, st);
  } else {
    vs_var *a = vs_get_variable(g, "a", &(vs_var_opts){.shape = VS_SHAPE(n, n),
                                                        .initializer = vs_random_uniform_initializer(-1, 1, 1)}, st);
    vs_var *b = vs_get_variable(g, "b", &(vs_var_opts){.shape = VS_SHAPE(n, n),
                                                        .initializer = vs_random_uniform_initializer(-1, 1, 2)}, st);
    y = vs_matmul(g, vs_var_value(a), vs_var_value(b), NULL, st);
  }
  vs_device_pop(g, st);
  return y;
}

int main(int argc, char **argv) {
  long calls = 200, block = 20, pause_us = 0, n = 512;
  int a = 1;
  for (; a < argc && strncmp(argv[a], "--", 2) == 0; a++) {
    if (a + 1 >= argc) break;
    if (strcmp(argv[a], "--calls") == 0) calls = atol(argv[++a]);
    else if (strcmp(argv[a], "--block") == 0) block = atol(argv[++a]);
    else if (strcmp(argv[a], "--pause-us") == 0) pause_us = atol(argv[++a]);
    else break;
  }
  if (a >= argc || (strcmp(argv[a], "conv") != 0 && strcmp(argv[a], "gemm") != 0) || calls < 1 || block < 1 ||
      pause_us < 0) {
    fprintf(stderr, "usage: worker_bench [--calls N] [--block B] [--pause-us P] conv|gemm [n]\n");
    return 2;
  }
  bool conv = strcmp(argv[a], "conv") == 0;
  if (a + 1 < argc) n = atol(argv[a + 1]);
  if (n < 1) n = 512;

  vs_status *st = vs_status_new();
  vs_graph *g = vs_graph_new();
  vs_output y = build(g, conv, n, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  vs_session *s = vs_status_code(st) ? NULL : vs_session_new(g, NULL, st);
  if (s) vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  for (int i = 0; i < 5 && s && !vs_status_code(st); i++) /* builds, the algorithm's choice */
    vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &y.op, 1, st);
  if (vs_status_code(st)) {
    fprintf(stderr, "worker_bench: %s\n", vs_status_message(st));
    vs_session_free(s);
    vs_graph_free(g);
    vs_status_free(st);
    return 1;
  }

  /* The workers: the two busiest threads other than this one so far. */
  task_stats t;
  tasks_open(&t);
  pid_t me = (pid_t)syscall(SYS_gettid);
  double on0[MAX_TASKS], w0[MAX_TASKS], on1[MAX_TASKS], w1[MAX_TASKS];
  tasks_read(&t, on0, w0);
  size_t wk[2] = {SIZE_MAX, SIZE_MAX}, main_i = 0;
  for (size_t i = 0; i < t.n; i++) {
    if (t.tid[i] == me) {
      main_i = i;
      continue;
    }
    if (wk[0] == SIZE_MAX || on0[i] > on0[wk[0]]) wk[1] = wk[0], wk[0] = i;
    else if (wk[1] == SIZE_MAX || on0[i] > on0[wk[1]]) wk[1] = i;
  }
  if (wk[1] == SIZE_MAX) {
    fprintf(stderr, "worker_bench: fewer than two worker threads (a one-CPU device?)\n");
    for (size_t i = 0; i < t.n; i++) close(t.fd[i]);
    vs_session_free(s);
    vs_graph_free(g);
    vs_status_free(st);
    return 1;
  }
  if (t.tid[wk[0]] > t.tid[wk[1]]) { /* PoCL starts worker 0 first */
    size_t x = wk[0];
    wk[0] = wk[1], wk[1] = x;
  }

  size_t total = (size_t)calls * N_CONDS;
  double *wall = calloc(total, sizeof *wall), *cpu = calloc(total, sizeof *cpu),
         *share = calloc(total, sizeof *share), *rq = calloc(total, sizeof *rq), *host = calloc(total, sizeof *host);
  /* one condition's calls split by mode, for the medians */
  double *two_w = calloc((size_t)calls, sizeof *two_w), *two_c = calloc((size_t)calls, sizeof *two_c),
         *one_w = calloc((size_t)calls, sizeof *one_w), *one_c = calloc((size_t)calls, sizeof *one_c);
  size_t done[N_CONDS] = {0};
  for (size_t round = 0; wall && cpu && share && rq && host; round++) {
    bool any = false;
    for (size_t k0 = 0; k0 < N_CONDS; k0++) {
      size_t k = (k0 + round) % N_CONDS; /* a rotating first condition */
      if (done[k] >= (size_t)calls) continue;
      any = true;
      for (size_t i = 0; i < t.n; i++) pin(t.tid[i], -1);
      if (k == 1) pin(t.tid[wk[0]], 0), pin(t.tid[wk[1]], 1);
      vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &y.op, 1, st); /* settles the new placement */
      for (long j = 0; j < block && done[k] < (size_t)calls && !vs_status_code(st); j++) {
        if (pause_us) usleep((useconds_t)pause_us);
        tasks_read(&t, on0, w0);
        double t0 = now(), c0 = cpu_now();
        vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &y.op, 1, st);
        double dt = now() - t0, dc = cpu_now() - c0;
        tasks_read(&t, on1, w1);
        double x = on1[wk[0]] - on0[wk[0]], z = on1[wk[1]] - on0[wk[1]], q = 0;
        for (size_t i = 0; i < t.n; i++) q += w1[i] - w0[i];
        size_t at = k * (size_t)calls + done[k]++;
        wall[at] = dt * 1e3, cpu[at] = dc * 1e3, rq[at] = q;
        share[at] = x + z > 0 ? (x < z ? x : z) / (x + z) : 0;
        host[at] = on1[main_i] - on0[main_i];
      }
    }
    if (!any || vs_status_code(st)) break;
  }
  for (size_t i = 0; i < t.n; i++) pin(t.tid[i], -1), close(t.fd[i]);
  int rc = 0;
  if (vs_status_code(st) || !wall || !cpu || !share || !rq || !host || !two_w || !two_c || !one_w || !one_c) {
    fprintf(stderr, "worker_bench: %s\n", vs_status_code(st) ? vs_status_message(st) : "out of memory");
    rc = 1;
  } else {
    double lo = 0, l1 = 0, l15 = 0;
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
      if (fscanf(la, "%lf %lf %lf", &lo, &l1, &l15) != 3) lo = l1 = l15 = 0;
      fclose(la);
    }
    if (conv) printf("conv 1x1/2 64->128 on 8x64x64x64");
    else printf("matmul %ld x %ld", n, n);
    printf(": %ld calls per condition in blocks of %ld, pause %ld us; load %.2f %.2f %.2f at the end\n", calls, block,
           pause_us, lo, l1, l15);
    printf("%-7s %9s %9s %9s | %-20s | %-20s | %8s %8s\n", "cond", "two-wkr", "wall ms", "cpu ms",
           "two-worker wall/cpu", "one-worker wall/cpu", "rq ms", "host ms");
    for (size_t k = 0; k < N_CONDS; k++) {
      double *w = wall + k * (size_t)calls, *c = cpu + k * (size_t)calls;
      double *tw = two_w, *tc = two_c, *ow = one_w, *oc = one_c;
      size_t nt = 0, no = 0;
      for (size_t i = 0; i < (size_t)calls; i++) {
        if (share[k * (size_t)calls + i] >= 0.2) tw[nt] = w[i], tc[nt++] = c[i];
        else ow[no] = w[i], oc[no++] = c[i];
      }
      printf("%-7s %8.1f%% %9.3f %9.3f | %9.3f %9.3f | %9.3f %9.3f | %8.3f %8.3f\n", COND_NAMES[k],
             100.0 * (double)nt / (double)calls, median(w, (size_t)calls), median(c, (size_t)calls), median(tw, nt),
             median(tc, nt), median(ow, no), median(oc, no), median(rq + k * (size_t)calls, (size_t)calls),
             median(host + k * (size_t)calls, (size_t)calls));
    }
  }
  free(wall), free(cpu), free(share), free(rq), free(host);
  free(two_w), free(two_c), free(one_w), free(one_c);
  vs_session_free(s);
  vs_graph_free(g);
  vs_status_free(st);
  return rc;
}
