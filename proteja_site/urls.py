from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import urls as account_urls
from accounts import views as account_views

# Each app owns its API routes in `<app>/api_urls.py`; they all live under /api/v1/.
api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("shelters.api_urls")),
    path("", include("indicators.api_urls")),
    path("", include("meetings.api_urls")),
    path("", include("legislation.api_urls")),
    path("", include("reports.api_urls")),
    path("", include("transfers.api_urls")),
]

urlpatterns = [
    # The admin's and DRF's sign-in pages ask for no second factor's code: they send to the site's sign-in.
    path("admin/login/", account_views.sign_in_elsewhere, {"default_next": "/admin/"}, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's start-up script as a file of its own (/api/docs/?script=): no inline script, as the CSP wants.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    # Session login and logout links for the browsable API.
    path("api/auth/login/", account_views.sign_in_elsewhere, {"default_next": "/api/v1/"}, name="api-auth-login"),
    path("api/auth/", include("rest_framework.urls")),
    # The site's sign-in (with the second factor's code), password reset and change (audited), before Django's own.
    path("accounts/", include(account_urls.unnamespaced_urlpatterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("web.urls")),
]

# Unknown URLs under /api/ answer JSON like the API's own 404s.
handler404 = "proteja_site.api.page_not_found"
handler500 = "proteja_site.api.server_error"
