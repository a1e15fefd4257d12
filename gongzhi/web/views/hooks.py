"""Machine endpoints outside the JSON API: events from other systems, authenticated by their signature."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from gongzhi.assessment import intake


@csrf_exempt
@require_POST
def events(request, code):
    """``POST /hooks/events/<source>/``: a signed event becomes a case (see gongzhi.assessment.intake)."""
    try:
        event, created = intake.receive(source_code=code, timestamp=request.headers.get("X-Gongzhi-Timestamp", ""),
                                        signature=request.headers.get("X-Gongzhi-Signature", ""), body=request.body)
    except intake.Refused as exc:
        return JsonResponse({"detail": exc.message}, status=exc.status)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return JsonResponse({"detail": "invalid", "errors": errors}, status=422)
    return JsonResponse({"case": event.case_id, "number": event.case.number, "external_id": event.external_id,
                         "created": created}, status=201 if created else 200)
