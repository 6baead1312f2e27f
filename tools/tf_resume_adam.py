#!/usr/bin/env python3
"""TensorFlow resumes training from a checkpoint varscope wrote, and trains
the GraphDef varscope exported (issue 13's round trips, optimizer state and
update ops included). tests/test_optimizers.c starts it
before any OpenCL call, trains w (2x3, W0) 3 steps with AdamOptimizer(0.1)
on loss = sum((w - T)^2) with a global step, saves a V2 checkpoint with its
Saver and sends "prefix <path>" on stdin. This script builds the same graph
with tf.compat.v1, restores that checkpoint with tf.train.Saver (the slots
w/Adam and w/Adam_1, beta1_power, beta2_power and global_step by their TF
names), trains 2 more steps and prints:
    keys <the checkpoint's keys, sorted, space separated>
    losses <loss before step 4> <loss before step 5>
    w <w after step 5, 6 values>
    step <global_step>
(%.9g each), for the C test to compare with TF's uninterrupted trajectory.
Then it reads "graphdef <path>": varscope's GraphDef of that graph, which it
imports, initialises (each variable's "<v>/Assign") and trains 5 steps from
the start by running the train op ("Adam", the global step's AssignAdd),
and prints
    graphdef_attrs <"same" when every node of the GraphDef is TF's own
                    graph's: names in order, op, inputs, device and
                    attrs (Adam's beta-power Assigns' use_locking=false
                    included), else "DIFF ...">
    graphdef_w <w after 5 steps, 6 values>
With the argument "resource" the model's w is a resource variable
(use_resource=True, so are its slots and the beta powers), read through
"w/Read/ReadVariableOp" as the C model reads it; the update op is
"Adam/update_w/ResourceApplyAdam", and graphdef_attrs compares the nodes
the same way."""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
tf.get_logger().setLevel("ERROR")
W0 = np.array([[0.5, -1, 2], [1.5, 0, -0.25]], np.float32)
T = np.array([[1, 2, 3], [-1, 0.5, 0]], np.float32)


def node_diffs(own, theirs):
    """The differences between TF's GraphDef and varscope's, node by node."""
    out = []
    names_a, names_b = [n.name for n in own], [n.name for n in theirs]
    if names_a != names_b:
        at = next((i for i, (x, y) in enumerate(zip(names_a, names_b)) if x != y), min(len(names_a), len(names_b)))
        return ["%d nodes vs %d, from node %d: %s vs %s" % (len(names_a), len(names_b), at, names_a[at:at + 3],
                                                            names_b[at:at + 3])]
    for a, b in zip(own, theirs):
        if (a.op, list(a.input), a.device) != (b.op, list(b.input), b.device):
            out.append("%s: %s %s %r vs %s %s %r" % (a.name, a.op, list(a.input), a.device, b.op, list(b.input),
                                                     b.device))
        attrs_a, attrs_b = dict(a.attr), dict(b.attr)
        if attrs_a != attrs_b:
            out.append("%s: attrs %s vs %s" % (a.name, sorted(attrs_a), sorted(attrs_b)))
    return out


def main():
    resource = sys.argv[1:] == ["resource"]
    print("ready", flush=True)
    line = sys.stdin.readline().strip()
    if not line.startswith("prefix "):
        print("FAIL expected a prefix line, got %r" % line, flush=True)
        return 1
    prefix = line[len("prefix "):]
    keys = sorted(name for name, _ in tf.train.list_variables(prefix))
    print("keys " + " ".join(keys), flush=True)
    with tf.Graph().as_default(), tf.Session() as s:
        if resource:  # varscope's value initializer: "w/Initializer/initial_value"
            w = tf.get_variable("w", initializer=W0, use_resource=True)
            read = tf.get_default_graph().get_tensor_by_name("w/Read/ReadVariableOp:0")
        else:
            w = read = tf.get_variable("w", initializer=W0)
        loss = tf.reduce_sum(tf.square(read - tf.constant(T, name="T")))
        step = tf.train.get_or_create_global_step()
        train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
        tf.global_variables_initializer()  # the C test runs it ("init") before its steps
        tf.train.Saver().restore(s, prefix)
        losses = [s.run([loss, train])[0] for _ in range(2)]
        print("losses " + " ".join("%.9g" % x for x in losses), flush=True)
        print("w " + " ".join("%.9g" % x for x in s.run(w).ravel()), flush=True)
        print("step %d" % s.run(step), flush=True)
        own_nodes = list(s.graph.as_graph_def().node)
    line = sys.stdin.readline().strip()
    if not line.startswith("graphdef "):
        print("FAIL expected a graphdef line, got %r" % line, flush=True)
        return 1
    gd = tf.GraphDef()
    with open(line[len("graphdef "):], "rb") as f:
        gd.ParseFromString(f.read())
    # TF's graph has the saver's ops after the model's, varscope's saver builds none
    diffs = node_diffs([n for n in own_nodes if not n.name.startswith("save/")], list(gd.node))
    print("graphdef_attrs " + ("same" if not diffs else "DIFF " + "; ".join(diffs)), flush=True)
    with tf.Graph().as_default() as g, tf.Session() as s:
        tf.import_graph_def(gd, name="")
        variables = [op for op in g.get_operations() if op.type in ("VariableV2", "VarHandleOp")]
        s.run([g.get_operation_by_name(v.name + "/Assign") for v in variables])
        for _ in range(5):
            s.run(g.get_operation_by_name("Adam"))
        w_out = "w/Read/ReadVariableOp:0" if resource else "w:0"
        print("graphdef_w " + " ".join("%.9g" % x for x in s.run(w_out).ravel()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
