"""Lambda's ``LoggingConfig`` (log format), which moto does not keep: recorded here, served back.

``CreateFunction`` and ``UpdateFunctionConfiguration`` go through to moto; on success the function's
``LoggingConfig`` (``LogFormat`` ``Text`` or ``JSON``) is written to ``logging_configs.json`` under the cloud's
data folder (so it survives restarts), and every answer that describes the function's configuration
carries it as Lambda's does. The function host reads it to run the function in that format.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse

FILE = "logging_configs.json"
FORMATS = ("Text", "JSON")


class LoggingConfigs:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._formats: dict[str, str] = {}
        """function name → log format (names are unique per region and account; the key is region:name)."""

    def _load(self, ctx: CloudContext) -> None:
        if self._path is not None:
            return
        self._path = ctx.data / FILE
        try:
            self._formats = {str(k): str(v) for k, v in json.loads(self._path.read_text()).items()}
        except (OSError, ValueError):
            self._formats = {}

    def log_format(self, ctx: CloudContext, region: str, name: str) -> str:
        with self._lock:
            self._load(ctx)
            return self._formats.get(f"{region}:{name}", "Text")

    def _record(self, ctx: CloudContext, region: str, name: str, config: Any) -> None:
        wanted = str(config.get("LogFormat") or "Text") if isinstance(config, dict) else "Text"
        with self._lock:
            self._load(ctx)
            assert self._path is not None
            self._formats[f"{region}:{name}"] = wanted if wanted in FORMATS else "Text"
            staging = self._path.with_suffix(".tmp")
            staging.write_text(json.dumps(self._formats, sort_keys=True))
            staging.replace(self._path)

    def _answer(
        self, ctx: CloudContext, request: CloudRequest, response: CloudResponse, path_key: str
    ) -> CloudResponse:
        if response.status >= 300:
            return response
        document = json.loads(response.body)
        config = document.get(path_key, document) if path_key else document
        name = str(config.get("FunctionName", ""))
        config["LoggingConfig"] = {
            "LogFormat": self.log_format(ctx, request.region, name),
            "LogGroup": f"/aws/lambda/{name}",
        }
        return CloudResponse(response.status, dict(response.headers), json.dumps(document).encode())

    def write(self, request: CloudRequest, ctx: CloudContext) -> CloudResponse:
        """CreateFunction, UpdateFunctionConfiguration: through to moto, then the log format recorded."""
        response = ctx.call(request)
        if response.status < 300:
            body = request.json() if request.body else {}
            name = str(json.loads(response.body).get("FunctionName", ""))
            if request.operation == "CreateFunction" or "LoggingConfig" in body:
                self._record(ctx, request.region, name, body.get("LoggingConfig"))
        return self._answer(ctx, request, response, "")

    def read_configuration(self, request: CloudRequest, ctx: CloudContext) -> CloudResponse:
        return self._answer(ctx, request, ctx.call(request), "")

    def read_function(self, request: CloudRequest, ctx: CloudContext) -> CloudResponse:
        return self._answer(ctx, request, ctx.call(request), "Configuration")
