"""Activities (志愿活动), sign-ups with a waiting list, and check-in / check-out by QR code.

An activity is published by community staff with a number of places; a volunteer who signs up when
it is full joins the waiting list and moves up, in order, when a place is given back. At the
activity, the organiser shows a QR code that changes every minute (a time-limited signed token, see
``volunteers/checkin.py``); the volunteer scans it with the phone to check in, and a second one to
check out. Hours are credited at check-out from the time between the two, capped by the activity's
``hours_cap_minutes``; staff may correct them with a reason (audited, a correcting transfer).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.scoping import ScopeSpec

from .people import InCommunity, Team, Volunteer

TITLE_MAX = 100


class ActivityState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Open for sign-up")
    CANCELLED = "cancelled", _("Cancelled")
    FINISHED = "finished", _("Finished")


class Activity(InCommunity, models.Model):
    scoping = ScopeSpec(region="region__code")

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    region = models.ForeignKey("regions.Region", verbose_name=_("community or grid"), on_delete=models.PROTECT,
                                  related_name="+", limit_choices_to={"level__in": ("community", "grid")})
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="activities")
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    slots = models.PositiveIntegerField(_("places"))
    skills = models.CharField(_("skills wanted"), max_length=200, blank=True)
    hours_cap_minutes = models.PositiveIntegerField(
        _("most minutes credited"), help_text=_("The most a volunteer is credited for this activity."))
    points = models.PositiveIntegerField(_("points for taking part"), default=0)
    state = models.CharField(_("state"), max_length=16, choices=ActivityState.choices, default=ActivityState.DRAFT,
                             db_index=True)
    # What the activity serves in the party's three lists (需求清单 / 项目清单) and which service post
    # (服务岗位) of 双报到 it fills: optional links into the party app, below this one in the import order.
    need = models.ForeignKey("party.Need", verbose_name=_("need served"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="volunteer_activities")
    project = models.ForeignKey("party.Project", verbose_name=_("project served"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="volunteer_activities")
    service_post = models.ForeignKey("party.ServicePost", verbose_name=_("service post"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="volunteer_activities")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="volunteers_activity_ends_after"),
            models.CheckConstraint(condition=Q(slots__gte=1), name="volunteers_activity_has_places"),
        ]
        indexes = [models.Index(fields=["region", "starts_at"], name="volunteers_activity_comm_start")]

    def __str__(self):
        return self.title

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class SignUpState(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")
    CHECKED_IN = "checked_in", _("Checked in")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Did not come")


# A place is taken by these states (the waiting list and cancellations take none).
HOLDS_PLACE = (SignUpState.CONFIRMED, SignUpState.CHECKED_IN, SignUpState.ATTENDED, SignUpState.ABSENT)


class SignUp(models.Model):
    scoping = ScopeSpec(region="activity__region__code", owner="volunteer__user_id")

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.PROTECT,
                                 related_name="signups")
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT,
                                  related_name="signups")
    state = models.CharField(_("state"), max_length=16, choices=SignUpState.choices, db_index=True)
    # The order on the waiting list (the time of sign-up decides; ties by id).
    signed_up_at = models.DateTimeField(_("signed up at"), default=timezone.now)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    # The nonces of the QR codes used: the same code scanned again does nothing.
    check_in_code = models.CharField(max_length=32, blank=True, editable=False)
    check_out_code = models.CharField(max_length=32, blank=True, editable=False)
    credited_minutes = models.PositiveIntegerField(_("minutes credited"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["activity_id", "signed_up_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="volunteers_one_signup_per_activity"),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_in_at__isnull=False,
                                                             checked_out_at__gte=models.F("checked_in_at")),
                name="volunteers_signup_out_after_in"),
        ]

    def __str__(self):
        return f"{self.volunteer} @ {self.activity}"

    @property
    def audit_region_code(self) -> str:
        return self.activity.region.code
