from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import services
from .forms import PreferencesForm


def preferences(request, token):
    """Email preferences, reached from the signed link in every reminder (no login needed)."""
    email = services.preferences_email_from_token(token)
    if email is None:
        return render(request, "mailings/preferences_invalid.html", status=400)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.preferences_set(email=email, reminders=form.cleaned_data["reminders"])
            messages.success(request, _("Your email preferences have been saved."))
            return redirect(request.path)
    else:
        form = PreferencesForm(initial={"reminders": services.reminders_enabled(email)})
    return render(request, "mailings/preferences.html", {"form": form, "email": email})


@csrf_exempt  # RFC 8058: mail clients post "List-Unsubscribe=One-Click" here, with no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    email = services.preferences_email_from_token(token)
    if email is None:
        return render(request, "mailings/preferences_invalid.html", status=400)
    if request.method == "GET":
        return redirect("mailings:preferences", token=token)
    services.preferences_set(email=email, reminders=False)
    return HttpResponse(_("You will no longer receive reminders."), content_type="text/plain; charset=utf-8")
