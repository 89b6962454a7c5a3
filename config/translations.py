"""Django's and DRF's own strings that their catalogues translate wrongly, or not at
all, for our languages.

Nothing imports this module: ``makemessages`` reads it, so these msgids stay in
site/locale, which comes first in ``LOCALE_PATHS`` and so wins over Django's
catalogue. The translations are in site/locale/*/LC_MESSAGES/django.po.
"""

from django.utils.translation import gettext_noop

# The label suffix (``Form.label_suffix``, after every ``label_tag``): Django's
# zh_Hans catalogue keeps the ASCII colon ("手机号:"); Chinese text takes the
# full-width one, as Django's zh_Hant catalogue already gives.
LABEL_SUFFIX = gettext_noop(":")

# ProhibitNullCharactersValidator's message (a form field holding a NUL character):
# Django's zh_Hans catalogue says "an empty string is not allowed" (不允许是用空字符串).
NULL_CHARACTERS = gettext_noop("Null characters are not allowed.")

# DRF's FloatField refusal of an integer too large for a float (a position of
# 1 followed by 400 zeros): no DRF catalogue has this msgid.
FLOAT_OVERFLOW = gettext_noop("Integer value too large to convert to float")
