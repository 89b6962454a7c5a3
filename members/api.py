"""The members API under /api/v1/members/.

For members: their own profile, organisation search, their registrations (报到).
For organisers and helpers: members in their scope (paginated) and one member.
For helpers: the contact log of a paired member.
Every endpoint filters through members.scoping; an object outside the caller's
scope is a 404.
"""

from django.core.paginator import InvalidPage
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from members import selectors, services
from members.models import ContactRecord, Member, Organisation, Pairing, Registration
from members.scoping import is_helper, is_organiser, members_in_scope, phone_for


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )

    class Meta:
        ref_name = "MembersError"


def _error(detail, code: str, http_status: int, **extra) -> Response:
    return Response({"detail": str(detail), "code": code, **extra}, status=http_status)


def _invalid(serializer) -> Response:
    return _error(
        _("The request is not valid."),
        "invalid",
        400,
        fields={k: [str(e) for e in v] for k, v in serializer.errors.items()},
    )


UNAUTHENTICATED = OpenApiResponse(ErrorSerializer, description="Not logged in.")
NO_PROFILE = OpenApiResponse(ErrorSerializer, description="No member profile.")
NOT_IN_SCOPE = OpenApiResponse(
    ErrorSerializer, description="No such member in your scope."
)
NOT_AN_ORGANISER = OpenApiResponse(
    ErrorSerializer, description="Neither an organiser nor a helper."
)


class OrganisationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    code = serializers.CharField()

    class Meta:
        ref_name = "MembersOrganisation"


def _organisation(o: Organisation | None):
    if o is None:
        return None
    return {"id": o.pk, "name": o.name, "kind": o.kind, "code": o.code}


class MemberOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField(help_text="In full, or masked as 138****5678.")
    home_organisation = OrganisationOutput()
    host_organisation = OrganisationOutput(allow_null=True)
    mobility_status = serializers.ChoiceField(choices=Member.Mobility.choices)
    whereabouts = serializers.CharField()
    scope = serializers.CharField(
        required=False, help_text="home, host, both, paired or self."
    )

    class Meta:
        ref_name = "MembersMember"


def _member(user, m: Member, scope: str | None = None) -> dict:
    return {
        "id": m.pk,
        "name": m.name,
        "phone": phone_for(user, m),
        "home_organisation": _organisation(m.home_organisation),
        "host_organisation": _organisation(m.host_organisation),
        "mobility_status": m.mobility_status,
        "whereabouts": m.whereabouts,
        "scope": scope or getattr(m, "scope", "self"),
    }


class RegistrationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = OrganisationOutput()
    status = serializers.ChoiceField(choices=Registration.Status.choices)
    message = serializers.CharField()
    reason = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "MembersRegistration"


def _registration(r: Registration) -> dict:
    return {
        "id": r.pk,
        "organisation": _organisation(r.organisation),
        "status": r.status,
        "message": r.message,
        "reason": r.reason,
        "requested_at": r.requested_at,
        "decided_at": r.decided_at,
        "ended_at": r.ended_at,
    }


def _own_member(request):
    return selectors.member_for_user(request.user)


def _no_profile() -> Response:
    return _error(_("Your account has no member profile."), "no_profile", 404)


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
        return Response(_member(request.user, member, "self"))


class OrganisationSearchApi(APIView):
    OutputSerializer = OrganisationOutput

    @extend_schema(
        operation_id="members_organisation_search",
        parameters=[
            OpenApiParameter("q", str, description="Exact code or part of the name.")
        ],
        responses={200: OutputSerializer(many=True), 403: UNAUTHENTICATED},
    )
    def get(self, request):
        results = selectors.organisation_search(request.query_params.get("q", ""))
        return Response([_organisation(o) for o in results])


class MyRegistrationsApi(APIView):
    class InputSerializer(serializers.Serializer):
        organisation_code = serializers.CharField(max_length=32)
        message = serializers.CharField(
            max_length=1000, required=False, allow_blank=True, default=""
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
        return Response([_registration(r) for r in registrations])

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
                "organisation.",
            ),
        },
    )
    def post(self, request):
        member = _own_member(request)
        if member is None:
            return _no_profile()
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            return _invalid(serializer)
        data = serializer.validated_data
        organisation = Organisation.objects.filter(
            code__iexact=data["organisation_code"].strip()
        ).first()
        if organisation is None:
            return _error(_("No organisation has this code."), "unknown_code", 400)
        try:
            registration = services.registration_request(
                member=member, organisation=organisation, message=data["message"]
            )
        except services.MemberStateError as error:
            return _error(" ".join(error.messages), "conflict", 409)
        return Response(_registration(registration), status=status.HTTP_201_CREATED)


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
            return _error(_("Registration not found."), "not_found", 404)
        try:
            registration = services.registration_cancel(registration=registration)
        except services.MemberStateError as error:
            return _error(" ".join(error.messages), "conflict", 409)
        return Response(_registration(registration))


class MemberPagination(PageNumberPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def paginate_scope(self, members, request, *, plain: bool) -> list[Member]:
        """PageNumberPagination.paginate_queryset, but an unfiltered scope list
        fetches its page through selectors.member_list_page (bench/members)."""
        page_size = self.get_page_size(request)
        paginator = self.django_paginator_class(members, page_size)
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage:
            raise NotFound(_("That page does not exist.")) from None
        self.request = request
        if plain and paginator.count:
            self.page.object_list = selectors.member_list_page(
                request.user,
                members,
                offset=self.page.start_index() - 1,
                limit=page_size,
                total=paginator.count,
            )
        return list(self.page)


def _scoped_or_refused(request):
    user = request.user
    if not is_organiser(user) and not is_helper(user):
        return None
    return members_in_scope(user)


class MemberListApi(APIView):
    OutputSerializer = MemberOutput

    @extend_schema(
        operation_id="members_in_scope",
        parameters=[
            OpenApiParameter(
                "organisation", str, description="Code: home or host in its subtree."
            ),
            OpenApiParameter(
                "mobility_status", str, enum=[c for c, _ in Member.Mobility.choices]
            ),
            OpenApiParameter("q", str, description="Part of the name or phone."),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description="At most 200."),
        ],
        responses={
            200: OutputSerializer(many=True),
            400: OpenApiResponse(ErrorSerializer, description="Unknown filter value."),
            403: NOT_AN_ORGANISER,
            404: OpenApiResponse(ErrorSerializer, description="No such page."),
        },
    )
    def get(self, request):
        members = _scoped_or_refused(request)
        if members is None:
            return _error(
                _("Only organisers and helpers can list members."), "forbidden", 403
            )
        params = request.query_params
        organisation = None
        if code := params.get("organisation", "").strip():
            organisation = Organisation.objects.filter(code__iexact=code).first()
            if organisation is None:
                return _error(_("No organisation has this code."), "unknown_code", 400)
        status_filter = params.get("mobility_status", "")
        if status_filter and status_filter not in Member.Mobility.values:
            return _error(_("Unknown mobility status."), "invalid", 400)
        members = selectors.members_for_organiser(
            request.user,
            organisation=organisation,
            mobility_status=status_filter,
            query=params.get("q", "").strip(),
        )
        paginator = MemberPagination()
        plain = not (organisation or status_filter or params.get("q", "").strip())
        try:
            page = paginator.paginate_scope(members, request, plain=plain)
        except NotFound as error:
            return _error(error.detail, "not_found", 404)
        return paginator.get_paginated_response(
            [_member(request.user, m) for m in page]
        )


class MemberDetailApi(APIView):
    class OutputSerializer(MemberOutput):
        registrations = RegistrationOutput(many=True)

        class Meta:
            ref_name = "MembersMemberDetail"

    @extend_schema(
        operation_id="members_member",
        responses={200: OutputSerializer, 403: NOT_AN_ORGANISER, 404: NOT_IN_SCOPE},
    )
    def get(self, request, pk: int):
        members = _scoped_or_refused(request)
        if members is None:
            return _error(
                _("Only organisers and helpers can see members."), "forbidden", 403
            )
        member = members.select_related("home_organisation", "host_organisation")
        member = member.filter(pk=pk).first()
        if member is None:
            return _error(_("Member not found."), "not_found", 404)
        data = _member(request.user, member)
        data["registrations"] = [
            _registration(r) for r in selectors.member_registrations(member)
        ]
        return Response(data)


class ContactRecordApi(APIView):
    """A helper's contact log for one paired member."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=ContactRecord.Kind.choices)
        note = serializers.CharField(
            max_length=2000, required=False, allow_blank=True, default=""
        )
        at = serializers.DateTimeField(required=False, allow_null=True, default=None)

        class Meta:
            ref_name = "MembersContactInput"

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        kind = serializers.CharField()
        note = serializers.CharField()
        at = serializers.DateTimeField()

        class Meta:
            ref_name = "MembersContact"

    @extend_schema(
        operation_id="members_contacts",
        responses={
            200: OutputSerializer(many=True),
            403: UNAUTHENTICATED,
            404: OpenApiResponse(ErrorSerializer, description="Not your pairing."),
        },
    )
    def get(self, request, pk: int):
        pairing = Pairing.objects.filter(helper=request.user, member_id=pk).first()
        if pairing is None:
            return _error(_("You are not paired with this member."), "not_found", 404)
        return Response(
            [
                {"id": c.pk, "kind": c.kind, "note": c.note, "at": c.at}
                for c in pairing.contacts.all()[:200]
            ]
        )

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
        pairing = Pairing.objects.filter(helper=request.user, member_id=pk).first()
        if pairing is None:
            return _error(_("You are not paired with this member."), "not_found", 404)
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            return _invalid(serializer)
        record = services.contact_record_add(
            pairing=pairing, recorded_by=request.user, **serializer.validated_data
        )
        return Response(
            {
                "id": record.pk,
                "kind": record.kind,
                "note": record.note,
                "at": record.at,
            },
            status=status.HTTP_201_CREATED,
        )
