"""Container / Data base classes: identity, parent/children, modified flag, fields, repr."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from hdmfzarr.container import Container, Data
from hdmfzarr.errors import ContainerError


def test_name_defaults_to_type_and_is_checked():
    assert Container().name == "Container"
    assert Data("d", [1]).name == "d"
    with pytest.raises(ContainerError, match="name must be a str"):
        Container(3)
    with pytest.raises(ContainerError, match="must not contain '/'"):
        Container("a/b")


def test_object_id_is_lazy_uuid4_and_settable():
    c = Container("c")
    assert c._object_id is None
    oid = c.object_id
    assert uuid.UUID(oid).version == 4
    assert c.object_id == oid
    c.object_id = "stored-id"
    assert c.object_id == "stored-id"
    with pytest.raises(ContainerError, match="object_id must be a str"):
        c.object_id = 5
    d = Container("d")
    assert d.object_id != oid


def test_generate_new_id_recurses():
    root = Container("root")
    child = root.add_child(Container("child"))
    old = (root.object_id, child.object_id)
    root.generate_new_id()
    assert root.object_id != old[0] and child.object_id != old[1]


def test_parent_set_once_and_children():
    p1, p2 = Container("p1"), Container("p2")
    c = Container("c")
    c.parent = p1
    assert c.parent is p1 and p1.children == [c]
    c.parent = p1  # same parent: no-op
    assert p1.children == [c]
    with pytest.raises(ContainerError, match="already has parent .*'p1'.*'p2'"):
        c.parent = p2
    assert c.parent is p1 and p2.children == []
    c.reset_parent()
    assert c.parent is None and p1.children == []
    p2.add_child(c)
    assert c.parent is p2 and p2.children == [c]


def test_parent_must_be_container():
    with pytest.raises(ContainerError, match="parent must be a container"):
        Container("c").parent = "nope"
    with pytest.raises(ContainerError, match="child must be a container"):
        Container("c").add_child(42)


def test_all_children_and_get_ancestor():
    class Special(Container):
        data_type = "Special"

    root = Special("root")
    mid = root.add_child(Container("mid"))
    leaf = mid.add_child(Data("leaf", [1, 2]))
    assert [n.name for n in root.all_children()] == ["root", "mid", "leaf"]
    assert leaf.get_ancestor("Special") is root
    assert leaf.get_ancestor() is root
    assert leaf.get_ancestor("Nothing") is None
    assert root.get_ancestor() is None


def test_set_modified_propagates_to_ancestors_only_when_true():
    root = Container("root")
    mid = root.add_child(Container("mid"))
    leaf = mid.add_child(Container("leaf"))
    for node in (root, mid, leaf):
        node.set_modified(False)
    assert not root.modified
    leaf.set_modified(True)
    assert leaf.modified and mid.modified and root.modified
    root.set_modified(False)
    mid.set_modified(False)
    assert not root.modified and leaf.modified
    mid.set_modified(False)
    assert not root.modified


def test_adding_a_child_marks_parent_modified():
    root = Container("root")
    root.set_modified(False)
    root.add_child(Container("c"))
    assert root.modified


def test_fields_follow_field_names_of_the_class_hierarchy():
    class Thing(Container):
        data_type = "Thing"
        field_names = ("alpha", "beta")

        def __init__(self, name, alpha=None, beta=None):
            super().__init__(name)
            self.alpha = alpha
            self.beta = beta

    t = Thing("t", alpha=1)
    assert t.fields == {"alpha": 1}
    d = Data("d", np.arange(3))
    assert list(d.fields) == ["data"]


def test_repr_is_short_and_never_reads_lazy_data(lazy):
    arr = lazy(np.arange(10**6))
    d = Data("big", arr)
    text = repr(d)
    assert arr.reads == []
    assert "big" in text and "shape=(1000000,)" in text and len(text) < 200
    assert "shape=(5,)" in repr(Data("small", np.arange(5)))


def test_data_len_getitem_append_extend():
    d = Data("d", [1, 2])
    d.append(3)
    d.extend([4, 5])
    assert len(d) == 5 and d[4] == 5 and d.shape == (5,)
    a = Data("a", np.arange(2))
    a.append(2)
    a.extend(np.array([3]))
    np.testing.assert_array_equal(a.data, [0, 1, 2, 3])
    empty = Data("e")
    assert len(empty) == 0 and empty.shape == (0,)


def test_data_type_classvars():
    assert Container.data_type == "Container" and Container.namespace == "hdmf-common"
    assert Data.data_type == "Data"
