"""``AWS::Lambda::Function``: code from the build's artifact (``Code.Sha256``), configuration in place.

After a create the function is ``Pending`` and after an update its ``LastUpdateStatus`` is ``InProgress``
on AWS; the next call waits for both to settle (on the local cloud they settle at once).

Lambda allows 4 KB of environment variables. When the bound resources' metadata would not fit, it moves
into ``squall_resources.json`` inside the function's package (``SQUALL_RESOURCES_FILE`` names it), which
``from squall import Resource`` reads instead.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from typing import Any

from squall.deploy.errors import DeployError
from squall.deploy.providers.base import JSON, Current, Provider, ProviderContext

CONFIG_KEYS = ("Handler", "Runtime", "Timeout", "MemorySize", "Role", "Environment", "LoggingConfig")
DIRECT_UPLOAD_LIMIT = 45 * 1024 * 1024
ENVIRONMENT_LIMIT = 4096
SPILL_FILE = "squall_resources.json"
RESOURCE_PREFIX = "SQUALL_RESOURCE_"


def environment_size(variables: dict[str, Any]) -> int:
    return sum(len(str(key).encode()) + len(str(value).encode()) for key, value in variables.items())


def spill(name: str, variables: dict[str, Any]) -> tuple[dict[str, Any], bytes | None]:
    """The variables to set and, when the bound metadata had to leave them, the file that holds it."""
    if environment_size(variables) <= ENVIRONMENT_LIMIT:
        return variables, None
    moved = {
        key[len(RESOURCE_PREFIX) :]: json.loads(value)
        for key, value in variables.items()
        if key.startswith(RESOURCE_PREFIX)
    }
    kept = {key: value for key, value in variables.items() if not key.startswith(RESOURCE_PREFIX)}
    kept["SQUALL_RESOURCES_FILE"] = SPILL_FILE
    if environment_size(kept) > ENVIRONMENT_LIMIT:
        raise DeployError(
            f"function {name}: its environment is {environment_size(kept)} bytes even without the bound "
            f"resources' metadata; Lambda allows {ENVIRONMENT_LIMIT}",
            hint="move large values out of `environment` (e.g. into a Secret or a file in the package)",
        )
    return kept, json.dumps(moved, sort_keys=True, separators=(",", ":")).encode()


def with_file(package: bytes, name: str, content: bytes) -> bytes:
    """``package`` (a zip) with one more file, deterministically (fixed time stamp)."""
    buffer = io.BytesIO(package)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        archive.writestr(info, content)
    return buffer.getvalue()


def _current(config: dict[str, Any], tags: dict[str, str] | None = None) -> Current:
    return Current(
        config["FunctionName"],
        {"Arn": config["FunctionArn"], "Ref": config["FunctionName"], "CodeSha256": config["CodeSha256"]},
        tags=tags,
    )


def b64_sha(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


class FunctionProvider(Provider):
    type = "AWS::Lambda::Function"
    replace_on = frozenset({"FunctionName"})
    taggable = True

    def find(
        self,
        ctx: ProviderContext,
        logical_id: str,
        physical_name: str | None,
        props: dict[str, JSON],
        physical_id: str | None,
    ) -> Current | None:
        found = ctx.call_if_exists("lambda", "get_function", FunctionName=physical_id or physical_name)
        if found is None:
            return None
        return _current(found["Configuration"], dict(found.get("Tags") or {}))

    def desired(self, logical_id: str, props: dict[str, JSON], code: Mapping[str, str]) -> dict[str, JSON]:
        if logical_id in code:
            props["Code"] = {"Sha256": code[logical_id]}
        return props

    def live_changes(
        self, current: Current, props: dict[str, JSON], recorded: Mapping[str, JSON] | None
    ) -> list[str]:
        # code changed out of band: compared with what the last deploy recorded it uploaded (the package
        # plus a spilled environment file), or, without a record, with the package itself
        if "Code" not in props or "CodeSha256" not in current.attributes:
            return []
        expected = (recorded or {}).get("CodeSha256") or b64_sha(props["Code"]["Sha256"])
        return ["Code"] if current.attributes["CodeSha256"] != expected else []

    def read_tags(self, ctx: ProviderContext, current: Current) -> dict[str, str]:
        return dict(ctx.call("lambda", "list_tags", Resource=current.attributes["Arn"])["Tags"])

    def tag(self, ctx: ProviderContext, current: Current, tags: dict[str, str]) -> None:
        ctx.call("lambda", "tag_resource", Resource=current.attributes["Arn"], Tags=tags)

    def _code(self, ctx: ProviderContext, props: dict[str, JSON]) -> dict[str, Any]:
        sha = props["Code"]["Sha256"]
        artifact = ctx.artifacts.get(sha)
        if artifact is None:
            raise DeployError(f"the code package {sha[:12]} was not built")
        _, spilled = self._spilled(props)
        if spilled is not None:
            package = with_file(artifact.read(), SPILL_FILE, spilled)
            if len(package) <= DIRECT_UPLOAD_LIMIT or ctx.code_bucket is None:
                return {"ZipFile": package}
            key = f"{ctx.code_prefix}code/{hashlib.sha256(package).hexdigest()}.zip"
            ctx.call("s3", "put_object", Bucket=ctx.code_bucket, Key=key, Body=package)
            return {"S3Bucket": ctx.code_bucket, "S3Key": key}
        if artifact.size <= DIRECT_UPLOAD_LIMIT or ctx.code_bucket is None:
            return {"ZipFile": artifact.read()}
        key = f"{ctx.code_prefix}code/{sha}.zip"
        with open(artifact.path, "rb") as body:
            ctx.call("s3", "put_object", Bucket=ctx.code_bucket, Key=key, Body=body)
        return {"S3Bucket": ctx.code_bucket, "S3Key": key}

    def _spilled(self, props: dict[str, JSON]) -> tuple[dict[str, Any], bytes | None]:
        variables = dict((props.get("Environment") or {}).get("Variables") or {})
        return spill(str(props.get("FunctionName", "")), variables)

    def expected_sha(self, ctx: ProviderContext, props: dict[str, JSON]) -> str:
        """The CodeSha256 Lambda reports once ``props`` are applied (the package plus any spilled file)."""
        _, spilled = self._spilled(props)
        if spilled is None:
            return b64_sha(props["Code"]["Sha256"])
        artifact = ctx.artifacts.get(props["Code"]["Sha256"])
        if artifact is None:
            return ""
        package = with_file(artifact.read(), SPILL_FILE, spilled)
        return base64.b64encode(hashlib.sha256(package).digest()).decode()

    def _configuration(self, props: dict[str, JSON]) -> dict[str, Any]:
        config = {key: props[key] for key in CONFIG_KEYS if key in props}
        variables, _ = self._spilled(props)
        config["Environment"] = {"Variables": variables}
        return config

    def _settle(self, ctx: ProviderContext, name: str) -> dict[str, Any]:
        latest: dict[str, Any] = {}

        def settled() -> bool:
            nonlocal latest
            latest = ctx.call("lambda", "get_function_configuration", FunctionName=name)
            return latest.get("State") != "Pending" and latest.get("LastUpdateStatus") != "InProgress"

        if not ctx.retrier.wait_for(settled, timeout=300, interval=1.0):
            raise DeployError(f"function {name} did not become active within 300 s")
        return latest

    def create(
        self, ctx: ProviderContext, logical_id: str, physical_name: str | None, props: dict[str, JSON]
    ) -> Current:
        name = props["FunctionName"]
        config = ctx.call(
            "lambda",
            "create_function",
            FunctionName=name,
            Code=self._code(ctx, props),
            Architectures=props.get("Architectures", ["x86_64"]),
            PackageType="Zip",
            Publish=False,
            Tags=ctx.tags,
            **self._configuration(props),
        )
        if config.get("State") == "Pending":
            config = self._settle(ctx, name)
        self._concurrency(ctx, name, props.get("ReservedConcurrentExecutions"), None)
        return _current(config)

    def update(
        self, ctx: ProviderContext, current: Current, old: dict[str, JSON], new: dict[str, JSON]
    ) -> Current:
        name = current.physical_id
        config: dict[str, Any] | None = None
        self._settle(ctx, name)
        wanted = self._configuration(new)
        applied = self._configuration(old) if old else {}
        if any(applied.get(key) != wanted.get(key) for key in wanted) or not old:
            ctx.call("lambda", "update_function_configuration", FunctionName=name, **wanted)
            config = self._settle(ctx, name)
        code_changed = old.get("Code") != new["Code"] or old.get("Architectures") != new.get("Architectures")
        if code_changed or current.attributes.get("CodeSha256") != self.expected_sha(ctx, new):
            code = self._code(ctx, new)
            ctx.call(
                "lambda",
                "update_function_code",
                FunctionName=name,
                Architectures=new.get("Architectures", ["x86_64"]),
                **code,
            )
            config = self._settle(ctx, name)
        self._concurrency(
            ctx,
            name,
            new.get("ReservedConcurrentExecutions"),
            old.get("ReservedConcurrentExecutions", "unknown") if old else "unknown",
        )
        if config is None:
            config = ctx.call("lambda", "get_function_configuration", FunctionName=name)
        return _current(config)

    def _concurrency(self, ctx: ProviderContext, name: str, wanted: int | None, previous: object) -> None:
        if wanted == previous:
            return
        if wanted is None:
            if previous is not None:
                ctx.call("lambda", "delete_function_concurrency", FunctionName=name)
        else:
            ctx.call(
                "lambda", "put_function_concurrency", FunctionName=name, ReservedConcurrentExecutions=wanted
            )

    def delete(self, ctx: ProviderContext, physical_id: str, props: dict[str, JSON]) -> None:
        ctx.call_if_exists("lambda", "delete_function", FunctionName=physical_id)
