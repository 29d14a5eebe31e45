"""``squall dev``: the stage deployed with live functions that run from the source tree, reloaded on save."""
