from django.http import JsonResponse
from django.shortcuts import render


def home(request):
    """Landing page until the web interface exists: what the service is and where to go."""
    return render(request, "audit_prep/home.html")


def healthz(request):
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})
