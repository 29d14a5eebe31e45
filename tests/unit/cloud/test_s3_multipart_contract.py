"""The moto names the local cloud replaces or reads still exist, take what it expects and mean the same.

When moto changes one of them, these fail first, naming what changed, instead of an upload going wrong.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

import pytest

from squall.cloud import s3_multipart, s3_values
from squall.cloud.bodies import BodyFile, BodyStore

MIB = 1 << 20


def _moto_complete() -> Any:
    from moto.s3.models import FakeMultipart

    cls: Any = FakeMultipart
    return getattr(cls, "squall_moto_complete", cls.complete)


def test_the_multipart_names_the_completion_relies_on() -> None:
    import moto.s3.exceptions as exceptions
    import moto.s3.models as models
    import moto.s3.utils as utils

    assert list(inspect.signature(_moto_complete()).parameters) == ["self", "body"]
    assert "value, etag, checksum_details = multipart.complete(body)" in inspect.getsource(
        models.S3Backend.complete_multipart_upload
    )
    multipart = _multipart({"x-amz-checksum-algorithm": "CRC32"}, [b"part"])
    assert multipart.metadata.get("x-amz-checksum-algorithm") == "CRC32"
    assert isinstance(multipart.parts[1], models.FakeKey) and multipart.parts[1].contentsize == 4
    assert hasattr(multipart.parts[1], "_value_buffer") and hasattr(multipart.parts[1], "lock")
    assert isinstance(vars(models)["S3_UPLOAD_PART_MIN_SIZE"], int)
    assert isinstance(vars(utils)["HAS_CRT"], bool)
    for name in ("InvalidPart", "EntityTooSmall", "MalformedXML"):
        assert issubclass(getattr(exceptions, name), Exception)
    key_init = inspect.signature(models.FakeKey.__init__).parameters
    assert "value" in key_init and "etag" in key_init
    assert "self.value = value" in inspect.getsource(models.FakeKey.__init__)
    assert isinstance(models.FakeKey.value, property)


def _multipart(metadata: dict[str, str], parts: list[bytes]) -> Any:
    from moto.s3.models import FakeMultipart
    from moto.s3.utils import CaseInsensitiveDict

    multipart = FakeMultipart("key", CaseInsensitiveDict(metadata), "123456789012", "us-east-1")
    for number, data in enumerate(parts, start=1):
        multipart.set_part(number, data)
    return multipart


@pytest.mark.parametrize(
    "metadata",
    [
        {},
        {"x-amz-checksum-algorithm": "CRC32"},
        {"x-amz-checksum-algorithm": "SHA256"},
        {"x-amz-checksum-algorithm": "CRC32C", "x-amz-checksum-type": "FULL_OBJECT"},
        {"x-amz-checksum-algorithm": "SHA1"},
    ],
)
@pytest.mark.parametrize("sizes", [[5 * MIB, 2 * MIB], [100]], ids=["large", "small"])
def test_completing_on_disk_gives_what_moto_gives(
    metadata: dict[str, str], sizes: list[int], tmp_path: Path
) -> None:
    store = BodyStore(tmp_path / "bodies")
    s3_values.install(store)
    multipart = _multipart(metadata, [os.urandom(size) for size in sizes])
    listed = [(n, multipart.parts[n].etag) for n in range(1, len(sizes) + 1)]
    value, etag, details = s3_multipart.complete(multipart, iter(listed), store)
    expected_value, expected_etag, expected_details = _moto_complete()(multipart, iter(listed))
    assert (etag, details) == (expected_etag, expected_details)
    if len(expected_value) > 1 * MIB:
        assert isinstance(value, BodyFile) and value.path.parent == store.folder
        assert value.read() == expected_value
    else:
        assert value == expected_value and store.names() == []


def test_completing_refuses_what_moto_refuses(tmp_path: Path) -> None:
    from moto.s3.exceptions import EntityTooSmall, InvalidPart, MalformedXML

    store = BodyStore(tmp_path / "bodies")
    multipart = _multipart({}, [b"small", b"last"])
    with pytest.raises(EntityTooSmall):
        s3_multipart.complete(
            multipart, iter([(1, multipart.parts[1].etag), (2, multipart.parts[2].etag)]), store
        )
    with pytest.raises(InvalidPart):
        s3_multipart.complete(multipart, iter([(2, "x")]), store)
    with pytest.raises(InvalidPart):
        s3_multipart.complete(multipart, iter([(3, "x")]), store)
    with pytest.raises(MalformedXML):
        s3_multipart.complete(multipart, iter([]), store)
    assert store.names() == []


def test_recovery_lifts_the_item_size_check_only_while_it_restores() -> None:
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict

    from squall.cloud import moto_limits

    moto_limits.install()
    big = DynamoType({"S": "x" * 300_000})
    item = LimitedSizeDict()
    item["a"] = big
    with pytest.raises(ItemSizeTooLarge):
        item["b"] = big
    with moto_limits.restoring():  # every restored item passed the check when first stored
        item["b"] = big
    assert set(item) == {"a", "b"}
    with pytest.raises(ItemSizeTooLarge):
        item["c"] = big
