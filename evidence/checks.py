"""`manage.py check` says when this machine cannot read scans (decision 0031): the service
runs without an OCR engine, but scans are then kept with no searchable text."""

from django.core.checks import Warning, register

from .ocr_results import engine_problem


@register()
def ocr_engine(app_configs, **kwargs):
    problem = engine_problem()
    if problem is None:
        return []
    return [Warning(
        f"OCR is unavailable ({problem}): scans (images, PDFs without text) will not be "
        "searchable.",
        hint="Install the Debian packages tesseract-ocr, tesseract-ocr-fra and poppler-utils "
             "(`make run` does as root), then restart the worker.",
        id="evidence.W001")]
