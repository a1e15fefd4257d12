"""Writing to the audit trail: :func:`record` is the only way in."""

from django.db import models, transaction

from gongzhi.accounts.actors import user_of
from gongzhi.core.crypto import mask
from gongzhi.core.inserts import insert_rows

from . import context
from .models import AuditEvent


def _label(actor) -> str:
    if actor is None:
        return "system"
    if hasattr(actor, "key_prefix"):
        return f"api-key:{actor.name}"
    return getattr(actor, "username", "") or str(actor)


def _user_id(actor):
    return getattr(user_of(actor), "pk", None)


def record(*, actor, action: str, obj=None, changes=None, reason: str = "", region_code: str = "",
           object_type: str = "", object_id: str = "", object_repr: str = "") -> AuditEvent:
    """Append one audit event. Must run inside the caller's transaction.

    ``region_code`` places the event in the region tree so that leaders see the
    trail of their own area only; by default it is taken from ``obj`` when the
    object knows its region (``audit_region_code``).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside the transaction of the change it records")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        if not region_code:
            region_code = getattr(obj, "audit_region_code", "") or ""
    ctx = context.current()
    return AuditEvent.objects.create(
        actor_id=_user_id(actor),
        actor_label=_label(actor)[:150],
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        changes=changes or {},
        reason=reason or "",
        client_ip=ctx.client_ip,
        request_id=ctx.request_id,
        region_code=region_code or "",
    )


def record_many(*, actor, action: str, entries: list[dict]) -> int:
    """Append one audit event per entry, as :func:`record` would, with one multi-row INSERT.

    Each entry holds the keyword arguments of :func:`record` but ``actor`` and
    ``action`` (``obj``, ``changes``, ``object_repr``, …). For a bulk write of
    the same action (a batch of an import); must run inside its transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many() must run inside the transaction of the changes it records")
    ctx = context.current()
    actor_id, label = _user_id(actor), _label(actor)[:150]
    rows = []
    for entry in entries:
        obj = entry.get("obj")
        object_type, object_id = entry.get("object_type", ""), entry.get("object_id", "")
        object_repr, region_code = entry.get("object_repr", ""), entry.get("region_code", "")
        if obj is not None:
            object_type = object_type or obj._meta.label_lower
            object_id = object_id or str(obj.pk)
            object_repr = object_repr or str(obj)[:200]
            region_code = region_code or getattr(obj, "audit_region_code", "") or ""
        rows.append({"actor_id": actor_id, "actor_label": label, "action": action, "object_type": object_type,
                     "object_id": object_id, "object_repr": object_repr, "changes": entry.get("changes") or {},
                     "reason": entry.get("reason", ""), "client_ip": ctx.client_ip, "request_id": ctx.request_id,
                     "region_code": region_code})
    # One prepared INSERT for them all, without an instance per event (gongzhi.core.inserts); the
    # batch shares one time, as one change does.
    return insert_rows(AuditEvent, rows)


def diff(instance: models.Model, before: dict | None, fields=None) -> dict:
    """A {field: [old, new]} summary of what changed, for ``changes``.

    Personal fields (``personal_data = True``, e.g. encrypted ID numbers and
    phones) appear masked: the trail records that they changed, never the values.
    """
    fields = fields or [f.attname for f in instance._meta.concrete_fields]
    after = {f: getattr(instance, f) for f in fields}
    show = _shower(instance)
    if before is None:
        return {f: [None, show(f, v)] for f, v in after.items() if v not in (None, "")}
    return {f: [show(f, before.get(f)), show(f, v)] for f, v in after.items() if before.get(f) != v}


def _shower(instance: models.Model):
    personal = {f.attname: f for f in instance._meta.concrete_fields if getattr(f, "personal_data", False)}

    def show(attname, value):
        field = personal.get(attname)
        if field is not None and value not in (None, ""):
            return mask(field.kind, str(value))
        return _jsonable(value)

    return show


def snapshot(instance: models.Model, fields=None) -> dict:
    fields = fields or [f.attname for f in instance._meta.concrete_fields]
    return {f: getattr(instance, f) for f in fields}


def _jsonable(value):
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)
