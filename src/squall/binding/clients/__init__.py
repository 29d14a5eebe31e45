"""Typed clients on bound resources: ``Resource.Notes.get(...)``, ``Resource.Uploads.put(...)``.

Each bound resource's class lives in its own module (``table``, ``bucket``, ``queue``, ``topic``); they read
the metadata the deployer injected (``base.BoundResource``) and call AWS through boto3 clients made on
first use (``aws``), with the function's own credentials and endpoint, exactly as a handler's own
``boto3.client(...)`` would. Importing this package loads the standard library only: boto3 is imported the
first time a client is needed. ``squall types`` writes per-app stubs that give these clients the app's key
names and types; at run time they take and return plain Python values.
"""
