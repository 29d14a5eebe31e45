"""The keys the local cloud's own state holds: STS role sessions and IAM users' access keys.

moto keeps every access key it issued in the IAM backend's ``access_keys`` (a role session's key has the
role's ARN); a session's token and expiry are on STS's ``assumed_roles``. Read under the state lock, only
when a key is first seen (``KeyRing`` caches what is found). An IAM user's key can be deactivated or
deleted, so it is looked up again after any IAM change, which the mutation feed tells.
"""

from __future__ import annotations

import calendar
from typing import Any

from squall.cloud.auth.keyring import Key, Principal
from squall.cloud.auth.keys import ACCOUNT_ID
from squall.cloud.plugins import CloudContext


class MotoKeys:
    def __init__(self, ctx: CloudContext) -> None:
        self._ctx = ctx

    def version(self) -> int:
        return self._ctx.mutations.last

    def changed_since(self, version: int) -> bool:
        feed = self._ctx.mutations
        if feed.last == version:
            return False
        changes = feed.since(version)
        if not changes or changes[0].seq > version + 1:
            return True  # the feed's window moved past it: assume the worst
        return any(change.service == "iam" for change in changes)

    def find(self, access_key_id: str) -> Key | None:
        with self._ctx.locked():
            iam = self._ctx.backend("iam", "global", ACCOUNT_ID)
            stored: Any = iam.access_keys.get(access_key_id)
            if stored is None:
                return None
            if stored.role_arn:
                sts = self._ctx.backend("sts", "global", ACCOUNT_ID)
                session: Any = sts.get_assumed_role_from_access_key(access_key_id)
                if session is None:
                    return None
                return Key(
                    secret_access_key=session.secret_access_key,
                    principal=Principal(session.arn, "assumed-role", access_key_id),
                    session_token=session.session_token,
                    expires=float(calendar.timegm(session.expiration.utctimetuple())),
                )
            if stored.status != "Active" or not stored.user_name:
                return None
            user: Any = iam.users.get(stored.user_name)
            if user is None:
                return None
            return Key(
                secret_access_key=stored.secret_access_key,
                principal=Principal(user.arn, "user", access_key_id),
                lasting=False,
            )
