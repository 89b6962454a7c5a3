"""Members in the caller's scope, for organisers and helpers: the paginated list
(members/) and one member with their registrations (members/<id>/)."""

from django.core.paginator import InvalidPage
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_errors import PERMISSION_DENIED
from members import selectors
from members.api.errors import (
    NOT_AN_ORGANISER,
    NOT_IN_SCOPE,
    ErrorSerializer,
    error_response,
)
from members.api.outputs import (
    MemberOutput,
    RegistrationOutput,
    member_data,
    registration_data,
)
from members.models import Member, Organisation
from members.scoping import (
    is_helper,
    is_organiser,
    members_in_scope,
    organisation_in_scope,
)


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
    PageSerializer = inline_serializer(
        name="MembersMemberPage",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": MemberOutput(many=True),
        },
    )

    @extend_schema(
        operation_id="members_in_scope",
        parameters=[
            OpenApiParameter(
                "organisation",
                str,
                description=(
                    "Code: home or host in its subtree. 400 for an unknown code, "
                    "404 for an organisation outside your area."
                ),
            ),
            OpenApiParameter(
                "mobility_status", str, enum=[c for c, _ in Member.Mobility.choices]
            ),
            OpenApiParameter(
                "q",
                str,
                description=(
                    "Part of the name, or of the phone where you see it in full."
                ),
            ),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description="At most 200."),
        ],
        responses={
            200: PageSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Unknown filter value."),
            403: NOT_AN_ORGANISER,
            404: OpenApiResponse(
                ErrorSerializer,
                description="No such page, or the organisation is outside your area.",
            ),
        },
    )
    def get(self, request):
        members = _scoped_or_refused(request)
        if members is None:
            return error_response(
                _("Only organisers and helpers can list members."),
                PERMISSION_DENIED,
                403,
            )
        params = request.query_params
        organisation = None
        if code := params.get("organisation", "").strip():
            organisation = Organisation.objects.filter(code__iexact=code).first()
            if organisation is None:
                return error_response(
                    _("No organisation has this code."), "unknown_code", 400
                )
            if not organisation_in_scope(request.user, organisation):
                # As the reports API answers: an empty list would read as "nobody
                # there" rather than "not yours to see".
                return error_response(
                    _("No such organisation in your area."), "not_found", 404
                )
        status_filter = params.get("mobility_status", "")
        if status_filter and status_filter not in Member.Mobility.values:
            return error_response(_("Unknown mobility status."), "invalid", 400)
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
            return error_response(error.detail, "not_found", 404)
        return paginator.get_paginated_response(
            [member_data(request.user, m) for m in page]
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
            return error_response(
                _("Only organisers and helpers can see members."),
                PERMISSION_DENIED,
                403,
            )
        member = members.select_related("home_organisation", "host_organisation")
        member = member.filter(pk=pk).first()
        if member is None:
            return error_response(_("Member not found."), "not_found", 404)
        data = member_data(request.user, member)
        data["registrations"] = [
            registration_data(r) for r in selectors.member_registrations(member)
        ]
        return Response(data)
