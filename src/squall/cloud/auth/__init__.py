"""Who may call the local cloud, and how it knows: SigV4 against the credentials it issues.

The local cloud trusts its developer's user account and nothing outside it. A request gets in when it
names the endpoint on loopback, does not come from a web page (unless CORS allows that page), and is
signed with a key the local cloud issued:

- ``keys``: the home's key pair, ``<home>/cloud/credentials.json`` (0600), created on first use by
  whichever side needs it first; ``home_credentials(home)`` is how every client gets it;
- ``keyring``/``moto_keys``: access key → secret and principal (the home's key is the account's root; role
  sessions from STS and IAM users' keys are found in the local cloud's state);
- ``sigv4``: canonical requests and signatures (also used to sign squall's own calls);
- ``verify``: the header, presigned-query, aws-chunked (``chunked``) and POST-policy (``post_policy``)
  forms, the clock skew, the payload hash;
- ``hosts``, ``cors``, ``gate``: the front door in order (Host, Origin/CORS, signature, security headers);
- ``errors``: refusals in each service's own words.
"""

from __future__ import annotations

from squall.cloud.auth.keyring import Principal
from squall.cloud.auth.keys import ACCOUNT_ID, AccessKey, credentials, home_credentials

__all__ = ["ACCOUNT_ID", "AccessKey", "Principal", "credentials", "home_credentials"]
