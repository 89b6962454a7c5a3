"""The password rules' refusals in the user's language.

Django 5.2's ``MinimumLengthValidator`` refuses a short password with "This password
is too short. It must contain at least %d characters.", a msgid its zh_Hans
catalogue does not have (it translates the older ``%(min_length)d`` wording only),
so a member changing their password on a Simplified Chinese screen read that one
refusal in English among the Chinese ones. The rule's own help text says the same
thing and is translated in every language we serve; the refusal uses it.
"""

from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        # "Your password must contain at least 8 characters."
        return self.get_help_text()
