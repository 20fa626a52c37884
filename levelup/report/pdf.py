"""The PDF engine: headless Chromium through Playwright, one browser per worker, reused.

Prints A4 with the page number and the region's name in the footer, as a tagged PDF (document
structure, headings, reading order, ``/Lang`` from ``<html lang="en-GB">``) with an outline and
the document title from ``<title>``. Every request that would leave the machine is blocked by
a Playwright route and recorded in :attr:`PdfEngine.blocked` (reports embed their images as
``data:`` URIs, so a clean report makes none). JavaScript is off: reports need none.
"""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path

CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--font-render-hinting=none",
]


def chromium_path() -> str | None:
    """The browser: ``LEVELUP_CHROMIUM``, else Debian's chromium (or chrome) on PATH."""
    env = os.environ.get("LEVELUP_CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_args() -> list[str]:
    """Launch flags; ``--no-sandbox`` only where Chromium's sandbox cannot work (root)."""
    args = list(CHROMIUM_ARGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(0, "--no-sandbox")
    return args


def footer_template(region_name: str, footer_text: str = "") -> str:
    left = html.escape(region_name) + (f" &middot; {html.escape(footer_text)}" if footer_text else "")
    return (
        "<div style=\"font-family:'DejaVu Sans',sans-serif;font-size:7.5pt;color:#333;width:100%;"
        "margin:0 14mm;display:flex;justify-content:space-between\">"
        f"<span>{left}</span><span>Page <span class='pageNumber'></span> of "
        "<span class='totalPages'></span></span></div>"
    )


class PdfEngine:
    """A reused headless Chromium (async). ``await start()`` once, ``await pdf(...)`` per report."""

    def __init__(self, executable: str | None = None):
        self.executable = executable or chromium_path()
        self.blocked: list[str] = []
        self._pw = self._browser = self._context = self._page = None

    async def start(self) -> None:
        from playwright.async_api import async_playwright

        if not self.executable or not Path(self.executable).exists():
            from levelup.errors import RenderError

            raise RenderError("no Chromium found: install the Debian package 'chromium' or set LEVELUP_CHROMIUM")
        self._pw = await async_playwright().start()
        self._browser = await self._pw.chromium.launch(executable_path=self.executable, args=chromium_args())
        self._context = await self._browser.new_context(java_script_enabled=False, offline=True)
        await self._context.route("**/*", self._block)
        self._page = await self._context.new_page()

    async def _block(self, route) -> None:
        url = route.request.url
        if url.startswith(("data:", "about:")):
            await route.continue_()
            return
        self.blocked.append(url)
        await route.abort("blockedbyclient")

    async def pdf(self, html_text: str, *, region_name: str, footer_text: str = "") -> bytes:
        """Print ``html_text`` to A4 PDF bytes."""
        await self._page.set_content(html_text, wait_until="load", timeout=60_000)
        return await self._page.pdf(
            format="A4",
            print_background=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=footer_template(region_name, footer_text),
            margin={"top": "16mm", "bottom": "18mm", "left": "15mm", "right": "15mm"},
            tagged=True,
            outline=True,
        )

    async def close(self) -> None:
        for obj, meth in ((self._context, "close"), (self._browser, "close"), (self._pw, "stop")):
            if obj is not None:
                try:
                    await getattr(obj, meth)()
                except Exception:  # noqa: BLE001 - closing a browser that already died
                    pass
        self._pw = self._browser = self._context = self._page = None
