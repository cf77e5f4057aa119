"""Reads an admin page's form as a browser would submit it, so a test can change a field or two
and POST the whole page back, inlines and all, through the admin's real form classes."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, list[str]] = {}
        self.names: set[str] = set()  # every field's, unticked boxes' too
        self._select: str | None = None
        self._multiple = False
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.inside = attributes.get("id") == self.form_id
        if not self.inside or "disabled" in attributes:
            return
        name = attributes.get("name")
        if name and tag in ("input", "select", "textarea"):
            self.names.add(name)
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self.fields.setdefault(name, []).append(attributes.get("value") or "")
            if kind == "checkbox" and attributes.get("value") is None:
                self.fields[name][-1] = "on"
        elif tag == "select" and name:
            self._select, self._multiple, self._first_option = name, "multiple" in attributes, None
            self.fields.setdefault(name, [])
        elif tag == "option" and self._select:
            value = attributes.get("value") or ""
            if self._first_option is None:
                self._first_option = value
            if "selected" in attributes:
                self.fields[self._select].append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = [""]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            # A single select with nothing selected sends its first option.
            chosen = self.fields[self._select]
            if not chosen and not self._multiple and self._first_option is not None:
                chosen.append(self._first_option)
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Browsers drop the one newline that starts a textarea's text.
            text = self.fields[self._textarea][0]
            self.fields[self._textarea][0] = text.removeprefix("\n")
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea][0] += data


def admin_form_data(html: str, form_id: str) -> dict[str, list[str] | str]:
    """The fields of the form with this id (e.g. "fund_form") as the browser would POST them."""
    reader = _FormReader(form_id)
    reader.feed(html)
    if not reader.fields:
        raise AssertionError(f"no form with id {form_id!r} on the page")
    return {
        name: values if len(values) != 1 else values[0] for name, values in reader.fields.items()
    }


def admin_page_post(client, url: str, form_id: str, changes: dict, added: dict | None = None):
    """GETs an admin page, changes some of its form's fields (ticking a box by giving it a
    value) and POSTs the whole form back. `added` holds the fields of inline rows added on
    the page ("Add another"), by their prefix: {"published_allocations": [{"amount_pence":
    "5", ...}]}; their forms are counted in the inline's TOTAL_FORMS."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    html = page.content.decode()
    data = admin_form_data(html, form_id)
    reader = _FormReader(form_id)
    reader.feed(html)
    missing = set(changes) - reader.names
    assert not missing, f"{url} has no fields {sorted(missing)}"
    rows = {}
    for prefix, forms in (added or {}).items():
        count = int(data[f"{prefix}-TOTAL_FORMS"])
        for index, fields in enumerate(forms, start=count):
            rows |= {f"{prefix}-{index}-{name}": value for name, value in fields.items()}
        rows[f"{prefix}-TOTAL_FORMS"] = str(count + len(forms))
    return client.post(url, {**data, **changes, **rows})


def fund_page_post(client, fund, changes: dict, added: dict | None = None):
    """The fund's admin page, inlines and all, posted back with these changes and rows."""
    from django.urls import reverse

    url = reverse("admin:funding_fund_change", args=[fund.pk])
    return admin_page_post(client, url, "fund_form", changes, added)
