"""Users in Django admin: create, set role and supervisor, vetting evidence, deactivate, reset
the second factor, send a password reset link.

A reader's new e-mail, a reader's second-factor reset and making someone a reader do not
happen here: they become requests that a second, independent approver decides
(``access.provisioning``, rule: separation of duties). Whoever saves changed vetting evidence
is recorded as having seen it (``access.vetting.evidence``); nobody edits their own.

Who may do what comes from ``access.admin_permissions`` (role plus one guardian row per
organisation), never from Django's model permissions. Admins never set or see a password:
there is no password field and no change-password page here.
"""

import re
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from audit.writer import Actor

from .admin_permissions import (
    is_auditor,
    is_org_admin,
    is_system_admin,
    organisations_managed_by,
    roles_offered_by,
    user_change_allowed,
    users_managed_by,
    users_visible_to,
)
from .models import VETTING_ITEMS, User, vetting_lapsed_by, vetting_lapses_on
from .provisioning.services import ProvisioningRefused, second_factor_reset_by_admin
from .services import password_reset_link_send, user_deactivate
from .sign_in import two_factor
from .vetting.evidence import EVIDENCE_FIELDS, AttestationRefused, user_save_by_admin_attesting

# Device admins would show each authenticator's shared secret, and an admin who can read a
# second factor can impersonate its owner; devices are reset through the user action below.
# Security keys too: deleting a reader's key in admin would be a reset without its approver.
for _device_model in (TOTPDevice, StaticDevice, WebAuthnCredential):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


VETTING_HELP = (
    "Record what you saw on the certificate and records. Saving changed evidence records you "
    "as the person who attested it; nobody records their own."
)
ROLE_CEILINGS_HELP = (
    "Child-protection practitioners, data managers and auditors work only in a local "
    "authority's children's services; system admins (and national auditors) in no organisation."
)


def _item_status(item, user: User, today) -> str:
    label = capfirst(item.label)
    lapses_on = item.lapses_on(user) if user.pk else None
    if lapses_on is None:
        return f"{label}: missing"
    last_day = date_format(lapses_on - timedelta(days=1), "j M Y")
    if today < lapses_on:
        return f"{label}: current until {last_day}"
    return f"{label}: lapsed after {last_day}"


class UserAdminForm(forms.ModelForm):
    """E-mail is required: the reset link sent there is the only way to a first password. The
    certificate number may be typed as printed, spaced; the model checks the 12 digits."""

    dbs_certificate_number = forms.CharField(
        required=False,
        max_length=20,
        label="DBS certificate number",
        help_text=User._meta.get_field("dbs_certificate_number").help_text,
    )

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "job_title",
            "phone",
            "organisation",
            "role",
            "supervisor",
            "is_active",
            "dbs_certificate_number",
            "dbs_checked_on",
            "training_completed_on",
            "agreement_signed_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "email" in self.fields:
            self.fields["email"].required = True
        if "role" in self.fields:
            self.fields["role"].help_text = ROLE_CEILINGS_HELP

    def clean_dbs_certificate_number(self) -> str:
        return re.sub(r"[\s-]", "", self.cleaned_data["dbs_certificate_number"])


def _supervisors_offered(request: HttpRequest) -> QuerySet[User]:
    """The admin's own users, plus the edited user's current supervisor even when that person
    is outside the admin's organisations (a local-authority supervisor of a school's staff).
    Without it the form would render no current value and a save of the unchanged page would
    silently drop the supervisor (issue 14, finding 9); choosing someone else from outside
    stays impossible."""
    offered = users_managed_by(request.user)
    edited = getattr(request, "_cp_user_edited", None)
    if edited is not None and edited.supervisor_id is not None:
        offered = User.objects.filter(Q(pk__in=offered.values("pk")) | Q(pk=edited.supervisor_id))
    return offered


class VettingLapseFilter(admin.SimpleListFilter):
    """Whose vetting lapses soon, for org admins to chase renewals (issue 17, point 9). The
    window is the reminder's (``VETTING_REMINDER_DAYS``); the rule is ``VETTING_ITEMS``'."""

    title = "vetting"
    parameter_name = "vetting"

    def lookups(self, request, model_admin):
        days = settings.VETTING_REMINDER_DAYS
        return [
            ("soon", f"Lapses within {days} days"),
            ("lapsed", "Lapsed"),
            ("current", "Current"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        soon = vetting_lapsed_by(today + timedelta(days=settings.VETTING_REMINDER_DAYS))
        if self.value() == "lapsed":
            return queryset.filter(vetting_lapsed_by(today))
        if self.value() == "soon":
            return queryset.filter(soon).exclude(vetting_lapsed_by(today))
        if self.value() == "current":
            return queryset.exclude(soon)
        return queryset


# Saved all the same (a supervisor may be appointed later), but said at once: without one a
# reader cannot use break-glass and nobody recertifies their access (issue 17, point 3).
NO_SUPERVISOR = (
    "{user} has no supervisor: they cannot use break-glass (nobody would judge it) and nobody "
    "recertifies their access each quarter. Choose their supervisor."
)


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    form = UserAdminForm
    fieldsets = [
        (None, {"fields": ["username", "first_name", "last_name", "email", "job_title", "phone"]}),
        ("Role", {"fields": ["organisation", "role", "supervisor", "is_active"]}),
        (
            "Vetting",
            {
                "fields": [*EVIDENCE_FIELDS, "vetting_status", "vetting_attestation"],
                "description": VETTING_HELP,
            },
        ),
        ("Sign-in", {"fields": ["second_factor", "last_login", "reactivated_at", "date_joined"]}),
    ]
    readonly_fields = [
        "second_factor",
        "last_login",
        "reactivated_at",
        "date_joined",
        "vetting_status",
        "vetting_attestation",
    ]
    list_display = ["username", "full_name", "organisation", "role", "is_active", "vetting_lapses"]
    list_filter = [
        "role", "is_active", VettingLapseFilter, ("organisation", admin.RelatedOnlyFieldListFilter),
    ]  # fmt: skip
    list_select_related = ["organisation"]
    search_fields = ["username", "first_name", "last_name", "email"]
    autocomplete_fields = ["organisation", "supervisor"]
    ordering = ["username"]
    show_full_result_count = False
    actions = ["send_password_reset", "reset_second_factor", "deactivate"]

    @admin.display(description="Name", ordering="last_name")
    def full_name(self, obj: User) -> str:
        return obj.get_full_name()

    @admin.display(description="Vetting lapses on")
    def vetting_lapses(self, obj: User) -> str:
        lapses_on = vetting_lapses_on(obj)
        if lapses_on is None:
            return "Evidence missing"
        when = date_format(lapses_on, "j M Y")
        return f"Lapsed on {when}" if lapses_on <= timezone.localdate() else when

    @admin.display(description="Authenticator app")
    def second_factor(self, obj: User) -> str:
        if obj.pk and two_factor.confirmed_device(user=obj) is not None:
            return "Set up"
        return "Not set up: the user sets one up at their next sign-in"

    @admin.display(description="Vetting today")
    def vetting_status(self, obj: User) -> str:
        today = timezone.localdate()
        return format_html_join(
            mark_safe("<br>"), "{}", ((_item_status(item, obj, today),) for item in VETTING_ITEMS)
        )

    @admin.display(description="Attested")
    def vetting_attestation(self, obj: User) -> str:
        attester = obj.vetting_attested_by if obj.pk else None
        if attester is None:
            return "Nobody has attested this evidence yet"
        when = date_format(timezone.localtime(obj.vetting_attested_at), "j M Y H:i")
        return f"By {attester.get_full_name() or attester.username} ({attester.username}), {when}"

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        """Rule (vetting as evidence): nobody attests their own evidence, so on their own
        page an admin sees it but cannot change it."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            fields += EVIDENCE_FIELDS
        return fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        """Rule: an organisation admin cannot see another organisation's users, so opening
        one answers as for a user that does not exist."""
        return users_visible_to(request.user).select_related("organisation")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None:
            return users_visible_to(request.user).filter(pk=obj.pk).exists()
        return is_auditor(request.user) or self.has_add_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return is_system_admin(user) or (
            is_org_admin(user) and organisations_managed_by(user).exists()
        )

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is None:
            return self.has_add_permission(request)
        return user_change_allowed(request.user, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        """Users are deactivated, never deleted: the history must keep naming who did what."""
        return False

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        """Rule: an organisation admin creates and moves users only within their own
        organisations, and picks supervisors from them."""
        if db_field.name == "organisation":
            kwargs["queryset"] = organisations_managed_by(request.user)
            kwargs["required"] = not is_system_admin(request.user)
        elif db_field.name == "supervisor":
            kwargs["queryset"] = _supervisors_offered(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request: HttpRequest, obj: User | None = None, change=False, **kwargs):
        request._cp_user_edited = obj  # read by _supervisors_offered for this form only
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_choice_field(self, db_field, request: HttpRequest, **kwargs):
        """Rules: nobody grants a role above their own, nor one their organisations may not
        hold (role ceilings)."""
        if db_field.name == "role":
            offered = roles_offered_by(request.user)
            kwargs["choices"] = [(role.value, role.label) for role in offered]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        try:
            result = user_save_by_admin_attesting(
                user=obj,
                created=not change,
                requested_by=request.user,
                actor=Actor.from_request(request),
            )
        except AttestationRefused as refusal:
            raise PermissionDenied(refusal.reason) from refusal
        for pending in result.pending:
            self.message_user(
                request,
                f"{pending.get_kind_display()} for {obj.get_username()} waits for a second "
                "approver (a system admin, or an admin of the local authority's children's "
                "services); nothing of it has changed yet.",
                messages.WARNING,
            )
        for reason in result.refused:
            self.message_user(request, reason, messages.WARNING)
        if obj.reads_child_data and obj.supervisor_id is None:
            self.message_user(
                request, NO_SUPERVISOR.format(user=obj.get_username()), messages.WARNING
            )

    def _changeable(self, request: HttpRequest, queryset: QuerySet[User]) -> list[User]:
        """The selected users this admin may change; the rest are left alone and counted."""
        users = list(queryset)
        allowed = [user for user in users if user_change_allowed(request.user, user)]
        if len(allowed) < len(users):
            self.message_user(
                request,
                f"{len(users) - len(allowed)} selected user(s) are above your level and were "
                "left unchanged.",
                messages.WARNING,
            )
        return allowed

    @admin.action(description="Send password reset link", permissions=["change"])
    def send_password_reset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        sent, skipped = 0, 0
        for user in self._changeable(request, queryset):
            if password_reset_link_send(
                user=user, domain=request.get_host(), use_https=request.is_secure()
            ):
                sent += 1
            else:
                skipped += 1
        self.message_user(request, f"Password reset link sent to {sent} user(s).")
        if skipped:
            self.message_user(
                request,
                f"{skipped} user(s) are inactive or have no e-mail address; no link was sent.",
                messages.WARNING,
            )

    @admin.action(
        description=(
            "Reset authenticator app (once a second approver has checked who the user is, "
            "they set up a new one with a one-time code)"
        ),
        permissions=["change"],
    )
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """Rule (separation of duties): every reset waits for a second approver."""
        waiting = 0
        actor = Actor.from_request(request)
        for user in self._changeable(request, queryset):
            try:
                second_factor_reset_by_admin(user=user, requested_by=request.user, actor=actor)
            except ProvisioningRefused as refusal:
                self.message_user(request, refusal.reason, messages.WARNING)
                continue
            waiting += 1
        if waiting:
            self.message_user(
                request,
                f"The reset for {waiting} user(s) waits for a second approver, who checks who "
                "the user is; their authenticator app is unchanged until then.",
                messages.WARNING,
            )

    @admin.action(description="Deactivate (ends their sessions now)", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        users = [user for user in self._changeable(request, queryset) if user.is_active]
        for user in users:
            user_deactivate(user=user)
        self.message_user(request, f"Deactivated {len(users)} user(s).")
