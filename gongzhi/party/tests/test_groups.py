"""Community social organisations: the registry's organisations, incubated here up to formal registration."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from gongzhi.party import services
from gongzhi.party.models import IncubationStage
from gongzhi.registry.models import OrganisationKind

pytestmark = pytest.mark.django_db


def test_incubation_from_informal_group_to_registration(tree, staff, party_tree, make_unit, make_person):
    team = make_unit(tree["grid_a1"], name="永安里舞蹈队", kind=OrganisationKind.SOCIAL_ORGANISATION,
                     social_type="culture_sports", registration="informal")
    with pytest.raises(ValidationError):
        services.start_incubation(actor=staff["a"], organisation=make_unit(tree["grid_a1"]))
    incubation = services.start_incubation(actor=staff["a"], organisation=team, sponsor=party_tree["branch"],
                                           plan="一年内完成备案", started_on=date(2026, 1, 5))
    with pytest.raises(ValidationError):
        services.start_incubation(actor=staff["a"], organisation=team)
    leader = services.add_group_member(actor=staff["a"], organisation=team, person=make_person(tree["grid_a1"]),
                                       role="leader", joined_on=date(2026, 1, 5))
    assert str(leader).startswith("党*")
    with pytest.raises(ValidationError):
        services.add_group_member(actor=staff["a"], organisation=team, person=leader.person)
    services.record_group_activity(actor=staff["a"], organisation=team, title="广场舞展演", on=date(2026, 3, 8),
                                   participants=40)
    with pytest.raises(ValidationError):
        services.record_group_activity(actor=staff["a"], organisation=team, title="x", on=date(2026, 3, 8),
                                       participants=-1)
    services.record_support(actor=staff["a"], incubation=incubation, kind="venue", provider="社区党群服务中心")
    services.record_support(actor=staff["a"], incubation=incubation, kind="funds", provider="街道", amount="3000")
    with pytest.raises(ValidationError):
        services.record_support(actor=staff["a"], incubation=incubation, kind="funds", provider="街道", amount="-1")
    services.register_formally(actor=staff["a"], incubation=incubation, registration="filed", on=date(2026, 6, 1))
    team.refresh_from_db()
    assert team.registration == "filed" and incubation.support.count() == 2
    with pytest.raises(ValidationError) as err:
        services.register_formally(actor=staff["a"], incubation=incubation, registration="registered",
                                   on=date(2026, 9, 1))
    assert "credit_code" in err.value.message_dict
    incubation = services.register_formally(actor=staff["a"], incubation=incubation, registration="registered",
                                             on=date(2026, 9, 1), credit_code="91350100M000100Y43")
    team.refresh_from_db()
    assert incubation.stage == IncubationStage.REGISTERED and team.registration == "registered"
    assert team.registered_on == date(2026, 9, 1)
    with pytest.raises(ValidationError):
        services.record_support(actor=staff["a"], incubation=incubation, kind="venue", provider="x")
