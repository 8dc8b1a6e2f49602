"""What every workflow shares: refusing illegal moves and refusing lost updates."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class TransitionNotAllowed(Exception):
    """A state change the workflow does not allow from the record's current state."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message


class EditConflict(Exception):
    """Someone else changed the record since this user loaded it; nothing was overwritten."""

    message = _("该记录已被他人修改。为避免覆盖他人的修改，本次提交未保存，请刷新页面后重试。")


def bump_version(record: Any, expected: int | None) -> None:
    """Check the version the user saw against the stored one, then count this change.

    Call on a row fetched with select_for_update inside the action's transaction.
    """
    if expected is not None and int(expected) != record.version:
        raise EditConflict
    record.version += 1


def audit(record: Any, acting_user: Any, reason: Any = "") -> None:
    """Name who made the change and why in the history row the next save writes.

    Outside a request (tasks, seeding) the history would otherwise show no one.
    """
    record._history_user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    record._change_reason = str(reason)
