"""The user's own sign-in methods: security keys (add, name, remove), the authenticator app,
recovery codes; and the page that stops someone who must have a key until they add one.

Rules (access.sign_in.factors): removing a key needs a fresh step-up and may never leave someone who
must use a key with none; the first set of recovery codes needs only the signed-in session,
replacing a set needs a step-up (new codes void the old ones, and are a way in).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from audit.writer import Actor

from ..landing import landing_for
from . import factors, security_keys, two_factor
from .forms import KeyNameForm
from .recovery_codes import recovery_codes_generate, recovery_codes_remaining, recovery_device_for
from .step_up import require_step_up, step_up_is_fresh, step_up_redirect
from .webauthn_views import ceremony_config


@never_cache
@require_http_methods(["GET"])
def sign_in_methods(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "keys": security_keys.security_keys_for(user=user),
        "key_required": factors.security_key_required(user),
        "has_totp": two_factor.confirmed_device(user=user) is not None,
        "recovery_set": recovery_device_for(user=user) is not None,
        "recovery_remaining": recovery_codes_remaining(user=user),
        "webauthn_config": ceremony_config(request, purpose="step_up"),
    }
    return render(request, "access/sign_in_methods.html", context)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def security_key_name(request: HttpRequest, key_id: int) -> HttpResponse:
    key = security_keys.security_key_get_for_user(user=request.user, key_id=key_id)
    form = KeyNameForm(request.POST or None, initial={"name": key.name})
    if request.method == "POST" and form.is_valid():
        security_keys.security_key_rename(key=key, name=form.cleaned_data["name"])
        return redirect("account:sign_in_methods")
    status = 400 if form.errors else 200
    return render(
        request, "access/security_key_name.html", {"form": form, "key": key}, status=status
    )


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
@require_step_up
def security_key_remove(request: HttpRequest, key_id: int) -> HttpResponse:
    key = security_keys.security_key_get_for_user(user=request.user, key_id=key_id)
    refusal = factors.security_key_removal_refusal(request.user)
    if request.method == "POST" and not refusal:
        try:
            security_keys.security_key_remove(
                actor=Actor.from_request(request), user=request.user, key=key
            )
        except security_keys.KeyRemovalRefused as refused:
            refusal = str(refused)
        else:
            return redirect("account:sign_in_methods")
    status = 409 if (refusal and request.method == "POST") else 200
    context = {"key": key, "refusal": refusal}
    return render(request, "access/security_key_remove.html", context, status=status)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm; POST makes the set and shows it, once (the page is no-store)."""
    user = request.user
    replacing = recovery_device_for(user=user) is not None
    if replacing and not step_up_is_fresh(request):
        return step_up_redirect(request)
    if request.method == "POST":
        codes = recovery_codes_generate(actor=Actor.from_request(request), user=user)
        return render(request, "access/recovery_codes_made.html", {"codes": codes})
    context = {"replacing": replacing, "remaining": recovery_codes_remaining(user=user)}
    return render(request, "access/recovery_codes.html", context)


@never_cache
@require_http_methods(["GET"])
def security_key_needed(request: HttpRequest) -> HttpResponse:
    """Where ``SecurityKeyRequiredMiddleware`` sends someone whose role must use a key and who
    has none yet; under ``/accounts/``, so it checks the verified session itself."""
    user = request.user
    if not (user.is_authenticated and user.is_verified()):
        return redirect("access:login")
    if not factors.missing_required_key(user):
        return redirect(landing_for(user).url)
    context = {"webauthn_config": ceremony_config(request, purpose="step_up")}
    return render(request, "access/security_key_needed.html", context)
