/* exec_bench - what a session run costs as the graph grows, beside
 * TensorFlow's Python session on the same machine in the same run.
 *
 *   exec_bench [--no-tf] [SIZES...]      (default sizes: 10 1000 10000 30000)
 *
 * For each size N: a graph of N variables of 256 floats built with
 * get_variable, 100 per variable_scope; the initializer run; one variable in
 * the middle fetched (the first fetch, then the median of 21); at the largest
 * N also the build time per variable, a second run of the initializer and
 * the memory each variable costs beyond its 1 KiB of data, in the graph,
 * in a session (resident-set growth divided by N) and the two together
 * (issue 10: at most 4096 B). Then a tiny run:
 * assign_add on a scalar, fetched, in TINY_BLOCKS blocks of 2000 runs,
 * each paired with a block of TensorFlow's tiny runs just before it (its
 * process waits, idle, for a "go"), so each ratio compares the two under
 * the same load; the table gives the medians and the range of the ratios.
 *
 * TensorFlow's figures come from bench/exec_tf.py, run to completion before
 * this process makes any OpenCL call (so the two never share the cores, and
 * nothing forks after OpenCL is up) with $VARSCOPE_TF_PYTHON, else the
 * oracle's venv (~/.cache/varscope/oracle-venv). TensorFlow builds 10 000
 * variables in about 20 s, so its sizes stop at 10 000 unless asked. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "varscope.h"

extern char **environ;

enum { PER_SCOPE = 100, VAR_FLOATS = 256, MAX_SIZES = 8, TF_OUT = 1 << 16 };

/* Current resident set in bytes (/proc/self/statm's second field). */
static double rss_bytes(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
  }
  return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

/* ---- TensorFlow's figures ------------------------------------------------ */

typedef struct tf_figures {
  char version[32];
  double fetch_ms[MAX_SIZES], build_us, first_fetch_ms, reinit_s, tiny_us;
  long fetch_n[MAX_SIZES], at_n;
  /* The paired tiny blocks: exec_tf.py --paired waits for "go" lines. */
  FILE *to, *from;
  pid_t pid;
  int nfetch;
  char why[640]; /* why there are none, when there are none (names a path) */
} tf_figures;

static void tf_run(const long *sizes, int nsizes, tf_figures *tf) {
  memset(tf, 0, sizeof *tf);
  char venv_py[512];
  const char *py = getenv("VARSCOPE_TF_PYTHON");
  if (!py || !*py) {
    const char *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (cache && *cache)
      snprintf(venv_py, sizeof venv_py, "%s/varscope/oracle-venv/bin/python", cache);
    else
      snprintf(venv_py, sizeof venv_py, "%s/.cache/varscope/oracle-venv/bin/python", home ? home : "");
    py = venv_py;
  }
  if (access(py, X_OK) != 0) {
    snprintf(tf->why, sizeof tf->why, "no TensorFlow python at %s (make oracle makes it)", py);
    return;
  }
  char *argv[MAX_SIZES + 4], nums[MAX_SIZES][24];
  int argc = 0;
  argv[argc++] = (char *)py;
  argv[argc++] = VS_SOURCE_DIR "/bench/exec_tf.py";
  argv[argc++] = "--paired";
  for (int i = 0; i < nsizes && sizes[i] <= 10000; i++) {
    snprintf(nums[i], sizeof nums[i], "%ld", sizes[i]);
    argv[argc++] = nums[i];
  }
  argv[argc] = NULL;
  int fd[2], in[2];
  if (pipe(fd) != 0) {
    snprintf(tf->why, sizeof tf->why, "pipe failed");
    return;
  }
  if (pipe(in) != 0) {
    close(fd[0]);
    close(fd[1]);
    snprintf(tf->why, sizeof tf->why, "pipe failed");
    return;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
  posix_spawn_file_actions_addclose(&fa, fd[0]);
  posix_spawn_file_actions_addclose(&fa, in[1]);
  pid_t pid;
  fprintf(stderr, "exec_bench: TensorFlow first (%s bench/exec_tf.py; about 30 s)...\n", py);
  int rc = posix_spawn(&pid, py, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fd[1]);
  close(in[0]);
  if (rc != 0) {
    close(fd[0]);
    close(in[1]);
    snprintf(tf->why, sizeof tf->why, "could not start %s", py);
    return;
  }
  FILE *f = fdopen(fd[0], "r");
  int ready = 0;
  char line[256];
  while (f && fgets(line, sizeof line, f)) {
    long n;
    double x;
    if (sscanf(line, "tf_version %31s", tf->version) == 1) continue;
    if (sscanf(line, "fetch_ms %ld %lf", &n, &x) == 2 && tf->nfetch < MAX_SIZES) {
      tf->fetch_n[tf->nfetch] = n;
      tf->fetch_ms[tf->nfetch++] = x;
    } else if (sscanf(line, "build_us_per_var %ld %lf", &n, &x) == 2) {
      tf->at_n = n;
      tf->build_us = x;
    } else if (sscanf(line, "first_fetch_ms %ld %lf", &n, &x) == 2) {
      tf->first_fetch_ms = x;
    } else if (sscanf(line, "reinit_s %ld %lf", &n, &x) == 2) {
      tf->reinit_s = x;
    } else if (sscanf(line, "tiny_run_us %lf", &x) == 1) {
      tf->tiny_us = x;
    } else if (strncmp(line, "tiny_ready", 10) == 0) {
      ready = 1;
      break;
    }
  }
  /* Ready: TensorFlow waits for "go" lines (tf_block), idle meanwhile. */
  if (ready && f && (tf->to = fdopen(in[1], "w"))) {
    tf->from = f;
    tf->pid = pid;
    return;
  }
  close(in[1]);
  if (f) fclose(f);
  int wst = 0;
  waitpid(pid, &wst, 0);
  snprintf(tf->why, sizeof tf->why, "bench/exec_tf.py failed (exit status %d)", WEXITSTATUS(wst));
}

/* One block of TensorFlow's tiny runs (us per run), 0 when it failed. */
static double tf_block(tf_figures *tf) {
  char line[128];
  double x = 0;
  if (!tf->to || fputs("go\n", tf->to) == EOF || fflush(tf->to) == EOF) return 0;
  if (!fgets(line, sizeof line, tf->from) || sscanf(line, "tiny_block_us %lf", &x) != 1) return 0;
  return x;
}

/* Ends exec_tf.py; false (with tf->why set) when it did not exit cleanly. */
static int tf_end(tf_figures *tf) {
  if (!tf->to) return tf->why[0] == '\0';
  fputs("quit\n", tf->to);
  fclose(tf->to);
  fclose(tf->from);
  tf->to = tf->from = NULL;
  int wst = 0;
  waitpid(tf->pid, &wst, 0);
  if (!WIFEXITED(wst) || WEXITSTATUS(wst) != 0) {
    snprintf(tf->why, sizeof tf->why, "bench/exec_tf.py failed (exit status %d)", WEXITSTATUS(wst));
    return 0;
  }
  return 1;
}

static double tf_fetch(const tf_figures *tf, long n) {
  for (int i = 0; i < tf->nfetch; i++)
    if (tf->fetch_n[i] == n) return tf->fetch_ms[i];
  return 0;
}

/* ---- ours ------------------------------------------------------------------ */

/* CPU seconds of the calling thread or of the whole process (PoCL's worker
 * threads included): figures that a loaded machine inflates far less than
 * wall time, printed beside it. */
static double cpu_now(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct our_figures {
  double fetch_ms[MAX_SIZES], first_fetch_ms, build_us, build_cpu_us, reinit_s, tiny_us, tiny_cpu_us;
  /* Paired tiny blocks: medians, and the range of TF/varscope per pair. */
  double tf_tiny_us, ratio_min, ratio_median, ratio_max;
  int pairs;
  double graph_bytes_per_var, session_bytes_per_var;
  long at_n;
} our_figures;

static int fail(vs_status *st, const char *what) {
  fprintf(stderr, "exec_bench: %s: %s\n", what, vs_status_message(st));
  return 1;
}

static int ours_size(long n, int idx, int largest, our_figures *o, vs_status *st) {
  double rss0 = rss_bytes();
  vs_graph *g = vs_graph_new();
  vs_var *mid = NULL;
  char name[32];
  double t0 = now(), c0 = cpu_now(CLOCK_THREAD_CPUTIME_ID);
  for (long s = 0; s * PER_SCOPE < n && !vs_status_code(st); s++) {
    snprintf(name, sizeof name, "s%ld", s);
    vs_scope *sc = vs_variable_scope_push(g, name, NULL, st);
    for (long i = 0; i < PER_SCOPE && s * PER_SCOPE + i < n && !vs_status_code(st); i++) {
      snprintf(name, sizeof name, "v%ld", i);
      vs_var *v = vs_get_variable(g, name, &(vs_var_opts){.shape = VS_SHAPE(VAR_FLOATS)}, st);
      if (s * PER_SCOPE + i == n / 2) mid = v;
    }
    vs_variable_scope_pop(g, sc, st);
  }
  double build = now() - t0, build_cpu = cpu_now(CLOCK_THREAD_CPUTIME_ID) - c0;
  double rss_graph = rss_bytes();
  vs_op *init = vs_global_variables_initializer(g, st);
  if (vs_status_code(st)) return fail(st, "graph");
  vs_session *sess = vs_session_new(g, NULL, st);
  if (!sess) return fail(st, "session");
  vs_session_run(sess, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  vs_output fetch = vs_var_value(mid);
  vs_tensor *out = NULL;
  t0 = now();
  vs_session_run(sess, NULL, NULL, 0, &fetch, &out, 1, NULL, 0, st);
  double first = now() - t0;
  vs_tensor_free(out);
  double t[21];
  for (int r = 0; r < 21 && !vs_status_code(st); r++) {
    t0 = now();
    vs_session_run(sess, NULL, NULL, 0, &fetch, &out, 1, NULL, 0, st);
    t[r] = now() - t0;
    vs_tensor_free(out);
  }
  if (vs_status_code(st)) return fail(st, "fetch");
  qsort(t, 21, sizeof t[0], cmp_double);
  o->fetch_ms[idx] = t[10] * 1e3;
  if (largest) {
    o->at_n = n;
    o->build_us = build / (double)n * 1e6;
    o->build_cpu_us = build_cpu / (double)n * 1e6;
    o->first_fetch_ms = first * 1e3;
    t0 = now();
    vs_session_run(sess, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
    o->reinit_s = now() - t0;
    if (vs_status_code(st)) return fail(st, "initializer again");
    double rss_session = rss_bytes();
    o->graph_bytes_per_var = (rss_graph - rss0) / (double)n;
    o->session_bytes_per_var = (rss_session - rss_graph) / (double)n - VAR_FLOATS * sizeof(float);
  }
  vs_session_free(sess);
  vs_graph_free(g);
  return 0;
}

static double median_of(double *xs, int n) {
  qsort(xs, (size_t)n, sizeof *xs, cmp_double);
  return xs[n / 2];
}

enum { TINY_BLOCKS = 11 };

static int ours_tiny(our_figures *o, tf_figures *tf, vs_status *st) {
  vs_graph *g = vs_graph_new();
  vs_var *c = vs_get_variable(g, "counter", &(vs_var_opts){.shape = VS_SCALAR, .initializer = vs_zeros_initializer()}, st);
  vs_output add = vs_assign_add(g, c, vs_constant_float(g, 1.0f, "one", st), NULL, st);
  vs_op *init = vs_global_variables_initializer(g, st);
  if (vs_status_code(st)) return fail(st, "tiny graph");
  vs_session *s = vs_session_new(g, NULL, st);
  if (!s) return fail(st, "tiny session");
  vs_session_run(s, NULL, NULL, 0, NULL, NULL, 0, &init, 1, st);
  vs_tensor *out = NULL;
  for (int i = 0; i < 100 && !vs_status_code(st); i++) {
    vs_session_run(s, NULL, NULL, 0, &add, &out, 1, NULL, 0, st);
    vs_tensor_free(out);
  }
  enum { RUNS = 2000 };
  double ours[TINY_BLOCKS], cpu[TINY_BLOCKS], theirs[TINY_BLOCKS], ratio[TINY_BLOCKS];
  int pairs = 0;
  for (int b = 0; b < TINY_BLOCKS; b++) {
    double t = tf_block(tf); /* TensorFlow's block first, ours right after */
    double t0 = now(), c0 = cpu_now(CLOCK_PROCESS_CPUTIME_ID);
    for (int i = 0; i < RUNS && !vs_status_code(st); i++) {
      vs_session_run(s, NULL, NULL, 0, &add, &out, 1, NULL, 0, st);
      vs_tensor_free(out);
    }
    ours[b] = (now() - t0) / RUNS * 1e6;
    cpu[b] = (cpu_now(CLOCK_PROCESS_CPUTIME_ID) - c0) / RUNS * 1e6;
    if (vs_status_code(st)) return fail(st, "tiny run");
    if (t > 0) {
      theirs[pairs] = t;
      ratio[pairs++] = t / ours[b];
    }
  }
  o->tiny_us = median_of(ours, TINY_BLOCKS);
  o->tiny_cpu_us = median_of(cpu, TINY_BLOCKS);
  o->pairs = pairs;
  if (pairs) {
    o->tf_tiny_us = median_of(theirs, pairs);
    o->ratio_median = median_of(ratio, pairs); /* sorted: */
    o->ratio_min = ratio[0];
    o->ratio_max = ratio[pairs - 1];
  }
  vs_session_free(s);
  vs_graph_free(g);
  return 0;
}

/* ---- the table ----------------------------------------------------------------- */

static void row(const char *what, const char *ours, const char *theirs, const char *ratio) {
  printf("| %-58s | %-16s | %-16s | %-22s |\n", what, ours, theirs, ratio);
}

int main(int argc, char **argv) {
  long sizes[MAX_SIZES] = {10, 1000, 10000, 30000};
  int nsizes = 4, with_tf = 1, given = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--no-tf") == 0) {
      with_tf = 0;
    } else if (strcmp(argv[i], "--help") == 0) {
      printf("usage: exec_bench [--no-tf] [SIZES...]   (default 10 1000 10000 30000)\n");
      return 0;
    } else {
      char *end;
      long n = strtol(argv[i], &end, 10);
      if (*end || n < 1 || n > 10000000 || given == MAX_SIZES) {
        fprintf(stderr, "exec_bench: bad size '%s' (1..10000000, at most %d sizes)\n", argv[i], MAX_SIZES);
        return 2;
      }
      sizes[given++] = n;
    }
  }
  if (given) nsizes = given;
  for (int i = 1; i < nsizes; i++)
    if (sizes[i] <= sizes[i - 1]) {
      fprintf(stderr, "exec_bench: sizes must increase\n");
      return 2;
    }

  tf_figures tf;
  if (with_tf) tf_run(sizes, nsizes, &tf);
  else {
    memset(&tf, 0, sizeof tf);
    snprintf(tf.why, sizeof tf.why, "--no-tf");
  }

  vs_status *st = vs_status_new();
  our_figures o = {0};
  int rc = 0;
  /* A small graph first, not reported: the memory figures are RSS deltas,
   * and the process's first session pays once for the OpenCL platform, the
   * kernel programs and the allocator's arenas. Without this, a run whose
   * first size is also its largest (`exec_bench 10000`) charged all of it to
   * the variables (11 KB a variable instead of 3.4 KB). */
  if (sizes[0] > 10) {
    our_figures warm = {0};
    rc = ours_size(10, 0, 0, &warm, st);
  }
  for (int i = 0; i < nsizes && !rc; i++) {
    fprintf(stderr, "exec_bench: varscope, %ld variables...\n", sizes[i]);
    rc = ours_size(sizes[i], i, i == nsizes - 1, &o, st);
  }
  if (!rc) rc = ours_tiny(&o, &tf, st);
  if (with_tf && !tf_end(&tf) && !rc) fprintf(stderr, "exec_bench: %s\n", tf.why);
  if (rc) {
    vs_status_free(st);
    return 1;
  }
  vs_device_info in;
  vs_device_get_info(0, &in, st);
  vs_status_free(st);

  int have_tf = tf.why[0] == '\0';
  printf("varscope %s on %s [%s]; TensorFlow %s\n\n", vs_version(), in.cl_name, in.device_name,
         have_tf ? tf.version : tf.why);
  char a[64], b[64], r[64], what[96];
  printf("| %-58s | %-16s | %-16s | %-22s |\n", "workload", "varscope", "TensorFlow", "ratio");
  printf("|%.60s|%.18s|%.18s|%.24s|\n", "------------------------------------------------------------",
         "------------------", "------------------", "------------------------");
  snprintf(what, sizeof what, "build %ld variables (get_variable, %d per scope)", o.at_n, PER_SCOPE);
  snprintf(a, sizeof a, "%.1f us/var", o.build_us);
  snprintf(b, sizeof b, have_tf && tf.at_n ? "%.1f us/var" : "-", tf.build_us);
  snprintf(r, sizeof r, have_tf && tf.at_n == o.at_n ? "TF/varscope %.1fx" : "-", tf.build_us / o.build_us);
  row(what, a, b, r);
  snprintf(what, sizeof what, "build, CPU time of the building thread (target <= 50)");
  snprintf(a, sizeof a, "%.1f us/var", o.build_cpu_us);
  row(what, a, "", "");
  snprintf(what, sizeof what, "run the initializer of %ld variables again", o.at_n);
  snprintf(a, sizeof a, "%.3f s", o.reinit_s);
  snprintf(b, sizeof b, have_tf && tf.at_n ? "%.3f s (%ld)" : "-", tf.reinit_s, tf.at_n);
  snprintf(r, sizeof r, have_tf && tf.at_n == o.at_n ? "varscope/TF %.2fx" : "-", o.reinit_s / tf.reinit_s);
  row(what, a, b, r);
  for (int i = 0; i < nsizes; i++) {
    double t = have_tf ? tf_fetch(&tf, sizes[i]) : 0;
    snprintf(what, sizeof what, "fetch one variable, median of 21, %ld variables", sizes[i]);
    /* Microseconds: a fetch that runs inline on the host takes well under
     * one, which three decimals of milliseconds print as 0.000. */
    snprintf(a, sizeof a, "%.2f us", o.fetch_ms[i] * 1e3);
    snprintf(b, sizeof b, t ? "%.2f us" : "-", t * 1e3);
    snprintf(r, sizeof r, t ? "TF/varscope %.1fx" : "-", t / o.fetch_ms[i]);
    row(what, a, b, r);
  }
  snprintf(what, sizeof what, "fetch cost, %ld against %ld variables (target <= 2x)", sizes[nsizes - 1], sizes[0]);
  snprintf(a, sizeof a, "%.1fx", o.fetch_ms[nsizes - 1] / o.fetch_ms[0]);
  row(what, a, "", "");
  snprintf(what, sizeof what, "first fetch after the initializer, %ld variables", o.at_n);
  snprintf(a, sizeof a, "%.2f ms", o.first_fetch_ms);
  snprintf(b, sizeof b, have_tf && tf.at_n == o.at_n ? "%.2f ms" : "-", tf.first_fetch_ms);
  row(what, a, b, "");
  snprintf(what, sizeof what, "tiny session.run (assign_add, fetched), median of %d blocks", TINY_BLOCKS);
  snprintf(a, sizeof a, "%.2f us", o.tiny_us);
  snprintf(b, sizeof b, have_tf && o.pairs ? "%.1f us" : "-", o.tf_tiny_us);
  snprintf(r, sizeof r, have_tf && o.pairs ? "TF/varscope %.1fx (>= 5)" : "-", o.ratio_median);
  row(what, a, b, r);
  snprintf(what, sizeof what, "tiny session.run, TF/varscope of each of %d paired blocks", o.pairs);
  snprintf(r, sizeof r, have_tf && o.pairs ? "%.1f-%.1fx" : "-", o.ratio_min, o.ratio_max);
  row(what, "", "", r);
  snprintf(b, sizeof b, have_tf ? "%.1f us" : "-", tf.tiny_us);
  row("tiny session.run, TensorFlow's first block (before any OpenCL)", "", b, "");
  snprintf(a, sizeof a, "%.1f us", o.tiny_cpu_us);
  row("tiny session.run, CPU time of the process (PoCL's too)", a, "", "");
  snprintf(what, sizeof what, "memory per variable beyond its data, graph (%ld vars)", o.at_n);
  snprintf(a, sizeof a, "%.0f B", o.graph_bytes_per_var);
  row(what, a, "", "");
  snprintf(what, sizeof what, "memory per variable beyond its data, session (%ld vars)", o.at_n);
  snprintf(a, sizeof a, "%.0f B", o.session_bytes_per_var);
  row(what, a, "", "");
  /* Issue 10's target reads the two together: what a small variable costs
   * a program that builds it and runs it in a session. */
  snprintf(what, sizeof what, "memory per variable beyond its data, in all (%ld vars)", o.at_n);
  snprintf(a, sizeof a, "%.0f B", o.graph_bytes_per_var + o.session_bytes_per_var);
  row(what, a, "", o.graph_bytes_per_var + o.session_bytes_per_var <= 4096 ? "<= 4096 B: met" : "<= 4096 B: NOT met");
  return 0;
}
