"""The error body every members endpoint answers with, and its documented cases.

Errors are ``{"detail", "code"[, "fields"]}`` (``MembersError`` in the schema).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.response import Response

from config.api_errors import translate_no_data


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )

    class Meta:
        ref_name = "MembersError"


def error_response(detail, code: str, http_status: int, **extra) -> Response:
    return Response({"detail": str(detail), "code": code, **extra}, status=http_status)


def invalid_response(serializer) -> Response:
    return error_response(
        _("The request is not valid."),
        "invalid",
        400,
        fields={
            k: [str(e) for e in v]
            for k, v in translate_no_data(serializer.errors).items()
        },
    )


UNAUTHENTICATED = OpenApiResponse(ErrorSerializer, description="Not logged in.")
NO_PROFILE = OpenApiResponse(ErrorSerializer, description="No member profile.")
NOT_IN_SCOPE = OpenApiResponse(
    ErrorSerializer, description="No such member in your scope."
)
NOT_AN_ORGANISER = OpenApiResponse(
    ErrorSerializer, description="Neither an organiser nor a helper."
)
