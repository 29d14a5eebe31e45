"""Event sources in the local cloud: what makes queues, schedules, buckets, topics and streams run
functions, with AWS's delivery semantics.

moto stores event source mappings, rules, notification configurations and subscriptions, but
delivers to functions only through docker. This local-cloud plugin (``setup``) delivers them
through the function host (``squall.host``), so ``squall dev`` sessions receive them too:

- ``sqs``: SQS → Lambda mappings, polled through the journaled path (batches, batching window,
  partial batch failures, visibility timeout, DLQ after ``maxReceiveCount``, FIFO groups);
- ``streams``: DynamoDB streams → Lambda mappings, in order per shard, retried until success;
- ``schedules``: EventBridge ``rate``/``cron`` rules firing their targets on time;
- ``moto_hooks``: S3 → Lambda notifications and SNS → Lambda subscriptions, redirected from moto's
  own (incomplete) events to the AWS event shapes, as asynchronous invocations (``delivery``);
- ``shapes``: the event builders; ``mappings``: the pollers' supervisor; ``filters``: SNS filter
  policies (moto's matcher).
"""

from __future__ import annotations

from squall.cloud.plugins import Registry


def setup(registry: Registry) -> None:
    from squall.events import moto_hooks
    from squall.events.delivery import AsyncDeliveries
    from squall.events.mappings import MappingSupervisor
    from squall.events.schedules import Scheduler
    from squall.events.sqs import make_poller
    from squall.events.streams import StreamPollers

    deliveries = AsyncDeliveries(registry)
    moto_hooks.install(deliveries.submit)
    registry.add_service(deliveries)
    registry.add_service(MappingSupervisor("events-sqs", registry, "sqs", make_poller, exclusive=False))
    registry.add_service(
        MappingSupervisor("events-streams", registry, "dynamodb", StreamPollers(), exclusive=True)
    )
    registry.add_service(Scheduler(registry))
