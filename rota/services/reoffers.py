"""Re-offers in the sweep: the open calls due soon, bundled, to volunteers who could take
them. Which calls suit whom, and how often anyone is asked, is `rota.services.offers`'s."""

from __future__ import annotations

from rota.services.groups import reoffers_per_day
from rota.services.offers import Load, offer_text, offers_due
from rota.services.sweep import Sweep
from rota.storage import rota_queries


async def offer_open_calls(sweep: Sweep) -> None:
    """Bundled offers of the open calls due soon, to volunteers who could take them."""
    if not sweep.open_calls:
        return
    session = sweep.session
    rota_ids = {c.rota_id for c in sweep.open_calls}
    offered = await rota_queries.offers_made(session, {c.id for c in sweep.open_calls})
    offers = offers_due(
        volunteers=sweep.volunteers.values(),
        open_calls=sweep.open_calls,
        patients=sweep.patients,
        load=Load.of(await rota_queries.held_calls_of_rotas(session, rota_ids)),
        offered=offered,
        done=sweep.done,
        per_day=reoffers_per_day(sweep.group),
        now=sweep.now,
        tz=sweep.tz,
    )
    for offer in offers:
        text, sms, buttons = offer_text(offer.calls, sweep.tz)
        if await sweep.volunteer("reoffer", offer.key, offer.volunteer, text, sms, buttons):
            new = [c for c in offer.calls if (c.id, offer.volunteer.id, c.version) not in offered]
            rota_queries.record_offers(session, offer.volunteer.id, new, now=sweep.now)
