"""Duplicates at intake: open cases like a new one, nearby and recent; exact repeats of a caller.

Real hotline data holds many repeats: many residents report one broken streetlight, and the same
caller sends the same text twice. Two questions are answered here, both read-only:

**Similar nearby cases** (:func:`similar_to`, :func:`similar_for`, :func:`already_reported`). A case
is a candidate when it is open (:data:`~gongzhi.cases.models.OPEN_STATES`), lies in the same grid as
the new text's place or within ``CASE_DUPLICATE_RADIUS_M`` metres of its point (or, placed by region
only, in the same community), was received within ``CASE_DUPLICATE_WINDOW_DAYS`` days, and its text
is alike. The candidate set is bounded by index before any text is compared: the grids near the
point come from the in-memory grid index (:func:`gongzhi.regions.selectors.grid_keys_near`), the
cases of those grids in the window from the ``(grid, created_at)`` index, at most
``CASE_DUPLICATE_SCAN_MAX`` of them, newest first; so the check costs the same in a table of ten
million cases as in one of a thousand.

Text similarity is the Dice coefficient of the character bigrams of title and description, after
folding width and case and removing punctuation and spaces (so ``138-0013-8000`` and ``13800138000``
are the same characters, and a reworded, re-punctuated report of the same thing shares most of its
bigrams). Bigrams rather than words because Chinese has no spaces and segmentation of short,
colloquial complaints is unreliable; bigrams rather than a single-character ratio because they keep
a little of word order. The coefficient is computed by rapidfuzz: the Indel similarity of two
*sorted* bigram sequences is exactly twice their multiset intersection over the sum of their
lengths, i.e. Dice, in rapidfuzz's C++ core and over a batch in one call (docs/dependencies.md).
It finds candidates for a person to judge, never merges by itself: the same words about the north
gate and the south gate score high, and only staff can tell them apart.

**Exact repeats of a caller** (:func:`exact_repeat_of`, :func:`exact_repeats`), for imports: the
same description (ignoring spaces and character width) from the same phone number, compared through
the phone's blind index (:func:`gongzhi.core.crypto.blind_index`), never in clear.

Who may see what: :func:`similar_for` is the staff selector (scoped like every case read: a staff
member sees only the candidates of their area and unit). :func:`already_reported` answers a person
about to file: what it shows of other people's open cases is public in kind (category, place name,
state, date, a title with phone and ID numbers masked; no description, no reporter), like a notice
that "this was already reported here".
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from rapidfuzz import fuzz, process

from gongzhi.core import crypto
from gongzhi.core.scoping import scope_queryset
from gongzhi.regions.models import Level, Region
from gongzhi.regions.selectors import grid_keys_near

from .models import OPEN_STATES, Case, CaseContact, CaseSupporter, Crs
from .services.intake import locate

# Characters compared: the start of title + description (a 7,000-character letter is about its
# first lines; comparing all of it costs time and dilutes the score of a short report).
TEXT_MAX = 600
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_SPACE = re.compile(r"\s+", re.UNICODE)
EARTH_RADIUS_M = 6_371_000.0
# Digits of a community's significant code prefix (a grid's code extends it by 3 digits).
COMMUNITY_DIGITS = 12


# --- text -----------------------------------------------------------------------------

def normalized(text: str) -> str:
    """Width and case folded (NFKC), punctuation, symbols and spaces removed.

    Punctuation goes first: what remains of a Chinese text is then usually NFKC already, which is
    cheap to check, while normalising the full-width punctuation costs most of the time here.
    """
    text = _NOT_WORD.sub("", text or "")
    if not unicodedata.is_normalized("NFKC", text):
        text = _NOT_WORD.sub("", unicodedata.normalize("NFKC", text))
    return text.casefold()


def bigrams(title: str, description: str = "") -> list[str]:
    """The sorted character bigrams of a case's text (a one-character text is its own gram)."""
    text = normalized(f"{title or ''}{description or ''}")[:TEXT_MAX]
    if len(text) < 2:
        return [text] if text else []
    return sorted(text[i:i + 2] for i in range(len(text) - 1))


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Dice coefficient of two sorted bigram lists, 0-100 (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return fuzz.ratio(a, b)


# --- place ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    """Where a (new or stored) case lies: WGS-84 point if any, grid if any, finest region code."""

    region_code: str
    grid_id: int | None = None
    lon: float | None = None
    lat: float | None = None

    @classmethod
    def of_case(cls, case: Case) -> Place:
        return cls(region_code=case.region_code, grid_id=case.grid_id, lon=case.lon, lat=case.lat)

    @classmethod
    def locate(cls, *, lon=None, lat=None, crs: str = Crs.WGS84, region=None) -> Place:
        """The place a case given this point and/or region would get; ValidationError naming the field."""
        fields = locate(lon=lon, lat=lat, crs=crs, region=region)
        return cls(region_code=fields["region_code"], grid_id=fields["grid_id"], lon=fields["lon"],
                   lat=fields["lat"])


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


# --- candidates -----------------------------------------------------------------------

@dataclass
class Match:
    case: Case
    score: float  # 0-100
    distance_m: float | None  # None when either case has no point

    @property
    def percent(self) -> int:
        return int(round(self.score))


_FIELDS = ("pk", "title", "text_start", "lon", "lat", "grid_id", "region_code")


def _recent_rows(base: QuerySet, place: Place, since: datetime, scan_max: int, radius_m: int) -> list[tuple]:
    """Open cases received since ``since`` around ``place``, bounded by index, at most ``scan_max`` per query."""
    # Only the start of a description is compared: a long letter is not read whole.
    base = (base.filter(created_at__gte=since, state__in=OPEN_STATES).order_by("-created_at")
            .annotate(text_start=Substr("description", 1, TEXT_MAX)))
    grid_ids = {place.grid_id} if place.grid_id else set()
    if place.lon is not None and radius_m > 0:
        grid_ids.update(pk for pk, _code in grid_keys_near(place.lon, place.lat, radius_m))
    queries = []
    if grid_ids:
        queries.append(base.filter(grid_id__in=sorted(grid_ids)))
    # Cases placed by region only (a hotline call naming a community): those named on the same
    # community as a grid's, or, for a place named as a community, every case of it.
    if place.grid_id and len(place.region_code) > COMMUNITY_DIGITS:
        queries.append(base.filter(grid__isnull=True, region_code=place.region_code[:COMMUNITY_DIGITS]))
    elif not place.grid_id and place.region_code:
        level = Region.objects.filter(code=place.region_code).values_list("level", flat=True).first()
        if level == Level.COMMUNITY:
            queries.append(base.filter(region_code__startswith=place.region_code))
        else:
            queries.append(base.filter(region_code=place.region_code))
    rows, seen = [], set()
    for query in queries:
        for row in query.values_list(*_FIELDS)[:scan_max]:
            if row[0] not in seen:
                seen.add(row[0])
                rows.append(row)
    return rows


def _in_reach(place: Place, row: tuple, radius_m: int) -> tuple[bool, float | None]:
    """Is a candidate row in the same grid, the same community (by region only) or within the radius?"""
    _pk, _title, _description, lon, lat, grid_id, _region = row
    distance = None
    if place.lon is not None and lon is not None:
        distance = distance_m(place.lon, place.lat, lon, lat)
    if place.grid_id and grid_id == place.grid_id:
        return True, distance
    if grid_id is None or place.grid_id is None:
        return True, distance  # placed by region: the query already kept it to the community
    return distance is not None and distance <= radius_m, distance


def similar_to(place: Place, title: str, description: str, *, base: QuerySet | None = None,
               at: datetime | None = None, exclude: Iterable[int] = (), limit: int | None = None,
               min_similarity: float | None = None) -> list[Match]:
    """Open cases of ``base`` (unscoped: every case) like this text at this place, best first.

    ``at`` is the moment the window counts back from (now for a new text, the case's intake for a
    stored one).
    """
    at = at or timezone.now()
    limit = settings.CASE_DUPLICATE_SHOWN if limit is None else limit
    threshold = settings.CASE_DUPLICATE_MIN_SIMILARITY if min_similarity is None else min_similarity
    radius = settings.CASE_DUPLICATE_RADIUS_M
    query = bigrams(title, description)
    if not query:
        return []
    since = at - timedelta(days=settings.CASE_DUPLICATE_WINDOW_DAYS)
    excluded = set(exclude)
    reach, choices = {}, {}
    for row in _recent_rows(base if base is not None else Case.objects.all(), place, since,
                            settings.CASE_DUPLICATE_SCAN_MAX, radius):
        if row[0] in excluded:
            continue
        ok, distance = _in_reach(place, row, radius)
        if ok:
            reach[row[0]] = distance
            choices[row[0]] = bigrams(row[1], row[2])
    found = process.extract(query, choices, scorer=fuzz.ratio, processor=None, score_cutoff=threshold, limit=None)
    found.sort(key=lambda hit: (-hit[1], -hit[2]))  # best first; newer (higher id) first on ties
    found = found[:limit]
    # The grid's name and code, not its boundary (a polygon of many points, parsed on load).
    cases = (Case.objects.select_related("category", "grid").defer("grid__boundary")
             .in_bulk([pk for _grams, _score, pk in found]))
    return [Match(cases[pk], score, reach[pk]) for _grams, score, pk in found if pk in cases]


def similar_for(actor, case: Case, *, limit: int | None = None) -> list[Match]:
    """THE staff selector: open cases like ``case`` near it that ``actor`` may see, best first."""
    return similar_to(Place.of_case(case), case.title, case.description, base=scope_queryset(Case.objects.all(), actor),
                      at=case.created_at, exclude=[case.pk], limit=limit)


@dataclass
class Reported:
    """What a person about to file is shown of an open case "already reported" (public in kind)."""

    id: int
    number: str
    title: str
    category: str
    place: str
    state: str
    state_label: str
    received_on: datetime
    supporters: int
    similarity: int
    distance_m: int | None


def already_reported(*, title: str, description: str, lon=None, lat=None, crs: str = Crs.WGS84, region=None,
                     exclude_reporter=None) -> list[Reported]:
    """Open cases like the text about to be filed at this place, as a resident may see them.

    ValidationError (naming the field) when the place cannot be resolved. Cases the person reported
    themselves (``exclude_reporter``, a user) are left out: they are in their own list.
    """
    place = Place.locate(lon=lon, lat=lat, crs=crs, region=region)
    base = Case.objects.all()
    if exclude_reporter is not None and getattr(exclude_reporter, "pk", None):
        base = base.exclude(reporter_id=exclude_reporter.pk)
    names = {}
    result = []
    for match in similar_to(place, title, description, base=base):
        case = match.case
        code = case.region_code
        if case.grid_id:
            name = case.grid.name
        else:
            if code not in names:
                names[code] = Region.objects.filter(code=code).values_list("name", flat=True).first() or code
            name = names[code]
        result.append(Reported(
            id=case.pk, number=case.number, title=crypto.mask_free_text(case.title), category=case.category.name,
            place=name,
            state=case.state, state_label=str(case.get_state_display()), received_on=case.created_at,
            supporters=case.supporter_count, similarity=match.percent,
            distance_m=None if match.distance_m is None else int(round(match.distance_m))))
    return result


# --- exact repeats of a caller ----------------------------------------------------------

def repeat_text(description: str) -> str:
    """The text two reports must share to be an exact repeat: the description without spaces, width folded."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", description or ""))


@dataclass(frozen=True)
class Repeat:
    """An exact repeat: of a stored case (``case_id``) or of an earlier item of the same batch (``item``)."""

    case_id: int | None = None
    item: int | None = None


_CHUNK = 500


def exact_repeats(items: Sequence[tuple[str, str]]) -> list[Repeat | None]:
    """For each (description, phone as written), the earlier report of the same text from the same phone.

    A stored case wins over an earlier item of the batch (the oldest stored case is named). Items
    without a phone or a text are never repeats. One query per 500 distinct phones, through the
    blind index of :class:`~gongzhi.cases.models.CaseContact`: for an import of many rows.
    """
    keys = []
    for description, phone in items:
        text = repeat_text(description)
        digits = crypto.normalize_phone(phone or "")
        keys.append((crypto.blind_index("phone", digits), text) if digits and text else None)
    indexes = sorted({key[0] for key in keys if key})
    stored: dict[tuple[str, str], int] = {}
    for start in range(0, len(indexes), _CHUNK):
        rows = (CaseContact.objects.filter(phone_index__in=indexes[start:start + _CHUNK])
                .order_by("case_id").values_list("phone_index", "case_id", "case__description"))
        for phone_index, case_id, description in rows:
            stored.setdefault((phone_index, repeat_text(description)), case_id)
    result, first_item = [], {}
    for n, key in enumerate(keys):
        if key is None:
            result.append(None)
        elif key in stored:
            result.append(Repeat(case_id=stored[key]))
        elif key in first_item:
            result.append(Repeat(item=first_item[key]))
        else:
            first_item[key] = n
            result.append(None)
    return result


def exact_repeat_of(*, description: str, phone: str) -> int | None:
    """The id of the earliest stored case with the same description from the same phone, or None."""
    found = exact_repeats([(description, phone)])[0]
    return found.case_id if found else None


# --- what a person supported ------------------------------------------------------------

SUPPORTED_SHOWN = 50


def supported_by(actor) -> list[Reported]:
    """The cases ``actor`` added their voice to (newest first), as a resident may see them."""
    rows = (scope_queryset(CaseSupporter.objects.filter(user_id=getattr(actor, "pk", None)), actor)
            .select_related("case__category", "case__grid").defer("case__grid__boundary")
            .order_by("-created_at", "-id")[:SUPPORTED_SHOWN])
    result = []
    for row in rows:
        case = row.case
        result.append(Reported(
            id=case.pk, number=case.number, title=crypto.mask_free_text(case.title), category=case.category.name,
            place=case.grid.name if case.grid_id else _region_name(case.region_code), state=case.state,
            state_label=str(case.get_state_display()), received_on=case.created_at,
            supporters=case.supporter_count, similarity=100, distance_m=None))
    return result


def _region_name(code: str) -> str:
    return Region.objects.filter(code=code).values_list("name", flat=True).first() or code
