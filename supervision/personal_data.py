"""Find personal data in text meant for the public (第十五条: published results carry no personal data).

Three kinds are recognised, each with its own check digit so that ordinary figures (amounts,
document numbers, dates) are not mistaken for them:

- resident identity card numbers (居民身份证号码, GB 11643-1999): 17 digits and a check character
  (0-9 or X) computed with ISO 7064 MOD 11-2;
- mainland mobile numbers: 11 digits starting 13-19, optionally after +86, possibly grouped
  3-4-4 with spaces or hyphens;
- bank card numbers (银行卡号): 16 to 19 digits, possibly grouped in fours, passing the Luhn check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# Digits not glued to other digits or letters: "账号6222…" still matches, "ABC123…" does not.
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[-\s]?)?(1[3-9]\d[-\s]?\d{4}[-\s]?\d{4})(?![0-9A-Za-z])")
_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{4}(?:[-\s]?\d{4}){3}(?:[-\s]?\d{1,3})?)(?![0-9A-Za-z])")


@dataclass(frozen=True)
class PersonalDataMatch:
    kind: str
    text: str
    start: int

    @property
    def masked(self) -> str:
        digits = re.sub(r"[-\s+]", "", self.text)
        if len(digits) <= 7:
            return "*" * len(digits)
        return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self.kind])


KIND_LABELS = {
    "id_number": gettext_lazy("居民身份证号码"),
    "mobile": gettext_lazy("手机号码"),
    "bank_card": gettext_lazy("银行卡号"),
}


def is_resident_id(value: str) -> bool:
    """GB 11643-1999: the 18th character is the MOD 11-2 check of the first 17 digits."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11] == value[17].upper()


def passes_luhn(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def find_personal_data(text: str) -> list[PersonalDataMatch]:
    """Every resident ID, mobile and bank card number in `text`, in order of appearance."""
    found: list[PersonalDataMatch] = []
    taken: list[range] = []

    def add(kind: str, match: re.Match[str], group: int = 1) -> None:
        span = range(match.start(group), match.end(group))
        if any(span.start < other.stop and other.start < span.stop for other in taken):
            return
        taken.append(span)
        found.append(PersonalDataMatch(kind, match.group(group), match.start(group)))

    for match in _ID.finditer(text):
        if is_resident_id(match.group(1)):
            add("id_number", match)
    for match in _CARD.finditer(text):
        digits = re.sub(r"[-\s]", "", match.group(1))
        if 16 <= len(digits) <= 19 and passes_luhn(digits):
            add("bank_card", match)
    for match in _MOBILE.finditer(text):
        add("mobile", match)
    return sorted(found, key=lambda item: item.start)


def personal_data_message(matches: list[PersonalDataMatch]) -> str:
    items = "；".join(f"{match.label} {match.masked}" for match in matches)
    return _("公开内容不得含有个人信息，请删除或改写后再提交。发现：%(items)s。") % {"items": items}


def validate_no_personal_data(text: str) -> None:
    """Form and action validator: refuse text that names a person by ID, phone or bank card."""
    matches = find_personal_data(text or "")
    if matches:
        raise ValidationError(personal_data_message(matches), code="personal_data")
