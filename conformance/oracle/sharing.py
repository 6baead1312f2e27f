"""Twins of conformance/cases/sharing.c (the appendix examples a-k of issue 2)."""
from .harness import E1, case, tf


def appendix_a():
    with tf.variable_scope("foo"):
        v = tf.get_variable("v", [1])
        w = tf.get_variable("w", [1])
    return v, w


@case
def appendix_a_reuse_returns_same_variable(t):
    v, w = appendix_a()
    t.eq(v.name, "foo/v:0")
    t.eq(w.name, "foo/w:0")
    with tf.variable_scope("foo", reuse=True):
        v1 = tf.get_variable("v")
    t.eq(v1.name, "foo/v:0")
    t.check(v1 is v, "not the same variable")


@case
def appendix_b_reuse_false_already_exists(t):
    appendix_a()
    with tf.variable_scope("foo", reuse=False):
        t.e1(lambda: tf.get_variable("v", [1]), "foo/v")


@case
def appendix_c_reuse_true_does_not_exist(t):
    appendix_a()
    with tf.variable_scope("foo", reuse=True):
        t.e2(lambda: tf.get_variable("u", [1]), "foo/u")


@case
def appendix_d_new_variable_needs_shape(t):
    appendix_a()
    with tf.variable_scope("foo", reuse=False):
        t.raises(ValueError, lambda: tf.get_variable("u"), msg=t.pick(
            "The initializer passed is not valid. It should be a callable with no arguments and "
            "the shape should not be provided or an instance of `tf.keras.initializers.*' and "
            "`shape` should be fully defined.",
            "Variable foo/u did not get an initializer, so its `shape` argument must be specified."))


@case
def appendix_e_reuse_false_creates_new(t):
    appendix_a()
    with tf.variable_scope("foo", reuse=False):
        u = tf.get_variable("u", [1])
    t.eq(u.name, "foo/u:0")


@case
def appendix_f_tf_variable_not_shareable(t):
    with tf.variable_scope("foo"):
        v1 = tf.Variable(tf.random_normal([2, 3]), name="v1")
        v2 = tf.get_variable("v2", [1])
    t.eq(v1.name, "foo/v1:0")
    t.eq(v2.name, "foo/v2:0")
    with tf.variable_scope("foo", reuse=True):
        t.eq(tf.get_variable("v2").name, "foo/v2:0")
        t.e2(lambda: tf.get_variable("v1"), "foo/v1")


@case
def appendix_g_name_scope_ignored_by_get_variable(t):
    with tf.name_scope("hello"):
        a = tf.get_variable("arr1", [2, 10])
    with tf.variable_scope("hello"):
        b = tf.get_variable("arr1", [2, 10])
    t.eq(a.name, "arr1:0")
    t.eq(b.name, "hello/arr1:0")


@case
def appendix_h_variable_versus_get_variable_names(t):
    names = [tf.Variable(1.0, name="firstvar").name, tf.Variable(1.0, name="firstvar").name,
             tf.Variable(3.0).name, tf.Variable(3.0).name,
             tf.get_variable("firstvar", [1]).name, tf.get_variable("firstvar1", [1]).name]
    t.eq(names, ["firstvar:0", "firstvar_1:0", "Variable:0", "Variable_1:0", "firstvar_2:0",
                 "firstvar1:0"])
    tf.get_variable("a", [1])
    t.e1(lambda: tf.get_variable("a", [1]), "a")


@case
def appendix_i_nested_scopes_reuse_and_auto_reuse(t):
    with tf.variable_scope("test1"):
        var1 = tf.get_variable("firstvar", [2])
    with tf.variable_scope("test2"):
        var2 = tf.get_variable("firstvar", [2])
    with tf.variable_scope("test1"):
        with tf.variable_scope("test2"):
            var3 = tf.get_variable("firstvar", [2])
    t.eq([var1.name, var2.name, var3.name],
         ["test1/firstvar:0", "test2/firstvar:0", "test1/test2/firstvar:0"])
    with tf.variable_scope("test1", reuse=True):
        r1 = tf.get_variable("firstvar", [2])
        with tf.variable_scope("test2"):
            r3 = tf.get_variable("firstvar", [2])
    t.check(r1 is var1 and r3 is var3, "reuse=True did not share")
    with tf.Graph().as_default():
        got = []
        for _ in range(2):
            with tf.variable_scope("test1", reuse=tf.AUTO_REUSE):
                a = tf.get_variable("firstvar", [2])
                with tf.variable_scope("test2"):
                    b = tf.get_variable("firstvar", [2])
            got += [a, b]
        t.check(got[0] is got[2] and got[1] is got[3], "AUTO_REUSE did not share")
        t.eq([got[0].name, got[1].name], ["test1/firstvar:0", "test1/test2/firstvar:0"])


def conv_relu(kernel_shape, bias_shape):
    tf.get_variable("weights", kernel_shape, initializer=tf.random_normal_initializer())
    tf.get_variable("biases", bias_shape, initializer=tf.constant_initializer(0.0))


def my_image_filter():
    with tf.variable_scope("conv1"):
        conv_relu([5, 5, 32, 32], [32])
    with tf.variable_scope("conv2"):
        conv_relu([5, 5, 32, 32], [32])


FOUR = ("image_filters/conv1/weights:0 image_filters/conv1/biases:0 "
        "image_filters/conv2/weights:0 image_filters/conv2/biases:0")


@case
def appendix_j_image_filter_sharing(t):
    conv_relu([5, 5, 32, 32], [32])
    t.e1(lambda: conv_relu([5, 5, 32, 32], [32]), "weights")
    with tf.Graph().as_default():
        my_image_filter()
        vs = tf.trainable_variables()
        t.eq(" ".join(v.name for v in vs),
             "conv1/weights:0 conv1/biases:0 conv2/weights:0 conv2/biases:0")
        t.eq("%s %s" % (vs[0].shape, vs[1].shape), "(5, 5, 32, 32) (32,)")
        t.e1(my_image_filter, "conv1/weights")
    for way in (1, 2, 3):
        with tf.Graph().as_default():
            with tf.variable_scope("image_filters") as scope:
                my_image_filter()
                if way == 2:
                    scope.reuse_variables()
                    my_image_filter()
            if way == 1:
                with tf.variable_scope("image_filters", reuse=True):
                    my_image_filter()
            if way == 3:
                with tf.variable_scope(scope, reuse=True):
                    my_image_filter()
            t.eq(t.collection(tf.GraphKeys.TRAINABLE_VARIABLES), FOUR, "way %d" % way)


@case
def appendix_k_guide_variables_and_collections(t):
    mv = tf.get_variable("my_variable", [1, 2, 3])
    t.eq(mv.dtype.base_dtype, tf.float32)
    t.eq(mv.initial_value.op.name, "my_variable/Initializer/random_uniform")
    mi = tf.get_variable("my_int_variable", [1, 2, 3], dtype=tf.int32,
                         initializer=tf.zeros_initializer())
    t.eq(mi.dtype.name, "int32_ref")
    c = tf.constant([23, 42], name="Const")
    ov = tf.get_variable("other_variable", dtype=tf.int32, initializer=c)
    t.eq(str(ov.shape), "(2,)")
    t.raises(ValueError, lambda: tf.get_variable("other_variable2", shape=[2], dtype=tf.int32,
                                                 initializer=c),
             msg="If initializer is a constant, do not specify shape.")
    ml = tf.get_variable("my_local", shape=(), collections=[tf.GraphKeys.LOCAL_VARIABLES])
    tf.get_variable("my_non_trainable", shape=(), trainable=False)
    tf.add_to_collection("my_collection_name", ml)
    t.eq(t.collection(tf.GraphKeys.LOCAL_VARIABLES), "my_local:0")
    t.eq(t.collection(tf.GraphKeys.GLOBAL_VARIABLES),
         "my_variable:0 my_int_variable:0 other_variable:0 my_non_trainable:0")
    t.eq(t.collection(tf.GraphKeys.TRAINABLE_VARIABLES),
         "my_variable:0 my_int_variable:0 other_variable:0 my_local:0")
    t.eq(t.collection("my_collection_name"), "my_local:0")
