#!/usr/bin/env python3
"""The TensorFlow half of the V2 checkpoint round trip (issue 13, "back to
TensorFlow"). tests/test_tf_roundtrip.c starts it with a Python that has
tensorflow (VS_PYTHON; tools/tf_roundtrip.sh picks the oracle's) and talks
to it over stdin/stdout, one line at a time:

  1. TF builds the README's image filter under variable scopes (conv1, conv2:
     weights and biases, shared through reuse), a global step (int64) and
     meta/{name (string), flags (bool), scale (float64)} and a partitioned
     embed/table [5, 3] in 2 parts (saved as TF's slices), trains 3 SGD steps
     and saves with tf.compat.v1.train.Saver() to DIR/tf/model.ckpt (a V2
     checkpoint with its `checkpoint` state file). It prints
        input <hex of the float32 input batch>
        tf <prefix>
  2. varscope (the C test) restores that prefix into the same graph and
     replies with what it read, then changes every value, saves a V2
     checkpoint of its own with Saver(format = VS_CKPT_TF_V2), and sends
        restored <key> <hex>      (one per variable, as read from TF's files)
        saved <key> <hex>         (one per variable, the values it saved)
        output <hex>              (its forward pass on the input, new weights)
        prefix <its prefix>
        end
     A string's <hex> is its elements' hex joined by ','.
  3. TF checks, and prints "ok" or one "FAIL ..." line per problem:
     (b) every restored value equals TF's own, bit for bit;
     (a) tf.train.latest_checkpoint(dir) finds varscope's prefix,
         tf.train.load_checkpoint lists exactly the saved keys with their
         dtypes and shapes and equal values, bit for bit, and Saver.restore
         into a fresh copy of the TF1 graph gives those values, whose
         forward pass equals varscope's output within 1e-5 (relative) + 1e-5.
"""
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
tf.get_logger().setLevel("ERROR")


def conv_relu(x, kernel_shape, bias_shape):
    w = tf.get_variable("weights", kernel_shape, initializer=tf.random_normal_initializer(seed=1))
    b = tf.get_variable("biases", bias_shape, initializer=tf.constant_initializer(0.1))
    return tf.nn.relu(tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME") + b)


def my_image_filter(x):
    with tf.variable_scope("conv1"):
        h = conv_relu(x, [3, 3, 2, 4], [4])
    with tf.variable_scope("conv2"):
        return conv_relu(h, [3, 3, 4, 4], [4])


def build():
    """The model; returns (placeholder, shared output, train op)."""
    tf.set_random_seed(7)
    x = tf.placeholder(tf.float32, [1, 5, 5, 2], name="x")
    with tf.variable_scope("image_filters") as scope:
        out = my_image_filter(x)
        scope.reuse_variables()
        shared = my_image_filter(x)
    step = tf.train.get_or_create_global_step()
    with tf.variable_scope("meta"):
        tf.get_variable("name", initializer=tf.constant(["tensorflow", "", "wrote this"]), trainable=False)
        tf.get_variable("flags", initializer=np.array([True, False, True, True]), trainable=False)
        tf.get_variable("scale", initializer=np.array([[0.1, -2.5], [1e-300, 3.0]], np.float64))
    # a partitioned variable (not in the loss): TF's Saver writes it as the
    # sliced entry "embed/table" with one slice per part
    with tf.variable_scope("embed"):
        tf.get_variable("table", [5, 3], initializer=tf.random_uniform_initializer(seed=4),
                        partitioner=tf.fixed_size_partitioner(2))
    rng = np.random.RandomState(3)
    target = rng.uniform(0, 1, size=(1, 5, 5, 4)).astype(np.float32)
    loss = tf.reduce_mean(tf.square(out - target))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    return x, shared, train


def hexof(v):
    a = np.asarray(v)
    if a.dtype == object or a.dtype.kind == "S":
        return ",".join(bytes(s).hex() for s in a.reshape(-1))
    return np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes().hex()


def send(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main():
    d = sys.argv[1]
    os.makedirs(os.path.join(d, "tf"), exist_ok=True)
    images = np.random.RandomState(0).uniform(-1, 1, size=(1, 5, 5, 2)).astype(np.float32)
    with tf.Graph().as_default():
        x, out, train = build()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train, {x: images})
            tf_values = {v.op.name: sess.run(v) for v in tf.global_variables()}
            tf_prefix = tf.train.Saver().save(sess, os.path.join(d, "tf", "model.ckpt"))
    send("input " + hexof(images))
    send("tf " + tf_prefix)

    restored, saved, output, prefix = {}, {}, None, None
    for line in sys.stdin:
        parts = line.rstrip("\n").split(" ")
        if parts[0] == "end":
            break
        if parts[0] == "restored":
            restored[parts[1]] = parts[2] if len(parts) > 2 else ""
        elif parts[0] == "saved":
            saved[parts[1]] = parts[2] if len(parts) > 2 else ""
        elif parts[0] == "output":
            output = np.frombuffer(bytes.fromhex(parts[1]), "<f4")
        elif parts[0] == "prefix":
            prefix = parts[1]

    try:
        fails = check(d, images, tf_values, restored, saved, output, prefix)
    except Exception as e:  # an unreadable checkpoint is a failure to report, not a crash
        fails = ["%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")]
    for f in fails:
        send("FAIL " + f)
    send("ok" if not fails else "failed")
    return 0


def full_tensors(values):
    """The checkpoint's view of per-variable values: the parts of a
    partitioned variable ("P/part_K", all split along axis 0 here) joined
    into the one tensor "P" TF's Saver writes."""
    out, parts = {}, {}
    for key, v in values.items():
        base, sep, k = key.rpartition("/part_")
        if sep and k.isdigit():
            parts.setdefault(base, {})[int(k)] = v
        else:
            out[key] = v
    for base, ps in parts.items():
        vals = [ps[k] for k in sorted(ps)]
        out[base] = "".join(vals) if isinstance(vals[0], str) else np.concatenate(vals, axis=0)
    return out


def check(d, images, tf_values, restored, saved, output, prefix):
    fails = []
    tf_full, saved_full = full_tensors(tf_values), full_tensors(saved)
    # (b) varscope read TF's checkpoint exactly
    for key, v in sorted(tf_values.items()):
        if restored.get(key) != hexof(v):
            fails.append("restored %s: varscope read %s, TF saved %s" % (key, restored.get(key), hexof(v)))
    if sorted(restored) != sorted(tf_values):
        fails.append("restored keys %s, TF saved %s" % (sorted(restored), sorted(tf_values)))

    # (a) TF reads varscope's checkpoint
    latest = tf.train.latest_checkpoint(os.path.dirname(prefix or "."))
    if latest != prefix:
        fails.append("latest_checkpoint: %r, varscope saved %r" % (latest, prefix))
    reader = tf.train.load_checkpoint(prefix)
    shapes, dtypes = reader.get_variable_to_shape_map(), reader.get_variable_to_dtype_map()
    if sorted(shapes) != sorted(saved_full):
        fails.append("load_checkpoint keys %s, varscope saved %s" % (sorted(shapes), sorted(saved_full)))
    for key in sorted(set(shapes) & set(saved_full)):
        got = reader.get_tensor(key)
        want = tf_full[key]
        if dtypes[key] != tf.as_dtype(np.asarray(want).dtype) or list(shapes[key]) != list(np.shape(want)):
            fails.append("load_checkpoint %s: %s%s, expected %s%s" % (key, dtypes[key].name, shapes[key],
                                                                     tf.as_dtype(np.asarray(want).dtype).name,
                                                                     list(np.shape(want))))
        if hexof(got) != saved_full[key]:
            fails.append("load_checkpoint %s: %s, varscope saved %s" % (key, hexof(got), saved_full[key]))
    with tf.Graph().as_default():
        x, out, _ = build()
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, prefix)
            for v in tf.global_variables():
                if hexof(sess.run(v)) != saved.get(v.op.name):
                    fails.append("Saver.restore %s: %s, varscope saved %s" % (v.op.name, hexof(sess.run(v)),
                                                                             saved.get(v.op.name)))
            want = sess.run(out, {x: images}).reshape(-1)
    if output is None or output.shape != want.shape:
        fails.append("output: varscope sent %s values, TF computes %s" % (
            None if output is None else output.shape, want.shape))
    else:
        err = np.abs(output - want) - (1e-5 + 1e-5 * np.abs(want))
        if (err > 0).any():
            i = int(np.argmax(err))
            fails.append("output[%d]: varscope %.9g, TF %.9g" % (i, output[i], want[i]))
    return fails


if __name__ == "__main__":
    sys.exit(main())
