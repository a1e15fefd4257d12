"""JSON and XML rendering of GeoReport v2 documents, and the spec's error format.

A document is a list of flat dicts (one per service, request or error); a
value may itself be a list of dicts (a service definition's ``attributes``
and their ``values``), rendered as nested elements in XML. XML is written with
ElementTree, so every value is escaped; it starts with the UTF-8 declaration
the spec asks for.
"""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

from django.http import HttpResponse

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# Element names of the items of nested lists in XML.
_ITEM_NAMES = {"attributes": "attribute", "values": "value"}
# Characters XML 1.0 cannot carry at all (not even escaped); dropped from text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _append(parent: ET.Element, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, list):
        for item in value:
            child = ET.SubElement(element, _ITEM_NAMES.get(name, "item"))
            for key, inner in item.items():
                _append(child, key, inner)
    else:
        element.text = _text(value)


def to_xml(root: str, item: str, rows: list[dict]) -> bytes:
    tree = ET.Element(root)
    for row in rows:
        element = ET.SubElement(tree, item)
        for key, value in row.items():
            _append(element, key, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(tree, encoding="utf-8", xml_declaration=False)


def render(fmt: str, root: str, item: str, rows, *, status: int = 200) -> HttpResponse:
    """``rows`` as a GeoReport document: a JSON array, or ``<root><item>…</item></root>``.

    A single document that is not a list (a service definition) is given as a
    dict and rendered as the root element's content in XML, as an object in JSON.
    """
    if fmt == "xml":
        if isinstance(rows, dict):
            tree = ET.Element(root)
            for key, value in rows.items():
                _append(tree, key, value)
            body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(tree, encoding="utf-8",
                                                                              xml_declaration=False)
        else:
            body = to_xml(root, item, rows)
    else:
        body = json.dumps(rows, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, descriptions: list[str]) -> HttpResponse:
    """The spec's error document: a list of ``{code, description}``, with the HTTP status."""
    rows = [{"code": status, "description": str(text)} for text in descriptions]
    return render(fmt, "errors", "error", rows, status=status)
