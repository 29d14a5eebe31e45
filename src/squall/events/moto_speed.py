"""Cheaper moto SQS paths, with the same results.

moto answers ``queue.attributes`` by counting the queue's visible, in-flight and delayed messages
(three passes over every message, each reading the clock per message). ``SendMessage`` asks for it
to read one setting (``ContentBasedDeduplication``), and ``ReceiveMessage`` asks for it once per
received message (to read ``MessageRetentionPeriod``). With a backlog of thousands of messages a
send or a receive then costs milliseconds under the state lock, and a queue that fills faster than
it drains slows down everything. Here those two reads go straight to the attribute they need,
and the counts and the visible-message list read the clock once per pass instead of once per
message (a message is visible when now > visible_at and not now < delayed_until, as in moto).
Deleting a message looks for its receipt handle in one pass instead of two (handles are unique).
"""

from __future__ import annotations

import threading
from typing import Any

_sending = threading.local()


def install() -> None:
    from moto.core.utils import unix_time, unix_time_millis
    from moto.sqs.exceptions import ReceiptHandleIsInvalid
    from moto.sqs.models import Queue, SQSBackend

    full_attributes = Queue.attributes.fget  # type: ignore[attr-defined]

    def attributes(self: Any) -> dict[str, Any]:
        if getattr(_sending, "active", False):
            # only ContentBasedDeduplication is read while a message is sent
            if self.fifo_queue:
                return {"ContentBasedDeduplication": getattr(self, "content_based_deduplication", "false")}
            return {}
        result: dict[str, Any] = full_attributes(self)
        return result

    send_message = SQSBackend.send_message

    def sending(self: Any, *args: Any, **kwargs: Any) -> Any:
        _sending.active = True
        try:
            return send_message(self, *args, **kwargs)
        finally:
            _sending.active = False

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        retention = int(self.get_queue(queue_name).message_retention_period)
        return bool(retention + message.sent_timestamp / 1000 > unix_time())

    def messages(self: Any) -> list[Any]:
        now = unix_time_millis()
        return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

    def not_visible(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if not now > m.visible_at)

    def delayed(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if now < m.delayed_until)

    def delete_message(self: Any, receipt_handle: str) -> None:
        if receipt_handle in self.deleted_messages:
            return
        found = (i for i, m in enumerate(self._messages) if receipt_handle in m.all_receipt_handles)
        index = next(found, None)
        if index is None:
            raise ReceiptHandleIsInvalid()
        message = self._messages[index]
        self._messages = self._messages[:index] + self._messages[index + 1 :]
        self.pending_messages.discard(message)
        self.deleted_messages.update(message.all_receipt_handles)

    Queue.delete_message = delete_message  # type: ignore[method-assign]
    Queue.messages = property(messages)  # type: ignore[assignment,method-assign]
    Queue.approximate_number_of_messages_not_visible = property(not_visible)  # type: ignore[assignment,method-assign]
    Queue.approximate_number_of_messages_delayed = property(delayed)  # type: ignore[assignment,method-assign]
    Queue.attributes = property(attributes)  # type: ignore[assignment,method-assign]
    SQSBackend.send_message = sending  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign]
