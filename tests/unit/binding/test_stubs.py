"""The stub text for tables: key names as declared, odd names kept usable, one query per index."""

from __future__ import annotations

import ast
from pathlib import Path

from squall.app import App
from squall.binding.stubs import render
from squall.constructs import Table
from squall.graph.synth import SynthContext


def app_with(tmp_path: Path, **tables: dict[str, object]) -> App:
    app = App("shop", "dev", "eu-west-1", root=tmp_path)
    stack = app.stack(lambda stack: None, id="Main")
    for id, options in tables.items():
        Table(stack, id, **options)  # type: ignore[arg-type]
    return app


def test_table_metadata_carries_its_key_schema(tmp_path: Path) -> None:
    app = app_with(
        tmp_path,
        Notes={
            "fields": {"userId": "string", "noteId": "string", "at": "number"},
            "primary_index": {"partition_key": "userId", "sort_key": "noteId"},
            "global_indexes": {"ByAt": {"partition_key": "userId", "sort_key": "at"}},
        },
    )
    [table] = [c for c in app.constructs if isinstance(c, Table)]
    metadata = table.bind_metadata(SynthContext(app))
    assert metadata["key"] == ["userId", "noteId"] and metadata["indexes"] == {"ByAt": ["userId", "at"]}


def test_keys_become_keyword_arguments_and_indexes_query_overloads(tmp_path: Path) -> None:
    text = render(
        app_with(
            tmp_path,
            Notes={
                "fields": {"userId": "string", "noteId": "string", "at": "number"},
                "primary_index": {"partition_key": "userId", "sort_key": "noteId"},
                "global_indexes": {"ByAt": {"partition_key": "userId", "sort_key": "at"}},
            },
        )
    )
    ast.parse(text)
    assert "def get(self, *, userId: str, noteId: str, consistent: bool = False) -> _NotesItem | None" in text
    assert "index: Literal['ByAt'], sort_condition: _Sort[_Number] | None = None" in text
    assert "index: None = None, sort_condition: _Sort[str] | _Prefix[str] | None = None" in text
    assert "    Notes: Final[_NotesTable]" in text


def test_key_names_that_cannot_be_keywords_take_a_key_dict(tmp_path: Path) -> None:
    text = render(
        app_with(
            tmp_path,
            Odd={
                "fields": {"user-id": "string", "values": "binary"},
                "primary_index": {"partition_key": "user-id"},
            },
        )
    )
    ast.parse(text)
    assert "_OddKey = TypedDict('_OddKey', {'user-id': str})" in text
    assert "def get(self, key: _OddKey, /, *, consistent: bool = False)" in text
    assert "'values': NotRequired[bytes]" in text
