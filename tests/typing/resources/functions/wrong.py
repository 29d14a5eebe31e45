"""Mistakes the stubs must catch: each marked line is an error for mypy and for pyright, and no other is."""

from squall import Resource


def mistakes() -> None:
    notes = Resource.Notes
    Resource.Notez.get(userId="u1", noteId="n1")  # error: attr-defined reportAttributeAccessIssue
    print(notes.tabel_name)  # error: attr-defined reportAttributeAccessIssue
    print(Resource.Uploads.bucket_nam)  # error: attr-defined reportAttributeAccessIssue
    notes.get(userid="u1", noteId="n1")  # error: call-arg reportCallIssue
    notes.get(userId=1, noteId="n1")  # error: arg-type reportArgumentType
    notes.delete(userId="u1", note="n1")  # error: call-arg reportCallIssue
    notes.put({"userId": "u1", "noteID": "n1"})  # error: typeddict-unknown-key reportArgumentType
    notes.put({"userId": "u1", "noteId": 2})  # error: typeddict-item reportArgumentType
    notes.update({"userId": "u1", "noteId": "n1"}, set={"titel": "x"})  # error: arg-type reportArgumentType
    notes.update({"userId": "u1", "noteId": "n1"}, add={"title": 1})  # error: arg-type reportArgumentType
    notes.query(1)  # error: call-overload reportArgumentType
    notes.query("u1", index="ByDate", sort_condition=(">", "x"))  # error: call-overload reportCallIssue
    notes.query("u1", index="ByName")  # error: call-overload reportCallIssue
    Resource.Jobs.sned("x")  # error: attr-defined reportAttributeAccessIssue
