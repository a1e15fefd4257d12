"""Open311 GeoReport v2 at /open311/v2/: the standard face of request handling.

Services are the leaf categories of the taxonomy (``service_code`` = category
code, ``group`` = the parent's name); service requests are cases. Reads follow
the public read rule of docs/data-protection.md: anyone sees cases in a public
state, in pages, without the address (the community's name instead), with the
location rounded and phone and ID numbers in free text masked; an API key reads
in full the cases it may see; never the reporter or the caller's contact.
Posting a request
needs an API key with the ``cases.intake`` capability; it goes through the
same intake service as every other channel (channel ``open311``).

    documents.py   a category or a case as a GeoReport document (plain dicts)
    render.py      JSON and XML rendering, the spec's error format
    selectors.py   the public reads
    views.py       the endpoints (thin)
    urls.py        the routes, each in .json and .xml
"""
