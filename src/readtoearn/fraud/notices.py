"""The e-mails a reader gets when someone (or the clock) decides about their points.

Each message is sent once the decision is committed, never if it is rolled back (db.after_commit);
a mail server that fails is logged and does not undo the decision: the reader also sees it on
their wallet page.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from readtoearn.accounts.email import EmailBackend, OutgoingEmail
from readtoearn.accounts.models import User
from readtoearn.config import Settings
from readtoearn.db import after_commit

log = logging.getLogger(__name__)

REDEMPTION_APPROVED = "redemption_approved"
REDEMPTION_REFUSED = "redemption_refused"
APPEAL_APPROVED = "appeal_approved"
APPEAL_REJECTED = "appeal_rejected"
HOLD_EXPIRED = "hold_expired"
ITEM_TO_SHIP = "item_to_ship"
# An item held for an operator and then approved: the approval and the shipping in one mail.
ITEM_APPROVED_TO_SHIP = "item_approved_to_ship"
ITEM_SHIPPED = "item_shipped"
ITEM_DELIVERED = "item_delivered"

# (subject, body) per language; {name}, {site}, {what}, {note} and {link} are filled in.
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        REDEMPTION_APPROVED: (
            "your reward is on its way",
            "Hello {name},\n\nAn operator approved your redemption of \u201c{what}\u201d. "
            "It is now in your rewards:\n\n{link}\n{note}",
        ),
        REDEMPTION_REFUSED: (
            "your redemption was not approved",
            "Hello {name},\n\nAn operator did not approve your redemption of \u201c{what}\u201d. "
            "Your points are back in your wallet:\n\n{link}\n{note}",
        ),
        APPEAL_APPROVED: (
            "your appeal was accepted",
            "Hello {name},\n\nAn operator accepted your appeal about your read of "
            "\u201c{what}\u201d: its points are now in your wallet.\n\n{link}\n{note}",
        ),
        APPEAL_REJECTED: (
            "your appeal was not accepted",
            "Hello {name},\n\nAn operator looked at your appeal about your read of "
            "\u201c{what}\u201d and did not change the decision.\n\n{link}\n{note}",
        ),
        HOLD_EXPIRED: (
            "a read held for review has expired",
            "Hello {name},\n\nYour read of \u201c{what}\u201d was held for review, and nobody "
            "reviewed it in time. Its held points have been released; it earned nothing.\n\n"
            "{link}\n",
        ),
        ITEM_TO_SHIP: (
            "your reward will be shipped",
            "Hello {name},\n\nThank you for redeeming \u201c{what}\u201d. It will be sent to the "
            "address you gave; we will write again when it ships.\n\n{link}\n",
        ),
        ITEM_APPROVED_TO_SHIP: (
            "your reward will be shipped",
            "Hello {name},\n\nAn operator approved your redemption of \u201c{what}\u201d. It "
            "will be sent to the address you gave; we will write again when it ships.\n\n"
            "{link}\n{note}",
        ),
        ITEM_SHIPPED: (
            "your reward has been shipped",
            "Hello {name},\n\n\u201c{what}\u201d has been sent to the address you gave.\n"
            "{note}\n{link}\n",
        ),
        ITEM_DELIVERED: (
            "your reward has been delivered",
            "Hello {name},\n\n\u201c{what}\u201d has been delivered. Enjoy it!\n\n{link}\n",
        ),
    },
    "fr": {
        REDEMPTION_APPROVED: (
            "votre récompense est en route",
            "Bonjour {name},\n\nUn opérateur a approuvé votre demande de « {what} ». "
            "Elle figure maintenant dans vos récompenses :\n\n{link}\n{note}",
        ),
        REDEMPTION_REFUSED: (
            "votre demande de récompense n'a pas été approuvée",
            "Bonjour {name},\n\nUn opérateur n'a pas approuvé votre demande de « {what} ». "
            "Vos points sont revenus dans votre portefeuille :\n\n{link}\n{note}",
        ),
        APPEAL_APPROVED: (
            "votre contestation a été acceptée",
            "Bonjour {name},\n\nUn opérateur a accepté votre contestation de votre lecture de "
            "« {what} » : ses points sont maintenant dans votre portefeuille.\n\n{link}\n{note}",
        ),
        APPEAL_REJECTED: (
            "votre contestation n'a pas été acceptée",
            "Bonjour {name},\n\nUn opérateur a examiné votre contestation de votre lecture de "
            "« {what} » et n'a pas changé la décision.\n\n{link}\n{note}",
        ),
        HOLD_EXPIRED: (
            "une lecture en attente de vérification a expiré",
            "Bonjour {name},\n\nVotre lecture de « {what} » était en attente de vérification, "
            "et personne ne l'a examinée à temps. Ses points réservés ont été libérés ; elle "
            "ne rapporte rien.\n\n{link}\n",
        ),
        ITEM_TO_SHIP: (
            "votre récompense va être expédiée",
            "Bonjour {name},\n\nMerci d'avoir choisi « {what} ». Elle sera envoyée à l'adresse "
            "que vous avez donnée ; nous vous écrirons à son expédition.\n\n{link}\n",
        ),
        ITEM_APPROVED_TO_SHIP: (
            "votre récompense va être expédiée",
            "Bonjour {name},\n\nUn opérateur a approuvé votre demande de « {what} ». Votre "
            "récompense sera envoyée à l'adresse que vous avez donnée ; nous vous écrirons à "
            "son expédition.\n\n{link}\n{note}",
        ),
        ITEM_SHIPPED: (
            "votre récompense a été expédiée",
            "Bonjour {name},\n\n« {what} » a été envoyé à l'adresse que vous avez donnée.\n"
            "{note}\n{link}\n",
        ),
        ITEM_DELIVERED: (
            "votre récompense a été livrée",
            "Bonjour {name},\n\n« {what} » a été livré. Bonne découverte !\n\n{link}\n",
        ),
    },
}
# What the notice is about: a plain title, or one per language (a reward's name).
What = str | Callable[[str], str]
NOTE_LINE = {"en": "The operator's note: {note}\n", "fr": "La note de l'opérateur : {note}\n"}


@dataclass(frozen=True)
class Notifier:
    """Where notices go, and what they say the site is."""

    backend: EmailBackend
    site_name: str
    base_url: str

    @classmethod
    def of(cls, settings: Settings, backend: EmailBackend) -> Notifier:
        return cls(backend, settings.site_name, settings.base_url.rstrip("/"))

    def message(self, user: User, kind: str, *, what: What, note: str = "") -> OutgoingEmail:
        """The notice of `kind` for a reader, in their language."""
        language = user.language if user.language in TEXTS else "en"
        if callable(what):
            what = what(language)
        subject, body = TEXTS[language][kind]
        note_line = NOTE_LINE[language].format(note=note) if note else ""
        text = body.format(
            name=user.display_name,
            what=what,
            link=f"{self.base_url}/account/wallet",
            note=note_line,
        )
        return OutgoingEmail(to=user.email, subject=f"{self.site_name}: {subject}", body=text)

    def send_after_commit(
        self, session: Session, reader_id: uuid.UUID, kind: str, *, what: What, note: str = ""
    ) -> None:
        """Queue the notice; it leaves once the session's work is committed."""
        user = session.get(User, reader_id)
        if user is None or not user.is_active:
            return
        mail = self.message(user, kind, what=what, note=note)
        backend = self.backend

        def send() -> None:
            try:
                backend.send(mail)
            except OSError:  # the decision stands; the wallet page shows it anyway
                log.warning("could not send the %s notice to reader %s", kind, reader_id)

        after_commit(session, send)
