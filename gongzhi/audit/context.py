"""Who is acting from where, carried from the request into the services.

Services receive the actor explicitly; the client address and request id are
ambient facts of the request, so the middleware puts them in a context
variable that :func:`gongzhi.audit.services.record` reads. Commands and tasks
run without a request and record no address.
"""

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    client_ip: str | None = None
    request_id: str = ""


_current = contextvars.ContextVar("gongzhi_request_context", default=RequestContext())


def current() -> RequestContext:
    return _current.get()


@contextmanager
def bind(client_ip: str | None, request_id: str | None = None):
    token = _current.set(RequestContext(client_ip=client_ip, request_id=request_id or uuid.uuid4().hex))
    try:
        yield
    finally:
        _current.reset(token)
