"""第十二条（四）、第十五条: publication of fund-inspection results, and nothing else, to the public."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.urls import reverse

from supervision.actions import oversight as actions
from supervision.models import Disclosure
from supervision.personal_data import find_personal_data, is_resident_id, passes_luhn
from supervision.views.disclosure import TOKEN_SLOT, cache_stamp, list_cache_key, page_cache_key
from tests.factories import AgencyFactory, DivisionFactory, verify_two_factor
from tests.oversight.factories import conclude, open_inspection, publish

pytestmark = pytest.mark.django_db


def resident_id(first17: str = "41078119850312001") -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]
    return first17 + check


def bank_card(first15: str = "622202123456789") -> str:
    for digit in "0123456789":
        if passes_luhn(first15 + digit):
            return first15 + digit
    raise AssertionError


ID_NUMBER = resident_id()
MOBILE = "13912345678"
CARD = bank_card()


class TestPersonalDataCheck:
    def test_the_three_kinds_are_recognised(self):
        assert is_resident_id(ID_NUMBER) and passes_luhn(CARD)
        assert [m.kind for m in find_personal_data(f"身份证号{ID_NUMBER}")] == ["id_number"]
        assert [m.kind for m in find_personal_data(f"联系电话：{MOBILE}。")] == ["mobile"]
        assert [m.kind for m in find_personal_data("电话 139-1234-5678 或 +86 139 1234 5678")] == ["mobile", "mobile"]
        assert [m.kind for m in find_personal_data(f"退回至卡号{CARD}")] == ["bank_card"]
        grouped = " ".join(CARD[i : i + 4] for i in range(0, 16, 4))
        assert [m.kind for m in find_personal_data(f"卡号 {grouped}")] == ["bank_card"]

    def test_ordinary_figures_are_not_personal_data(self):
        wrong_check = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
        assert not is_resident_id(wrong_check)
        text = (
            "新人社监〔2026〕3号：划拨12,000元；2026年1月15日；20260115；报表编号410781202601150001；"
            "参保人数152300人；电话0373-3021234。"
        )
        assert find_personal_data(text) == []

    def test_the_message_names_what_was_found_without_repeating_it(self):
        with pytest.raises(ValidationError) as refused:
            from supervision.personal_data import validate_no_personal_data

            validate_no_personal_data(f"举报人{MOBILE}，身份证{ID_NUMBER}")
        message = refused.value.messages[0]
        assert "手机号码" in message and "居民身份证号码" in message
        assert MOBILE not in message and ID_NUMBER not in message


@pytest.fixture
def concluded(org, inspector):
    inspection = open_inspection(inspector, [org.weihui], title="卫辉市基金专项检查（内部名称）")
    return conclude(inspection, inspector, conclusion="内部结论：赵会计口头同意划拨。")


@pytest.fixture
def published(concluded, approver):
    return publish(concluded, approver, title="卫辉市社会保险基金专项检查结果", summary="发现问题1项，已责令改正。")


@pytest.fixture
def unpublished(org, inspector):
    inspection = open_inspection(inspector, [org.huixian], title="辉县市检查")
    conclude(inspection, inspector)
    return inspection


class TestPublishing:
    @pytest.mark.parametrize(
        ("text", "kind"),
        [
            (f"身份证号码{ID_NUMBER}", "居民身份证号码"),
            (f"联系电话{MOBILE}", "手机号码"),
            (f"银行卡{CARD}", "银行卡号"),
        ],
    )
    def test_personal_data_is_refused_with_a_clear_message_and_nothing_written(
        self, client, concluded, approver, text, kind
    ):
        client.force_login(approver)
        response = client.post(
            reverse("oversight:inspection_publish", args=[concluded.pk]),
            {"title": "检查结果", "summary": f"经查，{text}的参保人待遇重复发放。"},
        )
        assert response.status_code == 400
        body = response.content.decode()
        assert "公开内容不得含有个人信息" in body and kind in body
        assert not Disclosure.objects.exists()

    def test_the_action_refuses_personal_data_too(self, concluded, approver):
        with pytest.raises(ValidationError):
            publish(concluded, approver, summary=f"手机{MOBILE}")
        assert not Disclosure.objects.exists()

    def test_the_approver_publishes_through_the_page(self, client, concluded, approver):
        client.force_login(approver)
        body = client.get(reverse("oversight:inspection_detail", args=[concluded.pk])).content.decode()
        assert "批准公开" in body
        url = reverse("oversight:inspection_publish", args=[concluded.pk])
        assert client.get(url).status_code == 405
        response = client.post(url, {"title": "检查结果", "summary": "发现问题1项。"})
        assert response.status_code == 302
        disclosure = Disclosure.objects.get()
        assert (disclosure.status, disclosure.published_by, disclosure.agencies_text) == (
            Disclosure.Status.PUBLISHED,
            approver,
            "卫辉市社会保险中心",
        )
        assert disclosure.public_id != str(disclosure.pk) and len(disclosure.public_id) >= 16

    def test_publishing_needs_the_right_and_a_concluded_inspection(
        self, client, org, concluded, inspector, head_weihui, approver
    ):
        for user in (inspector, head_weihui):
            client.force_login(user)
            response = client.post(
                reverse("oversight:inspection_publish", args=[concluded.pk]), {"title": "x", "summary": "y"}
            )
            assert response.status_code == 403
            with pytest.raises(PermissionDenied):
                publish(concluded, user)
        running = open_inspection(inspector, [org.weihui], title="进行中")
        with pytest.raises(PermissionDenied):
            publish(running, approver)
        assert not Disclosure.objects.exists()

    def test_withdraw_and_republish_keep_one_public_identifier(self, client, published, approver):
        public_id = published.public_id
        client.force_login(approver)
        url = reverse("oversight:inspection_withdraw", args=[published.inspection_id])
        assert client.post(url, {"reason": "", "version": published.version}).status_code == 400
        assert client.post(url, {"reason": "摘要需修订", "version": published.version}).status_code == 302
        published.refresh_from_db()
        assert published.status == Disclosure.Status.WITHDRAWN
        publish(published.inspection, approver, summary="修订后的摘要。")
        published.refresh_from_db()
        assert (published.status, published.public_id, published.summary) == (
            Disclosure.Status.PUBLISHED,
            public_id,
            "修订后的摘要。",
        )
        assert published.history.count() == 3


class TestTheAnonymousPublic:
    def test_published_results_are_listed_found_and_downloaded(self, client, published):
        body = client.get(reverse("disclosure:list")).content.decode()
        assert published.title in body
        assert published.title in client.get(reverse("disclosure:list"), {"q": "专项检查"}).content.decode()
        detail = client.get(reverse("disclosure:detail", args=[published.public_id]))
        assert detail.status_code == 200 and "发现问题1项，已责令改正。" in detail.content.decode()

        response = client.get(reverse("disclosure:csv"))
        assert response["Content-Type"].startswith("text/csv")
        assert response.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][:2] == ["公开编号", "标题"]
        assert rows[1][0] == published.public_id and rows[1][1] == published.title

        data = json.loads(client.get(reverse("disclosure:json")).content)
        assert data["count"] == 1 and data["results"][0]["id"] == published.public_id
        assert data["results"][0]["counties"] == ["卫辉市"]

    def test_unpublished_results_are_never_reachable(self, client, published, unpublished, approver):
        publish(unpublished, approver, title="辉县市检查结果", summary="辉县市摘要")
        withdrawn = Disclosure.objects.get(inspection=unpublished)
        actions.disclosure_withdraw(withdrawn, acting_user=approver, reason="有误")

        assert client.get(reverse("disclosure:detail", args=[withdrawn.public_id])).status_code == 404
        for guess in (str(withdrawn.pk), str(unpublished.pk), str(published.pk), "aaaaaaaaaaaaaaaa"):
            assert client.get(f"/disclosure/{guess}/").status_code == 404
        for url, params in [
            (reverse("disclosure:list"), {}),
            (reverse("disclosure:list"), {"q": "辉县"}),
            (reverse("disclosure:list"), {"county": unpublished.agencies.get().division_id}),
            (reverse("disclosure:csv"), {}),
            (reverse("disclosure:csv"), {"q": "辉县"}),
            (reverse("disclosure:json"), {}),
        ]:
            body = client.get(url, params).content.decode("utf-8-sig")
            assert "辉县市检查" not in body and withdrawn.public_id not in body, url
        response = client.get(reverse("oversight:inspection_detail", args=[unpublished.pk]))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

    def test_only_the_approved_text_reaches_the_public(self, client, published):
        for url in (
            reverse("disclosure:list"),
            reverse("disclosure:detail", args=[published.public_id]),
            reverse("disclosure:csv"),
            reverse("disclosure:json"),
        ):
            body = client.get(url).content.decode("utf-8-sig")
            assert "内部结论" not in body and "内部名称" not in body and "赵会计" not in body, url

    def test_filters_by_year_and_county(self, client, org, published, inspector, approver):
        other = open_inspection(inspector, [org.hongqi], title="红旗区检查")
        conclude(other, inspector)
        publish(other, approver, title="红旗区检查结果", summary="未发现问题。")
        by_county = client.get(reverse("disclosure:list"), {"county": org.hongqi.division_id}).content.decode()
        assert "红旗区检查结果" in by_county and published.title not in by_county
        year = published.year
        assert published.title in client.get(reverse("disclosure:list"), {"year": year}).content.decode()
        rows = client.get(reverse("disclosure:csv"), {"county": org.hongqi.division_id}).content.decode("utf-8-sig")
        assert "红旗区检查结果" in rows and published.title not in rows

    def test_the_public_portal_links_here(self, client, org):
        body = client.get(reverse("public:home")).content.decode()
        assert "社会保险基金监督检查结果公开" in body and reverse("disclosure:list") in body

    def test_wrong_method(self, client, published):
        assert client.post(reverse("disclosure:list")).status_code == 405
        assert client.post(reverse("disclosure:detail", args=[published.public_id])).status_code == 405


def visit(rf, url):
    request = rf.get(url)
    request.user = AnonymousUser()
    return request


class TestCache:
    def test_the_list_is_cached_and_publication_and_withdrawal_invalidate_it(
        self, client, rf, concluded, unpublished, approver
    ):
        cache.clear()
        disclosure = publish(concluded, approver)
        client.get(reverse("disclosure:list"))
        request = rf.get(reverse("disclosure:list"))
        assert cache.get(list_cache_key(request)) is not None

        publish(unpublished, approver, title="辉县市检查结果", summary="辉县市摘要")
        assert "辉县市检查结果" in client.get(reverse("disclosure:list")).content.decode()
        actions.disclosure_withdraw(disclosure, acting_user=approver, reason="需修订")
        assert disclosure.title not in client.get(reverse("disclosure:list")).content.decode()

    def test_a_cached_page_costs_one_query_and_keeps_the_search_form(
        self, client, concluded, approver, django_assert_num_queries
    ):
        cache.clear()
        disclosure = publish(concluded, approver)
        url = reverse("disclosure:list")
        client.get(url, {"year": disclosure.year})
        with django_assert_num_queries(1):  # the stamp; the form's choices come from the cache too
            body = client.get(url, {"year": disclosure.year}).content.decode()
        assert disclosure.title in body
        assert f'<option value="{disclosure.year}" selected>' in body
        assert 'name="county"' in body and 'name="q"' in body

    def test_the_public_get_the_whole_page_from_the_cache_each_with_their_own_working_token(
        self, rf, published, django_assert_num_queries
    ):
        cache.clear()
        url = reverse("disclosure:list") + "?year=" + str(published.year)
        Client().get(url)
        assert cache.get(page_cache_key(visit(rf, url), cache_stamp())) is not None
        visitors = [Client(enforce_csrf_checks=True) for _ in range(2)]
        with django_assert_num_queries(2):  # the stamp, once a visit: no list, no form choices
            bodies = [visitor.get(url).content.decode() for visitor in visitors]
        tokens = [body.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0] for body in bodies]
        assert tokens[0] != tokens[1] and all(TOKEN_SLOT not in body for body in bodies)
        assert all(
            published.title in body and f'"X-CSRFToken": "{token}"' in body
            for body, token in zip(bodies, tokens, strict=True)
        )
        for visitor, token in zip(visitors, tokens, strict=True):  # the language switch on the cached page works
            response = visitor.post(
                reverse("set_language"), {"language": "en", "next": url, "csrfmiddlewaretoken": token}
            )
            assert response.status_code == 302

    def test_signed_in_staff_and_made_up_parameters_are_not_served_the_cached_page(
        self, client, rf, published, inspector
    ):
        cache.clear()
        url = reverse("disclosure:list")
        client.get(url)
        client.force_login(inspector)
        body = client.get(url).content.decode()
        assert 'data-testid="user-menu"' in body and "工作人员登录" not in body
        client.logout()
        for query in ("?utm_source=x", "?year=2025&year=2026"):
            assert published.title in client.get(url + query).content.decode()
            assert page_cache_key(visit(rf, url + query), cache_stamp()) is None
        assert page_cache_key(visit(rf, url + "?year=2025&page=2"), cache_stamp()) is not None

    def test_the_page_is_served_when_the_cache_is_down(self, client, published):
        dead = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
                "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
            }
        }
        with override_settings(CACHES=dead):
            response = client.get(reverse("disclosure:list"))
        assert response.status_code == 200 and published.title in response.content.decode()


def test_public_list_query_count_does_not_grow(client, org, inspector, approver, django_assert_max_num_queries):
    def one(agency, index):
        inspection = open_inspection(inspector, [agency], title=f"检查{index}")
        conclude(inspection, inspector)
        publish(inspection, approver, title=f"结果{index}")

    one(org.weihui, 0)
    url = reverse("disclosure:list")
    cache.clear()
    with django_assert_max_num_queries(12) as small:
        client.get(url, {"q": "结果"})
    for index in range(1, 16):
        one(AgencyFactory(division=DivisionFactory(city=org.city)), index)
    cache.clear()
    with django_assert_max_num_queries(12) as large:
        assert client.get(url, {"q": "结果"}).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


def test_withdrawal_needs_the_publishing_right(client, published, inspector, head_weihui):
    url = reverse("oversight:inspection_withdraw", args=[published.inspection_id])
    for user in (inspector, head_weihui):
        client.force_login(user)
        assert client.post(url, {"reason": "x", "version": published.version}).status_code == 403
    client.logout()
    assert client.post(url, {"reason": "x"}).status_code == 302  # to the sign-in page
    published.refresh_from_db()
    assert published.status == Disclosure.Status.PUBLISHED


def test_what_the_public_reads_is_not_changed_in_the_admin(client, published, admin_user):
    verify_two_factor(client, admin_user)
    url = reverse("admin:supervision_disclosure_change", args=[published.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="summary"' not in page.content.decode()
    assert client.post(url, {"title": "改过的标题", "summary": f"身份证{ID_NUMBER}"}).status_code == 403
    assert Disclosure.objects.get(pk=published.pk).title == published.title
