"""The feedback form (everyone who logged in) and the list of feedback (administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rubrica.feedback.forms import FeedbackForm
from rubrica.feedback.models import Feedback
from rubrica.feedback.services import feedback_submit
from rubrica.kits.web.access import AuthedRequest, administrator_required
from rubrica.kits.web.forms import add_service_errors
from rubrica.kits.web.lists import paginate


@login_required
def new(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        form = FeedbackForm(request.POST)
        if form.is_valid():
            try:
                feedback = feedback_submit(
                    actor=request.user,
                    message=form.cleaned_data["message"],
                    page=form.cleaned_data["page"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Thank you: your feedback was sent to the team."))
                return redirect(feedback.page or "home")
    else:
        form = FeedbackForm(initial={"page": request.GET.get("from", "")})
    return render(request, "feedback/form.html", {"form": form})


@administrator_required
def feedback_list(request: AuthedRequest) -> HttpResponse:
    items = Feedback.objects.restrict(request.user, "view").select_related("author")
    page = paginate(request, items, ["-created_at", "-id"])
    return render(request, "feedback/list.html", {"page": page})
