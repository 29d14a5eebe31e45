"""Secrets per stage: SSM SecureString parameters under ``/squall/{app}/{stage}/{name}``.

A value set with ``fallback=True`` lives under ``/squall/{app}/.fallback/{name}`` and serves every stage that
has no value of its own (handy for preview stages). Values never enter the graph, the deploy state or a
function's environment; ``Resource.<Name>.value`` fetches them at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from squall.constructs.secret import FALLBACK_STAGE, parameter_name
from squall.errors import SquallError

Source = Literal["stage", "fallback"]


class SecretNotSet(SquallError):
    pass


@dataclass(frozen=True)
class SecretValue:
    name: str
    value: str
    source: Source


class Secrets:
    """The secrets of one app and stage, through an SSM client (AWS or the local cloud)."""

    def __init__(self, ssm: Any, app: str, stage: str) -> None:
        self.ssm = ssm
        self.app = app
        self.stage = stage

    def _parameter(self, name: str, fallback: bool) -> str:
        return parameter_name(self.app, FALLBACK_STAGE if fallback else self.stage, name)

    def set(self, name: str, value: str, *, fallback: bool = False) -> str:
        parameter = self._parameter(name, fallback)
        self.ssm.put_parameter(Name=parameter, Value=value, Type="SecureString", Overwrite=True)
        return parameter

    def get(self, name: str, *, fallback: bool = False) -> SecretValue:
        candidates: list[tuple[str, Source]] = [(self._parameter(name, True), "fallback")]
        if not fallback:
            candidates.insert(0, (self._parameter(name, False), "stage"))
        for parameter, source in candidates:
            try:
                value = self.ssm.get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
            except self.ssm.exceptions.ParameterNotFound:
                continue
            return SecretValue(name, str(value), source)
        raise SecretNotSet(
            f"secret {name!r} has no value for stage {self.stage!r}" + (" (fallback)" if fallback else ""),
            hint=f"set it with: squall secret set {name} VALUE --stage {self.stage}",
        )

    def _names(self, fallback: bool) -> list[str]:
        prefix = self._parameter("", fallback)
        names: list[str] = []
        paginator = self.ssm.get_paginator("get_parameters_by_path")
        for page in paginator.paginate(Path=prefix.rstrip("/"), Recursive=False):
            names.extend(p["Name"].removeprefix(prefix) for p in page["Parameters"])
        return sorted(names)

    def stage_names(self) -> list[str]:
        """The names of the secrets set for this stage itself (not the fallbacks)."""
        return self._names(False)

    def remove_all(self, names: list[str]) -> None:
        """Delete this stage's own values of ``names`` (fallbacks stay); names without one are skipped."""
        parameters = [self._parameter(name, False) for name in names]
        for start in range(0, len(parameters), 10):  # SSM's batch limit
            self.ssm.delete_parameters(Names=parameters[start : start + 10])

    def sources(self) -> dict[str, Source]:
        """Secret name → where its value comes from for this stage (values are not read)."""
        found: dict[str, Source] = dict.fromkeys(self._names(True), "fallback")
        found.update(dict.fromkeys(self._names(False), "stage"))
        return dict(sorted(found.items()))

    def remove(self, name: str, *, fallback: bool = False) -> None:
        try:
            self.ssm.delete_parameter(Name=self._parameter(name, fallback))
        except self.ssm.exceptions.ParameterNotFound:
            raise SecretNotSet(
                f"secret {name!r} is not set for {'all stages (fallback)' if fallback else 'stage ' + repr(self.stage)}"
            ) from None

    def missing(self, names: list[str]) -> list[str]:
        """Which of ``names`` have neither a stage value nor a fallback."""
        present = self.sources()
        return [name for name in names if name not in present]
