"""Cognito's Lambda triggers in the local cloud: pre sign-up and post confirmation, run as Cognito runs them.

moto keeps a pool's ``LambdaConfig`` but runs none of it. Here ``SignUp`` first runs the pool's
``PreSignUp`` function with Cognito's event (``triggerSource: PreSignUp_SignUp``); an error refuses the
sign-up with ``UserLambdaValidationException`` (``PreSignUp failed with error ...``), and
``response.autoConfirmUser`` confirms the new user at once. Once a user is confirmed (so confirmed, or by
``ConfirmSignUp`` or ``AdminConfirmSignUp``) the ``PostConfirmation`` function runs (``PostConfirmation_ConfirmSignUp``); its error is answered the same
way, the user staying confirmed, as on AWS. The other triggers are deployed but not run locally.

The sign-up and the confirmation go through ``ctx.call`` and are journaled as any request; a replay does
not run the functions again.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse
from squall.host.functions import ACCOUNT_ID, FunctionHost

log = logging.getLogger(__name__)

TARGET = "AWSCognitoIdentityProviderService"


class CognitoTriggers:
    def __init__(self, host: FunctionHost) -> None:
        self.host = host

    def _pool_by_client(self, ctx: CloudContext, region: str, client_id: str) -> tuple[str, dict[str, Any]]:
        with ctx.locked():
            backend = ctx.backend("cognitoidp", region, ACCOUNT_ID)
            for pool in backend.user_pools.values():
                if client_id in pool.clients:
                    return pool.id, dict(pool.extended_config.get("LambdaConfig") or {})
        return "", {}

    def _pool(self, ctx: CloudContext, region: str, pool_id: str) -> dict[str, Any]:
        with ctx.locked():
            pool = ctx.backend("cognitoidp", region, ACCOUNT_ID).user_pools.get(pool_id)
            return {} if pool is None else dict(pool.extended_config.get("LambdaConfig") or {})

    def _run(
        self, ctx: CloudContext, arn: str, region: str, event: dict[str, Any], trigger: str
    ) -> tuple[dict[str, Any], CloudResponse | None]:
        """The trigger's answer, or the error Cognito answers the caller with when it failed."""
        self.host.bind(ctx)
        try:
            result = self.host.invoke(arn, region, event)
        except Exception as exc:
            log.warning("the %s trigger %s could not run: %s", trigger, arn, exc)
            return {}, _failed(trigger, str(exc))
        payload = result.payload if isinstance(result.payload, dict) else {}
        if result.error_type is not None:
            return {}, _failed(trigger, str(payload.get("errorMessage") or result.error_type))
        return payload, None

    def sign_up(self, request: CloudRequest, ctx: CloudContext) -> CloudResponse:
        body = _json(request)
        client_id = str(body.get("ClientId", ""))
        pool_id, triggers = self._pool_by_client(ctx, request.region, client_id)
        arn = triggers.get("PreSignUp")
        if not arn:
            return ctx.call(request)
        username = str(body.get("Username", ""))
        event = _event(request.region, pool_id, username, client_id, "PreSignUp_SignUp")
        event["request"] = {
            "userAttributes": {a["Name"]: a["Value"] for a in body.get("UserAttributes") or []},
            "validationData": {a["Name"]: a["Value"] for a in body.get("ValidationData") or []},
            "clientMetadata": body.get("ClientMetadata") or {},
        }
        event["response"] = {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}
        answer, refused = self._run(ctx, arn, request.region, event, "PreSignUp")
        if refused is not None:
            return refused
        made = ctx.call(request)
        response = answer.get("response")
        if made.status >= 300 or not isinstance(response, dict) or not response.get("autoConfirmUser"):
            return made
        confirmed = ctx.call(_admin_confirm(request, pool_id, username))
        if confirmed.status >= 300:
            return confirmed
        refused = self._post_confirmation(ctx, request.region, pool_id, username, client_id, body, triggers)
        if refused is not None:
            return refused
        document = json.loads(made.body)
        document["UserConfirmed"] = True
        return CloudResponse(made.status, dict(made.headers), json.dumps(document).encode())

    def confirm(self, request: CloudRequest, ctx: CloudContext) -> CloudResponse:
        made = ctx.call(request)
        if made.status >= 300:
            return made
        body = _json(request)
        if "UserPoolId" in body:
            pool_id, client_id = str(body["UserPoolId"]), ""
            triggers = self._pool(ctx, request.region, pool_id)
        else:
            client_id = str(body.get("ClientId", ""))
            pool_id, triggers = self._pool_by_client(ctx, request.region, client_id)
        username = str(body.get("Username", ""))
        refused = self._post_confirmation(ctx, request.region, pool_id, username, client_id, body, triggers)
        return refused or made

    def _post_confirmation(
        self,
        ctx: CloudContext,
        region: str,
        pool_id: str,
        username: str,
        client_id: str,
        body: dict[str, Any],
        triggers: dict[str, Any],
    ) -> CloudResponse | None:
        arn = triggers.get("PostConfirmation")
        if not arn:
            return None
        event = _event(region, pool_id, username, client_id, "PostConfirmation_ConfirmSignUp")
        event["request"] = {"userAttributes": {}, "clientMetadata": body.get("ClientMetadata") or {}}
        event["response"] = {}
        return self._run(ctx, arn, region, event, "PostConfirmation")[1]


def _json(request: CloudRequest) -> dict[str, Any]:
    try:
        document = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _event(region: str, pool_id: str, username: str, client_id: str, source: str) -> dict[str, Any]:
    return {
        "version": "1",
        "region": region,
        "userPoolId": pool_id,
        "userName": username,
        "callerContext": {"awsSdkVersion": "squall-local", "clientId": client_id},
        "triggerSource": source,
    }


def _admin_confirm(request: CloudRequest, pool_id: str, username: str) -> CloudRequest:
    headers = {**request.headers, "x-amz-target": f"{TARGET}.AdminConfirmSignUp"}
    confirm = replace(request, operation="AdminConfirmSignUp", headers=headers)
    return confirm.with_body(json.dumps({"UserPoolId": pool_id, "Username": username}).encode())


def _failed(trigger: str, message: str) -> CloudResponse:
    return CloudResponse.aws_error(
        400, "UserLambdaValidationException", f"{trigger} failed with error {message}."
    )
