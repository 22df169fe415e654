"""Real-time push of the sales-centre floor (issue 4 "delivery is real-time to every open screen of
the callee post"): a broadcast channel per project and post, and the server-sent-event frames
the post screens read with `EventSource`.

Services publish after their transaction commits (`publish_on_commit`); every open screen of
the addressed posts receives the event at once. Two brokers:

- `InProcessBroker` (default): subscribers live in this process. Enough for the embedded
  deployment, where uvicorn serves every screen from one process.
- `RedisBroker` (when `REDIS_URL` is set): events go through Redis pub/sub, so screens connected
  to any web process — and events published by a job worker (the unanswered-call sweep) —
  meet. Each process runs one listener thread that fans the messages out to its own
  subscribers, so a hundred screens cost one Redis connection, not a hundred.

A subscriber is either asynchronous (an `asyncio.Queue` fed with `call_soon_threadsafe`, for the
ASGI stream) or synchronous (a `queue.Queue`, for WSGI servers such as `runserver` and the
test live server). Publishing never blocks: a screen that cannot keep up loses events beyond
`QUEUE_LIMIT` and resynchronises from the page (it re-reads its state on every reconnect).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 15.0  # an SSE comment line every 15 s keeps proxies and the browser patient
RETRY_MILLISECONDS = 2000  # how soon EventSource reconnects after a dropped connection
QUEUE_LIMIT = 1000
CONSOLE = "console"  # the supervisors' channel: every call of the project
ROTATION = "ROTA"  # the rotation queue's pages (console and TV board)
CHANNEL_PREFIX = "propdesk:reception:"


def channel(project_id: int, post: str) -> str:
    """The channel of one post's screens in one project, e.g. `7:G1` (or `7:console`)."""
    return f"{project_id}:{post}"


def frame(event: str, data: Any) -> str:
    """One SSE frame: `event: call` + `data: {json}` + blank line (JSON on one line)."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return f"event: {event}\ndata: {payload}\n\n"


KEEPALIVE_FRAME = ": keep-alive\n\n"


class Subscription:
    """One open screen: the channels it listens to and its queue of SSE frames."""

    def __init__(self, channels: Iterable[str], *, asynchronous: bool) -> None:
        self.channels = frozenset(channels)
        self.asynchronous = asynchronous
        self.loop: asyncio.AbstractEventLoop | None = None
        self.aqueue: asyncio.Queue[str] | None = None
        self.squeue: queue.Queue[str] | None = None
        if asynchronous:
            self.loop = asyncio.get_running_loop()
            self.aqueue = asyncio.Queue(maxsize=QUEUE_LIMIT)
        else:
            self.squeue = queue.Queue(maxsize=QUEUE_LIMIT)

    def deliver(self, text: str) -> None:
        """Hand a frame to the screen; safe from any thread, never blocks."""
        if self.squeue is not None:
            with contextlib.suppress(queue.Full):
                self.squeue.put_nowait(text)
            return
        if self.loop is None or self.loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop stopped meanwhile
            self.loop.call_soon_threadsafe(self._put_async, text)

    def _put_async(self, text: str) -> None:
        if self.aqueue is not None:
            with contextlib.suppress(asyncio.QueueFull):
                self.aqueue.put_nowait(text)


class Hub:
    """This process's subscribers by channel."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_channel: dict[str, set[Subscription]] = {}

    def add(self, subscription: Subscription) -> None:
        with self._lock:
            for name in subscription.channels:
                self._by_channel.setdefault(name, set()).add(subscription)

    def remove(self, subscription: Subscription) -> None:
        with self._lock:
            for name in subscription.channels:
                subscribers = self._by_channel.get(name)
                if subscribers is not None:
                    subscribers.discard(subscription)
                    if not subscribers:
                        del self._by_channel[name]

    def dispatch(self, channels: Iterable[str], text: str) -> int:
        """Deliver `text` once to every subscriber of any of `channels`; returns how many."""
        with self._lock:
            targets: set[Subscription] = set()
            for name in channels:
                targets |= self._by_channel.get(name, set())
        for subscription in targets:
            subscription.deliver(text)
        return len(targets)

    def count(self) -> int:
        with self._lock:
            return len({s for subs in self._by_channel.values() for s in subs})


class Broker(Protocol):
    hub: Hub

    def publish(self, channels: Iterable[str], text: str) -> None: ...

    def ensure_listening(self) -> None: ...


class InProcessBroker:
    """Delivers straight to this process's subscribers."""

    def __init__(self) -> None:
        self.hub = Hub()

    def publish(self, channels: Iterable[str], text: str) -> None:
        self.hub.dispatch(list(channels), text)

    def ensure_listening(self) -> None:
        return None


class RedisBroker:
    """Publishes to Redis; one daemon thread per process listens (PSUBSCRIBE on the prefix) and
    hands every message to this process's subscribers. One message carries the frame and its
    channels, so a screen on several channels still gets it once."""

    def __init__(self, url: str, *, prefix: str = CHANNEL_PREFIX) -> None:
        import redis

        self.hub = Hub()
        self.url = url
        self.prefix = prefix
        self._redis = redis.Redis.from_url(url)
        self._listener: threading.Thread | None = None
        self._started = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def publish(self, channels: Iterable[str], text: str) -> None:
        message = json.dumps({"channels": sorted(set(channels)), "text": text}, ensure_ascii=False)
        try:
            self._redis.publish(self.prefix + "events", message)
        except Exception:  # a push lost must never undo the committed work; screens resync
            logger.exception("could not publish a reception event to Redis")

    def ensure_listening(self, timeout: float = 5.0) -> None:
        with self._lock:
            if self._listener is None or not self._listener.is_alive():
                self._started.clear()
                self._listener = threading.Thread(
                    target=self._listen, name="reception-redis-listener", daemon=True
                )
                self._listener.start()
        self._started.wait(timeout)

    def stop(self) -> None:
        self._stop.set()

    def _listen(self) -> None:
        import redis

        delay = 0.5
        while not self._stop.is_set():
            try:
                client = redis.Redis.from_url(self.url)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.prefix + "events")
                self._started.set()
                delay = 0.5
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    self._fan_out(message.get("data"))
                pubsub.close()
                client.close()
            except Exception:
                logger.exception("reception Redis listener failed; retrying in %.1fs", delay)
                time.sleep(delay)
                delay = min(delay * 2, 10.0)

    def _fan_out(self, raw: Any) -> None:
        try:
            message = json.loads(raw)
            self.hub.dispatch(message["channels"], message["text"])
        except (TypeError, ValueError, KeyError):
            logger.warning("ignored a malformed reception event")


_broker: Broker | None = None
_broker_lock = threading.Lock()


def broker() -> Broker:
    """The process's broker: Redis when `REDIS_URL` is set, else in-process."""
    global _broker
    if _broker is None:
        with _broker_lock:
            if _broker is None:
                url = getattr(settings, "REDIS_URL", "")
                _broker = RedisBroker(url) if url else InProcessBroker()
    return _broker


def use_broker(new: Broker | None) -> Broker | None:
    """Swap the process's broker (tests, benchmarks); returns the previous one."""
    global _broker
    with _broker_lock:
        previous, _broker = _broker, new
    return previous


def publish(project_id: int, posts: Iterable[str], event: str, data: Any) -> None:
    """Send `event` to the screens of `posts` in the project and to the supervisors' console."""
    names = {channel(project_id, post) for post in posts}
    names.add(channel(project_id, CONSOLE))
    broker().publish(names, frame(event, data))


def publish_on_commit(project_id: int, posts: Iterable[str], event: str, data: Any) -> None:
    """Publish once the current transaction commits (never announce what may roll back)."""
    targets = list(posts)
    transaction.on_commit(lambda: publish(project_id, targets, event, data))


# --- the stream of one screen ---------------------------------------------------------------
def hello_frame() -> str:
    return f"retry: {RETRY_MILLISECONDS}\n" + frame("hello", {"at": time.time()})


def open_subscription(channels: Iterable[str], *, asynchronous: bool) -> Subscription:
    current = broker()
    current.ensure_listening()
    subscription = Subscription(channels, asynchronous=asynchronous)
    current.hub.add(subscription)
    return subscription


def close_subscription(subscription: Subscription) -> None:
    broker().hub.remove(subscription)


async def stream_async(channels: Iterable[str]) -> AsyncIterator[str]:
    """Frames for an ASGI response: the hello frame once subscribed, then events as they come
    and a keep-alive comment every 15 s. The subscription is dropped when the client goes
    (Django cancels the iterator)."""
    subscription = open_subscription(channels, asynchronous=True)
    queue_ = subscription.aqueue
    if queue_ is None:
        raise TypeError("stream_async needs an asynchronous subscription")
    try:
        yield hello_frame()
        while True:
            try:
                text = await asyncio.wait_for(queue_.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                yield KEEPALIVE_FRAME
                continue
            yield text
    finally:
        close_subscription(subscription)


def stream_sync(channels: Iterable[str]) -> Iterator[str]:
    """The same for a WSGI server (one thread per open screen)."""
    subscription = open_subscription(channels, asynchronous=False)
    queue_ = subscription.squeue
    if queue_ is None:
        raise TypeError("stream_sync needs a synchronous subscription")
    try:
        yield hello_frame()
        while True:
            try:
                text = queue_.get(timeout=KEEPALIVE_SECONDS)
            except queue.Empty:
                yield KEEPALIVE_FRAME
                continue
            yield text
    finally:
        close_subscription(subscription)
