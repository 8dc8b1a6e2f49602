"""PDF documents: Chinese text and fonts, page furniture, the static-only fetcher, downloads, numbers."""

from __future__ import annotations

import datetime
import logging
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.urls import reverse
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from supervision.documents import (
    RefusedURL,
    StaticFilesFetcher,
    allocate_document_number,
    pdf_response,
    render_pdf,
    static_base_url,
)
from supervision.models import DocumentSequence
from tests.factories import verify_two_factor

PRINT_CSS = Path(settings.BASE_DIR) / "static/documents/print.css"
PARAGRAPH = (
    "县（市、区）社会保险经办机构每半年向同级人力资源和社会保障行政部门报告经办业务情况，市人社局审核后反馈意见。"
)
# 1x1 transparent PNG.
PIXEL = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

NOTICE = """{% extends "documents/base.html" %}
{% block body %}<div class="indent">{% for n in paragraphs %}<p>第{{ n }}条 {{ paragraph }}</p>{% endfor %}</div>
<p>申请人：{{ applicant }}</p>{% endblock %}
"""

HOSTILE = """{% extends "documents/base.html" %}
{% block styles %}
<link rel="stylesheet" href="http://127.0.0.1:{{ port }}/evil.css">
<link rel="stylesheet" href="https://127.0.0.1:{{ port }}/evil-tls.css">
<link rel="attachment" href="file:///etc/passwd" title="passwd">
<style>
  @import url("http://127.0.0.1:{{ port }}/imported.css");
  @font-face { font-family: "Remote"; src: url("http://127.0.0.1:{{ port }}/font.woff2"); }
  body { background: url("file:///etc/passwd"); }
</style>
{% endblock %}
{% block body %}
<p>正文照常生成。</p>
<img src="http://127.0.0.1:{{ port }}/x.png" alt="">
<img src="file:///etc/passwd" alt="">
<img src="../../../../etc/passwd" alt="">
<iframe src="http://127.0.0.1:{{ port }}/frame"></iframe>
<object data="http://127.0.0.1:{{ port }}/object.svg"></object>
<p>{{ smuggled }}</p>
{% endblock %}
"""


@pytest.fixture
def templates(settings, tmp_path: Path) -> Path:
    """Test-only document templates, found before the project's own."""
    folder = tmp_path / "templates" / "documents" / "tests"
    folder.mkdir(parents=True)
    (folder / "notice.html").write_text(NOTICE, encoding="utf-8")
    (folder / "hostile.html").write_text(HOSTILE, encoding="utf-8")
    (folder / "pixel.html").write_text(
        '{% extends "documents/base.html" %}{% block body %}<img src="' + PIXEL + '" alt="">{% endblock %}',
        encoding="utf-8",
    )
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [tmp_path / "templates", *engine["DIRS"]]}]
    return folder


class _NotFound(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_error(404)

    def log_message(self, format: str, *args: object) -> None:
        pass


class RecordingServer(ThreadingHTTPServer):
    """A real HTTP server on a free local port that remembers every connection made to it."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _NotFound)
        self.connections: list[tuple[str, int]] = []

    def verify_request(self, request: object, client_address: tuple[str, int]) -> bool:
        self.connections.append(client_address)
        return True


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    httpd = RecordingServer()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def run_tool(tmp_path: Path, pdf: bytes, *command: str) -> str:
    """Run a poppler tool on the PDF; "{pdf}" in `command` is the file's path."""
    path = tmp_path / f"document-{len(list(tmp_path.glob('document-*.pdf')))}.pdf"
    path.write_bytes(pdf)
    args = [str(path) if arg == "{pdf}" else arg for arg in command]
    return subprocess.run(args, capture_output=True, check=True, text=True).stdout


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    return run_tool(tmp_path, pdf, "pdftotext", "-enc", "UTF-8", "{pdf}", "-")


def compact(text: str) -> str:
    """pdftotext puts spaces between some CJK runs; compare without any."""
    return re.sub(r"\s+", "", text)


def notice_context(**extra: object) -> dict[str, object]:
    return {
        "title": "关于2026年度双百分考核结果的通报",
        "document_number": "新人社监〔2026〕3号",
        "issuer": "新乡市人力资源和社会保障局",
        "issued_on": datetime.date(2026, 11, 29),
        "verification_code": "7K3Q-9XPA",
        "snapshot_at": datetime.datetime(2026, 11, 29, 2, 30, tzinfo=datetime.UTC),
        "paragraphs": range(1, 25),
        "paragraph": PARAGRAPH,
        "applicant": "张三",
        **extra,
    }


def test_chinese_text_comes_back_and_the_cjk_font_is_embedded_as_a_subset(templates, tmp_path):
    pdf = render_pdf("documents/tests/notice.html", notice_context())

    text = compact(pdf_text(pdf, tmp_path))
    assert "关于2026年度双百分考核结果的通报" in text
    assert "新人社监〔2026〕3号" in text
    assert f"第1条{PARAGRAPH}" in text
    assert "新乡市人力资源和社会保障局" in text
    assert "2026年11月29日" in text

    fonts = run_tool(tmp_path, pdf, "pdffonts", "{pdf}").splitlines()[2:]
    cjk = [line.split() for line in fonts if "Noto-Sans-CJK-SC" in line]
    assert cjk, fonts
    for columns in cjk:
        assert re.fullmatch(r"[A-Z]{6}\+Noto-Sans-CJK-SC.*", columns[0])  # subset tag
        emb, sub = columns[-5], columns[-4]
        assert (emb, sub) == ("yes", "yes")


def test_two_a4_pages_with_header_page_numbers_and_footer_slots_render_fast(templates, tmp_path):
    started = time.perf_counter()
    pdf = render_pdf("documents/tests/notice.html", notice_context())
    elapsed = time.perf_counter() - started
    print(f"2-page Chinese notice: {elapsed:.3f} s, {len(pdf)} bytes")

    info = run_tool(tmp_path, pdf, "pdfinfo", "{pdf}")
    assert re.search(r"^Pages:\s+2$", info, re.MULTILINE)
    assert "Page size:       595.276 x 841.89 pts (A4)" in info
    assert re.search(r"^Title:\s+关于2026年度双百分考核结果的通报$", info, re.MULTILINE)
    text = compact(pdf_text(pdf, tmp_path))
    # The page counters come from static/documents/print.css: this also proves it was fetched.
    assert "第1页共2页" in text
    assert "第2页共2页" in text
    assert text.count("新乡市人力资源和社会保障局") >= 3  # the header on both pages and the signature
    assert text.count("核验码：7K3Q-9XPA") == 2
    assert text.count("数据截至2026-11-2910:30") == 2  # the snapshot moment in Asia/Shanghai
    assert elapsed < 1.5


def test_optional_slots_stay_empty_and_the_issuer_defaults_to_the_portal(templates, tmp_path):
    context = notice_context(paragraphs=range(1, 3))
    for key in ("issuer", "verification_code", "snapshot_at", "issued_on"):
        del context[key]
    text = compact(pdf_text(render_pdf("documents/tests/notice.html", context), tmp_path))
    assert "核验码" not in text
    assert "数据截至" not in text
    assert compact(settings.BUREAU_NAME) in text
    assert "第1页共1页" in text


def test_language_english_translates_the_page_furniture(templates, tmp_path):
    pdf = render_pdf("documents/tests/notice.html", notice_context(), language="en")
    text = pdf_text(pdf, tmp_path)
    assert "Page 1 of 2" in text
    assert "Verification code" in text
    assert "29 November 2026" in text


def test_context_values_are_escaped(templates, tmp_path, server):
    pdf = render_pdf(
        "documents/tests/notice.html",
        notice_context(paragraphs=[], applicant=f'<b>&</b><img src="http://127.0.0.1:{server.server_port}/">'),
    )
    text = pdf_text(pdf, tmp_path)
    assert f'申请人：<b>&</b><img src="http://127.0.0.1:{server.server_port}/">' in text
    assert server.connections == []


def test_a_document_makes_no_network_request_and_reads_no_file(templates, tmp_path, server, caplog):
    port = server.server_port
    with caplog.at_level(logging.WARNING, logger="supervision.documents"):
        pdf = render_pdf(
            "documents/tests/hostile.html", {"title": "恶意模板", "port": port, "smuggled": "file:///etc/passwd"}
        )

    assert server.connections == []
    text = pdf_text(pdf, tmp_path)
    assert "正文照常生成。" in text
    assert "root:" not in text
    assert "root:x:0:0" not in pdf.decode("latin-1")
    assert "0 embedded files" in run_tool(tmp_path, pdf, "pdfdetach", "-list", "{pdf}")
    refused = {record.getMessage().split()[1] for record in caplog.records if record.name == "supervision.documents"}
    assert {
        f"http://127.0.0.1:{port}/evil.css",
        f"https://127.0.0.1:{port}/evil-tls.css",
        f"http://127.0.0.1:{port}/imported.css",
        f"http://127.0.0.1:{port}/x.png",
        "file:///etc/passwd",
    } <= refused
    assert all(record.levelno == logging.WARNING for record in caplog.records if record.name == "supervision.documents")


def test_the_recording_server_does_see_an_unguarded_fetcher(server, monkeypatch):
    """The control for the test above: WeasyPrint's default fetcher would have connected."""
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    html = f'<img src="http://127.0.0.1:{server.server_port}/x.png">'
    HTML(string=html, url_fetcher=URLFetcher(timeout=5)).write_pdf()
    assert server.connections


def test_data_urls_are_allowed(templates, tmp_path):
    pdf = render_pdf("documents/tests/pixel.html", {"title": "图片"})
    images = run_tool(tmp_path, pdf, "pdfimages", "-list", "{pdf}").splitlines()[2:]
    assert len(images) >= 1


def test_the_fetcher_serves_our_static_files():
    fetcher = StaticFilesFetcher()
    for url in (
        f"{static_base_url()}documents/print.css",
        "https://static.invalid/static/documents/print.css?v=2#x",
    ):
        response = fetcher.fetch(url)
        assert response.read() == PRINT_CSS.read_bytes()
        assert response.content_type == "text/css"
        response.close()


def test_the_fetcher_serves_collected_files_from_static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents/print.0123abcd.css").write_text("p { color: red }")
    response = StaticFilesFetcher().fetch(f"{static_base_url()}documents/print.0123abcd.css")
    assert response.read() == b"p { color: red }"


def test_static_files_on_a_cdn_are_read_from_disk_not_fetched(settings, templates, tmp_path, server):
    settings.STATIC_URL = f"http://127.0.0.1:{server.server_port}/static/"
    response = StaticFilesFetcher().fetch(f"http://127.0.0.1:{server.server_port}/static/documents/print.css")
    assert response.read() == PRINT_CSS.read_bytes()
    pdf = render_pdf("documents/tests/notice.html", notice_context(paragraphs=[]))
    assert "第1页共1页" in compact(pdf_text(pdf, tmp_path))  # print.css applied
    assert server.connections == []


@pytest.mark.parametrize(
    "url",
    [
        "https://static.invalid/static/../supervision/settings.py",
        "https://static.invalid/static/%2e%2e/supervision/settings.py",
        "https://static.invalid/static/documents/..%2f..%2f..%2fsupervision%2fsettings.py",
        "https://static.invalid/static/documents/%5c..%5c..%5csupervision%5csettings.py",
        "https://static.invalid/static//etc/passwd",
        "https://static.invalid/static/documents/missing.css",
        "https://static.invalid/supervision/settings.py",
        "https://static.invalid:8443/static/documents/print.css",
        "http://127.0.0.1/",
        "http://127.0.0.1/static/documents/print.css",
        "http://localhost:8000/static/documents/print.css",
        "https://example.cn/static/documents/print.css",
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "ftp://127.0.0.1/x.css",
        "/static/documents/print.css",
    ],
)
def test_the_fetcher_refuses_everything_else(url, caplog):
    with caplog.at_level(logging.WARNING, logger="supervision.documents"), pytest.raises(RefusedURL):
        StaticFilesFetcher().fetch(url)
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert url in caplog.records[0].getMessage()


def _extended_filename(value: str) -> str:
    """The `filename*` parameter decoded as RFC 5987 says (RFC 6266 §4.3: it wins over `filename`)."""
    charset, language, encoded = re.search(r"filename\*=([^']*)'([^']*)'([^;\s]+)", value).groups()
    assert (charset, language) == ("UTF-8", "")
    assert re.fullmatch(r"[A-Za-z0-9!#$&+.^_`|~%-]+", encoded)  # attr-chars and %-escapes only
    return unquote(encoded, encoding="utf-8", errors="strict")


def test_pdf_response_for_a_chinese_filename():
    response = pdf_response(b"%PDF-1.7 test", "新人社监〔2026〕3号 考核结果.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == "13"
    assert "no-store" in response["Cache-Control"]
    assert response.content == b"%PDF-1.7 test"
    disposition = response["Content-Disposition"]
    assert disposition == (
        "attachment; filename=\"2026_3.pdf\"; filename*=UTF-8''"
        "%E6%96%B0%E4%BA%BA%E7%A4%BE%E7%9B%91%E3%80%942026%E3%80%953%E5%8F%B7%20"
        "%E8%80%83%E6%A0%B8%E7%BB%93%E6%9E%9C.pdf"
    )
    assert _extended_filename(disposition) == "新人社监〔2026〕3号 考核结果.pdf"


@pytest.mark.parametrize(
    ("filename", "disposition"),
    [
        ("report-2026.pdf", 'inline; filename="report-2026.pdf"'),
        ("report", 'inline; filename="report.pdf"'),
        ("卫辉市", "inline; filename=\"document.pdf\"; filename*=UTF-8''%E5%8D%AB%E8%BE%89%E5%B8%82.pdf"),
        ("../../etc/passwd", 'inline; filename="etc_passwd.pdf"'),
        (
            'a"b\r\nSet-Cookie: x=1.pdf',
            "inline; filename=\"a_bSet-Cookie_x_1.pdf\"; filename*=UTF-8''a%22bSet-Cookie%3A%20x%3D1.pdf",
        ),
        ("\u202efdp.exe", 'inline; filename="fdp.exe.pdf"'),
        ("", 'inline; filename="document.pdf"'),
    ],
)
def test_pdf_response_cleans_the_filename(filename, disposition):
    value = pdf_response(b"%PDF", filename, inline=True)["Content-Disposition"]
    assert value == disposition
    assert "\r" not in value and "\n" not in value


@pytest.mark.django_db
def test_document_numbers_are_sequential_per_prefix_and_year():
    assert allocate_document_number("新人社监", 2026) == "新人社监〔2026〕1号"
    assert allocate_document_number("新人社监", 2026) == "新人社监〔2026〕2号"
    assert allocate_document_number(" 新人社监 ", 2027) == "新人社监〔2027〕1号"
    assert allocate_document_number("新人社函", 2026) == "新人社函〔2026〕1号"
    assert allocate_document_number("新人社监", 2026) == "新人社监〔2026〕3号"
    with pytest.raises(ValueError):
        allocate_document_number("  ", 2026)


@pytest.mark.django_db
def test_a_rolled_back_document_gives_its_number_back():
    allocate_document_number("新人社监", 2026)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert allocate_document_number("新人社监", 2026) == "新人社监〔2026〕2号"
        raise RuntimeError("the document could not be saved")
    assert allocate_document_number("新人社监", 2026) == "新人社监〔2026〕2号"


@pytest.mark.django_db(transaction=True)
def test_concurrent_transactions_get_every_number_exactly_once():
    threads, per_thread = 4, 10
    start = threading.Barrier(threads)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def allocate() -> None:
        try:
            start.wait()  # all threads race for the first number, before the sequence row exists
            for _ in range(per_thread):
                with transaction.atomic():
                    numbers.append(allocate_document_number("新人社监", 2026))
                    time.sleep(0.001)  # hold the lock a moment so that the others queue on it
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=allocate) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    expected = [f"新人社监〔2026〕{n}号" for n in range(1, threads * per_thread + 1)]
    assert sorted(numbers, key=lambda text: int(re.search(r"(\d+)号", text)[1])) == expected
    assert DocumentSequence.objects.get(prefix="新人社监", year=2026).last_number == threads * per_thread


@pytest.fixture
def superuser_client(client):
    verify_two_factor(client, User.objects.create_superuser("root", password="root-password-123"))
    return client


@pytest.mark.django_db
def test_a_document_sequence_cannot_be_turned_back_in_the_admin(superuser_client):
    allocate_document_number("新人社监", 2026)
    allocate_document_number("新人社监", 2026)
    sequence = DocumentSequence.objects.get()
    url = reverse("admin:supervision_documentsequence_change", args=[sequence.pk])
    response = superuser_client.post(url, {"prefix": "新人社监", "year": "2026", "last_number": "1"})
    assert response.status_code == 200
    assert "不能调小" in response.content.decode()
    response = superuser_client.post(url, {"prefix": "新人社监", "year": "2026", "last_number": "57"})
    assert response.status_code == 302
    assert allocate_document_number("新人社监", 2026) == "新人社监〔2026〕58号"
