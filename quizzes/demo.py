"""Demo quiz: a few bank questions of each type and one published quiz.

The quiz is attached to the demo course's second lesson, which then completes when
the quiz is passed. quizzes runs after courses in INSTALLED_APPS, so the lesson exists.
"""

from config.demo import DemoLogin
from courses.demo import LESSONS
from courses.models import CompletionRule, LessonPage
from quizzes.models import Choice, Question, QuestionKind, Quiz, QuizQuestion

QUIZ_TITLE = "学习平台使用小测验"
QUESTIONS = [
    {
        "kind": QuestionKind.SINGLE,
        "text": "流量紧张时，观看讲座应选择哪一项？",
        "choices": [
            ("省流量或只听声音", True),
            ("最高清晰度", False),
            ("反复刷新", False),
        ],
        "explanation": "每个讲座都标明所需流量，省流量和只听声音最节省。",
        "tags": ["平台使用", "流量"],
    },
    {
        "kind": QuestionKind.MULTIPLE,
        "text": "下列哪些做法可以在没有网络时继续学习？",
        "choices": [
            ("有网络时把课程“保存以便离线学习”", True),
            ("联网后自动同步进度", True),
            ("把课程从手机上移除", False),
        ],
        "explanation": (
            "保存在手机上的课程没有网络也能打开和播放，在课程页面离线观看的进度"
            "会在联网后同步；下载的文件在手机自带的播放器里播放，不记录进度。"
        ),
        "tags": ["平台使用", "离线"],
    },
    {
        "kind": QuestionKind.TRUE_FALSE,
        "text": "再次打开课程时，会从上次停下的地方继续。",
        "is_true": True,
        "explanation": "平台记住每位学员的播放位置。",
        "tags": ["平台使用"],
    },
    {
        "kind": QuestionKind.FILL_BLANK,
        "text": "测验的及格线以百分比表示，本测验的及格线是____分。",
        "accepted": "60\n六十",
        "explanation": "本测验答对六成即为及格。",
        "tags": ["平台使用"],
    },
]


def seed() -> list[DemoLogin]:
    quiz = Quiz.objects.filter(title=QUIZ_TITLE).first() or _create_quiz()
    _attach(quiz)
    return []


def _attach(quiz: Quiz) -> None:
    # The second demo lesson ("save data and study offline") ends with the quiz.
    lesson = LessonPage.objects.filter(slug=LESSONS[1]["slug"]).first()
    if lesson is None or lesson.has_quiz():
        return
    lesson.body.append(("quiz", quiz))
    lesson.completion_rule = CompletionRule.QUIZ
    lesson.save_revision().publish()


def _create_quiz() -> Quiz:
    quiz = Quiz.objects.create(
        title=QUIZ_TITLE,
        intro="检验一下您是否掌握了平台的使用方法。",
        pass_mark=60,
        max_attempts=3,
        live=False,
    )
    for order, spec in enumerate(QUESTIONS):
        question = Question.objects.create(
            kind=spec["kind"],
            text=spec["text"],
            is_true=spec.get("is_true"),
            accepted_answers=spec.get("accepted", ""),
            explanation=spec["explanation"],
        )
        for index, (text, correct) in enumerate(spec.get("choices", [])):
            Choice.objects.create(
                question=question, text=text, is_correct=correct, sort_order=index
            )
        question.tags.add(*spec["tags"])
        question.save()
        QuizQuestion.objects.create(quiz=quiz, question=question, sort_order=order)
    quiz.save_revision().publish()
    return quiz
