"""The coordinator's team page: who works at the shelter, invitations, roles, and the account events.

The only place in the web pages where access to a shelter's case records is given or taken. Every
action goes through `accounts.services`, which checks `accounts.selectors` again: the page only
offers what the services would allow.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.addresses import client_address
from accounts.models import Invitation
from shelters.models import ACCOUNT_ACTIONS, SHELTER_ROLES, AuditEntry, Role, Shelter, User
from web.views.common import current_shelter

CHANNEL = "web"
EVENTS_SHOWN = 50


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=[(role.value, role.label) for role in SHELTER_ROLES],
        initial=Role.CASEWORKER,
        widget=forms.RadioSelect,
    )


def _coordinated_shelter(request: HttpRequest) -> Shelter:
    """The shelter the pages work on, if the user coordinates it; anyone else is refused (403)."""
    if not (request.user.is_authenticated and request.user.role == Role.COORDINATOR):
        raise PermissionDenied
    shelter = current_shelter(request)
    if not selectors.may_grant_shelter_access(request.user, shelter):
        raise PermissionDenied
    return shelter


@login_required
@never_cache
def team(request: HttpRequest) -> HttpResponse:
    shelter = _coordinated_shelter(request)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                actor=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                shelter=shelter,
                channel=CHANNEL,
                address=client_address(request),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except services.MailNotSent as exc:
            messages.error(request, str(exc))
            return redirect("web:team")
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s. The link works once, for %(hours)d hours.")
                % {"email": form.cleaned_data["email"], "hours": settings.INVITATION_TTL_HOURS},
            )
            return redirect("web:team")
    members = list(selectors.team_of(shelter))
    for member in members:
        member.manageable = selectors.may_manage_account(request.user, member)
    invitations = Invitation.objects.filter(shelter=shelter, accepted_at__isnull=True, revoked_at__isnull=True)
    events = list(
        AuditEntry.objects.filter(shelter=shelter, action__in=ACCOUNT_ACTIONS).order_by("-at", "-id")[:EVENTS_SHOWN]
    )
    usernames = {
        str(pk): name for pk, name in User.objects.filter(memberships__shelter=shelter).values_list("pk", "username")
    }
    for event in events:
        event.subject_name = usernames.get(event.record_id, "") if event.record_type == "user" else ""
    return render(
        request,
        "accounts/team.html",
        {
            "shelter": shelter,
            "form": form,
            "members": members,
            "invitations": [invitation for invitation in invitations if invitation.is_pending],
            "events": events,
        },
    )


@login_required
@require_POST
def member_action(request: HttpRequest, user_id: int) -> HttpResponse:
    """One change to one member: make coordinator or caseworker, remove from the shelter, (de)activate."""
    shelter = _coordinated_shelter(request)
    member = get_object_or_404(selectors.team_of(shelter), pk=user_id)
    action = request.POST.get("action", "")
    common = {"actor": request.user, "user": member, "channel": CHANNEL, "address": client_address(request)}
    try:
        if action in ("caseworker", "coordinator"):
            services.role_change(role=action, **common)
            messages.success(
                request, _("%(username)s is now %(role)s.") % {"username": member.username, "role": Role(action).label}
            )
        elif action == "remove":
            services.membership_remove(shelter=shelter, **common)
            messages.success(
                request, _("%(username)s no longer has access to this shelter.") % {"username": member.username}
            )
        elif action in ("deactivate", "reactivate"):
            services.account_set_active(active=action == "reactivate", **common)
            messages.success(request, _("Account of %(username)s updated.") % {"username": member.username})
        else:
            messages.error(request, _("Choose an action."))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not change this account."))
    return redirect("web:team")


@login_required
@require_POST
def invitation_withdraw(request: HttpRequest, invitation_id: int) -> HttpResponse:
    shelter = _coordinated_shelter(request)
    invitation = get_object_or_404(Invitation, pk=invitation_id, shelter=shelter)
    services.invitation_revoke(actor=request.user, invitation=invitation, channel=CHANNEL)
    messages.success(request, _("Invitation withdrawn."))
    return redirect("web:team")
