"""The report page: branding (colours, logo), output paths, the style sheet, the page's HTML around
a report's body, and the check that a page loads nothing from outside the file."""

from __future__ import annotations

import base64
import html
import os
import re
from importlib import resources
from pathlib import Path

from levelup.errors import RenderError

FORMATS = ("pdf", "html", "ipynb")
SIDE_FORMATS = ("csv", "xlsx")
_HEX = re.compile(r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")


# --------------------------------------------------------------------------------------------
# branding and paths
# --------------------------------------------------------------------------------------------
def branding(overrides: dict | None = None) -> dict[str, str]:
    """Branding for the report page: ``[report]`` in ``levelup.toml``, then ``overrides``.

    Keys: ``organisation`` (shown top left), ``logo`` (path to a PNG/SVG/JPEG, embedded),
    ``brand_colour`` and ``accent_colour`` (``#rrggbb``), ``footer`` (text in every page's
    footer). Example ``levelup.toml``::

        [report]
        organisation = "Tees Valley Combined Authority"
        logo = "branding/logo.png"
        brand_colour = "#004b87"
        footer = "Economic evidence base, draft for committee"
    """
    from levelup import config

    out: dict[str, str] = {}
    cfg = config.find_config()
    if cfg is not None and cfg.is_file():
        import tomllib

        with open(cfg, "rb") as fh:
            section = tomllib.load(fh).get("report", {})
        for k in ("organisation", "logo", "brand_colour", "accent_colour", "footer"):
            if k in section:
                v = str(section[k])
                out[k] = str((cfg.parent / v).resolve()) if k == "logo" else v
    for k, v in (overrides or {}).items():
        if k not in ("organisation", "logo", "brand_colour", "accent_colour", "footer"):
            from levelup.errors import ParameterError, close_matches

            sugg = close_matches(k, ["organisation", "logo", "brand_colour", "accent_colour", "footer"], n=1)
            raise ParameterError(f"unknown branding key {k!r}" + (f"; did you mean {sugg[0]!r}?" if sugg else ""))
        out[k] = str(Path(v).resolve()) if k == "logo" else str(v)
    for k in ("brand_colour", "accent_colour"):
        if k in out and not _HEX.match(out[k]):
            from levelup.errors import ParameterError

            raise ParameterError(f"branding {k} must be a hex colour such as '#004b87', got {out[k]!r}")
    if "logo" in out:
        image_type(out["logo"])  # raises unless the logo is an image file
    return out


#: the first bytes of the image files a logo may be: (prefix, MIME type)
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
          (b"GIF89a", "image/gif"))


def image_type(path: str | os.PathLike) -> str:
    """The MIME type of an image file (PNG, JPEG, GIF or SVG), read from its content, not its name.

    Raises :class:`~levelup.errors.ParameterError` for a missing file or anything else (a logo is
    embedded in every report: only image files are accepted).
    """
    from levelup.errors import ParameterError

    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise ParameterError(f"branding logo {str(path)!r} cannot be read ({exc.strerror or exc}): give the path "
                             "of a PNG, JPEG, GIF or SVG file") from None
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").decode("utf-8", errors="replace")
    if text.startswith("<") and re.search(r"<svg[\s>]", text) and "\x00" not in text:
        return "image/svg+xml"
    raise ParameterError(f"branding logo {str(path)!r} is not an image file (PNG, JPEG, GIF or SVG, recognised by "
                         "its content): give the path of the logo image")


def output_paths(out_dir: str | os.PathLike, level: str, slug: str, formats) -> dict[str, Path]:
    """``{fmt: out_dir/level/slug.fmt}`` for the formats asked plus the CSV and XLSX."""
    base = Path(out_dir) / level.lower()
    return {fmt: base / f"{slug}.{fmt}" for fmt in (*formats, *SIDE_FORMATS)}


def _css() -> str:
    return resources.files("levelup.report").joinpath("style.css").read_text(encoding="utf-8")


def page_html(body: str, *, title: str, brand: dict[str, str]) -> str:
    """The full HTML document around nbconvert's body: language, title, CSS, branding. Offline."""
    css = _css() + ".anchor-link{display:none}"
    if brand.get("brand_colour"):
        css += f":root{{--brand:{brand['brand_colour']}}}"
    if brand.get("accent_colour"):
        css += f":root{{--accent:{brand['accent_colour']}}}"
    bar = ""
    if brand.get("organisation") or brand.get("logo"):
        logo = ""
        if brand.get("logo"):
            mime = image_type(brand["logo"])
            data = base64.b64encode(Path(brand["logo"]).read_bytes()).decode()
            logo = f"<img src='data:{mime};base64,{data}' alt='{html.escape(brand.get('organisation', 'Logo'))} logo'>"
        bar = f"<div class='brandbar'><span>{html.escape(brand.get('organisation', ''))}</span>{logo}</div>"
    return (
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{css}</style></head>"
        f"<body><main>{bar}{body}</main></body></html>\n"
    )


_URL_IN_CSS = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.I)
_LOADS = {"src", "srcset", "data", "poster", "background", "action", "formaction", "manifest", "xlink:href"}


def _remote(url: str) -> bool:
    """True for a reference that leaves the machine (any scheme but ``data:``/``about:``, or ``//host``)."""
    u = url.strip().lower()
    m = re.match(r"([a-z][a-z0-9+.-]*):", u)
    return u.startswith("//") or (m is not None and m.group(1) not in ("data", "about"))


def remote_references(page: str) -> list[str]:
    """Every reference in ``page`` that a browser would load from outside the file: ``src``,
    ``srcset``, ``<link href>``, ``<meta http-equiv=refresh>``, CSS ``url()`` and ``@import``.
    Hyperlinks (``<a href>``) are not loads and are kept."""
    from html.parser import HTMLParser

    found: list[str] = []

    def css(text: str) -> None:
        found.extend(u for pair in _URL_IN_CSS.findall(text or "") for u in pair if u and _remote(u))

    class _P(HTMLParser):
        in_style = False

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            for name, value in attrs:
                if value is None:
                    continue
                if name == "srcset":
                    found.extend(u.split()[0] for u in value.split(",") if u.strip() and _remote(u.split()[0]))
                elif name in _LOADS or (name == "href" and tag in ("link", "base", "image", "use")):
                    if _remote(value):
                        found.append(value)
                elif name == "style":
                    css(value)
            if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
                target = (a.get("content") or "").partition("url=")[2] or (a.get("content") or "").partition("URL=")[2]
                if target and _remote(target):
                    found.append(target)
            self.in_style = tag == "style"

        def handle_endtag(self, tag):
            self.in_style = False

        def handle_data(self, data):
            if self.in_style:
                css(data)

    _P(convert_charrefs=True).feed(page)
    return list(dict.fromkeys(found))


def check_offline(page: str, label: str) -> None:
    """Refuse a page that would load anything from outside the file (HTML and PDF alike)."""
    remote = remote_references(page)
    if remote:
        shown = ", ".join(remote[:3]) + (f" and {len(remote) - 3} more" if len(remote) > 3 else "")
        raise RenderError(f"{label}: the page refers to remote resources ({shown}); reports are offline: embed "
                          "images as data: URIs or remove the references from the template")
