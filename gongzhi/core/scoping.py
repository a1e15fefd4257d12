"""Area scoping: the ONE way a query is narrowed to what an actor may see.

Every region-bound model declares how it is reached from the region tree with
a :class:`ScopeSpec` as its ``scoping`` class attribute, e.g.::

    class Dwelling(models.Model):
        scoping = ScopeSpec(region="grid__code")

Region codes carry the tree (``docs/ARCHITECTURE.md``): a subtree is a code
prefix, so narrowing to a street office is one indexed ``startswith``, never a
walk of the tree. An actor (a user or an API key) exposes a :class:`Scope`
through its ``scope`` attribute. Views, the API, the admin and exports all call
:func:`scope_queryset` / :func:`ensure_in_scope`; nothing filters by area any
other way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ScopeSpec:
    """How rows of a model relate to an actor's scope.

    region: lookup path from the model to a region code (``"code"`` on Region
            itself, ``"grid__code"`` for things in a grid).
    unit:   lookup path to the id of the government unit responsible for it, or a
            tuple of paths when several units take part (a case's lead unit,
            its assisting units, the departments summoned by a whistle). Paths
            after the first may cross many-valued relations; they are matched
            through a subquery so rows are never duplicated.
    owner:  lookup path to the id of the user who owns it (e.g. a resident's
            own request), visible to that user whatever their area.
    view:   the capability an actor needs to see the rows of its area and
            units (``"cases.view"`` for cases and what hangs off them). Without
            it the actor sees only the rows it owns. None: the area suffices.
    public: a function giving the ``Q`` of the rows that are published (居务公开):
            the only rows an anonymous visitor of the public pages sees, and
            only inside the area the visitor looks at (:meth:`Scope.public`).
            None: nothing of the model is ever public.
    """

    region: str | None = None
    unit: str | tuple[str, ...] | None = None
    owner: str | None = None
    view: str | None = None
    public: Callable[[], Q] | None = None

    @property
    def unit_paths(self) -> tuple[str, ...]:
        if not self.unit:
            return ()
        return (self.unit,) if isinstance(self.unit, str) else tuple(self.unit)


@dataclass(frozen=True)
class Scope:
    """What an actor may see: everything, a region subtree, units, own rows.

    ``capabilities`` are the actor's (``None`` for an unrestricted actor: all
    of them); a model whose ``ScopeSpec`` names a ``view`` capability the
    scope lacks shows only the actor's own rows (:meth:`for_spec`). Users and
    API keys build their scope with ``gongzhi.accounts.placement.placed_scope``.
    """

    unrestricted: bool = False
    region_prefixes: tuple[str, ...] = ()
    unit_ids: frozenset[int] = field(default_factory=frozenset)
    user_id: int | None = None
    capabilities: frozenset[str] | None = field(default_factory=frozenset)
    published_only: bool = False  # the anonymous visitor: published rows of the region prefixes only

    @classmethod
    def nothing(cls) -> Scope:
        return cls()

    @classmethod
    def public(cls, region_prefixes: tuple[str, ...]) -> Scope:
        """The anonymous visitor of the public pages of an area: only what is published there."""
        return cls(region_prefixes=tuple(region_prefixes), published_only=True)

    @classmethod
    def everything(cls) -> Scope:
        return cls(unrestricted=True, capabilities=None)

    def allows(self, capability: str | None) -> bool:
        """True when ``capability`` is None or held by this scope's actor."""
        return capability is None or self.capabilities is None or capability in self.capabilities

    def for_spec(self, spec: ScopeSpec | None) -> Scope:
        """This scope as it applies to rows declared by ``spec``: own rows only without its ``view``."""
        if spec is None or self.allows(spec.view):
            return self
        return Scope(user_id=self.user_id, capabilities=self.capabilities)

    def covers_code(self, code: str | None) -> bool:
        """True when a region code lies inside this scope's region subtrees."""
        if self.unrestricted:
            return True
        if not code or self.published_only:  # the public visitor reads published rows, never an area
            return False
        return any(code.startswith(prefix) for prefix in self.region_prefixes)


def scope_of(actor) -> Scope:
    """The scope of a user, an API key, the anonymous visitor of a public page, or nobody."""
    scope = getattr(actor, "scope", None)
    if isinstance(scope, Scope) and scope.published_only:
        return scope
    if actor is None or not getattr(actor, "is_authenticated", True):
        return Scope.nothing()
    scope = getattr(actor, "scope", None)
    return scope if isinstance(scope, Scope) else Scope.nothing()


def scope_q(model, scope: Scope) -> Q | None:
    """A Q object selecting the rows of ``model`` inside ``scope``.

    Returns None for "no restriction". Returns an always-false Q when the
    actor has nothing in common with the model (e.g. a department-only user
    and a model that has no unit).
    """
    spec: ScopeSpec | None = getattr(model, "scoping", None)
    if spec is None and not scope.unrestricted:
        raise TypeError(f"{model.__name__} declares no `scoping`; it cannot be scoped")
    if scope.published_only:
        if spec is None or spec.public is None or not spec.region or not scope.region_prefixes:
            return Q(pk__in=[])
        area = Q(pk__in=[])
        for prefix in scope.region_prefixes:
            area |= Q(**{f"{spec.region}__startswith": prefix})
        return area & spec.public()
    scope = scope.for_spec(spec)
    if scope.unrestricted:
        return None
    condition = Q(pk__in=[])
    if spec.region and scope.region_prefixes:
        for prefix in scope.region_prefixes:
            condition |= Q(**{f"{spec.region}__startswith": prefix})
    if spec.unit_paths and scope.unit_ids:
        units = sorted(scope.unit_ids)
        direct, *many_valued = spec.unit_paths
        condition |= Q(**{f"{direct}__in": units})
        for path in many_valued:
            matching = model._default_manager.filter(**{f"{path}__in": units}).values("pk")
            condition |= Q(pk__in=matching)
    if spec.owner and scope.user_id is not None:
        condition |= Q(**{spec.owner: scope.user_id})
    return condition


def scope_queryset(queryset: QuerySet, actor) -> QuerySet:
    """Narrow ``queryset`` to the rows ``actor`` may see."""
    condition = scope_q(queryset.model, scope_of(actor))
    return queryset if condition is None else queryset.filter(condition)


def ensure_in_scope(obj, actor) -> None:
    """Raise PermissionDenied unless ``obj`` lies in ``actor``'s scope.

    Used by every write path before it changes a row, and for objects that a
    caller names by id (a parent region, a target unit).
    """
    scope = scope_of(actor)
    if scope.unrestricted:
        return
    model = type(obj)
    if not scope_queryset(model._default_manager.filter(pk=obj.pk), actor).exists():
        raise PermissionDenied(_("This is outside your area."))


def ensure_code_in_scope(code: str, actor) -> None:
    """Raise PermissionDenied unless the region ``code`` lies in the actor's area."""
    if not scope_of(actor).covers_code(code):
        raise PermissionDenied(_("This is outside your area."))
