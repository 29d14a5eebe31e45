"""Strict options: an unknown key in any dict option, or an unknown keyword, is reported with the construct,
the key, the closest valid one and the user's own line, instead of being ignored or raising a bare TypeError."""

from __future__ import annotations

from pathlib import Path

import pytest

from squall.cli.main import main
from tests.conftest import ProjectFactory
from tests.unit.config.support import HANDLER, body, line_of


def synth(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(["synth", "--json", "--config", str(root / "squall.config.py"), "--stage", "dev"])
        code = 0
    except SystemExit as exited:
        code = int(exited.code or 0)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def assert_reported(err: str, root: Path, marker: str, *parts: str) -> None:
    where = f"{root / 'squall.config.py'}:{line_of(root, marker)}:"
    assert where in err, err
    for part in parts:
        assert part in err, err


def test_a_misspelt_dlq_key(make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(
        body("""
            dead = Queue(stack, "Dead")
            Queue(stack, "Jobs", dlq={"queue": dead, "max_recieve_count": 2})  # dlq
        """),
        HANDLER,
    )
    code, _, err = synth(root, capsys)
    assert code == 1
    assert_reported(
        err, root, "# dlq", "Queue 'Jobs'", "`max_recieve_count`", "did you mean `max_receive_count`?"
    )


def test_a_misspelt_sort_key(make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(
        body("""
            Table(
                stack,
                "Notes",
                fields={"a": "string", "b": "string"},
                primary_index={"partition_key": "a", "sortkey": "b"},  # index
            )
        """),
        HANDLER,
    )
    code, _, err = synth(root, capsys)
    assert code == 1
    assert_reported(
        err, root, "# index", "Table 'Notes'", "`sortkey`", "primary_index", "did you mean `sort_key`?"
    )


def test_a_misspelt_filter_policy(make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(
        body("""
            Topic(stack, "Events", subscribers={
                "Mailer": {
                    "function": "functions/ok.handler",
                    "filter_polcy": {"kind": ["signup"]},  # filter
                },
            })
        """),
        HANDLER,
    )
    code, _, err = synth(root, capsys)
    assert code == 1
    assert_reported(
        err, root, "# filter", "Topic 'Events'", "`filter_polcy`", "subscribers['Mailer']",
        "did you mean `filter_policy`?",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("line", "construct", "key", "suggestion"),
    [
        ('Api(stack, "Api", cors={"allow_origin": ["*"]})', "Api 'Api'", "allow_origin", "allow_origins"),
        (
            'Api(stack, "Api", routes={"GET /": {"handler": "functions/ok.handler", "timeot": 5}})',
            "Api 'Api'",
            "timeot",
            "timeout",
        ),
        (
            'Api(stack, "Api", defaults={"function": {"memory": 256}})',
            "Api 'Api'",
            "memory",
            "memory_size",
        ),
        (
            'Queue(stack, "Q", consumer={"function": "functions/ok.handler", "batchsize": 5})',
            "Queue 'Q'",
            "batchsize",
            "batch_size",
        ),
        (
            'Table(stack, "T", fields={"k": "string"}, primary_index={"partition_key": "k"}, '
            'global_indexes={"ByK": {"partition_key": "k", "projektion": "all"}})',
            "Table 'T'",
            "projektion",
            "projection",
        ),
        (
            'Table(stack, "T", fields={"k": "string"}, primary_index={"partition_key": "k"}, stream=True, '
            'consumers={"C": {"function": "functions/ok.handler", "starting_postion": "LATEST"}})',
            "Table 'T'",
            "starting_postion",
            "starting_position",
        ),
        (
            'Bucket(stack, "B", notifications={"N": {"function": "functions/ok.handler", '
            '"filters": [{"prefx": "a/"}]}})',
            "Bucket 'B'",
            "prefx",
            "prefix",
        ),
        (
            'Cron(stack, "C", schedule="rate(1 day)", job={"function": "functions/ok.handler", "enabled": 1})',
            "Cron 'C'",
            "enabled",
            "",
        ),
        (
            'Function(stack, "F", handler="functions/ok.handler", bind=[], environment={"A": "b"}, '
            'runtime="python3.12", timeout=5, memory_size=128, architecture="x86_64", '
            'log_retention_days=1, reserved_concurrency=1, envronment={"A": "b"})',
            "Function 'F'",
            "envronment",
            "environment",
        ),
    ],
)
def test_every_dict_option_and_keyword_is_strict(
    make_project: ProjectFactory,
    capsys: pytest.CaptureFixture[str],
    line: str,
    construct: str,
    key: str,
    suggestion: str,
) -> None:
    root = make_project(body(line + "  # here"), HANDLER)
    code, _, err = synth(root, capsys)
    assert code == 1
    assert_reported(err, root, "# here", construct, f"`{key}`")
    assert "problems" not in err  # reported once
    if suggestion:
        assert f"did you mean `{suggestion}`?" in err
    else:
        assert "did you mean" not in err


def test_a_misspelt_keyword_gets_a_suggestion(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(
        body("""
            Table(
                stack,
                "Notes",
                fields={"k": "string"},
                primary_index={"partition_key": "k"},
                time_to_live_atribute="expires",  # kw
            )
            Queue(stack, "Jobs", visibility_timout=60)  # second
        """),
        HANDLER,
    )
    code, _, err = synth(root, capsys)
    assert code == 1
    assert "2 problems" in err
    assert_reported(err, root, "# kw", "Table 'Notes'", "did you mean `time_to_live_attribute`?")
    assert_reported(err, root, "# second", "Queue 'Jobs'", "did you mean `visibility_timeout`?")
    assert "TypeError" not in err


def test_a_misspelt_bind_keyword_gets_a_suggestion(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(
        body("""
            bucket = Bucket(stack, "Files")
            api = Api(stack, "Api", routes={"GET /": "functions/ok.handler"})
            api.bind([bucket], acess="read")  # bind
        """),
        HANDLER,
    )
    code, _, err = synth(root, capsys)
    assert code == 1
    assert_reported(err, root, "# bind", "Api 'Api'", "unknown option `acess`", "did you mean `access`?")


def test_a_missing_keyword_is_a_config_error(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(body('Table(stack, "Notes", fields={"k": "string"})  # table'), HANDLER)
    code, _, err = synth(root, capsys)
    assert code == 1
    assert_reported(err, root, "# table", "Table 'Notes'", "primary_index")


def test_a_misspelt_default_function_prop(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    config = body('Function(stack, "F", handler="functions/ok.handler")').replace(
        "    app.stack(main)",
        '    app.set_default_function_props({"runtme": "python3.12"})  # defaults\n    app.stack(main)',
    )
    root = make_project(config, HANDLER)
    code, _, err = synth(root, capsys)
    assert code == 1
    assert_reported(err, root, "# defaults", "`runtme`", "did you mean `runtime`?")


@pytest.mark.parametrize(
    "line",
    [
        'Function(stack, "F", handler="functions/ok.handler", bind=bucket)',
        'Function(stack, "F", handler="functions/ok.handler", bind=[bucket])',
        'Api(stack, "Api", routes={"GET /": {"handler": "functions/ok.handler", "bind": bucket}})',
        'Api(stack, "Api", routes={"GET /": "functions/ok.handler"}).bind(bucket)',
        'Api(stack, "Api", routes={"GET /": "functions/ok.handler"}, defaults={"function": {"bind": bucket}})',
    ],
)
def test_bind_takes_one_construct_or_a_list(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str], line: str
) -> None:
    root = make_project(body(f'bucket = Bucket(stack, "Files")\n{line}'), HANDLER)
    code, out, err = synth(root, capsys)
    assert code == 0, err
    assert '"resource": "Files"' in out


def test_bind_of_a_string_is_reported_whole(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(
        body('Function(stack, "F", handler="functions/ok.handler", bind="Files")  # f'), HANDLER
    )
    code, _, err = synth(root, capsys)
    assert code == 1
    assert_reported(err, root, "# f", "cannot bind str 'Files'")


def test_a_bad_route_points_at_its_own_line(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(
        body("""
            api = Api(
                stack,
                "Api",
                routes={
                    "GET /": "functions/ok.handler",
                    "GET /missing": "functions/missing.handler",  # missing
                    "FETCH /x": "functions/ok.handler",  # malformed
                    "GET /undefined": {"function": "functions/ok.nope"},  # undefined
                },
            )
            api.add_routes({
                "POST /y": "functions/gone.handler",  # added
            })
        """),
        HANDLER,
    )
    code, _, err = synth(root, capsys)
    assert code == 1
    assert "4 problems" in err
    assert_reported(err, root, "# missing", "route 'GET /missing'", "not found")
    assert_reported(err, root, "# malformed", "malformed route key 'FETCH /x'")
    assert_reported(err, root, "# undefined", "route 'GET /undefined'", "does not define 'nope'")
    assert_reported(err, root, "# added", "route 'POST /y'", "not found")
    assert f":{line_of(root, 'api = Api(')}:" not in err


def test_valid_options_are_not_reported(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(
        body("""
            dead = Queue(stack, "Dead")
            jobs = Queue(stack, "Jobs", dlq={"queue": dead, "max_receive_count": 2},
                         consumer={"function": {"handler": "functions/ok.handler", "timeout": 5},
                                   "batch_size": 5})
            Table(stack, "T", fields={"k": "string", "s": "number"},
                  primary_index={"partition_key": "k", "sort_key": "s"},
                  global_indexes={"ByS": {"partition_key": "s", "projection": ["k"]}})
            Topic(stack, "Events", subscribers={
                "Q": {"queue": jobs, "filter_policy": {"kind": ["a"]}},
                "F": {"function": "functions/ok.handler"},
            })
            Api(stack, "Api", routes={"GET /": {"function": {"handler": "functions/ok.handler"}}},
                cors={"allow_origins": ["*"], "max_age": 5}, defaults={"function": {"timeout": 5}})
        """),
        HANDLER,
    )
    code, out, err = synth(root, capsys)
    assert code == 0, err
    assert '"maxReceiveCount": 2' in out
