"""Client cards (客户资料卡, R-ROTA-08, R-ROTA-14): a salesperson registers a client and owns it; a
mobile number is a mainland mobile number, unique per project ("该手机号已登记,客户属于…"); only a
supervisor names or changes the owner, on the timeline; phones are masked for roles without
personal data (R-GEN-09); search by name, pinyin initials, phone digits and number; the pages
call the card by the project's name for it; failed requests change nothing."""

from __future__ import annotations

import pytest
from django.utils.translation import gettext as _

from propdesk.core import access
from propdesk.core.errors import Forbidden, NotFound, ValidationFailed
from propdesk.core.models import TimelineEvent
from propdesk.core.tests.factories import StaffFactory
from propdesk.reception.models import ClientCard
from propdesk.reception.services import cards
from propdesk.reception.tests.floor import at, place

CARD = {"name": "王大明", "salutation": "mr", "mobile": "138 0013 8000", "party_size": 2}
TAKEN = "This mobile number is already registered; the client belongs to {owner}"


@pytest.fixture
def sales(centre, floor):
    """Two salespeople (X1 张伟 and 李娜), the gate (L1, no personal data) and a supervisor."""
    li = place(StaffFactory(name="李娜", company=centre.company), centre, "X1", "salesperson")
    return {"zhang": floor["X1"], "li": li, "gate": floor["L1"]}


def _card(actor, centre, **data):
    return cards.create_card(actor=actor, project_id=centre.pk, data={**CARD, **data}, now=at(0))


def test_r_rota_14_a_salesperson_registers_a_client_and_owns_it(centre, sales):
    card = _card(sales["zhang"], centre)
    assert card.number == "VIP-2026-000001"
    assert (card.owner, card.registered_by, card.mobile) == (
        sales["zhang"],
        sales["zhang"],
        "13800138000",
    )
    assert (card.name_pinyin, card.name_initials) == ("wangdaming", "wdm")
    assert TimelineEvent.objects.filter(object_id=str(card.pk), action="client_card.created")


def test_r_rota_08_the_same_mobile_is_refused_naming_the_owner(centre, sales):
    _card(sales["zhang"], centre)
    with pytest.raises(ValidationFailed) as caught:
        _card(sales["li"], centre, name="王先生", mobile="+86 13800138000")
    assert caught.value.fields == {"mobile": [_(TAKEN).format(owner="张伟")]}
    assert "张伟" in caught.value.fields["mobile"][0]
    assert ClientCard.objects.count() == 1


def test_r_rota_08_the_same_mobile_is_free_in_another_project(centre, other_centre, sales):
    _card(sales["zhang"], centre)
    place(sales["zhang"], other_centre, "X1", "salesperson")
    access.forget(sales["zhang"])
    assert _card(sales["zhang"], other_centre).project == other_centre


def test_field_errors_in_chinese_all_at_once_and_nothing_saved(centre, sales):
    with pytest.raises(ValidationFailed) as caught:
        _card(sales["zhang"], centre, name="", mobile="12345", party_size=0, salutation="x")
    assert caught.value.fields == {
        "name": [_("This field is required")],
        "mobile": [_("Enter an 11-digit mainland mobile number, e.g. 13800138000")],
        "party_size": [_("Enter a value of at least {ge}").format(ge=1)],
        "salutation": [_("Choose a salutation")],
    }
    with pytest.raises(ValidationFailed) as caught:
        _card(sales["zhang"], centre, mobile="")
    assert caught.value.fields == {"mobile": [_("This field is required")]}
    assert not ClientCard.objects.exists()
    assert not TimelineEvent.objects.filter(action__startswith="client_card").exists()


def test_only_a_supervisor_names_another_owner(centre, sales, supervisor):
    with pytest.raises(Forbidden):
        cards.create_card(
            actor=sales["zhang"], project_id=centre.pk, data=CARD, owner_id=sales["li"].pk
        )
    card = cards.create_card(
        actor=supervisor, project_id=centre.pk, data=CARD, owner_id=sales["li"].pk
    )
    assert (card.owner, card.registered_by) == (sales["li"], supervisor)
    # the owner must be a salesperson of the project
    with pytest.raises(ValidationFailed) as caught:
        cards.create_card(
            actor=supervisor,
            project_id=centre.pk,
            data={**CARD, "mobile": "13900139000"},
            owner_id=StaffFactory(company=centre.company).pk,
        )
    assert list(caught.value.fields) == ["owner"]


def test_r_rota_08_reassigning_the_owner_is_a_supervisor_action_on_the_timeline(
    centre, sales, supervisor
):
    card = _card(sales["zhang"], centre)
    with pytest.raises(Forbidden):
        cards.reassign_owner(actor=sales["zhang"], card_id=card.pk, owner_id=sales["li"].pk)
    card.refresh_from_db()
    assert card.owner == sales["zhang"]
    cards.reassign_owner(
        actor=supervisor, card_id=card.pk, owner_id=sales["li"].pk, note="张伟离职"
    )
    card.refresh_from_db()
    assert card.owner == sales["li"]
    event = TimelineEvent.objects.get(object_id=str(card.pk), action="client_card.owner_changed")
    assert (event.data["changes"]["owner"], event.note, event.actor) == (
        ["张伟", "李娜"],
        "张伟离职",
        supervisor,
    )


def test_edit_by_the_owner_keeps_the_phone_masked_in_the_history(centre, sales, supervisor):
    card = _card(sales["zhang"], centre)
    with pytest.raises(Forbidden):
        cards.update_card(actor=sales["li"], card_id=card.pk, data={"note": "x"})
    cards.update_card(
        actor=sales["zhang"], card_id=card.pk, data={"mobile": "13900139000", "name": "王小明"}
    )
    card.refresh_from_db()
    assert (card.mobile, card.name_initials) == ("13900139000", "wxm")
    event = TimelineEvent.objects.get(object_id=str(card.pk), action="client_card.updated")
    assert event.data["changes"]["mobile"] == ["138****8000", "139****9000"]
    # a second card cannot take the first card's number
    other = _card(sales["li"], centre, mobile="13700137000")
    with pytest.raises(ValidationFailed) as caught:
        cards.update_card(actor=sales["li"], card_id=other.pk, data={"mobile": "13900139000"})
    assert caught.value.fields["mobile"] == [_(TAKEN).format(owner="张伟")]
    other.refresh_from_db()
    assert other.mobile == "13700137000"


def test_cards_of_another_project_are_not_found(centre, other_centre, sales):
    outsider = place(StaffFactory(company=centre.company), other_centre, "X1", "salesperson")
    card = _card(sales["zhang"], centre)
    with pytest.raises(NotFound):
        cards.update_card(actor=outsider, card_id=card.pk, data={"note": "x"})
    with pytest.raises(NotFound):
        cards.get_card_for(outsider, card.pk)


def test_search_by_name_pinyin_initials_phone_digits_and_number(centre, sales):
    wang = _card(sales["zhang"], centre)
    _card(sales["zhang"], centre, name="李四", mobile="13911112222")

    def found(q: str) -> list[str]:
        filters = cards.CardFilters(project=centre.pk, q=q)
        return [c.name for c in cards.list_cards(sales["gate"], filters)]

    assert found("王大") == ["王大明"]
    assert found("wdm") == ["王大明"]
    assert found("lis") == ["李四"]
    assert found("8000") == ["王大明"]
    assert found(wang.number) == ["王大明"]
    assert sorted(found("")) == ["李四", "王大明"]


def test_r_gen_09_the_gate_sees_masked_phones_on_the_pages(client, centre, sales):
    card = _card(sales["zhang"], centre)
    client.force_login(sales["gate"].user)
    listing = client.get("/reception/cards/").content.decode()
    detail = client.get(f"/reception/cards/{card.pk}/").content.decode()
    for page in (listing, detail):
        assert "138****8000" in page
        assert "13800138000" not in page
    client.force_login(sales["zhang"].user)
    assert "13800138000" in client.get(f"/reception/cards/{card.pk}/").content.decode()


def test_the_pages_call_the_card_by_the_projects_name(client, centre, sales):
    client.force_login(sales["zhang"].user)
    assert "《加州1885VIP资料卡》" in client.get("/reception/cards/new/").content.decode()
    centre.params = {**(centre.params or {}), "reception.card_name": "贵宾登记卡"}
    centre.save()
    page = client.get("/reception/cards/new/").content.decode()
    assert "《贵宾登记卡》" in page


def test_the_form_shows_the_field_error_beside_the_mobile_and_saves_nothing(client, centre, sales):
    _card(sales["zhang"], centre)
    client.force_login(sales["li"].user)
    response = client.post(
        "/reception/cards/new/",
        {"name": "王", "salutation": "mr", "mobile": "13800138000", "party_size": 1},
    )
    assert response.status_code == 422
    assert _(TAKEN).format(owner="张伟") in response.content.decode()
    assert ClientCard.objects.count() == 1
    ok = client.post(
        "/reception/cards/new/",
        {"name": "赵", "salutation": "ms", "mobile": "13500135000", "party_size": 1},
    )
    assert ok.status_code == 302
    assert ClientCard.objects.get(mobile="13500135000").owner == sales["li"]


def test_the_card_list_costs_a_fixed_number_of_queries(
    client, centre, sales, django_assert_max_num_queries
):
    for i in range(15):
        _card(sales["zhang"], centre, name=f"客户{i}", mobile=f"1380000{i:04d}")
    client.force_login(sales["gate"].user)
    with django_assert_max_num_queries(12):
        assert client.get("/reception/cards/?q=").status_code == 200
