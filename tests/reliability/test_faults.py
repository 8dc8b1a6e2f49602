"""Faults survived, with the real parts really stopped or broken (ISSUE: reliability)."""

from __future__ import annotations

import datetime
import email
import signal
import socketserver
import threading
import time
from typing import Any

import pytest
from celery import Celery
from django.db import connection

from supervision.models import Finding, Notification
from supervision.models.findings import local_today
from tests.servers import free_port

PASSWORD = "fault-test-password-1"


@pytest.fixture
def real_passwords(settings):
    """The server process checks passwords with the production hasher, so store them that way."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

    def _set(*users):
        for user in users:
            user.set_password(PASSWORD)
            user.email = f"{user.username}@example.cn"
            user.save()

    return _set


def finding_form(agency_id: int, title: str) -> dict[str, str]:
    return {
        "agency": str(agency_id),
        "source": "other",
        "article": "第八条（四）",
        "severity": "minor",
        "title": title,
        "description": "现场检查发现。",
        "deadline": (local_today() + datetime.timedelta(days=20)).isoformat(),
    }


def beat_task(redis_server, name: str) -> Any:
    """What beat does, from the test: run a task by name on the test's own Redis and return its result.

    Not the current app: a current app pointing at this Redis would be used by every later test's
    tasks (shared tasks follow the current app) and wait for a server that has gone. The result's
    subscription is dropped while this Redis still answers, so that collecting it later stays quiet.
    """
    app = Celery(broker=redis_server.url, backend=redis_server.url, set_as_current=False)
    result = app.send_task(name)
    try:
        return result.get(timeout=60)
    finally:
        app.backend.remove_pending_result(result)
        consumer = app.backend.result_consumer
        consumer.stop()
        consumer._pubsub = None  # nothing left to unsubscribe from once this Redis is gone
        app.close()


def test_next_request_succeeds_after_the_database_dropped_every_connection(
    start_portal, real_passwords, org, head_weihui
):
    real_passwords(head_weihui)
    portal = start_portal()
    client = portal.client()
    client.sign_in("head_weihui", PASSWORD)
    assert client.request("/dashboard/")[0] == 200

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1  # the server's persistent connection was among them

    status, body, _ = client.request("/dashboard/")
    assert status == 200 and "我的工作" in body


def test_with_redis_stopped_pages_serve_and_records_are_kept_then_mail_goes_out_when_it_returns(
    start_portal, start_worker, redis_server, real_passwords, org, inspector, head_weihui
):
    real_passwords(inspector, head_weihui)
    portal = start_portal(REDIS_URL=redis_server.url)
    client = portal.client()
    client.sign_in("inspector", PASSWORD)
    assert client.request("/findings/")[0] == 200

    redis_server.stop()
    assert client.request("/")[0] == 200
    assert client.request("/dashboard/")[0] == 200
    status, _, _ = client.post("/findings/new/", finding_form(org.weihui.pk, "Redis 停止时登记的问题"))
    assert status == 302, portal.log.read_text()[-2000:]
    finding = Finding.objects.get(title="Redis 停止时登记的问题")
    waiting = Notification.objects.filter(title__contains=finding.title, emailed_at__isnull=True)
    assert waiting.exists()

    redis_server.start()
    start_worker("--pool", "solo", REDIS_URL=redis_server.url)
    assert beat_task(redis_server, "supervision.tasks.retry_unsent_mail_task") >= 1
    assert not Notification.objects.filter(pk__in=waiting.values("pk"), emailed_at__isnull=True).exists()


class SmtpSink(socketserver.ThreadingTCPServer):
    """A mail server of the test's own that keeps every message it is given (a few lines of SMTP)."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port: int) -> None:
        self.messages: list[bytes] = []
        super().__init__(("127.0.0.1", port), SmtpHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 sink ESMTP")
        while line := self.rfile.readline():
            command = line.strip().upper()
            if command == b"DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                self.server.messages.append(b"".join(iter(self.rfile.readline, b".\r\n")))
                self.reply("250 kept")
            elif command == b"QUIT":
                self.reply("221 bye")
                return
            else:  # EHLO, MAIL FROM, RCPT TO, RSET, NOOP
                self.reply("250 ok")


def test_a_failing_mail_server_loses_nothing_and_the_beat_retry_delivers_once_it_answers(
    start_portal, start_worker, redis_server, real_passwords, org, inspector, head_weihui
):
    real_passwords(inspector, head_weihui)
    mail_port = free_port()  # nothing listens there yet: every delivery is refused
    env = {"REDIS_URL": redis_server.url, "EMAIL_URL": f"smtp://127.0.0.1:{mail_port}"}
    portal = start_portal(**env)
    start_worker("--pool", "solo", **env)
    client = portal.client()
    client.sign_in("inspector", PASSWORD)
    status, _, _ = client.post("/findings/new/", finding_form(org.weihui.pk, "邮件服务器故障时登记的问题"))
    assert status == 302
    notification = Notification.objects.get(recipient=head_weihui, title__contains="邮件服务器故障时登记的问题")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not notification.mail_attempts:
        time.sleep(0.2)
        notification.refresh_from_db()
    assert notification.mail_attempts == 1 and notification.mail_error and notification.emailed_at is None

    sink = SmtpSink(mail_port)
    try:
        # The back-off after the first failure (five minutes) has passed.
        Notification.objects.filter(pk=notification.pk).update(
            mail_last_attempt_at=notification.mail_last_attempt_at - datetime.timedelta(minutes=6)
        )
        assert beat_task(redis_server, "supervision.tasks.retry_unsent_mail_task") >= 1
        assert beat_task(redis_server, "supervision.tasks.retry_unsent_mail_task") == 0
    finally:
        sink.shutdown()
        sink.server_close()
    notification.refresh_from_db()
    assert notification.emailed_at is not None and notification.mail_error == ""
    [message] = [m for m in sink.messages if b"head_weihui@example.cn" in m]
    body = email.message_from_bytes(message).get_payload(decode=True).decode()
    assert notification.url and notification.url in body


# ---------------------------------------------------------------------------------------------
# The January report run (第四条) on real worker processes that are killed or doubled.

COUNTIES = ["新乡县", "获嘉县", "原阳县"]


@pytest.fixture
def confirmed_year(org, admin_user, assessor, team_member):
    """2026 with six counties, every one confirmed (scored through the actions, as users would)."""
    from assessment import actions
    from supervision.models import Division
    from tests.assessment.factories import confirmed, open_year
    from tests.conftest import _county

    for index, name in enumerate(COUNTIES):
        _county(org.city, name, Division.Kind.COUNTY, f"4107{index + 20}")
    year = open_year(admin_user, org.city, 2026)
    team = actions.team_create(year, acting_user=assessor, name="全市考核组", leader=team_member, members=[team_member])
    assessments = list(year.assessments.select_related("agency"))
    actions.team_set_counties(team, assessments, acting_user=assessor)
    for index, assessment in enumerate(assessments):
        confirmed(assessment, assessor, team_member, basic=5 + index % 4, target=4 + index % 5)
    return year


def wait_until(condition, timeout: float = 120, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(message or "condition not met in time")


def press_generate(client, year) -> tuple[int, str, float]:
    """Press 立即生成 on the reports page; the status, the page it leads to and how long the press took."""
    token = client.csrf(f"/assessment/{year.year}/reports/")
    started = time.monotonic()
    status, _, headers = client.request(f"/assessment/{year.year}/reports/generate/", {"csrfmiddlewaretoken": token})
    elapsed = time.monotonic() - started
    assert status == 302, status
    _, page, _ = client.request(headers["Location"].replace(client.base, ""))
    return status, page, elapsed


def assert_one_current_version_per_county(year) -> None:
    from assessment.models import Report, ReportRunEntry

    counties = year.assessments.count()
    per_county = list(Report.objects.filter(year=year, kind=Report.Kind.COUNTY).values_list("assessment_id", "version"))
    assert len(per_county) == counties, sorted(per_county)  # one version each: nothing rendered twice
    assert {version for _, version in per_county} == {1}
    assert Report.objects.filter(year=year, kind=Report.Kind.SUMMARY).count() == 1
    assert Report.objects.filter(year=year).latest_per_subject().count() == counties + 1
    assert set(ReportRunEntry.objects.filter(run__year=year).values_list("status", flat=True)) == {"done"}


@pytest.fixture
def report_portal(start_portal, start_worker, redis_server, real_passwords, tmp_path, assessor):
    """The portal and its workers on the test's own Redis, writing reports under a temporary MEDIA_ROOT."""
    real_passwords(assessor)
    env = {"REDIS_URL": redis_server.url, "MEDIA_ROOT": str(tmp_path / "media")}
    portal = start_portal(**env)
    client = portal.client()
    client.sign_in("assessor", PASSWORD)

    def worker(*options: str):
        return start_worker("--pool", "solo", *options, **env)

    return portal, client, worker


def test_a_worker_killed_in_the_middle_of_the_report_run_then_the_rerun_gives_one_version_per_county(
    report_portal, confirmed_year
):
    from assessment.models import Report, ReportRun

    portal, client, worker = report_portal
    first = worker()
    press_generate(client, confirmed_year)
    rendered = Report.objects.filter(kind=Report.Kind.COUNTY)
    wait_until(lambda: rendered.count() >= 2, message=f"no reports rendered: {portal.log.read_text()[-1500:]}")
    first.send_signal(signal.SIGKILL)  # mid-render: the task in hand is neither acknowledged nor finished
    first.wait(10)
    run = ReportRun.objects.get()
    assert run.finished_at is None and rendered.count() < confirmed_year.assessments.count()

    worker()
    _, page, _ = press_generate(client, confirmed_year)  # the rerun resumes the unfinished run
    assert "已开始生成考核报告" in page
    wait_until(lambda: ReportRun.objects.filter(finished_at__isnull=False).exists(), message="the rerun never finished")
    assert ReportRun.objects.count() == 1
    assert_one_current_version_per_county(confirmed_year)


def test_two_workers_running_the_same_run_queued_twice_give_one_version_per_county(report_portal, confirmed_year):
    from assessment.models import ReportRun

    _, client, worker = report_portal
    worker()
    worker()
    press_generate(client, confirmed_year)
    press_generate(client, confirmed_year)  # every county queued a second time while the first pass runs
    wait_until(lambda: ReportRun.objects.filter(finished_at__isnull=False).exists(), message="the run never finished")
    assert ReportRun.objects.count() == 1
    assert_one_current_version_per_county(confirmed_year)
    done = Notification.objects.filter(title__contains="考核报告已生成")
    wait_until(done.exists, timeout=30, message="the requester was not told")  # right after finished_at
    time.sleep(1)
    assert done.count() == 1


def test_with_redis_stopped_the_generate_button_says_so_and_the_run_proceeds_when_redis_returns(
    report_portal, redis_server, confirmed_year
):
    from assessment.models import ReportRun

    _, client, worker = report_portal
    redis_server.stop()
    _, page, elapsed = press_generate(client, confirmed_year)
    assert "任务队列暂时不可用" in page and "队列恢复后将自动开始生成" in page
    assert "等待任务队列恢复" in page
    assert elapsed < 15  # a clear answer, not a hang
    run = ReportRun.objects.get()
    assert run.queued_at is None and run.entries.count() == confirmed_year.assessments.count() + 1

    redis_server.start()
    worker()
    assert beat_task(redis_server, "assessment.tasks.queue_unqueued_report_runs_task") == [run.pk]
    wait_until(lambda: ReportRun.objects.filter(finished_at__isnull=False).exists(), message="the run never finished")
    assert_one_current_version_per_county(confirmed_year)
