#!/usr/bin/env python3
"""Writes the TensorFlow checkpoint fixtures of tests/test_checkpoint.c into
conformance/golden/ckpt/ (run with a Python that has tensorflow-cpu, e.g.
`/work/venvs/tf/bin/python tools/make_tf_fixtures.py`; the committed files
were made with the TensorFlow version recorded in VERSION).

Each fixture is a V2 checkpoint (NAME/model.ckpt.index + .data-00000-of-00001,
written by tf.compat.v1.train.Saver) and NAME/expected.txt, one line per
tensor: key, TF dtype name, shape (comma-separated, "" for a scalar) and the
tensor's raw little-endian bytes in hex, tab-separated, so the C test compares
values bit for bit. Lines starting with '#' are comments.

  image_filter  the README's image filter, small (3x3 kernels, 2->4->4
                channels), trained for 3 SGD steps; also records the input
                batch ("__input__") and TF's output of my_image_filter on it
                with the trained weights ("__output__").
  scoped        variables under old_scope/ and other/, for init_from_checkpoint
                remapping ("old_scope/" -> "new_scope/").
  dtypes        one variable per dtype (float16, float64, int8, uint8, int16,
                int32, int64, bool, complex64) and a string variable.
  partitioned   partitioned variables (fixed_size_partitioner), saved as TF
                slices: "x" [4, 3] in 2 along axis 0, "y" [5, 2] in 3 (2, 2,
                1 rows), "z" [2, 7] in 3 along axis 1, "big" [130, 2] int32
                in 2 (slice starts >= 64 take two key bytes), and a plain
                "w"; expected.txt holds the full tensors.
  py_safetensors  a safetensors file written by the Python safetensors
                package (when importable), for the reader's fixed test.
"""
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "conformance", "golden", "ckpt")


def line(key, arr):
    arr = np.ascontiguousarray(arr)
    shape = ",".join(str(d) for d in arr.shape)
    dt = tf.as_dtype(arr.dtype).name
    return "%s\t%s\t%s\t%s\n" % (key, dt, shape, arr.astype(arr.dtype.newbyteorder("<")).tobytes().hex())


def save(name, sess, extra=()):
    d = os.path.join(ROOT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    saver = tf.train.Saver()
    saver.save(sess, os.path.join(d, "model.ckpt"), write_meta_graph=False, write_state=False)
    with open(os.path.join(d, "expected.txt"), "w") as f:
        f.write("# written by tools/make_tf_fixtures.py with tensorflow %s\n" % tf.__version__)
        for v in sorted(tf.global_variables(), key=lambda v: v.op.name):
            if v.dtype.base_dtype == tf.string:
                continue
            f.write(line(v.op.name, sess.run(v)))
        for key, arr in extra:
            f.write(line(key, arr))


def conv_relu(x, kernel_shape, bias_shape):
    w = tf.get_variable("weights", kernel_shape, initializer=tf.random_normal_initializer(seed=1))
    b = tf.get_variable("biases", bias_shape, initializer=tf.constant_initializer(0.1))
    return tf.nn.relu(tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME") + b)


def my_image_filter(x):
    with tf.variable_scope("conv1"):
        h = conv_relu(x, [3, 3, 2, 4], [4])
    with tf.variable_scope("conv2"):
        return conv_relu(h, [3, 3, 4, 4], [4])


def image_filter():
    with tf.Graph().as_default():
        tf.set_random_seed(7)
        rng = np.random.RandomState(0)
        images = rng.uniform(-1, 1, size=(1, 5, 5, 2)).astype(np.float32)
        target = rng.uniform(0, 1, size=(1, 5, 5, 4)).astype(np.float32)
        x = tf.placeholder(tf.float32, [1, 5, 5, 2])
        with tf.variable_scope("image_filters") as scope:
            out = my_image_filter(x)
            scope.reuse_variables()
            shared = my_image_filter(x)
        assert len(tf.trainable_variables()) == 4
        step = tf.train.get_or_create_global_step()
        loss = tf.reduce_mean(tf.square(out - target))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train, {x: images})
            result = sess.run(shared, {x: images})
            save("image_filter", sess, [("__input__", images), ("__output__", result)])


def scoped():
    with tf.Graph().as_default():
        with tf.variable_scope("old_scope"):
            with tf.variable_scope("dense"):
                tf.get_variable("kernel", initializer=np.arange(6, dtype=np.float32).reshape(2, 3) / 7)
                tf.get_variable("bias", initializer=np.array([0.5, -0.25, 1e-3], np.float32))
        with tf.variable_scope("other"):
            tf.get_variable("v", initializer=np.array([3, -4], np.int32))
        tf.get_variable("step", initializer=np.int64(1234567890123))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            save("scoped", sess)


def dtypes():
    with tf.Graph().as_default():
        vals = {
            "f16": np.array([1.5, -2.25, 65504], np.float16),
            "f64": np.array([[np.pi, -np.e], [1e-300, 1e300]], np.float64),
            "i8": np.array([-128, 127, 0], np.int8),
            "u8": np.array([0, 255, 7], np.uint8),
            "i16": np.array([-32768, 32767], np.int16),
            "i32": np.array([[-2147483648], [2147483647]], np.int32),
            "i64": np.array([-(2**63), 2**63 - 1, 5], np.int64),
            "b": np.array([True, False, True], bool),
            "c64": np.array([1 + 2j, -3.5 - 0.5j], np.complex64),
        }
        with tf.variable_scope("types"):
            for k, v in vals.items():
                tf.get_variable(k, initializer=v)
        tf.Variable([b"a", b"bc"], name="strings")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            save("dtypes", sess)


def partitioned():
    with tf.Graph().as_default():
        rng = np.random.RandomState(5)
        full = {
            "x": (rng.uniform(-1, 1, (4, 3)).astype(np.float32), 2, 0),
            "y": (rng.uniform(-1, 1, (5, 2)).astype(np.float32), 3, 0),
            "z": (rng.uniform(-1, 1, (2, 7)).astype(np.float32), 3, 1),
            "big": (np.arange(260, dtype=np.int32).reshape(130, 2) - 100, 2, 0),
        }
        for name, (val, n, axis) in full.items():
            # constant_initializer cannot slice a value: each part gets its
            # rows or columns through a partition-aware initializer.
            def init(shape, dtype=None, partition_info=None, val=val):
                off = partition_info.single_offset(shape) if partition_info else 0
                ax = partition_info.single_slice_dim(shape) if partition_info else 0
                idx = [slice(None)] * val.ndim
                idx[ax] = slice(off, off + shape[ax])
                return tf.constant(val[tuple(idx)], dtype=dtype)
            tf.get_variable(name, val.shape, dtype=tf.as_dtype(val.dtype), initializer=init,
                            partitioner=tf.fixed_size_partitioner(n, axis=axis))
        w = np.array([2.5, -0.5], np.float32)
        tf.get_variable("w", initializer=w)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            d = os.path.join(ROOT, "partitioned")
            os.makedirs(d, exist_ok=True)
            for f in os.listdir(d):
                os.remove(os.path.join(d, f))
            tf.train.Saver().save(sess, os.path.join(d, "model.ckpt"), write_meta_graph=False, write_state=False)
            with open(os.path.join(d, "expected.txt"), "w") as f:
                f.write("# written by tools/make_tf_fixtures.py with tensorflow %s\n" % tf.__version__)
                for name in sorted(list(full) + ["w"]):
                    f.write(line(name, full[name][0] if name in full else w))


def py_safetensors():
    try:
        from safetensors.numpy import save_file
    except ImportError:
        print("safetensors not importable: py_safetensors left as it is", file=sys.stderr)
        return
    d = os.path.join(ROOT, "py_safetensors")
    os.makedirs(d, exist_ok=True)
    tensors = {
        "layer/w": (np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5) / 3,
        "layer/b": np.array([1, -2, 3], np.int64),
        "half": np.array([0.5, -1, 2], np.float16),
        "flag": np.array([True, False], bool),
        "empty": np.zeros((0, 3), np.float32),
    }
    save_file(tensors, os.path.join(d, "model.safetensors"), metadata={"format": "np"})
    with open(os.path.join(d, "expected.txt"), "w") as f:
        f.write("# written by tools/make_tf_fixtures.py with safetensors's numpy API\n")
        for k in sorted(tensors):
            f.write(line(k, tensors[k]))


def main():
    image_filter()
    scoped()
    dtypes()
    partitioned()
    py_safetensors()
    with open(os.path.join(ROOT, "VERSION"), "w") as f:
        f.write("tensorflow %s\n" % tf.__version__)


if __name__ == "__main__":
    main()
