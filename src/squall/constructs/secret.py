"""``Secret``: a named secret per stage, kept in SSM as a SecureString and set with ``squall secret set``.

Its value never enters the graph, the state or a function's environment: a bound function reads the
parameter's name from its metadata and fetches (and caches) the value on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from squall.constructs.base import Construct
from squall.constructs.binding import Access, statement
from squall.graph.model import Secret as SecretModel
from squall.graph.model import sub

if TYPE_CHECKING:
    from squall.app import Stack
    from squall.graph.synth import SynthContext

FALLBACK_STAGE = ".fallback"


def parameter_name(app: str, stage: str, name: str) -> str:
    return f"/squall/{app}/{stage}/{name}"


class Secret(Construct):
    kind = "Secret"

    def __init__(self, stack: Stack, id: str) -> None:
        super().__init__(stack, id)

    def synthesize(self, ctx: SynthContext) -> None:
        ctx.secrets.append(
            SecretModel(
                self.id,
                parameter_name(ctx.app, ctx.stage, self.id),
                parameter_name(ctx.app, FALLBACK_STAGE, self.id),
            )
        )

    def bind_metadata(self, ctx: SynthContext) -> dict[str, Any]:
        return {
            "parameter": parameter_name(ctx.app, ctx.stage, self.id),
            "fallbackParameter": parameter_name(ctx.app, FALLBACK_STAGE, self.id),
        }

    def bind_statements(self, ctx: SynthContext, access: Access) -> list[dict[str, Any]]:
        arn = f"arn:aws:ssm:{ctx.region}:${{AWS::AccountId}}:parameter"
        return [
            statement(
                ["ssm:GetParameter"],
                [
                    sub(arn + parameter_name(ctx.app, ctx.stage, self.id)),
                    sub(arn + parameter_name(ctx.app, FALLBACK_STAGE, self.id)),
                ],
            ),
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": [sub(f"arn:aws:kms:{ctx.region}:${{AWS::AccountId}}:key/*")],
                "Condition": {"StringEquals": {"kms:ViaService": f"ssm.{ctx.region}.amazonaws.com"}},
            },
        ]
