"""The moto names the local cloud patches or reads still exist with the signatures the patches expect."""

from __future__ import annotations

import json
import subprocess
import sys
import types

from squall.cloud.moto_contract import CONTRACT, Expected, broken


def test_the_installed_moto_has_every_name_the_patches_expect() -> None:
    # in a fresh interpreter: this process may already hold the patched versions
    script = "import json; from squall.cloud.moto_contract import broken; print(json.dumps(broken()))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(done.stdout) == []


def _fake_moto(**members: object) -> types.ModuleType:
    module = types.ModuleType("fake_moto")
    for name, value in members.items():
        setattr(module, name, value)
    return module


def test_a_renamed_method_is_reported_with_who_uses_it() -> None:
    class Queue:
        def remove_message(self, receipt_handle: str) -> None: ...

    contract = [Expected("fake_moto", "Queue.delete_message", "function", ("self", "receipt_handle"), "x.py")]
    problems = broken(contract, load=lambda name: _fake_moto(Queue=Queue))
    assert problems == ["fake_moto.Queue.delete_message (used by squall/x.py): no longer exists"]


def test_a_changed_signature_is_reported() -> None:
    def send_event(account_id: str, event_name: str, bucket: object, key: object, extra: int) -> None: ...

    contract = [
        Expected("fake_moto", "send_event", "function", ("account_id", "event_name", "bucket", "key"))
    ]
    (problem,) = broken(contract, load=lambda name: _fake_moto(send_event=send_event))
    assert "takes (account_id, event_name, bucket, key, extra)" in problem


def test_a_property_turned_method_and_a_missing_module_are_reported() -> None:
    class Queue:
        def messages(self) -> list[str]:
            return []

    def load(name: str) -> types.ModuleType:
        if name == "gone":
            raise ImportError("No module named 'gone'")
        return _fake_moto(Queue=Queue)

    contract = [Expected("fake_moto", "Queue.messages", "property"), Expected("gone", "x", "value")]
    assert broken(contract, load=load) == [
        "fake_moto.Queue.messages (used by squall/): is a function, not a property",
        "gone.x (used by squall/): module missing (No module named 'gone')",
    ]


def test_every_module_that_patches_moto_is_named_in_the_contract() -> None:
    users = {expected.used_by for expected in CONTRACT}
    for patcher in ("cloud/lambda_stub.py", "cloud/moto_limits.py", "cloud/s3_values.py", "cloud/speed.py"):
        assert patcher in users
    for patcher in ("events/moto_hooks.py", "events/moto_speed.py"):
        assert patcher in users
