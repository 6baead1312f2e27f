/* test_pocl_affinity.c - the registry's POCL_AFFINITY rule
 * (runtime/device_env.h's vs__pocl_affinity_rule, applied by registry.c).
 *
 * The rule is tested as a pure function, and its effect in a process where
 * no OpenCL call came first: Criterion runs each test in its own process,
 * and each test sets the environment it needs before its first varscope
 * call, which builds the registry. The effect is read from Linux's
 * /proc/self/task/<tid>/status (Cpus_allowed_list) of the threads that
 * appeared during that first call: PoCL's CPU device workers. No timing. */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#include <criterion/criterion.h>
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/device_env.h"
#include "varscope.h"

/* ==== the rule ============================================================ */

Test(pocl_affinity_rule, sets_it_when_nothing_speaks_against) {
  cr_expect_eq(vs__pocl_affinity_rule(NULL, NULL, NULL, true), VS_POCL_AFFINITY_SET);
}

Test(pocl_affinity_rule, the_users_value_stands_whatever_it_is) {
  const char *values[] = {"0", "1", "", "no"};
  for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
    cr_expect_eq(vs__pocl_affinity_rule(values[i], NULL, NULL, true), VS_POCL_AFFINITY_USER, "'%s'", values[i]);
    cr_expect_eq(vs__pocl_affinity_rule(values[i], "4", "2", false), VS_POCL_AFFINITY_USER, "'%s'", values[i]);
  }
}

Test(pocl_affinity_rule, a_pocl_thread_count_leaves_it_unset) {
  cr_expect_eq(vs__pocl_affinity_rule(NULL, "3", NULL, true), VS_POCL_AFFINITY_THREADS);
  cr_expect_eq(vs__pocl_affinity_rule(NULL, NULL, "3", true), VS_POCL_AFFINITY_THREADS);
  cr_expect_eq(vs__pocl_affinity_rule(NULL, "", NULL, true), VS_POCL_AFFINITY_THREADS);
  cr_expect_eq(vs__pocl_affinity_rule(NULL, "1", "1", false), VS_POCL_AFFINITY_THREADS);
}

Test(pocl_affinity_rule, a_restricted_cpu_set_leaves_it_unset) {
  cr_expect_eq(vs__pocl_affinity_rule(NULL, NULL, NULL, false), VS_POCL_AFFINITY_RESTRICTED);
}

/* ==== its effect on PoCL's workers ======================================== */

#define MAX_TASKS 64

typedef struct tasks {
  pid_t tid[MAX_TASKS];
  char cpus[MAX_TASKS][64]; /* Cpus_allowed_list, e.g. "0-1" or "1" */
  size_t n;
} tasks;

static void read_tasks(tasks *t) {
  t->n = 0;
  DIR *d = opendir("/proc/self/task");
  cr_assert(d, "/proc/self/task cannot be read");
  for (struct dirent *e; (e = readdir(d)) && t->n < MAX_TASKS;) {
    if (e->d_name[0] == '.') continue;
    char path[300], line[256];
    snprintf(path, sizeof path, "/proc/self/task/%s/status", e->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue; /* the thread ended meanwhile */
    t->cpus[t->n][0] = '\0';
    while (fgets(line, sizeof line, f))
      if (sscanf(line, "Cpus_allowed_list: %63s", t->cpus[t->n]) == 1) break;
    fclose(f);
    t->tid[t->n++] = (pid_t)atoi(e->d_name);
  }
  closedir(d);
}

static bool had(const tasks *t, pid_t tid) {
  for (size_t i = 0; i < t->n; i++)
    if (t->tid[i] == tid) return true;
  return false;
}

/* The first varscope call of the process (it builds the registry); the
 * threads it started go to *fresh; *cu is the compute units of the PoCL
 * CPU device, the test skipped where there is none. */
static void first_call(tasks *fresh, unsigned *cu) {
  tasks before, after;
  read_tasks(&before);
  vs_status *st = vs_status_new();
  size_t n = vs_num_devices(st);
  cr_assert_eq(vs_status_code(st), VS_OK, "%s", vs_status_message(st));
  *cu = 0;
  for (size_t i = 0; i < n && !*cu; i++) {
    vs_device_info in;
    vs_device_get_info(i, &in, st);
    if (strcmp(in.type, "CPU") == 0 && strstr(in.platform_name, "Portable Computing Language"))
      *cu = (unsigned)in.compute_units;
  }
  vs_status_free(st);
  if (!*cu) cr_skip_test("no PoCL CPU device here");
  read_tasks(&after);
  fresh->n = 0;
  for (size_t i = 0; i < after.n; i++)
    if (!had(&before, after.tid[i])) {
      fresh->tid[fresh->n] = after.tid[i];
      memcpy(fresh->cpus[fresh->n++], after.cpus[i], sizeof after.cpus[i]);
    }
  cr_assert_geq(fresh->n, *cu, "PoCL's %u workers should have started in the first call (%zu threads did)", *cu,
                fresh->n);
}

static void my_cpus(char *buf, size_t cap) {
  tasks t;
  read_tasks(&t);
  for (size_t i = 0; i < t.n; i++)
    if (t.tid[i] == getpid()) {
      snprintf(buf, cap, "%s", t.cpus[i]);
      return;
    }
  cr_assert_fail("the main thread is not in /proc/self/task");
}

static void clear_pocl_env(void) {
  unsetenv("POCL_AFFINITY");
  unsetenv("POCL_MAX_PTHREAD_COUNT");
  unsetenv("POCL_PTHREAD_MIN_THREADS");
}

/* Every thread the first call started may run where the main thread may. */
static void expect_unpinned(const tasks *fresh) {
  char mine[64];
  my_cpus(mine, sizeof mine);
  for (size_t i = 0; i < fresh->n; i++)
    cr_expect_str_eq(fresh->cpus[i], mine, "thread %d", (int)fresh->tid[i]);
}

Test(pocl_affinity, unset_it_pins_worker_i_to_cpu_i_and_leaves_the_environment_as_it_was) {
  clear_pocl_env();
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  cpu_set_t set;
  cr_assert_eq(sched_getaffinity(0, sizeof set, &set), 0);
  if (CPU_COUNT(&set) != online) cr_skip_test("this test process may not run on every CPU");
  tasks fresh;
  unsigned cu;
  first_call(&fresh, &cu);
  cr_expect_null(getenv("POCL_AFFINITY"), "POCL_AFFINITY is '%s' after discovery", getenv("POCL_AFFINITY"));
  /* each of CPUs 0..cu-1 has exactly one worker pinned to it */
  for (unsigned c = 0; c < cu; c++) {
    char want[16];
    snprintf(want, sizeof want, "%u", c);
    size_t on = 0;
    for (size_t i = 0; i < fresh.n; i++) on += strcmp(fresh.cpus[i], want) == 0;
    cr_expect_eq(on, 1, "%zu of %zu new threads pinned to CPU %u", on, fresh.n, c);
  }
}

Test(pocl_affinity, the_users_zero_is_the_opt_out) {
  clear_pocl_env();
  setenv("POCL_AFFINITY", "0", 1);
  tasks fresh;
  unsigned cu;
  first_call(&fresh, &cu);
  cr_expect_str_eq(getenv("POCL_AFFINITY"), "0");
  expect_unpinned(&fresh);
}

/* taskset's case: pinning would move PoCL's workers onto CPUs the user
 * kept the process off (and under a cpuset, PoCL aborts). */
Test(pocl_affinity, a_process_limited_to_one_cpu_keeps_its_workers_there) {
  clear_pocl_env();
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  if (online < 2) cr_skip_test("one CPU: no smaller set to limit the process to");
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET((int)(online - 1), &one);
  cr_assert_eq(sched_setaffinity(0, sizeof one, &one), 0);
  tasks fresh;
  unsigned cu;
  first_call(&fresh, &cu);
  cr_expect_null(getenv("POCL_AFFINITY"));
  char want[24];
  snprintf(want, sizeof want, "%ld", online - 1);
  for (size_t i = 0; i < fresh.n; i++) cr_expect_str_eq(fresh.cpus[i], want, "thread %d", (int)fresh.tid[i]);
}

/* More workers than CPUs: with POCL_AFFINITY=1 PoCL would abort the process
 * when it pins the worker past the last CPU. */
Test(pocl_affinity, a_pocl_thread_count_leaves_workers_unpinned) {
  clear_pocl_env();
  char count[32];
  snprintf(count, sizeof count, "%ld", sysconf(_SC_NPROCESSORS_ONLN) + 1);
  setenv("POCL_MAX_PTHREAD_COUNT", count, 1);
  tasks fresh;
  unsigned cu;
  first_call(&fresh, &cu);
  cr_expect_null(getenv("POCL_AFFINITY"));
  cr_expect_str_eq(getenv("POCL_MAX_PTHREAD_COUNT"), count);
  expect_unpinned(&fresh);
}
