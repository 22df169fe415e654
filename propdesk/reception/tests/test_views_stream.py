"""The push channel (issue 4: "delivery is real-time to every open screen of the callee post"):
the server-sent-event endpoint under WSGI (blocking iterator) and ASGI (async iterator), its
keep-alive comment, who may listen to what, and the Redis broker across connections."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client
from django.urls import reverse

from propdesk.conftest import free_port
from propdesk.reception import realtime
from propdesk.reception.services import calls
from propdesk.reception.tests.floor import at


@pytest.fixture
def broker() -> Iterator[realtime.InProcessBroker]:
    fresh = realtime.InProcessBroker()
    previous = realtime.use_broker(fresh)
    yield fresh
    realtime.use_broker(previous)


def _event(frame: str) -> tuple[str, dict]:
    lines = frame.strip().split("\n")
    return lines[0].removeprefix("event: "), json.loads(lines[1].removeprefix("data: "))


def _text(chunk: bytes | str) -> str:
    return chunk.decode() if isinstance(chunk, bytes) else chunk


def _hang_up(response: Any) -> None:
    """Close a streamed response as the browser leaving would. Closing fires request_finished,
    which closes the database connection: the tests that do it run in autocommit
    (`transaction=True`), like a real server."""
    response.close()


streamed = pytest.mark.django_db(transaction=True)


@streamed
def test_a_call_arrives_on_the_callee_stream_without_a_reload_wsgi(
    client: Client, floor, centre, broker, django_capture_on_commit_callbacks
):
    client.force_login(floor["PANTRY"].user)
    response = client.get(reverse("reception:stream") + "?post=PANTRY")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream; charset=utf-8"
    assert response["Cache-Control"] == "no-cache, no-transform"
    stream = iter(response.streaming_content)
    hello = _text(next(stream))
    assert hello.startswith("retry: 2000\nevent: hello\n")
    assert broker.hub.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        call = calls.send_call(
            actor=floor["S1"],
            project_id=centre.pk,
            template="restock",
            slots={"item": "柠檬"},
            now=at(1),
        )

    event, data = _event(_text(next(stream)))
    assert (event, data["id"], data["text"], data["replies"]) == (
        "call",
        call.pk,
        "我是水吧,呼叫操作间,请将柠檬送至水吧台,收到请回话。",
        ["收到"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        calls.acknowledge_call(actor=floor["PANTRY"], call_id=call.pk, now=at(1.2))
    event, data = _event(_text(next(stream)))
    assert (event, data["state"], data["by_post"], data["acked_posts"]) == (
        "ack",
        "acknowledged",
        "PANTRY",
        ["PANTRY"],
    )
    _hang_up(response)
    assert broker.hub.count() == 0  # the screen's subscription ends with the connection


@streamed
def test_the_stream_sends_a_keep_alive_comment_when_idle(
    client: Client, floor, centre, broker, monkeypatch
):
    monkeypatch.setattr(realtime, "KEEPALIVE_SECONDS", 0.05)
    client.force_login(floor["G1"].user)
    response = client.get(reverse("reception:stream") + "?post=G1")
    stream = iter(response.streaming_content)
    next(stream)
    assert _text(next(stream)) == ": keep-alive\n\n"
    _hang_up(response)


def test_the_stream_is_asynchronous_under_asgi(floor, centre, broker, monkeypatch):
    monkeypatch.setattr(realtime, "KEEPALIVE_SECONDS", 5)

    async def scenario() -> list[str]:
        client = AsyncClient()
        await client.aforce_login(floor["G1"].user)
        response = await client.get(reverse("reception:stream") + "?post=G1")
        assert response.status_code == 200
        assert response.is_async
        stream = aiter(response.streaming_content)
        frames = [_text(await asyncio.wait_for(anext(stream), 2))]
        # a publish from another thread (a service committing in a worker thread)
        await asyncio.get_running_loop().run_in_executor(
            None,
            realtime.publish,
            centre.pk,
            ["G1"],
            "call",
            {"id": 7, "text": "我是大客户经理张伟,呼叫大客户管家"},
        )
        frames.append(_text(await asyncio.wait_for(anext(stream), 2)))
        await stream.aclose()
        return frames

    frames = async_to_sync(scenario)()

    assert frames[0].startswith("retry: 2000\nevent: hello\n")
    assert _event(frames[1]) == ("call", {"id": 7, "text": "我是大客户经理张伟,呼叫大客户管家"})
    assert broker.hub.count() == 0


@streamed
def test_only_the_projects_posts_and_supervisors_console_may_be_listened_to(
    client: Client, floor, centre, supervisor, broker
):
    client.force_login(floor["G1"].user)
    assert client.get(reverse("reception:stream") + "?post=NOPE").status_code == 404
    assert client.get(reverse("reception:stream") + "?post=console").status_code == 404
    client.force_login(supervisor.user)
    response = client.get(reverse("reception:stream") + "?post=console")
    assert response.status_code == 200
    next(iter(response.streaming_content))
    assert broker.hub.count() == 1
    _hang_up(response)
    client.logout()
    assert client.get(reverse("reception:stream") + "?post=G1").status_code == 403
    assert broker.hub.count() == 0


def test_a_screen_gets_one_frame_per_event_and_other_projects_get_none(broker):
    g1 = realtime.Subscription(["1:G1", "1:console"], asynchronous=False)
    other = realtime.Subscription(["2:G1"], asynchronous=False)
    broker.hub.add(g1)
    broker.hub.add(other)

    realtime.publish(1, ["G1", "X1"], "call", {"id": 1})

    assert g1.squeue.qsize() == 1
    assert other.squeue.empty()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A throw-away redis-server on a free port (Debian's `redis-server`)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: `make test` installs it (Debian redis-server)")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - a local test server
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_with_redis_a_call_published_by_one_process_reaches_the_screens_of_another(redis_url):
    prefix = f"test:{uuid.uuid4().hex}:"
    web = realtime.RedisBroker(redis_url, prefix=prefix)  # the process the screens hang on
    worker = realtime.RedisBroker(redis_url, prefix=prefix)  # e.g. the sweep's job worker
    try:
        screen = realtime.Subscription(["5:G1"], asynchronous=False)
        web.hub.add(screen)
        web.ensure_listening()

        worker.publish(["5:G1", "5:X1"], realtime.frame("call", {"id": 3}))

        frame = screen.squeue.get(timeout=5)
        assert _event(frame) == ("call", {"id": 3})
    finally:
        web.stop()
        worker.stop()
