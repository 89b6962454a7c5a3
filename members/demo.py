"""Demo organisation tree, members with mobility, organisers per level, a helper.

Idempotent: organisations are found by code, members by phone, and each mobility
step is taken only if it has not been taken yet. Content is in Chinese, like the
real data.
"""

from config.demo import DEMO_PASSWORD, DemoLogin, demo_user
from members import services
from members.models import ContactRecord, Member, Organisation, Pairing

K = Organisation.Kind

# (code, name, kind, parent code)
TREE = [
    ("JN", "江南省委", K.PROVINCE, None),
    ("JN01", "青山市委", K.CITY, "JN"),
    ("JN0101", "东城区委", K.COUNTY, "JN01"),
    ("JN010101", "东城街道党工委", K.TOWNSHIP, "JN0101"),
    ("JN01010101", "东城街道第一党支部", K.BRANCH, "JN010101"),
    ("JN01010102", "东门市场联合党支部", K.JOINT_BRANCH, "JN010101"),
    ("JN0102", "西河县委", K.COUNTY, "JN01"),
    ("JN010201", "西河镇党委", K.TOWNSHIP, "JN0102"),
    ("JN01020101", "西河镇新村党支部", K.BRANCH, "JN010201"),
    ("JN02", "白水市委", K.CITY, "JN"),
    ("JN0201", "南湖区委", K.COUNTY, "JN02"),
    ("JN020101", "南湖街道党支部", K.BRANCH, "JN0201"),
    # Outside the province: where members who moved away register.
    ("JNSH", "江南省驻上海流动党员联络站", K.LIAISON_STATION, None),
    ("JNSZ", "江南省驻深圳劳务协作站", K.LABOUR_STATION, None),
]

ORGANISERS = [
    ("org_province", "省级组织员", "JN", "organiser, province"),
    ("org_city", "市级组织员", "JN01", "organiser, city"),
    ("org_county", "区级组织员", "JN0101", "organiser, county"),
    ("org_branch", "支部组织员", "JN01010101", "organiser, branch"),
    ("org_liaison", "联络站组织员", "JNSH", "organiser, liaison station"),
]

# (username or None, name, phone, home code)
LOCAL_MEMBERS = [
    ("member", "王学员", "13800000001", "JN01010101"),
    (None, "李红", "13800000002", "JN01010101"),
    (None, "张伟", "13800000003", "JN01010101"),
    (None, "刘芳", "13800000004", "JN01010102"),
    (None, "陈强", "13800000005", "JN01010102"),
    (None, "杨敏", "13800000006", "JN01020101"),
    (None, "赵磊", "13800000007", "JN01020101"),
    (None, "黄静", "13800000008", "JN020101"),
    (None, "周杰", "13800000009", "JN020101"),
]


def _tree() -> dict[str, Organisation]:
    orgs = {
        o.code: o for o in Organisation.objects.filter(code__in=[t[0] for t in TREE])
    }
    for code, name, kind, parent in TREE:
        if code not in orgs:
            orgs[code] = services.organisation_create(
                name=name, kind=kind, code=code, parent=orgs[parent] if parent else None
            )
    return orgs


def _member(orgs, username, name, phone, home) -> Member:
    member = Member.objects.filter(phone=phone).first()
    if member is not None:
        return member
    user = demo_user(username, first_name=name) if username else None
    return services.member_create(
        name=name, phone=phone, home_organisation=orgs[home], user=user
    )


def seed() -> list[DemoLogin]:
    orgs = _tree()
    logins = []
    organisers = {}
    for username, name, code, role in ORGANISERS:
        user = demo_user(username, first_name=name)
        services.organiser_role_grant(user=user, organisation=orgs[code])
        organisers[code] = user
        logins.append(DemoLogin(role, username, DEMO_PASSWORD))

    members = [_member(orgs, *row) for row in LOCAL_MEMBERS]
    logins.insert(0, DemoLogin("member", "member", DEMO_PASSWORD))

    # Outflow, registered with the liaison station in Shanghai (inflow there).
    away = _member(orgs, "member_shanghai", "孙建国", "13800000011", "JN01020101")
    if not away.registrations.exists():
        services.member_record_moved_out(
            member=away,
            whereabouts="上海市浦东新区 建筑工地",
            recorded_by=organisers["JN01"],
        )
        registration = services.registration_request(
            member=away,
            organisation=orgs["JNSH"],
            message="在浦东打工，想参加这里的组织生活",
        )
        services.registration_confirm(
            registration=registration, decided_by=organisers["JNSH"]
        )
    logins.append(
        DemoLogin("member, registered in Shanghai", "member_shanghai", DEMO_PASSWORD)
    )

    # Moved within the province: home in 白水市, registered with the market branch.
    moved = _member(orgs, None, "吴丽", "13800000012", "JN020101")
    if not moved.registrations.exists():
        registration = services.registration_request(
            member=moved, organisation=orgs["JN01010102"], message="在东门市场经营摊位"
        )
        services.registration_confirm(
            registration=registration, decided_by=organisers["JN0101"]
        )

    # Asked to register, waiting for the county's organiser.
    pending = _member(orgs, "member_pending", "郑海", "13800000013", "JN020101")
    if not pending.registrations.exists():
        services.registration_request(
            member=pending,
            organisation=orgs["JN01010101"],
            message="已搬到东城街道居住",
        )
    logins.append(
        DemoLogin("member, registration pending", "member_pending", DEMO_PASSWORD)
    )

    # Moved away to Shenzhen, not registered anywhere yet.
    lost = _member(orgs, None, "钱明", "13800000014", "JN01010101")
    if (
        lost.mobility_status == Member.Mobility.LOCAL
        and not lost.mobility_records.exists()
    ):
        services.member_record_moved_out(
            member=lost,
            whereabouts="广东省深圳市 电子厂",
            recorded_by=organisers["JN01010101"],
        )

    # A helper following two members (1+N), with one visit logged.
    helper = demo_user("helper", first_name="帮学员")
    for member in (members[1], lost):
        if not Pairing.objects.filter(helper=helper, member=member).exists():
            services.pairing_create(
                helper=helper, member=member, created_by=organisers["JN01010101"]
            )
    pairing = Pairing.objects.get(helper=helper, member=members[1])
    if not ContactRecord.objects.filter(pairing=pairing).exists():
        services.contact_record_add(
            pairing=pairing,
            kind=ContactRecord.Kind.IN_PERSON_STUDY,
            note="送学上门：一起学习第一课",
            recorded_by=helper,
        )
    logins.append(DemoLogin("helper (paired 1+2)", "helper", DEMO_PASSWORD))
    return logins
