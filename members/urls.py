"""Site pages of the members app."""

from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("me/organisations/", views.my_organisations, name="my-organisations"),
    path("register/", views.register, name="register"),
    # Printed on the QR posters: keep this URL stable.
    path("register/<str:code>/", views.register_with, name="register-with"),
    path("me/password/", views.password_change, name="password-change"),
    path("me/pairs/", views.my_pairs, name="my-pairs"),
    path("me/pairs/<id:member_id>/", views.pair_detail, name="pair-detail"),
    path(
        "me/registrations/<id:pk>/cancel/",
        views.registration_cancel,
        name="registration-cancel",
    ),
]
