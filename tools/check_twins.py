#!/usr/bin/env python3
"""Checks that every C conformance case has a Python twin and every twin a C
case, suite by suite (conformance/cases/<suite>.c <-> conformance/oracle/<suite>.py),
that case names are unique, and that every case names at least one rule.
Needs no TensorFlow. Exit 1 on a mismatch."""
import ast
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = os.path.join(ROOT, "conformance", "cases")
ORACLE = os.path.join(ROOT, "conformance", "oracle")
REG = re.compile(r'VSC_REG\(\s*(\w+)\s*,\s*"([^"]*)"\s*\)')


def c_cases():
    out = {}
    for f in sorted(os.listdir(CASES)):
        if f.endswith(".c"):
            text = open(os.path.join(CASES, f)).read()
            out[f[:-2]] = [(m.group(1), m.group(2)) for m in REG.finditer(text)]
    return out


def py_twins():
    out = {}
    for f in sorted(os.listdir(ORACLE)):
        if not f.endswith(".py") or f in ("__init__.py", "harness.py"):
            continue
        tree = ast.parse(open(os.path.join(ORACLE, f)).read())
        names = []
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and any(
                    (isinstance(d, ast.Name) and d.id == "case") for d in node.decorator_list):
                names.append(node.name)
        out[f[:-3]] = names
    return out


def main():
    c, py = c_cases(), py_twins()
    problems = []
    seen = {}
    for suite, cases in c.items():
        for name, rules in cases:
            if name in seen:
                problems.append("case %s is in %s and %s" % (name, seen[name], suite))
            seen[name] = suite
            if not rules.split():
                problems.append("case %s/%s names no rule" % (suite, name))
    for suite in sorted(set(c) | set(py)):
        cn = [n for n, _ in c.get(suite, [])]
        pn = py.get(suite, [])
        for n in cn:
            if n not in pn:
                problems.append("C case %s/%s has no twin in conformance/oracle/%s.py" % (suite, n, suite))
        for n in pn:
            if n not in cn:
                problems.append("twin %s/%s has no C case in conformance/cases/%s.c" % (suite, n, suite))
        if len(set(pn)) != len(pn):
            problems.append("conformance/oracle/%s.py defines a twin twice" % suite)
    for p in problems:
        print("check-twins: " + p)
    total = sum(len(v) for v in c.values())
    print("check-twins: %d C cases, %d twins, %d problem(s)" % (
        total, sum(len(v) for v in py.values()), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
