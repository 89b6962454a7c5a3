"""The signed-in member's own endpoints (members/me/...): their profile, their
registrations (报到), asking to register and cancelling a pending request."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.typed_text import refuse_untypable
from members import selectors, services
from members.api.errors import (
    NO_PROFILE,
    UNAUTHENTICATED,
    ErrorSerializer,
    error_response,
    invalid_response,
)
from members.api.outputs import (
    MemberOutput,
    RegistrationOutput,
    member_data,
    registration_data,
)


def _own_member(request):
    return selectors.member_for_user(request.user)


def _no_profile() -> Response:
    return error_response(_("Your account has no member profile."), "no_profile", 404)


def _conflict(error: services.MemberStateError) -> Response:
    return error_response(" ".join(error.messages), "conflict", 409)


class MyProfileApi(APIView):
    OutputSerializer = MemberOutput

    @extend_schema(
        operation_id="members_me",
        responses={200: OutputSerializer, 403: UNAUTHENTICATED, 404: NO_PROFILE},
    )
    def get(self, request):
        member = _own_member(request)
        if member is None:
            return _no_profile()
        return Response(member_data(request.user, member, "self"))


class MyRegistrationsApi(APIView):
    class InputSerializer(serializers.Serializer):
        organisation_code = serializers.CharField(max_length=32)
        message = serializers.CharField(
            max_length=1000,
            required=False,
            allow_blank=True,
            default="",
            validators=[refuse_untypable],
        )

        class Meta:
            ref_name = "MembersRegistrationRequest"

    OutputSerializer = RegistrationOutput

    @extend_schema(
        operation_id="members_my_registrations",
        responses={
            200: OutputSerializer(many=True),
            403: UNAUTHENTICATED,
            404: NO_PROFILE,
        },
    )
    def get(self, request):
        member = _own_member(request)
        if member is None:
            return _no_profile()
        registrations = selectors.member_registrations(member)
        return Response([registration_data(r) for r in registrations])

    @extend_schema(
        operation_id="members_registration_request",
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description="Invalid input or unknown code."
            ),
            403: UNAUTHENTICATED,
            404: NO_PROFILE,
            409: OpenApiResponse(
                ErrorSerializer,
                description="An open registration exists, or this is the home "
                "organisation or one that contains it.",
            ),
        },
    )
    def post(self, request):
        member = _own_member(request)
        if member is None:
            return _no_profile()
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            return invalid_response(serializer)
        data = serializer.validated_data
        organisation = selectors.organisation_by_code(data["organisation_code"])
        if organisation is None:
            return error_response(
                _("No organisation has this code."), "unknown_code", 400
            )
        try:
            registration = services.registration_request(
                member=member, organisation=organisation, message=data["message"]
            )
        except services.MemberStateError as error:
            return _conflict(error)
        return Response(registration_data(registration), status=status.HTTP_201_CREATED)


class MyRegistrationCancelApi(APIView):
    OutputSerializer = RegistrationOutput

    @extend_schema(
        operation_id="members_registration_cancel",
        request=None,
        responses={
            200: OutputSerializer,
            403: UNAUTHENTICATED,
            404: OpenApiResponse(ErrorSerializer, description="No such registration."),
            409: OpenApiResponse(ErrorSerializer, description="No longer pending."),
        },
    )
    def post(self, request, pk: int):
        member = _own_member(request)
        if member is None:
            return _no_profile()
        registration = member.registrations.filter(pk=pk).first()
        if registration is None:
            return error_response(_("Registration not found."), "not_found", 404)
        try:
            registration = services.registration_cancel(registration=registration)
        except services.MemberStateError as error:
            return _conflict(error)
        return Response(registration_data(registration))
