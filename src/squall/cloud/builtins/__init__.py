"""Plugins the local cloud always loads (see ``squall.cloud.plugins.BUILTIN_PLUGINS``)."""
