"""The project's URLs plus a stand-in for the invitation link's page, for branches that do not have it yet.

Invitations build their link with `reverse("accounts:join")`; the page itself is not what these tests test.
"""

from django.http import HttpResponse
from django.urls import include, path

join = ([path("join/<str:secret>/", lambda request, secret: HttpResponse(), name="join")], "accounts")

urlpatterns = [path("accounts/", include(join)), path("", include("proteja_site.urls"))]
