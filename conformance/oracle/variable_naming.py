"""Twins of conformance/cases/variable_naming.c (spec §2.1-2.2, §2.4)."""
from .harness import case, tf


@case
def get_variable_at_root(t):
    v = tf.get_variable("v", [1])
    t.eq(v.name, "v:0")
    t.eq(v.op.name, "v")
    t.eq(v.op.type, "VariableV2")


@case
def nested_variable_scopes_prefix_name(t):
    with tf.variable_scope("foo"):
        with tf.variable_scope("bar"):
            v = tf.get_variable("v", [1])
    t.eq(v.name, "foo/bar/v:0")


@case
def get_variable_ignores_name_scope_variable_does_not(t):
    with tf.name_scope("ns"):
        a = tf.get_variable("a", [])
        c = tf.Variable(0., name="c")
    t.eq(a.name, "a:0")
    t.eq(c.name, "ns/c:0")


@case
def name_scope_inside_variable_scope(t):
    with tf.variable_scope("foo"):
        with tf.name_scope("bar"):
            v = tf.get_variable("v", [1])
            c = tf.constant(1., name="c")
            w = tf.Variable(0., name="w")
    t.eq(v.name, "foo/v:0")
    t.eq(c.name, "foo/bar/c:0")
    t.eq(w.name, "foo/bar/w:0")


@case
def slash_in_variable_name(t):
    with tf.variable_scope("foo"):
        v = tf.get_variable("a/b", [1])
    t.eq(v.name, "foo/a/b:0")


@case
def empty_variable_name_slot_pattern(t):
    with tf.variable_scope("w/Adam"):
        v = tf.get_variable("", [2])
    t.eq(v.name, "w/Adam:0")
    store = tf.get_default_graph().get_collection(("__variable_store",))[0]
    t.check("w/Adam/" in store._vars, "store key w/Adam/ missing")
    with tf.variable_scope("w/Adam", reuse=True):
        again = tf.get_variable("", [2])
    t.check(again is v, "reuse returned another variable")


@case
def get_variable_after_variable_is_uniquified(t):
    plain = tf.Variable([1.], name="v1")
    v = tf.get_variable("v1", [1])
    t.eq(plain.name, "v1:0")
    t.eq(v.name, "v1_1:0")
    store = tf.get_default_graph().get_collection(("__variable_store",))[0]
    t.check(store._vars.get("v1") is v, "store key v1 is not the get_variable variable")
    with tf.variable_scope("", reuse=True):
        again = tf.get_variable("v1", [1])
    t.check(again is v, "reuse did not return the get_variable variable")


@case
def case_insensitive_op_names_distinct_store_keys(t):
    a = tf.get_variable("foo", [1])
    b = tf.get_variable("Foo", [1])
    t.eq(a.name, "foo:0")
    t.eq(b.name, "Foo_1:0")
    store = tf.get_default_graph().get_collection(("__variable_store",))[0]
    t.check(store._vars.get("Foo") is b, "store key Foo")


@case
def variable_default_name_is_uniquified_variable(t):
    a = tf.Variable(1.)
    b = tf.Variable(1.)
    c = tf.Variable(1., name="v")
    d = tf.Variable(1., name="v")
    t.eq([a.name, b.name, c.name, d.name], ["Variable:0", "Variable_1:0", "v:0", "v_1:0"])


@case
def get_variable_ops_and_accessors(t):
    v = tf.get_variable("v", [2, 3])
    t.eq(v.op.type, "VariableV2")
    t.eq(v.initial_value.op.name, "v/Initializer/random_uniform")
    t.eq(v.initializer.name, "v/Assign")
    t.eq(v.initializer.type, "Assign")
    t.eq(v.value().name, "v/read:0")
    t.eq(v.value().op.type, "Identity")
    t.eq(v.dtype.name, "float32_ref")
    t.eq(str(v.shape), "(2, 3)")
    tf.get_default_graph().get_operation_by_name("v/Initializer/random_uniform/RandomUniform")


@case
def variable_host_value_creates_initial_value_op(t):
    v = tf.Variable(5., name="v")
    t.eq(v.initial_value.name, "v/initial_value:0")
    t.eq(v.initial_value.op.type, "Const")
    t.eq(v.initializer.name, "v/Assign")
    t.eq(v.value().name, "v/read:0")


@case
def variable_tensor_initial_value_used_as_is(t):
    c = tf.constant([1., 2.], name="c")
    v = tf.Variable(c, name="v")
    t.eq(v.initial_value.name, "c:0")
    names = [op.name for op in tf.get_default_graph().get_operations()]
    t.check("v/initial_value" not in names, "v/initial_value exists")
    t.eq(str(v.shape), "(2,)")


@case
def regularizer_ops_under_variable_regularizer_scope(t):
    tf.get_variable("v", [2], regularizer=lambda x: tf.multiply(x, x, name="loss"))
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    t.eq([x.op.name for x in losses], ["v/Regularizer/loss"])
    tf.get_default_graph().get_operation_by_name("v/Regularizer/loss")
