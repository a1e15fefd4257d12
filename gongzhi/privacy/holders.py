"""The registry of personal-data holders: which models hold a data subject's personal data.

PIPL gives a resident the right to ask what is held about them, to have it
corrected and, where the law allows, deleted. The answer must come from every
app that stores personal data, so each such app registers here, once, what it
holds and how to find one person's rows. A model with an encrypted field
(:class:`gongzhi.core.crypto.EncryptedTextField`, or any field with
``personal_data = True``) that no holder covers fails
``privacy/tests/test_holders.py``, which names the field.

Registering (from the app's ``AppConfig.ready()``, or a module it imports)::

    from gongzhi.privacy import holders

    holders.register(
        "registry",
        title=_("Base data: persons"),
        models={
            "registry.Person": ("name", "id_number", "phone", "note"),
            "registry.PersonCareTag": ("tag", "note"),
        },
        find=find_registry_rows,
    )

    def find_registry_rows(subject: holders.Subject):
        people = Person.objects.filter(subject.match(id_number="id_number_index", phone="phone_index"))
        return [people, PersonCareTag.objects.filter(person__in=people)]

``register(app_label, *, title, models, find, erase=None)``
    ``app_label``: the registering app (one holder per label; registering the
    label again replaces it, so a reloaded ``ready()`` is harmless).
    ``title``: what the answer to the resident calls this data (translatable).
    ``models``: ``{model or "app_label.Model": (field name, ...)}``, the fields of
    each model that hold the subject's personal data (encrypted fields, names,
    addresses, notes about the person, care tags, membership, …). These are what
    the "what is held" answer shows and what erasure clears.
    ``find(subject)``: returns an iterable of querysets, each of a model named in
    ``models``: the subject's rows. It must return nothing for a subject it cannot
    identify; :meth:`Subject.match` builds the usual filter safely (an empty
    number never matches rows whose index is empty).
    ``erase(subject, rows)`` (optional): deletes or anonymises the given rows
    (the output of ``find``) where the law allows, and returns how many rows it
    changed; it keeps what figures count (rows stay, their personal fields go).
    A deletion request is carried out automatically (:func:`erase_all`) only for
    holders that declare ``erase``; the others are listed for the officer to handle.
    ``keep_reason`` (optional, translatable): why the law requires this holder's
    data to be kept in spite of a deletion request (PIPL art. 47: a retention period
    set by law, a statutory duty); shown in the erasure's result instead of erasing.

Reading: :func:`holders` (every registration), :func:`covered_fields`,
:func:`uncovered_fields` (what the test checks), :func:`find_all`
(every holder's rows of one subject, as :class:`Found` items).

This app sits below ``registry`` in the import order, so apps above it import
this module; the holders of ``accounts`` (below ``privacy``) are registered by
``privacy`` itself (``privacy/apps.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet

from gongzhi.core import crypto


@dataclass(frozen=True)
class Subject:
    """The person a request is about, as the request identifies them.

    Any of the identifiers may be empty. ``user_id`` is the subject's own account
    on the platform (a resident who signs in), when known.
    """

    name: str = ""
    id_number: str = ""
    phone: str = ""
    user_id: int | None = None

    def index(self, kind: str) -> str:
        """The blind index of this subject's value of ``kind`` ("id_number" or "phone"); "" when unknown."""
        value = {"id_number": self.id_number, "phone": self.phone}[kind]
        return crypto.blind_index(kind, value) if value else ""

    def match(self, *, id_number: str | None = None, phone: str | None = None, user: str | None = None) -> Q:
        """A filter for the rows of this subject: each argument names the lookup path of a blind index
        (or, for ``user``, of a user foreign key); the rows matching any known identifier.

        Matches nothing when the subject has none of the named identifiers (never every row
        with an empty index).
        """
        q = Q(pk__in=[])
        for kind, path in (("id_number", id_number), ("phone", phone)):
            digest = self.index(kind) if path else ""
            if digest:
                q |= Q(**{path: digest})
        if user and self.user_id:
            q |= Q(**{user: self.user_id})
        return q

    @property
    def is_identified(self) -> bool:
        return bool(self.id_number or self.phone or self.user_id)


@dataclass(frozen=True)
class Holder:
    app_label: str
    title: Any
    models: Mapping[str, tuple[str, ...]]  # "app_label.model_name" (lower case) -> field names
    find: Callable[[Subject], Iterable[QuerySet]]
    erase: Callable[[Subject, Sequence[QuerySet]], int] | None = None
    keep_reason: Any = ""

    def model_fields(self, model) -> tuple[str, ...]:
        return self.models.get(model._meta.label_lower, ())


@dataclass
class Found:
    """Rows of one model that one holder found for a subject."""

    holder: Holder
    model: type[models.Model]
    fields: tuple[str, ...]
    rows: list = field(default_factory=list)


_HOLDERS: dict[str, Holder] = {}


def _label(model) -> str:
    if isinstance(model, str):
        app_label, _dot, name = model.partition(".")
        if not name:
            raise ValueError(f"name a model as 'app_label.Model', not {model!r}")
        return f"{app_label}.{name}".lower()
    return model._meta.label_lower


def register(app_label: str, *, title, models: Mapping, find: Callable, erase: Callable | None = None,
             keep_reason="") -> Holder:
    """Declare what ``app_label`` holds of a data subject and how to find it (see the module docstring)."""
    if not models:
        raise ValueError("a holder names at least one model")
    declared = {}
    for model, fields in models.items():
        if isinstance(fields, str):
            raise ValueError(f"the fields of {model} are a sequence of names, not one string")
        declared[_label(model)] = tuple(fields)
    holder = Holder(app_label=app_label, title=title, models=declared, find=find, erase=erase,
                    keep_reason=keep_reason)
    _HOLDERS[app_label] = holder
    return holder


def unregister(app_label: str) -> None:
    """Remove a holder (for tests)."""
    _HOLDERS.pop(app_label, None)


def holders() -> list[Holder]:
    """Every registered holder, in registration order."""
    return list(_HOLDERS.values())


def covered_fields() -> set[tuple[str, str]]:
    """``(model label, field name)`` of every field some holder declares."""
    return {(label, name) for holder in _HOLDERS.values() for label, names in holder.models.items() for name in names}


def personal_fields(model) -> list[models.Field]:
    """The fields of a model that are personal data by construction (encrypted, ``personal_data = True``)."""
    return [f for f in model._meta.concrete_fields if getattr(f, "personal_data", False)]


def uncovered_fields() -> list[str]:
    """``app_label.Model.field`` of every personal-data field of every installed model no holder declares."""
    covered = covered_fields()
    missing = []
    for model in apps.get_models():
        for f in personal_fields(model):
            if (model._meta.label_lower, f.name) not in covered:
                missing.append(f"{model._meta.label}.{f.name}")
    return sorted(missing)


def declaration_errors() -> list[str]:
    """Declarations that do not name an installed model or one of its fields."""
    errors = []
    for holder in _HOLDERS.values():
        for label, names in holder.models.items():
            try:
                model = apps.get_model(label)
            except (LookupError, ValueError):
                errors.append(f"{holder.app_label}: no model {label}")
                continue
            field_names = {f.name for f in model._meta.get_fields()}
            errors += [f"{holder.app_label}: {label} has no field {name}" for name in names if name not in field_names]
    return errors


def find_all(subject: Subject) -> list[Found]:
    """Every holder's rows of ``subject``: one :class:`Found` per (holder, queryset) with rows."""
    if not subject.is_identified:
        return []
    found = []
    for holder in _HOLDERS.values():
        for queryset in holder.find(subject):
            model = queryset.model
            fields = holder.model_fields(model)
            if not fields:
                raise ValueError(f"holder {holder.app_label} found rows of {model._meta.label}, "
                                 "which it does not declare")
            rows = list(queryset)
            if rows:
                found.append(Found(holder=holder, model=model, fields=fields, rows=rows))
    return found


def blank_value(model_field):
    """What a cleared personal field holds: NULL where allowed, else its default, else ""."""
    if model_field.many_to_many:
        return None
    if model_field.null:
        return None
    if model_field.has_default():
        return model_field.get_default()
    return ""


ERASED, KEPT, BY_HAND = "erased", "kept", "by_hand"


@dataclass
class Erasure:
    """What a deletion request did to one holder's data of the subject."""

    app_label: str
    title: str
    outcome: str  # ERASED, KEPT (the law requires it), BY_HAND (no automatic erasure: the officer handles it)
    rows: int
    reason: str = ""

    def as_dict(self) -> dict:
        return {"app": self.app_label, "title": self.title, "outcome": self.outcome, "rows": self.rows,
                "reason": self.reason}


def erase_all(subject: Subject) -> list[Erasure]:
    """Erase the subject's data from every holder that may and can do it; say what each other holder keeps.

    Runs in the caller's transaction (the deletion request's). A holder holding
    nothing of the subject is left out.
    """
    if not subject.is_identified:
        return []
    results = []
    for holder in _HOLDERS.values():
        querysets = list(holder.find(subject))
        found = sum(queryset.count() for queryset in querysets)
        if not found:
            continue
        if holder.keep_reason:
            results.append(Erasure(holder.app_label, str(holder.title), KEPT, found, str(holder.keep_reason)))
        elif holder.erase is None:
            results.append(Erasure(holder.app_label, str(holder.title), BY_HAND, found))
        else:
            results.append(Erasure(holder.app_label, str(holder.title), ERASED, int(holder.erase(subject, querysets))))
    return results
