"""``Cognito``: a Cognito user pool with one app client, optional Lambda triggers, bindable.

Users sign up and sign in against the pool; the client is what an app (or boto3) names in ``SignUp`` and
``InitiateAuth``. An ``Api`` authorizer of type ``user_pool`` accepts the tokens the pool issues for that
client. Bound to a function, it offers ``Resource.<id>.user_pool_id``, ``client_id`` and ``arn``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from squall.constructs.base import Construct, Token
from squall.constructs.binding import Access, BindsResources, statement
from squall.constructs.function import Function, FunctionDefinition
from squall.constructs.triggers import invoke_permission, trigger_function
from squall.errors import ConfigError
from squall.graph.model import get_att, ref
from squall.graph.naming import physical_name

if TYPE_CHECKING:
    from squall.app import Stack
    from squall.graph.synth import SynthContext

Login = Literal["email", "phone", "username"]
LOGINS: tuple[Login, ...] = ("email", "phone", "username")


class CognitoTriggers(TypedDict, total=False):
    """Functions Cognito runs at points of a user's life (CloudFormation's ``LambdaConfig``)."""

    pre_sign_up: FunctionDefinition
    post_confirmation: FunctionDefinition
    pre_authentication: FunctionDefinition
    post_authentication: FunctionDefinition
    pre_token_generation: FunctionDefinition
    custom_message: FunctionDefinition
    define_auth_challenge: FunctionDefinition
    create_auth_challenge: FunctionDefinition
    verify_auth_challenge_response: FunctionDefinition
    user_migration: FunctionDefinition


def _camel(name: str) -> str:
    return "".join(word.capitalize() for word in name.split("_"))


READ_ACTIONS = [
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminListGroupsForUser",
    "cognito-idp:DescribeUserPool",
    "cognito-idp:DescribeUserPoolClient",
    "cognito-idp:ListGroups",
    "cognito-idp:ListUsers",
]
WRITE_ACTIONS = [
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminConfirmSignUp",
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminInitiateAuth",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:AdminSetUserPassword",
    "cognito-idp:AdminUpdateUserAttributes",
]
CLIENT_AUTH_FLOWS = [
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
]


class Cognito(Construct, BindsResources):
    """A user pool and its app client. ``login`` says what users sign in with (``["email"]``)."""

    kind = "Cognito"

    def __init__(
        self,
        stack: Stack,
        id: str,
        *,
        login: Sequence[Login] = ("username",),
        triggers: CognitoTriggers | None = None,
    ) -> None:
        super().__init__(stack, id)
        self._init_binds()
        self.login = list(login) if not isinstance(login, str) else [login]
        self._errors: list[ConfigError] = []
        self.triggers: dict[str, Function] = {}
        self.trigger_options: Mapping[str, object] = triggers or {}
        for name, definition in self.trigger_options.items():
            if name not in CognitoTriggers.__annotations__:
                continue  # reported by validate()
            made = trigger_function(
                self,
                stack,
                f"{id}{_camel(name)}",
                definition,
                owner=f"Cognito '{id}' trigger '{name}'",
                errors=self._errors,
            )
            if made is not None:
                self.triggers[name] = made

    @property
    def user_pool_id(self) -> Token:
        """The pool's id, known once it is deployed (for ``stack.add_outputs``)."""
        return Token(ref(self.id))

    @property
    def client_id(self) -> Token:
        """The app client's id, known once it is deployed."""
        return Token(ref(self.client_logical_id))

    @property
    def client_logical_id(self) -> str:
        return f"{self.id}Client"

    def pool_name(self, ctx: SynthContext) -> str:
        return physical_name(ctx.app, ctx.stage, self.id, "cognito_user_pool")

    def issuer(self, ctx: SynthContext) -> dict[str, Any]:
        """The issuer (``iss``) of the pool's tokens: ``https://cognito-idp.REGION.amazonaws.com/POOL_ID``."""
        return {"Fn::Join": ["", [f"https://cognito-idp.{ctx.region}.amazonaws.com/", ref(self.id)]]}

    def validate(self) -> Iterator[ConfigError]:
        yield from super().validate()
        yield from self._errors
        unknown = [item for item in self.login if item not in LOGINS]
        if unknown:
            yield self.error(
                f"unknown login {', '.join(map(repr, unknown))}", hint=f"use any of {', '.join(LOGINS)}"
            )
        elif not self.login:
            yield self.error("login is empty", hint="use e.g. login=['email']")
        if not isinstance(self.trigger_options, Mapping):
            yield self.error(f"triggers must be a dict, got {self.trigger_options!r}")
            return

    def synthesize(self, ctx: SynthContext) -> None:
        name = self.pool_name(ctx)
        attributes = [
            "phone_number" if item == "phone" else item for item in self.login if item != "username"
        ]
        properties: dict[str, Any] = {"UserPoolName": name}
        if "username" in self.login:
            if attributes:
                properties["AliasAttributes"] = attributes
        else:
            properties["UsernameAttributes"] = attributes
        if "email" in attributes:
            properties["AutoVerifiedAttributes"] = ["email"]
        if self.triggers:
            # The ARN spelled out, not Fn::GetAtt: a trigger bound to this pool depends on it, so the pool
            # cannot wait for the trigger.
            properties["LambdaConfig"] = {
                _camel(trigger): function.arn(ctx) for trigger, function in sorted(self.triggers.items())
            }
        ctx.add("AWS::Cognito::UserPool", self.id, name, properties, construct=self.id)
        ctx.add(
            "AWS::Cognito::UserPoolClient",
            self.client_logical_id,
            None,
            {
                "UserPoolId": ref(self.id),
                "ClientName": name,
                "ExplicitAuthFlows": CLIENT_AUTH_FLOWS,
                "GenerateSecret": False,
            },
            construct=self.id,
        )
        for trigger, function in sorted(self.triggers.items()):
            invoke_permission(
                ctx,
                f"{self.id}{_camel(trigger)}Permission",
                function,
                "cognito-idp.amazonaws.com",
                get_att(self.id, "Arn"),
                self.id,
            )

    def arn(self, ctx: SynthContext) -> dict[str, Any]:
        return get_att(self.id, "Arn")

    def bind_metadata(self, ctx: SynthContext) -> dict[str, Any]:
        return {"userPoolId": ref(self.id), "clientId": ref(self.client_logical_id), "arn": self.arn(ctx)}

    def bind_statements(self, ctx: SynthContext, access: Access) -> list[dict[str, Any]]:
        actions = {"read": READ_ACTIONS, "write": WRITE_ACTIONS, "readwrite": READ_ACTIONS + WRITE_ACTIONS}
        return [statement(actions[access], [self.arn(ctx)])]
