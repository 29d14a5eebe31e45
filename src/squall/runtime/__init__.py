"""The Python Lambda runtime: warm worker processes per function, and the HTTP API payload 2.0 mapping.

``FunctionPool`` runs a function's handler in worker processes (``worker.py`` is the loop inside them);
``squall.runtime.apigw`` turns HTTP requests into payload 2.0 events and handler results into responses.
"""

from __future__ import annotations

from squall.runtime.pool import FunctionPool, PoolClosed, TooManyRequests
from squall.runtime.process import TemplateProcess
from squall.runtime.results import FUNCTION_ERROR, InvocationResult
from squall.runtime.spec import Credentials, FunctionSpec, build_environment

__all__ = [
    "FUNCTION_ERROR",
    "Credentials",
    "FunctionPool",
    "FunctionSpec",
    "InvocationResult",
    "PoolClosed",
    "TemplateProcess",
    "TooManyRequests",
    "build_environment",
]
