"""What ``Resource`` offers before ``squall types`` has generated the app's own stubs: only ``App``.

``squall types`` (and ``squall dev``, ``squall deploy``) writes the app's ``squall_resources`` to
``.squall/types``, which the project's type checker settings put ahead of this one (``mypy_path``,
``extraPaths``). Without it (a fresh clone, CI before ``squall types``), ``Resource.Urls`` is an error rather
than an unchecked ``Any``, so a misspelt name cannot pass unnoticed.
"""

from typing import Final

class AppInfo:
    @property
    def name(self) -> str: ...
    @property
    def stage(self) -> str: ...

class Resources:
    """No resources: run `squall types` to generate this app's."""

    App: Final[AppInfo]
