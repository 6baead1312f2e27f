/* test_export.c - GraphDef and DOT export (include/varscope/export.h).
 *
 * The GraphDef bytes are compared with TensorFlow 2.21's own serialization
 * of the same graph (as_graph_def().SerializeToString(deterministic=True),
 * which orders attrs by key as the exporter does), for the plain graph,
 * with add_shapes, and with export_meta_graph(strip_default_attrs=True)'s
 * graph. The TF program that printed them:
 *
 *   c = tf.constant(1.5, name="c")
 *   x = tf.placeholder(tf.float32, [None, 4], name="x")
 *   v = tf.get_variable("v", [4, 2], initializer=tf.zeros_initializer())
 *   m = tf.matmul(x, v, name="m")
 *   img = tf.placeholder(tf.float32, [1, 3, 3, 1], name="img")
 *   k = tf.constant([[[[1.0]]]], name="k")
 *   cv = tf.nn.conv2d(img, k, [1, 1, 1, 1], "VALID", name="cv")
 *
 * tests/test_tf_roundtrip.c checks a larger model against live TF.
 * No test here makes an OpenCL call: graphs only, no session.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUPPORT_FIXTURE_DIR "vs_export"
#include "support.h"

TestSuite(export, .init = setup, .fini = teardown);

static const char TF_PLAIN[] =
    "0a2e0a01631205436f6e73742a0b0a056474797065120230012a150a0576616c7565120c420a080112002a040000c03f0a3b"
    "0a0178120b506c616365686f6c6465722a0b0a056474797065120230012a1c0a05736861706512133a11120b08ffffffffff"
    "ffffffff01120208040a5e0a13762f496e697469616c697a65722f7a65726f731205436f6e73742a140a065f636c61737312"
    "0a0a0812066c6f633a40762a0b0a056474797065120230012a1d0a0576616c7565121442120801120812020804120208022a"
    "04000000000a6b0a0176120a5661726961626c6556322a140a065f636c617373120a0a0812066c6f633a40762a0f0a09636f"
    "6e7461696e6572120212002a0b0a056474797065120230012a130a057368617065120a3a0812020804120208022a110a0b73"
    "68617265645f6e616d65120212000a720a08762f41737369676e120641737369676e1a01761a13762f496e697469616c697a"
    "65722f7a65726f732a070a0154120230012a140a065f636c617373120a0a0812066c6f633a40762a110a0b7573655f6c6f63"
    "6b696e67120228012a140a0e76616c69646174655f7368617065120228010a340a06762f7265616412084964656e74697479"
    "1a01762a070a0154120230012a140a065f636c617373120a0a0812066c6f633a40760a610a016d12064d61744d756c1a0178"
    "1a06762f726561642a070a0154120230012a0c0a06677261645f61120228002a0c0a06677261645f62120228002a110a0b74"
    "72616e73706f73655f61120228002a110a0b7472616e73706f73655f62120228000a3c0a03696d67120b506c616365686f6c"
    "6465722a0b0a056474797065120230012a1b0a05736861706512123a10120208011202080312020803120208010a3e0a016b"
    "1205436f6e73742a0b0a056474797065120230012a250a0576616c7565121c421a0801121012020801120208011202080112"
    "0208012a040000803f0aa5010a0263761206436f6e7632441a03696d671a016b2a070a0154120230012a150a0b646174615f"
    "666f726d6174120612044e4857432a150a0964696c6174696f6e7312080a061a04010101012a170a116578706c696369745f"
    "70616464696e677312020a002a120a0770616464696e671207120556414c49442a130a077374726964657312080a061a0401"
    "0101012a160a107573655f6375646e6e5f6f6e5f67707512022801220308aa13";

static const char TF_SHAPES[] =
    "0a460a01631205436f6e73742a160a0e5f6f75747075745f73686170657312040a023a002a0b0a056474797065120230012a"
    "150a0576616c7565120c420a080112002a040000c03f0a640a0178120b506c616365686f6c6465722a270a0e5f6f75747075"
    "745f73686170657312150a133a11120b08ffffffffffffffffff01120208042a0b0a056474797065120230012a1c0a057368"
    "61706512133a11120b08ffffffffffffffffff01120208040a7e0a13762f496e697469616c697a65722f7a65726f73120543"
    "6f6e73742a140a065f636c617373120a0a0812066c6f633a40762a1e0a0e5f6f75747075745f736861706573120c0a0a3a08"
    "12020804120208022a0b0a056474797065120230012a1d0a0576616c7565121442120801120812020804120208022a040000"
    "00000a8b010a0176120a5661726961626c6556322a140a065f636c617373120a0a0812066c6f633a40762a1e0a0e5f6f7574"
    "7075745f736861706573120c0a0a3a0812020804120208022a0f0a09636f6e7461696e6572120212002a0b0a056474797065"
    "120230012a130a057368617065120a3a0812020804120208022a110a0b7368617265645f6e616d65120212000a92010a0876"
    "2f41737369676e120641737369676e1a01761a13762f496e697469616c697a65722f7a65726f732a070a0154120230012a14"
    "0a065f636c617373120a0a0812066c6f633a40762a1e0a0e5f6f75747075745f736861706573120c0a0a3a08120208041202"
    "08022a110a0b7573655f6c6f636b696e67120228012a140a0e76616c69646174655f7368617065120228010a540a06762f72"
    "65616412084964656e746974791a01762a070a0154120230012a140a065f636c617373120a0a0812066c6f633a40762a1e0a"
    "0e5f6f75747075745f736861706573120c0a0a3a0812020804120208020a8a010a016d12064d61744d756c1a01781a06762f"
    "726561642a070a0154120230012a270a0e5f6f75747075745f73686170657312150a133a11120b08ffffffffffffffffff01"
    "120208022a0c0a06677261645f61120228002a0c0a06677261645f62120228002a110a0b7472616e73706f73655f61120228"
    "002a110a0b7472616e73706f73655f62120228000a640a03696d67120b506c616365686f6c6465722a260a0e5f6f75747075"
    "745f73686170657312140a123a10120208011202080312020803120208012a0b0a056474797065120230012a1b0a05736861"
    "706512123a10120208011202080312020803120208010a660a016b1205436f6e73742a260a0e5f6f75747075745f73686170"
    "657312140a123a10120208011202080112020801120208012a0b0a056474797065120230012a250a0576616c7565121c421a"
    "08011210120208011202080112020801120208012a040000803f0acd010a0263761206436f6e7632441a03696d671a016b2a"
    "070a0154120230012a260a0e5f6f75747075745f73686170657312140a123a10120208011202080312020803120208012a15"
    "0a0b646174615f666f726d6174120612044e4857432a150a0964696c6174696f6e7312080a061a04010101012a170a116578"
    "706c696369745f70616464696e677312020a002a120a0770616464696e671207120556414c49442a130a0773747269646573"
    "12080a061a04010101012a160a107573655f6375646e6e5f6f6e5f67707512022801220308aa13";

static const char TF_STRIP[] =
    "0a460a01631205436f6e73742a160a0e5f6f75747075745f73686170657312040a023a002a0b0a056474797065120230012a"
    "150a0576616c7565120c420a080112002a040000c03f0a640a0178120b506c616365686f6c6465722a270a0e5f6f75747075"
    "745f73686170657312150a133a11120b08ffffffffffffffffff01120208042a0b0a056474797065120230012a1c0a057368"
    "61706512133a11120b08ffffffffffffffffff01120208040a7e0a13762f496e697469616c697a65722f7a65726f73120543"
    "6f6e73742a140a065f636c617373120a0a0812066c6f633a40762a1e0a0e5f6f75747075745f736861706573120c0a0a3a08"
    "12020804120208022a0b0a056474797065120230012a1d0a0576616c7565121442120801120812020804120208022a040000"
    "00000a670a0176120a5661726961626c6556322a140a065f636c617373120a0a0812066c6f633a40762a1e0a0e5f6f757470"
    "75745f736861706573120c0a0a3a0812020804120208022a0b0a056474797065120230012a130a057368617065120a3a0812"
    "020804120208020a690a08762f41737369676e120641737369676e1a01761a13762f496e697469616c697a65722f7a65726f"
    "732a070a0154120230012a140a065f636c617373120a0a0812066c6f633a40762a1e0a0e5f6f75747075745f736861706573"
    "120c0a0a3a0812020804120208020a540a06762f7265616412084964656e746974791a01762a070a0154120230012a140a06"
    "5f636c617373120a0a0812066c6f633a40762a1e0a0e5f6f75747075745f736861706573120c0a0a3a081202080412020802"
    "0a480a016d12064d61744d756c1a01781a06762f726561642a070a0154120230012a270a0e5f6f75747075745f7368617065"
    "7312150a133a11120b08ffffffffffffffffff01120208020a640a03696d67120b506c616365686f6c6465722a260a0e5f6f"
    "75747075745f73686170657312140a123a10120208011202080312020803120208012a0b0a056474797065120230012a1b0a"
    "05736861706512123a10120208011202080312020803120208010a660a016b1205436f6e73742a260a0e5f6f75747075745f"
    "73686170657312140a123a10120208011202080112020801120208012a0b0a056474797065120230012a250a0576616c7565"
    "121c421a08011210120208011202080112020801120208012a040000803f0a6e0a0263761206436f6e7632441a03696d671a"
    "016b2a070a0154120230012a260a0e5f6f75747075745f73686170657312140a123a10120208011202080312020803120208"
    "012a120a0770616464696e671207120556414c49442a130a077374726964657312080a061a0401010101220308aa13";

static void small_graph(void)
{
  vs_constant_float(g, 1.5f, "c", st);
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(VS_DIM_UNKNOWN, 4), "x", st);
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(4, 2), .initializer = vs_zeros_initializer()},
                              st);
  vs_matmul(g, x, vs_var_value(v), &(vs_matmul_opts){.name = "m"}, st);
  vs_output img = vs_placeholder(g, VS_FLOAT, VS_SHAPE(1, 3, 3, 1), "img", st);
  vs_output k = vs_constant(g, (float[]){1}, VS_FLOAT, VS_SHAPE(1, 1, 1, 1), "k", st);
  vs_conv2d(g, img, k, &(vs_conv2d_opts){.padding = "VALID", .name = "cv"}, st);
  expect_ok(st);
}

/* The buffer, in hex, equals TF's bytes; on a difference the message
 * names the first differing byte. */
static void expect_bytes(const void *buf, size_t len, const char *want_hex)
{
  size_t wl = strlen(want_hex) / 2;
  char *got = malloc(2 * len + 1);
  for (size_t i = 0; i < len; i++) sprintf(got + 2 * i, "%02x", ((const unsigned char *)buf)[i]);
  got[2 * len] = '\0';
  size_t first = 0;
  while (got[first] && got[first] == want_hex[first]) first++;
  cr_assert(len == wl && strcmp(got, want_hex) == 0,
            "%zu bytes, TF %zu; first difference at byte %zu:\n  ours %.80s\n  TF   %.80s", len, wl, first / 2,
            got + first / 2 * 2, want_hex + first / 2 * 2);
  free(got);
}

Test(export, graphdef_bytes_equal_tf)
{
  small_graph();
  size_t len = 99;
  void *buf = vs_graph_export_graphdef(g, NULL, &len, st);
  expect_ok(st);
  expect_bytes(buf, len, TF_PLAIN);
  vs_export_free(buf);
}

Test(export, graphdef_add_shapes_bytes_equal_tf)
{
  small_graph();
  size_t len;
  void *buf = vs_graph_export_graphdef(g, &(vs_export_opts){.add_shapes = true}, &len, st);
  expect_ok(st);
  expect_bytes(buf, len, TF_SHAPES);
  vs_export_free(buf);
}

/* export_meta_graph(strip_default_attrs=True) (which also adds shapes) */
Test(export, graphdef_strip_default_attrs_bytes_equal_tf)
{
  small_graph();
  size_t len;
  void *buf = vs_graph_export_graphdef(g, &(vs_export_opts){.add_shapes = true, .strip_default_attrs = true}, &len,
                                       st);
  expect_ok(st);
  expect_bytes(buf, len, TF_STRIP);
  vs_export_free(buf);
}

/* An empty graph: just versions { producer: 2474 } (TF's bytes "2203 08aa13"). */
Test(export, empty_graph_is_versions_only)
{
  size_t len;
  void *buf = vs_graph_export_graphdef(g, NULL, &len, st);
  expect_ok(st);
  expect_bytes(buf, len, "220308aa13");
  vs_export_free(buf);
}

/* v.initialized_value() has no single TF op (TF builds a cond): refused,
 * naming the op; nothing is returned. */
Test(export, op_without_tf_equivalent_is_unimplemented)
{
  vs_var *v = vs_get_variable(g, "v", &(vs_var_opts){.shape = VS_SHAPE(2)}, st);
  vs_output iv = vs_initialized_value(g, v, st);
  expect_ok(st);
  char want[256];
  snprintf(want, sizeof want,
           "vs_graph_export_graphdef: op '%s' has type InitializedValue, which has no TensorFlow GraphDef equivalent",
           vs_op_name(iv.op));
  size_t len = 7;
  cr_assert_null(vs_graph_export_graphdef(g, NULL, &len, st));
  expect_error(st, VS_UNIMPLEMENTED, "UnimplementedError", want);
  cr_assert_eq(len, 0);
}

Test(export, null_arguments)
{
  size_t len;
  cr_assert_null(vs_graph_export_graphdef(NULL, NULL, &len, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "vs_graph_export_graphdef: a graph and len are required");
  cr_assert_null(vs_graph_export_graphdef(g, NULL, NULL, st));
  expect_code(st, VS_INVALID_ARGUMENT);
  cr_assert_null(vs_graph_export_dot(NULL, NULL, &len, st));
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "vs_graph_export_dot: a graph is required");
  vs_graph_write_graphdef(g, NULL, NULL, st);
  expect_error(st, VS_INVALID_ARGUMENT, "ValueError", "vs_graph_write_graphdef: a graph and a path are required");
  vs_export_free(NULL);
}

/* tf.io.write_graph(as_text=False): the file holds the same bytes; into a
 * missing directory: NOT_FOUND with the OS's text, and nothing left. */
Test(export, write_graphdef_file)
{
  small_graph();
  char path[512];
  snprintf(path, sizeof path, "%s/g.pb", dir);
  vs_graph_write_graphdef(g, path, NULL, st);
  expect_ok(st);
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f);
  unsigned char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  expect_bytes(buf, n, TF_PLAIN);
  snprintf(path, sizeof path, "%s/nodir/g.pb", dir);
  vs_graph_write_graphdef(g, path, NULL, st);
  expect_code(st, VS_NOT_FOUND);
  char want[600];
  snprintf(want, sizeof want, "Cannot create a temporary file for %s: No such file or directory", path);
  cr_assert_str_eq(vs_status_message(st), want);
}

/* The DOT text of a tiny graph: clusters by top-level scope, labels with
 * name, type and device, dtype/shape on data edges, dashed control edges,
 * quotes and backslashes escaped. */
Test(export, dot_text)
{
  vs_output x = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2), "x", st);
  vs_op *n = vs_no_op(g, "first", st);
  vs_control_dependencies_push(g, &n, 1, st);
  vs_output y = {0};
  VS_WITH_NAME_SCOPE(g, "blk", st) y = vs_add(g, x, x, NULL, st);
  vs_control_dependencies_pop(g, st);
  VS_WITH_DEVICE(g, "/device:CPU:0", st) vs_identity(g, y, "out", st);
  expect_ok(st);
  size_t len;
  char *dot = vs_graph_export_dot(g, NULL, &len, st);
  expect_ok(st);
  cr_assert_eq(len, strlen(dot));
  cr_assert_str_eq(dot,
                   "digraph varscope {\n"
                   "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n"
                   "  edge [fontname=\"Helvetica\", fontsize=8];\n"
                   "  \"x\" [label=\"x\\nPlaceholder\"];\n"
                   "  \"first\" [label=\"first\\nNoOp\"];\n"
                   "  subgraph cluster_0 {\n"
                   "    label=\"blk\";\n"
                   "    \"blk/add\" [label=\"blk/add\\nAddV2\"];\n"
                   "  }\n"
                   "  \"out\" [label=\"out\\nIdentity\\n/device:CPU:0\"];\n"
                   "  \"x\" -> \"blk/add\" [label=\"float32 (2,)\"];\n"
                   "  \"x\" -> \"blk/add\" [label=\"float32 (2,)\"];\n"
                   "  \"first\" -> \"blk/add\" [style=dashed];\n"
                   "  \"blk/add\" -> \"out\" [label=\"float32 (2,)\"];\n"
                   "}\n");
  vs_export_free(dot);
}

/* The number of times `pat` (n bytes) occurs in buf. */
static int count_bytes(const unsigned char *buf, size_t len, const char *pat, size_t n)
{
  int k = 0;
  for (size_t i = 0; i + n <= len; i++) k += memcmp(buf + i, pat, n) == 0;
  return k;
}

/* The first occurrence of `pat` (n bytes) in buf, or NULL. */
static const unsigned char *find_bytes(const unsigned char *buf, size_t len, const char *pat, size_t n)
{
  for (size_t i = 0; i + n <= len; i++)
    if (memcmp(buf + i, pat, n) == 0) return buf + i;
  return NULL;
}

/* The NodeDef attr entry use_locking=<b> (map entry 0x2a, key, AttrValue b). */
#define USE_LOCKING(b) "\x2a\x11\x0a\x0buse_locking\x12\x02\x28" b
#define USE_LOCKING_LEN 19

/* AdamOptimizer(use_locking=...) on a RefVariable, exported as
 * export_meta_graph(strip_default_attrs=True) writes it: TF's Adam
 * advances its beta powers with beta_power.assign(..., use_locking=
 * self._use_locking), so "Adam/Assign" and "Adam/Assign_1" keep an
 * explicit use_locking=false where an initializer's Assign (the op's
 * default, true) loses it; with use_locking=True those two are the op's
 * default and ApplyAdam's true is kept instead (checked node for node
 * against TF by tests/test_optimizers.c with tools/tf_resume_adam.py). */
static void adam_graph_locking(bool use_locking, int want_false, int want_true)
{
  vs_var *w = vs_get_variable(g, "w", &(vs_var_opts){.shape = VS_SHAPE(2), .initializer = vs_ones_initializer()},
                              st);
  vs_output grad = vs_placeholder(g, VS_FLOAT, VS_SHAPE(2), "grad", st);
  vs_optimizer *o = vs_adam_optimizer(&(vs_adam_opts){.use_locking = use_locking}, st);
  vs_op *train = vs_optimizer_apply_gradients(o, &(vs_grad_and_var){grad, w}, 1, NULL, st);
  expect_ok(st);
  cr_assert_str_eq(vs_op_name(train), "Adam");
  size_t len;
  unsigned char *buf =
      vs_graph_export_graphdef(g, &(vs_export_opts){.add_shapes = true, .strip_default_attrs = true}, &len, st);
  expect_ok(st);
  cr_expect_eq(count_bytes(buf, len, USE_LOCKING("\x00"), USE_LOCKING_LEN), want_false);
  cr_expect_eq(count_bytes(buf, len, USE_LOCKING("\x01"), USE_LOCKING_LEN), want_true);
  /* the two explicit false ones are Adam's beta-power Assigns */
  const unsigned char *at = find_bytes(buf, len, "\x0a\x0b" "Adam/Assign\x12\x06" "Assign", 21);
  const unsigned char *next = find_bytes(buf, len, "\x0a\x0a" "Adam/mul_1", 12);
  cr_assert(at && next && at < next);
  cr_expect_eq(count_bytes(at, (size_t)(next - at), USE_LOCKING("\x00"), USE_LOCKING_LEN),
               want_false / 2);
  vs_export_free(buf);
  vs_optimizer_free(o);
}

Test(export, adam_beta_power_assigns_write_use_locking_false) { adam_graph_locking(false, 2, 0); }
Test(export, adam_use_locking_true_on_apply_op) { adam_graph_locking(true, 0, 1); }
