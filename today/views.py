from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from org.http import AuthenticatedHttpRequest

from .selectors import start_page_for


@login_required
def start_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "today/start.html", {"start": start_page_for(official=request.user)})
