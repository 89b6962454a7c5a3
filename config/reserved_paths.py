"""Page addresses that Satchel's own URL patterns answer before Wagtail's page tree.

``config/urls.py`` mounts the site's own pages (``/offline/``, ``/reports/``,
``/me/...``, ``/admin/``, ...) before ``wagtail.urls``, so a page whose address one
of them matches is published and never served. Whether an address is taken is asked
of the URL resolver, not of a list: an app's new pattern is covered as soon as it is
mounted, and a prefix that answers only some paths (``/documents/<id>/<name>``)
leaves the others to pages.

Editors meet the rule on the slug field of Satchel's page types (create and edit:
``ReservedPathPageForm``; copy: ``ReservedPathCopyForm``; set as ``base_form_class``
and ``copy_form_class`` in ``courses/models.py``) and when moving any page, alone or
in bulk (``refuse_move``, ``refuse_bulk_move``: Wagtail hooks registered by
``courses/wagtail_hooks.py``). Both look at the page and its subpages, under every
site the page would belong to.
"""

from collections.abc import Iterable

from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.forms.pages import CopyForm, WagtailAdminPageForm
from wagtail.models import Page, Site

SLUG_TAKEN = _(
    "The address %(address)s is already used by one of Satchel's own pages. "
    "Choose another slug."
)


def page_address_taken(*, page: Page | None, parent: Page, slug: str) -> str | None:
    """The first address Satchel would answer instead of Wagtail if ``page`` (None
    or unsaved for a new page) had ``slug`` under ``parent``, under every site: its
    own, or one of its subpages (which move with it) would newly have. None when
    Wagtail would serve them all."""
    new = f"{parent.url_path}{slug}/"
    roots = _site_roots()
    if page is None or page.pk is None:
        return _first_taken([new], roots)
    # The stored path, not the edited object's: a draft's may differ.
    old = Page.objects.values_list("url_path", flat=True).get(pk=page.pk)

    def rebased(url_path: str) -> str:
        return new + url_path[len(old) :] if url_path.startswith(old) else url_path

    # A site whose root is in the subtree moves with it.
    new_roots = [rebased(root) for root in roots]
    # The page's own address is what its slug field is about, even if unchanged.
    if address := _first_taken([new], new_roots):
        return address
    # A subpage already at a taken address (a pattern added since) is not this
    # change's doing, and a slug change that keeps it there cannot mend it.
    for url_path in _subpage_paths(page):
        before = _addresses(url_path, roots)
        for address in _addresses(rebased(url_path), new_roots):
            if address not in before and _answered_by_satchel(address):
                return address
    return None


def copy_address_taken(
    *, page: Page, parent: Page, slug: str, with_subpages: bool
) -> str | None:
    """As ``page_address_taken``, for a copy of ``page`` (the original stays)."""
    new = f"{parent.url_path}{slug}/"
    paths = [new]
    if with_subpages:
        paths += [new + path[len(page.url_path) :] for path in _subpage_paths(page)]
    return _first_taken(paths, _site_roots())


def _subpage_paths(page: Page) -> list[str]:
    return list(Page.objects.descendant_of(page).values_list("url_path", flat=True))


def _site_roots() -> list[str]:
    return list(Site.objects.values_list("root_page__url_path", flat=True))


def _addresses(url_path: str, site_roots: list[str]) -> list[str]:
    """The page's address on each site it belongs to, as Page.get_url_parts has it.
    A site's root page is its "/", which nothing but Wagtail answers."""
    return [
        url_path[len(root) - 1 :]
        for root in site_roots
        if url_path.startswith(root) and url_path != root
    ]


def _first_taken(url_paths: Iterable[str], site_roots: list[str]) -> str | None:
    for url_path in url_paths:
        for address in _addresses(url_path, site_roots):
            if _answered_by_satchel(address):
                return address
    return None


def _answered_by_satchel(address: str) -> bool:
    try:
        match = resolve(address)
    except Resolver404:
        return False  # nobody answers it: not Satchel's either
    # The name Wagtail reverses for every page's URL (Page.get_url_parts).
    return match.url_name != "wagtail_serve"


class ReservedPathPageForm(WagtailAdminPageForm):
    """The page form (create, edit, revert) refuses a slug that puts the page or
    one of its subpages at an address Satchel answers."""

    def clean(self):
        cleaned_data = super().clean()
        slug = cleaned_data.get("slug")  # gone if Wagtail refused it already
        if slug and self.parent_page is not None:
            address = page_address_taken(
                page=self.instance, parent=self.parent_page, slug=slug
            )
            if address:
                self.add_error("slug", SLUG_TAKEN % {"address": address})
        return cleaned_data


class ReservedPathCopyForm(CopyForm):
    def clean(self):
        cleaned_data = super().clean()
        slug = cleaned_data.get("new_slug")
        parent = cleaned_data.get("new_parent_page") or self.page.get_parent()
        if slug and parent is not None:
            address = copy_address_taken(
                page=self.page,
                parent=parent,
                slug=slug,
                with_subpages=bool(cleaned_data.get("copy_subpages")),
            )
            if address:
                self.add_error("new_slug", SLUG_TAKEN % {"address": address})
        return cleaned_data


def _move_refused(page: Page, address: str) -> str:
    return gettext(
        "“%(title)s” cannot be moved there: the address %(address)s is already "
        "used by one of Satchel's own pages."
    ) % {"title": page.get_admin_display_title(), "address": address}


def refuse_move(request, page, destination):
    """``before_move_page``: back to choosing a parent, as Wagtail does for a
    slug already used there. Runs before the confirmation is shown and again
    before the move itself."""
    address = page_address_taken(page=page, parent=destination, slug=page.slug)
    if address:
        messages.error(request, _move_refused(page, address))
        return redirect("wagtailadmin_pages:move", page.id)
    return None


def refuse_bulk_move(request, action_type, objects, action):
    """``before_bulk_action``: no page of a bulk move is moved if one would land
    on an address Satchel answers; the editor is back at the move's form."""
    if action_type != "move" or not all(isinstance(obj, Page) for obj in objects):
        return None
    destination = action.cleaned_form.cleaned_data["chooser"]
    for page in objects:
        address = page_address_taken(page=page, parent=destination, slug=page.slug)
        if address:
            messages.error(request, _move_refused(page, address))
            return redirect(request.get_full_path())
    return None
