"""The routing suggestion from the text (智能分拨): training data, training, activation, suggestion.

- **Labels.** A model learns leaf categories (``leaf``) or first-level ones (``first``); a label is
  the category's code. Trained from a hotline export (``--from-file``), the file's 诉求类别 is the
  label: a category code, leaf name or path (环境保护/噪声扰民) or group name is resolved to the code
  at the model's level; text naming no category of this deployment stays a label of its own (its
  suggestion then names no category and the rules decide the unit).
- **From the deployment's own cases.** Closed cases, each labelled with the category it ended in;
  a case whose dispatch did not follow the suggestion weighs :data:`OVERRIDE_WEIGHT` times, so the
  dispatchers' corrections teach the next model.
- **Evaluation.** A stratified fifth is held back from training; per-class and macro F1 on it are
  stored with the model (:class:`~gongzhi.insights.models.RouterModel`). The model kept is the one
  evaluated.
- **Suggestion.** For a case, the model's category with its confidence and the words that drove it,
  and the unit the routing rules give for that category at the case's place
  (:func:`gongzhi.cases.routing.route`, asked about the case as if it were of the suggested
  category). When there is no active model, the model is unsure (confidence below
  ``settings.INSIGHTS_ROUTER_MIN_CONFIDENCE``) or its label names no category, the suggestion is
  the routing rules' for the case as filed. A suggestion changes nothing: the case keeps its
  category (so the intake counts are untouched) until a person decides.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from gongzhi.accounts.actors import user_of
from gongzhi.accounts.roles import require
from gongzhi.audit.services import record
from gongzhi.cases.catalogue import CATEGORIES
from gongzhi.cases.models import Action, Case, CaseEvent, CaseState, Category
from gongzhi.cases.routing import route
from gongzhi.cases.taxonomy import CATCH_ALL_NAME
from gongzhi.core.snapshots import Snapshot

from . import textmodel
from .models import Level, RouterModel, Source

log = logging.getLogger("gongzhi.insights.router")

OVERRIDE_WEIGHT = 2.0
MIN_EXAMPLES = 20


# --- labels ------------------------------------------------------------------------------------

class Labels:
    """Category codes and names, and the resolution of a label as written to a code at a level."""

    def __init__(self):
        self.categories = {c.pk: c for c in Category.objects.all()}
        self.by_code = {c.code: c for c in self.categories.values()}
        self.by_path = {}
        by_name: dict[str, list[Category]] = {}
        for c in self.categories.values():
            by_name.setdefault(c.name, []).append(c)
            self.by_path[self.path(c)] = c
        # A name shared by several categories (其他) names the first-level one, if exactly one is.
        self.by_name = {}
        for name, found in by_name.items():
            roots = [c for c in found if c.parent_id is None]
            if len(found) == 1 or len(roots) == 1:
                self.by_name[name] = found[0] if len(found) == 1 else roots[0]

    def _parent(self, c: Category):
        return self.categories.get(c.parent_id) if c.parent_id else None

    def path(self, c: Category) -> str:
        names, node, seen = [], c, set()
        while node is not None and node.pk not in seen:
            names.append(node.name)
            seen.add(node.pk)
            node = self._parent(node)
        return "/".join(reversed(names))

    def root(self, c: Category) -> Category:
        node, seen = c, set()
        while node.parent_id and node.pk not in seen:
            seen.add(node.pk)
            node = self._parent(node) or node
        return node

    def of_category(self, c: Category, level: str) -> str:
        return self.root(c).code if level == Level.FIRST else c.code

    def of_id(self, category_id: int, level: str) -> str:
        return self.of_category(self.categories[category_id], level)

    def resolve(self, text: str, level: str) -> str:
        """The label of a 诉求类别 cell: a category code at ``level``, else the text itself
        (its first segment for first-level labels)."""
        text = (text or "").strip()
        path = text.replace(" ", "").replace("／", "/").replace(">", "/").replace("-", "/")
        found = self.by_code.get(text) or self.by_path.get(path) or self.by_name.get(text)
        if found is None and "/" in path:
            head = path.split("/")[0]
            found = self.by_path.get(head) if level == Level.FIRST else None
            if found is None:
                return head if level == Level.FIRST else path
        if found is None:
            return text
        return self.of_category(found, level)

    def name(self, label: str) -> str:
        c = self.by_code.get(label)
        return self.path(c) if c is not None else label


# --- training data ---------------------------------------------------------------------------------

@dataclass
class Examples:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    overrides: int = 0

    def add(self, text: str, label: str, weight: float = 1.0):
        if text.strip() and label:
            self.texts.append(text)
            self.labels.append(label)
            self.weights.append(weight)


def overridden_case_ids() -> set[int]:
    """Cases whose dispatch did not follow the routing suggestion (recorded by the dispatch)."""
    return set(CaseEvent.objects.filter(action=Action.DISPATCH, payload__suggestion__followed=False)
               .values_list("case_id", flat=True))


def examples_from_cases(level: str, labels: Labels, limit: int | None = None) -> Examples:
    limit = limit or settings.INSIGHTS_ROUTER_MAX_EXAMPLES
    overridden = overridden_case_ids()
    rows = (Case.objects.filter(state=CaseState.CLOSED).order_by("-id")
            .values_list("id", "title", "description", "category_id")[:limit])
    examples = Examples()
    for case_id, title, description, category_id in rows.iterator(chunk_size=2000):
        weight = OVERRIDE_WEIGHT if case_id in overridden else 1.0
        examples.overrides += case_id in overridden
        examples.add(textmodel.case_text(title, description), labels.of_id(category_id, level), weight)
    return examples


def examples_from_file(data: bytes, filename: str, level: str, labels: Labels) -> Examples:
    """The labelled rows of a hotline export (诉求类别 as the label; 标题 and 诉求内容 as the text)."""
    from gongzhi.cases.importing import read_rows
    from gongzhi.core.tabular import cell_text

    headers, rows = read_rows(data, filename)
    missing = [h for key, h in (("category", "诉求类别"), ("description", "诉求内容")) if key not in headers]
    if missing:
        raise ValidationError({"file": _("The file has no column %(columns)s.") % {"columns": "、".join(missing)}})
    examples = Examples()
    for _number, cells in rows:
        label = cell_text(cells.get("category"))
        if label:
            examples.add(textmodel.case_text(cell_text(cells.get("title")), cell_text(cells.get("description"))),
                         labels.resolve(label, level))
    return examples


# --- training and activation ---------------------------------------------------------------------

def train_router(*, actor, level: str = Level.LEAF, data: bytes | None = None, filename: str = "",
                 activate: str = "better", limit: int | None = None) -> RouterModel:
    """Train a new model version from the closed cases or, with ``data``, a labelled hotline export.

    ``activate``: ``"always"``, ``"never"``, or ``"better"`` (the default: when no model is active,
    or the new one's macro-F1 is at least the active one's). Audited as ``insights.router.train``.
    """
    require(actor, "insights.train")
    if level not in Level.values:
        raise ValidationError({"level": _("Choose the leaf or first-level categories.")})
    labels = Labels()
    if data is not None:
        examples = examples_from_file(data, filename, level, labels)
    else:
        examples = examples_from_cases(level, labels, limit)
    if len(examples.texts) < MIN_EXAMPLES or len(set(examples.labels)) < 2:
        raise ValidationError({"__all__": _(
            "Too few labelled examples to train on: %(n)d in %(k)d categories (at least %(min)d in two or more "
            "categories are needed).") % {"n": len(examples.texts), "k": len(set(examples.labels)),
                                          "min": MIN_EXAMPLES}})
    trained = textmodel.train(examples.texts, examples.labels, weights=examples.weights)
    with transaction.atomic():
        version = (RouterModel.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0) + 1
        current = RouterModel.objects.select_for_update().filter(is_active=True).first()
        make_active = activate == "always" or (activate == "better" and (
            current is None or trained.evaluation.macro_f1 >= current.macro_f1))
        model = RouterModel(
            version=version, created_by=user_of(actor), actor_label=str(actor)[:150],
            source=Source.FILE if data is not None else Source.CASES, source_name=(filename or "")[:200],
            level=level, labels={label: labels.name(label) for label in trained.model.labels},
            train_count=trained.train_count, test_count=trained.test_count,
            macro_f1=trained.evaluation.macro_f1, accuracy=trained.evaluation.accuracy,
            per_class=trained.evaluation.per_class, overrides_used=examples.overrides,
            training_seconds=round(trained.seconds, 2), artefact=trained.model.to_bytes(), is_active=False)
        model.save()
        if make_active:
            _activate(model, current)
        record(actor=actor, action="insights.router.train", obj=model, changes={
            "version": version, "level": level, "source": model.source, "file": model.source_name,
            "examples": len(examples.texts), "macro_f1": model.macro_f1, "active": make_active})
    return model


def _activate(model: RouterModel, current: RouterModel | None) -> None:
    if current is not None and current.pk != model.pk:
        RouterModel.objects.filter(pk=current.pk).update(is_active=False)
    RouterModel.objects.filter(pk=model.pk).update(is_active=True)
    model.is_active = True
    ACTIVE.invalidate()
    transaction.on_commit(ACTIVE.invalidate)


def activate_router(*, actor, model: RouterModel) -> RouterModel:
    """Make ``model`` the one suggestions come from (going back to an earlier version, too)."""
    require(actor, "insights.train")
    with transaction.atomic():
        current = RouterModel.objects.select_for_update().filter(is_active=True).first()
        _activate(model, current)
        record(actor=actor, action="insights.router.activate", obj=model,
               changes={"version": model.version, "previous": current.version if current else None})
    return model


def deactivate_router(*, actor) -> None:
    """No model: suggestions come from the routing rules alone."""
    require(actor, "insights.train")
    with transaction.atomic():
        current = RouterModel.objects.select_for_update().filter(is_active=True).first()
        if current is None:
            return
        RouterModel.objects.filter(pk=current.pk).update(is_active=False)
        record(actor=actor, action="insights.router.deactivate", obj=current, changes={"version": current.version})
        transaction.on_commit(ACTIVE.invalidate)
    ACTIVE.invalidate()


def retrain_periodic() -> RouterModel | None:
    """The scheduled retraining: from the closed cases, kept active only when not worse."""
    from gongzhi.accounts.actors import command_actor

    current = RouterModel.objects.filter(is_active=True).only("level").first()
    try:
        return train_router(actor=command_actor("train_router"), level=current.level if current else Level.LEAF)
    except ValidationError:
        return None  # too few closed cases yet


# --- the active model, kept in the process -------------------------------------------------------------

def _load_active():
    row = RouterModel.objects.filter(is_active=True).values("pk", "version", "level", "labels").first()
    return row or {}


ACTIVE = Snapshot("insights.router", _load_active, models=(RouterModel,))


@lru_cache(maxsize=2)
def _model(pk: int) -> textmodel.TextModel:
    artefact = RouterModel.objects.filter(pk=pk).values_list("artefact", flat=True).first()
    return textmodel.TextModel.from_bytes(artefact)


def active_model() -> tuple[dict, textmodel.TextModel | None]:
    row = ACTIVE.get()
    if not row:
        return {}, None
    return row, _model(row["pk"])


# --- suggestion ------------------------------------------------------------------------------------------

@dataclass
class Suggestion:
    source: str  # "model": from the text; "rules": the routing rules for the case as filed
    unit: str | None  # unit code
    unit_name: str
    category: str | None  # category code the text suggests (None: the rules' answer is for the filed one)
    category_name: str
    confidence: float | None
    words: list[str]
    explanation: str
    model_version: int | None = None
    alternatives: list[dict] = field(default_factory=list)
    label: str = ""

    def as_dict(self) -> dict:
        return asdict(self)

    def for_event(self) -> dict:
        """What a dispatch records of the suggestion it was shown (no alternatives)."""
        return {"source": self.source, "unit": self.unit, "unit_name": self.unit_name, "category": self.category,
                "category_name": self.category_name,
                "confidence": None if self.confidence is None else round(self.confidence, 4),
                "percent": None if self.confidence is None else round(self.confidence * 100),
                "model_version": self.model_version, "words": self.words[:5], "explanation": self.explanation}


def suggestion_for_dispatch(case: Case) -> dict | None:
    """The suggester registered with the cases app (:func:`gongzhi.cases.routing.register_suggester`).

    A fault of the model (a damaged archive) is logged and leaves the rules to decide: a
    suggestion must never stop a dispatch.
    """
    try:
        return suggest(case).for_event()
    except Exception:  # noqa: BLE001 — logged; the dispatch goes on with the rules
        log.exception("routing suggestion failed for case %s", case.pk)
        return None


def suggest_text(title: str, description: str) -> textmodel.Prediction | None:
    """The active model's raw prediction for a text (None without a model)."""
    _row, model = active_model()
    if model is None:
        return None
    return model.predict(textmodel.case_text(title, description))


def _rules(case: Case, why: str, prediction=None, row=None) -> Suggestion:
    decision = route(case)
    return Suggestion(
        source="rules", unit=decision.unit.code if decision.unit else None,
        unit_name=decision.unit.name if decision.unit else "", category=None,
        category_name=case.category.name if case.category_id else "",
        confidence=prediction.confidence if prediction else None, words=prediction.words if prediction else [],
        explanation=f"{why} {decision.explanation}", model_version=row.get("version") if row else None,
        label=prediction.label if prediction else "",
        alternatives=_alternatives(prediction, row))


def _alternatives(prediction, row) -> list[dict]:
    if prediction is None:
        return []
    labels = (row or {}).get("labels") or {}
    return [{"label": label, "name": labels.get(label, label), "probability": round(p, 4)}
            for label, p in prediction.ranked]


def suggest(case: Case) -> Suggestion:
    """The routing suggestion for ``case``: from its text when the model is sure, else from the rules."""
    row, model = active_model()
    if model is None:
        return _rules(case, _("No text model is active: the routing rules decide."))
    prediction = model.predict(textmodel.case_text(case.title, case.description))
    threshold = settings.INSIGHTS_ROUTER_MIN_CONFIDENCE
    if prediction.confidence < threshold:
        return _rules(case, _("The text model is unsure (%(p)d%% < %(t)d%%): the routing rules decide.")
                      % {"p": round(prediction.confidence * 100), "t": round(threshold * 100)}, prediction, row)
    category = _category_of(prediction.label, case)
    if category is None:
        return _rules(case, _("The text model's category “%(label)s” is not one of this deployment's: the routing "
                              "rules decide.") % {"label": prediction.label}, prediction, row)
    as_suggested = copy.copy(case)
    as_suggested.category = category
    decision = route(as_suggested)
    words = "、".join(prediction.words) or "—"
    explanation = _("The text reads as “%(category)s” (%(p)d%% sure; words: %(words)s). %(rules)s") % {
        "category": category.name, "p": round(prediction.confidence * 100), "words": words,
        "rules": decision.explanation}
    return Suggestion(source="model", unit=decision.unit.code if decision.unit else None,
                      unit_name=decision.unit.name if decision.unit else "", category=category.code,
                      category_name=category.name, confidence=prediction.confidence, words=prediction.words,
                      explanation=explanation, model_version=row["version"], label=prediction.label,
                      alternatives=_alternatives(prediction, row))


def _category_of(label: str, case: Case) -> Category | None:
    """The category a label suggests: the leaf it names; for a first-level label, the case's own
    category when it lies in that group, else the group's catch-all (其他) or the group itself."""
    tree = CATEGORIES.get()
    category = tree.get(label)
    if category is None or not category.is_active:
        return None
    children = [c for c in tree.values() if c.parent_id == category.pk and c.is_active]
    if not children:
        return category
    if case.category_id and any(a.pk == category.pk for a in case.category.ancestors()):
        return case.category
    return next((c for c in children if c.name == CATCH_ALL_NAME), category)


def evaluate_file(data: bytes, filename: str, *, version: int | None = None):
    """(model, evaluation) of the active model (or ``version``) on a labelled hotline export."""
    query = RouterModel.objects.filter(version=version) if version else RouterModel.objects.filter(is_active=True)
    model = query.first()
    if model is None:
        raise ValidationError({"version": _("There is no such router model.") if version else
                               _("No router model is active: train one first (manage.py train_router).")})
    examples = examples_from_file(data, filename, model.level, Labels())
    if not examples.texts:
        raise ValidationError({"file": _("The file has no labelled rows.")})
    text_model = textmodel.TextModel.from_bytes(model.artefact)
    predicted = text_model.predict_labels(examples.texts)
    return model, textmodel.evaluate(examples.labels, predicted)


def suggestion_counts(*, since=None) -> dict:
    """{"model"|"rules": {"followed": n, "overridden": n}} over the dispatch events that recorded a suggestion."""
    events = CaseEvent.objects.filter(action=Action.DISPATCH, payload__has_key="suggestion")
    if since is not None:
        events = events.filter(at__gte=since)
    counts = {"model": {"followed": 0, "overridden": 0}, "rules": {"followed": 0, "overridden": 0}}
    for source, followed in events.values_list("payload__suggestion__source", "payload__suggestion__followed"):
        bucket = counts.setdefault(source or "rules", {"followed": 0, "overridden": 0})
        bucket["followed" if followed else "overridden"] += 1
    return counts
