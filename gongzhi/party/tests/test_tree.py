"""The party tree keyed to the region tree, members as registry persons, membership as sensitive data."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongzhi.audit.models import AuditEvent
from gongzhi.audit.reveal import RevealRefused
from gongzhi.party import selectors, services
from gongzhi.party.models import MemberRole, OrgLevel, PartyMember

pytestmark = pytest.mark.django_db


def test_levels_sit_on_their_regions_and_parents(tree, staff, party_tree):
    admin = staff["admin"]
    with pytest.raises(ValidationError) as err:
        services.create_organisation(actor=admin, name="错层支部", level=OrgLevel.BRANCH, region=tree["comm_a"],
                                     parent=party_tree["comm_a"])
    assert "region" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.create_organisation(actor=admin, name="越级支部", level=OrgLevel.BRANCH, region=tree["grid_a2"],
                                     parent=party_tree["working"])
    assert "parent" in err.value.message_dict
    # A branch of grid B1 cannot hang under community A's committee.
    with pytest.raises(ValidationError) as err:
        services.create_organisation(actor=admin, name="光华里支部", level=OrgLevel.BRANCH, region=tree["grid_b1"],
                                     parent=party_tree["comm_a"])
    assert "parent" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.create_organisation(actor=admin, name="无楼小组", level=OrgLevel.GROUP, region=tree["grid_a1"],
                                     parent=party_tree["branch"])
    with pytest.raises(ValidationError) as err:
        services.create_organisation(actor=admin, name="永安里第一网格党支部", level=OrgLevel.BRANCH,
                                     region=tree["grid_a1"], parent=party_tree["comm_a"])
    assert "name" in str(err.value.message_dict) or "__all__" in err.value.message_dict
    assert PartyMember.objects.count() == 0


def test_tree_is_scoped_and_nested(staff, party_tree):
    roots = selectors.tree(staff["admin"])
    assert [node.organisation for node in roots] == [party_tree["working"]]
    community = roots[0].children[0]
    assert community.organisation == party_tree["comm_a"]
    assert community.children[0].children[0].organisation == party_tree["group"]
    # Community staff of A see their committee and what is under it, not B's nor the street's.
    seen = set(selectors.organisations(staff["a"]))
    assert seen == {party_tree["comm_a"], party_tree["branch"], party_tree["group"]}
    assert [n.organisation for n in selectors.tree(staff["a"])] == [party_tree["comm_a"]]


def test_only_staff_with_the_capability_and_area_write(staff, tree, party_tree):
    with pytest.raises(PermissionDenied):
        services.create_organisation(actor=staff["grid_a1"], name="x", level=OrgLevel.BRANCH, region=tree["grid_a2"],
                                     parent=party_tree["comm_a"])
    with pytest.raises(PermissionDenied):
        services.create_organisation(actor=staff["b"], name="x", level=OrgLevel.BRANCH, region=tree["grid_a2"],
                                     parent=party_tree["comm_a"])
    org = services.create_organisation(actor=staff["a"], name="第二网格党支部", level=OrgLevel.BRANCH,
                                       region=tree["grid_a2"], parent=party_tree["comm_a"])
    assert AuditEvent.objects.filter(action="party.organisation.create", object_id=str(org.pk)).exists()


def test_membership_is_sensitive(staff, tree, party_tree, make_person):
    person = make_person(tree["grid_a1"], name="王建国")
    member = services.add_member(actor=staff["a"], person=person, organisation=party_tree["branch"],
                                 role=MemberRole.SECRETARY, joined_party_on="1998-07-01", note="老党员")
    # Encrypted at rest: the column holds no clear text.
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT joined_party_on, note FROM party_partymember WHERE id = %s", [member.pk])
        stored = cursor.fetchone()
    assert "1998" not in stored[0] and "老党员" not in stored[1]
    # Nobody without party.members sees that a membership exists, in any area.
    assert list(selectors.members(staff["grid_a1"])) == []
    assert list(selectors.members(staff["b"])) == []
    # Those with it see it masked; the name's clear text is only in the reveal.
    found = selectors.members(staff["leader"]).get()
    assert found.name_masked == "王**"
    assert "王建国" not in str(found)
    with pytest.raises(PermissionDenied):
        services.reveal_member(actor=staff["leader"], member=member, reason="核实党员身份")
    with pytest.raises(ValidationError):
        services.reveal_member(actor=staff["a"], member=member, reason="")
    assert services.reveal_member(actor=staff["a"], member=member, reason="核实党员身份") == "王建国"
    event = AuditEvent.objects.get(action="party.member.reveal")
    assert event.reason == "核实党员身份" and "王建国" not in event.object_repr
    with pytest.raises(PermissionDenied):
        services.reveal_member(actor=staff["b"], member=member, reason="核实党员身份")


def test_reveal_limits_apply(settings, staff, tree, party_tree, make_person):
    settings.REVEAL_BURST = 1
    member = services.add_member(actor=staff["a"], person=make_person(tree["grid_a1"]),
                                 organisation=party_tree["branch"])
    services.reveal_member(actor=staff["a"], member=member, reason="核实党员身份")
    with pytest.raises(RevealRefused):
        services.reveal_member(actor=staff["a"], member=member, reason="核实党员身份")


def test_one_current_membership_transfer_and_end(staff, tree, party_tree, make_person):
    person = make_person(tree["grid_a1"])
    member = services.add_member(actor=staff["a"], person=person, organisation=party_tree["branch"])
    with pytest.raises(ValidationError):
        services.add_member(actor=staff["a"], person=person, organisation=party_tree["group"])
    moved = services.transfer_member(actor=staff["a"], member=member, organisation=party_tree["group"])
    member.refresh_from_db()
    assert member.left_on is not None and moved.left_on is None and moved.organisation == party_tree["group"]
    with pytest.raises(ValidationError):
        services.dissolve_organisation(actor=staff["a"], organisation=party_tree["group"])
    services.end_membership(actor=staff["a"], member=moved, reason="迁出")
    services.dissolve_organisation(actor=staff["a"], organisation=party_tree["group"])
    with pytest.raises(ValidationError):
        services.add_member(actor=staff["a"], person=person, organisation=party_tree["group"])


def test_writing_membership_needs_the_membership_capability(staff, tree, party_tree, make_person, make_user):
    from gongzhi.accounts.roles import Role
    # A grid worker may not manage; a leader sees members but may not write them.
    for actor in (staff["grid_a1"], staff["leader"]):
        with pytest.raises(PermissionDenied):
            services.add_member(actor=actor, person=make_person(tree["grid_a1"]), organisation=party_tree["branch"])
    assert Role.COMMUNITY_STAFF  # the role that keeps the roll
