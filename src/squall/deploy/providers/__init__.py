"""One provider per resource type; ``provider_for(type)`` finds it."""

from __future__ import annotations

from collections.abc import Mapping

from squall.deploy.errors import DeployError
from squall.deploy.providers.apigw import ApiProvider, IntegrationProvider, RouteProvider, StageProvider
from squall.deploy.providers.apigw_authorizer import AuthorizerProvider
from squall.deploy.providers.base import Artifact, Current, Provider, ProviderContext
from squall.deploy.providers.cognito import UserPoolClientProvider, UserPoolProvider
from squall.deploy.providers.dynamodb_table import TableProvider
from squall.deploy.providers.event_source_mapping import EventSourceMappingProvider
from squall.deploy.providers.events_rule import RuleProvider
from squall.deploy.providers.iam_role import RoleProvider
from squall.deploy.providers.lambda_function import FunctionProvider
from squall.deploy.providers.lambda_permission import PermissionProvider
from squall.deploy.providers.log_group import LogGroupProvider
from squall.deploy.providers.s3_bucket import BucketProvider
from squall.deploy.providers.sns import SubscriptionProvider, TopicProvider
from squall.deploy.providers.sqs import QueuePolicyProvider, QueueProvider

PROVIDERS: dict[str, Provider] = {
    provider.type: provider
    for provider in (
        RoleProvider(),
        LogGroupProvider(),
        FunctionProvider(),
        PermissionProvider(),
        ApiProvider(),
        StageProvider(),
        IntegrationProvider(),
        RouteProvider(),
        AuthorizerProvider(),
        UserPoolProvider(),
        UserPoolClientProvider(),
        TableProvider(),
        BucketProvider(),
        QueueProvider(),
        QueuePolicyProvider(),
        EventSourceMappingProvider(),
        RuleProvider(),
        TopicProvider(),
        SubscriptionProvider(),
    )
}


def provider_for(type_name: str, providers: Mapping[str, Provider] | None = None) -> Provider:
    provider = (PROVIDERS if providers is None else providers).get(type_name)
    if provider is None:
        raise DeployError(f"squall cannot deploy resources of type {type_name}")
    return provider


__all__ = ["PROVIDERS", "Artifact", "Current", "Provider", "ProviderContext", "provider_for"]
