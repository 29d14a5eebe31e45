"""The function side of binding: what a handler reads through ``from squall import Resource``."""
