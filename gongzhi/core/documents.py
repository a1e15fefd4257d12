"""THE way the product generates PDF documents (agreements, reports, statements, notices).

A document is a Django template under ``templates/documents/`` producing the HTML
subset that fpdf2 renders (``h1``-``h6``, ``p``, ``b``/``i``/``u``, ``br``, ``hr``,
``ul``/``ol``/``li``, ``table``/``tr``/``th``/``td``, ``center``, ``font``)::

    pdf: bytes = render_pdf("documents/notice.html", {"title": ...}, number="GZ-2026-0001")

* Every page carries the document number and "page n of N" in its footer.
* One font, ``settings.DOCUMENT_FONT_PATH`` (default: the Chinese font installed by
  ``make chromium``, else the first font fontconfig lists for ``:lang=zh``), is
  embedded (subset) in every PDF; nothing is fetched at run time. No usable font
  raises ImproperlyConfigured.
* The templates run on a strict engine: a variable missing from the context
  raises :class:`DocumentError` naming it (``{% if %}``/``{% for %}`` on a missing
  name still count as false/empty), so a document never silently loses a field.
  Values are HTML-escaped as in pages.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.utils.translation import gettext as _
from fpdf import FPDF

# The Debian package installed by `make chromium` (fonts-wqy-microhei).
KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
FAMILY = "gongzhi-cjk"

# fontTools logs every table it subsets at INFO: not worth a log line per document.
logging.getLogger("fontTools").setLevel(logging.WARNING)


class DocumentError(Exception):
    """A document cannot be rendered (unknown template, missing value, bad markup)."""


class _Strict(str):
    """``string_if_invalid`` that raises instead of printing nothing."""

    def __mod__(self, name):
        raise DocumentError(_("The document is missing the value “%(name)s”.") % {"name": name})


@functools.cache
def _engine() -> Engine:
    return Engine(
        app_dirs=True,
        string_if_invalid=_Strict("%s"),
        libraries={"i18n": "django.templatetags.i18n", "l10n": "django.templatetags.l10n"},
    )


def _discover_font() -> str:
    for path in KNOWN_FONTS:
        if Path(path).is_file():
            return path
    if shutil.which("fc-list"):
        listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True,
                                check=False).stdout
        for line in sorted(listed.splitlines()):
            path = line.split(":", 1)[0].strip()
            if path.lower().endswith((".ttf", ".ttc", ".otf")) and Path(path).is_file():
                return path
    return ""


def font_path() -> str:
    """The font file embedded in documents; ImproperlyConfigured when there is none."""
    configured = settings.DOCUMENT_FONT_PATH
    if configured:
        if not Path(configured).is_file():
            raise ImproperlyConfigured(
                f"DOCUMENT_FONT_PATH={configured!r} is not a file: set it to a TrueType/OpenType "
                "font covering Chinese (e.g. /usr/share/fonts/truetype/wqy/wqy-microhei.ttc)")
        return configured
    found = _discover_font()
    if not found:
        raise ImproperlyConfigured(
            "No Chinese font found for PDF documents: install one ('apt-get install "
            "fonts-wqy-microhei', or 'make chromium' as root) or set DOCUMENT_FONT_PATH "
            "to a TrueType/OpenType font covering Chinese")
    return found


@checks.register(deploy=True)
def check_document_font(app_configs=None, **kwargs):
    """``manage.py check --deploy`` warns when documents could not be generated."""
    try:
        font_path()
    except ImproperlyConfigured as error:
        return [checks.Warning(str(error), id="gongzhi.documents.W001")]
    return []


class _Document(FPDF):
    def __init__(self, number: str, watermark=None):
        super().__init__(format="A4")
        self.number = number
        self.watermark = watermark
        path = font_path()
        for style in ("", "B", "I", "BI"):  # one face: <b>/<th> stay legible, not synthesised
            self.add_font(FAMILY, style, path)
        self.set_font(FAMILY, size=11)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(20, 20, 20)

    def footer(self):
        self.set_y(-16 if self.watermark is not None else -14)
        self.set_font(FAMILY, size=9)
        self.cell(0, 6 if self.watermark is not None else 8,
                  _("No. %(number)s · page %(page)s of %(pages)s") % {
                      "number": self.number, "page": self.page_no(), "pages": self.str_alias_nb_pages},
                  align="C")
        if self.watermark is not None:
            self.ln(5)
            self.set_font(FAMILY, size=7)
            self.cell(0, 5, self.watermark.line()[:160], align="C")


def render_pdf(template_name: str, context: dict, *, number: str, title: str = "",
               copies: list[dict] | None = None, watermark=None) -> bytes:
    """The PDF of ``template_name`` rendered with ``context``, numbered ``number``.

    ``watermark`` (:class:`gongzhi.core.exports.Watermark`): who made it, when and why, in the PDF's
    metadata and on the footer of every page, and handed to the export log.

    ``copies``: one PDF holding several copies of the document (one per party and one for the
    file), each starting on a new page and rendered with ``context`` updated by its dict (e.g.
    ``{"copy": "申请人执"}``).
    """
    if not number:
        raise DocumentError(_("A document needs a number."))
    try:
        template = _engine().get_template(template_name)
    except TemplateDoesNotExist as exc:
        raise DocumentError(_("No document template “%(name)s”.") % {"name": template_name}) from exc
    except TemplateSyntaxError as exc:
        raise DocumentError(_("The document template “%(name)s” is invalid: %(error)s")
                            % {"name": template_name, "error": exc}) from exc
    pdf = _Document(number, watermark)
    pdf.set_title(title or number)
    pdf.set_creator("Gongzhi")
    if watermark is not None:
        pdf.set_author(watermark.who)
        pdf.set_subject(watermark.line())
        pdf.set_keywords(f"exported_by={watermark.who}; exported_at={watermark.stamp}; purpose={watermark.why}")
    for extra in copies or [{}]:
        markup = template.render(Context({**context, **extra}, autoescape=True))
        pdf.add_page()
        try:
            pdf.write_html(markup, font_family=FAMILY, warn_on_tags_not_matching=False)
        except (ValueError, NotImplementedError) as exc:
            raise DocumentError(_("The document template “%(name)s” is invalid: %(error)s")
                                % {"name": template_name, "error": exc}) from exc
    content = bytes(pdf.output())
    from .exports import logged

    logged(watermark, fmt="pdf", title=title or number, rows=len(copies or [{}]))
    return content
