"""``Function``: one Lambda function, with its IAM role, log group and bound resources."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict, cast

from squall.constructs.base import Construct, Token
from squall.constructs.binding import ENV_PREFIX, Access, Bindable, BindsResources, as_items, statement
from squall.constructs.handlers import HandlerRef, defines
from squall.constructs.location import SourceLocation, caller_location
from squall.errors import ConfigError
from squall.graph.model import get_att, sub
from squall.graph.naming import fit, physical_name

if TYPE_CHECKING:
    from squall.app import Stack
    from squall.graph.synth import SynthContext

Runtime = Literal["python3.11", "python3.12", "python3.13"]
Architecture = Literal["x86_64", "arm64"]
LogFormat = Literal["Text", "JSON"]
RUNTIMES: tuple[Runtime, ...] = ("python3.11", "python3.12", "python3.13")

DEFAULT_RUNTIME: Runtime = "python3.12"
DEFAULT_TIMEOUT = 10
DEFAULT_MEMORY = 1024
MAX_TIMEOUT = 900


class FunctionProps(TypedDict, total=False):
    """Options of a function, usable wherever a function is expected and as ``defaults``."""

    handler: str
    runtime: Runtime
    timeout: int
    memory_size: int
    environment: Mapping[str, str | Token]
    bind: Construct | Sequence[Construct]
    architecture: Architecture
    reserved_concurrency: int
    log_retention_days: int
    log_format: LogFormat


class Function(Construct, BindsResources):
    """A Python Lambda function; ``handler`` is ``"path/to/module.function"`` from the project root."""

    kind = "Function"

    def __init__(
        self,
        stack: Stack,
        id: str,
        handler: str,
        *,
        runtime: Runtime | None = None,
        timeout: int | None = None,
        memory_size: int | None = None,
        environment: Mapping[str, str | Token] | None = None,
        bind: Construct | Sequence[Construct] = (),
        architecture: Architecture | None = None,
        reserved_concurrency: int | None = None,
        log_retention_days: int | None = None,
        log_format: LogFormat | None = None,
        _owner: str | None = None,
    ) -> None:
        super().__init__(stack, id)
        self._init_binds()
        defaults = stack.app.default_function_props
        self.handler = handler
        self.runtime: Runtime = runtime or defaults.get("runtime", DEFAULT_RUNTIME)
        self.timeout = timeout if timeout is not None else defaults.get("timeout", DEFAULT_TIMEOUT)
        self.memory_size = (
            memory_size if memory_size is not None else defaults.get("memory_size", DEFAULT_MEMORY)
        )
        self.environment: dict[str, str | Token] = {**defaults.get("environment", {}), **(environment or {})}
        self.architecture: Architecture = architecture or defaults.get("architecture", "x86_64")
        self.reserved_concurrency = reserved_concurrency
        self.log_retention_days = log_retention_days
        self.log_format: LogFormat | None = log_format or defaults.get("log_format")
        """Lambda's ``LoggingConfig.LogFormat``: ``"JSON"`` writes logging records and platform lines as JSON."""
        self.owner = _owner
        """What made this function implicitly (``Api 'Api' route 'GET /x'``), if anything."""
        self.extra_statements: list[Callable[[SynthContext], list[dict[str, Any]]]] = []
        """Permissions a trigger needs (reading a queue or a stream), beyond bound resources."""
        self.inherited_binds: list[BindsResources] = []
        """Constructs whose ``bind([...])`` also applies here (an Api for its routes)."""
        binds = [*as_items(defaults.get("bind", ())), *as_items(bind)]
        if binds:
            self.bind(cast("list[Construct]", binds))  # what is not a construct is reported by validate

    @property
    def logical_id(self) -> str:
        return self.id

    def function_name(self, ctx: SynthContext) -> str:
        return physical_name(ctx.app, ctx.stage, self.id, "lambda")

    def arn(self, ctx: SynthContext) -> dict[str, str]:
        return sub(f"arn:aws:lambda:{ctx.region}:${{AWS::AccountId}}:function:{self.function_name(ctx)}")

    def describe(self) -> str:
        return self.owner or f"Function '{self.id}'"

    def error(
        self, message: str, *, hint: str | None = None, at: SourceLocation | None = None
    ) -> ConfigError:
        return ConfigError(f"{self.describe()}: {message}", where=str(at or self.location), hint=hint)

    # -- validation ---------------------------------------------------------------------------

    def validate(self) -> Iterator[ConfigError]:
        yield from super().validate()
        yield from self._validate_handler()
        if self.log_format is not None and self.log_format not in ("Text", "JSON"):
            yield self.error(f"unsupported log_format {self.log_format!r}", hint="use 'Text' or 'JSON'")
        if self.runtime not in RUNTIMES:
            yield self.error(
                f"unsupported runtime {self.runtime!r}", hint=f"use one of {', '.join(RUNTIMES)}"
            )
        if not isinstance(self.timeout, int) or not 1 <= self.timeout <= MAX_TIMEOUT:
            yield self.error(f"timeout {self.timeout!r} is out of range", hint="use 1 to 900 seconds")
        if not isinstance(self.memory_size, int) or not 128 <= self.memory_size <= 10240:
            yield self.error(f"memory_size {self.memory_size!r} is out of range", hint="use 128 to 10240 MB")
        if self.architecture not in ("x86_64", "arm64"):
            yield self.error(f"unknown architecture {self.architecture!r}", hint="use 'x86_64' or 'arm64'")

    def _validate_handler(self) -> Iterator[ConfigError]:
        ref = HandlerRef.parse(self.handler) if isinstance(self.handler, str) else None
        if ref is None:
            yield self.error(
                f"malformed handler {self.handler!r}",
                hint="write it as 'path/to/module.function', e.g. 'functions/shorten.handler'",
            )
            return
        root = self.stack.app.root
        source = ref.source_file(root)
        if source is None:
            yield self.error(
                f"handler {self.handler!r}: file {ref.module_path}.py not found under {root}",
            )
            return
        found = defines(source.read_text(encoding="utf-8"), str(source), ref.attribute)
        if isinstance(found, SyntaxError):
            yield self.error(
                f"handler {self.handler!r}: {source.relative_to(root)}:{found.lineno}: "
                f"syntax error: {found.msg}"
            )
        elif not found:
            yield self.error(
                f"handler {self.handler!r}: {source.relative_to(root)} does not define {ref.attribute!r}",
                hint=f"add 'def {ref.attribute}(event, context): ...' to {source.relative_to(root)}",
            )

    def all_bind_requests(self) -> list[Any]:
        requests = list(self.bind_requests)
        for parent in self.inherited_binds:
            requests.extend(parent.bind_requests)
        return requests

    def bound(self) -> list[tuple[Bindable, Access]]:
        """Bound resources with their access, deduplicated (the widest access wins)."""
        result: dict[str, tuple[Bindable, Access]] = {}
        for request in self.all_bind_requests():
            target = cast(Bindable, request.target)
            access = cast(Access, request.access)
            previous = result.get(target.id)
            if previous is not None and previous[1] != access:
                access = "readwrite"
            result[target.id] = (target, access)
        return [result[key] for key in sorted(result)]

    # -- synthesis ----------------------------------------------------------------------------

    def synthesize(self, ctx: SynthContext) -> None:
        ref = HandlerRef.parse(self.handler)
        assert ref is not None
        name = self.function_name(ctx)
        role_id = f"{self.id}Role"
        log_group = f"/aws/lambda/{name}"
        log_id = f"{self.id}LogGroup"
        statements: list[dict[str, Any]] = [
            statement(
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                [sub(f"arn:aws:logs:{ctx.region}:${{AWS::AccountId}}:log-group:{log_group}:*")],
            )
        ]
        environment: dict[str, Any] = {"SQUALL_APP": ctx.app, "SQUALL_STAGE": ctx.stage}
        for key, value in self.environment.items():
            environment[key] = value.value if isinstance(value, Token) else value
        for extra in self.extra_statements:
            statements.extend(extra(ctx))
        for target, access in self.bound():
            statements.extend(target.bind_statements(ctx, access))
            metadata = {"type": target.kind, **target.bind_metadata(ctx)}
            environment[f"{ENV_PREFIX}{target.id}"] = {"Fn::ToJsonString": metadata}
            ctx.add_binding(self.id, target.id, target.kind, access)
        ctx.add(
            "AWS::IAM::Role",
            role_id,
            fit(f"{ctx.app}-{ctx.stage}-{self.id}", "iam_role"),
            {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": "squall-function",
                        "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                    }
                ],
                **({"IamMode": ctx.iam} if ctx.iam != "enforce" else {}),
            },
            construct=self.id,
        )
        ctx.add(
            "AWS::Logs::LogGroup",
            log_id,
            fit(log_group, "log_group"),
            {"LogGroupName": log_group, "RetentionInDays": self.log_retention_days or ctx.log_retention_days},
            construct=self.id,
        )
        properties: dict[str, Any] = {
            "FunctionName": name,
            "Handler": f"{ref.module}.{ref.attribute}",
            "Runtime": self.runtime,
            "Timeout": self.timeout,
            "MemorySize": self.memory_size,
            "Architectures": [self.architecture],
            "Role": get_att(role_id, "Arn"),
            "Environment": {"Variables": dict(sorted(environment.items()))},
        }
        if self.reserved_concurrency is not None:
            properties["ReservedConcurrentExecutions"] = self.reserved_concurrency
        if self.log_format is not None:
            properties["LoggingConfig"] = {"LogFormat": self.log_format}
        ctx.add(
            "AWS::Lambda::Function",
            self.id,
            name,
            properties,
            depends_on=(log_id, *(t.id for t, _ in self.bound() if t.kind != "Secret")),
            construct=self.id,
            metadata={
                "handler": self.handler,
                "source": f"{ref.module_path}.py",
                "code_root": ".",
                "owner": self.owner or "",
                "defined_at": ctx.relative_location(self.location),
            },
        )

    # -- binding this function to another ------------------------------------------------------

    def bind_metadata(self, ctx: SynthContext) -> dict[str, Any]:
        return {"functionName": self.function_name(ctx), "arn": self.arn(ctx)}

    def bind_statements(self, ctx: SynthContext, access: Access) -> list[dict[str, Any]]:
        return [statement(["lambda:InvokeFunction"], [self.arn(ctx)])]


FunctionDefinition = str | Function | FunctionProps
"""Wherever a function is expected: a handler string, a ``Function``, or its props with ``handler``."""


def function_from(
    stack: Stack,
    id: str,
    definition: object,
    *,
    owner: str,
    defaults: FunctionProps | None = None,
    at: SourceLocation | None = None,
) -> Function | ConfigError:
    """The ``Function`` a definition stands for, made under ``id`` unless it already is one.

    A function made here is located ``at`` the line that defines it (a route's own line), when known.
    """
    if isinstance(definition, Function):
        return definition
    props: dict[str, Any] = dict(defaults or {})
    if isinstance(definition, str):
        props["handler"] = definition
    elif isinstance(definition, Mapping) and isinstance(definition.get("handler"), str):
        props.update(definition)
    else:
        return ConfigError(
            f"{owner}: expected a handler string, a Function or function props with 'handler', "
            f"got {definition!r}",
            where=str(at or caller_location()),
        )
    # Unknown keys were reported where they were written (strict options); they are left out here.
    known = FunctionProps.__required_keys__ | FunctionProps.__optional_keys__
    made = Function(stack, id, _owner=owner, **{k: v for k, v in props.items() if k in known})
    if at is not None:
        made.location = at
    return made
