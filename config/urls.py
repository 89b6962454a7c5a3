from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from django.views.i18n import set_language

from config.health import healthz
from config.ids import IdConverter
from config.offline import offline_page, service_worker
from config.page_position import set_page_position
from config.public_media import serve_image

# ``<id:...>`` in every app's patterns. Registered before the includes below import
# those patterns (by dotted path, so Wagtail's admin builds its own, with our
# viewsets' and hooks', only then).
register_converter(IdConverter, "id")

# Under /api/, what Django refuses itself (a body too large) is answered in JSON.
handler400 = "config.api_errors.bad_request"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The service worker's scope is the folder it is served from: the whole site.
    path("sw.js", service_worker, name="service-worker"),
    path("offline/", offline_page, name="offline"),
    # Wagtail's image files on the embedded default (SATCHEL_SERVE_MEDIA); other media
    # have their own access-checked views.
    path(
        f"{settings.MEDIA_URL.lstrip('/')}<path:path>", serve_image, name="public_media"
    ),
    # Wagtail's site history, scoped for organisers (members/site_history.py):
    # before the admin's own URLs, at the same addresses.
    path("admin/", include("members.admin_urls")),
    # Wagtail's page ordering, with the root page and a bad position refused:
    # before the admin's own URLs, at the same address.
    path(
        "admin/pages/<id:page_to_move_id>/set_position/",
        set_page_position,
    ),
    path("admin/", include("wagtail.admin.urls")),
    path("documents/", include("wagtail.documents.urls")),
    path("api/v1/", include("config.api_urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # App-owned site pages.
    path("", include("members.urls")),
    path("", include("courses.urls")),
    path("", include("media_pipeline.urls")),
    path("", include("quizzes.urls")),
    # Wagtail's page tree serves everything else, so it comes last.
    path("", include("wagtail.urls")),
]
