"""The bare servers, measured in the same run: what the embedded MongoDB, broker and SMTP
catcher can do without our code, as the yardstick for the ratios."""

from __future__ import annotations

import asyncio
import time
from email.message import EmailMessage

import aiosmtplib
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from bson import ObjectId
from figures import Timings
from pymongo import AsyncMongoClient


async def bare_registrations(mongo_url: str, count: int, concurrency: int) -> Timings:
    """The writes of one registration, by hand: read the meeting, raise its seat count, insert
    the registration and its outbox record, in one transaction; ``count`` of them."""
    client = AsyncMongoClient(mongo_url)
    db = client[f"bare_{ObjectId()}"]
    meeting_id = "m1"
    await db.meetings.insert_one({"_id": meeting_id, "capacity": 10**9, "seats_taken": 0})
    await db.registrations.create_index([("meeting_id", 1), ("person_id", 1)])
    timings = Timings()
    queue = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)

    async def one(i: int) -> None:
        for _ in range(200):
            try:
                async with client.start_session() as session, await session.start_transaction():
                    await db.meetings.find_one({"_id": meeting_id}, session=session)
                    await db.registrations.find_one(
                        {"meeting_id": meeting_id, "person_id": f"p{i}"}, session=session
                    )
                    await db.meetings.update_one(
                        {"_id": meeting_id}, {"$inc": {"seats_taken": 1}}, session=session
                    )
                    await db.registrations.insert_one(
                        {
                            "_id": str(ObjectId()),
                            "meeting_id": meeting_id,
                            "person_id": f"p{i}",
                            "status": "confirmed",
                        },
                        session=session,
                    )
                    await db.outbox.insert_one({"value": b"x" * 600}, session=session)
                return
            except Exception:  # a write conflict: again, as the services do
                await asyncio.sleep(0.002)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            with timings.measure():
                await one(i)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    timings.elapsed = time.perf_counter() - started
    await client.drop_database(db.name)
    await client.close()
    return timings


async def bare_round_trips(bootstrap: str, count: int) -> Timings:
    """Produce-to-consume on the same broker, one record at a time (as a registration's event)."""
    topic = f"bare.{ObjectId()}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
        fetch_max_wait_ms=100,
    )
    await producer.start()
    await producer.send_and_wait(topic, b"warm-up")
    await consumer.start()
    await consumer.getone()
    timings = Timings()
    started = time.perf_counter()
    for _ in range(count):
        sent = time.perf_counter()
        await producer.send_and_wait(topic, b"x" * 600)
        await consumer.getone()
        timings.add(time.perf_counter() - sent)
    timings.elapsed = time.perf_counter() - started
    await consumer.stop()
    await producer.stop()
    return timings


async def bare_emails(host: str, port: int, count: int) -> Timings:
    """Multipart emails over one SMTP connection to the same catcher."""
    timings = Timings()
    started = time.perf_counter()
    async with aiosmtplib.SMTP(hostname=host, port=port) as smtp:
        for i in range(count):
            message = EmailMessage()
            message["From"] = "bench@aiq.example"
            message["To"] = f"bare{i}@bench.example"
            message["Subject"] = "Einladung: Netzwerktreffen"
            message.set_content("Guten Tag,\n" + "Text " * 300)
            message.add_alternative("<p>Guten Tag,</p>" + "<p>Text</p>" * 300, subtype="html")
            with timings.measure():
                await smtp.send_message(message)
    timings.elapsed = time.perf_counter() - started
    return timings


async def bare_reads(mongo_url: str, clients: int, seconds: float) -> Timings:
    """Reads of one small document by _id, from ``clients`` at once."""
    client = AsyncMongoClient(mongo_url, maxPoolSize=clients)
    db = client[f"bare_{ObjectId()}"]
    await db.dashboards.insert_one({"_id": "Hörde", "counters": {"registered": 1}})
    timings = Timings()
    deadline = time.perf_counter() + seconds

    async def reader() -> None:
        while time.perf_counter() < deadline:
            with timings.measure():
                await db.dashboards.find_one({"_id": "Hörde"})

    started = time.perf_counter()
    await asyncio.gather(*(reader() for _ in range(clients)))
    timings.elapsed = time.perf_counter() - started
    await client.drop_database(db.name)
    await client.close()
    return timings
