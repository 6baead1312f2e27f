#!/usr/bin/env python3
"""Runs the oracle: every twin under real TensorFlow.

usage: run_oracle.py [--filter GLOB] [--json FILE] [--list]
Prints one line per twin (PASS/FAIL) and "N passed, N failed" with the
TensorFlow version; exits 1 when a twin fails.
"""
import argparse
import fnmatch
import importlib
import json
import os
import sys

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "oracle")
sys.path.insert(0, os.path.dirname(HERE))

SUITES = ["name_scope", "variable_scope", "get_variable", "reuse", "errors", "variable_naming",
          "collections", "initializers", "initialization", "assignment", "placement",
          "replica_device_setter", "sharing", "numerics", "limits", "variable_api", "training", "resource"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--filter", default="*")
    ap.add_argument("--json")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    from oracle import harness
    for s in SUITES:
        if os.path.exists(os.path.join(HERE, s + ".py")):
            importlib.import_module("oracle." + s)
    reg = harness.registry()
    results = {}
    passed = failed = 0
    for s in SUITES:
        for fn in reg.get(s, []):
            if not fnmatch.fnmatchcase(fn.__name__, a.filter):
                continue
            if a.list:
                print("%s %s" % (s, fn.__name__))
                continue
            ok, msg = harness.run_case(fn)
            results[fn.__name__] = {"suite": s, "result": "pass" if ok else "fail",
                                    "message": msg}
            if ok:
                passed += 1
                print("PASS %s" % fn.__name__)
            else:
                failed += 1
                print("FAIL %s: %s" % (fn.__name__, msg))
    if a.list:
        return 0
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"tensorflow": harness.TF_VERSION, "results": results}, f, indent=1,
                      sort_keys=True)
    print("oracle: TensorFlow %s (tf.compat.v1 graph mode, v2 behaviour disabled)"
          % harness.TF_VERSION)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
