"""Contact history rules: follow-ups and attendance."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aiq_contacts import history
from aiq_shared.errors import Unprocessable

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_a_follow_up_is_about_an_organisation_or_a_person() -> None:
    history.require_subject("o", None)
    history.require_subject(None, "p")
    with pytest.raises(Unprocessable):
        history.require_subject(None, None)


def test_marking_done_twice_keeps_the_first_time() -> None:
    follow_up = history.FollowUp(id="f", kind="school_ag", title="AG", created_at=NOW)
    done = history.mark_done(follow_up, NOW)
    assert done.status == "done" and done.done_at == NOW
    assert history.mark_done(done, datetime(2027, 1, 1, tzinfo=UTC)).done_at == NOW


def test_a_late_registration_does_not_undo_a_check_in_or_no_show() -> None:
    assert history.attendance_after(None, "registered") == "registered"
    assert history.attendance_after("registered", "checked_in") == "checked_in"
    assert history.attendance_after("checked_in", "registered") == "checked_in"
    assert history.attendance_after("no_show", "registered") == "no_show"
    assert history.attendance_after("no_show", "checked_in") == "checked_in"
