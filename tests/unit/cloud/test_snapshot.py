"""The state pickler rebuilds what moto's models hold but pickle refuses."""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from typing import Any

from squall.cloud import snapshot


class Model:
    pass


class Keyed(defaultdict[str, list[int]]):
    def __init__(self, account_id: str) -> None:
        super().__init__(list)
        self.account_id = account_id


def _round_trip(value: Any) -> Any:
    live: dict[str, Any] = {"svc": {}}
    live["svc"]["k"] = value
    blob = snapshot.dump(live, next_seq=3)
    restored: dict[str, Any] = {"svc": {}}
    assert snapshot.load(blob, restored) == 3
    return restored["svc"]["k"]


def test_locks_and_conditions_come_back_fresh() -> None:
    model = Model()
    model.lock = threading.RLock()  # type: ignore[attr-defined]
    model.cond = threading.Condition()  # type: ignore[attr-defined]
    back = _round_trip(model)
    with back.lock, back.cond:
        pass


def test_defaultdict_with_lambda_factory_keeps_behaving() -> None:
    nested: defaultdict[str, defaultdict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    nested["a"]["b"]["c"] = 1
    back = _round_trip(nested)
    assert back["a"]["b"]["c"] == 1
    assert back["new"]["x"] == {}


def test_defaultdict_subclass_keeps_attributes() -> None:
    keyed = Keyed("123")
    keyed["x"].append(1)
    back = _round_trip(keyed)
    assert isinstance(back, Keyed) and back.account_id == "123" and back["x"] == [1]
    assert back["missing"] == []


def test_weak_value_dictionary_keeps_entries_alive_with_their_owner() -> None:
    model = Model()
    holder = {"strong": model, "weak": weakref.WeakValueDictionary({"m": model})}
    back = _round_trip(holder)
    assert back["weak"]["m"] is back["strong"]


class Backends(dict[str, Any]):
    """Stands for moto's ``BackendDict`` (a dict subclass)."""


def test_live_backends_stay_the_same_objects() -> None:
    live: dict[str, Any] = {"one": Backends(region=Model()), "two": Backends()}
    live["two"]["ref"] = live["one"]
    blob = snapshot.dump(live, next_seq=1)
    target: dict[str, Any] = {"one": Backends(), "two": Backends()}
    snapshot.load(blob, target)
    assert target["two"]["ref"] is target["one"]
    assert isinstance(target["one"]["region"], Model)


class Checked(dict[str, int]):
    """Like moto's DynamoDB item attributes: each set re-checks the whole dict."""

    sets = 0

    def __setitem__(self, key: str, value: int) -> None:
        type(self).sets += 1
        super().__setitem__(key, value)


def test_checking_dicts_are_restored_without_their_checks(monkeypatch: Any) -> None:
    monkeypatch.setattr(snapshot, "_CHECKED_DICTS", {f"{Checked.__module__}.{Checked.__qualname__}"})
    checked = Checked()
    for i in range(50):
        checked[f"k{i}"] = i
    checked.note = "kept"  # type: ignore[attr-defined]
    Checked.sets = 0
    back = _round_trip(checked)
    assert type(back) is Checked and dict(back) == dict(checked) and back.note == "kept"
    assert Checked.sets == 0


def test_ordered_dicts_keep_their_order_and_items() -> None:
    from collections import OrderedDict

    ordered = OrderedDict((f"k{i}", i) for i in range(5))
    back = _round_trip(ordered)
    assert type(back) is OrderedDict and list(back.items()) == list(ordered.items())
