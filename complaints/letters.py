"""The documents a complaint produces (第十六条: 书面通知并移交), rendered once and stored as issued.

Each letter gets a document number (发文字号) from the shared sequence and goes through
`supervision.documents.render_pdf`; the stored PDF is what was sent, whatever the templates become.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile

from complaints.models import Complaint, ComplaintLetter
from supervision.documents import allocate_document_number, render_pdf

# 发文机关代字 per kind of letter; a deployment may set COMPLAINT_LETTER_PREFIXES to its own.
DEFAULT_PREFIXES = {
    ComplaintLetter.Kind.ACCEPTANCE_NOTICE: "新人社诉告",
    ComplaintLetter.Kind.TRANSFER_NOTICE: "新人社诉告",
    ComplaintLetter.Kind.REPLY: "新人社诉复",
    ComplaintLetter.Kind.ASSIGNMENT: "新人社诉交",
    ComplaintLetter.Kind.TRANSFER_LETTER: "新人社诉转",
}

TEMPLATES = {
    ComplaintLetter.Kind.ACCEPTANCE_NOTICE: "complaints/letters/acceptance_notice.html",
    ComplaintLetter.Kind.ASSIGNMENT: "complaints/letters/assignment.html",
    ComplaintLetter.Kind.TRANSFER_NOTICE: "complaints/letters/transfer_notice.html",
    ComplaintLetter.Kind.TRANSFER_LETTER: "complaints/letters/transfer_letter.html",
    ComplaintLetter.Kind.REPLY: "complaints/letters/reply.html",
}


def prefix_for(kind: str) -> str:
    return {**DEFAULT_PREFIXES, **getattr(settings, "COMPLAINT_LETTER_PREFIXES", {})}[kind]


def complainant_label(complaint: Complaint) -> str:
    from django.utils.translation import gettext as _

    return complaint.contact_name or (_("匿名举报人") if complaint.kind == Complaint.Kind.REPORT else _("反映人"))


def letter_issuer(complaint: Complaint) -> str:
    """The name the letters are issued in: the city bureau's (one query; pass it on when issuing two letters)."""
    issuer = complaint.city.agencies.filter(kind="city_bureau").values_list("name", flat=True).first()
    return issuer or settings.BUREAU_NAME


def issue_letter(
    complaint: Complaint, kind: str, *, acting_user: Any, addressee: str, issuer: str = "", **context: Any
) -> ComplaintLetter:
    """Number, render and store one letter (call inside the action's transaction)."""
    today = complaint.transferred_on or complaint.replied_on or complaint.accepted_on or complaint.received_on
    issued_on = context.pop("issued_on", None) or today
    number = allocate_document_number(prefix_for(kind), issued_on.year)
    issuer = issuer or letter_issuer(complaint)
    pdf = render_pdf(
        TEMPLATES[kind],
        {
            "title": ComplaintLetter.Kind(kind).label,
            "document_number": number,
            "issuer": issuer,
            "issued_on": issued_on,
            "complaint": complaint,
            "complainant": complainant_label(complaint),
            "addressee": addressee,
            **context,
        },
    )
    letter = ComplaintLetter(
        complaint=complaint,
        kind=kind,
        number=number,
        addressee=addressee[:100],
        issued_on=issued_on,
        issued_by=acting_user,
    )
    letter.file.save(f"{kind}.pdf", ContentFile(pdf), save=False)
    letter.save()
    return letter
