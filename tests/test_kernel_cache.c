/* test_kernel_cache.c - the on-disk kernel cache across processes: a first
 * process builds and stores every program; a second loads them all and
 * builds none; corrupt or truncated files are detected, rebuilt and
 * rewritten, and results never change; an entry that is not a regular
 * file (FIFO, directory, symbolic link loop) is never read, never blocks,
 * and is replaced by a rebuilt file. Each scenario runs the probe
 * (tests/helpers/cache_probe.c) as a child process started before this
 * process makes any OpenCL call (never fork after one). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

extern char **environ;

static char dir[256];

static void setup(void) {
  scratch_dir_new(dir, sizeof dir, "vs-kcache");
}

static void teardown(void) {
  scratch_dir_remove(dir);
}

TestSuite(kernel_cache, .init = setup, .fini = teardown, .timeout = 120);

/* Runs the probe with VARSCOPE_CACHE_DIR=dir and VARSCOPE_LOG=cache;
 * returns its exit status, stdout in out and stderr in err. */
static int probe(char *out, size_t out_cap, char *err, size_t err_cap) {
  setenv("VARSCOPE_LOG", "cache", 1);
  setenv("VARSCOPE_CACHE_DIR", dir, 1);
  char out_path[300], err_path[300];
  snprintf(out_path, sizeof out_path, "%s.out", dir);
  snprintf(err_path, sizeof err_path, "%s.err", dir);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  char *argv[] = {VS_CACHE_PROBE, NULL};
  pid_t pid;
  int rc = posix_spawn(&pid, VS_CACHE_PROBE, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  unsetenv("VARSCOPE_CACHE_DIR");
  cr_assert_eq(rc, 0, "posix_spawn failed");
  int status;
  waitpid(pid, &status, 0);
  FILE *f = fopen(out_path, "r");
  size_t n = f ? fread(out, 1, out_cap - 1, f) : 0;
  out[n] = '\0';
  if (f) fclose(f);
  f = fopen(err_path, "r");
  n = f ? fread(err, 1, err_cap - 1, f) : 0;
  err[n] = '\0';
  if (f) fclose(f);
  unlink(out_path);
  unlink(err_path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int count(const char *text, const char *word) {
  int n = 0;
  for (const char *p = text; (p = strstr(p, word)); p += strlen(word)) n++;
  return n;
}

/* The cache files (*.bin) in dir, up to cap names. */
static int cache_files(char names[][600], int cap) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  while (d && (e = readdir(d)))
    if (strstr(e->d_name, ".bin") && n < cap) snprintf(names[n++], 600, "%s/%s", dir, e->d_name);
  if (d) closedir(d);
  return n;
}

static char out1[1 << 14], out2[1 << 14], err1[1 << 16], err2[1 << 16];

Test(kernel_cache, second_process_loads_every_program_and_builds_none) {
  cr_assert_eq(probe(out1, sizeof out1, err1, sizeof err1), 0, "%s", err1);
  int built = count(err1, "built and stored");
  cr_assert(built >= 3, "first process built %d programs:\n%s", built, err1);
  cr_assert_eq(count(err1, "loaded"), 0, "%s", err1);
  char names[32][600];
  cr_assert_eq(cache_files(names, 32), built, "one file per program");
  cr_assert_eq(probe(out2, sizeof out2, err2, sizeof err2), 0, "%s", err2);
  cr_assert_eq(count(err2, "loaded"), built, "%s", err2);
  cr_assert_eq(count(err2, "built"), 0, "the second process compiled:\n%s", err2);
  cr_assert_str_eq(out1, out2);
}

Test(kernel_cache, corrupt_and_truncated_files_are_rebuilt) {
  cr_assert_eq(probe(out1, sizeof out1, err1, sizeof err1), 0, "%s", err1);
  char names[32][600];
  int n = cache_files(names, 32);
  cr_assert(n >= 3);
  struct stat before[32];
  for (int i = 0; i < n; i++) {
    cr_assert_eq(stat(names[i], &before[i]), 0);
    if (i == 0) { /* truncated */
      cr_assert_eq(truncate(names[i], before[i].st_size / 2), 0);
    } else { /* a flipped byte in the payload */
      FILE *f = fopen(names[i], "r+b");
      cr_assert_not_null(f);
      fseek(f, before[i].st_size - 100, SEEK_SET);
      int c = fgetc(f);
      fseek(f, before[i].st_size - 100, SEEK_SET);
      fputc(c ^ 0x5a, f);
      fclose(f);
    }
  }
  cr_assert_eq(probe(out2, sizeof out2, err2, sizeof err2), 0, "%s", err2);
  cr_assert_eq(count(err2, "rebuilt a corrupt cache file"), n, "%s", err2);
  cr_assert_eq(count(err2, "loaded"), 0, "%s", err2);
  cr_assert_str_eq(out1, out2, "results changed after a rebuild");
  /* Rewritten whole: a third process loads every file and builds none.
   * (Not compared by size: a PoCL binary also carries whatever work-group
   * functions its compiler cache held at the time, so sizes vary.) */
  for (int i = 0; i < n; i++) {
    struct stat after;
    cr_assert_eq(stat(names[i], &after), 0, "%s was not rewritten", names[i]);
  }
  cr_assert_eq(probe(out2, sizeof out2, err2, sizeof err2), 0, "%s", err2);
  cr_assert_eq(count(err2, "loaded"), n, "%s", err2);
  cr_assert_eq(count(err2, "built"), 0, "%s", err2);
}

Test(kernel_cache, garbage_file_is_replaced) {
  cr_assert_eq(probe(out1, sizeof out1, err1, sizeof err1), 0, "%s", err1);
  char names[32][600];
  int n = cache_files(names, 32);
  cr_assert(n >= 1);
  FILE *f = fopen(names[0], "wb");
  cr_assert_not_null(f);
  fputs("not a cache file", f);
  fclose(f);
  cr_assert_eq(probe(out2, sizeof out2, err2, sizeof err2), 0, "%s", err2);
  cr_assert_eq(count(err2, "rebuilt a corrupt cache file"), 1, "%s", err2);
  cr_assert_eq(count(err2, "loaded"), n - 1, "%s", err2);
  cr_assert_str_eq(out1, out2);
}

/* Puts a non-regular entry in place of one cache file (make_entry), runs
 * a second process, and checks that it neither blocked (the suite's
 * timeout) nor read the entry, rebuilt that one program, loaded the rest,
 * computed the same result, and left a regular cache file in its place. */
static void non_regular_entry_is_replaced(int (*make_entry)(const char *path)) {
  cr_assert_eq(probe(out1, sizeof out1, err1, sizeof err1), 0, "%s", err1);
  char names[32][600];
  int n = cache_files(names, 32);
  cr_assert(n >= 3);
  cr_assert_eq(unlink(names[0]), 0);
  cr_assert_eq(make_entry(names[0]), 0, "cannot make the entry");
  cr_assert_eq(probe(out2, sizeof out2, err2, sizeof err2), 0, "%s", err2);
  cr_assert_eq(count(err2, "rebuilt (replacing a cache entry that is not a regular file)"), 1, "%s", err2);
  cr_assert_eq(count(err2, "loaded"), n - 1, "%s", err2);
  cr_assert_str_eq(out1, out2);
  struct stat sb;
  cr_assert_eq(lstat(names[0], &sb), 0);
  cr_assert(S_ISREG(sb.st_mode), "the entry was not replaced by a regular file");
}

static int make_fifo(const char *path) { return mkfifo(path, 0644); }
static int make_dir(const char *path) { return mkdir(path, 0755); }
static int make_loop(const char *path) { return symlink(path, path); } /* a link to itself: ELOOP */

Test(kernel_cache, fifo_entry_does_not_block_and_is_replaced) { non_regular_entry_is_replaced(make_fifo); }
Test(kernel_cache, directory_entry_is_replaced) { non_regular_entry_is_replaced(make_dir); }
Test(kernel_cache, symlink_loop_entry_is_replaced) { non_regular_entry_is_replaced(make_loop); }
