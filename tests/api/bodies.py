"""Valid request bodies that several API test modules start from."""

from __future__ import annotations

from shelters.models import FollowUp, LegalAction, Referral, Service, Training, Victim

CASE_RECORD_MODELS = {
    "victims": Victim,
    "services": Service,
    "referrals": Referral,
    "legal-actions": LegalAction,
    "follow-ups": FollowUp,
    "trainings": Training,
}

VICTIM_RECORD_ENDPOINTS = ("services", "referrals", "legal-actions", "follow-ups")


def victim_record_body(endpoint: str, records) -> dict:
    """A valid POST body for a service, referral, legal action or follow-up of `records`' victims (one shelter's)."""
    victim = records.exited_victim if endpoint == "follow-ups" else records.open_victim
    return {
        "services": {"date": "2007-10-11", "category": "medical"},
        "referrals": {"date": "2007-10-11", "kind": "transfer", "institution": "DIF"},
        "legal-actions": {"date": "2007-10-11", "kind": "sentence", "crime": "tip"},
        "follow-ups": {"date": "2007-12-01", "method": "phone"},
    }[endpoint] | {"victim": str(victim.pk)}
