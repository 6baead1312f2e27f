"""Twins of conformance/cases/collections.c (spec §6)."""
from .harness import case, tf

K = tf.GraphKeys


@case
def graph_key_strings(t):
    t.eq(K.GLOBAL_VARIABLES, "variables")
    t.eq(K.LOCAL_VARIABLES, "local_variables")
    t.eq(K.TRAINABLE_VARIABLES, "trainable_variables")
    t.eq(K.MODEL_VARIABLES, "model_variables")
    t.eq(K.REGULARIZATION_LOSSES, "regularization_losses")
    t.eq(K.GLOBAL_STEP, "global_step")
    t.eq(K.METRIC_VARIABLES, "metric_variables")
    t.eq(K.UPDATE_OPS, "update_ops")
    t.eq(K.MOVING_AVERAGE_VARIABLES, "moving_average_variables")


@case
def default_membership_and_trainable_false(t):
    tf.get_variable("a", [1])
    tf.Variable(1., name="b")
    tf.get_variable("c", [1], trainable=False)
    t.eq(t.collection(K.GLOBAL_VARIABLES), "a:0 b:0 c:0")
    t.eq(t.collection(K.TRAINABLE_VARIABLES), "a:0 b:0")


@case
def collections_argument_replaces_global(t):
    tf.get_variable("m", [1], collections=["mine"])
    tf.get_variable("e", [1], collections=[])
    tf.get_variable("d", [1], collections=[K.GLOBAL_VARIABLES, K.GLOBAL_VARIABLES])
    t.eq(t.collection("mine"), "m:0")
    t.eq(t.collection(K.GLOBAL_VARIABLES), "d:0")
    t.eq(t.collection(K.TRAINABLE_VARIABLES), "m:0 e:0 d:0")


@case
def local_variable_with_collections(t):
    l = tf.get_local_variable("l", [1], collections=["mine"])
    t.eq(l.name, "l:0")
    t.eq(t.collection("mine"), "l:0")
    t.eq(t.collection(K.LOCAL_VARIABLES), "l:0")
    t.eq(t.collection(K.GLOBAL_VARIABLES), "")
    t.eq(t.collection(K.TRAINABLE_VARIABLES), "")


@case
def int_variable_is_trainable_model_variables_empty(t):
    i = tf.Variable(1, name="i")
    t.eq(i.dtype.base_dtype, tf.int32)
    t.eq(t.collection(K.TRAINABLE_VARIABLES), "i:0")
    t.eq(t.collection(K.MODEL_VARIABLES), "")


@case
def regularizer_loss_added_once(t):
    tf.get_variable("v", [1], regularizer=lambda x: tf.identity(x, name="loss"))
    tf.get_variable("n", [1], regularizer=lambda x: None)
    with tf.variable_scope("s", regularizer=lambda x: tf.identity(x, name="loss")):
        tf.get_variable("w", [1])
    t.eq(" ".join(x.op.name for x in tf.get_collection(K.REGULARIZATION_LOSSES)),
         "v/Regularizer/loss s/w/Regularizer/loss")


@case
def global_step_membership(t):
    gs = tf.get_variable(K.GLOBAL_STEP, shape=[], dtype=tf.int64,
                         initializer=tf.zeros_initializer(), trainable=False,
                         collections=[K.GLOBAL_VARIABLES, K.GLOBAL_STEP])
    t.eq(gs.name, "global_step:0")
    t.eq(gs.dtype.name, "int64_ref")
    t.eq(gs.initial_value.op.name, "global_step/Initializer/zeros")
    t.eq(t.collection(K.GLOBAL_VARIABLES), "global_step:0")
    t.eq(t.collection(K.GLOBAL_STEP), "global_step:0")
    t.eq(t.collection(K.TRAINABLE_VARIABLES), "")


@case
def unknown_key_is_empty_and_not_created(t):
    t.eq(tf.get_collection("nope"), [])
    t.eq(tf.get_default_graph().get_all_collection_keys(), [])


@case
def scope_filter_is_anchored_regex_prefix(t):
    for s in ["D", "D_pre", "foo"]:
        with tf.variable_scope(s):
            tf.get_variable("w", [1])
    t.eq(t.collection(K.TRAINABLE_VARIABLES, "D"), "D/w:0 D_pre/w:0")
    t.eq(t.collection(K.TRAINABLE_VARIABLES, "D/"), "D/w:0")
    t.eq(t.collection(K.TRAINABLE_VARIABLES, "oo"), "")
    t.eq(t.collection(K.TRAINABLE_VARIABLES, "D.p"), "D_pre/w:0")


@case
def trailing_slash_filters_sibling_prefixes(t):
    with tf.variable_scope("foo"):
        with tf.variable_scope("bar_"):
            tf.get_variable("y", [1])
    with tf.variable_scope("foo"):
        with tf.variable_scope("bar"):
            tf.get_variable("x", [1])
    t.eq(t.collection(K.TRAINABLE_VARIABLES, "foo/bar"), "foo/bar_/y:0 foo/bar/x:0")
    t.eq(t.collection(K.TRAINABLE_VARIABLES, "foo/bar/"), "foo/bar/x:0")


@case
def convenience_functions_and_scope_collections(t):
    r = tf.get_variable("r", [1])
    with tf.variable_scope("foo") as s:
        v = tf.get_variable("v", [1])
        w = tf.get_variable("w", [1], trainable=False)
        l = tf.get_local_variable("l", [1])
    with tf.variable_scope("foo2"):
        v2 = tf.get_variable("v", [1])
    t.eq(tf.global_variables("foo"), [v, w, v2])
    t.eq(tf.trainable_variables(), [r, v, v2])
    t.eq(tf.local_variables(), [l])
    t.eq(tf.model_variables(), [])
    t.eq(s.global_variables(), [v, w])
    t.eq(s.trainable_variables(), [v])
    t.eq(s.local_variables(), [l])


@case
def add_twice_no_dedupe_keys_in_first_use_order(t):
    v = tf.get_variable("v", [1])
    tf.add_to_collection("k", v)
    tf.add_to_collection("k", v)
    t.eq(t.collection("k"), "v:0 v:0")
    keys = tf.get_default_graph().get_all_collection_keys()
    t.eq(sorted(keys[:2]), sorted([K.GLOBAL_VARIABLES, K.TRAINABLE_VARIABLES]))
    t.eq(keys[2:], ["k"])
