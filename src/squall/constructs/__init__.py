"""The constructs a ``squall.config.py`` builds an app from."""

from squall.constructs.api import Api, ApiCorsProps, ApiDefaults, ApiRouteProps
from squall.constructs.authorizers import (
    ApiAuthorizerProps,
    ApiJwtAuthorizer,
    ApiLambdaAuthorizer,
    ApiUserPoolAuthorizer,
)
from squall.constructs.base import Construct, Token
from squall.constructs.bucket import Bucket, BucketNotificationProps
from squall.constructs.cognito import Cognito, CognitoTriggers
from squall.constructs.cron import Cron, CronJobProps
from squall.constructs.function import Function, FunctionDefinition, FunctionProps
from squall.constructs.queue import Queue, QueueConsumerProps, QueueDlqProps
from squall.constructs.secret import Secret
from squall.constructs.table import Table, TableConsumerProps, TableGlobalIndex, TablePrimaryIndex
from squall.constructs.topic import Topic, TopicSubscriberProps

__all__ = [
    "Api",
    "ApiAuthorizerProps",
    "ApiCorsProps",
    "ApiDefaults",
    "ApiJwtAuthorizer",
    "ApiLambdaAuthorizer",
    "ApiRouteProps",
    "ApiUserPoolAuthorizer",
    "Bucket",
    "BucketNotificationProps",
    "Cognito",
    "CognitoTriggers",
    "Construct",
    "Cron",
    "CronJobProps",
    "Function",
    "FunctionDefinition",
    "FunctionProps",
    "Queue",
    "QueueConsumerProps",
    "QueueDlqProps",
    "Secret",
    "Table",
    "TableConsumerProps",
    "TableGlobalIndex",
    "TablePrimaryIndex",
    "Token",
    "Topic",
    "TopicSubscriberProps",
]
