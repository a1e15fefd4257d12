"""Hotspots (热点发现): clusters of cases by topic and place in a period, ranked.

The cases of the period in the actor's area (at most ``INSIGHTS_HOTSPOT_MAX_CASES``, the newest) are
clustered by their words (jieba words, TF-IDF, k-means with a fixed seed, so the same cases give the
same clusters); a hotspot is one cluster in one place (community, or grid), with at least
``INSIGHTS_HOTSPOT_MIN_CASES`` cases. Each is ranked by

    score = volume × (1 + growth) × (1 + dissatisfaction)

(clusters whose cases lie far from their centre, COHESION, are no topic and left out), where volume is its cases in the period, growth the relative rise over the period of equal length
before (cases then assigned to the same clusters; no rise counts 0) and dissatisfaction the share of
its callbacks whose verdict was unsatisfied. Each carries its words (the heaviest in its own cases) and
its representative cases (those nearest the cluster's centre), so a leader sees why it is there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.utils import timezone

from gongzhi.cases.models import Action, Case, CaseEvent, CaseState
from gongzhi.cases.search.segment import words as segment_words
from gongzhi.core.scoping import scope_queryset
from gongzhi.regions.models import Region

EXCLUDED = (CaseState.INVALID, CaseState.CANCELLED, CaseState.MERGED)
UNSATISFIED = "unsatisfied"
# A hotspot's cases must be alike: the length of the mean of their (unit-length) TF-IDF vectors, 1 for
# identical texts and near 0 for unrelated ones, at least this.
COHESION = 0.5


@dataclass
class Hotspot:
    key: str
    place_code: str
    place_name: str
    words: list[str]
    count: int
    previous: int
    growth: float
    callbacks: int
    unsatisfied: int
    score: float
    case_ids: list[int] = field(default_factory=list)
    representative: list[Case] = field(default_factory=list)

    @property
    def dissatisfaction(self) -> float:
        return self.unsatisfied / self.callbacks if self.callbacks else 0.0

    @property
    def title(self) -> str:
        return f"{self.place_name}：{'、'.join(self.words[:3])}"


MAX_PERIOD_DAYS = 366
DEFAULT_DAYS = 30


def period(start: dt.date | None = None, until: dt.date | None = None, *,
           today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """[start, end) of a period asked as its first and last day (both optional: the last 30 days up to
    ``until``, by default today). Refused when the end comes first or it spans more than a year."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    until = until or (today or timezone.localdate())
    start = start or until - dt.timedelta(days=DEFAULT_DAYS - 1)
    end = until + dt.timedelta(days=1)
    if not start < end:
        raise ValidationError({"until": _("The last day must not come before the first.")})
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationError({"until": _("A period spans at most a year.")})
    return start, end


def _bounds(start: dt.date, end: dt.date):
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz), dt.datetime.combine(end, dt.time.min, tzinfo=tz))


def _cases(actor, start, end, region_code):
    since, until = _bounds(start, end)
    queryset = scope_queryset(Case.objects.all(), actor).filter(created_at__gte=since, created_at__lt=until) \
        .exclude(state__in=EXCLUDED)
    if region_code:
        queryset = queryset.filter(region_code__startswith=region_code)
    return list(queryset.order_by("-created_at", "-id")
                .values_list("id", "title", "description", "region_code")[:settings.INSIGHTS_HOTSPOT_MAX_CASES])


def _place(region_code: str, by: str) -> str:
    return region_code if by == "grid" else region_code[:12]


def _analyser(text):
    return segment_words(text)


def hotspots(actor, *, start: dt.date, end: dt.date, region_code: str = "", by: str = "community",
             limit: int = 20, min_cases: int | None = None) -> list[Hotspot]:
    """The hotspots of the cases received in [start, end) in the actor's area (optionally under
    ``region_code``), best first. ``by``: ``community`` or ``grid``."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    min_cases = min_cases or settings.INSIGHTS_HOTSPOT_MIN_CASES
    rows = _cases(actor, start, end, region_code)
    if len(rows) < min_cases:
        return []
    texts = [f"{title} {description}" for _id, title, description, _code in rows]
    # Words in more than a fifth of the cases (问题, 希望, 居民) say nothing of a topic.
    many = len(rows) >= 50
    vectorizer = TfidfVectorizer(analyzer=_analyser, min_df=2 if many else 1, max_df=0.2 if many else 1.0,
                                 sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no words at all
        return []
    k = max(2, min(settings.INSIGHTS_HOTSPOT_MAX_TOPICS, round(math.sqrt(len(rows) / 2))))
    k = min(k, matrix.shape[0])
    kmeans = KMeans(n_clusters=k, n_init=3, random_state=0).fit(matrix)
    labels = kmeans.labels_
    vocabulary = vectorizer.get_feature_names_out()

    # The period before, assigned to the same clusters.
    length = end - start
    before = _cases(actor, start - length, start, region_code)
    previous: dict[tuple[int, str], int] = {}
    if before:
        before_labels = kmeans.predict(vectorizer.transform(
            [f"{title} {description}" for _id, title, description, _code in before]))
        for (_id, _t, _d, code), label in zip(before, before_labels):
            key = (int(label), _place(code, by))
            previous[key] = previous.get(key, 0) + 1

    groups: dict[tuple[int, str], list[int]] = {}
    for index, (_id, _t, _d, code) in enumerate(rows):
        groups.setdefault((int(labels[index]), _place(code, by)), []).append(index)
    groups = {key: members for key, members in groups.items() if len(members) >= min_cases}
    if not groups:
        return []
    ids = [rows[i][0] for members in groups.values() for i in members]
    verdicts: dict[int, list[str]] = {}
    for case_id, satisfaction in CaseEvent.objects.filter(
            case_id__in=ids, action__in=(Action.CALLBACK, Action.REOPEN), solved__isnull=False) \
            .values_list("case_id", "satisfaction"):
        verdicts.setdefault(case_id, []).append(satisfaction)
    names = dict(Region.objects.filter(code__in={place for _label, place in groups}).values_list("code", "name"))

    found = []
    for (label, place), members in groups.items():
        sub = matrix[members]
        weights = np.asarray(sub.sum(axis=0)).ravel()
        top = [vocabulary[j] for j in np.argsort(-weights)[:5] if weights[j] > 0]
        centre = kmeans.cluster_centers_[label]
        if float(np.linalg.norm(np.asarray(sub.mean(axis=0)).ravel())) < COHESION:
            continue  # a loose group of unrelated cases is no topic
        closeness = np.asarray(sub @ centre).ravel()
        nearest = [rows[members[j]][0] for j in np.argsort(-closeness)[:3]]
        count, before_count = len(members), previous.get((label, place), 0)
        growth = max(0.0, (count - before_count) / max(before_count, 1))
        case_ids = [rows[i][0] for i in members]
        callbacks = [v for case_id in case_ids for v in verdicts.get(case_id, [])]
        unsatisfied = sum(1 for v in callbacks if v == UNSATISFIED)
        dissatisfaction = unsatisfied / len(callbacks) if callbacks else 0.0
        key = hashlib.sha1(f"{place}|{'|'.join(sorted(top))}".encode()).hexdigest()[:12]
        found.append(Hotspot(key=key, place_code=place, place_name=names.get(place, place), words=top, count=count,
                             previous=before_count, growth=round(growth, 3), callbacks=len(callbacks),
                             unsatisfied=unsatisfied,
                             score=round(count * (1 + growth) * (1 + dissatisfaction), 2),
                             case_ids=case_ids, representative=nearest))
    found.sort(key=lambda h: (-h.score, -h.count, h.place_code))
    found = found[:limit]
    shown = Case.objects.select_related("category").in_bulk([i for h in found for i in h.representative])
    for hotspot in found:
        hotspot.representative = [shown[i] for i in hotspot.representative if i in shown]
    return found


def find(actor, key: str, **period) -> Hotspot | None:
    return next((h for h in hotspots(actor, limit=100, **period) if h.key == key), None)
