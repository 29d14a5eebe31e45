"""Reading logs: Python tracebacks (``tracebacks``) and CloudWatch Logs filter patterns (``filter_pattern``).

Pure functions over text, with no imports from the rest of squall, so the console, the dev terminal and the
local cloud can all use them.
"""
