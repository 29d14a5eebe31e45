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
    from squall.cloud.plugins import CloudContext, CloudRequest, CloudResponse
    from squall.events import moto_hooks
    from squall.events.delivery import AsyncDeliveries
    from squall.events.mappings import MappingSupervisor
    from squall.events.schedules import Scheduler
    from squall.events.sqs import make_poller
    from squall.events.streams import StreamPollers

    deliveries = AsyncDeliveries(registry)
    moto_hooks.install(deliveries.submit)
    registry.add_service(deliveries)
    supervisors = [
        MappingSupervisor("events-sqs", registry, "sqs", make_poller, exclusive=False),
        MappingSupervisor("events-streams", registry, "dynamodb", StreamPollers(), exclusive=True),
    ]
    for supervisor in supervisors:
        registry.add_service(supervisor)

    def halting(request: CloudRequest, ctx: CloudContext) -> CloudResponse:
        # /2015-03-31/event-source-mappings/{UUID}: stop its poller before the caller hears back
        response = ctx.call(request)
        if response.status < 300:
            uuid = request.path.rstrip("/").rsplit("/", 1)[-1]
            for supervisor in supervisors:
                supervisor.halt(uuid)
        return response

    registry.claim("awslambda", "DeleteEventSourceMapping", halting)
    registry.claim("awslambda", "UpdateEventSourceMapping", halting)
    registry.add_service(Scheduler(registry))
