"""Demo data of the privacy app: the demo CPTS's DPO (a fictitious contact), so that the notices and the
registre show one. Written through privacy.actions.set_contact, as the coordination would."""

from cpts.models import CPTS, Membership
from cpts.roles import Role
from cpts.scoping import scoped
from privacy import actions
from privacy.models import PrivacyContact


def seed_privacy(cpts: CPTS) -> bool:
    if scoped(PrivacyContact, cpts).exists():
        return False
    coordinator = (
        scoped(Membership, cpts).filter(role=Role.COORDINATOR, active=True).select_related("user").first()
    )
    if coordinator is None:
        return False
    actions.set_contact(
        cpts,
        coordinator.user,
        dpo_name="Délégué à la protection des données (démonstration)",
        dpo_email="dpo@demo.opencpts.invalid",
        dpo_address="1 place de la Mairie\n01300 Belley",
    )
    return True
