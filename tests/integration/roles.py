"""Roles for functions that tests create by hand: the local cloud enforces IAM, as AWS does.

``grant(iam, role_name)`` gives a role what such test functions do (read and write tables, queues,
buckets, topics, invoke functions), as an inline policy.
"""

from __future__ import annotations

import json
from typing import Any

TEST_FUNCTION_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "dynamodb:*",
                    "sqs:*",
                    "s3:*",
                    "sns:*",
                    "lambda:InvokeFunction",
                    "events:PutEvents",
                ],
                "Resource": "*",
            }
        ],
    }
)


def grant(iam: Any, role_name: str) -> None:
    iam.put_role_policy(RoleName=role_name, PolicyName="test-function", PolicyDocument=TEST_FUNCTION_POLICY)
