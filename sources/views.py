from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt

from funding.models import Fund

from . import alerts, selectors
from .models import Subscription


def data_sources(request):
    return render(
        request,
        "sources/data_sources.html",
        {
            "latest_month": selectors.latest_month(),
            "files": selectors.files_loaded(),
            "fetches": selectors.fetches_recent(),
            "revisions": selectors.revisions_recent(),
        },
    )


def whats_new(request):
    return render(request, "sources/whats_new.html", {"new": selectors.whats_new()})


@login_required
def alerts_page(request):
    error = ""
    if request.method == "POST":
        try:
            alerts.subscription_create(
                user=request.user,
                kind=request.POST.get("kind", ""),
                target=request.POST.get("target", ""),
            )
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
        else:
            return redirect("sources:alerts")
    subscriptions = [
        (subscription, alerts.unsubscribe_token(subscription))
        for subscription in request.user.subscriptions.select_related("organisation", "fund")
    ]
    return render(
        request,
        "sources/alerts.html",
        {
            "subscriptions": subscriptions,
            "error": error,
            "kinds": Subscription.Kind.choices,
            "funds": Fund.objects.standing().order_by("name"),
            # A refused entry comes back as typed, to correct.
            "kind": request.POST.get("kind", "") if error else "",
            "target": request.POST.get("target", "") if error else "",
        },
        status=400 if error else 200,
    )


# The link in an email is the credential (a signed token), and mail clients post to it
# without a CSRF token for one-click unsubscribe (RFC 8058); a GET only asks to confirm, so a
# link scanner that follows it unsubscribes no one.
@csrf_exempt
def unsubscribe(request, token):
    subscription = alerts.subscription_for_token(token)
    if subscription is None:
        return render(request, "sources/unsubscribe.html", {"gone": True}, status=404)
    label = subscription.subject_label
    if request.method == "POST":
        subscription.delete()
        return render(request, "sources/unsubscribe.html", {"done": True, "label": label})
    return render(request, "sources/unsubscribe.html", {"label": label})
