#!/usr/bin/env python3
"""Generates conformance/COVERAGE.md: each rule of the spec -> its cases ->
their status on a device (PoCL by default), and every rule without a case
listed as a gap with its reason (conformance/gaps.txt).

  tools/coverage.py --results conform.json [--oracle oracle.json] [--out conformance/COVERAGE.md]
  tools/coverage.py --extract SPEC.md     # regenerate conformance/rules.txt from the spec

conform.json is `varscope conform --json`; oracle.json is
`conformance/run_oracle.py --json`. The rules (conformance/rules.txt) are the
numbered rows of §1-§9 of tf1-variable-semantics.md, its unnumbered
subsections (e.g. 2.4, 8.1), the errors E1-E22 of §5, the twenty
behaviours of §11, the numerics rules N.* of issue 4 and the appendix examples
A.a-A.k of issue 2."""
import argparse
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONF = os.path.join(ROOT, "conformance")
REG = re.compile(r'VSC_REG\(\s*(\w+)\s*,\s*"([^"]*)"\s*\)')


def registered_suites():
    """The suites in conformance/registry.c's SUITES X-macro, in its order
    (one list to keep: a suite added there is covered here)."""
    src = open(os.path.join(CONF, "registry.c")).read()
    block = re.search(r"#define SUITES\(X\)(.*?)\n\n", src, re.S).group(1)
    return re.findall(r"X\((\w+)\)", block)


SUITES = registered_suites()

# Rules the spec states as prose or code rather than numbered rows.
EXTRA = [
    ("1.3", "name validation patterns (TF 2.x adds '>' and '\\')"),
    ("1.4", "V2 tf.name_scope (not compat.v1)"),
    ("2.1", "tf.Variable names from the name scope, default 'Variable', uniquified"),
    ("2.4", "ops a RefVariable creates: VariableV2, Initializer/..., initial_value, Assign, read; assign/read_value ops"),
    ("3.1", "store keys vs op names; the store only knows get_variable"),
    ("3.3", "shape required for creation (V14 / V115 / V2 texts)"),
    ("5.uninit", "uninitialized reads: FailedPreconditionError 'Attempting to use uninitialized value'"),
    ("6.1", "GraphKeys strings"),
    ("7.1", "default initializer precedence and scope dtype"),
    ("7.2", "variance scaling / glorot parameters and validation"),
    ("7.3", "zeros/ones/constant/random_* initializers and constant_initializer's rules"),
    ("8.1", "device string grammar and canonical form"),
    ("9.1", "custom_getter: arguments, composition, replacement, renaming"),
    ("9.2", "get_local_variable"),
    ("9.3", "partitioned variables"),
    ("9.4", "EagerVariableStore / make_template"),
    ("9.5", "use_resource / which Variable class"),
    ("9.6", "V2-eager compat.v1 behaviour"),
]
# Issue 4's numerics: the ops and their TF semantics, checked against TF outputs.
NUMERICS = [
    ('N.conv2d.same', "conv2d SAME padding: output ceil(in / stride), TF's uneven split (the extra row/column after)"),
    ('N.conv2d.valid', 'conv2d VALID padding: output ceil((in - (k - 1) * dilation) / stride)'),
    ('N.conv2d.stride2', 'conv2d with stride 2 in both spatial dims'),
    ('N.conv2d.strides_unequal', 'conv2d with unequal strides [1, 2, 1, 1]'),
    ('N.conv2d.dilation', 'conv2d dilations, equal and unequal, SAME and VALID'),
    ('N.conv2d.1x1', 'conv2d with a 1x1 filter'),
    ('N.conv2d.error.rank', 'conv2d on a rank-3 input: ValueError "Shape must be rank 4 but is rank 3 for \'{{node Conv2D}} = Conv2D[...]\' ..."'),
    ('N.conv2d.error.depth', 'conv2d input depth not a multiple of the filter\'s: ValueError "Depth of input (3) is not a multiple of input depth of filter (32) ..."'),
    ('N.conv2d.error.negative', 'VALID conv2d with a filter larger than the input: ValueError "Negative dimension size caused by subtracting 5 from 3 ..."'),
    ('N.conv2d.error.padding', 'conv2d padding "BAD": ValueError "Attr \'padding\' of \'Conv2D\' Op passed string \'BAD\' not in: ..."'),
    ('N.conv_bias_relu', 'the image-filter layer relu(bias_add(conv2d(x, 5x5x32x32, SAME), b)) and relu(conv + biases) (fused on the device)'),
    ('N.add.trailing', 'conv + biases: `+` (AddV2 "add") with an operand whose shape is the other\'s trailing dims'),
    ('N.fusion.other_reader', 'a conv result fetched beside conv + biases is not overwritten by the in-place bias epilogue'),
    ('N.bias_add.rank2', 'tf.nn.bias_add on a matrix'),
    ('N.bias_add.error', 'bias_add size / rank mismatch: ValueError "Dimensions must be equal, ..." / "Shape must be rank 1 but is rank 2 ..."'),
    ('N.relu', 'tf.nn.relu'),
    ('N.matmul', 'tf.matmul(a, b)'),
    ('N.matmul.transpose_a', 'tf.matmul(a, b, transpose_a=True)'),
    ('N.matmul.transpose_b', 'tf.matmul(a, b, transpose_b=True)'),
    ('N.matmul.transpose_both', 'tf.matmul(a, b, transpose_a=True, transpose_b=True)'),
    ('N.matmul.error', 'matmul inner dimension mismatch: ValueError "Dimensions must be equal, but are 4 and 5 for \'{{node MatMul}} = MatMul[...]\' ..."'),
    ('N.reshape.infer', 'tf.reshape with one -1 dimension: the inferred static shape and the values'),
    ('N.reshape.error', 'tf.reshape to a different element count: ValueError "Cannot reshape a tensor with 12 elements to shape [5,5] (25 elements) ..."'),
    ('N.image_filter.sharing', 'my_image_filter shared three ways (reuse=True, reuse_variables(), captured scope): 4 variables, bit-identical outputs'),
]
# Behaviour fixed after real TensorFlow was run beside varscope (issue 9) and
# the bit-identical initial values (issue 12, item 9).
LATER = [
    ("X.trailing_slash", "an op name ending in '/' is the op's full name minus the slash, not uniquified (create_op)"),
    ("X.init_scope", "variables are built under init_scope: none of a variable's ops gets enclosing control inputs"),
    ("X.string_variable", "a string variable creates, initialises to b'', assigns, feeds and fetches"),
    ("X.other_graph", "a tensor of another graph is named in TF's error text"),
    ("X.padding_none", "conv2d without padding: TypeError \"Expected string for argument 'padding' not None.\""),
    ("X.device_list", "an unknown device at run time: the error lists the devices there are"),
    ("X.philox", "random initializers draw TF's exact Philox4x32-10 streams for the same graph and op seeds"),
]
# Limits of issue 14: TF's texts where sizes leave int32/int64 or are negative.
LIMITS = [
    ("H.limits.negative", "negative dimensions other than -1: TF's 'Dimension -2 must be >= 0' texts"),
    ("H.limits.count", "element counts past int64 and overflowing size sums: TF's 'too large' / overflow texts"),
    ("H.limits.int64", "dimensions past int32 kept 64-bit end to end (int64 shape tensors, as TF)"),
    ("H.limits.int32", "conv2d attributes past int32: TF's 'out of range for an int32' text"),
    ("H.limits.name", "an empty op name takes the op's default name"),
]
APPENDIX = [("A." + k, v) for k, v in [
    ("a", "foo/v, foo/w; reuse=True returns foo/v"), ("b", "reuse=False: already exists"),
    ("c", "reuse=True: u does not exist"), ("d", "new variable without shape"),
    ("e", "reuse=False creates foo/u"), ("f", "tf.Variable is not shareable"),
    ("g", "name_scope ignored by get_variable"), ("h", "Variable vs get_variable names"),
    ("i", "nested scopes, reuse and AUTO_REUSE"), ("j", "image filter sharing (3 ways)"),
    ("k", "guide: dtypes, initializers, collections")]]


def extract(spec):
    rules = []
    section = None
    in11 = False
    for line in open(spec):
        m = re.match(r"^## (\d+)\.", line)
        if m:
            section = int(m.group(1))
            in11 = section == 11
        m = re.match(r"^\| (\d+\.\d+(?:\.\d+)?) \| (.*)", line)
        if m and section and 1 <= section <= 9:
            cells = [c.strip() for c in m.group(2).split("|")]
            text = " / ".join(c for c in cells[:2] if c and c != "—")
            rules.append((m.group(1), text))
            continue
        m = re.match(r"^\| \*\*(E\d+)\*\* \| ([^|]*)\|", line)
        if m:
            rules.append(("5." + m.group(1), m.group(2).strip()))
            continue
        m = re.match(r"^(\d+)\. \*\*(.*?)\*\*", line)
        if m and in11:
            rules.append(("11." + m.group(1), m.group(2)))
    rules += EXTRA + NUMERICS + LATER + LIMITS + APPENDIX

    def key(r):
        parts = re.split(r"[.]", r[0])
        return [(0, int(p)) if p.isdigit() else (1, p) for p in parts]

    seen, out = set(), []
    for r in sorted(rules, key=key):
        if r[0] not in seen:
            seen.add(r[0])
            out.append(r)
    with open(os.path.join(CONF, "rules.txt"), "w") as f:
        f.write("# Rules of docs/tf1-variable-semantics.md (generated by\n"
                "# tools/coverage.py --extract; N.* numerics, X.* later fixes, H.limits.* size limits,\n# A.* the appendix examples of issue 2).\n")
        for rid, text in out:
            f.write("%s\t%s\n" % (rid, re.sub(r"\s+", " ", text).replace("\t", " ")[:160]))
    print("wrote conformance/rules.txt (%d rules)" % len(out))


def read_tsv(path):
    out = []
    for line in open(path):
        if line.strip() and not line.startswith("#"):
            a, _, b = line.rstrip("\n").partition("\t")
            out.append((a.strip(), b.strip()))
    return out


def cases():
    out = []
    for s in SUITES:
        p = os.path.join(CONF, "cases", s + ".c")
        if os.path.exists(p):
            for m in REG.finditer(open(p).read()):
                out.append((s, m.group(1), m.group(2).split()))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--extract")
    ap.add_argument("--results", help="varscope conform --json output")
    ap.add_argument("--oracle", help="run_oracle.py --json output")
    ap.add_argument("--out", default=os.path.join(CONF, "COVERAGE.md"))
    a = ap.parse_args()
    if a.extract:
        extract(a.extract)
        return 0
    rules = read_tsv(os.path.join(CONF, "rules.txt"))
    gaps = dict(read_tsv(os.path.join(CONF, "gaps.txt")))
    cs = cases()
    res = json.load(open(a.results)) if a.results else {"results": {}, "cases": []}
    xf = {c["name"]: c.get("expected_failure") for c in res.get("cases", [])}
    orc = json.load(open(a.oracle)) if a.oracle else None
    by_rule = {}
    for suite, name, rs in cs:
        for r in rs:
            by_rule.setdefault(r, []).append((suite, name))
    known = {r for r, _ in rules}
    problems = [("%s/%s names unknown rule %s" % (s, n, r)) for s, n, rs in cs for r in rs
                if r not in known]
    problems += ["gaps.txt lists %s, which has cases" % r for r in gaps if r in by_rule]
    problems += ["gaps.txt lists unknown rule %s" % r for r in gaps if r not in known]

    def status(name):
        r = res["results"].get(name)
        if r is None:
            return "not run"
        if r == "fail" and xf.get(name):
            return "**FAIL** (xfail: %s)" % xf[name]
        return {"pass": "pass", "fail": "**FAIL**", "skip": "skip"}[r]

    kind = res.get("kind", "?")
    lines = ["# Conformance coverage", "",
             "Generated by `tools/coverage.py` from `conformance/rules.txt` (the rules of",
             "`tf1-variable-semantics.md` §1-§9 and §11, the numerics of issue 4 (N.*), and the appendix examples of issue 2),",
             "the case tables of `conformance/cases/*.c`, `conformance/gaps.txt` and a run of",
             "`varscope conform --json` on **%s**%s. Do not edit by hand." % (
                 kind, " (device %s)" % res["device"] if res.get("device") else ""), ""]
    if orc:
        op = sum(1 for v in orc["results"].values() if v["result"] == "pass")
        lines += ["Oracle: TensorFlow %s, %d of %d twins pass." % (orc["tensorflow"], op, len(orc["results"])), ""]
    # per suite
    lines += ["## Suites", "", "| suite | C cases | twins | pass on %s | fail (xfail) | oracle pass |" % kind,
              "|---|---|---|---|---|---|"]
    twins = {}
    for s in SUITES:
        p = os.path.join(CONF, "oracle", s + ".py")
        twins[s] = len(re.findall(r"^@case", open(p).read(), re.M)) if os.path.exists(p) else 0
    for s in SUITES:
        names = [n for ss, n, _ in cs if ss == s]
        p = sum(1 for n in names if res["results"].get(n) == "pass")
        f = sum(1 for n in names if res["results"].get(n) == "fail")
        x = sum(1 for n in names if res["results"].get(n) == "fail" and xf.get(n))
        o = sum(1 for n in names if orc and orc["results"].get(n, {}).get("result") == "pass") if orc else "-"
        lines.append("| %s | %d | %d | %d | %d (%d) | %s |" % (s, len(names), twins[s], p, f, x, o))
    lines.append("| **total** | %d | %d | %d | %d | %s |" % (
        len(cs), sum(twins.values()), sum(1 for _, n, _ in cs if res["results"].get(n) == "pass"),
        sum(1 for _, n, _ in cs if res["results"].get(n) == "fail"),
        sum(1 for _, n, _ in cs if orc and orc["results"].get(n, {}).get("result") == "pass") if orc else "-"))
    lines += ["", "## Rules", "", "| rule | behaviour | cases (status on %s) |" % kind, "|---|---|---|"]
    ngap = 0
    for rid, text in rules:
        cl = by_rule.get(rid)
        if cl:
            cell = "<br>".join("`%s/%s` %s" % (s, n, status(n)) for s, n in cl)
        else:
            ngap += 1
            cell = "GAP: " + gaps.get(rid, "**no case and no reason given**")
            if rid not in gaps:
                problems.append("rule %s has no case and no reason in gaps.txt" % rid)
        lines.append("| %s | %s | %s |" % (rid, text.replace("|", "\\|"), cell))
    lines += ["", "## Gaps", "", "%d of %d rules have no case; each has its reason above." % (ngap, len(rules)), ""]
    with open(a.out, "w") as f:
        f.write("\n".join(lines))
    for p in problems:
        print("coverage: " + p, file=sys.stderr)
    print("coverage: wrote %s (%d rules, %d cases, %d gaps)" % (os.path.relpath(a.out, ROOT), len(rules), len(cs), ngap))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
