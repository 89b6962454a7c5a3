"""Demo course content: the site's home, one course with two lessons, an editor."""

import io

from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images.models import Image
from wagtail.models import Page, Site

from config.demo import DEMO_PASSWORD, DemoLogin, demo_user
from courses.models import CourseIndexPage, CoursePage, LessonPage
from media_pipeline.demo import demo_lecture

HOME_TITLE = "学习园地"
COURSE = {
    "slug": "getting-started",
    "title": "如何使用学习平台",
    "summary": "用手机学习、节省流量、离线学习的方法。",
    "description": "<p>本课程介绍如何在手机上学习课程、观看讲座、参加测验。</p>",
}
LESSONS = [
    {
        "slug": "start-studying",
        "title": "第一课：开始学习",
        "summary": "登录、找到课程、从上次停下的地方继续。",
        "body": [
            (
                "text",
                "<h2>登录</h2><p>用组织发给您的账号登录。</p>"
                "<h2>继续学习</h2><p>再次打开课程时，会从上次停下的地方继续。</p>",
            ),
        ],
    },
    {
        "slug": "save-data",
        "title": "第二课：节省流量与离线学习",
        "summary": "播放前先看讲座要花多少流量，选择只听声音，保存课程离线学习。",
        "body": [
            (
                "text",
                "<p>每个讲座都标明所需流量（MB）。流量紧张时选择“省流量”或“只听声音”。</p>"
                "<p>有网络时，在讲座下方点“保存以便离线学习”，课程就保存在这部手机上："
                "没有网络时也能打开这一课、观看讲座。离线观看的进度先记在手机上，"
                "联网后自动同步。</p>"
                "<p>“下载文件”得到的视频在手机自带的播放器里播放，不记录学习进度。</p>",
            ),
        ],
    },
]


def seed() -> list[DemoLogin]:
    home = _home()
    course = _child(home, CoursePage, **COURSE)
    for lesson in LESSONS:
        _child(course, LessonPage, **lesson)
    lessons = LessonPage.objects.child_of(course)
    _add_demo_lecture(lessons.get(slug=LESSONS[0]["slug"]))
    _add_data_chart(lessons.get(slug=LESSONS[1]["slug"]))
    _campaign(course)
    editor = demo_user("editor", first_name="编辑", is_staff=True)
    # Wagtail's Editors may only submit pages for moderation; its Moderators may
    # publish them. The demo's one editor does both (README: editors publish).
    editor.groups.add(*Group.objects.filter(name__in=["Editors", "Moderators"]))
    return [DemoLogin("editor (Wagtail admin)", "editor", DEMO_PASSWORD)]


def _campaign(course: CoursePage) -> None:
    """A campaign over the demo course for the whole tree (docs/reports.md)."""
    import datetime as dt

    from courses.reporting.models import Campaign, CampaignCourse
    from courses.reporting.rollups import rollups_rebuild
    from members.models import Organisation

    campaign, created = Campaign.objects.get_or_create(
        name="主题教育学习",
        defaults={
            "description": "学习使用平台，完成全部课程。",
            "starts_on": dt.date(2026, 1, 1),
            "ends_on": dt.date(2026, 12, 31),
        },
    )
    if created:
        campaign.organisations.set(Organisation.get_root_nodes())
        campaign.save()  # a ParentalManyToManyField is written on save
        CampaignCourse.objects.create(campaign=campaign, course=course)
        rollups_rebuild()  # a new campaign's figures (docs/reports.md)


def _add_demo_lecture(lesson: LessonPage) -> None:
    """Put media_pipeline's ready demo lecture at the top of the first lesson, once."""
    lecture = demo_lecture()
    if lecture is None or any(block.block_type == "lecture" for block in lesson.body):
        return
    lesson.body = [
        ("lecture", {"lecture": lecture}),
        *((block.block_type, block.value) for block in lesson.body),
    ]
    lesson.save_revision().publish()


CHART_COLOURS = ["#2e7d32", "#1565c0", "#6a1b9a", "#b22222"]


def _add_data_chart(lesson: LessonPage) -> None:
    """A picture in the second lesson, once: what an hour of the demo lecture costs at
    each quality, drawn from its measured renditions (so the demo shows a picture
    block, served as members get it)."""
    lecture = demo_lecture()
    if lecture is None or any(block.block_type == "image" for block in lesson.body):
        return
    rates = dict(lecture.renditions.values_list("profile", "average_bitrate"))
    audio = rates.get("audio", 0)
    # What a member downloads: the listen-only file, or a picture with the sound.
    rungs = [("只听声音", rates.get("listen") or audio)] + [
        (profile, rates[profile] + audio)
        for profile in ("240p", "360p", "480p")
        if profile in rates
    ]
    if not any(rate for _, rate in rungs):
        return
    megabytes_per_hour = [(label, rate * 3600 / 8 / 1_000_000) for label, rate in rungs]
    image = Image.objects.create(
        title="讲座每小时所需流量",
        file=ImageFile(_bar_chart(megabytes_per_hour), name="data-per-hour.png"),
    )
    caption = "每小时所需流量：" + "，".join(
        f"{label} 约 {megabytes:.0f} MB" for label, megabytes in megabytes_per_hour
    )
    lesson.body = [
        *((block.block_type, block.value) for block in lesson.body),
        ("image", {"image": image, "caption": caption}),
    ]
    lesson.save_revision().publish()


def _bar_chart(values: list[tuple[str, float]]) -> io.BytesIO:
    """Bars in the caption's order; the caption carries the words (no font needed)."""
    width, height, margin = 960, 540, 60
    picture = PILImage.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(picture)
    draw.line([(margin, height - margin), (width - margin, height - margin)], "#444", 3)
    slot = (width - 2 * margin) / len(values)
    tallest = max(megabytes for _, megabytes in values) or 1
    for index, (_, megabytes) in enumerate(values):
        left = margin + index * slot + slot * 0.2
        top = height - margin - (height - 2 * margin) * megabytes / tallest
        draw.rectangle(
            [left, top, left + slot * 0.6, height - margin - 2],
            fill=CHART_COLOURS[index % len(CHART_COLOURS)],
        )
    data = io.BytesIO()
    picture.save(data, "PNG", optimize=True)
    data.seek(0)
    return data


def _home() -> CourseIndexPage:
    home = CourseIndexPage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        # Wagtail's initial migration leaves a plain "Welcome" page as the site root.
        for page in root.get_children().exact_type(Page):
            if page.numchild == 0:
                page.delete()
        home = root.add_child(
            instance=CourseIndexPage(
                title=HOME_TITLE, slug="home", intro="<p>欢迎来到学习园地。</p>"
            )
        )
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"root_page": home, "hostname": "localhost", "site_name": "Satchel"},
    )
    return home


def _child(parent: Page, model: type[Page], *, slug: str, **fields) -> Page:
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page
