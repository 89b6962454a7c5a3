"""The quizzes API under /api/v1/quizzes/: attempts for members, statistics for
editors and organisers. Grading happens on the server only."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_errors import PERMISSION_DENIED, translate_no_data
from config.ids import IdField
from quizzes import selectors, services
from quizzes.models import Counting, QuestionKind
from quizzes.presenters import AnswerInvalid, attempt_payload, clean_answers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    question = serializers.IntegerField(required=False)
    fields = serializers.JSONField(
        required=False, help_text="With code invalid: the errors of each field."
    )


def _error(detail, code: str, http_status: int, **extra) -> Response:
    return Response({"detail": str(detail), "code": code, **extra}, status=http_status)


def _invalid(serializer) -> Response:
    return _error(
        _("The request is not valid."),
        "invalid",
        400,
        fields=translate_no_data(serializer.errors),
    )


def _refused(error: services.QuizError) -> Response:
    return _error(error.message, error.code, error.status)


NOT_A_MEMBER = (_("Only members can take quizzes."), "not_a_member", 403)
QUIZ_NOT_FOUND = (_("Quiz not found."), "not_found", 404)
ATTEMPT_NOT_FOUND = (_("Attempt not found."), "not_found", 404)
INVALID_LESSON = _("This quiz is not part of that lesson.")

ERRORS = {
    403: OpenApiResponse(ErrorSerializer, description="Not a member."),
    404: OpenApiResponse(ErrorSerializer, description="No such quiz or attempt."),
}


class ChoiceOutput(serializers.Serializer):
    key = serializers.IntegerField(
        help_text="The choice's position in this attempt's shuffled order; answers "
        "name choices by key."
    )
    text = serializers.CharField()


class QuestionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    text = serializers.CharField()
    choices = ChoiceOutput(many=True)
    response = serializers.JSONField(
        allow_null=True,
        help_text="single: choice key; multiple: list of choice keys; true_false: "
        "boolean; fill_blank: text; null when unanswered.",
    )
    # After submission only, as the quiz's review policy allows.
    is_correct = serializers.BooleanField(required=False)
    correct_choices = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Choice keys."
    )
    correct_true_false = serializers.BooleanField(required=False)
    accepted_answers = serializers.ListField(
        child=serializers.CharField(), required=False
    )
    explanation = serializers.CharField(required=False)


class QuizRef(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class AttemptOutput(serializers.Serializer):
    id = serializers.IntegerField()
    quiz = QuizRef()
    lesson = serializers.IntegerField(allow_null=True)
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["open", "submitted"])
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(allow_null=True)
    seconds_left = serializers.IntegerField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    expired = serializers.BooleanField()
    question_count = serializers.IntegerField()
    questions = QuestionOutput(many=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    passed = serializers.BooleanField(required=False)
    correct_count = serializers.IntegerField(required=False)
    pass_mark = serializers.IntegerField(required=False)


def _attempt_response(attempt, http_status=status.HTTP_200_OK) -> Response:
    view = selectors.attempt_view(attempt=attempt)
    return Response(AttemptOutput(attempt_payload(view)).data, status=http_status)


class AnswerInput(serializers.Serializer):
    question = serializers.IntegerField()
    response = serializers.JSONField(
        allow_null=True,
        help_text="single: a choice key (an integer); multiple: a list of keys; "
        "true_false: a boolean; fill_blank: text (at most 500 characters, no control "
        'characters); null clears. Any other shape, such as "0", 1.5 or [0] for a '
        "single choice, is refused (400 invalid_answer).",
    )


def _answers(attempt, items) -> dict:
    raw = {}
    for item in items:
        raw[item["question"]] = item["response"]
    return clean_answers(attempt, raw)


class QuizDetailApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "QuizDetail"

        id = serializers.IntegerField()
        title = serializers.CharField()
        intro = serializers.CharField()
        pass_mark = serializers.IntegerField()
        time_limit_minutes = serializers.IntegerField(allow_null=True)
        max_attempts = serializers.IntegerField(allow_null=True)
        attempts_used = serializers.IntegerField()
        attempts_left = serializers.IntegerField(allow_null=True)
        open_attempt = serializers.IntegerField(allow_null=True)
        counted_score = serializers.DecimalField(
            max_digits=5, decimal_places=2, allow_null=True
        )
        counted_passed = serializers.BooleanField(allow_null=True)
        counting = serializers.ChoiceField(
            choices=Counting.choices,
            help_text="Which submitted attempt counts: the best or the last.",
        )
        passed_before = serializers.BooleanField(
            help_text="The counted attempt failed but an earlier one passed (only "
            "when the last attempt counts); the lesson that pass completed stays "
            "completed."
        )

    @extend_schema(
        operation_id="quizzes_detail",
        responses={200: OutputSerializer, **ERRORS},
        summary="A live quiz, with the member's attempts so far.",
    )
    def get(self, request, quiz_id: int):
        member = selectors.member_for(request.user)
        if member is None:
            return _error(*NOT_A_MEMBER)
        quiz = selectors.live_quiz(quiz_id)
        if quiz is None:
            return _error(*QUIZ_NOT_FOUND)
        services.attempts_close_expired(quiz=quiz, member=member)
        summary = selectors.member_quiz_summary(quiz=quiz, member=member)
        counted = summary.counted
        data = {
            "id": quiz.pk,
            "title": quiz.title,
            "intro": quiz.intro,
            "pass_mark": quiz.pass_mark,
            "time_limit_minutes": quiz.time_limit_minutes,
            "max_attempts": quiz.max_attempts,
            "attempts_used": len(summary.attempts),
            "attempts_left": summary.attempts_left,
            "open_attempt": summary.open_attempt.pk if summary.open_attempt else None,
            "counted_score": counted.score if counted else None,
            "counted_passed": counted.passed if counted else None,
            "counting": quiz.counting,
            "passed_before": summary.passed_before,
        }
        return Response(self.OutputSerializer(data).data)


class AttemptStartApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AttemptStartInput"

        lesson = IdField(
            required=False,
            allow_null=True,
            help_text="The lesson page the quiz is taken in; passing completes it.",
        )

    @extend_schema(
        operation_id="quizzes_attempt_start",
        request=InputSerializer,
        responses={
            200: OpenApiResponse(AttemptOutput, description="The open attempt."),
            201: OpenApiResponse(AttemptOutput, description="A new attempt."),
            400: OpenApiResponse(
                ErrorSerializer,
                description="No live lesson with that id holds this quiz.",
            ),
            409: OpenApiResponse(
                ErrorSerializer, description="No attempts left, or no questions."
            ),
            **ERRORS,
        },
        summary="Start an attempt, or continue the open one.",
    )
    def post(self, request, quiz_id: int):
        member = selectors.member_for(request.user)
        if member is None:
            return _error(*NOT_A_MEMBER)
        quiz = selectors.live_quiz(quiz_id)
        if quiz is None:
            return _error(*QUIZ_NOT_FOUND)
        serializer = self.InputSerializer(data=request.data)
        lesson = None
        if not serializer.is_valid():
            if set(serializer.errors) != {"lesson"}:
                return _invalid(serializer)
            # Not an id at all, or one too large for any row (a 500 once: the
            # database overflowed): no lesson holds this quiz under that id.
            return _error(INVALID_LESSON, "invalid_lesson", 400)
        if lesson_id := serializer.validated_data.get("lesson"):
            lesson = selectors.lesson_with_quiz(lesson_id=lesson_id, quiz=quiz)
            if lesson is None:
                return _error(INVALID_LESSON, "invalid_lesson", 400)
        try:
            attempt, created = services.attempt_start(
                quiz=quiz, member=member, lesson=lesson
            )
        except services.QuizError as error:
            return _refused(error)
        return _attempt_response(
            attempt, status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class AttemptDetailApi(APIView):
    @extend_schema(
        operation_id="quizzes_attempt_detail",
        responses={200: AttemptOutput, **ERRORS},
        summary="One of the member's attempts: questions, saved answers, result.",
    )
    def get(self, request, attempt_id: int):
        attempt = selectors.attempt_for_member(
            attempt_id=attempt_id, member=selectors.member_for(request.user)
        )
        if attempt is None:
            return _error(*ATTEMPT_NOT_FOUND)
        attempt = services.attempt_close_expired(attempt=attempt)
        return _attempt_response(attempt)


ANSWER_ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="A question not in the attempt, or an answer of the wrong shape.",
    ),
    409: OpenApiResponse(
        ErrorSerializer, description="Already submitted, or the time is up."
    ),
    **ERRORS,
}


class AttemptAnswersApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AttemptAnswersInput"

        answers = AnswerInput(many=True, allow_empty=False)

    @extend_schema(
        operation_id="quizzes_attempt_answers_save",
        request=InputSerializer,
        responses={200: AttemptOutput, **ANSWER_ERRORS},
        summary="Save answers as the member goes (idempotent; later saves win).",
    )
    def put(self, request, attempt_id: int):
        return self._save(request, attempt_id, submit=False)

    def _save(self, request, attempt_id: int, *, submit: bool):
        attempt = selectors.attempt_for_member(
            attempt_id=attempt_id, member=selectors.member_for(request.user)
        )
        if attempt is None:
            return _error(*ATTEMPT_NOT_FOUND)
        serializer = self.InputSerializer(data=request.data)
        if not serializer.is_valid():
            return _invalid(serializer)
        try:
            answers = _answers(attempt, serializer.validated_data.get("answers", []))
            if submit:
                attempt = services.attempt_submit(attempt=attempt, answers=answers)
            else:
                attempt = services.attempt_answers_save(
                    attempt=attempt, answers=answers
                )
        except AnswerInvalid as error:
            return _error(
                error.message, "invalid_answer", 400, question=error.question_id
            )
        except services.QuizError as error:
            return _refused(error)
        return _attempt_response(attempt)


class AttemptSubmitApi(AttemptAnswersApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AttemptSubmitInput"

        answers = AnswerInput(many=True, required=False)

    @extend_schema(
        operation_id="quizzes_attempt_submit",
        request=InputSerializer,
        responses={200: AttemptOutput, **ANSWER_ERRORS},
        summary="Submit the attempt (with any last answers) and get the result.",
    )
    def post(self, request, attempt_id: int):
        return self._save(request, attempt_id, submit=True)

    @extend_schema(exclude=True)
    def put(self, request, attempt_id: int):
        return _error(_("Use POST to submit."), "method_not_allowed", 405)


class QuestionStatisticsOutput(serializers.Serializer):
    id = serializers.IntegerField(source="question.pk")
    text = serializers.CharField(source="question.text")
    kind = serializers.CharField(source="question.kind")
    answered = serializers.IntegerField()
    correct = serializers.IntegerField()
    correct_share = serializers.DecimalField(
        max_digits=4, decimal_places=1, allow_null=True
    )
    most_common_wrong_answer = serializers.CharField(
        source="wrong_answer", allow_null=True
    )
    most_common_wrong_count = serializers.IntegerField(source="wrong_count")


class QuizStatisticsApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "QuizStatistics"

        attempts = serializers.IntegerField()
        members = serializers.IntegerField()
        passed = serializers.IntegerField()
        members_passed = serializers.IntegerField(
            help_text="Members whose counted attempt (highest or last) passed."
        )
        pass_rate = serializers.DecimalField(
            max_digits=4, decimal_places=1, allow_null=True
        )
        average_score = serializers.DecimalField(
            max_digits=4, decimal_places=1, allow_null=True
        )
        questions = QuestionStatisticsOutput(many=True)

    @extend_schema(
        operation_id="quizzes_statistics",
        responses={
            200: OutputSerializer,
            403: OpenApiResponse(
                ErrorSerializer, description="Neither an editor nor an organiser."
            ),
            404: OpenApiResponse(ErrorSerializer, description="No such quiz."),
        },
        summary="Submitted attempts: all members for editors, in scope for organisers.",
    )
    def get(self, request, quiz_id: int):
        quiz = selectors.quiz_any_state(quiz_id)
        if quiz is None:
            return _error(*QUIZ_NOT_FOUND)
        attempts = selectors.statistics_attempts(user=request.user, quiz=quiz)
        if attempts is None:
            return _error(
                _("Only editors and organisers may see quiz statistics."),
                PERMISSION_DENIED,
                403,
            )
        stats = selectors.quiz_statistics(quiz=quiz, attempts=attempts)
        return Response(self.OutputSerializer(stats).data)
