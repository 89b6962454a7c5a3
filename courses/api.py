"""Progress API: the lesson player posts batches of events here (docs/progress.md)."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_errors import translate_no_data
from config.api_input import DateTimeField, JSONParser, parse_json
from config.ids import IdField
from courses.models import Quality
from courses.owners import progress_owners
from courses.progress_store import batch_target
from courses.services import EventInput, lesson_progress_record, study_preference_set
from members.models import Member

MAX_EVENTS = 200
MAX_RANGES = 200
# Phones' clocks drift; an event a little in the future is a clock, not a forgery.
CLOCK_SKEW = dt.timedelta(minutes=5)
# Offline study is synced within weeks, not years.
MAX_AGE = dt.timedelta(days=366)
NO_ERROR = dt.timedelta(0)


def phone_clock_error(batch) -> dt.timedelta:
    """How far the server's clock is ahead of the phone's, from the batch's
    ``sent_at`` (the phone's clock when it sent the batch): zero without one, or
    within ``CLOCK_SKEW`` (a phone's ordinary drift, and the time on the wire)."""
    if not isinstance(batch, dict) or batch.get("sent_at") in (None, ""):
        return NO_ERROR
    try:
        sent_at = DateTimeField().run_validation(batch["sent_at"])
    except ValidationError:
        return NO_ERROR  # the batch's own sent_at field says what is wrong
    error = timezone.now() - sent_at
    return error if abs(error) > CLOCK_SKEW else NO_ERROR


def _plausible(at: dt.datetime, now: dt.datetime) -> bool:
    return now - MAX_AGE <= at <= now + CLOCK_SKEW


def _not_a_member() -> ValidationError:
    return ValidationError(
        {"detail": _("Only members have study progress; this account is not one.")}
    )


def _member_or_400(request):
    member = getattr(request.user, "member", None)
    if member is None:
        raise _not_a_member()
    return member


class RangeField(serializers.ListField):
    child = serializers.FloatField(min_value=0, max_value=24 * 3600)

    def __init__(self, **kwargs):
        super().__init__(min_length=2, max_length=2, **kwargs)

    def to_internal_value(self, data):
        # The length validators run after this method: check the pair first.
        if not isinstance(data, list | tuple) or len(data) != 2:
            raise ValidationError(_("A played range is a pair: [start, end]."))
        start, end = super().to_internal_value(data)
        if end < start:
            raise ValidationError(_("A played range must end after it starts."))
        return (round(start, 3), round(end, 3))


class EventSerializer(serializers.Serializer):
    id = serializers.CharField(
        max_length=64, help_text="Client event id (a UUID); resending it is harmless."
    )
    lesson = IdField(help_text="The lesson page's id.")
    session = serializers.CharField(
        max_length=64,
        help_text="Playback session id: one per page load and media source.",
    )
    at = DateTimeField(help_text="When the event happened (client time).")
    position = serializers.FloatField(min_value=0, max_value=24 * 3600)
    played = serializers.ListField(
        child=RangeField(),
        max_length=MAX_RANGES,
        required=False,
        default=list,
        help_text="The media element's played ranges for this session, in seconds.",
    )
    rate = serializers.FloatField(min_value=0.0625, max_value=16, default=1)
    offline = serializers.BooleanField(
        default=False, help_text="The event was queued while the phone was offline."
    )
    owner = serializers.CharField(
        max_length=64,
        required=False,
        help_text="The marker of the user who recorded the event (the lesson page's "
        "data-owner); when given, it must be the signed-in user's.",
    )

    def validate_at(self, value):
        """The event's time on the server's clock. A phone whose clock is wrong
        (reset to 1970 when its battery ran out, set by hand) stamps every event
        with the same error ``sent_at`` reveals: taken out, the event keeps its
        place. An event the phone stamped before its clock went wrong is
        plausible as it is, and kept so."""
        now = timezone.now()
        error = self.context.get("clock_error", NO_ERROR)
        if error:
            try:
                corrected = value + error
            except OverflowError:
                corrected = None
            if corrected is not None and _plausible(corrected, now):
                return corrected
        if value > now + CLOCK_SKEW:
            raise ValidationError(_("The event time is in the future."))
        if value < now - MAX_AGE:
            raise ValidationError(_("The event is more than a year old."))
        return value


class ProgressOutputSerializer(serializers.Serializer):
    lesson = serializers.IntegerField(source="lesson_id")
    status = serializers.CharField()
    seconds_watched = serializers.FloatField()
    position = serializers.FloatField()
    completed_at = serializers.DateTimeField(allow_null=True)
    completed_via = serializers.CharField()
    hours_credited = serializers.DecimalField(max_digits=5, decimal_places=2)


class ProgressApi(APIView):
    """Record a batch of progress events for one or several lessons."""

    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        sent_at = DateTimeField(
            required=False,
            help_text="The phone's clock when it sent the batch. When it is more "
            "than 5 minutes off the server's, every event time is moved by the "
            "difference: a phone whose clock is wrong still reports when it studied.",
        )
        events = EventSerializer(many=True, max_length=MAX_EVENTS, min_length=1)

        class Meta:
            ref_name = "ProgressBatch"

        def to_internal_value(self, data):
            # The events' times are checked against the server's clock once the
            # phone's error is out of them: it must be known before they are.
            self.context["clock_error"] = phone_clock_error(data)
            return super().to_internal_value(data)

        def validate_events(self, events):
            # Kept for the service: the lessons, their lectures, the member and the
            # member's progress rows come in one query (bench/progress).
            self.target = batch_target(
                lesson_ids={event["lesson"] for event in events},
                user_id=self.context["user_id"],
            )
            live = self.target.lessons
            owners = progress_owners(self.context["user_id"])
            # Keyed by the event's index in the batch, like DRF's per-item errors.
            errors = {}
            for index, event in enumerate(events):
                error = {}
                if event["lesson"] not in live:
                    error["lesson"] = [_("No published lesson has this id.")]
                # Queued on a shared phone by someone else: never theirs to credit
                # here. The player keeps such events for their own recorder.
                if event.get("owner", owners[0]) not in owners:
                    error["owner"] = [_("This event was recorded by another user.")]
                if error:
                    errors[str(index)] = error
            if errors:
                raise ValidationError(errors)
            return events

    class OutputSerializer(serializers.Serializer):
        received = serializers.IntegerField(help_text="Events in the batch.")
        progress = ProgressOutputSerializer(many=True)

        class Meta:
            ref_name = "ProgressBatchResult"

    @extend_schema(
        operation_id="progress_record",
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(
                description="Invalid batch: errors per event, in the batch's order; "
                "nothing of the batch was stored."
            ),
            403: OpenApiResponse(description="Not signed in, or CSRF token missing."),
        },
    )
    def post(self, request):
        return self.record(request, request.data)

    def record(self, request, data):
        serializer = self.InputSerializer(
            data=data, context={"user_id": request.user.pk}
        )
        serializer.is_valid(raise_exception=True)
        events = serializer.validated_data["events"]
        target = serializer.target
        if target.member_id is None:
            raise _not_a_member()
        progress = lesson_progress_record(
            member=Member(pk=target.member_id),
            target=target,
            events=[
                EventInput(
                    lesson_id=event["lesson"],
                    id=event["id"],
                    session=event["session"],
                    at=event["at"],
                    position=event["position"],
                    played=tuple(event["played"]),
                    rate=event["rate"],
                    offline=event["offline"],
                )
                for event in events
            ],
        )
        output = self.OutputSerializer(
            {"received": len(events), "progress": list(progress.values())}
        )
        return Response(output.data)


class ProgressBeaconApi(ProgressApi):
    """The same batch sent by ``navigator.sendBeacon`` when the page is hidden.

    A beacon cannot set headers, so the CSRF token travels in the form body
    (``csrfmiddlewaretoken``, which Django's CSRF check reads) and the batch as a
    JSON string in ``batch``.
    """

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="progress_record_beacon",
        request={
            "multipart/form-data": inline_serializer(
                "ProgressBeacon",
                {
                    "csrfmiddlewaretoken": serializers.CharField(),
                    "batch": serializers.CharField(
                        help_text="The JSON body of POST /api/v1/progress/."
                    ),
                },
            )
        },
        responses={
            200: ProgressApi.OutputSerializer,
            400: OpenApiResponse(description="Invalid batch, as for /progress/."),
            403: OpenApiResponse(description="Not signed in, or CSRF token missing."),
        },
    )
    def post(self, request):
        batch = request.data.get("batch", "")
        try:
            # A batch sent as a file part (a Blob in the FormData) is no text: the
            # JSON decoder raised TypeError on it, a 500.
            if not isinstance(batch, str):
                raise ValueError(batch)
            data = parse_json(batch)
        except ValueError:
            raise ValidationError(
                {"batch": [_("The batch must be a JSON object.")]}
            ) from None
        return self.record(request, data)


class StudyPreferenceApi(APIView):
    """The member's playback quality choice, remembered across devices."""

    class InputSerializer(serializers.Serializer):
        quality = serializers.ChoiceField(choices=Quality.choices)

        class Meta:
            ref_name = "StudyPreferenceInput"

    class OutputSerializer(serializers.Serializer):
        quality = serializers.CharField()

        class Meta:
            ref_name = "StudyPreference"

    @extend_schema(
        operation_id="study_preference_set",
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(description="Unknown quality, or not a member."),
        },
    )
    def put(self, request):
        member = _member_or_400(request)
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            # The API's error body (docs/architecture.md, "Requests"): only the
            # progress batches keep DRF's field-keyed one.
            return Response(
                {
                    "detail": _("The request is not valid."),
                    "code": "invalid",
                    "fields": translate_no_data(serializer.errors),
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        preference = study_preference_set(
            member=member, quality=serializer.validated_data["quality"]
        )
        return Response(
            self.OutputSerializer(preference).data, status=status.HTTP_200_OK
        )
