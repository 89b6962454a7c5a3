"""Organisation search, for anyone signed in (a member looking for where to
register types a code from a poster or part of a name)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from members import selectors
from members.api.errors import UNAUTHENTICATED
from members.api.outputs import OrganisationOutput, organisation_data


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
        return Response([organisation_data(o) for o in results])
