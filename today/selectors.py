"""« Aujourd'hui »: what needs each person today, gathered from the other apps' reads. Nothing is decided
here: who reads a group is ``coordination.access`` (through ``coordination.selectors``), which slots a user
manages ``unscheduled.access``, which requests are open or proposals pending the ``gpmatching`` QuerySet
methods, an indicator's verdict ``aci.verdict`` (through ``aci.selectors.glance``). This module only picks,
counts and sorts by what matters now.

Each block is a ``Few``: how many there are and the first few, the most urgent first. A block a person has no
right to is ``None`` (the page hides it); an empty one says so in one line.

The layers (pyproject.toml): ``today`` sits above every app it reads, under ``fhirapi`` and ``demo``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from aci import contracts, verdict
from aci import selectors as aci_selectors
from aci.models import Contract
from agenda import access as agenda_access
from coordination import selectors as coordination_selectors
from coordination.models import Group
from cpts.models import MembershipRequest
from cpts.scoping import Access, scoped
from gpmatching import capacity as capacity_rules
from gpmatching.models import Capacity, Proposal, Request
from unscheduled import access as slot_access
from unscheduled.models import Booking, Slot

SHOWN = 5  # items listed per block; the count says how many there are
EVENT_DAYS = 7
SLOT_DAYS = 7
DEADLINE_STATES = ("en retard", "bientôt")


@dataclass
class Few:
    """A block's content: ``count`` things, the first ``items`` of them."""

    count: int = 0
    items: list = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.items))


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=timezone.get_current_timezone())


# --- Professionals ------------------------------------------------------------------------------------------


@dataclass
class Unread:
    group: Group
    title: str
    unread: int
    at: dt.datetime | None
    author: str  # first name of the last message's author, « Vous » for the user
    preview: str  # its first words


@dataclass
class UnreadFew(Few):
    """``count`` conversations with unread messages, ``messages`` unread messages over them."""

    messages: int = 0


def _titled(group: Group, others: dict[int, list]) -> str:
    if group.kind == Group.Kind.CONVERSATION:
        names = [u.get_full_name() or u.email for u in others.get(group.pk, [])]
        return ", ".join(names) or "Conversation"
    return group.title


def unread_groups(user, cpts) -> UnreadFew:
    """Care circles, working groups and conversations the user reads with messages they have not read, the
    latest activity first, each with its last message's first words as the group list shows them
    (``coordination.selectors``: only the groups the user reads now, ``coordination.access``)."""
    groups = list(coordination_selectors.my_groups(user, cpts).filter(unread__gt=0))
    conversations = [c for c in coordination_selectors.my_conversations(user, cpts) if c.unread]
    others = {c.pk: c.others for c in conversations}
    found = sorted(
        [*groups, *conversations],
        key=lambda g: (g.last_message_at or g.created_at, g.pk),
        reverse=True,
    )
    items = [
        Unread(
            g,
            _titled(g, others),
            g.unread,
            g.last_message_at,
            "Vous" if g.last_author_id == user.pk else (g.last_author_first_name or ""),
            coordination_selectors.preview(g.last_body),
        )
        for g in found[:SHOWN]
    ]
    return UnreadFew(len(found), items, sum(g.unread for g in found))


@dataclass
class Day:
    day: dt.date
    bookings: list[Booking]


def bookings(user, cpts, today: dt.date) -> Few | None:
    """Today's and tomorrow's live bookings on the slots of the professionals the user manages (their own,
    and those who delegated them), by time. None when the user manages nobody's slots."""
    managed = slot_access.managed_professional_ids(user, cpts)
    if not managed:
        return None
    rows = list(
        scoped(Booking, cpts)
        .live()
        .filter(
            slot__professional_id__in=managed,
            slot__start__gte=_midnight(today),
            slot__start__lt=_midnight(today + dt.timedelta(days=2)),
        )
        .select_related("slot", "slot__place", "slot__place__commune", "slot__professional")
        .order_by("slot__start", "pk")
    )
    days = [
        Day(day, [b for b in rows if timezone.localtime(b.slot.start).date() == day])
        for day in (today, today + dt.timedelta(days=1))
    ]
    return Few(len(rows), days)


def proposals(user, cpts) -> Few | None:
    """The patients proposed to the user as a GP, waiting for their answer, the oldest proposal first. None
    for anyone but a physician."""
    if not capacity_rules.is_physician(getattr(user, "professional", None)):
        return None
    rows = (
        scoped(Proposal, cpts)
        .filter(professional_id=user.professional_id, status=Proposal.Status.SENT)
        .select_related("request", "request__commune")
        .order_by("sent_at", "pk")
    )
    return Few(rows.count(), list(rows[:SHOWN]))


def events(user, cpts, now: dt.datetime) -> Few:
    """The events to come in the next days in the groups the user reads (their « Mon agenda »), soonest
    first; cancelled ones left out."""
    rows = (
        agenda_access.visible_events(user, cpts)
        .filter(cancelled_at__isnull=True, ends_at__gt=now, starts_at__lt=now + dt.timedelta(days=EVENT_DAYS))
        .select_related("group")
        .order_by("starts_at", "pk")
    )
    return Few(rows.count(), list(rows[:SHOWN]))


# --- Coordination -------------------------------------------------------------------------------------------


@dataclass
class GPQueue:
    waiting: int  # confirmed requests waiting for a proposal
    unconfirmed: int
    drafts: int  # proposals drafted by a run, to send
    sent: int  # proposals waiting for the GP's answer
    gps_with_room: int
    places: int  # room left this month over those GPs
    oldest: dt.date | None  # the longest wait among the waiting requests

    @property
    def matching_due(self) -> bool:
        """A run would propose something: requests wait, GPs have room, and no draft waits to be sent."""
        return self.waiting > 0 and self.gps_with_room > 0 and self.drafts == 0


def gp_queue(cpts, today: dt.date) -> GPQueue:
    open_requests = scoped(Request, cpts).open()
    waiting = open_requests.filter(status=Request.Status.WAITING)
    used = capacity_rules.used_this_month(cpts, today)
    members = set(capacity_rules.member_gps(cpts).values_list("pk", flat=True))
    rooms = [
        capacity_rules.remaining(c, used, today)
        for c in scoped(Capacity, cpts).select_related("professional")
        if c.professional_id in members
    ]
    rooms = [r for r in rooms if r > 0]
    pending = scoped(Proposal, cpts).pending()
    return GPQueue(
        waiting=waiting.count(),
        unconfirmed=open_requests.filter(status=Request.Status.UNCONFIRMED).count(),
        drafts=pending.filter(status=Proposal.Status.DRAFT).count(),
        sent=pending.filter(status=Proposal.Status.SENT).count(),
        gps_with_room=len(rooms),
        places=sum(rooms),
        oldest=waiting.order_by("waiting_since").values_list("waiting_since", flat=True).first(),
    )


def membership_requests(cpts) -> Few:
    rows = (
        scoped(MembershipRequest, cpts)
        .filter(status=MembershipRequest.Status.PENDING)
        .select_related("user__professional")
        .order_by("created_at", "pk")
    )
    return Few(rows.count(), list(rows[:SHOWN]))


def contract_of(cpts) -> Contract | None:
    return scoped(Contract, cpts).select_related("grid", "cpts").first()


def deadlines(contract: Contract, today: dt.date) -> Few:
    """The contract's mission deadlines passed or within two months, the late ones first."""
    rows = sorted(
        (d for d in contracts.deadlines(contract, today) if d.state in DEADLINE_STATES),
        key=lambda d: (DEADLINE_STATES.index(d.state), d.due_on or dt.date.max, d.label),
    )
    return Few(len(rows), rows[:SHOWN])


@dataclass
class Indicators:
    glance: aci_selectors.Glance
    off_track: Few
    at_risk: int


def indicators(contract: Contract, today: dt.date) -> Indicators:
    """The indicators off track this contract year (``aci.verdict``), the most money at stake first."""
    glance = aci_selectors.glance(contract, today)
    off = glance.having(verdict.OFF_TRACK)
    return Indicators(glance, Few(len(off), off[:SHOWN]), len(glance.having(verdict.AT_RISK)))


@dataclass
class Unfilled:
    free: Few  # bookable slots of the next days, soonest first
    offered: int  # every slot offered over the same days


def unfilled_slots(cpts, now: dt.datetime) -> Unfilled:
    end = _midnight(timezone.localtime(now).date() + dt.timedelta(days=SLOT_DAYS))
    free = (
        scoped(Slot, cpts)
        .bookable(now=now)
        .filter(start__lt=end)
        .select_related("professional", "place__commune")
        .order_by("start", "pk")
    )
    offered = scoped(Slot, cpts).offered().filter(start__gt=now, start__lt=end).count()
    return Unfilled(Few(free.count(), list(free[:SHOWN])), offered)


# --- Each role's page ---------------------------------------------------------------------------------------


@dataclass
class Block:
    """One block of the page: ``key`` names its template (templates/today/_<key>.html), ``data`` what it
    shows, ``empty`` when it has nothing that needs the person (it then says so in one line, after the
    others)."""

    key: str
    data: object
    empty: bool = False


@dataclass
class Today:
    day: dt.date
    blocks: list[Block] = field(default_factory=list)
    publish: bool = False  # the shortcut to publish slots (the user manages someone's slots)

    @property
    def ordered(self) -> list[Block]:
        """What needs the person first, in the order of their role's blocks; the empty ones after."""
        return [b for b in self.blocks if not b.empty] + [b for b in self.blocks if b.empty]

    def block(self, key: str) -> Block | None:
        return next((b for b in self.blocks if b.key == key), None)


def is_coordination(access: Access) -> bool:
    """The coordination's blocks: whoever manages the CPTS's memberships (the coordinator role)."""
    return access.can("cpts.manage_membership")


def _contract_blocks(access: Access, today: dt.date, key: str) -> list[Block]:
    contract = contract_of(access.cpts)
    if contract is None:
        return [Block("no-contract", None, empty=True)]
    found = indicators(contract, today)
    if key == "contract":
        return [Block("contract", found)]
    late = deadlines(contract, today)
    return [
        Block("off-track", found, empty=not found.off_track.count),
        Block("deadlines", late, empty=not late.count),
    ]


def coordination(access: Access, now: dt.datetime) -> list[Block]:
    cpts, today = access.cpts, timezone.localtime(now).date()
    out = []
    if access.can("cpts.manage_gp_requests"):
        queue = gp_queue(cpts, today)
        out.append(Block("gp-queue", queue, empty=not (queue.waiting or queue.drafts or queue.sent)))
    requests = membership_requests(cpts)
    out.append(Block("membership", requests, empty=not requests.count))
    if access.can("cpts.view_contract"):
        out += _contract_blocks(access, today, "indicators")
    if access.can("cpts.use_snp"):
        slots = unfilled_slots(cpts, now)
        out.append(Block("unfilled", slots, empty=not slots.free.count))
    return out


def professional(user, access: Access, now: dt.datetime) -> list[Block]:
    """The blocks of a person who takes care of patients: their bookings, messages, proposed patients and
    events, each when their role has it."""
    cpts, today = access.cpts, timezone.localtime(now).date()
    out = []
    if access.can("cpts.use_snp"):
        booked = bookings(user, cpts, today)
        if booked is not None:
            out.append(Block("bookings", booked, empty=not booked.count))
    if access.can("cpts.use_coordination"):
        unread = unread_groups(user, cpts)
        out.append(Block("unread", unread, empty=not unread.count))
    if access.can("cpts.take_gp_patients"):
        proposed = proposals(user, cpts)
        if proposed is not None:
            out.append(Block("proposals", proposed, empty=not proposed.count))
    if access.can("cpts.use_coordination"):
        coming = events(user, cpts, now)
        out.append(Block("events", coming, empty=not coming.count))
    return out


def reports(access: Access, today: dt.date) -> list[Block]:
    """The readers of the reports (ARS and CPAM referents, the bureau): the contract's verdict and the
    reports."""
    out = []
    if access.can("cpts.view_contract"):
        out += _contract_blocks(access, today, "contract")
    if access.can("cpts.view_reports") or access.can("cpts.view_contract"):
        out.append(Block("reports", None))
    return out


def today_for(user, access: Access, now: dt.datetime | None = None) -> Today:
    """Everything the « Aujourd'hui » page of ``user`` in ``access.cpts`` shows: the coordination's blocks
    for the coordination, then those of a professional, then the reports for whoever reads them without
    coordinating (the coordination's blocks already hold the contract)."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    page = Today(day)
    if is_coordination(access):
        page.blocks += coordination(access, now)
    page.blocks += professional(user, access, now)
    if not is_coordination(access):
        page.blocks += reports(access, day)
    booked = page.block("bookings")
    page.publish = booked is not None
    return page
