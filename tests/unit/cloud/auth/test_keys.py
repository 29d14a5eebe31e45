"""The home's key pair: created once, atomically, private; and who each key belongs to."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pytest

from squall.cloud.auth.keyring import Key, KeyRing, Principal
from squall.cloud.auth.keys import AccessKey, CredentialsDamaged, credentials_path, home_credentials
from squall.cloud.auth.profile import export_lines, write_profile


def test_created_on_first_use_private_and_stable(tmp_path: Path) -> None:
    first = home_credentials(tmp_path)
    assert first.access_key_id.startswith("AKIA") and len(first.access_key_id) == 20
    assert len(first.secret_access_key) == 40
    assert stat.S_IMODE(credentials_path(tmp_path).stat().st_mode) == 0o600
    assert home_credentials(tmp_path) == first
    assert "secret" not in repr(first) and first.secret_access_key not in repr(first)


def test_racing_creators_agree_on_one_pair(tmp_path: Path) -> None:
    found: list[AccessKey] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        barrier.wait()
        found.append(home_credentials(tmp_path))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(found)) == 1
    assert sorted(p.name for p in (tmp_path / "cloud").iterdir()) == ["credentials.json"]


def test_a_damaged_file_is_reported_not_replaced(tmp_path: Path) -> None:
    path = credentials_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(CredentialsDamaged) as raised:
        home_credentials(tmp_path)
    assert str(path) in raised.value.format() and "delete the file" in raised.value.format()
    assert path.read_text() == "{not json"


class ChangingSource:
    """A key source whose IAM user keys change when ``version`` moves on."""

    def __init__(self) -> None:
        self.keys: dict[str, Key] = {}
        self.current = 0
        self.lookups = 0

    def find(self, access_key_id: str) -> Key | None:
        self.lookups += 1
        return self.keys.get(access_key_id)

    def changed_since(self, version: int) -> bool:
        return self.current != version

    def version(self) -> int:
        return self.current


def test_user_keys_are_looked_up_again_after_iam_changes() -> None:
    source = ChangingSource()
    user = Key("s", Principal("arn:aws:iam::123456789012:user/dev", "user", "AKIAUSER"), lasting=False)
    session = Key(
        "t", Principal("arn:aws:sts::123456789012:assumed-role/r/s", "assumed-role", "ASIAX"), "tok"
    )
    source.keys = {"AKIAUSER": user, "ASIAX": session}
    ring = KeyRing(AccessKey("AKIAHOME", "h"), source)
    assert ring.get("AKIAHOME") is not None and source.lookups == 0
    assert ring.get("AKIAUSER") == user and ring.get("AKIAUSER") == user
    assert ring.get("ASIAX") == session
    assert source.lookups == 2
    del source.keys["AKIAUSER"]
    source.current = 1  # e.g. DeleteAccessKey
    assert ring.get("AKIAUSER") is None
    assert ring.get("ASIAX") == session and source.lookups == 3  # a session does not change


def test_export_lines_quote_and_clear_overriding_variables() -> None:
    text = export_lines({"AWS_SECRET_ACCESS_KEY": "a+b/c d"})
    assert "export AWS_SECRET_ACCESS_KEY='a+b/c d'" in text
    assert (
        text.splitlines()[-1] == "unset AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE"
    )


def test_a_profile_replaces_only_its_own_section(tmp_path: Path) -> None:
    environ = {"AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "c"), "AWS_CONFIG_FILE": str(tmp_path / "cfg")}
    (tmp_path / "c").write_text(
        "# mine\n[default]\naws_access_key_id = REAL\n\n[squall]\naws_access_key_id = OLD\n"
    )
    (tmp_path / "cfg").write_text("[default]\nregion = eu-west-1\n")
    key = AccessKey("AKIANEW", "secret")
    write_profile("squall", "http://127.0.0.1:4590", key, "us-east-1", environ)
    write_profile("squall", "http://127.0.0.1:4591", key, "us-east-1", environ)
    credentials = (tmp_path / "c").read_text()
    assert credentials.startswith("# mine\n[default]\naws_access_key_id = REAL\n")
    assert "OLD" not in credentials and credentials.count("[squall]") == 1
    config = (tmp_path / "cfg").read_text()
    assert config.startswith("[default]\nregion = eu-west-1\n")
    assert "[profile squall]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:4591\n" in config
    assert stat.S_IMODE((tmp_path / "c").stat().st_mode) == 0o600
    assert json.dumps(credentials)  # plain text, no secrets of other profiles touched
