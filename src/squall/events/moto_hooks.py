"""Where moto's own event delivery is switched off or redirected.

What moto does without docker, and what this module changes:

- SQS and DynamoDB stream mappings: on every ``SendMessage`` (or table write) moto receives the new
  messages itself, calls the function inline with a fixed sample event, and deletes the messages
  (or empties the stream shard) when the call "succeeds". The local cloud's stub always succeeds, so
  messages would vanish and stream records be lost. The queues' and tables' mapping registries are
  made permanently empty; ``sqs.py`` and ``streams.py`` poll instead. Mappings on a stream also
  remember where the stream ended when they were created (``squall_start``), for ``LATEST``.
- S3 notifications to Lambda: moto builds an event without ``userIdentity``, ``requestParameters``,
  ``responseElements``, ``ownerIdentity`` or ``sequencer`` and encodes ``/`` in keys; the Lambda
  part of ``send_event`` is replaced (queues, topics and EventBridge stay moto's).
- SNS ``lambda`` subscriptions: moto sends a fixed sample event (fixed message id, topic ARN
  "EXAMPLE", made-up attributes); it is replaced by the real notification. moto's filter policies
  (attribute and body scopes) are kept, and so is SNS → SQS delivery (with ``RawMessageDelivery``).
- SQS sends and receives cost moto time in proportion to the queue's backlog; ``moto_speed``
  makes them cheaper, with the same results.
- Schedule rules: moto keeps no creation time; ``put_rule`` stamps one (``squall_created``) from
  moto's clock, so a replayed journal restores it and ``rate(...)`` keeps its phase across restarts.

Every redirected delivery goes to ``AsyncDeliveries.submit``, which ignores deliveries replayed at
start. ``install`` is idempotent and runs in the daemon process only.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from enum import Enum
from typing import Any

from squall.events import moto_speed

_installed = False
_submit: Callable[[str, Any], None] | None = None
_sequence = itertools.count()


class _Nowhere(dict[str, Any]):
    """A mapping registry that stays empty whatever moto puts into it."""

    def __setitem__(self, key: str, value: Any) -> None:
        return None


_NOWHERE = _Nowhere()


def _empty_registry() -> property:
    return property(lambda self: _NOWHERE, lambda self, value: None)


def install(submit: Callable[[str, Any], None]) -> None:
    """Redirect moto's deliveries to ``submit(function_arn, event)``."""
    global _installed, _submit
    _submit = submit
    if _installed:
        return
    _installed = True
    _silence_mappings()
    moto_speed.install()
    _stamp_rules()
    _redirect_s3()
    _redirect_sns()


def _deliver(function_arn: str, event: Any) -> None:
    if _submit is not None:
        _submit(function_arn, event)


def _utc_timestamp() -> float:
    """moto's now as a POSIX time: the replayed request's time during recovery, else the real time."""
    import calendar

    import moto.core.utils as moto_utils

    now = moto_utils.utcnow()
    return calendar.timegm(now.timetuple()) + now.microsecond / 1e6


def _silence_mappings() -> None:
    from moto.awslambda.models import LambdaBackend
    from moto.dynamodb.models.table import Table
    from moto.sqs.models import Queue

    Queue.lambda_event_source_mappings = _empty_registry()  # type: ignore[assignment]
    Table.lambda_event_source_mappings = _empty_registry()  # type: ignore[assignment]
    original = LambdaBackend.create_event_source_mapping

    def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
        esm = original(self, spec)
        if ":dynamodb:" in esm.event_source_arn:
            esm.squall_start = _stream_end(self, esm.event_source_arn)  # type: ignore[attr-defined]
        return esm

    LambdaBackend.create_event_source_mapping = create_event_source_mapping  # type: ignore[method-assign]


def _stream_end(lambda_backend: Any, stream_arn: str) -> int | None:
    """The sequence number the next record written to the stream will get."""
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[lambda_backend.account_id][lambda_backend.region_name]
    for table in backend.tables.values():
        label = getattr(table, "latest_stream_label", None)
        shard = table.stream_shard
        if label and shard is not None and f"{table.table_arn}/stream/{label}" == stream_arn:
            return int(shard.starting_sequence_number) + len(shard.items)
    return None


def _stamp_rules() -> None:
    from moto.events.models import EventsBackend

    original = EventsBackend.put_rule

    def put_rule(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        bus = self.event_buses.get(self._normalize_event_bus_arn(kwargs.get("event_bus_arn")))
        before = bus.rules.get(name) if bus is not None else None
        rule = original(self, name, *args, **kwargs)
        kept = getattr(before, "squall_created", None)
        same = before is not None and before.scheduled_expression == rule.scheduled_expression
        stamp = kept if same and kept is not None else _utc_timestamp()
        rule.squall_created = stamp  # type: ignore[attr-defined]
        return rule

    EventsBackend.put_rule = put_rule  # type: ignore[method-assign]


def _redirect_s3() -> None:
    import moto.s3.notifications as notifications

    from squall.events.shapes import s3_record

    original = notifications.send_event

    def send_event(account_id: str, event_name: Any, bucket: Any, key: Any) -> None:
        config = bucket.notification_configuration
        if config is not None and config.cloud_function:
            name = event_name.value if isinstance(event_name, Enum) else str(event_name)
            import moto.core.utils as moto_utils

            for notification in config.cloud_function:
                if notification.matches(name, key.name):
                    record = s3_record(
                        event_name=name.removeprefix("s3:"),
                        bucket=bucket.name,
                        bucket_arn=bucket.arn,
                        region=bucket.region_name,
                        key=key.name,
                        size=key.size,
                        etag=key.etag,
                        sequencer=f"{time.time_ns():X}{next(_sequence) % 256:02X}",
                        configuration_id=notification.id,
                        event_time=moto_utils.utcnow(),
                        version_id=getattr(key, "version_id", None),
                    )
                    _deliver(notification.arn, {"Records": [record]})
        original(account_id, event_name, bucket, key)

    notifications.send_event = send_event
    notifications._invoke_awslambda = lambda *args, **kwargs: None


def _redirect_sns() -> None:
    from moto.sns.models import Subscription

    from squall.events.shapes import sns_record

    original = Subscription.publish

    def publish(
        self: Any,
        message: str,
        message_id: str,
        subject: str | None = None,
        message_attributes: dict[str, Any] | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        message_structure: str | None = None,
    ) -> None:
        if self.protocol != "lambda":
            original(
                self,
                message,
                message_id,
                subject=subject,
                message_attributes=message_attributes,
                group_id=group_id,
                deduplication_id=deduplication_id,
                message_structure=message_structure,
            )
            return
        matcher = self._filter_policy_matcher
        if matcher is not None and not matcher.matches(message_attributes, message):
            return
        if message_structure == "json":
            message = self._parse_message_structure(message, self.protocol)
        import moto.core.utils as moto_utils

        record = sns_record(
            subscription_arn=self.arn,
            topic_arn=self.topic.arn,
            message_id=message_id,
            message=message,
            subject=subject,
            attributes=message_attributes,
            timestamp=moto_utils.utcnow(),
        )
        _deliver(self.endpoint, {"Records": [record]})

    Subscription.publish = publish  # type: ignore[method-assign]
