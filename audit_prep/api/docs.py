"""The API documentation page, served by the service itself: Swagger UI comes from the pinned
drf-spectacular-sidecar package (static files under STATIC_URL, no CDN), and the page carries a
Content-Security-Policy that allows scripts and styles from our own origin only (no inline
script, no inline style: the start script is served by the same view at ``?script``, the page
style by ``api/swagger-ui-page.css``)."""

from drf_spectacular.views import SpectacularSwaggerSplitView

DOCS_CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])


class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CSP
        return response

