/* test_cli.c - the `varscope` command's conventions (issue 9 items 3 and 9,
 * issue 14 item 9): help and --version exit 0, --help on every verb exits 0,
 * an unknown verb or option exits 2, a conform filter matching nothing
 * fails, --json output parses as JSON, checkpoint keys are shown with their
 * control bytes escaped, `ckpt ls DIR` follows TF's `checkpoint` state file,
 * and an installed tool finds its data under ${prefix}/share/varscope.
 *
 * The tool is the one built next to this binary (<build>/tools/varscope),
 * started with posix_spawn (never fork: the tool itself may use OpenCL, and
 * fork after OpenCL hangs PoCL). JSON is checked by python3's json module;
 * the tests that need it skip without python3. The verb `tune` belongs to
 * tools/tune_cmd.c and is checked in test_tuning; its help is here too. */
#define _XOPEN_SOURCE 700 /* realpath() */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

extern char **environ;

/* ---- running the tool ----------------------------------------------------- */

typedef struct ran {
  int rc;    /* exit status; -1 when it did not exit normally */
  char *out; /* stdout, NUL-terminated (malloc'd) */
  char *err; /* stderr */
} ran;

static char scratch[PATH_MAX]; /* this test's temporary directory */

static void make_scratch(void)
{
  snprintf(scratch, sizeof scratch, "%s/varscope_cli_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  cr_assert_not_null(mkdtemp(scratch), "mkdtemp: %s", strerror(errno));
}

static void remove_scratch(void)
{
  if (!scratch[0]) return;
  char *argv[] = {"rm", "-rf", scratch, NULL};
  pid_t pid;
  if (posix_spawnp(&pid, "rm", NULL, NULL, argv, environ) == 0) waitpid(pid, NULL, 0);
}

TestSuite(cli, .init = make_scratch, .fini = remove_scratch);

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "%s: %s", path, strerror(errno));
  char *buf = NULL;
  size_t len = 0, cap = 0, n;
  char chunk[4096];
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (len + n + 1 > cap) {
      cap = (len + n + 1) * 2;
      buf = realloc(buf, cap);
      cr_assert_not_null(buf);
    }
    memcpy(buf + len, chunk, n);
    len += n;
  }
  fclose(f);
  if (!buf) buf = calloc(1, 1);
  cr_assert_not_null(buf);
  buf[len] = '\0';
  return buf;
}

/* Runs argv[0] (a path, or a name looked up in PATH) with its stdout and
 * stderr captured in files under the scratch directory. */
static ran run_argv(char *const argv[])
{
  char out[PATH_MAX + 16], err[PATH_MAX + 16];
  snprintf(out, sizeof out, "%s/stdout", scratch);
  snprintf(err, sizeof err, "%s/stderr", scratch);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid;
  int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  cr_assert_eq(e, 0, "spawn %s: %s", argv[0], strerror(e));
  int status = 0;
  cr_assert_eq(waitpid(pid, &status, 0), pid);
  ran r = {.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1, .out = slurp(out), .err = slurp(err)};
  return r;
}

static void ran_free(ran *r)
{
  free(r->out);
  free(r->err);
}

/* <build>/tools/varscope, from this binary's <build>/tests/test_cli. */
static const char *tool(void)
{
  static char path[PATH_MAX + 32];
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  cr_assert_gt(n, 0);
  exe[n] = '\0';
  *strrchr(exe, '/') = '\0';
  snprintf(path, sizeof path, "%s/../tools/varscope", exe);
  cr_assert_eq(access(path, X_OK), 0, "the tool is not built at %s", path);
  return path;
}

/* Runs the built tool with up to 8 arguments (NULL-terminated). */
#define VARSCOPE(...) run_with(tool(), (const char *[]){__VA_ARGS__, NULL})
static ran run_with(const char *bin, const char *const *args)
{
  char *argv[12] = {(char *)bin};
  int n = 1;
  for (; args[n - 1] && n < 11; n++) argv[n] = (char *)args[n - 1];
  argv[n] = NULL;
  return run_argv(argv);
}

static void expect_rc(const ran *r, int rc)
{
  cr_assert_eq(r->rc, rc, "exit %d, want %d\nstdout: %s\nstderr: %s", r->rc, rc, r->out, r->err);
}

static bool starts_with(const char *s, const char *head) { return strncmp(s, head, strlen(head)) == 0; }

static void write_file(const char *path, const void *data, size_t n)
{
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "%s: %s", path, strerror(errno));
  cr_assert_eq(fwrite(data, 1, n, f), n);
  cr_assert_eq(fclose(f), 0);
}

static void copy(const char *from, const char *to)
{
  char *argv[] = {"cp", "-R", (char *)from, (char *)to, NULL};
  ran r = run_argv(argv);
  expect_rc(&r, 0);
  ran_free(&r);
}

/* python3 -c CHECK FILE: CHECK loads FILE as JSON and asserts on it. Skips
 * the test without python3. */
static void expect_json(const char *text, const char *check)
{
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/out.json", scratch);
  write_file(path, text, strlen(text));
  char *probe[] = {"python3", "-c", "pass", NULL};
  pid_t pid;
  if (posix_spawnp(&pid, "python3", NULL, NULL, probe, environ) != 0) cr_skip_test("needs python3 to parse JSON");
  waitpid(pid, NULL, 0);
  char script[2048];
  snprintf(script, sizeof script, "import json, sys\nd = json.load(open(sys.argv[1], encoding='utf-8'))\n%s\n", check);
  char *argv[] = {"python3", "-c", script, path, NULL};
  ran r = run_argv(argv);
  cr_assert_eq(r.rc, 0, "JSON check failed: %s\n%s\nJSON was:\n%s", r.err, check, text);
  ran_free(&r);
}

/* ==== help, version, exit codes ============================================ */

Test(cli, help_and_its_spellings_exit_0_with_usage_on_stdout)
{
  const char *forms[] = {"help", "--help", "-h"};
  for (int i = 0; i < 3; i++) {
    ran r = VARSCOPE(forms[i]);
    expect_rc(&r, 0);
    cr_assert(starts_with(r.out, "usage: varscope devices [--verbose] [--json]\n"), "%s: %s", forms[i], r.out);
    cr_assert(strstr(r.out, "       varscope ckpt ls [--json] PATH | ckpt diff A B\n"), "%s", r.out);
    cr_assert_str_eq(r.err, "");
    ran_free(&r);
  }
}

Test(cli, version_flag_and_verb_print_the_library_version)
{
  char want[64];
  snprintf(want, sizeof want, "varscope %s\n", vs_version());
  const char *forms[] = {"--version", "version"};
  for (int i = 0; i < 2; i++) {
    ran r = VARSCOPE(forms[i]);
    expect_rc(&r, 0);
    cr_assert_str_eq(r.out, want);
    cr_assert_str_eq(r.err, "");
    ran_free(&r);
  }
}

Test(cli, help_on_every_verb_exits_0)
{
  static const struct {
    const char *a, *b, *c, *head;
  } verbs[] = {
      {"devices", "--help", NULL, "usage: varscope devices [--verbose] [--json]\n"},
      {"devices", "-h", NULL, "usage: varscope devices [--verbose] [--json]\n"},
      {"version", "--help", NULL, "usage: varscope version | varscope --version\n"},
      {"conform", "--help", NULL, "usage: varscope conform [--device D] [--filter GLOB]"},
      {"ckpt", "--help", NULL, "usage: varscope ckpt ls [--json] PATH\n"},
      {"ckpt", "ls", "--help", "usage: varscope ckpt ls [--json] PATH\n"},
      {"ckpt", "diff", "--help", "usage: varscope ckpt ls [--json] PATH\n"},
      {"help", "ckpt", NULL, "usage: varscope ckpt ls [--json] PATH\n"},
      {"help", "devices", NULL, "usage: varscope devices [--verbose] [--json]\n"},
      {"help", "conform", NULL, "usage: varscope conform [--device D] [--filter GLOB]"},
      {"tune", "--help", NULL, "usage: varscope tune [--device N] [--json] [--size N] "},
      {"help", "tune", NULL, "usage: varscope tune [--device N] [--json] [--size N] "},
  };
  for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
    ran r = VARSCOPE(verbs[i].a, verbs[i].b, verbs[i].c);
    expect_rc(&r, 0);
    cr_assert(starts_with(r.out, verbs[i].head), "%s %s: %s", verbs[i].a, verbs[i].b, r.out);
    cr_assert_str_eq(r.err, "");
    ran_free(&r);
  }
}

Test(cli, no_arguments_exit_2_with_usage_on_stderr)
{
  char *argv[] = {(char *)tool(), NULL};
  ran r = run_argv(argv);
  expect_rc(&r, 2);
  cr_assert_str_eq(r.out, "");
  cr_assert(starts_with(r.err, "usage: varscope devices"), "%s", r.err);
  ran_free(&r);
}

Test(cli, unknown_verb_exits_2)
{
  ran r = VARSCOPE("frobnicate");
  expect_rc(&r, 2);
  cr_assert_str_eq(r.out, "");
  cr_assert(starts_with(r.err, "varscope: unknown command 'frobnicate'\nusage: varscope devices"), "%s", r.err);
  ran_free(&r);
}

Test(cli, unknown_options_exit_2)
{
  static const struct {
    const char *a, *b, *c, *err;
  } cases[] = {
      {"devices", "--bogus", NULL, "varscope devices: unknown option '--bogus'\nusage: varscope devices"},
      {"ckpt", "ls", "--bogus", "varscope ckpt ls: unknown option '--bogus'\nusage: varscope ckpt ls"},
      {"ckpt", "frob", "x", "varscope ckpt: unknown subcommand 'frob'\nusage: varscope ckpt ls"},
      {"conform", "--bogus", NULL, "varscope conform: unexpected argument '--bogus'\nusage: varscope conform"},
      {"conform", "--filter", NULL, "varscope conform: option '--filter' needs a value\nusage: varscope conform"},
      {"version", "--bogus", NULL, "usage: varscope version | varscope --version\n"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ran r = VARSCOPE(cases[i].a, cases[i].b, cases[i].c);
    expect_rc(&r, 2);
    cr_assert_str_eq(r.out, "");
    cr_assert(starts_with(r.err, cases[i].err), "%s %s: %s", cases[i].a, cases[i].b, r.err);
    ran_free(&r);
  }
}

Test(cli, unknown_verb_with_control_bytes_is_shown_escaped)
{
  ran r = VARSCOPE("\x1b[2J");
  expect_rc(&r, 2);
  cr_assert(starts_with(r.err, "varscope: unknown command '\\x1b[2J'\n"), "%s", r.err);
  cr_assert_null(strchr(r.err, '\x1b'));
  ran_free(&r);
}

Test(cli, conform_filter_matching_nothing_fails)
{
  ran r = VARSCOPE("conform", "--filter", "no_such_case_*");
  expect_rc(&r, 1);
  cr_assert_str_eq(r.out, "");
  cr_assert_str_eq(r.err, "varscope conform: --filter 'no_such_case_*' matches no case (try --list)\n");
  ran_free(&r);
  r = VARSCOPE("conform", "--list", "--filter", "no_such_case_*");
  expect_rc(&r, 1);
  ran_free(&r);
}

Test(cli, conform_list_with_a_matching_filter_exits_0)
{
  ran r = VARSCOPE("conform", "--list", "--filter", "name_scope/constant_names_uniquified");
  expect_rc(&r, 0);
  cr_assert_str_eq(r.out, "name_scope/constant_names_uniquified  [1.1.1]\n");
  ran_free(&r);
}

/* ==== --json ================================================================ */

Test(cli, conform_json_file_parses)
{
  char path[2 * PATH_MAX];
  snprintf(path, sizeof path, "%s/conform.json", scratch);
  ran r = VARSCOPE("conform", "--filter", "name_scope/constant_names_uniquified", "--json", path);
  if (strstr(r.out, "SKIP name_scope/")) cr_skip_test("no OpenCL device: %s", r.out);
  expect_rc(&r, 0);
  ran_free(&r);
  char *text = slurp(path);
  expect_json(text, "assert d['cmd'] == 'conform' and d['results'] == {'constant_names_uniquified': 'pass'}, d\n"
                    "assert [c['name'] for c in d['cases']] == ['constant_names_uniquified'] and d['passed'] == 1");
  free(text);
}

Test(cli, devices_json_is_an_array_with_the_text_fields)
{
  ran r = VARSCOPE("devices", "--json");
  expect_rc(&r, 0);
  cr_assert_str_eq(r.err, "");
  expect_json(r.out, "assert isinstance(d, list) and len(d) >= 1, d\n"
                     "keys = {'cl_name', 'name', 'device_name', 'vendor', 'type', 'compute_units',\n"
                     "        'global_mem_bytes', 'max_alloc_bytes', 'global_mem_bytes_driver',\n"
                     "        'max_alloc_bytes_driver', 'opencl_c_version', 'fp64'}\n"
                     "for i, x in enumerate(d):\n"
                     "    assert set(x) == keys, sorted(x)\n"
                     "    assert x['cl_name'] == '/device:CL:%d' % i, x\n"
                     "    assert x['compute_units'] > 0 and 0 < x['max_alloc_bytes'] <= x['global_mem_bytes']\n"
                     "    assert isinstance(x['fp64'], bool)");
  ran_free(&r);
  r = VARSCOPE("devices", "--json", "--verbose");
  expect_rc(&r, 0);
  expect_json(r.out, "assert all({'platform_name', 'driver_version', 'clblast_tuned', 'tf32_matrix_units',\n"
                     "            'conv2d_choices'} <= set(x)"
                     " and isinstance(x['conv2d_choices'], list) and isinstance(x['tf32_matrix_units'], bool)"
                     " for x in d), d");
  ran_free(&r);
  /* The text form says it too, in one of its two sentences (PoCL's CPU
   * device: no; an NVIDIA GPU of compute capability 8.0 or above: yes). */
  r = VARSCOPE("devices", "--verbose");
  expect_rc(&r, 0);
  cr_assert(strstr(r.out, "    TF32 matrix units: no (tensor_float_32_execution changes nothing here)\n") ||
                strstr(r.out, "    TF32 matrix units: yes (sessions with tensor_float_32_execution may use them)\n"),
            "%s", r.out);
  ran_free(&r);
}

Test(cli, devices_json_honours_the_memory_limit)
{
  setenv("VARSCOPE_MEMORY_LIMIT", "64M", 1);
  ran r = VARSCOPE("devices", "--json");
  expect_rc(&r, 0);
  expect_json(r.out, "assert all(x['global_mem_bytes'] == 64 << 20 and x['max_alloc_bytes'] <= 64 << 20\n"
                     "           and x['global_mem_bytes_driver'] >= 64 << 20 for x in d), d");
  ran_free(&r);
  r = VARSCOPE("devices");
  expect_rc(&r, 0);
  cr_assert(strstr(r.out, "    memory 0.06 GiB, max allocation 0.06 GiB, "), "%s", r.out);
  cr_assert(strstr(r.out, "    (capped by VARSCOPE_MEMORY_LIMIT; the driver reports "), "%s", r.out);
  ran_free(&r);
}

Test(cli, devices_with_a_malformed_environment_fails_with_its_message)
{
  setenv("VARSCOPE_DEVICES", ",,,", 1);
  ran r = VARSCOPE("devices", "--json");
  expect_rc(&r, 1);
  cr_assert_str_eq(r.out, "");
  cr_assert_str_eq(r.err, "varscope: INVALID_ARGUMENT: VARSCOPE_DEVICES: mapping 1 is empty in ',,,' "
                          "(want TYPE:N=TYPE:M, comma-separated)\n");
  ran_free(&r);
}

Test(cli, ckpt_ls_json_lists_every_tensor)
{
  ran r = VARSCOPE("ckpt", "ls", "--json", VS_SOURCE_DIR "/conformance/golden/ckpt/py_safetensors/model.safetensors");
  expect_rc(&r, 0);
  cr_assert_str_eq(r.err, "");
  expect_json(r.out, "assert d['format'] == 'safetensors', d\n"
                     "t = {x['key']: x for x in d['tensors']}\n"
                     "assert sorted(t) == ['empty', 'flag', 'half', 'layer/b', 'layer/w'], sorted(t)\n"
                     "assert t['layer/w']['dtype'] == 'float32' and t['layer/w']['shape'] == [3, 4], t['layer/w']\n"
                     "assert t['layer/w']['bytes'] == 48 and t['layer/b']['shape'] == [3]\n"
                     "assert t['empty']['shape'] == [0, 3] and t['empty']['bytes'] == 0\n"
                     "assert d['total_bytes'] == sum(x['bytes'] for x in d['tensors']) == 80, d['total_bytes']\n"
                     "assert d['checkpoint'] == d['path']");
  ran_free(&r);
}

/* ==== checkpoint keys with control bytes (issue 14 item 9) ================= */

/* A safetensors file with one float32 scalar per key (JSON-escaped keys). */
static void write_safetensors(const char *path, const char *const *json_keys, int n)
{
  char header[1024];
  size_t len = (size_t)snprintf(header, sizeof header, "{");
  for (int i = 0; i < n; i++)
    len += (size_t)snprintf(header + len, sizeof header - len, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[%d,%d]}",
                            i ? "," : "", json_keys[i], 4 * i, 4 * i + 4);
  len += (size_t)snprintf(header + len, sizeof header - len, "}");
  while (len % 8) header[len++] = ' ';
  unsigned char file[2048];
  uint64_t hl = len;
  for (int b = 0; b < 8; b++) file[b] = (unsigned char)(hl >> (8 * b));
  memcpy(file + 8, header, len);
  memset(file + 8 + len, 0, 4 * (size_t)n);
  write_file(path, file, 8 + len + 4 * (size_t)n);
}

Test(cli, ckpt_ls_shows_control_bytes_in_keys_escaped)
{
  char path[PATH_MAX + 32];
  snprintf(path, sizeof path, "%s/evil.safetensors", scratch);
  /* ESC [2J (clear screen), a C1 CSI (U+009B), a tab, a backslash, and
   * well-formed UTF-8 (kept). */
  write_safetensors(path,
                    (const char *[]){"a\\u001b[2Jclear", "b\\u009b31mred", "c\\ttab\\\\slash", "d\\u00e9t\\u00e9"}, 4);
  ran r = VARSCOPE("ckpt", "ls", path);
  expect_rc(&r, 0);
  cr_assert_null(strchr(r.out, '\x1b'), "raw ESC in: %s", r.out);
  cr_assert_null(strstr(r.out, "\xc2\x9b"), "raw C1 CSI in: %s", r.out);
  cr_assert_null(strchr(r.out, '\t'), "raw tab in: %s", r.out);
  cr_assert(strstr(r.out, "\na\\x1b[2Jclear "), "%s", r.out);
  cr_assert(strstr(r.out, "\nb\\xc2\\x9b31mred "), "%s", r.out);
  cr_assert(strstr(r.out, "\nc\\x09tab\\\\slash "), "%s", r.out);
  cr_assert(strstr(r.out, "\nd\xc3\xa9t\xc3\xa9 "), "%s", r.out);
  /* Columns stay aligned by the width shown: the dtype starts at column 41. */
  const char *line = strstr(r.out, "\na\\x1b[2Jclear ") + 1;
  cr_assert(strncmp(line + 41, "float32", 7) == 0, "line: %.80s", line);
  ran_free(&r);

  r = VARSCOPE("ckpt", "ls", "--json", path);
  expect_rc(&r, 0);
  expect_json(r.out, "assert [x['key'] for x in d['tensors']] == "
                     "['a\\x1b[2Jclear', 'b\\x9b31mred', 'c\\ttab\\\\slash', 'd\\u00e9t\\u00e9'], d");
  ran_free(&r);
}

Test(cli, ckpt_diff_shows_control_bytes_in_keys_escaped)
{
  char a[PATH_MAX + 32], b[PATH_MAX + 32];
  snprintf(a, sizeof a, "%s/a.safetensors", scratch);
  snprintf(b, sizeof b, "%s/b.safetensors", scratch);
  write_safetensors(a, (const char *[]){"x\\u001b]0;title\\u0007"}, 1);
  write_safetensors(b, (const char *[]){"y"}, 1);
  ran r = VARSCOPE("ckpt", "diff", a, b);
  expect_rc(&r, 1);
  cr_assert(strncmp(r.out, "- x\\x1b]0;title\\x07: float32[] only in ", 38) == 0, "%s", r.out);
  cr_assert_null(strchr(r.out, '\x1b'));
  ran_free(&r);
}

/* ==== ckpt ls DIR (tf.train.load_checkpoint) ================================ */

#define IMAGE_FILTER VS_SOURCE_DIR "/conformance/golden/ckpt/image_filter"

/* scratch/<name>/ holding image_filter's model.ckpt files and, when `state`
 * is not NULL, a `checkpoint` file with that text. */
static void ckpt_dir(char *dir, size_t cap, const char *name, const char *state)
{
  snprintf(dir, cap, "%s/%s", scratch, name);
  cr_assert_eq(mkdir(dir, 0700), 0);
  copy(IMAGE_FILTER "/model.ckpt.index", dir);
  copy(IMAGE_FILTER "/model.ckpt.data-00000-of-00001", dir);
  if (state) {
    char path[2 * PATH_MAX];
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    write_file(path, state, strlen(state));
  }
}

/* The output of `ckpt ls` after its first line (which names the path). */
static const char *after_first_line(const char *s)
{
  const char *nl = strchr(s, '\n');
  cr_assert_not_null(nl);
  return nl + 1;
}

Test(cli, ckpt_ls_directory_follows_a_relative_model_checkpoint_path)
{
  char dir[PATH_MAX + 64];
  ckpt_dir(dir, sizeof dir, "rel",
           "model_checkpoint_path: \"model.ckpt\"\nall_model_checkpoint_paths: \"model.ckpt\"\n");
  ran by_dir = VARSCOPE("ckpt", "ls", dir), by_prefix = VARSCOPE("ckpt", "ls", IMAGE_FILTER "/model.ckpt");
  expect_rc(&by_dir, 0);
  expect_rc(&by_prefix, 0);
  char head[2 * PATH_MAX];
  snprintf(head, sizeof head, "%s: TensorFlow V2 checkpoint, ", dir);
  cr_assert(starts_with(by_dir.out, head), "%s", by_dir.out);
  cr_assert_str_eq(after_first_line(by_dir.out), after_first_line(by_prefix.out));
  cr_assert(strstr(by_dir.out, "\nimage_filters/conv1/weights "), "%s", by_dir.out);
  ran_free(&by_dir);
  ran_free(&by_prefix);
}

Test(cli, ckpt_ls_directory_follows_an_absolute_model_checkpoint_path)
{
  char dir[PATH_MAX + 64], state[PATH_MAX + 64];
  snprintf(state, sizeof state, "model_checkpoint_path: '%s/model.ckpt'\n", IMAGE_FILTER);
  snprintf(dir, sizeof dir, "%s/abs", scratch);
  cr_assert_eq(mkdir(dir, 0700), 0);
  char path[2 * PATH_MAX];
  snprintf(path, sizeof path, "%s/checkpoint", dir);
  write_file(path, state, strlen(state));
  ran r = VARSCOPE("ckpt", "ls", "--json", dir);
  expect_rc(&r, 0);
  char check[PATH_MAX + 256];
  snprintf(check, sizeof check,
           "assert d['format'] == 'tensorflow_v2' and d['checkpoint'] == %s, d['checkpoint']\n"
           "assert 'image_filters/conv1/weights' in [x['key'] for x in d['tensors']]",
           "'" IMAGE_FILTER "/model.ckpt'");
  expect_json(r.out, check);
  ran_free(&r);
}

/* `ckpt ls` on scratch/<name> (with `state` as its checkpoint file, or none)
 * fails with exit 1 and "varscope: INVALID_ARGUMENT: <text><dir>\n". */
static void expect_dir_refused(const char *name, const char *state, const char *text)
{
  char dir[PATH_MAX + 64], want[2 * PATH_MAX];
  ckpt_dir(dir, sizeof dir, name, state);
  ran r = VARSCOPE("ckpt", "ls", dir);
  expect_rc(&r, 1);
  cr_assert_str_eq(r.out, "");
  snprintf(want, sizeof want, "varscope: INVALID_ARGUMENT: %s%s\n", text, dir);
  cr_assert_str_eq(r.err, want);
  ran_free(&r);
}

#define NO_CHECKPOINT "Couldn't find 'checkpoint' file or checkpoints in given directory "

Test(cli, ckpt_ls_directory_without_checkpoint_file_is_tfs_value_error)
{
  /* tf.train.load_checkpoint(dir) (TF 2.21): ValueError "Couldn't find
   * 'checkpoint' file or checkpoints in given directory DIR". */
  expect_dir_refused("nostate", NULL, NO_CHECKPOINT);
}

Test(cli, ckpt_ls_directory_whose_checkpoint_is_missing_is_tfs_value_error)
{
  /* TF: the state names model.ckpt-7, which has no files: the same error. */
  expect_dir_refused("missing", "model_checkpoint_path: \"model.ckpt-7\"\n", NO_CHECKPOINT);
}

Test(cli, ckpt_ls_directory_with_an_empty_state_file_is_tfs_value_error)
{
  /* TF: get_checkpoint_state raises "Invalid checkpoint state loaded from DIR". */
  expect_dir_refused("empty", "", "Invalid checkpoint state loaded from ");
}

/* ==== an installed tool finds its data (issue 9 item 3) ===================== */

/* scratch/<name>/bin/varscope, with share/varscope/conformance/xfail (and
 * golden/ when with_golden) copied from the source tree. */
static void install_prefix(char *bin, size_t cap, const char *name, bool with_golden)
{
  char p[PATH_MAX + 128];
  snprintf(p, sizeof p, "%s/%s", scratch, name);
  cr_assert_eq(mkdir(p, 0700), 0);
  const char *sub[] = {"bin", "share", "share/varscope", "share/varscope/conformance"};
  for (int i = 0; i < 4; i++) {
    snprintf(p, sizeof p, "%s/%s/%s", scratch, name, sub[i]);
    cr_assert_eq(mkdir(p, 0700), 0);
  }
  copy(VS_SOURCE_DIR "/conformance/xfail", p);
  if (with_golden) copy(VS_SOURCE_DIR "/conformance/golden", p);
  snprintf(bin, cap, "%s/%s/bin/varscope", scratch, name);
  copy(tool(), bin);
}

/* The path in conform's first line: "... expected failures from PATH (N)". */
static void xfail_path_of(const char *out, char *buf, size_t cap)
{
  const char *from = strstr(out, "expected failures from ");
  cr_assert_not_null(from, "%s", out);
  from += strlen("expected failures from ");
  const char *end = strstr(from, " (");
  cr_assert_not_null(end);
  snprintf(buf, cap, "%.*s", (int)(end - from), from);
}

Test(cli, installed_tool_reads_xfail_and_golden_from_its_prefix, .timeout = 300)
{
  char bin[PATH_MAX + 64], got[2 * PATH_MAX], want[2 * PATH_MAX];
  install_prefix(bin, sizeof bin, "prefix", true);
  /* A numerics case reads its golden .npy files through the same resolver. */
  ran r = run_with(bin, (const char *[]){"conform", "--filter", "numerics/conv2d_valid_stride2", NULL});
  if (strstr(r.out, "SKIP numerics/conv2d_valid_stride2")) cr_skip_test("no OpenCL device: %s", r.out);
  expect_rc(&r, 0);
  xfail_path_of(r.out, got, sizeof got);
  char real[PATH_MAX];
  cr_assert_not_null(realpath(scratch, real));
  snprintf(want, sizeof want, "%s/prefix/share/varscope/conformance/xfail/", real);
  cr_assert(starts_with(got, want), "read %s, want a list under %s", got, want);
  cr_assert(strstr(r.out, "\nPASS numerics/conv2d_valid_stride2\n"), "%s", r.out);
  ran_free(&r);
}

Test(cli, installed_tool_without_golden_files_reports_the_installed_path, .timeout = 300)
{
  /* Proves the golden files are not read from the source tree. */
  char bin[PATH_MAX + 64], want[2 * PATH_MAX];
  install_prefix(bin, sizeof bin, "bare", false);
  ran r = run_with(bin, (const char *[]){"conform", "--filter", "numerics/conv2d_valid_stride2", NULL});
  if (strstr(r.out, "SKIP numerics/conv2d_valid_stride2")) cr_skip_test("no OpenCL device: %s", r.out);
  expect_rc(&r, 1);
  char real[PATH_MAX];
  cr_assert_not_null(realpath(scratch, real));
  snprintf(want, sizeof want, "%s/bare/share/varscope/conformance/golden/nn/", real);
  cr_assert(strstr(r.out, "FAIL numerics/conv2d_valid_stride2: ") && strstr(r.out, want), "want a failure naming %s:\n%s",
            want, r.out);
  ran_free(&r);
}

Test(cli, varscope_data_dir_overrides_the_installed_data, .timeout = 300)
{
  char bin[PATH_MAX + 64], got[2 * PATH_MAX];
  install_prefix(bin, sizeof bin, "over", false);
  setenv("VARSCOPE_DATA_DIR", VS_SOURCE_DIR, 1);
  ran r = run_with(bin, (const char *[]){"conform", "--filter", "numerics/conv2d_valid_stride2", NULL});
  if (strstr(r.out, "SKIP numerics/conv2d_valid_stride2")) cr_skip_test("no OpenCL device: %s", r.out);
  expect_rc(&r, 0);
  xfail_path_of(r.out, got, sizeof got);
  cr_assert(starts_with(got, VS_SOURCE_DIR "/conformance/xfail/"), "read %s", got);
  ran_free(&r);
}

Test(cli, build_tree_tool_reads_the_source_tree)
{
  char got[2 * PATH_MAX];
  ran r = VARSCOPE("conform", "--filter", "name_scope/constant_names_uniquified");
  if (strstr(r.out, "SKIP name_scope/")) cr_skip_test("no OpenCL device: %s", r.out);
  expect_rc(&r, 0);
  xfail_path_of(r.out, got, sizeof got);
  cr_assert(strstr(got, "/conformance/xfail/"), "read %s", got);
  cr_assert(!strstr(got, "/share/varscope/"), "read %s", got);
  ran_free(&r);
}
