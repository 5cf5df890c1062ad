"""What the 2007-Q4 seed report says of laws and networks, recorded as of the end of that quarter.

`load_seed_legislation()` makes the 32 states if missing, records each state law the report names (as a
change citing the report, so the history shows where it came from), the federal law and the networks, task
forces and memorandums of understanding, linked to the organizations of their Annex 1 meetings when those
are imported. A second call adds nothing, and a state changed since is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from meetings.models import Component, Meeting, Organization
from shelters.models import User
from shelters.states import STATE_CHOICES

from . import services
from .models import FederalLaw, Network, NetworkKind, State, StateChange, TipLawStatus

SEED_SOURCE = (
    "PROTEJA Quarterly Report No. 7, October - December 2007 (submitted February 29, 2008): "
    "Anti-Trafficking Legislation Technical Assistance; Anti-TIP Networks and Task Forces; Annex 1, Table 4"
)
CHANNEL = "seed"
KEY_PREFIX = "seed-2007-q4:"

# State code -> the law's fields as the report gives them at the end of 2007. A date the report does not give
# to the day is left empty (missing is not zero), and said in the notes.
SEED_STATES: dict[str, dict] = {
    "CHH": {
        "tip_law_status": TipLawStatus.APPROVED,
        "notes": "Anti-TIP legislation passed with PROTEJA's assistance: trafficking in persons is recognized "
        "as a crime with severe penalties. In 2007-Q4 PROTEJA offered a workshop on the TIP reforms to 35 "
        "representatives from the Attorney General's office.",
    },
    "GRO": {
        "tip_law_status": TipLawStatus.APPROVED,
        "notes": "Anti-TIP legislation passed with PROTEJA's assistance: trafficking in persons is recognized "
        'as a crime with severe penalties. In 2007-Q4 PROTEJA offered the seminar "TIP and Methods to Combat '
        'It" to 43 people.',
    },
    "ZAC": {
        "tip_law_status": TipLawStatus.APPROVED,
        "tip_law_name": "Penal code reforms regarding TIP (June 2007)",
        "notes": "Anti-TIP legislation passed with PROTEJA's assistance: the June 2007 penal code reforms "
        "regarding TIP (the report gives no day). In 2007-Q4 PROTEJA offered a seminar on them to the Office "
        "of the Attorney General.",
    },
    "MOR": {
        "tip_law_status": TipLawStatus.NONE,
        "notes": "Draft: a working group (Office of the Governor, Attorney General's office, lawyers' bar, state "
        "office of the National Institute on Migration) is drafting a packet of anti-TIP reforms with PROTEJA's "
        "assistance, at the governor's request; the governor is expected to present the initiative to "
        "Congress in early 2008.",
    },
    "SON": {
        "tip_law_status": TipLawStatus.BILL_IN_CONGRESS,
        "tip_law_name": "Reform to the Penal Code and the Code of Criminal Procedure regarding TIP",
        "notes": "Bill introduced by the PAN party in September 2007 (the report gives no day), after an "
        "earlier PRI initiative; both parties agreed to work on a joint proposal, drafted with PROTEJA's "
        "assistance and close to completion by November; presented to members of Congress in December.",
    },
    "OAX": {
        "tip_law_status": TipLawStatus.NONE,
        "notes": "Draft: an inter-institutional committee (DIF, Office of the Attorney General, state Institute "
        "for Women, the courts) developed an initiative to address TIP in the Oaxacan Penal Code, presented to "
        "the Director of the DIF at the end of November 2007; the governor is expected to present it to "
        "Congress in early 2008.",
    },
    "NAY": {
        "tip_law_status": TipLawStatus.NONE,
        "notes": "Reform proposed: PROTEJA held a conference for members of Congress on the need to reform the "
        "Criminal Procedure Code to address TIP; a follow-up meeting is agreed for February 2008.",
    },
}

SEED_FEDERAL_LAW = {
    "tip_law_name": "Law to Prevent and Punish Trafficking in Persons (Ley para Prevenir y Sancionar la Trata "
    "de Personas)",
    "tip_law_status": TipLawStatus.IN_FORCE,
    "tip_law_date": date(2007, 10, 2),
    "signed_on": date(2007, 11, 26),
    "in_force_on": date(2007, 11, 28),
    # What the report says the law does; every other element is not checked yet.
    "palermo_elements": {"recovery_services": True, "compensation": True, "prevention": True},
    "notes": "Approved by the National Congress on October 2, 2007; signed by President Calderón on November "
    "26, 2007; effective two days later. Sets punishments (sentencing guidelines and fines), requires "
    "compensation to victims, and establishes an Inter-Agency Commission to draft and implement the National "
    "Program to Prevent and Punish Trafficking in Persons.",
    "source": SEED_SOURCE,
}


@dataclass(frozen=True)
class SeedNetwork:
    slug: str
    name: str
    kind: str
    state: str | None
    established_on: date | None
    notes: str
    # The Annex 1 Table 4 meeting whose organizations it has: (state, start date).
    meeting: tuple[str, date] | None


SEED_NETWORKS = [
    SeedNetwork(
        "mou-morelos",
        "Memorandum of Understanding with the Government of Morelos",
        NetworkKind.MOU,
        "MOR",
        date(2007, 12, 16),
        "Signed for the coordination of anti-TIP efforts and the creation of task forces.",
        ("MOR", date(2007, 12, 16)),
    ),
    SeedNetwork(
        "mou-nayarit",
        "Memorandum of Understanding with the Government of Nayarit",
        NetworkKind.MOU,
        "NAY",
        date(2007, 12, 13),
        "Signed for the coordination of anti-TIP efforts and the creation of task forces.",
        ("NAY", date(2007, 12, 13)),
    ),
    SeedNetwork(
        "mou-quintana-roo",
        "Memorandum of Understanding with the Government of Quintana Roo",
        NetworkKind.MOU,
        "ROO",
        date(2007, 11, 9),
        "Signed for the coordination of anti-TIP efforts and the creation of task forces (42 participants).",
        ("ROO", date(2007, 11, 9)),
    ),
    SeedNetwork(
        "network-coahuila",
        "Coahuila anti-TIP network",
        NetworkKind.NETWORK,
        "COA",
        date(2007, 10, 28),
        "A forum where more than 200 representatives from government agencies and more than 25 civil society "
        "organizations organized themselves along relevant themes for future task forces.",
        ("COA", date(2007, 10, 28)),
    ),
    SeedNetwork(
        "network-tapachula",
        "Tapachula anti-TIP network",
        NetworkKind.NETWORK,
        "CHP",
        date(2007, 12, 15),
        "Created as a result of a workshop on TIP in Chiapas (70 participants), with the goal of forming a "
        "specialized task force.",
        ("CHP", date(2007, 12, 15)),
    ),
    SeedNetwork(
        "task-force-federal",
        "Federal task force on a model of attention to victims of trafficking",
        NetworkKind.TASK_FORCE,
        None,
        None,
        "With CENAPI and Daywalka: a model that addresses human trafficking, safe migration and gender-based "
        "violence to TIP victims. PROTEJA and Daywalka signed a collaboration agreement for 2008.",
        ("CMX", date(2007, 11, 22)),
    ),
    SeedNetwork(
        "network-civil-society",
        "Network of civil society organizations against TIP",
        NetworkKind.NETWORK,
        None,
        None,
        "Being developed: PROTEJA met with more than 25 NGOs (Caracol among them) to develop agreements for "
        "collaboration and to form task forces; the network will serve as the source for task forces.",
        ("CMX", date(2007, 10, 18)),
    ),
]

# Names the Annex 1 import keeps for groups it cannot count one by one ("25 civil organizations").
_PLACEHOLDER = re.compile(r"^(\d+|numerous|several|other)\b", re.IGNORECASE)


@dataclass
class SeedResult:
    states_created: int = 0
    states_recorded: list[str] = field(default_factory=list)
    federal_laws_created: int = 0
    networks_created: int = 0

    def __str__(self) -> str:
        return (
            f"States: {self.states_created} created, {len(self.states_recorded)} laws recorded from the seed; "
            f"federal law: {self.federal_laws_created} recorded; networks: {self.networks_created} created"
        )


def ensure_states() -> int:
    """Make any of the 32 states that is missing (the migration makes them; a flushed database has none)."""
    existing = set(State.objects.values_list("code", flat=True))
    missing = [State(code=code, name=name) for code, name in STATE_CHOICES if code not in existing]
    State.objects.bulk_create(missing)
    return len(missing)


def _meeting_organizations(state: str, day: date) -> list[Organization]:
    meeting = (
        Meeting.objects.filter(component=Component.NETWORKS, state=state, start_date=day)
        .prefetch_related("organizations")
        .order_by("id")
        .first()
    )
    if meeting is None:
        return []
    return [organization for organization in meeting.organizations.all() if not _PLACEHOLDER.match(organization.name)]


def load_seed_legislation(*, actor: User | None = None) -> SeedResult:
    """Record the seed report's laws and networks as of 2007-Q4; a second call adds nothing."""
    result = SeedResult(states_created=ensure_states())
    already = set(StateChange.objects.filter(source=SEED_SOURCE, channel=CHANNEL).values_list("state_id", flat=True))
    for code, data in SEED_STATES.items():
        if code in already:
            continue
        change = services.state_update(
            actor=actor, state=State.objects.get(pk=code), data=data, source=SEED_SOURCE, channel=CHANNEL
        )
        if change is not None:
            result.states_recorded.append(code)
    if not FederalLaw.objects.filter(source=SEED_SOURCE).exists():
        services.federal_law_save(actor=actor, law=None, data=SEED_FEDERAL_LAW, channel=CHANNEL)
        result.federal_laws_created += 1
    existing = set(Network.objects.filter(import_key__startswith=KEY_PREFIX).values_list("import_key", flat=True))
    for seed in SEED_NETWORKS:
        key = KEY_PREFIX + seed.slug
        if key in existing:
            continue
        services.network_create(
            actor=actor,
            data={
                "name": seed.name,
                "kind": seed.kind,
                "state": State.objects.get(pk=seed.state) if seed.state else None,
                "established_on": seed.established_on,
                "notes": seed.notes,
            },
            organizations=_meeting_organizations(*seed.meeting) if seed.meeting else [],
            import_key=key,
            channel=CHANNEL,
        )
        result.networks_created += 1
    return result
