from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.urls import password_urlpatterns

# Each app owns its API routes in `<app>/api_urls.py`; they all live under /api/v1/.
api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("shelters.api_urls")),
    path("", include("indicators.api_urls")),
    path("", include("meetings.api_urls")),
    path("", include("reports.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Session login and logout links for the browsable API.
    path("api/auth/", include("rest_framework.urls")),
    # Password reset and change through accounts' views (audited), then Django's others (login, done pages).
    path("accounts/", include(password_urlpatterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("shelters.urls")),
]

# Unknown URLs under /api/ answer JSON like the API's own 404s.
handler404 = "proteja_site.api.page_not_found"
