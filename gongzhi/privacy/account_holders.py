"""The personal data ``accounts`` holds of a data subject: a resident's own account.

``accounts`` sits below ``privacy`` in the import order and cannot import the
holders registry, so ``privacy`` registers it (from ``PrivacyConfig.ready()``).
"""

from django.utils.translation import gettext_lazy as _

from . import holders


def find_accounts(subject: holders.Subject):
    from gongzhi.accounts.models import PhoneCode, User

    users = User.objects.filter(subject.match(phone="phone_index", user="pk"))
    return [users, PhoneCode.objects.filter(subject.match(phone="phone_index"))]


def erase_accounts(subject: holders.Subject, querysets) -> int:
    """A resident's own account is closed and emptied (the trail keeps its id as actor); staff accounts, the
    record of who did what at work, are not erased. Sign-in codes sent to the number are deleted."""
    from gongzhi.accounts.models import PhoneCode, User
    from gongzhi.accounts.roles import Role
    from gongzhi.accounts.sessions import end_all_sessions

    changed = 0
    for queryset in querysets:
        if queryset.model is PhoneCode:
            changed += queryset.delete()[0]
            continue
        for user in queryset.filter(role=Role.RESIDENT, is_superuser=False):
            end_all_sessions(user)
            user.username = f"erased-{user.pk}"
            user.first_name = user.last_name = user.display_name = user.email = ""
            user.phone = ""
            user.is_active = False
            user.set_unusable_password()
            user.save()
            changed += 1
    return changed


holders.register(
    "accounts",
    title=_("Platform account"),
    models={
        "accounts.User": ("username", "first_name", "last_name", "display_name", "email", "phone", "last_login"),
        "accounts.PhoneCode": ("phone_index", "client_ip", "created_at"),
    },
    find=find_accounts,
    erase=erase_accounts,
)


def find_requests(subject: holders.Subject):
    from .models import SubjectRequest

    return [SubjectRequest.objects.filter(subject.match(id_number="subject_id_number_index",
                                                        phone="subject_phone_index", user="subject_user_id"))]


holders.register(
    "privacy",
    title=_("Requests about one's personal data"),
    models={"privacy.SubjectRequest": ("kind", "subject_name", "subject_id_number", "subject_phone", "details",
                                        "received_at", "state", "answer")},
    find=find_requests,
    keep_reason=_("The requests and their answers are kept as the record that they were handled."),
)
