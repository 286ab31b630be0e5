"""a WhatsApp number's person hash: the number's, without the `whatsapp:` prefix

A contact's keyed phone hash finds the person behind it: their earlier contacts, the
counsellor who helped them, their flags, and everything `loket erase` removes. A WhatsApp
contact's hash was taken over `whatsapp:+31…`, so the same person's calls and texts did not
find it (erasure left it). Contacts written by WhatsApp get the bare number's hash now, and
the flags set on such a contact follow. The hash key is the app's: run through
`loket db upgrade` (a database without WhatsApp contacts needs no key).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 18:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from loket.store.types import EncryptedText

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

PREFIX = "whatsapp:"
CONTACT = sa.table("contact", sa.column("id", sa.Integer), sa.column("channel", sa.String),
                   sa.column("phone", EncryptedText("contact.phone")),
                   sa.column("phone_hash", sa.String))
FLAG = sa.table("person_flag", sa.column("phone_hash", sa.String))


def rehash(*, bare: bool) -> None:
    """Give every WhatsApp contact the hash of its number without the prefix (`bare`), or
    with it (back), and move the flags on the old hash along."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(CONTACT.c.id, CONTACT.c.phone).where(
        CONTACT.c.channel == "whatsapp", CONTACT.c.phone.is_not(None))).all()
    if not rows:
        return
    from loket.store.crypto import keyring

    ring = keyring(bind)  # DataKeyError without the app's keys: run `loket db upgrade`
    moved: dict[str, str] = {}
    for contact_id, phone in rows:
        number = phone[len(PREFIX):] if phone.lower().startswith(PREFIX) else phone
        old, new = ring.keyed_hash(PREFIX + number), ring.keyed_hash(number)
        if not bare:
            old, new = new, old
        moved[old] = new
        bind.execute(sa.update(CONTACT).where(CONTACT.c.id == contact_id)
                     .values(phone_hash=new))
    for old, new in moved.items():
        bind.execute(sa.update(FLAG).where(FLAG.c.phone_hash == old).values(phone_hash=new))


def upgrade() -> None:
    rehash(bare=True)


def downgrade() -> None:
    rehash(bare=False)
