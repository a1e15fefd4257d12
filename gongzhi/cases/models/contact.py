"""How to reach a reporter who has no account, and what an Open311 client sent.

A hotline caller (来电人) or the user of an Open311 client app is not a user
of the platform, yet the callback (回访) needs their phone number. The number
is personal data: it is stored encrypted (:class:`~gongzhi.core.crypto.EncryptedTextField`)
with a blind index beside it, so that "other requests from this caller" is
one indexed equality and the clear number is never in the database. The name
is kept in clear, as the registry keeps persons' names. Nothing else of the
caller is kept (data minimisation): an Open311 client's e-mail address,
device id and account id are not stored.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.crypto import EncryptedTextField
from gongzhi.core.scoping import ScopeSpec


class CaseContact(models.Model):
    scoping = ScopeSpec(region="case__region_code", unit="case__lead_unit_id", view="cases.view")

    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                                related_name="contact")
    name = models.CharField(_("caller's name"), max_length=50, blank=True)
    phone = EncryptedTextField(_("caller's phone"), kind="phone")
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("caller's contact")
        verbose_name_plural = _("callers' contacts")

    def __str__(self):
        return f"#{self.case_id}"

    @property
    def audit_region_code(self) -> str:
        return self.case.region_code


class Open311Submission(models.Model):
    """A case submitted through Open311 GeoReport v2: the client's key, token and media link.

    The token lets a client that did not keep the ``service_request_id``
    find its request again (``GET tokens/{token}``).
    """

    scoping = ScopeSpec(region="case__region_code", unit="api_key__unit_id", view="cases.view")

    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                                related_name="open311")
    token = models.CharField(_("token"), max_length=40, unique=True)
    api_key = models.ForeignKey("accounts.ApiKey", verbose_name=_("API key"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")

    def __str__(self):
        return f"#{self.case_id} ({self.token})"
