"""Pages of the feed review queue: thin; the rules live in ``access.gateway.feed_reviews``."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from access.gateway.feed_reviews import (
    feed_review_decide,
    feed_review_item,
    feed_review_queue,
)
from audit.writer import Actor


class ReviewDecisionForm(forms.Form):
    """``link:<public id>``, ``new`` or ``not_sure``; which children may be linked is the
    gateway's to check."""

    decision = forms.CharField(
        max_length=40, error_messages={"required": "Choose what this record is"}
    )


@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    held = feed_review_queue(user=request.user, actor=Actor.from_request(request))
    return render(request, "feeds/reviews.html", {"held": held})


@require_http_methods(["GET", "POST"])
def review_item(request: HttpRequest, review_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    form = ReviewDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision, _, public_id = form.cleaned_data["decision"].partition(":")
        try:
            feed_review_decide(
                user=request.user,
                review_id=review_id,
                decision=decision,
                child_public_id=public_id,
                actor=actor,
            )
        except ValueError as problem:
            form.add_error("decision", f"This record cannot be applied: {problem}")
        else:
            return redirect("feed_reviews:queue")
    incoming, candidates = feed_review_item(user=request.user, review_id=review_id, actor=actor)
    context = {"incoming": incoming, "candidates": candidates, "form": form}
    return render(request, "feeds/review.html", context, status=400 if form.errors else 200)
