"""The admin's login form (``WAGTAILADMIN_USER_LOGIN_FORM``): Wagtail's, with a
label on the password field. Wagtail's gives it none, so Django made one from the
field's name, "Password", in English on every screen; this is Django's own msgid,
which its catalogues translate."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm


class LoginForm(WagtailLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("Password")
