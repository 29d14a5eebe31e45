"""Every validation case: the message names the construct, the bad value and the user's file:line; exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from squall.cli.main import main
from tests.conftest import ProjectFactory
from tests.unit.config.support import HANDLER, body, line_of


def synth(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    """Run ``squall synth`` in-process as the CLI would: exit code and standard error."""
    try:
        main(["synth", "--config", str(root / "squall.config.py"), "--stage", "dev", *extra])
        code = 0
    except SystemExit as exited:
        code = int(exited.code or 0)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err


def assert_reported(err: str, root: Path, marker: str, *parts: str) -> None:
    where = f"{root / 'squall.config.py'}:{line_of(root, marker)}"
    assert where in err, err
    for part in parts:
        assert part in err, err


def test_duplicate_ids(make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(
        body("""
            Table(stack, "Urls", fields={"k": "string"}, primary_index={"partition_key": "k"})
            Bucket(stack, "Urls")  # second
        """),
        HANDLER,
    )
    code, err = synth(root, capsys)
    assert code == 1
    assert_reported(err, root, "# second", "Bucket 'Urls'", "duplicate id 'Urls'", "already used by Table")


def test_handler_file_missing(make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(
        body('Api(stack, "Api", routes={"GET /": "functions/missing.handler"})  # api'), HANDLER
    )
    code, err = synth(root, capsys)
    assert code == 1
    assert_reported(err, root, "# api", "Api 'Api' route 'GET /'", "'functions/missing.handler'", "not found")


def test_handler_not_defined(make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(body('Function(stack, "Worker", handler="functions/ok.run")  # fn'), HANDLER)
    code, err = synth(root, capsys)
    assert code == 1
    assert_reported(err, root, "# fn", "Function 'Worker'", "'functions/ok.run'", "does not define 'run'")


def test_handler_checked_without_importing_it(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {**HANDLER, "functions/boom.py": "raise SystemExit('imported!')\ndef handler(e, c): pass\n"}
    root = make_project(body('Function(stack, "Worker", handler="functions/boom.handler")'), files)
    code, err = synth(root, capsys, "--json")
    assert code == 0, err
    assert "imported!" not in err


def test_handler_with_syntax_error(make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    files = {**HANDLER, "functions/bad.py": "def handler(event, context)\n    return 1\n"}
    root = make_project(body('Function(stack, "Worker", handler="functions/bad.handler")  # fn'), files)
    code, err = synth(root, capsys)
    assert code == 1
    assert_reported(err, root, "# fn", "Function 'Worker'", "functions/bad.py:1", "syntax error")


def test_malformed_route_key(make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(
        body('Api(stack, "Api", routes={"FETCH /users": "functions/ok.handler"})  # api'), HANDLER
    )
    code, err = synth(root, capsys)
    assert code == 1
    assert_reported(err, root, "# api", "Api 'Api'", "malformed route key 'FETCH /users'")


def test_bad_schedule_expression(make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(
        body('Cron(stack, "Nightly", schedule="rate(1 minutes)", job="functions/ok.handler")  # cron'),
        HANDLER,
    )
    code, err = synth(root, capsys)
    assert code == 1
    assert_reported(err, root, "# cron", "Cron 'Nightly'", "'rate(1 minutes)'", "singular")


def test_index_on_undeclared_field(make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(
        body("""
            Table(stack, "Notes", fields={"userId": "string"}, primary_index={"partition_key": "userId"},
                  global_indexes={"ByDate": {"partition_key": "createdAt"}})  # table
        """),
        HANDLER,
    )
    code, err = synth(root, capsys)
    assert code == 1
    assert_reported(
        err, root, 'Table(stack, "Notes"', "Table 'Notes'", "'createdAt'", "not declared in fields"
    )


def test_primary_key_on_undeclared_field(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(
        body(
            'Table(stack, "Notes", fields={"userId": "string"}, primary_index={"partition_key": "id"})  # t'
        ),
        HANDLER,
    )
    code, err = synth(root, capsys)
    assert code == 1
    assert_reported(err, root, "# t", "Table 'Notes'", "'id'", "not declared")


def test_bind_of_something_not_bindable(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(
        body("""
            cron = Cron(stack, "Nightly", schedule="rate(1 day)", job="functions/ok.handler")
            api = Api(stack, "Api", routes={"GET /": "functions/ok.handler"})
            api.bind([cron, "Urls"])  # bind
        """),
        HANDLER,
    )
    code, err = synth(root, capsys)
    assert code == 1
    assert_reported(
        err, root, "# bind", "Api 'Api': cannot bind Cron 'Nightly'", "cannot bind str 'Urls'", "not bindable"
    )


def test_invalid_stage_name(make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(body('Function(stack, "Worker", handler="functions/ok.handler")'), HANDLER)
    with pytest.raises(SystemExit) as exited:
        main(["synth", "--config", str(root / "squall.config.py"), "--stage", "Bad_Stage!"])
    err = capsys.readouterr().err
    assert exited.value.code == 1
    assert "invalid stage name 'Bad_Stage!'" in err and "--stage" in err


def test_an_upper_case_stage_name_is_refused_before_it_can_share_a_bucket(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(body('Function(stack, "Worker", handler="functions/ok.handler")'), HANDLER)
    with pytest.raises(SystemExit) as exited:
        main(["synth", "--config", str(root / "squall.config.py"), "--stage", "Prod"])
    err = capsys.readouterr().err
    assert exited.value.code == 1
    assert "invalid stage name 'Prod' (from --stage)" in err and "lower case" in err
    assert "hint: use 'prod'" in err and "Traceback" not in err
    monkeypatch.setenv("SQUALL_STAGE", "QA-2")
    with pytest.raises(SystemExit):
        main(["synth", "--config", str(root / "squall.config.py")])
    assert "invalid stage name 'QA-2' (from $SQUALL_STAGE)" in capsys.readouterr().err


def test_invalid_app_name(make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(body("pass").replace('"name": "demo"', '"name": "my app!"'), HANDLER)
    code, err = synth(root, capsys)
    assert code == 1
    assert_reported(err, root, "def config(input)", "invalid app name 'my app!'")


def test_exception_in_user_code_shows_their_line(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(
        body("""
            settings = {"table": "Urls"}
            Table(stack, settings["tabel"], fields={}, primary_index={"partition_key": "k"})  # typo
        """),
        HANDLER,
    )
    code, err = synth(root, capsys)
    assert code == 1
    assert_reported(err, root, "# typo", "KeyError", "'tabel'")


def test_verbose_shows_the_traceback(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(body('raise RuntimeError("nope")  # raise'), HANDLER)
    with pytest.raises(SystemExit) as exited:
        main(["--verbose", "synth", "--config", str(root / "squall.config.py"), "--stage", "dev"])
    err = capsys.readouterr().err
    assert exited.value.code == 1
    assert "Traceback" in err and "RuntimeError raised while defining the stacks: nope" in err


def test_syntax_error_in_config(make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(body("x = (1,"), HANDLER)
    code, err = synth(root, capsys)
    assert code == 1
    assert "syntax error" in err and str(root / "squall.config.py") in err


def test_several_problems_are_reported_together(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(
        body("""
            Api(stack, "Api", routes={"GET x": "functions/ok.handler", "GET /y": "functions/nope.handler"})
            Cron(stack, "C", schedule="hourly", job="functions/ok.handler")
        """),
        HANDLER,
    )
    code, err = synth(root, capsys)
    assert code == 1
    assert "3 problems" in err
    assert "malformed route key 'GET x'" in err and "functions/nope.py" in err and "'hourly'" in err


def test_missing_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["synth", "--config", str(tmp_path / "nope.py")])
    assert exited.value.code == 1
    assert "not found" in capsys.readouterr().err


def test_config_without_name(make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(body("pass").replace('"name": "demo", ', ""), HANDLER)
    code, err = synth(root, capsys)
    assert code == 1
    assert "must return a 'name'" in err
