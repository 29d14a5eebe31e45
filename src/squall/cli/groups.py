"""The click group every ``squall`` command group uses: whole-sentence summaries, "did you mean" for typos.

Click shortens a command's summary to 45 characters and to its first sentence, which cuts text like
"(its id, e.g. ApiGetCode)" at "e.g."; the summaries here are each command's first sentence, whole, wrapped
to the terminal's width. An
unknown command name gets the closest known one suggested, as click already does for options.
"""

from __future__ import annotations

import difflib
import inspect

import click

ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "cf.")


def summary(command: click.Command) -> str:
    """The command's ``short_help``, else the first sentence of its help, whole (``e.g.`` ends none)."""
    if command.short_help:
        return command.short_help
    paragraph = inspect.cleandoc(command.help or "").split("\n\n")[0].replace("\b\n", "")
    words: list[str] = []
    for word in paragraph.split():
        words.append(word)
        if word.endswith(".") and word.lower().lstrip("(") not in ABBREVIATIONS:
            break
    return " ".join(words)


class SquallGroup(click.Group):
    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows: list[tuple[str, str]] = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, summary(command)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = click.utils.make_str(args[0]) if args else ""
        if args and self.get_command(ctx, name) is None and not name.startswith("-"):
            known = self.list_commands(ctx)
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]!r}?" if close else f" Commands: {', '.join(known)}."
            ctx.fail(f"No such command {name!r}.{hint}")
        return super().resolve_command(ctx, args)
