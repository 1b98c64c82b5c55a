"""The form widget's model without Qt: answers by repeat instance, empties removed, copies."""

from __future__ import annotations

from kimdesk.forms.answer_tree import AnswerTree
from kimdesk.forms.registry import FormRegistry


def test_set_and_clear_in_a_repeat_instance() -> None:
    given = {"name": "x"}
    tree = AnswerTree(given)
    tree.set("goal_text", (("goals", 1),), "B1")
    assert tree.data == {"name": "x", "goals": [{}, {"goal_text": "B1"}]}
    assert tree.value("goal_text", (("goals", 1),)) == "B1"
    empties: tuple[object, ...] = (None, "", [])
    for empty in empties:
        tree.set("name", (), "y")
        tree.set("name", (), empty)
        assert "name" not in tree.data
    assert given == {"name": "x"}  # the caller's dict is copied, never changed


def test_missing_scopes_read_as_empty_and_are_not_created() -> None:
    tree = AnswerTree({"goals": "not a list"})
    assert tree.container((("goals", 0),)) == {}
    assert tree.value("goal_text", (("other", 3),)) is None
    assert tree.data == {"goals": "not a list"}


def test_copy_is_deep() -> None:
    tree = AnswerTree({"goals": [{"responsible": ["agency"]}]})
    out = tree.copy()
    out["goals"][0]["responsible"].append("client")
    assert tree.data == {"goals": [{"responsible": ["agency"]}]}


def test_instances_added_and_removed(registry: FormRegistry) -> None:
    form = registry.get("hilfeplan")
    goals = form.by_name["goals"]
    tree = AnswerTree()
    tree.add_instance(form, goals, (), None)
    tree.add_instance(form, goals, (), None)
    assert len(tree.data["goals"]) == 2
    tree.set("goal_text", (("goals", 1),), "second")
    tree.remove_instance("goals", (), 0)
    assert tree.data["goals"][0]["goal_text"] == "second"
    tree.remove_instance("goals", (), 5)  # out of range: nothing happens
    tree.remove_instance("goals", (), 0)
    assert "goals" not in tree.data  # the repeat goes with its last instance
