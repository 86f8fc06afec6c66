"""The enrolment-code step after an approved second-factor reset (``enrolment_codes``).

Reached after the password, before any second factor exists: ``access.sign_in.views.enrol`` sends
the user here while their reset's code is untyped.
"""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from audit.writer import Actor

from .enrolment_codes import (
    EnrolmentCodeProblem,
    enrolment_code_accepted,
    enrolment_code_check,
    enrolment_code_needed,
)


class EnrolmentCodeForm(forms.Form):
    code = forms.CharField(
        label="Enrolment code",
        max_length=40,
        error_messages={"required": "Enter the code your administrator gave you"},
    )


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def enrolment_code(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect("access:login")
    reset = enrolment_code_needed(user)
    if reset is None or enrolment_code_accepted(request, reset):
        return redirect("access:enrol")
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment_code_check(
                http_request=request,
                reset=reset,
                code=form.cleaned_data["code"],
                actor=Actor.from_request(request),
            )
        except EnrolmentCodeProblem as problem:
            form.add_error("code", problem.reason)
        else:
            return redirect("access:enrol")
    status = 400 if form.errors else 200
    return render(request, "access/enrolment_code.html", {"form": form}, status=status)
