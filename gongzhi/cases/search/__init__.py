"""Full-text search of cases: segmentation (jieba), the query language, the engines' indexes, honest counts.

Faces do not call this package: they call :func:`gongzhi.cases.selectors.list_cases` and
:func:`gongzhi.cases.selectors.case_page`, which apply the actor's area first.
"""

from .engine import matching
from .query import parse
from .results import Count, Page, count, page

__all__ = ["Count", "Page", "count", "matching", "page", "parse"]
