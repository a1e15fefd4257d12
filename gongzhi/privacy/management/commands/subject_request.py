"""Data-subject requests at the shell (PIPL): open one, print what is held, answer it, list the open ones.

    manage.py subject_request open --kind access --owner dpo --phone 13812345678 [--id-number …] [--name …]
    manage.py subject_request held 12            # JSON of what every holder holds of the subject
    manage.py subject_request answer 12 --text "…" [--refused]
    manage.py subject_request list

The operator acts as the system actor (audited with the command and the operator's account).
"""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from gongzhi.accounts.actors import command_actor
from gongzhi.accounts.models import User
from gongzhi.privacy import services
from gongzhi.privacy.models import RequestKind, SubjectRequest


class Command(BaseCommand):
    help = "Open, read, answer and list data-subject requests (PIPL)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        opening = sub.add_parser("open")
        opening.add_argument("--kind", required=True, choices=RequestKind.values)
        opening.add_argument("--owner", required=True, help="user name of the owner")
        opening.add_argument("--name", default="")
        opening.add_argument("--id-number", default="")
        opening.add_argument("--phone", default="")
        opening.add_argument("--account", default="", help="user name of the person's own account")
        opening.add_argument("--details", default="")
        held = sub.add_parser("held")
        held.add_argument("request_id", type=int)
        answer = sub.add_parser("answer")
        answer.add_argument("request_id", type=int)
        answer.add_argument("--text", required=True)
        answer.add_argument("--refused", action="store_true")
        sub.add_parser("list")

    def handle(self, *args, action, **options):
        actor = command_actor("subject_request")
        try:
            getattr(self, f"_{action}")(actor, **options)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from None

    def _user(self, name):
        user = User.objects.filter(username=name).first()
        if user is None:
            raise CommandError(f"no user {name}")
        return user

    def _request(self, pk):
        request = SubjectRequest.objects.filter(pk=pk).first()
        if request is None:
            raise CommandError(f"no request #{pk}")
        return request

    def _open(self, actor, *, kind, owner, name, id_number, phone, account, details, **_options):
        request = services.open_request(
            actor=actor, kind=kind, owner=self._user(owner), subject_name=name, subject_id_number=id_number,
            subject_phone=phone, subject_user=self._user(account) if account else None, details=details)
        self.stdout.write(f"#{request.pk} opened, due on {request.due_on.isoformat()}")

    def _held(self, actor, *, request_id, **_options):
        items = services.held_data(actor=actor, request=self._request(request_id))
        self.stdout.write(json.dumps([{"title": i.title, "model": i.model, "rows": i.rows} for i in items],
                                     ensure_ascii=False, indent=2, default=str))

    def _answer(self, actor, *, request_id, text, refused, **_options):
        request = services.answer_request(actor=actor, request=self._request(request_id), answer=text,
                                          refused=refused)
        self.stdout.write(f"#{request.pk} {request.state}")

    def _list(self, actor, **_options):
        for request in services.open_requests(actor=actor):
            late = " OVERDUE" if request.is_overdue else ""
            self.stdout.write(f"#{request.pk} {request.kind} due {request.due_on.isoformat()}{late} owner {request.owner}")
