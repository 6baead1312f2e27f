/* varscope - the command-line tool.
 *   varscope devices [--verbose] [--json]  list the OpenCL devices and their names
 *   varscope version | --version           print the library version
 *   varscope tune [--device N] [--json] [--reset]  tune CLBlast's GEMM safely (tools/tune_cmd.c)
 *   varscope conform [...]                 run the conformance cases (tools/conform_cmd.c)
 *   varscope ckpt ls PATH | diff A B       list or compare checkpoints (tools/ckpt_cmd.c)
 *   varscope help [VERB] | --help | -h     usage
 * Conventions: --help/-h on every verb prints its usage on stdout and exits
 * 0; an unknown verb or option exits 2 with the usage on stderr; other
 * failures exit 1 (see each verb). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_cmd.h"
#include "text_out.h"
#include "tune_cmd.h"
#include "varscope.h"

int vs_tool_conform(int argc, char **argv);

static int usage(FILE *f) {
  fprintf(f,
          "usage: varscope devices [--verbose] [--json]\n"
          "       varscope version | --version\n"
          "       varscope tune [--device N] [--json] [--reset]\n"
          "       varscope conform [--device D] [--filter GLOB] [--json FILE] [--xfail FILE] [--list]\n"
          "       varscope ckpt ls [--json] PATH | ckpt diff A B\n"
          "       varscope help [VERB] | --help\n"
          "'varscope VERB --help' describes a verb. Environment: VARSCOPE_DEVICES, VARSCOPE_MEMORY_LIMIT,\n"
          "VARSCOPE_DATA_DIR (see the README).\n");
  return f == stderr ? 2 : 0;
}

static bool is_help(const char *a) { return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0; }

static int devices_usage(FILE *f) {
  fprintf(f, "usage: varscope devices [--verbose] [--json]\n"
             "Lists the OpenCL devices: global name, TF-style name, device name, vendor, type,\n"
             "compute units, memory and maximum allocation (the limits varscope enforces:\n"
             "VARSCOPE_MEMORY_LIMIT caps them; the driver's figures too when they differ),\n"
             "OpenCL C version, fp64. --verbose adds the\n"
             "platform, driver and tuning state; --json prints an array of objects with\n"
             "the same fields.\n");
  return f == stderr ? 2 : 0;
}

static int version_usage(FILE *f) {
  fprintf(f, "usage: varscope version | varscope --version\nPrints the library version.\n");
  return f == stderr ? 2 : 0;
}

/* The conv2d choices of device i as a malloc'd string of lines, or NULL
 * when there are none. */
static char *conv_choices(size_t i, vs_status *st) {
  size_t need = vs_device_conv_choices(i, NULL, 0, st);
  char *choices = need ? malloc(need + 1) : NULL;
  if (choices) vs_device_conv_choices(i, choices, need + 1, st);
  return choices;
}

static void device_text(size_t i, const vs_device_info *in, bool verbose, vs_status *st) {
  printf("%-14s %-15s %s\n", in->cl_name, in->name[0] ? in->name : "-", in->device_name);
  printf("    vendor %s, type %s, %zu compute units\n", in->vendor, in->type, in->compute_units);
  printf("    memory %.2f GiB, max allocation %.2f GiB, %s%s\n", in->global_mem_bytes / 1073741824.0,
         in->max_alloc_bytes / 1073741824.0, in->opencl_c_version, in->fp64 ? ", fp64" : "");
  if (in->global_mem_bytes != in->global_mem_bytes_driver || in->max_alloc_bytes != in->max_alloc_bytes_driver)
    printf("    (capped by VARSCOPE_MEMORY_LIMIT; the driver reports %.2f GiB, max allocation %.2f GiB)\n",
           in->global_mem_bytes_driver / 1073741824.0, in->max_alloc_bytes_driver / 1073741824.0);
  if (!verbose) return;
  printf("    platform %s, driver %s\n", in->platform_name, in->driver_version);
  printf("    CLBlast GEMM parameters: %s\n", in->clblast_tuned ? "tuned (varscope tune)" : "CLBlast's database");
  printf("    TF32 matrix units: %s\n", in->tf32_matrix_units
                                             ? "yes (sessions with tensor_float_32_execution may use them)"
                                             : "no (tensor_float_32_execution changes nothing here)");
  char *choices = conv_choices(i, st);
  if (choices) {
    printf("    conv2d algorithms kept after measuring:\n");
    for (char *line = strtok(choices, "\n"); line; line = strtok(NULL, "\n")) printf("      %s\n", line);
  } else {
    printf("    conv2d algorithms kept after measuring: none yet\n");
  }
  free(choices);
}

static void json_field(const char *name, const char *value, bool last) {
  printf("\"%s\": ", name);
  vs_tool_put_json_string(stdout, value);
  if (!last) printf(", ");
}

/* One object with the text output's fields, by the same names as vs_device_info. */
static void device_json(size_t i, const vs_device_info *in, bool verbose, vs_status *st) {
  printf("{");
  json_field("cl_name", in->cl_name, false);
  json_field("name", in->name, false);
  json_field("device_name", in->device_name, false);
  json_field("vendor", in->vendor, false);
  json_field("type", in->type, false);
  printf("\"compute_units\": %zu, \"global_mem_bytes\": %llu, \"max_alloc_bytes\": %llu, "
         "\"global_mem_bytes_driver\": %llu, \"max_alloc_bytes_driver\": %llu, ",
         in->compute_units, (unsigned long long)in->global_mem_bytes, (unsigned long long)in->max_alloc_bytes,
         (unsigned long long)in->global_mem_bytes_driver, (unsigned long long)in->max_alloc_bytes_driver);
  json_field("opencl_c_version", in->opencl_c_version, false);
  printf("\"fp64\": %s", in->fp64 ? "true" : "false");
  if (verbose) {
    printf(", ");
    json_field("platform_name", in->platform_name, false);
    json_field("driver_version", in->driver_version, false);
    printf("\"clblast_tuned\": %s, \"tf32_matrix_units\": %s, \"conv2d_choices\": [",
           in->clblast_tuned ? "true" : "false", in->tf32_matrix_units ? "true" : "false");
    char *choices = conv_choices(i, st);
    bool first = true;
    for (char *line = choices ? strtok(choices, "\n") : NULL; line; line = strtok(NULL, "\n"), first = false) {
      if (!first) printf(", ");
      vs_tool_put_json_string(stdout, line);
    }
    free(choices);
    printf("]");
  }
  printf("}");
}

static int devices(bool verbose, bool json) {
  vs_status *st = vs_status_new();
  if (!st) return 1;
  size_t n = vs_num_devices(st);
  if (vs_status_code(st) != VS_OK) {
    fprintf(stderr, "varscope: %s: ", vs_code_name(vs_status_code(st)));
    vs_tool_put_visible(stderr, vs_status_message(st));
    fputc('\n', stderr);
    vs_status_free(st);
    return 1;
  }
  if (n == 0 && !json) printf("no OpenCL device found (on CPUs, install pocl-opencl-icd)\n");
  if (json) printf("[");
  for (size_t i = 0; i < n; i++) {
    vs_device_info in;
    vs_device_get_info(i, &in, st);
    if (vs_status_code(st) != VS_OK) break;
    if (json) {
      printf("%s\n  ", i ? "," : "");
      device_json(i, &in, verbose, st);
    } else {
      device_text(i, &in, verbose, st);
    }
  }
  if (json) printf("%s]\n", n ? "\n" : "");
  int rc = vs_status_code(st) == VS_OK ? 0 : 1;
  if (rc) fprintf(stderr, "varscope: %s\n", vs_status_message(st));
  vs_status_free(st);
  return rc;
}

static int devices_cmd(int argc, char **argv) {
  bool verbose = false, json = false;
  for (int i = 2; i < argc; i++) {
    if (is_help(argv[i])) return devices_usage(stdout);
    if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
      verbose = true;
    } else if (strcmp(argv[i], "--json") == 0) {
      json = true;
    } else {
      fprintf(stderr, "varscope devices: unknown option '");
      vs_tool_put_visible(stderr, argv[i]);
      fprintf(stderr, "'\n");
      return devices_usage(stderr);
    }
  }
  return devices(verbose, json);
}

static int version_cmd(int argc, char **argv) {
  if (argc > 2) {
    if (is_help(argv[2])) return version_usage(stdout);
    return version_usage(stderr);
  }
  printf("varscope %s\n", vs_version());
  return 0;
}

static int dispatch(int argc, char **argv) {
  if (strcmp(argv[1], "devices") == 0) return devices_cmd(argc, argv);
  if (strcmp(argv[1], "conform") == 0) return vs_tool_conform(argc - 2, argv + 2);
  if (strcmp(argv[1], "ckpt") == 0) return vs_tool_ckpt(argc - 1, argv + 1);
  if (strcmp(argv[1], "tune") == 0) return vs_tool_tune(argc - 1, argv + 1);
  if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) return version_cmd(argc, argv);
  if (strcmp(argv[1], "help") == 0 || is_help(argv[1])) {
    if (argc == 2 || is_help(argv[1])) return usage(stdout);
    /* help VERB: the verb's own --help. */
    char *sub[] = {argv[0], argv[2], "--help", NULL};
    if (strcmp(argv[2], "help") == 0) return usage(stdout);
    return dispatch(3, sub);
  }
  fprintf(stderr, "varscope: unknown command '");
  vs_tool_put_visible(stderr, argv[1]);
  fprintf(stderr, "'\n");
  return usage(stderr);
}

int main(int argc, char **argv) {
  if (argc < 2) return usage(stderr);
  return dispatch(argc, argv);
}
