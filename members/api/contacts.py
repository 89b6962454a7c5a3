"""A helper's contact log for one paired member (members/<id>/contacts/)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_input import DateTimeField
from config.typed_text import refuse_untypable
from members import services
from members.api.errors import (
    UNAUTHENTICATED,
    ErrorSerializer,
    error_response,
    invalid_response,
)
from members.models import NOTE_MAX_LENGTH, ContactRecord, Pairing


def _pairing(request, member_id: int) -> Pairing | None:
    """Only the helper paired with the member reads or writes their log."""
    return Pairing.objects.filter(helper=request.user, member_id=member_id).first()


def _not_paired() -> Response:
    return error_response(_("You are not paired with this member."), "not_found", 404)


def _contact(c: ContactRecord) -> dict:
    """Through ``ContactOutput``: the time in the site's time zone, as every other
    endpoint writes times (a raw datetime came out in UTC)."""
    return ContactOutput({"id": c.pk, "kind": c.kind, "note": c.note, "at": c.at}).data


class ContactOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    note = serializers.CharField()
    at = serializers.DateTimeField()

    class Meta:
        ref_name = "MembersContact"


class ContactRecordApi(APIView):
    """A helper's contact log for one paired member."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=ContactRecord.Kind.choices)
        note = serializers.CharField(
            max_length=NOTE_MAX_LENGTH,
            required=False,
            allow_blank=True,
            default="",
            validators=[refuse_untypable],
        )
        at = DateTimeField(
            required=False,
            allow_null=True,
            default=None,
            validators=[services.validate_contact_time],
        )

        class Meta:
            ref_name = "MembersContactInput"

    OutputSerializer = ContactOutput

    @extend_schema(
        operation_id="members_contacts",
        responses={
            200: OutputSerializer(many=True),
            403: UNAUTHENTICATED,
            404: OpenApiResponse(ErrorSerializer, description="Not your pairing."),
        },
    )
    def get(self, request, pk: int):
        pairing = _pairing(request, pk)
        if pairing is None:
            return _not_paired()
        return Response([_contact(c) for c in pairing.contacts.all()[:200]])

    @extend_schema(
        operation_id="members_contact_add",
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Invalid input."),
            403: UNAUTHENTICATED,
            404: OpenApiResponse(ErrorSerializer, description="Not your pairing."),
        },
    )
    def post(self, request, pk: int):
        pairing = _pairing(request, pk)
        if pairing is None:
            return _not_paired()
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            return invalid_response(serializer)
        record = services.contact_record_add(
            pairing=pairing, recorded_by=request.user, **serializer.validated_data
        )
        return Response(_contact(record), status=status.HTTP_201_CREATED)
