"""Users and API keys get their scope from one recipe (placement.placed_scope), and rows whose
ScopeSpec names a ``view`` capability are seen only with it (#11 item 3).

Every model declaring ``view=`` is covered through the scoping proof's factories, so a model
that later declares one is checked without touching this file.
"""

import pytest
from django.apps import apps

from gongzhi.accounts import services
from gongzhi.accounts.actors import command_actor
from gongzhi.accounts.models import User
from gongzhi.accounts.roles import CAPABILITIES, STAFF_ROLES, Role
from gongzhi.core.scoping import Scope, ScopeSpec, scope_q, scope_queryset

from .test_scoping_proof import FACTORIES

VIEW_GATED = sorted((m for m in apps.get_models() if getattr(getattr(m, "scoping", None), "view", None)),
                    key=lambda m: m._meta.label)


def key_of(unit, *capabilities):
    return services.create_api_key(actor=command_actor("test"), name="k", unit=unit,
                                   capabilities=list(capabilities))[0]


def test_staff_roles_read_cases_and_residents_only_their_own():
    assert all("cases.view" in CAPABILITIES[role] for role in STAFF_ROLES)
    assert "cases.view" not in CAPABILITIES[Role.RESIDENT]
    assert VIEW_GATED, "cases declare ScopeSpec(view='cases.view')"


@pytest.mark.django_db
def test_a_key_and_a_staff_member_of_its_unit_have_the_same_area(units, tree):
    staff = User.objects.create(username="cs", role=Role.COMMUNITY_STAFF, region=tree["comm_a"],
                                unit=units["committee_a"])
    key = key_of(units["committee_a"], "cases.view")
    assert (key.scope.region_prefixes, key.scope.unit_ids) == (staff.scope.region_prefixes, staff.scope.unit_ids)
    clerk = User.objects.create(username="cg", role=Role.DEPARTMENT, unit=units["chengguan"])
    dept_key = key_of(units["chengguan"])
    assert dept_key.scope.region_prefixes == clerk.scope.region_prefixes == ()
    assert dept_key.scope.unit_ids == clerk.scope.unit_ids == {units["chengguan"].pk}
    assert not dept_key.scope.covers_code(tree["grid_a1"].code)


@pytest.mark.django_db
@pytest.mark.parametrize("model", VIEW_GATED, ids=lambda m: m._meta.label)
def test_rows_needing_a_view_capability_are_hidden_from_a_key_without_it(model, units, tree):
    spec: ScopeSpec = model.scoping
    row = FACTORIES[model](tree["grid_a1"], 7001)
    without = key_of(units["committee_a"])
    with_it = key_of(units["committee_a"], spec.view)
    assert not scope_queryset(model.objects.filter(pk=row.pk), without).exists()
    assert scope_queryset(model.objects.filter(pk=row.pk), with_it).exists()


def test_the_view_capability_leaves_own_rows_and_the_unrestricted_alone():
    spec_model = VIEW_GATED[0]
    assert scope_q(spec_model, Scope.everything()) is None
    own = Scope(region_prefixes=("110105",), unit_ids=frozenset({1}), user_id=5)
    assert own.for_spec(spec_model.scoping) == Scope(user_id=5)
    assert own.for_spec(ScopeSpec(region="code")) is own
