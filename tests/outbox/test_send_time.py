"""Issue 12 point 1, issue 13 point 2: urgent first whatever the backlog; a STOP confirmed
while a batch is being paced stops the texts still in it."""

from __future__ import annotations

from datetime import UTC, datetime

from rota.domain import MessageStatus, RecipientKind
from rota.outbox import Dispatcher, queue_message
from rota.outbox.dispatcher import BATCH_SIZE
from rota.outbox.priority import Priority
from rota.ports import Outgoing, Sent
from rota.services.patient_replies import opt_out
from tests.support.outbox_fakes import (
    FakeChannel,
    SimulatedClock,
    add_group,
    add_patient,
    messages,
    queue_patient_text,
    queue_volunteer_note,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # inside London's texting hours


async def test_with_1000_routine_messages_queued_an_urgent_alert_goes_in_the_first_batch(db):
    async with db.transaction() as session:
        for i in range(1000):
            await queue_message(
                session, key=f"published:1:volunteer:{i}", group_id=None, channel="sms",
                recipient_kind=RecipientKind.VOLUNTEER, recipient_id=i + 1,
                address=f"+4477009{i:05d}", body="The rota is out.", now=NOW,
            )  # fmt: skip
    async with db.transaction() as session:
        await queue_message(
            session, key="escalation:7:practice:1", purpose="urgent", group_id=None,
            channel="sms", recipient_kind=RecipientKind.PRACTICE, recipient_id=None,
            address="+447700911111", body="URGENT from Ann about a patient.", now=NOW,
        )  # fmt: skip
    sms, clock = FakeChannel("sms"), SimulatedClock()
    outbox = Dispatcher(db, {"sms": sms}, monotonic=clock.monotonic, sleep=clock.sleep)

    # The real rate limits (10 SMS a second) and batch size (20): one pass is one batch.
    stats = await outbox.run_once(NOW)

    assert stats.claimed == BATCH_SIZE and clock.t >= 1.9  # the batch was paced over ~2 s
    assert sms.sent[0].body.startswith("URGENT")
    urgent = next(m for m in await messages(db) if m.key.startswith("escalation:"))
    assert urgent.status == MessageStatus.SENT and urgent.priority == Priority.URGENT


class StopsArriveDuringTheBatch(FakeChannel):
    """While the first messages of a batch are being sent, patients text STOP."""

    def __init__(self, db, group_id: int, phones: list[str]) -> None:
        super().__init__("sms")
        self.db, self.group_id, self.phones = db, group_id, phones
        self.confirmed: set[str] = set()

    async def send(self, message: Outgoing) -> Sent:
        if message.address in self.confirmed:
            raise AssertionError("a text left after its recipient's STOP was confirmed")
        sent = await super().send(message)
        if len(self.sent) == 1:
            for phone in self.phones:
                reply = await opt_out(
                    self.db, group_id=self.group_id, phone=phone, key=f"in-{phone}", now=NOW
                )
                assert reply is not None  # "You will get no more texts"
                self.confirmed.add(phone)
        return sent


async def test_twelve_patients_who_text_stop_while_their_check_in_is_in_the_batch_get_nothing(db):
    group_id = await add_group(db)
    for n in range(8):  # older volunteer notes fill the first chunk of the batch
        await queue_volunteer_note(
            db, group_id, NOW, key=f"reminder:{n}", channel="sms", address=f"+4477009002{n:02d}"
        )
    phones = [f"+4477009001{n:02d}" for n in range(12)]
    for n, phone in enumerate(phones):
        patient_id = await add_patient(db, group_id, ref=f"P{n}", phone=phone)
        await queue_patient_text(db, group_id, patient_id, NOW, key=f"checkin:{n}")
    sms = StopsArriveDuringTheBatch(db, group_id, phones)

    stats = await Dispatcher(db, {"sms": sms}, rate_limits=None).run_once(NOW)

    assert stats.claimed == 20  # every check-in was in the batch when the STOPs came
    assert [m.address for m in sms.sent if m.address in phones] == []
    checkins = [m for m in await messages(db) if m.key.startswith("checkin:")]
    assert {(m.status, m.error) for m in checkins} == {(MessageStatus.SUPPRESSED, "opted out")}
